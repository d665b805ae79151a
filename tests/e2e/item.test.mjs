// An item panel as an analyst reads it, in headless Chromium against the sandbox:
// the verdict first, values people read, pivots from everything, the layout of a
// Space column (tabs below 600 px) and the keyboard inside the page. Seeded ids:
// crates/tc-sandbox/README.md.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { newPage, screenshot, spacesQuery, assertNoCspViolations, startPanels } from "./harness.mjs";

const PREFIX = "/appsvc/pivot/";
const HOST = "bad.example.com";
const DONE = "article[data-state=complete], article[data-state=partial], article[data-state=error]";
let sandbox, site, browser, appUrl, token;

let panels;
before(async () => {
  panels = await startPanels(PREFIX);
  ({ sandbox, site, browser, appUrl, token } = panels);
});

after(() => panels?.stop());

afterEach(() => assertNoCspViolations());
beforeEach(() => sandbox.faults(null));

let nextElement = 500;

/** Open Pivot as a Space would, on `type`/`item` in `owner`. */
async function open(type, item, { owner = "Demo Org", width = 1000, height = 800, writeBack = "true", permissions } = {}) {
  const page = await newPage(browser, { viewport: { width, height }, ...(permissions ? { permissions } : {}) });
  const params = {
    tcSpaceElementId: String(nextElement++), tcToken: token.token, tcTokenExpires: token.expires,
    tcApiPath: `${site.origin}/api`, allowWriteBack: writeBack, tcType: type, tcSelectedItem: String(item),
  };
  if (owner) params.tcSelectedItemOwner = owner;
  await page.goto(appUrl + spacesQuery(params));
  return page;
}

async function settled(page, state = "complete") {
  await page.waitForSelector(DONE, { timeout: 20000 });
  const got = await page.getAttribute("article", "data-state");
  assert.equal(got, state, `panel state ${got}; page says: ${(await page.textContent("main")).slice(0, 600)}`);
}

/** The sandbox's API directly (not through Pivot), with the launch's token. */
async function api(method, path, body) {
  const r = await fetch(`${sandbox.base}/api${path}`, { method, body: body && JSON.stringify(body),
    headers: { authorization: `TC-Token ${token.token}`, "content-type": "application/json" } });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** ThreatConnect's documented names for its threat and confidence ratings (written here, not taken from Pivot). */
const RATING = { 0: "Unknown", 1: "Suspicious", 2: "Low", 3: "Moderate", 4: "High", 5: "Critical" };
function confidenceWord(c) {
  if (c === 0) return "Unassessed";
  if (c <= 25) return "Improbable";
  if (c <= 49) return "Doubtful";
  if (c <= 69) return "Possible";
  if (c <= 89) return "Probable";
  return "Confirmed";
}

/** The header's verdict as label -> value. */
const verdict = (page) => page.$$eval("[data-section=verdict] dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ""])));

/** A date as Pivot shows it: "3 Jun 2025 20:32 UTC · 6 mo ago", from the ISO value. */
function readable(iso) {
  const d = new Date(iso);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC · `;
}

test("the verdict comes first: labels, rating and confidence in words, ThreatAssess, false positives, observations, copy and open", async () => {
  // An item with a known rating and confidence, so the expected words are ours.
  const made = await api("POST", "/v3/indicators", { type: "Host", hostName: "verdict.example", rating: 3, confidence: 72, ownerName: "Demo Org",
    securityLabels: { data: [{ name: "TLP:AMBER" }] } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const page = await open("Host", "verdict.example");
  await settled(page);
  const header = page.locator(".item-header");
  const v = await verdict(page);
  assert.equal(v.Rating, `3/5 ${RATING[3]}`);
  assert.equal(v.Confidence, `72% ${confidenceWord(72)}`);
  assert.ok(v.ThreatAssess, JSON.stringify(v));
  assert.match(v["False positives"], /^\d+/);
  assert.match(v.Observations, /^\d+/);
  assert.equal(await header.locator("[data-section=labels] li").first().getAttribute("class"), "chip label tlp-amber");
  assert.equal(await header.locator("button.copy").count(), 1, "copy is in the header");
  assert.match(await header.locator("a.weblink").getAttribute("href"), /^https?:\/\//);
  // No tags, attributes, DNS or WHOIS: one line, not a box each.
  assert.match(await page.textContent("[data-section=empty]"), /^No tags · no attributes · no DNS resolutions · no WHOIS$/);
  assert.equal(await page.locator("[data-section=tags]").count(), 0);
  assert.deepEqual(page.errors, []);
});

test("values people read: dates with the ISO value in a tooltip, sizes, hash and type names, monospace only for values", async () => {
  const page = await open("Host", HOST);
  await settled(page);
  const read = (await api("GET", "/v3/indicators/1")).json.data;
  const added = page.locator("[data-section=facts] time").first();
  assert.equal(await added.getAttribute("title"), read.dateAdded);
  assert.ok((await added.textContent()).startsWith(readable(read.dateAdded)), await added.textContent());
  assert.match(await added.textContent(), / · (\d+ (min|h|d|mo|y) ago|just now)$/);
  // An attribute holding a date ("First Seen") reads the same way; other attribute values as written.
  const firstSeen = (await api("GET", "/v3/indicators/1?fields=attributes")).json.data.attributes.data.find((a) => a.type === "First Seen").value;
  const seen = page.locator("[data-section=attributes] dt:text-is('First Seen') + dd time");
  assert.equal(await seen.getAttribute("title"), firstSeen);
  assert.ok((await seen.textContent()).startsWith(readable(firstSeen)), await seen.textContent());
  assert.equal(await page.locator("[data-section=attributes] dt:text-is('Description') + dd time").count(), 0);
  // Monospace for the value, not for the facts.
  const fonts = await page.evaluate(() => ({
    value: getComputedStyle(document.querySelector("h1.item-value")).fontFamily,
    fact: getComputedStyle(document.querySelector("[data-section=facts] dd")).fontFamily,
  }));
  assert.match(fonts.value, /mono|Menlo|Consolas/i);
  assert.doesNotMatch(fonts.fact, /mono|Menlo|Consolas/i);

  const email = await open("EmailAddress", "phisher@evil.example.net");
  await settled(email);
  assert.equal(await email.textContent("[data-field=type]"), "Email Address");

  const doc = await open("Document", 6);
  await settled(doc);
  const facts = await doc.$$eval("[data-section=facts] dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
  assert.equal(facts["File size"], "20 KB", "20,480 bytes");
  assert.deepEqual([...page.errors, ...email.errors, ...doc.errors], []);
});

test("a file: one copy button per hash, each copying that hash", async () => {
  const read = (await api("GET", "/v3/indicators/9")).json.data;
  const page = await open("File", "F5A2496CF66CB8CFFE66CB1B27D7DEDE", { permissions: ["clipboard-read", "clipboard-write"] });
  await settled(page);
  const labels = await page.locator("[data-section=hashes] dt").allTextContents();
  assert.deepEqual(labels, ["MD5", "SHA1", "SHA256"]);
  assert.equal(await page.locator(".item-header button.copy").count(), 0, "no 'MD5 : SHA1 : SHA256' copy");
  for (const [label, key] of [["MD5", "md5"], ["SHA1", "sha1"], ["SHA256", "sha256"]]) {
    await page.click(`[aria-label="Copy ${label}"]`);
    await page.waitForFunction((want) => navigator.clipboard.readText().then((t) => t === want), read[key]);
  }
  assert.deepEqual(page.errors, []);
});

test("pivots from tags, DNS resolutions, WHOIS values and other owners; no download without a file", async () => {
  // Tags open the tag in ThreatConnect where the API gives its page (v2 does), http(s) only, never the token.
  await sandbox.faults({ v3: false });
  const v2 = await open("Host", HOST);
  await settled(v2);
  const tagLinks = await v2.locator("[data-section=tags] a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  await sandbox.faults(null);
  const page = await open("Host", HOST);
  await settled(page);
  assert.ok(tagLinks.length >= 1);
  for (const href of tagLinks) {
    assert.match(href, /^https?:\/\//);
    assert.ok(!href.includes(token.token) && !href.includes("tcToken"), href);
  }
  // On v3 (no page of the tag in ThreatConnect's answer) a tag is a pivot to its own panel here:
  // every group and indicator carrying it, asked of ThreatConnect with hasTag, the tag as data.
  // (The host's own indicator list, more than a page, counts its types first: those requests are not the tag's.)
  await page.waitForFunction(() => document.querySelectorAll("[data-section=associated-indicators] .type-chip").length > 1);
  await sandbox.clearRequests();
  const tag = page.locator("[data-section=tags] a.pivot-link", { hasText: "APT Demo Bear" });
  assert.equal(await tag.getAttribute("href"), "index.html#type=Tag&value=APT%20Demo%20Bear", "a Pivot address, never the token");
  await tag.click();
  await page.waitForFunction(() => document.querySelector("[data-field=type]")?.textContent === "Tag");
  assert.equal(await page.textContent("[data-field=value]"), "APT Demo Bear");
  const tagged = (q) => api("GET", `/v3/${q}?tql=${encodeURIComponent('hasTag(name = "APT Demo Bear")')}&resultLimit=1000`);
  const [tg, ti] = [(await tagged("groups")).json.data, (await tagged("indicators")).json.data];
  assert.ok(tg.length >= 1 && ti.length >= 1, "the seed tags groups and indicators with it");
  await page.waitForFunction(([g, i]) => document.querySelector("[data-section=tagged-groups] .count")?.dataset.count === String(g)
    && document.querySelector("[data-section=tagged-indicators] .count")?.dataset.count === String(i), [tg.length, ti.length]);
  const rows = await page.locator("[data-section=tagged-indicators] .pivot-link").allTextContents();
  assert.ok(rows.includes("bad[.]example[.]com"), JSON.stringify(rows));
  const asked = (await sandbox.requests()).data.filter((r) => /^\/api\/v3\/(groups|indicators)$/.test(r.path)).map((r) => new URLSearchParams(r.query).get("tql"));
  assert.deepEqual([...new Set(asked)].sort(), ['hasTag(name = "APT Demo Bear")'], JSON.stringify(asked));
  assert.equal(await page.textContent(".breadcrumb li:last-child"), "Tag: APT Demo Bear");
  await page.reload();
  await page.waitForFunction(() => document.querySelector("[data-field=value]")?.textContent === "APT Demo Bear");
  await page.goBack();
  await page.waitForFunction(() => document.querySelector("[data-field=value]")?.textContent === "bad[.]example[.]com");
  await settled(page);
  // WHOIS: the domain and the name servers are pivots.
  assert.ok((await page.locator("[data-section=whois] .pivot-link").allTextContents()).includes("ns1[.]bad[.]example[.]com"));
  // DNS: the address it resolved to is a pivot.
  await page.click("[data-section=dns] .pivot-link >> text=203[.]0[.]113[.]66");
  await page.waitForFunction(() => document.querySelector("[data-field=value]")?.textContent === "203[.]0[.]113[.]66");
  await settled(page);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector("[data-field=value]")?.textContent === "bad[.]example[.]com");
  await settled(page);
  // Other owners' copies are pivots.
  await page.click("[data-section=owners] .pivot-link >> text=Common Community");
  await page.waitForFunction(() => document.querySelector("[data-field=owner]")?.textContent === "Common Community");
  await settled(page);

  const report = await open("Report", 12);
  await settled(report);
  assert.equal(await report.locator("button.download").count(), 0, "a Report without a file offers no download");
  const doc = await open("Document", 6);
  await settled(doc);
  assert.equal(await doc.textContent(".item-header button.download"), "Download dossier.pdf");
  assert.deepEqual([...page.errors, ...report.errors, ...doc.errors], []);
});

test("an item not in the selected owner says so and offers the owners that hold it", async () => {
  const made = await api("POST", "/v3/indicators", { type: "Host", hostName: "community-only.example", ownerName: "Common Community" });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const page = await open("Host", "community-only.example");
  await page.waitForSelector("[data-section=not-found] .pivot-link");
  const notice = await page.textContent("[data-section=not-found]");
  assert.match(notice, /Not in Demo Org/);
  assert.doesNotMatch(notice, /HTTP 404|Retry/);
  assert.equal(await page.locator(".section-error, button.retry").count(), 0, "no red error and no retry");
  await page.click("[data-section=not-found] .pivot-link >> text=Common Community");
  await page.waitForFunction(() => document.querySelector("[data-field=owner]")?.textContent === "Common Community");
  await settled(page);
  // Nowhere at all: said in words too.
  const nowhere = await open("Host", "nowhere-at-all.example");
  await nowhere.waitForSelector("[data-section=not-found] .empty");
  assert.match(await nowhere.textContent("[data-section=not-found]"), /Not in any owner you can see/);
  assert.deepEqual([...page.errors, ...nowhere.errors].filter((e) => !/status of 404/.test(e)), []);
});

test("the graph's centre label and its accessible names are defanged and escaped: a U+202E does not reorder them", async () => {
  const value = "evil\u202Etxt.exe";
  const made = await api("POST", "/v3/indicators", { type: "Mutex", value1: value, ownerName: "Demo Org" });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const group = await api("POST", "/v3/groups", { type: "Adversary", name: "g\u202Ex", ownerName: "Demo Org",
    associatedIndicators: { data: [{ id: made.json.data.id }, { id: 1 }] } });
  assert.equal(group.status, 201, JSON.stringify(group.json));
  const page = await open("Adversary", group.json.data.id);
  await settled(page);
  const graph = await page.evaluate(() => ({
    center: document.querySelector(".node-label-center").textContent,
    name: document.querySelector(".graph svg").getAttribute("aria-label"),
    nodes: [...document.querySelectorAll(".graph-node")].map((g) => g.getAttribute("aria-label")),
  }));
  assert.equal(graph.center, "g\\u{202E}x");
  assert.ok(graph.name.startsWith("g\\u{202E}x and "), graph.name);
  assert.ok(graph.nodes.includes("Mutex: evil\\u{202E}txt.exe"), JSON.stringify(graph.nodes));
  assert.ok(graph.nodes.includes("Host: bad[.]example[.]com"), JSON.stringify(graph.nodes));
  assert.ok(!JSON.stringify(graph).includes("\u202E"), "no raw U+202E");
  assert.deepEqual(page.errors, []);
});

test("edit controls name tags and groups escaped: a U+202E does not reorder their buttons", async () => {
  const value = "wb-rlo.example.com";
  const made = await api("POST", "/v3/indicators", { type: "Host", hostName: value, ownerName: "Demo Org",
    tags: { data: [{ name: "t\u202Ey" }] } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const group = await api("POST", "/v3/groups", { type: "Adversary", name: "w\u202Ez", ownerName: "Demo Org",
    associatedIndicators: { data: [{ id: made.json.data.id }] } });
  assert.equal(group.status, 201, JSON.stringify(group.json));
  const page = await open("Host", value);
  await settled(page);
  await page.click("#associations .disclose");
  const card = await page.evaluate(() => ["#associations [data-wb]", ".item-extra"].map((s) => {
    const el = document.querySelector(s);
    return { text: el.textContent, labels: [...el.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label")) };
  }));
  assert.ok(card[0].text.includes("Adversary: w\\u{202E}z"), card[0].text);
  assert.ok(card[0].labels.includes("Dissociate Adversary: w\\u{202E}z"), JSON.stringify(card[0].labels));
  assert.ok(card[1].labels.includes("Remove tag t\\u{202E}y"), JSON.stringify(card[1].labels));
  assert.ok(!JSON.stringify(card).includes("\u202E"), "no raw U+202E in the edit controls");
  // The tags card names it the same way.
  const tags = await page.textContent("[data-section=tags]");
  assert.ok(tags.includes("t\\u{202E}y") && !tags.includes("\u202E"), tags);
  assert.deepEqual(page.errors, []);
});

/** Nothing wider than the frame, and the widest offender when there is. */
async function sideways(page) {
  return page.evaluate(() => {
    let widest = "";
    for (const el of document.querySelectorAll("main *")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > innerWidth + 1 && !el.closest("svg")) widest = `${el.tagName}.${el.className} right=${r.right}`;
    }
    return { scroll: document.documentElement.scrollWidth, inner: innerWidth, widest };
  });
}

test("layout: a host, a file, an incident and the big campaign at 420, 900 and 1400 px", async () => {
  for (const [name, type, item] of [["host", "Host", HOST], ["file", "File", "F5A2496CF66CB8CFFE66CB1B27D7DEDE"], ["incident", "Incident", 9], ["campaign", "Campaign", 1]]) {
    const page = await open(type, item, { width: 420, height: 900 });
    await settled(page);
    for (const width of [420, 900, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      const { scroll, inner, widest } = await sideways(page);
      assert.ok(scroll <= inner, `${name} at ${width} px: the page is ${scroll} px wide`);
      assert.equal(widest, "", `${name} at ${width} px: an element reaches past the frame`);
      await screenshot(page, `item-${name}-${width}px`);
      const tabs = await page.locator(".item-tabs").isVisible();
      if (width === 420) {
        // The opening view: the verdict header and the first association rows, without a click.
        assert.ok(tabs, `${name}: tabs below 600 px`);
        const seen = await page.evaluate(() => {
          const inView = (el) => { const r = el?.getBoundingClientRect(); return !!r && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; };
          return { header: inView(document.querySelector(".item-header h1")), actions: inView(document.querySelector(".item-header .item-actions")),
            row: inView(document.querySelector(".assoc-preview .assoc-row")) };
        });
        assert.deepEqual(seen, { header: true, actions: true, row: true }, `${name} at 420 px`);
        // The tab counts the associations: the host's associated indicators (10,000 addresses
        // share its campaign) are more than the page the panel embeds, so its number comes
        // once the list has asked for its total.
        await page.waitForFunction(() => /^Associations \([\d,]+\)$/.test(document.querySelector(".item-tab[data-tab-key=associations]").textContent));
        assert.equal(await page.locator("[data-section=facts]").isVisible(), false, "details wait behind their tab");
        await page.click(".item-tab[data-tab-key=details]");
        assert.ok(await page.locator("[data-section=facts]").isVisible());
        assert.equal(await page.locator(".assoc-preview").isVisible(), false);
        await screenshot(page, `item-${name}-420px-details`);
        await page.click(".item-tab[data-tab-key=overview]");
      } else {
        assert.ok(!tabs, `${name}: no tabs at ${width} px`);
        // Associations before the secondary details.
        const order = await page.evaluate(() => [document.querySelector("#associations"), document.querySelector("[data-section=facts]")].map((e) => e.getBoundingClientRect().top));
        assert.ok(order[0] < order[1], `${name} at ${width} px: associations at ${order[0]}, details at ${order[1]}`);
      }
    }
    if (name === "campaign") {
      // Groups before the large indicator list.
      const [g, i] = await page.evaluate(() => ["associated-groups", "associated-indicators"].map((s) => document.querySelector(`[data-section=${s}]`).getBoundingClientRect().top));
      assert.ok(g < i, "groups come before the 10,001 indicators");
    }
    assert.deepEqual(page.errors, []);
  }
});

test("keyboard: a skip link to the associations, the graph is one Tab stop with arrows inside, focus on the title after a pivot", async () => {
  const page = await open("Incident", 9);
  await settled(page);
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("Tab");
  let focused = await page.evaluate(() => document.activeElement.className);
  // The trail's controls come first; the skip link is the panel's first stop.
  for (let i = 0; i < 8 && focused !== "skip-link"; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement.className);
  }
  assert.equal(focused, "skip-link");
  assert.ok(await page.locator(".skip-link").isVisible(), "visible while focused");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "associations");

  const stops = await page.locator(".graph [tabindex='0']").count();
  assert.equal(stops, 1, "the graph is one Tab stop");
  const first = page.locator(".graph-node").first();
  await first.focus();
  await page.keyboard.press("ArrowRight");
  const now = await page.evaluate(() => ({ id: document.activeElement.id, zero: [...document.querySelectorAll(".graph [tabindex='0']")].map((e) => e.id) }));
  assert.deepEqual(now, { id: "graph-node-1", zero: ["graph-node-1"] });
  const label = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  await page.keyboard.press("Enter");
  await page.waitForFunction((l) => !document.querySelector("[data-field=value]")?.textContent.startsWith("Finance"), label);
  await settled(page);
  await page.waitForFunction(() => document.activeElement?.id === "item-title");
  assert.deepEqual(page.errors, []);
});

test("edits where the data is: Undo in the page, a refused write keeps the input, pick-lists, hostile names inert, no control without write-back", async () => {
  const hostileTag = "<img src=x onerror=window.__pwned=1>";
  const hostileValue = '<script>window.__pwned=2</script>';
  const made = await api("POST", "/v3/indicators", { type: "Host", hostName: "edits.example", ownerName: "Demo Org",
    tags: { data: [{ name: "undo-me" }, { name: hostileTag }] }, attributes: { data: [{ type: "Description", value: hostileValue }] } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const page = await open("Host", "edits.example");
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  await settled(page);
  // Hostile names and values are text, in the chips, the buttons' names and the edit box.
  assert.ok((await page.locator(`.item-extra [aria-label="Remove tag ${hostileTag}"]`).count()) === 1);
  const attr = page.locator("[data-section=attributes] dd", { hasText: hostileValue });
  await attr.locator(".wb-attr-edit-start").click();
  assert.equal(await attr.locator(".wb-attr-edit").inputValue(), hostileValue);
  await attr.locator(".wb-attr-edit-start").click();
  assert.equal(await attr.locator(".wb-attr-edit").count(), 0, "the pencil closes the box again");
  assert.equal(await page.locator("main img, main script").count(), 0);
  // Removal: no browser dialog, then Undo, beside the tags, puts it back.
  await page.click('.item-extra [aria-label="Remove tag undo-me"]');
  await page.waitForFunction(() => document.querySelector("[data-wb=tags] .writeback-ok")?.textContent === "Removed tag undo-me");
  await page.waitForFunction(() => !document.querySelector("[data-section=tags]")?.textContent.includes("undo-me"));
  await page.click("[data-wb=tags] .wb-undo");
  await page.waitForFunction(() => document.querySelector("[data-section=tags]")?.textContent.includes("undo-me"));
  assert.deepEqual(dialogs, []);
  // Refused: what was typed stays, the server's words beside the field.
  await sandbox.faults({ rules: [{ method: "PUT", pathPrefix: `/api/v3/indicators/${made.json.data.id}`, status: 500, times: 1 }] });
  await page.fill(".wb-tag", "kept-tag");
  await page.click(".wb-add-tag");
  await page.waitForSelector("[data-wb=tags] .writeback-error");
  assert.equal(await page.inputValue(".wb-tag"), "kept-tag");
  await sandbox.faults(null);
  // The tag box offers existing tags holding what is typed (the API's own search), escaped.
  await page.fill(".wb-tag", "onerror");
  await page.waitForFunction(() => document.querySelectorAll("#wb-tag-names option").length > 0);
  const offeredTags = await page.$$eval("#wb-tag-names option", (os) => os.map((o) => o.value));
  assert.ok(offeredTags.includes(hostileTag) && offeredTags.every((t) => t.includes("onerror")), JSON.stringify(offeredTags));

  // The attribute type box starts empty and offers the types that apply to a Host: ThreatConnect's
  // "Platform Standard Attributes" reference lists Additional Analysis and Context for Hosts, not Documents.
  const offered = async (p) => {
    assert.equal(await p.inputValue(".wb-attr-type"), "");
    await p.focus(".wb-attr-type");
    await p.waitForFunction(() => document.querySelectorAll("#wb-attr-types option").length > 0);
    return p.$$eval("#wb-attr-types option", (os) => os.map((o) => o.value));
  };
  const all = (await api("GET", "/v3/attributeTypes?resultLimit=10000")).json.data.map((t) => t.name);
  const host = await offered(page);
  assert.ok(host.includes("Additional Analysis and Context") && host.includes("Description"), JSON.stringify(host));
  const doc = await open("Document", 6);
  await settled(doc);
  const docTypes = await offered(doc);
  assert.ok(!docTypes.includes("Additional Analysis and Context") && docTypes.includes("Description"), JSON.stringify(docTypes));
  assert.ok(docTypes.every((t) => all.includes(t)) && docTypes.length < all.length, JSON.stringify({ docTypes, all }));
  // A type the instance refuses: its answer beside the field, what was typed kept.
  await doc.fill(".wb-attr-type", "No Such Type");
  await doc.fill(".wb-attr-value", "kept value");
  await doc.click(".wb-add-attr");
  await doc.waitForSelector("[data-wb=attributes] .writeback-error");
  assert.match(await doc.textContent("[data-wb=attributes] .writeback-error"), /No Such Type|attribute type|invalid/i);
  assert.equal(await doc.inputValue(".wb-attr-value"), "kept value");
  // A type typed in although it does not apply to a Document: the instance refuses it the same way.
  await doc.fill(".wb-attr-type", "Additional Analysis and Context");
  await doc.click(".wb-add-attr");
  await doc.waitForFunction(() => /Additional Analysis and Context/.test(document.querySelector("[data-wb=attributes] .writeback-error")?.textContent ?? ""));
  assert.equal(await doc.inputValue(".wb-attr-value"), "kept value");
  assert.equal((await api("GET", "/v3/groupAttributes?tql=" + encodeURIComponent('groupId = 6 and type = "Additional Analysis and Context"'))).json.data.length, 0);

  // A group by name, where the associations are.
  await page.selectOption("#associations .wb-assoc-type", "Incident");
  await page.fill("#associations .wb-assoc-name", "finance workstation");
  await page.click("#associations .wb-associate");
  await page.click(".wb-associate-found >> text=Incident: Finance workstation compromise");
  await page.waitForFunction(() => document.querySelector("[data-section=associated-groups]")?.textContent.includes("Finance workstation compromise"));
  await settled(page);
  // The controls at each width: nothing past the frame.
  for (const width of [420, 900, 1400]) {
    await page.setViewportSize({ width, height: 900 });
    if (width === 420) await page.click(".item-tab[data-tab-key=details]");
    const { scroll, inner, widest } = await sideways(page);
    assert.ok(scroll <= inner && widest === "", `edits at ${width} px: ${scroll} > ${inner} ${widest}`);
    await screenshot(page, `item-edits-${width}px`);
    if (width === 420) await page.click(".item-tab[data-tab-key=overview]");
  }
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(page.errors.filter((e) => !/status of (500|400)/.test(e)), []);
  assert.deepEqual(doc.errors.filter((e) => !/status of (500|400)/.test(e)), []);

  // Write-back off: no control at all, on an indicator and on a group.
  for (const [type, item] of [["Host", "edits.example"], ["Document", 6]]) {
    const off = await open(type, item, { writeBack: "false" });
    await settled(off);
    assert.equal(await off.locator("[data-wb], .chip-x, .wb-attribute, .wb-undo, main textarea").count(), 0, `${type}: a control without write-back`);
    assert.equal(await off.locator(".item-header select, .item-extra input, [data-section=attributes] input").count(), 0);
  }
});

test("hostile seeds stay inert in the header, the tabs and the overview", async () => {
  for (const [type, item] of [["URL", "javascript:alert(1)"], ["Incident", 18]]) {
    const page = await open(type, item, { width: 420 });
    await settled(page);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, `${type} ${item}: a payload ran`);
    assert.equal(await page.locator("main img, main script, main iframe").count(), 0);
    for (const href of await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")))) {
      assert.ok(/^https?:\/\//.test(href) || /^(publish-import|triage|index)\.html(#|$)/.test(href), href);
    }
    await screenshot(page, `item-hostile-${type.toLowerCase()}-420px`);
    assert.deepEqual(page.errors, []);
  }
});

test("the graph, editing, search, the shortcuts, a long list's type counts and the v2 fallback load on demand; a part that cannot load says so and the panel works", async () => {
  const chunks = (page) => {
    const got = [];
    page.on("request", (r) => { const m = r.url().match(/\/(split_[a-z]+)-[0-9a-f]+\.wasm$/); if (m) got.push(m[1]); });
    return got;
  };
  // Without write-back: the graph's chunk (drawn at this width), never editing's.
  let page = await open("Host", HOST, { writeBack: "false", width: 1400 });
  let got = chunks(page);
  await settled(page);
  await page.waitForSelector("[data-section=graph] svg .graph-node");
  assert.ok(!got.includes("split_edit") && !got.includes("split_search") && !got.includes("split_keys"), `fetched at start: ${got}`);
  assert.ok(!got.includes("split_v2"), `the v2 fallback's chunk on an instance with v3: ${got}`);
  // The host's associated indicators are more than a page: their type counts come from their chunk.
  await page.waitForSelector("[data-section=associated-indicators] .type-chip");
  assert.equal(got.filter((c) => c === "split_counts").length, 1, `the type counts' chunk once: ${got}`);
  // The first search and the first ? fetch theirs, once.
  await page.fill(".search-input", HOST);
  await page.press(".search-input", "Enter");
  await page.waitForSelector(".search-results .search-count");
  await page.click(".keys-help");
  await page.waitForSelector(".shortcuts");
  assert.ok(got.includes("split_search") && got.includes("split_keys"), `fetched after a search and ?: ${got}`);
  assert.ok(!got.includes("split_edit"), "editing's chunk without write-back");
  await page.context().close();

  // With write-back: editing's chunk, and its controls work.
  page = await open("Host", HOST, { width: 1400 });
  got = chunks(page);
  await settled(page);
  await page.waitForSelector(".wb-add-tag");
  assert.equal(got.filter((c) => c === "split_edit").length, 1, `editing's chunk once: ${got}`);
  await page.context().close();

  // Editing's chunk refused by the network: each place says so in words, the panel and its lists work.
  page = await open("Host", HOST, { width: 1400 });
  await page.route(/split_edit-[0-9a-f]+\.wasm$/, (r) => r.abort());
  await settled(page);
  await page.waitForSelector("text=Pivot could not load its editing controls");
  assert.equal(await page.locator(".wb-add-tag").count(), 0);
  await page.waitForSelector("[data-section=associated-groups] tbody tr");
  // Only the refused fetches themselves (the chunk loader logs each to the console).
  assert.deepEqual(page.errors.filter((e) => !/^(Failed to load resource|TypeError: Failed to fetch)/.test(e)), []);
  await page.context().close();

  // The type counts' chunk refused: the long list says so where its chips would be, and pages on.
  page = await open("Host", HOST, { writeBack: "false", width: 1400 });
  await page.route(/split_counts-[0-9a-f]+\.wasm$/, (r) => r.abort());
  await settled(page);
  const list = "[data-section=associated-indicators]";
  await page.waitForSelector(`${list} .type-chips >> text=Pivot could not load its type counts`);
  assert.equal(await page.locator(`${list} .type-chip`).count(), 0);
  await page.click(`${list} .pager .next >> nth=0`);
  await page.waitForFunction((sel) => /^101–200 of /.test(document.querySelector(sel + " .page-of")?.textContent), list);
  assert.deepEqual(page.errors.filter((e) => !/^(Failed to load resource|TypeError: Failed to fetch)/.test(e)), []);
  await page.context().close();

  // Lists of a page or less count their own rows: no chunk for that.
  page = await open("Incident", 9, { writeBack: "false", width: 1400 });
  got = chunks(page);
  await settled(page);
  await page.waitForSelector("[data-section=associated-indicators] .type-chip");
  assert.ok(!got.includes("split_counts"), `fetched for short lists: ${got}`);
  await page.context().close();
});

// Association lists and search that never mislead, in headless Chromium against the sandbox:
// a kept filter stays on its item and says so, every list pages with true totals, defanged
// text finds what it stands for. Seeded ids: crates/tc-sandbox/README.md.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SCREENSHOTS, newPage, screenshot, spacesQuery, assertNoCspViolations, startPanels } from "./harness.mjs";

const PREFIX = "/appsvc/pivot/";
const DONE = "article[data-state=complete], article[data-state=partial], article[data-state=error]";
const INDICATORS = "[data-section=associated-indicators]";
const GROUPS = "[data-section=associated-groups]";
let sandbox, site, browser, appUrl, token;

let panels;
before(async () => {
  panels = await startPanels(PREFIX);
  ({ sandbox, site, browser, appUrl, token } = panels);
});

after(() => panels?.stop());

afterEach(() => assertNoCspViolations());
beforeEach(async () => {
  await sandbox.faults(null);
  await sandbox.clearRequests();
});

let nextElement = 700;

async function open(type, item, extra = {}, contextOptions = {}) {
  const page = await newPage(browser, contextOptions);
  const params = { tcSpaceElementId: String(nextElement++), tcToken: token.token, tcTokenExpires: token.expires,
    tcApiPath: `${site.origin}/api`, allowWriteBack: "false", ...extra };
  if (type) Object.assign(params, { tcType: type, tcSelectedItem: String(item), tcSelectedItemOwner: "Demo Org" });
  await page.goto(appUrl + spacesQuery(params));
  return page;
}

async function settled(page) {
  await page.waitForSelector(DONE, { timeout: 20000 });
  assert.equal(await page.getAttribute("article", "data-state"), "complete");
}

const statePath = (element) => `/v2/exchange/spaces/${element}/state`;
async function savedState(element) {
  const r = await fetch(`${sandbox.base}/api${statePath(element)}`, { headers: { authorization: `TC-Token ${token.token}` } });
  return (await r.json())?.data?.state;
}
async function waitForState(element, check) {
  let got;
  for (let i = 0; i < 100; i++) {
    got = await savedState(element);
    if (got && check(got)) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail("the element's saved state: " + JSON.stringify(got));
}

/** The list's count once known (not "…"): [shown text, data-count]. */
async function countOf(page, list, not) {
  await page.waitForFunction(([sel, not]) => { const c = document.querySelector(sel + " .count")?.dataset.count; return c && c !== "…" && c !== not; }, [list, not ?? ""]);
  return [await page.textContent(`${list} .count`), await page.getAttribute(`${list} .count`, "data-count")];
}

const value = (page) => page.textContent("[data-field=value]");

test("a kept filter stays on the item it was typed on, says so, and clears in one click", async () => {
  const element = String(nextElement++);
  const page = await open("Campaign", 1, { tcSpaceElementId: element });
  await settled(page);
  assert.deepEqual(await countOf(page, INDICATORS), ["10,001", "10001"]);
  assert.equal(await page.locator(`${INDICATORS} .filtered`).count(), 0, "no filter, no note");
  await page.fill(`${INDICATORS} .filter`, "100.64.7.");
  const [shown, n] = await countOf(page, INDICATORS, "10001");
  assert.ok(Number(n) > 0 && Number(n) < 10001, n);
  assert.equal(shown, `${Number(n).toLocaleString("en-US")} of 10,001`);
  assert.equal(await page.textContent(`${INDICATORS} .filtered-by`), "100.64.7.");
  const saved = await waitForState(element, (s) => s.items?.length === 1);
  assert.equal(saved.v, 2);
  assert.match(saved.items[0].item, /^[0-9a-f]{16}$/, "the item is named by a hash, not its value");
  assert.deepEqual(saved.items[0].filters, { "associated-indicators": "100.64.7." });

  // Pivot to an address of the list: its lists are not filtered by what was typed on the campaign.
  await page.click(`${INDICATORS} .pivot-link >> nth=0`);
  await page.waitForFunction(() => /100\[\.\]64\[\.\]7\[\.\]/.test(document.querySelector("[data-field=value]")?.textContent ?? ""));
  await settled(page);
  for (const list of [GROUPS, INDICATORS]) {
    if (await page.locator(list).count() === 0) continue;
    assert.equal(await page.inputValue(`${list} .filter`), "", list);
    assert.equal(await page.locator(`${list} .filtered`).count(), 0, list);
  }
  assert.ok(Number((await countOf(page, GROUPS))[1]) >= 1, "the campaign is listed: nothing filters it away");

  // Back: the campaign's filter is still its own.
  await page.goBack();
  await page.waitForFunction((sel) => document.querySelector(sel + " .filter")?.value === "100.64.7.", INDICATORS);
  assert.equal((await countOf(page, INDICATORS, "10001"))[1], n);

  // Another item opened in the same Space element: no filter there either.
  const host = await open("Host", "bad.example.com", { tcSpaceElementId: element });
  await settled(host);
  await host.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/exchange/spaces/") && e.responseEnd > 0));
  await host.waitForTimeout(200);
  assert.equal(await host.inputValue(`${INDICATORS} .filter`), "");
  assert.equal(await host.locator(".filtered").count(), 0);

  // One click clears it, and the element forgets it.
  await page.click(`${INDICATORS} .clear-filter`);
  assert.deepEqual(await countOf(page, INDICATORS), ["10,001", "10001"]);
  assert.equal(await page.inputValue(`${INDICATORS} .filter`), "");
  assert.equal(await page.locator(`${INDICATORS} .filtered`).count(), 0);
  await waitForState(element, (s) => s.items?.length === 0);
  assert.deepEqual([...page.errors, ...host.errors], []);
});

test("an address with 2,000 groups pages through them all with true totals, pager above and below, kept on Back", async () => {
  const page = await open("Address", "198.51.100.7", {}, { viewport: { width: 420, height: 800 } });
  await settled(page);
  // In a 420 px Space column the lists are the Associations tab.
  await page.click(".item-tab[data-tab-key=associations]");
  // The panel embeds 100: the list asks for its true total.
  assert.deepEqual(await countOf(page, GROUPS), ["2,000", "2000"]);
  const pagers = page.locator(`${GROUPS} .pager`);
  assert.equal(await pagers.count(), 2, "a pager above and below the list");
  assert.deepEqual(await pagers.locator(".page-of").allTextContents(), ["1–100 of 2,000", "1–100 of 2,000"]);
  assert.equal(await page.locator(`${GROUPS} .assoc-row`).count(), 100);
  const first = await page.textContent(`${GROUPS} .assoc-row`);
  await screenshot(page, "lists-2000-groups-420");
  // The list's own top as an analyst sees it in a 420 px Space column.
  await page.evaluate((sel) => document.querySelector(sel).scrollIntoView(), GROUPS);
  await page.screenshot({ path: join(SCREENSHOTS, "lists-2000-groups-420-view.png") });
  const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(width[0] <= width[1], `no horizontal scroll at 420 px: ${width}`);

  // From the bottom pager: page 2, read from its top.
  await page.click(`${GROUPS} .pager-bottom .next`);
  await page.waitForFunction(([sel, before]) => document.querySelector(sel + " .page-of")?.textContent === "101–200 of 2,000"
    && document.querySelector(sel + " .assoc-row")?.textContent !== before, [GROUPS, first]);
  assert.deepEqual(await pagers.locator(".page-of").allTextContents(), ["101–200 of 2,000", "101–200 of 2,000"]);
  await page.click(`${GROUPS} .pager .next >> nth=0`);
  await page.waitForFunction((sel) => document.querySelector(sel + " .page-of")?.textContent === "201–300 of 2,000", GROUPS);
  const third = await page.textContent(`${GROUPS} .assoc-row`);
  // Every request asked the server for its page with its total (no list capped by the panel).
  const reqs = (await sandbox.requests()).data.filter((r) => r.path === "/api/v3/groups");
  assert.ok(reqs.length >= 3, JSON.stringify(reqs.map((r) => r.query)));

  // Pivot from a row far down page 3, then Back: page 3, scrolled where it was.
  const row = page.locator(`${GROUPS} .assoc-row .pivot-link >> nth=60`);
  await row.scrollIntoViewIfNeeded();
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 500, `scrolled down: ${y}`);
  await row.click();
  await page.waitForFunction(() => !document.querySelector("[data-section=associated-groups] .page-of")?.textContent.startsWith("201"));
  await settled(page);
  // Back on a slow instance: the page is short (and the browser clamps its scroll) until the
  // lists arrive 1.5 s later; the restore waits for them.
  await sandbox.faults({ latencyMs: 1500 });
  await page.goBack();
  await page.waitForTimeout(400);
  // Meanwhile the page grows and shrinks as it redraws, and the browser moves the scroll itself:
  // that is not the analyst scrolling, and the restore goes on.
  const moved = await page.evaluate(async () => {
    const pause = () => new Promise((r) => setTimeout(r, 300));
    const filler = document.body.appendChild(document.createElement("div"));
    filler.style.height = "1500px";
    await pause();
    const grown = window.scrollY;
    filler.remove();
    await pause();
    return [grown, window.scrollY];
  });
  assert.ok(moved[0] > moved[1], `the page moved the scroll: ${moved}`);
  await page.waitForFunction((sel) => document.querySelector(sel + " .page-of")?.textContent === "201–300 of 2,000", GROUPS, { timeout: 12000 });
  assert.equal(await page.textContent(`${GROUPS} .assoc-row`), third);
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 5, y, { timeout: 12000 });

  // The analyst's own scrolling wins over a restore still waiting for the lists.
  await sandbox.faults(null);
  await row.click();
  await page.waitForFunction(() => !document.querySelector("[data-section=associated-groups] .page-of")?.textContent.startsWith("201"));
  await settled(page);
  await sandbox.faults({ latencyMs: 1500 });
  await page.goBack();
  await page.mouse.move(200, 300);
  await page.mouse.wheel(0, -50);
  await page.waitForFunction((sel) => document.querySelector(sel + " .page-of")?.textContent === "201–300 of 2,000", GROUPS, { timeout: 12000 });
  await page.waitForTimeout(500);
  const mine = await page.evaluate(() => window.scrollY);
  assert.ok(Math.abs(mine - y) > 100, `the restore stopped when the analyst scrolled: ${mine} vs ${y}`);
  assert.deepEqual(page.errors, []);
});

test("type chips count every type of the whole list and toggle a type filter", async () => {
  const page = await open("Address", "198.51.100.7");
  await settled(page);
  // The seed's 2,000 groups cycle through the 16 group types: 125 of each, counted by ThreatConnect
  // (the first page alone would say 100 in all).
  await page.waitForFunction((sel) => document.querySelectorAll(sel + " .type-chip").length === 16, GROUPS);
  const chips = await page.locator(`${GROUPS} .type-chip`).allTextContents();
  assert.ok(chips.every((c) => / 125$/.test(c)), JSON.stringify(chips));
  assert.ok(chips.some((c) => c === "Incident 125") && chips.some((c) => c === "Attack Pattern 125"), JSON.stringify(chips));
  await page.click(`${GROUPS} .type-chip:has-text("Incident")`);
  assert.equal(await page.getAttribute(`${GROUPS} .type-chip:has-text("Incident")`, "aria-pressed"), "true");
  assert.deepEqual(await countOf(page, GROUPS, "2000"), ["125 of 2,000", "125"]);
  assert.equal(await page.textContent(`${GROUPS} .page-of`), "1–100 of 125");
  assert.deepEqual([...new Set(await page.locator(`${GROUPS} .type-badge`).allTextContents())], ["Incident"]);
  await page.click(`${GROUPS} .type-chip:has-text("Incident")`);
  assert.deepEqual(await countOf(page, GROUPS, "125"), ["2,000", "2000"]);

  // The big campaign: 10,000 addresses and one host, counted per type by ThreatConnect.
  const campaign = await open("Campaign", 1);
  await settled(campaign);
  await campaign.waitForSelector(`${INDICATORS} .type-chip`);
  await campaign.waitForFunction((sel) => document.querySelectorAll(sel + " .type-chip").length === 2, INDICATORS);
  assert.deepEqual(await campaign.locator(`${INDICATORS} .type-chip`).allTextContents(), ["Address 10,000", "Host 1"]);
  assert.deepEqual([...page.errors, ...campaign.errors], []);
});

test("rows are real links to the item in ThreatConnect: a plain click pivots, a modified click opens a tab; no address, title or copy carries the token", async () => {
  const page = await open("Host", "bad.example.com", {}, { permissions: ["clipboard-read", "clipboard-write"] });
  await settled(page);
  const link = page.locator(`${GROUPS} a.pivot-link`).first();
  const href = await link.getAttribute("href");
  assert.match(href, /^https?:\/\/[^/]+\/#\/details\/groups\/\d+\/overview$/, "the group's webLink");
  assert.equal(await link.getAttribute("target"), "_blank");
  const before = await value(page);
  const [tab] = await Promise.all([page.context().waitForEvent("page"), link.click({ modifiers: ["Control"] })]);
  await tab.waitForLoadState("domcontentloaded").catch(() => {});
  assert.equal(tab.url(), href, "the new tab opens ThreatConnect's page of the item");
  await tab.close();
  assert.equal(await value(page), before, "a modified click leaves this view as it is");

  // Each row says when the item last changed, as people read dates (the API's value in its title).
  assert.match(await page.textContent(`${GROUPS} .assoc-modified`), /^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC · /);
  assert.match(await page.getAttribute(`${GROUPS} .assoc-modified time`, "title"), /^\d{4}-\d\d-\d\dT/);
  // Every address, title and copied value of every list: the token is in none of them.
  const attrs = await page.evaluate(() => [...document.querySelectorAll("main [href], main [title], main [src]")]
    .flatMap((e) => ["href", "title", "src"].map((a) => e.getAttribute(a)).filter(Boolean)));
  assert.ok(attrs.length > 5, JSON.stringify(attrs));
  for (const a of attrs) assert.ok(!a.includes(token.token), `the token is in ${a}`);
  const raw = await page.getAttribute(`${INDICATORS} .pivot-link >> nth=0`, "title");
  await page.click(`${INDICATORS} .copy-row >> nth=0`);
  await page.waitForSelector(`${INDICATORS} .assoc-row .copied`);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, raw, "the raw value of that row");
  assert.ok(!copied.includes(token.token));
  assert.ok(!page.url().includes(token.token));

  // A plain click pivots in Pivot.
  const name = await link.textContent();
  await link.click();
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, name);
  assert.deepEqual(page.errors, []);
});

test("an indicator's associated indicators show their true count", async () => {
  // An indicator's associated indicators are those sharing a group with it (the host shares the
  // big campaign's 10,000 addresses) and those linked to it directly: counted here from the API's
  // group lists and its v2 indicator links, not from the list Pivot asks for.
  const related = new Set();
  const groups = (await api("GET", `/v3/groups?tql=${encodeURIComponent("hasIndicator(id=1)")}&resultLimit=10000`)).json.data;
  for (const g of groups) {
    for (const i of await indicatorsOf(g.id)) related.add(i.id);
  }
  const direct = await fetch(`${sandbox.base}/api/v2/indicators/hosts/bad.example.com/indicators?owner=Demo%20Org`, { headers: { authorization: `TC-Token ${token.token}` } });
  for (const i of (await direct.json()).data.indicator) related.add(i.id);
  related.delete(1);
  assert.ok(related.size > 10000, `the seed's host: ${related.size}`);
  const page = await open("Host", "bad.example.com");
  await settled(page);
  // The panel embeds the first 100; the list asks ThreatConnect for the total and pages on.
  assert.deepEqual(await countOf(page, INDICATORS), [related.size.toLocaleString("en-US"), String(related.size)]);
  assert.equal(await page.locator(`${INDICATORS} .assoc-row`).count(), 100);
  assert.deepEqual(await page.locator(`${INDICATORS} .page-of`).first().textContent(), `1–100 of ${related.size.toLocaleString("en-US")}`);
  const links = await page.locator(`${INDICATORS} .assoc-row a.pivot-link`).evaluateAll((ls) => ls.map((l) => l.getAttribute("href")));
  assert.equal(links.length, 100);
  assert.ok(!links.some((h) => h.endsWith("/details/indicators/1/overview")), "the host is not its own association");
  // The tab and the overview count the whole list once it said its total, not the full page
  // the panel embedded.
  const all = (groups.length + related.size).toLocaleString("en-US");
  assert.equal(await page.textContent(".item-tab[data-tab-key=associations]"), `Associations (${all})`);
  assert.equal(await page.textContent(".assoc-preview .preview-all"), `All ${all} associations`);
  // The graph, drawn from its part, names the same total and how many it leaves to the lists.
  await page.waitForSelector(".graph svg");
  assert.equal(await page.getAttribute(".graph svg", "aria-label"), `bad[.]example[.]com and ${all} associated items`);
  const drawn = await page.locator(".graph .graph-node").count();
  assert.equal(await page.textContent(".graph-more"), `${(groups.length + related.size - drawn).toLocaleString("en-US")} more associations are in the lists.`);
  assert.deepEqual(page.errors, []);
});

test("defanged text in a search box or a list filter finds the value, and says what it searched for", async () => {
  const page = await open("Campaign", 1);
  await settled(page);
  const search = async (text) => {
    await page.fill(".search-input", text);
    await page.click(".search-go");
    await page.waitForFunction(() => { const r = document.querySelector(".search-results"); return r && !/Searching/.test(r.textContent); });
  };
  await search("bad[.]example[.]com");
  assert.equal(await page.textContent(".searched"), "bad.example.com");
  assert.ok((await page.locator(".search-hit").allTextContents()).includes("bad[.]example[.]com"));
  await search("hxxps[://]evil[.]example[.]net");
  assert.equal(await page.textContent(".searched"), "https://evil.example.net");
  assert.ok((await page.locator(".search-hit").allTextContents()).some((t) => t.startsWith("hxxps[://]evil[.]example[.]net/")));

  // What Pivot itself shows, pasted into a list filter.
  await page.fill(`${INDICATORS} .filter`, "100.64.7.");
  const [, plain] = await countOf(page, INDICATORS, "10001");
  await page.fill(`${INDICATORS} .filter`, "100[.]64[.]7[.]");
  assert.equal(await page.textContent(`${INDICATORS} .filtered-by`), "100.64.7.");
  assert.equal((await countOf(page, INDICATORS, "10001"))[1], plain);
  for (const row of await page.locator(`${INDICATORS} .assoc-row .pivot-link`).allTextContents()) assert.match(row, /^100\[\.\]64\[\.\]7\[\.\]/);
  assert.deepEqual(page.errors, []);
});

test("search says how many it found and shows all on request", async () => {
  const page = await open("Campaign", 1);
  await settled(page);
  await page.fill(".search-input", "100.64.7.");
  await page.click(".search-go");
  await page.waitForSelector(".search-count");
  // 100.64.7.0 … 100.64.7.255, the big campaign's (and nothing else in the seed contains it).
  assert.equal(await page.textContent(".search-count"), "Indicators 20 of 256 · groups 0 · Show all");
  assert.equal(await page.locator(".search-hit").count(), 20);
  await page.click(".show-all");
  await page.waitForFunction(() => document.querySelectorAll(".search-hit").length === 256);
  assert.equal(await page.textContent(".search-count"), "Indicators 256 · groups 0");
  assert.deepEqual(page.errors, []);
});

test("hostile text in a filter, a search or a kept state stays text", async () => {
  const element = String(nextElement++);
  const page = await open("Campaign", 1, { tcSpaceElementId: element });
  await settled(page);
  const hostile = "<img src=x onerror=window.pwned=1>\u202Etxt";
  await page.fill(`${INDICATORS} .filter`, hostile);
  await page.waitForSelector(`${INDICATORS} .filtered-by`);
  assert.equal(await page.textContent(`${INDICATORS} .filtered-by`), "<img src=x onerror=window.pwned=1>\\u{202E}txt");
  await page.fill(".search-input", "<script>window.pwned=2</script>");
  await page.click(".search-go");
  await page.waitForSelector(".searched");
  assert.equal(await page.textContent(".searched"), "<script>window.pwned=2</script>");
  await page.waitForFunction(() => !/Searching/.test(document.querySelector(".search-results").textContent));
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator("main img, main script").count(), 0);
  assert.deepEqual(page.errors, []);
});

test("the keyboard: / searches, arrows and Enter walk results and lists, Escape clears, Alt+arrows go back and forward, ? shows the keys", async () => {
  const page = await open("Campaign", 1);
  await settled(page);
  const start = await value(page);
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.className), "search-input");
  await page.keyboard.type("bad[.]example");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".search-hit");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelectorAll(".search-hit")[0]), true);
  const hits = await page.locator(".search-hit").count();
  if (hits > 1) {
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
  }
  const target = await page.evaluate(() => document.activeElement.textContent);
  await page.keyboard.press("Enter");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, target);
  assert.equal(await page.locator(".search-results").count(), 0, "the results close on a pivot");

  // Escape clears the search box and its results.
  await page.keyboard.press("/");
  await page.keyboard.type("phisher");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".search-results");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector(".search-results"));
  assert.equal(await page.inputValue(".search-input"), "");

  // Down from a list's filter box enters the list.
  await settled(page);
  await page.focus(`${GROUPS} .filter`);
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate((sel) => document.activeElement === document.querySelector(sel + " .pivot-link"), GROUPS), true);

  await page.keyboard.press("Alt+ArrowLeft");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, start);
  await page.keyboard.press("Alt+ArrowRight");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, target);

  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("?");
  await page.waitForSelector(".shortcuts");
  assert.match(await page.textContent(".shortcuts"), /Search/);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector(".shortcuts"));
  assert.deepEqual(page.errors, []);
});

test("the landing page lists this tab's recent pivots", async () => {
  const page = await open("Campaign", 1);
  await settled(page);
  const campaign = await value(page);
  await page.click(`${INDICATORS} .pivot-link >> nth=0`);
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent !== v, campaign);
  await settled(page);
  const second = await value(page);
  // The Space opened again in this tab, with no item.
  await page.goto(appUrl + spacesQuery({ tcSpaceElementId: String(nextElement++), tcToken: token.token, tcTokenExpires: token.expires, tcApiPath: `${site.origin}/api` }));
  await page.waitForSelector("[data-screen=search] .recent-item");
  const recent = await page.locator(".recent-item").allTextContents();
  assert.equal(recent.length, 2, JSON.stringify(recent));
  assert.ok(recent[0].endsWith(`: ${second}`), JSON.stringify(recent));
  assert.equal(recent[1], "Campaign #1");
  await page.click(".recent-item >> nth=1");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, campaign);
  assert.deepEqual(page.errors, []);
});

/** The sandbox's API directly (not through Pivot), with the launch's token. */
async function api(method, path, body) {
  const r = await fetch(`${sandbox.base}/api${path}`, { method, body: body && JSON.stringify(body),
    headers: { authorization: `TC-Token ${token.token}`, "content-type": "application/json" } });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** Every indicator associated with group `id`, as the API lists them (its own order). */
async function indicatorsOf(id) {
  const out = [];
  for (let start = 0; ; start += 10000) {
    const r = await api("GET", `/v3/indicators?tql=${encodeURIComponent(`hasGroup(id=${id})`)}&resultStart=${start}&resultLimit=10000`);
    assert.equal(r.status, 200);
    out.push(...r.json.data);
    if (r.json.data.length < 10000) return out;
  }
}

/** The API requests Pivot made since the log was cleared, as [path, query parameters]. */
async function apiRequests() {
  return (await sandbox.requests()).data.filter((r) => r.path.startsWith("/api/")).map((r) => [r.path, new URLSearchParams(r.query)]);
}

const rowValues = (page, list) => page.locator(`${list} .assoc-row .pivot-link`).evaluateAll((ls) => ls.map((l) => l.title));
// Header texts without the sort arrow (aria-hidden: aria-sort says it).
const headers = async (page, list) => (await page.locator(`${list} thead th`).allTextContents()).map((t) => t.replace(/[▲▼]$/, ""));
const sortedBy = (page, list) => page.locator(`${list} th[aria-sort]`).evaluateAll((ths) => ths.map((t) => [t.textContent.replace(/[▲▼]/, ""), t.getAttribute("aria-sort")]));

// ThreatConnect's words for a threat rating (its documentation: 1 Suspicious ... 5 Critical).
const RATING_WORDS = ["Unknown", "Suspicious", "Low", "Moderate", "High", "Critical"];

test("a list is a table ThreatConnect sorts: header buttons with aria-sort, one request a page with tags and TLP, kept on Back and in the element", async () => {
  const element = String(nextElement++);
  const page = await open("Campaign", 1, { tcSpaceElementId: element });
  await settled(page);
  assert.deepEqual(await countOf(page, INDICATORS), ["10,001", "10001"]);
  assert.equal(await page.textContent(`${INDICATORS} caption`), "Associated indicators");
  // The panel's own first page: ThreatConnect embeds associations without tags and labels.
  assert.deepEqual(await headers(page, INDICATORS), ["Type", "Value", "Rating", "Confidence", "Last modified", "Owner", "Copy"]);
  assert.equal(await page.locator(`${INDICATORS} thead th[scope=col]`).count(), 7);
  assert.deepEqual(await sortedBy(page, INDICATORS), []);
  assert.equal(await page.locator(`${INDICATORS} thead button.sort`).count(), 6, "every column but the copy is a button");

  // Expected orders computed here from the API's unsorted answer (byte order of the values,
  // ties by id), not by the code under test.
  const all = await indicatorsOf(1);
  assert.equal(all.length, 10001);
  const byValue = [...all].sort((a, b) => (a.summary < b.summary ? -1 : a.summary > b.summary ? 1 : a.id - b.id)).map((i) => i.summary);
  await sandbox.clearRequests();
  await page.click(`${INDICATORS} .sort[data-sort=value]`);
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [INDICATORS, byValue[0]]);
  assert.deepEqual(await sortedBy(page, INDICATORS), [["Value", "ascending"]]);
  assert.deepEqual(await rowValues(page, INDICATORS), byValue.slice(0, 100));
  assert.equal(await page.textContent(`${INDICATORS} caption`), "Associated indicators, sorted by Value ascending");
  // The page came with its tags and labels: two more columns, in the same one request.
  assert.deepEqual(await headers(page, INDICATORS), ["Type", "Value", "Rating", "Confidence", "Last modified", "Owner", "TLP", "Tags", "Copy"]);
  // One request for the page (the element's state is saved on its own, a moment later).
  let reqs = (await apiRequests()).filter(([p]) => !p.startsWith("/api/v2/exchange/spaces/"));
  assert.equal(reqs.length, 1, JSON.stringify(reqs.map(([p, q]) => p + "?" + q)));
  assert.equal(reqs[0][0], "/api/v3/indicators");
  assert.equal(reqs[0][1].get("sorting"), "summary asc");
  assert.deepEqual(reqs[0][1].getAll("fields"), ["tags", "securityLabels"]);
  assert.equal(reqs[0][1].get("tql"), "hasGroup(id=1)");

  // Again: the other way. Then page 2 of that order, from the pager.
  await page.focus(`${INDICATORS} .sort[data-sort=value]`);
  await page.keyboard.press("Enter");
  const desc = [...byValue].reverse();
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [INDICATORS, desc[0]]);
  assert.deepEqual(await sortedBy(page, INDICATORS), [["Value", "descending"]]);
  await page.click(`${INDICATORS} .pager .next >> nth=0`);
  await page.waitForFunction((sel) => document.querySelector(sel + " .page-of")?.textContent === "101–200 of 10,001", INDICATORS);
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [INDICATORS, desc[100]]);
  assert.deepEqual(await rowValues(page, INDICATORS), desc.slice(100, 200));
  reqs = (await apiRequests()).filter(([p]) => !p.startsWith("/api/v2/exchange/spaces/"));
  assert.deepEqual(reqs.map(([p, q]) => [p, q.get("sorting"), q.get("resultStart")]),
    [["/api/v3/indicators", "summary asc", "0"], ["/api/v3/indicators", "summary desc", "0"], ["/api/v3/indicators", "summary desc", "100"]]);

  // The element keeps the sort beside the filter, on this item.
  const saved = await waitForState(element, (s) => s.items?.[0]?.sorts);
  assert.deepEqual(saved.items[0].sorts, { "associated-indicators": "value desc" });

  // Pivot from a row and Back: page 2 of the same order.
  await page.click(`${INDICATORS} .assoc-row .pivot-link >> nth=3`);
  await page.waitForFunction(() => !document.querySelector("[data-field=value]")?.textContent.includes("Hivemind"));
  await settled(page);
  await page.goBack();
  await page.waitForFunction((sel) => document.querySelector(sel + " .page-of")?.textContent === "101–200 of 10,001", INDICATORS);
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [INDICATORS, desc[100]]);
  assert.deepEqual(await sortedBy(page, INDICATORS), [["Value", "descending"]]);

  // The Space opened again in the same element: the list comes sorted as it was left.
  const again = await open("Campaign", 1, { tcSpaceElementId: element });
  await settled(again);
  // (The panel's own first row is the host, which also leads the descending order: the second row tells.)
  await again.waitForFunction(([sel, v]) => document.querySelectorAll(sel + " .assoc-row .pivot-link")[1]?.title === v, [INDICATORS, desc[1]]);
  assert.deepEqual(await rowValues(again, INDICATORS), desc.slice(0, 100));
  assert.deepEqual(await sortedBy(again, INDICATORS), [["Value", "descending"]]);

  // Rating: highest first (unrated last), read as in the header: "3/5 Moderate".
  const rated = [...all].sort((a, b) => ((b.rating ?? -1) - (a.rating ?? -1)) || a.id - b.id);
  await again.click(`${INDICATORS} .sort[data-sort=rating]`);
  await again.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [INDICATORS, rated[0].summary]);
  assert.deepEqual(await rowValues(again, INDICATORS), rated.slice(0, 100).map((i) => i.summary));
  const cells = await again.locator(`${INDICATORS} tbody .c-rating`).allTextContents();
  assert.deepEqual(cells, rated.slice(0, 100).map((i) => (i.rating == null ? "" : `${Math.round(i.rating)}/5 ${RATING_WORDS[Math.round(i.rating)]}`)));
  assert.ok(cells.some((c) => c !== ""), "some of the big group's indicators are rated");
  assert.deepEqual([...page.errors, ...again.errors], []);
});

test("a group's list has no rating columns, and the v2 fallback's headers do not sort", async () => {
  // No Space element (the details page): Back keeps the sort all the same.
  const page = await open("Host", "bad.example.com", { tcSpaceElementId: "" });
  await settled(page);
  assert.deepEqual(await headers(page, GROUPS), ["Type", "Name", "Last modified", "Owner", "Copy"]);
  // Last modified: the latest change first.
  const groups = (await api("GET", `/v3/groups?tql=${encodeURIComponent("hasIndicator(id=1)")}`)).json.data;
  const latest = [...groups].sort((a, b) => (a.lastModified < b.lastModified ? 1 : a.lastModified > b.lastModified ? -1 : a.id - b.id));
  await page.click(`${GROUPS} .sort[data-sort=modified]`);
  await page.waitForFunction((sel) => document.querySelector(sel + " th[aria-sort]")?.getAttribute("aria-sort") === "descending", GROUPS);
  await page.waitForFunction(([sel, n]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === n, [GROUPS, latest[0].name]);
  assert.deepEqual(await rowValues(page, GROUPS), latest.map((g) => g.name));
  // Each row's TLP as the API labels it.
  const withLabels = (await api("GET", `/v3/groups?tql=${encodeURIComponent("hasIndicator(id=1)")}&fields=securityLabels`)).json.data;
  const tlp = Object.fromEntries(withLabels.map((g) => [g.name, (g.securityLabels?.data ?? []).map((l) => l.name).find((n) => n.startsWith("TLP:")) ?? ""]));
  const rows = await page.locator(`${GROUPS} .assoc-row`).evaluateAll((rs) => rs.map((r) => [r.querySelector(".pivot-link").title, r.querySelector(".c-tlp").textContent]));
  assert.deepEqual(rows, latest.map((g) => [g.name, tlp[g.name]]));
  assert.ok(rows.some(([, t]) => t !== ""), JSON.stringify(rows));
  await page.click(`${GROUPS} .assoc-row .pivot-link >> nth=1`);
  await page.waitForFunction((n) => document.querySelector("[data-field=value]")?.textContent === n, latest[1].name);
  await settled(page);
  await page.goBack();
  await page.waitForFunction(([sel, n]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === n, [GROUPS, latest[0].name]);
  assert.deepEqual(await sortedBy(page, GROUPS), [["Last modified", "descending"]]);
  assert.deepEqual(page.errors, []);

  // ThreatConnect without v3: the lists come from v2 and are not sorted by Pivot.
  await sandbox.faults({ v3: false });
  const v2 = await open("Host", "bad.example.com");
  await v2.waitForSelector(DONE, { timeout: 20000 });
  await v2.waitForSelector(`${GROUPS} .assoc-row`);
  assert.equal(await v2.locator(`${GROUPS} .sort`).count(), 0);
  assert.equal(await v2.locator(`${GROUPS} th[aria-sort]`).count(), 0);
  assert.equal(await v2.locator(`${GROUPS} thead th[scope=col]`).count(), 5);
  await sandbox.faults(null);
  // The browser reports the refused v3 request itself; nothing else went wrong.
  assert.deepEqual(v2.errors.filter((e) => !/status of 404/.test(e)), []);
});

test("hostile names and tags in a sorted table stay text", async () => {
  // The hostile URL's only group is the hostile Incident; both carry the hostile tags.
  const page = await open("URL", "javascript:alert(1)");
  await settled(page);
  await page.click(`${GROUPS} .sort[data-sort=value]`);
  await page.waitForSelector(`${GROUPS} .c-tags .tag`);
  assert.equal(await page.getAttribute(`${GROUPS} .assoc-row .pivot-link`, "title"), "<img src=x onerror=window.__pwned=1>");
  const tags = await page.locator(`${GROUPS} .c-tags .tag`).allTextContents();
  assert.ok(tags.includes("<img src=x onerror=window.__pwned=1>") && tags.includes("<script>window.__pwned=1</script>"), JSON.stringify(tags));
  assert.equal(await page.locator("main img, main script, main table [onerror]").count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(page.errors, []);
});

test("tables do not scroll sideways at 420, 900 and 1400 px; at 420 the value leads each row", async () => {
  for (const width of [420, 900, 1400]) {
    const page = await open("URL", "javascript:alert(1)", {}, { viewport: { width, height: 900 } });
    await settled(page);
    if (width === 420) await page.click(".item-tab[data-tab-key=associations]");
    await page.click(`${GROUPS} .sort[data-sort=value]`);
    await page.waitForSelector(`${GROUPS} .c-tags .tag`);
    await page.evaluate((sel) => document.querySelector(sel).scrollIntoView(), GROUPS);
    await page.screenshot({ path: join(SCREENSHOTS, `lists-table-${width}px.png`) });
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `no horizontal scroll at ${width} px: ${scroll} > ${inner}`);
    // Every cell of the row is on screen, inside the list's width.
    const box = await page.locator(`${GROUPS}`).boundingBox();
    for (const cell of await page.locator(`${GROUPS} .assoc-row >> nth=0`).locator("td, th").all()) {
      const b = await cell.boundingBox();
      if (b) assert.ok(b.x >= box.x - 1 && b.x + b.width <= box.x + box.width + 1, `${width} px: ${JSON.stringify(b)} in ${JSON.stringify(box)}`);
    }
    if (width === 420) {
      // The value on its own first line, the other cells under it.
      const [value, owner] = [await page.locator(`${GROUPS} .assoc-row >> nth=0`).locator(".c-value").boundingBox(), await page.locator(`${GROUPS} .assoc-row >> nth=0`).locator(".c-owner").boundingBox()];
      assert.ok(owner.y >= value.y + value.height - 1, `${JSON.stringify(value)} ${JSON.stringify(owner)}`);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test("type chips count the instance's custom indicator types too, and toggle them", async () => {
  // A group of 101 Addresses and the custom Hashtag #demobear: more than a page, so ThreatConnect counts each type.
  const types = (await api("GET", "/v2/types/indicatorTypes?includeAdditional=true")).json.data.indicatorType;
  assert.ok(types.some((t) => t.name === "Hashtag" && String(t.custom) === "true"), JSON.stringify(types.map((t) => t.name)));
  const addresses = (await indicatorsOf(1)).filter((i) => i.type === "Address").slice(0, 101).map((i) => ({ id: i.id }));
  const made = await api("POST", "/v3/groups", { type: "Incident", name: "Custom type chips", associatedIndicators: { data: [...addresses, { id: 10 }] } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await sandbox.clearRequests();
  const page = await open("Incident", made.json.data.id);
  await settled(page);
  await page.waitForFunction((sel) => document.querySelectorAll(sel + " .type-chip").length === 2, INDICATORS);
  assert.deepEqual(await page.locator(`${INDICATORS} .type-chip`).allTextContents(), ["Address 101", "Hashtag 1"]);
  await page.click(`${INDICATORS} .type-chip:has-text("Hashtag")`);
  assert.deepEqual(await countOf(page, INDICATORS, "102"), ["1 of 102", "1"]);
  assert.deepEqual(await rowValues(page, INDICATORS), ["#demobear"]);
  // Requests: the instance's types once, then one count per type (base and custom).
  const reqs = await apiRequests();
  assert.equal(reqs.filter(([p]) => p === "/api/v2/types/indicatorTypes").length, 1);
  const counted = reqs.filter(([p, q]) => p === "/api/v3/indicators" && q.get("resultLimit") === "1").map(([, q]) => q.get("tql"));
  assert.equal(counted.length, types.length, JSON.stringify(counted));
  assert.ok(counted.includes(`hasGroup(id=${made.json.data.id}) and typeName = "Hashtag"`), JSON.stringify(counted));

  // Requests per panel as before: the big campaign's base types add up to its 10,001, so
  // the instance's types are not asked; an indicator whose lists the panel embedded whole (the
  // phishing sender: one group, fewer than 100 indicators through it) asks no list.
  await sandbox.clearRequests();
  const campaign = await open("Campaign", 1);
  await settled(campaign);
  await campaign.waitForFunction((sel) => document.querySelectorAll(sel + " .type-chip").length === 2, INDICATORS);
  let seen = await apiRequests();
  assert.equal(seen.filter(([p]) => p === "/api/v2/types/indicatorTypes").length, 0);
  const base = types.filter((t) => String(t.custom) !== "true").length;
  assert.equal(seen.filter(([p, q]) => p === "/api/v3/indicators" && q.get("resultLimit") === "1").length, base);
  const sender = (await api("GET", `/v3/indicators/4?fields=associatedGroups&fields=associatedIndicators`)).json.data;
  assert.equal(sender.summary, "phisher@evil.example.net");
  assert.ok(sender.associatedGroups.data.length < 100 && sender.associatedIndicators.data.length > 0 && sender.associatedIndicators.data.length < 100,
    `embedded whole: ${sender.associatedGroups.data.length} groups, ${sender.associatedIndicators.data.length} indicators`);
  await sandbox.clearRequests();
  const host = await open("EmailAddress", "phisher@evil.example.net");
  await settled(host);
  await host.waitForTimeout(300);
  seen = await apiRequests();
  assert.deepEqual(seen.filter(([p]) => p === "/api/v3/indicators" || p === "/api/v3/groups").map(([p, q]) => p + "?" + q), []);
  assert.equal(await host.getAttribute(`${INDICATORS} .count`, "data-count"), String(sender.associatedIndicators.data.length));
  assert.deepEqual([...page.errors, ...campaign.errors, ...host.errors], []);
});

test("search filters by type and owner, in the TQL it sends, and says so", async () => {
  const page = await open("Campaign", 1, { defaultOwner: "Demo Org" });
  await settled(page);
  await page.fill(".search-input", "bad.example.com");
  await sandbox.clearRequests();
  await page.click(".search-go");
  await page.waitForSelector(".search-count");
  // At first in the launch's owner, as before.
  assert.equal(await page.textContent(".searched-for"), "Results for ‘bad.example.com’, in Demo Org");
  assert.equal(await page.inputValue(".search-owner"), "Demo Org");
  const owners = await page.locator(".search-owner option").allTextContents();
  assert.deepEqual(owners, ["Every owner", "Demo Org", "Common Community", "Threat Feed"]);

  const searched = async (change) => {
    await sandbox.clearRequests();
    await change();
    await page.waitForFunction(() => !/Searching/.test(document.querySelector(".search-results").textContent));
    return (await apiRequests()).filter(([p]) => p === "/api/v3/indicators" || p === "/api/v3/groups").map(([p, q]) => [p, q.get("tql")]);
  };
  let reqs = await searched(() => page.selectOption(".search-owner", "Common Community"));
  assert.deepEqual(reqs.sort(), [["/api/v3/groups", 'name contains "bad.example.com" and ownerName = "Common Community"'],
    ["/api/v3/indicators", 'summary contains "bad.example.com" and ownerName = "Common Community"']]);
  assert.equal(await page.textContent(".search-scope"), ", in Common Community");
  assert.deepEqual([...new Set(await page.locator(".search-results .assoc-owner").allTextContents())], ["Common Community"]);

  // A type: only its collection is asked.
  reqs = await searched(() => page.selectOption(".search-type", "i:Host"));
  assert.deepEqual(reqs, [["/api/v3/indicators", 'summary contains "bad.example.com" and ownerName = "Common Community" and typeName = "Host"']]);
  assert.equal(await page.textContent(".search-scope"), ", Host, in Common Community");
  assert.match(await page.textContent(".search-count"), /^Indicators \d+$/);

  // Every owner: the value in each owner that has it.
  reqs = await searched(() => page.selectOption(".search-owner", ""));
  assert.deepEqual(reqs, [["/api/v3/indicators", 'summary contains "bad.example.com" and typeName = "Host"']]);
  assert.equal(await page.textContent(".search-scope"), ", Host, every owner");
  const want = (await api("GET", `/v3/indicators?tql=${encodeURIComponent('summary contains "bad.example.com" and typeName = "Host"')}`)).json.data;
  assert.deepEqual((await page.locator(".search-hit").allTextContents()).length, want.length);
  assert.deepEqual([...new Set(await page.locator(".search-results .assoc-owner").allTextContents())].sort(), [...new Set(want.map((i) => i.ownerName))].sort());
  assert.ok(want.length >= 3, "the Host in all three owners");

  // A group type asks only for groups.
  reqs = await searched(() => page.selectOption(".search-type", "g:Incident"));
  assert.deepEqual(reqs, [["/api/v3/groups", 'name contains "bad.example.com" and typeName = "Incident"']]);

  // The indicator types are the instance's, custom ones included, as its type list names them.
  const types = (await api("GET", "/v2/types/indicatorTypes")).json.data.indicatorType.map((t) => t.name);
  assert.ok(types.includes("Hashtag") && types.length > 5, `the seed's types: ${types}`);
  const kinds = () => page.locator(".search-type optgroup[label=Indicators] option").evaluateAll((os) => os.map((o) => o.value.slice(2)));
  await page.waitForFunction((n) => document.querySelectorAll(".search-type optgroup[label=Indicators] option").length === n, types.length);
  assert.deepEqual((await kinds()).sort(), [...types].sort());
  assert.equal(await page.inputValue(".search-type"), "g:Incident", "the filter picked stays picked when the list grows");
  await searched(async () => { await page.fill(".search-input", "demobear"); await page.click(".search-go"); });
  await page.waitForFunction(() => document.querySelector(".searched")?.textContent === "demobear");
  reqs = await searched(() => page.selectOption(".search-type", "i:Hashtag"));
  assert.deepEqual(reqs, [["/api/v3/indicators", 'summary contains "demobear" and typeName = "Hashtag"']]);
  assert.deepEqual(await page.locator(".search-hit").allTextContents(), ["#demobear"]);
  assert.equal(await page.textContent(".search-scope"), ", Hashtag, every owner");
  assert.deepEqual(page.errors, []);
});

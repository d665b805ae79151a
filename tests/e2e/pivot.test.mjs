// The pivot UI against the sandbox, in headless Chromium: the package is
// served from a sub-path with /api proxied to tc-sandbox (same origin, as in
// ThreatConnect). Seeded ids: crates/tc-sandbox/README.md.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { tempDir, newPage, screenshot, spacesQuery, assertNoCspViolations, startPanels } from "./harness.mjs";

const PREFIX = "/appsvc/pivot/";
const HOST = "bad.example.com";
const URL_INDICATOR = "https://evil.example.net/dl/a b/payload.php?id=42&x=a+b%20c#frag/part";
const DONE = "article[data-state=complete], article[data-state=partial], article[data-state=error]";
let sandbox, site, browser, appUrl, token;

let panels;
before(async () => {
  panels = await startPanels(PREFIX);
  ({ sandbox, site, browser, appUrl, token } = panels);
});

after(() => panels?.stop());

// The pages run under their Content-Security-Policy: nothing may break it.
afterEach(() => assertNoCspViolations());

beforeEach(async () => {
  await sandbox.faults(null);
  await sandbox.clearRequests();
});

// Each page is its own Space element unless a test names one: the settings
// Pivot keeps per element (a list's filter, collapsed sections) stay in their test.
let nextElement = 100;

/**
 * Open Pivot as a Space would, on `type`/`item` (omit both for no item).
 * `extra.tcSpaceElementId: null` opens it without one (as the details page does).
 */
async function open(type, item, owner = "Demo Org", extra = {}, contextOptions = {}) {
  const page = await newPage(browser, contextOptions);
  page.on("dialog", (d) => d.accept());
  const params = {
    tcSpaceElementId: String(nextElement++), tcToken: token.token, tcTokenExpires: token.expires,
    tcApiPath: `${site.origin}/api`, allowWriteBack: "true", ...extra,
  };
  if (params.tcSpaceElementId === null) delete params.tcSpaceElementId;
  if (type) Object.assign(params, { tcType: type, tcSelectedItem: String(item) });
  if (type && owner) params.tcSelectedItemOwner = owner;
  await page.goto(appUrl + spacesQuery(params));
  return page;
}

async function settled(page, state = "complete") {
  await page.waitForSelector(DONE, { timeout: 20000 });
  const got = await page.getAttribute("article", "data-state");
  assert.equal(got, state, `panel state ${got}; page says: ${(await page.textContent("main")).slice(0, 600)}`);
}

const text = (page, sel) => page.textContent(sel);

/**
 * Counts the page's requests in flight; the returned function waits until none
 * has been for 300 ms. The panel reloads after every write and rebuilds the
 * write-back card (and its inputs): a fill made before that reload's requests
 * finish can land in the card being replaced (seen on loaded 2-core machines).
 */
function whenQuiet(page) {
  // A set, not a counter: requests started before this was called still finish.
  const inflight = new Set();
  page.on("request", (r) => inflight.add(r));
  page.on("requestfinished", (r) => inflight.delete(r));
  page.on("requestfailed", (r) => inflight.delete(r));
  return async () => {
    for (let calm = 0; calm < 3;) {
      await page.waitForTimeout(100);
      calm = inflight.size === 0 ? calm + 1 : 0;
    }
  };
}

/** Open the verdict header's editing controls (folded under one line). */
async function openHeaderEdit(page) {
  const toggle = ".item-header .disclose";
  if ((await page.getAttribute(toggle, "aria-expanded")) !== "true") await page.click(toggle);
}

/** API requests of the sandbox log, without the write-back owner lookups. */
async function apiRequests() {
  return (await sandbox.requests()).data.filter((r) => r.path.startsWith("/api/"));
}

/** The sandbox's API directly (not through Pivot), with the launch's token. */
async function api(method, path, body) {
  const r = await fetch(`${sandbox.base}/api${path}`, { method, body: body && JSON.stringify(body),
    headers: { authorization: `TC-Token ${token.token}`, "content-type": "application/json" } });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** True when every request started before the first one ended: they went out together. */
function allOverlap(reqs) {
  const firstEnd = Math.min(...reqs.map((r) => r.endMs));
  return reqs.every((r) => r.startMs <= firstEnd);
}

test("opens on an indicator with every section, in one round trip", async () => {
  // Enough latency that requests sent together overlap even when this 2-core
  // machine is busy; a request that waited for another would start after it ended.
  await sandbox.faults({ latencyMs: 200 });
  const page = await open("Host", HOST);
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), "bad[.]example[.]com");
  assert.equal(await text(page, "[data-field=owner]"), "Demo Org");
  assert.match(await text(page, "[data-section=tags]"), /C2/);
  assert.equal(await page.getAttribute("[data-section=labels] li", "class"), "chip label tlp-amber");
  assert.match(await text(page, "[data-section=attributes]"), /Description/);
  assert.match(await text(page, "[data-section=dns]"), /203\[\.\]0\[\.\]113\[\.\]66/);
  assert.match(await text(page, "[data-section=whois]"), /Registrar/);
  assert.match(await text(page, "[data-section=owners]"), /Common Community/);
  assert.ok(Number(await page.getAttribute("[data-section=associated-groups] .count", "data-count")) >= 1);
  assert.equal(await page.getAttribute("article", "data-api"), "v3");
  const link = await page.getAttribute("a.weblink", "href");
  assert.match(link, /^https?:\/\//);
  await screenshot(page, "indicator-panel");

  const all = await apiRequests();
  // The host's associated indicators (10,000 addresses share its campaign) are more than the page
  // the panel embeds: that list asks ThreatConnect for its total and its types' counts once the
  // panel is shown, as every list longer than a page does. The panel itself is the rest.
  const listed = all.filter((r) => r.path === "/api/v3/indicators");
  assert.ok(listed.length >= 1 && listed.every((r) => new URLSearchParams(r.query).get("tql").startsWith("id!=1 and hasIndicator(id=1)")),
    JSON.stringify(listed.map((r) => r.query)));
  const reqs = all.filter((r) => r.path !== "/api/v3/indicators");
  const core = reqs.filter((r) => r.path.startsWith("/api/v3/indicators/"));
  assert.equal(core.length, 1, "one core request: " + JSON.stringify(reqs.map((r) => r.path)));
  assert.ok(reqs.length <= 4, `core, other owners, owner types and the Space element's settings only: ${reqs.map((r) => r.path)}`);
  // Nothing waits for the core: every request left before the core's answer
  // came back. (On a busy 2-core runner the other-owners request has twice
  // left some 20-60 ms after the first answer instead of with the others;
  // the cause, browser or proxy, is not found yet.)
  assert.ok(reqs.every((r) => r.startMs <= core[0].endMs), "a request waited for the core: " + JSON.stringify(reqs));
  assert.deepEqual(page.errors, []);
});

test("opens on a group with its type's fields", async () => {
  const page = await open("Incident", 9);
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), "Finance workstation compromise");
  assert.match(await text(page, "[data-section=facts]"), /Status\s*Containment Achieved/);
  assert.match(await text(page, "[data-section=facts]"), /Event date/);
  await screenshot(page, "group-panel");
});

test("a 10,000-entry association list pages and filters on the server", async () => {
  const page = await open("Campaign", 1);
  await settled(page);
  const list = "[data-section=associated-indicators]";
  assert.equal(await page.getAttribute(`${list} .count`, "data-count"), "10001");
  assert.equal(await page.locator(`${list} .assoc-row`).count(), 100, "the first page only");
  const first = await page.textContent(`${list} .assoc-row`);
  await page.click(`${list} .pager button:has-text("Next")`);
  await page.waitForFunction(([sel, before]) => document.querySelector(sel + " .page-of")?.dataset.page === "2" && document.querySelector(sel + " .assoc-row")?.textContent !== before, [list, first]);
  await page.fill(`${list} .filter`, "100.64.7.");
  await page.waitForFunction((sel) => { const c = document.querySelector(sel + " .count")?.dataset.count; return c && c !== "10001" && c !== "…"; }, list);
  const filtered = Number(await page.getAttribute(`${list} .count`, "data-count"));
  assert.ok(filtered > 0 && filtered < 10001, `filtered count ${filtered}`);
  for (const row of await page.locator(`${list} .assoc-row .pivot-link`).allTextContents()) assert.match(row, /100\[\.\]64\[\.\]7\[\.\]/);
  await screenshot(page, "group-10000");
});

const INDICATORS = "[data-section=associated-indicators]";
const GROUPS = "[data-section=associated-groups]";
const statePath = (element) => `/v2/exchange/spaces/${element}/state`;
/** The key an item's kept filters go under: FNV-1a (64 bits) of its address fragment, 16 hex digits. */
function itemKey(fragment) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(fragment)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}
const CAMPAIGN = itemKey("#type=Campaign&id=1&owner=Demo%20Org");
/** The saved state with `filters` kept on the big campaign. */
const campaignState = (filters, collapsed) => ({ v: 2, items: Object.keys(filters).length ? [{ item: CAMPAIGN, filters }] : [], collapsed });
const stateWrites = async (element) => (await apiRequests()).filter((r) => r.method !== "GET" && r.path === `/api${statePath(element)}`);

/** Waits until the element's saved state (read from the sandbox directly) equals `want`. */
async function savedState(element, want) {
  let got;
  for (let i = 0; i < 100; i++) {
    got = (await api("GET", statePath(element))).json?.data?.state;
    if (isDeepStrictEqual(got, want)) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(got, want, "the element's saved state");
}

test("a Space element opens as the analyst left it: a list's filter and collapsed sections, kept without write-back", async () => {
  const element = "501";
  // allowWriteBack off: keeping settings is not write-back.
  const page = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: element, allowWriteBack: "false" });
  await settled(page);
  assert.equal(await page.getAttribute(INDICATORS, "data-collapsed"), "false");
  // Ten changes in quick succession: saved once they pause, not once each.
  await page.locator(`${INDICATORS} .filter`).pressSequentially("100.64.7.", { delay: 20 });
  await page.click(`${GROUPS} .collapse`);
  assert.equal(await page.getAttribute(`${GROUPS} .collapse`, "aria-expanded"), "false");
  assert.equal(await page.locator(`${GROUPS} .assoc-list:visible, ${GROUPS} .empty:visible`).count(), 0, "a collapsed section hides its list");
  // The filtered page replaces the list once it arrives (not the last page shown as if it were it).
  await page.waitForSelector(`${INDICATORS} .assoc-list`);
  assert.equal(await page.locator(`${INDICATORS} .assoc-list:visible`).count(), 1);
  await savedState(element, campaignState({ "associated-indicators": "100.64.7." }, ["associated-groups"]));
  const writes = await stateWrites(element);
  assert.ok(writes.length >= 1 && writes.length <= 2, `debounced: ${writes.length} saves for 10 changes`);

  // The Space opened again (a new tab, as ThreatConnect reloads the app).
  const again = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: element, allowWriteBack: "false" });
  await again.waitForFunction((sel) => document.querySelector(sel + " .filter")?.value === "100.64.7.", INDICATORS);
  await again.waitForFunction((sel) => { const c = document.querySelector(sel + " .count")?.dataset.count; return c && c !== "10001" && c !== "…"; }, INDICATORS);
  for (const row of await again.locator(`${INDICATORS} .assoc-row .pivot-link`).allTextContents()) assert.match(row, /100\[\.\]64\[\.\]7\[\.\]/);
  assert.equal(await again.getAttribute(GROUPS, "data-collapsed"), "true");
  assert.equal(await again.getAttribute(`${GROUPS} .collapse`, "aria-expanded"), "false");
  // Expanding it again is kept too.
  await again.click(`${GROUPS} .collapse`);
  await savedState(element, campaignState({ "associated-indicators": "100.64.7." }, []));
  assert.deepEqual(again.errors, []);
});

test("without a Space element nothing is read or written", async () => {
  const page = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: null });
  await settled(page);
  await page.fill(`${INDICATORS} .filter`, "100.64.7.");
  await page.click(`${GROUPS} .collapse`);
  await page.waitForTimeout(1500);
  const spaces = (await apiRequests()).filter((r) => r.path.startsWith("/api/v2/exchange/spaces/"));
  assert.deepEqual(spaces.map((r) => `${r.method} ${r.path}`), []);
});

test("a Space element's hostile or oversized state is ignored: no crash, nothing run, nothing unknown applied", async () => {
  // Written straight into the sandbox, as anyone able to write the element's state could.
  const hostile = { v: 2, items: [{ item: CAMPAIGN, filters: { "associated-indicators": "<img src=x onerror=window.pwned=1>", "associated-groups": "x".repeat(5000),
    "__proto__": "a", "constructor": { toString: 1 } } }, { item: "<script>", filters: { "associated-groups": "bad key" } }], collapsed: ["associated-indicators", 42, { a: 1 }, "whois", "__proto__"], html: "<script>window.pwned=2</script>" };
  assert.equal((await api("POST", statePath("502"), hostile)).status, 200);
  const page = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: "502" });
  await settled(page);
  // The short filter is applied as text, the 5,000-character one is not; only known sections collapse.
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.collapsed === "true", INDICATORS);
  assert.equal(await page.inputValue(`${INDICATORS} .filter`), "<img src=x onerror=window.pwned=1>");
  assert.equal(await page.inputValue(`${GROUPS} .filter`), "");
  assert.equal(await page.getAttribute(GROUPS, "data-collapsed"), "false");
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator("img").count(), 0);

  // Over the size cap: ignored entirely, even its valid parts.
  const oversized = { ...campaignState({ "associated-indicators": "100.64.7." }, ["associated-groups"]), padding: "y".repeat(50000) };
  assert.equal((await api("POST", statePath("503"), oversized)).status, 200);
  // Another version of the format: ignored.
  assert.equal((await api("POST", statePath("504"), { ...campaignState({ "associated-indicators": "100.64.7." }, []), v: 3 })).status, 200);
  for (const element of ["503", "504"]) {
    const p = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: element });
    await settled(p);
    await p.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/exchange/spaces/") && e.responseEnd > 0));
    await p.waitForTimeout(200);
    assert.equal(await p.inputValue(`${INDICATORS} .filter`), "", element);
    assert.equal(await p.getAttribute(`${INDICATORS} .count`, "data-count"), "10001", element);
    assert.equal(await p.getAttribute(GROUPS, "data-collapsed"), "false", element);
    assert.deepEqual(p.errors, []);
  }
  assert.deepEqual(page.errors, []);
});

test("the panel does not wait for the Space element's state, and what the analyst typed meanwhile wins", async () => {
  const element = "505";
  await api("POST", statePath(element), campaignState({ "associated-indicators": "100.64.7." }, ["associated-groups"]));
  await sandbox.faults({ rules: [{ method: "GET", pathPrefix: `/api${statePath(element)}`, delayMs: 4000 }] });
  const page = await open("Campaign", 1, "Demo Org", { tcSpaceElementId: element });
  await settled(page);
  const stateAnswered = () => page.evaluate((p) => performance.getEntriesByType("resource").some((e) => e.name.includes(p) && e.responseEnd > 0), statePath(element));
  assert.equal(await stateAnswered(), false, "the panel completed before the state answered");
  const panel = (await apiRequests()).filter((r) => r.path === "/api/v3/groups/1");
  assert.equal(panel.length, 1, "the panel's request was answered while the state was still delayed");
  // Typed before the saved state arrives: kept; the other saved setting still applies.
  await page.fill(`${INDICATORS} .filter`, "100.64.8.");
  // Too long to be kept (over 200 characters), yet what the analyst typed: it stays in the box.
  const long = "9".repeat(201);
  await page.fill(`${GROUPS} .filter`, long);
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.collapsed === "true", GROUPS, { timeout: 15000 });
  assert.equal(await stateAnswered(), true);
  assert.equal(await page.inputValue(`${INDICATORS} .filter`), "100.64.8.");
  assert.equal(await page.inputValue(`${GROUPS} .filter`), long);
  await savedState(element, campaignState({ "associated-indicators": "100.64.8." }, ["associated-groups"]));
  assert.deepEqual(page.errors, []);
});

test("pivots three hops, back, forward and reload", async () => {
  const page = await open("Host", HOST);
  await settled(page);
  const trail = [await text(page, "[data-field=value]")];
  // Each step as its panel's header reads it ("Incident: name", "Address: value"): the breadcrumb says the same.
  const crumbs = [`${await text(page, "[data-field=type]")}: ${trail[0]}`];
  for (const list of ["associated-groups", "associated-indicators", "associated-groups"]) {
    const links = page.locator(`[data-section=${list}] .pivot-link`);
    await links.first().waitFor();
    await links.first().click();
    await page.waitForFunction((prev) => document.querySelector("[data-field=value]")?.textContent !== prev, trail.at(-1));
    await settled(page);
    trail.push(await text(page, "[data-field=value]"));
    crumbs.push(`${await text(page, "[data-field=type]")}: ${trail.at(-1)}`);
  }
  assert.equal(await page.locator(".breadcrumb li").count(), 4);
  assert.deepEqual(await page.locator(".breadcrumb li").allTextContents(), crumbs, "groups by name, not #id");
  assert.doesNotMatch(page.url(), /tcToken/, "the token is not in the address");

  await page.reload();
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), trail[3], "a reload shows the same item");
  assert.deepEqual(await page.locator(".breadcrumb li").allTextContents(), crumbs, "the names survive a reload");

  for (const expected of [trail[2], trail[1]]) {
    await page.goBack();
    await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, expected);
  }
  await page.click(".nav-back");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, trail[0]);
  await page.click(".nav-forward");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent === v, trail[1]);
  await settled(page);
  assert.deepEqual(page.errors, []);
});

test("search finds an item and pivots to it", async () => {
  const page = await open("Host", HOST);
  await settled(page);
  await page.fill(".search-input", "phisher@");
  await page.click(".search-go");
  const hit = page.locator(".search-hit", { hasText: "phisher[@]evil[.]example[.]net" });
  await hit.waitFor();
  await hit.click();
  await page.waitForFunction(() => document.querySelector("[data-field=type]")?.textContent === "Email Address");
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), "phisher[@]evil[.]example[.]net");
});

test("a URL with / ? # % + and a space survives the proxy and the path encoding", async () => {
  const page = await open("URL", URL_INDICATOR);
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), "hxxps[://]evil[.]example[.]net/dl/a b/payload.php?id=42&x=a+b%20c#frag/part");
  await page.reload();
  await settled(page);
});

test("a failing section shows the server's words and a retry while the rest renders", async () => {
  // 403 is not retried (500 would be, and succeed on the second try).
  await sandbox.faults({ rules: [{ method: "GET", pathPrefix: "/api/v2/indicators/hosts/bad.example.com/owners", status: 403, times: 1 }] });
  const page = await open("Host", HOST);
  await settled(page, "partial");
  const owners = "[data-section=owners]";
  assert.match(await text(page, `${owners} .section-error`), /403|not allowed|permission/i);
  assert.match(await text(page, "[data-section=tags]"), /C2/, "the rest of the panel rendered");
  await page.click(`${owners} .retry`);
  await page.waitForFunction((sel) => /Common Community/.test(document.querySelector(sel)?.textContent), owners);
  await settled(page);
});

test("without v3 the panel comes from v2 with its requests sent together", async () => {
  await sandbox.faults({ v3: false, latencyMs: 200 });
  const page = await open("Host", HOST);
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v2");
  assert.match(await text(page, "[data-section=tags]"), /C2/);
  assert.match(await text(page, "[data-section=attributes]"), /Description/);
  // The panel's own v2 requests (the other-owners section left earlier, with the v3 attempt).
  const v2 = (await apiRequests()).filter((r) => r.path.startsWith("/api/v2/indicators/hosts/") && !r.path.endsWith("/owners"));
  assert.equal(v2.length, 4, "item with includes, groups, indicators, DNS: " + v2.map((r) => r.path));
  // Sent together, as the page's own Resource Timing shows (when each fetch
  // began and ended): the sandbox's log also counts the browser's and the
  // proxy's connection handling, which once held one request back on a busy
  // runner although the app had sent all four at once.
  const sent = await page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => new URL(e.name).pathname.startsWith("/api/v2/indicators/hosts/") && !new URL(e.name).pathname.endsWith("/owners"))
    .map((e) => ({ path: new URL(e.name).pathname, startMs: e.startTime, endMs: e.responseEnd })));
  assert.equal(sent.length, 4, JSON.stringify(sent));
  assert.ok(allOverlap(sent), "the v2 requests overlapped: " + JSON.stringify(sent.map((r) => [r.path, r.startMs, r.endMs])));
  // The v2 fallback's code came on demand, as its own chunk (ui::on_demand), after the v3 attempt.
  const chunks = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => /\/split_[a-z0-9]+-[0-9a-f]+\.wasm$/.test(p)));
  assert.ok(chunks.some((p) => /\/split_v2-/.test(p)), "the v2 chunk was fetched: " + chunks);
  await screenshot(page, "indicator-v2-fallback");

  // Found out once per tab: the next load (a Space reloads Pivot for each
  // item) goes to v2 at once, without a v3 round trip first.
  await sandbox.clearRequests();
  await page.reload();
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v2");
  const again = await apiRequests();
  assert.deepEqual(again.filter((r) => r.path.startsWith("/api/v3/")).map((r) => r.path), [], "no v3 attempt on the next load");
  assert.ok(again.some((r) => r.path === `/api/v2/indicators/hosts/${HOST}`), again.map((r) => r.path).join(" "));
});

/** A page's errors other than the v3 attempt's 404 on an instance without v3. */
const errorsBesidesV3Missing = (page) => page.errors.filter((e) => !/status of 404/.test(e));

/** The facts card and the header's verdict as label -> value. */
async function facts(page) {
  return page.$$eval("[data-section=facts] dt, [data-section=verdict] dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ""])));
}

test("on the v2 fallback, a host's and an address's DNS resolutions are shown", async () => {
  await sandbox.faults({ v3: false });
  // Seed: bad.example.com resolved to 203.0.113.66 (crates/tc-sandbox/README.md).
  const host = await open("Host", HOST);
  await settled(host);
  assert.equal(await host.getAttribute("article", "data-api"), "v2");
  assert.match(await text(host, "[data-section=dns]"), /203\[\.\]0\[\.\]113\[\.\]66/);
  const address = await open("Address", "203.0.113.66");
  await settled(address);
  assert.equal(await address.getAttribute("article", "data-api"), "v2");
  assert.match(await text(address, "[data-section=dns]"), /bad\[\.\]example\[\.\]com/);
  assert.deepEqual([errorsBesidesV3Missing(host), errorsBesidesV3Missing(address)], [[], []]);
});

test("a custom-type indicator on the v2 fallback: the whole panel, other owners and write-back", async () => {
  await sandbox.faults({ v3: false });
  // Seed: Hashtag #demobear (id 10), a custom type with apiBranch hashtags.
  const page = await open("Hashtag", "#demobear");
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v2");
  assert.match(await text(page, "[data-section=owners]"), /Only in this owner/);
  assert.equal((await facts(page)).Owner, "Demo Org");
  const reads = (await apiRequests()).map((r) => `${r.method} ${r.rawPath}`);
  assert.ok(reads.includes("GET /api/v2/types/indicatorTypes"), reads.join(" "));
  assert.ok(reads.includes("GET /api/v2/indicators/hashtags/%23demobear/owners"), reads.join(" "));
  await page.fill(".item-extra .wb-tag", "custom-v2");
  await page.click(".item-extra .wb-add-tag");
  await page.waitForFunction(() => document.querySelector("[data-wb=tags] .writeback-ok")?.textContent === "Added tag custom-v2");
  await settled(page);
  assert.match(await text(page, "[data-section=tags]"), /custom-v2/);
  const writes = (await apiRequests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.rawPath}`);
  assert.deepEqual(writes, ["POST /api/v2/indicators/hashtags/%23demobear/tags/custom-v2"]);
  await sandbox.faults(null);
  const read = (await api("GET", "/v3/indicators/10?fields=tags")).json.data;
  assert.ok(read.tags.data.some((t) => t.name === "custom-v2"), JSON.stringify(read.tags));
  assert.deepEqual(errorsBesidesV3Missing(page), []);
});

test("the owner's own rating and confidence are shown, not ThreatAssess's, on v3 and v2", async () => {
  // The sandbox computes ThreatAssess from rating and confidence, so an item
  // rated but without confidence (and one with confidence but unrated) has
  // ThreatAssess values where the owner has none.
  const rated = await api("POST", "/v3/indicators", { type: "Host", hostName: "rated-only.example", rating: 4, ownerName: "Demo Org" });
  const confident = await api("POST", "/v3/indicators", { type: "Host", hostName: "confident-only.example", confidence: 80, ownerName: "Demo Org" });
  assert.equal(rated.status, 201, JSON.stringify(rated.json));
  assert.equal(confident.status, 201, JSON.stringify(confident.json));
  const ta = (await api("GET", `/v3/indicators/${rated.json.data.id}?fields=threatAssess`)).json.data;
  assert.ok(ta.threatAssessConfidence !== undefined && ta.confidence === undefined, JSON.stringify(ta));
  for (const v3 of [true, false]) {
    await sandbox.faults(v3 ? null : { v3: false });
    const a = await open("Host", "rated-only.example");
    await settled(a);
    assert.equal(await a.getAttribute("article", "data-api"), v3 ? "v3" : "v2");
    const fa = await facts(a);
    assert.equal(fa.Rating, "4/5 High", JSON.stringify(fa));
    assert.equal(fa.Confidence, undefined, `no confidence of the owner's own: ${JSON.stringify(fa)}`);
    assert.ok(fa.ThreatAssess, JSON.stringify(fa));
    // The header's rating controls are pre-filled with the owner's own values.
    await openHeaderEdit(a);
    assert.equal(await a.inputValue(".item-header .wb-confidence"), "0");
    const b = await open("Host", "confident-only.example");
    await settled(b);
    const fb = await facts(b);
    assert.equal(fb.Rating, undefined, `no rating of the owner's own: ${JSON.stringify(fb)}`);
    assert.equal(fb.Confidence, "80% Probable", JSON.stringify(fb));
    await openHeaderEdit(b);
    assert.equal(await b.inputValue(".item-header .wb-rating"), "0");
    assert.deepEqual([errorsBesidesV3Missing(a), errorsBesidesV3Missing(b)], [[], []]);
  }
});

test("without v3 the group panel comes from v2", async () => {
  await sandbox.faults({ v3: false });
  const page = await open("Incident", 9);
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v2");
  assert.equal(await text(page, "[data-field=value]"), "Finance workstation compromise");
  assert.match(await text(page, "[data-section=facts]"), /Status\s*Containment Achieved/);
  const reqs = (await apiRequests()).map((r) => r.path);
  assert.ok(reqs.includes("/api/v2/groups/incidents/9"), reqs.join(" "));
  assert.ok(reqs.includes("/api/v2/groups/incidents/9/indicators"), reqs.join(" "));
  assert.ok(Number(await page.getAttribute("[data-section=associated-indicators] .count", "data-count")) >= 1);
  assert.deepEqual(errorsBesidesV3Missing(page), []);
});

test("a redirect from the API is not followed", async () => {
  // Same-origin on purpose: a browser following it would get a real answer.
  await sandbox.faults({ rules: [{ pathPrefix: "/api/v3/indicators/", redirect: `${site.origin}/api/v2/whoami?redirected=1` }] });
  const page = await open("Host", HOST);
  await page.waitForSelector("article[data-state=error]", { timeout: 30000 });
  assert.match(await text(page, "article"), /Could not reach ThreatConnect/);
  const paths = (await apiRequests()).map((r) => r.path);
  assert.ok(paths.some((p) => p === `/api/v3/indicators/${HOST}`), paths.join(" "));
  const followed = (await apiRequests()).filter((r) => r.query.includes("redirected"));
  assert.deepEqual(followed, [], "the redirect was followed");
});

test("a renewed token replaces the old one in the tab's storage; error screens keep no token in the address", async () => {
  // Expiring within the renewal margin: the client renews before its first request.
  const soon = String(Math.floor(Date.now() / 1000) + 60);
  const page = await open("Host", HOST, "Demo Org", { tcTokenExpires: soon });
  await settled(page);
  const renewals = (await sandbox.requests()).data.filter((r) => r.path.endsWith("/appAuth"));
  assert.equal(renewals.length, 1, "one renewal");
  const kept = new URLSearchParams(await page.evaluate(() => sessionStorage.getItem("pivot.launch")));
  assert.ok(kept.get("tcToken") && kept.get("tcToken") !== token.token, "the kept launch holds the renewed token");
  assert.ok(Number(kept.get("tcTokenExpires")) > Number(soon) + 600, kept.get("tcTokenExpires"));
  assert.ok(!page.url().includes("tcToken"), page.url());
  // A reload works from the kept launch, with the renewed token and no new renewal.
  await sandbox.clearRequests();
  await page.reload();
  await settled(page);
  assert.deepEqual((await sandbox.requests()).data.filter((r) => r.path.endsWith("/appAuth")), []);

  for (const params of [{ tcApiPath: "https://evil.example/api", tcType: "Host", tcSelectedItem: "x" }, {}]) {
    const other = await newPage(browser);
    await other.goto(appUrl + spacesQuery({ tcToken: "API:1:do-not-keep", ...params }));
    await other.waitForSelector("[data-screen=context-error], [data-screen=start]");
    assert.ok(!other.url().includes("tcToken") && !other.url().includes("do-not-keep"), other.url());
    if (params.tcApiPath) assert.ok(other.url().includes("tcApiPath="), "the rest of the query stays: " + other.url());
    assert.equal(await other.evaluate(() => sessionStorage.getItem("pivot.launch")), null, "a refused launch is not kept");
  }
  // In the tab that has a launch, a refused one neither is kept nor replaces it.
  await page.goto(appUrl + spacesQuery({ tcToken: "API:1:do-not-keep", tcApiPath: "https://evil.example/api", tcType: "Host", tcSelectedItem: "x" }));
  await page.waitForSelector("[data-screen=context-error]");
  const still = new URLSearchParams(await page.evaluate(() => sessionStorage.getItem("pivot.launch")));
  assert.equal(still.get("tcToken"), kept.get("tcToken"), "the tab keeps its good launch");
  // The sharing page, opened with a launch in its own address, keeps the token out of it.
  await page.goto(appUrl.replace(/index\.html$/, "") + "publish-import.html" + spacesQuery({ tcToken: kept.get("tcToken"), tcApiPath: kept.get("tcApiPath"), tcType: "Host", tcSelectedItem: HOST }) + "#action=import");
  await page.waitForSelector("[data-screen=import], [data-screen=share-read-only]");
  assert.ok(!page.url().includes("tcToken") && page.url().includes("#action=import"), page.url());
});

test("hostile seeds stay inert", async () => {
  for (const [type, item] of [["URL", "javascript:alert(1)"], ["Incident", 18]]) {
    const page = await open(type, item);
    await settled(page);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, `${type} ${item}: a payload ran`);
    assert.equal(await page.locator("main img, main script, main iframe").count(), 0);
    // Links are http(s) webLinks, or Pivot's own pages (sharing, triage) on this origin.
    const links = await page.locator("a[href]").evaluateAll((as) => as.map((a) => ({ raw: a.getAttribute("href"), url: a.href, origin: location.origin })));
    for (const { raw, url, origin } of links) {
      if (/^https?:\/\//.test(raw)) continue;
      assert.match(raw, /^(publish-import|triage|index)\.html(#|$)/, `only http(s) links or Pivot's own pages: ${raw}`);
      assert.equal(new URL(url).origin, origin, `own pages stay on this origin: ${raw}`);
    }
    assert.match(await text(page, "main"), /<img src=x onerror=|<script>/, "the payload is shown as text");
    await screenshot(page, `hostile-${type.toLowerCase()}`);
  }
});

// The release wasm aborts on a panic without a message (std built with panic=immediate-abort,
// docs/performance.md): a WebAssembly trap. Whether it leaves an event handler or a task, the
// loader turns it into the crash screen in words, never a frozen page. A real trap, from a
// module whose one function is `unreachable`, thrown both ways.
test("a trap in the wasm shows the crash screen, from an event handler or a task", async () => {
  for (const how of ["event", "task"]) {
    const page = await open("Host", HOST);
    await settled(page);
    await page.evaluate((how) => {
      // (module (func (export "f") unreachable))
      const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 5, 1, 3, 0, 0, 11]);
      const trap = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f;
      if (how === "event") setTimeout(trap);
      else Promise.resolve().then(trap);
    }, how);
    await page.waitForSelector("body[data-state=crashed]", { timeout: 5000 });
    assert.match(await page.textContent("body"), /^Pivot stopped because of an internal error\. Reload the page to start again/, how);
    assert.equal(await page.locator("main").count(), 0, `${how}: the stopped app is gone`);
    assert.ok(page.errors.length === 1 && /unreachable/.test(page.errors[0]), `${how}: ${page.errors}`);
    await page.close();
  }
});

test("a Source owner shows no write controls", async () => {
  const page = await open("Host", HOST, "Threat Feed");
  await settled(page);
  assert.equal(await text(page, "[data-field=owner]"), "Threat Feed");
  assert.equal(await page.locator("[data-wb], .chip-x, .wb-attribute, .wb-undo").count(), 0);
});

test("every edit, where its data is, each failing once first", async () => {
  const page = await open("EmailAddress", "phisher@evil.example.net");
  await settled(page);
  const item = "/api/v2/indicators/emailAddresses/";
  const v3item = "/api/v3/indicators/4";
  // Predicates are functions with arguments, never strings: Playwright evaluates a string
  // predicate with eval() in the page when it polls, which the page's CSP (rightly) blocks.
  const shows = ([s, r, want]) => new RegExp(r).test(document.querySelector(s)?.textContent ?? "") === want;
  const has = (sel, re) => [sel, re, true];
  const hasNot = (sel, re) => [sel, re, false];
  const facts = async () => text(page, "[data-section=verdict]");
  const count = async (label) => Number((await facts()).match(new RegExp(`${label}\\s*(\\d+)`))[1]);
  let attrId = null;
  const attr = () => `.wb-attribute[data-attr-id="${attrId}"]`;
  const tags = "[data-wb=tags]", labels = "[data-wb=labels]", attrs = "[data-wb=attributes]", rating = "[data-wb=rating]", reports = "[data-wb=reports]";
  const groups = "[data-wb=associations]";
  // Each control sits with its data: the tags card, the verdict header, the attributes card, the associations.
  await openHeaderEdit(page);
  for (const [control, card] of [[tags, ".item-extra"], [labels, ".item-header"], [rating, ".item-header"], [reports, ".item-header"],
    [attrs, "[data-section=attributes-card]"], [groups, "#associations"]]) {
    assert.equal(await page.locator(`${card} ${control}`).count(), 1, `${control} in ${card}`);
  }
  const findGroup = async () => {
    await page.selectOption(".wb-assoc-type", "Incident");
    await page.fill(".wb-assoc-name", "finance workstation");
    await page.click(".wb-associate");
    await page.waitForSelector(".wb-associate-found");
  };

  // Each action runs twice. First the sandbox refuses its write (HTTP 500,
  // once): the server's message is shown beside the field (`at`) and the panel
  // still shows the server's state (`done` is false). Then it succeeds and the
  // panel shows the change (`done` is true).
  const steps = [
    // On v3 every write goes by the item's id (PUT /v3/indicators/4), values in the body;
    // an attribute's new value by the attribute's id.
    { name: "add tag", method: "PUT", path: v3item, at: tags, click: () => ".wb-add-tag", done: has("[data-section=tags]", "e2e-tag"),
      fill: () => page.fill(".wb-tag", "e2e-tag"), kept: [".wb-tag", "e2e-tag"] },
    { name: "remove tag", method: "PUT", path: v3item, at: tags, click: () => '[aria-label="Remove tag e2e-tag"]', done: hasNot("[data-section=tags]", "e2e-tag") },
    { name: "add label", method: "PUT", path: v3item, at: labels, click: () => ".wb-add-label", done: has("[data-section=labels]", "TLP:RED"),
      fill: async () => { await openHeaderEdit(page); await page.selectOption(".wb-label-choice", "TLP:RED"); } },
    { name: "remove label", method: "PUT", path: v3item, at: labels, click: () => '[aria-label="Remove label TLP:RED"]', done: hasNot("[data-section=labels]", "TLP:RED") },
    { name: "add attribute", method: "PUT", path: v3item, at: attrs, click: () => ".wb-add-attr", done: has("[data-section=attributes]", "e2e note"),
      fill: async () => { await page.fill(".wb-attr-type", "Description"); await page.fill(".wb-attr-value", "e2e note"); }, kept: [".wb-attr-value", "e2e note"],
      after: async () => { attrId = await page.locator("[data-section=attributes] dd", { hasText: "e2e note" }).locator(".wb-attribute").getAttribute("data-attr-id"); } },
    // The pencil edits the value in place; a refusal keeps the box open with what was typed.
    { name: "edit attribute", method: "PUT", path: "/api/v3/indicatorAttributes/", at: () => attr(), click: () => `${attr()} .wb-attr-save`,
      done: has("[data-section=attributes]", "e2e note edited"), kept: [() => `${attr()} .wb-attr-edit`, "e2e note edited"],
      fill: async () => { if (!(await page.locator(`${attr()} .wb-attr-edit`).count())) await page.click(`${attr()} .wb-attr-edit-start`); await page.fill(`${attr()} .wb-attr-edit`, "e2e note edited"); } },
    { name: "delete attribute", method: "PUT", path: v3item, at: attrs, click: () => `${attr()} .wb-attr-delete`, done: hasNot("[data-section=attributes]", "e2e note edited") },
    { name: "rating and confidence", method: "PUT", path: v3item, at: rating, click: () => ".wb-save-rating", done: has("[data-section=verdict]", "Confidence\\s*70%"),
      fill: async () => { await openHeaderEdit(page); await page.selectOption(".wb-rating", "3"); await page.fill(".wb-confidence", "70"); }, kept: [".wb-confidence", "70"] },
  ];
  // The counters' steps need the counts before them.
  const fp = await count("False positives");
  const obs = await count("Observations");
  steps.push(
    { name: "false positive", method: "PUT", path: v3item, at: reports, fill: () => openHeaderEdit(page), click: () => ".wb-false-positive", done: has("[data-section=verdict]", `False positives\\s*${fp + 1}`) },
    { name: "observation", method: "PUT", path: v3item, at: reports, fill: () => openHeaderEdit(page), click: () => ".wb-observation", done: has("[data-section=verdict]", `Observations\\s*${obs + 1}`) },
    // A group by name: the groups of that type whose name holds the text, to pick from.
    { name: "associate", method: "PUT", path: v3item, at: groups, click: () => ".wb-associate-found >> text=Incident: Finance workstation compromise",
      done: has("[data-section=associated-groups]", "Finance workstation compromise"), fill: findGroup },
    { name: "dissociate", method: "PUT", path: v3item, at: groups, click: () => '[aria-label="Dissociate Incident: Finance workstation compromise"]',
      done: hasNot("[data-section=associated-groups]", "Finance workstation compromise"), fill: async () => { if ((await page.getAttribute("#associations .disclose", "aria-expanded")) !== "true") await page.click("#associations .disclose"); } },
  );

  const quiet = whenQuiet(page);
  const at = (step) => (typeof step.at === "function" ? step.at() : step.at);

  let previous = "";
  for (const step of steps) {
    // Refused: the error is the server's, beside the field, and nothing changed.
    await sandbox.faults({ rules: [{ method: step.method, pathPrefix: step.path ?? item, status: 500, times: 1 }] });
    await sandbox.clearRequests();
    await step.fill?.();
    await page.click(step.click());
    await page.waitForSelector(`${at(step)} .writeback-error`);
    assert.match(await text(page, `${at(step)} .writeback-error`), /500|internal server error/i, `${step.name}: the server's words`);
    await quiet();
    await settled(page);
    assert.equal(await page.evaluate(shows, step.done), false, `${step.name}: refused, yet the panel shows it done`);
    if (step.kept) {
      const [field, want] = step.kept;
      assert.equal(await page.inputValue(typeof field === "function" ? field() : field), want, `${step.name}: what was typed stays`);
    }
    // The sandbox's log: the one write, refused.
    const refused = (await apiRequests()).filter((r) => r.method !== "GET");
    assert.deepEqual(refused.map((r) => [r.method, r.path.startsWith(step.path), r.status]), [[step.method, true, 500]], `${step.name}: ${JSON.stringify(refused)}`);
    if (step.name === "add tag") await screenshot(page, "write-back");
    await sandbox.faults(null);

    // Accepted: the panel reloads with the change. The result message stays
    // after the reload, so wait for a new one.
    await step.fill?.();
    await page.click(step.click());
    await page.waitForFunction(
      ([sel, before]) => { const t = document.querySelector(sel)?.textContent; return t && t !== before; },
      [".writeback-ok", previous],
    ).catch((e) => { throw new Error(`${step.name}: no new result after the retry (${e.message})`); });
    previous = await text(page, ".writeback-ok");
    await quiet();
    await settled(page);
    await page.waitForFunction(shows, step.done);
    await step.after?.();
  }
  assert.match(await facts(), /Rating\s*3\/5 Moderate/);
  // What the panel shows is what the API has.
  const read = (await api("GET", "/v3/indicators/4?fields=tags&fields=attributes&fields=securityLabels&fields=associatedGroups")).json.data;
  assert.deepEqual([read.rating, read.confidence], [3, 70]);
  assert.ok(!JSON.stringify(read).includes("e2e"), JSON.stringify(read));
  assert.deepEqual(page.errors.filter((e) => !/status of 500/.test(e)), []);
});

test("a tag named .. comes off the item by id on v3, and the v2 fallback refuses and sends nothing", async () => {
  // A feed or a share package can plant a tag named "..": on v2 its path
  // /tags/.. would resolve to the host itself, and a DELETE would delete the host.
  const tagsOfHost = async () => {
    const r = await api("GET", "/v3/indicators/1?fields=tags");
    assert.equal(r.status, 200, "the host exists");
    return r.json.data.tags.data.map((t) => t.name).sort();
  };
  const plant = async () => assert.equal((await api("PUT", "/v3/indicators/1", { tags: { data: [{ name: ".." }], mode: "append" } })).status, 200);
  const writes = async () => (await apiRequests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.rawPath}`);
  await plant();
  const before = await tagsOfHost();
  assert.ok(before.includes("..") && before.length > 1, `seeded: ${before}`);

  // v3: one PUT by the host's id, the name in the body; only that tag is gone.
  const page = await open("Host", HOST);
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v3");
  await sandbox.clearRequests();
  await page.click('[data-section=tags] [aria-label="Remove tag .."]');
  await page.waitForSelector("[data-wb=tags] .writeback-ok");
  await settled(page);
  assert.deepEqual(await writes(), ["PUT /api/v3/indicators/1"]);
  assert.deepEqual(await tagsOfHost(), before.filter((t) => t !== ".."), "only the .. tag came off the host");
  const tag = await api("GET", `/v3/tags?tql=${encodeURIComponent('name = ".."')}`);
  assert.equal(tag.json.data.length, 1, "the tag itself stays in the owner: " + JSON.stringify(tag.json));

  // The v3 page is done with (its lists' per-type counts may still be asking: they must not meet
  // the v3 fault below).
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The v2 fallback: v2 could only name the tag in the path, so Pivot says why and sends nothing.
  await plant();
  await sandbox.faults({ v3: false });
  const v2page = await open("Host", HOST);
  await settled(v2page);
  assert.equal(await v2page.getAttribute("article", "data-api"), "v2");
  await sandbox.clearRequests();
  await v2page.click('[data-section=tags] [aria-label="Remove tag .."]');
  await v2page.waitForSelector("[data-wb=tags] .writeback-error");
  assert.match(await text(v2page, "[data-wb=tags] .writeback-error"), /did not send this request: the value "\.\." would be read as a step/);
  assert.deepEqual(await writes(), [], "nothing was written");
  await sandbox.faults(null);
  assert.deepEqual(await tagsOfHost(), before, "the host and all its tags are still there");
  assert.equal((await api("PUT", "/v3/indicators/1", { tags: { data: [{ name: ".." }], mode: "delete" } })).status, 200);
});

test("on the v2 fallback, write-back goes to the item's v2 paths", async () => {
  await sandbox.faults({ v3: false });
  const page = await open("EmailAddress", "phisher@evil.example.net");
  const quiet = whenQuiet(page);
  await settled(page);
  assert.equal(await page.getAttribute("article", "data-api"), "v2");
  const item = "/api/v2/indicators/emailAddresses/phisher%40evil.example.net";
  const ok = async (message) => page.waitForFunction((m) => document.querySelector(".writeback-ok")?.textContent === m, message);
  await page.fill(".wb-tag", "v2-tag");
  await page.click(".wb-add-tag");
  await ok("Added tag v2-tag");
  await quiet();
  await settled(page);
  await page.click('[aria-label="Remove tag v2-tag"]');
  await ok("Removed tag v2-tag");
  await quiet();
  await settled(page);
  await openHeaderEdit(page);
  await page.selectOption(".wb-rating", "2");
  await page.fill(".wb-confidence", "55");
  await page.click(".wb-save-rating");
  await ok("Saved rating 2 and confidence 55");
  const writes = (await apiRequests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.rawPath}`);
  assert.deepEqual(writes, [`POST ${item}/tags/v2-tag`, `DELETE ${item}/tags/v2-tag`, `PUT ${item}`]);
  await sandbox.faults(null);
  const read = (await api("GET", "/v3/indicators/4?fields=tags")).json.data;
  assert.deepEqual([read.rating, read.confidence, read.tags.data.some((t) => t.name === "v2-tag")], [2, 55, false]);
});

test("an indicator whose value is .. is read and written by its v3 id, never by its value in a path", async () => {
  const created = await api("POST", "/v3/indicators", { type: "Mutex", value1: "..", ownerName: "Demo Org" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.data.id;
  await sandbox.clearRequests();
  const page = await open("Mutex", "..");
  const quiet = whenQuiet(page);
  await page.waitForSelector(DONE, { timeout: 20000 });
  // Every section that v3 serves is there; one that only v2 could address says why it is not.
  assert.match(await page.getAttribute("article", "data-state"), /^(complete|partial)$/);
  assert.equal(await page.getAttribute("article", "data-api"), "v3");
  assert.equal(await text(page, "[data-field=value]"), "..");
  await page.fill(".wb-tag", "dot-dot");
  await page.click(".wb-add-tag");
  await page.waitForSelector(".writeback-ok");
  await quiet();
  await page.waitForSelector(DONE);
  await page.fill(".wb-attr-type", "Description");
  await page.fill(".wb-attr-value", "a mutex named dot-dot");
  await page.click(".wb-add-attr");
  await page.waitForFunction(() => /Added Description attribute/.test(document.querySelector("[data-wb=attributes] .writeback-ok")?.textContent));
  const writes = (await apiRequests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.rawPath}`);
  assert.deepEqual(writes, [`PUT /api/v3/indicators/${id}`, `PUT /api/v3/indicators/${id}`]);
  const read = (await api("GET", `/v3/indicators/${id}?fields=tags&fields=attributes`)).json.data;
  assert.deepEqual(read.tags.data.map((t) => t.name), ["dot-dot"]);
  assert.ok(read.attributes.data.some((a) => a.value === "a mutex named dot-dot"), JSON.stringify(read.attributes));
  // Nothing Pivot sent named the value in a path, where it would have resolved away.
  const sent = (await apiRequests()).map((r) => r.rawPath);
  assert.ok(sent.every((p) => !p.split("/").some((seg) => [".", "..", "%2e", "%2e%2e"].includes(seg.toLowerCase()))), sent.join(" "));
  assert.equal((await api("DELETE", `/v3/indicators/${id}`)).status, 200);
});

test("control characters are shown and leave Pivot only as visible escapes: the screen, the clipboard, a status", async () => {
  // An adversary's value: a right-to-left override (shows "evil" + "exe.txt") and a bell.
  const value = "evil\u202Etxt.exe\u0007";
  const tagName = "tag\u202E" + "x".repeat(100);
  const created = await api("POST", "/v3/indicators", { type: "Mutex", value1: value, ownerName: "Demo Org", tags: { data: [{ name: tagName }] } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const page = await open("Mutex", value, "Demo Org", {}, { permissions: ["clipboard-read", "clipboard-write"] });
  await settled(page);
  // On screen as well: the escapes, not text the override reorders.
  assert.equal((await page.textContent("h1.item-value")).trim(), "evil\\u{202E}txt.exe\\u{0007}");
  await page.click(".item-actions .copy");
  await page.waitForSelector(".item-actions .copied");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "evil\\u{202E}txt.exe\\u{0007}");
  assert.match(await page.textContent(".item-actions .copied"), /control characters shown as \\u\{…\} escapes/);
  // Removing the tag asks nothing (Undo is offered in the page); the status names it escaped and cut.
  const dialogs = [];
  page.removeAllListeners("dialog");
  page.on("dialog", (d) => { dialogs.push(d.message()); d.accept(); });
  await page.click('[data-section=tags] [aria-label^="Remove tag tag"]');
  await page.waitForSelector("[data-wb=tags] .writeback-ok");
  assert.equal(dialogs.length, 0);
  const status = await page.textContent("[data-wb=tags] .writeback-ok");
  assert.ok(status.startsWith("Removed tag tag\\u{202E}xxx") && !status.includes("\u202E") && status.length < 100, status);
  // A list row names it the same way (a group of its own, so no other test sees the row).
  const group = await api("POST", "/v3/groups", { type: "Adversary", name: "control characters", ownerName: "Demo Org",
    associatedIndicators: { data: [{ id: created.json.data.id }] } });
  assert.equal(group.status, 201, JSON.stringify(group.json));
  const gpage = await open("Adversary", group.json.data.id);
  await settled(gpage);
  assert.deepEqual(await gpage.locator("[data-section=associated-indicators] .pivot-link").allTextContents(), ["evil\\u{202E}txt.exe\\u{0007}"]);
  assert.equal((await api("DELETE", `/v3/groups/${group.json.data.id}`)).status, 200);
  assert.equal((await api("DELETE", `/v3/indicators/${created.json.data.id}`)).status, 200);
});

test("copy buttons put raw values on the clipboard, and say so when the browser refuses", async () => {
  const clipboard = { permissions: ["clipboard-read", "clipboard-write"] };
  const read = (page) => page.evaluate(() => navigator.clipboard.readText());
  const list = "[data-section=associated-indicators]";
  // The raw values, asked of the API directly (not through Pivot). v2 lists the indicators
  // linked to the host; v3 those and the ones sharing a group with it (the big campaign's
  // 10,000 addresses among them), gathered here from the groups' own lists.
  const byId = new Map();
  const direct = (await api("GET", "/v2/indicators/hosts/bad.example.com/indicators?owner=Demo%20Org")).json.data.indicator;
  for (const i of direct) byId.set(i.id, i.summary);
  const v2Values = [...byId.values()].sort();
  for (const g of (await api("GET", `/v3/groups?tql=${encodeURIComponent("hasIndicator(id=1)")}&resultLimit=10000`)).json.data) {
    for (let start = 0; ; start += 10000) {
      const page = (await api("GET", `/v3/indicators?tql=${encodeURIComponent(`hasGroup(id=${g.id})`)}&resultStart=${start}&resultLimit=10000`)).json.data;
      for (const i of page) byId.set(i.id, i.summary);
      if (page.length < 10000) break;
    }
  }
  byId.delete(1);
  const v3Values = [...byId.values()].sort();

  for (const v3 of [true, false]) {
    // v3: the list copies through the server (TQL); v2 fallback: from what the panel loaded.
    await sandbox.faults(v3 ? null : { v3: false });
    const page = await open("Host", HOST, "Demo Org", {}, clipboard);
    await settled(page);
    assert.equal(await page.getAttribute("article", "data-api"), v3 ? "v3" : "v2");

    await page.click(".item-actions .copy");
    await page.waitForSelector(".item-actions .copied");
    assert.equal(await read(page), HOST, "Copy value gives the raw value, not the defanged one shown");

    const expected = v3 ? v3Values : v2Values;
    assert.ok(expected.length >= 3 && expected.some((v) => /[/:]/.test(v)), `seeded raw values: ${expected.slice(0, 10)}`);
    await page.click(`${list} .copy-values`);
    await page.waitForFunction((sel) => /Copied \d+ values?/.test(document.querySelector(sel)?.textContent ?? ""), `${list} .copied`);
    assert.deepEqual((await read(page)).split("\n").sort(), expected, `v3=${v3}: every value, raw, one per line`);

    // Only what the filter matches: the address the host resolves to, linked to it directly.
    const address = "203.0.113.66";
    assert.ok(expected.includes(address) && expected.filter((v) => v.includes(address)).length === 1);
    await page.fill(`${list} .filter`, address);
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.count === "1", `${list} .count`);
    await page.click(`${list} .copy-values`);
    await page.waitForFunction((sel) => /Copied 1 value$/.test(document.querySelector(sel)?.textContent ?? ""), `${list} .copied`);
    assert.equal(await read(page), address);
    await page.close();
  }

  // Refused (a frame without clipboard-write), or no clipboard at all (not a
  // secure context): the analyst is told, and Pivot keeps working.
  await sandbox.faults(null);
  const page = await open("Host", HOST);
  await settled(page);
  await page.evaluate(() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError")); });
  await page.click(".item-actions .copy");
  assert.match(await (await page.waitForSelector(".item-actions .copy-error")).textContent(), /did not let Pivot use the clipboard/);
  await page.evaluate(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined }));
  await page.click(`${list} .copy-values`);
  assert.match(await (await page.waitForSelector(`${list} .copy-error`)).textContent(), /select the text and copy it instead/);
  await page.click(`${list} .assoc-list .pivot-link >> nth=0`);
  await page.waitForFunction(() => !document.querySelector("h1.item-value")?.textContent.includes("bad[.]example"));
  await page.waitForSelector(DONE);
  assert.notEqual(await page.getAttribute("body", "data-state"), "crashed");
  assert.deepEqual(page.errors, []);
});

/** Click `selector` and save the download it starts; its suggested name and bytes. */
async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 20000 }), page.click(selector)]).catch(async (e) => {
    const alerts = await page.locator("[role=alert]").allTextContents();
    throw new Error(`no download from ${selector}: ${e.message.split("\n")[0]}; the page says: ${alerts.join(" | ") || "nothing"}`);
  });
  const file = join(tempDir("pivot-download-"), dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), bytes: readFileSync(file) };
}

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks); the document must end with CRLF. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += c;
  }
  assert.ok(!quoted && cell === "" && row.length === 0, `the CSV ends with a complete row: ${JSON.stringify(text.slice(-80))}`);
  return rows;
}

test("a document's file downloads through the API", async () => {
  const page = await open("Document", 6);
  await settled(page);
  assert.equal(await text(page, "[data-field=value]"), "Demo Bear Dossier");
  assert.equal(await text(page, "button.download"), "Download dossier.pdf");
  const { name, bytes } = await download(page, "button.download");
  assert.equal(name, "dossier.pdf");
  assert.equal(bytes.length, 20480, "the whole file (fileSize 20480)");
  assert.equal(bytes.subarray(0, 9).toString("latin1"), "%PDF-1.4\n");
  assert.equal(bytes.subarray(-6).toString("latin1"), "%%EOF\n", "nothing cut off at the end");
  // It came from the API (with the token, through the proxy), not from anything the panel already had.
  const got = (await apiRequests()).filter((r) => r.path === "/api/v2/groups/documents/6/download");
  assert.deepEqual(got.map((r) => [r.method, r.status]), [["GET", 200]]);
  assert.deepEqual(page.errors, []);
});

test("association lists export as CSV, defanged or raw", async () => {
  const page = await open("Incident", 9);
  await settled(page);
  const list = "[data-section=associated-indicators]";
  const total = Number(await page.getAttribute(`${list} .count`, "data-count"));
  // What the list shows: type, the value as shown (defanged) and raw (the link's title), owner.
  const listed = await page.locator(`${list} .assoc-row`).evaluateAll((rows) => rows.map((r) => ({
    type: r.querySelector(".type-badge").textContent,
    shown: r.querySelector(".pivot-link").textContent,
    raw: r.querySelector(".pivot-link").title,
    owner: r.querySelector(".assoc-owner").textContent,
  })));
  assert.ok(total > 10 && total <= 100, `the seed gives Incident 9 a one-page list: ${total}`);
  assert.equal(listed.length, total, "every indicator is listed");

  const defanged = await download(page, `${list} button.export`);
  const raw = await download(page, `${list} button.export-raw`);
  assert.equal(defanged.name, "pivot-associated-indicators-defanged.csv");
  assert.equal(raw.name, "pivot-associated-indicators-raw.csv");
  const [dHead, ...dRows] = parseCsv(defanged.bytes.toString("utf8"));
  const [rHead, ...rRows] = parseCsv(raw.bytes.toString("utf8"));
  assert.deepEqual(dHead, ["type", "value", "owner", "id"]);
  assert.deepEqual(rHead, ["type", "value", "owner", "id"]);
  assert.equal(dRows.length, total, "one data row per indicator (defanged)");
  assert.equal(rRows.length, total, "one data row per indicator (raw)");
  for (const r of [...dRows, ...rRows]) {
    assert.equal(r.length, 4, `four cells: ${JSON.stringify(r)}`);
    assert.match(r[3], /^\d+$/, `an id: ${JSON.stringify(r)}`);
  }

  // The same indicators in both files, one row each; the raw file has the raw values, the other what the list shows.
  const byId = (rows) => new Map(rows.map((r) => [r[3], r]));
  const dById = byId(dRows), rById = byId(rRows);
  assert.equal(rById.size, total, "no indicator twice");
  assert.deepEqual([...dById.keys()].sort(), [...rById.keys()].sort());
  const shown = new Map(listed.map((l) => [`${l.type}\t${l.raw}`, l]));
  let changed = 0;
  for (const [id, [type, value, owner]] of rById) {
    const [dType, dValue, dOwner] = dById.get(id);
    assert.deepEqual([dType, dOwner], [type, owner], `row ${id}`);
    const l = shown.get(`${type}\t${value}`);
    assert.ok(l, `raw export row ${type} ${value} is an indicator the list shows`);
    assert.equal(owner, l.owner);
    assert.equal(dValue, l.shown, `defanged export of ${value} is what the list shows`);
    assert.doesNotMatch(value, /\[\.\]|\[@\]|hxxp/, `raw value ${value}`);
    if (["Host", "Address", "CIDR"].includes(type) && value.includes(".")) {
      assert.equal(dValue, value.replaceAll(".", "[.]"), `${type} ${value}`);
      changed++;
    } else if (type === "EmailAddress") {
      const at = value.lastIndexOf("@");
      assert.equal(dValue, `${value.slice(0, at)}[@]${value.slice(at + 1).replaceAll(".", "[.]")}`);
      changed++;
    } else if (type === "URL") {
      assert.match(dValue, /^hxxps?\[:\/\/\][^/?#]*\[\.\]/, `${value} -> ${dValue}`);
      changed++;
    } else {
      assert.equal(dValue, value, `${type} values are not defanged`);
    }
  }
  assert.ok(changed >= 5, `network-shaped values were defanged: ${changed}`);

  // Sorted, the export follows the table's order: Z first, computed here from the unsorted
  // export (byte order of the values, ties by id).
  const zFirst = [...rRows].sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : Number(a[3]) - Number(b[3]))).map((r) => r[1]);
  assert.notDeepEqual(zFirst, rRows.map((r) => r[1]), "the seed's list is not already Z first");
  await page.click(`${list} .sort[data-sort=value]`);
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [list, zFirst.at(-1)]);
  await page.click(`${list} .sort[data-sort=value]`);
  await page.waitForFunction(([sel, v]) => document.querySelector(sel + " .assoc-row .pivot-link")?.title === v, [list, zFirst[0]]);
  const rowsNow = await page.locator(`${list} .assoc-row .pivot-link`).evaluateAll((ls) => ls.map((l) => l.title));
  const sorted = parseCsv((await download(page, `${list} button.export-raw`)).bytes.toString("utf8")).slice(1).map((r) => r[1]);
  assert.deepEqual(sorted, zFirst);
  assert.deepEqual(sorted, rowsNow, "the file lists the rows in the table's order");
  assert.deepEqual(page.errors, []);
});

test("readable from 400 to 1400 px of iframe width", async () => {
  for (const [type, item] of [["Host", HOST], ["Incident", 9]]) {
    const page = await open(type, item);
    await settled(page);
    for (const width of [400, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      // Nothing wider than the frame: no sideways scrolling, no clipped panel.
      const { scroll, inner, widest } = await page.evaluate(() => {
        let widest = "";
        for (const el of document.querySelectorAll("main *")) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > innerWidth + 1 && !el.closest("svg")) widest = `${el.tagName}.${el.className} right=${r.right}`;
        }
        return { scroll: document.documentElement.scrollWidth, inner: innerWidth, widest };
      });
      assert.ok(scroll <= inner, `${type} at ${width} px: the page is ${scroll} px wide`);
      assert.equal(widest, "", `${type} at ${width} px: an element reaches past the frame`);
      await screenshot(page, `${type.toLowerCase()}-${width}px`);
    }
  }
});

test("every control is reachable by keyboard, with a visible focus, and Enter pivots", async () => {
  const page = await open("Incident", 9);
  await settled(page);
  // What should be reachable: every enabled, visible control of the page.
  const controls = await page.evaluate(() => {
    const sel = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
    return [...document.querySelectorAll(sel)].filter((el) => el.getClientRects().length > 0).length;
  });
  assert.ok(controls > 20, `a panel has many controls (${controls})`);
  await page.evaluate(() => document.activeElement?.blur());
  const reached = new Set();
  const invisible = [];
  for (let i = 0; i < controls + 10; i++) {
    await page.keyboard.press("Tab");
    const seen = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      el.dataset.tabSeen = "1";
      // Pivot's visible focus (theme.css): a solid 2 px outline, or (graph
      // nodes) a 3 px stroke on the node's circle; not the browser's default ring.
      const style = getComputedStyle(el);
      const outline = style.outlineStyle === "solid" && parseFloat(style.outlineWidth) >= 2;
      const circle = el.querySelector?.("circle");
      const stroke = circle ? parseFloat(getComputedStyle(circle).strokeWidth) >= 3 : false;
      return { id: `${el.tagName}.${el.getAttribute("class") ?? ""}:${(el.textContent ?? "").trim().slice(0, 30)}`, visible: outline || stroke };
    });
    if (!seen) continue;
    reached.add(seen.id);
    if (!seen.visible) invisible.push(seen.id);
  }
  const missed = await page.evaluate(() => {
    const sel = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
    return [...document.querySelectorAll(sel)].filter((el) => el.getClientRects().length > 0 && !el.dataset.tabSeen)
      .map((el) => `${el.tagName}.${el.getAttribute("class") ?? ""}`);
  });
  assert.deepEqual(missed, [], "controls Tab never reached");
  assert.deepEqual(invisible, [], "controls focused without a visible focus");

  // Enter on a focused pivot link pivots.
  const link = page.locator("[data-section=associated-indicators] .pivot-link").first();
  const value = (await link.textContent()).trim();
  await link.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((v) => document.querySelector("[data-field=value]")?.textContent.trim() === v, value);
  await settled(page);
});

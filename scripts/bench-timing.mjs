// Panel timing of the release build in headless Chromium against the sandbox,
// with latency injected on API requests only (the sandbox's fault control).
// For the v3 path and the v2 fallback, over RUNS fresh browser contexts (and the
// v2 fallback again over RUNS later loads in one tab, which knows v3 is missing):
//   navigation -> app mounted (User Timing mark "pivot-mounted": wasm loaded and mounted)
//   mounted -> panel complete ("pivot-complete": every section's data on screen)
// plus the API requests each run made and the most that were in flight at once
// (from the sandbox's request log). Prints medians; exits non-zero if a run fails.
//
// Each mode also measures its floor: a blank page of the same site replays the
// app's requests (taken from the sandbox log of its last run), wave after wave
// as the app sent them, with no app at all. That is what the network path of
// this machine (browser, same-origin proxy, sandbox, injected latency) costs
// right after a page loads; the app's own cost is the difference.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageZip, unpack, serveApp, launchBrowser, spacesQuery, startSandbox, mintToken } from "../tests/e2e/harness.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const LATENCY_MS = 50;
const PREFIX = "/appsvc/pivot/";

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function maxInFlight(reqs) {
  const events = reqs.flatMap((r) => [[r.startMs, 1], [r.endMs, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, max = 0;
  for (const [, d] of events) { now += d; max = Math.max(max, now); }
  return max;
}

/**
 * The app's requests (the page's Resource Timing) grouped in waves: a request
 * is in the wave after the latest one that had an answer in before it started.
 */
function waves(reqs) {
  const sorted = [...reqs].sort((a, b) => a.startMs - b.startMs);
  const wave = new Map();
  for (const r of sorted) {
    const before = sorted.filter((q) => q !== r && q.endMs <= r.startMs).map((q) => wave.get(q) ?? 0);
    wave.set(r, before.length ? Math.max(...before) + 1 : 0);
  }
  const out = [];
  for (const [r, w] of wave) (out[w] ??= []).push(r.url);
  return out;
}

/** Replay `plan` (waves of API paths) from the blank page; ms from first send to last answer. */
async function replay(page, plan) {
  return page.evaluate(async ({ plan, token }) => {
    const t0 = performance.now();
    for (const wave of plan) {
      await Promise.all(wave.map((p) => fetch(p, { headers: { Authorization: `TC-Token ${token}` } }).then((r) => r.arrayBuffer())));
    }
    return performance.now() - t0;
  }, { plan, token: token.token });
}

const pkg = packageZip();
const sandbox = await startSandbox();
const dir = unpack(pkg.zip);
writeFileSync(join(dir, "blank.html"), "<!DOCTYPE html><title>floor</title>");
const site = await serveApp(dir, PREFIX, sandbox.base);
const token = mintToken(`${sandbox.base}/api`);
const browser = await launchBrowser();
const url = `${site.origin}${PREFIX}${pkg.name}/ui/index.html` + spacesQuery({
  tcSpaceElementId: "1", tcToken: token.token, tcTokenExpires: token.expires, tcApiPath: `${site.origin}/api`,
  tcType: "Host", tcSelectedItem: "bad.example.com", tcSelectedItemOwner: "Demo Org",
});

let failed = false;
console.log(`panel timing: ${RUNS} runs each, ${LATENCY_MS} ms latency injected on /api, release build, Host bad.example.com`);
// "v2 again": later loads in one tab, which remembers (sessionStorage) that
// the instance has no v3, as a Space reloading Pivot for the next item does.
for (const mode of ["v3", "v2", "v2 again"]) {
  await sandbox.faults({ latencyMs: LATENCY_MS, v3: mode === "v3" });
  const rows = [];
  let plan = null;
  let tab = null;
  if (mode === "v2 again") {
    tab = await (await browser.newContext()).newPage();
    await tab.goto(url);
    await tab.waitForFunction(() => performance.getEntriesByName("pivot-complete").length > 0, null, { timeout: 20000 });
  }
  for (let i = 0; i < RUNS; i++) {
    await sandbox.clearRequests();
    const context = tab ? tab.context() : await browser.newContext();
    const page = tab ?? await context.newPage();
    await page.goto(url);
    try {
      await page.waitForFunction(() => performance.getEntriesByName("pivot-complete").length > 0, null, { timeout: 20000 });
    } catch {
      failed = true;
      console.log(`${mode} run ${i + 1}: the panel did not complete (state ${await page.getAttribute("article", "data-state").catch(() => "?")})`);
      if (!tab) await context.close();
      continue;
    }
    const t = await page.evaluate(() => ({
      mounted: performance.getEntriesByName("pivot-mounted")[0].startTime,
      complete: performance.getEntriesByName("pivot-complete")[0].startTime,
      // What the app sent and when each answer was in (for the floor's waves).
      api: performance.getEntriesByType("resource").filter((r) => new URL(r.name).pathname.startsWith("/api/"))
        .map((r) => ({ url: new URL(r.name).pathname + new URL(r.name).search, startMs: r.startTime, endMs: r.responseEnd })),
    }));
    const reqs = (await sandbox.requests()).data.filter((r) => r.path.startsWith("/api/"));
    plan = waves(t.api);
    rows.push({ mounted: t.mounted, toComplete: t.complete - t.mounted, requests: reqs.length, inFlight: maxInFlight(reqs) });
    if (!tab) await context.close();
  }
  if (!rows.length) {
    await tab?.context().close();
    continue;
  }
  // The floor, in the same kind of tab: fresh contexts, or the one kept tab.
  const floor = [];
  const blank = `${site.origin}${PREFIX}blank.html`;
  for (let i = 0; i < RUNS; i++) {
    const context = tab ? tab.context() : await browser.newContext();
    const page = tab ?? await context.newPage();
    await page.goto(blank);
    floor.push(await replay(page, plan));
    if (!tab) await context.close();
  }
  await tab?.context().close();
  const target = 2 * LATENCY_MS + 50;
  const m = (k) => median(rows.map((r) => r[k]));
  console.log(`${mode}: navigation->mounted median ${m("mounted").toFixed(0)} ms; mounted->complete median ${m("toComplete").toFixed(0)} ms ` +
    `(target <= ${target} ms: ${m("toComplete") <= target ? "met" : "MISSED"}); API requests ${m("requests")}, at most ${m("inFlight")} in flight`);
  console.log(`${mode} floor: the same ${plan.flat().length} requests in ${plan.length} wave(s) from a blank page, no app: median ${median(floor).toFixed(0)} ms`);
}
await browser.close();
site.server.close();
await sandbox.stop();
process.exit(failed ? 1 : 0);

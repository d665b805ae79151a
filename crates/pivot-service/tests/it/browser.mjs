// Headless Chromium on Pivot's page as ThreatConnect's /api/services/ front serves it
// (tests/it/browser.rs starts the service and the front): open the address given, wait for
// the panel to settle, print what the page did as one JSON line. The browser, its flags and
// the Content-Security-Policy recording are the e2e suite's (tests/e2e/harness.mjs).
import { launchBrowser, newPage, cspViolations } from "../../../../tests/e2e/harness.mjs";

const DONE = "article[data-state=complete], article[data-state=partial], article[data-state=error]";
const browser = await launchBrowser();
const out = { state: null, text: "", csp: [], errors: [], requests: [] };
try {
  const page = await newPage(browser);
  page.on("request", (r) => out.requests.push({ url: r.url(), headers: r.headers() }));
  await page.goto(process.argv[2]);
  await page.waitForSelector(DONE, { timeout: 30000 }).catch(() => {});
  out.state = await page.getAttribute("article", "data-state").catch(() => null);
  out.text = ((await page.textContent("main").catch(() => "")) ?? "").slice(0, 2000);
  // What the page offers: the edit controls (with the service's allowWriteBack on; loaded on
  // demand, so given a moment after the panel) and the publish and import page (never: the
  // service does not serve it).
  out.writeBack = await page.waitForSelector(".wb-add-tag", { timeout: 5000 }).then(() => true, () => false);
  out.sharing = (await page.$("a.nav-import, a.share-open")) !== null;
  out.address = page.url();
  out.storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  out.errors = page.errors;
} finally {
  out.csp = cspViolations.splice(0);
  await browser.close();
}
console.log(JSON.stringify(out));

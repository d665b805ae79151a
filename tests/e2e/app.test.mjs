// The installable package, loaded in headless Chromium as ThreatConnect would
// load it: from a sub-path, with a Spaces query string.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageZip, unpack, serveStatic, launchBrowser, newPage, screenshot, spacesQuery, assertNoCspViolations, cspViolations } from "./harness.mjs";

const PREFIX = "/appsvc/pivot/";
let pkg, dir, site, browser, appUrl;

before(async () => {
  pkg = packageZip();
  dir = unpack(pkg.zip);
  site = await serveStatic(dir, PREFIX);
  browser = await launchBrowser();
  appUrl = `${site.origin}${PREFIX}${pkg.name}/ui/index.html`;
});

after(async () => {
  await browser?.close();
  site?.server.close();
});

// The pages run under their Content-Security-Policy: nothing may break it.
afterEach(() => assertNoCspViolations());

test("the package has one top folder with install.json, README.md and the UI", () => {
  assert.deepEqual(readdirSync(dir), [pkg.name]);
  const top = join(dir, pkg.name);
  for (const f of ["install.json", "README.md", "ui/index.html"]) assert.ok(existsSync(join(top, f)), f);
  const install = JSON.parse(readFileSync(join(top, "install.json"), "utf8"));
  assert.equal(install.programVersion, pkg.version);
  assert.ok(existsSync(join(top, install.programMain)), "programMain points at a file in the package");
  const files = readdirSync(join(top, "ui"));
  assert.ok(files.some((f) => f.endsWith(".wasm")), "a wasm module");
});

test("index.html loads every asset relatively", () => {
  const html = readFileSync(join(dir, pkg.name, "ui", "index.html"), "utf8");
  // Quoted or not: the release build minifies the HTML, which drops quotes it does not need.
  const refs = [...html.matchAll(/\s(?:src|href|data-pivot-js|data-pivot-wasm)=(?:"([^"]+)"|'([^']+)'|([^\s"'>]+))/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.ok(refs.length >= 4, `found asset references: ${refs}`);
  for (const ref of refs.filter((r) => r !== "data:,")) {
    assert.ok(ref.startsWith("./"), `${ref} is not relative`);
  }
});

test("opens on the item ThreatConnect selected, and says so when the API cannot be reached", async () => {
  const page = await newPage(browser);
  // The API on this origin, as in ThreatConnect, but every connection refused.
  await page.route("**/api/**", (route) => route.abort("connectionrefused"));
  await page.goto(appUrl + spacesQuery({
    tcSpaceElementId: "12", tcToken: "API:1:abc", tcTokenExpires: "4102444800",
    tcApiPath: `${site.origin}/api`, tcType: "Host", tcSelectedItem: "bad.example.com",
    tcSelectedItemOwner: "Demo Org",
  }));
  await page.waitForSelector("[data-screen=item]");
  assert.equal(await page.textContent("[data-field=type]"), "Host");
  assert.equal(await page.textContent("[data-field=value]"), "bad[.]example[.]com");
  assert.equal(await page.textContent("[data-field=owner]"), "Demo Org");
  assert.equal(await page.locator("#boot").count(), 0, "the boot message is replaced");
  await page.waitForSelector("article[data-state=error]", { timeout: 30000 });
  assert.match(await page.textContent("article .section-error"), /Could not reach ThreatConnect/);
  assert.equal(await page.locator("article .retry").count() >= 1, true, "a retry button");
  await screenshot(page, "api-unreachable");
  assert.deepEqual(page.errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_FAILED|Failed to load resource/.test(e)), []);
});

test("a tcApiPath on any other origin is refused before anything is sent", async () => {
  const other = "127.0.0.2:" + new URL(site.origin).port;
  for (const tcApiPath of [`http://${other}/api`, `/\\${other}/api`, `//${other}/api`, "https://evil.example/api",
                           `${site.origin.replace("http:", "https:")}/api`]) {
    const page = await newPage(browser);
    const sent = [];
    page.on("request", (r) => { if (!r.url().startsWith(site.origin + PREFIX) && !r.url().startsWith("data:")) sent.push(r.url()); });
    await page.goto(appUrl + spacesQuery({ tcToken: "API:1:abc", tcApiPath, tcType: "Host", tcSelectedItem: "bad.example.com" }));
    await page.waitForSelector("[data-screen=context-error]");
    assert.equal(await page.textContent(".error-param"), "tcApiPath", tcApiPath);
    // Named by the browser's URL parser as another origin, or not an API address at all.
    assert.match(await page.textContent(".error-message"), /not where Pivot may send requests|not https|is "\/\//, tcApiPath);
    await page.waitForTimeout(100);
    assert.deepEqual(sent, [], `${tcApiPath}: nothing may leave for another origin`);
    assert.deepEqual(page.errors, [], tcApiPath);
  }
});

test("the Content-Security-Policy is enforced: an inline script added to the page does not run", async () => {
  // A copy of the page with an inline script, as an injected payload would be.
  const ui = join(dir, pkg.name, "ui");
  const html = readFileSync(join(ui, "index.html"), "utf8");
  const injected = html.replace("</head>", "<script>window.__inlineRan = true;</script></head>");
  assert.notEqual(injected, html);
  writeFileSync(join(ui, "index-injected.html"), injected);
  const page = await newPage(browser);
  await page.goto(`${site.origin}${PREFIX}${pkg.name}/ui/index-injected.html`);
  await page.waitForSelector("[data-screen=start]");
  assert.equal(await page.evaluate(() => window.__inlineRan), undefined, "the inline script ran");
  await page.waitForFunction(() => true);
  const seen = cspViolations.splice(0);
  assert.equal(seen.length, 1, JSON.stringify(seen));
  assert.match(seen[0].directive, /^script-src/);
  assert.equal(seen[0].blocked, "inline");
});

test("a broken query string says which parameter is wrong", async () => {
  const page = await newPage(browser);
  await page.goto(appUrl + "?tcToken=T&tcApiPath=%2Fapi&tcType=Incident&tcSelectedItem=12abc");
  await page.waitForSelector("[data-screen=context-error]");
  assert.equal(await page.textContent(".error-param"), "tcSelectedItem");
  assert.match(await page.textContent(".error-message"), /"12abc".*numeric id of the Incident/);
  await screenshot(page, "context-error");
  assert.deepEqual(page.errors, []);
});

test("without Spaces parameters it shows the start screen", async () => {
  const page = await newPage(browser);
  await page.goto(appUrl);
  await page.waitForSelector("[data-screen=start]");
  assert.match(await page.textContent("[data-screen=start]"), /Open it from ThreatConnect/);
});

test("styles follow the dark colour scheme", async () => {
  const light = await newPage(browser, { colorScheme: "light" });
  const dark = await newPage(browser, { colorScheme: "dark" });
  const bg = async (page) => {
    await page.goto(appUrl);
    await page.waitForSelector("[data-screen=start]");
    return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  };
  const [l, d] = [await bg(light), await bg(dark)];
  assert.notEqual(l, d);
  assert.equal(l, "rgb(255, 255, 255)");
  await screenshot(dark, "start-dark");
});

test("a wasm module that cannot load still leaves a message", async () => {
  const page = await newPage(browser);
  await page.route("**/*.wasm", (route) => route.fulfill({ status: 404, body: "gone" }));
  await page.goto(appUrl);
  await page.waitForFunction(() => /could not load/.test(document.body.textContent));
});

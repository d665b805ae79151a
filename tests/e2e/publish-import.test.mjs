// Cross-Intel Sharing from the panels: publish a group on one sandbox (the
// source instance), download the package, import it into an owner of another
// sandbox (the receiving instance), and read the result back there.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageZip, tempDir, unpack, serveApp, launchBrowser, newPage, screenshot, spacesQuery, startSandbox, mintToken, assertNoCspViolations } from "./harness.mjs";

const PREFIX = "/appsvc/pivot/";
const GROUP = { type: "Incident", id: 9, name: "Finance workstation compromise" };
let source, target, browser;
const dir = tempDir("pivot-share-e2e-");

async function instance(seed) {
  const pkg = packageZip();
  const sandbox = await startSandbox({ seed });
  const site = await serveApp(unpack(pkg.zip), PREFIX, sandbox.base);
  const token = mintToken(`${sandbox.base}/api`);
  const appUrl = `${site.origin}${PREFIX}${pkg.name}/ui/`;
  const url = (params) => `${appUrl}index.html` + spacesQuery({
    tcSpaceElementId: "3", tcToken: token.token, tcTokenExpires: token.expires, tcApiPath: `${site.origin}/api`,
    allowWriteBack: "true", shareInstanceId: "e2e-source", ...params,
  });
  return { sandbox, site, url, appUrl, token };
}

before(async () => {
  [source, target] = [await instance("demo"), await instance("empty")];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const i of [source, target]) {
    i?.site.server.close();
    await i?.sandbox.stop();
  }
});

// The pages run under their Content-Security-Policy: nothing may break it.
afterEach(() => assertNoCspViolations());

async function page() {
  const p = await newPage(browser);
  p.on("dialog", (d) => d.accept());
  return p;
}

test("publish in the group panel, import the file into another instance, verified", async () => {
  const src = await page();
  const loaded = [];
  src.on("request", (r) => loaded.push(new URL(r.url()).pathname));
  await src.goto(source.url({ tcType: GROUP.type, tcSelectedItem: String(GROUP.id), tcSelectedItemOwner: "Demo Org" }));
  await src.waitForSelector("article[data-state=complete]");
  // Sharing is its own page and wasm: the panels never load it.
  assert.deepEqual(loaded.filter((p) => /publish-import/.test(p)), []);
  await src.click(".share-open");
  await src.waitForSelector("[data-section=publish] .share-publish");
  assert.match(await src.textContent(".share-title"), new RegExp(`Publish ${GROUP.type} #${GROUP.id}`));
  for (const label of ["TLP:AMBER", "TLP:RED"]) await src.check(`[data-section=publish] input[value="${label}"]`);
  await src.click(".share-publish");
  await src.waitForSelector(".share-ok, .share-error");
  assert.match(await src.textContent("[data-section=publish]"), /Published \d+ groups and \d+ indicators/);
  const [download] = await Promise.all([src.waitForEvent("download"), src.click(".share-download")]);
  const file = join(dir, "package.json");
  await download.saveAs(file);
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(pkg.group.name, GROUP.name);
  // The record is in the source's datastore: the command sees it too.
  const stored = (await source.sandbox.requests()).data.filter((r) => r.path.startsWith("/api/v2/exchange/db/organization/pivot-share/"));
  assert.ok(stored.length >= 1, "the package was stored in the datastore");
  await screenshot(src, "share-publish");

  const dst = await page();
  await dst.goto(target.url({}));
  await dst.waitForSelector("[data-screen=search]");
  await dst.click(".nav-import");
  await dst.waitForSelector(".import-owner option[value='Demo Org']", { state: "attached" });
  await dst.setInputFiles(".import-file", file);
  await dst.selectOption(".import-owner", "Demo Org");
  // Import is offered only for the file and owner whose plan was shown.
  const importEnabled = () => dst.isEnabled(".import-run");
  assert.equal(await importEnabled(), false, "Import before any plan");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true], .import-error");
  assert.equal(await importEnabled(), true, "Import after the plan");
  await dst.selectOption(".import-owner", "Common Community");
  await dst.selectOption(".import-owner", "Demo Org");
  assert.equal(await importEnabled(), false, "another owner was chosen since the plan");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true]");
  // Another file (other bytes), then the planned one again: a new plan each time.
  const other = join(dir, "package-reformatted.json");
  writeFileSync(other, JSON.stringify(pkg, null, 1));
  await dst.setInputFiles(".import-file", other);
  assert.equal(await importEnabled(), false, "another file was chosen since the plan");
  await dst.setInputFiles(".import-file", file);
  assert.equal(await importEnabled(), false, "the planned file again, but no plan for it yet");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true], .import-error");
  assert.equal(await importEnabled(), true);
  // Other bytes put under the input without a change event: Import reads the file again,
  // compares it with the planned one by its digest, and refuses.
  const swap = (bytes) => dst.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([b], "package.json", { type: "application/json" }));
    document.querySelector(".import-file").files = dt.files;
  }, bytes);
  await swap(JSON.stringify(pkg, null, 2));
  await target.sandbox.clearRequests();
  await dst.click(".import-run");
  await dst.waitForSelector(".import-error");
  assert.match(await dst.textContent(".import-error"), /The file changed since its plan was shown/);
  assert.equal(await importEnabled(), false, "the plan was taken back");
  assert.deepEqual((await target.sandbox.requests()).data.filter((r) => r.path.startsWith("/api/")), [], "nothing was sent");
  await dst.setInputFiles(".import-file", file);
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true]");
  assert.equal(await importEnabled(), true);
  const plan = await dst.textContent(".import-report");
  assert.match(plan, /Indicators: \d+ to create, 0 to overwrite/);
  const writes = (await target.sandbox.requests()).data.filter((r) => r.method !== "GET" && !r.path.includes("/exchange/db/") && r.path !== "/api/v3/token/api");
  assert.deepEqual(writes, [], "the plan writes nothing");

  await dst.click(".import-run");
  await dst.waitForSelector(".import-report[data-dry-run=false], .import-error", { timeout: 120000 });
  const report = await dst.textContent(".import-report");
  assert.match(report, /all present/);
  assert.match(report, /Import complete/);
  assert.equal(await importEnabled(), false, "a plan serves one import");
  await screenshot(dst, "share-import");

  // Read back through the UI: the group is in the target owner now.
  await dst.click(".share-back");
  await dst.waitForSelector("[data-screen=search]");
  await dst.fill(".search-input", GROUP.name);
  await dst.click(".search-go");
  await dst.locator(".search-hit", { hasText: GROUP.name }).first().click();
  await dst.waitForSelector("article[data-state=complete]");
  assert.equal(await dst.textContent("[data-field=value]"), GROUP.name);
  assert.match(await dst.textContent("[data-section=attributes]"), /Pivot share: instance e2e-source/);

  await src.click(".share-unpublish");
  await src.waitForFunction(() => /Unpublished/.test(document.querySelector("[data-section=publish]")?.textContent));
  // The way back reopens the group's panel.
  await src.click(".share-back");
  await src.waitForSelector("article[data-state=complete]");
  assert.equal(await src.textContent("[data-field=value]"), GROUP.name);
});

test("the sharing page explains itself when it cannot work", async () => {
  const p = await page();
  await p.goto(source.appUrl + "publish-import.html#action=publish");
  await p.waitForSelector("[data-screen=share-no-launch]");
  await p.goto(source.url({}));
  await p.waitForSelector("[data-screen=search]");
  await p.goto(source.appUrl + "publish-import.html#action=publish&type=Host&value=x");
  await p.waitForSelector("[data-screen=share-bad-address]");
  assert.match(await p.textContent("[data-screen=share-bad-address]"), /no group to publish/);
});

test("a tampered package is refused before anything is written", async () => {
  const file = join(dir, "tampered.json");
  const good = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  good.batch.group[0].name = "changed after publishing";
  writeFileSync(file, JSON.stringify(good));
  await target.sandbox.clearRequests();
  const dst = await page();
  await dst.goto(target.url({}));
  await dst.click(".nav-import");
  await dst.waitForSelector(".import-owner option[value='Demo Org']", { state: "attached" });
  await dst.setInputFiles(".import-file", file);
  await dst.selectOption(".import-owner", "Demo Org");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-error");
  assert.match(await dst.textContent(".import-error"), /hash/i);
  assert.equal(await dst.isEnabled(".import-run"), false, "no plan, no Import");
  const apiCalls = (await target.sandbox.requests()).data.filter((r) => r.method !== "GET" || r.path.includes("batch"));
  assert.deepEqual(apiCalls, [], "nothing was written");

  // A file over the limit is refused by its size, never read into the tab.
  await dst.evaluate(() => {
    // Any read of a file's bytes is recorded: the refusal must come before one.
    const arrayBuffer = Blob.prototype.arrayBuffer;
    Blob.prototype.arrayBuffer = function () { window.pivotFileRead = true; return arrayBuffer.call(this); };
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(64 * 1024 * 1024 + 1)], "huge.json", { type: "application/json" }));
    const input = document.querySelector(".import-file");
    input.files = dt.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await target.sandbox.clearRequests();
  await dst.click(".import-plan");
  await dst.waitForFunction(() => /67108865 bytes/.test(document.querySelector(".import-error")?.textContent ?? ""));
  assert.match(await dst.textContent(".import-error"), /over the limit of 67108864 bytes/);
  assert.equal(await dst.evaluate(() => window.pivotFileRead ?? false), false, "the file was read");
  assert.deepEqual((await target.sandbox.requests()).data.filter((r) => r.path.startsWith("/api/")), [], "nothing was sent");
});

test("the import's opt-ins: the owner's own items are only linked unless adopted, their labels stay unless replacing them is chosen, and the plan is shown for each choice", async () => {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const ind = pkg.batch.indicator.find((i) => !(i.securityLabel ?? []).some((l) => l.name === "TLP:RED"));
  const owner = "Common Community";
  // The Community's own copy of a shared indicator, marked TLP:RED there.
  const api = (method, path, body) => fetch(`${target.sandbox.base}/api${path}`, { method, body: body && JSON.stringify(body),
    headers: { Authorization: `TC-Token ${target.token.token}`, "content-type": "application/json" } });
  const created = await api("POST", "/v3/indicators", { type: ind.type, summary: ind.summary, ownerName: owner, securityLabels: { data: [{ name: "TLP:RED" }] } });
  const body = await created.text();
  assert.equal(created.status, 201, body);
  const id = JSON.parse(body).data.id;
  const labels = async () => (await (await api("GET", `/v3/indicators/${id}?fields=securityLabels`)).json()).data.securityLabels.data.map((l) => l.name);

  const dst = await page();
  await dst.goto(target.url({}));
  await dst.click(".nav-import");
  await dst.waitForSelector(`.import-owner option[value='${owner}']`, { state: "attached" });
  await dst.setInputFiles(".import-file", join(dir, "package.json"));
  await dst.selectOption(".import-owner", owner);
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true]");
  assert.match(await dst.textContent(".import-report"), /already in the target, brought by no share import: linked/);
  assert.doesNotMatch(await dst.textContent(".import-report"), /Kept:/);
  // Adopting the owner's own items takes the plan back; the new plan overwrites it, keeping its label.
  await dst.check(".import-adopt-existing");
  assert.equal(await dst.isEnabled(".import-run"), false, "the plan was shown without this choice");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true]");
  assert.match(await dst.textContent(".import-report"), /Adopted, already in the target and brought by no share import: overwritten: 1/);
  assert.match(await dst.textContent(".import-report"), /Kept: .*keeps TLP:RED/);
  // Choosing to replace them takes the plan back; the new plan keeps nothing.
  await dst.check(".import-replace-labels");
  assert.equal(await dst.isEnabled(".import-run"), false, "the plan was shown without this choice");
  await dst.click(".import-plan");
  await dst.waitForSelector(".import-report[data-dry-run=true]");
  assert.doesNotMatch(await dst.textContent(".import-report"), /Kept:/);
  assert.deepEqual(await labels(), ["TLP:RED"], "a plan writes nothing");
  await dst.click(".import-run");
  await dst.waitForSelector(".import-report[data-dry-run=false], .import-error", { timeout: 120000 });
  assert.match(await dst.textContent(".import-report"), /Import complete/);
  assert.deepEqual((await labels()).filter((l) => l === "TLP:RED"), [], "replaced by the package's labels, as chosen");
});

test("with allowWriteBack off nothing writes: no Import, no Publish, and the sharing page refuses its address", async () => {
  const p = await page();
  await p.goto(source.url({ allowWriteBack: "false", tcType: GROUP.type, tcSelectedItem: String(GROUP.id), tcSelectedItemOwner: "Demo Org" }));
  await p.waitForSelector("article[data-state=complete]");
  assert.equal(await p.locator(".nav-import").count(), 0, "Import package is offered");
  assert.equal(await p.locator(".share-open").count(), 0, "Publish is offered");
  assert.equal(await p.locator("[data-wb], .wb-add-tag, .chip-x").count(), 0, "write-back controls are offered");
  // The launch this tab keeps says read-only: the page's address cannot change that.
  for (const fragment of [`#action=publish&type=${GROUP.type}&id=${GROUP.id}`, "#action=import"]) {
    await source.sandbox.clearRequests();
    await p.goto(source.appUrl + "publish-import.html" + fragment);
    await p.waitForSelector("[data-screen=share-read-only]");
    assert.equal(await p.locator("main button, main input, main select").count(), 0, fragment);
    await p.waitForTimeout(100);
    const sent = (await source.sandbox.requests()).data.filter((r) => r.path.startsWith("/api/"));
    assert.deepEqual(sent, [], `${fragment}: nothing was asked of the API`);
  }
});

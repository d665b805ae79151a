// Pivot served by its ThreatConnect API Service, in headless Chromium: the service's UI
// (`make service-ui`, the build `make package-service` packs) inside the packaged service, started as ThreatConnect starts it, against
// a real mosquitto and redis-server and the sandbox, reached through a front that turns the
// browser's requests into RunService messages as ThreatConnect's /api/services/ front does.
// The service side is crates/pivot-service/tests/it (harness.rs, browser.rs); this file hands
// it the packaged UI and checks that the browser case ran, not merely that nothing failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, packageZip, serviceUi, unpack } from "./harness.mjs";

test("the indicator panel completes through the API Service, no token in the page, no CSP violation", () => {
  const ui = serviceUi();
  // The flags of `make test-native`, so its build is reused rather than redone.
  const out = execFileSync(process.env.CARGO ?? "cargo", [
    "test", "--quiet", "--workspace", "--no-default-features", "--features", "native", "--test", "it", "--",
    "browser::the_indicator_panel_in_chromium", "--exact", "--nocapture",
  ], { cwd: ROOT, env: { ...process.env, PIVOT_SERVICE_E2E_UI: ui }, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 }).toString();
  assert.match(out, /PIVOT_SERVICE_E2E_DONE/, out);
});

// The Spaces build does not carry service mode (the cargo feature `service`): the name of the meta
// tag only service mode reads is in every wasm of the service's UI and in no wasm of the package.
test("service mode is in the service's build only, not in the Spaces package", () => {
  const marker = Buffer.from("pivot-service-params");
  // The pages' own wasm (`<page>_bg.wasm`, trunk's name; not the panels' chunks loaded on demand,
  // which are the panels' code split off: service mode reads its meta tag at start).
  const wasms = (dir) => readdirSync(dir).filter((f) => f.endsWith("_bg.wasm")).map((f) => join(dir, f));
  const service = wasms(serviceUi());
  const spaces = wasms(join(unpack(packageZip().zip), packageZip().name, "ui"));
  assert.equal(service.length, 2, `the panels and the triage page: ${service}`);
  assert.equal(spaces.length, 3, `the panels, triage and publish-import pages: ${spaces}`);
  for (const f of service) assert.ok(readFileSync(f).includes(marker), `${f} lacks service mode`);
  for (const f of spaces) assert.ok(!readFileSync(f).includes(marker), `${f} carries service mode`);
});

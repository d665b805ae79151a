// Pivot served by its ThreatConnect API Service, in headless Chromium: the packaged UI
// (`make package`) inside the packaged service, started as ThreatConnect starts it, against
// a real mosquitto and redis-server and the sandbox, reached through a front that turns the
// browser's requests into RunService messages as ThreatConnect's /api/services/ front does.
// The service side is crates/pivot-service/tests/it (harness.rs, browser.rs); this file hands
// it the packaged UI and checks that the browser case ran, not merely that nothing failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, packageZip, unpack } from "./harness.mjs";

test("the indicator panel completes through the API Service, no token in the page, no CSP violation", () => {
  const pkg = packageZip();
  const ui = join(unpack(pkg.zip), pkg.name, "ui");
  // The flags of `make test-native`, so its build is reused rather than redone.
  const out = execFileSync(process.env.CARGO ?? "cargo", [
    "test", "--quiet", "--workspace", "--no-default-features", "--features", "native", "--test", "it", "--",
    "browser::the_indicator_panel_in_chromium", "--exact", "--nocapture",
  ], { cwd: ROOT, env: { ...process.env, PIVOT_SERVICE_E2E_UI: ui }, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 }).toString();
  assert.match(out, /PIVOT_SERVICE_E2E_DONE/, out);
});

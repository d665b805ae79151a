// The harness itself: what the end-to-end tests run is built from the current source.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, utimesSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, packageZip, tempDir, builtBin } from "./harness.mjs";

test("a package zip older than any of its sources is refused", () => {
  const root = tempDir("pivot-harness-");
  mkdirSync(join(root, "src"));
  mkdirSync(join(root, "target", "package"), { recursive: true });
  writeFileSync(join(root, "Cargo.toml"), 'version = "3.1.0"\n');
  writeFileSync(join(root, "src", "lib.rs"), "");
  const zip = join(root, "target", "package", "Pivot_v3.zip");
  writeFileSync(zip, "");
  const now = Date.now() / 1000;
  utimesSync(join(root, "Cargo.toml"), now - 20, now - 20);
  utimesSync(join(root, "src", "lib.rs"), now - 10, now - 10);
  utimesSync(zip, now - 5, now - 5);
  assert.equal(packageZip(root).zip, zip);
  utimesSync(join(root, "src", "lib.rs"), now, now);
  assert.throws(() => packageZip(root), /Pivot_v3\.zip is older than src\/lib\.rs: run `make package`/);
});

test("the sandbox the tests start is built from its current source", () => {
  const bin = builtBin("tc-sandbox", ["--package", "tc-sandbox"]);
  const crate = join(ROOT, "crates", "tc-sandbox");
  const sources = [join(crate, "Cargo.toml"), ...readdirSync(join(crate, "src"), { recursive: true }).map((f) => join(crate, "src", f))];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  assert.ok(statSync(bin).mtimeMs >= newest, `${bin} is older than the sandbox's source`);
});

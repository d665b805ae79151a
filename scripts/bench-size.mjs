// First-load bytes of the release build: every file of the package's ui/
// folder that index.html loads, raw, gzip -9 and brotli (max quality).
// Usage: node scripts/bench-size.mjs [ui-dir]   (default: target/package/Pivot_v<major>/ui)
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
const dir = process.argv[2] ?? join(root, "target", "package", `Pivot_v${version.split(".")[0]}`, "ui");
const html = readFileSync(join(dir, "index.html"), "utf8");
// What the page loads: index.html itself and every file it names.
const loaded = ["index.html", ...readdirSync(dir).filter((f) => f !== "index.html" && html.includes(`./${f}`))];
const BUDGET_GZIP = 120 * 1024;

const rows = loaded.map((f) => {
  const bytes = readFileSync(join(dir, f));
  return {
    file: f,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
console.log(`first load of ${dir}`);
console.log(`${"file".padEnd(40)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)} ${"brotli".padStart(10)}`);
for (const r of rows) console.log(`${r.file.padEnd(40)} ${kb(r.raw)} ${kb(r.gzip)} ${kb(r.brotli)}`);
console.log(`${"total".padEnd(40)} ${kb(total.raw)} ${kb(total.gzip)} ${kb(total.brotli)}`);
console.log(`budget: ${kb(BUDGET_GZIP)} gzip -> ${total.gzip <= BUDGET_GZIP ? "within" : "OVER"} (jQuery-based SDK stack: 107 KB gzip)`);

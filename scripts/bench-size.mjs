// First-load bytes of the release build: every file of the package's ui/
// folder that index.html loads, raw, gzip -9 and brotli (max quality).
// Usage: node scripts/bench-size.mjs [ui-dir]   (default: target/package/Pivot_v<major>/ui)
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
const dir = process.argv[2] ?? join(root, "target", "package", `Pivot_v${version.split(".")[0]}`, "ui");
// What a page loads: the page itself, every file it names, and the wasm
// its scripts fetch (publish-import.html's module script names only its JS).
function pageFiles(page) {
  const files = [page];
  const html = readFileSync(join(dir, page), "utf8");
  const all = readdirSync(dir, { recursive: true }).filter((f) => f !== page && !f.endsWith("/"));
  // Attribute values, quoted or not (the release build minifies index.html).
  const refs = [...html.matchAll(/\s(?:src|href|data-[a-z-]+)=(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)]
    .map((m) => (m[1] ?? m[2] ?? m[3]).replace(/^\.\//, ""));
  for (const f of all) if (refs.includes(f)) files.push(f);
  // The JS modules load what they import statically (the panels' glue imports the loader of
  // the parts loaded on demand) and the wasm they name; a chunk is fetched only on demand
  // (named in the loader, not fetched by it at start): onDemand lists them.
  for (let k = 0; k < files.length; k++) {
    if (!files[k].endsWith(".js")) continue;
    const text = readFileSync(join(dir, files[k]), "utf8");
    const imported = [...text.matchAll(/\bfrom\s*["']\.\/([^"']+\.js)["']/g)].map((m) => m[1]);
    for (const f of imported) if (all.includes(f) && !files.includes(f)) files.push(f);
    if (/-chunks-[0-9a-f]+\.js$/.test(files[k])) continue;
    for (const f of all) if (f.endsWith(".wasm") && !files.includes(f) && text.includes(f)) files.push(f);
  }
  return files;
}

// The chunks the panels' loader fetches on demand (ui::on_demand).
function onDemand(page) {
  const loaders = pageFiles(page).filter((f) => /-chunks-[0-9a-f]+\.js$/.test(f));
  const all = readdirSync(dir);
  return loaders.flatMap((l) => {
    const text = readFileSync(join(dir, l), "utf8");
    return all.filter((f) => f.endsWith(".wasm") && text.includes(f));
  });
}
const BUDGET_GZIP = 120 * 1024;

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
function measure(page, files = pageFiles(page)) {
  const rows = files.map((f) => {
    const bytes = readFileSync(join(dir, f));
    return {
      file: f,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  console.log(`${"file".padEnd(40)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)} ${"brotli".padStart(10)}`);
  for (const r of rows) console.log(`${r.file.padEnd(40)} ${kb(r.raw)} ${kb(r.gzip)} ${kb(r.brotli)}`);
  console.log(`${"total".padEnd(40)} ${kb(total.raw)} ${kb(total.gzip)} ${kb(total.brotli)}`);
  return total;
}

console.log(`first load (index.html: the panels) of ${dir}`);
const first = measure("index.html");
console.log(`budget: ${kb(BUDGET_GZIP)} gzip -> ${first.gzip <= BUDGET_GZIP ? "within" : "OVER"} (jQuery-based SDK stack: 107 KB gzip)`);
const chunks = onDemand("index.html");
if (chunks.length) {
  console.log("");
  console.log("parts of the panels loaded on demand (ui::on_demand: editing, the graph, search, the shortcuts, type counts, the v2 fallback; shared chunks)");
  measure("index.html", chunks);
}
console.log("");
console.log("the publish and import page (publish-import.html), loaded only when an analyst publishes or imports");
measure("publish-import.html");
console.log("");
console.log("the triage page (triage.html), loaded only when an analyst triages a paste or compares owners");
measure("triage.html");

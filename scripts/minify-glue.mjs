// trunk's post_build hook (Trunk.toml): in a release build, minify the JavaScript that
// wasm-bindgen writes beside each wasm module, and give the pages the new integrity hashes.
// trunk's own JS minifier (minify-js) cannot parse that module ("as default") and leaves it
// whole; terser makes it about a quarter smaller over the wire. A build that is not a release
// is left alone, and nothing else in the folder is touched (boot.js is copied as written).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { minify } from "terser";
import { placeChunks } from "./place-chunks.mjs";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("minify-glue: TRUNK_STAGING_DIR is not set (this runs as trunk's post_build hook)");
const release = process.env.TRUNK_PROFILE === "release";
// First the parts loaded on demand (they change the glue, so before it is minified and hashed).
await placeChunks(dir, release);
if (!release) process.exit(0);

const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
const files = readdirSync(dir);
const pages = files.filter((f) => f.endsWith(".html"));
// wasm-bindgen's module for `name_bg.wasm` is `name.js`.
const glue = files.filter((f) => f.endsWith(".js") && files.includes(f.replace(/\.js$/, "_bg.wasm")));
if (glue.length === 0) throw new Error(`minify-glue: no wasm-bindgen module in ${dir}`);

for (const f of glue) {
  const before = readFileSync(join(dir, f));
  const out = await minify(before.toString("utf8"), { module: true, compress: true, mangle: true, format: { comments: false } });
  const after = Buffer.from(out.code, "utf8");
  writeFileSync(join(dir, f), after);
  // A page that pins the module by its hash (trunk's modulepreload) gets the new one.
  for (const page of pages) {
    const html = readFileSync(join(dir, page), "utf8");
    if (html.includes(sri(before))) writeFileSync(join(dir, page), html.split(sri(before)).join(sri(after)));
  }
  console.log(`minify-glue: ${f} ${before.length} -> ${after.length} bytes`);
}

// Run by trunk's post_build hook (scripts/minify-glue.mjs), before the glue is minified: the parts of a wasm loaded on
// demand (`ui::on_demand`), which scripts/wasm-bindgen-split.sh leaves in the snippets folder
// as `snippets/pivot-chunks-<module>/`: each chunk optimised by wasm-opt -Oz (as trunk does the
// main module), every file given a content-hashed name beside the main module (a cached page
// never meets a chunk of another build), the loader pointed at the hashed main module and
// chunks, the main module at the hashed loader, and the pages' integrity hash of the main
// module updated. A build with no such folder is left alone.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

export async function placeChunks(dir, release) {
  const chunks = process.env.PIVOT_CHUNKS_DIR;
  const folders = chunks && existsSync(chunks) ? readdirSync(chunks) : [];
  if (folders.length === 0) return;

  const root = new URL("..", import.meta.url).pathname;
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const hash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
  const files = readdirSync(dir);
  const pages = files.filter((f) => f.endsWith(".html"));

  for (const folder of folders) {
    const module = folder;
    const from = join(chunks, folder);
    // trunk's main module for this wasm: `<module>-<hash>.js` beside `<module>-<hash>_bg.wasm`.
    const glue = files.filter((f) => f.startsWith(`${module}-`) && f.endsWith(".js") && files.includes(f.replace(/\.js$/, "_bg.wasm")));
    if (glue.length !== 1) throw new Error(`place-chunks: expected one main module for ${module}, found ${glue.length}`);
    let loader = readFileSync(join(from, "__wasm_split.js"), "utf8");
    const mainImport = `from "./${module}.js"`;
    if (!loader.includes(mainImport)) throw new Error(`place-chunks: the loader of ${module} does not import ${mainImport}`);
    loader = loader.replace(mainImport, `from "./${glue[0]}"`);
    for (const chunk of readdirSync(from).filter((f) => f.endsWith(".wasm"))) {
      const path = join(from, chunk);
      if (release) execFileSync(wasmOpt, ["-Oz", path, "-o", path], { stdio: "inherit" });
      const bytes = readFileSync(path);
      const named = `${chunk.replace(/\.wasm$/, "")}-${hash(bytes)}.wasm`;
      const ref = `"./${chunk}"`;
      if (!loader.includes(ref)) throw new Error(`place-chunks: the loader of ${module} does not name ${chunk}`);
      loader = loader.split(ref).join(`"./${named}"`);
      writeFileSync(join(dir, named), bytes);
      console.log(`place-chunks: ${named} ${bytes.length} bytes`);
    }
    if (release) loader = (await minify(loader, { module: true, compress: true, mangle: true, format: { comments: false } })).code;
    const loaderName = `${module}-chunks-${hash(loader)}.js`;
    writeFileSync(join(dir, loaderName), loader);
    // The main module imports the loader by the name wasm-split gave it.
    const gluePath = join(dir, glue[0]);
    const before = readFileSync(gluePath);
    const text = before.toString("utf8");
    // Only the import statement: the same string keys the wasm's imports object, which must
    // keep the module name the wasm asks for.
    const statement = /(\bfrom\s*)(["'])\.\/__wasm_split\.js\2/g;
    if (!statement.test(text)) throw new Error(`place-chunks: ${glue[0]} does not import ./__wasm_split.js`);
    statement.lastIndex = 0;
    const after = Buffer.from(text.replace(statement, `$1$2./${loaderName}$2`), "utf8");
    writeFileSync(gluePath, after);
    for (const page of pages) {
      const html = readFileSync(join(dir, page), "utf8");
      if (html.includes(sri(before))) writeFileSync(join(dir, page), html.split(sri(before)).join(sri(after)));
    }
    rmSync(from, { recursive: true });
    console.log(`place-chunks: ${loaderName} for ${glue[0]}`);
  }
}

// Copies a wasm that is not split (triage, publish-import) without what the release build
// adds for wasm-split (scripts/wasm-bindgen-split.sh): the linker's relocation sections
// (`linking`, `reloc.*`, from --emit-relocs: about 1.4 MB, which neither wasm-bindgen nor
// wasm-opt drops) and the exports of `ui::on_demand`'s split points (`__wasm_split_00…`:
// the library exports them from every binary, which would keep the panels' on-demand code
// alive in pages that never call it).
// usage: node scripts/strip-split.mjs IN.wasm OUT.wasm
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: strip-split.mjs IN.wasm OUT.wasm");
const b = readFileSync(input);
if (b.readUInt32LE(0) !== 0x6d736100) throw new Error(`strip-split: ${input} is not a wasm module`);
function leb(i) {
  let r = 0, s = 0, x;
  do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return [r, i];
}
function encode(n) {
  const out = [];
  do { let x = n & 0x7f; n = Math.floor(n / 128); if (n) x |= 0x80; out.push(x); } while (n);
  return Buffer.from(out);
}
const EXPORTS = 7;
const kept = [b.subarray(0, 8)];
let i = 8, relocs = 0, exports = 0;
while (i < b.length) {
  const start = i;
  const [size, body] = leb(i + 1);
  const end = body + size;
  if (b[start] === 0) {
    const [len, at] = leb(body);
    const name = b.subarray(at, at + len).toString("utf8");
    if (name === "linking" || name.startsWith("reloc.")) {
      relocs += end - start;
      i = end;
      continue;
    }
  }
  if (b[start] === EXPORTS) {
    let [count, j] = leb(body);
    const entries = [];
    for (let k = 0; k < count; k++) {
      const from = j;
      const [len, at] = leb(j);
      const name = b.subarray(at, at + len).toString("utf8");
      j = leb(at + len + 1)[1]; // kind byte, then the index
      if (name.startsWith("__wasm_split_00")) exports++;
      else entries.push(b.subarray(from, j));
    }
    const content = Buffer.concat([encode(entries.length), ...entries]);
    kept.push(Buffer.from([EXPORTS]), encode(content.length), content);
    i = end;
    continue;
  }
  kept.push(b.subarray(start, end));
  i = end;
}
writeFileSync(output, Buffer.concat(kept));
console.log(`strip-split: ${input}: ${relocs} bytes of relocations and ${exports} split exports dropped`);

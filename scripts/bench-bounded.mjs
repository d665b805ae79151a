// Bounded reading: the release `pivot-share` pulls from a source whose published package
// record is 1 GiB, streamed by a loopback server that never holds it (chunked, and again
// with its true Content-Length). The pull must refuse the record unread and the command's
// peak memory (maximum resident set, from the kernel's rusage of the child) stay under
// PEAK_LIMIT_MB (stated in docs/performance.md). The target is a release sandbox.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { promisify } from "node:util";
import { join } from "node:path";
import { ROOT, startSandbox, SANDBOX_ID, SANDBOX_SECRET } from "../tests/e2e/harness.mjs";

const PEAK_LIMIT_MB = 100;
const RECORD_BYTES = 1024 ** 3;
const bin = join(ROOT, "target", "release", "pivot-share");
const head = {
  format: "pivot-share", version: 2, groupId: 1, groupType: "Campaign", groupName: "Bounded reading bench",
  groupXid: "bench-bounded", contentHash: "sha256:bench", publishedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  sourceInstance: "bench-source", sourceOwner: "Demo Org", size: RECORD_BYTES,
};
let withLength = false;
let sent = 0;
// The source: its one head, and the package record streamed 1 MiB at a time as the client takes it.
const source = createServer((req, res) => {
  req.resume();
  if (req.url === "/api/v2/exchange/db/organization/pivot-share-heads/_search") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ hits: { total: 1, hits: [{ _id: "1", _source: head }] } }));
  } else if (req.url === "/api/v2/exchange/db/organization/pivot-share/1") {
    const open = Buffer.from('{"found":true,"_id":"1","_source":{"package":"');
    const close = Buffer.from('"}}');
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const total = open.length + RECORD_BYTES + close.length;
    res.writeHead(200, withLength ? { "content-type": "application/json", "content-length": total } : { "content-type": "application/json" });
    sent = 0;
    res.write(open);
    const pump = () => {
      while (sent < RECORD_BYTES && !res.destroyed) {
        const n = Math.min(chunk.length, RECORD_BYTES - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once("drain", pump);
      }
      if (!res.destroyed) res.end(close);
    };
    res.on("close", () => res.destroy());
    pump();
  } else {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"status":"Failure","message":"Not Found"}');
  }
});
await new Promise((ok) => source.listen(0, "127.0.0.1", ok));
const target = await startSandbox({ seed: "empty" });
const env = {
  ...process.env,
  PIVOT_SOURCE_API_URL: `http://127.0.0.1:${source.address().port}/api`, PIVOT_SOURCE_ACCESS_ID: SANDBOX_ID, PIVOT_SOURCE_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_API_URL: `${target.base}/api`, PIVOT_TARGET_ACCESS_ID: SANDBOX_ID, PIVOT_TARGET_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_OWNER: "Demo Org", PIVOT_INSTANCE_ID: "bench-target", PIVOT_SOURCE_INSTANCE_ID: "bench-source", PIVOT_SOURCE_ORG: "Demo Org",
};
// The child's peak resident set: Python's resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux).
const RUSAGE = "import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:])\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,file=sys.stderr)\nsys.exit(r.returncode)";

let failed = false;
try {
  for (const framing of ["chunked", "Content-Length"]) {
    withLength = framing === "Content-Length";
    const t0 = performance.now();
    const r = await promisify(execFile)("python3", ["-c", RUSAGE, bin, "pull", "--once"], { env, maxBuffer: 16 * 1024 * 1024 })
      .then((o) => ({ ...o, code: 0 }), (e) => e);
    const ms = performance.now() - t0;
    const peakMb = Number(r.stderr.trim().split("\n").pop()) / 1024;
    const refused = /could not fetch the package: .*larger than Pivot reads/.test(r.stdout);
    console.log(`pull of a 1 GiB package record (${framing}): ${refused ? "refused" : "NOT refused"}, exit ${r.code}, ${(ms / 1000).toFixed(1)} s, ` +
      `${(sent / 1024 ** 2).toFixed(0)} MiB sent before the client hung up, peak ${peakMb.toFixed(0)} MB (limit ${PEAK_LIMIT_MB} MB)`);
    if (!refused || r.code !== 1) throw new Error(`the record was not refused:\n${r.stdout}${r.stderr}`);
    if (peakMb > PEAK_LIMIT_MB) throw new Error(`peak memory ${peakMb.toFixed(0)} MB is over ${PEAK_LIMIT_MB} MB`);
  }
} catch (e) {
  failed = true;
  console.log(`bounded reading bench failed: ${e.message}`);
}
source.close();
source.closeAllConnections();
await target.stop();
process.exit(failed ? 1 : 0);

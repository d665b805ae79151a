// Cross-Intel Sharing of the 10,001-indicator group (sandbox group 1) with the
// release `pivot-share` between two release sandboxes: wall time, API requests and
// peak memory (maximum resident set, from the kernel's rusage of the child) of publish
// (source), import and re-import (target), a pull that makes the record a verified pull's, and a
// pull that finds the package unchanged.
// The import's peak memory must stay under PEAK_LIMIT_MB (stated in docs/performance.md).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { statSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startSandbox, tempDir, SANDBOX_ID, SANDBOX_SECRET } from "../tests/e2e/harness.mjs";

// Measured 172 MB (import) and 211 MB (re-import, which also reads every item's labels first) on
// 2026-11-30; the limit leaves room for noise and fails on a real regression.
const PEAK_LIMIT_MB = 256;
const bin = join(ROOT, "target", "release", "pivot-share");
const source = await startSandbox({ seed: "demo" });
const target = await startSandbox({ seed: "empty" });
const file = join(tempDir("pivot-bench-share-"), "group-1.json");
const env = {
  ...process.env,
  PIVOT_SOURCE_API_URL: `${source.base}/api`, PIVOT_SOURCE_ACCESS_ID: SANDBOX_ID, PIVOT_SOURCE_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_API_URL: `${target.base}/api`, PIVOT_TARGET_ACCESS_ID: SANDBOX_ID, PIVOT_TARGET_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_OWNER: "Demo Org", PIVOT_INSTANCE_ID: "bench-source", PIVOT_SOURCE_INSTANCE_ID: "bench-source",
  PIVOT_SOURCE_ORG: "Demo Org",
};
// The child's peak resident set: Python's resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux).
const RUSAGE = "import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:])\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,file=sys.stderr)\nsys.exit(r.returncode)";

async function timed(sandbox, args) {
  await sandbox.clearRequests();
  const t0 = performance.now();
  // Asynchronous: the sandboxes log to pipes this process must keep draining.
  const { stderr } = await promisify(execFile)("python3", ["-c", RUSAGE, bin, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const peakMb = Number(stderr.trim().split("\n").pop()) / 1024;
  const reqs = (await sandbox.requests()).data.filter((r) => r.path.startsWith("/api/"));
  return { ms, reqs, peakMb };
}
const fmt = (r) => `${(r.ms / 1000).toFixed(1)} s, peak ${r.peakMb.toFixed(0)} MB`;

let failed = false;
try {
  const pub = await timed(source, ["publish", "--group-type", "Campaign", "--group-id", "1", "--labels", "TLP:WHITE,TLP:GREEN,TLP:AMBER,TLP:RED", "--out", file]);
  console.log(`publish group 1 (10,001 indicators, ${statSync(file).size} bytes): ${fmt(pub)}, ${pub.reqs.length} requests to the source`);
  let peak = 0;
  for (const run of ["import", "re-import"]) {
    const imp = await timed(target, ["import", file]);
    const jobs = imp.reqs.filter((r) => r.method === "POST" && r.path === "/api/v2/batch").length;
    console.log(`${run} into the target owner: ${fmt(imp)}, ${imp.reqs.length} requests to the target, ${jobs} batch jobs`);
    peak = Math.max(peak, imp.peakMb);
  }
  // The file imports' record is not a verified pull's: the first pull imports the package again,
  // so the record becomes the verified one (docs/sharing-operations.md, trust rule 3).
  const verify = await timed(target, ["pull", "--once"]);
  console.log(`pull after the file imports, importing it again as verified: ${fmt(verify)}, ${verify.reqs.length} requests to the target`);
  // That pull recorded the package as completely imported: the next pull skips it, reading only the heads.
  await source.clearRequests();
  const skip = await timed(target, ["pull", "--once"]);
  const fetched = (await source.requests()).data.filter((r) => r.path.startsWith("/api/")).map((r) => r.path);
  console.log(`pull, package unchanged: ${fmt(skip)}, ${fetched.length} request(s) to the source (${[...new Set(fetched)].join(", ")}), ${skip.reqs.length} to the target`);
  if (fetched.some((p) => p.endsWith("/pivot-share/1"))) throw new Error("the unchanged package was downloaded");
  console.log(`import peak memory ${peak.toFixed(0)} MB (limit ${PEAK_LIMIT_MB} MB)`);
  if (peak > PEAK_LIMIT_MB) throw new Error(`import peak memory ${peak.toFixed(0)} MB is over ${PEAK_LIMIT_MB} MB`);
} catch (e) {
  failed = true;
  console.log(`sharing bench failed: ${e.message}`);
}
await source.stop();
await target.stop();
process.exit(failed ? 1 : 0);

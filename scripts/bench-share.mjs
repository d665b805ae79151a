// Cross-Intel Sharing of the 10,001-indicator group (sandbox group 1) with the
// release `pivot-share` between two release sandboxes: wall time and API
// requests of publish (source) and import (target), and the batch jobs used.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startSandbox, SANDBOX_ID, SANDBOX_SECRET } from "../tests/e2e/harness.mjs";

const bin = join(ROOT, "target", "release", "pivot-share");
const source = await startSandbox({ seed: "demo" });
const target = await startSandbox({ seed: "empty" });
const file = join(mkdtempSync(join(tmpdir(), "pivot-bench-share-")), "group-1.json");
const env = {
  ...process.env,
  PIVOT_SOURCE_API_URL: `${source.base}/api`, PIVOT_SOURCE_ACCESS_ID: SANDBOX_ID, PIVOT_SOURCE_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_API_URL: `${target.base}/api`, PIVOT_TARGET_ACCESS_ID: SANDBOX_ID, PIVOT_TARGET_SECRET_KEY: SANDBOX_SECRET,
  PIVOT_TARGET_OWNER: "Demo Org", PIVOT_INSTANCE_ID: "bench-source",
};

async function timed(sandbox, args) {
  await sandbox.clearRequests();
  const t0 = performance.now();
  // Asynchronous: the sandboxes log to pipes this process must keep draining.
  await promisify(execFile)(bin, args, { env, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const reqs = (await sandbox.requests()).data.filter((r) => r.path.startsWith("/api/"));
  return { ms, reqs };
}

let failed = false;
try {
  const pub = await timed(source, ["publish", "--group-type", "Campaign", "--group-id", "1", "--labels", "TLP:WHITE,TLP:GREEN,TLP:AMBER,TLP:RED", "--out", file]);
  console.log(`publish group 1 (10,001 indicators, ${statSync(file).size} bytes): ${(pub.ms / 1000).toFixed(1)} s, ${pub.reqs.length} requests to the source`);
  for (const run of ["import", "re-import"]) {
    const imp = await timed(target, ["import", file]);
    const jobs = imp.reqs.filter((r) => r.method === "POST" && r.path === "/api/v2/batch").length;
    console.log(`${run} into the target owner: ${(imp.ms / 1000).toFixed(1)} s, ${imp.reqs.length} requests to the target, ${jobs} batch jobs`);
  }
} catch (e) {
  failed = true;
  console.log(`sharing bench failed: ${e.message}`);
}
await source.stop();
await target.stop();
process.exit(failed ? 1 : 0);

// Shared end-to-end plumbing: unpack the package as ThreatConnect would,
// serve it from a sub-path on 127.0.0.1, and drive Debian's Chromium.
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, statSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, extname, resolve } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const SCREENSHOTS = join(ROOT, "target", "screenshots");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".md": "text/markdown",
};

/** A temporary folder, removed when this test process exits. */
const temps = [];
process.on("exit", () => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** What the package is built from: a file newer than the zip means the zip is stale. */
const PACKAGE_INPUTS = ["src", "crates/threatconnect", "crates/pivot-text", "crates/sharing", "crates/triage", "style", "index.html", "publish-import.html", "triage.html", "boot.js", "Trunk.toml", "scripts/minify-glue.mjs", "scripts/place-chunks.mjs", "scripts/wasm-bindgen-split.sh", "scripts/build-service-ui.sh", "scripts/wasm-release.sh", "build.rs", "package-lock.json", ".cargo", "Cargo.toml", "Cargo.lock", "install.json", "README.md"];
function newestInput(root) {
  let newest = { path: "", mtime: 0 };
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else if (st.mtimeMs > newest.mtime) newest = { path: p, mtime: st.mtimeMs };
  };
  for (const p of PACKAGE_INPUTS) if (existsSync(join(root, p))) visit(join(root, p));
  return newest;
}

/** The version in Cargo.toml, and the package zip `make package` wrote for it, built from the current source. */
export function packageZip(root = ROOT) {
  const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
  const major = version.split(".")[0];
  const name = `Pivot_v${major}`;
  const zip = join(root, "target", "package", `${name}.zip`);
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run \`make package\` first`);
  const newest = newestInput(root);
  if (newest.mtime > statSync(zip).mtimeMs) {
    throw new Error(`${zip} is older than ${newest.path.slice(root.length + 1)}: run \`make package\` (make test-e2e does)`);
  }
  return { version, name, zip };
}

/** The UI Pivot's API Service serves (`make service-ui`: the `service` build), built from the current source. */
export function serviceUi(root = ROOT) {
  const ui = join(root, "target", "package", "service-ui");
  const page = join(ui, "index.html");
  if (!existsSync(page)) throw new Error(`${ui} is missing: run \`make service-ui\` first`);
  const newest = newestInput(root);
  if (newest.mtime > statSync(page).mtimeMs) {
    throw new Error(`${ui} is older than ${newest.path.slice(root.length + 1)}: run \`make service-ui\` (make test-e2e does)`);
  }
  return ui;
}

/** Unzip with Python's zipfile (on every machine of this kind) into a temp folder. */
export function unpack(zip) {
  const dir = tempDir("pivot-pkg-");
  execFileSync("python3", ["-m", "zipfile", "-e", zip, dir]);
  return dir;
}

/**
 * A binary of this workspace built from the current source (`cargo build`, a no-op when
 * nothing changed), so no test runs a stale one; `args` name the package or features.
 */
const builtBins = new Map();
export function builtBin(name, args) {
  if (!builtBins.has(name)) {
    const out = execFileSync(process.env.CARGO ?? "cargo", ["build", "--quiet", "--message-format=json", ...args, "--bin", name],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 }).toString();
    const artifact = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      .find((m) => m.reason === "compiler-artifact" && m.target?.name === name && m.executable);
    if (!artifact) throw new Error(`cargo build did not name the ${name} executable`);
    builtBins.set(name, artifact.executable);
  }
  return builtBins.get(name);
}

/** Serve `dir` under `prefix` (a sub-path, as ThreatConnect serves apps). */
export async function serveStatic(dir, prefix, before = () => false) {
  const server = createServer((req, res) => {
    if (before(req, res)) return;
    const url = new URL(req.url, "http://x");
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end("not under " + prefix);
      return;
    }
    const file = normalize(join(dir, decodeURIComponent(url.pathname.slice(prefix.length))));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
}

/** Content-Security-Policy violations of every page this process opened (see newPage). */
export const cspViolations = [];

/** For each suite's afterEach: no page broke the policy (a violation is a blocked load or script). */
export function assertNoCspViolations() {
  const seen = cspViolations.splice(0);
  if (seen.length) throw new Error("Content-Security-Policy violations: " + JSON.stringify(seen));
}

/** A page that records uncaught errors and console errors for the test to check. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, ...options });
  // Every page load reports its Content-Security-Policy violations here (the
  // binding and the listener are installed by the browser, outside the policy).
  await context.exposeBinding("__pivotCspViolation", (_source, v) => cspViolations.push(v));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => window.__pivotCspViolation({
      page: location.pathname, directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
    }));
  });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Form-encode a Spaces query string the way ThreatConnect builds it. */
export function spacesQuery(params) {
  return "?" + new URLSearchParams(params).toString();
}

// ---- the sandbox -----------------------------------------------------------
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";

export const SANDBOX_ID = "pivot-e2e";
export const SANDBOX_SECRET = "pivot-e2e-secret";

/** Start tc-sandbox on a free loopback port with a fresh database; resolves once it listens. */
export async function startSandbox({ seed = "demo", args = [] } = {}) {
  const bin = process.env.TC_SANDBOX_BIN ?? builtBin("tc-sandbox", ["--package", "tc-sandbox"]);
  const dir = tempDir("pivot-sandbox-");
  const child = spawn(bin, ["--listen", "127.0.0.1:0", "--db", join(dir, "sandbox.db"), "--seed", seed,
    "--access-id", SANDBOX_ID, "--secret-key", SANDBOX_SECRET, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log = (log + d).slice(-20000); });
  const base = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("the sandbox did not start in 60 s:\n" + log)), 60000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`the sandbox exited (${code}):\n${log}`)); });
  });
  child.removeAllListeners("exit");
  return {
    base,
    log: () => log,
    stop: () => new Promise((ok) => { if (child.exitCode !== null) return ok(); child.once("exit", ok); child.kill(); }),
    /** Set faults (see crates/tc-sandbox/README.md); `null` clears them. */
    faults: async (spec) => {
      const r = await fetch(`${base}/_sandbox/faults`, spec ? { method: "POST", body: JSON.stringify(spec), headers: { "content-type": "application/json" } } : { method: "DELETE" });
      if (!r.ok) throw new Error(`faults: ${r.status} ${await r.text()}`);
    },
    requests: async () => (await fetch(`${base}/_sandbox/requests`)).json(),
    clearRequests: () => fetch(`${base}/_sandbox/requests`, { method: "DELETE" }),
  };
}

/** An API token minted with HMAC by `pivot-dev` (the same path `make dev` takes). */
export function mintToken(apiUrl) {
  const bin = builtBin("pivot-dev", ["--no-default-features", "--features", "native"]);
  const out = execFileSync(bin, ["token", "--api-path", apiUrl], {
    env: { ...process.env, TC_API_ACCESS_ID: SANDBOX_ID, TC_API_SECRET_KEY: SANDBOX_SECRET },
  }).toString().trim();
  const [token, expires] = out.split("\t");
  return { token, expires };
}

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"];
function endToEnd(headers) {
  const named = String(headers.connection ?? "").toLowerCase().split(",").map((h) => h.trim());
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.includes(k.toLowerCase()) && !named.includes(k.toLowerCase())));
}

/**
 * Serve the unpacked package under `prefix` and proxy `/api` to the sandbox,
 * so the app reaches its API same-origin, as inside ThreatConnect.
 */
export async function serveApp(dir, prefix, apiBase) {
  const site = await serveStatic(dir, prefix, (req, res) => {
    if (!req.url.startsWith("/api/") && req.url !== "/api") return false;
    const target = new URL(req.url, apiBase);
    // A fresh connection per request (agent: false): a kept-alive socket the
    // sandbox has closed would turn into a 502 here, which the app retries.
    // Hop-by-hop headers stay on their hop (RFC 9110 7.6.1): the sandbox's
    // "Connection: close" for this one-off connection must not close the
    // browser's kept-alive connection to this server too.
    const upstream = httpRequest(target, { method: req.method, headers: endToEnd({ ...req.headers, host: target.host }), agent: false }, (up) => {
      res.writeHead(up.statusCode, endToEnd(up.headers));
      up.pipe(res);
    });
    upstream.on("error", (e) => { console.error(`proxy: ${req.method} ${req.url}: ${e.message}`); res.writeHead(502).end(String(e)); });
    req.pipe(upstream);
    return true;
  });
  return site;
}

/**
 * What a panel test starts before its tests: a fresh sandbox, the packaged app served under
 * `prefix` against it, a Space's token and a browser. `stop()` ends them all; a start that
 * fails half-way ends what it started.
 */
export async function startPanels(prefix) {
  const pkg = packageZip();
  const sandbox = await startSandbox();
  let site, browser;
  const stop = async () => {
    await browser?.close();
    site?.server.close();
    await sandbox.stop();
  };
  try {
    site = await serveApp(unpack(pkg.zip), prefix, sandbox.base);
    browser = await launchBrowser();
  } catch (e) {
    await stop();
    throw e;
  }
  const appUrl = `${site.origin}${prefix}${pkg.name}/ui/index.html`;
  return { sandbox, site, browser, appUrl, token: mintToken(`${sandbox.base}/api`), stop };
}

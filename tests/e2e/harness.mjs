// Shared end-to-end plumbing: unpack the package as ThreatConnect would,
// serve it from a sub-path on 127.0.0.1, and drive Debian's Chromium.
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, statSync, mkdirSync } from "node:fs";
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

/** The version in Cargo.toml, and the package zip `make package` wrote for it. */
export function packageZip() {
  const version = readFileSync(join(ROOT, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
  const major = version.split(".")[0];
  const name = `Pivot_v${major}`;
  const zip = join(ROOT, "target", "package", `${name}.zip`);
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run \`make package\` first`);
  return { version, name, zip };
}

/** Unzip with Python's zipfile (on every machine of this kind) into a temp folder. */
export function unpack(zip) {
  const dir = mkdtempSync(join(tmpdir(), "pivot-pkg-"));
  execFileSync("python3", ["-m", "zipfile", "-e", zip, dir]);
  return dir;
}

/** Serve `dir` under `prefix` (a sub-path, as ThreatConnect serves apps). */
export async function serveStatic(dir, prefix) {
  const server = createServer((req, res) => {
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

/** A page that records uncaught errors and console errors for the test to check. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, ...options });
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

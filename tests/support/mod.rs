//! A tc-sandbox for native tests: started on a free loopback port with its own
//! temporary database and credentials, stopped when dropped.
//!
//! The sandbox is built from the current source first (see `sandbox_bin`), so
//! these tests always run and never test a stale binary.
#![allow(dead_code)] // each test file uses its own part

pub mod share;

use pivot::tc::native::{system_clock, NativeTransport};
use pivot::tc::{Client, Credentials, HttpRequest, Transport};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Sandbox {
    child: Child,
    pub origin: String,
    dir: PathBuf,
    pub id: &'static str,
    pub key: &'static str,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The tc-sandbox built from this checkout's source. `cargo build` runs once per test
/// binary (a no-op when nothing changed), because `cargo test` builds only the bins of
/// the package under test and a stale `target/debug/tc-sandbox` would go on being tested.
pub fn sandbox_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet", "--package", "tc-sandbox", "--bin", "tc-sandbox", "--message-format=json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build --package tc-sandbox");
        assert!(out.status.success(), "cargo build --package tc-sandbox failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "tc-sandbox")
            .and_then(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo named the tc-sandbox executable")
    })
    .clone()
}

/// A sandbox seeded with `seed` (`demo` or `empty`) answering HMAC for `id`/`key`;
/// `name` keeps concurrent tests' folders apart.
pub fn start(name: &str, seed: &str, id: &'static str, key: &'static str) -> Sandbox {
    let bin = sandbox_bin();
    let exe = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("pivot-{exe}-{}-{name}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--access-id", id, "--secret-key", key, "--seed", seed, "--db"])
        .arg(dir.join("sandbox.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tc-sandbox");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let origin = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
    Sandbox { child, origin, dir, id, key }
}

/// A client signing with the sandbox's own HMAC credentials.
pub fn hmac_client(sb: &Sandbox) -> Client<NativeTransport> {
    Client::new(NativeTransport::new(&sb.origin), "/api", Credentials::hmac(sb.id, sb.key), Box::new(system_clock))
}

pub fn run<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// A plain request to the sandbox's control endpoints (not part of the client).
pub fn control(sb: &Sandbox, req: HttpRequest) -> Value {
    let r = run(NativeTransport::new(&sb.origin).send(req)).unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

pub fn faults(sb: &Sandbox, body: Value) {
    control(sb, HttpRequest::post("/_sandbox/faults").json(&body));
}

pub fn requests(sb: &Sandbox) -> Vec<Value> {
    control(sb, HttpRequest::get("/_sandbox/requests"))["data"].as_array().cloned().unwrap_or_default()
}

pub fn clear_requests(sb: &Sandbox) {
    control(sb, HttpRequest::delete("/_sandbox/requests"));
}

/// What a test changed on the sandbox: every request but reads (datastore
/// searches are POSTs with `DB-Method: GET`, so they count as reads).
pub fn writes(sb: &Sandbox) -> Vec<String> {
    requests(sb)
        .iter()
        .filter(|r| r["method"] != "GET" && !(r["method"] == "POST" && r["path"].as_str().unwrap_or("").starts_with("/api/v2/exchange/db/")))
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect()
}

/// The `pivot-share` command with nothing from this environment but both sides'
/// API users (`PIVOT_{SOURCE,TARGET}_{API_URL,ACCESS_ID,SECRET_KEY}`): the secrets
/// only in the environment, as the command wants them.
pub fn pivot_share(src: &Sandbox, tgt: &Sandbox) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pivot-share"));
    c.env_clear()
        .env("PIVOT_SOURCE_API_URL", format!("{}/api", src.origin))
        .env("PIVOT_SOURCE_ACCESS_ID", src.id)
        .env("PIVOT_SOURCE_SECRET_KEY", src.key)
        .env("PIVOT_TARGET_API_URL", format!("{}/api", tgt.origin))
        .env("PIVOT_TARGET_ACCESS_ID", tgt.id)
        .env("PIVOT_TARGET_SECRET_KEY", tgt.key);
    c
}

/// A Node script of `tests/` that prints `listening on PORT` once ready and stops when its
/// standard input closes (`smtp-server.mjs`, `tls-front.mjs`); killed when dropped.
pub struct NodeServer {
    child: Child,
    pub port: u16,
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tests/<script>` with `args`; `Err` (for `skip`) when node does not start.
pub fn node_server(script: &str, args: &[&str]) -> Result<NodeServer, String> {
    let mut child = Command::new("node")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("node does not start ({e}): install Node.js 20"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().strip_prefix("listening on ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("{script} said {line:?}"));
    Ok(NodeServer { child, port })
}

//! The harness of Pivot's Rust tests, and the one way they start sandboxes.
//!
//! - [`Sandbox`]: a [`tc_sandbox::Server`] started in this process on `127.0.0.1:0` with its own
//!   temporary database folder, removed when the `Sandbox` is dropped. A client under test talks
//!   to it over HTTP at [`Sandbox::origin`] / [`Sandbox::api_url`]; a test may also call it in
//!   process ([`Sandbox::handle`], [`Sandbox::get`], [`Sandbox::signed`]: the same handler an HTTP
//!   request reaches, without a socket) and read or set what the control endpoints
//!   (`/_sandbox/requests`, `/_sandbox/faults`) hold directly ([`Sandbox::requests`],
//!   [`Sandbox::writes`], [`Sandbox::faults`]).
//! - [`skip`]: a test that cannot run fails under `CI=true` and says `SKIPPED` loudly otherwise.
//! - [`node_server`]: a helper server of the repository's `tests/` written in Node.
//! - [`fixtures`]: the repository's `tests/fixtures`; [`run`]: block on a future.
//!
//! ```no_run
//! use pivot_testing::{Sandbox, Seed};
//!
//! let sb = Sandbox::builder(Seed::Demo).access_id("client-test").secret_key("client-test-secret").start();
//! assert_eq!(sb.get("/api/v2/owners").status, 200); // in process, HMAC-signed with those credentials
//! let api = sb.api_url(); // http://127.0.0.1:PORT/api, for a client over HTTP
//! # let _ = api;
//! ```
//!
//! The end-to-end tests (Node, `tests/e2e/harness.mjs`) and `make dev` start the very same
//! server as a process: the `tc-sandbox` binary with the same options on its command line
//! (`--listen 127.0.0.1:0 --db DIR/sandbox.db --seed demo --access-id ID --secret-key KEY`), read
//! its origin from the one line it prints once it listens, `listening on http://127.0.0.1:PORT`,
//! and use the control endpoints over HTTP.
#![deny(missing_docs)]

mod node;
mod skip;

pub use node::{node_server, NodeServer};
pub use skip::skip;
pub use tc_sandbox::{Options, Request, Response, Seed, Server};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The repository's root folder (this crate is `crates/testing` in it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's `tests/fixtures` (ThreatConnect's documented examples, batch inputs, ...).
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// Runs a future to completion on this thread.
pub fn run<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// Seconds since the Unix epoch (an HMAC `Timestamp`).
pub fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

/// ThreatConnect's HMAC headers for `method` and `target` (path and query exactly as sent) at
/// `timestamp`: `Authorization: TC <accessId>:<base64(HMAC-SHA256(secret, "<path>?<query>:<METHOD>:<timestamp>"))>`
/// and `Timestamp` (no `?` when the target has no query).
pub fn hmac_headers(access_id: &str, secret: &str, method: &str, target: &str, timestamp: i64) -> Vec<(&'static str, String)> {
    let msg = match target.split_once('?') {
        Some((p, q)) => format!("{}?{}:{}:{}", p, q, method, timestamp),
        None => format!("{}:{}:{}", target, method, timestamp),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(msg.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    vec![("Authorization", format!("TC {}:{}", access_id, signature)), ("Timestamp", timestamp.to_string())]
}

/// A sandbox for one test: an in-process [`Server`] on `127.0.0.1:0` over a database in a
/// temporary folder of its own (unique in this process and across processes), removed on drop.
pub struct Sandbox {
    server: Option<Server>,
    options: Options,
    dir: PathBuf,
    port: u16,
}

/// What a test passes when it starts a [`Sandbox`] (see [`Sandbox::builder`]).
#[derive(Clone, Debug)]
pub struct Builder {
    options: Options,
}

impl Builder {
    /// The HMAC access id (default `pivot-dev`).
    pub fn access_id(mut self, id: &str) -> Builder {
        self.options.access_id = id.into();
        self
    }
    /// The HMAC secret key (default `pivot-dev-secret`).
    pub fn secret_key(mut self, key: &str) -> Builder {
        self.options.secret_key = key.into();
        self
    }
    /// Latency added to every `/api` request (`--latency-ms`).
    pub fn latency_ms(mut self, ms: u64) -> Builder {
        self.options.latency_ms = ms;
        self
    }
    /// Jitter on top of the latency, uniform 0..N from the fault seed (`--jitter-ms`).
    pub fn jitter_ms(mut self, ms: u64) -> Builder {
        self.options.jitter_ms = ms;
        self
    }
    /// Lifetime of issued tokens in seconds (`--token-ttl`, default 14,400).
    pub fn token_ttl(mut self, seconds: i64) -> Builder {
        self.options.token_ttl = seconds;
        self
    }
    /// Seed for fault probabilities and jitter (`--fault-seed`, default 1).
    pub fn fault_seed(mut self, seed: u64) -> Builder {
        self.options.fault_seed = seed;
        self
    }
    /// Starts it; panics with the reason when it cannot start.
    pub fn start(self) -> Sandbox {
        Sandbox::with_options(self.options)
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder for one sandbox's database: the test binary's name, the process id and a
/// counter keep concurrent tests and processes apart.
fn temp_folder() -> PathBuf {
    let exe = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("pivot-testing-{exe}-{}-{n}", std::process::id()));
    // A folder left by an earlier process that had this id.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

impl Sandbox {
    /// A sandbox seeded with `seed`, with the sandbox's default options otherwise.
    pub fn start(seed: Seed) -> Sandbox {
        Sandbox::builder(seed).start()
    }

    /// Options for a sandbox seeded with `seed`; [`Builder::start`] starts it.
    pub fn builder(seed: Seed) -> Builder {
        Builder { options: Options { seed, ..Options::default() } }
    }

    /// A sandbox with these options, but always on `127.0.0.1:0` and a database of its own.
    pub fn with_options(options: Options) -> Sandbox {
        let dir = temp_folder();
        let options = Options { listen: "127.0.0.1:0".into(), db: dir.join("sandbox.db"), reset: false, help: false, ..options };
        let server = Server::start(&options).unwrap_or_else(|e| panic!("the sandbox did not start: {e}"));
        let port = server.port();
        Sandbox { server: Some(server), options, dir, port }
    }

    /// The running server; panics after [`Sandbox::stop`].
    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("the sandbox is stopped (Sandbox::restart starts it again)")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `{origin}/api`: a client's API path.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.origin())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The HMAC access id it accepts.
    pub fn access_id(&self) -> &str {
        &self.options.access_id
    }

    /// The HMAC secret key it accepts.
    pub fn secret_key(&self) -> &str {
        &self.options.secret_key
    }

    /// Its database file.
    pub fn db_path(&self) -> PathBuf {
        self.options.db.clone()
    }

    /// Answers a request in process (see [`Server::handle`]).
    pub fn handle(&self, request: Request) -> Response {
        self.server().handle(request)
    }

    /// A request in process with these headers and body, the target exactly as given.
    pub fn raw(&self, method: &str, target: &str, headers: &[(&str, String)], body: &[u8]) -> Response {
        let headers = headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        self.handle(Request { method: method.into(), target: target.into(), headers, body: body.to_vec() })
    }

    /// The HMAC headers for `method` and `target` now, with this sandbox's credentials.
    pub fn hmac_headers(&self, method: &str, target: &str) -> Vec<(&'static str, String)> {
        hmac_headers(self.access_id(), self.secret_key(), method, target, now_s())
    }

    /// An HMAC-signed request in process, with a JSON body (and its Content-Type) when given.
    pub fn signed(&self, method: &str, target: &str, body: Option<&Value>) -> Response {
        let mut headers = self.hmac_headers(method, target);
        if body.is_some() {
            headers.push(("Content-Type", "application/json".into()));
        }
        self.raw(method, target, &headers, &body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
    }

    /// An HMAC-signed `GET` in process.
    pub fn get(&self, target: &str) -> Response {
        self.signed("GET", target, None)
    }

    /// A request in process with `Authorization: TC-Token <token>` and a JSON body when given.
    pub fn with_token(&self, method: &str, target: &str, token: &str, body: Option<&Value>) -> Response {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, target, &[("Authorization", format!("TC-Token {}", token))], &body)
    }

    /// A new API token (`POST /api/v3/token/api` with HMAC); panics unless it is issued.
    pub fn token(&self) -> String {
        let r = self.signed("POST", "/api/v3/token/api", None);
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["status"], "Success", "{j}");
        j["data"].as_str().expect("a token").to_string()
    }

    /// The request log (`GET /_sandbox/requests`): `{method, path, rawPath, query, status, startMs, endMs}`.
    pub fn requests(&self) -> Vec<Value> {
        self.server().requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.server().clear_requests()
    }

    /// Sets faults (as `POST /_sandbox/faults`); panics when the configuration is refused.
    pub fn faults(&self, faults: Value) {
        let shown = faults.to_string();
        self.server().set_faults(faults).unwrap_or_else(|e| panic!("faults {shown}: {e}"))
    }

    /// No more faults: the starting latency, no rules, v3 on (as `DELETE /_sandbox/faults`).
    pub fn clear_faults(&self) {
        self.server().clear_faults()
    }

    /// What the requests so far changed: `"METHOD /path"` for every request but reads, from the
    /// request log. `GET`s are reads, and so is every `POST` under `/api/v2/exchange/db/`
    /// (datastore searches are POSTs with `DB-Method: GET`; the log does not hold that header,
    /// so datastore writes are not counted either).
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r["method"] != "GET" && !(r["method"] == "POST" && r["path"].as_str().unwrap_or("").starts_with("/api/v2/exchange/db/")))
            .map(|r| format!("{} {}", r["method"].as_str().unwrap_or(""), r["path"].as_str().unwrap_or("")))
            .collect()
    }

    /// Stops the server (its threads joined, its database closed); the database stays for
    /// [`Sandbox::restart`]. Requests in process panic until then.
    pub fn stop(&mut self) {
        self.server = None;
    }

    /// Starts the server again on the same database (stopping it first if it runs): state
    /// written so far is there. On the same port when it is free, so [`Sandbox::origin`] may change.
    pub fn restart(&mut self) {
        self.start_again(false);
    }

    /// Starts the server again with its database wiped and seeded anew (`--reset`).
    pub fn reset(&mut self) {
        self.start_again(true);
    }

    fn start_again(&mut self, reset: bool) {
        self.stop();
        let mut options = Options { listen: format!("127.0.0.1:{}", self.port), reset, ..self.options.clone() };
        let server = match Server::start(&options) {
            Err(tc_sandbox::StartError::Bind { .. }) => {
                options.listen = "127.0.0.1:0".into();
                Server::start(&options)
            }
            other => other,
        }
        .unwrap_or_else(|e| panic!("the sandbox did not start again: {e}"));
        self.port = server.port();
        self.server = Some(server);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Asserts that a batch file (`level` "file") or one of its parts carries only the keys of the
/// share package format's allow-list, `tests/fixtures/share/batch-keys.json`, at every level;
/// `at` names where `v` is, for the message.
pub fn assert_batch_keys(v: &serde_json::Value, level: &str, at: &str) {
    let allow: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("share/batch-keys.json")).expect("batch-keys.json")).expect("batch-keys.json is JSON");
    let allowed = |level: &str| -> Vec<String> {
        allow[level]
            .as_array()
            .unwrap_or_else(|| panic!("batch-keys.json has no level {level}"))
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    let keys = allowed(level);
    for (k, x) in v.as_object().unwrap_or_else(|| panic!("{at} is not an object")) {
        assert!(keys.contains(k), "{at}.{k}: not a key of the format");
        let nested = level == "file" || matches!(k.as_str(), "attribute" | "tag" | "securityLabel" | "associatedGroups");
        if nested {
            for (i, e) in x.as_array().unwrap_or_else(|| panic!("{at}.{k} is not an array")).iter().enumerate() {
                assert_batch_keys(e, k, &format!("{at}.{k}[{i}]"));
            }
        }
    }
}

/// Reads one HTTP/1.1 request from a test server's connection: its target (path and query) and
/// its body (`Content-Length` bytes). `None` when the connection ends before a request line.
pub fn read_http_request(reader: &mut impl std::io::BufRead) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    Some((target, body))
}

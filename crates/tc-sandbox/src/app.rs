//! The application's shared state and the request and response every handler takes and gives:
//! `App` (options, the database, faults, the request log), `Req` (the request as routed) and `Resp`.

use crate::faults::Faults;
use crate::util::{err_body, now_ms, ApiErr, Rng};
use crate::Options;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct AppInner {
    pub cfg: Options,
    pub conn: Mutex<Connection>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<Value>>,
    pub token_rng: Mutex<Rng>,
    pub port: u16,
}

pub type App = Arc<AppInner>;

impl AppInner {
    pub fn new(cfg: Options, conn: Connection, port: u16) -> App {
        let faults = Faults::new(cfg.latency_ms, cfg.jitter_ms, cfg.fault_seed);
        let seed = now_ms() as u64 ^ ((std::process::id() as u64) << 32);
        Arc::new(AppInner {
            cfg,
            conn: Mutex::new(conn),
            faults: Mutex::new(faults),
            log: Mutex::new(Vec::new()),
            token_rng: Mutex::new(Rng(seed)),
            port,
        })
    }
    pub fn db(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn log(&self) -> MutexGuard<'_, Vec<Value>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// The request log (`GET /_sandbox/requests`).
    pub fn requests(&self) -> Vec<Value> {
        self.log().clone()
    }
    /// Empties the request log (`DELETE /_sandbox/requests`).
    pub fn clear_requests(&self) {
        self.log().clear();
    }
    /// The fault configuration as `GET /_sandbox/faults` shows it.
    pub fn describe_faults(&self) -> Value {
        self.faults().describe()
    }
    /// Configures faults (`POST /_sandbox/faults`); answers the new configuration.
    pub fn configure_faults(&self, v: &Value) -> Result<Value, String> {
        let mut f = self.faults();
        f.configure(v)?;
        Ok(f.describe())
    }
    /// Back to the command-line latency, no rules, v3 on (`DELETE /_sandbox/faults`).
    pub fn clear_faults(&self) {
        self.faults().clear(self.cfg.latency_ms, self.cfg.jitter_ms);
    }
}

pub struct Req {
    pub method: String,
    /// The path as routed: the raw path with its dot segments resolved (see
    /// `util::remove_dot_segments`), percent-encoding otherwise kept.
    pub path: String,
    /// The path exactly as received: what an HMAC signature covers.
    pub raw_path: String,
    /// Raw query as received (without '?').
    pub query: String,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn params_all(&self, name: &str) -> Vec<&str> {
        self.params.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
    pub fn flag(&self, name: &str) -> bool {
        self.param(name).map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(false)
    }
    pub fn json(&self) -> Result<Value, ApiErr> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.body).map_err(|e| ApiErr::new(400, format!("Invalid JSON in request body: {}", e)))
    }
    /// Path segments after `prefix`, percent-decoded one by one (so %2F stays inside its segment).
    pub fn segments(&self, prefix: &str) -> Vec<String> {
        let rest = self.path.strip_prefix(prefix).unwrap_or("");
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return vec![];
        }
        rest.trim_start_matches('/').split('/').map(|s| crate::util::pct_decode(s, false)).collect()
    }
}

pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn json(status: u16, v: Value) -> Resp {
        Resp { status, body: v.to_string().into_bytes(), headers: vec![] }
    }
    pub fn err(v3: bool, e: &ApiErr) -> Resp {
        Resp::json(e.status, err_body(v3, e))
    }
}

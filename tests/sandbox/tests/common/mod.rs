//! Test harness: starts a sandbox process on a free loopback port with its own database, and a raw HTTP client
//! (std TcpStream) so tests control the exact bytes of the request target.
#![allow(dead_code)]

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const ACCESS_ID: &str = "test-id";
pub const SECRET: &str = "test-secret";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn temp_db() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("tc-sandbox-test-{}-{}", std::process::id(), n));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("sandbox.db")
}

pub struct Sandbox {
    child: Child,
    pub port: u16,
    pub db: PathBuf,
    /// Remove the database folder on drop (false when the caller passed its own database).
    owns_db: bool,
}

impl Sandbox {
    pub fn start(extra: &[&str]) -> Sandbox {
        let mut sb = Sandbox::start_with_db(temp_db(), extra);
        sb.owns_db = true;
        sb
    }

    pub fn start_with_db(db: PathBuf, extra: &[&str]) -> Sandbox {
        let (child, port) = spawn(&db, extra, Stdio::null());
        Sandbox { child, port, db, owns_db: false }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn raw(&self, method: &str, target: &str, headers: &[(&str, String)], body: &[u8]) -> Resp {
        raw_request(self.port, method, target, headers, body)
    }

    /// HMAC-signed request over `target` exactly as given.
    pub fn hmac(&self, method: &str, target: &str, body: Option<&Value>) -> Resp {
        let ts = now_s().to_string();
        let h = hmac_headers(method, target, &ts, SECRET);
        let b = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut hs = h;
        if body.is_some() {
            hs.push(("Content-Type", "application/json".into()));
        }
        self.raw(method, target, &hs, &b)
    }

    pub fn get(&self, target: &str) -> Resp {
        self.hmac("GET", target, None)
    }

    pub fn with_token(&self, method: &str, target: &str, token: &str, body: Option<&Value>) -> Resp {
        let b = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, target, &[("Authorization", format!("TC-Token {}", token))], &b)
    }

    pub fn token(&self) -> String {
        let r = self.hmac("POST", "/api/v3/token/api", None);
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["status"], "Success");
        j["data"].as_str().expect("token").to_string()
    }

    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let b = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, path, &[], &b)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
        if !self.owns_db {
            return;
        }
        if let Some(dir) = self.db.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Starts the sandbox binary on a free loopback port; returns it once it said where it listens.
fn spawn(db: &std::path::Path, extra: &[&str], stderr: Stdio) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tc-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--access-id", ACCESS_ID, "--secret-key", SECRET, "--db"])
        .arg(db)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start tc-sandbox");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read listening line");
    let port = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    (child, port)
}

/// A sandbox whose stderr (the request log) the test reads: killed when dropped,
/// so a failing assertion leaves no process behind.
pub struct Logged {
    child: Child,
    pub port: u16,
    db: PathBuf,
}

impl Logged {
    pub fn start(extra: &[&str]) -> Logged {
        let db = temp_db();
        let (child, port) = spawn(&db, extra, Stdio::piped());
        Logged { child, port, db }
    }

    /// Stops the sandbox and returns everything it wrote to stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.db.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn sign(secret: &str, msg: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(msg.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn hmac_headers(method: &str, target: &str, ts: &str, secret: &str) -> Vec<(&'static str, String)> {
    let msg = match target.split_once('?') {
        Some((p, q)) => format!("{}?{}:{}:{}", p, q, method, ts),
        None => format!("{}:{}:{}", target, method, ts),
    };
    vec![("Authorization", format!("TC {}:{}", ACCESS_ID, sign(secret, &msg))), ("Timestamp", ts.to_string())]
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{:02X}", c));
        }
    }
    out
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({}): {}", e, self.text()))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn raw_request(port: u16, method: &str, target: &str, headers: &[(&str, String)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n", method, target, port, body.len());
    for (k, v) in headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = vec![];
    let _ = s.read_to_end(&mut buf);
    let pos = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no header end: {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..pos]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = buf[pos + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = vec![];
        let mut rest = &body[..];
        while let Some(p) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&rest[..p]).trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[p + 2..p + 2 + n]);
            rest = &rest[p + 2 + n + 2..];
        }
        body = out;
    } else if let Some(cl) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        let n: usize = cl.1.parse().unwrap_or(body.len());
        body.truncate(n);
    }
    Resp { status, headers, body }
}

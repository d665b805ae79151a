//! What the sandbox's own tests add to `pivot-testing`: a raw HTTP/1.1 client over a TCP socket
//! (the bytes of the request target exactly as given, for the tests that need the real server),
//! the `tc-sandbox` binary as a process (for its stderr and exit codes), and percent-encoding.
#![allow(dead_code)] // each module uses its own part

pub use pivot_testing::{now_s, Response, Sandbox, Seed};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// HMAC headers for `target` as `sb`'s API user at `ts`, with `secret` (the right one or not).
pub fn signed_with(sb: &Sandbox, method: &str, target: &str, ts: i64, secret: &str) -> Vec<(&'static str, String)> {
    pivot_testing::hmac_headers(sb.access_id(), secret, method, target, ts)
}

/// Every byte but unreserved characters percent-encoded.
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

/// An HMAC-signed request to `sb` over TCP (a JSON body when given), the target as given.
pub fn tcp_signed(sb: &Sandbox, method: &str, target: &str, body: Option<&Value>) -> Response {
    let mut headers = sb.hmac_headers(method, target);
    if body.is_some() {
        headers.push(("Content-Type", "application/json".into()));
    }
    tcp(sb.port(), method, target, &headers, &body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
}

/// An HMAC-signed `GET` over TCP.
pub fn tcp_get(sb: &Sandbox, target: &str) -> Response {
    tcp_signed(sb, "GET", target, None)
}

/// One request over a new TCP connection (`Connection: close`), written byte for byte:
/// no client normalises the target first. The answer's body is de-chunked.
pub fn tcp(port: u16, method: &str, target: &str, headers: &[(&str, String)], body: &[u8]) -> Response {
    let mut head = format!("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n", method, target, port, body.len());
    for (k, v) in headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    tcp_bytes(port, &bytes)
}

/// Sends `request` as it is (well-formed or not) and reads the answer until the server closes.
pub fn tcp_bytes(port: u16, request: &[u8]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = vec![];
    let _ = s.read_to_end(&mut buf);
    let pos = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no header end: {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..pos]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
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
    Response { status, headers, body }
}

/// The `tc-sandbox` binary as a process, with its stderr (the request log) piped to the
/// test; killed when dropped, so a failing assertion leaves no process behind.
pub struct Process {
    child: Child,
    /// The port from its `listening on` line.
    pub port: u16,
    dir: PathBuf,
}

/// Credentials of the sandboxes started as processes.
pub const PROCESS_ID: &str = "test-id";
/// See [`PROCESS_ID`].
pub const PROCESS_SECRET: &str = "test-secret";

impl Process {
    /// Starts the binary on a free loopback port over a database in a new temporary folder.
    pub fn start(extra: &[&str]) -> Process {
        let dir = std::env::temp_dir().join(format!("tc-sandbox-it-{}-{}", std::process::id(), next()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (child, port) = spawn(&dir.join("sandbox.db"), extra);
        Process { child, port, dir }
    }

    /// Its database file.
    pub fn db(&self) -> PathBuf {
        self.dir.join("sandbox.db")
    }

    /// Kills it (no chance to close anything) and starts it again on the same database.
    pub fn kill_and_start_again(&mut self, extra: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, port) = spawn(&self.db(), extra);
        self.child = child;
        self.port = port;
    }

    /// HMAC headers for `target` now, with the process's credentials.
    pub fn hmac_headers(&self, method: &str, target: &str) -> Vec<(&'static str, String)> {
        pivot_testing::hmac_headers(PROCESS_ID, PROCESS_SECRET, method, target, now_s())
    }

    /// An HMAC-signed `GET` over TCP.
    pub fn get(&self, target: &str) -> Response {
        tcp(self.port, "GET", target, &self.hmac_headers("GET", target), b"")
    }

    /// Stops it and returns everything it wrote to stderr.
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

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn next() -> usize {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

/// Starts the sandbox binary on a free loopback port; returns it once it said where it listens.
fn spawn(db: &Path, extra: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tc-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--access-id", PROCESS_ID, "--secret-key", PROCESS_SECRET, "--db"])
        .arg(db)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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

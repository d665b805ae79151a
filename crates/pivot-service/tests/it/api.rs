//! ThreatConnect's API as the service reaches it: a sandbox behind a small HTTP front that
//! records every request it passes on (method, target, headers), so a test sees exactly
//! which credential the service sent; `down` makes it drop connections unanswered (the
//! API unreachable).

use pivot_testing::{Request, Sandbox, Seed};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub struct Api {
    pub sandbox: Arc<Sandbox>,
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub down: Arc<AtomicBool>,
    /// Answer every request with a body one byte over the service's 32 MiB limit.
    pub huge: Arc<AtomicBool>,
}

impl Api {
    pub fn start() -> Api {
        let sandbox = Arc::new(Sandbox::start(Seed::Demo));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let huge = Arc::new(AtomicBool::new(false));
        let (sb, sn, dn, hg) = (sandbox.clone(), seen.clone(), down.clone(), huge.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if dn.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let (sb, sn, hg) = (sb.clone(), sn.clone(), hg.clone());
                std::thread::spawn(move || {
                    let Ok(clone) = stream.try_clone() else { return };
                    let mut reader = BufReader::new(clone);
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let target = parts.next().unwrap_or("").to_string();
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some((n, v)) = h.trim_end().split_once(':') {
                            headers.push((n.trim().to_string(), v.trim().to_string()));
                        }
                    }
                    let len =
                        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0usize);
                    let mut body = vec![0; len];
                    let _ = reader.read_exact(&mut body);
                    sn.lock().unwrap_or_else(|e| e.into_inner()).push(Seen {
                        method: method.clone(),
                        target: target.clone(),
                        headers: headers.clone(),
                    });
                    let r = if hg.load(Ordering::SeqCst) {
                        pivot_testing::Response {
                            status: 200,
                            headers: vec![("Content-Type".into(), "application/json".into())],
                            body: vec![b' '; (32 << 20) + 1],
                        }
                    } else {
                        sb.handle(Request { method, target, headers, body })
                    };
                    let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\nContent-Length: {}\r\n", r.status, r.body.len());
                    for (n, v) in &r.headers {
                        if !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("connection") {
                            out.push_str(&format!("{n}: {v}\r\n"));
                        }
                    }
                    out.push_str("\r\n");
                    let _ = stream.write_all(out.as_bytes());
                    let _ = stream.write_all(&r.body);
                });
            }
        });
        Api { sandbox, port, seen, down, huge }
    }

    /// `tc_api_path` for the service.
    pub fn api_path(&self) -> String {
        format!("http://127.0.0.1:{}/api", self.port)
    }

    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

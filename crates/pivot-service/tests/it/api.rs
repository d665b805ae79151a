//! ThreatConnect's API as the service reaches it: a sandbox behind a small HTTP front that
//! records every request it passes on (method, target, headers), so a test sees exactly
//! which credential the service sent; `down` makes it drop connections unanswered (the
//! API unreachable). It also holds ThreatConnect's key-value API
//! (`/api/internal/playbooks/keyValue/<context>/<key>`, what tcex's `KeyValueApi` calls) over
//! `kv`; and [`Proxy`] is a forward proxy before it that records what passed through it.

use crate::harness::{percent_decode, read_request, RawRequest};
use pivot_testing::{Request, Sandbox, Seed};
use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// ThreatConnect's key-value store as its API serves it: (context, key) -> bytes.
pub type KvMap = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

/// The key-value API's answer, when `target` names it.
fn key_value_api(kv: &KvMap, method: &str, target: &str, body: &[u8]) -> Option<pivot_testing::Response> {
    let rest = target.strip_prefix("/api/internal/playbooks/keyValue/")?;
    let (context, key) = rest.split_once('/')?;
    let id = (percent_decode(context), percent_decode(key));
    let mut map = kv.lock().unwrap_or_else(|e| e.into_inner());
    let (status, body) = match method {
        "GET" => match map.get(&id) {
            Some(v) => (200, v.clone()),
            None => (404, b"{}".to_vec()),
        },
        "PUT" => {
            map.insert(id, body.to_vec());
            (200, b"{}".to_vec())
        }
        _ => (405, b"{}".to_vec()),
    };
    Some(pivot_testing::Response { status, headers: vec![("Content-Type".into(), "application/octet-stream".into())], body })
}

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
    pub kv: KvMap,
}

impl Api {
    pub fn start() -> Api {
        let sandbox = Arc::new(Sandbox::start(Seed::Demo));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let huge = Arc::new(AtomicBool::new(false));
        let kv: KvMap = Arc::default();
        let (sb, sn, dn, hg, kvm) = (sandbox.clone(), seen.clone(), down.clone(), huge.clone(), kv.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if dn.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let (sb, sn, hg, kvm) = (sb.clone(), sn.clone(), hg.clone(), kvm.clone());
                std::thread::spawn(move || {
                    let Ok(clone) = stream.try_clone() else { return };
                    let Some(RawRequest { method, target, headers, body }) = read_request(&mut BufReader::new(clone)) else { return };
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
                    } else if let Some(r) = key_value_api(&kvm, &method, &target, &body) {
                        r
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
        Api { sandbox, port, seen, down, huge, kv }
    }

    /// `tc_api_path` for the service.
    pub fn api_path(&self) -> String {
        format!("http://127.0.0.1:{}/api", self.port)
    }

    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// What passed through the proxy: the request line's method and target, and its
/// `Proxy-Authorization`.
#[derive(Debug, Clone)]
pub struct Passed {
    pub method: String,
    pub target: String,
    pub proxy_authorization: Option<String>,
}

/// A forward proxy as a ThreatConnect instance's would be: absolute-form requests for
/// `http://<host>:<port>/...`, where `host` is a name only the proxy knows (it sends them to
/// 127.0.0.1), each required to carry `Proxy-Authorization: Basic <credentials>` (else 407);
/// what passed is recorded. CONNECT is recorded and refused (no https API here).
pub struct Proxy {
    pub port: u16,
    pub passed: Arc<Mutex<Vec<Passed>>>,
}

impl Proxy {
    pub fn start(host: &str, basic: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let passed: Arc<Mutex<Vec<Passed>>> = Arc::default();
        let (known, expected, seen) = (format!("http://{host}:"), format!("Basic {basic}"), passed.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (known, expected, seen) = (known.clone(), expected.clone(), seen.clone());
                std::thread::spawn(move || {
                    let mut client = stream;
                    let Ok(clone) = client.try_clone() else { return };
                    // One request a connection: the API's answers close it.
                    {
                        let Some(request) = read_request(&mut BufReader::new(clone)) else { return };
                        let auth = request.header("proxy-authorization");
                        let RawRequest { method, target, headers, body } = request;
                        seen.lock().unwrap_or_else(|e| e.into_inner()).push(Passed {
                            method: method.clone(),
                            target: target.clone(),
                            proxy_authorization: auth.clone(),
                        });
                        let refuse = |client: &mut std::net::TcpStream, status: &str| {
                            let _ = client.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
                        };
                        if auth.as_deref().map(|a| a.replacen("basic ", "Basic ", 1)) != Some(expected.clone()) {
                            return refuse(&mut client, "407 Proxy Authentication Required");
                        }
                        let Some(rest) = target.strip_prefix(&known) else { return refuse(&mut client, "502 Bad Gateway") };
                        let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                        let Ok(mut upstream) = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap_or(0))) else {
                            return refuse(&mut client, "502 Bad Gateway");
                        };
                        let mut out = format!("{method} {path} HTTP/1.1\r\n");
                        for (n, v) in &headers {
                            if !n.eq_ignore_ascii_case("proxy-authorization") && !n.eq_ignore_ascii_case("proxy-connection") {
                                out.push_str(&format!("{n}: {v}\r\n"));
                            }
                        }
                        out.push_str("\r\n");
                        if upstream.write_all(out.as_bytes()).and_then(|_| upstream.write_all(&body)).is_err() {
                            return refuse(&mut client, "502 Bad Gateway");
                        }
                        // The API answers with Connection: close: its whole answer, then this
                        // connection ends too.
                        let mut answer = Vec::new();
                        let _ = upstream.read_to_end(&mut answer);
                        let _ = client.write_all(&answer);
                    }
                });
            }
        });
        Proxy { port, passed }
    }

    pub fn take(&self) -> Vec<Passed> {
        std::mem::take(&mut *self.passed.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

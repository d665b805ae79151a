//! HTTP/1.1 on a TcpListener: one thread per connection, keep-alive, bodies
//! by Content-Length or chunked. The request head is parsed by `httparse`.
//!
//! Why not tiny_http (used before): in probes one request of a panel's burst
//! reached the sandbox a whole latency after its siblings, and tiny_http's
//! connection pool can queue a new connection behind a busy one (it counts a
//! woken thread as still idle). A raw-TCP burst test did not reproduce that,
//! so the cause is likely, not proven; a thread per connection has no such pool.
//! A panel's requests are a burst, and the tests measure that they overlap.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A request as received: target kept raw (percent-encoding included).
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// An idle keep-alive connection is closed after this long.
const IDLE: Duration = Duration::from_secs(30);

/// Accept connections forever; `handle` answers each request.
pub fn serve(listener: TcpListener, handle: impl Fn(Request) -> Response + Send + Sync + 'static) {
    let handle = std::sync::Arc::new(handle);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handle = handle.clone();
        std::thread::spawn(move || connection(stream, &*handle));
    }
}

fn connection(stream: TcpStream, handle: &dyn Fn(Request) -> Response) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(mut out) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let (request, keep_alive) = match read_request(&mut reader, &mut out) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(message) => {
                let body = format!(r#"{{"status":"Failure","message":"{message}"}}"#).into_bytes();
                let _ = write_response(&mut out, &Response { status: 400, headers: vec![], body }, false, false);
                return;
            }
        };
        let head_only = request.method == "HEAD";
        let response = handle(request);
        if write_response(&mut out, &response, keep_alive, head_only).is_err() || !keep_alive {
            return;
        }
    }
}

/// The next request on the connection; `None` when the client closed it.
fn read_request(reader: &mut BufReader<TcpStream>, out: &mut TcpStream) -> Result<Option<(Request, bool)>, &'static str> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.by_ref().take(MAX_HEAD as u64).read_until(b'\n', &mut line).map_err(|_| "Could not read the request")?;
        if n == 0 {
            return if head.is_empty() { Ok(None) } else { Err("The request ended early") };
        }
        if head.is_empty() && (line == b"\r\n" || line == b"\n") {
            continue; // stray blank lines between requests are allowed
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return Err("The request head is too large");
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err("Malformed request"),
    }
    let method = parsed.method.unwrap_or("GET").to_ascii_uppercase();
    let target = parsed.path.unwrap_or("/").to_owned();
    let http10 = parsed.version == Some(0);
    let headers: Vec<(String, String)> =
        parsed.headers.iter().map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned())).collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_ascii_lowercase());

    let connection = header("connection").unwrap_or_default();
    let keep_alive = if http10 { connection.contains("keep-alive") } else { !connection.contains("close") };
    if header("expect").is_some_and(|e| e == "100-continue") {
        let _ = out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        read_chunked(reader)?
    } else {
        let len: usize = match header("content-length") {
            Some(v) => v.trim().parse().map_err(|_| "Bad Content-Length")?,
            None => 0,
        };
        if len > super::server::MAX_BODY {
            return Err("The request body is too large");
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).map_err(|_| "The request body ended early")?;
        body
    };
    Ok(Some((Request { method, target, headers, body }, keep_alive)))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, &'static str> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|_| "Bad chunk")?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16).map_err(|_| "Bad chunk size")?;
        if body.len() + size > super::server::MAX_BODY {
            return Err("The request body is too large");
        }
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let mut t = String::new();
                if reader.read_line(&mut t).map_err(|_| "Bad chunk trailer")? == 0 || t.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).map_err(|_| "The request body ended early")?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).map_err(|_| "Bad chunk")?;
    }
}

fn write_response(out: &mut TcpStream, r: &Response, keep_alive: bool, head_only: bool) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (k, v) in &r.headers {
        // Header values come from the sandbox itself, but never let one split the head.
        if !k.contains(['\r', '\n', ':']) && !v.contains(['\r', '\n']) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n", r.body.len()));
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&r.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

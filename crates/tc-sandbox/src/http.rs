//! HTTP/1.1 on hyper (tokio): keep-alive, Content-Length and chunked bodies,
//! `Expect: 100-continue`, HEAD and malformed requests are hyper's business.
//! This module only turns hyper's request into the sandbox's [`Request`]
//! (target kept raw, percent-encoding included) and [`Response`] back.
//!
//! Each connection is a tokio task; the handler is async, so injected latency
//! is a timer, not a parked thread, and database work runs on tokio's blocking
//! pool (see server.rs). A panel's burst is therefore taken up at once on 2 cores.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The largest request body the sandbox takes.
pub(crate) const MAX_BODY: usize = 32 * 1024 * 1024;

/// A request as it arrives: the target kept raw (percent-encoding and dot segments included).
///
/// Over HTTP this is what hyper hands over; in process ([`crate::Server::handle`]) the caller builds it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The method as sent (the sandbox upper-cases it, as for a request over HTTP).
    pub method: String,
    /// The request target exactly as sent: `/path?query`, nothing resolved or decoded.
    pub target: String,
    /// The headers as sent (names are matched case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: &str, target: &str) -> Request {
        Request { method: method.into(), target: target.into(), headers: vec![], body: vec![] }
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }
}

/// The sandbox's answer: what the HTTP server sends, without the headers hyper adds
/// itself (`content-length`, `date`).
#[derive(Clone, Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers (every one a valid HTTP header; `Content-Type` is always among them).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON; panics with the body when it is not JSON (for tests).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({}): {}", e, self.text()))
    }
}

/// A keep-alive connection that sends no next request head within this long is closed.
const IDLE: Duration = Duration::from_secs(30);

/// Accepts connections until `stop` turns true (or its sender is dropped); `handle` answers each request.
/// Connections still open then are dropped with the runtime.
pub(crate) async fn serve<F, Fut>(listener: tokio::net::TcpListener, mut stop: watch::Receiver<bool>, handle: F)
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let handle = Arc::new(handle);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors or a connection reset before accept: wait a little, go on.
                eprintln!("tc-sandbox: accept: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let handle = handle.clone();
                async move { Ok::<_, Infallible>(answer(&*handle, req).await) }
            });
            // A client that hangs up mid-request is not the sandbox's error.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(IDLE)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The answer to a body over [`MAX_BODY`] (413) or one that ended early (400), before any handling.
pub(crate) fn body_error(too_large: bool) -> Response {
    let (status, message) = if too_large { (413, "The request body is too large") } else { (400, "The request body ended early") };
    let body = serde_json::json!({"status": "Failure", "message": message}).to_string().into_bytes();
    finish(Response { status, headers: vec![], body })
}

async fn answer<F, Fut>(handle: &F, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>>
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let method = req.method().as_str().to_owned();
    // Origin form ("/path?query") as sent; absolute form keeps only its path and query.
    let target = req.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let headers = req.headers().iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => return to_hyper(body_error(e.is::<http_body_util::LengthLimitError>())),
    };
    to_hyper(handle(Request { method, target, headers, body }).await)
}

/// What every answer goes through, over HTTP and in process: a header that is not a valid
/// HTTP header is dropped (never sent raw), and `Content-Type` defaults to JSON.
pub(crate) fn finish(mut r: Response) -> Response {
    // Header values come from the sandbox itself (a stored file's Content-Type among them).
    r.headers.retain(|(k, v)| HeaderName::from_bytes(k.as_bytes()).is_ok() && HeaderValue::from_str(v).is_ok());
    if !r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(CONTENT_TYPE.as_str())) {
        r.headers.push(("Content-Type".into(), "application/json".into()));
    }
    r
}

fn to_hyper(r: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from(r.body)));
    *out.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in &r.headers {
        // Checked by `finish`.
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            out.headers_mut().append(k, v);
        }
    }
    out
}

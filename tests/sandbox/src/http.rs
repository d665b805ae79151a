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

/// A request as received: target kept raw (percent-encoding and dot segments included).
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

/// A keep-alive connection that sends no next request head within this long is closed.
const IDLE: Duration = Duration::from_secs(30);

/// Accept connections until the process ends; `handle` answers each request.
pub fn serve<F, Fut>(listener: std::net::TcpListener, handle: F) -> std::io::Result<()>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let handle = Arc::new(handle);
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let stream = match listener.accept().await {
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
    })
}

async fn answer<F, Fut>(handle: &F, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>>
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let method = req.method().as_str().to_ascii_uppercase();
    // Origin form ("/path?query") as sent; absolute form keeps only its path and query.
    let target = req.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = match Limited::new(req.into_body(), super::server::MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => {
            let (status, message) = if e.is::<http_body_util::LengthLimitError>() {
                (413, "The request body is too large")
            } else {
                (400, "The request body ended early")
            };
            let body = serde_json::json!({"status": "Failure", "message": message}).to_string().into_bytes();
            return to_hyper(Response { status, headers: vec![], body });
        }
    };
    to_hyper(handle(Request { method, target, headers, body }).await)
}

fn to_hyper(r: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from(r.body)));
    *out.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in &r.headers {
        // Header values come from the sandbox itself; one that is not a valid header is dropped, never sent raw.
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            out.headers_mut().append(k, v);
        }
    }
    if !out.headers().contains_key(CONTENT_TYPE) {
        out.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    out
}

//! Native transport (tests, the `pivot-share` command): blocking ureq on a
//! thread per request, answered through a oneshot channel, so requests joined
//! with `join_all` really run at the same time. Never compiled into the wasm.

use crate::client::Transport;
use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use futures::channel::oneshot;
use std::io::Read;
use std::time::Duration;

/// Sends to `origin` (`https://app.threatconnect.com`, `http://127.0.0.1:8080`).
#[derive(Clone)]
pub struct NativeTransport {
    origin: String,
    agent: ureq::Agent,
}

impl NativeTransport {
    /// Sends to `origin` with a 60-second timeout, following no redirect.
    pub fn new(origin: &str) -> Self {
        Self::with_timeout(origin, Duration::from_secs(60))
    }

    /// Sends to `origin` with this timeout, following no redirect.
    pub fn with_timeout(origin: &str, timeout: Duration) -> Self {
        // No redirects: one could take the request, and its credentials, to another host.
        let agent = ureq::AgentBuilder::new().timeout(timeout).redirects(0).build();
        NativeTransport { origin: origin.trim_end_matches('/').to_string(), agent }
    }

    /// Sends through `agent`, built by the caller (a CA bundle, a proxy: see
    /// `pivot-share`'s `net.rs`). It must not follow redirects, as [`Self::with_timeout`]'s does not.
    pub fn with_agent(origin: &str, agent: ureq::Agent) -> Self {
        NativeTransport { origin: origin.trim_end_matches('/').to_string(), agent }
    }

    fn blocking(agent: &ureq::Agent, url: &str, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut r = agent.request(req.method.as_str(), url);
        for (k, v) in &req.headers {
            r = r.set(k, v);
        }
        let result = match &req.body {
            Some(b) => r.send_bytes(b),
            None => r.call(),
        };
        let resp = match result {
            Ok(resp) => resp,
            // ureq treats 4xx/5xx as errors; for the client they are answers.
            Err(ureq::Error::Status(_, resp)) => resp,
            Err(ureq::Error::Transport(t)) => {
                let msg = t.to_string();
                let timed_out = matches!(t.kind(), ureq::ErrorKind::Io) && msg.to_ascii_lowercase().contains("timed out");
                return Err(if timed_out { TransportError::Timeout } else { TransportError::Network(msg) });
            }
        };
        let status = resp.status();
        let headers = resp.headers_names().into_iter().filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string()))).collect();
        let body = read_body(resp, req.response_limit)?;
        Ok(HttpResponse { status, headers, body })
    }
}

/// The body, counted while it arrives: refused unread when its `Content-Length` is over
/// `limit`, and as soon as byte `limit + 1` arrives otherwise (chunked, or until the
/// connection closes). ureq reads no further than a `Content-Length` it was given.
fn read_body(resp: ureq::Response, limit: u64) -> Result<Vec<u8>, TransportError> {
    let too_large = TransportError::TooLarge { limit };
    if resp.header("Content-Length").and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let mut body = Vec::new();
    resp.into_reader().take(limit.saturating_add(1)).read_to_end(&mut body).map_err(|e| TransportError::Network(e.to_string()))?;
    if body.len() as u64 > limit {
        return Err(too_large);
    }
    Ok(body)
}

impl Transport for NativeTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = format!("{}{}", self.origin, req.path_and_query());
        let agent = self.agent.clone();
        let (tx, rx) = oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(Self::blocking(&agent, &url, &req));
        });
        rx.await.unwrap_or(Err(TransportError::Network("request thread ended".into())))
    }

    async fn sleep(&self, ms: u32) {
        let (tx, rx) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms as u64));
            let _ = tx.send(());
        });
        let _ = rx.await;
    }
}

/// Epoch seconds from the system clock.
pub fn system_clock() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

//! What the unit tests of every resource share: a request as one line, its JSON body,
//! the items the documentation's examples use, and a scripted transport.

use crate::client::{Client, Transport};
use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::item::ItemRef;
use crate::types::{GroupType, IndicatorType};
use crate::Credentials;
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `METHOD /path?query`.
pub fn line(r: &HttpRequest) -> String {
    format!("{} {}", r.method.as_str(), r.path_and_query())
}

/// The request's JSON body.
pub fn body(r: &HttpRequest) -> Value {
    serde_json::from_slice(r.body.as_deref().expect("a body")).unwrap()
}

pub fn host() -> ItemRef {
    ItemRef::indicator(&IndicatorType::Host, "bad.example").unwrap()
}

pub fn url() -> ItemRef {
    ItemRef::indicator(&IndicatorType::Url, "http://bad.example/a?b=c#d%e+f").unwrap()
}

pub fn threat() -> ItemRef {
    ItemRef::group(GroupType::Threat, 12345)
}

/// A documented example of ThreatConnect's (`tests/fixtures/threatconnect-docs/<name>.json`):
/// its request line and response body.
pub fn documented(name: &str) -> (String, Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/threatconnect-docs").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap();
    (v["request"].as_str().unwrap_or_default().to_string(), v["response"].clone())
}

/// What a scripted transport answers: the request and its index among all the requests
/// sent so far (0-based), to an answer or a transport error.
type Script = Box<dyn Fn(&HttpRequest, usize) -> Result<HttpResponse, TransportError>>;

/// Answers every request with its script, recording what was sent and every wait. Each
/// send is pending once before it answers, so joined requests interleave like real I/O
/// (what token renewal single-flight and the panels' concurrent requests need).
pub struct Scripted {
    pub sent: RefCell<Vec<HttpRequest>>,
    /// Each `sleep` asked for (retry backoff, batch polling), in milliseconds.
    pub sleeps: RefCell<Vec<u32>>,
    script: Script,
}

impl Scripted {
    /// A transport answering `script(request, index)`.
    pub fn new(script: impl Fn(&HttpRequest, usize) -> Result<HttpResponse, TransportError> + 'static) -> Self {
        Scripted { sent: RefCell::new(Vec::new()), sleeps: RefCell::new(Vec::new()), script: Box::new(script) }
    }
    /// A client (token `t`, no expiry, clock at 1000) over a transport answering `answer(request)`.
    pub fn client(answer: impl Fn(&HttpRequest) -> HttpResponse + 'static) -> Client<Scripted> {
        Scripted::new(move |r, _| Ok(answer(r))).token_client("t", None, 1_000)
    }
    /// A client over this transport with the token `token` expiring at `expires`, its clock
    /// standing at `now`.
    pub fn token_client(self, token: &str, expires: Option<u64>, now: u64) -> Client<Scripted> {
        Client::new(self, "/api", Credentials::token(token, expires), Box::new(move || now))
    }
    /// Each request sent, as one line.
    pub fn lines(&self) -> Vec<String> {
        self.sent.borrow().iter().map(line).collect()
    }
}

impl Transport for Scripted {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = {
            let mut sent = self.sent.borrow_mut();
            sent.push(req.clone());
            sent.len() - 1
        };
        YieldOnce(false).await;
        (self.script)(&req, n)
    }
    async fn sleep(&self, ms: u32) {
        self.sleeps.borrow_mut().push(ms);
    }
}

/// Pending once, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A 200 answer with this body.
pub fn ok(body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::new(200, body))
}

pub fn run<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

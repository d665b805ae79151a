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

/// Answers every request with `answer(request)`, recording what was sent.
pub struct Scripted {
    pub sent: RefCell<Vec<HttpRequest>>,
    answer: Box<dyn Fn(&HttpRequest) -> HttpResponse>,
}

impl Scripted {
    pub fn client(answer: impl Fn(&HttpRequest) -> HttpResponse + 'static) -> Client<Scripted> {
        let t = Scripted { sent: RefCell::new(Vec::new()), answer: Box::new(answer) };
        Client::new(t, "/api", Credentials::token("t", None), Box::new(|| 1_000))
    }
    /// Each request sent, as one line.
    pub fn lines(&self) -> Vec<String> {
        self.sent.borrow().iter().map(line).collect()
    }
}

impl Transport for Scripted {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let resp = (self.answer)(&req);
        self.sent.borrow_mut().push(req);
        Ok(resp)
    }
    async fn sleep(&self, _ms: u32) {}
}

pub fn run<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

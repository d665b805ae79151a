//! Browser transport (gloo-net 0.6 over `fetch`). Cancelling is dropping the
//! future: an [`AbortController`] per request is aborted when the request's
//! future is dropped before it finished (a Leptos resource cleaned up).
//!
//! The `web_sys::Request` is built here rather than with gloo's builder: that
//! builder re-sets the URL's query and appends a `&` to it, so the query sent
//! would differ from the query signed. (`Request`, `RequestInit`, `Headers` are
//! web-sys features that gloo-net's `http` feature turns on.)

use crate::auth::Credentials;
use crate::client::{Client, Transport};
use crate::error::TransportError;
use crate::http::{split_api_url, HttpRequest, HttpResponse};
use wasm_bindgen::JsValue;
use web_sys::AbortController;

/// Sends to `origin` (empty: same origin, as inside ThreatConnect).
#[derive(Clone, Debug)]
pub struct BrowserTransport {
    origin: String,
    timeout_ms: u32,
}

/// How long a request may take before it is aborted as a timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;

impl BrowserTransport {
    /// Sends to `origin` (empty: the page's own).
    pub fn new(origin: &str) -> Self {
        BrowserTransport { origin: origin.trim_end_matches('/').to_string(), timeout_ms: DEFAULT_TIMEOUT_MS }
    }

    /// Aborts a request that takes longer than `ms` as a timeout.
    pub fn with_timeout(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }

    async fn fetch(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        struct AbortOnDrop(Option<AbortController>);

        impl Drop for AbortOnDrop {
            fn drop(&mut self) {
                if let Some(c) = self.0.take() {
                    c.abort();
                }
            }
        }

        fn js_err(e: JsValue) -> TransportError {
            TransportError::Network(e.as_string().unwrap_or_else(|| format!("{e:?}")))
        }

        let url = format!("{}{}", self.origin, req.path_and_query());
        let controller = AbortController::new().map_err(js_err)?;
        let mut guard = AbortOnDrop(Some(controller.clone()));
        let init = web_sys::RequestInit::new();
        init.set_method(req.method.as_str());
        let headers = web_sys::Headers::new().map_err(js_err)?;
        for (k, v) in &req.headers {
            headers.append(k, v).map_err(js_err)?;
        }
        init.set_headers(&headers);
        if let Some(body) = &req.body {
            init.set_body(&js_sys::Uint8Array::from(body.as_slice()));
        }
        init.set_signal(Some(&controller.signal()));
        // A redirect could take the request (and its token) to another origin: never follow one.
        init.set_redirect(web_sys::RequestRedirect::Error);
        let raw = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_err)?;
        let result = gloo_net::http::Request::from(raw).send().await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                guard.0 = None;
                return Err(if controller.signal().aborted() { TransportError::Aborted } else { TransportError::Network(e.to_string()) });
            }
        };
        // gloo-net: a non-2xx answer is not an error; the client reads the status.
        let status = resp.status();
        let headers: Vec<(String, String)> = resp.headers().entries().collect();
        // Refused unread when the answer says it is over the limit, and otherwise counted
        // chunk by chunk as it streams: refused at the first chunk past the limit (returning
        // drops the guard, which aborts the download).
        let limit = req.response_limit;
        let declared = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("Content-Length")).and_then(|(_, v)| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(TransportError::TooLarge { limit });
        }
        let body = match resp.body() {
            Some(stream) => read_counted(&stream, limit).await?,
            None => Vec::new(),
        };
        guard.0 = None;
        Ok(HttpResponse { status, headers, body })
    }
}

/// A body read from its stream, counted as it arrives: [`TransportError::TooLarge`] at the
/// first chunk that takes it past `limit` bytes (the stream is cancelled; what came is dropped).
pub async fn read_counted(stream: &web_sys::ReadableStream, limit: u64) -> Result<Vec<u8>, TransportError> {
    use wasm_bindgen::JsCast;
    let failed = |e: JsValue| TransportError::Network(e.as_string().unwrap_or_else(|| "the answer's body could not be read".into()));
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await.map_err(failed)?;
        if js_sys::Reflect::get(&chunk, &"done".into()).map_err(failed)?.is_truthy() {
            return Ok(body);
        }
        let value: js_sys::Uint8Array = js_sys::Reflect::get(&chunk, &"value".into()).map_err(failed)?.unchecked_into();
        let start = body.len();
        if start as u64 + u64::from(value.length()) > limit {
            let _ = reader.cancel();
            return Err(TransportError::TooLarge { limit });
        }
        body.resize(start + value.length() as usize, 0);
        value.copy_to(&mut body[start..]);
    }
}

impl Transport for BrowserTransport {
    /// The fetch, raced against the timeout; losing the race drops (and so aborts) it.
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let fetch = std::pin::pin!(self.fetch(req));
        let timer = std::pin::pin!(self.sleep(self.timeout_ms));
        match futures::future::select(fetch, timer).await {
            futures::future::Either::Left((answer, _)) => answer,
            futures::future::Either::Right(_) => Err(TransportError::Timeout),
        }
    }

    async fn sleep(&self, ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.min(i32::MAX as u32) as i32);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Epoch seconds from the browser clock.
pub fn browser_clock() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// The client a Spaces app uses: `tcApiPath` and the token from the query string.
pub fn spaces_client(tc_api_path: &str, token: &str, token_expires: Option<u64>) -> Client<BrowserTransport> {
    let (origin, api_path) = split_api_url(tc_api_path);
    Client::new(BrowserTransport::new(&origin), &api_path, Credentials::token(token, token_expires), Box::new(browser_clock))
}

/// The client of a page served by Pivot's API Service: the API under the service's path
/// (`/api/services/<displayPath>/v<major>/api`) on the page's own origin, no token.
pub fn service_client(api_path: &str) -> Client<BrowserTransport> {
    Client::new(BrowserTransport::new(""), api_path, Credentials::Service, Box::new(browser_clock))
}

//! The client: signs, sends through a [`Transport`], renews the token, retries
//! what may be retried, and decodes. Futures are not `Send` (browser).

use crate::auth::Credentials;
use crate::decode::{self, json_body, Page, Reader};
use crate::error::{Error, TransportError};
use crate::http::{HttpRequest, HttpResponse};
use crate::retry::{Outcome, RetryPolicy};
use futures::channel::oneshot;
use serde_json::Value;
use std::cell::{Cell, RefCell};

/// Moves bytes. Any HTTP answer, whatever its status, is `Ok`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends a request whose `path` already carries the API prefix.
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits (backoff between retries, batch polling).
    async fn sleep(&self, ms: u32);
}

/// Renew a token this many seconds before it expires (as tcex does).
pub const RENEW_AHEAD_SECS: u64 = 600;

enum Renewal {
    Idle,
    /// A renewal is running; these wait for its outcome.
    Running(Vec<oneshot::Sender<Result<(), Error>>>),
}

/// What [`Client::on_token_renewed`] calls: the new token and its expiry.
type OnRenewed = Box<dyn Fn(&str, Option<u64>)>;

/// A ThreatConnect API client over a transport.
pub struct Client<T: Transport> {
    transport: T,
    api_path: String,
    credentials: RefCell<Credentials>,
    clock: Box<dyn Fn() -> u64>,
    retry: RetryPolicy,
    renewal: RefCell<Renewal>,
    seed: Cell<u32>,
    /// Learnt from a panel: v3 answered 404/400 where v2 had the item, so
    /// this instance has no v3 and later panels go to v2 at once.
    v3_missing: Cell<bool>,
    /// Told the new token after each renewal (the Spaces launch kept in the tab's storage).
    on_renewed: RefCell<Option<OnRenewed>>,
}

/// Puts the renewal state back to idle if the renewing future is dropped
/// midway, so waiters are released (their receivers see cancellation).
struct RenewalGuard<'a>(&'a RefCell<Renewal>);

impl Drop for RenewalGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut r) = self.0.try_borrow_mut() {
            *r = Renewal::Idle;
        }
    }
}

impl<T: Transport> Client<T> {
    /// `api_path` is the path part of `tcApiPath` (usually `/api`, see
    /// [`crate::http::split_api_url`]); `clock` gives epoch seconds.
    pub fn new(transport: T, api_path: &str, credentials: Credentials, clock: Box<dyn Fn() -> u64>) -> Self {
        let seed = (clock() as u32) | 1;
        Client {
            transport,
            api_path: api_path.trim_end_matches('/').to_string(),
            credentials: RefCell::new(credentials),
            clock,
            retry: RetryPolicy::default(),
            renewal: RefCell::new(Renewal::Idle),
            seed: Cell::new(seed),
            v3_missing: Cell::new(false),
            on_renewed: RefCell::new(None),
        }
    }

    /// Calls `f` with the new token and its expiry after every renewal, so what keeps
    /// the launch (the tab's storage) never holds an expired token.
    pub fn on_token_renewed(&self, f: impl Fn(&str, Option<u64>) + 'static) {
        *self.on_renewed.borrow_mut() = Some(Box::new(f));
    }

    /// Whether a panel found this instance without v3 (see [`crate::panels`]).
    pub fn v3_missing(&self) -> bool {
        self.v3_missing.get()
    }

    /// Remember that this instance has no v3 (a panel learnt it, or the app's tab did
    /// before): later panels go to v2 at once.
    pub fn set_v3_missing(&self) {
        self.v3_missing.set(true);
    }

    /// The client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The transport (for its `sleep`, or a test's records).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The API path every request is prefixed with (`/api`).
    pub fn api_path(&self) -> &str {
        &self.api_path
    }

    /// Epoch seconds, by the client's clock.
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// The current credentials (the token changes on renewal).
    pub fn credentials(&self) -> Credentials {
        self.credentials.borrow().clone()
    }

    fn jitter(&self) -> u32 {
        // xorshift32: jitter needs spread, not cryptographic quality.
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.seed.set(x);
        x
    }

    /// The request as sent: API prefix, auth headers signed over exactly the sent path and query.
    pub fn prepare(&self, req: &HttpRequest) -> HttpRequest {
        let mut r = req.clone();
        if !r.path.starts_with(&self.api_path) || self.api_path.is_empty() {
            r.path = format!("{}{}", self.api_path, r.path);
        }
        let ts = (self.clock)();
        let auth = self.credentials.borrow().headers(r.method.as_str(), &r.path_and_query(), ts);
        r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("Authorization") && !k.eq_ignore_ascii_case("Timestamp"));
        r.headers.extend(auth);
        r
    }

    fn current_token(&self) -> Option<(String, Option<u64>)> {
        match &*self.credentials.borrow() {
            Credentials::Token { token, expires } => Some((token.clone(), *expires)),
            Credentials::Service => None,
            #[cfg(feature = "hmac-auth")]
            Credentials::Hmac { .. } => None,
        }
    }

    /// Sends with renewal and retries; any HTTP status comes back as a response.
    /// A request whose path would not name the resource it was built for (a value
    /// such as `..` in a segment) is refused here, for every builder, before anything leaves.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, Error> {
        if let Some(segment) = req.unsafe_segment() {
            return Err(Error::UnsafePath { segment: crate::http::decode_component(segment) });
        }
        // Renew ahead of expiry; if that fails while the token is still valid, carry on with it.
        if let Some((token, Some(expires))) = self.current_token() {
            let now = (self.clock)();
            if now + RENEW_AHEAD_SECS >= expires {
                let r = self.renew(&token).await;
                if r.is_err() && now >= expires {
                    return Err(Error::SessionExpired);
                }
            }
        }
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            let sent_token = self.current_token().map(|t| t.0);
            let result = self.transport.send(self.prepare(&req)).await;
            if let (Ok(resp), Some(token)) = (&result, &sent_token) {
                if resp.status == 401 {
                    if renewed {
                        return Err(Error::SessionExpired);
                    }
                    renewed = true;
                    self.renew(token).await?;
                    continue;
                }
            }
            let outcome = match &result {
                Ok(resp) => Outcome::Status(resp.status, resp.header("Retry-After")),
                Err(TransportError::Aborted) => return Err(Error::Aborted),
                // Asking again would bring the same answer.
                Err(TransportError::TooLarge { limit }) => return Err(Error::TooLarge { limit: *limit }),
                Err(_) => Outcome::NoAnswer,
            };
            let now = (self.clock)();
            match self.retry.delay_ms(req.is_idempotent(), attempt, outcome, self.jitter(), now) {
                Some(ms) => {
                    self.transport.sleep(ms).await;
                    attempt += 1;
                }
                None => return result.map_err(Error::from),
            }
        }
    }

    /// Renews the token that `expired` names, once for all concurrent callers:
    /// the first caller asks ThreatConnect, the others wait for its answer. A
    /// caller whose token was already replaced returns at once.
    pub async fn renew(&self, expired: &str) -> Result<(), Error> {
        loop {
            let waiter = {
                if self.current_token().map(|t| t.0).as_deref() != Some(expired) {
                    return Ok(());
                }
                let mut state = self.renewal.borrow_mut();
                match &mut *state {
                    Renewal::Running(waiters) => {
                        let (tx, rx) = oneshot::channel();
                        waiters.push(tx);
                        Some(rx)
                    }
                    Renewal::Idle => {
                        *state = Renewal::Running(Vec::new());
                        None
                    }
                }
            };
            match waiter {
                Some(rx) => match rx.await {
                    Ok(result) => return result,
                    // The renewing caller was cancelled: try again (maybe as the leader).
                    Err(_) => continue,
                },
                None => break,
            }
        }
        let guard = RenewalGuard(&self.renewal);
        let result = self.renew_now(expired).await;
        let waiters = match std::mem::replace(&mut *self.renewal.borrow_mut(), Renewal::Idle) {
            Renewal::Running(w) => w,
            Renewal::Idle => Vec::new(),
        };
        drop(guard);
        for w in waiters {
            let _ = w.send(result.clone());
        }
        result
    }

    async fn renew_now(&self, expired: &str) -> Result<(), Error> {
        // `{tcApiPath}/appAuth`, then `{tcApiPath without /api}/appAuth` (sources disagree).
        let mut bases = vec![self.api_path.clone()];
        if let Some(stripped) = self.api_path.strip_suffix("/api") {
            bases.push(stripped.to_string());
        }
        for base in bases {
            let req = HttpRequest::get(format!("{base}/appAuth")).query("expiredToken", expired);
            // A renewal that could not reach ThreatConnect says so (the session may still be fine),
            // without the token: a transport's message can quote the URL, and this one's query
            // holds it.
            let resp = self.transport.send(req).await.map_err(|e| Error::from(without_secret(e, expired)))?;
            if resp.status == 404 {
                continue;
            }
            let body: Value = match json_body(&resp) {
                Ok(b) => b,
                Err(_) => return Err(Error::SessionExpired),
            };
            let ok = body.get("success").and_then(crate::decode::as_bool).unwrap_or(false);
            let token = body.get("apiToken").and_then(Value::as_str).filter(|t| !t.is_empty());
            return match (ok, token) {
                (true, Some(t)) => {
                    let expires = body.get("apiTokenExpires").and_then(crate::decode::as_i64).map(|e| {
                        // Some instances send milliseconds.
                        let e = e.max(0) as u64;
                        if e > 100_000_000_000 {
                            e / 1000
                        } else {
                            e
                        }
                    });
                    *self.credentials.borrow_mut() = Credentials::Token { token: t.to_string(), expires };
                    if let Some(f) = &*self.on_renewed.borrow() {
                        f(t, expires);
                    }
                    Ok(())
                }
                _ => Err(Error::SessionExpired),
            };
        }
        Err(Error::SessionExpired)
    }

    /// Sends and parses JSON; non-2xx answers become [`Error::Http`] with the server's message.
    pub async fn json(&self, req: HttpRequest) -> Result<Value, Error> {
        let resp = self.send(req).await?;
        json_body(&resp)
    }

    /// Sends and returns the body bytes of a 2xx answer (downloads).
    pub async fn bytes(&self, req: HttpRequest) -> Result<Vec<u8>, Error> {
        let resp = self.send(req).await?;
        if !resp.is_success() {
            return Err(crate::error::http_error(resp.status, &resp.body));
        }
        Ok(resp.body)
    }

    /// A v2 write or delete answered with `{"status":"Success"}`.
    pub async fn v2_ok(&self, req: HttpRequest) -> Result<(), Error> {
        decode::v2_ok(&self.json(req).await?)
    }

    /// A v2 single item under `key` (see [`decode::v2_one`]).
    pub async fn v2_one<M>(&self, req: HttpRequest, key: &str, read: Reader<M>) -> Result<M, Error> {
        decode::v2_one(&self.json(req).await?, key, read)
    }

    /// One page of a v2 list under `key` (see [`decode::v2_list`]).
    pub async fn v2_list<M>(&self, req: HttpRequest, key: &str, read: Reader<M>) -> Result<Page<M>, Error> {
        decode::v2_list(&self.json(req).await?, key, read)
    }

    /// A v3 single item (see [`decode::v3_one`]).
    pub async fn v3_one<M>(&self, req: HttpRequest, read: Reader<M>) -> Result<M, Error> {
        decode::v3_one(&self.json(req).await?, read)
    }

    /// One page of a v3 list (see [`decode::v3_list`]).
    pub async fn v3_list<M>(&self, req: HttpRequest, read: Reader<M>) -> Result<Page<M>, Error> {
        decode::v3_list(&self.json(req).await?, read)
    }
}

/// `e` with `secret` (as sent, percent-encoded, and raw) replaced by `<redacted>`.
fn without_secret(e: TransportError, secret: &str) -> TransportError {
    match e {
        TransportError::Network(m) if !secret.is_empty() => {
            let m = replace_all(&replace_all(&m, &crate::http::encode_component(secret)), secret);
            TransportError::Network(m)
        }
        other => other,
    }
}

/// `text` with every `needle` replaced by `<redacted>`. A plain byte scan rather than
/// `str::replace`, whose substring search costs the first load 0.3 KB gzip.
fn replace_all(text: &str, needle: &str) -> String {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if !n.is_empty() && t[i..].starts_with(n) {
            out.extend_from_slice(crate::http::REDACTED.as_bytes());
            i += n.len();
        } else {
            out.push(t[i]);
            i += 1;
        }
    }
    // Only whole UTF-8 needles are cut out, so what is left is still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests;

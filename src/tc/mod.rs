//! ThreatConnect client (sans-IO): requests are built and responses decoded by
//! pure functions; a `Transport` moves the bytes.
//!
//! - [`request`]: `HttpRequest`/`HttpResponse`, the one query encoder, path segments.
//! - [`auth`]: `Credentials` (token, HMAC) -> headers; signed string = sent path and query.
//! - [`v2`], [`v3`]: pure request builders for every resource (paths below the API root).
//! - [`json`], [`model`], [`envelope`]: lenient hand-written readers over `serde_json::Value`
//!   into typed models that keep the source object in `raw`; v2/v3 envelopes.
//! - [`error`]: the one `Error` enum, worded for analysts.
//! - [`retry`]: the retry policy as a pure function.
//! - [`client`]: `Client<T: Transport>`: prefix, sign, send, renew the token
//!   (ahead of expiry and once on 401, single-flight), retry GETs, decode; `Pager`.
//! - [`panel`]: `load_indicator_panel`, `load_group_panel` (v3 first, concurrent v2 fallback), searches.
//! - [`batch`]: `run_batch` (create, upload, poll with backoff, errors).
//! - `browser` (feature `ui`): gloo-net transport, abort on drop; `native` (feature `native`): ureq on threads.

pub mod auth;
pub mod batch;
pub mod calls;
pub mod client;
pub mod envelope;
pub mod error;
pub mod json;
pub mod model;
pub mod panel;
pub mod request;
pub mod retry;
pub mod types;
pub mod v2;
pub mod v3;

#[cfg(feature = "native")]
pub mod native;
// Compiles wherever `ui` does (the app type-checks natively too); it only works in a browser.
#[cfg(feature = "ui")]
pub mod browser;

pub use auth::Credentials;
#[cfg(feature = "hmac-auth")]
pub use auth::SecretKey;
pub use client::{Client, Pager, Transport, V2Pager};
pub use panel::{load_group_panel, load_indicator_panel, ApiVersion, GroupPanel, IndicatorPanel, IndicatorRef};
pub use envelope::Page;
pub use error::{Error, TransportError};
pub use model::*;
pub use request::{HttpRequest, HttpResponse, Method};
pub use types::{GroupType, IndicatorType};

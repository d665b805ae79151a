//! A typed client for the ThreatConnect REST API (v2 and v3), sans-IO.
//!
//! Requests are built and answers decoded by pure functions; a [`Transport`] moves the
//! bytes (the browser's `fetch` with the `browser` feature, blocking HTTP on threads with
//! `native`, or anything a caller writes). A [`Client`] prefixes the API path, signs
//! exactly what it sends ([`Credentials`]: a Spaces token, or an API user's HMAC key with
//! `hmac-auth`), renews the token, retries what may be retried and decodes.
//!
//! # Layout
//!
//! One module per API resource, each with its v2 and v3 request builders (`v2`, `v3`
//! submodules of pure functions returning an [`HttpRequest`]), its models (each keeps the
//! object it was read from in `raw`), its typed calls (methods on [`Client`]) and, beside
//! them, its request-shape and decoding tests: [`indicators`], [`groups`], [`associations`],
//! [`attributes`], [`tags`], [`security_labels`], [`observations`], [`dns`], [`files`],
//! [`adversary_assets`], [`victims`], [`tasks`], [`owners`], [`types`], [`search`],
//! [`batch`], [`bulk`], [`datastore`], [`spaces`], [`tokens`]. On top of them, [`panels`]
//! loads what an indicator or group panel shows (v3 first, the v2 fallback with every
//! request at once) and [`writes`] routes write-back by how an item is named.
//!
//! Beneath them: [`http`] (the one request shape, the one encoder, [`ApiPath`]: a value
//! only ever enters a path as one encoded segment), [`auth`], [`retry`], [`error`],
//! [`decode`] (lenient readers and the v2/v3 envelopes), [`paging`] (one [`Pager`] for v2
//! and v3, one page-size limit), [`item`] (how v2 and v3 name an item), [`tql`], [`time`].
//!
//! # Tests
//!
//! Each module's logic is tested beside it (the client's signing, renewal and retries over
//! a scripted transport in `client/tests.rs`, the pagers in `paging.rs`...). What needs the
//! public API across resources or outside help (the documentation's examples, a URL parser
//! as judge, real sockets, a sandbox) is one integration-test binary, `tests/it`, whose
//! `main.rs` says which module holds what.
//!
//! # Example
//!
//! Build, send and decode over a transport that answers from memory:
//!
//! ```
//! use threatconnect::{Client, Credentials, HttpRequest, HttpResponse, Transport, TransportError};
//!
//! struct Canned;
//!
//! impl Transport for Canned {
//!     async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
//!         // What the client sends: the API prefix, the token, the one encoder's query.
//!         assert_eq!(req.path_and_query(), "/api/v2/owners");
//!         assert_eq!(req.header_value("Authorization"), Some("TC-Token a-spaces-token"));
//!         Ok(HttpResponse::new(200, r#"{"status":"Success","data":{"resultCount":1,
//!             "owner":[{"id":1,"name":"Example Org","type":"Organization"}]}}"#))
//!     }
//!     async fn sleep(&self, _ms: u32) {}
//! }
//!
//! let client = Client::new(Canned, "/api", Credentials::token("a-spaces-token", None), Box::new(|| 1_700_000_000));
//! let owners = futures::executor::block_on(client.owners()).unwrap();
//! assert_eq!((owners[0].name.as_str(), owners[0].kind.as_deref()), ("Example Org", Some("Organization")));
//!
//! // The builders alone: a value is one encoded path segment, whatever it holds.
//! let item = threatconnect::ItemRef::indicator(&threatconnect::IndicatorType::Url, "http://bad.example/a?b").unwrap();
//! assert_eq!(threatconnect::tags::v2::add(&item, "APT 1").path_and_query(),
//!            "/v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb/tags/APT%201");
//! ```
#![deny(missing_docs)]

pub mod adversary_assets;
pub mod associations;
pub mod attributes;
pub mod auth;
pub mod batch;
pub mod bulk;
pub mod client;
pub mod datastore;
pub mod decode;
pub mod dns;
pub mod error;
pub mod files;
pub mod groups;
pub mod http;
pub mod indicators;
pub mod item;
pub mod observations;
pub mod owners;
pub mod paging;
pub mod panels;
pub mod retry;
pub mod search;
pub mod security_labels;
pub mod spaces;
pub mod tags;
pub mod tasks;
pub mod time;
pub mod tokens;
pub mod tql;
pub mod types;
pub mod victims;
pub mod writes;

#[cfg(feature = "native")]
pub mod native;
// Compiles wherever `browser` is on (the app type-checks natively too); it only works in a browser.
#[cfg(feature = "browser")]
pub mod browser;

#[cfg(test)]
mod test_util;

pub use adversary_assets::AdversaryAsset;
pub use associations::AssociationType;
pub use attributes::Attribute;
pub use auth::Credentials;
#[cfg(feature = "hmac-auth")]
pub use auth::SecretKey;
pub use batch::{BatchConfig, BatchError, BatchOutcome, BatchStatus, BatchStep};
pub use bulk::{BulkCsvRow, BulkStatus};
pub use client::{Client, Transport};
pub use decode::{Page, Reader, Record};
pub use dns::DnsResolution;
pub use error::{Error, TransportError};
pub use files::FileOccurrence;
pub use groups::{Group, GroupKey};
pub use http::{ApiPath, HttpRequest, HttpResponse, Method};
pub use indicators::{Indicator, IndicatorKey};
pub use item::{Collection, ItemRef, Mode};
pub use observations::{FalsePositive, Observation, ObservationCount, Observed};
pub use owners::{Owner, OwnerMetric, OwnerRef, User};
pub use paging::{Filter, ListOptions, Op, Pager, MAX_RESULT_LIMIT};
pub use panels::{
    load_group_panel, load_group_panel_v2_fallback, load_group_panel_v3, load_indicator_panel, load_indicator_panel_v2_fallback,
    load_indicator_panel_v3, ApiVersion, GroupPanel, IndicatorPanel, IndicatorRef,
};
pub use retry::RetryPolicy;
pub use search::{Sort, SortField};
pub use security_labels::SecurityLabel;
pub use tags::Tag;
pub use tasks::Task;
pub use types::{GroupType, IndicatorType, IndicatorTypeDef};
pub use victims::{Victim, VictimAsset};

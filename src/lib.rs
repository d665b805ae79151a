//! Pivot: a ThreatConnect Spaces app.
//!
//! The crate compiles in two shapes: with the default `ui` feature it is the Leptos app
//! (wasm); without it, only its pure parts build, for native tests. The ThreatConnect
//! client, the text Pivot writes out and Cross-Intel Sharing are crates of their own
//! (`crates/threatconnect`, `crates/pivot-text`, `crates/sharing`); see `docs/architecture.md`.
//!
//! - [`launch`]: the query string ThreatConnect sends, the API origin pin, and the Space
//!   element's own state;
//! - [`trail`]: back and forward, the URL fragment, the trail kept in this tab;
//! - [`search`]: what the search box asks ThreatConnect (TQL);
//! - [`graph_layout`]: where the relationship picture puts its nodes;
//! - `ui` (feature `ui`): the views.

pub mod graph_layout;
pub mod launch;
pub mod search;
pub mod trail;

#[cfg(feature = "ui")]
pub mod ui;

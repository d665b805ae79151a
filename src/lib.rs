//! Pivot: a ThreatConnect Spaces app.
//!
//! The crate compiles in two shapes: with the default `ui` feature it is the
//! Leptos app (wasm); without it, only the pure parts (Spaces context,
//! ThreatConnect client, sharing core) build, for native tests and tools.

pub mod defang;
pub mod display;
pub mod escape;
pub mod export;
pub mod layout;
pub mod search;
pub mod share;
pub mod space_state;
pub mod spaces;
pub mod tc;
pub mod trail;

#[cfg(feature = "ui")]
pub mod ui;

//! ThreatConnect client (sans-IO): requests are built and responses decoded by
//! pure functions; a `Transport` moves the bytes.

pub mod types;

//! The integration tests of `pivot-service`: the packaged service (`scripts/package-service.sh`,
//! its `run.py`) against a real mosquitto and redis-server, with ThreatConnect's side played
//! as tcex's service test harness plays it. Unit tests of the path, origin, method and size
//! rules are beside the code (`src/http.rs`).
//!
//! Run one: `cargo test -p pivot-service --test it -- service::`.

/// ThreatConnect's API for the service: a sandbox behind a recording front.
mod api;
/// Pivot's packaged page in headless Chromium through ThreatConnect's front (run by the e2e suite).
mod browser;
/// mosquitto, redis-server, ThreatConnect's client, the package and the service process.
mod harness;
/// The cases: files, forwarded calls, refusals, heartbeat, shutdown, broker restart, TLS.
mod service;

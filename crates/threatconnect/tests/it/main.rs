//! The integration tests of the `threatconnect` crate: one binary, one module per kind.
//!
//! Where a new test goes:
//! - It tests one module's logic through that module's own API (a request builder, a
//!   decoder, the client over the scripted transport of `src/test_util.rs`): a unit test
//!   beside the code, in that module's `mod tests`, not here.
//! - It needs the public API across resources, or outside help (the documentation's
//!   fixtures, a URL parser as judge, real sockets, the sandbox): here, in the module
//!   below that holds its kind, using only what the crate exports.
//!
//! Run one kind: `cargo test -p threatconnect --features native,hmac-auth --test it -- paths::`.

/// Every documented response in `tests/fixtures/threatconnect-docs` (repository root) decodes with the model its request names.
mod conformance;
/// No panic: arbitrary JSON through every decoder.
mod fuzz;
/// Each typed call against the sandbox, values pinned from its demo seed or from the test's own writes.
#[cfg(all(feature = "native", feature = "hmac-auth"))]
mod live;
/// The native transport against a local HTTP server: concurrency, non-2xx answers, timeouts, refused connections.
#[cfg(all(feature = "native", feature = "hmac-auth"))]
mod native_transport;
/// No value can change which resource a request names (the `url` crate as judge); `.`, `..` and empty segments are refused unsent; a `next` link never names a request.
mod paths;
/// The client against the sandbox over HTTP: HMAC, awkward values, custom types, tokens, the v2 fallback, faults, a batch job, redirects.
#[cfg(all(feature = "native", feature = "hmac-auth"))]
mod sandbox;
/// What the sandbox tests share (a client signing with a sandbox's credentials).
#[cfg(all(feature = "native", feature = "hmac-auth"))]
mod util;
/// Without `native` and `hmac-auth`: one test saying the modules above that need them were left out (a failure under `CI=true`).
#[cfg(not(all(feature = "native", feature = "hmac-auth")))]
mod without_native;

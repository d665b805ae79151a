//! The sandbox's integration tests: one test binary, one module per subject.
//!
//! Most tests call the sandbox in process through `pivot_testing::Sandbox` (an in-process
//! `tc_sandbox::Server` over a temporary database; `sb.get`, `sb.signed`, `sb.raw` take the same
//! code path a request over HTTP takes once hyper has read it). A test uses a real socket
//! (`common::tcp*`) only when what it checks lives in the HTTP server: the target's bytes as
//! sent, hyper's handling of malformed requests, requests taken up concurrently, a restart that
//! must bind and serve again. It starts the `tc-sandbox` binary (`common::Process`) only for the
//! binary's own behaviour: its stderr (the request log) and its exit codes. The unit tests stay
//! beside their code in `src/`.
//!
//! A new test goes into the module of its subject below; a new subject gets a module here
//! (one line, with what it holds).

/// Helpers of these tests over `pivot-testing`: a raw TCP client, the binary as a process, `enc`.
mod common;

/// HMAC (good, bad, stale), tokens (issue, expiry, renewal), the read-only Source owner; the binary's flag errors (process).
mod auth;
/// Batch jobs: stages, xid upserts, write types, errors and results, limits.
mod batch;
/// What tcex relies on: the one-request batch, ids never reused, no internal error text, statuses, TQL keywords.
mod client_conformance;
/// A cheap request answered while heavy database requests run (over TCP).
mod concurrency;
/// Field names of ThreatConnect's documented examples (tests/fixtures/threatconnect-docs).
mod conformance;
/// Document and report files: download, upload, replace, restart and reset, the Source owner.
mod documents;
/// Dot segments resolved like a real front end (raw targets over TCP); the request log on stderr (process).
mod dot_segments;
/// Injected faults: statuses, bodies, probability, no v3, latency (the burst over TCP), the request log (stderr: process).
mod faults;
/// The real HTTP server end to end: an HMAC request over TCP answered as in process, malformed requests.
mod http;
/// State across a restart (requests over TCP), across the binary being killed (process); stopping releases the database and port.
mod persistence;
/// Hostile targets and bodies over TCP: always an error body, never a crash.
mod robustness;
/// The documented status per endpoint and method (statuses.tsv), every row against one sandbox.
mod status_table;
/// v2 endpoints: reads, writes, the datastore, filters.
mod v2;
/// v3 endpoints: fields, summaries, TQL, writes with modes, reference lists, security labels.
mod v3;

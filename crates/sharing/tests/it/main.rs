//! The integration tests of the `sharing` crate: one binary, one module per kind.
//!
//! Where a new test goes:
//! - It tests the pure core (snapshot, package and validation, plan, batch jobs, verification,
//!   the report's text) through one module's API: a unit test beside the code, in that module's
//!   `mod tests` (or its `tests.rs` where the module is a folder), with the v3-shaped test data
//!   of `src/test_data.rs`, not here.
//! - It needs ThreatConnect: here, against sandboxes started in this process
//!   (`pivot_testing::Sandbox`, through `util.rs`), in the module below that holds its kind,
//!   using only what the crates export. No test starts a process or leaves a file behind.
//!
//! Run one kind: `cargo test -p sharing --test it -- trust::`.

/// What sharing relies on from ThreatConnect, against its documented examples (`tests/fixtures/share/threatconnect-contract.json`) and the requests a publish and imports send.
mod documented;
/// The executor against a source and a target sandbox: publish, import, re-import, pull, skip, the lease, refused and forged packages, interruptions, 10,001 indicators.
mod exec;
/// The pinned golden packages (`tests/fixtures/share/incident-9.v1.json`, `v2.json`): their xids and content hashes, and a publish of the seeded group that gives them again.
mod golden;
/// The trust rules: overlapping packages in every order, other sources' items, kept labels, interrupted runs, jobs left running, Community and Source owners.
mod trust;
/// What the sandbox tests share: the source/target pair, their clients, the options, a group by xid.
mod util;

//! The integration tests of the `triage` crate: one binary, one module per kind.
//!
//! Where a new test goes: a test of one module's logic goes beside it (its `mod tests`);
//! here only what needs a tool outside the crate.
//!
//! Run one kind: `cargo test -p triage --test it -- validator::`.

/// OASIS's stix2-validator (target/stix-venv, `scripts/setup.sh stix`) on the bundles the
/// export writes for `tests/fixtures/triage/copies.json`: every error fails.
mod validator;

//! Cross-Intel Sharing: a published Group with everything attached moves from one
//! ThreatConnect instance into a target owner of another.
//!
//! The core is pure (no Leptos, no network) and uses only the client's models and
//! helpers; the executor, [`exec`], does the I/O over any [`threatconnect::Transport`]
//! with the client's typed calls, and nothing in the core calls it.
//!
//! A published Group becomes a [`SharePackage`]: a versioned header plus a body
//! that is exactly a ThreatConnect v2 Batch input (`group` / `indicator` /
//! `association` arrays keyed by `xid`). The functions here are pure over
//! `serde_json::Value` inputs in ThreatConnect v3 shapes:
//!
//! - [`snapshot`]: v3 group + associated groups + associated indicators -> package
//!   (security label filter, deterministic xids, content hash);
//! - [`validate`]: bytes from outside -> package, or a typed [`ShareError`];
//! - [`plan`] / [`prepare_import`]: the dry-run against what was read from the
//!   target owner, and the body actually imported (dropped attributes, origin attribute);
//! - [`split_batches`]: batch jobs within 2,000,000 bytes and 25,000 indicators;
//! - [`verify`]: the target owner read back vs. the package;
//! - [`schedule`]: when a scheduled pull runs next.
//!
//! The format is in `docs/sharing-format.md`, the rules and operations in
//! `docs/sharing-operations.md`.

mod error;
pub mod exec;
mod jobs;
mod json;
mod package;
mod plan;
pub mod schedule;
mod snapshot;
#[cfg(test)]
mod test_util;
mod verify;

pub use error::ShareError;
pub use jobs::{batch_settings, link_settings, split_batches, split_batches_with, BatchJob, BatchLimits, MAX_BATCH_BYTES, MAX_BATCH_INDICATORS};
pub use json::canonical_json;
pub use package::{
    check_package_size, content_hash, derive_xid, file_digest, indicator_identity, validate, BatchBody, GroupRef, Header, ItemKind, Label,
    SharePackage, Source, FORMAT, MAX_ASSOCIATIONS, MAX_ATTRIBUTES, MAX_GROUPS, MAX_INDICATORS, MAX_LABELS, MAX_PACKAGE_BYTES, MAX_TAGS,
    OLDEST_VERSION, VERSION,
};
pub use plan::{
    associations, check_published_at, jobs_for, origin_attribute, package_labels, plan, prepare_import, Association, Endpoint, ImportPlan,
    ImportRecord, ItemNote, MissingAttributeType, PlanItem, Prepared, TargetState, Trust, CLOCK_SKEW_SECS, ORIGIN_ATTRIBUTE_TYPE,
};
pub use snapshot::{snapshot, snapshot_report, PublishOptions, Withheld};
pub use verify::{verify, Difference, TargetReadBack, VerificationReport};

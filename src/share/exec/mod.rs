//! The I/O side of sharing: publish, list, unpublish, import, pull. Generic over
//! the client's [`Transport`](crate::tc::Transport), async, no threads and no Leptos, so the browser
//! panel and the native `pivot-share` command call the same functions.
//!
//! Datastore records (organization domain, `POST /v2/exchange/db/organization/{type}/{id}`):
//! - source, [`PUBLISHED_TYPE`], id = source group id: the published package (as a
//!   canonical JSON string under `package`) with its hash and header fields;
//! - source, [`HEADS_TYPE`], id = source group id: the same fields without the package,
//!   which a pull lists (it fetches a package only when its hash is new);
//! - target, [`IMPORTS_TYPE`], id = [`import_record_id`] (target owner, source instance,
//!   source group xid): content hash, completeness, what the import brought (associations,
//!   labels) and batch jobs left running;
//! - target, [`LEASE_TYPE`], id = [`lease_record_id`] (per target owner): the pull lease (run id, expiry).
//!
//! One file per concern, so each is found by name: `read.rs` (v3 lists, waves, TQL chunks),
//! `datastore.rs` (the records), `publish.rs`, `import.rs`, `pull.rs`, `lease.rs` and
//! `time.rs` (RFC 3339); this file holds the error, the shared constants and the re-exports.

mod datastore;
mod import;
pub mod lease;
mod publish;
mod pull;
mod read;
mod time;

pub use import::{import, import_package, import_record, import_record_id, import_records, ImportOptions, ImportReport, JobReport, Step};
pub use crate::share::plan::ImportRecord;
pub use lease::{lease_record_id, Lease, DEFAULT_LEASE_SECS, LEASE_TYPE};
pub use publish::{list_published, publish, published_package, snapshot_group, store_published, unpublish, PublishedRecord};
pub use pull::{failure_message, pull, pull_watched, Level, Outcome, PackageOutcome, PullOptions, PullSummary};
pub use time::{civil_from_days, days_from_civil, rfc3339};

use super::error::ShareError;
use crate::tc::Error as TcError;
use std::fmt;

/// Datastore type of published packages (source instance).
pub const PUBLISHED_TYPE: &str = "pivot-share";
/// Datastore type of the published packages' heads (source instance): the header's fields
/// without the file, what a pull lists.
pub const HEADS_TYPE: &str = "pivot-share-heads";
/// Datastore type of import records (target instance).
pub const IMPORTS_TYPE: &str = "pivot-share-imports";
/// Datastore domain used for all records.
pub const DOMAIN: &str = "organization";
/// `resultLimit` of list reads (ThreatConnect's maximum).
pub const RESULT_LIMIT: u32 = 10_000;
/// Longest TQL `in (...)` list per request, in characters (keeps URLs well under server limits).
pub const TQL_CHUNK_CHARS: usize = 3_000;

const ITEM_FIELDS: [&str; 4] = ["attributes", "tags", "securityLabels", "associatedGroups"];

/// What went wrong outside the pure core.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecError {
    /// The package (or the snapshot) was refused; nothing was written.
    Package(ShareError),
    /// ThreatConnect refused or could not be reached.
    Api(TcError),
    /// Another run holds the pull lease on this target owner.
    Locked { holder: String, expires_at: u64 },
    /// This run's lease was taken over or lapsed: it stopped before writing more.
    LeaseLost { holder: String, expires_at: u64 },
    /// Bad input to an exec function (wrong group type...).
    Invalid(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Package(e) => write!(f, "{e}"),
            Self::Api(e) => write!(f, "{e}"),
            Self::Locked { holder, expires_at } => write!(
                f,
                "another pull into this owner is running (lease held by {holder} until {}); not starting a second one",
                rfc3339(*expires_at)
            ),
            Self::LeaseLost { holder, expires_at } => write!(
                f,
                "this run's pull lease was lost (now held by {holder} until {}); stopped before writing more",
                rfc3339(*expires_at)
            ),
            Self::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ExecError {}

impl From<ShareError> for ExecError {
    fn from(e: ShareError) -> Self {
        Self::Package(e)
    }
}

impl From<TcError> for ExecError {
    fn from(e: TcError) -> Self {
        Self::Api(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::read::tql_in_chunks;
    use std::collections::BTreeSet;

    #[test]
    fn dates_and_chunks() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_080_433), "2025-11-25T14:20:33Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        let vals: BTreeSet<String> = (0..1000).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
        let chunks = tql_in_chunks("summary", &vals);
        assert!(chunks.len() > 1 && chunks.iter().all(|c| c.len() < TQL_CHUNK_CHARS + 40));
        let joined: usize = chunks.iter().map(|c| c.matches("\"10.").count()).sum();
        assert_eq!(joined, 1000);
        assert_eq!(tql_in_chunks("summary", &["a\"b".to_string()].into_iter().collect()), vec![r#"summary in ("a\"b")"#.to_string()]);
    }
}

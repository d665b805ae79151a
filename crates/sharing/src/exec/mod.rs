//! The I/O side of sharing: publish, list, unpublish, import, pull. Generic over
//! the client's [`Transport`](threatconnect::Transport), async, no threads and no Leptos, so the
//! publish and import page and the native `pivot-share` command call the same functions; every
//! request is one of the client's typed calls.
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
//! One file per concern, so each is found by name: `read.rs` (reads in waves, the owner's
//! items), `publish.rs`, `import.rs`, `pull.rs`, `lease.rs`; this file holds the error, the
//! shared constants and the re-exports.

mod import;
pub mod lease;
mod publish;
mod pull;
mod read;
mod report;

pub use import::{import, import_package, import_record, import_record_id, import_records, ImportOptions, ImportReport, JobReport, Step};
pub use crate::plan::ImportRecord;
pub use lease::{lease_record_id, Lease, DEFAULT_LEASE_SECS, LEASE_TYPE};
pub use publish::{list_published, publish, published_package, snapshot_group, store_published, unpublish, PublishedRecord};
pub use pull::{pull, pull_watched, Level, Outcome, PackageOutcome, PullOptions, PullSummary};
pub use report::{failure_message, plan_lines, report_lines, summary_lines, LISTED};

use crate::error::ShareError;
use threatconnect::datastore::Domain;
use threatconnect::time::rfc3339;
use threatconnect::Error as TcError;
use std::fmt;

/// Datastore type of published packages (source instance).
pub const PUBLISHED_TYPE: &str = "pivot-share";
/// Datastore type of the published packages' heads (source instance): the header's fields
/// without the file, what a pull lists.
pub const HEADS_TYPE: &str = "pivot-share-heads";
/// Datastore type of import records (target instance).
pub const IMPORTS_TYPE: &str = "pivot-share-imports";
/// Datastore domain used for all records.
pub const DOMAIN: Domain = Domain::Organization;
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

    #[test]
    fn errors_name_the_lease_and_its_expiry() {
        let e = ExecError::Locked { holder: "run-1@host".into(), expires_at: 1_764_080_433 };
        assert_eq!(e.to_string(), "another pull into this owner is running (lease held by run-1@host until 2025-11-25T14:20:33Z); not starting a second one");
        let e = ExecError::LeaseLost { holder: "run-2@host".into(), expires_at: 0 };
        assert!(e.to_string().contains("until 1970-01-01T00:00:00Z"), "{e}");
    }
}

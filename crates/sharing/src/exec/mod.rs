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
//! - target, [`LEASE_TYPE`], id = [`lease_record_id`] (per target owner, case-folded): the pull lease (run id, taken, expiry).
//!
//! One file per concern, so each is found by name: `records.rs` (the records' types and
//! domain), `error.rs`, `read.rs` (reads in waves, the owner's items), `publish.rs`,
//! `import.rs`, `pull.rs`, `lease.rs`, `report.rs` (what an operator or analyst reads of an
//! import and a pull); this file only names them.

mod error;
mod import;
pub mod lease;
mod publish;
mod pull;
mod read;
mod records;
mod report;

pub use crate::plan::ImportRecord;
pub use error::ExecError;
pub use import::{import, import_package, import_record, import_record_id, import_records, ImportOptions, ImportReport, JobReport, Step};
pub use lease::{lease_record_id, lease_record_name, Lease, Released, DEFAULT_LEASE_SECS, LEASE_TYPE, MAX_HELD_PERIODS};
pub use publish::{list_published, publish, published_package, snapshot_group, store_published, unpublish, PublishedRecord};
pub use pull::{pull, pull_watched, Level, Outcome, PackageOutcome, PullOptions, PullSummary};
pub use records::{
    DOMAIN, HEADS_PAGE, HEADS_TYPE, IMPORTS_PAGE_BYTES, IMPORTS_TYPE, IMPORT_RECORD_BYTES, PUBLISHED_RECORD_BYTES, PUBLISHED_TYPE,
    RECORD_WRAPPING_BYTES, SMALL_RECORD_BYTES, TQL_CHUNK_CHARS,
};
pub use report::{plan_lines, report_lines, summary_lines, LISTED};

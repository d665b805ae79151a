//! The datastore records Cross-Intel Sharing keeps (organization domain,
//! `POST /v2/exchange/db/organization/{type}/{id}`) and what every read asks along.

use threatconnect::datastore::Domain;

/// Datastore type of published packages (source instance).
pub const PUBLISHED_TYPE: &str = "pivot-share";
/// Datastore type of the published packages' heads (source instance): the header's fields
/// without the file, what a pull lists.
pub const HEADS_TYPE: &str = "pivot-share-heads";
/// Datastore type of import records (target instance).
pub const IMPORTS_TYPE: &str = "pivot-share-imports";
/// The most a read of one small record (a lease, a head) takes in, its datastore wrapping
/// included: such a record holds a few hundred bytes. Also the most one page of
/// [`HEADS_PAGE`] head records takes in (10 KiB a head).
pub const SMALL_RECORD_BYTES: u64 = 1024 * 1024;
/// Head records asked per page of a listing.
pub const HEADS_PAGE: usize = 100;
/// The largest published package record (`pivot-share`: the head's fields and the package
/// file as one JSON string). Escaping the file as a string adds a backslash before each
/// quote and backslash in it: a quarter over [`crate::MAX_PACKAGE_BYTES`] leaves room for
/// that in any ordinary package, and publishing refuses a record over it, so every package
/// published can be read. Read through [`RECORD_WRAPPING_BYTES`] more.
pub const PUBLISHED_RECORD_BYTES: u64 = crate::MAX_PACKAGE_BYTES as u64 / 4 * 5;
/// What the datastore wraps a record in when answering a read (`_id`, `_type`, `found`...).
pub const RECORD_WRAPPING_BYTES: u64 = 64 * 1024;
/// The largest import record read (target instance): it grows with its package's
/// associations and labels, so it is given a package record's room.
pub const IMPORT_RECORD_BYTES: u64 = PUBLISHED_RECORD_BYTES + RECORD_WRAPPING_BYTES;
/// The most one page of import records takes in (target instance): up to 100 records each
/// growing with its package. These are the target's own, written only by Pivot's imports,
/// never by a source.
pub const IMPORTS_PAGE_BYTES: u64 = 256 * 1024 * 1024;
/// Datastore domain used for all records.
pub const DOMAIN: Domain = Domain::Organization;
/// Longest TQL `in (...)` list per request, in characters (keeps URLs well under server limits).
pub const TQL_CHUNK_CHARS: usize = 3_000;

/// What a published or read item carries along (v3 `fields=`).
pub(crate) const ITEM_FIELDS: [&str; 4] = ["attributes", "tags", "securityLabels", "associatedGroups"];

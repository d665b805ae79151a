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
/// Datastore domain used for all records.
pub const DOMAIN: Domain = Domain::Organization;
/// Longest TQL `in (...)` list per request, in characters (keeps URLs well under server limits).
pub const TQL_CHUNK_CHARS: usize = 3_000;

/// What a published or read item carries along (v3 `fields=`).
pub(crate) const ITEM_FIELDS: [&str; 4] = ["attributes", "tags", "securityLabels", "associatedGroups"];

//! A Document's or Report's file, stored in `group_files` (v2 `.../download` and `.../upload`,
//! docs/rest_api/v2/groups: "Retrieve Document or Signature Contents", "Uploading/Updating
//! Document Contents"; v3 docs/rest_api/v3/groups/retrieve_upload_update_document.rst).

use crate::app::{Req, Resp};
use crate::render::{touch, Group};
use crate::util::{not_found, now_s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// A Document's or Report's file (v2 and v3 `.../download`).
pub fn download_file(conn: &Connection, g: &Group) -> Res<Resp> {
    let data: Option<Vec<u8>> = conn.query_row("SELECT data FROM group_files WHERE grp = ?1", [g.id], |r| r.get(0)).optional()?;
    let data = data.ok_or_else(|| not_found(format!("No file has been uploaded to {} {}", g.gtype, g.id)))?;
    Ok(Resp { status: 200, body: data, headers: vec![("Content-Type".into(), "application/octet-stream".into())] })
}

/// "The Content-Type header must be set to application/octet-stream for this query to work properly."
/// Another media type is refused; none at all is taken as octet-stream, as ThreatConnect does (tcex's
/// document and report uploads without one succeed against its lab instance).
pub fn octet_stream(req: &Req) -> Res<()> {
    let media = req.header("Content-Type").and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
    if media.as_deref().is_some_and(|m| m != "application/octet-stream") {
        return Err(ApiErr::new(415, "The Content-Type header must be set to application/octet-stream to upload a file"));
    }
    Ok(())
}

/// Stores (or replaces) a group's file and sets its `fileSize`, in one transaction.
pub fn store_file(conn: &Connection, g: &Group, data: &[u8]) -> Res<()> {
    let mut extra = g.extra.as_deref().and_then(|e| serde_json::from_str::<Value>(e).ok()).filter(Value::is_object).unwrap_or_else(|| json!({}));
    extra["fileSize"] = json!(data.len());
    let tx = conn.unchecked_transaction()?;
    tx.execute("INSERT OR REPLACE INTO group_files(grp, data, updated) VALUES (?1, ?2, ?3)", params![g.id, data, now_s()])?;
    tx.execute("UPDATE groups_ SET extra = ?1 WHERE id = ?2", params![extra.to_string(), g.id])?;
    touch(&tx, "g", g.id)?;
    tx.commit()?;
    Ok(())
}

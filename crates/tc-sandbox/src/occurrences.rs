//! File occurrences of a File indicator (v2 and v3), from ThreatConnect's REST documentation
//! (docs/rest_api/v2/indicators/file_specific_retrieve.rst, create.rst, update.rst, delete.rst;
//! docs/rest_api/v3/indicators/fileOccurrences.rst): fileName, path, date (stored as the instant
//! it names, answered in UTC). The rows are read and rendered by `render::occurrences`.
//!
//! - `GET|POST {file}/fileOccurrences`, `GET|PUT|DELETE {file}/fileOccurrences/{id}` (v2).
//! - `{"fileOccurrences": {"data": [...]}}` in a v3 indicator write: each added.

use crate::app::{Req, Resp};
use crate::render::{occurrence_json, occurrences, parse_date, Ind};
use crate::util::{bad, not_found, ApiErr, Res};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}

/// The documented fields of a written occurrence: (fileName, path, date); at least one is required.
type OccFields = (Option<Option<String>>, Option<Option<String>>, Option<Option<i64>>);

fn occurrence_fields(body: &Value) -> Res<OccFields> {
    if !body.is_object() {
        return Err(bad("The request body must be a JSON object"));
    }
    let text = |k: &str| -> Res<Option<Option<String>>> {
        match body.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(bad(format!("{} must be a string", k))),
        }
    };
    let (name, path) = (text("fileName")?, text("path")?);
    let date = match text("date")? {
        None => None,
        Some(None) => Some(None),
        Some(Some(d)) => Some(Some(parse_date(&d).ok_or_else(|| bad(format!("Invalid date: {}", d)))?)),
    };
    if name.is_none() && path.is_none() && date.is_none() {
        return Err(bad("At least one of fileName, path or date is required"));
    }
    Ok((name, path, date))
}

/// Adds an occurrence to indicator `ind`; returns its id.
pub fn add_occurrence(conn: &Connection, ind: i64, body: &Value) -> Res<i64> {
    let (n, p, d) = occurrence_fields(body)?;
    conn.execute(
        "INSERT INTO file_occurrences(ind, file_name, path, date) VALUES (?1, ?2, ?3, ?4)",
        params![ind, n.flatten(), p.flatten(), d.flatten()],
    )?;
    Ok(conn.last_insert_rowid())
}

fn one_occurrence(conn: &Connection, ind: i64, id: &str) -> Res<Value> {
    let id: i64 = id.parse().map_err(|_| not_found(format!("File occurrence not found: {}", id)))?;
    use rusqlite::OptionalExtension;
    conn.query_row("SELECT id, file_name, path, date FROM file_occurrences WHERE ind = ?1 AND id = ?2", [ind, id], occurrence_json)
        .optional()?
        .ok_or_else(|| not_found(format!("File occurrence not found: {}", id)))
}

/// v3 `fileOccurrences` in a write body: `{"data": [{fileName, path, date}]}`, each added.
pub fn write_v3(conn: &Connection, i: &Ind, body: &Value) -> Res<()> {
    let Some(fo) = body.get("fileOccurrences") else { return Ok(()) };
    if i.itype != "File" {
        return Err(bad("File occurrences apply to File indicators only"));
    }
    let data = fo.get("data").and_then(Value::as_array).ok_or_else(|| bad("fileOccurrences must be {\"data\": [...]}"))?;
    // The modes of every nested v3 field (docs/rest_api/v3/update_metadata.rst; tcex's
    // `Indicator.update(mode=...)`, tests/api/tc/v3/indicators/test_indicator_snippets.py
    // test_remove_indicator_file_occurrence, test_replace_indicator_file_occurrence).
    match fo.get("mode").and_then(Value::as_str).unwrap_or("append").to_ascii_lowercase().as_str() {
        "append" => {}
        "replace" => {
            conn.execute("DELETE FROM file_occurrences WHERE ind = ?1", [i.id])?;
        }
        "delete" => {
            for o in data {
                let id = o.get("id").and_then(crate::util::int).ok_or_else(|| bad("A file occurrence to remove needs its id"))?;
                if conn.execute("DELETE FROM file_occurrences WHERE ind = ?1 AND id = ?2", [i.id, id])? == 0 {
                    return Err(crate::util::not_found(format!("File occurrence not found: {}", id)));
                }
            }
            return Ok(());
        }
        other => return Err(bad(format!("Invalid mode for fileOccurrences: {}", other))),
    }
    for o in data {
        add_occurrence(conn, i.id, o)?;
    }
    Ok(())
}

/// `{file}/fileOccurrences[/{id}]`: GET, POST, PUT, DELETE. `None` when `rest` is not that.
pub fn route(conn: &Connection, req: &Req, i: &Ind, rest: &[&str]) -> Option<Res<Resp>> {
    if rest.first() != Some(&"fileOccurrences") {
        return None;
    }
    Some((|| {
        if i.itype != "File" {
            return Err(bad("File occurrences apply to File indicators only"));
        }
        let one = |v: Value| ok(json!({"fileOccurrence": v}));
        match (req.method.as_str(), &rest[1..]) {
            ("GET", []) => {
                let all = occurrences(conn, i.id)?;
                Ok(ok(json!({"resultCount": all.len(), "fileOccurrence": all})))
            }
            ("GET", [id]) => Ok(one(one_occurrence(conn, i.id, id)?)),
            ("POST", []) => {
                let id = add_occurrence(conn, i.id, &req.json()?)?;
                Ok(one(one_occurrence(conn, i.id, &id.to_string())?))
            }
            ("PUT", [id]) => {
                let cur = one_occurrence(conn, i.id, id)?;
                let (n, p, d) = occurrence_fields(&req.json()?)?;
                let oid = cur["id"].as_i64().unwrap_or(0);
                if let Some(n) = n {
                    conn.execute("UPDATE file_occurrences SET file_name = ?1 WHERE id = ?2", params![n, oid])?;
                }
                if let Some(p) = p {
                    conn.execute("UPDATE file_occurrences SET path = ?1 WHERE id = ?2", params![p, oid])?;
                }
                if let Some(d) = d {
                    conn.execute("UPDATE file_occurrences SET date = ?1 WHERE id = ?2", params![d, oid])?;
                }
                Ok(one(one_occurrence(conn, i.id, id)?))
            }
            ("DELETE", [id]) => {
                one_occurrence(conn, i.id, id)?;
                conn.execute("DELETE FROM file_occurrences WHERE ind = ?1 AND id = ?2", params![i.id, id.parse::<i64>().unwrap_or(0)])?;
                Ok(Resp::json(200, json!({"status": "Success"})))
            }
            _ => Err(ApiErr::new(405, "Method not allowed")),
        }
    })())
}

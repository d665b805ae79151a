//! Spaces element storage, `/v2/exchange/spaces/{elementId}/{state|file/{name}|job}`.
//!
//! Not in the REST documentation; the shapes follow ThreatConnect's JavaScript SDK
//! (`Spaces`: `retrieveState`, `commitState` POSTs one JSON object, `retrieveFile`,
//! `commitFile`, `deleteFile`, `retrieveJob`, `commitJob`). Each element's state, files
//! and job are rows of the database, so a write shows in a later read.

use crate::app::{App, Req, Resp};
use crate::util::{bad, not_found, ApiErr, Res};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

/// A state or job body larger than this is refused (the SDK keeps small settings there).
const MAX_STATE: usize = 64 * 1024;

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}

pub fn route(app: &App, req: &Req, element: &str, rest: &[&str]) -> Res<Resp> {
    // `tcSpaceElementId` is numeric.
    if element.is_empty() || !element.bytes().all(|b| b.is_ascii_digit()) || element.len() > 18 {
        return Err(bad(format!("Invalid space element id: {}", element)));
    }
    let conn = app.db();
    match (req.method.as_str(), rest) {
        ("GET", ["state"]) => {
            let body: Option<String> = conn.query_row("SELECT body FROM space_state WHERE element = ?1", [element], |r| r.get(0)).optional()?;
            let state = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()).unwrap_or_else(|| json!({}));
            Ok(ok(json!({"state": state})))
        }
        ("POST" | "PUT", ["state"]) => {
            let body = object_body(req)?;
            conn.execute("INSERT OR REPLACE INTO space_state(element, body) VALUES (?1, ?2)", params![element, body.to_string()])?;
            Ok(ok(json!({"state": body})))
        }
        ("DELETE", ["state"]) => {
            conn.execute("DELETE FROM space_state WHERE element = ?1", [element])?;
            Ok(Resp::json(200, json!({"status": "Success"})))
        }
        ("GET", ["job"]) => {
            let body: Option<String> = conn.query_row("SELECT body FROM space_jobs WHERE element = ?1", [element], |r| r.get(0)).optional()?;
            let job = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()).unwrap_or(Value::Null);
            Ok(ok(json!({"job": job})))
        }
        ("POST", ["job"]) => {
            let body = object_body(req)?;
            conn.execute("INSERT OR REPLACE INTO space_jobs(element, body) VALUES (?1, ?2)", params![element, body.to_string()])?;
            Ok(ok(json!({"job": body})))
        }
        ("GET", ["file"]) => {
            let mut st = conn.prepare("SELECT name, length(data), content_type FROM space_files WHERE element = ?1 ORDER BY name")?;
            let rows = st.query_map([element], |r| {
                Ok(json!({"name": r.get::<_, String>(0)?, "size": r.get::<_, i64>(1)?, "contentType": r.get::<_, String>(2)?}))
            })?;
            let files: Vec<Value> = rows.collect::<Result<_, _>>()?;
            Ok(ok(json!({"resultCount": files.len(), "file": files})))
        }
        ("GET", ["file", name]) => {
            let f: Option<(Vec<u8>, String)> = conn
                .query_row("SELECT data, content_type FROM space_files WHERE element = ?1 AND name = ?2", params![element, name], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let (data, ct) = f.ok_or_else(|| not_found(format!("No file {} for space element {}", name, element)))?;
            Ok(Resp { status: 200, body: data, headers: vec![("Content-Type".into(), ct)] })
        }
        ("POST" | "PUT", ["file", name]) => {
            if name.is_empty() {
                return Err(bad("A file needs a name"));
            }
            let ct = req.header("Content-Type").unwrap_or("application/octet-stream").to_string();
            conn.execute(
                "INSERT OR REPLACE INTO space_files(element, name, data, content_type) VALUES (?1, ?2, ?3, ?4)",
                params![element, name, req.body, ct],
            )?;
            Ok(Resp::json(200, json!({"status": "Success"})))
        }
        ("DELETE", ["file", name]) => {
            let n = conn.execute("DELETE FROM space_files WHERE element = ?1 AND name = ?2", params![element, name])?;
            if n == 0 {
                return Err(not_found(format!("No file {} for space element {}", name, element)));
            }
            Ok(Resp::json(200, json!({"status": "Success"})))
        }
        _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
    }
}

fn object_body(req: &Req) -> Res<Value> {
    if req.body.len() > MAX_STATE {
        return Err(ApiErr::new(400, format!("A space element's state is at most {} bytes", MAX_STATE)));
    }
    let v = req.json()?;
    if !v.is_object() {
        return Err(bad("The state is a JSON object"));
    }
    Ok(v)
}

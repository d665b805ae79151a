//! Adversary assets (v2), from ThreatConnect's REST documentation
//! (docs/rest_api/v2/groups/retrieve.rst, create.rst, update.rst, delete.rst: "Adversary Assets").
//! Each is a row of the database, so a write shows in a later read.
//!
//! - `GET /v2/groups/adversaries/{id}/adversaryAssets`: every asset under `bucketAsset`, with
//!   `id`, `name` (the asset's value), `type`, `webLink` (the adversary's page), as documented.
//! - `GET .../adversaryAssets/{handles|phoneNumbers|urls}[/{assetId}]`, `POST .../{type}`,
//!   `PUT|DELETE .../{type}/{assetId}`: one type, answered as `adversary{Type}` with the value in
//!   the type's own field (`handle`, `phoneNumber`, `url`), as the documented writes are.

use crate::app::{App, Req, Resp};
use crate::util::{bad, not_found, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// (branch, type, entity, value field). The Handle and URL type names are documented; PhoneNumber
/// follows the same pattern (no documented example names it).
const TYPES: [(&str, &str, &str, &str); 3] = [
    ("handles", "Handle", "adversaryHandle", "handle"),
    ("phoneNumbers", "PhoneNumber", "adversaryPhoneNumber", "phoneNumber"),
    ("urls", "URL", "adversaryUrl", "url"),
];

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}

fn web_link(app: &App, adversary: i64) -> String {
    format!("{}/auth/adversary/adversary.xhtml?adversary={}", app.base(), adversary)
}

/// An asset as one type answers it: `{id, type, webLink, <field>: value}`.
fn typed(app: &App, adversary: i64, t: &(&str, &str, &str, &str), id: i64, value: &str) -> Value {
    json!({"id": id, "type": t.1, "webLink": web_link(app, adversary), t.3: value})
}

fn value_of(body: &Value, field: &str) -> Res<String> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(bad(format!("{} is required", field))),
    }
}

/// `.../adversaryAssets[...]` under adversary `adversary` (the caller checked the group and, for writes, the owner).
pub fn route(app: &App, conn: &Connection, req: &Req, adversary: i64, rest: &[&str]) -> Res<Resp> {
    let m = req.method.as_str();
    if rest.is_empty() {
        if m != "GET" {
            return Err(ApiErr::new(405, "Method not allowed"));
        }
        let mut st = conn.prepare("SELECT id, type, value FROM adversary_assets WHERE grp = ?1 ORDER BY id")?;
        let rows = st.query_map([adversary], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let all: Vec<Value> = rows
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(id, t, v)| json!({"id": id.to_string(), "name": v, "type": t, "webLink": web_link(app, adversary)}))
            .collect();
        return Ok(ok(json!({"resultCount": all.len(), "bucketAsset": all})));
    }
    let t = TYPES.iter().find(|t| t.0 == rest[0]).ok_or_else(|| not_found(format!("Unknown adversary asset type: {}", rest[0])))?;
    let one = |id: &str| -> Res<(i64, String)> {
        let id: i64 = id.parse().map_err(|_| not_found(format!("Adversary asset not found: {}", id)))?;
        let v: Option<String> = conn
            .query_row("SELECT value FROM adversary_assets WHERE id = ?1 AND grp = ?2 AND type = ?3", params![id, adversary, t.1], |r| r.get(0))
            .optional()?;
        Ok((id, v.ok_or_else(|| not_found(format!("Adversary asset not found: {}", id)))?))
    };
    match (m, &rest[1..]) {
        ("GET", []) => {
            let mut st = conn.prepare("SELECT id, value FROM adversary_assets WHERE grp = ?1 AND type = ?2 ORDER BY id")?;
            let rows = st.query_map(params![adversary, t.1], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let all: Vec<Value> = rows.collect::<Result<Vec<_>, _>>()?.into_iter().map(|(id, v)| typed(app, adversary, t, id, &v)).collect();
            Ok(ok(json!({"resultCount": all.len(), t.2: all})))
        }
        ("GET", [id]) => {
            let (id, v) = one(id)?;
            Ok(ok(json!({ t.2: typed(app, adversary, t, id, &v) })))
        }
        ("POST", []) => {
            let v = value_of(&req.json()?, t.3)?;
            conn.execute("INSERT INTO adversary_assets(grp, type, value) VALUES (?1, ?2, ?3)", params![adversary, t.1, v])?;
            let id = conn.last_insert_rowid();
            Ok(Resp::json(201, json!({"status": "Success", "data": { t.2: typed(app, adversary, t, id, &v) }})))
        }
        ("PUT", [id]) => {
            let (id, _) = one(id)?;
            let v = value_of(&req.json()?, t.3)?;
            conn.execute("UPDATE adversary_assets SET value = ?1 WHERE id = ?2", params![v, id])?;
            Ok(ok(json!({ t.2: typed(app, adversary, t, id, &v) })))
        }
        ("DELETE", [id]) => {
            let (id, _) = one(id)?;
            conn.execute("DELETE FROM adversary_assets WHERE id = ?1", [id])?;
            Ok(Resp::json(200, json!({"status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

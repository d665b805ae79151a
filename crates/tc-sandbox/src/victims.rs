//! Victims, victim assets and tasks (v2), from ThreatConnect's REST documentation
//! (docs/rest_api/v2/victims/*.rst, docs/rest_api/v2/tasks/*.rst). Each is a row of
//! the database, so a write shows in a later read.
//!
//! - `GET|POST /v2/victims`, `GET|PUT|DELETE /v2/victims/{id}`: name, description, org,
//!   suborg, workLocation, nationality; `webLink` to `auth/victim/victim.xhtml?victim={id}`.
//! - `GET /v2/victims/{id}/victimAssets[/{type}[/{assetId}]]`, `POST .../victimAssets/{type}`,
//!   `PUT|DELETE .../victimAssets/{type}/{assetId}`. Types and their fields as documented:
//!   emailAddresses (address, addressType), networkAccounts (account, network), phoneNumbers
//!   (phoneType), socialNetworks (account, network), webSites (webSite). A created asset answers
//!   as `victim{Type}` (`victimNetworkAccount`, as in the documented example); lists as `victimAsset`
//!   with the asset's value in `name`.
//! - `GET /v2/victims/{id}/groups[/{type}]`, `POST|DELETE /v2/victims/{id}/groups/{type}/{groupId}`,
//!   and from the group: `GET /v2/groups/{type}/{id}/victims`.
//! - `GET|POST /v2/tasks`, `GET|PUT|DELETE /v2/tasks/{id}`: name, status (default "Not Started"),
//!   dueDate, escalated, reminded, overdue, assignee (`[{userName}]`), owner.

use crate::app::{App, Req, Resp};
use crate::model::{self, GroupType};
use crate::render::{asset_v3, group_v2, load_group, parse_date, resolve_owner, v3_kind, Owner};
use crate::util::{bad, iso, not_found, now_s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

const VICTIM_FIELDS: [&str; 6] = ["name", "description", "org", "suborg", "workLocation", "nationality"];

/// Documented asset branches: (branch, type, fields, the field that names the asset).
const ASSETS: [(&str, &str, &[&str], &str); 5] = [
    ("emailAddresses", "EmailAddress", &["address", "addressType"], "address"),
    ("networkAccounts", "NetworkAccount", &["account", "network"], "account"),
    ("phoneNumbers", "Phone", &["phoneType"], "phoneType"),
    ("socialNetworks", "SocialNetwork", &["account", "network"], "account"),
    ("webSites", "WebSite", &["webSite"], "webSite"),
];

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}
fn created(data: Value) -> Resp {
    Resp::json(201, json!({"status": "Success", "data": data}))
}
fn ok_plain() -> Resp {
    Resp::json(200, json!({"status": "Success"}))
}
fn no_endpoint(req: &Req) -> ApiErr {
    not_found(format!("No v2 endpoint {} {}", req.method, req.path))
}

fn id_of(s: &str, what: &str) -> Res<i64> {
    s.parse().map_err(|_| not_found(format!("{} not found: {}", what, s)))
}

/// The documented text fields of `body` (others ignored); a given field must be a string.
fn text_fields(body: &Value, names: &[&str], into: &mut Map<String, Value>) -> Res<()> {
    for n in names {
        match body.get(*n) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                into.insert((*n).to_string(), json!(s));
            }
            Some(_) => return Err(bad(format!("{} must be a string", n))),
        }
    }
    Ok(())
}

fn paged(req: &Req, key: &str, all: Vec<Value>) -> Res<Resp> {
    let start: usize =
        req.param("resultStart").map(|v| v.parse().map_err(|_| bad("resultStart must be a non-negative number"))).transpose()?.unwrap_or(0);
    let limit: usize = req.param("resultLimit").map(|v| v.parse().map_err(|_| bad("resultLimit must be a number"))).transpose()?.unwrap_or(100);
    if !(1..=10_000).contains(&limit) {
        return Err(bad("resultLimit must be between 1 and 10000"));
    }
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(start).take(limit).collect();
    let mut d = json!({});
    if start == 0 {
        d["resultCount"] = json!(total);
    }
    d[key] = json!(items);
    Ok(ok(d))
}

// ---- victims -------------------------------------------------------------------

fn victim_json(app: &App, id: i64, fields: &str) -> Value {
    let mut m: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    m.insert("id".into(), json!(id));
    m.insert("webLink".into(), json!(format!("{}/auth/victim/victim.xhtml?victim={}", app.base(), id)));
    Value::Object(m)
}

/// The owner of victim `id`, if it exists.
pub fn victim_owner(conn: &Connection, id: i64) -> Res<Option<Owner>> {
    match load_victim(conn, id) {
        Ok((o, _)) => Ok(Some(o)),
        Err(e) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

fn load_victim(conn: &Connection, id: i64) -> Res<(Owner, String)> {
    let row: Option<(i64, String)> =
        conn.query_row("SELECT owner_id, fields FROM victims WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let (owner_id, fields) = row.ok_or_else(|| not_found(format!("Victim not found: {}", id)))?;
    let owner = crate::render::owners(conn)?.into_iter().find(|o| o.id == owner_id).ok_or_else(|| ApiErr::new(500, "victim owner missing"))?;
    Ok((owner, fields))
}

/// The owner's victims as stored: (id, fields JSON), by id.
fn owner_victims(conn: &Connection, owner: &Owner) -> Res<Vec<(i64, String)>> {
    let mut st = conn.prepare("SELECT id, fields FROM victims WHERE owner_id = ?1 ORDER BY id")?;
    let rows = st.query_map([owner.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn route(app: &App, req: &Req, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let owner = resolve_owner(&conn, req.param("owner"))?;
            let all: Vec<Value> = owner_victims(&conn, &owner)?.iter().map(|(id, f)| victim_json(app, *id, f)).collect();
            paged(req, "victim", all)
        }
        ("POST", []) => {
            let m = new_victim(&req.json()?)?;
            let owner = resolve_owner(&conn, req.param("owner"))?;
            owner.writable()?;
            conn.execute("INSERT INTO victims(owner_id, fields) VALUES (?1, ?2)", params![owner.id, Value::Object(m.clone()).to_string()])?;
            let id = conn.last_insert_rowid();
            Ok(created(json!({"victim": victim_json(app, id, &Value::Object(m).to_string())})))
        }
        (m, [id, tail @ ..]) => {
            let id = id_of(id, "Victim")?;
            let (owner, fields) = load_victim(&conn, id)?;
            if m != "GET" {
                owner.writable()?;
            }
            victim_item(app, &conn, req, id, &fields, tail)
        }
        _ => Err(no_endpoint(req)),
    }
}

fn victim_item(app: &App, conn: &Connection, req: &Req, id: i64, fields: &str, tail: &[&str]) -> Res<Resp> {
    match (req.method.as_str(), tail) {
        ("GET", []) => Ok(ok(json!({"victim": victim_json(app, id, fields)}))),
        ("PUT", []) => {
            let body = req.json()?;
            let mut m: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
            text_fields(&body, &VICTIM_FIELDS, &mut m)?;
            if m.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
                return Err(bad("Victim name is required"));
            }
            let f = Value::Object(m).to_string();
            conn.execute("UPDATE victims SET fields = ?2 WHERE id = ?1", params![id, f])?;
            Ok(ok(json!({"victim": victim_json(app, id, &f)})))
        }
        ("DELETE", []) => {
            conn.execute("DELETE FROM victims WHERE id = ?1", [id])?;
            conn.execute("DELETE FROM victim_assets WHERE victim = ?1", [id])?;
            conn.execute("DELETE FROM victim_groups WHERE victim = ?1", [id])?;
            conn.execute("DELETE FROM victim_indicators WHERE victim = ?1", [id])?;
            conn.execute("DELETE FROM named_links WHERE kind = 'task-victim' AND b = ?1", [id])?;
            crate::render::delete_metadata(conn, "v", id)?;
            Ok(ok_plain())
        }
        // Tags, attributes and security labels on a victim, as on every v2 item
        // (docs/rest_api/v2/victims/create.rst: "Create Victim Metadata").
        (_, ["attributes" | "tags" | "securityLabels", ..]) => {
            let (owner, _) = load_victim(conn, id)?;
            crate::metadata::item_metadata(app, conn, req, "v", id, &owner, tail)
        }
        ("GET", ["victimAssets"]) => asset_list(app, conn, req, id, None),
        ("GET", ["victimAssets", branch]) => asset_list(app, conn, req, id, Some(asset_kind(branch)?)),
        ("GET", ["victimAssets", branch, aid]) => {
            let kind = asset_kind(branch)?;
            let (aid, f) = load_asset(conn, id, kind, aid)?;
            Ok(ok(json!({ asset_entity(kind): asset_json(app, id, aid, kind, &f, false) })))
        }
        ("POST", ["victimAssets", branch]) => {
            let kind = asset_kind(branch)?;
            let f = asset_fields(&req.json()?, kind, None)?;
            conn.execute("INSERT INTO victim_assets(victim, type, fields) VALUES (?1, ?2, ?3)", params![id, kind.1, f])?;
            let aid = conn.last_insert_rowid();
            Ok(created(json!({ asset_entity(kind): asset_json(app, id, aid, kind, &f, false) })))
        }
        ("PUT", ["victimAssets", branch, aid]) => {
            let kind = asset_kind(branch)?;
            let (aid, old) = load_asset(conn, id, kind, aid)?;
            let body = req.json()?;
            // An update that names none of the asset's fields is not formatted properly (tcex's
            // test_victim_interface.py tests_ti_victim_update_asset_no_body asserts 400).
            if !kind.2.iter().any(|f| body.get(*f).is_some_and(|v| !v.is_null())) {
                return Err(bad(format!("An update of a {} names at least one of {}", kind.1, kind.2.join(", "))));
            }
            let f = asset_fields(&body, kind, Some(&old))?;
            conn.execute("UPDATE victim_assets SET fields = ?2 WHERE id = ?1", params![aid, f])?;
            Ok(ok(json!({ asset_entity(kind): asset_json(app, id, aid, kind, &f, false) })))
        }
        ("DELETE", ["victimAssets", branch, aid]) => {
            let kind = asset_kind(branch)?;
            let (aid, _) = load_asset(conn, id, kind, aid)?;
            conn.execute("DELETE FROM victim_assets WHERE id = ?1", [aid])?;
            Ok(ok_plain())
        }
        // The indicators a victim is associated with (docs/rest_api/v2/victims/retrieve.rst:
        // `GET /v2/victims/{victimId}/indicators[/{associatedIndicatorType}]`).
        ("GET", ["indicators", branch @ ..]) if branch.len() <= 1 => {
            let t = match branch.first() {
                Some(b) => Some(model::ind_branch(b).ok_or_else(|| not_found(format!("Invalid indicator type: {}", b)))?),
                None => None,
            };
            let mut args = vec![json!(id)];
            let mut cond = "JOIN victim_indicators vi ON vi.ind = i.id WHERE vi.victim = ?1".to_string();
            if let Some(t) = t {
                args.push(json!(t.name));
                cond.push_str(" AND i.type = ?2");
            }
            let mut all = vec![];
            for x in crate::render::query_inds(conn, &format!("{cond} ORDER BY i.id"), &args)? {
                all.push(crate::render::ind_v2(conn, &x, false, t.is_some(), false, &app.base())?);
            }
            paged(req, t.map(|t| t.entity).unwrap_or("indicator"), all)
        }
        ("GET", ["groups"]) => groups_of_victim(app, conn, req, id, None),
        ("GET", ["groups", branch]) => groups_of_victim(app, conn, req, id, Some(group_kind(branch)?)),
        ("POST" | "DELETE", ["groups", branch, gid]) => {
            let t = group_kind(branch)?;
            let gid = id_of(gid, t.name)?;
            let g = load_group(conn, gid)?.filter(|g| g.gtype == t.name).ok_or_else(|| not_found(format!("{} not found: {}", t.name, gid)))?;
            if req.method == "POST" {
                conn.execute("INSERT OR IGNORE INTO victim_groups(victim, grp) VALUES (?1, ?2)", params![id, g.id])?;
            } else if conn.execute("DELETE FROM victim_groups WHERE victim = ?1 AND grp = ?2", params![id, g.id])? == 0 {
                return Err(not_found(format!("Victim {} is not associated with {} {}", id, t.name, gid)));
            }
            Ok(ok_plain())
        }
        _ => Err(no_endpoint(req)),
    }
}

type AssetKind = (&'static str, &'static str, &'static [&'static str], &'static str);

fn asset_kind(branch: &str) -> Res<AssetKind> {
    ASSETS.iter().copied().find(|a| a.0 == branch).ok_or_else(|| not_found(format!("Invalid victim asset type: {}", branch)))
}

fn asset_entity(kind: AssetKind) -> String {
    format!("victim{}", kind.1)
}

/// The asset's fields: the documented ones of its type; the naming one is required.
fn asset_fields(body: &Value, kind: AssetKind, old: Option<&str>) -> Res<String> {
    let mut m: Map<String, Value> = old.and_then(|o| serde_json::from_str(o).ok()).unwrap_or_default();
    text_fields(body, kind.2, &mut m)?;
    if m.get(kind.3).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
        return Err(bad(format!("{} is required for {}", kind.3, kind.0)));
    }
    Ok(Value::Object(m).to_string())
}

fn load_asset(conn: &Connection, victim: i64, kind: AssetKind, aid: &str) -> Res<(i64, String)> {
    let aid = id_of(aid, "Victim asset")?;
    let f: Option<String> = conn
        .query_row("SELECT fields FROM victim_assets WHERE id = ?1 AND victim = ?2 AND type = ?3", params![aid, victim, kind.1], |r| r.get(0))
        .optional()?;
    Ok((aid, f.ok_or_else(|| not_found(format!("Victim asset not found: {}", aid)))?))
}

/// One asset: its own fields when single, `name` (its naming value) in lists, as documented.
fn asset_json(app: &App, victim: i64, aid: i64, kind: AssetKind, fields: &str, listed: bool) -> Value {
    let f: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    let mut m = Map::new();
    m.insert("id".into(), json!(aid));
    if listed {
        m.insert("name".into(), f.get(kind.3).cloned().unwrap_or(Value::Null));
    }
    m.insert("type".into(), json!(kind.1));
    m.insert("webLink".into(), json!(format!("{}/auth/victim/victim.xhtml?victim={}", app.base(), victim)));
    if !listed {
        m.extend(f);
    }
    Value::Object(m)
}

fn asset_list(app: &App, conn: &Connection, req: &Req, victim: i64, kind: Option<AssetKind>) -> Res<Resp> {
    let mut st = conn.prepare("SELECT id, type, fields FROM victim_assets WHERE victim = ?1 ORDER BY id")?;
    let rows = st.query_map([victim], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut all = vec![];
    for row in rows {
        let (aid, t, f) = row?;
        let Some(k) = ASSETS.iter().copied().find(|a| a.1 == t) else { continue };
        if kind.is_none_or(|want| want.1 == t) {
            all.push(asset_json(app, victim, aid, k, &f, true));
        }
    }
    paged(req, "victimAsset", all)
}

fn group_kind(branch: &str) -> Res<&'static GroupType> {
    model::GROUP_TYPES.iter().find(|t| t.branch == branch).ok_or_else(|| not_found(format!("Invalid group type: {}", branch)))
}

fn groups_of_victim(app: &App, conn: &Connection, req: &Req, victim: i64, t: Option<&'static GroupType>) -> Res<Resp> {
    let ids: Vec<i64> =
        conn.prepare("SELECT grp FROM victim_groups WHERE victim = ?1 ORDER BY grp")?.query_map([victim], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut all = vec![];
    for gid in ids {
        if let Some(g) = load_group(conn, gid)?.filter(|g| t.is_none_or(|t| g.gtype == t.name)) {
            all.push(group_v2(&g, false, &app.base()));
        }
    }
    paged(req, "group", all)
}

/// `GET /v2/groups/{type}/{id}/victims`.
pub fn victims_of_group(app: &App, conn: &Connection, req: &Req, group: i64) -> Res<Resp> {
    let mut st = conn.prepare("SELECT v.id, v.fields FROM victims v JOIN victim_groups vg ON vg.victim = v.id WHERE vg.grp = ?1 ORDER BY v.id")?;
    let rows = st.query_map([group], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let all: Vec<Value> = rows.collect::<Result<Vec<_>, _>>()?.iter().map(|(id, f)| victim_json(app, *id, f)).collect();
    paged(req, "victim", all)
}

/// `{indicator}/victims[/{victimId}]` (docs/rest_api/v2/indicators/retrieve.rst, create.rst, delete.rst):
/// GET the list or one, POST|DELETE the link. `None` when `rest` is not that.
pub fn indicator_victims(app: &App, conn: &Connection, req: &Req, ind: i64, owner: &Owner, rest: &[&str]) -> Option<Res<Resp>> {
    let tail = match rest {
        ["victims", tail @ ..] => tail,
        _ => return None,
    };
    Some((|| {
        let linked = |vid: i64| -> Res<bool> {
            Ok(conn.query_row("SELECT COUNT(*) FROM victim_indicators WHERE victim = ?1 AND ind = ?2", [vid, ind], |r| r.get::<_, i64>(0))? > 0)
        };
        match (req.method.as_str(), tail) {
            ("GET", []) => {
                let mut st = conn
                    .prepare("SELECT v.id, v.fields FROM victims v JOIN victim_indicators vi ON vi.victim = v.id WHERE vi.ind = ?1 ORDER BY v.id")?;
                let rows = st.query_map([ind], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
                let all: Vec<Value> = rows.collect::<Result<Vec<_>, _>>()?.iter().map(|(id, f)| victim_json(app, *id, f)).collect();
                paged(req, "victim", all)
            }
            (m, [vid]) => {
                let vid = id_of(vid, "Victim")?;
                let (_, fields) = load_victim(conn, vid)?;
                match m {
                    "GET" if linked(vid)? => Ok(ok(json!({"victim": victim_json(app, vid, &fields)}))),
                    "GET" => Err(not_found(format!("Victim {} is not associated with the indicator", vid))),
                    "POST" => {
                        owner.writable()?;
                        conn.execute("INSERT OR IGNORE INTO victim_indicators(victim, ind) VALUES (?1, ?2)", [vid, ind])?;
                        Ok(ok_plain())
                    }
                    "DELETE" => {
                        owner.writable()?;
                        if conn.execute("DELETE FROM victim_indicators WHERE victim = ?1 AND ind = ?2", [vid, ind])? == 0 {
                            return Err(not_found(format!("Victim {} is not associated with the indicator", vid)));
                        }
                        Ok(ok_plain())
                    }
                    _ => Err(no_endpoint(req)),
                }
            }
            _ => Err(no_endpoint(req)),
        }
    })())
}

// ---- tasks ---------------------------------------------------------------------

const TASK_STATUSES: [&str; 5] = ["Not Started", "In Progress", "Completed", "Waiting on Someone", "Deferred"];

fn task_json(app: &App, id: i64, owner: &Owner, date_added: i64, fields: &str) -> Value {
    let f: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("name".into(), f.get("name").cloned().unwrap_or(Value::Null));
    m.insert("owner".into(), json!({"id": owner.id, "name": owner.name, "type": owner.otype}));
    m.insert("dateAdded".into(), json!(iso(date_added)));
    m.insert("webLink".into(), json!(format!("{}/auth/task/task.xhtml?task={}", app.base(), id)));
    for (k, v) in f {
        if k != "name" {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// The documented task fields of `body` over `old`; name required, status one of the documented ones.
fn task_fields(body: &Value, old: Map<String, Value>) -> Res<String> {
    let mut m = old;
    text_fields(body, &["name", "status"], &mut m)?;
    if m.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(bad("Task name is required"));
    }
    let status = m.get("status").and_then(Value::as_str).unwrap_or("Not Started").to_string();
    if !TASK_STATUSES.contains(&status.as_str()) {
        return Err(bad(format!("Invalid task status: {}", status)));
    }
    m.insert("status".into(), json!(status));
    // dueDate and escalationDate (docs/rest_api/v2/tasks/create.rst); reminderDate as tcex's Task
    // sets it (tcex/api/tc/v2/threat_intelligence/mapping/task.py `reminder_date`).
    for key in ["dueDate", "escalationDate", "reminderDate"] {
        if let Some(d) = body.get(key) {
            let s = d.as_str().ok_or_else(|| bad(format!("{key} must be a date")))?;
            parse_date(s).ok_or_else(|| bad(format!("Invalid {key}: {s}")))?;
            m.insert(key.into(), json!(s));
        }
    }
    for flag in ["escalated", "reminded", "overdue"] {
        match body.get(flag) {
            None => {
                m.entry(flag).or_insert(json!(false));
            }
            Some(Value::Bool(b)) => {
                m.insert(flag.into(), json!(b));
            }
            Some(_) => return Err(bad(format!("{} must be true or false", flag))),
        }
    }
    for role in ["assignee", "escalatee"] {
        if let Some(a) = body.get(role) {
            let list = a.as_array().ok_or_else(|| bad(format!("{role} must be a list of users")))?;
            let users: Vec<Value> = list
                .iter()
                .map(|u| {
                    u.get("userName")
                        .and_then(Value::as_str)
                        .map(|n| json!({"userName": n}))
                        .ok_or_else(|| bad(format!("each {role} needs a userName")))
                })
                .collect::<Res<_>>()?;
            m.insert(role.into(), json!(users));
        }
    }
    Ok(Value::Object(m).to_string())
}

pub fn tasks(app: &App, req: &Req, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let owner = resolve_owner(&conn, req.param("owner"))?;
            let mut st = conn.prepare("SELECT id, date_added, fields FROM tasks WHERE owner_id = ?1 ORDER BY id")?;
            let rows = st.query_map([owner.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
            let all: Vec<Value> = rows.collect::<Result<Vec<_>, _>>()?.iter().map(|(id, d, f)| task_json(app, *id, &owner, *d, f)).collect();
            paged(req, "task", all)
        }
        ("POST", []) => {
            let owner = resolve_owner(&conn, req.param("owner"))?;
            owner.writable()?;
            let f = task_fields(&req.json()?, Map::new())?;
            let now = now_s();
            conn.execute("INSERT INTO tasks(owner_id, date_added, fields) VALUES (?1, ?2, ?3)", params![owner.id, now, f])?;
            Ok(created(json!({"task": task_json(app, conn.last_insert_rowid(), &owner, now, &f)})))
        }
        (m, [id, tail @ ..]) => {
            let id = id_of(id, "Task")?;
            let row: Option<(i64, i64, String)> = conn
                .query_row("SELECT owner_id, date_added, fields FROM tasks WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (owner_id, added, fields) = row.ok_or_else(|| not_found(format!("Task not found: {}", id)))?;
            let owner = crate::render::owners(&conn)?.into_iter().find(|o| o.id == owner_id).ok_or_else(|| ApiErr::new(500, "task owner missing"))?;
            if !tail.is_empty() {
                if m != "GET" {
                    owner.writable()?;
                }
                return task_item(app, &conn, req, id, &owner, &fields, tail);
            }
            match m {
                "GET" => {
                    let mut t = task_json(app, id, &owner, added, &fields);
                    crate::metadata::decorate_with_includes(&conn, app, req, &mut t, "t", id, &owner.name)?;
                    Ok(ok(json!({ "task": t })))
                }
                "PUT" => {
                    owner.writable()?;
                    let f = task_fields(&req.json()?, serde_json::from_str(&fields).unwrap_or_default())?;
                    conn.execute("UPDATE tasks SET fields = ?2 WHERE id = ?1", params![id, f])?;
                    Ok(ok(json!({"task": task_json(app, id, &owner, added, &f)})))
                }
                "DELETE" => {
                    owner.writable()?;
                    conn.execute("DELETE FROM tasks WHERE id = ?1", [id])?;
                    conn.execute("DELETE FROM named_links WHERE kind = 'task-victim' AND a = ?1", [id])?;
                    crate::render::delete_metadata(&conn, "t", id)?;
                    Ok(ok_plain())
                }
                _ => Err(no_endpoint(req)),
            }
        }
        _ => Err(no_endpoint(req)),
    }
}

/// A task's sub-resources. Attributes, tags and security labels as on every v2 item
/// (docs/rest_api/v2/tasks/create.rst, retrieve.rst: `/v2/tasks/{taskId}/attributes`,
/// `/securityLabels/{label}`, `/tags/{name}`); assignees and escalatees as tcex calls them
/// (tcex 5.0.0 `api/tc/v2/threat_intelligence/tcex_ti_tc_request.py`: `GET
/// /v2/tasks/{id}/assignees` listed under `user`, `GET|POST|DELETE .../assignees/{userName}`, the same
/// for escalatees), kept in the task's documented `assignee` / `escalatee` lists (create.rst).
fn task_item(app: &App, conn: &Connection, req: &Req, id: i64, owner: &Owner, fields: &str, tail: &[&str]) -> Res<Resp> {
    let list_key = match tail.first() {
        Some(&"attributes" | &"tags" | &"securityLabels") => return crate::metadata::item_metadata(app, conn, req, "t", id, owner, tail),
        Some(&"victims") => return task_victims(app, conn, req, id, &tail[1..]),
        Some(&"assignees") => "assignee",
        Some(&"escalatees") => "escalatee",
        _ => return Err(no_endpoint(req)),
    };
    let mut f: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    let mut users: Vec<String> = f
        .get(list_key)
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|u| u.get("userName")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let render = |name: &str| {
        if name == app.cfg.access_id {
            json!({"userName": name, "firstName": "Pivot", "lastName": "Developer"})
        } else {
            json!({"userName": name})
        }
    };
    let save = |users: &[String], f: &mut Map<String, Value>| -> Res<()> {
        f.insert(list_key.into(), json!(users.iter().map(|u| json!({"userName": u})).collect::<Vec<_>>()));
        conn.execute("UPDATE tasks SET fields = ?2 WHERE id = ?1", params![id, Value::Object(f.clone()).to_string()])?;
        Ok(())
    };
    match (req.method.as_str(), &tail[1..]) {
        ("GET", []) => {
            let all: Vec<Value> = users.iter().map(|u| render(u)).collect();
            paged(req, "user", all)
        }
        (m, [name]) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 255 {
                return Err(bad("A user name is 1 to 255 characters"));
            }
            let present = users.iter().any(|u| u == name);
            match m {
                "GET" if present => Ok(ok(json!({"user": render(name)}))),
                "GET" => Err(not_found(format!("User {} is not an {} of task {}", name, list_key, id))),
                // 200, not 201: tcex's test_task_interface.py asserts it for an added assignee
                // and escalatee (tests_ti_task_assignee_add, tests_ti_task_escalatee_add).
                "POST" => {
                    if !present {
                        users.push(name.to_string());
                        save(&users, &mut f)?;
                    }
                    Ok(ok(json!({"user": render(name)})))
                }
                "DELETE" if present => {
                    users.retain(|u| u != name);
                    save(&users, &mut f)?;
                    Ok(ok_plain())
                }
                "DELETE" => Err(not_found(format!("User {} is not an {} of task {}", name, list_key, id))),
                _ => Err(ApiErr::new(405, "Method not allowed")),
            }
        }
        _ => Err(no_endpoint(req)),
    }
}

/// A task's victims (docs/rest_api/v2/tasks/create.rst `POST /v2/tasks/{taskId}/victims/{victimId}`,
/// retrieve.rst `GET /v2/tasks/{taskId}/victims[/{victimId}]`, delete.rst), kept as named links
/// (`task-victim`, task, victim).
fn task_victims(app: &App, conn: &Connection, req: &Req, task: i64, tail: &[&str]) -> Res<Resp> {
    let linked = |vid: i64| -> Res<bool> {
        Ok(conn.query_row("SELECT COUNT(*) FROM named_links WHERE kind = 'task-victim' AND name = '' AND a = ?1 AND b = ?2", [task, vid], |r| {
            r.get::<_, i64>(0)
        })? > 0)
    };
    match (req.method.as_str(), tail) {
        ("GET", []) => {
            let mut st = conn.prepare(
                "SELECT v.id, v.fields FROM victims v JOIN named_links l ON l.b = v.id WHERE l.kind = 'task-victim' AND l.name = '' AND l.a = ?1 ORDER BY v.id",
            )?;
            let rows = st.query_map([task], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let all: Vec<Value> = rows.collect::<Result<Vec<_>, _>>()?.iter().map(|(id, f)| victim_json(app, *id, f)).collect();
            paged(req, "victim", all)
        }
        (m, [vid]) => {
            let vid = id_of(vid, "Victim")?;
            let (_, fields) = load_victim(conn, vid)?;
            let absent = || not_found(format!("Victim {} is not associated with task {}", vid, task));
            match m {
                "GET" if linked(vid)? => Ok(ok(json!({"victim": victim_json(app, vid, &fields)}))),
                "GET" => Err(absent()),
                "POST" => {
                    conn.execute("INSERT OR IGNORE INTO named_links(kind, name, a, b) VALUES ('task-victim', '', ?1, ?2)", [task, vid])?;
                    Ok(ok_plain())
                }
                "DELETE" => {
                    if conn.execute("DELETE FROM named_links WHERE kind = 'task-victim' AND name = '' AND a = ?1 AND b = ?2", [task, vid])? == 0 {
                        return Err(absent());
                    }
                    Ok(ok_plain())
                }
                _ => Err(ApiErr::new(405, "Method not allowed")),
            }
        }
        _ => Err(no_endpoint(req)),
    }
}

// ---- v3 victims and victim assets --------------------------------------------------
//
// docs/rest_api/v3/victims/*.rst and docs/rest_api/v3/victim_assets/*.rst. Same rows as v2 (a v3 write
// shows in a v2 read and back): the v3 asset field names map onto the stored v2 ones.

fn ok3(status: u16, data: Value, message: Option<&str>) -> Resp {
    let mut b = json!({"data": data, "status": "Success"});
    if let Some(m) = message {
        b["message"] = json!(m);
    }
    Resp::json(status, b)
}

/// Writes a v3 asset body onto the stored (v2-named) fields; the naming field is required.
fn asset_fields_v3(body: &Value, t: &str, old: Option<&str>) -> Res<String> {
    let k = v3_kind(t)?;
    let mut m: Map<String, Value> = old.and_then(|o| serde_json::from_str(o).ok()).unwrap_or_default();
    for (v3, v2) in k.1 {
        match body.get(*v3) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                m.insert((*v2).to_string(), json!(s));
            }
            Some(_) => return Err(bad(format!("{} must be a string", v3))),
        }
    }
    let naming = k.1.iter().find(|(v3, _)| *v3 == k.2).map(|(_, v2)| *v2).unwrap_or(k.2);
    if m.get(naming).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
        return Err(bad(format!("{} is required for {}", k.2, t)));
    }
    Ok(Value::Object(m).to_string())
}

fn assets_of(app: &App, conn: &Connection, victim: i64) -> Res<Vec<Value>> {
    let mut st = conn.prepare("SELECT id, type, fields FROM victim_assets WHERE victim = ?1 ORDER BY id")?;
    let rows = st.query_map([victim], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?.into_iter().map(|(aid, t, f)| asset_v3(&app.base(), aid, victim, &t, &f)).collect())
}

fn victim_v3(app: &App, conn: &Connection, req: &Req, id: i64, owner: &Owner, fields: &str) -> Res<Value> {
    let mut v = victim_json(app, id, fields);
    v["ownerId"] = json!(owner.id);
    v["ownerName"] = json!(owner.name);
    let wants_assets = req.params_all("fields").iter().any(|f| f.split(',').any(|x| x.trim().eq_ignore_ascii_case("assets")));
    if wants_assets {
        let a = assets_of(app, conn, id)?;
        v["assets"] = json!({"data": a, "count": a.len()});
    }
    // `fields=tags|securityLabels|attributes` as on indicators and groups (v3 Victims page, "fields").
    let f = crate::render::Fields::from(&req.params_all("fields"));
    if f.has("tags") {
        v["tags"] = json!({"data": crate::render::tags_of(conn, "v", id)?.iter().map(crate::render::tag_v3).collect::<Vec<_>>()});
    }
    if f.has("securityLabels") {
        v["securityLabels"] = json!({"data": crate::render::labels_of(conn, "v", id)?.iter().map(crate::render::label_v3).collect::<Vec<_>>()});
    }
    if f.has("attributes") {
        let mut out = vec![];
        for a in crate::render::attrs_of(conn, "v", id)? {
            out.push(crate::render::attr_v3(conn, &a, true)?);
        }
        v["attributes"] = json!({"data": out});
    }
    Ok(v)
}

/// Adds (`append`, the default) or replaces (`replace`) a victim's assets from `{"data": [...], "mode"}`.
fn write_assets_v3(conn: &Connection, victim: i64, body: &Value) -> Res<()> {
    let Some(a) = body.get("assets") else { return Ok(()) };
    let data = a.get("data").and_then(Value::as_array).ok_or_else(|| bad("assets must be {\"data\": [...]}"))?;
    let mode = a.get("mode").and_then(Value::as_str).unwrap_or("append");
    let mut rows = vec![];
    for x in data {
        let t = x.get("type").and_then(Value::as_str).ok_or_else(|| bad("A victim asset needs a type"))?;
        rows.push((t.to_string(), asset_fields_v3(x, t, None)?));
    }
    match mode {
        "append" => {}
        "replace" => {
            conn.execute("DELETE FROM victim_assets WHERE victim = ?1", [victim])?;
        }
        other => return Err(bad(format!("Invalid mode: {}", other))),
    }
    for (t, f) in rows {
        conn.execute("INSERT INTO victim_assets(victim, type, fields) VALUES (?1, ?2, ?3)", params![victim, t, f])?;
    }
    Ok(())
}

/// `/v3/victims[/{id}]`: GET (list, one; `fields=assets`), POST, PUT.
pub fn route_v3(app: &App, req: &Req, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let owner = resolve_owner(&conn, req.param("owner"))?;
            // TQL over the victims' fields (tcex's `victims.filter.name(...)`: tests/api/tc/v3/victims/).
            let (cond, mut args) = crate::tql::compile(req.param("tql").unwrap_or(""), crate::tql::Target::Victims)?;
            args.push(json!(owner.id));
            let sql = format!("SELECT v.id FROM victims v WHERE ({cond}) AND v.owner_id = ?{}", args.len());
            let keep: Vec<i64> = conn
                .prepare(&sql)?
                .query_map(rusqlite::params_from_iter(crate::render::to_params(&args).iter()), |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut all = vec![];
            for (id, f) in owner_victims(&conn, &owner)?.into_iter().filter(|(id, _)| keep.contains(id)) {
                all.push(victim_v3(app, &conn, req, id, &owner, &f)?);
            }
            Ok(ok3(200, json!(all), None))
        }
        ("POST", []) => {
            let body = req.json()?;
            let m = new_victim(&body)?;
            let owner = resolve_owner(&conn, req.param("owner"))?;
            owner.writable()?;
            let tx = conn.unchecked_transaction()?;
            let f = Value::Object(m).to_string();
            tx.execute("INSERT INTO victims(owner_id, fields) VALUES (?1, ?2)", params![owner.id, f])?;
            let id = tx.last_insert_rowid();
            write_assets_v3(&tx, id, &body)?;
            crate::updates::apply_metadata(&tx, "v", id, &body)?;
            tx.commit()?;
            Ok(ok3(201, victim_v3(app, &conn, req, id, &owner, &f)?, Some("Created")))
        }
        (m @ ("GET" | "PUT"), [id]) => {
            let id = id_of(id, "Victim")?;
            let (owner, fields) = load_victim(&conn, id)?;
            if m == "GET" {
                return Ok(ok3(200, victim_v3(app, &conn, req, id, &owner, &fields)?, None));
            }
            owner.writable()?;
            let body = req.json()?;
            let mut f: Map<String, Value> = serde_json::from_str(&fields).unwrap_or_default();
            text_fields(&body, &VICTIM_FIELDS, &mut f)?;
            if f.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
                return Err(bad("Victim name is required"));
            }
            let f = Value::Object(f).to_string();
            let tx = conn.unchecked_transaction()?;
            tx.execute("UPDATE victims SET fields = ?2 WHERE id = ?1", params![id, f])?;
            write_assets_v3(&tx, id, &body)?;
            crate::updates::apply_metadata(&tx, "v", id, &body)?;
            tx.commit()?;
            Ok(ok3(200, victim_v3(app, &conn, req, id, &owner, &f)?, Some("Updated")))
        }
        // `DELETE /v3/victims/{id}` (v3 Victims page; tcex's `Victim.delete`): the victim, its
        // assets and its associations, answered as every v3 delete is.
        ("DELETE", [id]) => {
            let id = id_of(id, "Victim")?;
            let (owner, _) = load_victim(&conn, id)?;
            owner.writable()?;
            let tx = conn.unchecked_transaction()?;
            for sql in [
                "DELETE FROM victims WHERE id = ?1",
                "DELETE FROM victim_assets WHERE victim = ?1",
                "DELETE FROM victim_groups WHERE victim = ?1",
                "DELETE FROM victim_indicators WHERE victim = ?1",
                "DELETE FROM named_links WHERE kind = 'task-victim' AND b = ?1",
            ] {
                tx.execute(sql, [id])?;
            }
            crate::render::delete_metadata(&tx, "v", id)?;
            tx.commit()?;
            Ok(Resp::json(200, json!({"message": "Deleted", "status": "Success"})))
        }
        _ => Err(not_found(format!("No v3 endpoint {} {}", req.method, req.path))),
    }
}

/// `/v3/victimAssets[/{id}]`: GET (list of the owner's, one), POST (`type`, `victimId`), PUT.
pub fn assets_v3(app: &App, req: &Req, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    let load = |aid: &str| -> Res<(i64, i64, String, String, Owner)> {
        let aid = id_of(aid, "Victim asset")?;
        let row: Option<(i64, String, String)> = conn
            .query_row("SELECT victim, type, fields FROM victim_assets WHERE id = ?1", [aid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (victim, t, f) = row.ok_or_else(|| not_found(format!("Victim asset not found: {}", aid)))?;
        let (owner, _) = load_victim(&conn, victim)?;
        Ok((aid, victim, t, f, owner))
    };
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let owner = resolve_owner(&conn, req.param("owner"))?;
            let ids: Vec<i64> = conn
                .prepare("SELECT id FROM victims WHERE owner_id = ?1 ORDER BY id")?
                .query_map([owner.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut all = vec![];
            for v in ids {
                all.extend(assets_of(app, &conn, v)?);
            }
            // TQL over tcex's VictimAssetFilter keywords (tests/api/tc/v3/victim_assets/).
            if let Some(keep) = crate::metadata::tql_ids(&conn, req, crate::tql::Target::VictimAssets)? {
                all.retain(|a| a["id"].as_i64().is_some_and(|id| keep.contains(&id)));
            }
            Ok(ok3(200, json!(all), None))
        }
        ("GET", [aid]) => {
            let (aid, victim, t, f, _) = load(aid)?;
            Ok(ok3(200, asset_v3(&app.base(), aid, victim, &t, &f), None))
        }
        ("POST", []) => {
            let body = req.json()?;
            let victim = body.get("victimId").and_then(Value::as_i64).ok_or_else(|| bad("victimId is required"))?;
            let t = body.get("type").and_then(Value::as_str).ok_or_else(|| bad("type is required"))?;
            let (owner, _) = load_victim(&conn, victim)?;
            owner.writable()?;
            let f = asset_fields_v3(&body, t, None)?;
            conn.execute("INSERT INTO victim_assets(victim, type, fields) VALUES (?1, ?2, ?3)", params![victim, t, f])?;
            let aid = conn.last_insert_rowid();
            Ok(ok3(201, asset_v3(&app.base(), aid, victim, t, &f), Some("Created")))
        }
        ("PUT", [aid]) => {
            let (aid, victim, t, old, owner) = load(aid)?;
            owner.writable()?;
            let f = asset_fields_v3(&req.json()?, &t, Some(&old))?;
            conn.execute("UPDATE victim_assets SET fields = ?2 WHERE id = ?1", params![aid, f])?;
            Ok(ok3(200, asset_v3(&app.base(), aid, victim, &t, &f), Some("Updated")))
        }
        _ => Err(not_found(format!("No v3 endpoint {} {}", req.method, req.path))),
    }
}

/// A new victim's fields from a v2 or v3 create body: the documented text fields, a name required.
fn new_victim(body: &Value) -> Res<Map<String, Value>> {
    let mut m = Map::new();
    text_fields(body, &VICTIM_FIELDS, &mut m)?;
    if m.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(bad("Victim name is required"));
    }
    Ok(m)
}

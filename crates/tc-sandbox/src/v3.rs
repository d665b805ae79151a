//! API v3: indicators, groups (one item, TQL search, writes with nested modes), tags, labels, attribute types, owners.

use crate::model;
use crate::render::*;
use crate::server::{App, Req, Resp};
use crate::tql::{self, Target};
use crate::util::{bad, int, not_found, now_s, num, pct_encode, s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

pub fn route(app: &App, req: &Req) -> Res<Resp> {
    let seg = req.segments("/api/v3");
    let seg: Vec<&str> = seg.iter().map(|s| s.as_str()).collect();
    let m = req.method.as_str();
    match (m, seg.as_slice()) {
        ("GET", ["indicators"]) => list(app, req, Target::Indicators),
        ("GET", ["groups"]) => list(app, req, Target::Groups),
        ("POST", ["indicators"]) => create_indicator(app, req),
        ("POST", ["groups"]) => create_group_v3(app, req),
        (_, ["indicators", key]) => one_indicator(app, req, key),
        (_, ["groups", key]) => one_group(app, req, key),
        (_, ["groups", key, what @ ("upload" | "download")]) => group_file(app, req, key, what),
        ("GET", ["tags"]) => tags(app, req, None),
        ("GET", ["tags", id]) => tags(app, req, Some(id)),
        ("GET", ["securityLabels"]) => labels(app, req, None),
        ("GET", ["securityLabels", id]) => labels(app, req, Some(id)),
        ("POST", ["securityLabels"]) => create_label(app, req),
        ("GET", ["attributeTypes"]) => attribute_types(app, req, None),
        ("GET", ["attributeTypes", id]) => attribute_types(app, req, Some(id)),
        ("PUT", ["indicatorAttributes", id]) => update_attribute(app, req, "i", id),
        ("PUT", ["groupAttributes", id]) => update_attribute(app, req, "g", id),
        (_, ["victims", rest @ ..]) => crate::victims::route_v3(app, req, rest),
        (_, ["victimAssets", rest @ ..]) => crate::victims::assets_v3(app, req, rest),
        ("GET", ["security", "owners"]) => owners_v3(app, req, None),
        ("GET", ["security", "owners", id]) => owners_v3(app, req, Some(id)),
        _ => Err(not_found(format!("No v3 endpoint {} {}", req.method, req.path))),
    }
}

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"data": data, "status": "Success"}))
}

struct Page {
    start: i64,
    limit: i64,
}

fn page(req: &Req) -> Res<Page> {
    let start = match req.param("resultStart") {
        Some(v) => v.parse::<i64>().map_err(|_| bad("resultStart must be a number"))?,
        None => 0,
    };
    let limit = match req.param("resultLimit") {
        Some(v) => v.parse::<i64>().map_err(|_| bad("resultLimit must be a number"))?,
        None => 100,
    };
    if !(0..=1_000_000_000).contains(&start) {
        return Err(bad("resultStart must be between 0 and 1000000000"));
    }
    if !(1..=10_000).contains(&limit) {
        return Err(bad("resultLimit must be between 1 and 10000"));
    }
    Ok(Page { start, limit })
}

/// The envelope of a list: data, next (when more), count (when count=true).
fn envelope(app: &App, req: &Req, p: &Page, total: i64, data: Vec<Value>) -> Resp {
    let mut out = json!({"data": data, "status": "Success"});
    if p.start + p.limit < total {
        let mut q: Vec<String> = req
            .query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                k != "resultstart" && k != "resultlimit"
            })
            .map(String::from)
            .collect();
        q.push(format!("resultStart={}", p.start + p.limit));
        q.push(format!("resultLimit={}", p.limit));
        out["next"] = json!(format!("{}{}?{}", app.base(), req.path, q.join("&")));
    }
    if p.start > 0 {
        let mut q: Vec<String> = req
            .query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                k != "resultstart" && k != "resultlimit"
            })
            .map(String::from)
            .collect();
        q.push(format!("resultStart={}", (p.start - p.limit).max(0)));
        q.push(format!("resultLimit={}", p.limit));
        out["prev"] = json!(format!("{}{}?{}", app.base(), req.path, q.join("&")));
    }
    if req.flag("count") {
        out["count"] = json!(total);
    }
    Resp::json(200, out)
}

fn fields(req: &Req) -> Fields {
    Fields::from(&req.params_all("fields"))
}

fn list(app: &App, req: &Req, target: Target) -> Res<Resp> {
    let p = page(req)?;
    let (mut cond, mut args) = tql::compile(req.param("tql").unwrap_or(""), target)?;
    let conn = app.db();
    if let Some(o) = req.param("owner") {
        let owner = resolve_owner(&conn, Some(o))?;
        args.push(json!(owner.id));
        cond = format!("({}) AND o.id = ?{}", cond, args.len());
    }
    let f = fields(req);
    let base = app.base();
    let (count_sql, alias) = match target {
        Target::Indicators => ("SELECT COUNT(*) FROM indicators i JOIN owners o ON o.id = i.owner_id WHERE ", "i"),
        Target::Groups => ("SELECT COUNT(*) FROM groups_ g JOIN owners o ON o.id = g.owner_id WHERE ", "g"),
    };
    let total: i64 = conn
        .prepare(&format!("{}{}", count_sql, cond))?
        .query_row(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?;
    let mut args2 = args.clone();
    args2.push(json!(p.limit));
    args2.push(json!(p.start));
    let order = sorting(req, target)?;
    let tail = format!("WHERE {} ORDER BY {}{}.id LIMIT ?{} OFFSET ?{}", cond, order, alias, args2.len() - 1, args2.len());
    let mut data = vec![];
    match target {
        Target::Indicators => {
            for i in query_inds(&conn, &tail, &args2)? {
                data.push(ind_v3(&conn, &i, &f, &base)?);
            }
        }
        Target::Groups => {
            for g in query_groups(&conn, &tail, &args2)? {
                data.push(group_v3(&conn, &g, &f, &base)?);
            }
        }
    }
    Ok(envelope(app, req, &p, total, data))
}

/// `sorting=dateAdded DESC,summary` (repeatable): ORDER BY terms, before the id tie-break.
fn sorting(req: &Req, target: Target) -> Res<String> {
    let ind = target == Target::Indicators;
    let a = if ind { "i" } else { "g" };
    let mut out = String::new();
    for spec in req.params_all("sorting").iter().flat_map(|v| v.split(',')) {
        let mut parts = spec.split_whitespace();
        let Some(field) = parts.next() else { continue };
        let dir = match parts.next().map(|d| d.to_ascii_uppercase()) {
            None => "ASC",
            Some(d) if d == "ASC" => "ASC",
            Some(d) if d == "DESC" => "DESC",
            Some(d) => return Err(bad(format!("Invalid sorting direction: {}", d))),
        };
        let col = match field.to_ascii_lowercase().as_str() {
            "id" => format!("{}.id", a),
            "dateadded" => format!("{}.date_added", a),
            "lastmodified" => format!("{}.last_modified", a),
            "summary" | "name" => (if ind { "i.summary" } else { "g.name" }).to_string(),
            "typename" | "type" => format!("{}.type", a),
            "ownername" => "o.name".to_string(),
            "rating" if ind => "i.rating".to_string(),
            "confidence" if ind => "i.confidence".to_string(),
            _ => return Err(bad(format!("Invalid sorting field: {}", field))),
        };
        out.push_str(&format!("{} {}, ", col, dir));
    }
    Ok(out)
}

fn find_indicator(conn: &Connection, req: &Req, key: &str) -> Res<Ind> {
    let owner = req.param("owner");
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(id) = key.parse::<i64>() {
            if let Some(i) = load_ind(conn, id)? {
                if owner.map(|o| o.eq_ignore_ascii_case(&i.owner.name) || o == i.owner.id.to_string()).unwrap_or(true) {
                    return Ok(i);
                }
            }
        }
    }
    let o = resolve_owner(conn, owner)?;
    find_ind(conn, o.id, None, key)?.ok_or_else(|| not_found(format!("Indicator not found: {}", key)))
}

fn one_indicator(app: &App, req: &Req, key: &str) -> Res<Resp> {
    let conn = app.db();
    let i = find_indicator(&conn, req, key)?;
    match req.method.as_str() {
        "GET" => Ok(ok(ind_v3(&conn, &i, &fields(req), &app.base())?)),
        "PUT" => {
            i.owner.writable()?;
            let body = req.json()?;
            let tx = conn.unchecked_transaction()?;
            update_indicator(&tx, &i, &body)?;
            touch(&tx, "i", i.id)?;
            tx.commit()?;
            let i = load_ind(&conn, i.id)?.ok_or_else(|| not_found("Indicator vanished"))?;
            let data = ind_v3(&conn, &i, &fields(req), &app.base())?;
            Ok(Resp::json(200, json!({"data": data, "message": "Updated", "status": "Success"})))
        }
        "DELETE" => {
            i.owner.writable()?;
            let tx = conn.unchecked_transaction()?;
            delete_ind(&tx, i.id)?;
            tx.commit()?;
            Ok(Resp::json(200, json!({"message": "Deleted", "status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

/// `PUT /v3/indicatorAttributes/{id}` (`groupAttributes` for groups): a new value for one attribute.
fn update_attribute(app: &App, req: &Req, kind: &str, id: &str) -> Res<Resp> {
    use rusqlite::OptionalExtension;
    let aid: i64 = id.parse().map_err(|_| not_found(format!("Attribute not found: {id}")))?;
    let conn = app.db();
    let item: Option<i64> = conn.query_row("SELECT item FROM attributes WHERE id = ?1 AND kind = ?2", params![aid, kind], |r| r.get(0)).optional()?;
    let item = item.ok_or_else(|| not_found(format!("Attribute not found: {aid}")))?;
    let owner = if kind == "i" { load_ind(&conn, item)?.map(|i| i.owner) } else { load_group(&conn, item)?.map(|g| g.owner) };
    owner.ok_or_else(|| not_found(format!("Attribute not found: {aid}")))?.writable()?;
    let body = req.json()?;
    let value = body.get("value").and_then(|v| v.as_str()).ok_or_else(|| bad("An attribute update needs a value"))?;
    conn.execute("UPDATE attributes SET value = ?1, last_modified = ?2 WHERE id = ?3", params![value, now_s(), aid])?;
    touch(&conn, kind, item)?;
    Ok(Resp::json(200, json!({"data": {"id": aid, "value": value}, "message": "Updated", "status": "Success"})))
}

/// A group by id, or (documented) by xid within the owner the `owner` parameter names.
fn group_by_key(conn: &Connection, req: &Req, key: &str) -> Res<Group> {
    let id: i64 = match key.parse() {
        Ok(id) => id,
        Err(_) => {
            let owner = req.param("owner").ok_or_else(|| not_found(format!("Group not found: {key} (an XID needs the owner parameter)")))?;
            conn.query_row(
                "SELECT g.id FROM groups_ g JOIN owners o ON o.id = g.owner_id WHERE g.xid = ?1 AND o.name = ?2 COLLATE NOCASE",
                params![key, owner],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| not_found(format!("Group not found: {}", key)))?
        }
    };
    load_group(conn, id)?.ok_or_else(|| not_found(format!("Group not found: {}", id)))
}

/// A Document's or Report's file (docs/rest_api/v3/groups/retrieve_upload_update_document.rst):
/// `GET .../download`; `POST .../upload` (refused when a file exists, unless
/// `updateIfExists=true`) and `PUT .../upload` (replaces); `filename` renames the group's file.
fn group_file(app: &App, req: &Req, key: &str, what: &str) -> Res<Resp> {
    let conn = app.db();
    let g = group_by_key(&conn, req, key)?;
    if !matches!(g.gtype.as_str(), "Document" | "Report") {
        return Err(bad(format!("Only Document and Report groups hold a file, not {} {}", g.gtype, g.id)));
    }
    match (req.method.as_str(), what) {
        ("GET", "download") => crate::v2::download_file(&conn, &g),
        (m @ ("POST" | "PUT"), "upload") => {
            g.owner.writable()?;
            crate::v2::octet_stream(req)?;
            let exists = conn.query_row("SELECT 1 FROM group_files WHERE grp = ?1", [g.id], |_| Ok(())).optional()?.is_some();
            if m == "POST" && exists && req.param("updateIfExists") != Some("true") {
                return Err(bad(format!("{} {} already holds a file: use PUT, or POST with updateIfExists=true", g.gtype, g.id)));
            }
            crate::v2::store_file(&conn, &g, &req.body)?;
            if let Some(name) = req.param("filename") {
                let g = load_group(&conn, g.id)?.ok_or_else(|| not_found("Group vanished"))?;
                let mut extra = g.extra.as_deref().and_then(|e| serde_json::from_str::<Value>(e).ok()).filter(Value::is_object).unwrap_or_else(|| json!({}));
                extra["fileName"] = json!(name);
                conn.execute("UPDATE groups_ SET extra = ?1 WHERE id = ?2", params![extra.to_string(), g.id])?;
            }
            Ok(Resp::json(200, json!({"message": "Upload successful", "status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

fn one_group(app: &App, req: &Req, key: &str) -> Res<Resp> {
    let conn = app.db();
    let g = group_by_key(&conn, req, key)?;
    let id = g.id;
    match req.method.as_str() {
        "GET" => Ok(ok(group_v3(&conn, &g, &fields(req), &app.base())?)),
        "PUT" => {
            g.owner.writable()?;
            let body = req.json()?;
            let tx = conn.unchecked_transaction()?;
            update_group(&tx, &g, &body)?;
            touch(&tx, "g", g.id)?;
            tx.commit()?;
            let g = load_group(&conn, id)?.ok_or_else(|| not_found("Group vanished"))?;
            let data = group_v3(&conn, &g, &fields(req), &app.base())?;
            Ok(Resp::json(200, json!({"data": data, "message": "Updated", "status": "Success"})))
        }
        "DELETE" => {
            g.owner.writable()?;
            let tx = conn.unchecked_transaction()?;
            delete_group(&tx, g.id)?;
            tx.commit()?;
            Ok(Resp::json(200, json!({"message": "Deleted", "status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

fn body_owner(conn: &Connection, req: &Req, body: &Value) -> Res<Owner> {
    if let Some(o) = req.param("owner") {
        return resolve_owner(conn, Some(o));
    }
    if let Some(n) = body.get("ownerName").and_then(|v| v.as_str()) {
        return resolve_owner(conn, Some(n));
    }
    if let Some(id) = body.get("ownerId").and_then(int) {
        return owner_by_id(conn, id)?.ok_or_else(|| not_found(format!("Owner not found: {}", id)));
    }
    resolve_owner(conn, None)
}

/// Value fields of a v3/v2 indicator body: summary, or the typed fields (ip, hostName, md5...).
pub fn body_values(t: &'static model::IndType, body: &Value) -> Res<[Option<String>; 3]> {
    let mut v: [Option<String>; 3] = [None, None, None];
    for (k, name) in t.fields.iter().enumerate() {
        if let Some(x) = body.get(*name).and_then(s) {
            v[k] = Some(x);
        }
    }
    for (k, alt) in ["value1", "value2", "value3"].iter().enumerate() {
        if v[k].is_none() {
            if let Some(x) = body.get(*alt).and_then(s) {
                v[k] = Some(x);
            }
        }
    }
    if v.iter().all(|x| x.is_none()) {
        if let Some(sm) = body.get("summary").and_then(s) {
            v = model::split_summary(t, &sm);
        }
    }
    if v.iter().all(|x| x.is_none()) {
        return Err(bad(format!("Please enter a valid {}: the indicator value is missing", t.name)));
    }
    Ok(v)
}

fn create_indicator(app: &App, req: &Req) -> Res<Resp> {
    let body = req.json()?;
    let tname = body.get("type").and_then(|t| t.as_str()).ok_or_else(|| bad("Indicator type is required"))?;
    let t = model::ind_type(tname).ok_or_else(|| bad(format!("Invalid indicator type: {}", tname)))?;
    let conn = app.db();
    let owner = body_owner(&conn, req, &body)?;
    owner.writable()?;
    let v = body_values(t, &body)?;
    let tx = conn.unchecked_transaction()?;
    let id = create_ind(
        &tx,
        &NewInd {
            owner: &owner,
            t,
            v,
            rating: body.get("rating").and_then(num),
            confidence: body.get("confidence").and_then(int),
            description: body.get("description").and_then(s),
            xid: body.get("xid").and_then(s),
        },
    )?;
    let i = load_ind(&tx, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
    update_indicator(&tx, &i, &body)?;
    tx.commit()?;
    let i = load_ind(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
    let data = ind_v3(&conn, &i, &fields(req), &app.base())?;
    Ok(Resp::json(201, json!({"data": data, "message": "Created", "status": "Success"})))
}

fn create_group_v3(app: &App, req: &Req) -> Res<Resp> {
    let body = req.json()?;
    let tname = body.get("type").and_then(|t| t.as_str()).ok_or_else(|| bad("Group type is required"))?;
    let name = body.get("name").and_then(|t| t.as_str()).ok_or_else(|| bad("Group name is required"))?;
    let conn = app.db();
    let owner = body_owner(&conn, req, &body)?;
    let tx = conn.unchecked_transaction()?;
    let event_date = body.get("eventDate").and_then(|d| d.as_str()).and_then(parse_date);
    let id = create_group(&tx, &owner, tname, name, body.get("xid").and_then(|x| x.as_str()), event_date, body.get("status").and_then(|x| x.as_str()), None)?;
    let g = load_group(&tx, id)?.ok_or_else(|| ApiErr::new(500, "created group not found"))?;
    update_group(&tx, &g, &body)?;
    tx.commit()?;
    let g = load_group(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created group not found"))?;
    let data = group_v3(&conn, &g, &fields(req), &app.base())?;
    Ok(Resp::json(201, json!({"data": data, "message": "Created", "status": "Success"})))
}

/// A nested `{"data": [...], "mode": "append|delete|replace"}` object.
fn nested(body: &Value, key: &str) -> Res<Option<(Vec<Value>, String)>> {
    let Some(v) = body.get(key) else { return Ok(None) };
    if v.is_null() {
        return Ok(None);
    }
    let data = match v.get("data") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        None if v.is_array() => v.as_array().cloned().unwrap_or_default(),
        _ => return Err(bad(format!("{} must be an object with a data array", key))),
    };
    let mode = v.get("mode").and_then(|m| m.as_str()).unwrap_or("append").to_ascii_lowercase();
    if !matches!(mode.as_str(), "append" | "delete" | "replace") {
        return Err(bad(format!("Invalid mode for {}: {}", key, mode)));
    }
    Ok(Some((data, mode)))
}

fn apply_common(conn: &Connection, kind: &str, id: i64, owner: &Owner, body: &Value) -> Res<()> {
    if let Some((data, mode)) = nested(body, "tags")? {
        if mode == "replace" {
            conn.execute("DELETE FROM item_tags WHERE kind = ?1 AND item = ?2", params![kind, id])?;
        }
        for t in data {
            let name = t.get("name").and_then(|n| n.as_str()).ok_or_else(|| bad("A tag needs a name"))?;
            if mode == "delete" {
                remove_tag(conn, kind, id, name)?;
            } else {
                add_tag(conn, kind, id, name)?;
            }
        }
    }
    if let Some((data, mode)) = nested(body, "securityLabels")? {
        if mode == "replace" {
            conn.execute("DELETE FROM item_labels WHERE kind = ?1 AND item = ?2", params![kind, id])?;
        }
        for l in data {
            let name = l.get("name").and_then(|n| n.as_str()).ok_or_else(|| bad("A security label needs a name"))?;
            if mode == "delete" {
                remove_label(conn, kind, id, name)?;
            } else {
                add_label(conn, kind, id, name)?;
            }
        }
    }
    if let Some((data, mode)) = nested(body, "attributes")? {
        if mode == "replace" {
            for a in attrs_of(conn, kind, id)? {
                delete_attr(conn, kind, id, a.id)?;
            }
        }
        for a in data {
            if mode == "delete" {
                if let Some(aid) = a.get("id").and_then(int) {
                    delete_attr(conn, kind, id, aid)?;
                } else {
                    let t = a.get("type").and_then(|x| x.as_str()).unwrap_or("");
                    let v = a.get("value").and_then(|x| x.as_str()).unwrap_or("");
                    conn.execute("DELETE FROM attributes WHERE kind = ?1 AND item = ?2 AND type = ?3 AND value = ?4", params![kind, id, t, v])?;
                }
                continue;
            }
            let t = a.get("type").and_then(|x| x.as_str()).ok_or_else(|| bad("An attribute needs a type"))?;
            let v = a.get("value").and_then(s).ok_or_else(|| bad("An attribute needs a value"))?;
            let aid = add_attr(conn, kind, id, t, &v, a.get("source").and_then(|x| x.as_str()), true)?;
            if let Some((labels, _)) = nested(&a, "securityLabels")? {
                for l in labels {
                    if let Some(n) = l.get("name").and_then(|n| n.as_str()) {
                        add_label(conn, "a", aid, n)?;
                    }
                }
            }
        }
    }
    if let Some((data, mode)) = nested(body, "associatedGroups")? {
        if mode == "replace" {
            if kind == "i" {
                conn.execute("DELETE FROM ig WHERE ind = ?1", [id])?;
            } else {
                conn.execute("DELETE FROM gg WHERE a = ?1 OR b = ?1", [id])?;
            }
        }
        for g in data {
            let gid = g.get("id").and_then(int).ok_or_else(|| bad("An associated group needs an id"))?;
            let other = load_group(conn, gid)?.ok_or_else(|| not_found(format!("Group not found: {}", gid)))?;
            match (kind, mode.as_str()) {
                ("i", "delete") => {
                    unlink_ig(conn, id, other.id)?;
                }
                ("i", _) => link_ig(conn, id, other.id)?,
                (_, "delete") => {
                    unlink_pair(conn, "gg", id, other.id)?;
                }
                _ => link_pair(conn, "gg", id, other.id)?,
            }
        }
    }
    if let Some((data, mode)) = nested(body, "associatedIndicators")? {
        if mode == "replace" {
            if kind == "g" {
                conn.execute("DELETE FROM ig WHERE grp = ?1", [id])?;
            } else {
                conn.execute("DELETE FROM ii WHERE a = ?1 OR b = ?1", [id])?;
            }
        }
        for x in data {
            let other = if let Some(oid) = x.get("id").and_then(int) {
                load_ind(conn, oid)?.ok_or_else(|| not_found(format!("Indicator not found: {}", oid)))?
            } else {
                let sm = x.get("summary").and_then(|v| v.as_str()).ok_or_else(|| bad("An associated indicator needs an id or a summary"))?;
                let t = x.get("type").and_then(|v| v.as_str()).and_then(model::ind_type);
                find_ind(conn, owner.id, t, sm)?.ok_or_else(|| not_found(format!("Indicator not found: {}", sm)))?
            };
            match (kind, mode.as_str()) {
                ("g", "delete") => {
                    unlink_ig(conn, other.id, id)?;
                }
                ("g", _) => link_ig(conn, other.id, id)?,
                (_, "delete") => {
                    unlink_pair(conn, "ii", id, other.id)?;
                }
                _ => {
                    let me: String = conn.query_row("SELECT type FROM indicators WHERE id = ?1", [id], |r| r.get(0))?;
                    if me == other.itype {
                        return Err(bad("Association cannot be applied to the indicator types."));
                    }
                    link_pair(conn, "ii", id, other.id)?
                }
            }
        }
    }
    Ok(())
}

pub fn update_indicator(conn: &Connection, i: &Ind, body: &Value) -> Res<()> {
    if !body.is_object() {
        return Err(bad("The request body must be a JSON object"));
    }
    let rating = body.get("rating").and_then(num);
    let confidence = body.get("confidence").and_then(int);
    check_rating(rating, confidence)?;
    if body.get("rating").is_some() {
        conn.execute("UPDATE indicators SET rating = ?1 WHERE id = ?2", params![rating, i.id])?;
    }
    if body.get("confidence").is_some() {
        conn.execute("UPDATE indicators SET confidence = ?1 WHERE id = ?2", params![confidence, i.id])?;
    }
    if let Some(d) = body.get("description") {
        conn.execute("UPDATE indicators SET description = ?1 WHERE id = ?2", params![s(d), i.id])?;
    }
    for (k, col) in [("active", "active"), ("privateFlag", "private_flag"), ("dnsActive", "dns_active"), ("whoisActive", "whois_active")] {
        if let Some(b) = body.get(k) {
            let v = b.as_bool().or_else(|| b.as_str().map(|x| x.eq_ignore_ascii_case("true"))).ok_or_else(|| bad(format!("{} must be a boolean", k)))?;
            conn.execute(&format!("UPDATE indicators SET {} = ?1 WHERE id = ?2", col), params![v as i64, i.id])?;
        }
    }
    crate::assoc::write_v3(conn, i, body)?;
    if let Some(n) = body.get("observations").and_then(int) {
        if !(0..=1_000_000).contains(&n) {
            return Err(bad("observations must be between 0 and 1000000"));
        }
        if n > 0 {
            conn.execute("INSERT INTO observations(ind, count, date, mine) VALUES (?1, ?2, ?3, 1)", params![i.id, n, now_s()])?;
        }
    }
    if body.get("falsePositive").and_then(|b| b.as_bool()) == Some(true) || body.get("falsePositives").and_then(|b| b.as_bool()) == Some(true) {
        conn.execute("INSERT INTO false_positives(ind, date, mine) VALUES (?1, ?2, 1)", params![i.id, now_s()])?;
    }
    apply_common(conn, "i", i.id, &i.owner, body)
}

pub fn update_group(conn: &Connection, g: &Group, body: &Value) -> Res<()> {
    if !body.is_object() {
        return Err(bad("The request body must be a JSON object"));
    }
    if let Some(n) = body.get("name").and_then(|n| n.as_str()) {
        if n.trim().is_empty() {
            return Err(bad("Group name must not be empty"));
        }
        conn.execute("UPDATE groups_ SET name = ?1 WHERE id = ?2", params![n, g.id])?;
    }
    if let Some(d) = body.get("eventDate").and_then(|d| d.as_str()) {
        let ts = parse_date(d).ok_or_else(|| bad(format!("Invalid eventDate: {}", d)))?;
        conn.execute("UPDATE groups_ SET event_date = ?1 WHERE id = ?2", params![ts, g.id])?;
    }
    if let Some(st) = body.get("status").and_then(|d| d.as_str()) {
        conn.execute("UPDATE groups_ SET status = ?1 WHERE id = ?2", params![st, g.id])?;
    }
    apply_common(conn, "g", g.id, &g.owner, body)
}

fn tags(app: &App, req: &Req, id: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let mut st = conn.prepare("SELECT id, name, description, last_used FROM tags ORDER BY id")?;
    let rows = st.query_map([], |r| Ok(Tag { id: r.get(0)?, name: r.get(1)?, description: r.get(2)?, last_used: r.get(3)? }))?;
    let all: Vec<Tag> = rows.collect::<Result<_, _>>()?;
    let render = |t: &Tag| {
        let mut v = tag_v3(t);
        v["owner"] = json!("Demo Org");
        v
    };
    if let Some(id) = id {
        let t = all.iter().find(|t| t.id.to_string() == id).ok_or_else(|| not_found(format!("Tag not found: {}", id)))?;
        return Ok(ok(render(t)));
    }
    let filter = req.param("tql").unwrap_or("").to_string();
    let needle = tql_name_filter(&filter)?;
    let items: Vec<Value> = all.iter().filter(|t| needle.as_ref().map(|n| n(&t.name)).unwrap_or(true)).map(render).collect();
    paged_vec(app, req, items)
}

/// Tags, labels, attribute types accept a small TQL subset: name = / contains / startswith "x".
#[allow(clippy::type_complexity)]
fn tql_name_filter(tql_s: &str) -> Res<Option<Box<dyn Fn(&str) -> bool>>> {
    if tql_s.trim().is_empty() {
        return Ok(None);
    }
    let (cond, args) = tql::compile(tql_s, Target::Groups)?;
    // Evaluate with an in-memory SQLite so the same parser applies.
    let mem = Connection::open_in_memory()?;
    mem.execute_batch("CREATE TABLE g (id INTEGER, name TEXT, type TEXT, owner_id INTEGER, xid TEXT);")?;
    let sql = format!("SELECT COUNT(*) FROM g, (SELECT 'Demo Org' AS name) o WHERE {}", cond);
    mem.prepare(&sql).map_err(|e| ApiErr::tql(format!("Invalid TQL for this endpoint: {}", e)))?;
    let sql2 = sql.clone();
    Ok(Some(Box::new(move |name: &str| {
        let Ok(m) = Connection::open_in_memory() else { return false };
        if m.execute_batch("CREATE TABLE g (id INTEGER, name TEXT, type TEXT, owner_id INTEGER, xid TEXT);").is_err() {
            return false;
        }
        if m.execute("INSERT INTO g(id, name) VALUES (0, ?1)", [name]).is_err() {
            return false;
        }
        m.query_row(&sql2, rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get::<_, i64>(0)).map(|n| n > 0).unwrap_or(false)
    })))
}

fn paged_vec(app: &App, req: &Req, items: Vec<Value>) -> Res<Resp> {
    let p = page(req)?;
    let total = items.len() as i64;
    let data: Vec<Value> = items.into_iter().skip(p.start as usize).take(p.limit as usize).collect();
    Ok(envelope(app, req, &p, total, data))
}

fn labels(app: &App, req: &Req, id: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let all = all_labels(&conn)?;
    if let Some(id) = id {
        let l = all.iter().find(|l| l.id.to_string() == id).ok_or_else(|| not_found(format!("Security label not found: {}", id)))?;
        return Ok(ok(label_v3(l)));
    }
    let needle = tql_name_filter(req.param("tql").unwrap_or(""))?;
    let items = all.iter().filter(|l| needle.as_ref().map(|n| n(&l.name)).unwrap_or(true)).map(label_v3).collect();
    paged_vec(app, req, items)
}

/// `POST /v3/securityLabels` `{name, description?, color?}`: an instance-wide label
/// (Cross-Intel Sharing creates the labels a package uses that the target lacks).
fn create_label(app: &App, req: &Req) -> Res<Resp> {
    let body = req.json()?;
    let name = body.get("name").and_then(|n| n.as_str()).map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| bad("Security label name is required"))?;
    let conn = app.db();
    if all_labels(&conn)?.iter().any(|l| l.name.eq_ignore_ascii_case(name)) {
        return Err(ApiErr::new(409, format!("Security label already exists: {name}")));
    }
    let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    conn.execute(
        "INSERT INTO labels (name, description, color, date_added) VALUES (?1, ?2, ?3, ?4)",
        params![name, text("description"), text("color"), now_s()],
    )?;
    let l = all_labels(&conn)?.into_iter().find(|l| l.name.eq_ignore_ascii_case(name)).ok_or_else(|| ApiErr::new(500, "created label not found"))?;
    Ok(Resp::json(201, json!({"data": label_v3(&l), "message": "Created", "status": "Success"})))
}

fn attribute_types(app: &App, req: &Req, id: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let mut st = conn.prepare("SELECT id, name, description, max_size, allow_markdown FROM attribute_types ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "description": r.get::<_, Option<String>>(2)?,
                  "maxSize": r.get::<_, i64>(3)?, "allowMarkdown": r.get::<_, i64>(4)? != 0,
                  "errorMessage": format!("Please enter a valid {}", r.get::<_, String>(1)?)}))
    })?;
    let all: Vec<Value> = rows.collect::<Result<_, _>>()?;
    if let Some(id) = id {
        let a = all.iter().find(|a| a["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id)).ok_or_else(|| not_found(format!("Attribute type not found: {}", id)))?;
        return Ok(ok(a.clone()));
    }
    paged_vec(app, req, all)
}

fn owners_v3(app: &App, req: &Req, id: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let render = |o: &Owner| {
        let w = if o.otype == "Source" { "READ" } else { "FULL" };
        json!({"id": o.id, "name": o.name, "type": o.otype, "ownerRole": if o.otype == "Source" { "Read Only User" } else { "Organization Administrator" },
               "permIndicator": w, "permGroup": w, "permPost": w, "permVictim": w, "permAttribute": w, "permApps": "NONE",
               "permUsers": w, "permSecurityLabel": w, "permTag": w, "permAttributeType": w, "permSettings": w, "permMembers": w,
               "permCopyData": w, "permInvite": w, "permPublish": w, "permTask": "NONE", "permPlaybooks": "NONE", "permPlaybooksExecute": "NONE"})
    };
    let all = owners(&conn)?;
    if let Some(id) = id {
        let o = all.iter().find(|o| o.id.to_string() == id).ok_or_else(|| not_found(format!("Owner not found: {}", id)))?;
        return Ok(ok(render(o)));
    }
    let items = all.iter().map(render).collect();
    let _ = pct_encode("");
    paged_vec(app, req, items)
}

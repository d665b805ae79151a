//! API v2: indicators, groups, associations, metadata, owners, types, datastore; batch is in batch.rs.

use crate::app::{App, Req, Resp};
use crate::metadata::{decorate, includes, item_metadata, Includes};
use crate::model::{self, GroupType, IndType};
use crate::render::*;
use crate::util::{bad, int, iso, not_found, now_s, num, s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

fn ok_data(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}
fn ok_plain() -> Resp {
    Resp::json(200, json!({"status": "Success"}))
}
fn created(data: Value) -> Resp {
    Resp::json(201, json!({"status": "Success", "data": data}))
}

/// The v2 endpoints, one per line, as ThreatConnect's v2 documentation names them.
pub fn route(app: &App, req: &Req) -> Res<Resp> {
    let seg = req.segments("/api/v2");
    let seg: Vec<&str> = seg.iter().map(|s| s.as_str()).collect();
    let m = req.method.as_str();
    match (m, seg.as_slice()) {
        ("GET", ["owners"]) => all_owners(app),
        ("GET", ["owners", "mine"]) => my_owner(app),
        ("GET", ["owners", "mine", "members"]) => my_owner_members(app),
        ("GET", ["owners", "metrics"]) => owner_metrics(app, None),
        ("GET", ["owners", id, "metrics"]) => owner_metrics(app, Some(id)),
        ("GET", ["owners", id]) => owner_by_id(app, id),
        ("GET", ["whoami"]) => whoami(app),
        ("GET", ["types", "indicatorTypes"]) => indicator_types(),
        ("GET", ["types", "associationTypes"]) => crate::assoc::association_types(None),
        ("GET", ["types", "associationTypes", name]) => crate::assoc::association_types(Some(name)),
        ("GET", ["tags"]) => all_tags(app, req),
        ("GET", ["tags", name]) => tag_by_name(app, name),
        ("GET", ["tags", name, "indicators"]) => list_indicators(app, req, None, Some(name)),
        ("GET", ["tags", name, "indicators", branch]) => list_indicators(app, req, Some(ind_branch(branch)?), Some(name)),
        ("GET", ["tags", name, "groups"]) => list_groups(app, req, None, Some(name)),
        ("GET", ["tags", name, "groups", branch]) => list_groups(app, req, Some(group_branch(branch)?), Some(name)),
        ("GET", ["securityLabels"]) => all_security_labels(app),
        ("GET", ["securityLabels", name]) => security_label_by_name(app, name),
        ("GET", ["indicators"]) => list_indicators(app, req, None, None),
        ("GET", ["indicators", "observed"]) => observed(app, req),
        ("GET", ["indicators", "bulk"]) => bulk(app, req, None),
        ("GET", ["indicators", "bulk", format]) => bulk(app, req, Some(format)),
        ("GET", ["indicators", branch]) => list_indicators(app, req, Some(ind_branch(branch)?), None),
        ("POST", ["indicators", branch]) => create_indicator(app, req, ind_branch(branch)?),
        (_, ["indicators", branch, value, rest @ ..]) => indicator_item(app, req, ind_branch(branch)?, value, rest),
        ("GET", ["groups"]) => list_groups(app, req, None, None),
        ("GET", ["groups", branch]) => list_groups(app, req, Some(group_branch(branch)?), None),
        ("POST", ["groups", branch]) => create_group_v2(app, req, group_branch(branch)?),
        (_, ["groups", branch, id, rest @ ..]) => group_item(app, req, group_branch(branch)?, id, rest),
        (_, ["victims", rest @ ..]) => crate::victims::route(app, req, rest),
        (_, ["tasks", rest @ ..]) => crate::victims::tasks(app, req, rest),
        (_, ["batch", ..]) => crate::batch::route(app, req, &seg[1..]),
        (_, ["customMetrics", rest @ ..]) => crate::metrics::route(app, req, rest),
        ("POST", ["exchange", "db", domain, dtype, key]) => datastore(app, req, domain, dtype, key),
        // No record id: a search of the type (tcex's `DataStore.get()` without a rid).
        ("POST", ["exchange", "db", domain, dtype]) => datastore(app, req, domain, dtype, "_search"),
        (_, ["exchange", "spaces", element, rest @ ..]) => crate::spaces::route(app, req, element, rest),
        _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
    }
}

fn all_owners(app: &App) -> Res<Resp> {
    let conn = app.db();
    let os: Vec<Value> = owners(&conn)?.iter().map(|o| o.v2()).collect();
    Ok(ok_data(json!({"resultCount": os.len(), "owner": os})))
}

fn my_owner(app: &App) -> Res<Resp> {
    let conn = app.db();
    let o = resolve_owner(&conn, None)?;
    Ok(ok_data(json!({"resultCount": 1, "owner": o.v2()})))
}

fn my_owner_members(app: &App) -> Res<Resp> {
    Ok(ok_data(json!({"user": [
        {"userName": app.cfg.access_id, "firstName": "Pivot", "lastName": "Developer"},
        {"userName": "analyst@demo.example", "firstName": "Dana", "lastName": "Analyst"}]})))
}

fn owner_by_id(app: &App, id: &str) -> Res<Resp> {
    let conn = app.db();
    let o = owners(&conn)?.into_iter().find(|o| o.id.to_string() == id).ok_or_else(|| not_found(format!("Owner not found: {}", id)))?;
    Ok(ok_data(json!({"resultCount": 1, "owner": o.v2()})))
}

fn whoami(app: &App) -> Res<Resp> {
    Ok(ok_data(json!({"user": {
        "userName": app.cfg.access_id, "firstName": "Pivot", "lastName": "Developer", "pseudonym": "pivotAPI",
        "role": "Api User", "owner": "Demo Org"}})))
}

fn indicator_types() -> Res<Resp> {
    let ts: Vec<Value> = model::IND_TYPES
        .iter()
        .map(|t| {
            let mut v = json!({"name": t.name, "custom": t.custom.to_string(), "parsable": "true", "apiBranch": t.branch,
                               "apiEntity": t.entity, "casePreference": if t.name == "File" { "upper" } else { "any" }});
            for (k, f) in t.fields.iter().enumerate() {
                v[format!("value{}Label", k + 1)] = json!(f);
                v[format!("value{}Type", k + 1)] = json!("text");
            }
            v
        })
        .collect();
    Ok(ok_data(json!({"resultCount": ts.len(), "indicatorType": ts})))
}

fn all_tags(app: &App, req: &Req) -> Res<Resp> {
    let conn = app.db();
    let mut st = conn.prepare("SELECT id, name, description, last_used FROM tags ORDER BY name")?;
    let rows = st.query_map([], |r| Ok(Tag { id: r.get(0)?, name: r.get(1)?, description: r.get(2)?, last_used: r.get(3)? }))?;
    let all: Vec<Tag> = rows.collect::<Result<_, _>>()?;
    let p = page(req)?;
    let total = all.len();
    let items: Vec<Value> = all.iter().skip(p.0).take(p.1).map(|t| tag_v2(t, &app.base(), "Demo Org")).collect();
    Ok(ok_data(list_env(p.0, total, "tag", items)))
}

fn tag_by_name(app: &App, name: &str) -> Res<Resp> {
    let conn = app.db();
    let t: Option<(i64, String)> = conn.query_row("SELECT id, name FROM tags WHERE name = ?1", [name], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let (id, n) = t.ok_or_else(|| not_found(format!("Tag not found: {}", name)))?;
    Ok(ok_data(json!({"tag": tag_v2(&Tag { id, name: n, description: None, last_used: None }, &app.base(), "Demo Org")})))
}

fn all_security_labels(app: &App) -> Res<Resp> {
    let conn = app.db();
    let ls: Vec<Value> = all_labels(&conn)?.iter().map(label_v2).collect();
    Ok(ok_data(json!({"resultCount": ls.len(), "securityLabel": ls})))
}

fn security_label_by_name(app: &App, name: &str) -> Res<Resp> {
    let conn = app.db();
    let l = all_labels(&conn)?
        .into_iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| not_found(format!("Security label not found: {}", name)))?;
    Ok(ok_data(json!({"securityLabel": label_v2(&l)})))
}

fn ind_branch(b: &str) -> Res<&'static IndType> {
    model::ind_branch(b).ok_or_else(|| not_found(format!("Unknown indicator type: {}", b)))
}
fn group_branch(b: &str) -> Res<&'static GroupType> {
    model::group_branch(b).ok_or_else(|| not_found(format!("Unknown group type: {}", b)))
}

/// (resultStart, resultLimit)
fn page(req: &Req) -> Res<(usize, usize)> {
    let start = match req.param("resultStart") {
        Some(v) => v.parse::<usize>().map_err(|_| bad("resultStart must be a non-negative number"))?,
        None => 0,
    };
    let limit = match req.param("resultLimit") {
        Some(v) => v.parse::<usize>().map_err(|_| bad("resultLimit must be a number"))?,
        None => 100,
    };
    if !(1..=10_000).contains(&limit) {
        return Err(bad("resultLimit must be between 1 and 10000"));
    }
    if start > 1_000_000_000 {
        return Err(bad("resultStart must be between 0 and 1000000000"));
    }
    Ok((start, limit))
}

/// resultCount only when resultStart = 0, as documented.
fn list_env(start: usize, total: usize, key: &str, items: Vec<Value>) -> Value {
    let mut d = json!({});
    if start == 0 {
        d["resultCount"] = json!(total);
    }
    d[key] = json!(items);
    d
}

/// Bulk reports (docs/rest_api/v2/indicators/bulk_download.rst): published for Communities and Sources;
/// an Organization has them disabled (its report: 400). Built on request from the database, so they are
/// always current (`runNow=true` accepted); answered bare as documented (`{"bulkStatus"}`, `{"indicator"}`),
/// the CSV as `text/csv` with `Type,Value,Rating,Confidence` (`null` when unset, rating with two decimals).
fn bulk(app: &App, req: &Req, format: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    let enabled = owner.otype != "Organization";
    let Some(format) = format else {
        return Ok(Resp::json(
            200,
            json!({"bulkStatus": {"name": owner.name, "csvEnabled": enabled, "jsonEnabled": enabled,
            "nextRun": iso((now_s() / 86_400 + 1) * 86_400), "lastRun": iso(now_s()), "status": "Complete"}}),
        ));
    };
    if !matches!(format, "json" | "csv") {
        return Err(not_found(format!("Unknown bulk format: {}", format)));
    }
    if !enabled {
        return Err(bad(format!("Bulk {} reports are not enabled for {}", format.to_ascii_uppercase(), owner.name)));
    }
    let xs = query_inds(&conn, "WHERE i.owner_id = ?1 ORDER BY i.id", &[json!(owner.id)])?;
    if format == "json" {
        let inc = Includes { additional: false, tags: true, attributes: true, labels: false };
        let mut out = vec![];
        for x in &xs {
            let mut v = ind_v2(&conn, x, false, false, false, &app.base())?;
            decorate(&conn, app, &mut v, "i", x.id, &owner.name, &inc)?;
            out.push(v);
        }
        return Ok(Resp::json(200, json!({"indicator": out})));
    }
    let quote = |s: &str| if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut csv = String::from("Type,Value,Rating,Confidence\n");
    for x in &xs {
        let rating = x.rating.map(|r| format!("{:.2}", r)).unwrap_or_else(|| "null".into());
        let conf = x.confidence.map(|c| c.to_string()).unwrap_or_else(|| "null".into());
        csv.push_str(&format!("{},{},{},{}\n", quote(&x.itype), quote(&x.summary), rating, conf));
    }
    Ok(Resp { status: 200, body: csv.into_bytes(), headers: vec![("Content-Type".into(), "text/csv".into())] })
}

/// The item (alias `i` or `g`) carries the tag named by placeholder `?n`.
fn tagged(alias: &str, n: usize) -> String {
    format!("EXISTS (SELECT 1 FROM item_tags x JOIN tags t ON t.id = x.tag WHERE x.kind = '{alias}' AND x.item = {alias}.id AND t.name = ?{n})")
}

/// `modifiedSince=<date>`: only items modified at or after it (a number, so no placeholder is needed).
fn modified_since(req: &Req, alias: &str) -> Res<String> {
    match req.param("modifiedSince") {
        None => Ok(String::new()),
        Some(d) => {
            let ts = parse_date(d).ok_or_else(|| bad(format!("Invalid modifiedSince: {}", d)))?;
            Ok(format!(" AND {}.last_modified >= {}", alias, ts))
        }
    }
}

/// `filters=summary^bad,rating>2` with `orParams=true` for OR.
fn filters(req: &Req, ind: bool) -> Res<(String, Vec<Value>)> {
    let Some(f) = req.param("filters") else { return Ok(("1=1".into(), vec![])) };
    let mut conds = vec![];
    let mut args = vec![];
    for part in f.split(',').filter(|p| !p.trim().is_empty()) {
        let pos = part.find(['=', '<', '>', '^']).ok_or_else(|| bad(format!("Invalid filter: {}", part)))?;
        let (field, rest) = part.split_at(pos);
        // Two-character operators first: `rating>=3` is `rating` `>=` `3`, not `rating` `>` `=3`.
        let op_len = if rest.starts_with(">=") || rest.starts_with("<=") { 2 } else { 1 };
        let (op, val) = rest.split_at(op_len);
        let a = if ind { "i" } else { "g" };
        let (col, numeric) = match field.trim().to_ascii_lowercase().as_str() {
            "summary" if ind => ("i.summary".to_string(), false),
            "name" if !ind => ("g.name".to_string(), false),
            "id" => (format!("{}.id", a), true),
            "rating" if ind => ("i.rating".to_string(), true),
            "confidence" if ind => ("i.confidence".to_string(), true),
            "active" if ind => ("i.active".to_string(), true),
            "dateadded" => (format!("{}.date_added", a), true),
            "eventdate" if !ind => ("g.event_date".to_string(), true),
            "tag" => ("@tag".to_string(), false),
            other => return Err(bad(format!("Invalid filter field: {}", other))),
        };
        let v: Value = if col.ends_with("date_added") || col.ends_with("event_date") {
            json!(parse_date(val).ok_or_else(|| bad(format!("Invalid date in filter: {}", val)))?)
        } else if col == "i.active" {
            match val.trim().to_ascii_lowercase().as_str() {
                "true" => json!(1),
                "false" => json!(0),
                _ => return Err(bad(format!("Invalid boolean in filter: {}", val))),
            }
        } else if numeric {
            json!(val.trim().parse::<f64>().map_err(|_| bad(format!("Invalid number in filter: {}", val)))?)
        } else {
            json!(val)
        };
        args.push(v);
        let ph = format!("?{}", args.len());
        let c = if col == "@tag" {
            tagged(a, args.len())
        } else {
            match op {
                "=" => format!("{} = {}{}", col, ph, if numeric { "" } else { " COLLATE NOCASE" }),
                "<" => format!("{} < {}", col, ph),
                ">" => format!("{} > {}", col, ph),
                "<=" => format!("{} <= {}", col, ph),
                ">=" => format!("{} >= {}", col, ph),
                _ => format!("substr(lower({}), 1, length({})) = lower({})", col, ph, ph),
            }
        };
        conds.push(c);
    }
    if conds.is_empty() {
        return Ok(("1=1".into(), args));
    }
    let join = if req.flag("orParams") { " OR " } else { " AND " };
    Ok((format!("({})", conds.join(join)), args))
}

fn list_indicators(app: &App, req: &Req, t: Option<&'static IndType>, tag: Option<&str>) -> Res<Resp> {
    let (start, limit) = page(req)?;
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    let (fc, mut args) = filters(req, true)?;
    let mut cond = format!("i.owner_id = {} AND {}{}", owner.id, fc, modified_since(req, "i")?);
    if let Some(t) = t {
        args.push(json!(t.name));
        cond = format!("{} AND i.type = ?{}", cond, args.len());
    }
    if let Some(tag) = tag {
        args.push(json!(tag));
        cond = format!("{} AND {}", cond, tagged("i", args.len()));
    }
    let total: i64 = conn
        .prepare(&format!("SELECT COUNT(*) FROM indicators i JOIN owners o ON o.id = i.owner_id WHERE {}", cond))?
        .query_row(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?;
    let inds = query_inds(&conn, &format!("WHERE {} ORDER BY i.id LIMIT {} OFFSET {}", cond, limit, start), &args)?;
    let inc = includes(req);
    let mut items = vec![];
    for i in &inds {
        let mut v = ind_v2(&conn, i, false, t.is_some(), inc.additional, &app.base())?;
        decorate(&conn, app, &mut v, "i", i.id, &i.owner.name, &inc)?;
        items.push(v);
    }
    let key = t.map(|t| t.entity).unwrap_or("indicator");
    Ok(ok_data(list_env(start, total as usize, key, items)))
}

fn list_groups(app: &App, req: &Req, t: Option<&'static GroupType>, tag: Option<&str>) -> Res<Resp> {
    let (start, limit) = page(req)?;
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    let (fc, mut args) = filters(req, false)?;
    let mut cond = format!("g.owner_id = {} AND {}{}", owner.id, fc, modified_since(req, "g")?);
    if let Some(t) = t {
        args.push(json!(t.name));
        cond = format!("{} AND g.type = ?{}", cond, args.len());
    }
    if let Some(tag) = tag {
        args.push(json!(tag));
        cond = format!("{} AND {}", cond, tagged("g", args.len()));
    }
    let total: i64 = conn
        .prepare(&format!("SELECT COUNT(*) FROM groups_ g JOIN owners o ON o.id = g.owner_id WHERE {}", cond))?
        .query_row(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?;
    let gs = query_groups(&conn, &format!("WHERE {} ORDER BY g.id LIMIT {} OFFSET {}", cond, limit, start), &args)?;
    let inc = includes(req);
    let mut items = vec![];
    for g in &gs {
        let mut v = group_v2(g, false, &app.base());
        decorate(&conn, app, &mut v, "g", g.id, &g.owner.name, &inc)?;
        items.push(v);
    }
    let key = t.map(|t| t.entity).unwrap_or("group");
    Ok(ok_data(list_env(start, total as usize, key, items)))
}

fn create_indicator(app: &App, req: &Req, t: &'static IndType) -> Res<Resp> {
    let body = req.json()?;
    if !body.is_object() {
        return Err(bad("The request body must be a JSON object"));
    }
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    owner.writable()?;
    let v = crate::updates::body_values(t, &body)?;
    let id = create_ind(
        &conn,
        &NewInd {
            owner: &owner,
            t,
            v,
            rating: body.get("rating").and_then(num),
            confidence: body.get("confidence").and_then(int),
            description: body.get("description").and_then(s),
            xid: None,
        },
    )?;
    // The status flags a create may carry (tcex's v2 tests create `"active": false` indicators and
    // find them with the `active = false` filter: test_address_interface.py
    // tests_ti_indicators_inactive_filter); written as an update writes them.
    let flags: serde_json::Map<String, Value> =
        ["active", "privateFlag"].iter().filter_map(|k| body.get(*k).map(|v| (k.to_string(), v.clone()))).collect();
    if !flags.is_empty() {
        let i = load_ind(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
        crate::updates::update_indicator(&conn, &i, &Value::Object(flags))?;
    }
    let i = load_ind(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
    Ok(created(json!({ t.entity: ind_v2(&conn, &i, true, true, false, &app.base())? })))
}

fn create_group_v2(app: &App, req: &Req, t: &'static GroupType) -> Res<Resp> {
    let body = req.json()?;
    let name = body.get("name").and_then(|n| n.as_str()).ok_or_else(|| bad("Group name is required"))?;
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    let ed = body.get("eventDate").and_then(|d| d.as_str()).and_then(parse_date);
    // A Signature's documented fields (docs/rest_api/v2/groups/group_fields.rst): fileName, fileType and
    // fileText, all required; fileText is the signature itself, served by `.../download` as text/plain.
    let signature = if t.name == "Signature" {
        let text = |k: &str| {
            body.get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{} is required for a Signature", k)))
        };
        Some((text("fileName")?, text("fileType")?, text("fileText")?))
    } else {
        None
    };
    let extra = signature.as_ref().map(|(n, ty, _)| json!({"fileName": n, "fileType": ty}).to_string());
    let tx = conn.unchecked_transaction()?;
    let id =
        create_group(&tx, &owner, t.name, name, body.get("xid").and_then(|x| x.as_str()), ed, body.get("status").and_then(|x| x.as_str()), extra)?;
    if let Some((_, _, text)) = &signature {
        tx.execute("INSERT OR REPLACE INTO group_files(grp, data, updated) VALUES (?1, ?2, ?3)", params![id, text.as_bytes(), now_s()])?;
    }
    crate::updates::type_fields(&tx, id, t.name, &body)?;
    tx.commit()?;
    let g = load_group(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created group not found"))?;
    Ok(created(json!({ t.entity: group_v2(&g, true, &app.base()) })))
}

fn indicator_item(app: &App, req: &Req, t: &'static IndType, value: &str, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    let owner = resolve_owner(&conn, req.param("owner"))?;
    // `owners` lists every owner holding the value, so it does not need the value in the default owner.
    if rest == ["owners"] && req.method == "GET" {
        let mut st = conn.prepare(
            "SELECT DISTINCT o.id, o.name, o.type FROM indicators i JOIN owners o ON o.id = i.owner_id WHERE i.type = ?1 AND (i.summary = ?2 OR i.v1 = ?2 OR i.v2 = ?2 OR i.v3 = ?2 OR i.v1 = upper(?2)) ORDER BY o.id",
        )?;
        let rows = st.query_map(params![t.name, value], |r| {
            Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "type": r.get::<_, String>(2)?}))
        })?;
        let os: Vec<Value> = rows.collect::<Result<_, _>>()?;
        if os.is_empty() {
            return Err(not_found(format!("Indicator not found: {}", value)));
        }
        return Ok(ok_data(json!({"owner": os})));
    }
    let i = find_ind(&conn, owner.id, Some(t), value)?.ok_or_else(|| not_found(format!("{} not found: {}", t.name, value)))?;
    let m = req.method.as_str();
    if m != "GET" {
        i.owner.writable()?;
    }
    if let Some(r) = crate::assoc::indicator_route(app, &conn, req, &i, &i.owner, rest) {
        return r;
    }
    if let Some(r) = crate::occurrences::route(&conn, req, &i, rest) {
        return r;
    }
    if let Some(r) = crate::victims::indicator_victims(app, &conn, req, i.id, &i.owner, rest) {
        return r;
    }
    match (m, rest) {
        ("GET", []) => {
            let inc = includes(req);
            let mut v = ind_v2(&conn, &i, true, true, inc.additional, &app.base())?;
            decorate(&conn, app, &mut v, "i", i.id, &i.owner.name, &inc)?;
            Ok(ok_data(json!({ t.entity: v })))
        }
        ("PUT", []) => {
            let body = req.json()?;
            crate::updates::update_indicator(&conn, &i, &body)?;
            touch(&conn, "i", i.id)?;
            let i = load_ind(&conn, i.id)?.ok_or_else(|| not_found("gone"))?;
            Ok(ok_data(json!({ t.entity: ind_v2(&conn, &i, true, true, false, &app.base())? })))
        }
        ("DELETE", []) => {
            delete_ind(&conn, i.id)?;
            Ok(ok_plain())
        }
        ("POST", ["observations"]) => {
            let body = req.json()?;
            let count = body.get("count").and_then(int).unwrap_or(1);
            if !(1..=1_000_000).contains(&count) {
                return Err(bad("count must be between 1 and 1000000"));
            }
            let date = match body.get("dateObserved").and_then(|d| d.as_str()) {
                Some(d) => parse_date(d).ok_or_else(|| bad(format!("Invalid dateObserved: {}", d)))?,
                None => now_s(),
            };
            conn.execute("INSERT INTO observations(ind, count, date, mine) VALUES (?1, ?2, ?3, 1)", params![i.id, count, date])?;
            Ok(ok_plain())
        }
        ("GET", ["observations"]) => {
            let mut st = conn.prepare("SELECT count, date FROM observations WHERE ind = ?1 ORDER BY date DESC")?;
            let rows = st.query_map([i.id], |r| Ok(json!({"count": r.get::<_, i64>(0)?, "dateObserved": iso(r.get(1)?)})))?;
            let list: Vec<Value> = rows.collect::<Result<_, _>>()?;
            Ok(ok_data(json!({"resultCount": list.len(), "observation": list})))
        }
        ("GET", ["observationCount"]) => {
            let o = observations(&conn, i.id)?;
            let mut v = json!({"count": o.count, "yourCount": o.your_count});
            if let Some(l) = o.last {
                v["lastObserved"] = json!(iso(l));
            }
            if let Some(l) = o.your_last {
                v["yourLastObserved"] = json!(iso(l));
            }
            Ok(ok_data(json!({"observationCount": v})))
        }
        ("POST", ["falsePositive"]) => {
            conn.execute("INSERT INTO false_positives(ind, date, mine) VALUES (?1, ?2, 1)", params![i.id, now_s()])?;
            let (n, last, _) = false_positives(&conn, i.id)?;
            Ok(ok_data(json!({"falsePositive": {"count": n, "lastReported": last.map(iso)}})))
        }
        ("GET", ["dnsResolutions"]) => {
            if t.name == "Host" {
                let xs = query_inds(&conn, "JOIN dns d ON d.addr = i.id WHERE d.host = ?1 ORDER BY d.date DESC", &[json!(i.id)])?;
                let mut out = vec![];
                for x in &xs {
                    let date: i64 = conn.query_row("SELECT date FROM dns WHERE host = ?1 AND addr = ?2", [i.id, x.id], |r| r.get(0))?;
                    out.push(json!({"resolutionDate": iso(date), "addresses": [ind_v2(&conn, x, false, false, false, &app.base())?]}));
                }
                Ok(ok_data(json!({"resultCount": out.len(), "dnsResolution": out})))
            } else if t.name == "Address" {
                let xs = query_inds(&conn, "JOIN dns d ON d.host = i.id WHERE d.addr = ?1 ORDER BY i.id", &[json!(i.id)])?;
                let mut out = vec![];
                for x in &xs {
                    out.push(ind_v2(&conn, x, false, false, false, &app.base())?);
                }
                Ok(ok_data(json!({"resultCount": out.len(), "indicator": out})))
            } else {
                Err(bad("DNS resolutions exist for hosts and addresses only"))
            }
        }
        _ => item_common(app, &conn, req, "i", i.id, &i.owner, rest),
    }
}

fn group_item(app: &App, req: &Req, t: &'static GroupType, id: &str, rest: &[&str]) -> Res<Resp> {
    let id: i64 = id.parse().map_err(|_| not_found(format!("{} not found: {}", t.name, id)))?;
    let conn = app.db();
    let g = load_group(&conn, id)?.filter(|g| g.gtype == t.name).ok_or_else(|| not_found(format!("{} not found: {}", t.name, id)))?;
    let m = req.method.as_str();
    if m != "GET" && rest != ["publish"] {
        g.owner.writable()?;
    }
    match (m, rest) {
        ("GET", []) => {
            let inc = includes(req);
            let mut v = group_v2(&g, true, &app.base());
            decorate(&conn, app, &mut v, "g", g.id, &g.owner.name, &inc)?;
            Ok(ok_data(json!({ t.entity: v })))
        }
        ("PUT", []) => {
            let body = req.json()?;
            crate::updates::update_group(&conn, &g, &body)?;
            touch(&conn, "g", g.id)?;
            let g = load_group(&conn, g.id)?.ok_or_else(|| not_found("gone"))?;
            Ok(ok_data(json!({ t.entity: group_v2(&g, true, &app.base()) })))
        }
        ("DELETE", []) => {
            delete_group(&conn, g.id)?;
            Ok(ok_plain())
        }
        ("POST", ["publish"]) => {
            let body = req.json()?;
            let labels = body.get("securityLabelList").cloned().unwrap_or(json!([]));
            conn.execute("INSERT INTO published(group_id, date, labels) VALUES (?1, ?2, ?3)", params![g.id, now_s(), labels.to_string()])?;
            conn.execute("UPDATE groups_ SET published = ?1 WHERE id = ?2", params![now_s(), g.id])?;
            Ok(ok_plain())
        }
        ("GET", ["download"]) if t.name == "Signature" => {
            let data: Option<Vec<u8>> = conn.query_row("SELECT data FROM group_files WHERE grp = ?1", [g.id], |r| r.get(0)).optional()?;
            let data = data.ok_or_else(|| not_found(format!("Signature {} has no fileText", g.id)))?;
            Ok(Resp { status: 200, body: data, headers: vec![("Content-Type".into(), "text/plain".into())] })
        }
        ("GET", ["download"]) if carries_file(t) => crate::group_files::download_file(&conn, &g),
        ("POST" | "PUT", ["upload"]) if carries_file(t) => {
            crate::group_files::octet_stream(req)?;
            crate::group_files::store_file(&conn, &g, &req.body)?;
            Ok(ok_plain())
        }
        ("GET", ["victims"]) => crate::victims::victims_of_group(app, &conn, req, g.id),
        (_, ["adversaryAssets", tail @ ..]) if t.name == "Adversary" => crate::assets::route(app, &conn, req, g.id, tail),
        _ => item_common(app, &conn, req, "g", g.id, &g.owner, rest),
    }
}

/// Document and Report groups hold a file (`.../download`, `.../upload`).
fn carries_file(t: &GroupType) -> bool {
    matches!(t.name, "Document" | "Report")
}

/// Sub-resources shared by indicators and groups: attributes, tags, securityLabels, associations.
fn item_common(app: &App, conn: &Connection, req: &Req, kind: &str, id: i64, owner: &Owner, rest: &[&str]) -> Res<Resp> {
    let m = req.method.as_str();
    let base = app.base();
    match (m, rest) {
        (_, ["attributes" | "tags" | "securityLabels", ..]) => item_metadata(app, conn, req, kind, id, owner, rest),
        // Associations with groups.
        (_, ["groups", tail @ ..]) => {
            let gt = match tail.first() {
                Some(b) => Some(group_branch(b)?),
                None => None,
            };
            match (m, tail.get(1)) {
                ("GET", None) => {
                    let (start, limit) = page(req)?;
                    let (join, me) =
                        if kind == "i" { ("JOIN ig x ON x.grp = g.id WHERE x.ind = ?1", id) } else { ("JOIN gg x ON x.b = g.id WHERE x.a = ?1", id) };
                    let mut args = vec![json!(me)];
                    let mut cond = join.to_string();
                    if let Some(gt) = gt {
                        args.push(json!(gt.name));
                        cond = format!("{} AND g.type = ?2", cond);
                    }
                    let total = query_groups(conn, &cond, &args)?.len();
                    let gs = query_groups(conn, &format!("{} ORDER BY g.id LIMIT {} OFFSET {}", cond, limit, start), &args)?;
                    let items: Vec<Value> = gs.iter().map(|g| group_v2(g, false, &base)).collect();
                    Ok(ok_data(list_env(start, total, gt.map(|t| t.entity).unwrap_or("group"), items)))
                }
                (_, Some(gid)) => {
                    let gt = gt.ok_or_else(|| not_found("Group type missing"))?;
                    let gid: i64 = gid.parse().map_err(|_| not_found(format!("Group not found: {}", gid)))?;
                    let g =
                        load_group(conn, gid)?.filter(|g| g.gtype == gt.name).ok_or_else(|| not_found(format!("{} not found: {}", gt.name, gid)))?;
                    let linked: bool = if kind == "i" {
                        conn.query_row("SELECT COUNT(*) FROM ig WHERE ind = ?1 AND grp = ?2", [id, gid], |r| r.get::<_, i64>(0))? > 0
                    } else {
                        conn.query_row("SELECT COUNT(*) FROM gg WHERE a = ?1 AND b = ?2", [id, gid], |r| r.get::<_, i64>(0))? > 0
                    };
                    match m {
                        "GET" if linked => Ok(ok_data(json!({ gt.entity: group_v2(&g, true, &base) }))),
                        "GET" => Err(not_found("Association not found")),
                        "POST" => {
                            owner.writable()?;
                            if kind == "i" {
                                link_ig(conn, id, gid)?;
                            } else {
                                link_pair(conn, "gg", id, gid)?;
                            }
                            Ok(ok_plain())
                        }
                        "DELETE" => {
                            owner.writable()?;
                            let removed = if kind == "i" { unlink_ig(conn, id, gid)? } else { unlink_pair(conn, "gg", id, gid)? };
                            if !removed {
                                return Err(not_found("Association not found"));
                            }
                            Ok(ok_plain())
                        }
                        _ => Err(ApiErr::new(405, "Method not allowed")),
                    }
                }
                _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
            }
        }
        // Associations with indicators.
        (_, ["indicators", tail @ ..]) => {
            let it = match tail.first() {
                Some(b) => Some(ind_branch(b)?),
                None => None,
            };
            match (m, tail.get(1)) {
                ("GET", None) => {
                    let (start, limit) = page(req)?;
                    let cond = if kind == "g" { "JOIN ig x ON x.ind = i.id WHERE x.grp = ?1" } else { "JOIN ii x ON x.b = i.id WHERE x.a = ?1" };
                    let mut args = vec![json!(id)];
                    let mut cond = cond.to_string();
                    if let Some(it) = it {
                        args.push(json!(it.name));
                        cond = format!("{} AND i.type = ?2", cond);
                    }
                    let total: i64 = {
                        let from = if kind == "g" {
                            "FROM ig x JOIN indicators i ON i.id = x.ind WHERE x.grp = ?1"
                        } else {
                            "FROM ii x JOIN indicators i ON i.id = x.b WHERE x.a = ?1"
                        };
                        let sql = format!("SELECT COUNT(*) {}{}", from, if it.is_some() { " AND i.type = ?2" } else { "" });
                        conn.prepare(&sql)?.query_row(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?
                    };
                    let xs = query_inds(conn, &format!("{} ORDER BY i.id LIMIT {} OFFSET {}", cond, limit, start), &args)?;
                    let mut items = vec![];
                    for x in &xs {
                        items.push(ind_v2(conn, x, false, it.is_some(), false, &base)?);
                    }
                    Ok(ok_data(list_env(start, total as usize, it.map(|t| t.entity).unwrap_or("indicator"), items)))
                }
                (_, Some(val)) => {
                    let it = it.ok_or_else(|| not_found("Indicator type missing"))?;
                    let x = find_ind(conn, owner.id, Some(it), val)?.ok_or_else(|| not_found(format!("{} not found: {}", it.name, val)))?;
                    let linked: bool = if kind == "g" {
                        conn.query_row("SELECT COUNT(*) FROM ig WHERE ind = ?1 AND grp = ?2", [x.id, id], |r| r.get::<_, i64>(0))? > 0
                    } else {
                        conn.query_row("SELECT COUNT(*) FROM ii WHERE a = ?1 AND b = ?2", [id, x.id], |r| r.get::<_, i64>(0))? > 0
                    };
                    match m {
                        "GET" if linked => Ok(ok_data(json!({ it.entity: ind_v2(conn, &x, true, true, false, &base)? }))),
                        "GET" => Err(not_found("Association not found")),
                        "POST" => {
                            owner.writable()?;
                            if kind == "g" {
                                link_ig(conn, x.id, id)?;
                            } else {
                                let me: String = conn.query_row("SELECT type FROM indicators WHERE id = ?1", [id], |r| r.get(0))?;
                                if me == x.itype {
                                    return Err(bad("Association cannot be applied to the indicator types."));
                                }
                                link_pair(conn, "ii", id, x.id)?;
                            }
                            Ok(ok_plain())
                        }
                        "DELETE" => {
                            owner.writable()?;
                            let removed = if kind == "g" { unlink_ig(conn, x.id, id)? } else { unlink_pair(conn, "ii", id, x.id)? };
                            if !removed {
                                return Err(not_found("Association not found"));
                            }
                            Ok(ok_plain())
                        }
                        _ => Err(ApiErr::new(405, "Method not allowed")),
                    }
                }
                _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
            }
        }
        _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
    }
}

// ---------- datastore ----------

fn datastore(app: &App, req: &Req, domain: &str, dtype: &str, key: &str) -> Res<Resp> {
    if !matches!(domain, "local" | "organization" | "system") {
        return Err(bad(format!("Invalid datastore domain: {} (local, organization or system)", domain)));
    }
    if dtype.is_empty() || key.is_empty() {
        return Err(bad("Datastore type and id are required"));
    }
    let method = req.header("DB-Method").map(|m| m.trim().to_ascii_uppercase()).ok_or_else(|| bad("DB-Method header is required"))?;
    let conn = app.db();
    let index = format!("{}_{}", domain, dtype).to_ascii_lowercase();
    if key == "_search" {
        if method != "GET" && method != "POST" {
            return Err(bad("_search needs DB-Method GET or POST"));
        }
        let body = req.json()?;
        let query = body.get("query").cloned().unwrap_or(json!({"match_all": {}}));
        let from = body.get("from").and_then(int).unwrap_or(0).max(0) as usize;
        let size = body.get("size").and_then(int).unwrap_or(10).clamp(0, 10_000) as usize;
        es_match(&query, &json!({}))?; // validates the query even when there are no records
        let mut st = conn.prepare("SELECT id, body FROM datastore WHERE domain = ?1 AND type = ?2 ORDER BY rowid")?;
        let rows = st.query_map(params![domain, dtype], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut hits = vec![];
        for row in rows {
            let (id, b) = row?;
            let src: Value = serde_json::from_str(&b).unwrap_or(Value::Null);
            if es_match(&query, &src)? {
                hits.push(json!({"_index": index, "_type": dtype, "_id": id, "_score": 1.0, "_source": src}));
            }
        }
        let total = hits.len();
        let hits: Vec<Value> = hits.into_iter().skip(from).take(size).collect();
        return Ok(Resp::json(
            200,
            json!({"took": 1, "timed_out": false, "_shards": {"total": 1, "successful": 1, "failed": 0},
            "hits": {"total": total, "max_score": if total > 0 { json!(1.0) } else { Value::Null }, "hits": hits}}),
        ));
    }
    let existing: Option<(String, i64)> = conn
        .query_row("SELECT body, version FROM datastore WHERE domain = ?1 AND type = ?2 AND id = ?3", params![domain, dtype, key], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match method.as_str() {
        "GET" => match existing {
            Some((b, v)) => Ok(Resp::json(
                200,
                json!({"_index": index, "_type": dtype, "_id": key, "_version": v, "found": true,
                "_source": serde_json::from_str::<Value>(&b).unwrap_or(Value::Null)}),
            )),
            None => Ok(Resp::json(404, json!({"_index": index, "_type": dtype, "_id": key, "found": false}))),
        },
        "POST" | "PUT" => {
            let body = req.json()?;
            if !body.is_object() {
                return Err(bad("A datastore record must be a JSON object"));
            }
            let (newbody, version, result) = match (&existing, method.as_str()) {
                // PUT indexes the record whether or not it exists, as Elasticsearch's PUT does
                // (tcex's DataStore.put: tests/api/tc/v2/datastore/test_datastore_put.py).
                (None, _) => (body.get("doc").cloned().filter(Value::is_object).unwrap_or(body), 1, "created"),
                (Some((old, v)), "PUT") => {
                    // Partial update: {"doc": {...}} or the fields themselves are merged into the record.
                    let mut merged: Value = serde_json::from_str(old).unwrap_or(json!({}));
                    let patch = body.get("doc").cloned().unwrap_or(body);
                    if let (Some(m), Some(p)) = (merged.as_object_mut(), patch.as_object()) {
                        for (k, val) in p {
                            m.insert(k.clone(), val.clone());
                        }
                    }
                    (merged, v + 1, "updated")
                }
                (Some((_, v)), _) => (body, v + 1, "updated"),
            };
            conn.execute(
                "INSERT OR REPLACE INTO datastore(domain, type, id, body, version) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![domain, dtype, key, newbody.to_string(), version],
            )?;
            let status = if result == "created" { 201 } else { 200 };
            Ok(Resp::json(
                status,
                json!({"_index": index, "_type": dtype, "_id": key, "_version": version, "result": result,
                "_shards": {"total": 1, "successful": 1, "failed": 0}}),
            ))
        }
        "DELETE" => {
            let n = conn.execute("DELETE FROM datastore WHERE domain = ?1 AND type = ?2 AND id = ?3", params![domain, dtype, key])?;
            let found = n > 0;
            // Elasticsearch's delete answer, _shards included (tcex's DataStore.delete callers read
            // `_shards.successful`: tests/api/tc/v2/datastore/test_datastore_delete.py).
            let version = existing.as_ref().map(|(_, v)| v + 1).unwrap_or(1);
            Ok(Resp::json(
                if found { 200 } else { 404 },
                json!({"_index": index, "_type": dtype, "_id": key, "_version": version, "found": found,
                "result": if found { "deleted" } else { "not_found" },
                "_shards": {"total": 1, "successful": 1, "failed": 0}}),
            ))
        }
        other => Err(bad(format!("Invalid DB-Method: {}", other))),
    }
}

/// A small Elasticsearch query subset: match_all, match, term, bool.must/should/must_not.
fn es_match(q: &Value, doc: &Value) -> Res<bool> {
    let Some(obj) = q.as_object() else { return Err(bad("query must be an object")) };
    let Some((k, v)) = obj.iter().next() else { return Ok(true) };
    let field_eq = |spec: &Value, fuzzy: bool| -> bool {
        let Some(m) = spec.as_object() else { return false };
        m.iter().all(|(f, want)| {
            let want = want.get("query").or_else(|| want.get("value")).unwrap_or(want);
            let got = f.split('.').try_fold(doc, |d, part| d.get(part));
            match got {
                Some(g) if fuzzy => {
                    let gs = s(g).unwrap_or_default().to_ascii_lowercase();
                    let ws = s(want).unwrap_or_default().to_ascii_lowercase();
                    gs == ws || gs.split_whitespace().any(|w| ws.split_whitespace().any(|x| x == w))
                }
                Some(g) => g == want || s(g) == s(want),
                None => false,
            }
        })
    };
    match k.as_str() {
        "match_all" => Ok(true),
        "match" | "match_phrase" => Ok(field_eq(v, true)),
        "term" => Ok(field_eq(v, false)),
        "bool" => {
            let all = |key: &str| -> Res<Vec<Value>> { Ok(crate::util::items(v.get(key))) };
            for c in all("must")?.iter().chain(all("filter")?.iter()) {
                if !es_match(c, doc)? {
                    return Ok(false);
                }
            }
            for c in all("must_not")? {
                if es_match(&c, doc)? {
                    return Ok(false);
                }
            }
            let should = all("should")?;
            if !should.is_empty() {
                let mut any = false;
                for c in &should {
                    any |= es_match(c, doc)?;
                }
                return Ok(any);
            }
            Ok(true)
        }
        other => Err(bad(format!("Unsupported query type: {}", other))),
    }
}

/// Owner metrics (v2 Owners, "Retrieve Owner Metrics"): one `ownerMetric` per owner,
/// counted from the database for today. `/v2/owners/metrics` (every owner) is named by
/// ThreatConnect's list of v2 endpoints without an example; its entries also say whose they are.
fn owner_metrics(app: &App, id: Option<&str>) -> Res<Resp> {
    let conn = app.db();
    let all = owners(&conn)?;
    let chosen: Vec<_> = match id {
        Some(id) => vec![all.into_iter().find(|o| o.id.to_string() == id).ok_or_else(|| not_found(format!("Owner not found: {}", id)))?],
        None => all,
    };
    let today = iso(now_s())[..10].to_string();
    let mut out = vec![];
    for o in &chosen {
        let count = |sql: &str| -> Res<i64> { Ok(conn.query_row(sql, [o.id], |r| r.get(0))?) };
        let mut m = json!({"metricDate": today,
            "totalIndicator": count("SELECT COUNT(*) FROM indicators WHERE owner_id = ?1")?,
            "totalGroup": count("SELECT COUNT(*) FROM groups_ WHERE owner_id = ?1")?,
            "totalTag": count("SELECT COUNT(DISTINCT x.tag) FROM item_tags x LEFT JOIN indicators i ON x.kind = 'i' AND i.id = x.item LEFT JOIN groups_ g ON x.kind = 'g' AND g.id = x.item WHERE COALESCE(i.owner_id, g.owner_id) = ?1")?,
            "totalFalsePositive": count("SELECT COUNT(*) FROM false_positives f JOIN indicators i ON i.id = f.ind WHERE i.owner_id = ?1")?,
            "averageIndicatorRating": conn.query_row("SELECT COALESCE(AVG(rating), 0) FROM indicators WHERE owner_id = ?1 AND rating IS NOT NULL", [o.id], |r| r.get::<_, f64>(0))?,
            "averageIndicatorConfidence": conn.query_row("SELECT COALESCE(AVG(confidence), 0) FROM indicators WHERE owner_id = ?1 AND confidence IS NOT NULL", [o.id], |r| r.get::<_, f64>(0))?});
        for (key, t) in
            [("totalHost", "Host"), ("totalAddress", "Address"), ("totalEmailAddress", "EmailAddress"), ("totalFile", "File"), ("totalUrl", "URL")]
        {
            m[key] =
                json!(conn.query_row("SELECT COUNT(*) FROM indicators WHERE owner_id = ?1 AND type = ?2", params![o.id, t], |r| r.get::<_, i64>(0))?);
        }
        for (key, t) in [
            ("totalThreat", "Threat"),
            ("totalIncident", "Incident"),
            ("totalEmail", "Email"),
            ("totalCampaign", "Campaign"),
            ("totalAdversary", "Adversary"),
            ("totalSignature", "Signature"),
            ("totalDocument", "Document"),
        ] {
            m[key] =
                json!(conn.query_row("SELECT COUNT(*) FROM groups_ WHERE owner_id = ?1 AND type = ?2", params![o.id, t], |r| r.get::<_, i64>(0))?);
        }
        if id.is_none() {
            m["ownerId"] = json!(o.id);
            m["ownerName"] = json!(o.name);
        }
        out.push(m);
    }
    Ok(ok_data(json!({"resultCount": out.len(), "ownerMetric": out})))
}

/// `GET /v2/indicators/observed[?dateObserved=]` (v2 Indicators, "Retrieve Observed Indicators"):
/// indicators with observations on or after the date, with this user's share.
fn observed(app: &App, req: &Req) -> Res<Resp> {
    let since = match req.param("dateObserved") {
        Some(d) => parse_date(d).ok_or_else(|| bad(format!("Invalid dateObserved: {}", d)))?,
        None => 0,
    };
    let conn = app.db();
    let mut st = conn.prepare(
        "SELECT i.summary, SUM(b.count), MAX(b.date), SUM(CASE WHEN b.mine = 1 THEN b.count ELSE 0 END), MAX(CASE WHEN b.mine = 1 THEN b.date END)
         FROM observations b JOIN indicators i ON i.id = b.ind WHERE b.date >= ?1 GROUP BY i.id ORDER BY MAX(b.date) DESC, i.id",
    )?;
    let rows = st.query_map([since], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, Option<i64>>(4)?))
    })?;
    let mut out = vec![];
    for row in rows {
        let (summary, count, last, mine, mine_last) = row?;
        let users = match mine_last {
            Some(l) if mine > 0 => json!([{"userName": app.cfg.access_id, "userLastObservedDate": iso(l), "count": mine}]),
            _ => json!([]),
        };
        out.push(json!({"summary": summary, "observationCount": count, "lastObserved": iso(last), "userObservedList": users}));
    }
    Ok(ok_data(json!({"resultCount": out.len(), "indicator": out})))
}

//! API v3: indicators, groups (one item, TQL search, writes with nested modes: updates.rs), tags, labels, attribute types, owners.

use crate::app::{App, Req, Resp};
use crate::model;
use crate::render::*;
use crate::tql::{self, Target};
use crate::updates::{body_values, update_group, update_indicator};
use crate::util::{bad, int, not_found, now_s, num, pct_encode, s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

pub fn route(app: &App, req: &Req) -> Res<Resp> {
    let seg = req.segments("/api/v3");
    let seg: Vec<&str> = seg.iter().map(|s| s.as_str()).collect();
    let m = req.method.as_str();
    match (m, seg.as_slice()) {
        ("OPTIONS", [collection, "fields"]) => fields_of(collection),
        ("OPTIONS", [collection]) => properties_of(collection, req),
        ("GET", ["indicators"]) => list(app, req, Target::Indicators),
        ("GET", ["groups"]) => list(app, req, Target::Groups),
        ("POST", ["indicators"]) => create_indicator(app, req),
        ("GET", ["indicators", "deleted"]) => deleted_indicators(app, req),
        ("POST", ["groups"]) => create_group_v3(app, req),
        (_, ["indicators", key]) => one_indicator(app, req, key),
        (_, ["groups", key]) => one_group(app, req, key),
        (_, ["groups", key, what @ ("upload" | "download")]) => group_file(app, req, key, what),
        ("GET", ["groups", key, "pdf"]) => {
            let conn = app.db();
            let g = group_by_key(&conn, req, key)?;
            Ok(Resp {
                status: 200,
                body: crate::group_files::group_pdf(&g.gtype, g.id, &g.name),
                headers: vec![("Content-Type".into(), "application/pdf".into())],
            })
        }
        ("GET", ["tags"]) => tags(app, req, None),
        ("GET", ["tags", id]) => tags(app, req, Some(id)),
        ("GET", ["securityLabels"]) => labels(app, req, None),
        ("GET", ["securityLabels", id]) => labels(app, req, Some(id)),
        ("POST", ["securityLabels"]) => create_label(app, req),
        ("GET", ["attributeTypes"]) => attribute_types(app, req, None),
        ("GET", ["attributeTypes", id]) => attribute_types(app, req, Some(id)),
        ("PUT", ["indicatorAttributes", id]) => update_attribute(app, req, "i", id),
        ("PUT", ["groupAttributes", id]) => update_attribute(app, req, "g", id),
        (_, ["indicatorAttributes", rest @ ..]) => attributes(app, req, "i", rest),
        (_, ["groupAttributes", rest @ ..]) => attributes(app, req, "g", rest),
        // v3 Victim Attributes (docs/rest_api/v3/victim_attributes/*.rst; tcex's VictimAttributes).
        ("PUT", ["victimAttributes", id]) => update_attribute(app, req, "v", id),
        (_, ["victimAttributes", rest @ ..]) => attributes(app, req, "v", rest),
        (_, ["victims", rest @ ..]) => crate::victims::route_v3(app, req, rest),
        (_, ["victimAssets", rest @ ..]) => crate::victims::assets_v3(app, req, rest),
        ("GET", ["security", "users"]) => users_v3(app, req, None),
        ("GET", ["security", "users", id]) => users_v3(app, req, Some(id)),
        ("GET", ["security", "owners"]) => owners_v3(app, req, None),
        ("GET", ["security", "owners", id]) => owners_v3(app, req, Some(id)),
        _ => Err(not_found(format!("No v3 endpoint {} {}", req.method, req.path))),
    }
}

/// `OPTIONS /v3/{collection}/fields`: the names `fields=` takes on that collection (v3
/// "Additional Fields"; tcex expands `fields=_all_` through it: tcex/api/tc/v3/object_abc.py).
/// Indicators answer the documented list (tests/fixtures/threatconnect-docs/
/// v3__additional_fields__1.json), every other collection the fields the sandbox fills in.
fn fields_of(collection: &str) -> Res<Resp> {
    const INDICATORS: &[(&str, &str)] = &[
        ("associatedArtifacts", "Includes artifacts with a relationship to the indicator"),
        ("associatedCases", "Includes cases with a relationship to the indicator"),
        ("associatedGroups", "Includes groups related to the indicator"),
        ("associatedIndicators", "Includes indicators related to the indicator"),
        ("associationName", "Includes the name of the association if this indicator is part of an association with another indicator"),
        ("attributes", "Includes attributes related to the indicator"),
        ("customAssociations", "Includes indicators with custom associations to the indicator"),
        ("dnsResolution", "Includes DNS resolution data related to the Host indicators"),
        ("enrichment", "Includes Enrichment data related to the indicator"),
        ("externalDates", "Includes the external dates of the indicator"),
        ("falsePositives", "Includes false positive data related to the indicator"),
        ("fileActions", "Includes file actions related to the File indicators"),
        ("fileOccurrences", "Includes file occurrences related to the File indicators"),
        ("genericCustomIndicatorValues", "Includes the values of custom indicators as value1, value2 and value3"),
        ("geoLocation", "Includes GeoLocation information related to the Host and Address indicators"),
        ("investigationLinks", "Includes the investigation links of the indicator type"),
        ("observations", "Includes observation data related to the indicator"),
        ("securityLabels", "Includes security labels applied to the indicator"),
        ("sightings", "Includes sightings data related to the indicator"),
        ("tags", "Includes tags related to the indicator"),
        ("threatAssess", "Includes Threat Assess data related to the indicator"),
        ("trackedUsers", "Includes tracked users related to the indicator"),
        ("whoIs", "Includes WhoIs information related to the Host indicators"),
    ];
    const GROUPS: &[(&str, &str)] = &[
        ("associatedGroups", "Includes groups related to the group"),
        ("associatedIndicators", "Includes indicators related to the group"),
        ("associatedVictimAssets", "Includes victim assets related to the group"),
        ("attributes", "Includes attributes related to the group"),
        ("securityLabels", "Includes security labels applied to the group"),
        ("tags", "Includes tags related to the group"),
    ];
    // What the sandbox includes on a victim (`fields=`): tcex expands `fields=_all_` through this list
    // (tests/api/tc/v3/victim_attributes/: a victim created with attributes reads them back).
    const VICTIMS: &[(&str, &str)] = &[
        ("assets", "Includes the assets of the victim"),
        ("attributes", "Includes attributes related to the victim"),
        ("securityLabels", "Includes security labels related to the victim"),
        ("tags", "Includes tags related to the victim"),
    ];
    let list = match collection {
        "indicators" => INDICATORS,
        "groups" => GROUPS,
        "victims" => VICTIMS,
        "attributeTypes" => &[("mapping", "Includes the item types the attribute type applies to")],
        "tags" | "securityLabels" | "indicatorAttributes" | "groupAttributes" | "victimAttributes" | "victimAssets" => &[],
        _ => return Err(not_found(format!("No v3 endpoint OPTIONS /v3/{}/fields", collection))),
    };
    let data: Vec<Value> = list.iter().map(|(n, d)| json!({"name": n, "description": d, "includedByDefault": false})).collect();
    Ok(Resp::json(200, json!({"data": data, "count": data.len(), "status": "Success"})))
}

/// `OPTIONS /v3/{collection}` (docs/rest_api/v3/indicators/fields.rst, groups/fields.rst): the
/// properties a POST or PUT body takes, each with its type, description and whether it is
/// updatable; `?show=readonly` (any case: tcex sends `readOnly`) adds the read-only ones. One JSON
/// object keyed by property name, a nested collection's schema under `data` (the shape tcex reads:
/// tcex/api/tc/v3/object_abc.py `properties`, _gen/_options_data.py). The properties are
/// data/v3-options.json, written by scripts/v3-options-from-tcex.py from tcex's models, which tcex
/// generates from ThreatConnect's own answer. Indicators and groups only.
fn properties_of(collection: &str, req: &Req) -> Res<Resp> {
    static ALL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let all = ALL.get_or_init(|| serde_json::from_str(include_str!("../data/v3-options.json")).unwrap_or_else(|_| json!({})));
    let props = all.get(collection).and_then(Value::as_object).ok_or_else(|| not_found(format!("No v3 endpoint OPTIONS /v3/{}", collection)))?;
    let read_only = req.param("show").is_some_and(|s| s.eq_ignore_ascii_case("readonly"));
    let schema = |p: &Value| p.get("data").and_then(|d| d.get(0)).unwrap_or(p).clone();
    let out: serde_json::Map<String, Value> =
        props.iter().filter(|(_, p)| read_only || schema(p).get("readOnly") != Some(&json!(true))).map(|(k, p)| (k.clone(), p.clone())).collect();
    Ok(Resp::json(200, Value::Object(out)))
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
        // The other collections are listed by their own handlers.
        Target::Tags
        | Target::Labels
        | Target::Attributes
        | Target::Users
        | Target::Victims
        | Target::Owners
        | Target::AttributeTypes
        | Target::VictimAssets => return Err(not_found(format!("No v3 endpoint {} {}", req.method, req.path))),
    };
    let total: i64 = conn.prepare(&format!("{}{}", count_sql, cond))?.query_row(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?;
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
        _ => {
            for g in query_groups(&conn, &tail, &args2)? {
                data.push(group_v3(&conn, &g, &f, &base)?);
            }
        }
    }
    Ok(envelope(app, req, &p, total, data))
}

/// `sorting=dateAdded DESC,summary` (repeatable): ORDER BY terms, before the id tie-break.
/// As ThreatConnect's "Sort Results" page documents: a field, then its keywords (`asc`,
/// `desc`, `nullsfirst`, `nullslast`, any case), several fields separated by whitespace
/// (`ownerName asc confidence desc`) or commas.
fn sorting(req: &Req, target: Target) -> Res<String> {
    let ind = target == Target::Indicators;
    let a = if ind { "i" } else { "g" };
    // (column, direction, nulls)
    let mut terms: Vec<(String, &str, &str)> = Vec::new();
    for word in req.params_all("sorting").iter().flat_map(|v| v.split(|c: char| c == ',' || c.is_whitespace())).filter(|w| !w.is_empty()) {
        let keyword = word.to_ascii_lowercase();
        if let Some(last) = terms.last_mut() {
            match keyword.as_str() {
                "asc" => {
                    last.1 = "ASC";
                    continue;
                }
                "desc" => {
                    last.1 = "DESC";
                    continue;
                }
                "nullsfirst" => {
                    last.2 = " NULLS FIRST";
                    continue;
                }
                "nullslast" => {
                    last.2 = " NULLS LAST";
                    continue;
                }
                _ => {}
            }
        } else if matches!(keyword.as_str(), "asc" | "desc" | "nullsfirst" | "nullslast") {
            return Err(bad(format!("Invalid sorting: {} names no field", word)));
        }
        let col = match keyword.as_str() {
            "id" => format!("{}.id", a),
            "dateadded" => format!("{}.date_added", a),
            "lastmodified" => format!("{}.last_modified", a),
            "summary" | "name" => (if ind { "i.summary" } else { "g.name" }).to_string(),
            "typename" | "type" => format!("{}.type", a),
            "ownername" => "o.name".to_string(),
            "rating" if ind => "i.rating".to_string(),
            "confidence" if ind => "i.confidence".to_string(),
            _ => return Err(bad(format!("Invalid sorting field: {}", word))),
        };
        terms.push((col, "ASC", ""));
    }
    Ok(terms.iter().map(|(c, d, n)| format!("{} {}{}, ", c, d, n)).collect())
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

/// `/v3/indicatorAttributes` and `/v3/groupAttributes` (v3 "Indicator Attributes" and "Group
/// Attributes"; tcex lists an item's attributes through them with `tql=hasIndicator(id = N)`):
/// GET (a TQL list, one), POST (`indicatorId`/`groupId`, `type`, `value`), DELETE; PUT below.
fn attributes(app: &App, req: &Req, kind: &str, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    let item_of = |aid: i64| -> Res<(i64, Owner)> {
        let item: Option<i64> =
            conn.query_row("SELECT item FROM attributes WHERE id = ?1 AND kind = ?2", params![aid, kind], |r| r.get(0)).optional()?;
        let item = item.ok_or_else(|| not_found(format!("Attribute not found: {aid}")))?;
        owner_of(&conn, kind, item).map(|o| (item, o))
    };
    let one = |aid: i64| -> Res<Value> {
        let (item, _) = item_of(aid)?;
        let a = attr_by_id(&conn, kind, item, aid)?.ok_or_else(|| not_found(format!("Attribute not found: {aid}")))?;
        let mut v = attr_v3(&conn, &a, fields(req).has("securityLabels"))?;
        v[item_key(kind)] = json!(item);
        Ok(v)
    };
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let (cond, args) = tql::compile(req.param("tql").unwrap_or(""), Target::Attributes)?;
            let mut st = conn.prepare(&format!("SELECT a.id FROM attributes a WHERE a.kind = '{kind}' AND ({cond}) ORDER BY a.id"))?;
            let ids: Vec<i64> = st.query_map(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?.collect::<Result<_, _>>()?;
            let p = page(req)?;
            let data = ids.iter().skip(p.start as usize).take(p.limit as usize).map(|&id| one(id)).collect::<Res<Vec<_>>>()?;
            Ok(envelope(app, req, &p, ids.len() as i64, data))
        }
        ("GET", [id]) => Ok(ok(one(id.parse().map_err(|_| not_found(format!("Attribute not found: {id}")))?)?)),
        ("POST", []) => {
            let body = req.json()?;
            let key = item_key(kind);
            let item = body.get(key).and_then(int).ok_or_else(|| bad(format!("{key} is required")))?;
            owner_of(&conn, kind, item)?.writable()?;
            let t = body.get("type").and_then(|x| x.as_str()).ok_or_else(|| bad("An attribute needs a type"))?;
            let v = body.get("value").and_then(s).ok_or_else(|| bad("An attribute needs a value"))?;
            let tx = conn.unchecked_transaction()?;
            let aid = add_attr(&tx, kind, item, t, &v, body.get("source").and_then(|x| x.as_str()), true)?;
            for (k, col) in [("default", "dflt"), ("pinned", "pinned")] {
                if body.get(k).and_then(Value::as_bool) == Some(true) {
                    tx.execute(&format!("UPDATE attributes SET {col} = 1 WHERE id = ?1"), [aid])?;
                }
            }
            if let Some(ls) = body.get("securityLabels").and_then(|l| l.get("data")).and_then(Value::as_array) {
                for l in ls {
                    if let Some(n) = l.get("name").and_then(Value::as_str) {
                        add_label(&tx, "a", aid, n)?;
                    }
                }
            }
            touch(&tx, kind, item)?;
            tx.commit()?;
            Ok(Resp::json(201, json!({"data": one(aid)?, "message": "Created", "status": "Success"})))
        }
        ("DELETE", [id]) => {
            let aid: i64 = id.parse().map_err(|_| not_found(format!("Attribute not found: {id}")))?;
            let (item, owner) = item_of(aid)?;
            owner.writable()?;
            delete_attr(&conn, kind, item, aid)?;
            Ok(Resp::json(200, json!({"message": "Deleted", "status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

/// The field naming an attribute's item: `indicatorId`, `groupId`, `victimId`.
fn item_key(kind: &str) -> &'static str {
    match kind {
        "i" => "indicatorId",
        "v" => "victimId",
        _ => "groupId",
    }
}

/// The owner of indicator (`i`), group (`g`) or victim (`v`) `item`.
fn owner_of(conn: &Connection, kind: &str, item: i64) -> Res<Owner> {
    let o = match kind {
        "i" => load_ind(conn, item)?.map(|i| i.owner),
        "v" => crate::victims::victim_owner(conn, item)?,
        _ => load_group(conn, item)?.map(|g| g.owner),
    };
    o.ok_or_else(|| {
        not_found(format!(
            "{} not found: {item}",
            match kind {
                "i" => "Indicator",
                "v" => "Victim",
                _ => "Group",
            }
        ))
    })
}

/// `PUT /v3/indicatorAttributes/{id}` (`groupAttributes` for groups): a new value for one attribute.
fn update_attribute(app: &App, req: &Req, kind: &str, id: &str) -> Res<Resp> {
    use rusqlite::OptionalExtension;
    let aid: i64 = id.parse().map_err(|_| not_found(format!("Attribute not found: {id}")))?;
    let conn = app.db();
    let item: Option<i64> = conn.query_row("SELECT item FROM attributes WHERE id = ?1 AND kind = ?2", params![aid, kind], |r| r.get(0)).optional()?;
    let item = item.ok_or_else(|| not_found(format!("Attribute not found: {aid}")))?;
    owner_of(&conn, kind, item)?.writable()?;
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
        ("GET", "download") => crate::group_files::download_file(&conn, &g),
        (m @ ("POST" | "PUT"), "upload") => {
            g.owner.writable()?;
            crate::group_files::octet_stream(req)?;
            let exists = conn.query_row("SELECT 1 FROM group_files WHERE grp = ?1", [g.id], |_| Ok(())).optional()?.is_some();
            if m == "POST" && exists && req.param("updateIfExists") != Some("true") {
                return Err(bad(format!("{} {} already holds a file: use PUT, or POST with updateIfExists=true", g.gtype, g.id)));
            }
            crate::group_files::store_file(&conn, &g, &req.body)?;
            if let Some(name) = req.param("filename") {
                let g = load_group(&conn, g.id)?.ok_or_else(|| not_found("Group vanished"))?;
                let mut extra =
                    g.extra.as_deref().and_then(|e| serde_json::from_str::<Value>(e).ok()).filter(Value::is_object).unwrap_or_else(|| json!({}));
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
        return owner_by_id(conn, id)?.ok_or_else(|| ApiErr::new(403, format!("Owner not found: {}", id)));
    }
    resolve_owner(conn, None)
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
    let new = NewInd {
        owner: &owner,
        t,
        v,
        rating: body.get("rating").and_then(num),
        confidence: body.get("confidence").and_then(int),
        description: body.get("description").and_then(s),
        xid: body.get("xid").and_then(s),
    };
    // Creating an indicator the owner already holds updates it with the body (ThreatConnect's v3
    // create is an upsert on owner, type and value; tcex's v3 tests create the same indicator again
    // and expect success): the answer is the same 201 with the item as it now is.
    let id = match create_ind(&tx, &new) {
        Err(e) if e.status == 409 => {
            // The body's fields and nested data are applied below, as to a new indicator.
            let id = existing_ind(&tx, &new)?.ok_or(e)?;
            touch(&tx, "i", id)?;
            id
        }
        other => other?,
    };
    let i = load_ind(&tx, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
    update_indicator(&tx, &i, &body)?;
    tx.commit()?;
    let i = load_ind(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created indicator not found"))?;
    let data = ind_v3(&conn, &i, &fields(req), &app.base())?;
    Ok(Resp::json(201, json!({"data": data, "message": "Created", "status": "Success"})))
}

/// `GET /v3/indicators/deleted?deletedSince=&owner=&type=` (tcex's `Indicators.deleted`,
/// tcex/api/tc/v3/indicators/indicator.py): the indicators deleted since then, newest last, each
/// with its id, owner, type, summary and `dateDeleted`.
fn deleted_indicators(app: &App, req: &Req) -> Res<Resp> {
    let conn = app.db();
    let since = match req.param("deletedSince").filter(|s| !s.is_empty()) {
        Some(d) => crate::util::parse_date(&d.replacen(' ', "T", 1)).ok_or_else(|| bad(format!("Invalid deletedSince: {d}")))?,
        None => 0,
    };
    let owner = match req.param("owner") {
        Some(o) => Some(resolve_owner(&conn, Some(o))?),
        None => None,
    };
    let itype = match req.param("type") {
        Some(t) => Some(model::ind_type(t).ok_or_else(|| bad(format!("Invalid indicator type: {t}")))?.name),
        None => None,
    };
    let mut st = conn.prepare(
        "SELECT d.id, d.owner_id, o.name, d.type, d.summary, d.date_deleted FROM deleted_indicators d JOIN owners o ON o.id = d.owner_id
         WHERE d.date_deleted >= ?1 AND (?2 IS NULL OR d.owner_id = ?2) AND (?3 IS NULL OR d.type = ?3) ORDER BY d.date_deleted, d.id",
    )?;
    let rows = st.query_map(params![since, owner.map(|o| o.id), itype], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "ownerId": r.get::<_, i64>(1)?, "ownerName": r.get::<_, String>(2)?,
                  "type": r.get::<_, String>(3)?, "summary": r.get::<_, String>(4)?, "dateDeleted": crate::util::iso(r.get(5)?)}))
    })?;
    let items: Vec<Value> = rows.collect::<Result<_, _>>()?;
    paged_vec(app, req, items)
}

/// The id of the indicator `n` names in its owner, if there is one.
fn existing_ind(conn: &Connection, n: &NewInd) -> Res<Option<i64>> {
    let mut v = n.v.clone();
    if n.t.name == "File" {
        for x in v.iter_mut().flatten() {
            *x = x.to_ascii_uppercase();
        }
    }
    let summary = model::join_summary(n.t, &v);
    Ok(conn
        .query_row("SELECT id FROM indicators WHERE owner_id = ?1 AND type = ?2 AND summary = ?3", params![n.owner.id, n.t.name, summary], |r| {
            r.get(0)
        })
        .optional()?)
}

fn create_group_v3(app: &App, req: &Req) -> Res<Resp> {
    let body = req.json()?;
    let tname = body.get("type").and_then(|t| t.as_str()).ok_or_else(|| bad("Group type is required"))?;
    let name = body.get("name").and_then(|t| t.as_str()).ok_or_else(|| bad("Group name is required"))?;
    let conn = app.db();
    let owner = body_owner(&conn, req, &body)?;
    let tx = conn.unchecked_transaction()?;
    let event_date = body.get("eventDate").and_then(|d| d.as_str()).and_then(parse_date);
    let id = create_group(
        &tx,
        &owner,
        tname,
        name,
        body.get("xid").and_then(|x| x.as_str()),
        event_date,
        body.get("status").and_then(|x| x.as_str()),
        None,
    )?;
    let g = load_group(&tx, id)?.ok_or_else(|| ApiErr::new(500, "created group not found"))?;
    update_group(&tx, &g, &body)?;
    tx.commit()?;
    let g = load_group(&conn, id)?.ok_or_else(|| ApiErr::new(500, "created group not found"))?;
    let data = group_v3(&conn, &g, &fields(req), &app.base())?;
    Ok(Resp::json(201, json!({"data": data, "message": "Created", "status": "Success"})))
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
    let keep = crate::metadata::tql_ids(&conn, req, Target::Tags)?;
    let items: Vec<Value> = all.iter().filter(|t| keep.as_ref().is_none_or(|k| k.contains(&t.id))).map(render).collect();
    paged_vec(app, req, items)
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
    let keep = crate::metadata::tql_ids(&conn, req, Target::Labels)?;
    let items = all.iter().filter(|l| keep.as_ref().is_none_or(|k| k.contains(&l.id))).map(label_v3).collect();
    paged_vec(app, req, items)
}

/// `POST /v3/securityLabels` `{name, description?, color?}`: an instance-wide label
/// (Cross-Intel Sharing creates the labels a package uses that the target lacks).
fn create_label(app: &App, req: &Req) -> Res<Resp> {
    let body = req.json()?;
    let name =
        body.get("name").and_then(|n| n.as_str()).map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| bad("Security label name is required"))?;
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
    let mut all: Vec<Value> = rows.collect::<Result<_, _>>()?;
    // `fields=mapping`: the item types each applies to, as `attributeTypeMappings` (the name
    // docs/rest_api/v3/case_management/cases/fields.rst gives it; its inner shape is not
    // documented: the sandbox answers the type names, ThreatConnect's spelling, sorted).
    if fields(req).has("mapping") {
        let mut st = conn.prepare("SELECT item_type FROM attribute_type_mappings WHERE attribute_type = ?1 ORDER BY item_type")?;
        for a in all.iter_mut() {
            let id = a["id"].as_i64().unwrap_or_default();
            let types: Vec<String> = st.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
            a["attributeTypeMappings"] = json!(types);
        }
    }
    // TQL over tcex's AttributeTypeFilter keywords (tests/api/tc/v3/attribute_types/).
    if let Some(keep) = crate::metadata::tql_ids(&conn, req, Target::AttributeTypes)? {
        all.retain(|a| a["id"].as_i64().is_some_and(|id| keep.contains(&id)));
    }
    if let Some(id) = id {
        let a = all
            .iter()
            .find(|a| a["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id))
            .ok_or_else(|| not_found(format!("Attribute type not found: {}", id)))?;
        return Ok(ok(a.clone()));
    }
    paged_vec(app, req, all)
}

/// `GET /v3/security/users[/{id}]` (v3 "Users"; tcex's `Users` and `User`): the sandbox's two
/// users, the API user first (the `createdBy` of what it makes), with TQL over their fields.
fn users_v3(app: &App, req: &Req, id: Option<&str>) -> Res<Resp> {
    let users = [
        (3, app.cfg.access_id.as_str(), "Pivot", "Developer", "pivotAPI", "Api User"),
        (4, "analyst@demo.example", "Dana", "Analyst", "dana", "User"),
    ];
    let render = |u: &(i64, &str, &str, &str, &str, &str)| {
        json!({"id": u.0, "userName": u.1, "firstName": u.2, "lastName": u.3, "pseudonym": u.4, "systemRole": u.5,
               "owner": "Demo Org", "disabled": false, "locked": false})
    };
    if let Some(id) = id {
        let u = users.iter().find(|u| u.0.to_string() == id).ok_or_else(|| not_found(format!("User not found: {id}")))?;
        return Ok(ok(render(u)));
    }
    let (cond, mut args) = tql::compile(req.param("tql").unwrap_or(""), Target::Users)?;
    let mut rows = vec![];
    for u in users.iter() {
        let base = args.len();
        rows.push(format!(
            "SELECT ?{} AS id, ?{} AS user_name, ?{} AS first_name, ?{} AS last_name, ?{} AS pseudonym, ?{} AS system_role",
            base + 1,
            base + 2,
            base + 3,
            base + 4,
            base + 5,
            base + 6
        ));
        args.extend([json!(u.0), json!(u.1), json!(u.2), json!(u.3), json!(u.4), json!(u.5)]);
    }
    let conn = app.db();
    let sql = format!("WITH users AS ({}) SELECT u.id FROM users u WHERE {cond}", rows.join(" UNION ALL "));
    let ids: Vec<i64> =
        conn.prepare(&sql)?.query_map(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get(0))?.collect::<Result<_, _>>()?;
    let items = users.iter().filter(|u| ids.contains(&u.0)).map(render).collect();
    paged_vec(app, req, items)
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
    // TQL over tcex's OwnerFilter keywords (tests/api/tc/v3/security/owners/).
    let keep = crate::metadata::tql_ids(&conn, req, Target::Owners)?;
    let items = all.iter().filter(|o| keep.as_ref().is_none_or(|k| k.contains(&o.id))).map(render).collect();
    let _ = pct_encode("");
    paged_vec(app, req, items)
}

//! What several v2 and v3 resources share about an item's metadata: the v2 routes of the
//! attributes, tags and security labels every item carries (indicators, groups, tasks, victims),
//! the `includes=` decoration of one v2 item, and the ids a TQL selects among the reference lists
//! (tags, security labels, owners, attribute types, victim assets).

use crate::app::{App, Req, Resp};
use crate::render::*;
use crate::tql::{self, Target};
use crate::util::{bad, not_found, now_s, s, ApiErr, Res};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

fn ok_data(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}
fn ok_plain() -> Resp {
    Resp::json(200, json!({"status": "Success"}))
}
fn created_plain() -> Resp {
    Resp::json(201, json!({"status": "Success"}))
}
fn created(data: Value) -> Resp {
    Resp::json(201, json!({"status": "Success", "data": data}))
}

pub struct Includes {
    pub additional: bool,
    pub tags: bool,
    pub attributes: bool,
    pub labels: bool,
}

pub fn includes(req: &Req) -> Includes {
    let list: Vec<String> = req.params_all("includes").iter().flat_map(|v| v.split(',')).map(|x| x.trim().to_ascii_lowercase()).collect();
    let has = |n: &str| list.iter().any(|x| x == n);
    Includes {
        additional: req.flag("includeAdditional") || has("additional"),
        tags: req.flag("includeTags") || has("tags"),
        attributes: req.flag("includeAttributes") || has("attributes"),
        labels: req.flag("includeLabels") || req.flag("includeSecurityLabels") || has("labels"),
    }
}

pub fn decorate(conn: &Connection, app: &App, v: &mut Value, kind: &str, id: i64, owner: &str, inc: &Includes) -> Res<()> {
    if inc.tags {
        v["tag"] = json!(tags_of(conn, kind, id)?.iter().map(|t| tag_v2(t, &app.base(), owner)).collect::<Vec<_>>());
    }
    if inc.attributes {
        v["attribute"] = json!(attrs_of(conn, kind, id)?.iter().map(attr_v2).collect::<Vec<_>>());
    }
    if inc.labels {
        v["securityLabel"] = json!(labels_of(conn, kind, id)?.iter().map(label_v2).collect::<Vec<_>>());
    }
    Ok(())
}

/// The metadata every v2 item carries, whatever its kind (indicators `i`, groups `g`, tasks `t`,
/// victims `v`): `/attributes[/{id}[/securityLabels[/{label}]]]`, `/tags[/{name}]`,
/// `/securityLabels[/{label}]` (docs/rest_api/v2/*/create.rst, retrieve.rst, delete.rst; the task
/// and victim pages name the same paths under `/v2/tasks/{taskId}` and `/v2/victims/{victimId}`).
pub fn item_metadata(app: &App, conn: &Connection, req: &Req, kind: &str, id: i64, owner: &Owner, rest: &[&str]) -> Res<Resp> {
    let m = req.method.as_str();
    let base = app.base();
    match (m, rest) {
        ("GET", ["attributes"]) => {
            let inc = includes(req);
            let mut out = vec![];
            for a in attrs_of(conn, kind, id)? {
                let mut v = attr_v2(&a);
                if inc.labels {
                    v["securityLabel"] = json!(labels_of(conn, "a", a.id)?.iter().map(label_v2).collect::<Vec<_>>());
                }
                out.push(v);
            }
            Ok(ok_data(json!({"resultCount": out.len(), "attribute": out})))
        }
        ("POST", ["attributes"]) => {
            let body = req.json()?;
            let t = body.get("type").and_then(|x| x.as_str()).ok_or_else(|| bad("Attribute type is required"))?;
            let v = body.get("value").and_then(s).ok_or_else(|| bad("Attribute value is required"))?;
            let displayed = body.get("displayed").and_then(|d| d.as_bool()).unwrap_or(true);
            let aid = add_attr(conn, kind, id, t, &v, body.get("source").and_then(|x| x.as_str()), displayed)?;
            touch(conn, kind, id)?;
            let a = attr_by_id(conn, kind, id, aid)?.ok_or_else(|| ApiErr::new(500, "attribute vanished"))?;
            Ok(created(json!({"attribute": attr_v2(&a)})))
        }
        (_, ["attributes", aid, tail @ ..]) => {
            let aid: i64 = aid.parse().map_err(|_| not_found(format!("Attribute not found: {}", aid)))?;
            let a = attr_by_id(conn, kind, id, aid)?.ok_or_else(|| not_found(format!("Attribute not found: {}", aid)))?;
            match (m, tail) {
                ("GET", []) => Ok(ok_data(json!({"attribute": attr_v2(&a)}))),
                ("PUT", []) => {
                    let body = req.json()?;
                    let v = body.get("value").and_then(s).ok_or_else(|| bad("Attribute value is required"))?;
                    if v.is_empty() {
                        return Err(bad("Attribute value must not be empty"));
                    }
                    conn.execute("UPDATE attributes SET value = ?1, last_modified = ?2 WHERE id = ?3", params![v, now_s(), aid])?;
                    let a = attr_by_id(conn, kind, id, aid)?.ok_or_else(|| not_found("gone"))?;
                    Ok(ok_data(json!({"attribute": attr_v2(&a)})))
                }
                ("DELETE", []) => {
                    delete_attr(conn, kind, id, aid)?;
                    Ok(ok_plain())
                }
                ("GET", ["securityLabels"]) => {
                    let ls: Vec<Value> = labels_of(conn, "a", aid)?.iter().map(label_v2).collect();
                    Ok(ok_data(json!({"resultCount": ls.len(), "securityLabel": ls})))
                }
                ("POST", ["securityLabels", name]) => {
                    add_label(conn, "a", aid, name)?;
                    Ok(created_plain())
                }
                ("DELETE", ["securityLabels", name]) => {
                    if !remove_label(conn, "a", aid, name)? {
                        return Err(not_found(format!("Security label not applied: {}", name)));
                    }
                    Ok(ok_plain())
                }
                _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
            }
        }
        ("GET", ["tags"]) => {
            let ts: Vec<Value> = tags_of(conn, kind, id)?.iter().map(|t| tag_v2(t, &base, &owner.name)).collect();
            Ok(ok_data(json!({"resultCount": ts.len(), "tag": ts})))
        }
        ("GET", ["tags", name]) => {
            let t = tags_of(conn, kind, id)?
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| not_found(format!("Tag not applied: {}", name)))?;
            Ok(ok_data(json!({"tag": tag_v2(&t, &base, &owner.name)})))
        }
        // ThreatConnect answers 201 Created to adding a tag or a security label (v2
        // "Tag a Resource" / "Apply a Security Label"; tcex's v2 ti tests assert it:
        // tests/api/tc/v2/threat_intelligence/ti_helper.py).
        ("POST", ["tags", name]) => {
            add_tag(conn, kind, id, name)?;
            touch(conn, kind, id)?;
            Ok(created_plain())
        }
        ("DELETE", ["tags", name]) => {
            if !remove_tag(conn, kind, id, name)? {
                return Err(not_found(format!("Tag not applied: {}", name)));
            }
            Ok(ok_plain())
        }
        ("GET", ["securityLabels"]) => {
            let ls: Vec<Value> = labels_of(conn, kind, id)?.iter().map(label_v2).collect();
            Ok(ok_data(json!({"resultCount": ls.len(), "securityLabel": ls})))
        }
        ("GET", ["securityLabels", name]) => {
            let l = labels_of(conn, kind, id)?
                .into_iter()
                .find(|l| l.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| not_found(format!("Security label not applied: {}", name)))?;
            Ok(ok_data(json!({"securityLabel": label_v2(&l)})))
        }
        ("POST", ["securityLabels", name]) => {
            add_label(conn, kind, id, name)?;
            Ok(created_plain())
        }
        ("DELETE", ["securityLabels", name]) => {
            if !remove_label(conn, kind, id, name)? {
                return Err(not_found(format!("Security label not applied: {}", name)));
            }
            Ok(ok_plain())
        }
        _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
    }
}

/// `includes=` / `includeAttributes` and friends on one item's answer (tasks, victims).
pub fn decorate_with_includes(conn: &Connection, app: &App, req: &Req, v: &mut Value, kind: &str, id: i64, owner: &str) -> Res<()> {
    decorate(conn, app, v, kind, id, owner, &includes(req))
}

/// The ids a `tql` parameter selects among the tags (`t`) or security labels (`l`), or None
/// without one. Compiled by the same TQL parser as indicators and groups, to SQL over the real
/// tables, so an unknown keyword is TQL's 400 and never a database error.
pub fn tql_ids(conn: &Connection, req: &Req, target: Target) -> Res<Option<std::collections::HashSet<i64>>> {
    let q = req.param("tql").unwrap_or("");
    if q.trim().is_empty() {
        return Ok(None);
    }
    let (cond, args) = tql::compile(q, target)?;
    let (from, alias) = match target {
        Target::Tags => ("tags t", "t"),
        Target::Owners => ("owners ow", "ow"),
        Target::AttributeTypes => ("attribute_types at", "at"),
        Target::VictimAssets => ("victim_assets va", "va"),
        _ => ("labels l", "l"),
    };
    let mut st = conn.prepare(&format!("SELECT {alias}.id FROM {from} WHERE {cond}"))?;
    let ids = st.query_map(rusqlite::params_from_iter(to_params(&args).iter()), |r| r.get::<_, i64>(0))?.collect::<Result<_, _>>()?;
    Ok(Some(ids))
}

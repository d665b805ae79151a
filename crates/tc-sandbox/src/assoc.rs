//! Association types, named (custom) indicator-to-indicator associations and file
//! actions (v2), from ThreatConnect's REST documentation
//! (docs/rest_api/v2/associations/associations.rst,
//! docs/rest_api/v2/indicators/indicator_to_indicator_assoc.rst). Links are rows of
//! the database, so a write shows in a later read.
//!
//! - `GET /v2/types/associationTypes[/{name}]`: `associationType` with name, custom,
//!   fileAction, apiBranch (the booleans as the strings the documented example shows).
//! - `GET {indicator}/associations/{apiBranch}/indicators`,
//!   `POST|DELETE {indicator}/associations/{apiBranch}/indicators/{type}/{value}`: the
//!   documented table's associations, between the documented indicator types, seen from
//!   both ends.
//! - `GET /v2/indicators/files/{hash}/actions/{action}/indicators`,
//!   `POST|DELETE .../actions/{action}/indicators/{type}/{value}`: the documented file
//!   actions and the indicator types each relates to the file.

use crate::app::{App, Req, Resp};
use crate::model::{self, GROUP_TYPES};
use crate::render::{find_ind, ind_v2, query_inds, Ind, Owner};
use crate::util::{bad, not_found, ApiErr, Res};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

/// Pairs of indicator types an association relates.
type TypePairs = &'static [(&'static str, &'static str)];

/// The documented indicator-to-indicator associations: (name, apiBranch, type pairs).
const ASSOCIATIONS: [(&str, &str, TypePairs); 8] = [
    ("Address to User Agent", "addressToUserAgent", &[("Address", "User Agent")]),
    ("ASN to Address", "asnToAddress", &[("ASN", "Address")]),
    ("ASN to CIDR", "asnToCidr", &[("ASN", "CIDR")]),
    ("CIDR to Address", "cidrToAddress", &[("CIDR", "Address")]),
    ("DNS PTR Record", "dnsPtrRecord", &[("Address", "Host")]),
    ("Domain Registrant Email", "domainRegistrant", &[("Host", "EmailAddress")]),
    ("File Download", "fileDownload", &[("URL", "File")]),
    ("URL Host", "urlHost", &[("URL", "Address"), ("URL", "Host")]),
];

/// The documented file actions: (name, apiBranch, indicator types related to the file).
const FILE_ACTIONS: [(&str, &str, &[&str]); 7] = [
    ("File Archive", "archive", &["File"]),
    ("File Drop", "drop", &["File"]),
    ("File Traffic", "traffic", &["Address", "Host", "URL"]),
    ("File Mutex", "mutex", &["Mutex"]),
    ("File Registry Key", "registryKey", &["Registry Key"]),
    ("File User Agent", "userAgent", &["User Agent"]),
    ("File DNS Query", "dnsQuery", &["Host"]),
];

fn ok(data: Value) -> Resp {
    Resp::json(200, json!({"status": "Success", "data": data}))
}

/// Every association type: one per group type (as the documented `Adversary` example), the
/// indicator associations (custom: configured on the instance) and the file actions.
fn all_types() -> Vec<Value> {
    let mut out: Vec<Value> =
        GROUP_TYPES.iter().map(|g| json!({"name": g.name, "custom": "false", "fileAction": "false", "apiBranch": g.branch})).collect();
    out.extend(ASSOCIATIONS.iter().map(|(n, b, _)| json!({"name": n, "custom": "true", "fileAction": "false", "apiBranch": b})));
    out.extend(FILE_ACTIONS.iter().map(|(n, b, _)| json!({"name": n, "custom": "false", "fileAction": "true", "apiBranch": b})));
    out
}

/// `GET /v2/types/associationTypes[/{name}]`.
pub fn association_types(name: Option<&str>) -> Res<Resp> {
    let all = all_types();
    match name {
        None => Ok(ok(json!({"resultCount": all.len(), "associationType": all}))),
        Some(n) => {
            let t = all
                .into_iter()
                .find(|t| t["name"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(n)))
                .ok_or_else(|| not_found(format!("Association type not found: {}", n)))?;
            Ok(ok(json!({"associationType": t})))
        }
    }
}

/// The type pairs a named association or file action allows, from `me`'s side:
/// the types the other end may have.
fn partners(kind: &str, name: &str, me: &str) -> Res<Vec<&'static str>> {
    if kind == "action" {
        let (_, _, ts) = FILE_ACTIONS.iter().find(|(_, b, _)| *b == name).ok_or_else(|| not_found(format!("Unknown file action: {}", name)))?;
        if me != "File" {
            return Err(bad("File actions apply to File indicators only"));
        }
        return Ok(ts.to_vec());
    }
    let (_, _, pairs) = ASSOCIATIONS.iter().find(|(_, b, _)| *b == name).ok_or_else(|| not_found(format!("Unknown association type: {}", name)))?;
    let mut out = vec![];
    for (a, b) in pairs.iter() {
        if *a == me {
            out.push(*b);
        }
        if *b == me {
            out.push(*a);
        }
    }
    if out.is_empty() {
        return Err(bad(format!("Association {} cannot be applied to the indicator type {}", name, me)));
    }
    Ok(out)
}

/// `{indicator}/associations/{name}/indicators[/{type}/{value}]` and
/// `{file}/actions/{action}/indicators[/{type}/{value}]`. `None` when `rest` is neither.
pub fn indicator_route(app: &App, conn: &Connection, req: &Req, i: &Ind, owner: &Owner, rest: &[&str]) -> Option<Res<Resp>> {
    let (kind, name, tail) = match rest {
        ["associations", name, "indicators", tail @ ..] => ("assoc", *name, tail),
        ["actions", name, "indicators", tail @ ..] => ("action", *name, tail),
        _ => return None,
    };
    Some(links(app, conn, req, i, owner, kind, name, tail))
}

#[allow(clippy::too_many_arguments)]
fn links(app: &App, conn: &Connection, req: &Req, i: &Ind, owner: &Owner, kind: &str, name: &str, tail: &[&str]) -> Res<Resp> {
    let allowed = partners(kind, name, &i.itype)?;
    let base = app.base();
    match (req.method.as_str(), tail) {
        ("GET", []) => {
            // A named association reads from both ends; a file action from the file.
            let sql = if kind == "action" {
                "WHERE i.id IN (SELECT b FROM named_links WHERE kind = ?1 AND name = ?2 AND a = ?3) ORDER BY i.id"
            } else {
                "WHERE i.id IN (SELECT b FROM named_links WHERE kind = ?1 AND name = ?2 AND a = ?3 UNION SELECT a FROM named_links WHERE kind = ?1 AND name = ?2 AND b = ?3) ORDER BY i.id"
            };
            let xs = query_inds(conn, sql, &[json!(kind), json!(name), json!(i.id)])?;
            let mut items = vec![];
            for x in &xs {
                items.push(ind_v2(conn, x, false, false, false, &base)?);
            }
            Ok(ok(json!({"resultCount": items.len(), "indicator": items})))
        }
        (m @ ("POST" | "DELETE"), [branch, value]) => {
            owner.writable()?;
            let t = model::ind_branch(branch).ok_or_else(|| not_found(format!("Unknown indicator type: {}", branch)))?;
            if !allowed.contains(&t.name) {
                return Err(bad(format!("{} cannot be applied to the indicator type {}", name, t.name)));
            }
            let x = find_ind(conn, owner.id, Some(t), value)?.ok_or_else(|| not_found(format!("{} not found: {}", t.name, value)))?;
            if x.id == i.id {
                return Err(bad("An indicator cannot be associated with itself"));
            }
            if m == "POST" {
                conn.execute("INSERT OR IGNORE INTO named_links(kind, name, a, b) VALUES (?1, ?2, ?3, ?4)", params![kind, name, i.id, x.id])?;
            } else {
                let n = conn.execute(
                    "DELETE FROM named_links WHERE kind = ?1 AND name = ?2 AND ((a = ?3 AND b = ?4) OR (?1 = 'assoc' AND a = ?4 AND b = ?3))",
                    params![kind, name, i.id, x.id],
                )?;
                if n == 0 {
                    return Err(not_found("Association not found"));
                }
            }
            Ok(Resp::json(200, json!({"status": "Success"})))
        }
        _ => Err(ApiErr::new(405, "Method not allowed")),
    }
}

//! Writes to an indicator or group from a JSON body, shared by v3 (POST and PUT), v2 (PUT) and
//! batch: the value fields of an indicator body, and the updates with v3's nested tags,
//! securityLabels, attributes, associatedGroups, associatedIndicators and fileOccurrences
//! (`{"data": [...], "mode": "append|delete|replace"}`).

use crate::model;
use crate::occurrences;
use crate::render::*;
use crate::util::{bad, int, not_found, now_s, num, s, Res};
use rusqlite::{params, Connection};
use serde_json::Value;

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
    apply_metadata(conn, kind, id, body)?;
    apply_associations(conn, kind, id, owner, body)
}

/// The nested `tags`, `securityLabels` and `attributes` of a v3 create or update (`{"data": [...],
/// "mode": "append|delete|replace"}`), on any item kind: indicators, groups, victims.
pub fn apply_metadata(conn: &Connection, kind: &str, id: i64, body: &Value) -> Res<()> {
    if let Some((data, mode)) = nested(body, "tags")? {
        if mode == "replace" {
            conn.execute("DELETE FROM item_tags WHERE kind = ?1 AND item = ?2", params![kind, id])?;
        }
        for t in data {
            let name = nested_name(conn, &t, "tags", "A tag needs a name or an id")?;
            let name = name.as_str();
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
            let name = nested_name(conn, &l, "labels", "A security label needs a name or an id")?;
            let name = name.as_str();
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
    Ok(())
}

/// The nested `associatedGroups` and `associatedIndicators` of an indicator (`i`) or group (`g`).
fn apply_associations(conn: &Connection, kind: &str, id: i64, owner: &Owner, body: &Value) -> Res<()> {
    if let Some((data, mode)) = nested(body, "associatedGroups")? {
        if mode == "replace" {
            if kind == "i" {
                conn.execute("DELETE FROM ig WHERE ind = ?1", [id])?;
            } else {
                conn.execute("DELETE FROM gg WHERE a = ?1 OR b = ?1", [id])?;
            }
        }
        for g in data {
            let other = match g.get("id").and_then(int) {
                Some(gid) => load_group(conn, gid)?.ok_or_else(|| not_found(format!("Group not found: {}", gid)))?,
                None if mode == "delete" => return Err(bad("An associated group to remove needs an id")),
                None => nested_new_group(conn, &g)?,
            };
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
    // A group's victim assets (v3 "Create and Manage Associations": /v3/groups take Victim Assets,
    // each named by its id; docs/rest_api/v3/associations.rst).
    if let Some((data, mode)) = nested(body, "associatedVictimAssets")? {
        if kind != "g" {
            return Err(bad("associatedVictimAssets applies to groups only"));
        }
        if mode == "replace" {
            conn.execute("DELETE FROM victim_asset_groups WHERE grp = ?1", [id])?;
        }
        for a in data {
            let aid = a.get("id").and_then(int).ok_or_else(|| bad("An associated victim asset needs an id"))?;
            use rusqlite::OptionalExtension;
            conn.query_row("SELECT 1 FROM victim_assets WHERE id = ?1", [aid], |_| Ok(()))
                .optional()?
                .ok_or_else(|| not_found(format!("Victim asset not found: {}", aid)))?;
            if mode == "delete" {
                conn.execute("DELETE FROM victim_asset_groups WHERE asset = ?1 AND grp = ?2", params![aid, id])?;
            } else {
                conn.execute("INSERT OR IGNORE INTO victim_asset_groups(asset, grp) VALUES (?1, ?2)", params![aid, id])?;
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
                nested_indicator(conn, owner, &x, mode != "delete")?
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

/// The name of a nested tag or security label: its `name`, or the name of the one its `id` names
/// (tcex's `Tag.remove()` / `SecurityLabel.remove()` send `{"data": [{"id": N}], "mode":
/// "delete"}`: tcex/api/tc/v3/tags/tag.py).
fn nested_name(conn: &Connection, item: &Value, table: &str, missing: &str) -> Res<String> {
    if let Some(n) = item.get("name").and_then(|n| n.as_str()) {
        return Ok(n.to_string());
    }
    let id = item.get("id").and_then(int).ok_or_else(|| bad(missing))?;
    let sql = if table == "tags" { "SELECT name FROM tags WHERE id = ?1" } else { "SELECT name FROM labels WHERE id = ?1" };
    use rusqlite::OptionalExtension;
    conn.query_row(sql, [id], |r| r.get(0)).optional()?.ok_or_else(|| not_found(format!("Not found: {} {}", table, id)))
}

/// The owner a nested item names (`ownerName` or `ownerId`), else `default`.
fn nested_owner(conn: &Connection, item: &Value, default: &Owner) -> Res<Owner> {
    if let Some(n) = item.get("ownerName").and_then(|v| v.as_str()) {
        return resolve_owner(conn, Some(n));
    }
    if let Some(id) = item.get("ownerId").and_then(int) {
        return owner_by_id(conn, id)?.ok_or_else(|| crate::util::ApiErr::new(403, format!("Owner not found: {}", id)));
    }
    Ok(default.clone())
}

/// A new group from a nested `associatedGroups` entry without an id (v3 "Create and Manage
/// Associations", New Group: the fields a group of its type needs, created in the API user's
/// Organization unless `ownerName` / `ownerId` names another owner). Its own nested tags, labels
/// and attributes are applied too.
fn nested_new_group(conn: &Connection, g: &Value) -> Res<Group> {
    let t = g.get("type").and_then(|v| v.as_str());
    let name = g.get("name").and_then(|v| v.as_str());
    let (Some(t), Some(name)) = (t, name) else {
        return Err(bad("An associated group needs an id, or the type and name of a new group"));
    };
    let owner = nested_owner(conn, g, &resolve_owner(conn, None)?)?;
    let event_date = g.get("eventDate").and_then(|d| d.as_str()).and_then(parse_date);
    let id = create_group(conn, &owner, t, name, g.get("xid").and_then(|x| x.as_str()), event_date, g.get("status").and_then(|x| x.as_str()), None)?;
    apply_metadata(conn, "g", id, g)?;
    load_group(conn, id)?.ok_or_else(|| not_found(format!("Group not found: {}", id)))
}

/// The indicator a nested `associatedIndicators` entry without an id names: by its type and
/// summary (or its typed fields: `hostName`, `ip`...) in the owner it names (`ownerName` /
/// `ownerId`), else in `parent`'s owner; created there when absent and `create` (v3 "Create and
/// Manage Associations", New Indicator / Existing Indicator; docs/rest_api/v3/indicators/associations.rst).
fn nested_indicator(conn: &Connection, parent: &Owner, x: &Value, create: bool) -> Res<Ind> {
    let owner = nested_owner(conn, x, parent)?;
    let t = x.get("type").and_then(|v| v.as_str()).and_then(model::ind_type);
    let Some(t) = t else {
        let sm = x.get("summary").and_then(|v| v.as_str()).ok_or_else(|| bad("An associated indicator needs an id, or a type and a summary"))?;
        return find_ind(conn, owner.id, None, sm)?.ok_or_else(|| not_found(format!("Indicator not found: {}", sm)));
    };
    let v = body_values(t, x)?;
    let summary = model::join_summary(t, &v);
    if let Some(i) = find_ind(conn, owner.id, Some(t), &summary)? {
        return Ok(i);
    }
    if !create {
        return Err(not_found(format!("Indicator not found: {}", summary)));
    }
    let id = create_ind(
        conn,
        &NewInd {
            owner: &owner,
            t,
            v,
            rating: x.get("rating").and_then(num),
            confidence: x.get("confidence").and_then(int),
            description: x.get("description").and_then(s),
            xid: x.get("xid").and_then(s),
        },
    )?;
    apply_metadata(conn, "i", id, x)?;
    load_ind(conn, id)?.ok_or_else(|| not_found(format!("Indicator not found: {}", id)))
}

/// v3 `fileActions` in a File indicator's write (docs/rest_api/v3/indicators/associations.rst,
/// File Actions): `{"data": [{"relationship", "indicator": {id} or a new or existing indicator by
/// type and value}], "mode"}`; append (the default), replace, delete.
fn write_actions_v3(conn: &Connection, i: &Ind, body: &Value) -> Res<()> {
    let Some(fa) = body.get("fileActions") else { return Ok(()) };
    if fa.is_null() {
        return Ok(());
    }
    if i.itype != "File" {
        return Err(bad("File actions apply to File indicators only"));
    }
    let data = fa.get("data").and_then(Value::as_array).ok_or_else(|| bad("fileActions must be {\"data\": [...]}"))?;
    let mode = fa.get("mode").and_then(Value::as_str).unwrap_or("append").to_ascii_lowercase();
    if !matches!(mode.as_str(), "append" | "replace" | "delete") {
        return Err(bad(format!("Invalid mode for fileActions: {}", mode)));
    }
    if mode == "replace" {
        conn.execute("DELETE FROM file_actions WHERE file = ?1", [i.id])?;
    }
    for a in data {
        let rel = a
            .get("relationship")
            .and_then(Value::as_str)
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| bad("A file action needs a relationship"))?;
        let x = a.get("indicator").ok_or_else(|| bad("A file action needs an indicator"))?;
        let other = match x.get("id").and_then(crate::util::int) {
            Some(id) => crate::render::load_ind(conn, id)?.ok_or_else(|| crate::util::not_found(format!("Indicator not found: {}", id)))?,
            None => nested_indicator(conn, &i.owner, x, mode != "delete")?,
        };
        if mode == "delete" {
            if conn.execute("DELETE FROM file_actions WHERE file = ?1 AND relationship = ?2 AND ind = ?3", rusqlite::params![i.id, rel, other.id])?
                == 0
            {
                return Err(crate::util::not_found(format!("File action not found: {} {}", rel, other.summary)));
            }
        } else {
            conn.execute("INSERT OR IGNORE INTO file_actions(file, relationship, ind) VALUES (?1, ?2, ?3)", rusqlite::params![i.id, rel, other.id])?;
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
            let v =
                b.as_bool().or_else(|| b.as_str().map(|x| x.eq_ignore_ascii_case("true"))).ok_or_else(|| bad(format!("{} must be a boolean", k)))?;
            conn.execute(&format!("UPDATE indicators SET {} = ?1 WHERE id = ?2", col), params![v as i64, i.id])?;
        }
    }
    occurrences::write_v3(conn, i, body)?;
    write_actions_v3(conn, i, body)?;
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
    type_fields(conn, g.id, &g.gtype, body)?;
    apply_common(conn, "g", g.id, &g.owner, body)
}

/// The fields one group type takes on a create or an update, kept with the group and answered
/// back (v2 and v3). Which type takes which: tcex's GroupModel (`applies_to`, with PUT among its
/// methods; generated from ThreatConnect's `OPTIONS /v3/groups`): a Report's `publishDate` (tcex's
/// v2 Report.publish_date PUTs it with the fileName), a Document's, Report's or Signature's
/// `fileName`, a Signature's `fileType`, a Document's `malware`, an Event's `eventType` and an
/// Email's `subject`, `from`, `header` and `body`. A date is kept as ISO 8601, and refused when
/// it is not one. Fields another type takes are left alone, as before.
const TYPE_FIELDS: &[(&str, &[&str])] = &[
    ("publishDate", &["Report"]),
    ("fileName", &["Document", "Report", "Signature"]),
    ("fileType", &["Signature"]),
    ("malware", &["Document"]),
    ("eventType", &["Event"]),
    ("subject", &["Email"]),
    ("from", &["Email"]),
    ("header", &["Email"]),
    ("body", &["Email"]),
];

pub fn type_fields(conn: &Connection, id: i64, gtype: &str, body: &Value) -> Res<()> {
    let mut changed = vec![];
    for (key, types) in TYPE_FIELDS {
        let Some(v) = body.get(*key).filter(|v| !v.is_null()) else { continue };
        if !types.contains(&gtype) {
            continue;
        }
        let v = match (*key, v) {
            ("publishDate", Value::String(d)) => {
                Value::String(crate::util::iso(parse_date(d).ok_or_else(|| bad(format!("Invalid publishDate: {}", d)))?))
            }
            ("malware", Value::Bool(_)) => v.clone(),
            ("publishDate" | "malware", _) => return Err(bad(format!("Invalid {}: {}", key, v))),
            (_, Value::String(_)) => v.clone(),
            _ => return Err(bad(format!("{} must be a string", key))),
        };
        changed.push((*key, v));
    }
    if changed.is_empty() {
        return Ok(());
    }
    let old: Option<String> = conn.query_row("SELECT extra FROM groups_ WHERE id = ?1", [id], |r| r.get(0))?;
    let mut extra = old.and_then(|e| serde_json::from_str::<Value>(&e).ok()).filter(Value::is_object).unwrap_or_else(|| serde_json::json!({}));
    for (k, v) in changed {
        extra[k] = v;
    }
    conn.execute("UPDATE groups_ SET extra = ?1 WHERE id = ?2", params![extra.to_string(), id])?;
    Ok(())
}

//! Publish: a v3 group with its associated groups and indicators -> a package.

use super::error::ShareError;
use super::json::{self, canonical_json, list, text};
use threatconnect::time::is_rfc3339;
use super::package::{canonical_type, content_hash, derive_xid, BatchBody, GroupRef, Header, ItemKind, SharePackage, Source, VERSION};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What the publisher chose.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishOptions {
    /// Configured id of the source instance (stable across URLs: never derived from one).
    pub instance_id: String,
    /// Source owner (organization) name.
    pub owner: String,
    /// Informational, written to the header, never hashed.
    pub api_url: Option<String>,
    /// RFC 3339 date-time of publishing (the caller owns the clock).
    pub published_at: String,
    /// Security label names that may leave (ThreatConnect's `securityLabelList`), compared case-insensitively.
    pub security_labels_allowed: Vec<String>,
    /// Unlabeled items and attributes stay home too (ThreatConnect's `excludeUnlabeled`).
    pub exclude_unlabeled: bool,
}

/// What stayed home because of the label filter.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Withheld {
    pub groups: usize,
    pub indicators: usize,
    pub attributes: usize,
    /// One line per withheld group or indicator, e.g. `Host bad.com (TLP:RED)`.
    pub items: Vec<String>,
}

/// [`snapshot_report`] without the report.
pub fn snapshot(
    group_v3: &Value,
    associated_groups: &[Value],
    associated_indicators: &[Value],
    opts: &PublishOptions,
) -> Result<SharePackage, ShareError> {
    snapshot_report(group_v3, associated_groups, associated_indicators, opts).map(|(p, _)| p)
}

#[derive(Clone, Debug)]
struct Label {
    name: String,
    color: Option<String>,
    description: Option<String>,
}

fn labels_of(v: &Value) -> Vec<Label> {
    let mut out: BTreeMap<String, Label> = BTreeMap::new();
    for l in list(v, "securityLabels") {
        if let Some(name) = text(l, "name") {
            out.entry(name.to_string()).or_insert_with(|| Label {
                name: name.to_string(),
                color: text(l, "color").map(str::to_string),
                description: text(l, "description").map(str::to_string),
            });
        }
    }
    out.into_values().collect()
}

fn labels_json(labels: &[Label]) -> Value {
    Value::Array(
        labels
            .iter()
            .map(|l| {
                let mut m = Map::new();
                m.insert("name".into(), json!(l.name));
                if let Some(c) = &l.color {
                    m.insert("color".into(), json!(c));
                }
                if let Some(d) = &l.description {
                    m.insert("description".into(), json!(d));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

struct Filter {
    allowed: BTreeSet<String>,
    exclude_unlabeled: bool,
}

impl Filter {
    /// The labels that keep this item home (empty: it may leave). Unlabeled with
    /// `exclude_unlabeled` returns `["(unlabeled)"]`.
    fn blocking(&self, labels: &[Label]) -> Vec<String> {
        if labels.is_empty() {
            return if self.exclude_unlabeled { vec!["(unlabeled)".into()] } else { vec![] };
        }
        labels.iter().filter(|l| !self.allowed.contains(&l.name.to_lowercase())).map(|l| l.name.clone()).collect()
    }
}

/// Group fields copied per type (v2 Batch names; v3 uses the same names).
fn group_fields(group_type: &str) -> &'static [&'static str] {
    match group_type {
        "Event" => &["eventDate", "status"],
        "Incident" => &["eventDate", "status"],
        "Campaign" => &["firstSeen"],
        "Document" => &["fileName", "malware", "password"],
        "Email" => &["subject", "header", "body", "to", "from"],
        "Report" => &["fileName", "publishDate"],
        "Signature" => &["fileName", "fileType", "fileText"],
        _ => &[],
    }
}

/// Attributes, tags and labels in batch form (sorted, so input order does not matter).
fn metadata(item: &Value, filter: &Filter, out: &mut Map<String, Value>, withheld: &mut Withheld) {
    let mut attrs: Vec<(String, Value)> = Vec::new();
    for a in list(item, "attributes") {
        let (Some(t), Some(val)) = (text(a, "type"), a.get("value").and_then(Value::as_str)) else {
            continue;
        };
        let labels = labels_of(a);
        if !filter.blocking(&labels).is_empty() {
            withheld.attributes += 1;
            continue;
        }
        let mut m = Map::new();
        m.insert("type".into(), json!(t));
        m.insert("value".into(), json!(val));
        // v2 `displayed` is v3 `default` (the default attribute of its type).
        if let Some(d) = json::boolean(a, "default") {
            m.insert("displayed".into(), json!(d));
        }
        if let Some(s) = text(a, "source") {
            m.insert("source".into(), json!(s));
        }
        if !labels.is_empty() {
            m.insert("securityLabel".into(), labels_json(&labels));
        }
        let v = Value::Object(m);
        attrs.push((canonical_json(&v), v));
    }
    // Always present, even empty: with write type Replace an absent key leaves the
    // target's metadata as it is, an empty array clears it.
    attrs.sort_by(|a, b| a.0.cmp(&b.0));
    out.insert("attribute".into(), Value::Array(attrs.into_iter().map(|(_, v)| v).collect()));
    let tags: BTreeSet<&str> = list(item, "tags").iter().filter_map(|t| text(t, "name")).collect();
    out.insert("tag".into(), Value::Array(tags.into_iter().map(|n| json!({"name": n})).collect()));
    out.insert("securityLabel".into(), labels_json(&labels_of(item)));
}

/// Build a package from v3 JSON:
/// - `group_v3`: `GET /v3/groups/{id}?fields=attributes&fields=tags&fields=securityLabels`
///   (attributes with their `securityLabels`);
/// - `associated_groups`: the group's associated groups, each with the same fields
///   (plus `associatedGroups` if associations among them should travel too);
/// - `associated_indicators`: the group's associated indicators with attributes,
///   tags, securityLabels (plus `associatedGroups` for their links to other shared groups).
///
/// Items (and attributes) carrying a label not in `security_labels_allowed` stay
/// home, as do unlabeled ones when `exclude_unlabeled`; if the published group
/// itself would stay home, that is an error ([`ShareError::GroupWithheld`]).
pub fn snapshot_report(
    group_v3: &Value,
    associated_groups: &[Value],
    associated_indicators: &[Value],
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ShareError> {
    if opts.instance_id.trim().is_empty() {
        return Err(ShareError::InvalidOptions { message: "the source instance id is empty (configure one: it names the instance in every xid)".into() });
    }
    if opts.owner.trim().is_empty() {
        return Err(ShareError::InvalidOptions { message: "the source owner is empty".into() });
    }
    if !is_rfc3339(&opts.published_at) {
        return Err(ShareError::InvalidOptions {
            message: format!("publishedAt {:?} is not an RFC 3339 date-time such as 2026-11-25T14:20:33Z", opts.published_at),
        });
    }
    let filter = Filter {
        allowed: opts.security_labels_allowed.iter().map(|s| s.trim().to_lowercase()).collect(),
        exclude_unlabeled: opts.exclude_unlabeled,
    };
    let (inst, owner) = (opts.instance_id.trim(), opts.owner.trim());
    let mut withheld = Withheld::default();

    let gid = json::id(group_v3, "id").ok_or_else(|| ShareError::InvalidInput { path: "group.id".into(), message: "no numeric id".into() })?;
    let gtype = text(group_v3, "type")
        .map(|t| canonical_type(ItemKind::Group, t))
        .ok_or_else(|| ShareError::InvalidInput { path: "group.type".into(), message: "no type".into() })?;
    let gname = text(group_v3, "name").ok_or_else(|| ShareError::InvalidInput { path: "group.name".into(), message: "no name".into() })?;
    let blocking = filter.blocking(&labels_of(group_v3));
    if !blocking.is_empty() {
        return Err(ShareError::GroupWithheld { labels: blocking });
    }
    let top_xid = derive_xid(inst, owner, ItemKind::Group, &gtype, &gid.to_string());

    // Groups that leave: source id -> (xid, v3 JSON). The published group first.
    let mut groups: BTreeMap<u64, (String, &Value)> = BTreeMap::new();
    groups.insert(gid, (top_xid.clone(), group_v3));
    for (i, g) in associated_groups.iter().enumerate() {
        let path = format!("associated_groups[{i}]");
        let id = json::id(g, "id").ok_or_else(|| ShareError::InvalidInput { path: format!("{path}.id"), message: "no numeric id".into() })?;
        let t = text(g, "type").ok_or_else(|| ShareError::InvalidInput { path: format!("{path}.type"), message: "no type".into() })?;
        let name = text(g, "name").ok_or_else(|| ShareError::InvalidInput { path: format!("{path}.name"), message: "no name".into() })?;
        if groups.contains_key(&id) {
            continue;
        }
        let b = filter.blocking(&labels_of(g));
        if !b.is_empty() {
            withheld.groups += 1;
            withheld.items.push(format!("{t} {name} ({})", b.join(", ")));
            continue;
        }
        groups.insert(id, (derive_xid(inst, owner, ItemKind::Group, t, &id.to_string()), g));
    }

    // Group-group pairs: the published group with each associated group, plus
    // pairs the associated groups report among themselves (fields=associatedGroups).
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for (id, (xid, g)) in &groups {
        if *id != gid {
            pairs.insert((top_xid.clone(), xid.clone()));
        }
        for other in list(g, "associatedGroups") {
            if let Some((oxid, _)) = json::id(other, "id").and_then(|o| groups.get(&o)) {
                if oxid != xid {
                    if *xid == top_xid || (*oxid != top_xid && xid < oxid) {
                        pairs.insert((xid.clone(), oxid.clone()));
                    } else {
                        pairs.insert((oxid.clone(), xid.clone()));
                    }
                }
            }
        }
    }

    let mut group_out: BTreeMap<String, Value> = BTreeMap::new();
    for (xid, g) in groups.values() {
        let t = canonical_type(ItemKind::Group, text(g, "type").unwrap_or_default());
        let mut m = Map::new();
        m.insert("xid".into(), json!(xid));
        m.insert("type".into(), json!(t));
        m.insert("name".into(), json!(text(g, "name").unwrap_or_default()));
        for f in group_fields(&t) {
            match g.get(*f) {
                Some(Value::Null) | None => {}
                Some(v) => {
                    m.insert((*f).into(), v.clone());
                }
            }
        }
        metadata(g, &filter, &mut m, &mut withheld);
        let linked: Vec<Value> = pairs.iter().filter(|(a, _)| a == xid).map(|(_, b)| json!(b)).collect();
        if !linked.is_empty() {
            m.insert("associatedGroupXid".into(), Value::Array(linked));
        }
        group_out.insert(xid.clone(), Value::Object(m));
    }

    let mut ind_out: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for (i, ind) in associated_indicators.iter().enumerate() {
        let path = format!("associated_indicators[{i}]");
        let t = text(ind, "type").ok_or_else(|| ShareError::InvalidInput { path: format!("{path}.type"), message: "no type".into() })?;
        let t = canonical_type(ItemKind::Indicator, t);
        let summary = match text(ind, "summary") {
            Some(s) => s.to_string(),
            None => {
                let hashes: Vec<&str> = ["md5", "sha1", "sha256"].iter().filter_map(|k| text(ind, k)).collect();
                if hashes.is_empty() {
                    return Err(ShareError::InvalidInput { path: format!("{path}.summary"), message: "no summary".into() });
                }
                hashes.join(" : ")
            }
        };
        let b = filter.blocking(&labels_of(ind));
        if !b.is_empty() {
            withheld.indicators += 1;
            withheld.items.push(format!("{t} {summary} ({})", b.join(", ")));
            continue;
        }
        let xid = derive_xid(inst, owner, ItemKind::Indicator, &t, &summary);
        let mut m = Map::new();
        m.insert("xid".into(), json!(xid));
        m.insert("type".into(), json!(t));
        m.insert("summary".into(), json!(summary));
        if let Some(r) = json::number(ind, "rating") {
            if let Some(n) = serde_json::Number::from_f64(r) {
                m.insert("rating".into(), Value::Number(n));
            }
        }
        if let Some(c) = json::number(ind, "confidence") {
            m.insert("confidence".into(), json!(c.round() as i64));
        }
        if let Some(d) = text(ind, "description") {
            m.insert("description".into(), json!(d));
        }
        if t == "Host" {
            for f in ["dnsActive", "whoisActive"] {
                if let Some(b) = json::boolean(ind, f) {
                    m.insert(f.into(), json!(b));
                }
            }
        }
        metadata(ind, &filter, &mut m, &mut withheld);
        let mut linked: BTreeSet<String> = BTreeSet::new();
        linked.insert(top_xid.clone());
        for g in list(ind, "associatedGroups") {
            if let Some((x, _)) = json::id(g, "id").and_then(|o| groups.get(&o)) {
                linked.insert(x.clone());
            }
        }
        m.insert("associatedGroups".into(), Value::Array(linked.into_iter().map(|x| json!({"groupXid": x})).collect()));
        let v = Value::Object(m);
        let c = canonical_json(&v);
        // The same indicator twice in the input: keep one, chosen by content (not by order).
        match ind_out.get(&xid) {
            Some((old, _)) if *old <= c => {}
            _ => {
                ind_out.insert(xid, (c, v));
            }
        }
    }

    // The published group first, then the others by xid; indicators by xid.
    let mut group_list = Vec::with_capacity(group_out.len());
    if let Some(top) = group_out.remove(&top_xid) {
        group_list.push(top);
    }
    group_list.extend(group_out.into_values());
    let batch = BatchBody { group: group_list, indicator: ind_out.into_values().map(|(_, v)| v).collect(), association: vec![] };

    let source = Source { instance_id: inst.to_string(), owner: owner.to_string(), api_url: opts.api_url.clone() };
    let group = GroupRef { id: gid, group_type: gtype, name: gname.to_string(), xid: top_xid };
    let mut allowed: Vec<String> = opts.security_labels_allowed.iter().map(|s| s.trim().to_string()).collect();
    allowed.sort();
    allowed.dedup();
    let group_ids: BTreeMap<String, u64> = groups.iter().map(|(id, (xid, _))| (xid.clone(), *id)).collect();
    let hash = content_hash(VERSION, &source, &group, &group_ids, &batch.to_value());
    Ok((
        SharePackage {
            header: Header {
                version: VERSION,
                source,
                group,
                published_at: opts.published_at.clone(),
                content_hash: hash,
                security_labels_allowed: allowed,
                exclude_unlabeled: opts.exclude_unlabeled,
            },
            batch,
            group_ids,
        },
        withheld,
    ))
}

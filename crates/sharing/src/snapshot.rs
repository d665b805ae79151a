//! Publish: a v3 group with its associated groups and indicators -> a package.

use super::error::ShareError;
use super::json::{self, canonical_json, list, text};
use super::package::{canonical_type, content_hash, derive_xid, BatchBody, GroupRef, Header, ItemKind, SharePackage, Source, VERSION};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use threatconnect::time::is_rfc3339;

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
        return Err(ShareError::InvalidOptions {
            message: "the source instance id is empty (configure one: it names the instance in every xid)".into(),
        });
    }
    if opts.owner.trim().is_empty() {
        return Err(ShareError::InvalidOptions { message: "the source owner is empty".into() });
    }
    if !is_rfc3339(&opts.published_at) {
        return Err(ShareError::InvalidOptions {
            message: format!("publishedAt {:?} is not an RFC 3339 date-time such as 2026-11-25T14:20:33Z", opts.published_at),
        });
    }
    let filter =
        Filter { allowed: opts.security_labels_allowed.iter().map(|s| s.trim().to_lowercase()).collect(), exclude_unlabeled: opts.exclude_unlabeled };
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
    let package = SharePackage {
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
    };
    // What the importer would refuse is refused here, where the publisher can see why
    // (a value past the format's bounds, docs/sharing-format.md "Schema").
    super::package::validate(&package.to_bytes())?;
    Ok((package, withheld))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    /// What an import would refuse, publishing refuses, naming the value: a tag past the
    /// format's 250 characters (docs/sharing-format.md, "Schema").
    #[test]
    fn a_group_past_the_formats_bounds_is_refused_at_publish() {
        let mut g = group();
        g["tags"] = tags(&[&"t".repeat(251)]);
        match snapshot(&g, &associated_groups(), &associated_indicators(), &opts()) {
            Err(ShareError::TooLong { path, length: 251, limit: 250 }) => assert!(path.contains("tag"), "{path}"),
            other => panic!("{other:?}"),
        }
        g["tags"] = tags(&[&"t".repeat(250)]);
        assert!(snapshot(&g, &associated_groups(), &associated_indicators(), &opts()).is_ok());
    }

    #[test]
    fn snapshot_of_a_realistic_group_maps_onto_a_v2_batch_input() {
        let (pkg, withheld) = snapshot_report(&group(), &associated_groups(), &associated_indicators(), &opts()).unwrap();
        let h = &pkg.header;
        assert_eq!((h.group.id, h.group.group_type.as_str(), h.group.name.as_str()), (42, "Incident", "Ransomware Attack at Company ABC"));
        assert_eq!(h.group.xid, derive_xid("source-instance-1", "Source Org", ItemKind::Group, "Incident", "42"));
        assert_eq!(h.source.instance_id, "source-instance-1");
        assert_eq!(h.security_labels_allowed, vec!["TLP:AMBER", "TLP:GREEN", "TLP:WHITE"]);
        assert!(h.content_hash.starts_with("sha256:") && h.content_hash.len() == 7 + 64);
        assert_eq!(h.content_hash, pkg.compute_hash());

        // Groups: the published one first, then Adversary and Email; the TLP:RED Threat stays home.
        let groups = &pkg.batch.group;
        assert_eq!(groups.len(), 3);
        let top = &groups[0];
        assert_eq!(top["xid"], json!(h.group.xid));
        assert_eq!(top["type"], "Incident");
        assert_eq!(top["eventDate"], "2024-08-04T00:00:00Z");
        assert_eq!(top["status"], "New");
        assert_eq!(top["tag"], json!([{"name": "Company ABC"}, {"name": "Ransomware"}]));
        assert_eq!(top["securityLabel"][0]["name"], "TLP:AMBER");
        assert_eq!(top["securityLabel"][0]["color"], "FFC000");
        // Attributes: the TLP:RED one stays home; `default` becomes v2 `displayed`; attribute labels kept.
        let attrs = top["attribute"].as_array().unwrap();
        assert_eq!(attrs.len(), 2);
        let desc = find(attrs, "type", "Description").unwrap();
        assert_eq!(desc["displayed"], true);
        assert_eq!(desc["securityLabel"][0]["name"], "TLP:AMBER");
        assert!(find(attrs, "type", "Additional Analysis and Context").is_none());
        let adversary = find(groups, "type", "Adversary").unwrap();
        let email = find(groups, "type", "Email").unwrap();
        assert_eq!(email["subject"], "Your order");
        assert_eq!(email["from"], "auto-confirm@bad.com");
        assert!(email.get("scoreBreakdown").is_none(), "only batch fields travel");
        assert!(find(groups, "type", "Threat").is_none());
        // Group -> group: from the published group to both; Email -> Adversary as reported by the Email.
        let mut top_links: Vec<&str> = top["associatedGroupXid"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        top_links.sort();
        let mut want = vec![adversary["xid"].as_str().unwrap(), email["xid"].as_str().unwrap()];
        want.sort();
        assert_eq!(top_links, want);
        let (a, e) = (adversary["xid"].as_str().unwrap(), email["xid"].as_str().unwrap());
        let holder = if a < e { adversary } else { email };
        let other = if a < e { e } else { a };
        assert_eq!(holder["associatedGroupXid"], json!([other]));

        // Indicators: 7 in, red.example stays home.
        let inds = &pkg.batch.indicator;
        assert_eq!(inds.len(), 6);
        assert!(find(inds, "summary", "red.example").is_none());
        for i in inds {
            let links = i["associatedGroups"].as_array().unwrap();
            assert!(links.contains(&json!({"groupXid": h.group.xid})), "{i}");
            assert!(i["xid"].as_str().unwrap().starts_with("pivot:"));
        }
        let host = find(inds, "summary", "badguy.com").unwrap();
        assert_eq!(host["rating"], json!(3.0));
        assert_eq!(host["confidence"], json!(74));
        assert_eq!(host["dnsActive"], json!(true));
        assert_eq!(host["description"], "A bad host.");
        assert_eq!(host["tag"], json!([{"name": "C2"}, {"name": "Ransomware"}]));
        // The host is also linked to the Adversary (a shared group) but not to group 999 (not shared).
        assert_eq!(host["associatedGroups"].as_array().unwrap().len(), 2);
        assert!(host["associatedGroups"].as_array().unwrap().contains(&json!({"groupXid": a})));
        let addr = find(inds, "summary", "71.6.135.131").unwrap();
        assert_eq!(addr["attribute"].as_array().unwrap().len(), 1, "the TLP:RED attribute stays home");
        assert!(find(inds, "type", "Hashtag").is_some(), "custom indicator types are kept");
        let email_address = find(inds, "type", "EmailAddress").expect("unlabeled items leave unless excludeUnlabeled");
        // Metadata arrays are always present (Replace clears what an absent key would leave).
        assert_eq!(email_address["securityLabel"], json!([]));
        assert_eq!(email_address["tag"], json!([]));
        assert_eq!(find(groups, "type", "Adversary").unwrap()["attribute"], json!([]));

        assert_eq!(withheld.groups, 1);
        assert_eq!(withheld.indicators, 1);
        assert_eq!(withheld.attributes, 2);
        assert!(withheld.items.iter().any(|s| s.contains("red.example") && s.contains("TLP:RED")));

        // Nothing volatile or source-specific enters the body.
        let body = canonical_json(&pkg.batch.to_value());
        for volatile in ["lastModified", "dateAdded", "webLink", "legacyLink", "upVoteCount", "ownerName", "lastUsed", "\"id\""] {
            assert!(!body.contains(volatile), "{volatile} leaked into the batch body");
        }
        // Only the format's keys, at every level (tests/fixtures/share/batch-keys.json).
        pivot_testing::assert_batch_keys(&pkg.batch.to_value(), "file", "batch");
    }

    #[test]
    fn tlp_red_stays_home_unless_chosen() {
        let pkg = package();
        let text = String::from_utf8(pkg.to_bytes()).unwrap();
        assert!(!text.contains("TLP:RED"));
        assert!(!text.contains("red.example"));
        assert!(!text.contains("Negotiation chat logs"));

        let mut o = opts();
        o.security_labels_allowed.push("tlp:red".into()); // case-insensitive choice
        let pkg = snapshot(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
        let text = String::from_utf8(pkg.to_bytes()).unwrap();
        assert!(text.contains("red.example"));
        assert!(text.contains("Negotiation chat logs"));
        assert_eq!(pkg.batch.group.len(), 4);
    }

    #[test]
    fn exclude_unlabeled_keeps_unlabeled_items_and_attributes_home() {
        let mut o = opts();
        o.exclude_unlabeled = true;
        let (pkg, withheld) = snapshot_report(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
        let inds = &pkg.batch.indicator;
        assert!(find(inds, "type", "EmailAddress").is_none());
        assert!(find(inds, "type", "File").is_none());
        assert!(find(&pkg.batch.group, "type", "Adversary").is_none());
        // Unlabeled Description attributes of labeled indicators stay home too.
        assert_eq!(find(inds, "summary", "badguy.com").unwrap()["attribute"], json!([]));
        assert_eq!(withheld.indicators, 3);
        assert!(pkg.header.exclude_unlabeled);
    }

    #[test]
    fn a_group_that_may_not_leave_is_an_error() {
        let mut g = group();
        g["securityLabels"] = labels(&["TLP:AMBER", "TLP:RED"]);
        let err = snapshot(&g, &[], &[], &opts()).unwrap_err();
        assert_eq!(err, ShareError::GroupWithheld { labels: vec!["TLP:RED".into()] });
        assert!(err.to_string().contains("TLP:RED"));
    }

    #[test]
    fn bad_snapshot_inputs_are_typed_errors() {
        let mut o = opts();
        o.published_at = "yesterday".into();
        assert!(matches!(snapshot(&group(), &[], &[], &o), Err(ShareError::InvalidOptions { .. })));
        let mut o = opts();
        o.instance_id = " ".into();
        assert!(matches!(snapshot(&group(), &[], &[], &o), Err(ShareError::InvalidOptions { .. })));
        let mut g = group();
        g.as_object_mut().unwrap().remove("id");
        assert!(matches!(snapshot(&g, &[], &[], &opts()), Err(ShareError::InvalidInput { path, .. }) if path == "group.id"));
        let bad = vec![json!({"id": 1, "type": "Host"})];
        match snapshot(&group(), &[], &bad, &opts()) {
            Err(ShareError::InvalidInput { path, .. }) => assert_eq!(path, "associated_indicators[0].summary"),
            other => panic!("{other:?}"),
        }
        assert!(snapshot(&json!("not an object"), &[], &[], &opts()).is_err());
    }

    #[test]
    fn same_input_gives_the_same_package_whatever_the_order() {
        let a = package();
        let b = package();
        assert_eq!(a.to_bytes(), b.to_bytes());
        let mut inds = associated_indicators();
        inds.reverse();
        let mut groups = associated_groups();
        groups.reverse();
        let mut g = group();
        g["tags"]["data"].as_array_mut().unwrap().reverse();
        g["attributes"]["data"].as_array_mut().unwrap().reverse();
        let c = snapshot(&g, &groups, &inds, &opts()).unwrap();
        assert_eq!(a.header.content_hash, c.header.content_hash);
        assert_eq!(a.batch, c.batch);
    }

    #[test]
    fn volatile_fields_do_not_change_the_hash() {
        let a = package();
        let mut g = group();
        g["lastModified"] = json!("2026-01-01T00:00:00Z");
        g["upVoteCount"] = json!("7");
        g["webLink"] = json!("https://127.0.0.1:9999/#/details/groups/42/overview");
        g["tags"]["data"][0]["lastUsed"] = json!("2026-01-01T00:00:00Z");
        g["attributes"]["data"][0]["lastModified"] = json!("2026-01-01T00:00:00Z");
        g["attributes"]["data"][0]["id"] = json!(555);
        let mut inds = associated_indicators();
        inds[0]["lastModified"] = json!("2026-01-01T00:00:00Z");
        inds[0]["dateAdded"] = json!("2026-01-01T00:00:00Z");
        inds[0]["id"] = json!(123456);
        inds[0]["rating"] = json!("3.00"); // the same rating, spelled as v2 does
        let mut o = opts();
        o.published_at = "2026-12-01T08:00:00Z".into();
        o.api_url = Some("http://127.0.0.1:8443/api".into());
        let b = snapshot(&g, &associated_groups(), &inds, &o).unwrap();
        assert_eq!(a.header.content_hash, b.header.content_hash);
        assert_eq!(a.header.group.xid, b.header.group.xid, "xids do not depend on the URL");
    }

    #[test]
    fn shared_content_changes_change_the_hash() {
        let a = package();
        let mut g = group();
        g["tags"]["data"].as_array_mut().unwrap().push(json!({"name": "New Tag"}));
        let b = snapshot(&g, &associated_groups(), &associated_indicators(), &opts()).unwrap();
        assert_ne!(a.header.content_hash, b.header.content_hash);

        let mut inds = associated_indicators();
        inds[1]["attributes"]["data"][0]["value"] = json!("changed");
        let c = snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap();
        assert_ne!(a.header.content_hash, c.header.content_hash);

        let d = snapshot(&group(), &associated_groups(), &associated_indicators()[..3], &opts()).unwrap();
        assert_ne!(a.header.content_hash, d.header.content_hash);

        // Another instance id: other xids, other hash.
        let mut o = opts();
        o.instance_id = "source-instance-2".into();
        let e = snapshot(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
        assert_ne!(a.header.group.xid, e.header.group.xid);
        assert_ne!(a.header.content_hash, e.header.content_hash);
    }
}

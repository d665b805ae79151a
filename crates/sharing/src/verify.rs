//! Verification: the target owner, read back through the API, against the package.

use super::json::{self, list, text};
use super::package::SharePackage;
use super::plan::{associations, indicator_key, is_linked_only, Association};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What was read back from the target owner after the import (v3 JSON as returned):
/// - `groups`: `GET /v3/groups/{xid}?owner=<target>&fields=attributes&fields=tags&fields=securityLabels&fields=associatedGroups&fields=associatedIndicators`
/// - `indicators`: `GET /v3/indicators?tql=summary in (...)&owner=<target>&fields=attributes&fields=tags&fields=securityLabels&fields=associatedGroups`
///
/// Groups need `id` and `xid` (associations are reported by group id).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetReadBack {
    pub groups: Vec<Value>,
    pub indicators: Vec<Value>,
    /// The plan's `associations_to_remove`, which the import dissociated: checked to be gone
    /// (seen from the groups' `associatedIndicators`/`associatedGroups` and the indicators' `associatedGroups`).
    pub dissociated: Vec<Association>,
}

/// One way the target differs from the package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Difference {
    MissingGroup { xid: String, name: String },
    MissingIndicator { #[serde(rename = "type")] indicator_type: String, summary: String },
    NameMismatch { item: String, expected: String, found: String },
    MissingTag { item: String, tag: String },
    ExtraTag { item: String, tag: String },
    MissingLabel { item: String, label: String },
    ExtraLabel { item: String, label: String },
    MissingAttribute { item: String, #[serde(rename = "type")] attribute_type: String, value: String },
    ExtraAttribute { item: String, #[serde(rename = "type")] attribute_type: String, value: String },
    MissingAssociation { association: String },
    /// Between two items of the package, but not in it (e.g. left from an earlier version).
    ExtraAssociation { association: String },
    /// Planned for removal (gone from the package since the previous import) but still there.
    StillAssociated { association: String },
}

/// In words, for the import report an analyst reads.
impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingGroup { name, .. } => write!(f, "group {name} is missing"),
            Self::MissingIndicator { indicator_type, summary } => write!(f, "{indicator_type} {summary} is missing"),
            Self::NameMismatch { item, expected, found } => write!(f, "{item} is named {found}, not {expected}"),
            Self::MissingTag { item, tag } => write!(f, "{item} lacks the tag {tag}"),
            Self::ExtraTag { item, tag } => write!(f, "{item} has the extra tag {tag}"),
            Self::MissingLabel { item, label } => write!(f, "{item} lacks the security label {label}"),
            Self::ExtraLabel { item, label } => write!(f, "{item} has the extra security label {label}"),
            Self::MissingAttribute { item, attribute_type, value } => write!(f, "{item} lacks the {attribute_type} attribute {value}"),
            Self::ExtraAttribute { item, attribute_type, value } => write!(f, "{item} has an extra {attribute_type} attribute {value}"),
            Self::MissingAssociation { association } => write!(f, "association missing: {association}"),
            Self::ExtraAssociation { association } => write!(f, "extra association: {association}"),
            Self::StillAssociated { association } => write!(f, "still associated, should have been removed: {association}"),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationReport {
    pub expected_groups: usize,
    pub found_groups: usize,
    pub expected_indicators: usize,
    pub found_indicators: usize,
    pub expected_associations: usize,
    pub found_associations: usize,
    pub differences: Vec<Difference>,
}

impl VerificationReport {
    /// Everything the package holds is in the target, and nothing more on the shared items.
    pub fn is_complete(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Lower-cased name -> as written (tags and labels compare case-insensitively).
fn names(v: &Value, key: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for x in list(v, key) {
        if let Some(n) = text(x, "name") {
            out.entry(n.to_lowercase()).or_insert_with(|| n.to_string());
        }
    }
    out
}

fn attrs(v: &Value, key: &str) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for a in list(v, key) {
        if let (Some(t), Some(val)) = (text(a, "type"), a.get("value").and_then(Value::as_str)) {
            *out.entry((t.to_string(), val.to_string())).or_insert(0) += 1;
        }
    }
    out
}

fn compare(item: &str, expected: &Value, found: &Value, diffs: &mut Vec<Difference>) {
    // Batch shapes use `tag` / `securityLabel` / `attribute`; v3 `tags` / `securityLabels` / `attributes`.
    let (et, ft) = (names(expected, "tag"), names(found, "tags"));
    for (k, n) in &et {
        if !ft.contains_key(k) {
            diffs.push(Difference::MissingTag { item: item.into(), tag: n.clone() });
        }
    }
    for (k, n) in &ft {
        if !et.contains_key(k) {
            diffs.push(Difference::ExtraTag { item: item.into(), tag: n.clone() });
        }
    }
    let (el, fl) = (names(expected, "securityLabel"), names(found, "securityLabels"));
    for (k, n) in &el {
        if !fl.contains_key(k) {
            diffs.push(Difference::MissingLabel { item: item.into(), label: n.clone() });
        }
    }
    for (k, n) in &fl {
        if !el.contains_key(k) {
            diffs.push(Difference::ExtraLabel { item: item.into(), label: n.clone() });
        }
    }
    let (ea, fa) = (attrs(expected, "attribute"), attrs(found, "attributes"));
    for ((t, v), n) in &ea {
        for _ in fa.get(&(t.clone(), v.clone())).copied().unwrap_or(0)..*n {
            diffs.push(Difference::MissingAttribute { item: item.into(), attribute_type: t.clone(), value: v.clone() });
        }
    }
    for ((t, v), n) in &fa {
        for _ in ea.get(&(t.clone(), v.clone())).copied().unwrap_or(0)..*n {
            diffs.push(Difference::ExtraAttribute { item: item.into(), attribute_type: t.clone(), value: v.clone() });
        }
    }
}

/// Compare the target owner, as read back, with the package that was imported
/// (pass [`super::Prepared::package`]: it has the origin attribute and kept labels and
/// lacks the dropped attributes and refused items; a linked-only item's metadata is
/// another package's and is not compared, its links are). Only the package's items and the associations among
/// them are examined; anything else the target owner holds is not this package's.
pub fn verify(pkg: &SharePackage, read_back: &TargetReadBack) -> VerificationReport {
    let mut diffs = Vec::new();
    let by_xid: BTreeMap<&str, &Value> = read_back.groups.iter().filter_map(|g| Some((text(g, "xid")?, g))).collect();
    let id_to_xid: BTreeMap<u64, &str> =
        read_back.groups.iter().filter_map(|g| Some((json::id(g, "id")?, text(g, "xid")?))).collect();
    let by_key: BTreeMap<(String, String), &Value> = read_back
        .indicators
        .iter()
        .filter_map(|i| Some((indicator_key(text(i, "type")?, text(i, "summary")?), i)))
        .collect();

    let pkg_groups: BTreeSet<&str> = pkg.batch.group.iter().filter_map(|g| text(g, "xid")).collect();
    let mut pkg_inds: BTreeSet<(String, String)> = BTreeSet::new();

    let mut found_groups = 0;
    for g in &pkg.batch.group {
        let (xid, name) = (text(g, "xid").unwrap_or_default(), text(g, "name").unwrap_or_default());
        let item = format!("{} {name}", text(g, "type").unwrap_or_default());
        match by_xid.get(xid) {
            None => diffs.push(Difference::MissingGroup { xid: xid.into(), name: name.into() }),
            Some(f) => {
                found_groups += 1;
                let fname = text(f, "name").unwrap_or_default();
                if fname != name {
                    diffs.push(Difference::NameMismatch { item: item.clone(), expected: name.into(), found: fname.into() });
                }
                if !is_linked_only(g) {
                    compare(&item, g, f, &mut diffs);
                }
            }
        }
    }
    let mut found_indicators = 0;
    for i in &pkg.batch.indicator {
        let (t, s) = (text(i, "type").unwrap_or_default(), text(i, "summary").unwrap_or_default());
        let key = indicator_key(t, s);
        pkg_inds.insert(key.clone());
        match by_key.get(&key) {
            None => diffs.push(Difference::MissingIndicator { indicator_type: t.into(), summary: s.into() }),
            Some(f) => {
                found_indicators += 1;
                if !is_linked_only(i) {
                    compare(&format!("{t} {s}"), i, f, &mut diffs);
                }
            }
        }
    }

    // Associations the target reports, from both sides, restricted to package items.
    let group_xid_of = |g: &Value| -> Option<String> {
        text(g, "xid").map(str::to_string).or_else(|| json::id(g, "id").and_then(|id| id_to_xid.get(&id)).map(|x| x.to_string()))
    };
    let mut found: BTreeSet<Association> = BTreeSet::new();
    for g in &read_back.groups {
        let Some(x) = text(g, "xid") else { continue };
        for o in list(g, "associatedGroups") {
            if let Some(ox) = group_xid_of(o) {
                found.insert(Association::group_group(x, &ox));
            }
        }
        for i in list(g, "associatedIndicators") {
            if let (Some(t), Some(s)) = (text(i, "type"), text(i, "summary")) {
                found.insert(Association::group_indicator(x, t, s));
            }
        }
    }
    for i in &read_back.indicators {
        let (Some(t), Some(s)) = (text(i, "type"), text(i, "summary")) else { continue };
        for g in list(i, "associatedGroups") {
            if let Some(gx) = group_xid_of(g) {
                found.insert(Association::group_indicator(&gx, t, s));
            }
        }
    }
    let in_package = |a: &Association| {
        pkg_groups.contains(a.group_xid.as_str())
            && match &a.other {
                super::plan::Endpoint::Group { xid } => pkg_groups.contains(xid.as_str()),
                super::plan::Endpoint::Indicator { indicator_type, summary } => {
                    pkg_inds.contains(&(indicator_type.clone(), summary.clone()))
                }
            }
    };
    for a in &read_back.dissociated {
        if found.contains(a) {
            diffs.push(Difference::StillAssociated { association: a.to_string() });
        }
    }
    found.retain(|a| in_package(a));
    let expected = associations(pkg);
    let mut found_associations = 0;
    for a in &expected {
        if found.contains(a) {
            found_associations += 1;
        } else {
            diffs.push(Difference::MissingAssociation { association: a.to_string() });
        }
    }
    for a in found.difference(&expected) {
        diffs.push(Difference::ExtraAssociation { association: a.to_string() });
    }

    VerificationReport {
        expected_groups: pkg.batch.group.len(),
        found_groups,
        expected_indicators: pkg.batch.indicator.len(),
        found_indicators,
        expected_associations: expected.len(),
        found_associations,
        differences: diffs,
    }
}

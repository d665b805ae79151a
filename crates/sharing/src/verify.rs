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
    MissingGroup {
        xid: String,
        name: String,
    },
    MissingIndicator {
        #[serde(rename = "type")]
        indicator_type: String,
        summary: String,
    },
    NameMismatch {
        item: String,
        expected: String,
        found: String,
    },
    MissingTag {
        item: String,
        tag: String,
    },
    ExtraTag {
        item: String,
        tag: String,
    },
    MissingLabel {
        item: String,
        label: String,
    },
    ExtraLabel {
        item: String,
        label: String,
    },
    MissingAttribute {
        item: String,
        #[serde(rename = "type")]
        attribute_type: String,
        value: String,
    },
    ExtraAttribute {
        item: String,
        #[serde(rename = "type")]
        attribute_type: String,
        value: String,
    },
    MissingAssociation {
        association: String,
    },
    /// Between two items of the package, but not in it (e.g. left from an earlier version).
    ExtraAssociation {
        association: String,
    },
    /// Planned for removal (gone from the package since the previous import) but still there.
    StillAssociated {
        association: String,
    },
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
    let id_to_xid: BTreeMap<u64, &str> = read_back.groups.iter().filter_map(|g| Some((json::id(g, "id")?, text(g, "xid")?))).collect();
    let by_key: BTreeMap<(String, String), &Value> =
        read_back.indicators.iter().filter_map(|i| Some((indicator_key(text(i, "type")?, text(i, "summary")?), i))).collect();

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
                super::plan::Endpoint::Indicator { indicator_type, summary } => pkg_inds.contains(&(indicator_type.clone(), summary.clone())),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use crate::{plan, prepare_import, TargetState};
    use serde_json::json;

    /// The package as imported into a target that has every attribute type (with the origin attribute).
    fn imported() -> SharePackage {
        let pkg = package();
        let p = plan(
            &pkg,
            &TargetState {
                owner: "Target Org".into(),
                attribute_types: attribute_types(&["Description", "Source", "Additional Analysis and Context"]),
                ..Default::default()
            },
        );
        prepare_import(&pkg, &p).package
    }

    #[test]
    fn verify_a_complete_import() {
        let pkg = imported();
        let r = verify(&pkg, &perfect_read_back(&pkg));
        assert_eq!(r.differences, vec![]);
        assert!(r.is_complete());
        assert_eq!((r.expected_groups, r.found_groups), (3, 3));
        assert_eq!((r.expected_indicators, r.found_indicators), (6, 6));
        assert_eq!((r.expected_associations, r.found_associations), (10, 10));
    }

    #[test]
    fn verify_finds_every_kind_of_difference() {
        let pkg = imported();
        let mut rb = perfect_read_back(&pkg);
        let top = pkg.header.group.xid.clone();
        // Indicator missing: drop the URL (and the group's link to it).
        rb.indicators.retain(|i| i["type"] != "URL");
        for g in rb.groups.iter_mut() {
            g["associatedIndicators"]["data"].as_array_mut().unwrap().retain(|i| i["type"] != "URL");
        }
        // Group: one tag lost, one extra tag, a label lost, an extra attribute, the origin attribute lost.
        {
            let g = &mut rb.groups[0];
            g["tags"]["data"].as_array_mut().unwrap().retain(|t| t["name"] != "Company ABC");
            g["tags"]["data"].as_array_mut().unwrap().push(json!({"name": "Local Tag"}));
            g["securityLabels"]["data"] = json!([]);
            let attrs = g["attributes"]["data"].as_array_mut().unwrap();
            attrs.retain(|a| !a["value"].as_str().unwrap().starts_with("Pivot share:"));
            attrs.push(json!({"type": "Description", "value": "written in the target"}));
        }
        // Association Host badguy.com - Adversary lost (on both sides), an extra one Email - Host.
        let adversary = pkg.batch.group.iter().find(|g| g["type"] == "Adversary").unwrap()["xid"].as_str().unwrap().to_string();
        let email_id = rb.groups.iter().find(|g| g["type"] == "Email").unwrap()["id"].clone();
        let adversary_id = rb.groups.iter().find(|g| g["xid"] == adversary.as_str()).unwrap()["id"].clone();
        for i in rb.indicators.iter_mut() {
            if i["summary"] == "badguy.com" {
                i["associatedGroups"]["data"].as_array_mut().unwrap().retain(|g| g["id"] != adversary_id);
                i["associatedGroups"]["data"].as_array_mut().unwrap().push(json!({"id": email_id}));
            }
        }
        for g in rb.groups.iter_mut() {
            if g["xid"] == adversary.as_str() {
                g["associatedIndicators"]["data"] = json!([]);
            }
        }
        let r = verify(&pkg, &rb);
        assert!(!r.is_complete());
        assert_eq!(r.found_indicators, 5);
        assert_eq!(r.found_groups, 3);
        let d: BTreeMap<String, usize> = r.differences.iter().fold(BTreeMap::new(), |mut m, d| {
            let k = serde_json::to_value(d).unwrap()["kind"].as_str().unwrap().to_string();
            *m.entry(k).or_insert(0) += 1;
            m
        });
        let want: BTreeMap<String, usize> = [
            ("missingIndicator", 1),
            ("missingTag", 1),
            ("extraTag", 1),
            ("missingLabel", 1),
            ("missingAttribute", 1),
            ("extraAttribute", 1),
            // URL - top group, and badguy.com - Adversary.
            ("missingAssociation", 2),
            ("extraAssociation", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(d, want, "{:#?}", r.differences);
        assert!(r
            .differences
            .contains(&Difference::MissingTag { item: "Incident Ransomware Attack at Company ABC".into(), tag: "Company ABC".into() }));
        assert!(r.differences.contains(&Difference::ExtraTag { item: "Incident Ransomware Attack at Company ABC".into(), tag: "Local Tag".into() }));
        assert!(r.differences.iter().any(|d| matches!(d, Difference::MissingAttribute { value, .. } if value.starts_with("Pivot share:"))));
        assert!(r.differences.iter().any(|d| matches!(d, Difference::MissingIndicator { indicator_type, .. } if indicator_type == "URL")));
        assert!(r.differences.iter().any(|d| matches!(d, Difference::ExtraAssociation { association } if association.contains("badguy.com"))));
        assert_eq!(r.found_associations, r.expected_associations - 2);

        // An association the plan removed, still in the target.
        let mut rb = perfect_read_back(&pkg);
        rb.groups[0]["associatedIndicators"]["data"].as_array_mut().unwrap().push(json!({"type": "Host", "summary": "old.example"}));
        let r = verify(&pkg, &rb);
        assert!(r.is_complete(), "an item outside the package is not this package's business: {:?}", r.differences);
        rb.dissociated = vec![Association::group_indicator(&top, "Host", "OLD.example")];
        let r = verify(&pkg, &rb);
        assert_eq!(r.differences.len(), 1);
        assert!(matches!(&r.differences[0], Difference::StillAssociated { association } if association.contains("old.example")));

        // A group missing entirely.
        let mut rb = perfect_read_back(&pkg);
        rb.groups.retain(|g| g["type"] != "Email");
        let r = verify(&pkg, &rb);
        assert!(r.differences.contains(&Difference::MissingGroup {
            xid: pkg.batch.group.iter().find(|g| g["type"] == "Email").unwrap()["xid"].as_str().unwrap().into(),
            name: "Your order".into()
        }));
    }

    #[test]
    fn differences_read_as_words_for_the_report() {
        let cases = [
            (Difference::MissingIndicator { indicator_type: "Host".into(), summary: "a.test".into() }, "Host a.test is missing"),
            (Difference::ExtraTag { item: "Host a.test".into(), tag: "APT".into() }, "Host a.test has the extra tag APT"),
            (Difference::StillAssociated { association: "x - y".into() }, "still associated, should have been removed: x - y"),
        ];
        for (d, want) in cases {
            assert_eq!(d.to_string(), want);
        }
    }
}

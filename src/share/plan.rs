//! Import dry-run: what the package will do to the target owner.

use super::batch::{split_batches, BatchJob};
use super::json::text;
use super::package::{canonical_type, indicator_identity, ItemKind, SharePackage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The attribute type recording where an imported group came from. "Source" is a
/// standard ThreatConnect attribute type, present in every instance (a custom type
/// would have to be created in each target first).
pub const ORIGIN_ATTRIBUTE_TYPE: &str = "Source";

/// The far end of an association with a group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Endpoint {
    Group { xid: String },
    /// `indicator_type` is the canonical v3 type name, `summary` the normalized identity.
    Indicator {
        #[serde(rename = "type")]
        indicator_type: String,
        summary: String,
    },
}

/// An association between a shared group and another shared item. Group-group
/// pairs are undirected: stored with the smaller xid in `group_xid`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Association {
    #[serde(rename = "groupXid")]
    pub group_xid: String,
    pub other: Endpoint,
}

impl Association {
    pub fn group_group(a: &str, b: &str) -> Self {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        Self { group_xid: x.to_string(), other: Endpoint::Group { xid: y.to_string() } }
    }
    pub fn group_indicator(group_xid: &str, indicator_type: &str, summary: &str) -> Self {
        let t = canonical_type(ItemKind::Indicator, indicator_type);
        Self {
            group_xid: group_xid.to_string(),
            other: Endpoint::Indicator { summary: indicator_identity(&t, summary), indicator_type: t },
        }
    }
}

impl std::fmt::Display for Association {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.other {
            Endpoint::Group { xid } => write!(f, "group {} - group {}", self.group_xid, xid),
            Endpoint::Indicator { indicator_type, summary } => {
                write!(f, "group {} - {} {}", self.group_xid, indicator_type, summary)
            }
        }
    }
}

/// Every association the package makes (`associatedGroupXid`, `associatedGroups`,
/// and top-level `association` entries that name two xids of the package).
/// Store this set with the import: it is the next import's `previous_associations`.
pub fn associations(pkg: &SharePackage) -> BTreeSet<Association> {
    let mut out = BTreeSet::new();
    let mut kinds: BTreeMap<&str, Option<(&str, &str)>> = BTreeMap::new();
    for g in &pkg.batch.group {
        let Some(x) = g.get("xid").and_then(Value::as_str) else { continue };
        kinds.insert(x, None);
        for o in g.get("associatedGroupXid").and_then(Value::as_array).into_iter().flatten() {
            if let Some(o) = o.as_str() {
                out.insert(Association::group_group(x, o));
            }
        }
    }
    for i in &pkg.batch.indicator {
        let (Some(t), Some(s)) = (i.get("type").and_then(Value::as_str), i.get("summary").and_then(Value::as_str)) else {
            continue;
        };
        if let Some(x) = i.get("xid").and_then(Value::as_str) {
            kinds.insert(x, Some((t, s)));
        }
        for g in i.get("associatedGroups").and_then(Value::as_array).into_iter().flatten() {
            if let Some(gx) = g.get("groupXid").and_then(Value::as_str) {
                out.insert(Association::group_indicator(gx, t, s));
            }
        }
    }
    for a in &pkg.batch.association {
        let (Some(r1), Some(r2)) = (a.get("ref_1").and_then(Value::as_str), a.get("ref_2").and_then(Value::as_str)) else {
            continue;
        };
        match (kinds.get(r1), kinds.get(r2)) {
            (Some(None), Some(None)) => {
                out.insert(Association::group_group(r1, r2));
            }
            (Some(None), Some(Some((t, s)))) => {
                out.insert(Association::group_indicator(r1, t, s));
            }
            (Some(Some((t, s))), Some(None)) => {
                out.insert(Association::group_indicator(r2, t, s));
            }
            _ => {}
        }
    }
    out
}

/// What was read from the target owner before importing (v3 JSON as returned).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetState {
    pub owner: String,
    /// Groups of the target owner carrying the package's xids
    /// (`GET /v3/groups?tql=xid in (...)&owner=...`, objects with `xid`, `type`, `name`).
    pub groups: Vec<Value>,
    /// Indicators of the target owner with the package's summaries
    /// (`GET /v3/indicators?tql=summary in (...)&owner=...`, objects with `type`, `summary`).
    pub indicators: Vec<Value>,
    /// `GET /v3/securityLabels` as seen by the importing user (objects with `name`).
    pub security_labels: Vec<Value>,
    /// `GET /v3/attributeTypes` (all pages; objects with `name`). `None`: not read,
    /// then no attribute is dropped and the plan warns.
    pub attribute_types: Option<Vec<Value>>,
    /// [`associations`] of the package imported last time into this owner (empty: first import).
    pub previous_associations: BTreeSet<Association>,
}

/// One item of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub kind: ItemKind,
    #[serde(rename = "type")]
    pub item_type: String,
    /// Group name or indicator summary.
    pub label: String,
    pub xid: String,
}

/// Attributes whose type does not exist in the target: dropped from the import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingAttributeType {
    pub name: String,
    /// How many attributes of this type the package holds (all dropped).
    pub attributes: usize,
}

/// The dry-run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportPlan {
    pub target_owner: String,
    pub content_hash: String,
    pub groups_to_create: Vec<PlanItem>,
    /// Existing in the target (same xid): fields, attributes, tags and labels replaced.
    pub groups_to_overwrite: Vec<PlanItem>,
    pub indicators_to_create: Vec<PlanItem>,
    /// Existing in the target (same type and summary): attributes, tags and labels replaced.
    pub indicators_to_overwrite: Vec<PlanItem>,
    /// Security labels the package uses that the target does not have yet.
    pub labels_to_create: Vec<String>,
    pub missing_attribute_types: Vec<MissingAttributeType>,
    /// In the previous import of this package but not in this one: dissociated in
    /// the target (the items themselves stay).
    pub associations_to_remove: Vec<Association>,
    /// Batch jobs the import will run (after dropping attributes and adding the origin attribute).
    pub batch_jobs: usize,
    pub warnings: Vec<String>,
}

fn items_of(pkg: &SharePackage) -> (Vec<PlanItem>, Vec<PlanItem>) {
    let g = pkg
        .batch
        .group
        .iter()
        .map(|g| PlanItem {
            kind: ItemKind::Group,
            item_type: text(g, "type").unwrap_or_default().to_string(),
            label: text(g, "name").unwrap_or_default().to_string(),
            xid: text(g, "xid").unwrap_or_default().to_string(),
        })
        .collect();
    let i = pkg
        .batch
        .indicator
        .iter()
        .map(|i| PlanItem {
            kind: ItemKind::Indicator,
            item_type: text(i, "type").unwrap_or_default().to_string(),
            label: text(i, "summary").unwrap_or_default().to_string(),
            xid: text(i, "xid").unwrap_or_default().to_string(),
        })
        .collect();
    (g, i)
}

/// All attributes of the package items: (type name, count).
fn attribute_types_used(pkg: &SharePackage) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for item in pkg.batch.group.iter().chain(pkg.batch.indicator.iter()) {
        for a in item.get("attribute").and_then(Value::as_array).into_iter().flatten() {
            if let Some(t) = text(a, "type") {
                *out.entry(t.to_string()).or_insert(0) += 1;
            }
        }
    }
    out
}

fn labels_used(pkg: &SharePackage) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |v: &Value| {
        for l in v.get("securityLabel").and_then(Value::as_array).into_iter().flatten() {
            if let Some(n) = text(l, "name") {
                out.insert(n.to_string());
            }
        }
    };
    for item in pkg.batch.group.iter().chain(pkg.batch.indicator.iter()) {
        add(item);
        for a in item.get("attribute").and_then(Value::as_array).into_iter().flatten() {
            add(a);
        }
    }
    out
}

/// Indicator key in the target: (canonical type, normalized summary).
pub(crate) fn indicator_key(t: &str, s: &str) -> (String, String) {
    let t = canonical_type(ItemKind::Indicator, t);
    (t.clone(), indicator_identity(&t, s))
}

/// Build the dry-run plan. Pure: everything it needs was read beforehand into `target`.
pub fn plan(pkg: &SharePackage, target: &TargetState) -> ImportPlan {
    let target_xids: BTreeSet<&str> = target.groups.iter().filter_map(|g| text(g, "xid")).collect();
    let target_inds: BTreeSet<(String, String)> = target
        .indicators
        .iter()
        .filter_map(|i| Some(indicator_key(text(i, "type")?, text(i, "summary")?)))
        .collect();
    let (groups, indicators) = items_of(pkg);
    let (groups_to_overwrite, groups_to_create): (Vec<_>, Vec<_>) =
        groups.into_iter().partition(|g| target_xids.contains(g.xid.as_str()));
    let (indicators_to_overwrite, indicators_to_create): (Vec<_>, Vec<_>) =
        indicators.into_iter().partition(|i| target_inds.contains(&indicator_key(&i.item_type, &i.label)));

    let have_labels: BTreeSet<String> =
        target.security_labels.iter().filter_map(|l| text(l, "name")).map(str::to_lowercase).collect();
    let labels_to_create: Vec<String> =
        labels_used(pkg).into_iter().filter(|l| !have_labels.contains(&l.to_lowercase())).collect();

    let mut warnings = Vec::new();
    let mut missing_attribute_types = Vec::new();
    match &target.attribute_types {
        Some(types) => {
            let have: BTreeSet<&str> = types.iter().filter_map(|t| text(t, "name")).collect();
            for (name, n) in attribute_types_used(pkg) {
                if !have.contains(name.as_str()) {
                    warnings.push(format!(
                        "attribute type \"{name}\" does not exist in the target: its {n} attribute(s) are dropped from the import \
                         (create the type in the target and import again to bring them)"
                    ));
                    missing_attribute_types.push(MissingAttributeType { name, attributes: n });
                }
            }
            if !have.contains(ORIGIN_ATTRIBUTE_TYPE) {
                warnings.push(format!(
                    "attribute type \"{ORIGIN_ATTRIBUTE_TYPE}\" does not exist in the target: the imported group cannot record where it came from"
                ));
            }
        }
        None => warnings.push(
            "the target's attribute types were not read: attributes of types missing in the target will fail in the batch".into(),
        ),
    }
    let overwritten = groups_to_overwrite.len() + indicators_to_overwrite.len();
    if overwritten > 0 {
        warnings.push(format!(
            "{overwritten} item(s) already in {}: their attributes, tags and security labels are replaced by the package's",
            target.owner
        ));
    }
    if !labels_to_create.is_empty() {
        warnings.push(format!("security label(s) to create in the target: {}", labels_to_create.join(", ")));
    }

    let current = associations(pkg);
    let associations_to_remove: Vec<Association> = target.previous_associations.difference(&current).cloned().collect();

    let mut result = ImportPlan {
        target_owner: target.owner.clone(),
        content_hash: pkg.header.content_hash.clone(),
        groups_to_create,
        groups_to_overwrite,
        indicators_to_create,
        indicators_to_overwrite,
        labels_to_create,
        missing_attribute_types,
        associations_to_remove,
        batch_jobs: 0,
        warnings,
    };
    match split_batches(&prepare_import(pkg, &result)) {
        Ok(jobs) => result.batch_jobs = jobs.len(),
        Err(e) => result.warnings.push(e.to_string()),
    }
    result
}

/// The attribute recording where an imported group came from.
pub fn origin_attribute(pkg: &SharePackage) -> Value {
    let h = &pkg.header;
    json!({
        "type": ORIGIN_ATTRIBUTE_TYPE,
        "value": format!(
            "Pivot share: instance {}, owner {}, group {} {}, published {}, content {}",
            h.source.instance_id, h.source.owner, h.group.group_type, h.group.id, h.published_at, h.content_hash
        ),
        "displayed": false,
    })
}

/// The package as it is imported: attributes of types missing in the target
/// removed (as the plan says), and the origin attribute added to the published
/// group. The header (and its content hash, which names the published content)
/// is unchanged. Split this, not the original, into batch jobs, and verify against it.
pub fn prepare_import(pkg: &SharePackage, plan: &ImportPlan) -> SharePackage {
    let drop: BTreeSet<&str> = plan.missing_attribute_types.iter().map(|m| m.name.as_str()).collect();
    let mut out = pkg.clone();
    let strip = |item: &mut Value| {
        if let Some(attrs) = item.get_mut("attribute").and_then(Value::as_array_mut) {
            attrs.retain(|a| !a.get("type").and_then(Value::as_str).is_some_and(|t| drop.contains(t.trim())));
        }
    };
    out.batch.group.iter_mut().for_each(strip);
    out.batch.indicator.iter_mut().for_each(strip);
    let origin = origin_attribute(pkg);
    let top = pkg.header.group.xid.clone();
    if let Some(g) = out.batch.group.iter_mut().find(|g| g.get("xid").and_then(Value::as_str) == Some(top.as_str())) {
        if let Some(o) = g.as_object_mut() {
            let attrs = o.entry("attribute").or_insert_with(|| json!([]));
            if let Some(a) = attrs.as_array_mut() {
                a.retain(|x| !is_origin(x));
                a.push(origin);
            }
        }
    }
    out
}

/// An origin attribute (ours, from any publish).
pub(crate) fn is_origin(a: &Value) -> bool {
    a.get("type").and_then(Value::as_str) == Some(ORIGIN_ATTRIBUTE_TYPE)
        && a.get("value").and_then(Value::as_str).is_some_and(|v| v.starts_with("Pivot share: "))
}

/// Also re-exported for callers wanting the jobs directly from a plan.
pub fn jobs_for(pkg: &SharePackage, plan: &ImportPlan) -> Result<Vec<BatchJob>, super::ShareError> {
    split_batches(&prepare_import(pkg, plan))
}

//! Import dry-run: what the package will do to the target owner.

use super::jobs::{split_batches_with, BatchJob, BatchLimits};
use super::json::{list, text};
use super::package::{canonical_type, indicator_identity, BatchBody, ItemKind, SharePackage};
use pivot_text::escape::escape_truncated;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use threatconnect::time::{rfc3339, rfc3339_instant};

/// The attribute type recording where an imported group came from. "Source" is a
/// standard ThreatConnect attribute type, present in every instance (a custom type
/// would have to be created in each target first).
pub const ORIGIN_ATTRIBUTE_TYPE: &str = "Source";

/// How far the clocks of the machines sharing takes part in may differ (5 minutes): a
/// package's `publishedAt` may lie this far ahead of the importer's clock, and a pull lease's
/// `takenAt` and `expiresAt` this far beyond what the reading run's clock allows.
pub const CLOCK_SKEW_SECS: u64 = 300;

/// A package may not claim to be published later than `now` (epoch seconds, the importer's
/// clock) plus [`CLOCK_SKEW_SECS`]: a date in the future would outrank every real
/// publication for as long as it stays in the future (trust rule 5).
pub fn check_published_at(pkg: &SharePackage, now: u64) -> Result<(), super::ShareError> {
    let latest = now.saturating_add(CLOCK_SKEW_SECS);
    let at = &pkg.header.published_at;
    match rfc3339_instant(at) {
        Some((secs, nanos)) if secs < latest as i64 || (secs == latest as i64 && nanos == 0) => Ok(()),
        _ => Err(super::ShareError::PublishedInTheFuture { published_at: at.clone(), latest: rfc3339(latest) }),
    }
}

/// The far end of an association with a group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Endpoint {
    Group {
        xid: String,
    },
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
        Self { group_xid: group_xid.to_string(), other: Endpoint::Indicator { summary: indicator_identity(&t, summary), indicator_type: t } }
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
        let side = |k: &str| a.get(k).and_then(Value::as_str).and_then(|r| pkg.ref_xid(r));
        let (Some(r1), Some(r2)) = (side("ref_1"), side("ref_2")) else {
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
    /// (`GET /v3/groups/{xid}?owner=...&fields=securityLabels`, one per xid; objects with `xid`, `type`, `name`).
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
    /// Security labels the previous import of this package put on items.
    pub previous_labels: BTreeMap<Endpoint, BTreeSet<String>>,
    /// The import records of every *other* package in this owner: who brought which item.
    pub others: Vec<ImportRecord>,
    /// What the previous import of this package brought ([`ImportRecord::items`]).
    pub previous_items: BTreeSet<Endpoint>,
    /// The operator's choices for items that other sources or the target itself own.
    pub trust: Trust,
    /// The package comes from a verified pull (its source checked against the operator's
    /// configuration), not from a file: it outranks every file import's record (rule 3).
    pub source_verified: bool,
}

/// How an import treats target items it did not bring (docs/sharing-operations.md, "Trust rules").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trust {
    /// Also overwrite items a package from another source instance brought (refused by default).
    pub allow_other_sources: bool,
    /// Also overwrite target items that no share import brought: the target's own, or another
    /// integration's (linked only by default).
    pub adopt_existing: bool,
    /// Replace security labels on target items that no package put there (kept by default).
    pub replace_target_labels: bool,
}

/// What an import into an owner recorded (the target's `pivot-share-imports` record):
/// which package, how complete, and what it brought (associations, labels).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImportRecord {
    pub content_hash: String,
    pub complete: bool,
    pub associations: BTreeSet<Association>,
    pub source_instance: String,
    pub source_owner: String,
    /// The package's published group.
    pub group_xid: String,
    pub published_at: String,
    /// Imported by a verified pull (`sourceVerified`), not from a file.
    pub source_verified: bool,
    /// Security labels the import put on items (the package's, on the items it wrote).
    pub labels: BTreeMap<Endpoint, BTreeSet<String>>,
    /// Batch jobs still running when the import stopped waiting: the next run of the same
    /// package waits for them by id instead of submitting them again.
    pub pending_jobs: Vec<PendingJob>,
}

/// A batch job left running by an interrupted import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingJob {
    /// Its position among the import's jobs.
    pub index: usize,
    pub batch_id: i64,
    /// `sha256:` of the uploaded bytes: the same job only if the same bytes.
    pub digest: String,
}

impl ImportRecord {
    /// Reads a record as stored; missing or odd fields read as empty (an old record is
    /// then simply imported again).
    pub fn from_json(v: &Value) -> Self {
        let s = |k: &str| text(v, k).unwrap_or_default().to_string();
        let labels: Vec<(Endpoint, BTreeSet<String>)> = v.get("labels").and_then(|l| serde_json::from_value(l.clone()).ok()).unwrap_or_default();
        Self {
            content_hash: s("contentHash"),
            complete: v.get("complete").and_then(Value::as_bool).unwrap_or(false),
            associations: v
                .get("associations")
                .and_then(|a| serde_json::from_value::<Vec<Association>>(a.clone()).ok())
                .map(|a| a.into_iter().collect())
                .unwrap_or_default(),
            source_instance: s("sourceInstance"),
            source_owner: s("sourceOwner"),
            group_xid: s("sourceXid"),
            published_at: s("publishedAt"),
            source_verified: v.get("sourceVerified").and_then(Value::as_bool).unwrap_or(false),
            labels: labels.into_iter().collect(),
            pending_jobs: v.get("pendingJobs").and_then(|p| serde_json::from_value(p.clone()).ok()).unwrap_or_default(),
        }
    }

    /// The record as stored. `labels` as `[[item, [names]], ...]` (JSON has no struct keys).
    pub fn to_json(&self, target_owner: &str, pkg: &SharePackage, imported_at: &str) -> Value {
        let h = &pkg.header;
        json!({
            "sourceXid": self.group_xid, "targetOwner": target_owner, "contentHash": self.content_hash,
            "complete": self.complete, "importedAt": imported_at,
            "sourceInstance": self.source_instance, "sourceOwner": self.source_owner,
            "sourceGroupId": h.group.id, "groupName": h.group.name, "publishedAt": self.published_at,
            "sourceVerified": self.source_verified,
            "associations": self.associations.iter().collect::<Vec<_>>(),
            "labels": self.labels.iter().collect::<Vec<_>>(),
            "pendingJobs": self.pending_jobs,
        })
    }

    /// A record of `pkg` (its header's fields), not yet complete, with nothing brought yet.
    pub fn of(pkg: &SharePackage) -> Self {
        let h = &pkg.header;
        Self {
            content_hash: h.content_hash.clone(),
            source_instance: h.source.instance_id.clone(),
            source_owner: h.source.owner.clone(),
            group_xid: h.group.xid.clone(),
            published_at: h.published_at.clone(),
            ..Default::default()
        }
    }

    /// Every item the package brought: its published group and both ends of its associations.
    pub fn items(&self) -> BTreeSet<Endpoint> {
        let mut out: BTreeSet<Endpoint> =
            self.associations.iter().flat_map(|a| [Endpoint::Group { xid: a.group_xid.clone() }, a.other.clone()]).collect();
        out.insert(Endpoint::Group { xid: self.group_xid.clone() });
        out
    }

    /// Which of two packages' metadata an item in both keeps: a verified pull's over a
    /// file's, then the later `publishedAt`, then the higher content hash (so every order of
    /// imports ends the same, and no date a file claims outranks a verified pull).
    fn rank(&self) -> (bool, Option<(i64, u32)>, &str) {
        (self.source_verified, rfc3339_instant(&self.published_at), &self.content_hash)
    }
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
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    /// Items already in the target that this import leaves alone (not written, not
    /// linked), each with the reason: brought by another source instance's package.
    pub refused: Vec<ItemNote>,
    /// Items already in the target whose metadata another package decides (the item is
    /// that package's published group, or that package was published later): linked to
    /// this package's groups, nothing else written to them.
    pub linked_only: Vec<ItemNote>,
    /// Security labels on target items to overwrite that no package put there: kept.
    pub labels_kept: Vec<ItemNote>,
    /// Items already in the target that no share import brought, overwritten because the
    /// operator adopts existing items ([`Trust::adopt_existing`]); without that they are linked only.
    pub adopted: Vec<ItemNote>,
    /// Package items carrying attributes that read as an origin attribute ([`reads_as_origin`]):
    /// those attributes are stripped, so the published group's one origin attribute is the
    /// importer's own.
    pub origin_lookalikes: Vec<ItemNote>,
    /// The package's source instance and owner were checked against the operator's
    /// configuration (a pull); a file's header is only what it claims.
    pub source_verified: bool,
    /// Group xids the file gives no means to recompute (version 1 files).
    pub unverified_xids: usize,
    /// Batch jobs the import will run (after dropping attributes and adding the origin attribute).
    pub batch_jobs: usize,
    pub warnings: Vec<String>,
}

/// An item of the plan with what happens to it and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemNote {
    pub item: PlanItem,
    pub reason: String,
    /// Linked only: the group's name in the target (kept, as everything else).
    #[serde(skip)]
    pub target_name: Option<String>,
    /// Labels kept: their names as the target spells them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

impl std::fmt::Display for ItemNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.item.item_type, self.item.label, self.reason)
    }
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

/// How records and the association set name an item.
fn endpoint(item: &PlanItem) -> Endpoint {
    match item.kind {
        ItemKind::Group => Endpoint::Group { xid: item.xid.clone() },
        ItemKind::Indicator => {
            let (indicator_type, summary) = indicator_key(&item.item_type, &item.label);
            Endpoint::Indicator { indicator_type, summary }
        }
    }
}

/// Item-level security label names of a batch or v3 item, lower-cased -> as written.
fn label_names(v: &Value, key: &str) -> BTreeMap<String, String> {
    list(v, key).iter().filter_map(|l| text(l, "name")).map(|n| (n.to_lowercase(), n.to_string())).collect()
}

/// The security labels a package puts on each of its items (item level), by endpoint.
pub fn package_labels(pkg: &SharePackage) -> BTreeMap<Endpoint, BTreeSet<String>> {
    let (groups, indicators) = items_of(pkg);
    let bodies = pkg.batch.group.iter().chain(pkg.batch.indicator.iter());
    groups
        .iter()
        .chain(indicators.iter())
        .zip(bodies)
        .filter_map(|(item, body)| {
            let names: BTreeSet<String> = label_names(body, "securityLabel").into_values().collect();
            (!names.is_empty()).then(|| (endpoint(item), names))
        })
        .collect()
}

enum Fate {
    Create,
    Overwrite { kept_labels: Vec<String> },
    LinkOnly(String),
    Refused(String),
}

/// What happens to one package item, given what the target holds and which other
/// packages brought it (docs/sharing-operations.md, "Trust rules"):
/// - not in the target: created;
/// - in the target but brought by no share import (the target's own, another integration's):
///   linked only, unless the operator adopts existing items;
/// - brought by a package from another source instance: refused (unless allowed);
/// - a version 1 package's associated group (its xid unverifiable): linked only;
/// - brought by a verified pull while this package comes from a file: linked only;
/// - another package's published group (unless that package came from a file and this one
///   from a verified pull), or in a package that ranks higher ([`ImportRecord::rank`]): linked only;
/// - otherwise overwritten, keeping the security labels no package put there.
fn fate(
    pkg: &SharePackage,
    target: &TargetState,
    item: &PlanItem,
    existing: Option<&Value>,
    carriers: &[&ImportRecord],
    unverified: &BTreeSet<&str>,
) -> Fate {
    let Some(existing) = existing else { return Fate::Create };
    let h = &pkg.header;
    let instance = h.source.instance_id.trim();
    if !target.trust.allow_other_sources {
        if let Some(r) = carriers.iter().find(|r| r.source_instance.trim() != instance) {
            return Fate::Refused(format!(
                "brought by a package from source instance \"{}\" (owner {}), not \"{instance}\"; allow other sources to overwrite it",
                r.source_instance, r.source_owner
            ));
        }
    }
    // A version 1 package can name any xid for its associated groups: it creates them, never
    // rewrites one the target already holds (another integration's, or another package's).
    if item.kind == ItemKind::Group && unverified.contains(item.xid.as_str()) {
        return Fate::LinkOnly("a version 1 package's group, whose xid cannot be checked: linked, never overwritten".into());
    }
    // What no share import brought is the target's own, or another integration's.
    if carriers.is_empty() && !target.previous_items.contains(&endpoint(item)) && !target.trust.adopt_existing {
        return Fate::LinkOnly(
            "already in the target, brought by no share import: linked, its content left as it is (adopt existing items to overwrite it)".into(),
        );
    }
    // What a verified pull brought is not a file's to decide, not even the file's own group:
    // a file can claim any source and any date.
    if !target.source_verified {
        if let Some(r) = carriers.iter().find(|r| r.source_verified) {
            return Fate::LinkOnly(format!(
                "brought by a verified pull (the package of group {} published {}, {}), which a file does not outrank",
                r.group_xid, r.published_at, r.content_hash
            ));
        }
    }
    let is_own_group = item.kind == ItemKind::Group && item.xid == h.group.xid;
    if !is_own_group {
        // A file's published group does not make a verified pull's package link it only.
        if let Some(r) =
            carriers.iter().find(|r| item.kind == ItemKind::Group && r.group_xid == item.xid && r.source_verified >= target.source_verified)
        {
            return Fate::LinkOnly(format!("the published group of its own package ({}); that package decides its content", r.content_hash));
        }
        let mine = (target.source_verified, rfc3339_instant(&h.published_at), h.content_hash.as_str());
        if let Some(r) = carriers.iter().filter(|r| r.source_instance.trim() == instance).find(|r| r.rank() > mine) {
            return Fate::LinkOnly(format!(
                "also in the package of group {} published {} ({}), which takes precedence",
                r.group_xid, r.published_at, r.content_hash
            ));
        }
    }
    let mut kept_labels = Vec::new();
    if !target.trust.replace_target_labels {
        let key = endpoint(item);
        let put: BTreeSet<String> =
            carriers.iter().filter_map(|r| r.labels.get(&key)).chain(target.previous_labels.get(&key)).flatten().map(|l| l.to_lowercase()).collect();
        for (k, name) in label_names(existing, "securityLabels") {
            if !put.contains(&k) {
                kept_labels.push(name);
            }
        }
    }
    Fate::Overwrite { kept_labels }
}

/// Build the dry-run plan. Pure: everything it needs was read beforehand into `target`.
pub fn plan(pkg: &SharePackage, target: &TargetState) -> ImportPlan {
    let target_groups: BTreeMap<&str, &Value> = target.groups.iter().filter_map(|g| Some((text(g, "xid")?, g))).collect();
    let target_inds: BTreeMap<(String, String), &Value> =
        target.indicators.iter().filter_map(|i| Some((indicator_key(text(i, "type")?, text(i, "summary")?), i))).collect();
    let mut carriers: BTreeMap<Endpoint, Vec<&ImportRecord>> = BTreeMap::new();
    for r in &target.others {
        for e in r.items() {
            carriers.entry(e).or_default().push(r);
        }
    }
    let (groups, indicators) = items_of(pkg);
    let unverified: BTreeSet<&str> = pkg.unverified_xids().into_iter().collect();
    let (mut groups_to_create, mut groups_to_overwrite, mut indicators_to_create, mut indicators_to_overwrite) = (vec![], vec![], vec![], vec![]);
    let (mut refused, mut linked_only, mut labels_kept, mut adopted) = (vec![], vec![], vec![], vec![]);
    for item in groups.into_iter().chain(indicators) {
        let existing = match item.kind {
            ItemKind::Group => target_groups.get(item.xid.as_str()).copied(),
            ItemKind::Indicator => target_inds.get(&indicator_key(&item.item_type, &item.label)).copied(),
        };
        let who = carriers.get(&endpoint(&item)).map(Vec::as_slice).unwrap_or_default();
        let note = |reason: String| ItemNote {
            target_name: existing.and_then(|e| text(e, "name")).map(str::to_string),
            item: item.clone(),
            reason,
            labels: vec![],
        };
        match (fate(pkg, target, &item, existing, who, &unverified), item.kind) {
            (Fate::Refused(why), _) => refused.push(note(why)),
            (Fate::LinkOnly(why), _) => linked_only.push(note(why)),
            (Fate::Create, ItemKind::Group) => groups_to_create.push(item),
            (Fate::Create, ItemKind::Indicator) => indicators_to_create.push(item),
            (Fate::Overwrite { kept_labels }, kind) => {
                if who.is_empty() && !target.previous_items.contains(&endpoint(&item)) {
                    adopted.push(note("already in the target, brought by no share import: overwritten (adopt existing items)".into()));
                }
                if !kept_labels.is_empty() {
                    let reason = format!("keeps {}: no package put them there", kept_labels.join(", "));
                    labels_kept.push(ItemNote { labels: kept_labels, ..note(reason) });
                }
                match kind {
                    ItemKind::Group => groups_to_overwrite.push(item),
                    ItemKind::Indicator => indicators_to_overwrite.push(item),
                }
            }
        }
    }

    let have_labels: BTreeSet<String> = target.security_labels.iter().filter_map(|l| text(l, "name")).map(str::to_lowercase).collect();
    let labels_to_create: Vec<String> = labels_used(pkg).into_iter().filter(|l| !have_labels.contains(&l.to_lowercase())).collect();

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
        None => warnings.push("the target's attribute types were not read: attributes of types missing in the target will fail in the batch".into()),
    }
    let overwritten = groups_to_overwrite.len() + indicators_to_overwrite.len();
    if overwritten > 0 {
        warnings.push(format!(
            "{overwritten} item(s) already in {}: their attributes, tags and security labels are replaced by the package's",
            target.owner
        ));
    }
    for n in &refused {
        warnings.push(format!("left alone: {n}"));
    }
    if !labels_kept.is_empty() {
        warnings.push(format!("{} item(s) keep security labels that no package put there", labels_kept.len()));
    }
    if !labels_to_create.is_empty() {
        warnings.push(format!("security label(s) to create in the target: {}", labels_to_create.join(", ")));
    }

    let origin_lookalikes = origin_lookalikes(pkg);
    if !origin_lookalikes.is_empty() {
        warnings.push(format!(
            "{} item(s) carry attributes that read as an origin attribute: stripped, the importer writes the only one",
            origin_lookalikes.len()
        ));
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
        refused,
        linked_only,
        labels_kept,
        adopted,
        origin_lookalikes,
        source_verified: target.source_verified,
        unverified_xids: unverified.len(),
        batch_jobs: 0,
        warnings,
    };
    if result.unverified_xids > 0 {
        result.warnings.push(format!(
            "{} group xid(s) cannot be checked: this is a version 1 package, which does not carry the groups' source ids",
            result.unverified_xids
        ));
    }
    match prepare_import(pkg, &result).jobs(BatchLimits::default()) {
        Ok(jobs) => result.batch_jobs = jobs.len(),
        Err(e) => result.warnings.push(e.to_string()),
    }
    result
}

/// The attribute recording where an imported group came from. A file's header is only
/// what the file claims: the value says so when the plan's source is unverified. Every text
/// from the header is escaped and cut by the one escaping function (a line break or a
/// reordering character in an owner's name would forge the rest of the line).
pub fn origin_attribute(pkg: &SharePackage, source_verified: bool) -> Value {
    let h = &pkg.header;
    let e = escape_truncated;
    json!({
        "type": ORIGIN_ATTRIBUTE_TYPE,
        "value": format!(
            "Pivot share: instance {}, owner {}, group {} {}, published {}, content {}{}",
            e(&h.source.instance_id, 100),
            e(&h.source.owner, 250),
            e(&h.group.group_type, 100),
            h.group.id,
            e(&h.published_at, 64),
            e(&h.content_hash, 71),
            if source_verified { "" } else { " (as claimed by an imported file, unverified)" }
        ),
        "displayed": false,
    })
}

/// Whether an attribute could be taken for an origin attribute, whatever its type: its type
/// or value, read without case and without anything but letters and digits (spaces,
/// punctuation, invisible and format characters), holds "pivot share". Only the importer
/// writes one.
pub fn reads_as_origin(attribute: &Value) -> bool {
    let folded =
        |k: &str| -> String { text(attribute, k).unwrap_or_default().chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect() };
    folded("type").contains("pivotshare") || folded("value").contains("pivotshare")
}

/// The package items with attributes that read as an origin attribute, and how many.
fn origin_lookalikes(pkg: &SharePackage) -> Vec<ItemNote> {
    let (groups, indicators) = items_of(pkg);
    let items = pkg.batch.group.iter().zip(groups).chain(pkg.batch.indicator.iter().zip(indicators));
    items
        .filter_map(|(raw, item)| {
            let n = raw.get("attribute").and_then(Value::as_array).into_iter().flatten().filter(|a| reads_as_origin(a)).count();
            (n > 0).then(|| ItemNote {
                item,
                reason: format!("{n} attribute(s) reading as an origin attribute, stripped"),
                target_name: None,
                labels: vec![],
            })
        })
        .collect()
}

/// The package as it is imported, in three views:
/// - `package`: what the target should hold afterwards, for [`super::verify`]: attributes
///   of types missing in the target removed, the origin attribute on the published group,
///   kept labels added, refused items (and links to them) gone, linked-only items reduced
///   to their identity (no `attribute`, `tag` or `securityLabel` keys: not compared);
/// - `replace`: the batch written with Replace (every item whose metadata this package decides);
///   `None` when nothing is linked only: then it is `package` itself (no second copy in memory);
/// - `append`: the batch written with Append and no metadata at all: the linked-only items
///   and, reduced to their identity, the items linked to them. It changes no metadata.
///
/// The header (and its content hash, which names the published content) is unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub package: SharePackage,
    pub replace: Option<SharePackage>,
    pub append: SharePackage,
}

/// Only what names an item and its links: a linked-only item in a batch.
fn identity_only(item: &Value, target_name: Option<&str>) -> Value {
    let mut out = serde_json::Map::new();
    for k in ["xid", "type", "name", "summary", "associatedGroups", "associatedGroupXid"] {
        if let Some(v) = item.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    if let (Some(n), true) = (target_name, out.contains_key("name")) {
        out.insert("name".into(), json!(n));
    }
    Value::Object(out)
}

fn xid_of(v: &Value) -> &str {
    v.get("xid").and_then(Value::as_str).unwrap_or_default()
}

/// Keeps only the links (`associatedGroupXid`, `associatedGroups`) `keep` accepts; `false` if none was dropped.
fn filter_links(item: &mut Value, keep: &dyn Fn(&str) -> bool) -> bool {
    let mut dropped = false;
    if let Some(a) = item.get_mut("associatedGroupXid").and_then(Value::as_array_mut) {
        let n = a.len();
        a.retain(|x| x.as_str().is_some_and(keep));
        dropped |= a.len() != n;
    }
    if let Some(a) = item.get_mut("associatedGroups").and_then(Value::as_array_mut) {
        let n = a.len();
        a.retain(|g| g.get("groupXid").and_then(Value::as_str).is_some_and(keep));
        dropped |= a.len() != n;
    }
    dropped
}

pub fn prepare_import(pkg: &SharePackage, plan: &ImportPlan) -> Prepared {
    let drop: BTreeSet<&str> = plan.missing_attribute_types.iter().map(|m| m.name.as_str()).collect();
    let refused: BTreeSet<&str> = plan.refused.iter().map(|n| n.item.xid.as_str()).collect();
    let linked: BTreeMap<&str, Option<&str>> = plan.linked_only.iter().map(|n| (n.item.xid.as_str(), n.target_name.as_deref())).collect();
    let kept: BTreeMap<&str, &[String]> = plan.labels_kept.iter().map(|n| (n.item.xid.as_str(), n.labels.as_slice())).collect();

    let mut out = pkg.clone();
    out.batch.group.retain(|g| !refused.contains(xid_of(g)));
    out.batch.indicator.retain(|i| !refused.contains(xid_of(i)));
    // Refs name groups by xid and indicators by summary: compare as xids.
    let refs = |a: &Value| -> Vec<String> {
        ["ref_1", "ref_2"].iter().filter_map(|r| a.get(*r).and_then(Value::as_str).and_then(|r| pkg.ref_xid(r))).map(str::to_string).collect()
    };
    out.batch.association.retain(|a| refs(a).iter().all(|x| !refused.contains(x.as_str())));
    let origin = origin_attribute(pkg, plan.source_verified);
    let top = pkg.header.group.xid.as_str();
    for item in out.batch.group.iter_mut().chain(out.batch.indicator.iter_mut()) {
        filter_links(item, &|x| !refused.contains(x));
        let xid = xid_of(item).to_string();
        if let Some(name) = linked.get(xid.as_str()) {
            *item = identity_only(item, *name);
            continue;
        }
        if xid == top {
            // The published group always gets the importer's origin attribute, even when the
            // package gave it no attribute list.
            if let Some(obj) = item.as_object_mut() {
                obj.entry("attribute").or_insert_with(|| json!([]));
            }
        }
        if let Some(attrs) = item.get_mut("attribute").and_then(Value::as_array_mut) {
            attrs.retain(|a| !a.get("type").and_then(Value::as_str).is_some_and(|t| drop.contains(t.trim())) && !reads_as_origin(a));
            if xid == top {
                attrs.push(origin.clone());
            }
        }
        if let Some(names) = kept.get(xid.as_str()) {
            if let Some(labels) = item.get_mut("securityLabel").and_then(Value::as_array_mut) {
                labels.extend(names.iter().map(|n| json!({"name": n})));
            }
        }
    }

    let mut append = SharePackage { header: out.header.clone(), batch: BatchBody::default(), group_ids: out.group_ids.clone() };
    if linked.is_empty() {
        return Prepared { package: out, replace: None, append };
    }
    // Replace: everything but the linked-only items, and no link to them.
    let mut replace = out.clone();
    replace.batch.group.retain(|g| !linked.contains_key(xid_of(g)));
    replace.batch.indicator.retain(|i| !linked.contains_key(xid_of(i)));
    replace.batch.association.clear();
    for (kind, items) in [(0, &mut replace.batch.group), (1, &mut replace.batch.indicator)] {
        for item in items.iter_mut() {
            let mut links = identity_only(item, None);
            if filter_links(item, &|x| !linked.contains_key(x)) {
                filter_links(&mut links, &|x| linked.contains_key(x));
                if kind == 0 {
                    append.batch.group.push(links)
                } else {
                    append.batch.indicator.push(links)
                }
            }
        }
    }
    for item in out.batch.group.iter().chain(out.batch.indicator.iter()) {
        if linked.contains_key(xid_of(item)) {
            if item.get("summary").is_some() {
                append.batch.indicator.push(item.clone())
            } else {
                append.batch.group.push(item.clone())
            }
        }
    }
    // Top-level associations: with Replace unless they touch a linked-only item.
    let (to_append, to_replace): (Vec<Value>, Vec<Value>) =
        out.batch.association.iter().cloned().partition(|a| refs(a).iter().any(|x| linked.contains_key(x.as_str())));
    replace.batch.association = to_replace;
    append.batch.association = to_append;
    Prepared { package: out, replace: Some(replace), append }
}

/// Is this package item linked only (reduced to its identity by [`prepare_import`])?
pub(crate) fn is_linked_only(item: &Value) -> bool {
    ["attribute", "tag", "securityLabel"].iter().all(|k| item.get(*k).is_none())
}

impl Prepared {
    /// The batch jobs, in the order they must run: the Replace jobs, then the Append
    /// jobs (none when nothing is linked only); `true` marks an Append job. Indexes count on.
    pub fn jobs(&self, limits: BatchLimits) -> Result<Vec<(BatchJob, bool)>, super::ShareError> {
        let replace = self.replace.as_ref().unwrap_or(&self.package);
        let mut out: Vec<(BatchJob, bool)> = split_batches_with(replace, limits)?.into_iter().map(|j| (j, false)).collect();
        if !self.append.batch.group.is_empty() || !self.append.batch.indicator.is_empty() || !self.append.batch.association.is_empty() {
            for mut j in split_batches_with(&self.append, limits)? {
                j.index = out.len();
                out.push((j, true));
            }
        }
        Ok(out)
    }
}

/// The batch jobs of a plan ([`Prepared::jobs`] at ThreatConnect's limits).
pub fn jobs_for(pkg: &SharePackage, plan: &ImportPlan) -> Result<Vec<(BatchJob, bool)>, super::ShareError> {
    prepare_import(pkg, plan).jobs(BatchLimits::default())
}

#[cfg(test)]
mod tests;

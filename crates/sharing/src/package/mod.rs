//! The share package (format "pivot-share", versions 1 and 2): types, xids, content
//! hash, serialization and validation of files from outside.

use super::error::ShareError;
use super::json::canonical_json;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use threatconnect::time::is_rfc3339;
use threatconnect::{GroupType, IndicatorType};

mod schema;
use schema::{invalid, key_path, missing, Obj, BATCH_KEYS, HEADER_GROUP_KEYS, SOURCE_KEYS, TOP_KEYS};
pub(crate) use schema::{BatchAssociation, BatchGroup, BatchIndicator, Read};
pub use schema::{Label, MAX_ASSOCIATIONS, MAX_ATTRIBUTES, MAX_GROUPS, MAX_INDICATORS, MAX_LABELS, MAX_TAGS};

/// The `format` field of every package.
pub const FORMAT: &str = "pivot-share";
/// The package format version this build writes. Version 2 adds `groupIds` (every
/// group's source id), so every xid in the file can be recomputed.
pub const VERSION: u64 = 2;
/// The oldest version this build reads: version 1 files still import, their
/// associated groups' xids shown as unverified ([`SharePackage::unverified_xids`]).
pub const OLDEST_VERSION: u64 = 1;
/// Largest package file [`validate`] accepts: 64 MiB (a 10,000-indicator group
/// with attributes is a few MB; the limit only stops absurd or hostile files).
pub const MAX_PACKAGE_BYTES: usize = 64 * 1024 * 1024;

/// Refuses a package file by its size alone, before it is read: the sharing
/// page asks `File.size()`, `pivot-share import` the file's metadata, and
/// [`validate`] the bytes (a pipe has no size until read).
pub fn check_package_size(size: u64) -> Result<(), ShareError> {
    if size > MAX_PACKAGE_BYTES as u64 {
        return Err(ShareError::TooLarge { size, limit: MAX_PACKAGE_BYTES as u64 });
    }
    Ok(())
}

/// A share package: header plus a ThreatConnect v2 Batch input body.
#[derive(Clone, Debug, PartialEq)]
pub struct SharePackage {
    pub header: Header,
    pub batch: BatchBody,
    /// Version 2: every group's xid -> its numeric id in the source, from which the xid
    /// is recomputed. Empty in version 1 files.
    pub group_ids: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The file's format version ([`OLDEST_VERSION`]..=[`VERSION`]).
    pub version: u64,
    pub source: Source,
    pub group: GroupRef,
    /// RFC 3339 date-time, supplied by the publisher (`PublishOptions::published_at`).
    pub published_at: String,
    /// `sha256:<64 lowercase hex>`, see [`content_hash`].
    pub content_hash: String,
    /// Security label names chosen to leave (ThreatConnect's `securityLabelList`).
    pub security_labels_allowed: Vec<String>,
    /// Items (and attributes) with no security label stay home too.
    pub exclude_unlabeled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The configured id of the source instance (not its URL).
    pub instance_id: String,
    /// The source owner (organization) name.
    pub owner: String,
    /// Informational only: never used for xids or the hash.
    pub api_url: Option<String>,
}

/// The published group as the source knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRef {
    pub id: u64,
    /// v3 `type` (e.g. "Incident").
    pub group_type: String,
    pub name: String,
    /// The group's xid in the batch body.
    pub xid: String,
}

/// Exactly a ThreatConnect v2 Batch input. Items are kept as JSON so nothing
/// a later version adds is lost on the way through.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BatchBody {
    pub group: Vec<Value>,
    pub indicator: Vec<Value>,
    pub association: Vec<Value>,
}

impl BatchBody {
    pub fn to_value(&self) -> Value {
        json!({"group": self.group, "indicator": self.indicator, "association": self.association})
    }

    /// The group with this xid.
    pub fn group_by_xid(&self, xid: &str) -> Option<&Value> {
        self.group.iter().find(|g| g.get("xid").and_then(Value::as_str) == Some(xid))
    }
}

/// What an xid names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum ItemKind {
    Group,
    Indicator,
}

impl ItemKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Indicator => "indicator",
        }
    }
}

/// One spelling per type: v3 type names for known types, custom types as given.
pub(crate) fn canonical_type(kind: ItemKind, t: &str) -> String {
    let t = t.trim();
    match kind {
        ItemKind::Group => GroupType::from_name(t).map(|g| g.type_name().to_string()),
        ItemKind::Indicator => IndicatorType::from_base_name(t).map(|i| i.type_name().to_string()),
    }
    .unwrap_or_else(|| t.to_string())
}

/// The identity of an indicator inside an owner: the summary, trimmed, lower-cased
/// for the types ThreatConnect compares case-insensitively (Host, EmailAddress, File hashes).
pub fn indicator_identity(indicator_type: &str, summary: &str) -> String {
    let t = canonical_type(ItemKind::Indicator, indicator_type);
    let s = summary.trim();
    match t.as_str() {
        "Host" | "EmailAddress" | "File" => s.to_lowercase(),
        _ => s.to_string(),
    }
}

/// `pivot:` + the first 32 hex digits of
/// sha256("pivot-share/v1" NUL instance NUL owner NUL kind NUL type NUL identity).
/// Identity: the source group id for groups, [`indicator_identity`] for indicators.
pub fn derive_xid(instance_id: &str, owner: &str, kind: ItemKind, item_type: &str, identity: &str) -> String {
    let t = canonical_type(kind, item_type);
    let identity = match kind {
        ItemKind::Indicator => indicator_identity(&t, identity),
        ItemKind::Group => identity.trim().to_string(),
    };
    let mut h = Sha256::new();
    for (i, part) in ["pivot-share/v1", instance_id.trim(), owner.trim(), kind.as_str(), &t, &identity].iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(part.as_bytes());
    }
    let hex = hex(&h.finalize());
    format!("pivot:{}", &hex[..32])
}

fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// The SHA-256 of a package file's exact bytes (`sha256:<hex>`): what an import
/// plan was shown for, so a changed file needs a new plan.
pub fn file_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// `sha256:<hex>` over the canonical JSON (see [`canonical_json`]) of
/// `{"format", "version", "source": {"instanceId", "owner"}, "group": {"id", "type", "xid"}, "batch"}`,
/// plus `"groupIds"` from version 2 on.
/// Not covered: `publishedAt`, `source.apiUrl`, the label choice, `contentHash` itself.
/// Volatile fields (lastModified, dateAdded, counts, webLink, source ids of the
/// associated indicators) never enter the batch body, so they cannot change the hash.
pub fn content_hash(version: u64, source: &Source, group: &GroupRef, group_ids: &BTreeMap<String, u64>, batch: &Value) -> String {
    let mut covered = json!({
        "format": FORMAT,
        "version": version,
        "source": {"instanceId": source.instance_id, "owner": source.owner},
        "group": {"id": group.id, "type": group.group_type, "xid": group.xid},
        "batch": batch,
    });
    if version >= 2 {
        covered["groupIds"] = json!(group_ids);
    }
    format!("sha256:{}", hex(&Sha256::digest(canonical_json(&covered).as_bytes())))
}

impl SharePackage {
    /// The file as JSON value (header fields at the top level, body under `batch`).
    pub fn to_value(&self) -> Value {
        let h = &self.header;
        let mut source = Map::new();
        source.insert("instanceId".into(), json!(h.source.instance_id));
        source.insert("owner".into(), json!(h.source.owner));
        if let Some(u) = &h.source.api_url {
            source.insert("apiUrl".into(), json!(u));
        }
        let mut v = json!({
            "format": FORMAT,
            "version": h.version,
            "source": source,
            "group": {"id": h.group.id, "type": h.group.group_type, "name": h.group.name, "xid": h.group.xid},
            "publishedAt": h.published_at,
            "contentHash": h.content_hash,
            "securityLabelsAllowed": h.security_labels_allowed,
            "excludeUnlabeled": h.exclude_unlabeled,
            "batch": self.batch.to_value(),
        });
        if h.version >= 2 {
            v["groupIds"] = json!(self.group_ids);
        }
        v
    }

    /// The file's bytes: canonical JSON (sorted keys), so the same package is the same file.
    pub fn to_bytes(&self) -> Vec<u8> {
        canonical_json(&self.to_value()).into_bytes()
    }

    /// Recompute the content hash of this package's content.
    pub fn compute_hash(&self) -> String {
        content_hash(self.header.version, &self.header.source, &self.header.group, &self.group_ids, &self.batch.to_value())
    }

    /// Group xids this file gives no means to recompute: in version 1, every group
    /// but the published one (whose id is in the header). Empty from version 2 on.
    pub fn unverified_xids(&self) -> Vec<&str> {
        if self.header.version >= 2 {
            return vec![];
        }
        self.batch.group.iter().filter_map(|g| g.get("xid").and_then(Value::as_str)).filter(|x| *x != self.header.group.xid).collect()
    }

    /// The xid of the item a top-level association's `ref_1`/`ref_2` names: a group of the
    /// package by its xid, or an indicator of the package by its summary.
    pub(crate) fn ref_xid<'a>(&'a self, r: &'a str) -> Option<&'a str> {
        let xid = |v: &'a Value| v.get("xid").and_then(Value::as_str);
        if self.batch.group.iter().any(|g| xid(g) == Some(r)) {
            return Some(r);
        }
        self.batch.indicator.iter().find(|i| i.get("summary").and_then(Value::as_str) == Some(r)).and_then(xid)
    }

    /// The batch entry of the published group.
    pub fn shared_group(&self) -> Option<&Value> {
        self.batch.group_by_xid(&self.header.group.xid)
    }
}

// ---------------------------------------------------------------- validation

/// Read a package file from outside. Checks, in order: size (at most
/// [`MAX_PACKAGE_BYTES`]), JSON syntax, `format`, `version`, then the whole file against
/// the schema (docs/sharing-format.md, "Schema": every key at every level allowed by name,
/// its type and bounds; any other key is [`ShareError::UnknownKey`] with its path), xids
/// unique, every group reference and association resolvable inside the package, the
/// published group present, every xid the file lets us recompute, and last the content
/// hash. The model keeps only what the schema reads; nothing is written anywhere before
/// this passes.
pub fn validate(bytes: &[u8]) -> Result<SharePackage, ShareError> {
    check_package_size(bytes.len() as u64)?;
    let root: Value =
        serde_json::from_slice(bytes).map_err(|e| ShareError::MalformedJson { line: e.line(), column: e.column(), message: e.to_string() })?;
    if !root.is_object() {
        return Err(ShareError::WrongFormat { found: "a JSON document that is not an object".into() });
    }
    match root.get("format") {
        Some(Value::String(s)) if s == FORMAT => {}
        Some(other) => return Err(ShareError::WrongFormat { found: bounded(&canonical_json(other)) }),
        None => return Err(ShareError::WrongFormat { found: "absent".into() }),
    }
    let version = match root.get("version") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| (OLDEST_VERSION..=VERSION).contains(&v)) => n.as_u64().unwrap_or(VERSION),
        Some(other) => return Err(ShareError::UnsupportedVersion { found: bounded(&canonical_json(other)) }),
        None => return Err(missing("version")),
    };
    // Version 1 has no `groupIds`.
    let top_keys = if version >= 2 { &TOP_KEYS[..] } else { &TOP_KEYS[..TOP_KEYS.len() - 1] };
    let top = Obj::new(&root, "", top_keys, Read::File, "an object")?;

    let src =
        Obj::new(top.get("source").filter(|v| !v.is_null()).ok_or_else(|| missing("source"))?, "source", &SOURCE_KEYS, Read::File, "an object")?;
    let source = Source {
        instance_id: src.req_str("instanceId", schema::INSTANCE_ID)?,
        owner: src.req_str("owner", schema::OWNER)?,
        api_url: src.opt_str("apiUrl", schema::API_URL)?,
    };
    let g =
        Obj::new(top.get("group").filter(|v| !v.is_null()).ok_or_else(|| missing("group"))?, "group", &HEADER_GROUP_KEYS, Read::File, "an object")?;
    let group = GroupRef {
        id: match g.get("id") {
            None | Some(Value::Null) => return Err(missing("group.id")),
            Some(v) => v.as_u64().ok_or_else(|| invalid("group.id", "a non-negative integer"))?,
        },
        group_type: schema::group_type(&g)?,
        name: g.req_str("name", schema::NAME)?,
        xid: g.req_str("xid", schema::XID)?,
    };
    let published_at = top.req_str("publishedAt", schema::DATE)?;
    if !is_rfc3339(&published_at) {
        return Err(invalid("publishedAt", "an RFC 3339 date-time such as 2026-11-25T14:20:33Z"));
    }
    let declared = top.req_str("contentHash", schema::CONTENT_HASH)?;
    let hex_part = declared.strip_prefix("sha256:").unwrap_or("");
    if hex_part.len() != 64 || !hex_part.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        return Err(invalid("contentHash", "\"sha256:\" followed by 64 lowercase hex digits"));
    }
    let mut security_labels_allowed = Vec::new();
    for (i, l) in top.req_array("securityLabelsAllowed", MAX_LABELS)?.iter().enumerate() {
        let p = format!("securityLabelsAllowed[{i}]");
        let name = l.as_str().ok_or_else(|| invalid(&p, "a string"))?;
        schema::check_str(name, &p, schema::LABEL_NAME, Read::File)?;
        security_labels_allowed.push(name.to_string());
    }
    let exclude_unlabeled = match top.get("excludeUnlabeled") {
        None | Some(Value::Null) => return Err(missing("excludeUnlabeled")),
        Some(v) => v.as_bool().ok_or_else(|| invalid("excludeUnlabeled", "true or false"))?,
    };

    let b = Obj::new(top.get("batch").filter(|v| !v.is_null()).ok_or_else(|| missing("batch"))?, "batch", &BATCH_KEYS, Read::File, "an object")?;
    let group_values = b.req_array("group", MAX_GROUPS)?;
    let indicator_values = b.req_array("indicator", MAX_INDICATORS)?;
    let association_values = b.opt_array("association", MAX_ASSOCIATIONS)?.unwrap_or_default();

    let mut groups = Vec::with_capacity(group_values.len());
    let mut group_xids = BTreeSet::new();
    for (i, v) in group_values.iter().enumerate() {
        let g = BatchGroup::read(v, &format!("batch.group[{i}]"), Read::File)?;
        if !group_xids.insert(g.xid.clone()) {
            return Err(ShareError::DuplicateXid { path: format!("batch.group[{i}].xid"), xid: g.xid });
        }
        groups.push(g);
    }
    for (i, g) in groups.iter().enumerate() {
        for (j, x) in g.associated_group_xid.iter().flatten().enumerate() {
            if !group_xids.contains(x) {
                return Err(ShareError::DanglingReference { path: format!("batch.group[{i}].associatedGroupXid[{j}]"), xid: x.clone() });
            }
        }
    }
    let mut indicators = Vec::with_capacity(indicator_values.len());
    let mut indicator_xids = BTreeSet::new();
    for (i, v) in indicator_values.iter().enumerate() {
        let p = format!("batch.indicator[{i}]");
        let ind = BatchIndicator::read(v, &p, Read::File)?;
        if group_xids.contains(&ind.xid) || !indicator_xids.insert(ind.xid.clone()) {
            return Err(ShareError::DuplicateXid { path: format!("{p}.xid"), xid: ind.xid });
        }
        for (j, x) in ind.associated_groups.iter().flatten().enumerate() {
            if !group_xids.contains(x) {
                return Err(ShareError::DanglingReference { path: format!("{p}.associatedGroups[{j}].groupXid"), xid: x.clone() });
            }
        }
        indicators.push(ind);
    }
    // Top-level associations name two items of the package: a group by its xid, an
    // indicator by its summary (as ThreatConnect's batch documents `ref_1`/`ref_2`).
    let summaries: BTreeSet<&str> = indicators.iter().map(|i| i.summary.as_str()).collect();
    let mut associations = Vec::with_capacity(association_values.len());
    for (i, v) in association_values.iter().enumerate() {
        let p = format!("batch.association[{i}]");
        let a = BatchAssociation::read(v, &p, Read::File)?;
        for (r, x) in [("ref_1", &a.ref_1), ("ref_2", &a.ref_2)] {
            if !group_xids.contains(x) && !summaries.contains(x.as_str()) {
                return Err(ShareError::DanglingReference { path: format!("{p}.{r}"), xid: x.clone() });
            }
        }
        associations.push(a);
    }
    if !group_xids.contains(&group.xid) {
        return Err(ShareError::DanglingReference { path: "group.xid".into(), xid: group.xid.clone() });
    }
    let group_ids = if version >= 2 { read_group_ids(&top, &groups, &group)? } else { BTreeMap::new() };
    check_xids(&source, &group, &group_ids, &groups, &indicators)?;

    // The model holds what the schema read, written again from its types.
    let batch = BatchBody {
        group: groups.iter().map(BatchGroup::to_value).collect(),
        indicator: indicators.iter().map(BatchIndicator::to_value).collect(),
        association: associations.iter().map(BatchAssociation::to_value).collect(),
    };
    let computed = content_hash(version, &source, &group, &group_ids, &batch.to_value());
    if computed != declared {
        return Err(ShareError::BadHash { declared, computed });
    }
    Ok(SharePackage {
        header: Header { version, source, group, published_at, content_hash: computed, security_labels_allowed, exclude_unlabeled },
        batch,
        group_ids,
    })
}

/// A value quoted in an error, cut to 100 characters.
fn bounded(s: &str) -> String {
    if s.chars().count() <= 100 {
        return s.to_string();
    }
    format!("{}…", s.chars().take(100).collect::<String>())
}

/// Version 2's `groupIds`: exactly the batch's group xids, each with a numeric source
/// id; the published group's is the header's.
fn read_group_ids(top: &Obj, groups: &[BatchGroup], group: &GroupRef) -> Result<BTreeMap<String, u64>, ShareError> {
    let obj = match top.get("groupIds") {
        None | Some(Value::Null) => return Err(missing("groupIds")),
        Some(v) => v.as_object().ok_or_else(|| invalid("groupIds", "an object {xid: source group id}"))?,
    };
    let mut out = BTreeMap::new();
    for (x, id) in obj {
        if !groups.iter().any(|g| g.xid == *x) {
            return Err(ShareError::DanglingReference { path: key_path("groupIds", x), xid: bounded(x) });
        }
        let id = id.as_u64().ok_or_else(|| invalid(&key_path("groupIds", x), "a non-negative integer"))?;
        out.insert(x.clone(), id);
    }
    for (i, g) in groups.iter().enumerate() {
        if !out.contains_key(&g.xid) {
            return Err(missing(&format!("groupIds.{} (for batch.group[{i}])", g.xid)));
        }
    }
    if out.get(&group.xid) != Some(&group.id) {
        return Err(invalid(&format!("groupIds.{}", group.xid), &format!("the published group's id {}", group.id)));
    }
    Ok(out)
}

/// Every xid the file lets us recompute (docs/sharing-format.md, "xids") must be the one the
/// formula gives: the published group's (its id is in the header), every indicator's
/// (type and summary), and from version 2 on every group's (`groupIds`). A package
/// cannot name another item than the one it carries, nor claim another source's items.
fn check_xids(
    source: &Source,
    group: &GroupRef,
    group_ids: &BTreeMap<String, u64>,
    groups: &[BatchGroup],
    indicators: &[BatchIndicator],
) -> Result<(), ShareError> {
    let (inst, owner) = (source.instance_id.as_str(), source.owner.as_str());
    let mismatch = |path: String, declared: &str, computed: String| ShareError::XidMismatch { path, declared: declared.into(), computed };
    let top = derive_xid(inst, owner, ItemKind::Group, &group.group_type, &group.id.to_string());
    if top != group.xid {
        return Err(mismatch("group.xid".into(), &group.xid, top));
    }
    for (i, g) in groups.iter().enumerate() {
        let Some(id) = group_ids.get(&g.xid).copied().or((g.xid == group.xid).then_some(group.id)) else { continue };
        let computed = derive_xid(inst, owner, ItemKind::Group, &g.group_type, &id.to_string());
        if computed != g.xid {
            return Err(mismatch(format!("batch.group[{i}].xid"), &g.xid, computed));
        }
    }
    for (i, ind) in indicators.iter().enumerate() {
        let computed = derive_xid(inst, owner, ItemKind::Indicator, &ind.indicator_type, &ind.summary);
        if computed != ind.xid {
            return Err(mismatch(format!("batch.indicator[{i}].xid"), &ind.xid, computed));
        }
    }
    Ok(())
}

/// name -> the label as the package first describes it (on an item or an attribute), read
/// through the schema: what an import creates in a target that lacks it.
pub(crate) fn label_definitions(pkg: &SharePackage) -> Result<BTreeMap<String, Label>, ShareError> {
    let mut out = BTreeMap::new();
    let groups = pkg.batch.group.iter().enumerate().map(|(i, g)| BatchGroup::read(g, &format!("batch.group[{i}]"), Read::Model).map(|g| g.metadata));
    let indicators = pkg
        .batch
        .indicator
        .iter()
        .enumerate()
        .map(|(i, v)| BatchIndicator::read(v, &format!("batch.indicator[{i}]"), Read::Model).map(|i| i.metadata));
    for metadata in groups.chain(indicators) {
        for l in metadata?.labels() {
            out.entry(l.name.clone()).or_insert_with(|| l.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

//! Splitting a package body into batch jobs within ThreatConnect's limits.

use super::error::ShareError;
use super::json::canonical_json;
use super::package::SharePackage;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// ThreatConnect refuses a batch upload over 2,000,000 bytes (400).
pub const MAX_BATCH_BYTES: usize = 2_000_000;
/// ThreatConnect takes up to 25,000 indicators per batch job.
pub const MAX_BATCH_INDICATORS: usize = 25_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    pub max_bytes: usize,
    pub max_indicators: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self { max_bytes: MAX_BATCH_BYTES, max_indicators: MAX_BATCH_INDICATORS }
    }
}

/// One batch job: the exact bytes to upload (`POST /v2/batch/{id}`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchJob {
    /// 0-based position; jobs must run in this order (job 0 carries every group).
    pub index: usize,
    /// Canonical JSON `{"association":[...],"group":[...],"indicator":[...]}`.
    pub payload: Vec<u8>,
    pub group_count: usize,
    pub indicator_count: usize,
}

/// The job settings for `POST /v2/batch` (ThreatConnect v2 Batch): create-or-update
/// by xid, and attributes, tags and security labels of every shared item
/// *replaced* by the package's (see docs/sharing.md, overwrite semantics).
pub fn batch_settings(target_owner: &str) -> Value {
    json!({
        "version": "V2",
        "owner": target_owner,
        "haltOnError": false,
        "action": "Create",
        "attributeWriteType": "Replace",
        "tagWriteType": "Replace",
        "securityLabelWriteType": "Replace",
    })
}

/// The job settings for the linked-only part of an import ([`super::Prepared::append`]):
/// the same upsert by xid, but attributes, tags and labels *appended*, and the items
/// carry none, so no item's metadata changes; only links are added.
pub fn link_settings(target_owner: &str) -> Value {
    let mut s = batch_settings(target_owner);
    for k in ["attributeWriteType", "tagWriteType", "securityLabelWriteType"] {
        s[k] = json!("Append");
    }
    s
}

/// [`split_batches_with`] at ThreatConnect's limits.
pub fn split_batches(pkg: &SharePackage) -> Result<Vec<BatchJob>, ShareError> {
    split_batches_with(pkg, BatchLimits::default())
}

struct Open {
    groups: BTreeSet<String>,
    group_json: Vec<String>,
    ind_json: Vec<String>,
    assoc_json: Vec<String>,
    bytes: usize,
}

/// `{"association":[],"group":[],"indicator":[]}`
const EMPTY: usize = 44;

impl Open {
    fn new() -> Self {
        Self { groups: BTreeSet::new(), group_json: vec![], ind_json: vec![], assoc_json: vec![], bytes: EMPTY }
    }
    /// Bytes added by appending an element of `len` bytes to an array holding `n`.
    fn cost(n: usize, len: usize) -> usize {
        len + usize::from(n > 0)
    }
    fn is_empty(&self) -> bool {
        self.group_json.is_empty() && self.ind_json.is_empty() && self.assoc_json.is_empty()
    }
    fn finish(self, index: usize) -> BatchJob {
        let payload = format!(
            "{{\"association\":[{}],\"group\":[{}],\"indicator\":[{}]}}",
            self.assoc_json.join(","),
            self.group_json.join(","),
            self.ind_json.join(",")
        )
        .into_bytes();
        BatchJob { index, payload, group_count: self.group_json.len(), indicator_count: self.ind_json.len() }
    }
}

/// Split deterministically (same package, same jobs, same bytes):
/// - job 0 starts with the `association` array and every group in full (with
///   their `associatedGroupXid`), in package order; if the groups alone pass the
///   byte limit they continue into the next jobs, and then each group carries its
///   links to the groups placed before it, which are repeated in its job, so no
///   `associatedGroupXid` points into another job;
/// - indicators follow in package order, filling each job up to the limits;
/// - an indicator's `associatedGroups` must resolve inside its own job, so a job
///   that holds an indicator also holds every group it references: groups are
///   repeated (without `associatedGroupXid`, already made in job 0) in later jobs.
///   Repeating is an upsert by xid with the same attributes, tags and labels, so it
///   changes nothing in the target.
///
/// An item that alone cannot fit is [`ShareError::ItemTooLarge`].
pub fn split_batches_with(pkg: &SharePackage, limits: BatchLimits) -> Result<Vec<BatchJob>, ShareError> {
    let max = limits.max_bytes;
    let max_ind = limits.max_indicators.max(1);
    let mut full: Vec<(String, String)> = Vec::new(); // (xid, canonical) full groups
    let mut repeat: std::collections::BTreeMap<String, String> = Default::default();
    for g in &pkg.batch.group {
        let xid = g.get("xid").and_then(Value::as_str).unwrap_or_default().to_string();
        let c = canonical_json(g);
        let mut r = g.clone();
        if let Some(o) = r.as_object_mut() {
            o.remove("associatedGroupXid");
        }
        repeat.insert(xid.clone(), canonical_json(&r));
        full.push((xid, c));
    }
    let too_large = |what: String, size: usize| ShareError::ItemTooLarge { what, size, limit: max };

    let mut jobs = Vec::new();
    let mut cur = Open::new();
    for a in &pkg.batch.association {
        let c = canonical_json(a);
        let add = Open::cost(cur.assoc_json.len(), c.len());
        if cur.bytes + add > max {
            if cur.is_empty() {
                return Err(too_large("an association".into(), EMPTY + c.len()));
            }
            jobs.push(std::mem::replace(&mut cur, Open::new()).finish(jobs.len()));
        }
        cur.bytes += Open::cost(cur.assoc_json.len(), c.len());
        cur.assoc_json.push(c);
    }
    // Do all groups fit in one job (with the associations)? Then they go as they are.
    let groups_bytes: usize = full.iter().map(|(_, c)| c.len() + 1).sum();
    let spill = cur.bytes + groups_bytes > max;
    // Otherwise a group -> group link must not point into another job: each group
    // lists its links to groups placed before it, and those are repeated in its job.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    if spill {
        for g in &pkg.batch.group {
            let x = g.get("xid").and_then(Value::as_str).unwrap_or_default();
            for o in g.get("associatedGroupXid").and_then(Value::as_array).into_iter().flatten() {
                if let Some(o) = o.as_str() {
                    pairs.insert((x.to_string(), o.to_string()));
                    pairs.insert((o.to_string(), x.to_string()));
                }
            }
        }
    }
    let mut placed: Vec<String> = Vec::new();
    for (pos, (xid, mut c)) in full.into_iter().enumerate() {
        let mut partners: Vec<String> = Vec::new();
        if spill {
            partners = placed.iter().filter(|p| pairs.contains(&(xid.clone(), (*p).clone()))).cloned().collect();
            let mut g = pkg.batch.group[pos].clone();
            if let Some(o) = g.as_object_mut() {
                o.remove("associatedGroupXid");
                if !partners.is_empty() {
                    o.insert("associatedGroupXid".into(), json!(partners));
                }
            }
            c = canonical_json(&g);
        }
        let need = |o: &Open| -> usize {
            let mut n = o.group_json.len();
            let mut add = 0;
            for p in partners.iter().filter(|p| !o.groups.contains(*p)) {
                add += Open::cost(n, repeat.get(p).map_or(0, String::len));
                n += 1;
            }
            add + Open::cost(n, c.len())
        };
        if cur.bytes + need(&cur) > max {
            if !cur.is_empty() {
                jobs.push(std::mem::replace(&mut cur, Open::new()).finish(jobs.len()));
            }
            let alone = cur.bytes + need(&cur);
            if alone > max {
                return Err(too_large(format!("group {xid} (with the groups it links to)"), alone));
            }
        }
        for p in &partners {
            if !cur.groups.contains(p) {
                if let Some(r) = repeat.get(p) {
                    cur.bytes += Open::cost(cur.group_json.len(), r.len());
                    cur.group_json.push(r.clone());
                    cur.groups.insert(p.clone());
                }
            }
        }
        cur.bytes += Open::cost(cur.group_json.len(), c.len());
        cur.group_json.push(c);
        cur.groups.insert(xid.clone());
        placed.push(xid);
    }
    for ind in &pkg.batch.indicator {
        let c = canonical_json(ind);
        let refs: BTreeSet<String> = ind
            .get("associatedGroups")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|g| g.get("groupXid").and_then(Value::as_str)).map(str::to_string).collect())
            .unwrap_or_default();
        let need = |o: &Open| -> usize {
            let mut n = o.group_json.len();
            let mut add = 0;
            for x in refs.iter().filter(|x| !o.groups.contains(*x)) {
                if let Some(g) = repeat.get(x) {
                    add += Open::cost(n, g.len());
                    n += 1;
                }
            }
            add + Open::cost(o.ind_json.len(), c.len())
        };
        if cur.ind_json.len() + 1 > max_ind || cur.bytes + need(&cur) > max {
            if !cur.is_empty() {
                jobs.push(std::mem::replace(&mut cur, Open::new()).finish(jobs.len()));
            }
            let alone = cur.bytes + need(&cur);
            if alone > max {
                let what = format!(
                    "indicator {} (with the groups it references)",
                    ind.get("summary").and_then(Value::as_str).unwrap_or("?")
                );
                return Err(too_large(what, alone));
            }
        }
        for x in &refs {
            if !cur.groups.contains(x) {
                if let Some(g) = repeat.get(x) {
                    cur.bytes += Open::cost(cur.group_json.len(), g.len());
                    cur.group_json.push(g.clone());
                    cur.groups.insert(x.clone());
                }
            }
        }
        cur.bytes += Open::cost(cur.ind_json.len(), c.len());
        cur.ind_json.push(c);
    }
    if !cur.is_empty() || jobs.is_empty() {
        jobs.push(cur.finish(jobs.len()));
    }
    // The sizes above are computed exactly; this re-check only guards against a
    // future change to that arithmetic sending an upload ThreatConnect would refuse.
    if let Some(j) = jobs.iter().find(|j| j.payload.len() > max) {
        return Err(too_large(format!("batch job {}", j.index), j.payload.len()));
    }
    Ok(jobs)
}

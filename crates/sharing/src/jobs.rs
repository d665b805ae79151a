//! Splitting a package body into batch jobs within ThreatConnect's limits.

use super::error::ShareError;
use super::json::canonical_json;
use super::package::{BatchAssociation, BatchGroup, BatchIndicator, Read, SharePackage};
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
/// *replaced* by the package's (docs/sharing-operations.md, the overwrite warning).
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
    // Every item written again from the schema's types: what a job carries is what the
    // format allows, never a key the model was given beside it.
    let groups: Vec<BatchGroup> =
        pkg.batch.group.iter().enumerate().map(|(i, g)| BatchGroup::read(g, &format!("batch.group[{i}]"), Read::Model)).collect::<Result<_, _>>()?;
    let indicators: Vec<BatchIndicator> = pkg
        .batch
        .indicator
        .iter()
        .enumerate()
        .map(|(i, v)| BatchIndicator::read(v, &format!("batch.indicator[{i}]"), Read::Model))
        .collect::<Result<_, _>>()?;
    let associations: Vec<BatchAssociation> = pkg
        .batch
        .association
        .iter()
        .enumerate()
        .map(|(i, a)| BatchAssociation::read(a, &format!("batch.association[{i}]"), Read::Model))
        .collect::<Result<_, _>>()?;
    let mut full: Vec<(String, String)> = Vec::new(); // (xid, canonical) full groups
    let mut repeat: std::collections::BTreeMap<String, String> = Default::default();
    for g in &groups {
        let c = canonical_json(&g.to_value());
        let r = BatchGroup { associated_group_xid: None, ..g.clone() };
        repeat.insert(g.xid.clone(), canonical_json(&r.to_value()));
        full.push((g.xid.clone(), c));
    }
    let too_large = |what: String, size: usize| ShareError::ItemTooLarge { what, size, limit: max };

    let mut jobs = Vec::new();
    let mut cur = Open::new();
    for a in &associations {
        let c = canonical_json(&a.to_value());
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
        for g in &groups {
            for o in g.associated_group_xid.iter().flatten() {
                pairs.insert((g.xid.clone(), o.clone()));
                pairs.insert((o.clone(), g.xid.clone()));
            }
        }
    }
    let mut placed: Vec<String> = Vec::new();
    for (pos, (xid, mut c)) in full.into_iter().enumerate() {
        let mut partners: Vec<String> = Vec::new();
        if spill {
            partners = placed.iter().filter(|p| pairs.contains(&(xid.clone(), (*p).clone()))).cloned().collect();
            let g = BatchGroup { associated_group_xid: (!partners.is_empty()).then(|| partners.clone()), ..groups[pos].clone() };
            c = canonical_json(&g.to_value());
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
    for ind in &indicators {
        let c = canonical_json(&ind.to_value());
        let refs: BTreeSet<String> = ind.associated_groups.iter().flatten().cloned().collect();
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
                let what = format!("indicator {} (with the groups it references)", ind.summary);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use crate::{associations, snapshot, Association, Endpoint};

    /// A group with `n` associated Address indicators, each with a Description attribute and a tag.
    fn big_package(n: usize, with_attribute: bool) -> SharePackage {
        let inds: Vec<Value> = (0..n)
            .map(|i| {
                let mut v = json!({
                    "id": 100_000 + i, "type": "Address",
                    "summary": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                    "rating": 2.0, "confidence": 50, "lastModified": "2026-01-01T00:00:00Z",
                });
                if with_attribute {
                    v["attributes"] = json!({"data": [attr(i as u64, "Description",
                        &format!("Scanner node {i} observed brute-forcing SSH on the perimeter; part of the botnet tracked in this incident."), true, &[])]});
                    v["tags"] = tags(&["Botnet"]);
                }
                v
            })
            .collect();
        snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap()
    }

    fn parse(job: &BatchJob) -> Value {
        serde_json::from_slice(&job.payload).expect("job payload is JSON")
    }

    /// Every job under the limits, every indicator exactly once, every groupXid
    /// resolvable inside its own job, every group in some job.
    fn check_jobs(pkg: &SharePackage, jobs: &[BatchJob], limits: BatchLimits) {
        let mut seen = BTreeSet::new();
        let mut groups_seen = BTreeSet::new();
        let mut links = BTreeSet::new();
        for (k, job) in jobs.iter().enumerate() {
            assert_eq!(job.index, k);
            assert!(job.payload.len() <= limits.max_bytes, "job {k}: {} bytes", job.payload.len());
            assert!(job.indicator_count <= limits.max_indicators);
            let v = parse(job);
            let groups: BTreeSet<&str> = v["group"].as_array().unwrap().iter().map(|g| g["xid"].as_str().unwrap()).collect();
            assert_eq!(groups.len(), job.group_count, "no group twice in one job");
            groups_seen.extend(groups.iter().map(|s| s.to_string()));
            for g in v["group"].as_array().unwrap() {
                for o in g.get("associatedGroupXid").and_then(Value::as_array).into_iter().flatten() {
                    assert!(groups.contains(o.as_str().unwrap()), "job {k}: associatedGroupXid points outside the job");
                    links.insert(Association::group_group(g["xid"].as_str().unwrap(), o.as_str().unwrap()));
                }
            }
            let inds = v["indicator"].as_array().unwrap();
            assert_eq!(inds.len(), job.indicator_count);
            for i in inds {
                assert!(seen.insert(i["xid"].as_str().unwrap().to_string()), "indicator twice");
                for g in i["associatedGroups"].as_array().unwrap() {
                    assert!(groups.contains(g["groupXid"].as_str().unwrap()), "job {k}: unresolvable groupXid");
                }
            }
        }
        assert_eq!(seen.len(), pkg.batch.indicator.len());
        assert_eq!(groups_seen.len(), pkg.batch.group.len());
        let want: BTreeSet<Association> = associations(pkg).into_iter().filter(|a| matches!(a.other, Endpoint::Group { .. })).collect();
        assert_eq!(links, want, "every group-group link made, in some job");
    }

    #[test]
    fn ten_thousand_indicators_split_by_bytes_into_a_handful_of_jobs() {
        let pkg = big_package(10_000, true);
        assert_eq!(pkg.batch.indicator.len(), 10_000);
        let total = pkg.batch.indicator.iter().map(|i| serde_json::to_vec(i).unwrap().len()).sum::<usize>();
        assert!(total > MAX_BATCH_BYTES, "the test needs a body over one upload ({total} bytes)");
        let jobs = split_batches(&pkg).unwrap();
        assert!(jobs.len() >= 2 && jobs.len() <= 5, "{} jobs", jobs.len());
        check_jobs(&pkg, &jobs, BatchLimits::default());
        // Jobs are full up to the byte limit except the last.
        for j in &jobs[..jobs.len() - 1] {
            assert!(j.payload.len() > MAX_BATCH_BYTES - 2_000, "{}", j.payload.len());
        }
        // Job 0 holds every group with its group-group links; later jobs repeat only
        // the published group (what their indicators reference), without the links.
        let first = parse(&jobs[0]);
        assert_eq!(first["group"].as_array().unwrap().len(), 3);
        assert!(first["group"][0].get("associatedGroupXid").is_some());
        let second = parse(&jobs[1]);
        assert_eq!(second["group"].as_array().unwrap().len(), 1);
        let repeated = &second["group"][0];
        assert_eq!(repeated["xid"], json!(pkg.header.group.xid));
        assert!(repeated.get("associatedGroupXid").is_none());
        let mut original = pkg.batch.group[0].clone();
        original.as_object_mut().unwrap().remove("associatedGroupXid");
        assert_eq!(*repeated, original, "a repeated group carries the same attributes, tags and labels");
        // Deterministic.
        assert_eq!(split_batches(&pkg).unwrap(), jobs);
    }

    #[test]
    fn the_indicator_limit_splits_jobs_too() {
        // ThreatConnect's 25,000-indicator limit, with the byte limit lifted so that it is the one that bites.
        let pkg = big_package(60_000, false);
        let limits = BatchLimits { max_bytes: 100_000_000, max_indicators: MAX_BATCH_INDICATORS };
        let jobs = split_batches_with(&pkg, limits).unwrap();
        assert_eq!(jobs.iter().map(|j| j.indicator_count).collect::<Vec<_>>(), vec![25_000, 25_000, 10_000]);
        check_jobs(&pkg, &jobs, limits);
        // And at the real limits the bytes bite first but both hold.
        let jobs = split_batches(&pkg).unwrap();
        assert!(jobs.iter().all(|j| j.indicator_count <= MAX_BATCH_INDICATORS));
        check_jobs(&pkg, &jobs, BatchLimits::default());
    }

    #[test]
    fn small_packages_are_one_job_and_oversized_items_are_refused() {
        let pkg = package();
        let jobs = split_batches(&pkg).unwrap();
        assert_eq!(jobs.len(), 1);
        let v = parse(&jobs[0]);
        assert_eq!(v["group"], json!(pkg.batch.group));
        assert_eq!(v["indicator"], json!(pkg.batch.indicator));
        assert_eq!(v["association"], json!([]));

        // An item over a job's size within the format's bounds: many attributes near their longest.
        let mut inds = associated_indicators();
        let long = attr(900, "Description", &"x".repeat(60_000), false, &[]);
        inds[0]["attributes"]["data"] = json!(vec![long; MAX_BATCH_BYTES / 60_000 + 2]);
        let big = snapshot(&group(), &[], &inds, &opts()).unwrap();
        match split_batches(&big) {
            Err(ShareError::ItemTooLarge { what, size, limit }) => {
                assert!(what.contains("badguy.com"));
                assert!(size > limit);
                assert_eq!(limit, MAX_BATCH_BYTES);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tight_limits_keep_every_reference_resolvable() {
        // Small limits force group-only overflow jobs and groups repeated for indicators
        // (badguy.com references both the published group and the Adversary). The Email
        // group is made big so the groups overflow a job an indicator still fits in.
        let mut groups = associated_groups();
        groups[1]["body"] = json!("Please visit bad.com. ".repeat(100));
        let pkg = snapshot(&group(), &groups, &associated_indicators(), &opts()).unwrap();
        let (mut ok, mut spilled) = (0, 0);
        for max_bytes in (1_000..8_000).step_by(25) {
            for max_indicators in 1..4 {
                let limits = BatchLimits { max_bytes, max_indicators };
                match split_batches_with(&pkg, limits) {
                    Ok(jobs) => {
                        ok += 1;
                        if parse(&jobs[0])["group"].as_array().unwrap().len() < pkg.batch.group.len() {
                            spilled += 1;
                        }
                        check_jobs(&pkg, &jobs, limits);
                        assert_eq!(split_batches_with(&pkg, limits).unwrap(), jobs);
                    }
                    Err(ShareError::ItemTooLarge { size, limit, .. }) => assert!(size > limit),
                    Err(e) => panic!("{e}"),
                }
            }
        }
        assert!(ok > 20, "{ok}");
        assert!(spilled > 0, "the groups never overflowed one job: the limits are not tight enough");
    }

    #[test]
    fn batch_settings_replace_metadata() {
        let s = batch_settings("Target Org");
        assert_eq!(s["owner"], "Target Org");
        assert_eq!(s["version"], "V2");
        assert_eq!(s["action"], "Create");
        for k in ["attributeWriteType", "tagWriteType", "securityLabelWriteType"] {
            assert_eq!(s[k], "Replace", "{k}");
        }
    }

    /// The jobs are written from the schema's types: a package in memory carrying keys the
    /// format does not allow (links to target items by id, extra keys at every level) gives
    /// the very same jobs as the package without them.
    #[test]
    fn batch_jobs_carry_only_the_schemas_keys_whatever_the_package_holds() {
        let mut clean = package();
        let top = clean.header.group.xid.clone();
        let summary = clean.batch.indicator[0]["summary"].clone();
        clean.batch.association = vec![json!({"ref_1": top, "ref_2": summary})];
        clean.batch.group[0]["attribute"][0]["securityLabel"] = json!([{"name": "TLP:AMBER"}]);
        let mut hostile = clean.clone();
        let g = &mut hostile.batch.group[0];
        g["associatedIndicators"] = json!([{"summary": "own.example", "type": "Host"}]);
        g["associatedGroups"] = json!([{"id": 7}]);
        g["id"] = json!(7);
        g["attribute"][0]["owner"] = json!("Target Org");
        g["attribute"][0]["securityLabel"][0]["id"] = json!(3);
        g["securityLabel"][0]["owner"] = json!("System");
        g["tag"][0]["id"] = json!(11);
        let i = &mut hostile.batch.indicator[0];
        i["id"] = json!(8);
        i["associatedIndicators"] = json!([{"summary": "own.example"}]);
        i["associatedGroups"][0]["id"] = json!(7);
        hostile.batch.association[0]["id_2"] = json!(7);
        hostile.batch.association[0]["type_2"] = json!("Incident");
        hostile.batch.association.push(json!({"id_1": 7, "id_2": 8, "ref_1": top, "ref_2": summary}));
        assert_ne!(hostile.batch, clean.batch);

        for limits in [BatchLimits::default(), BatchLimits { max_bytes: 3_000, max_indicators: 2 }] {
            let jobs = split_batches_with(&hostile, limits).unwrap();
            assert!(limits == BatchLimits::default() || jobs.len() > 2, "small limits spill the groups: {}", jobs.len());
            for (k, job) in jobs.iter().enumerate() {
                pivot_testing::assert_batch_keys(&parse(job), "file", &format!("job {k}"));
            }
            let mut expected_clean = clean.clone();
            expected_clean.batch.association.push(json!({"ref_1": top, "ref_2": summary}));
            assert_eq!(jobs, split_batches_with(&expected_clean, limits).unwrap(), "the same jobs, byte for byte");
        }
    }
}

//! The target side: import a package (read, plan, batch jobs, dissociate, verify, record) and its import records.

use super::datastore::{ds_get, ds_put};
use super::lease::Lease;
use super::read::{read_items, v3_all};
use super::time::rfc3339;
use super::{ExecError, IMPORTS_TYPE, RESULT_LIMIT};
use crate::share::batch::{batch_settings, split_batches_with, BatchLimits};
use crate::share::json::text;
use crate::share::package::{validate, SharePackage};
use crate::share::plan::{associations, indicator_key, plan, prepare_import, Association, Endpoint, ImportPlan, TargetState};
use crate::share::verify::{verify, TargetReadBack, VerificationReport};
use crate::tc::batch::{run_batch_raw, BatchStep};
use crate::tc::request::HttpRequest;
use crate::tc::v3::{self, Collection};
use crate::tc::{Client, Transport};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The steps of an import, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Step {
    Validate,
    ReadTarget,
    Plan,
    CreateLabels,
    Batch,
    Dissociate,
    ReadBack,
    Verify,
    Record,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Self::Validate => "validating the package",
            Self::ReadTarget => "reading the target owner",
            Self::Plan => "planning",
            Self::CreateLabels => "creating security labels",
            Self::Batch => "batch jobs",
            Self::Dissociate => "removing old associations",
            Self::ReadBack => "reading the target back",
            Self::Verify => "verifying",
            Self::Record => "recording the import",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Plan only: read the target, write nothing.
    pub dry_run: bool,
    /// Batch limits (ThreatConnect's by default; tests use small ones to get many jobs).
    pub limits: BatchLimits,
    /// Status checks per batch job before giving up (1 s doubling to 30 s between them).
    pub max_polls: u32,
    /// Concurrent read requests.
    pub concurrency: usize,
    /// RFC 3339 time written to the import record.
    pub imported_at: String,
    /// The pull lease this import runs under: checked (and renewed) before every batch
    /// submission, every dissociation wave and the import record; lost means stop.
    pub lease: Option<Lease>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { dry_run: false, limits: BatchLimits::default(), max_polls: 40, concurrency: 4, imported_at: rfc3339(0), lease: None }
    }
}

/// One batch job as it ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    pub index: usize,
    pub batch_id: i64,
    pub bytes: usize,
    pub groups: usize,
    pub indicators: usize,
    pub status: String,
    pub success_count: i64,
    pub error_count: i64,
    pub unprocess_count: i64,
    /// `code: reason` per error line.
    pub errors: Vec<String>,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub group_name: String,
    pub source_xid: String,
    pub content_hash: String,
    pub dry_run: bool,
    pub plan: ImportPlan,
    pub labels_created: Vec<String>,
    pub jobs: Vec<JobReport>,
    pub dissociated: usize,
    pub verification: Option<VerificationReport>,
    /// The import record was written to the target's datastore.
    pub recorded: bool,
    pub warnings: Vec<String>,
}

impl ImportReport {
    /// Items the batch jobs reported as failed or not processed.
    pub fn items_failed(&self) -> usize {
        self.jobs.iter().map(|j| (j.error_count + j.unprocess_count).max(0) as usize).sum()
    }
    /// Every job ran without errors and the verification found nothing missing or extra.
    pub fn is_complete(&self) -> bool {
        !self.dry_run && self.items_failed() == 0 && self.verification.as_ref().is_some_and(|v| v.is_complete())
    }
    pub fn items_created(&self) -> usize {
        self.plan.groups_to_create.len() + self.plan.indicators_to_create.len()
    }
    pub fn items_updated(&self) -> usize {
        self.plan.groups_to_overwrite.len() + self.plan.indicators_to_overwrite.len()
    }
}

/// The import record's id in the target datastore: one per target owner and source group xid.
pub fn import_record_id(target_owner: &str, group_xid: &str) -> String {
    format!("{}|{}", target_owner.trim(), group_xid)
}

/// The last import of a package into an owner, as recorded.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImportRecord {
    pub content_hash: String,
    pub complete: bool,
    pub associations: BTreeSet<Association>,
}

pub(super) fn read_import_record(v: &Value) -> ImportRecord {
    ImportRecord {
        content_hash: text(v, "contentHash").unwrap_or_default().to_string(),
        complete: v.get("complete").and_then(Value::as_bool).unwrap_or(false),
        associations: v
            .get("associations")
            .and_then(|a| serde_json::from_value::<Vec<Association>>(a.clone()).ok())
            .map(|a| a.into_iter().collect())
            .unwrap_or_default(),
    }
}

/// The recorded last import of a package (by its source group xid) into `target_owner`.
pub async fn import_record<T: Transport>(client: &Client<T>, target_owner: &str, group_xid: &str) -> Result<Option<ImportRecord>, ExecError> {
    Ok(ds_get(client, IMPORTS_TYPE, &import_record_id(target_owner, group_xid)).await?.map(|v| read_import_record(&v)))
}

/// Group xids and indicator summaries an association set touches.
fn touched(set: &BTreeSet<Association>, xids: &mut BTreeSet<String>, summaries: &mut BTreeSet<String>) {
    for a in set {
        xids.insert(a.group_xid.clone());
        match &a.other {
            Endpoint::Group { xid } => {
                xids.insert(xid.clone());
            }
            Endpoint::Indicator { summary, .. } => {
                summaries.insert(summary.clone());
            }
        }
    }
}

fn package_keys(pkg: &SharePackage) -> (BTreeSet<String>, BTreeSet<String>) {
    let xids = pkg.batch.group.iter().filter_map(|g| text(g, "xid")).map(str::to_string).collect();
    let summaries = pkg.batch.indicator.iter().filter_map(|i| text(i, "summary")).map(str::to_string).collect();
    (xids, summaries)
}

/// Import a package file into `target_owner`: [`validate`] first (a refused
/// package writes nothing), then [`import_package`].
pub async fn import<T: Transport>(
    client: &Client<T>,
    package_bytes: &[u8],
    target_owner: &str,
    progress: &dyn Fn(Step, usize, usize),
    opts: &ImportOptions,
) -> Result<ImportReport, ExecError> {
    progress(Step::Validate, 0, 1);
    let pkg = validate(package_bytes)?;
    progress(Step::Validate, 1, 1);
    import_package(client, &pkg, target_owner, progress, opts).await
}

/// Import a validated package: read the target (groups by xid, indicators by
/// summary, labels, attribute types, the previous import record), plan (a dry
/// run stops here), create missing labels, run the batch jobs one after another
/// (job 0 creates every group the later jobs reference), dissociate what the
/// previous version had and this one has not, read back, verify, and record the
/// import (hash, completeness, association set) in the target's datastore.
pub async fn import_package<T: Transport>(
    client: &Client<T>,
    pkg: &SharePackage,
    target_owner: &str,
    progress: &dyn Fn(Step, usize, usize),
    opts: &ImportOptions,
) -> Result<ImportReport, ExecError> {
    let owner = target_owner.trim();
    if owner.is_empty() {
        return Err(ExecError::Invalid("the target owner is empty".into()));
    }
    let conc = opts.concurrency.max(1);
    let current = associations(pkg);
    let (mut xids, mut summaries) = package_keys(pkg);

    // Labels, attribute types and the previous record together; the items once
    // the record says which old associations may have to be removed.
    let labels_req = v3_all(client, HttpRequest::get("/v3/securityLabels").query("resultLimit", RESULT_LIMIT.to_string()));
    let types_req = v3_all(client, HttpRequest::get("/v3/attributeTypes").query("resultLimit", RESULT_LIMIT.to_string()));
    let items = async {
        let previous = import_record(client, owner, &pkg.header.group.xid).await?;
        let prev_assoc = previous.as_ref().map(|r| r.associations.clone()).unwrap_or_default();
        let removed: BTreeSet<Association> = prev_assoc.difference(&current).cloned().collect();
        touched(&removed, &mut xids, &mut summaries);
        let read = read_items(client, owner, &xids, &summaries, false, conc, &|d, t| progress(Step::ReadTarget, d, t)).await?;
        Ok::<_, ExecError>((prev_assoc, read))
    };
    let (labels, types, items) = futures::future::join3(labels_req, types_req, items).await;
    let (previous_associations, (groups, indicators)) = items?;
    let state = TargetState {
        owner: owner.to_string(),
        groups,
        indicators,
        security_labels: labels?,
        attribute_types: Some(types?),
        previous_associations,
    };
    progress(Step::Plan, 0, 1);
    let mut the_plan = plan(pkg, &state);
    let prepared = prepare_import(pkg, &the_plan);
    let jobs = split_batches_with(&prepared, opts.limits)?;
    the_plan.batch_jobs = jobs.len();
    progress(Step::Plan, 1, 1);
    let mut report = ImportReport {
        group_name: pkg.header.group.name.clone(),
        source_xid: pkg.header.group.xid.clone(),
        content_hash: pkg.header.content_hash.clone(),
        dry_run: opts.dry_run,
        plan: the_plan,
        labels_created: vec![],
        jobs: vec![],
        dissociated: 0,
        verification: None,
        recorded: false,
        warnings: vec![],
    };
    if opts.dry_run {
        return Ok(report);
    }

    // Security labels the target lacks (the batch only names them).
    if !report.plan.labels_to_create.is_empty() {
        hold_lease(client, opts).await?;
        let defs = label_definitions(pkg);
        let n = report.plan.labels_to_create.len();
        progress(Step::CreateLabels, 0, n);
        let futs: Vec<_> = report
            .plan
            .labels_to_create
            .iter()
            .map(|name| {
                let body = defs.get(name).cloned().unwrap_or_else(|| json!({"name": name}));
                async move { (name.clone(), client.json(HttpRequest::post("/v3/securityLabels").json(&body)).await) }
            })
            .collect();
        for (name, r) in futures::future::join_all(futs).await {
            match r {
                Ok(_) => report.labels_created.push(name),
                Err(e) => report.warnings.push(format!("could not create security label {name}: {e}")),
            }
        }
        progress(Step::CreateLabels, n, n);
    }

    // Batch jobs, in order.
    let settings = batch_settings(owner);
    let total = jobs.len();
    progress(Step::Batch, 0, total);
    for job in jobs {
        hold_lease(client, opts).await?;
        let (index, groups, indicators, bytes) = (job.index, job.group_count, job.indicator_count, job.payload.len());
        let out = run_batch_raw(client, &settings, job.payload, opts.max_polls, &|s: BatchStep| {
            if let BatchStep::Polled { .. } = s {
                progress(Step::Batch, index, total);
            }
        })
        .await?;
        report.jobs.push(JobReport {
            index,
            batch_id: out.status.id,
            bytes,
            groups,
            indicators,
            status: out.status.status.clone(),
            success_count: out.status.success_count,
            error_count: out.status.error_count,
            unprocess_count: out.status.unprocess_count,
            errors: out
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.error_code.as_deref().unwrap_or("error"), e.error_message))
                .collect(),
        });
        progress(Step::Batch, index + 1, total);
    }

    // Read the target back (after dissociating, so removals are checked too).
    let removed = report.plan.associations_to_remove.clone();
    if !removed.is_empty() {
        report.dissociated = dissociate(client, owner, &removed, &state, conc, opts, progress).await?;
    }
    let read = read_items(client, owner, &xids, &summaries, true, conc, &|d, t| progress(Step::ReadBack, d, t)).await?;
    progress(Step::Verify, 0, 1);
    let rb = TargetReadBack { groups: read.0, indicators: read.1, dissociated: removed };
    let verification = verify(&prepared, &rb);
    progress(Step::Verify, 1, 1);
    let complete = report.items_failed() == 0 && verification.is_complete();
    report.verification = Some(verification);

    // Record only now: an interrupted import is retried by the next pull.
    hold_lease(client, opts).await?;
    progress(Step::Record, 0, 1);
    let h = &pkg.header;
    let record = json!({
        "sourceXid": h.group.xid, "targetOwner": owner, "contentHash": h.content_hash,
        "complete": complete, "importedAt": opts.imported_at,
        "sourceInstance": h.source.instance_id, "sourceOwner": h.source.owner,
        "sourceGroupId": h.group.id, "groupName": h.group.name, "publishedAt": h.published_at,
        "associations": current.iter().collect::<Vec<_>>(),
    });
    ds_put(client, IMPORTS_TYPE, &import_record_id(owner, &h.group.xid), &record).await?;
    report.recorded = true;
    progress(Step::Record, 1, 1);
    Ok(report)
}

/// Under a lease, the next write goes ahead only if the lease is still this run's.
async fn hold_lease<T: Transport>(client: &Client<T>, opts: &ImportOptions) -> Result<(), ExecError> {
    match &opts.lease {
        Some(lease) => super::lease::hold(client, lease).await,
        None => Ok(()),
    }
}

/// name -> `{name, color, description}` as the package describes the labels.
fn label_definitions(pkg: &SharePackage) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut add = |v: &Value| {
        for l in v.get("securityLabel").and_then(Value::as_array).into_iter().flatten() {
            if let Some(n) = text(l, "name") {
                out.entry(n.to_string()).or_insert_with(|| l.clone());
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

/// Removes associations in the target (one `PUT /v3/groups/{id}` per group with
/// `mode: delete`); an item or link already gone counts as done (404).
async fn dissociate<T: Transport>(
    client: &Client<T>,
    owner: &str,
    removed: &[Association],
    state: &TargetState,
    conc: usize,
    opts: &ImportOptions,
    progress: &dyn Fn(Step, usize, usize),
) -> Result<usize, ExecError> {
    let group_ids: BTreeMap<&str, i64> = state
        .groups
        .iter()
        .filter_map(|g| Some((text(g, "xid")?, crate::tc::json::as_i64(g.get("id")?)?)))
        .collect();
    let ind_ids: BTreeMap<(String, String), i64> = state
        .indicators
        .iter()
        .filter_map(|i| Some((indicator_key(text(i, "type")?, text(i, "summary")?), crate::tc::json::as_i64(i.get("id")?)?)))
        .collect();
    // group id -> (indicator ids, group ids) to unlink
    let mut per_group: BTreeMap<i64, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    let mut n = 0;
    for a in removed {
        let Some(gid) = group_ids.get(a.group_xid.as_str()) else { n += 1; continue }; // group gone: link gone
        match &a.other {
            Endpoint::Group { xid } => match group_ids.get(xid.as_str()) {
                Some(o) => per_group.entry(*gid).or_default().1.push(*o),
                None => n += 1,
            },
            Endpoint::Indicator { indicator_type, summary } => match ind_ids.get(&indicator_key(indicator_type, summary)) {
                Some(i) => per_group.entry(*gid).or_default().0.push(*i),
                None => n += 1,
            },
        }
    }
    let total = per_group.len();
    progress(Step::Dissociate, 0, total);
    let futs: Vec<_> = per_group
        .into_iter()
        .map(|(gid, (inds, groups))| async move {
            let mut body = serde_json::Map::new();
            if !inds.is_empty() {
                body.insert("associatedIndicators".into(), v3::nested("associatedIndicators", inds.iter().map(|i| json!({"id": i})).collect(), v3::Mode::Delete)["associatedIndicators"].clone());
            }
            if !groups.is_empty() {
                body.insert("associatedGroups".into(), v3::nested("associatedGroups", groups.iter().map(|g| json!({"id": g})).collect(), v3::Mode::Delete)["associatedGroups"].clone());
            }
            let count = inds.len() + groups.len();
            let r = client.json(v3::update(Collection::Groups, gid, &Value::Object(body)).owner(Some(owner))).await;
            match r {
                Ok(_) => Ok(count),
                Err(e) if e.is_not_found() => Ok(count),
                Err(e) => Err(e),
            }
        })
        .collect();
    // In waves of `conc`, the lease checked before each.
    let mut futs = futs.into_iter().peekable();
    while futs.peek().is_some() {
        let wave: Vec<_> = futs.by_ref().take(conc.max(1)).collect();
        hold_lease(client, opts).await?;
        for r in futures::future::join_all(wave).await {
            n += r?;
        }
    }
    progress(Step::Dissociate, total, total);
    Ok(n)
}

//! The target side: import a package (read, plan, batch jobs, dissociate, verify, record) and its import records.

use super::error::ExecError;
use super::lease::Lease;
use super::read::{read_items, Fields};
use super::records::{DOMAIN, IMPORTS_PAGE_BYTES, IMPORTS_TYPE, IMPORT_RECORD_BYTES};
use crate::jobs::{batch_settings, link_settings, BatchLimits};
use crate::json::text;
use crate::package::{file_digest, label_definitions, validate, SharePackage};
use crate::plan::{
    associations, check_published_at, indicator_key, package_labels, plan, prepare_import, Association, Endpoint, ImportPlan, ImportRecord,
    PendingJob, TargetState, Trust,
};
use crate::verify::{verify, TargetReadBack, VerificationReport};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use threatconnect::item::nested;
use threatconnect::time::rfc3339;
use threatconnect::{BatchStep, Client, Error as TcError, Mode, Transport};

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
    /// The package's source instance and owner were checked against the operator's
    /// configuration (the pull sets this); a file's header is only what it claims.
    pub source_verified: bool,
    /// How items other sources or the target itself own are treated.
    pub trust: Trust,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            limits: BatchLimits::default(),
            max_polls: 40,
            concurrency: 4,
            imported_at: rfc3339(0),
            lease: None,
            source_verified: false,
            trust: Trust::default(),
        }
    }
}

/// One batch job as it ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    pub index: usize,
    pub batch_id: i64,
    /// Written with Append (linked-only items), not Replace.
    pub append: bool,
    /// A job an earlier run left running, awaited by its id instead of submitted again.
    pub resumed: bool,
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
    /// Why an import that ran is not complete.
    pub fn failure_message(&self) -> String {
        let mut parts = Vec::new();
        let f = self.items_failed();
        if f > 0 {
            parts.push(format!("{f} item(s) failed in the batch jobs"));
        }
        if let Some(v) = &self.verification {
            if !v.is_complete() {
                parts.push(format!("verification found {} difference(s)", v.differences.len()));
            }
        }
        if parts.is_empty() {
            parts.push("not verified".into());
        }
        parts.join("; ")
    }
    pub fn items_created(&self) -> usize {
        self.plan.groups_to_create.len() + self.plan.indicators_to_create.len()
    }
    pub fn items_updated(&self) -> usize {
        self.plan.groups_to_overwrite.len() + self.plan.indicators_to_overwrite.len()
    }
}

/// The import record's id in the target datastore: one per target owner, source
/// instance and source group xid, so one package can never take over another's record.
pub fn import_record_id(target_owner: &str, source_instance: &str, group_xid: &str) -> String {
    format!("{}|{}|{}", target_owner.trim(), source_instance.trim(), group_xid)
}

/// Every import record of `target_owner`, by record id.
pub async fn import_records<T: Transport>(client: &Client<T>, target_owner: &str) -> Result<BTreeMap<String, ImportRecord>, ExecError> {
    let owner = target_owner.trim();
    Ok(client
        .datastore_all(DOMAIN, IMPORTS_TYPE, 100, IMPORTS_PAGE_BYTES)
        .await?
        .into_iter()
        .filter(|(_, v)| text(v, "targetOwner").is_some_and(|o| o.eq_ignore_ascii_case(owner)))
        .map(|(id, v)| (id, ImportRecord::from_json(&v)))
        .collect())
}

/// The recorded last import of a package (source instance, group xid) into `target_owner`.
pub async fn import_record<T: Transport>(
    client: &Client<T>,
    target_owner: &str,
    source_instance: &str,
    group_xid: &str,
) -> Result<Option<ImportRecord>, ExecError> {
    let id = import_record_id(target_owner, source_instance, group_xid);
    Ok(client.datastore_get(DOMAIN, IMPORTS_TYPE, &id, IMPORT_RECORD_BYTES).await?.map(|v| ImportRecord::from_json(&v)))
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

/// Import a validated package: read the target (groups by xid, indicators by summary,
/// with their labels; labels, attribute types and every import record of the owner),
/// plan (a dry run stops here; so does a refused published group), record the intent,
/// create missing labels, run the batch jobs one after another (the Replace jobs, then
/// the Append jobs of linked-only items; a job an earlier run left running is awaited by
/// its id), dissociate what the previous version had and this one has not, read back,
/// verify, and record the import in the target's datastore.
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
    // Before any request: a date in the future would outrank every real publication.
    check_published_at(pkg, client.now())?;
    let h = &pkg.header;
    let conc = opts.concurrency.max(1);
    let current = associations(pkg);
    let (mut xids, mut summaries) = package_keys(pkg);
    let record_id = import_record_id(owner, &h.source.instance_id, &h.group.xid);

    // Labels, attribute types and the records together; the items once the previous
    // record says which old associations may have to be removed.
    let labels_req = client.v3_security_labels_as_sent();
    let types_req = client.v3_attribute_types_as_sent();
    let owners_req = client.v3_owners_as_sent();
    let items = async {
        let mut records = import_records(client, owner).await?;
        let previous = records.remove(&record_id);
        let prev_assoc = previous.as_ref().map(|r| r.associations.clone()).unwrap_or_default();
        let removed: BTreeSet<Association> = prev_assoc.difference(&current).cloned().collect();
        touched(&removed, &mut xids, &mut summaries);
        let read = read_items(client, owner, &xids, &summaries, Fields::Labels, conc, &|d, t| progress(Step::ReadTarget, d, t)).await?;
        Ok::<_, ExecError>((previous, records.into_values().collect::<Vec<_>>(), read))
    };
    let (labels, types, owners, items) = futures::future::join4(labels_req, types_req, owners_req, items).await;
    let mut owner_warning = None;
    match owners {
        Ok(list) => check_writable(&list, owner)?,
        Err(e) => owner_warning = Some(format!("could not read the owners this API user may write to ({e}); the batch jobs will say")),
    }
    let (previous, others, (groups, indicators)) = items?;
    if let Some(p) = previous.as_ref().filter(|p| p.source_verified && !opts.source_verified) {
        return Err(ExecError::Invalid(format!(
            "nothing imported: {owner} holds this package (instance \"{}\", group {}) from a verified pull, published {}; \
             a file claiming the same source and group does not replace it",
            h.source.instance_id, h.group.xid, p.published_at
        )));
    }
    let state = TargetState {
        owner: owner.to_string(),
        groups,
        indicators,
        security_labels: labels?,
        attribute_types: Some(types?),
        previous_associations: previous.as_ref().map(|r| r.associations.clone()).unwrap_or_default(),
        previous_labels: previous.as_ref().map(|r| r.labels.clone()).unwrap_or_default(),
        others,
        previous_items: previous.as_ref().map(ImportRecord::items).unwrap_or_default(),
        trust: opts.trust,
        source_verified: opts.source_verified,
    };
    progress(Step::Plan, 0, 1);
    let mut the_plan = plan(pkg, &state);
    the_plan.warnings.extend(owner_warning);
    the_plan.source_verified = opts.source_verified;
    if !opts.source_verified {
        the_plan.warnings.push(format!(
            "the source (instance \"{}\", owner \"{}\") is only what this file claims, not verified: import files only from a source you trust",
            h.source.instance_id, h.source.owner
        ));
    }
    let prepared = prepare_import(pkg, &the_plan);
    let jobs = prepared.jobs(opts.limits)?;
    the_plan.batch_jobs = jobs.len();
    progress(Step::Plan, 1, 1);
    if let Some(top) = the_plan.refused.iter().find(|n| n.item.xid == h.group.xid) {
        return Err(ExecError::Invalid(format!("nothing imported: the package's own group is left alone ({top})")));
    }
    let mut report = ImportReport {
        group_name: h.group.name.clone(),
        source_xid: h.group.xid.clone(),
        content_hash: h.content_hash.clone(),
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

    // Intent, before the first write: every link this run may leave (the previous
    // version's and this one's) and every label it may have put, so a re-run of a changed
    // package removes what an interrupted one added; and the jobs an earlier run of this
    // same package left running.
    let made = associations(&prepared.package);
    let mut record = ImportRecord::of(pkg);
    record.source_verified = opts.source_verified;
    record.labels = written_labels(pkg, &report.plan);
    let mut intent = record.clone();
    intent.associations = state.previous_associations.union(&made).cloned().collect();
    for (k, v) in &state.previous_labels {
        intent.labels.entry(k.clone()).or_default().extend(v.iter().cloned());
    }
    if let Some(p) = previous.as_ref().filter(|p| p.content_hash == h.content_hash) {
        intent.pending_jobs = p.pending_jobs.clone();
    }
    hold_lease(client, opts).await?;
    client.datastore_put(DOMAIN, IMPORTS_TYPE, &record_id, &intent.to_json(owner, pkg, &opts.imported_at)).await?;

    // Security labels the target lacks (the batch only names them).
    if !report.plan.labels_to_create.is_empty() {
        hold_lease(client, opts).await?;
        let defs = label_definitions(pkg)?;
        let n = report.plan.labels_to_create.len();
        progress(Step::CreateLabels, 0, n);
        let futs: Vec<_> = report
            .plan
            .labels_to_create
            .iter()
            .map(|name| {
                // Name, colour and description only, whatever else the package said of the label.
                let body = defs.get(name).map(|l| l.create_body()).unwrap_or_else(|| json!({"name": name}));
                async move { (name.clone(), client.v3_create_security_label(&body).await) }
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
    let total = jobs.len();
    progress(Step::Batch, 0, total);
    for (job, append) in jobs {
        let (index, groups, indicators, bytes) = (job.index, job.group_count, job.indicator_count, job.payload.len());
        let digest = file_digest(&job.payload);
        let pending = intent.pending_jobs.iter().find(|p| p.index == index && p.digest == digest).map(|p| p.batch_id);
        let created = std::cell::Cell::new(pending);
        let on_step = |s: BatchStep| match s {
            BatchStep::Created { batch_id } => created.set(Some(batch_id)),
            BatchStep::Polled { .. } => progress(Step::Batch, index, total),
            _ => {}
        };
        hold_lease(client, opts).await?;
        let out = match pending {
            Some(id) => client.poll_batch(id, opts.max_polls, &on_step).await,
            None => {
                let settings = if append { link_settings(owner) } else { batch_settings(owner) };
                client.run_batch_raw(&settings, job.payload, opts.max_polls, &on_step).await
            }
        };
        let out = match (out, created.get()) {
            (Ok(o), _) => o,
            // Still running after the poll window: the next run waits for it by its id.
            (Err(e @ TcError::Http { status: 202, .. }), Some(batch_id)) => {
                intent.pending_jobs.retain(|p| p.index != index);
                intent.pending_jobs.push(PendingJob { index, batch_id, digest });
                // Like every import-record write: only while the lease is still this run's.
                hold_lease(client, opts).await?;
                client.datastore_put(DOMAIN, IMPORTS_TYPE, &record_id, &intent.to_json(owner, pkg, &opts.imported_at)).await?;
                return Err(e.into());
            }
            (Err(e), _) => return Err(e.into()),
        };
        report.jobs.push(JobReport {
            index,
            batch_id: out.status.id,
            append,
            resumed: pending.is_some(),
            bytes,
            groups,
            indicators,
            status: out.status.status.clone(),
            success_count: out.status.success_count,
            error_count: out.status.error_count,
            unprocess_count: out.status.unprocess_count,
            errors: out.errors.iter().map(|e| format!("{}: {}", e.error_code.as_deref().unwrap_or("error"), e.error_message)).collect(),
        });
        progress(Step::Batch, index + 1, total);
    }

    // Read the target back (after dissociating, so removals are checked too).
    let removed = report.plan.associations_to_remove.clone();
    if !removed.is_empty() {
        report.dissociated = dissociate(client, owner, &removed, &state, conc, opts, progress).await?;
    }
    let read = read_items(client, owner, &xids, &summaries, Fields::All, conc, &|d, t| progress(Step::ReadBack, d, t)).await?;
    progress(Step::Verify, 0, 1);
    let rb = TargetReadBack { groups: read.0, indicators: read.1, dissociated: removed };
    let verification = verify(&prepared.package, &rb);
    progress(Step::Verify, 1, 1);
    record.complete = report.items_failed() == 0 && verification.is_complete();
    record.associations = made;
    report.verification = Some(verification);

    // Complete only now: an interrupted import is retried by the next pull.
    hold_lease(client, opts).await?;
    progress(Step::Record, 0, 1);
    client.datastore_put(DOMAIN, IMPORTS_TYPE, &record_id, &record.to_json(owner, pkg, &opts.imported_at)).await?;
    report.recorded = true;
    progress(Step::Record, 1, 1);
    Ok(report)
}

/// The target owner must be one the API user sees and may write groups and indicators to
/// (`permGroup` and `permIndicator` `FULL` in `GET /v3/security/owners`, as documented);
/// Source owners usually are read-only. Refused before anything is written.
fn check_writable(owners: &[Value], owner: &str) -> Result<(), ExecError> {
    let Some(o) = owners.iter().find(|o| text(o, "name").is_some_and(|n| n.eq_ignore_ascii_case(owner))) else {
        let seen: Vec<&str> = owners.iter().filter_map(|o| text(o, "name")).collect();
        return Err(ExecError::Invalid(format!("the target owner \"{owner}\" is not one this API user belongs to (it sees: {})", seen.join(", "))));
    };
    let read_only: Vec<&str> =
        ["permGroup", "permIndicator"].into_iter().filter(|k| o.get(*k).and_then(Value::as_str).is_some_and(|p| p != "FULL")).collect();
    if !read_only.is_empty() {
        let kind = text(o, "type").unwrap_or("owner");
        return Err(ExecError::Invalid(format!(
            "the target owner \"{owner}\" ({kind}) is read-only for this API user ({}): nothing imported; choose an Organization or a Community it may write to",
            read_only.join(", ")
        )));
    }
    Ok(())
}

/// The labels this import puts on items: the package's, on the items it writes (not the
/// refused or linked-only ones). Kept labels are the target's own and not recorded.
fn written_labels(pkg: &SharePackage, plan: &ImportPlan) -> BTreeMap<Endpoint, BTreeSet<String>> {
    let skip: BTreeSet<&str> = plan.refused.iter().chain(plan.linked_only.iter()).map(|n| n.item.xid.as_str()).collect();
    let mut xid_of: BTreeMap<Endpoint, &str> = BTreeMap::new();
    for g in &pkg.batch.group {
        if let Some(x) = text(g, "xid") {
            xid_of.insert(Endpoint::Group { xid: x.to_string() }, x);
        }
    }
    for i in &pkg.batch.indicator {
        if let (Some(x), Some(t), Some(s)) = (text(i, "xid"), text(i, "type"), text(i, "summary")) {
            let (indicator_type, summary) = indicator_key(t, s);
            xid_of.insert(Endpoint::Indicator { indicator_type, summary }, x);
        }
    }
    package_labels(pkg).into_iter().filter(|(e, _)| xid_of.get(e).is_none_or(|x| !skip.contains(x))).collect()
}

/// Under a lease, the next write goes ahead only if the lease is still this run's.
async fn hold_lease<T: Transport>(client: &Client<T>, opts: &ImportOptions) -> Result<(), ExecError> {
    match &opts.lease {
        Some(lease) => super::lease::hold(client, lease).await,
        None => Ok(()),
    }
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
    let group_ids: BTreeMap<&str, i64> =
        state.groups.iter().filter_map(|g| Some((text(g, "xid")?, threatconnect::decode::as_i64(g.get("id")?)?))).collect();
    let ind_ids: BTreeMap<(String, String), i64> = state
        .indicators
        .iter()
        .filter_map(|i| Some((indicator_key(text(i, "type")?, text(i, "summary")?), threatconnect::decode::as_i64(i.get("id")?)?)))
        .collect();
    // group id -> (indicator ids, group ids) to unlink
    let mut per_group: BTreeMap<i64, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    let mut n = 0;
    for a in removed {
        let Some(gid) = group_ids.get(a.group_xid.as_str()) else {
            n += 1;
            continue;
        }; // group gone: link gone
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
                body.insert(
                    "associatedIndicators".into(),
                    nested("associatedIndicators", inds.iter().map(|i| json!({"id": i})).collect(), Mode::Delete)["associatedIndicators"].clone(),
                );
            }
            if !groups.is_empty() {
                body.insert(
                    "associatedGroups".into(),
                    nested("associatedGroups", groups.iter().map(|g| json!({"id": g})).collect(), Mode::Delete)["associatedGroups"].clone(),
                );
            }
            let count = inds.len() + groups.len();
            let r = client.v3_update_group_as_sent(gid, &Value::Object(body), Some(owner)).await;
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

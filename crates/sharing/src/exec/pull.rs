//! The scheduled pull (skip what is already imported, import the rest) and its summary, built on the import.

use super::error::ExecError;
use super::import::{import_package, import_record_id, ImportOptions, ImportReport, Step};
use super::lease::{self, DEFAULT_LEASE_SECS, MIN_SETTLE_MS};
use super::publish::{list_published, published_package, PublishedRecord};
use super::records::DOMAIN;
use super::records::{IMPORTS_PAGE_BYTES, IMPORTS_TYPE};
use crate::package::validate;
use crate::plan::check_published_at;
use crate::plan::ImportRecord;
use crate::verify::Difference;
use serde::Serialize;
use std::collections::BTreeMap;
use threatconnect::{Client, Transport};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::Warn => "WARN",
            Self::Info => "INFO",
            Self::Debug => "DEBUG",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "ERROR" => Some(Self::Error),
            "WARN" | "WARNING" => Some(Self::Warn),
            "INFO" => Some(Self::Info),
            "DEBUG" | "TRACE" => Some(Self::Debug),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Plan every new or changed package, write nothing (no lease either).
    pub dry_run: bool,
    /// Epoch seconds when the run started.
    pub now: u64,
    /// The pull lease on the target owner lapses this long after its last renewal, so a
    /// run killed or cut off by a reboot blocks the next one for minutes, not hours.
    pub lease_secs: u64,
    /// The least wait between writing the lease and reading it back (it grows with how
    /// long the datastore took to answer).
    pub settle_ms: u64,
    /// A monotonic clock in milliseconds, to time the datastore (`|| 0`: only `settle_ms`).
    pub elapsed_ms: fn() -> u64,
    /// This run's unique id (host, process, start), named to another run that finds the lease held.
    pub run_id: String,
    /// The source instance's configured id: a package whose header names another is refused.
    pub source_instance_id: String,
    /// Owners of the source besides its organization (Communities, Sources) whose published
    /// groups are accepted too.
    pub also_source_owners: Vec<String>,
    /// Also import version 1 packages (refused by default: their associated groups' xids
    /// cannot be checked; imported, existing groups they name are linked only).
    pub accept_version_1: bool,
    pub import: ImportOptions,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            now: 0,
            lease_secs: DEFAULT_LEASE_SECS,
            settle_ms: MIN_SETTLE_MS,
            elapsed_ms: || 0,
            run_id: "pivot-share".into(),
            source_instance_id: String::new(),
            accept_version_1: false,
            also_source_owners: Vec::new(),
            import: ImportOptions::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Imported,
    Skipped,
    Failed,
    Planned,
}

/// One published package in a pull.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageOutcome {
    pub group_id: u64,
    pub group_type: String,
    pub group_name: String,
    pub content_hash: String,
    pub outcome: Outcome,
    pub message: String,
    pub items_created: usize,
    pub items_updated: usize,
    pub items_failed: usize,
    /// Batch jobs run (planned, in a dry run).
    pub batch_jobs: usize,
    /// Differences the verification found.
    pub differences: usize,
    /// The whole report (not in the JSON summary: its plan lists every item).
    #[serde(skip)]
    pub report: Option<ImportReport>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullSummary {
    pub dry_run: bool,
    pub packages_seen: usize,
    pub packages_imported: usize,
    pub packages_skipped: usize,
    pub packages_failed: usize,
    pub packages_planned: usize,
    pub items_created: usize,
    pub items_updated: usize,
    pub items_failed: usize,
    /// The run found an invalid lease record and took the lease over: what was wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_replaced: Option<String>,
    pub packages: Vec<PackageOutcome>,
}

impl PullSummary {
    /// Exit code 0: everything imported, skipped (or planned).
    pub fn is_success(&self) -> bool {
        self.packages_failed == 0
    }

    fn add(&mut self, o: PackageOutcome) {
        match o.outcome {
            Outcome::Imported => self.packages_imported += 1,
            Outcome::Skipped => self.packages_skipped += 1,
            Outcome::Failed => self.packages_failed += 1,
            Outcome::Planned => self.packages_planned += 1,
        }
        self.items_created += o.items_created;
        self.items_updated += o.items_updated;
        self.items_failed += o.items_failed;
        self.packages.push(o);
    }
}

/// One scheduled run: take the pull lease on the target owner, list the packages published
/// in the source, skip those whose content hash the target already recorded as completely
/// imported, check and import the others (one after another), release the lease. A failure
/// of one package does not stop the others. `Err` only when the run could not start (lease
/// held by another run, source or target unreachable).
pub async fn pull<S: Transport, T: Transport>(
    source: &Client<S>,
    source_org: &str,
    target: &Client<T>,
    target_owner: &str,
    opts: &PullOptions,
    log: &dyn Fn(Level, &str),
) -> Result<PullSummary, ExecError> {
    pull_watched(source, source_org, target, target_owner, opts, log, &|_| {}).await
}

/// [`pull`], telling `on_lease` the lease once taken and `None` before it is released
/// (`pivot-share` renews it from a heartbeat and releases it on SIGINT/SIGTERM).
pub async fn pull_watched<S: Transport, T: Transport>(
    source: &Client<S>,
    source_org: &str,
    target: &Client<T>,
    target_owner: &str,
    opts: &PullOptions,
    log: &dyn Fn(Level, &str),
    on_lease: &dyn Fn(Option<&lease::Lease>),
) -> Result<PullSummary, ExecError> {
    if opts.dry_run {
        return pull_locked(source, source_org, target, target_owner, opts, log).await;
    }
    let held = lease::acquire(target, target_owner, &opts.run_id, opts.lease_secs, opts.settle_ms, &opts.elapsed_ms).await?;
    if let Some(why) = &held.replaced {
        log(Level::Warn, &format!("the pull lease record {} was invalid ({why}): taken over as if free", lease::lease_record_name(target_owner)));
    }
    log(Level::Info, &format!("pull lease on {} taken as {} for {} s", held.target_owner, held.run_id, held.secs));
    let mut leased = opts.clone();
    leased.import.lease = Some(held.clone());
    on_lease(Some(&held));
    let result = pull_locked(source, source_org, target, target_owner, &leased, log).await;
    on_lease(None);
    match lease::release(target, &held).await {
        Ok(lease::Released::Deleted) => {}
        Ok(lease::Released::NotOurs) => log(Level::Warn, "the pull lease was no longer this run's at the end: left as it is"),
        Ok(lease::Released::Lapsed) => log(Level::Warn, "the pull lease had lapsed at the end of the run: left to lapse, not deleted"),
        Err(e) => log(Level::Warn, &format!("could not release the pull lease (it lapses by itself): {e}")),
    }
    result.map(|mut s| {
        s.lease_replaced = held.replaced.clone();
        s
    })
}

async fn pull_locked<S: Transport, T: Transport>(
    source: &Client<S>,
    source_org: &str,
    target: &Client<T>,
    target_owner: &str,
    opts: &PullOptions,
    log: &dyn Fn(Level, &str),
) -> Result<PullSummary, ExecError> {
    let owner = target_owner.trim();
    let (published, imports) =
        futures::future::join(list_published(source), target.datastore_all(DOMAIN, IMPORTS_TYPE, 100, IMPORTS_PAGE_BYTES)).await;
    let published = published?;
    let imports: BTreeMap<String, ImportRecord> = imports?.into_iter().map(|(id, v)| (id, ImportRecord::from_json(&v))).collect();
    let mut summary = PullSummary { dry_run: opts.dry_run, packages_seen: published.len(), ..Default::default() };
    log(Level::Info, &format!("{} package(s) published in the source", published.len()));
    for rec in published {
        let mut o = PackageOutcome {
            group_id: rec.group_id,
            group_type: rec.group_type.clone(),
            group_name: rec.group_name.clone(),
            content_hash: rec.content_hash.clone(),
            outcome: Outcome::Failed,
            message: String::new(),
            items_created: 0,
            items_updated: 0,
            items_failed: 0,
            batch_jobs: 0,
            differences: 0,
            report: None,
        };
        let what = format!("{} {} (group {})", rec.group_type, rec.group_name, rec.group_id);
        let accepted = |owner: &str| {
            std::iter::once(source_org)
                .chain(opts.also_source_owners.iter().map(String::as_str))
                .any(|o| !o.trim().is_empty() && o.trim().eq_ignore_ascii_case(owner.trim()))
        };
        if !accepted(&rec.source_owner) {
            o.message = format!(
                "published by \"{}\", not by the configured source organization \"{}\" or its listed owners",
                rec.source_owner,
                source_org.trim()
            );
            log(Level::Error, &format!("{what}: {}", o.message));
            summary.add(o);
            continue;
        }
        if let Some(prev) = imports.get(&import_record_id(owner, &opts.source_instance_id, &rec.group_xid)) {
            // A file import of the same content is no reason to skip: the pull records it as verified.
            if prev.complete && prev.source_verified && prev.content_hash == rec.content_hash && !rec.content_hash.is_empty() {
                o.outcome = Outcome::Skipped;
                o.message = "unchanged since the last complete import".into();
                log(Level::Info, &format!("{what}: skipped, {}", o.message));
                summary.add(o);
                continue;
            }
        }
        // Only now the package itself (the listing read the small heads only).
        let fetched = match published_package(source, rec.group_id).await {
            Ok(Some(text)) => validate(text.as_bytes()).map_err(|e| e.to_string()),
            Ok(None) => Err("listed, but its package is gone (unpublished meanwhile?)".to_string()),
            Err(e) => Err(format!("could not fetch the package: {e}")),
        };
        let pkg = match fetched {
            Ok(p) => p,
            Err(e) => {
                o.message = e;
                log(Level::Error, &format!("{what}: {}", o.message));
                summary.add(o);
                continue;
            }
        };
        // What the package itself claims decides, not the record's own fields.
        if let Err(why) = check_origin(&pkg, &rec, opts, &accepted).and_then(|()| check_published_at(&pkg, target.now()).map_err(|e| e.to_string())) {
            o.message = format!("refused: {why}");
            log(Level::Error, &format!("{what}: {}", o.message));
            summary.add(o);
            continue;
        }
        let n_items = pkg.batch.group.len() + pkg.batch.indicator.len();
        log(Level::Info, &format!("{what}: importing {n_items} item(s) into {owner}"));
        // Batch jobs (submitted, done) at INFO: a long import shows its progress in a job's log.
        let progress = |s: Step, d: usize, t: usize| {
            let level = if s == Step::Batch { Level::Info } else { Level::Debug };
            log(level, &format!("{what}: {} {d}/{t}", s.label()))
        };
        let mut iopts = opts.import.clone();
        iopts.dry_run = opts.dry_run;
        iopts.source_verified = true;
        match import_package(target, &pkg, owner, &progress, &iopts).await {
            Ok(r) => {
                o.items_created = r.items_created();
                o.items_updated = r.items_updated();
                o.batch_jobs = if r.dry_run { r.plan.batch_jobs } else { r.jobs.len() };
                o.differences = r.verification.as_ref().map_or(0, |v| v.differences.len());
                if r.dry_run {
                    o.outcome = Outcome::Planned;
                    o.message =
                        format!("would create {} and overwrite {} item(s) in {} batch job(s)", o.items_created, o.items_updated, r.plan.batch_jobs);
                } else if r.is_complete() {
                    o.outcome = Outcome::Imported;
                    o.message = format!("imported and verified ({} batch job(s))", r.jobs.len());
                } else {
                    o.items_failed = r.items_failed().max(missing_items(&r));
                    o.message = r.failure_message();
                }
                for w in &r.plan.warnings {
                    log(Level::Warn, &format!("{what}: {w}"));
                }
                let level = if o.outcome == Outcome::Failed { Level::Error } else { Level::Info };
                log(level, &format!("{what}: {}", o.message));
                o.report = Some(r);
            }
            Err(e) => {
                o.items_failed = n_items;
                o.message = format!("import interrupted: {e}");
                log(Level::Error, &format!("{what}: {}", o.message));
            }
        }
        summary.add(o);
    }
    Ok(summary)
}

fn missing_items(r: &ImportReport) -> usize {
    r.verification
        .as_ref()
        .map(|v| v.differences.iter().filter(|d| matches!(d, Difference::MissingGroup { .. } | Difference::MissingIndicator { .. })).count())
        .unwrap_or(0)
}

/// A package taken from the source's datastore must say it comes from the configured source
/// instance and an accepted owner, and be the package its record describes (same group xid
/// and content hash). Each refusal names what did not match.
fn check_origin(pkg: &crate::SharePackage, rec: &PublishedRecord, opts: &PullOptions, accepted: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let h = &pkg.header;
    if opts.source_instance_id.trim().is_empty() {
        return Err("no source instance id is configured, so no package can be checked".into());
    }
    if h.source.instance_id != opts.source_instance_id.trim() {
        return Err(format!(
            "the package says it comes from instance \"{}\", not the configured \"{}\"",
            h.source.instance_id,
            opts.source_instance_id.trim()
        ));
    }
    if h.version < 2 && !opts.accept_version_1 {
        return Err(format!(
            "a version {} package: the xids of its associated groups cannot be checked against the source; \
             `pivot-share pull --accept-version-1` imports it anyway (the command only), its groups already in the target linked only",
            h.version
        ));
    }
    if !accepted(&h.source.owner) {
        return Err(format!("the package says it comes from owner \"{}\", which is not an accepted source owner", h.source.owner));
    }
    if h.group.xid != rec.group_xid || h.content_hash != rec.content_hash {
        return Err(format!(
            "the package (group {}, {}) is not the one its record describes (group {}, {})",
            h.group.xid, h.content_hash, rec.group_xid, rec.content_hash
        ));
    }
    Ok(())
}

//! The I/O side of sharing: publish, list, unpublish, import, pull. Generic over
//! the client's [`Transport`], async, no threads and no Leptos, so the browser
//! panel and the native `pivot-share` command call the same functions.
//!
//! Datastore records (organization domain, `POST /v2/exchange/db/organization/{type}/{id}`):
//! - source, [`PUBLISHED_TYPE`], id = source group id: the published package (as a
//!   canonical JSON string under `package`) with its hash and header fields;
//! - target, [`IMPORTS_TYPE`], id = [`import_record_id`] (target owner + source group xid):
//!   content hash, completeness and the association set of the last import;
//! - target, [`LOCK_TYPE`], id [`LOCK_ID`]: the pull lock (holder, expiry).

use super::batch::{batch_settings, split_batches_with, BatchLimits};
use super::error::ShareError;
use super::json::{self as sj, text};
use super::package::{validate, SharePackage};
use super::plan::{associations, indicator_key, plan, prepare_import, Association, Endpoint, ImportPlan, TargetState};
use super::snapshot::{snapshot_report, PublishOptions, Withheld};
use super::verify::{verify, Difference, TargetReadBack, VerificationReport};
use crate::tc::batch::{run_batch_raw, BatchStep};
use crate::tc::request::{HttpRequest, Method};
use crate::tc::types::GroupType;
use crate::tc::v3::{self, Collection};
use crate::tc::{v2, Client, Error as TcError, Transport};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Datastore type of published packages (source instance).
pub const PUBLISHED_TYPE: &str = "pivot-share";
/// Datastore type of import records (target instance).
pub const IMPORTS_TYPE: &str = "pivot-share-imports";
/// Datastore type of the pull lock (target instance).
pub const LOCK_TYPE: &str = "pivot-share-lock";
/// The one lock record.
pub const LOCK_ID: &str = "pull";
/// Datastore domain used for all records.
pub const DOMAIN: &str = "organization";
/// `resultLimit` of list reads (ThreatConnect's maximum).
pub const RESULT_LIMIT: u32 = 10_000;
/// Longest TQL `in (...)` list per request, in characters (keeps URLs well under server limits).
pub const TQL_CHUNK_CHARS: usize = 3_000;

const ITEM_FIELDS: [&str; 4] = ["attributes", "tags", "securityLabels", "associatedGroups"];

/// What went wrong outside the pure core.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecError {
    /// The package (or the snapshot) was refused; nothing was written.
    Package(ShareError),
    /// ThreatConnect refused or could not be reached.
    Api(TcError),
    /// Another pull holds the lock.
    Locked { holder: String, expires_at: u64 },
    /// Bad input to an exec function (wrong group type...).
    Invalid(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Package(e) => write!(f, "{e}"),
            Self::Api(e) => write!(f, "{e}"),
            Self::Locked { holder, expires_at } => write!(
                f,
                "another pull is running (lock held by {holder} until {}); not starting a second one",
                rfc3339(*expires_at)
            ),
            Self::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ExecError {}

impl From<ShareError> for ExecError {
    fn from(e: ShareError) -> Self {
        Self::Package(e)
    }
}

impl From<TcError> for ExecError {
    fn from(e: TcError) -> Self {
        Self::Api(e)
    }
}

/// Epoch seconds as RFC 3339 UTC (`2026-11-25T14:20:33Z`).
pub fn rfc3339(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let secs = epoch % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ------------------------------------------------------------------ reading

fn with_fields(mut r: HttpRequest, fields: &[&str]) -> HttpRequest {
    for f in fields {
        r = r.query("fields", *f);
    }
    r
}

/// Every item of a v3 list, following `next`.
async fn v3_all<T: Transport>(client: &Client<T>, first: HttpRequest) -> Result<Vec<Value>, TcError> {
    let mut out = Vec::new();
    let mut req = first;
    loop {
        let body = client.json(req).await?;
        let next = body.get("next").and_then(Value::as_str).map(str::to_string);
        if let Value::Object(mut m) = body {
            match m.remove("data") {
                Some(Value::Array(a)) => out.extend(a),
                Some(Value::Null) | None => {}
                Some(_) => return Err(TcError::Decode { path: "data".into(), message: "expected a list".into() }),
            }
        }
        match next {
            Some(n) => {
                req = v3::follow_next(&n, client.api_path())
                    .ok_or_else(|| TcError::Decode { path: "next".into(), message: format!("not a v3 link: {n}") })?
            }
            None => return Ok(out),
        }
    }
}

/// Runs futures in waves of `n` at a time (all of a wave concurrently), keeping order.
async fn in_waves<F: std::future::Future>(futs: Vec<F>, n: usize) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futs.len());
    let mut it = futs.into_iter().peekable();
    while it.peek().is_some() {
        let wave: Vec<F> = it.by_ref().take(n.max(1)).collect();
        out.extend(futures::future::join_all(wave).await);
    }
    out
}

/// `field in ("a","b",...)` TQL strings, each list at most [`TQL_CHUNK_CHARS`] long.
fn tql_in_chunks(field: &str, values: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = 0;
    for v in values {
        let q = v3::tql_string(v);
        if !cur.is_empty() && len + q.len() + 1 > TQL_CHUNK_CHARS {
            out.push(format!("{field} in ({})", cur.join(",")));
            cur.clear();
            len = 0;
        }
        len += q.len() + 1;
        cur.push(q);
    }
    if !cur.is_empty() {
        out.push(format!("{field} in ({})", cur.join(",")));
    }
    out
}

/// Groups (by xid) and indicators (by summary) of `owner`, in concurrent chunks.
async fn read_items<T: Transport>(
    client: &Client<T>,
    owner: &str,
    xids: &BTreeSet<String>,
    summaries: &BTreeSet<String>,
    with_metadata: bool,
    concurrency: usize,
    progress: &dyn Fn(usize, usize),
) -> Result<(Vec<Value>, Vec<Value>), TcError> {
    let group_fields: &[&str] =
        if with_metadata { &["attributes", "tags", "securityLabels", "associatedGroups", "associatedIndicators"] } else { &[] };
    let ind_fields: &[&str] = if with_metadata { &ITEM_FIELDS } else { &[] };
    let mut reqs: Vec<(bool, HttpRequest)> = Vec::new();
    for tql in tql_in_chunks("xid", xids) {
        reqs.push((true, with_fields(v3::search(Collection::Groups, &tql, 0, RESULT_LIMIT, false).owner(Some(owner)), group_fields)));
    }
    for tql in tql_in_chunks("summary", summaries) {
        reqs.push((false, with_fields(v3::search(Collection::Indicators, &tql, 0, RESULT_LIMIT, false).owner(Some(owner)), ind_fields)));
    }
    let total = reqs.len();
    let done = Cell::new(0usize);
    progress(0, total);
    let futs: Vec<_> = reqs
        .into_iter()
        .map(|(is_group, r)| {
            let done = &done;
            async move {
                let res = v3_all(client, r).await;
                done.set(done.get() + 1);
                progress(done.get(), total);
                (is_group, res)
            }
        })
        .collect();
    let (mut groups, mut inds) = (Vec::new(), Vec::new());
    for (is_group, res) in in_waves(futs, concurrency).await {
        let items = res?;
        if is_group {
            groups.extend(items);
        } else {
            inds.extend(items);
        }
    }
    // Only the owner's items (a server ignoring `owner` must not make other owners' items look imported).
    let mine = |v: &Value| text(v, "ownerName").is_none_or(|o| o.eq_ignore_ascii_case(owner));
    groups.retain(mine);
    inds.retain(mine);
    Ok((groups, inds))
}

// ------------------------------------------------------------------ datastore

fn ds(type_name: &str, id: &str, method: Method, body: Option<&Value>) -> HttpRequest {
    v2::datastore(DOMAIN, type_name, id, method, body)
}

/// A record's `_source`, or `None` when there is none (404).
async fn ds_get<T: Transport>(client: &Client<T>, type_name: &str, id: &str) -> Result<Option<Value>, TcError> {
    match client.json(ds(type_name, id, Method::Get, None)).await {
        Ok(v) => {
            if v.get("found").and_then(Value::as_bool) == Some(false) {
                return Ok(None);
            }
            Ok(v.get("_source").cloned())
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates or replaces a record (`DB-Method: POST`).
async fn ds_put<T: Transport>(client: &Client<T>, type_name: &str, id: &str, record: &Value) -> Result<(), TcError> {
    client.json(ds(type_name, id, Method::Post, Some(record))).await.map(|_| ())
}

/// Deletes a record; `false` when there was none.
async fn ds_delete<T: Transport>(client: &Client<T>, type_name: &str, id: &str) -> Result<bool, TcError> {
    match client.json(ds(type_name, id, Method::Delete, None)).await {
        Ok(v) => Ok(v.get("found").and_then(Value::as_bool).unwrap_or(true)),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every record of a type: (id, _source), paging `from`/`size`.
async fn ds_all<T: Transport>(client: &Client<T>, type_name: &str, page: usize) -> Result<Vec<(String, Value)>, TcError> {
    let mut out = Vec::new();
    loop {
        let q = json!({"from": out.len(), "size": page, "query": {"match_all": {}}});
        let body = match client.json(ds(type_name, "_search", Method::Get, Some(&q))).await {
            Ok(b) => b,
            // No record of the type was ever written (Elasticsearch: no such index).
            Err(e) if e.is_not_found() => return Ok(out),
            Err(e) => return Err(e),
        };
        let hits = body.get("hits").and_then(|h| h.get("hits")).and_then(Value::as_array).cloned().unwrap_or_default();
        let total = body
            .get("hits")
            .and_then(|h| h.get("total"))
            .and_then(|t| t.as_u64().or_else(|| t.get("value").and_then(Value::as_u64)));
        let n = hits.len();
        for h in hits {
            let id = h.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
            out.push((id, h.get("_source").cloned().unwrap_or(Value::Null)));
        }
        if n == 0 || n < page || total.is_some_and(|t| out.len() as u64 >= t) {
            return Ok(out);
        }
    }
}

// ------------------------------------------------------------------ publish

/// A published package as listed from the source's datastore.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedRecord {
    /// Datastore id (the source group id).
    pub id: String,
    pub group_id: u64,
    pub group_type: String,
    pub group_name: String,
    pub group_xid: String,
    pub content_hash: String,
    pub published_at: String,
    pub source_instance: String,
    pub source_owner: String,
    /// Size of the package file in bytes.
    pub size: usize,
    /// The package file (canonical JSON), to be validated before use.
    #[serde(skip)]
    pub package: String,
}

/// Reads the group, its associated groups and its indicators (three requests,
/// concurrently; lists follow `next` at `resultLimit=10000`) and builds the package.
/// The owner is the group's (`opts.owner`, when given, must name the same owner). Writes nothing.
pub async fn snapshot_group<T: Transport>(
    client: &Client<T>,
    group_type: GroupType,
    group_id: u64,
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ExecError> {
    let g_req = with_fields(HttpRequest::get(format!("/v3/groups/{group_id}")), &ITEM_FIELDS);
    let tql = format!("hasGroup(id={group_id})");
    let ag_req = with_fields(v3::search(Collection::Groups, &tql, 0, RESULT_LIMIT, false), &ITEM_FIELDS);
    let ai_req = with_fields(v3::search(Collection::Indicators, &tql, 0, RESULT_LIMIT, false), &ITEM_FIELDS);
    let (g, ag, ai) = futures::future::join3(client.json(g_req), v3_all(client, ag_req), v3_all(client, ai_req)).await;
    let g = g?;
    let group = g.get("data").cloned().unwrap_or(Value::Null);
    match text(&group, "type").and_then(GroupType::from_name) {
        Some(t) if t == group_type => {}
        Some(t) => return Err(ExecError::Invalid(format!("group {group_id} is a {t}, not a {group_type}"))),
        None => return Err(ExecError::Invalid(format!("group {group_id}: ThreatConnect sent no group type"))),
    }
    // The owner names the items in every xid: use ThreatConnect's spelling of it.
    let mut o = opts.clone();
    match text(&group, "ownerName") {
        Some(actual) if !o.owner.trim().is_empty() && !actual.eq_ignore_ascii_case(o.owner.trim()) => {
            return Err(ExecError::Invalid(format!("group {group_id} belongs to \"{actual}\", not to \"{}\"", o.owner.trim())));
        }
        Some(actual) => o.owner = actual.to_string(),
        None => {}
    }
    Ok(snapshot_report(&group, &ag?, &ai?, &o)?)
}

/// Stores (or replaces) the package as the group's record in the source's organization datastore.
pub async fn store_published<T: Transport>(client: &Client<T>, pkg: &SharePackage) -> Result<(), ExecError> {
    let h = &pkg.header;
    let bytes = pkg.to_bytes();
    let record = json!({
        "format": super::FORMAT, "version": super::VERSION,
        "groupId": h.group.id, "groupType": h.group.group_type, "groupName": h.group.name, "groupXid": h.group.xid,
        "contentHash": h.content_hash, "publishedAt": h.published_at,
        "sourceInstance": h.source.instance_id, "sourceOwner": h.source.owner,
        "size": bytes.len(),
        "package": String::from_utf8_lossy(&bytes),
    });
    ds_put(client, PUBLISHED_TYPE, &h.group.id.to_string(), &record).await?;
    Ok(())
}

/// Publish: snapshot the group ([`snapshot_group`]) and store the package
/// ([`store_published`]), replacing an earlier publish of the same group. The
/// package is returned for the download; what stayed home for the publish screen.
pub async fn publish<T: Transport>(
    client: &Client<T>,
    group_type: GroupType,
    group_id: u64,
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ExecError> {
    let (pkg, withheld) = snapshot_group(client, group_type, group_id, opts).await?;
    store_published(client, &pkg).await?;
    Ok((pkg, withheld))
}

/// Removes the group's published record (`false`: there was none). Data already
/// imported elsewhere stays there.
pub async fn unpublish<T: Transport>(client: &Client<T>, group_id: u64) -> Result<bool, ExecError> {
    Ok(ds_delete(client, PUBLISHED_TYPE, &group_id.to_string()).await?)
}

/// Every published package of the source's organization datastore.
pub async fn list_published<T: Transport>(client: &Client<T>) -> Result<Vec<PublishedRecord>, ExecError> {
    let records = ds_all(client, PUBLISHED_TYPE, 20).await?;
    Ok(records
        .into_iter()
        .map(|(id, s)| {
            let t = |k: &str| text(&s, k).unwrap_or_default().to_string();
            let package = s.get("package").and_then(Value::as_str).unwrap_or_default().to_string();
            PublishedRecord {
                group_id: sj::id(&s, "groupId").unwrap_or(0),
                group_type: t("groupType"),
                group_name: t("groupName"),
                group_xid: t("groupXid"),
                content_hash: t("contentHash"),
                published_at: t("publishedAt"),
                source_instance: t("sourceInstance"),
                source_owner: t("sourceOwner"),
                size: package.len(),
                package,
                id,
            }
        })
        .collect())
}

// ------------------------------------------------------------------ import

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
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { dry_run: false, limits: BatchLimits::default(), max_polls: 40, concurrency: 4, imported_at: rfc3339(0) }
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

fn read_import_record(v: &Value) -> ImportRecord {
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
        report.dissociated = dissociate(client, owner, &removed, &state, conc, progress).await?;
    }
    let read = read_items(client, owner, &xids, &summaries, true, conc, &|d, t| progress(Step::ReadBack, d, t)).await?;
    progress(Step::Verify, 0, 1);
    let rb = TargetReadBack { groups: read.0, indicators: read.1, dissociated: removed };
    let verification = verify(&prepared, &rb);
    progress(Step::Verify, 1, 1);
    let complete = report.items_failed() == 0 && verification.is_complete();
    report.verification = Some(verification);

    // Record only now: an interrupted import is retried by the next pull.
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
    for r in in_waves(futs, conc).await {
        n += r?;
    }
    progress(Step::Dissociate, total, total);
    Ok(n)
}

// ------------------------------------------------------------------ pull

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

#[derive(Clone, Debug, PartialEq)]
pub struct PullOptions {
    /// Plan every new or changed package, write nothing (no lock either).
    pub dry_run: bool,
    /// Epoch seconds now (for the lock).
    pub now: u64,
    /// The lock expires this long after it was taken, so a crashed run does not block forever.
    pub lock_ttl_secs: u64,
    /// Who holds the lock (host and process, for the message another run shows).
    pub holder: String,
    pub import: ImportOptions,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self { dry_run: false, now: 0, lock_ttl_secs: 6 * 3600, holder: "pivot-share".into(), import: ImportOptions::default() }
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

/// Takes the pull lock in the target's datastore, or says who holds it.
pub async fn acquire_lock<T: Transport>(client: &Client<T>, holder: &str, now: u64, ttl: u64) -> Result<(), ExecError> {
    if let Some(l) = ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        let expires = l.get("expiresAt").and_then(Value::as_u64).unwrap_or(0);
        let by = text(&l, "holder").unwrap_or("?").to_string();
        if expires > now && by != holder {
            return Err(ExecError::Locked { holder: by, expires_at: expires });
        }
    }
    let record = json!({"holder": holder, "acquiredAt": now, "expiresAt": now + ttl, "acquired": rfc3339(now)});
    ds_put(client, LOCK_TYPE, LOCK_ID, &record).await?;
    // The datastore has no compare-and-set: read back, the last writer wins and the other backs off.
    match ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        Some(l) if text(&l, "holder") == Some(holder) => Ok(()),
        Some(l) => Err(ExecError::Locked {
            holder: text(&l, "holder").unwrap_or("?").to_string(),
            expires_at: l.get("expiresAt").and_then(Value::as_u64).unwrap_or(0),
        }),
        None => Err(ExecError::Invalid("the pull lock could not be written to the target datastore".into())),
    }
}

/// Releases the lock if `holder` still holds it.
pub async fn release_lock<T: Transport>(client: &Client<T>, holder: &str) -> Result<(), ExecError> {
    if let Some(l) = ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        if text(&l, "holder") == Some(holder) {
            ds_delete(client, LOCK_TYPE, LOCK_ID).await?;
        }
    }
    Ok(())
}

/// One scheduled run: lock the target, list the packages published in the source
/// organization, skip those whose content hash the target already recorded as
/// completely imported, import the others (one after another), release the lock.
/// A failure of one package does not stop the others. `Err` only when the run
/// could not start (lock held, source or target unreachable).
pub async fn pull<S: Transport, T: Transport>(
    source: &Client<S>,
    source_org: &str,
    target: &Client<T>,
    target_owner: &str,
    opts: &PullOptions,
    log: &dyn Fn(Level, &str),
) -> Result<PullSummary, ExecError> {
    if !opts.dry_run {
        acquire_lock(target, &opts.holder, opts.now, opts.lock_ttl_secs).await?;
        log(Level::Info, &format!("lock taken in the target datastore as {}", opts.holder));
    }
    let result = pull_locked(source, source_org, target, target_owner, opts, log).await;
    if !opts.dry_run {
        if let Err(e) = release_lock(target, &opts.holder).await {
            log(Level::Warn, &format!("could not release the lock (it expires by itself): {e}"));
        }
    }
    result
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
    let (published, imports) = futures::future::join(list_published(source), ds_all(target, IMPORTS_TYPE, 100)).await;
    let published = published?;
    let imports: BTreeMap<String, ImportRecord> = imports?.into_iter().map(|(id, v)| (id, read_import_record(&v))).collect();
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
        if !source_org.trim().is_empty() && !rec.source_owner.eq_ignore_ascii_case(source_org.trim()) {
            o.message = format!("published by \"{}\", not by the configured source organization \"{}\"", rec.source_owner, source_org.trim());
            log(Level::Error, &format!("{what}: {}", o.message));
            summary.add(o);
            continue;
        }
        if let Some(prev) = imports.get(&import_record_id(owner, &rec.group_xid)) {
            if prev.complete && prev.content_hash == rec.content_hash && !rec.content_hash.is_empty() {
                o.outcome = Outcome::Skipped;
                o.message = "unchanged since the last complete import".into();
                log(Level::Info, &format!("{what}: skipped, {}", o.message));
                summary.add(o);
                continue;
            }
        }
        let pkg = match validate(rec.package.as_bytes()) {
            Ok(p) => p,
            Err(e) => {
                o.message = e.to_string();
                log(Level::Error, &format!("{what}: {e}"));
                summary.add(o);
                continue;
            }
        };
        let n_items = pkg.batch.group.len() + pkg.batch.indicator.len();
        log(Level::Info, &format!("{what}: importing {n_items} item(s) into {owner}"));
        let progress = |s: Step, d: usize, t: usize| log(Level::Debug, &format!("{what}: {} {d}/{t}", s.label()));
        let mut iopts = opts.import.clone();
        iopts.dry_run = opts.dry_run;
        match import_package(target, &pkg, owner, &progress, &iopts).await {
            Ok(r) => {
                o.items_created = r.items_created();
                o.items_updated = r.items_updated();
                o.batch_jobs = if r.dry_run { r.plan.batch_jobs } else { r.jobs.len() };
                o.differences = r.verification.as_ref().map_or(0, |v| v.differences.len());
                if r.dry_run {
                    o.outcome = Outcome::Planned;
                    o.message = format!(
                        "would create {} and overwrite {} item(s) in {} batch job(s)",
                        o.items_created, o.items_updated, r.plan.batch_jobs
                    );
                } else if r.is_complete() {
                    o.outcome = Outcome::Imported;
                    o.message = format!("imported and verified ({} batch job(s))", r.jobs.len());
                } else {
                    o.items_failed = r.items_failed().max(missing_items(&r));
                    o.message = failure_message(&r);
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
        .map(|v| {
            v.differences.iter().filter(|d| matches!(d, Difference::MissingGroup { .. } | Difference::MissingIndicator { .. })).count()
        })
        .unwrap_or(0)
}

/// One line on why an import is not complete.
pub fn failure_message(r: &ImportReport) -> String {
    let mut parts = Vec::new();
    let f = r.items_failed();
    if f > 0 {
        parts.push(format!("{f} item(s) failed in the batch jobs"));
    }
    if let Some(v) = &r.verification {
        if !v.is_complete() {
            parts.push(format!("verification found {} difference(s)", v.differences.len()));
        }
    }
    if parts.is_empty() {
        parts.push("not verified".into());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_chunks() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_080_433), "2025-11-25T14:20:33Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        let vals: BTreeSet<String> = (0..1000).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
        let chunks = tql_in_chunks("summary", &vals);
        assert!(chunks.len() > 1 && chunks.iter().all(|c| c.len() < TQL_CHUNK_CHARS + 40));
        let joined: usize = chunks.iter().map(|c| c.matches("\"10.").count()).sum();
        assert_eq!(joined, 1000);
        assert_eq!(tql_in_chunks("xid", &["a\"b".to_string()].into_iter().collect()), vec![r#"xid in ("a\"b")"#.to_string()]);
    }
}

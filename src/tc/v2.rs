//! v2 request builders (pure). Paths are below the API root; the client adds
//! the API path (`/api`) and signs. Decoding: [`crate::tc::envelope`] with the
//! entity keys in [`entity`].

use super::request::{HttpRequest, Method, PathBuf};
use super::types::{GroupType, IndicatorType};
use serde_json::{json, Value};

/// The v2 entity keys answers are wrapped in.
pub mod entity {
    pub const INDICATOR: &str = "indicator";
    pub const GROUP: &str = "group";
    pub const ATTRIBUTE: &str = "attribute";
    pub const TAG: &str = "tag";
    pub const SECURITY_LABEL: &str = "securityLabel";
    pub const OWNER: &str = "owner";
    pub const USER: &str = "user";
    pub const VICTIM: &str = "victim";
    pub const VICTIM_ASSET: &str = "victimAsset";
    pub const TASK: &str = "task";
    pub const OBSERVATION_COUNT: &str = "observationCount";
    pub const OBSERVATION: &str = "observation";
    pub const FALSE_POSITIVE: &str = "falsePositive";
    pub const INDICATOR_TYPE: &str = "indicatorType";
    pub const ASSOCIATION_TYPE: &str = "associationType";
    pub const FILE_OCCURRENCE: &str = "fileOccurrence";
    /// The list of every adversary asset (one type's list answers under `adversary{Type}`).
    pub const BUCKET_ASSET: &str = "bucketAsset";
    pub const BATCH_STATUS: &str = "batchStatus";
    pub const BATCH_ERROR: &str = "batchError";
}

/// A filter operator (`filters=summary^bad,rating>3`). The documentation lists
/// `=`, `<`, `>`, `^`; the JavaScript SDK also names `>=` and `<=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Geq,
    Leq,
    StartsWith,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Geq => ">=",
            Op::Leq => "<=",
            Op::StartsWith => "^",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub field: String,
    pub op: Op,
    pub value: String,
}

impl Filter {
    pub fn new(field: &str, op: Op, value: impl Into<String>) -> Self {
        Filter { field: field.into(), op, value: value.into() }
    }
}

/// `resultLimit` when none is sent (ThreatConnect's documented default).
pub const DEFAULT_RESULT_LIMIT: u32 = 100;
/// The largest `resultLimit` ThreatConnect accepts (10,000; 500 in older releases).
pub const MAX_RESULT_LIMIT: u32 = 10_000;

/// Options for v2 list requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListOptions {
    pub owner: Option<String>,
    pub result_start: Option<u32>,
    pub result_limit: Option<u32>,
    pub filters: Vec<Filter>,
    /// `orParams=true`: filters are OR-ed.
    pub or_params: bool,
    pub modified_since: Option<String>,
    pub include_additional: bool,
    /// `includes=tags|attributes|labels|additional` (repeated).
    pub includes: Vec<String>,
}

impl ListOptions {
    pub fn apply(&self, mut r: HttpRequest) -> HttpRequest {
        r = r.owner(self.owner.as_deref());
        if let Some(s) = self.result_start {
            r = r.query("resultStart", s.to_string());
        }
        if let Some(l) = self.result_limit {
            r = r.query("resultLimit", l.to_string());
        }
        if !self.filters.is_empty() {
            let joined: Vec<String> = self
                .filters
                .iter()
                .map(|f| format!("{}{}{}", f.field, f.op.as_str(), f.value))
                .collect();
            // The operators and commas are percent-encoded by the one query encoder.
            r = r.query("filters", joined.join(","));
            if self.or_params {
                r = r.query("orParams", "true");
            }
        }
        r = r.query_opt("modifiedSince", self.modified_since.clone());
        if self.include_additional {
            r = r.query("includeAdditional", "true");
        }
        for inc in &self.includes {
            r = r.query("includes", inc.clone());
        }
        r
    }

    /// Has the list more pages after one that returned `got` items?
    /// `resultCount` is only sent with `resultStart=0`; later pages are full or last.
    pub fn has_next(&self, got: usize, result_count: Option<i64>) -> bool {
        let limit = self.result_limit.unwrap_or(DEFAULT_RESULT_LIMIT).min(MAX_RESULT_LIMIT);
        super::client::v2_next_start(self.result_start.unwrap_or(0), limit, got, result_count).is_some()
    }

    /// The options for the next page.
    pub fn next_page(&self, got: usize) -> ListOptions {
        let mut n = self.clone();
        n.result_start = Some(self.result_start.unwrap_or(0) + got as u32);
        n
    }
}

/// An item metadata and associations hang under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemRef {
    /// `branch` is the v2 URL branch (`hosts`, or a custom type's `apiBranch`).
    Indicator { branch: String, value: String },
    Group { group_type: GroupType, id: i64 },
    Task(i64),
    Victim(i64),
}

impl ItemRef {
    /// A base-type indicator; for custom types use [`ItemRef::custom_indicator`]
    /// with the `apiBranch` from `/v2/types/indicatorTypes`.
    pub fn indicator(t: &IndicatorType, value: &str) -> Option<ItemRef> {
        t.v2_branch().map(|b| ItemRef::Indicator { branch: b.into(), value: value.into() })
    }
    pub fn custom_indicator(api_branch: &str, value: &str) -> ItemRef {
        ItemRef::Indicator { branch: api_branch.into(), value: value.into() }
    }
    pub fn group(group_type: GroupType, id: i64) -> ItemRef {
        ItemRef::Group { group_type, id }
    }
    /// The item's path without the `/v2` prefix (`indicators/hosts/x.com`), as it
    /// appears both as a root and as an association target.
    fn tail(&self) -> PathBuf {
        match self {
            ItemRef::Indicator { branch, value } => PathBuf::lit("/indicators").seg(branch).seg(value),
            ItemRef::Group { group_type, id } => PathBuf::lit("/groups").seg(group_type.v2_branch()).id(*id),
            ItemRef::Task(id) => PathBuf::lit("/tasks").id(*id),
            ItemRef::Victim(id) => PathBuf::lit("/victims").id(*id),
        }
    }
    pub fn path(&self) -> PathBuf {
        PathBuf::lit(&format!("/v2{}", self.tail().build()))
    }
    fn sub(&self, s: &str) -> PathBuf {
        self.path().seg(s)
    }
    /// The v2 entity key a single item of this kind answers under.
    pub fn entity(&self) -> &'static str {
        match self {
            ItemRef::Indicator { .. } => entity::INDICATOR,
            ItemRef::Group { .. } => entity::GROUP,
            ItemRef::Task(_) => entity::TASK,
            ItemRef::Victim(_) => entity::VICTIM,
        }
    }
}

// ---- indicators -------------------------------------------------------------

/// `GET /v2/indicators[/{branch}]` (all types, or one).
pub fn indicators(branch: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let p = match branch {
        Some(b) => PathBuf::lit("/v2/indicators").seg(b),
        None => PathBuf::lit("/v2/indicators"),
    };
    opts.apply(HttpRequest::get(p.build()))
}

/// `GET` one item (indicator, group, task, victim); `includeAdditional=true` for indicators.
pub fn item(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    let r = HttpRequest::get(item.path().build()).owner(owner);
    match item {
        ItemRef::Indicator { .. } => r.query("includeAdditional", "true"),
        _ => r,
    }
}

/// `POST /v2/indicators/{branch}` with the indicator body.
pub fn create_indicator(branch: &str, owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post(PathBuf::lit("/v2/indicators").seg(branch).build()).owner(owner).json(body)
}

/// `PUT` an item (indicator, group with its type segment, task, victim).
pub fn update_item(item: &ItemRef, owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::put(item.path().build()).owner(owner).json(body)
}

/// `DELETE` an item.
pub fn delete_item(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::delete(item.path().build()).owner(owner)
}

/// `GET /v2/types/indicatorTypes?includeAdditional=true`: base and custom types with `apiBranch`.
pub fn indicator_types() -> HttpRequest {
    HttpRequest::get("/v2/types/indicatorTypes").query("includeAdditional", "true")
}

/// `GET /v2/types/associationTypes[/{name}]`: every association type, or one by name.
pub fn association_types(name: Option<&str>) -> HttpRequest {
    let p = PathBuf::lit("/v2/types/associationTypes");
    HttpRequest::get(match name {
        Some(n) => p.seg(n).build(),
        None => p.build(),
    })
}

/// `GET /v2/indicators/observed[?dateObserved=]`.
pub fn observed(date_observed: Option<&str>) -> HttpRequest {
    HttpRequest::get("/v2/indicators/observed").query_opt("dateObserved", date_observed)
}

// ---- groups ----------------------------------------------------------------

/// `GET /v2/groups[/{type}]`.
pub fn groups(group_type: Option<GroupType>, opts: &ListOptions) -> HttpRequest {
    let p = match group_type {
        Some(t) => PathBuf::lit("/v2/groups").seg(t.v2_branch()),
        None => PathBuf::lit("/v2/groups"),
    };
    opts.apply(HttpRequest::get(p.build()))
}

/// `POST /v2/groups/{type}`.
pub fn create_group(group_type: GroupType, owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post(PathBuf::lit("/v2/groups").seg(group_type.v2_branch()).build()).owner(owner).json(body)
}

/// `POST /v2/groups/{type}/{id}/publish` with the labels to publish under.
pub fn publish(group_type: GroupType, id: i64, security_labels: &[&str], exclude_unlabeled: bool) -> HttpRequest {
    HttpRequest::post(ItemRef::group(group_type, id).sub("publish").build())
        .json(&json!({"securityLabelList": security_labels, "excludeUnlabeled": exclude_unlabeled}))
}

// ---- associations ----------------------------------------------------------

/// `GET {item}/groups[/{type}]`.
pub fn associated_groups(item: &ItemRef, group_type: Option<GroupType>, opts: &ListOptions) -> HttpRequest {
    let mut p = item.sub("groups");
    if let Some(t) = group_type {
        p = p.seg(t.v2_branch());
    }
    opts.apply(HttpRequest::get(p.build()))
}

/// `GET {item}/indicators[/{branch}]`.
pub fn associated_indicators(item: &ItemRef, branch: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let mut p = item.sub("indicators");
    if let Some(b) = branch {
        p = p.seg(b);
    }
    opts.apply(HttpRequest::get(p.build()))
}

/// `GET {item}/victims`.
pub fn associated_victims(item: &ItemRef, opts: &ListOptions) -> HttpRequest {
    opts.apply(HttpRequest::get(item.sub("victims").build()))
}

/// `GET {item}/victimAssets[/{assetType}]`.
pub fn associated_victim_assets(item: &ItemRef, asset_type: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let mut p = item.sub("victimAssets");
    if let Some(t) = asset_type {
        p = p.seg(t);
    }
    opts.apply(HttpRequest::get(p.build()))
}

/// `GET {item}/{target}`: one associated item (e.g. `{indicator}/victims/{id}`), 404 when not associated.
pub fn associated_item(item: &ItemRef, target: &ItemRef) -> HttpRequest {
    HttpRequest::get(format!("{}{}", item.path().build(), target.tail().build()))
}

/// `POST {item}/{target}`: link two items (indicator-group, group-group, victims...).
pub fn associate(item: &ItemRef, target: &ItemRef) -> HttpRequest {
    HttpRequest::new(Method::Post, format!("{}{}", item.path().build(), target.tail().build()))
}

/// `DELETE {item}/{target}`: unlink.
pub fn dissociate(item: &ItemRef, target: &ItemRef) -> HttpRequest {
    HttpRequest::new(Method::Delete, format!("{}{}", item.path().build(), target.tail().build()))
}

// ---- attributes ------------------------------------------------------------

pub fn attributes(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("attributes").build()).owner(owner)
}

pub fn attribute(item: &ItemRef, id: i64) -> HttpRequest {
    HttpRequest::get(item.sub("attributes").id(id).build())
}

/// `POST {item}/attributes` with `{type, value, displayed}`.
pub fn create_attribute(item: &ItemRef, attribute_type: &str, value: &str, displayed: bool) -> HttpRequest {
    HttpRequest::post(item.sub("attributes").build())
        .json(&json!({"type": attribute_type, "value": value, "displayed": displayed}))
}

pub fn update_attribute(item: &ItemRef, id: i64, value: &str) -> HttpRequest {
    HttpRequest::put(item.sub("attributes").id(id).build()).json(&json!({"value": value}))
}

pub fn delete_attribute(item: &ItemRef, id: i64) -> HttpRequest {
    HttpRequest::delete(item.sub("attributes").id(id).build())
}

pub fn attribute_security_labels(item: &ItemRef, id: i64) -> HttpRequest {
    HttpRequest::get(item.sub("attributes").id(id).seg("securityLabels").build())
}

pub fn add_attribute_security_label(item: &ItemRef, id: i64, label: &str) -> HttpRequest {
    HttpRequest::post(item.sub("attributes").id(id).seg("securityLabels").seg(label).build())
}

pub fn remove_attribute_security_label(item: &ItemRef, id: i64, label: &str) -> HttpRequest {
    HttpRequest::delete(item.sub("attributes").id(id).seg("securityLabels").seg(label).build())
}

// ---- tags and security labels ----------------------------------------------

pub fn tags(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("tags").build()).owner(owner)
}

pub fn add_tag(item: &ItemRef, name: &str) -> HttpRequest {
    HttpRequest::post(item.sub("tags").seg(name).build())
}

pub fn remove_tag(item: &ItemRef, name: &str) -> HttpRequest {
    HttpRequest::delete(item.sub("tags").seg(name).build())
}

/// `GET /v2/tags[/{name}[/{groups|indicators|victims}]]`.
pub fn all_tags(name: Option<&str>, tagged: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let mut p = PathBuf::lit("/v2/tags");
    if let Some(n) = name {
        p = p.seg(n);
        if let Some(t) = tagged {
            p = p.seg(t);
        }
    }
    opts.apply(HttpRequest::get(p.build()))
}

/// `GET /v2/tags/{name}/{indicators|groups}[/{branch}]`: the items carrying a tag.
pub fn tagged(name: &str, kind: &str, branch: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let mut p = PathBuf::lit("/v2/tags").seg(name).seg(kind);
    if let Some(b) = branch {
        p = p.seg(b);
    }
    opts.apply(HttpRequest::get(p.build()))
}

pub fn security_labels(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("securityLabels").build()).owner(owner)
}

pub fn add_security_label(item: &ItemRef, name: &str) -> HttpRequest {
    HttpRequest::post(item.sub("securityLabels").seg(name).build())
}

pub fn remove_security_label(item: &ItemRef, name: &str) -> HttpRequest {
    HttpRequest::delete(item.sub("securityLabels").seg(name).build())
}

/// `GET /v2/securityLabels[/{name}[/{groups|indicators|tasks|victims}]]`.
pub fn all_security_labels(name: Option<&str>, labelled: Option<&str>, opts: &ListOptions) -> HttpRequest {
    let mut p = PathBuf::lit("/v2/securityLabels");
    if let Some(n) = name {
        p = p.seg(n);
        if let Some(t) = labelled {
            p = p.seg(t);
        }
    }
    opts.apply(HttpRequest::get(p.build()))
}

// ---- observations, false positives, indicator extras ------------------------

pub fn observations(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("observations").build()).owner(owner)
}

/// `POST {indicator}/observations` with `{count, dateObserved}`.
pub fn add_observation(item: &ItemRef, count: u32, date_observed: Option<&str>) -> HttpRequest {
    let body = match date_observed {
        Some(d) => json!({"count": count, "dateObserved": d}),
        None => json!({"count": count}),
    };
    HttpRequest::post(item.sub("observations").build()).json(&body)
}

pub fn observation_count(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("observationCount").build()).owner(owner)
}

/// `POST {indicator}/falsePositive`.
pub fn report_false_positive(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::post(item.sub("falsePositive").build()).owner(owner)
}

/// `GET {indicator}/owners`: the owners holding the same value.
pub fn indicator_owners(item: &ItemRef) -> HttpRequest {
    HttpRequest::get(item.sub("owners").build())
}

/// `GET {host|address}/dnsResolutions`.
/// `GET {indicator}/associations/{apiBranch}/indicators`: the indicators linked by a named
/// (custom) association type, `apiBranch` as `/v2/types/associationTypes` names it.
pub fn named_associated_indicators(item: &ItemRef, association: &str, opts: &ListOptions) -> HttpRequest {
    opts.apply(HttpRequest::get(item.sub("associations").seg(association).seg("indicators").build()))
}

/// `POST|DELETE {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
pub fn link_named(method: Method, item: &ItemRef, association: &str, target: &ItemRef) -> HttpRequest {
    HttpRequest::new(method, format!("{}{}", item.sub("associations").seg(association).build(), target.tail().build()))
}

pub fn dns_resolutions(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("dnsResolutions").build()).owner(owner)
}

/// `GET {file}/fileOccurrences`.
pub fn file_occurrences(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("fileOccurrences").build()).owner(owner)
}

/// `GET {file}/fileOccurrences/{id}`.
pub fn file_occurrence(item: &ItemRef, id: i64, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(item.sub("fileOccurrences").id(id).build()).owner(owner)
}

/// `POST {file}/fileOccurrences` with `{fileName, path, date}` (at least one).
pub fn create_file_occurrence(item: &ItemRef, body: &Value) -> HttpRequest {
    HttpRequest::post(item.sub("fileOccurrences").build()).json(body)
}

/// `PUT {file}/fileOccurrences/{id}`: the fields given change.
pub fn update_file_occurrence(item: &ItemRef, id: i64, body: &Value) -> HttpRequest {
    HttpRequest::put(item.sub("fileOccurrences").id(id).build()).json(body)
}

/// `GET {file}/actions/{action}/indicators`: the indicators a file action relates to the file
/// (`archive`, `drop`, `traffic`, `mutex`, `registryKey`, `userAgent`, `dnsQuery`).
pub fn file_action_indicators(item: &ItemRef, action: &str, opts: &ListOptions) -> HttpRequest {
    opts.apply(HttpRequest::get(item.sub("actions").seg(action).seg("indicators").build()))
}

/// `POST|DELETE {file}/actions/{action}/indicators/{type}/{value}`.
pub fn link_file_action(method: Method, item: &ItemRef, action: &str, target: &ItemRef) -> HttpRequest {
    HttpRequest::new(method, format!("{}{}", item.sub("actions").seg(action).build(), target.tail().build()))
}

// ---- adversary assets ----------------------------------------------------------

/// The entity one adversary asset type answers under (`handles` -> `adversaryHandle`), or
/// `None` for a type the documentation does not list (handles, phoneNumbers, urls).
pub fn adversary_asset_entity(asset_type: &str) -> Option<&'static str> {
    match asset_type {
        "handles" => Some("adversaryHandle"),
        "phoneNumbers" => Some("adversaryPhoneNumber"),
        "urls" => Some("adversaryUrl"),
        _ => None,
    }
}

fn adversary_assets_path(adversary_id: i64) -> PathBuf {
    PathBuf::lit("/v2/groups/adversaries").id(adversary_id).seg("adversaryAssets")
}

/// `GET /v2/groups/adversaries/{id}/adversaryAssets[/{assetType}]`.
pub fn adversary_assets(adversary_id: i64, asset_type: Option<&str>) -> HttpRequest {
    let p = adversary_assets_path(adversary_id);
    HttpRequest::get(match asset_type {
        Some(t) => p.seg(t).build(),
        None => p.build(),
    })
}

/// `GET|PUT|DELETE /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}` (`body` for PUT).
pub fn adversary_asset(method: Method, adversary_id: i64, asset_type: &str, asset_id: i64, body: Option<&Value>) -> HttpRequest {
    let r = HttpRequest::new(method, adversary_assets_path(adversary_id).seg(asset_type).id(asset_id).build());
    match body {
        Some(b) => r.json(b),
        None => r,
    }
}

/// `POST /v2/groups/adversaries/{id}/adversaryAssets/{assetType}` with `{handle|phoneNumber|url}`.
pub fn create_adversary_asset(adversary_id: i64, asset_type: &str, body: &Value) -> HttpRequest {
    HttpRequest::post(adversary_assets_path(adversary_id).seg(asset_type).build()).json(body)
}

// ---- owners, whoami ----------------------------------------------------------

pub fn owners() -> HttpRequest {
    HttpRequest::get("/v2/owners")
}
pub fn owner(id: i64) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/owners").id(id).build())
}
/// `GET /v2/owners/metrics` or `/v2/owners/{id}/metrics`.
pub fn owner_metrics(id: Option<i64>) -> HttpRequest {
    match id {
        Some(id) => HttpRequest::get(PathBuf::lit("/v2/owners").id(id).seg("metrics").build()),
        None => HttpRequest::get("/v2/owners/metrics"),
    }
}
pub fn my_owner() -> HttpRequest {
    HttpRequest::get("/v2/owners/mine")
}
pub fn my_members() -> HttpRequest {
    HttpRequest::get("/v2/owners/mine/members")
}
pub fn whoami() -> HttpRequest {
    HttpRequest::get("/v2/whoami")
}

// ---- tasks, victims ----------------------------------------------------------

pub fn tasks(opts: &ListOptions) -> HttpRequest {
    opts.apply(HttpRequest::get("/v2/tasks"))
}
pub fn create_task(owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post("/v2/tasks").owner(owner).json(body)
}
pub fn victims(opts: &ListOptions) -> HttpRequest {
    opts.apply(HttpRequest::get("/v2/victims"))
}
pub fn create_victim(owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post("/v2/victims").owner(owner).json(body)
}
/// `POST /v2/victims/{id}/victimAssets/{assetType}` (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites).
pub fn create_victim_asset(victim_id: i64, asset_type: &str, body: &Value) -> HttpRequest {
    HttpRequest::post(ItemRef::Victim(victim_id).sub("victimAssets").seg(asset_type).build()).json(body)
}
/// `PUT /v2/victims/{id}/victimAssets/{assetType}/{assetId}`.
pub fn update_victim_asset(victim_id: i64, asset_type: &str, asset_id: i64, body: &Value) -> HttpRequest {
    HttpRequest::new(Method::Put, ItemRef::Victim(victim_id).sub("victimAssets").seg(asset_type).id(asset_id).build()).json(body)
}
/// The v2 entity key a victim asset of this branch answers under when written
/// (`networkAccounts` -> `victimNetworkAccount`, as documented).
pub fn victim_asset_entity(asset_type: &str) -> Option<&'static str> {
    Some(match asset_type {
        "emailAddresses" => "victimEmailAddress",
        "networkAccounts" => "victimNetworkAccount",
        "phoneNumbers" => "victimPhone",
        "socialNetworks" => "victimSocialNetwork",
        "webSites" => "victimWebSite",
        _ => return None,
    })
}

// ---- batch --------------------------------------------------------------------

/// Batch job settings (`POST /v2/batch`). Each write type is its own field
/// (the JavaScript SDK wrote `action` and `attributeWriteType` to one field).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchConfig {
    pub owner: String,
    pub halt_on_error: bool,
    /// `Create` or `Delete`.
    pub action: String,
    /// `Append`, `Replace`, `Singleton`, `Static`.
    pub attribute_write_type: String,
    pub tag_write_type: Option<String>,
    pub security_label_write_type: Option<String>,
}

impl BatchConfig {
    pub fn create(owner: &str) -> Self {
        BatchConfig {
            owner: owner.into(),
            halt_on_error: false,
            action: "Create".into(),
            attribute_write_type: "Replace".into(),
            tag_write_type: None,
            security_label_write_type: None,
        }
    }
}

pub fn create_batch(c: &BatchConfig) -> HttpRequest {
    let mut body = json!({"version": "V2", "owner": c.owner, "haltOnError": c.halt_on_error,
        "action": c.action, "attributeWriteType": c.attribute_write_type});
    if let Some(t) = &c.tag_write_type {
        body["tagWriteType"] = json!(t);
    }
    if let Some(t) = &c.security_label_write_type {
        body["securityLabelWriteType"] = json!(t);
    }
    HttpRequest::post("/v2/batch").json(&body)
}

/// The largest upload ThreatConnect accepts (bigger: 400).
pub const BATCH_MAX_BYTES: usize = 2_000_000;
/// The most indicators in one job.
pub const BATCH_MAX_INDICATORS: usize = 25_000;

/// `POST /v2/batch/{id}` with the JSON file (`{"indicator":[...],"group":[...]}`),
/// refused here when ThreatConnect would refuse it.
pub fn upload_batch(batch_id: i64, data: &Value) -> Result<HttpRequest, super::Error> {
    // A version 1 file is the array of indicators itself; version 2 an object.
    let n = match data {
        Value::Array(a) => a.len(),
        _ => data.get("indicator").and_then(Value::as_array).map_or(0, |a| a.len()),
    };
    if n > BATCH_MAX_INDICATORS {
        return Err(super::Error::Config(format!("a batch holds at most {BATCH_MAX_INDICATORS} indicators ({n} given)")));
    }
    let bytes = data.to_string().into_bytes();
    if bytes.len() > BATCH_MAX_BYTES {
        return Err(super::Error::Config(format!("a batch file is at most {BATCH_MAX_BYTES} bytes ({} given)", bytes.len())));
    }
    Ok(HttpRequest::post(PathBuf::lit("/v2/batch").id(batch_id).build()).body(bytes, "application/octet-stream"))
}

pub fn batch_status(batch_id: i64) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/batch").id(batch_id).build())
}

pub fn batch_errors(batch_id: i64) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/batch").id(batch_id).seg("errors").build())
}

/// How long to wait before poll number `attempt` (0-based): 1 s doubling to 30 s.
pub fn batch_poll_delay_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1u32 << attempt.min(5)).min(30_000)
}

// ---- bulk, datastore, spaces, documents, manual ------------------------------

/// `GET /v2/indicators/bulk`: bulk report status per owner.
pub fn bulk_status(owner: Option<&str>) -> HttpRequest {
    HttpRequest::get("/v2/indicators/bulk").owner(owner)
}

/// `GET /v2/indicators/bulk/{json|csv}?owner=&runNow=true`: the report recreated now.
pub fn bulk_download_now(format: &str, owner: Option<&str>) -> HttpRequest {
    bulk_download(format, owner).query("runNow", "true")
}

/// `GET /v2/indicators/bulk/{json|csv}`: an owner's bulk download.
pub fn bulk_download(format: &str, owner: Option<&str>) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/indicators/bulk").seg(format).build()).owner(owner)
}

/// Datastore: `POST /v2/exchange/db/{domain}/{type}/{id|_search}` with `DB-Method`.
/// `domain` is `local`, `organization` or `system`; `db_method` GET/POST/PUT/DELETE.
pub fn datastore(domain: &str, type_name: &str, id_or_search: &str, db_method: Method, body: Option<&Value>) -> HttpRequest {
    let p = PathBuf::lit("/v2/exchange/db").seg(domain).seg(type_name).seg(id_or_search).build();
    let r = HttpRequest::post(p).header("DB-Method", db_method.as_str());
    match body {
        Some(b) => r.json(b),
        None => r,
    }
}

/// Spaces element storage: `GET /v2/exchange/spaces/{elementId}/state`.
pub fn space_state(element_id: &str) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/exchange/spaces").seg(element_id).seg("state").build())
}

/// Saves the element's state: `POST /v2/exchange/spaces/{elementId}/state`.
pub fn save_space_state(element_id: &str, state: &Value) -> HttpRequest {
    HttpRequest::post(PathBuf::lit("/v2/exchange/spaces").seg(element_id).seg("state").build()).json(state)
}

/// `GET /v2/exchange/spaces/{elementId}/file/{name}`.
pub fn space_file(element_id: &str, name: &str) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/exchange/spaces").seg(element_id).seg("file").seg(name).build())
}

/// `POST /v2/exchange/spaces/{elementId}/file/{name}` with the bytes.
pub fn save_space_file(element_id: &str, name: &str, bytes: Vec<u8>, content_type: &str) -> HttpRequest {
    HttpRequest::post(PathBuf::lit("/v2/exchange/spaces").seg(element_id).seg("file").seg(name).build())
        .body(bytes, content_type)
}

/// `GET /v2/exchange/spaces/{elementId}/job`.
pub fn space_job(element_id: &str) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v2/exchange/spaces").seg(element_id).seg("job").build())
}

/// `GET /v2/groups/{documents|signatures}/{id}/download`.
pub fn download(group_type: GroupType, id: i64) -> HttpRequest {
    HttpRequest::get(ItemRef::group(group_type, id).sub("download").build())
}

/// `POST /v2/groups/documents/{id}/upload` (PUT replaces an existing file): the
/// documentation names this route for Documents only ("Uploading/Updating Document Contents").
pub fn upload_document(id: i64, bytes: Vec<u8>, replace: bool) -> HttpRequest {
    let m = if replace { Method::Put } else { Method::Post };
    HttpRequest::new(m, ItemRef::group(GroupType::Document, id).sub("upload").build()).body(bytes, "application/octet-stream")
}

/// Anything else: a method, a path below the API root whose segments are
/// given unencoded (each is encoded as one segment), and query pairs.
pub fn manual(method: Method, segments: &[&str], query: &[(&str, &str)]) -> HttpRequest {
    let mut p = PathBuf::default();
    for s in segments {
        p = p.seg(s);
    }
    let mut r = HttpRequest::new(method, p.build());
    for (k, v) in query {
        r = r.query(k, *v);
    }
    r
}

/// A write's `createActivityLog` flag (off by default in ThreatConnect).
pub fn with_activity_log(r: HttpRequest, on: bool) -> HttpRequest {
    r.query("createActivityLog", if on { "true" } else { "false" })
}

//! v3 request builders (pure): one-request panels with `fields=`, TQL search,
//! association pages, writes with nested `{data, mode}` objects.

use super::request::{HttpRequest, PathBuf};
use super::types::IndicatorType;
use serde_json::{json, Value};

/// What an indicator panel asks for in its one core request.
pub const INDICATOR_FIELDS: [&str; 8] = [
    "associatedGroups", "associatedIndicators", "attributes", "tags", "securityLabels", "observations",
    "falsePositives", "threatAssess",
];

/// What a group panel asks for.
pub const GROUP_FIELDS: [&str; 5] = ["associatedGroups", "associatedIndicators", "attributes", "tags", "securityLabels"];

/// How an indicator is named: by id, or by its summary (with the owner: v3
/// looks a summary up in your own Organization only without it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndicatorKey {
    Id(i64),
    Summary(String),
}

fn with_fields(mut r: HttpRequest, fields: &[&str]) -> HttpRequest {
    for f in fields {
        r = r.query("fields", *f);
    }
    r
}

/// `GET /v3/indicators/{id or summary}?owner=..&fields=..` (+ dnsResolution and
/// whoIs for hosts and addresses). `associated_groups`: ask for the associated
/// groups in the same response (false when they are paged separately).
pub fn indicator(key: &IndicatorKey, indicator_type: Option<&IndicatorType>, owner: Option<&str>, associated_groups: bool) -> HttpRequest {
    let p = match key {
        IndicatorKey::Id(id) => PathBuf::lit("/v3/indicators").id(*id),
        // URLs, email addresses, file hash triples: one encoded segment.
        IndicatorKey::Summary(s) => PathBuf::lit("/v3/indicators").seg(s),
    };
    let mut r = HttpRequest::get(p.build()).owner(owner);
    let fields: &[&str] = if associated_groups { &INDICATOR_FIELDS } else { &INDICATOR_FIELDS[1..] };
    r = with_fields(r, fields);
    if matches!(indicator_type, Some(IndicatorType::Host) | Some(IndicatorType::Address)) {
        r = with_fields(r, &["dnsResolution", "whoIs"]);
    }
    r
}

/// The same answer as [`indicator`] by summary, for a summary that cannot be a
/// path segment (`.`, `..`: a Mutex, User Agent or Registry Key can be one): a TQL
/// search on the summary with the same fields, answered as a list of at most one.
pub fn indicator_search(summary: &str, indicator_type: &IndicatorType, owner: Option<&str>) -> HttpRequest {
    let tql = format!("summary = {} and typeName = {}", tql_string(summary), tql_string(indicator_type.type_name()));
    with_fields(search(Collection::Indicators, &tql, 0, 1, false).owner(owner), &INDICATOR_FIELDS)
}

/// `GET /v3/groups/{id}?fields=..`.
pub fn group(id: i64, associations: bool) -> HttpRequest {
    let fields: &[&str] = if associations { &GROUP_FIELDS } else { &GROUP_FIELDS[2..] };
    with_fields(HttpRequest::get(PathBuf::lit("/v3/groups").id(id).build()), fields)
}

/// A TQL search over `/v3/indicators` or `/v3/groups`.
pub fn search(collection: Collection, tql: &str, result_start: u32, result_limit: u32, count: bool) -> HttpRequest {
    let mut r = HttpRequest::get(collection.path())
        .query("tql", tql)
        .query("resultStart", result_start.to_string())
        .query("resultLimit", result_limit.to_string());
    if count {
        r = r.query("count", "true");
    }
    r
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Indicators,
    Groups,
}

impl Collection {
    pub fn path(self) -> &'static str {
        match self {
            Collection::Indicators => "/v3/indicators",
            Collection::Groups => "/v3/groups",
        }
    }
}

/// Groups associated with indicator `id`: `/v3/groups?tql=hasIndicator(id=N)`.
pub fn groups_of_indicator(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
    search(Collection::Groups, &format!("hasIndicator(id={id})"), result_start, result_limit, true)
}

/// Indicators associated with group `id`: `/v3/indicators?tql=hasGroup(id=N)`.
pub fn indicators_of_group(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
    search(Collection::Indicators, &format!("hasGroup(id={id})"), result_start, result_limit, true)
}

/// Groups associated with group `id`: `/v3/groups?tql=hasGroup(id=N)`.
pub fn groups_of_group(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
    search(Collection::Groups, &format!("hasGroup(id={id})"), result_start, result_limit, true)
}

/// A TQL string literal: quotes and backslashes escaped.
pub fn tql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Turns a `next` link (absolute, as ThreatConnect sends it) into a request
/// below the API root: the origin and API path are cut off, the query is
/// decoded so the one encoder re-encodes (and signs) it.
pub fn follow_next(next: &str, api_path: &str) -> Option<HttpRequest> {
    let after_scheme = next.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = after_scheme + next[after_scheme..].find('/')?;
    let rest = &next[path_start..];
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, q),
        None => (rest, ""),
    };
    let path = path.strip_prefix(api_path).unwrap_or(path);
    if !path.starts_with("/v3/") {
        return None;
    }
    // Rebuilt segment by segment with the one encoder, so that no spelling in the link
    // (`\`, a tab, `%2F`) can make a URL parser split or merge segments on the way;
    // a `.` or `..` segment stays one, and `Client::send` refuses it.
    let path: String = path.split('/').skip(1).map(|seg| format!("/{}", super::request::encode_component(&super::request::decode_segment(seg)))).collect();
    let mut r = HttpRequest::get(path);
    r.query = super::request::parse_query(query);
    Some(r)
}

/// How a nested write applies (`append`, `delete`, `replace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Append,
    Delete,
    Replace,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Append => "append",
            Mode::Delete => "delete",
            Mode::Replace => "replace",
        }
    }
}

/// `{"<field>": {"data": [...], "mode": "..."}}` for v3 writes.
pub fn nested(field: &str, data: Vec<Value>, mode: Mode) -> Value {
    json!({ field: {"data": data, "mode": mode.as_str()} })
}

/// `POST /v3/indicators` (or groups) with a body.
pub fn create(collection: Collection, owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post(collection.path()).owner(owner).json(body)
}

/// `PUT /v3/indicators/{id}` (or groups) with a body, e.g. from [`nested`].
pub fn update(collection: Collection, id: i64, body: &Value) -> HttpRequest {
    HttpRequest::put(PathBuf::lit(collection.path()).id(id).build()).json(body)
}

/// `PUT /v3/{indicators|groups}/{id}?fields=...`: a write answered with the item and the
/// expansions asked for, as a read with the same `fields` would be.
pub fn update_with_fields(collection: Collection, id: i64, body: &Value, fields: &[&str]) -> HttpRequest {
    fields.iter().fold(update(collection, id, body), |r, f| r.query("fields", *f))
}

/// `POST /v3/groups/{id}/upload` (`PUT` to replace; `updateIfExists=true` lets a POST
/// replace too): a Document's or Report's file as `application/octet-stream`;
/// `filename` sets the group's file name (docs/rest_api/v3/groups/retrieve_upload_update_document.rst).
pub fn upload(id: i64, bytes: Vec<u8>, filename: Option<&str>, replace: bool) -> HttpRequest {
    let path = PathBuf::lit("/v3/groups").id(id).seg("upload").build();
    let r = if replace { HttpRequest::put(path) } else { HttpRequest::post(path) };
    let r = match filename {
        Some(f) => r.query("filename", f),
        None => r,
    };
    r.body(bytes, "application/octet-stream")
}

/// `GET /v3/groups/{id}/download`: a Document's or Report's file.
pub fn download(id: i64) -> HttpRequest {
    HttpRequest::get(PathBuf::lit("/v3/groups").id(id).seg("download").build())
}

/// `GET /v3/victims[?fields=assets]`.
pub fn victims(with_assets: bool) -> HttpRequest {
    with_fields(HttpRequest::get("/v3/victims"), if with_assets { &["assets"] } else { &[] })
}

/// `GET /v3/victims/{id}[?fields=assets]`.
pub fn victim(id: i64, with_assets: bool) -> HttpRequest {
    with_fields(HttpRequest::get(PathBuf::lit("/v3/victims").id(id).build()), if with_assets { &["assets"] } else { &[] })
}

/// `POST /v3/victims?fields=assets` (name; org, suborg, workLocation, nationality, description;
/// `assets: {"data": [{type, ...}]}`): answered with the victim and its assets.
pub fn create_victim(owner: Option<&str>, body: &Value) -> HttpRequest {
    HttpRequest::post("/v3/victims").owner(owner).json(body).query("fields", "assets")
}

/// `PUT /v3/victims/{id}?fields=assets`: the fields given change; `assets` are appended (or `mode`).
pub fn update_victim(id: i64, body: &Value) -> HttpRequest {
    HttpRequest::put(PathBuf::lit("/v3/victims").id(id).build()).json(body).query("fields", "assets")
}

/// `GET /v3/victimAssets[/{id}]`.
pub fn victim_assets(id: Option<i64>) -> HttpRequest {
    let p = PathBuf::lit("/v3/victimAssets");
    HttpRequest::get(match id {
        Some(id) => p.id(id).build(),
        None => p.build(),
    })
}

/// `POST /v3/victimAssets` (`type`, `victimId` and the type's fields: address, addressType,
/// accountName, networkType, socialNetwork, phone, website).
pub fn create_victim_asset(body: &Value) -> HttpRequest {
    HttpRequest::post("/v3/victimAssets").json(body)
}

/// `PUT /v3/victimAssets/{id}`.
pub fn update_victim_asset(id: i64, body: &Value) -> HttpRequest {
    HttpRequest::put(PathBuf::lit("/v3/victimAssets").id(id).build()).json(body)
}

/// `GET /v3/indicators/{id}?fields=fileOccurrences`.
pub fn file_occurrences(id: i64) -> HttpRequest {
    HttpRequest::get(PathBuf::lit(Collection::Indicators.path()).id(id).build()).query("fields", "fileOccurrences")
}

/// `PUT /v3/indicators/{id}?fields=fileOccurrences` with `{"fileOccurrences": {"data": [...]}}`:
/// adds the occurrences and answers the indicator with all of them.
pub fn add_file_occurrences(id: i64, occurrences: Vec<Value>) -> HttpRequest {
    update(Collection::Indicators, id, &json!({"fileOccurrences": {"data": occurrences}})).query("fields", "fileOccurrences")
}

/// `{"<field>": {"data": [{"name": ...}], "mode": ...}}` on the item: names travel in the body, never in the path.
fn by_name(collection: Collection, id: i64, field: &str, names: &[&str], mode: Mode) -> HttpRequest {
    let data = names.iter().map(|n| json!({"name": n})).collect();
    update(collection, id, &nested(field, data, mode))
}

/// Tag an item (append) or untag it (delete): the tag itself stays in the owner.
pub fn tags(collection: Collection, id: i64, names: &[&str], mode: Mode) -> HttpRequest {
    by_name(collection, id, "tags", names, mode)
}

/// Apply security labels to an item (append) or take them off it (delete); the labels stay defined.
pub fn security_labels(collection: Collection, id: i64, names: &[&str], mode: Mode) -> HttpRequest {
    by_name(collection, id, "securityLabels", names, mode)
}

/// Add attributes to an item (append, `{type, value, default}`) or remove them (delete, `{id}`).
pub fn attributes(collection: Collection, id: i64, data: Vec<Value>, mode: Mode) -> HttpRequest {
    update(collection, id, &nested("attributes", data, mode))
}

/// `PUT /v3/indicatorAttributes/{id}` (or `groupAttributes`): a new value for one attribute.
pub fn update_attribute(collection: Collection, attribute_id: i64, value: &str) -> HttpRequest {
    let base = match collection {
        Collection::Indicators => "/v3/indicatorAttributes",
        Collection::Groups => "/v3/groupAttributes",
    };
    HttpRequest::put(PathBuf::lit(base).id(attribute_id).build()).json(&json!({ "value": value }))
}

/// Associate groups with an item (append) or remove them (delete).
pub fn associate_groups(collection: Collection, id: i64, group_ids: &[i64], mode: Mode) -> HttpRequest {
    let data = group_ids.iter().map(|g| json!({"id": g})).collect();
    update(collection, id, &nested("associatedGroups", data, mode))
}

/// `POST /v3/token/api` (HMAC only, Exchange Admin): a 4-hour API token for development.
pub fn api_token() -> HttpRequest {
    HttpRequest::post("/v3/token/api")
}

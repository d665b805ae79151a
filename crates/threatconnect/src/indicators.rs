//! Indicators: the model, reads by id or summary (v3) and by path (v2), lists,
//! creation and the owners that hold the same value.

use crate::attributes::Attribute;
use crate::client::{Client, Transport};
use crate::decode::{as_string, Obj, Page, R};
use crate::error::Error;
use crate::groups::Group;
use crate::http::{ApiPath, HttpRequest};
use crate::item::{Collection, ItemRef};
use crate::owners::{Owner, OwnerRef};
use crate::paging::ListOptions;
use crate::security_labels::SecurityLabel;
use crate::tags::Tag;
use crate::types::IndicatorType;
use futures::FutureExt;
use serde_json::Value;
use std::future::Future;

/// The v2 entity key of indicator lists (a single item answers under its type's key).
pub(crate) const ENTITY: &str = "indicator";

/// An indicator (Address, Host, File, URL, custom types...).
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    /// The indicator's id.
    pub id: i64,
    /// Its type.
    pub indicator_type: IndicatorType,
    /// The value as ThreatConnect summarises it (v2 items are summarised from
    /// their type's fields: `ip`, `hostName`, `md5 : sha1 : sha256`...).
    pub summary: String,
    /// The owner.
    pub owner: OwnerRef,
    /// When it was added (RFC 3339).
    pub date_added: Option<String>,
    /// When it last changed.
    pub last_modified: Option<String>,
    /// The owner's own rating, 0 to 5.
    pub rating: Option<f64>,
    /// The owner's own confidence, 0 to 100.
    pub confidence: Option<f64>,
    /// ThreatAssess's computed rating.
    pub threat_assess_rating: Option<f64>,
    /// ThreatAssess's computed confidence.
    pub threat_assess_confidence: Option<f64>,
    /// ThreatAssess's score.
    pub threat_assess_score: Option<f64>,
    /// The description.
    pub description: Option<String>,
    /// The item's page in ThreatConnect (only ever used as a link when it is http(s)).
    pub web_link: Option<String>,
    /// Active.
    pub active: Option<bool>,
    /// Private.
    pub private_flag: Option<bool>,
    /// How often it was observed.
    pub observation_count: Option<i64>,
    /// When it was last observed.
    pub last_observed: Option<String>,
    /// How often it was reported a false positive.
    pub false_positive_count: Option<i64>,
    /// When it was last reported a false positive.
    pub false_positive_last_reported: Option<String>,
    /// Its tags (v3 `fields=tags`, v2 `includes=tags`).
    pub tags: Vec<Tag>,
    /// Its security labels.
    pub security_labels: Vec<SecurityLabel>,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
    /// Associated groups, when asked for.
    pub associated_groups: Vec<Group>,
    /// Associated indicators, when asked for.
    pub associated_indicators: Vec<Indicator>,
    /// Everything ThreatConnect sent for this indicator.
    pub raw: Value,
}

/// v2 single items carry their value in type-specific fields.
const SUMMARY_FIELDS: [&str; 13] =
    ["summary", "ip", "hostName", "address", "text", "AS Number", "Block", "Mutex", "Key Name", "User Agent String", "value1", "name", "indicator"];

/// The indicator type named by a v2 entity key (`host`, `cidrBlock`, `emailAddress`...).
fn indicator_type_from_entity(key: &str) -> Option<IndicatorType> {
    if key.is_empty() || key == "indicator" {
        return None;
    }
    IndicatorType::from_base_name(key)
        .or_else(|| IndicatorType::from_base_name(&format!("{key}s")))
        .or_else(|| IndicatorType::from_base_name(&format!("{key}es")))
}

fn file_summary(o: &Obj) -> Option<String> {
    let hashes: Vec<String> = ["md5", "sha1", "sha256"].iter().filter_map(|k| o.opt_text(k)).collect();
    if hashes.is_empty() {
        None
    } else {
        Some(hashes.join(" : "))
    }
}

impl Indicator {
    /// Reads one indicator; `entity` is the v2 key it came under (a type hint
    /// when the object has no `type`), empty for v3.
    pub fn read(v: &Value, path: &str, entity: &str) -> R<Indicator> {
        let o = Obj::new(v, path)?;
        let indicator_type = match o.opt_text("type") {
            Some(t) => IndicatorType::from_base_name(&t).unwrap_or(IndicatorType::Custom(t)),
            None => match indicator_type_from_entity(entity) {
                Some(t) => t,
                None if !entity.is_empty() && entity != "indicator" => IndicatorType::Custom(entity.to_string()),
                None => return Err(Error::decode(&o.p("type"), "missing")),
            },
        };
        let mut summary = SUMMARY_FIELDS.iter().find_map(|k| o.opt_text(k)).or_else(|| file_summary(&o));
        if summary.is_none() && matches!(indicator_type, IndicatorType::Custom(_)) {
            // v2 custom types carry their value under their type's value labels
            // (`value1Label`...: "Hashtag", "AS Number", "Key Name"), which are
            // Title Case, unlike every field of the API itself (lowerCamelCase):
            // `dnsActive: "false"` or `threatAssessRating: "3.00"` is never a value.
            // [`IndicatorTypeDef::value_of`] reads the labels exactly when the type is known.
            summary = o.m.iter().find(|(k, v)| v.is_string() && k.starts_with(|c: char| c.is_ascii_uppercase())).and_then(|(_, v)| as_string(v));
        }
        let summary = summary.ok_or_else(|| Error::decode(&o.p("summary"), "missing"))?;
        Ok(Indicator {
            id: o.id("id")?,
            indicator_type,
            summary,
            owner: OwnerRef::read(&o)?,
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            // The owner's own rating and confidence only: ThreatAssess is ThreatConnect's
            // computed score, kept apart (an item the owner never rated has none).
            rating: o.opt_f64("rating"),
            confidence: o.opt_f64("confidence"),
            threat_assess_rating: o.opt_f64("threatAssessRating"),
            threat_assess_confidence: o.opt_f64("threatAssessConfidence"),
            threat_assess_score: o.opt_f64("threatAssessScore"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            active: o.opt_bool("active"),
            private_flag: o.opt_bool("privateFlag"),
            // v3 names the counts `observations`/`falsePositives`, v2 `...Count`.
            observation_count: o.opt_i64("observationCount").or_else(|| o.opt_i64("observations")),
            last_observed: o.opt_text("lastObserved"),
            false_positive_count: o.opt_i64("falsePositiveCount").or_else(|| o.opt_i64("falsePositives")),
            false_positive_last_reported: o.opt_text("falsePositiveLastReported").or_else(|| o.opt_text("lastFalsePositive")),
            tags: o.list_either("tags", "tag", Tag::read)?,
            security_labels: o.list_either("securityLabels", "securityLabel", SecurityLabel::read)?,
            attributes: o.list_either("attributes", "attribute", Attribute::read)?,
            associated_groups: o.list("associatedGroups", Group::read)?,
            associated_indicators: o.list("associatedIndicators", Indicator::read)?,
            raw: v.clone(),
        })
    }
}

/// How an indicator is named in v3: by id, or by its summary (with the owner: v3
/// looks a summary up in your own Organization only without it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndicatorKey {
    /// By id.
    Id(i64),
    /// By summary (URLs, email addresses, file hash triples: one encoded segment).
    Summary(String),
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/indicators[/{branch}]` (all types, or one).
    pub fn list(branch: Option<&str>, opts: &ListOptions) -> HttpRequest {
        let p = match branch {
            Some(b) => ApiPath::lit("/v2/indicators").seg(b),
            None => ApiPath::lit("/v2/indicators"),
        };
        opts.apply(HttpRequest::get(p.build()))
    }

    /// `POST /v2/indicators/{branch}` with the indicator body.
    pub fn create(branch: &str, owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post(ApiPath::lit("/v2/indicators").seg(branch).build()).owner(owner).json(body)
    }

    /// `GET {indicator}/owners`: the owners holding the same value.
    pub fn owners(item: &ItemRef) -> HttpRequest {
        HttpRequest::get(item.sub("owners").build())
    }

    /// `GET /v2/indicators?owner=..&resultLimit=10000&filters=summary=a,summary=b&orParams=true
    /// &includeAdditional=true&includes=tags&includes=labels`: `owner`'s indicators of any type
    /// whose summary is one of `summaries`, with their tags, labels, counts and observations.
    /// `None` when a summary cannot be a filter's value (empty, or with a comma, which would
    /// end its filter and start another): such a request would name other indicators.
    pub fn by_summaries(owner: &str, summaries: &[String]) -> Option<HttpRequest> {
        use crate::paging::{Filter, Op};
        if summaries.is_empty() || summaries.iter().any(|s| s.contains(',') || s.trim().is_empty()) {
            return None;
        }
        let opts = ListOptions {
            owner: Some(owner.to_owned()),
            result_start: Some(0),
            result_limit: Some(crate::MAX_RESULT_LIMIT),
            filters: summaries.iter().map(|s| Filter::new("summary", Op::Eq, s.clone())).collect(),
            or_params: true,
            include_additional: true,
            includes: vec!["tags".into(), "labels".into()],
            ..ListOptions::default()
        };
        Some(list(None, &opts))
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::with_fields;

    /// What an indicator panel asks for in its one core request.
    pub const PANEL_FIELDS: [&str; 8] =
        ["associatedGroups", "associatedIndicators", "attributes", "tags", "securityLabels", "observations", "falsePositives", "threatAssess"];

    /// `GET /v3/indicators/{id or summary}?owner=..&fields=..` (+ dnsResolution and
    /// whoIs for hosts and addresses). `associated_groups`: ask for the associated
    /// groups in the same response (false when they are paged separately).
    pub fn get(key: &IndicatorKey, indicator_type: Option<&IndicatorType>, owner: Option<&str>, associated_groups: bool) -> HttpRequest {
        let p = match key {
            IndicatorKey::Id(id) => Collection::Indicators.item(*id),
            IndicatorKey::Summary(s) => ApiPath::lit(Collection::Indicators.path()).seg(s),
        };
        let fields: &[&str] = if associated_groups { &PANEL_FIELDS } else { &PANEL_FIELDS[1..] };
        let mut r = with_fields(HttpRequest::get(p.build()).owner(owner), fields);
        if matches!(indicator_type, Some(IndicatorType::Host) | Some(IndicatorType::Address)) {
            r = with_fields(r, &["dnsResolution", "whoIs"]);
        }
        r
    }

    /// The same answer as [`get`] by summary, for a summary that cannot be a
    /// path segment (`.`, `..`: a Mutex, User Agent or Registry Key can be one): a TQL
    /// search on the summary with the same fields, answered as a list of at most one.
    pub fn by_summary(summary: &str, indicator_type: &IndicatorType, owner: Option<&str>) -> HttpRequest {
        use crate::tql::quote;
        let tql = format!("summary = {} and typeName = {}", quote(summary), quote(indicator_type.type_name()));
        with_fields(Collection::Indicators.search(&tql, 0, 1, false).owner(owner), &PANEL_FIELDS)
    }
}

impl<T: Transport> Client<T> {
    /// `PUT /v3/indicators/{id}?fields=...`: the write's answer is the indicator with the
    /// expansions asked for (tags, attributes...), decoded as a read.
    pub async fn v3_update_indicator(&self, id: i64, body: &Value, fields: &[&str]) -> Result<Indicator, Error> {
        self.v3_one(crate::item::v3::update_with_fields(Collection::Indicators, id, body, fields), Indicator::read).await
    }
    /// `GET /v2/tags/{name}/indicators[/{branch}]`: one page of the indicators carrying the tag.
    pub async fn tagged_indicators(&self, tag: &str, branch: Option<&str>, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(crate::tags::v2::tagged(tag, "indicators", branch, opts), ENTITY, Indicator::read).await
    }
    /// Every page of [`v2::by_summaries`]: `owner`'s indicators whose summary is one of
    /// `summaries` (v2's bulk lookup, one owner a request). A summary no v2 filter can
    /// carry (a comma in it, or empty) is refused before anything is sent.
    pub async fn v2_indicators_by_summaries(&self, owner: &str, summaries: &[String]) -> Result<Vec<Indicator>, Error> {
        let req = v2::by_summaries(owner, summaries)
            .ok_or_else(|| Error::Config("a v2 summary filter cannot name an empty value or one with a comma".to_owned()))?;
        self.v2_pager(req, ENTITY, Indicator::read).collect_all().await
    }
    /// `GET {indicator}/owners` (v2 only): the owners holding the same value.
    pub fn indicator_owners(&self, item: &ItemRef) -> impl Future<Output = Result<Vec<Owner>, Error>> + '_ {
        self.v2_list(v2::owners(item), crate::owners::ENTITY, Owner::read).map(|r| r.map(|p| p.items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::test_util::{body, documented, line, url};
    use crate::types::{GroupType, BASE_INDICATOR_TYPES};
    use serde_json::json;

    #[test]
    fn v2_host_is_summarised_and_typed_from_its_entity() {
        let v = json!({"id": 12345, "owner": {"id": 1, "name": "Example Organization", "type": "Organization"},
            "threatAssessRating": "3.00", "hostName": "example.com", "dnsActive": "false", "newField": [1]});
        let i = Indicator::read(&v, "data.host", "host").unwrap();
        assert_eq!(i.id, 12345);
        assert_eq!(i.indicator_type, IndicatorType::Host);
        assert_eq!(i.summary, "example.com");
        assert_eq!(i.owner, OwnerRef { name: "Example Organization".into(), id: Some(1), kind: Some("Organization".into()) });
        // ThreatAssess is not the owner's rating: this owner gave none.
        assert_eq!((i.rating, i.threat_assess_rating), (None, Some(3.0)));
        assert_eq!(i.raw["newField"], json!([1]));
    }

    #[test]
    fn custom_types_are_kept() {
        let v = json!({"id": "7", "type": "Hashtag", "summary": "#bad", "ownerName": "Org"});
        let i = Indicator::read(&v, "data[0]", "").unwrap();
        assert_eq!(i.indicator_type, IndicatorType::Custom("Hashtag".into()));
        assert_eq!(i.id, 7);
    }

    #[test]
    fn v2_custom_type_value_comes_from_its_own_field() {
        let v = json!({"id": 3, "ownerName": "O", "dateAdded": "2024-01-01", "Hashtag": "#evil", "webLink": "https://x"});
        let i = Indicator::read(&v, "data.hashtag", "hashtag").unwrap();
        assert_eq!((i.indicator_type, i.summary.as_str()), (IndicatorType::Custom("hashtag".into()), "#evil"));
        // API fields given as text sort before the label here ("a" < "z" but after "Z"):
        // none of them is taken for the value.
        let v = json!({"id": 3, "ownerName": "O", "active": "true", "dnsActive": "false", "threatAssessRating": "3.00", "zTag": "#evil"});
        assert!(Indicator::read(&v, "data.hashtag", "hashtag").is_err(), "no Title Case label: no value");
        let v = json!({"id": 3, "ownerName": "O", "active": "true", "privateFlag": "false", "Tag Value": "#evil"});
        assert_eq!(Indicator::read(&v, "data.hashtag", "hashtag").unwrap().summary, "#evil");
    }

    #[test]
    fn file_hashes_are_joined() {
        let v = json!({"id": 1, "md5": "AA", "sha256": "CC", "ownerName": "O"});
        assert_eq!(Indicator::read(&v, "", "file").unwrap().summary, "AA : CC");
    }

    #[test]
    fn missing_identity_fails_with_path() {
        let v = json!({"id": 1, "summary": "x", "type": "Host"});
        assert_eq!(Indicator::read(&v, "data", "").unwrap_err(), Error::decode("data.ownerName", "missing"));
    }

    #[test]
    fn v3_nested_lists_decode() {
        let v = json!({"id": 4, "ownerName": "Demo", "type": "Host", "summary": "a.com",
            "tags": {"data": [{"id": 11, "name": "T"}]},
            "associatedGroups": {"data": [{"id": 12, "ownerName": "Src", "type": "Adversary", "name": "Bad Guy"}]},
            "attributes": {"data": [{"id": 1, "type": "Description", "value": "d",
                "securityLabels": {"data": [{"name": "TLP:AMBER"}]}}]}});
        let i = Indicator::read(&v, "data", "").unwrap();
        assert_eq!(i.tags[0].name, "T");
        assert_eq!(i.associated_groups[0].group_type(), Some(GroupType::Adversary));
        assert_eq!(i.attributes[0].security_labels[0].name, "TLP:AMBER");
        let bad = json!({"id": 4, "ownerName": "Demo", "type": "Host", "summary": "a.com",
            "associatedGroups": {"data": [{"id": 12, "ownerName": "Src", "type": "Adversary"}]}});
        assert_eq!(Indicator::read(&bad, "data", "").unwrap_err(), Error::decode("data.associatedGroups.data[0].name", "missing"));
    }

    #[test]
    fn indicator_paths_encode_values_as_one_segment() {
        assert_eq!(
            line(&crate::item::v2::get(&url(), None)),
            "GET /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf?includeAdditional=true"
        );
        let custom = ItemRef::custom_indicator("hashtags", "#evil");
        assert_eq!(line(&crate::item::v2::get(&custom, None)), "GET /v2/indicators/hashtags/%23evil?includeAdditional=true");
        assert!(ItemRef::indicator(&IndicatorType::Custom("Hashtag".into()), "x").is_none(), "custom types need their apiBranch");
        assert_eq!(line(&v2::owners(&url())), "GET /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf/owners");
    }

    #[test]
    fn every_base_type_has_a_path() {
        for t in BASE_INDICATOR_TYPES {
            let r = v2::list(t.v2_branch(), &ListOptions::default());
            assert_eq!(line(&r), format!("GET /v2/indicators/{}", t.v2_branch().unwrap()));
        }
        let r = v2::create("hosts", Some("Org"), &json!({"hostName": "bad.example", "rating": 3}));
        assert_eq!(line(&r), "POST /v2/indicators/hosts?owner=Org");
        assert_eq!(body(&r)["hostName"], "bad.example");
        assert_eq!(r.header_value("Content-Type"), Some("application/json"));
    }

    #[test]
    fn list_options_filters_paging_owner() {
        use crate::paging::{Filter, Op};
        let opts = ListOptions {
            owner: Some("Common Community".into()),
            result_start: Some(0),
            result_limit: Some(500),
            filters: vec![
                Filter::new("summary", Op::StartsWith, "bad"),
                Filter::new("rating", Op::Gt, "3"),
                Filter::new("confidence", Op::Lt, "50"),
                Filter::new("tag", Op::Eq, "APT 1"),
            ],
            or_params: true,
            modified_since: Some("2024-01-01T00:00:00Z".into()),
            include_additional: true,
            includes: vec!["tags".into(), "attributes".into()],
        };
        assert_eq!(
            line(&v2::list(Some("hosts"), &opts)),
            "GET /v2/indicators/hosts?owner=Common%20Community&resultStart=0&resultLimit=500\
&filters=summary%5Ebad%2Crating%3E3%2Cconfidence%3C50%2Ctag%3DAPT%201&orParams=true\
&modifiedSince=2024-01-01T00%3A00%3A00Z&includeAdditional=true&includes=tags&includes=attributes"
        );
    }

    #[test]
    fn v2_lookup_by_summaries_names_each_value_in_one_or_list() {
        let r = v2::by_summaries("Demo Org", &["a.example".into(), "x=y&z".into()]).unwrap();
        assert_eq!(
            line(&r),
            "GET /v2/indicators?owner=Demo%20Org&resultStart=0&resultLimit=10000\
&filters=summary%3Da.example%2Csummary%3Dx%3Dy%26z&orParams=true&includeAdditional=true&includes=tags&includes=labels"
        );
        // A comma would end the filter and name another value; nothing is sent.
        assert_eq!(v2::by_summaries("Demo Org", &["a.example".into(), "b,summary=c".into()]), None);
        assert_eq!(v2::by_summaries("Demo Org", &[" ".into()]), None);
        assert_eq!(v2::by_summaries("Demo Org", &[]), None);
    }

    #[test]
    fn v3_panel_reads() {
        let r = v3::get(&IndicatorKey::Id(3), Some(&IndicatorType::File), Some("Demo Org"), true);
        assert_eq!(line(&r), "GET /v3/indicators/3?owner=Demo%20Org&fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess");
        let r = v3::get(&IndicatorKey::Summary("http://x/y?z".into()), Some(&IndicatorType::Url), None, false);
        assert_eq!(line(&r), "GET /v3/indicators/http%3A%2F%2Fx%2Fy%3Fz?fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess");
        let r = v3::get(&IndicatorKey::Id(1), Some(&IndicatorType::Host), None, false);
        assert!(line(&r).ends_with("&fields=dnsResolution&fields=whoIs"), "{}", line(&r));
        let r = v3::by_summary("..", &IndicatorType::Mutex, Some("O"));
        assert_eq!(line(&r), "GET /v3/indicators?tql=summary%20%3D%20%22..%22%20and%20typeName%20%3D%20%22Mutex%22&resultStart=0&resultLimit=1&owner=O&fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess");
    }

    #[test]
    fn v3_host_fields_the_panel_shows() {
        // GET /v3/indicators/3 (v3 Indicators, "Retrieve a Single Indicator").
        let i = decode::v3_one(&documented("v3__indicators__retrieve__2").1, Indicator::read).unwrap();
        assert_eq!((i.id, i.summary.as_str(), i.indicator_type.clone()), (3, "badguy.com", IndicatorType::Host));
        assert_eq!(i.owner.name, "Demo Organization");
        assert_eq!(i.rating, Some(3.0));
        assert_eq!(i.confidence, Some(74.0));
        assert_eq!(i.description.as_deref(), Some("A bad host."));
        assert_eq!(i.web_link.as_deref(), Some("https://app.threatconnect.com/#/details/indicators/3/overview"));
        assert_eq!(i.date_added.as_deref(), Some("2021-10-26T12:40:00Z"));
        assert_eq!(i.last_modified.as_deref(), Some("2021-11-02T14:58:55Z"));
        assert_eq!((i.active, i.private_flag), (Some(true), Some(false)));
        // No ThreatAssess in this answer: none shown, and none taken for the owner's rating.
        assert_eq!((i.threat_assess_rating, i.threat_assess_score), (None, None));
    }

    #[test]
    fn v3_counts_and_threat_assess() {
        // PUT /v3/indicators/75?fields=observations
        let i = decode::v3_one(&documented("v3__indicators__falsePositivesObservations__3").1, Indicator::read).unwrap();
        assert_eq!((i.observation_count, i.last_observed.as_deref()), (Some(1), Some("2024-12-09T00:00:00Z")));
        // PUT /v3/indicators/75?fields=falsePositives, the documented answer with ThreatAssess.
        let mut with_id = documented("v3__indicators__falsePositivesObservations__2").1;
        with_id["data"]["id"] = 75.into();
        with_id["data"]["ownerName"] = "Demo Source".into();
        let i = decode::v3_one(&with_id, Indicator::read).unwrap();
        assert_eq!(i.threat_assess_rating, Some(3.59));
        assert_eq!(i.threat_assess_confidence, Some(20.65));
        assert_eq!(i.threat_assess_score, Some(273.0));
        assert_eq!((i.false_positive_count, i.false_positive_last_reported.as_deref()), (Some(1), Some("2024-12-09T00:00:00Z")));
        // The owner's own rating and confidence are absent there: ThreatAssess does not stand in.
        assert_eq!((i.rating, i.confidence), (None, None));
    }

    #[test]
    fn v2_host_with_additional_fields() {
        // GET /v2/indicators/hosts/example.com?includeAdditional=true
        let i = decode::v2_one(&documented("v2__indicators__retrieve__10").1, "host", Indicator::read).unwrap();
        assert_eq!((i.id, i.summary.as_str()), (12345, "example.com"));
        assert_eq!((i.owner.name.as_str(), i.owner.kind.as_deref()), ("Example Organization", Some("Organization")));
        assert_eq!((i.threat_assess_rating, i.threat_assess_confidence, i.threat_assess_score), (Some(3.0), Some(50.0), Some(354.0)));
        assert_eq!((i.rating, i.confidence), (None, None), "the owner gave no rating or confidence");
        assert_eq!((i.observation_count, i.last_observed.as_deref()), (Some(5), Some("2016-07-13T17:50:25-05:00")));
        assert_eq!((i.false_positive_count, i.false_positive_last_reported.as_deref()), (Some(1), Some("2017-07-13T17:50:25-05:00")));
        assert_eq!(
            i.web_link.as_deref(),
            Some("https://app.threatconnect.com/auth/indicators/details/host.xhtml?host=example.com&owner=Example%20Organization")
        );
        assert_eq!((i.active, i.private_flag), (Some(true), Some(false)));
        assert_eq!(i.date_added.as_deref(), Some("2017-06-21T17:50:25-05:00"));
    }

    #[test]
    fn v2_mutex_rating_and_confidence_are_the_owners() {
        // GET /v2/indicators/mutexes/8F6F00C4-B901-45fd-08CF-72FDEFF
        let i = decode::v2_one(&documented("v2__indicators__retrieve__7").1, "mutex", Indicator::read).unwrap();
        assert_eq!((i.summary.as_str(), i.indicator_type.clone()), ("8F6F00C4-B901-45fd-08CF-72FDEFF", IndicatorType::Mutex));
        assert_eq!((i.rating, i.confidence), (Some(4.0), Some(85.0)));
        assert_eq!(i.threat_assess_score, Some(536.0));
    }

    #[test]
    fn the_other_owners_of_a_value() {
        // GET /v2/indicators/urls/.../owners: the other-owners card.
        let o = decode::v2_list(&documented("v2__indicators__retrieve__8").1, "owner", Owner::read).unwrap();
        let names: Vec<&str> = o.items.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Example Organization", "Common Community", "Example Community"]);
        assert_eq!(o.items[1].kind.as_deref(), Some("Community"));
        let _ = GroupType::Adversary;
    }
}

//! What the panels ask for: v3 first (one core request, association pages at
//! the same time), v2 when v3 is not there (404/400), with every v2 request
//! issued at once.

use crate::associations;
use crate::client::{Client, Transport};
use crate::decode::{self, Page, Reader};
use crate::dns::{self, DnsResolution};
use crate::error::Error;
use crate::groups::{self, Group};
use crate::http::{encode_component, is_unsafe_segment, HttpRequest};
use crate::indicators::{self, Indicator, IndicatorKey};
use crate::item::{self, ItemRef};
use crate::owners::Owner;
use crate::paging::ListOptions;
use crate::types::{GroupType, IndicatorType, IndicatorTypeDef};
use futures::future::{join, join3, join_all};
use serde_json::Value;

/// Page size for association lists.
pub const ASSOCIATION_PAGE: u32 = 100;

/// Which API answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// API v3.
    V3,
    /// API v2 (an instance without v3).
    V2,
}

/// An indicator as the Spaces context (or a pivot) names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRef {
    /// The indicator's type.
    pub indicator_type: IndicatorType,
    /// Its value.
    pub summary: String,
    /// Known after a pivot: lets the association page go out with the core.
    pub id: Option<i64>,
    /// The owner to look in (v3 looks in the user's Organization without it).
    pub owner: Option<String>,
    /// The v2 `apiBranch` of a custom type (for the v2 fallback).
    pub custom_branch: Option<String>,
}

impl IndicatorRef {
    /// An indicator by type and value, in `owner`.
    pub fn new(indicator_type: IndicatorType, summary: &str, owner: Option<&str>) -> Self {
        IndicatorRef { indicator_type, summary: summary.into(), id: None, owner: owner.map(str::to_string), custom_branch: None }
    }
}

/// An indicator panel. `indicator` carries tags, security labels, attributes
/// and associations; `more_*` say where the association lists go on.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorPanel {
    /// The indicator with its tags, labels, attributes and associations.
    pub indicator: Indicator,
    /// v3 `next` link for more associated groups, when there are more.
    pub more_groups: Option<String>,
    /// Total associated groups when ThreatConnect said.
    pub group_count: Option<i64>,
    /// DNS resolutions of a host or an address (v3 `fields=dnsResolution`, v2 `/dnsResolutions`).
    pub dns_resolutions: Vec<DnsResolution>,
    /// The item's v2 path (a custom type's from its `apiBranch`) when the panel came from v2.
    pub v2_item: Option<ItemRef>,
    /// Which API answered.
    pub source: ApiVersion,
    /// Parts that could not be loaded (the rest of the panel is still shown).
    pub warnings: Vec<Error>,
}

/// A group panel.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupPanel {
    /// The group with its tags, labels, attributes and first page of associated groups.
    pub group: Group,
    /// The first page of its associated indicators.
    pub indicators: Vec<Indicator>,
    /// v3 `next` link for more associated indicators.
    pub more_indicators: Option<String>,
    /// Total associated indicators when ThreatConnect said.
    pub indicator_count: Option<i64>,
    /// v3 `next` link for more associated groups.
    pub more_groups: Option<String>,
    /// Total associated groups when ThreatConnect said.
    pub group_count: Option<i64>,
    /// Which API answered.
    pub source: ApiVersion,
    /// Parts that could not be loaded (the rest of the panel is still shown).
    pub warnings: Vec<Error>,
}

/// v3 unavailable (old instance, or the path is not there): use v2.
fn v3_unavailable(e: &Error) -> bool {
    matches!(e.status(), Some(404) | Some(400))
}

/// The v2 fallback, remembered once it proves v3 is missing: v3 said
/// 404/400 and v2 has the item. (A 404 alone could be a missing item.)
async fn fall_back<T: Transport, P>(client: &Client<T>, v2: impl std::future::Future<Output = Result<P, Error>>) -> Result<P, Error> {
    let panel = v2.await?;
    client.set_v3_missing();
    Ok(panel)
}

/// Loads an indicator panel: through v3, else through v2.
pub async fn load_indicator_panel<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<IndicatorPanel, Error> {
    match load_indicator_panel_v3(client, r).await? {
        Some(panel) => Ok(panel),
        None => load_indicator_panel_v2_fallback(client, r).await,
    }
}

/// The v2 fallback, once v3 proved unavailable (`load_indicator_panel_v3` said `None`). Apart so
/// that the panels can load its code only when an instance needs it (`ui::on_demand`).
pub async fn load_indicator_panel_v2_fallback<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<IndicatorPanel, Error> {
    if client.v3_missing() {
        return load_indicator_panel_v2(client, r).await;
    }
    fall_back(client, load_indicator_panel_v2(client, r)).await
}

/// Loads an indicator panel through v3; `None` when v3 is unavailable (known missing, or it
/// answered 404 or 400): the v2 fallback's turn.
pub async fn load_indicator_panel_v3<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<Option<IndicatorPanel>, Error> {
    if client.v3_missing() {
        return Ok(None);
    }
    let owner = r.owner.as_deref();
    let result = match r.id {
        // A summary such as `..` cannot be a path segment: the same fields through TQL.
        None if is_unsafe_segment(&encode_component(&r.summary)) => {
            let req = indicators::v3::by_summary(&r.summary, &r.indicator_type, owner);
            let page = client.v3_list(req, Indicator::read).await?;
            let not_found = Error::Http { status: 404, code: None, message: format!("No {} {}", r.indicator_type.type_name(), r.summary) };
            page.items.into_iter().next().ok_or(not_found).map(|i| (i, None))
        }
        None => {
            let req = indicators::v3::get(&IndicatorKey::Summary(r.summary.clone()), Some(&r.indicator_type), owner, true);
            client.v3_one(req, Indicator::read).await.map(|i| (i, None))
        }
        Some(id) => {
            // The core and the first page of associated groups at the same time.
            let core = client.v3_one(indicators::v3::get(&IndicatorKey::Id(id), Some(&r.indicator_type), owner, false), Indicator::read);
            let groups = client.v3_list(associations::v3::groups_of_indicator(id, 0, ASSOCIATION_PAGE), Group::read);
            let (core, groups) = join(core, groups).await;
            core.map(|i| (i, Some(groups)))
        }
    };
    match result {
        Ok((mut indicator, groups)) => {
            let (mut more_groups, mut group_count, mut warnings) = (None, None, Vec::new());
            match groups {
                Some(Ok(page)) => {
                    indicator.associated_groups = page.items;
                    more_groups = page.next;
                    group_count = page.result_count;
                }
                Some(Err(e)) => warnings.push(e),
                None => {}
            }
            let dns_resolutions = warn(dns::of_v3_indicator(&indicator.raw), &mut warnings).unwrap_or_default();
            Ok(Some(IndicatorPanel { indicator, more_groups, group_count, dns_resolutions, v2_item: None, source: ApiVersion::V3, warnings }))
        }
        Err(e) if v3_unavailable(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The indicator's v2 item: its type's branch, or for a custom type the
/// `apiBranch` ThreatConnect lists in `/v2/types/indicatorTypes` (with the
/// type's definition, which says where a v2 item keeps its value).
pub async fn v2_indicator<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<(ItemRef, Option<IndicatorTypeDef>), Error> {
    if let Some(b) = &r.custom_branch {
        return Ok((ItemRef::custom_indicator(b, &r.summary), None));
    }
    if let Some(item) = ItemRef::indicator(&r.indicator_type, &r.summary) {
        return Ok((item, None));
    }
    let types = client.indicator_types().await?;
    let def = types
        .into_iter()
        .find(|d| d.is(&r.indicator_type))
        .ok_or_else(|| Error::Config(format!("ThreatConnect lists no indicator type {} in /v2/types/indicatorTypes", r.indicator_type)))?;
    Ok((ItemRef::custom_indicator(&def.api_branch, &r.summary), Some(def)))
}

/// The owners holding the same value (`{indicator}/owners`, v2 only), custom types included.
pub async fn indicator_owners<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<Vec<Owner>, Error> {
    let (item, _) = v2_indicator(client, r).await?;
    client.indicator_owners(&item).await
}

/// v2 embeds tags, attributes and security labels (and, with the item's
/// `includeAdditional`, the observation and false-positive counts) when asked with `includes=`.
fn with_includes(r: HttpRequest) -> HttpRequest {
    ["additional", "attributes", "labels", "tags"].iter().fold(r, |r, i| r.query("includes", *i))
}

fn list_or_warn<M>(body: Result<Value, Error>, key: &str, read: Reader<M>, warnings: &mut Vec<Error>) -> Vec<M> {
    let r = body.and_then(|b| decode::v2_list(&b, key, read));
    warn(r, warnings).map(|p| p.items).unwrap_or_default()
}

/// Keeps the error as a warning.
fn warn<X>(r: Result<X, Error>, warnings: &mut Vec<Error>) -> Option<X> {
    match r {
        Ok(x) => Some(x),
        Err(e) => {
            warnings.push(e);
            None
        }
    }
}

/// The indicator panel from v2: item, attributes, tags, security labels,
/// associated groups and indicators, observation count (and DNS resolutions
/// for hosts and addresses), all requested at once.
pub async fn load_indicator_panel_v2<T: Transport>(client: &Client<T>, r: &IndicatorRef) -> Result<IndicatorPanel, Error> {
    let (item, def) = v2_indicator(client, r).await?;
    let owner = r.owner.as_deref();
    let opts = ListOptions { owner: r.owner.clone(), ..ListOptions::default() };
    // The item with its tags, attributes, labels and counts (`includes=`), the
    // associations and DNS: at most four requests, so that with the panel's
    // other sections they stay within a browser's six connections per host
    // and really leave together.
    let mut reqs = vec![
        with_includes(item::v2::get(&item, owner)),
        associations::v2::groups(&item, None, &opts),
        associations::v2::indicators(&item, None, &opts),
    ];
    let dns = matches!(r.indicator_type, IndicatorType::Host | IndicatorType::Address);
    if dns {
        reqs.push(dns::v2::list(&item, owner));
    }
    let mut answers = join_all(reqs.into_iter().map(|q| client.json(q))).await.into_iter();
    let mut next = || answers.next().unwrap_or(Err(Error::Config("missing answer".into())));
    let entity_key = match (&def, &item) {
        (Some(d), _) if !d.api_entity.is_empty() => d.api_entity.clone(),
        (_, ItemRef::Indicator { branch, .. }) => entity_of_branch(branch),
        _ => indicators::ENTITY.to_string(),
    };
    let mut indicator = decode::v2_one(&next()?, &entity_key, Indicator::read)?;
    if let Some(d) = &def {
        // A custom type's value is under its own value labels, read exactly.
        indicator.indicator_type = d.indicator_type();
        if let Some(v) = d.value_of(&indicator.raw) {
            indicator.summary = v;
        }
    }
    let mut warnings = Vec::new();
    indicator.associated_groups = list_or_warn(next(), groups::ENTITY, Group::read, &mut warnings);
    indicator.associated_indicators = list_or_warn(next(), indicators::ENTITY, Indicator::read, &mut warnings);
    // A host's answer is `dnsResolution` entries, an address's the hosts themselves.
    let dns_resolutions = if dns { list_or_warn(next(), dns::ENTITY, DnsResolution::read, &mut warnings) } else { Vec::new() };
    Ok(IndicatorPanel { indicator, more_groups: None, group_count: None, dns_resolutions, v2_item: Some(item), source: ApiVersion::V2, warnings })
}

/// The singular entity key of a v2 branch (`hosts` -> `host`, `addresses` -> `address`).
fn entity_of_branch(branch: &str) -> String {
    let b = branch;
    if let Some(s) = b.strip_suffix("sses") {
        return format!("{s}ss");
    }
    if let Some(s) = b.strip_suffix("xes") {
        return format!("{s}x");
    }
    b.strip_suffix('s').unwrap_or(b).to_string()
}

/// Loads a group panel: through v3, else through v2.
pub async fn load_group_panel<T: Transport>(client: &Client<T>, group_type: GroupType, id: i64) -> Result<GroupPanel, Error> {
    match load_group_panel_v3(client, id).await? {
        Some(panel) => Ok(panel),
        None => load_group_panel_v2_fallback(client, group_type, id).await,
    }
}

/// The v2 fallback, once v3 proved unavailable (as `load_indicator_panel_v2_fallback`).
pub async fn load_group_panel_v2_fallback<T: Transport>(client: &Client<T>, group_type: GroupType, id: i64) -> Result<GroupPanel, Error> {
    if client.v3_missing() {
        return load_group_panel_v2(client, group_type, id).await;
    }
    fall_back(client, load_group_panel_v2(client, group_type, id)).await
}

/// Loads a group panel through v3: the core and the first pages of associated indicators and
/// groups, at the same time; `None` when v3 is unavailable.
pub async fn load_group_panel_v3<T: Transport>(client: &Client<T>, id: i64) -> Result<Option<GroupPanel>, Error> {
    if client.v3_missing() {
        return Ok(None);
    }
    let core = client.v3_one(groups::v3::get(id, false), Group::read);
    let inds = client.v3_list(associations::v3::indicators_of_group(id, 0, ASSOCIATION_PAGE), Indicator::read);
    let grps = client.v3_list(associations::v3::groups_of_group(id, 0, ASSOCIATION_PAGE), Group::read);
    let (core, inds, grps) = join3(core, inds, grps).await;
    match core {
        Ok(mut group) => {
            let mut warnings = Vec::new();
            let (mut indicators, mut more_indicators, mut indicator_count, mut more_groups, mut group_count) = (Vec::new(), None, None, None, None);
            match inds {
                Ok(Page { items, result_count, next }) => {
                    indicators = items;
                    more_indicators = next;
                    indicator_count = result_count;
                }
                Err(e) => warnings.push(e),
            }
            match grps {
                Ok(Page { items, result_count, next }) => {
                    group.associated_groups = items;
                    more_groups = next;
                    group_count = result_count;
                }
                Err(e) => warnings.push(e),
            }
            Ok(Some(GroupPanel { group, indicators, more_indicators, indicator_count, more_groups, group_count, source: ApiVersion::V3, warnings }))
        }
        Err(e) if v3_unavailable(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The group panel from v2, all requests at once.
pub async fn load_group_panel_v2<T: Transport>(client: &Client<T>, group_type: GroupType, id: i64) -> Result<GroupPanel, Error> {
    let item = ItemRef::group(group_type, id);
    let opts = ListOptions::default();
    let reqs = vec![
        with_includes(item::v2::get(&item, None)),
        associations::v2::groups(&item, None, &opts),
        associations::v2::indicators(&item, None, &opts),
    ];
    let mut answers = join_all(reqs.into_iter().map(|q| client.json(q))).await.into_iter();
    let mut next = || answers.next().unwrap_or(Err(Error::Config("missing answer".into())));
    let entity_key = groups::entity_of(group_type);
    let mut group = decode::v2_one(&next()?, &entity_key, Group::read)?;
    let mut warnings = Vec::new();
    group.associated_groups = list_or_warn(next(), groups::ENTITY, Group::read, &mut warnings);
    let indicators = list_or_warn(next(), indicators::ENTITY, Indicator::read, &mut warnings);
    Ok(GroupPanel {
        group,
        indicators,
        more_indicators: None,
        indicator_count: None,
        more_groups: None,
        group_count: None,
        source: ApiVersion::V2,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_util::{ok, run, Scripted};

    #[test]
    fn branch_to_entity() {
        for (b, e) in [
            ("hosts", "host"),
            ("addresses", "address"),
            ("emailAddresses", "emailAddress"),
            ("mutexes", "mutex"),
            ("cidrBlocks", "cidrBlock"),
            ("urls", "url"),
            ("incidents", "incident"),
            ("malware", "malware"),
        ] {
            assert_eq!(entity_of_branch(b), e);
        }
    }

    #[test]
    fn v3_404_falls_back_to_v2_for_the_indicator_panel() {
        let t = Scripted::new(|r, _| {
            let p = r.path.as_str();
            if p.starts_with("/api/v3/") {
                return Ok(HttpResponse::new(404, r#"{"status":"Error","errCode":"0x1004","message":"Not Found"}"#));
            }
            let body = match p {
                // `includes=` embeds tags (one object, not a list) and attributes; counts come with includeAdditional.
                "/api/v2/indicators/hosts/bad.example" => {
                    r#"{"status":"Success","data":{"host":{"id":7,"owner":{"id":1,"name":"Org","type":"Organization"},"hostName":"bad.example","rating":"4.00","observationCount":"5","tag":{"name":"APT"},"attribute":[{"id":3,"type":"Description","value":"d"}]}}}"#
                }
                "/api/v2/indicators/hosts/bad.example/groups" => {
                    r#"{"status":"Success","data":{"resultCount":1,"group":[{"id":"9","name":"Op X","type":"Incident","ownerName":"Org"}]}}"#
                }
                "/api/v2/indicators/hosts/bad.example/indicators" => r#"{"status":"Failure","message":"nope"}"#,
                _ => r#"{"status":"Success","data":{"resultCount":0}}"#,
            };
            ok(body)
        });
        let c = t.token_client("old", None, 1000);
        let r = IndicatorRef::new(IndicatorType::Host, "bad.example", Some("Org"));
        let p = run(load_indicator_panel(&c, &r)).unwrap();
        assert_eq!(p.source, ApiVersion::V2);
        assert_eq!((p.indicator.id, p.indicator.summary.as_str(), p.indicator.rating), (7, "bad.example", Some(4.0)));
        assert_eq!(p.indicator.tags[0].name, "APT");
        assert_eq!(p.indicator.associated_groups[0].id, 9);
        assert_eq!(p.indicator.attributes[0].value, "d");
        assert_eq!(p.indicator.observation_count, Some(5));
        assert_eq!(p.warnings.len(), 1, "the failed associated-indicators request is a warning, the panel still loads");
        // v3 core + 4 v2 requests (item with includes, groups, indicators, dnsResolutions for a host):
        // within a browser's six connections per host, with the panel's other sections.
        let lines = c.transport().lines();
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert_eq!(lines[0], "GET /api/v3/indicators/bad.example?owner=Org&fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess&fields=dnsResolution&fields=whoIs");
        assert!(lines.contains(&"GET /api/v2/indicators/hosts/bad.example?owner=Org&includeAdditional=true&includes=additional&includes=attributes&includes=labels&includes=tags".to_string()), "{lines:?}");
    }

    #[test]
    fn group_panel_uses_v3_with_association_pages() {
        let t = Scripted::new(|r, _| {
            let body = match (r.path.as_str(), r.query.first().map(|q| q.1.as_str())) {
                ("/api/v3/groups/12", _) => {
                    r#"{"data":{"id":12,"ownerName":"Src","type":"Adversary","name":"Bad Guy","tags":{"data":[{"name":"T"}]}},"status":"Success"}"#
                }
                ("/api/v3/indicators", Some("hasGroup(id=12)")) => {
                    r#"{"data":[{"id":3,"ownerName":"O","type":"Host","summary":"a.com"}],"count":150,"next":"https://x/api/v3/indicators?resultStart=100","status":"Success"}"#
                }
                ("/api/v3/groups", Some("hasGroup(id=12)")) => r#"{"data":[],"count":0,"status":"Success"}"#,
                other => panic!("unexpected {other:?}"),
            };
            ok(body)
        });
        let c = t.token_client("old", None, 1000);
        let p = run(load_group_panel(&c, GroupType::Adversary, 12)).unwrap();
        assert_eq!(p.source, ApiVersion::V3);
        assert_eq!(p.group.name, "Bad Guy");
        assert_eq!(p.group.tags[0].name, "T");
        assert_eq!(p.indicators[0].summary, "a.com");
        assert_eq!(p.indicator_count, Some(150));
        assert_eq!(p.more_indicators.as_deref(), Some("https://x/api/v3/indicators?resultStart=100"));
        assert!(p.warnings.is_empty());
    }
}

//! Associations between items: the associated groups, indicators and victims of an
//! item (v2 by path, v3 through TQL `hasGroup`/`hasIndicator`), linking and unlinking
//! them, and the named (custom) indicator associations and their types.

use crate::client::{Client, Transport};
use crate::decode::{Obj, Page, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest, Method};
use crate::indicators::Indicator;
use crate::item::ItemRef;
use crate::paging::ListOptions;
use crate::types::GroupType;
use crate::victims::Victim;
use serde_json::Value;

const ASSOCIATION_TYPE: &str = "associationType";

/// An association type from `/v2/types/associationTypes[/{name}]`: a group type, a
/// named (custom) indicator-to-indicator association, or a file action. The
/// documentation sends the booleans as strings (`"custom": "false"`).
#[derive(Clone, Debug, PartialEq)]
pub struct AssociationType {
    /// Its name.
    pub name: String,
    /// The URL branch: `associations/{apiBranch}` or `actions/{apiBranch}`.
    pub api_branch: Option<String>,
    /// A named (custom) indicator-to-indicator association.
    pub custom: bool,
    /// A file action.
    pub file_action: bool,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl AssociationType {
    /// Reads one association type.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<AssociationType> {
        let o = Obj::new(v, path)?;
        Ok(AssociationType {
            name: o.text("name")?,
            api_branch: o.opt_text("apiBranch"),
            custom: o.opt_bool("custom").unwrap_or(false),
            file_action: o.opt_bool("fileAction").unwrap_or(false),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {item}/groups[/{type}]`.
    pub fn groups(item: &ItemRef, group_type: Option<GroupType>, opts: &ListOptions) -> HttpRequest {
        let mut p = item.sub("groups");
        if let Some(t) = group_type {
            p = p.seg(t.v2_branch());
        }
        opts.apply(HttpRequest::get(p.build()))
    }
    /// `GET {item}/indicators[/{branch}]`.
    pub fn indicators(item: &ItemRef, branch: Option<&str>, opts: &ListOptions) -> HttpRequest {
        let mut p = item.sub("indicators");
        if let Some(b) = branch {
            p = p.seg(b);
        }
        opts.apply(HttpRequest::get(p.build()))
    }
    /// `GET {item}/victims`.
    pub fn victims(item: &ItemRef, opts: &ListOptions) -> HttpRequest {
        opts.apply(HttpRequest::get(item.sub("victims").build()))
    }
    /// `GET {item}/{target}`: one associated item (e.g. `{indicator}/victims/{id}`), 404 when not associated.
    pub fn item(item: &ItemRef, target: &ItemRef) -> HttpRequest {
        HttpRequest::get(item.with_target(target))
    }
    /// `POST {item}/{target}`: link two items (indicator-group, group-group, victims...).
    pub fn link(item: &ItemRef, target: &ItemRef) -> HttpRequest {
        HttpRequest::post(item.with_target(target))
    }
    /// `DELETE {item}/{target}`: unlink.
    pub fn unlink(item: &ItemRef, target: &ItemRef) -> HttpRequest {
        HttpRequest::delete(item.with_target(target))
    }
    /// `GET {indicator}/associations/{apiBranch}/indicators`: the indicators linked by a named
    /// (custom) association type, `apiBranch` as `/v2/types/associationTypes` names it.
    pub fn named(item: &ItemRef, association: &str, opts: &ListOptions) -> HttpRequest {
        opts.apply(HttpRequest::get(item.sub("associations").seg(association).seg("indicators").build()))
    }
    /// `POST|DELETE {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
    pub fn link_named(method: Method, item: &ItemRef, association: &str, target: &ItemRef) -> HttpRequest {
        HttpRequest::new(method, format!("{}{}", item.sub("associations").seg(association).build(), target.tail().build()))
    }
    /// `GET /v2/types/associationTypes[/{name}]`: every association type, or one by name.
    pub fn types(name: Option<&str>) -> HttpRequest {
        let p = ApiPath::lit("/v2/types/associationTypes");
        HttpRequest::get(match name {
            Some(n) => p.seg(n).build(),
            None => p.build(),
        })
    }
}

/// v3: associations are TQL over the collections, and nested writes on the item.
pub mod v3 {
    use super::*;
    use crate::item::{self, nested, Collection, Mode};
    use crate::tql::{has_group, has_indicator};

    /// Groups associated with indicator `id`: `/v3/groups?tql=hasIndicator(id=N)` with its count.
    pub fn groups_of_indicator(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
        Collection::Groups.search(&has_indicator(id), result_start, result_limit, true)
    }
    /// Indicators associated with group `id`: `/v3/indicators?tql=hasGroup(id=N)` with its count.
    pub fn indicators_of_group(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
        Collection::Indicators.search(&has_group(id), result_start, result_limit, true)
    }
    /// Groups associated with group `id`: `/v3/groups?tql=hasGroup(id=N)` with its count.
    pub fn groups_of_group(id: i64, result_start: u32, result_limit: u32) -> HttpRequest {
        Collection::Groups.search(&has_group(id), result_start, result_limit, true)
    }
    /// Associate groups with an item (append) or remove them (delete).
    pub fn groups(collection: Collection, id: i64, group_ids: &[i64], mode: Mode) -> HttpRequest {
        let data = group_ids.iter().map(|g| serde_json::json!({"id": g})).collect();
        item::v3::update(collection, id, &nested("associatedGroups", data, mode))
    }
    /// Associate indicators with group `group_id` (append) or remove them (delete): one
    /// `PUT /v3/groups/{id}` for many indicators, their ids in the body (`associatedIndicators`).
    pub fn indicators_with_group(group_id: i64, indicator_ids: &[i64], mode: Mode) -> HttpRequest {
        let data = indicator_ids.iter().map(|i| serde_json::json!({"id": i})).collect();
        item::v3::update(Collection::Groups, group_id, &nested("associatedIndicators", data, mode))
    }
}

impl<T: Transport> Client<T> {
    /// Associates the indicators `indicator_ids` with group `group_id` in one request
    /// ([`v3::indicators_with_group`], mode `append`), in `owner`.
    pub async fn associate_indicators(&self, group_id: i64, indicator_ids: &[i64], owner: &str) -> Result<(), Error> {
        self.v2_ok(v3::indicators_with_group(group_id, indicator_ids, crate::item::Mode::Append).owner(Some(owner))).await
    }
    /// `POST {item}/{target}`: link two items.
    pub async fn associate(&self, item: &ItemRef, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link(item, target)).await
    }
    /// `DELETE {item}/{target}`: unlink two items.
    pub async fn dissociate(&self, item: &ItemRef, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::unlink(item, target)).await
    }
    /// `GET {item}/victims`: the victims associated with a group or an indicator.
    pub async fn associated_victims(&self, item: &ItemRef) -> Result<Vec<Victim>, Error> {
        Ok(self.v2_list(v2::victims(item, &ListOptions::default()), crate::victims::ENTITY, Victim::read).await?.items)
    }
    /// `GET {item}/victims/{victimId}`: one associated victim (404 when not associated).
    pub async fn associated_victim(&self, item: &ItemRef, victim_id: i64) -> Result<Victim, Error> {
        self.v2_one(v2::item(item, &ItemRef::Victim(victim_id)), crate::victims::ENTITY, Victim::read).await
    }
    /// `GET /v2/types/associationTypes`: group, named (custom) and file-action association types.
    pub async fn association_types(&self) -> Result<Vec<AssociationType>, Error> {
        Ok(self.v2_list(v2::types(None), ASSOCIATION_TYPE, AssociationType::read).await?.items)
    }
    /// `GET /v2/types/associationTypes/{name}`.
    pub async fn association_type(&self, name: &str) -> Result<AssociationType, Error> {
        self.v2_one(v2::types(Some(name)), ASSOCIATION_TYPE, AssociationType::read).await
    }
    /// `GET {indicator}/associations/{apiBranch}/indicators`: one page of the indicators a named association links.
    pub async fn named_associated_indicators(&self, item: &ItemRef, association: &str, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(v2::named(item, association, opts), crate::indicators::ENTITY, Indicator::read).await
    }
    /// `POST {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
    pub async fn associate_named(&self, item: &ItemRef, association: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_named(Method::Post, item, association, target)).await
    }
    /// `DELETE {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
    pub async fn dissociate_named(&self, item: &ItemRef, association: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_named(Method::Delete, item, association, target)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{Collection, Mode};
    use crate::test_util::{body, host, line, threat, url};
    use crate::types::IndicatorType;
    use serde_json::json;

    #[test]
    fn associations_read_create_delete() {
        let none = ListOptions::default();
        assert_eq!(line(&v2::groups(&host(), None, &none)), "GET /v2/indicators/hosts/bad.example/groups");
        assert_eq!(line(&v2::groups(&host(), Some(GroupType::Incident), &none)), "GET /v2/indicators/hosts/bad.example/groups/incidents");
        assert_eq!(line(&v2::indicators(&threat(), Some("addresses"), &none)), "GET /v2/groups/threats/12345/indicators/addresses");
        assert_eq!(line(&v2::victims(&threat(), &none)), "GET /v2/groups/threats/12345/victims");
        assert_eq!(line(&crate::victims::v2::assets(&threat(), None, &none)), "GET /v2/groups/threats/12345/victimAssets");
        let inc = ItemRef::group(GroupType::Incident, 54321);
        assert_eq!(line(&v2::link(&threat(), &inc)), "POST /v2/groups/threats/12345/groups/incidents/54321");
        assert_eq!(line(&v2::unlink(&threat(), &inc)), "DELETE /v2/groups/threats/12345/groups/incidents/54321");
        assert_eq!(
            line(&v2::link(&ItemRef::Task(12345), &ItemRef::indicator(&IndicatorType::Address, "0.0.0.0").unwrap())),
            "POST /v2/tasks/12345/indicators/addresses/0.0.0.0"
        );
        assert_eq!(line(&v2::unlink(&threat(), &ItemRef::Victim(54321))), "DELETE /v2/groups/threats/12345/victims/54321");
        assert_eq!(line(&v2::link(&url(), &inc)), "POST /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf/groups/incidents/54321");
        assert_eq!(line(&v2::item(&host(), &ItemRef::Victim(3))), "GET /v2/indicators/hosts/bad.example/victims/3");
    }

    #[test]
    fn named_associations_and_types() {
        let asn = ItemRef::indicator(&IndicatorType::Asn, "ASN12345").unwrap();
        assert_eq!(
            line(&v2::named(&asn, "asnToCidr", &ListOptions::default())),
            "GET /v2/indicators/asns/ASN12345/associations/asnToCidr/indicators"
        );
        let cidr = ItemRef::indicator(&IndicatorType::Cidr, "10.0.0.0/8").unwrap();
        assert_eq!(
            line(&v2::link_named(Method::Post, &asn, "asnToCidr", &cidr)),
            "POST /v2/indicators/asns/ASN12345/associations/asnToCidr/indicators/cidrBlocks/10.0.0.0%2F8"
        );
        assert_eq!(line(&v2::types(Some("Adversary To Victim"))), "GET /v2/types/associationTypes/Adversary%20To%20Victim");
    }

    #[test]
    fn v3_association_reads_and_writes() {
        assert_eq!(
            line(&v3::groups_of_indicator(3, 100, 100)),
            "GET /v3/groups?tql=hasIndicator%28id%3D3%29&resultStart=100&resultLimit=100&count=true"
        );
        assert_eq!(line(&v3::indicators_of_group(12, 0, 50)), "GET /v3/indicators?tql=hasGroup%28id%3D12%29&resultStart=0&resultLimit=50&count=true");
        assert_eq!(line(&v3::groups_of_group(12, 0, 50)), "GET /v3/groups?tql=hasGroup%28id%3D12%29&resultStart=0&resultLimit=50&count=true");
        let r = v3::groups(Collection::Indicators, 4, &[12], Mode::Delete);
        assert_eq!(body(&r), json!({"associatedGroups": {"data": [{"id": 12}], "mode": "delete"}}));
        // Many indicators with one group: one request, by the group's id (ThreatConnect's v3
        // group update documents `associatedIndicators` with `data` and `mode`).
        let r = v3::indicators_with_group(12, &[4, 5, 6], Mode::Append);
        assert_eq!(line(&r), "PUT /v3/groups/12");
        assert_eq!(body(&r), json!({"associatedIndicators": {"data": [{"id": 4}, {"id": 5}, {"id": 6}], "mode": "append"}}));
    }
}

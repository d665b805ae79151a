//! How an item is named in each API version: v2 by its path ([`ItemRef`]:
//! `/v2/indicators/hosts/bad.example.com`, `/v2/groups/incidents/9`), v3 by its
//! collection and id ([`Collection`]), with nested writes ([`nested`], [`Mode`]).

use crate::http::ApiPath;
use crate::types::{GroupType, IndicatorType};
use serde_json::{json, Value};

/// An item metadata and associations hang under, as v2 names it by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemRef {
    /// An indicator: `branch` is the v2 URL branch (`hosts`, or a custom type's `apiBranch`).
    Indicator {
        /// The v2 URL branch.
        branch: String,
        /// The indicator's value (one path segment, encoded).
        value: String,
    },
    /// A group by type and id.
    Group {
        /// The group type (its v2 branch names the path).
        group_type: GroupType,
        /// The group id.
        id: i64,
    },
    /// A task by id.
    Task(i64),
    /// A victim by id.
    Victim(i64),
}

impl ItemRef {
    /// A base-type indicator; for custom types use [`ItemRef::custom_indicator`]
    /// with the `apiBranch` from `/v2/types/indicatorTypes`.
    pub fn indicator(t: &IndicatorType, value: &str) -> Option<ItemRef> {
        t.v2_branch().map(|b| ItemRef::Indicator { branch: b.into(), value: value.into() })
    }
    /// A custom-type indicator under its `apiBranch`.
    pub fn custom_indicator(api_branch: &str, value: &str) -> ItemRef {
        ItemRef::Indicator { branch: api_branch.into(), value: value.into() }
    }
    /// A group.
    pub fn group(group_type: GroupType, id: i64) -> ItemRef {
        ItemRef::Group { group_type, id }
    }
    /// The item's path without the `/v2` prefix (`/indicators/hosts/x.com`), as it
    /// appears both as a root and as an association target.
    pub(crate) fn tail(&self) -> ApiPath {
        match self {
            ItemRef::Indicator { branch, value } => ApiPath::lit("/indicators").seg(branch).seg(value),
            ItemRef::Group { group_type, id } => ApiPath::lit("/groups").seg(group_type.v2_branch()).id(*id),
            ItemRef::Task(id) => ApiPath::lit("/tasks").id(*id),
            ItemRef::Victim(id) => ApiPath::lit("/victims").id(*id),
        }
    }
    /// The item's v2 path (`/v2/indicators/hosts/x.com`).
    pub fn path(&self) -> ApiPath {
        ApiPath::lit(&format!("/v2{}", self.tail().build()))
    }
    /// A path below the item (`{item}/tags`).
    pub(crate) fn sub(&self, s: &str) -> ApiPath {
        self.path().seg(s)
    }
    /// `{item}{target}`: the path that links, unlinks or reads one associated item.
    pub(crate) fn with_target(&self, target: &ItemRef) -> String {
        format!("{}{}", self.path().build(), target.tail().build())
    }
}

/// A v3 collection of items written by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// `/v3/indicators`
    Indicators,
    /// `/v3/groups`
    Groups,
}

impl Collection {
    /// The collection's path.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Indicators => "/v3/indicators",
            Collection::Groups => "/v3/groups",
        }
    }
    /// One item of the collection: `/v3/indicators/{id}`.
    pub(crate) fn item(self, id: i64) -> ApiPath {
        ApiPath::lit(self.path()).id(id)
    }
    /// A TQL search over the collection (`count=true`: with the total).
    pub fn search(self, tql: &str, result_start: u32, result_limit: u32, count: bool) -> crate::http::HttpRequest {
        let r = crate::http::HttpRequest::get(self.path())
            .query("tql", tql)
            .query("resultStart", result_start.to_string())
            .query("resultLimit", result_limit.to_string());
        if count {
            r.query("count", "true")
        } else {
            r
        }
    }
}

/// How a nested v3 write applies (`append`, `delete`, `replace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Add to what the item has.
    Append,
    /// Take these off the item.
    Delete,
    /// Replace what the item has.
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

/// `?fields=a&fields=b`: the v3 expansions asked for.
pub(crate) fn with_fields(r: crate::http::HttpRequest, fields: &[&str]) -> crate::http::HttpRequest {
    fields.iter().fold(r, |r, f| r.query("fields", *f))
}

/// v2 request builders for any item by its path.
pub mod v2 {
    use super::ItemRef;
    use crate::http::HttpRequest;
    use serde_json::Value;

    /// `GET` one item (indicator, group, task, victim); `includeAdditional=true` for indicators.
    pub fn get(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        let r = HttpRequest::get(item.path().build()).owner(owner);
        match item {
            ItemRef::Indicator { .. } => r.query("includeAdditional", "true"),
            _ => r,
        }
    }

    /// `PUT` an item (indicator, group with its type segment, task, victim).
    pub fn update(item: &ItemRef, owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::put(item.path().build()).owner(owner).json(body)
    }

    /// `DELETE` an item.
    pub fn delete(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::delete(item.path().build()).owner(owner)
    }

    /// A write's `createActivityLog` flag (off by default in ThreatConnect).
    pub fn with_activity_log(r: HttpRequest, on: bool) -> HttpRequest {
        r.query("createActivityLog", if on { "true" } else { "false" })
    }
}

/// v3 request builders for any item of a collection by its id.
pub mod v3 {
    use super::{with_fields, Collection};
    use crate::http::HttpRequest;
    use serde_json::Value;

    /// `POST /v3/indicators` (or groups) with a body.
    pub fn create(collection: Collection, owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post(collection.path()).owner(owner).json(body)
    }

    /// `PUT /v3/indicators/{id}` (or groups) with a body, e.g. from [`super::nested`].
    pub fn update(collection: Collection, id: i64, body: &Value) -> HttpRequest {
        HttpRequest::put(collection.item(id).build()).json(body)
    }

    /// `PUT /v3/{indicators|groups}/{id}?fields=...`: a write answered with the item and the
    /// expansions asked for, as a read with the same `fields` would be.
    pub fn update_with_fields(collection: Collection, id: i64, body: &Value, fields: &[&str]) -> HttpRequest {
        with_fields(update(collection, id, body), fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_paths_encode_values_as_one_segment() {
        let url = ItemRef::indicator(&IndicatorType::Url, "http://x.com/a?b=c#d").unwrap();
        assert_eq!(url.path().build(), "/v2/indicators/urls/http%3A%2F%2Fx.com%2Fa%3Fb%3Dc%23d");
        assert_eq!(ItemRef::group(GroupType::CourseOfAction, 7).path().build(), "/v2/groups/coursesOfAction/7");
        assert_eq!(ItemRef::custom_indicator("hashtags", "#a b").path().build(), "/v2/indicators/hashtags/%23a%20b");
        assert_eq!(ItemRef::Victim(3).with_target(&ItemRef::group(GroupType::Incident, 9)), "/v2/victims/3/groups/incidents/9");
        assert!(ItemRef::indicator(&IndicatorType::Custom("Hashtag".into()), "#a").is_none(), "a custom type needs its apiBranch");
    }

    #[test]
    fn items_crud_and_groups_keep_their_type_segment() {
        use crate::test_util::{body, host, line};
        // The JavaScript SDK PUT groups to a path without the type segment.
        let r = v2::update(&ItemRef::group(GroupType::Incident, 12345), None, &json!({"name": "New"}));
        assert_eq!(line(&r), "PUT /v2/groups/incidents/12345");
        assert_eq!(line(&v2::delete(&host(), Some("Org"))), "DELETE /v2/indicators/hosts/bad.example?owner=Org");
        assert_eq!(line(&v2::with_activity_log(v2::delete(&host(), None), true)), "DELETE /v2/indicators/hosts/bad.example?createActivityLog=true");
        assert_eq!(line(&v2::get(&ItemRef::Victim(12345), None)), "GET /v2/victims/12345");
        assert_eq!(line(&v3::create(Collection::Groups, Some("Demo Community"), &json!({}))), "POST /v3/groups?owner=Demo%20Community");
        let r = v3::update_with_fields(Collection::Indicators, 4, &json!({"rating": 3}), &["tags", "attributes"]);
        assert_eq!(line(&r), "PUT /v3/indicators/4?fields=tags&fields=attributes");
        assert_eq!(body(&r), json!({"rating": 3}));
    }

    #[test]
    fn nested_writes() {
        assert_eq!(nested("tags", vec![json!({"name": "a"})], Mode::Delete), json!({"tags": {"data": [{"name": "a"}], "mode": "delete"}}));
        assert_eq!(Collection::Groups.item(4).build(), "/v3/groups/4");
        assert_eq!(
            Collection::Groups.search("name contains \"x\"", 20, 10, false).path_and_query(),
            "/v3/groups?tql=name%20contains%20%22x%22&resultStart=20&resultLimit=10"
        );
        assert_eq!(Collection::Indicators.search("a", 0, 1, true).path_and_query(), "/v3/indicators?tql=a&resultStart=0&resultLimit=1&count=true");
    }
}

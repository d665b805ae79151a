//! Attributes (Description, Source, custom attribute types) of indicators, groups,
//! tasks and victims, their security labels, and the instance's attribute types.

use crate::client::{Client, Transport};
use crate::decode::{as_string, Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use crate::item::ItemRef;
use crate::security_labels::SecurityLabel;
use serde_json::{json, Value};

/// An attribute (Description, Source, custom types...).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The attribute's id.
    pub id: i64,
    /// Its type (`Description`, `Source`...).
    pub attribute_type: String,
    /// Its value.
    pub value: String,
    /// When it was added.
    pub date_added: Option<String>,
    /// When it last changed.
    pub last_modified: Option<String>,
    /// v2 `displayed`.
    pub displayed: Option<bool>,
    /// v3 `default`.
    pub default: Option<bool>,
    /// Its security labels.
    pub security_labels: Vec<SecurityLabel>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Attribute {
    /// Reads one attribute.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Attribute> {
        let o = Obj::new(v, path)?;
        Ok(Attribute {
            id: o.id("id")?,
            attribute_type: o.text("type")?,
            value: o.get("value").and_then(as_string).unwrap_or_default(),
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            displayed: o.opt_bool("displayed"),
            default: o.opt_bool("default"),
            security_labels: o.list("securityLabels", SecurityLabel::read)?,
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {item}/attributes`.
    pub fn list(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("attributes").build()).owner(owner)
    }
    /// `GET {item}/attributes/{id}`.
    pub fn get(item: &ItemRef, id: i64) -> HttpRequest {
        HttpRequest::get(item.sub("attributes").id(id).build())
    }
    /// `POST {item}/attributes` with `{type, value, displayed}`.
    pub fn create(item: &ItemRef, attribute_type: &str, value: &str, displayed: bool) -> HttpRequest {
        HttpRequest::post(item.sub("attributes").build()).json(&json!({"type": attribute_type, "value": value, "displayed": displayed}))
    }
    /// `PUT {item}/attributes/{id}` with the new value.
    pub fn update(item: &ItemRef, id: i64, value: &str) -> HttpRequest {
        HttpRequest::put(item.sub("attributes").id(id).build()).json(&json!({"value": value}))
    }
    /// `DELETE {item}/attributes/{id}`.
    pub fn delete(item: &ItemRef, id: i64) -> HttpRequest {
        HttpRequest::delete(item.sub("attributes").id(id).build())
    }
    fn labels(item: &ItemRef, id: i64) -> ApiPath {
        item.sub("attributes").id(id).seg("securityLabels")
    }
    /// `GET {item}/attributes/{id}/securityLabels`.
    pub fn security_labels(item: &ItemRef, id: i64) -> HttpRequest {
        HttpRequest::get(labels(item, id).build())
    }
    /// `POST {item}/attributes/{id}/securityLabels/{label}`.
    pub fn add_security_label(item: &ItemRef, id: i64, label: &str) -> HttpRequest {
        HttpRequest::post(labels(item, id).seg(label).build())
    }
    /// `DELETE {item}/attributes/{id}/securityLabels/{label}`.
    pub fn remove_security_label(item: &ItemRef, id: i64, label: &str) -> HttpRequest {
        HttpRequest::delete(labels(item, id).seg(label).build())
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::{self, nested, Collection, Mode};

    /// Add attributes to an item (append, `{type, value, default}`) or remove them (delete, `{id}`).
    pub fn apply(collection: Collection, id: i64, data: Vec<Value>, mode: Mode) -> HttpRequest {
        item::v3::update(collection, id, &nested("attributes", data, mode))
    }
    /// `PUT /v3/indicatorAttributes/{id}` (or `groupAttributes`): a new value for one attribute.
    pub fn update(collection: Collection, attribute_id: i64, value: &str) -> HttpRequest {
        let base = match collection {
            Collection::Indicators => "/v3/indicatorAttributes",
            Collection::Groups => "/v3/groupAttributes",
        };
        HttpRequest::put(ApiPath::lit(base).id(attribute_id).build()).json(&json!({ "value": value }))
    }
    /// `GET /v3/attributeTypes?resultLimit=10000`: the instance's attribute types; with an item
    /// type (ThreatConnect's name: `Host`, `Intrusion Set`), only those that apply to it (TQL
    /// `associatedType`, a keyword of ThreatConnect's `OPTIONS /v3/attributeTypes/tql` that tcex's
    /// `AttributeTypeFilter.associated_type` sends).
    pub fn types(applies_to: Option<&str>) -> HttpRequest {
        let r = HttpRequest::get("/v3/attributeTypes");
        let r = match applies_to {
            Some(t) => r.query("tql", format!("associatedType = {}", crate::tql::quote(t))),
            None => r,
        };
        r.query("resultLimit", crate::MAX_RESULT_LIMIT.to_string())
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v3/attributeTypes`, every page: each attribute type as ThreatConnect sent it
    /// (name, the item types it applies to, whether it allows markdown...).
    pub async fn v3_attribute_types_as_sent(&self) -> Result<Vec<Value>, Error> {
        self.v3_pager_as_sent(v3::types(None)).collect_all().await
    }
    /// The names of the attribute types an item of `item_type` takes, in the API's order: those
    /// the instance says apply to it, or every type when it refuses the question (HTTP 400: an
    /// instance without `associatedType`), so the list is never narrowed by a guess.
    pub async fn attribute_type_names_for(&self, item_type: &str) -> Result<Vec<String>, Error> {
        let list = match self.v3_pager_as_sent(v3::types(Some(item_type))).collect_all().await {
            Err(e) if e.status() == Some(400) => self.v3_attribute_types_as_sent().await?,
            r => r?,
        };
        Ok(list.iter().filter_map(|t| t.get("name")?.as_str().map(str::to_owned)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::item::{Collection, Mode};
    use crate::test_util::{body, documented, line, threat};

    #[test]
    fn v2_request_shapes() {
        assert_eq!(line(&v2::list(&threat(), None)), "GET /v2/groups/threats/12345/attributes");
        assert_eq!(line(&v2::get(&threat(), 54321)), "GET /v2/groups/threats/12345/attributes/54321");
        let r = v2::create(&threat(), "Description", "d", true);
        assert_eq!(line(&r), "POST /v2/groups/threats/12345/attributes");
        assert_eq!(body(&r), json!({"type": "Description", "value": "d", "displayed": true}));
        assert_eq!(line(&v2::update(&threat(), 54321, "x")), "PUT /v2/groups/threats/12345/attributes/54321");
        assert_eq!(line(&v2::delete(&threat(), 54321)), "DELETE /v2/groups/threats/12345/attributes/54321");
        assert_eq!(line(&v2::security_labels(&ItemRef::Task(12345), 54321)), "GET /v2/tasks/12345/attributes/54321/securityLabels");
        assert_eq!(line(&v2::add_security_label(&threat(), 1, "TLP:AMBER")), "POST /v2/groups/threats/12345/attributes/1/securityLabels/TLP%3AAMBER");
        assert_eq!(
            line(&v2::remove_security_label(&threat(), 1, "TLP:AMBER")),
            "DELETE /v2/groups/threats/12345/attributes/1/securityLabels/TLP%3AAMBER"
        );
    }

    #[test]
    fn v3_request_shapes() {
        let r = v3::apply(Collection::Groups, 4, vec![json!({"type": "Source", "value": "s", "default": true})], Mode::Append);
        assert_eq!(line(&r), "PUT /v3/groups/4");
        assert_eq!(body(&r), json!({"attributes": {"data": [{"type": "Source", "value": "s", "default": true}], "mode": "append"}}));
        let r = v3::update(Collection::Indicators, 10, "new");
        assert_eq!((line(&r), body(&r)), ("PUT /v3/indicatorAttributes/10".into(), json!({"value": "new"})));
        assert_eq!(line(&v3::update(Collection::Groups, 10, "new")), "PUT /v3/groupAttributes/10");
        assert_eq!(line(&v3::types(None)), "GET /v3/attributeTypes?resultLimit=10000");
        assert_eq!(
            line(&v3::types(Some("Intrusion Set"))),
            "GET /v3/attributeTypes?tql=associatedType%20%3D%20%22Intrusion%20Set%22&resultLimit=10000"
        );
    }

    #[test]
    fn documented_attributes_decode() {
        let a = decode::v3_list(&documented("v3__indicator_attributes__retrieve__1").1, Attribute::read).unwrap();
        assert_eq!((a.items[0].id, a.items[0].attribute_type.as_str()), (10, "Additional Analysis and Context"));
        assert_eq!(a.items[0].value, "Host used by hacker conglomerate traced to Iran.");
        assert_eq!(a.items[0].default, Some(false));
    }
}

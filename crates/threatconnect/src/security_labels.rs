//! Security labels (TLP:AMBER...): on an item (v2 by path, v3 by the item's id), the
//! labels an owner has, and creating one.

use crate::client::{Client, Transport};
use crate::decode::{Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use crate::item::ItemRef;
use crate::paging::ListOptions;
use serde_json::Value;

const ENTITY: &str = "securityLabel";

/// A security label (TLP:AMBER...).
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityLabel {
    /// The label's name.
    pub name: String,
    /// Its id (v3).
    pub id: Option<i64>,
    /// Its description.
    pub description: Option<String>,
    /// Its colour as ThreatConnect sent it (never put into a style).
    pub color: Option<String>,
    /// When it was added.
    pub date_added: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl SecurityLabel {
    /// Reads one label.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<SecurityLabel> {
        let o = Obj::new(v, path)?;
        Ok(SecurityLabel {
            name: o.text("name")?,
            id: o.opt_i64("id"),
            description: o.opt_text("description"),
            color: o.opt_text("color"),
            date_added: o.opt_text("dateAdded"),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {item}/securityLabels`.
    pub fn list(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("securityLabels").build()).owner(owner)
    }
    /// `POST {item}/securityLabels/{name}`.
    pub fn add(item: &ItemRef, name: &str) -> HttpRequest {
        HttpRequest::post(item.sub("securityLabels").seg(name).build())
    }
    /// `DELETE {item}/securityLabels/{name}`: the label leaves the item.
    pub fn remove(item: &ItemRef, name: &str) -> HttpRequest {
        HttpRequest::delete(item.sub("securityLabels").seg(name).build())
    }
    /// `GET /v2/securityLabels[/{name}[/{groups|indicators|tasks|victims}]]`.
    pub fn all(name: Option<&str>, labelled: Option<&str>, opts: &ListOptions) -> HttpRequest {
        let mut p = ApiPath::lit("/v2/securityLabels");
        if let Some(n) = name {
            p = p.seg(n);
            if let Some(t) = labelled {
                p = p.seg(t);
            }
        }
        opts.apply(HttpRequest::get(p.build()))
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::{self, nested, Collection, Mode};

    /// Apply security labels to an item (append) or take them off it (delete) by the item's
    /// id, the names in the body; the labels stay defined.
    pub fn apply(collection: Collection, id: i64, names: &[&str], mode: Mode) -> HttpRequest {
        let data = names.iter().map(|n| serde_json::json!({"name": n})).collect();
        item::v3::update(collection, id, &nested("securityLabels", data, mode))
    }
    /// `GET /v3/securityLabels?resultLimit=10000`.
    pub fn all() -> HttpRequest {
        HttpRequest::get("/v3/securityLabels").query("resultLimit", crate::MAX_RESULT_LIMIT.to_string())
    }
    /// `POST /v3/securityLabels` with `{name, description, color}`.
    pub fn create(body: &Value) -> HttpRequest {
        HttpRequest::post("/v3/securityLabels").json(body)
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/securityLabels/{name}`.
    pub async fn security_label(&self, name: &str) -> Result<SecurityLabel, Error> {
        self.v2_one(v2::all(Some(name), None, &ListOptions::default()), ENTITY, SecurityLabel::read).await
    }
    /// `GET /v3/securityLabels`, every page, each label as ThreatConnect sent it.
    pub async fn v3_security_labels_as_sent(&self) -> Result<Vec<Value>, Error> {
        self.v3_pager_as_sent(v3::all()).collect_all().await
    }
    /// `POST /v3/securityLabels`: a new label, answered as ThreatConnect sent it.
    pub async fn v3_create_security_label(&self, body: &Value) -> Result<Value, Error> {
        self.json(v3::create(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::item::{Collection, Mode};
    use crate::test_util::{body, documented, line, threat};
    use serde_json::json;

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::add(&threat(), "TLP:AMBER")), "POST /v2/groups/threats/12345/securityLabels/TLP%3AAMBER");
        assert_eq!(line(&v2::remove(&threat(), "TLP:AMBER")), "DELETE /v2/groups/threats/12345/securityLabels/TLP%3AAMBER");
        assert_eq!(line(&v2::list(&threat(), None)), "GET /v2/groups/threats/12345/securityLabels");
        assert_eq!(line(&v2::all(Some("TLP:AMBER"), Some("indicators"), &ListOptions::default())), "GET /v2/securityLabels/TLP%3AAMBER/indicators");
        let r = v3::apply(Collection::Groups, 4, &["TLP:RED"], Mode::Delete);
        assert_eq!((line(&r), body(&r)), ("PUT /v3/groups/4".into(), json!({"securityLabels": {"data": [{"name": "TLP:RED"}], "mode": "delete"}})));
        assert_eq!(line(&v3::all()), "GET /v3/securityLabels?resultLimit=10000");
        assert_eq!(line(&v3::create(&json!({"name": "X"}))), "POST /v3/securityLabels");
    }

    #[test]
    fn documented_label_decodes() {
        let l = decode::v3_one(&documented("v3__security_labels__retrieve__2").1, SecurityLabel::read).unwrap();
        assert_eq!(
            (l.id, l.name.as_str(), l.color.as_deref(), l.date_added.as_deref()),
            (Some(3), "TLP:AMBER", Some("FFC000"), Some("2016-08-31T00:00:00Z"))
        );
    }
}

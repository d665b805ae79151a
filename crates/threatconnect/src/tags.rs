//! Tags: on an item (v2 by path, v3 by the item's id with the name in the body), the
//! owner's tags, and the items that carry one.

use crate::client::{Client, Transport};
use crate::decode::{Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use crate::item::ItemRef;
use crate::paging::ListOptions;
use serde_json::Value;

const ENTITY: &str = "tag";

/// A tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Tag {
    /// The tag's name.
    pub name: String,
    /// Its id (v3).
    pub id: Option<i64>,
    /// Its description.
    pub description: Option<String>,
    /// Its page in ThreatConnect.
    pub web_link: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Tag {
    /// Reads one tag.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Tag> {
        let o = Obj::new(v, path)?;
        Ok(Tag {
            name: o.text("name")?,
            id: o.opt_i64("id"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {item}/tags`.
    pub fn list(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("tags").build()).owner(owner)
    }
    /// `POST {item}/tags/{name}`.
    pub fn add(item: &ItemRef, name: &str) -> HttpRequest {
        HttpRequest::post(item.sub("tags").seg(name).build())
    }
    /// `DELETE {item}/tags/{name}`: the tag leaves the item.
    pub fn remove(item: &ItemRef, name: &str) -> HttpRequest {
        HttpRequest::delete(item.sub("tags").seg(name).build())
    }
    /// `GET /v2/tags[/{name}[/{groups|indicators|victims}]]`.
    pub fn all(name: Option<&str>, tagged: Option<&str>, opts: &ListOptions) -> HttpRequest {
        let mut p = ApiPath::lit("/v2/tags");
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
        let mut p = ApiPath::lit("/v2/tags").seg(name).seg(kind);
        if let Some(b) = branch {
            p = p.seg(b);
        }
        opts.apply(HttpRequest::get(p.build()))
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::{self, nested, Collection, Mode};

    /// Tag an item (append) or untag it (delete) by the item's id, the names in the body
    /// (never in the path): the tag itself stays in the owner.
    pub fn apply(collection: Collection, id: i64, names: &[&str], mode: Mode) -> HttpRequest {
        let data = names.iter().map(|n| serde_json::json!({"name": n})).collect();
        item::v3::update(collection, id, &nested("tags", data, mode))
    }
    /// `GET /v3/tags?tql=name contains "text"`: existing tags whose name holds `text` (the
    /// text quoted in TQL, never a path segment), at most `result_limit`.
    pub fn named(text: &str, result_limit: u32) -> HttpRequest {
        HttpRequest::get("/v3/tags")
            .query("tql", format!("name contains {}", crate::tql::quote(text)))
            .query("resultStart", "0")
            .query("resultLimit", result_limit.to_string())
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/tags/{name}`.
    pub async fn tag(&self, name: &str) -> Result<Tag, Error> {
        self.v2_one(v2::all(Some(name), None, &ListOptions::default()), ENTITY, Tag::read).await
    }
    /// The names of existing tags that hold `text` ([`v3::named`]), one page: what a box
    /// offers as a tag's name is typed. Read from the answer as sent (the panels' first
    /// load already has that decoding, not a typed tag list).
    pub async fn tags_named(&self, text: &str, result_limit: u32) -> Result<Vec<String>, Error> {
        let page = self.v3_pager_as_sent(v3::named(text, result_limit)).next_page().await.unwrap_or(Ok(Vec::new()))?;
        Ok(page.iter().filter_map(|t| t.get("name")?.as_str().map(str::to_owned)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{Collection, Mode};
    use crate::test_util::{body, line};
    use crate::types::IndicatorType;
    use serde_json::json;

    #[test]
    fn request_shapes() {
        let email = ItemRef::indicator(&IndicatorType::EmailAddress, "bad@example.com").unwrap();
        assert_eq!(line(&v2::list(&email, Some("Example Org"))), "GET /v2/indicators/emailAddresses/bad%40example.com/tags?owner=Example%20Org");
        assert_eq!(line(&v2::add(&ItemRef::Victim(12345), "Nation State")), "POST /v2/victims/12345/tags/Nation%20State");
        assert_eq!(line(&v2::remove(&ItemRef::Victim(12345), "Nation State")), "DELETE /v2/victims/12345/tags/Nation%20State");
        assert_eq!(line(&v2::all(Some("Nation State"), Some("groups"), &ListOptions::default())), "GET /v2/tags/Nation%20State/groups");
        assert_eq!(line(&v2::tagged("APT", "indicators", Some("hosts"), &ListOptions::default())), "GET /v2/tags/APT/indicators/hosts");
        let r = v3::apply(Collection::Indicators, 4, &["APT"], Mode::Append);
        assert_eq!(line(&r), "PUT /v3/indicators/4");
        assert_eq!(body(&r), json!({"tags": {"data": [{"name": "APT"}], "mode": "append"}}));
        // A name with quotes stays one TQL string (it cannot add a clause).
        let r = v3::named(r#"a" or name != ""#, 20);
        assert_eq!(line(&r), "GET /v3/tags?tql=name%20contains%20%22a%5C%22%20or%20name%20%21%3D%20%5C%22%22&resultStart=0&resultLimit=20");
    }
}

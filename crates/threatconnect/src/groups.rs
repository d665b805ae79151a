//! Groups (all 16 types): the model, reads, lists, creation, publishing, and a
//! Document's, Report's or Signature's file.

use crate::attributes::Attribute;
use crate::client::{Client, Transport};
use crate::decode::{Obj, Page, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest, Method};
use crate::item::{Collection, ItemRef};
use crate::owners::OwnerRef;
use crate::paging::ListOptions;
use crate::security_labels::SecurityLabel;
use crate::tags::Tag;
use crate::types::GroupType;
use serde_json::{json, Value};
use std::future::Future;

/// The v2 entity key of group lists.
pub(crate) const ENTITY: &str = "group";

/// A group (Adversary, Incident, Report... all 16 types, and any newer type by name).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The group's id.
    pub id: i64,
    /// The type as ThreatConnect wrote it (`Incident`, `Attack Pattern`...).
    pub type_name: String,
    /// The group's name.
    pub name: String,
    /// The owner.
    pub owner: OwnerRef,
    /// When it was added.
    pub date_added: Option<String>,
    /// When it last changed.
    pub last_modified: Option<String>,
    /// An Event's or Incident's date.
    pub event_date: Option<String>,
    /// An Event's or Incident's status.
    pub status: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The item's page in ThreatConnect.
    pub web_link: Option<String>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// Its security labels.
    pub security_labels: Vec<SecurityLabel>,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
    /// Associated groups, when asked for. (Its associated indicators, which can number
    /// tens of thousands, are a list of their own: see [`crate::panels::GroupPanel`].)
    pub associated_groups: Vec<Group>,
    /// Everything ThreatConnect sent (a type's own fields: file name, subject, body...).
    pub raw: Value,
}

impl Group {
    /// Reads one group; `entity` is the v2 key it came under (a type hint).
    pub fn read(v: &Value, path: &str, entity: &str) -> R<Group> {
        let o = Obj::new(v, path)?;
        let type_name = match o.opt_text("type") {
            Some(t) => t,
            None => match GroupType::from_name(entity).or_else(|| GroupType::from_name(&format!("{entity}s"))) {
                Some(t) => t.type_name().to_string(),
                None if entity.eq_ignore_ascii_case("adversary") => "Adversary".into(),
                None => return Err(Error::decode(&o.p("type"), "missing")),
            },
        };
        Ok(Group {
            id: o.id("id")?,
            type_name,
            name: o.text("name")?,
            owner: OwnerRef::read(&o)?,
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            event_date: o.opt_text("eventDate"),
            status: o.opt_text("status"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            tags: o.list_either("tags", "tag", Tag::read)?,
            security_labels: o.list_either("securityLabels", "securityLabel", SecurityLabel::read)?,
            attributes: o.list_either("attributes", "attribute", Attribute::read)?,
            associated_groups: o.list("associatedGroups", Group::read)?,
            raw: v.clone(),
        })
    }
    /// The group type, when it is one of the 16 Pivot knows.
    pub fn group_type(&self) -> Option<GroupType> {
        GroupType::from_name(&self.type_name)
    }
}

/// The v2 entity key of one group type (`Course of Action` -> `courseOfAction`).
pub(crate) fn entity_of(t: GroupType) -> String {
    let mut out = String::new();
    for (i, w) in t.type_name().split(' ').enumerate() {
        let mut c = w.chars();
        if let Some(f) = c.next() {
            out.push(if i == 0 { f.to_ascii_lowercase() } else { f.to_ascii_uppercase() });
            out.push_str(c.as_str());
        }
    }
    out
}

/// How a group is named in v3: by id, or by its `xid` (documented: `GET /v3/groups/{xid}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupKey {
    /// By id.
    Id(i64),
    /// By xid (one encoded segment).
    Xid(String),
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/groups[/{type}]`.
    pub fn list(group_type: Option<GroupType>, opts: &ListOptions) -> HttpRequest {
        let p = match group_type {
            Some(t) => ApiPath::lit("/v2/groups").seg(t.v2_branch()),
            None => ApiPath::lit("/v2/groups"),
        };
        opts.apply(HttpRequest::get(p.build()))
    }

    /// `POST /v2/groups/{type}`.
    pub fn create(group_type: GroupType, owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post(ApiPath::lit("/v2/groups").seg(group_type.v2_branch()).build()).owner(owner).json(body)
    }

    /// `POST /v2/groups/{type}/{id}/publish` with the labels to publish under.
    pub fn publish(group_type: GroupType, id: i64, security_labels: &[&str], exclude_unlabeled: bool) -> HttpRequest {
        HttpRequest::post(ItemRef::group(group_type, id).sub("publish").build())
            .json(&json!({"securityLabelList": security_labels, "excludeUnlabeled": exclude_unlabeled}))
    }

    /// `GET /v2/groups/{documents|reports|signatures}/{id}/download`.
    pub fn download(group_type: GroupType, id: i64) -> HttpRequest {
        HttpRequest::get(ItemRef::group(group_type, id).sub("download").build()).response_limit(crate::http::DOWNLOAD_RESPONSE_LIMIT)
    }

    /// `POST /v2/groups/documents/{id}/upload` (PUT replaces an existing file): the
    /// documentation names this route for Documents only ("Uploading/Updating Document Contents").
    pub fn upload_document(id: i64, bytes: Vec<u8>, replace: bool) -> HttpRequest {
        let m = if replace { Method::Put } else { Method::Post };
        HttpRequest::new(m, ItemRef::group(GroupType::Document, id).sub("upload").build()).body(bytes, "application/octet-stream")
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::with_fields;

    /// What a group panel asks for.
    pub const PANEL_FIELDS: [&str; 5] = ["associatedGroups", "associatedIndicators", "attributes", "tags", "securityLabels"];

    /// `GET /v3/groups/{id}?fields=..` (the panel's; `associations`: with the associated groups
    /// and indicators in the same answer).
    pub fn get(id: i64, associations: bool) -> HttpRequest {
        let fields: &[&str] = if associations { &PANEL_FIELDS } else { &PANEL_FIELDS[2..] };
        with_fields(HttpRequest::get(Collection::Groups.item(id).build()), fields)
    }

    /// `GET /v3/groups/{id|xid}?owner=&fields=..`: a group by id or xid with the expansions asked for.
    pub fn get_by(key: &GroupKey, fields: &[&str], owner: Option<&str>) -> HttpRequest {
        let p = match key {
            GroupKey::Id(id) => Collection::Groups.item(*id),
            GroupKey::Xid(x) => ApiPath::lit(Collection::Groups.path()).seg(x),
        };
        with_fields(HttpRequest::get(p.build()).owner(owner), fields)
    }

    /// `POST /v3/groups/{id}/upload` (`PUT` to replace; `updateIfExists=true` lets a POST
    /// replace too): a Document's or Report's file as `application/octet-stream`;
    /// `filename` sets the group's file name (docs/rest_api/v3/groups/retrieve_upload_update_document.rst).
    pub fn upload(id: i64, bytes: Vec<u8>, filename: Option<&str>, replace: bool) -> HttpRequest {
        let path = Collection::Groups.item(id).seg("upload").build();
        let r = if replace { HttpRequest::put(path) } else { HttpRequest::post(path) };
        r.query_opt("filename", filename).body(bytes, "application/octet-stream")
    }

    /// `GET /v3/groups/{id}/download`: a Document's or Report's file.
    pub fn download(id: i64) -> HttpRequest {
        HttpRequest::get(Collection::Groups.item(id).seg("download").build()).response_limit(crate::http::DOWNLOAD_RESPONSE_LIMIT)
    }
}

impl<T: Transport> Client<T> {
    /// `PUT /v3/groups/{id}?fields=...`: the write's answer is the group with the
    /// expansions asked for, decoded as a read.
    pub async fn v3_update_group(&self, id: i64, body: &Value, fields: &[&str]) -> Result<Group, Error> {
        self.v3_one(crate::item::v3::update_with_fields(Collection::Groups, id, body, fields), Group::read).await
    }
    /// `PUT /v3/groups/{id}?owner=` with `body` (nested `{data, mode}` writes), answered with the
    /// group as ThreatConnect sent it.
    pub async fn v3_update_group_as_sent(&self, id: i64, body: &Value, owner: Option<&str>) -> Result<Value, Error> {
        self.json(crate::item::v3::update(Collection::Groups, id, body).owner(owner)).await
    }
    /// `GET /v3/groups/{id|xid}?owner=&fields=`: the group as ThreatConnect sent it (`data`).
    pub async fn v3_group_as_sent(&self, key: &GroupKey, fields: &[&str], owner: Option<&str>) -> Result<Value, Error> {
        let mut body = self.json(v3::get_by(key, fields, owner)).await?;
        Ok(body.get_mut("data").map(Value::take).unwrap_or(Value::Null))
    }
    /// `GET /v2/tags/{name}/groups[/{type}]`: one page of the groups carrying the tag.
    pub async fn tagged_groups(&self, tag: &str, group_type: Option<GroupType>, opts: &ListOptions) -> Result<Page<Group>, Error> {
        self.v2_list(crate::tags::v2::tagged(tag, "groups", group_type.map(GroupType::v2_branch), opts), ENTITY, Group::read).await
    }
    /// `GET /v2/groups/{type}/{id}/download`: a Document's, Report's or Signature's file.
    pub fn download(&self, group_type: GroupType, id: i64) -> impl Future<Output = Result<Vec<u8>, Error>> + '_ {
        self.bytes(v2::download(group_type, id))
    }
    /// `GET /v2/groups/signatures/{id}/download`: the signature itself (its `fileText`, sent as text/plain).
    pub async fn download_signature(&self, id: i64) -> Result<String, Error> {
        let bytes = self.download(GroupType::Signature, id).await?;
        String::from_utf8(bytes).map_err(|_| Error::decode("download", "the signature is not UTF-8 text"))
    }
    /// `POST|PUT /v3/groups/{id}/upload`: a Document's or Report's file; the answer's message
    /// (documented: `{"message": "Upload successful", "status": "Success"}`).
    pub async fn v3_upload(&self, id: i64, bytes: Vec<u8>, filename: Option<&str>, replace: bool) -> Result<String, Error> {
        let body = self.json(v3::upload(id, bytes, filename, replace)).await?;
        if body.get("status").and_then(Value::as_str) != Some("Success") {
            return Err(Error::decode("status", format!("the upload was not confirmed: {body}")));
        }
        Ok(body.get("message").and_then(Value::as_str).unwrap_or_default().to_string())
    }
    /// `GET /v3/groups/{id}/download`: a Document's or Report's file.
    pub async fn v3_download(&self, id: i64) -> Result<Vec<u8>, Error> {
        self.bytes(v3::download(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::test_util::{body, documented, line};
    use crate::types::GROUP_TYPES;

    #[test]
    fn every_group_type_has_a_path() {
        for g in GROUP_TYPES {
            assert_eq!(line(&crate::item::v2::get(&ItemRef::group(g, 1), None)), format!("GET /v2/groups/{}/1", g.v2_branch()));
            assert_eq!(line(&v2::list(Some(g), &ListOptions::default())), format!("GET /v2/groups/{}", g.v2_branch()));
        }
        assert_eq!(line(&v2::list(None, &ListOptions::default())), "GET /v2/groups");
        assert_eq!(line(&v2::create(GroupType::Adversary, None, &json!({"name": "A"}))), "POST /v2/groups/adversaries");
    }

    #[test]
    fn publish_and_files() {
        let r = v2::publish(GroupType::Report, 9, &["TLP:GREEN"], false);
        assert_eq!(line(&r), "POST /v2/groups/reports/9/publish");
        assert_eq!(body(&r), json!({"securityLabelList": ["TLP:GREEN"], "excludeUnlabeled": false}));
        assert_eq!(line(&v2::download(GroupType::Document, 5)), "GET /v2/groups/documents/5/download");
        assert_eq!(line(&v2::download(GroupType::Signature, 5)), "GET /v2/groups/signatures/5/download");
        // Uploads: Documents only, as documented (v2 Groups, "Uploading/Updating Document Contents").
        assert_eq!(line(&v2::upload_document(5, vec![0, 1], false)), "POST /v2/groups/documents/5/upload");
        assert_eq!(line(&v2::upload_document(5, vec![0, 1], true)), "PUT /v2/groups/documents/5/upload");
        assert_eq!(line(&v3::upload(5, vec![0], Some("a b.pdf"), false)), "POST /v3/groups/5/upload?filename=a%20b.pdf");
        assert_eq!(line(&v3::download(5)), "GET /v3/groups/5/download");
    }

    #[test]
    fn v3_reads() {
        assert_eq!(
            line(&v3::get(12, true)),
            "GET /v3/groups/12?fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels"
        );
        assert_eq!(line(&v3::get(12, false)), "GET /v3/groups/12?fields=attributes&fields=tags&fields=securityLabels");
        let r = v3::get_by(&GroupKey::Xid("src:incident/9".into()), &["tags"], Some("Demo Org"));
        assert_eq!(line(&r), "GET /v3/groups/src%3Aincident%2F9?owner=Demo%20Org&fields=tags");
    }

    #[test]
    fn group_entities() {
        assert_eq!(entity_of(GroupType::CourseOfAction), "courseOfAction");
        assert_eq!(entity_of(GroupType::Adversary), "adversary");
        assert_eq!(entity_of(GroupType::IntrusionSet), "intrusionSet");
    }

    #[test]
    fn missing_type_fails_with_path() {
        let v = json!({"id": 1, "ownerName": "o", "summary": "x"});
        assert_eq!(Group::read(&v, "data.group[0]", "group").unwrap_err(), Error::decode("data.group[0].type", "missing"));
    }

    #[test]
    fn group_event_date_and_status() {
        // PUT /v3/groups/217301 (v3 Groups, event status)
        let g = decode::v3_one(&documented("v3__groups__event_status__1").1, Group::read).unwrap();
        assert_eq!((g.id, g.name.as_str(), g.type_name.as_str()), (217301, "Cyber Attack", "Event"));
        assert_eq!((g.status.as_deref(), g.event_date.as_deref()), (Some("No Further Action"), Some("2025-07-19T00:00:00Z")));
        assert_eq!(g.owner.name, "Demo Source");
    }
}

//! File indicators' occurrences (where and when a file was seen) and file actions
//! (the indicators a file drops, contacts, creates...).

use crate::client::{Client, Transport};
use crate::decode::{Obj, Page, R};
use crate::error::Error;
use crate::http::{HttpRequest, Method};
use crate::indicators::Indicator;
use crate::item::{Collection, ItemRef};
use crate::paging::ListOptions;
use serde_json::{json, Value};

const ENTITY: &str = "fileOccurrence";

/// A file occurrence of a File indicator: where and when the file was seen
/// (v2 `fileOccurrence`, v3 `fileOccurrences: {data: [...]}`).
#[derive(Clone, Debug, PartialEq)]
pub struct FileOccurrence {
    /// The occurrence's id.
    pub id: i64,
    /// The file's name there.
    pub file_name: Option<String>,
    /// Where it was.
    pub path: Option<String>,
    /// When.
    pub date: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl FileOccurrence {
    /// Reads one occurrence.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<FileOccurrence> {
        let o = Obj::new(v, path)?;
        Ok(FileOccurrence { id: o.id("id")?, file_name: o.opt_text("fileName"), path: o.opt_text("path"), date: o.opt_text("date"), raw: v.clone() })
    }
    /// The `fileOccurrences` of a v3 indicator read with `fields=fileOccurrences`.
    pub fn of_indicator(v: &Value, path: &str, _entity: &str) -> R<Vec<FileOccurrence>> {
        Obj::new(v, path)?.list("fileOccurrences", FileOccurrence::read)
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {file}/fileOccurrences`.
    pub fn occurrences(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("fileOccurrences").build()).owner(owner)
    }
    /// `GET {file}/fileOccurrences/{id}`.
    pub fn occurrence(item: &ItemRef, id: i64, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("fileOccurrences").id(id).build()).owner(owner)
    }
    /// `POST {file}/fileOccurrences` with `{fileName, path, date}` (at least one).
    pub fn create_occurrence(item: &ItemRef, body: &Value) -> HttpRequest {
        HttpRequest::post(item.sub("fileOccurrences").build()).json(body)
    }
    /// `PUT {file}/fileOccurrences/{id}`: the fields given change.
    pub fn update_occurrence(item: &ItemRef, id: i64, body: &Value) -> HttpRequest {
        HttpRequest::put(item.sub("fileOccurrences").id(id).build()).json(body)
    }
    /// `GET {file}/actions/{action}/indicators`: the indicators a file action relates to the file
    /// (`archive`, `drop`, `traffic`, `mutex`, `registryKey`, `userAgent`, `dnsQuery`).
    pub fn action_indicators(item: &ItemRef, action: &str, opts: &ListOptions) -> HttpRequest {
        opts.apply(HttpRequest::get(item.sub("actions").seg(action).seg("indicators").build()))
    }
    /// `POST|DELETE {file}/actions/{action}/indicators/{type}/{value}`.
    pub fn link_action(method: Method, item: &ItemRef, action: &str, target: &ItemRef) -> HttpRequest {
        HttpRequest::new(method, format!("{}{}", item.sub("actions").seg(action).build(), target.tail().build()))
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;

    /// `GET /v3/indicators/{id}?fields=fileOccurrences`.
    pub fn occurrences(id: i64) -> HttpRequest {
        HttpRequest::get(Collection::Indicators.item(id).build()).query("fields", "fileOccurrences")
    }
    /// `PUT /v3/indicators/{id}?fields=fileOccurrences` with `{"fileOccurrences": {"data": [...]}}`:
    /// adds the occurrences and answers the indicator with all of them.
    pub fn add_occurrences(id: i64, occurrences: Vec<Value>) -> HttpRequest {
        crate::item::v3::update(Collection::Indicators, id, &json!({"fileOccurrences": {"data": occurrences}})).query("fields", "fileOccurrences")
    }
}

impl<T: Transport> Client<T> {
    /// `GET {file}/fileOccurrences`.
    pub async fn file_occurrences(&self, file: &ItemRef) -> Result<Vec<FileOccurrence>, Error> {
        Ok(self.v2_list(v2::occurrences(file, None), ENTITY, FileOccurrence::read).await?.items)
    }
    /// `GET {file}/fileOccurrences/{id}`.
    pub async fn file_occurrence(&self, file: &ItemRef, id: i64) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::occurrence(file, id, None), ENTITY, FileOccurrence::read).await
    }
    /// `POST {file}/fileOccurrences` with `{fileName, path, date}`.
    pub async fn create_file_occurrence(&self, file: &ItemRef, body: &Value) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::create_occurrence(file, body), ENTITY, FileOccurrence::read).await
    }
    /// `PUT {file}/fileOccurrences/{id}`.
    pub async fn update_file_occurrence(&self, file: &ItemRef, id: i64, body: &Value) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::update_occurrence(file, id, body), ENTITY, FileOccurrence::read).await
    }
    /// `GET /v3/indicators/{id}?fields=fileOccurrences`.
    pub async fn v3_file_occurrences(&self, id: i64) -> Result<Vec<FileOccurrence>, Error> {
        self.v3_one(v3::occurrences(id), FileOccurrence::of_indicator).await
    }
    /// `PUT /v3/indicators/{id}?fields=fileOccurrences`: adds occurrences, answers all of the file's.
    pub async fn v3_add_file_occurrences(&self, id: i64, occurrences: Vec<Value>) -> Result<Vec<FileOccurrence>, Error> {
        self.v3_one(v3::add_occurrences(id, occurrences), FileOccurrence::of_indicator).await
    }
    /// `GET {file}/actions/{action}/indicators`: one page of the indicators the file action relates.
    pub async fn file_action_indicators(&self, file: &ItemRef, action: &str, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(v2::action_indicators(file, action, opts), crate::indicators::ENTITY, Indicator::read).await
    }
    /// `POST {file}/actions/{action}/indicators/{type}/{value}`.
    pub async fn add_file_action(&self, file: &ItemRef, action: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_action(Method::Post, file, action, target)).await
    }
    /// `DELETE {file}/actions/{action}/indicators/{type}/{value}`.
    pub async fn remove_file_action(&self, file: &ItemRef, action: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_action(Method::Delete, file, action, target)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{body, host, line};
    use crate::types::IndicatorType;

    #[test]
    fn request_shapes() {
        let file = ItemRef::indicator(&IndicatorType::File, "AAAA").unwrap();
        assert_eq!(line(&v2::occurrences(&file, None)), "GET /v2/indicators/files/AAAA/fileOccurrences");
        assert_eq!(line(&v2::occurrence(&file, 3, None)), "GET /v2/indicators/files/AAAA/fileOccurrences/3");
        assert_eq!(line(&v2::update_occurrence(&file, 3, &json!({"path": "C:"}))), "PUT /v2/indicators/files/AAAA/fileOccurrences/3");
        assert_eq!(line(&v2::action_indicators(&file, "drop", &ListOptions::default())), "GET /v2/indicators/files/AAAA/actions/drop/indicators");
        assert_eq!(
            line(&v2::link_action(Method::Post, &file, "traffic", &host())),
            "POST /v2/indicators/files/AAAA/actions/traffic/indicators/hosts/bad.example"
        );
        assert_eq!(line(&v3::occurrences(7)), "GET /v3/indicators/7?fields=fileOccurrences");
        let r = v3::add_occurrences(7, vec![json!({"fileName": "a.exe"})]);
        assert_eq!(
            (line(&r), body(&r)),
            ("PUT /v3/indicators/7?fields=fileOccurrences".into(), json!({"fileOccurrences": {"data": [{"fileName": "a.exe"}]}}))
        );
    }
}

//! The datastore (`/v2/exchange/db/{domain}/{type}/{id}` with `DB-Method`): JSON records
//! kept by type and id in an organization's, the system's or an app's own store.

use crate::client::{Client, Transport};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest, Method};
use crate::paging::MAX_PAGES;
use serde_json::{json, Value};

/// Whose store a record lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// The app's own (`local`).
    Local,
    /// The user's organization (`organization`).
    Organization,
    /// The instance's (`system`).
    System,
}

impl Domain {
    fn as_str(self) -> &'static str {
        match self {
            Domain::Local => "local",
            Domain::Organization => "organization",
            Domain::System => "system",
        }
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `POST /v2/exchange/db/{domain}/{type}/{id|_search}` with `DB-Method` (`GET`, `POST`,
    /// `PUT`, `DELETE`): every datastore operation is a POST that says its method in a header.
    pub fn request(domain: Domain, type_name: &str, id_or_search: &str, db_method: Method, body: Option<&Value>) -> HttpRequest {
        let p = ApiPath::lit("/v2/exchange/db").seg(domain.as_str()).seg(type_name).seg(id_or_search).build();
        let r = HttpRequest::post(p).header("DB-Method", db_method.as_str());
        match body {
            Some(b) => r.json(b),
            None => r,
        }
    }
}

impl<T: Transport> Client<T> {
    /// A record's `_source`, or `None` when there is none (404, or `found: false`). An
    /// answer over `limit` bytes (the record with the datastore's wrapping) is refused
    /// unparsed ([`Error::TooLarge`]): each record type has its own size.
    pub async fn datastore_get(&self, domain: Domain, type_name: &str, id: &str, limit: u64) -> Result<Option<Value>, Error> {
        match self.json(v2::request(domain, type_name, id, Method::Get, None).response_limit(limit)).await {
            Ok(v) if v.get("found").and_then(Value::as_bool) == Some(false) => Ok(None),
            Ok(v) => Ok(v.get("_source").cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or replaces a record (`DB-Method: POST`).
    pub async fn datastore_put(&self, domain: Domain, type_name: &str, id: &str, record: &Value) -> Result<(), Error> {
        self.json(v2::request(domain, type_name, id, Method::Post, Some(record))).await.map(|_| ())
    }

    /// Deletes a record; `false` when there was none.
    pub async fn datastore_delete(&self, domain: Domain, type_name: &str, id: &str) -> Result<bool, Error> {
        match self.json(v2::request(domain, type_name, id, Method::Delete, None)).await {
            Ok(v) => Ok(v.get("found").and_then(Value::as_bool).unwrap_or(true)),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every record of a type as `(id, _source)`, `page` a search (`from`/`size`) whose
    /// answer is at most `page_limit` bytes. After [`MAX_PAGES`] full pages,
    /// [`Error::TooManyPages`]: never a part of the records taken for all of them.
    pub async fn datastore_all(&self, domain: Domain, type_name: &str, page: usize, page_limit: u64) -> Result<Vec<(String, Value)>, Error> {
        let mut out = Vec::new();
        let page = page.max(1);
        for _ in 0..MAX_PAGES {
            let q = json!({"from": out.len(), "size": page, "query": {"match_all": {}}});
            let body = match self.json(v2::request(domain, type_name, "_search", Method::Get, Some(&q)).response_limit(page_limit)).await {
                Ok(b) => b,
                // No record of the type was ever written (Elasticsearch: no such index).
                Err(e) if e.is_not_found() => return Ok(out),
                Err(e) => return Err(e),
            };
            let hits = body.get("hits").and_then(|h| h.get("hits")).and_then(Value::as_array).cloned().unwrap_or_default();
            let total = body.get("hits").and_then(|h| h.get("total")).and_then(|t| t.as_u64().or_else(|| t.get("value").and_then(Value::as_u64)));
            let n = hits.len();
            for h in hits {
                let id = h.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
                out.push((id, h.get("_source").cloned().unwrap_or(Value::Null)));
            }
            if n == 0 || n < page || total.is_some_and(|t| out.len() as u64 >= t) {
                return Ok(out);
            }
        }
        Err(Error::TooManyPages { pages: MAX_PAGES })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_util::{line, run, Scripted};

    #[test]
    fn every_operation_is_a_post_with_its_method_in_a_header() {
        let r = v2::request(Domain::Organization, "pivot", "_search", Method::Get, Some(&json!({"query": {"match_all": {}}})));
        assert_eq!(line(&r), "POST /v2/exchange/db/organization/pivot/_search");
        assert_eq!(r.header_value("DB-Method"), Some("GET"));
        assert_eq!(line(&v2::request(Domain::Local, "t", "a/b", Method::Delete, None)), "POST /v2/exchange/db/local/t/a%2Fb");
    }

    #[test]
    fn searches_page_until_the_total() {
        let c = Scripted::client(|r| {
            let q: Value = serde_json::from_slice(r.body.as_deref().unwrap()).unwrap();
            let from = q["from"].as_u64().unwrap();
            let hits: Vec<Value> = (from..(from + 2).min(3)).map(|i| json!({"_id": i.to_string(), "_source": {"n": i}})).collect();
            HttpResponse::new(200, json!({"hits": {"total": {"value": 3}, "hits": hits}}).to_string())
        });
        let all = run(c.datastore_all(Domain::Organization, "t", 2, 1024)).unwrap();
        assert_eq!(all.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["0", "1", "2"]);
        assert_eq!(c.transport().sent.borrow().len(), 2);
    }

    #[test]
    fn a_missing_record_or_type_is_none_not_an_error() {
        let c = Scripted::client(|_| HttpResponse::new(404, r#"{"status":"Failure","message":"no such index"}"#));
        assert_eq!(run(c.datastore_get(Domain::Organization, "t", "1", 1024)).unwrap(), None);
        assert!(!run(c.datastore_delete(Domain::Organization, "t", "1")).unwrap());
        assert!(run(c.datastore_all(Domain::Organization, "t", 10, 1024)).unwrap().is_empty());
        let c = Scripted::client(|_| HttpResponse::new(200, r#"{"found": false}"#));
        assert_eq!(run(c.datastore_get(Domain::Organization, "t", "1", 1024)).unwrap(), None);
    }

    #[test]
    fn reads_carry_their_limit_and_searches_stop_at_the_page_cap() {
        let c = Scripted::client(|_| HttpResponse::new(200, r#"{"found": false}"#));
        run(c.datastore_get(Domain::Organization, "t", "1", 4096)).unwrap();
        run(c.datastore_delete(Domain::Organization, "t", "1")).unwrap();
        let sent = c.transport().sent.borrow();
        assert_eq!(sent[0].response_limit, 4096);
        assert_eq!(sent[1].response_limit, crate::http::DEFAULT_RESPONSE_LIMIT);
        drop(sent);
        // Full pages and no total, up to 1,500 records (so that a search without the cap would end).
        let c = Scripted::client(|r| {
            let q: Value = serde_json::from_slice(r.body.as_deref().unwrap()).unwrap();
            assert_eq!(r.response_limit, 2048);
            let hits: Vec<Value> =
                q["from"].as_u64().filter(|f| *f < 1_500).map(|f| json!({"_id": f.to_string(), "_source": {}})).into_iter().collect();
            HttpResponse::new(200, json!({"hits": {"hits": hits}}).to_string())
        });
        assert_eq!(run(c.datastore_all(Domain::Organization, "t", 1, 2048)), Err(Error::TooManyPages { pages: MAX_PAGES }));
        assert_eq!(c.transport().sent.borrow().len(), MAX_PAGES as usize);
    }
}

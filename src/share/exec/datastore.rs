//! Organization datastore records (get, put, delete, list): the one place that speaks the datastore's shapes.

use super::DOMAIN;
use crate::tc::request::{HttpRequest, Method};
use crate::tc::{v2, Client, Error as TcError, Transport};
use serde_json::{json, Value};

fn ds(type_name: &str, id: &str, method: Method, body: Option<&Value>) -> HttpRequest {
    v2::datastore(DOMAIN, type_name, id, method, body)
}

/// A record's `_source`, or `None` when there is none (404).
pub(super) async fn ds_get<T: Transport>(client: &Client<T>, type_name: &str, id: &str) -> Result<Option<Value>, TcError> {
    match client.json(ds(type_name, id, Method::Get, None)).await {
        Ok(v) => {
            if v.get("found").and_then(Value::as_bool) == Some(false) {
                return Ok(None);
            }
            Ok(v.get("_source").cloned())
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates or replaces a record (`DB-Method: POST`).
pub(super) async fn ds_put<T: Transport>(client: &Client<T>, type_name: &str, id: &str, record: &Value) -> Result<(), TcError> {
    client.json(ds(type_name, id, Method::Post, Some(record))).await.map(|_| ())
}

/// Deletes a record; `false` when there was none.
pub(super) async fn ds_delete<T: Transport>(client: &Client<T>, type_name: &str, id: &str) -> Result<bool, TcError> {
    match client.json(ds(type_name, id, Method::Delete, None)).await {
        Ok(v) => Ok(v.get("found").and_then(Value::as_bool).unwrap_or(true)),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every record of a type: (id, _source), paging `from`/`size`.
pub(super) async fn ds_all<T: Transport>(client: &Client<T>, type_name: &str, page: usize) -> Result<Vec<(String, Value)>, TcError> {
    let mut out = Vec::new();
    loop {
        let q = json!({"from": out.len(), "size": page, "query": {"match_all": {}}});
        let body = match client.json(ds(type_name, "_search", Method::Get, Some(&q))).await {
            Ok(b) => b,
            // No record of the type was ever written (Elasticsearch: no such index).
            Err(e) if e.is_not_found() => return Ok(out),
            Err(e) => return Err(e),
        };
        let hits = body.get("hits").and_then(|h| h.get("hits")).and_then(Value::as_array).cloned().unwrap_or_default();
        let total = body
            .get("hits")
            .and_then(|h| h.get("total"))
            .and_then(|t| t.as_u64().or_else(|| t.get("value").and_then(Value::as_u64)));
        let n = hits.len();
        for h in hits {
            let id = h.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
            out.push((id, h.get("_source").cloned().unwrap_or(Value::Null)));
        }
        if n == 0 || n < page || total.is_some_and(|t| out.len() as u64 >= t) {
            return Ok(out);
        }
    }
}

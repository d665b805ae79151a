//! v2 and v3 envelopes: one decoding path for lists and one for single items,
//! whatever the entity.

use super::error::{http_error, Error};
use super::json::{as_i64, one_or_many, R};
use super::request::HttpResponse;
use serde_json::{Map, Value};

/// A model reader: `(object, json path, v2 entity key)`.
pub type Reader<T> = fn(&Value, &str, &str) -> R<T>;

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// v2 `resultCount` (only when `resultStart=0`), v3 `count` (with `count=true`).
    pub result_count: Option<i64>,
    /// v3 `next` link, as ThreatConnect sent it.
    pub next: Option<String>,
}

/// Parses the body as JSON after mapping non-2xx answers to [`Error::Http`].
pub fn json_body(resp: &HttpResponse) -> R<Value> {
    if !resp.is_success() {
        return Err(http_error(resp.status, &resp.body));
    }
    if resp.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&resp.body).map_err(|e| Error::decode("", e.to_string()))
}

fn check_status(body: &Value) -> R<()> {
    match body.get("status").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("Success") => Ok(()),
        None => Ok(()),
        Some(_) => Err(Error::Http {
            status: 200,
            code: body.get("errCode").and_then(Value::as_str).map(str::to_string),
            message: body.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
        }),
    }
}

/// `{"status":"Success"}` with or without data (writes, deletes).
pub fn v2_ok(body: &Value) -> R<()> {
    check_status(body)
}

fn v2_data(body: &Value) -> R<&Map<String, Value>> {
    check_status(body)?;
    match body.get("data") {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(Error::decode("data", "missing")),
    }
}

/// The entity under `data`: the expected key, or else the one other key the
/// answer has (the documentation itself names some lists inconsistently, e.g.
/// `/v2/tasks/{id}/groups` answers under `task`).
fn entity<'a>(data: &'a Map<String, Value>, key: &str) -> R<(&'a str, &'a Value)> {
    if let Some((k, v)) = data.get_key_value(key) {
        return Ok((k, v));
    }
    let mut others = data.iter().filter(|(k, _)| k.as_str() != "resultCount");
    match (others.next(), others.next()) {
        (Some((k, v)), None) => Ok((k, v)),
        _ => Err(Error::decode(&format!("data.{key}"), "missing")),
    }
}

/// Finds a v2 list's items (non-generic, so each model adds only its reader loop).
/// Items with their JSON paths.
type Items<'a> = Vec<(&'a Value, String)>;

fn v2_items<'a>(body: &'a Value, key: &str) -> R<(Items<'a>, &'a str, Option<i64>)> {
    let data = v2_data(body)?;
    let result_count = data.get("resultCount").and_then(as_i64);
    if result_count == Some(0) && !data.contains_key(key) {
        return Ok((Vec::new(), "", result_count));
    }
    let (k, v) = match entity(data, key) {
        Ok(kv) => kv,
        Err(_) if data.len() <= 1 => return Ok((Vec::new(), "", result_count)),
        Err(e) => return Err(e),
    };
    let base = format!("data.{k}");
    let items = match v {
        Value::Array(a) => a.iter().enumerate().map(|(i, x)| (x, format!("{base}[{i}]"))).collect(),
        other => vec![(other, base)],
    };
    Ok((items, k, result_count))
}

/// A v2 list: `{"status":"Success","data":{"resultCount":n,"<key>":[...]}}`.
pub fn v2_list<T>(body: &Value, key: &str, read: Reader<T>) -> R<Page<T>> {
    let (items, k, result_count) = v2_items(body, key)?;
    let items = items.into_iter().map(|(x, p)| read(x, &p, k)).collect::<R<Vec<T>>>()?;
    Ok(Page { items, result_count, next: None })
}

/// A v2 single item: `{"status":"Success","data":{"<key>":{...}}}` (one-element arrays too).
pub fn v2_one<T>(body: &Value, key: &str, read: Reader<T>) -> R<T> {
    let data = v2_data(body)?;
    let (k, v) = entity(data, key)?;
    let base = format!("data.{k}");
    match v {
        Value::Array(a) => match a.first() {
            Some(x) => read(x, &format!("{base}[0]"), k),
            None => Err(Error::decode(&base, "empty")),
        },
        other => read(other, &base, k),
    }
}

/// A v3 single item: `{"data":{...},"status":"Success"}`.
pub fn v3_one<T>(body: &Value, read: Reader<T>) -> R<T> {
    check_status(body)?;
    match body.get("data") {
        Some(d @ Value::Object(_)) => read(d, "data", ""),
        Some(Value::Array(a)) if a.len() == 1 => read(&a[0], "data[0]", ""),
        _ => Err(Error::decode("data", "expected an object")),
    }
}

fn v3_items(body: &Value) -> R<(Items<'_>, Option<i64>, Option<String>)> {
    check_status(body)?;
    let data = body.get("data").unwrap_or(&Value::Null);
    let items = one_or_many(data).into_iter().enumerate().map(|(i, x)| (x, format!("data[{i}]"))).collect();
    let next = body.get("next").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    Ok((items, body.get("count").and_then(as_i64), next))
}

/// A v3 list: `{"data":[...],"next":"<url>","count":n,"status":"Success"}`.
pub fn v3_list<T>(body: &Value, read: Reader<T>) -> R<Page<T>> {
    let (items, result_count, next) = v3_items(body)?;
    let items = items.into_iter().map(|(x, p)| read(x, &p, "")).collect::<R<Vec<T>>>()?;
    Ok(Page { items, result_count, next })
}

/// `POST /v3/token/api`: `{"status":"Success","data":"<token>"}`.
pub fn v3_token(body: &Value) -> R<String> {
    check_status(body)?;
    match body.get("data") {
        Some(Value::String(t)) if !t.is_empty() => Ok(t.clone()),
        _ => Err(Error::decode("data", "expected the token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tc::model::{Group, Indicator, Tag};
    use serde_json::json;

    #[test]
    fn v2_list_one_or_many_and_counts() {
        let b = json!({"status":"Success","data":{"resultCount":1,"tag":{"name":"A"}}});
        let p = v2_list(&b, "tag", Tag::read).unwrap();
        assert_eq!((p.items.len(), p.result_count), (1, Some(1)));
        let b = json!({"status":"Success","data":{"resultCount":0}});
        assert!(v2_list(&b, "tag", Tag::read).unwrap().items.is_empty());
    }

    #[test]
    fn v2_failure_carries_message() {
        let b = json!({"status":"Failure","message":"Owner not found"});
        assert_eq!(v2_list(&b, "tag", Tag::read).unwrap_err(), Error::Http { status: 200, code: None, message: "Owner not found".into() });
    }

    #[test]
    fn v2_documented_misnamed_entity_still_decodes() {
        let b = json!({"status":"Success","data":{"resultCount":1,"task":[{"id":"54321","name":"New Incident","type":"Incident","ownerName":"Org"}]}});
        let p = v2_list(&b, "group", Group::read).unwrap();
        assert_eq!(p.items[0].id, 54321);
    }

    #[test]
    fn v3_list_next_and_count() {
        let b = json!({"data":[{"id":1,"ownerName":"O","type":"Host","summary":"a.com"}],"next":"https://x/api/v3/indicators?resultStart=1","count":2,"status":"Success"});
        let p = v3_list(&b, Indicator::read).unwrap();
        assert_eq!(p.items[0].summary, "a.com");
        assert_eq!(p.next.as_deref(), Some("https://x/api/v3/indicators?resultStart=1"));
        assert_eq!(p.result_count, Some(2));
    }

    #[test]
    fn non_2xx_and_garbage_bodies() {
        let r = HttpResponse::new(404, r#"{"status":"Error","errCode":"0x1004","message":"Not found"}"#);
        assert_eq!(json_body(&r).unwrap_err().status(), Some(404));
        let r = HttpResponse::new(200, "{not json");
        assert!(matches!(json_body(&r), Err(Error::Decode { .. })));
        assert_eq!(json_body(&HttpResponse::new(200, "")).unwrap(), Value::Null);
    }
}

//! Client behaviour over a scripted in-memory transport: signing as sent,
//! token renewal (ahead of expiry, on 401, single-flight, failure), retries,
//! `next`-link paging.

use pivot::tc::client::{Client, Transport};
use pivot::tc::retry::RetryPolicy;
use pivot::tc::*;
use pivot::tc::v2;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Pending once, so joined requests interleave like real I/O.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

type Script = Box<dyn Fn(&HttpRequest, usize) -> Result<HttpResponse, TransportError>>;

struct Fake {
    script: Script,
    sent: RefCell<Vec<HttpRequest>>,
    sleeps: RefCell<Vec<u32>>,
}

impl Fake {
    fn new(script: impl Fn(&HttpRequest, usize) -> Result<HttpResponse, TransportError> + 'static) -> Self {
        Fake { script: Box::new(script), sent: RefCell::new(Vec::new()), sleeps: RefCell::new(Vec::new()) }
    }
    fn paths(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|r| format!("{} {}", r.method.as_str(), r.path_and_query())).collect()
    }
}

impl Transport for Fake {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = {
            let mut s = self.sent.borrow_mut();
            s.push(req.clone());
            s.len() - 1
        };
        YieldOnce(false).await;
        (self.script)(&req, n)
    }
    async fn sleep(&self, ms: u32) {
        self.sleeps.borrow_mut().push(ms);
    }
}

fn ok(body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::new(200, body))
}

fn auth(r: &HttpRequest) -> String {
    r.header_value("Authorization").unwrap_or("").to_string()
}

const HOST: &str = r#"{"data":{"id":3,"ownerName":"Demo Organization","type":"Host","summary":"badguy.com","rating":"3.00"},"status":"Success"}"#;

fn token_client(fake: Fake, expires: Option<u64>, now: u64) -> Client<Fake> {
    Client::new(fake, "/api", Credentials::token("old", expires), Box::new(move || now))
}

#[test]
#[cfg(feature = "hmac-auth")]
fn hmac_request_is_signed_over_what_is_sent() {
    // Known answer computed with Python 3 hmac/hashlib/base64 (see auth.rs):
    // key "secret", "/api/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787".
    let fake = Fake::new(|_, _| ok(r#"{"status":"Success"}"#));
    let c = Client::new(fake, "/api", Credentials::hmac("12345", "secret"), Box::new(|| 1513703787));
    let req = HttpRequest::get("/v2/indicators/hosts/example.com").query("Owner", "Common Community");
    futures::executor::block_on(c.send(req)).unwrap();
    let sent = c.transport().sent.borrow()[0].clone();
    assert_eq!(sent.path_and_query(), "/api/v2/indicators/hosts/example.com?Owner=Common%20Community");
    assert_eq!(sent.header_value("Timestamp"), Some("1513703787"));
    assert_eq!(sent.header_value("Authorization"), Some("TC 12345:qcQ78w1LcTYOSn2A4hYtkwvNsBnti4Ed+ZpIzM7oSjE="));
}

#[test]
fn a_401_renews_once_and_retries_the_original() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            assert_eq!(r.query, vec![("expiredToken".to_string(), "old".to_string())]);
            assert!(r.header_value("Authorization").is_none(), "renewal is not authenticated with the old token");
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":"99999","message":""}"#);
        }
        match auth(r).as_str() {
            "TC-Token old" => Ok(HttpResponse::new(401, r#"{"status":"Failure","message":"token expired"}"#)),
            "TC-Token new" => ok(HOST),
            other => panic!("unexpected auth {other}"),
        }
    });
    let c = token_client(fake, None, 1000);
    let i = futures::executor::block_on(c.v3_one(HttpRequest::get("/v3/indicators/3"), Indicator::read)).unwrap();
    assert_eq!(i.summary, "badguy.com");
    assert_eq!(c.transport().paths(), vec![
        "GET /api/v3/indicators/3",
        "GET /api/appAuth?expiredToken=old",
        "GET /api/v3/indicators/3",
    ]);
    assert_eq!(c.credentials(), Credentials::token("new", Some(99999)));
}

#[test]
fn concurrent_401s_share_one_renewal() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":99999}"#);
        }
        if auth(r) == "TC-Token old" {
            return Ok(HttpResponse::new(401, ""));
        }
        ok(HOST)
    });
    let c = token_client(fake, None, 1000);
    let reqs = (0..4).map(|_| c.v3_one(HttpRequest::get("/v3/indicators/3"), Indicator::read));
    let results = futures::executor::block_on(futures::future::join_all(reqs));
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let paths = c.transport().paths();
    assert_eq!(paths.iter().filter(|p| p.contains("appAuth")).count(), 1, "{paths:?}");
    // Four 401s, one renewal, four retries with the new token.
    assert_eq!(paths.len(), 9, "{paths:?}");
}

#[test]
fn failed_renewal_is_a_session_expiry_the_analyst_can_act_on() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":false,"message":"Token is no longer valid"}"#);
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(fake, None, 1000);
    let e = futures::executor::block_on(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::SessionExpired);
    assert!(e.to_string().contains("Reload the Space"));
    // Never more than one retry of the original.
    assert_eq!(c.transport().paths().iter().filter(|p| p.contains("/v2/owners")).count(), 1);
}

#[test]
fn second_401_after_renewal_is_session_expired_not_a_loop() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":99999}"#);
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(fake, None, 1000);
    let e = futures::executor::block_on(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::SessionExpired);
    assert_eq!(c.transport().paths().len(), 3);
}

#[test]
fn token_is_renewed_ahead_of_expiry() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":5000}"#);
        }
        assert_eq!(auth(r), "TC-Token new", "the request goes out with the renewed token");
        ok(HOST)
    });
    // Expires at 1500, now 1000: inside the 600 s window.
    let c = token_client(fake, Some(1500), 1000);
    futures::executor::block_on(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(c.transport().paths()[0], "GET /api/appAuth?expiredToken=old");

    // Far from expiry: no renewal.
    let fake = Fake::new(|_, _| ok(HOST));
    let c = token_client(fake, Some(100_000), 1000);
    futures::executor::block_on(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(c.transport().paths().len(), 1);
}

#[test]
fn renewal_falls_back_to_the_path_without_api() {
    let fake = Fake::new(|r, _| {
        if r.path == "/api/appAuth" {
            return Ok(HttpResponse::new(404, ""));
        }
        if r.path == "/appAuth" {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":5000}"#);
        }
        ok(HOST)
    });
    let c = token_client(fake, Some(1100), 1000);
    futures::executor::block_on(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(&c.transport().paths()[..2], &["GET /api/appAuth?expiredToken=old", "GET /appAuth?expiredToken=old"]);
}

#[test]
fn gets_are_retried_with_backoff_and_retry_after() {
    let fake = Fake::new(|_, n| match n {
        0 => Ok(HttpResponse::new(503, "")),
        1 => Ok(HttpResponse { status: 429, headers: vec![("retry-after".into(), "2".into())], body: vec![] }),
        2 => Err(TransportError::Network("connection reset".into())),
        _ => ok(HOST),
    });
    let c = token_client(fake, None, 1000);
    futures::executor::block_on(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    let sleeps = c.transport().sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 3);
    assert!((250..500).contains(&sleeps[0]), "{sleeps:?}");
    assert_eq!(sleeps[1], 2000, "Retry-After honoured");
    assert!((1000..2000).contains(&sleeps[2]), "{sleeps:?}");
}

#[test]
fn writes_are_never_retried_and_errors_keep_the_server_message() {
    let fake = Fake::new(|_, _| Ok(HttpResponse::new(503, r#"{"status":"Failure","message":"Batch API not available"}"#)));
    let c = token_client(fake, None, 1000);
    let e = futures::executor::block_on(c.json(HttpRequest::post("/v2/batch"))).unwrap_err();
    assert_eq!(e, Error::Http { status: 503, code: None, message: "Batch API not available".into() });
    assert_eq!(c.transport().paths().len(), 1);
    assert!(c.transport().sleeps.borrow().is_empty());

    // A GET gives up after the policy's retries.
    let fake = Fake::new(|_, _| Err(TransportError::Timeout));
    let c = token_client(fake, None, 1000).with_retry(RetryPolicy { max_retries: 2, ..RetryPolicy::default() });
    let e = futures::executor::block_on(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::Timeout);
    assert_eq!(c.transport().paths().len(), 3);

    // Cancelled requests are not retried.
    let fake = Fake::new(|_, _| Err(TransportError::Aborted));
    let c = token_client(fake, None, 1000);
    assert_eq!(futures::executor::block_on(c.json(HttpRequest::get("/v2/owners"))).unwrap_err(), Error::Aborted);
    assert_eq!(c.transport().paths().len(), 1);
}

#[test]
fn v3_pager_follows_next_links_until_absent() {
    let fake = Fake::new(|r, _| {
        let start = r.query.iter().find(|(k, _)| k == "resultStart").map(|(_, v)| v.clone()).unwrap_or_default();
        let item = |id: u32| format!(r#"{{"id":{id},"ownerName":"O","type":"Host","summary":"h{id}.com"}}"#);
        match start.as_str() {
            "0" => ok(&format!(r#"{{"data":[{}],"next":"https://app.threatconnect.com/api/v3/indicators?tql=typeName%20in%20(%22Host%22)&resultStart=1&resultLimit=1","status":"Success"}}"#, item(1))),
            "1" => ok(&format!(r#"{{"data":[{}],"next":"https://app.threatconnect.com/api/v3/indicators?tql=typeName+in+(%22Host%22)&resultStart=2&resultLimit=1","status":"Success"}}"#, item(2))),
            _ => ok(&format!(r#"{{"data":[{}],"status":"Success"}}"#, item(3))),
        }
    });
    let c = token_client(fake, None, 1000);
    let all = futures::executor::block_on(panel::search_indicators(&c, r#"typeName in ("Host")"#, 1).collect_all()).unwrap();
    assert_eq!(all.iter().map(|i| i.summary.as_str()).collect::<Vec<_>>(), ["h1.com", "h2.com", "h3.com"]);
    let paths = c.transport().paths();
    assert_eq!(paths[0], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=0&resultLimit=1&count=true");
    // Links are re-encoded by the one encoder (what is signed is what is sent), with the API prefix once.
    assert_eq!(paths[1], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=1&resultLimit=1");
    assert_eq!(paths[2], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=2&resultLimit=1");
}

#[test]
fn v3_404_falls_back_to_v2_for_the_indicator_panel() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let fake = Fake::new(move |r, _| {
        calls2.set(calls2.get() + 1);
        let p = r.path.as_str();
        if p.starts_with("/api/v3/") {
            return Ok(HttpResponse::new(404, r#"{"status":"Error","errCode":"0x1004","message":"Not Found"}"#));
        }
        let body = match p {
            // `includes=` embeds tags (one object, not a list) and attributes; counts come with includeAdditional.
            "/api/v2/indicators/hosts/bad.example" => r#"{"status":"Success","data":{"host":{"id":7,"owner":{"id":1,"name":"Org","type":"Organization"},"hostName":"bad.example","rating":"4.00","observationCount":"5","tag":{"name":"APT"},"attribute":[{"id":3,"type":"Description","value":"d"}]}}}"#,
            "/api/v2/indicators/hosts/bad.example/groups" => r#"{"status":"Success","data":{"resultCount":1,"group":[{"id":"9","name":"Op X","type":"Incident","ownerName":"Org"}]}}"#,
            "/api/v2/indicators/hosts/bad.example/indicators" => r#"{"status":"Failure","message":"nope"}"#,
            _ => r#"{"status":"Success","data":{"resultCount":0}}"#,
        };
        ok(body)
    });
    let c = token_client(fake, None, 1000);
    let r = IndicatorRef::new(IndicatorType::Host, "bad.example", Some("Org"));
    let p = futures::executor::block_on(load_indicator_panel(&c, &r)).unwrap();
    assert_eq!(p.source, ApiVersion::V2);
    assert_eq!((p.indicator.id, p.indicator.summary.as_str(), p.indicator.rating), (7, "bad.example", Some(4.0)));
    assert_eq!(p.indicator.tags[0].name, "APT");
    assert_eq!(p.indicator.associated_groups[0].id, 9);
    assert_eq!(p.indicator.attributes[0].value, "d");
    assert_eq!(p.indicator.observation_count, Some(5));
    assert_eq!(p.warnings.len(), 1, "the failed associated-indicators request is a warning, the panel still loads");
    // v3 core + 4 v2 requests (item with includes, groups, indicators, dnsResolutions for a host):
    // within a browser's six connections per host, with the panel's other sections.
    assert_eq!(calls.get(), 5, "{:?}", c.transport().paths());
    let paths = c.transport().paths();
    assert_eq!(paths[0], "GET /api/v3/indicators/bad.example?owner=Org&fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess&fields=dnsResolution&fields=whoIs");
    assert!(paths.contains(&"GET /api/v2/indicators/hosts/bad.example?owner=Org&includeAdditional=true&includes=additional&includes=attributes&includes=labels&includes=tags".to_string()), "{paths:?}");
}

#[test]
fn group_panel_uses_v3_with_association_pages() {
    let fake = Fake::new(|r, _| {
        let body = match (r.path.as_str(), r.query.first().map(|q| q.1.as_str())) {
            ("/api/v3/groups/12", _) => r#"{"data":{"id":12,"ownerName":"Src","type":"Adversary","name":"Bad Guy","tags":{"data":[{"name":"T"}]}},"status":"Success"}"#,
            ("/api/v3/indicators", Some("hasGroup(id=12)")) => r#"{"data":[{"id":3,"ownerName":"O","type":"Host","summary":"a.com"}],"count":150,"next":"https://x/api/v3/indicators?resultStart=100","status":"Success"}"#,
            ("/api/v3/groups", Some("hasGroup(id=12)")) => r#"{"data":[],"count":0,"status":"Success"}"#,
            other => panic!("unexpected {other:?}"),
        };
        ok(body)
    });
    let c = token_client(fake, None, 1000);
    let p = futures::executor::block_on(load_group_panel(&c, GroupType::Adversary, 12)).unwrap();
    assert_eq!(p.source, ApiVersion::V3);
    assert_eq!(p.group.name, "Bad Guy");
    assert_eq!(p.group.tags[0].name, "T");
    assert_eq!(p.group.associated_indicators[0].summary, "a.com");
    assert_eq!(p.indicator_count, Some(150));
    assert_eq!(p.more_indicators.as_deref(), Some("https://x/api/v3/indicators?resultStart=100"));
    assert!(p.warnings.is_empty());
}

#[test]
fn batch_job_is_created_uploaded_polled_with_backoff_and_errors_read() {
    let fake = Fake::new(|r, n| {
        let b = match (r.method, r.path.as_str()) {
            (Method::Post, "/api/v2/batch") => r#"{"status":"Success","data":{"batchId":"77"}}"#,
            (Method::Post, "/api/v2/batch/77") => r#"{"status":"Queued"}"#,
            (Method::Get, "/api/v2/batch/77") if n < 5 => r#"{"status":"Success","data":{"batchStatus":{"id":77,"status":"Running"}}}"#,
            (Method::Get, "/api/v2/batch/77") => r#"{"status":"Success","data":{"batchStatus":{"id":77,"status":"Completed","errorCount":1,"successCount":2}}}"#,
            (Method::Get, "/api/v2/batch/77/errors") => r#"{"status":"Success","data":{"batchError":[{"errorCode":"0x1001","errorMessage":"Invalid host"}]}}"#,
            other => panic!("unexpected {other:?}"),
        };
        ok(b)
    });
    let c = token_client(fake, None, 1000);
    let data = serde_json::json!({"indicator": [{"summary": "bad.example", "type": "Host"}]});
    let out = futures::executor::block_on(pivot::tc::batch::run_batch(&c, &v2::BatchConfig::create("Org"), &data, 10)).unwrap();
    assert_eq!((out.status.success_count, out.errors[0].error_message.as_str()), (2, "Invalid host"));
    assert_eq!(*c.transport().sleeps.borrow(), vec![1000, 2000, 4000]);
    let sent = c.transport().sent.borrow();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(sent[1].body.as_deref().unwrap()).unwrap(), data);
}

#[test]
fn a_renewal_that_cannot_reach_threatconnect_says_so() {
    let fake = Fake::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return Err(TransportError::Network("offline".into()));
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(fake, None, 1000);
    let e = futures::executor::block_on(c.json(HttpRequest::post("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::Network("offline".into()));
}

/// A v2 list of `n` items served the way ThreatConnect documents it: `resultStart`
/// (default 0) and `resultLimit` (default 100, capped at `server_max`), `resultCount`
/// only with `resultStart=0`.
fn v2_list_server(n: usize, server_max: usize) -> Fake {
    Fake::new(move |r, _| {
        let q = |k: &str| r.query.iter().find(|(x, _)| x == k).map(|(_, v)| v.parse::<usize>().unwrap());
        let start = q("resultStart").unwrap_or(0);
        let limit = q("resultLimit").unwrap_or(100).min(server_max);
        let items: Vec<serde_json::Value> = (start..n.min(start.saturating_add(limit)))
            .map(|i| serde_json::json!({"id": i, "ownerName": "O", "summary": format!("h{i}.example"), "type": "Host"}))
            .collect();
        let mut data = serde_json::json!({"indicator": items});
        if start == 0 {
            data["resultCount"] = serde_json::json!(n);
        }
        ok(&serde_json::json!({"status": "Success", "data": data}).to_string())
    })
}

fn walk_v2(n: usize, limit: Option<u32>, server_max: usize) -> (Vec<i64>, usize) {
    let c = token_client(v2_list_server(n, server_max), None, 0);
    let opts = v2::ListOptions { result_limit: limit, ..Default::default() };
    let pager = c.v2_pager(opts, "indicator", Indicator::read, |o| v2::indicators(Some("hosts"), o));
    let ids = futures::executor::block_on(pager.collect_all()).unwrap().iter().map(|i| i.id).collect();
    let sent = c.transport().sent.borrow().len();
    (ids, sent)
}

#[test]
fn v2_pager_sends_the_documented_paging_parameters() {
    let (ids, sent) = walk_v2(250, None, 10_000);
    assert_eq!(ids, (0..250).collect::<Vec<i64>>());
    assert_eq!(sent, 3, "100 + 100 + 50, resultCount known: no empty page asked");
    let c = token_client(v2_list_server(5, 10_000), None, 0);
    let pager = c.v2_pager(v2::ListOptions { result_limit: Some(20_000), ..Default::default() }, "indicator", Indicator::read, |o| v2::indicators(None, o));
    futures::executor::block_on(pager.collect_all()).unwrap();
    assert_eq!(c.transport().paths(), vec!["GET /api/v2/indicators?resultStart=0&resultLimit=10000"], "the documented maximum");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Any `resultCount`, any page size (also above what an older server allows,
    /// 500): every item exactly once, in order, and no request past the end
    /// beyond the one empty page an unknown total can need.
    #[test]
    fn v2_pager_yields_every_item_exactly_once(n in 0usize..2500, limit in proptest::option::of(1u32..1200), old_server in proptest::bool::ANY) {
        let server_max = if old_server { 500 } else { 10_000 };
        let (ids, sent) = walk_v2(n, limit, server_max);
        proptest::prop_assert_eq!(&ids, &(0..n as i64).collect::<Vec<i64>>());
        let per_page = (limit.unwrap_or(100) as usize).min(server_max);
        proptest::prop_assert!(sent <= n.div_ceil(per_page).max(1), "{} requests for {} items of {} per page", sent, n, per_page);
    }
}

#[test]
fn v2_next_start_follows_result_count_or_a_short_page() {
    use pivot::tc::client::v2_next_start;
    assert_eq!(v2_next_start(0, 100, 100, Some(250)), Some(100));
    assert_eq!(v2_next_start(200, 100, 50, Some(250)), None);
    assert_eq!(v2_next_start(100, 100, 100, None), Some(200), "a full page without resultCount: ask again");
    assert_eq!(v2_next_start(200, 100, 7, None), None);
    assert_eq!(v2_next_start(0, 100, 0, Some(5)), None, "an empty page never loops");
}

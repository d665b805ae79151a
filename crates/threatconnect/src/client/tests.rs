//! The client over a scripted in-memory transport: signing as sent, token renewal
//! (ahead of expiry, on 401, single-flight, failure), retries.

use super::*;
use crate::indicators::Indicator;
use crate::test_util::{ok, run, Scripted};

fn auth(r: &HttpRequest) -> String {
    r.header_value("Authorization").unwrap_or("").to_string()
}

const HOST: &str = r#"{"data":{"id":3,"ownerName":"Demo Organization","type":"Host","summary":"badguy.com","rating":"3.00"},"status":"Success"}"#;

/// A client holding the token `old` (expiring at `expires`), its clock at `now`.
fn token_client(t: Scripted, expires: Option<u64>, now: u64) -> Client<Scripted> {
    t.token_client("old", expires, now)
}

#[test]
#[cfg(feature = "hmac-auth")]
fn hmac_request_is_signed_over_what_is_sent() {
    // Known answer computed with Python 3 hmac/hashlib/base64 (see auth.rs):
    // key "secret", "/api/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787".
    let t = Scripted::new(|_, _| ok(r#"{"status":"Success"}"#));
    let c = Client::new(t, "/api", Credentials::hmac("12345", "secret"), Box::new(|| 1513703787));
    let req = HttpRequest::get("/v2/indicators/hosts/example.com").query("Owner", "Common Community");
    run(c.send(req)).unwrap();
    let sent = c.transport().sent.borrow()[0].clone();
    assert_eq!(sent.path_and_query(), "/api/v2/indicators/hosts/example.com?Owner=Common%20Community");
    assert_eq!(sent.header_value("Timestamp"), Some("1513703787"));
    assert_eq!(sent.header_value("Authorization"), Some("TC 12345:qcQ78w1LcTYOSn2A4hYtkwvNsBnti4Ed+ZpIzM7oSjE="));
}

/// Through Pivot's API Service: the service's path prefixed, its header sent, no
/// `Authorization`; a 401 is the answer (no renewal: the page has no token to renew).
#[test]
fn service_requests_carry_the_header_and_no_credential() {
    let t = Scripted::new(|r, _| if r.path.ends_with("/v3/indicators/3") { ok(HOST) } else { Ok(HttpResponse::new(401, r#"{"status":"Failure"}"#)) });
    let c = Client::new(t, "/api/services/pivot/v1/api", Credentials::Service, Box::new(|| 1000));
    let i = run(c.v3_one(HttpRequest::get("/v3/indicators/3"), Indicator::read)).unwrap();
    assert_eq!(i.summary, "badguy.com");
    let r = run(c.send(HttpRequest::get("/v3/owners"))).unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(c.transport().lines(), vec!["GET /api/services/pivot/v1/api/v3/indicators/3", "GET /api/services/pivot/v1/api/v3/owners"]);
    for sent in c.transport().sent.borrow().iter() {
        assert_eq!(sent.header_value("X-Pivot-Request"), Some("1"));
        assert!(
            !sent.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("Authorization") || k.eq_ignore_ascii_case("Timestamp")),
            "{:?}",
            sent.headers
        );
    }
    assert_eq!(format!("{:?}", c.credentials()), "Service");
}

#[test]
fn a_401_renews_once_and_retries_the_original() {
    let t = Scripted::new(|r, _| {
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
    let c = token_client(t, None, 1000);
    let i = run(c.v3_one(HttpRequest::get("/v3/indicators/3"), Indicator::read)).unwrap();
    assert_eq!(i.summary, "badguy.com");
    assert_eq!(c.transport().lines(), vec!["GET /api/v3/indicators/3", "GET /api/appAuth?expiredToken=old", "GET /api/v3/indicators/3",]);
    assert_eq!(c.credentials(), Credentials::token("new", Some(99999)));
}

#[test]
fn concurrent_401s_share_one_renewal() {
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":99999}"#);
        }
        if auth(r) == "TC-Token old" {
            return Ok(HttpResponse::new(401, ""));
        }
        ok(HOST)
    });
    let c = token_client(t, None, 1000);
    let reqs = (0..4).map(|_| c.v3_one(HttpRequest::get("/v3/indicators/3"), Indicator::read));
    let results = run(futures::future::join_all(reqs));
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let lines = c.transport().lines();
    assert_eq!(lines.iter().filter(|p| p.contains("appAuth")).count(), 1, "{lines:?}");
    // Four 401s, one renewal, four retries with the new token.
    assert_eq!(lines.len(), 9, "{lines:?}");
}

#[test]
fn failed_renewal_is_a_session_expiry_the_analyst_can_act_on() {
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":false,"message":"Token is no longer valid"}"#);
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(t, None, 1000);
    let e = run(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::SessionExpired);
    assert!(e.to_string().contains("Reload the Space"));
    // Never more than one retry of the original.
    assert_eq!(c.transport().lines().iter().filter(|p| p.contains("/v2/owners")).count(), 1);
}

#[test]
fn second_401_after_renewal_is_session_expired_not_a_loop() {
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":99999}"#);
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(t, None, 1000);
    let e = run(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::SessionExpired);
    assert_eq!(c.transport().lines().len(), 3);
}

#[test]
fn token_is_renewed_ahead_of_expiry() {
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":5000}"#);
        }
        assert_eq!(auth(r), "TC-Token new", "the request goes out with the renewed token");
        ok(HOST)
    });
    // Expires at 1500, now 1000: inside the 600 s window.
    let c = token_client(t, Some(1500), 1000);
    run(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(c.transport().lines()[0], "GET /api/appAuth?expiredToken=old");

    // Far from expiry: no renewal.
    let t = Scripted::new(|_, _| ok(HOST));
    let c = token_client(t, Some(100_000), 1000);
    run(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(c.transport().lines().len(), 1);
}

#[test]
fn renewal_falls_back_to_the_path_without_api() {
    let t = Scripted::new(|r, _| {
        if r.path == "/api/appAuth" {
            return Ok(HttpResponse::new(404, ""));
        }
        if r.path == "/appAuth" {
            return ok(r#"{"success":true,"apiToken":"new","apiTokenExpires":5000}"#);
        }
        ok(HOST)
    });
    let c = token_client(t, Some(1100), 1000);
    run(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    assert_eq!(&c.transport().lines()[..2], &["GET /api/appAuth?expiredToken=old", "GET /appAuth?expiredToken=old"]);
}

#[test]
fn a_renewal_that_cannot_reach_threatconnect_says_so() {
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            return Err(TransportError::Network("offline".into()));
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = token_client(t, None, 1000);
    let e = run(c.json(HttpRequest::post("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::Network("offline".into()));
}

#[test]
fn replace_all_cuts_out_every_whole_needle() {
    // Expected strings written by hand: adjacent, overlapping-prefix and multibyte neighbours.
    assert_eq!(replace_all("a=tok&b=toktok", "tok"), "a=<redacted>&b=<redacted><redacted>");
    assert_eq!(replace_all("ttok", "tok"), "t<redacted>");
    assert_eq!(replace_all("é=tök€", "tök"), "é=<redacted>€");
    assert_eq!(replace_all("nothing here", "tok"), "nothing here");
    assert_eq!(replace_all("", "tok"), "");
}

/// A transport's message may quote the URL it failed on (ureq's does): the renewal's
/// query holds the expiring token, which must not reach the error, its text or its `Debug`.
#[test]
fn a_failed_renewal_does_not_quote_the_token() {
    const TOKEN: &str = "API:5:PLANTED+tok/en=";
    let t = Scripted::new(|r, _| {
        if r.path.ends_with("/appAuth") {
            let url = format!("http://tc.example{}", r.path_and_query());
            return Err(TransportError::Network(format!("{url}: Connection Failed: token {TOKEN}")));
        }
        Ok(HttpResponse::new(401, ""))
    });
    let c = t.token_client(TOKEN, None, 1000);
    let e = run(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    let encoded = crate::http::encode_component(TOKEN);
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(TOKEN) && !shown.contains(&encoded), "{shown}");
        assert!(shown.contains("expiredToken=<redacted>: Connection Failed"), "{shown}");
    }
}

#[test]
fn gets_are_retried_with_backoff_and_retry_after() {
    let t = Scripted::new(|_, n| match n {
        0 => Ok(HttpResponse::new(503, "")),
        1 => Ok(HttpResponse { status: 429, headers: vec![("retry-after".into(), "2".into())], body: vec![] }),
        2 => Err(TransportError::Network("connection reset".into())),
        _ => ok(HOST),
    });
    let c = token_client(t, None, 1000);
    run(c.json(HttpRequest::get("/v3/indicators/3"))).unwrap();
    let sleeps = c.transport().sleeps.borrow().clone();
    assert_eq!(sleeps.len(), 3);
    assert!((250..500).contains(&sleeps[0]), "{sleeps:?}");
    assert_eq!(sleeps[1], 2000, "Retry-After honoured");
    assert!((1000..2000).contains(&sleeps[2]), "{sleeps:?}");
}

#[test]
fn writes_are_never_retried_and_errors_keep_the_server_message() {
    let t = Scripted::new(|_, _| Ok(HttpResponse::new(503, r#"{"status":"Failure","message":"Batch API not available"}"#)));
    let c = token_client(t, None, 1000);
    let e = run(c.json(HttpRequest::post("/v2/batch"))).unwrap_err();
    assert_eq!(e, Error::Http { status: 503, code: None, message: "Batch API not available".into() });
    assert_eq!(c.transport().lines().len(), 1);
    assert!(c.transport().sleeps.borrow().is_empty());

    // A GET gives up after the policy's retries.
    let t = Scripted::new(|_, _| Err(TransportError::Timeout));
    let c = token_client(t, None, 1000).with_retry(RetryPolicy { max_retries: 2, ..RetryPolicy::default() });
    let e = run(c.json(HttpRequest::get("/v2/owners"))).unwrap_err();
    assert_eq!(e, Error::Timeout);
    assert_eq!(c.transport().lines().len(), 3);

    // Cancelled requests are not retried.
    let t = Scripted::new(|_, _| Err(TransportError::Aborted));
    let c = token_client(t, None, 1000);
    assert_eq!(run(c.json(HttpRequest::get("/v2/owners"))).unwrap_err(), Error::Aborted);
    assert_eq!(c.transport().lines().len(), 1);
}

//! The client against the local ThreatConnect sandbox (crates/tc-sandbox, written
//! independently of the client's models): HMAC signing verified by a second
//! implementation, awkward values in paths, custom types, token issue and
//! renewal, the v2 fallback with v3 switched off, injected faults, a batch job.
//!
//! The sandbox is built from the current source first (tests/support).

#![cfg(feature = "native")]

use pivot::tc::native::{system_clock, NativeTransport};
use pivot::tc::v3::{self, IndicatorKey};
use pivot::tc::*;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

const ID: &str = "client-test";
const KEY: &str = "client-test-secret";

mod support;
use support::{faults, run, Sandbox};

fn start(name: &str) -> Sandbox {
    support::start(name, "demo", ID, KEY)
}

fn hmac_client(sb: &Sandbox) -> Client<NativeTransport> {
    support::hmac_client(sb)
}

#[test]
fn panels_search_and_awkward_values_over_hmac() {
    let sb = start("panels");
    let c = hmac_client(&sb);

    let r = IndicatorRef::new(IndicatorType::Host, "bad.example.com", Some("Demo Org"));
    let p = run(load_indicator_panel(&c, &r)).unwrap();
    assert_eq!(p.source, ApiVersion::V3);
    assert_eq!((p.indicator.summary.as_str(), p.indicator.owner.name.as_str()), ("bad.example.com", "Demo Org"));
    assert_eq!(p.indicator.indicator_type, IndicatorType::Host);
    assert!(!p.indicator.associated_groups.is_empty(), "the demo host has groups");

    // Every URL in the demo data, looked up again by its summary: `/ ? # % +` and spaces in one path segment, signed.
    let urls = run(panel::search_indicators(&c, r#"typeName in ("URL")"#, 50).collect_all()).unwrap();
    assert!(urls.len() >= 2);
    for u in &urls {
        let again = run(c.v3_one(v3::indicator(&IndicatorKey::Summary(u.summary.clone()), Some(&IndicatorType::Url), Some(&u.owner.name), false), Indicator::read))
            .unwrap_or_else(|e| panic!("{}: {e}", u.summary));
        assert_eq!(again.id, u.id, "{}", u.summary);
    }

    // Custom types are kept.
    let all = run(panel::search_indicators(&c, r##"summary = "#demobear""##, 10).collect_all()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].indicator_type, IndicatorType::Custom("Hashtag".into()));

    // Paging through next links gets every item once.
    let small_pages = run(panel::search_indicators(&c, r#"typeName in ("URL")"#, 1).collect_all()).unwrap();
    assert_eq!(small_pages.iter().map(|i| i.id).collect::<Vec<_>>(), urls.iter().map(|i| i.id).collect::<Vec<_>>());

    let g = run(load_group_panel(&c, GroupType::Adversary, 2)).unwrap();
    assert_eq!((g.group.name.as_str(), g.group.group_type()), ("APT Demo Bear", Some(GroupType::Adversary)));
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);

    // A summary that does not exist is a 404 with the server's message.
    let e = run(c.v3_one(v3::indicator(&IndicatorKey::Summary("nope.invalid".into()), None, None, false), Indicator::read)).unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[test]
fn v2_fallback_when_v3_is_off_runs_concurrently() {
    let sb = start("v2");
    let c = hmac_client(&sb);
    faults(&sb, json!({"v3": false, "latencyMs": 300}));
    let r = IndicatorRef::new(IndicatorType::Host, "bad.example.com", Some("Demo Org"));
    let t0 = Instant::now();
    let p = run(load_indicator_panel(&c, &r)).unwrap();
    let took = t0.elapsed();
    assert_eq!(p.source, ApiVersion::V2);
    assert_eq!(p.indicator.summary, "bad.example.com");
    assert!(!p.indicator.associated_groups.is_empty());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // v3 try + 8 v2 requests at 300 ms each: 2.7 s one after another, about 0.6 s at once.
    assert!(took.as_millis() < 1500, "took {took:?}");
}

#[test]
fn token_issue_renewal_and_faults() {
    let sb = start("token");
    let c = hmac_client(&sb);
    let token = run(async { envelope::v3_token(&c.json(v3::api_token()).await?) }).unwrap();

    // A token close to expiry is renewed before the request goes out.
    let now = system_clock();
    let t = Client::new(NativeTransport::new(&sb.origin), "/api", Credentials::token(&token, Some(now + 60)), Box::new(system_clock));
    run(t.json(pivot::tc::v2::whoami())).unwrap();
    match t.credentials() {
        Credentials::Token { token: new, expires } => {
            assert_ne!(new, token);
            assert!(expires.unwrap() > now + 600);
        }
        other => panic!("{other:?}"),
    }

    // A 401 (injected once) renews and retries; a 503 on a GET is retried, on a POST it is not.
    faults(&sb, json!({"rules": [{"method": "GET", "pathPrefix": "/api/v2/owners", "status": 401, "times": 1}]}));
    run(t.v2_list(pivot::tc::v2::owners(), "owner", Owner::read)).unwrap();
    faults(&sb, json!({"rules": [{"method": "GET", "pathPrefix": "/api/v2/owners", "status": 503, "times": 2}]}));
    let owners = run(c.v2_list(pivot::tc::v2::owners(), "owner", Owner::read)).unwrap();
    assert!(owners.items.iter().any(|o| o.name == "Demo Org"));
    faults(&sb, json!({"rules": [{"method": "POST", "pathPrefix": "/api/v2/", "status": 503, "times": 1}]}));
    let item = pivot::tc::v2::ItemRef::indicator(&IndicatorType::Host, "bad.example.com").unwrap();
    let e = run(c.v2_ok(pivot::tc::v2::add_tag(&item, "Pivot Test"))).unwrap_err();
    assert_eq!(e.status(), Some(503));
    faults(&sb, json!({"rules": []}));
    run(c.v2_ok(pivot::tc::v2::add_tag(&item, "Pivot Test").owner(Some("Demo Org")))).unwrap();
    let tags = run(c.v2_list(pivot::tc::v2::tags(&item, Some("Demo Org")), "tag", Tag::read)).unwrap();
    assert!(tags.items.iter().any(|t| t.name == "Pivot Test"), "{:?}", tags.items);
}

#[test]
fn batch_job_runs_to_completion() {
    let sb = start("batch");
    let c = hmac_client(&sb);
    let input = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/threatconnect-batch/batch-input-1.json");
    let bytes = std::fs::read(&input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let data: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let out = run(pivot::tc::batch::run_batch(&c, &pivot::tc::v2::BatchConfig::create("Demo Org"), &data, 20)).unwrap();
    assert!(out.status.is_done());
    assert_eq!(out.status.error_count as usize, out.errors.len());
    assert!(out.status.success_count > 0, "{:?}", out.status);
}

/// The sandbox these tests run is built from this checkout's source: no source
/// file is newer than the binary (`cargo test` alone would not rebuild another
/// workspace member's binary, so a sandbox change could go untested).
#[test]
fn the_sandbox_under_test_is_built_from_its_current_source() {
    let bin = support::sandbox_bin();
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/tc-sandbox/src");
    let mut checked = 0;
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let changed = e.metadata().and_then(|m| m.modified()).unwrap();
        assert!(changed <= built, "{} is newer than {}", e.path().display(), bin.display());
        checked += 1;
    }
    assert!(checked > 5, "read only {checked} sandbox sources");
}

/// A redirect is never followed: it could take the request, and its credentials, to another host.
#[test]
fn redirects_are_not_followed() {
    let sb = start("redirect");
    let c = hmac_client(&sb);
    faults(&sb, json!({"rules": [{"pathPrefix": "/api/v2/whoami", "redirect": format!("{}/api/v2/owners", sb.origin)}]}));
    support::clear_requests(&sb);
    let err = run(c.json(HttpRequest::get("/v2/whoami"))).unwrap_err();
    assert_eq!(err.status(), Some(302), "{err:?}");
    let paths: Vec<String> = support::requests(&sb).iter().map(|r| r["path"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(paths, ["/api/v2/whoami"], "the Location was not requested");
}

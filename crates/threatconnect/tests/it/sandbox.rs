//! The client against the sandbox (`crates/tc-sandbox`, written independently of the
//! client's models), over HTTP: HMAC signing verified by a second implementation, awkward
//! values in paths, custom types, token issue and renewal, the v2 fallback with v3
//! switched off, injected faults, a batch job, redirects.

use crate::util::hmac_client;
use pivot_testing::{run, Sandbox, Seed};
use serde_json::json;
use std::time::Instant;
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::*;
use threatconnect::{decode, indicators, owners, tags, tokens};

const ID: &str = "client-test";
const KEY: &str = "client-test-secret";

/// A demo-seeded sandbox answering HMAC for `ID`/`KEY`.
fn start() -> Sandbox {
    Sandbox::builder(Seed::Demo).access_id(ID).secret_key(KEY).start()
}

#[test]
fn panels_search_and_awkward_values_over_hmac() {
    let sb = start();
    let c = hmac_client(&sb);

    let r = IndicatorRef::new(IndicatorType::Host, "bad.example.com", Some("Demo Org"));
    let p = run(load_indicator_panel(&c, &r)).unwrap();
    assert_eq!(p.source, ApiVersion::V3);
    assert_eq!((p.indicator.summary.as_str(), p.indicator.owner.name.as_str()), ("bad.example.com", "Demo Org"));
    assert_eq!(p.indicator.indicator_type, IndicatorType::Host);
    assert!(!p.indicator.associated_groups.is_empty(), "the demo host has groups");

    // Every URL in the demo data, looked up again by its summary: `/ ? # % +` and spaces in one path segment, signed.
    let urls = run(c.search_all(Collection::Indicators, r#"typeName in ("URL")"#, 50, None, Indicator::read).collect_all()).unwrap();
    assert!(urls.len() >= 2);
    for u in &urls {
        let again = run(c.v3_one(
            indicators::v3::get(&IndicatorKey::Summary(u.summary.clone()), Some(&IndicatorType::Url), Some(&u.owner.name), false),
            Indicator::read,
        ))
        .unwrap_or_else(|e| panic!("{}: {e}", u.summary));
        assert_eq!(again.id, u.id, "{}", u.summary);
    }

    // A page in the order asked for, with its total, tags and labels in the same answer; the
    // expected order (names descending, ties by id) computed here from the unsorted list.
    let groups = run(c.search_all(Collection::Groups, "hasIndicator(id=1)", 100, None, Group::read).collect_all()).unwrap();
    let mut want: Vec<(String, i64)> = groups.iter().map(|g| (g.name.clone(), g.id)).collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let by_name = Sort { field: SortField::Value, descending: true };
    let page =
        run(c.search_sorted(Collection::Groups, "hasIndicator(id=1)", 0, 100, Some(by_name), &["tags", "securityLabels"], Group::read)).unwrap();
    assert_eq!(page.items.iter().map(|g| (g.name.clone(), g.id)).collect::<Vec<_>>(), want);
    assert_eq!(page.result_count, Some(groups.len() as i64));
    assert!(page.items.iter().any(|g| !g.tags.is_empty()) && page.items.iter().any(|g| !g.security_labels.is_empty()));

    // Custom types are kept.
    let all = run(c.search_all(Collection::Indicators, r##"summary = "#demobear""##, 10, None, Indicator::read).collect_all()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].indicator_type, IndicatorType::Custom("Hashtag".into()));

    // Paging with small pages (each request the pager's own, advanced by resultStart) gets every item once.
    let small_pages = run(c.search_all(Collection::Indicators, r#"typeName in ("URL")"#, 1, None, Indicator::read).collect_all()).unwrap();
    assert_eq!(small_pages.iter().map(|i| i.id).collect::<Vec<_>>(), urls.iter().map(|i| i.id).collect::<Vec<_>>());
    // Sorted, every page keeps the order (what a list's export follows): Z first, as sorted here.
    let z_first = Some(Sort { field: SortField::Value, descending: true });
    let sorted = run(c.search_all(Collection::Indicators, r#"typeName in ("URL")"#, 1, z_first, Indicator::read).collect_all()).unwrap();
    let mut expected: Vec<&str> = urls.iter().map(|i| i.summary.as_str()).collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert!(expected.len() > 2 && expected != urls.iter().map(|i| i.summary.as_str()).collect::<Vec<_>>(), "the seed's URLs: {expected:?}");
    assert_eq!(sorted.iter().map(|i| i.summary.as_str()).collect::<Vec<_>>(), expected);

    let g = run(load_group_panel(&c, GroupType::Adversary, 2)).unwrap();
    assert_eq!((g.group.name.as_str(), g.group.group_type()), ("APT Demo Bear", Some(GroupType::Adversary)));
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);

    // A summary that does not exist is a 404 with the server's message.
    let e = run(c.v3_one(indicators::v3::get(&IndicatorKey::Summary("nope.invalid".into()), None, None, false), Indicator::read)).unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
}

#[test]
fn v2_fallback_when_v3_is_off_runs_concurrently() {
    let sb = start();
    let c = hmac_client(&sb);
    sb.faults(json!({"v3": false, "latencyMs": 300}));
    let r = IndicatorRef::new(IndicatorType::Host, "bad.example.com", Some("Demo Org"));
    let t0 = Instant::now();
    let p = run(load_indicator_panel(&c, &r)).unwrap();
    let took = t0.elapsed();
    assert_eq!(p.source, ApiVersion::V2);
    assert_eq!(p.indicator.summary, "bad.example.com");
    assert!(!p.indicator.associated_groups.is_empty());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // The v3 try and the 4 v2 requests at 300 ms each: 1.5 s one after another, about 0.6 s at once.
    assert!(took.as_millis() < 1500, "took {took:?}");
}

#[test]
fn v2_bulk_lookup_by_summaries_finds_what_v3_finds_in_every_owner() {
    let sb = start();
    let c = hmac_client(&sb);
    // What to find, and where: every host and URL of the demo data, as v3's TQL sees them.
    let known = run(c.search_all(Collection::Indicators, r#"typeName in ("Host","URL")"#, 10_000, None, Indicator::read).collect_all()).unwrap();
    assert!(known.len() >= 4, "{}", known.len());
    let mut summaries: Vec<String> = known.iter().map(|i| i.summary.clone()).collect();
    summaries.sort();
    summaries.dedup();
    summaries.push("never-seen.invalid".into());
    let mut want: Vec<(i64, String)> = known.iter().map(|i| (i.id, i.owner.name.clone())).collect();
    want.sort();

    sb.faults(json!({"v3": false}));
    let owners = run(c.owners()).unwrap();
    assert!(owners.len() >= 2, "{owners:?}");
    let mut got = Vec::new();
    for o in &owners {
        for i in run(c.v2_indicators_by_summaries(&o.name, &summaries)).unwrap() {
            assert_eq!(i.owner.name, o.name, "{}", i.summary);
            assert!(summaries.contains(&i.summary), "{}", i.summary);
            got.push((i.id, i.owner.name.clone()));
        }
    }
    got.sort();
    assert_eq!(got, want);
    // A comma is never sent as part of a value: the client refuses it.
    let sent = sb.requests().len();
    let e = run(c.v2_indicators_by_summaries("Demo Org", &["bad.example.com,summary=x".into()])).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert_eq!(sb.requests().len(), sent);
}

#[test]
fn token_issue_renewal_and_faults() {
    let sb = start();
    let c = hmac_client(&sb);
    let token = run(async { decode::v3_token(&c.json(tokens::v3::api_token()).await?) }).unwrap();

    // A token close to expiry is renewed before the request goes out.
    let now = system_clock();
    let t = Client::new(NativeTransport::new(&sb.origin()), "/api", Credentials::token(&token, Some(now + 60)), Box::new(system_clock));
    run(t.json(owners::v2::whoami())).unwrap();
    match t.credentials() {
        Credentials::Token { token: new, expires } => {
            assert_ne!(new, token);
            assert!(expires.unwrap() > now + 600);
        }
        other => panic!("{other:?}"),
    }

    // A 401 (injected once) renews and retries; a 503 on a GET is retried, on a POST it is not.
    sb.faults(json!({"rules": [{"method": "GET", "pathPrefix": "/api/v2/owners", "status": 401, "times": 1}]}));
    run(t.v2_list(owners::v2::owners(), "owner", Owner::read)).unwrap();
    sb.faults(json!({"rules": [{"method": "GET", "pathPrefix": "/api/v2/owners", "status": 503, "times": 2}]}));
    let owners = run(c.v2_list(owners::v2::owners(), "owner", Owner::read)).unwrap();
    assert!(owners.items.iter().any(|o| o.name == "Demo Org"));
    sb.faults(json!({"rules": [{"method": "POST", "pathPrefix": "/api/v2/", "status": 503, "times": 1}]}));
    let item = ItemRef::indicator(&IndicatorType::Host, "bad.example.com").unwrap();
    let e = run(c.v2_ok(tags::v2::add(&item, "Pivot Test"))).unwrap_err();
    assert_eq!(e.status(), Some(503));
    sb.faults(json!({"rules": []}));
    run(c.v2_ok(tags::v2::add(&item, "Pivot Test").owner(Some("Demo Org")))).unwrap();
    let tags = run(c.v2_list(tags::v2::list(&item, Some("Demo Org")), "tag", Tag::read)).unwrap();
    assert!(tags.items.iter().any(|t| t.name == "Pivot Test"), "{:?}", tags.items);
}

#[test]
fn batch_job_runs_to_completion() {
    let sb = start();
    let c = hmac_client(&sb);
    let input = pivot_testing::fixtures().join("threatconnect-batch/batch-input-1.json");
    let bytes = std::fs::read(&input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let data: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let out = run(c.run_batch(&BatchConfig::create("Demo Org"), &data, 20)).unwrap();
    assert!(out.status.is_done());
    assert_eq!(out.status.error_count as usize, out.errors.len());
    assert!(out.status.success_count > 0, "{:?}", out.status);
}

/// Tagging existing indicators through one batch `Create` job: with `tagWriteType` `Append`
/// an indicator keeps its rating, confidence, description and other tags; left unset (the
/// documented default, `Replace`), the job's tags replace the indicator's.
#[test]
fn a_batch_job_tags_existing_indicators_keeping_their_fields_only_with_tag_append() {
    let sb = start();
    let c = hmac_client(&sb);
    let tql = r#"summary = "bad.example.com" and ownerName = "Demo Org""#;
    let read = |c: &Client<NativeTransport>| run(c.search_indicators_expanded(tql, 0, 10, &["tags"])).unwrap().items.remove(0);
    let item = ItemRef::indicator(&IndicatorType::Host, "bad.example.com").unwrap();
    run(c.v2_ok(tags::v2::add(&item, "Kept tag").owner(Some("Demo Org")))).unwrap();
    let before = read(&c);
    let names = |i: &Indicator| {
        let mut n: Vec<String> = i.tags.iter().map(|t| t.name.clone()).collect();
        n.sort();
        n
    };
    assert!(names(&before).contains(&"Kept tag".to_owned()));
    assert!(before.rating.is_some() && before.confidence.is_some() && before.description.is_some(), "{before:?}");
    let data = json!({"indicator": [{"summary": "bad.example.com", "type": "Host", "tag": [{"name": "Batch tag"}]}]});

    let append = BatchConfig { attribute_write_type: "Append".into(), tag_write_type: Some("Append".into()), ..BatchConfig::create("Demo Org") };
    let out = run(c.run_batch(&append, &data, 20)).unwrap();
    assert_eq!((out.status.success_count, out.status.error_count), (1, 0), "{:?}", out.status);
    let after = read(&c);
    assert_eq!(after.id, before.id);
    assert_eq!((after.rating, after.confidence, &after.description), (before.rating, before.confidence, &before.description));
    let mut want = names(&before);
    want.push("Batch tag".into());
    want.sort();
    assert_eq!(names(&after), want);

    // Without `tagWriteType`: the other tags are gone.
    let out = run(c.run_batch(&BatchConfig { attribute_write_type: "Append".into(), ..BatchConfig::create("Demo Org") }, &data, 20)).unwrap();
    assert_eq!(out.status.error_count, 0, "{:?}", out.status);
    assert_eq!(names(&read(&c)), ["Batch tag"]);
}

/// What the triage page writes with: tags found by part of their name, many indicators
/// associated with one group in one request, a batch job reporting its steps.
#[test]
fn tags_by_name_many_indicators_with_a_group_and_a_reported_batch() {
    let sb = start();
    let c = hmac_client(&sb);
    let inds = run(c.search(Collection::Indicators, r#"ownerName = "Demo Org" and typeName = "Host""#, 0, 3, false, Indicator::read)).unwrap().items;
    assert_eq!(inds.len(), 3);
    let group = run(c.search(Collection::Groups, r#"ownerName = "Demo Org""#, 0, 1, false, Group::read)).unwrap().items.remove(0);

    // A tag whose name holds a quote: found by part of its name, nothing else matching.
    let name = r#"Zq"uoted triage tag"#;
    run(c.write(&writes::Via::V3(Collection::Indicators, inds[0].id), "Demo Org", writes::Write::Tag(name, Mode::Append))).unwrap();
    let found: Vec<String> = run(c.tags_named(r#"q"uoted triage"#, 10)).unwrap();
    assert_eq!(found, [name]);

    // Three indicators with one group: one request, and the group now lists them.
    sb.clear_requests();
    let ids: Vec<i64> = inds.iter().map(|i| i.id).collect();
    run(c.associate_indicators(group.id, &ids, "Demo Org")).unwrap();
    assert_eq!(sb.writes(), [format!("PUT /api/v3/groups/{}", group.id)]);
    let linked: Vec<i64> = run(c.search(Collection::Indicators, &format!("hasGroup(id={})", group.id), 0, 1000, false, Indicator::read))
        .unwrap()
        .items
        .iter()
        .map(|i| i.id)
        .collect();
    assert!(ids.iter().all(|id| linked.contains(id)), "{ids:?} in {linked:?}");

    // A batch job that creates two values, each step reported, in order.
    let steps = std::cell::RefCell::new(Vec::new());
    let data = json!({"indicator": [{"summary": "made.by-batch.test", "type": "Host"}, {"summary": "203.0.113.250", "type": "Address"}]});
    let out = run(c.run_batch_reporting(&BatchConfig::create("Demo Org"), &data, 20, &|s| steps.borrow_mut().push(s))).unwrap();
    assert_eq!((out.status.success_count, out.errors.len()), (2, 0));
    let steps = steps.into_inner();
    assert!(matches!(steps.first(), Some(BatchStep::Created { .. })), "{steps:?}");
    assert!(matches!(steps.get(1), Some(BatchStep::Uploaded { .. })), "{steps:?}");
    assert!(matches!(steps.last(), Some(BatchStep::Completed { errors: 0, .. })), "{steps:?}");
    let made = run(c.search(
        Collection::Indicators,
        r#"summary in ("made.by-batch.test", "203.0.113.250") and ownerName = "Demo Org""#,
        0,
        10,
        false,
        Indicator::read,
    ));
    assert_eq!(made.unwrap().items.len(), 2);
}

/// The attribute types offered for an item: those the instance says apply to its type
/// (ThreatConnect's "References - Platform Standard Attributes" lists Additional Analysis and
/// Context for Hosts and Adversaries, not for Documents), every type when the instance refuses
/// the `associatedType` question.
#[test]
fn attribute_types_narrowed_to_the_item_type() {
    let sb = start();
    let c = hmac_client(&sb);
    let all = run(c.attribute_type_names_for("Host")).unwrap();
    assert!(all.iter().any(|n| n == "Additional Analysis and Context") && all.iter().any(|n| n == "Description"), "{all:?}");
    let doc = run(c.attribute_type_names_for("Document")).unwrap();
    assert!(!doc.iter().any(|n| n == "Additional Analysis and Context") && doc.iter().any(|n| n == "Description"), "{doc:?}");
    // An instance that does not know the keyword: one refusal, then the whole list.
    sb.faults(json!({"rules": [{"method": "GET", "pathPrefix": "/api/v3/attributeTypes", "status": 400, "times": 1}]}));
    let refused = run(c.attribute_type_names_for("Document")).unwrap();
    assert!(refused.iter().any(|n| n == "Additional Analysis and Context") && refused.len() > doc.len(), "{refused:?}");
}

/// The sandbox under test is the one of this checkout, running in this process: what the
/// client sends over HTTP is in the log the test reads in process, and a request made in
/// process is answered as the same request over HTTP. (The sandbox was a separate binary,
/// built by a helper: a stale one could go on being tested. Now a path dependency, cargo
/// builds it with the tests.)
#[test]
fn the_sandbox_under_test_runs_in_this_process() {
    let sb = start();
    let c = hmac_client(&sb);
    sb.clear_requests();
    let over_http = run(c.json(owners::v2::owners())).unwrap();
    let paths: Vec<String> = sb.requests().iter().map(|r| r["path"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(paths, ["/api/v2/owners"]);
    let in_process = sb.get("/api/v2/owners");
    assert_eq!(in_process.status, 200);
    assert_eq!(in_process.json(), over_http);
}

/// A redirect is never followed: it could take the request, and its credentials, to another host.
#[test]
fn redirects_are_not_followed() {
    let sb = start();
    let c = hmac_client(&sb);
    sb.faults(json!({"rules": [{"pathPrefix": "/api/v2/whoami", "redirect": format!("{}/api/v2/owners", sb.origin())}]}));
    sb.clear_requests();
    let err = run(c.json(HttpRequest::get("/v2/whoami"))).unwrap_err();
    assert_eq!(err.status(), Some(302), "{err:?}");
    let paths: Vec<String> = sb.requests().iter().map(|r| r["path"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(paths, ["/api/v2/whoami"], "the Location was not requested");
}

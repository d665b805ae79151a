//! No value can change which resource a request names. For arbitrary indicator
//! values, tag and label names, the path Pivot builds is read by a WHATWG URL
//! parser (the `url` crate, as a browser or proxy would read it) and must name
//! exactly the resource intended; the only values that cannot be one segment
//! (`.`, `..`, the empty string) are refused by the client, and nothing is sent.

use percent_encoding::percent_decode_str;
use pivot::tc::request::{HttpRequest, HttpResponse};
use pivot::tc::v2::{self, ItemRef};
use pivot::tc::v3::{self, IndicatorKey};
use pivot::tc::{Client, Credentials, Error, IndicatorType, Transport, TransportError};
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// The segments a browser would request for `path` below `https://tc.example/api`, decoded.
fn parsed_segments(path: &str) -> Vec<String> {
    let url = url::Url::parse(&format!("https://tc.example/api{path}")).expect("a URL");
    url.path_segments().expect("segments").map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect()
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(".".to_string()),
        Just("..".to_string()),
        "[./%?#\\\\ +2eEfF;:@a]{0,8}",
        any::<String>(),
    ]
}

/// What must be refused: a value that no encoding keeps as its own segment.
fn cannot_be_a_segment(v: &str) -> bool {
    v.is_empty() || v == "." || v == ".."
}

/// Either the request is refused by the client (and only for such a value), or the
/// URL parser reads exactly `want` from it.
fn names_exactly(req: &HttpRequest, want: &[&str], values: &[&str]) -> Result<(), TestCaseError> {
    if req.unsafe_segment().is_some() {
        prop_assert!(values.iter().any(|v| cannot_be_a_segment(v)), "refused {:?} for {:?}", req.path, values);
        return Ok(());
    }
    let want: Vec<String> = std::iter::once("api").chain(want.iter().copied()).map(String::from).collect();
    prop_assert_eq!(parsed_segments(&req.path), want, "{}", req.path);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn tag_and_label_paths_name_the_item_and_the_tag(value in values(), name in values()) {
        let host = ItemRef::indicator(&IndicatorType::Host, &value).unwrap();
        let item = ["v2", "indicators", "hosts", value.as_str()];
        let with = |tail: &[&'static str], last: &str| -> Vec<String> {
            item.iter().map(|s| s.to_string()).chain(tail.iter().map(|s| s.to_string())).chain([last.to_string()]).collect()
        };
        for (req, tail) in [
            (v2::remove_tag(&host, &name), ["tags"]),
            (v2::add_tag(&host, &name), ["tags"]),
            (v2::remove_security_label(&host, &name), ["securityLabels"]),
            (v2::add_security_label(&host, &name), ["securityLabels"]),
        ] {
            let want = with(&tail, &name);
            let want: Vec<&str> = want.iter().map(String::as_str).collect();
            names_exactly(&req, &want, &[&value, &name])?;
        }
        let group = ItemRef::group(pivot::tc::GroupType::Incident, 7);
        names_exactly(&v2::remove_tag(&group, &name), &["v2", "groups", "incidents", "7", "tags", &name], &[&name])?;
        names_exactly(&v2::item(&host, None), &item, &[&value])?;
        names_exactly(&v3::indicator(&IndicatorKey::Summary(value.clone()), None, None, true), &["v3", "indicators", &value], &[&value])?;
        // On v3 the names go in the body: the path is the item's id, whatever the name.
        let req = v3::tags(v3::Collection::Indicators, 42, &[&name], v3::Mode::Delete);
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "indicators", "42"]);
        let body: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        prop_assert_eq!(&body, &serde_json::json!({"tags": {"data": [{"name": name}], "mode": "delete"}}));
        let req = v3::security_labels(v3::Collection::Groups, 7, &[&name], v3::Mode::Delete);
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "groups", "7"]);
        // Looking up a summary that cannot be a segment goes through TQL, with no value in the path.
        let req = v3::indicator_search(&value, &IndicatorType::Mutex, Some("Demo Org"));
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "indicators"]);
    }
}

/// A transport that records what would have left.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<String>>>);

impl Transport for Recorder {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.0.borrow_mut().push(req.path.clone());
        Ok(HttpResponse::new(200, r#"{"status":"Success"}"#))
    }
    async fn sleep(&self, _ms: u32) {}
}

#[test]
fn the_client_sends_nothing_for_a_path_that_would_name_another_resource() {
    let sent = Recorder::default();
    let client = Client::new(sent.clone(), "/api", Credentials::token("t", None), Box::new(|| 1_700_000_000));
    let host = ItemRef::indicator(&IndicatorType::Host, "evil.com").unwrap();
    for (name, shown) in [("..", ".."), (".", "."), ("", "")] {
        let err = futures::executor::block_on(client.send(v2::remove_tag(&host, name))).unwrap_err();
        assert_eq!(err, Error::UnsafePath { segment: shown.into() });
        let message = err.to_string();
        assert!(message.starts_with("Pivot did not send this request"), "{message}");
    }
    // A mutex named `..`, on every v2 read and write of it.
    let mutex = ItemRef::indicator(&IndicatorType::Mutex, "..").unwrap();
    for req in [v2::item(&mutex, None), v2::add_tag(&mutex, "ok"), v2::update_item(&mutex, None, &serde_json::json!({}))] {
        assert!(matches!(futures::executor::block_on(client.send(req)), Err(Error::UnsafePath { .. })));
    }
    assert!(sent.0.borrow().is_empty(), "sent: {:?}", sent.0.borrow());
    // A value that merely contains dots or encoded dots is one ordinary segment.
    futures::executor::block_on(client.send(v2::remove_tag(&host, "%2e%2e"))).unwrap();
    futures::executor::block_on(client.send(v2::remove_tag(&host, "..."))).unwrap();
    assert_eq!(*sent.0.borrow(), ["/api/v2/indicators/hosts/evil.com/tags/%252e%252e", "/api/v2/indicators/hosts/evil.com/tags/..."]);
}

/// A v3 `next` link names a page of the configured API, whatever it says: its origin is
/// dropped (rebased onto the API the client was configured with), a link outside the API
/// path is refused, and one with a dot segment is never sent.
#[test]
fn next_links_are_rebased_and_cannot_climb_out() {
    let rebased = v3::follow_next("https://evil.example/api/v3/indicators?resultStart=100&resultLimit=100", "/api").unwrap();
    assert_eq!(rebased.path_and_query(), "/v3/indicators?resultStart=100&resultLimit=100");
    assert!(v3::follow_next("https://tc.example/other/v3/indicators", "/api").is_none());
    assert!(v3::follow_next("https://tc.example/api/v2/owners", "/api").is_none());
    let climbing = v3::follow_next("https://tc.example/api/v3/../v2/owners", "/api").unwrap();
    assert_eq!(climbing.unsafe_segment(), Some(".."));
    let sent = Recorder::default();
    let client = Client::new(sent.clone(), "/api", Credentials::token("t", None), Box::new(|| 1_700_000_000));
    let err = futures::executor::block_on(client.v3_next("https://tc.example/api/v3/%2e%2e/v2/owners", pivot::tc::Indicator::read)).unwrap_err();
    assert!(matches!(err, Error::UnsafePath { .. }), "{err:?}");
    assert!(sent.0.borrow().is_empty());
    // A WHATWG parser reads `\` as `/` and drops tabs: sent raw, these two links would
    // name /api/v2/owners. Rebuilt, each odd segment stays one segment below /v3/.
    for (link, path) in [
        ("https://tc.example/api/v3/indicators\\..\\..\\v2\\owners", "/v3/indicators%5C..%5C..%5Cv2%5Cowners"),
        ("https://tc.example/api/v3/.\t./.\n./v2/owners", "/v3/.%09./.%0A./v2/owners"),
        ("https://tc.example/api/v3/a%2F..%2F..%2Fb/c+d", "/v3/a%2F..%2F..%2Fb/c%2Bd"),
    ] {
        let req = v3::follow_next(link, "/api").unwrap();
        assert_eq!((req.path.as_str(), req.unsafe_segment()), (path, None), "{link}");
        assert_eq!(parsed_segments(&req.path)[..2], ["api", "v3"], "{link}");
    }
}

/// A path holding a raw `\`, tab, line break, space or DEL is refused: a WHATWG parser reads
/// `\` as `/` and drops tabs and line breaks, so it would name another resource.
#[test]
fn raw_backslashes_and_whitespace_in_a_path_are_refused() {
    for path in ["/v3/a\\..\\b", "/v3/.\t.", "/v3/a\rb", "/v3/a b", "/v3/x\u{7f}"] {
        assert!(HttpRequest::get(path).unsafe_segment().is_some(), "{path:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever a server puts in a `next` link, what Pivot sends is refused by the client
    /// or is read by a WHATWG parser as a path below the configured API's `/v3/`.
    #[test]
    fn a_next_link_never_leaves_the_api(tail in "[./%?#\\\\ \t\n+2eEfFvV3a]{0,16}", host in "(https://[a-z.]{1,8})?") {
        let link = format!("{host}/api/v3/{tail}");
        if let Some(req) = v3::follow_next(&link, "/api") {
            if req.unsafe_segment().is_none() {
                let url = url::Url::parse(&format!("https://tc.example/api{}", req.path_and_query())).expect("a URL");
                prop_assert!(url.path().starts_with("/api/v3/"), "{:?} sent as {}", link, url);
                prop_assert_eq!(url.host_str(), Some("tc.example"));
            }
        }
    }
}

//! No value can change which resource a request names. For arbitrary indicator
//! values, tag and label names, the path the client builds is read by a WHATWG URL
//! parser (the `url` crate, as a browser or proxy would read it) and must name
//! exactly the resource intended; the only values that cannot be one segment
//! (`.`, `..`, the empty string) are refused by the client, and nothing is sent.

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use threatconnect::{indicators, item, security_labels, tags};
use threatconnect::{
    Client, Collection, Credentials, Error, GroupType, HttpRequest, HttpResponse, Indicator, IndicatorKey, IndicatorType, ItemRef, Mode, Transport,
    TransportError,
};

/// The segments a browser would request for `path` below `https://tc.example/api`, decoded.
fn parsed_segments(path: &str) -> Vec<String> {
    let url = url::Url::parse(&format!("https://tc.example/api{path}")).expect("a URL");
    url.path_segments().expect("segments").map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect()
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just(".".to_string()), Just("..".to_string()), "[./%?#\\\\ +2eEfF;:@a]{0,8}", any::<String>(),]
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
        let host_path = ["v2", "indicators", "hosts", value.as_str()];
        let with = |tail: &[&'static str], last: &str| -> Vec<String> {
            host_path.iter().map(|s| s.to_string()).chain(tail.iter().map(|s| s.to_string())).chain([last.to_string()]).collect()
        };
        for (req, tail) in [
            (tags::v2::remove(&host, &name), ["tags"]),
            (tags::v2::add(&host, &name), ["tags"]),
            (security_labels::v2::remove(&host, &name), ["securityLabels"]),
            (security_labels::v2::add(&host, &name), ["securityLabels"]),
        ] {
            let want = with(&tail, &name);
            let want: Vec<&str> = want.iter().map(String::as_str).collect();
            names_exactly(&req, &want, &[&value, &name])?;
        }
        let group = ItemRef::group(GroupType::Incident, 7);
        names_exactly(&tags::v2::remove(&group, &name), &["v2", "groups", "incidents", "7", "tags", &name], &[&name])?;
        names_exactly(&item::v2::get(&host, None), &host_path, &[&value])?;
        names_exactly(&indicators::v3::get(&IndicatorKey::Summary(value.clone()), None, None, true), &["v3", "indicators", &value], &[&value])?;
        // On v3 the names go in the body: the path is the item's id, whatever the name.
        let req = tags::v3::apply(Collection::Indicators, 42, &[&name], Mode::Delete);
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "indicators", "42"]);
        let body: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        prop_assert_eq!(&body, &serde_json::json!({"tags": {"data": [{"name": name}], "mode": "delete"}}));
        let req = security_labels::v3::apply(Collection::Groups, 7, &[&name], Mode::Delete);
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "groups", "7"]);
        // Looking up a summary that cannot be a segment goes through TQL, with no value in the path.
        let req = indicators::v3::by_summary(&value, &IndicatorType::Mutex, Some("Demo Org"));
        prop_assert_eq!(parsed_segments(&req.path), vec!["api", "v3", "indicators"]);
    }
}

/// A transport that records what would have left, answering `answer` to the first
/// request and `{"status":"Success"}` to the others.
#[derive(Clone)]
struct Recorder {
    sent: Rc<RefCell<Vec<String>>>,
    first: &'static str,
}

impl Recorder {
    fn new() -> Self {
        Recorder::answering_first(r#"{"status":"Success"}"#)
    }
    fn answering_first(first: &'static str) -> Self {
        Recorder { sent: Rc::default(), first }
    }
    fn client(&self) -> Client<Recorder> {
        Client::new(self.clone(), "/api", Credentials::token("t", None), Box::new(|| 1_700_000_000))
    }
}

impl Transport for Recorder {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let first = self.sent.borrow().is_empty();
        self.sent.borrow_mut().push(req.path.clone());
        Ok(HttpResponse::new(200, if first { self.first } else { r#"{"status":"Success"}"# }))
    }
    async fn sleep(&self, _ms: u32) {}
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

#[test]
fn the_client_sends_nothing_for_a_path_that_would_name_another_resource() {
    let sent = Recorder::new();
    let client = sent.client();
    let host = ItemRef::indicator(&IndicatorType::Host, "evil.com").unwrap();
    for (name, shown) in [("..", ".."), (".", "."), ("", "")] {
        let err = run(client.send(tags::v2::remove(&host, name))).unwrap_err();
        assert_eq!(err, Error::UnsafePath { segment: shown.into() });
        let message = err.to_string();
        assert!(message.starts_with("Pivot did not send this request"), "{message}");
    }
    // A mutex named `..`, on every v2 read and write of it.
    let mutex = ItemRef::indicator(&IndicatorType::Mutex, "..").unwrap();
    for req in [item::v2::get(&mutex, None), tags::v2::add(&mutex, "ok"), item::v2::update(&mutex, None, &serde_json::json!({}))] {
        assert!(matches!(run(client.send(req)), Err(Error::UnsafePath { .. })));
    }
    assert!(sent.sent.borrow().is_empty(), "sent: {:?}", sent.sent.borrow());
    // A value that merely contains dots or encoded dots is one ordinary segment.
    run(client.send(tags::v2::remove(&host, "%2e%2e"))).unwrap();
    run(client.send(tags::v2::remove(&host, "..."))).unwrap();
    assert_eq!(*sent.sent.borrow(), ["/api/v2/indicators/hosts/evil.com/tags/%252e%252e", "/api/v2/indicators/hosts/evil.com/tags/..."]);
}

/// The path and query of what the client sent, in order.
#[derive(Clone, Default)]
struct Paged {
    sent: Rc<RefCell<Vec<String>>>,
    link: Rc<String>,
}

impl Transport for Paged {
    /// Two items a page while the start is below 4, each page with the hostile link.
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(req.path_and_query());
        let start: usize = req.query.iter().find(|(k, _)| k == "resultStart").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let items: Vec<serde_json::Value> = (start..(start + 2).min(4))
            .map(|i| serde_json::json!({"id": i, "ownerName": "O", "type": "Host", "summary": format!("h{i}.example")}))
            .collect();
        Ok(HttpResponse::new(200, serde_json::json!({"status": "Success", "data": items, "next": *self.link}).to_string()))
    }
    async fn sleep(&self, _ms: u32) {}
}

/// Reads a whole v3 list whose every page carries `link` as its `next`; what was sent.
fn pages_with_next(link: &str) -> (Vec<i64>, Vec<String>) {
    let t = Paged { link: Rc::new(link.to_string()), ..Paged::default() };
    let client = Client::new(t.clone(), "/api", Credentials::token("t", None), Box::new(|| 1_700_000_000));
    let items = run(client.v3_pager(HttpRequest::get("/v3/indicators").query("resultLimit", "2"), Indicator::read).collect_all()).unwrap();
    let sent = t.sent.borrow().clone();
    (items.iter().map(|i| i.id).collect(), sent)
}

/// A v3 `next` link only says that more pages follow: the client never sends it. Whatever it
/// names (another host, a v2 path, dot segments in any spelling, `\`, tabs, a start that goes
/// back), the next request is the client's own, past the items it has, and an empty page ends
/// the list.
#[test]
fn a_next_link_never_names_the_next_request() {
    for link in [
        "https://evil.example/api/v3/indicators?resultStart=100&resultLimit=100",
        "https://tc.example/other/v3/indicators",
        "https://tc.example/api/v2/owners",
        "https://tc.example/api/v3/../v2/owners",
        "https://tc.example/api/v3/%2e%2e/v2/owners",
        "https://tc.example/api/v3/indicators\\..\\..\\v2\\owners",
        "https://tc.example/api/v3/.\t./.\n./v2/owners",
        "https://tc.example/api/v3/a%2F..%2F..%2Fb/c+d?resultStart=0",
    ] {
        let (ids, sent) = pages_with_next(link);
        assert_eq!(ids, [0, 1, 2, 3], "{link}");
        assert_eq!(
            sent,
            ["/api/v3/indicators?resultLimit=2", "/api/v3/indicators?resultLimit=2&resultStart=2", "/api/v3/indicators?resultLimit=2&resultStart=4"],
            "{link}"
        );
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

    /// Whatever a server puts in a `next` link, every request the pager sends is read by a
    /// WHATWG parser as the configured API's `/v3/indicators` on the configured host.
    #[test]
    fn a_next_link_never_leaves_the_api(tail in "[./%?#\\\\ \t\n+2eEfFvV3a]{0,16}", host in "(https://[a-z.]{1,8})?") {
        let link = format!("{host}/api/v3/{tail}");
        let (ids, sent) = pages_with_next(&link);
        prop_assert_eq!(ids, vec![0, 1, 2, 3]);
        for s in sent {
            let url = url::Url::parse(&format!("https://tc.example{s}")).expect("a URL");
            prop_assert_eq!(url.path(), "/api/v3/indicators", "{:?} sent as {}", link, url);
            prop_assert_eq!(url.host_str(), Some("tc.example"));
        }
    }
}

//! Lists: v2 list options ([`ListOptions`], [`Filter`]) and the one [`Pager`]
//! for v2 and v3 lists, with the one page-size limit ([`MAX_RESULT_LIMIT`]).
//!
//! Both versions page by `resultStart`/`resultLimit`. v2 says `resultCount` on the first
//! page only ([`next_start`] is its rule); v3 sends a `next` link while more pages follow.
//! The pager never sends that link: it only says that there is a next page, which the
//! pager asks for itself, its own request with `resultStart` moved past the items it has.
//! So no link, whatever it holds, can make the client request another resource, and every
//! page starts after the last (a list cannot loop).

use crate::client::{Client, Transport};
use crate::decode::{self, Page, Reader};
use crate::error::Error;
use crate::http::HttpRequest;
use serde_json::Value;

/// `resultLimit` when none is sent (ThreatConnect's documented default).
pub const DEFAULT_RESULT_LIMIT: u32 = 100;
/// The largest `resultLimit` ThreatConnect accepts (10,000; 500 in older releases): the
/// page size of every "read it all" in Pivot.
pub const MAX_RESULT_LIMIT: u32 = 10_000;
/// The most pages read of one list (10 million items at [`MAX_RESULT_LIMIT`], 100,000 at
/// [`DEFAULT_RESULT_LIMIT`]). A server that keeps saying more follow past it gets
/// [`Error::TooManyPages`], not a list cut short: a caller acting on part of a list
/// (what to pull, what was imported) would act wrongly without knowing it.
pub const MAX_PAGES: u32 = 1_000;

/// A v2 filter operator (`filters=summary^bad,rating>3`). The documentation lists
/// `=`, `<`, `>`, `^`; the JavaScript SDK also names `>=` and `<=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `>=`
    Geq,
    /// `<=`
    Leq,
    /// `^` (starts with)
    StartsWith,
}

impl Op {
    /// The operator as written in `filters=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Geq => ">=",
            Op::Leq => "<=",
            Op::StartsWith => "^",
        }
    }
}

/// One v2 filter: `field`, operator, value.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// The field (`summary`, `rating`, `tag`...).
    pub field: String,
    /// The operator.
    pub op: Op,
    /// The value (percent-encoded by the one query encoder).
    pub value: String,
}

impl Filter {
    /// A filter.
    pub fn new(field: &str, op: Op, value: impl Into<String>) -> Self {
        Filter { field: field.into(), op, value: value.into() }
    }
}

/// Options for v2 list requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListOptions {
    /// `owner=`
    pub owner: Option<String>,
    /// `resultStart=` (where a page starts).
    pub result_start: Option<u32>,
    /// `resultLimit=` (page size).
    pub result_limit: Option<u32>,
    /// `filters=` (AND-ed unless `or_params`).
    pub filters: Vec<Filter>,
    /// `orParams=true`: filters are OR-ed.
    pub or_params: bool,
    /// `modifiedSince=` (an ISO date).
    pub modified_since: Option<String>,
    /// `includeAdditional=true`.
    pub include_additional: bool,
    /// `includes=tags|attributes|labels|additional` (repeated).
    pub includes: Vec<String>,
}

impl ListOptions {
    /// The options added to a v2 list request.
    pub fn apply(&self, mut r: HttpRequest) -> HttpRequest {
        r = r.owner(self.owner.as_deref());
        if let Some(s) = self.result_start {
            r = r.query("resultStart", s.to_string());
        }
        if let Some(l) = self.result_limit {
            r = r.query("resultLimit", l.to_string());
        }
        if !self.filters.is_empty() {
            let joined: Vec<String> = self.filters.iter().map(|f| format!("{}{}{}", f.field, f.op.as_str(), f.value)).collect();
            // The operators and commas are percent-encoded by the one query encoder.
            r = r.query("filters", joined.join(","));
            if self.or_params {
                r = r.query("orParams", "true");
            }
        }
        r = r.query_opt("modifiedSince", self.modified_since.clone());
        if self.include_additional {
            r = r.query("includeAdditional", "true");
        }
        for inc in &self.includes {
            r = r.query("includes", inc.clone());
        }
        r
    }
}

/// Where the next v2 page starts, or `None` when the list is complete: after a
/// page at `start` that returned `got` of at most `limit` items, `total` being
/// `resultCount` when ThreatConnect sent it (only with `resultStart=0`; later pages
/// are full or last).
pub fn next_start(start: u32, limit: u32, got: usize, total: Option<i64>) -> Option<u32> {
    let next = start.checked_add(u32::try_from(got).ok()?)?;
    let more = match total {
        Some(n) => got > 0 && i64::from(next) < n,
        None => got > 0 && got as u64 >= u64::from(limit),
    };
    more.then_some(next)
}

/// Where a list goes on: the request of the page to ask next (with `resultStart` set
/// where it starts), the v2 entity key its items answer under (`None`: a v3 list), its
/// start and size, and the total when known. Not generic, so the paging rules exist once
/// however many item types are paged.
struct Cursor {
    next: Option<HttpRequest>,
    key: Option<&'static str>,
    start: u32,
    limit: u32,
    total: Option<i64>,
    /// Pages received.
    pages: u32,
}

impl Cursor {
    fn new(request: HttpRequest, key: Option<&'static str>) -> Self {
        let start = query_u32(&request, "resultStart").unwrap_or(0);
        let limit = query_u32(&request, "resultLimit").unwrap_or(DEFAULT_RESULT_LIMIT).clamp(1, MAX_RESULT_LIMIT);
        Cursor { next: Some(request), key, start, limit, total: None, pages: 0 }
    }

    /// A page of `got` items arrived, with its total and whether ThreatConnect said more follow
    /// (v3 `next`): the next page starts right after it, or the list is complete.
    fn advance(&mut self, sent: HttpRequest, result_count: Option<i64>, more: bool, got: usize) {
        self.pages = self.pages.saturating_add(1);
        if self.total.is_none() {
            self.total = result_count;
        }
        let next = match self.key {
            Some(_) => next_start(self.start, self.limit, got, self.total),
            None if more && got > 0 => self.start.checked_add(u32::try_from(got).unwrap_or(u32::MAX)),
            None => None,
        };
        if let Some(n) = next {
            let mut request = sent;
            set_query(&mut request, "resultStart", n.to_string());
            self.start = n;
            self.next = Some(request);
        }
    }
}

/// How a page's answer becomes items: decoded by the model's reader (`key`: the v2
/// entity, `None` for v3), or kept as sent.
type Items<M> = fn(Value, Option<&str>, Reader<M>) -> Result<Page<M>, Error>;

fn decoded<M>(body: Value, key: Option<&str>, read: Reader<M>) -> Result<Page<M>, Error> {
    match key {
        Some(k) => decode::v2_list(&body, k, read),
        None => decode::v3_list(&body, read),
    }
}

fn as_sent(body: Value, _key: Option<&str>, _read: Reader<Value>) -> Result<Page<Value>, Error> {
    decode::v3_list_as_sent(body)
}

/// A list read one page at a time ([`Pager::next_page`]) or whole ([`Pager::collect_all`]),
/// by each API version's own rule for when it ends. Made by [`Client::v2_pager`],
/// [`Client::v3_pager`] and [`Client::v3_pager_as_sent`].
pub struct Pager<'c, T: Transport, M> {
    client: &'c Client<T>,
    cursor: Cursor,
    read: Reader<M>,
    items: Items<M>,
}

/// Sets query parameter `key` to `value` where it stands, or adds it.
fn set_query(r: &mut HttpRequest, key: &str, value: String) {
    match r.query.iter_mut().find(|(k, _)| k == key) {
        Some(pair) => pair.1 = value,
        None => r.query.push((key.to_string(), value)),
    }
}

fn query_u32(r: &HttpRequest, key: &str) -> Option<u32> {
    r.query.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse().ok())
}

impl<T: Transport> Client<T> {
    /// Pages through a v2 list: `request` is the list request as its builder made it
    /// (e.g. `indicators::v2::list(Some("hosts"), &opts)`); its `resultLimit` is the page size
    /// (default 100, at most [`MAX_RESULT_LIMIT`]), its `resultStart` where to begin.
    /// Items are read from the answer's `key` entity.
    pub fn v2_pager<M>(&self, request: HttpRequest, key: &'static str, read: Reader<M>) -> Pager<'_, T, M> {
        let mut request = request;
        let start = query_u32(&request, "resultStart").unwrap_or(0);
        let limit = query_u32(&request, "resultLimit").unwrap_or(DEFAULT_RESULT_LIMIT).clamp(1, MAX_RESULT_LIMIT);
        // Sent on every page, so `resultCount` (first page only) and short pages are read right.
        set_query(&mut request, "resultStart", start.to_string());
        set_query(&mut request, "resultLimit", limit.to_string());
        Pager { client: self, cursor: Cursor::new(request, Some(key)), read, items: decoded }
    }

    /// Pages through a v3 list while ThreatConnect says more follow, each item decoded by `read`.
    pub fn v3_pager<M>(&self, first: HttpRequest, read: Reader<M>) -> Pager<'_, T, M> {
        Pager { client: self, cursor: Cursor::new(first, None), read, items: decoded }
    }

    /// Pages through a v3 list while ThreatConnect says more follow, each item as ThreatConnect
    /// sent it (moved out of the answer, not copied: what the sharing executor snapshots).
    pub fn v3_pager_as_sent(&self, first: HttpRequest) -> Pager<'_, T, Value> {
        Pager { client: self, cursor: Cursor::new(first, None), read: |v, _, _| Ok(v.clone()), items: as_sent }
    }
}

impl<T: Transport, M> Pager<'_, T, M> {
    /// The list's total when ThreatConnect said it (v2 `resultCount` on the first page,
    /// v3 `count` when asked with `count=true`).
    pub fn result_count(&self) -> Option<i64> {
        self.cursor.total
    }

    /// The next page, or `None` after the last one (or after an error). Past
    /// [`MAX_PAGES`] pages, [`Error::TooManyPages`] instead of another request.
    pub async fn next_page(&mut self) -> Option<Result<Vec<M>, Error>> {
        let request = self.cursor.next.take()?;
        if self.cursor.pages >= MAX_PAGES {
            return Some(Err(Error::TooManyPages { pages: self.cursor.pages }));
        }
        let page = match self.client.json(request.clone()).await.and_then(|body| (self.items)(body, self.cursor.key, self.read)) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        self.cursor.advance(request, page.result_count, page.next.is_some(), page.items.len());
        Some(Ok(page.items))
    }

    /// Every remaining item (stops at the first error).
    pub async fn collect_all(mut self) -> Result<Vec<M>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::{self, Indicator};
    use crate::test_util::{ok, run, Scripted};
    use serde_json::json;

    #[test]
    fn next_start_follows_result_count_or_a_short_page() {
        assert_eq!(next_start(0, 100, 100, Some(250)), Some(100));
        assert_eq!(next_start(200, 100, 50, Some(250)), None);
        assert_eq!(next_start(100, 100, 100, None), Some(200), "a full page without resultCount: ask again");
        assert_eq!(next_start(200, 100, 7, None), None);
        assert_eq!(next_start(0, 100, 0, Some(5)), None, "an empty page never loops");
        assert_eq!(next_start(u32::MAX - 1, 100, 100, None), None, "no overflow past the last offset");
        // resultCount (first page) says there are more; later pages are full or last.
        assert_eq!(next_start(0, 2, 2, Some(5)), Some(2));
        assert_eq!(next_start(2, 2, 2, None), Some(4));
        assert_eq!(next_start(4, 2, 1, None), None);
        assert_eq!(next_start(0, 2, 2, Some(2)), None);
    }

    #[test]
    fn list_options_in_documented_order() {
        let opts = ListOptions {
            owner: Some("Common Community".into()),
            result_start: Some(0),
            result_limit: Some(500),
            filters: vec![Filter::new("summary", Op::StartsWith, "bad"), Filter::new("rating", Op::Gt, "3")],
            or_params: true,
            modified_since: Some("2024-01-01T00:00:00Z".into()),
            include_additional: true,
            includes: vec!["tags".into()],
        };
        assert_eq!(
            opts.apply(HttpRequest::get("/v2/indicators")).path_and_query(),
            "/v2/indicators?owner=Common%20Community&resultStart=0&resultLimit=500&filters=summary%5Ebad%2Crating%3E3&orParams=true\
&modifiedSince=2024-01-01T00%3A00%3A00Z&includeAdditional=true&includes=tags"
        );
        // `>=` and `<=` (the JavaScript SDK's GE and LE), percent-encoded like the others.
        let ge =
            ListOptions { filters: vec![Filter::new("rating", Op::Geq, "3"), Filter::new("confidence", Op::Leq, "50")], ..ListOptions::default() };
        assert_eq!(ge.apply(HttpRequest::get("/v2/indicators")).path_and_query(), "/v2/indicators?filters=rating%3E%3D3%2Cconfidence%3C%3D50");
    }

    #[test]
    fn a_v3_next_link_only_says_more_follow() {
        use crate::test_util::{run, Scripted};
        use crate::HttpResponse;
        // Whatever the link names (another path, another host, dot segments, a start going
        // backwards), the next request is the first one with resultStart past what came.
        let links = ["https://evil.example/api/v2/owners", "https://tc.example/api/v3/indicators/..%2F..%2Fv2%2Fowners?resultStart=0", "\\\\evil"];
        for link in links {
            let c = Scripted::client(move |r| {
                let start = r.query.iter().find(|(k, _)| k == "resultStart").map(|(_, v)| v.clone()).unwrap_or_default();
                let item = |id: &str| format!(r#"{{"id":{id},"ownerName":"O","type":"Host","summary":"h{id}.com"}}"#);
                HttpResponse::new(
                    200,
                    match start.as_str() {
                        "0" => format!(r#"{{"data":[{},{}],"next":"{link}","status":"Success"}}"#, item("1"), item("2")),
                        "2" => format!(r#"{{"data":[{}],"next":"{link}","status":"Success"}}"#, item("3")),
                        _ => r#"{"data":[],"next":"again","status":"Success"}"#.to_string(),
                    },
                )
            });
            let all =
                run(c.search_all(crate::Collection::Indicators, "typeName in (\"Host\")", 2, None, crate::Indicator::read).collect_all()).unwrap();
            assert_eq!(all.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2, 3], "{link}");
            assert_eq!(
                c.transport().lines(),
                [
                    "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=0&resultLimit=2&count=true",
                    "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=2&resultLimit=2&count=true",
                    "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=3&resultLimit=2&count=true",
                ],
                "{link}: an empty page ends the list even with a link"
            );
        }
    }

    #[test]
    fn without_a_next_link_a_v3_list_ends() {
        use crate::test_util::{run, Scripted};
        use crate::HttpResponse;
        let c = Scripted::client(|_| {
            HttpResponse::new(200, r#"{"data":[{"id":1,"ownerName":"O","type":"Host","summary":"a.com"}],"count":1,"status":"Success"}"#)
        });
        let mut pager = c.search_all(crate::Collection::Indicators, "x", 1, None, crate::Indicator::read);
        assert_eq!(run(pager.next_page()).unwrap().unwrap().len(), 1);
        assert_eq!(pager.result_count(), Some(1));
        assert!(run(pager.next_page()).is_none());
        assert_eq!(c.transport().sent.borrow().len(), 1);
    }

    #[test]
    fn v3_pager_pages_while_next_says_more() {
        let t = Scripted::new(|r, _| {
            let start = r.query.iter().find(|(k, _)| k == "resultStart").map(|(_, v)| v.clone()).unwrap_or_default();
            let item = |id: u32| format!(r#"{{"id":{id},"ownerName":"O","type":"Host","summary":"h{id}.com"}}"#);
            match start.as_str() {
                "0" => ok(&format!(
                    r#"{{"data":[{}],"next":"https://app.threatconnect.com/api/v3/indicators?tql=typeName%20in%20(%22Host%22)&resultStart=1&resultLimit=1","status":"Success"}}"#,
                    item(1)
                )),
                "1" => ok(&format!(
                    r#"{{"data":[{}],"next":"https://app.threatconnect.com/api/v3/indicators?tql=typeName+in+(%22Host%22)&resultStart=2&resultLimit=1","status":"Success"}}"#,
                    item(2)
                )),
                _ => ok(&format!(r#"{{"data":[{}],"status":"Success"}}"#, item(3))),
            }
        });
        let c = t.token_client("old", None, 1000);
        let all = run(c.search_all(crate::Collection::Indicators, r#"typeName in ("Host")"#, 1, None, Indicator::read).collect_all()).unwrap();
        assert_eq!(all.iter().map(|i| i.summary.as_str()).collect::<Vec<_>>(), ["h1.com", "h2.com", "h3.com"]);
        let lines = c.transport().lines();
        assert_eq!(lines[0], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=0&resultLimit=1&count=true");
        // The link is not sent: the pager's own request, past the items it has.
        assert_eq!(lines[1], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=1&resultLimit=1&count=true");
        assert_eq!(lines[2], "GET /api/v3/indicators?tql=typeName%20in%20%28%22Host%22%29&resultStart=2&resultLimit=1&count=true");
        assert_eq!(lines.len(), 3);
    }

    /// A v2 list of `n` items served the way ThreatConnect documents it: `resultStart`
    /// (default 0) and `resultLimit` (default 100, capped at `server_max`), `resultCount`
    /// only with `resultStart=0`.
    fn v2_list_server(n: usize, server_max: usize) -> Scripted {
        Scripted::new(move |r, _| {
            let q = |k: &str| r.query.iter().find(|(x, _)| x == k).map(|(_, v)| v.parse::<usize>().unwrap());
            let start = q("resultStart").unwrap_or(0);
            let limit = q("resultLimit").unwrap_or(100).min(server_max);
            let items: Vec<Value> = (start..n.min(start.saturating_add(limit)))
                .map(|i| json!({"id": i, "ownerName": "O", "summary": format!("h{i}.example"), "type": "Host"}))
                .collect();
            let mut data = json!({"indicator": items});
            if start == 0 {
                data["resultCount"] = json!(n);
            }
            ok(&json!({"status": "Success", "data": data}).to_string())
        })
    }

    fn walk_v2(n: usize, limit: Option<u32>, server_max: usize) -> (Vec<i64>, usize) {
        let c = v2_list_server(n, server_max).token_client("old", None, 0);
        let opts = ListOptions { result_limit: limit, ..Default::default() };
        let pager = c.v2_pager(indicators::v2::list(Some("hosts"), &opts), "indicator", Indicator::read);
        let ids = run(pager.collect_all()).unwrap().iter().map(|i| i.id).collect();
        let sent = c.transport().sent.borrow().len();
        (ids, sent)
    }

    #[test]
    fn v2_pager_sends_the_documented_paging_parameters() {
        let (ids, sent) = walk_v2(250, None, 10_000);
        assert_eq!(ids, (0..250).collect::<Vec<i64>>());
        assert_eq!(sent, 3, "100 + 100 + 50, resultCount known: no empty page asked");
        let c = v2_list_server(5, 10_000).token_client("old", None, 0);
        let opts = ListOptions { result_limit: Some(20_000), ..Default::default() };
        let pager = c.v2_pager(indicators::v2::list(None, &opts), "indicator", Indicator::read);
        run(pager.collect_all()).unwrap();
        // The documented maximum. The pager keeps the builder's query as built and adds a
        // missing `resultStart` after it (src/tc's pager rebuilt the whole query from the options:
        // `?resultStart=0&resultLimit=10000`); ThreatConnect reads parameters by name.
        assert_eq!(c.transport().lines(), vec!["GET /api/v2/indicators?resultLimit=10000&resultStart=0"], "the documented maximum");
    }

    #[test]
    fn a_list_without_end_stops_at_the_page_cap() {
        // Every page full and saying more follow, up to 1,500 pages (so that a pager without
        // the cap would end, with every item).
        let c = Scripted::client(|r| {
            let start: u32 = r.query.iter().find(|(k, _)| k == "resultStart").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
            let next = if start + 1 < 1_500 { r#","next":"more""# } else { "" };
            crate::HttpResponse::new(
                200,
                format!(r#"{{"data":[{{"id":{start},"ownerName":"O","type":"Host","summary":"h.com"}}]{next},"status":"Success"}}"#),
            )
        });
        let e = run(c.search_all(crate::Collection::Indicators, "x", 1, None, Indicator::read).collect_all()).unwrap_err();
        assert_eq!(e, Error::TooManyPages { pages: 1_000 });
        assert_eq!(c.transport().sent.borrow().len(), 1_000);
        // A v2 list whose every page is full: the same cap.
        let c = v2_list_server(1_500, 10_000).token_client("old", None, 0);
        let opts = ListOptions { result_limit: Some(1), ..Default::default() };
        let e = run(c.v2_pager(indicators::v2::list(Some("hosts"), &opts), "indicator", Indicator::read).collect_all()).unwrap_err();
        assert_eq!(e, Error::TooManyPages { pages: 1_000 });
        assert_eq!(c.transport().sent.borrow().len(), 1_000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any `resultCount`, any page size (also above what an older server allows,
        /// 500): every item exactly once, in order, and no request past the end
        /// beyond the one empty page an unknown total can need; a list of more pages than
        /// [`MAX_PAGES`] refused whole.
        #[test]
        fn v2_pager_yields_every_item_exactly_once(n in 0usize..2500, limit in proptest::option::of(1u32..1200), old_server in proptest::bool::ANY) {
            let server_max = if old_server { 500 } else { 10_000 };
            let per_page = (limit.unwrap_or(100) as usize).min(server_max);
            if n.div_ceil(per_page) > MAX_PAGES as usize {
                // More pages than the cap: refused whole, never a list cut short.
                let c = v2_list_server(n, server_max).token_client("old", None, 0);
                let opts = ListOptions { result_limit: limit, ..Default::default() };
                let r = run(c.v2_pager(indicators::v2::list(Some("hosts"), &opts), "indicator", Indicator::read).collect_all());
                proptest::prop_assert_eq!(r.map(|v| v.len()), Err(Error::TooManyPages { pages: MAX_PAGES }));
            } else {
                let (ids, sent) = walk_v2(n, limit, server_max);
                proptest::prop_assert_eq!(&ids, &(0..n as i64).collect::<Vec<i64>>());
                proptest::prop_assert!(sent <= n.div_ceil(per_page).max(1), "{} requests for {} items of {} per page", sent, n, per_page);
            }
        }
    }
}

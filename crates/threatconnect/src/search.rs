//! TQL searches over v3 indicators and groups (the request: [`Collection::search`]): one
//! page, every page, or every item as sent.

use crate::client::{Client, Transport};
use crate::decode::{Page, Reader};
use crate::error::Error;
use crate::indicators::Indicator;
use crate::item::Collection;
use crate::paging::Pager;
use serde_json::Value;
use std::future::Future;

impl<T: Transport> Client<T> {
    /// One page of `collection` matching `tql`, each item read by `read` (`Indicator::read`,
    /// `Group::read`, or a caller's own reader over them); `count`: with the total.
    pub fn search<M: 'static>(
        &self,
        collection: Collection,
        tql: &str,
        result_start: u32,
        result_limit: u32,
        count: bool,
        read: Reader<M>,
    ) -> impl Future<Output = Result<Page<M>, Error>> + '_ {
        self.v3_list(collection.search(tql, result_start, result_limit, count), read)
    }
    /// One page of indicators matching `tql`, each with the expansions `fields` (`associatedGroups`, `tags`...).
    pub async fn search_indicators_expanded(
        &self,
        tql: &str,
        result_start: u32,
        result_limit: u32,
        fields: &[&str],
    ) -> Result<Page<Indicator>, Error> {
        self.v3_list(crate::item::with_fields(Collection::Indicators.search(tql, result_start, result_limit, false), fields), Indicator::read).await
    }
    /// Every item of `collection` matching `tql`, `page_size` a page (with the total), each read by `read`.
    pub fn search_all<M>(&self, collection: Collection, tql: &str, page_size: u32, read: Reader<M>) -> Pager<'_, T, M> {
        self.v3_pager(collection.search(tql, 0, page_size, true), read)
    }
    /// Every item of `collection` in `owner` matching `tql`, with the expansions `fields`, as
    /// ThreatConnect sent them ([`crate::MAX_RESULT_LIMIT`] a page).
    pub async fn v3_search_as_sent(&self, collection: Collection, tql: &str, fields: &[&str], owner: Option<&str>) -> Result<Vec<Value>, Error> {
        let first = crate::item::with_fields(collection.search(tql, 0, crate::MAX_RESULT_LIMIT, false).owner(owner), fields);
        self.v3_pager_as_sent(first).collect_all().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_util::{run, Scripted};

    #[test]
    fn items_as_sent_page_on_with_fields_and_owner() {
        let c = Scripted::client(|r| {
            let start = r.query.iter().find(|(k, _)| k == "resultStart").map(|(_, v)| v.clone()).unwrap_or_default();
            HttpResponse::new(
                200,
                match start.as_str() {
                    "0" => {
                        r#"{"data":[{"id":1,"x":"kept"}],"next":"https://tc.example/api/v3/groups?tql=hasGroup%28id%3D9%29&resultStart=1&resultLimit=10000&fields=tags&owner=O","status":"Success"}"#
                    }
                    _ => r#"{"data":[{"id":2}],"status":"Success"}"#,
                },
            )
        });
        let all = run(c.v3_search_as_sent(Collection::Groups, "hasGroup(id=9)", &["tags"], Some("O"))).unwrap();
        assert_eq!(all, vec![serde_json::json!({"id": 1, "x": "kept"}), serde_json::json!({"id": 2})]);
        assert_eq!(
            c.transport().lines(),
            [
                "GET /api/v3/groups?tql=hasGroup%28id%3D9%29&resultStart=0&resultLimit=10000&owner=O&fields=tags",
                "GET /api/v3/groups?tql=hasGroup%28id%3D9%29&resultStart=1&resultLimit=10000&owner=O&fields=tags",
            ]
        );
    }
}

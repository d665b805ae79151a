//! TQL searches over v3 indicators and groups (the request: [`Collection::search`]): one
//! page (sorted by ThreatConnect when asked: [`Sort`]), every page, or every item as sent.

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
    /// One page of `collection` matching `tql` with its total, in the order `sort` asks
    /// ThreatConnect for (`None`: the API's own), each item with the expansions `fields`
    /// (`tags`, `securityLabels`...): one request, whatever the page holds.
    #[allow(clippy::too_many_arguments)]
    pub fn search_sorted<M: 'static>(
        &self,
        collection: Collection,
        tql: &str,
        result_start: u32,
        result_limit: u32,
        sort: Option<Sort>,
        fields: &[&str],
        read: Reader<M>,
    ) -> impl Future<Output = Result<Page<M>, Error>> + '_ {
        let mut r = collection.search(tql, result_start, result_limit, true);
        if let Some(s) = sort {
            r = r.query("sorting", s.param(collection));
        }
        self.v3_list(crate::item::with_fields(r, fields), read)
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
    /// Every item of `collection` matching `tql`, `page_size` a page (with the total), in the
    /// order `sort` asks for (`None`: the API's own), each read by `read`.
    pub fn search_all<M>(&self, collection: Collection, tql: &str, page_size: u32, sort: Option<Sort>, read: Reader<M>) -> Pager<'_, T, M> {
        let mut r = collection.search(tql, 0, page_size, true);
        if let Some(s) = sort {
            r = r.query("sorting", s.param(collection));
        }
        self.v3_pager(r, read)
    }
    /// Every item of `collection` in `owner` matching `tql`, with the expansions `fields`, as
    /// ThreatConnect sent them ([`crate::MAX_RESULT_LIMIT`] a page).
    pub async fn v3_search_as_sent(&self, collection: Collection, tql: &str, fields: &[&str], owner: Option<&str>) -> Result<Vec<Value>, Error> {
        let first = crate::item::with_fields(collection.search(tql, 0, crate::MAX_RESULT_LIMIT, false).owner(owner), fields);
        self.v3_pager_as_sent(first).collect_all().await
    }
}

/// A column ThreatConnect sorts a v3 list by (`sorting=<TQL field> asc|desc`, as its
/// "Sort Results" page documents): a closed set, so no text typed or kept anywhere can
/// reach the parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortField {
    /// `typeName`
    Type,
    /// `summary` (indicators) or `name` (groups)
    Value,
    /// `rating` (indicators)
    Rating,
    /// `confidence` (indicators)
    Confidence,
    /// `lastModified`
    LastModified,
    /// `ownerName`
    Owner,
}

impl SortField {
    /// Every field, in the order a list shows its columns.
    pub const ALL: [SortField; 6] =
        [SortField::Type, SortField::Value, SortField::Rating, SortField::Confidence, SortField::LastModified, SortField::Owner];

    /// The TQL field's name in `collection` (groups have a `name`, indicators a `summary`).
    pub fn api_name(self, collection: Collection) -> &'static str {
        match self {
            SortField::Type => "typeName",
            SortField::Value if collection == Collection::Groups => "name",
            SortField::Value => "summary",
            SortField::Rating => "rating",
            SortField::Confidence => "confidence",
            SortField::LastModified => "lastModified",
            SortField::Owner => "ownerName",
        }
    }

    /// A short stable key (what a kept sort is saved as).
    pub fn key(self) -> &'static str {
        match self {
            SortField::Type => "type",
            SortField::Value => "value",
            SortField::Rating => "rating",
            SortField::Confidence => "confidence",
            SortField::LastModified => "modified",
            SortField::Owner => "owner",
        }
    }
}

/// How a list is sorted: one column, ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub field: SortField,
    /// Highest (or latest, or Z) first.
    pub descending: bool,
}

impl Sort {
    /// The `sorting` parameter: `rating desc`.
    pub fn param(self, collection: Collection) -> String {
        format!("{} {}", self.field.api_name(collection), if self.descending { "desc" } else { "asc" })
    }
    /// As kept: `rating desc`, by the field's [`SortField::key`].
    pub fn key(self) -> String {
        format!("{} {}", self.field.key(), if self.descending { "desc" } else { "asc" })
    }
    /// A kept sort read back; anything else is `None`.
    pub fn from_key(text: &str) -> Option<Sort> {
        let (field, dir) = text.split_once(' ')?;
        let field = SortField::ALL.into_iter().find(|f| f.key() == field)?;
        let descending = match dir {
            "asc" => false,
            "desc" => true,
            _ => return None,
        };
        Some(Sort { field, descending })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_util::{run, Scripted};

    #[test]
    fn a_sorted_page_asks_for_its_order_total_and_expansions_in_one_request() {
        let c = Scripted::client(|_| HttpResponse::new(200, r#"{"data":[],"count":0,"status":"Success"}"#));
        let sort = Sort { field: SortField::Value, descending: true };
        run(c.search_sorted(Collection::Indicators, "hasGroup(id=1)", 100, 100, Some(sort), &["tags", "securityLabels"], Indicator::read)).unwrap();
        run(c.search_sorted(
            Collection::Groups,
            "hasIndicator(id=6)",
            0,
            100,
            Some(Sort { field: SortField::Value, descending: false }),
            &[],
            crate::Group::read,
        ))
        .unwrap();
        run(c.search_sorted(Collection::Groups, "x", 0, 1, None, &[], crate::Group::read)).unwrap();
        // As ThreatConnect's "Sort Results" page writes it: `GET /v3/indicators?sorting=ownerName%20asc`.
        assert_eq!(
            c.transport().lines(),
            [
                "GET /api/v3/indicators?tql=hasGroup%28id%3D1%29&resultStart=100&resultLimit=100&count=true&sorting=summary%20desc&fields=tags&fields=securityLabels",
                "GET /api/v3/groups?tql=hasIndicator%28id%3D6%29&resultStart=0&resultLimit=100&count=true&sorting=name%20asc",
                "GET /api/v3/groups?tql=x&resultStart=0&resultLimit=1&count=true",
            ]
        );
    }

    #[test]
    fn kept_sorts_read_back_only_as_known_fields_and_directions() {
        for field in SortField::ALL {
            for descending in [false, true] {
                let s = Sort { field, descending };
                assert_eq!(Sort::from_key(&s.key()), Some(s));
            }
        }
        assert_eq!(Sort::from_key("modified desc").map(|s| s.param(Collection::Groups)).as_deref(), Some("lastModified desc"));
        for bad in ["", "rating", "rating DESC", "rating desc ", "summary asc", "owner asc&owner=x", "rating  desc", "<img> asc"] {
            assert_eq!(Sort::from_key(bad), None, "{bad:?}");
        }
    }

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

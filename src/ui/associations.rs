//! Association lists that scale: the first page comes with the panel, the filter, the sort
//! and the pages beyond are asked of ThreatConnect (TQL, `sorting`), one request each; every
//! entry the filter matches exports as CSV or copies as values. A list is a table (type,
//! value, rating, confidence, last modified, owner; TLP and tags where its request brought
//! them). Everything from the API is text.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiHandle, ApiResource, Loaded};
use super::clipboard::{copy_and_report, CopyOutcome, CopyOutcomeNote};
use super::download::download;
use super::element_state;
use super::notices::{ErrorNotice, Skeleton};
use super::on_demand;
use super::time::TimeText;
use crate::launch::element_state::Field;
use crate::launch::SelectedItem;
use pivot_text::csv::{to_csv, Csv};
use pivot_text::defang::defang;
use pivot_text::escape::escape_controls;
use pivot_text::lists::{count_of, range_of};
use pivot_text::messages::{exported_status, value_for_clipboard, values_for_clipboard};
use pivot_text::refang::refang;
use pivot_text::values::{confidence_words, rating_words, safe_http_link, thousands, tlp_class};
use threatconnect::tql::{has_group, has_indicator, other_indicators_of_indicator};
use threatconnect::types::{BASE_INDICATOR_TYPES, GROUP_TYPES};
use threatconnect::{tql, Collection, Error, Group, Indicator, Page, SecurityLabel, Sort, SortField, Tag, MAX_RESULT_LIMIT};

/// Rows per page of an association list (and per server page).
pub const PAGE: u32 = 100;

/// How many associations an item has: its groups' count, known with the panel, and its
/// indicators', which their list learns when the panel embedded a full page of them.
#[derive(Clone, Copy)]
pub struct AssocCount {
    pub groups: Option<i64>,
    pub indicators: RwSignal<Option<i64>>,
}

impl AssocCount {
    /// Both together, once both are known (tracked: a view redraws when the indicators' arrives).
    pub fn get(self) -> Option<i64> {
        self.groups.zip(self.indicators.get()).map(|(g, i)| g + i)
    }

    /// The count in words as it becomes known: `words` of the number with its thousands
    /// separators (`None` until known). One closure type for every such text: one copy of its
    /// reactive rendering in the wasm.
    pub fn words(self, words: fn(Option<String>) -> String) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        move || words(self.get().map(thousands))
    }
}

/// One row of an association list.
#[derive(Clone, Debug, PartialEq)]
pub struct Assoc {
    pub id: i64,
    pub type_label: String,
    /// The raw value (indicator summary or group name).
    pub value: String,
    /// Defanged for indicators (the defanged CSV's cell). The screen shows it through
    /// `escape_controls`, as everything that leaves Pivot: a U+202E in an adversary's
    /// value would otherwise show `evil\u{202E}txt.exe` as `evilexe.txt`.
    pub shown: String,
    pub owner: String,
    /// Where a click pivots to; `None` for a type Pivot has no panel for.
    pub target: Option<SelectedItem>,
    pub is_group: bool,
    /// The item's page in ThreatConnect (`webLink`, http(s) only): where a middle-click or a
    /// new tab goes. It comes from the API, so never carries this tab's token.
    pub link: Option<String>,
    /// Threat rating (0–5) and confidence (0–100), indicators only; when it last changed.
    pub rating: Option<f64>,
    pub confidence: Option<f64>,
    pub modified: Option<String>,
    /// Tags and TLP, when the request that brought the row asked for them (v3 `fields=tags`,
    /// `fields=securityLabels`: the list's own pages); `None` for rows embedded in the panel
    /// (ThreatConnect embeds associations without them) and for the v2 fallback.
    pub meta: Option<RowMeta>,
}

/// A row's tags and TLP label.
#[derive(Clone, Debug, PartialEq)]
pub struct RowMeta {
    pub tags: Vec<String>,
    /// The first `TLP:` security label.
    pub tlp: Option<String>,
}

/// What a list's own pages ask ThreatConnect to bring with each row.
const ROW_FIELDS: [&str; 2] = ["tags", "securityLabels"];

impl Assoc {
    pub fn from_indicator(i: &Indicator) -> Self {
        Assoc {
            id: i.id,
            type_label: i.indicator_type.type_name().to_owned(),
            value: i.summary.clone(),
            shown: defang(&i.indicator_type, &i.summary),
            owner: i.owner.name.clone(),
            target: Some(SelectedItem::Indicator { kind: i.indicator_type.clone(), summary: i.summary.clone(), owner: Some(i.owner.name.clone()) }),
            is_group: false,
            link: i.web_link.as_deref().and_then(safe_http_link),
            rating: i.rating,
            confidence: i.confidence,
            modified: i.last_modified.clone(),
            meta: None,
        }
    }

    /// The row with the tags and labels its request asked for.
    fn with_meta(mut self, tags: &[Tag], labels: &[SecurityLabel]) -> Self {
        let tlp = labels.iter().find(|l| l.name.trim().get(..4).is_some_and(|p| p.eq_ignore_ascii_case("TLP:"))).map(|l| l.name.clone());
        self.meta = Some(RowMeta { tags: tags.iter().map(|t| t.name.clone()).collect(), tlp });
        self
    }

    pub fn from_group(g: &Group) -> Self {
        Assoc {
            id: g.id,
            type_label: g.type_name.clone(),
            value: g.name.clone(),
            shown: g.name.clone(),
            owner: g.owner.name.clone(),
            target: g
                .group_type()
                .and_then(|kind| u64::try_from(g.id).ok().map(|id| SelectedItem::Group { kind, id, owner: Some(g.owner.name.clone()) })),
            is_group: true,
            link: g.web_link.as_deref().and_then(safe_http_link),
            rating: None,
            confidence: None,
            modified: g.last_modified.clone(),
            meta: None,
        }
    }
}

/// A server-side list: which collection, and the TQL that selects the associations.
#[derive(Clone, Debug, PartialEq)]
pub struct AssocQuery {
    pub collection: Collection,
    /// e.g. `hasGroup(id=12)`.
    pub tql: String,
}

impl AssocQuery {
    /// The TQL with the filter box's text: summaries for indicators, names for groups.
    /// `filter` is what the box searches for (already refanged); `kind` a type chip's type name.
    pub fn with_filter(&self, filter: &str, kind: Option<&str>) -> String {
        let filter = filter.trim();
        let field = match self.collection {
            Collection::Groups => "name",
            _ => "summary",
        };
        let mut out = self.tql.clone();
        if !filter.is_empty() {
            out = format!("{out} and {field} contains {}", tql::quote(filter));
        }
        if let Some(kind) = kind {
            out = format!("{out} and typeName = {}", tql::quote(kind));
        }
        out
    }
}

/// One page of the list (with its total) in the order asked, each row with its tags and labels.
#[allow(clippy::too_many_arguments)]
async fn fetch_page(
    api: ApiHandle,
    query: AssocQuery,
    filter: String,
    kind: Option<String>,
    sort: Option<Sort>,
    start: u32,
    limit: u32,
) -> Result<Page<Assoc>, Error> {
    let client = api.with_value(|a| a.client.clone());
    let tql = query.with_filter(&filter, kind.as_deref());
    let rows = |items: Vec<Assoc>, p_count, p_next| Page { items, result_count: p_count, next: p_next };
    match query.collection {
        Collection::Groups => client
            .search_sorted(Collection::Groups, &tql, start, limit, sort, &ROW_FIELDS, Group::read)
            .await
            .map(|p| rows(p.items.iter().map(|g| Assoc::from_group(g).with_meta(&g.tags, &g.security_labels)).collect(), p.result_count, p.next)),
        _ => client
            .search_sorted(Collection::Indicators, &tql, start, limit, sort, &ROW_FIELDS, Indicator::read)
            .await
            .map(|p| rows(p.items.iter().map(|i| Assoc::from_indicator(i).with_meta(&i.tags, &i.security_labels)).collect(), p.result_count, p.next)),
    }
}

/// Every association the filter matches, for an export: the client's pager, in the
/// largest pages ThreatConnect serves, in the table's order.
async fn fetch_all(api: ApiHandle, query: AssocQuery, filter: String, kind: Option<String>, sort: Option<Sort>) -> Result<Vec<Assoc>, Error> {
    let client = api.with_value(|a| a.client.clone());
    let tql = query.with_filter(&filter, kind.as_deref());
    Ok(match query.collection {
        Collection::Groups => client
            .search_all(Collection::Groups, &tql, MAX_RESULT_LIMIT, sort, Group::read)
            .collect_all()
            .await?
            .iter()
            .map(Assoc::from_group)
            .collect(),
        _ => client
            .search_all(Collection::Indicators, &tql, MAX_RESULT_LIMIT, sort, Indicator::read)
            .collect_all()
            .await?
            .iter()
            .map(Assoc::from_indicator)
            .collect(),
    })
}

fn csv_of(items: &[Assoc], raw: bool) -> Csv {
    to_csv(
        &["type", "value", "owner", "id"],
        items.iter().map(|a| vec![a.type_label.clone(), if raw { a.value.clone() } else { a.shown.clone() }, a.owner.clone(), a.id.to_string()]),
    )
}

/// The entries of a list loaded with the panel that match the filter box
/// (type or value, case-insensitive) and the type chip: what the list shows without a server query.
fn matching(all: Vec<Assoc>, needle: &str, kind: Option<&str>) -> Vec<Assoc> {
    let needle = lowercase(needle);
    all.into_iter()
        .filter(|a| kind.is_none_or(|k| a.type_label == k))
        .filter(|a| needle.is_empty() || lowercase(&a.value).contains(&needle) || lowercase(&a.type_label).contains(&needle))
        .collect()
}

thread_local! {
    /// The instance's indicator types, custom ones included (`/v2/types/indicatorTypes`):
    /// asked once per launch, by the first list that counts its types or the first search.
    static INDICATOR_TYPES: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// The indicator type names: the base types (in [`BASE_INDICATOR_TYPES`]' order), then the
/// instance's custom ones (none when the instance does not say).
pub async fn indicator_type_names(api: ApiHandle) -> Vec<String> {
    if let Some(known) = INDICATOR_TYPES.with(|t| t.borrow().clone()) {
        return known;
    }
    let mut names: Vec<String> = BASE_INDICATOR_TYPES.iter().map(|t| t.type_name().to_owned()).collect();
    let client = api.with_value(|a| a.client.clone());
    if let Ok(defs) = client.indicator_types().await {
        for d in defs {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&d.name)) {
                names.push(d.name);
            }
        }
        INDICATOR_TYPES.with(|t| *t.borrow_mut() = Some(names.clone()));
    }
    names
}

/// Counting a list's types (`TYPE_COUNTS`).
pub type TypeCounts = std::pin::Pin<Box<dyn std::future::Future<Output = Vec<(String, i64)>>>>;

on_demand::part!(pub TYPE_COUNTS: (ApiHandle, AssocQuery, i64) => TypeCounts = "type-counts", type_counts);

/// How many of each type, for the chips of a list longer than a page (a part loaded on demand,
/// `on_demand`; a list of one page counts its rows): asked of ThreatConnect, one count per type
/// of the collection (they arrive after the first page). An indicator list whose base types do
/// not add up to its `whole` holds custom types: only then are the instance's types asked for,
/// and each custom one counted.
pub fn type_counts((api, query, whole): (ApiHandle, AssocQuery, i64)) -> TypeCounts {
    Box::pin(async move {
        let groups = matches!(query.collection, Collection::Groups);
        let names: Vec<String> = if groups {
            GROUP_TYPES.iter().map(|t| t.type_name().to_owned()).collect()
        } else {
            BASE_INDICATOR_TYPES.iter().map(|t| t.type_name().to_owned()).collect()
        };
        let mut counts = count_types(api, &query, names).await;
        let counted: i64 = counts.iter().map(|(_, n)| n).sum();
        if !groups && counted < whole {
            let custom: Vec<String> = indicator_type_names(api).await.into_iter().skip(BASE_INDICATOR_TYPES.len()).collect();
            counts.extend(count_types(api, &query, custom).await);
        }
        counts
    })
}

/// One count per type name, together; the types with none left out.
async fn count_types(api: ApiHandle, query: &AssocQuery, names: Vec<String>) -> Vec<(String, i64)> {
    let client = api.with_value(|a| a.client.clone());
    let groups = matches!(query.collection, Collection::Groups);
    let counts = futures::future::join_all(names.iter().map(|t| {
        let tql = query.with_filter("", Some(t));
        let client = client.clone();
        async move {
            if groups {
                client.search(Collection::Groups, &tql, 0, 1, true, Group::read).await.map(|p| p.result_count)
            } else {
                client.search(Collection::Indicators, &tql, 0, 1, true, Indicator::read).await.map(|p| p.result_count)
            }
        }
    }))
    .await;
    names.into_iter().zip(counts).filter_map(|(t, n)| Some((t, n.ok()??))).filter(|(_, n)| *n > 0).collect()
}

/// A list on screen: its item ([`element_state::current_item`]) and section.
type ListKey = (u64, String);
/// Where a list was: its page and sort.
type ListView = (u32, Option<Sort>);

thread_local! {
    /// The page and sort each list was on, per item and section, for this tab: Back returns to them.
    static PAGES: std::cell::RefCell<Vec<(ListKey, ListView)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many lists remember their page (the most recent).
const KEPT_PAGES: usize = 50;

fn kept_page(key: &ListKey) -> ListView {
    PAGES.with(|p| p.borrow().iter().find(|(k, _)| k == key).map_or((0, None), |(_, n)| *n))
}

fn keep_page(key: ListKey, page: u32, sort: Option<Sort>) {
    PAGES.with(|p| {
        let mut p = p.borrow_mut();
        p.retain(|(k, _)| *k != key);
        p.insert(0, (key, (page, sort)));
        p.truncate(KEPT_PAGES);
    });
}

/// A column of a list: its header, its cell class and the field ThreatConnect sorts it by.
struct Column {
    label: &'static str,
    class: &'static str,
    sort: Option<SortField>,
}

/// The columns of an indicator list, or a group list (groups carry no rating or confidence).
fn columns(groups: bool, meta: bool) -> Vec<Column> {
    let col = |label, class, sort| Column { label, class, sort };
    let mut out = vec![col("Type", "c-type", Some(SortField::Type)), col(if groups { "Name" } else { "Value" }, "c-value", Some(SortField::Value))];
    if !groups {
        out.push(col("Rating", "c-rating", Some(SortField::Rating)));
        out.push(col("Confidence", "c-confidence", Some(SortField::Confidence)));
    }
    out.push(col("Last modified", "c-modified", Some(SortField::LastModified)));
    out.push(col("Owner", "c-owner", Some(SortField::Owner)));
    if meta {
        out.push(col("TLP", "c-tlp", None));
        out.push(col("Tags", "c-tags", None));
    }
    out
}

/// The first click on a column sorts it the way an analyst reads it first: the highest
/// rating and confidence and the latest change first, text from A.
fn first_direction(field: SortField) -> bool {
    matches!(field, SortField::Rating | SortField::Confidence | SortField::LastModified)
}

/// An association list: the first page comes with the panel; the filter and
/// the pages beyond are asked of the server (TQL), one request each, so a
/// 10,000-entry list costs no more than a 100-entry one. When the panel did not
/// say how many there are and it embedded a full page (an indicator's embedded
/// associations stop at [`PAGE`]), the first page is asked again with its total. Without a query (the v2
/// fallback) it filters and pages what the panel loaded.
#[component]
pub fn AssociationList(
    api: ApiHandle,
    #[prop(into)] title: String,
    first: Vec<Assoc>,
    total: Option<i64>,
    query: Option<AssocQuery>,
    on_pivot: Callback<SelectedItem>,
    #[prop(into)] section: String,
    /// Nothing came with the panel (a tag's items): the list asks for its first page and total.
    #[prop(optional)]
    ask_first: bool,
    /// Told the whole list's total once it is known (the item's tab counts with it).
    #[prop(optional)]
    report_total: Option<RwSignal<Option<i64>>>,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let collapsed = RwSignal::new(false);
    let page_key = (element_state::current_item(), section.clone());
    let (kept_number, kept_sort) = kept_page(&page_key);
    let page = RwSignal::new(kept_number);
    // The order ThreatConnect is asked for (`None`: as the panel brought them).
    let sort = RwSignal::new(kept_sort);
    // The Space element keeps this section's filter and sort on this item, and its collapse (when there is an element).
    let kept = element_state::register(&section, filter, sort, collapsed, page);
    let server = query.is_some();
    let groups = match &query {
        Some(q) => q.collection == Collection::Groups,
        None => first.iter().any(|a| a.is_group),
    };
    // ThreatConnect embeds at most a page of associations: fewer is the whole list.
    let total = total.or_else(|| (server && !ask_first && first.len() < PAGE as usize).then_some(first.len() as i64));
    let first = StoredValue::new(first);
    let query = StoredValue::new(query);
    let whole_list_error = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    Effect::new(move |_| keep_page(page_key.clone(), page.get(), sort.get()));
    // What the filter box searches for: its text refanged (`bad[.]example` finds `bad.example`).
    let needle = move || refang(&filter.get());
    // The type chip pressed: only that type is listed.
    let kind = RwSignal::new(None::<String>);

    // The whole list's first page with its total, when the panel did not say it.
    let head = ApiResource::new(move || {
        let q = query.get_value();
        async move {
            match q {
                Some(q) if total.is_none() => {
                    let first = loaded(fetch_page(api, q, String::new(), None, None, 0, PAGE).await);
                    if let (Some(report), Ok(p)) = (report_total, &first) {
                        report.set(p.result_count);
                    }
                    Some(first)
                }
                _ => None,
            }
        }
    });
    let whole = move || {
        total.or_else(|| match head.get() {
            Some(Some(Ok(p))) => p.result_count,
            _ if !server => Some(first.with_value(Vec::len) as i64),
            _ => None,
        })
    };
    // Server pages beyond the first, or a filtered first page, with what they were asked for:
    // while the next one loads, the last one is not shown as if it were it.
    let fetched = ApiResource::new(move || {
        let (f, p, k, o) = (needle(), page.get(), kind.get(), sort.get());
        let q = query.get_value();
        async move {
            match q {
                Some(q) if p > 0 || !f.is_empty() || k.is_some() || o.is_some() => {
                    Some(((p, f.clone(), k.clone(), o), loaded(fetch_page(api, q, f, k, o, p * PAGE, PAGE).await)))
                }
                _ => None,
            }
        }
    });
    // Per-type counts: of the rows when they are the whole list, else asked of ThreatConnect
    // (`Some(None)`: the part that asks could not load).
    let counted = ApiResource::new(move || {
        let (q, n) = (query.get_value(), whole());
        async move {
            match (q, n) {
                (Some(q), Some(n)) if n > i64::from(PAGE) => Some(match on_demand::call(&TYPE_COUNTS, (api, q, n)).await {
                    Some(counting) => Some(counting.await),
                    None => None,
                }),
                _ => None,
            }
        }
    });
    let chips = move || -> Vec<(String, i64)> {
        if let Some(Some(Some(c))) = counted.get() {
            return c;
        }
        match (whole(), head.get()) {
            (Some(n), Some(Some(Ok(p)))) if n <= i64::from(PAGE) => group_by_type(&p.items),
            (Some(n), _) if n <= i64::from(PAGE) || !server => first.with_value(|f| group_by_type(f)),
            _ => Vec::new(),
        }
        .into_iter()
        .map(|(t, n)| (t, n as i64))
        .collect()
    };

    // ThreatConnect counts only a query's first page: later pages keep the count it gave.
    let counts_seen = StoredValue::new(Vec::<((String, Option<String>), i64)>::new());
    let rows = move || -> Option<Loaded<(Vec<Assoc>, Option<i64>)>> {
        let (f, p, k, o) = (needle(), page.get(), kind.get(), sort.get());
        let key = (f.clone(), k.clone());
        let from = |r: Option<Option<Loaded<Page<Assoc>>>>| match r {
            Some(Some(Ok(pg))) => {
                let count = match pg.result_count {
                    Some(n) => {
                        counts_seen.update_value(|c| {
                            c.retain(|(q, _)| *q != key);
                            c.push((key.clone(), n));
                        });
                        Some(n)
                    }
                    None => counts_seen.with_value(|c| c.iter().find(|(q, _)| *q == key).map(|(_, n)| *n)).or_else(|| {
                        if key.0.is_empty() && key.1.is_none() {
                            whole()
                        } else {
                            None
                        }
                    }),
                };
                Some(Ok(Rc::new((pg.items.clone(), count))))
            }
            Some(Some(Err(e))) => Some(Err(e)),
            _ => None,
        };
        if server && (p > 0 || !f.is_empty() || k.is_some() || o.is_some()) {
            let asked = (p, f.clone(), k.clone(), o);
            return from(fetched.get().map(|r| r.and_then(|(was, page)| (was == asked).then_some(page))));
        }
        if server && total.is_none() {
            // The panel's rows until the first page with its total arrives (count "…" meanwhile).
            if let Some(r) = from(head.get()) {
                return Some(r);
            }
            // Nothing came with the panel: loading, not "None".
            if ask_first {
                return None;
            }
            return Some(Ok(Rc::new((first.get_value(), None))));
        }
        let matching = matching(first.get_value(), &f, k.as_deref());
        let count = if server { total } else { Some(matching.len() as i64) };
        let start = (p * PAGE) as usize;
        let shown = if server { matching } else { matching.into_iter().skip(start).take(PAGE as usize).collect() };
        Some(Ok(Rc::new((shown, count))))
    };

    let slug = StoredValue::new(title_slug(&section));
    let copied: CopyOutcome = RwSignal::new(None);
    // Every entry the filter matches, across all pages: from the server when
    // the list has a query, else from what the panel loaded. Then `deliver`.
    let whole_list = move |deliver: Box<dyn FnOnce(Vec<Assoc>)>| {
        whole_list_error.set(None);
        copied.set(None);
        let (f, k, o) = (untrack(needle), kind.get_untracked(), sort.get_untracked());
        match query.get_value() {
            Some(q) => {
                exporting.set(true);
                leptos::task::spawn_local(async move {
                    match fetch_all(api, q, f, k, o).await {
                        Ok(items) => deliver(items),
                        Err(e) => whole_list_error.set(Some(e.to_string())),
                    }
                    exporting.set(false);
                });
            }
            None => deliver(matching(first.get_value(), &f, k.as_deref())),
        }
    };
    let export = move |raw: bool| {
        let name = format!("pivot-{}-{}.csv", slug.get_value(), if raw { "raw" } else { "defanged" });
        whole_list(Box::new(move |items| {
            let csv = csv_of(&items, raw);
            download(&name, "text/csv", &csv.text);
            // Says how many values carry `\u{…}` escapes, so none goes unnoticed.
            copied.set(Some(Ok(exported_status(items.len(), csv.escaped_cells))));
        }));
    };
    // Raw values, one per line: what a SIEM or EDR search box takes (control
    // characters as `\u{…}` escapes, counted in the status).
    let copy_values = move || {
        whole_list(Box::new(move |items| {
            let (text, status) = values_for_clipboard(items.iter().map(|a| a.value.as_str()));
            copy_and_report(text, status, copied);
        }));
    };

    // The number of entries the list has now (the filter's matches when filtered).
    let count = move || match rows() {
        Some(Ok(r)) => r.1,
        _ => None,
    };
    let count_text = move || match count() {
        Some(n) => count_of(n, whole(), !needle().is_empty() || kind.get().is_some()),
        None => "…".to_owned(),
    };
    let data_count = move || count().map_or_else(|| "…".to_owned(), |n| n.to_string());
    let pages = move || count().map_or(1, |n| (n.max(0) as u32).div_ceil(PAGE)).max(1);
    let range = move || match (rows(), count()) {
        (Some(Ok(r)), Some(n)) => range_of(u64::from(page.get() * PAGE), r.0.len() as u64, n),
        _ => String::new(),
    };
    let clear = move |_| {
        page.set(0);
        filter.set(String::new());
        if let Some(l) = kept {
            element_state::change(Field::Filter(l.item, l.section), "", false)
        }
    };
    let label = StoredValue::new(format!("{title} pages"));
    let title2 = title.clone();

    view! {
        <section class="assoc" data-section=section.clone() data-collapsed=move || if collapsed.get() { "true" } else { "false" }>
            <header class="assoc-head">
                // Hidden by the stylesheet (`[data-collapsed=true]`), which also draws the arrow.
                <button class="collapse" aria-expanded=move || if collapsed.get() { "false" } else { "true" } aria-label=format!("Show or hide {title}")
                    on:click=move |_| {
                        let c = !collapsed.get_untracked();
                        collapsed.set(c);
                        if let Some(l) = kept { element_state::change(Field::Collapsed(l.section), "", c) }
                    }></button>
                <h3>{title.clone()}" "<span class="count" data-count=data_count>{count_text}</span></h3>
                <input class="filter" type="search" placeholder="Filter" aria-label=format!("Filter {title}") prop:value=move || filter.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        page.set(0);
                        filter.set(text.clone());
                        if let Some(l) = kept { element_state::change(Field::Filter(l.item, l.section), &text, false) }
                    } />
                <button class="export" disabled=move || exporting.get() on:click=move |_| export(false)>"Export CSV"</button>
                <button class="export-raw" disabled=move || exporting.get() on:click=move |_| export(true)>"Export raw"</button>
                <button class="copy-values" disabled=move || exporting.get() on:click=move |_| copy_values()
                    title="Every value the filter matches, raw, one per line">"Copy values"</button>
                <CopyOutcomeNote outcome=copied />
            </header>
            // A kept or typed filter is never silent: what it searched for, and a way out.
            {move || (!needle().is_empty()).then(|| view! {
                <p class="filtered" role="status">"Filtered by ‘"<span class="filtered-by">{escape_controls(&needle()).into_owned()}</span>"’ · "
                    <button class="clear-filter" on:click=clear>"Clear"</button></p>
            })}
            // Type chips with their counts; pressing one lists only that type.
            <p class="type-chips">
                {move || chips().into_iter().map(|(t, n)| {
                    let pressed = { let t = t.clone(); move || kind.get().as_deref() == Some(t.as_str()) };
                    let t2 = t.clone();
                    view! {
                        <button class="chip type-chip" aria-pressed=move || if pressed() { "true" } else { "false" }
                            on:click=move |_| { page.set(0); kind.update(|k| *k = if k.as_deref() == Some(t2.as_str()) { None } else { Some(t2.clone()) }) }>
                            {t}" "<span class="type-count">{thousands(n)}</span></button>
                    }
                }).collect_view()}
                {move || matches!(counted.get(), Some(Some(None))).then(|| on_demand::not_loaded("type counts"))}
            </p>
            {pager(page, pages, range, label, false)}
            {move || whole_list_error.get().map(|e| view! { <div class="section-error" role="alert">{e}</div> })}
            {move || match rows() {
                None => view! { <Skeleton lines=4 /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| { fetched.refetch(); head.refetch() }) /> }.into_any(),
                Some(Ok(r)) if r.0.is_empty() => view! { <p class="empty">"None"</p> }.into_any(),
                Some(Ok(r)) => {
                    let meta = r.0.iter().any(|a| a.meta.is_some());
                    let cols = columns(groups, meta);
                    view! {
                        <table class="assoc-table assoc-list">
                            <caption class="visually-hidden">{caption(&title2, groups, sort.get())}</caption>
                            <thead><tr>
                                {cols.iter().map(|c| header(c, server, sort, page, kept)).collect_view()}
                                <th scope="col" class="c-copy"><span class="visually-hidden">"Copy"</span></th>
                            </tr></thead>
                            <tbody>
                                {r.0.iter().cloned().map(|a| view! { <AssocRow a groups meta on_pivot /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            {pager(page, pages, range, label, true)}
        </section>
    }
}

/// Previous and next with the page's range ("101–200 of 2,000"); above and below a list longer than a page.
fn pager(
    page: RwSignal<u32>,
    pages: impl Fn() -> u32 + Copy + Send + Sync + 'static,
    range: impl Fn() -> String + Copy + Send + Sync + 'static,
    label: StoredValue<String>,
    bottom: bool,
) -> impl IntoView {
    let go = move |p: u32| {
        page.set(p);
        // From the bottom pager, the new page is read from its top.
        if bottom {
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element()) {
                if let Some(list) = el.closest(".assoc").ok().flatten() {
                    list.scroll_into_view();
                }
            }
        }
    };
    view! {
        <Show when=move || { pages() > 1 }>
            <nav class=if bottom { "pager pager-bottom" } else { "pager" } aria-label=label.get_value()>
                <button class="prev" disabled=move || page.get() == 0 on:click=move |_| go(page.get_untracked().saturating_sub(1))>"Previous"</button>
                <span class="page-of" data-page=move || page.get() + 1>{move || range()}</span>
                <button class="next" disabled=move || { page.get() + 1 >= pages() } on:click=move |_| go(page.get_untracked() + 1)>"Next"</button>
            </nav>
        </Show>
    }
}

fn title_slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The table's caption: its title and how it is sorted.
fn caption(title: &str, groups: bool, sort: Option<Sort>) -> String {
    match sort {
        None => title.to_owned(),
        Some(s) => {
            let c = columns(groups, false).into_iter().find(|c| c.sort == Some(s.field)).map_or("", |c| c.label);
            format!("{title}, sorted by {c} {}", if s.descending { "descending" } else { "ascending" })
        }
    }
}

/// A column header: a button that asks ThreatConnect for the list in that column's order
/// (again: the other way), with `aria-sort` on the column sorted by (the stylesheet draws its
/// arrow from it). The v2 fallback does not sort.
fn header(c: &Column, server: bool, sort: RwSignal<Option<Sort>>, page: RwSignal<u32>, kept: Option<element_state::List>) -> impl IntoView {
    let label = c.label;
    let field = c.sort.filter(|_| server);
    let aria = move || match (field, sort.get()) {
        (Some(f), Some(s)) if s.field == f => Some(if s.descending { "descending" } else { "ascending" }),
        _ => None,
    };
    view! {
        <th scope="col" class=c.class aria-sort=aria>
            {match field {
                Some(f) => view! {
                    <button class="sort" data-sort=f.key() on:click=move |_| {
                        let next = match sort.get_untracked() {
                            Some(s) if s.field == f => Sort { field: f, descending: !s.descending },
                            _ => Sort { field: f, descending: first_direction(f) },
                        };
                        page.set(0);
                        sort.set(Some(next));
                        if let Some(l) = kept { element_state::change(Field::Sort(l.item, l.section), &next.key(), false) }
                    }>{label}</button>
                }.into_any(),
                None => label.into_any(),
            }}
        </th>
    }
}

/// A row: its type, its value as a real link (a click pivots here; a middle-click or a new
/// tab opens the item in ThreatConnect), rating and confidence in ThreatConnect's words, when
/// it last changed, its owner, TLP and tags (when its request brought them), and a copy of its raw value.
/// Narrow screens show the value on its own line and the other cells under it (the stylesheet).
#[component]
fn AssocRow(a: Assoc, groups: bool, meta: bool, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    let kind_class = if a.is_group { "type-badge group" } else { "type-badge indicator" };
    let value = escape_controls(&a.shown).into_owned();
    let copied: CopyOutcome = RwSignal::new(None);
    let raw = a.value.clone();
    let (tags, tlp) = a.meta.map(|m| (m.tags, m.tlp)).unwrap_or_default();
    view! {
        <tr class="assoc-row">
            <td class="c-type"><span class=kind_class>{a.type_label.clone()}</span></td>
            <th scope="row" class="c-value">{match (a.target.clone(), a.link.clone()) {
                (Some(target), Some(href)) => view! {
                    <a class="pivot-link" href=href target="_blank" rel="noopener noreferrer" title=escape_controls(&a.value).into_owned()
                        on:click=move |ev: leptos::ev::MouseEvent| {
                            // A plain click pivots in Pivot; with a modifier the browser opens the link.
                            if plain_click(&ev) {
                                ev.prevent_default();
                                on_pivot.run(target.clone());
                            }
                        }>{value}</a>
                }.into_any(),
                (Some(target), None) => view! {
                    <button class="pivot-link" title=escape_controls(&a.value).into_owned() on:click=move |_| on_pivot.run(target.clone())>{value}</button>
                }.into_any(),
                (None, _) => view! { <span class="assoc-value">{value}</span> }.into_any(),
            }}</th>
            {(!groups).then(|| view! {
                <td class="c-rating assoc-rating">{a.rating.map(rating_words)}</td>
                <td class="c-confidence assoc-confidence">{a.confidence.map(confidence_words)}</td>
            })}
            <td class="c-modified assoc-modified">{a.modified.map(|m| view! { <TimeText value=m /> })}</td>
            <td class="c-owner assoc-owner">{escape_controls(&a.owner).into_owned()}</td>
            {meta.then(|| view! {
                <td class="c-tlp">{tlp.map(|l| view! { <span class=tlp_class(&l)>{escape_controls(&l).into_owned()}</span> })}</td>
                <td class="c-tags">{tags.into_iter().map(|t| view! { <span class="chip tag">{escape_controls(&t).into_owned()}</span> }).collect_view()}</td>
            })}
            <td class="c-copy">
                <button class="copy-row" aria-label="Copy value" title="Copy the raw value"
                    on:click=move |_| { let (text, status) = value_for_clipboard(&raw); copy_and_report(text, status, copied) }>"Copy"</button>
                <CopyOutcomeNote outcome=copied />
            </td>
        </tr>
    }
}

/// Associated groups grouped by type, for the indicator panel.
pub fn group_by_type(groups: &[Assoc]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for g in groups {
        match counts.iter_mut().find(|(t, _)| *t == g.type_label) {
            Some((_, n)) => *n += 1,
            None => counts.push((g.type_label.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// The v3 TQL for a group's or an indicator's associations; an indicator's indicators without
/// the indicator itself (ThreatConnect's `hasIndicator(id=N)` on indicators lists N when N has a group).
pub fn assoc_query(collection: Collection, of_group: bool, id: i64) -> AssocQuery {
    let tql = match (collection, of_group) {
        (_, true) => has_group(id),
        (Collection::Groups, false) => has_indicator(id),
        (Collection::Indicators, false) => other_indicators_of_indicator(id),
    };
    AssocQuery { collection, tql }
}

/// A plain left click on a link: Pivot pivots in place. With a modifier key or another button
/// the browser opens the link's address as it would (a new tab, a window).
pub fn plain_click(ev: &web_sys::MouseEvent) -> bool {
    ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
}

/// Unicode lowercase by the browser's own tables (Rust's would add them to the wasm).
fn lowercase(s: &str) -> String {
    String::from(js_sys::JsString::from(s).to_lower_case())
}

//! Association lists that scale: the first page comes with the panel, the filter and the
//! pages beyond are asked of ThreatConnect (TQL), one request each; every entry the filter
//! matches exports as CSV or copies as values. Everything from the API is text.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiHandle, ApiResource, Loaded};
use super::clipboard::{copy_and_report, CopyOutcome, CopyOutcomeNote};
use super::download::download;
use super::element_state;
use super::notices::{ErrorNotice, Skeleton};
use crate::launch::element_state::Field;
use crate::launch::SelectedItem;
use pivot_text::csv::{to_csv, Csv};
use pivot_text::defang::defang;
use pivot_text::escape::escape_controls;
use pivot_text::messages::{exported_status, values_for_clipboard};
use threatconnect::tql::{has_group, has_indicator};
use threatconnect::{tql, Collection, Error, Group, Indicator, Page, MAX_RESULT_LIMIT};

/// Rows per page of an association list (and per server page).
pub const PAGE: u32 = 100;

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
}

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
        }
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
    pub fn with_filter(&self, filter: &str) -> String {
        let filter = filter.trim();
        if filter.is_empty() {
            return self.tql.clone();
        }
        let field = match self.collection {
            Collection::Groups => "name",
            _ => "summary",
        };
        format!("{} and {field} contains {}", self.tql, tql::quote(filter))
    }
}

/// One page of the list (with its total).
async fn fetch_page(api: ApiHandle, query: AssocQuery, filter: String, start: u32, limit: u32) -> Result<Page<Assoc>, Error> {
    let client = api.with_value(|a| a.client.clone());
    let tql = query.with_filter(&filter);
    let rows = |items: Vec<Assoc>, p_count, p_next| Page { items, result_count: p_count, next: p_next };
    match query.collection {
        Collection::Groups => client
            .search(Collection::Groups, &tql, start, limit, true, Group::read)
            .await
            .map(|p| rows(p.items.iter().map(Assoc::from_group).collect(), p.result_count, p.next)),
        _ => client
            .search(Collection::Indicators, &tql, start, limit, true, Indicator::read)
            .await
            .map(|p| rows(p.items.iter().map(Assoc::from_indicator).collect(), p.result_count, p.next)),
    }
}

/// Every association the filter matches, for an export: the client's pager, in the
/// largest pages ThreatConnect serves.
async fn fetch_all(api: ApiHandle, query: AssocQuery, filter: String) -> Result<Vec<Assoc>, Error> {
    let client = api.with_value(|a| a.client.clone());
    let tql = query.with_filter(&filter);
    Ok(match query.collection {
        Collection::Groups => {
            client.search_all(Collection::Groups, &tql, MAX_RESULT_LIMIT, Group::read).collect_all().await?.iter().map(Assoc::from_group).collect()
        }
        _ => client
            .search_all(Collection::Indicators, &tql, MAX_RESULT_LIMIT, Indicator::read)
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
/// (type or value, case-insensitive): what the list shows without a server query.
fn matching(all: Vec<Assoc>, filter: &str) -> Vec<Assoc> {
    let needle = lowercase(filter.trim());
    all.into_iter().filter(|a| needle.is_empty() || lowercase(&a.value).contains(&needle) || lowercase(&a.type_label).contains(&needle)).collect()
}

/// An association list: the first page comes with the panel; the filter and
/// the pages beyond are asked of the server (TQL), one request each, so a
/// 10,000-entry list costs no more than a 100-entry one. Without a query
/// (the v2 fallback) it filters and pages what the panel loaded.
#[component]
pub fn AssociationList(
    api: ApiHandle,
    #[prop(into)] title: String,
    first: Vec<Assoc>,
    total: Option<i64>,
    query: Option<AssocQuery>,
    on_pivot: Callback<SelectedItem>,
    #[prop(into)] section: String,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let collapsed = RwSignal::new(false);
    let page = RwSignal::new(0u32);
    // The Space element keeps this section's filter and collapse (when there is an element).
    let kept = element_state::register(&section, filter, collapsed, page);
    let first = StoredValue::new(first);
    let server = query.is_some();
    let query = StoredValue::new(query);
    let whole_list_error = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);

    // Server pages beyond the first, or a filtered first page.
    let fetched = ApiResource::new(move || {
        let (f, p) = (filter.get(), page.get());
        let q = query.get_value();
        async move {
            match q {
                Some(q) if p > 0 || !f.trim().is_empty() => Some(loaded(fetch_page(api, q, f, p * PAGE, PAGE).await)),
                _ => None,
            }
        }
    });

    let rows = move || -> Option<Loaded<(Vec<Assoc>, Option<i64>)>> {
        let (f, p) = (filter.get(), page.get());
        if server && (p > 0 || !f.trim().is_empty()) {
            return match fetched.get() {
                Some(Some(Ok(pg))) => Some(Ok(Rc::new((pg.items.clone(), pg.result_count)))),
                Some(Some(Err(e))) => Some(Err(e)),
                _ => None,
            };
        }
        let matching = matching(first.get_value(), &f);
        let count = if server && f.trim().is_empty() { total.or(Some(matching.len() as i64)) } else { Some(matching.len() as i64) };
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
        let f = filter.get_untracked();
        match query.get_value() {
            Some(q) => {
                exporting.set(true);
                leptos::task::spawn_local(async move {
                    match fetch_all(api, q, f).await {
                        Ok(items) => deliver(items),
                        Err(e) => whole_list_error.set(Some(e.to_string())),
                    }
                    exporting.set(false);
                });
            }
            None => deliver(matching(first.get_value(), &f)),
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

    let count_text = move || match rows() {
        Some(Ok(r)) => match r.1 {
            Some(n) => format!("{n}"),
            None => format!("{}", r.0.len()),
        },
        _ => "…".to_owned(),
    };
    let pages = move || match rows() {
        Some(Ok(r)) => r.1.map(|n| (n.max(0) as u32).div_ceil(PAGE)).unwrap_or(1).max(1),
        _ => 1,
    };

    view! {
        <section class="assoc" data-section=section.clone() data-collapsed=move || if collapsed.get() { "true" } else { "false" }>
            <header class="assoc-head">
                // Hidden by the stylesheet (`[data-collapsed=true]`), which also draws the arrow.
                <button class="collapse" aria-expanded=move || if collapsed.get() { "false" } else { "true" } aria-label=format!("Show or hide {title}")
                    on:click=move |_| {
                        let c = !collapsed.get_untracked();
                        collapsed.set(c);
                        if let Some(s) = kept { element_state::change(Field::Collapsed(s), "", c) }
                    }></button>
                <h3>{title.clone()}" "<span class="count" data-count=count_text>{count_text}</span></h3>
                <input class="filter" type="search" placeholder="Filter" aria-label=format!("Filter {title}") prop:value=move || filter.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        page.set(0);
                        filter.set(text.clone());
                        if let Some(s) = kept { element_state::change(Field::Filter(s), &text, false) }
                    } />
                <button class="export" disabled=move || exporting.get() on:click=move |_| export(false)>"Export CSV"</button>
                <button class="export-raw" disabled=move || exporting.get() on:click=move |_| export(true)>"Export raw"</button>
                <button class="copy-values" disabled=move || exporting.get() on:click=move |_| copy_values()
                    title="Every value the filter matches, raw, one per line">"Copy values"</button>
                <CopyOutcomeNote outcome=copied />
            </header>
            {move || whole_list_error.get().map(|e| view! { <div class="section-error" role="alert">{e}</div> })}
            {move || match rows() {
                None => view! { <Skeleton lines=4 /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| fetched.refetch()) /> }.into_any(),
                Some(Ok(r)) if r.0.is_empty() => view! { <p class="empty">"None"</p> }.into_any(),
                Some(Ok(r)) => view! {
                    <ul class="assoc-list">
                        {r.0.iter().cloned().map(|a| view! { <AssocRow a on_pivot /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || { pages() > 1 }>
                <nav class="pager" aria-label=format!("{title} pages")>
                    <button disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                    <span class="page-of">{move || format!("Page {} of {}", page.get() + 1, pages())}</span>
                    <button disabled=move || { page.get() + 1 >= pages() } on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                </nav>
            </Show>
        </section>
    }
}

fn title_slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

#[component]
fn AssocRow(a: Assoc, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    let kind_class = if a.is_group { "type-badge group" } else { "type-badge indicator" };
    let value = escape_controls(&a.shown).into_owned();
    view! {
        <li class="assoc-row">
            <span class=kind_class>{a.type_label.clone()}</span>
            {match a.target.clone() {
                Some(target) => view! {
                    <button class="pivot-link" title=a.value.clone() on:click=move |_| on_pivot.run(target.clone())>{value}</button>
                }.into_any(),
                None => view! { <span class="assoc-value">{value}</span> }.into_any(),
            }}
            <span class="assoc-owner">{a.owner}</span>
        </li>
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

/// The v3 TQL for a group's or an indicator's associations.
pub fn assoc_query(collection: Collection, of_group: bool, id: i64) -> AssocQuery {
    let tql = if of_group { has_group(id) } else { has_indicator(id) };
    AssocQuery { collection, tql }
}

/// Unicode lowercase by the browser's own tables (Rust's would add them to the wasm).
fn lowercase(s: &str) -> String {
    String::from(js_sys::JsString::from(s).to_lower_case())
}

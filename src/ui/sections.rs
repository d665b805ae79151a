//! Pieces every panel uses: error notices with retry, skeletons, tags,
//! security labels, attributes, and association lists that scale.
//! Everything from the API is put into the page as text, never as HTML.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiHandle, ApiResource, Loaded};
use super::settings;
use crate::space_state::Field;
use crate::defang::defang;
use crate::escape::escape_controls;
use crate::display::{exported_status, tlp_class, values_for_clipboard};
use crate::export::{to_csv, Csv};
use crate::spaces::SelectedItem;
use crate::tc::envelope::Page;
use crate::tc::v3::{self, Collection};
use crate::tc::{Attribute, Error, Group, Indicator, SecurityLabel, Tag};

/// Rows per page of an association list (and per server page).
pub const PAGE: u32 = 100;

/// A failed section: the server's own words when it sent any, and a retry.
#[component]
pub fn ErrorNotice(error: Rc<Error>, #[prop(optional)] retry: Option<Callback<()>>) -> impl IntoView {
    view! {
        <div class="section-error" role="alert">
            <span class="section-error-text">{error.to_string()}</span>
            {retry.map(|retry| view! {
                <button class="retry" on:click=move |_| retry.run(())>"Retry"</button>
            })}
        </div>
    }
}

/// Grey bars while a section loads.
#[component]
pub fn Skeleton(#[prop(default = 3)] lines: usize) -> impl IntoView {
    view! {
        <div class="skeleton" aria-busy="true" aria-label="Loading">
            {(0..lines).map(|_| view! { <div class="skeleton-line"></div> }).collect_view()}
        </div>
    }
}

#[component]
pub fn TagList(tags: Vec<Tag>) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p class="empty">"No tags"</p> }.into_any();
    }
    view! {
        <ul class="chips" data-section="tags">
            {tags.into_iter().map(|t| view! { <li class="chip tag">{t.name}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn LabelList(labels: Vec<SecurityLabel>) -> impl IntoView {
    if labels.is_empty() {
        return view! { <p class="empty">"No security labels"</p> }.into_any();
    }
    view! {
        <ul class="chips" data-section="labels">
            {labels.into_iter().map(|l| {
                let class = tlp_class(&l.name);
                let title = l.description.clone().unwrap_or_default();
                view! { <li class=class title=title>{l.name}</li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Attribute values longer than this are collapsed behind a "show all".
const LONG_VALUE: usize = 280;

#[component]
pub fn AttributeList(attributes: Vec<Attribute>) -> impl IntoView {
    if attributes.is_empty() {
        return view! { <p class="empty">"No attributes"</p> }.into_any();
    }
    view! {
        <dl class="attributes" data-section="attributes">
            {attributes.into_iter().map(|a| {
                let long = a.value.chars().count() > LONG_VALUE;
                let short: String = a.value.chars().take(LONG_VALUE).collect();
                let labels = a.security_labels.clone();
                view! {
                    <dt>{a.attribute_type}</dt>
                    <dd>
                        {if long {
                            view! {
                                <details class="long-value">
                                    <summary>{short}"…"</summary>
                                    <div class="attribute-value">{a.value}</div>
                                </details>
                            }.into_any()
                        } else {
                            view! { <div class="attribute-value">{a.value}</div> }.into_any()
                        }}
                        {(!labels.is_empty()).then(|| view! { <LabelList labels /> })}
                    </dd>
                }
            }).collect_view()}
        </dl>
    }
    .into_any()
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
}

impl Assoc {
    pub fn from_indicator(i: &Indicator) -> Self {
        Assoc {
            id: i.id,
            type_label: i.indicator_type.type_name().to_owned(),
            value: i.summary.clone(),
            shown: defang(&i.indicator_type, &i.summary),
            owner: i.owner.name.clone(),
            target: Some(SelectedItem::Indicator {
                kind: i.indicator_type.clone(),
                summary: i.summary.clone(),
                owner: Some(i.owner.name.clone()),
            }),
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
            target: g.group_type().and_then(|kind| {
                u64::try_from(g.id).ok().map(|id| SelectedItem::Group { kind, id, owner: Some(g.owner.name.clone()) })
            }),
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
        format!("{} and {field} contains {}", self.tql, v3::tql_string(filter))
    }
}

async fn fetch_page(api: ApiHandle, query: AssocQuery, filter: String, start: u32, limit: u32) -> Result<Page<Assoc>, Error> {
    let client = api.with_value(|a| a.client.clone());
    let req = v3::search(query.collection, &query.with_filter(&filter), start, limit, true);
    match query.collection {
        Collection::Groups => client.v3_list(req, Group::read).await.map(|p| Page {
            items: p.items.iter().map(Assoc::from_group).collect(),
            result_count: p.result_count,
            next: p.next,
        }),
        _ => client.v3_list(req, Indicator::read).await.map(|p| Page {
            items: p.items.iter().map(Assoc::from_indicator).collect(),
            result_count: p.result_count,
            next: p.next,
        }),
    }
}

/// Every association for an export: the largest pages ThreatConnect allows.
async fn fetch_all(api: ApiHandle, query: AssocQuery, filter: String) -> Result<Vec<Assoc>, Error> {
    const MAX: u32 = 10_000;
    let mut all = Vec::new();
    loop {
        let page = fetch_page(api, query.clone(), filter.clone(), all.len() as u32, MAX).await?;
        let got = page.items.len();
        all.extend(page.items);
        let total = page.result_count.unwrap_or(0).max(0) as usize;
        if got == 0 || got < MAX as usize || all.len() >= total {
            return Ok(all);
        }
    }
}

fn csv_of(items: &[Assoc], raw: bool) -> Csv {
    to_csv(
        &["type", "value", "owner", "id"],
        items.iter().map(|a| {
            vec![
                a.type_label.clone(),
                if raw { a.value.clone() } else { a.shown.clone() },
                a.owner.clone(),
                a.id.to_string(),
            ]
        }),
    )
}

/// Offer text as a file download.
fn download(name: &str, mime: &str, text: &str) {
    download_bytes(name, &format!("{mime};charset=utf-8"), text.as_bytes());
}

/// Offer bytes as a file download named `name`: a Blob behind a temporary
/// link, clicked. (A Blob, not a `data:` URL: no base64 or percent-encoding
/// of a whole document in the wasm, and no URL length limit.)
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) {
    thread_local! {
        // The previous download's object URL, released at the next one (the
        // browser reads it after the click returns, so not at once).
        static LAST: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(old) = LAST.with(|l| l.replace(Some(url.clone()))) {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
    let Ok(a) = document.create_element("a") else { return };
    let _ = a.set_attribute("href", &url);
    let _ = a.set_attribute("download", name);
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
            el.click();
        }
        a.remove();
    }
}

/// Put text on the clipboard, or say why not: outside a secure context there
/// is no `navigator.clipboard` (calling it would throw through the wasm), and
/// a frame without the `clipboard-write` permission is refused.
pub async fn copy_text(text: &str) -> Result<(), String> {
    const REFUSED: &str = "The browser did not let Pivot use the clipboard here; select the text and copy it instead.";
    let navigator = web_sys::window().ok_or(REFUSED)?.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return Err(REFUSED.to_owned());
    }
    wasm_bindgen_futures::JsFuture::from(navigator.clipboard().write_text(text)).await.map(|_| ()).map_err(|_| REFUSED.to_owned())
}

/// A copy button's outcome, shown next to it.
pub type CopyOutcome = RwSignal<Option<Result<String, String>>>;

/// Copy `text` and report "`done`" or the refusal in `outcome`.
pub fn copy_and_report(text: String, done: String, outcome: CopyOutcome) {
    outcome.set(None);
    leptos::task::spawn_local(async move {
        outcome.set(Some(copy_text(&text).await.map(|_| done)));
    });
}

#[component]
pub fn CopyOutcomeNote(outcome: CopyOutcome) -> impl IntoView {
    move || match outcome.get() {
        None => ().into_any(),
        Some(Ok(t)) => view! { <span class="copied" role="status">{t}</span> }.into_any(),
        Some(Err(e)) => view! { <span class="section-error copy-error" role="alert">{e}</span> }.into_any(),
    }
}

/// The entries of a list loaded with the panel that match the filter box
/// (type or value, case-insensitive): what the list shows without a server query.
fn matching(all: Vec<Assoc>, filter: &str) -> Vec<Assoc> {
    let needle = lowercase(filter.trim());
    all.into_iter()
        .filter(|a| needle.is_empty() || lowercase(&a.value).contains(&needle) || lowercase(&a.type_label).contains(&needle))
        .collect()
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
    let kept = settings::register(&section, filter, collapsed, page);
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
                        if let Some(s) = kept { settings::change(Field::Collapsed(s), "", c) }
                    }></button>
                <h3>{title.clone()}" "<span class="count" data-count=count_text>{count_text}</span></h3>
                <input class="filter" type="search" placeholder="Filter" aria-label=format!("Filter {title}") prop:value=move || filter.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        page.set(0);
                        filter.set(text.clone());
                        if let Some(s) = kept { settings::change(Field::Filter(s), &text, false) }
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
    let tql = if of_group { format!("hasGroup(id={id})") } else { format!("hasIndicator(id={id})") };
    AssocQuery { collection, tql }
}

/// Unicode lowercase by the browser's own tables (Rust's would add them to the wasm).
fn lowercase(s: &str) -> String {
    String::from(js_sys::JsString::from(s).to_lower_case())
}

//! The explorer: the trail of pivots, the browser history that mirrors it,
//! the search box, and the panel of the current item.
//!
//! The current item lives in the URL fragment (`#type=Host&value=...`), so a
//! reload shows the same view. New history entries carry only the path and
//! that fragment, never the query string with the token.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::api::{connect, current_fragment, indicator_ref, loaded, owners_resource, ApiHandle, ApiResource, Loaded};
use super::associations::{indicator_type_names, Assoc};
use super::group::GroupPanel;
use super::indicator::IndicatorPanel;
use super::launch::session_storage;
use super::metadata::TrailContext;
use super::notices::ErrorNotice;
use super::tag::TagPanel;
use crate::launch::TAG;
use crate::launch::{Context, SelectedItem};
use crate::search::{search_tql, SearchType};
use crate::trail::{from_fragment, publish_import_href, to_fragment, PageAction, Trail};
use pivot_text::escape::escape_controls;
use pivot_text::lists::count_of;
use pivot_text::refang::refang;
use pivot_text::values::type_display;
use threatconnect::types::{BASE_INDICATOR_TYPES, GROUP_TYPES};
use threatconnect::{Collection, Group, Indicator, Owner};

fn history() -> Option<web_sys::History> {
    web_sys::window()?.history().ok()
}

fn pathname() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
}

/// Replace (`push == false`) or add a history entry for `item` at trail `position`.
fn record(item: Option<&SelectedItem>, position: usize, push: bool) {
    let Some(h) = history() else { return };
    let url = format!("{}{}", pathname(), item.map(to_fragment).unwrap_or_default());
    let state = JsValue::from_f64(position as f64);
    let _ = if push { h.push_state_with_url(&state, "", Some(&url)) } else { h.replace_state_with_url(&state, "", Some(&url)) };
}

/// How an item reads in the breadcrumb: a group by its name once its panel has read it.
pub fn item_label(item: &SelectedItem, name: Option<&str>) -> String {
    match item {
        SelectedItem::Indicator { kind, summary, .. } => {
            format!("{}: {}", kind.type_name(), escape_controls(&pivot_text::defang::defang(kind, summary)))
        }
        SelectedItem::Group { kind, .. } if name.is_some() => {
            format!("{}: {}", kind.type_name(), escape_controls(name.unwrap_or_default()))
        }
        SelectedItem::Group { kind, id, .. } => format!("{} #{id}", kind.type_name()),
        SelectedItem::Unsupported { type_name, value, .. } => format!("{type_name}: {}", escape_controls(value)),
    }
}

#[component]
pub fn Explorer(context: Context) -> impl IntoView {
    let api = connect(&context);
    // Before the panel's requests are made, but not awaited by them.
    super::element_state::start(api, context.space_element_id);
    let from_url = from_fragment(&current_fragment());
    // A reload keeps the trail when the address still names its current item.
    let trail = match stored_trail().filter(|t| Some(t.current()) == from_url.as_ref()) {
        Some(t) => t,
        None => match from_url.or(context.selected.clone()) {
            Some(item) => Trail::new(item),
            None => {
                record(None, 0, false);
                return view! { <ExplorerView api trail=None /> }.into_any();
            }
        },
    };
    // Drop the query string (and its token) from the address: from here on
    // the fragment names the item and the launch is kept for this tab only.
    record(Some(trail.current()), trail.position(), false);
    view! { <ExplorerView api trail=Some(trail) /> }.into_any()
}

const TRAIL_KEY: &str = "pivot.trail";
/// The items this tab pivoted to, the most recent first (address fragments, one a line).
const RECENT_KEY: &str = "pivot.recent";
const RECENT: usize = 10;

fn recent_items() -> Vec<SelectedItem> {
    let text = session_storage().and_then(|s| s.get_item(RECENT_KEY).ok().flatten()).unwrap_or_default();
    text.lines().filter_map(from_fragment).take(RECENT).collect()
}

fn remember_recent(item: &SelectedItem) {
    let Some(s) = session_storage() else { return };
    let mut items = recent_items();
    items.retain(|i| i != item);
    items.insert(0, item.clone());
    items.truncate(RECENT);
    let _ = s.set_item(RECENT_KEY, &items.iter().map(to_fragment).collect::<Vec<_>>().join("\n"));
}

fn stored_trail() -> Option<Trail> {
    Trail::decode(&session_storage()?.get_item(TRAIL_KEY).ok().flatten()?)
}

#[component]
fn ExplorerView(api: ApiHandle, trail: Option<Trail>) -> impl IntoView {
    let trail = RwSignal::new(trail);
    // Keep the trail for a reload of this tab.
    Effect::new(move |_| {
        if let (Some(s), Some(text)) = (session_storage(), trail.with(|t| t.as_ref().map(Trail::encode))) {
            let _ = s.set_item(TRAIL_KEY, &text);
        }
    });

    // Owner types decide where write-back is possible; asked once per launch,
    // at the same moment as the first panel.
    let owners = owners_resource(api);

    let visit = Callback::new(move |item: SelectedItem| {
        if let Some(p) = trail.with_untracked(|t| t.as_ref().map(Trail::position)) {
            keep_scroll(p);
        }
        let mut position = 0;
        trail.update(|t| match t {
            Some(t) => {
                t.visit(item.clone());
                position = t.position();
            }
            None => *t = Some(Trail::new(item.clone())),
        });
        record(Some(&item), position, true);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });

    // The browser's back and forward buttons, and ours, move along the trail.
    let popstate = window_event_listener(leptos::ev::popstate, move |ev: web_sys::PopStateEvent| {
        let from_url = from_fragment(&current_fragment());
        let position = ev.state().as_f64().map(|p| p as usize);
        if let Some(p) = trail.with_untracked(|t| t.as_ref().map(Trail::position)) {
            keep_scroll(p);
        }
        if let Some(p) = position {
            restore_scroll(p);
        }
        trail.update(|t| {
            let Some(t) = t else {
                *t = from_url.clone().map(Trail::new);
                return;
            };
            // Normally the entry's position says where on the trail it is; an
            // entry the trail does not know (another tab's, a cleared storage)
            // becomes a new step.
            let at = position.filter(|p| t.items().get(*p) == from_url.as_ref());
            match (at, from_url.clone()) {
                (Some(p), _) => {
                    t.go_to(p);
                }
                (None, Some(item)) => t.visit(item),
                (None, None) => {}
            }
        });
    });
    on_cleanup(move || popstate.remove());
    on_cleanup(analyst_scrolls());
    let show_keys = RwSignal::new(false);
    let keys = window_event_listener(leptos::ev::keydown, move |ev| shortcut(&ev, show_keys));
    on_cleanup(move || keys.remove());

    let current = Memo::new(move |_| trail.with(|t| t.as_ref().map(|t| t.current().clone())));
    // A panel that has read its item's name gives it to the trail (the breadcrumb shows it);
    // a part of a panel that is a pivot without a row of its own pivots through the trail.
    provide_context(TrailContext {
        named: Callback::new(move |(item, name): (SelectedItem, String)| {
            trail.update(|t| {
                if let Some(t) = t {
                    t.name_item(&item, &name)
                }
            })
        }),
        pivot: visit,
    });
    let can_back = move || trail.with(|t| t.as_ref().is_some_and(Trail::can_go_back));
    let can_forward = move || trail.with(|t| t.as_ref().is_some_and(Trail::can_go_forward));

    view! {
        <nav class="pivot-nav" aria-label="Pivot trail">
            <button class="nav-back" aria-label="Back" disabled=move || !can_back()
                on:click=move |_| { if let Some(h) = history() { let _ = h.back(); } }>"←"</button>
            <button class="nav-forward" aria-label="Forward" disabled=move || !can_forward()
                on:click=move |_| { if let Some(h) = history() { let _ = h.forward(); } }>"→"</button>
            <ol class="breadcrumb">
                {move || trail.with(|t| {
                    let Some(t) = t else { return Vec::new() };
                    let here = t.position();
                    t.breadcrumb().iter().enumerate().map(|(i, item)| {
                        let label = item_label(item, t.name(i));
                        let delta = i as i32 - here as i32;
                        view! {
                            <li>{if delta == 0 {
                                view! { <span class="crumb crumb-current" aria-current="page">{label}</span> }.into_any()
                            } else {
                                view! { <button class="crumb" on:click=move |_| { if let Some(h) = history() { let _ = h.go_with_delta(delta); } }>{label}</button> }.into_any()
                            }}</li>
                        }
                    }).collect::<Vec<_>>()
                })}
            </ol>
            <SearchBox api owners on_pivot=visit />
            <button class="keys-help" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" on:click=move |_| show_keys.update(|s| *s = !*s)>"?"</button>
            // Import writes: offered only when the app's allowWriteBack is on, in a Space.
            {api.with_value(|a| a.offers_sharing).then(|| view! {
                <a class="nav-import" href=move || publish_import_href(&PageAction::Import, current.get().as_ref())>"Import package"</a>
            })}
        </nav>
        <Show when=move || show_keys.get()>
            {super::on_demand::show("keyboard shortcuts", &KEYS, show_keys)}
        </Show>
        {move || {
            let item = current.get();
            if let Some(i) = &item { remember_recent(i) }
            // Its lists keep their filters and pages under this item, never another's.
            if let Some(i) = &item { super::element_state::set_item(i) }
            match item {
            None => view! {
                <section class="notice" data-screen="search">
                    <h1>"Search"</h1>
                    <p>"Find an indicator or group by value, name or id, then pivot from it."</p>
                    {
                        let recent = recent_items();
                        (!recent.is_empty()).then(|| view! {
                            <h2>"Recent in this tab"</h2>
                            <ul class="recent">
                                {recent.into_iter().map(|item| {
                                    let label = trail.with_untracked(|t| item_label(&item, t.as_ref().and_then(|t| t.name_of(&item))));
                                    view! { <li><button class="pivot-link recent-item" on:click=move |_| visit.run(item.clone())>{label}</button></li> }
                                }).collect_view()}
                            </ul>
                        })
                    }
                    <p><a class="nav-triage" href="triage.html">"Triage a pasted report: which of its indicators does any owner know?"</a></p>
                </section>
            }.into_any(),
            Some(item @ SelectedItem::Indicator { .. }) => match indicator_ref(&item) {
                Some(target) => view! { <IndicatorPanel api target owners on_pivot=visit /> }.into_any(),
                None => ().into_any(),
            },
            Some(SelectedItem::Group { kind, id, owner }) => view! { <GroupPanel api kind id owner owners on_pivot=visit /> }.into_any(),
            Some(SelectedItem::Unsupported { type_name, value, .. }) if type_name == TAG => view! { <TagPanel api name=value on_pivot=visit /> }.into_any(),
            Some(SelectedItem::Unsupported { type_name, .. }) => view! {
                <section class="notice" data-screen="unsupported" role="status">
                    <h2>"Not supported yet"</h2>
                    <p>{format!("Pivot has no panel for {type_name} items yet. It works on indicators and groups.")}</p>
                </section>
            }.into_any(),
        }}}
    }
}

/// What the `?` box lists.
const SHORTCUTS: [(&str, &str); 6] = [
    ("/", "Search"),
    ("↓ ↑", "Next or previous entry of the results or a list"),
    ("Enter", "Pivot to the entry"),
    ("Esc", "Clear the search or filter; close this"),
    ("Alt ← →", "Back, forward"),
    ("?", "These shortcuts"),
];

/// The keyboard: `/` search, `?` the shortcuts, Escape clears or closes, Alt+arrows back and
/// forward, up and down arrows move between the entries of the results or a list.
fn shortcut(ev: &web_sys::KeyboardEvent, show_keys: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let active = doc.active_element();
    let typing = active.as_ref().is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
    let focus = |e: Option<web_sys::Element>| {
        if let Some(e) = e.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = e.focus();
        }
    };
    let key = ev.key();
    if ev.alt_key() && (key == "ArrowLeft" || key == "ArrowRight") {
        ev.prevent_default();
        if let Some(h) = history() {
            let _ = if key == "ArrowLeft" { h.back() } else { h.forward() };
        }
        return;
    }
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return;
    }
    match key.as_str() {
        "/" if !typing => {
            ev.prevent_default();
            focus(doc.query_selector(".search-input").ok().flatten());
        }
        "?" if !typing => show_keys.update(|s| *s = !*s),
        "Escape" if show_keys.get_untracked() => show_keys.set(false),
        // The search box clears itself and its results; a list filter clears (the browser empties it).
        "Escape" if active.as_ref().is_some_and(|e| e.class_list().contains("search-input")) => {
            if let Some(b) = doc.query_selector(".search-clear").ok().flatten().and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                b.click();
            }
        }
        "ArrowDown" | "ArrowUp" => {
            let Some(active) = active else { return };
            // Within the results or a list: from its box or an entry to the next or previous entry.
            let Some(scope) = active.closest(".search-results, .assoc, .search").ok().flatten() else { return };
            let scope = if scope.class_list().contains("search") { doc.query_selector(".search-results").ok().flatten() } else { Some(scope) };
            let Some(scope) = scope else { return };
            let links = scope.get_elements_by_class_name("pivot-link");
            let n = links.length();
            if n == 0 {
                return;
            }
            let at = (0..n).find(|i| links.item(*i).as_ref() == Some(&active));
            let next = match (at, key.as_str()) {
                (None, "ArrowDown") => Some(0),
                (Some(i), "ArrowDown") => Some((i + 1).min(n - 1)),
                (Some(i), _) => i.checked_sub(1),
                (None, _) => None,
            };
            if let Some(i) = next {
                ev.prevent_default();
                focus(links.item(i));
            }
        }
        _ => {}
    }
}

thread_local! {
    /// How far down each step of the trail was scrolled, by trail position, for Back and Forward.
    static SCROLLS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn keep_scroll(position: usize) {
    let y = web_sys::window().and_then(|w| w.scroll_y().ok()).unwrap_or(0.0);
    SCROLLS.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() <= position {
            s.resize(position + 1, 0.0);
        }
        s[position] = y;
    });
}

/// Back or Forward to `position`: once the panel has drawn its lists (they arrive from the
/// API), it scrolls to where the analyst left it. It tries for up to thirty seconds (a slow
/// instance's lists come late), and stops as soon as the analyst scrolls on their own: their
/// wheel, touch, key or pointer, never a scroll the page made while it was redrawn (the browser
/// clamps it while the new panel is shorter).
fn restore_scroll(position: usize) {
    let Some(y) = SCROLLS.with(|s| s.borrow().get(position).copied()).filter(|y| *y > 0.0) else { return };
    let restore = RESTORE.with(|r| {
        r.set(r.get().wrapping_add(1));
        r.get()
    });
    fn attempt(y: f64, restore: u32, left: u32) {
        if RESTORE.with(|r| r.get()) != restore {
            return; // the analyst took over, or a later Back took over
        }
        let Some(w) = web_sys::window() else { return };
        w.scroll_to_with_x_and_y(0.0, y);
        let now = w.scroll_y().unwrap_or(y);
        if left > 0 && (now - y).abs() > 2.0 {
            set_timeout(move || attempt(y, restore, left - 1), std::time::Duration::from_millis(100));
        }
    }
    set_timeout(move || attempt(y, restore, 300), std::time::Duration::from_millis(50));
}

thread_local! {
    /// Which scroll restore may still act; the analyst's own input moves it on, ending any.
    static RESTORE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The analyst's own scrolling ends a pending restore (see `restore_scroll`).
fn analyst_scrolls() -> impl FnOnce() {
    let stop = |_| RESTORE.with(|r| r.set(r.get().wrapping_add(1)));
    let handles = [
        window_event_listener(leptos::ev::wheel, move |e| stop(e.type_())),
        window_event_listener(leptos::ev::touchstart, move |e| stop(e.type_())),
        window_event_listener(leptos::ev::keydown, move |e| stop(e.type_())),
        window_event_listener(leptos::ev::mousedown, move |e| stop(e.type_())),
    ];
    move || handles.into_iter().for_each(|h| h.remove())
}

/// Results shown at first, and with "Show all" (the count always says how many there are).
const SEARCH_RESULTS: u32 = 20;
const SEARCH_ALL: u32 = 500;

/// What a search asks: the text (refanged), how many of each collection to show, the owner
/// ("" every owner) and the type filter.
#[derive(Clone, PartialEq)]
struct Asked {
    text: String,
    limit: u32,
    owner: String,
    kind: Option<SearchType>,
}

/// The type filter's option value: `i:Host`, `g:Incident` ("" every type).
fn kind_value(kind: Option<SearchType>) -> String {
    match kind {
        None => String::new(),
        Some(SearchType::Indicator(t)) => format!("i:{t}"),
        Some(SearchType::Group(t)) => format!("g:{t}"),
    }
}

fn kind_of(value: &str) -> Option<SearchType> {
    match value.split_at_checked(2) {
        Some(("i:", t)) => Some(SearchType::Indicator(t.to_owned())),
        Some(("g:", t)) => Some(SearchType::Group(t.to_owned())),
        _ => None,
    }
}

/// What the results are of, in words: `, Host, in Demo Org` or `, every owner`.
fn scope_text(a: &Asked) -> String {
    let kind = match &a.kind {
        Some(SearchType::Indicator(t) | SearchType::Group(t)) => format!(", {}", type_display(t)),
        None => String::new(),
    };
    let owner = if a.owner.is_empty() { ", every owner".to_owned() } else { format!(", in {}", a.owner) };
    escape_controls(&format!("{kind}{owner}")).into_owned()
}

#[component]
fn SearchBox(api: ApiHandle, owners: ApiResource<Loaded<Vec<Owner>>>, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    // The owner searched in: the default owner at first ("" every owner); the type: every type.
    let owner = RwSignal::new(api.with_value(|a| a.default_owner.clone()).unwrap_or_default());
    let kind = RwSignal::new(None::<SearchType>);
    let asked = RwSignal::new(None::<Asked>);
    let search = Search { api, owners, asked, owner, kind, on_pivot };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = refang(&text.get_untracked());
        if !t.is_empty() {
            search.run(t);
        }
    };
    view! {
        <form class="search" role="search" on:submit=submit>
            <input class="search-input" type="search" placeholder="Search indicators and groups" aria-label="Search indicators and groups (/)"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
            <button class="search-go" type="submit">"Search"</button>
            <button class="search-clear" type="button" hidden=move || asked.get().is_none() aria-label="Clear the search"
                on:click=move |_| { asked.set(None); text.set(String::new()) }>"×"</button>
        </form>
        // Drawn once while there are results, so a filter keeps its focus when it searches again.
        <Show when=move || asked.with(Option::is_some)>
            {super::on_demand::show("search", &SEARCH, search)}
        </Show>
    }
}

super::on_demand::part!(pub SEARCH: Search = "search", search_results);
super::on_demand::part!(pub KEYS: RwSignal<bool> = "keys", shortcuts);

/// What a search is made of: what was asked, the type and owner filters, where a hit pivots.
#[derive(Clone, Copy)]
pub struct Search {
    api: ApiHandle,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    asked: RwSignal<Option<Asked>>,
    owner: RwSignal<String>,
    kind: RwSignal<Option<SearchType>>,
    on_pivot: Callback<SelectedItem>,
}

impl Search {
    fn run(self, t: String) {
        self.asked.set(Some(Asked { text: t, limit: SEARCH_RESULTS, owner: self.owner.get_untracked(), kind: self.kind.get_untracked() }));
    }

    /// A filter changed: the same text searched again with it.
    fn refine(self) {
        if let Some(a) = self.asked.get_untracked() {
            self.run(a.text);
        }
    }
}

/// The results, their filters and their requests (a part loaded on demand, `on_demand`: the first
/// time an analyst searches).
pub fn search_results(search: Search) -> AnyView {
    let Search { api, owners, asked, owner, kind, on_pivot } = search;
    // The instance's indicator types, custom ones included (asked once per launch).
    let types = ApiResource::new(move || indicator_type_names(api));
    let results = ApiResource::new(move || {
        let a = asked.get();
        let client = api.with_value(|a| a.client.clone());
        async move {
            let a = a?;
            let (ind, grp) = search_tql(&a.text, Some(a.owner.as_str()), a.kind.as_ref());
            let limit = a.limit;
            // Both searches leave together, each with its total; one the type filter leaves out is not asked.
            let (i, g) = futures::future::join(
                async {
                    match &ind {
                        Some(t) => client.search(Collection::Indicators, t, 0, limit, true, Indicator::read).await.map(Some),
                        None => Ok(None),
                    }
                },
                async {
                    match &grp {
                        Some(t) => client.search(Collection::Groups, t, 0, limit, true, Group::read).await.map(Some),
                        None => Ok(None),
                    }
                },
            )
            .await;
            Some((
                a,
                loaded(i.and_then(|i| {
                    let g = g?;
                    let mut rows: Vec<Assoc> = i.iter().flat_map(|i| i.items.iter().map(Assoc::from_indicator)).collect();
                    rows.extend(g.iter().flat_map(|g| g.items.iter().map(Assoc::from_group)));
                    let of = |shown: usize, n: Option<i64>| count_of(shown as i64, n.filter(|n| *n > shown as i64), true);
                    let sizes = [
                        ("Indicators", i.as_ref().map(|p| (p.items.len(), p.result_count))),
                        ("groups", g.as_ref().map(|p| (p.items.len(), p.result_count))),
                    ];
                    let counts =
                        sizes.iter().filter_map(|(name, p)| p.map(|(shown, n)| format!("{name} {}", of(shown, n)))).collect::<Vec<_>>().join(" · ");
                    let counts = match counts.strip_prefix('g') {
                        Some(rest) => format!("G{rest}"),
                        None => counts,
                    };
                    let more = sizes.iter().filter_map(|(_, p)| *p).any(|(shown, n)| n.is_some_and(|n| n > shown as i64));
                    Ok((rows, counts, more && limit < SEARCH_ALL))
                })),
            ))
        }
    });
    view! {
            <div class="search-results" data-section="search-results">
                // What was searched for: the text refanged, so `bad[.]example` says it looked for `bad.example`; then its type and owner.
                <p class="searched-for">"Results for ‘"<span class="searched">{move || asked.with(|a| a.as_ref().map(|a| escape_controls(&a.text).into_owned()))}</span>"’"
                    <span class="search-scope">{move || asked.with(|a| a.as_ref().map(scope_text))}</span></p>
                <p class="search-filters">
                    <select class="search-type" aria-label="Type"
                        on:change=move |ev| { kind.set(kind_of(&event_target_value(&ev))); search.refine() }>
                        <option value="">"Every type"</option>
                        <optgroup label="Indicators">
                            // The select keeps what the analyst picks; `selected` only says where it starts.
                            // The base types at once, the instance's custom ones when it has said.
                            {move || {
                                let now = kind_value(kind.get_untracked());
                                let names = types.get().unwrap_or_else(|| BASE_INDICATOR_TYPES.iter().map(|t| t.type_name().to_owned()).collect());
                                names.into_iter().map(|t| {
                                    let v = format!("i:{t}");
                                    view! { <option selected=v == now value=v>{escape_controls(type_display(&t)).into_owned()}</option> }
                                }).collect_view()
                            }}
                        </optgroup>
                        <optgroup label="Groups">
                            {
                                let now = kind_value(kind.get_untracked());
                                GROUP_TYPES.iter().map(|t| {
                                    let v = format!("g:{}", t.type_name());
                                    view! { <option selected=v == now value=v>{t.type_name()}</option> }
                                }).collect_view()
                            }
                        </optgroup>
                    </select>
                    <select class="search-owner" aria-label="Owner" on:change=move |ev| { owner.set(event_target_value(&ev)); search.refine() }>
                        <option value="">"Every owner"</option>
                        {move || {
                            // The instance's owners; the one searched in even when they did not load.
                            let mut names: Vec<String> = match owners.get() {
                                Some(Ok(list)) => list.iter().map(|o| o.name.clone()).collect(),
                                _ => Vec::new(),
                            };
                            let now = owner.get_untracked();
                            if !now.is_empty() && !names.contains(&now) {
                                names.insert(0, now.clone());
                            }
                            names.into_iter().map(|n| view! { <option selected=n == now value=n.clone()>{escape_controls(&n).into_owned()}</option> }).collect_view()
                        }}
                    </select>
                </p>
                // Only the answer to what is asked now (the last one stays until the next arrives).
                {move || match results.get().map(|r| r.filter(|(was, _)| Some(was) == asked.get().as_ref()).map(|(_, r)| r)) {
                    None | Some(None) => view! { <p class="empty">"Searching…"</p> }.into_any(),
                    Some(Some(Err(e))) => view! { <ErrorNotice error=e retry=Callback::new(move |_| results.refetch()) /> }.into_any(),
                    Some(Some(Ok(r))) if r.0.is_empty() => view! { <p class="empty">"Nothing found"</p> }.into_any(),
                    Some(Some(Ok(r))) => {
                        view! {
                        <p class="search-count">{r.1.clone()}
                            {r.2.then(|| view! { " · "<button class="show-all" on:click=move |_| asked.update(|a| if let Some(a) = a { a.limit = SEARCH_ALL })>"Show all"</button> })}
                        </p>
                        <ul class="assoc-list">
                            {r.0.iter().map(|a| {
                                let target = a.target.clone();
                                view! {
                                    <li class="assoc-row">
                                        <span class=if a.is_group { "type-badge group" } else { "type-badge indicator" }>{a.type_label.clone()}</span>
                                        <button class="pivot-link search-hit" disabled=target.is_none() on:click=move |_| {
                                            if let Some(t) = target.clone() { asked.set(None); on_pivot.run(t); }
                                        }>{escape_controls(&a.shown).into_owned()}</button>
                                        <span class="assoc-owner">{escape_controls(&a.owner).into_owned()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any() }
                }}
            </div>
    }
    .into_any()
}

/// The shortcuts' box (a part loaded on demand: `on_demand`).
pub fn shortcuts(show_keys: RwSignal<bool>) -> AnyView {
    view! {
            <section class="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                <h2>"Keyboard"</h2>
                <dl>
                    {SHORTCUTS.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <button class="keys-close" on:click=move |_| show_keys.set(false)>"Close"</button>
            </section>
    }
    .into_any()
}

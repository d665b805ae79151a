//! The explorer: the trail of pivots, the browser history that mirrors it,
//! the search box, and the panel of the current item.
//!
//! The current item lives in the URL fragment (`#type=Host&value=...`), so a
//! reload shows the same view. New history entries carry only the path and
//! that fragment, never the query string with the token.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::api::{connect, current_fragment, indicator_ref, loaded, owners_resource, ApiHandle, ApiResource};
use super::associations::Assoc;
use super::group::GroupPanel;
use super::indicator::IndicatorPanel;
use super::launch::session_storage;
use super::notices::ErrorNotice;
use crate::launch::{Context, SelectedItem};
use crate::search::search_tql;
use crate::trail::{from_fragment, publish_import_href, to_fragment, PageAction, Trail};
use pivot_text::escape::escape_controls;
use threatconnect::{Collection, Group, Indicator};

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

/// How an item reads in the breadcrumb.
pub fn item_label(item: &SelectedItem) -> String {
    match item {
        SelectedItem::Indicator { kind, summary, .. } => {
            format!("{}: {}", kind.type_name(), escape_controls(&pivot_text::defang::defang(kind, summary)))
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

    let current = Memo::new(move |_| trail.with(|t| t.as_ref().map(|t| t.current().clone())));
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
                        let label = item_label(item);
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
            <SearchBox api on_pivot=visit />
            // Import writes: offered only when the app's allowWriteBack is on.
            {api.with_value(|a| a.allow_write_back).then(|| view! {
                <a class="nav-import" href=move || publish_import_href(&PageAction::Import, current.get().as_ref())>"Import package"</a>
            })}
        </nav>
        {move || match current.get() {
            None => view! {
                <section class="notice" data-screen="search">
                    <h1>"Search"</h1>
                    <p>"Find an indicator or group by value, name or id, then pivot from it."</p>
                    <p><a class="nav-triage" href="triage.html">"Triage a pasted report: which of its indicators does any owner know?"</a></p>
                </section>
            }.into_any(),
            Some(item @ SelectedItem::Indicator { .. }) => match indicator_ref(&item) {
                Some(target) => view! { <IndicatorPanel api target owners on_pivot=visit /> }.into_any(),
                None => ().into_any(),
            },
            Some(SelectedItem::Group { kind, id, owner }) => view! { <GroupPanel api kind id owner owners on_pivot=visit /> }.into_any(),
            Some(SelectedItem::Unsupported { type_name, .. }) => view! {
                <section class="notice" data-screen="unsupported" role="status">
                    <h2>"Not supported yet"</h2>
                    <p>{format!("Pivot has no panel for {type_name} items yet. It works on indicators and groups.")}</p>
                </section>
            }.into_any(),
        }}
    }
}

const SEARCH_RESULTS: u32 = 20;

#[component]
fn SearchBox(api: ApiHandle, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let asked = RwSignal::new(None::<String>);
    let results = ApiResource::new(move || {
        let q = asked.get();
        let client = api.with_value(|a| a.client.clone());
        let owner = api.with_value(|a| a.default_owner.clone());
        async move {
            let q = q?;
            let (ind, grp) = search_tql(&q, owner.as_deref());
            // Both searches leave together.
            let (i, g) = futures::future::join(
                client.search(Collection::Indicators, &ind, 0, SEARCH_RESULTS, false, Indicator::read),
                client.search(Collection::Groups, &grp, 0, SEARCH_RESULTS, false, Group::read),
            )
            .await;
            Some(loaded(i.and_then(|i| {
                let mut rows: Vec<Assoc> = i.items.iter().map(Assoc::from_indicator).collect();
                rows.extend(g?.items.iter().map(Assoc::from_group));
                Ok(rows)
            })))
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = text.get_untracked().trim().to_owned();
        if !t.is_empty() {
            asked.set(Some(t));
        }
    };
    view! {
        <form class="search" role="search" on:submit=submit>
            <input class="search-input" type="search" placeholder="Search indicators and groups" aria-label="Search indicators and groups"
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <button class="search-go" type="submit">"Search"</button>
        </form>
        {move || asked.get().is_some().then(|| view! {
            <div class="search-results" data-section="search-results">
                {move || match results.get() {
                    None | Some(None) => view! { <p class="empty">"Searching…"</p> }.into_any(),
                    Some(Some(Err(e))) => view! { <ErrorNotice error=e retry=Callback::new(move |_| results.refetch()) /> }.into_any(),
                    Some(Some(Ok(rows))) if rows.is_empty() => view! { <p class="empty">"Nothing found"</p> }.into_any(),
                    Some(Some(Ok(rows))) => view! {
                        <ul class="assoc-list">
                            {rows.iter().map(|a| {
                                let target = a.target.clone();
                                view! {
                                    <li class="assoc-row">
                                        <span class=if a.is_group { "type-badge group" } else { "type-badge indicator" }>{a.type_label.clone()}</span>
                                        <button class="pivot-link search-hit" disabled=target.is_none() on:click=move |_| {
                                            if let Some(t) = target.clone() { asked.set(None); on_pivot.run(t); }
                                        }>{a.shown.clone()}</button>
                                        <span class="assoc-owner">{a.owner.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
        })}
    }
}

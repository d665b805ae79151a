//! The Leptos app. Views stay thin: what to show is decided by the pure `launch` and
//! `trail` modules, data comes from the client's typed calls through `api`.

mod api;
mod associations;
mod clipboard;
mod download;
mod element_state;
mod explorer;
mod graph;
mod group;
mod indicator;
mod launch;
mod metadata;
mod notices;
mod on_demand;
mod publish_import;
pub mod screens;
mod tag;
mod time;
mod timing;
mod triage;
mod writeback;

use leptos::prelude::*;

use crate::launch::Launch;
use launch::{drop_token_from_address, resolve_launch};

/// The parts of the panels loaded on demand, for the panels' binary to register its split
/// points (src/main.rs; `on_demand` says why they live there).
pub mod parts {
    pub use super::api::{ApiClient, ApiHandle};
    pub use super::associations::{type_counts, AssocQuery, TypeCounts, TYPE_COUNTS};
    pub use super::explorer::{search_results, shortcuts, Search, KEYS, SEARCH};
    pub use super::graph::{graph_view, Graph, GRAPH};
    pub use super::group::{v2_group_panel, V2_GROUP};
    pub use super::indicator::{v2_indicator_panel, V2Load, V2_INDICATOR};
    pub use super::on_demand::{register, Split, SplitLoaderError};
    pub use super::writeback::{edit_controls, Control, Editor, EDIT};
    pub use crate::launch::SelectedItem;
}

/// Start the panels (`index.html`).
pub fn start() {
    mount(App);
}

/// Start the publish and import page (`publish-import.html`): its own wasm, loaded
/// only when an analyst publishes or imports, so the panels' first load
/// does not carry it.
pub fn start_publish_import() {
    mount(publish_import::PublishImportApp);
}

/// Start the triage page (`triage.html`): its own wasm, loaded only when an analyst
/// triages a paste or compares owners, so the panels' first load does not carry it.
pub fn start_triage() {
    mount(triage::TriageApp);
}

/// Mount over the boot message (in a debug build, after installing the panic screen).
fn mount<V: IntoView + 'static>(app: fn() -> V) {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(show_panic));
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app);
    timing::mark("pivot-mounted");
}

/// In wasm a panic ends the app; make sure the analyst sees that it did, in
/// words, rather than a frozen or blank page. Only the location is shown:
/// a panic message could quote API data. The release build's std aborts at
/// once without calling a hook: there boot.js shows the same words, without
/// the location, when the trap reaches the page (docs/performance.md).
#[cfg(debug_assertions)]
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    let place = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
    let text = format!("Pivot stopped because of an internal error{place}. Reload the page to start again; if it happens again, report it with the steps that led here.");
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        // text_content, never inner_html.
        body.set_text_content(Some(&text));
        let _ = body.set_attribute("data-state", "crashed");
    }
}

#[component]
pub fn App() -> impl IntoView {
    let launch = resolve_launch();
    if !matches!(launch, Ok(Launch::Space(_))) {
        drop_token_from_address();
    }
    let screen = match launch {
        Err(error) => view! { <screens::ContextErrorScreen error /> }.into_any(),
        Ok(Launch::NoContext) => view! { <screens::StartScreen /> }.into_any(),
        Ok(Launch::Space(context)) => view! { <explorer::Explorer context /> }.into_any(),
    };
    view! {
        <header class="app-bar">
            <span class="app-name">"Pivot"</span>
        </header>
        <main class="app-main" data-mounted="true">{screen}</main>
    }
}

//! The Leptos app. Views stay thin: what to show is decided by the pure
//! `spaces` module, data comes from the `tc` client.

pub mod screens;

use leptos::prelude::*;

use crate::spaces::{parse_launch, Launch};

/// Start the app: install the panic screen, then mount over the boot message.
pub fn start() {
    std::panic::set_hook(Box::new(show_panic));
    let document = document();
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

/// In wasm a panic ends the app; make sure the analyst sees that it did, in
/// words, rather than a frozen or blank page. Only the location is shown:
/// a panic message could quote API data.
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
    let query = window().location().search().unwrap_or_default();
    let screen = match parse_launch(&query) {
        Err(error) => view! { <screens::ContextErrorScreen error /> }.into_any(),
        Ok(Launch::NoContext) => view! { <screens::StartScreen /> }.into_any(),
        Ok(Launch::Space(context)) => view! { <screens::ItemScreen context /> }.into_any(),
    };
    view! {
        <header class="app-bar">
            <span class="app-name">"Pivot"</span>
        </header>
        <main class="app-main" data-mounted="true">{screen}</main>
    }
}

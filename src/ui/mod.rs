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
mod metadata;
mod notices;
mod publish_import;
pub mod screens;
mod writeback;

use leptos::prelude::*;

use crate::launch::{parse_launch, ContextError, Launch};

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

/// Install the panic screen, then mount over the boot message.
fn mount<V: IntoView + 'static>(app: fn() -> V) {
    std::panic::set_hook(Box::new(show_panic));
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app);
    mark("pivot-mounted");
}

/// Marks "pivot-complete" once a panel's `state` first reads "complete":
/// every section has its data on screen (`make bench` measures up to it).
pub(crate) fn mark_when_complete(state: impl Fn() -> &'static str + 'static) {
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let complete = state() == "complete";
        if complete {
            mark("pivot-complete");
        }
        complete
    });
}

/// A User Timing mark (`make bench` reads them): cheap, and visible in the
/// browser's performance tools.
pub(crate) fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
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

/// Where this tab keeps the launch query once the token is out of the address.
pub(crate) const LAUNCH_KEY: &str = "pivot.launch";

/// The start and error screens, and the sharing page, keep no token in the address (history,
/// screenshots, a copied link): the rest of the query stays, so the analyst still sees what was sent.
pub(crate) fn drop_token_from_address() {
    let location = window().location();
    let query = location.search().unwrap_or_default();
    let kept = crate::launch::without_token(&query);
    if kept.len() + 1 == query.len() || query.is_empty() {
        return;
    }
    let url = format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        if kept.is_empty() { String::new() } else { format!("?{kept}") },
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The launch context: from the query string ThreatConnect sent or, on a
/// reload of a pivoted view (whose address no longer has the query), from
/// this tab's session storage. Only sessionStorage: it dies with the tab.
pub(crate) fn resolve_launch() -> Result<Launch, ContextError> {
    let window = window();
    let query = window.location().search().unwrap_or_default();
    let storage = api::session_storage();
    match parse_launch(&query)? {
        Launch::NoContext => match storage.and_then(|s| s.get_item(LAUNCH_KEY).ok().flatten()) {
            Some(saved) => parse_launch(&saved).or(Ok(Launch::NoContext)).and_then(pin_api_origin),
            None => Ok(Launch::NoContext),
        },
        launch => {
            // Kept only once pinned: a refused launch's token is not kept at rest, and
            // does not replace the launch this tab already has.
            let launch = pin_api_origin(launch)?;
            if let Some(s) = storage {
                let _ = s.set_item(LAUNCH_KEY, &query);
            }
            Ok(launch)
        }
    }
}

/// `tcApiPath` resolved by the browser's own URL parser against this page, then pinned
/// (`spaces::pin_api_origin`): a launch that names any other origin sends nothing.
fn pin_api_origin(launch: Launch) -> Result<Launch, ContextError> {
    let Launch::Space(mut context) = launch else { return Ok(launch) };
    let location = window().location();
    let (href, page_origin) = (location.href().unwrap_or_default(), location.origin().unwrap_or_default());
    let url = web_sys::Url::new_with_base(&context.api_path, &href).map_err(|_| ContextError {
        param: "tcApiPath".into(),
        problem: "is not an address this browser can read".into(),
        expected: "the ThreatConnect API address, such as https://app.threatconnect.com/api".into(),
    })?;
    let parsed = crate::launch::ParsedUrl { protocol: url.protocol(), hostname: url.hostname(), origin: url.origin(), pathname: url.pathname() };
    context.api_path = crate::launch::pin_api_origin(&parsed, &page_origin, crate::launch::BUILD_API_ORIGINS)?;
    Ok(Launch::Space(context))
}

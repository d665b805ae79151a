//! The launch in the browser: from the query string ThreatConnect sent or, on a reload of a
//! pivoted view, from this tab's storage; its API origin pinned by the browser's own URL
//! parser; the token kept out of the address. Under Pivot's API Service, from the page's
//! own address (no token at all).

use leptos::prelude::*;

use crate::launch::{parse_launch, ContextError, Launch};

/// This tab's storage: it dies with the tab.
pub fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Where this tab keeps the launch query once the token is out of the address.
pub const LAUNCH_KEY: &str = "pivot.launch";

/// The start and error screens, and the sharing page, keep no token in the address (history,
/// screenshots, a copied link): the rest of the query stays, so the analyst still sees what was sent.
pub fn drop_token_from_address() {
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

/// The launch context. A page under Pivot's API Service's path (`launch::service_prefix`):
/// from its own address and the params the service wrote into it, nothing stored. Any
/// other page: from the query string ThreatConnect sent or, on a reload of a pivoted view
/// (whose address no longer has the query), from this tab's session storage. Only
/// sessionStorage: it dies with the tab.
pub fn resolve_launch() -> Result<Launch, ContextError> {
    let window = window();
    let query = window.location().search().unwrap_or_default();
    // Only the service build (feature `service`, what Pivot's API Service packs) reads a
    // service launch: the Spaces build does not carry that code.
    #[cfg(feature = "service")]
    {
        let path = window.location().pathname().unwrap_or_default();
        if let Some(prefix) = crate::launch::service_prefix(&path) {
            let params = document()
                .query_selector("meta[name=pivot-service-params]")
                .ok()
                .flatten()
                .and_then(|m| m.get_attribute("content"))
                .unwrap_or_default();
            return crate::launch::parse_service_launch(prefix, &query, &params);
        }
    }
    let storage = session_storage();
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

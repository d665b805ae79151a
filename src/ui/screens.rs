//! Whole-page screens chosen from the launch context.

use leptos::prelude::*;

use crate::launch::ContextError;

/// The query string could not be read: say which parameter, what was wrong
/// and what was expected, never a blank page.
#[component]
pub fn ContextErrorScreen(error: ContextError) -> impl IntoView {
    view! {
        <section class="notice notice-error" role="alert" data-screen="context-error">
            <h1>"Pivot cannot start"</h1>
            <p class="error-message">{error.to_string()}</p>
            <dl class="facts">
                <dt>"Parameter"</dt><dd class="error-param">{error.param}</dd>
                <dt>"Problem"</dt><dd>{error.problem}</dd>
                <dt>"Expected"</dt><dd>{error.expected}</dd>
            </dl>
            <p>{HOW_PIVOT_IS_OPENED}</p>
        </section>
    }
}

/// Where the launch comes from, in the words of the build's own deployment.
#[cfg(not(feature = "service"))]
const HOW_PIVOT_IS_OPENED: &str = "ThreatConnect passes these parameters when it opens Pivot in a Space or on an item's Spaces tab. Open Pivot from ThreatConnect again, or check the address if you opened it by hand.";
#[cfg(feature = "service")]
const HOW_PIVOT_IS_OPENED: &str = "Pivot's service reads the item from its own address: the item's type, its value (a group: its id) and optionally its owner, as in <service address>/?type=Host&value=bad.example.com&owner=Demo+Org. Open the link again from ThreatConnect, or check the address if you built it by hand.";

/// Opened without any Spaces parameters.
#[component]
pub fn StartScreen() -> impl IntoView {
    view! {
        <section class="notice" data-screen="start">
            <h1>"Pivot"</h1>
            <p>"Pivot shows everything ThreatConnect knows about an indicator or a group, and lets you walk from it to every associated item."</p>
            <p>"Open it from ThreatConnect: add Pivot to a Space, or open an indicator or group and choose the Pivot tab under Spaces. ThreatConnect then passes Pivot the item and an API token."</p>
        </section>
    }
}

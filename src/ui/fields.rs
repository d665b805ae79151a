//! Facts lists for values shown field by field (pure helpers in `crate::display`).

use leptos::prelude::*;

/// A definition list of label/value pairs.
#[component]
pub fn Facts(facts: Vec<(String, String)>, #[prop(optional, into)] section: String) -> impl IntoView {
    view! {
        <dl class="facts" data-section=section>
            {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}


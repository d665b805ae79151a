//! API times as people read them ("3 Jun 2025 20:32 UTC · 6 mo ago"), the API's own value
//! in the tooltip: one component for every panel and list.

use leptos::prelude::*;
use pivot_text::values::{date_text, parse_time};

/// Seconds since the epoch, by the browser's clock (for "6 mo ago").
pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// An API time as people read it, the API's own value in the tooltip; other text as is.
#[component]
pub fn TimeText(#[prop(into)] value: String) -> impl IntoView {
    match parse_time(&value) {
        Some(_) => view! { <time datetime=value.clone() title=value.clone()>{date_text(&value, now_secs())}</time> }.into_any(),
        None => value.into_any(),
    }
}

//! What a section shows while it loads and when it fails: a skeleton, the server's own
//! words with a retry.

use std::rc::Rc;

use leptos::prelude::*;
use threatconnect::Error;

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

/// The item is not there (in this owner, or at all): said in words, not as an error.
pub fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Http { status: 404, .. })
}

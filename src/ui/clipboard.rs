//! Copying to the clipboard, and saying so (or why not) next to the button.

use leptos::prelude::*;

/// Put text on the clipboard, or say why not: outside a secure context there
/// is no `navigator.clipboard` (calling it would throw through the wasm), and
/// a frame without the `clipboard-write` permission is refused.
pub async fn copy_text(text: &str) -> Result<(), String> {
    const REFUSED: &str = "The browser did not let Pivot use the clipboard here; select the text and copy it instead.";
    let navigator = web_sys::window().ok_or(REFUSED)?.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        return Err(REFUSED.to_owned());
    }
    wasm_bindgen_futures::JsFuture::from(navigator.clipboard().write_text(text)).await.map(|_| ()).map_err(|_| REFUSED.to_owned())
}

/// A copy button's outcome, shown next to it.
pub type CopyOutcome = RwSignal<Option<Result<String, String>>>;

/// Copy `text` and report "`done`" or the refusal in `outcome`.
pub fn copy_and_report(text: String, done: String, outcome: CopyOutcome) {
    outcome.set(None);
    leptos::task::spawn_local(async move {
        outcome.set(Some(copy_text(&text).await.map(|_| done)));
    });
}

#[component]
pub fn CopyOutcomeNote(outcome: CopyOutcome) -> impl IntoView {
    move || match outcome.get() {
        None => ().into_any(),
        Some(Ok(t)) => view! { <span class="copied" role="status">{t}</span> }.into_any(),
        Some(Err(e)) => view! { <span class="section-error copy-error" role="alert">{e}</span> }.into_any(),
    }
}

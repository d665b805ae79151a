//! Whole-page screens chosen from the launch context.

use leptos::prelude::*;

use crate::spaces::{Context, ContextError, SelectedItem};

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
            <p>"ThreatConnect passes these parameters when it opens Pivot in a Space or on an item's Spaces tab. Open Pivot from ThreatConnect again, or check the address if you opened it by hand."</p>
        </section>
    }
}

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

/// Opened on a Space, with or without a selected item.
#[component]
pub fn ItemScreen(context: Context) -> impl IntoView {
    match context.selected {
        None => view! {
            <section class="notice" data-screen="space">
                <h1>"No item selected"</h1>
                <p>"Pivot was opened on a Space without an indicator or group. Open an indicator or group in ThreatConnect and choose the Pivot tab to see it here."</p>
            </section>
        }
        .into_any(),
        Some(item) => view! { <ItemHeader item /> }.into_any(),
    }
}

/// Which item Pivot was opened on: type, value, owner.
#[component]
fn ItemHeader(item: SelectedItem) -> impl IntoView {
    let type_label = item.type_label().to_owned();
    let owner = item.owner().unwrap_or("your organization").to_owned();
    let (value, supported) = match &item {
        SelectedItem::Indicator { summary, .. } => (summary.clone(), true),
        SelectedItem::Group { id, .. } => (id.to_string(), true),
        SelectedItem::Unsupported { value, .. } => (value.clone(), false),
    };
    view! {
        <section class="item-header" data-screen="item">
            <p class="item-type" data-field="type">{type_label.clone()}</p>
            <h1 class="item-value" data-field="value">{value}</h1>
            <p class="item-owner">"Owner: "<span data-field="owner">{owner}</span></p>
        </section>
        {(!supported).then(|| view! {
            <section class="notice" data-screen="unsupported" role="status">
                <h2>"Not supported yet"</h2>
                <p>{format!("Pivot has no panel for {type_label} items yet. It works on indicators and groups.")}</p>
            </section>
        })}
    }
}

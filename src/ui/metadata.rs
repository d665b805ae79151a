//! An item's facts, tags, security labels and attributes, shown as text.

use leptos::prelude::*;
use pivot_text::values::tlp_class;
use threatconnect::{Attribute, SecurityLabel, Tag};

/// A definition list of label/value pairs.
#[component]
pub fn Facts(facts: Vec<(String, String)>, #[prop(optional, into)] section: String) -> impl IntoView {
    view! {
        <dl class="facts" data-section=section>
            {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}

#[component]
pub fn TagList(tags: Vec<Tag>) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p class="empty">"No tags"</p> }.into_any();
    }
    view! {
        <ul class="chips" data-section="tags">
            {tags.into_iter().map(|t| view! { <li class="chip tag">{t.name}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn LabelList(labels: Vec<SecurityLabel>) -> impl IntoView {
    if labels.is_empty() {
        return view! { <p class="empty">"No security labels"</p> }.into_any();
    }
    view! {
        <ul class="chips" data-section="labels">
            {labels.into_iter().map(|l| {
                let class = tlp_class(&l.name);
                let title = l.description.clone().unwrap_or_default();
                view! { <li class=class title=title>{l.name}</li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Attribute values longer than this are collapsed behind a "show all".
const LONG_VALUE: usize = 280;

#[component]
pub fn AttributeList(attributes: Vec<Attribute>) -> impl IntoView {
    if attributes.is_empty() {
        return view! { <p class="empty">"No attributes"</p> }.into_any();
    }
    view! {
        <dl class="attributes" data-section="attributes">
            {attributes.into_iter().map(|a| {
                let long = a.value.chars().count() > LONG_VALUE;
                let short: String = a.value.chars().take(LONG_VALUE).collect();
                let labels = a.security_labels.clone();
                view! {
                    <dt>{a.attribute_type}</dt>
                    <dd>
                        {if long {
                            view! {
                                <details class="long-value">
                                    <summary>{short}"…"</summary>
                                    <div class="attribute-value">{a.value}</div>
                                </details>
                            }.into_any()
                        } else {
                            view! { <div class="attribute-value">{a.value}</div> }.into_any()
                        }}
                        {(!labels.is_empty()).then(|| view! { <LabelList labels /> })}
                    </dd>
                }
            }).collect_view()}
        </dl>
    }
    .into_any()
}

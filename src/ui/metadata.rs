//! An item's facts, tags, security labels and attributes, shown as text; and the
//! layout every item panel shares: the tabs of a narrow (Space column) panel, the
//! first associations on its overview, the skip link, the focus after a pivot.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::associations::{Assoc, AssocCount};
use super::writeback::{controls, dynamic, editing, Control, Editor};
use crate::launch::SelectedItem;
use pivot_text::escape::escape_controls;
use pivot_text::values::{safe_http_link, tlp_class, type_display};
use threatconnect::{Attribute, SecurityLabel, Tag};

pub use super::time::TimeText;

/// A definition list of label/value pairs (API times read as dates).
#[component]
pub fn Facts(facts: Vec<(String, String)>, #[prop(optional, into)] section: String) -> impl IntoView {
    view! {
        <dl class="facts" data-section=section>
            {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd><TimeText value=v /></dd> }).collect_view()}
        </dl>
    }
}

/// Tags, each a link to the tag's page in ThreatConnect (every item with that tag); with
/// an editor, each with its × and a box to add one.
#[component]
pub fn TagList(tags: Vec<Tag>, edit: Option<Editor>) -> impl IntoView {
    // Only the box to add one when there is none (the empty line says "No tags").
    view! {
        {(!tags.is_empty()).then(|| view! { <ul class="chips" data-section="tags">
            {tags.into_iter().map(|t| {
                let href = t.web_link.as_deref().and_then(safe_http_link);
                let name = escape_controls(&t.name).into_owned();
                // Without ThreatConnect's page of the tag (v3 gives none): the tag's own panel here.
                let here = use_context::<TrailContext>().map(|c| (c.pivot, SelectedItem::Unsupported { type_name: "Tag".into(), value: t.name.clone(), owner: None }));
                view! { <li class="chip tag">{match (href, here) {
                    (Some(href), _) => view! { <a class="tag-link" href=href target="_blank" rel="noopener noreferrer" title="Every item with this tag, in ThreatConnect">{name}</a> }.into_any(),
                    (None, Some((pivot, item))) => view! {
                        <a class="tag-link pivot-link" href=crate::trail::panels_href(Some(&item)) title="Every item with this tag"
                            on:click=move |ev| {
                                if super::associations::plain_click(&ev) {
                                    ev.prevent_default();
                                    pivot.run(item.clone());
                                }
                            }>{name}</a>
                    }.into_any(),
                    (None, None) => name.into_any(),
                }}{controls(edit, Control::Remove("tag", t.name))}</li> }
            }).collect_view()}
        </ul> })}
        {controls(edit, Control::TagAdd)}
    }
}

/// What the explorer gives its panels: "this item is called ..." (for the breadcrumb) and
/// "pivot to ..." (for parts that are pivots without a row of their own, such as a tag).
#[derive(Clone, Copy)]
pub struct TrailContext {
    pub named: Callback<(SelectedItem, String)>,
    pub pivot: Callback<SelectedItem>,
}

/// The parts of an item panel; below about 600 px each is a tab, on wider screens
/// they follow each other (the stylesheet decides, from the panel's `data-tab`).
pub const TABS: [(&str, &str); 4] = [("overview", "Overview"), ("associations", "Associations"), ("graph", "Graph"), ("details", "Details")];

thread_local! {
    /// The tab each item was left on, for this tab of the browser: Back returns to it.
    static KEPT_TABS: std::cell::RefCell<Vec<(u64, &'static str)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many items remember their tab (the most recent).
const KEPT_TAB_ITEMS: usize = 50;

/// The current item's tab: the one it was left on (so Back returns to it), else the overview.
pub fn item_tab() -> RwSignal<&'static str> {
    let item = super::element_state::current_item();
    let kept = KEPT_TABS.with(|k| k.borrow().iter().find(|(i, _)| *i == item).map(|(_, t)| *t));
    let tab = RwSignal::new(kept.unwrap_or("overview"));
    Effect::new(move |_| {
        let t = tab.get();
        KEPT_TABS.with(|k| {
            let mut k = k.borrow_mut();
            k.retain(|(i, _)| *i != item);
            k.insert(0, (item, t));
            k.truncate(KEPT_TAB_ITEMS);
        });
    });
    tab
}

/// The tab bar of a narrow panel; `count` is the number of associations, when known.
#[component]
pub fn ItemTabs(tab: RwSignal<&'static str>, count: AssocCount) -> impl IntoView {
    view! {
        <div class="item-tabs" role="tablist" aria-label="Parts of this item">
            {TABS.iter().map(|&(key, label)| {
                let counted = (key == "associations").then(|| count.words(|n| n.map(|n| format!(" ({n})")).unwrap_or_default()));
                view! { <button role="tab" class="item-tab" data-tab-key=key aria-selected=move || (tab.get() == key).to_string()
                    on:click=move |_| tab.set(key)>{label}{counted}</button> }
            }).collect_view()}
        </div>
    }
}

/// Focus an element of the page by id (after a tab switch or a pivot): HTML or SVG
/// (a graph node), by the element's own `focus`.
pub fn focus_id(id: &str) {
    let Some(el) = document().get_element_by_id(id) else { return };
    if let Ok(focus) = js_sys::Reflect::get(&el, &"focus".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = focus.call0(&el);
    }
}

/// The skip link to the associations (the first stop of the panel for the keyboard).
#[component]
pub fn SkipToAssociations(tab: RwSignal<&'static str>) -> impl IntoView {
    view! {
        <button class="skip-link" on:click=move |_| {
            tab.set("associations");
            focus_id("associations");
        }>"Skip to associations"</button>
    }
}

thread_local! {
    /// Item panels shown in this page so far: the first is the launch's, not a pivot.
    static PANELS_SHOWN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// After a pivot the clicked control is gone and focus would fall to the page:
/// it lands on the new item's title instead (only when nothing else holds it).
/// Not on the launch's own panel: a Space with several Pivot elements must not
/// have them take the focus from each other.
pub fn focus_title_after_pivot() {
    if PANELS_SHOWN.with(|n| n.replace(n.get() + 1)) == 0 {
        return;
    }
    request_animation_frame(|| {
        let idle = document().active_element().is_none_or(|e| e.tag_name() == "BODY");
        if idle {
            focus_id("item-title");
        }
    });
}

/// The first few associations, on a narrow panel's overview, and the way to all of them.
#[component]
pub fn AssocPreview(rows: Vec<Assoc>, count: AssocCount, tab: RwSignal<&'static str>, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    let all = count.words(|n| match n {
        Some(n) => format!("All {n} associations"),
        None => "All associations".to_owned(),
    });
    view! {
        <section class="card assoc-preview" data-tab="overview" data-section="assoc-preview">
            <h2>"Associations"</h2>
            {if rows.is_empty() {
                view! { <p class="empty">"None"</p> }.into_any()
            } else {
                view! {
                    <ul class="assoc-list">
                        {rows.into_iter().map(|a| {
                            let shown = escape_controls(&a.shown).into_owned();
                            let target = a.target.clone();
                            view! {
                                <li class="assoc-row">
                                    <span class=if a.is_group { "type-badge group" } else { "type-badge indicator" }>{type_display(&a.type_label).to_owned()}</span>
                                    {match target {
                                        Some(t) => view! { <button class="pivot-link" on:click=move |_| on_pivot.run(t.clone())>{shown}</button> }.into_any(),
                                        None => view! { <span class="assoc-value">{shown}</span> }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <button class="preview-all" on:click=move |_| tab.set("associations")>{all}</button>
        </section>
    }
}

/// Sections with nothing in them, named on one line rather than a box each.
#[component]
pub fn EmptyLine(names: Vec<&'static str>) -> impl IntoView {
    (!names.is_empty()).then(|| {
        view! { <p class="card empty empty-line" data-tab="details" data-section="empty">{format!("No {}", names.join(" · no "))}</p> }
    })
}

/// Security labels; with an editor, each with its ×.
#[component]
pub fn LabelList(labels: Vec<SecurityLabel>, edit: Option<Editor>) -> impl IntoView {
    view! {
        {(!labels.is_empty()).then(|| view! {
            <ul class="chips" data-section="labels">
                {labels.into_iter().map(|l| {
                    let class = tlp_class(&l.name);
                    let title = l.description.clone().unwrap_or_default();
                    view! { <li class=class title=title>{escape_controls(&l.name).into_owned()}{controls(edit, Control::Remove("label", l.name))}</li> }
                }).collect_view()}
            </ul>
        })}
    }
}

/// Attribute values longer than this are collapsed behind a "show all".
const LONG_VALUE: usize = 280;

/// Attributes; with an editor, each with its pencil and delete, and a row to add one.
#[component]
pub fn AttributeList(attributes: Vec<Attribute>, edit: Option<Editor>) -> impl IntoView {
    view! {
        {(!attributes.is_empty()).then(|| view! { <dl class="attributes" data-section="attributes">
            {attributes.into_iter().map(|a| {
                let long = a.value.chars().count() > LONG_VALUE;
                let short: String = a.value.chars().take(LONG_VALUE).collect();
                let labels = a.security_labels.clone();
                let tools = a.clone();
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
                            // A date attribute ("First Seen") reads as the item's own dates do.
                            view! { <div class="attribute-value"><TimeText value=a.value /></div> }.into_any()
                        }}
                        {(!labels.is_empty()).then(|| view! { <LabelList labels edit=None /> })}
                        {controls(edit, Control::Attribute(tools))}
                    </dd>
                }
            }).collect_view()}
        </dl> })}
        {controls(edit, Control::AttributeAdd)}
    }
}

/// The description and the tags, on the overview (the tags show for editing even when there is none).
pub fn item_extra(description: Option<String>, tags: Vec<Tag>, edit: Option<Editor>) -> impl IntoView {
    dynamic(move || {
        let tagged = !tags.is_empty() || editing(edit);
        (description.is_some() || tagged).then(|| {
            view! {
                <section class="card item-extra" data-tab="overview">
                    {description.clone().map(|d| view! { <p class="description">{d}</p> })}
                    {tagged.then(|| view! { <h2>"Tags"</h2><TagList tags=tags.clone() edit /> })}
                </section>
            }
            .into_any()
        })
    })
}

/// The attributes card (shown for editing even when there is none).
pub fn attributes_card(attributes: Vec<Attribute>, edit: Option<Editor>) -> impl IntoView {
    dynamic(move || {
        (!attributes.is_empty() || editing(edit)).then(|| {
            view! { <section class="card" data-section="attributes-card" data-tab="details"><h2>"Attributes"</h2><AttributeList attributes=attributes.clone() edit /></section> }
                .into_any()
        })
    })
}

//! Write-back: tags, security labels, attributes, rating and confidence,
//! false positives, observations, group associations. Shown only when the
//! app's `allowWriteBack` param is on and the owner is writable (Sources are
//! read-only). One request at a time: controls are disabled while it runs;
//! afterwards the panel is reloaded so it shows what the server has.

use leptos::prelude::*;

use super::api::{ApiHandle, ApiResource, Loaded};
use pivot_text::escape::{dialog_name, escape_controls};
use threatconnect::types::GROUP_TYPES;
use threatconnect::writes::{self, Via, Write};
use threatconnect::{tql, Attribute, Collection, Group, GroupType, ItemRef, Mode, Owner, SecurityLabel, Tag};

/// What puts a removal back: offered in the page after it (no browser dialog before it).
#[derive(Clone, Debug, PartialEq)]
pub enum Undo {
    Tag(String),
    Label(String),
    /// An attribute's type and value.
    Attribute(String, String),
    Group(GroupType, i64),
}

/// The last write: its result, where it was made (its error sits beside that field) and how to undo it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub result: Result<String, String>,
    /// The `data-wb` row it came from.
    pub row: &'static str,
    pub undo: Option<Undo>,
}

const TLP_LABELS: [&str; 4] = ["TLP:WHITE", "TLP:GREEN", "TLP:AMBER", "TLP:RED"];

/// What the write-back card acts on: how writes reach the item, and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Writable {
    /// By the item's v3 id, or by its v2 path (see `threatconnect::writes`).
    pub via: Via,
    pub owner: String,
    pub tags: Vec<Tag>,
    pub labels: Vec<SecurityLabel>,
    pub attributes: Vec<Attribute>,
    pub groups: Vec<Group>,
    pub rating: Option<f64>,
    pub confidence: Option<f64>,
}

impl Writable {
    fn is_indicator(&self) -> bool {
        match &self.via {
            Via::V3(c, _) => *c == Collection::Indicators,
            Via::V2(item) => matches!(item, ItemRef::Indicator { .. }),
        }
    }
}

/// Whether the owner accepts writes: Sources are read-only feeds.
pub fn owner_writable(owners: &[Owner], name: &str) -> bool {
    owners.iter().find(|o| o.name == name).map(|o| !o.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("Source"))).unwrap_or(false)
}

/// Destructive actions ask first (the browser's own dialog: keyboard-reachable, never HTML).
/// Questions that name something come from `display::*_question`: names escaped and cut.
pub fn confirm(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}

#[component]
pub fn WriteBack(
    api: ApiHandle,
    target: Writable,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    /// The last write's result. Owned by the panel: the panel's body (and this
    /// card) is rebuilt when it reloads after a write, the message must stay.
    outcome: RwSignal<Option<Outcome>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    if !api.with_value(|a| a.allow_write_back) {
        return ().into_any();
    }
    let target = StoredValue::new(target);
    let busy = RwSignal::new(false);

    // Runs one write. After a success the panel reloads, so it shows the
    // server's state; after a refusal nothing changed: what was typed stays,
    // and the server's words sit beside the field.
    let run = move |write: Write, done: String, undo: Option<Undo>, row: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        outcome.set(None);
        let client = api.with_value(|a| a.client.clone());
        let write = target.with_value(|t| writes::prepare(&t.via, &t.owner, write));
        leptos::task::spawn_local(async move {
            let result = client.send_write(write).await;
            busy.set(false);
            let ok = result.is_ok();
            outcome.set(Some(Outcome { result: result.map(|_| done).map_err(|e| e.to_string()), row, undo: undo.filter(|_| ok) }));
            if ok {
                on_changed.run(());
            }
        });
    };
    let refuse = move |row: &'static str, why: &str| outcome.set(Some(Outcome { result: Err(why.to_owned()), row, undo: None }));
    // A refusal, beside the field it came from.
    let error_at = move |row: &'static str| {
        move || {
            outcome
                .get()
                .filter(|o| o.row == row)
                .and_then(|o| o.result.err())
                .map(|e| view! { <p class="section-error writeback-error" role="alert">{e}</p> })
        }
    };
    let undo = move |u: Undo| match u {
        Undo::Tag(n) => run(Write::Tag(&n, Mode::Append), format!("Put back tag {}", dialog_name(&n)), None, "tags"),
        Undo::Label(n) => run(Write::Label(&n, Mode::Append), format!("Put back label {}", dialog_name(&n)), None, "labels"),
        Undo::Attribute(t, v) => run(Write::AddAttribute(&t, &v), format!("Put back {} attribute", dialog_name(&t)), None, "attributes"),
        Undo::Group(kind, id) => {
            run(Write::Group(kind, id, Mode::Append), format!("Associated again with {} {id}", kind.type_name()), None, "associations")
        }
    };

    let writable = move || match owners.get() {
        Some(Ok(list)) => Some(target.with_value(|t| owner_writable(&list, &t.owner))),
        Some(Err(_)) => Some(false),
        None => None,
    };

    let new_tag = RwSignal::new(String::new());
    let new_label = RwSignal::new(TLP_LABELS[1].to_owned());
    let attr_type = RwSignal::new(String::new());
    // The instance's attribute types, asked when the type box is first used.
    let attr_types = RwSignal::new(Vec::<String>::new());
    let load_attr_types = move |_| {
        if !attr_types.get_untracked().is_empty() {
            return;
        }
        let client = api.with_value(|a| a.client.clone());
        leptos::task::spawn_local(async move {
            if let Ok(list) = client.v3_attribute_types_as_sent().await {
                // In the API's order (a sort would add its code to the first load for a pick-list).
                attr_types.set(list.iter().filter_map(|t| t.get("name")?.as_str().map(|n| escape_controls(n).into_owned())).collect());
            }
        });
    };
    // Groups found by name for "Associate with group".
    let found_groups = RwSignal::new(None::<Result<Vec<Group>, String>>);
    let attr_value = RwSignal::new(String::new());
    let rating = RwSignal::new(target.with_value(|t| t.rating.map(|r| r.round() as i64).unwrap_or(0)).to_string());
    let confidence = RwSignal::new(target.with_value(|t| t.confidence.map(|c| c.round() as i64).unwrap_or(0)).to_string());
    let assoc_type = RwSignal::new(GroupType::Incident.type_name().to_owned());
    let assoc_id = RwSignal::new(String::new());

    view! {
        {move || match writable() {
            None => ().into_any(),
            Some(false) => view! {
                <section class="card writeback" data-section="writeback" data-tab="details">
                    <p class="empty">"This owner is read-only: nothing can be written back to it."</p>
                </section>
            }.into_any(),
            Some(true) => view! {
                <section class="card writeback" data-section="writeback" data-tab="details" aria-busy=move || busy.get().to_string()>
                    <h2>"Write back"</h2>
                    {move || outcome.get().and_then(|o| {
                        let done = o.result.ok()?;
                        let again = o.undo;
                        Some(view! { <p class="writeback-ok-line"><span class="writeback-ok" role="status">{done}</span>
                            {again.map(|u| view! { " " <button class="wb-undo" on:click=move |_| undo(u.clone())>"Undo"</button> })}</p> })
                    })}
                    <fieldset disabled=move || busy.get()>
                        <div class="wb-row" data-wb="tags">
                            <span class="wb-label">"Tags"</span>
                            {target.with_value(|t| t.tags.clone()).into_iter().map(|tag| {
                                let name = escape_controls(&tag.name).into_owned();
                                view! { <button class="chip removable" aria-label=format!("Remove tag {name}") on:click=move |_| {
                                    run(Write::Tag(&tag.name, Mode::Delete), format!("Removed tag {}", dialog_name(&tag.name)), Some(Undo::Tag(tag.name.clone())), "tags");
                                }>{name.clone()}" ×"</button> }
                            }).collect_view()}
                            <input class="wb-tag" aria-label="New tag" placeholder="New tag" prop:value=move || new_tag.get()
                                on:input=move |ev| new_tag.set(event_target_value(&ev)) />
                            <button class="wb-add-tag" on:click=move |_| {
                                let name = new_tag.get_untracked().trim().to_owned();
                                if !name.is_empty() { run(Write::Tag(&name, Mode::Append), format!("Added tag {}", dialog_name(&name)), None, "tags"); }
                            }>"Add tag"</button>
                            {error_at("tags")}
                        </div>
                        <div class="wb-row" data-wb="labels">
                            <span class="wb-label">"Security labels"</span>
                            {target.with_value(|t| t.labels.clone()).into_iter().map(|l| {
                                let name = escape_controls(&l.name).into_owned();
                                view! { <button class="chip removable" aria-label=format!("Remove label {name}") on:click=move |_| {
                                    run(Write::Label(&l.name, Mode::Delete), format!("Removed label {}", dialog_name(&l.name)), Some(Undo::Label(l.name.clone())), "labels");
                                }>{name.clone()}" ×"</button> }
                            }).collect_view()}
                            <select class="wb-label-choice" aria-label="Security label" on:change=move |ev| new_label.set(event_target_value(&ev))>
                                {TLP_LABELS.iter().map(|l| view! { <option value=*l selected=*l == TLP_LABELS[1]>{*l}</option> }).collect_view()}
                            </select>
                            <button class="wb-add-label" on:click=move |_| {
                                let name = new_label.get_untracked();
                                run(Write::Label(&name, Mode::Append), format!("Added label {}", dialog_name(&name)), None, "labels");
                            }>"Add label"</button>
                            {error_at("labels")}
                        </div>
                        <div class="wb-row" data-wb="attributes">
                            <span class="wb-label">"Attributes"</span>
                            <ul class="wb-attributes">
                                {target.with_value(|t| t.attributes.clone()).into_iter().map(|a| view! { <AttributeEditor a run /> }).collect_view()}
                            </ul>
                            <input class="wb-attr-type" aria-label="Attribute type" placeholder="Type" list="wb-attr-types" prop:value=move || attr_type.get()
                                on:focus=load_attr_types on:input=move |ev| attr_type.set(event_target_value(&ev)) />
                            <datalist id="wb-attr-types">{move || attr_types.get().into_iter().map(|n| view! { <option value=n></option> }).collect_view()}</datalist>
                            <input class="wb-attr-value" aria-label="Attribute value" placeholder="Value" prop:value=move || attr_value.get() on:input=move |ev| attr_value.set(event_target_value(&ev)) />
                            <button class="wb-add-attr" on:click=move |_| {
                                let (t, v) = (attr_type.get_untracked(), attr_value.get_untracked());
                                if t.trim().is_empty() || v.trim().is_empty() {
                                    refuse("attributes", "Give the attribute's type and value.");
                                } else {
                                    run(Write::AddAttribute(t.trim(), &v), format!("Added {} attribute", dialog_name(t.trim())), None, "attributes");
                                }
                            }>"Add attribute"</button>
                            {error_at("attributes")}
                        </div>
                        {target.with_value(|t| t.is_indicator()).then(|| view! {
                            <div class="wb-row" data-wb="rating">
                                <label>"Rating "<select class="wb-rating" on:change=move |ev| rating.set(event_target_value(&ev))>
                                    {(0..=5).map(|r| view! { <option value=r.to_string() selected=move || rating.get() == r.to_string()>{r.to_string()}</option> }).collect_view()}
                                </select></label>
                                <label>"Confidence "<input class="wb-confidence" type="number" min="0" max="100" prop:value=move || confidence.get()
                                    on:input=move |ev| confidence.set(event_target_value(&ev)) /></label>
                                <button class="wb-save-rating" on:click=move |_| {
                                    match (rating.get_untracked().parse::<u8>(), confidence.get_untracked().parse::<u8>()) {
                                        (Ok(r), Ok(c)) if r <= 5 && c <= 100 => {
                                            let body = serde_json::json!({"rating": r, "confidence": c});
                                            run(Write::Rating(&body), format!("Saved rating {r} and confidence {c}"), None, "rating");
                                        }
                                        _ => refuse("rating", "Rating must be 0 to 5 and confidence 0 to 100."),
                                    }
                                }>"Save rating"</button>
                                {error_at("rating")}
                            </div>
                            <div class="wb-row" data-wb="reports">
                                <button class="wb-false-positive" on:click=move |_| {
                                    if confirm("Report this indicator as a false positive?") { run(Write::FalsePositive, "Reported a false positive".into(), None, "reports"); }
                                }>"Report false positive"</button>
                                <button class="wb-observation" on:click=move |_| run(Write::Observation, "Reported an observation".into(), None, "reports")>"Report observation"</button>
                                {error_at("reports")}
                            </div>
                        })}
                        <div class="wb-row" data-wb="associations">
                            <span class="wb-label">"Associate with group"</span>
                            <select class="wb-assoc-type" aria-label="Group type" on:change=move |ev| assoc_type.set(event_target_value(&ev))>
                                {GROUP_TYPES.iter().map(|g| view! { <option value=g.type_name() selected=*g == GroupType::Incident>{g.type_name()}</option> }).collect_view()}
                            </select>
                            <input class="wb-assoc-id" aria-label="Group name or id" placeholder="Group name or id" prop:value=move || assoc_id.get()
                                on:input=move |ev| assoc_id.set(event_target_value(&ev)) />
                            <button class="wb-associate" on:click=move |_| {
                                let text = assoc_id.get_untracked().trim().to_owned();
                                match (GroupType::from_name(&assoc_type.get_untracked()), text.parse::<i64>()) {
                                    (Some(kind), Ok(id)) if id > 0 => {
                                        run(Write::Group(kind, id, Mode::Append), format!("Associated with {} {id}", kind.type_name()), None, "associations");
                                    }
                                    // A name: the groups of that type whose name contains it, to pick from.
                                    (Some(kind), _) if !text.is_empty() => {
                                        let client = api.with_value(|a| a.client.clone());
                                        let q = format!("typeName = {} and name contains {}", tql::quote(kind.type_name()), tql::quote(&text));
                                        found_groups.set(None);
                                        leptos::task::spawn_local(async move {
                                            let r = client.search(Collection::Groups, &q, 0, 10, false, Group::read).await;
                                            found_groups.set(Some(r.map(|p| p.items.clone()).map_err(|e| e.to_string())));
                                        });
                                    }
                                    _ => refuse("associations", "Give the group's name or id."),
                                }
                            }>"Associate"</button>
                            {error_at("associations")}
                            {move || found_groups.get().map(|r| match r {
                                Err(e) => view! { <p class="section-error writeback-error" role="alert">{e}</p> }.into_any(),
                                Ok(list) if list.is_empty() => view! { <p class="empty">"No group of that type has that name."</p> }.into_any(),
                                Ok(list) => view! {
                                    <ul class="wb-found">
                                        {list.into_iter().filter_map(|g| {
                                            let kind = g.group_type()?;
                                            let name = escape_controls(&g.name).into_owned();
                                            Some(view! { <li><button class="wb-associate-found" on:click=move |_| {
                                                found_groups.set(None);
                                                run(Write::Group(kind, g.id, Mode::Append), format!("Associated with {}", dialog_name(&g.name)), None, "associations");
                                            }>{format!("{}: {name}", kind.type_name())}</button>" "<span class="assoc-owner">{g.owner.name.clone()}</span></li> })
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                            })}
                            <ul class="wb-groups">
                                {target.with_value(|t| t.groups.clone()).into_iter().filter_map(|g| {
                                    let kind = g.group_type()?;
                                    let label = format!("{}: {}", escape_controls(&g.type_name), escape_controls(&g.name));
                                    Some(view! { <li>{label.clone()}" "<button class="wb-dissociate" aria-label=format!("Dissociate {label}") on:click=move |_| {
                                        run(Write::Group(kind, g.id, Mode::Delete), format!("Dissociated from {}", dialog_name(&g.name)), Some(Undo::Group(kind, g.id)), "associations");
                                    }>"Dissociate"</button></li> })
                                }).collect_view()}
                            </ul>
                        </div>
                    </fieldset>
                </section>
            }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn AttributeEditor<F>(a: Attribute, run: F) -> impl IntoView
where
    F: Fn(Write, String, Option<Undo>, &'static str) + Copy + Send + Sync + 'static,
{
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(a.value.clone());
    let (id, kind, original) = (a.id, a.attribute_type.clone(), a.value.clone());
    let kind2 = kind.clone();
    view! {
        <li class="wb-attribute" data-attr-id=id>
            <span class="wb-attr-name">{kind.clone()}</span>": "
            {move || if editing.get() {
                let kind = kind2.clone();
                view! {
                    <input class="wb-attr-edit" aria-label="Attribute value" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) />
                    <button class="wb-attr-save" on:click=move |_| { editing.set(false); run(Write::EditAttribute(id, &draft.get_untracked()), format!("Saved {} attribute", dialog_name(&kind)), None, "attributes"); }>"Save"</button>
                }.into_any()
            } else {
                view! {
                    <span class="wb-attr-value">{draft.get()}</span>
                    <button class="wb-attr-edit-start" on:click=move |_| editing.set(true)>"Edit"</button>
                }.into_any()
            }}
            <button class="wb-attr-delete" on:click=move |_| {
                run(Write::DeleteAttribute(id), format!("Deleted {} attribute", dialog_name(&kind)), Some(Undo::Attribute(kind.clone(), original.clone())), "attributes");
            }>"Delete"</button>
        </li>
    }
}

//! Editing where the data is: tags on the tags card, security labels, rating, confidence,
//! false positives and observations in the verdict header, attributes in place, groups
//! associated by name where the associations are. Controls show only when the app's
//! `allowWriteBack` param is on and the owner is writable (Sources are read-only feeds):
//! otherwise there is none at all. One write at a time per panel; after a success the panel
//! reloads, so it shows what the server has; after a refusal nothing changed: what was typed
//! stays and the server's words sit beside the field. A removal offers Undo in the page.

use leptos::prelude::*;

use super::api::{ApiClient, ApiHandle, ApiResource, Loaded};
use super::on_demand;
use pivot_text::escape::{dialog_name, escape_controls};
use threatconnect::types::GROUP_TYPES;
use threatconnect::writes::{self, Via, Write};
use threatconnect::{tql, Attribute, Collection, Group, GroupType, Mode, Owner};

/// What puts a removal back: offered in the page after it (no browser dialog before it).
#[derive(Clone, Debug, PartialEq)]
pub enum Undo {
    Tag(String),
    Label(String),
    /// An attribute's type and value.
    Attribute(String, String),
    Group(GroupType, i64),
}

/// Where a write was made, so its result sits beside that field: the control's name
/// (`tag`, `label`, `attribute`, `rating`, `report`, `group`) and, for one attribute's
/// own value, that attribute's id (else 0).
pub type Row = (&'static str, i64);

/// The last write: its result, where it was made and how to undo it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub result: Result<String, String>,
    pub row: Row,
    pub undo: Option<Undo>,
}

const TLP_LABELS: [&str; 4] = ["TLP:WHITE", "TLP:GREEN", "TLP:AMBER", "TLP:RED"];

/// A panel's writes: the last outcome and whether one is running. Owned by the panel:
/// its header and body are rebuilt when it reloads after a write, the message must stay.
#[derive(Clone, Copy)]
pub struct Edits {
    outcome: RwSignal<Option<Outcome>>,
    busy: RwSignal<bool>,
    /// Whether the header's editing controls are open (they stay open across the reload).
    open: RwSignal<bool>,
}

pub fn edits() -> Edits {
    Edits { outcome: RwSignal::new(None), busy: RwSignal::new(false), open: RwSignal::new(false) }
}

/// What the controls of one item share.
#[derive(Clone, Copy)]
pub struct Editor {
    api: ApiHandle,
    /// How writes reach the item (v3 id or v2 path), its owner, its ThreatConnect type name.
    item: StoredValue<(Via, String, String)>,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    edits: Edits,
    on_changed: Callback<()>,
}

/// Whether the owner accepts writes: Sources are read-only feeds.
pub fn owner_writable(owners: &[Owner], name: &str) -> bool {
    owners.iter().find(|o| o.name == name).map(|o| !o.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("Source"))).unwrap_or(false)
}

/// Destructive actions that cannot be undone ask first (the browser's own dialog:
/// keyboard-reachable, never HTML). Questions that name something come from
/// `display::*_question`: names escaped and cut.
pub fn confirm(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}

impl Editor {
    /// The item's editor when write-back is on and the item can be addressed (`None`: no control).
    pub fn new(
        api: ApiHandle,
        owners: ApiResource<Loaded<Vec<Owner>>>,
        edits: Edits,
        on_changed: Callback<()>,
        via: Option<Via>,
        owner: &str,
        item_type: &str,
    ) -> Option<Editor> {
        let item = StoredValue::new((via?, owner.to_owned(), item_type.to_owned()));
        api.with_value(|a| a.allow_write_back).then_some(Editor { api, item, owners, edits, on_changed })
    }

    /// Whether controls show: the owner takes writes (known once the owners are).
    fn on(self) -> bool {
        matches!(self.owners.get(), Some(Ok(list)) if self.item.with_value(|(_, owner, _)| owner_writable(&list, owner)))
    }

    fn client(self) -> std::rc::Rc<ApiClient> {
        self.api.with_value(|a| a.client.clone())
    }

    /// Runs one write, unless one is running; its result goes beside `row`.
    fn run(self, write: Write, done: String, undo: Option<Undo>, row: Row) {
        if self.edits.busy.get_untracked() {
            return;
        }
        self.edits.busy.set(true);
        self.edits.outcome.set(None);
        // A header write's result (and a label's Undo) sits in the header's controls: open them.
        // (Set only when closed: setting it again would rebuild them and lose what was typed.)
        if matches!(row.0, "label" | "rating" | "report") && !self.edits.open.get_untracked() {
            self.edits.open.set(true);
        }
        let client = self.client();
        let write = self.item.with_value(|(via, owner, _)| writes::prepare(via, owner, write));
        let Edits { outcome, busy, .. } = self.edits;
        let on_changed = self.on_changed;
        leptos::task::spawn_local(async move {
            let result = client.send_write(write).await;
            busy.set(false);
            let ok = result.is_ok();
            outcome.set(Some(Outcome { result: result.map(|_| done).map_err(|e| e.to_string()), row, undo: undo.filter(|_| ok) }));
            if ok {
                on_changed.run(());
            }
        });
    }

    fn refuse(self, row: Row, why: &str) {
        self.edits.outcome.set(Some(Outcome { result: Err(why.to_owned()), row, undo: None }));
    }

    fn undo(self, u: Undo) {
        // Beside the same field as the removal it undoes, which named what it was.
        let (write, row) = match &u {
            Undo::Tag(n) => (Write::Tag(n, Mode::Append), "tag"),
            Undo::Label(n) => (Write::Label(n, Mode::Append), "label"),
            Undo::Attribute(t, v) => (Write::AddAttribute(t, v), "attribute"),
            Undo::Group(kind, id) => (Write::Group(*kind, *id, Mode::Append), "group"),
        };
        self.run(write, "Undone".into(), None, (row, 0));
    }

    /// The last write's result beside the field it came from: the server's words when it
    /// refused, what was done (and Undo, after a removal) when it took.
    fn status(self, row: Row) -> impl IntoView {
        dynamic(move || {
            let o = self.edits.outcome.get().filter(|o| o.row == row)?;
            Some(match o.result {
                Err(e) => view! { <span class="section-error writeback-error" role="alert">{e}</span> }.into_any(),
                Ok(done) => view! {
                    <span class="writeback-ok-line"><span class="writeback-ok" role="status">{done}</span>
                        {o.undo.map(|u| view! { " " <button class="wb-undo" on:click=move |_| self.undo(u.clone())>"Undo"</button> })}</span>
                }
                .into_any(),
            })
        })
    }
}

/// One place's editing controls.
#[derive(Clone)]
pub enum Control {
    /// The × that takes one tag or label (its kind, `tag` or `label`, and name) off the item.
    Remove(&'static str, String),
    /// The tags card's box that adds a tag.
    TagAdd,
    /// One attribute's pencil and delete.
    Attribute(Attribute),
    /// The attributes card's box that adds an attribute.
    AttributeAdd,
    /// The header's fold: labels and, for an indicator (its rating and confidence), the verdict.
    Header(Option<(Option<f64>, Option<f64>)>),
    /// The associations card's group search by name, and the item's groups to dissociate.
    Groups(Vec<Group>),
}

/// The controls of `control`, only while `edit` is on: none at all otherwise. Their code is
/// loaded on demand (`on_demand`): the first load carries none of it, and an analyst without
/// write-back never fetches it.
pub fn controls(edit: Option<Editor>, control: Control) -> impl IntoView {
    dynamic(move || Some(on_demand::show("editing controls", &EDIT, (edit.filter(|e| e.on())?, control.clone())).into_any()))
}

on_demand::part!(pub EDIT: (Editor, Control) = "edit", |(e, c)| edit_controls(e, c));

/// The controls themselves (a part loaded on demand: `on_demand`).
pub fn edit_controls(e: Editor, control: Control) -> AnyView {
    match control {
        Control::Remove(kind, name) => remove_chip(e, kind, name).into_any(),
        Control::TagAdd => tag_add(e).into_any(),
        Control::Attribute(a) => attribute_tools(e, a).into_any(),
        Control::AttributeAdd => attribute_add(e).into_any(),
        Control::Header(verdict) => header_edit(e, verdict).into_any(),
        Control::Groups(groups) => group_edit(e, groups).into_any(),
    }
}

/// A part shown or hidden as signals change. Every such part of the edit controls and the
/// cards they sit in goes through this one reactive view: each closure type would compile
/// its own copy of the rendering code into the first load.
pub fn dynamic(f: impl Fn() -> Option<AnyView> + Send + Sync + 'static) -> impl IntoView {
    reactive(std::sync::Arc::new(f))
}

fn reactive(f: std::sync::Arc<dyn Fn() -> Option<AnyView> + Send + Sync>) -> impl IntoView {
    move || f()
}

/// Whether `edit` shows controls (a card with nothing in it shows for them).
pub fn editing(edit: Option<Editor>) -> bool {
    edit.is_some_and(Editor::on)
}

/// The × that takes one tag or label (`kind`) off the item; Undo puts it back.
fn remove_chip(e: Editor, kind: &'static str, n: String) -> impl IntoView {
    view! { <button class="chip-x" aria-label=format!("Remove {kind} {}", escape_controls(&n)) on:click=move |_| {
        let (write, undo) = if kind == "tag" {
            (Write::Tag(&n, Mode::Delete), Undo::Tag(n.clone()))
        } else {
            (Write::Label(&n, Mode::Delete), Undo::Label(n.clone()))
        };
        e.run(write, format!("Removed {kind} {}", dialog_name(&n)), Some(undo), (kind, 0));
    }>"×"</button> }
}

/// A text box offering `names` (typed text allowed).
fn pick_list(id: &'static str, names: RwSignal<Vec<String>>) -> impl IntoView {
    view! { <datalist id=id>{dynamic(move || Some(names.get().into_iter().map(|n| view! { <option value=n></option> }).collect_view().into_any()))}</datalist> }
}

/// Add a tag: the existing tags whose names hold what is typed are offered as it is typed.
fn tag_add(e: Editor) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let names = RwSignal::new(Vec::new());
    let suggest = move |ev| {
        let typed = event_target_value(&ev);
        text.set(typed.clone());
        if typed.trim().is_empty() {
            return;
        }
        let client = e.client();
        leptos::task::spawn_local(async move {
            if let Ok(list) = client.tags_named(typed.trim(), 20).await {
                if text.get_untracked() == typed {
                    names.set(list.iter().map(|n| escape_controls(n).into_owned()).collect());
                }
            }
        });
    };
    view! {
        <div class="edit-row" data-wb="tags">
            <input class="wb-tag" aria-label="New tag" placeholder="Add a tag" list="wb-tag-names" prop:value=move || text.get() on:input=suggest />
            {pick_list("wb-tag-names", names)}
            <button class="wb-add-tag" on:click=move |_| {
                let name = text.get_untracked().trim().to_owned();
                if !name.is_empty() {
                    e.run(Write::Tag(&name, Mode::Append), format!("Added tag {}", dialog_name(&name)), None, ("tag", 0));
                }
            }>"Add tag"</button>
            {e.status(("tag", 0))}
        </div>
    }
}

/// Apply a TLP label.
fn label_add(e: Editor) -> impl IntoView {
    let label = RwSignal::new(TLP_LABELS[1].to_owned());
    view! {
        <div class="edit-row" data-wb="labels">
            <select class="wb-label-choice" aria-label="Security label" on:change=move |ev| label.set(event_target_value(&ev))>
                {TLP_LABELS.iter().map(|l| view! { <option value=*l selected=*l == TLP_LABELS[1]>{*l}</option> }).collect_view()}
            </select>
            <button class="wb-add-label" on:click=move |_| {
                let name = label.get_untracked();
                e.run(Write::Label(&name, Mode::Append), format!("Added label {}", dialog_name(&name)), None, ("label", 0));
            }>"Add label"</button>
            {e.status(("label", 0))}
        </div>
    }
}

/// One attribute's pencil (its value edited in place, its type fixed) and delete (with Undo).
fn attribute_tools(e: Editor, a: Attribute) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(a.value.clone());
    let (id, kind, original) = (a.id, StoredValue::new(a.attribute_type), StoredValue::new(a.value));
    let name = move || kind.with_value(|k| dialog_name(k));
    view! {
        <span class="wb-attribute" data-attr-id=id>
            // The pencil opens the value in a box, and closes it again (what was typed is kept).
            <button class="wb-attr-edit-start icon" title="Edit value" aria-label=format!("Edit {}", name()) aria-expanded=move || editing.get().to_string()
                on:click=move |_| editing.update(|x| *x = !*x)>"✎"</button>
            {dynamic(move || editing.get().then(|| view! {
                <textarea class="wb-attr-edit" aria-label=format!("New value of {}", name()) prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                <button class="wb-attr-save" on:click=move |_| e.run(Write::EditAttribute(id, &draft.get_untracked()), format!("Saved {} attribute", name()), None, ("attribute", id))>"Save"</button>
            }.into_any()))}
            <button class="wb-attr-delete icon" title="Delete" aria-label=format!("Delete {}", name()) on:click=move |_| {
                let (t, v) = (kind.get_value(), original.get_value());
                e.run(Write::DeleteAttribute(id), format!("Deleted {} attribute", dialog_name(&t)), Some(Undo::Attribute(t, v)), ("attribute", 0));
            }>"×"</button>
            {e.status(("attribute", id))}
        </span>
    }
}

/// Add an attribute: its type from the instance's types that apply to this item's type.
fn attribute_add(e: Editor) -> impl IntoView {
    let (kind, value) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let types = RwSignal::new(Vec::new());
    // Asked when the type box is first used, in the API's order (a sort would add its code to the first load).
    let load_types = move |_| {
        if !types.get_untracked().is_empty() {
            return;
        }
        let (client, item_type) = (e.client(), e.item.with_value(|(_, _, t)| t.clone()));
        leptos::task::spawn_local(async move {
            if let Ok(list) = client.attribute_type_names_for(&item_type).await {
                types.set(list.iter().map(|n| escape_controls(n).into_owned()).collect());
            }
        });
    };
    view! {
        <div class="edit-row" data-wb="attributes">
            <input class="wb-attr-type" aria-label="Attribute type" placeholder="Type" list="wb-attr-types" prop:value=move || kind.get()
                on:focus=load_types on:input=move |ev| kind.set(event_target_value(&ev)) />
            {pick_list("wb-attr-types", types)}
            <input class="wb-attr-value" aria-label="Attribute value" placeholder="Value" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            <button class="wb-add-attr" on:click=move |_| {
                // An empty type or value goes too: the API's refusal says what is missing.
                let (t, v) = (kind.get_untracked(), value.get_untracked());
                e.run(Write::AddAttribute(t.trim(), &v), format!("Added {} attribute", dialog_name(t.trim())), None, ("attribute", 0));
            }>"Add attribute"</button>
            {e.status(("attribute", 0))}
        </div>
    }
}

/// The header's controls, folded under one line (the verdict stays first in a narrow
/// column): a label to apply and, for an indicator (`verdict`: its rating and confidence),
/// rating, confidence and the false positive and observation reports.
fn header_edit(e: Editor, verdict: Option<(Option<f64>, Option<f64>)>) -> impl IntoView {
    let label = if verdict.is_some() { "Edit labels, rating and reports" } else { "Edit labels" };
    disclosure(label, e.edits.open, move || {
        view! { {label_add(e)}{verdict.map(|(rating, confidence)| verdict_edit(e, rating, confidence))} }.into_any()
    })
}

/// A button that shows or hides what `body` makes (not rendered while hidden: no hidden control
/// takes the keyboard's focus).
fn disclosure(label: &'static str, open: RwSignal<bool>, body: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="disclosure">
            <button class="disclose" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>{label}</button>
            {dynamic(move || open.get().then(&body))}
        </div>
    }
}

/// An indicator's rating and confidence, and its false positive and observation reports.
fn verdict_edit(e: Editor, rating: Option<f64>, confidence: Option<f64>) -> impl IntoView {
    // The owner's own values (0 when it has none), as the API rounds them.
    let first = rating.map(|r| r.round() as i64).unwrap_or(0).to_string();
    let rating = RwSignal::new(first.clone());
    let confidence = RwSignal::new(confidence.map(|c| c.round() as i64).unwrap_or(0).to_string());
    view! {
        <div class="edit-row" data-wb="rating">
            <label>"Rating "<select class="wb-rating" on:change=move |ev| rating.set(event_target_value(&ev))>
                {["0", "1", "2", "3", "4", "5"].map(|r| view! { <option value=r selected=r == first>{r}</option> })}
            </select></label>
            <label>"Confidence "<input class="wb-confidence" type="number" min="0" max="100" prop:value=move || confidence.get()
                on:input=move |ev| confidence.set(event_target_value(&ev)) /></label>
            <button class="wb-save-rating" on:click=move |_| match (rating.get_untracked().parse::<u8>(), confidence.get_untracked().parse::<u8>()) {
                (Ok(r), Ok(c)) if r <= 5 && c <= 100 => {
                    let body = serde_json::json!({"rating": r, "confidence": c});
                    e.run(Write::Rating(&body), format!("Saved rating {r} and confidence {c}"), None, ("rating", 0));
                }
                _ => e.refuse(("rating", 0), "Rating must be 0 to 5 and confidence 0 to 100."),
            }>"Save rating"</button>
            {e.status(("rating", 0))}
        </div>
        <div class="edit-row" data-wb="reports">
            // Not a removal and nothing undoes it: the browser asks first.
            <button class="wb-false-positive" on:click=move |_| {
                if confirm("Report this indicator as a false positive?") {
                    e.run(Write::FalsePositive, "Reported a false positive".into(), None, ("report", 0));
                }
            }>"Report false positive"</button>
            <button class="wb-observation" on:click=move |_| e.run(Write::Observation, "Reported an observation".into(), None, ("report", 0))>"Report observation"</button>
            {e.status(("report", 0))}
        </div>
    }
}

/// Associate with a group found by name; dissociate the item's groups (with Undo).
fn group_edit(e: Editor, groups: Vec<Group>) -> impl IntoView {
    let kind = RwSignal::new(GroupType::Incident.type_name().to_owned());
    let name = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<Group>, String>>);
    // The groups of the chosen type whose names hold the text (both quoted in TQL), to pick from.
    let find = move |_| {
        let q = format!("typeName = {} and name contains {}", tql::quote(&kind.get_untracked()), tql::quote(name.get_untracked().trim()));
        let client = e.client();
        found.set(None);
        leptos::task::spawn_local(async move {
            let r = client.search(Collection::Groups, &q, 0, 10, false, Group::read).await;
            found.set(Some(r.map(|p| p.items.clone()).map_err(|e| e.to_string())));
        });
    };
    let listed = move |list: Vec<Group>, class: &'static str, verb: &'static str, done: &'static str, mode: Mode| {
        list.into_iter()
            .filter_map(|g| {
                let kind = g.group_type()?;
                let label = format!("{}: {}", kind.type_name(), escape_controls(&g.name));
                Some(view! { <li><button class=class aria-label=format!("{verb} {label}") on:click=move |_| {
                    found.set(None);
                    let undo = matches!(mode, Mode::Delete).then_some(Undo::Group(kind, g.id));
                    e.run(Write::Group(kind, g.id, mode), format!("{done} {}", dialog_name(&g.name)), undo, ("group", 0));
                }>{label.clone()}</button>" "<span class="assoc-owner">{g.owner.name.clone()}</span></li> })
            })
            .collect_view()
    };
    view! {
        <div class="edit-row assoc-edit" data-wb="associations">
            <select class="wb-assoc-type" aria-label="Group type" on:change=move |ev| kind.set(event_target_value(&ev))>
                {GROUP_TYPES.iter().map(|g| view! { <option value=g.type_name() selected=*g == GroupType::Incident>{g.type_name()}</option> }).collect_view()}
            </select>
            <input class="wb-assoc-name" aria-label="Group name" placeholder="Group name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <button class="wb-associate" on:click=find>"Find group"</button>
            {e.status(("group", 0))}
            {dynamic(move || found.get().map(|r| match r.and_then(|l| if l.is_empty() { Err("No group of that type has that name.".into()) } else { Ok(l) }) {
                Err(e) => view! { <p class="section-error writeback-error" role="alert">{e}</p> }.into_any(),
                Ok(list) => view! { <ul class="wb-found">{listed(list, "wb-associate-found", "Associate", "Associated with", Mode::Append)}</ul> }.into_any(),
            }))}
            {(!groups.is_empty()).then(|| {
                let groups = StoredValue::new(groups);
                let list = move || view! { <ul class="wb-groups">{listed(groups.get_value(), "wb-dissociate", "Dissociate", "Dissociated from", Mode::Delete)}</ul> }.into_any();
                disclosure("Dissociate…", RwSignal::new(false), list)
            })}
        </div>
    }
}

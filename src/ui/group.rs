//! The group panel: the group, its type's own fields, metadata and both
//! association lists, all requested at the same moment.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiClient, ApiHandle, ApiResource, Loaded};
use super::associations::{assoc_query, Assoc, AssocCount, AssociationList};
use super::download::download_bytes;
use super::graph::{relation_graph, Graph};
use super::indicator::{PanelSkeleton, V2Load};
use super::metadata::{
    attributes_card, focus_title_after_pivot, item_extra, AssocPreview, EmptyLine, Facts, ItemTabs, LabelList, SkipToAssociations, TimeText,
};
use super::notices::{is_not_found, ErrorNotice};
use super::on_demand;
use super::writeback::{controls, edits, Control, Editor};
use crate::launch::SelectedItem;
use crate::trail::{publish_import_href, PageAction};
use pivot_text::escape::escape_controls;
use pivot_text::values::{document_file_name, present, safe_http_link, size_text};
use threatconnect::writes::Via;
use threatconnect::{load_group_panel_v2_fallback, load_group_panel_v3, ApiVersion, Collection, GroupPanel as Panel, GroupType, ItemRef, Owner};

/// Each group type's own fields, as v3 and v2 name them.
const TYPE_FIELDS: [&str; 22] = [
    "eventDate",
    "status",
    "firstSeen",
    "lastSeen",
    "publishDate",
    "fileName",
    "fileSize",
    "fileType",
    "subject",
    "from",
    "to",
    "header",
    "body",
    "score",
    "escalationDate",
    "reminderDate",
    "dueDate",
    "malware",
    "password",
    "signatureDate",
    "fileText",
    "documentType",
];

on_demand::part!(pub V2_GROUP: (Rc<ApiClient>, GroupType, i64) => V2Load<Panel> = "fallback-group", v2_group_panel);

/// The v2 fallback of a group panel (`V2_GROUP`).
pub fn v2_group_panel((client, kind, id): (Rc<ApiClient>, GroupType, i64)) -> V2Load<Panel> {
    Box::pin(async move { load_group_panel_v2_fallback(&client, kind, id).await })
}

#[component]
pub fn GroupPanel(
    api: ApiHandle,
    kind: GroupType,
    id: u64,
    owner: Option<String>,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    on_pivot: Callback<SelectedItem>,
) -> impl IntoView {
    let core = ApiResource::new(move || {
        let client = api.with_value(|a| a.client.clone());
        async move {
            let panel = match load_group_panel_v3(&client, id as i64).await {
                Ok(Some(p)) => Ok(p),
                // Without v3: the v2 fallback's code is loaded now (on_demand).
                Ok(None) => match on_demand::call(&V2_GROUP, (client, kind, id as i64)).await {
                    Some(fallback) => fallback.await,
                    None => Err(super::api::part_missing("the older API this instance offers")),
                },
                Err(e) => Err(e),
            };
            super::api::remember_v3_missing(api);
            loaded(panel)
        }
    });
    let edits = edits();
    let on_changed = Callback::new(move |_| core.refetch());
    let editor = move |p: &Panel| {
        let g = &p.group;
        let via = if p.source == ApiVersion::V3 { Via::V3(Collection::Groups, g.id) } else { Via::V2(ItemRef::group(kind, g.id)) };
        Editor::new(api, owners, edits, on_changed, Some(via), &g.owner.name, kind.type_name())
    };
    let state = move || match core.get() {
        Some(Ok(p)) if p.warnings.is_empty() => "complete",
        Some(Ok(_)) => "partial",
        Some(Err(_)) => "error",
        None => "loading",
    };
    // The breadcrumb names the group once its name is read.
    if let Some(trail) = use_context::<super::metadata::TrailContext>() {
        let item = SelectedItem::Group { kind, id, owner: owner.clone() };
        Effect::new(move |_| {
            if let Some(Ok(p)) = core.get() {
                trail.named.run((item.clone(), p.group.name.clone()));
            }
        });
    }
    let tab = super::metadata::item_tab();
    super::timing::mark_when_complete(state);
    focus_title_after_pivot();
    view! {
        <article class="panel group-panel" data-state=state data-tab=move || tab.get() data-api=move || match core.get() {
            Some(Ok(p)) => if p.source == ApiVersion::V3 { "v3" } else { "v2" },
            _ => "",
        }>
            <section class="card item-header" data-screen="item">
                <SkipToAssociations tab />
                <p class="item-type" data-field="type">{kind.type_name()}</p>
                <h1 class="item-value" id="item-title" tabindex="-1" data-field="value">{move || match core.get() {
                    Some(Ok(p)) => escape_controls(&p.group.name).into_owned(),
                    _ => format!("#{id}"),
                }}</h1>
                <p class="item-owner">"Owner: "<span data-field="owner">{move || match core.get() {
                    Some(Ok(p)) => p.group.owner.name.clone(),
                    _ => owner.clone().unwrap_or_else(|| "…".into()),
                }}</span></p>
                {move || core.get().and_then(Result::ok).map(|p| view! { <GroupVerdict api edit=editor(&p) panel=p kind /> })}
            </section>
            {move || match core.get() {
                None => view! { <PanelSkeleton /> }.into_any(),
                Some(Err(e)) if is_not_found(&e) => view! {
                    <section class="notice not-found" data-section="not-found" role="status">
                        <h2>"Not found"</h2>
                        <p>{format!("There is no {} #{id} you can see: it may have been deleted, or it is in an owner you have no access to.", kind.type_name())}</p>
                    </section>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| core.refetch()) /> }.into_any(),
                Some(Ok(p)) => view! { <GroupBody api edit=editor(&p) panel=p kind tab on_pivot on_changed /> }.into_any(),
            }}
        </article>
    }
}

/// The verdict, first: labels (TLP), the dates that matter, open and download.
#[component]
fn GroupVerdict(api: ApiHandle, panel: Rc<Panel>, edit: Option<Editor>, kind: GroupType) -> impl IntoView {
    let g = &panel.group;
    let link = g.web_link.as_deref().and_then(safe_http_link);
    // Escaped: the name goes to the browser as the download's file name. A Document
    // or Report offers its file only when it has one (a `fileSize`): a Report
    // without a file would answer the download with 404.
    let has_file = g.raw.get("fileSize").and_then(serde_json::Value::as_u64).is_some_and(|n| n > 0);
    let file_name = document_file_name(&g.raw).filter(|_| has_file && (kind == GroupType::Document || kind == GroupType::Report));
    let id = g.id;
    let labels = g.security_labels.clone();
    let key_fields: Vec<(String, String)> = present(&g.raw, &KEY_FIELDS);
    view! {
        <LabelList labels edit />
        {(!key_fields.is_empty()).then(|| view! {
            <dl class="verdict" data-section="verdict">
                {key_fields.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd><TimeText value=v /></dd></div> }).collect_view()}
            </dl>
        })}
        <div class="item-actions">
            {link.map(|href| view! { <a class="weblink" href=href target="_blank" rel="noopener noreferrer">"Open in ThreatConnect"</a> })}
            {file_name.map(|file_name| view! { <DocumentDownload api kind id file_name /> })}
        </div>
        {controls(edit, Control::Header(None))}
    }
}

/// The group fields that say where it stands, in the header as well as the details.
const KEY_FIELDS: [&str; 4] = ["eventDate", "status", "firstSeen", "lastSeen"];

#[component]
fn GroupBody(
    api: ApiHandle,
    panel: Rc<Panel>,
    kind: GroupType,
    edit: Option<Editor>,
    tab: RwSignal<&'static str>,
    on_pivot: Callback<SelectedItem>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let g = &panel.group;
    let mut facts = vec![("Owner".to_owned(), g.owner.name.clone())];
    facts.extend(present(&g.raw, &TYPE_FIELDS).into_iter().map(|(k, v)| {
        // Bytes as KB or MB.
        let v = if k == "File size" { v.parse::<u64>().map(size_text).unwrap_or(v) } else { v };
        (k, v)
    }));
    for (label, v) in [("Date added", &g.date_added), ("Last modified", &g.last_modified)] {
        if let Some(v) = v {
            facts.push((label.into(), v.clone()));
        }
    }
    let groups: Vec<Assoc> = g.associated_groups.iter().map(Assoc::from_group).collect();
    let indicators: Vec<Assoc> = panel.indicators.iter().map(Assoc::from_indicator).collect();
    let count = AssocCount {
        groups: Some(panel.group_count.unwrap_or(groups.len() as i64)),
        indicators: RwSignal::new(Some(panel.indicator_count.unwrap_or(indicators.len() as i64))),
    };
    let preview: Vec<Assoc> = groups.iter().take(PREVIEW).chain(indicators.iter().take(PREVIEW)).cloned().collect();
    let from_v3 = panel.source == ApiVersion::V3;
    let id = g.id;
    let publish_id = u64::try_from(g.id).unwrap_or_default();
    let mut empty = Vec::new();
    for (none, name) in [(g.tags.is_empty(), "tags"), (g.security_labels.is_empty(), "security labels"), (g.attributes.is_empty(), "attributes")] {
        if none {
            empty.push(name);
        }
    }
    let (description, tags, attributes, linked) = (g.description.clone(), g.tags.clone(), g.attributes.clone(), g.associated_groups.clone());
    view! {
        <ItemTabs tab count />
        {panel.warnings.iter().cloned().map(|w| view! { <ErrorNotice error=Rc::new(w) retry=on_changed /> }).collect_view()}
        {item_extra(description, tags, edit)}
        <AssocPreview rows=preview count tab on_pivot />
        // Groups first: a handful of groups says more than the first page of 10,000 indicators.
        <section class="card associations" id="associations" tabindex="-1" data-tab="associations">
            <AssociationList api title="Associated groups" section="associated-groups" first=groups.clone() total=panel.group_count
                query=from_v3.then(|| assoc_query(Collection::Groups, true, id)) on_pivot />
            {controls(edit, Control::Groups(linked))}
            <AssociationList api title="Associated indicators" section="associated-indicators" first=indicators.clone() total=panel.indicator_count
                query=from_v3.then(|| assoc_query(Collection::Indicators, true, id)) on_pivot />
        </section>
        <section class="card" data-tab="graph">
            <h2>"Relationships"</h2>
            {relation_graph(Graph { api, center_label: escape_controls(&g.name).into_owned(), center_is_group: true, groups, indicators, total: count, on_pivot })}
        </section>
        <section class="card" data-tab="details"><h2>"Details"</h2><Facts facts section="facts" /></section>
        {attributes_card(attributes, edit)}
        <EmptyLine names=empty />
        {api.with_value(|a| a.offers_sharing).then(|| {
            let back = SelectedItem::Group { kind, id: publish_id, owner: Some(g.owner.name.clone()) };
            view! {
                <section class="card share" data-section="publish" data-tab="details">
                    <h2>"Cross-Intel Sharing"</h2>
                    <p>"Publish this group with everything attached, for other ThreatConnect instances to import."</p>
                    <a class="share-open" href=publish_import_href(&PageAction::Publish { kind, id: publish_id }, Some(&back))>"Publish…"</a>
                </section>
            }
        })}
    }
}

/// Associations a narrow panel's overview shows of each kind.
const PREVIEW: usize = 5;

/// A document's file comes through the API (it needs the token), then is
/// handed to the browser as a download.
#[component]
fn DocumentDownload(api: ApiHandle, kind: GroupType, id: i64, file_name: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let name = StoredValue::new(file_name);
    let fetch = move |_| {
        busy.set(true);
        error.set(None);
        let client = api.with_value(|a| a.client.clone());
        // Read before the request: the panel may be gone when it answers.
        let file = name.get_value();
        leptos::task::spawn_local(async move {
            match client.download(kind, id).await {
                Ok(bytes) => download_bytes(&file, "application/octet-stream", &bytes),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <button class="download" disabled=move || busy.get() on:click=fetch>{move || format!("Download {}", name.get_value())}</button>
        {move || error.get().map(|e| view! { <span class="section-error" role="alert">{e}</span> })}
    }
}

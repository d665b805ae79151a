//! The group panel: the group, its type's own fields, metadata and both
//! association lists, all requested at the same moment.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiHandle, ApiResource, Loaded};
use super::associations::{assoc_query, Assoc, AssociationList};
use super::download::download_bytes;
use super::graph::RelationGraph;
use super::indicator::PanelSkeleton;
use super::metadata::{AttributeList, Facts, LabelList, TagList};
use super::notices::ErrorNotice;
use super::writeback::{Writable, WriteBack};
use crate::launch::SelectedItem;
use crate::trail::{publish_import_href, PageAction};
use pivot_text::values::{document_file_name, present, safe_http_link};
use threatconnect::writes::Via;
use threatconnect::{load_group_panel, ApiVersion, Collection, GroupPanel as Panel, GroupType, ItemRef, Owner};

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
            let panel = load_group_panel(&client, kind, id as i64).await;
            super::api::remember_v3_missing(api);
            loaded(panel)
        }
    });
    let write_outcome = RwSignal::new(None::<Result<String, String>>);
    let state = move || match core.get() {
        Some(Ok(p)) if p.warnings.is_empty() => "complete",
        Some(Ok(_)) => "partial",
        Some(Err(_)) => "error",
        None => "loading",
    };
    super::timing::mark_when_complete(state);
    view! {
        <article class="panel group-panel" data-state=state data-api=move || match core.get() {
            Some(Ok(p)) => if p.source == ApiVersion::V3 { "v3" } else { "v2" },
            _ => "",
        }>
            <section class="card item-header" data-screen="item">
                <p class="item-type" data-field="type">{kind.type_name()}</p>
                <h1 class="item-value" data-field="value">{move || match core.get() {
                    Some(Ok(p)) => p.group.name.clone(),
                    _ => format!("#{id}"),
                }}</h1>
                <p class="item-owner">"Owner: "<span data-field="owner">{move || match core.get() {
                    Some(Ok(p)) => p.group.owner.name.clone(),
                    _ => owner.clone().unwrap_or_else(|| "…".into()),
                }}</span></p>
            </section>
            {move || match core.get() {
                None => view! { <PanelSkeleton /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| core.refetch()) /> }.into_any(),
                Some(Ok(p)) => view! { <GroupBody api panel=p kind owners write_outcome on_pivot on_changed=Callback::new(move |_| core.refetch()) /> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn GroupBody(
    api: ApiHandle,
    panel: Rc<Panel>,
    kind: GroupType,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    write_outcome: RwSignal<Option<Result<String, String>>>,
    on_pivot: Callback<SelectedItem>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let g = &panel.group;
    let link = g.web_link.as_deref().and_then(safe_http_link);
    let mut facts = vec![("Owner".to_owned(), g.owner.name.clone())];
    facts.extend(present(&g.raw, &TYPE_FIELDS));
    for (label, v) in [("Date added", &g.date_added), ("Last modified", &g.last_modified)] {
        if let Some(v) = v {
            facts.push((label.into(), v.clone()));
        }
    }
    let groups: Vec<Assoc> = g.associated_groups.iter().map(Assoc::from_group).collect();
    let indicators: Vec<Assoc> = panel.indicators.iter().map(Assoc::from_indicator).collect();
    let from_v3 = panel.source == ApiVersion::V3;
    let id = g.id;
    let publish_id = u64::try_from(g.id).unwrap_or_default();
    // Escaped: the name goes to the browser as the download's file name.
    let file_name = document_file_name(&g.raw);
    let downloadable = kind == GroupType::Document || kind == GroupType::Report;
    let writable = Writable {
        via: if from_v3 { Via::V3(Collection::Groups, g.id) } else { Via::V2(ItemRef::group(kind, g.id)) },
        owner: g.owner.name.clone(),
        tags: g.tags.clone(),
        labels: g.security_labels.clone(),
        attributes: g.attributes.clone(),
        groups: g.associated_groups.clone(),
        rating: None,
        confidence: None,
    };
    view! {
        <section class="card item-extra">
            <div class="item-actions">
                {link.map(|href| view! { <a class="weblink" href=href target="_blank" rel="noopener noreferrer">"Open in ThreatConnect"</a> })}
                {(downloadable && file_name.is_some()).then(|| view! { <DocumentDownload api kind id file_name=file_name.clone().unwrap_or_default() /> })}
            </div>
            {g.description.clone().map(|d| view! { <p class="description">{d}</p> })}
        </section>
        {panel.warnings.iter().cloned().map(|w| view! { <ErrorNotice error=Rc::new(w) retry=on_changed /> }).collect_view()}
        <section class="card" data-section="facts"><Facts facts /></section>
        <section class="card"><h2>"Tags"</h2><TagList tags=g.tags.clone() /></section>
        <section class="card"><h2>"Security labels"</h2><LabelList labels=g.security_labels.clone() /></section>
        <section class="card"><h2>"Attributes"</h2><AttributeList attributes=g.attributes.clone() /></section>
        <section class="card">
            <h2>"Relationships"</h2>
            <RelationGraph api center_label=g.name.clone() center_is_group=true groups=groups.clone() indicators=indicators.clone()
                total=panel.indicator_count.zip(panel.group_count).map(|(a, b)| a + b).or(panel.indicator_count) on_pivot />
        </section>
        <section class="card">
            <AssociationList api title="Associated indicators" section="associated-indicators" first=indicators total=panel.indicator_count
                query=from_v3.then(|| assoc_query(Collection::Indicators, true, id)) on_pivot />
            <AssociationList api title="Associated groups" section="associated-groups" first=groups total=panel.group_count
                query=from_v3.then(|| assoc_query(Collection::Groups, true, id)) on_pivot />
        </section>
        <WriteBack api target=writable owners outcome=write_outcome on_changed />
        {api.with_value(|a| a.allow_write_back).then(|| {
            let back = SelectedItem::Group { kind, id: publish_id, owner: Some(g.owner.name.clone()) };
            view! {
                <section class="card share" data-section="publish">
                    <h2>"Cross-Intel Sharing"</h2>
                    <p>"Publish this group with everything attached, for other ThreatConnect instances to import."</p>
                    <a class="share-open" href=publish_import_href(&PageAction::Publish { kind, id: publish_id }, Some(&back))>"Publish…"</a>
                </section>
            }
        })}
    }
}

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

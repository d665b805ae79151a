//! The indicator panel: one core request (v3 `fields=` expansion) and, at the
//! same moment, the other owners of the same value. Each part loads and fails
//! on its own.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiClient, ApiHandle, ApiResource, Loaded};
use super::associations::{assoc_query, Assoc, AssocCount, AssociationList, PAGE};
use super::clipboard::{copy_and_report, CopyOutcome, CopyOutcomeNote};
use super::graph::{relation_graph, Graph};
use super::metadata::{
    attributes_card, focus_title_after_pivot, item_extra, AssocPreview, EmptyLine, Facts, ItemTabs, LabelList, SkipToAssociations, TimeText,
};
use super::notices::{is_not_found, ErrorNotice, Skeleton};
use super::on_demand;
use super::writeback::{controls, edits, Control, Editor};
use crate::launch::SelectedItem;
use crate::trail::triage_href;
use pivot_text::defang::defang;
use pivot_text::escape::escape_controls;
use pivot_text::messages::value_for_clipboard;
use pivot_text::values::{all_scalars, confidence_words, hash_label, indicator_shape, label_of, rating_words, safe_http_link, type_display, whole};
use threatconnect::panels::indicator_owners;
use threatconnect::writes::Via;
use threatconnect::{
    load_indicator_panel_v2_fallback, load_indicator_panel_v3, ApiVersion, Collection, IndicatorPanel as Panel, IndicatorRef, IndicatorType, Owner,
};

/// The v2 fallback's loading of an indicator panel: a part loaded on demand (most instances have v3).
pub type V2Load<P> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<P, threatconnect::Error>>>>;

on_demand::part!(pub V2_INDICATOR: (Rc<ApiClient>, IndicatorRef) => V2Load<Panel> = "fallback-indicator", v2_indicator_panel);

/// The v2 fallback of an indicator panel (`V2_INDICATOR`).
pub fn v2_indicator_panel((client, r): (Rc<ApiClient>, IndicatorRef)) -> V2Load<Panel> {
    Box::pin(async move { load_indicator_panel_v2_fallback(&client, &r).await })
}

#[component]
pub fn IndicatorPanel(
    api: ApiHandle,
    target: IndicatorRef,
    owners: ApiResource<Loaded<Vec<Owner>>>,
    on_pivot: Callback<SelectedItem>,
) -> impl IntoView {
    let target = StoredValue::new(target);
    // Other owners of the value need only its type and value: they leave with
    // the core, just before it, so their small answer is usually handled before
    // the core's render rather than after its layout and paint.
    let other_owners = ApiResource::new(move || {
        let client = api.with_value(|a| a.client.clone());
        let r = target.get_value();
        // Custom types too: their v2 branch comes from /v2/types/indicatorTypes.
        async move { Some(loaded(indicator_owners(&client, &r).await)) }
    });
    let core = ApiResource::new(move || {
        let client = api.with_value(|a| a.client.clone());
        let r = target.get_value();
        async move {
            let panel = match load_indicator_panel_v3(&client, &r).await {
                Ok(Some(p)) => Ok(p),
                // Without v3: the v2 fallback's code is loaded now (on_demand).
                Ok(None) => match on_demand::call(&V2_INDICATOR, (client, r)).await {
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
    // On v2, by the item's path as the panel resolved it (a custom type's from its apiBranch).
    let editor = move |p: &Panel| {
        let i = &p.indicator;
        let via = if p.source == ApiVersion::V3 { Some(Via::V3(Collection::Indicators, i.id)) } else { p.v2_item.clone().map(Via::V2) };
        Editor::new(api, owners, edits, on_changed, via, &i.owner.name, i.indicator_type.type_name())
    };
    let state = move || match (core.get(), other_owners.get()) {
        (Some(Ok(p)), Some(o)) => {
            if p.warnings.is_empty() && !matches!(o, Some(Err(_))) {
                "complete"
            } else {
                "partial"
            }
        }
        (Some(Err(_)), _) => "error",
        _ => "loading",
    };
    let tab = super::metadata::item_tab();
    super::timing::mark_when_complete(state);
    focus_title_after_pivot();
    let shown = target.with_value(|t| escape_controls(&defang(&t.indicator_type, &t.summary)).into_owned());
    let owner_named = move || target.with_value(|t| t.owner.clone()).unwrap_or_else(|| "your organization".into());
    // The other owners of the value: pivots, on the details and when the item is not in this owner.
    let others = move || -> AnyView {
        match other_owners.get() {
            None => view! { <Skeleton lines=1 /> }.into_any(),
            Some(None) => view! { <p class="empty">"Not available for this type"</p> }.into_any(),
            Some(Some(Err(e))) if is_not_found(&e) => view! { <p class="empty">"Not in any owner you can see"</p> }.into_any(),
            Some(Some(Err(e))) => view! { <ErrorNotice error=e retry=Callback::new(move |_| other_owners.refetch()) /> }.into_any(),
            Some(Some(Ok(list))) => {
                let here = target.with_value(|t| t.owner.clone());
                let summary = target.with_value(|t| t.summary.clone());
                let kind = target.with_value(|t| t.indicator_type.clone());
                let others: Vec<Owner> = list.iter().filter(|o| Some(&o.name) != here.as_ref()).cloned().collect();
                if others.is_empty() {
                    view! { <p class="empty">"Only in this owner"</p> }.into_any()
                } else {
                    // Every owner's copy side by side: the triage page, on the launch this tab kept.
                    let compare = triage_href(Some(&SelectedItem::Indicator { kind: kind.clone(), summary: summary.clone(), owner: None }));
                    view! {
                        <ul class="chips">
                            {others.into_iter().map(|o| {
                                let item = SelectedItem::Indicator { kind: kind.clone(), summary: summary.clone(), owner: Some(o.name.clone()) };
                                view! { <li><button class="chip pivot-link" on:click=move |_| on_pivot.run(item.clone())>{o.name}</button></li> }
                            }).collect_view()}
                        </ul>
                        <a class="compare-owners" href=compare>"Compare owners"</a>
                    }
                    .into_any()
                }
            }
        }
    };
    view! {
        <article class="panel indicator-panel" data-state=state data-tab=move || tab.get() data-api=move || match core.get() {
            Some(Ok(p)) => if p.source == ApiVersion::V3 { "v3" } else { "v2" },
            _ => "",
        }>
            <section class="card item-header" data-screen="item">
                <SkipToAssociations tab />
                <p class="item-type" data-field="type">{target.with_value(|t| type_display(t.indicator_type.type_name()).to_owned())}</p>
                <h1 class="item-value" id="item-title" tabindex="-1" data-field="value" title="Defanged: Copy value gives the raw value">{shown}</h1>
                <p class="item-owner">"Owner: "<span data-field="owner">{move || match core.get() {
                    Some(Ok(p)) => p.indicator.owner.name.clone(),
                    _ => owner_named(),
                }}</span></p>
                {move || core.get().and_then(Result::ok).map(|p| view! { <IndicatorVerdict edit=editor(&p) panel=p /> })}
            </section>
            {move || match core.get() {
                None => view! { <PanelSkeleton /> }.into_any(),
                // Not in this owner: say so, and where else the value is (no red error, no retry).
                Some(Err(e)) if is_not_found(&e) => view! {
                    <section class="notice not-found" data-section="not-found" role="status">
                        <h2>{format!("Not in {}", owner_named())}</h2>
                        <p>{format!("{} is not in {}, or you cannot see it there. Owners holding the same value:", target.with_value(|t| type_display(t.indicator_type.type_name()).to_owned()), owner_named())}</p>
                        {others()}
                    </section>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| core.refetch()) /> }.into_any(),
                Some(Ok(p)) => view! { <IndicatorBody api edit=editor(&p) panel=p tab on_pivot on_changed /> }.into_any(),
            }}
            // Not when the not-found notice already lists them.
            {move || (!matches!(core.get(), Some(Err(e)) if is_not_found(&e))).then(|| view! {
                <section class="card" data-section="owners" data-tab="details">
                    <h2>"In other owners"</h2>
                    {others}
                </section>
            })}
        </article>
    }
}

/// The verdict, first: TLP and other labels, the owner's rating and confidence in
/// ThreatConnect's words, ThreatAssess, false positives, observations, and the
/// value's copy and open actions (a file: one copy per hash).
#[component]
fn IndicatorVerdict(panel: Rc<Panel>, edit: Option<Editor>) -> impl IntoView {
    let i = &panel.indicator;
    let copied: CopyOutcome = RwSignal::new(None);
    let raw_value = i.summary.clone();
    let link = i.web_link.as_deref().and_then(safe_http_link);
    let mut verdict: Vec<(&str, String)> = Vec::new();
    if let Some(r) = i.rating {
        verdict.push(("Rating", rating_words(r)));
    }
    if let Some(c) = i.confidence {
        verdict.push(("Confidence", confidence_words(c)));
    }
    match (i.threat_assess_score, i.threat_assess_rating) {
        (Some(s), Some(r)) => verdict.push(("ThreatAssess", format!("{} · {}", whole(s), rating_words(r)))),
        (Some(s), None) => verdict.push(("ThreatAssess", whole(s))),
        (None, Some(r)) => verdict.push(("ThreatAssess", rating_words(r))),
        (None, None) => {}
    }
    let counted = [
        ("False positives", i.false_positive_count, i.false_positive_last_reported.clone()),
        ("Observations", i.observation_count, i.last_observed.clone()),
    ];
    let hashes: Vec<(String, String)> = if i.indicator_type == IndicatorType::File {
        ["md5", "sha1", "sha256"]
            .iter()
            .filter_map(|k| i.raw.get(*k).and_then(|v| v.as_str()).filter(|v| !v.is_empty()).map(|v| (hash_label(k), v.to_owned())))
            .collect()
    } else {
        Vec::new()
    };
    let is_file = !hashes.is_empty();
    let labels = i.security_labels.clone();
    let (rating, confidence) = (i.rating, i.confidence);
    view! {
        <LabelList labels edit />
        <dl class="verdict" data-section="verdict">
            {verdict.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
            {counted.into_iter().map(|(k, n, last)| view! {
                <div><dt>{k}</dt><dd>{n.unwrap_or(0).to_string()}{last.map(|l| view! { " · last " <TimeText value=l /> })}</dd></div>
            }).collect_view()}
        </dl>
        {is_file.then(|| view! {
            <dl class="facts hashes" data-section="hashes">
                {hashes.into_iter().map(|(k, v)| {
                    let label = format!("Copy {k}");
                    let shown = escape_controls(&v).into_owned();
                    view! { <dt>{k.clone()}</dt><dd><code class="hash">{shown}</code>" "
                        <button class="copy-hash" aria-label=label on:click=move |_| { let (text, status) = value_for_clipboard(&v); copy_and_report(text, status, copied) }>"Copy"</button></dd> }
                }).collect_view()}
            </dl>
        })}
        <div class="item-actions">
            // The raw value (what is shown is defanged), control characters as `\u{…}` escapes.
            {(!is_file).then(|| view! { <button class="copy" on:click=move |_| { let (text, status) = value_for_clipboard(&raw_value); copy_and_report(text, status, copied) }>"Copy value"</button> })}
            <CopyOutcomeNote outcome=copied />
            {link.map(|href| view! { <a class="weblink" href=href target="_blank" rel="noopener noreferrer">"Open in ThreatConnect"</a> })}
        </div>
        {controls(edit, Control::Header(Some((rating, confidence))))}
    }
}

#[component]
pub fn PanelSkeleton() -> impl IntoView {
    view! {
        <div class="card"><Skeleton lines=2 /></div>
        <div class="card"><Skeleton lines=5 /></div>
    }
}

#[component]
fn IndicatorBody(
    api: ApiHandle,
    panel: Rc<Panel>,
    edit: Option<Editor>,
    tab: RwSignal<&'static str>,
    on_pivot: Callback<SelectedItem>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let i = &panel.indicator;
    let mut facts = vec![("Owner".to_owned(), i.owner.name.clone())];
    for (label, v) in [("Date added", &i.date_added), ("Last modified", &i.last_modified)] {
        if let Some(v) = v {
            facts.push((label.into(), v.clone()));
        }
    }
    if let Some(a) = i.active {
        facts.push(("Active".into(), if a { "Yes" } else { "No" }.into()));
    }

    let network = matches!(i.indicator_type, IndicatorType::Host | IndicatorType::Address);
    let dns = panel.dns_resolutions.clone();
    let whois = i.raw.get("whoIs").map(whois_rows).unwrap_or_default();

    let groups: Vec<Assoc> = i.associated_groups.iter().map(Assoc::from_group).collect();
    let indicators: Vec<Assoc> = i.associated_indicators.iter().map(Assoc::from_indicator).collect();
    // Both kinds: the server's total, or those loaded when fewer than the page ThreatConnect
    // embeds. A full page says nothing of the rest: no number then (each list counts itself).
    let known = |n: usize, total: Option<i64>| total.or_else(|| (n < PAGE as usize).then_some(n as i64));
    // The indicators' total comes from their list when the panel's page was full.
    let count = AssocCount { groups: known(groups.len(), panel.group_count), indicators: RwSignal::new(known(indicators.len(), None)) };
    let preview: Vec<Assoc> = groups.iter().take(PREVIEW).chain(indicators.iter().take(PREVIEW)).cloned().collect();
    let from_v3 = panel.source == ApiVersion::V3;
    let id = i.id;
    let warnings = panel.warnings.clone();
    let mut empty = Vec::new();
    for (none, name) in [
        (i.tags.is_empty(), "tags"),
        (i.security_labels.is_empty(), "security labels"),
        (i.attributes.is_empty(), "attributes"),
        (network && dns.is_empty(), "DNS resolutions"),
        (network && whois.is_empty(), "WHOIS"),
    ] {
        if none {
            empty.push(name);
        }
    }
    let shown_value = escape_controls(&defang(&i.indicator_type, &i.summary)).into_owned();
    let (description, tags, attributes, linked) = (i.description.clone(), i.tags.clone(), i.attributes.clone(), i.associated_groups.clone());

    view! {
        <ItemTabs tab count />
        {warnings.into_iter().map(|w| view! { <ErrorNotice error=Rc::new(w) retry=on_changed /> }).collect_view()}
        {item_extra(description, tags, edit)}
        <AssocPreview rows=preview count tab on_pivot />
        <section class="card associations" id="associations" tabindex="-1" data-tab="associations">
            <AssociationList api title="Associated groups" section="associated-groups" first=groups.clone() total=panel.group_count
                query=from_v3.then(|| assoc_query(Collection::Groups, false, id)) on_pivot />
            {controls(edit, Control::Groups(linked))}
            <AssociationList api title="Associated indicators" section="associated-indicators" first=indicators.clone() total=None
                query=from_v3.then(|| assoc_query(Collection::Indicators, false, id)) on_pivot report_total=count.indicators />
        </section>
        <section class="card" data-tab="graph">
            <h2>"Relationships"</h2>
            {relation_graph(Graph { api, center_label: shown_value, center_is_group: false, groups, indicators, total: count, on_pivot })}
        </section>
        <section class="card" data-section="facts-card" data-tab="details"><h2>"Details"</h2><Facts facts section="facts" /></section>
        {attributes_card(attributes, edit)}
        {(network && !dns.is_empty()).then(|| view! {
            <section class="card" data-section="dns" data-tab="details">
                <h2>"DNS resolutions"</h2>
                <dl class="facts">
                    {dns.into_iter().map(|r| {
                        let when = r.resolution_date.clone().or_else(|| r.resolved.first().and_then(|i| i.date_added.clone())).unwrap_or_default();
                        view! {
                            <dt><TimeText value=when /></dt>
                            <dd>{r.resolved.iter().map(|x| {
                                let item = SelectedItem::Indicator { kind: x.indicator_type.clone(), summary: x.summary.clone(), owner: Some(x.owner.name.clone()) };
                                let shown = escape_controls(&defang(&x.indicator_type, &x.summary)).into_owned();
                                view! { <button class="pivot-link value" on:click=move |_| on_pivot.run(item.clone())>{shown}</button>" " }
                            }).collect_view()}</dd>
                        }
                    }).collect_view()}
                </dl>
            </section>
        })}
        {(network && !whois.is_empty()).then(|| view! {
            <section class="card" data-section="whois" data-tab="details">
                <h2>"WHOIS"</h2>
                <dl class="facts">
                    {whois.into_iter().map(|(k, v)| {
                        let kind = indicator_shape(&v).and_then(IndicatorType::from_base_name);
                        view! { <dt>{k}</dt><dd>{match kind {
                            // Addresses, host names and email addresses in WHOIS are pivots (in the default owner).
                            Some(kind) => {
                                let shown = escape_controls(&defang(&kind, &v)).into_owned();
                                let item = SelectedItem::Indicator { kind, summary: v, owner: None };
                                view! { <button class="pivot-link value" on:click=move |_| on_pivot.run(item.clone())>{shown}</button> }.into_any()
                            }
                            None => view! { <TimeText value=v /> }.into_any(),
                        }}</dd> }
                    }).collect_view()}
                </dl>
            </section>
        })}
        <EmptyLine names=empty />
    }
}

/// Associations a narrow panel's overview shows of each kind.
const PREVIEW: usize = 5;

/// WHOIS as label/value rows: every scalar, and each entry of a list of names (name servers).
fn whois_rows(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut rows = all_scalars(v);
    if let Some(o) = v.as_object() {
        for (k, list) in o.iter().filter_map(|(k, v)| Some((k, v.as_array()?))) {
            rows.extend(list.iter().filter_map(|x| x.as_str()).map(|x| (label_of(k), x.to_owned())));
        }
    }
    rows
}

//! The indicator panel: one core request (v3 `fields=` expansion) and, at the
//! same moment, the other owners of the same value. Each part loads and fails
//! on its own.

use std::rc::Rc;

use leptos::prelude::*;

use super::api::{loaded, ApiHandle, ApiResource, Loaded};
use super::associations::{assoc_query, group_by_type, Assoc, AssociationList};
use super::clipboard::{copy_and_report, CopyOutcome, CopyOutcomeNote};
use super::graph::RelationGraph;
use super::metadata::{AttributeList, Facts, LabelList, TagList};
use super::notices::{ErrorNotice, Skeleton};
use super::writeback::{Writable, WriteBack};
use crate::launch::SelectedItem;
use pivot_text::defang::defang;
use pivot_text::escape::escape_controls;
use pivot_text::messages::value_for_clipboard;
use pivot_text::values::{all_scalars, present, rating_stars, safe_http_link, whole};
use threatconnect::panels::indicator_owners;
use threatconnect::writes::Via;
use threatconnect::{load_indicator_panel, ApiVersion, Collection, DnsResolution, IndicatorPanel as Panel, IndicatorRef, IndicatorType, Owner};

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
            let panel = load_indicator_panel(&client, &r).await;
            super::api::remember_v3_missing(api);
            loaded(panel)
        }
    });

    let write_outcome = RwSignal::new(None::<Result<String, String>>);
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

    super::timing::mark_when_complete(state);
    view! {
        <article class="panel indicator-panel" data-state=state data-api=move || match core.get() {
            Some(Ok(p)) => if p.source == ApiVersion::V3 { "v3" } else { "v2" },
            _ => "",
        }>
            <section class="card item-header" data-screen="item">
                <p class="item-type" data-field="type">{target.with_value(|t| t.indicator_type.type_name().to_owned())}</p>
                <h1 class="item-value" data-field="value" title="Defanged: Copy value gives the raw value">
                    {target.with_value(|t| escape_controls(&defang(&t.indicator_type, &t.summary)).into_owned())}
                </h1>
                <p class="item-owner">"Owner: "<span data-field="owner">{move || match core.get() {
                    Some(Ok(p)) => p.indicator.owner.name.clone(),
                    _ => target.with_value(|t| t.owner.clone()).unwrap_or_else(|| "your organization".into()),
                }}</span></p>
            </section>
            {move || match core.get() {
                None => view! { <PanelSkeleton /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e retry=Callback::new(move |_| core.refetch()) /> }.into_any(),
                Some(Ok(p)) => view! { <IndicatorBody api panel=p owners write_outcome on_pivot on_changed=Callback::new(move |_| core.refetch()) /> }.into_any(),
            }}
            <section class="card" data-section="owners">
                <h2>"In other owners"</h2>
                {move || match other_owners.get() {
                    None => view! { <Skeleton lines=1 /> }.into_any(),
                    Some(None) => view! { <p class="empty">"Not available for this type"</p> }.into_any(),
                    Some(Some(Err(e))) => view! { <ErrorNotice error=e retry=Callback::new(move |_| other_owners.refetch()) /> }.into_any(),
                    Some(Some(Ok(list))) => {
                        let here = target.with_value(|t| t.owner.clone());
                        let summary = target.with_value(|t| t.summary.clone());
                        let kind = target.with_value(|t| t.indicator_type.clone());
                        let others: Vec<Owner> = list.iter().filter(|o| Some(&o.name) != here.as_ref()).cloned().collect();
                        if others.is_empty() {
                            view! { <p class="empty">"Only in this owner"</p> }.into_any()
                        } else {
                            view! {
                                <ul class="chips">
                                    {others.into_iter().map(|o| {
                                        let item = SelectedItem::Indicator { kind: kind.clone(), summary: summary.clone(), owner: Some(o.name.clone()) };
                                        view! { <li><button class="chip pivot-link" on:click=move |_| on_pivot.run(item.clone())>{o.name}</button></li> }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                }}
            </section>
        </article>
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
    owners: ApiResource<Loaded<Vec<Owner>>>,
    write_outcome: RwSignal<Option<Result<String, String>>>,
    on_pivot: Callback<SelectedItem>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let i = &panel.indicator;
    let raw_value = i.summary.clone();
    let copied: CopyOutcome = RwSignal::new(None);
    let link = i.web_link.as_deref().and_then(safe_http_link);
    let mut facts = vec![("Owner".to_owned(), i.owner.name.clone())];
    if let Some(r) = i.rating {
        facts.push(("Rating".into(), rating_stars(r)));
    }
    if let Some(c) = i.confidence {
        facts.push(("Confidence".into(), format!("{}%", whole(c))));
    }
    if let Some(s) = i.threat_assess_score {
        facts.push(("ThreatAssess score".into(), whole(s)));
    }
    if let Some(r) = i.threat_assess_rating {
        facts.push(("ThreatAssess rating".into(), rating_stars(r)));
    }
    for (label, v) in [("Date added", &i.date_added), ("Last modified", &i.last_modified)] {
        if let Some(v) = v {
            facts.push((label.into(), v.clone()));
        }
    }
    if let Some(a) = i.active {
        facts.push(("Active".into(), if a { "Yes" } else { "No" }.into()));
    }
    facts.push(("Observations".into(), observed(i.observation_count, i.last_observed.as_deref())));
    facts.push(("False positives".into(), observed(i.false_positive_count, i.false_positive_last_reported.as_deref())));

    let hashes = if i.indicator_type == IndicatorType::File { present(&i.raw, &["md5", "sha1", "sha256"]) } else { Vec::new() };
    let dns = dns_rows(&panel.dns_resolutions);
    let whois = i.raw.get("whoIs").map(all_scalars).unwrap_or_default();
    let network = matches!(i.indicator_type, IndicatorType::Host | IndicatorType::Address);

    let groups: Vec<Assoc> = i.associated_groups.iter().map(Assoc::from_group).collect();
    let indicators: Vec<Assoc> = i.associated_indicators.iter().map(Assoc::from_indicator).collect();
    let by_type = group_by_type(&groups);
    let from_v3 = panel.source == ApiVersion::V3;
    let id = i.id;
    let warnings = panel.warnings.clone();
    // On v2, by the item's path as the panel resolved it (a custom type's from its apiBranch).
    let via = if from_v3 { Some(Via::V3(Collection::Indicators, id)) } else { panel.v2_item.clone().map(Via::V2) };
    let writable = via.map(|via| Writable {
        via,
        owner: i.owner.name.clone(),
        tags: i.tags.clone(),
        labels: i.security_labels.clone(),
        attributes: i.attributes.clone(),
        groups: i.associated_groups.clone(),
        rating: i.rating,
        confidence: i.confidence,
    });

    view! {
        <section class="card item-extra">
            <div class="item-actions">
                // The raw value (what is shown is defanged), control characters as `\u{…}` escapes.
                <button class="copy" on:click=move |_| { let (text, status) = value_for_clipboard(&raw_value); copy_and_report(text, status, copied) }>"Copy value"</button>
                <CopyOutcomeNote outcome=copied />
                {link.map(|href| view! { <a class="weblink" href=href target="_blank" rel="noopener noreferrer">"Open in ThreatConnect"</a> })}
            </div>
            {i.description.clone().map(|d| view! { <p class="description">{d}</p> })}
        </section>
        {warnings.into_iter().map(|w| view! { <ErrorNotice error=Rc::new(w) retry=on_changed /> }).collect_view()}
        <section class="card" data-section="facts"><Facts facts /></section>
        {(!hashes.is_empty()).then(|| view! { <section class="card"><h2>"File hashes"</h2><Facts facts=hashes section="hashes" /></section> })}
        <section class="card"><h2>"Tags"</h2><TagList tags=i.tags.clone() /></section>
        <section class="card"><h2>"Security labels"</h2><LabelList labels=i.security_labels.clone() /></section>
        <section class="card"><h2>"Attributes"</h2><AttributeList attributes=i.attributes.clone() /></section>
        {network.then(|| view! {
            <section class="card" data-section="dns">
                <h2>"DNS resolutions"</h2>
                {if dns.is_empty() { view! { <p class="empty">"None recorded"</p> }.into_any() } else { view! { <Facts facts=dns /> }.into_any() }}
            </section>
            <section class="card" data-section="whois">
                <h2>"WHOIS"</h2>
                {if whois.is_empty() { view! { <p class="empty">"None recorded"</p> }.into_any() } else { view! { <Facts facts=whois /> }.into_any() }}
            </section>
        })}
        <section class="card">
            <h2>"Relationships"</h2>
            <RelationGraph api center_label=i.summary.clone() center_is_group=false groups=groups.clone() indicators=indicators.clone()
                total=panel.group_count.map(|g| g + i.associated_indicators.len() as i64) on_pivot />
        </section>
        <section class="card">
            <p class="group-types">
                {by_type.into_iter().map(|(t, n)| view! { <span class="chip">{t}" "{n}</span> }).collect_view()}
            </p>
            <AssociationList api title="Associated groups" section="associated-groups" first=groups total=panel.group_count
                query=from_v3.then(|| assoc_query(Collection::Groups, false, id)) on_pivot />
            <AssociationList api title="Associated indicators" section="associated-indicators" first=indicators total=None
                query=from_v3.then(|| assoc_query(Collection::Indicators, false, id)) on_pivot />
        </section>
        {writable.map(|target| view! { <WriteBack api target owners outcome=write_outcome on_changed /> })}
    }
}

fn observed(count: Option<i64>, last: Option<&str>) -> String {
    match (count, last) {
        (Some(n), Some(l)) => format!("{n} (last {l})"),
        (Some(n), None) => n.to_string(),
        (None, _) => "0".to_owned(),
    }
}

/// One line per DNS resolution: when, and what it resolved to (addresses of a host, or the host of an address).
fn dns_rows(list: &[DnsResolution]) -> Vec<(String, String)> {
    list.iter()
        .map(|r| {
            let when = r.resolution_date.clone().or_else(|| r.resolved.first().and_then(|i| i.date_added.clone())).unwrap_or_default();
            let names: Vec<&str> = r.resolved.iter().map(|i| i.summary.as_str()).collect();
            (when, names.join(", "))
        })
        .filter(|(w, a)| !w.is_empty() || !a.is_empty())
        .collect()
}

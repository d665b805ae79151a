//! The relationship picture: the current item, its direct associations
//! coloured by type, a click pivots, and a node can be expanded one hop.

use leptos::prelude::*;

use super::api::ApiHandle;
use super::associations::{assoc_query, Assoc, AssocCount};
use super::metadata::focus_id;
use super::on_demand;
use crate::graph_layout::{expansion, neighbours, CENTER, HEIGHT, MAX_EXPANSION, MAX_NEIGHBOURS, WIDTH};
use crate::launch::SelectedItem;
use pivot_text::escape::escape_controls;
use pivot_text::values::thousands;
use threatconnect::{Collection, Error, Group, Indicator};

/// A CSS class per type: `node-host`, `node-incident`...
fn node_class(a: &Assoc) -> String {
    let slug: String = a.type_label.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    format!("node {} node-{slug}", if a.is_group { "node-group" } else { "node-indicator" })
}

/// Short text under a node (the full value is in its tooltip).
fn short(s: &str) -> String {
    if s.chars().count() > 18 {
        let mut t: String = s.chars().take(17).collect();
        t.push('…');
        t
    } else {
        s.to_owned()
    }
}

/// One hop further from `a`: its own associations (first few of each kind), in one go.
async fn neighbours_of(api: ApiHandle, a: Assoc) -> Result<Vec<Assoc>, Error> {
    let client = api.with_value(|x| x.client.clone());
    let limit = MAX_EXPANSION as u32;
    let groups_q = assoc_query(Collection::Groups, a.is_group, a.id);
    let groups = client.search(Collection::Groups, &groups_q.tql, 0, limit, false, Group::read);
    let inds_q = assoc_query(Collection::Indicators, a.is_group, a.id);
    let inds = client.search(Collection::Indicators, &inds_q.tql, 0, limit, false, Indicator::read);
    let (groups, inds) = futures::future::join(groups, inds).await;
    let mut out: Vec<Assoc> = groups?.items.iter().map(Assoc::from_group).collect();
    out.extend(inds?.items.iter().map(Assoc::from_indicator));
    out.retain(|n| !(n.id == a.id && n.is_group == a.is_group));
    out.truncate(MAX_EXPANSION);
    Ok(out)
}

/// The picture, drawn once its code has loaded (on demand: the first load does not carry it).
pub fn relation_graph(graph: Graph) -> impl IntoView {
    on_demand::show("relationship graph", &GRAPH, graph)
}

on_demand::part!(pub GRAPH: Graph = "graph", graph_view);

/// What the picture is drawn from.
#[derive(Clone)]
pub struct Graph {
    pub api: ApiHandle,
    /// The item as the page shows it: defanged and escaped (a U+202E in an
    /// adversary's value must not reorder the picture's label or its name).
    pub center_label: String,
    pub center_is_group: bool,
    pub groups: Vec<Assoc>,
    pub indicators: Vec<Assoc>,
    /// All associations, when more exist than were loaded (known later for a full page).
    pub total: AssocCount,
    pub on_pivot: Callback<SelectedItem>,
}

/// The picture itself (a part loaded on demand: `on_demand`).
pub fn graph_view(graph: Graph) -> AnyView {
    let Graph { api, center_label, center_is_group, groups, indicators, total, on_pivot } = graph;
    let loaded = groups.len() + indicators.len();
    let total = move || loaded.max(total.get().unwrap_or(0).max(0) as usize);
    // Alternate groups and indicators so both kinds show when crowded.
    let mut nodes = Vec::with_capacity(loaded.min(MAX_NEIGHBOURS));
    let (mut g, mut i) = (groups.into_iter(), indicators.into_iter());
    while nodes.len() < MAX_NEIGHBOURS {
        match (g.next(), i.next()) {
            (None, None) => break,
            (a, b) => nodes.extend(a.into_iter().chain(b).take(MAX_NEIGHBOURS - nodes.len())),
        }
    }
    let points = neighbours(nodes.len());
    let shown = nodes.len();
    let hidden = move || total() - shown;
    // Which node is expanded, and what it showed.
    let expanded = RwSignal::new(None::<(usize, Result<Vec<Assoc>, String>)>);
    let loading = RwSignal::new(None::<usize>);
    // The node that holds the picture's one Tab stop.
    let current = RwSignal::new(0usize);
    let nodes = StoredValue::new(nodes);

    let expand = move |k: usize| {
        let Some(a) = nodes.with_value(|n| n.get(k).cloned()) else { return };
        loading.set(Some(k));
        leptos::task::spawn_local(async move {
            let r = neighbours_of(api, a).await.map_err(|e| e.to_string());
            expanded.set(Some((k, r)));
            loading.set(None);
        });
    };

    let center_class = if center_is_group { "node node-center node-group" } else { "node node-center node-indicator" };
    let centre = short(&center_label);
    let title = move || format!("{center_label} and {} associated items", thousands(total() as i64));
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    view! {
        <div class="graph" data-section="graph">
            <svg viewBox=view_box role="img" aria-label=title>
                {points.iter().map(|p| view! {
                    <line class="edge" x1=CENTER.0 y1=CENTER.1 x2=p.0 y2=p.1></line>
                }).collect_view()}
                {move || expanded.get().and_then(|(k, r)| {
                    let at = *neighbours(nodes.with_value(Vec::len)).get(k)?;
                    let list = r.ok()?;
                    let spots = expansion(at, list.len());
                    Some(list.into_iter().zip(spots).map(|(a, p)| {
                        let class = node_class(&a);
                        let label = short(&escape_controls(&a.shown));
                        let full = format!("{}: {}", a.type_label, escape_controls(&a.shown));
                        let aria = full.clone();
                        let target = a.target.clone();
                        view! {
                            <line class="edge edge-far" x1=at.0 y1=at.1 x2=p.0 y2=p.1></line>
                            <g class="node-far" tabindex="-1" role="button" aria-label=aria
                                on:click=move |_| if let Some(t) = target.clone() { on_pivot.run(t) }>
                                <title>{full}</title>
                                <circle class=class cx=p.0 cy=p.1 r="9"></circle>
                                <text class="node-label node-label-far" x=p.0 y=p.1 + 20>{label}</text>
                            </g>
                        }
                    }).collect_view())
                })}
                <circle class=center_class cx=CENTER.0 cy=CENTER.1 r="22"></circle>
                <text class="node-label node-label-center" x=CENTER.0 y=CENTER.1 + 38>{centre}</text>
                // One Tab stop: the current node has tabindex 0, the others -1; arrows move
                // between them, Enter pivots, + (or Space) shows one more hop.
                {nodes.get_value().into_iter().zip(points.clone()).enumerate().map(|(k, (a, p))| {
                    let class = node_class(&a);
                    let label = short(&escape_controls(&a.shown));
                    let full = format!("{}: {}", a.type_label, escape_controls(&a.shown));
                    let aria = full.clone();
                    let target = a.target.clone();
                    let keyboard_target = a.target.clone();
                    let count = points.len();
                    view! {
                        <g class="graph-node" id=format!("graph-node-{k}") tabindex=move || if current.get() == k { "0" } else { "-1" } role="button" aria-label=aria data-node=a.id
                            on:click=move |_| if let Some(t) = target.clone() { on_pivot.run(t) }
                            on:keydown=move |ev| {
                                let step = match ev.key().as_str() {
                                    "ArrowRight" | "ArrowDown" => 1,
                                    "ArrowLeft" | "ArrowUp" => count - 1,
                                    "Enter" => { if let Some(t) = keyboard_target.clone() { on_pivot.run(t) } return; }
                                    "+" | " " => { ev.prevent_default(); expand(k); return; }
                                    _ => return,
                                };
                                ev.prevent_default();
                                let next = (k + step) % count;
                                current.set(next);
                                focus_id(&format!("graph-node-{next}"));
                            }>
                            <title>{full}</title>
                            <circle class=class cx=p.0 cy=p.1 r="14"></circle>
                            <text class="node-label" x=p.0 y=p.1 + 28>{label}</text>
                        </g>
                        <g class="expand" role="button" aria-label="Show one more hop"
                            on:click=move |_| expand(k)>
                            <circle class="expand-handle" cx=p.0 + 14 cy=p.1 - 14 r="7"></circle>
                            <text class="expand-sign" x=p.0 + 14 y=p.1 - 10>{move || if loading.get() == Some(k) { "…" } else { "+" }}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            {move || (hidden() > 0).then(|| view! { <p class="graph-more">{format!("{} more associations are in the lists.", thousands(hidden() as i64))}</p> })}
            {move || expanded.get().and_then(|(_, r)| r.err()).map(|e| view! { <p class="section-error" role="alert">{e}</p> })}
            <p class="graph-legend">
                <span class="legend legend-indicator">"Indicator"</span>
                <span class="legend legend-group">"Group"</span>
                " Click a node to pivot; + shows its own associations. Keyboard: arrows move, Enter pivots, + expands."
            </p>
        </div>
    }
    .into_any()
}

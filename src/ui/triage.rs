//! The triage page (`triage.html`, its own wasm): paste a report, see which of its
//! indicators any owner knows, compare the owners' copies, take the table away as CSV or
//! STIX 2.1. What to extract, how to look up, how rows merge, sort and compare, and the
//! STIX bundle are the `triage` crate's; these views only ask and show.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::api::{connect, current_fragment, ApiHandle};
use super::clipboard::{copy_and_report, CopyOutcome, CopyOutcomeNote};
use super::download::download;
use crate::launch::{Launch, SelectedItem};
use crate::trail::{from_fragment, panels_href};
use futures::StreamExt;
use pivot_text::csv::to_csv;
use pivot_text::defang::defang;
use threatconnect::{Indicator, MAX_RESULT_LIMIT};
use triage::compare::compare;
use triage::extract::{Extraction, Extractor, MAX_VALUES};
use triage::lookup::{rows, sort, summary_queries, Column, Row, CONCURRENCY};

/// Rows shown per page of the table (10,000 rows at once would make the tab sluggish).
const PAGE_ROWS: usize = 500;
/// What each lookup asks along with the indicators (the table's columns, the comparison
/// and the STIX export).
const FIELDS: [&str; 4] = ["tags", "securityLabels", "associatedGroups", "threatAssess"];

/// The triage page, on the launch the panels kept for this tab.
#[component]
pub fn TriageApp() -> impl IntoView {
    let launch = super::launch::resolve_launch();
    super::launch::drop_token_from_address();
    let screen = match launch {
        Err(error) => view! { <super::screens::ContextErrorScreen error /> }.into_any(),
        Ok(Launch::NoContext) => view! {
            <section class="notice notice-error" role="alert" data-screen="triage-no-launch">
                <h1>"Open Pivot first"</h1>
                <p>"The triage page works on the ThreatConnect session Pivot was opened with, and this tab has none. Open Pivot from ThreatConnect, then choose Triage a pasted report."</p>
            </section>
        }
        .into_any(),
        Ok(Launch::Space(context)) => {
            let api = connect(&context);
            view! {
                <nav class="pivot-nav" aria-label="Pivot">
                    <a class="triage-back" href=panels_href(None)>"← Back to the panels"</a>
                </nav>
                <TriageScreen api />
            }
            .into_any()
        }
    };
    view! {
        <header class="app-bar">
            <span class="app-name">"Pivot · Triage"</span>
        </header>
        <main class="app-main" data-mounted="true">{screen}</main>
    }
}

/// Every copy of every query's values, each query paged on.
async fn look_up(api: ApiHandle, queries: Vec<String>, progress: RwSignal<(usize, usize)>) -> Result<Vec<Indicator>, String> {
    let client = api.with_value(|a| a.client.clone());
    let total = queries.len();
    progress.set((0, total));
    let mut found = Vec::new();
    let mut done = 0;
    let mut answers = futures::stream::iter(queries.into_iter().map(|q| {
        let client = client.clone();
        async move {
            let mut all = Vec::new();
            let mut start = 0u32;
            loop {
                let page = client.search_indicators_expanded(&q, start, MAX_RESULT_LIMIT, &FIELDS).await?;
                let n = page.items.len() as u32;
                all.extend(page.items);
                if n < MAX_RESULT_LIMIT {
                    return Ok::<_, threatconnect::Error>(all);
                }
                start += n;
            }
        }
    }))
    .buffer_unordered(CONCURRENCY);
    while let Some(answer) = answers.next().await {
        found.extend(answer.map_err(|e| e.to_string())?);
        done += 1;
        progress.set((done, total));
    }
    Ok(found)
}

fn row_csv(rows: &[Row], idx: &[usize]) -> String {
    let header = ["Value", "Type", "Known", "Owners", "Best rating", "Best confidence", "False positives", "Tags", "Last observed"];
    to_csv(
        &header,
        idx.iter().map(|&i| {
            let r = &rows[i];
            vec![
                r.value.clone(),
                r.indicator_type.type_name().to_owned(),
                if r.known() { "known" } else { "unknown" }.to_owned(),
                r.owners().join("; "),
                r.best_rating().map(|x| x.to_string()).unwrap_or_default(),
                r.best_confidence().map(|x| x.to_string()).unwrap_or_default(),
                r.false_positives().to_string(),
                r.tags().join("; "),
                r.last_observed().unwrap_or_default().to_owned(),
            ]
        }),
    )
    .text
}

fn now_rfc3339() -> String {
    threatconnect::time::rfc3339((js_sys::Date::now() / 1000.0) as u64)
}

/// The paste box, the lookup with its progress and cancel, the table and its actions.
#[component]
pub fn TriageScreen(api: ApiHandle) -> impl IntoView {
    let text: NodeRef<leptos::html::Textarea> = NodeRef::new();
    let extraction = RwSignal::new(None::<Extraction>);
    let table = RwSignal::new(Vec::<Row>::new());
    let progress = RwSignal::new((0usize, 0usize));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let abort = StoredValue::new_local(None::<futures::future::AbortHandle>);
    let sort_by = RwSignal::new((None::<Column>, false));
    let known_filter = RwSignal::new(String::from("all"));
    let type_filter = RwSignal::new(String::new());
    let text_filter = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    let selected = RwSignal::new(BTreeSet::<usize>::new());
    let compared = RwSignal::new(None::<usize>);
    let copied: CopyOutcome = RwSignal::new(None);
    let omitted = RwSignal::new(Vec::<String>::new());

    // Opened on an indicator (`triage.html#type=Host&value=…`): that value, looked up at once,
    // with its owners' copies compared.
    let opened = match from_fragment(&current_fragment()) {
        Some(SelectedItem::Indicator { kind, summary, .. }) => Some(match kind {
            threatconnect::IndicatorType::Mutex
            | threatconnect::IndicatorType::RegistryKey
            | threatconnect::IndicatorType::UserAgent
            | threatconnect::IndicatorType::Custom(_) => format!("{}: {summary}", kind.type_name()),
            _ => summary,
        }),
        _ => None,
    };
    let run = move |pasted: String, compare_first: bool| {
        error.set(None);
        selected.set(BTreeSet::new());
        compared.set(None);
        busy.set(true);
        let (future, handle) = futures::future::abortable(async move {
            let client = api.with_value(|a| a.client.clone());
            // The instance's own types (custom ones included); the base types when it does not say.
            let types = client.indicator_types().await.unwrap_or_default();
            let x = Extractor::new(&types).extract(&pasted);
            table.set(rows(&x.values, &[]));
            let queries = summary_queries(&x.values);
            extraction.set(Some(x.clone()));
            if client.v3_missing() {
                return Err("This ThreatConnect instance has no v3 API: a bulk lookup needs its TQL search. The values above are extracted; open them one by one from the panels.".to_owned());
            }
            let found = look_up(api, queries, progress).await?;
            let table_rows = rows(&x.values, &found);
            if compare_first && table_rows.first().is_some_and(Row::known) {
                compared.set(Some(0));
            }
            table.set(table_rows);
            Ok(())
        });
        abort.set_value(Some(handle));
        leptos::task::spawn_local(async move {
            match future.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => error.set(Some(e)),
                Err(_) => error.set(Some("Lookup cancelled: the rows not looked up yet show as unknown.".to_owned())),
            }
            busy.set(false);
        });
    };
    let start = move |_| {
        if let Some(area) = text.get() {
            run(area.value(), false);
        }
    };
    if let Some(value) = opened.clone() {
        run(value, true);
    }
    let cancel = move |_| {
        abort.with_value(|h| {
            if let Some(h) = h {
                h.abort();
            }
        })
    };

    // The rows shown: filtered, then sorted.
    let shown = Memo::new(move |_| {
        let rows = table.get();
        let (column, descending) = sort_by.get();
        let order: Vec<usize> = match column {
            Some(c) => sort(&rows, c, descending),
            None => (0..rows.len()).collect(),
        };
        let known = known_filter.get();
        let kind = type_filter.get();
        let needle = text_filter.get().to_lowercase();
        order
            .into_iter()
            .filter(|&i| {
                let r = &rows[i];
                (known == "all" || (known == "known") == r.known())
                    && (kind.is_empty() || r.indicator_type.type_name() == kind)
                    && (needle.is_empty()
                        || r.value.to_lowercase().contains(&needle)
                        || r.owners().iter().any(|o| o.to_lowercase().contains(&needle))
                        || r.tags().iter().any(|t| t.to_lowercase().contains(&needle)))
            })
            .collect::<Vec<usize>>()
    });
    // What the actions work on: the selection, or every row shown when nothing is selected.
    let targets = move || {
        let sel = selected.get_untracked();
        if sel.is_empty() {
            shown.get_untracked()
        } else {
            shown.get_untracked().into_iter().filter(|i| sel.contains(i)).collect()
        }
    };
    let copy = move |defanged: bool| {
        let rows = table.get_untracked();
        let idx = targets();
        let text: Vec<String> =
            idx.iter().map(|&i| if defanged { defang(&rows[i].indicator_type, &rows[i].value) } else { rows[i].value.clone() }).collect();
        let done = format!("Copied {} values{}.", text.len(), if defanged { ", defanged" } else { "" });
        copy_and_report(text.join("\n"), done, copied);
    };
    let csv = move |_| {
        let rows = table.get_untracked();
        download("pivot-triage.csv", "text/csv", &row_csv(&rows, &targets()));
    };
    let stix = move |_| {
        let rows = table.get_untracked();
        let copies: Vec<Indicator> = targets().iter().flat_map(|&i| rows[i].copies.clone()).collect();
        let b = triage::stix::bundle(&copies, &now_rfc3339());
        omitted.set(b.omitted);
        download("pivot-triage.stix.json", "application/stix+json", &b.json.to_string());
    };
    let header = move |label: &'static str, column: Column| {
        view! {
            <th scope="col">
                <button class="triage-sort" data-column=label on:click=move |_| sort_by.update(|(c, d)| {
                    if *c == Some(column) { *d = !*d } else { *c = Some(column); *d = false }
                })>{label}{move || match sort_by.get() { (Some(c), d) if c == column => if d { " ▼" } else { " ▲" }, _ => "" }}</button>
            </th>
        }
    };

    view! {
        <section class="card triage" data-screen="triage">
            <h1>"Triage a pasted report"</h1>
            <p>{format!("Paste an email, a vendor report or a SIEM export: Pivot finds up to {MAX_VALUES} indicators in it (defanged ones too), and looks them all up across every owner you can read.")}</p>
            <textarea class="triage-paste" rows="8" node_ref=text aria-label="Text to triage" spellcheck="false" prop:value=opened.unwrap_or_default()></textarea>
            <div class="item-actions">
                <button class="triage-run" disabled=move || busy.get() on:click=start>"Look up"</button>
                <button class="triage-cancel" disabled=move || !busy.get() on:click=cancel>"Cancel"</button>
            </div>
            {move || busy.get().then(|| {
                let (done, total) = progress.get();
                view! {
                    <div class="triage-progress" role="status">
                        <progress max=total.max(1).to_string() value=done.to_string()></progress>
                        " "{format!("Looked up {done} of {total} batches")}
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="section-error triage-error" role="alert">{e}</p> })}
            {move || extraction.get().map(|x| {
                let known = table.with(|t| t.iter().filter(|r| r.known()).count());
                let mut notes = vec![format!("{} values found, {} known to some owner", x.values.len(), known)];
                if x.duplicates > 0 { notes.push(format!("{} repeats folded", x.duplicates)); }
                if x.over_limit > 0 { notes.push(format!("{} more past the {MAX_VALUES}-value limit left out", x.over_limit)); }
                if x.too_long > 0 { notes.push(format!("{} too long to be indicators left out", x.too_long)); }
                if x.not_in_instance > 0 { notes.push(format!("{} of types this instance does not have left out", x.not_in_instance)); }
                view! { <p class="triage-summary" role="status">{notes.join("; ")}"."</p> }
            })}
        </section>
        {move || (!table.with(Vec::is_empty)).then(|| view! {
            <section class="card triage-results" data-screen="triage-results">
                <div class="triage-filters">
                    <label>"Show "<select class="triage-known" on:change=move |ev| { page.set(0); known_filter.set(event_target_value(&ev)) }>
                        <option value="all">"all"</option>
                        <option value="known">"known"</option>
                        <option value="unknown">"unknown"</option>
                    </select></label>
                    <label>" Type "<select class="triage-type" on:change=move |ev| { page.set(0); type_filter.set(event_target_value(&ev)) }>
                        <option value="">"any"</option>
                        {move || {
                            let names: BTreeSet<String> = table.with(|t| t.iter().map(|r| r.indicator_type.type_name().to_owned()).collect());
                            names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()
                        }}
                    </select></label>
                    <label>" Filter "<input type="search" class="triage-filter" on:input=move |ev| { page.set(0); text_filter.set(event_target_value(&ev)) } /></label>
                </div>
                <div class="item-actions triage-actions">
                    <span class="triage-selection">{move || {
                        let n = selected.with(BTreeSet::len);
                        if n == 0 { format!("All {} shown", shown.with(Vec::len)) } else { format!("{n} selected") }
                    }}</span>
                    <button class="triage-copy" on:click=move |_| copy(false)>"Copy"</button>
                    <button class="triage-copy-defanged" on:click=move |_| copy(true)>"Copy defanged"</button>
                    <button class="triage-csv" on:click=csv>"CSV"</button>
                    <button class="triage-stix" on:click=stix>"STIX 2.1"</button>
                    <CopyOutcomeNote outcome=copied />
                </div>
                {move || (!omitted.with(Vec::is_empty)).then(|| view! {
                    <details class="triage-omitted"><summary>"Left out of the STIX bundle"</summary>
                        <ul>{omitted.get().into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ul>
                    </details>
                })}
                <table class="triage-table">
                    <thead><tr>
                        <th scope="col"><input type="checkbox" class="triage-select-all" aria-label="Select every row shown"
                            on:change=move |ev| selected.set(if event_target_checked(&ev) { shown.get_untracked().into_iter().collect() } else { BTreeSet::new() }) /></th>
                        {header("Value", Column::Value)}
                        {header("Type", Column::Type)}
                        {header("Owners", Column::Owners)}
                        {header("Rating", Column::Rating)}
                        {header("Confidence", Column::Confidence)}
                        {header("False positives", Column::FalsePositives)}
                        <th scope="col">"Tags"</th>
                        {header("Last observed", Column::LastObserved)}
                    </tr></thead>
                    <tbody>
                        {move || {
                            let rows = table.get();
                            let idx = shown.get();
                            let from = page.get() * PAGE_ROWS;
                            idx.into_iter().skip(from).take(PAGE_ROWS).map(|i| {
                                let r = rows[i].clone();
                                let open = panels_href(Some(&SelectedItem::Indicator { kind: r.indicator_type.clone(), summary: r.value.clone(), owner: None }));
                                view! {
                                    <tr class="triage-row" data-known=r.known().to_string()>
                                        <td><input type="checkbox" class="triage-select" prop:checked=move || selected.with(|s| s.contains(&i))
                                            on:change=move |ev| selected.update(|s| { if event_target_checked(&ev) { s.insert(i); } else { s.remove(&i); } }) /></td>
                                        <td class="triage-value"><a href=open title="Open in the panels">{pivot_text::escape::escape_controls(&defang(&r.indicator_type, &r.value)).into_owned()}</a></td>
                                        <td>{r.indicator_type.type_name().to_owned()}</td>
                                        <td class="triage-owners">{if r.known() {
                                            let names = r.owners().join(", ");
                                            let n = r.copies.len();
                                            view! { <button class="triage-compare" title="Compare the owners' copies" on:click=move |_| compared.set(Some(i))>{format!("{n}: {names}")}</button> }.into_any()
                                        } else { view! { <span class="triage-unknown">"unknown"</span> }.into_any() }}</td>
                                        <td>{r.best_rating().map(pivot_text::values::rating_stars).unwrap_or_default()}</td>
                                        <td>{r.best_confidence().map(pivot_text::values::whole).unwrap_or_default()}</td>
                                        <td>{r.false_positives().to_string()}</td>
                                        <td class="triage-tags">{r.tags().join(", ")}</td>
                                        <td>{r.last_observed().unwrap_or_default().to_owned()}</td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
                <div class="pager">
                    <button class="triage-prev" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                    <span>{move || {
                        let n = shown.with(Vec::len);
                        let from = page.get() * PAGE_ROWS;
                        format!(" {}–{} of {n} ", (from + 1).min(n), (from + PAGE_ROWS).min(n))
                    }}</span>
                    <button class="triage-next" disabled=move || (page.get() + 1) * PAGE_ROWS >= shown.with(Vec::len) on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                </div>
            </section>
        })}
        {move || compared.get().and_then(|i| table.with(|t| t.get(i).cloned())).map(|r| view! { <CompareOwners row=r on_close=move || compared.set(None) /> })}
    }
}

/// Every owner's copy of one value side by side, the fields where they differ marked.
#[component]
pub fn CompareOwners(row: Row, on_close: impl Fn() + 'static) -> impl IntoView {
    let table = compare(&row.copies);
    let copies = row.copies.clone();
    let export = {
        let copies = copies.clone();
        move |_| {
            let b = triage::stix::bundle(&copies, &now_rfc3339());
            download("pivot-compare.stix.json", "application/stix+json", &b.json.to_string());
        }
    };
    view! {
        <section class="card triage-compare-view" data-screen="compare-owners">
            <h2>{format!("{} {}: {} owners", row.indicator_type.type_name(), defang(&row.indicator_type, &row.value), row.copies.len())}</h2>
            <div class="item-actions">
                <button class="compare-stix" on:click=export>"STIX 2.1"</button>
                <button class="compare-close" on:click=move |_| on_close()>"Close"</button>
            </div>
            <table class="compare-table">
                <thead><tr>
                    <th scope="col">"Field"</th>
                    {copies.iter().map(|c| {
                        let open = panels_href(Some(&SelectedItem::Indicator { kind: c.indicator_type.clone(), summary: c.summary.clone(), owner: Some(c.owner.name.clone()) }));
                        view! { <th scope="col" class="compare-owner"><a href=open>{pivot_text::escape::escape_controls(&c.owner.name).into_owned()}</a></th> }
                    }).collect_view()}
                </tr></thead>
                <tbody>
                    {table.into_iter().map(|(field, cells, differs)| view! {
                        <tr class=if differs { "compare-row differs" } else { "compare-row" } data-field=field data-differs=differs.to_string()>
                            <th scope="row">{field}</th>
                            {cells.into_iter().map(|c| view! { <td>{pivot_text::escape::escape_controls(&c).into_owned()}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

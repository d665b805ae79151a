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
use pivot_text::escape::{dialog_name, escape_controls};
use pivot_text::lists::range_of;
use pivot_text::values::thousands;
use threatconnect::{tql, BatchConfig, BatchStep, Collection, Group, Indicator, MAX_RESULT_LIMIT};
use triage::compare::compare;
use triage::extract::{Extracted, Extraction, Extractor, MAX_VALUES};
use triage::lookup::{pending, rows, sort, summary_queries, v2_summary_chunks, Column, Row, CONCURRENCY};
use triage::writeback;

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
async fn look_up(api: ApiHandle, queries: Vec<String>, progress: RwSignal<(usize, usize)>) -> Result<Vec<Indicator>, threatconnect::Error> {
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
        found.extend(answer?);
        done += 1;
        progress.set((done, total));
    }
    Ok(found)
}

/// The lookup on an instance without v3: each chunk of values (OR'd `summary=` filters) in
/// every owner the user can see, [`CONCURRENCY`] requests at a time. Also the values no v2
/// filter can name, by index.
async fn look_up_v2(
    api: ApiHandle,
    values: &[Extracted],
    progress: RwSignal<(usize, usize)>,
) -> Result<(Vec<Indicator>, Vec<usize>), threatconnect::Error> {
    let client = api.with_value(|a| a.client.clone());
    let plan = v2_summary_chunks(values);
    let owners = client.owners().await?;
    let requests: Vec<(String, Vec<String>)> = owners.iter().flat_map(|o| plan.chunks.iter().map(move |c| (o.name.clone(), c.clone()))).collect();
    let total = requests.len();
    progress.set((0, total));
    let mut answers = futures::stream::iter(requests.into_iter().map(|(owner, chunk)| {
        let client = client.clone();
        async move { client.v2_indicators_by_summaries(&owner, &chunk).await }
    }))
    .buffer_unordered(CONCURRENCY);
    let (mut found, mut done) = (Vec::new(), 0);
    while let Some(answer) = answers.next().await {
        found.extend(answer?);
        done += 1;
        progress.set((done, total));
    }
    Ok((found, plan.not_looked_up))
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
                r.status().to_owned(),
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
    // The rows (by index) a v2 lookup could not ask about.
    let unlooked = RwSignal::new(BTreeSet::<usize>::new());

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
        unlooked.set(BTreeSet::new());
        busy.set(true);
        let (future, handle) = futures::future::abortable(async move {
            let client = api.with_value(|a| a.client.clone());
            // The instance's own types (custom ones included); the base types when it does not say.
            let types = client.indicator_types().await.unwrap_or_default();
            let x = Extractor::new(&types).extract(&pasted);
            table.set(pending(&x.values));
            let queries = summary_queries(&x.values);
            extraction.set(Some(x.clone()));
            let by_tql = if client.v3_missing() { None } else { Some(look_up(api, queries, progress).await) };
            let found = match by_tql {
                Some(Ok(found)) => found,
                // No v3 here (a TQL search is never a 404 where v3 exists): v2's filters, and
                // this tab's later lookups and panels go to v2 at once.
                None | Some(Err(threatconnect::Error::Http { status: 404, .. })) => {
                    client.set_v3_missing();
                    super::api::remember_v3_missing(api);
                    let (found, left_out) = look_up_v2(api, &x.values, progress).await.map_err(|e| e.to_string())?;
                    unlooked.set(left_out.into_iter().collect());
                    found
                }
                Some(Err(e)) => return Err(e.to_string()),
            };
            let mut table_rows = rows(&x.values, &found);
            for i in unlooked.get_untracked() {
                if let Some(r) = table_rows.get_mut(i) {
                    r.looked_up = false;
                }
            }
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
                Err(_) => error.set(Some("Lookup cancelled: the rows show as not looked up.".to_owned())),
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
                (known == "all" || known == r.status())
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
    // What write-back works on: the selected rows still shown (never every row by default).
    let chosen = Signal::derive(move || {
        let sel = selected.get();
        shown.get().into_iter().filter(|i| sel.contains(i)).collect::<Vec<usize>>()
    });
    let write_back = api.with_value(|a| a.allow_write_back);
    // The results card is built once there are rows, not again each time they change (a
    // write-back's result and what was typed beside it stay while the rows are read again).
    let has_rows = Memo::new(move |_| !table.with(Vec::is_empty));
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
            <p>{format!("Paste an email, a vendor report or a SIEM export: Pivot finds up to {} indicators in it (defanged ones too), and looks them all up across every owner you can read.", thousands(MAX_VALUES as i64))}</p>
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
                        " "{format!("Looked up {} of {} batches", thousands(done as i64), thousands(total as i64))}
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="section-error triage-error" role="alert">{e}</p> })}
            {move || extraction.get().map(|x| {
                let known = table.with(|t| t.iter().filter(|r| r.known()).count());
                view! { <p class="triage-summary" role="status">{writeback::summary(&x, known)}</p> }
            })}
            {move || (!unlooked.with(BTreeSet::is_empty)).then(|| {
                let values: Vec<String> = table.with(|t| unlooked.with(|u| u.iter().filter_map(|&i| t.get(i)).map(|r| escape_controls(&defang(&r.indicator_type, &r.value)).into_owned()).collect()));
                view! {
                    <p class="triage-not-looked-up" role="status">
                        {format!("{} not looked up: this instance has no v3 API, and a v2 filter cannot name a value with a comma (the comma would end the filter; v2 has no escape for it). Open them one by one from the panels: ", thousands(values.len() as i64))}
                        {values.join(" · ")}
                    </p>
                }
            })}
        </section>
        {move || has_rows.get().then(|| view! {
            <section class="card triage-results" data-screen="triage-results">
                <div class="triage-filters">
                    <label>"Show "<select class="triage-known" on:change=move |ev| { page.set(0); known_filter.set(event_target_value(&ev)) }>
                        <option value="all">"all"</option>
                        <option value="known">"known"</option>
                        <option value="unknown">"unknown"</option>
                        <option value="not looked up">"not looked up"</option>
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
                        if n == 0 { format!("All {} shown", thousands(shown.with(Vec::len) as i64)) } else { format!("{} selected", thousands(n as i64)) }
                    }}</span>
                    <button class="triage-copy" on:click=move |_| copy(false)>"Copy"</button>
                    <button class="triage-copy-defanged" on:click=move |_| copy(true)>"Copy defanged"</button>
                    <button class="triage-csv" on:click=csv>"CSV"</button>
                    <button class="triage-stix" on:click=stix>"STIX 2.1"</button>
                    <CopyOutcomeNote outcome=copied />
                </div>
                {write_back.then(|| view! { <TriageWriteBack api table chosen /> })}
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
                                        } else if !r.looked_up {
                                            view! { <span class="triage-not-looked-up-row">"not looked up"</span> }.into_any()
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
                        format!(" {} ", range_of(from.min(n) as u64, (n.saturating_sub(from)).min(PAGE_ROWS) as u64, n as i64))
                    }}</span>
                    <button class="triage-next" disabled=move || { (page.get() + 1) * PAGE_ROWS >= shown.with(Vec::len) } on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
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

/// Which write-back control a result belongs to (its error sits beside it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WbRow {
    Tag,
    Group,
    Create,
}

/// The owner writes go to: the app's `defaultOwner`, else the user's organization.
async fn write_owner(api: ApiHandle) -> Result<String, String> {
    if let Some(o) = api.with_value(|a| a.default_owner.clone()) {
        return Ok(o);
    }
    let client = api.with_value(|a| a.client.clone());
    client.my_owner().await.map(|o| o.name).map_err(|e| e.to_string())
}

/// Looks the rows `idx` up again and puts what the server now holds in the table.
/// A batch job's steps, as the progress line says them.
fn batch_progress(progress: RwSignal<Option<String>>) -> impl Fn(BatchStep) {
    move |s: BatchStep| {
        let text = match s {
            BatchStep::Created { batch_id } => format!("Batch job {batch_id} created"),
            BatchStep::Uploaded { batch_id, .. } => format!("Batch job {batch_id}: file uploaded"),
            BatchStep::Polled { batch_id, status } => format!("Batch job {batch_id}: {}", escape_controls(&status)),
            BatchStep::Completed { batch_id, .. } => format!("Batch job {batch_id} completed"),
        };
        progress.set(Some(text));
    }
}

/// The owner writes go to and the selected rows' copies in it, or why nothing can be written.
async fn copies_to_write(api: ApiHandle, table: RwSignal<Vec<Row>>, idx: &[usize]) -> Result<(String, writeback::InOwner), String> {
    let owner = write_owner(api).await?;
    let target = table.with_untracked(|t| writeback::copies_in(t, idx, &owner));
    if target.ids.is_empty() {
        return Err(format!("None of the selected values is in {}: create them there first.", dialog_name(&owner)));
    }
    Ok((owner, target))
}

/// "; 3 not in Demo Org" when some selected values have no copy in the write owner.
fn not_in_owner(target: &writeback::InOwner, owner: &str) -> String {
    if target.missing > 0 {
        format!("; {} not in {}", thousands(target.missing as i64), dialog_name(owner))
    } else {
        String::new()
    }
}

async fn look_again(api: ApiHandle, table: RwSignal<Vec<Row>>, idx: Vec<usize>) -> Result<(), String> {
    let values = table.with_untracked(|t| writeback::values_of(t, &idx));
    let progress = RwSignal::new((0, 0));
    // The way the first lookup went: TQL, or v2's filters on an instance without v3.
    let (found, left_out) = if api.with_value(|a| a.client.v3_missing()) {
        look_up_v2(api, &values, progress).await
    } else {
        look_up(api, summary_queries(&values), progress).await.map(|found| (found, Vec::new()))
    }
    .map_err(|e| e.to_string())?;
    table.update(|t| {
        writeback::refresh(t, &idx, &found);
        for &i in left_out.iter().filter_map(|&i| idx.get(i)) {
            if let Some(r) = t.get_mut(i) {
                r.looked_up = false;
            }
        }
    });
    Ok(())
}

/// Write-back on the selected rows (shown only when the app's `allowWriteBack` is on): tag
/// them, associate them with a group found by name, create the unknown ones in one batch
/// job after a confirmation in the page. Writes go to one owner (see `triage::writeback`).
#[component]
fn TriageWriteBack(api: ApiHandle, table: RwSignal<Vec<Row>>, chosen: Signal<Vec<usize>>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<(WbRow, Result<String, String>)>);
    let tag = RwSignal::new(String::new());
    let tag_names = RwSignal::new(Vec::<String>::new());
    let group_text = RwSignal::new(String::new());
    let found_groups = RwSignal::new(None::<Result<Vec<Group>, String>>);
    let confirm_create = RwSignal::new(None::<(Vec<usize>, String)>);
    let client = move || api.with_value(|a| a.client.clone());

    let done = move |row: WbRow, r: Result<String, String>| {
        busy.set(false);
        progress.set(None);
        outcome.set(Some((row, r)));
    };
    let error_at = move |row: WbRow| {
        move || {
            outcome
                .get()
                .filter(|(r, _)| *r == row)
                .and_then(|(_, r)| r.err())
                .map(|e| view! { <p class="section-error tw-error" role="alert">{e}</p> })
        }
    };
    // The selection, or a refusal beside the control when there is none.
    let selection = move |row: WbRow| -> Option<Vec<usize>> {
        let idx = chosen.get_untracked();
        if idx.is_empty() {
            outcome.set(Some((row, Err("Select the rows to write to first.".to_owned()))));
            return None;
        }
        Some(idx)
    };

    // Existing tag names holding what is typed, offered as it is typed.
    let suggest = move |text: String| {
        tag.set(text.clone());
        if text.trim().is_empty() {
            return;
        }
        let c = client();
        // Names that hold the text: a v3 search (v2 lists tags without such a filter).
        if c.v3_missing() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(list) = c.tags_named(text.trim(), 20).await {
                if tag.get_untracked() == text {
                    tag_names.set(list);
                }
            }
        });
    };

    let add_tag = move |_| {
        let name = tag.get_untracked().trim().to_owned();
        if name.is_empty() {
            outcome.set(Some((WbRow::Tag, Err("Give the tag's name.".to_owned()))));
            return;
        }
        let Some(idx) = selection(WbRow::Tag) else { return };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let (owner, target) = match copies_to_write(api, table, &idx).await {
                Ok(found) => found,
                Err(e) => return done(WbRow::Tag, Err(e)),
            };
            // One batch job tags every copy (writeback::tag_file).
            let data = table.with_untracked(|t| writeback::tag_file(t, &idx, &owner, &name));
            let total = target.ids.len();
            progress.set(Some(format!("Tagging {}: one batch job", count_noun(total, "indicator"))));
            let ran = client().run_batch_reporting(&writeback::tag_config(&owner), &data, BATCH_POLLS, &batch_progress(progress)).await;
            let skipped = not_in_owner(&target, &owner);
            let result = match ran {
                Err(e) => Err(format!("Nothing tagged: {e}")),
                Ok(out) => match (out.errors.first(), look_again(api, table, idx).await) {
                    (Some(e), _) => Err(format!(
                        "The batch job reported {} errors tagging {}, the first: {}",
                        thousands(out.status.error_count.max(out.errors.len() as i64)),
                        count_noun(total, "indicator"),
                        escape_controls(&e.error_message)
                    )),
                    (None, Err(e)) => Err(format!("Tagged {}, but the table could not be read again: {e}", thousands(total as i64))),
                    (None, Ok(())) => {
                        tag.set(String::new());
                        Ok(format!("Tagged {} in {} with {}{skipped}.", count_noun(total, "indicator"), dialog_name(&owner), dialog_name(&name)))
                    }
                },
            };
            done(WbRow::Tag, result);
        });
    };

    let find_groups = move |_| {
        let text = group_text.get_untracked().trim().to_owned();
        if text.is_empty() {
            outcome.set(Some((WbRow::Group, Err("Give part of the group's name.".to_owned()))));
            return;
        }
        outcome.set(None);
        found_groups.set(None);
        if client().v3_missing() {
            let why = "This instance has no v3 API, which associates many indicators in one request: associate them from the group's panel instead.";
            return found_groups.set(Some(Err(why.to_owned())));
        }
        leptos::task::spawn_local(async move {
            let owner = match write_owner(api).await {
                Ok(o) => o,
                Err(e) => return found_groups.set(Some(Err(e))),
            };
            // Groups of the owner the indicators are written in, by name.
            let q = format!("ownerName = {} and name contains {}", tql::quote(&owner), tql::quote(&text));
            let r = client().search(Collection::Groups, &q, 0, 20, false, Group::read).await;
            found_groups.set(Some(r.map(|p| p.items).map_err(|e| e.to_string())));
        });
    };
    let associate = move |group: Group| {
        let Some(idx) = selection(WbRow::Group) else { return };
        found_groups.set(None);
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let (owner, target) = match copies_to_write(api, table, &idx).await {
                Ok(found) => found,
                Err(e) => return done(WbRow::Group, Err(e)),
            };
            let c = client();
            let total = target.ids.len();
            let mut ok = 0usize;
            // Many indicators per request: one PUT on the group per chunk of ids.
            for chunk in target.ids.chunks(writeback::ASSOCIATE_CHUNK) {
                progress.set(Some(format!("Associated {} of {}", thousands(ok as i64), thousands(total as i64))));
                if let Err(e) = c.associate_indicators(group.id, chunk, &owner).await {
                    let _ = look_again(api, table, idx).await;
                    return done(WbRow::Group, Err(format!("Associated {} of {}; refused: {e}", thousands(ok as i64), thousands(total as i64))));
                }
                ok += chunk.len();
            }
            let again = look_again(api, table, idx).await;
            let skipped = not_in_owner(&target, &owner);
            done(
                WbRow::Group,
                again
                    .map(|()| {
                        group_text.set(String::new());
                        format!("Associated {} with {} {}{skipped}.", count_noun(ok, "indicator"), group.type_name, dialog_name(&group.name))
                    })
                    .map_err(|e| format!("Associated {ok}, but the table could not be read again: {e}")),
            );
        });
    };

    let ask_create = move |_| {
        let Some(idx) = selection(WbRow::Create) else { return };
        let unknown = table.with_untracked(|t| writeback::unknown(t, &idx));
        if unknown.is_empty() {
            outcome.set(Some((WbRow::Create, Err("Every selected value is known to some owner: nothing to create.".to_owned()))));
            return;
        }
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match write_owner(api).await {
                Ok(owner) => confirm_create.set(Some((unknown, owner))),
                Err(e) => outcome.set(Some((WbRow::Create, Err(e)))),
            }
        });
    };
    let create = move |_| {
        let Some((idx, owner)) = confirm_create.get_untracked() else { return };
        confirm_create.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let data = table.with_untracked(|t| writeback::create_file(t, &idx));
            progress.set(Some(format!("Creating {}: one batch job", count_noun(idx.len(), "indicator"))));
            let ran = client().run_batch_reporting(&BatchConfig::create(&owner), &data, BATCH_POLLS, &batch_progress(progress)).await;
            let result = match ran {
                Err(e) => Err(e.to_string()),
                Ok(out) => {
                    let again = look_again(api, table, idx.clone()).await;
                    let made = table.with_untracked(|t| idx.iter().filter(|&&i| t.get(i).is_some_and(Row::known)).count());
                    match (out.errors.first(), again) {
                        (Some(e), _) => Err(format!(
                            "Created {} of {}; the batch job reported {} errors, the first: {}",
                            thousands(made as i64),
                            thousands(idx.len() as i64),
                            thousands(out.status.error_count.max(out.errors.len() as i64)),
                            escape_controls(&e.error_message)
                        )),
                        (None, Err(e)) => Err(format!("The batch job completed, but the table could not be read again: {e}")),
                        (None, Ok(())) => {
                            Ok(format!("Created {} in {} (batch job {}).", count_noun(made, "indicator"), dialog_name(&owner), out.status.id))
                        }
                    }
                }
            };
            done(WbRow::Create, result);
        });
    };

    view! {
        <div class="triage-writeback" data-section="triage-writeback" aria-busy=move || busy.get().to_string()>
            <h2>"Write back to the selected rows"</h2>
            {move || outcome.get().and_then(|(_, r)| r.ok()).map(|m| view! { <p class="tw-ok" role="status">{m}</p> })}
            {move || progress.get().map(|p| view! { <p class="tw-progress" role="status">{p}</p> })}
            <fieldset disabled=move || busy.get()>
                <div class="wb-row" data-tw="tag">
                    <input class="tw-tag" aria-label="Tag" placeholder="Tag" list="tw-tag-names" prop:value=move || tag.get()
                        on:input=move |ev| suggest(event_target_value(&ev)) />
                    <datalist id="tw-tag-names">
                        {move || tag_names.get().into_iter().map(|n| {
                            let label = escape_controls(&n).into_owned();
                            view! { <option value=n label=label></option> }
                        }).collect_view()}
                    </datalist>
                    <button class="tw-add-tag" on:click=add_tag>"Add tag"</button>
                    {error_at(WbRow::Tag)}
                </div>
                <div class="wb-row" data-tw="group">
                    <input class="tw-group" aria-label="Group name" placeholder="Group name" prop:value=move || group_text.get()
                        on:input=move |ev| group_text.set(event_target_value(&ev)) />
                    <button class="tw-find-group" on:click=find_groups>"Find group"</button>
                    {error_at(WbRow::Group)}
                    {move || found_groups.get().map(|r| match r {
                        Err(e) => view! { <p class="section-error tw-error" role="alert">{e}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No group there has that name."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="tw-groups">
                                {list.into_iter().map(|g| {
                                    let label = format!("Associate with {}: {}", escape_controls(&g.type_name), escape_controls(&g.name));
                                    view! { <li><button class="tw-group-found" on:click=move |_| associate(g.clone())>{label}</button></li> }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    })}
                </div>
                <div class="wb-row" data-tw="create">
                    <button class="tw-create" on:click=ask_create>"Create the unknown ones…"</button>
                    {error_at(WbRow::Create)}
                    {move || confirm_create.get().map(|(idx, owner)| view! {
                        <div class="tw-confirm" role="group" aria-label="Confirm">
                            <p class="tw-question">{writeback::create_question(idx.len(), &owner)}</p>
                            <button class="tw-confirm-create" on:click=create>"Create"</button>
                            " "<button class="tw-confirm-cancel" on:click=move |_| confirm_create.set(None)>"Cancel"</button>
                        </div>
                    })}
                </div>
            </fieldset>
        </div>
    }
}

/// Polls of a create's batch job before the page stops waiting (1 s doubling to 30 s: about 6 minutes).
const BATCH_POLLS: u32 = 16;

/// `1 indicator`, `9,699 indicators`.
fn count_noun(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n as i64))
    }
}

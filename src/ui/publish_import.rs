//! The publish and import page (`publish-import.html`, its own wasm): Cross-Intel Sharing's
//! Publish (a group of the source instance) and Import (into an owner of the receiving
//! instance). The work is `sharing::exec`, the same code the `pivot-share` command runs,
//! and the plan and report read as the command prints them (`sharing::exec::report_lines`);
//! these views only ask and show.

use leptos::prelude::*;

use super::api::{connect, current_fragment, owners_resource, ApiHandle, ApiResource, Loaded};
use super::download::download_bytes;
use super::writeback::confirm;
use crate::launch::Launch;
use crate::trail::{panels_href, parse_publish_import_fragment, PageAction};
use sharing::exec::{self, ImportOptions, Step};
use sharing::{check_package_size, PublishOptions};
use threatconnect::time::rfc3339;
use threatconnect::{GroupType, Owner};

/// The publish and import page: what its address asks (publish a group, import a
/// package), on the launch the panels kept for this tab.
#[component]
pub fn PublishImportApp() -> impl IntoView {
    let launch = super::launch::resolve_launch();
    // The launch is kept in this tab's storage once resolved: the address needs no token.
    super::launch::drop_token_from_address();
    let screen = match (launch, parse_publish_import_fragment(&current_fragment())) {
        (Err(error), _) => view! { <super::screens::ContextErrorScreen error /> }.into_any(),
        (Ok(Launch::NoContext), _) => view! {
            <section class="notice notice-error" role="alert" data-screen="share-no-launch">
                <h1>"Open Pivot first"</h1>
                <p>"The publish and import page works on the ThreatConnect session Pivot was opened with, and this tab has none. Open Pivot from ThreatConnect, then choose Publish on a group or Import package."</p>
            </section>
        }.into_any(),
        (Ok(Launch::Space(_)), Err(problem)) => view! {
            <section class="notice notice-error" role="alert" data-screen="share-bad-address">
                <h1>"Nothing to do here"</h1>
                <p>{problem}</p>
            </section>
        }.into_any(),
        // Publishing and importing are writes: with allowWriteBack off the page does
        // neither, whatever its address asks (ThreatConnect's permissions still decide).
        (Ok(Launch::Space(context)), Ok(_)) if !context.params.allow_write_back => view! {
            <section class="notice notice-error" role="alert" data-screen="share-read-only">
                <h1>"Sharing is off"</h1>
                <p>"This Pivot app is set up read-only (its allowWriteBack parameter is off), so it neither publishes nor imports. Ask your ThreatConnect administrator to turn it on for this app."</p>
            </section>
        }.into_any(),
        (Ok(Launch::Space(context)), Ok((action, back))) => {
            let api = connect(&context);
            let body = match action {
                PageAction::Publish { kind, id } => view! {
                    <h1 class="share-title">{format!("Publish {} #{id}", kind.type_name())}</h1>
                    <PublishCard api kind id />
                }.into_any(),
                PageAction::Import => view! { <ImportScreen api owners=owners_resource(api) /> }.into_any(),
            };
            view! {
                <nav class="pivot-nav" aria-label="Pivot">
                    <a class="share-back" href=panels_href(back.as_ref())>"← Back to the panels"</a>
                </nav>
                {body}
            }.into_any()
        }
    };
    view! {
        <header class="app-bar">
            <span class="app-name">"Pivot · Cross-Intel Sharing"</span>
        </header>
        <main class="app-main" data-mounted="true">{screen}</main>
    }
}

const SHAREABLE_LABELS: [&str; 4] = ["TLP:WHITE", "TLP:GREEN", "TLP:AMBER", "TLP:RED"];

fn now_rfc3339() -> String {
    rfc3339((js_sys::Date::now() / 1000.0) as u64)
}

/// Publish a group: choose which labels may leave, snapshot it into the
/// source's datastore, offer the file; or unpublish.
#[component]
pub fn PublishCard(api: ApiHandle, kind: GroupType, id: u64) -> impl IntoView {
    let instance = api.with_value(|a| a.share_instance_id.clone());
    let allowed = RwSignal::new(vec!["TLP:WHITE".to_owned(), "TLP:GREEN".to_owned()]);
    let exclude_unlabeled = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let package = StoredValue::new_local(None::<(String, Vec<u8>)>);
    let has_package = RwSignal::new(false);

    let publish = move |_| {
        let Some(instance_id) = api.with_value(|a| a.share_instance_id.clone()) else { return };
        busy.set(true);
        outcome.set(None);
        let client = api.with_value(|a| a.client.clone());
        let opts = PublishOptions {
            instance_id,
            owner: String::new(),
            api_url: Some(client.api_path().to_owned()),
            published_at: now_rfc3339(),
            security_labels_allowed: allowed.get_untracked(),
            exclude_unlabeled: exclude_unlabeled.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match exec::publish(&client, kind, id, &opts).await {
                Ok((pkg, withheld)) => {
                    let counts = format!("Published {} groups and {} indicators.", pkg.batch.group.len(), pkg.batch.indicator.len());
                    let kept = if withheld.groups + withheld.indicators + withheld.attributes > 0 {
                        format!(
                            " Kept home by their labels: {} groups, {} indicators, {} attributes.",
                            withheld.groups, withheld.indicators, withheld.attributes
                        )
                    } else {
                        String::new()
                    };
                    package.set_value(Some((format!("pivot-share-{}-{id}.json", kind.v2_branch()), pkg.to_bytes())));
                    has_package.set(true);
                    outcome.set(Some(Ok(counts + &kept)));
                }
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
            busy.set(false);
        });
    };
    let unpublish = move |_| {
        if !confirm("Unpublish this group? Later pulls will not bring it again; what was already shared stays shared.") {
            return;
        }
        busy.set(true);
        let client = api.with_value(|a| a.client.clone());
        leptos::task::spawn_local(async move {
            let r = exec::unpublish(&client, id).await;
            outcome.set(Some(match r {
                Ok(true) => Ok("Unpublished. Data already shared elsewhere stays there.".to_owned()),
                Ok(false) => Ok("This group was not published.".to_owned()),
                Err(e) => Err(e.to_string()),
            }));
            busy.set(false);
        });
    };
    let download = move |_| {
        package.with_value(|p| {
            if let Some((name, bytes)) = p {
                download_bytes(name, "application/json", bytes);
            }
        })
    };

    view! {
        <section class="card share" data-section="publish">
            <h2>"Cross-Intel Sharing"</h2>
            {match instance {
                None => view! {
                    <p class="empty">"Publishing needs the app's shareInstanceId param: a stable name for this ThreatConnect instance. Ask your administrator to set it."</p>
                }.into_any(),
                Some(_) => view! {
                    <p>"Publish this group with its associated groups and indicators, their attributes, tags and labels. Changes made later are shared only when you publish again. Sharing cannot be undone."</p>
                    <fieldset class="share-labels" disabled=move || busy.get()>
                        <legend>"Labels that may leave"</legend>
                        {SHAREABLE_LABELS.iter().map(|l| {
                            let name = (*l).to_owned();
                            let n2 = name.clone();
                            view! {
                                <label class="share-label">
                                    <input type="checkbox" value=name.clone() prop:checked=move || allowed.with(|a| a.contains(&n2))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            allowed.update(|a| { a.retain(|x| *x != name); if on { a.push(name.clone()); } });
                                        } />
                                    {*l}
                                </label>
                            }
                        }).collect_view()}
                        <label class="share-label"><input type="checkbox" class="share-exclude-unlabeled"
                            on:change=move |ev| exclude_unlabeled.set(event_target_checked(&ev)) />"Keep unlabeled items home"</label>
                    </fieldset>
                    <div class="item-actions">
                        <button class="share-publish" disabled=move || busy.get() on:click=publish>"Publish"</button>
                        <button class="share-download" disabled=move || !has_package.get() on:click=download>"Download package"</button>
                        <button class="share-unpublish" disabled=move || busy.get() on:click=unpublish>"Unpublish"</button>
                    </div>
                }.into_any(),
            }}
            {move || busy.get().then(|| view! { <p class="empty" role="status">"Working…"</p> })}
            {move || outcome.get().map(|o| match o {
                Ok(t) => view! { <p class="share-ok" role="status">{t}</p> }.into_any(),
                Err(e) => view! { <p class="section-error share-error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}

/// Read the chosen file, refusing one over the package limit by its size
/// first: a huge file is never read into the tab's memory.
async fn read_file(input: &web_sys::HtmlInputElement) -> Result<Vec<u8>, String> {
    let file = input.files().and_then(|f| f.get(0)).ok_or("Choose a package file first.")?;
    // `as u64` saturates (and a NaN is 0; `validate` still checks the bytes).
    check_package_size(file.size() as u64).map_err(|e| e.to_string())?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.map_err(|_| "The file could not be read.".to_owned())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Import a package file into an owner of this instance: the plan first, then
/// the import with progress, then the verification report.
#[component]
pub fn ImportScreen(api: ApiHandle, owners: ApiResource<Loaded<Vec<Owner>>>) -> impl IntoView {
    let file: NodeRef<leptos::html::Input> = NodeRef::new();
    let owner = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(None::<(String, usize, usize)>);
    let shown = RwSignal::new(None::<Result<(bool, Vec<String>), String>>);
    // The operator's opt-ins of the trust rules (docs/sharing-operations.md, "Trust rules"), both off by default.
    let trust = RwSignal::new(sharing::Trust::default());
    // The file (by its bytes' digest), owner and opt-ins the plan was shown for: Import is
    // enabled only for exactly those, and changing any of them takes it back.
    let planned = RwSignal::new(None::<(String, String, sharing::Trust)>);

    let run = move |dry_run: bool| {
        let Some(input) = file.get() else { return };
        let target = owner.get_untracked();
        if target.is_empty() {
            shown.set(Some(Err("Choose the target owner.".into())));
            return;
        }
        let chosen = trust.get_untracked();
        if !dry_run && planned.get_untracked().is_none_or(|(_, o, t)| o != target || t != chosen) {
            shown.set(Some(Err("Show the plan for this file and owner first.".into())));
            return;
        }
        busy.set(true);
        shown.set(None);
        let client = api.with_value(|a| a.client.clone());
        leptos::task::spawn_local(async move {
            let bytes = match read_file(&input).await {
                Ok(b) => b,
                Err(e) => {
                    shown.set(Some(Err(e)));
                    busy.set(false);
                    return;
                }
            };
            let digest = sharing::file_digest(&bytes);
            if !dry_run && planned.get_untracked().is_none_or(|(d, _, _)| d != digest) {
                planned.set(None);
                shown.set(Some(Err("The file changed since its plan was shown: show the plan again.".into())));
                busy.set(false);
                return;
            }
            let opts = ImportOptions { dry_run, imported_at: now_rfc3339(), trust: chosen, ..ImportOptions::default() };
            let on_progress = move |step: Step, done: usize, total: usize| progress.set(Some((step.label().to_owned(), done, total)));
            let result = exec::import(&client, &bytes, &target, &on_progress, &opts).await;
            progress.set(None);
            if dry_run && result.is_ok() {
                planned.set(Some((digest, target, chosen)));
            } else if !dry_run {
                // A plan is for one import: the owner has changed since it was shown.
                planned.set(None);
            }
            shown.set(Some(match result {
                Ok(r) => Ok((r.dry_run, exec::report_lines(&r))),
                Err(e) => Err(e.to_string()),
            }));
            busy.set(false);
        });
    };

    view! {
        <section class="card share" data-screen="import">
            <h1>"Import a shared package"</h1>
            <p>"Brings a group published on another ThreatConnect instance, with everything attached, into an owner here. Items that share imports brought take the package's attributes, tags and labels; items the owner already holds otherwise are only linked, unless you adopt them below."</p>
            <fieldset class="import-form" disabled=move || busy.get()>
                <label>"Package file "<input type="file" class="import-file" accept=".json,application/json" node_ref=file
                    on:change=move |_| planned.set(None) /></label>
                <label>"Target owner "
                    <select class="import-owner" on:change=move |ev| { planned.set(None); owner.set(event_target_value(&ev)); }>
                        <option value="">"Choose…"</option>
                        {move || match owners.get() {
                            Some(Ok(list)) => list.iter().filter(|o| !o.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("Source")))
                                .map(|o| view! { <option value=o.name.clone()>{o.name.clone()}</option> }).collect_view().into_any(),
                            _ => ().into_any(),
                        }}
                    </select>
                </label>
                <div><label><input type="checkbox" class="import-replace-labels"
                    on:change=move |ev| { planned.set(None); trust.update(|t| t.replace_target_labels = event_target_checked(&ev)); } />
                    " Replace security labels this owner put on its own copies of shared items"</label></div>
                <div><label><input type="checkbox" class="import-allow-other-sources"
                    on:change=move |ev| { planned.set(None); trust.update(|t| t.allow_other_sources = event_target_checked(&ev)); } />
                    " Also overwrite items that another source's packages brought"</label></div>
                <div><label><input type="checkbox" class="import-adopt-existing"
                    on:change=move |ev| { planned.set(None); trust.update(|t| t.adopt_existing = event_target_checked(&ev)); } />
                    " Also overwrite items this owner holds that no share import brought"</label></div>
                <div>
                    <button class="import-plan" on:click=move |_| run(true)>"Show the plan"</button>
                    <button class="import-run" disabled=move || planned.get().is_none() on:click=move |_| run(false)>"Import"</button>
                </div>
            </fieldset>
            {move || progress.get().map(|(label, done, total)| view! {
                <div class="import-progress" role="status">
                    <progress max=total.max(1).to_string() value=done.to_string()></progress>
                    " "{format!("{label} ({done} of {total})")}
                </div>
            })}
            {move || shown.get().map(|r| match r {
                Ok((dry, lines)) => view! {
                    <div class="import-report" data-dry-run=dry.to_string()>
                        <h2>{if dry { "Plan (nothing written yet)" } else { "Import report" }}</h2>
                        <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="section-error import-error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}

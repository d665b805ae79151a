//! A tag's panel: every indicator and group carrying the tag that the analyst can see (TQL
//! `hasTag(name = ...)`, v3), in the same lists as an item's associations. Opened by a pivot
//! from a tag chip, or by a Space on a tag's page (`tcType=Tag`).

use leptos::prelude::*;

use super::api::ApiHandle;
use super::associations::{AssocQuery, AssociationList};
use super::metadata::focus_title_after_pivot;
use crate::launch::SelectedItem;
use pivot_text::escape::escape_controls;
use threatconnect::{tql, Collection};

#[component]
pub fn TagPanel(api: ApiHandle, name: String, on_pivot: Callback<SelectedItem>) -> impl IntoView {
    focus_title_after_pivot();
    let has_tag = format!("hasTag(name = {})", tql::quote(&name));
    let query = |collection| Some(AssocQuery { collection, tql: has_tag.clone() });
    let without_v3 = api.with_value(|a| a.client.v3_missing());
    view! {
        <article class="panel tag-panel" data-state="complete" data-tab="associations">
            <section class="card item-header" data-screen="item">
                <p class="item-type" data-field="type">"Tag"</p>
                <h1 class="item-value" id="item-title" tabindex="-1" data-field="value">{escape_controls(&name).into_owned()}</h1>
                <p class="item-owner">"Every item with this tag that you can see"</p>
            </section>
            {if without_v3 {
                view! { <p class="notice" role="status">"Listing a tag's items needs ThreatConnect's v3 API, which this instance does not have."</p> }.into_any()
            } else {
                view! {
                    <section class="card associations" data-section="tagged">
                        <AssociationList api title="Groups with this tag" first=Vec::new() total=None query=query(Collection::Groups) on_pivot section="tagged-groups" ask_first=true />
                        <AssociationList api title="Indicators with this tag" first=Vec::new() total=None query=query(Collection::Indicators) on_pivot section="tagged-indicators" ask_first=true />
                    </section>
                }.into_any()
            }}
        </article>
    }
}

//! Parts of the panels loaded on demand: the editing controls, the relationship graph, search
//! results and the shortcuts. In the release package (`--cfg pivot_on_demand`,
//! scripts/wasm-release.sh) each is a split point of the panels' binary (src/main.rs): its code,
//! and all code only it reaches, leaves the first load for a chunk of its own, fetched the first
//! time the part is drawn (scripts/wasm-bindgen-split.sh splits the module,
//! scripts/place-chunks.mjs places the chunks). The split points live in the binary, not here:
//! the library's exports are every binary's, and the other pages (triage, publish-import) would
//! carry the parts' code. In every other build the parts are called directly, through the same
//! `show`. Why and what it saves: docs/performance.md.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

pub use super::explorer::Search;
pub use super::graph::Graph;
pub use super::writeback::{Control, Editor};
pub use leptos::wasm_split::SplitLoaderError;

/// A part's view once its chunk is in (then at once).
pub type Drawing = Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>;
/// Loading a part's chunk.
pub type Loading = Pin<Box<dyn Future<Output = Result<(), SplitLoaderError>>>>;

/// One part: how to load its chunk, and how to draw it.
pub struct Part<A> {
    pub load: fn() -> Loading,
    pub draw: fn(A) -> Drawing,
}

impl<A> Clone for Part<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for Part<A> {}

/// Every part's entry points.
#[derive(Clone, Copy)]
pub struct Parts {
    pub edit: Part<(Editor, Control)>,
    pub graph: Part<Graph>,
    pub search: Part<Search>,
    pub keys: Part<RwSignal<bool>>,
}

thread_local! {
    static PARTS: Cell<Option<Parts>> = const { Cell::new(None) };
}

/// The panels' binary gives the split points before it starts the app.
pub fn register(parts: Parts) {
    PARTS.with(|p| p.set(Some(parts)));
}

/// The parts' views, as the binary's split points call them.
pub mod views {
    pub use super::super::explorer::{search_results, shortcuts};
    pub use super::super::graph::graph_view;
    pub use super::super::writeback::edit_controls;
}

#[cfg(not(pivot_on_demand))]
fn ready(view: AnyView) -> Drawing {
    Box::pin(std::future::ready(Ok(view)))
}

#[cfg(not(pivot_on_demand))]
fn loaded() -> Loading {
    Box::pin(std::future::ready(Ok(())))
}

/// The parts called directly (no split in this build).
#[cfg(not(pivot_on_demand))]
fn direct() -> Parts {
    Parts {
        edit: Part { load: loaded, draw: |(e, c)| ready(views::edit_controls(e, c)) },
        graph: Part { load: loaded, draw: |g| ready(views::graph_view(g)) },
        search: Part { load: loaded, draw: |s| ready(views::search_results(s)) },
        keys: Part { load: loaded, draw: |k| ready(views::shortcuts(k)) },
    }
}

/// The registered parts; without a split, the parts themselves.
fn parts() -> Option<Parts> {
    let registered = PARTS.with(Cell::get);
    #[cfg(not(pivot_on_demand))]
    let registered = registered.or_else(|| Some(direct()));
    registered
}

/// Draws a part: nothing while its chunk loads (from the same origin, in parallel with the
/// panel's API requests), then the part, which redraws itself as its signals change; if the
/// chunk cannot be fetched, a line saying so in its place (the rest of the panel works without it).
pub fn show<A: Clone + Send + Sync + 'static>(what: &'static str, pick: fn(&Parts) -> Part<A>, args: A) -> impl IntoView {
    let part = parts().map(|p| pick(&p));
    // None while loading, then whether it loaded. A chunk already in answers at once: no gap.
    let loaded = RwSignal::new(None::<bool>);
    match part {
        None => loaded.set(Some(false)),
        Some(p) => {
            let mut load = (p.load)();
            match futures::FutureExt::now_or_never(load.as_mut()) {
                Some(r) => loaded.set(Some(r.is_ok())),
                None => leptos::task::spawn_local(async move { loaded.set(Some(load.await.is_ok())) }),
            }
        }
    }
    move || match loaded.get()? {
        // Built untracked: the part redraws itself as its own signals change, not whole.
        true => untrack(|| part.and_then(|p| futures::FutureExt::now_or_never((p.draw)(args.clone())).and_then(Result::ok))),
        false => Some(
            view! { <span class="section-error" role="alert">{format!("Pivot could not load its {what}: reload the page to try again.")}</span> }
                .into_any(),
        ),
    }
}

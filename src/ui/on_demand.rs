//! Parts of the panels loaded on demand (the editing controls, the relationship graph, search
//! results, the shortcuts, a long list's type counts, the v2 fallback's panel loads). In the
//! release package (`--cfg pivot_on_demand`, scripts/wasm-release.sh) each is a split point of the panels' binary (src/main.rs): its code,
//! and all code only it reaches, leaves the first load for a chunk of its own, fetched the first
//! time the part is drawn (scripts/wasm-bindgen-split.sh splits the module,
//! scripts/place-chunks.mjs places the chunks). The split points live in that binary, which
//! registers them here before it starts: the library's exports are every binary's, and the
//! other pages (triage, publish-import) would carry the parts' code. In every other build a part
//! is drawn by its own function, through the same `show`. Why and what it saves:
//! docs/performance.md.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

pub use leptos::wasm_split::SplitLoaderError;

/// A part's result (its view) once its chunk is in (then at once).
pub type Drawing<R = AnyView> = Pin<Box<dyn Future<Output = Result<R, SplitLoaderError>>>>;
/// Loading a part's chunk.
pub type Loading = Pin<Box<dyn Future<Output = Result<(), SplitLoaderError>>>>;

/// A split point: how to load its chunk, and how to draw the part (make its result `R`, a
/// view unless said otherwise) from its arguments `A`.
pub struct Split<A, R = AnyView> {
    pub load: fn() -> Loading,
    pub draw: fn(A) -> Drawing<R>,
}

impl<A, R> Clone for Split<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A, R> Copy for Split<A, R> {}

/// A part, named; without a split (`pivot_on_demand` off), it carries its own drawing.
pub struct Part<A, R = AnyView> {
    pub name: &'static str,
    #[cfg(not(pivot_on_demand))]
    pub draw: fn(A) -> R,
    #[cfg(pivot_on_demand)]
    pub draw: std::marker::PhantomData<fn(A) -> R>,
}

/// `part!(NAME: Args [=> Result] = "name", drawing)`: a part's constant; its drawing function is named only
/// in builds without a split, so a split build's first load does not carry it.
macro_rules! part {
    ($(#[$meta:meta])* $vis:vis $name:ident: $args:ty => $result:ty = $key:literal, $draw:expr) => {
        $(#[$meta])*
        $vis const $name: $crate::ui::on_demand::Part<$args, $result> = $crate::ui::on_demand::Part {
            name: $key,
            #[cfg(not(pivot_on_demand))]
            draw: $draw,
            #[cfg(pivot_on_demand)]
            draw: ::std::marker::PhantomData,
        };
    };
    ($(#[$meta:meta])* $vis:vis $name:ident: $args:ty = $key:literal, $draw:expr) => {
        $crate::ui::on_demand::part!($(#[$meta])* $vis $name: $args => AnyView = $key, $draw);
    };
}
pub(crate) use part;

thread_local! {
    static SPLITS: RefCell<Vec<(&'static str, Box<dyn Any>)>> = const { RefCell::new(Vec::new()) };
}

/// The panels' binary gives each part's split point before it starts the app.
pub fn register<A: 'static, R: 'static>(part: &Part<A, R>, split: Split<A, R>) {
    SPLITS.with(|s| s.borrow_mut().push((part.name, Box::new(split))));
}

fn split<A: 'static, R: 'static>(part: &Part<A, R>) -> Option<Split<A, R>> {
    SPLITS.with(|s| s.borrow().iter().find(|(n, _)| *n == part.name).and_then(|(_, b)| b.downcast_ref::<Split<A, R>>()).copied())
}

/// A part that is not a view: its result `R` once its chunk is in; `None` if the chunk could
/// not be fetched.
pub async fn call<A: 'static, R: 'static>(part: &Part<A, R>, args: A) -> Option<R> {
    match split(part) {
        Some(s) => (s.draw)(args).await.ok(),
        #[cfg(not(pivot_on_demand))]
        None => Some((part.draw)(args)),
        #[cfg(pivot_on_demand)]
        None => None,
    }
}

/// Draws a part: nothing while its chunk loads (from the same origin, in parallel with the
/// panel's API requests), then the part, which redraws itself as its signals change; if the
/// chunk cannot be fetched, a line saying so in its place (the rest of the panel works without it).
pub fn show<A: Clone + Send + Sync + 'static>(what: &'static str, part: &Part<A>, args: A) -> impl IntoView {
    let registered = split(part);
    #[cfg(not(pivot_on_demand))]
    let direct = part.draw;
    // None while loading, then whether it loaded. A chunk already in answers at once: no gap.
    let loaded = RwSignal::new(None::<bool>);
    match &registered {
        #[cfg(not(pivot_on_demand))]
        None => loaded.set(Some(true)),
        #[cfg(pivot_on_demand)]
        None => loaded.set(Some(false)),
        Some(s) => {
            let mut load = (s.load)();
            match futures::FutureExt::now_or_never(load.as_mut()) {
                Some(r) => loaded.set(Some(r.is_ok())),
                None => leptos::task::spawn_local(async move { loaded.set(Some(load.await.is_ok())) }),
            }
        }
    }
    let draw = registered.map(|s| s.draw);
    move || match loaded.get()? {
        // Built untracked: the part redraws itself as its own signals change, not whole.
        true => untrack(|| match draw {
            Some(d) => futures::FutureExt::now_or_never(d(args.clone())).and_then(Result::ok),
            #[cfg(not(pivot_on_demand))]
            None => Some(direct(args.clone())),
            #[cfg(pivot_on_demand)]
            None => None,
        }),
        false => Some(not_loaded(what)),
    }
}

/// In a part's place when its chunk could not be fetched: what is missing, and what to do.
pub fn not_loaded(what: &'static str) -> AnyView {
    view! { <span class="section-error" role="alert">{format!("Pivot could not load its {what}: reload the page to try again.")}</span> }.into_any()
}

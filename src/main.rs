//! Mount the app; in the release package, first give it the split points of the parts loaded
//! on demand (`pivot::ui::parts`).
fn main() {
    #[cfg(pivot_on_demand)]
    split::register_all();
    pivot::ui::start();
}

/// One split point per part: wasm-split moves each function, and what only it reaches, into a
/// chunk of its own. Here, not in the library, so that only this binary exports them.
#[cfg(pivot_on_demand)]
mod split {
    use leptos::prelude::*;
    use leptos::wasm_split::wasm_split;
    use pivot::ui::parts::*;
    use std::rc::Rc;
    use threatconnect::{GroupPanel, GroupType, IndicatorPanel, IndicatorRef};

    #[wasm_split(edit, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_edit))]
    fn edit(e: Editor, c: Control) -> Result<AnyView, SplitLoaderError> {
        Ok(edit_controls(e, c))
    }

    #[wasm_split(graph, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_graph))]
    fn graph(g: Graph) -> Result<AnyView, SplitLoaderError> {
        Ok(graph_view(g))
    }

    #[wasm_split(search, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_search))]
    fn search(s: Search) -> Result<AnyView, SplitLoaderError> {
        Ok(search_results(s))
    }

    #[wasm_split(keys, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_keys))]
    fn keys(k: RwSignal<bool>) -> Result<AnyView, SplitLoaderError> {
        Ok(shortcuts(k))
    }

    #[wasm_split(counts, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_counts))]
    fn counts(args: (ApiHandle, AssocQuery, i64)) -> Result<TypeCounts, SplitLoaderError> {
        Ok(type_counts(args))
    }

    // The v2 fallback's panel loads: one chunk for both (an instance without v3 needs both).
    #[wasm_split(v2, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_v2))]
    fn v2_indicator(args: (Rc<ApiClient>, IndicatorRef)) -> Result<V2Load<IndicatorPanel>, SplitLoaderError> {
        Ok(v2_indicator_panel(args))
    }

    #[wasm_split(v2, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_v2_group))]
    fn v2_group(args: (Rc<ApiClient>, GroupType, i64)) -> Result<V2Load<GroupPanel>, SplitLoaderError> {
        Ok(v2_group_panel(args))
    }

    pub fn register_all() {
        register(&EDIT, Split { load: || Box::pin(load_edit()), draw: |(e, c)| Box::pin(edit(e, c)) });
        register(&GRAPH, Split { load: || Box::pin(load_graph()), draw: |g| Box::pin(graph(g)) });
        register(&SEARCH, Split { load: || Box::pin(load_search()), draw: |s| Box::pin(search(s)) });
        register(&KEYS, Split { load: || Box::pin(load_keys()), draw: |k| Box::pin(keys(k)) });
        register(&TYPE_COUNTS, Split { load: || Box::pin(load_counts()), draw: |a| Box::pin(counts(a)) });
        register(&V2_INDICATOR, Split { load: || Box::pin(load_v2()), draw: |a| Box::pin(v2_indicator(a)) });
        register(&V2_GROUP, Split { load: || Box::pin(load_v2_group()), draw: |a| Box::pin(v2_group(a)) });
    }
}

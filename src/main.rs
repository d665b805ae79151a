//! Mount the app; in the release package, first give it the split points of the parts loaded
//! on demand (`pivot::ui::on_demand`).
fn main() {
    #[cfg(pivot_on_demand)]
    pivot::ui::on_demand::register(split::parts());
    pivot::ui::start();
}

/// One split point per part: wasm-split moves each function, and what only it reaches, into a
/// chunk of its own. Here, not in the library, so that only this binary exports them.
#[cfg(pivot_on_demand)]
mod split {
    use leptos::prelude::*;
    use leptos::wasm_split::{wasm_split, SplitLoaderError};
    use pivot::ui::on_demand::{views, Control, Editor, Graph, Part, Parts, Search};

    #[wasm_split(edit, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_edit))]
    fn edit(e: Editor, c: Control) -> Result<AnyView, SplitLoaderError> {
        Ok(views::edit_controls(e, c))
    }

    #[wasm_split(graph, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_graph))]
    fn graph(g: Graph) -> Result<AnyView, SplitLoaderError> {
        Ok(views::graph_view(g))
    }

    #[wasm_split(search, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_search))]
    fn search(s: Search) -> Result<AnyView, SplitLoaderError> {
        Ok(views::search_results(s))
    }

    #[wasm_split(keys, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_keys))]
    fn keys(k: RwSignal<bool>) -> Result<AnyView, SplitLoaderError> {
        Ok(views::shortcuts(k))
    }

    pub fn parts() -> Parts {
        Parts {
            edit: Part { load: || Box::pin(load_edit()), draw: |(e, c)| Box::pin(edit(e, c)) },
            graph: Part { load: || Box::pin(load_graph()), draw: |g| Box::pin(graph(g)) },
            search: Part { load: || Box::pin(load_search()), draw: |s| Box::pin(search(s)) },
            keys: Part { load: || Box::pin(load_keys()), draw: |k| Box::pin(keys(k)) },
        }
    }
}

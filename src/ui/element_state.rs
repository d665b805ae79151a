//! The Space element's settings in the views (`crate::launch::element_state`): read once
//! per launch alongside the panel's own requests, never before them; saved a
//! moment after the analyst's last change. Without `tcSpaceElementId` (the
//! details page, local development) nothing is read or written.
//!
//! Kept in a thread-local rather than a Leptos context, and handed to each list
//! when the state arrives rather than through an effect per list: the same
//! behaviour for a few KB less wasm.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;

use super::api::{ApiClient, ApiHandle};
use crate::launch::element_state::{self, Field, Store};

/// Changes closer together than this are saved once.
const SAVE_AFTER: Duration = Duration::from_millis(600);

struct Kept {
    store: Store,
    element: u64,
    client: Rc<ApiClient>,
    edits: u32,
    lists: Vec<List>,
}

/// A list on screen whose filter and sort (on its item) and collapse are kept.
#[derive(Clone, Copy)]
pub struct List {
    pub section: &'static str,
    /// The item it lists the associations of ([`element_state::item_key`]).
    pub item: u64,
    pub filter: RwSignal<String>,
    pub sort: RwSignal<Option<threatconnect::Sort>>,
    pub collapsed: RwSignal<bool>,
    pub page: RwSignal<u32>,
}

thread_local! {
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
    /// The item whose panel is being drawn: its lists keep their filters under it.
    static ITEM: Cell<u64> = const { Cell::new(0) };
}

/// The explorer is about to draw `item`'s panel: the lists drawn next belong to it.
pub fn set_item(item: &crate::launch::SelectedItem) {
    ITEM.with(|i| i.set(element_state::item_key(item)));
}

/// The item whose panel is being drawn.
pub fn current_item() -> u64 {
    ITEM.with(Cell::get)
}

fn kept<R>(f: impl FnOnce(&mut Kept) -> R) -> Option<R> {
    KEPT.with(|k| k.borrow_mut().as_mut().map(f))
}

/// Starts reading the element's state. It runs on its own: the panel's requests do not wait for it.
pub fn start(api: ApiHandle, element: Option<u64>) {
    let Some(element) = element else { return };
    let client = api.with_value(|a| a.client.clone());
    KEPT.with(|k| *k.borrow_mut() = Some(Kept { store: Store::default(), element, client: client.clone(), edits: 0, lists: Vec::new() }));
    leptos::task::spawn_local(async move {
        let saved = element_state::load(&client, element).await;
        let Some((unsaved, lists)) = kept(|k| (k.store.arrive(saved), k.lists.clone())) else { return };
        for list in lists {
            apply(list, false);
        }
        if unsaved {
            save_later();
        }
    });
}

/// What is kept for `list`'s section; on arrival of the saved state (`fresh` false), except
/// what the analyst changed meanwhile in the list on screen. A list drawn anew (`fresh`, as
/// Back draws an item again) takes all of it, the analyst's changes included.
fn apply(list: List, fresh: bool) {
    let Some((filter, sort, collapsed)) = kept(|k| {
        let s = &k.store;
        (
            (fresh || !s.is_touched(Field::Filter(list.item, list.section))).then(|| s.settings.filter(list.item, list.section).to_owned()),
            (fresh || !s.is_touched(Field::Sort(list.item, list.section))).then(|| s.settings.sort(list.item, list.section)),
            (fresh || !s.is_touched(Field::Collapsed(list.section))).then(|| s.settings.is_collapsed(list.section)),
        )
    }) else {
        return;
    };
    if let Some(f) = filter.filter(|f| list.filter.try_get_untracked().is_some_and(|now| now != *f)) {
        if !fresh {
            list.page.try_set(0);
        }
        list.filter.try_set(f);
    }
    if let Some(o) = sort.filter(|o| list.sort.try_get_untracked().is_some_and(|now| now != *o)) {
        if !fresh {
            list.page.try_set(0);
        }
        list.sort.try_set(o);
    }
    if let Some(c) = collapsed {
        list.collapsed.try_set(c);
    }
}

/// A list is drawn: it starts with what is kept (once arrived) and is told when the state arrives.
/// The kept list, or None when nothing is kept (no Space element, or a section that is not kept).
pub fn register(
    section: &str,
    filter: RwSignal<String>,
    sort: RwSignal<Option<threatconnect::Sort>>,
    collapsed: RwSignal<bool>,
    page: RwSignal<u32>,
) -> Option<List> {
    let section = element_state::section(section)?;
    let list = List { section, item: current_item(), filter, sort, collapsed, page };
    let arrived = kept(|k| {
        k.lists.retain(|l| !l.filter.is_disposed());
        k.lists.push(list);
        k.store.arrived
    })?;
    if arrived {
        apply(list, true);
    }
    Some(list)
}

/// The analyst changed a setting: kept now, saved once the changes pause
/// (and not before the saved state was read, which it would overwrite).
pub fn change(field: Field, filter: &str, collapsed: bool) {
    if kept(|k| {
        k.store.change(field, filter, collapsed);
        k.store.arrived
    }) == Some(true)
    {
        save_later();
    }
}

fn save_later() {
    let Some(edit) = kept(|k| {
        k.edits = k.edits.wrapping_add(1);
        k.edits
    }) else {
        return;
    };
    set_timeout(
        move || {
            let Some(Some((client, element, settings))) =
                kept(|k| (k.edits == edit).then(|| (k.client.clone(), k.element, k.store.settings.clone())))
            else {
                return;
            };
            // Not write-back: only how this app instance looks. A failed save is not worth an alert.
            leptos::task::spawn_local(async move {
                let _ = element_state::save(&client, element, &settings).await;
            });
        },
        SAVE_AFTER,
    );
}

//! User Timing marks (`make bench` reads them): cheap, and visible in the browser's
//! performance tools.

use leptos::prelude::*;

/// Marks "pivot-complete" once a panel's `state` first reads "complete":
/// every section has its data on screen (`make bench` measures up to it).
pub fn mark_when_complete(state: impl Fn() -> &'static str + 'static) {
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let complete = state() == "complete";
        if complete {
            mark("pivot-complete");
        }
        complete
    });
}

/// A User Timing mark (`make bench` reads them): cheap, and visible in the
/// browser's performance tools.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

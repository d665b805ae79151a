//! The Space element's settings (`src/space_state.rs`): what the state read back
//! may contain is hostile, so only known sections and short plain filters are
//! taken, an oversized answer is not parsed, and what the analyst changed before
//! the saved state arrived wins over it. Live: saved and read back through the sandbox.

#![cfg(feature = "native")]

use pivot::space_state::{self, Field, Settings, Store, MAX_ANSWER, MAX_FILTER};
use serde_json::{json, Value};

mod support;
use support::run;

const GROUPS: &str = "associated-groups";
const INDICATORS: &str = "associated-indicators";

fn answer(state: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"status": "Success", "data": {"state": state}})).unwrap()
}

fn settings(filters: &[(&'static str, &str)], collapsed: &[&'static str]) -> Settings {
    let mut s = Settings::default();
    for (section, text) in filters {
        s.set_filter(section, text);
    }
    for section in collapsed {
        s.set_collapsed(section, true);
    }
    s
}

#[test]
fn saved_state_reads_back_as_written() {
    let s = settings(&[(INDICATORS, "100.64.7.")], &[GROUPS]);
    let state = s.to_state();
    assert_eq!(state, json!({"v": 1, "filters": {"associated-indicators": "100.64.7."}, "collapsed": ["associated-groups"]}));
    let back = Settings::from_answer(&answer(state));
    assert_eq!((back.filter(INDICATORS), back.filter(GROUPS)), ("100.64.7.", ""));
    assert_eq!((back.is_collapsed(GROUPS), back.is_collapsed(INDICATORS)), (true, false));
}

#[test]
fn hostile_state_keeps_only_known_sections_and_plain_short_filters() {
    let long = "x".repeat(MAX_FILTER + 1);
    let state = json!({
        "v": 1,
        "filters": {
            "associated-indicators": "<img src=x onerror=alert(1)>",
            "associated-groups": long,
            "__proto__": "a", "whois": "b", "constructor": {"toString": 1}
        },
        "collapsed": ["associated-indicators", 42, {"a": 1}, "whois", "__proto__", null],
        "html": "<script>alert(1)</script>"
    });
    let s = Settings::from_state(&state);
    // HTML is only text here (the view sets it as an input's value, never as markup).
    assert_eq!(s.filter(INDICATORS), "<img src=x onerror=alert(1)>");
    assert_eq!(s.filter(GROUPS), "", "a filter over {MAX_FILTER} characters is dropped");
    assert_eq!(s.filter("whois"), "");
    assert!(s.is_collapsed(INDICATORS));
    assert!(!s.is_collapsed("whois") && !s.is_collapsed("__proto__") && !s.is_collapsed(GROUPS));
    assert_eq!(s.to_state(), json!({"v": 1, "filters": {"associated-indicators": "<img src=x onerror=alert(1)>"}, "collapsed": ["associated-indicators"]}));

    // Exactly the limit is kept; control characters (a newline, U+009B) are not.
    let at_limit = "é".repeat(MAX_FILTER);
    assert_eq!(Settings::from_state(&json!({"v": 1, "filters": {GROUPS: at_limit}})).filter(GROUPS), at_limit);
    for bad in ["a\nb", "a\u{9b}b", "\u{1b}[31m"] {
        assert_eq!(Settings::from_state(&json!({"v": 1, "filters": {GROUPS: bad}})).filter(GROUPS), "", "{bad:?}");
    }
}

#[test]
fn malformed_oversized_or_other_version_reads_as_nothing() {
    let valid = json!({"v": 1, "filters": {INDICATORS: "evil"}, "collapsed": [GROUPS]});
    assert_eq!(Settings::from_answer(&answer(valid.clone())), settings(&[(INDICATORS, "evil")], &[GROUPS]));
    // The same settings padded over the cap: not parsed at all.
    let mut padded = valid.clone();
    padded["padding"] = Value::from("y".repeat(MAX_ANSWER));
    assert_eq!(Settings::from_answer(&answer(padded)), Settings::default());
    let mut versioned = valid.clone();
    versioned["v"] = json!(2);
    assert_eq!(Settings::from_answer(&answer(versioned.clone())), Settings::default());
    versioned["v"] = json!("1");
    assert_eq!(Settings::from_answer(&answer(versioned)), Settings::default());
    for body in [&b"not json"[..], b"", b"[]", b"null", br#"{"status":"Success","data":{"state":[1,2]}}"#, br#"{"state":{"v":1,"filters":{"associated-groups":"x"}}}"#] {
        assert_eq!(Settings::from_answer(body), Settings::default(), "{}", String::from_utf8_lossy(body));
    }
    // Deeply nested JSON: refused by the parser, no stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(Settings::from_answer(deep.as_bytes()), Settings::default());
}

#[test]
fn what_the_analyst_changed_before_the_state_arrived_wins_field_by_field() {
    let mut store = Store::default();
    store.change(Field::Filter(INDICATORS), "typed", false);
    assert!(!store.arrived);
    let saved = settings(&[(INDICATORS, "saved"), (GROUPS, "saved-groups")], &[GROUPS, INDICATORS]);
    assert!(store.arrive(saved.clone()), "the typed filter is still to be saved");
    assert!(store.arrived);
    assert_eq!(store.settings, settings(&[(INDICATORS, "typed"), (GROUPS, "saved-groups")], &[GROUPS, INDICATORS]));

    // Untouched: the saved state as it is, nothing to save.
    let mut quiet = Store::default();
    assert!(!quiet.arrive(saved.clone()));
    assert_eq!(quiet.settings, saved);

    // A section expanded before arrival stays expanded; clearing a filter keeps none.
    let mut s = Store::default();
    s.change(Field::Collapsed(GROUPS), "", false);
    s.change(Field::Filter(GROUPS), "", false);
    s.arrive(saved);
    assert!(!s.settings.is_collapsed(GROUPS) && s.settings.is_collapsed(INDICATORS));
    assert_eq!((s.settings.filter(GROUPS), s.settings.filter(INDICATORS)), ("", "saved"));
}

#[test]
fn live_settings_saved_and_read_back_per_element() {
    let sb = support::start("space-settings", "demo", "space-test", "space-test-secret");
    let c = support::hmac_client(&sb);
    assert_eq!(run(space_state::load(&c, 41)), Settings::default(), "nothing saved yet");
    let s = settings(&[(INDICATORS, "100.64.7."), (GROUPS, "APT")], &[GROUPS]);
    assert!(run(space_state::save(&c, 41, &s)));
    assert_eq!(run(space_state::load(&c, 41)), s);
    // As stored by the sandbox, read with the documented-shape call.
    assert_eq!(run(c.space_state("41")).unwrap(), json!({"v": 1, "filters": {INDICATORS: "100.64.7.", GROUPS: "APT"}, "collapsed": [GROUPS]}));
    assert_eq!(run(space_state::load(&c, 42)), Settings::default(), "per element");
    // Someone else's oversized state (under the sandbox's own 64 KB limit): read as none.
    run(c.save_space_state("43", &json!({"v": 1, "filters": {INDICATORS: "x"}, "pad": "y".repeat(MAX_ANSWER)}))).unwrap();
    assert_eq!(run(space_state::load(&c, 43)), Settings::default());
}

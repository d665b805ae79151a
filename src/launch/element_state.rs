//! Per-Space-element settings: each association list's last filter and which
//! sections are collapsed, kept in ThreatConnect's Spaces element state
//! (`/v2/exchange/spaces/{tcSpaceElementId}/state`) so a Space opens as the
//! analyst left it.
//!
//! What comes back from that state is hostile input like any other API value:
//! anyone who can write the element's state can put anything there. So the
//! answer is size-capped before it is parsed, only the sections Pivot has are
//! read (unknown keys are ignored), and a filter must be short plain text.
//! Nothing of it is ever put into the page as HTML.
//!
//! Saving is not write-back: it changes no intelligence, only how this app
//! instance looks, so it happens whether or not `allowWriteBack` is on.

use serde_json::{Map, Value};

use threatconnect::{Client, Transport};

/// The sections whose state is kept (the association lists' `data-section`).
pub const SECTIONS: [&str; 2] = ["associated-groups", "associated-indicators"];

/// A state answer larger than this is ignored unread (what Pivot saves is a few hundred bytes).
pub const MAX_ANSWER: usize = 8 * 1024;

/// A saved filter longer than this (in characters) is ignored; a longer typed one is not saved.
pub const MAX_FILTER: usize = 200;

/// The settings format; any other version is ignored.
const VERSION: u64 = 1;

/// The known section of that name (the `&'static` one, so nothing else can be kept).
pub fn section(name: &str) -> Option<&'static str> {
    SECTIONS.iter().copied().find(|s| *s == name)
}

/// What is kept for one Space element: one slot per section of [`SECTIONS`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    filters: [String; SECTIONS.len()],
    collapsed: [bool; SECTIONS.len()],
}

fn usable_filter(text: &str) -> bool {
    text.chars().count() <= MAX_FILTER && !text.chars().any(char::is_control)
}

fn slot(section: &str) -> Option<usize> {
    SECTIONS.iter().position(|s| *s == section)
}

impl Settings {
    /// From the whole answer of `GET .../state` (`{"status":"Success","data":{"state":{...}}}`):
    /// anything oversized, malformed or unknown reads as no settings.
    pub fn from_answer(body: &[u8]) -> Settings {
        if body.len() > MAX_ANSWER {
            return Settings::default();
        }
        let Ok(v) = serde_json::from_slice::<Value>(body) else { return Settings::default() };
        v.get("data").and_then(|d| d.get("state")).map(Settings::from_state).unwrap_or_default()
    }

    /// From the element's state object: only known sections, only valid values.
    pub fn from_state(state: &Value) -> Settings {
        let mut out = Settings::default();
        if state.get("v").and_then(Value::as_u64) != Some(VERSION) {
            return out;
        }
        for (i, s) in SECTIONS.iter().enumerate() {
            if let Some(text) = state.get("filters").and_then(|f| f.get(s)).and_then(Value::as_str) {
                out.set_filter(s, text);
            }
            out.collapsed[i] = state.get("collapsed").and_then(Value::as_array).is_some_and(|l| l.iter().any(|v| v.as_str() == Some(s)));
        }
        out
    }

    /// The state object saved for the element. (Built by hand: `json!` and a collected
    /// `Map` would bring a serializer and a sort into the panels' wasm.)
    pub fn to_state(&self) -> Value {
        let mut filters = Map::new();
        let mut collapsed = Vec::new();
        for (i, s) in SECTIONS.iter().enumerate() {
            if !self.filters[i].is_empty() {
                filters.insert((*s).to_owned(), Value::from(self.filters[i].as_str()));
            }
            if self.collapsed[i] {
                collapsed.push(Value::from(*s));
            }
        }
        let mut state = Map::new();
        state.insert("v".into(), Value::from(VERSION));
        state.insert("filters".into(), Value::Object(filters));
        state.insert("collapsed".into(), Value::Array(collapsed));
        Value::Object(state)
    }

    /// The section's kept filter ("" when none).
    pub fn filter(&self, section: &str) -> &str {
        slot(section).map(|i| self.filters[i].as_str()).unwrap_or("")
    }

    /// Keeps `text` as the section's filter; an empty, overlong or control-character filter keeps none.
    pub fn set_filter(&mut self, section: &str, text: &str) {
        if let Some(i) = slot(section) {
            self.filters[i] = if !text.trim().is_empty() && usable_filter(text) { text.to_owned() } else { String::new() };
        }
    }

    pub fn is_collapsed(&self, section: &str) -> bool {
        slot(section).is_some_and(|i| self.collapsed[i])
    }

    pub fn set_collapsed(&mut self, section: &str, collapsed: bool) {
        if let Some(i) = slot(section) {
            self.collapsed[i] = collapsed;
        }
    }
}

/// One setting the analyst can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Filter(&'static str),
    Collapsed(&'static str),
}

/// The settings of this app instance while it runs: what the analyst changed
/// before the saved state arrived wins over it, field by field.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub settings: Settings,
    /// The saved state has been read (or could not be): saving may start.
    pub arrived: bool,
    touched: Vec<Field>,
}

impl Store {
    /// The analyst changed a setting.
    pub fn change(&mut self, field: Field, filter: &str, collapsed: bool) {
        match field {
            Field::Filter(s) => self.settings.set_filter(s, filter),
            Field::Collapsed(s) => self.settings.set_collapsed(s, collapsed),
        }
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
    }

    /// The saved state arrived: it fills every field the analyst has not changed.
    /// True when something the analyst changed meanwhile is still to be saved.
    pub fn arrive(&mut self, saved: Settings) -> bool {
        for s in SECTIONS {
            if !self.is_touched(Field::Filter(s)) {
                self.settings.set_filter(s, saved.filter(s));
            }
            if !self.is_touched(Field::Collapsed(s)) {
                self.settings.set_collapsed(s, saved.is_collapsed(s));
            }
        }
        self.arrived = true;
        !self.touched.is_empty()
    }

    /// The analyst has changed this field since the app started.
    pub fn is_touched(&self, field: Field) -> bool {
        self.touched.contains(&field)
    }
}

/// Reads the element's settings; any failure or hostile answer reads as none.
pub async fn load<T: Transport>(client: &Client<T>, element_id: u64) -> Settings {
    client.space_state_exchange(&element_id.to_string(), None).await.map(|body| Settings::from_answer(&body)).unwrap_or_default()
}

/// Saves the element's settings; false when the server did not take them.
pub async fn save<T: Transport>(client: &Client<T>, element_id: u64, settings: &Settings) -> bool {
    client.space_state_exchange(&element_id.to_string(), Some(&settings.to_state())).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert_eq!(
            s.to_state(),
            json!({"v": 1, "filters": {"associated-indicators": "<img src=x onerror=alert(1)>"}, "collapsed": ["associated-indicators"]})
        );

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
        for body in [
            &b"not json"[..],
            b"",
            b"[]",
            b"null",
            br#"{"status":"Success","data":{"state":[1,2]}}"#,
            br#"{"state":{"v":1,"filters":{"associated-groups":"x"}}}"#,
        ] {
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
}

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

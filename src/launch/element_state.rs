//! Per-Space-element settings: each association list's last filter and sort, kept
//! per item (the item they were set on, never another), and which sections are
//! collapsed, in ThreatConnect's Spaces element state
//! (`/v2/exchange/spaces/{tcSpaceElementId}/state`) so a Space opens as the
//! analyst left it.
//!
//! Filters are kept for the [`MAX_ITEMS`] most recently filtered items, each
//! named by [`item_key`] (a hash of its type, value or id, and owner: the
//! element's state carries no indicator value), so what is saved stays under
//! [`MAX_ANSWER`] bytes whatever is typed.
//!
//! What comes back from that state is hostile input like any other API value:
//! anyone who can write the element's state can put anything there. So the
//! answer is size-capped before it is parsed, only the sections Pivot has are
//! read (unknown keys are ignored), item keys must be 16 hex digits, and a filter
//! must be short plain text. Nothing of it is ever put into the page as HTML.
//!
//! Saving is not write-back: it changes no intelligence, only how this app
//! instance looks, so it happens whether or not `allowWriteBack` is on.

use serde_json::{Map, Value};

use super::SelectedItem;
use threatconnect::{Client, Sort, Transport};

/// The sections whose state is kept (the association lists' `data-section`).
pub const SECTIONS: [&str; 2] = ["associated-groups", "associated-indicators"];

/// How many items keep their filters: the most recently filtered ones.
pub const MAX_ITEMS: usize = 20;

/// A saved filter longer than this (in characters) is ignored; a longer typed one is not saved.
pub const MAX_FILTER: usize = 200;

/// A state answer larger than this is ignored unread. What Pivot saves is never larger:
/// [`MAX_ITEMS`] items of two [`MAX_FILTER`]-character filters of 4-byte characters
/// (`settings_at_their_largest_fit_the_answer_cap` checks it).
pub const MAX_ANSWER: usize = 40 * 1024;

/// The settings format; any other version is ignored (version 1, filters per element
/// rather than per item, keeps only its collapsed sections).
const VERSION: u64 = 2;

/// The known section of that name (the `&'static` one, so nothing else can be kept).
pub fn section(name: &str) -> Option<&'static str> {
    SECTIONS.iter().copied().find(|s| *s == name)
}

/// The key an item's kept filters go under: FNV-1a (64 bits) of its address fragment
/// (type, value or id, owner), so two items never share a filter.
pub fn item_key(item: &SelectedItem) -> u64 {
    crate::trail::to_fragment(item).bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn key_text(key: u64) -> String {
    format!("{key:016x}")
}

fn parse_key(text: &str) -> Option<u64> {
    (text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then(|| u64::from_str_radix(text, 16).ok()).flatten()
}

/// What is kept for one Space element: per item, one filter and one sort per section of
/// [`SECTIONS`]; per element, which sections are collapsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The most recently filtered or sorted item first, at most [`MAX_ITEMS`], none with only
    /// empty filters and sorts.
    items: Vec<(u64, Kept)>,
    collapsed: [bool; SECTIONS.len()],
}

/// An item's filters and sorts ([`Sort::key`]), one of each per section ("" when none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Kept {
    filters: [String; SECTIONS.len()],
    sorts: [String; SECTIONS.len()],
}

impl Kept {
    fn is_empty(&self) -> bool {
        self.filters.iter().chain(&self.sorts).all(String::is_empty)
    }
}

/// A kept sort is one Pivot writes (`rating desc`); nothing else is read back.
fn usable_sort(text: &str) -> bool {
    Sort::from_key(text).is_some()
}

fn usable_filter(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_FILTER && !text.chars().any(char::is_control)
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

    /// From the element's state object: only known sections, valid item keys, valid values.
    pub fn from_state(state: &Value) -> Settings {
        let mut out = Settings::default();
        let version = state.get("v").and_then(Value::as_u64);
        if version != Some(VERSION) && version != Some(1) {
            return out;
        }
        for (i, s) in SECTIONS.iter().enumerate() {
            out.collapsed[i] = state.get("collapsed").and_then(Value::as_array).is_some_and(|l| l.iter().any(|v| v.as_str() == Some(s)));
        }
        if version != Some(VERSION) {
            return out;
        }
        for entry in state.get("items").and_then(Value::as_array).into_iter().flatten() {
            if out.items.len() == MAX_ITEMS {
                break;
            }
            let Some(key) = entry.get("item").and_then(Value::as_str).and_then(parse_key) else { continue };
            if out.items.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let mut kept = Kept::default();
            for (i, s) in SECTIONS.iter().enumerate() {
                if let Some(text) = entry.get("filters").and_then(|f| f.get(s)).and_then(Value::as_str).filter(|t| usable_filter(t)) {
                    kept.filters[i] = text.to_owned();
                }
                if let Some(text) = entry.get("sorts").and_then(|f| f.get(s)).and_then(Value::as_str).filter(|t| usable_sort(t)) {
                    kept.sorts[i] = text.to_owned();
                }
            }
            if !kept.is_empty() {
                out.items.push((key, kept));
            }
        }
        out
    }

    /// The state object saved for the element. (Built by hand: `json!` and a collected
    /// `Map` would bring a serializer and a sort into the panels' wasm.)
    pub fn to_state(&self) -> Value {
        let mut items = Vec::new();
        for (key, kept) in &self.items {
            let of = |list: &[String; SECTIONS.len()]| {
                let mut m = Map::new();
                for (i, s) in SECTIONS.iter().enumerate() {
                    if !list[i].is_empty() {
                        m.insert((*s).to_owned(), Value::from(list[i].as_str()));
                    }
                }
                m
            };
            let mut entry = Map::new();
            entry.insert("item".into(), Value::from(key_text(*key)));
            entry.insert("filters".into(), Value::Object(of(&kept.filters)));
            if kept.sorts.iter().any(|s| !s.is_empty()) {
                entry.insert("sorts".into(), Value::Object(of(&kept.sorts)));
            }
            items.push(Value::Object(entry));
        }
        let collapsed = SECTIONS.iter().enumerate().filter(|(i, _)| self.collapsed[*i]).map(|(_, s)| Value::from(*s)).collect();
        let mut state = Map::new();
        state.insert("v".into(), Value::from(VERSION));
        state.insert("items".into(), Value::Array(items));
        state.insert("collapsed".into(), Value::Array(collapsed));
        Value::Object(state)
    }

    /// The section's kept filter on `item` ("" when none).
    pub fn filter(&self, item: u64, section: &str) -> &str {
        match (self.items.iter().find(|(k, _)| *k == item), slot(section)) {
            (Some((_, kept)), Some(i)) => kept.filters[i].as_str(),
            _ => "",
        }
    }

    /// The section's kept sort on `item`.
    pub fn sort(&self, item: u64, section: &str) -> Option<Sort> {
        match (self.items.iter().find(|(k, _)| *k == item), slot(section)) {
            (Some((_, kept)), Some(i)) => Sort::from_key(&kept.sorts[i]),
            _ => None,
        }
    }

    /// Keeps `text` as the section's filter on `item`, which becomes the most recent
    /// (the least recent beyond [`MAX_ITEMS`] is forgotten); an empty, overlong or
    /// control-character filter keeps none.
    pub fn set_filter(&mut self, item: u64, section: &str, text: &str) {
        let text = if usable_filter(text) { text } else { "" };
        self.set(item, section, |k, i| k.filters[i] = text.to_owned());
    }

    /// Keeps `sort` as the section's sort on `item` (which becomes the most recent); `None` keeps none.
    pub fn set_sort(&mut self, item: u64, section: &str, sort: Option<Sort>) {
        self.set(item, section, |k, i| k.sorts[i] = sort.map(Sort::key).unwrap_or_default());
    }

    fn set(&mut self, item: u64, section: &str, change: impl FnOnce(&mut Kept, usize)) {
        let Some(i) = slot(section) else { return };
        let mut kept = match self.items.iter().position(|(k, _)| *k == item) {
            Some(at) => self.items.remove(at).1,
            None => Kept::default(),
        };
        change(&mut kept, i);
        if !kept.is_empty() {
            self.items.insert(0, (item, kept));
            self.items.truncate(MAX_ITEMS);
        }
    }

    /// The items with a kept filter or sort, the most recent first.
    pub fn items(&self) -> impl Iterator<Item = u64> + '_ {
        self.items.iter().map(|(k, _)| *k)
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

/// One setting the analyst can change: a section's filter or sort on an item ([`item_key`]),
/// or whether a section is collapsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Filter(u64, &'static str),
    Sort(u64, &'static str),
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
    /// The analyst changed a setting: `filter` is a filter's text or a sort's [`Sort::key`].
    pub fn change(&mut self, field: Field, filter: &str, collapsed: bool) {
        match field {
            Field::Filter(item, s) => self.settings.set_filter(item, s, filter),
            Field::Sort(item, s) => self.settings.set_sort(item, s, Sort::from_key(filter)),
            Field::Collapsed(s) => self.settings.set_collapsed(s, collapsed),
        }
        if !self.touched.contains(&field) {
            self.touched.push(field);
        }
    }

    /// The saved state arrived: it fills every field the analyst has not changed
    /// (what was changed meanwhile is the most recent).
    /// True when something the analyst changed meanwhile is still to be saved.
    pub fn arrive(&mut self, saved: Settings) -> bool {
        let mine = std::mem::replace(&mut self.settings, saved);
        for field in &self.touched {
            match *field {
                Field::Filter(item, s) => self.settings.set_filter(item, s, mine.filter(item, s)),
                Field::Sort(item, s) => self.settings.set_sort(item, s, mine.sort(item, s)),
                Field::Collapsed(s) => self.settings.set_collapsed(s, mine.is_collapsed(s)),
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
    use threatconnect::{GroupType, IndicatorType, SortField};

    const GROUPS: &str = "associated-groups";
    const INDICATORS: &str = "associated-indicators";

    fn answer(state: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"status": "Success", "data": {"state": state}})).unwrap()
    }

    fn host(value: &str) -> u64 {
        item_key(&SelectedItem::Indicator { kind: IndicatorType::Host, summary: value.into(), owner: Some("Demo Org".into()) })
    }

    fn campaign() -> u64 {
        item_key(&SelectedItem::Group { kind: GroupType::Campaign, id: 1, owner: Some("Demo Org".into()) })
    }

    #[test]
    fn item_keys_tell_items_apart_and_are_fnv1a_of_the_fragment() {
        // FNV-1a 64 of "#type=Incident&id=9", computed independently (Python: the published algorithm).
        let incident = SelectedItem::Group { kind: GroupType::Incident, id: 9, owner: None };
        assert_eq!(crate::trail::to_fragment(&incident), "#type=Incident&id=9");
        assert_eq!(key_text(item_key(&incident)), "ce46aef2b5d6a148");
        let keys = [host("a.test"), host("b.test"), campaign(), item_key(&SelectedItem::Group { kind: GroupType::Campaign, id: 1, owner: None })];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn saved_state_reads_back_as_written_per_item() {
        let mut s = Settings::default();
        s.set_filter(campaign(), INDICATORS, "100.64.7.");
        s.set_filter(host("a.test"), GROUPS, "APT");
        s.set_collapsed(GROUPS, true);
        let state = s.to_state();
        assert_eq!(
            state,
            json!({"v": 2, "items": [
                {"item": key_text(host("a.test")), "filters": {"associated-groups": "APT"}},
                {"item": key_text(campaign()), "filters": {"associated-indicators": "100.64.7."}}
            ], "collapsed": ["associated-groups"]})
        );
        let back = Settings::from_answer(&answer(state));
        assert_eq!(back, s);
        assert_eq!((back.filter(campaign(), INDICATORS), back.filter(campaign(), GROUPS)), ("100.64.7.", ""));
        // The filter belongs to the item it was typed on: another item has none.
        assert_eq!(back.filter(host("b.test"), INDICATORS), "");
        assert_eq!(back.filter(host("a.test"), INDICATORS), "");
        assert_eq!((back.is_collapsed(GROUPS), back.is_collapsed(INDICATORS)), (true, false));
    }

    #[test]
    fn a_sort_is_kept_beside_the_filter_of_its_item_and_only_a_known_sort_reads_back() {
        let rating = Sort { field: SortField::Rating, descending: true };
        let mut s = Settings::default();
        s.set_filter(campaign(), INDICATORS, "100.64.7.");
        s.set_sort(campaign(), INDICATORS, Some(rating));
        s.set_sort(host("a.test"), GROUPS, Some(Sort { field: SortField::LastModified, descending: false }));
        let state = s.to_state();
        assert_eq!(
            state["items"],
            json!([
                {"item": key_text(host("a.test")), "filters": {}, "sorts": {"associated-groups": "modified asc"}},
                {"item": key_text(campaign()), "filters": {"associated-indicators": "100.64.7."}, "sorts": {"associated-indicators": "rating desc"}}
            ])
        );
        let back = Settings::from_answer(&answer(state));
        assert_eq!(back, s);
        assert_eq!((back.sort(campaign(), INDICATORS), back.sort(campaign(), GROUPS)), (Some(rating), None));
        assert_eq!(back.sort(host("b.test"), GROUPS), None, "another item has none");
        // Clearing the filter keeps the item for its sort; clearing both forgets it.
        let mut s = back;
        s.set_filter(campaign(), INDICATORS, "");
        assert_eq!(s.sort(campaign(), INDICATORS), Some(rating));
        s.set_sort(campaign(), INDICATORS, None);
        assert_eq!(s.items().collect::<Vec<_>>(), vec![host("a.test")]);
        // A hostile sort in a saved state is not read: not the API's text, not a parameter.
        let c = key_text(campaign());
        for bad in [json!("rating%20desc&owner=x"), json!("summary desc"), json!("rating DESC"), json!(5), json!("<img src=x> asc")] {
            let st = json!({"v": 2, "items": [{"item": c, "filters": {}, "sorts": {INDICATORS: bad}}]});
            assert_eq!(Settings::from_state(&st), Settings::default(), "{bad}");
        }
        // A sort changed before the saved state arrived wins over the saved one.
        let mut saved = Settings::default();
        saved.set_sort(campaign(), INDICATORS, Some(rating));
        let mut store = Store::default();
        store.change(Field::Sort(campaign(), INDICATORS), "owner asc", false);
        assert!(store.arrive(saved));
        assert_eq!(store.settings.sort(campaign(), INDICATORS), Some(Sort { field: SortField::Owner, descending: false }));
    }

    #[test]
    fn only_the_most_recent_items_are_kept_and_a_cleared_item_is_dropped() {
        let mut s = Settings::default();
        for n in 0..MAX_ITEMS + 5 {
            s.set_filter(host(&format!("h{n}.test")), INDICATORS, "x");
        }
        let kept: Vec<u64> = s.items().collect();
        let want: Vec<u64> = (5..MAX_ITEMS + 5).rev().map(|n| host(&format!("h{n}.test"))).collect();
        assert_eq!(kept, want);
        // Filtering an older item again makes it the most recent.
        s.set_filter(host("h7.test"), GROUPS, "y");
        assert_eq!(s.items().next(), Some(host("h7.test")));
        assert_eq!(s.filter(host("h7.test"), INDICATORS), "x");
        // Clearing both filters forgets the item.
        s.set_filter(host("h7.test"), GROUPS, "");
        s.set_filter(host("h7.test"), INDICATORS, " ");
        assert!(!s.items().any(|k| k == host("h7.test")));
        assert_eq!(s.items().count(), MAX_ITEMS - 1);
    }

    #[test]
    fn settings_at_their_largest_fit_the_answer_cap() {
        let mut s = Settings::default();
        let widest = "\u{10FFFF}".repeat(MAX_FILTER);
        for n in 0..MAX_ITEMS {
            s.set_filter(host(&n.to_string()), INDICATORS, &widest);
            s.set_filter(host(&n.to_string()), GROUPS, &widest);
        }
        s.set_collapsed(GROUPS, true);
        s.set_collapsed(INDICATORS, true);
        // Every item sorted too, by the longest key.
        let longest = SortField::ALL.into_iter().map(|f| Sort { field: f, descending: true }).max_by_key(|s| s.key().len());
        for n in 0..MAX_ITEMS {
            s.set_sort(host(&n.to_string()), INDICATORS, longest);
            s.set_sort(host(&n.to_string()), GROUPS, longest);
        }
        let body = answer(s.to_state());
        assert!(body.len() <= MAX_ANSWER, "{} bytes", body.len());
        assert_eq!(Settings::from_answer(&body), s);
    }

    #[test]
    fn hostile_state_keeps_only_known_sections_valid_keys_and_plain_short_filters() {
        let long = "x".repeat(MAX_FILTER + 1);
        let c = key_text(campaign());
        let state = json!({
            "v": 2,
            "items": [
                {"item": c, "filters": {
                    "associated-indicators": "<img src=x onerror=alert(1)>",
                    "associated-groups": long,
                    "__proto__": "a", "whois": "b", "constructor": {"toString": 1}
                }},
                {"item": c, "filters": {"associated-groups": "a duplicate is ignored"}},
                {"item": "CE46AEF2B5D6A148", "filters": {"associated-groups": "upper-case key"}},
                {"item": "../../x", "filters": {"associated-groups": "bad key"}},
                {"item": 42, "filters": {"associated-groups": "number key"}},
                {"filters": {"associated-groups": "no key"}},
                "text", null, [1, 2]
            ],
            "collapsed": ["associated-indicators", 42, {"a": 1}, "whois", "__proto__", null],
            "html": "<script>alert(1)</script>"
        });
        let s = Settings::from_state(&state);
        // HTML is only text here (the view sets it as an input's value, never as markup).
        assert_eq!(s.filter(campaign(), INDICATORS), "<img src=x onerror=alert(1)>");
        assert_eq!(s.filter(campaign(), GROUPS), "", "a filter over {MAX_FILTER} characters is dropped");
        assert_eq!(s.filter(campaign(), "whois"), "");
        assert_eq!(s.items().collect::<Vec<_>>(), vec![campaign()]);
        assert!(s.is_collapsed(INDICATORS));
        assert!(!s.is_collapsed("whois") && !s.is_collapsed("__proto__") && !s.is_collapsed(GROUPS));

        // More items than kept: only the first MAX_ITEMS are read.
        let many: Vec<Value> = (0..MAX_ITEMS as u64 + 10).map(|n| json!({"item": key_text(n), "filters": {GROUPS: "g"}})).collect();
        assert_eq!(Settings::from_state(&json!({"v": 2, "items": many})).items().count(), MAX_ITEMS);

        // Exactly the limit is kept; control characters (a newline, U+009B) are not.
        let at_limit = "é".repeat(MAX_FILTER);
        let one = |f: &str| json!({"v": 2, "items": [{"item": c, "filters": {GROUPS: f}}]});
        assert_eq!(Settings::from_state(&one(&at_limit)).filter(campaign(), GROUPS), at_limit);
        for bad in ["a\nb", "a\u{9b}b", "\u{1b}[31m"] {
            assert_eq!(Settings::from_state(&one(bad)).filter(campaign(), GROUPS), "", "{bad:?}");
        }
    }

    #[test]
    fn malformed_oversized_or_other_version_reads_as_nothing() {
        let c = key_text(campaign());
        let valid = json!({"v": 2, "items": [{"item": c, "filters": {INDICATORS: "evil"}}], "collapsed": [GROUPS]});
        let mut want = Settings::default();
        want.set_filter(campaign(), INDICATORS, "evil");
        want.set_collapsed(GROUPS, true);
        assert_eq!(Settings::from_answer(&answer(valid.clone())), want);
        // The same settings padded over the cap: not parsed at all.
        let mut padded = valid.clone();
        padded["padding"] = Value::from("y".repeat(MAX_ANSWER));
        assert_eq!(Settings::from_answer(&answer(padded)), Settings::default());
        let mut versioned = valid.clone();
        versioned["v"] = json!(3);
        assert_eq!(Settings::from_answer(&answer(versioned.clone())), Settings::default());
        versioned["v"] = json!("2");
        assert_eq!(Settings::from_answer(&answer(versioned)), Settings::default());
        // The per-element format before: its filter followed the analyst to every item, so
        // only its collapsed sections are kept.
        let old = json!({"v": 1, "filters": {INDICATORS: "100.64.7."}, "collapsed": [GROUPS]});
        let mut collapsed_only = Settings::default();
        collapsed_only.set_collapsed(GROUPS, true);
        assert_eq!(Settings::from_answer(&answer(old)), collapsed_only);
        for body in [&b"not json"[..], b"", b"[]", b"null", br#"{"status":"Success","data":{"state":[1,2]}}"#, br#"{"state":{"v":2,"items":[]}}"#] {
            assert_eq!(Settings::from_answer(body), Settings::default(), "{}", String::from_utf8_lossy(body));
        }
        // Deeply nested JSON: refused by the parser, no stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(Settings::from_answer(deep.as_bytes()), Settings::default());
    }

    #[test]
    fn what_the_analyst_changed_before_the_state_arrived_wins_field_by_field() {
        let (c, h) = (campaign(), host("a.test"));
        let mut saved = Settings::default();
        saved.set_filter(c, INDICATORS, "saved");
        saved.set_filter(c, GROUPS, "saved-groups");
        saved.set_filter(h, GROUPS, "saved-host");
        saved.set_collapsed(GROUPS, true);
        saved.set_collapsed(INDICATORS, true);

        let mut store = Store::default();
        store.change(Field::Filter(c, INDICATORS), "typed", false);
        assert!(!store.arrived);
        assert!(store.arrive(saved.clone()), "the typed filter is still to be saved");
        assert!(store.arrived);
        assert_eq!(store.settings.filter(c, INDICATORS), "typed");
        assert_eq!(store.settings.filter(c, GROUPS), "saved-groups");
        assert_eq!(store.settings.filter(h, GROUPS), "saved-host");
        assert_eq!(store.settings.items().next(), Some(c), "what was typed is the most recent");
        assert!(store.settings.is_collapsed(GROUPS) && store.settings.is_collapsed(INDICATORS));

        // Untouched: the saved state as it is, nothing to save.
        let mut quiet = Store::default();
        assert!(!quiet.arrive(saved.clone()));
        assert_eq!(quiet.settings, saved);

        // A section expanded before arrival stays expanded; clearing a filter keeps none.
        let mut s = Store::default();
        s.change(Field::Collapsed(GROUPS), "", false);
        s.change(Field::Filter(c, GROUPS), "", false);
        s.arrive(saved);
        assert!(!s.settings.is_collapsed(GROUPS) && s.settings.is_collapsed(INDICATORS));
        assert_eq!((s.settings.filter(c, GROUPS), s.settings.filter(c, INDICATORS)), ("", "saved"));
    }
}

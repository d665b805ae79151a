//! The pivot trail: where the analyst has been, where back and forward go,
//! and the URL fragment that names the current item so a reload shows it.
//! Pure. The fragment carries only the item (type, value or id, owner),
//! never the token.

use crate::launch::{form_decode, parse_context_type, ContextType, SelectedItem, TAG};
// The client's encoder: unreserved characters only, so any value survives the fragment.
use threatconnect::http::encode_component as encode;

/// `#type=Host&value=bad.example.com&owner=Demo%20Org`, `#type=Incident&id=17`.
pub fn to_fragment(item: &SelectedItem) -> String {
    let (type_name, key, value) = match item {
        SelectedItem::Indicator { kind, summary, .. } => (kind.type_name().to_owned(), "value", summary.clone()),
        SelectedItem::Group { kind, id, .. } => (kind.type_name().to_owned(), "id", id.to_string()),
        SelectedItem::Unsupported { type_name, value, .. } => (type_name.clone(), "value", value.clone()),
    };
    let mut out = format!("#type={}&{key}={}", encode(&type_name), encode(&value));
    if let Some(owner) = item.owner() {
        out.push_str("&owner=");
        out.push_str(&encode(owner));
    }
    out
}

/// The item a fragment names; `None` for an empty or unreadable fragment
/// (the app then falls back to the item ThreatConnect selected).
pub fn from_fragment(fragment: &str) -> Option<SelectedItem> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let (mut kind, mut value, mut id, mut owner) = (None, None, None, None);
    for part in fragment.split('&') {
        let (k, v) = part.split_once('=')?;
        let v = form_decode(v).ok()?;
        match k {
            "type" => kind = Some(v),
            "value" => value = Some(v),
            "id" => id = Some(v),
            "owner" => owner = Some(v).filter(|o| !o.is_empty()),
            _ => {}
        }
    }
    match parse_context_type(&kind?) {
        ContextType::Indicator(kind) => Some(SelectedItem::Indicator { kind, summary: value.filter(|v| !v.is_empty())?, owner }),
        ContextType::Group(kind) => Some(SelectedItem::Group { kind, id: id?.parse().ok()?, owner }),
        ContextType::Unsupported(t) if t == TAG => Some(SelectedItem::Unsupported { type_name: t, value: value.filter(|v| !v.is_empty())?, owner }),
        ContextType::Unsupported(_) => None,
    }
}

/// What the publish and import page (`publish-import.html`, its own wasm so the panels'
/// first load does not carry Cross-Intel Sharing) is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageAction {
    /// Publish this group.
    Publish { kind: threatconnect::GroupType, id: u64 },
    /// Import a package file.
    Import,
}

/// The publish and import page's address: `publish-import.html#action=publish&type=Incident&id=9`.
/// `back` is the item the analyst came from (the group itself for Publish),
/// so the page's way back reopens it.
pub fn publish_import_href(action: &PageAction, back: Option<&SelectedItem>) -> String {
    let (name, item) = match action {
        PageAction::Publish { kind, id } => {
            ("publish", Some(SelectedItem::Group { kind: *kind, id: *id, owner: back.and_then(|b| b.owner().map(str::to_owned)) }))
        }
        PageAction::Import => ("import", back.cloned()),
    };
    let rest = item.as_ref().map(to_fragment).unwrap_or_default().replacen('#', "&", 1);
    format!("publish-import.html#action={name}{rest}")
}

/// The triage page (`triage.html`): with an indicator, it looks that value up and opens
/// every owner's copy side by side; without, it starts with an empty paste box.
pub fn triage_href(item: Option<&SelectedItem>) -> String {
    match item {
        Some(i @ SelectedItem::Indicator { .. }) => format!("triage.html{}", to_fragment(i)),
        _ => "triage.html".to_owned(),
    }
}

/// The action and way back `publish_import_href` wrote. `Err` names what is wrong.
pub fn parse_publish_import_fragment(fragment: &str) -> Result<(PageAction, Option<SelectedItem>), String> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let (first, rest) = fragment.split_once('&').unwrap_or((fragment, ""));
    let back = from_fragment(rest);
    match first {
        "" | "action=import" => Ok((PageAction::Import, back)),
        "action=publish" => match &back {
            Some(SelectedItem::Group { kind, id, .. }) => Ok((PageAction::Publish { kind: *kind, id: *id }, back.clone())),
            _ => Err("The address names no group to publish. Open the group in Pivot and choose Publish there.".into()),
        },
        _ => Err(format!(
            "The address asks for \"{}\", which the publish and import page does not know. Open it from Pivot's panels.",
            first.chars().take(40).collect::<String>()
        )),
    }
}

/// The panels' address for a way back from the publish and import page.
pub fn panels_href(back: Option<&SelectedItem>) -> String {
    format!("index.html{}", back.map(to_fragment).unwrap_or_default())
}

/// Back/forward history of pivots, like a browser's: visiting a new item
/// from the middle of the trail drops what was ahead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail {
    items: Vec<SelectedItem>,
    /// Each step's name once its panel has read it (a group is addressed by id, named by the API).
    names: Vec<Option<String>>,
    current: usize,
}

/// The longest name a step keeps, in characters (a name is the adversary's to choose).
pub const MAX_NAME_CHARS: usize = 80;

impl Trail {
    pub fn new(start: SelectedItem) -> Self {
        Self { items: vec![start], names: vec![None], current: 0 }
    }

    pub fn current(&self) -> &SelectedItem {
        &self.items[self.current]
    }

    /// Pivot to `item`. Visiting the current item again is not a new step.
    pub fn visit(&mut self, item: SelectedItem) {
        if *self.current() == item {
            return;
        }
        self.items.truncate(self.current + 1);
        self.names.truncate(self.current + 1);
        self.items.push(item);
        self.names.push(None);
        self.current += 1;
    }

    /// `item` is called `name` (its panel read it): every step on it shows the name, cut to
    /// [`MAX_NAME_CHARS`] with an ellipsis.
    pub fn name_item(&mut self, item: &SelectedItem, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let kept = match name.char_indices().nth(MAX_NAME_CHARS) {
            Some((at, _)) => format!("{}…", &name[..at]),
            None => name.to_owned(),
        };
        for (i, _) in self.items.iter().enumerate().filter(|(_, i)| *i == item) {
            self.names[i] = Some(kept.clone());
        }
    }

    /// The name step `index` was given, if its panel has read one.
    pub fn name(&self, index: usize) -> Option<&str> {
        self.names.get(index)?.as_deref()
    }

    /// The name of `item` where the trail knows it.
    pub fn name_of(&self, item: &SelectedItem) -> Option<&str> {
        self.items.iter().position(|i| i == item).and_then(|i| self.name(i))
    }

    pub fn can_go_back(&self) -> bool {
        self.current > 0
    }

    pub fn can_go_forward(&self) -> bool {
        self.current + 1 < self.items.len()
    }

    pub fn back(&mut self) -> Option<&SelectedItem> {
        self.can_go_back().then(|| {
            self.current -= 1;
            &self.items[self.current]
        })
    }

    pub fn forward(&mut self) -> Option<&SelectedItem> {
        self.can_go_forward().then(|| {
            self.current += 1;
            &self.items[self.current]
        })
    }

    /// Jump to a step of the breadcrumb.
    pub fn go_to(&mut self, index: usize) -> Option<&SelectedItem> {
        (index < self.items.len()).then(|| {
            self.current = index;
            &self.items[index]
        })
    }

    /// Every step, including those ahead of the current one.
    pub fn items(&self) -> &[SelectedItem] {
        &self.items
    }

    /// The breadcrumb: every step up to and including the current one.
    pub fn breadcrumb(&self) -> &[SelectedItem] {
        &self.items[..=self.current]
    }

    pub fn position(&self) -> usize {
        self.current
    }

    /// The trail as text for this tab's session storage, so a reload keeps
    /// back and forward: the position, then one step per line, its fragment and, after a
    /// tab, its name (both percent-encoded, so they hold no newline or tab). Never the token.
    pub fn encode(&self) -> String {
        let mut out = self.current.to_string();
        for (item, name) in self.items.iter().zip(&self.names) {
            out.push('\n');
            out.push_str(&to_fragment(item));
            if let Some(name) = name {
                out.push('\t');
                out.push_str(&encode(name));
            }
        }
        out
    }

    /// The trail [`Trail::encode`] wrote; `None` when anything is off.
    pub fn decode(text: &str) -> Option<Trail> {
        let mut lines = text.lines();
        let current: usize = lines.next()?.parse().ok()?;
        let (mut items, mut names) = (Vec::new(), Vec::new());
        for line in lines {
            let (fragment, name) = line.split_once('\t').unwrap_or((line, ""));
            items.push(from_fragment(fragment)?);
            names.push(Some(form_decode(name).ok()?).filter(|n| !n.is_empty()));
        }
        let mut trail = Trail { items, names: vec![None; names.len()], current };
        // Through name_item, so a stored name obeys the same bound as a fresh one.
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name {
                let item = trail.items[i].clone();
                trail.name_item(&item, name);
            }
        }
        (current < trail.items.len()).then_some(trail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatconnect::{GroupType, IndicatorType};

    #[test]
    fn the_triage_page_is_given_an_indicator_only() {
        let ind = SelectedItem::Indicator { kind: IndicatorType::Host, summary: "bad.example.com".into(), owner: None };
        let href = triage_href(Some(&ind));
        assert_eq!(href, "triage.html#type=Host&value=bad.example.com");
        assert_eq!(from_fragment(href.strip_prefix("triage.html").unwrap()), Some(ind));
        let group = SelectedItem::Group { kind: GroupType::Incident, id: 9, owner: None };
        assert_eq!(triage_href(Some(&group)), "triage.html");
        assert_eq!(triage_href(None), "triage.html");
    }

    #[test]
    fn page_addresses_round_trip_and_refuse_what_they_do_not_know() {
        let group = SelectedItem::Group { kind: GroupType::Incident, id: 9, owner: Some("Demo Org".into()) };
        let publish = PageAction::Publish { kind: GroupType::Incident, id: 9 };
        let href = publish_import_href(&publish, Some(&group));
        assert_eq!(href, "publish-import.html#action=publish&type=Incident&id=9&owner=Demo%20Org");
        let fragment = href.strip_prefix("publish-import.html").unwrap();
        assert_eq!(parse_publish_import_fragment(fragment), Ok((publish, Some(group.clone()))));
        assert_eq!(panels_href(Some(&group)), "index.html#type=Incident&id=9&owner=Demo%20Org");

        let url = host("a.example/?#%+");
        let href = publish_import_href(&PageAction::Import, Some(&url));
        let (action, back) = parse_publish_import_fragment(href.strip_prefix("publish-import.html").unwrap()).unwrap();
        assert_eq!((action, back), (PageAction::Import, Some(url)));
        assert_eq!(parse_publish_import_fragment(""), Ok((PageAction::Import, None)));
        assert_eq!(publish_import_href(&PageAction::Import, None), "publish-import.html#action=import");
        assert_eq!(panels_href(None), "index.html");

        assert!(parse_publish_import_fragment("#action=publish&type=Host&value=x").is_err());
        assert!(parse_publish_import_fragment("#action=publish").is_err());
        let e = parse_publish_import_fragment("#action=<script>").unwrap_err();
        assert!(e.contains("<script>"), "{e}");
    }

    fn host(v: &str) -> SelectedItem {
        SelectedItem::Indicator { kind: IndicatorType::Host, summary: v.into(), owner: Some("Demo Org".into()) }
    }

    fn group(id: u64) -> SelectedItem {
        SelectedItem::Group { kind: GroupType::Incident, id, owner: None }
    }

    #[test]
    fn fragments_round_trip_odd_values() {
        let items = [
            host("bad.example.com"),
            SelectedItem::Indicator {
                kind: IndicatorType::Url,
                summary: "http://x.test/a b/?q=1+2&r=%41#frag".into(),
                owner: Some("Owner & Co".into()),
            },
            SelectedItem::Indicator { kind: IndicatorType::EmailAddress, summary: "a+b@x.test".into(), owner: None },
            SelectedItem::Indicator { kind: IndicatorType::RegistryKey, summary: "HKLM\\Run=ü".into(), owner: None },
            SelectedItem::Indicator { kind: IndicatorType::Custom("Hashtag".into()), summary: "#x".into(), owner: None },
            SelectedItem::Group { kind: GroupType::CourseOfAction, id: 42, owner: Some("Common Community".into()) },
            SelectedItem::Unsupported { type_name: "Tag".into(), value: "APT \"28\" & <b>".into(), owner: None },
        ];
        for item in items {
            let fragment = to_fragment(&item);
            assert!(!fragment[1..].contains('#'), "{fragment}");
            assert_eq!(from_fragment(&fragment), Some(item), "{fragment}");
        }
    }

    #[test]
    fn unreadable_fragments_are_ignored() {
        for f in
            ["", "#", "#type=Host", "#type=Incident&id=x", "#type=Victim&value=5", "#type=Tag&value=", "#value=a", "#type=Host&value=%ZZ", "#junk"]
        {
            assert_eq!(from_fragment(f), None, "{f}");
        }
    }

    #[test]
    fn a_trail_survives_storage() {
        let mut t = Trail::new(host("a.test"));
        t.visit(group(1));
        t.visit(SelectedItem::Indicator { kind: IndicatorType::Url, summary: "http://x/\n?a#b".into(), owner: None });
        t.back();
        assert_eq!(Trail::decode(&t.encode()), Some(t.clone()));
        for bad in ["", "x", "5\n#type=Host&value=a", "0\n#junk"] {
            assert_eq!(Trail::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn steps_keep_the_names_their_panels_read_through_storage_and_within_bounds() {
        let mut t = Trail::new(group(1));
        t.visit(host("a.test"));
        t.visit(group(2));
        t.visit(group(1));
        // A hostile name: newline, tab, percent signs and a right-to-left override stay text.
        let hostile = "Op\tNight\nfall %0A%09 \u{202e}fdp.exe";
        t.name_item(&group(1), hostile);
        t.name_item(&group(2), "  ");
        assert_eq!((t.name(0), t.name(1), t.name(2), t.name(3)), (Some(hostile), None, None, Some(hostile)));
        let stored = t.encode();
        assert_eq!(stored.lines().count(), 5, "one line a step: {stored:?}");
        assert_eq!(Trail::decode(&stored), Some(t.clone()));

        // A long name is cut to MAX_NAME_CHARS characters (not bytes) and an ellipsis.
        let long = "é".repeat(MAX_NAME_CHARS + 20);
        t.name_item(&group(2), &long);
        assert_eq!(t.name_of(&group(2)).map(|n| n.chars().count()), Some(MAX_NAME_CHARS + 1));
        assert!(t.name_of(&group(2)).unwrap().ends_with("é…"));
        // A stored name past the bound (an older or hand-edited store) comes back cut the same way.
        let edited = format!("0\n{}\t{}", to_fragment(&group(3)), encode(&"x".repeat(500)));
        assert_eq!(Trail::decode(&edited).unwrap().name(0).map(|n| n.chars().count()), Some(MAX_NAME_CHARS + 1));
        // A step visited anew starts unnamed.
        t.back();
        t.visit(group(4));
        assert_eq!(t.name(t.position()), None);
        assert_eq!(Trail::decode("0\n#type=Incident&id=1\t%ZZ"), None, "an unreadable name is an unreadable trail");
    }

    #[test]
    fn back_forward_and_breadcrumb_behave_like_a_browser() {
        let mut t = Trail::new(host("a.test"));
        assert!(!t.can_go_back());
        t.visit(group(1));
        t.visit(host("b.test"));
        t.visit(host("b.test"));
        assert_eq!(t.breadcrumb().len(), 3);
        assert_eq!(t.back(), Some(&group(1)));
        assert_eq!(t.back(), Some(&host("a.test")));
        assert_eq!(t.back(), None);
        assert_eq!(t.forward(), Some(&group(1)));
        t.visit(group(2));
        assert!(!t.can_go_forward(), "visiting from the middle drops what was ahead");
        assert_eq!(t.breadcrumb(), &[host("a.test"), group(1), group(2)]);
        assert_eq!(t.go_to(0), Some(&host("a.test")));
        assert_eq!(t.go_to(9), None);
        assert_eq!(t.position(), 0);
    }
}

//! The search box's TQL. Pure.

use threatconnect::tql;

/// What the search box's type filter narrows to: one indicator type (then no group is
/// searched) or one group type (then no indicator is), by ThreatConnect's `typeName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchType {
    Indicator(String),
    Group(String),
}

/// What the search box looks for: an id in both collections, otherwise text in indicator
/// summaries and group names; in `owner` when set, of `kind` when set. `None` for a
/// collection the type filter leaves out (it is not asked).
pub fn search_tql(text: &str, owner: Option<&str>, kind: Option<&SearchType>) -> (Option<String>, Option<String>) {
    let text = text.trim();
    let (mut ind, mut grp) = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        (format!("id = {text}"), format!("id = {text}"))
    } else {
        let q = tql::quote(text);
        (format!("summary contains {q}"), format!("name contains {q}"))
    };
    if let Some(owner) = owner.filter(|o| !o.trim().is_empty()) {
        let o = tql::quote(owner);
        ind = format!("{ind} and ownerName = {o}");
        grp = format!("{grp} and ownerName = {o}");
    }
    match kind {
        None => (Some(ind), Some(grp)),
        Some(SearchType::Indicator(t)) => (Some(format!("{ind} and typeName = {}", tql::quote(t))), None),
        Some(SearchType::Group(t)) => (None, Some(format!("{grp} and typeName = {}", tql::quote(t)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_text_and_owner() {
        assert_eq!(search_tql("42", None, None), (Some("id = 42".into()), Some("id = 42".into())));
        let (i, g) = search_tql(" evil\"x ", Some("Demo Org"), None);
        let (i, g) = (i.unwrap(), g.unwrap());
        assert!(i.starts_with("summary contains ") && i.ends_with(" and ownerName = \"Demo Org\""), "{i}");
        assert!(g.starts_with("name contains "), "{g}");
        assert!(i.contains("evil\\\"x"), "quotes are escaped: {i}");
        assert_eq!(search_tql("x", Some(" "), None).0.unwrap(), "summary contains \"x\"");
    }

    #[test]
    fn a_type_filter_asks_only_its_collection_and_hostile_owners_stay_one_string() {
        let host = SearchType::Indicator("Host".into());
        assert_eq!(search_tql("bad", None, Some(&host)), (Some(r#"summary contains "bad" and typeName = "Host""#.into()), None));
        let incident = SearchType::Group("Incident".into());
        assert_eq!(
            search_tql("7", Some("Common Community"), Some(&incident)),
            (None, Some(r#"id = 7 and ownerName = "Common Community" and typeName = "Incident""#.into()))
        );
        // An owner's or a type's name that tries to close the string and add a clause stays
        // inside its string: TQL's escapes (a backslash before `"` and `\`), written out by hand.
        let (i, g) = search_tql("x", Some(r#"Evil" or ownerName != "\"#), Some(&SearchType::Indicator(r#"Host" or typeName != "x"#.into())));
        assert_eq!(i.unwrap(), r#"summary contains "x" and ownerName = "Evil\" or ownerName != \"\\" and typeName = "Host\" or typeName != \"x""#);
        assert_eq!(g, None);
    }
}

//! The search box's TQL. Pure.

use threatconnect::tql;

/// What the search box looks for: an id in both collections, otherwise text
/// in indicator summaries and group names; in the default owner when set.
pub fn search_tql(text: &str, owner: Option<&str>) -> (String, String) {
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
    (ind, grp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_text_and_owner() {
        assert_eq!(search_tql("42", None), ("id = 42".into(), "id = 42".into()));
        let (i, g) = search_tql(" evil\"x ", Some("Demo Org"));
        assert!(i.starts_with("summary contains ") && i.ends_with(" and ownerName = \"Demo Org\""), "{i}");
        assert!(g.starts_with("name contains "), "{g}");
        assert!(i.contains("evil\\\"x"), "quotes are escaped: {i}");
        assert_eq!(search_tql("x", Some(" ")).0, "summary contains \"x\"");
    }
}

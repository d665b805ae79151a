//! ThreatConnect Query Language text: values always go in as quoted literals,
//! so no value can add a clause to a query.

/// A TQL string literal: quotes and backslashes escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `hasIndicator(id=N)`: the items associated with indicator `id`.
pub fn has_indicator(id: i64) -> String {
    format!("hasIndicator(id={id})")
}

/// `hasGroup(id=N)`: the items associated with group `id`.
pub fn has_group(id: i64) -> String {
    format!("hasGroup(id={id})")
}

/// `id!=N and hasIndicator(id=N)`: the indicators associated with indicator `id`, without it.
/// ThreatConnect's `hasIndicator(id=N)` on `/v3/indicators` lists N itself when N has a group
/// (its associated indicators are those sharing a group with it): tcex's
/// `Indicator.associated_indicators` drops it ("Ensure the current item is not returned as a
/// association", tcex/api/tc/v3/indicators/indicator.py), and tcex writes the same `id!=N AND`
/// for an indicator's custom associations (tcex/api/tc/v3/object_abc.py).
pub fn other_indicators_of_indicator(id: i64) -> String {
    format!("id!={id} and {}", has_indicator(id))
}

/// `field in ("a","b",...)` queries for every value, each list at most `max_chars`
/// long (so URLs stay well under server limits); values in the order given.
pub fn in_chunks<'a>(field: &str, values: impl IntoIterator<Item = &'a String>, max_chars: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = 0;
    for v in values {
        let q = quote(v);
        if !cur.is_empty() && len + q.len() + 1 > max_chars {
            out.push(format!("{field} in ({})", cur.join(",")));
            cur.clear();
            len = 0;
        }
        len += q.len() + 1;
        cur.push(q);
    }
    if !cur.is_empty() {
        out.push(format!("{field} in ({})", cur.join(",")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn literals_cannot_close_their_quotes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote(""), r#""""#);
    }

    #[test]
    fn chunks_hold_every_value_once_within_the_limit() {
        let vals: BTreeSet<String> = (0..1000).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
        let chunks = in_chunks("summary", &vals, 3_000);
        assert!(chunks.len() > 1 && chunks.iter().all(|c| c.len() < 3_000 + 40));
        let joined: usize = chunks.iter().map(|c| c.matches("\"10.").count()).sum();
        assert_eq!(joined, 1000);
        assert_eq!(in_chunks("summary", &["a\"b".to_string()], 3_000), vec![r#"summary in ("a\"b")"#.to_string()]);
    }
}

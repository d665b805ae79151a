//! The lookup of a paste's values across owners, planned and merged. Pure.
//!
//! - **v3**: TQL `summary in ("a","b",...)` over `/v3/indicators` (no `owner`, so every
//!   owner the user can read answers), each query's URL-encoded `tql` at most
//!   [`TQL_ENCODED_BYTES`] long, [`CONCURRENCY`] queries at a time; each query pages on with
//!   the one pager ([`threatconnect::MAX_RESULT_LIMIT`] a page). 10,000 host names of about
//!   25 characters make about 50 queries.
//! - **v2** (an instance without v3): v2 has no TQL, but its lists take several
//!   `summary=` filters OR'd (`filters=summary=a,summary=b&orParams=true`), one owner a
//!   request. [`v2_summary_chunks`] cuts the values into such lists, each `filters`
//!   parameter at most [`TQL_ENCODED_BYTES`] encoded; the page asks each chunk of every
//!   owner the user can see, [`CONCURRENCY`] at a time. A value with a comma cannot be
//!   named (the comma ends a filter, and v2 documents no escape): it is not looked up, and
//!   the page says so.
//!
//! What comes back is merged into one [`Row`] per value: every owner's copy of it.

use crate::extract::{classify, Extracted};
use threatconnect::http::encode_component;
use threatconnect::{tql, Indicator, IndicatorType};

/// The longest URL-encoded `tql` parameter of one query, in bytes. Web servers and proxies
/// commonly refuse request lines over 8 KiB (Apache's `LimitRequestLine` 8190, nginx's
/// `large_client_header_buffers` 8k); 6,000 leaves room for the path, `resultStart`,
/// `resultLimit`, `fields` and the token-free rest of the line. Counted encoded, because a
/// quoted value's quotes, commas and slashes each take three bytes in the URL.
pub const TQL_ENCODED_BYTES: usize = 6_000;
/// Lookup requests in flight at once: enough to hide latency, few enough not to crowd
/// the instance (a browser allows six connections per origin; the page keeps two free).
pub const CONCURRENCY: usize = 4;

/// The TQL queries that look every value up, each within [`TQL_ENCODED_BYTES`] encoded; a
/// value longer than that on its own gets a query of its own. Values in the order given.
pub fn summary_queries(values: &[Extracted]) -> Vec<String> {
    const HEAD: &str = "summary in (";
    let overhead = encode_component(HEAD).len() + encode_component(")").len();
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = overhead;
    for v in values {
        let q = tql::quote(&v.value);
        let add = encode_component(&q).len() + if cur.is_empty() { 0 } else { encode_component(",").len() };
        if !cur.is_empty() && len + add > TQL_ENCODED_BYTES {
            out.push(format!("{HEAD}{})", cur.join(",")));
            cur.clear();
            len = overhead;
        }
        len += encode_component(&q).len() + if cur.is_empty() { 0 } else { encode_component(",").len() };
        cur.push(q);
    }
    if !cur.is_empty() {
        out.push(format!("{HEAD}{})", cur.join(",")));
    }
    out
}

/// The v2 filter of one value: `summary=<value>`.
fn v2_filter(value: &str) -> String {
    format!("summary={value}")
}

/// Whether a v2 `filters=` list can name `value`: a comma separates filters there, and v2
/// documents no escape for it. (The value's own `=`, `<`, `>` or `^` do not matter: the
/// first operator after the field name is the filter's.)
pub fn v2_can_filter(value: &str) -> bool {
    !value.contains(',') && !value.trim().is_empty()
}

/// A v2 lookup's plan: the values of each request, and the values no v2 filter can name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct V2Plan {
    /// The values of each request (`summary=a,summary=b,...`, OR'd), in the order given.
    pub chunks: Vec<Vec<String>>,
    /// The values left out (a comma in them), by index into the values given.
    pub not_looked_up: Vec<usize>,
}

/// The v2 lookup's chunks: each chunk's URL-encoded `filters` parameter (its filters joined
/// by commas) at most [`TQL_ENCODED_BYTES`], the same bound as a v3 query; a value longer than
/// that on its own gets a chunk of its own. Each chunk is asked once per owner.
pub fn v2_summary_chunks(values: &[Extracted]) -> V2Plan {
    let comma = encode_component(",").len();
    let mut plan = V2Plan::default();
    let mut cur: Vec<String> = Vec::new();
    let mut len = 0;
    for (i, v) in values.iter().enumerate() {
        if !v2_can_filter(&v.value) {
            plan.not_looked_up.push(i);
            continue;
        }
        let f = encode_component(&v2_filter(&v.value)).len();
        if !cur.is_empty() && len + comma + f > TQL_ENCODED_BYTES {
            plan.chunks.push(std::mem::take(&mut cur));
            len = 0;
        }
        len += if cur.is_empty() { f } else { comma + f };
        cur.push(v.value.clone());
    }
    if !cur.is_empty() {
        plan.chunks.push(cur);
    }
    plan
}

/// One pasted value and every owner's copy of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The value's type.
    pub indicator_type: IndicatorType,
    /// The value (refanged, normalised).
    pub value: String,
    /// How often the paste names it.
    pub occurrences: usize,
    /// Every owner's copy, by owner name.
    pub copies: Vec<Indicator>,
    /// The lookup asked about it (it was not cancelled first, and the API could name it).
    pub looked_up: bool,
}

impl Row {
    /// Some owner holds it.
    pub fn known(&self) -> bool {
        !self.copies.is_empty()
    }
    /// Looked up, and no owner holds it (never a value the lookup did not ask about).
    pub fn unknown(&self) -> bool {
        self.looked_up && self.copies.is_empty()
    }
    /// How the table and the CSV say what the lookup found: known, unknown or not looked up.
    pub fn status(&self) -> &'static str {
        match (self.known(), self.looked_up) {
            (true, _) => "known",
            (false, true) => "unknown",
            (false, false) => "not looked up",
        }
    }
    /// The owners holding it, by name, in order.
    pub fn owners(&self) -> Vec<&str> {
        self.copies.iter().map(|c| c.owner.name.as_str()).collect()
    }
    /// The highest rating any owner gave.
    pub fn best_rating(&self) -> Option<f64> {
        self.copies.iter().filter_map(|c| c.rating).fold(None, |a, r| Some(a.map_or(r, |a: f64| a.max(r))))
    }
    /// The highest confidence any owner gave.
    pub fn best_confidence(&self) -> Option<f64> {
        self.copies.iter().filter_map(|c| c.confidence).fold(None, |a, r| Some(a.map_or(r, |a: f64| a.max(r))))
    }
    /// False positives reported, over every copy.
    pub fn false_positives(&self) -> i64 {
        self.copies.iter().filter_map(|c| c.false_positive_count).sum()
    }
    /// Every copy's tags, by name, each once (case aside: the first owner's spelling), sorted.
    pub fn tags(&self) -> Vec<String> {
        let mut t: Vec<String> = self.copies.iter().flat_map(|c| c.tags.iter().map(|t| t.name.clone())).collect();
        t.sort_by_key(|a| a.to_lowercase());
        t.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        t
    }
    /// The latest observation over every copy (RFC 3339, compared as instants).
    pub fn last_observed(&self) -> Option<&str> {
        self.copies
            .iter()
            .filter_map(|c| c.last_observed.as_deref())
            .filter_map(|s| threatconnect::time::rfc3339_instant(s).map(|i| (i, s)))
            .max_by_key(|(i, _)| *i)
            .map(|(_, s)| s)
    }
}

/// A column the table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The value, alphabetically.
    Value,
    /// The type's name.
    Type,
    /// Known first, then by how many owners hold it.
    Owners,
    /// The best rating.
    Rating,
    /// The best confidence.
    Confidence,
    /// False positives.
    FalsePositives,
    /// The latest observation.
    LastObserved,
}

/// The rows (by index) sorted by `column`, ties in the paste's order; `descending` reverses
/// the column's order only (an unrated value stays below every rated one).
pub fn sort(rows: &[Row], column: Column, descending: bool) -> Vec<usize> {
    use std::cmp::Ordering;
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    let opt = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => {
            let o = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let dir = |o: Ordering| if descending { o.reverse() } else { o };
    idx.sort_by(|&a, &b| {
        let (x, y) = (&rows[a], &rows[b]);
        match column {
            Column::Value => dir(x.value.to_lowercase().cmp(&y.value.to_lowercase())),
            Column::Type => dir(x.indicator_type.type_name().cmp(y.indicator_type.type_name())),
            Column::Owners => dir(x.copies.len().cmp(&y.copies.len())),
            Column::Rating => opt(x.best_rating(), y.best_rating()),
            Column::Confidence => opt(x.best_confidence(), y.best_confidence()),
            Column::FalsePositives => dir(x.false_positives().cmp(&y.false_positives())),
            Column::LastObserved => {
                let t = |r: &Row| r.last_observed().and_then(threatconnect::time::rfc3339_instant).map(|(s, n)| s as f64 + f64::from(n) / 1e9);
                opt(t(x), t(y))
            }
        }
    });
    idx
}

/// The keys under which a found copy answers for pasted values: its summary normalised
/// as the paste's values are, and for a file each of its hashes.
fn keys_of(found: &Indicator) -> Vec<(IndicatorType, String)> {
    let t = &found.indicator_type;
    match t {
        IndicatorType::File => found.summary.split(" : ").map(|h| (t.clone(), h.trim().to_ascii_uppercase())).collect(),
        IndicatorType::Mutex | IndicatorType::RegistryKey | IndicatorType::UserAgent | IndicatorType::Custom(_) => {
            vec![(t.clone(), found.summary.trim().to_owned())]
        }
        _ => {
            let v = match classify(found.summary.trim()) {
                Some((ct, v)) if ct == *t => v,
                _ => found.summary.trim().to_owned(),
            };
            vec![(t.clone(), v)]
        }
    }
}

/// The table before the lookup answers: every value, none looked up yet.
pub fn pending(values: &[Extracted]) -> Vec<Row> {
    let mut out = rows(values, &[]);
    out.iter_mut().for_each(|r| r.looked_up = false);
    out
}

/// The table: one row per pasted value, in the paste's order, with every copy the lookup
/// found (each copy once, however many queries returned it), copies by owner name.
pub fn rows(values: &[Extracted], found: &[Indicator]) -> Vec<Row> {
    let mut index: std::collections::HashMap<(IndicatorType, String), usize> = std::collections::HashMap::new();
    let mut out: Vec<Row> = values
        .iter()
        .enumerate()
        .map(|(i, e)| {
            index.insert((e.indicator_type.clone(), e.value.clone()), i);
            Row { indicator_type: e.indicator_type.clone(), value: e.value.clone(), occurrences: e.occurrences, copies: Vec::new(), looked_up: true }
        })
        .collect();
    for f in found {
        for key in keys_of(f) {
            if let Some(&i) = index.get(&key) {
                if !out[i].copies.iter().any(|c| c.id == f.id) {
                    out[i].copies.push(f.clone());
                }
            }
        }
    }
    for r in &mut out {
        r.copies.sort_by(|a, b| a.owner.name.to_lowercase().cmp(&b.owner.name.to_lowercase()).then(a.id.cmp(&b.id)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Extractor, MAX_VALUES};

    fn ind(id: i64, t: &str, summary: &str, owner: &str, extra: serde_json::Value) -> Indicator {
        let mut v = serde_json::json!({"id": id, "type": t, "summary": summary, "ownerName": owner});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        Indicator::read(&v, "x", "").unwrap()
    }

    #[test]
    fn queries_stay_within_the_encoded_limit_and_name_every_value_once() {
        let text: String = (0..10_000).map(|i| format!("host{i}.example-{i}.test\n")).collect();
        let x = Extractor::default().extract(&text);
        let qs = summary_queries(&x.values);
        for q in &qs {
            assert!(encode_component(q).len() <= TQL_ENCODED_BYTES, "{}", encode_component(q).len());
            assert!(q.starts_with("summary in (\"") && q.ends_with("\")"));
        }
        let named: usize = qs.iter().map(|q| q.matches("\",\"").count() + 1).sum();
        assert_eq!(named, 10_000);
        // Each query is full: the next query's first value would not have fitted.
        let mut taken = 0;
        for q in &qs[..qs.len() - 1] {
            taken += q.matches("\",\"").count() + 1;
            let grown = format!("{},{})", q.trim_end_matches(')'), tql::quote(&x.values[taken].value));
            assert!(encode_component(&grown).len() > TQL_ENCODED_BYTES);
        }
        assert!(qs.len() < 60, "{} queries", qs.len());
    }

    /// A chunk's `filters` parameter as the client sends it (built here independently of
    /// the code under test: every filter written out, joined, encoded).
    fn filters_param(chunk: &[String]) -> String {
        encode_component(&chunk.iter().map(|v| format!("summary={v}")).collect::<Vec<_>>().join(","))
    }

    #[test]
    fn v2_chunks_stay_within_the_bound_name_every_value_once_and_leave_out_commas() {
        let mut text: String = (0..9_998).map(|i| format!("host{i}.example-{i}.test\n")).collect();
        text.push_str("User-Agent: Mozilla/5.0 (X11, Linux)\nMutex: a=b<c>^d\n");
        let x = Extractor::default().extract(&text);
        assert_eq!(x.values.len(), MAX_VALUES);
        let plan = v2_summary_chunks(&x.values);
        // The comma's value only, by its index; `=`, `<`, `>`, `^` go in a filter.
        assert_eq!(plan.not_looked_up, [9_998]);
        assert_eq!(x.values[9_998].value, "Mozilla/5.0 (X11, Linux)");
        let named: Vec<&String> = plan.chunks.iter().flatten().collect();
        assert_eq!(named.len(), 9_999);
        assert_eq!(named.last().map(|s| s.as_str()), Some("a=b<c>^d"));
        for (i, v) in named.iter().take(9_998).enumerate() {
            assert_eq!(**v, format!("host{i}.example-{i}.test"));
        }
        for c in &plan.chunks {
            assert!(filters_param(c).len() <= TQL_ENCODED_BYTES, "{}", filters_param(c).len());
        }
        // Each chunk is full: the next chunk's first value would not have fitted.
        for w in plan.chunks.windows(2) {
            let mut grown = w[0].clone();
            grown.push(w[1][0].clone());
            assert!(filters_param(&grown).len() > TQL_ENCODED_BYTES);
        }
        // `summary%3Dhost1234.example-1234.test%2C`: about 38 bytes a host, 157 a chunk, 65 chunks.
        assert!((60..80).contains(&plan.chunks.len()), "{} chunks", plan.chunks.len());
    }

    #[test]
    fn a_v2_value_longer_than_the_bound_has_a_chunk_of_its_own() {
        let long = format!("Mutex: {}", "%".repeat(2_040));
        let x = Extractor::default().extract(&format!("a.example\n{long}\nb.example"));
        assert_eq!(x.values.len(), 3);
        let plan = v2_summary_chunks(&x.values);
        assert_eq!(plan.chunks.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 1]);
        assert!(plan.not_looked_up.is_empty());
    }

    #[test]
    fn sorting_keeps_unrated_values_last_either_way() {
        let x = Extractor::default().extract("a.example b.example c.example");
        let found = [
            ind(1, "Host", "a.example", "O", serde_json::json!({"rating": 2})),
            ind(2, "Host", "c.example", "O", serde_json::json!({"rating": 4})),
            ind(3, "Host", "c.example", "P", serde_json::json!({})),
        ];
        let r = rows(&x.values, &found);
        assert_eq!(sort(&r, Column::Rating, false), [0, 2, 1]);
        assert_eq!(sort(&r, Column::Rating, true), [2, 0, 1]);
        assert_eq!(sort(&r, Column::Owners, true), [2, 0, 1]);
        assert_eq!(sort(&r, Column::Value, true), [2, 1, 0]);
    }

    #[test]
    fn quotes_in_values_cannot_close_the_list() {
        let x = Extractor::default().extract("Mutex: a\"),summary in (\"b");
        assert_eq!(summary_queries(&x.values), vec![r#"summary in ("a\"),summary in (\"b")"#.to_owned()]);
    }

    #[test]
    fn every_owners_copy_lands_on_its_pasted_value() {
        let x = Extractor::default().extract("Evil.Example\nd41d8cd98f00b204e9800998ecf8427e\n198.51.100.7\nhttp://a.example/x\n");
        let found = [
            ind(1, "Host", "evil.example", "Demo Org", serde_json::json!({"rating": 3, "confidence": 40, "tags": {"data": [{"name": "C2"}]}})),
            ind(
                2,
                "Host",
                "EVIL.example",
                "Demo Community",
                serde_json::json!({"rating": 5, "confidence": 20, "falsePositives": 2, "lastObserved": "2026-01-02T00:00:00Z", "tags": {"data": [{"name": "c2"}, {"name": "APT"}]}}),
            ),
            ind(
                3,
                "File",
                "D41D8CD98F00B204E9800998ECF8427E : DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
                "Demo Source",
                serde_json::json!({"lastObserved": "2026-01-03T00:00:00+05:00"}),
            ),
            ind(4, "URL", "HTTP://A.example:80/x", "Demo Org", serde_json::json!({})),
            // Another type with the same text is not this value.
            ind(5, "Address", "198.51.100.8", "Demo Org", serde_json::json!({})),
            ind(1, "Host", "evil.example", "Demo Org", serde_json::json!({})),
        ];
        let rows = rows(&x.values, &found);
        assert_eq!(rows.len(), 4);
        let host = &rows[0];
        assert_eq!(host.owners(), ["Demo Community", "Demo Org"]);
        assert_eq!((host.best_rating(), host.best_confidence(), host.false_positives()), (Some(5.0), Some(40.0), 2));
        // One spelling per tag, case aside: the first owner's by name (Demo Community's `c2`).
        assert_eq!(host.tags(), ["APT", "c2"]);
        assert_eq!(host.last_observed(), Some("2026-01-02T00:00:00Z"));
        assert_eq!(rows[1].owners(), ["Demo Source"]);
        assert!(!rows[2].known());
        assert_eq!((rows[2].best_rating(), rows[2].last_observed()), (None, None));
        assert_eq!(rows[3].copies.iter().map(|c| c.id).collect::<Vec<_>>(), [4]);
    }
}

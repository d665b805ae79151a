//! Write-back from the triage table, planned. Pure; the triage page sends what it plans.
//!
//! Every write goes to one owner (the app's `defaultOwner`, else the user's organization):
//! - **create**: the selected values no owner holds, as ONE v2 batch job (the Batch API
//!   takes up to [`threatconnect::batch::MAX_INDICATORS`] indicators and 2,000,000 bytes
//!   in one file), never one request per value;
//! - **associate with a group**: the owner's copies of the selected values in one v3
//!   `PUT /v3/groups/{id}` per [`ASSOCIATE_CHUNK`] indicators, their ids in the body
//!   (`associatedIndicators`, mode `append`);
//! - **tag**: the owner's copies of the selected values in ONE v2 batch job ([`tag_file`],
//!   [`tag_config`]): a `Create` of an indicator the owner holds updates it, and with
//!   `tagWriteType` `Append` (tcex's `BatchSubmit.tag_write_type`) the tag is added to the
//!   ones it has; the entries carry nothing else, so nothing else changes (v3 would take one
//!   `PUT /v3/indicators/{id}` per copy: there is no request that tags many items).
//!
//! Rows with no copy in that owner are counted, never written elsewhere.

use crate::extract::{Extracted, Extraction, MAX_VALUES};
use crate::lookup::Row;
use pivot_text::values::thousands;
use serde_json::{json, Value};
use threatconnect::{BatchConfig, Indicator};

/// Indicator ids per association request. ThreatConnect documents no limit for a nested
/// `data` array; 500 ids keep each body near 10 KB, so 10,000 associations are 20 requests.
pub const ASSOCIATE_CHUNK: usize = 500;

/// The copies one owner holds of some rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InOwner {
    /// The copies' v3 ids, each once, in the rows' order.
    pub ids: Vec<i64>,
    /// Rows (of those asked about) with no copy in the owner.
    pub missing: usize,
}

/// The copies `owner` holds of the rows `idx` names (an owner's name compared exactly, as
/// ThreatConnect names owners).
pub fn copies_in(rows: &[Row], idx: &[usize], owner: &str) -> InOwner {
    let mut out = InOwner::default();
    for r in idx.iter().filter_map(|&i| rows.get(i)) {
        let mine: Vec<i64> = r.copies.iter().filter(|c| c.owner.name == owner).map(|c| c.id).collect();
        if mine.is_empty() {
            out.missing += 1;
        }
        for id in mine {
            if !out.ids.contains(&id) {
                out.ids.push(id);
            }
        }
    }
    out
}

/// The rows of `idx` the lookup asked about and no owner holds (what "create the unknown
/// ones" creates: a value not looked up may well be known).
pub fn unknown(rows: &[Row], idx: &[usize]) -> Vec<usize> {
    idx.iter().copied().filter(|&i| rows.get(i).is_some_and(Row::unknown)).collect()
}

/// The v2 batch file that creates the rows `idx` names: `{"indicator": [{"summary", "type"}, ...]}`,
/// each value as the table holds it (refanged, normalised), its type by ThreatConnect's name.
pub fn create_file(rows: &[Row], idx: &[usize]) -> Value {
    let indicators: Vec<Value> =
        idx.iter().filter_map(|&i| rows.get(i)).map(|r| json!({"summary": r.value, "type": r.indicator_type.type_name()})).collect();
    json!({ "indicator": indicators })
}

/// The batch job settings that tag ([`tag_file`]): a `Create` into `owner` that appends tags
/// and attributes (none are sent), so each copy keeps what it had.
pub fn tag_config(owner: &str) -> BatchConfig {
    BatchConfig { attribute_write_type: "Append".into(), tag_write_type: Some("Append".into()), ..BatchConfig::create(owner) }
}

/// The v2 batch file that tags `owner`'s copies of the rows `idx` with `tag`: each copy by its
/// own summary and type (a file's as ThreatConnect summarises it, every hash), with the tag
/// and nothing else: the copies [`copies_in`] names.
pub fn tag_file(rows: &[Row], idx: &[usize], owner: &str, tag: &str) -> Value {
    let mut seen = Vec::new();
    let indicators: Vec<Value> = idx
        .iter()
        .filter_map(|&i| rows.get(i))
        .flat_map(|r| r.copies.iter().filter(|c| c.owner.name == owner))
        .filter(|c| {
            let first = !seen.contains(&c.id);
            seen.push(c.id);
            first
        })
        .map(|c| json!({"summary": c.summary, "type": c.indicator_type.type_name(), "tag": [{"name": tag}]}))
        .collect();
    json!({ "indicator": indicators })
}

/// The rows of `idx` as values to look up again (after a write, the table shows what the
/// server holds, not what was sent).
pub fn values_of(rows: &[Row], idx: &[usize]) -> Vec<Extracted> {
    idx.iter()
        .filter_map(|&i| rows.get(i))
        .map(|r| Extracted { indicator_type: r.indicator_type.clone(), value: r.value.clone(), occurrences: r.occurrences, first_line: 0 })
        .collect()
}

/// The rows of `idx` with their copies replaced by what a new lookup of them `found`.
pub fn refresh(rows: &mut [Row], idx: &[usize], found: &[Indicator]) {
    let fresh = crate::lookup::rows(&values_of(rows, idx), found);
    for (&i, r) in idx.iter().zip(fresh) {
        if let Some(row) = rows.get_mut(i) {
            row.copies = r.copies;
            row.looked_up = true;
        }
    }
}

/// The confirmation a create asks in the page: how many, where, how.
pub fn create_question(count: usize, owner: &str) -> String {
    let what = if count == 1 { "1 indicator".to_owned() } else { format!("{} indicators", thousands(count as i64)) };
    format!("Create {what} in {} with one batch job?", pivot_text::escape::dialog_name(owner))
}

/// The summary under the paste box: `10,000 values found, 301 known to some owner; 2 repeats folded.`
pub fn summary(x: &Extraction, known: usize) -> String {
    let n = |v: usize| thousands(v as i64);
    let mut notes = vec![format!("{} values found, {} known to some owner", n(x.values.len()), n(known))];
    if x.duplicates > 0 {
        notes.push(format!("{} repeats folded", n(x.duplicates)));
    }
    if x.over_limit > 0 {
        notes.push(format!("{} more past the {}-value limit left out", n(x.over_limit), n(MAX_VALUES)));
    }
    if x.too_long > 0 {
        notes.push(format!("{} too long to be indicators left out", n(x.too_long)));
    }
    if x.not_in_instance > 0 {
        notes.push(format!("{} of types this instance does not have left out", n(x.not_in_instance)));
    }
    format!("{}.", notes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use threatconnect::IndicatorType;

    fn copy(id: i64, t: &str, summary: &str, owner: &str) -> Indicator {
        let v = json!({"id": id, "type": t, "summary": summary, "ownerName": owner});
        Indicator::read(&v, "", "indicator").unwrap()
    }

    fn row(t: IndicatorType, value: &str, copies: Vec<Indicator>) -> Row {
        Row { indicator_type: t, value: value.into(), occurrences: 1, copies, looked_up: true }
    }

    fn table() -> Vec<Row> {
        vec![
            row(IndicatorType::Host, "a.test", vec![copy(1, "Host", "a.test", "Demo Org"), copy(2, "Host", "a.test", "Common Community")]),
            row(IndicatorType::Host, "b.test", vec![copy(3, "Host", "b.test", "Common Community")]),
            row(IndicatorType::Address, "10.0.0.1", vec![]),
            row(IndicatorType::Url, "http://c.test/x?a=\"1\"", vec![]),
            row(IndicatorType::File, "D41D8CD98F00B204E9800998ECF8427E", vec![copy(4, "File", "D41D8CD98F00B204E9800998ECF8427E", "Demo Org")]),
            // A value the lookup did not ask about (cancelled, or no v2 filter can name it).
            Row { looked_up: false, ..row(IndicatorType::UserAgent, "Mozilla/5.0 (X11, Linux)", vec![]) },
        ]
    }

    #[test]
    fn only_the_owners_copies_are_written_the_others_counted() {
        let t = table();
        assert_eq!(copies_in(&t, &[0, 1, 2, 4], "Demo Org"), InOwner { ids: vec![1, 4], missing: 2 });
        assert_eq!(copies_in(&t, &[0, 1], "Common Community"), InOwner { ids: vec![2, 3], missing: 0 });
        // Owner names are exact: a lookalike owner holds nothing.
        assert_eq!(copies_in(&t, &[0], "demo org"), InOwner { ids: vec![], missing: 1 });
        // An index past the table is no row.
        assert_eq!(copies_in(&t, &[99], "Demo Org"), InOwner::default());
    }

    #[test]
    fn the_create_file_holds_the_unknown_rows_as_the_batch_api_documents_them() {
        let t = table();
        let u = unknown(&t, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(u, [2, 3], "never a value not looked up");
        assert_eq!(t.iter().map(Row::status).collect::<Vec<_>>(), ["known", "known", "unknown", "unknown", "known", "not looked up"]);
        // The shape of ThreatConnect's documented batch input (tests/fixtures/threatconnect-batch).
        assert_eq!(
            create_file(&t, &u),
            json!({"indicator": [{"summary": "10.0.0.1", "type": "Address"}, {"summary": "http://c.test/x?a=\"1\"", "type": "URL"}]})
        );
        // The batch client accepts it as an upload.
        assert!(threatconnect::batch::v2::upload(1, &create_file(&t, &u)).is_ok());
    }

    #[test]
    fn the_tag_file_names_only_the_owners_copies_each_once_with_the_tag_alone() {
        let t = table();
        let file = tag_file(&t, &[0, 1, 4, 0], "Demo Org", "APT \"x\"");
        assert_eq!(copies_in(&t, &[0, 1, 4, 0], "Demo Org"), InOwner { ids: vec![1, 4], missing: 1 });
        // ThreatConnect's documented batch input: summary, type, tag as [{"name"}].
        assert_eq!(
            file,
            json!({"indicator": [
                {"summary": "a.test", "type": "Host", "tag": [{"name": "APT \"x\""}]},
                {"summary": "D41D8CD98F00B204E9800998ECF8427E", "type": "File", "tag": [{"name": "APT \"x\""}]},
            ]})
        );
        assert!(threatconnect::batch::v2::upload(1, &file).is_ok());
        let c = tag_config("Demo Org");
        assert_eq!((c.action.as_str(), c.attribute_write_type.as_str(), c.tag_write_type.as_deref()), ("Create", "Append", Some("Append")));
    }

    #[test]
    fn a_refresh_replaces_the_copies_of_the_rows_looked_up_again_only() {
        let mut t = table();
        let found = vec![copy(9, "Address", "10.0.0.1", "Demo Org"), copy(10, "Host", "b.test", "Demo Org")];
        refresh(&mut t, &[2, 3, 5], &found);
        assert_eq!(t[2].owners(), ["Demo Org"]);
        assert!(!t[3].known());
        assert_eq!(t[5].status(), "unknown", "looked up now");
        // b.test was not looked up again: its copies are as they were.
        assert_eq!(t[1].owners(), ["Common Community"]);
    }

    #[test]
    fn counts_have_thousands_separators() {
        let x = Extraction {
            values: (0..10_000)
                .map(|i| Extracted { indicator_type: IndicatorType::Host, value: format!("h{i}.test"), occurrences: 1, first_line: 1 })
                .collect(),
            duplicates: 1_234,
            over_limit: 5_000,
            too_long: 0,
            not_in_instance: 0,
        };
        assert_eq!(
            summary(&x, 301),
            "10,000 values found, 301 known to some owner; 1,234 repeats folded; 5,000 more past the 10,000-value limit left out."
        );
        assert_eq!(create_question(9_699, "Demo Org"), "Create 9,699 indicators in Demo Org with one batch job?");
        assert_eq!(create_question(1, "Demo Org"), "Create 1 indicator in Demo Org with one batch job?");
    }
}

//! Every owner's copy of one indicator side by side: the fields an analyst weighs, as text,
//! and which of them differ between the copies. Pure.

use threatconnect::Indicator;

/// The fields compared, in the order shown.
pub const FIELDS: [&str; 11] = [
    "Rating",
    "Confidence",
    "ThreatAssess rating",
    "ThreatAssess score",
    "Tags",
    "Security labels",
    "False positives",
    "Observations",
    "Last observed",
    "Last modified",
    "Description",
];

fn num(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map(|x| if x.fract() == 0.0 { format!("{}", x as i64) } else { format!("{x:.2}") }).unwrap_or_default()
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = it.collect();
    v.sort_by_key(|a| a.to_lowercase());
    v.join(", ")
}

/// One copy's fields as text, in [`FIELDS`] order (empty when the owner set none).
pub fn cells(copy: &Indicator) -> Vec<String> {
    vec![
        num(copy.rating),
        num(copy.confidence),
        num(copy.threat_assess_rating),
        num(copy.threat_assess_score),
        names(copy.tags.iter().map(|t| t.name.as_str())),
        names(copy.security_labels.iter().map(|l| l.name.as_str())),
        copy.false_positive_count.map(|n| n.to_string()).unwrap_or_default(),
        copy.observation_count.map(|n| n.to_string()).unwrap_or_default(),
        copy.last_observed.clone().unwrap_or_default(),
        copy.last_modified.clone().unwrap_or_default(),
        copy.description.clone().unwrap_or_default(),
    ]
}

/// The comparison: one row per field, each with every copy's cell and whether the copies
/// differ there (tags and labels compared case-aside, as ThreatConnect names them).
pub fn compare(copies: &[Indicator]) -> Vec<(&'static str, Vec<String>, bool)> {
    let columns: Vec<Vec<String>> = copies.iter().map(cells).collect();
    FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let row: Vec<String> = columns.iter().map(|c| c[i].clone()).collect();
            let differs = row.windows(2).any(|w| !w[0].eq_ignore_ascii_case(&w[1]));
            (*f, row, differs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_between_owners_are_flagged() {
        let read = |v| Indicator::read(&v, "x", "").unwrap();
        let copies = [
            read(json!({"id": 1, "type": "Host", "summary": "a.example", "ownerName": "Demo Org", "rating": 5, "confidence": 90,
                "tags": {"data": [{"name": "C2"}, {"name": "APT"}]}, "securityLabels": {"data": [{"name": "TLP:RED"}]}, "falsePositives": 0})),
            read(json!({"id": 2, "type": "Host", "summary": "a.example", "ownerName": "Demo Community", "rating": 5, "confidence": 40.5,
                "tags": {"data": [{"name": "apt"}, {"name": "c2"}]}, "falsePositives": 2})),
        ];
        let c = compare(&copies);
        let get = |name: &str| c.iter().find(|(f, _, _)| *f == name).unwrap().clone();
        assert_eq!(get("Rating"), ("Rating", vec!["5".to_owned(), "5".to_owned()], false));
        assert_eq!(get("Confidence"), ("Confidence", vec!["90".to_owned(), "40.50".to_owned()], true));
        assert_eq!(get("Tags"), ("Tags", vec!["APT, C2".to_owned(), "apt, c2".to_owned()], false));
        assert!(get("Security labels").2);
        assert_eq!(get("False positives"), ("False positives", vec!["0".to_owned(), "2".to_owned()], true));
        assert_eq!(get("Description"), ("Description", vec![String::new(), String::new()], false));
        assert_eq!(c.len(), FIELDS.len());
    }
}

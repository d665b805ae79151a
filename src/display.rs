//! How API values are shown: pure helpers the views use (native-tested).
//! Everything here returns text; nothing is ever turned into HTML.

use crate::escape::{dialog_name, escape_controls, escape_values};
use serde_json::Value;
use std::borrow::Cow;

/// A scalar as text; `None` for objects, arrays and null.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        _ => None,
    }
}

/// `fooBarBaz` as `Foo bar baz`.
pub fn label_of(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        // ASCII case mapping: keys are ASCII, and Unicode's tables would weigh on the wasm.
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The named fields of `raw` that are present, in the order given.
pub fn present(raw: &Value, keys: &[&str]) -> Vec<(String, String)> {
    keys.iter()
        .filter_map(|k| raw.get(*k).and_then(scalar_text).map(|v| (label_of(k), v)))
        .collect()
}

/// Every scalar field of an object (nested objects and lists are skipped).
pub fn all_scalars(raw: &Value) -> Vec<(String, String)> {
    raw.as_object()
        .map(|o| o.iter().filter_map(|(k, v)| scalar_text(v).map(|t| (label_of(k), t))).collect())
        .unwrap_or_default()
}

/// `{"data": [...]}` (v3 expanded field) or a bare list.
pub fn data_list(v: &Value) -> Vec<Value> {
    match v.get("data").unwrap_or(v) {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![v.get("data").unwrap_or(v).clone()],
        _ => Vec::new(),
    }
}

/// `webLink`s only when they are http(s); anything else (`javascript:`...) is not a link.
pub fn safe_http_link(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| url.to_owned())
}

/// The CSS class for a TLP label; other labels get the neutral style (the
/// label's own `color` from the API is never put into a style attribute).
pub fn tlp_class(name: &str) -> &'static str {
    match name.trim().to_ascii_uppercase().as_str() {
        "TLP:RED" => "chip label tlp-red",
        "TLP:AMBER" | "TLP:AMBER+STRICT" => "chip label tlp-amber",
        "TLP:GREEN" => "chip label tlp-green",
        "TLP:WHITE" | "TLP:CLEAR" => "chip label tlp-clear",
        _ => "chip label",
    }
}

/// A 0-5 rating as five stars (no float formatting: it costs kilobytes of wasm).
pub fn rating_stars(rating: f64) -> String {
    let full = if rating.is_finite() { rating.round().clamp(0.0, 5.0) as usize } else { 0 };
    let mut s = "★".repeat(full);
    s.push_str(&"☆".repeat(5 - full));
    s
}

/// A 0-100 figure (confidence, ThreatAssess score) as a whole number.
pub fn whole(n: f64) -> String {
    if n.is_finite() { (n.round() as i64).to_string() } else { "?".to_owned() }
}

/// What a status adds when values were changed on their way out (see `escape.rs`).
fn escaped_note(escaped: usize, what: &str) -> String {
    match escaped {
        0 => String::new(),
        1 => format!(" (1 {what} with control characters shown as \\u{{…}} escapes)"),
        n => format!(" ({n} {what}s with control characters shown as \\u{{…}} escapes)"),
    }
}

/// The status after "Copy values": `Copied 3 values (1 with control characters shown as \u{…} escapes)`.
pub fn copied_values_status(values: usize, escaped: usize) -> String {
    let note = match escaped {
        0 => String::new(),
        n => format!(" ({n} with control characters shown as \\u{{…}} escapes)"),
    };
    format!("Copied {values} value{}{note}", if values == 1 { "" } else { "s" })
}

/// The status after "Copy value" (one value).
pub fn copied_value_status(escaped: bool) -> String {
    if escaped { "Copied (control characters shown as \\u{…} escapes)".to_owned() } else { "Copied".to_owned() }
}

/// The status after a CSV export: rows written, and values with escapes.
pub fn exported_status(rows: usize, escaped: usize) -> String {
    format!("Exported {rows} row{}{}", if rows == 1 { "" } else { "s" }, escaped_note(escaped, "value"))
}

/// What "Copy values" puts on the clipboard (one value a line, each escaped:
/// a newline inside a value cannot make two) and the status that says so.
pub fn values_for_clipboard<'a>(values: impl IntoIterator<Item = &'a str>) -> (String, String) {
    let (lines, escaped) = escape_values(values);
    let status = copied_values_status(lines.len(), escaped);
    (lines.join("\n"), status)
}

/// What "Copy value" puts on the clipboard and its status.
pub fn value_for_clipboard(value: &str) -> (String, String) {
    let clean = escape_controls(value);
    let status = copied_value_status(matches!(clean, Cow::Owned(_)));
    (clean.into_owned(), status)
}

/// A Document's or Report's `fileName` as the download is named (and its button
/// says): escaped, so U+202E cannot make `gpj.exe` read as an image.
pub fn document_file_name(raw: &Value) -> Option<String> {
    raw.get("fileName").and_then(Value::as_str).map(|n| escape_controls(n).into_owned())
}

// The confirm dialogs' questions: names from the API escaped and cut to
// `DIALOG_NAME_CHARS` (`escape::dialog_name`).

pub fn remove_tag_question(tag: &str) -> String {
    format!("Remove the tag \"{}\"?", dialog_name(tag))
}

pub fn remove_label_question(label: &str) -> String {
    format!("Remove the security label \"{}\"?", dialog_name(label))
}

pub fn dissociate_question(group_type: &str, group_name: &str) -> String {
    format!("Dissociate from {}: {}? The group itself stays.", dialog_name(group_type), dialog_name(group_name))
}

pub fn delete_attribute_question(attribute_type: &str) -> String {
    format!("Delete this {} attribute?", dialog_name(attribute_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_and_scalars() {
        assert_eq!(label_of("eventDate"), "Event date");
        assert_eq!(label_of("fileName"), "File name");
        let raw = json!({"status": "Closed", "fileSize": 12, "nested": {"a": 1}, "empty": "", "ok": true});
        assert_eq!(present(&raw, &["fileSize", "status", "missing"]), vec![("File size".into(), "12".into()), ("Status".into(), "Closed".into())]);
        assert_eq!(all_scalars(&raw).len(), 3);
        assert_eq!(data_list(&json!({"data": [1, 2]})).len(), 2);
        assert_eq!(data_list(&json!({"data": {"x": 1}})).len(), 1);
    }

    #[test]
    fn links_only_http() {
        assert!(safe_http_link("https://app.tc/auth/indicators/details/host.xhtml?host=a").is_some());
        assert!(safe_http_link("HTTP://x.test").is_some());
        for bad in ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.test", "http://x.test/a b", "vbscript:x", "https\t://x"] {
            assert_eq!(safe_http_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn tlp_classes_and_numbers() {
        assert_eq!(tlp_class("tlp:red"), "chip label tlp-red");
        assert_eq!(tlp_class("<script>"), "chip label");
        assert_eq!(rating_stars(3.0), "★★★☆☆");
        assert_eq!(rating_stars(7.5), "★★★★★");
        assert_eq!(rating_stars(f64::NAN), "☆☆☆☆☆");
        assert_eq!(whole(84.6), "85");
    }

    #[test]
    fn statuses_say_how_many_values_were_escaped() {
        assert_eq!(copied_values_status(3, 0), "Copied 3 values");
        assert_eq!(copied_values_status(1, 0), "Copied 1 value");
        assert_eq!(copied_values_status(3, 1), "Copied 3 values (1 with control characters shown as \\u{…} escapes)");
        assert_eq!(copied_values_status(1, 1), "Copied 1 value (1 with control characters shown as \\u{…} escapes)");
        assert_eq!(copied_value_status(false), "Copied");
        assert_eq!(copied_value_status(true), "Copied (control characters shown as \\u{…} escapes)");
        assert_eq!(exported_status(12, 0), "Exported 12 rows");
        assert_eq!(exported_status(1, 1), "Exported 1 row (1 value with control characters shown as \\u{…} escapes)");
        assert_eq!(exported_status(5, 2), "Exported 5 rows (2 values with control characters shown as \\u{…} escapes)");
    }

    #[test]
    fn the_clipboard_gets_escaped_values_one_per_line() {
        let (text, status) = values_for_clipboard(["a.test", "evil\u{202E}gpj.exe", "two\nlines", "b.test"]);
        assert_eq!(text, "a.test\nevil\\u{202E}gpj.exe\ntwo\\u{000A}lines\nb.test");
        assert_eq!(status, "Copied 4 values (2 with control characters shown as \\u{…} escapes)");
        assert_eq!(values_for_clipboard(["a.test", "b.test"]), ("a.test\nb.test".to_owned(), "Copied 2 values".to_owned()));
        assert_eq!(value_for_clipboard("bad.example"), ("bad.example".to_owned(), "Copied".to_owned()));
        assert_eq!(
            value_for_clipboard("bad\u{200B}.example\u{1B}[0m"),
            ("bad\\u{200B}.example\\u{001B}[0m".to_owned(), "Copied (control characters shown as \\u{…} escapes)".to_owned())
        );
    }

    #[test]
    fn download_names_are_escaped() {
        assert_eq!(document_file_name(&json!({"fileName": "dossier.pdf"})), Some("dossier.pdf".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "invoice\u{202E}fdp.exe"})), Some("invoice\\u{202E}fdp.exe".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "a\r\nb"})), Some("a\\u{000D}\\u{000A}b".to_owned()));
        assert_eq!(document_file_name(&json!({"name": "x"})), None);
    }

    #[test]
    fn confirm_questions_escape_and_cut_names() {
        assert_eq!(remove_tag_question("Ransomware"), "Remove the tag \"Ransomware\"?");
        assert_eq!(remove_tag_question("APT\u{202E}evil"), "Remove the tag \"APT\\u{202E}evil\"?");
        assert_eq!(remove_label_question("TLP:RED\n\nOK to remove everything"), "Remove the security label \"TLP:RED\\u{000A}\\u{000A}OK to remove everything\"?");
        let long = "n".repeat(500);
        assert_eq!(remove_tag_question(&long), format!("Remove the tag \"{}…\"?", "n".repeat(79)));
        assert_eq!(dissociate_question("Incident", "Op\u{2066}X"), "Dissociate from Incident: Op\\u{2066}X? The group itself stays.");
        assert_eq!(dissociate_question("Incident", &long), format!("Dissociate from Incident: {}…? The group itself stays.", "n".repeat(79)));
        assert_eq!(delete_attribute_question("Description\u{202D}"), "Delete this Description\\u{202D} attribute?");
        assert_eq!(delete_attribute_question(&long), format!("Delete this {}… attribute?", "n".repeat(79)));
    }
}

//! How API values read on screen: scalars and field labels, links that are only ever
//! http(s), TLP classes, ratings, file names. Everything here returns text; nothing is
//! ever turned into HTML.

use crate::escape::escape_controls;
use serde_json::Value;

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
    keys.iter().filter_map(|k| raw.get(*k).and_then(scalar_text).map(|v| (label_of(k), v))).collect()
}

/// Every scalar field of an object (nested objects and lists are skipped).
pub fn all_scalars(raw: &Value) -> Vec<(String, String)> {
    raw.as_object().map(|o| o.iter().filter_map(|(k, v)| scalar_text(v).map(|t| (label_of(k), t))).collect()).unwrap_or_default()
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
    let ok = (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c.is_whitespace());
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
    if n.is_finite() {
        (n.round() as i64).to_string()
    } else {
        "?".to_owned()
    }
}

/// A Document's or Report's `fileName` as the download is named (and its button
/// says): escaped, so U+202E cannot make `gpj.exe` read as an image.
pub fn document_file_name(raw: &Value) -> Option<String> {
    raw.get("fileName").and_then(Value::as_str).map(|n| escape_controls(n).into_owned())
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
        for bad in
            ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.test", "http://x.test/a b", "vbscript:x", "https\t://x"]
        {
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
    fn download_names_are_escaped() {
        assert_eq!(document_file_name(&json!({"fileName": "dossier.pdf"})), Some("dossier.pdf".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "invoice\u{202E}fdp.exe"})), Some("invoice\\u{202E}fdp.exe".to_owned()));
        assert_eq!(document_file_name(&json!({"fileName": "a\r\nb"})), Some("a\\u{000D}\\u{000A}b".to_owned()));
        assert_eq!(document_file_name(&json!({"name": "x"})), None);
    }
}

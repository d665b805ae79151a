//! What leaves Pivot is clean: control characters made visible. Pure; in the
//! wasm and in the native tools alike.
//!
//! Indicator values, names and messages come from the API or from a share
//! package, so from anyone. A control character in them can split a CSV cell
//! into a new row, hide part of a name in a dialog, reorder what a terminal
//! shows (U+202E RIGHT-TO-LEFT OVERRIDE makes `exe.pdf` read `fdp.exe`) or
//! move the cursor. Such a character is shown as a visible escape in Rust's
//! style, `\u{202E}`, never silently dropped: the analyst must still be able
//! to search for the real IOC. The escape is upper-case hex, at least four
//! digits, as Unicode writes U+202E.
//!
//! The mapping reads back unambiguously: a literal backslash followed by
//! `u{` is escaped too (`\u{005C}`), so every `\u{...}` in the output is an
//! escape and every other character is itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters a reader cannot see or that change how the text around them is
/// laid out: every C0 (newline and tab too), DEL and C1 control (`char::is_control`),
/// and the Unicode format characters that reorder text (bidi embeddings,
/// overrides, isolates, marks), break lines (U+2028, U+2029) or are invisible
/// (zero-width space, word joiner, soft hyphen, BOM, tag characters).
/// ZWNJ and ZWJ (U+200C, U+200D) are left alone: Persian and Indic text and
/// emoji need them, and they reorder nothing.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
}

/// Whether the character at byte `i` of `s` is written as an escape: a
/// control character, or a backslash that would otherwise read as the start
/// of one.
fn escaped_at(s: &str, i: usize, c: char) -> bool {
    is_hidden_control(c) || (c == '\\' && s[i + 1..].starts_with("u{"))
}

fn push_escape(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:04X}}}", c as u32);
}

/// `s` with every control character as `\u{XXXX}` (and a backslash that
/// starts `\u{` as `\u{005C}`). Borrowed when nothing needed escaping, so a
/// caller can count the values it changed.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    let Some(first) = s.char_indices().position(|(i, c)| escaped_at(s, i, c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n >= first && escaped_at(s, i, c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Values escaped for the clipboard or a file, and how many of them changed.
pub fn escape_values<'a>(values: impl IntoIterator<Item = &'a str>) -> (Vec<String>, usize) {
    let mut changed = 0;
    let out = values
        .into_iter()
        .map(|v| match escape_controls(v) {
            Cow::Borrowed(b) => b.to_owned(),
            Cow::Owned(o) => {
                changed += 1;
                o
            }
        })
        .collect();
    (out, changed)
}

/// `s` escaped, cut to at most `max_chars` characters (counted in chars,
/// never inside a character or an escape), with `…` as the last one when
/// anything was cut.
pub fn escape_truncated(s: &str, max_chars: usize) -> String {
    let escaped = escape_controls(s);
    if escaped.chars().count() <= max_chars {
        return escaped.into_owned();
    }
    let room = max_chars.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for (i, c) in s.char_indices() {
        // An escape is `\u{` + at least 4 hex digits + `}`.
        let width = if escaped_at(s, i, c) { 4 + format!("{:04X}", c as u32).len() } else { 1 };
        if used + width > room {
            break;
        }
        if width == 1 {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
        used += width;
    }
    out.push('…');
    out
}

/// How many characters of a name a confirm dialog shows.
pub const DIALOG_NAME_CHARS: usize = 80;

/// A name from the API as a confirm dialog shows it: escaped, and at most
/// [`DIALOG_NAME_CHARS`] characters (a 10,000-character tag would push the
/// question and the buttons' meaning off the dialog).
pub fn dialog_name(name: &str) -> String {
    escape_truncated(name, DIALOG_NAME_CHARS)
}

/// Serialized JSON for a terminal: the same characters as JSON `\uXXXX`
/// escapes (UTF-16, as JSON spells them), so the document parses to the very
/// same values. serde_json escapes C0 itself but writes DEL, C1 and the
/// format characters raw. Outside strings compact JSON has none of them.
pub fn json_escape_controls(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_hidden_control) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_hidden_control(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{:04x}", u);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader the mapping promises: every `\u{HEX}` is a character, anything else is itself.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find("\\u{") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 3..];
            let end = after.find('}').expect("a closed escape");
            let c = char::from_u32(u32::from_str_radix(&after[..end], 16).expect("hex")).expect("a char");
            out.push(c);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn each_kind_of_control_character_is_escaped() {
        let cases = [
            ("a\nb", "a\\u{000A}b"),
            ("a\tb", "a\\u{0009}b"),
            ("a\rb", "a\\u{000D}b"),
            ("\0", "\\u{0000}"),
            ("\u{1B}[2J", "\\u{001B}[2J"),
            ("del\u{7F}", "del\\u{007F}"),
            ("c1\u{85}\u{9B}", "c1\\u{0085}\\u{009B}"),
            ("invoice\u{202E}fdp.exe", "invoice\\u{202E}fdp.exe"),
            ("\u{202A}\u{202B}\u{202C}\u{202D}", "\\u{202A}\\u{202B}\\u{202C}\\u{202D}"),
            ("\u{2066}x\u{2067}y\u{2068}z\u{2069}", "\\u{2066}x\\u{2067}y\\u{2068}z\\u{2069}"),
            ("\u{200E}\u{200F}\u{061C}", "\\u{200E}\\u{200F}\\u{061C}"),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
            ("bad\u{200B}.example", "bad\\u{200B}.example"),
            ("\u{FEFF}bom", "\\u{FEFF}bom"),
            ("soft\u{AD}hyphen", "soft\\u{00AD}hyphen"),
            ("tag\u{E0041}", "tag\\u{E0041}"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape_controls(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone_and_borrowed() {
        for s in ["bad.example.com", "HKLM\\Software\\Run", "C:\\users\\x", "a\\u0041", "Ωmega ✓ 日本", "ZWNJ\u{200C}ZWJ\u{200D}", "€ 100 ‰", ""]
        {
            assert!(matches!(escape_controls(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
    }

    #[test]
    fn a_literal_backslash_u_brace_is_escaped_so_the_mapping_reads_back() {
        // Without this, a value that is literally `\u{202E}` would look like an escaped control.
        assert_eq!(escape_controls("\\u{202E}"), "\\u{005C}u{202E}");
        assert_eq!(escape_controls("a\\\u{202E}"), "a\\\\u{202E}");
        assert_eq!(unescape("a\\\\u{202E}"), "a\\\u{202E}");
        assert_eq!(escape_controls("end\\"), "end\\");
    }

    #[test]
    fn values_are_counted_when_changed() {
        let (out, changed) = escape_values(["ok.example", "evil\u{202E}.example", "two\nlines", "fine"]);
        assert_eq!(out, vec!["ok.example", "evil\\u{202E}.example", "two\\u{000A}lines", "fine"]);
        assert_eq!(changed, 2);
        assert_eq!(escape_values(["a", "b"]).1, 0);
    }

    #[test]
    fn dialog_names_are_cut_at_80_chars_with_an_ellipsis() {
        assert_eq!(dialog_name("Ransomware"), "Ransomware");
        let exactly_80 = "x".repeat(80);
        assert_eq!(dialog_name(&exactly_80), exactly_80);
        let want = format!("{}…", "y".repeat(79));
        assert_eq!(dialog_name(&"y".repeat(81)), want);
        // Counted in chars: 200 three-byte characters are cut without splitting one.
        let want = format!("{}…", "日".repeat(79));
        assert_eq!(dialog_name(&"日".repeat(200)), want);
        // An escape is never cut in half: 75 chars + `\u{202E}` (8) does not fit in 79.
        let name = format!("{}\u{202E}tail", "z".repeat(75));
        assert_eq!(dialog_name(&name), format!("{}…", "z".repeat(75)));
        let name = format!("{}\u{202E}tail-long-enough-to-cut", "z".repeat(60));
        assert_eq!(dialog_name(&name), format!("{}\\u{{202E}}tail-long-e…", "z".repeat(60)));
        // A name that only becomes long by its escapes is cut too.
        assert_eq!(dialog_name(&"\n".repeat(20)), format!("{}…", "\\u{000A}".repeat(9)));
    }

    #[test]
    fn json_for_a_terminal_parses_to_the_same_values() {
        let v = serde_json::json!({"groupName": "evil\u{202E}fdp.exe\u{7F}\u{85}", "tag": "t\u{E0041}", "n": "line\n"});
        let text = v.to_string();
        let clean = json_escape_controls(&text);
        assert!(!clean.contains('\u{202E}') && !clean.contains('\u{7F}') && !clean.contains('\u{85}') && !clean.contains('\u{E0041}'), "{clean}");
        assert!(clean.contains("evil\\u202efdp.exe\\u007f\\u0085") && clean.contains("t\\udb40\\udc41"), "{clean}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&clean).unwrap(), v);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use super::unescape;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn escaped_text_has_no_control_and_reads_back(s in "(\\PC|\\p{Cc}|\\p{Cf}|\\\\u\\{|\\\\|[\u{2028}\u{2029}])*") {
                let e = escape_controls(&s);
                prop_assert!(!e.chars().any(is_hidden_control), "{:?}", e);
                prop_assert_eq!(unescape(&e), s.clone());
                let cut = escape_truncated(&s, 20);
                prop_assert!(cut.chars().count() <= 20);
                prop_assert!(!cut.chars().any(is_hidden_control));
                prop_assert!(e.starts_with(cut.trim_end_matches('…')));
            }
        }
    }
}

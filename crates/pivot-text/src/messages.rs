//! What Pivot tells the analyst after an action, and the questions it asks first:
//! copy and export statuses (saying how many values were escaped), clipboard text,
//! confirm questions (names escaped and cut).

use crate::escape::{dialog_name, escape_controls, escape_values};
use std::borrow::Cow;

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
    if escaped {
        "Copied (control characters shown as \\u{…} escapes)".to_owned()
    } else {
        "Copied".to_owned()
    }
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

// The confirm dialogs' questions: names from the API escaped and cut to
// `DIALOG_NAME_CHARS` (`escape::dialog_name`).

/// Before removing a tag.
pub fn remove_tag_question(tag: &str) -> String {
    format!("Remove the tag \"{}\"?", dialog_name(tag))
}

/// Before removing a security label.
pub fn remove_label_question(label: &str) -> String {
    format!("Remove the security label \"{}\"?", dialog_name(label))
}

/// Before dissociating a group.
pub fn dissociate_question(group_type: &str, group_name: &str) -> String {
    format!("Dissociate from {}: {}? The group itself stays.", dialog_name(group_type), dialog_name(group_name))
}

/// Before deleting an attribute.
pub fn delete_attribute_question(attribute_type: &str) -> String {
    format!("Delete this {} attribute?", dialog_name(attribute_type))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn confirm_questions_escape_and_cut_names() {
        assert_eq!(remove_tag_question("Ransomware"), "Remove the tag \"Ransomware\"?");
        assert_eq!(remove_tag_question("APT\u{202E}evil"), "Remove the tag \"APT\\u{202E}evil\"?");
        assert_eq!(
            remove_label_question("TLP:RED\n\nOK to remove everything"),
            "Remove the security label \"TLP:RED\\u{000A}\\u{000A}OK to remove everything\"?"
        );
        let long = "n".repeat(500);
        assert_eq!(remove_tag_question(&long), format!("Remove the tag \"{}…\"?", "n".repeat(79)));
        assert_eq!(dissociate_question("Incident", "Op\u{2066}X"), "Dissociate from Incident: Op\\u{2066}X? The group itself stays.");
        assert_eq!(dissociate_question("Incident", &long), format!("Dissociate from Incident: {}…? The group itself stays.", "n".repeat(79)));
        assert_eq!(delete_attribute_question("Description\u{202D}"), "Delete this Description\\u{202D} attribute?");
        assert_eq!(delete_attribute_question(&long), format!("Delete this {}… attribute?", "n".repeat(79)));
    }
}

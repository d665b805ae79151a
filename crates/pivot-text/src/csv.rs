//! Lists as CSV, for copy and export. Pure.
//!
//! Indicator data is attacker-controlled and CSV files get opened in
//! spreadsheets, so:
//! - every cell is quoted (RFC 4180, inner quotes doubled): a spreadsheet set
//!   to a `;`-separated locale then cannot split a cell at a `;` and start a
//!   new one with a formula;
//! - a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
//!   tab, carriage return first) is prefixed with `'`;
//! - control characters are written as `\u{XXXX}` escapes ([`crate::escape`]):
//!   a newline in a value cannot start a new row, and nothing is silently dropped.

use crate::escape::escape_controls;
use std::borrow::Cow;

/// A CSV document and how many of its cells had control characters escaped.
#[derive(Clone, Debug, PartialEq)]
pub struct Csv {
    /// The document.
    pub text: String,
    /// Cells whose control characters were escaped.
    pub escaped_cells: usize,
}

/// One CSV document: a header row, then one row per item (every cell quoted, CRLF).
pub fn to_csv<R, C>(header: &[&str], rows: R) -> Csv
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut csv = Csv { text: String::new(), escaped_cells: 0 };
    push_row(&mut csv, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        push_row(&mut csv, row);
    }
    csv
}

fn push_row(csv: &mut Csv, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            csv.text.push(',');
        }
        push_cell(csv, &cell);
    }
    csv.text.push_str("\r\n");
}

fn push_cell(csv: &mut Csv, cell: &str) {
    let out = &mut csv.text;
    out.push('"');
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    let clean = escape_controls(cell);
    if matches!(clean, Cow::Owned(_)) {
        csv.escaped_cells += 1;
    }
    out.push_str(&clean.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cell: &str) -> String {
        to_csv(&["v"], [vec![cell.to_owned()]]).text
    }

    #[test]
    fn every_cell_is_quoted() {
        let csv = to_csv(
            &["type", "value"],
            [vec!["Host".to_owned(), "a.test".to_owned()], vec!["URL".to_owned(), "http://x.test/?a=1,b=\"2\"".to_owned()]],
        );
        assert_eq!(csv.text, "\"type\",\"value\"\r\n\"Host\",\"a.test\"\r\n\"URL\",\"http://x.test/?a=1,b=\"\"2\"\"\"\r\n");
        assert_eq!(csv.escaped_cells, 0);
        // A `;`-separated spreadsheet sees one quoted cell, not `a` and a formula.
        assert_eq!(one("a;=cmd|'/c calc'!A1"), "\"v\"\r\n\"a;=cmd|'/c calc'!A1\"\r\n");
        assert_eq!(one(""), "\"v\"\r\n\"\"\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("+1", "\"'+1\""),
            ("-1+2", "\"'-1+2\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\\u{0009}x\""),
            ("\r=1", "\"'\\u{000D}=1\""),
            ("a=b", "\"a=b\""),
        ];
        for (cell, want) in cases {
            assert_eq!(one(cell), format!("\"v\"\r\n{want}\r\n"), "{cell:?}");
        }
    }

    #[test]
    fn control_characters_are_escaped_and_counted() {
        let csv = to_csv(
            &["type", "value"],
            [
                vec!["Host".to_owned(), "evil\u{202E}gpj.exe".to_owned()],
                vec!["URL".to_owned(), "http://x.test/a\nb\"".to_owned()],
                vec!["Host".to_owned(), "fine.test".to_owned()],
            ],
        );
        // The newline cannot start a row: four rows, each ending in CRLF, no other line break.
        assert_eq!(
            csv.text,
            "\"type\",\"value\"\r\n\"Host\",\"evil\\u{202E}gpj.exe\"\r\n\"URL\",\"http://x.test/a\\u{000A}b\"\"\"\r\n\"Host\",\"fine.test\"\r\n"
        );
        assert_eq!(csv.escaped_cells, 2);
    }
}

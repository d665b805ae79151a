//! Lists as CSV, for copy and export. Pure.
//!
//! Indicator data is attacker-controlled and CSV files get opened in
//! spreadsheets, so a cell that a spreadsheet would run as a formula
//! (`=`, `+`, `-`, `@`, tab, carriage return first) is prefixed with `'`.

/// One CSV document: a header row, then one row per item (RFC 4180 quoting, CRLF).
pub fn to_csv<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::new();
    push_row(&mut out, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        push_row(&mut out, row);
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    out.push_str("\r\n");
}

fn push_cell(out: &mut String, cell: &str) {
    let neutralised;
    let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutralised = format!("'{cell}");
        neutralised.as_str()
    } else {
        cell
    };
    if cell.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting() {
        let csv = to_csv(
            &["type", "value"],
            [
                vec!["Host".to_owned(), "a.test".to_owned()],
                vec!["URL".to_owned(), "http://x.test/?a=1,b=\"2\"\nz".to_owned()],
            ],
        );
        assert_eq!(csv, "type,value\r\nHost,a.test\r\nURL,\"http://x.test/?a=1,b=\"\"2\"\"\nz\"\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        for cell in ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx"] {
            let csv = to_csv(&["v"], [vec![cell.to_owned()]]);
            let body = csv.split("\r\n").nth(1).unwrap();
            assert!(body.trim_start_matches('"').starts_with('\''), "{cell} -> {body}");
        }
        assert_eq!(to_csv(&["v"], [vec!["a=b".to_owned()]]), "v\r\na=b\r\n");
    }
}

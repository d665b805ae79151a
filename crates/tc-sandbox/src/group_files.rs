//! A Document's or Report's file, stored in `group_files` (v2 `.../download` and `.../upload`,
//! docs/rest_api/v2/groups: "Retrieve Document or Signature Contents", "Uploading/Updating
//! Document Contents"; v3 docs/rest_api/v3/groups/retrieve_upload_update_document.rst).

use crate::app::{Req, Resp};
use crate::render::{touch, Group};
use crate::util::{not_found, now_s, ApiErr, Res};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// A Document's or Report's file (v2 and v3 `.../download`).
pub fn download_file(conn: &Connection, g: &Group) -> Res<Resp> {
    let data: Option<Vec<u8>> = conn.query_row("SELECT data FROM group_files WHERE grp = ?1", [g.id], |r| r.get(0)).optional()?;
    let data = data.ok_or_else(|| not_found(format!("No file has been uploaded to {} {}", g.gtype, g.id)))?;
    Ok(Resp { status: 200, body: data, headers: vec![("Content-Type".into(), "application/octet-stream".into())] })
}

/// "The Content-Type header must be set to application/octet-stream for this query to work properly."
/// Another media type is refused; none at all is taken as octet-stream, as ThreatConnect does (tcex's
/// document and report uploads without one succeed against its lab instance).
pub fn octet_stream(req: &Req) -> Res<()> {
    let media = req.header("Content-Type").and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
    if media.as_deref().is_some_and(|m| m != "application/octet-stream") {
        return Err(ApiErr::new(415, "The Content-Type header must be set to application/octet-stream to upload a file"));
    }
    Ok(())
}

/// Stores (or replaces) a group's file and sets its `fileSize`, in one transaction.
pub fn store_file(conn: &Connection, g: &Group, data: &[u8]) -> Res<()> {
    let mut extra = g.extra.as_deref().and_then(|e| serde_json::from_str::<Value>(e).ok()).filter(Value::is_object).unwrap_or_else(|| json!({}));
    extra["fileSize"] = json!(data.len());
    let tx = conn.unchecked_transaction()?;
    tx.execute("INSERT OR REPLACE INTO group_files(grp, data, updated) VALUES (?1, ?2, ?3)", params![g.id, data, now_s()])?;
    tx.execute("UPDATE groups_ SET extra = ?1 WHERE id = ?2", params![extra.to_string(), g.id])?;
    touch(&tx, "g", g.id)?;
    tx.commit()?;
    Ok(())
}

/// `GET /v3/groups/{id}/pdf` (tcex's `Group.pdf`): the group as a one-page PDF, its type and name
/// as text (printable ASCII; other characters as `?`, PDF string delimiters escaped).
pub fn group_pdf(gtype: &str, id: i64, name: &str) -> Vec<u8> {
    let text: String = format!("{gtype} {id}: {name}")
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .flat_map(|c| if matches!(c, '(' | ')' | '\\') { vec!['\\', c] } else { vec![c] })
        .collect();
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn group_pdf_is_well_formed_and_escapes_the_name() {
        let pdf = super::group_pdf("Report", 7, "Q1 (draft) \\ <script>é");
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        assert!(text.contains(r"(Report 7: Q1 \(draft\) \\ <script>?) Tj"), "{text}");
        // Every xref offset points at its object, and startxref at the xref table.
        let xref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(text[xref..].starts_with("xref\n0 6\n"));
        let table: Vec<&str> = text[xref..].lines().collect();
        for (i, line) in table[3..8].iter().enumerate() {
            let at: usize = line[..10].parse().unwrap();
            assert!(text[at..].starts_with(&format!("{} 0 obj\n", i + 1)), "object {}", i + 1);
        }
        let len: usize = text.split("/Length ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let start = text.find(">>\nstream\n").unwrap() + ">>\nstream\n".len();
        let end = text.find("\nendstream").unwrap();
        assert_eq!(end - start, len);
    }
}

//! v2 document/report files: `GET .../download`, `POST|PUT .../upload` (raw bytes, application/octet-stream).
use crate::common::*;
use serde_json::{json, Value};

const SEEDED_SIZE: usize = 20_480;

/// An HMAC-signed request with a raw body and its own Content-Type.
fn send_bytes(sb: &Sandbox, method: &str, target: &str, content_type: &str, body: &[u8]) -> Response {
    let mut h = sb.hmac_headers(method, target);
    h.push(("Content-Type", content_type.to_string()));
    sb.raw(method, target, &h, body)
}

fn upload(sb: &Sandbox, method: &str, target: &str, body: &[u8]) -> Response {
    send_bytes(sb, method, target, "application/octet-stream", body)
}

/// A 404 (or other failure) with ThreatConnect's v2 error body.
fn assert_v2_failure(r: &Response, status: u16) {
    assert_eq!(r.status, status, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "Failure", "{}", j);
    assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", j);
}

fn group(sb: &Sandbox, branch: &str, entity: &str, id: i64) -> Value {
    let r = sb.get(&format!("/api/v2/groups/{}/{}", branch, id));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["data"][entity].clone()
}

/// Bytes that are not text: every byte value, NULs and CR/LF included.
fn binary(len: usize, salt: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt)).collect()
}

#[test]
fn the_seeded_document_downloads() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.get("/api/v2/groups/documents/6/download");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/octet-stream"));
    assert_eq!(r.body.len(), SEEDED_SIZE);
    assert!(r.body.starts_with(b"%PDF-1.4\n"), "{:?}", String::from_utf8_lossy(&r.body[..40]));
    assert!(r.body.ends_with(b"%%EOF\n"));
    // The group says what the download gives.
    let d = group(&sb, "documents", "document", 6);
    assert_eq!(d["name"], "Demo Bear Dossier");
    assert_eq!(d["fileName"], "dossier.pdf");
    assert_eq!(d["fileSize"], SEEDED_SIZE);
    // With a token (as the app sends it), the same bytes.
    let tok = sb.token();
    let t = sb.with_token("GET", "/api/v2/groups/documents/6/download", &tok, None);
    assert_eq!(t.status, 200);
    assert_eq!(t.body, r.body);
    // The seed is deterministic: another sandbox serves the same file.
    let other = Sandbox::start(Seed::Demo);
    assert_eq!(other.get("/api/v2/groups/documents/6/download").body, r.body);
}

#[test]
fn upload_then_download_returns_the_bytes() {
    let sb = Sandbox::start(Seed::Demo);
    // A new Document: no file until the first upload (POST).
    let r = sb.signed("POST", "/api/v2/groups/documents", Some(&json!({"name": "Upload test", "fileName": "notes.bin"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["document"]["id"].as_i64().unwrap();
    let target = format!("/api/v2/groups/documents/{}", id);
    assert_v2_failure(&sb.get(&format!("{}/download", target)), 404);

    let first = binary(3000, 7);
    let r = upload(&sb, "POST", &format!("{}/upload", target), &first);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"status": "Success"}));
    let d = sb.get(&format!("{}/download", target));
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(d.header("Content-Type"), Some("application/octet-stream"));
    assert_eq!(d.body, first);
    assert_eq!(group(&sb, "documents", "document", id)["fileSize"], 3000);

    // PUT replaces it (shorter, so nothing of the old file may remain).
    let second = binary(17, 200);
    let r = upload(&sb, "PUT", &format!("{}/upload", target), &second);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "Success");
    assert_eq!(sb.get(&format!("{}/download", target)).body, second);
    assert_eq!(group(&sb, "documents", "document", id)["fileSize"], 17);

    // Replacing the seeded file keeps the group's other fields.
    let r = upload(&sb, "PUT", "/api/v2/groups/documents/6/upload", b"replaced");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sb.get("/api/v2/groups/documents/6/download").body, b"replaced");
    let d = group(&sb, "documents", "document", 6);
    assert_eq!(d["fileSize"], 8);
    assert_eq!(d["fileName"], "dossier.pdf");
    assert_eq!(d["documentType"], "PDF");

    // Reports hold a file too: the seeded one (group 12) has none yet.
    assert_v2_failure(&sb.get("/api/v2/groups/reports/12/download"), 404);
    let report = binary(1024, 1);
    assert_eq!(upload(&sb, "POST", "/api/v2/groups/reports/12/upload", &report).status, 200);
    let d = sb.get("/api/v2/groups/reports/12/download");
    assert_eq!(d.status, 200);
    assert_eq!(d.body, report);
    let rep = group(&sb, "reports", "report", 12);
    assert_eq!(rep["fileSize"], 1024);
    assert_eq!(rep["fileName"], "q1.pdf");

    // The Content-Type is application/octet-stream (parameters allowed) or absent; another is refused
    // and a refused upload stores nothing.
    let r = send_bytes(&sb, "PUT", &format!("{}/upload", target), "application/json", b"{\"a\":1}");
    assert_v2_failure(&r, 415);
    assert_eq!(sb.get(&format!("{}/download", target)).body, second);
    let mut h = sb.hmac_headers("PUT", &format!("{}/upload", target));
    assert_eq!(sb.raw("PUT", &format!("{}/upload", target), &h, b"no type").status, 200);
    assert_eq!(sb.get(&format!("{}/download", target)).body, b"no type");
    h.push(("Content-Type", "Application/Octet-Stream; charset=binary".into()));
    assert_eq!(sb.raw("PUT", &format!("{}/upload", target), &h, b"typed").status, 200);
    assert_eq!(sb.get(&format!("{}/download", target)).body, b"typed");

    // Other group types have no file endpoints.
    assert_v2_failure(&sb.get("/api/v2/groups/incidents/9/download"), 404);
    assert_v2_failure(&upload(&sb, "POST", "/api/v2/groups/incidents/9/upload", b"x"), 404);

    // Deleting the group deletes its file with it.
    assert_eq!(sb.signed("DELETE", &target, None).status, 200);
    assert_v2_failure(&sb.get(&format!("{}/download", target)), 404);
}

#[test]
fn missing_groups_and_wrong_types_are_404() {
    let sb = Sandbox::start(Seed::Demo);
    for target in [
        "/api/v2/groups/documents/999999/download",
        "/api/v2/groups/documents/not-a-number/download",
        "/api/v2/groups/reports/6/download",    // 6 is a Document, not a Report
        "/api/v2/groups/documents/12/download", // and 12 a Report
    ] {
        assert_v2_failure(&sb.get(target), 404);
    }
    assert_v2_failure(&upload(&sb, "POST", "/api/v2/groups/documents/999999/upload", b"x"), 404);
    assert_v2_failure(&upload(&sb, "PUT", "/api/v2/groups/reports/999999/upload", b"x"), 404);
    // Only GET downloads.
    assert_v2_failure(&upload(&sb, "POST", "/api/v2/groups/documents/6/download", b"x"), 404);
    // Unauthenticated: 401, no bytes.
    let r = sb.raw("GET", "/api/v2/groups/documents/6/download", &[], b"");
    assert_v2_failure(&r, 401);

    // An empty seed has the group table empty: the seeded id is unknown there.
    let empty = Sandbox::start(Seed::Empty);
    assert_v2_failure(&empty.get("/api/v2/groups/documents/6/download"), 404);
}

#[test]
fn uploaded_files_survive_a_restart_and_reset_restores_the_seed() {
    let mut sb = Sandbox::start(Seed::Demo);
    let seeded = sb.get("/api/v2/groups/documents/6/download").body;
    assert_eq!(seeded.len(), SEEDED_SIZE);
    let mine = binary(50_000, 42);
    assert_eq!(upload(&sb, "PUT", "/api/v2/groups/documents/6/upload", &mine).status, 200);
    assert_eq!(upload(&sb, "POST", "/api/v2/groups/reports/12/upload", b"report body").status, 200);

    sb.restart();
    let d = sb.get("/api/v2/groups/documents/6/download");
    assert_eq!(d.status, 200);
    assert_eq!(d.body, mine);
    assert_eq!(group(&sb, "documents", "document", 6)["fileSize"], 50_000);
    assert_eq!(sb.get("/api/v2/groups/reports/12/download").body, b"report body");

    sb.reset();
    assert_eq!(sb.get("/api/v2/groups/documents/6/download").body, seeded);
    assert_eq!(group(&sb, "documents", "document", 6)["fileSize"], SEEDED_SIZE);
    assert_v2_failure(&sb.get("/api/v2/groups/reports/12/download"), 404);
}

#[test]
fn a_source_owners_document_is_read_only() {
    // No API creates a group in the Source owner (writes there are refused), so this one is put in the
    // database while the sandbox is stopped.
    let mut sb = Sandbox::start(Seed::Demo);
    sb.stop();
    {
        let conn = rusqlite::Connection::open(sb.db_path()).expect("open the sandbox database");
        conn.execute(
            "INSERT INTO groups_(id, owner_id, type, name, date_added, last_modified, extra) VALUES (5000, 3, 'Document', 'Feed dossier', 1767225600, 1767225600, '{\"fileName\":\"feed.pdf\",\"fileSize\":9}')",
            [],
        )
        .unwrap();
        conn.execute("INSERT INTO group_files(grp, data, updated) VALUES (5000, ?1, 1767225600)", [b"feed file".to_vec()]).unwrap();
    }
    sb.restart();
    let g = group(&sb, "documents", "document", 5000);
    assert_eq!(g["owner"]["type"], "Source");
    // Reading is allowed.
    let d = sb.get("/api/v2/groups/documents/5000/download");
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(d.body, b"feed file");
    // Writing is refused, as every other write to a Source owner, and changes nothing.
    for method in ["POST", "PUT"] {
        let r = upload(&sb, method, "/api/v2/groups/documents/5000/upload", b"overwritten");
        assert_v2_failure(&r, 403);
        assert!(r.json()["message"].as_str().unwrap().contains("Threat Feed"), "{}", r.text());
    }
    assert_eq!(sb.get("/api/v2/groups/documents/5000/download").body, b"feed file");
    assert_eq!(group(&sb, "documents", "document", 5000)["fileSize"], 9);
}

//! State across a restart: the in-process server stopped (its threads joined, the database
//! closed) and started again on the same file, which must bind and serve again (requests over
//! TCP); and the binary killed, as `make dev`'s sandbox is, and started again.
use crate::common::*;
use serde_json::json;

#[test]
fn state_survives_restart_and_reset_reseeds() {
    let mut sb = Sandbox::builder(Seed::Demo).token_ttl(600).start();
    let r = tcp_signed(
        &sb,
        "POST",
        "/api/v3/indicators",
        Some(&json!({"type": "Host", "hostName": "persist.example", "tags": {"data": [{"name": "Kept"}]}})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["id"].as_i64().unwrap();
    assert_eq!(tcp_signed(&sb, "PUT", "/api/v3/indicators/1", Some(&json!({"rating": 1}))).status, 200);
    assert_eq!(tcp_signed(&sb, "POST", "/api/v2/groups/incidents/18/publish", Some(&json!({}))).status, 200);
    let tok = sb.token();

    sb.restart();
    let r = tcp_get(&sb, &format!("/api/v3/indicators/{}?fields=tags", id));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["tags"]["data"][0]["name"], "Kept");
    assert_eq!(tcp_get(&sb, "/api/v3/indicators/1").json()["data"]["rating"], 1.0);
    // Tokens are persisted too.
    let with_token = |sb: &Sandbox| tcp(sb.port(), "GET", "/api/v2/owners", &[("Authorization", format!("TC-Token {}", tok))], b"");
    assert_eq!(with_token(&sb).status, 200);
    // Seeded data is stable: the well-known items keep their ids.
    assert_eq!(tcp_get(&sb, "/api/v3/indicators/phisher%40evil.example.net").json()["data"]["id"], 4);

    sb.reset();
    assert_eq!(tcp_get(&sb, &format!("/api/v3/indicators/{}", id)).status, 404);
    assert_ne!(tcp_get(&sb, "/api/v3/indicators/1").json()["data"]["rating"], 1.0);
    drop(sb);

    let sb = Sandbox::start(Seed::Empty);
    let j = tcp_get(&sb, "/api/v3/indicators?count=true").json();
    assert_eq!(j["count"], 0);
    assert_eq!(tcp_get(&sb, "/api/v3/security/owners").json()["data"].as_array().unwrap().len(), 3);
}

#[test]
fn state_survives_the_binary_being_killed() {
    let mut sb = Process::start(&["--seed", "empty"]);
    let body = json!({"type": "Host", "hostName": "killed.example"}).to_string();
    let mut h = sb.hmac_headers("POST", "/api/v3/indicators");
    h.push(("Content-Type", "application/json".into()));
    let r = tcp(sb.port, "POST", "/api/v3/indicators", &h, body.as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    sb.kill_and_start_again(&[]);
    let r = sb.get("/api/v3/indicators/killed.example");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["summary"], "killed.example");
}

/// Stopping joins the server's threads: the database file and the port are released at once.
#[test]
fn stopping_releases_the_database_and_the_port() {
    let mut sb = Sandbox::start(Seed::Empty);
    let (db, port) = (sb.db_path(), sb.port());
    let open_handles = || {
        std::fs::read_dir("/proc/self/fd")
            .map(|fds| fds.flatten().filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == db)).count())
            .unwrap_or(0)
    };
    if cfg!(target_os = "linux") {
        assert_eq!(open_handles(), 1, "the server holds its database open");
    }
    sb.stop();
    assert_eq!(open_handles(), 0, "the database is closed once stop returns");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens on {port} any more");
    std::fs::remove_file(&db).expect("nothing holds the file");
    sb.restart();
    assert_eq!(tcp_get(&sb, "/api/v3/security/owners").json()["data"].as_array().unwrap().len(), 3, "a new database, seeded");
}

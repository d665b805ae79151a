mod common;
use common::*;
use serde_json::json;

#[test]
fn state_survives_restart_and_reset_reseeds() {
    let db = temp_db();
    let mut sb = Sandbox::start_with_db(db.clone(), &["--token-ttl", "600"]);
    let r = sb.hmac("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "persist.example", "tags": {"data": [{"name": "Kept"}]}})));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["id"].as_i64().unwrap();
    assert_eq!(sb.hmac("PUT", "/api/v3/indicators/1", Some(&json!({"rating": 1}))).status, 200);
    assert_eq!(sb.hmac("POST", "/api/v2/groups/incidents/18/publish", Some(&json!({}))).status, 200);
    let tok = sb.token();
    sb.stop();
    drop(sb);

    let sb = Sandbox::start_with_db(db.clone(), &[]);
    let r = sb.get(&format!("/api/v3/indicators/{}?fields=tags", id));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["tags"]["data"][0]["name"], "Kept");
    assert_eq!(sb.get("/api/v3/indicators/1").json()["data"]["rating"], 1.0);
    // Tokens are persisted too.
    assert_eq!(sb.with_token("GET", "/api/v2/owners", &tok, None).status, 200);
    // Seeded data is stable: the well-known items keep their ids.
    assert_eq!(sb.get("/api/v3/indicators/phisher%40evil.example.net").json()["data"]["id"], 4);
    let port = sb.port;
    drop(sb);
    let _ = port;

    let sb = Sandbox::start_with_db(db.clone(), &["--reset"]);
    assert_eq!(sb.get(&format!("/api/v3/indicators/{}", id)).status, 404);
    assert_ne!(sb.get("/api/v3/indicators/1").json()["data"]["rating"], 1.0);
    drop(sb);

    let sb = Sandbox::start_with_db(temp_db(), &["--seed", "empty"]);
    let j = sb.get("/api/v3/indicators?count=true").json();
    assert_eq!(j["count"], 0);
    assert_eq!(sb.get("/api/v3/security/owners").json()["data"].as_array().unwrap().len(), 3);
    let empty_db = sb.db.clone();
    drop(sb);
    for d in [db, empty_db] {
        if let Some(dir) = d.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

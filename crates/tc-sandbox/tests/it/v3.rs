use crate::common::*;
use serde_json::{json, Value};

const ODD_URL: &str = "https://evil.example.net/dl/a b/payload.php?id=42&x=a+b%20c#frag/part";

fn names(list: &Value, key: &str) -> Vec<String> {
    list["data"].as_array().unwrap().iter().map(|x| x[key].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn indicator_with_fields() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.get("/api/v3/indicators/1?fields=tags&fields=securityLabels&fields=attributes&fields=associatedGroups&fields=associatedIndicators&fields=observations&fields=falsePositives&fields=threatAssess&fields=dnsResolution&fields=whoIs");
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "Success");
    let d = &j["data"];
    assert_eq!(d["id"], 1);
    assert_eq!(d["type"], "Host");
    assert_eq!(d["summary"], "bad.example.com");
    assert_eq!(d["hostName"], "bad.example.com");
    assert_eq!(d["ownerName"], "Demo Org");
    assert!(names(&d["tags"], "name").contains(&"APT Demo Bear".to_string()));
    assert_eq!(names(&d["securityLabels"], "name"), vec!["TLP:AMBER"]);
    let attrs = d["attributes"]["data"].as_array().unwrap();
    assert!(attrs.len() >= 4);
    assert!(attrs.iter().any(|a| a["type"] == "Description" && a["securityLabels"]["data"][0]["name"] == "TLP:AMBER"));
    let groups = names(&d["associatedGroups"], "name");
    assert!(groups.contains(&"Operation Hivemind".to_string()) && groups.contains(&"APT Demo Bear".to_string()));
    let inds = names(&d["associatedIndicators"], "summary");
    assert!(inds.contains(&"203.0.113.66".to_string()));
    assert_eq!(d["observations"], 15);
    assert!(d["lastObserved"].is_string());
    assert_eq!(d["falsePositives"], 1);
    assert!(d["threatAssessRating"].is_number() && d["threatAssessScore"].is_number());
    let dns = d["dnsResolution"]["data"].as_array().unwrap();
    assert!(dns.iter().any(|x| x["addresses"]["data"][0]["summary"] == "203.0.113.66"));
    assert_eq!(d["whoIs"]["domain"], "bad.example.com");
    // Without fields, nothing is expanded.
    let plain = sb.get("/api/v3/indicators/1").json();
    assert!(plain["data"].get("tags").is_none() && plain["data"].get("associatedGroups").is_none());
    // By summary: the organization's copy by default, another owner's with owner=.
    assert_eq!(sb.get("/api/v3/indicators/bad.example.com").json()["data"]["id"], 1);
    let c = sb.get("/api/v3/indicators/bad.example.com?owner=Common%20Community").json();
    assert_eq!(c["data"]["id"], 7);
    assert_eq!(c["data"]["ownerName"], "Common Community");
    assert_eq!(sb.get("/api/v3/indicators/bad.example.com?owner=Threat%20Feed").json()["data"]["id"], 8);
    // File by any hash, any case.
    let f = sb.get("/api/v3/indicators/f5a2496cf66cb8cffe66cb1b27d7dede").json();
    assert_eq!(f["data"]["id"], 9);
    assert_eq!(f["data"]["sha256"], "25BDABD23E349F5E5EA7890795B06D15D842BDE1D43135C361E755F748CA05D0");
    // Not found.
    let r = sb.get("/api/v3/indicators/does-not-exist.example");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errCode"], "0x1004");
    // Embedded association lists are capped at 100.
    let big = sb.get("/api/v3/indicators/6?fields=associatedGroups").json();
    assert_eq!(big["data"]["associatedGroups"]["data"].as_array().unwrap().len(), 100);
}

#[test]
fn url_summary_round_trip_and_hostile_content() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.get(&format!("/api/v3/indicators/{}", enc(ODD_URL)));
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json()["data"].clone();
    assert_eq!(d["id"], 3);
    assert_eq!(d["summary"], ODD_URL);
    assert_eq!(d["text"], ODD_URL);
    // The same through v2.
    let r = sb.get(&format!("/api/v2/indicators/urls/{}", enc(ODD_URL)));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["url"]["text"], ODD_URL);
    // Unencoded '/' splits the path: not found, never a crash.
    assert_eq!(sb.get("/api/v3/indicators/https://evil.example.net/dl").status, 404);
    // Create and read back a URL with every awkward character.
    let odd2 = "http://x.example/%41?a=1&b=c+d#e/f g";
    let r = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "URL", "text": odd2})));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = sb.get(&format!("/api/v3/indicators/{}", enc(odd2)));
    assert_eq!(r.json()["data"]["summary"], odd2);
    // Hostile content is stored and returned verbatim.
    let h = sb.get("/api/v3/indicators/5?fields=tags&fields=attributes").json();
    assert_eq!(h["data"]["summary"], "javascript:alert(1)");
    assert!(h["data"]["description"].as_str().unwrap().contains("<img src=x onerror=window.__pwned=1>"));
    assert!(names(&h["data"]["tags"], "name").contains(&"<script>window.__pwned=1</script>".to_string()));
    assert!(names(&h["data"]["attributes"], "value").iter().any(|v| v.contains("<img")));
}

#[test]
fn group_with_fields() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.get("/api/v3/groups/2?fields=tags&fields=attributes&fields=securityLabels&fields=associatedGroups&fields=associatedIndicators");
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json()["data"].clone();
    assert_eq!(d["type"], "Adversary");
    assert_eq!(d["name"], "APT Demo Bear");
    assert!(!d["tags"]["data"].as_array().unwrap().is_empty());
    assert!(!d["attributes"]["data"].as_array().unwrap().is_empty());
    assert_eq!(d["securityLabels"]["data"].as_array().unwrap().len(), 1);
    let gs: Vec<i64> = d["associatedGroups"]["data"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(gs, vec![1, 3]);
    assert!(names(&d["associatedIndicators"], "summary").contains(&"bad.example.com".to_string()));
    // The big group embeds at most 100 indicators; TQL pages through all of them.
    let big = sb.get("/api/v3/groups/1?fields=associatedIndicators").json();
    assert_eq!(big["data"]["associatedIndicators"]["data"].as_array().unwrap().len(), 100);
    let all = sb.get("/api/v3/indicators?tql=hasGroup(id%3D1)&resultLimit=10000&count=true").json();
    assert_eq!(all["count"], 10_001);
    assert_eq!(all["data"].as_array().unwrap().len(), 10_000);
    assert!(all["next"].as_str().unwrap().contains("resultStart=10000"));
    // Every group type is seeded.
    let types = sb.get("/api/v3/groups?tql=id%20%3C%2018&resultLimit=100").json();
    let mut t: Vec<String> = names(&types, "type");
    t.sort();
    t.dedup();
    assert_eq!(t.len(), 16);
    assert_eq!(sb.get("/api/v3/groups/999999").status, 404);
    assert_eq!(sb.get("/api/v3/groups/abc").status, 404);
}

fn tql(sb: &Sandbox, target: &str, q: &str) -> Value {
    let r = sb.get(&format!("/api/v3/{}?tql={}&resultLimit=500&count=true", target, enc(q)));
    assert_eq!(r.status, 200, "{} -> {}", q, r.text());
    r.json()
}

#[test]
fn tql_expressions_and_errors() {
    let sb = Sandbox::start(Seed::Demo);
    let j = tql(&sb, "indicators", r#"typeName in ("Address","Host") and summary contains "bad""#);
    let s = names(&j, "summary");
    assert!(s.contains(&"bad.example.com".to_string()));
    assert!(j["data"].as_array().unwrap().iter().all(|x| x["type"] == "Host" || x["type"] == "Address"));
    assert!(s.iter().all(|x| x.contains("bad")));
    let j = tql(&sb, "indicators", r#"summary = "bad.example.com""#);
    assert_eq!(j["count"], 3);
    let j = tql(&sb, "indicators", r#"summary = "bad.example.com" AND ownerName = "Threat Feed""#);
    assert_eq!(names(&j, "ownerName"), vec!["Threat Feed"]);
    let j = tql(&sb, "indicators", r#"summary EQ "bad.example.com" and ownerName NE "Demo Org""#);
    assert_eq!(j["count"], 2);
    let j = tql(&sb, "indicators", "id > 2 AND id < 6");
    let ids: Vec<i64> = j["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![3, 4, 5]);
    let j = tql(&sb, "indicators", "id GT 2 and id LT 4 or (id = 9)");
    assert_eq!(j["count"], 2);
    let j = tql(&sb, "indicators", r#"summary startswith "phisher@""#);
    assert_eq!(names(&j, "summary"), vec!["phisher@evil.example.net"]);
    let j = tql(&sb, "indicators", r#"typeName = "Hashtag""#);
    assert_eq!(j["count"], 21);
    let j = tql(&sb, "indicators", r#"tag = "<script>window.__pwned=1</script>""#);
    assert_eq!(names(&j, "summary"), vec!["javascript:alert(1)"]);
    let j = tql(&sb, "indicators", "hasGroup(id=18)");
    assert_eq!(names(&j, "summary"), vec!["javascript:alert(1)"]);
    let j = tql(&sb, "indicators", "hasIndicator(id=2)");
    assert!(names(&j, "summary").contains(&"bad.example.com".to_string()));
    let j = tql(&sb, "groups", "hasIndicator(id=6)");
    assert_eq!(j["count"], 2_000);
    let j = tql(&sb, "groups", r#"typeName = "Adversary" and name contains "bear""#);
    assert_eq!(names(&j, "name"), vec!["APT Demo Bear"]);
    let j = tql(&sb, "groups", "hasGroup(id=1)");
    assert_eq!(j["data"][0]["id"], 2);
    let j = tql(&sb, "indicators", r#"id IN (1, 2, 3) and not typeName = "URL""#);
    assert_eq!(j["count"], 2);
    // Paging: next link and resultStart.
    let r = sb.get(&format!("/api/v3/indicators?tql={}&resultLimit=2", enc("id < 6")));
    let j = r.json();
    assert_eq!(j["data"].as_array().unwrap().len(), 2);
    let next = j["next"].as_str().unwrap().to_string();
    let path = next.split_once("127.0.0.1").unwrap().1.split_once('/').unwrap().1;
    let j2 = sb.get(&format!("/{}", path)).json();
    assert_eq!(j2["data"][0]["id"], 3);
    // Parse errors.
    for bad in ["summary ==", "summary = \"x", "(id = 1", "bogusField = 1", "id = \"abc\"", "typeName in \"Host\"", "and", "hasGroup(id=1"] {
        let r = sb.get(&format!("/api/v3/indicators?tql={}", enc(bad)));
        assert_eq!(r.status, 400, "{}", bad);
        let j = r.json();
        assert_eq!(j["status"], "Error");
        assert_eq!(j["errCode"], "0x2001", "{}", bad);
        assert!(j["message"].as_str().unwrap().contains("TQL"));
    }
    // Sorting.
    let j = sb.get(&format!("/api/v3/indicators?tql={}&sorting=id%20DESC", enc("id < 4"))).json();
    let ids: Vec<i64> = j["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![3, 2, 1]);
    let j = sb.get(&format!("/api/v3/groups?tql={}&sorting=name", enc("id < 4"))).json();
    assert_eq!(j["data"][0]["name"], "APT Demo Bear");
    assert_eq!(sb.get("/api/v3/indicators?sorting=bogus").status, 400);
    assert_eq!(sb.get("/api/v3/indicators?sorting=id%20SIDEWAYS").status, 400);
    assert_eq!(sb.get("/api/v3/indicators?sorting=desc").status, 400);
    // The documented forms ("Sort Results"): lower-case keywords, several fields separated by
    // whitespace, and where unrated indicators go. Expected orders computed here from the
    // unsorted answer, not by the sandbox.
    let all = sb.get(&format!("/api/v3/indicators?tql={}&resultLimit=100", enc("id <= 40"))).json();
    let rows: Vec<(String, Option<i64>, Option<f64>, i64)> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["ownerName"].as_str().unwrap().to_string(), x["confidence"].as_i64(), x["rating"].as_f64(), x["id"].as_i64().unwrap()))
        .collect();
    assert!(rows.len() > 20 && rows.iter().any(|r| r.2.is_none()) && rows.iter().any(|r| r.2.is_some()), "{rows:?}");
    let ids = |q: &str| -> Vec<i64> {
        let j = sb.get(&format!("/api/v3/indicators?tql={}&resultLimit=100&sorting={}", enc("id <= 40"), enc(q))).json();
        j["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
    };
    let mut want = rows.clone();
    want.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.3.cmp(&b.3)));
    assert_eq!(ids("ownerName asc confidence desc"), want.iter().map(|r| r.3).collect::<Vec<_>>());
    let rank = |r: &Option<f64>| r.map(|x| (x * 100.0) as i64);
    let mut want = rows.clone();
    want.sort_by(|a, b| match (rank(&a.2), rank(&b.2)) {
        (None, None) => a.3.cmp(&b.3),
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
        (x, y) => x.cmp(&y).then(a.3.cmp(&b.3)),
    });
    assert_eq!(ids("rating nullslast"), want.iter().map(|r| r.3).collect::<Vec<_>>());
    let first = ids("rating asc nullsfirst");
    assert!(rows.iter().find(|r| r.3 == first[0]).unwrap().2.is_none(), "unrated first");
    assert_eq!(sb.get("/api/v3/indicators?resultLimit=10001").status, 400);
    assert_eq!(sb.get("/api/v3/indicators?resultStart=x").status, 400);
}

#[test]
fn v3_writes_with_modes() {
    let sb = Sandbox::start(Seed::Demo);
    let body = json!({"type": "Host", "hostName": "new.example.org", "rating": 4, "confidence": 70, "description": "fresh",
        "tags": {"data": [{"name": "Alpha"}, {"name": "Beta"}]},
        "securityLabels": {"data": [{"name": "TLP:GREEN"}]},
        "attributes": {"data": [{"type": "Description", "value": "made by a test"}]},
        "associatedGroups": {"data": [{"id": 2}]}});
    let r = sb.signed("POST", "/api/v3/indicators?fields=tags&fields=associatedGroups", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let j = r.json();
    assert_eq!(j["message"], "Created");
    let id = j["data"]["id"].as_i64().unwrap();
    assert_eq!(names(&j["data"]["tags"], "name"), vec!["Alpha", "Beta"]);
    // Creating it again updates the same indicator (tests/it/client_conformance.rs).
    let again = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "new.example.org"})));
    assert_eq!((again.status, again.json()["data"]["id"].as_i64()), (201, Some(id)));
    // Replace tags, delete a label, append a group association, change rating.
    let upd = json!({"rating": 2, "confidence": 10,
        "tags": {"data": [{"name": "Gamma"}], "mode": "replace"},
        "securityLabels": {"data": [{"name": "TLP:GREEN"}], "mode": "delete"},
        "associatedGroups": {"data": [{"id": 3}], "mode": "append"},
        "associatedIndicators": {"data": [{"id": 2}]}});
    let r = sb.signed(
        "PUT",
        &format!("/api/v3/indicators/{}?fields=tags&fields=securityLabels&fields=associatedGroups&fields=associatedIndicators", id),
        Some(&upd),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json()["data"].clone();
    assert_eq!(d["rating"], 2.0);
    assert_eq!(d["confidence"], 10);
    assert_eq!(names(&d["tags"], "name"), vec!["Gamma"]);
    assert!(d["securityLabels"]["data"].as_array().unwrap().is_empty());
    let gids: Vec<i64> = d["associatedGroups"]["data"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(gids, vec![2, 3]);
    // The appended link is among its associated indicators (with those sharing groups 2 and 3).
    let iids: Vec<i64> = d["associatedIndicators"]["data"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(iids.contains(&2) && !iids.contains(&id), "{iids:?}");
    // Same-type indicator association is refused like ThreatConnect does.
    let r = sb.signed("PUT", "/api/v3/indicators/2", Some(&json!({"associatedIndicators": {"data": [{"id": 6}]}})));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errCode"], "0x1001");
    // Bad input: invalid rating, unknown label, bad mode, bad JSON.
    assert_eq!(sb.signed("PUT", &format!("/api/v3/indicators/{}", id), Some(&json!({"rating": 9}))).status, 400);
    assert_eq!(
        sb.signed("PUT", &format!("/api/v3/indicators/{}", id), Some(&json!({"securityLabels": {"data": [{"name": "TLP:PURPLE"}]}}))).status,
        404
    );
    assert_eq!(sb.signed("PUT", &format!("/api/v3/indicators/{}", id), Some(&json!({"tags": {"data": [], "mode": "explode"}}))).status, 400);
    let h = sb.hmac_headers("PUT", &format!("/api/v3/indicators/{}", id));
    let r = sb.raw("PUT", &format!("/api/v3/indicators/{}", id), &h, b"{not json");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "Error");
    // Groups: create, update, delete.
    let r = sb.signed(
        "POST",
        "/api/v3/groups",
        Some(&json!({"type": "Incident", "name": "Test incident", "eventDate": "2026-01-02T00:00:00Z",
        "associatedIndicators": {"data": [{"id": id}]}, "tags": {"data": [{"name": "Alpha"}]}})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let gid = r.json()["data"]["id"].as_i64().unwrap();
    let r = sb.signed("PUT", &format!("/api/v3/groups/{}?fields=associatedIndicators", gid), Some(&json!({"name": "Renamed"})));
    assert_eq!(r.json()["data"]["name"], "Renamed");
    assert_eq!(r.json()["data"]["associatedIndicators"]["data"][0]["id"], id);
    assert_eq!(sb.signed("POST", "/api/v3/groups", Some(&json!({"type": "Nonsense", "name": "x"}))).status, 400);
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/groups/{}", gid), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/groups/{}", gid)).status, 404);
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/indicators/{}", id), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/indicators/{}", id)).status, 404);
    // Writes to the Source copy are refused.
    assert_eq!(sb.signed("PUT", "/api/v3/indicators/8", Some(&json!({"rating": 1}))).status, 403);
}

#[test]
fn v3_reference_lists() {
    let sb = Sandbox::start(Seed::Demo);
    let o = sb.get("/api/v3/security/owners").json();
    assert_eq!(names(&o, "type"), vec!["Organization", "Community", "Source"]);
    assert_eq!(o["data"][2]["permIndicator"], "READ");
    assert_eq!(sb.get("/api/v3/security/owners/2").json()["data"]["name"], "Common Community");
    let l = sb.get("/api/v3/securityLabels").json();
    assert!(names(&l, "name").contains(&"TLP:RED".to_string()));
    let t = sb.get("/api/v3/tags?resultLimit=5&count=true").json();
    assert_eq!(t["data"].as_array().unwrap().len(), 5);
    assert!(t["count"].as_i64().unwrap() >= 12);
    assert!(t["next"].is_string());
    let t = sb.get(&format!("/api/v3/tags?tql={}", enc("name contains \"bear\""))).json();
    assert_eq!(names(&t, "name"), vec!["APT Demo Bear"]);
    let a = sb.get("/api/v3/attributeTypes").json();
    assert!(names(&a, "name").contains(&"Description".to_string()));
    let r = sb.get("/api/v3/nothingHere");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errCode"], "0x1004");
}

#[test]
fn security_labels_can_be_created_once() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.signed("POST", "/api/v3/securityLabels", Some(&json!({"name": "ACME:PARTNERS", "color": "0000ff"})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["data"]["name"], "ACME:PARTNERS");
    let all = sb.get("/api/v3/securityLabels?resultLimit=100").json();
    assert!(names(&all, "name").contains(&"ACME:PARTNERS".to_string()));
    assert_eq!(sb.signed("POST", "/api/v3/securityLabels", Some(&json!({"name": "acme:partners"}))).status, 409);
    assert_eq!(sb.signed("POST", "/api/v3/securityLabels", Some(&json!({"name": " "}))).status, 400);
}

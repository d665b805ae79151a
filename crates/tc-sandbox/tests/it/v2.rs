use crate::common::*;
use serde_json::{json, Value};

fn list<'a>(j: &'a Value, key: &str) -> &'a Vec<Value> {
    j["data"][key].as_array().unwrap_or_else(|| panic!("no list {} in {}", key, j))
}

#[test]
fn v2_reads() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.get("/api/v2/indicators/hosts/bad.example.com?includeAdditional=true&includes=tags&includes=attributes&includes=labels");
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "Success");
    let h = &j["data"]["host"];
    assert_eq!(h["id"], 1);
    assert_eq!(h["owner"], json!({"id": 1, "name": "Demo Org", "type": "Organization"}));
    assert_eq!(h["hostName"], "bad.example.com");
    assert_eq!(h["dnsActive"], "true");
    assert_eq!(h["observationCount"], 15);
    assert_eq!(h["falsePositiveCount"], 1);
    assert!(h["tag"].as_array().unwrap().iter().any(|t| t["name"] == "APT Demo Bear"));
    assert!(h["attribute"].as_array().unwrap().len() >= 4);
    assert_eq!(h["securityLabel"][0]["name"], "TLP:AMBER");
    // Owner selection.
    let c = sb.get("/api/v2/indicators/hosts/bad.example.com?owner=Common%20Community").json();
    assert_eq!(c["data"]["host"]["id"], 7);
    let o = sb.get("/api/v2/indicators/hosts/bad.example.com/owners").json();
    assert_eq!(o["data"]["owner"].as_array().unwrap().len(), 3);
    // Lists: ownerName, resultCount only at resultStart=0, typed entity key.
    let l = sb.get("/api/v2/indicators/hosts?resultLimit=5").json();
    assert!(l["data"]["resultCount"].as_i64().unwrap() > 100);
    assert_eq!(list(&l, "host").len(), 5);
    assert_eq!(list(&l, "host")[0]["ownerName"], "Demo Org");
    let l2 = sb.get("/api/v2/indicators/hosts?resultStart=5&resultLimit=5").json();
    assert!(l2["data"].get("resultCount").is_none());
    assert_ne!(list(&l2, "host")[0]["id"], list(&l, "host")[0]["id"]);
    let all = sb.get("/api/v2/indicators?resultLimit=3").json();
    assert_eq!(list(&all, "indicator")[0]["summary"], "bad.example.com");
    // Filters.
    let f = sb.get(&format!("/api/v2/indicators/hosts?filters={}", enc("summary^alpha1"))).json();
    assert!(list(&f, "host").iter().all(|h| h["summary"].as_str().unwrap().starts_with("alpha1")));
    assert!(!list(&f, "host").is_empty());
    assert_eq!(sb.get(&format!("/api/v2/indicators/hosts?filters={}", enc("bogus=1"))).status, 400);
    // Files, custom type, registry key (multi-value).
    let file = sb.get("/api/v2/indicators/files/25bdabd23e349f5e5ea7890795b06d15d842bde1d43135c361e755f748ca05d0").json();
    assert_eq!(file["data"]["file"]["md5"], "F5A2496CF66CB8CFFE66CB1B27D7DEDE");
    let ht = sb.get(&format!("/api/v2/indicators/hashtags/{}", enc("#demobear"))).json();
    assert_eq!(ht["data"]["hashtag"]["Hashtag"], "#demobear");
    let types = sb.get("/api/v2/types/indicatorTypes").json();
    let it = list(&types, "indicatorType");
    assert!(it.iter().any(|t| t["name"] == "Hashtag" && t["apiBranch"] == "hashtags" && t["apiEntity"] == "hashtag" && t["custom"] == "true"));
    assert_eq!(it.len(), 12);
    // Groups.
    let g = sb.get("/api/v2/groups/adversaries/2?includes=tags").json();
    assert_eq!(g["data"]["adversary"]["name"], "APT Demo Bear");
    assert_eq!(g["data"]["adversary"]["owner"]["name"], "Demo Org");
    assert_eq!(sb.get("/api/v2/groups/threats/2").status, 404);
    let gl = sb.get("/api/v2/groups/incidents?resultLimit=2").json();
    assert_eq!(list(&gl, "incident").len(), 2);
    // Associations.
    let ag = sb.get("/api/v2/indicators/hosts/bad.example.com/groups").json();
    assert!(list(&ag, "group").iter().any(|g| g["name"] == "APT Demo Bear"));
    let ag = sb.get("/api/v2/indicators/hosts/bad.example.com/groups/adversaries").json();
    assert_eq!(list(&ag, "adversary").len(), 1);
    let ai = sb.get("/api/v2/indicators/hosts/bad.example.com/indicators").json();
    assert!(list(&ai, "indicator").iter().any(|i| i["summary"] == "203.0.113.66"));
    let gi = sb.get("/api/v2/groups/campaigns/1/indicators?resultLimit=10").json();
    assert_eq!(gi["data"]["resultCount"], 10_001);
    let gg = sb.get("/api/v2/groups/adversaries/2/groups").json();
    assert_eq!(list(&gg, "group").len(), 2);
    // Metadata reads.
    let at = sb.get("/api/v2/indicators/hosts/bad.example.com/attributes").json();
    let a0 = list(&at, "attribute")[0]["id"].as_i64().unwrap();
    let al = sb.get(&format!("/api/v2/indicators/hosts/bad.example.com/attributes/{}/securityLabels", a0)).json();
    assert_eq!(list(&al, "securityLabel")[0]["name"], "TLP:AMBER");
    let oc = sb.get("/api/v2/indicators/hosts/bad.example.com/observationCount").json();
    assert_eq!(oc["data"]["observationCount"]["count"], 15);
    assert_eq!(oc["data"]["observationCount"]["yourCount"], 12);
    let dns = sb.get("/api/v2/indicators/hosts/bad.example.com/dnsResolutions").json();
    assert!(list(&dns, "dnsResolution").iter().any(|d| d["addresses"][0]["summary"] == "203.0.113.66"));
    let dns = sb.get("/api/v2/indicators/addresses/203.0.113.66/dnsResolutions").json();
    assert_eq!(list(&dns, "indicator")[0]["summary"], "bad.example.com");
    // Owners, whoami, tags, labels.
    assert_eq!(sb.get("/api/v2/owners/mine").json()["data"]["owner"]["type"], "Organization");
    assert_eq!(sb.get("/api/v2/owners/3").json()["data"]["owner"]["type"], "Source");
    assert_eq!(sb.get("/api/v2/whoami").json()["data"]["user"]["userName"], sb.access_id());
    assert!(list(&sb.get("/api/v2/tags").json(), "tag").len() >= 12);
    assert_eq!(list(&sb.get("/api/v2/securityLabels").json(), "securityLabel").len(), 5);
    // Unknown types and values.
    assert_eq!(sb.get("/api/v2/indicators/spaceships/x").status, 404);
    let r = sb.get("/api/v2/indicators/hosts/nope.example");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], "Failure");
}

#[test]
fn v2_writes() {
    let sb = Sandbox::start(Seed::Demo);
    let r = sb.signed("POST", "/api/v2/indicators/addresses", Some(&json!({"ip": "192.0.2.250", "rating": 3, "confidence": 50})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["data"]["address"]["ip"], "192.0.2.250");
    assert_eq!(sb.signed("POST", "/api/v2/indicators/addresses", Some(&json!({"ip": "not-an-ip"}))).status, 400);
    let base = "/api/v2/indicators/addresses/192.0.2.250";
    let r = sb.signed("PUT", base, Some(&json!({"rating": 5, "confidence": 90})));
    assert_eq!(r.json()["data"]["address"]["rating"], 5.0);
    // Tags.
    assert_eq!(sb.signed("POST", &format!("{}/tags/{}", base, enc("Nation State")), None).status, 201);
    let t = sb.get(&format!("{}/tags", base)).json();
    assert_eq!(list(&t, "tag")[0]["name"], "Nation State");
    assert_eq!(sb.signed("DELETE", &format!("{}/tags/{}", base, enc("Nation State")), None).status, 200);
    assert_eq!(sb.signed("DELETE", &format!("{}/tags/{}", base, enc("Nation State")), None).status, 404);
    // Labels.
    assert_eq!(sb.signed("POST", &format!("{}/securityLabels/{}", base, enc("TLP:RED")), None).status, 201);
    assert_eq!(sb.signed("POST", &format!("{}/securityLabels/{}", base, enc("TLP:NOPE")), None).status, 404);
    assert_eq!(list(&sb.get(&format!("{}/securityLabels", base)).json(), "securityLabel")[0]["name"], "TLP:RED");
    // Attributes (+ a label on the attribute).
    let r = sb.signed("POST", &format!("{}/attributes", base), Some(&json!({"type": "Description", "value": "<b>bold</b> claim"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let aid = r.json()["data"]["attribute"]["id"].as_i64().unwrap();
    assert_eq!(sb.signed("POST", &format!("{}/attributes", base), Some(&json!({"type": "No Such Type", "value": "x"}))).status, 400);
    assert_eq!(sb.signed("POST", &format!("{}/attributes/{}/securityLabels/{}", base, aid, enc("TLP:GREEN")), None).status, 201);
    let r = sb.signed("PUT", &format!("{}/attributes/{}", base, aid), Some(&json!({"value": "changed"})));
    assert_eq!(r.json()["data"]["attribute"]["value"], "changed");
    let a = sb.get(&format!("{}/attributes?includes=labels", base)).json();
    assert_eq!(list(&a, "attribute")[0]["securityLabel"][0]["name"], "TLP:GREEN");
    assert_eq!(sb.signed("DELETE", &format!("{}/attributes/{}", base, aid), None).status, 200);
    assert_eq!(sb.get(&format!("{}/attributes/{}", base, aid)).status, 404);
    // Observations and false positives.
    assert_eq!(sb.signed("POST", &format!("{}/observations", base), Some(&json!({"count": 4, "dateObserved": "2026-01-05T10:00:00Z"}))).status, 200);
    assert_eq!(sb.signed("POST", &format!("{}/observations", base), Some(&json!({"count": 0}))).status, 400);
    let oc = sb.get(&format!("{}/observationCount", base)).json();
    assert_eq!(oc["data"]["observationCount"]["count"], 4);
    assert_eq!(oc["data"]["observationCount"]["lastObserved"], "2026-01-05T10:00:00Z");
    let r = sb.signed("POST", &format!("{}/falsePositive", base), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"]["falsePositive"]["count"], 1);
    let add = sb.get(&format!("{}?includeAdditional=true", base)).json();
    assert_eq!(add["data"]["address"]["observationCount"], 4);
    assert_eq!(add["data"]["address"]["falsePositiveCount"], 1);
    // Associations: POST, GET, DELETE.
    let assoc = format!("{}/groups/adversaries/2", base);
    assert_eq!(sb.signed("POST", &assoc, None).status, 200);
    assert_eq!(sb.get(&assoc).json()["data"]["adversary"]["id"], 2);
    assert!(list(&sb.get("/api/v2/groups/adversaries/2/indicators/addresses").json(), "address").iter().any(|a| a["ip"] == "192.0.2.250"));
    assert_eq!(sb.signed("DELETE", &assoc, None).status, 200);
    assert_eq!(sb.get(&assoc).status, 404);
    assert_eq!(sb.signed("POST", &format!("{}/indicators/hosts/bad.example.com", base), None).status, 200);
    assert!(list(&sb.get("/api/v2/indicators/hosts/bad.example.com/indicators/addresses").json(), "address")
        .iter()
        .any(|a| a["ip"] == "192.0.2.250"));
    assert_eq!(sb.signed("POST", "/api/v2/groups/adversaries/2/groups/incidents/18", None).status, 200);
    assert!(list(&sb.get("/api/v2/groups/incidents/18/groups").json(), "group").iter().any(|g| g["id"] == 2));
    assert_eq!(sb.signed("POST", "/api/v2/groups/adversaries/2/groups/incidents/99999", None).status, 404);
    // Groups: create, update, publish, delete.
    let r = sb.signed("POST", "/api/v2/groups/incidents", Some(&json!({"name": "v2 incident", "eventDate": "2026-02-01T00:00:00Z"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let gid = r.json()["data"]["incident"]["id"].as_i64().unwrap();
    let r = sb.signed("PUT", &format!("/api/v2/groups/incidents/{}", gid), Some(&json!({"name": "renamed"})));
    assert_eq!(r.json()["data"]["incident"]["name"], "renamed");
    let r = sb.signed(
        "POST",
        &format!("/api/v2/groups/incidents/{}/publish", gid),
        Some(&json!({"securityLabelList": ["TLP:GREEN"], "excludeUnlabeled": false})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "Success"}));
    assert_eq!(sb.signed("DELETE", &format!("/api/v2/groups/incidents/{}", gid), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v2/groups/incidents/{}", gid)).status, 404);
    // Delete the indicator.
    assert_eq!(sb.signed("DELETE", base, None).status, 200);
    assert_eq!(sb.get(base).status, 404);
    // Source owner is read-only through v2 too.
    assert_eq!(sb.signed("POST", "/api/v2/indicators/hosts/bad.example.com/tags/x?owner=Threat%20Feed", None).status, 403);
}

#[test]
fn datastore_records_and_search() {
    let sb = Sandbox::start(Seed::Empty);
    let ds = |method: &str, path: &str, body: Option<Value>| {
        let mut h = sb.hmac_headers("POST", path);
        h.push(("DB-Method", method.to_string()));
        h.push(("Content-Type", "application/json".to_string()));
        let b = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        sb.raw("POST", path, &h, &b)
    };
    let r = ds("POST", "/api/v2/exchange/db/organization/pivotnotes/1", Some(json!({"note": "first", "tag": "a"})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["result"], "created");
    ds("POST", "/api/v2/exchange/db/organization/pivotnotes/2", Some(json!({"note": "second", "tag": "b"})));
    let r = ds("GET", "/api/v2/exchange/db/organization/pivotnotes/1", None);
    assert_eq!(r.json()["_source"]["note"], "first");
    let r = ds("PUT", "/api/v2/exchange/db/organization/pivotnotes/1", Some(json!({"note": "updated"})));
    assert_eq!(r.json()["_version"], 2);
    assert_eq!(ds("GET", "/api/v2/exchange/db/organization/pivotnotes/1", None).json()["_source"], json!({"note": "updated", "tag": "a"}));
    let r = ds("GET", "/api/v2/exchange/db/organization/pivotnotes/_search", Some(json!({"query": {"match_all": {}}})));
    assert_eq!(r.json()["hits"]["total"], 2);
    let r = ds("POST", "/api/v2/exchange/db/organization/pivotnotes/_search", Some(json!({"query": {"match": {"tag": "b"}}})));
    assert_eq!(r.json()["hits"]["hits"][0]["_id"], "2");
    // Domains are separate.
    assert_eq!(ds("GET", "/api/v2/exchange/db/local/pivotnotes/1", None).status, 404);
    assert_eq!(ds("DELETE", "/api/v2/exchange/db/organization/pivotnotes/1", None).status, 200);
    assert_eq!(ds("GET", "/api/v2/exchange/db/organization/pivotnotes/1", None).status, 404);
    assert_eq!(ds("GET", "/api/v2/exchange/db/galaxy/pivotnotes/1", None).status, 400);
    assert_eq!(ds("FROB", "/api/v2/exchange/db/local/pivotnotes/1", None).status, 400);
    assert_eq!(ds("GET", "/api/v2/exchange/db/local/pivotnotes/_search", Some(json!({"query": {"fuzzy_wuzzy": {}}}))).status, 400);
}

#[test]
fn filters_two_character_operators_booleans_event_dates_and_modified_since() {
    let sb = Sandbox::start(Seed::Demo);
    for (name, rating) in [("ge-two.example", 2), ("ge-three.example", 3), ("ge-four.example", 4)] {
        let r = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": name, "rating": rating, "ownerName": "Demo Org"})));
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let names = |filter: &str| -> Vec<String> {
        let r = sb.get(&format!("/api/v2/indicators/hosts?filters={}", enc(filter)));
        assert_eq!(r.status, 200, "{filter}: {}", r.text());
        let mut n: Vec<String> = list(&r.json(), "host").iter().map(|h| h["summary"].as_str().unwrap().to_string()).collect();
        n.sort();
        n
    };
    // `rating>=3` is rating, >=, 3 (not rating, >, "=3").
    assert_eq!(names("summary^ge-,rating>=3"), ["ge-four.example", "ge-three.example"]);
    assert_eq!(names("summary^ge-,rating<=3"), ["ge-three.example", "ge-two.example"]);
    assert_eq!(names("summary^ge-,rating>3"), ["ge-four.example"]);
    // `active` (documented boolean filter).
    assert_eq!(names("summary^ge-,active=true").len(), 3);
    assert!(names("summary^ge-,active=false").is_empty());
    assert_eq!(sb.get(&format!("/api/v2/indicators/hosts?filters={}", enc("active=maybe"))).status, 400);

    // A group's eventDate given with an offset is kept (as the instant it names), and filters.
    let r = sb.signed(
        "POST",
        "/api/v3/groups",
        Some(&json!({"type": "Incident", "name": "Offset incident", "eventDate": "2021-03-04T22:30:00-06:00", "ownerName": "Demo Org"})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["id"].as_i64().unwrap();
    let g = sb.get(&format!("/api/v3/groups/{id}")).json();
    assert_eq!(g["data"]["eventDate"], "2021-03-05T04:30:00Z");
    let f = sb.get(&format!("/api/v2/groups/incidents?filters={}", enc("eventDate>2021-03-05T04:00:00Z,eventDate<2021-03-05T05:00:00Z"))).json();
    let ids: Vec<i64> = list(&f, "incident").iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [id]);

    // dateObserved with an offset, as the SDK's examples send it: accepted, and `+hh:mm` is not UTC.
    let obs = |d: &str| sb.signed("POST", "/api/v2/indicators/hosts/ge-two.example/observations", Some(&json!({"count": 1, "dateObserved": d})));
    assert_eq!(obs("2022-04-05T01:00:00+05:30").status, 200);
    let c = sb.get("/api/v2/indicators/hosts/ge-two.example/observationCount").json();
    assert_eq!(c["data"]["observationCount"]["lastObserved"], "2022-04-04T19:30:00Z");
    assert_eq!(obs("2022-04-05T01:00:00-06:00").status, 200);
    let c = sb.get("/api/v2/indicators/hosts/ge-two.example/observationCount").json();
    assert_eq!(c["data"]["observationCount"]["lastObserved"], "2022-04-05T07:00:00Z");

    // modifiedSince: nothing modified before it.
    let all = sb.get("/api/v2/indicators/hosts?resultLimit=10000").json();
    let total = list(&all, "host").len();
    let recent = sb.get(&format!("/api/v2/indicators/hosts?resultLimit=10000&modifiedSince={}", enc(&iso_now_minus(120)))).json();
    let mut recent: Vec<String> = list(&recent, "host").iter().map(|h| h["summary"].as_str().unwrap().to_string()).collect();
    recent.sort();
    assert_eq!(recent, ["ge-four.example", "ge-three.example", "ge-two.example"], "of {total} hosts, only those created by this test");
    assert_eq!(sb.get("/api/v2/indicators/hosts?modifiedSince=yesterday").status, 400);
}

/// Now minus `secs`, as ISO 8601 UTC (computed without the sandbox's own date code).
fn iso_now_minus(secs: i64) -> String {
    let t = now_s() - secs;
    let (days, rem) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

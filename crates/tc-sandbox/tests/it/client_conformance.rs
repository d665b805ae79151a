//! What ThreatConnect's own client, tcex, relies on (its test suite, `tests/api/tc/` of
//! ThreatConnect-Inc/tcex, run against a real instance), class by class: the one-request batch,
//! ids never reused, no internal error text in any answer, the statuses and shapes tcex asserts,
//! the TQL keywords tcex generates for tags and security labels. The same behaviour is driven
//! through tcex itself by tests/conformance/ (`make conformance`).
use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A multipart/form-data body as Python's requests builds it from `files=((name, text), ...)`
/// (tcex's `Batch.submit_create_and_upload`): each part named and given its name as file name.
fn multipart(boundary: &str, parts: &[(&str, String)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, text) in parts {
        b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\r\n").as_bytes());
        b.extend_from_slice(text.as_bytes());
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    b
}

fn create_and_upload(sb: &Sandbox, body: &[u8], content_type: &str) -> Response {
    let path = "/api/v2/batch/createAndUpload?includeAdditional=true";
    let mut h = sb.hmac_headers("POST", path);
    h.push(("Content-Type", content_type.to_string()));
    sb.raw("POST", path, &h, body)
}

#[test]
fn create_and_upload_runs_a_batch_in_one_request() {
    let sb = Sandbox::start(Seed::Empty);
    let settings = json!({"action": "Create", "attributeWriteType": "Replace", "haltOnError": false, "owner": "Demo Org", "version": "V2"});
    let content = json!({"indicator": [{"summary": "one-request.example", "type": "Host", "xid": "host-1", "tag": [{"name": "Batch"}]}],
        "group": [{"name": "One request", "type": "Incident", "xid": "incident-1"}]});
    let body = multipart("c0ffee", &[("config", settings.to_string()), ("content", content.to_string())]);
    let r = create_and_upload(&sb, &body, "multipart/form-data; boundary=c0ffee");
    assert_eq!(r.status, 201, "{}", r.text());
    let bs = &r.json()["data"]["batchStatus"];
    let id = bs["id"].as_i64().unwrap_or_else(|| panic!("no batchStatus.id: {}", r.text()));
    assert!(matches!(bs["status"].as_str(), Some("Queued" | "Running" | "Completed")), "{bs}");
    let t = Instant::now();
    let done = loop {
        let j = sb.get(&format!("/api/v2/batch/{id}")).json();
        if j["data"]["batchStatus"]["status"] == "Completed" {
            break j;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "never completed: {j}");
        std::thread::sleep(Duration::from_millis(40));
    };
    assert_eq!(done["data"]["batchStatus"]["successCount"], 2, "{done}");
    let found = sb.get("/api/v3/indicators?tql=summary%20%3D%20%22one-request.example%22&fields=tags").json();
    assert_eq!(found["data"][0]["tags"]["data"][0]["name"], "Batch", "{found}");
    // Malformed: not multipart, no boundary, a part missing, settings not JSON.
    for (body, ct, want) in [
        (content.to_string().into_bytes(), "application/json", "multipart/form-data"),
        (body.clone(), "multipart/form-data", "boundary"),
        (multipart("b", &[("config", settings.to_string())]), "multipart/form-data; boundary=b", "content part"),
        (multipart("b", &[("config", "{".into()), ("content", "{}".into())]), "multipart/form-data; boundary=b", "config part"),
        (b"--b\r\nno end".to_vec(), "multipart/form-data; boundary=b", "multipart"),
    ] {
        let r = create_and_upload(&sb, &body, ct);
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(r.json()["message"].as_str().unwrap_or("").contains(want), "{}", r.text());
    }
}

/// ThreatConnect never gives a deleted item's id to a new item: a client holding an old id must
/// not reach a new item with it.
#[test]
fn ids_of_deleted_items_are_never_reused() {
    let sb = Sandbox::start(Seed::Empty);
    let cases: [(&str, Value, &str); 4] = [
        ("/api/v3/indicators", json!({"type": "Host", "hostName": "first.example"}), "hostName"),
        ("/api/v3/groups", json!({"type": "Incident", "name": "first"}), "name"),
        ("/api/v3/victims", json!({"name": "first"}), "name"),
        ("/api/v3/securityLabels", json!({"name": "first"}), "name"),
    ];
    for (path, body, key) in cases {
        let first = sb.signed("POST", path, Some(&body));
        assert_eq!(first.status, 201, "{path}: {}", first.text());
        let old = first.json()["data"]["id"].as_i64().unwrap();
        if path != "/api/v3/securityLabels" {
            let d = sb.signed("DELETE", &format!("{path}/{old}"), None);
            assert_eq!(d.status, 200, "{path}: {}", d.text());
        } else {
            // No label delete endpoint: the row goes the way a reset of labels would.
            continue;
        }
        let mut again = body.clone();
        again[key] = json!(format!("second-{}", body[key].as_str().unwrap()));
        if key == "hostName" {
            again[key] = json!("second.example");
        }
        let second = sb.signed("POST", path, Some(&again));
        assert_eq!(second.status, 201, "{path}: {}", second.text());
        let new = second.json()["data"]["id"].as_i64().unwrap();
        assert!(new > old, "{path}: id {old} handed out again as {new}");
        assert_eq!(sb.get(&format!("{path}/{old}")).status, 404, "{path}: the old id names nothing");
    }
}

/// No answer, to any route and method with malformed input, carries database or panic text.
#[test]
fn no_internal_error_text_in_any_answer() {
    let sb = Sandbox::start(Seed::Demo);
    let leaks =
        ["sqlite", "no such table", "no such column", "syntax error", "rusqlite", "panicked", "constraint failed", "unwrap()", "internal error:"];
    let routes = [
        "/api/v2/owners",
        "/api/v2/owners/mine",
        "/api/v2/owners/1",
        "/api/v2/owners/x/metrics",
        "/api/v2/whoami",
        "/api/v2/types/indicatorTypes",
        "/api/v2/types/associationTypes",
        "/api/v2/tags",
        "/api/v2/tags/x",
        "/api/v2/tags/x/indicators",
        "/api/v2/tags/x/groups/adversaries",
        "/api/v2/securityLabels",
        "/api/v2/securityLabels/x",
        "/api/v2/indicators",
        "/api/v2/indicators/hosts",
        "/api/v2/indicators/hosts/bad.example.com",
        "/api/v2/indicators/hosts/bad.example.com/tags/x",
        "/api/v2/indicators/hosts/bad.example.com/attributes",
        "/api/v2/indicators/hosts/bad.example.com/attributes/x",
        "/api/v2/indicators/hosts/bad.example.com/groups/adversaries/x",
        "/api/v2/indicators/bulk/json",
        "/api/v2/indicators/observed",
        "/api/v2/groups",
        "/api/v2/groups/incidents",
        "/api/v2/groups/incidents/x",
        "/api/v2/groups/incidents/9/attributes",
        "/api/v2/groups/incidents/9/securityLabels/x",
        "/api/v2/victims",
        "/api/v2/victims/x",
        "/api/v2/victims/1/victimAssets/x",
        "/api/v2/tasks",
        "/api/v2/tasks/x",
        "/api/v2/batch",
        "/api/v2/batch/x",
        "/api/v2/batch/createAndUpload",
        "/api/v2/batch/1/errors",
        "/api/v2/exchange/db/local/t/x",
        "/api/v2/exchange/db/x/t/_search",
        "/api/v3/indicators",
        "/api/v3/indicators/x",
        "/api/v3/indicators/1",
        "/api/v3/groups",
        "/api/v3/groups/x",
        "/api/v3/groups/9/upload",
        "/api/v3/tags",
        "/api/v3/tags/x",
        "/api/v3/securityLabels",
        "/api/v3/securityLabels/x",
        "/api/v3/attributeTypes",
        "/api/v3/indicatorAttributes/x",
        "/api/v3/groupAttributes/x",
        "/api/v3/victims",
        "/api/v3/victims/x",
        "/api/v3/victimAssets",
        "/api/v3/victimAssets/x",
        "/api/v2/customMetrics",
        "/api/v2/customMetrics/x/data",
        "/api/v2/customMetrics/1/data",
        "/api/v3/security/users",
        "/api/v3/security/users/x",
        "/api/v3/indicators/fields",
        "/api/v3/indicators/deleted",
        "/api/v3/groups/9/pdf",
        "/api/v3/security/owners",
        "/api/v3/security/owners/x",
    ];
    // A valid query too, so each route's database query runs (`id = 1` is a keyword of every collection).
    let queries = [
        "",
        "?tql=id%20%3D%201",
        "?tql=%22%20%3B%20DROP",
        "?tql=nosuchfield%20%3D%201",
        "?tql=name%20like%20%27%25",
        "?resultStart=x",
        "?fields=__x__&owner=Nobody",
    ];
    let bodies: [&[u8]; 4] = [b"", b"{", b"[{\"type\":1,\"id\":\"x\"}]", b"{\"type\":\"Host\",\"hostName\":\"\",\"id\":\"'\",\"tags\":{\"data\":5}}"];
    let mut n = 0;
    for route in routes {
        for q in queries {
            for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
                for body in if matches!(method, "GET" | "OPTIONS") { &bodies[..1] } else { &bodies[..] } {
                    let target = format!("{route}{q}");
                    let mut h = sb.hmac_headers(method, &target);
                    h.push(("Content-Type", "application/json".into()));
                    h.push(("DB-Method", "GET".into()));
                    let r = sb.raw(method, &target, &h, body);
                    n += 1;
                    let text = r.text().to_ascii_lowercase();
                    let head: String = text.chars().take(300).collect();
                    for leak in leaks {
                        assert!(!text.contains(leak), "{method} {target} ({}) -> {}: {leak:?} in {head}", String::from_utf8_lossy(body), r.status);
                    }
                    assert_ne!(r.status, 500, "{method} {target} -> 500: {head}");
                }
            }
        }
    }
    assert!(n > 6_000, "{n} requests");
}

/// The statuses and shapes tcex's tests assert on answers the sandbox used to give differently.
#[test]
fn statuses_and_shapes_tcex_asserts() {
    let sb = Sandbox::start(Seed::Demo);
    // v2 tags and labels: 201 Created (tests/api/tc/v2/threat_intelligence/ti_helper.py).
    let base = "/api/v2/indicators/hosts/bad.example.com";
    let r = sb.signed("POST", &format!("{base}/tags/{}", enc("tcex tag")), None);
    assert_eq!((r.status, r.json()["status"].clone()), (201, json!("Success")), "{}", r.text());
    let r = sb.signed("POST", &format!("{base}/securityLabels/{}", enc("TLP:GREEN")), None);
    assert_eq!((r.status, r.json()["status"].clone()), (201, json!("Success")), "{}", r.text());
    // Email Subject, a type tcex's v2 tests use by name.
    let types = sb.get("/api/v2/types/indicatorTypes").json();
    let es: Vec<&Value> = types["data"]["indicatorType"].as_array().unwrap().iter().filter(|t| t["name"] == "Email Subject").collect();
    assert_eq!(es.len(), 1, "{types}");
    assert_eq!(
        (es[0]["apiBranch"].as_str(), es[0]["apiEntity"].as_str(), es[0]["custom"].as_str()),
        (Some("emailSubjects"), Some("emailSubject"), Some("true"))
    );
    let r = sb.signed("POST", "/api/v2/indicators/emailSubjects", Some(&json!({"Subject": "Invoice overdue"})));
    assert_eq!(r.status, 201, "{}", r.text());
    // Datastore: a PUT creates; a delete answers with _shards (tests/api/tc/v2/datastore/).
    let ds = |method: &str, key: &str, body: Option<Value>| {
        let path = format!("/api/v2/exchange/db/local/pytest/{key}");
        let mut h = sb.hmac_headers("POST", &path);
        h.push(("DB-Method", method.to_string()));
        h.push(("Content-Type", "application/json".to_string()));
        sb.raw("POST", &path, &h, &body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
    };
    let r = ds("PUT", "one", Some(json!({"one": 1})));
    assert_eq!((r.status, r.json()["result"].clone(), r.json()["_shards"]["successful"].clone()), (201, json!("created"), json!(1)), "{}", r.text());
    assert_eq!(ds("GET", "one", None).json()["_source"], json!({"one": 1}));
    let r = ds("DELETE", "one", None);
    let j = r.json();
    assert_eq!(
        (r.status, j["_id"].clone(), j["result"].clone(), j["_shards"]["successful"].clone()),
        (200, json!("one"), json!("deleted"), json!(1)),
        "{j}"
    );
    // v3: creating an indicator the owner holds updates it.
    let r = sb.signed(
        "POST",
        "/api/v3/indicators",
        Some(&json!({"type": "Host", "hostName": "bad.example.com", "rating": 1, "tags": {"data": [{"name": "again"}]}})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["data"]["id"], 1, "the existing indicator");
    let now = sb.get("/api/v3/indicators/1?fields=tags").json();
    assert_eq!(now["data"]["rating"], 1.0);
    assert!(now["data"]["tags"]["data"].as_array().unwrap().iter().any(|t| t["name"] == "again"), "{now}");
    // OPTIONS /v3/indicators/fields: the documented list (tcex expands fields=_all_ through it).
    let doc: Value =
        serde_json::from_slice(&std::fs::read(pivot_testing::fixtures().join("threatconnect-docs/v3__additional_fields__1.json")).unwrap()).unwrap();
    let r = sb.signed("OPTIONS", "/api/v3/indicators/fields", None);
    assert_eq!(r.status, 200, "{}", r.text());
    let names = |v: &Value| -> Vec<String> { v["data"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect() };
    assert_eq!(names(&r.json()), names(&doc["response"]));
    let g = sb.signed("OPTIONS", "/api/v3/groups/fields", None).json();
    assert!(names(&g).contains(&"associatedIndicators".to_string()), "{g}");
    assert_eq!(sb.signed("OPTIONS", "/api/v3/nothing/fields", None).status, 404);
    // GET /v3/indicators/deleted: what was deleted, by date, owner and type.
    let gone =
        sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "gone.example"}))).json()["data"]["id"].as_i64().unwrap();
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/indicators/{gone}"), None).status, 200);
    let d = sb.get("/api/v3/indicators/deleted?deletedSince=2000-01-01T00:00:00Z&owner=Demo%20Org&type=Host").json();
    assert_eq!((d["data"][0]["id"].as_i64(), d["data"][0]["summary"].as_str()), (Some(gone), Some("gone.example")), "{d}");
    assert_eq!(sb.get("/api/v3/indicators/deleted?deletedSince=2999-01-01T00:00:00Z").json()["data"], json!([]));
    assert_eq!(sb.get("/api/v3/indicators/deleted?type=Address").json()["data"], json!([]));
    // DELETE /v3/victims/{id}.
    let v = sb.signed("POST", "/api/v3/victims", Some(&json!({"name": "Leaving"}))).json();
    let id = v["data"]["id"].as_i64().unwrap();
    let r = sb.signed("DELETE", &format!("/api/v3/victims/{id}"), None);
    assert_eq!((r.status, r.json()["message"].clone()), (200, json!("Deleted")), "{}", r.text());
    assert_eq!(sb.get(&format!("/api/v3/victims/{id}")).status, 404);
    // Victims by TQL (tcex's victims.filter.name).
    sb.signed("POST", "/api/v3/victims", Some(&json!({"name": "Staying", "org": "Acme"})));
    let found = sb.get(&format!("/api/v3/victims?tql={}", enc("name = \"Staying\" and organization = \"Acme\""))).json();
    assert_eq!(found["data"].as_array().map(|a| a.len()), Some(1), "{found}");
    assert_eq!(found["data"][0]["name"], "Staying");
    assert_eq!(sb.get(&format!("/api/v3/victims?tql={}", enc("nosuch = 1"))).status, 400);
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/victims/{id}"), None).status, 404);
}

/// Every keyword tcex's generated TagFilter and SecurityLabelFilter (and the group and indicator
/// date keywords, `like`) send is answered: a result, or TQL's 400 in ThreatConnect's error shape.
#[test]
fn tql_keywords_tcex_generates() {
    let sb = Sandbox::start(Seed::Demo);
    sb.signed(
        "PUT",
        "/api/v3/indicators/1",
        Some(&json!({"tags": {"data": [{"name": "T1566 - Phishing"}, {"name": "T1566.001 - Spearphishing Attachment"}]}})),
    );
    let q = |path: &str, tql: &str| sb.get(&format!("{path}?tql={}", enc(tql)));
    let names =
        |r: &Response| -> Vec<String> { r.json()["data"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect() };
    // techniqueId: accepted; the sandbox has no ATT&CK system tags, so none has one.
    let r = q("/api/v3/tags", "techniqueId NE \"null\"");
    assert_eq!((r.status, names(&r).len()), (200, 0), "{}", r.text());
    let r = q("/api/v3/tags", "name like \"%Phish%\"");
    assert_eq!(names(&r), ["Phishing", "T1566 - Phishing", "T1566.001 - Spearphishing Attachment"], "{}", r.text());
    let r = q("/api/v3/tags", "hasIndicator(id = 1) and name startswith \"T1566\"");
    assert_eq!(names(&r).len(), 2, "{}", r.text());
    let r = q("/api/v3/tags", "id = 2");
    assert_eq!(names(&r), ["Phishing"]);
    let r = q("/api/v3/securityLabels", "name in (\"TLP:RED\", \"TLP:GREEN\") and color != \"FFFFFF\"");
    assert_eq!(names(&r), ["TLP:GREEN", "TLP:RED"], "{}", r.text());
    let r = q("/api/v3/securityLabels", "hasGroup(id = 5)");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!names(&r).is_empty());
    // Dates: lastModified and dateAdded on groups and indicators.
    let r = q("/api/v3/groups", "lastModified > \"2000-01-01\" and typeName = \"Incident\"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.json()["data"].as_array().unwrap().is_empty());
    assert_eq!(q("/api/v3/groups", "lastModified > \"2999-01-01\"").json()["data"], json!([]));
    assert_eq!(q("/api/v3/indicators", "summary not like \"%.%\" and typeName = \"Host\"").status, 200);
    // Every keyword of tcex's TagFilter and SecurityLabelFilter: answered, or refused as TQL.
    let tag_keywords = [
        "associatedCase",
        "associatedGroup",
        "associatedIndicator",
        "associatedVictim",
        "caseId",
        "description",
        "financialRisk",
        "financialRiskScore",
        "financialRiskValue",
        "id",
        "lastUsed",
        "name",
        "owner",
        "ownerName",
        "securityCoverage",
        "summary",
        "techniqueId",
    ];
    let label_keywords = ["color", "dateAdded", "description", "id", "name", "owner", "ownerName", "summary", "victimId"];
    for (path, keywords) in [("/api/v3/tags", &tag_keywords[..]), ("/api/v3/securityLabels", &label_keywords[..])] {
        for k in keywords {
            let r = q(path, &format!("{k} = \"2026-01-01\""));
            let j = r.json();
            match r.status {
                200 => assert!(j["data"].is_array(), "{path} {k}: {j}"),
                400 => {
                    assert_eq!(j["status"], "Error", "{path} {k}: {j}");
                    assert!(j["message"].as_str().unwrap().starts_with("Invalid TQL"), "{path} {k}: {j}");
                }
                s => panic!("{path} {k}: {s} {j}"),
            }
        }
    }
}

/// The endpoints tcex's modules call that the sandbox lacked: custom metrics, the attribute
/// collections, users, a datastore search without a record id, a batch file's new label.
#[test]
fn endpoints_tcex_calls() {
    let sb = Sandbox::start(Seed::Demo);
    // /v2/customMetrics (tcex/api/tc/v2/metric/metric.py).
    let r = sb.signed(
        "POST",
        "/api/v2/customMetrics",
        Some(&json!({"name": "m", "dataType": "Average", "interval": "Daily", "keyedValues": false, "description": "d"})),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["customMetricConfig"]["id"].as_i64().unwrap();
    let list = sb.get("/api/v2/customMetrics?resultLimit=50&resultStart=0").json();
    assert_eq!(list["data"]["customMetricConfig"][0]["name"], "m");
    let path = format!("/api/v2/customMetrics/{id}/data");
    let r = sb.signed("POST", &format!("{path}?returnValue=true"), Some(&json!({"value": 42, "date": "2008-12-12T12:12:12Z", "weight": 4})));
    assert_eq!((r.status, r.json()["date"].clone(), r.json()["value"].clone()), (200, json!("2008-12-12T00:00:00Z"), json!(42.0)), "{}", r.text());
    let r = sb.signed("POST", &path, Some(&json!({"value": 2, "date": "2008-12-12T13:00:00Z", "weight": 1})));
    assert_eq!(r.status, 204);
    let r = sb.signed("POST", &format!("{path}?returnValue=true"), Some(&json!({"value": 0, "date": "2008-12-12T14:00:00Z", "weight": 0})));
    assert_eq!(r.json()["value"], json!((42.0 * 4.0 + 2.0) / 5.0), "weighted average of the day");
    assert_eq!(
        sb.signed("POST", "/api/v2/customMetrics", Some(&json!({"name": "x".repeat(500), "dataType": "Sum", "interval": "Daily"}))).status,
        400
    );
    assert_eq!(sb.signed("POST", "/api/v2/customMetrics", Some(&json!({"name": "m", "dataType": "Sum", "interval": "Daily"}))).status, 409);
    // /v3/indicatorAttributes: list by hasIndicator (how tcex lists an indicator's attributes), create, get, delete.
    let r = sb.signed("POST", "/api/v3/indicatorAttributes", Some(&json!({"indicatorId": 1, "type": "Source", "value": "via collection"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let aid = r.json()["data"]["id"].as_i64().unwrap();
    let listed = sb.get(&format!("/api/v3/indicatorAttributes?tql={}", enc("hasIndicator(id = 1)"))).json();
    let values: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|a| a["value"].as_str().unwrap()).collect();
    let direct = sb.get("/api/v3/indicators/1?fields=attributes").json();
    assert_eq!(values.len(), direct["data"]["attributes"]["data"].as_array().unwrap().len());
    assert!(values.contains(&"via collection"));
    assert_eq!(sb.get(&format!("/api/v3/indicatorAttributes/{aid}")).json()["data"]["indicatorId"], 1);
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/indicatorAttributes/{aid}"), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/indicatorAttributes/{aid}")).status, 404);
    assert_eq!(sb.get(&format!("/api/v3/groupAttributes?tql={}", enc("groupId = 2"))).json()["data"][0]["groupId"], 2);
    // /v3/security/users with TQL.
    let u = sb.get("/api/v3/security/users").json();
    assert_eq!(u["data"][0]["userName"], sb.access_id());
    let u = sb.get(&format!("/api/v3/security/users?tql={}", enc("firstName = \"Dana\"")));
    assert_eq!(u.json()["data"].as_array().unwrap().len(), 1, "{}", u.text());
    assert_eq!(sb.get(&format!("/api/v3/security/users?tql={}", enc("jobRole = \"x\""))).status, 400);
    // TQL dates as tcex writes them.
    let r = sb.get(&format!("/api/v3/groups?tql={}&resultLimit=1", enc("dateAdded > \"2000-01-01 00:00:00\"")));
    assert_eq!(r.status, 200, "{}", r.text());
    // A datastore get without a record id searches the type.
    let mut h = sb.hmac_headers("POST", "/api/v2/exchange/db/local/none/");
    h.push(("DB-Method", "GET".into()));
    let r = sb.raw("POST", "/api/v2/exchange/db/local/none/", &h, b"");
    assert_eq!((r.status, r.json()["hits"]["total"].clone()), (200, json!(0)), "{}", r.text());
    // A batch file's security label the instance lacks is made.
    let settings = json!({"action": "Create", "owner": "Demo Org"});
    let content = json!({"indicator": [{"summary": "198.51.100.250", "type": "Address", "xid": "x-1",
        "securityLabel": [{"name": "PYTEST1", "description": "Pytest Label Description", "color": "ffc0cb"}]}]});
    let body = multipart("b", &[("config", settings.to_string()), ("content", content.to_string())]);
    let id = create_and_upload(&sb, &body, "multipart/form-data; boundary=b").json()["data"]["batchStatus"]["id"].as_i64().unwrap();
    let t = Instant::now();
    while sb.get(&format!("/api/v2/batch/{id}")).json()["data"]["batchStatus"]["status"] != "Completed" {
        assert!(t.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(40));
    }
    assert_eq!(sb.get(&format!("/api/v2/batch/{id}")).json()["data"]["batchStatus"]["successCount"], 1);
    let l = sb.get(&format!("/api/v3/securityLabels?tql={}", enc("name = \"PYTEST1\""))).json();
    assert_eq!((l["data"][0]["color"].clone(), l["data"][0]["description"].clone()), (json!("ffc0cb"), json!("Pytest Label Description")), "{l}");
}

/// v2 task sub-resources (docs/rest_api/v2/tasks/create.rst, retrieve.rst; assignees and
/// escalatees as tcex 5.0.0 calls them, tcex_ti_tc_request.py) and v2 victim metadata
/// (docs/rest_api/v2/victims/create.rst, "Create Victim Metadata"): the same attributes, tags and
/// security labels as an indicator's, kept apart from the indicator that shares the item's number.
#[test]
fn task_and_victim_metadata_on_v2() {
    let sb = Sandbox::start(Seed::Empty);
    let host = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "task-neighbour.example"}))).json();
    let host_id = host["data"]["id"].as_i64().unwrap();
    let host_modified = host["data"]["lastModified"].clone();
    let task = sb.signed("POST", "/api/v2/tasks", Some(&json!({"name": "triage", "escalatee": [{"userName": "analyst@demo.example"}]})));
    assert_eq!(task.status, 201, "{}", task.text());
    let tid = task.json()["data"]["task"]["id"].as_i64().unwrap();
    let victim = sb.signed("POST", "/api/v2/victims", Some(&json!({"name": "Acme"}))).json();
    let vid = victim["data"]["victim"]["id"].as_i64().unwrap();
    assert_eq!((tid, vid), (host_id, host_id), "the test needs a task and a victim numbered as the indicator");
    std::thread::sleep(Duration::from_millis(1100)); // lastModified has a one-second grain
    for base in [format!("/api/v2/tasks/{tid}"), format!("/api/v2/victims/{vid}")] {
        for (path, body) in [
            (format!("{base}/tags/{}", enc("Nation State")), None),
            (format!("{base}/securityLabels/{}", enc("TLP:AMBER")), None),
            (format!("{base}/attributes"), Some(json!({"type": "Description", "value": format!("on {base}")}))),
        ] {
            let r = sb.signed("POST", &path, body.as_ref());
            assert_eq!((r.status, r.json()["status"].clone()), (201, json!("Success")), "{path}: {}", r.text());
        }
        let tags = sb.get(&format!("{base}/tags")).json();
        assert_eq!(tags["data"]["tag"][0]["name"], "Nation State", "{tags}");
        let labels = sb.get(&format!("{base}/securityLabels")).json();
        assert_eq!(labels["data"]["securityLabel"][0]["name"], "TLP:AMBER", "{labels}");
        let attrs = sb.get(&format!("{base}/attributes")).json();
        let aid = attrs["data"]["attribute"][0]["id"].as_i64().unwrap();
        assert_eq!(attrs["data"]["attribute"][0]["value"], format!("on {base}"), "{attrs}");
        let r = sb.signed("POST", &format!("{base}/attributes/{aid}/securityLabels/{}", enc("TLP:RED")), None);
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(sb.signed("DELETE", &format!("{base}/tags/{}", enc("Nation State")), None).status, 200);
        assert_eq!(sb.get(&format!("{base}/tags")).json()["data"]["resultCount"], 0);
        assert_eq!(sb.signed("DELETE", &format!("{base}/tags/{}", enc("Nation State")), None).status, 404);
    }
    // The indicator numbered as the task and the victim: untouched.
    let host_now = sb.get(&format!("/api/v3/indicators/{host_id}?fields=tags&fields=attributes")).json();
    assert_eq!(host_now["data"]["lastModified"], host_modified, "a task's or victim's metadata touched the indicator");
    assert!(host_now["data"].get("tags").is_none_or(|t| t["data"].as_array().is_none_or(|a| a.is_empty())), "{host_now}");
    // includes= on the task, as tcex's test_task_interface reads it.
    let one = sb.get(&format!("/api/v2/tasks/{tid}?includes=attributes&includes=labels&includes=tags")).json();
    assert_eq!(one["data"]["task"]["attribute"][0]["type"], "Description", "{one}");
    assert_eq!(one["data"]["task"]["securityLabel"][0]["name"], "TLP:AMBER", "{one}");
    // Assignees and escalatees.
    let t = format!("/api/v2/tasks/{tid}");
    assert_eq!(sb.get(&format!("{t}/escalatees")).json()["data"]["user"][0]["userName"], "analyst@demo.example");
    let r = sb.signed("POST", &format!("{t}/assignees/{}", sb.access_id()), None);
    assert_eq!(r.status, 200, "{}", r.text());
    let a = sb.get(&format!("{t}/assignees")).json();
    assert_eq!((a["data"]["resultCount"].clone(), a["data"]["user"][0]["firstName"].clone()), (json!(1), json!("Pivot")), "{a}");
    assert_eq!(sb.get(&format!("{t}/assignees/{}", sb.access_id())).status, 200);
    assert_eq!(sb.get(&t).json()["data"]["task"]["assignee"][0]["userName"], sb.access_id(), "the documented assignee list");
    assert_eq!(sb.signed("DELETE", &format!("{t}/assignees/{}", sb.access_id()), None).status, 200);
    assert_eq!(sb.get(&format!("{t}/assignees/{}", sb.access_id())).status, 404);
    assert_eq!(sb.signed("DELETE", &format!("{t}/escalatees/nobody"), None).status, 404);
    assert_eq!(sb.get(&format!("{t}/nothing")).status, 404);
    // Deleting the task and the victim removes their metadata: a new task's number never meets it.
    assert_eq!(sb.signed("DELETE", &t, None).status, 200);
    assert_eq!(sb.signed("DELETE", &format!("/api/v2/victims/{vid}"), None).status, 200);
    let left = sb.get(&format!("/api/v3/tags?tql={}", enc(&format!("hasVictim(id = {vid})")))).json();
    assert_eq!(left["data"], json!([]), "{left}");
}

/// v3 victim attributes, tags and security labels (docs/rest_api/v3/victim_attributes/*.rst,
/// v3 Victims; tcex's Victim lists them with `hasVictim(id = N)`: tags/tag_filter.py).
#[test]
fn victim_attributes_tags_and_labels_on_v3() {
    let sb = Sandbox::start(Seed::Empty);
    let body = json!({"name": "Acme", "attributes": {"data": [{"type": "Description", "value": "staged"}]},
        "tags": {"data": [{"name": "victim-tag"}]}, "securityLabels": {"data": [{"name": "TLP:GREEN"}]}});
    let r = sb.signed("POST", "/api/v3/victims?fields=tags&fields=attributes&fields=securityLabels", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json()["data"].clone();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["tags"]["data"][0]["name"], "victim-tag", "{v}");
    assert_eq!(v["securityLabels"]["data"][0]["name"], "TLP:GREEN", "{v}");
    assert_eq!(v["attributes"]["data"][0]["value"], "staged", "{v}");
    // tcex's fields=_all_ is the list OPTIONS answers: it names what a victim includes.
    let f = sb.signed("OPTIONS", "/api/v3/victims/fields", None).json();
    let listed: Vec<&str> = f["data"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["assets", "attributes", "securityLabels", "tags"], "{f}");
    let q = |path: &str, tql: &str| sb.get(&format!("{path}?tql={}", enc(tql))).json();
    assert_eq!(q("/api/v3/tags", &format!("hasVictim(id = {id})"))["data"][0]["name"], "victim-tag");
    assert_eq!(q("/api/v3/securityLabels", &format!("hasVictim(id = {id})"))["data"][0]["name"], "TLP:GREEN");
    assert_eq!(q("/api/v3/tags", "hasVictim(id = 999)")["data"], json!([]));
    let listed = q("/api/v3/victimAttributes", &format!("victimId = {id}"));
    assert_eq!((listed["data"][0]["value"].clone(), listed["data"][0]["victimId"].clone()), (json!("staged"), json!(id)), "{listed}");
    let r = sb.signed("POST", "/api/v3/victimAttributes", Some(&json!({"victimId": id, "type": "Source", "value": "the collection"})));
    assert_eq!(r.status, 201, "{}", r.text());
    let aid = r.json()["data"]["id"].as_i64().unwrap();
    assert_eq!(sb.signed("PUT", &format!("/api/v3/victimAttributes/{aid}"), Some(&json!({"value": "changed"}))).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/victimAttributes/{aid}")).json()["data"]["value"], "changed");
    assert_eq!(q("/api/v3/victimAttributes", &format!("hasVictim(id = {id})"))["data"].as_array().unwrap().len(), 2);
    // An indicator's attribute is not a victim's, even under the same id.
    let ind = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "a.example"}))).json()["data"]["id"].as_i64().unwrap();
    let ia = sb.signed("POST", "/api/v3/indicatorAttributes", Some(&json!({"indicatorId": ind, "type": "Source", "value": "x"}))).json();
    assert_eq!(sb.get(&format!("/api/v3/victimAttributes/{}", ia["data"]["id"])).status, 404);
    assert_eq!(sb.signed("POST", "/api/v3/victimAttributes", Some(&json!({"victimId": 999, "type": "Source", "value": "x"}))).status, 404);
    // PUT with mode delete removes a tag; DELETE removes an attribute.
    let r = sb.signed("PUT", &format!("/api/v3/victims/{id}"), Some(&json!({"tags": {"data": [{"name": "victim-tag"}], "mode": "delete"}})));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(q("/api/v3/tags", &format!("hasVictim(id = {id})"))["data"], json!([]));
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/victimAttributes/{aid}"), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/victimAttributes/{aid}")).status, 404);
}

/// An attribute whose type does not apply to the item's type is refused on every write, v2 and v3.
/// Which items a type applies to is ThreatConnect's "References - Platform Standard Attributes":
/// "Additional Analysis and Context" lists Incident, Host and Victim among its items, and neither
/// Tool (a group type) nor Hashtag (a custom indicator type); Description applies to every item.
/// The refusal's status and shape are the API's documented ones for a bad request (its message is
/// not documented).
#[test]
fn attributes_of_a_type_that_does_not_apply_are_refused() {
    let sb = Sandbox::start(Seed::Empty);
    const AAC: &str = "Additional Analysis and Context";
    let attr = |t: &str| json!({"type": t, "value": "analysis"});
    let v3_refused = |r: &Response, what: &str| {
        assert_eq!(r.status, 400, "{what}: {}", r.text());
        let b = r.json();
        assert_eq!((b["status"].as_str(), b["errCode"].as_str()), (Some("Error"), Some("0x1001")), "{what}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| m.contains(AAC)), "{what}: {b}");
    };
    let v2_refused = |r: &Response, what: &str| {
        assert_eq!(r.status, 400, "{what}: {}", r.text());
        let b = r.json();
        assert_eq!(b["status"], "Failure", "{what}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| m.contains(AAC)), "{what}: {b}");
    };
    let count = |path: &str, tql: &str| sb.get(&format!("{path}?tql={}&count=true", enc(tql))).json()["count"].clone();
    // v3 nested create: refused, and nothing is made.
    let r = sb.signed("POST", "/api/v3/groups", Some(&json!({"type": "Tool", "name": "refused tool", "attributes": {"data": [attr(AAC)]}})));
    v3_refused(&r, "a Tool made with it");
    assert_eq!(count("/api/v3/groups", r#"name = "refused tool""#), 0);
    let r = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Hashtag", "value1": "#refused", "attributes": {"data": [attr(AAC)]}})));
    v3_refused(&r, "a Hashtag made with it");
    assert_eq!(count("/api/v3/indicators", r##"summary = "#refused""##), 0);
    // The same type where it applies, and a type that applies everywhere.
    let made = |path: &str, body: Value| -> i64 {
        let r = sb.signed("POST", path, Some(&body));
        assert_eq!(r.status, 201, "{path}: {}", r.text());
        r.json()["data"]["id"].as_i64().unwrap()
    };
    made("/api/v3/groups", json!({"type": "Incident", "name": "takes it", "attributes": {"data": [attr(AAC)]}}));
    made("/api/v3/indicators", json!({"type": "Host", "hostName": "takes.example", "attributes": {"data": [attr(AAC)]}}));
    made("/api/v3/victims", json!({"name": "Takes it", "attributes": {"data": [attr(AAC)]}}));
    let tool = made("/api/v3/groups", json!({"type": "Tool", "name": "a tool", "attributes": {"data": [attr("Description")]}}));
    let tag = made("/api/v3/indicators", json!({"type": "Hashtag", "value1": "#tagged", "attributes": {"data": [attr("Description")]}}));
    // v3 nested update, and the attribute collections: refused, the item's attributes unchanged.
    let r = sb.signed("PUT", &format!("/api/v3/groups/{tool}"), Some(&json!({"attributes": {"data": [attr(AAC)], "mode": "append"}})));
    v3_refused(&r, "a Tool updated with it");
    let r = sb.signed("PUT", &format!("/api/v3/indicators/{tag}"), Some(&json!({"attributes": {"data": [attr(AAC)]}})));
    v3_refused(&r, "a Hashtag updated with it");
    v3_refused(&sb.signed("POST", "/api/v3/groupAttributes", Some(&json!({"groupId": tool, "type": AAC, "value": "x"}))), "groupAttributes");
    v3_refused(
        &sb.signed("POST", "/api/v3/indicatorAttributes", Some(&json!({"indicatorId": tag, "type": AAC, "value": "x"}))),
        "indicatorAttributes",
    );
    assert_eq!(count("/api/v3/groupAttributes", &format!("groupId = {tool}")), 1);
    assert_eq!(count("/api/v3/indicatorAttributes", &format!("indicatorId = {tag}")), 1);
    // v2: adding one to an item.
    v2_refused(&sb.signed("POST", &format!("/api/v2/groups/tools/{tool}/attributes"), Some(&attr(AAC))), "v2 on a Tool");
    v2_refused(&sb.signed("POST", "/api/v2/indicators/hashtags/%23tagged/attributes", Some(&attr(AAC))), "v2 on a Hashtag");
    let r = sb.signed("POST", &format!("/api/v2/groups/tools/{tool}/attributes"), Some(&attr("Source")));
    assert_eq!(r.status, 201, "{}", r.text());
    let listed = sb.get(&format!("/api/v2/groups/tools/{tool}/attributes")).json();
    let types: Vec<&str> = listed["data"]["attribute"].as_array().unwrap().iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Description", "Source"], "{listed}");
}

/// A nested associated group or indicator without an id is created (v3 "Create and Manage
/// Associations": New Group, New Indicator), or found by type and summary (Existing Indicator).
#[test]
fn nested_associations_without_an_id() {
    let sb = Sandbox::start(Seed::Empty);
    let body = json!({"type": "Host", "hostName": "nested.example",
        "associatedGroups": {"data": [{"name": "Bad Guy", "type": "Adversary", "tags": {"data": [{"name": "nested-tag"}]}}]},
        "associatedIndicators": {"data": [{"type": "Address", "ip": "198.51.100.7"}]}});
    let r = sb.signed("POST", "/api/v3/indicators?fields=associatedGroups&fields=associatedIndicators", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let d = r.json()["data"].clone();
    assert_eq!(
        (d["associatedGroups"]["data"][0]["name"].clone(), d["associatedGroups"]["data"][0]["type"].clone()),
        (json!("Bad Guy"), json!("Adversary")),
        "{d}"
    );
    assert_eq!(d["associatedIndicators"]["data"][0]["summary"], "198.51.100.7", "{d}");
    let gid = d["associatedGroups"]["data"][0]["id"].as_i64().unwrap();
    let g = sb.get(&format!("/api/v3/groups/{gid}?fields=tags")).json();
    assert_eq!((g["data"]["ownerName"].clone(), g["data"]["tags"]["data"][0]["name"].clone()), (json!("Demo Org"), json!("nested-tag")), "{g}");
    // The same address again is the existing indicator, not a second one.
    let group = sb.signed(
        "POST",
        "/api/v3/groups",
        Some(&json!({"type": "Incident", "name": "i",
        "associatedIndicators": {"data": [{"type": "Address", "summary": "198.51.100.7"}]}})),
    );
    assert_eq!(group.status, 201, "{}", group.text());
    let found = sb.get(&format!("/api/v3/indicators?tql={}", enc("summary = \"198.51.100.7\""))).json();
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
    // In the owner the entry names.
    let r = sb.signed(
        "POST",
        "/api/v3/groups?fields=associatedGroups",
        Some(&json!({"type": "Incident", "name": "j",
        "associatedGroups": {"data": [{"name": "Shared", "type": "Threat", "ownerName": "Common Community"}]}})),
    );
    assert_eq!(r.json()["data"]["associatedGroups"]["data"][0]["ownerName"], "Common Community", "{}", r.text());
    // Not enough to make one: 400, nothing created.
    for bad in [json!({"name": "no type"}), json!({"type": "Adversary"})] {
        let r =
            sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "bad.example", "associatedGroups": {"data": [bad]}})));
        assert_eq!(r.status, 400, "{}", r.text());
    }
    assert_eq!(sb.get(&format!("/api/v3/indicators?tql={}", enc("summary = \"bad.example\""))).json()["data"], json!([]));
    let r = sb.signed(
        "PUT",
        "/api/v3/groups/1",
        Some(&json!({"associatedIndicators": {"data": [{"type": "Host", "hostName": "absent.example"}], "mode": "delete"}})),
    );
    assert_eq!(r.status, 404, "removing an absent indicator creates nothing: {}", r.text());
}

/// TQL on the reference collections tcex filters (tests/api/tc/v3/security/owners/,
/// attribute_types/, victim_assets/): applied, never ignored.
#[test]
fn tql_on_owners_attribute_types_and_victim_assets() {
    let sb = Sandbox::start(Seed::Empty);
    let names = |path: &str, tql: &str, key: &str| -> Vec<String> {
        let r = sb.get(&format!("{path}?tql={}", enc(tql)));
        assert_eq!(r.status, 200, "{path} {tql}: {}", r.text());
        r.json()["data"].as_array().unwrap().iter().map(|x| x[key].as_str().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(names("/api/v3/security/owners", "permIndicator = \"READ\"", "name"), ["Threat Feed"]);
    assert_eq!(names("/api/v3/security/owners", "name != \"Threat Feed\" and userId = 3", "name"), ["Demo Org", "Common Community"]);
    // Every permission keyword of tcex's OwnerFilter (test_owner_snippets.py test_owner_tql_filter).
    assert!(names("/api/v3/security/owners", "permArtifact = \"FULL\" and permWorkflowTemplate = \"FULL\"", "name").is_empty());
    assert_eq!(names("/api/v3/security/owners", "permCaseTag = \"NONE\" and permIndicator = \"FULL\"", "name").len(), 2);
    assert_eq!(names("/api/v3/attributeTypes", "name = \"Description\" and system = true", "name"), ["Description"]);
    assert!(names("/api/v3/attributeTypes", "system = false", "name").is_empty());
    // associatedType: "Additional Analysis and Context" applies to Adversaries and not to Documents
    // (ThreatConnect's "References - Platform Standard Attributes"); Description to both.
    let adversary = names("/api/v3/attributeTypes", "associatedType = \"Adversary\" and system = true", "name");
    assert!(adversary.contains(&"Additional Analysis and Context".to_string()) && adversary.contains(&"Description".to_string()), "{adversary:?}");
    let document = names("/api/v3/attributeTypes", "associatedType = \"Document\"", "name");
    assert!(!document.contains(&"Additional Analysis and Context".to_string()) && document.contains(&"Description".to_string()), "{document:?}");
    let not_document = names("/api/v3/attributeTypes", "associatedType != \"Document\"", "name");
    assert_eq!(not_document, ["Additional Analysis and Context"]);
    let v = sb.signed(
        "POST",
        "/api/v3/victims",
        Some(&json!({"name": "Acme", "assets": {"data": [
        {"type": "EmailAddress", "address": "a@acme.example"}, {"type": "WebSite", "website": "acme.example"}]}})),
    );
    let vid = v.json()["data"]["id"].as_i64().unwrap();
    assert_eq!(names("/api/v3/victimAssets", "typeName = \"WebSite\"", "website"), ["acme.example"]);
    assert_eq!(names("/api/v3/victimAssets", &format!("victimId = {vid} and asset = \"a@acme.example\""), "address"), ["a@acme.example"]);
    assert!(names("/api/v3/victimAssets", "victimName = \"Other\"", "type").is_empty());
    // A victim's assets as tcex lists them (Victim.victim_assets).
    assert_eq!(names("/api/v3/victimAssets", &format!("hasVictim(id = {vid})"), "type"), ["EmailAddress", "WebSite"]);
    assert!(names("/api/v3/victimAssets", "hasVictim(id = 999)", "type").is_empty());
}

/// Removals and updates as tcex sends them: a tag or label removed by its id (`Tag.remove()`:
/// tcex/api/tc/v3/tags/tag.py), file occurrences replaced and removed by id
/// (`Indicator.update(mode=...)`), a task's escalation and reminder dates, a victim asset update
/// that names no field (400: tcex's test_victim_interface.py), victims found by tag.
#[test]
fn removals_and_updates_as_tcex_sends_them() {
    let sb = Sandbox::start(Seed::Empty);
    let body = json!({"type": "File", "md5": "291426B9C10D17708FFAC9ACBE761D38",
        "tags": {"data": [{"name": "keep"}, {"name": "drop"}]}, "securityLabels": {"data": [{"name": "TLP:RED"}]},
        "fileOccurrences": {"data": [{"fileName": "a.csv", "path": "/p", "date": "2022-08-25T17:52:39Z"}, {"fileName": "b.csv"}]}});
    let r = sb.signed("POST", "/api/v3/indicators?fields=tags&fields=securityLabels&fields=fileOccurrences", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let d = r.json()["data"].clone();
    let id = d["id"].as_i64().unwrap();
    let tag_id = d["tags"]["data"].as_array().unwrap().iter().find(|t| t["name"] == "drop").unwrap()["id"].clone();
    let label_id = d["securityLabels"]["data"][0]["id"].clone();
    let occ_a = d["fileOccurrences"]["data"].as_array().unwrap().iter().find(|o| o["fileName"] == "a.csv").unwrap()["id"].clone();
    let put = |b: Value| sb.signed("PUT", &format!("/api/v3/indicators/{id}"), Some(&b));
    let r = put(json!({"tags": {"data": [{"id": tag_id}], "mode": "delete"}, "securityLabels": {"data": [{"id": label_id}], "mode": "delete"},
        "fileOccurrences": {"data": [{"id": occ_a}], "mode": "delete"}}));
    assert_eq!(r.status, 200, "{}", r.text());
    let now = sb.get(&format!("/api/v3/indicators/{id}?fields=tags&fields=securityLabels&fields=fileOccurrences")).json()["data"].clone();
    let names = |v: &Value, k: &str| -> Vec<String> {
        v["data"].as_array().map(|a| a.iter().map(|x| x[k].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
    };
    assert_eq!(names(&now["tags"], "name"), ["keep"], "{now}");
    assert!(names(&now["securityLabels"], "name").is_empty(), "{now}");
    assert_eq!(names(&now["fileOccurrences"], "fileName"), ["b.csv"], "{now}");
    assert_eq!(put(json!({"tags": {"data": [{"id": 99999}], "mode": "delete"}})).status, 404);
    assert_eq!(put(json!({"fileOccurrences": {"data": [{"id": 99999}], "mode": "delete"}})).status, 404);
    let r = put(json!({"fileOccurrences": {"data": [{"fileName": "c.csv"}], "mode": "replace"}}));
    assert_eq!(r.status, 200, "{}", r.text());
    let now = sb.get(&format!("/api/v3/indicators/{id}?fields=fileOccurrences")).json()["data"].clone();
    assert_eq!(names(&now["fileOccurrences"], "fileName"), ["c.csv"], "{now}");
    // Task dates.
    let t = sb.signed("POST", "/api/v2/tasks", Some(&json!({"name": "dates"}))).json()["data"]["task"]["id"].as_i64().unwrap();
    let r = sb.signed(
        "PUT",
        &format!("/api/v2/tasks/{t}"),
        Some(&json!({"escalationDate": "2026-12-09T10:00:00", "reminderDate": "2026-12-08T10:00:00"})),
    );
    let task = &r.json()["data"]["task"];
    assert_eq!(
        (task["escalationDate"].as_str(), task["reminderDate"].as_str()),
        (Some("2026-12-09T10:00:00"), Some("2026-12-08T10:00:00")),
        "{task}"
    );
    assert_eq!(sb.signed("PUT", &format!("/api/v2/tasks/{t}"), Some(&json!({"reminderDate": "soon"}))).status, 400);
    // A victim asset update without a field; victims by tag.
    let v = sb.signed("POST", "/api/v3/victims", Some(&json!({"name": "tagged", "tags": {"data": [{"name": "PyTest"}]}}))).json()["data"]["id"]
        .as_i64()
        .unwrap();
    let a = sb.signed("POST", &format!("/api/v2/victims/{v}/victimAssets/phoneNumbers"), Some(&json!({"phoneType": "555-0100"})));
    let aid = a.json()["data"]["victimPhone"]["id"].as_i64().unwrap();
    let path = format!("/api/v2/victims/{v}/victimAssets/phoneNumbers/{aid}");
    assert_eq!(sb.signed("PUT", &path, None).status, 400);
    assert_eq!(sb.signed("PUT", &path, Some(&json!({"phoneType": "555-0101"}))).status, 200);
    let found = sb.get(&format!("/api/v3/victims?tql={}", enc("tag = \"PyTest\""))).json();
    assert_eq!(found["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>(), [v], "{found}");
    assert_eq!(sb.get(&format!("/api/v3/victims?tql={}", enc("tag != \"PyTest\""))).json()["data"], json!([]));
}

/// File actions (docs/rest_api/v3/indicators/associations.rst, "File Actions"; tcex's
/// `stage_file_action`, tests/api/tc/v3/indicators/test_indicator_snippets.py): added with a new or
/// existing indicator, listed with `fields=fileActions`, removed and replaced by mode.
#[test]
fn file_actions_on_a_file() {
    let sb = Sandbox::start(Seed::Empty);
    let host =
        sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "example-00.com"}))).json()["data"]["id"].as_i64().unwrap();
    let body = json!({"type": "File", "md5": "2ea0564f33e4cb67063c4a06734eb627", "fileActions": {"data": [
        {"relationship": "File Traffic", "indicator": {"type": "Address", "ip": "66.96.146.132"}},
        {"relationship": "File DNS Query", "indicator": {"id": host}}]}});
    let r = sb.signed("POST", "/api/v3/indicators?fields=fileActions", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let d = r.json()["data"].clone();
    let file = d["id"].as_i64().unwrap();
    let acts = |d: &Value| -> Vec<(String, String)> {
        d["fileActions"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["relationship"].as_str().unwrap().into(), a["indicator"]["summary"].as_str().unwrap().into()))
            .collect()
    };
    assert_eq!(acts(&d), [("File DNS Query".into(), "example-00.com".into()), ("File Traffic".into(), "66.96.146.132".into())], "{d}");
    assert_eq!(d["fileActions"]["count"], 2);
    let put = |b: Value| sb.signed("PUT", &format!("/api/v3/indicators/{file}?fields=fileActions"), Some(&b));
    let r = put(json!({"fileActions": {"data": [{"relationship": "File DNS Query", "indicator": {"id": host}}], "mode": "delete"}}));
    assert_eq!(acts(&r.json()["data"]), [("File Traffic".into(), "66.96.146.132".into())], "{}", r.text());
    let r = put(json!({"fileActions": {"data": [{"relationship": "File Archive", "indicator": {"id": host}}], "mode": "replace"}}));
    assert_eq!(acts(&r.json()["data"]), [("File Archive".into(), "example-00.com".into())], "{}", r.text());
    assert_eq!(put(json!({"fileActions": {"data": [{"relationship": "File Archive", "indicator": {"id": 999}}], "mode": "delete"}})).status, 404);
    assert_eq!(put(json!({"fileActions": {"data": [{"indicator": {"id": host}}]}})).status, 400);
    // Only File indicators have file actions; a deleted indicator leaves none behind.
    let r = sb.signed("PUT", &format!("/api/v3/indicators/{host}"), Some(&json!({"fileActions": {"data": []}})));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(sb.signed("DELETE", &format!("/api/v3/indicators/{host}"), None).status, 200);
    assert_eq!(sb.get(&format!("/api/v3/indicators/{file}?fields=fileActions")).json()["data"]["fileActions"]["count"], 0);
}

/// A v2 create carries `active` (tcex's test_address_interface.py creates an inactive address and
/// finds it with the `active=false` filter).
#[test]
fn v2_create_keeps_the_active_flag() {
    let sb = Sandbox::start(Seed::Empty);
    let r = sb.signed("POST", "/api/v2/indicators/addresses", Some(&json!({"ip": "198.51.100.9", "rating": 1, "active": false})));
    assert_eq!(r.status, 201, "{}", r.text());
    sb.signed("POST", "/api/v2/indicators/addresses", Some(&json!({"ip": "198.51.100.10"})));
    let found = sb.get(&format!("/api/v2/indicators?filters={}", enc("active=false"))).json();
    let sums: Vec<&str> = found["data"]["indicator"].as_array().unwrap().iter().map(|i| i["summary"].as_str().unwrap()).collect();
    assert_eq!(sums, ["198.51.100.9"], "{found}");
    assert_eq!(sb.get("/api/v3/indicators/198.51.100.10").json()["data"]["active"], true);
}

/// A task's victims (docs/rest_api/v2/tasks/create.rst, retrieve.rst, delete.rst) and a victim's
/// indicators (docs/rest_api/v2/victims/retrieve.rst).
#[test]
fn task_victims_and_victim_indicators_on_v2() {
    let sb = Sandbox::start(Seed::Empty);
    let t = sb.signed("POST", "/api/v2/tasks", Some(&json!({"name": "with victims"}))).json()["data"]["task"]["id"].as_i64().unwrap();
    let v = sb.signed("POST", "/api/v2/victims", Some(&json!({"name": "Acme"}))).json()["data"]["victim"]["id"].as_i64().unwrap();
    let link = format!("/api/v2/tasks/{t}/victims/{v}");
    assert_eq!(sb.get(&link).status, 404);
    assert_eq!(sb.signed("POST", &link, None).status, 200);
    assert_eq!(sb.get(&link).json()["data"]["victim"]["name"], "Acme");
    let list = sb.get(&format!("/api/v2/tasks/{t}/victims")).json();
    assert_eq!((list["data"]["resultCount"].clone(), list["data"]["victim"][0]["id"].clone()), (json!(1), json!(v)), "{list}");
    assert_eq!(sb.signed("POST", &format!("/api/v2/tasks/{t}/victims/999"), None).status, 404);
    assert_eq!(sb.signed("DELETE", &link, None).status, 200);
    assert_eq!(sb.signed("DELETE", &link, None).status, 404);
    // A victim's indicators, all and by type.
    sb.signed("POST", "/api/v2/indicators/hosts", Some(&json!({"hostName": "victim-host.example"})));
    sb.signed("POST", "/api/v2/indicators/addresses", Some(&json!({"ip": "198.51.100.77"})));
    for path in ["/api/v2/indicators/hosts/victim-host.example", "/api/v2/indicators/addresses/198.51.100.77"] {
        assert_eq!(sb.signed("POST", &format!("{path}/victims/{v}"), None).status, 200);
    }
    let all = sb.get(&format!("/api/v2/victims/{v}/indicators")).json();
    assert_eq!(all["data"]["resultCount"], 2, "{all}");
    let hosts = sb.get(&format!("/api/v2/victims/{v}/indicators/hosts")).json();
    assert_eq!(hosts["data"]["host"][0]["summary"], "victim-host.example", "{hosts}");
    assert_eq!(hosts["data"]["resultCount"], 1);
    assert_eq!(sb.get(&format!("/api/v2/victims/{v}/indicators/nothings")).status, 404);
}

/// What tcex's last few tests rely on, in one sandbox: a victim's asset associated with a group
/// (test_victim_asset_associations), an indicator's associated indicators through a shared group
/// (test_indicator_address), embedded and by TQL alike, a Report's publishDate answered back on v2
/// (tests_ti_report_file_published_date_update) and the property schema of OPTIONS
/// (test_indicator_api_options, test_group_api_options).
#[test]
fn group_victim_assets_shared_groups_report_dates_and_options() {
    let sb = Sandbox::start(Seed::Empty);
    let ids = |path: &str, tql: &str| -> Vec<i64> {
        let r = sb.get(&format!("{path}?tql={}", enc(tql)));
        assert_eq!(r.status, 200, "{path} {tql}: {}", r.text());
        r.json()["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
    };
    let post = |path: &str, body: Value| -> i64 {
        let r = sb.signed("POST", path, Some(&body));
        assert_eq!(r.status, 201, "{path}: {}", r.text());
        r.json()["data"]["id"].as_i64().unwrap()
    };
    // Victim assets on a group: appended by id, listed by hasGroup and fields=, removed with mode delete.
    let v = sb.signed(
        "POST",
        "/api/v3/victims?fields=assets",
        Some(&json!({"name": "Acme", "assets": {"data": [
        {"type": "EmailAddress", "address": "a@acme.example"}, {"type": "WebSite", "website": "acme.example"}]}})),
    );
    let assets: Vec<i64> = v.json()["data"]["assets"]["data"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    let g = post("/api/v3/groups", json!({"type": "Adversary", "name": "with assets"}));
    let other = post("/api/v3/groups", json!({"type": "Adversary", "name": "without"}));
    let put = |id: i64, body: Value| sb.signed("PUT", &format!("/api/v3/groups/{id}"), Some(&body));
    assert_eq!(put(g, json!({"associatedVictimAssets": {"data": [{"id": assets[0]}, {"id": assets[1]}]}})).status, 200);
    assert_eq!(ids("/api/v3/victimAssets", &format!("hasGroup(id = {g})")), assets);
    assert!(ids("/api/v3/victimAssets", &format!("hasGroup(id = {other})")).is_empty());
    let got = sb.get(&format!("/api/v3/groups/{g}?fields=associatedVictimAssets")).json();
    assert_eq!(got["data"]["associatedVictimAssets"]["data"][0]["address"], "a@acme.example", "{got}");
    assert_eq!(put(g, json!({"associatedVictimAssets": {"data": [{"id": assets[0]}], "mode": "delete"}})).status, 200);
    assert_eq!(ids("/api/v3/victimAssets", &format!("hasGroup(id = {g})")), [assets[1]]);
    let r = put(g, json!({"associatedVictimAssets": {"data": [{"id": 999_999}]}}));
    assert_eq!(r.status, 404, "{}", r.text());
    let r = put(g, json!({"associatedVictimAssets": {"data": [{"address": "no id"}]}}));
    assert_eq!(r.status, 400, "{}", r.text());
    // A deleted asset leaves the group's list.
    assert_eq!(put(g, json!({"associatedVictimAssets": {"data": [{"id": assets[0]}]}})).status, 200);
    let vid = v.json()["data"]["id"].as_i64().unwrap();
    let del = format!("/api/v2/victims/{vid}/victimAssets/emailAddresses/{}", assets[0]);
    assert_eq!(sb.signed("DELETE", &del, None).status, 200);
    let got = sb.get(&format!("/api/v3/groups/{g}?fields=associatedVictimAssets")).json();
    let left: Vec<i64> = got["data"]["associatedVictimAssets"]["data"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(left, [assets[1]], "{got}");
    // An indicator's associated indicators: those sharing a group with it and those linked to it
    // directly. By TQL (hasIndicator(id = N)) N itself too, as ThreatConnect answers (tcex drops N
    // from Indicator.associated_indicators); embedded, the same list without N.
    let a = post("/api/v3/indicators", json!({"type": "Host", "hostName": "a.shared.example"}));
    let b = post("/api/v3/indicators", json!({"type": "Host", "hostName": "b.shared.example"}));
    let c = post("/api/v3/indicators", json!({"type": "Address", "ip": "192.0.2.70", "associatedIndicators": {"data": [{"id": a}]}}));
    let alone = post("/api/v3/indicators", json!({"type": "Host", "hostName": "alone.example"}));
    post("/api/v3/groups", json!({"type": "Incident", "name": "shared", "associatedIndicators": {"data": [{"id": a}, {"id": b}]}}));
    let embedded = |id: i64| -> Vec<i64> {
        let got = sb.get(&format!("/api/v3/indicators/{id}?fields=associatedIndicators")).json();
        got["data"]["associatedIndicators"]["data"].as_array().unwrap_or_else(|| panic!("{got}")).iter().map(|i| i["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids("/api/v3/indicators", &format!("hasIndicator(id = {a})")), [a, b, c]);
    assert_eq!(embedded(a), [b, c]);
    assert_eq!(embedded(b), [a], "through the group only");
    assert_eq!(ids("/api/v3/indicators", &format!("hasIndicator(id = {c})")), [a], "directly only (c has no group, so not itself)");
    assert_eq!(embedded(c), [a]);
    assert!(ids("/api/v3/indicators", &format!("hasIndicator(id = {alone})")).is_empty());
    assert!(embedded(alone).is_empty());
    // Embedded lists stop at 100, the first by id; TQL pages through all of them with the total.
    let many: Vec<Value> = (0..105).map(|k| json!({"type": "Host", "hostName": format!("m{k}.many.example")})).collect();
    let big = post("/api/v3/groups", json!({"type": "Incident", "name": "many", "associatedIndicators": {"data": many}}));
    let first = ids("/api/v3/indicators", &format!("hasGroup(id = {big})"))[0];
    let tql = enc(&format!("id != {first} and hasIndicator(id = {first})"));
    let page1 = sb.get(&format!("/api/v3/indicators?tql={tql}&resultLimit=100&count=true")).json();
    let page1_ids: Vec<i64> = page1["data"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(page1["count"], 104, "the true total: {}", page1["count"]);
    assert_eq!(embedded(first), page1_ids, "the embedded list is the first page of the same list");
    let page2 = sb.get(&format!("/api/v3/indicators?tql={tql}&resultStart=100&resultLimit=100")).json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 4);
    // A Report's publishDate on v2: kept as ISO 8601 and answered back; not a date: 400, the old one kept.
    let r = sb.signed("POST", "/api/v2/groups/reports", Some(&json!({"name": "Q3", "fileName": "q3.pdf"})));
    let rid = r.json()["data"]["report"]["id"].as_i64().unwrap();
    let r = sb.signed("PUT", &format!("/api/v2/groups/reports/{rid}"), Some(&json!({"publishDate": "2026-12-05T08:30:00Z", "fileName": "q3.pdf"})));
    assert_eq!((r.status, r.json()["data"]["report"]["publishDate"].clone()), (200, json!("2026-12-05T08:30:00Z")), "{}", r.text());
    let r = sb.signed("PUT", &format!("/api/v2/groups/reports/{rid}"), Some(&json!({"publishDate": "soon"})));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(sb.get(&format!("/api/v3/groups/{rid}")).json()["data"]["publishDate"], "2026-12-05T08:30:00Z");
    // OPTIONS: the writable properties, and with show=readonly the read-only ones too.
    for (path, writable, read_only) in [("/api/v3/indicators", "rating", "dateAdded"), ("/api/v3/groups", "publishDate", "createdBy")] {
        let plain = sb.raw("OPTIONS", path, &sb.hmac_headers("OPTIONS", path), b"").json();
        let all_path = format!("{path}?show=readOnly");
        let all = sb.raw("OPTIONS", &all_path, &sb.hmac_headers("OPTIONS", &all_path), b"").json();
        assert!(plain.get(writable).is_some() && plain.get(read_only).is_none(), "{path}: {plain}");
        assert_eq!(all[read_only]["readOnly"], true, "{path}: {all}");
        assert_eq!(all[writable]["updatable"], true, "{path}: {all}");
    }
    let r = sb.raw("OPTIONS", "/api/v3/tags", &sb.hmac_headers("OPTIONS", "/api/v3/tags"), b"");
    assert_eq!(r.status, 404, "{}", r.text());
}

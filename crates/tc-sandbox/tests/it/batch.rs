use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn batch_file() -> Value {
    // Shaped like ThreatConnect's documented batch inputs (xid upsert, associatedGroups, association array).
    json!({
        "indicator": [
            {"summary": "badguyz.com", "type": "Host", "rating": 3, "confidence": 60,
             "associatedGroups": [{"groupXid": "00000000-0000-0000-0000-000000000000:0001"}],
             "attribute": [{"type": "Description", "value": "Ransomware host.", "securityLabel": [{"name": "TLP:AMBER"}]}],
             "securityLabel": [{"name": "TLP:AMBER"}], "tag": [{"name": "Ransomware"}]},
            {"summary": "http://www.badguyz.com", "type": "URL"},
            {"md5": "905ad8176a569a36421bf54c04ba7f95", "sha1": "a52b6986d68cdfac53aa740566cbeade4452124e", "type": "File"}
        ],
        "group": [
            {"name": "Ransomware Attack at Company ABC", "type": "Incident", "xid": "00000000-0000-0000-0000-000000000000:0001",
             "attribute": [{"type": "Description", "value": "A ransomware attack.", "displayed": true}],
             "eventDate": "2024-08-04T00:00:00Z", "tag": [{"name": "Ransomware"}],
             "associatedIndicators": [{"summary": "http://www.badguyz.com", "indicatorType": "URL"}]},
            {"name": "Leaked Credentials at Company ABC", "type": "Incident", "xid": "00000000-0000-0000-0000-000000000000:0004"},
            {"name": "Example Report", "type": "Report", "xid": "report-1", "publishDate": "2026-01-15T13:00:00Z", "insights": "###### LIVE BRIEF"}
        ],
        "association": [
            {"ref_1": "00000000-0000-0000-0000-000000000000:0001", "ref_2": "00000000-0000-0000-0000-000000000000:0004"},
            {"ref_1": "badguyz.com", "type_1": "Host", "ref_2": "http://www.badguyz.com", "type_2": "URL", "associationType": "URL Host"},
            {"ref_1": "00000000-0000-0000-0000-000000000000:0001", "id_2": 987654321}
        ]
    })
}

fn run_job(sb: &Sandbox, settings: &Value, file: &Value) -> (Value, Vec<String>, i64) {
    let r = sb.signed("POST", "/api/v2/batch", Some(settings));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["data"]["batchId"].as_i64().unwrap();
    let st = sb.get(&format!("/api/v2/batch/{}", id)).json();
    assert_eq!(st["data"]["batchStatus"]["status"], "Created");
    let path = format!("/api/v2/batch/{}", id);
    let mut h = sb.hmac_headers("POST", &path);
    h.push(("Content-Type", "application/octet-stream".into()));
    let r = sb.raw("POST", &path, &h, file.to_string().as_bytes());
    assert!(r.status == 202 || r.status == 200, "{}", r.text());
    // Errors are not available while the job runs.
    let e = sb.get(&format!("/api/v2/batch/{}/errors", id));
    assert_eq!(e.status, 400);
    assert_eq!(e.json()["status"], "Invalid");
    assert!(e.json()["description"].as_str().unwrap().starts_with("Batch still in"));
    // Uploading twice is refused.
    let r2 = sb.raw("POST", &path, &sb.hmac_headers("POST", &path), b"{}");
    assert_eq!(r2.status, 400);
    let mut seen = vec![];
    let t = Instant::now();
    let last = loop {
        let j = sb.get(&format!("/api/v2/batch/{}", id)).json();
        let s = j["data"]["batchStatus"]["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == "Completed" {
            break j;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "batch never completed: {:?}", seen);
        std::thread::sleep(Duration::from_millis(40));
    };
    (last, seen, id)
}

#[test]
fn batch_job_to_completion_with_xid_upsert() {
    let sb = Sandbox::start(Seed::Empty);
    let settings = json!({"version": "V2", "owner": "Demo Org", "haltOnError": false, "action": "Create",
        "attributeWriteType": "Replace", "tagWriteType": "Append", "securityLabelWriteType": "Replace"});
    let (st, seen, id) = run_job(&sb, &settings, &batch_file());
    assert_eq!(seen, vec!["Queued", "Running", "Completed"], "statuses seen");
    let bs = &st["data"]["batchStatus"];
    assert_eq!(bs["successCount"], 6);
    assert_eq!(bs["errorCount"], 1, "{}", st);
    assert_eq!(bs["unprocessCount"], 0);
    let errs = sb.get(&format!("/api/v2/batch/{}/errors", id));
    assert_eq!(errs.status, 200);
    let errs = errs.json();
    assert_eq!(errs.as_array().unwrap().len(), 1);
    assert!(errs[0]["errorReason"].as_str().unwrap().contains("987654321"));
    assert_eq!(errs[0]["code"], "0x1009");
    assert_eq!(errs[0]["severity"], "Error");
    let res = sb.get(&format!("/api/v2/batch/{}/results?code=0x1009", id)).json();
    assert_eq!(res.as_array().unwrap().len(), 1);
    let res = sb.get(&format!("/api/v2/batch/{}/results?code=0x1005", id)).json();
    assert!(res.as_array().unwrap().is_empty());
    // What the job wrote.
    let h = sb
        .get("/api/v3/indicators/badguyz.com?fields=tags&fields=associatedGroups&fields=attributes&fields=associatedIndicators&fields=securityLabels")
        .json();
    let d = &h["data"];
    assert_eq!(d["rating"], 3.0);
    assert_eq!(d["tags"]["data"][0]["name"], "Ransomware");
    assert_eq!(d["associatedGroups"]["data"][0]["xid"], "00000000-0000-0000-0000-000000000000:0001");
    assert_eq!(d["attributes"]["data"].as_array().unwrap().len(), 1);
    assert_eq!(d["attributes"]["data"][0]["securityLabels"]["data"][0]["name"], "TLP:AMBER");
    assert_eq!(d["associatedIndicators"]["data"][0]["summary"], "http://www.badguyz.com");
    let g = sb
        .get(&format!(
            "/api/v3/groups?tql={}&fields=associatedGroups&fields=associatedIndicators",
            enc("name = \"Ransomware Attack at Company ABC\"")
        ))
        .json();
    assert_eq!(g["data"][0]["associatedGroups"]["data"][0]["name"], "Leaked Credentials at Company ABC");
    let inds: Vec<&str> = g["data"][0]["associatedIndicators"]["data"].as_array().unwrap().iter().map(|i| i["summary"].as_str().unwrap()).collect();
    assert!(inds.contains(&"badguyz.com") && inds.contains(&"http://www.badguyz.com"));
    // A group by its xid: documented as GET /v3/groups/{xid}?owner= (TQL has no xid keyword).
    let rep = sb.get("/api/v3/groups/report-1?owner=Demo%20Org").json();
    assert_eq!(rep["data"]["insights"], "###### LIVE BRIEF");
    let no_tql_xid = sb.get(&format!("/api/v3/groups?tql={}", enc("xid = \"report-1\"")));
    assert_eq!(no_tql_xid.status, 400, "ThreatConnect's TQL has no xid keyword");
    let file = sb.get("/api/v3/indicators/A52B6986D68CDFAC53AA740566CBEADE4452124E").json();
    assert_eq!(file["data"]["md5"], "905AD8176A569A36421BF54C04BA7F95");

    // Run the same job again: upsert, no duplicates, Replace keeps one attribute.
    let mut f2 = batch_file();
    f2["group"][0]["name"] = json!("Ransomware Attack at Company ABC (renamed)");
    let (st2, _, _) = run_job(&sb, &settings, &f2);
    assert_eq!(st2["data"]["batchStatus"]["successCount"], 6);
    let count = |q: &str, what: &str| sb.get(&format!("/api/v3/{}?tql={}&count=true", what, enc(q))).json()["count"].as_i64().unwrap();
    assert_eq!(count("summary = \"badguyz.com\"", "indicators"), 1);
    assert_eq!(count("typeName = \"File\"", "indicators"), 1);
    assert_eq!(count("typeName = \"Incident\"", "groups"), 2);
    let g = sb.get("/api/v3/groups/00000000-0000-0000-0000-000000000000:0001?owner=Demo%20Org").json();
    assert_eq!(g["data"]["name"], "Ransomware Attack at Company ABC (renamed)");
    let h = sb.get("/api/v3/indicators/badguyz.com?fields=attributes&fields=tags").json();
    assert_eq!(h["data"]["attributes"]["data"].as_array().unwrap().len(), 1);
    assert_eq!(h["data"]["tags"]["data"].as_array().unwrap().len(), 1);

    // Append adds attributes without redundancy checking; Static ignores incoming attributes; tags default to Replace.
    let one = json!({"indicator": [{"summary": "badguyz.com", "type": "Host", "attribute": [{"type": "Description", "value": "Ransomware host."}], "tag": [{"name": "Other"}]}]});
    run_job(&sb, &json!({"version": "V2", "owner": "Demo Org", "haltOnError": false, "action": "Create", "attributeWriteType": "Append"}), &one);
    let h = sb.get("/api/v3/indicators/badguyz.com?fields=attributes&fields=tags").json();
    assert_eq!(h["data"]["attributes"]["data"].as_array().unwrap().len(), 2);
    assert_eq!(h["data"]["tags"]["data"][0]["name"], "Other");
    assert_eq!(h["data"]["tags"]["data"].as_array().unwrap().len(), 1);
    run_job(
        &sb,
        &json!({"version": "V2", "owner": "Demo Org", "haltOnError": false, "action": "Create", "attributeWriteType": "Static", "tagWriteType": "Append"}),
        &one,
    );
    let h = sb.get("/api/v3/indicators/badguyz.com?fields=attributes").json();
    assert_eq!(h["data"]["attributes"]["data"].as_array().unwrap().len(), 2);

    // Delete action removes by value/xid.
    let del = json!({"version": "V2", "owner": "Demo Org", "action": "Delete"});
    let (st3, _, _id3) = run_job(&sb, &del, &json!({"indicator": [{"summary": "http://www.badguyz.com", "type": "URL"}]}));
    assert_eq!(st3["data"]["batchStatus"]["successCount"], 1);
    assert_eq!(st3["data"]["batchStatus"]["errorCount"], 0);
    assert_eq!(sb.get(&format!("/api/v2/batch/{}/errors", _id3)).status, 404);
    // File hashes merge into a superset.
    run_job(
        &sb,
        &settings,
        &json!({"indicator": [{"summary": "905ad8176a569a36421bf54c04ba7f95 : 25bdabd23e349f5e5ea7890795b06d15d842bde1d43135c361e755f748ca05d0", "type": "File"}]}),
    );
    let f = sb.get("/api/v3/indicators/905AD8176A569A36421BF54C04BA7F95").json();
    assert_eq!(f["data"]["sha1"], "A52B6986D68CDFAC53AA740566CBEADE4452124E");
    assert_eq!(f["data"]["sha256"], "25BDABD23E349F5E5EA7890795B06D15D842BDE1D43135C361E755F748CA05D0");
    assert_eq!(count("typeName = \"File\"", "indicators"), 1);
    assert_eq!(count("typeName = \"URL\"", "indicators"), 0);
}

#[test]
fn batch_halt_on_error_and_limits() {
    let sb = Sandbox::start(Seed::Empty);
    let settings = json!({"version": "V2", "owner": "Demo Org", "haltOnError": true, "action": "Create", "attributeWriteType": "Append"});
    let file = json!({"indicator": [
        {"summary": "ok.example", "type": "Host"},
        {"summary": "not an ip", "type": "Address"},
        {"summary": "never.example", "type": "Host"}]});
    let (st, _, _) = run_job(&sb, &settings, &file);
    let bs = &st["data"]["batchStatus"];
    assert_eq!(bs["successCount"], 1);
    assert_eq!(bs["errorCount"], 1);
    assert_eq!(bs["unprocessCount"], 1);
    assert_eq!(sb.get("/api/v3/indicators/never.example").status, 404);
    // Limits and bad input.
    let r = sb.signed("POST", "/api/v2/batch", Some(&settings));
    let id = r.json()["data"]["batchId"].as_i64().unwrap();
    let path = format!("/api/v2/batch/{}", id);
    let big = vec![b' '; 2_000_001];
    let r = sb.raw("POST", &path, &sb.hmac_headers("POST", &path), &big);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "Invalid");
    assert!(r.json()["description"].as_str().unwrap().contains("greater than allowable limit of 2000000"));
    let r = sb.raw("POST", &path, &sb.hmac_headers("POST", &path), b"{\"indicator\": [");
    assert_eq!(r.status, 400);
    assert_eq!(sb.get("/api/v2/batch/424242").status, 404);
    assert_eq!(sb.get("/api/v2/batch/abc/errors").status, 404);
    assert_eq!(sb.signed("POST", "/api/v2/batch", Some(&json!({"owner": "Threat Feed"}))).status, 403);
    assert_eq!(sb.signed("POST", "/api/v2/batch", Some(&json!({"owner": "Demo Org", "attributeWriteType": "Sometimes"}))).status, 400);
}

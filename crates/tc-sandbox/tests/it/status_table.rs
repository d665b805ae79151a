//! The status ThreatConnect answers per documented endpoint and method (statuses.tsv beside this
//! file: the table, its sources and its format), sent row by row to one sandbox over the demo seed.
//! In process, so the whole table costs well under a second (the same rows through tcex and a
//! process would cost a tcex client call each); `make conformance` runs it before the tcex tests.
use crate::common::*;
use serde_json::Value;

struct Row {
    line: usize,
    method: String,
    path: String,
    body: Option<String>,
    status: u16,
    source: String,
}

fn table() -> Vec<Row> {
    let text = include_str!("statuses.tsv");
    let mut rows = vec![];
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "statuses.tsv line {}: 5 tab-separated columns: {line}", n + 1);
        assert!(!cols[4].trim().is_empty(), "statuses.tsv line {}: no source", n + 1);
        rows.push(Row {
            line: n + 1,
            method: cols[0].to_string(),
            path: cols[1].to_string(),
            body: (cols[2] != "-").then(|| cols[2].to_string()),
            status: cols[3].parse().unwrap_or_else(|_| panic!("statuses.tsv line {}: status {}", n + 1, cols[3])),
            source: cols[4].to_string(),
        });
    }
    rows
}

/// The id a 201 answered: `data.id` (v3) or `data.<entity>.id` (v2), or `data.batchId`.
fn created_id(j: &Value) -> Option<i64> {
    let d = &j["data"];
    d["id"].as_i64().or_else(|| d["batchId"].as_i64()).or_else(|| d.as_object()?.values().find_map(|v| v["id"].as_i64()))
}

#[test]
fn every_documented_endpoint_answers_its_documented_status() {
    let rows = table();
    let sb = Sandbox::start(Seed::Demo);
    let mut last_id: Option<i64> = None;
    let mut wrong = vec![];
    let mut pairs = std::collections::BTreeSet::new();
    for r in &rows {
        let id = || last_id.unwrap_or_else(|| panic!("statuses.tsv line {}: {{id}} before any 201", r.line)).to_string();
        let path = if r.path.contains("{id}") { r.path.replace("{id}", &id()) } else { r.path.clone() };
        let body = r.body.as_ref().map(|b| if b.contains("{id}") { b.replace("{id}", &id()) } else { b.clone() });
        let body: Option<Value> = body.map(|b| serde_json::from_str(&b).unwrap_or_else(|e| panic!("statuses.tsv line {}: body: {e}", r.line)));
        let resp = sb.signed(&r.method, &format!("/api{path}"), body.as_ref());
        if resp.status != r.status {
            wrong.push(format!(
                "line {}: {} {} answered {} ({}), {} documented by {}",
                r.line,
                r.method,
                path,
                resp.status,
                resp.text(),
                r.status,
                r.source
            ));
        }
        // {id} is the item a collection answered 201 for; a 201 under an item (its tag,
        // attribute or asset: the path names the item) leaves it as it was.
        if resp.status == 201 && !r.path.contains("{id}") {
            last_id = created_id(&resp.json()).or(last_id);
        }
        // Errors in ThreatConnect's shape: v3 {status Error, errCode, message}, v2 {status Failure, message}.
        if resp.status >= 400 && resp.status != 405 {
            let j = resp.json();
            let ok = if path.starts_with("/v3/") {
                j["status"] == "Error" && j["errCode"].is_string() && j["message"].is_string()
            } else {
                j["status"] == "Failure" && j["message"].is_string()
            };
            if !ok {
                wrong.push(format!("line {}: {} {}: error not in ThreatConnect's shape: {j}", r.line, r.method, path));
            }
        }
        let shape: String = r.path.split('?').next().unwrap_or("").to_string();
        pairs.insert((r.method.clone(), shape));
    }
    assert!(wrong.is_empty(), "{} of {} rows differ:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
    assert!(pairs.len() >= 80, "the table covers {} endpoint and method pairs", pairs.len());
}

//! What Cross-Intel Sharing relies on from ThreatConnect, checked against ThreatConnect's
//! documented examples (`tests/fixtures/share/threatconnect-contract.json` at the repository's
//! root, quoted from the developer docs and from the TQL keyword lists tcex generates), not only
//! against the sandbox: the batch job settings, removing an association by id with `mode: delete`,
//! reading a group by its xid, and every TQL keyword a publish and an import send.

use crate::util::{client, iopts, opts, pair, OWNER};
use pivot_testing::run;
use serde_json::{json, Value};
use sharing::exec;
use sharing::{batch_settings, link_settings, BatchLimits};
use std::collections::BTreeSet;
use threatconnect::item::nested;
use threatconnect::{tql, Collection, GroupType, Mode};

fn contract() -> Value {
    let path = pivot_testing::fixtures().join("share/threatconnect-contract.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Both job settings use only documented fields, each with a documented value; the import
/// writes with Create (create or update by xid) and Replace, the linked-only part with Append.
#[test]
fn batch_job_settings_are_documented_fields_and_values() {
    let c = contract();
    let doc = &c["batchCreate"];
    let fields: BTreeSet<&str> = doc["body"].as_object().unwrap().keys().map(String::as_str).collect();
    for (name, s) in [("batch_settings", batch_settings("Target Org")), ("link_settings", link_settings("Target Org"))] {
        for (k, v) in s.as_object().unwrap() {
            assert!(fields.contains(k.as_str()), "{name}: {k} is not a documented batch setting");
            if k != "owner" {
                let accepted = doc["accepted"][k].as_array().unwrap_or_else(|| panic!("{k}: no documented values"));
                assert!(accepted.contains(v), "{name}: {k} = {v} is not one of {accepted:?}");
            }
        }
        assert_eq!(s["owner"], "Target Org");
        assert_eq!(s["action"], "Create", "{name}: {}", doc["semantics"]["Create"]);
    }
    let s = batch_settings("T");
    for k in ["attributeWriteType", "tagWriteType", "securityLabelWriteType"] {
        assert_eq!(s[k], "Replace", "{}", doc["semantics"]["Replace"]);
        assert_eq!(link_settings("T")[k], "Append");
    }
}

/// Dissociation sends the documented body: the far end by id, `mode: delete`.
#[test]
fn removing_an_association_is_the_documented_body() {
    let c = contract();
    let body = nested("associatedGroups", vec![json!({"id": 12345})], Mode::Delete);
    assert_eq!(body, c["removeAssociation"]["body"]);
}

/// TQL identifiers outside string literals, operators and function names aside.
fn tql_keywords(tql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = tql.chars().peekable();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let flush = |w: &mut String, out: &mut Vec<String>| {
        if !w.is_empty() && !w.chars().next().unwrap().is_ascii_digit() {
            out.push(std::mem::take(w));
        }
        w.clear();
    };
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) => {
                if ch == '\\' {
                    chars.next();
                } else if ch == q {
                    quote = None;
                }
            }
            None if ch == '"' || ch == '\'' => {
                flush(&mut word, &mut out);
                quote = Some(ch);
            }
            None if ch.is_ascii_alphanumeric() || ch == '_' => word.push(ch),
            None => flush(&mut word, &mut out),
        }
    }
    flush(&mut word, &mut out);
    const WORDS: [&str; 14] = ["in", "not", "and", "or", "contains", "startswith", "endswith", "like", "true", "false", "null", "is", "IN", "NOT"];
    out.retain(|w| !WORDS.iter().any(|k| k.eq_ignore_ascii_case(w)));
    out
}

/// Every request a publish, an import, a re-import and an import that dissociates send:
/// groups read by xid only as documented (with the owner), associations removed by id, and
/// every TQL keyword one ThreatConnect lists for that endpoint (no `xid`: it has none).
#[test]
fn a_publish_and_imports_send_only_documented_requests() {
    let c = contract();
    let keywords =
        |k: &str| -> BTreeSet<String> { c["tqlKeywords"][k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
    let (ind_kw, grp_kw) = (keywords("indicators"), keywords("groups"));
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let small = exec::ImportOptions { limits: BatchLimits { max_bytes: 6_000, max_indicators: 10 }, ..iopts() };
    let v1 = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap().0;
    assert!(run(exec::import(&t, &v1.to_bytes(), OWNER, &|_, _, _| {}, &small)).unwrap().is_complete());
    // Republished without one indicator: the import dissociates it.
    let gone = v1.batch.indicator[0]["summary"].as_str().unwrap();
    let id = run(s.json(Collection::Indicators.search(&format!("summary = {}", tql::quote(gone)), 0, 1, false))).unwrap()["data"][0]["id"]
        .as_i64()
        .unwrap();
    run(s.v3_update_group_as_sent(9, &nested("associatedIndicators", vec![json!({"id": id})], Mode::Delete), None)).unwrap();
    let v2 = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap().0;
    let r = run(exec::import(&t, &v2.to_bytes(), OWNER, &|_, _, _| {}, &small)).unwrap();
    assert!(r.is_complete() && r.dissociated == 1, "{r:#?}");

    let mut seen = BTreeSet::new();
    let (mut by_xid, mut dissociations) = (0, 0);
    for (side, log) in [("source", src.requests()), ("target", tgt.requests())] {
        for req in log {
            let (method, path) = (req["method"].as_str().unwrap(), req["path"].as_str().unwrap());
            let query: Vec<(String, String)> = url::form_urlencoded::parse(req["query"].as_str().unwrap_or("").as_bytes()).into_owned().collect();
            let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let Some(tql) = param("tql") {
                let (own, name) = if path.starts_with("/api/v3/indicators") { (&ind_kw, "indicators") } else { (&grp_kw, "groups") };
                for k in tql_keywords(&tql) {
                    // Inside hasGroup(...)/hasIndicator(...) the keywords are the other type's.
                    assert!(own.contains(&k) || ind_kw.contains(&k) || grp_kw.contains(&k), "{side}: `{k}` in {tql:?} is no TQL keyword of {name}");
                    assert_ne!(k.to_lowercase(), "xid", "{side}: {tql:?}");
                    seen.insert(k);
                }
            }
            if let Some(key) = path.strip_prefix("/api/v3/groups/").filter(|k| !k.contains('/')) {
                if method == "GET" && key.parse::<u64>().is_err() {
                    assert_eq!(
                        param("owner").as_deref(),
                        Some(OWNER),
                        "{side}: GET {path}: a group by xid needs the owner ({})",
                        c["groupByXid"]["source"]
                    );
                    by_xid += 1;
                }
                if method == "PUT" && side == "target" {
                    assert!(key.parse::<u64>().is_ok(), "{side}: PUT {path}: an association is removed through the group's id");
                    dissociations += 1;
                }
            }
        }
    }
    assert!(by_xid >= 3 * 2, "groups read by xid: {by_xid}");
    assert_eq!(dissociations, 1);
    assert!(seen.contains("hasGroup") && seen.contains("summary"), "{seen:?}");
}

#[test]
fn the_tql_keyword_reader_reads_keywords_not_values() {
    assert_eq!(tql_keywords(r#"summary in ("a b","xid = \"x\"") and hasGroup(id=9)"#), ["summary", "hasGroup", "id"]);
    assert_eq!(tql_keywords("typeName != 'Host' or rating >= 3"), ["typeName", "rating"]);
}

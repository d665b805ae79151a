//! Test data for the unit tests of the sharing core: ThreatConnect v3 shapes as `fields=` returns
//! them (a published Incident with its associated groups and indicators, labelled so that the
//! label filter has something to keep home), the publish options, the package they make, and what a
//! perfect target would answer when read back.

use crate::{associations, snapshot, Endpoint, PublishOptions, SharePackage, TargetReadBack};
use serde_json::{json, Value};

pub fn label(name: &str) -> Value {
    let color = match name {
        "TLP:RED" => "FF2B2B",
        "TLP:AMBER" => "FFC000",
        "TLP:GREEN" => "33FF00",
        _ => "FFFFFF",
    };
    json!({"id": name.len(), "name": name, "color": color, "description": format!("{name} label"), "owner": "System", "dateAdded": "2016-08-31T00:00:00Z"})
}

pub fn labels(names: &[&str]) -> Value {
    json!({"data": names.iter().map(|n| label(n)).collect::<Vec<_>>()})
}

pub fn tags(names: &[&str]) -> Value {
    json!({"data": names.iter().enumerate().map(|(i, n)| json!({"id": 100 + i, "name": n, "lastUsed": "2023-01-30T17:58:56Z"})).collect::<Vec<_>>()})
}

pub fn attr(id: u64, t: &str, v: &str, default: bool, lbls: &[&str]) -> Value {
    json!({
        "id": id, "dateAdded": "2021-11-09T13:32:37Z", "lastModified": "2021-11-09T13:32:37Z",
        "type": t, "value": v, "pinned": false, "default": default,
        "createdBy": {"id": 3, "userName": "api", "owner": "Source Org"},
        "securityLabels": labels(lbls),
    })
}

/// The published group: an Incident with attributes, tags and TLP:AMBER.
pub fn group() -> Value {
    json!({
        "id": 42, "ownerId": 1, "ownerName": "Source Org", "dateAdded": "2024-08-04T10:00:00Z",
        "webLink": "https://src.example/#/details/groups/42/overview", "type": "Incident",
        "name": "Ransomware Attack at Company ABC", "upVoteCount": "0", "downVoteCount": "0",
        "status": "New", "eventDate": "2024-08-04T00:00:00Z", "lastModified": "2024-08-05T09:00:00Z",
        "legacyLink": "https://src.example/auth/incident/incident.xhtml?incident=42",
        "attributes": {"data": [
            attr(1, "Description", "A ransomware attack that targeted employees at Company ABC.", true, &["TLP:AMBER"]),
            attr(2, "Source", "https://intel.example/report/42", true, &[]),
            attr(3, "Additional Analysis and Context", "Negotiation chat logs (internal only).", false, &["TLP:RED"]),
        ]},
        "tags": tags(&["Ransomware", "Company ABC"]),
        "securityLabels": labels(&["TLP:AMBER"]),
    })
}

pub fn associated_groups() -> Vec<Value> {
    vec![
        json!({"id": 43, "type": "Adversary", "name": "Bad Guy", "ownerName": "Source Org", "dateAdded": "2023-01-26T21:00:03Z",
               "lastModified": "2023-01-26T21:00:04Z", "webLink": "https://src.example/#/details/groups/43/overview",
               "tags": tags(&["Russia"]), "attributes": {"data": []}, "securityLabels": {"data": []}}),
        json!({"id": 44, "type": "Email", "name": "Your order", "subject": "Your order", "header": "<email header>",
               "body": "Please visit bad.com", "to": "demo@sample.com", "from": "auto-confirm@bad.com",
               "scoreBreakdown": "Rule SPF...", "lastModified": "2022-03-09T20:39:52Z",
               "securityLabels": labels(&["TLP:GREEN"]),
               // An association among associated groups travels too.
               "associatedGroups": {"data": [{"id": 43, "type": "Adversary", "name": "Bad Guy"}]}}),
        json!({"id": 45, "type": "Threat", "name": "Internal hunt", "securityLabels": labels(&["TLP:RED"])}),
    ]
}

pub fn indicator(id: u64, t: &str, summary: &str, lbls: &[&str], tag_names: &[&str]) -> Value {
    json!({
        "id": id, "ownerId": 1, "ownerName": "Source Org", "dateAdded": "2021-10-26T12:40:00Z",
        "webLink": format!("https://src.example/#/details/indicators/{id}/overview"), "type": t,
        "lastModified": "2021-11-02T14:58:55Z", "rating": 3.0, "confidence": 74, "summary": summary,
        "privateFlag": false, "active": true, "activeLocked": false,
        "tags": tags(tag_names), "securityLabels": labels(lbls),
        "attributes": {"data": [attr(1000 + id, "Description", &format!("{summary} seen in the ABC incident"), true, &[])]},
    })
}

pub fn associated_indicators() -> Vec<Value> {
    let mut host = indicator(3, "Host", "badguy.com", &["TLP:AMBER"], &["Ransomware", "C2"]);
    host["dnsActive"] = json!(true);
    host["whoisActive"] = json!(false);
    host["hostName"] = json!("badguy.com");
    host["description"] = json!("A bad host.");
    host["associatedGroups"] = json!({"data": [{"id": 43, "type": "Adversary"}, {"id": 999, "type": "Incident"}]});
    let mut addr = indicator(4, "Address", "71.6.135.131", &["TLP:GREEN"], &[]);
    addr["attributes"]["data"].as_array_mut().unwrap().push(attr(77, "Additional Analysis and Context", "red note", false, &["TLP:RED"]));
    vec![
        host,
        addr,
        indicator(5, "URL", "http://www.badguyz.com/Path", &["TLP:WHITE"], &["Phishing"]),
        {
            let mut f = indicator(6, "File", "F5A2496CF66CB8CFFE66CB1B27D7DEDE", &[], &[]);
            f["md5"] = json!("F5A2496CF66CB8CFFE66CB1B27D7DEDE");
            f
        },
        indicator(7, "Host", "red.example", &["TLP:RED"], &["Internal"]),
        indicator(8, "EmailAddress", "badguy@bad.com", &[], &[]),
        indicator(9, "Hashtag", "#evilcampaign", &["TLP:GREEN"], &[]),
    ]
}

pub fn opts() -> PublishOptions {
    PublishOptions {
        instance_id: "source-instance-1".into(),
        owner: "Source Org".into(),
        api_url: Some("http://localhost:8443/api".into()),
        published_at: "2026-11-25T14:20:33Z".into(),
        security_labels_allowed: vec!["TLP:WHITE".into(), "TLP:GREEN".into(), "TLP:AMBER".into()],
        exclude_unlabeled: false,
    }
}

pub fn package() -> SharePackage {
    snapshot(&group(), &associated_groups(), &associated_indicators(), &opts()).expect("snapshot")
}

/// `/v3/attributeTypes` as the target answers, with these names.
pub fn attribute_types(names: &[&str]) -> Option<Vec<Value>> {
    Some(names.iter().enumerate().map(|(i, n)| json!({"id": i, "name": n, "maxSize": 500})).collect())
}

/// The first item of `items` whose `key` is `val`.
pub fn find<'a>(items: &'a [Value], key: &str, val: &str) -> Option<&'a Value> {
    items.iter().find(|v| v[key] == val)
}

/// v3 `{"data": [...]}` from a batch array of `{name...}` / attributes.
fn data(item: &Value, key: &str) -> Value {
    json!({"data": item.get(key).cloned().unwrap_or(json!([]))})
}

/// What a perfect target owner would answer when read back (v3 shapes), for a package.
pub fn perfect_read_back(pkg: &SharePackage) -> TargetReadBack {
    let ids: Vec<(String, u64)> =
        pkg.batch.group.iter().enumerate().map(|(i, g)| (g["xid"].as_str().unwrap().to_string(), 5000 + i as u64)).collect();
    let id_of = |x: &str| ids.iter().find(|(y, _)| y == x).map(|(_, i)| *i).unwrap();
    let assoc = associations(pkg);
    let groups = pkg
        .batch
        .group
        .iter()
        .map(|g| {
            let xid = g["xid"].as_str().unwrap();
            let mut other_groups = vec![];
            let mut inds = vec![];
            for a in &assoc {
                match &a.other {
                    Endpoint::Group { xid: o } => {
                        if a.group_xid == xid {
                            other_groups.push(json!({"id": id_of(o)}));
                        } else if o == xid {
                            other_groups.push(json!({"id": id_of(&a.group_xid)}));
                        }
                    }
                    Endpoint::Indicator { indicator_type, summary } if a.group_xid == xid => {
                        inds.push(json!({"type": indicator_type, "summary": summary}))
                    }
                    _ => {}
                }
            }
            json!({
                "id": id_of(xid), "xid": xid, "type": g["type"], "name": g["name"], "ownerName": "Target Org",
                "lastModified": "2026-11-25T15:00:00Z",
                "attributes": data(g, "attribute"), "tags": data(g, "tag"), "securityLabels": data(g, "securityLabel"),
                "associatedGroups": {"data": other_groups}, "associatedIndicators": {"data": inds},
            })
        })
        .collect();
    let indicators = pkg
        .batch
        .indicator
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let gs: Vec<Value> =
                i["associatedGroups"].as_array().unwrap().iter().map(|g| json!({"id": id_of(g["groupXid"].as_str().unwrap())})).collect();
            json!({
                "id": 9000 + n, "type": i["type"], "summary": i["summary"], "ownerName": "Target Org",
                "attributes": data(i, "attribute"), "tags": data(i, "tag"), "securityLabels": data(i, "securityLabel"),
                "associatedGroups": {"data": gs},
            })
        })
        .collect();
    TargetReadBack { groups, indicators, dissociated: vec![] }
}

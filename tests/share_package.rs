//! Sharing core: snapshot (publish), label filter, determinism, content hash, validation.

mod share_support;

use pivot::share::{
    associations, canonical_json, content_hash, derive_xid, Association, snapshot, snapshot_report, validate, ItemKind, ShareError, SharePackage, MAX_PACKAGE_BYTES,
};
use serde_json::{json, Value};
use share_support::*;

fn find<'a>(items: &'a [Value], key: &str, val: &str) -> Option<&'a Value> {
    items.iter().find(|v| v[key] == val)
}

#[test]
fn snapshot_of_a_realistic_group_maps_onto_a_v2_batch_input() {
    let (pkg, withheld) = snapshot_report(&group(), &associated_groups(), &associated_indicators(), &opts()).unwrap();
    let h = &pkg.header;
    assert_eq!((h.group.id, h.group.group_type.as_str(), h.group.name.as_str()), (42, "Incident", "Ransomware Attack at Company ABC"));
    assert_eq!(h.group.xid, derive_xid("source-instance-1", "Source Org", ItemKind::Group, "Incident", "42"));
    assert_eq!(h.source.instance_id, "source-instance-1");
    assert_eq!(h.security_labels_allowed, vec!["TLP:AMBER", "TLP:GREEN", "TLP:WHITE"]);
    assert!(h.content_hash.starts_with("sha256:") && h.content_hash.len() == 7 + 64);
    assert_eq!(h.content_hash, pkg.compute_hash());

    // Groups: the published one first, then Adversary and Email; the TLP:RED Threat stays home.
    let groups = &pkg.batch.group;
    assert_eq!(groups.len(), 3);
    let top = &groups[0];
    assert_eq!(top["xid"], json!(h.group.xid));
    assert_eq!(top["type"], "Incident");
    assert_eq!(top["eventDate"], "2024-08-04T00:00:00Z");
    assert_eq!(top["status"], "New");
    assert_eq!(top["tag"], json!([{"name": "Company ABC"}, {"name": "Ransomware"}]));
    assert_eq!(top["securityLabel"][0]["name"], "TLP:AMBER");
    assert_eq!(top["securityLabel"][0]["color"], "FFC000");
    // Attributes: the TLP:RED one stays home; `default` becomes v2 `displayed`; attribute labels kept.
    let attrs = top["attribute"].as_array().unwrap();
    assert_eq!(attrs.len(), 2);
    let desc = find(attrs, "type", "Description").unwrap();
    assert_eq!(desc["displayed"], true);
    assert_eq!(desc["securityLabel"][0]["name"], "TLP:AMBER");
    assert!(find(attrs, "type", "Additional Analysis and Context").is_none());
    let adversary = find(groups, "type", "Adversary").unwrap();
    let email = find(groups, "type", "Email").unwrap();
    assert_eq!(email["subject"], "Your order");
    assert_eq!(email["from"], "auto-confirm@bad.com");
    assert!(email.get("scoreBreakdown").is_none(), "only batch fields travel");
    assert!(find(groups, "type", "Threat").is_none());
    // Group -> group: from the published group to both; Email -> Adversary as reported by the Email.
    let mut top_links: Vec<&str> = top["associatedGroupXid"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    top_links.sort();
    let mut want = vec![adversary["xid"].as_str().unwrap(), email["xid"].as_str().unwrap()];
    want.sort();
    assert_eq!(top_links, want);
    let (a, e) = (adversary["xid"].as_str().unwrap(), email["xid"].as_str().unwrap());
    let holder = if a < e { adversary } else { email };
    let other = if a < e { e } else { a };
    assert_eq!(holder["associatedGroupXid"], json!([other]));

    // Indicators: 7 in, red.example stays home.
    let inds = &pkg.batch.indicator;
    assert_eq!(inds.len(), 6);
    assert!(find(inds, "summary", "red.example").is_none());
    for i in inds {
        let links = i["associatedGroups"].as_array().unwrap();
        assert!(links.contains(&json!({"groupXid": h.group.xid})), "{i}");
        assert!(i["xid"].as_str().unwrap().starts_with("pivot:"));
    }
    let host = find(inds, "summary", "badguy.com").unwrap();
    assert_eq!(host["rating"], json!(3.0));
    assert_eq!(host["confidence"], json!(74));
    assert_eq!(host["dnsActive"], json!(true));
    assert_eq!(host["description"], "A bad host.");
    assert_eq!(host["tag"], json!([{"name": "C2"}, {"name": "Ransomware"}]));
    // The host is also linked to the Adversary (a shared group) but not to group 999 (not shared).
    assert_eq!(host["associatedGroups"].as_array().unwrap().len(), 2);
    assert!(host["associatedGroups"].as_array().unwrap().contains(&json!({"groupXid": a})));
    let addr = find(inds, "summary", "71.6.135.131").unwrap();
    assert_eq!(addr["attribute"].as_array().unwrap().len(), 1, "the TLP:RED attribute stays home");
    assert!(find(inds, "type", "Hashtag").is_some(), "custom indicator types are kept");
    let email_address = find(inds, "type", "EmailAddress").expect("unlabeled items leave unless excludeUnlabeled");
    // Metadata arrays are always present (Replace clears what an absent key would leave).
    assert_eq!(email_address["securityLabel"], json!([]));
    assert_eq!(email_address["tag"], json!([]));
    assert_eq!(find(groups, "type", "Adversary").unwrap()["attribute"], json!([]));

    assert_eq!(withheld.groups, 1);
    assert_eq!(withheld.indicators, 1);
    assert_eq!(withheld.attributes, 2);
    assert!(withheld.items.iter().any(|s| s.contains("red.example") && s.contains("TLP:RED")));

    // Nothing volatile or source-specific enters the body.
    let body = canonical_json(&pkg.batch.to_value());
    for volatile in ["lastModified", "dateAdded", "webLink", "legacyLink", "upVoteCount", "ownerName", "lastUsed", "\"id\""] {
        assert!(!body.contains(volatile), "{volatile} leaked into the batch body");
    }
    // Only names the v2 Batch fixtures use for indicators.
    let allowed = ["xid", "type", "summary", "description", "rating", "confidence", "dnsActive", "whoisActive", "attribute", "tag", "securityLabel", "associatedGroups"];
    for i in inds {
        for k in i.as_object().unwrap().keys() {
            assert!(allowed.contains(&k.as_str()), "unexpected indicator field {k}");
        }
    }
}

#[test]
fn tlp_red_stays_home_unless_chosen() {
    let pkg = package();
    let text = String::from_utf8(pkg.to_bytes()).unwrap();
    assert!(!text.contains("TLP:RED"));
    assert!(!text.contains("red.example"));
    assert!(!text.contains("Negotiation chat logs"));

    let mut o = opts();
    o.security_labels_allowed.push("tlp:red".into()); // case-insensitive choice
    let pkg = snapshot(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
    let text = String::from_utf8(pkg.to_bytes()).unwrap();
    assert!(text.contains("red.example"));
    assert!(text.contains("Negotiation chat logs"));
    assert_eq!(pkg.batch.group.len(), 4);
}

#[test]
fn exclude_unlabeled_keeps_unlabeled_items_and_attributes_home() {
    let mut o = opts();
    o.exclude_unlabeled = true;
    let (pkg, withheld) = snapshot_report(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
    let inds = &pkg.batch.indicator;
    assert!(find(inds, "type", "EmailAddress").is_none());
    assert!(find(inds, "type", "File").is_none());
    assert!(find(&pkg.batch.group, "type", "Adversary").is_none());
    // Unlabeled Description attributes of labeled indicators stay home too.
    assert_eq!(find(inds, "summary", "badguy.com").unwrap()["attribute"], json!([]));
    assert_eq!(withheld.indicators, 3);
    assert!(pkg.header.exclude_unlabeled);
}

#[test]
fn a_group_that_may_not_leave_is_an_error() {
    let mut g = group();
    g["securityLabels"] = labels(&["TLP:AMBER", "TLP:RED"]);
    let err = snapshot(&g, &[], &[], &opts()).unwrap_err();
    assert_eq!(err, ShareError::GroupWithheld { labels: vec!["TLP:RED".into()] });
    assert!(err.to_string().contains("TLP:RED"));
}

#[test]
fn bad_snapshot_inputs_are_typed_errors() {
    let mut o = opts();
    o.published_at = "yesterday".into();
    assert!(matches!(snapshot(&group(), &[], &[], &o), Err(ShareError::InvalidOptions { .. })));
    let mut o = opts();
    o.instance_id = " ".into();
    assert!(matches!(snapshot(&group(), &[], &[], &o), Err(ShareError::InvalidOptions { .. })));
    let mut g = group();
    g.as_object_mut().unwrap().remove("id");
    assert!(matches!(snapshot(&g, &[], &[], &opts()), Err(ShareError::InvalidInput { path, .. }) if path == "group.id"));
    let bad = vec![json!({"id": 1, "type": "Host"})];
    match snapshot(&group(), &[], &bad, &opts()) {
        Err(ShareError::InvalidInput { path, .. }) => assert_eq!(path, "associated_indicators[0].summary"),
        other => panic!("{other:?}"),
    }
    assert!(snapshot(&json!("not an object"), &[], &[], &opts()).is_err());
}

#[test]
fn same_input_gives_the_same_package_whatever_the_order() {
    let a = package();
    let b = package();
    assert_eq!(a.to_bytes(), b.to_bytes());
    let mut inds = associated_indicators();
    inds.reverse();
    let mut groups = associated_groups();
    groups.reverse();
    let mut g = group();
    g["tags"]["data"].as_array_mut().unwrap().reverse();
    g["attributes"]["data"].as_array_mut().unwrap().reverse();
    let c = snapshot(&g, &groups, &inds, &opts()).unwrap();
    assert_eq!(a.header.content_hash, c.header.content_hash);
    assert_eq!(a.batch, c.batch);
}

#[test]
fn volatile_fields_do_not_change_the_hash() {
    let a = package();
    let mut g = group();
    g["lastModified"] = json!("2026-01-01T00:00:00Z");
    g["upVoteCount"] = json!("7");
    g["webLink"] = json!("https://127.0.0.1:9999/#/details/groups/42/overview");
    g["tags"]["data"][0]["lastUsed"] = json!("2026-01-01T00:00:00Z");
    g["attributes"]["data"][0]["lastModified"] = json!("2026-01-01T00:00:00Z");
    g["attributes"]["data"][0]["id"] = json!(555);
    let mut inds = associated_indicators();
    inds[0]["lastModified"] = json!("2026-01-01T00:00:00Z");
    inds[0]["dateAdded"] = json!("2026-01-01T00:00:00Z");
    inds[0]["id"] = json!(123456);
    inds[0]["rating"] = json!("3.00"); // the same rating, spelled as v2 does
    let mut o = opts();
    o.published_at = "2026-12-01T08:00:00Z".into();
    o.api_url = Some("http://127.0.0.1:8443/api".into());
    let b = snapshot(&g, &associated_groups(), &inds, &o).unwrap();
    assert_eq!(a.header.content_hash, b.header.content_hash);
    assert_eq!(a.header.group.xid, b.header.group.xid, "xids do not depend on the URL");
}

#[test]
fn shared_content_changes_change_the_hash() {
    let a = package();
    let mut g = group();
    g["tags"]["data"].as_array_mut().unwrap().push(json!({"name": "New Tag"}));
    let b = snapshot(&g, &associated_groups(), &associated_indicators(), &opts()).unwrap();
    assert_ne!(a.header.content_hash, b.header.content_hash);

    let mut inds = associated_indicators();
    inds[1]["attributes"]["data"][0]["value"] = json!("changed");
    let c = snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap();
    assert_ne!(a.header.content_hash, c.header.content_hash);

    let d = snapshot(&group(), &associated_groups(), &associated_indicators()[..3], &opts()).unwrap();
    assert_ne!(a.header.content_hash, d.header.content_hash);

    // Another instance id: other xids, other hash.
    let mut o = opts();
    o.instance_id = "source-instance-2".into();
    let e = snapshot(&group(), &associated_groups(), &associated_indicators(), &o).unwrap();
    assert_ne!(a.header.group.xid, e.header.group.xid);
    assert_ne!(a.header.content_hash, e.header.content_hash);
}

#[test]
fn a_package_round_trips_through_its_file() {
    let pkg = package();
    let bytes = pkg.to_bytes();
    let back = validate(&bytes).unwrap();
    assert_eq!(back, pkg);
    assert_eq!(back.to_bytes(), bytes);
    // Also accepted pretty-printed with another key order (the hash is over canonical JSON).
    let pretty = serde_json::to_vec_pretty(&pkg.to_value()).unwrap();
    assert_eq!(validate(&pretty).unwrap(), pkg);
}

fn edit(pkg: &SharePackage, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v = pkg.to_value();
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn validation_refuses_each_kind_of_bad_package() {
    let pkg = package();

    let huge = vec![b' '; MAX_PACKAGE_BYTES + 1];
    let e = validate(&huge).unwrap_err();
    assert_eq!(e, ShareError::TooLarge { size: MAX_PACKAGE_BYTES as u64 + 1, limit: MAX_PACKAGE_BYTES as u64 });
    assert!(e.to_string().contains(&MAX_PACKAGE_BYTES.to_string()));

    match validate(b"{\n  \"format\": \"pivot-share\",\n  oops\n}") {
        Err(ShareError::MalformedJson { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(validate(b""), Err(ShareError::MalformedJson { .. })));

    let e = validate(&edit(&pkg, |v| v["format"] = json!("tc-publish"))).unwrap_err();
    assert!(matches!(&e, ShareError::WrongFormat { found } if found == "\"tc-publish\""));
    assert!(matches!(validate(br#"{"indicator": []}"#), Err(ShareError::WrongFormat { .. })));
    assert!(matches!(validate(b"[1,2]"), Err(ShareError::WrongFormat { .. })));

    let e = validate(&edit(&pkg, |v| v["version"] = json!(3))).unwrap_err();
    assert_eq!(e, ShareError::UnsupportedVersion { found: "3".into() });
    assert!(e.to_string().contains("version 3 is not supported"));
    assert!(matches!(validate(&edit(&pkg, |v| v["version"] = json!(0))), Err(ShareError::UnsupportedVersion { .. })));

    // Content changed after publishing: a tag added to the group.
    let e = validate(&edit(&pkg, |v| {
        v["batch"]["group"][0]["tag"].as_array_mut().unwrap().push(json!({"name": "Injected"}))
    }))
    .unwrap_err();
    assert!(matches!(&e, ShareError::BadHash { declared, computed } if *declared == pkg.header.content_hash && *computed != pkg.header.content_hash));
    // Hash field itself malformed.
    assert!(matches!(
        validate(&edit(&pkg, |v| v["contentHash"] = json!("md5:abc"))),
        Err(ShareError::InvalidField { path, .. }) if path == "contentHash"
    ));

    assert_eq!(
        validate(&edit(&pkg, |v| {
            v.as_object_mut().unwrap().remove("contentHash");
        })),
        Err(ShareError::MissingField { path: "contentHash".into() })
    );
    assert_eq!(
        validate(&edit(&pkg, |v| {
            v["batch"]["indicator"][2].as_object_mut().unwrap().remove("summary");
        })),
        Err(ShareError::MissingField { path: "batch.indicator[2].summary".into() })
    );
    assert_eq!(
        validate(&edit(&pkg, |v| {
            v["source"].as_object_mut().unwrap().remove("instanceId");
        })),
        Err(ShareError::MissingField { path: "source.instanceId".into() })
    );
    assert!(matches!(
        validate(&edit(&pkg, |v| v["batch"]["indicator"] = json!({"a": 1}))),
        Err(ShareError::InvalidField { path, .. }) if path == "batch.indicator"
    ));
    assert!(matches!(
        validate(&edit(&pkg, |v| v["publishedAt"] = json!("last tuesday"))),
        Err(ShareError::InvalidField { path, .. }) if path == "publishedAt"
    ));
    assert!(matches!(
        validate(&edit(&pkg, |v| v["batch"]["indicator"][0]["tag"] = json!(["Ransomware"]))),
        Err(ShareError::InvalidField { path, .. }) if path == "batch.indicator[0].tag[0]"
    ));
    assert!(matches!(
        validate(&edit(&pkg, |v| v["batch"]["indicator"][0]["associatedGroups"][0]["groupXid"] = json!("pivot:nowhere"))),
        Err(ShareError::DanglingReference { path, xid }) if path == "batch.indicator[0].associatedGroups[0].groupXid" && xid == "pivot:nowhere"
    ));
    assert!(matches!(
        validate(&edit(&pkg, |v| {
            let x = v["batch"]["indicator"][0]["xid"].clone();
            v["batch"]["indicator"][1]["xid"] = x;
        })),
        Err(ShareError::DuplicateXid { path, .. }) if path == "batch.indicator[1].xid"
    ));
    assert!(matches!(
        validate(&edit(&pkg, |v| v["group"]["xid"] = json!("pivot:other"))),
        Err(ShareError::DanglingReference { path, .. }) if path == "group.xid"
    ));
}

/// A forger's edit: change the file, then recompute the content hash as the forger
/// would (the hash proves integrity, not origin), so only the xid checks can refuse it.
fn forge(pkg: &SharePackage, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v = pkg.to_value();
    f(&mut v);
    let mut forged = pkg.clone();
    forged.header.version = v["version"].as_u64().unwrap();
    forged.header.source.instance_id = v["source"]["instanceId"].as_str().unwrap().into();
    forged.header.source.owner = v["source"]["owner"].as_str().unwrap().into();
    forged.header.group.id = v["group"]["id"].as_u64().unwrap();
    forged.header.group.xid = v["group"]["xid"].as_str().unwrap().into();
    forged.group_ids = serde_json::from_value(v.get("groupIds").cloned().unwrap_or(json!({}))).unwrap_or_default();
    let h = content_hash(forged.header.version, &forged.header.source, &forged.header.group, &forged.group_ids, &v["batch"]);
    v["contentHash"] = json!(h);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn a_package_proves_every_xid_it_claims() {
    let pkg = package();
    assert_eq!(pkg.header.version, 2);
    validate(&forge(&pkg, |_| {})).expect("an honest re-hash still validates");
    let mismatch = |bytes: Vec<u8>, at: &str| match validate(&bytes) {
        Err(ShareError::XidMismatch { path, declared, computed }) => {
            assert_eq!(path, at);
            assert_ne!(declared, computed);
        }
        other => panic!("expected an xid mismatch at {at}, got {other:?}"),
    };
    let ind_xid = |v: &Value, i: usize| v["batch"]["indicator"][i]["xid"].clone();
    // Two indicators swapping xids (so each takes over the other's item in the target).
    mismatch(
        forge(&pkg, |v| {
            let (a, b) = (ind_xid(v, 0), ind_xid(v, 1));
            v["batch"]["indicator"][0]["xid"] = b;
            v["batch"]["indicator"][1]["xid"] = a;
        }),
        "batch.indicator[0].xid",
    );
    // A group whose claimed source id is not the one its xid was made from.
    let other = pkg.batch.group[1]["xid"].as_str().unwrap().to_string();
    mismatch(forge(&pkg, |v| v["groupIds"][&other] = json!(999_999)), "batch.group[1].xid");
    // Claiming another published group (its id) while keeping this one's xid.
    mismatch(
        forge(&pkg, |v| {
            v["group"]["id"] = json!(4242);
            let top = v["group"]["xid"].as_str().unwrap().to_string();
            v["groupIds"][&top] = json!(4242);
        }),
        "group.xid",
    );
    // Claiming another source instance or owner: every xid names the real one.
    mismatch(forge(&pkg, |v| v["source"]["instanceId"] = json!("someone-else")), "group.xid");
    mismatch(forge(&pkg, |v| v["source"]["owner"] = json!("Other Org")), "group.xid");
    // groupIds must cover exactly the groups of the package, the published one with the header's id.
    assert!(matches!(
        validate(&forge(&pkg, |v| { v["groupIds"].as_object_mut().unwrap().remove(&other); })),
        Err(ShareError::MissingField { path }) if path.starts_with(&format!("groupIds.{other}"))
    ));
    assert!(matches!(
        validate(&forge(&pkg, |v| v["groupIds"]["pivot:not-in-the-package"] = json!(1))),
        Err(ShareError::DanglingReference { path, .. }) if path == "groupIds.pivot:not-in-the-package"
    ));
    assert!(matches!(
        validate(&forge(&pkg, |v| { v.as_object_mut().unwrap().remove("groupIds"); })),
        Err(ShareError::MissingField { path }) if path == "groupIds"
    ));
    // Top-level associations must name items of the package.
    assert!(matches!(
        validate(&forge(&pkg, |v| v["batch"]["association"] = json!([{"ref_1": other, "ref_2": "pivot:elsewhere"}]))),
        Err(ShareError::DanglingReference { path, xid }) if path == "batch.association[0].ref_2" && xid == "pivot:elsewhere"
    ));
    // A group by its xid, an indicator by its summary (ThreatConnect's batch `ref_1`/`ref_2`).
    let ind = pkg.batch.indicator[0]["summary"].as_str().unwrap().to_string();
    let ok = validate(&forge(&pkg, |v| v["batch"]["association"] = json!([{"ref_1": other, "ref_2": ind}]))).expect("refs inside the package resolve");
    assert!(associations(&ok).contains(&Association::group_indicator(&other, pkg.batch.indicator[0]["type"].as_str().unwrap(), &ind)));
    let ind_xid = pkg.batch.indicator[0]["xid"].as_str().unwrap().to_string();
    assert!(matches!(
        validate(&forge(&pkg, |v| v["batch"]["association"] = json!([{"ref_1": other, "ref_2": ind_xid}]))),
        Err(ShareError::DanglingReference { path, .. }) if path == "batch.association[0].ref_2"
    ), "an indicator is named by its summary, not its xid");
}

/// Version 1 files (no source ids for the associated groups) still validate; the xids
/// they can prove (the published group's, every indicator's) are checked, the others
/// are reported as unverified.
#[test]
fn a_version_1_package_still_validates_with_its_group_xids_unverified() {
    let pkg = package();
    let v1 = forge(&pkg, |v| {
        v["version"] = json!(1);
        v.as_object_mut().unwrap().remove("groupIds");
    });
    let read = validate(&v1).expect("version 1 validates");
    assert_eq!(read.header.version, 1);
    let others: Vec<&str> = pkg.batch.group[1..].iter().map(|g| g["xid"].as_str().unwrap()).collect();
    assert!(!others.is_empty());
    assert_eq!(read.unverified_xids(), others);
    // What version 1 can prove, it must.
    let bad = forge(&pkg, |v| {
        v["version"] = json!(1);
        v.as_object_mut().unwrap().remove("groupIds");
        v["batch"]["indicator"][0]["xid"] = json!("pivot:00000000000000000000000000000000");
    });
    assert!(matches!(validate(&bad), Err(ShareError::XidMismatch { path, .. }) if path == "batch.indicator[0].xid"));
}

#[test]
fn no_input_makes_validate_panic() {
    let bytes = package().to_bytes();
    // Every truncation, and every single-byte corruption at a stride, is refused (never a panic).
    for cut in (0..bytes.len()).step_by(7) {
        assert!(validate(&bytes[..cut]).is_err());
    }
    for pos in (0..bytes.len()).step_by(13) {
        let mut b = bytes.clone();
        b[pos] = b[pos].wrapping_add(1);
        let _ = validate(&b);
        b[pos] = 0xFF;
        assert!(validate(&b).is_err());
    }
    let deep = "[".repeat(100_000);
    assert!(matches!(validate(deep.as_bytes()), Err(ShareError::MalformedJson { .. })));
    for odd in [&b"null"[..], b"1", b"\"pivot-share\"", br#"{"format":"pivot-share","version":1}"#, br#"{"format":"pivot-share","version":1.0}"#] {
        assert!(validate(odd).is_err());
    }
}

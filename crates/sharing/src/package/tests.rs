//! The package's unit tests: xids, a file's round trip, validation of every kind of bad or
//! forged file, version 1 files, and no input that makes [`validate`] panic. The package's
//! test data is `crate::test_util`'s snapshot; the pinned golden files are in `tests/it/golden.rs`.

use super::*;
use crate::test_util::*;
use crate::{associations, Association};

#[test]
fn xid_ignores_type_spelling_and_host_case_but_not_owner() {
    let a = derive_xid("src-1", "Org", ItemKind::Indicator, "Host", "Bad.COM");
    assert_eq!(a, derive_xid("src-1", "Org", ItemKind::Indicator, "hosts", "bad.com "));
    assert_ne!(a, derive_xid("src-1", "Other Org", ItemKind::Indicator, "Host", "bad.com"));
    assert_ne!(a, derive_xid("src-2", "Org", ItemKind::Indicator, "Host", "bad.com"));
    assert!(a.starts_with("pivot:") && a.len() == 6 + 32);
    // URL paths are case-sensitive: different xids.
    assert_ne!(derive_xid("s", "o", ItemKind::Indicator, "URL", "http://x/A"), derive_xid("s", "o", ItemKind::Indicator, "URL", "http://x/a"));
    // A group and an indicator never share an xid.
    assert_ne!(derive_xid("s", "o", ItemKind::Group, "Incident", "5"), derive_xid("s", "o", ItemKind::Indicator, "Incident", "5"));
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
    let e = validate(&edit(&pkg, |v| v["batch"]["group"][0]["tag"].as_array_mut().unwrap().push(json!({"name": "Injected"})))).unwrap_err();
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
    let ok =
        validate(&forge(&pkg, |v| v["batch"]["association"] = json!([{"ref_1": other, "ref_2": ind}]))).expect("refs inside the package resolve");
    assert!(associations(&ok).contains(&Association::group_indicator(&other, pkg.batch.indicator[0]["type"].as_str().unwrap(), &ind)));
    let ind_xid = pkg.batch.indicator[0]["xid"].as_str().unwrap().to_string();
    assert!(
        matches!(
            validate(&forge(&pkg, |v| v["batch"]["association"] = json!([{"ref_1": other, "ref_2": ind_xid}]))),
            Err(ShareError::DanglingReference { path, .. }) if path == "batch.association[0].ref_2"
        ),
        "an indicator is named by its summary, not its xid"
    );
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

/// The path of the refusal of a forged file (its hash recomputed, so only the schema can refuse it).
fn refused(pkg: &SharePackage, f: impl FnOnce(&mut Value)) -> ShareError {
    match validate(&forge(pkg, f)) {
        Ok(_) => panic!("a key or value outside the schema was accepted"),
        Err(e) => e,
    }
}

fn unknown(pkg: &SharePackage, at: &str, f: impl FnOnce(&mut Value)) {
    assert_eq!(refused(pkg, f), ShareError::UnknownKey { path: at.into() }, "expected {at} refused as a key outside the schema");
}

fn index_of(pkg: &SharePackage, group_type: &str) -> usize {
    pkg.batch.group.iter().position(|g| g["type"] == group_type).unwrap()
}

/// Hand-written hostile packages: a key outside the schema at each level, and the batch
/// format's keys that name items of the target, are refused naming their path.
#[test]
fn a_key_outside_the_schema_is_refused_at_every_level_by_its_path() {
    let pkg = package();
    let top = pkg.header.group.xid.clone();
    let summary = pkg.batch.indicator[0]["summary"].clone();
    unknown(&pkg, "extra", |v| v["extra"] = json!(1));
    unknown(&pkg, "source.url", |v| v["source"]["url"] = json!("https://elsewhere"));
    unknown(&pkg, "group.owner", |v| v["group"]["owner"] = json!("Target Org"));
    unknown(&pkg, "batch.victim", |v| v["batch"]["victim"] = json!([]));
    // Links to the target's own items.
    unknown(&pkg, "batch.group[0].associatedIndicators", |v| v["batch"]["group"][0]["associatedIndicators"] = json!([{"summary": "own.example"}]));
    unknown(&pkg, "batch.group[0].associatedGroups", |v| v["batch"]["group"][0]["associatedGroups"] = json!([{"id": 7}]));
    unknown(&pkg, "batch.group[0].id", |v| v["batch"]["group"][0]["id"] = json!(7));
    unknown(&pkg, "batch.indicator[0].associatedIndicators", |v| v["batch"]["indicator"][0]["associatedIndicators"] = json!([]));
    unknown(&pkg, "batch.indicator[0].associatedGroups[0].id", |v| v["batch"]["indicator"][0]["associatedGroups"][0]["id"] = json!(7));
    unknown(&pkg, "batch.association[0].id_2", |v| v["batch"]["association"] = json!([{"ref_1": top, "ref_2": summary, "id_2": 7}]));
    unknown(&pkg, "batch.association[0].id_1", |v| v["batch"]["association"] = json!([{"id_1": 7, "id_2": 8}]));
    unknown(&pkg, "batch.association[0].type_2", |v| v["batch"]["association"] = json!([{"ref_1": top, "ref_2": summary, "type_2": "Host"}]));
    // Nested extra keys in attributes, their labels, tags and labels.
    unknown(&pkg, "batch.group[0].attribute[0].owner", |v| v["batch"]["group"][0]["attribute"][0]["owner"] = json!("x"));
    unknown(&pkg, "batch.group[0].attribute[0].securityLabel[0].id", |v| {
        v["batch"]["group"][0]["attribute"][0]["securityLabel"] = json!([{"name": "TLP:AMBER", "id": 3}])
    });
    unknown(&pkg, "batch.indicator[0].tag[0].id", |v| v["batch"]["indicator"][0]["tag"] = json!([{"name": "t", "id": 3}]));
    unknown(&pkg, "batch.group[0].securityLabel[0].owner", |v| v["batch"]["group"][0]["securityLabel"][0]["owner"] = json!("System"));
    // Another type's field, and a Host's fields on another indicator type.
    let adversary = index_of(&pkg, "Adversary");
    unknown(&pkg, &format!("batch.group[{adversary}].eventDate"), |v| v["batch"]["group"][adversary]["eventDate"] = json!("2026-01-01T00:00:00Z"));
    let not_host = pkg.batch.indicator.iter().position(|i| i["type"] != "Host").unwrap();
    unknown(&pkg, &format!("batch.indicator[{not_host}].dnsActive"), |v| v["batch"]["indicator"][not_host]["dnsActive"] = json!(true));
    // Version 1 has no groupIds.
    unknown(&pkg, "groupIds", |v| v["version"] = json!(1));
    // A hostile key's name is quoted, escaped and cut in the path, never printed raw.
    let e = refused(&pkg, |v| v["batch"]["group"][0][format!("a\n\u{202e}{}", "b".repeat(500))] = json!(1));
    let ShareError::UnknownKey { path } = &e else { panic!("{e:?}") };
    assert!(path.starts_with(r#"batch.group[0]["a\u{a}\u{202e}bbb"#) && path.ends_with("…\"]") && path.chars().count() < 150, "{path}");
    assert!(!e.to_string().contains(['\n', '\u{202e}']), "{e}");
}

/// Strings over their length, arrays over their count, values outside their type or set.
#[test]
fn values_outside_their_bounds_are_refused_by_their_path() {
    let pkg = package();
    let too_long = |at: &str, length: usize, limit: usize, f: &dyn Fn(&mut Value)| {
        assert_eq!(refused(&pkg, f), ShareError::TooLong { path: at.into(), length, limit }, "{at}");
    };
    too_long("batch.group[0].name", 1_001, 1_000, &|v| v["batch"]["group"][0]["name"] = json!("n".repeat(1_001)));
    too_long("batch.indicator[0].tag[0].name", 251, 250, &|v| v["batch"]["indicator"][0]["tag"] = json!([{"name": "é".repeat(251)}]));
    too_long("batch.indicator[1].summary", 8_193, 8_192, &|v| v["batch"]["indicator"][1]["summary"] = json!("s".repeat(8_193)));
    too_long("batch.group[0].attribute[0].value", 65_537, 65_536, &|v| v["batch"]["group"][0]["attribute"][0]["value"] = json!("v".repeat(65_537)));
    too_long("source.owner", 251, 250, &|v| v["source"]["owner"] = json!("o".repeat(251)));
    too_long("batch.group[0].securityLabel[0].description", 2_001, 2_000, &|v| {
        v["batch"]["group"][0]["securityLabel"][0]["description"] = json!("d".repeat(2_001))
    });
    // Characters, not bytes: 250 two-byte characters fit.
    validate(&forge(&pkg, |v| v["batch"]["group"][0]["tag"] = json!([{"name": "é".repeat(250)}]))).expect("250 characters is the tag limit");

    let too_many = |at: &str, count: usize, limit: usize, f: &dyn Fn(&mut Value)| {
        assert_eq!(refused(&pkg, f), ShareError::TooMany { path: at.into(), count, limit }, "{at}");
    };
    too_many("batch.group[0].tag", 1_001, 1_000, &|v| v["batch"]["group"][0]["tag"] = json!(vec![json!({"name": "t"}); 1_001]));
    too_many("batch.indicator[0].securityLabel", 101, 100, &|v| v["batch"]["indicator"][0]["securityLabel"] = json!(vec![json!({"name": "L"}); 101]));
    too_many("batch.group[0].attribute", 1_001, 1_000, &|v| {
        v["batch"]["group"][0]["attribute"] = json!(vec![json!({"type": "T", "value": ""}); 1_001])
    });
    too_many("securityLabelsAllowed", 101, 100, &|v| v["securityLabelsAllowed"] = json!(vec!["TLP:WHITE"; 101]));
    too_many("batch.indicator", 100_001, 100_000, &|v| v["batch"]["indicator"] = json!(vec![json!({}); 100_001]));
    too_many("batch.group", 10_001, 10_000, &|v| v["batch"]["group"] = json!(vec![json!({}); 10_001]));
    too_many("batch.association", 100_001, 100_000, &|v| v["batch"]["association"] = json!(vec![json!({}); 100_001]));

    let invalid_at = |at: &str, f: &dyn Fn(&mut Value)| match refused(&pkg, f) {
        ShareError::InvalidField { path, .. } => assert_eq!(path, at),
        other => panic!("{at}: {other:?}"),
    };
    invalid_at("batch.group[0].type", &|v| v["batch"]["group"][0]["type"] = json!("Incidents"));
    invalid_at("group.type", &|v| v["group"]["type"] = json!("incident"));
    invalid_at("batch.indicator[0].type", &|v| v["batch"]["indicator"][0]["type"] = json!("host"));
    invalid_at("batch.group[0].securityLabel[0].color", &|v| v["batch"]["group"][0]["securityLabel"][0]["color"] = json!("red; x"));
    invalid_at("batch.indicator[0].rating", &|v| v["batch"]["indicator"][0]["rating"] = json!(7));
    invalid_at("batch.indicator[0].confidence", &|v| v["batch"]["indicator"][0]["confidence"] = json!(101));
    invalid_at("batch.indicator[0].description", &|v| v["batch"]["indicator"][0]["description"] = Value::Null);
    invalid_at("batch.group[0].eventDate", &|v| v["batch"]["group"][0]["eventDate"] = json!("yesterday"));
    invalid_at("batch.group[0].associatedGroupXid[0]", &|v| v["batch"]["group"][0]["associatedGroupXid"][0] = json!("pivot:\nforged"));
}

/// A version 1 file cannot prove its associated groups' xids, but they must still be xids:
/// never another integration's identifier of an item in the target.
#[test]
fn a_version_1_group_xid_must_be_an_xid() {
    let pkg = package();
    let other = pkg.batch.group[1]["xid"].as_str().unwrap().to_string();
    let foreign = "00000000-0000-0000-0000-000000000000:0001";
    let v1 = |xid: &str| {
        let mut text = serde_json::to_string(&pkg.to_value()).unwrap();
        text = text.replace(&other, xid);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["version"] = json!(1);
        v.as_object_mut().unwrap().remove("groupIds");
        let mut p = pkg.clone();
        p.header.version = 1;
        p.group_ids.clear();
        v["contentHash"] = json!(content_hash(1, &p.header.source, &p.header.group, &p.group_ids, &v["batch"]));
        serde_json::to_vec(&v).unwrap()
    };
    validate(&v1("pivot:0123456789abcdef0123456789abcdef")).expect("an unverified but well-formed xid still reads");
    match validate(&v1(foreign)) {
        Err(ShareError::InvalidField { path, .. }) => assert_eq!(path, "batch.group[1].xid"),
        other => panic!("{other:?}"),
    }
}

/// The labels an import creates are read through the schema: name, colour and description,
/// whatever else the package (in memory) said of them.
#[test]
fn a_label_is_created_with_its_name_colour_and_description_only() {
    let mut pkg = package();
    pkg.batch.indicator[0]["securityLabel"] = json!([{
        "name": "ACME:PARTNERS", "color": "0000ff", "description": "Partners only",
        "owner": "Target Org", "id": 5, "dateAdded": "2020-01-01T00:00:00Z", "securityLabels": [{"name": "x"}]
    }]);
    let defs = label_definitions(&pkg).unwrap();
    assert_eq!(defs["ACME:PARTNERS"].create_body(), json!({"name": "ACME:PARTNERS", "color": "0000ff", "description": "Partners only"}));
    assert_eq!(
        defs["TLP:AMBER"].create_body().as_object().unwrap().keys().collect::<Vec<_>>(),
        ["color", "description", "name"],
        "labels of attributes and items alike"
    );
}

/// The package `validate` returns holds what the schema read, and the golden-shaped
/// package reads back unchanged (nothing of a valid file is lost on the way).
#[test]
fn the_model_is_what_the_schema_read() {
    let pkg = package();
    let back = validate(&pkg.to_bytes()).unwrap();
    assert_eq!(back.batch, pkg.batch);
    for g in &back.batch.group {
        assert_eq!(BatchGroup::read(g, "g", Read::File).unwrap().to_value(), *g);
    }
}

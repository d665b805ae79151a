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

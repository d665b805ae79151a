//! The plan's unit tests: what a dry run lists against a target read beforehand, the body
//! actually imported (dropped attributes, the origin attribute), and the associations a
//! package makes.

use super::*;
use crate::snapshot;
use crate::test_util::*;

/// A package whose Address carries an attribute of a custom type.
fn package_with_custom_attribute() -> SharePackage {
    let mut inds = associated_indicators();
    for i in [0, 1] {
        inds[i]["attributes"]["data"].as_array_mut().unwrap().push(attr(500 + i as u64, "Pivot Custom Score", "87", false, &[]));
    }
    snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap()
}

#[test]
fn plan_lists_creates_overwrites_labels_missing_types_and_removed_associations() {
    let pkg = package_with_custom_attribute();
    let top = pkg.header.group.xid.clone();
    let gone = Association::group_indicator(&top, "Host", "old.example");
    let mut previous: BTreeSet<Association> = associations(&pkg);
    previous.insert(gone.clone());
    let target = TargetState {
        owner: "Target Org".into(),
        // The published group was imported before (same xid); one indicator exists (other case).
        groups: vec![json!({"id": 7, "xid": top, "type": "Incident", "name": "Ransomware Attack at Company ABC"})],
        indicators: vec![json!({"id": 8, "type": "Host", "summary": "BadGuy.com"})],
        security_labels: vec![label("TLP:WHITE"), label("tlp:green")],
        attribute_types: attribute_types(&["Description", "Source", "Additional Analysis and Context"]),
        // The previous import of this package brought them.
        previous_items: ImportRecord { group_xid: top.clone(), associations: previous.clone(), ..Default::default() }.items(),
        previous_associations: previous,
        ..Default::default()
    };
    let p = plan(&pkg, &target);
    assert!(p.adopted.is_empty() && p.linked_only.is_empty(), "{:?} {:?}", p.adopted, p.linked_only);
    assert_eq!(p.target_owner, "Target Org");
    assert_eq!(p.content_hash, pkg.header.content_hash);
    assert_eq!(p.groups_to_overwrite.len(), 1);
    assert_eq!(p.groups_to_overwrite[0].xid, top);
    assert_eq!(p.groups_to_create.len(), 2);
    assert_eq!(p.indicators_to_overwrite.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(), vec!["badguy.com"]);
    assert_eq!(p.indicators_to_create.len(), 5);
    assert_eq!(p.labels_to_create, vec!["TLP:AMBER"]);
    assert_eq!(p.missing_attribute_types.len(), 1);
    assert_eq!(p.missing_attribute_types[0].name, "Pivot Custom Score");
    assert_eq!(p.missing_attribute_types[0].attributes, 2);
    assert!(p.warnings.iter().any(|w| w.contains("Pivot Custom Score") && w.contains("dropped")));
    assert!(p.warnings.iter().any(|w| w.contains("replaced")));
    assert_eq!(p.associations_to_remove, vec![gone]);
    assert_eq!(p.batch_jobs, 1);

    // The imported body: custom-type attributes dropped, origin attribute on the published group.
    let imported = prepare_import(&pkg, &p).package;
    let text = String::from_utf8(imported.to_bytes()).unwrap();
    assert!(!text.contains("Pivot Custom Score"));
    assert_eq!(imported.header, pkg.header);
    let origin: Vec<&Value> = imported.batch.group[0]["attribute"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == ORIGIN_ATTRIBUTE_TYPE && a["value"].as_str().unwrap().starts_with("Pivot share:"))
        .collect();
    assert_eq!(origin.len(), 1);
    let value = origin[0]["value"].as_str().unwrap();
    for part in ["source-instance-1", "Source Org", "Incident 42", "2026-11-25T14:20:33Z", &pkg.header.content_hash] {
        assert!(value.contains(part), "{value} lacks {part}");
    }
    // Other groups do not get it; preparing twice does not add it twice.
    assert!(!String::from_utf8(serde_json::to_vec(&imported.batch.group[1]).unwrap()).unwrap().contains("Pivot share:"));
    let twice = prepare_import(&imported, &p).package;
    assert_eq!(twice.batch, imported.batch);
}

#[test]
fn plan_without_attribute_types_drops_nothing_and_says_so() {
    let pkg = package_with_custom_attribute();
    let p = plan(&pkg, &TargetState { owner: "T".into(), ..Default::default() });
    assert!(p.missing_attribute_types.is_empty());
    assert!(p.warnings.iter().any(|w| w.contains("not read")));
    assert_eq!(p.groups_to_create.len(), 3);
    assert_eq!(p.indicators_to_create.len(), 6);
    assert!(p.groups_to_overwrite.is_empty() && p.indicators_to_overwrite.is_empty());
    assert!(p.associations_to_remove.is_empty());
    assert_eq!(p.labels_to_create, vec!["TLP:AMBER", "TLP:GREEN", "TLP:WHITE"]);
    assert!(String::from_utf8(prepare_import(&pkg, &p).package.to_bytes()).unwrap().contains("Pivot Custom Score"));
}

#[test]
fn associations_cover_indicator_and_group_links() {
    let pkg = package();
    let a = associations(&pkg);
    // 6 indicators to the published group + badguy.com to the Adversary + 2 top-group links + Email-Adversary.
    assert_eq!(a.len(), 6 + 1 + 2 + 1);
    // Serializable, to be stored with the import for the next plan.
    let json = serde_json::to_string(&a).unwrap();
    let back: BTreeSet<Association> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
}

/// Another package of the same source instance that brought the Host badguy.com, published
/// `at`, by a verified pull or from a file.
fn other_record(at: &str, verified: bool) -> ImportRecord {
    ImportRecord {
        content_hash: "sha256:other".into(),
        complete: true,
        associations: [Association::group_indicator("pivot:other-group", "Host", "badguy.com")].into_iter().collect(),
        source_instance: "source-instance-1".into(),
        source_owner: "Source Org".into(),
        group_xid: "pivot:other-group".into(),
        published_at: at.into(),
        source_verified: verified,
        ..Default::default()
    }
}

/// The fate of the Host badguy.com (already in the target) when `record` brought it and this
/// package (published 2026-11-25T14:20:33Z) is imported verified or not.
fn host_is_linked_only(record: ImportRecord, verified: bool) -> bool {
    let target = TargetState {
        owner: "T".into(),
        indicators: vec![json!({"id": 8, "type": "Host", "summary": "badguy.com"})],
        others: vec![record],
        source_verified: verified,
        ..Default::default()
    };
    let p = plan(&package(), &target);
    assert_eq!(p.source_verified, verified);
    let linked = p.linked_only.iter().any(|n| n.item.label == "badguy.com");
    let overwritten = p.indicators_to_overwrite.iter().any(|i| i.label == "badguy.com");
    assert!(linked != overwritten, "one fate: {p:?}");
    linked
}

#[test]
fn a_verified_pull_outranks_a_file_whatever_its_date() {
    // Both from files, or both pulled: the later publishedAt decides, as before.
    assert!(host_is_linked_only(other_record("2026-12-01T00:00:00Z", false), false));
    assert!(!host_is_linked_only(other_record("2026-01-01T00:00:00Z", false), false));
    assert!(host_is_linked_only(other_record("2026-12-01T00:00:00Z", true), true));
    // A file claiming a later date does not take the item from a verified pull...
    assert!(host_is_linked_only(other_record("2026-01-01T00:00:00Z", true), false));
    // ...and a verified pull takes it from a file that claims a later date.
    assert!(!host_is_linked_only(other_record("2026-12-01T00:00:00Z", false), true));
    // The plan says why.
    let target = TargetState {
        owner: "T".into(),
        indicators: vec![json!({"id": 8, "type": "Host", "summary": "badguy.com"})],
        others: vec![other_record("2026-01-01T00:00:00Z", true)],
        ..Default::default()
    };
    let p = plan(&package(), &target);
    assert!(p.linked_only[0].reason.contains("brought by a verified pull"), "{}", p.linked_only[0].reason);
    // Recorded and read back.
    let mut r = ImportRecord::of(&package());
    r.source_verified = true;
    assert!(ImportRecord::from_json(&r.to_json("T", &package(), "2026-11-25T15:00:00Z")).source_verified);
    assert!(!ImportRecord::from_json(&json!({"contentHash": "sha256:x"})).source_verified, "a record without the flag is a file's");
}

#[test]
fn a_package_published_in_the_future_is_refused() {
    let mut pkg = package();
    // 2026-11-25T14:20:33Z is 1_795_616_433 (date -d 2026-11-25T14:20:33Z +%s).
    let published = 1_795_616_433u64;
    assert_eq!(check_published_at(&pkg, published), Ok(()));
    assert_eq!(check_published_at(&pkg, published - 300), Ok(()), "up to the skew ahead");
    let e = check_published_at(&pkg, published - 301).unwrap_err();
    assert_eq!(e, crate::ShareError::PublishedInTheFuture { published_at: "2026-11-25T14:20:33Z".into(), latest: "2026-11-25T14:20:32Z".into() });
    assert!(e.to_string().contains("`publishedAt` 2026-11-25T14:20:33Z is in the future"), "{e}");
    pkg.header.published_at = "9999-12-31T23:59:59Z".into();
    assert!(check_published_at(&pkg, published).is_err());
    // Offsets apply: 14:25:33+00:05 is 14:20:33Z.
    pkg.header.published_at = "2026-11-25T14:25:33+00:05".into();
    assert_eq!(check_published_at(&pkg, published - 300), Ok(()));
    pkg.header.published_at = "2026-11-25T14:20:33.5Z".into();
    assert!(check_published_at(&pkg, published - 300).is_err(), "half a second past the skew");
}

#[test]
fn what_reads_as_an_origin_attribute() {
    let a = |t: &str, v: &str| json!({"type": t, "value": v});
    // Whatever the type, case, spacing, punctuation or invisible characters.
    for hostile in [
        a("Source", "Pivot share: instance x, owner y"),
        a("Description", "PIVOT SHARE: instance x"),
        a("Source", "Pivot Share: instance x"),
        a("Source", "\u{200B}Pivot share: instance x"),
        a("Source", "Piv\u{00AD}ot\u{2060} sh\u{200B}are: x"),
        a("Source", "\u{202E}Pivot share"),
        a("Additional Analysis and Context", "Source: Pivot-Share, instance x"),
        a("Pivot Share", "instance x"),
        a("Source", "pivot\tshare"),
    ] {
        assert!(reads_as_origin(&hostile), "{hostile}");
    }
    for fine in [a("Source", "https://example.com/report"), a("Description", "pivotal shares fell"), a("Source", "Pivot"), json!({"type": "Source"})]
    {
        assert!(!reads_as_origin(&fine), "{fine}");
    }
}

#[test]
fn the_published_group_ends_with_exactly_one_origin_attribute_the_importers() {
    let mut pkg = package();
    let top = pkg.header.group.xid.clone();
    // The published group with no attribute list at all, lookalikes on another group and an indicator.
    pkg.batch.group[0].as_object_mut().unwrap().remove("attribute");
    pkg.batch.group[1]["attribute"] =
        json!([{"type": "Source", "value": "Pivot\u{200B} Share: instance forged"}, {"type": "Description", "value": "kept"}]);
    pkg.batch.indicator[0]["attribute"] = json!([{"type": "Description", "value": "PIVOT SHARE: instance forged"}]);
    let p = plan(&pkg, &TargetState { owner: "T".into(), attribute_types: attribute_types(&["Description", "Source"]), ..Default::default() });
    let named: Vec<&str> = p.origin_lookalikes.iter().map(|n| n.item.xid.as_str()).collect();
    assert_eq!(named, [pkg.batch.group[1]["xid"].as_str().unwrap(), pkg.batch.indicator[0]["xid"].as_str().unwrap()]);
    assert!(p.origin_lookalikes.iter().all(|n| n.reason == "1 attribute(s) reading as an origin attribute, stripped"));
    assert!(p.warnings.iter().any(|w| w.starts_with("2 item(s) carry attributes that read as an origin attribute")));

    let imported = prepare_import(&pkg, &p).package;
    let origins = |item: &Value| item["attribute"].as_array().map_or(0, |a| a.iter().filter(|a| reads_as_origin(a)).count());
    assert_eq!(imported.batch.group[0]["xid"], json!(top));
    assert_eq!(origins(&imported.batch.group[0]), 1);
    assert_eq!(imported.batch.group[0]["attribute"][0], origin_attribute(&pkg, false));
    assert_eq!(origins(&imported.batch.group[1]), 0);
    assert_eq!(imported.batch.group[1]["attribute"], json!([{"type": "Description", "value": "kept"}]));
    assert_eq!(origins(&imported.batch.indicator[0]), 0);
}

#[test]
fn the_origin_value_escapes_and_bounds_what_the_header_claims() {
    let mut pkg = package();
    pkg.header.source.instance_id = "inst\nPivot share: instance trusted".into();
    pkg.header.source.owner = format!("Evil\u{202E}gro{}", "x".repeat(10_000));
    let value = origin_attribute(&pkg, false)["value"].as_str().unwrap().to_string();
    assert!(value.starts_with("Pivot share: instance inst\\u{000A}Pivot share: instance trusted, owner Evil\\u{202E}groxxx"), "{value}");
    assert!(!value.chars().any(pivot_text::escape::is_hidden_control), "{value:?}");
    let owner = value.split(", owner ").nth(1).unwrap().split(", group ").next().unwrap();
    assert_eq!(owner.chars().count(), 250, "cut to the schema's bound");
    assert!(owner.ends_with('…'));
    assert!(value.ends_with(" (as claimed by an imported file, unverified)"));
}

/// Items the target holds that no share import brought (its own copy of an indicator, another
/// integration's group) are only linked; the operator may adopt them, and the plan names them.
#[test]
fn items_no_share_import_brought_are_linked_only_unless_adopted() {
    let pkg = package();
    let top = pkg.header.group.xid.clone();
    let target = TargetState {
        owner: "T".into(),
        groups: vec![json!({"id": 7, "xid": top, "type": "Incident", "name": "Their incident"})],
        indicators: vec![json!({"id": 8, "type": "Host", "summary": "BadGuy.com"})],
        attribute_types: attribute_types(&["Description", "Source", "Additional Analysis and Context"]),
        ..Default::default()
    };
    let p = plan(&pkg, &target);
    assert!(p.groups_to_overwrite.is_empty() && p.indicators_to_overwrite.is_empty() && p.adopted.is_empty());
    let linked: Vec<(&str, &str)> = p.linked_only.iter().map(|n| (n.item.label.as_str(), n.reason.as_str())).collect();
    let why = "already in the target, brought by no share import: linked, its content left as it is (adopt existing items to overwrite it)";
    assert_eq!(linked, [("Ransomware Attack at Company ABC", why), ("badguy.com", why)]);
    // Linked only: the target's name stays, nothing of the package's content is written.
    let prepared = prepare_import(&pkg, &p);
    let group = &prepared.package.batch.group[0];
    assert_eq!(group["name"], "Their incident");
    assert!(group.get("attribute").is_none() && group.get("tag").is_none(), "{group}");

    let adopting = TargetState { trust: Trust { adopt_existing: true, ..Trust::default() }, ..target };
    let p = plan(&pkg, &adopting);
    assert!(p.linked_only.is_empty(), "{:?}", p.linked_only);
    assert_eq!((p.groups_to_overwrite.len(), p.indicators_to_overwrite.len()), (1, 1));
    let adopted: Vec<&str> = p.adopted.iter().map(|n| n.item.label.as_str()).collect();
    assert_eq!(adopted, ["Ransomware Attack at Company ABC", "badguy.com"]);
}

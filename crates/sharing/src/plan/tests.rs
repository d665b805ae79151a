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
        previous_associations: previous,
        ..Default::default()
    };
    let p = plan(&pkg, &target);
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

//! Sharing core: batch splitting, import plan (dry-run), origin attribute, verification.

mod share_support;

use pivot::share::{
    associations, batch_settings, plan, prepare_import, snapshot, split_batches, split_batches_with, verify, Association,
    BatchLimits, Difference, ShareError, SharePackage, TargetState, MAX_BATCH_BYTES, MAX_BATCH_INDICATORS,
    ORIGIN_ATTRIBUTE_TYPE,
};
use serde_json::{json, Value};
use share_support::*;
use std::collections::{BTreeMap, BTreeSet};

/// A group with `n` associated Address indicators, each with a Description attribute and a tag.
fn big_package(n: usize, with_attribute: bool) -> SharePackage {
    let inds: Vec<Value> = (0..n)
        .map(|i| {
            let mut v = json!({
                "id": 100_000 + i, "type": "Address",
                "summary": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                "rating": 2.0, "confidence": 50, "lastModified": "2026-01-01T00:00:00Z",
            });
            if with_attribute {
                v["attributes"] = json!({"data": [attr(i as u64, "Description",
                    &format!("Scanner node {i} observed brute-forcing SSH on the perimeter; part of the botnet tracked in this incident."), true, &[])]});
                v["tags"] = tags(&["Botnet"]);
            }
            v
        })
        .collect();
    snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap()
}

fn parse(job: &pivot::share::BatchJob) -> Value {
    serde_json::from_slice(&job.payload).expect("job payload is JSON")
}

/// Every job under the limits, every indicator exactly once, every groupXid
/// resolvable inside its own job, every group in some job.
fn check_jobs(pkg: &SharePackage, jobs: &[pivot::share::BatchJob], limits: BatchLimits) {
    let mut seen = BTreeSet::new();
    let mut groups_seen = BTreeSet::new();
    let mut links = BTreeSet::new();
    for (k, job) in jobs.iter().enumerate() {
        assert_eq!(job.index, k);
        assert!(job.payload.len() <= limits.max_bytes, "job {k}: {} bytes", job.payload.len());
        assert!(job.indicator_count <= limits.max_indicators);
        let v = parse(job);
        let groups: BTreeSet<&str> = v["group"].as_array().unwrap().iter().map(|g| g["xid"].as_str().unwrap()).collect();
        assert_eq!(groups.len(), job.group_count, "no group twice in one job");
        groups_seen.extend(groups.iter().map(|s| s.to_string()));
        for g in v["group"].as_array().unwrap() {
            for o in g.get("associatedGroupXid").and_then(Value::as_array).into_iter().flatten() {
                assert!(groups.contains(o.as_str().unwrap()), "job {k}: associatedGroupXid points outside the job");
                links.insert(Association::group_group(g["xid"].as_str().unwrap(), o.as_str().unwrap()));
            }
        }
        let inds = v["indicator"].as_array().unwrap();
        assert_eq!(inds.len(), job.indicator_count);
        for i in inds {
            assert!(seen.insert(i["xid"].as_str().unwrap().to_string()), "indicator twice");
            for g in i["associatedGroups"].as_array().unwrap() {
                assert!(groups.contains(g["groupXid"].as_str().unwrap()), "job {k}: unresolvable groupXid");
            }
        }
    }
    assert_eq!(seen.len(), pkg.batch.indicator.len());
    assert_eq!(groups_seen.len(), pkg.batch.group.len());
    let want: BTreeSet<Association> =
        associations(pkg).into_iter().filter(|a| matches!(a.other, pivot::share::Endpoint::Group { .. })).collect();
    assert_eq!(links, want, "every group-group link made, in some job");
}

#[test]
fn ten_thousand_indicators_split_by_bytes_into_a_handful_of_jobs() {
    let pkg = big_package(10_000, true);
    assert_eq!(pkg.batch.indicator.len(), 10_000);
    let total = pkg.batch.indicator.iter().map(|i| serde_json::to_vec(i).unwrap().len()).sum::<usize>();
    assert!(total > MAX_BATCH_BYTES, "the test needs a body over one upload ({total} bytes)");
    let jobs = split_batches(&pkg).unwrap();
    assert!(jobs.len() >= 2 && jobs.len() <= 5, "{} jobs", jobs.len());
    check_jobs(&pkg, &jobs, BatchLimits::default());
    // Jobs are full up to the byte limit except the last.
    for j in &jobs[..jobs.len() - 1] {
        assert!(j.payload.len() > MAX_BATCH_BYTES - 2_000, "{}", j.payload.len());
    }
    // Job 0 holds every group with its group-group links; later jobs repeat only
    // the published group (what their indicators reference), without the links.
    let first = parse(&jobs[0]);
    assert_eq!(first["group"].as_array().unwrap().len(), 3);
    assert!(first["group"][0].get("associatedGroupXid").is_some());
    let second = parse(&jobs[1]);
    assert_eq!(second["group"].as_array().unwrap().len(), 1);
    let repeated = &second["group"][0];
    assert_eq!(repeated["xid"], json!(pkg.header.group.xid));
    assert!(repeated.get("associatedGroupXid").is_none());
    let mut original = pkg.batch.group[0].clone();
    original.as_object_mut().unwrap().remove("associatedGroupXid");
    assert_eq!(*repeated, original, "a repeated group carries the same attributes, tags and labels");
    // Deterministic.
    assert_eq!(split_batches(&pkg).unwrap(), jobs);
}

#[test]
fn the_indicator_limit_splits_jobs_too() {
    // ThreatConnect's 25,000-indicator limit, with the byte limit lifted so that it is the one that bites.
    let pkg = big_package(60_000, false);
    let limits = BatchLimits { max_bytes: 100_000_000, max_indicators: MAX_BATCH_INDICATORS };
    let jobs = split_batches_with(&pkg, limits).unwrap();
    assert_eq!(jobs.iter().map(|j| j.indicator_count).collect::<Vec<_>>(), vec![25_000, 25_000, 10_000]);
    check_jobs(&pkg, &jobs, limits);
    // And at the real limits the bytes bite first but both hold.
    let jobs = split_batches(&pkg).unwrap();
    assert!(jobs.iter().all(|j| j.indicator_count <= MAX_BATCH_INDICATORS));
    check_jobs(&pkg, &jobs, BatchLimits::default());
}

#[test]
fn small_packages_are_one_job_and_oversized_items_are_refused() {
    let pkg = package();
    let jobs = split_batches(&pkg).unwrap();
    assert_eq!(jobs.len(), 1);
    let v = parse(&jobs[0]);
    assert_eq!(v["group"], json!(pkg.batch.group));
    assert_eq!(v["indicator"], json!(pkg.batch.indicator));
    assert_eq!(v["association"], json!([]));

    let mut inds = associated_indicators();
    inds[0]["attributes"]["data"][0]["value"] = json!("x".repeat(MAX_BATCH_BYTES));
    let big = snapshot(&group(), &[], &inds, &opts()).unwrap();
    match split_batches(&big) {
        Err(ShareError::ItemTooLarge { what, size, limit }) => {
            assert!(what.contains("badguy.com"));
            assert!(size > limit);
            assert_eq!(limit, MAX_BATCH_BYTES);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tight_limits_keep_every_reference_resolvable() {
    // Small limits force group-only overflow jobs and groups repeated for indicators
    // (badguy.com references both the published group and the Adversary). The Email
    // group is made big so the groups overflow a job an indicator still fits in.
    let mut groups = associated_groups();
    groups[1]["body"] = json!("Please visit bad.com. ".repeat(100));
    let pkg = snapshot(&group(), &groups, &associated_indicators(), &opts()).unwrap();
    let (mut ok, mut spilled) = (0, 0);
    for max_bytes in (1_000..8_000).step_by(25) {
        for max_indicators in 1..4 {
            let limits = BatchLimits { max_bytes, max_indicators };
            match split_batches_with(&pkg, limits) {
                Ok(jobs) => {
                    ok += 1;
                    if parse(&jobs[0])["group"].as_array().unwrap().len() < pkg.batch.group.len() {
                        spilled += 1;
                    }
                    check_jobs(&pkg, &jobs, limits);
                    assert_eq!(split_batches_with(&pkg, limits).unwrap(), jobs);
                }
                Err(ShareError::ItemTooLarge { size, limit, .. }) => assert!(size > limit),
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert!(ok > 20, "{ok}");
    assert!(spilled > 0, "the groups never overflowed one job: the limits are not tight enough");
}

#[test]
fn batch_settings_replace_metadata() {
    let s = batch_settings("Target Org");
    assert_eq!(s["owner"], "Target Org");
    assert_eq!(s["version"], "V2");
    assert_eq!(s["action"], "Create");
    for k in ["attributeWriteType", "tagWriteType", "securityLabelWriteType"] {
        assert_eq!(s[k], "Replace", "{k}");
    }
}

/// A package whose Address carries an attribute of a custom type.
fn package_with_custom_attribute() -> SharePackage {
    let mut inds = associated_indicators();
    for i in [0, 1] {
        inds[i]["attributes"]["data"].as_array_mut().unwrap().push(attr(500 + i as u64, "Pivot Custom Score", "87", false, &[]));
    }
    snapshot(&group(), &associated_groups(), &inds, &opts()).unwrap()
}

fn attribute_types(names: &[&str]) -> Option<Vec<Value>> {
    Some(names.iter().enumerate().map(|(i, n)| json!({"id": i, "name": n, "maxSize": 500})).collect())
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

fn imported() -> SharePackage {
    let pkg = package();
    let p = plan(&pkg, &TargetState { owner: "Target Org".into(), attribute_types: attribute_types(&["Description", "Source", "Additional Analysis and Context"]), ..Default::default() });
    prepare_import(&pkg, &p).package
}

#[test]
fn verify_a_complete_import() {
    let pkg = imported();
    let r = verify(&pkg, &perfect_read_back(&pkg));
    assert_eq!(r.differences, vec![]);
    assert!(r.is_complete());
    assert_eq!((r.expected_groups, r.found_groups), (3, 3));
    assert_eq!((r.expected_indicators, r.found_indicators), (6, 6));
    assert_eq!((r.expected_associations, r.found_associations), (10, 10));
}

#[test]
fn verify_finds_every_kind_of_difference() {
    let pkg = imported();
    let mut rb = perfect_read_back(&pkg);
    let top = pkg.header.group.xid.clone();
    // Indicator missing: drop the URL (and the group's link to it).
    rb.indicators.retain(|i| i["type"] != "URL");
    for g in rb.groups.iter_mut() {
        g["associatedIndicators"]["data"].as_array_mut().unwrap().retain(|i| i["type"] != "URL");
    }
    // Group: one tag lost, one extra tag, a label lost, an extra attribute, the origin attribute lost.
    {
        let g = &mut rb.groups[0];
        g["tags"]["data"].as_array_mut().unwrap().retain(|t| t["name"] != "Company ABC");
        g["tags"]["data"].as_array_mut().unwrap().push(json!({"name": "Local Tag"}));
        g["securityLabels"]["data"] = json!([]);
        let attrs = g["attributes"]["data"].as_array_mut().unwrap();
        attrs.retain(|a| !a["value"].as_str().unwrap().starts_with("Pivot share:"));
        attrs.push(json!({"type": "Description", "value": "written in the target"}));
    }
    // Association Host badguy.com - Adversary lost (on both sides), an extra one Email - Host.
    let adversary = pkg.batch.group.iter().find(|g| g["type"] == "Adversary").unwrap()["xid"].as_str().unwrap().to_string();
    let email_id = rb.groups.iter().find(|g| g["type"] == "Email").unwrap()["id"].clone();
    let adversary_id = rb.groups.iter().find(|g| g["xid"] == adversary.as_str()).unwrap()["id"].clone();
    for i in rb.indicators.iter_mut() {
        if i["summary"] == "badguy.com" {
            i["associatedGroups"]["data"].as_array_mut().unwrap().retain(|g| g["id"] != adversary_id);
            i["associatedGroups"]["data"].as_array_mut().unwrap().push(json!({"id": email_id}));
        }
    }
    for g in rb.groups.iter_mut() {
        if g["xid"] == adversary.as_str() {
            g["associatedIndicators"]["data"] = json!([]);
        }
    }
    let r = verify(&pkg, &rb);
    assert!(!r.is_complete());
    assert_eq!(r.found_indicators, 5);
    assert_eq!(r.found_groups, 3);
    let d: BTreeMap<String, usize> = r.differences.iter().fold(BTreeMap::new(), |mut m, d| {
        let k = serde_json::to_value(d).unwrap()["kind"].as_str().unwrap().to_string();
        *m.entry(k).or_insert(0) += 1;
        m
    });
    let want: BTreeMap<String, usize> = [
        ("missingIndicator", 1),
        ("missingTag", 1),
        ("extraTag", 1),
        ("missingLabel", 1),
        ("missingAttribute", 1),
        ("extraAttribute", 1),
        // URL - top group, and badguy.com - Adversary.
        ("missingAssociation", 2),
        ("extraAssociation", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(d, want, "{:#?}", r.differences);
    assert!(r.differences.contains(&Difference::MissingTag { item: "Incident Ransomware Attack at Company ABC".into(), tag: "Company ABC".into() }));
    assert!(r.differences.contains(&Difference::ExtraTag { item: "Incident Ransomware Attack at Company ABC".into(), tag: "Local Tag".into() }));
    assert!(r.differences.iter().any(|d| matches!(d, Difference::MissingAttribute { value, .. } if value.starts_with("Pivot share:"))));
    assert!(r.differences.iter().any(|d| matches!(d, Difference::MissingIndicator { indicator_type, .. } if indicator_type == "URL")));
    assert!(r.differences.iter().any(|d| matches!(d, Difference::ExtraAssociation { association } if association.contains("badguy.com"))));
    assert_eq!(r.found_associations, r.expected_associations - 2);

    // An association the plan removed, still in the target.
    let mut rb = perfect_read_back(&pkg);
    rb.groups[0]["associatedIndicators"]["data"].as_array_mut().unwrap().push(json!({"type": "Host", "summary": "old.example"}));
    let r = verify(&pkg, &rb);
    assert!(r.is_complete(), "an item outside the package is not this package's business: {:?}", r.differences);
    rb.dissociated = vec![Association::group_indicator(&top, "Host", "OLD.example")];
    let r = verify(&pkg, &rb);
    assert_eq!(r.differences.len(), 1);
    assert!(matches!(&r.differences[0], Difference::StillAssociated { association } if association.contains("old.example")));

    // A group missing entirely.
    let mut rb = perfect_read_back(&pkg);
    rb.groups.retain(|g| g["type"] != "Email");
    let r = verify(&pkg, &rb);
    assert!(r.differences.contains(&Difference::MissingGroup {
        xid: pkg.batch.group.iter().find(|g| g["type"] == "Email").unwrap()["xid"].as_str().unwrap().into(),
        name: "Your order".into()
    }));
}


#[test]
fn differences_read_as_words_for_the_report() {
    use pivot::share::Difference;
    let cases = [
        (Difference::MissingIndicator { indicator_type: "Host".into(), summary: "a.test".into() }, "Host a.test is missing"),
        (Difference::ExtraTag { item: "Host a.test".into(), tag: "APT".into() }, "Host a.test has the extra tag APT"),
        (Difference::StillAssociated { association: "x - y".into() }, "still associated, should have been removed: x - y"),
    ];
    for (d, want) in cases {
        assert_eq!(d.to_string(), want);
    }
}

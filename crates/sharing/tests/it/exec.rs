//! The I/O side of sharing (`sharing::exec`) against two sandboxes: a source (demo seed) and a
//! target (empty seed), each with its own credentials and database: publish, import, re-import,
//! pull, skip, the lease, unpublish; missing attribute types and labels; refused packages;
//! imports interrupted at each stage of a batch job; a 10,001-indicator group; forged packages.

use crate::util::{client, group_by_xid, iopts, opts, pair, C, INSTANCE, OWNER};
use pivot_testing::run;
use serde_json::{json, Value};
use sharing::exec::{self, ExecError, ImportOptions, Outcome, PullOptions, Step};
use sharing::{derive_xid, validate, BatchBody, BatchLimits, ItemKind, PublishOptions, ShareError, SharePackage, MAX_PACKAGE_BYTES};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use threatconnect::datastore::Domain;
use threatconnect::item::nested;
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::{
    batch, tags, tql, BatchStatus, Client, Collection, Credentials, GroupKey, GroupType, HttpRequest, HttpResponse, Method, Mode, Transport,
    TransportError,
};

/// All items of a v3 search in the target owner (with fields), every page.
fn search(c: &C, coll: Collection, tql: &str, fields: &[&str]) -> Vec<Value> {
    run(c.v3_search_as_sent(coll, tql, fields, Some(OWNER))).unwrap_or_else(|e| panic!("{tql}: {e}"))
}

/// Target state: group xids -> count, and (type, summary) -> count, for the package's items.
fn target_counts(c: &C, pkg: &SharePackage) -> (BTreeMap<String, usize>, BTreeMap<(String, String), usize>) {
    let mut groups = BTreeMap::new();
    for g in &pkg.batch.group {
        let x = g["xid"].as_str().unwrap();
        groups.insert(x.to_string(), usize::from(group_by_xid(c, OWNER, x, &[]).is_some()));
    }
    let top = group_by_xid(c, OWNER, &pkg.header.group.xid, &[]);
    let mut inds = BTreeMap::new();
    if let Some(t) = top {
        for i in search(c, Collection::Indicators, &format!("hasGroup(id={})", t["id"]), &[]) {
            *inds.entry((i["type"].as_str().unwrap().to_string(), i["summary"].as_str().unwrap().to_lowercase())).or_insert(0) += 1;
        }
    }
    (groups, inds)
}

/// Every package group exactly once, every package indicator exactly once under the published group.
fn assert_no_duplicates_nothing_missing(c: &C, pkg: &SharePackage, except: &[&str]) {
    let (groups, inds) = target_counts(c, pkg);
    for (x, n) in &groups {
        assert_eq!(*n, 1, "group {x} found {n} times");
    }
    for ((t, s), n) in &inds {
        assert_eq!(*n, 1, "{t} {s} found {n} times");
    }
    let want = pkg.batch.indicator.iter().filter(|i| !except.contains(&i["summary"].as_str().unwrap())).count();
    assert_eq!(inds.len(), want, "indicators under the published group");
}

/// A pull of everything published in the source, as run `run_id`.
fn pull_opts(run_id: &str) -> PullOptions {
    PullOptions { now: system_clock(), run_id: run_id.into(), source_instance_id: "source-sandbox".into(), import: iopts(), ..Default::default() }
}

#[test]
fn publish_import_reimport_republish_pull_and_skip() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));

    // Publish: the package is stored in the source's datastore and returned.
    let (pkg, withheld) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    assert_eq!(pkg.header.source.owner, OWNER);
    assert_eq!((pkg.batch.group.len(), pkg.batch.indicator.len()), (3, 37));
    assert_eq!(withheld.groups + withheld.indicators, 0, "{withheld:?}");
    let listed = run(exec::list_published(&s)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].group_id, listed[0].content_hash.as_str()), (9, pkg.header.content_hash.as_str()));
    let stored = run(exec::published_package(&s, 9)).unwrap().expect("the package record");
    assert_eq!(validate(stored.as_bytes()).unwrap(), pkg, "the stored package is the returned one");
    assert_eq!(listed[0].size, stored.len());
    // The wrong type, or another owner's name, is refused.
    assert!(matches!(run(exec::publish(&s, GroupType::Campaign, 9, &opts())), Err(ExecError::Invalid(_))));
    let other = PublishOptions { owner: "Other Org".into(), ..opts() };
    assert!(matches!(run(exec::publish(&s, GroupType::Incident, 9, &other)), Err(ExecError::Invalid(_))));
    let spelled = PublishOptions { owner: "demo org".into(), ..opts() };
    let again = run(exec::snapshot_group(&s, GroupType::Incident, 9, &spelled)).unwrap().0;
    assert_eq!(
        (again.header.source.owner.as_str(), again.header.content_hash.as_str()),
        (OWNER, pkg.header.content_hash.as_str()),
        "ThreatConnect's spelling of the owner"
    );

    // Import by file (bytes), with progress.
    let steps: RefCell<Vec<(Step, usize, usize)>> = RefCell::new(vec![]);
    let progress = |st: Step, d: usize, n: usize| steps.borrow_mut().push((st, d, n));
    let r = run(exec::import(&t, &pkg.to_bytes(), OWNER, &progress, &iopts())).unwrap();
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert_eq!((r.plan.groups_to_create.len(), r.plan.indicators_to_create.len()), (3, 37));
    assert_eq!(r.jobs.len(), 1);
    assert!(r.recorded);
    let seen: Vec<Step> = steps.borrow().iter().map(|s| s.0).fold(vec![], |mut v, s| {
        if v.last() != Some(&s) {
            v.push(s);
        }
        v
    });
    assert_eq!(seen, vec![Step::Validate, Step::ReadTarget, Step::Plan, Step::Batch, Step::ReadBack, Step::Verify, Step::Record]);
    assert!(steps.borrow().contains(&(Step::Batch, 1, 1)));
    assert_no_duplicates_nothing_missing(&t, &pkg, &[]);
    // The imported group records where it came from.
    let top: Vec<Value> = group_by_xid(&t, OWNER, &pkg.header.group.xid, &["attributes"]).into_iter().collect();
    let origin: Vec<&Value> =
        top[0]["attributes"]["data"].as_array().unwrap().iter().filter(|a| a["value"].as_str().unwrap().starts_with("Pivot share: ")).collect();
    assert_eq!(origin.len(), 1);
    assert!(origin[0]["value"].as_str().unwrap().contains("group Incident 9"));

    // Again: everything is an overwrite, nothing doubled.
    let r2 = run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r2.is_complete());
    assert_eq!((r2.plan.groups_to_create.len(), r2.plan.indicators_to_create.len()), (0, 0));
    assert_eq!((r2.plan.groups_to_overwrite.len(), r2.plan.indicators_to_overwrite.len()), (3, 37));
    assert_no_duplicates_nothing_missing(&t, &pkg, &[]);

    // A file's record is no reason to skip: the first pull imports the package again, as
    // verified (a file is only what it claims)...
    let popts = pull_opts("test-a");
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_seen, sum.packages_skipped, sum.packages_imported, sum.packages_failed), (1, 0, 1, 0), "{sum:#?}");
    // ...then the pulled hash is recorded: a pull skips the unchanged package, reading only the
    // heads from the source (the package itself is never downloaded).
    src.clear_requests();
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_seen, sum.packages_skipped, sum.packages_imported, sum.packages_failed), (1, 1, 0, 0), "{sum:#?}");
    let source_reads: Vec<String> = src.requests().iter().map(|r| r["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(source_reads, ["/api/v2/exchange/db/organization/pivot-share-heads/_search"], "an unchanged package is not downloaded");

    // A change in the source (a new tag on one indicator, one indicator no longer
    // associated) does not travel until the group is published again.
    let inds = run(s.v3_search_as_sent(Collection::Indicators, "hasGroup(id=9)", &["associatedGroups"], None)).unwrap();
    // One that is only associated with group 9, so it leaves the package entirely.
    let only9 = |i: &&Value| i["associatedGroups"]["data"].as_array().is_some_and(|a| a.len() == 1);
    let mut it = inds.iter().filter(only9);
    let (tagged, dropped) = (it.next().unwrap(), it.next().unwrap());
    run(s.json(tags::v3::apply(Collection::Indicators, tagged["id"].as_i64().unwrap(), &["Shared Later"], Mode::Append))).unwrap();
    run(s.v3_update_group_as_sent(9, &nested("associatedIndicators", vec![json!({"id": dropped["id"]})], Mode::Delete), None)).unwrap();
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_skipped, 1, "not republished yet: nothing changes");

    let (pkg2, _) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    assert_ne!(pkg2.header.content_hash, pkg.header.content_hash);
    assert_eq!(pkg2.batch.indicator.len(), 36);
    let log: RefCell<Vec<String>> = RefCell::new(vec![]);
    src.clear_requests();
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|l, m| log.borrow_mut().push(format!("{} {m}", l.as_str())))).unwrap();
    assert_eq!((sum.packages_seen, sum.packages_imported, sum.packages_failed), (1, 1, 0), "{sum:#?}");
    let fetched = src.requests().iter().filter(|r| r["path"] == "/api/v2/exchange/db/organization/pivot-share/9").count();
    assert_eq!(fetched, 1, "a changed package is downloaded once");
    assert_eq!(sum.items_updated, 3 + 36);
    let report = sum.packages[0].report.as_ref().unwrap();
    assert_eq!(report.plan.associations_to_remove.len(), 1, "{:?}", report.plan.associations_to_remove);
    assert_eq!(report.dissociated, 1);
    assert!(report.is_complete(), "{:#?}", report.verification);
    assert!(log.borrow().iter().any(|l| l.contains("imported and verified")), "{:?}", log.borrow());
    // The change arrived: the tag is there, the dropped indicator is no longer
    // associated with the group but still exists in the target.
    let tsum = tagged["summary"].as_str().unwrap();
    let found = search(&t, Collection::Indicators, &format!("summary = {}", tql::quote(tsum)), &["tags"]);
    assert!(found[0]["tags"]["data"].as_array().unwrap().iter().any(|t| t["name"] == "Shared Later"), "{found:?}");
    let dsum = dropped["summary"].as_str().unwrap();
    let still = search(&t, Collection::Indicators, &format!("summary = {}", tql::quote(dsum)), &["associatedGroups"]);
    assert_eq!(still.len(), 1, "the item stays");
    let top_id = group_by_xid(&t, OWNER, &pkg.header.group.xid, &[]).unwrap()["id"].clone();
    assert!(!still[0]["associatedGroups"]["data"].as_array().unwrap().iter().any(|g| g["id"] == top_id), "association removed");
    assert_no_duplicates_nothing_missing(&t, &pkg2, &[]);

    // Unchanged since: skipped.
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_skipped, sum.packages_imported), (1, 0));

    // The lease: another run's live lease refuses this one; a lapsed one is taken over; a
    // lease is per target owner; a finished run releases it.
    let other = run(exec::lease::acquire(&t, OWNER, "other-run", 2, 0, &|| 0)).unwrap();
    assert_eq!(other.record_id, exec::lease_record_id(OWNER));
    match run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})) {
        Err(ExecError::Locked { holder, .. }) => assert_eq!(holder, "other-run"),
        other => panic!("{other:?}"),
    }
    // One owner in another spelling is the same lease (ThreatConnect matches owners case-insensitively).
    match run(exec::lease::acquire(&t, " demo ORG", "case-run", 60, 0, &|| 0)) {
        Err(ExecError::Locked { holder, .. }) => assert_eq!(holder, "other-run"),
        other => panic!("{other:?}"),
    }
    let elsewhere = run(exec::lease::acquire(&t, "Common Community", "third-run", 60, 0, &|| 0)).expect("a lease is per target owner");
    run(exec::lease::release(&t, &elsewhere)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100)); // other-run's lease lapses
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_skipped, 1);
    let again = run(exec::lease::acquire(&t, OWNER, "fourth-run", 60, 0, &|| 0)).expect("released after the run");
    run(exec::lease::release(&t, &again)).unwrap();

    // Unpublish removes the record (the target keeps what it has).
    assert!(run(exec::unpublish(&s, 9)).unwrap());
    assert!(!run(exec::unpublish(&s, 9)).unwrap());
    assert!(run(exec::list_published(&s)).unwrap().is_empty());
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_seen, 0);
    assert_no_duplicates_nothing_missing(&t, &pkg2, &[]);
}

/// Writes a published record by hand (as someone with access to the source's datastore
/// could): the package record, and its head without the file.
fn put_published(s: &C, id: &str, rec: &Value) {
    run(s.datastore_put(Domain::Organization, exec::PUBLISHED_TYPE, id, rec)).unwrap();
    let mut head = rec.clone();
    head.as_object_mut().unwrap().remove("package");
    run(s.datastore_put(Domain::Organization, exec::HEADS_TYPE, id, &head)).unwrap();
}

/// The package with `f` applied to its body and the hash recomputed (a publisher
/// with different data: e.g. a custom attribute type the sandbox cannot create).
fn altered(pkg: &SharePackage, f: impl FnOnce(&mut SharePackage)) -> SharePackage {
    let mut p = pkg.clone();
    f(&mut p);
    p.header.content_hash = p.compute_hash();
    validate(&p.to_bytes()).expect("still a valid package")
}

#[test]
fn missing_custom_attribute_type_is_planned_and_its_attributes_dropped() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    let custom = altered(&pkg, |p| {
        p.batch.indicator[0]["attribute"].as_array_mut().unwrap().push(json!({"type": "Pivot Custom Score", "value": "87"}));
    });
    let summary = custom.batch.indicator[0]["summary"].as_str().unwrap().to_string();

    tgt.clear_requests();
    let dry = ImportOptions { dry_run: true, ..iopts() };
    let r = run(exec::import(&t, &custom.to_bytes(), OWNER, &|_, _, _| {}, &dry)).unwrap();
    assert!(r.dry_run && r.jobs.is_empty() && !r.recorded);
    assert_eq!(r.plan.missing_attribute_types.len(), 1);
    assert_eq!((r.plan.missing_attribute_types[0].name.as_str(), r.plan.missing_attribute_types[0].attributes), ("Pivot Custom Score", 1));
    assert!(r.plan.warnings.iter().any(|w| w.contains("Pivot Custom Score") && w.contains("dropped")), "{:?}", r.plan.warnings);
    assert_eq!(tgt.writes(), Vec::<String>::new(), "a dry run writes nothing");
    assert!(run(exec::import_record(&t, OWNER, &custom.header.source.instance_id, &custom.header.group.xid)).unwrap().is_none());

    let r = run(exec::import(&t, &custom.to_bytes(), OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r.is_complete(), "the import is complete without the dropped attribute: {:#?}", r.verification);
    let found = search(&t, Collection::Indicators, &format!("summary = {}", tql::quote(&summary)), &["attributes"]);
    let types: Vec<&str> = found[0]["attributes"]["data"].as_array().unwrap().iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert!(!types.contains(&"Pivot Custom Score"), "{types:?}");
    assert_no_duplicates_nothing_missing(&t, &custom, &[]);
}

/// A file that drops the published group's attributes and plants origin look-alikes on other
/// items: the target's published group ends with exactly one origin attribute, the importer's,
/// and no other item keeps a look-alike.
#[test]
fn provenance_is_the_importers_whatever_the_package_carries() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    let forged = altered(&pkg, |p| {
        p.batch.group[0].as_object_mut().unwrap().remove("attribute");
        p.batch.indicator[0]["attribute"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "Source", "value": "\u{200B}pivot SHARE: instance trusted-partner"}));
        p.batch.indicator[1]["attribute"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "Description", "value": "Pivot-Share: instance trusted-partner"}));
    });
    let (top, summary) = (forged.header.group.xid.clone(), forged.batch.indicator[0]["summary"].as_str().unwrap().to_string());
    let r = run(exec::import(&t, &forged.to_bytes(), OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert_eq!(r.plan.origin_lookalikes.len(), 2, "{:?}", r.plan.origin_lookalikes);

    let attrs = |v: &Value| -> Vec<(String, String)> {
        v["attributes"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| (a["type"].as_str().unwrap().into(), a["value"].as_str().unwrap().into()))
            .collect()
    };
    let group = attrs(&group_by_xid(&t, OWNER, &top, &["attributes"]).unwrap());
    assert_eq!(group.len(), 1, "{group:?}");
    assert_eq!(group[0].0, "Source");
    assert!(group[0].1.starts_with(&format!("Pivot share: instance {INSTANCE}, owner ")), "{group:?}");
    assert!(group[0].1.ends_with(" (as claimed by an imported file, unverified)"), "{group:?}");
    let ind = search(&t, Collection::Indicators, &format!("summary = {}", tql::quote(&summary)), &["attributes"]);
    assert!(attrs(&ind[0]).iter().all(|(_, v)| !v.to_lowercase().contains("share")), "{:?}", attrs(&ind[0]));
}

#[test]
fn security_labels_missing_in_the_target_are_created_then_applied() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    // A label the source has and the target does not (a source-specific marking).
    let marked = altered(&pkg, |p| {
        p.batch.indicator[0]["securityLabel"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "ACME:PARTNERS", "color": "0000ff", "description": "Partners only"}));
    });
    let summary = marked.batch.indicator[0]["summary"].as_str().unwrap().to_string();

    let dry = ImportOptions { dry_run: true, ..iopts() };
    let r = run(exec::import(&t, &marked.to_bytes(), OWNER, &|_, _, _| {}, &dry)).unwrap();
    assert_eq!(r.plan.labels_to_create, vec!["ACME:PARTNERS".to_string()]);
    assert!(r.labels_created.is_empty(), "a dry run creates nothing");

    let r = run(exec::import(&t, &marked.to_bytes(), OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert_eq!(r.labels_created, vec!["ACME:PARTNERS".to_string()]);
    assert!(r.is_complete(), "{:#?}", r.verification);
    let found = search(&t, Collection::Indicators, &format!("summary = {}", tql::quote(&summary)), &["securityLabels"]);
    let labels: Vec<&str> = found[0]["securityLabels"]["data"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert!(labels.contains(&"ACME:PARTNERS"), "{labels:?}");

    // Importing again plans no label: it exists now.
    let r = run(exec::import(&t, &marked.to_bytes(), OWNER, &|_, _, _| {}, &dry)).unwrap();
    assert!(r.plan.labels_to_create.is_empty(), "{:?}", r.plan.labels_to_create);
}

#[test]
fn bad_packages_are_refused_before_anything_is_written() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    let good = String::from_utf8(pkg.to_bytes()).unwrap();
    let mut wrong_version: Value = serde_json::from_str(&good).unwrap();
    wrong_version["version"] = json!(3);
    let mut wrong_format: Value = serde_json::from_str(&good).unwrap();
    wrong_format["format"] = json!("stix");
    let tampered = good.replacen("\"Ransomware\"", "\"Ransomwar3\"", 1);
    assert_ne!(tampered, good);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("wrong version", wrong_version.to_string().into_bytes()),
        ("wrong format", wrong_format.to_string().into_bytes()),
        ("bad hash", tampered.into_bytes()),
        ("malformed JSON", good.as_bytes()[..good.len() / 2].to_vec()),
        ("over-size", vec![b' '; MAX_PACKAGE_BYTES + 1]),
    ];
    tgt.clear_requests();
    for (what, bytes) in cases {
        let e = run(exec::import(&t, &bytes, OWNER, &|_, _, _| {}, &iopts())).unwrap_err();
        let ExecError::Package(pe) = &e else { panic!("{what}: {e:?}") };
        match (what, pe) {
            ("wrong version", ShareError::UnsupportedVersion { .. })
            | ("wrong format", ShareError::WrongFormat { .. })
            | ("bad hash", ShareError::BadHash { .. })
            | ("malformed JSON", ShareError::MalformedJson { .. })
            | ("over-size", ShareError::TooLarge { .. }) => {}
            _ => panic!("{what}: {pe:?}"),
        }
        assert!(e.to_string().starts_with("package refused"), "{what}: {e}");
    }
    assert_eq!(tgt.requests().len(), 0, "nothing at all was sent to the target");
}

/// Imports the package with an interruption (a sandbox fault), then again without:
/// the target converges, nothing doubled, nothing missing; the interrupted run recorded its
/// intent (what it may link), never a complete import.
/// `job_after`: the status the interrupted run left the faulted batch job in (checked
/// once the sandbox had time to finish it), to show where the interruption hit.
fn interrupted(name: &str, rule: Value, limits: BatchLimits, pkg_of: impl Fn(&SharePackage) -> SharePackage, bad: &[&str], job_after: (i64, &str)) {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (base, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    let pkg = pkg_of(&base);
    let o = ImportOptions { limits, ..iopts() };
    tgt.faults(json!({"rules": [rule]}));
    let e = run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &o));
    assert!(e.is_err(), "{name}: the fault interrupts the import: {e:?}");
    tgt.faults(json!({"rules": []}));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let st = run(t.v2_one(batch::v2::status(job_after.0), "batchStatus", BatchStatus::read)).unwrap();
    assert_eq!(st.status, job_after.1, "{name}: batch job {} after the interruption", job_after.0);
    let intent = run(exec::import_record(&t, OWNER, &pkg.header.source.instance_id, &pkg.header.group.xid)).unwrap().expect("the intent is recorded");
    assert!(!intent.complete, "{name}: not recorded as complete");
    assert_eq!(intent.associations, sharing::associations(&pkg), "{name}: the intent names every link the run may leave");

    let r = run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &o)).unwrap();
    assert!(r.recorded);
    if bad.is_empty() {
        assert!(r.is_complete(), "{name}: {:#?}", r.verification);
        assert!(r.jobs.len() > 1 || limits == BatchLimits::default(), "{name}: {} jobs", r.jobs.len());
    } else {
        // The deliberately invalid item fails in the batch; its error is fetched and reported.
        assert_eq!(r.items_failed(), bad.len(), "{name}");
        assert!(r.jobs.iter().flat_map(|j| &j.errors).any(|e| e.contains(bad[0])), "{name}: {:?}", r.jobs);
        let v = r.verification.as_ref().unwrap();
        assert!(v.differences.iter().all(|d| serde_json::to_string(d).unwrap().contains(bad[0])), "{name}: {:#?}", v.differences);
    }
    assert_no_duplicates_nothing_missing(&t, &pkg, bad);
    let rec = run(exec::import_record(&t, OWNER, &pkg.header.source.instance_id, &pkg.header.group.xid)).unwrap().unwrap();
    assert_eq!((rec.complete, rec.content_hash.as_str()), (bad.is_empty(), pkg.header.content_hash.as_str()));
}

fn small_jobs() -> BatchLimits {
    BatchLimits { max_bytes: 6_000, max_indicators: 10 }
}

#[test]
fn interrupted_after_the_batch_job_is_created() {
    // Job 2's upload is refused: the job exists, empty; jobs 1 done; 3.. never ran.
    interrupted(
        "created",
        json!({"method": "POST", "pathPrefix": "/api/v2/batch/2", "status": 503, "times": 1}),
        small_jobs(),
        |p| p.clone(),
        &[],
        (2, "Created"),
    );
}

#[test]
fn interrupted_during_the_upload() {
    // The upload of job 2 arrives but its answer is cut off.
    interrupted(
        "upload",
        json!({"method": "POST", "pathPrefix": "/api/v2/batch/2", "body": "truncated", "times": 1}),
        small_jobs(),
        |p| p.clone(),
        &[],
        (2, "Completed"),
    );
}

#[test]
fn interrupted_while_the_job_runs() {
    // Checking job 2's status fails (not retried: 404); the job goes on in the server.
    interrupted(
        "running",
        json!({"method": "GET", "pathPrefix": "/api/v2/batch/2", "status": 404, "times": 1}),
        small_jobs(),
        |p| p.clone(),
        &[],
        (2, "Completed"),
    );
}

#[test]
fn interrupted_while_fetching_errors() {
    // A package with one indicator the target refuses (of a custom type it lacks), so the
    // job has errors to fetch; fetching them fails past the client's retries.
    let bad = "203.0.113.250";
    let with_bad = move |p: &SharePackage| {
        altered(p, |q| {
            let gx = q.header.group.xid.clone();
            let t = "Pivot Unknown Type";
            let xid = derive_xid(&q.header.source.instance_id, &q.header.source.owner, ItemKind::Indicator, t, bad);
            q.batch.indicator.push(json!({"xid": xid, "type": t, "summary": bad,
                "attribute": [], "tag": [], "securityLabel": [], "associatedGroups": [{"groupXid": gx}]}));
        })
    };
    interrupted(
        "errors",
        json!({"method": "GET", "pathPrefix": "/api/v2/batch/1/errors", "status": 500, "times": 4}),
        BatchLimits::default(),
        with_bad,
        &[bad],
        (1, "Completed"),
    );
}

#[test]
fn ten_thousand_indicator_group_in_a_handful_of_batch_jobs() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    src.clear_requests();
    let (pkg, _) = run(exec::publish(&s, GroupType::Campaign, 1, &opts())).unwrap();
    assert_eq!(pkg.batch.indicator.len(), 10_001);
    let src_reqs = src.requests();
    // group, associated groups, indicators (2 pages of 10,000), the package and head records.
    assert!(src_reqs.len() <= 6, "{} source requests", src_reqs.len());

    tgt.clear_requests();
    let r = run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r.is_complete(), "{:#?}", r.verification.as_ref().map(|v| v.differences.iter().take(5).collect::<Vec<_>>()));
    let reqs = tgt.requests();
    let count = |m: &str, f: &dyn Fn(&str) -> bool| reqs.iter().filter(|x| x["method"] == m && f(x["path"].as_str().unwrap())).count();
    let creates = count("POST", &|p| p == "/api/v2/batch");
    let uploads = count("POST", &|p| p.starts_with("/api/v2/batch/"));
    assert!((2..=5).contains(&creates), "{creates} batch jobs");
    assert_eq!(uploads, creates);
    assert_eq!(r.jobs.len(), creates);
    assert!(r.jobs.iter().all(|j| j.bytes <= 2_000_000 && j.indicators <= 25_000));
    // Nothing per indicator: reads in chunks of a few hundred summaries.
    assert!(reqs.len() < 200, "{} target requests", reqs.len());
    eprintln!("10,001 indicators: {} source requests, {} target requests, {creates} batch jobs", src_reqs.len(), reqs.len());
    let top = &group_by_xid(&t, OWNER, &pkg.header.group.xid, &[]).unwrap();
    let counted = run(t.json(Collection::Indicators.search(&format!("hasGroup(id={})", top["id"]), 0, 1, true).owner(Some(OWNER)))).unwrap();
    assert_eq!(counted["count"].as_u64(), Some(10_001), "every indicator associated once");
}

#[test]
fn pull_reports_a_refused_package_and_goes_on() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    let (p10, _) = run(exec::publish(&s, GroupType::IntrusionSet, 10, &opts())).unwrap();
    // Damage group 10's stored package (as if edited in the datastore).
    let mut bad = p10.to_value();
    bad["batch"]["indicator"][0]["description"] = json!("changed after publishing");
    let rec = json!({"groupId": 10, "groupType": "Intrusion Set", "groupName": "x", "groupXid": p10.header.group.xid,
        "contentHash": p10.header.content_hash, "sourceOwner": OWNER, "package": bad.to_string()});
    put_published(&s, "10", &rec);
    let popts = pull_opts("t");
    let dry = PullOptions { dry_run: true, ..popts.clone() };
    tgt.clear_requests();
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &dry, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_seen, sum.packages_planned, sum.packages_failed), (2, 1, 1), "{sum:#?}");
    assert_eq!(tgt.writes(), Vec::<String>::new(), "a dry-run pull writes nothing");
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_failed), (1, 1), "{sum:#?}");
    let failed = sum.packages.iter().find(|p| p.outcome == Outcome::Failed).unwrap();
    assert!(failed.message.contains("content hash does not match"), "{}", failed.message);
    assert!(!sum.is_success());
    // A wrong source organization is a failure, not a silent skip.
    let sum = run(exec::pull(&s, "Other Org", &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_failed, 2);
}

/// An import under a lease that another run has taken over stops before its first write.
#[test]
fn an_import_whose_lease_was_taken_over_writes_nothing() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    let mine = run(exec::lease::acquire(&t, OWNER, "run-a", 60, 0, &|| 0)).unwrap();
    // Another run writes the record (as after run-a's lease lapsed and run-b took it).
    let theirs =
        json!({"runId": "run-b", "owner": OWNER, "takenAt": system_clock(), "renewedAt": "2026-01-01T00:00:00Z", "expiresAt": system_clock() + 60});
    run(t.datastore_put(Domain::Organization, exec::LEASE_TYPE, &mine.record_id, &theirs)).unwrap();
    tgt.clear_requests();
    let opts = ImportOptions { lease: Some(mine), ..iopts() };
    match run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &opts)) {
        Err(ExecError::LeaseLost { holder, .. }) => assert_eq!(holder, "run-b"),
        other => panic!("{other:?}"),
    }
    assert_eq!(tgt.writes(), Vec::<String>::new(), "nothing written after the lease was lost");
}

/// Lets another run take the lease as soon as a batch job is created, as when this run's lease
/// lapsed while it waited for the job.
struct TakenOverDuringTheBatch {
    inner: NativeTransport,
    other_run: C,
    record_id: String,
    taken: Cell<bool>,
}

impl Transport for TakenOverDuringTheBatch {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let creates_a_job = req.method == Method::Post && req.path.ends_with("/v2/batch");
        let answer = self.inner.send(req).await;
        if creates_a_job && !self.taken.replace(true) {
            let theirs = json!({"runId": "run-b", "owner": OWNER, "takenAt": system_clock(), "renewedAt": "2026-01-01T00:00:00Z", "expiresAt": system_clock() + 60});
            self.other_run.datastore_put(Domain::Organization, exec::LEASE_TYPE, &self.record_id, &theirs).await.unwrap();
        }
        answer
    }
    async fn sleep(&self, ms: u32) {
        self.inner.sleep(ms).await
    }
}

/// An import whose lease is taken over while its batch job runs, and which stops with the job
/// still running, leaves the import record to the run that holds the lease now.
#[test]
fn an_import_whose_lease_is_taken_over_during_a_batch_job_leaves_the_record_alone() {
    let (src, tgt) = pair();
    let s = client(&src);
    let (pkg, _) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    let mine = run(exec::lease::acquire(&client(&tgt), OWNER, "run-a", 60, 0, &|| 0)).unwrap();
    let transport = TakenOverDuringTheBatch {
        inner: NativeTransport::new(&tgt.origin()),
        other_run: client(&tgt),
        record_id: mine.record_id.clone(),
        taken: Cell::new(false),
    };
    let t = Client::new(transport, "/api", Credentials::hmac(tgt.access_id(), tgt.secret_key()), Box::new(system_clock));
    // One status check: the job is still queued then (the sandbox shows each stage for 250 ms).
    let opts = ImportOptions { lease: Some(mine), max_polls: 0, ..iopts() };
    match run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &opts)) {
        Err(ExecError::LeaseLost { holder, .. }) => assert_eq!(holder, "run-b"),
        other => panic!("{other:?}"),
    }
    // The record is still what this run wrote before the job: no pending job of a run that lost its lease.
    let rec = run(exec::import_record(&client(&tgt), OWNER, INSTANCE, &pkg.header.group.xid)).unwrap().unwrap();
    assert!(rec.pending_jobs.is_empty(), "{:?}", rec.pending_jobs);
}

/// The same content as if published by another instance or owner, every xid derived again
/// and the hash recomputed: what a forger can make. Only the configured source refuses it.
fn reissue(pkg: &SharePackage, instance: &str, owner: &str) -> SharePackage {
    let mut text = serde_json::to_string(&pkg.batch.to_value()).unwrap();
    let mut p = pkg.clone();
    p.group_ids.clear();
    for g in &pkg.batch.group {
        let (x, t) = (g["xid"].as_str().unwrap(), g["type"].as_str().unwrap());
        let id = pkg.group_ids[x];
        let new = derive_xid(instance, owner, ItemKind::Group, t, &id.to_string());
        text = text.replace(x, &new);
        p.group_ids.insert(new.clone(), id);
        if x == pkg.header.group.xid {
            p.header.group.xid = new;
        }
    }
    for i in &pkg.batch.indicator {
        let (x, t, sm) = (i["xid"].as_str().unwrap(), i["type"].as_str().unwrap(), i["summary"].as_str().unwrap());
        text = text.replace(x, &derive_xid(instance, owner, ItemKind::Indicator, t, sm));
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    let list = |k: &str| body[k].as_array().cloned().unwrap_or_default();
    p.batch = BatchBody { group: list("group"), indicator: list("indicator"), association: list("association") };
    p.header.source.instance_id = instance.into();
    p.header.source.owner = owner.into();
    p.header.content_hash = p.compute_hash();
    validate(&p.to_bytes()).expect("a self-consistent forgery validates")
}

/// A package in the source's datastore proves nothing by being there: the pull checks what the
/// package itself claims (source instance, owner) and that it is the package its record names.
#[test]
fn pull_refuses_packages_that_claim_another_origin_or_another_record() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (genuine, _) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    // Forgeries that are self-consistent (their content hash recomputed), stored as records.
    let store = |id: &str, pkg: &SharePackage, record_hash: &str, record_owner: &str| {
        let rec = json!({"groupId": id.parse::<u64>().unwrap(), "groupType": "Incident", "groupName": "forged", "groupXid": pkg.header.group.xid,
            "contentHash": record_hash, "sourceOwner": record_owner, "package": String::from_utf8(pkg.to_bytes()).unwrap()});
        put_published(&s, id, &rec);
    };
    let other_instance = reissue(&genuine, "someone-elses-instance", OWNER);
    store("101", &other_instance, &other_instance.header.content_hash, OWNER);
    let other_owner = reissue(&genuine, "source-sandbox", "Other Org");
    store("102", &other_owner, &other_owner.header.content_hash, OWNER); // the record lies about the owner
    store("103", &genuine, "sha256:0000000000000000000000000000000000000000000000000000000000000000", OWNER); // a record that is not its package

    let popts = pull_opts("t");
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_seen, sum.packages_imported, sum.packages_failed), (4, 1, 3), "{sum:#?}");
    let message = |id: u64| sum.packages.iter().find(|p| p.group_id == id).unwrap().message.clone();
    assert!(message(101).contains("comes from instance \"someone-elses-instance\""), "{}", message(101));
    assert!(message(102).contains("comes from owner \"Other Org\""), "{}", message(102));
    assert!(message(103).contains("not the one its record describes"), "{}", message(103));
    // Without a configured source instance nothing can be checked, so nothing is imported.
    let unset = PullOptions { source_instance_id: String::new(), ..popts.clone() };
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &unset, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_imported, 0, "{sum:#?}");
}

/// A version 1 package cannot prove its associated groups' xids: the pull refuses it unless the
/// operator accepts version 1, and imported (pulled so, or from a file) it creates the groups it
/// names but never rewrites one the target holds, here another integration's group.
#[test]
fn version_1_packages_are_refused_by_the_pull_and_never_rewrite_a_group() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (genuine, _) = run(exec::publish(&s, GroupType::Incident, 9, &opts())).unwrap();
    let mut v1 = genuine.clone();
    v1.header.version = 1;
    v1.group_ids.clear();
    v1.header.content_hash = v1.compute_hash();
    let v1 = validate(&v1.to_bytes()).expect("a version 1 package");
    let other = v1.batch.group.iter().find(|g| g["xid"] != json!(v1.header.group.xid)).expect("an associated group");
    let (adv_xid, adv_name, adv_type) =
        (other["xid"].as_str().unwrap().to_string(), other["name"].as_str().unwrap().to_string(), other["type"].clone());
    // Another integration's group in the target, with the xid the package names.
    let made = tgt.signed(
        "POST",
        &format!("/api/v3/groups?owner={}", OWNER.replace(' ', "%20")),
        Some(&json!({"type": adv_type, "name": "Theirs", "xid": adv_xid})),
    );
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let rec = json!({"groupId": 9, "groupType": "Incident", "groupName": "v1", "groupXid": v1.header.group.xid,
        "contentHash": v1.header.content_hash, "sourceOwner": OWNER, "package": String::from_utf8(v1.to_bytes()).unwrap()});
    put_published(&s, "9", &rec);

    let popts = pull_opts("t");
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_failed), (0, 1), "{sum:#?}");
    assert!(sum.packages[0].message.contains("a version 1 package") && sum.packages[0].message.contains("--accept-version-1"), "{sum:#?}");
    assert!(group_by_xid(&t, OWNER, &v1.header.group.xid, &[]).is_none(), "nothing imported");

    // From a file (a dry run): the group is linked only, and the plan says why.
    let r = run(exec::import(&t, &v1.to_bytes(), OWNER, &|_, _, _| {}, &ImportOptions { dry_run: true, ..iopts() })).unwrap();
    let note = r.plan.linked_only.iter().find(|n| n.item.xid == adv_xid).expect("linked only");
    assert!(note.reason.contains("version 1"), "{}", note.reason);

    let accepting = PullOptions { accept_version_1: true, ..popts };
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &accepting, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_failed), (1, 0), "{sum:#?}");
    let theirs = group_by_xid(&t, OWNER, &adv_xid, &["tags", "attributes"]).unwrap();
    assert_eq!(theirs["name"], "Theirs", "not renamed to {adv_name}");
    assert_eq!(theirs["tags"]["data"].as_array().map_or(0, Vec::len), 0, "no tag written: {theirs}");
    assert!(group_by_xid(&t, OWNER, &v1.header.group.xid, &[]).is_some(), "the published group was created");
}

/// A group published from a Community of the source is accepted when that owner is listed.
#[test]
fn pull_accepts_a_listed_community_of_the_source() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    // Group 19 is the demo seed's Community group (labelled TLP:RED: allowed to leave here).
    let kind = run(s.v3_group_as_sent(&GroupKey::Id(19), &[], None)).unwrap()["type"].as_str().unwrap().to_string();
    let mut with_red = opts();
    with_red.security_labels_allowed.push("TLP:RED".into());
    let (pkg, _) = run(exec::publish(&s, GroupType::from_name(&kind).unwrap(), 19, &with_red)).unwrap();
    assert_eq!(pkg.header.source.owner, "Common Community");
    let popts = pull_opts("t");
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &popts, &|_, _| {})).unwrap();
    assert_eq!(sum.packages_failed, 1, "not listed: refused");
    let listed = PullOptions { also_source_owners: vec!["Common Community".into()], ..popts };
    let sum = run(exec::pull(&s, OWNER, &t, OWNER, &listed, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_failed), (1, 0), "{sum:#?}");
}

/// The lease record as a run keeps it: `takenAt` is written once and survives every renewal;
/// release deletes the record only while it still names this run and is live: one another
/// run wrote, or this run's own once lapsed (another run may be taking it), is left alone.
#[test]
fn renewals_keep_taken_at_and_release_deletes_only_a_live_lease_of_its_own() {
    let tgt = crate::util::target();
    let t = client(&tgt);
    let get = || run(t.datastore_get(Domain::Organization, exec::LEASE_TYPE, &exec::lease_record_id(OWNER), exec::SMALL_RECORD_BYTES)).unwrap();
    let put = |v: &Value| run(t.datastore_put(Domain::Organization, exec::LEASE_TYPE, &exec::lease_record_id(OWNER), v)).unwrap();
    let mine = run(exec::lease::acquire(&t, OWNER, "run-a", 60, 0, &|| 0)).unwrap();
    let taken = get().unwrap()["takenAt"].clone();
    assert_eq!(taken, json!(mine.taken_at));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run(exec::lease::hold(&t, &mine)).unwrap();
    let renewed = get().unwrap();
    assert_eq!(renewed["takenAt"], taken, "renewed, not taken again: {renewed}");
    assert!(renewed["expiresAt"].as_u64().unwrap() > mine.taken_at + 60, "extended: {renewed}");

    // Another run's record: left alone.
    let now = system_clock();
    let theirs = json!({"runId": "run-b", "owner": OWNER, "takenAt": now, "renewedAt": "2026-01-01T00:00:00Z", "expiresAt": now + 60});
    put(&theirs);
    assert_eq!(run(exec::lease::release(&t, &mine)).unwrap(), exec::Released::NotOurs);
    assert_eq!(get(), Some(theirs));
    // This run's own, lapsed: left alone too.
    let lapsed = json!({"runId": "run-a", "owner": OWNER, "takenAt": now - 100, "renewedAt": "2026-01-01T00:00:00Z", "expiresAt": now - 1});
    put(&lapsed);
    assert_eq!(run(exec::lease::release(&t, &mine)).unwrap(), exec::Released::Lapsed);
    assert_eq!(get(), Some(lapsed));
    assert!(matches!(run(exec::lease::hold(&t, &mine)), Err(ExecError::LeaseLost { .. })), "a lapsed lease is not renewed");
    // This run's own and live: deleted.
    let live = json!({"runId": "run-a", "owner": OWNER, "takenAt": now, "renewedAt": "2026-01-01T00:00:00Z", "expiresAt": now + 60});
    put(&live);
    assert_eq!(run(exec::lease::release(&t, &mine)).unwrap(), exec::Released::Deleted);
    assert_eq!(get(), None);
}

/// Writes `record` into the lease record while the run waits to read its own lease back, as
/// a writer of the target's datastore could.
struct OverwrittenWhileSettling {
    inner: NativeTransport,
    other: C,
    record: Value,
}

impl Transport for OverwrittenWhileSettling {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.inner.send(req).await
    }
    async fn sleep(&self, ms: u32) {
        self.other.datastore_put(Domain::Organization, exec::LEASE_TYPE, &exec::lease_record_id(OWNER), &self.record).await.unwrap();
        self.inner.sleep(ms).await
    }
}

/// A lease record overwritten with something that is no lease while the run takes it: the run
/// does not start, naming the record and what is wrong with it (never "another run holds it").
#[test]
fn a_lease_overwritten_with_an_invalid_record_while_taken_fails_naming_it() {
    let tgt = crate::util::target();
    let record = json!({"runId": "forged", "owner": OWNER, "takenAt": 0, "renewedAt": "x", "expiresAt": 253_402_300_799u64});
    let transport = OverwrittenWhileSettling { inner: NativeTransport::new(&tgt.origin()), other: client(&tgt), record };
    let t = Client::new(transport, "/api", Credentials::hmac(tgt.access_id(), tgt.secret_key()), Box::new(system_clock));
    match run(exec::lease::acquire(&t, OWNER, "run-a", 60, 0, &|| 0)) {
        Err(ExecError::LeaseInvalid { record, reason }) => {
            assert_eq!(record, format!("pivot-share-lease/{}", exec::lease_record_id(OWNER)));
            assert!(reason.starts_with("`expiresAt` 9999-12-31T23:59:59Z is further ahead than a lease can be"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// A request as sent: method, path, body.
type Sent = (Method, String, Option<Vec<u8>>);

/// Keeps the body of every request it sends (the batch uploads and label creations among them).
struct Recording {
    inner: NativeTransport,
    sent: RefCell<Vec<Sent>>,
}

impl Transport for Recording {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push((req.method, req.path.clone(), req.body.clone()));
        self.inner.send(req).await
    }
    async fn sleep(&self, ms: u32) {
        self.inner.sleep(ms).await
    }
}

/// A package that reached the executor with keys the format does not allow (as if a reader
/// had let them through) cannot link the target's own items nor send those keys: the batch
/// files and the new label are written from the schema. Against the sandbox, whose batch
/// does honour `id_2` and a group's `associatedIndicators`.
#[test]
fn an_import_sends_only_the_formats_keys_whatever_the_package_carried() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let (pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    // The target's own items, which no package may reach.
    let own_group =
        run(t.json(HttpRequest::post("/v3/groups").json(&json!({"type": "Incident", "name": "Target's own incident", "ownerName": OWNER})))).unwrap()
            ["data"]["id"]
            .as_i64()
            .unwrap();
    run(t.json(HttpRequest::post("/v3/indicators").json(&json!({"type": "Host", "summary": "own.example", "ownerName": OWNER})))).unwrap();

    let mut hostile = pkg.clone();
    let top = hostile.header.group.xid.clone();
    let summary = hostile.batch.indicator[0]["summary"].clone();
    hostile.batch.group[0]["associatedIndicators"] = json!([{"summary": "own.example", "type": "Host"}]);
    hostile.batch.group[0]["associatedGroups"] = json!([{"id": own_group}]);
    hostile.batch.association.push(json!({"ref_1": top, "ref_2": summary, "id_2": own_group}));
    hostile.batch.indicator[0]["securityLabel"].as_array_mut().unwrap().push(
        json!({"name": "ACME:PARTNERS", "color": "0000ff", "description": "Partners only", "owner": "Target Org", "id": 99, "dateAdded": "2020-01-01T00:00:00Z"}),
    );

    let recording = Recording { inner: NativeTransport::new(&tgt.origin()), sent: RefCell::new(vec![]) };
    let rt = Client::new(recording, "/api", Credentials::hmac(tgt.access_id(), tgt.secret_key()), Box::new(system_clock));
    let r = run(exec::import_package(&rt, &hostile, OWNER, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r.is_complete(), "{:#?} {:?}", r.verification, r.jobs);
    assert_eq!(r.labels_created, ["ACME:PARTNERS"]);

    let (mut uploads, mut labels) = (0, 0);
    for (method, path, body) in rt_sent(&rt) {
        let batch_file = path.strip_prefix("/api/v2/batch/").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        if method == Method::Post && batch_file {
            let file: Value = serde_json::from_slice(body.as_deref().unwrap()).unwrap();
            pivot_testing::assert_batch_keys(&file, "file", &format!("upload {uploads}"));
            uploads += 1;
        }
        if method == Method::Post && path.starts_with("/api/v3/") && path.ends_with("securityLabels") {
            let body: Value = serde_json::from_slice(body.as_deref().unwrap()).unwrap();
            assert_eq!(body, json!({"name": "ACME:PARTNERS", "color": "0000ff", "description": "Partners only"}));
            labels += 1;
        }
    }
    assert!(uploads >= 1 && labels == 1, "{uploads} upload(s), {labels} label creation(s)");

    // Nothing of the target's own was linked to the shared group.
    let own = run(t.v3_group_as_sent(&GroupKey::Id(own_group), &["associatedGroups"], Some(OWNER))).unwrap();
    assert_eq!(own["associatedGroups"]["data"].as_array().map_or(0, Vec::len), 0, "{own}");
    let shared = group_by_xid(&t, OWNER, &top, &["associatedIndicators"]).unwrap();
    let linked: Vec<&str> = shared["associatedIndicators"]["data"].as_array().unwrap().iter().filter_map(|i| i["summary"].as_str()).collect();
    assert!(!linked.contains(&"own.example"), "{linked:?}");
    assert!(linked.contains(&summary.as_str().unwrap()), "{linked:?}");
}

fn rt_sent(c: &Client<Recording>) -> Vec<Sent> {
    c.transport().sent.borrow().clone()
}

/// Publishing refuses a package whose stored record (the file as one JSON string) would be
/// larger than a pull reads, before writing anything, so every package published can be
/// read: a file of backslashes is under the package limit, but twice that once escaped. A
/// large ordinary package is stored and read back whole.
#[test]
fn publish_refuses_a_record_larger_than_a_pull_reads() {
    let src = crate::util::source();
    let s = client(&src);
    let (mut pkg, _) = run(exec::snapshot_group(&s, GroupType::Incident, 9, &opts())).unwrap();
    pkg.header.group.name = "\\".repeat(30 << 20);
    assert!(pkg.to_bytes().len() < MAX_PACKAGE_BYTES);
    src.clear_requests();
    let e = run(exec::store_published(&s, &pkg)).unwrap_err();
    assert!(
        matches!(&e, ExecError::Invalid(m) if m.contains("too large to publish") && m.contains(&exec::PUBLISHED_RECORD_BYTES.to_string())),
        "{e}"
    );
    assert_eq!(src.requests().len(), 0, "nothing written");

    pkg.header.group.name = "x".repeat(12 << 20);
    run(exec::store_published(&s, &pkg)).unwrap();
    let stored = run(exec::published_package(&s, pkg.header.group.id)).unwrap().expect("published");
    assert_eq!(stored.as_bytes(), pkg.to_bytes());
}

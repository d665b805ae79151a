//! Sharing you can trust, against sandboxes: packages that overlap give one result in any
//! import order; an import leaves alone what another source brought and keeps the labels no
//! package put there; an interrupted run of a changed package is cleaned up by the next; a
//! batch job left running is awaited by its id, never submitted twice; Community and Source
//! owners as source and as target.

use crate::util::{client, group_by_xid, iopts, opts, pair, source, target, C, INSTANCE, OWNER};
use pivot_testing::run;
use serde_json::{json, Value};
use sharing::exec::{self, ImportOptions};
use sharing::{associations, derive_xid, validate, BatchLimits, Endpoint, ItemKind, PublishOptions, ShareError, SharePackage, Trust};
use threatconnect::datastore::Domain;
use threatconnect::item::{self, nested};
use threatconnect::native::system_clock;
use threatconnect::time::rfc3339;
use threatconnect::{indicators, tql, Collection, GroupType, HttpRequest, IndicatorKey, Mode, MAX_RESULT_LIMIT};

fn put(c: &C, coll: Collection, id: i64, body: Value) {
    run(c.json(item::v3::update(coll, id, &body))).unwrap_or_else(|e| panic!("PUT {coll:?} {id}: {e}"));
}

/// Replace an item's tags, labels and add one attribute: what an analyst does in the source.
fn edit(c: &C, coll: Collection, id: i64, tag: &str, label: &str, note: &str) {
    let mut body = nested("tags", vec![json!({"name": tag})], Mode::Replace);
    body["securityLabels"] = nested("securityLabels", vec![json!({"name": label})], Mode::Replace)["securityLabels"].clone();
    body["attributes"] = nested("attributes", vec![json!({"type": "Description", "value": note})], Mode::Append)["attributes"].clone();
    put(c, coll, id, body);
}

fn publish(c: &C, t: GroupType, id: u64, at: &str) -> SharePackage {
    let o = PublishOptions { published_at: at.into(), ..opts() };
    run(exec::publish(c, t, id, &o)).unwrap().0
}

fn import(c: &C, pkg: &SharePackage, o: &ImportOptions) -> exec::ImportReport {
    run(exec::import(c, &pkg.to_bytes(), OWNER, &|_, _, _| {}, o)).unwrap_or_else(|e| panic!("import {}: {e}", pkg.header.group.name))
}

/// Every item of the collection in the target owner, with `fields`, every page.
fn all(c: &C, coll: Collection, fields: &[&str]) -> Vec<Value> {
    let first = fields
        .iter()
        .fold(HttpRequest::get(coll.path()).query("resultLimit", MAX_RESULT_LIMIT.to_string()).owner(Some(OWNER)), |r, f| r.query("fields", *f));
    run(c.v3_pager_as_sent(first).collect_all()).unwrap_or_else(|e| panic!("{coll:?}: {e}"))
}

/// The first indicator of `owner` (any owner: `None`) with this summary, with `fields`.
fn indicator_by_summary(c: &C, summary: &str, fields: &[&str], owner: Option<&str>) -> Value {
    let found = run(c.v3_search_as_sent(Collection::Indicators, &format!("summary = {}", tql::quote(summary)), fields, owner)).unwrap();
    found.into_iter().next().unwrap_or_else(|| panic!("no indicator {summary}"))
}

/// Everything in the target owner, with ids and creation and change dates dropped and every
/// list sorted: two targets holding the same intelligence give the same snapshot.
fn snapshot(c: &C) -> Value {
    fn norm(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "id" | "dateAdded" | "lastModified" | "lastUsed" | "webLink" | "legacyLink"))
                    .map(|(k, v)| (k.clone(), norm(v)))
                    .collect(),
            ),
            Value::Array(a) => {
                let mut items: Vec<Value> = a.iter().map(norm).collect();
                items.sort_by_key(|x| x.to_string());
                Value::Array(items)
            }
            other => other.clone(),
        }
    }
    let groups = all(c, Collection::Groups, &["attributes", "tags", "securityLabels", "associatedGroups", "associatedIndicators"]);
    let indicators = all(c, Collection::Indicators, &["attributes", "tags", "securityLabels", "associatedGroups"]);
    norm(&json!({"groups": groups, "indicators": indicators}))
}

fn names(item: &Value, key: &str) -> Vec<String> {
    let mut n: Vec<String> = item[key]["data"].as_array().into_iter().flatten().map(|x| x["name"].as_str().unwrap().to_string()).collect();
    n.sort();
    n
}

fn origins(item: &Value) -> Vec<String> {
    item["attributes"]["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["value"].as_str().filter(|v| v.starts_with("Pivot share: ")).map(str::to_string))
        .collect()
}

fn find<'a>(snap: &'a Value, kind: &str, key: &str, val: &str) -> &'a Value {
    snap[kind].as_array().unwrap().iter().find(|x| x[key] == val).unwrap_or_else(|| panic!("no {kind} with {key} {val}"))
}

/// Three published groups associated in a chain (Event 8 - Incident 9 - Intrusion Set 10),
/// an unpublished group (Malware 11) and an indicator in all of them, each package taken at
/// another moment of the source's life, so each carries the shared items with other tags,
/// labels and attributes. `publishedAt` is not the order of publishing: Incident 9's
/// package says it is the latest. Imported in all six orders into fresh targets, the
/// targets end identical; each published group has its own package's content and exactly
/// one origin attribute, and the shared items have the latest package's.
#[test]
fn overlapping_packages_give_one_result_in_every_import_order() {
    let src = source();
    let s = client(&src);
    // Malware 11 and the indicator join every published group.
    let ind = run(s.json(Collection::Indicators.search("hasGroup(id=9)", 0, 1, false))).unwrap()["data"][0].clone();
    let (ind_id, ind_summary) = (ind["id"].as_i64().unwrap(), ind["summary"].as_str().unwrap().to_string());
    for g in [8, 9, 10] {
        put(
            &s,
            Collection::Groups,
            g,
            json!({"associatedGroups": {"data": [{"id": 11}], "mode": "append"},
            "associatedIndicators": {"data": [{"id": ind_id}], "mode": "append"}}),
        );
    }
    // Each package sees the shared items (and the groups it carries) as they were then.
    let mut pkgs = Vec::new();
    for (gid, t, at, label) in [
        (8, GroupType::Event, "2026-01-01T00:00:00Z", "TLP:GREEN"),
        (9, GroupType::Incident, "2026-03-01T00:00:00Z", "TLP:AMBER"),
        (10, GroupType::IntrusionSet, "2026-02-01T00:00:00+00:00", "TLP:WHITE"),
    ] {
        let stamp = format!("as of package {gid}");
        edit(&s, Collection::Indicators, ind_id, &format!("seen-{gid}"), label, &stamp);
        edit(&s, Collection::Groups, 11, &format!("malware-{gid}"), label, &stamp);
        for other in [8, 9, 10] {
            edit(&s, Collection::Groups, other, &format!("group-{other}-as-of-{gid}"), label, &stamp);
        }
        pkgs.push(publish(&s, t, gid, at));
    }
    let latest = &pkgs[1]; // Incident 9's package: the latest publishedAt
    assert!(pkgs.iter().all(|p| p.batch.indicator.iter().any(|i| i["summary"] == ind_summary.as_str())));

    let orders: [[usize; 3]; 6] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let snaps: Vec<Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .iter()
            .map(|order| {
                let pkgs = &pkgs;
                scope.spawn(move || {
                    let tgt = target();
                    let t = client(&tgt);
                    for &i in order {
                        let r = import(&t, &pkgs[i], &iopts());
                        assert!(r.is_complete(), "order {order:?}, package {i}: {:#?}", r.verification);
                    }
                    snapshot(&t)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (n, snap) in snaps.iter().enumerate().skip(1) {
        for kind in ["groups", "indicators"] {
            let (a, b) = (snaps[0][kind].as_array().unwrap(), snap[kind].as_array().unwrap());
            let only = |x: &[Value], y: &[Value]| x.iter().filter(|i| !y.contains(i)).map(|i| i.to_string()).collect::<Vec<_>>();
            assert_eq!(a.len(), b.len(), "{kind}: order {:?} and {:?}", orders[0], orders[n]);
            assert!(a == b, "{kind}: order {:?} has\n{:#?}\nwhere order {:?} has\n{:#?}", orders[0], only(a, b), orders[n], only(b, a));
        }
    }

    // What that one result is, from the packages themselves.
    let snap = &snaps[0];
    let indicator = find(snap, "indicators", "summary", &ind_summary);
    assert_eq!(names(indicator, "tags"), ["seen-9"], "the latest publishedAt decides a shared indicator");
    assert_eq!(names(indicator, "securityLabels"), ["TLP:AMBER"]);
    let malware = find(snap, "groups", "xid", &derive_xid(INSTANCE, OWNER, ItemKind::Group, "Malware", "11"));
    assert_eq!(names(malware, "tags"), ["malware-9"], "and a shared unpublished group");
    for (p, gid) in pkgs.iter().zip([8, 9, 10]) {
        let g = find(snap, "groups", "xid", &p.header.group.xid);
        // A published group keeps its own package's content, even where a later package carries it.
        let own = p.shared_group().unwrap();
        let tags: Vec<String> = own["tag"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names(g, "tags"), tags, "group {gid}");
        assert_eq!(names(g, "tags"), [format!("group-{gid}-as-of-{gid}")], "group {gid}");
        let o = origins(g);
        assert_eq!(o.len(), 1, "group {gid}: exactly one origin attribute: {o:?}");
        assert!(o[0].contains(&format!(" {gid}, published {}", p.header.published_at)) && o[0].contains(&p.header.content_hash), "{}", o[0]);
    }
    // Every package's links are there.
    for p in &pkgs {
        for a in associations(p) {
            let g = find(snap, "groups", "xid", &a.group_xid);
            let linked = serde_json::to_string(&g["associatedGroups"]).unwrap() + &serde_json::to_string(&g["associatedIndicators"]).unwrap();
            match &a.other {
                Endpoint::Group { xid } => assert!(
                    linked.contains(xid.as_str()) || find(snap, "groups", "xid", xid)["associatedGroups"].to_string().contains(&a.group_xid),
                    "{a}"
                ),
                Endpoint::Indicator { .. } => assert!(!g["associatedIndicators"]["data"].as_array().unwrap().is_empty(), "{a}"),
            }
        }
    }
    assert!(latest.header.published_at > pkgs[2].header.published_at);
}

/// An item that a package from another source instance brought is left alone: not
/// overwritten, not linked, named in the plan with the reason; the operator may allow it.
#[test]
fn an_item_another_source_brought_is_left_alone_unless_allowed() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let ours = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");
    // The same intelligence from another instance (its own xids), changed there.
    let theirs_src = source();
    let b = client(&theirs_src);
    let shared = ours.batch.indicator[0]["summary"].as_str().unwrap().to_string();
    let id = indicator_by_summary(&b, &shared, &[], None)["id"].as_i64().unwrap();
    edit(&b, Collection::Indicators, id, "from-instance-b", "TLP:GREEN", "instance b says");
    let theirs = run(exec::publish(&b, GroupType::Incident, 9, &PublishOptions { instance_id: "instance-b".into(), ..opts() })).unwrap().0;
    import(&t, &theirs, &iopts());

    let r = import(&t, &ours, &iopts());
    let refused: Vec<String> = r.plan.refused.iter().map(|n| n.item.label.clone()).collect();
    assert!(refused.iter().any(|l| l.eq_ignore_ascii_case(&shared)), "refused: {refused:?}");
    let note = r.plan.refused.iter().find(|n| n.item.label.eq_ignore_ascii_case(&shared)).unwrap();
    assert!(note.reason.contains("instance-b"), "{}", note.reason);
    assert!(r.plan.warnings.iter().any(|w| w.contains("left alone") && w.contains("instance-b")), "{:?}", r.plan.warnings);
    assert!(r.is_complete(), "{:#?}", r.verification);
    let item = indicator_by_summary(&t, &shared, &["tags", "associatedGroups"], Some(OWNER));
    assert_eq!(names(&item, "tags"), ["from-instance-b"], "instance b's item is as instance b left it");
    assert!(!item["associatedGroups"].to_string().contains(&ours.header.group.xid), "and not linked to our group");

    // Allowed: overwritten with ours.
    let allow = ImportOptions { trust: Trust { allow_other_sources: true, ..Trust::default() }, ..iopts() };
    let r = import(&t, &ours, &allow);
    assert!(r.plan.refused.is_empty() && r.is_complete(), "{:?} {:#?}", r.plan.refused, r.verification);
    let item = indicator_by_summary(&t, &shared, &["tags"], Some(OWNER));
    let mut want: Vec<String> = ours.batch.indicator[0]["tag"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    want.sort();
    assert_eq!(names(&item, "tags"), want);
}

/// A package whose own published group another source's package brought is refused as a whole.
#[test]
fn a_package_whose_own_group_another_source_brought_writes_nothing() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let ours = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");
    // Another instance's import record claiming our group's xid (as a forged or colliding package would leave).
    let rec = json!({"sourceXid": "pivot:someone-else", "targetOwner": OWNER, "contentHash": "sha256:0", "complete": true,
        "sourceInstance": "instance-b", "sourceOwner": OWNER, "publishedAt": "2026-01-01T00:00:00Z",
        "associations": [{"groupXid": ours.header.group.xid, "other": {"kind": "Group", "xid": "pivot:x"}}]});
    run(t.datastore_put(Domain::Organization, exec::IMPORTS_TYPE, "forged", &rec)).unwrap();
    // The group exists in the target (instance b created it).
    run(t.json(item::v3::create(
        Collection::Groups,
        None,
        &json!({"type": "Incident", "name": "theirs", "xid": ours.header.group.xid, "ownerName": OWNER}),
    )))
    .unwrap();
    match run(exec::import(&t, &ours.to_bytes(), OWNER, &|_, _, _| {}, &iopts())) {
        Err(e) => assert!(e.to_string().contains("own group is left alone") && e.to_string().contains("instance-b"), "{e}"),
        Ok(r) => panic!("imported: {:?}", r.plan.refused),
    }
    assert_eq!(group_by_xid(&t, OWNER, &ours.header.group.xid, &[]).unwrap()["name"], "theirs");
}

/// Security labels already on a target item that no package put there stay (a package
/// cannot take TLP:RED off intelligence it never shared); labels a package put there follow
/// the package; the operator may opt in to replace them all.
#[test]
fn labels_no_package_put_on_a_target_item_are_kept_unless_replaced() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let pkg = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");
    let ind = &pkg.batch.indicator[0];
    let (ty, summary) = (ind["type"].as_str().unwrap(), ind["summary"].as_str().unwrap());
    let package_labels: Vec<String> = ind["securityLabel"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect();
    assert!(!package_labels.iter().any(|l| l == "TLP:RED"));
    // The target's own intelligence on the same indicator, marked TLP:RED.
    let created = run(t.json(item::v3::create(
        Collection::Indicators,
        None,
        &json!({"type": ty, "summary": summary, "ownerName": OWNER,
        "securityLabels": {"data": [{"name": "TLP:RED"}]}, "tags": {"data": [{"name": "internal"}]}}),
    )))
    .unwrap();
    let id = created["data"]["id"].as_i64().unwrap();
    let labels_of = || {
        let v = run(t.json(indicators::v3::get(&IndicatorKey::Id(id), None, None, false))).unwrap();
        (names(&v["data"], "securityLabels"), names(&v["data"], "tags"))
    };

    // No share import brought it: adopted by choice (linked only otherwise).
    let adopt = ImportOptions { trust: Trust { adopt_existing: true, ..Trust::default() }, ..iopts() };
    let r = import(&t, &pkg, &adopt);
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert!(r.plan.adopted.iter().any(|n| n.item.label.eq_ignore_ascii_case(summary)), "{:?}", r.plan.adopted);
    let kept = r.plan.labels_kept.iter().find(|n| n.item.label.eq_ignore_ascii_case(summary)).expect("TLP:RED planned as kept");
    assert_eq!(kept.labels, ["TLP:RED"]);
    let (labels, tags) = labels_of();
    let mut want = package_labels.clone();
    want.push("TLP:RED".into());
    want.sort();
    assert_eq!(labels, want, "the package's labels, and TLP:RED kept");
    assert!(!tags.contains(&"internal".to_string()), "tags still follow the package (overwrite semantics): {tags:?}");

    // Imported again: still kept (the package never put it there).
    let r = import(&t, &pkg, &iopts());
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert!(labels_of().0.contains(&"TLP:RED".to_string()));

    // Opted in: the package's labels only.
    let replace = ImportOptions { trust: Trust { replace_target_labels: true, ..Trust::default() }, ..iopts() };
    let r = import(&t, &pkg, &replace);
    assert!(r.plan.labels_kept.is_empty() && r.is_complete(), "{:?}", r.plan.labels_kept);
    let mut only = package_labels;
    only.sort();
    assert_eq!(labels_of().0, only);
}

/// An interrupted run of a changed package is finished by the next run, whatever version
/// that one brings: links the interrupted run added, and links it was about to remove, are
/// gone once a later version without them is imported (the intent, recorded before the
/// first write, names the previous version's links and its own).
#[test]
fn a_changed_package_after_an_interrupted_run_removes_the_links_that_run_added_or_left() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let small = BatchLimits { max_bytes: 6_000, max_indicators: 10 };
    let top_links = |xid: &str| group_by_xid(&t, OWNER, xid, &["associatedIndicators"]).unwrap()["associatedIndicators"].to_string();
    let unlink = |summary: &str| {
        let id = indicator_by_summary(&s, summary, &[], None)["id"].as_i64().unwrap();
        put(&s, Collection::Groups, 9, json!({"associatedIndicators": {"data": [{"id": id}], "mode": "delete"}}));
    };
    // Version 1, imported completely.
    let v1 = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");
    let r1 = import(&t, &v1, &ImportOptions { limits: small, ..iopts() });
    assert!(r1.is_complete());
    let a = v1.batch.indicator.last().unwrap()["summary"].as_str().unwrap().to_string();
    let b = v1.batch.indicator.first().unwrap()["summary"].as_str().unwrap().to_string();
    assert!(top_links(&v1.header.group.xid).contains(&a));

    // Version 2 (without indicator A), interrupted after its batch jobs:
    // the last job's status cannot be read, so A is not yet dissociated and nothing is complete.
    unlink(&a);
    let v2 = publish(&s, GroupType::Incident, 9, "2026-05-02T00:00:00Z");
    let v2_jobs = sharing::jobs_for(&v2, &sharing::plan(&v2, &sharing::TargetState { owner: OWNER.into(), ..Default::default() })).unwrap().len();
    let last = r1.jobs.len() + v2_jobs;
    tgt.faults(json!({"rules": [{"method": "GET", "pathPrefix": format!("/api/v2/batch/{last}"), "status": 500, "times": 20}]}));
    assert!(run(exec::import(&t, &v2.to_bytes(), OWNER, &|_, _, _| {}, &ImportOptions { limits: small, max_polls: 2, ..iopts() })).is_err());
    tgt.faults(json!({"rules": []}));
    let intent = run(exec::import_record(&t, OWNER, INSTANCE, &v1.header.group.xid)).unwrap().unwrap();
    assert!(!intent.complete && intent.content_hash == v2.header.content_hash);
    assert!(top_links(&v1.header.group.xid).contains(&a), "the interruption came before the dissociation");

    // Version 3 (without B either): A and B are both gone, nothing else is.
    unlink(&b);
    let v3 = publish(&s, GroupType::Incident, 9, "2026-05-03T00:00:00Z");
    let r = import(&t, &v3, &ImportOptions { limits: small, ..iopts() });
    assert!(r.is_complete(), "{:#?}", r.verification);
    let links = top_links(&v3.header.group.xid);
    assert!(!links.contains(&a), "A, which the interrupted run was to remove, is gone");
    assert!(!links.contains(&b), "B, which this version removes, is gone");
    let rec = run(exec::import_record(&t, OWNER, INSTANCE, &v3.header.group.xid)).unwrap().unwrap();
    assert!(rec.complete && rec.associations == associations(&v3));
}

/// A batch job still running when the import stops waiting is recorded; the next run waits
/// for that job by its id and submits only the jobs that never ran.
#[test]
fn a_batch_job_left_running_is_awaited_by_id_never_submitted_again() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    let pkg = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");
    let small = BatchLimits { max_bytes: 6_000, max_indicators: 10 };
    // One status check only: the first job is still Queued then (the sandbox shows each stage for 250 ms).
    let hurried = ImportOptions { limits: small, max_polls: 0, ..iopts() };
    let e = run(exec::import(&t, &pkg.to_bytes(), OWNER, &|_, _, _| {}, &hurried)).unwrap_err();
    assert!(e.to_string().contains("still"), "{e}");
    let rec = run(exec::import_record(&t, OWNER, INSTANCE, &pkg.header.group.xid)).unwrap().unwrap();
    assert_eq!(rec.pending_jobs.len(), 1, "{:?}", rec.pending_jobs);
    let pending = rec.pending_jobs[0].clone();
    assert_eq!(pending.index, 0);
    let creates_before = tgt.requests().iter().filter(|r| r["method"] == "POST" && r["path"] == "/api/v2/batch").count();
    assert_eq!(creates_before, 1);

    let r = import(&t, &pkg, &ImportOptions { limits: small, ..iopts() });
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert!(r.jobs.len() > 1);
    assert_eq!((r.jobs[0].batch_id, r.jobs[0].resumed), (pending.batch_id, true), "{:?}", r.jobs[0]);
    assert!(r.jobs[1..].iter().all(|j| !j.resumed));
    let creates = tgt.requests().iter().filter(|r| r["method"] == "POST" && r["path"] == "/api/v2/batch").count();
    assert_eq!(creates - creates_before, r.jobs.len() - 1, "every job but the resumed one submitted once");
    let rec = run(exec::import_record(&t, OWNER, INSTANCE, &pkg.header.group.xid)).unwrap().unwrap();
    assert!(rec.complete);
    // A version 2 package still validates after all this (nothing in it was touched).
    validate(&pkg.to_bytes()).unwrap();
}

/// Community and Source owners: a Source's group is published and pulled like the
/// organization's (its owner listed); a Community receives an import and a pull (its own
/// lease and records); a read-only Source owner is refused as a target before anything is
/// written, saying why.
#[test]
fn community_and_source_owners_as_source_and_as_target() {
    let (src, tgt) = pair();
    let (s, t) = (client(&src), client(&tgt));
    // Group 20 of the demo seed belongs to the Source "Threat Feed".
    let feed = run(exec::publish(&s, GroupType::Threat, 20, &opts())).unwrap().0;
    assert_eq!(feed.header.source.owner, "Threat Feed");
    let incident = publish(&s, GroupType::Incident, 9, "2026-05-01T00:00:00Z");

    // Into the Community of the target: import, then a pull of both, accepted by owner.
    const COMMUNITY: &str = "Common Community";
    let r = run(exec::import(&t, &incident.to_bytes(), COMMUNITY, &|_, _, _| {}, &iopts())).unwrap();
    assert!(r.is_complete(), "{:#?}", r.verification);
    let in_community = group_by_xid(&t, COMMUNITY, &incident.header.group.xid, &[]).expect("in the Community");
    assert_eq!(in_community["ownerName"], COMMUNITY);
    let popts = exec::PullOptions {
        now: system_clock(),
        run_id: "t".into(),
        source_instance_id: INSTANCE.into(),
        also_source_owners: vec!["Threat Feed".into()],
        import: iopts(),
        ..Default::default()
    };
    // Both imported: the Threat Feed's package is new, and the file import is no reason to skip.
    let sum = run(exec::pull(&s, OWNER, &t, COMMUNITY, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_skipped, sum.packages_failed), (2, 0, 0), "{sum:#?}");
    let sum = run(exec::pull(&s, OWNER, &t, COMMUNITY, &popts, &|_, _| {})).unwrap();
    assert_eq!((sum.packages_imported, sum.packages_skipped, sum.packages_failed), (0, 2, 0), "{sum:#?}");
    assert!(run(exec::import_record(&t, COMMUNITY, INSTANCE, &feed.header.group.xid)).unwrap().unwrap().complete);
    // The organization of the target has none of it: records and leases are per owner.
    assert!(run(exec::import_record(&t, OWNER, INSTANCE, &feed.header.group.xid)).unwrap().is_none());

    // Into the Source of the target: refused, nothing written.
    tgt.clear_requests();
    let e = run(exec::import(&t, &incident.to_bytes(), "Threat Feed", &|_, _, _| {}, &iopts())).unwrap_err();
    assert!(e.to_string().contains("\"Threat Feed\" (Source) is read-only"), "{e}");
    assert_eq!(tgt.writes(), Vec::<String>::new());
    let e = run(exec::import(&t, &incident.to_bytes(), "No Such Owner", &|_, _, _| {}, &iopts())).unwrap_err();
    assert!(e.to_string().contains("not one this API user belongs to"), "{e}");
}

/// A package from a verified pull outranks a file import's record for the same items, whatever
/// `publishedAt` the file claims: Incident 9 is pulled from the configured source; a file of
/// Event 8 claims the same source instance, carries Incident 9's indicator changed, and says it
/// was published later (plausibly: a minute ago). In either order the indicator ends with the
/// pulled content; a file of the pulled package itself cannot replace it; and a file import of
/// the pulled package's very content does not make the pull skip it as already imported.
#[test]
fn a_verified_pull_outranks_a_file_that_claims_a_later_date() {
    let src = source();
    let s = client(&src);
    let ind = run(s.json(Collection::Indicators.search("hasGroup(id=9)", 0, 1, false))).unwrap()["data"][0].clone();
    let (ind_id, summary) = (ind["id"].as_i64().unwrap(), ind["summary"].as_str().unwrap().to_string());
    put(&s, Collection::Groups, 8, json!({"associatedIndicators": {"data": [{"id": ind_id}], "mode": "append"}}));
    let now = system_clock();
    edit(&s, Collection::Indicators, ind_id, "as-pulled", "TLP:GREEN", "pulled");
    edit(&s, Collection::Groups, 8, "event-as-pulled", "TLP:GREEN", "pulled");
    let pulled = publish(&s, GroupType::Incident, 9, &rfc3339(now - 3600));
    edit(&s, Collection::Indicators, ind_id, "as-filed", "TLP:GREEN", "filed");
    edit(&s, Collection::Groups, 8, "event-as-filed", "TLP:GREEN", "filed");
    let filed = run(exec::snapshot_group(&s, GroupType::Event, 8, &PublishOptions { published_at: rfc3339(now - 60), ..opts() })).unwrap().0;
    assert_eq!(filed.header.source.instance_id, pulled.header.source.instance_id);
    assert!(filed.batch.indicator.iter().any(|i| i["summary"] == summary.as_str()));

    let pull = |t: &C| {
        let o = exec::PullOptions {
            now: system_clock(),
            run_id: "pull".into(),
            source_instance_id: INSTANCE.into(),
            import: iopts(),
            ..Default::default()
        };
        run(exec::pull(&s, OWNER, t, OWNER, &o, &|_, _| {})).unwrap()
    };
    let tags_of = |t: &C| names(&indicator_by_summary(t, &summary, &["tags"], Some(OWNER)), "tags");
    // Event 8: the file's published group, and an associated group of the pulled package.
    let event_tags = |t: &C| names(&group_by_xid(t, OWNER, &filed.header.group.xid, &["tags"]).expect("Event 8"), "tags");
    assert!(pulled.batch.group.iter().any(|g| g["xid"] == filed.header.group.xid.as_str()));

    // The pull, then the file: the file only links the pulled indicator.
    let tgt = target();
    let t = client(&tgt);
    assert_eq!(pull(&t).packages_imported, 1);
    assert_eq!(tags_of(&t), ["as-pulled"]);
    let r = import(&t, &filed, &iopts());
    let note = r.plan.linked_only.iter().find(|n| n.item.label.eq_ignore_ascii_case(&summary)).expect("the indicator is linked only");
    assert!(note.reason.contains("brought by a verified pull"), "{}", note.reason);
    // Even the file's own group: the pulled package brought Event 8 (associated with Incident 9).
    assert!(r.plan.linked_only.iter().any(|n| n.item.xid == filed.header.group.xid), "{:?}", r.plan.linked_only);
    assert!(r.is_complete(), "{:#?}", r.verification);
    assert_eq!(tags_of(&t), ["as-pulled"]);
    assert_eq!(event_tags(&t), ["event-as-pulled"]);
    // The pulled package itself, as a file (its date moved later): refused as a whole.
    let mut again = pulled.clone();
    again.header.published_at = rfc3339(now);
    match run(exec::import(&t, &again.to_bytes(), OWNER, &|_, _, _| {}, &iopts())) {
        Err(e) => assert!(e.to_string().contains("from a verified pull"), "{e}"),
        Ok(r) => panic!("imported over the pull: {:?}", r.plan),
    }
    assert_eq!(tags_of(&t), ["as-pulled"]);

    // The files first (the pulled package's own content among them), then the pull: the pull
    // imports again (a file's record is no reason to skip) and its content wins.
    let tgt = target();
    let t = client(&tgt);
    import(&t, &pulled, &iopts());
    import(&t, &filed, &iopts());
    assert_eq!(tags_of(&t), ["as-filed"], "between files the later date decides");
    assert_eq!(event_tags(&t), ["event-as-filed"]);
    let sum = pull(&t);
    assert_eq!((sum.packages_imported, sum.packages_skipped), (1, 0));
    assert_eq!(tags_of(&t), ["as-pulled"]);
    assert_eq!(event_tags(&t), ["event-as-pulled"], "the file's own group too");

    // A file claiming this source's instance and a date in the future: refused before any request.
    let mut future = filed.clone();
    future.header.published_at = "9999-12-31T23:59:59Z".into();
    let tgt = target();
    tgt.clear_requests();
    match run(exec::import(&client(&tgt), &future.to_bytes(), OWNER, &|_, _, _| {}, &iopts())) {
        Err(exec::ExecError::Package(ShareError::PublishedInTheFuture { published_at, .. })) => assert_eq!(published_at, "9999-12-31T23:59:59Z"),
        other => panic!("{other:?}"),
    }
    assert!(tgt.requests().is_empty(), "{:?}", tgt.requests());
}

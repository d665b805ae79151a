//! Golden packages: Incident 9 of the demo sandbox (instance id `golden-source`) published as
//! version 1 (`tests/fixtures/share/incident-9.v1.json` at the repository's root, by an earlier
//! Pivot) and as version 2 (`incident-9.v2.json`, which adds every group's source id). Their
//! xids and content hashes are pinned: any change to the xid or hash formula, or to what a
//! snapshot of the same group contains, fails here instead of silently duplicating items on the
//! next re-import. The pinned literals below were computed with Python's hashlib and json from
//! the formulas in docs/sharing-format.md ("xids", "Content hash"), not with this code.

use crate::util::client;
use pivot_testing::{run, Sandbox, Seed};
use serde_json::Value;
use sharing::exec;
use sharing::{content_hash, derive_xid, validate, ItemKind, PublishOptions};
use threatconnect::time::rfc3339;
use threatconnect::GroupType;

const GOLDEN: &str = "share/incident-9.v1.json";
const GOLDEN_V2: &str = "share/incident-9.v2.json";
/// sha256 of the canonical covered JSON (docs/sharing-format.md, "Content hash"), by Python.
const CONTENT_HASH: &str = "sha256:b66a6ec03976e8b4979b40ba980e7b403ecf508b652e0367fc966c3c934fb988";
const CONTENT_HASH_V2: &str = "sha256:59797682e875398eb8afb2056f2c31e40c5a8a70e7b67979d680bd514c69e766";
/// Version 2's `groupIds`: (xid, source id), the xids by Python from the ids.
const GROUP_IDS: [(&str, u64); 3] =
    [("pivot:3d2ec02dede1974f05b9f9a5ca6f700d", 8), ("pivot:552032caa4b844e50f20b2a8126c2cb4", 10), ("pivot:fe1250c6ecd13b16cefb8e5992fea44c", 9)];
/// The published group's and one indicator's xid (docs/sharing-format.md, "xids"), by Python.
const GROUP_XID: &str = "pivot:fe1250c6ecd13b16cefb8e5992fea44c";
const ADDRESS_XID: (&str, &str) = ("203.0.113.135", "pivot:0d041f1254c6abac243d501b782adcdb");
/// Every group xid in the package (the other two groups' source ids are not in a v1 file).
const GROUP_XIDS: [&str; 3] = [GROUP_XID, "pivot:3d2ec02dede1974f05b9f9a5ca6f700d", "pivot:552032caa4b844e50f20b2a8126c2cb4"];

/// A golden file of the repository's `tests/fixtures`: its bytes and its JSON.
fn golden_file(path: &str) -> (Vec<u8>, Value) {
    let path = pivot_testing::fixtures().join(path);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json = serde_json::from_slice(&bytes).unwrap();
    (bytes, json)
}

fn golden() -> (Vec<u8>, Value) {
    golden_file(GOLDEN)
}

#[test]
fn the_golden_v1_package_keeps_its_xids_and_content_hash() {
    let (bytes, json) = golden();
    let pkg = validate(&bytes).expect("the golden package validates (its hash recomputed)");
    assert_eq!(pkg.header.content_hash, CONTENT_HASH);
    assert_eq!(pkg.header.version, 1);
    assert_eq!(content_hash(1, &pkg.header.source, &pkg.header.group, &Default::default(), &json["batch"]), CONTENT_HASH);
    // Version 1 has no source ids for the associated groups: their xids are unverified.
    assert_eq!(pkg.unverified_xids(), &GROUP_XIDS[1..]);
    let (instance, owner) = (pkg.header.source.instance_id.as_str(), pkg.header.source.owner.as_str());
    assert_eq!((instance, owner), ("golden-source", "Demo Org"));
    assert_eq!(pkg.header.group.xid, GROUP_XID);
    assert_eq!(derive_xid(instance, owner, ItemKind::Group, "Incident", "9"), GROUP_XID);
    let groups: Vec<&str> = json["batch"]["group"].as_array().unwrap().iter().map(|g| g["xid"].as_str().unwrap()).collect();
    assert_eq!(groups, GROUP_XIDS);
    // Every indicator's xid is its type and summary's, as the formula says.
    let indicators = json["batch"]["indicator"].as_array().unwrap();
    assert_eq!(indicators.len(), 37);
    for i in indicators {
        let (t, summary, xid) = (i["type"].as_str().unwrap(), i["summary"].as_str().unwrap(), i["xid"].as_str().unwrap());
        assert_eq!(derive_xid(instance, owner, ItemKind::Indicator, t, summary), xid, "{t} {summary}");
    }
    let address = indicators.iter().find(|i| i["summary"] == ADDRESS_XID.0).unwrap();
    assert_eq!(address["xid"], ADDRESS_XID.1);
}

#[test]
fn the_golden_v2_package_keeps_its_xids_and_content_hash_and_proves_every_xid() {
    let (bytes, json) = golden_file(GOLDEN_V2);
    let pkg = validate(&bytes).expect("the golden v2 package validates");
    assert_eq!((pkg.header.version, pkg.header.content_hash.as_str()), (2, CONTENT_HASH_V2));
    assert_eq!(pkg.group_ids, GROUP_IDS.iter().map(|(x, id)| (x.to_string(), *id)).collect());
    assert!(pkg.unverified_xids().is_empty(), "version 2 proves every xid");
    // The same shared content as version 1: only the header differs.
    assert_eq!(json["batch"], golden().1["batch"]);
    for (xid, id) in GROUP_IDS {
        let t = json["batch"]["group"].as_array().unwrap().iter().find(|g| g["xid"] == xid).unwrap()["type"].as_str().unwrap();
        assert_eq!(derive_xid("golden-source", "Demo Org", ItemKind::Group, t, &id.to_string()), xid);
    }
}

/// The same group published again from the same seed gives the golden version 2
/// package (and the version 1 file's body: the body did not change between versions).
#[test]
fn publishing_the_seeded_group_again_gives_the_golden_package() {
    let (_, json) = golden_file(GOLDEN_V2);
    let src = Sandbox::builder(Seed::Demo).access_id("golden-id").secret_key("golden-secret").start();
    let opts = PublishOptions {
        instance_id: "golden-source".into(),
        owner: String::new(),
        api_url: None,
        published_at: rfc3339(0),
        security_labels_allowed: vec!["TLP:AMBER".into(), "TLP:GREEN".into(), "TLP:WHITE".into()],
        exclude_unlabeled: false,
    };
    let (pkg, _) = run(exec::snapshot_group(&client(&src), GroupType::Incident, 9, &opts)).unwrap();
    assert_eq!(pkg.header.content_hash, CONTENT_HASH_V2);
    let body: Value = serde_json::from_slice(&pkg.to_bytes()).unwrap();
    assert_eq!(body["batch"], json["batch"]);
    assert_eq!(body["groupIds"], json["groupIds"]);
}

//! Live: each typed call of the client (and the pager, filters, dates) sends the
//! client's own request to the sandbox (`crates/tc-sandbox`, written from the documented
//! shapes, independently of the client) and checks the decoded values against values
//! pinned here: the demo seed (crates/tc-sandbox/README.md) or what the test itself
//! wrote earlier (a write shows in a later read).

use crate::util::hmac_client;
use pivot_testing::{run, Sandbox, Seed};
use serde_json::json;
use threatconnect::native::NativeTransport;
use threatconnect::*;
use threatconnect::{associations, groups, indicators, item};

const ID: &str = "live-test";
const KEY: &str = "live-test-secret";

/// A demo-seeded sandbox answering HMAC for `ID`/`KEY`, and a client signing with them.
fn start() -> (Sandbox, Client<NativeTransport>) {
    let sb = Sandbox::builder(Seed::Demo).access_id(ID).secret_key(KEY).start();
    let c = hmac_client(&sb);
    (sb, c)
}

fn host(name: &str) -> ItemRef {
    ItemRef::indicator(&IndicatorType::Host, name).unwrap()
}

#[test]
fn who_owners_members_metrics_types_labels_tags() {
    let (_sb, c) = start();
    let me = run(c.whoami()).unwrap();
    assert_eq!((me.user_name.as_str(), me.first_name.as_deref(), me.last_name.as_deref()), (ID, Some("Pivot"), Some("Developer")));

    let owners = run(c.owners()).unwrap();
    let got: Vec<(i64, &str, Option<&str>)> = owners.iter().map(|o| (o.id, o.name.as_str(), o.kind.as_deref())).collect();
    assert_eq!(got, [(1, "Demo Org", Some("Organization")), (2, "Common Community", Some("Community")), (3, "Threat Feed", Some("Source"))]);
    let mine = run(c.my_owner()).unwrap();
    assert_eq!((mine.id, mine.name.as_str()), (1, "Demo Org"));
    let members: Vec<String> = run(c.my_members()).unwrap().into_iter().map(|u| u.user_name).collect();
    assert_eq!(members, [ID, "analyst@demo.example"]);

    // Indicator types: base types, the seed's custom Hashtag and Email Subject (a custom type every
    // instance has), with their branches.
    let types = run(c.indicator_types()).unwrap();
    assert_eq!(types.len(), 12);
    let subject = types.iter().find(|t| t.is(&IndicatorType::Custom("Email Subject".into()))).unwrap();
    assert_eq!((subject.api_branch.as_str(), subject.api_entity.as_str(), subject.custom), ("emailSubjects", "emailSubject", true));
    let hashtag = types.iter().find(|t| t.is(&IndicatorType::Custom("hashtag".into()))).unwrap();
    assert_eq!((hashtag.api_branch.as_str(), hashtag.api_entity.as_str(), hashtag.custom), ("hashtags", "hashtag", true));
    assert_eq!(hashtag.value_labels(), ["Hashtag"]);

    let amber = run(c.security_label("TLP:AMBER")).unwrap();
    // v2 labels have a name, a description and a date (no colour, as documented).
    assert_eq!(amber.name, "TLP:AMBER");
    assert!(
        amber.description.as_deref().unwrap().starts_with("This security label is used for information that requires support"),
        "{:?}",
        amber.description
    );
    assert_eq!(run(c.security_label("TLP:NOPE")).unwrap_err().status(), Some(404));

    let tag = run(c.tag("APT Demo Bear")).unwrap();
    assert_eq!(tag.name, "APT Demo Bear");
    // Tag lookups: a tag put on a new host and a new incident is found under both.
    let h = run(c.v3_one(
        item::v3::create(
            Collection::Indicators,
            None,
            &json!({"type": "Host", "hostName": "tagged.example", "ownerName": "Demo Org", "tags": {"data": [{"name": "Live Tag"}]}}),
        ),
        Indicator::read,
    ))
    .unwrap();
    let g = run(c.v3_one(
        item::v3::create(
            Collection::Groups,
            None,
            &json!({"type": "Incident", "name": "Tagged incident", "ownerName": "Demo Org", "tags": {"data": [{"name": "Live Tag"}]}}),
        ),
        Group::read,
    ))
    .unwrap();
    let inds = run(c.tagged_indicators("Live Tag", None, &ListOptions::default())).unwrap();
    assert_eq!((inds.result_count, inds.items.iter().map(|i| i.id).collect::<Vec<_>>()), (Some(1), vec![h.id]));
    assert_eq!(run(c.tagged_indicators("Live Tag", Some("hosts"), &ListOptions::default())).unwrap().items[0].summary, "tagged.example");
    assert!(run(c.tagged_indicators("Live Tag", Some("addresses"), &ListOptions::default())).unwrap().items.is_empty());
    let groups = run(c.tagged_groups("Live Tag", Some(GroupType::Incident), &ListOptions::default())).unwrap();
    assert_eq!(groups.items.iter().map(|g| (g.id, g.name.as_str())).collect::<Vec<_>>(), [(g.id, "Tagged incident")]);
    assert!(run(c.tagged_groups("Live Tag", Some(GroupType::Adversary), &ListOptions::default())).unwrap().items.is_empty());

    // Owner metrics: the host and the incident above are counted in a later read.
    let before = run(c.owner_metrics(Some(2))).unwrap();
    assert_eq!(before.len(), 1);
    let m = &run(c.owner_metrics(Some(1))).unwrap()[0];
    let all = run(c.owner_metrics(None)).unwrap();
    assert_eq!(all.len(), 3, "one entry per owner");
    assert_eq!(all[0].total_indicator, m.total_indicator);
    run(c.v3_one(
        item::v3::create(Collection::Indicators, None, &json!({"type": "Host", "hostName": "counted.example", "ownerName": "Demo Org"})),
        Indicator::read,
    ))
    .unwrap();
    let after = &run(c.owner_metrics(Some(1))).unwrap()[0];
    assert_eq!(after.total_indicator.unwrap(), m.total_indicator.unwrap() + 1);
    assert_eq!(after.raw["totalHost"].as_i64().unwrap(), m.raw["totalHost"].as_i64().unwrap() + 1);
    assert_eq!(after.metric_date.len(), 10, "a date: {}", after.metric_date);
    assert_eq!(run(c.owner_metrics(Some(99))).unwrap_err().status(), Some(404));
}

#[test]
fn observations_with_offsets_observed_dns_and_paging() {
    let (_sb, c) = start();
    let item = host("bad.example.com");
    // An observation dated with an offset, as the SDK's examples send it; read back in UTC.
    run(c.add_observation(&item, 3, Some("2031-01-02T01:30:00+05:30"))).unwrap();
    let list = run(c.observations(&item, None)).unwrap();
    assert_eq!((list[0].count, list[0].date_observed.as_deref()), (3, Some("2031-01-01T20:00:00Z")));
    let n = run(c.observation_count(&item, None)).unwrap();
    assert_eq!((n.count, n.last_observed.as_deref()), (15 + 3, Some("2031-01-01T20:00:00Z")), "the seed's 15 and these 3");
    run(c.add_observation(&item, 1, Some("2031-01-02T01:30:00-06:00"))).unwrap();
    let observed = run(c.observed(Some("2031-01-01"))).unwrap();
    assert_eq!(
        observed.iter().map(|o| (o.summary.as_str(), o.observation_count, o.last_observed.as_deref())).collect::<Vec<_>>(),
        [("bad.example.com", 4, Some("2031-01-02T07:30:00Z"))]
    );

    // DNS: the seed's host resolved to 203.0.113.66, and back.
    let dns = run(c.dns_resolutions(&item, None)).unwrap();
    assert!(
        dns.iter()
            .any(|d| d.resolution_date.is_some()
                && d.resolved.iter().any(|a| a.summary == "203.0.113.66" && a.indicator_type == IndicatorType::Address))
    );
    let back = run(c.dns_resolutions(&ItemRef::indicator(&IndicatorType::Address, "203.0.113.66").unwrap(), None)).unwrap();
    assert!(back.iter().any(|d| d.resolved.iter().any(|h| h.summary == "bad.example.com")));

    // The v2 pager over a filtered list, two per page: every match once, as a direct count says.
    for (name, rating) in [("p1.example", 1.0), ("p3.example", 3.0), ("p4.example", 4.0), ("p5.example", 5.0), ("p5b.example", 5.0)] {
        run(c.v3_one(
            item::v3::create(Collection::Indicators, None, &json!({"type": "Host", "hostName": name, "rating": rating, "ownerName": "Demo Org"})),
            Indicator::read,
        ))
        .unwrap();
    }
    let opts = ListOptions {
        result_limit: Some(2),
        filters: vec![Filter::new("summary", Op::StartsWith, "p"), Filter::new("rating", Op::Geq, "3")],
        ..Default::default()
    };
    let mut names: Vec<String> = run(c.v2_pager(indicators::v2::list(Some("hosts"), &opts), "host", Indicator::read).collect_all())
        .unwrap()
        .into_iter()
        .map(|i| i.summary)
        .collect();
    names.sort();
    assert_eq!(names, ["p3.example", "p4.example", "p5.example", "p5b.example"]);
    let leq = ListOptions { filters: vec![Filter::new("summary", Op::StartsWith, "p"), Filter::new("rating", Op::Leq, "3")], ..Default::default() };
    let mut low: Vec<String> =
        run(c.v2_list(indicators::v2::list(Some("hosts"), &leq), "host", Indicator::read)).unwrap().items.into_iter().map(|i| i.summary).collect();
    low.sort();
    assert_eq!(low, ["p1.example", "p3.example"]);
    // modifiedSince: a date after every write of this test leaves nothing.
    let later = ListOptions { modified_since: Some("2099-01-01T00:00:00-06:00".into()), ..Default::default() };
    assert!(run(c.v2_list(indicators::v2::list(Some("hosts"), &later), "host", Indicator::read)).unwrap().items.is_empty());
}

#[test]
fn space_element_state_files_and_job() {
    let (_sb, c) = start();
    assert_eq!(run(c.space_state("41")).unwrap(), json!({}), "nothing saved yet");
    let state = json!({"pivot": {"v": 1, "assocFilter": "evil", "collapsed": ["whois"]}});
    run(c.save_space_state("41", &state)).unwrap();
    assert_eq!(run(c.space_state("41")).unwrap(), state);
    assert_eq!(run(c.space_state("42")).unwrap(), json!({}), "per element");
    run(c.save_space_file("41", "notes.txt", b"hello".to_vec(), "text/plain")).unwrap();
    assert_eq!(run(c.space_file("41", "notes.txt")).unwrap(), b"hello");
    assert_eq!(run(c.space_file("41", "other.txt")).unwrap_err().status(), Some(404));
    assert_eq!(run(c.space_job("41")).unwrap(), serde_json::Value::Null);
    run(c.v2_ok(HttpRequest::post(ApiPath::lit("/v2/exchange/spaces").seg("41").seg("job").build()).json(&json!({"schedule": "daily"})))).unwrap();
    assert_eq!(run(c.space_job("41")).unwrap(), json!({"schedule": "daily"}));
}

#[test]
fn version_1_batch_file_is_a_json_array_of_indicators() {
    let (_sb, c) = start();
    // The V1 Batch API page's indicator fields: summary, type, rating, confidence, description.
    let file = json!([
        {"summary": "v1-one.example", "type": "Host", "rating": 3, "confidence": 60, "description": "from a V1 file"},
        {"summary": "198.51.100.200", "type": "Address"}
    ]);
    let out = run(c.run_batch(&BatchConfig::create("Demo Org"), &file, 30)).unwrap();
    assert_eq!((out.status.success_count, out.status.error_count), (2, 0), "{:?}", out.errors);
    let h = run(c.v2_one(item::v2::get(&host("v1-one.example"), None), "host", Indicator::read)).unwrap();
    assert_eq!((h.rating, h.confidence, h.description.as_deref()), (Some(3.0), Some(60.0), Some("from a V1 file")));
}

#[test]
fn victims_their_assets_and_groups_then_tasks() {
    let (_sb, c) = start();
    // The documented create example (docs/rest_api/v2/victims/create.rst).
    let created = run(c.create_victim(
        Some("Demo Org"),
        &json!({"name": "Example Victim", "description": "This victim got hacked.", "org": "Test Org",
        "suborg": "HR Department", "workLocation": "Washington D.C.", "nationality": "American"}),
    ))
    .unwrap();
    assert_eq!((created.name.as_str(), created.org.as_deref()), ("Example Victim", Some("Test Org")));
    assert_eq!(created.raw["workLocation"], "Washington D.C.");
    assert!(created.web_link.as_deref().unwrap().ends_with(&format!("/auth/victim/victim.xhtml?victim={}", created.id)), "{:?}", created.web_link);
    let id = created.id;
    let updated = run(c.update_victim(id, &json!({"org": "Psych", "suborg": "Super Sniffer Department"}))).unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.org.as_deref(), updated.raw["suborg"].as_str()),
        ("Example Victim", Some("Psych"), Some("Super Sniffer Department"))
    );
    let read = run(c.victim(id)).unwrap();
    assert_eq!((read.org.as_deref(), read.raw["nationality"].as_str()), (Some("Psych"), Some("American")), "the update shows in a later read");
    let page = run(c.victims(&ListOptions::default())).unwrap();
    assert_eq!((page.result_count, page.items.iter().map(|v| v.id).collect::<Vec<_>>()), (Some(1), vec![id]));
    assert_eq!(run(c.create_victim(None, &json!({"org": "no name"}))).unwrap_err().status(), Some(400));
    assert_eq!(run(c.victim(id + 1000)).unwrap_err().status(), Some(404));

    // Assets: the documented network account, then an email address; written answers come as `victim{Type}`.
    let account = run(c.create_victim_asset(id, "networkAccounts", &json!({"account": "John Doe", "network": "Active Directory"}))).unwrap();
    assert_eq!(
        (account.asset_type.as_str(), account.name.as_deref(), account.raw["network"].as_str()),
        ("NetworkAccount", Some("John Doe"), Some("Active Directory"))
    );
    let email = run(c.create_victim_asset(id, "emailAddresses", &json!({"address": "bad@badguys.com", "addressType": "work"}))).unwrap();
    assert_eq!((email.asset_type.as_str(), email.name.as_deref()), ("EmailAddress", Some("bad@badguys.com")));
    let moved = run(c.update_victim_asset(id, "emailAddresses", email.id, &json!({"address": "nobody@gmail.com"}))).unwrap();
    assert_eq!((moved.id, moved.name.as_deref(), moved.raw["addressType"].as_str()), (email.id, Some("nobody@gmail.com"), Some("work")));
    let all: Vec<(String, Option<String>)> = run(c.victim_assets(id, None)).unwrap().into_iter().map(|a| (a.asset_type, a.name)).collect();
    assert_eq!(all, [("NetworkAccount".to_string(), Some("John Doe".to_string())), ("EmailAddress".into(), Some("nobody@gmail.com".into()))]);
    let emails: Vec<i64> = run(c.victim_assets(id, Some("emailAddresses"))).unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(emails, [email.id]);
    assert_eq!(run(c.create_victim_asset(id, "webSites", &json!({"network": "no webSite"}))).unwrap_err().status(), Some(400));
    assert!(matches!(run(c.create_victim_asset(id, "pagers", &json!({}))), Err(Error::Config(_))), "an unknown asset type is refused before sending");

    // Associated with the seeded Incident 9, seen from both ends; then dissociated.
    let victim = ItemRef::Victim(id);
    let incident = ItemRef::group(GroupType::Incident, 9);
    run(c.v2_ok(associations::v2::link(&victim, &incident))).unwrap();
    let groups = run(c.v2_list(associations::v2::groups(&victim, None, &ListOptions::default()), "group", Group::read)).unwrap();
    assert_eq!(groups.items.iter().map(|g| (g.id, g.name.as_str())).collect::<Vec<_>>(), [(9, "Finance workstation compromise")]);
    let victims: Vec<i64> = run(c.associated_victims(&incident)).unwrap().into_iter().map(|v| v.id).collect();
    assert_eq!(victims, [id]);
    run(c.v2_ok(associations::v2::unlink(&victim, &incident))).unwrap();
    assert_eq!(run(c.associated_victims(&incident)).unwrap(), vec![]);

    // Tasks: the documented create example's fields (docs/rest_api/v2/tasks/create.rst).
    let task = run(c.create_task(
        Some("Demo Org"),
        &json!({"name": "Test Task", "dueDate": "2017-07-13T13:36:53-04:00",
        "assignee": [{"userName": "analyst@demo.example"}]}),
    ))
    .unwrap();
    assert_eq!(
        (task.name.as_str(), task.owner.name.as_str(), task.status.as_deref(), task.due_date.as_deref()),
        ("Test Task", "Demo Org", Some("Not Started"), Some("2017-07-13T13:36:53-04:00"))
    );
    assert_eq!((task.raw["escalated"].as_bool(), task.raw["assignee"][0]["userName"].as_str()), (Some(false), Some("analyst@demo.example")));
    let done = run(c.update_task(task.id, &json!({"status": "Completed"}))).unwrap();
    assert_eq!((done.name.as_str(), done.status.as_deref()), ("Test Task", Some("Completed")));
    assert_eq!(run(c.task(task.id)).unwrap().status.as_deref(), Some("Completed"), "the update shows in a later read");
    let tasks = run(c.tasks(&ListOptions::default())).unwrap();
    assert_eq!((tasks.result_count, tasks.items.iter().map(|t| t.id).collect::<Vec<_>>()), (Some(1), vec![task.id]));
    assert_eq!(run(c.update_task(task.id, &json!({"status": "Finished"}))).unwrap_err().status(), Some(400));
}

/// Creates an indicator of `Demo Org` from its documented v3 fields.
fn create_ind(c: &Client<NativeTransport>, body: serde_json::Value) -> Indicator {
    let mut body = body;
    body["ownerName"] = json!("Demo Org");
    run(c.v3_one(item::v3::create(Collection::Indicators, None, &body), Indicator::read)).unwrap()
}

#[test]
fn association_types_and_named_associations() {
    let (_sb, c) = start();
    // The documented example (docs/rest_api/v2/associations/associations.rst).
    let adversary = run(c.association_type("Adversary")).unwrap();
    assert_eq!(
        (adversary.name.as_str(), adversary.custom, adversary.file_action, adversary.api_branch.as_deref()),
        ("Adversary", false, false, Some("adversaries"))
    );
    assert_eq!(adversary.raw["custom"], "false", "the documented string is kept");
    assert_eq!(run(c.association_type("No Such Association")).unwrap_err().status(), Some(404));
    // The documented table of indicator-to-indicator associations and file actions (indicator_to_indicator_assoc.rst).
    let all = run(c.association_types()).unwrap();
    let by = |name: &str| all.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{name} missing"));
    assert_eq!((by("ASN to CIDR").api_branch.as_deref(), by("ASN to CIDR").file_action), (Some("asnToCidr"), false));
    assert_eq!(by("URL Host").api_branch.as_deref(), Some("urlHost"));
    assert_eq!((by("File Mutex").api_branch.as_deref(), by("File Mutex").file_action), (Some("mutex"), true));
    assert_eq!(all.iter().filter(|t| t.file_action).count(), 7, "the seven documented file actions");

    // GET /v2/indicators/asns/ASN12345/associations/asnToCidr/indicators, with the documented values.
    let asn = create_ind(&c, json!({"type": "ASN", "AS Number": "ASN12345"}));
    let cidr = create_ind(&c, json!({"type": "CIDR", "Block": "192.168.0.0/24"}));
    let addr = create_ind(&c, json!({"type": "Address", "ip": "192.168.0.1"}));
    let asn_ref = ItemRef::indicator(&IndicatorType::Asn, "ASN12345").unwrap();
    let cidr_ref = ItemRef::indicator(&IndicatorType::Cidr, "192.168.0.0/24").unwrap();
    let addr_ref = ItemRef::indicator(&IndicatorType::Address, "192.168.0.1").unwrap();
    assert!(run(c.named_associated_indicators(&asn_ref, "asnToCidr", &ListOptions::default())).unwrap().items.is_empty());
    run(c.associate_named(&asn_ref, "asnToCidr", &cidr_ref)).unwrap();
    let page = run(c.named_associated_indicators(&asn_ref, "asnToCidr", &ListOptions::default())).unwrap();
    assert_eq!(
        (page.result_count, page.items.iter().map(|i| (i.id, i.summary.as_str(), i.indicator_type.clone())).collect::<Vec<_>>()),
        (Some(1), vec![(cidr.id, "192.168.0.0/24", IndicatorType::Cidr)])
    );
    // Seen from the other end, and not under another association.
    let back: Vec<i64> =
        run(c.named_associated_indicators(&cidr_ref, "asnToCidr", &ListOptions::default())).unwrap().items.iter().map(|i| i.id).collect();
    assert_eq!(back, [asn.id]);
    assert!(run(c.named_associated_indicators(&asn_ref, "asnToAddress", &ListOptions::default())).unwrap().items.is_empty());
    // The documented create: POST /v2/indicators/addresses/192.168.0.1/associations/cidrToAddress/indicators/cidrBlocks/192.168.0.0%2F24
    run(c.associate_named(&addr_ref, "cidrToAddress", &cidr_ref)).unwrap();
    let of_cidr: Vec<i64> =
        run(c.named_associated_indicators(&cidr_ref, "cidrToAddress", &ListOptions::default())).unwrap().items.iter().map(|i| i.id).collect();
    assert_eq!(of_cidr, [addr.id]);
    // Types outside the documented pairs are refused; an unknown association is 404.
    assert_eq!(run(c.associate_named(&asn_ref, "asnToCidr", &addr_ref)).unwrap_err().status(), Some(400));
    assert_eq!(run(c.named_associated_indicators(&asn_ref, "asnToNowhere", &ListOptions::default())).unwrap_err().status(), Some(404));
    run(c.dissociate_named(&cidr_ref, "asnToCidr", &asn_ref)).unwrap();
    assert!(run(c.named_associated_indicators(&asn_ref, "asnToCidr", &ListOptions::default())).unwrap().items.is_empty());
    assert_eq!(run(c.dissociate_named(&asn_ref, "asnToCidr", &cidr_ref)).unwrap_err().status(), Some(404));
}

#[test]
fn file_occurrences_v2_and_v3_and_file_actions() {
    let (_sb, c) = start();
    // The documented file (docs/rest_api/v2/indicators/create.rst, "Create File Occurrences").
    let file = create_ind(&c, json!({"type": "File", "md5": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}));
    let f = ItemRef::indicator(&IndicatorType::File, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    assert!(run(c.file_occurrences(&f)).unwrap().is_empty());
    let occ = run(
        c.create_file_occurrence(&f, &json!({"fileName": "win999301.dll", "path": "C:\\\\Windows\\System", "date": "2017-07-13T00:00:00-05:00"}))
    )
    .unwrap();
    // The documented answer: the date in UTC.
    assert_eq!(
        (occ.file_name.as_deref(), occ.path.as_deref(), occ.date.as_deref()),
        (Some("win999301.dll"), Some("C:\\\\Windows\\System"), Some("2017-07-13T05:00:00Z"))
    );
    let listed = run(c.file_occurrences(&f)).unwrap();
    assert_eq!(listed.iter().map(|o| (o.id, o.file_name.as_deref())).collect::<Vec<_>>(), [(occ.id, Some("win999301.dll"))]);
    // The documented update (update.rst), read back one by id.
    let upd = run(c.update_file_occurrence(
        &f,
        occ.id,
        &json!({"fileName": "newFileName.exe", "path": "C:\\\\Windows\\User32", "date": "2017-07-14T05:00:00Z"}),
    ))
    .unwrap();
    assert_eq!((upd.id, upd.file_name.as_deref(), upd.path.as_deref()), (occ.id, Some("newFileName.exe"), Some("C:\\\\Windows\\User32")));
    let one = run(c.file_occurrence(&f, occ.id)).unwrap();
    assert_eq!(
        (one.file_name.as_deref(), one.date.as_deref()),
        (Some("newFileName.exe"), Some("2017-07-14T05:00:00Z")),
        "the update shows in a later read"
    );
    assert_eq!(run(c.file_occurrence(&f, occ.id + 1000)).unwrap_err().status(), Some(404));
    assert_eq!(run(c.create_file_occurrence(&f, &json!({}))).unwrap_err().status(), Some(400), "at least one field, as documented");
    assert_eq!(run(c.file_occurrences(&host("bad.example.com"))).unwrap_err().status(), Some(400), "files only");

    // v3: the documented PUT /v3/indicators/{id}?fields=fileOccurrences adds one; both show in a v3 read and in v2.
    let all = run(c.v3_add_file_occurrences(
        file.id,
        vec![json!({"fileName": "win999301.dll", "path": "C:\\\\Windows\\System", "date": "2022-06-14T10:00:00Z"})],
    ))
    .unwrap();
    assert_eq!(
        all.iter().map(|o| (o.file_name.as_deref(), o.date.as_deref())).collect::<Vec<_>>(),
        [(Some("newFileName.exe"), Some("2017-07-14T05:00:00Z")), (Some("win999301.dll"), Some("2022-06-14T10:00:00Z"))]
    );
    assert_eq!(run(c.v3_file_occurrences(file.id)).unwrap(), all);
    assert_eq!(run(c.file_occurrences(&f)).unwrap().len(), 2);

    // File actions: the documented mutex example (indicator_to_indicator_assoc.rst).
    create_ind(&c, json!({"type": "File", "md5": "8743b52063cd84097a65d1633f5c74f5"}));
    let mutex = create_ind(&c, json!({"type": "Mutex", "Mutex": "50F163F13C2FF8FDB5262A672EB39B19"}));
    let src = ItemRef::indicator(&IndicatorType::File, "8743b52063cd84097a65d1633f5c74f5").unwrap();
    let m = ItemRef::indicator(&IndicatorType::Mutex, "50F163F13C2FF8FDB5262A672EB39B19").unwrap();
    run(c.add_file_action(&src, "mutex", &m)).unwrap();
    let page = run(c.file_action_indicators(&src, "mutex", &ListOptions::default())).unwrap();
    assert_eq!(
        (page.result_count, page.items.iter().map(|i| (i.id, i.summary.as_str(), i.indicator_type.clone())).collect::<Vec<_>>()),
        (Some(1), vec![(mutex.id, "50F163F13C2FF8FDB5262A672EB39B19", IndicatorType::Mutex)])
    );
    assert!(run(c.file_action_indicators(&src, "drop", &ListOptions::default())).unwrap().items.is_empty());
    // File Traffic relates addresses, hosts and URLs, not mutexes (the documented table).
    assert_eq!(run(c.add_file_action(&src, "traffic", &m)).unwrap_err().status(), Some(400));
    run(c.add_file_action(&src, "traffic", &host("bad.example.com"))).unwrap();
    assert_eq!(run(c.file_action_indicators(&src, "traffic", &ListOptions::default())).unwrap().items[0].id, 1, "the seed's host 1");
    run(c.remove_file_action(&src, "mutex", &m)).unwrap();
    assert!(run(c.file_action_indicators(&src, "mutex", &ListOptions::default())).unwrap().items.is_empty());
}

#[test]
fn adversary_assets_by_type_and_all() {
    let (_sb, c) = start();
    let adv = 2; // the seed's Adversary "APT Demo Bear"
    assert!(run(c.adversary_assets(adv, None)).unwrap().is_empty());
    // The documented create (docs/rest_api/v2/groups/create.rst): answered as adversaryHandle.
    let handle = run(c.create_adversary_asset(adv, "handles", &json!({"handle": "Pierre Despereaux"}))).unwrap();
    assert_eq!(
        (handle.asset_type.as_str(), handle.value.as_deref(), handle.raw["handle"].as_str()),
        ("Handle", Some("Pierre Despereaux"), Some("Pierre Despereaux"))
    );
    assert!(handle.web_link.as_deref().unwrap().ends_with("/auth/adversary/adversary.xhtml?adversary=2"), "{:?}", handle.web_link);
    // The documented list's values (retrieve.rst), then the documented URL update (update.rst).
    let url = run(c.create_adversary_asset(adv, "urls", &json!({"url": "http://facebook.com/therealbadguy"}))).unwrap();
    let phone = run(c.create_adversary_asset(adv, "phoneNumbers", &json!({"phoneNumber": "555-0100"}))).unwrap();
    let all: Vec<(i64, String, Option<String>)> =
        run(c.adversary_assets(adv, None)).unwrap().into_iter().map(|a| (a.id, a.asset_type, a.value)).collect();
    assert_eq!(
        all,
        [
            (handle.id, "Handle".to_string(), Some("Pierre Despereaux".to_string())),
            (url.id, "URL".into(), Some("http://facebook.com/therealbadguy".into())),
            (phone.id, "PhoneNumber".into(), Some("555-0100".into()))
        ]
    );
    let moved = run(c.update_adversary_asset(adv, "urls", url.id, &json!({"url": "https://newsite.com/"}))).unwrap();
    assert_eq!((moved.id, moved.asset_type.as_str(), moved.value.as_deref()), (url.id, "URL", Some("https://newsite.com/")));
    assert_eq!(
        run(c.adversary_asset(adv, "urls", url.id)).unwrap().value.as_deref(),
        Some("https://newsite.com/"),
        "the update shows in a later read"
    );
    let urls: Vec<i64> = run(c.adversary_assets(adv, Some("urls"))).unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(urls, [url.id]);
    // Errors: an asset of another type or adversary, a missing value, an undocumented type (refused before sending).
    assert_eq!(run(c.adversary_asset(adv, "handles", url.id)).unwrap_err().status(), Some(404));
    assert_eq!(run(c.adversary_assets(3, None)).unwrap_err().status(), Some(404), "group 3 is not an Adversary");
    assert_eq!(run(c.create_adversary_asset(adv, "handles", &json!({"url": "x"}))).unwrap_err().status(), Some(400));
    assert!(matches!(run(c.adversary_assets(adv, Some("emails"))), Err(Error::Config(_))));
    run(c.delete_adversary_asset(adv, "handles", handle.id)).unwrap();
    assert_eq!(run(c.adversary_assets(adv, None)).unwrap().len(), 2);
}

#[test]
fn victims_associated_with_indicators() {
    let (_sb, c) = start();
    // The documented example: POST /v2/indicators/emailAddresses/bad@example.com/victims/{victimId}.
    create_ind(&c, json!({"type": "EmailAddress", "address": "bad@example.com"}));
    let email = ItemRef::indicator(&IndicatorType::EmailAddress, "bad@example.com").unwrap();
    let v = run(c.create_victim(Some("Demo Org"), &json!({"name": "Example Victim", "org": "Test Org"}))).unwrap();
    let other = run(c.create_victim(Some("Demo Org"), &json!({"name": "Bystander"}))).unwrap();
    assert_eq!(run(c.associated_victims(&email)).unwrap(), vec![]);
    run(c.v2_ok(associations::v2::link(&email, &ItemRef::Victim(v.id)))).unwrap();
    let got: Vec<(i64, String, Option<String>)> = run(c.associated_victims(&email)).unwrap().into_iter().map(|x| (x.id, x.name, x.org)).collect();
    assert_eq!(got, [(v.id, "Example Victim".to_string(), Some("Test Org".to_string()))]);
    // One of them by id; one not associated is 404.
    assert_eq!(run(c.associated_victim(&email, v.id)).unwrap().name, "Example Victim");
    assert_eq!(run(c.associated_victim(&email, other.id)).unwrap_err().status(), Some(404));
    assert_eq!(run(c.associated_victims(&host("bad.example.com"))).unwrap(), vec![]);
    run(c.v2_ok(associations::v2::unlink(&email, &ItemRef::Victim(v.id)))).unwrap();
    assert_eq!(run(c.associated_victims(&email)).unwrap(), vec![]);
    assert_eq!(run(c.v2_ok(associations::v2::unlink(&email, &ItemRef::Victim(v.id)))).unwrap_err().status(), Some(404));
}

#[test]
fn v3_victims_and_victim_assets() {
    let (_sb, c) = start();
    // The documented create (docs/rest_api/v3/victims/create.rst), with its email asset.
    let v = run(c.v3_create_victim(None, &json!({"name": "John Doe", "nationality": "American", "org": "Company ABC", "suborg": "HR Department",
        "workLocation": "Washington, D.C.", "assets": {"data": [{"address": "jdoe@companyabc.com", "addressType": "Corporate email", "type": "EmailAddress"}]}}))).unwrap();
    assert_eq!(
        (v.name.as_str(), v.org.as_deref(), v.raw["suborg"].as_str(), v.raw["workLocation"].as_str(), v.raw["ownerName"].as_str()),
        ("John Doe", Some("Company ABC"), Some("HR Department"), Some("Washington, D.C."), Some("Demo Org"))
    );
    assert!(v.web_link.as_deref().unwrap().ends_with(&format!("/auth/victim/victim.xhtml?victim={}", v.id)));
    let assets = v.assets().unwrap();
    assert_eq!(
        assets
            .iter()
            .map(|a| (a.asset_type.as_str(), a.name.as_deref(), a.raw["addressType"].as_str(), a.raw["victimId"].as_i64()))
            .collect::<Vec<_>>(),
        [("EmailAddress", Some("jdoe@companyabc.com"), Some("Corporate email"), Some(v.id))]
    );
    // The documented asset create (victim_assets/create.rst): a Phone.
    let phone = run(c.v3_create_victim_asset(&json!({"phone": "0123456789", "type": "Phone", "victimId": v.id}))).unwrap();
    assert_eq!((phone.asset_type.as_str(), phone.name.as_deref(), phone.raw["victimId"].as_i64()), ("Phone", Some("0123456789"), Some(v.id)));
    // The documented victim update (victims/update.rst): a WebSite asset added, the name changed, the rest kept.
    let upd =
        run(c.v3_update_victim(v.id, &json!({"assets": {"data": [{"website": "evilll.com", "type": "WebSite"}]}, "name": "Jane Doe"}))).unwrap();
    assert_eq!((upd.name.as_str(), upd.raw["nationality"].as_str()), ("Jane Doe", Some("American")));
    let site = upd.assets().unwrap().into_iter().find(|a| a.asset_type == "WebSite").unwrap();
    assert_eq!(site.name.as_deref(), Some("evilll.com"));
    // The documented asset update (victim_assets/update.rst), read back by id.
    let moved = run(c.v3_update_victim_asset(site.id, &json!({"website": "hackerwebsite.com"}))).unwrap();
    assert_eq!((moved.id, moved.asset_type.as_str(), moved.name.as_deref()), (site.id, "WebSite", Some("hackerwebsite.com")));
    assert_eq!(run(c.v3_victim_asset(site.id)).unwrap().name.as_deref(), Some("hackerwebsite.com"), "the update shows in a later read");
    // A later read with fields=assets, the lists, and the same rows through v2.
    let read = run(c.v3_victim(v.id, true)).unwrap();
    let kinds: Vec<(String, Option<String>)> = read.assets().unwrap().into_iter().map(|a| (a.asset_type, a.name)).collect();
    assert_eq!(
        kinds,
        [
            ("EmailAddress".to_string(), Some("jdoe@companyabc.com".to_string())),
            ("Phone".into(), Some("0123456789".into())),
            ("WebSite".into(), Some("hackerwebsite.com".into()))
        ]
    );
    assert!(run(c.v3_victim(v.id, false)).unwrap().assets().unwrap().is_empty(), "no assets unless asked for");
    let all = run(c.v3_victims(false)).unwrap();
    assert_eq!(all.items.iter().map(|x| (x.id, x.name.as_str())).collect::<Vec<_>>(), [(v.id, "Jane Doe")]);
    assert_eq!(run(c.v3_victim_assets()).unwrap().items.len(), 3);
    let v2names: Vec<Option<String>> = run(c.victim_assets(v.id, None)).unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(v2names, [Some("jdoe@companyabc.com".to_string()), Some("0123456789".into()), Some("hackerwebsite.com".into())]);
    // Errors: no name, an unknown asset type, a missing value, an unknown victim.
    assert_eq!(run(c.v3_create_victim(None, &json!({"org": "x"}))).unwrap_err().status(), Some(400));
    assert_eq!(run(c.v3_create_victim_asset(&json!({"type": "Pager", "victimId": v.id}))).unwrap_err().status(), Some(400));
    assert_eq!(run(c.v3_create_victim_asset(&json!({"type": "Phone", "victimId": v.id}))).unwrap_err().status(), Some(400));
    assert_eq!(run(c.v3_victim(v.id + 1000, false)).unwrap_err().status(), Some(404));
}

#[test]
fn signature_download_is_its_file_text() {
    let (_sb, c) = start();
    // A Signature's documented fields (docs/rest_api/v2/groups/group_fields.rst): fileName, fileType, fileText.
    let rule = "rule bad_guy {\n  strings: $a = \"evil\"\n  condition: $a\n}\n";
    let sig = run(c.v2_one(
        groups::v2::create(
            GroupType::Signature,
            Some("Demo Org"),
            &json!({"name": "Bad Guy Rule", "fileName": "bad_guy.yara", "fileType": "YARA", "fileText": rule}),
        ),
        "group",
        Group::read,
    ))
    .unwrap();
    assert_eq!((sig.name.as_str(), sig.raw["fileName"].as_str(), sig.raw["fileType"].as_str()), ("Bad Guy Rule", Some("bad_guy.yara"), Some("YARA")));
    assert_eq!(run(c.download_signature(sig.id)).unwrap(), rule, "the download is the fileText written");
    assert_eq!(
        run(c.v2_one(
            groups::v2::create(GroupType::Signature, Some("Demo Org"), &json!({"name": "No text", "fileName": "x.yara", "fileType": "YARA"})),
            "group",
            Group::read
        ))
        .unwrap_err()
        .status(),
        Some(400)
    );
    assert_eq!(run(c.download_signature(sig.id + 1000)).unwrap_err().status(), Some(404));
    // The seed's Signature group 13 has no fileText.
    assert_eq!(run(c.download_signature(13)).unwrap_err().status(), Some(404));
}

#[test]
fn bulk_reports_status_json_and_csv() {
    let (_sb, c) = start();
    // The documented CSV example (docs/rest_api/v2/indicators/bulk_download.rst) parses as written.
    let doc = "Type,Value,Rating,Confidence\nHost,example.com,null,null\nAddress,192.168.31.136,3.00,0\nFile,ABCDE123456804A61F2A704811F51BC,3.00,55\nURL,http://www.example.com/malware.exe,null,0\nEmailAddress,spearphisher@example.com,3.00,62\n";
    let rows = BulkCsvRow::parse_report(doc).unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0], BulkCsvRow { indicator_type: "Host".into(), value: "example.com".into(), rating: None, confidence: None });
    assert_eq!(
        rows[4],
        BulkCsvRow { indicator_type: "EmailAddress".into(), value: "spearphisher@example.com".into(), rating: Some(3.0), confidence: Some(62.0) }
    );

    // Reports are published for Communities and Sources; the Organization's are disabled.
    let st = run(c.bulk_status(Some("Common Community"))).unwrap();
    assert_eq!((st.name.as_str(), st.csv_enabled, st.json_enabled, st.status.as_deref()), ("Common Community", true, true, Some("Complete")));
    let org = run(c.bulk_status(Some("Demo Org"))).unwrap();
    assert_eq!((org.csv_enabled, org.json_enabled), (false, false));
    assert_eq!(run(c.bulk_json(Some("Demo Org"), false)).unwrap_err().status(), Some(400));

    // Writes to the Community show in its next report: the documented CSV row's values, and a URL with a comma.
    let mut body = json!({"type": "EmailAddress", "address": "spearphisher@example.com", "rating": 3, "confidence": 62});
    body["ownerName"] = json!("Common Community");
    run(c.v3_one(item::v3::create(Collection::Indicators, None, &body), Indicator::read)).unwrap();
    let mut url = json!({"type": "URL", "text": "http://evil.example/a,b"});
    url["ownerName"] = json!("Common Community");
    run(c.v3_one(item::v3::create(Collection::Indicators, None, &url), Indicator::read)).unwrap();

    // What the report should hold, read another way: the owner's v2 indicator list, page by page.
    let opts = ListOptions { owner: Some("Common Community".into()), result_limit: Some(50), ..Default::default() };
    let mut want: Vec<(String, String)> = run(c.v2_pager(indicators::v2::list(None, &opts), "indicator", Indicator::read).collect_all())
        .unwrap()
        .into_iter()
        .map(|i| (i.indicator_type.type_name().to_string(), i.summary))
        .collect();
    want.sort();
    assert!(want.len() >= 3, "{want:?}");
    let json_report = run(c.bulk_json(Some("Common Community"), true)).unwrap();
    let mut got: Vec<(String, String)> = json_report.iter().map(|i| (i.indicator_type.type_name().to_string(), i.summary.clone())).collect();
    got.sort();
    assert_eq!(got, want);
    let phish = json_report.iter().find(|i| i.summary == "spearphisher@example.com").unwrap();
    assert_eq!((phish.rating, phish.confidence, phish.owner.name.as_str()), (Some(3.0), Some(62.0), "Common Community"));
    let host = json_report.iter().find(|i| i.summary == "bad.example.com").unwrap();
    assert!(host.raw["tag"].is_array() && host.raw["attribute"].is_array(), "tags and attributes included: {}", host.raw);

    let csv = run(c.bulk_csv(Some("Common Community"), false)).unwrap();
    let mut got: Vec<(String, String)> = csv.iter().map(|r| (r.indicator_type.clone(), r.value.clone())).collect();
    got.sort();
    assert_eq!(got, want);
    assert!(csv.contains(&BulkCsvRow {
        indicator_type: "EmailAddress".into(),
        value: "spearphisher@example.com".into(),
        rating: Some(3.0),
        confidence: Some(62.0)
    }));
    assert!(csv.iter().any(|r| r.value == "http://evil.example/a,b" && r.rating.is_none()), "a quoted value keeps its comma");
}

/// v3 writes answered with `fields=` expansions decode as reads do; a Document's file
/// through the v3 upload and download (docs/rest_api/v3/groups/retrieve_upload_update_document.rst).
#[test]
fn v3_writes_with_fields_and_document_files() {
    let (_sb, c) = start();
    // The seed's host bad.example.com is indicator 1 (crates/tc-sandbox/README.md).
    let tag = item::nested("tags", vec![json!({"name": "Answered With Fields"})], Mode::Append);
    let i = run(c.v3_update_indicator(1, &tag, &["tags", "attributes"])).unwrap();
    assert_eq!(i.summary, "bad.example.com");
    assert!(i.tags.iter().any(|t| t.name == "Answered With Fields"), "{:?}", i.tags);
    assert!(!i.attributes.is_empty(), "the attributes expansion came with the answer");
    // Without the expansion, the answer has none (as a read without fields=tags).
    let bare = run(c.v3_update_indicator(1, &json!({"confidence": 61}), &[])).unwrap();
    assert!(bare.tags.is_empty() && bare.confidence == Some(61.0), "{bare:?}");
    let note = item::nested("attributes", vec![json!({"type": "Description", "value": "written with fields=attributes"})], Mode::Append);
    let g = run(c.v3_update_group(9, &note, &["attributes"])).unwrap();
    assert_eq!(g.name, "Finance workstation compromise");
    assert!(g.attributes.iter().any(|a| a.value == "written with fields=attributes"), "{:?}", g.attributes);

    // A Document: the documented answer to an upload, a second POST refused, PUT replaces.
    let doc = run(c.v3_one(
        item::v3::create(Collection::Groups, Some("Demo Org"), &json!({"type": "Document", "name": "Dropper notes", "fileName": "notes.txt"})),
        Group::read,
    ))
    .unwrap();
    assert_eq!(run(c.v3_upload(doc.id, b"first version".to_vec(), None, false)).unwrap(), "Upload successful");
    assert_eq!(run(c.v3_download(doc.id)).unwrap(), b"first version");
    assert_eq!(
        run(c.v3_upload(doc.id, b"second".to_vec(), None, false)).unwrap_err().status(),
        Some(400),
        "a file exists: POST needs updateIfExists"
    );
    assert_eq!(run(c.v3_upload(doc.id, b"second version".to_vec(), Some("notes-v2.txt"), true)).unwrap(), "Upload successful");
    assert_eq!(run(c.v3_download(doc.id)).unwrap(), b"second version");
    // The same file through v2, and the file name the upload set.
    assert_eq!(run(c.bytes(groups::v2::download(GroupType::Document, doc.id))).unwrap(), b"second version");
    let read = run(c.v3_one(groups::v3::get(doc.id, false), Group::read)).unwrap();
    assert_eq!(read.raw["fileName"], "notes-v2.txt");
    // Only Documents and Reports hold a file.
    assert_eq!(run(c.v3_upload(9, b"x".to_vec(), None, false)).unwrap_err().status(), Some(400));
    assert_eq!(run(c.v3_download(9)).unwrap_err().status(), Some(400));
}

//! Request shapes of every builder: method, path (encoded), query, body, headers.

use pivot::tc::v2::{self, BatchConfig, Filter, ItemRef, ListOptions, Op};
use pivot::tc::v3::{self, Collection, IndicatorKey, Mode};
use pivot::tc::*;
use serde_json::{json, Value};

fn line(r: &HttpRequest) -> String {
    format!("{} {}", r.method.as_str(), r.path_and_query())
}

fn body(r: &HttpRequest) -> Value {
    serde_json::from_slice(r.body.as_deref().expect("a body")).unwrap()
}

fn host() -> ItemRef {
    ItemRef::indicator(&IndicatorType::Host, "bad.example").unwrap()
}
fn url() -> ItemRef {
    ItemRef::indicator(&IndicatorType::Url, "http://bad.example/a?b=c#d%e+f").unwrap()
}
fn threat() -> ItemRef {
    ItemRef::group(GroupType::Threat, 12345)
}

#[test]
fn indicator_paths_encode_values_as_one_segment() {
    assert_eq!(line(&v2::item(&url(), None)), "GET /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf?includeAdditional=true");
    let email = ItemRef::indicator(&IndicatorType::EmailAddress, "bad@example.com").unwrap();
    assert_eq!(line(&v2::tags(&email, Some("Example Org"))), "GET /v2/indicators/emailAddresses/bad%40example.com/tags?owner=Example%20Org");
    let custom = ItemRef::custom_indicator("hashtags", "#evil");
    assert_eq!(line(&v2::item(&custom, None)), "GET /v2/indicators/hashtags/%23evil?includeAdditional=true");
    assert!(ItemRef::indicator(&IndicatorType::Custom("Hashtag".into()), "x").is_none(), "custom types need their apiBranch");
    assert_eq!(line(&v2::indicator_types()), "GET /v2/types/indicatorTypes?includeAdditional=true");
    assert_eq!(line(&v2::observed(Some("2022-04-05"))), "GET /v2/indicators/observed?dateObserved=2022-04-05");
}

#[test]
fn every_base_type_and_group_type_has_a_path() {
    for t in pivot::tc::types::BASE_INDICATOR_TYPES {
        let r = v2::indicators(t.v2_branch(), &ListOptions::default());
        assert_eq!(line(&r), format!("GET /v2/indicators/{}", t.v2_branch().unwrap()));
    }
    for g in pivot::tc::types::GROUP_TYPES {
        assert_eq!(line(&v2::item(&ItemRef::group(g, 1), None)), format!("GET /v2/groups/{}/1", g.v2_branch()));
        assert_eq!(line(&v2::groups(Some(g), &ListOptions::default())), format!("GET /v2/groups/{}", g.v2_branch()));
    }
    assert_eq!(line(&v2::groups(None, &ListOptions::default())), "GET /v2/groups");
}

#[test]
fn list_options_filters_paging_owner() {
    let opts = ListOptions {
        owner: Some("Common Community".into()),
        result_start: Some(0),
        result_limit: Some(500),
        filters: vec![Filter::new("summary", Op::StartsWith, "bad"), Filter::new("rating", Op::Gt, "3"), Filter::new("confidence", Op::Lt, "50"), Filter::new("tag", Op::Eq, "APT 1")],
        or_params: true,
        modified_since: Some("2024-01-01T00:00:00Z".into()),
        include_additional: true,
        includes: vec!["tags".into(), "attributes".into()],
    };
    assert_eq!(
        line(&v2::indicators(Some("hosts"), &opts)),
        "GET /v2/indicators/hosts?owner=Common%20Community&resultStart=0&resultLimit=500\
&filters=summary%5Ebad%2Crating%3E3%2Cconfidence%3C50%2Ctag%3DAPT%201&orParams=true\
&modifiedSince=2024-01-01T00%3A00%3A00Z&includeAdditional=true&includes=tags&includes=attributes"
    );
    // `>=` and `<=` (the JavaScript SDK's GE and LE), percent-encoded like the others.
    let ge = ListOptions { filters: vec![Filter::new("rating", Op::Geq, "3"), Filter::new("confidence", Op::Leq, "50")], ..ListOptions::default() };
    assert_eq!(line(&v2::indicators(None, &ge)), "GET /v2/indicators?filters=rating%3E%3D3%2Cconfidence%3C%3D50");
    // has-next / next with resultCount (first page) and without (later pages).
    let o = ListOptions { result_limit: Some(2), ..ListOptions::default() };
    assert!(o.has_next(2, Some(5)));
    let n = o.next_page(2);
    assert_eq!(n.result_start, Some(2));
    assert!(n.has_next(2, None));
    assert!(!n.next_page(2).has_next(1, None));
    assert!(!o.has_next(2, Some(2)));
}

#[test]
fn items_crud_and_groups_keep_their_type_segment() {
    let r = v2::create_indicator("hosts", Some("Org"), &json!({"hostName": "bad.example", "rating": 3}));
    assert_eq!(line(&r), "POST /v2/indicators/hosts?owner=Org");
    assert_eq!(body(&r)["hostName"], "bad.example");
    assert_eq!(r.header_value("Content-Type"), Some("application/json"));
    // The JavaScript SDK PUT groups to a path without the type segment.
    let r = v2::update_item(&ItemRef::group(GroupType::Incident, 12345), None, &json!({"name": "New"}));
    assert_eq!(line(&r), "PUT /v2/groups/incidents/12345");
    assert_eq!(line(&v2::delete_item(&host(), Some("Org"))), "DELETE /v2/indicators/hosts/bad.example?owner=Org");
    assert_eq!(line(&v2::create_group(GroupType::Adversary, None, &json!({"name": "A"}))), "POST /v2/groups/adversaries");
    let r = v2::publish(GroupType::Report, 9, &["TLP:GREEN"], false);
    assert_eq!(line(&r), "POST /v2/groups/reports/9/publish");
    assert_eq!(body(&r), json!({"securityLabelList": ["TLP:GREEN"], "excludeUnlabeled": false}));
}

#[test]
fn associations_read_create_delete() {
    let none = ListOptions::default();
    assert_eq!(line(&v2::associated_groups(&host(), None, &none)), "GET /v2/indicators/hosts/bad.example/groups");
    assert_eq!(line(&v2::associated_groups(&host(), Some(GroupType::Incident), &none)), "GET /v2/indicators/hosts/bad.example/groups/incidents");
    assert_eq!(line(&v2::associated_indicators(&threat(), Some("addresses"), &none)), "GET /v2/groups/threats/12345/indicators/addresses");
    assert_eq!(line(&v2::associated_victims(&threat(), &none)), "GET /v2/groups/threats/12345/victims");
    assert_eq!(line(&v2::associated_victim_assets(&threat(), None, &none)), "GET /v2/groups/threats/12345/victimAssets");
    let inc = ItemRef::group(GroupType::Incident, 54321);
    assert_eq!(line(&v2::associate(&threat(), &inc)), "POST /v2/groups/threats/12345/groups/incidents/54321");
    assert_eq!(line(&v2::dissociate(&threat(), &inc)), "DELETE /v2/groups/threats/12345/groups/incidents/54321");
    assert_eq!(line(&v2::associate(&ItemRef::Task(12345), &ItemRef::indicator(&IndicatorType::Address, "0.0.0.0").unwrap())), "POST /v2/tasks/12345/indicators/addresses/0.0.0.0");
    assert_eq!(line(&v2::dissociate(&threat(), &ItemRef::Victim(54321))), "DELETE /v2/groups/threats/12345/victims/54321");
    assert_eq!(line(&v2::associate(&url(), &inc)), "POST /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf/groups/incidents/54321");
}

#[test]
fn metadata_attributes_tags_labels_observations() {
    assert_eq!(line(&v2::attributes(&threat(), None)), "GET /v2/groups/threats/12345/attributes");
    assert_eq!(line(&v2::attribute(&threat(), 54321)), "GET /v2/groups/threats/12345/attributes/54321");
    let r = v2::create_attribute(&threat(), "Description", "d", true);
    assert_eq!(line(&r), "POST /v2/groups/threats/12345/attributes");
    assert_eq!(body(&r), json!({"type": "Description", "value": "d", "displayed": true}));
    assert_eq!(line(&v2::update_attribute(&threat(), 54321, "x")), "PUT /v2/groups/threats/12345/attributes/54321");
    assert_eq!(line(&v2::delete_attribute(&threat(), 54321)), "DELETE /v2/groups/threats/12345/attributes/54321");
    assert_eq!(line(&v2::attribute_security_labels(&ItemRef::Task(12345), 54321)), "GET /v2/tasks/12345/attributes/54321/securityLabels");
    assert_eq!(line(&v2::add_attribute_security_label(&threat(), 1, "TLP:AMBER")), "POST /v2/groups/threats/12345/attributes/1/securityLabels/TLP%3AAMBER");
    assert_eq!(line(&v2::remove_attribute_security_label(&threat(), 1, "TLP:AMBER")), "DELETE /v2/groups/threats/12345/attributes/1/securityLabels/TLP%3AAMBER");
    assert_eq!(line(&v2::add_tag(&ItemRef::Victim(12345), "Nation State")), "POST /v2/victims/12345/tags/Nation%20State");
    assert_eq!(line(&v2::remove_tag(&ItemRef::Victim(12345), "Nation State")), "DELETE /v2/victims/12345/tags/Nation%20State");
    assert_eq!(line(&v2::all_tags(Some("Nation State"), Some("groups"), &ListOptions::default())), "GET /v2/tags/Nation%20State/groups");
    assert_eq!(line(&v2::add_security_label(&threat(), "TLP:AMBER")), "POST /v2/groups/threats/12345/securityLabels/TLP%3AAMBER");
    assert_eq!(line(&v2::remove_security_label(&threat(), "TLP:AMBER")), "DELETE /v2/groups/threats/12345/securityLabels/TLP%3AAMBER");
    assert_eq!(line(&v2::security_labels(&threat(), None)), "GET /v2/groups/threats/12345/securityLabels");
    assert_eq!(line(&v2::all_security_labels(Some("TLP:AMBER"), Some("indicators"), &ListOptions::default())), "GET /v2/securityLabels/TLP%3AAMBER/indicators");
    let r = v2::add_observation(&host(), 2, Some("2024-01-01T00:00:00Z"));
    assert_eq!(line(&r), "POST /v2/indicators/hosts/bad.example/observations");
    assert_eq!(body(&r), json!({"count": 2, "dateObserved": "2024-01-01T00:00:00Z"}));
    assert_eq!(line(&v2::observations(&host(), None)), "GET /v2/indicators/hosts/bad.example/observations");
    assert_eq!(line(&v2::observation_count(&host(), None)), "GET /v2/indicators/hosts/bad.example/observationCount");
    assert_eq!(line(&v2::report_false_positive(&host(), Some("Org"))), "POST /v2/indicators/hosts/bad.example/falsePositive?owner=Org");
    assert_eq!(line(&v2::indicator_owners(&url())), "GET /v2/indicators/urls/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc%23d%25e%2Bf/owners");
    assert_eq!(line(&v2::dns_resolutions(&host(), None)), "GET /v2/indicators/hosts/bad.example/dnsResolutions");
    let file = ItemRef::indicator(&IndicatorType::File, "AAAA").unwrap();
    assert_eq!(line(&v2::file_occurrences(&file, None)), "GET /v2/indicators/files/AAAA/fileOccurrences");
}

#[test]
fn owners_whoami_tasks_victims() {
    assert_eq!(line(&v2::owners()), "GET /v2/owners");
    assert_eq!(line(&v2::owner(2)), "GET /v2/owners/2");
    assert_eq!(line(&v2::owner_metrics(None)), "GET /v2/owners/metrics");
    assert_eq!(line(&v2::owner_metrics(Some(2))), "GET /v2/owners/2/metrics");
    assert_eq!(line(&v2::my_owner()), "GET /v2/owners/mine");
    assert_eq!(line(&v2::my_members()), "GET /v2/owners/mine/members");
    assert_eq!(line(&v2::whoami()), "GET /v2/whoami");
    assert_eq!(line(&v2::tasks(&ListOptions::default())), "GET /v2/tasks");
    assert_eq!(line(&v2::create_task(Some("Org"), &json!({"name": "t"}))), "POST /v2/tasks?owner=Org");
    assert_eq!(line(&v2::victims(&ListOptions::default())), "GET /v2/victims");
    assert_eq!(line(&v2::create_victim(None, &json!({"name": "v"}))), "POST /v2/victims");
    assert_eq!(line(&v2::create_victim_asset(1, "emailAddresses", &json!({"address": "a@b"}))), "POST /v2/victims/1/victimAssets/emailAddresses");
    assert_eq!(line(&v2::item(&ItemRef::Victim(12345), None)), "GET /v2/victims/12345");
}

#[test]
fn batch_job_shape_limits_and_polling() {
    let mut c = BatchConfig::create("Example Org");
    c.attribute_write_type = "Append".into();
    c.tag_write_type = Some("Replace".into());
    let r = v2::create_batch(&c);
    assert_eq!(line(&r), "POST /v2/batch");
    // action and attributeWriteType are separate fields (the JS SDK overwrote one with the other).
    assert_eq!(body(&r), json!({"version": "V2", "owner": "Example Org", "haltOnError": false, "action": "Create", "attributeWriteType": "Append", "tagWriteType": "Replace"}));
    // The documented batch inputs (tests/fixtures/threatconnect-batch) are accepted as upload bodies.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/threatconnect-batch");
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
    assert_eq!(entries.len(), 11, "the 11 documented batch inputs in {}", dir.display());
    {
        for e in entries {
            let data: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            let r = v2::upload_batch(7, &data).unwrap();
            assert_eq!(line(&r), "POST /v2/batch/7");
            assert_eq!(r.header_value("Content-Type"), Some("application/octet-stream"));
            assert_eq!(serde_json::from_slice::<Value>(r.body.as_deref().unwrap()).unwrap(), data);
        }
    }
    let too_many = json!({"indicator": vec![json!({}); 25_001]});
    assert!(matches!(v2::upload_batch(7, &too_many), Err(Error::Config(_))));
    let too_big = json!({"indicator": [{"summary": "x".repeat(2_000_001)}]});
    assert!(matches!(v2::upload_batch(7, &too_big), Err(Error::Config(_))));
    assert_eq!(line(&v2::batch_status(7)), "GET /v2/batch/7");
    assert_eq!(line(&v2::batch_errors(7)), "GET /v2/batch/7/errors");
    let delays: Vec<u32> = (0..8).map(v2::batch_poll_delay_ms).collect();
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
}

#[test]
fn batch_status_and_errors_decode() {
    let b = json!({"status": "Success", "data": {"batchStatus": {"id": "7", "status": "Completed", "errorCount": 1, "successCount": "10", "unprocessCount": 0}}});
    let s = envelope::v2_one(&b, v2::entity::BATCH_STATUS, BatchStatus::read).unwrap();
    assert!(s.is_done());
    assert_eq!((s.id, s.error_count, s.success_count), (7, 1, 10));
    let b = json!({"status": "Success", "data": {"batchId": 12}});
    assert_eq!(model::read_id(&b["data"]["batchId"], "data.batchId").unwrap(), 12);
    let b = json!({"status": "Success", "data": {"batchError": [{"errorReason": "bad", "errorMessage": "Invalid host"}]}});
    assert_eq!(envelope::v2_list(&b, v2::entity::BATCH_ERROR, BatchError::read).unwrap().items[0].error_message, "Invalid host");
}

#[test]
fn bulk_datastore_spaces_documents_manual() {
    assert_eq!(line(&v2::bulk_status(Some("Org"))), "GET /v2/indicators/bulk?owner=Org");
    assert_eq!(line(&v2::bulk_download("json", Some("Org"))), "GET /v2/indicators/bulk/json?owner=Org");
    let r = v2::datastore("organization", "pivot", "_search", Method::Get, Some(&json!({"query": {"match_all": {}}})));
    assert_eq!(line(&r), "POST /v2/exchange/db/organization/pivot/_search");
    assert_eq!(r.header_value("DB-Method"), Some("GET"));
    assert_eq!(line(&v2::space_state("42")), "GET /v2/exchange/spaces/42/state");
    assert_eq!(line(&v2::save_space_state("42", &json!({"a": 1}))), "POST /v2/exchange/spaces/42/state");
    assert_eq!(line(&v2::space_file("42", "my file.json")), "GET /v2/exchange/spaces/42/file/my%20file.json");
    assert_eq!(line(&v2::save_space_file("42", "f", vec![1], "application/json")), "POST /v2/exchange/spaces/42/file/f");
    assert_eq!(line(&v2::space_job("42")), "GET /v2/exchange/spaces/42/job");
    assert_eq!(line(&v2::download(GroupType::Document, 5)), "GET /v2/groups/documents/5/download");
    assert_eq!(line(&v2::download(GroupType::Signature, 5)), "GET /v2/groups/signatures/5/download");
    // Uploads: Documents only, as documented (v2 Groups, "Uploading/Updating Document Contents").
    assert_eq!(line(&v2::upload_document(5, vec![0, 1], false)), "POST /v2/groups/documents/5/upload");
    assert_eq!(line(&v2::upload_document(5, vec![0, 1], true)), "PUT /v2/groups/documents/5/upload");
    assert_eq!(line(&v2::manual(Method::Get, &["v2", "whatever", "a/b"], &[("x", "1 2")])), "GET /v2/whatever/a%2Fb?x=1%202");
    assert_eq!(line(&v2::with_activity_log(v2::delete_item(&host(), None), true)), "DELETE /v2/indicators/hosts/bad.example?createActivityLog=true");
}

#[test]
fn v3_panel_search_and_writes() {
    let r = v3::indicator(&IndicatorKey::Id(3), Some(&IndicatorType::File), Some("Demo Org"), true);
    assert_eq!(line(&r), "GET /v3/indicators/3?owner=Demo%20Org&fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess");
    let r = v3::indicator(&IndicatorKey::Summary("http://x/y?z".into()), Some(&IndicatorType::Url), None, false);
    assert_eq!(line(&r), "GET /v3/indicators/http%3A%2F%2Fx%2Fy%3Fz?fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels&fields=observations&fields=falsePositives&fields=threatAssess");
    assert_eq!(line(&v3::group(12, true)), "GET /v3/groups/12?fields=associatedGroups&fields=associatedIndicators&fields=attributes&fields=tags&fields=securityLabels");
    assert_eq!(line(&v3::groups_of_indicator(3, 100, 100)), "GET /v3/groups?tql=hasIndicator%28id%3D3%29&resultStart=100&resultLimit=100&count=true");
    assert_eq!(line(&v3::indicators_of_group(12, 0, 50)), "GET /v3/indicators?tql=hasGroup%28id%3D12%29&resultStart=0&resultLimit=50&count=true");
    assert_eq!(v3::tql_string(r#"a"b\c"#), r#""a\"b\\c""#);
    let r = v3::tags(Collection::Indicators, 4, &["APT"], pivot::tc::v3::Mode::Append);
    assert_eq!(line(&r), "PUT /v3/indicators/4");
    assert_eq!(body(&r), json!({"tags": {"data": [{"name": "APT"}], "mode": "append"}}));
    let r = v3::associate_groups(Collection::Indicators, 4, &[12], Mode::Delete);
    assert_eq!(body(&r), json!({"associatedGroups": {"data": [{"id": 12}], "mode": "delete"}}));
    assert_eq!(line(&v3::create(Collection::Groups, Some("Demo Community"), &json!({}))), "POST /v3/groups?owner=Demo%20Community");
    assert_eq!(line(&v3::api_token()), "POST /v3/token/api");
    let n = v3::follow_next("https://app.threatconnect.com/api/v3/attributeTypes?resultStart=100&resultLimit=100", "/api").unwrap();
    assert_eq!(line(&n), "GET /v3/attributeTypes?resultStart=100&resultLimit=100");
    assert!(v3::follow_next("https://evil.example/other", "/api").is_none());
    assert!(v3::follow_next("garbage", "/api").is_none());
}

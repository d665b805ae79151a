//! Every decoded field the views read, checked against the value ThreatConnect's
//! documentation shows for it (tests/fixtures/threatconnect-docs). The expected
//! values are copied from the documented examples by hand, not from the decoder:
//! dropping a field from a model (confidence, false positives, last observed,
//! webLink, ThreatAssess...) fails here.
//!
//! Run: `cargo test --no-default-features --features native --test tc_documented`

use pivot::tc::envelope;
use pivot::tc::*;
use serde_json::Value;

fn documented(file: &str) -> Value {
    let path = format!("{}/tests/fixtures/threatconnect-docs/{file}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    v["response"].clone()
}

#[test]
fn v3_host_fields_the_panel_shows() {
    // GET /v3/indicators/3 (v3 Indicators, "Retrieve a Single Indicator").
    let i = envelope::v3_one(&documented("v3__indicators__retrieve__2"), Indicator::read).unwrap();
    assert_eq!((i.id, i.summary.as_str(), i.indicator_type.clone()), (3, "badguy.com", IndicatorType::Host));
    assert_eq!(i.owner.name, "Demo Organization");
    assert_eq!(i.rating, Some(3.0));
    assert_eq!(i.confidence, Some(74.0));
    assert_eq!(i.description.as_deref(), Some("A bad host."));
    assert_eq!(i.web_link.as_deref(), Some("https://app.threatconnect.com/#/details/indicators/3/overview"));
    assert_eq!(i.date_added.as_deref(), Some("2021-10-26T12:40:00Z"));
    assert_eq!(i.last_modified.as_deref(), Some("2021-11-02T14:58:55Z"));
    assert_eq!((i.active, i.private_flag), (Some(true), Some(false)));
    // No ThreatAssess in this answer: none shown, and none taken for the owner's rating.
    assert_eq!((i.threat_assess_rating, i.threat_assess_score), (None, None));
}

#[test]
fn v3_counts_and_threat_assess() {
    // PUT /v3/indicators/75?fields=observations
    let i = envelope::v3_one(&documented("v3__indicators__falsePositivesObservations__3"), Indicator::read).unwrap();
    assert_eq!((i.observation_count, i.last_observed.as_deref()), (Some(1), Some("2024-12-09T00:00:00Z")));
    // PUT /v3/indicators/75?fields=falsePositives, the documented answer with ThreatAssess.
    let b = documented("v3__indicators__falsePositivesObservations__2");
    let f = envelope::v3_one(&b, FalsePositive::read).unwrap();
    assert_eq!((f.count, f.reported_by_user, f.last_reported.as_deref()), (1, Some(true), Some("2024-12-09T00:00:00Z")));
    let mut with_id = b.clone();
    with_id["data"]["id"] = 75.into();
    with_id["data"]["ownerName"] = "Demo Source".into();
    let i = envelope::v3_one(&with_id, Indicator::read).unwrap();
    assert_eq!(i.threat_assess_rating, Some(3.59));
    assert_eq!(i.threat_assess_confidence, Some(20.65));
    assert_eq!(i.threat_assess_score, Some(273.0));
    assert_eq!((i.false_positive_count, i.false_positive_last_reported.as_deref()), (Some(1), Some("2024-12-09T00:00:00Z")));
    // The owner's own rating and confidence are absent there: ThreatAssess does not stand in.
    assert_eq!((i.rating, i.confidence), (None, None));
}

#[test]
fn v2_host_with_additional_fields() {
    // GET /v2/indicators/hosts/example.com?includeAdditional=true
    let i = envelope::v2_one(&documented("v2__indicators__retrieve__10"), "host", Indicator::read).unwrap();
    assert_eq!((i.id, i.summary.as_str()), (12345, "example.com"));
    assert_eq!((i.owner.name.as_str(), i.owner.kind.as_deref()), ("Example Organization", Some("Organization")));
    assert_eq!((i.threat_assess_rating, i.threat_assess_confidence, i.threat_assess_score), (Some(3.0), Some(50.0), Some(354.0)));
    assert_eq!((i.rating, i.confidence), (None, None), "the owner gave no rating or confidence");
    assert_eq!((i.observation_count, i.last_observed.as_deref()), (Some(5), Some("2016-07-13T17:50:25-05:00")));
    assert_eq!((i.false_positive_count, i.false_positive_last_reported.as_deref()), (Some(1), Some("2017-07-13T17:50:25-05:00")));
    assert_eq!(i.web_link.as_deref(), Some("https://app.threatconnect.com/auth/indicators/details/host.xhtml?host=example.com&owner=Example%20Organization"));
    assert_eq!((i.active, i.private_flag), (Some(true), Some(false)));
    assert_eq!(i.date_added.as_deref(), Some("2017-06-21T17:50:25-05:00"));
}

#[test]
fn v2_mutex_rating_and_confidence_are_the_owners() {
    // GET /v2/indicators/mutexes/8F6F00C4-B901-45fd-08CF-72FDEFF
    let i = envelope::v2_one(&documented("v2__indicators__retrieve__7"), "mutex", Indicator::read).unwrap();
    assert_eq!((i.summary.as_str(), i.indicator_type.clone()), ("8F6F00C4-B901-45fd-08CF-72FDEFF", IndicatorType::Mutex));
    assert_eq!((i.rating, i.confidence), (Some(4.0), Some(85.0)));
    assert_eq!(i.threat_assess_score, Some(536.0));
}

#[test]
fn v2_observed_and_owners() {
    // GET /v2/indicators/observed?dateObserved=2022-04-05
    let p = envelope::v2_list(&documented("v2__indicators__retrieve__11"), "indicator", Observed::read).unwrap();
    let got: Vec<(&str, i64, Option<&str>)> = p.items.iter().map(|o| (o.summary.as_str(), o.observation_count, o.last_observed.as_deref())).collect();
    assert_eq!(got, vec![("192.168.0.1", 12, Some("2022-04-05T07:44:13Z")), ("example.com", 2, Some("2022-04-04T21:17:06Z"))]);
    assert_eq!(p.result_count, Some(2));
    // GET /v2/indicators/urls/.../owners: the other-owners card.
    let o = envelope::v2_list(&documented("v2__indicators__retrieve__8"), "owner", Owner::read).unwrap();
    let names: Vec<&str> = o.items.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Example Organization", "Common Community", "Example Community"]);
    assert_eq!(o.items[1].kind.as_deref(), Some("Community"));
}

#[test]
fn owners_mine_and_its_members() {
    let o = envelope::v2_one(&documented("v2__owners__retrieve__3"), "owner", Owner::read).unwrap();
    assert_eq!((o.id, o.name.as_str(), o.kind.as_deref()), (1, "Example Organization", Some("Organization")));
    // GET /v2/owners/mine/members: no resultCount in the documented answer.
    let m = envelope::v2_list(&documented("v2__owners__retrieve__5"), "user", User::read).unwrap();
    let got: Vec<(&str, Option<&str>, Option<&str>)> = m.items.iter().map(|u| (u.user_name.as_str(), u.first_name.as_deref(), u.last_name.as_deref())).collect();
    assert_eq!(got, vec![("12345678901234567890", Some("Jane"), Some("Doe")), ("12345678901234567891", Some("John"), Some("Doe"))]);
}

#[test]
fn dns_resolutions_of_a_host_and_of_an_address() {
    // GET /v2/indicators/hosts/example.com/dnsResolutions
    let h = envelope::v2_list(&documented("v2__indicators__host_specific_retrieve__1"), "dnsResolution", DnsResolution::read).unwrap();
    assert_eq!(h.items.len(), 1);
    assert_eq!(h.items[0].resolution_date.as_deref(), Some("2017-01-30T20:49:05Z"));
    let a = &h.items[0].resolved;
    assert_eq!((a.len(), a[0].id, a[0].summary.as_str(), a[0].indicator_type.clone()), (1, 123456, "192.168.100.1", IndicatorType::Address));
    // GET /v2/indicators/addresses/192.168.0.1/dnsResolutions: the hosts themselves.
    let d = envelope::v2_list(&documented("v2__indicators__address_specific_retrieve__1"), "dnsResolution", DnsResolution::read).unwrap();
    let r = &d.items[0].resolved[0];
    assert_eq!((r.id, r.summary.as_str(), r.indicator_type.clone(), r.rating, r.confidence), (123456, "example.com", IndicatorType::Host, Some(5.0), Some(85.0)));
}

#[test]
fn indicator_types_name_their_branches_and_value_labels() {
    // GET /v2/types/indicatorTypes
    let p = envelope::v2_list(&documented("v2__indicators__retrieve__1"), "indicatorType", IndicatorTypeDef::read).unwrap();
    assert_eq!(p.items.len(), 10);
    let rk = p.items.iter().find(|t| t.name == "Registry Key").unwrap();
    assert_eq!((rk.api_branch.as_str(), rk.api_entity.as_str(), rk.custom), ("registryKeys", "registryKey", true));
    assert_eq!(rk.value_labels(), ["Key Name", "Value Name"]);
    assert!(rk.is(&IndicatorType::RegistryKey));
    let item = serde_json::json!({"Key Name": "HKLM\\Run", "Value Name": "evil", "dnsActive": "false"});
    assert_eq!(rk.value_of(&item).as_deref(), Some("HKLM\\Run : evil"));
    let host = p.items.iter().find(|t| t.name == "Host").unwrap();
    assert_eq!((host.api_branch.as_str(), host.custom), ("hosts", false));
}

#[test]
fn group_event_date_and_status() {
    // PUT /v3/groups/217301 (v3 Groups, event status)
    let g = envelope::v3_one(&documented("v3__groups__event_status__1"), Group::read).unwrap();
    assert_eq!((g.id, g.name.as_str(), g.type_name.as_str()), (217301, "Cyber Attack", "Event"));
    assert_eq!((g.status.as_deref(), g.event_date.as_deref()), (Some("No Further Action"), Some("2025-07-19T00:00:00Z")));
    assert_eq!(g.owner.name, "Demo Source");
}

#[test]
fn security_label_and_attributes() {
    let l = envelope::v3_one(&documented("v3__security_labels__retrieve__2"), SecurityLabel::read).unwrap();
    assert_eq!((l.id, l.name.as_str(), l.color.as_deref(), l.date_added.as_deref()), (Some(3), "TLP:AMBER", Some("FFC000"), Some("2016-08-31T00:00:00Z")));
    let a = envelope::v3_list(&documented("v3__indicator_attributes__retrieve__1"), Attribute::read).unwrap();
    assert_eq!((a.items[0].id, a.items[0].attribute_type.as_str()), (10, "Additional Analysis and Context"));
    assert_eq!(a.items[0].value, "Host used by hacker conglomerate traced to Iran.");
    assert_eq!(a.items[0].default, Some(false));
}

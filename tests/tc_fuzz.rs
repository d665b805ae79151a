//! No panics on external input: arbitrary bytes and JSON through every decoder,
//! arbitrary strings through the URL helpers.

#![cfg(not(target_arch = "wasm32"))]

use pivot::tc::envelope::{self, json_body};
use pivot::tc::request::{decode_component, encode_component, parse_query, split_api_url};
use pivot::tc::retry::{parse_http_date, retry_after_ms};
use pivot::tc::*;
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        prop_oneof![Just("id"), Just("3.00"), Just("true"), Just(""), Just("Host"), Just("x")].prop_map(|s| Value::String(s.into())),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let keys = prop_oneof![
            Just("id"), Just("data"), Just("status"), Just("type"), Just("summary"), Just("name"), Just("owner"),
            Just("ownerName"), Just("tags"), Just("attributes"), Just("associatedGroups"), Just("associatedIndicators"),
            Just("securityLabels"), Just("resultCount"), Just("next"), Just("host"), Just("indicator"), Just("value"),
        ]
        .prop_map(str::to_string);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn all_decoders(v: &Value) {
    let _ = envelope::v2_list(v, "indicator", Indicator::read);
    let _ = envelope::v2_one(v, "host", Indicator::read);
    let _ = envelope::v2_list(v, "group", Group::read);
    let _ = envelope::v2_one(v, "attribute", Attribute::read);
    let _ = envelope::v3_one(v, Indicator::read);
    let _ = envelope::v3_one(v, Group::read);
    let _ = envelope::v3_list(v, Indicator::read);
    let _ = envelope::v3_list(v, Tag::read);
    let _ = envelope::v2_ok(v);
    let _ = envelope::v3_token(v);
    let _ = Indicator::read(v, "", "");
    let _ = Group::read(v, "", "incident");
    let _ = Owner::read(v, "", "");
    let _ = BatchStatus::read(v, "", "");
}

proptest! {
    #[test]
    fn decoders_never_panic_on_json(v in arb_json()) {
        all_decoders(&v);
        all_decoders(&serde_json::json!({"status": "Success", "data": v.clone()}));
        all_decoders(&serde_json::json!({"status": "Success", "data": {"host": v.clone(), "resultCount": "2"}}));
    }

    #[test]
    fn bodies_never_panic(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..64)) {
        let r = HttpResponse::new(status, body.clone());
        let _ = json_body(&r);
        let _ = error::http_error(status, &body);
    }

    #[test]
    fn url_helpers_never_panic_and_round_trip(s in ".{0,40}") {
        prop_assert_eq!(decode_component(&encode_component(&s)), s.clone());
        let _ = decode_component(&s);
        let _ = parse_query(&s);
        let _ = split_api_url(&s);
        let _ = v3::follow_next(&s, "/api");
        let _ = parse_http_date(&s);
        let _ = retry_after_ms(&s, 0);
    }
}

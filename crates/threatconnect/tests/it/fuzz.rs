//! No panics on external input: arbitrary JSON through every decoder, as it comes
//! bare, in a v3 envelope and as a v2 entity. (The URL helpers, `Retry-After` and raw
//! bodies are fuzzed beside their code: `http.rs`, `retry.rs`, `error.rs`.)

use proptest::prelude::*;
use serde_json::Value;
use threatconnect::decode;
use threatconnect::*;

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
            Just("id"),
            Just("data"),
            Just("status"),
            Just("type"),
            Just("summary"),
            Just("name"),
            Just("owner"),
            Just("ownerName"),
            Just("tags"),
            Just("attributes"),
            Just("associatedGroups"),
            Just("associatedIndicators"),
            Just("securityLabels"),
            Just("resultCount"),
            Just("next"),
            Just("host"),
            Just("indicator"),
            Just("value"),
        ]
        .prop_map(str::to_string);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn all_decoders(v: &Value) {
    let _ = decode::v2_list(v, "indicator", Indicator::read);
    let _ = decode::v2_one(v, "host", Indicator::read);
    let _ = decode::v2_list(v, "group", Group::read);
    let _ = decode::v2_one(v, "attribute", Attribute::read);
    let _ = decode::v3_one(v, Indicator::read);
    let _ = decode::v3_one(v, Group::read);
    let _ = decode::v3_list(v, Indicator::read);
    let _ = decode::v3_list(v, Tag::read);
    let _ = decode::v2_ok(v);
    let _ = decode::v3_token(v);
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
}

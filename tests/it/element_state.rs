//! The Space element's settings against the sandbox: saved and read back per element,
//! someone else's oversized state read as none.

use pivot::launch::element_state::{self, Settings, MAX_ANSWER};
use pivot_testing::{run, Sandbox, Seed};
use serde_json::json;
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::{Client, Credentials, Sort, SortField};

const GROUPS: &str = "associated-groups";
const INDICATORS: &str = "associated-indicators";

#[test]
fn live_settings_saved_and_read_back_per_element() {
    let sb = Sandbox::start(Seed::Demo);
    let c = Client::new(NativeTransport::new(&sb.origin()), "/api", Credentials::hmac(sb.access_id(), sb.secret_key()), Box::new(system_clock));
    assert_eq!(run(element_state::load(&c, 41)), Settings::default(), "nothing saved yet");
    let mut s = Settings::default();
    s.set_filter(7, INDICATORS, "100.64.7.");
    s.set_filter(7, GROUPS, "APT");
    s.set_sort(7, GROUPS, Some(Sort { field: SortField::LastModified, descending: true }));
    s.set_collapsed(GROUPS, true);
    assert!(run(element_state::save(&c, 41, &s)));
    assert_eq!(run(element_state::load(&c, 41)), s);
    // As stored by the sandbox, read with the documented-shape call.
    assert_eq!(
        run(c.space_state("41")).unwrap(),
        json!({"v": 2, "items": [{"item": "0000000000000007", "filters": {INDICATORS: "100.64.7.", GROUPS: "APT"}, "sorts": {GROUPS: "modified desc"}}], "collapsed": [GROUPS]})
    );
    assert_eq!(run(element_state::load(&c, 42)), Settings::default(), "per element");
    // Someone else's oversized state (under the sandbox's own 64 KB limit): read as none.
    run(c.save_space_state(
        "43",
        &json!({"v": 2, "items": [{"item": "0000000000000007", "filters": {INDICATORS: "x"}}], "pad": "y".repeat(MAX_ANSWER)}),
    ))
    .unwrap();
    assert_eq!(run(element_state::load(&c, 43)), Settings::default());
}

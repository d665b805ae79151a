//! Dot segments, like a real front end: the sandbox resolves `.` and `..` (and their
//! percent-encoded spellings) in the raw path before routing, as browsers and
//! ThreatConnect's own front end do, so a client that lets a dot segment through
//! really reaches the parent resource. Raw sockets, so no client normalises first and
//! what is checked includes hyper handing over the target as sent.
use crate::common::*;
use serde_json::Value;

const HOST: &str = "/api/v2/indicators/hosts/bad.example.com";

fn summary(r: &Response) -> Value {
    r.json()["data"]["host"]["hostName"].clone()
}

#[test]
fn a_dot_dot_tag_names_the_indicator_itself() {
    let sb = Sandbox::start(Seed::Demo);
    // What the client once sent for "remove tag ..": the parent, i.e. the host.
    for tail in ["/tags/..", "/tags/%2e%2e", "/tags/.%2E", "/tags/%2E.", "/tags/x/../.."] {
        let r = tcp_get(&sb, &format!("{HOST}{tail}"));
        assert_eq!(r.status, 200, "{tail}: {}", r.text());
        assert_eq!(summary(&r), "bad.example.com", "{tail}");
    }
    // A single dot stays where it is: the host's tag list.
    for tail in ["/tags/.", "/tags/%2e", "/./tags"] {
        let r = tcp_get(&sb, &format!("{HOST}{tail}"));
        assert_eq!(r.status, 200, "{tail}: {}", r.text());
        assert!(r.json()["data"]["tag"].is_array(), "{tail}: {}", r.text());
    }
    // And the harm is real: DELETE of tag "%2e%2e" deletes the host.
    let r = tcp_signed(&sb, "DELETE", &format!("{HOST}/tags/%2e%2e"), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(tcp_get(&sb, HOST).status, 404, "the host was deleted through its tag path");
}

#[test]
fn climbing_reaches_another_resource_and_percent_encoded_slashes_stay_inside_their_segment() {
    let sb = Sandbox::start(Seed::Demo);
    let r = tcp_get(&sb, "/api/v3/indicators/1/../../../v2/owners");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["data"]["owner"].is_array());
    // Above the root is the root.
    assert_eq!(tcp_get(&sb, "/api/../../../api/v2/owners").status, 200);
    // %2F is not a separator: "a/../b" is one segment (an indicator that does not exist), not "b".
    let r = tcp_get(&sb, "/api/v2/indicators/hosts/bad.example.com%2F..%2F..");
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.text().contains("bad.example.com/../.."), "{}", r.text());
}

#[test]
fn hmac_covers_the_path_as_sent_and_the_log_shows_both() {
    let sb = Sandbox::start(Seed::Demo);
    sb.clear_requests();
    let sent = "/api/v2/indicators/hosts/bad.example.com/tags/%2E%2E?owner=Demo%20Org";
    let resolved = "/api/v2/indicators/hosts/bad.example.com/";
    // Signed over the raw path: accepted.
    assert_eq!(tcp_get(&sb, sent).status, 200);
    // Signed over the resolved path but sent raw: refused, as a real instance would.
    let h = sb.hmac_headers("GET", &format!("{resolved}?owner=Demo%20Org"));
    let r = tcp(sb.port(), "GET", sent, &h, b"");
    assert_eq!(r.status, 401, "{}", r.text());
    let entries = sb.requests();
    assert_eq!(entries.len(), 2, "{entries:?}");
    for e in &entries {
        assert_eq!(e["path"], resolved, "{e}");
        assert_eq!(e["rawPath"], "/api/v2/indicators/hosts/bad.example.com/tags/%2E%2E", "{e}");
        assert_eq!(e["query"], "owner=Demo%20Org", "{e}");
    }
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[1]["status"], 401);
}

#[test]
fn stderr_log_names_what_was_sent_when_it_differs() {
    let sb = Process::start(&["--seed", "empty"]);
    for target in ["/api/v2/x/%2e%2e/owners", "/api/v2/owners"] {
        assert_eq!(sb.get(target).status, 200);
    }
    let err = sb.stop();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("GET ")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("GET /api/v2/owners 200 start=") && lines[0].ends_with(" sent=/api/v2/x/%2e%2e/owners"), "{}", lines[0]);
    assert!(lines[1].starts_with("GET /api/v2/owners 200 start=") && !lines[1].contains("sent="), "{}", lines[1]);
}

use crate::common::*;
use serde_json::Value;

/// Hostile input never crashes the sandbox and always gets a ThreatConnect error body. Over TCP:
/// the targets (bad percent-encoding, huge numbers, deep TQL) must get through hyper as sent.
#[test]
fn hostile_requests_get_error_bodies() {
    let sb = Sandbox::start(Seed::Demo);
    let deep = format!("{}id = 1{}", "(".repeat(500), ")".repeat(500));
    let cases: Vec<(String, &str, Vec<u16>)> = vec![
        ("/api/v3/indicators/%ZZ%".into(), "GET", vec![404]),
        ("/api/v3/indicators/%FF%FE".into(), "GET", vec![404]),
        ("/api/v2/indicators/hosts/%".into(), "GET", vec![404]),
        ("/api/v2/indicators/hosts/".into(), "GET", vec![200]),
        (format!("/api/v3/indicators?tql={}", enc(&deep)), "GET", vec![400]),
        ("/api/v3/indicators?tql=%FF%FE%FD".into(), "GET", vec![400]),
        ("/api/v3/indicators?tql=summary%20%3D%20%22%00%22".into(), "GET", vec![200]),
        ("/api/v3/indicators?resultLimit=-1".into(), "GET", vec![400]),
        ("/api/v3/indicators?resultStart=9223372036854775807".into(), "GET", vec![400]),
        ("/api/v3/indicators?resultStart=999999999&count=true".into(), "GET", vec![200]),
        ("/api/v2/indicators?resultStart=18446744073709551615".into(), "GET", vec![400]),
        ("/api/v2/indicators?resultStart=99999999999999999999999".into(), "GET", vec![400]),
        ("/api/v3/tags?resultStart=999999999".into(), "GET", vec![200]),
        ("/api/v3/indicators/1/../../v2/owners".into(), "GET", vec![404]),
        ("/api/v3/indicators".into(), "PATCH", vec![404, 405]),
        ("/api/v3/indicators/1".into(), "PATCH", vec![405]),
        ("/api/v2/groups/incidents/notanumber".into(), "GET", vec![404]),
        ("/api/v2/groups/incidents/99999999999999999999999".into(), "GET", vec![404]),
        ("/api".into(), "GET", vec![404]),
        ("/api/v9/x".into(), "GET", vec![404]),
        ("/nothing".into(), "GET", vec![404]),
    ];
    for (target, method, want) in &cases {
        let r = tcp_signed(&sb, method, target, None);
        assert!(want.contains(&r.status), "{} {} -> {} {}", method, target, r.status, r.text());
        let j: Value = serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("{} not JSON: {}", target, r.text()));
        if r.status >= 400 {
            assert!(j["status"] == "Failure" || j["status"] == "Error", "{}", j);
            assert!(j["message"].is_string());
        }
    }
    // Bodies: not JSON, not UTF-8, wrong shape.
    for body in [&b"\xff\xfe\x00garbage"[..], b"[1,2,3]", b"\"text\"", b"{\"type\": 5}", b"{\"type\": \"Host\"}"] {
        let h = sb.hmac_headers("POST", "/api/v3/indicators");
        let r = tcp(sb.port(), "POST", "/api/v3/indicators", &h, body);
        assert_eq!(r.status, 400, "{:?} -> {}", String::from_utf8_lossy(body), r.text());
        assert_eq!(r.json()["status"], "Error");
        let h = sb.hmac_headers("PUT", "/api/v2/indicators/hosts/bad.example.com");
        let r = tcp(sb.port(), "PUT", "/api/v2/indicators/hosts/bad.example.com", &h, body);
        assert!(r.status == 400 || r.status == 200, "{}", r.text());
    }
    // Still alive and well.
    assert_eq!(tcp_get(&sb, "/api/v3/indicators/1").status, 200);
}

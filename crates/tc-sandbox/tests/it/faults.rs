use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Sets faults through the control endpoint (in process), as the Node tests do over HTTP.
fn set(sb: &Sandbox, cfg: Value) {
    let r = control(sb, "POST", "/_sandbox/faults", Some(&cfg));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"], sb.server().faults());
}

/// A request to a control endpoint (`/_sandbox/...`, no auth) in process.
fn control(sb: &Sandbox, method: &str, path: &str, body: Option<&Value>) -> Response {
    sb.raw(method, path, &[], &body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
}

#[test]
fn each_status_fault() {
    let sb = Sandbox::start(Seed::Empty);
    for status in [401u16, 403, 404, 429, 500, 502, 503] {
        set(&sb, json!({"rules": [{"method": "GET", "pathPrefix": "/api/v3/indicators", "status": status, "times": 1}]}));
        // A different method or path is not affected.
        assert_eq!(sb.get("/api/v3/tags").status, 200);
        let r = sb.get("/api/v3/indicators");
        assert_eq!(r.status, status);
        let j = r.json();
        assert_eq!(j["status"], "Error");
        assert!(j["errCode"].as_str().unwrap().starts_with("0x"));
        if status == 429 {
            assert_eq!(r.header("Retry-After"), Some("1"));
        }
        // `times` is used up.
        assert_eq!(sb.get("/api/v3/indicators").status, 200);
    }
    // v2 paths get the v2 error body; retryAfter is sent; times: 2.
    set(&sb, json!({"rules": [{"pathPrefix": "/api/v2/", "status": 503, "retryAfter": 7, "times": 2}]}));
    for _ in 0..2 {
        let r = sb.get("/api/v2/owners");
        assert_eq!(r.status, 503);
        assert_eq!(r.header("Retry-After"), Some("7"));
        assert_eq!(r.json()["status"], "Failure");
    }
    assert_eq!(sb.get("/api/v2/owners").status, 200);
    // A rule without times applies until cleared.
    set(&sb, json!({"rules": [{"pathPrefix": "/api/v2/owners", "status": 500}]}));
    assert_eq!(sb.get("/api/v2/owners").status, 500);
    assert_eq!(sb.get("/api/v2/owners").status, 500);
    assert_eq!(control(&sb, "DELETE", "/_sandbox/faults", None).status, 200);
    assert_eq!(sb.get("/api/v2/owners").status, 200);
    // Bad configurations are refused with an error body.
    for bad in
        [json!({"rules": [{"status": 418}]}), json!({"rules": [{"body": "weird"}]}), json!({"rules": "x"}), json!([1]), json!({"latencyMs": "slow"})]
    {
        let r = control(&sb, "POST", "/_sandbox/faults", Some(&bad));
        assert_eq!(r.status, 400, "{}", bad);
        assert_eq!(r.json()["status"], "Failure");
    }
    let r = sb.raw("POST", "/_sandbox/faults", &[], b"{nope");
    assert_eq!(r.status, 400);
}

#[test]
fn body_faults() {
    let sb = Sandbox::start(Seed::Empty);
    let good = sb.get("/api/v2/owners");
    set(&sb, json!({"rules": [{"pathPrefix": "/api/v2/owners", "body": "truncated", "times": 1}]}));
    let r = sb.get("/api/v2/owners");
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert!(!r.body.is_empty() && good.body.starts_with(&r.body) && r.body.len() < good.body.len());
    set(&sb, json!({"rules": [{"pathPrefix": "/api/v2/owners", "body": "malformed", "times": 1}]}));
    let r = sb.get("/api/v2/owners");
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    set(&sb, json!({"rules": [{"pathPrefix": "/api/v2/owners", "body": "slow", "slowMs": 400, "times": 1}]}));
    let t = Instant::now();
    let r = sb.get("/api/v2/owners");
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.json(), good.json());
    let t = Instant::now();
    sb.get("/api/v2/owners");
    assert!(t.elapsed() < Duration::from_millis(400));
}

fn pattern(seed: u64) -> Vec<u16> {
    let sb = Sandbox::builder(Seed::Empty).fault_seed(seed).start();
    sb.faults(json!({"rules": [{"pathPrefix": "/api/v2/", "status": 502, "probability": 0.5}]}));
    (0..40).map(|_| sb.get("/api/v2/owners").status).collect()
}

#[test]
fn probability_repeats_with_the_same_seed() {
    let a = pattern(42);
    let b = pattern(42);
    assert_eq!(a, b);
    assert!(a.contains(&502) && a.contains(&200), "{:?}", a);
}

#[test]
fn no_v3_instance() {
    let sb = Sandbox::start(Seed::Empty);
    set(&sb, json!({"v3": false}));
    let r = sb.get("/api/v3/indicators");
    assert_eq!(r.status, 404);
    assert_eq!(sb.signed("POST", "/api/v3/token/api", None).status, 404);
    assert_eq!(sb.get("/api/v2/owners").status, 200);
    set(&sb, json!({"v3": true}));
    assert_eq!(sb.get("/api/v3/indicators").status, 200);
}

#[test]
fn latency_applies_concurrently_and_is_logged() {
    let sb = Sandbox::start(Seed::Empty);
    sb.faults(json!({"latencyMs": 500, "jitterMs": 0}));
    sb.clear_requests();
    let port = sb.port();
    // A burst over TCP, like a panel's requests: all released at the same moment.
    const BURST: usize = 12;
    let go = std::sync::Arc::new(std::sync::Barrier::new(BURST));
    let t = Instant::now();
    let handles: Vec<_> = (0..BURST)
        .map(|_| {
            let go = go.clone();
            let headers = sb.hmac_headers("GET", "/api/v2/owners");
            std::thread::spawn(move || {
                go.wait();
                tcp(port, "GET", "/api/v2/owners", &headers, b"").status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    let el = t.elapsed();
    // One latency for the whole burst: none of them waits for another.
    assert!(el >= Duration::from_millis(500) && el < Duration::from_millis(900), "{:?}", el);
    // Control endpoints are not delayed.
    let t = Instant::now();
    let log = tcp(port, "GET", "/_sandbox/requests", &[], b"").json();
    assert!(t.elapsed() < Duration::from_millis(400));
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), BURST);
    for e in entries {
        assert_eq!(e["method"], "GET");
        assert_eq!(e["path"], "/api/v2/owners");
        assert_eq!(e["status"], 200);
        assert!(e["endMs"].as_i64().unwrap() - e["startMs"].as_i64().unwrap() >= 500);
    }
    // Every request was taken up at once (a burst once queued one request
    // behind another's whole latency; see src/http.rs).
    let starts: Vec<i64> = entries.iter().map(|e| e["startMs"].as_i64().unwrap()).collect();
    let spread = starts.iter().max().unwrap() - starts.iter().min().unwrap();
    assert!(spread < 150, "request starts spread over {spread} ms: {starts:?}");
    assert_eq!(tcp(port, "DELETE", "/_sandbox/requests", &[], b"").status, 200);
    assert!(tcp(port, "GET", "/_sandbox/requests", &[], b"").json()["data"].as_array().unwrap().is_empty());
}

#[test]
fn latency_flag_and_log_never_holds_tokens() {
    let sb = Sandbox::builder(Seed::Empty).latency_ms(200).start();
    let t = Instant::now();
    assert_eq!(sb.get("/api/v2/owners?x=1").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    let tok = sb.token();
    sb.raw("GET", &format!("/api/appAuth?expiredToken={}", enc(&tok)), &[], b"");
    sb.with_token("GET", "/api/v2/whoami", &tok, None);
    let log = control(&sb, "GET", "/_sandbox/requests", None);
    let text = log.text();
    assert!(!text.contains(&tok) && !text.contains(&enc(&tok)), "token leaked into the request log");
    let entries = log.json()["data"].as_array().unwrap().clone();
    assert!(entries.iter().any(|e| e["path"] == "/api/appAuth" && e["query"] == "expiredToken=REDACTED"));
    assert!(entries.iter().any(|e| e["query"] == "x=1"));
    assert_eq!(control(&sb, "GET", "/_sandbox/nothing", None).status, 404);
}

#[test]
fn stderr_log_has_method_path_status_times_and_no_secrets() {
    let sb = Process::start(&["--seed", "empty"]);
    let port = sb.port;
    let h = sb.hmac_headers("POST", "/api/v3/token/api");
    let sig = h[0].1.clone();
    let tok = tcp(port, "POST", "/api/v3/token/api", &h, b"").json()["data"].as_str().unwrap().to_string();
    tcp(port, "GET", &format!("/api/appAuth?expiredToken={}", enc(&tok)), &[], b"");
    tcp(port, "GET", "/api/v2/nothing?a=b", &[("Authorization", format!("TC-Token {}", tok))], b"");
    let err = sb.stop();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("GET ") || l.starts_with("POST ")).collect();
    assert_eq!(lines.len(), 3, "{}", err);
    assert!(lines[0].starts_with("POST /api/v3/token/api 200 start="), "{}", lines[0]);
    assert!(lines[1].starts_with("GET /api/appAuth?expiredToken=REDACTED 200 start="), "{}", lines[1]);
    assert!(lines[2].starts_with("GET /api/v2/nothing?a=b 404 start="), "{}", lines[2]);
    for l in &lines {
        let start: i64 = l.split("start=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let end: i64 = l.split("end=").nth(1).unwrap().trim().parse().unwrap();
        assert!(end >= start && start > 1_600_000_000_000);
    }
    assert!(!err.contains(&tok) && !err.contains(&enc(&tok)) && !err.contains(sig.split(':').nth(1).unwrap()));
}

//! The real HTTP server end to end: requests over TCP, signed with HMAC, are answered exactly
//! as the same requests in process (which is what lets the other modules test in process), and
//! what only hyper sees (a malformed request line, a body cut short) is refused without harm.
use crate::common::*;
use serde_json::json;

/// Status, Content-Type and Retry-After, and body: what a client reads of an answer.
fn seen(r: &Response) -> (u16, Option<String>, Option<String>, String) {
    (r.status, r.header("Content-Type").map(str::to_owned), r.header("Retry-After").map(str::to_owned), r.text())
}

#[test]
fn an_hmac_request_over_tcp_is_answered_as_in_process() {
    let sb = Sandbox::start(Seed::Demo);
    let targets = [
        "/api/v2/owners",
        "/api/v3/security/owners",
        "/api/v3/indicators/1?fields=tags&fields=attributes",
        "/api/v2/indicators/hosts/bad.example.com/tags/%2e%2e?owner=Demo%20Org",
        "/api/v2/groups/documents/6/download",
        "/api/v3/indicators?tql=summary%20%3D%20%22%22%22",
        "/api/v9/nothing",
    ];
    for target in targets {
        sb.clear_requests();
        let over_tcp = tcp_get(&sb, target);
        let in_process = sb.get(target);
        assert_eq!(seen(&over_tcp), seen(&in_process), "{target}");
        assert!(over_tcp.header("Content-Length").is_some(), "{target}: hyper adds the length");
        // Both were logged alike.
        let log = sb.requests();
        assert_eq!(log.len(), 2, "{target}: {log:?}");
        for key in ["method", "path", "rawPath", "query", "status"] {
            assert_eq!(log[0][key], log[1][key], "{target}: {key}");
        }
    }
    // Unsigned, a token, a fault with Retry-After, a write: the same both ways.
    assert_eq!(seen(&tcp(sb.port(), "GET", "/api/v2/owners", &[], b"")), seen(&sb.raw("GET", "/api/v2/owners", &[], b"")));
    let tok = sb.token();
    let auth = [("Authorization", format!("TC-Token {tok}"))];
    assert_eq!(seen(&tcp(sb.port(), "GET", "/api/v2/whoami", &auth, b"")), seen(&sb.raw("GET", "/api/v2/whoami", &auth, b"")));
    sb.faults(json!({"rules": [{"pathPrefix": "/api/v3/tags", "status": 429, "times": 2}]}));
    let r = tcp_get(&sb, "/api/v3/tags");
    assert_eq!(r.status, 429);
    assert_eq!(seen(&r), seen(&sb.get("/api/v3/tags")));
    sb.clear_requests();
    let created = tcp_signed(&sb, "POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "tcp.example"})));
    assert_eq!(created.status, 201, "{}", created.text());
    let again = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "tcp.example"})));
    assert_eq!(again.status, 201, "the write over TCP is what the in-process request sees");
    assert_eq!(again.json()["data"]["id"], created.json()["data"]["id"], "the same indicator, updated");
    assert_eq!(sb.writes(), ["POST /api/v3/indicators", "POST /api/v3/indicators"]);
}

#[test]
fn malformed_requests_are_refused_and_the_server_goes_on() {
    let sb = Sandbox::start(Seed::Empty);
    // A target a browser would never send raw: hyper refuses it with an empty 400.
    for target in ["/api/v2/a b", "/api/v2/`x`"] {
        let r = tcp_bytes(sb.port(), format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
        assert_eq!(r.status, 400, "{target}: {}", r.text());
        assert!(r.body.is_empty(), "{target}: {}", r.text());
    }
    // Not HTTP at all.
    let r = tcp_bytes(sb.port(), b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n");
    assert_eq!(r.status, 400);
    // A body shorter than its Content-Length: the client stops writing, the sandbox says so.
    {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", sb.port())).unwrap();
        s.write_all(b"POST /api/v3/indicators HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"type\"").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("The request body ended early"), "{answer}");
    }
    // A body over 32 MiB is refused before any handling (in process: the same answer hyper's limit gives).
    let r = sb.raw("POST", "/api/v3/indicators", &[], &vec![b' '; 32 * 1024 * 1024 + 1]);
    assert_eq!(r.status, 413);
    assert_eq!(r.json(), json!({"status": "Failure", "message": "The request body is too large"}));
    // None of these reached the handler, and the server still answers.
    assert!(sb.requests().is_empty(), "{:?}", sb.requests());
    assert_eq!(tcp_get(&sb, "/api/v2/owners").status, 200);
}

//! The packaged service against a real mosquitto and redis-server, driven as ThreatConnect
//! drives it (see `harness`).

use crate::api::{Api, Proxy};
use crate::harness::{package, service_args, service_args_kv_api, Broker, Kv, Redis, Service, ThreatConnect, SERVER_TOPIC};
use serde_json::{json, Value};
use std::time::Duration;

/// The headers Pivot's page sends with an API call (same origin, its own header).
const FROM_PIVOT: &[(&str, &str)] = &[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin"), ("Accept", "application/json")];

fn ready(tc: &ThreatConnect) {
    tc.wait_for(20, |m| m["command"] == "Ready").expect("the service sends Ready on the client topic");
}

/// Plain broker, Redis without a password, write-back off: files, forwarded calls, every
/// refusal, heartbeat, logging change, the broker going away and back, shutdown.
#[test]
fn serves_files_and_forwards_only_what_it_may() {
    let Some(app) = package() else { return };
    let api = Api::start();
    let mut broker = Broker::start("plain", None);
    let redis = Redis::start("plain", None);
    let mut tc = ThreatConnect::connect(&broker, &redis);
    let mut svc = Service::start("plain", app, &service_args(&broker, &redis, &api.api_path(), json!({"allowWriteBack": false})));
    ready(&tc);

    // The UI's files: index.html for the app's root and any page path, never cached.
    // The page as packaged, with the service's params after its doctype (the test page has no `<head>`).
    let index = std::fs::read_to_string(app.join("ui/index.html")).expect("index.html");
    let (doctype, rest) = index.split_at("<!doctype html>".len());
    let index = format!("{doctype}<meta name=\"pivot-service-params\" content=\"allowWriteBack=false\">{rest}").into_bytes();
    for path in ["/", "/indicator/Host"] {
        let r = tc.request("GET", path, &[("type", "Host"), ("value", "bad.example.com")], &[], b"", "TOKEN-A");
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, index, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        assert_eq!(r.header("content-security-policy"), Some("frame-ancestors 'self'"));
    }
    // The wasm module: its type, cached for good (hashed name), gzip when accepted.
    let wasm_path = "/pivot-0123456789abcdef_bg.wasm";
    let wasm = std::fs::read(app.join("ui/pivot-0123456789abcdef_bg.wasm")).expect("wasm");
    let r = tc.request("GET", wasm_path, &[], &[], b"", "TOKEN-A");
    assert_eq!((r.status, r.header("content-type")), (200, Some("application/wasm")));
    assert_eq!(r.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, wasm);
    let r = tc.request("GET", wasm_path, &[], &[("Accept-Encoding", "gzip, deflate")], b"", "TOKEN-A");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert!(r.body.len() < wasm.len() / 4, "gzip of a mostly-zero module is small: {}", r.body.len());
    assert_eq!(r.body, std::fs::read(app.join("ui/pivot-0123456789abcdef_bg.wasm.gz")).expect("gz twin"));
    // A browser that accepts br gets the brotli twin, which Node's zlib decodes to the module.
    let r = tc.request("GET", wasm_path, &[], &[("Accept-Encoding", "gzip, deflate, br, zstd")], b"", "TOKEN-A");
    assert_eq!((r.header("content-encoding"), r.header("content-type")), (Some("br"), Some("application/wasm")));
    assert_eq!(r.body, std::fs::read(app.join("ui/pivot-0123456789abcdef_bg.wasm.br")).expect("br twin"));
    let decoded = std::process::Command::new("node")
        .args(["-e", "process.stdout.write(require('node:zlib').brotliDecompressSync(require('node:fs').readFileSync(0)))"])
        .stdin(std::fs::File::open(app.join("ui/pivot-0123456789abcdef_bg.wasm.br")).expect("br twin"))
        .output()
        .expect("node");
    assert_eq!(decoded.stdout, wasm, "the br twin is the module");
    assert_eq!(tc.request("GET", wasm_path, &[], &[("Accept-Encoding", "br;q=0, gzip")], b"", "TOKEN-A").header("content-encoding"), Some("gzip"));
    assert_eq!(tc.request("GET", "/missing-0123456789abcdef.js", &[], &[], b"", "TOKEN-A").status, 404);
    assert!(api.take_seen().is_empty(), "serving files never calls the API");

    // An API call with the request's token and nothing else.
    let token_a = api.sandbox.token();
    let token_b = api.sandbox.token();
    assert_ne!(token_a, token_b);
    let with_extras: Vec<(&str, &str)> = FROM_PIVOT
        .iter()
        .copied()
        .chain([("Cookie", "JSESSIONID=analyst-session"), ("Authorization", "Bearer other-credential"), ("X-Forwarded-For", "10.0.0.1")])
        .collect();
    let r = tc.request("GET", "/api/v3/indicators/1", &[("fields", "tags")], &with_extras, b"", &token_a);
    let direct = api.sandbox.with_token("GET", "/api/v3/indicators/1?fields=tags", &token_a, None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json(), serde_json::from_slice::<Value>(&direct.body).expect("sandbox JSON"));
    assert_eq!(r.json()["data"]["summary"], "bad.example.com");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let seen = api.take_seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/api/v3/indicators/1?fields=tags");
    assert_eq!(seen[0].header("authorization"), Some(format!("TC-Token {token_a}").as_str()));
    for h in ["cookie", "x-forwarded-for", "x-pivot-request", "sec-fetch-site"] {
        assert_eq!(seen[0].header(h), None, "{h} was forwarded");
    }
    // A second request carries its own token, never the first one's.
    let r = tc.request("GET", "/api/v2/indicators/hosts/bad.example.com", &[], FROM_PIVOT, b"", &token_b);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(api.take_seen()[0].header("authorization"), Some(format!("TC-Token {token_b}").as_str()));
    // A token ThreatConnect never issued: the API's own 401 comes back.
    assert_eq!(tc.request("GET", "/api/v3/indicators/1", &[], FROM_PIVOT, b"", "API:0:forged").status, 401);
    api.take_seen();

    // Paths leaving the API: refused with JSON, never forwarded, never index.html.
    for path in [
        "/api/v3/../../admin",
        "/api/v3/%2e%2e/%2e%2e/admin",
        "/api/v3/indicators%2F..%2F..%2Fadmin",
        "/api/v3/%252e%252e/admin",
        "/api/v3/..%5c..%5cadmin",
        "/api/v3/..\\..\\admin",
        "/api/v3//evil.example/x",
        "/api/services/other/v1/x",
        "/api/auth/login",
        "/%61pi/v3/indicators",
    ] {
        let r = tc.request("GET", path, &[], FROM_PIVOT, b"", &token_a);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["status"], "Error", "{path}");
        assert_ne!(r.body, index, "{path}");
    }
    // Cross-site, or without Pivot's header: refused.
    let r = tc.request(
        "GET",
        "/api/v3/indicators/1",
        &[],
        &[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")],
        b"",
        &token_a,
    );
    assert_eq!(r.status, 403);
    assert_eq!(tc.request("GET", "/api/v3/indicators/1", &[], &[("Sec-Fetch-Site", "same-origin")], b"", &token_a).status, 403);
    // A write with write-back off; a body over the limit (refused unread).
    assert_eq!(tc.request("POST", "/api/v3/tags", &[], FROM_PIVOT, b"{\"name\":\"x\"}", &token_a).status, 403);
    let big = vec![b'a'; (1 << 20) + 1];
    let r = tc.request("PUT", "/api/v3/indicators/1", &[], FROM_PIVOT, &big, &token_a);
    assert_eq!(r.status, 413);
    // Without a Content-Length: measured in Redis, still refused unread.
    tc.no_content_length = true;
    assert_eq!(tc.request("PUT", "/api/v3/indicators/1", &[], FROM_PIVOT, &big, &token_a).status, 413);
    tc.no_content_length = false;
    assert!(api.take_seen().is_empty(), "nothing refused reached the API");

    // The API unreachable: a clear error naming it.
    api.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = tc.request("GET", "/api/v3/indicators/1", &[], FROM_PIVOT, b"", &token_a);
    assert_eq!(r.status, 502);
    assert!(
        r.json()["message"].as_str().unwrap_or("").contains(&format!("cannot reach ThreatConnect's API at http://127.0.0.1:{}", api.port)),
        "{:?}",
        r.json()
    );
    api.down.store(false, std::sync::atomic::Ordering::SeqCst);
    // An answer over 32 MiB: not passed on.
    api.huge.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = tc.request("GET", "/api/v3/indicators", &[], FROM_PIVOT, b"", &token_a);
    assert_eq!(r.status, 502);
    assert!(r.json()["message"].as_str().unwrap_or("").contains("larger than the service passes on"), "{:?}", r.json());
    api.huge.store(false, std::sync::atomic::Ordering::SeqCst);

    // Heartbeat: answered with the metrics; LoggingChange taken.
    tc.publish(json!({"command": "Heartbeat", "metric": {}, "memoryPercent": 0, "cpuPercent": 0}));
    let hb = tc.wait_for(10, |m| m["command"] == "Heartbeat").expect("heartbeat answered");
    assert!(hb["metric"]["Requests"].as_u64().unwrap_or(0) >= 25, "{hb}");
    assert!(hb["metric"]["Responses"].as_u64().unwrap_or(0) >= 25, "{hb}");
    tc.publish(json!({"command": "LoggingChange", "level": "DEBUG"}));
    tc.publish(json!({"command": "BrokerCheck"}));
    tc.publish(json!({"command": "Heartbeat", "metric": {}}));
    tc.wait_for(10, |m| m["command"] == "Heartbeat").expect("heartbeat answered");

    // The broker goes away and comes back: the service reconnects and subscribes again.
    // (Stopping mosquitto closes the service's connection at once; it retries after 0.25 s,
    // then 0.5 s more, so a broker back within 0.3 s is reached on the second try.)
    broker.stop();
    std::thread::sleep(Duration::from_millis(300));
    broker.restart();
    let mut answered = false;
    for _ in 0..60 {
        tc.publish(json!({"command": "Heartbeat", "metric": {}}));
        if tc.wait_for(1, |m| m["command"] == "Heartbeat").is_some() {
            answered = true;
            break;
        }
    }
    assert!(answered, "no heartbeat answer after the broker came back: {}", svc.log());
    assert_eq!(tc.request("GET", "/api/v3/indicators/1", &[], FROM_PIVOT, b"", &token_b).status, 200);

    // A browser through ThreatConnect's front: the page, the module, an API call.
    api.take_seen();
    let port = crate::harness::front(&broker, &redis, &token_a);
    let base = format!("http://127.0.0.1:{port}/api/services/pivot/v1");
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
    let page = agent.get(&format!("{base}/?type=Host&value=bad.example.com&owner=Demo+Org")).call().expect("the page");
    assert_eq!(page.content_type(), "text/html");
    // Raw HTTP: ureq would undo the gzip itself.
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the front");
    std::io::Write::write_all(
        &mut raw,
        format!("GET /api/services/pivot/v1{wasm_path} HTTP/1.1\r\nHost: tc.example\r\nAccept-Encoding: gzip\r\n\r\n").as_bytes(),
    )
    .expect("write");
    let mut module = Vec::new();
    std::io::Read::read_to_end(&mut raw, &mut module).expect("read");
    let head = String::from_utf8_lossy(&module[..module.windows(4).position(|w| w == b"\r\n\r\n").expect("a head")]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200") && head.contains("content-type: application/wasm") && head.contains("content-encoding: gzip"), "{head}");
    let call = agent
        .get(&format!("{base}/api/v3/indicators/1"))
        .set("X-Pivot-Request", "1")
        .set("Sec-Fetch-Site", "same-origin")
        .call()
        .expect("the API call");
    let v: Value = serde_json::from_reader(call.into_reader()).expect("JSON");
    assert_eq!(v["data"]["summary"], "bad.example.com");
    assert_eq!(api.take_seen()[0].header("authorization"), Some(format!("TC-Token {token_a}").as_str()));
    match agent.get(&format!("{base}/api/v3/indicators/1")).set("X-Pivot-Request", "1").set("Sec-Fetch-Site", "cross-site").call() {
        Err(ureq::Error::Status(403, _)) => {}
        other => panic!("a cross-site call through the front was not refused: {other:?}"),
    }

    // Shutdown: acknowledged, then the process ends with 0.
    tc.publish(json!({"command": "Shutdown", "reason": "Service disabled by user."}));
    tc.wait_for(10, |m| m["command"] == "Acknowledged" && m["type"] == "Shutdown").expect("shutdown acknowledged");
    assert_eq!(svc.exit_within(10), Some(0), "{}", svc.log());
    let log = svc.log();
    assert!(log.contains("logging level now Debug"), "{log}");
    // Debug lines only after the change.
    let (before, after) = log.split_once("logging level now Debug").unwrap_or_default();
    assert!(!before.contains("Debug: command received") && after.contains("Debug: command received: heartbeat"), "{log}");
    for secret in [token_a.as_str(), token_b.as_str(), "JOB-TOKEN-NEVER-USED", "analyst-session"] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }
    // The same lines in the file tcex writes: `tc_log_path`/`app.log` (tcex's default name),
    // tcex's format, the level change applied to it too.
    let file = std::fs::read_to_string(svc.dir().join("log/app.log")).expect("the log file in tc_log_path");
    let (before, after) = file.split_once("logging level now Debug").unwrap_or_default();
    assert!(before.contains(" - pivot-service -     INFO - service ready"), "{file}");
    assert!(!before.contains("DEBUG - command received") && after.contains("   DEBUG - command received: heartbeat"), "{file}");
    for secret in [token_a.as_str(), token_b.as_str(), "JOB-TOKEN-NEVER-USED", "analyst-session"] {
        assert!(!file.contains(secret), "a secret in the log file: {file}");
    }
}

/// Bodies kept by ThreatConnect's key-value API (`tc_kvstore_type` `TCKeyValueAPI`; the
/// store's host and port name nothing that listens), ThreatConnect's API behind its proxy
/// (`tc_proxy_tc`, `tc_proxy_*`: the API's host name resolves only at the proxy, which
/// requires the credentials), and the log file rotated at `tc_log_max_bytes`.
#[test]
fn key_value_api_proxy_and_log_file() {
    let Some(app) = package() else { return };
    let api = Api::start();
    // base64("pivot-svc:PX-pass 9@:z"), computed with Python's base64 module.
    let proxy = Proxy::start("tc-only-via-proxy.invalid", "cGl2b3Qtc3ZjOlBYLXBhc3MgOUA6eg==");
    let broker = Broker::start("kvapi", None);
    let mut tc = ThreatConnect::connect_kv(&broker, Kv::Api(api.kv.clone()));
    let logs = crate::harness::TempDir::new("kvapi-logs");
    let api_path = format!("http://tc-only-via-proxy.invalid:{}/api", api.port);
    let args = service_args_kv_api(
        &broker,
        &api_path,
        json!({
            "allowWriteBack": true,
            "tc_proxy_tc": true,
            "tc_proxy_external": true,
            "tc_proxy_host": "127.0.0.1",
            "tc_proxy_port": proxy.port,
            "tc_proxy_username": "pivot-svc",
            "tc_proxy_password": "PX-pass 9@:z",
            "tc_log_path": logs.join("nested/logs"),
            "tc_log_file": "pivot.log",
            "tc_log_max_bytes": 1000,
            "tc_log_backup_count": 2,
            "tc_log_curl": true,
            "tc_log_level": "debug",
        }),
    );
    let mut svc = Service::start("kvapi", app, &args);
    ready(&tc);
    let token = api.sandbox.token();
    let kv_call = |s: &crate::api::Seen, method: &str, field: &str| {
        s.method == method && s.target.starts_with("/api/internal/playbooks/keyValue/req-") && s.target.ends_with(&format!("/{field}"))
    };

    // A page: its body written with the request's token through the key-value API (PUT);
    // a GET's body is never read.
    let r = tc.request("GET", "/", &[], &[], b"", &token);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("content=\"allowWriteBack=true\""), "{}", String::from_utf8_lossy(&r.body));
    let page_seen = api.take_seen();
    assert_eq!(page_seen.len(), 1, "{page_seen:?}");
    assert!(kv_call(&page_seen[0], "PUT", "response.body"), "{page_seen:?}");
    assert_eq!(page_seen[0].header("authorization"), Some(format!("TC-Token {token}").as_str()));
    assert_eq!(page_seen[0].header("content-type"), Some("application/octet-stream"));

    // An API call: through the proxy (the only way to the API's host name), with the token.
    let r = tc.request("GET", "/api/v3/indicators/1", &[], FROM_PIVOT, b"", &token);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["data"]["summary"], "bad.example.com");
    // A write: its body read from the key-value API with the request's token.
    let r = tc.request(
        "POST",
        "/api/v2/indicators/hosts/bad.example.com/tags/via-kv-api",
        &[],
        &[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin"), ("Content-Type", "application/json")],
        b"{\"name\":\"via-kv-api\"}",
        &token,
    );
    assert!(r.status < 300, "{} {}", r.status, String::from_utf8_lossy(&r.body));
    let seen = api.take_seen();
    let methods: Vec<(&str, &str)> = seen.iter().map(|s| (s.method.as_str(), s.target.as_str())).collect();
    assert!(seen.iter().any(|s| s.method == "GET" && s.target == "/api/v3/indicators/1"), "{methods:?}");
    assert!(seen.iter().any(|s| kv_call(s, "GET", "request.body")), "the write's body was not read from the key-value API: {methods:?}");
    assert!(seen.iter().any(|s| s.method == "POST" && s.target == "/api/v2/indicators/hosts/bad.example.com/tags/via-kv-api"), "{methods:?}");
    for s in &seen {
        assert_eq!(s.header("authorization"), Some(format!("TC-Token {token}").as_str()), "{} {}", s.method, s.target);
        assert_eq!(s.header("proxy-authorization"), None, "the proxy's credentials reached the API");
    }
    let tags = api.sandbox.with_token("GET", "/api/v2/indicators/hosts/bad.example.com/tags", &token, None);
    assert!(String::from_utf8_lossy(&tags.body).contains("via-kv-api"));
    // Everything the API saw passed through the proxy, in order, each with the proxy's
    // credentials, nothing else did.
    let passed = proxy.take();
    let origin = format!("http://tc-only-via-proxy.invalid:{}", api.port);
    let through: Vec<(String, String)> = passed.iter().map(|p| (p.method.clone(), p.target.replacen(&origin, "", 1))).collect();
    let reached: Vec<(String, String)> = page_seen.iter().chain(&seen).map(|s| (s.method.clone(), s.target.clone())).collect();
    assert_eq!(through, reached);
    for p in &passed {
        assert_eq!(p.proxy_authorization.as_deref(), Some("Basic cGl2b3Qtc3ZjOlBYLXBhc3MgOUA6eg=="), "{p:?}");
    }

    // A body over the limit with no Content-Length: measured as it is read, refused, not
    // forwarded.
    tc.no_content_length = true;
    let r = tc.request("PUT", "/api/v3/indicators/1", &[], FROM_PIVOT, &vec![b'a'; (1 << 20) + 1], &token);
    assert_eq!(r.status, 413);
    tc.no_content_length = false;
    assert!(!api.take_seen().iter().any(|s| s.target == "/api/v3/indicators/1"), "a refused body reached the API");

    // LoggingChange, then enough lines to rotate the file, then Shutdown.
    tc.publish(json!({"command": "LoggingChange", "level": "DEBUG"}));
    for _ in 0..30 {
        tc.publish(json!({"command": "Heartbeat", "metric": {}}));
        tc.wait_for(10, |m| m["command"] == "Heartbeat").expect("heartbeat answered");
    }
    tc.publish(json!({"command": "Shutdown", "reason": "Service disabled by user."}));
    tc.wait_for(10, |m| m["command"] == "Acknowledged" && m["type"] == "Shutdown").expect("shutdown acknowledged");
    assert_eq!(svc.exit_within(10), Some(0), "{}", svc.log());

    // The file in tc_log_path (folders created), rotated at 1,000 bytes into gzip backups
    // (`pivot.log.1.gz`, `.2.gz`, no `.3.gz`), each part under the limit.
    let dir = logs.join("nested/logs");
    let gunzip = |name: &str| {
        let out = std::process::Command::new("gzip").arg("-dc").arg(dir.join(name)).output().expect("gzip");
        assert!(out.status.success(), "{name} is not gzip");
        String::from_utf8(out.stdout).expect("text")
    };
    let (current, first, second) =
        (std::fs::read_to_string(dir.join("pivot.log")).expect("pivot.log"), gunzip("pivot.log.1.gz"), gunzip("pivot.log.2.gz"));
    assert!(!dir.join("pivot.log.3.gz").exists());
    for part in [&current, &first, &second] {
        assert!(!part.is_empty() && part.len() < 1000, "{} bytes", part.len());
    }
    assert!(current.contains("INFO - shutdown: Service disabled by user."), "{current}");
    assert!(first.contains("DEBUG - command received: heartbeat"), "{first}");
    // Secrets in neither the file nor stderr; the proxy named without its credentials.
    let stderr = svc.log();
    assert!(stderr.contains("proxy: Some(127.0.0.1:") && stderr.contains("credentials=<set>"), "{stderr}");
    // tc_log_curl: each API call as curl, its token hidden.
    assert!(stderr.contains(&format!("curl -X GET '{api_path}/v3/indicators/1' -H 'Authorization: TC-Token ***'")), "{stderr}");
    for text in [&current, &first, &second, &stderr] {
        for secret in ["PX-pass", token.as_str(), "JOB-TOKEN-NEVER-USED", "cGl2b3Qtc3Zj"] {
            assert!(!text.contains(secret), "a secret in the log: {text}");
        }
    }
}

/// TLS broker with token authentication, Redis over TLS with a user and password,
/// write-back on: Ready, a read and a write forwarded; then no heartbeat within the
/// timeout: a BrokerCheck on the server topic, the shutdown acknowledged, exit 1.
#[test]
fn tls_broker_token_and_redis_password() {
    let Some(app) = package() else { return };
    let api = Api::start();
    let broker = Broker::start("tls", Some("BROKER-TOKEN-3f9a"));
    let redis = Redis::start("tls", Some(("svc", "KV-PASS-77c1")));
    let tc = ThreatConnect::connect(&broker, &redis);
    let mut tc = tc;
    let args = service_args(&broker, &redis, &api.api_path(), json!({"allowWriteBack": true, "tc_svc_hb_timeout_seconds": 3}));
    let mut svc = Service::start("tls", app, &args);
    ready(&tc);
    tc.publish(json!({"command": "Heartbeat", "metric": {}}));
    tc.wait_for(5, |m| m["command"] == "Heartbeat").expect("heartbeat answered over TLS");

    let token = api.sandbox.token();
    let r = tc.request("GET", "/api/v3/indicators/1", &[], FROM_PIVOT, b"", &token);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let tag = json!({"name": "pivot-service-tag"}).to_string();
    let r = tc.request(
        "POST",
        "/api/v2/indicators/hosts/bad.example.com/tags/pivot-service-tag",
        &[],
        &[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin"), ("Content-Type", "application/json")],
        tag.as_bytes(),
        &token,
    );
    assert!(r.status < 300, "{} {}", r.status, String::from_utf8_lossy(&r.body));
    let seen = api.take_seen();
    assert_eq!(seen.last().map(|s| s.method.as_str()), Some("POST"));
    let tags = api.sandbox.with_token("GET", "/api/v2/indicators/hosts/bad.example.com/tags", &token, None);
    assert!(String::from_utf8_lossy(&tags.body).contains("pivot-service-tag"));

    // No heartbeat for 3 s: the service checks the broker and shuts down.
    tc.wait_for(10, |m| m["command"] == "Acknowledged" && m["type"] == "Shutdown").expect("shutdown after missed heartbeats");
    assert_eq!(svc.exit_within(10), Some(1), "{}", svc.log());
    let checks = tc.server_seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(checks.iter().any(|m| m["command"] == "BrokerCheck"), "no BrokerCheck on {SERVER_TOPIC}: {checks:?}");
    let log = svc.log();
    for secret in ["BROKER-TOKEN-3f9a", "KV-PASS-77c1", token.as_str()] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }
}

/// A wrong broker token: the service never connects and exits 1 after its connection
/// timeout, naming the broker.
#[test]
fn a_wrong_broker_token_fails_clearly() {
    let Some(app) = package() else { return };
    let broker = Broker::start("badtoken", Some("RIGHT-TOKEN"));
    let redis = Redis::start("badtoken", None);
    let mut args = service_args(&broker, &redis, "http://127.0.0.1:9/api", json!({"tc_svc_broker_conn_timeout": 1}));
    args["tc_svc_broker_token"] = json!("WRONG-TOKEN");
    let mut svc = Service::start("badtoken", app, &args);
    assert_eq!(svc.exit_within(20), Some(1));
    let log = svc.log();
    assert!(log.contains(&format!("failed to connect to message broker host 127.0.0.1 on port {}", broker.port)), "{log}");
    assert!(!log.contains("WRONG-TOKEN"), "{log}");
}

/// True when the ELF file has no PT_INTERP program header: nothing to load it, so it runs
/// on a host whatever its libc.
fn elf_is_static(path: &std::path::Path) -> bool {
    let b = std::fs::read(path).expect("the binary");
    assert_eq!(&b[..4], b"\x7fELF", "an ELF file");
    assert_eq!(u16::from_le_bytes([b[18], b[19]]), 62, "x86_64 (EM_X86_64)");
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes")) as usize;
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let (phoff, phentsize, phnum) = (u64_at(32), u16_at(54), u16_at(56));
    assert!(phnum > 0);
    (0..phnum).all(|i| u32::from_le_bytes(b[phoff + i * phentsize..phoff + i * phentsize + 4].try_into().expect("4 bytes")) != 3)
}

/// The package as ThreatConnect installs it: service/install.json (which tcex's own
/// `InstallJsonModel` accepts, tests/conformance), a static service binary, the runner, the UI
/// and its brotli and gzip twins.
#[test]
fn the_package_is_what_threatconnect_installs() {
    let Some(app) = package() else { return };
    let ij: Value = serde_json::from_slice(&std::fs::read(app.join("install.json")).expect("install.json")).expect("JSON");
    assert_eq!(ij["runtimeLevel"], "ApiService");
    assert_eq!(ij["displayPath"], "pivot");
    assert_eq!(ij["programMain"], "run");
    assert!(app.join("run.py").is_file() && app.join("README.md").is_file() && app.join("ui/index.html").is_file());
    assert!(app.join("ui/pivot-0123456789abcdef_bg.wasm.gz").is_file() && app.join("ui/pivot-0123456789abcdef_bg.wasm.br").is_file());
    // No twin for a page: the service writes its params into every HTML page it sends.
    assert!(!app.join("ui/index.html.gz").exists() && !app.join("ui/index.html.br").exists());
    assert!(elf_is_static(&app.join("bin/pivot-service")), "bin/pivot-service is linked dynamically");

    // The package carries service/install.json unchanged: tcex's own model checks that file
    // (tests/conformance/test_install_json.py, in make test once the tcex environment exists).
    let source = std::fs::read(pivot_testing::root().join("service/install.json")).expect("service/install.json");
    assert_eq!(std::fs::read(app.join("install.json")).expect("install.json"), source, "the package's install.json is service/install.json");
}

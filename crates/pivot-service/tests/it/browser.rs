//! Pivot's own page in headless Chromium through ThreatConnect's `/api/services/` front
//! (`harness::front`), served by the packaged service, against the sandbox: the indicator
//! panel completes, nothing breaks the page's Content-Security-Policy, and no token reaches
//! the page; with write-back on, the panel offers it and the page offers no publish or import (the
//! service does not serve that page). Needs the service's UI (`make service-ui`):
//! `tests/e2e/service.test.mjs` runs it with `PIVOT_SERVICE_E2E_UI` naming that UI; without it
//! the test returns at once.

use crate::api::Api;
use crate::harness::{front, package, service_args, Broker, Redis, Service, TempDir, ThreatConnect};
use pivot_testing::root;
use serde_json::{json, Value};
use std::process::Command;

#[test]
fn the_indicator_panel_in_chromium() {
    let Some(ui) = std::env::var_os("PIVOT_SERVICE_E2E_UI") else { return };
    let Some(app) = package() else { return };
    // The unpacked service with Pivot's packaged page in place of the test page.
    let dir = TempDir::new("browser");
    let st = Command::new("cp").arg("-r").arg(app).arg(dir.join("app")).status().expect("cp");
    assert!(st.success());
    std::fs::remove_dir_all(dir.join("app/ui")).expect("remove the test page");
    let st = Command::new("cp").arg("-r").arg(&ui).arg(dir.join("app/ui")).status().expect("cp");
    assert!(st.success());

    let api = Api::start();
    let broker = Broker::start("browser", None);
    let redis = Redis::start("browser", None);
    let tc = ThreatConnect::connect(&broker, &redis);
    let args = service_args(&broker, &redis, &api.api_path(), json!({"allowWriteBack": true, "defaultOwner": "Demo Org"}));
    let svc = Service::start("browser", &dir.join("app"), &args);
    tc.wait_for(20, |m| m["command"] == "Ready").expect("Ready");
    let token = api.sandbox.token();
    let port = front(&broker, &redis, &token);

    let base = format!("http://127.0.0.1:{port}/api/services/pivot/v1");
    let out = Command::new("node")
        .arg(root().join("crates/pivot-service/tests/it/browser.mjs"))
        .arg(format!("{base}/?type=Host&value=bad.example.com&owner=Demo+Org"))
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the browser script failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("the script's JSON");
    let log = svc.log();
    assert_eq!(seen["state"], "complete", "{seen}\n{log}");
    assert!(seen["text"].as_str().unwrap_or_default().contains("bad[.]example[.]com"), "{seen}");
    assert_eq!(seen["writeBack"], true, "the service's allowWriteBack reached the page: {seen}");
    assert_eq!(seen["sharing"], false, "the sharing page is not served, so not offered: {seen}");
    assert_eq!(seen["csp"], json!([]), "Content-Security-Policy violations");
    assert_eq!(seen["errors"], json!([]), "errors on the page");

    // Every request of the page went to the service's path on its own origin; its API calls
    // carried Pivot's header and no credential; the token is nowhere in the page's reach.
    let requests = seen["requests"].as_array().cloned().unwrap_or_default();
    let calls: Vec<&Value> = requests.iter().filter(|r| r["url"].as_str().unwrap_or_default().starts_with(&format!("{base}/api/v"))).collect();
    assert!(!calls.is_empty(), "{seen}");
    for r in &requests {
        assert!(r["url"].as_str().unwrap_or_default().starts_with(&format!("{base}/")), "{r}");
        assert!(r["headers"].get("authorization").is_none(), "{r}");
    }
    for c in &calls {
        assert_eq!(c["headers"]["x-pivot-request"], "1", "{c}");
    }
    for place in ["address", "storage", "text"] {
        assert!(!seen[place].as_str().unwrap_or_default().contains(&token), "the token in the page's {place}");
    }
    // The service called the API with that session's token, each time.
    let forwarded = api.take_seen();
    assert!(forwarded.len() >= calls.len(), "{forwarded:?}");
    for f in &forwarded {
        assert_eq!(f.header("authorization"), Some(format!("TC-Token {token}").as_str()), "{}", f.target);
    }
    println!("PIVOT_SERVICE_E2E_DONE: the indicator panel completed through the service");
}

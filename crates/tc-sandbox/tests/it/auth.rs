use crate::common::*;
use serde_json::json;

#[test]
fn hmac_good_bad_and_stale() {
    let sb = Sandbox::start(Seed::Empty);
    // Good signature, v2 and v3.
    let r = sb.get("/api/v2/owners");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["resultCount"], 3);
    let r = sb.get("/api/v3/security/owners");
    assert_eq!(r.status, 200);
    // Query signed exactly as sent: the documented example form works...
    let r = sb.get("/api/v2/owners?Owner=Common%20Community");
    assert_eq!(r.status, 200, "{}", r.text());
    // ...but a signature over a different encoding of the same query fails.
    let ts = now_s();
    let h = signed_with(&sb, "GET", "/api/v2/owners?Owner=Common+Community", ts, sb.secret_key());
    let r = sb.raw("GET", "/api/v2/owners?Owner=Common%20Community", &h, b"");
    assert_eq!(r.status, 401);
    let j = r.json();
    assert_eq!(j["status"], "Failure");
    assert!(j["message"].as_str().unwrap().len() > 3);
    // Bad secret.
    let h = signed_with(&sb, "GET", "/api/v3/indicators", ts, "wrong");
    let r = sb.raw("GET", "/api/v3/indicators", &h, b"");
    assert_eq!(r.status, 401);
    let j = r.json();
    assert_eq!(j["status"], "Error");
    assert_eq!(j["errCode"], "0x1002");
    // Wrong method in the signature.
    let h = signed_with(&sb, "POST", "/api/v2/owners", ts, sb.secret_key());
    assert_eq!(sb.raw("GET", "/api/v2/owners", &h, b"").status, 401);
    // Stale and future timestamps (outside 5 minutes); 4 minutes is fine.
    for (delta, want) in [(-301, 401), (301, 401), (-240, 200)] {
        let h = signed_with(&sb, "GET", "/api/v2/owners", now_s() + delta, sb.secret_key());
        assert_eq!(sb.raw("GET", "/api/v2/owners", &h, b"").status, want, "delta {}", delta);
    }
    // Missing or malformed credentials.
    assert_eq!(sb.raw("GET", "/api/v2/owners", &[], b"").status, 401);
    assert_eq!(sb.raw("GET", "/api/v2/owners", &[("Authorization", "TC nonsense".into())], b"").status, 401);
    assert_eq!(sb.raw("GET", "/api/v2/owners", &[("Authorization", "Basic abc".into())], b"").status, 401);
    let h = vec![("Authorization", format!("TC {}:{}", sb.access_id(), "!!notbase64!!")), ("Timestamp", "abc".to_string())];
    assert_eq!(sb.raw("GET", "/api/v2/owners", &h, b"").status, 401);
}

#[test]
fn tokens_issue_use_expire_and_renew() {
    let sb = Sandbox::builder(Seed::Empty).token_ttl(2).start();
    let tok = sb.token();
    assert!(tok.starts_with("API:"));
    let r = sb.with_token("GET", "/api/v2/owners/mine", &tok, None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["owner"]["name"], "Demo Org");
    // Token issuance needs HMAC, not a token.
    assert_eq!(sb.with_token("POST", "/api/v3/token/api", &tok, None).status, 401);
    // Unknown token.
    let r = sb.with_token("GET", "/api/v3/tags", "API:1:nope", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["errCode"], "0x1002");
    // Renewal while valid: a new token; the old one stays valid until its own expiry.
    let r = sb.raw("GET", &format!("/api/appAuth?expiredToken={}", enc(&tok)), &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["success"], true);
    assert!(j["message"].is_null());
    let new_tok = j["apiToken"].as_str().unwrap().to_string();
    assert_ne!(new_tok, tok);
    assert!(j["apiTokenExpires"].as_i64().unwrap() >= now_s());
    assert_eq!(sb.with_token("GET", "/api/v2/owners", &tok, None).status, 200);
    assert_eq!(sb.with_token("GET", "/api/v2/owners", &new_tok, None).status, 200);
    // Expiry.
    std::thread::sleep(std::time::Duration::from_millis(2600));
    let r = sb.with_token("GET", "/api/v2/owners", &tok, None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["status"], "Failure");
    // Renewal of a token expired within the last hour works (also at /appAuth without /api).
    let r = sb.raw("GET", &format!("/appAuth?expiredToken={}", enc(&tok)), &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let renewed = r.json()["apiToken"].as_str().unwrap().to_string();
    assert_eq!(sb.with_token("GET", "/api/v2/owners", &renewed, None).status, 200);
    // Garbage and missing tokens are refused.
    let r = sb.raw("GET", "/api/appAuth?expiredToken=garbage", &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["success"], false);
    assert_eq!(sb.raw("GET", "/api/appAuth", &[], b"").status, 401);
}

#[test]
fn source_owner_is_read_only() {
    let sb = Sandbox::start(Seed::Empty);
    let r = sb.signed("POST", "/api/v3/indicators?owner=Threat%20Feed", Some(&json!({"type": "Host", "hostName": "x.example"})));
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["errCode"], "0x1003");
    let r = sb.signed("POST", "/api/v2/indicators/hosts?owner=Threat%20Feed", Some(&json!({"hostName": "x.example"})));
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["status"], "Failure");
    // The organization can write.
    let r = sb.signed("POST", "/api/v3/indicators", Some(&json!({"type": "Host", "hostName": "x.example"})));
    assert_eq!(r.status, 201, "{}", r.text());
}

/// The binary's exit codes and messages (a process); the library refuses the same address.
#[test]
fn refuses_non_loopback_and_bad_flags() {
    let bin = env!("CARGO_BIN_EXE_tc-sandbox");
    let out = std::process::Command::new(bin).args(["--listen", "0.0.0.0:0", "--db", "/nonexistent/x.db"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "tc-sandbox: refusing to listen on non-loopback address 0.0.0.0:0\n");
    let out = std::process::Command::new(bin).args(["--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "tc-sandbox: missing value for --bogus\n");
    let out = std::process::Command::new(bin).args(["--listen", "nowhere"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "tc-sandbox: --listen must be IP:PORT, got \"nowhere\"\n");
    let out = std::process::Command::new(bin).args(["--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n", tc_sandbox::USAGE));
    let options = tc_sandbox::Options { listen: "0.0.0.0:0".into(), db: "/nonexistent/x.db".into(), ..Default::default() };
    let err = tc_sandbox::Server::start(&options).err().expect("refused");
    assert!(matches!(err, tc_sandbox::StartError::NotLoopback(_)), "{err:?}");
    assert_eq!(err.exit_code(), 2);
}

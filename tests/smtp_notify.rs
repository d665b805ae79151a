//! `pivot-share pull`'s notification through a real SMTP server on loopback that requires
//! TLS and authentication (npm `smtp-server`, run by `tests/smtp-server.mjs` with the test
//! certificate in `tests/fixtures/tls`): STARTTLS and implicit TLS, AUTH, `--smtp-ca-file`;
//! a server the CA bundle does not vouch for, a wrong password and a relay without TLS are
//! refused, and the password never shows in the output.

#![cfg(feature = "native")]

#[path = "support/skip.rs"]
mod skip;
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const SMTP_USER: &str = "pivot-notify";
const SMTP_PASSWORD: &str = "smtp-PASSWORD-3b9d1c";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Smtp {
    _server: support::NodeServer,
    port: u16,
    dir: PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Smtp {
    /// The messages it accepted, in order.
    fn received(&self) -> Vec<Value> {
        let mut out = vec![];
        for n in 1.. {
            match std::fs::read(self.dir.join(format!("{n}.json"))) {
                Ok(b) => out.push(serde_json::from_slice(&b).unwrap()),
                Err(_) => return out,
            }
        }
        out
    }
}

/// The server, or `None` (a loud skip; a failure under CI=true) without node or the package.
fn smtp(mode: &str) -> Option<Smtp> {
    if !Path::new(ROOT).join("node_modules/smtp-server/package.json").is_file() {
        skip::skip("npm's smtp-server is not installed: run scripts/setup.sh test");
        return None;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pivot-smtp-{mode}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    match support::node_server("smtp-server.mjs", &[mode, dir.to_str().unwrap(), SMTP_USER, SMTP_PASSWORD]) {
        Ok(server) => Some(Smtp { port: server.port, _server: server, dir }),
        Err(e) => {
            skip::skip(&e);
            None
        }
    }
}

fn pull(src: &support::Sandbox, tgt: &support::Sandbox, smtp: &[&str], password: &str) -> Output {
    let o = support::pivot_share(src, tgt)
        .args(["pull", "--once", "--source-org", "Demo Org", "--target-owner", "Demo Org", "--source-instance-id", "source-sandbox"])
        .args(["--notify-email", "soc@example.org", "--notify-on", "always", "--smtp-from", "pivot@example.org", "--attach-log", "--log-level", "info"])
        .args(smtp)
        .env("PIVOT_SMTP_USER", SMTP_USER)
        .env("PIVOT_SMTP_PASSWORD", password)
        .output()
        .unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!all.contains(SMTP_PASSWORD) && !all.contains(password), "the SMTP password was printed: {all}");
    assert!(!all.contains("panicked"), "{all}");
    o
}

fn ca() -> String {
    format!("{ROOT}/tests/fixtures/tls/ca.pem")
}

#[test]
fn starttls_and_auth_deliver_the_summary_with_the_log() {
    let Some(server) = smtp("starttls") else { return };
    let src = support::start("smtp", "demo", "source-id", "src-SMTP-secret-1");
    let tgt = support::start("smtp", "empty", "target-id", "tgt-SMTP-secret-2");
    let port = server.port.to_string();
    let o = pull(&src, &tgt, &["--smtp-host", "localhost", "--smtp-port", &port, "--smtp-tls", "starttls", "--smtp-ca-file", &ca()], SMTP_PASSWORD);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let got = server.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!((m["user"].as_str(), m["secure"].as_bool()), (Some(SMTP_USER), Some(true)), "authenticated, over TLS");
    assert_eq!((m["from"].as_str(), m["to"][0].as_str()), (Some("pivot@example.org"), Some("soc@example.org")));
    let data = m["data"].as_str().unwrap();
    assert!(data.contains("Subject: pivot-share pull into Demo Org: success\r\n"), "{data}");
    assert!(data.contains("packages seen 0, imported 0, skipped 0, failed 0"), "{data}");
    assert!(data.contains("Content-Type: multipart/mixed;") && data.contains("filename=\"pivot-share.log\""), "{data}");
    assert!(!data.contains(SMTP_PASSWORD) && !data.contains("src-SMTP-secret-1"));

    // A wrong password: the server refuses AUTH, the run says so and exits 1.
    let o = pull(&src, &tgt, &["--smtp-host", "localhost", "--smtp-port", &port, "--smtp-tls", "starttls", "--smtp-ca-file", &ca()], "wrong-PASSWORD-77");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("could not send the notification"), "{}", String::from_utf8_lossy(&o.stderr));
    // The certificate checked against the public roots only: the test CA is not one of them.
    let o = pull(&src, &tgt, &["--smtp-host", "localhost", "--smtp-port", &port, "--smtp-tls", "starttls"], SMTP_PASSWORD);
    assert_eq!(o.status.code(), Some(1));
    // Without TLS the server refuses the mail (and pivot-share refuses to send AUTH in clear).
    let o = pull(&src, &tgt, &["--smtp-host", "localhost", "--smtp-port", &port], SMTP_PASSWORD);
    assert_eq!(o.status.code(), Some(2), "AUTH without TLS is a usage error");
    assert_eq!(server.received().len(), 1, "nothing more was delivered");
}

#[test]
fn implicit_tls_delivers() {
    let Some(server) = smtp("tls") else { return };
    let src = support::start("smtps", "demo", "source-id", "src-SMTP-secret-3");
    let tgt = support::start("smtps", "empty", "target-id", "tgt-SMTP-secret-4");
    let port = server.port.to_string();
    let o = pull(&src, &tgt, &["--smtp-host", "127.0.0.1", "--smtp-port", &port, "--smtp-tls", "tls", "--smtp-ca-file", &ca()], SMTP_PASSWORD);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0]["user"].as_str(), got[0]["secure"].as_bool()), (Some(SMTP_USER), Some(true)));
}

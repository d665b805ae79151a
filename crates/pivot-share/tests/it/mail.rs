//! `pivot-share pull`'s notification through a real SMTP server on loopback that requires
//! TLS and authentication (npm `smtp-server`, run by `tests/smtp-server.mjs` of the
//! repository with the test certificate in `tests/fixtures/tls`): STARTTLS and implicit TLS,
//! AUTH, `--smtp-ca-file`; a server the CA bundle does not vouch for, a wrong password and a
//! relay without TLS are refused, and the password never shows in the output.

use crate::util::{self, TempDir, INSTANCE, OWNER};
use pivot_testing::{node_server, skip, NodeServer, Sandbox};
use serde_json::Value;
use std::process::Output;

const SMTP_USER: &str = "pivot-notify";
const SMTP_PASSWORD: &str = "smtp-PASSWORD-3b9d1c";

/// The server and the folder it writes each accepted message to (removed when dropped,
/// after the server: fields drop in order).
struct Smtp {
    _server: NodeServer,
    port: u16,
    dir: TempDir,
}

impl Smtp {
    /// The messages it accepted, in order.
    fn received(&self) -> Vec<Value> {
        let mut out = vec![];
        for n in 1.. {
            match std::fs::read(self.dir.join(&format!("{n}.json"))) {
                Ok(b) => out.push(serde_json::from_slice(&b).unwrap()),
                Err(_) => return out,
            }
        }
        out
    }
}

/// The server, or `None` (a loud skip; a failure under CI=true) without node or the package.
fn smtp(mode: &str) -> Option<Smtp> {
    if !pivot_testing::root().join("node_modules/smtp-server/package.json").is_file() {
        skip("npm's smtp-server is not installed: run scripts/setup.sh test");
        return None;
    }
    let dir = TempDir::new(&format!("smtp-{mode}"));
    match node_server("smtp-server.mjs", &[mode, dir.path().to_str().unwrap(), SMTP_USER, SMTP_PASSWORD]) {
        Ok(server) => Some(Smtp { port: server.port, _server: server, dir }),
        Err(e) => {
            skip(&e);
            None
        }
    }
}

fn pull(src: &Sandbox, tgt: &Sandbox, smtp: &[&str], password: &str) -> Output {
    let o = util::pivot_share(src, tgt)
        .args(["pull", "--once", "--source-org", OWNER, "--target-owner", OWNER, "--source-instance-id", INSTANCE])
        .args([
            "--notify-email",
            "soc@example.org",
            "--notify-on",
            "always",
            "--smtp-from",
            "pivot@example.org",
            "--attach-log",
            "--log-level",
            "info",
        ])
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
    pivot_testing::fixtures().join("tls/ca.pem").to_str().expect("a UTF-8 path").to_string()
}

#[test]
fn starttls_and_auth_deliver_the_summary_with_the_log() {
    let Some(server) = smtp("starttls") else { return };
    let (src, tgt) = util::pair("src-SMTP-secret-1", "tgt-SMTP-secret-2");
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
    assert!(util::text_part(data).starts_with("pivot-share pull: packages seen 0, imported 0, skipped 0, failed 0;"), "{data}");
    assert!(data.contains("Content-Type: multipart/mixed;") && data.contains("filename=\"pivot-share.log\""), "{data}");
    assert!(!data.contains(SMTP_PASSWORD) && !data.contains("src-SMTP-secret-1"));

    // A wrong password: the server refuses AUTH, the run says so and exits 1.
    let o =
        pull(&src, &tgt, &["--smtp-host", "localhost", "--smtp-port", &port, "--smtp-tls", "starttls", "--smtp-ca-file", &ca()], "wrong-PASSWORD-77");
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
    let (src, tgt) = util::pair("src-SMTP-secret-3", "tgt-SMTP-secret-4");
    let port = server.port.to_string();
    let o = pull(&src, &tgt, &["--smtp-host", "127.0.0.1", "--smtp-port", &port, "--smtp-tls", "tls", "--smtp-ca-file", &ca()], SMTP_PASSWORD);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0]["user"].as_str(), got[0]["secure"].as_bool()), (Some(SMTP_USER), Some(true)));
}

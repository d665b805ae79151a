//! The `pivot-share` command against two sandboxes in this process (source seeded `demo`,
//! target `empty`, each with its own port, credentials and temporary database) and a local
//! SMTP sink: publish, import (dry run and real), pull --once, republish after a change,
//! skip when unchanged, refused packages, notifications, exit codes; the pull lease with
//! real processes (SIGKILL, SIGTERM, two pulls at once).

use crate::util::{self, code, hmac_client, json_line, stderr, stdout, text_part, TempDir, OWNER};
use base64::Engine as _;
use pivot_testing::{run, Sandbox};
use serde_json::{json, Value};
use sharing::exec;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use threatconnect::datastore::Domain;
use threatconnect::native::system_clock;
use threatconnect::{tags, tql, Collection, HttpRequest, Mode};

// Distinctive secrets: they must never show up in any output.
const SOURCE_SECRET: &str = "src-SECRET-7f3a9c";
const TARGET_SECRET: &str = "tgt-SECRET-41be02";

/// A source (demo) and a target (empty) with this module's secrets.
fn pair() -> (Sandbox, Sandbox) {
    util::pair(SOURCE_SECRET, TARGET_SECRET)
}

/// The command with both sides configured through the environment (secrets only there
/// or in a file), plus `args`.
fn command(src: &Sandbox, tgt: &Sandbox, args: &[&str]) -> Command {
    let mut c = util::pivot_share(src, tgt);
    c.args(args).env("PIVOT_INSTANCE_ID", util::INSTANCE).env("PIVOT_SOURCE_INSTANCE_ID", util::INSTANCE);
    c
}

/// The command with both sides configured through the environment, plus `args`.
fn cmd(src: &Sandbox, tgt: &Sandbox, args: &[&str]) -> Output {
    let out = command(src, tgt, args).output().expect("run pivot-share");
    let (o, e) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for secret in [SOURCE_SECRET, TARGET_SECRET] {
        assert!(!o.contains(secret) && !e.contains(secret), "a secret key was printed by {args:?}");
    }
    assert!(!e.contains("panicked"), "{args:?} panicked: {e}");
    out
}

/// A path as the command's argument.
fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Tags group `id` of `sb` (appended), as a change in the source.
fn tag_group(sb: &Sandbox, id: i64, tag: &str) {
    run(hmac_client(sb).json(tags::v3::apply(Collection::Groups, id, &[tag], Mode::Append))).unwrap();
}

#[test]
fn publish_import_pull_republish_and_skip() {
    let (src, tgt) = pair();
    let dir = TempDir::new("flow");
    let file = dir.join("incident-9.json");

    // publish: the package file and the source datastore record.
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--out", arg(&file)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("37 indicator(s)"), "{}", stdout(&o));
    let pkg = sharing::validate(&std::fs::read(&file).unwrap()).expect("the written file is a valid package");
    let o = cmd(&src, &tgt, &["list", "--json"]);
    let listed = json_line(&o);
    assert_eq!(listed[0]["contentHash"], json!(pkg.header.content_hash));

    // import --dry-run: the plan (exec::report_lines), nothing written.
    tgt.clear_requests();
    let o = cmd(&src, &tgt, &["import", arg(&file), "--target-owner", OWNER, "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("Plan for {} into Demo Org (content hash {})", pkg.header.group.name, pkg.header.content_hash), "{out}");
    assert!(lines.contains(&"Groups: 3 to create, 0 to overwrite") && lines.contains(&"Indicators: 37 to create, 0 to overwrite"), "{out}");
    assert!(!out.contains("Batch job 0") && !lines.contains(&"Import complete"), "a dry run runs no job: {out}");
    assert_eq!(tgt.writes(), Vec::<String>::new());

    // import: plan, progress, batch job, verification.
    let o = cmd(&src, &tgt, &["import", "--package", arg(&file), "--target-owner", OWNER]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("Import of {} into Demo Org (content hash {})", pkg.header.group.name, pkg.header.content_hash), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("Batch job 0 (id ") && l.contains("3 groups, 37 indicators")), "{out}");
    // Nothing missing when read back (the old "0 difference(s)"), and complete.
    assert!(
        lines.iter().any(|l| l.starts_with("Verified by reading the owner back: 3 groups, 37 indicators, ") && l.ends_with(", all present")),
        "{out}"
    );
    assert!(lines.contains(&"Import complete"), "{out}");
    assert!(stderr(&o).contains("[batch jobs] 1/1"), "progress on stderr: {}", stderr(&o));

    // pull --once: a file is only what it claims, so the pull imports the package again, as
    // verified (all overwrites); the next pull skips it.
    let pull = ["pull", "--once", "--json", "--source-org", OWNER, "--target-owner", OWNER];
    let o = cmd(&src, &tgt, &pull);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = json_line(&o);
    assert_eq!((s["packagesSeen"].as_u64(), s["packagesImported"].as_u64(), s["itemsCreated"].as_u64()), (Some(1), Some(1), Some(0)), "{s}");
    let o = cmd(&src, &tgt, &pull);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = json_line(&o);
    assert_eq!((s["packagesSeen"].as_u64(), s["packagesSkipped"].as_u64()), (Some(1), Some(1)), "{s}");

    // A change in the source, republished with the command: the next pull brings it.
    tag_group(&src, 9, "Republished");
    let o = cmd(&src, &tgt, &["publish", "--group-type", "incident", "--group-id", "9"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cmd(&src, &tgt, &pull);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = json_line(&o);
    assert_eq!((s["packagesImported"].as_u64(), s["itemsUpdated"].as_u64(), s["itemsFailed"].as_u64()), (Some(1), Some(40), Some(0)), "{s}");
    let g = util::group_by_xid(&hmac_client(&tgt), OWNER, &pkg.header.group.xid, &["tags"]).expect("the group is in the target");
    assert!(g["tags"]["data"].as_array().unwrap().iter().any(|t| t["name"] == "Republished"), "{g}");

    // Unchanged: skipped (text summary this time, exec::summary_lines), exit 0.
    let o = cmd(&src, &tgt, &["pull", "--source-org", OWNER, "--target-owner", OWNER]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("pivot-share pull: packages seen 1, imported 0, skipped 1, failed 0;"), "{}", stdout(&o));

    // pull --dry-run after a further change: planned, nothing written.
    tag_group(&src, 9, "Later");
    cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9"]);
    tgt.clear_requests();
    let o = cmd(&src, &tgt, &["pull", "--once", "--dry-run", "--json", "--source-org", OWNER, "--target-owner", OWNER]);
    assert_eq!(code(&o), 0);
    assert_eq!(json_line(&o)["packagesPlanned"].as_u64(), Some(1));
    assert_eq!(tgt.writes(), Vec::<String>::new());
}

/// pivot-share's own HTTP agent (`net.rs`, the one every command and the Job use) follows no
/// redirect: one could take the request, and its credentials, to another host.
#[test]
fn a_redirect_from_the_source_is_not_followed() {
    let (src, tgt) = pair();
    let elsewhere = util::source(SOURCE_SECRET);
    src.faults(json!({"rules": [{"pathPrefix": "/api/", "redirect": format!("{}/api/v3/groups/9", elsewhere.origin())}]}));
    src.clear_requests();
    elsewhere.clear_requests();
    let dir = TempDir::new("redirect");
    let file = dir.join("redirected.json");
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--out", arg(&file)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("302"), "the refusal names the redirect: {}", stderr(&o));
    assert!(!src.requests().is_empty(), "the source was asked");
    assert_eq!(elsewhere.requests().len(), 0, "the redirect's Location was requested");
    assert!(!file.exists(), "no package written");
}

#[test]
fn refused_package_writes_nothing_and_exits_1() {
    let (src, tgt) = pair();
    let dir = TempDir::new("refused");
    let file = dir.join("to-tamper.json");
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--out", arg(&file)]);
    assert_eq!(code(&o), 0);
    let text = std::fs::read_to_string(&file).unwrap().replacen("Finance workstation", "Finance w0rkstation", 1);
    std::fs::write(&file, text).unwrap();
    tgt.clear_requests();
    let o = cmd(&src, &tgt, &["import", arg(&file), "--target-owner", OWNER]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("package refused: content hash does not match"), "{}", stderr(&o));
    std::fs::write(&file, "{\"format\":\"pivot-share\",\"version\":").unwrap();
    let o = cmd(&src, &tgt, &["import", arg(&file), "--target-owner", OWNER]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("not valid JSON at line 1"), "{}", stderr(&o));
    assert_eq!(tgt.requests().len(), 0, "nothing sent to the target");
}

/// A minimal SMTP server: accepts connections, records every message it is given.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut w) = conn else { continue };
            let mut r = BufReader::new(w.try_clone().unwrap());
            let _ = w.write_all(b"220 sink ESMTP\r\n");
            let mut data: Option<String> = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(d) = data.as_mut() {
                    if line == ".\r\n" {
                        g.lock().unwrap().push(std::mem::take(d));
                        data = None;
                        let _ = w.write_all(b"250 queued\r\n");
                    } else {
                        d.push_str(line.strip_prefix('.').unwrap_or(&line));
                    }
                    continue;
                }
                let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                    "HELO" | "MAIL" | "RCPT" => b"250 ok\r\n",
                    "DATA" => {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = w.write_all(b"221 bye\r\n");
                        break;
                    }
                    _ => b"502 no\r\n",
                };
                let _ = w.write_all(reply);
            }
        }
    });
    (port, got)
}

fn attachment(msg: &str) -> String {
    let start = msg.find("filename=\"pivot-share.log\"").expect("an attachment");
    let body = &msg[start..];
    let b64: String = body.split("\r\n\r\n").nth(1).unwrap().split("\r\n--").next().unwrap().split("\r\n").collect();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
}

#[test]
fn pull_notifies_by_email_with_the_log_and_exit_codes() {
    let (src, tgt) = pair();
    let (port, got) = smtp_sink();
    let port = port.to_string();
    let dir = TempDir::new("notify");
    let secret_file = dir.join("source.key");
    std::fs::write(&secret_file, format!("{SOURCE_SECRET}\n")).unwrap();
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // Success, --notify-on always, with the log attached; the source secret from a file.
    let o = util::bin()
        .args(["pull", "--once", "--source-org", OWNER, "--target-owner", OWNER, "--log-level", "info"])
        .args(["--notify-email", "soc@example.org", "--notify-on", "always", "--attach-log", "--smtp-port", &port])
        .arg("--source-secret-file")
        .arg(&secret_file)
        .env_clear()
        .env("PIVOT_SOURCE_API_URL", src.api_url())
        .env("PIVOT_SOURCE_ACCESS_ID", src.access_id())
        .env("PIVOT_TARGET_API_URL", tgt.api_url())
        .env("PIVOT_TARGET_ACCESS_ID", tgt.access_id())
        .env("PIVOT_TARGET_SECRET_KEY", tgt.secret_key())
        .env("PIVOT_SOURCE_INSTANCE_ID", util::INSTANCE)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains(SOURCE_SECRET) && !stdout(&o).contains(SOURCE_SECRET));
    {
        let mails = got.lock().unwrap();
        assert_eq!(mails.len(), 1);
        let m = &mails[0];
        assert!(m.contains("To: soc@example.org") && m.contains("Subject: pivot-share pull into Demo Org: success"), "{m}");
        assert!(text_part(m).contains("packages seen 1, imported 1, skipped 0, failed 0"), "{m}");
        let log = attachment(m);
        assert!(log.contains("INFO") && log.contains("imported and verified"), "{log}");
        assert!(!m.contains(SOURCE_SECRET) && !m.contains(TARGET_SECRET));
    }

    // A failure (a damaged package in the source datastore): exit 1, mail on failure.
    let rec = json!({"groupId": 99, "groupXid": "pivot:x", "contentHash": "sha256:00", "sourceOwner": "Demo Org", "package": "{not json"});
    put_published(&src, "99", &rec);
    let o = cmd(
        &src,
        &tgt,
        &["pull", "--once", "--source-org", OWNER, "--target-owner", OWNER, "--notify-email", "soc@example.org", "--smtp-port", &port],
    );
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("skipped 1, failed 1"), "{}", stdout(&o));
    {
        let mails = got.lock().unwrap();
        assert_eq!(mails.len(), 2, "--notify-on failure (the default) sends on failure");
        assert!(mails[1].contains("FAILED") && text_part(&mails[1]).contains("not valid JSON"), "{}", mails[1]);
        assert!(!mails[1].contains("pivot-share.log"), "no log without --attach-log");
    }
    // --notify-on success does not send on failure.
    let o = cmd(
        &src,
        &tgt,
        &[
            "pull",
            "--once",
            "--source-org",
            OWNER,
            "--target-owner",
            OWNER,
            "--notify-email",
            "soc@example.org",
            "--notify-on",
            "success",
            "--smtp-port",
            &port,
        ],
    );
    assert_eq!(code(&o), 1);
    assert_eq!(got.lock().unwrap().len(), 2);

    // A run while another holds the lease on this owner: refused, exit 1.
    let lease = util::lease_json(OWNER, "someone-else", system_clock(), system_clock() + 600);
    lease_record(&tgt, Some(&lease));
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("another pull into this owner is running") && stdout(&o).contains("someone-else"), "{}", stdout(&o));
}

#[test]
fn bad_arguments_exit_2_without_panicking_or_echoing_secrets() {
    // No sandbox needed: arguments are checked before anything is sent.
    let run = |args: &[&str], env: &[(&str, &str)]| -> Output {
        let mut c = util::bin();
        c.args(args).env_clear();
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        let e = stderr(&o);
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        assert!(!e.contains(SOURCE_SECRET) && !stdout(&o).contains(SOURCE_SECRET), "{args:?} echoed a secret");
        o
    };
    let base = [
        ("PIVOT_SOURCE_API_URL", "http://127.0.0.1:9/api"),
        ("PIVOT_SOURCE_ACCESS_ID", "a"),
        ("PIVOT_SOURCE_SECRET_KEY", SOURCE_SECRET),
        ("PIVOT_TARGET_API_URL", "http://127.0.0.1:9/api"),
        ("PIVOT_TARGET_ACCESS_ID", "b"),
        ("PIVOT_TARGET_SECRET_KEY", SOURCE_SECRET),
        ("PIVOT_TARGET_OWNER", "Demo Org"),
        ("PIVOT_SOURCE_ORG", "Demo Org"),
        ("PIVOT_SOURCE_INSTANCE_ID", "source-sandbox"),
    ];
    let bad: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["--once"],
        &["pull", "--bogus"],
        &["pull", "--daily", "25:00"],
        &["pull", "--daily"],
        &["pull", "--weekly", "someday", "02:00"],
        &["pull", "--monthly", "32", "02:00"],
        &["pull", "--once", "--daily", "02:00"],
        &["pull", "--log-level", "loud"],
        &["pull", "--notify-email", "not-an-address"],
        &["pull", "--notify-email", "a@b.c", "--notify-on", "sometimes"],
        &["pull", "--notify-email", "a@b.c", "--smtp-port", "http"],
        &["pull", "--attach-log"],
        &["pull", "--lease", "-5"],
        &["pull", "--lease", "1"],
        &["pull", "--lock-ttl", "60"],
        &["pull", "--source-secret-key", SOURCE_SECRET],
        &["pull", &format!("--target-secret-key={SOURCE_SECRET}")],
        &["pull", "--source-api-url", "ftp://x"],
        &["import"],
        &["import", "a.json", "b.json"],
        &["publish", "--group-type", "Spaceship", "--group-id", "1"],
        &["publish", "--group-type", "Incident", "--group-id", "nine"],
        &["publish", "--group-type", "Incident"],
        &["pull", "stray"],
        &["pull", "--source-secret-file", "/nonexistent/key"],
    ];
    for args in bad {
        let o = run(args, &base);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?} says why");
    }
    // Missing credentials or owner: 2, naming the variable.
    let o = run(&["pull", "--once"], &base[..2]);
    assert_eq!(code(&o), 2);
    let o = run(&["pull", "--once"], &base[..7]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("PIVOT_SOURCE_ORG"), "{}", stderr(&o));
    // A pull checks where each package comes from: without the source instance id it does not start.
    let o = run(&["pull", "--once"], &base[..8]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("PIVOT_SOURCE_INSTANCE_ID"), "{}", stderr(&o));
    // --help: 0, names the environment variables.
    let o = run(&["pull", "--help"], &[]);
    assert_eq!(code(&o), 0);
    for v in ["PIVOT_TARGET_API_URL", "PIVOT_SOURCE_SECRET_KEY", "PIVOT_SOURCE_SECRET_FILE", "PIVOT_LOG_LEVEL", "--notify-on", "--monthly"] {
        assert!(stdout(&o).contains(v), "{v}");
    }
    // Good arguments but nothing listening: 1 (a failure, not a usage error), no secret in the message.
    let o = run(&["pull", "--once"], &base);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let missing = Path::new("/nonexistent/package.json");
    let o = run(&["import", missing.to_str().unwrap()], &base);
    assert_eq!(code(&o), 1);
}

#[test]
fn scheduled_pull_waits_for_its_time_and_runs_until_stopped() {
    // No sandbox needed: the scheduled form sleeps until the next run time first.
    let mut child = util::bin()
        .args(["pull", "--weekly", "sunday", "03:15", "--source-org", "Demo Org", "--target-owner", "Demo Org", "--source-instance-id", "src"])
        .env_clear()
        .env("PIVOT_SOURCE_API_URL", "http://127.0.0.1:9/api")
        .env("PIVOT_SOURCE_ACCESS_ID", "a")
        .env("PIVOT_SOURCE_SECRET_KEY", SOURCE_SECRET)
        .env("PIVOT_TARGET_API_URL", "http://127.0.0.1:9/api")
        .env("PIVOT_TARGET_ACCESS_ID", "b")
        .env("PIVOT_TARGET_SECRET_KEY", TARGET_SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("next run at") && line.contains("T03:15:00Z"), "{line}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "still running, waiting for Sunday 03:15 UTC");
    let _ = child.kill();
    let _ = child.wait();
}

/// The credentials go over https, or over http to this machine only: an http source or
/// target elsewhere is refused before any request (and before the secret file is read).
/// `0.0.0.0` reaches the sandboxes on Linux but is not loopback: were it accepted, the
/// command would run against them.
#[test]
fn http_other_than_loopback_is_refused() {
    let (src, tgt) = pair();
    for (var, side, url) in [
        ("PIVOT_SOURCE_API_URL", "source", format!("http://0.0.0.0:{}/api", src.port())),
        ("PIVOT_TARGET_API_URL", "target", format!("http://0.0.0.0:{}/api", tgt.port())),
        ("PIVOT_SOURCE_API_URL", "source", format!("http://127.0.0.1@0.0.0.0:{}/api", src.port())),
    ] {
        src.clear_requests();
        tgt.clear_requests();
        let o = command(&src, &tgt, &["pull", "--once", "--source-org", OWNER, "--target-owner", OWNER]).env(var, &url).output().unwrap();
        assert_eq!(code(&o), 2, "{url}: {}", stderr(&o));
        let want = format!("--{side}-api-url ({var}) must");
        assert!(stderr(&o).contains(&want), "{url}: {}", stderr(&o));
        assert!(src.requests().is_empty() && tgt.requests().is_empty(), "{url}: a request was sent");
    }
}

/// Control characters a package or the API can carry; none may reach the terminal, the log or the mail raw.
const RAW_CONTROLS: [char; 6] = ['\u{202E}', '\u{1B}', '\u{2066}', '\u{7F}', '\u{85}', '\u{200B}'];

fn assert_no_raw_controls(what: &str, text: &str) {
    for c in RAW_CONTROLS {
        assert!(!text.contains(c), "{what} has a raw U+{:04X}: {text:?}", c as u32);
    }
}

/// The environment of `cmd` with nothing listening: for what is refused before any request.
fn offline(args: &[&str]) -> Output {
    let o = util::bin()
        .args(args)
        .env_clear()
        .env("PIVOT_TARGET_API_URL", "http://127.0.0.1:9/api")
        .env("PIVOT_TARGET_ACCESS_ID", "b")
        .env("PIVOT_TARGET_SECRET_KEY", TARGET_SECRET)
        .env("PIVOT_TARGET_OWNER", "Demo Org")
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    o
}

#[test]
fn a_refused_package_names_its_values_escaped() {
    // The `format` of a hostile file is echoed in the refusal: U+202E shown, not obeyed.
    let dir = TempDir::new("hostile-format");
    let file = dir.join("hostile-format.json");
    std::fs::write(&file, "{\"format\":\"stix\u{202E}txt.exe\u{85}\",\"version\":1}").unwrap();
    let o = offline(&["import", arg(&file)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert_no_raw_controls("the refusal", &err);
    assert_eq!(
        err.lines().last(),
        Some(
            "pivot-share: import failed: package refused: this is not a Pivot share package \
             (format is \"stix\\u{202E}txt.exe\\u{0085}\", expected \"pivot-share\")"
        ),
        "{err}"
    );
}

#[test]
fn a_package_file_over_the_limit_is_refused_by_its_size_before_reading() {
    // 1 GiB, sparse: refused by its size, which the message names (read up to the
    // limit, the message could only name 64 MiB + 1).
    let dir = TempDir::new("huge-package");
    let file = dir.join("huge-package.json");
    std::fs::File::create(&file).unwrap().set_len(1 << 30).unwrap();
    let o = offline(&["import", arg(&file)]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "pivot-share: cannot import {}: package refused: the file is 1073741824 bytes (1024.0 MiB), \
             over the limit of 67108864 bytes (64.0 MiB) for a share package\n",
            file.display()
        )
    );
}

/// An attribute in v3 shape, with these security labels.
fn attr(id: u64, t: &str, v: &str, labels: &[&str]) -> Value {
    json!({"id": id, "dateAdded": "2021-11-09T13:32:37Z", "lastModified": "2021-11-09T13:32:37Z", "type": t, "value": v,
        "pinned": false, "default": false, "securityLabels": {"data": labels.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()}})
}

/// A package of a source's Incident named `name`, with an attribute of type `attribute_type`
/// (besides a Description), and one Host (the sharing core's `snapshot`, as `publish` makes it).
fn package_named(name: &str, attribute_type: &str) -> sharing::SharePackage {
    let group = json!({
        "id": 42, "ownerId": 1, "ownerName": "Source Org", "dateAdded": "2024-08-04T10:00:00Z", "type": "Incident",
        "name": name, "status": "New", "eventDate": "2024-08-04T00:00:00Z", "lastModified": "2024-08-05T09:00:00Z",
        "attributes": {"data": [attr(1, "Description", "A ransomware attack.", &["TLP:AMBER"]), attr(9, attribute_type, "x", &[])]},
        "tags": {"data": [{"id": 100, "name": "Ransomware"}]},
        "securityLabels": {"data": [{"name": "TLP:AMBER"}]},
    });
    let host = json!({
        "id": 3, "ownerId": 1, "ownerName": "Source Org", "type": "Host", "summary": "badguy.com", "hostName": "badguy.com",
        "rating": 3.0, "confidence": 74, "privateFlag": false, "active": true, "dnsActive": true, "whoisActive": false,
        "lastModified": "2021-11-02T14:58:55Z", "tags": {"data": []}, "securityLabels": {"data": [{"name": "TLP:GREEN"}]},
        "attributes": {"data": [attr(1003, "Description", "badguy.com seen in the incident", &[])]},
    });
    let opts = sharing::PublishOptions {
        instance_id: "source-instance-1".into(),
        owner: "Source Org".into(),
        api_url: Some("http://localhost:8443/api".into()),
        published_at: "2026-11-25T14:20:33Z".into(),
        security_labels_allowed: vec!["TLP:WHITE".into(), "TLP:GREEN".into(), "TLP:AMBER".into()],
        exclude_unlabeled: false,
    };
    sharing::snapshot(&group, &[], &[host], &opts).expect("snapshot")
}

#[test]
fn import_shows_names_from_the_package_escaped_and_json_keeps_them() {
    let tgt = util::target(TARGET_SECRET);
    // A name that tries to forge the renderer's own last line (and to reverse what follows).
    let name = "Invoice\u{202E}fdp.exe\nImport complete";
    let pkg = package_named(name, "Evil\u{2066}Type\u{1B}[2J");
    let dir = TempDir::new("escape-import");
    let file = dir.join("escape-import.json");
    std::fs::write(&file, pkg.to_bytes()).unwrap();
    let import = |extra: &[&str]| {
        let o = util::bin()
            .args(["import", arg(&file), "--target-owner", OWNER, "--dry-run"])
            .args(extra)
            .env_clear()
            .env("PIVOT_TARGET_API_URL", tgt.api_url())
            .env("PIVOT_TARGET_ACCESS_ID", tgt.access_id())
            .env("PIVOT_TARGET_SECRET_KEY", tgt.secret_key())
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        o
    };

    let o = import(&[]);
    let out = stdout(&o);
    assert_no_raw_controls("the plan", &out);
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        format!("Plan for Invoice\\u{{202E}}fdp.exe\\u{{000A}}Import complete into Demo Org (content hash {})", pkg.header.content_hash)
    );
    assert!(out.lines().any(|l| l == "Attribute type \"Evil\\u{2066}Type\\u{001B}[2J\" does not exist here: 1 attribute not imported"), "{out}");
    // A dry run never completes an import: a line that says so could only be forged by the name.
    assert!(!out.lines().any(|l| l.starts_with("Import complete")), "a name cannot start a line of its own: {out}");

    // --json: the same values once parsed, with no raw control character in the text.
    let o = import(&["--json"]);
    let text = stdout(&o);
    assert_no_raw_controls("the JSON report", &text);
    let v = json_line(&o);
    assert_eq!(v["groupName"], json!(name));
}

/// A published record written by hand into the source's datastore (as another publisher
/// could leave it): the package record and its head (the same fields, no file).
fn put_published(src: &Sandbox, id: &str, rec: &Value) {
    let source = hmac_client(src);
    let mut head = rec.clone();
    head.as_object_mut().unwrap().remove("package");
    for (t, body) in [(exec::PUBLISHED_TYPE, rec), (exec::HEADS_TYPE, &head)] {
        run(source.datastore_put(Domain::Organization, t, id, body)).unwrap();
    }
}

#[test]
fn pull_escapes_names_from_the_source_in_its_summary_log_and_mail() {
    let (src, tgt) = pair();
    let (port, got) = smtp_sink();
    // A record in the source's datastore, as another publisher could leave it.
    let rec = json!({"groupId": 77, "groupType": "Incident", "groupName": "Op\u{1B}[2J\u{202E}Night", "groupXid": "pivot:y",
        "contentHash": "sha256:01", "sourceOwner": "Other\u{202E}Org\nOK: nothing failed", "package": "{}"});
    put_published(&src, "77", &rec);
    let pull = ["pull", "--once", "--source-org", OWNER, "--target-owner", OWNER, "--log-level", "info"];
    let port = port.to_string();
    // The owner names the mail's subject: escaped there too, never stripped.
    let mut with_mail = pull.to_vec();
    with_mail[5] = "Demo\u{202E}Org";
    with_mail.extend(["--notify-email", "soc@example.org", "--notify-on", "always", "--attach-log", "--smtp-port", &port]);
    let o = cmd(&src, &tgt, &with_mail);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let line = "  failed: Incident Op\\u{001B}[2J\\u{202E}Night (group 77): published by \"Other\\u{202E}Org\\u{000A}OK: nothing failed\", \
                not by the configured source organization \"Demo Org\" or its listed owners";
    let out = stdout(&o);
    assert_no_raw_controls("the summary", &out);
    assert!(out.lines().any(|l| l == line), "{out}");
    let err = stderr(&o);
    assert_no_raw_controls("the log", &err);
    assert!(
        err.lines().any(|l| l.ends_with(" ERROR Incident Op\\u{001B}[2J\\u{202E}Night (group 77): published by \"Other\\u{202E}Org\\u{000A}OK: nothing failed\", not by the configured source organization \"Demo Org\" or its listed owners")),
        "{err}"
    );
    let mails = got.lock().unwrap();
    assert_eq!(mails.len(), 1);
    assert_no_raw_controls("the mail", &mails[0]);
    assert!(mails[0].contains("\r\nSubject: pivot-share pull into Demo\\u{202E}Org: FAILED\r\n"), "{}", mails[0]);
    assert!(text_part(&mails[0]).contains(&format!("{line}\r\n")), "{}", mails[0]);
    let log = attachment(&mails[0]);
    assert_no_raw_controls("the attached log", &log);
    assert!(log.contains("Op\\u{001B}[2J\\u{202E}Night (group 77): published by \"Other\\u{202E}Org\\u{000A}OK"), "{log}");
    drop(mails);

    // --json: escaped as JSON escapes, the same values once parsed.
    let mut json_pull = pull.to_vec();
    json_pull.push("--json");
    let o = cmd(&src, &tgt, &json_pull);
    assert_no_raw_controls("the JSON summary", &stdout(&o));
    let s = json_line(&o);
    let p = s["packages"].as_array().unwrap().iter().find(|p| p["groupId"] == 77).expect("the record");
    assert_eq!(p["groupName"], json!("Op\u{1B}[2J\u{202E}Night"));

    // publish checks the group's owner against --source-org; the refusal names both, escaped.
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--source-org", "Evil\u{202E}Org"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o).lines().last(),
        Some("pivot-share: publish failed: group 9 belongs to \"Demo Org\", not to \"Evil\\u{202E}Org\""),
        "{}",
        stderr(&o)
    );

    // list: one line per record, tab-separated; a control character in a name is escaped in its own field.
    let o = cmd(&src, &tgt, &["list"]);
    let out = stdout(&o);
    assert_no_raw_controls("the list", &out);
    assert!(out.lines().any(|l| l.split('\t').collect::<Vec<_>>()[..3] == ["77", "Incident", "Op\\u{001B}[2J\\u{202E}Night"]), "{out}");
}

/// The real command refuses a version 1 package from the source unless told to accept one.
#[test]
fn pull_refuses_a_version_1_package_unless_accepted() {
    let (src, tgt) = pair();
    publish_9(&src, &tgt);
    let source = hmac_client(&src);
    let text = run(exec::published_package(&source, 9)).unwrap().expect("published");
    let mut v1 = sharing::validate(text.as_bytes()).unwrap();
    v1.header.version = 1;
    v1.group_ids.clear();
    v1.header.content_hash = v1.compute_hash();
    let rec = json!({"groupId": 9, "groupType": "Incident", "groupName": v1.header.group.name, "groupXid": v1.header.group.xid,
        "contentHash": v1.header.content_hash, "sourceOwner": OWNER, "package": String::from_utf8(v1.to_bytes()).unwrap()});
    put_published(&src, "9", &rec);

    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("a version 1 package") && stdout(&o).contains("--accept-version-1"), "{}", stdout(&o));
    let mut accepting = PULL.to_vec();
    accepting.push("--accept-version-1");
    let o = cmd(&src, &tgt, &accepting);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

// ---- the pull lease, with real processes ----------------------------------

/// The pull lease record of "Demo Org" in the target's datastore; `set` writes it first.
fn lease_record(tgt: &Sandbox, set: Option<&Value>) -> Option<Value> {
    let c = hmac_client(tgt);
    let id = exec::lease_record_id(OWNER);
    if let Some(v) = set {
        run(c.datastore_put(Domain::Organization, exec::LEASE_TYPE, &id, v)).unwrap();
    }
    run(c.datastore_get(Domain::Organization, exec::LEASE_TYPE, &id, exec::SMALL_RECORD_BYTES))
        .unwrap_or_else(|e| panic!("read the lease record: {e}"))
}

const PULL: [&str; 6] = ["pull", "--once", "--source-org", "Demo Org", "--target-owner", "Demo Org"];

fn pull_json(o: &Output) -> Value {
    json_line(o)
}

/// Waits (at most 20 s) until the target's request log shows `method path`.
fn wait_for_request(tgt: &Sandbox, method: &str, path: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while !tgt.requests().iter().any(|r| r["method"] == method && r["path"] == path) {
        assert!(Instant::now() < until, "no {method} {path} in 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Publishes Incident 9 of the source, as the flows below pull it.
fn publish_9(src: &Sandbox, tgt: &Sandbox) {
    let o = cmd(src, tgt, &["publish", "--group-type", "Incident", "--group-id", "9"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn a_pull_killed_during_a_batch_upload_is_recovered_by_the_next_run_within_its_lease() {
    let (src, tgt) = pair();
    publish_9(&src, &tgt);
    // The target holds the upload 5 s before handling it: the run is killed in the middle of it.
    tgt.faults(json!({"rules": [{"method": "POST", "pathPrefix": "/api/v2/batch/", "delayMs": 5000}]}));
    tgt.clear_requests();
    let mut args = PULL.to_vec();
    args.extend(["--lease", "4"]);
    let mut child = command(&src, &tgt, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_for_request(&tgt, "POST", "/api/v2/batch");
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap(); // SIGKILL: no cleanup of any kind
    child.wait().unwrap();
    let killed = Instant::now();
    let left = lease_record(&tgt, None).expect("the killed run's lease is left behind");
    assert!(left["runId"].as_str().unwrap().contains(&format!("pid {}", child.id())), "{left}");
    tgt.clear_faults();

    // The next run, with default settings: refused while the dead run's lease lasts, saying until when...
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("another pull into this owner is running"), "{}", stdout(&o));
    // ...and once it has lapsed (4 s after the dead run's last renewal), it imports and converges.
    let mut args = PULL.to_vec();
    args.push("--json");
    let summary = loop {
        std::thread::sleep(Duration::from_millis(500));
        let o = cmd(&src, &tgt, &args);
        if code(&o) == 0 {
            break pull_json(&o);
        }
        assert!(killed.elapsed() < Duration::from_secs(12), "still blocked {:?} after the kill: {}", killed.elapsed(), stdout(&o));
    };
    assert_eq!(summary["packagesImported"], 1, "{summary}");
    assert!(summary["packages"][0]["message"].as_str().unwrap().contains("verified"), "{summary}");
    // Converged: one group per xid (no duplicate from the interrupted job), the lease released.
    let groups = run(hmac_client(&tgt).json(Collection::Groups.search("typeName = \"Incident\"", 0, 100, false))).unwrap();
    assert_eq!(groups["data"].as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(lease_record(&tgt, None), None);
    let o = cmd(&src, &tgt, &args);
    assert_eq!(pull_json(&o)["packagesSkipped"], 1, "the next run has nothing to do");
}

#[test]
fn sigterm_releases_the_lease_so_the_next_run_goes_ahead_at_once() {
    let (src, tgt) = pair();
    publish_9(&src, &tgt);
    tgt.faults(json!({"rules": [{"method": "POST", "pathPrefix": "/api/v2/batch/", "delayMs": 5000}]}));
    tgt.clear_requests();
    let child = command(&src, &tgt, &PULL).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    wait_for_request(&tgt, "POST", "/api/v2/batch");
    assert!(lease_record(&tgt, None).is_some(), "the run holds its lease");
    let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + 15), "{}", stderr(&out));
    assert!(stderr(&out).contains("pull lease released"), "{}", stderr(&out));
    assert_eq!(lease_record(&tgt, None), None, "released, not left to lapse");
    tgt.clear_faults();
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// Twenty races of two pulls started together, in two sandbox pairs side by side (each race waits
/// on its processes and the datastore's delays far more than it computes).
#[test]
fn two_pulls_started_together_never_both_import() {
    std::thread::scope(|s| {
        for races in [0..10, 10..20] {
            s.spawn(move || two_pulls_race(races));
        }
    });
}

fn two_pulls_race(rounds: std::ops::Range<u32>) {
    let (src, tgt) = pair();
    // Every datastore request of the target waits 20..220 ms before it is handled: two runs
    // reading "free" at the same moment land their writes in either order.
    tgt.faults(json!({"rules": [{"pathPrefix": "/api/v2/exchange/db/", "delayMs": 20, "jitterMs": 200}]}));
    let mut args = PULL.to_vec();
    args.push("--json");
    for round in rounds {
        // A change each round, so there is always something to import.
        let tag = format!("round {round}");
        tag_group(&src, 9, &tag);
        publish_9(&src, &tgt);
        let (a, b) = (
            command(&src, &tgt, &args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap(),
            command(&src, &tgt, &args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap(),
        );
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let (mut imported, mut refused, mut skipped) = (0, 0, 0);
        for o in &outs {
            let j = pull_json(o);
            if j["error"].as_str().is_some_and(|e| e.contains("another pull into this owner is running")) {
                refused += 1;
            } else if j["packagesImported"] == 1 {
                imported += 1;
            } else if j["packagesSkipped"] == 1 {
                skipped += 1; // the other run had finished before this one read the record
            }
        }
        assert_eq!((imported, refused + skipped), (1, 1), "round {round}: {} | {}", stdout(&outs[0]), stdout(&outs[1]));
    }
    assert_eq!(lease_record(&tgt, None), None);
}

/// The trust options reach the import and the pull: a security label the target put on its
/// own copy of a shared indicator is planned as kept, unless `--replace-target-labels`.
#[test]
fn the_trust_options_reach_import_and_pull() {
    let (src, tgt) = pair();
    let dir = TempDir::new("trust");
    let file = dir.join("trust.json");
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--out", arg(&file)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pkg: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let ind = &pkg["batch"]["indicator"][0];
    let body = json!({"type": ind["type"], "summary": ind["summary"], "ownerName": "Demo Org", "securityLabels": {"data": [{"name": "TLP:RED"}]}});
    run(hmac_client(&tgt).json(HttpRequest::post("/v3/indicators").json(&body))).unwrap();
    let plan = |extra: &[&str]| {
        let mut args = vec!["import", arg(&file), "--target-owner", OWNER, "--dry-run", "--json"];
        args.extend(extra);
        let o = cmd(&src, &tgt, &args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        json_line(&o)["plan"].clone()
    };
    let kept = |p: &Value| p["labels_kept"].as_array().unwrap().iter().map(|n| n["labels"].clone()).collect::<Vec<_>>();
    let count = |p: &Value, k: &str| p[k].as_array().unwrap().len();
    // The target's own indicator: brought by no share import, so linked only unless adopted.
    let own = plan(&[]);
    assert_eq!((count(&own, "linked_only"), count(&own, "adopted"), kept(&own).len()), (1, 0, 0), "{own}");
    let adopted = plan(&["--adopt-existing"]);
    assert_eq!((count(&adopted, "linked_only"), count(&adopted, "adopted")), (0, 1), "{adopted}");
    assert_eq!(kept(&adopted), [json!(["TLP:RED"])]);
    assert_eq!(kept(&plan(&["--adopt-existing", "--replace-target-labels"])), Vec::<Value>::new());
    // The pull: adopts it keeping the label, or replacing it when told.
    let labels = || {
        let r = run(hmac_client(&tgt).json(
            Collection::Indicators
                .search(&format!("summary = {}", tql::quote(ind["summary"].as_str().unwrap())), 0, 1, false)
                .owner(Some(OWNER))
                .query("fields", "securityLabels"),
        ))
        .unwrap();
        r["data"][0]["securityLabels"].to_string()
    };
    let mut adopt = PULL.to_vec();
    adopt.push("--adopt-existing");
    assert_eq!(code(&cmd(&src, &tgt, &adopt)), 0);
    assert!(labels().contains("TLP:RED"));
    let mut replace = adopt.clone();
    replace.push("--replace-target-labels");
    // Republished (a new hash), so the pull imports again, this time replacing.
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--labels", "TLP:WHITE,TLP:GREEN"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&cmd(&src, &tgt, &replace)), 0);
    assert!(!labels().contains("TLP:RED"), "{}", labels());
}

/// A package claiming a `publishedAt` in the future (9999-12-31, which would outrank every real
/// publication) is refused, naming it: from the configured source by the pull (the package
/// fails, exit 1, nothing imported) and from a file by the import (exit 1, nothing written).
#[test]
fn a_package_published_in_the_future_is_refused_by_pull_and_import() {
    let (src, tgt) = pair();
    let dir = TempDir::new("future");
    let file = dir.join("incident-9.json");
    let o = cmd(&src, &tgt, &["publish", "--group-type", "Incident", "--group-id", "9", "--out", arg(&file)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // publishedAt is not hashed: the record in the source's datastore, changed by hand.
    let source = hmac_client(&src);
    let mut rec = run(source.datastore_get(Domain::Organization, exec::PUBLISHED_TYPE, "9", exec::IMPORT_RECORD_BYTES)).unwrap().expect("published");
    let mut pkg: Value = serde_json::from_str(rec["package"].as_str().unwrap()).unwrap();
    pkg["publishedAt"] = json!("9999-12-31T23:59:59Z");
    rec["package"] = json!(pkg.to_string());
    rec["publishedAt"] = json!("9999-12-31T23:59:59Z");
    put_published(&src, "9", &rec);
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let refused = "refused: package refused: `publishedAt` 9999-12-31T23:59:59Z is in the future";
    assert!(stdout(&o).lines().any(|l| l.starts_with("  failed: Incident ") && l.contains(refused)), "{}", stdout(&o));
    let groups = run(hmac_client(&tgt).json(Collection::Groups.search("typeName = \"Incident\"", 0, 100, false))).unwrap();
    assert_eq!(groups["data"].as_array().map_or(0, Vec::len), 0, "nothing imported: {groups}");

    std::fs::write(&file, pkg.to_string()).unwrap();
    tgt.clear_requests();
    let o = cmd(&src, &tgt, &["import", arg(&file), "--target-owner", OWNER]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("import failed: package refused: `publishedAt` 9999-12-31T23:59:59Z is in the future"), "{}", stderr(&o));
    assert_eq!(tgt.requests().len(), 0, "refused before any request: {:?}", tgt.requests());
}

// ---- bounded reading, with the real command --------------------------------

/// Records written by hand larger than their purpose allows are refused while they arrive,
/// before anything parses them, and the run says so: a head record (what a pull lists) over
/// 1 MiB in the source fails the pull, and so does a lease record over 1 MiB in the target;
/// nothing is imported either time.
#[test]
fn a_head_or_lease_record_over_its_limit_fails_the_pull_unread() {
    let (src, tgt) = pair();
    publish_9(&src, &tgt);
    let source = hmac_client(&src);
    let pad = "x".repeat(exec::SMALL_RECORD_BYTES as usize);
    let head = run(source.datastore_get(Domain::Organization, exec::HEADS_TYPE, "9", exec::SMALL_RECORD_BYTES)).unwrap().expect("a head");
    let mut forged = head.clone();
    forged["groupName"] = json!(pad);
    run(source.datastore_put(Domain::Organization, exec::HEADS_TYPE, "9", &forged)).unwrap();
    let refused = "ThreatConnect sent an answer larger than Pivot reads for this request (more than 1 MiB); Pivot refused it unread.";
    let imported = || {
        let groups = run(hmac_client(&tgt).json(Collection::Groups.search("typeName = \"Incident\"", 0, 100, false))).unwrap();
        groups["data"].as_array().map_or(0, Vec::len)
    };
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(format!("{}{}", stdout(&o), stderr(&o)).contains(refused), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(imported(), 0);

    run(source.datastore_put(Domain::Organization, exec::HEADS_TYPE, "9", &head)).unwrap();
    let lease_id = exec::lease_record_id(OWNER);
    run(hmac_client(&tgt).datastore_put(Domain::Organization, exec::LEASE_TYPE, &lease_id, &json!({"runId": pad}))).unwrap();
    let o = cmd(&src, &tgt, &PULL);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(format!("{}{}", stdout(&o), stderr(&o)).contains(refused), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(imported(), 0);
}

/// A source standing in for ThreatConnect that lists `head` as its one published package
/// and answers the package record's read with a body of `size` bytes, streamed in chunks
/// (no `Content-Length`) and never held whole. Every other request: 404.
pub fn oversized_record_source(head: Value, size: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let head = head.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let path = pivot_testing::read_http_request(&mut reader).map(|(target, _)| target).unwrap_or_default();
                let answer = |status: u16, body: String| {
                    format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let heads = format!("/api/v2/exchange/db/organization/{}/_search", exec::HEADS_TYPE);
                let package = format!("/api/v2/exchange/db/organization/{}/9", exec::PUBLISHED_TYPE);
                if path == heads {
                    let body = json!({"hits": {"total": 1, "hits": [{"_id": "9", "_source": head}]}});
                    let _ = stream.write_all(answer(200, body.to_string()).as_bytes());
                } else if path == package {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                    let start = br#"{"found":true,"_id":"9","_source":{"package":""#;
                    let chunk = vec![b'x'; 1 << 20];
                    let mut sent = 0u64;
                    let mut piece: &[u8] = start;
                    while sent < size {
                        let ok = stream
                            .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                            .and_then(|_| stream.write_all(piece))
                            .and_then(|_| stream.write_all(b"\r\n"));
                        if ok.is_err() {
                            return;
                        }
                        sent += piece.len() as u64;
                        piece = &chunk[..chunk.len().min((size - sent) as usize)];
                    }
                    let _ = stream.write_all(b"3\r\n\"}}\r\n0\r\n\r\n");
                } else {
                    let _ = stream.write_all(answer(404, r#"{"status":"Failure","message":"Not Found"}"#.into()).as_bytes());
                }
            });
        }
    });
    origin
}

/// A published package record larger than publishing stores is refused while it streams:
/// the package fails by name, nothing is imported, and the rest of the run goes on.
#[test]
fn a_package_record_over_its_limit_fails_the_package_unread() {
    let (src, tgt) = pair();
    publish_9(&src, &tgt);
    let head = run(hmac_client(&src).datastore_get(Domain::Organization, exec::HEADS_TYPE, "9", exec::SMALL_RECORD_BYTES)).unwrap().expect("a head");
    let origin = oversized_record_source(head, exec::PUBLISHED_RECORD_BYTES + exec::RECORD_WRAPPING_BYTES + 1024 * 1024);
    let o = command(&src, &tgt, &PULL).env("PIVOT_SOURCE_API_URL", format!("{origin}/api")).output().expect("run pivot-share");
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(code(&o), 1, "{out}");
    // 80 MiB and the datastore's wrapping, 64 KiB.
    let refused = "failed: Incident Finance workstation compromise (group 9): could not fetch the package: ThreatConnect sent an answer \
                   larger than Pivot reads for this request (more than 80.1 MiB); Pivot refused it unread.";
    assert!(stdout(&o).contains(refused), "{out}");
    let groups = run(hmac_client(&tgt).json(Collection::Groups.search("typeName = \"Incident\"", 0, 100, false))).unwrap();
    assert_eq!(groups["data"].as_array().map_or(0, Vec::len), 0, "nothing imported: {groups}");
}

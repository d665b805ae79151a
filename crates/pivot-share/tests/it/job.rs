//! The Cross-Intel Sharing Job app as ThreatConnect runs it: `scripts/package-job.sh`
//! builds `target/package/PivotShare_v1.zip`, the test unzips it into a folder under
//! cargo's target/tmp and runs its `run.py` with `python3` the way tcex's app test harness
//! launches an app: the inputs (job arguments and params) JSON-encoded with sorted keys,
//! AES-CBC encrypted with a 16-letter key and a zero IV into `tc_in_path/.test_app_params.json`,
//! `TC_APP_PARAM_FILE` / `TC_APP_PARAM_KEY` in the environment, no arguments
//! (tcex-app-testing `tcex_app_testing/test_case/aux_.py` `create_config`,
//! `test_case/test_case_playbook.py` `run_profile`, `subprocess.Popen(['python', 'run.py'])`).
//! The encryption is openssl's (`openssl enc -aes-128-cbc`), not the code under test.
//!
//! Against two sandboxes (source `demo`, target `empty`): exit code, `message.tc`, the log
//! (no secret in it), the target's state read back through the API, the job's token
//! renewed; a wrong Source Secret Key exits 1 naming it; a run while another holds the
//! pull lease exits 0, "Skipped". The runner's own refusals, the proxy ThreatConnect names
//! and a source behind an internal CA run the debug binary (or `run.py` alone) instead.

use crate::util::{self, code, hmac_client, TempDir, INSTANCE, OWNER};
use pivot_testing::{node_server, root, run, skip, Sandbox};
use serde_json::{json, Value};
use sharing::exec;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use threatconnect::datastore::Domain;
use threatconnect::native::system_clock;
use threatconnect::time::rfc3339;
use threatconnect::Collection;

const SOURCE_SECRET: &str = "src-JOB-SECRET-5d21e8";
const TARGET_SECRET: &str = "tgt-JOB-SECRET-90ac17";
/// A 16-letter key, as tcex's harness makes (`random.choice(string.ascii_lowercase)`).
const PARAM_KEY: &str = "qhzkwmtrpxvaelon";

/// The unpacked Job app: its folder, removed with the `TempDir`.
struct App {
    _dir: TempDir,
    path: PathBuf,
}

/// `make package-job`'s script, then the zip unpacked as ThreatConnect would (Python's
/// zipfile, which does not restore permissions). `None` when the musl toolchain is missing.
/// The zip is named by this package's major version, as the script names it.
fn unpacked_package() -> Option<App> {
    let root = root();
    let missing_target = !Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == "x86_64-unknown-linux-musl"));
    let missing_gcc = !Command::new("sh").args(["-c", "command -v musl-gcc"]).output().is_ok_and(|o| o.status.success());
    if missing_target || missing_gcc {
        skip("the job package needs the x86_64-unknown-linux-musl target and musl-gcc: run scripts/setup.sh test");
        return None;
    }
    let out = Command::new("scripts/package-job.sh").current_dir(&root).output().expect("run scripts/package-job.sh");
    assert!(out.status.success(), "package-job failed: {}", String::from_utf8_lossy(&out.stderr));
    let name = format!("PivotShare_v{}", env!("CARGO_PKG_VERSION_MAJOR"));
    let zip = root.join(format!("target/package/{name}.zip"));
    let dir = TempDir::new("job-app");
    let st = Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&zip).arg(dir.path()).status().expect("python3");
    assert!(st.success());
    let path = dir.join(&name);
    Some(App { _dir: dir, path })
}

/// True when the ELF file has no PT_INTERP program header: nothing to load it, so it
/// runs on a host whatever its libc (a dynamically linked executable always has one).
fn elf_is_static(path: &Path) -> bool {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], b"\x7fELF", "an ELF file");
    assert_eq!(b[4], 2, "64-bit");
    assert_eq!(u16::from_le_bytes([b[18], b[19]]), 62, "x86_64 (EM_X86_64)");
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap()) as usize;
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let (phoff, phentsize, phnum) = (u64_at(32), u16_at(54), u16_at(56));
    assert!(phnum > 0);
    (0..phnum).all(|i| u32::from_le_bytes(b[phoff + i * phentsize..phoff + i * phentsize + 4].try_into().unwrap()) != 3)
}

/// One run's folders (`tc_in_path`, `tc_out_path`, `tc_log_path`, `tc_temp_path`), removed when dropped.
struct JobDirs {
    root: TempDir,
}

impl JobDirs {
    fn new(name: &str) -> Self {
        let root = TempDir::new(&format!("job-{name}"));
        for d in ["in", "out", "log", "temp"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        JobDirs { root }
    }
    fn path(&self, d: &str) -> String {
        self.root.join(d).to_string_lossy().into_owned()
    }
    fn message(&self) -> String {
        std::fs::read_to_string(self.root.join("out/message.tc")).expect("message.tc written")
    }
    fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("log/app.log")).expect("the log in tc_log_path")
    }
}

/// Runs the unpacked app as tcex's harness does; returns the output and the params file path.
fn run_job(app: &Path, dirs: &JobDirs, inputs: &Value) -> (Output, PathBuf) {
    let mut c = Command::new("python3");
    c.arg("run.py").current_dir(app);
    run_with(c, dirs, inputs)
}

/// `command` with the inputs in an encrypted params file, the environment cleared but for
/// PATH, `TC_APP_PARAM_FILE` and `TC_APP_PARAM_KEY`.
fn run_with(mut command: Command, dirs: &JobDirs, inputs: &Value) -> (Output, PathBuf) {
    // serde_json's maps are ordered by key: sort_keys=True, as the harness writes them.
    let plain = serde_json::to_vec(inputs).unwrap();
    let file = dirs.root.join("in/.test_app_params.json");
    std::fs::write(dirs.root.join("plain.tmp"), &plain).unwrap();
    let hex_key: String = PARAM_KEY.bytes().map(|b| format!("{b:02x}")).collect();
    let st = Command::new("openssl")
        .args(["enc", "-aes-128-cbc", "-K", &hex_key, "-iv", "00000000000000000000000000000000", "-in"])
        .arg(dirs.root.join("plain.tmp"))
        .arg("-out")
        .arg(&file)
        .status()
        .expect("openssl");
    assert!(st.success());
    std::fs::remove_file(dirs.root.join("plain.tmp")).unwrap();
    let out = command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TC_APP_PARAM_FILE", &file)
        .env("TC_APP_PARAM_KEY", PARAM_KEY)
        .output()
        .expect("run the job");
    (out, file)
}

/// A token of the target's API user, as ThreatConnect gives a job one (`POST /v3/token/api` over HTTP).
fn token_for(tgt: &Sandbox) -> String {
    run(hmac_client(tgt).api_token()).expect("a token from the sandbox")
}

fn inputs(src: &Sandbox, tgt: &Sandbox, dirs: &JobDirs, token: &str, expires: u64) -> Value {
    json!({
        // ThreatConnect's job arguments (tcex's names).
        "tc_api_path": tgt.api_url(),
        "tc_token": token,
        "tc_token_expires": expires,
        "tc_in_path": dirs.path("in"),
        "tc_out_path": dirs.path("out"),
        "tc_log_path": dirs.path("log"),
        "tc_temp_path": dirs.path("temp"),
        "tc_log_level": "info",
        "tc_proxy_tc": false,
        "tc_proxy_external": false,
        // The params, by their install.json names.
        "target_owner": OWNER,
        "source_api_url": src.api_url(),
        "source_org": OWNER,
        "source_owners": "",
        "source_instance_id": INSTANCE,
        "source_access_id": src.access_id(),
        "source_secret_key": src.secret_key(),
        "logging_level": "info",
        "replace_labels": false,
    })
}

fn publish_9(src: &Sandbox, tgt: &Sandbox, file: &Path) -> Value {
    let o = util::pivot_share(src, tgt)
        .args(["publish", "--group-type", "Incident", "--group-id", "9", "--out"])
        .arg(file)
        .env("PIVOT_INSTANCE_ID", INSTANCE)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

#[test]
fn the_job_package_runs_as_threatconnect_runs_it() {
    let Some(app) = unpacked_package() else { return };
    let app = app.path.as_path();
    // What the zip holds: the Job app's install.json, the runner, a static x86_64 binary.
    let ij: Value = serde_json::from_slice(&std::fs::read(app.join("install.json")).unwrap()).unwrap();
    assert_eq!(
        (ij["runtimeLevel"].as_str(), ij["programLanguage"].as_str(), ij["programMain"].as_str()),
        (Some("Organization"), Some("PYTHON"), Some("run"))
    );
    assert!(app.join("run.py").is_file() && app.join("README.md").is_file());
    let bin = app.join("bin/pivot-share");
    assert!(elf_is_static(&bin), "bin/pivot-share must be statically linked (it has a PT_INTERP)");
    // As if the unzip dropped the executable bit: the runner sets it.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o644)).unwrap();

    let (src, tgt) = util::pair(SOURCE_SECRET, TARGET_SECRET);
    // A group name written to fool whoever reads the Job's log: a right-to-left override
    // and a line break followed by a forged log line.
    let hostile = "Invoice\u{202E}fdp.exe\n2026-01-01T00:00:00Z ERROR forged line";
    let body = json!({"name": hostile});
    run(hmac_client(&src).v3_update_group_as_sent(9, &body, None)).unwrap();
    let pkg_dir = TempDir::new("job-pkg");
    let pkg = publish_9(&src, &tgt, &pkg_dir.join("incident-9.json"));
    assert_eq!(pkg["group"]["name"], hostile);
    let token = token_for(&tgt);
    tgt.clear_requests();

    // 1. A first run: imported. The token expires within tcex's renewal window (600 s), so
    //    the job renews it before its first request.
    let dirs = JobDirs::new("run1");
    let expires = system_clock() + 120;
    let (o, params_file) = run_job(app, &dirs, &inputs(&src, &tgt, &dirs, &token, expires));
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(code(&o), 0, "{stdout}{stderr}");
    assert!(bin.metadata().unwrap().permissions().mode() & 0o111 == 0o111, "the runner made the binary executable");
    assert!(!params_file.exists(), "the params file (it holds secrets) is deleted once read, as tcex does");
    let msg = dirs.message();
    assert!(msg.ends_with('\n') && msg.lines().count() == 1 && msg.trim_end().chars().count() <= 255, "{msg:?}");
    // 3 groups and 37 indicators in incident 9's package (the cli module counts the same).
    assert_eq!(
        msg.trim_end(),
        "Pulled 1 published group(s) from Demo Org into Demo Org: 1 group(s) imported, 0 unchanged; 40 item(s) created, 0 updated."
    );
    let log = dirs.log();
    assert!(log.contains(" INFO ") && log.contains("imported and verified"), "{log}");
    // Progress as log lines: batch jobs submitted and done.
    assert!(log.contains("(group 9): batch jobs 0/1") && log.contains("(group 9): batch jobs 1/1"), "{log}");
    // The hostile name reaches the log and the terminal only as visible escapes.
    for (what, text) in [("log", log.as_str()), ("stderr", &stderr)] {
        assert!(
            text.contains("Invoice\\u{202E}fdp.exe\\u{000A}2026-01-01T00:00:00Z ERROR forged line"),
            "the group's name, escaped, in the {what}: {text}"
        );
        assert!(
            !text.contains('\u{202E}') && !text.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z ERROR")),
            "a raw control character in the {what}"
        );
    }
    for secret in [SOURCE_SECRET, TARGET_SECRET, token.as_str()] {
        for (what, text) in [("log", log.as_str()), ("stdout", &stdout), ("stderr", &stderr), ("message.tc", &msg)] {
            assert!(!text.contains(secret), "a secret in the job's {what}");
        }
    }
    let paths: Vec<String> =
        tgt.requests().iter().map(|r| format!("{} {}", r["method"].as_str().unwrap_or(""), r["path"].as_str().unwrap_or(""))).collect();
    assert!(paths.iter().any(|p| p == "GET /api/appAuth"), "the token was renewed: {paths:?}");
    // The target's state, read back through the API.
    let c = hmac_client(&tgt);
    let g = util::group_by_xid(&c, OWNER, pkg["group"]["xid"].as_str().unwrap(), &[]).expect("the group is in the target");
    assert_eq!(g["name"], pkg["group"]["name"]);
    let n = run(c.json(Collection::Indicators.search("typeName != \"x\"", 0, 1, true).owner(Some(OWNER)))).unwrap();
    assert_eq!(n["count"].as_u64(), Some(37), "{n}");

    // 2. The same again: nothing new, success.
    let dirs = JobDirs::new("run2");
    let (o, _) = run_job(app, &dirs, &inputs(&src, &tgt, &dirs, &token_for(&tgt), system_clock() + 3600));
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dirs.message().contains("0 group(s) imported, 1 unchanged"), "{}", dirs.message());

    // 3. A wrong Source Secret Key: exit 1, the message names it; the log does not hold it.
    let dirs = JobDirs::new("run3");
    let mut bad = inputs(&src, &tgt, &dirs, &token_for(&tgt), system_clock() + 3600);
    bad["source_secret_key"] = json!("not-the-JOB-key-0000");
    let (o, _) = run_job(app, &dirs, &bad);
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let msg = dirs.message();
    assert!(msg.starts_with("Failed: the source ") && msg.contains("refused the credentials") && msg.contains("Source Secret Key"), "{msg}");
    assert!(!dirs.log().contains("not-the-JOB-key-0000") && !msg.contains("not-the-JOB-key-0000"));

    // 4. Another run holds the pull lease on the target owner: exit 0, skipped, until when.
    let until = system_clock() + 600;
    let lease = util::lease_json(OWNER, "pivot-share@other-host pid 7", system_clock(), until);
    let id = exec::lease_record_id(OWNER);
    run(c.datastore_put(Domain::Organization, exec::LEASE_TYPE, &id, &lease)).unwrap();
    let dirs = JobDirs::new("run4");
    let (o, _) = run_job(app, &dirs, &inputs(&src, &tgt, &dirs, &token_for(&tgt), system_clock() + 3600));
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let msg = dirs.message();
    let until = rfc3339(until);
    assert!(msg.starts_with("Skipped: ") && msg.contains("pivot-share@other-host pid 7") && msg.contains(&format!("until {until}")), "{msg}");
}

#[test]
fn bad_configuration_exits_1_with_the_reason_in_message_tc() {
    // No package needed: the debug binary in job mode, argv as older ThreatConnect versions pass it.
    let dirs = JobDirs::new("badcfg");
    let o = util::bin()
        .args(["--tc_api_path", "http://127.0.0.1:9/api", "--tc_token", "T", "--tc_out_path", &dirs.path("out"), "--tc_log_path", &dirs.path("log")])
        .args(["--target_owner", "Demo Org", "--source_api_url", "http://127.0.0.1:9/api", "--replace_labels"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert_eq!(dirs.message(), "Failed: the job's \"Source Organization\" (source_org) is not set.\n");
    assert!(dirs.log().contains("ERROR exit 1: Failed: the job's \"Source Organization\""), "{}", dirs.log());
    // A params file that does not decrypt with the key: 1, said plainly.
    let file = dirs.root.join("in/params");
    std::fs::write(&file, b"0123456789abcdef").unwrap();
    let o = util::bin()
        .current_dir(dirs.root.join("out"))
        .env_clear()
        .env("TC_APP_PARAM_FILE", &file)
        .env("TC_APP_PARAM_KEY", PARAM_KEY)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert_eq!(dirs.message(), "Failed: the params file does not decrypt with TC_APP_PARAM_KEY\n");
    assert!(!file.exists(), "a params file that does not decrypt is removed all the same");
    // One that decrypts to something other than a JSON object: removed too.
    let mut c = util::bin();
    c.current_dir(dirs.root.join("out"));
    let (o, file) = run_with(c, &dirs, &json!(["not", "an", "object"]));
    assert_eq!(code(&o), 1);
    assert!(!file.exists(), "a params file that is not a JSON object is removed all the same");
}

/// In a Job the Source CA Bundle is the PEM text: a file name is not read (a real CA file
/// would let the pull reach the source, a run that fails differently), and the message is
/// the same whether the file exists or not.
#[test]
fn the_job_ca_bundle_is_pem_text_never_a_file() {
    let fixture = pivot_testing::fixtures().join("tls/ca.pem");
    let mut messages = vec![];
    for (name, path) in [("ca-path", fixture.to_string_lossy().into_owned()), ("ca-none", "/nonexistent/ca.pem".to_string())] {
        let dirs = JobDirs::new(name);
        let inputs = json!({
            "tc_api_path": "http://127.0.0.1:9/api", "tc_token": "T", "tc_out_path": dirs.path("out"), "tc_log_path": dirs.path("log"),
            "target_owner": OWNER, "source_api_url": "https://127.0.0.1:9/api", "source_org": OWNER, "source_instance_id": INSTANCE,
            "source_access_id": "a", "source_secret_key": SOURCE_SECRET, "source_ca_bundle": path,
        });
        let (o, _) = run_with(util::bin(), &dirs, &inputs);
        assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
        let msg = dirs.message();
        assert!(msg.starts_with("Failed: Source CA Bundle: it must be the PEM text"), "{msg}");
        assert!(!msg.contains("ca.pem") && !dirs.log().contains("ca.pem"), "the path is not echoed: {msg}");
        messages.push(msg);
    }
    assert_eq!(messages[0], messages[1], "nothing tells an existing file from a missing one");
}

/// The source and this ThreatConnect over https, or over http to this machine only.
/// `0.0.0.0` reaches the sandboxes on Linux but is not loopback: were it accepted, the
/// job would pull from them. Refused before any request.
#[test]
fn the_job_refuses_http_other_than_loopback() {
    let (src, tgt) = util::pair(SOURCE_SECRET, TARGET_SECRET);
    let token = token_for(&tgt);
    for (name, key, url, want) in [
        (
            "http-source",
            "source_api_url",
            format!("http://0.0.0.0:{}/api", src.port()),
            "Failed: the Source API URL (source_api_url) must use https://",
        ),
        (
            "http-target",
            "tc_api_path",
            format!("http://0.0.0.0:{}/api", tgt.port()),
            "Failed: ThreatConnect's API path (tc_api_path) must use https://",
        ),
    ] {
        src.clear_requests();
        tgt.clear_requests();
        let dirs = JobDirs::new(name);
        let mut i = inputs(&src, &tgt, &dirs, &token, system_clock() + 3600);
        i[key] = json!(url);
        let (o, _) = run_with(util::bin(), &dirs, &i);
        assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
        assert!(dirs.message().starts_with(want), "{}", dirs.message());
        assert!(src.requests().is_empty() && tgt.requests().is_empty(), "{name}: a request was sent");
    }
}

/// The runner's own refusals, from `job/run.py` as committed (no package needed): a
/// `noexec` app folder (the check's answer forced, as no test can mount one) and a missing
/// binary are each reported in message.tc with exit 1.
#[test]
fn the_runner_reports_a_noexec_folder_and_a_missing_binary() {
    let app = TempDir::new("job-runner");
    std::fs::copy(root().join("job/run.py"), app.join("run.py")).unwrap();
    let out = app.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let run = |forced_noexec: bool| {
        let script = format!(
            "import sys; sys.argv = ['run.py', '--tc_out_path', {out:?}]; import run; {} run.main()",
            if forced_noexec { "run.noexec = lambda path: True;" } else { "" }
        );
        let o = Command::new("python3").args(["-c", &script]).current_dir(app.path()).env_clear().output().expect("python3");
        (code(&o), std::fs::read_to_string(out.join("message.tc")).unwrap_or_default())
    };
    let (c, msg) = run(false);
    assert_eq!(c, 1);
    assert!(msg.starts_with("Failed: the package is incomplete: bin/pivot-share is missing"), "{msg}");
    std::fs::create_dir_all(app.join("bin")).unwrap();
    std::fs::write(app.join("bin/pivot-share"), "#!/bin/sh\nexit 0\n").unwrap();
    let (c, msg) = run(true);
    assert_eq!(c, 1);
    assert!(msg.contains("mounted noexec") && msg.len() <= 256, "{msg}");
    // The check itself, on the test's own folder (exec allowed, or nothing here would run).
    let o = Command::new("python3").args(["-c", "import run, sys; sys.exit(1 if run.noexec('.') else 0)"]).current_dir(app.path()).output().unwrap();
    assert_eq!(code(&o), 0, "an exec folder is not reported noexec");
}

/// What the proxy saw: each request's target (host:port) and `Proxy-Authorization`.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// An HTTP proxy on loopback: records each request's target (host:port) and
/// `Proxy-Authorization`, then relays it: a CONNECT as a tunnel, an absolute-form request
/// (`GET http://host:port/path`, how ureq sends plain HTTP through a proxy) rewritten to
/// origin form with the proxy's header dropped. One request per connection (`Connection: close`).
fn http_proxy() -> (u16, Seen) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut head = vec![];
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end().to_string();
                    if line.is_empty() {
                        break;
                    }
                    head.push(line);
                }
                let auth = head
                    .iter()
                    .find_map(|h| h.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("proxy-authorization")).map(|(_, v)| v.trim().to_string()))
                    .unwrap_or_default();
                let mut parts = head[0].splitn(3, ' ');
                let (method, uri, version) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let (target, first) = if method == "CONNECT" {
                    (uri.to_string(), None)
                } else {
                    let rest = uri.strip_prefix("http://").unwrap_or(uri);
                    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                    (host.to_string(), Some(format!("{method} {path} {version}")))
                };
                log.lock().unwrap().push((target.clone(), auth));
                let Ok(mut up) = std::net::TcpStream::connect(&target) else { return };
                let mut down = conn;
                match first {
                    None => {
                        let _ = down.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    }
                    Some(line) => {
                        let mut out = format!("{line}\r\n");
                        for h in &head[1..] {
                            let k = h.split(':').next().unwrap_or("").to_ascii_lowercase();
                            if k != "proxy-authorization" && k != "connection" {
                                out.push_str(h);
                                out.push_str("\r\n");
                            }
                        }
                        out.push_str("Connection: close\r\n\r\n");
                        let _ = up.write_all(out.as_bytes());
                    }
                }
                let (mut up_r, mut down_w) = (up.try_clone().unwrap(), down.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut up_r, &mut down_w);
                    let _ = down_w.shutdown(std::net::Shutdown::Both);
                });
                // What the reader already buffered past the head goes first.
                let _ = up.write_all(r.buffer());
                let mut rest = r.into_inner();
                let _ = std::io::copy(&mut rest, &mut up);
            });
        }
    });
    (port, seen)
}

/// ThreatConnect's tc_proxy_* job args: with tc_proxy_external the source's requests go
/// through the proxy (with its credentials), with tc_proxy_tc off this ThreatConnect's do not.
#[test]
fn the_job_reaches_the_source_through_the_proxy_threatconnect_names() {
    use base64::Engine as _;
    let (src, tgt) = util::pair(SOURCE_SECRET, TARGET_SECRET);
    let (port, seen) = http_proxy();
    let dirs = JobDirs::new("proxy");
    let mut i = inputs(&src, &tgt, &dirs, &token_for(&tgt), system_clock() + 3600);
    i["tc_proxy_host"] = json!("127.0.0.1");
    i["tc_proxy_port"] = json!(port);
    i["tc_proxy_username"] = json!("proxy-user");
    i["tc_proxy_password"] = json!("proxy-PASS-6e1f");
    i["tc_proxy_external"] = json!(true);
    // At debug level the log lists the inputs: values of the allow-listed ones only.
    i["logging_level"] = json!("debug");
    let (o, _) = run_with(util::bin(), &dirs, &i);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dirs.message().starts_with("Pulled 0 published group(s)"), "{}", dirs.message());
    let seen = seen.lock().unwrap().clone();
    let src_host = src.origin().trim_start_matches("http://").to_string();
    let tgt_host = tgt.origin().trim_start_matches("http://").to_string();
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("proxy-user:proxy-PASS-6e1f"));
    assert!(!seen.is_empty() && seen.iter().all(|(t, a)| *t == src_host && *a == basic), "{seen:?}");
    assert!(!seen.iter().any(|(t, _)| *t == tgt_host), "tc_proxy_tc is off: this ThreatConnect directly");
    assert!(!dirs.log().contains("proxy-PASS-6e1f") && !String::from_utf8_lossy(&o.stderr).contains("proxy-PASS-6e1f"));
    let log = dirs.log();
    let listed = log.lines().find(|l| l.contains("job inputs: ")).unwrap_or_else(|| panic!("the inputs are listed at debug level: {log}"));
    for set in ["source_secret_key=<set>", "tc_token=<set>", "tc_proxy_password=<set>", "tc_proxy_username=<set>"] {
        assert!(listed.contains(set), "{set}: {listed}");
    }
    assert!(listed.contains(&format!("tc_proxy_port={port}")) && !listed.contains(SOURCE_SECRET), "{listed}");
}

/// A source behind an internal CA: its API over HTTPS with a certificate the public roots do
/// not know (`tests/tls-front.mjs` in front of the sandbox). With the CA in the Source CA
/// Bundle param (the PEM text, as an administrator pastes it) the job pulls; without, it
/// fails naming the source.
#[test]
fn a_source_behind_an_internal_ca_needs_the_ca_bundle() {
    let (src, tgt) = util::pair(SOURCE_SECRET, TARGET_SECRET);
    let upstream = src.port().to_string();
    let front = match node_server("tls-front.mjs", &[&upstream]) {
        Ok(f) => f,
        Err(e) => {
            skip(&e);
            return;
        }
    };
    let port = front.port;
    let ca = std::fs::read_to_string(pivot_testing::fixtures().join("tls/ca.pem")).unwrap();

    let token = token_for(&tgt);
    // Each run with its own folders; the source over HTTPS, with `bundle` as Source CA Bundle.
    let run = |name: &str, bundle: &str| {
        let dirs = JobDirs::new(name);
        let mut i = inputs(&src, &tgt, &dirs, &token, system_clock() + 3600);
        i["source_api_url"] = json!(format!("https://localhost:{port}/api"));
        i["source_ca_bundle"] = json!(bundle);
        let (o, _) = run_with(util::bin(), &dirs, &i);
        (code(&o), dirs.message(), dirs.log())
    };
    let (c, msg, log) = run("ca-ok", &ca);
    assert_eq!(c, 0, "{log}");
    assert!(msg.starts_with("Pulled 0 published group(s)"), "{msg}");
    assert!(!log.contains("BEGIN CERTIFICATE"), "the bundle is not logged");
    let (c, msg, _) = run("ca-missing", "");
    assert_eq!(c, 1);
    assert!(msg.starts_with(&format!("Failed: cannot reach the source https://localhost:{port}/api")), "{msg}");
    let (c, msg, _) = run("ca-bad", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    assert_eq!(c, 1);
    assert!(msg.starts_with("Failed: Source CA Bundle: "), "{msg}");
}

/// Lease records written by hand into the target's datastore, as anyone who can write it
/// could: the Job (the debug binary in job mode, with the params file) never skips silently.
/// An invalid record (a lease that would never lapse, one taken in the future, a wrong type, a
/// missing field, a field no lease has; the datastore stores objects only) is named and taken over, and the pull imports; a valid lease
/// taken more than `MAX_HELD_PERIODS` lease lengths ago fails the run with exit 1 naming the
/// record, which is left as it is; a live lease of "Demo Org" holds off a Job configured for
/// "demo org" (one owner, one lease).
#[test]
fn the_job_takes_over_an_invalid_lease_and_fails_on_one_held_too_long() {
    let (src, tgt) = util::pair(SOURCE_SECRET, TARGET_SECRET);
    let pkg_dir = TempDir::new("job-lease-pkg");
    publish_9(&src, &tgt, &pkg_dir.join("incident-9.json"));
    let c = hmac_client(&tgt);
    let token = token_for(&tgt);
    let id = exec::lease_record_id(OWNER);
    let record_name = format!("{}/{id}", exec::LEASE_TYPE);
    let put = |v: &Value| run(c.datastore_put(Domain::Organization, exec::LEASE_TYPE, &id, v)).unwrap();
    let get = || run(c.datastore_get(Domain::Organization, exec::LEASE_TYPE, &id, exec::SMALL_RECORD_BYTES)).unwrap();
    let job = |name: &str, owner: &str| {
        let dirs = JobDirs::new(name);
        let mut i = inputs(&src, &tgt, &dirs, &token, system_clock() + 3600);
        i["target_owner"] = json!(owner);
        let (o, _) = run_with(util::bin(), &dirs, &i);
        (code(&o), dirs.message(), dirs.log())
    };

    let now = system_clock();
    let invalid: [(&str, Value, &str); 5] = [
        (
            "far-future",
            util::lease_json(OWNER, "forged", now, 253_402_300_799),
            "`expiresAt` 9999-12-31T23:59:59Z is further ahead than a lease can be",
        ),
        (
            "taken-later",
            util::lease_json(OWNER, "forged", now + 86_400, now + 86_500),
            &format!("`takenAt` {} is in the future", rfc3339(now + 86_400)),
        ),
        (
            "wrong-type",
            json!({"runId": "forged", "owner": OWNER, "takenAt": now, "renewedAt": "x", "expiresAt": (now + 100).to_string()}),
            "`expiresAt` is a string, not whole epoch seconds",
        ),
        ("missing-field", json!({"runId": "forged", "owner": OWNER, "renewedAt": "x", "expiresAt": now + 100}), "`takenAt` is missing"),
        (
            "extra-field",
            json!({"runId": "forged", "owner": OWNER, "takenAt": now, "renewedAt": "x", "expiresAt": now + 100, "pinned": true}),
            "unexpected field `pinned`",
        ),
    ];
    for (n, (name, record, why)) in invalid.iter().enumerate() {
        put(record);
        let (code, msg, log) = job(name, OWNER);
        assert_eq!(code, 0, "{name}: {msg}\n{log}");
        assert!(msg.contains(&format!(" Took over an invalid pull lease record ({why}")), "{name}: {msg}");
        assert!(log.contains(&format!("WARN the pull lease record {record_name} was invalid ({why}")), "{name}: {log}");
        // The first run imports; the record was taken over and released, not left to block.
        let want = if n == 0 { "1 group(s) imported, 0 unchanged" } else { "0 group(s) imported, 1 unchanged" };
        assert!(msg.starts_with("Pulled 1 published group(s)") && msg.contains(want), "{name}: {msg}");
        assert_eq!(get(), None, "{name}: released at the end");
    }

    // Valid, live, but taken 25 lease lengths ago: exit 1, naming the holder and the record.
    let taken = now - 25 * exec::DEFAULT_LEASE_SECS;
    let stuck = util::lease_json(OWNER, "pivot-share@hung-host pid 9", taken, now + 200);
    put(&stuck);
    let (code, msg, _) = job("stuck", OWNER);
    assert_eq!(code, 1, "{msg}");
    assert!(
        msg.starts_with("Failed: ")
            && msg.contains(&format!("held by pivot-share@hung-host pid 9 since {}", rfc3339(taken)))
            && msg.contains(&record_name),
        "{msg}"
    );
    assert_eq!(get(), Some(stuck), "a hung run's lease is reported, not taken over");

    // Valid and live, taken by a run on "Demo Org": a Job for "demo org" is skipped by it.
    let live = util::lease_json(OWNER, "pivot-share@other-host pid 8", now, now + 250);
    put(&live);
    let (code, msg, _) = job("case", "demo org");
    assert_eq!(code, 0, "{msg}");
    assert!(msg.starts_with("Skipped: another run (pivot-share@other-host pid 8) holds the pull lease on demo org"), "{msg}");
    assert_eq!(get(), Some(live));
}

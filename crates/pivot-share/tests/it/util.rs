//! What the modules share: the source/target pair of sandboxes (in this process), the
//! `pivot-share` command's environment against them, clients signing with their
//! credentials, and the tests' files under cargo's target/tmp.

use base64::Engine as _;
use pivot_testing::{Sandbox, Seed};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::{Client, Credentials, GroupKey};

/// The organization of the demo seed, and the target owner of the tests.
pub const OWNER: &str = "Demo Org";
/// The source instance id the tests publish with.
pub const INSTANCE: &str = "source-sandbox";

/// The source: the demo seed, HMAC for `source-id` / `secret`.
pub fn source(secret: &str) -> Sandbox {
    Sandbox::builder(Seed::Demo).access_id("source-id").secret_key(secret).start()
}

/// The target: the empty seed (the three owners only), HMAC for `target-id` / `secret`.
pub fn target(secret: &str) -> Sandbox {
    Sandbox::builder(Seed::Empty).access_id("target-id").secret_key(secret).start()
}

/// A source and a target with these secrets.
pub fn pair(source_secret: &str, target_secret: &str) -> (Sandbox, Sandbox) {
    (source(source_secret), target(target_secret))
}

/// The `pivot-share` binary of this package.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pivot-share"))
}

/// The `pivot-share` command with nothing from this environment but both sides'
/// API users (`PIVOT_{SOURCE,TARGET}_{API_URL,ACCESS_ID,SECRET_KEY}`): the secrets
/// only in the environment, as the command wants them.
pub fn pivot_share(src: &Sandbox, tgt: &Sandbox) -> Command {
    let mut c = bin();
    c.env_clear()
        .env("PIVOT_SOURCE_API_URL", src.api_url())
        .env("PIVOT_SOURCE_ACCESS_ID", src.access_id())
        .env("PIVOT_SOURCE_SECRET_KEY", src.secret_key())
        .env("PIVOT_TARGET_API_URL", tgt.api_url())
        .env("PIVOT_TARGET_ACCESS_ID", tgt.access_id())
        .env("PIVOT_TARGET_SECRET_KEY", tgt.secret_key());
    c
}

/// A client over HTTP signing with the sandbox's own HMAC credentials.
pub fn hmac_client(sb: &Sandbox) -> Client<NativeTransport> {
    Client::new(NativeTransport::new(&sb.origin()), "/api", Credentials::hmac(sb.access_id(), sb.secret_key()), Box::new(system_clock))
}

/// A group of `owner` by its xid (documented `GET /v3/groups/{xid}?owner=`), with `fields`;
/// `None` when the owner has none.
pub fn group_by_xid(c: &Client<NativeTransport>, owner: &str, xid: &str, fields: &[&str]) -> Option<Value> {
    match pivot_testing::run(c.v3_group_as_sent(&GroupKey::Xid(xid.into()), fields, Some(owner))) {
        Ok(v) => Some(v),
        Err(e) if e.is_not_found() => None,
        Err(e) => panic!("GET group {xid}: {e}"),
    }
}

/// A valid pull lease record of `owner` (every field a run writes), as another run leaves it.
pub fn lease_json(owner: &str, run_id: &str, taken_at: u64, expires_at: u64) -> Value {
    serde_json::json!({"runId": run_id, "owner": owner, "takenAt": taken_at,
        "renewedAt": threatconnect::time::rfc3339(taken_at), "expiresAt": expires_at})
}

/// The exit code (a process killed by a signal has none).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The last line of stdout as JSON (`--json`).
pub fn json_line(o: &Output) -> Value {
    serde_json::from_str(stdout(o).lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A folder of this test binary's under cargo's target/tmp (never /tmp), emptied first:
/// each run replaces the last run's files; the folder is removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// `name` keeps the tests' folders apart (a test's own name, or a part of it).
    pub fn new(name: &str) -> TempDir {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pivot-share-it-{name}"));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        TempDir(d)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path in it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The mail's first text/plain part, decoded (lettre chooses 7bit, quoted-printable or
/// base64 by the content; quoted-printable is decoded here by RFC 2045 section 6.7, soft
/// line breaks `=\r\n` and `=XX` escapes).
pub fn text_part(msg: &str) -> String {
    let start = msg.find("Content-Type: text/plain").expect("a text/plain part");
    let part = &msg[start..];
    let (headers, rest) = part.split_once("\r\n\r\n").expect("headers end");
    let body = rest.split("\r\n--").next().unwrap_or(rest);
    if headers.contains("Content-Transfer-Encoding: base64") {
        let b64: String = body.split("\r\n").collect();
        return String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    }
    if !headers.contains("Content-Transfer-Encoding: quoted-printable") {
        return body.to_string();
    }
    let b = body.replace("=\r\n", "").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("=XX"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

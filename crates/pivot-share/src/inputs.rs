//! The inputs ThreatConnect hands a Job app, read the way tcex reads them:
//!
//! - **argv** (older ThreatConnect versions): `--tc_api_path URL --tc_token T ... --target_owner NAME`,
//!   a Boolean param as a bare flag (`--replace_labels`) or with `true`/`false`;
//! - **the encrypted params file** (newer versions, and tcex's app test harness): the path in
//!   `TC_APP_PARAM_FILE`, the key in `TC_APP_PARAM_KEY`; the file is JSON encrypted with
//!   AES-CBC, the key's bytes as the AES key (16, 24 or 32 bytes), a zero IV, PKCS#7 padding.
//!   Deleted once read, whatever follows (a wrong key, a file that is not JSON); the two
//!   variables leave the process's environment before anything else runs ([`take_env`]).
//!
//! Values from the file win over argv (tcex updates its inputs in that order). Followed:
//! tcex `tcex/input/input.py` (`_load_file_params`, `contents`), tcex-util `aes_operation.py`
//! (`decrypt_aes_cbc`: pyaes CBC, `iv = b'\0' * 16`, default PKCS#7 padding) and its test vector
//! in tcex `tests/util/test_aes_operation.py`; tcex-app-testing `test_case/aux_.py`
//! (`create_config`: `json.dumps(config, sort_keys=True)`, a 16-character key).

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use serde_json::{Map, Value};

/// Every input by name: strings, booleans, numbers, lists as ThreatConnect sent them.
/// `Debug` shows values only for [`SHOWN`] names (see [`Inputs::shown`]).
#[derive(Default, Clone)]
pub struct Inputs(pub Map<String, Value>);

/// The inputs whose values may be written out (the log, `Debug`): ThreatConnect's job
/// arguments and the params that say where and how the Job runs. Any other input (the
/// Secret Key, the token, a proxy password, the CA bundle, an argument a later
/// ThreatConnect adds) shows as `<set>`: an allow-list, so a new secret input stays out
/// without anyone remembering to add it.
pub const SHOWN: &[&str] = &[
    "tc_api_path",
    "tc_token_expires",
    "tc_api_access_id",
    "api_access_id",
    "tc_in_path",
    "tc_out_path",
    "tc_log_path",
    "tc_temp_path",
    "tc_log_file",
    "tc_log_level",
    "tc_log_to_api",
    "tc_log_curl",
    "tc_verify",
    "tc_proxy_host",
    "tc_proxy_port",
    "tc_proxy_tc",
    "tc_proxy_external",
    "target_owner",
    "source_api_url",
    "source_org",
    "source_owners",
    "source_instance_id",
    "source_access_id",
    "logging_level",
    "replace_labels",
];

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Inputs").field(&self.shown()).finish()
    }
}

impl Inputs {
    /// Every input as `name=value` when its name is in [`SHOWN`], else `name=<set>`.
    pub fn shown(&self) -> Vec<String> {
        self.0.iter().map(|(k, v)| if SHOWN.contains(&k.as_str()) { format!("{k}={v}") } else { format!("{k}=<set>") }).collect()
    }

    /// A text input, trimmed; numbers as text; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A Boolean input: `true`, `"true"` (any case), `1`.
    pub fn flag(&self, name: &str) -> bool {
        match self.0.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"),
            Some(Value::Number(n)) => n.as_u64() == Some(1),
            _ => false,
        }
    }

    /// A list input: a JSON array, or text split on `|` (install.json's `listDelimiter`),
    /// commas or new lines.
    pub fn list(&self, name: &str) -> Vec<String> {
        let items: Vec<String> = match self.0.get(name) {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            Some(Value::String(s)) => s.split(['|', ',', '\n']).map(str::to_string).collect(),
            _ => vec![],
        };
        items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    }
}

/// AES-CBC decryption as tcex's `decrypt_aes_cbc`: key = the key text's bytes, zero IV, PKCS#7.
pub fn decrypt_aes_cbc(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    const IV: [u8; 16] = [0; 16];
    let bad = |_| "the params file does not decrypt with TC_APP_PARAM_KEY".to_string();
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new(key.into(), &IV.into()).decrypt_padded_vec_mut::<Pkcs7>(data).map_err(bad),
        24 => cbc::Decryptor::<aes::Aes192>::new(key.into(), &IV.into()).decrypt_padded_vec_mut::<Pkcs7>(data).map_err(bad),
        32 => cbc::Decryptor::<aes::Aes256>::new(key.into(), &IV.into()).decrypt_padded_vec_mut::<Pkcs7>(data).map_err(bad),
        n => Err(format!("TC_APP_PARAM_KEY is {n} bytes long; AES needs 16, 24 or 32")),
    }
}

/// The params file's inputs. The file is deleted as soon as it is read, before it is
/// decrypted: it holds the job's secrets, nothing reads it twice, and a file that fails
/// (a wrong key, not JSON) must not stay behind either.
pub fn read_params_file(path: &str, key: &str) -> Result<Map<String, Value>, String> {
    let data = std::fs::read(path);
    let _ = std::fs::remove_file(path);
    let data = data.map_err(|e| format!("cannot read the params file TC_APP_PARAM_FILE ({e})"))?;
    let plain = decrypt_aes_cbc(key.as_bytes(), &data)?;
    match serde_json::from_slice::<Value>(&plain) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err("the params file, decrypted, is not a JSON object".into()),
    }
}

/// The environment variable `name`, then removed from the process's environment, so no
/// later reader (a library, a child process) finds it. Call it before any thread starts:
/// changing the environment while another thread reads it (a C library's `getenv`, the
/// resolver) is a data race that Rust's own lock does not cover.
pub fn take_env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok();
    std::env::remove_var(name);
    value
}

/// `--name value` pairs; a flag followed by another flag (or nothing) is `true`, as is a
/// Boolean input named in `booleans` unless `true`/`false` follows it.
pub fn parse_argv(argv: &[String], booleans: &[&str]) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let mut it = argv.iter().peekable();
    while let Some(a) = it.next() {
        let Some(flag) = a.strip_prefix("--") else {
            return Err(format!("unexpected job argument {:?}", pivot_text::escape::escape_controls(a)));
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.to_string(), None),
        };
        let value = match inline {
            Some(v) => Value::String(v),
            None if booleans.contains(&name.as_str()) => match it.peek().map(|v| v.to_ascii_lowercase()) {
                Some(v) if v == "true" || v == "false" => Value::Bool(it.next().is_some_and(|v| v.eq_ignore_ascii_case("true"))),
                _ => Value::Bool(true),
            },
            None => match it.peek() {
                Some(v) if !v.starts_with("--") => Value::String(it.next().cloned().unwrap_or_default()),
                _ => Value::Bool(true),
            },
        };
        out.insert(name, value);
    }
    Ok(out)
}

/// argv, then the params file over it when `TC_APP_PARAM_FILE` and `TC_APP_PARAM_KEY` are set.
pub fn load(argv: &[String], param_file: Option<String>, param_key: Option<String>, booleans: &[&str]) -> Result<Inputs, String> {
    let mut inputs = parse_argv(argv, booleans)?;
    match (param_file.filter(|f| !f.is_empty()), param_key.filter(|k| !k.is_empty())) {
        (Some(file), Some(key)) => inputs.extend(read_params_file(&file, &key)?),
        (Some(file), None) => {
            // Unreadable without the key, and still holding secrets: gone as well.
            let _ = std::fs::remove_file(file);
            return Err("TC_APP_PARAM_FILE is set but TC_APP_PARAM_KEY is not".into());
        }
        _ => {}
    }
    Ok(Inputs(inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcex's own vector (tcex tests/util/test_aes_operation.py): key "ajfmuyodhscwegea",
    /// zero IV, plaintext "blah".
    #[test]
    fn decrypts_tcex_test_vector() {
        let ct = b"0\x8e`\x8d%\x9f\x8c\xdf\x004\xc1\x1a\x82\xbd\x89\n";
        assert_eq!(decrypt_aes_cbc(b"ajfmuyodhscwegea", ct).unwrap(), b"blah");
        assert!(decrypt_aes_cbc(b"ajfmuyodhscwegeb", ct).is_err(), "a wrong key fails the padding check");
        assert!(decrypt_aes_cbc(b"short", ct).unwrap_err().contains("16, 24 or 32"));
        assert!(decrypt_aes_cbc(b"ajfmuyodhscwegea", &ct[..15]).is_err());
    }

    /// A file under cargo's target/tmp (never /tmp) with these bytes.
    fn params_file(name: &str, bytes: &[u8]) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tmp").join(format!("pivot-share-unit-{name}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Whatever happens after reading (no key, a wrong key, a key of a bad length, not
    /// JSON once decrypted), the params file is gone.
    #[test]
    fn the_params_file_is_removed_whatever_happens() {
        const KEY: &str = "ajfmuyodhscwegea";
        // tcex's vector: "blah" encrypted with KEY (decrypts, is not a JSON object).
        let blah = b"0\x8e`\x8d%\x9f\x8c\xdf\x004\xc1\x1a\x82\xbd\x89\n";
        for (name, bytes, key, error) in [
            ("wrong-key", &b"0123456789abcdef"[..], KEY, "does not decrypt"),
            ("short-key", &b"0123456789abcdef"[..], "short", "16, 24 or 32"),
            ("not-json", &blah[..], KEY, "not a JSON object"),
        ] {
            let f = params_file(name, bytes);
            let e = read_params_file(&f, key).unwrap_err();
            assert!(e.contains(error), "{name}: {e}");
            assert!(!std::path::Path::new(&f).exists(), "{name}: the params file is still there");
        }
        let f = params_file("no-key", b"0123456789abcdef");
        assert!(load(&[], Some(f.clone()), None, &[]).unwrap_err().contains("TC_APP_PARAM_KEY is not"));
        assert!(!std::path::Path::new(&f).exists(), "no key: the params file is still there");
    }

    #[test]
    fn take_env_leaves_nothing_behind() {
        // A name of this test's own: other tests read TC_APP_PARAM_FILE.
        std::env::set_var("PIVOT_SHARE_UNIT_TAKE_ENV", "k3y");
        assert_eq!(take_env("PIVOT_SHARE_UNIT_TAKE_ENV").as_deref(), Some("k3y"));
        assert!(std::env::var_os("PIVOT_SHARE_UNIT_TAKE_ENV").is_none());
        assert_eq!(take_env("PIVOT_SHARE_UNIT_TAKE_ENV"), None);
    }

    /// Only allow-listed inputs show their values; every other one, whatever its name, is `<set>`.
    #[test]
    fn debug_and_the_log_show_only_allowed_values() {
        const S: &str = "PLANTED-input-secret";
        let i = Inputs(
            serde_json::from_value(serde_json::json!({
                "source_secret_key": S, "tc_token": S, "tc_api_secret_key": S, "tc_proxy_password": S,
                "source_ca_bundle": S, "some_future_secret": S, "tc_proxy_username": S,
                "target_owner": "Demo Org", "tc_token_expires": 1700000000,
            }))
            .unwrap(),
        );
        for shown in [format!("{i:?}"), i.shown().join(", ")] {
            assert!(!shown.contains(S), "{shown}");
            assert!(shown.contains("source_secret_key=<set>") && shown.contains("some_future_secret=<set>"), "{shown}");
            assert!(shown.contains("target_owner=") && shown.contains("Demo Org") && shown.contains("tc_token_expires=1700000000"), "{shown}");
        }
    }

    #[test]
    fn argv_and_types() {
        let argv: Vec<String> =
            ["--tc_api_path", "https://tc/api", "--replace_labels", "--target_owner", "Acme Org", "--tc_proxy_tc", "false", "--x=1"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let m = Inputs(parse_argv(&argv, &["replace_labels", "tc_proxy_tc"]).unwrap());
        assert_eq!(m.text("tc_api_path").as_deref(), Some("https://tc/api"));
        assert!(m.flag("replace_labels"));
        assert!(!m.flag("tc_proxy_tc"));
        assert_eq!(m.text("target_owner").as_deref(), Some("Acme Org"));
        assert_eq!(m.text("x").as_deref(), Some("1"));
        assert!(parse_argv(&["stray".to_string()], &[]).is_err());
        let l = Inputs(serde_json::from_str(r#"{"a":"X|Y, Z","b":["P"," "],"n":1700000000}"#).unwrap());
        assert_eq!(l.list("a"), ["X", "Y", "Z"]);
        assert_eq!(l.list("b"), ["P"]);
        assert_eq!(l.text("n").as_deref(), Some("1700000000"));
    }
}

//! The service's configuration from the inputs ThreatConnect starts it with: every argument
//! of tcex's API-service input model (`AppApiServiceModel` = `CommonModel` +
//! `PlaybookCommonModel` + `ServiceModel`, tcex 5.0.0 `tcex/input/model/`) that changes what
//! this program does, plus the app's own params (install.json `allowWriteBack`).

use crate::inputs::Inputs;
use std::path::PathBuf;
use std::time::Duration;

/// The MQTT broker (`tc_svc_broker_*`, `tc_svc_*_topic`, `tc_svc_hb_timeout_seconds`).
#[derive(Clone)]
pub struct Broker {
    pub host: String,
    pub port: u16,
    /// `tc_svc_broker_token`: the MQTT password, with an empty user name (as tcex's
    /// `username_pw_set('', password=token)`).
    pub token: Option<String>,
    /// `tc_svc_broker_cacert_file`: when set, the broker is reached over TLS verified
    /// against this CA only (tcex: `tls_set(ca_certs=..., cert_reqs=CERT_REQUIRED)`).
    pub cacert_file: Option<PathBuf>,
    /// `tc_svc_broker_cert_file` / `tc_svc_broker_key_file`: a client certificate, used
    /// with TLS (tcex hands them to the key-value store's TLS; here to both).
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// `tc_svc_broker_conn_timeout`: how long the first connection may take.
    pub conn_timeout: Duration,
    /// `tc_svc_broker_timeout`: the MQTT keep-alive.
    pub keep_alive: Duration,
    pub server_topic: String,
    pub client_topic: String,
    /// `tc_svc_hb_timeout_seconds`: with no Heartbeat for this long, the service checks the
    /// broker and shuts down (tcex's `heartbeat_monitor`).
    pub hb_timeout: Duration,
}

/// The key-value store (`tc_kvstore_*`, `tc_playbook_kvstore_id`).
#[derive(Clone)]
pub struct KvStore {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub pass: Option<String>,
    pub tls: bool,
    pub tls_port: u16,
    /// The database: tcex uses `tc_playbook_kvstore_id` over TLS and 0 without (kept).
    pub db: i64,
    pub cacert_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

/// Where request and response bodies live (`tc_kvstore_type`, tcex's `KeyValueStore.client`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvType {
    /// `Redis`: the hash named by the request key, in the store at `tc_kvstore_*`.
    Redis,
    /// `TCKeyValueAPI`: ThreatConnect's API at `<tc_api_path>/internal/playbooks/keyValue/
    /// <requestKey>/<field>`, with that request's token (tcex's `KeyValueApi`).
    Api,
}

/// ThreatConnect's proxy (`tc_proxy_host`, `_port`, `_username`, `_password`), used for calls
/// to ThreatConnect's API when `tc_proxy_tc` is on (tcex's `RequestsTc.get_session`).
#[derive(Clone)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// Both or neither, as tcex's `proxies()` sends credentials only with both.
    pub credentials: Option<(String, String)>,
}

/// Keeps the proxy's password out of `Debug`.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} credentials={}", self.host, self.port, if self.credentials.is_some() { "<set>" } else { "<none>" })
    }
}

/// The log file as tcex's rotating file handler writes it (`tc_log_path`/`tc_log_file`,
/// rotated at `tc_log_max_bytes`, `tc_log_backup_count` gzip-compressed backups).
#[derive(Clone, Debug)]
pub struct LogFile {
    pub path: PathBuf,
    pub max_bytes: u64,
    pub backup_count: u32,
}

#[derive(Clone)]
pub struct Config {
    pub broker: Broker,
    pub kv: KvStore,
    pub kv_type: KvType,
    /// `tc_proxy_*` with `tc_proxy_tc`; `None` when the API is reached directly.
    pub proxy: Option<Proxy>,
    /// `tc_log_path`/`tc_log_file`.
    pub log_file: LogFile,
    /// `tc_verify` (default on): off, the API's TLS certificate is not verified (tcex:
    /// requests' `verify=False`), for an instance whose certificate no public CA signed.
    pub verify: bool,
    /// `tc_log_curl`: each call to the API logged (Debug) as a curl command, its token hidden.
    pub log_curl: bool,
    /// `tc_api_path`: ThreatConnect's API (e.g. `https://tc.example/api`).
    pub api_path: url::Url,
    /// The app param `allowWriteBack`: POST, PUT and DELETE are forwarded only when on.
    pub allow_write_back: bool,
    /// The app param the page reads besides `allowWriteBack` (`defaultOwner`), handed to it in
    /// every HTML page the service serves (`http::page_params`). No `shareInstanceId`: the
    /// service does not serve the publish and import page.
    pub default_owner: Option<String>,
    /// `tc_log_level`, changed later by LoggingChange.
    pub log_level: String,
    /// The packaged UI (`ui/` beside `bin/`).
    pub ui_dir: PathBuf,
}

/// Keeps a secret out of `Debug` and logs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "broker",
                &format_args!(
                    "{}:{} tls={} token={}",
                    self.broker.host,
                    self.broker.port,
                    self.broker.cacert_file.is_some(),
                    if self.broker.token.is_some() { "<set>" } else { "<none>" }
                ),
            )
            .field(
                "kv",
                &format_args!(
                    "{}:{} tls={} user={} pass={}",
                    self.kv.host,
                    if self.kv.tls { self.kv.tls_port } else { self.kv.port },
                    self.kv.tls,
                    self.kv.user.is_some(),
                    if self.kv.pass.is_some() { "<set>" } else { "<none>" }
                ),
            )
            .field("kv_type", &self.kv_type)
            .field("proxy", &self.proxy)
            .field("log_file", &self.log_file.path)
            .field("api_path", &self.api_path.as_str())
            .field("verify", &self.verify)
            .field("allow_write_back", &self.allow_write_back)
            .finish()
    }
}

fn required(inputs: &Inputs, name: &str) -> Result<String, String> {
    inputs.text(name).ok_or_else(|| format!("the service argument {name} is missing"))
}

fn number<T: std::str::FromStr>(inputs: &Inputs, name: &str, default: T) -> Result<T, String> {
    match inputs.text(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("the service argument {name} is not a number ({:?})", pivot_text::escape::escape_controls(&v))),
    }
}

fn seconds(inputs: &Inputs, name: &str, default: u64) -> Result<Duration, String> {
    Ok(Duration::from_secs(number::<u64>(inputs, name, default)?.max(1)))
}

impl Config {
    /// The configuration, or what is missing or wrong (never a secret's value).
    pub fn from_inputs(inputs: &Inputs, ui_dir: PathBuf) -> Result<Config, String> {
        let api = required(inputs, "tc_api_path")?;
        let api_path = url::Url::parse(api.trim_end_matches('/')).map_err(|e| format!("tc_api_path is not a URL ({e})"))?;
        if !matches!(api_path.scheme(), "https" | "http")
            || api_path.host_str().is_none()
            || !api_path.username().is_empty()
            || api_path.password().is_some()
            || api_path.query().is_some()
        {
            return Err("tc_api_path must be an http(s) URL without credentials or query".into());
        }
        let file = |name: &str| inputs.text(name).map(PathBuf::from);
        // tcex compares the type exactly ('Redis', 'TCKeyValueAPI'; 'Mock' is for its tests).
        let kv_type = match inputs.text("tc_kvstore_type").as_deref().unwrap_or("Redis") {
            "Redis" => KvType::Redis,
            "TCKeyValueAPI" => KvType::Api,
            other => {
                return Err(format!(
                    "tc_kvstore_type {:?} is not a key-value store type (Redis or TCKeyValueAPI)",
                    pivot_text::escape::escape_controls(other)
                ))
            }
        };
        // As tcex's `proxies()`: a proxy needs both host and port; credentials both name and
        // password; used for ThreatConnect's API only when `tc_proxy_tc` is on.
        let proxy = match (inputs.flag("tc_proxy_tc"), inputs.text("tc_proxy_host"), number::<u16>(inputs, "tc_proxy_port", 0)?) {
            (true, Some(host), port) if port > 0 => {
                if host.contains(['/', '@', '?', '#', ' ', ':']) || host.chars().any(char::is_control) {
                    return Err("tc_proxy_host must be a host name or address".into());
                }
                // The password as given (not trimmed: a space may be part of it).
                let pass = match inputs.0.get("tc_proxy_password") {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    _ => inputs.text("tc_proxy_password"),
                };
                let credentials = inputs.text("tc_proxy_username").zip(pass);
                Some(Proxy { host, port, credentials })
            }
            // tcex then calls the API directly (its `proxies()` is empty); main.rs logs it.
            _ => None,
        };
        let log_dir = inputs.text("tc_log_path").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
        let log_name = inputs.text("tc_log_file").unwrap_or_else(|| "app.log".into());
        if log_name.contains(['/', '\\']) || log_name.starts_with('.') || log_name.chars().any(char::is_control) {
            return Err("tc_log_file must be a file name".into());
        }
        let log_file = LogFile {
            path: log_dir.join(log_name),
            max_bytes: number(inputs, "tc_log_max_bytes", 10_485_760)?,
            backup_count: number(inputs, "tc_log_backup_count", 25)?,
        };
        let tls = inputs.flag("tc_kvstore_tls_enabled");
        Ok(Config {
            broker: Broker {
                host: required(inputs, "tc_svc_broker_host")?,
                port: number(inputs, "tc_svc_broker_port", 0).and_then(|p: u16| {
                    if p == 0 {
                        Err("the service argument tc_svc_broker_port is missing".to_string())
                    } else {
                        Ok(p)
                    }
                })?,
                token: inputs.text("tc_svc_broker_token"),
                cacert_file: file("tc_svc_broker_cacert_file"),
                cert_file: file("tc_svc_broker_cert_file"),
                key_file: file("tc_svc_broker_key_file"),
                conn_timeout: seconds(inputs, "tc_svc_broker_conn_timeout", 60)?,
                keep_alive: seconds(inputs, "tc_svc_broker_timeout", 60)?.max(Duration::from_secs(5)),
                server_topic: required(inputs, "tc_svc_server_topic")?,
                client_topic: required(inputs, "tc_svc_client_topic")?,
                hb_timeout: seconds(inputs, "tc_svc_hb_timeout_seconds", 20)?,
            },
            kv: KvStore {
                host: inputs.text("tc_kvstore_host").unwrap_or_else(|| "localhost".into()),
                port: number(inputs, "tc_kvstore_port", 6379)?,
                user: inputs.text("tc_kvstore_user"),
                pass: inputs.text("tc_kvstore_pass"),
                tls,
                tls_port: number(inputs, "tc_kvstore_tls_port", 6379)?,
                db: if tls { number(inputs, "tc_playbook_kvstore_id", 0)? } else { 0 },
                cacert_file: file("tc_svc_broker_cacert_file"),
                cert_file: file("tc_svc_broker_cert_file"),
                key_file: file("tc_svc_broker_key_file"),
            },
            kv_type,
            proxy,
            log_file,
            // Off only when ThreatConnect says so plainly; missing, empty or anything else is
            // tcex's default, on.
            verify: !matches!(inputs.0.get("tc_verify"), Some(serde_json::Value::Bool(false)))
                && !inputs.text("tc_verify").is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "false" | "0" | "no" | "off")),
            log_curl: inputs.flag("tc_log_curl"),
            api_path,
            allow_write_back: inputs.flag("allowWriteBack"),
            default_owner: inputs.text("defaultOwner"),
            log_level: inputs.text("tc_log_level").unwrap_or_else(|| "info".into()).to_ascii_lowercase(),
            ui_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    fn inputs(v: Value) -> Inputs {
        let Value::Object(m) = v else { unreachable!() };
        Inputs(m)
    }

    fn base() -> Map<String, Value> {
        let Value::Object(m) = json!({
            "tc_api_path": "https://tc.example/api", "tc_svc_broker_host": "broker", "tc_svc_broker_port": "8883",
            "tc_svc_server_topic": "svc-server", "tc_svc_client_topic": "svc-client",
        }) else {
            unreachable!()
        };
        m
    }

    #[test]
    fn defaults_are_tcex_defaults() {
        let c = Config::from_inputs(&Inputs(base()), "ui".into()).expect("config");
        assert_eq!(c.broker.port, 8883);
        assert_eq!(c.broker.hb_timeout, Duration::from_secs(20));
        assert_eq!(c.broker.conn_timeout, Duration::from_secs(60));
        assert_eq!((c.kv.host.as_str(), c.kv.port, c.kv.tls, c.kv.db), ("localhost", 6379, false, 0));
        assert!(!c.allow_write_back);
    }

    #[test]
    fn every_argument_is_read_and_secrets_stay_out_of_debug() {
        let mut m = base();
        for (k, v) in [
            ("tc_svc_broker_token", json!("broker-secret")),
            ("tc_svc_broker_cacert_file", json!("/ca.pem")),
            ("tc_kvstore_host", json!("kv")),
            ("tc_kvstore_port", json!(7000)),
            ("tc_kvstore_pass", json!("kv-secret")),
            ("tc_kvstore_user", json!("svc")),
            ("tc_kvstore_tls_enabled", json!("true")),
            ("tc_kvstore_tls_port", json!("7001")),
            ("tc_playbook_kvstore_id", json!("3")),
            ("tc_svc_hb_timeout_seconds", json!("7")),
            ("allowWriteBack", json!(true)),
            ("defaultOwner", json!(" Demo Org ")),
        ] {
            m.insert(k.into(), v);
        }
        let c = Config::from_inputs(&Inputs(m), "ui".into()).expect("config");
        assert_eq!(c.broker.token.as_deref(), Some("broker-secret"));
        assert_eq!(c.kv.pass.as_deref(), Some("kv-secret"));
        assert_eq!((c.kv.tls, c.kv.tls_port, c.kv.db, c.kv.user.as_deref()), (true, 7001, 3, Some("svc")));
        assert_eq!(c.broker.hb_timeout, Duration::from_secs(7));
        assert!(c.allow_write_back);
        assert_eq!(c.default_owner.as_deref(), Some("Demo Org"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("broker-secret") && !shown.contains("kv-secret"), "{shown}");
    }

    /// tcex's `proxies()` and `get_session`: the proxy only with `tc_proxy_tc`, host and port;
    /// credentials only with both; the password never in Debug.
    #[test]
    fn the_proxy_as_tcex_reads_it() {
        let with = |pairs: &[(&str, Value)]| {
            let mut m = base();
            m.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
            Config::from_inputs(&Inputs(m), "ui".into())
        };
        let host_port = [("tc_proxy_host", json!("proxy.corp")), ("tc_proxy_port", json!("3128"))];
        assert!(with(&host_port).expect("config").proxy.is_none(), "tc_proxy_tc off: no proxy");
        let on = [&host_port[..], &[("tc_proxy_tc", json!("true"))]].concat();
        let c = with(&on).expect("config");
        let p = c.proxy.as_ref().expect("a proxy");
        assert_eq!((p.host.as_str(), p.port, p.credentials.is_none()), ("proxy.corp", 3128, true));
        assert!(with(&[("tc_proxy_tc", json!(true)), ("tc_proxy_host", json!("proxy.corp"))]).expect("config").proxy.is_none());
        let creds = [&on[..], &[("tc_proxy_username", json!("svc")), ("tc_proxy_password", json!(" pw with spaces@:"))]].concat();
        let c = with(&creds).expect("config");
        assert_eq!(c.proxy.as_ref().and_then(|p| p.credentials.clone()), Some(("svc".to_string(), " pw with spaces@:".to_string())));
        let shown = format!("{c:?}");
        assert!(shown.contains("proxy.corp:3128 credentials=<set>") && !shown.contains("pw with spaces"), "{shown}");
        let only_user = [&on[..], &[("tc_proxy_username", json!("svc"))]].concat();
        assert!(with(&only_user).expect("config").proxy.and_then(|p| p.credentials).is_none());
        for bad in ["proxy.corp/x", "user@proxy.corp", "::1"] {
            let h = [("tc_proxy_tc", json!(true)), ("tc_proxy_host", json!(bad)), ("tc_proxy_port", json!(3128))];
            assert!(with(&h).is_err(), "{bad}");
        }
    }

    #[test]
    fn store_type_log_file_and_verify() {
        let with = |pairs: &[(&str, Value)]| {
            let mut m = base();
            m.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
            Config::from_inputs(&Inputs(m), "ui".into())
        };
        let c = with(&[]).expect("config");
        assert_eq!(c.kv_type, KvType::Redis);
        assert_eq!(c.log_file.path, std::env::temp_dir().join("app.log"));
        assert_eq!((c.log_file.max_bytes, c.log_file.backup_count), (10_485_760, 25));
        assert!(c.verify && !c.log_curl);
        let c = with(&[
            ("tc_kvstore_type", json!("TCKeyValueAPI")),
            ("tc_log_path", json!("/var/log/app")),
            ("tc_log_file", json!("svc.log")),
            ("tc_log_max_bytes", json!(1000)),
            ("tc_log_backup_count", json!("3")),
            ("tc_verify", json!("false")),
            ("tc_log_curl", json!(true)),
        ])
        .expect("config");
        assert_eq!(c.kv_type, KvType::Api);
        assert_eq!(c.log_file.path, PathBuf::from("/var/log/app/svc.log"));
        assert_eq!((c.log_file.max_bytes, c.log_file.backup_count), (1000, 3));
        assert!(!c.verify && c.log_curl);
        assert!(with(&[("tc_kvstore_type", json!("redis"))]).is_err(), "tcex compares the type exactly");
        for on in [json!(null), json!(""), json!("maybe"), json!(true), json!("TRUE"), json!(1)] {
            assert!(with(&[("tc_verify", on.clone())]).expect("config").verify, "tc_verify {on} turned verification off");
        }
        for off in [json!(false), json!("False"), json!(0), json!("off")] {
            assert!(!with(&[("tc_verify", off.clone())]).expect("config").verify, "tc_verify {off}");
        }
        assert!(with(&[("tc_log_file", json!("../x.log"))]).is_err());
    }

    #[test]
    fn missing_or_bad_arguments_are_named() {
        let mut m = base();
        m.remove("tc_svc_server_topic");
        assert!(Config::from_inputs(&Inputs(m), "ui".into()).err().unwrap_or_default().contains("tc_svc_server_topic"));
        let mut m = base();
        m.insert("tc_api_path".into(), json!("https://user:pw@tc.example/api"));
        assert!(Config::from_inputs(&inputs(Value::Object(m)), "ui".into()).is_err());
    }
}

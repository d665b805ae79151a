//! ThreatConnect's service protocol (tcex 5.0.0 `common_service.py`, `api_service.py`,
//! `mqtt_message_broker.py`): commands arrive as JSON on the server topic, answers leave on
//! the client topic; request and response bodies live in the key-value store under the
//! request key.

use crate::config::{Broker, Config, KvStore, KvType};
use crate::http::{self, Request, Response};
use crate::log::{self, Level};
use crate::mqtt::{self, Connection, Incoming};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// RunService requests handled at once; more are answered 503 at once (tcex queues them
/// behind 5 threads, which can hold ThreatConnect's front until it times out).
const MAX_ACTIVE: usize = 16;
/// What the threads hand the connection's loop to send.
enum Out {
    Publish(String, Vec<u8>),
    /// Unsubscribe, disconnect, stop.
    Shutdown,
}

struct State {
    cfg: Config,
    out: Mutex<Sender<Out>>,
    last_heartbeat: Mutex<Instant>,
    requests: AtomicU64,
    responses: AtomicU64,
    errors: AtomicU64,
    active: AtomicUsize,
    shutting_down: AtomicBool,
    /// 0 after Shutdown, 1 after missed heartbeats.
    exit_code: AtomicI32,
}

/// A rustls client configuration on ring trusting `ca` only, with a client certificate
/// when both files are given.
pub fn tls_config(ca: &std::path::Path, cert: Option<&std::path::Path>, key: Option<&std::path::Path>) -> Result<rustls::ClientConfig, String> {
    let pem = std::fs::read(ca).map_err(|e| format!("cannot read the CA file {} ({})", ca.display(), e.kind()))?;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        let c = c.map_err(|_| format!("the CA file {} is not PEM", ca.display()))?;
        roots.add(c).map_err(|e| format!("the CA file {} holds a bad certificate ({e})", ca.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("the CA file {} holds no certificate", ca.display()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    match (cert, key) {
        (Some(cert), Some(key)) => {
            let certs =
                rustls_pemfile::certs(&mut std::fs::read(cert).map_err(|e| format!("cannot read {} ({})", cert.display(), e.kind()))?.as_slice())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| "the client certificate is not PEM".to_string())?;
            let key =
                rustls_pemfile::private_key(&mut std::fs::read(key).map_err(|e| format!("cannot read {} ({})", key.display(), e.kind()))?.as_slice())
                    .ok()
                    .flatten()
                    .ok_or("the client key is not a PEM private key")?;
            builder.with_client_auth_cert(certs, key).map_err(|e| e.to_string())
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

fn broker_tls(b: &Broker) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    match &b.cacert_file {
        Some(ca) => Ok(Some(Arc::new(tls_config(ca, b.cert_file.as_deref(), b.key_file.as_deref())?))),
        None => Ok(None),
    }
}

/// A connection to the key-value store as tcex makes it: TLS on `tc_kvstore_tls_port` with
/// the broker's CA when `tc_kvstore_tls_enabled`, the user and password when given.
pub fn kv_connect(kv: &KvStore) -> Result<redis::Connection, String> {
    let redis_info = redis::RedisConnectionInfo { db: kv.db, username: kv.user.clone(), password: kv.pass.clone(), ..Default::default() };
    let client = if kv.tls {
        let info = redis::ConnectionInfo {
            addr: redis::ConnectionAddr::TcpTls { host: kv.host.clone(), port: kv.tls_port, insecure: false, tls_params: None },
            redis: redis_info,
        };
        let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("cannot read {} ({})", p.display(), e.kind()));
        let root_cert = kv.cacert_file.as_deref().map(read).transpose()?;
        let client_tls = match (&kv.cert_file, &kv.key_file) {
            (Some(c), Some(k)) => Some(redis::ClientTlsConfig { client_cert: read(c)?, client_key: read(k)? }),
            _ => None,
        };
        redis::Client::build_with_tls(info, redis::TlsCertificates { client_tls, root_cert })
    } else {
        redis::Client::open(redis::ConnectionInfo { addr: redis::ConnectionAddr::Tcp(kv.host.clone(), kv.port), redis: redis_info })
    }
    .map_err(|e| format!("the key-value store settings are wrong ({})", e.kind_name()))?;
    let con =
        client.get_connection_with_timeout(Duration::from_secs(10)).map_err(|e| format!("cannot reach the key-value store ({})", e.kind_name()))?;
    con.set_read_timeout(Some(Duration::from_secs(30)))
        .and_then(|_| con.set_write_timeout(Some(Duration::from_secs(30))))
        .map_err(|e| format!("key-value store: {}", e.kind_name()))?;
    Ok(con)
}

trait KindName {
    fn kind_name(&self) -> String;
}
impl KindName for redis::RedisError {
    /// The error's kind and code, never its detail (which may quote a command's arguments).
    fn kind_name(&self) -> String {
        match self.code() {
            Some(code) => format!("{:?} {code}", self.kind()),
            None => format!("{:?}", self.kind()),
        }
    }
}

/// Runs until Shutdown (`Ok(0)`), missed heartbeats (`Ok(1)`) or a broker never reached.
pub fn run(cfg: Config) -> Result<i32, String> {
    let tls = broker_tls(&cfg.broker)?;
    let (tx, rx) = channel();
    let state = Arc::new(State {
        cfg,
        out: Mutex::new(tx),
        last_heartbeat: Mutex::new(Instant::now()),
        requests: AtomicU64::new(0),
        responses: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        active: AtomicUsize::new(0),
        shutting_down: AtomicBool::new(false),
        exit_code: AtomicI32::new(0),
    });
    let broker = state.cfg.broker.clone();
    let started = Instant::now();
    let mut connected_once = false;
    let mut backoff = Duration::from_millis(250);
    loop {
        let attempt = Connection::open(
            &broker.host,
            broker.port,
            tls.clone(),
            broker.token.as_deref(),
            broker.keep_alive,
            Duration::from_secs(10).min(broker.conn_timeout),
        );
        let mut conn = match attempt {
            Ok(c) => c,
            Err(e) => {
                if !connected_once && started.elapsed() > broker.conn_timeout {
                    return Err(format!("failed to connect to message broker host {} on port {} ({e})", broker.host, broker.port));
                }
                if state.shutting_down.load(Ordering::SeqCst) {
                    break;
                }
                log::at(Level::Warning, &format!("broker connection: {e}; retrying in {} ms", backoff.as_millis()));
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(15));
                continue;
            }
        };
        log::at(Level::Info, &format!("connected to the broker {}:{}", broker.host, broker.port));
        backoff = Duration::from_millis(250);
        // A clean session: the subscription again on every connection.
        let session = conn.subscribe(&broker.server_topic).and_then(|_| {
            if !connected_once {
                connected_once = true;
                publish(&state, json!({"command": "Ready"}));
                log::at(Level::Info, "service ready");
                *lock(&state.last_heartbeat) = Instant::now();
                let s = state.clone();
                std::thread::spawn(move || heartbeat_monitor(s));
            }
            session(&state, &mut conn, &rx)
        });
        match session {
            Ok(()) => break,
            Err(e) => {
                if state.shutting_down.load(Ordering::SeqCst) {
                    break;
                }
                log::at(Level::Warning, &format!("broker connection lost: {e}; reconnecting"));
            }
        }
    }
    // Requests under way finish (their answers are published) before the process ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    while state.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(state.exit_code.load(Ordering::SeqCst))
}

/// One connection's life: what the threads queued goes out, commands come in. `Ok` after
/// Shutdown (acknowledged, unsubscribed, disconnected), `Err` when the connection is lost
/// (what was queued meanwhile goes out on the next one).
fn session(state: &Arc<State>, conn: &mut Connection, rx: &Receiver<Out>) -> Result<(), String> {
    let server_topic = state.cfg.broker.server_topic.clone();
    loop {
        while let Ok(out) = rx.try_recv() {
            match out {
                Out::Publish(topic, payload) => conn.send(&mqtt::publish_packet(&topic, &payload))?,
                Out::Shutdown => {
                    let _ = conn.unsubscribe(&server_topic);
                    let _ = conn.send(&mqtt::DISCONNECT);
                    return Ok(());
                }
            }
        }
        match conn.poll()? {
            Some(Incoming::Publish { topic, payload, .. }) if topic == server_topic => on_command(state, &payload),
            _ => {}
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn publish_to(state: &State, topic: &str, message: Value) {
    if lock(&state.out).send(Out::Publish(topic.to_string(), message.to_string().into_bytes())).is_err() {
        log::at(Level::Error, "cannot queue a message for the broker");
    }
}

fn publish(state: &State, message: Value) {
    publish_to(state, &state.cfg.broker.client_topic, message);
}

/// tcex's `heartbeat_monitor`: no Heartbeat within `tc_svc_hb_timeout_seconds`, a
/// BrokerCheck on the server topic, then shutdown.
fn heartbeat_monitor(state: Arc<State>) {
    loop {
        std::thread::sleep(Duration::from_millis(250));
        if state.shutting_down.load(Ordering::SeqCst) {
            return;
        }
        let since = lock(&state.last_heartbeat).elapsed();
        if since > state.cfg.broker.hb_timeout {
            let check =
                json!({"command": "BrokerCheck", "date": format!("{:?}", std::time::SystemTime::now()), "heartbeat_watchdog": since.as_secs()});
            publish_to(&state, &state.cfg.broker.server_topic, check);
            log::at(Level::Error, "missed heartbeat commands: shutting the service down");
            state.exit_code.store(1, Ordering::SeqCst);
            shutdown(&state, "Missed heartbeat commands.");
            return;
        }
    }
}

fn shutdown(state: &State, reason: &str) {
    log::at(Level::Info, &format!("shutdown: {}", pivot_text::escape::escape_controls(reason)));
    publish(state, json!({"command": "Acknowledged", "type": "Shutdown"}));
    state.shutting_down.store(true, Ordering::SeqCst);
    let _ = lock(&state.out).send(Out::Shutdown);
}

fn on_command(state: &Arc<State>, payload: &[u8]) {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(payload) else {
        log::at(Level::Warning, "a message on the server topic is not a JSON object");
        return;
    };
    let command = m.get("command").and_then(Value::as_str).unwrap_or("invalid").to_ascii_lowercase();
    log::at(Level::Debug, &format!("command received: {}", pivot_text::escape::escape_controls(&command)));
    match command.as_str() {
        "heartbeat" => {
            *lock(&state.last_heartbeat) = Instant::now();
            let metric = json!({
                "Errors": state.errors.load(Ordering::SeqCst),
                "Requests": state.requests.load(Ordering::SeqCst),
                "Responses": state.responses.load(Ordering::SeqCst),
            });
            publish(state, json!({"command": "Heartbeat", "metric": metric}));
        }
        "brokercheck" => log::at(Level::Warning, "broker check received"),
        "acknowledged" => log::at(Level::Debug, "acknowledged"),
        "loggingchange" => match m.get("level").and_then(Value::as_str).and_then(Level::parse) {
            Some(level) => {
                log::set_level(level);
                log::at(Level::Info, &format!("logging level now {level:?}"));
            }
            None => log::at(Level::Warning, "LoggingChange without a known level"),
        },
        "shutdown" => shutdown(state, m.get("reason").and_then(Value::as_str).unwrap_or("A shutdown command was received on server topic.")),
        "runservice" => {
            let Some(key) = m.get("requestKey").and_then(Value::as_str).map(str::to_string) else {
                log::at(Level::Warning, "RunService without a requestKey");
                return;
            };
            state.requests.fetch_add(1, Ordering::SeqCst);
            if state.active.fetch_add(1, Ordering::SeqCst) >= MAX_ACTIVE {
                state.active.fetch_sub(1, Ordering::SeqCst);
                answer(state, &key, Response::error(503, "the Pivot service is busy: try again"), false);
                return;
            }
            let s = state.clone();
            std::thread::spawn(move || {
                run_service(&s, &key, &Value::Object(m));
                s.active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        _ => log::at(Level::Warning, "invalid command received"),
    }
}

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|p| Some((p.get("name")?.as_str()?.to_string(), text(p.get("value"))))).collect())
        .unwrap_or_default()
}

/// Where this request's bodies are: the Redis hash named by the request key, or ThreatConnect's
/// key-value API with the request's token (`tc_kvstore_type`, tcex's `KeyValueStore.client`).
enum Store<'a> {
    Redis(Option<redis::Connection>),
    Api { cfg: &'a Config, agent: Option<ureq::Agent>, token: Option<String> },
}

const UNREADABLE_STORE: &str = "the Pivot service cannot reach ThreatConnect's key-value store";

/// `<tc_api_path>/internal/playbooks/keyValue/<context>/<key>`, tcex's `KeyValueApi` URL, both
/// parts encoded as tcex encodes the key (`quote(key, safe='~')`): neither can name another
/// resource. `None` for a part that is empty, `.` or `..`.
pub fn kv_api_url(cfg: &Config, context: &str, key: &str) -> Option<String> {
    if [context, key].iter().any(|p| p.is_empty() || *p == "." || *p == "..") {
        return None;
    }
    let base = cfg.api_path.as_str().trim_end_matches('/');
    Some(format!("{base}/internal/playbooks/keyValue/{}/{}", http::form_encode(context), http::form_encode(key)))
}

impl Store<'_> {
    fn open<'a>(cfg: &'a Config, token: Option<&str>) -> Store<'a> {
        match cfg.kv_type {
            KvType::Redis => Store::Redis(match kv_connect(&cfg.kv) {
                Ok(c) => Some(c),
                Err(e) => {
                    log::at(Level::Error, &e);
                    None
                }
            }),
            KvType::Api => Store::Api {
                cfg,
                agent: http::api_agent(cfg).map_err(|e| log::at(Level::Error, &e)).ok(),
                token: token.filter(|t| !t.is_empty()).map(str::to_string),
            },
        }
    }

    /// The request body (at most `limit` bytes: [`http::body_limit`]), or the answer saying why not.
    fn read(&mut self, key: &str, var: &str, limit: usize) -> Result<Vec<u8>, Response> {
        let too_big = || Response::error(413, "the request body is larger than the service forwards");
        match self {
            Store::Redis(None) => Err(Response::error(503, UNREADABLE_STORE)),
            Store::Redis(Some(c)) => match redis::cmd("HSTRLEN").arg(key).arg(var).query::<usize>(c) {
                Ok(n) if n > limit => Err(too_big()),
                Ok(0) => Ok(Vec::new()),
                Ok(_) => match redis::cmd("HGET").arg(key).arg(var).query::<Option<Vec<u8>>>(c) {
                    Ok(body) => Ok(body.unwrap_or_default()),
                    Err(e) => Err(Response::error(503, &format!("the request body could not be read ({})", e.kind_name()))),
                },
                Err(e) => Err(Response::error(503, &format!("the request body could not be read ({})", e.kind_name()))),
            },
            Store::Api { cfg, agent: Some(agent), token: Some(token) } => {
                let url = kv_api_url(cfg, key, var).ok_or_else(|| Response::error(400, "the request names no body the service can read"))?;
                let answer = match http::api_request(cfg, agent, "GET", &url, token).call() {
                    Ok(r) => r,
                    // No body stored for this request.
                    Err(ureq::Error::Status(404, _)) => return Ok(Vec::new()),
                    Err(ureq::Error::Status(status, _)) => {
                        return Err(Response::error(503, &format!("the request body could not be read (the key-value API answered {status})")))
                    }
                    Err(ureq::Error::Transport(t)) => return Err(http::unreachable(cfg, t.kind())),
                };
                if answer.header("content-length").and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > limit) {
                    return Err(too_big());
                }
                let mut body = Vec::new();
                use std::io::Read;
                answer
                    .into_reader()
                    .take(limit as u64 + 1)
                    .read_to_end(&mut body)
                    .map_err(|e| Response::error(503, &format!("the request body could not be read ({})", e.kind())))?;
                if body.len() > limit {
                    return Err(too_big());
                }
                Ok(body)
            }
            Store::Api { token: None, .. } => Err(Response::error(401, "ThreatConnect passed no API token with this request")),
            Store::Api { agent: None, .. } => Err(Response::error(503, UNREADABLE_STORE)),
        }
    }

    /// Writes the answer's body to `response.body`; `false` when it could not be written.
    fn write(&mut self, key: &str, body: &[u8]) -> bool {
        match self {
            Store::Redis(None) | Store::Api { agent: None, .. } | Store::Api { token: None, .. } => false,
            Store::Redis(Some(c)) => match redis::cmd("HSET").arg(key).arg("response.body").arg(body).query::<i64>(c) {
                Ok(_) => true,
                Err(e) => {
                    log::at(Level::Error, &format!("cannot write the response body ({})", e.kind_name()));
                    false
                }
            },
            Store::Api { cfg, agent: Some(agent), token: Some(token) } => {
                let Some(url) = kv_api_url(cfg, key, "response.body") else { return false };
                // tcex's `KeyValueApi.create`: PUT, `application/octet-stream`.
                match http::api_request(cfg, agent, "PUT", &url, token).set("Content-Type", "application/octet-stream").send_bytes(body) {
                    Ok(_) => true,
                    Err(ureq::Error::Status(status, _)) => {
                        log::at(Level::Error, &format!("cannot write the response body (the key-value API answered {status})"));
                        false
                    }
                    Err(ureq::Error::Transport(t)) => {
                        log::at(Level::Error, &format!("cannot write the response body ({})", t.kind()));
                        false
                    }
                }
            }
        }
    }
}

/// One RunService: the body from the store, the answer's body to the store, status and
/// headers on the client topic.
fn run_service(state: &State, key: &str, m: &Value) {
    let method = m.get("method").and_then(Value::as_str).unwrap_or("GET").to_ascii_uppercase();
    let path = m.get("path").and_then(Value::as_str).unwrap_or("/").to_string();
    let mut req = Request {
        method,
        path,
        query: pairs(m.get("queryParams")),
        headers: pairs(m.get("headers")),
        body: Vec::new(),
        api_token: m.get("apiToken").and_then(Value::as_str).map(str::to_string),
    };
    let mut store = Store::open(&state.cfg, req.api_token.as_deref());
    let declared = req.header("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let limit = http::body_limit(&req.method, &req.path);
    // Through the key-value API a read is a call to ThreatConnect: not made for GET and HEAD,
    // whose bodies nothing here uses.
    let needs_body = matches!(state.cfg.kv_type, KvType::Redis) || !matches!(req.method.as_str(), "GET" | "HEAD");
    let response = match m.get("bodyVariable").and_then(Value::as_str) {
        _ if declared > limit => Response::error(413, "the request body is larger than the service forwards"),
        Some(var) if needs_body => match store.read(key, var, limit) {
            Ok(body) => {
                req.body = body;
                http::handle(&state.cfg, &req)
            }
            Err(refused) => refused,
        },
        _ => http::handle(&state.cfg, &req),
    };
    log::at(Level::Info, &format!("{} {} -> {}", req.method, pivot_text::escape::escape_controls(&req.path), response.status));
    let written = !response.body.is_empty() && store.write(key, &response.body);
    let response = if response.body.is_empty() || written { response } else { Response::error(503, UNREADABLE_STORE) };
    answer(state, key, response, written);
}

fn answer(state: &State, key: &str, r: Response, body_written: bool) {
    if r.status >= 500 {
        state.errors.fetch_add(1, Ordering::SeqCst);
    }
    let mut headers: Vec<Value> = r.headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
    headers.push(json!({"name": "Content-Length", "value": if body_written { r.body.len() } else { 0 }.to_string()}));
    // As tcex: statusCode as text, the reason phrase as status.
    publish(
        state,
        json!({
            "bodyVariable": "response.body",
            "command": "Acknowledged",
            "headers": headers,
            "requestKey": key,
            "status": http::reason(r.status),
            "statusCode": r.status.to_string(),
            "type": "RunService",
        }),
    );
    state.responses.fetch_add(1, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcex's `KeyValueApi` URL (`/internal/playbooks/keyValue/{context}/{quote(key, safe='~')}`),
    /// with the context encoded the same way: a part can add no segment and leave nothing.
    #[test]
    fn the_key_value_api_url_names_one_entry() {
        let inputs = crate::inputs::Inputs(
            serde_json::json!({"tc_api_path": "https://tc.example/api/", "tc_svc_broker_host": "b", "tc_svc_broker_port": 1, "tc_svc_server_topic": "s", "tc_svc_client_topic": "c"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let cfg = Config::from_inputs(&inputs, "ui".into()).expect("config");
        assert_eq!(
            kv_api_url(&cfg, "0f8e1c2a-req", "request.body").as_deref(),
            Some("https://tc.example/api/internal/playbooks/keyValue/0f8e1c2a-req/request.body")
        );
        // Python: quote('a/../b?x#y z', safe='~') == 'a%2F..%2Fb%3Fx%23y%20z'
        assert_eq!(
            kv_api_url(&cfg, "a/../b?x#y z", "response.body").as_deref(),
            Some("https://tc.example/api/internal/playbooks/keyValue/a%2F..%2Fb%3Fx%23y%20z/response.body")
        );
        for (context, key) in [("..", "request.body"), ("k", "."), ("", "request.body"), ("k", "")] {
            assert_eq!(kv_api_url(&cfg, context, key), None, "{context:?} {key:?}");
        }
    }
}

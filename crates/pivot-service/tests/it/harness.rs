//! ThreatConnect's side of an API Service, as tcex 2.0.29's service test harness plays it
//! (`tcex/testing/test_case_service_common.py`, `test_case_api_service.py`): a real
//! mosquitto and a real redis-server on free 127.0.0.1 ports, the packaged service started
//! by its `run.py` with the service arguments in tcex's encrypted params file, and a client
//! that publishes commands on the server topic, writes request bodies to Redis under the
//! request key, and reads each answer's status and headers from the client topic and its
//! body from Redis (`response.body`).

use pivot_testing::root;
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use serde_json::{json, Value};
use std::io::BufRead;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const SERVER_TOPIC: &str = "svc-server-pivot";
pub const CLIENT_TOPIC: &str = "svc-client-pivot";
/// A 16-letter key, as tcex's harness makes.
const PARAM_KEY: &str = "kqwmzhtrpxvaelon";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A folder under cargo's target/tmp, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pivot-service-it-{name}"));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        TempDir(d)
    }
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tls_fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/tls").join(name)
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mosquitto_bin() -> &'static str {
    if Path::new("/usr/sbin/mosquitto").exists() {
        "/usr/sbin/mosquitto"
    } else {
        "mosquitto"
    }
}

/// mosquitto on one port, plain and anonymous; with a token, a TLS front before it
/// ([`token_gate`]) is the broker's address.
pub struct Broker {
    /// The address the service and ThreatConnect's client use.
    pub port: u16,
    pub token: Option<String>,
    /// mosquitto's own port (behind the front when there is one).
    inner_port: u16,
    conf: PathBuf,
    proc: Option<Proc>,
    _dir: TempDir,
}

impl Broker {
    pub fn start(name: &str, token: Option<&str>) -> Broker {
        let dir = TempDir::new(&format!("{name}-mosquitto"));
        let inner_port = free_port();
        let conf = format!("listener {inner_port} 127.0.0.1\npersistence false\nuser root\nallow_anonymous true\n");
        let path = dir.join("mosquitto.conf");
        std::fs::write(&path, conf).expect("mosquitto.conf");
        let port = match token {
            Some(t) => token_gate(t, inner_port),
            None => inner_port,
        };
        let mut b = Broker { port, token: token.map(str::to_string), inner_port, conf: path, proc: None, _dir: dir };
        b.restart();
        b
    }

    pub fn stop(&mut self) {
        self.proc = None;
    }

    pub fn restart(&mut self) {
        let child = Command::new(mosquitto_bin())
            .arg("-c")
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto (scripts/setup.sh native installs it)");
        self.proc = Some(Proc(child));
        wait_for_port(self.inner_port);
    }
}

/// The broker's TLS and token check, as ThreatConnect's broker does them: TLS with the test
/// CA's server certificate, and a CONNECT only with an empty user name and the token as
/// password (tcex: `username_pw_set('', password=token)`); anything else gets CONNACK 5
/// (not authorized). Then the connection is passed to mosquitto unchanged. It is a front
/// because mosquitto's password file cannot hold an empty user name. Returns its port.
fn token_gate(token: &str, inner_port: u16) -> u16 {
    let certs: Vec<_> =
        rustls_pemfile::certs(&mut std::fs::read(tls_fixture("server.pem")).expect("server.pem").as_slice()).collect::<Result<_, _>>().expect("pem");
    let key =
        rustls_pemfile::private_key(&mut std::fs::read(tls_fixture("server.key")).expect("server.key").as_slice()).expect("pem").expect("a key");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server certificate"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let token = token.to_string();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, token) = (config.clone(), token.clone());
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let Some(connect) = read_packet(&mut tls) else { return };
                if connect_credentials(&connect) != Some((String::new(), token.into_bytes())) {
                    let _ = std::io::Write::write_all(&mut tls, &[0x20, 0x02, 0x00, 0x05]);
                    let _ = std::io::Write::flush(&mut tls);
                    return;
                }
                let Ok(mut inner) = std::net::TcpStream::connect(("127.0.0.1", inner_port)) else { return };
                if std::io::Write::write_all(&mut inner, &connect).is_err() {
                    return;
                }
                pipe(tls, inner);
            });
        }
    });
    port
}

/// One MQTT packet (fixed header, remaining length, body) as bytes.
fn read_packet(r: &mut impl std::io::Read) -> Option<Vec<u8>> {
    let mut out = vec![0u8; 1];
    r.read_exact(&mut out).ok()?;
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let mut b = [0u8; 1];
        r.read_exact(&mut b).ok()?;
        out.push(b[0]);
        len |= ((b[0] & 0x7f) as usize) << shift;
        shift += 7;
        if b[0] & 0x80 == 0 || shift > 21 {
            break;
        }
    }
    let start = out.len();
    out.resize(start + len, 0);
    r.read_exact(&mut out[start..]).ok()?;
    Some(out)
}

/// The user name and password of an MQTT 3.1.1 CONNECT, when both flags are set.
fn connect_credentials(p: &[u8]) -> Option<(String, Vec<u8>)> {
    if p.first()? >> 4 != 1 {
        return None;
    }
    let mut i = 1;
    while p.get(i)? & 0x80 != 0 {
        i += 1;
    }
    i += 1;
    let field = |i: &mut usize| -> Option<Vec<u8>> {
        let n = u16::from_be_bytes([*p.get(*i)?, *p.get(*i + 1)?]) as usize;
        let v = p.get(*i + 2..*i + 2 + n)?.to_vec();
        *i += 2 + n;
        Some(v)
    };
    let _protocol = field(&mut i)?;
    let flags = *p.get(i + 1)?;
    i += 4; // level, flags, keep-alive
    let _client_id = field(&mut i)?;
    if flags & 0x04 != 0 {
        field(&mut i)?;
        field(&mut i)?;
    }
    if flags & 0xc0 != 0xc0 {
        return None;
    }
    let user = String::from_utf8(field(&mut i)?).ok()?;
    Some((user, field(&mut i)?))
}

/// Both ways until either side closes (one thread: the TLS stream cannot be split).
fn pipe(mut tls: rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>, mut inner: std::net::TcpStream) {
    use std::io::{ErrorKind, Read, Write};
    let tick = Some(Duration::from_millis(5));
    if tls.sock.set_read_timeout(tick).is_err() || inner.set_read_timeout(tick).is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let idle = |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if inner.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if idle(&e) => {}
            Err(_) => return,
        }
        match inner.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|_| tls.flush()).is_err() {
                    return;
                }
            }
            Err(e) if idle(&e) => {}
            Err(_) => return,
        }
    }
}

/// redis-server on one port, no persistence: open, or TLS with an ACL user and password.
pub struct Redis {
    pub port: u16,
    pub user: Option<(String, String)>,
    _proc: Proc,
    _dir: TempDir,
}

impl Redis {
    pub fn start(name: &str, user: Option<(&str, &str)>) -> Redis {
        let dir = TempDir::new(&format!("{name}-redis"));
        let port = free_port();
        let mut c = Command::new("redis-server");
        c.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]).arg("--dir").arg(&dir.0);
        if let Some((u, p)) = user {
            for f in ["server.pem", "server.key", "ca.pem"] {
                std::fs::copy(tls_fixture(f), dir.join(f)).expect("copy the TLS fixture");
            }
            c.args(["--port", "0", "--tls-port", &port.to_string(), "--tls-auth-clients", "no"]);
            c.arg("--tls-cert-file")
                .arg(dir.join("server.pem"))
                .arg("--tls-key-file")
                .arg(dir.join("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(dir.join("ca.pem"));
            c.args(["--user", "default", "off", "--user", u, "on", &format!(">{p}"), "~*", "&*", "+@all"]);
        } else {
            c.args(["--port", &port.to_string()]);
        }
        let child = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start redis-server (scripts/setup.sh native installs it)");
        wait_for_port(port);
        Redis { port, user: user.map(|(u, p)| (u.into(), p.into())), _proc: Proc(child), _dir: dir }
    }

    /// ThreatConnect's own connection to the store.
    pub fn client(&self) -> redis::Connection {
        let info = redis::RedisConnectionInfo {
            username: self.user.as_ref().map(|u| u.0.clone()),
            password: self.user.as_ref().map(|u| u.1.clone()),
            ..Default::default()
        };
        let client = if self.user.is_some() {
            let addr = redis::ConnectionAddr::TcpTls { host: "127.0.0.1".into(), port: self.port, insecure: false, tls_params: None };
            let ca = std::fs::read(tls_fixture("ca.pem")).expect("ca.pem");
            redis::Client::build_with_tls(
                redis::ConnectionInfo { addr, redis: info },
                redis::TlsCertificates { client_tls: None, root_cert: Some(ca) },
            )
        } else {
            redis::Client::open(redis::ConnectionInfo { addr: redis::ConnectionAddr::Tcp("127.0.0.1".into(), self.port), redis: info })
        }
        .expect("redis client");
        client.get_connection_with_timeout(Duration::from_secs(5)).expect("connect to redis")
    }
}

/// Where ThreatConnect keeps request and response bodies: Redis, or its key-value API
/// (`TCKeyValueAPI`, here the test API's map: `crate::api::Api::kv`).
pub enum Kv {
    Redis(redis::Connection),
    Api(crate::api::KvMap),
}

impl Kv {
    fn put(&mut self, key: &str, field: &str, body: &[u8]) {
        match self {
            Kv::Redis(c) => {
                redis::cmd("HSET").arg(key).arg(field).arg(body).query::<i64>(c).expect("HSET request.body");
            }
            Kv::Api(m) => {
                m.lock().unwrap_or_else(|e| e.into_inner()).insert((key.into(), field.into()), body.to_vec());
            }
        }
    }

    fn get(&mut self, key: &str, field: &str) -> Option<Vec<u8>> {
        match self {
            Kv::Redis(c) => redis::cmd("HGET").arg(key).arg(field).query(c).expect("HGET response.body"),
            Kv::Api(m) => m.lock().unwrap_or_else(|e| e.into_inner()).get(&(key.to_string(), field.to_string())).cloned(),
        }
    }
}

/// ThreatConnect: its MQTT client on the broker (subscribed to the client topic), inside
/// the platform (mosquitto's own port, behind the token front), and its key-value store
/// connection.
pub struct ThreatConnect {
    pub mqtt: Client,
    messages: Receiver<Value>,
    /// Messages seen on the server topic (the service's BrokerCheck goes there).
    pub server_seen: Arc<Mutex<Vec<Value>>>,
    pub kv: Kv,
    /// Leave out the Content-Length header (the body is still in Redis).
    pub no_content_length: bool,
    next: u64,
}

impl ThreatConnect {
    pub fn connect(broker: &Broker, redis: &Redis) -> ThreatConnect {
        ThreatConnect::connect_kv(broker, Kv::Redis(redis.client()))
    }

    pub fn connect_kv(broker: &Broker, kv: Kv) -> ThreatConnect {
        static CLIENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = CLIENTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut o = MqttOptions::new(format!("tc-core-{}-{id}", broker.port), "127.0.0.1", broker.inner_port);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(4 << 20, 4 << 20);
        let (mqtt, mut connection) = Client::new(o, 64);
        let (tx, rx) = channel();
        let (subscribed_tx, subscribed_rx) = channel();
        let server_seen = Arc::new(Mutex::new(Vec::new()));
        let seen = server_seen.clone();
        let sub = mqtt.clone();
        std::thread::spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = sub.try_subscribe(CLIENT_TOPIC, QoS::AtMostOnce);
                        let _ = sub.try_subscribe(SERVER_TOPIC, QoS::AtMostOnce);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = subscribed_tx.send(());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let Ok(v) = serde_json::from_slice::<Value>(&p.payload) else { continue };
                        if p.topic == CLIENT_TOPIC {
                            if tx.send(v).is_err() {
                                return;
                            }
                        } else {
                            seen.lock().unwrap_or_else(|e| e.into_inner()).push(v);
                        }
                    }
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        });
        // 30 s: once, with the service's release build compiling beside it on the 2 cores, the
        // subscriptions took longer than 10 s (the test passed alone and on every other run).
        subscribed_rx.recv_timeout(Duration::from_secs(30)).expect("ThreatConnect's client subscribed");
        subscribed_rx.recv_timeout(Duration::from_secs(30)).expect("ThreatConnect's client subscribed");
        ThreatConnect { mqtt, messages: rx, server_seen, kv, no_content_length: false, next: 0 }
    }

    pub fn publish(&self, message: Value) {
        self.mqtt.publish(SERVER_TOPIC, QoS::AtMostOnce, false, message.to_string().into_bytes()).expect("publish");
    }

    /// The next client-topic message `pick` accepts (others are skipped), within `secs`.
    pub fn wait_for(&self, secs: u64, pick: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.messages.recv_timeout(left) {
                Ok(v) if pick(&v) => return Some(v),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// One browser request through ThreatConnect's front: `RunService` with the request's
    /// token, the body in Redis; the answer's status, headers (lower-case names) and body.
    pub fn request(&mut self, method: &str, path: &str, query: &[(&str, &str)], headers: &[(&str, &str)], body: &[u8], token: &str) -> Answer {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        self.next = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let key = format!("req-{}-{}", std::process::id(), self.next);
        if !body.is_empty() {
            self.kv.put(&key, "request.body", body);
        }
        let mut hs: Vec<Value> = headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
        hs.push(json!({"name": "Host", "value": "tc.example"}));
        if !body.is_empty() && !self.no_content_length {
            hs.push(json!({"name": "Content-Length", "value": body.len().to_string()}));
        }
        self.publish(json!({
            "apiToken": token,
            "appId": 95,
            "bodyVariable": "request.body",
            "command": "RunService",
            "expireSeconds": 1_900_000_000u64,
            "headers": hs,
            "method": method,
            "path": path,
            "queryParams": query.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "requestKey": key,
            "requestUrl": "https://tc.example",
            "remoteAddress": "127.0.0.1",
        }));
        let ack = self
            .wait_for(30, |m| m["command"] == "Acknowledged" && m["type"] == "RunService" && m["requestKey"] == key.as_str())
            .unwrap_or_else(|| panic!("no answer to {method} {path}"));
        let status: u16 = ack["statusCode"].as_str().and_then(|s| s.parse().ok()).expect("statusCode as text, as tcex sends it");
        let headers = ack["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| (h["name"].as_str().unwrap_or("").to_ascii_lowercase(), h["value"].as_str().unwrap_or("").to_string()))
            .collect();
        let body = self.kv.get(&key, ack["bodyVariable"].as_str().unwrap_or("response.body"));
        Answer { status, headers, body: body.unwrap_or_default() }
    }
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A small built UI, shaped as trunk builds Pivot's (hashed names, a wasm module).
pub fn test_ui(dir: &Path) {
    std::fs::create_dir_all(dir).expect("ui dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Pivot</title><script type=module src=\"./pivot-0123456789abcdef.js\"></script>")
        .expect("index.html");
    std::fs::write(dir.join("pivot-0123456789abcdef.js"), "export default function init() {}\n".repeat(40)).expect("js");
    // The wasm magic and version, then filler: enough bytes for gzip to pay.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(std::iter::repeat_n(0u8, 4096));
    std::fs::write(dir.join("pivot-0123456789abcdef_bg.wasm"), wasm).expect("wasm");
}

/// `make package-service`'s script once per test run (with the test UI), unpacked as
/// ThreatConnect would (Python's zipfile, which drops permissions). `None`, with a skip,
/// when the musl toolchain is missing.
/// One HTTP/1.1 request as a test server reads it: request line, headers, a body of its
/// `Content-Length`. `None` when the peer closed first or sent less body than it declared.
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }
}

pub fn read_request(reader: &mut impl BufRead) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((n, v)) = h.trim_end().split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut request = RawRequest { method, target, headers, body: Vec::new() };
    request.body = vec![0; request.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0)];
    reader.read_exact(&mut request.body).ok()?;
    Some(request)
}

pub fn package() -> Option<&'static Path> {
    static APP: OnceLock<Option<PathBuf>> = OnceLock::new();
    APP.get_or_init(|| {
        let root = root();
        let have_target = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == "x86_64-unknown-linux-musl"));
        let have_gcc = Command::new("sh").args(["-c", "command -v musl-gcc"]).output().is_ok_and(|o| o.status.success());
        if !have_target || !have_gcc {
            pivot_testing::skip("the service package needs the x86_64-unknown-linux-musl target and musl-gcc: run scripts/setup.sh native");
            return None;
        }
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pivot-service-it-package");
        let _ = std::fs::remove_dir_all(&base);
        test_ui(&base.join("ui"));
        let out = Command::new("scripts/package-service.sh")
            .current_dir(&root)
            .env("PIVOT_SERVICE_UI", base.join("ui"))
            .output()
            .expect("run scripts/package-service.sh");
        assert!(out.status.success(), "package-service failed: {}", String::from_utf8_lossy(&out.stderr));
        let name = format!("PivotService_v{}", env!("CARGO_PKG_VERSION_MAJOR"));
        let zip = root.join(format!("target/package/{name}.zip"));
        let st = Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&zip).arg(base.join("app")).status().expect("python3");
        assert!(st.success());
        Some(base.join("app").join(name))
    })
    .as_deref()
}

/// The service started as ThreatConnect starts it: `python3 run.py` in the app folder, the
/// service arguments in tcex's encrypted params file (`TC_APP_PARAM_FILE`/`TC_APP_PARAM_KEY`;
/// the encryption is openssl's), stderr (its log) to a file.
pub struct Service {
    pub proc: Proc,
    pub log: PathBuf,
    _dir: TempDir,
}

impl Service {
    pub fn start(name: &str, app: &Path, args: &Value) -> Service {
        let dir = TempDir::new(&format!("{name}-service"));
        let plain = dir.join("plain.tmp");
        // The service's log folder (ThreatConnect passes the App's own) inside the test's.
        let mut args = args.clone();
        if args.get("tc_log_path").is_none() {
            args["tc_log_path"] = json!(dir.join("log"));
        }
        std::fs::write(&plain, serde_json::to_vec(&args).expect("args")).expect("params");
        let file = dir.join(".app_params.json");
        let hex_key: String = PARAM_KEY.bytes().map(|b| format!("{b:02x}")).collect();
        let st = Command::new("openssl")
            .args(["enc", "-aes-128-cbc", "-K", &hex_key, "-iv", "00000000000000000000000000000000", "-in"])
            .arg(&plain)
            .arg("-out")
            .arg(&file)
            .status()
            .expect("openssl");
        assert!(st.success());
        std::fs::remove_file(&plain).expect("remove plain");
        let log = dir.join("service.log");
        let child = Command::new("python3")
            .arg("run.py")
            .current_dir(app)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TC_APP_PARAM_FILE", &file)
            .env("TC_APP_PARAM_KEY", PARAM_KEY)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("python3 run.py");
        Service { proc: Proc(child), log, _dir: dir }
    }

    /// What the service wrote on stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The service's own folder (its log folder is `log` in it unless a test names another).
    pub fn dir(&self) -> &Path {
        &self._dir.0
    }

    /// The exit code within `secs`, or `None` while it still runs.
    pub fn exit_within(&mut self, secs: u64) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.proc.0.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// The service arguments ThreatConnect passes (tcex's `AppApiServiceModel` names).
pub fn service_args(broker: &Broker, redis: &Redis, api_path: &str, extra: Value) -> Value {
    let mut a = broker_args(broker, api_path);
    a["tc_kvstore_port"] = json!(redis.port);
    if let Some((u, p)) = &redis.user {
        a["tc_kvstore_user"] = json!(u);
        a["tc_kvstore_pass"] = json!(p);
        a["tc_kvstore_tls_enabled"] = json!(true);
        a["tc_kvstore_tls_port"] = json!(redis.port);
    }
    if let (Some(o), Value::Object(e)) = (a.as_object_mut(), extra) {
        o.extend(e);
    }
    a
}

/// The arguments for bodies kept by ThreatConnect's key-value API (`TCKeyValueAPI`): the
/// store's host and port name nothing that listens.
pub fn service_args_kv_api(broker: &Broker, api_path: &str, extra: Value) -> Value {
    let mut a = broker_args(broker, api_path);
    a["tc_kvstore_type"] = json!("TCKeyValueAPI");
    a["tc_kvstore_port"] = json!(1);
    if let (Some(o), Value::Object(e)) = (a.as_object_mut(), extra) {
        o.extend(e);
    }
    a
}

fn broker_args(broker: &Broker, api_path: &str) -> Value {
    let mut a = json!({
        "tc_api_path": api_path,
        "tc_svc_broker_host": "127.0.0.1",
        "tc_svc_broker_port": broker.port,
        "tc_svc_broker_conn_timeout": 10,
        "tc_svc_broker_timeout": 5,
        "tc_svc_server_topic": SERVER_TOPIC,
        "tc_svc_client_topic": CLIENT_TOPIC,
        "tc_svc_hb_timeout_seconds": 60,
        "tc_svc_id": 7,
        "tc_kvstore_host": "127.0.0.1",
        "tc_kvstore_type": "Redis",
        "tc_playbook_kvstore_id": 0,
        "tc_log_level": "info",
        "tc_token": "JOB-TOKEN-NEVER-USED",
    });
    if let Some(t) = &broker.token {
        a["tc_svc_broker_token"] = json!(t);
        a["tc_svc_broker_cacert_file"] = json!(tls_fixture("ca.pem"));
    }
    a
}

/// ThreatConnect's `/api/services/` front for a browser: HTTP on a free port, each request
/// under `/api/services/pivot/v1` turned into a `RunService` with `token` (the analyst's
/// session's, in ThreatConnect), the answer written back. Returns its port.
pub fn front(broker: &Broker, redis: &Redis, token: &str) -> u16 {
    use std::io::{BufReader, Write};
    let tc = Arc::new(Mutex::new(ThreatConnect::connect(broker, redis)));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let token = token.to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (tc, token) = (tc.clone(), token.clone());
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else { return };
                let Some(RawRequest { method, target, headers, body }) = read_request(&mut BufReader::new(read_half)) else { return };
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let answer = match path.strip_prefix("/api/services/pivot/v1") {
                    Some(rest) => {
                        let query: Vec<(String, String)> = query
                            .split('&')
                            .filter(|p| !p.is_empty())
                            .map(|p| p.split_once('=').unwrap_or((p, "")))
                            .map(|(n, v)| (form_decode(n), form_decode(v)))
                            .collect();
                        let q: Vec<(&str, &str)> = query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                        let h: Vec<(&str, &str)> = headers
                            .iter()
                            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
                            .map(|(n, v)| (n.as_str(), v.as_str()))
                            .collect();
                        let rest = if rest.is_empty() { "/" } else { rest };
                        tc.lock().unwrap_or_else(|e| e.into_inner()).request(&method, rest, &q, &h, &body, &token)
                    }
                    None => Answer { status: 404, headers: vec![], body: b"not a service path".to_vec() },
                };
                let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", answer.status);
                for (n, v) in &answer.headers {
                    if n != "content-length" {
                        out.push_str(&format!("{n}: {v}\r\n"));
                    }
                }
                out.push_str(&format!("Content-Length: {}\r\n\r\n", answer.body.len()));
                let mut stream = stream;
                let _ = stream.write_all(out.as_bytes()).and_then(|_| stream.write_all(&answer.body));
            });
        }
    });
    port
}

/// `+` as a space, then `%XX` (a test's own decoding of a browser's query).
fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// `%XX` decoded (the test's own reading, independent of the service's).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

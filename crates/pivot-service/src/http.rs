//! One request ThreatConnect forwarded (a `RunService` command) and its answer: the UI's
//! files, or an API call passed to ThreatConnect's API with that request's token.
//!
//! Paths are as the browser sent them after `/api/services/<displayPath>/v<major>` (raw,
//! percent-encoded: tcex 2.0.29's harness passes `urlparse(self.path).path`); query params
//! arrive decoded, one `{name, value}` each, and are encoded again here.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest request body forwarded to the API (Pivot's writes are small JSON bodies)...
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// ...but for a batch upload (`POST /api/v2/batch/{id}`): the triage page creates or tags up to
/// 10,000 values of up to 2,048 bytes in one job, each JSON-escaped (at most twice as long)
/// with its type and tag: about 42 MB at worst.
pub const MAX_BATCH_UPLOAD: usize = 48 << 20;

/// The largest body the service reads and forwards for `method` on `path`.
pub fn body_limit(method: &str, path: &str) -> usize {
    let batch_upload = |rest: &str| rest.strip_prefix("/v2/batch/").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    match target(path) {
        Target::Api(rest) if method == "POST" && batch_upload(&rest) => MAX_BATCH_UPLOAD,
        _ => MAX_REQUEST_BODY,
    }
}
/// The largest API answer passed back (Pivot's largest page, 10,000 items of a list, fits).
pub const MAX_RESPONSE_BODY: usize = 32 << 20;
/// The header every API call from the UI carries: a cross-site page cannot send it without
/// a CORS preflight, which the service never grants.
pub const PIVOT_HEADER: &str = "x-pivot-request";

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The token ThreatConnect minted for this request (`apiToken`); never logged.
    pub api_token: Option<String>,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type".into(), content_type.into()),
                ("X-Content-Type-Options".into(), "nosniff".into()),
                ("Referrer-Policy".into(), "no-referrer".into()),
            ],
            body,
        }
    }

    /// An error the UI shows as it shows the API's own (ThreatConnect's v3 error shape).
    pub fn error(status: u16, message: &str) -> Response {
        let body = serde_json::json!({ "status": "Error", "message": message });
        let mut r = Response::new(status, "application/json", body.to_string().into_bytes());
        r.headers.push(("Cache-Control".into(), "no-store".into()));
        r
    }
}

/// The reason phrase ThreatConnect's front gets as `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// What a path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// An API call: the part after `/api` (`/v3/indicators/1`), raw, to append to `tc_api_path`.
    Api(String),
    /// A path that looks like the API but may not be forwarded: never a file, never index.html.
    Refused(&'static str),
    /// A UI file (relative, decoded, checked) or, for a page path, index.html.
    Ui(Vec<String>),
}

/// Decodes `%XX` once; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path decoded until it no longer changes (at most a few rounds), backslashes as
/// slashes, lower case: only to recognise anything that is meant as the API.
fn looks_like_api(raw: &str) -> bool {
    let mut s = raw.to_string();
    for _ in 0..4 {
        match percent_decode(&s) {
            Some(d) if d != s => s = d,
            _ => break,
        }
    }
    let s = s.replace('\\', "/").to_ascii_lowercase();
    let s = s.trim_start_matches(['/', '.']);
    s == "api" || s.starts_with("api/") || s.starts_with("api?") || s.starts_with("api;")
}

/// A raw segment as data: decoded once, no double encoding, no backslash, no control
/// character, no `.` or `..` even after its encoded slashes are decoded.
fn segment_ok(raw: &str) -> bool {
    if raw.is_empty() || raw == "." || raw == ".." {
        return false;
    }
    let Some(d) = percent_decode(raw) else { return false };
    !d.contains('%') && !d.contains('\\') && !d.chars().any(char::is_control) && d.split('/').all(|p| p != "." && p != "..")
}

/// Judges a request path.
pub fn target(raw: &str) -> Target {
    if looks_like_api(raw) {
        return match api_rest(raw) {
            Ok(rest) => Target::Api(rest),
            Err(why) => Target::Refused(why),
        };
    }
    match ui_file(raw) {
        Some(parts) => Target::Ui(parts),
        None => Target::Refused("this path names no file of the app"),
    }
}

/// `/api/v2/...` or `/api/v3/...`, every segment plain data, printable ASCII only.
fn api_rest(raw: &str) -> Result<String, &'static str> {
    if !raw.bytes().all(|b| (0x21..0x7f).contains(&b)) || raw.contains(['\\', '?', '#']) {
        return Err("the API path holds a character the service does not forward");
    }
    let rest = raw.strip_prefix("/api").ok_or("only /api/v2 and /api/v3 are forwarded")?;
    let mut segments = rest.strip_prefix('/').ok_or("only /api/v2 and /api/v3 are forwarded")?.split('/');
    if !matches!(segments.next(), Some("v2" | "v3")) {
        return Err("only /api/v2 and /api/v3 are forwarded");
    }
    let mut any = false;
    for s in segments {
        if !segment_ok(s) {
            return Err("the API path tries to leave /api/v2 or /api/v3");
        }
        any = true;
    }
    if !any {
        return Err("only /api/v2 and /api/v3 are forwarded");
    }
    Ok(rest.to_string())
}

/// The decoded parts of a UI path (`/` is index.html); `None` when a part could name a file
/// outside the UI or a hidden one.
fn ui_file(raw: &str) -> Option<Vec<String>> {
    let path = raw.strip_prefix('/').unwrap_or(raw);
    let mut parts = Vec::new();
    for s in path.split('/') {
        if s.is_empty() {
            continue;
        }
        let d = percent_decode(s)?;
        if d.starts_with('.') || d.contains(['/', '\\', '%']) || d.chars().any(char::is_control) || !segment_ok(s) {
            return None;
        }
        parts.push(d);
    }
    Some(parts)
}

/// A forwarded call must come from Pivot's own page: the custom header (which a cross-site
/// page cannot send without a preflight) and `Sec-Fetch-Site: same-origin`, or, from a
/// browser that sends no `Sec-Fetch-Site`, an `Origin` naming the host it asked.
pub fn same_origin(req: &Request, api_origin: &str) -> Result<(), &'static str> {
    if req.header(PIVOT_HEADER).is_none_or(str::is_empty) {
        return Err("the request does not come from Pivot's page (its request header is missing)");
    }
    if let Some(site) = req.header("sec-fetch-site") {
        return if site.eq_ignore_ascii_case("same-origin") {
            Ok(())
        } else {
            Err("a cross-site request may not call ThreatConnect's API through Pivot")
        };
    }
    let origin = req.header("origin").ok_or("the request names neither Sec-Fetch-Site nor Origin")?;
    let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    let host = req.header("host").or_else(|| req.header("x-forwarded-host"));
    match authority {
        Some(a) if Some(a) == host.map(|h| h.trim()) || origin.eq_ignore_ascii_case(api_origin) => Ok(()),
        _ => Err("a cross-site request may not call ThreatConnect's API through Pivot"),
    }
}

/// GET and HEAD always; the writes Pivot makes (POST, PUT, DELETE) with `allowWriteBack`.
pub fn method_allowed(method: &str, allow_write_back: bool) -> Result<(), (u16, &'static str)> {
    match method {
        "GET" | "HEAD" => Ok(()),
        "POST" | "PUT" | "DELETE" if allow_write_back => Ok(()),
        "POST" | "PUT" | "DELETE" => Err((403, "write-back is off for this service (its allowWriteBack param)")),
        _ => Err((405, "this method is not forwarded")),
    }
}

/// The answer to `req` (its body already read within [`body_limit`]).
pub fn handle(cfg: &crate::config::Config, req: &Request) -> Response {
    match target(&req.path) {
        Target::Refused(why) => Response::error(if looks_like_api(&req.path) { 400 } else { 404 }, why),
        Target::Ui(parts) => serve_ui(&cfg.ui_dir, &parts, req, &page_params(cfg)),
        Target::Api(rest) => {
            let api_origin = cfg.api_path.origin().ascii_serialization();
            if let Err(why) = same_origin(req, &api_origin) {
                return Response::error(403, why);
            }
            if let Err((status, why)) = method_allowed(&req.method, cfg.allow_write_back) {
                return Response::error(status, why);
            }
            if req.body.len() > body_limit(&req.method, &req.path) {
                return Response::error(413, "the request body is larger than the service forwards");
            }
            let Some(token) = req.api_token.as_deref().filter(|t| !t.is_empty()) else {
                return Response::error(401, "ThreatConnect passed no API token with this request");
            };
            forward(cfg, &rest, req, token)
        }
    }
}

/// A client for ThreatConnect's API as tcex's `TcSession` reaches it: through the proxy when
/// `tc_proxy_tc` is on (`tc_proxy_*`), never through one named by the environment, no
/// redirects.
pub fn api_agent(cfg: &crate::config::Config) -> Result<ureq::Agent, String> {
    let mut b = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).redirects(0);
    if !cfg.verify {
        b = b.tls_config(std::sync::Arc::new(unverified_tls()?));
    }
    if let Some(p) = &cfg.proxy {
        // ureq takes the credentials as they are (no percent-decoding) and sends them in
        // CONNECT's `Proxy-Authorization`.
        let auth = p.credentials.as_ref().map(|(u, pw)| format!("{u}:{pw}@")).unwrap_or_default();
        let proxy = ureq::Proxy::new(format!("http://{auth}{}:{}", p.host, p.port))
            .map_err(|_| "the proxy settings (tc_proxy_*) are not usable".to_string())?;
        b = b.proxy(proxy);
    }
    Ok(b.build())
}

/// `tc_verify` off: TLS whose server certificate is not checked (signatures still are), as
/// requests' `verify=False`.
fn unverified_tls() -> Result<rustls::ClientConfig, String> {
    #[derive(Debug)]
    struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    impl ServerCertVerifier for AnyCertificate {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(AnyCertificate(provider)))
        .with_no_client_auth())
}

/// A request to ThreatConnect's API with `token` (`TC-Token`, as tcex's `TokenAuth`): for a
/// plain `http://` API through a proxy, the proxy's credentials go in the request itself
/// (an `https://` API gets them in the tunnel's CONNECT, never inside the tunnel).
pub fn api_request(cfg: &crate::config::Config, agent: &ureq::Agent, method: &str, url: &str, token: &str) -> ureq::Request {
    if cfg.log_curl {
        // tcex's `tc_log_curl`: the call as curl, at Debug; the token never.
        crate::log::at(
            crate::log::Level::Debug,
            &format!("curl -X {method} '{}' -H 'Authorization: TC-Token ***'", pivot_text::escape::escape_controls(url)),
        );
    }
    let mut call = agent.request(method, url).set("Authorization", &format!("TC-Token {token}"));
    if let (Some(p), "http") = (&cfg.proxy, cfg.api_path.scheme()) {
        if let Some((u, pw)) = &p.credentials {
            call = call.set("Proxy-Authorization", &format!("Basic {}", base64(format!("{u}:{pw}").as_bytes())));
        }
    }
    call
}

/// Standard base64 with padding (RFC 4648 section 4).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= c.len() { A[(n >> shift & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// What the service says when ThreatConnect's API (or the proxy before it) cannot be reached.
pub fn unreachable(cfg: &crate::config::Config, kind: impl std::fmt::Display) -> Response {
    let origin = cfg.api_path.origin().ascii_serialization();
    let via = cfg.proxy.as_ref().map(|p| format!(" through the proxy {}:{}", p.host, p.port)).unwrap_or_default();
    Response::error(
        502,
        &format!("The Pivot service cannot reach ThreatConnect's API at {origin}{via} ({kind}). Ask your administrator to check the service's network access."),
    )
}

/// The API call with only this request's token.
fn forward(cfg: &crate::config::Config, rest: &str, req: &Request, token: &str) -> Response {
    let base = cfg.api_path.as_str().trim_end_matches('/');
    let agent = match api_agent(cfg) {
        Ok(a) => a,
        Err(e) => return Response::error(502, &e),
    };
    // The query encoded as ureq's own `query` encodes it (url's form encoding).
    let mut url = match url::Url::parse(&format!("{base}{rest}")) {
        Ok(u) => u,
        Err(_) => return Response::error(400, "the API path is not a URL the service can call"),
    };
    if !req.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&req.query);
    }
    let mut call = api_request(cfg, &agent, &req.method, url.as_str(), token).set("Accept", "application/json");
    // DB-Method is how the v2 datastore says what a POST does; nothing else passes.
    if let Some(m) = req.header("db-method") {
        call = call.set("DB-Method", m);
    }
    let result = if req.body.is_empty() && matches!(req.method.as_str(), "GET" | "HEAD" | "DELETE") {
        call.call()
    } else {
        call = call.set("Content-Type", req.header("content-type").unwrap_or("application/json"));
        call.send_bytes(&req.body)
    };
    let answer = match result {
        // A plain-http API through the proxy: its 407 is the proxy's, not the API's.
        Err(ureq::Error::Status(407, _)) if cfg.proxy.is_some() => return unreachable(cfg, "the proxy refused the service's credentials"),
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => return unreachable(cfg, t.kind()),
    };
    let status = answer.status();
    let content_type = answer.header("content-type").unwrap_or("application/json").to_string();
    let mut body = Vec::new();
    use std::io::Read;
    if let Err(e) = answer.into_reader().take(MAX_RESPONSE_BODY as u64 + 1).read_to_end(&mut body) {
        return Response::error(502, &format!("ThreatConnect's API answer broke off ({})", e.kind()));
    }
    if body.len() > MAX_RESPONSE_BODY {
        return Response::error(502, "ThreatConnect's API answer is larger than the service passes on");
    }
    let mut r = Response::new(status, &content_type, body);
    r.headers.push(("Cache-Control".into(), "no-store".into()));
    r
}

/// The content type by extension (`application/wasm` for the module: browsers compile it
/// streaming only with that type).
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// trunk names built files `<name>-<16 hex digits>[_bg].<ext>`: their content never changes.
pub fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn accepts(req: &Request, coding: &str) -> bool {
    req.header("accept-encoding").is_some_and(|v| {
        v.split(',').any(|c| {
            let mut it = c.split(';');
            let name = it.next().unwrap_or("").trim();
            let q_zero = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case(coding) && !q_zero
        })
    })
}

/// The app params the page reads, as the `content` of `<meta name="pivot-service-params">`:
/// form-encoded `name=value` pairs, as a Space passes them in the page's query string.
pub fn page_params(cfg: &crate::config::Config) -> String {
    let mut pairs = vec![format!("allowWriteBack={}", cfg.allow_write_back)];
    if let Some(v) = &cfg.default_owner {
        pairs.push(format!("defaultOwner={}", form_encode(v)));
    }
    pairs.join("&")
}

/// Every byte but ASCII letters, digits and `-._~` as `%XX`: the value cannot end its pair,
/// its attribute or its tag.
pub fn form_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The page with its params: `<meta name="pivot-service-params" content="...">` right after
/// `<head>` (before anything that runs). `params` is [`page_params`]'s, whose only characters
/// outside letters and digits are `=`, `&`, `%`, `-`, `.`, `_` and `~`; `&` is written `&amp;`.
fn with_page_params(html: &[u8], params: &str) -> Vec<u8> {
    let meta = format!("<meta name=\"pivot-service-params\" content=\"{}\">", params.replace('&', "&amp;"));
    // After `<head>`; in a page without one, after its doctype (a tag before the doctype
    // would put the page in quirks mode).
    let after = |tag: &[u8]| html.windows(tag.len()).position(|w| w.eq_ignore_ascii_case(tag)).map(|i| i + tag.len());
    let at = after(b"<head>").or_else(|| after(b"<!doctype html>")).unwrap_or(0);
    let mut out = Vec::with_capacity(html.len() + meta.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(meta.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn serve_ui(dir: &Path, parts: &[String], req: &Request, params: &str) -> Response {
    if !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Response::error(405, "the app's files are read-only");
    }
    let mut path: PathBuf = dir.to_path_buf();
    parts.iter().for_each(|p| path.push(p));
    let name = parts.last().cloned().unwrap_or_default();
    let (path, name) = if path.is_file() {
        (path, name)
    } else if name.contains('.') {
        return Response::error(404, "this file is not part of the app");
    } else {
        // A page path: the app's page (its own address carries the item).
        (dir.join("index.html"), "index.html".to_string())
    };
    // A page carries the service's params, so it is sent as written, never a twin.
    let is_html = name.ends_with(".html");
    let mut chosen = None;
    for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
        let alt = PathBuf::from(format!("{}.{ext}", path.display()));
        if !is_html && alt.is_file() && accepts(req, coding) && chosen.is_none() {
            chosen = Some((coding, alt));
        }
    }
    let has_variants = !is_html && ["br", "gz"].iter().any(|e| PathBuf::from(format!("{}.{e}", path.display())).is_file());
    let (file, coding) = match chosen {
        Some((c, f)) => (f, Some(c)),
        None => (path, None),
    };
    let body = match std::fs::read(&file) {
        Ok(b) => b,
        Err(_) => return Response::error(500, "the app's files are incomplete: reinstall the service"),
    };
    let body = if is_html { with_page_params(&body, params) } else { body };
    let mut r = Response::new(200, content_type(&name), if req.method == "HEAD" { Vec::new() } else { body });
    r.headers.push(("Cache-Control".into(), if is_hashed(&name) { "public, max-age=31536000, immutable" } else { "no-cache" }.into()));
    if let Some(c) = coding {
        r.headers.push(("Content-Encoding".into(), c.into()));
    }
    if is_html {
        // Framed only by ThreatConnect's own pages: a page on another site cannot put Pivot
        // (and its write-back buttons) under the analyst's pointer.
        r.headers.push(("Content-Security-Policy".into(), "frame-ancestors 'self'".into()));
    }
    if has_variants {
        r.headers.push(("Vary".into(), "Accept-Encoding".into()));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/api/v3/indicators".into(),
            query: vec![],
            headers: headers.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            body: vec![],
            api_token: Some("t".into()),
        }
    }

    #[test]
    fn api_paths_inside_v2_and_v3_are_forwarded_raw() {
        assert_eq!(target("/api/v3/indicators/12"), Target::Api("/v3/indicators/12".into()));
        assert_eq!(target("/api/v2/indicators/hosts/example.com/groups"), Target::Api("/v2/indicators/hosts/example.com/groups".into()));
        // A URL indicator's value is one encoded segment, as the v2 API expects it.
        assert_eq!(
            target("/api/v2/indicators/urls/http%3A%2F%2Fa.example%2Fx"),
            Target::Api("/v2/indicators/urls/http%3A%2F%2Fa.example%2Fx".into())
        );
    }

    #[test]
    fn paths_leaving_the_api_are_refused_never_served() {
        for p in [
            "/api/v3/../../admin",
            "/api/v3/%2e%2e/%2e%2e/admin",
            "/api/v3/%2E%2E%2Fadmin",
            "/api/v3/indicators%2F..%2F..%2Fadmin",
            "/api/v3/%252e%252e/admin",
            "/api/v3/%25252e%25252e/admin",
            "/api/v3/..\\..\\admin",
            "/api/v3/%5c..%5cadmin",
            "/api/v3//evil.example/x",
            "/api/v3/./indicators",
            "/api/v4/indicators",
            "/api/services/other/v1/x",
            "/api/auth/login",
            "/api",
            "/api/",
            "/api/v3",
            "/API/v3/indicators",
            "/%61pi/v3/indicators",
            "//api/v3/indicators",
            "\\api\\v3\\indicators",
            "/api/v3/ind icators",
            "/api/v3/x%00y",
        ] {
            assert!(matches!(target(p), Target::Refused(_)), "{p} was not refused: {:?}", target(p));
        }
    }

    #[test]
    fn ui_paths_stay_inside_the_ui() {
        assert_eq!(target("/"), Target::Ui(vec![]));
        assert_eq!(target("/pivot-0123456789abcdef_bg.wasm"), Target::Ui(vec!["pivot-0123456789abcdef_bg.wasm".into()]));
        for p in ["/../install.json", "/%2e%2e/install.json", "/.hidden", "/a%2Fb", "/..%5cx", "/x%2500"] {
            assert!(matches!(target(p), Target::Refused(_)), "{p}: {:?}", target(p));
        }
    }

    #[test]
    fn a_forwarded_call_needs_the_header_and_the_same_origin() {
        let origin = "https://tc.example";
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin")]), origin).is_ok());
        assert!(same_origin(&req(&[("Sec-Fetch-Site", "same-origin")]), origin).is_err());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "cross-site")]), origin).is_err());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-site")]), origin).is_err());
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://tc.example")]), origin).is_err());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Origin", "https://tc.example"), ("Host", "tc.example")]), origin).is_ok());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Origin", "https://tc.example")]), origin).is_ok());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Origin", "https://evil.example"), ("Host", "tc.example")]), origin).is_err());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Origin", "null"), ("Host", "tc.example")]), origin).is_err());
        assert!(same_origin(&req(&[("X-Pivot-Request", "1"), ("Host", "tc.example")]), origin).is_err());
    }

    #[test]
    fn writes_only_with_write_back() {
        assert!(method_allowed("GET", false).is_ok());
        assert_eq!(method_allowed("POST", false).map_err(|e| e.0), Err(403));
        assert_eq!(method_allowed("DELETE", false).map_err(|e| e.0), Err(403));
        assert!(method_allowed("PUT", true).is_ok());
        assert_eq!(method_allowed("PATCH", true).map_err(|e| e.0), Err(405));
        assert_eq!(method_allowed("TRACE", true).map_err(|e| e.0), Err(405));
    }

    #[test]
    fn a_body_over_the_limit_is_refused_before_any_call() {
        let dir = std::env::temp_dir();
        let inputs = crate::inputs::Inputs(
            serde_json::json!({"tc_api_path": "http://127.0.0.1:9/api", "tc_svc_broker_host": "h", "tc_svc_broker_port": 1, "tc_svc_server_topic": "s", "tc_svc_client_topic": "c", "allowWriteBack": true})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let cfg = crate::config::Config::from_inputs(&inputs, dir).expect("config");
        let mut r = req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin")]);
        r.method = "POST".into();
        r.body = vec![b'x'; MAX_REQUEST_BODY + 1];
        assert_eq!(handle(&cfg, &r).status, 413);
        r.body.truncate(MAX_REQUEST_BODY);
        // At the limit it is forwarded: port 9 on 127.0.0.1 refuses, so the answer says the API is unreachable.
        let answer = handle(&cfg, &r);
        assert_eq!(answer.status, 502);
        assert!(String::from_utf8_lossy(&answer.body).contains("cannot reach ThreatConnect's API at http://127.0.0.1:9"));

        // A batch upload (a triage's create or tag in one job) may be larger, and no more.
        r.path = "/api/v2/batch/12".into();
        r.body = vec![b'x'; MAX_REQUEST_BODY * 3];
        assert_eq!(handle(&cfg, &r).status, 502, "forwarded");
        r.body = vec![b'x'; MAX_BATCH_UPLOAD + 1];
        assert_eq!(handle(&cfg, &r).status, 413);
        // Only the upload itself: not the job's creation, not another path or method that resembles it.
        for (method, path) in [
            ("POST", "/api/v2/batch"),
            ("PUT", "/api/v2/batch/12"),
            ("POST", "/api/v2/batch/12/x"),
            ("POST", "/api/v2/batch/1%32"),
            ("POST", "/api/v3/batch/12"),
        ] {
            assert_eq!(body_limit(method, path), MAX_REQUEST_BODY, "{method} {path}");
        }
    }

    /// The largest batch file the triage page writes fits the upload limit: 10,000 values
    /// (triage's MAX_VALUES) of 2,048 bytes (MAX_VALUE_BYTES), every byte one JSON escapes, with
    /// a type name and a 128-character tag (ThreatConnect's longest tag name).
    #[test]
    fn the_largest_triage_batch_file_fits_the_upload_limit() {
        let value = "\"".repeat(2_048);
        let entry = serde_json::json!({"summary": value, "type": "Registry Key", "tag": [{"name": "t".repeat(128)}]});
        let file = serde_json::json!({"indicator": vec![entry; 10_000]});
        let bytes = serde_json::to_vec(&file).expect("json").len();
        assert!(bytes > MAX_REQUEST_BODY * 20, "{bytes}: the case is the large one");
        assert!(bytes <= MAX_BATCH_UPLOAD, "{bytes} > {MAX_BATCH_UPLOAD}");
    }

    /// The params reach the page as data: a hostile value can end neither its pair, nor the
    /// attribute, nor the tag (expected text written out by hand).
    #[test]
    fn pages_carry_the_params_as_data() {
        let mut cfg = crate::config::Config::from_inputs(
            &crate::inputs::Inputs(serde_json::json!({"tc_api_path": "https://tc.example/api", "tc_svc_broker_host": "b", "tc_svc_broker_port": 1883, "tc_svc_server_topic": "s", "tc_svc_client_topic": "c"}).as_object().cloned().unwrap_or_default()),
            "ui".into(),
        )
        .expect("config");
        assert_eq!(page_params(&cfg), "allowWriteBack=false");
        cfg.default_owner = Some("Demo Org\"><script>&allowWriteBack=true_1.x~".into());
        let params = page_params(&cfg);
        assert_eq!(params, "allowWriteBack=false&defaultOwner=Demo%20Org%22%3E%3Cscript%3E%26allowWriteBack%3Dtrue_1.x~");
        let page = with_page_params(b"<!DOCTYPE html><html><HEAD><title>P</title></head></html>", &params);
        assert_eq!(
            String::from_utf8_lossy(&page),
            "<!DOCTYPE html><html><HEAD><meta name=\"pivot-service-params\" content=\"allowWriteBack=false&amp;defaultOwner=Demo%20Org%22%3E%3Cscript%3E%26allowWriteBack%3Dtrue_1.x~\"><title>P</title></head></html>"
        );
        let page = with_page_params(b"<!doctype html><title>P</title>", "allowWriteBack=true");
        assert_eq!(
            String::from_utf8_lossy(&page),
            "<!doctype html><meta name=\"pivot-service-params\" content=\"allowWriteBack=true\"><title>P</title>"
        );
    }

    /// A TLS server with the test CA's certificate (for localhost) answering 200; what it was
    /// sent (decrypted) is recorded. Returns its port.
    fn tls_api(seen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> u16 {
        use std::io::{Read, Write};
        let fixture =
            |n: &str| std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tls").join(n)).expect("fixture");
        let certs = rustls_pemfile::certs(&mut fixture("server.pem").as_slice()).collect::<Result<Vec<_>, _>>().expect("pem");
        let key = rustls_pemfile::private_key(&mut fixture("server.key").as_slice()).expect("pem").expect("key");
        let config = std::sync::Arc::new(
            rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .expect("cert"),
        );
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for tcp in l.incoming().flatten() {
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else { continue };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = [0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&got);
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}");
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        });
        port
    }

    /// A CONNECT proxy: records the CONNECT's head and every byte it relays from the client,
    /// tunnels to 127.0.0.1 at the port asked for. Returns its port.
    fn connect_proxy(head: std::sync::Arc<std::sync::Mutex<String>>, relayed: std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> u16 {
        use std::io::{BufRead, Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for mut client in l.incoming().flatten() {
                let mut reader = std::io::BufReader::new(client.try_clone().expect("clone"));
                let mut text = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    text.push_str(&line);
                }
                *head.lock().unwrap_or_else(|e| e.into_inner()) = text.clone();
                let target_port: u16 = text.split_whitespace().nth(1).and_then(|t| t.rsplit(':').next()).and_then(|p| p.parse().ok()).unwrap_or(0);
                let Ok(mut upstream) = std::net::TcpStream::connect(("127.0.0.1", target_port)) else { continue };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let mut down = upstream.try_clone().expect("clone");
                let mut up_client = client.try_clone().expect("clone");
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut down, &mut up_client);
                });
                let relayed = relayed.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    loop {
                        match reader.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                relayed.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&buf[..n]);
                                if upstream.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
            }
        });
        port
    }

    /// An https API through ThreatConnect's proxy: a CONNECT to the API's host with the
    /// proxy's credentials (base64 of `svc:pw`, from Python's base64 module), TLS inside the
    /// tunnel, so the proxy never sees the token and the API never sees the proxy's
    /// credentials. `tc_verify` off accepts the test CA's certificate; on (the default), it is
    /// refused before any request is sent.
    #[test]
    fn an_https_api_through_connect_and_tc_verify() {
        use std::sync::{Arc, Mutex};
        let (api_seen, head, relayed) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(Vec::new())));
        let api_port = tls_api(api_seen.clone());
        let proxy_port = connect_proxy(head.clone(), relayed.clone());
        let inputs = |verify: bool| {
            crate::inputs::Inputs(
                serde_json::json!({"tc_api_path": format!("https://localhost:{api_port}/api"), "tc_svc_broker_host": "h", "tc_svc_broker_port": 1,
                    "tc_svc_server_topic": "s", "tc_svc_client_topic": "c", "tc_proxy_tc": true, "tc_proxy_host": "127.0.0.1",
                    "tc_proxy_port": proxy_port, "tc_proxy_username": "svc", "tc_proxy_password": "pw", "tc_verify": verify})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            )
        };
        let url = format!("https://localhost:{api_port}/api/v3/indicators?tql=x");
        let cfg = crate::config::Config::from_inputs(&inputs(false), "ui".into()).expect("config");
        let agent = api_agent(&cfg).expect("agent");
        let r = api_request(&cfg, &agent, "GET", &url, "SECRET-TOKEN-1").call().expect("the call through the tunnel");
        assert_eq!(r.into_string().expect("body"), "{\"ok\":true}");
        let head = head.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(head.starts_with(&format!("CONNECT localhost:{api_port} HTTP/1.1\r\n")), "{head}");
        assert!(head.to_ascii_lowercase().contains("proxy-authorization: basic c3zjonb3\r\n"), "{head}");
        let relayed = relayed.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(!relayed.is_empty() && !relayed.windows(14).any(|w| w == b"SECRET-TOKEN-1"), "the proxy saw the token");
        let seen = String::from_utf8_lossy(&api_seen.lock().unwrap_or_else(|e| e.into_inner())).to_ascii_lowercase();
        assert!(seen.contains("authorization: tc-token secret-token-1\r\n") && !seen.contains("proxy-authorization"), "{seen}");
        api_seen.lock().unwrap_or_else(|e| e.into_inner()).clear();

        let cfg = crate::config::Config::from_inputs(&inputs(true), "ui".into()).expect("config");
        let agent = api_agent(&cfg).expect("agent");
        match api_request(&cfg, &agent, "GET", &url, "SECRET-TOKEN-2").call() {
            Err(ureq::Error::Transport(_)) => {}
            other => panic!("a certificate no known CA signed was accepted: {other:?}"),
        }
        assert!(api_seen.lock().unwrap_or_else(|e| e.into_inner()).is_empty(), "a request was sent over an unverified connection");
    }

    /// A proxy that refuses the service's credentials: the analyst reads that the API cannot
    /// be reached through the proxy (a 502 naming it), not a 407 from "the API".
    #[test]
    fn a_proxy_refusing_the_credentials_is_named() {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for mut c in l.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = c.read(&mut buf);
                let _ = c.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        let inputs = crate::inputs::Inputs(
            serde_json::json!({"tc_api_path": "http://tc.example/api", "tc_svc_broker_host": "h", "tc_svc_broker_port": 1, "tc_svc_server_topic": "s",
                "tc_svc_client_topic": "c", "tc_proxy_tc": true, "tc_proxy_host": "127.0.0.1", "tc_proxy_port": port,
                "tc_proxy_username": "svc", "tc_proxy_password": "wrong"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
        let cfg = crate::config::Config::from_inputs(&inputs, "ui".into()).expect("config");
        let r = handle(&cfg, &req(&[("X-Pivot-Request", "1"), ("Sec-Fetch-Site", "same-origin")]));
        assert_eq!(r.status, 502);
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains(&format!("cannot reach ThreatConnect's API at http://tc.example through the proxy 127.0.0.1:{port} (the proxy refused")),
            "{body}"
        );
        assert!(!body.contains("wrong"), "{body}");
    }

    #[test]
    fn base64_is_rfc_4648() {
        // RFC 4648 section 10's test vectors.
        for (plain, encoded) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn types_and_caching() {
        assert_eq!(content_type("pivot-0123456789abcdef_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert!(content_type("pivot-0123456789abcdef.js").starts_with("text/javascript"));
        assert!(is_hashed("pivot-0123456789abcdef_bg.wasm"));
        assert!(is_hashed("style-89abcdef01234567.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("publish-import.html"));
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let mut r = req(&[("Accept-Encoding", "gzip, deflate, br;q=0")]);
        assert!(accepts(&r, "gzip"));
        assert!(!accepts(&r, "br"));
        r.headers = vec![("accept-encoding".into(), "BR".into())];
        assert!(accepts(&r, "br"));
    }
}

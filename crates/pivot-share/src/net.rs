//! How `pivot-share` reaches an API: the user or token, a CA bundle trusted besides
//! the public roots (a source behind an internal CA), an HTTP proxy (ThreatConnect's
//! `tc_proxy_*` job args). Native only.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::net::Ipv6Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use threatconnect::http::{encode_component, split_api_url};
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::{Client, Credentials};

/// One side's API access, resolved: cheap to clone into the heartbeat and signal threads.
/// A token renewed by any client made from it is seen by all the others (ThreatConnect
/// may retire the old token once it has handed out a new one).
#[derive(Clone)]
pub struct ApiUser {
    pub origin: String,
    pub api_path: String,
    credentials: Arc<Mutex<Credentials>>,
    agent: ureq::Agent,
}

impl ApiUser {
    /// An API user of `api_url`, refused (with the reason, for the caller to prefix with
    /// the setting's name) unless [`check_api_url`] accepts it.
    pub fn new(api_url: &str, credentials: Credentials, agent: ureq::Agent) -> Result<Self, String> {
        check_api_url(api_url)?;
        let (origin, api_path) = split_api_url(api_url);
        Ok(ApiUser { origin, api_path, credentials: Arc::new(Mutex::new(credentials)), agent })
    }

    pub fn client(&self) -> Client<NativeTransport> {
        let creds = self.credentials.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let client = Client::new(NativeTransport::with_agent(&self.origin, self.agent.clone()), &self.api_path, creds, Box::new(system_clock));
        let shared = self.credentials.clone();
        client.on_token_renewed(move |token, expires| {
            *shared.lock().unwrap_or_else(|p| p.into_inner()) = Credentials::Token { token: token.to_string(), expires };
        });
        client
    }
}

/// An API URL `pivot-share` may send credentials to: `https://`, or `http://` to this
/// machine only (`localhost`, 127.0.0.0/8, `[::1]`). Over plain http anyone on the way
/// reads the credentials and can answer as the instance: a source then writes whatever it
/// likes into the target. Judged on the URL the transport is given, parsed by the same
/// parser as ureq's (`url`), so no spelling (`http://127.0.0.1@evil.example`, `0x7f.1`)
/// reads as loopback here and as another host there. A user name or password in the URL
/// is refused too: it would be logged with the URL.
pub fn check_api_url(api_url: &str) -> Result<(), String> {
    const EXPECTED: &str = "such as https://tc.example/api";
    let (origin, api_path) = split_api_url(api_url);
    let url = url::Url::parse(&format!("{origin}{api_path}")).map_err(|_| format!("is not an API URL {EXPECTED}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password (the API user's credentials have settings of their own)".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("must not have a query or a fragment ({EXPECTED})"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a == Ipv6Addr::LOCALHOST,
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err("must use https:// (http:// is accepted only to this machine: localhost, 127.0.0.0/8 or [::1]); over plain http \
             anyone on the network could read the credentials and answer in the instance's place"
            .into()),
        _ => Err(format!("must start with https:// ({EXPECTED})")),
    }
}

/// An HTTP proxy: `http://[user:password@]host:port`. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| threatconnect::http::REDACTED))
            .finish()
    }
}

/// The agent every request of one side goes through: 60 s timeout, no redirects (one
/// could carry the credentials to another host), the public roots plus `ca_pem`.
pub fn agent(ca_pem: Option<&[u8]>, proxy: Option<&Proxy>) -> Result<ureq::Agent, String> {
    let mut b = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).redirects(0);
    if let Some(pem) = ca_pem {
        b = b.tls_config(Arc::new(tls_config(pem)?));
    }
    if let Some(p) = proxy {
        let auth = match (&p.user, &p.password) {
            (Some(u), Some(pw)) => format!("{}:{}@", encode_component(u), encode_component(pw)),
            (Some(u), None) => format!("{}@", encode_component(u)),
            _ => String::new(),
        };
        let proxy =
            ureq::Proxy::new(format!("http://{auth}{}:{}", p.host, p.port)).map_err(|_| format!("the proxy {}:{} is not usable", p.host, p.port))?;
        b = b.proxy(proxy);
        // ureq sends the proxy's credentials in its CONNECT (https) only; a plain http request
        // goes to the proxy in absolute form and needs the header itself.
        if let (Some(u), Some(pw)) = (&p.user, &p.password) {
            use base64::Engine as _;
            let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{pw}")));
            // The closure's type is ureq's `Middleware` (its error, `ureq::Error`, is ureq's own).
            #[allow(clippy::result_large_err)]
            let add_header = move |req: ureq::Request, next: ureq::MiddlewareNext| {
                // Never inside an https tunnel: there the header would reach the API server.
                if req.url().starts_with("http://") {
                    next.handle(req.set("Proxy-Authorization", &basic))
                } else {
                    next.handle(req)
                }
            };
            b = b.middleware(add_header);
        }
    }
    Ok(b.build())
}

/// The certificates of a PEM bundle; an error when it holds none (a wrong file).
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().map_err(|e| format!("the CA bundle is not PEM ({e:?})"))?;
    if certs.is_empty() {
        return Err("the CA bundle holds no certificate (expected -----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

/// rustls with the public roots (webpki-roots) plus the bundle's certificates.
pub fn tls_config(pem: &[u8]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for c in pem_certificates(pem)? {
        roots.add(c).map_err(|e| format!("the CA bundle has a certificate rustls cannot use: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A CA bundle given as a Job param: the PEM text itself (an administrator pastes it; there
/// are no files of theirs on ThreatConnect's job host). Never a file name: the value is not
/// looked up on the file system, and the error is the same whatever file it might name, so
/// the param cannot read or probe the job host's files.
pub fn ca_pem_text(value: &str) -> Result<Vec<u8>, String> {
    let pem = value.trim();
    if !pem.contains("-----BEGIN") {
        return Err("it must be the PEM text of the CA certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), \
                    pasted into the param; a file name is not read"
            .into());
    }
    pem_certificates(pem.as_bytes())?;
    Ok(pem.as_bytes().to_vec())
}

/// A CA bundle given on the command line: a file name (or the PEM text itself).
pub fn read_ca(value: &str) -> Result<Vec<u8>, String> {
    let v = value.trim();
    if v.starts_with("-----BEGIN") {
        return Ok(v.as_bytes().to_vec());
    }
    std::fs::read(v).map_err(|e| format!("cannot read the CA bundle {v}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_bundles() {
        let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/tls/ca.pem")).unwrap();
        assert_eq!(pem_certificates(&pem).unwrap().len(), 1);
        assert!(tls_config(&pem).is_ok());
        assert!(pem_certificates(b"not a certificate").is_err());
        assert!(read_ca("/nonexistent/ca.pem").unwrap_err().contains("/nonexistent/ca.pem"));
        assert_eq!(read_ca(" -----BEGIN CERTIFICATE-----\nx").unwrap(), b"-----BEGIN CERTIFICATE-----\nx");
    }

    /// In a Job the CA bundle is PEM text: a path, to a real CA file or to none, is not read,
    /// and both get the same error (nothing says whether the file exists).
    #[test]
    fn the_job_ca_param_is_pem_text_only() {
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/tls/ca.pem");
        let pem = std::fs::read_to_string(fixture).unwrap();
        assert_eq!(ca_pem_text(&format!("\n{pem}\n")).unwrap(), pem.trim().as_bytes());
        let existing = ca_pem_text(fixture).unwrap_err();
        assert_eq!(existing, ca_pem_text("/nonexistent/ca.pem").unwrap_err());
        assert_eq!(existing, ca_pem_text("/etc/hostname").unwrap_err());
        assert!(existing.contains("PEM text") && !existing.contains("ca.pem") && !existing.contains("exist"), "{existing}");
        assert!(ca_pem_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----").is_err());
    }

    #[test]
    fn api_urls_are_https_or_loopback() {
        for ok in [
            "https://tc.example/api",
            "HTTPS://TC.example:8443/threatconnect/api",
            "http://127.0.0.1:8080/api",
            "http://127.8.9.10/api",
            "http://localhost:3000",
            "http://LOCALHOST/api",
            "http://[::1]:8080/api",
            // Another spelling of 127.0.0.1 is still 127.0.0.1 to every parser on the way.
            "http://0x7f.1/api",
        ] {
            assert_eq!(check_api_url(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("http://tc.example/api", "https://"),
            ("http://10.0.0.5/api", "https://"),
            ("http://0.0.0.0:8080/api", "https://"),
            ("http://[::ffff:127.0.0.1]/api", "https://"),
            ("http://localhost.evil.example/api", "https://"),
            ("http://127.0.0.1.evil.example/api", "https://"),
            // The host is evil.example; 127.0.0.1 is a user name.
            ("http://127.0.0.1@evil.example/api", "user name"),
            ("https://user:pw@tc.example/api", "user name"),
            ("ftp://tc.example/api", "https://"),
            ("tc.example/api", "API URL"),
            ("https://tc.example/api?x=1", "query"),
        ] {
            let e = check_api_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn proxy_debug_hides_the_password() {
        let p = Proxy { host: "proxy.corp".into(), port: 3128, user: Some("svc".into()), password: Some("PLANTED-proxy-pw".into()) };
        let d = format!("{p:?}");
        assert!(!d.contains("PLANTED-proxy-pw") && d.contains("<redacted>") && d.contains("proxy.corp"), "{d}");
    }
}

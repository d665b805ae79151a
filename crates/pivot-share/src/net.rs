//! How `pivot-share` reaches an API: the user or token, a CA bundle trusted besides
//! the public roots (a source behind an internal CA), an HTTP proxy (ThreatConnect's
//! `tc_proxy_*` job args). Native only.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
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
    pub fn new(api_url: &str, credentials: Credentials, agent: ureq::Agent) -> Self {
        let (origin, api_path) = split_api_url(api_url);
        ApiUser { origin, api_path, credentials: Arc::new(Mutex::new(credentials)), agent }
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

/// An HTTP proxy: `http://[user:password@]host:port`.
#[derive(Clone, Debug, Default)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
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

/// A CA bundle given as a file name or as the PEM text itself (a job param holds the text:
/// an administrator cannot put files on ThreatConnect's job host).
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
}

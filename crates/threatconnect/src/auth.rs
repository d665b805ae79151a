//! Credentials -> headers. Pure: the timestamp is passed in.
//!
//! HMAC signing (an API user's Access ID and Secret Key) exists only with
//! the `hmac-auth` feature, which the native tools enable: the browser app
//! works with Spaces tokens (`make dev` mints one in the terminal), so its
//! wasm can neither hold nor use a Secret Key, and does not carry SHA-256.

// A Secret Key has no business in a browser: a wasm build with HMAC signing is refused.
#[cfg(all(target_arch = "wasm32", feature = "hmac-auth"))]
compile_error!("the hmac-auth feature (Secret Key signing) must never be compiled into the wasm: the browser app uses Spaces tokens");

#[cfg(feature = "hmac-auth")]
use base64::Engine as _;
#[cfg(feature = "hmac-auth")]
use hmac::{Hmac, Mac};
#[cfg(feature = "hmac-auth")]
use sha2::Sha256;
use std::fmt;

/// An API user's Secret Key. Its `Debug` never shows the key.
#[cfg(feature = "hmac-auth")]
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

#[cfg(feature = "hmac-auth")]
impl SecretKey {
    /// Wraps the key (it is never shown by `Debug`).
    pub fn new(key: impl Into<String>) -> Self {
        SecretKey(key.into())
    }
    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(feature = "hmac-auth")]
impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The header a call through Pivot's API Service carries ([`Credentials::Service`]).
pub const SERVICE_REQUEST_HEADER: &str = "X-Pivot-Request";

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Spaces: `Authorization: TC-Token <token>`; `expires` is `tcTokenExpires` (epoch seconds).
    Token {
        /// The token.
        token: String,
        /// When it expires (epoch seconds).
        expires: Option<u64>,
    },
    /// Pivot's API Service on the page's own origin: the page holds no credential.
    /// ThreatConnect's `/api/services/` front adds the analyst's session to each request and
    /// the service calls the API with that request's token. Sent: [`SERVICE_REQUEST_HEADER`],
    /// which the service requires of every call (a cross-site page cannot send it without a
    /// CORS preflight, which the service never grants); never `Authorization`.
    Service,
    /// API user: `Authorization: TC <accessId>:<signature>` + `Timestamp`.
    #[cfg(feature = "hmac-auth")]
    Hmac {
        /// The API user's Access ID.
        access_id: String,
        /// The API user's Secret Key.
        secret_key: SecretKey,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token { expires, .. } => f.debug_struct("Token").field("token", &crate::http::REDACTED).field("expires", expires).finish(),
            Credentials::Service => f.write_str("Service"),
            #[cfg(feature = "hmac-auth")]
            Credentials::Hmac { access_id, secret_key } => {
                f.debug_struct("Hmac").field("access_id", access_id).field("secret_key", secret_key).finish()
            }
        }
    }
}

/// The string ThreatConnect signs: `<path>?<query>:<METHOD>:<timestamp>`
/// (`<path>:<METHOD>:<timestamp>` when there is no query).
#[cfg(feature = "hmac-auth")]
pub(crate) fn signing_string(path_and_query: &str, method: &str, timestamp: u64) -> String {
    format!("{path_and_query}:{method}:{timestamp}")
}

/// Base64(HMAC-SHA256(secret, message)).
#[cfg(feature = "hmac-auth")]
pub(crate) fn hmac_signature(secret: &SecretKey, message: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl Credentials {
    /// A Spaces (or minted) API token.
    pub fn token(token: impl Into<String>, expires: Option<u64>) -> Self {
        Credentials::Token { token: token.into(), expires }
    }
    #[cfg(feature = "hmac-auth")]
    /// An API user's Access ID and Secret Key (native tools only).
    pub fn hmac(access_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Credentials::Hmac { access_id: access_id.into(), secret_key: SecretKey::new(secret_key) }
    }

    /// The authentication headers for one request.
    #[cfg_attr(not(feature = "hmac-auth"), allow(unused_variables))]
    /// The authentication headers for a request signed over exactly `path_and_query`.
    pub fn headers(&self, method: &str, path_and_query: &str, timestamp: u64) -> Vec<(String, String)> {
        match self {
            Credentials::Token { token, .. } => vec![("Authorization".into(), format!("TC-Token {token}"))],
            Credentials::Service => vec![(SERVICE_REQUEST_HEADER.into(), "1".into())],
            #[cfg(feature = "hmac-auth")]
            Credentials::Hmac { access_id, secret_key } => {
                let sig = hmac_signature(secret_key, &signing_string(path_and_query, method, timestamp));
                vec![("Timestamp".into(), timestamp.to_string()), ("Authorization".into(), format!("TC {access_id}:{sig}"))]
            }
        }
    }
}

#[cfg(all(test, feature = "hmac-auth"))]
mod tests {
    use super::*;

    // Known answers computed independently with Python 3's standard library:
    //   base64.b64encode(hmac.new(key.encode(), msg.encode(), hashlib.sha256).digest())
    #[test]
    fn hmac_known_answers() {
        let cases = [
            (
                "secret",
                "/api/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787",
                "qcQ78w1LcTYOSn2A4hYtkwvNsBnti4Ed+ZpIzM7oSjE=",
            ),
            ("abc123", "/api/v2/owners:GET:1700000000", "2xQ72GVB3y9PrxmVbqNnko53ax26fsu2fYnsvFws5xg="),
            (
                "s3cr3t+/=",
                "/api/v3/indicators/http%3A%2F%2Fbad.example%2Fa%3Fb%3Dc?owner=Demo%20Org&fields=tags:GET:1700000123",
                "mZq0GVkB197bVuFXNVipHQ6LqJQrZswD0iho4kflKtw=",
            ),
        ];
        for (key, msg, want) in cases {
            assert_eq!(hmac_signature(&SecretKey::new(key), msg), want, "{msg}");
        }
    }

    #[test]
    fn documented_signing_string() {
        assert_eq!(
            signing_string("/api/v2/indicators/hosts/example.com?Owner=Common%20Community", "GET", 1513703787),
            "/api/v2/indicators/hosts/example.com?Owner=Common%20Community:GET:1513703787"
        );
    }

    #[test]
    fn hmac_headers() {
        let c = Credentials::hmac("12345", "secret");
        let h = c.headers("GET", "/api/v2/indicators/hosts/example.com?Owner=Common%20Community", 1513703787);
        assert_eq!(h[0], ("Timestamp".into(), "1513703787".into()));
        assert_eq!(h[1], ("Authorization".into(), "TC 12345:qcQ78w1LcTYOSn2A4hYtkwvNsBnti4Ed+ZpIzM7oSjE=".into()));
    }

    #[test]
    fn token_header_and_debug_hides_secrets() {
        let c = Credentials::token("abc:def", Some(10));
        assert_eq!(c.headers("GET", "/x", 0), vec![("Authorization".into(), "TC-Token abc:def".into())]);
        assert!(!format!("{c:?}").contains("abc:def"));
        let h = Credentials::hmac("id", "topsecretvalue");
        assert!(!format!("{h:?}").contains("topsecretvalue"));
    }
}

//! One error type for everything the client can fail at, worded for analysts.

use std::fmt;

/// What went wrong talking to ThreatConnect.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The request did not reach ThreatConnect or no answer came back.
    Network(String),
    /// ThreatConnect did not answer in time.
    Timeout,
    /// The request was cancelled (the view that asked for it went away).
    Aborted,
    /// ThreatConnect answered with an error status; `message` is the server's own
    /// (v2 `Failure` message, v3 `message`), `code` the v3 `errCode`.
    Http {
        /// The HTTP status (200 for a v2 `Failure` inside a 200 answer).
        status: u16,
        /// The v3 `errCode`.
        code: Option<String>,
        /// The server's own message.
        message: String,
    },
    /// The answer did not have the expected shape; `path` is the JSON path that failed.
    Decode {
        /// The JSON path that failed (`data.indicator[3].id`).
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// The API token expired and could not be renewed.
    SessionExpired,
    /// Credentials were refused (not a token expiry).
    Auth(String),
    /// The client is set up wrongly (missing API path, bad URL...).
    Config(String),
    /// Not sent: a value in the path (a tag, label or indicator value such as `..`)
    /// would be read as a path step and make the request name another resource.
    UnsafePath {
        /// The value, decoded.
        segment: String,
    },
    /// The answer's body was larger than the request reads ([`crate::HttpRequest::response_limit`]):
    /// refused while it arrived, never parsed or cut short.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// A list went on past the most pages Pivot reads ([`crate::paging::MAX_PAGES`]): refused
    /// rather than read without end or used in part.
    TooManyPages {
        /// The pages read.
        pages: u32,
    },
}

impl Error {
    pub(crate) fn decode(path: &str, message: impl Into<String>) -> Self {
        Error::Decode { path: path.to_string(), message: message.into() }
    }
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// ThreatConnect answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Network(m) => write!(f, "Could not reach ThreatConnect ({m}). Check the connection and try again."),
            Error::Timeout => f.write_str("ThreatConnect did not answer in time. Try again in a moment."),
            Error::Aborted => f.write_str("The request was cancelled."),
            Error::Http { status, code, message } => {
                let what = match status {
                    400 => "ThreatConnect rejected the request",
                    401 => "ThreatConnect did not accept the credentials",
                    403 => "You do not have access to this item or owner",
                    404 => "Not found in ThreatConnect",
                    429 => "ThreatConnect is busy (too many requests)",
                    500..=599 => "ThreatConnect had a server error",
                    _ => "ThreatConnect answered with an error",
                };
                write!(f, "{what} (HTTP {status}")?;
                if let Some(c) = code {
                    write!(f, ", {c}")?;
                }
                f.write_str(")")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::Decode { path, message } => {
                write!(f, "ThreatConnect sent data Pivot could not read (at {path}: {message}).")
            }
            Error::SessionExpired => f.write_str("Your ThreatConnect session has expired. Reload the Space (or the page) to sign in again."),
            Error::Auth(m) => write!(f, "ThreatConnect refused the credentials: {m}"),
            Error::Config(m) => write!(f, "Pivot is not configured correctly: {m}"),
            Error::UnsafePath { segment } if segment.is_empty() => {
                f.write_str("Pivot did not send this request: it would need an empty value in the request path, which names a different resource.")
            }
            Error::UnsafePath { segment } => write!(
                f,
                "Pivot did not send this request: the value \"{segment}\" would be read as a step in the request path and name a \
                 different resource. ThreatConnect's v2 API has no other way to address it; on an instance with API v3, Pivot uses the item's id."
            ),
            Error::TooLarge { limit } => write!(
                f,
                "ThreatConnect sent an answer larger than Pivot reads for this request (more than {}); Pivot refused it unread.",
                size_in_words(*limit)
            ),
            Error::TooManyPages { pages } => write!(
                f,
                "ThreatConnect kept sending more pages of a list after {pages} pages; Pivot stopped and used none of it. Narrow the request or use larger pages."
            ),
        }
    }
}

impl std::error::Error for Error {}

/// What a transport can fail at (no HTTP status: any answer is a response).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// No connection, or it broke (the transport's own words).
    Network(String),
    /// No answer in time.
    Timeout,
    /// Cancelled by the caller (a dropped future).
    Aborted,
    /// The body was (or said it would be) larger than the request's response limit.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// `64 MiB`, `80.1 MiB`, `1 KiB`, `512 bytes`: a limit as an analyst reads it.
pub(crate) fn size_in_words(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        // Tenths by integers: float formatting would add its code to the wasm.
        let tenths = (bytes.saturating_mul(10) + MIB / 2) / MIB;
        format!("{}.{} MiB", tenths / 10, tenths % 10)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Network(m) => Error::Network(m),
            TransportError::Timeout => Error::Timeout,
            TransportError::Aborted => Error::Aborted,
            TransportError::TooLarge { limit } => Error::TooLarge { limit },
        }
    }
}

/// The error for a non-2xx answer, with the server's own message when the body
/// has one (v2 `{"status":"Failure","message"}`, v3 `{"errCode","message"}`).
pub(crate) fn http_error(status: u16, body: &[u8]) -> Error {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let code = v.get("errCode").and_then(|c| c.as_str()).map(str::to_string);
    let message = match v.get("message").and_then(|m| m.as_str()) {
        Some(m) => m.to_string(),
        None => {
            // Plain-text or HTML bodies: keep a short, printable excerpt.
            let text = String::from_utf8_lossy(body);
            let t = text.trim();
            if t.starts_with('<') || t.starts_with('{') {
                String::new()
            } else {
                t.chars().take(200).collect()
            }
        }
    };
    Error::Http { status, code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_kept() {
        let e = http_error(400, br#"{"status":"Failure","message":"Please enter a valid owner"}"#);
        assert_eq!(e, Error::Http { status: 400, code: None, message: "Please enter a valid owner".into() });
        let e = http_error(400, br#"{"errCode":"0x1001","message":"Association cannot be applied to the indicator types.","status":"Error"}"#);
        assert_eq!(e.to_string(), "ThreatConnect rejected the request (HTTP 400, 0x1001): Association cannot be applied to the indicator types.");
        let e = http_error(502, b"<html>bad gateway</html>");
        assert_eq!(e, Error::Http { status: 502, code: None, message: String::new() });
        assert_eq!(http_error(503, b"API offline").to_string(), "ThreatConnect had a server error (HTTP 503): API offline");
    }

    #[test]
    fn limits_read_in_words() {
        assert_eq!(
            Error::TooLarge { limit: 64 * 1024 * 1024 }.to_string(),
            "ThreatConnect sent an answer larger than Pivot reads for this request (more than 64 MiB); Pivot refused it unread."
        );
        assert_eq!(size_in_words(80 * 1024 * 1024 + 65_536), "80.1 MiB");
        assert_eq!(size_in_words(2048), "2 KiB");
        assert_eq!(size_in_words(1000), "1000 bytes");
        assert!(Error::TooManyPages { pages: 1000 }.to_string().contains("after 1000 pages"));
    }

    #[test]
    fn session_expired_tells_what_to_do() {
        assert!(Error::SessionExpired.to_string().contains("Reload the Space"));
    }

    proptest::proptest! {
        /// Any status with any bytes: an error or a body, never a panic.
        #[test]
        fn bodies_never_panic(status in 100u16..600, body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let r = crate::http::HttpResponse::new(status, body.clone());
            let _ = crate::decode::json_body(&r);
            let _ = http_error(status, &body);
        }
    }
}

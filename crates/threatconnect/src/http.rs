//! One request shape, one query encoder, one path builder. What is signed is exactly
//! what is sent: [`HttpRequest::path_and_query`] is both the HMAC input and the URL tail.

/// HTTP methods the ThreatConnect API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// A request as built by the pure builders. `path` is already percent-encoded
/// (segments go through [`ApiPath::seg`]); the builders produce paths below the
/// API root (`/v2/...`), and the client prefixes the API path (`/api`) before
/// signing and sending, so what the transport sees always carries the prefix.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The encoded path (below the API root until the client prefixes it).
    pub path: String,
    /// Decoded pairs, in order; encoded once by [`encode_query`].
    pub query: Vec<(String, String)>,
    /// Headers, in order (the client adds the authentication headers).
    pub headers: Vec<(String, String)>,
    /// The body, when there is one.
    pub body: Option<Vec<u8>>,
    /// The largest answer body read, in bytes: the transport counts the body while it
    /// arrives and refuses a larger one ([`crate::Error::TooLarge`]) before anything parses it.
    pub response_limit: u64,
}

/// The response limit of a request that sets none ([`HttpRequest::response_limit`]), sized by
/// the largest ordinary answer: a v3 list page of [`crate::paging::MAX_RESULT_LIMIT`] (10,000)
/// items with their fields (attributes, tags, associations, labels), up to about 6.5 KiB
/// each. Datastore records, file downloads and bulk reports set their own.
pub const DEFAULT_RESPONSE_LIMIT: u64 = 64 * 1024 * 1024;
/// The response limit of a download (a Document's or Report's file, an owner's bulk
/// report): files and whole-owner reports are larger than any list page, but not unbounded.
pub const DOWNLOAD_RESPONSE_LIMIT: u64 = 256 * 1024 * 1024;

/// What `Debug` writes for a value it does not show.
pub const REDACTED: &str = "<redacted>";

/// Query keys whose values `Debug` shows: the ones the builders send, none of which
/// carries a credential. Any other key (`expiredToken`, a `token` someone adds later)
/// shows as `<redacted>`: an allow-list, so a new secret is hidden without anyone
/// remembering to add it.
const SHOWN_QUERY_KEYS: &[&str] = &[
    "Owner",
    "owner",
    "fields",
    "includeAdditional",
    "includes",
    "resultLimit",
    "resultStart",
    "count",
    "createActivityLog",
    "runNow",
    "dateObserved",
    "modifiedSince",
    "filename",
    "tql",
    "filters",
    "orParams",
];

/// Header names whose values `Debug` shows (compared case-insensitively); any other
/// (`Authorization`, `Cookie`, `Set-Cookie`, a proxy's) shows as `<redacted>`.
const SHOWN_HEADERS: &[&str] = &["Content-Type", "Content-Length", "Accept", "Timestamp", "Retry-After", "Date"];

/// Headers as `Debug` shows them: every name, values only for [`SHOWN_HEADERS`].
fn shown_headers(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(k, v)| {
            let shown = SHOWN_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k));
            (k.as_str(), if shown { v.as_str() } else { REDACTED })
        })
        .collect()
}

/// `Debug` never shows a credential (logs, panics, test failures): query values only for
/// [`SHOWN_QUERY_KEYS`], header values only for [`SHOWN_HEADERS`], the body by its length.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query: Vec<(&str, &str)> =
            self.query.iter().map(|(k, v)| (k.as_str(), if SHOWN_QUERY_KEYS.contains(&k.as_str()) { v.as_str() } else { REDACTED })).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query)
            .field("headers", &shown_headers(&self.headers))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("response_limit", &self.response_limit)
            .finish()
    }
}

/// A response as the transport received it, whatever its status.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Vec<u8>,
}

/// `Debug` shows the status, the headers as [`HttpRequest`]'s do and the body's length,
/// never the body: the token endpoints answer with a token in it.
impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &shown_headers(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    /// A response with a status and a body, no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }
    /// Header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// A 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl HttpRequest {
    /// A request without query, headers or body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        HttpRequest { method, path: path.into(), query: Vec::new(), headers: Vec::new(), body: None, response_limit: DEFAULT_RESPONSE_LIMIT }
    }
    /// Reads at most `bytes` of the answer's body: a larger answer is refused
    /// ([`crate::Error::TooLarge`]), never cut short.
    pub fn response_limit(mut self, bytes: u64) -> Self {
        self.response_limit = bytes;
        self
    }
    /// A `GET`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }
    /// A `POST`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::Post, path)
    }
    /// A `PUT`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::Put, path)
    }
    /// A `DELETE`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path)
    }
    /// Adds a query parameter (repeatable: `fields=a&fields=b`).
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }
    /// Adds a query parameter when `value` is given.
    pub fn query_opt(self, key: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    /// A JSON body (`Content-Type: application/json`).
    pub fn json(self, body: &serde_json::Value) -> Self {
        let bytes = body.to_string().into_bytes();
        self.body(bytes, "application/json")
    }
    /// A body with its `Content-Type`.
    pub fn body(mut self, bytes: Vec<u8>, content_type: &str) -> Self {
        self.headers.push(("Content-Type".into(), content_type.into()));
        self.body = Some(bytes);
        self
    }
    /// `owner=<name>` when given.
    pub fn owner(self, owner: Option<&str>) -> Self {
        self.query_opt("owner", owner)
    }
    /// GETs are the only requests retried without asking.
    pub fn is_idempotent(&self) -> bool {
        matches!(self.method, Method::Get | Method::Options)
    }
    /// The encoded query, without `?`.
    pub fn encoded_query(&self) -> String {
        encode_query(&self.query)
    }
    /// `<path>?<query>` exactly as sent (no `?` when there is no query).
    pub fn path_and_query(&self) -> String {
        let q = self.encoded_query();
        if q.is_empty() {
            self.path.clone()
        } else {
            let mut s = String::with_capacity(self.path.len() + 1 + q.len());
            s.push_str(&self.path);
            s.push('?');
            s.push_str(&q);
            s
        }
    }
    /// The first segment of the path that would not name itself once a URL parser
    /// (the browser's, a proxy's, ThreatConnect's front end) has read it: a dot
    /// segment (`.`, `..`, `%2e`, ...; RFC 3986 §5.2.4, WHATWG URL) or an empty one.
    /// [`Client::send`](crate::Client::send) refuses such a request.
    pub fn unsafe_segment(&self) -> Option<&str> {
        let path = self.path.strip_prefix('/').unwrap_or(&self.path);
        path.split('/').find(|seg| is_unsafe_segment(seg))
    }
    /// A header's value by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A path segment (as encoded) that a URL parser resolves away or that names
/// nothing: `.` and `..` in any of their spellings (`%2e`, `.%2E`, `%2e.`, `%2E%2e`)
/// and the empty segment. Percent-encoding cannot make `.` or `..` safe: `%2e` is
/// a dot to every URL parser.
pub fn is_unsafe_segment(seg: &str) -> bool {
    matches!(seg.to_ascii_lowercase().as_str(), "" | "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e")
        // A URL parser reads a raw `\` as `/` and drops tabs and line breaks, so a
        // segment holding one could split or turn into a dot segment on the way
        // (`.\t.` is `..`). The one encoder never writes them raw.
        || seg.bytes().any(|b| b == b'\\' || b <= b' ' || b == 0x7f)
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so that no
/// URL parser on the way (browser `URL`, proxies) re-encodes anything and the
/// signed string stays the sent string. Space is `%20`, never `+`.
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// Decodes `%XX` (and `+` as space, as form encoding and `next` links use it).
/// Invalid escapes are kept as written; invalid UTF-8 is replaced, never a panic.
pub fn decode_component(s: &str) -> String {
    percent_decode(s, true)
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `k=v&k=v` with both sides through [`encode_component`].
pub fn encode_query(pairs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (k, v) in pairs {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(&encode_component(k));
        s.push('=');
        s.push_str(&encode_component(v));
    }
    s
}

/// Builds an encoded path one segment at a time: `/v2/indicators/urls/http%3A%2F%2F...`.
/// A value from data only ever enters a path through [`ApiPath::seg`].
#[derive(Clone, Debug, Default)]
pub struct ApiPath(String);

impl ApiPath {
    /// Starts from literal, already safe segments (`"/v2/indicators"`).
    pub fn lit(s: &str) -> Self {
        ApiPath(s.to_string())
    }
    /// Appends one value as a single segment: `/`, `?`, `#`, `%`, `+`, spaces are encoded.
    /// A value of `.`, `..` or `""` stays what it is, and the client refuses to send
    /// the request ([`HttpRequest::unsafe_segment`]): no encoding makes it one segment.
    pub fn seg(mut self, value: &str) -> Self {
        self.0.push('/');
        self.0.push_str(&encode_component(value));
        self
    }
    /// Appends a number segment.
    pub fn id(mut self, id: i64) -> Self {
        self.0.push('/');
        self.0.push_str(&id.to_string());
        self
    }
    /// The encoded path.
    pub fn build(self) -> String {
        self.0
    }
}

/// Splits a `tcApiPath` such as `https://app.threatconnect.com/api` into the
/// origin and the API path. Some docs give it without `/api`: then `/api` is added.
pub fn split_api_url(api_url: &str) -> (String, String) {
    let s = api_url.trim().trim_end_matches('/');
    let after_scheme = s.find("://").map(|i| i + 3).unwrap_or(0);
    let (origin, path) = match s[after_scheme..].find('/') {
        Some(i) => (&s[..after_scheme + i], &s[after_scheme + i..]),
        None => (s, ""),
    };
    let path = if path.ends_with("/api") { path.to_string() } else { format!("{path}/api") };
    (origin.to_string(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_encode_everything_but_unreserved() {
        assert_eq!(encode_component("Common Community"), "Common%20Community");
        assert_eq!(encode_component("http://ex.com/a?b=c#d%e+f"), "http%3A%2F%2Fex.com%2Fa%3Fb%3Dc%23d%25e%2Bf");
        assert_eq!(encode_component("TLP:AMBER"), "TLP%3AAMBER");
        assert_eq!(encode_component("é"), "%C3%A9");
        assert_eq!(encode_component("a-b.c_d~e"), "a-b.c_d~e");
    }

    #[test]
    fn decode_is_lenient_and_inverse_of_encode() {
        for s in ["a b", "http://x/y?z#%+", "ünï", "100%", "%", "%zz", "%4"] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(decode_component("a+b%20c"), "a b c");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%4"), "%4");
        assert_eq!(decode_component("%zz"), "%zz");
        assert_eq!(decode_component("%FF"), "\u{FFFD}");
    }

    #[test]
    fn path_and_query_is_what_is_sent() {
        let r = HttpRequest::get(ApiPath::lit("/api/v2/indicators/hosts").seg("example.com").build()).query("Owner", "Common Community");
        assert_eq!(r.path_and_query(), "/api/v2/indicators/hosts/example.com?Owner=Common%20Community");
        let r = HttpRequest::get("/api/v2/owners");
        assert_eq!(r.path_and_query(), "/api/v2/owners");
        let r = HttpRequest::get("/v3/indicators/4").query("fields", "tags").query("fields", "associatedGroups");
        assert_eq!(r.path_and_query(), "/v3/indicators/4?fields=tags&fields=associatedGroups");
        // Any other request: each value one encoded segment, the query by the one encoder.
        let r = HttpRequest::new(Method::Get, ApiPath::lit("/v2").seg("whatever").seg("a/b").build()).query("x", "1 2");
        assert_eq!(r.path_and_query(), "/v2/whatever/a%2Fb?x=1%202");
    }

    /// Every place a request or a response can hold a credential, each with a planted
    /// secret: the renewal query, any other query key outside the allow-list, the
    /// credential headers, the token endpoints' bodies.
    #[test]
    fn debug_never_shows_a_credential() {
        const S: &str = "PLANTED-s3cret-91f0";
        let requests = [
            HttpRequest::get("/api/appAuth").query("expiredToken", S),
            HttpRequest::get("/x").query("token", S).query("owner", "Demo Org"),
            HttpRequest::get("/x").query("apiKey", S),
            HttpRequest::get("/x").header("Authorization", format!("TC-Token {S}")),
            HttpRequest::get("/x").header("authorization", format!("TC id:{S}")),
            HttpRequest::get("/x").header("Cookie", format!("JSESSIONID={S}")),
            HttpRequest::get("/x").header("Proxy-Authorization", format!("Basic {S}")),
            HttpRequest::post("/v3/token/api").json(&serde_json::json!({"secret": S})),
        ];
        for r in &requests {
            let d = format!("{r:?}");
            assert!(!d.contains(S), "{d}");
            assert!(d.contains(REDACTED) || d.contains("body_len: Some("), "{d}");
        }
        // What the allow-list shows stays readable.
        let d = format!("{:?}", requests[1]);
        assert!(d.contains("Demo Org") && d.contains("\"token\", \"<redacted>\""), "{d}");
        let responses = [
            // appAuth's answer (renewal) and v3's token endpoint.
            HttpResponse::new(200, format!(r#"{{"success":true,"apiToken":"{S}","apiTokenExpires":1700000000}}"#)),
            HttpResponse::new(200, format!(r#"{{"status":"Success","data":"{S}"}}"#)),
            HttpResponse {
                status: 200,
                headers: vec![("Set-Cookie".into(), format!("session={S}")), ("Content-Type".into(), "application/json".into())],
                body: Vec::new(),
            },
        ];
        for r in &responses {
            let d = format!("{r:?}");
            assert!(!d.contains(S) && d.contains("status: 200") && d.contains("body_len"), "{d}");
        }
        let d = format!("{:?}", responses[0]);
        assert!(d.contains(&format!("body_len: {}", responses[0].body.len())), "{d}");
        let d = format!("{:?}", responses[2]);
        assert!(d.contains("application/json") && d.contains(REDACTED), "{d}");
    }

    #[test]
    fn api_url_split() {
        assert_eq!(split_api_url("https://app.threatconnect.com/api"), ("https://app.threatconnect.com".into(), "/api".into()));
        assert_eq!(split_api_url("https://app.threatconnect.com/api/"), ("https://app.threatconnect.com".into(), "/api".into()));
        assert_eq!(split_api_url("https://app.threatconnect.com"), ("https://app.threatconnect.com".into(), "/api".into()));
        assert_eq!(split_api_url("https://tc.corp/threatconnect/api"), ("https://tc.corp".into(), "/threatconnect/api".into()));
        assert_eq!(split_api_url("/api"), ("".into(), "/api".into()));
    }

    proptest::proptest! {
        /// No panic on any string, and decoding undoes encoding.
        #[test]
        fn url_helpers_never_panic_and_round_trip(s in ".{0,40}") {
            proptest::prop_assert_eq!(decode_component(&encode_component(&s)), s.clone());
            let _ = decode_component(&s);
            let _ = split_api_url(&s);
        }
    }
}

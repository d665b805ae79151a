//! The launch: what ThreatConnect tells the app in its query string (this file), the API
//! origin pin (`origin.rs`), the Space element's own state (`element_state.rs`), and the
//! launch of a page served by Pivot's API Service (`service.rs`).
//!
//! Pure and native-tested. ThreatConnect sends `tcSpaceElementId`, `tcToken`,
//! `tcTokenExpires`, `tcApiPath`, `tcType`, `tcSelectedItem`,
//! `tcSelectedItemOwner` and every visible param of install.json. Values are
//! form-encoded: `+` is a space everywhere (ThreatConnect's own code replaced
//! only the first `+`, a bug we do not copy), then percent-decoding.

pub mod element_state;
mod origin;
mod service;

use std::fmt;

use threatconnect::{GroupType, IndicatorType};

pub use origin::{pin_api_origin, ParsedUrl, BUILD_API_ORIGINS};
pub use service::{parse_service_launch, service_prefix};

/// Context types ThreatConnect can open an app on but Pivot has no panel for yet.
/// A tag's context type: Pivot shows a tag as the items carrying it (`ui::tag`), kept as an
/// `Unsupported` item (no indicator or group panel) named by this type.
pub const TAG: &str = "Tag";

const UNSUPPORTED_CONTEXT_TYPES: [&str; 9] = [TAG, "Victim", "VictimAsset", "Task", "Track", "Case", "Artifact", "Workflow", "SecurityLabel"];

/// Everything Pivot knows from the query string it was opened with.
#[derive(Clone, Debug, PartialEq)]
pub struct Context {
    /// `tcSpaceElementId`: the app instance on a Space (absent outside a Space).
    pub space_element_id: Option<u64>,
    /// `tcApiPath`, normalized to end in `/api` with no trailing slash.
    pub api_path: String,
    /// Empty, and never sent, in service mode.
    pub token: ApiToken,
    /// Opened through Pivot's API Service (`service.rs`): `api_path` is the service's own,
    /// on the page's origin, and requests carry no token.
    pub service: bool,
    pub selected: Option<SelectedItem>,
    pub params: AppParams,
}

/// `tcToken` and `tcTokenExpires`. Debug never prints the token.
#[derive(Clone, PartialEq)]
pub struct ApiToken {
    pub token: String,
    /// Epoch seconds; absent when ThreatConnect did not send it.
    pub expires: Option<u64>,
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken").field("token", &"<redacted>").field("expires", &self.expires).finish()
    }
}

/// The item the app was opened on (`tcType` + `tcSelectedItem` + `tcSelectedItemOwner`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectedItem {
    /// An indicator: its summary (value) as ThreatConnect shows it.
    Indicator { kind: IndicatorType, summary: String, owner: Option<String> },
    /// A group, by numeric id.
    Group { kind: GroupType, id: u64, owner: Option<String> },
    /// A context type Pivot has no panel for (Tag, Victim, ...).
    Unsupported { type_name: String, value: String, owner: Option<String> },
}

impl SelectedItem {
    /// The type as shown to the analyst.
    pub fn type_label(&self) -> &str {
        match self {
            Self::Indicator { kind, .. } => kind.type_name(),
            Self::Group { kind, .. } => kind.type_name(),
            Self::Unsupported { type_name, .. } => type_name,
        }
    }

    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::Indicator { owner, .. } | Self::Group { owner, .. } | Self::Unsupported { owner, .. } => owner.as_deref(),
        }
    }
}

/// The app's own params, declared in install.json.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppParams {
    /// `defaultOwner`: the owner searches look in.
    pub default_owner: Option<String>,
    /// `allowWriteBack`: shows write-back controls when true.
    pub allow_write_back: bool,
    /// `shareInstanceId`: this instance's stable name for Cross-Intel Sharing
    /// (package xids derive from it, never from a URL).
    pub share_instance_id: Option<String>,
    /// Any other param, as sent (a later install.json may add some).
    pub other: Vec<(String, String)>,
}

/// What was wrong with the query string, in words for the analyst:
/// which parameter, what was wrong, what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextError {
    pub param: String,
    pub problem: String,
    pub expected: String,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "The parameter {} {}. Expected {}.", self.param, self.problem, self.expected)
    }
}

impl std::error::Error for ContextError {}

fn error(param: &str, problem: impl Into<String>, expected: &str) -> ContextError {
    ContextError { param: param.to_owned(), problem: problem.into(), expected: expected.to_owned() }
}

/// The outcome of reading the query string.
// Made once per page load: boxing the context would save nothing worth the indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Launch {
    /// Opened with no Spaces parameters at all: show the start screen.
    NoContext,
    /// Opened by ThreatConnect: the context it passed.
    Space(Context),
}

/// One decoded `name=value` pair, in the order sent.
type Pairs = Vec<(String, String)>;

/// Decode a form-encoded component: every `+` is a space, then `%XX` bytes,
/// then the bytes must be UTF-8.
pub fn form_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok().filter(|_| h.bytes().all(|b| b.is_ascii_hexdigit()))
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => {
                        let bad: String = raw[i..].chars().take(3).collect();
                        return Err(format!("has a broken percent-escape \"{bad}\""));
                    }
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "is not valid UTF-8 once percent-decoded".to_owned())
}

/// Split a query string (with or without the leading `?`) into decoded pairs.
fn decode_pairs(query: &str) -> Result<Pairs, ContextError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs = Pairs::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = form_decode(name).map_err(|p| error(name, p, "a parameter name"))?;
        let value = form_decode(value).map_err(|p| error(&name, p, "a percent-encoded value"))?;
        // A second, different value for a tc parameter is ambiguous (and a classic
        // parameter-pollution trick): refuse rather than guess which one counts.
        if let Some((_, first)) = pairs.iter().find(|(n, _)| *n == name) {
            if *first != value {
                return Err(error(&name, "was given twice with different values", "one value"));
            }
            continue;
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn take(pairs: &mut Pairs, name: &str) -> Option<String> {
    let at = pairs.iter().position(|(n, _)| n == name)?;
    Some(pairs.remove(at).1)
}

/// A present, non-blank value (trimmed); blank counts as absent.
fn take_nonblank(pairs: &mut Pairs, name: &str) -> Option<String> {
    take(pairs, name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn parse_u64(name: &str, value: &str, expected: &str) -> Result<u64, ContextError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(name, format!("is \"{}\"", shorten(value)), expected));
    }
    value.parse().map_err(|_| error(name, "is too large", expected))
}

/// A Boolean param as install.json sends it: `true` or `false`.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, ContextError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        _ => Err(error(name, format!("is \"{}\"", shorten(value)), "true or false")),
    }
}

/// A MultiChoice param: values separated by `|` (install.json's default `listDelimiter`).
pub fn split_multi_choice(value: &str) -> Vec<String> {
    value.split('|').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// Error messages quote what was sent; keep a hostile or huge value short.
fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// `tcApiPath` with or without `/api`, with or without a trailing slash, as an
/// http(s) URL or a same-origin path: always `.../api` with no trailing slash.
pub fn normalize_api_path(raw: &str) -> Result<String, ContextError> {
    const EXPECTED: &str = "the ThreatConnect API address, such as https://app.threatconnect.com/api";
    let value = raw.trim();
    let lower = value.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else if value.starts_with('/') && !value.starts_with("//") {
        ""
    } else {
        return Err(error("tcApiPath", format!("is \"{}\"", shorten(value)), EXPECTED));
    };
    if lower.starts_with("http") && rest.split('/').next().unwrap_or("").is_empty() {
        return Err(error("tcApiPath", "has no host name", EXPECTED));
    }
    if value.contains(['?', '#', ' ']) {
        return Err(error("tcApiPath", format!("is \"{}\"", shorten(value)), EXPECTED));
    }
    let trimmed = value.trim_end_matches('/');
    if trimmed.ends_with("/api") {
        Ok(trimmed.to_owned())
    } else {
        Ok(format!("{trimmed}/api"))
    }
}

/// Whether a query key, as written in the address, may name the token. [`parse_launch`]
/// reads keys decoded (`tc%54oken` is `tcToken`), so the key is decoded here too, and more
/// than [`parse_launch`] would: decoded again while that changes it (a few rounds), then
/// compared without case and with punctuation and blanks left out. Any key that then holds
/// `token` counts, and so does any key with a character beyond ASCII: the launch's keys and
/// the app's params are ASCII, and a look-alike (a zero-width space inside, the Kelvin sign
/// for `k`) cannot be told from the token's key without Unicode's tables, about 11 KB gzip
/// of first load. Removing a harmless param from the address costs nothing, leaving a token
/// there costs the session.
pub fn is_token_key(raw_key: &str) -> bool {
    let mut key = raw_key.to_owned();
    for _ in 0..4 {
        let decoded = threatconnect::http::decode_component(&key);
        if decoded == key {
            break;
        }
        key = decoded;
    }
    let folded: String = key.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    !key.is_ascii() || folded.contains("token")
}

/// The launch query without `tcToken` and `tcTokenExpires` in any spelling ([`is_token_key`]),
/// other pairs as they were (for an address that must not show the token).
pub fn without_token(query: &str) -> String {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            !pair.is_empty() && !is_token_key(key)
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The launch query with a renewed token: `tcToken` and `tcTokenExpires` replaced.
pub fn with_token(query: &str, token: &str, expires: Option<u64>) -> String {
    let mut out = without_token(query);
    let mut push = |pair: String| {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&pair);
    };
    push(format!("tcToken={}", threatconnect::http::encode_component(token)));
    if let Some(e) = expires {
        push(format!("tcTokenExpires={e}"));
    }
    out
}

/// The context type named by `tcType`, compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextType {
    Indicator(IndicatorType),
    Group(GroupType),
    Unsupported(String),
}

pub fn parse_context_type(raw: &str) -> ContextType {
    let name = raw.trim();
    if let Some(t) = IndicatorType::from_base_name(name) {
        return ContextType::Indicator(t);
    }
    if let Some(t) = GroupType::from_name(name) {
        return ContextType::Group(t);
    }
    let folded: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(u) = UNSUPPORTED_CONTEXT_TYPES.iter().find(|u| u.eq_ignore_ascii_case(&folded)) {
        return ContextType::Unsupported((*u).to_owned());
    }
    // Anything else is a custom indicator type, kept by name.
    ContextType::Indicator(IndicatorType::Custom(name.to_owned()))
}

/// The name ThreatConnect uses for a type in `tcType` and install.json's
/// `runtimeContext`: the v3 type name without spaces, each word capitalised.
pub fn spaces_type_name(type_name: &str) -> String {
    type_name
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| std::iter::once(f.to_ascii_uppercase()).chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

const TC_PARAMS: [&str; 7] = ["tcSpaceElementId", "tcToken", "tcTokenExpires", "tcApiPath", "tcType", "tcSelectedItem", "tcSelectedItemOwner"];

/// Read the query string ThreatConnect opened the app with.
pub fn parse_launch(query: &str) -> Result<Launch, ContextError> {
    let mut pairs = decode_pairs(query)?;
    if !pairs.iter().any(|(n, _)| TC_PARAMS.contains(&n.as_str())) {
        return Ok(Launch::NoContext);
    }

    let space_element_id = take_nonblank(&mut pairs, "tcSpaceElementId")
        .map(|v| parse_u64("tcSpaceElementId", &v, "a number, the app's id on the Space"))
        .transpose()?;
    let api_path = match take_nonblank(&mut pairs, "tcApiPath") {
        Some(v) => normalize_api_path(&v)?,
        None => return Err(error("tcApiPath", "is missing", "the ThreatConnect API address, such as https://app.threatconnect.com/api")),
    };
    let token = match take_nonblank(&mut pairs, "tcToken") {
        Some(v) => v,
        None => return Err(error("tcToken", "is missing", "the API token ThreatConnect passes to Spaces apps")),
    };
    let expires =
        take_nonblank(&mut pairs, "tcTokenExpires").map(|v| parse_u64("tcTokenExpires", &v, "the token's expiry in epoch seconds")).transpose()?;

    let kind = take_nonblank(&mut pairs, "tcType");
    let item = take_nonblank(&mut pairs, "tcSelectedItem");
    let owner = take_nonblank(&mut pairs, "tcSelectedItemOwner");
    let selected = match (kind, item) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(error("tcType", "is missing while tcSelectedItem is set", "the type of the selected item, such as Host or Incident"))
        }
        (Some(kind), None) => {
            return Err(error(
                "tcSelectedItem",
                format!("is missing for the {} the app was opened on", shorten(&kind)),
                "the selected item's value or id",
            ))
        }
        (Some(kind), Some(value)) => Some(match parse_context_type(&kind) {
            ContextType::Indicator(kind) => SelectedItem::Indicator { kind, summary: value, owner },
            ContextType::Group(kind) => {
                let id = parse_u64("tcSelectedItem", &value, &format!("the numeric id of the {}", kind.type_name()))?;
                SelectedItem::Group { kind, id, owner }
            }
            ContextType::Unsupported(type_name) => SelectedItem::Unsupported { type_name, value, owner },
        }),
    };

    let default_owner = take_nonblank(&mut pairs, "defaultOwner");
    let share_instance_id = take_nonblank(&mut pairs, "shareInstanceId");
    let allow_write_back = match take(&mut pairs, "allowWriteBack") {
        Some(v) => parse_bool("allowWriteBack", &v)?,
        None => false,
    };

    // A pair whose key looks like the token's but is not it (`TCTOKEN`, `tcToken%20`) is not
    // kept as a param either: nothing shows or forwards it.
    pairs.retain(|(name, _)| !is_token_key(name));

    Ok(Launch::Space(Context {
        space_element_id,
        api_path,
        token: ApiToken { token, expires },
        service: false,
        selected,
        params: AppParams { default_owner, allow_write_back, share_instance_id, other: pairs },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "tcSpaceElementId=42&tcToken=API%3A5%3Aabc%2Bdef%3D&tcTokenExpires=1700000000&tcApiPath=https%3A%2F%2Fapp.threatconnect.com%2Fapi";

    fn space(query: &str) -> Context {
        match parse_launch(query) {
            Ok(Launch::Space(c)) => c,
            other => panic!("{query}: expected a Space context, got {other:?}"),
        }
    }

    fn err(query: &str) -> ContextError {
        match parse_launch(query) {
            Err(e) => e,
            other => panic!("{query}: expected an error, got {other:?}"),
        }
    }

    #[test]
    fn no_spaces_params_is_the_start_screen() {
        for q in ["", "?", "?foo=bar", "&&", "defaultOwner=Demo+Org"] {
            assert_eq!(parse_launch(q), Ok(Launch::NoContext), "{q}");
        }
    }

    #[test]
    fn reads_a_full_space_launch() {
        let c = space(&format!("?{BASE}&tcType=Host&tcSelectedItem=bad.example.com&tcSelectedItemOwner=Demo+Org&defaultOwner=Common%20Community&allowWriteBack=true&shareInstanceId=acme+prod&theme=dark"));
        assert_eq!(c.space_element_id, Some(42));
        assert_eq!(c.api_path, "https://app.threatconnect.com/api");
        assert_eq!(c.token.token, "API:5:abc+def=");
        assert_eq!(c.token.expires, Some(1_700_000_000));
        assert_eq!(
            c.selected,
            Some(SelectedItem::Indicator { kind: IndicatorType::Host, summary: "bad.example.com".into(), owner: Some("Demo Org".into()) })
        );
        assert_eq!(c.params.default_owner.as_deref(), Some("Common Community"));
        assert!(c.params.allow_write_back);
        assert_eq!(c.params.share_instance_id.as_deref(), Some("acme prod"));
        assert_eq!(c.params.other, vec![("theme".to_owned(), "dark".to_owned())]);
    }

    #[test]
    fn plus_is_a_space_everywhere_and_percent_plus_is_a_plus() {
        let c = space(&format!("{BASE}&tcType=URL&tcSelectedItem=http%3A%2F%2Fx.test%2Fa%3Fq%3D1%2B2%23f&tcSelectedItemOwner=My+Big+Org"));
        assert_eq!(c.selected.as_ref().and_then(|s| s.owner()), Some("My Big Org"));
        match c.selected {
            Some(SelectedItem::Indicator { summary, kind, .. }) => {
                assert_eq!(kind, IndicatorType::Url);
                assert_eq!(summary, "http://x.test/a?q=1+2#f");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn context_types_are_matched_case_insensitively() {
        let cases: &[(&str, &str, SelectedItem)] = &[
            ("address", "10.0.0.1", SelectedItem::Indicator { kind: IndicatorType::Address, summary: "10.0.0.1".into(), owner: None }),
            ("EMAILADDRESS", "a@b.test", SelectedItem::Indicator { kind: IndicatorType::EmailAddress, summary: "a@b.test".into(), owner: None }),
            ("Url", "http://x.test/", SelectedItem::Indicator { kind: IndicatorType::Url, summary: "http://x.test/".into(), owner: None }),
            ("registrykey", "HKLM\\Run", SelectedItem::Indicator { kind: IndicatorType::RegistryKey, summary: "HKLM\\Run".into(), owner: None }),
            ("incident", "17", SelectedItem::Group { kind: GroupType::Incident, id: 17, owner: None }),
            ("IntrusionSet", "9", SelectedItem::Group { kind: GroupType::IntrusionSet, id: 9, owner: None }),
            ("Course+of+Action", "3", SelectedItem::Group { kind: GroupType::CourseOfAction, id: 3, owner: None }),
            ("Hashtag", "%23evil", SelectedItem::Indicator { kind: IndicatorType::Custom("Hashtag".into()), summary: "#evil".into(), owner: None }),
            ("tag", "APT28", SelectedItem::Unsupported { type_name: "Tag".into(), value: "APT28".into(), owner: None }),
            ("Victim", "5", SelectedItem::Unsupported { type_name: "Victim".into(), value: "5".into(), owner: None }),
        ];
        for (t, v, want) in cases {
            let c = space(&format!("{BASE}&tcType={t}&tcSelectedItem={v}"));
            assert_eq!(c.selected.as_ref(), Some(want), "tcType={t}");
        }
    }

    #[test]
    fn a_renewed_token_replaces_the_old_one_in_the_kept_launch() {
        let query = "?tcSpaceElementId=42&tcToken=API%3A5%3Aold%2Bx%3D&tcTokenExpires=1700000000&tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=a+b";
        let renewed = with_token(query, "API:5:new+y/=", Some(1700003600));
        assert_eq!(
            renewed,
            "tcSpaceElementId=42&tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=a+b&tcToken=API%3A5%3Anew%2By%2F%3D&tcTokenExpires=1700003600"
        );
        let Launch::Space(c) = parse_launch(&renewed).unwrap() else { panic!("a launch") };
        assert_eq!((c.token.token.as_str(), c.token.expires), ("API:5:new+y/=", Some(1700003600)));
        assert_eq!(c.api_path, "/api");
        assert_eq!(without_token(query), "tcSpaceElementId=42&tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=a+b");
        assert_eq!(without_token("?tcToken=secret"), "");
        assert_eq!(with_token("", "t", None), "tcToken=t");
    }

    /// Every spelling of the token's key that the launch reads as `tcToken` (percent-encoded
    /// letters, either hex case), and look-alikes it does not read (case, blanks, invisible
    /// characters, double encoding), leave the address; the other pairs stay as written.
    #[test]
    fn the_token_leaves_the_address_in_any_spelling() {
        const REST: &str = "tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=a+b";
        for key in [
            "tcToken",
            "tc%54oken",
            "tc%54%6Fken",
            "%74%63%54%6f%6b%65%6e",
            "tcTok%65n",
            "TCTOKEN",
            "tctoken",
            "tcToken%20",
            "+tcToken",
            "tc%E2%80%8BToken",
            "tc%2554oken",
            "tcTokenExpires",
            "tcToken%45xpires",
            "tcTo%E2%84%AAen",
        ] {
            for query in [format!("?{key}=SECRET&{REST}"), format!("{REST}&{key}=SECRET"), format!("{REST}&{key}")] {
                let kept = without_token(&query);
                assert_eq!(kept, REST, "{query}");
                assert!(!kept.contains("SECRET"), "{query}");
            }
        }
        // What the launch reads as the token is what the address loses.
        let q = format!("tc%54oken=SECRET&{REST}");
        assert_eq!(space(&q).token.token, "SECRET");
        assert_eq!(parse_launch(&without_token(&q)).unwrap_err().param, "tcToken");
        // Keys that merely look like the token are not kept as params either.
        let c = space(&format!("{BASE}&TCTOKEN=SECRET&tcToken%20=SECRET&theme=dark"));
        assert_eq!(c.params.other, vec![("theme".to_owned(), "dark".to_owned())]);
        assert!(!format!("{c:?}").contains("SECRET"));
        // Other keys stay, byte for byte.
        assert_eq!(without_token("a%20b=1&tcSpaceElementId=4&x=%E2%80%8B"), "a%20b=1&tcSpaceElementId=4&x=%E2%80%8B");
    }

    #[test]
    fn api_path_is_normalized() {
        for (raw, want) in [
            ("https://tc.example.com/api", "https://tc.example.com/api"),
            ("https://tc.example.com/api/", "https://tc.example.com/api"),
            ("https://tc.example.com", "https://tc.example.com/api"),
            ("https://tc.example.com/", "https://tc.example.com/api"),
            ("http://127.0.0.1:8080/threatconnect", "http://127.0.0.1:8080/threatconnect/api"),
            ("/api", "/api"),
            ("/", "/api"),
        ] {
            assert_eq!(normalize_api_path(raw).as_deref(), Ok(want), "{raw}");
        }
        for raw in ["javascript:alert(1)", "ftp://x", "//evil.test/api", "https:///api", "tc.example.com", "https://x/api?x=1"] {
            let e = normalize_api_path(raw).unwrap_err();
            assert_eq!(e.param, "tcApiPath", "{raw}");
        }
    }

    #[test]
    fn malformed_values_name_the_parameter_and_what_was_expected() {
        let table: &[(&str, &str, &str)] = &[
            ("tcToken=t&tcType=Host&tcSelectedItem=x", "tcApiPath", "missing"),
            ("tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=x", "tcToken", "missing"),
            ("tcApiPath=%2Fapi&tcToken=+&tcType=Host", "tcToken", "missing"),
            ("tcApiPath=%2Fapi&tcToken=t&tcType=Host", "tcSelectedItem", "missing"),
            ("tcApiPath=%2Fapi&tcToken=t&tcSelectedItem=x", "tcType", "missing"),
            ("tcApiPath=%2Fapi&tcToken=t&tcType=Incident&tcSelectedItem=abc", "tcSelectedItem", "\"abc\""),
            ("tcApiPath=%2Fapi&tcToken=t&tcType=Incident&tcSelectedItem=-1", "tcSelectedItem", "\"-1\""),
            ("tcApiPath=%2Fapi&tcToken=t&tcType=Incident&tcSelectedItem=99999999999999999999999", "tcSelectedItem", "too large"),
            ("tcApiPath=%2Fapi&tcToken=t&tcTokenExpires=soon", "tcTokenExpires", "\"soon\""),
            ("tcApiPath=%2Fapi&tcToken=t&tcSpaceElementId=1.5", "tcSpaceElementId", "\"1.5\""),
            ("tcApiPath=%2Fapi&tcToken=t&allowWriteBack=yes", "allowWriteBack", "\"yes\""),
            ("tcApiPath=%2Fapi&tcToken=t%ZZ", "tcToken", "percent-escape"),
            ("tcApiPath=%2Fapi&tcToken=t%E2%82", "tcToken", "UTF-8"),
            ("tcApiPath=%2Fapi&tcToken=a&tcToken=b", "tcToken", "twice"),
            ("tcApiPath=javascript%3Aalert(1)&tcToken=t", "tcApiPath", "javascript"),
        ];
        for (q, param, problem) in table {
            let e = err(q);
            assert_eq!(e.param, *param, "{q}: {e}");
            assert!(e.problem.contains(problem), "{q}: {e}");
            assert!(!e.expected.is_empty());
            let text = e.to_string();
            assert!(text.starts_with(&format!("The parameter {param} ")), "{text}");
        }
    }

    #[test]
    fn the_same_value_twice_is_accepted() {
        let c = space(&format!("{BASE}&tcType=Host&tcType=Host&tcSelectedItem=a.test"));
        assert!(c.selected.is_some());
        let c = space(&format!("{BASE}&tcToken=API%3A5%3Aabc%2Bdef%3D"));
        assert_eq!(c.token.token, "API:5:abc+def=");
    }

    #[test]
    fn booleans_and_multi_choice() {
        assert_eq!(parse_bool("x", "TRUE"), Ok(true));
        assert_eq!(parse_bool("x", "false"), Ok(false));
        assert_eq!(parse_bool("x", ""), Ok(false));
        assert!(parse_bool("x", "1").is_err());
        assert_eq!(split_multi_choice("TLP:RED|TLP:AMBER||"), vec!["TLP:RED", "TLP:AMBER"]);
        assert!(split_multi_choice("").is_empty());
    }

    #[test]
    fn hostile_values_are_shortened_in_messages() {
        let long = "x".repeat(5000);
        let e = err(&format!("tcApiPath=%2Fapi&tcToken=t&tcTokenExpires={long}"));
        assert!(e.to_string().len() < 300, "{}", e.to_string().len());
    }

    #[test]
    fn the_token_is_never_in_debug_output() {
        let c = space(BASE);
        assert!(!format!("{c:?}").contains("abc+def"));
    }

    #[test]
    fn spaces_type_names() {
        assert_eq!(spaces_type_name("Registry Key"), "RegistryKey");
        assert_eq!(spaces_type_name("Course of Action"), "CourseOfAction");
        assert_eq!(spaces_type_name("URL"), "URL");
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn random_query_strings_never_panic(q in ".{0,200}") {
                let _ = parse_launch(&q);
            }

            #[test]
            fn random_tc_values_never_panic(
                t in "[A-Za-z%+ ]{0,20}",
                item in "[ -~]{0,40}",
                api in "[ -~]{0,40}",
                exp in "[0-9a-z%]{0,25}",
            ) {
                let q = format!("tcApiPath={api}&tcToken=tok&tcType={t}&tcSelectedItem={item}&tcTokenExpires={exp}");
                let _ = parse_launch(&q);
            }

            /// Any spelling of `tcToken` with some letters percent-encoded (either hex case):
            /// the launch reads the token from it, and the address without the token has none.
            #[test]
            fn an_encoded_token_key_never_stays_in_the_address(mask in proptest::collection::vec(0u8..3, 7), value in "[A-Za-z0-9]{1,20}") {
                let key: String = "tcToken"
                    .bytes()
                    .zip(mask)
                    .map(|(b, m)| match m {
                        0 => (b as char).to_string(),
                        1 => format!("%{b:02X}"),
                        _ => format!("%{b:02x}"),
                    })
                    .collect();
                let query = format!("tcApiPath=%2Fapi&{key}={value}&tcType=Host&tcSelectedItem=x");
                let Ok(Launch::Space(c)) = parse_launch(&query) else { panic!("{query}: a launch") };
                prop_assert_eq!(&c.token.token, &value);
                prop_assert_eq!(without_token(&query), "tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=x");
            }

            #[test]
            fn any_text_round_trips_through_percent_encoding(s in "\\PC{0,40}") {
                let encoded: String = s.bytes().map(|b| format!("%{b:02X}")).collect();
                prop_assert_eq!(form_decode(&encoded), Ok(s));
            }
        }
    }
}

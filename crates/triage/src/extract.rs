//! Indicators found in pasted text (a report, an email, a SIEM export): refanged with the
//! search box's own list ([`pivot_text::refang`]), read by type, normalised and
//! de-duplicated, at most [`MAX_VALUES`] of them. Pure.
//!
//! How each type is found (docs/triage.md has the table an analyst reads):
//!
//! - **URL**: `http`, `https`, `ftp`, `ftps` followed by `://` and a valid host or address;
//!   scheme and host lower-cased, the scheme's default port dropped, path and query kept.
//! - **Address**: IPv4 dotted quads (no leading zeros) and IPv6 (written back in its
//!   canonical lower-case short form).
//! - **CIDR**: an address, `/`, a prefix length in range.
//! - **EmailAddress**: `local@host` (a `mailto:` dropped), the host lower-cased.
//! - **File**: 32, 40 or 64 hexadecimal digits (MD5, SHA1, SHA256), upper-cased as
//!   ThreatConnect stores them.
//! - **Host**: two or more dot-separated labels ending in a letters-only top-level label
//!   (or `xn--`), lower-cased; a name whose last label is a common file extension
//!   (`invoice.pdf`, `setup.exe`) is not taken for a host.
//! - **ASN**: `AS` or `ASN` and a number, written `ASN<number>`.
//! - **Mutex, Registry Key, User Agent and the instance's custom types**: no pattern tells
//!   them from prose, and ThreatConnect's indicator types (`/v2/types/indicatorTypes`) carry
//!   no value pattern; they are read from labelled lines only: `Mutex: Global\evil`,
//!   `User-Agent: Mozilla/5.0 (...)`, `Hashtag: #evil` (the type's name or its first value
//!   label, any case, then `:` or `=`; the rest of the line is the value).
//!
//! Types the instance does not have are not extracted (their values are counted in
//! [`Extraction::not_in_instance`]).

use pivot_text::refang::refang;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use threatconnect::types::BASE_INDICATOR_TYPES;
use threatconnect::{IndicatorType, IndicatorTypeDef};

/// The most distinct values one paste yields; further ones are counted, not kept.
pub const MAX_VALUES: usize = 10_000;
/// The longest value kept, in bytes (longer ones are counted in [`Extraction::too_long`]).
pub const MAX_VALUE_BYTES: usize = 2_048;

/// Last labels that name files far more often than hosts in reports.
const FILE_EXTENSIONS: [&str; 28] = [
    "exe", "dll", "sys", "bat", "cmd", "ps1", "vbs", "js", "jar", "msi", "scr", "lnk", "hta", "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm",
    "ppt", "pptx", "rtf", "txt", "log", "tmp", "dat", "bin",
];

/// One value found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// Its type.
    pub indicator_type: IndicatorType,
    /// The value as ThreatConnect stores it (refanged and normalised).
    pub value: String,
    /// How often the paste names it (after normalising).
    pub occurrences: usize,
    /// The line (from 1) where it first appears.
    pub first_line: usize,
}

/// What a paste yields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The distinct values, in the order they first appear.
    pub values: Vec<Extracted>,
    /// Occurrences folded into a value seen before.
    pub duplicates: usize,
    /// Distinct values past [`MAX_VALUES`], not kept.
    pub over_limit: usize,
    /// Values longer than [`MAX_VALUE_BYTES`], not kept.
    pub too_long: usize,
    /// Values of a type the instance does not have, not kept.
    pub not_in_instance: usize,
}

/// Reads pastes for one instance: the types it has and the labels of labelled lines.
#[derive(Clone, Debug)]
pub struct Extractor {
    enabled: Vec<IndicatorType>,
    /// Folded label → the type a labelled line names.
    labels: HashMap<String, IndicatorType>,
}

/// Names compared as ThreatConnect's sources and analysts spell them: case, spaces,
/// underscores and hyphens ignored (`User-Agent` = `User Agent` = `useragent`).
fn fold(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).map(|c| c.to_ascii_lowercase()).collect()
}

/// Types read from labelled lines only: their values have no pattern of their own.
fn labelled_only(t: &IndicatorType) -> bool {
    matches!(t, IndicatorType::Mutex | IndicatorType::RegistryKey | IndicatorType::UserAgent | IndicatorType::Custom(_))
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new(&[])
    }
}

impl Extractor {
    /// For an instance with these indicator types (`/v2/types/indicatorTypes`); with none
    /// (not yet loaded, or the list failed) the base types ThreatConnect ships.
    pub fn new(types: &[IndicatorTypeDef]) -> Self {
        let enabled: Vec<IndicatorType> =
            if types.is_empty() { BASE_INDICATOR_TYPES.to_vec() } else { types.iter().map(IndicatorTypeDef::indicator_type).collect() };
        let mut labels = HashMap::new();
        for t in enabled.iter().filter(|t| labelled_only(t)) {
            labels.insert(fold(t.type_name()), t.clone());
        }
        for d in types {
            let t = d.indicator_type();
            if labelled_only(&t) {
                if let Some(first) = d.value_labels().first() {
                    labels.entry(fold(first)).or_insert_with(|| t.clone());
                }
            }
        }
        if enabled.contains(&IndicatorType::UserAgent) {
            labels.insert(fold("User-Agent"), IndicatorType::UserAgent);
        }
        Extractor { enabled, labels }
    }

    /// The indicators in `text`, refanged, normalised and de-duplicated.
    pub fn extract(&self, text: &str) -> Extraction {
        let mut out = Extraction::default();
        let mut seen: HashMap<(IndicatorType, String), usize> = HashMap::new();
        for (n, raw_line) in text.lines().enumerate() {
            if let Some((t, value)) = self.labelled(raw_line) {
                self.keep(&mut out, &mut seen, t, value, n + 1);
                continue;
            }
            let line = refang(raw_line);
            for token in line.split(is_separator) {
                if let Some((t, value)) = classify(token) {
                    self.keep(&mut out, &mut seen, t, value, n + 1);
                }
            }
        }
        out
    }

    /// A labelled line (`Mutex: Global\x`): its type and value.
    fn labelled(&self, line: &str) -> Option<(IndicatorType, String)> {
        let line = line.trim();
        let at = line.find([':', '='])?;
        let t = self.labels.get(&fold(&line[..at]))?;
        let value = line[at + 1..].trim();
        (!value.is_empty()).then(|| (t.clone(), value.to_owned()))
    }

    fn keep(&self, out: &mut Extraction, seen: &mut HashMap<(IndicatorType, String), usize>, t: IndicatorType, value: String, line: usize) {
        if value.len() > MAX_VALUE_BYTES {
            out.too_long += 1;
            return;
        }
        if !self.enabled.contains(&t) {
            out.not_in_instance += 1;
            return;
        }
        let key = (t, value);
        if let Some(&i) = seen.get(&key) {
            out.values[i].occurrences += 1;
            out.duplicates += 1;
            return;
        }
        if out.values.len() >= MAX_VALUES {
            out.over_limit += 1;
            return;
        }
        seen.insert(key.clone(), out.values.len());
        out.values.push(Extracted { indicator_type: key.0, value: key.1, occurrences: 1, first_line: line });
    }
}

/// Where tokens end: white space and the punctuation prose and exports put around values.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | ',' | ';' | '|' | '`' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}')
}

/// One token's type and normalised value, if it is an indicator.
pub fn classify(token: &str) -> Option<(IndicatorType, String)> {
    let t = token.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '*'));
    // Single quotes end a value only when they also start it (`'evil.example'`): URLs hold them.
    let t = match t.strip_prefix('\'') {
        Some(inner) => inner.trim_end_matches(['.', ',', '!', '?']).strip_suffix('\'').unwrap_or(inner),
        None => t,
    };
    let t = t.trim_end_matches(['.', ',', '!', '?', ')', ']', '}']);
    if t.is_empty() {
        return None;
    }
    classify_exact(t)
        .or_else(|| classify_exact(t.trim_end_matches(':')))
        // `src=10.1.2.3`, `host:evil.example` in exports.
        .or_else(|| if t.contains("://") { None } else { t.rsplit_once(['=', ':']).and_then(|(_, v)| classify_exact(v)) })
}

fn classify_exact(t: &str) -> Option<(IndicatorType, String)> {
    if t.is_empty() {
        return None;
    }
    if let Some(u) = url(t) {
        return Some((IndicatorType::Url, u));
    }
    if let Some(c) = cidr(t) {
        return Some((IndicatorType::Cidr, c));
    }
    if let Some(a) = address(t) {
        return Some((IndicatorType::Address, a));
    }
    if let Some(e) = email(t) {
        return Some((IndicatorType::EmailAddress, e));
    }
    if matches!(t.len(), 32 | 40 | 64) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some((IndicatorType::File, t.to_ascii_uppercase()));
    }
    if let Some(a) = asn(t) {
        return Some((IndicatorType::Asn, a));
    }
    host(t).map(|h| (IndicatorType::Host, h))
}

/// A host name, lower-cased, or `None`.
fn host(t: &str) -> Option<String> {
    let h = t.strip_suffix('.').unwrap_or(t).to_ascii_lowercase();
    if h.len() > 253 || !h.contains('.') {
        return None;
    }
    let labels: Vec<&str> = h.split('.').collect();
    let ok_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !labels.iter().all(ok_label) {
        return None;
    }
    let tld = labels.last()?;
    let tld_ok = (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())) || (tld.starts_with("xn--") && tld.len() > 4);
    (tld_ok && !FILE_EXTENSIONS.contains(tld)).then_some(h)
}

fn ipv4(t: &str) -> Option<Ipv4Addr> {
    // std refuses leading zeros (`010.1.1.1`, which some tools read as octal).
    t.parse::<Ipv4Addr>().ok()
}

fn ipv6(t: &str) -> Option<Ipv6Addr> {
    // At least two groups' worth of text: `::` alone in prose is not an address.
    if t.len() < 3 || !t.contains(':') {
        return None;
    }
    t.parse::<Ipv6Addr>().ok()
}

fn address(t: &str) -> Option<String> {
    ipv4(t).map(|a| a.to_string()).or_else(|| ipv6(t).map(|a| a.to_string()))
}

fn cidr(t: &str) -> Option<String> {
    let (ip, len) = t.split_once('/')?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u32 = len.parse().ok()?;
    if let Some(a) = ipv4(ip) {
        return (len <= 32).then(|| format!("{a}/{len}"));
    }
    let a = ipv6(ip)?;
    (len <= 128).then(|| format!("{a}/{len}"))
}

fn email(t: &str) -> Option<String> {
    let t = t.strip_prefix("mailto:").or_else(|| t.strip_prefix("MAILTO:")).unwrap_or(t);
    let (local, domain) = t.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&*+/=?^_{}~.-".contains(&b));
    let domain = host(domain)?;
    local_ok.then(|| format!("{local}@{domain}"))
}

fn asn(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let digits = upper.strip_prefix("ASN").or_else(|| upper.strip_prefix("AS"))?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    (n <= u64::from(u32::MAX)).then(|| format!("ASN{n}"))
}

/// A URL with scheme and host normalised, or `None`.
fn url(t: &str) -> Option<String> {
    let (scheme, rest) = t.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        "ftp" | "ftps" => "21",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // Credentials in a URL are kept as written (they are part of the indicator).
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host_text, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        let a = ipv6(inside)?;
        (format!("[{a}]"), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (hostport.to_owned(), None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u32>().ok()? > 65_535 {
            return None;
        }
    }
    let host_norm = if host_text.starts_with('[') { host_text } else { ipv4(&host_text).map(|a| a.to_string()).or_else(|| host(&host_text))? };
    let mut out = format!("{scheme}://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host_norm);
    if let Some(p) = port.filter(|p| *p != default_port) {
        out.push(':');
        out.push_str(p);
    }
    out.push_str(tail);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndicatorType as T;

    fn values(x: &Extraction) -> Vec<(String, String)> {
        x.values.iter().map(|e| (e.indicator_type.type_name().to_owned(), e.value.clone())).collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn a_report_yields_every_type_refanged_and_normalised() {
        // Hand-written: a vendor report's prose with defanged and plain values.
        let report = "Summary: the actor (APT Demo) used hxxps://Evil[.]Example[.]COM:443/login.php?id=7 and\n\
            http://198.51.100.7:8080/x, then beaconed to 203.0.113.9 and 2001:DB8:0:0:0:0:0:1.\n\
            Infrastructure: c2[.]bad-domain[.]net, 10[.]12[.]0[.]0/16, AS64500 and asn64501.\n\
            Phishing from attacker[@]mail[.]evil[.]test (see mailto:Ops@Phish.Example).\n\
            Dropper d41d8cd98f00b204e9800998ecf8427e, sha1 DA39A3EE5E6B4B0D3255BFEF95601890AFD80709,\n\
            sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 (invoice.pdf, setup.exe).\n\
            Version 1.2.3 and e.g. are not indicators; neither is 999.1.1.1 nor 010.1.1.1.";
        let x = Extractor::default().extract(report);
        assert_eq!(
            values(&x),
            pairs(&[
                ("URL", "https://evil.example.com/login.php?id=7"),
                ("URL", "http://198.51.100.7:8080/x"),
                ("Address", "203.0.113.9"),
                ("Address", "2001:db8::1"),
                ("Host", "c2.bad-domain.net"),
                ("CIDR", "10.12.0.0/16"),
                ("ASN", "ASN64500"),
                ("ASN", "ASN64501"),
                ("EmailAddress", "attacker@mail.evil.test"),
                ("EmailAddress", "Ops@phish.example"),
                ("File", "D41D8CD98F00B204E9800998ECF8427E"),
                ("File", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"),
                ("File", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
            ])
        );
        assert_eq!((x.duplicates, x.over_limit, x.too_long, x.not_in_instance), (0, 0, 0, 0));
    }

    #[test]
    fn duplicates_fold_across_spellings() {
        let x = Extractor::default().extract("evil.example\nEVIL.EXAMPLE.\nevil[.]example\nhxxp://evil.example:80/a http://EVIL.example/a\n");
        assert_eq!(values(&x), pairs(&[("Host", "evil.example"), ("URL", "http://evil.example/a")]));
        assert_eq!((x.values[0].occurrences, x.values[1].occurrences, x.duplicates), (3, 2, 3));
        assert_eq!((x.values[0].first_line, x.values[1].first_line), (1, 4));
    }

    #[test]
    fn labelled_lines_carry_the_types_without_a_pattern() {
        let defs: Vec<IndicatorTypeDef> =
            serde_json::from_str::<serde_json::Value>(include_str!("../../../tests/fixtures/threatconnect-docs/v2__indicators__retrieve__1.json"))
                .unwrap()["response"]["data"]["indicatorType"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| IndicatorTypeDef::read(v, "t", "indicatorType").unwrap())
                .collect();
        let mut with_hashtag = defs.clone();
        with_hashtag.push(
            IndicatorTypeDef::read(
                &serde_json::json!({"name": "Hashtag", "custom": "true", "apiBranch": "hashtags", "apiEntity": "hashtag", "value1Label": "Tag Text"}),
                "t",
                "indicatorType",
            )
            .unwrap(),
        );
        let paste = "Mutex: Global\\DemoBear_0015\nuser-agent = Mozilla/5.0 (DemoBear 7; rv:97.0)\nHashtag: #evil\ntag text: #other\nmutex:\n";
        assert_eq!(
            values(&Extractor::new(&with_hashtag).extract(paste)),
            pairs(&[
                ("Mutex", "Global\\DemoBear_0015"),
                ("User Agent", "Mozilla/5.0 (DemoBear 7; rv:97.0)"),
                ("Hashtag", "#evil"),
                ("Hashtag", "#other")
            ])
        );
        // The documented instance has no custom Hashtag type: that line is prose (and holds no value).
        let x = Extractor::new(&defs).extract(paste);
        assert_eq!(values(&x).len(), 2);
    }

    #[test]
    fn types_the_instance_lacks_are_counted_not_kept() {
        let host_only =
            [IndicatorTypeDef::read(&serde_json::json!({"name": "Host", "apiBranch": "hosts", "apiEntity": "host"}), "t", "indicatorType").unwrap()];
        let x = Extractor::new(&host_only).extract("a.example 10.0.0.1 AS1");
        assert_eq!(values(&x), pairs(&[("Host", "a.example")]));
        assert_eq!(x.not_in_instance, 2);
    }

    #[test]
    fn ten_thousand_distinct_values_are_kept_and_the_rest_counted() {
        let text: String = (0..10_005u32).map(|i| format!("10.{}.{}.{} ", i / 65_536, (i / 256) % 256, i % 256)).collect();
        let x = Extractor::default().extract(&text);
        assert_eq!((x.values.len(), x.over_limit), (MAX_VALUES, 5));
        assert_eq!(x.values[9_999].value, "10.0.39.15");
    }

    #[test]
    fn exports_and_near_misses() {
        for (token, want) in [
            ("src=10.1.2.3", Some((T::Address, "10.1.2.3"))),
            ("host:Evil.Example", Some((T::Host, "evil.example"))),
            ("(203.0.113.5)", Some((T::Address, "203.0.113.5"))),
            ("'evil.example'.", Some((T::Host, "evil.example"))),
            ("http://a.example/?q='x'", Some((T::Url, "http://a.example/?q='x'"))),
            ("[2001:db8::]", Some((T::Address, "2001:db8::"))),
            ("http://[2001:DB8::1]:443/a", Some((T::Url, "http://[2001:db8::1]:443/a"))),
            ("https://user@x.example:8443", Some((T::Url, "https://user@x.example:8443"))),
            ("xn--bcher-kva.example", Some((T::Host, "xn--bcher-kva.example"))),
            ("10.0.0.0/33", None),
            ("javascript://x.example", None),
            ("http://x.example:99999/", None),
            ("::", None),
            ("12:30", None),
            ("AS", None),
            ("AS99999999999", None),
            ("a..b.example", None),
            ("-a.example", None),
            ("report.docx", None),
            ("d41d8cd98f00b204e9800998ecf8427", None),
            ("<script>alert(1)</script>", None),
        ] {
            assert_eq!(classify(token), want.map(|(t, v)| (t, v.to_owned())), "{token}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_values_have_no_separator(s in "\\PC{0,200}") {
            let x = Extractor::default().extract(&s);
            for e in x.values.iter().filter(|e| !labelled_only(&e.indicator_type)) {
                proptest::prop_assert!(!e.value.is_empty() && !e.value.chars().any(is_separator), "{:?}", e);
            }
        }
    }
}

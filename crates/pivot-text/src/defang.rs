//! Defanging: indicator values shown so that nobody clicks or resolves them
//! by accident (`hxxps://evil[.]example/x`, `a[@]b[.]test`). Pure; the raw
//! value is always kept for the copy button and exports.

use threatconnect::IndicatorType;

/// The value as an analyst should see it. Only network-shaped types change;
/// hashes, mutexes, registry keys and the like are already harmless.
pub fn defang(kind: &IndicatorType, value: &str) -> String {
    match kind {
        IndicatorType::Address | IndicatorType::Cidr | IndicatorType::Host => dots(value),
        IndicatorType::EmailAddress => match value.rsplit_once('@') {
            Some((local, domain)) => format!("{local}[@]{}", dots(domain)),
            None => dots(value),
        },
        IndicatorType::Url => url(value),
        _ => value.to_owned(),
    }
}

fn dots(s: &str) -> String {
    s.replace('.', "[.]")
}

/// `http` becomes `hxxp` (also `https`, `ftp` as `fxp`), `://` is bracketed, and the dots of
/// the host are bracketed; the path, query and fragment are left readable.
fn url(value: &str) -> String {
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, value),
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(host_end);
    let mut out = String::with_capacity(value.len() + 8);
    if let Some(scheme) = scheme {
        let lower = scheme.to_ascii_lowercase();
        let fanged = if let Some(s) = lower.strip_prefix("http") {
            format!("hxxp{s}")
        } else if let Some(s) = lower.strip_prefix("ftp") {
            format!("fxp{s}")
        } else {
            scheme.to_owned()
        };
        out.push_str(&fanged);
        out.push_str("[://]");
    }
    out.push_str(&dots(authority));
    out.push_str(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_values_are_defanged() {
        let cases = [
            (IndicatorType::Address, "10.1.2.3", "10[.]1[.]2[.]3"),
            (IndicatorType::Address, "2001:db8::1", "2001:db8::1"),
            (IndicatorType::Cidr, "10.0.0.0/8", "10[.]0[.]0[.]0/8"),
            (IndicatorType::Host, "bad.example.com", "bad[.]example[.]com"),
            (IndicatorType::EmailAddress, "a.b@evil.test", "a.b[@]evil[.]test"),
            (IndicatorType::Url, "https://evil.test/a.php?x=1.2#f.g", "hxxps[://]evil[.]test/a.php?x=1.2#f.g"),
            (IndicatorType::Url, "HTTP://evil.test", "hxxp[://]evil[.]test"),
            (IndicatorType::Url, "ftp://files.evil.test/x", "fxp[://]files[.]evil[.]test/x"),
            (IndicatorType::Url, "evil.test/path", "evil[.]test/path"),
            (IndicatorType::Url, "javascript:alert(1)", "javascript:alert(1)"),
            (IndicatorType::File, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"),
            (IndicatorType::Custom("Hashtag".into()), "#a.b", "#a.b"),
        ];
        for (kind, raw, want) in cases {
            assert_eq!(defang(&kind, raw), want, "{kind} {raw}");
        }
    }

    #[test]
    fn defanged_urls_are_not_links() {
        for raw in ["http://x.test", "https://a.b.c/d", "HTTPS://X.TEST:8443/"] {
            let d = defang(&IndicatorType::Url, raw).to_ascii_lowercase();
            assert!(!d.contains("http") && !d.replace("[://]", "").contains("://"), "{d}");
        }
    }
}

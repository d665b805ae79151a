//! Refanging: what an analyst types or pastes into a search box or a list filter,
//! back to the value ThreatConnect stores. Reports, chats and Pivot itself show
//! values defanged ([`crate::defang`]); pasting one must find the value. Pure.
//!
//! The forms undone, case-insensitively, each with or without spaces inside or
//! around the brackets:
//!
//! | written                                   | read as |
//! |-------------------------------------------|---------|
//! | `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` | `.`     |
//! | `[@]` `(@)` `{@}` `[at]` `(at)` `{at}`    | `@`     |
//! | `[:]` `(:)` `{:}`                         | `:`     |
//! | `[://]` `(://)` `{://}`                   | `://`   |
//! | `[/]` `(/)` `{/}`                         | `/`     |
//! | `hxxp` `hxxps` `hXXp` `hXXps` `hxtp` `hxxxp` before `://` | `http`, `https` |
//! | `fxp` `fxps` before `://`                 | `ftp`, `ftps` |
//!
//! Anything else is left as typed (so `(at)` in prose is read as `@` only when
//! bracketed; a bare `dot` or `at` is never changed).

/// The bracketed forms and what they stand for, the longest first.
const BRACKETED: [(&str, &str); 6] = [("://", "://"), ("dot", "."), ("at", "@"), (".", "."), ("@", "@"), (":", ":")];
const SLASH: (&str, &str) = ("/", "/");
const PAIRS: [(char, char); 3] = [('[', ']'), ('(', ')'), ('{', '}')];

/// Defanged text back to the value: see the module's table for the forms.
pub fn refang(text: &str) -> String {
    let text = unbracket(text.trim());
    schemes(&text)
}

/// The text with a short note when refanging changed it: `Some(refanged)` or `None` when
/// `text` was already plain (so the screen can say what it searched for).
pub fn refanged(text: &str) -> Option<String> {
    let r = refang(text);
    (r != text.trim()).then_some(r)
}

/// A bracketed form starting at `s` (which starts with an opening bracket): what it
/// stands for and its length in bytes, spaces inside and around included.
fn bracketed_at(s: &str) -> Option<(&'static str, usize)> {
    let open = s.chars().next()?;
    let close = PAIRS.iter().find(|(o, _)| *o == open)?.1;
    let inner_start = 1 + (s[1..].len() - s[1..].trim_start_matches(' ').len());
    let rest = &s[inner_start..];
    for (form, plain) in BRACKETED.iter().chain(std::iter::once(&SLASH)) {
        if rest.len() >= form.len() && rest.is_char_boundary(form.len()) && rest[..form.len()].eq_ignore_ascii_case(form) {
            let after = &rest[form.len()..];
            let spaces = after.len() - after.trim_start_matches(' ').len();
            if after[spaces..].starts_with(close) {
                return Some((plain, inner_start + form.len() + spaces + close.len_utf8()));
            }
        }
    }
    None
}

fn unbracket(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some((plain, len)) = bracketed_at(rest) {
            // Spaces before the form belong to it (`evil [.] com`).
            while out.ends_with(' ') {
                out.pop();
            }
            out.push_str(plain);
            i += len;
            let after = &text[i..];
            i += after.len() - after.trim_start_matches(' ').len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Defanged schemes before `://`: `hxxp`, `hxxps` (any case), `fxp`, `fxps`.
fn schemes(text: &str) -> String {
    const FORMS: [(&str, &str); 8] = [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("hxtps://", "https://"),
        ("hxtp://", "http://"),
        ("hxxxps://", "https://"),
        ("hxxxp://", "http://"),
        ("fxps://", "ftps://"),
        ("fxp://", "ftp://"),
    ];
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        let rest = &text[i..];
        // Only at the start of a word: `xhxxp://` is left alone.
        let at_word_start = out.chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
        if at_word_start {
            for (form, plain) in FORMS {
                if rest.len() >= form.len() && rest.is_char_boundary(form.len()) && rest[..form.len()].eq_ignore_ascii_case(form) {
                    out.push_str(plain);
                    i += form.len();
                    continue 'scan;
                }
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defang::defang;
    use threatconnect::IndicatorType;

    #[test]
    fn every_documented_form_is_undone() {
        let cases = [
            ("bad[.]example[.]com", "bad.example.com"),
            ("bad(.)example{.}com", "bad.example.com"),
            ("bad[dot]example(DOT)com{dot}net", "bad.example.com.net"),
            ("bad [.] example [ . ] com", "bad.example.com"),
            ("a.b[@]evil[.]test", "a.b@evil.test"),
            ("a(@)b{@}c[at]d(AT)e{at}f", "a@b@c@d@e@f"),
            ("hxxps://evil.example.net", "https://evil.example.net"),
            ("hXXp://evil.example.net/a.php", "http://evil.example.net/a.php"),
            ("HXXPS[://]evil[.]example[.]net/x", "https://evil.example.net/x"),
            ("hxxp[:]//evil[.]test", "http://evil.test"),
            ("hxxp(://)evil{.}test", "http://evil.test"),
            ("hxtp://a.test hxxxps://b.test", "http://a.test https://b.test"),
            ("fxp[://]files[.]evil[.]test/x", "ftp://files.evil.test/x"),
            ("fxps://x.test", "ftps://x.test"),
            ("http[:]//evil.test[/]path", "http://evil.test/path"),
            ("10[.]1[.]2[.]3", "10.1.2.3"),
            ("2001[:]db8[:][:]1", "2001:db8::1"),
            ("  203[.]0  ", "203.0"),
        ];
        for (typed, want) in cases {
            assert_eq!(refang(typed), want, "{typed}");
        }
    }

    #[test]
    fn plain_text_and_near_misses_are_left_as_typed() {
        for plain in [
            "bad.example.com",
            "dot at com",
            "[a]",
            "(x)",
            "mutex_[1]",
            "xhxxp://a",
            "hxxp:/a",
            "[.",
            "(",
            "[",
            "ünïcödé[",
            "é[.é",
            "HKEY_LOCAL_MACHINE\\Software",
            "d41d8cd98f00b204e9800998ecf8427e",
        ] {
            assert_eq!(refang(plain), plain, "{plain}");
            assert_eq!(refanged(plain), None, "{plain}");
        }
        assert_eq!(refanged(" bad[.]x "), Some("bad.x".to_owned()));
    }

    #[test]
    fn refang_undoes_pivots_own_defang() {
        let cases = [
            (IndicatorType::Address, "10.1.2.3"),
            (IndicatorType::Cidr, "10.0.0.0/8"),
            (IndicatorType::Host, "bad.example.com"),
            (IndicatorType::EmailAddress, "a.b@evil.test"),
            (IndicatorType::Url, "https://evil.test/a.php?x=1.2#f.g"),
            (IndicatorType::Url, "http://evil.test"),
            (IndicatorType::Url, "ftp://files.evil.test/x"),
        ];
        for (kind, raw) in cases {
            assert_eq!(refang(&defang(&kind, raw)), raw, "{kind} {raw}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_plain_dotted_text_is_kept(s in "\\PC{0,40}", host in "[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,10}){0,3}") {
            let _ = refang(&s);
            proptest::prop_assert_eq!(refang(&host), host.clone());
            proptest::prop_assert_eq!(refang(&defang(&IndicatorType::Host, &host)), host);
        }
    }
}

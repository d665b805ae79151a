//! The API origin is pinned: `tcApiPath` may only name this page's own origin or one fixed
//! when the package was built, so no launch can send the token, or anything else, elsewhere.

use super::{error, shorten, ContextError};

/// API origins fixed when the package was built (`make package API_ORIGINS="https://api.example:8443"`),
/// separated by spaces: compiled in, and written into the pages' CSP `connect-src`. Nothing at run
/// time can add to them.
pub const BUILD_API_ORIGINS: &str = match option_env!("PIVOT_API_ORIGINS") {
    Some(origins) => origins,
    None => "",
};

/// What the browser's URL parser (`URL`, resolved against the page) made of `tcApiPath`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUrl {
    /// `https:` or `http:` (with the colon, as `URL.protocol` gives it).
    pub protocol: String,
    /// `URL.hostname`.
    pub hostname: String,
    /// `URL.origin`.
    pub origin: String,
    /// `URL.pathname`.
    pub pathname: String,
}

/// An address of this computer: `localhost`, 127.0.0.0/8 or `[::1]` (as `URL.hostname` spells them).
fn is_loopback(hostname: &str) -> bool {
    hostname.eq_ignore_ascii_case("localhost") || hostname == "[::1]" || hostname.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The API origin is pinned: `tcApiPath`, as the browser's URL parser resolved it, must be on
/// this page's own origin (how ThreatConnect serves Spaces apps, and how `make dev` proxies) or
/// on an origin fixed when the package was built, over https (http only on loopback). Returns
/// the absolute API URL to use. Whatever the query string says, it cannot widen that list.
pub fn pin_api_origin(api: &ParsedUrl, page_origin: &str, build_origins: &str) -> Result<String, ContextError> {
    const EXPECTED: &str =
        "the API of the ThreatConnect instance that serves Pivot (this page's origin, or an API origin set when the package was built)";
    let secure = api.protocol == "https:" || (api.protocol == "http:" && is_loopback(&api.hostname));
    if !secure {
        return Err(error(
            "tcApiPath",
            format!("names {} over {}, which is not https", shorten(&api.origin), api.protocol.trim_end_matches(':')),
            EXPECTED,
        ));
    }
    let mut allowed = std::iter::once(page_origin).chain(build_origins.split_ascii_whitespace());
    if !allowed.any(|o| o.eq_ignore_ascii_case(&api.origin)) {
        return Err(error("tcApiPath", format!("names {}, which is not where Pivot may send requests", shorten(&api.origin)), EXPECTED));
    }
    Ok(format!("{}{}", api.origin, api.pathname.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(protocol: &str, hostname: &str, origin: &str, pathname: &str) -> ParsedUrl {
        ParsedUrl { protocol: protocol.into(), hostname: hostname.into(), origin: origin.into(), pathname: pathname.into() }
    }

    #[test]
    fn the_api_origin_is_pinned() {
        let page = "https://app.tc.example";
        // The page's own origin, and an origin fixed at build time.
        assert_eq!(pin_api_origin(&parsed("https:", "app.tc.example", page, "/api"), page, ""), Ok("https://app.tc.example/api".into()));
        let api = parsed("https:", "api.tc.example", "https://api.tc.example:8443", "/api/");
        assert_eq!(pin_api_origin(&api, page, "https://api.tc.example:8443"), Ok("https://api.tc.example:8443/api".into()));
        assert_eq!(pin_api_origin(&api, page, "https://other.example https://api.tc.example:8443"), Ok("https://api.tc.example:8443/api".into()));
        // Anything else is refused, naming the parameter and the origin.
        for (api, build) in [
            (api.clone(), ""),
            (parsed("https:", "evil.example", "https://evil.example", "/api"), ""),
            // `/\evil.example/api` as a browser resolves it on this page.
            (parsed("https:", "evil.example", "https://evil.example", "/api"), "https://api.tc.example:8443"),
            (parsed("https:", "app.tc.example", "https://app.tc.example:444", "/api"), ""),
            (parsed("http:", "app.tc.example", "http://app.tc.example", "/api"), ""),
        ] {
            let e = pin_api_origin(&api, page, build).unwrap_err();
            assert_eq!(e.param, "tcApiPath");
            assert!(e.to_string().contains(&api.origin), "{e}");
        }
        // https only, except this computer (make dev, the tests).
        let local = "http://127.0.0.1:8080";
        for (host, origin) in [("127.0.0.1", local), ("localhost", "http://localhost:8080"), ("[::1]", "http://[::1]:8080")] {
            assert!(pin_api_origin(&parsed("http:", host, origin, "/api"), origin, "").is_ok(), "{origin}");
        }
        let e = pin_api_origin(&parsed("http:", "tc.example", "http://tc.example", "/api"), "http://tc.example", "").unwrap_err();
        assert!(e.problem.contains("not https"), "{e}");
        assert!(pin_api_origin(&parsed("http:", "127.0.0.2", "http://127.0.0.2:9", "/api"), local, "").is_err());
    }
}

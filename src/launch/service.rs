//! Service mode: Pivot served by its ThreatConnect API Service, opened at
//! `https://<instance>/api/services/<displayPath>/v<major>/?type=Host&value=bad.example.com&owner=Demo+Org`
//! (a group: `&id=<id>` instead of `&value=`).
//!
//! The mode is the page's path, never its query: a page under
//! `/api/services/<displayPath>/v<major>/` is in service mode whatever its query says, and any
//! other page reads its query as a Spaces launch whatever it says. No query value, fragment or
//! stored launch changes a page's path, so no link turns one mode into the other.
//!
//! In service mode the API is `<that prefix>/api` on the page's own origin (the service
//! forwards `/api/v2` and `/api/v3` under its path): nothing else can be named. No token is
//! read, kept or sent: ThreatConnect's front adds the analyst's session to each request and the
//! service adds that request's token to its API call. A query holding Spaces' parameters
//! (`tcToken`, `tcApiPath`, any `tc...`) or the app's params is refused rather than read. The
//! app params come from the page itself: the service writes them into
//! `<meta name="pivot-service-params">` as form-encoded pairs (`allowWriteBack=true&defaultOwner=...`).

use super::{decode_pairs, error, parse_bool, parse_context_type, parse_u64, shorten, take, take_nonblank};
use super::{is_token_key, ApiToken, AppParams, Context, ContextError, ContextType, Launch, SelectedItem};

/// The part of a page's path (`location.pathname`) that names the service,
/// `/api/services/<displayPath>/v<major>`, when the page is under it. The page itself must
/// follow a slash: the UI's files are named relative to it.
pub fn service_prefix(pathname: &str) -> Option<&str> {
    const ROOT: &str = "/api/services/";
    let mut parts = pathname.strip_prefix(ROOT)?.splitn(3, '/');
    let (display, version) = (parts.next()?, parts.next()?);
    parts.next()?;
    let display_ok = !display.is_empty() && display.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let version_ok = version.strip_prefix('v').is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
    (display_ok && version_ok).then(|| &pathname[..ROOT.len() + display.len() + 1 + version.len()])
}

const APP_PARAMS: [&str; 3] = ["defaultOwner", "allowWriteBack", "shareInstanceId"];
const ADDRESS: &str = "an address such as <service>/?type=Host&value=bad.example.com&owner=Demo+Org (a group: &id=)";

/// The launch of a page under `prefix` ([`service_prefix`]): the item from its own query
/// (`type`, `value` or `id`, `owner`), the app params from `page_params` (the service's
/// `<meta name="pivot-service-params">`; empty: none, so read-only).
pub fn parse_service_launch(prefix: &str, query: &str, page_params: &str) -> Result<Launch, ContextError> {
    let mut pairs = decode_pairs(query)?;
    if let Some((name, _)) = pairs.iter().find(|(n, _)| is_token_key(n) || n.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("tc"))) {
        return Err(error(&shorten(name), "is a Spaces parameter, which Pivot's service page does not read", ADDRESS));
    }
    if let Some((name, _)) = pairs.iter().find(|(n, _)| APP_PARAMS.contains(&n.as_str())) {
        return Err(error(name, "is set by the Pivot service's configuration, not by the address", ADDRESS));
    }
    let kind = take_nonblank(&mut pairs, "type");
    let owner = take_nonblank(&mut pairs, "owner");
    let (value, id) = (take_nonblank(&mut pairs, "value"), take_nonblank(&mut pairs, "id"));
    let selected = match (kind, value, id) {
        (None, None, None) => None,
        (None, ..) => return Err(error("type", "is missing", "the item's type, such as Host or Incident")),
        (Some(kind), value, id) => Some(match parse_context_type(&kind) {
            ContextType::Indicator(kind) => {
                let summary =
                    value.ok_or_else(|| error("value", format!("is missing for the {}", shorten(kind.type_name())), "the indicator's value"))?;
                SelectedItem::Indicator { kind, summary, owner }
            }
            ContextType::Group(kind) => {
                let expected = format!("the numeric id of the {}", kind.type_name());
                let id = parse_u64("id", id.as_deref().unwrap_or_default(), &expected)?;
                SelectedItem::Group { kind, id, owner }
            }
            ContextType::Unsupported(type_name) => {
                let value = value.or(id).ok_or_else(|| error("value", format!("is missing for the {type_name}"), "the item's value or id"))?;
                SelectedItem::Unsupported { type_name, value, owner }
            }
        }),
    };

    let mut params = decode_pairs(page_params)?;
    let allow_write_back = match take(&mut params, "allowWriteBack") {
        Some(v) => parse_bool("allowWriteBack", &v)?,
        None => false,
    };
    let params = AppParams {
        default_owner: take_nonblank(&mut params, "defaultOwner"),
        // The service does not serve the publish and import page, so has no instance id to give.
        share_instance_id: None,
        allow_write_back,
        other: Vec::new(),
    };
    Ok(Launch::Space(Context {
        space_element_id: None,
        api_path: format!("{prefix}/api"),
        token: ApiToken { token: String::new(), expires: None },
        service: true,
        selected,
        params,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::parse_launch;
    use threatconnect::{GroupType, IndicatorType};

    const PREFIX: &str = "/api/services/pivot/v1";

    fn service(query: &str, params: &str) -> Context {
        match parse_service_launch(PREFIX, query, params) {
            Ok(Launch::Space(c)) => c,
            other => panic!("{query}: expected a service context, got {other:?}"),
        }
    }

    #[test]
    fn the_mode_is_the_pages_path() {
        for (path, want) in [
            ("/api/services/pivot/v1/", Some("/api/services/pivot/v1")),
            ("/api/services/pivot/v1/index.html", Some("/api/services/pivot/v1")),
            ("/api/services/pivot/v1/publish-import.html", Some("/api/services/pivot/v1")),
            ("/api/services/Pivot_2-x/v12/a/b", Some("/api/services/Pivot_2-x/v12")),
            // Not the service's page: its files would not load from there.
            ("/api/services/pivot/v1", None),
            ("/api/services/pivot/", None),
            ("/api/services//v1/", None),
            ("/api/services/pivot/1/", None),
            ("/api/services/pivot/v/", None),
            ("/api/services/piv%2Fot/v1/", None),
            ("/api/services/../v1/", None),
            ("/API/services/pivot/v1/", None),
            ("/x/api/services/pivot/v1/", None),
            ("/appsvc/pivot/Pivot_v1/ui/index.html", None),
            ("/", None),
        ] {
            assert_eq!(service_prefix(path), want, "{path}");
        }
    }

    #[test]
    fn reads_the_item_from_the_address_and_the_params_from_the_page() {
        let c = service(
            "?type=Host&value=bad.example.com&owner=Demo+Org",
            "allowWriteBack=true&defaultOwner=Common%20Community&shareInstanceId=acme-prod",
        );
        assert!(c.service);
        assert_eq!(c.api_path, "/api/services/pivot/v1/api");
        assert_eq!(c.space_element_id, None);
        assert_eq!(c.token.token, "");
        assert_eq!(
            c.selected,
            Some(SelectedItem::Indicator { kind: IndicatorType::Host, summary: "bad.example.com".into(), owner: Some("Demo Org".into()) })
        );
        assert_eq!(c.params.default_owner.as_deref(), Some("Common Community"));
        // Not served there, so never read: the page offers no publishing.
        assert_eq!(c.params.share_instance_id, None);
        assert!(c.params.allow_write_back);

        let c = service("type=Incident&id=17", "");
        assert_eq!(c.selected, Some(SelectedItem::Group { kind: GroupType::Incident, id: 17, owner: None }));
        assert_eq!(c.params, AppParams::default(), "no params on the page: read-only, no owner");
        let c = service("type=URL&value=http%3A%2F%2Fx.test%2Fa%3Fq%3D1%2B2", "allowWriteBack=false");
        assert!(
            matches!(c.selected, Some(SelectedItem::Indicator { kind: IndicatorType::Url, ref summary, .. }) if summary == "http://x.test/a?q=1+2")
        );
        let c = service("type=Tag&value=APT28", "");
        assert_eq!(c.selected, Some(SelectedItem::Unsupported { type_name: "Tag".into(), value: "APT28".into(), owner: None }));
        assert_eq!(service("", "").selected, None);
        assert_eq!(service("?theme=dark", "").selected, None);
    }

    /// No address turns a service page into a Spaces launch: a token, an API path or an app
    /// param in its query is refused, never read, and the refusal does not quote the token.
    #[test]
    fn a_service_page_reads_no_spaces_parameter() {
        for query in [
            "tcToken=SECRET&type=Host&value=a.test",
            "type=Host&value=a.test&tcApiPath=https%3A%2F%2Fevil.example%2Fapi",
            "tcSpaceElementId=4&type=Host&value=a.test",
            "TCTOKEN=SECRET",
            "tc%54oken=SECRET",
            "apiToken=SECRET",
            "TcType=Host",
            "allowWriteBack=true&type=Host&value=a.test",
            "shareInstanceId=evil&type=Host&value=a.test",
            "defaultOwner=Evil",
        ] {
            let e = parse_service_launch(PREFIX, query, "").expect_err(query);
            assert!(!e.to_string().contains("SECRET"), "{query}: {e}");
        }
        // The same Spaces query elsewhere is a Spaces launch, as before.
        assert!(matches!(parse_launch("tcToken=t&tcApiPath=%2Fapi&tcType=Host&tcSelectedItem=a.test"), Ok(Launch::Space(c)) if !c.service));
    }

    #[test]
    fn malformed_addresses_name_what_is_wrong() {
        for (query, param, problem) in [
            ("value=a.test", "type", "missing"),
            ("type=Host", "value", "missing"),
            ("type=Incident&value=17", "id", "\"\""),
            ("type=Incident&id=abc", "id", "\"abc\""),
            ("type=Incident&id=99999999999999999999999", "id", "too large"),
            ("type=Host&value=a%ZZ", "value", "percent-escape"),
            ("type=Host&value=a&value=b", "value", "twice"),
        ] {
            let e = parse_service_launch(PREFIX, query, "").expect_err(query);
            assert_eq!(e.param, param, "{query}: {e}");
            assert!(e.problem.contains(problem), "{query}: {e}");
        }
        let e = parse_service_launch(PREFIX, "", "allowWriteBack=maybe").expect_err("a bad param");
        assert_eq!(e.param, "allowWriteBack");
    }
}

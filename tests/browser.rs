//! Component tests in headless Chromium (`make test-browser`).
#![cfg(all(target_arch = "wasm32", feature = "ui"))]

use pivot::ui::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mount the whole app as if ThreatConnect had opened it with `query`.
/// Returns the container; the app stays mounted for the test's assertions.
fn mount_app_with(query: &str) -> web_sys::HtmlElement {
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{query}"))).unwrap();
    // Each test is its own launch: forget the one a previous test stored.
    window.session_storage().unwrap().unwrap().clear().unwrap();
    let document = window.document().unwrap();
    let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), App).forget();
    container
}

fn text_of(root: &web_sys::HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector} in: {}", root.inner_html()))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn shows_the_item_it_was_opened_on() {
    let root =
        mount_app_with("?tcSpaceElementId=7&tcToken=T&tcApiPath=%2Fapi&tcType=host&tcSelectedItem=bad.example.com&tcSelectedItemOwner=Demo+Org");
    assert_eq!(text_of(&root, "[data-field=type]"), "Host");
    // Shown defanged; the copy button gives the raw value.
    assert_eq!(text_of(&root, "[data-field=value]"), "bad[.]example[.]com");
    assert_eq!(text_of(&root, "[data-field=owner]"), "Demo Org");
    assert!(root.query_selector("[data-screen=unsupported]").unwrap().is_none());
}

#[wasm_bindgen_test]
fn a_broken_query_string_says_which_parameter_and_what_was_expected() {
    let root = mount_app_with("?tcToken=T&tcApiPath=%2Fapi&tcType=Incident&tcSelectedItem=abc");
    assert_eq!(text_of(&root, ".error-param"), "tcSelectedItem");
    let message = text_of(&root, ".error-message");
    assert!(message.contains("\"abc\"") && message.contains("numeric id of the Incident"), "{message}");
}

#[wasm_bindgen_test]
fn no_context_shows_the_start_screen() {
    let root = mount_app_with("?");
    assert!(root.query_selector("[data-screen=start]").unwrap().is_some(), "{}", root.inner_html());
}

#[wasm_bindgen_test]
fn a_context_type_without_a_panel_says_not_supported_yet() {
    let root = mount_app_with("?tcToken=T&tcApiPath=%2Fapi&tcType=Victim&tcSelectedItem=5");
    assert!(text_of(&root, "[data-screen=unsupported]").contains("no panel for Victim"));
    // A tag is shown as the items that carry it.
    let root = mount_app_with("?tcToken=T&tcApiPath=%2Fapi&tcType=Tag&tcSelectedItem=APT28");
    assert_eq!(text_of(&root, ".tag-panel [data-field=value]"), "APT28");
}

#[wasm_bindgen_test]
fn hostile_values_are_rendered_as_text() {
    let payload = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>";
    let encoded: String = payload.bytes().map(|b| format!("%{b:02X}")).collect();
    let root = mount_app_with(&format!("?tcToken=T&tcApiPath=%2Fapi&tcType=Mutex&tcSelectedItem={encoded}&tcSelectedItemOwner={encoded}"));
    assert_eq!(text_of(&root, "[data-field=value]"), payload);
    assert_eq!(text_of(&root, "[data-field=owner]"), payload);
    assert!(root.query_selector("img, script").unwrap().is_none(), "{}", root.inner_html());
}

/// The browser transport over a real `fetch`: any status is an answer (gloo-net
/// does not make non-2xx an error; the client reads the status), and a request
/// that outlives its timeout is aborted as a timeout.
mod transport {
    use super::*;
    use threatconnect::browser::{read_counted, spaces_client, BrowserTransport};
    use threatconnect::{Error, HttpRequest, Transport, TransportError};

    fn origin() -> String {
        web_sys::window().unwrap().location().origin().unwrap()
    }

    #[wasm_bindgen_test]
    async fn a_404_is_an_answer_not_a_transport_error() {
        let answer = BrowserTransport::new(&origin()).send(HttpRequest::get("/no/such/path")).await.unwrap();
        assert_eq!(answer.status, 404);
    }

    #[wasm_bindgen_test]
    async fn the_client_turns_a_404_into_an_http_error() {
        let client = spaces_client(&format!("{}/api", origin()), "T", None);
        let err = client.json(HttpRequest::get("/v3/nothing")).await.unwrap_err();
        assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
    }

    /// A stream of `n` zero bytes, as the browser delivers a body.
    fn stream_of(n: u32) -> web_sys::ReadableStream {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::new_with_length(n));
        web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap().stream()
    }

    #[wasm_bindgen_test]
    async fn a_body_is_counted_while_it_streams_and_refused_past_its_limit() {
        const MIB: u32 = 1 << 20;
        assert_eq!(read_counted(&stream_of(3 * MIB), u64::from(MIB)).await.unwrap_err(), TransportError::TooLarge { limit: u64::from(MIB) });
        assert_eq!(read_counted(&stream_of(MIB), u64::from(MIB)).await.unwrap().len(), MIB as usize, "exactly the limit is read whole");
        assert_eq!(read_counted(&stream_of(MIB + 1), u64::from(MIB)).await.unwrap_err(), TransportError::TooLarge { limit: u64::from(MIB) });
        // Through fetch: the test server's page over a 10-byte limit.
        let t = BrowserTransport::new(&origin());
        let err = t.send(HttpRequest::get("/").response_limit(10)).await.unwrap_err();
        assert_eq!(err, TransportError::TooLarge { limit: 10 });
    }

    #[wasm_bindgen_test]
    async fn a_request_that_takes_too_long_times_out() {
        // A zero timeout fires before any fetch can answer.
        let t = BrowserTransport::new(&origin()).with_timeout(0);
        assert_eq!(t.send(HttpRequest::get("/no/such/path")).await.unwrap_err(), TransportError::Timeout);
    }
}

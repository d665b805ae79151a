//! Files the analyst downloads: a Blob behind a temporary link.

/// Offer text as a file download.
pub fn download(name: &str, mime: &str, text: &str) {
    download_bytes(name, &format!("{mime};charset=utf-8"), text.as_bytes());
}

/// Offer bytes as a file download named `name`: a Blob behind a temporary
/// link, clicked. (A Blob, not a `data:` URL: no base64 or percent-encoding
/// of a whole document in the wasm, and no URL length limit.)
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) {
    thread_local! {
        // The previous download's object URL, released at the next one (the
        // browser reads it after the click returns, so not at once).
        static LAST: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(old) = LAST.with(|l| l.replace(Some(url.clone()))) {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
    let Ok(a) = document.create_element("a") else { return };
    let _ = a.set_attribute("href", &url);
    let _ = a.set_attribute("download", name);
    if let Some(body) = document.body() {
        let _ = body.append_child(&a);
        if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
            el.click();
        }
        a.remove();
    }
}

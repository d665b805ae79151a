//! The publish and import page (`publish-import.html`): its own wasm, so the panels'
//! first load does not carry Cross-Intel Sharing.
fn main() {
    pivot::ui::start_publish_import();
}

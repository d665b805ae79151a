//! The Cross-Intel Sharing page (`share.html`): its own wasm, so the panels'
//! first load does not carry it.
fn main() {
    pivot::ui::start_sharing();
}

//! The triage page (`triage.html`): its own wasm, so the panels' first load does not carry
//! the extraction, the bulk lookup, the owners' comparison or the STIX export.
fn main() {
    pivot::ui::start_triage();
}

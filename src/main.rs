//! Mount the app; nothing else.
fn main() {
    pivot::ui::start();
}

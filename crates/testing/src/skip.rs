//! The one way a test says it cannot run.

/// A test that cannot run: a failure under `CI=true` (`make test` sets it, and CI
/// does), a loud `SKIPPED: reason` on stderr otherwise. Never a silent pass.
pub fn skip(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("cannot run: {reason} (a skip is a failure when CI=true)");
    }
    eprintln!("SKIPPED: {reason}");
}

//! The service's log on stderr (ThreatConnect keeps a service's output as its log), one
//! line each, at the level `tc_log_level` sets and LoggingChange changes. Never a token,
//! a password or a header's value.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warning = 3,
    Error = 4,
}

impl Level {
    /// tcex's level names (`TRACE`, `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`), any case.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trace" => Some(Level::Trace),
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warning),
            "error" | "critical" => Some(Level::Error),
            _ => None,
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::SeqCst);
}

pub fn enabled(level: Level) -> bool {
    level as u8 >= LEVEL.load(Ordering::SeqCst)
}

pub fn at(level: Level, message: &str) {
    if enabled(level) {
        eprintln!("pivot-service {:?}: {message}", level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_tcex_names_and_logging_change() {
        assert_eq!(Level::parse("DEBUG"), Some(Level::Debug));
        assert_eq!(Level::parse("critical"), Some(Level::Error));
        assert_eq!(Level::parse("loud"), None);
        set_level(Level::Warning);
        assert!(!enabled(Level::Info));
        assert!(enabled(Level::Error));
        set_level(Level::Debug);
        assert!(enabled(Level::Debug));
        set_level(Level::Info);
    }
}

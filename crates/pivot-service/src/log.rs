//! The service's log, one line each, at the level `tc_log_level` sets and LoggingChange
//! changes: in the file tcex writes (`tc_log_path`/`tc_log_file`, where ThreatConnect shows
//! an App's logs), rotated as tcex's `RotatingFileHandlerCustom` rotates it, and on stderr.
//! Never a token, a password or a header's value.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

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

/// tcex's level names as its formatter writes them (`%(levelname)8s`).
fn level_name(level: Level) -> &'static str {
    match level {
        Level::Trace => "TRACE",
        Level::Debug => "DEBUG",
        Level::Info => "INFO",
        Level::Warning => "WARNING",
        Level::Error => "ERROR",
    }
}

/// The open log file: Python's `RotatingFileHandler` with tcex's gzip namer and rotator.
struct FileSink {
    path: PathBuf,
    file: std::fs::File,
    size: u64,
    max_bytes: u64,
    backup_count: u32,
}

static FILE: Mutex<Option<FileSink>> = Mutex::new(None);

fn sink() -> std::sync::MutexGuard<'static, Option<FileSink>> {
    FILE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Opens (appends to) the log file, creating its folder as tcex does. On failure the
/// service logs on stderr only, and says why.
pub fn open_file(path: &Path, max_bytes: u64, backup_count: u32) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the log folder {} ({})", dir.display(), e.kind()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open the log file {} ({})", path.display(), e.kind()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    *sink() = Some(FileSink { path: path.to_path_buf(), file, size, max_bytes, backup_count });
    Ok(())
}

/// `<name>.<i>.gz`, tcex's `custom_gzip_namer` applied to Python's `<name>.<i>`.
fn backup_name(path: &Path, i: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{i}.gz"));
    PathBuf::from(s)
}

impl FileSink {
    /// Python's `shouldRollover`: the record would take the file to `maxBytes` or over.
    fn should_roll(&self, record: usize) -> bool {
        self.max_bytes > 0 && self.backup_count > 0 && self.size > 0 && self.size + record as u64 >= self.max_bytes
    }

    /// Python's `doRollover` with tcex's rotator: `.i.gz` -> `.(i+1).gz`, the file gzipped
    /// to `.1.gz` and removed, a new file opened.
    fn roll(&mut self) -> std::io::Result<()> {
        for i in (1..self.backup_count).rev() {
            let from = backup_name(&self.path, i);
            if from.exists() {
                std::fs::rename(&from, backup_name(&self.path, i + 1))?;
            }
        }
        let dest = backup_name(&self.path, 1);
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&dest)?, flate2::Compression::default());
        std::io::copy(&mut std::fs::File::open(&self.path)?, &mut gz)?;
        gz.finish()?;
        std::fs::remove_file(&self.path)?;
        self.file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }

    fn write(&mut self, line: &str) {
        if self.should_roll(line.len()) {
            if let Err(e) = self.roll() {
                eprintln!("pivot-service WARNING: cannot rotate the log file ({})", e.kind());
            }
        }
        if self.file.write_all(line.as_bytes()).is_ok() {
            self.size += line.len() as u64;
        }
    }
}

/// Now as `YYYY-MM-DD HH:MM:SS,mmm` (UTC), the shape of tcex's `%(asctime)s`.
fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let (secs, ms) = (now.as_secs(), now.subsec_millis());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{ms:03}", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

pub fn at(level: Level, message: &str) {
    if enabled(level) {
        eprintln!("pivot-service {:?}: {message}", level);
        if let Some(f) = sink().as_mut() {
            f.write(&format!("{} - pivot-service - {:>8} - {message}\n", timestamp(), level_name(level)));
        }
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

    #[test]
    fn timestamps_are_civil_dates() {
        let t = timestamp();
        // `YYYY-MM-DD HH:MM:SS,mmm`, and the year is this century's.
        assert_eq!(t.len(), 23, "{t}");
        assert!(t.starts_with("20") && &t[4..5] == "-" && &t[10..11] == " " && &t[19..20] == ",", "{t}");
    }

    /// Rotation as Python's RotatingFileHandler with tcex's namer: the file reaching
    /// `max_bytes` becomes `.1.gz`, the older one `.2.gz`, at most `backup_count` kept.
    #[test]
    fn the_file_rotates_to_gzip_backups() {
        let dir = std::env::temp_dir().join(format!("pivot-service-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("logs").join("app.log");
        std::fs::create_dir_all(path.parent().unwrap_or(&dir)).expect("dir");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("open");
        let mut f = FileSink { path: path.clone(), file, size: 0, max_bytes: 100, backup_count: 2 };
        for i in 0..9 {
            f.write(&format!("{i:039}\n")); // 40 bytes: two lines a file
        }
        let gunzip = |p: PathBuf| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(p).expect("backup")), &mut s).expect("gzip");
            s
        };
        assert_eq!(std::fs::read_to_string(&path).expect("log"), format!("{:039}\n", 8));
        assert_eq!(gunzip(backup_name(&path, 1)), format!("{:039}\n{:039}\n", 6, 7));
        assert_eq!(gunzip(backup_name(&path, 2)), format!("{:039}\n{:039}\n", 4, 5));
        assert!(!backup_name(&path, 3).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

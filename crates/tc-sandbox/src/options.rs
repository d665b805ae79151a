//! The sandbox's options: the command line of `tc-sandbox`, and what a test passes to [`crate::Server::start`].

use std::path::PathBuf;

/// The data a new (or `--reset`) database is seeded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// The demo data (`--seed demo`, the default): the well-known items of the README.
    Demo,
    /// The three owners only (`--seed empty`), e.g. a receiving instance.
    Empty,
}

impl Seed {
    /// The name on the command line and in the database: `demo` or `empty`.
    pub fn as_str(self) -> &'static str {
        match self {
            Seed::Demo => "demo",
            Seed::Empty => "empty",
        }
    }
}

/// Everything `tc-sandbox` takes on its command line, with the same defaults. `Debug`
/// never shows the secret key.
#[derive(Clone)]
pub struct Options {
    /// `--listen IP:PORT`: loopback only (`localhost:PORT` is accepted); port 0 picks a free port.
    pub listen: String,
    /// `--access-id ID`: the HMAC access id.
    pub access_id: String,
    /// `--secret-key KEY`: the HMAC secret.
    pub secret_key: String,
    /// `--db PATH`: the SQLite state, created (with its folder) and seeded when absent.
    pub db: PathBuf,
    /// `--seed demo|empty`.
    pub seed: Seed,
    /// `--reset`: wipe and re-seed.
    pub reset: bool,
    /// `--token-ttl SECONDS`: lifetime of issued tokens (1 s to 10 years).
    pub token_ttl: i64,
    /// `--latency-ms N`: delay for every `/api` request (at most 600,000).
    pub latency_ms: u64,
    /// `--jitter-ms N`: uniform 0..N more, drawn from the fault seed (at most 600,000).
    pub jitter_ms: u64,
    /// `--fault-seed N`: seed for fault probabilities and jitter, so runs repeat.
    pub fault_seed: u64,
    /// `--help` or `-h` was given: the caller prints [`USAGE`] and exits 0 (parsing stops there).
    pub help: bool,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("listen", &self.listen)
            .field("access_id", &self.access_id)
            .field("secret_key", &"<redacted>")
            .field("db", &self.db)
            .field("seed", &self.seed)
            .field("reset", &self.reset)
            .field("token_ttl", &self.token_ttl)
            .field("latency_ms", &self.latency_ms)
            .field("jitter_ms", &self.jitter_ms)
            .field("fault_seed", &self.fault_seed)
            .field("help", &self.help)
            .finish()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: "127.0.0.1:0".into(),
            access_id: "pivot-dev".into(),
            secret_key: "pivot-dev-secret".into(),
            db: "target/sandbox/sandbox.db".into(),
            seed: Seed::Demo,
            reset: false,
            token_ttl: 14_400,
            latency_ms: 0,
            jitter_ms: 0,
            fault_seed: 1,
            help: false,
        }
    }
}

/// The one-line usage `--help` prints (and an unknown flag's error ends with).
pub const USAGE: &str = "usage: tc-sandbox [--listen 127.0.0.1:PORT] [--access-id ID] [--secret-key KEY] [--db PATH] \
[--seed demo|empty] [--reset] [--token-ttl SECONDS] [--latency-ms N] [--jitter-ms N] [--fault-seed N]";

impl Options {
    /// Parses the command line after the program name: `--flag value` or `--flag=value`.
    /// The error is the message `tc-sandbox` prints after `tc-sandbox: ` before exiting with 2.
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut c = Options::default();
        let mut args = args;
        while let Some(a) = args.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (a.clone(), None),
            };
            if flag == "--reset" {
                c.reset = true;
                continue;
            }
            if flag == "--help" || flag == "-h" {
                c.help = true;
                return Ok(c);
            }
            let val = match inline {
                Some(v) => v,
                None => args.next().ok_or_else(|| format!("missing value for {}", flag))?,
            };
            let num = |v: &str| v.parse::<u64>().map_err(|_| format!("{} needs a number, got {:?}", flag, v));
            match flag.as_str() {
                "--listen" => c.listen = val,
                "--access-id" => c.access_id = val,
                "--secret-key" => c.secret_key = val,
                "--db" => c.db = val.into(),
                "--seed" => {
                    c.seed = match val.as_str() {
                        "demo" => Seed::Demo,
                        "empty" => Seed::Empty,
                        _ => return Err("--seed must be demo or empty".into()),
                    }
                }
                "--token-ttl" => c.token_ttl = num(&val)?.clamp(1, 10 * 365 * 86_400) as i64,
                "--latency-ms" => c.latency_ms = num(&val)?.min(600_000),
                "--jitter-ms" => c.jitter_ms = num(&val)?.min(600_000),
                "--fault-seed" => c.fault_seed = num(&val)?,
                _ => return Err(format!("unknown flag {}\n{}", flag, USAGE)),
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::from_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn flags_defaults_and_messages() {
        let d = parse(&[]).unwrap();
        assert_eq!((d.listen.as_str(), d.access_id.as_str(), d.secret_key.as_str()), ("127.0.0.1:0", "pivot-dev", "pivot-dev-secret"));
        assert_eq!((d.db, d.seed, d.reset, d.token_ttl), ("target/sandbox/sandbox.db".into(), Seed::Demo, false, 14_400));
        assert_eq!((d.latency_ms, d.jitter_ms, d.fault_seed, d.help), (0, 0, 1, false));
        let o = parse(&["--seed=empty", "--reset", "--db", "x.db", "--token-ttl", "0", "--latency-ms=900000", "--fault-seed", "7"]).unwrap();
        assert_eq!((o.seed, o.reset, o.db, o.token_ttl, o.latency_ms, o.fault_seed), (Seed::Empty, true, "x.db".into(), 1, 600_000, 7));
        // --help stops parsing: what follows it is not read.
        assert!(parse(&["--seed", "empty", "-h", "--bogus"]).unwrap().help);
        assert_eq!(parse(&["--seed", "other"]).unwrap_err(), "--seed must be demo or empty");
        assert_eq!(parse(&["--db"]).unwrap_err(), "missing value for --db");
        assert_eq!(parse(&["--jitter-ms", "x"]).unwrap_err(), "--jitter-ms needs a number, got \"x\"");
        assert_eq!(parse(&["--bogus", "1"]).unwrap_err(), format!("unknown flag --bogus\n{USAGE}"));
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let o = parse(&["--access-id", "id-1", "--secret-key", "PLANTED-sandbox-secret"]).unwrap();
        let d = format!("{o:?}");
        assert!(!d.contains("PLANTED-sandbox-secret") && d.contains("<redacted>") && d.contains("id-1"), "{d}");
    }
}

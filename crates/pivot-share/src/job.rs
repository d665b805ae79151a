//! Job mode: `pivot-share` as ThreatConnect runs a Job app (the package's `run.py` execs
//! it with ThreatConnect's arguments and environment unchanged).
//!
//! - Inputs (`inputs.rs`): ThreatConnect's job arguments (`tc_api_path`, `tc_token` +
//!   `tc_token_expires` or the job's API user `tc_api_access_id` / `tc_api_secret_key`,
//!   `tc_log_path`, `tc_log_level`, `tc_out_path`, `tc_temp_path`, `tc_proxy_*`) and the
//!   params by their install.json names (`job/install.json`), from argv or the encrypted
//!   params file. The target is this ThreatConnect (`tc_api_path`); the source is the
//!   params' Source API URL with its API user. The token is renewed ahead of expiry by the
//!   client (as tcex does, 600 s before), and every client of the run sees the new one.
//! - Results as ThreatConnect shows them: `message.tc` in `tc_out_path` (one line, control
//!   characters escaped, at most 255 characters: tcex `exit/exit.py` `_message_tc`), the log
//!   in `tc_log_path/app.log` (and on stderr), and the exit code: 0 success (also a run
//!   skipped because another run holds a valid pull lease), 3 partial failure (some packages
//!   failed), 1 failure (nothing ran: bad configuration, credentials refused, no answer, a
//!   pull lease held for more than `MAX_HELD_PERIODS` lease lengths). An invalid lease
//!   record is taken over and named in the message.

use crate::inputs::{self, Inputs};
use crate::net::{self, ApiUser, Proxy};
use crate::pull::{host_name, monotonic_ms, pull_once, run_async, watch_lease};
use pivot_text::escape::escape_controls;
use sharing::exec::{ExecError, ImportOptions, Level, PullOptions, PullSummary};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use threatconnect::native::system_clock;
use threatconnect::time::rfc3339;
use threatconnect::{Credentials, Error as TcError, SecretKey};

/// Boolean inputs: on argv a bare flag means true.
const BOOLEANS: &[&str] = &["replace_labels", "adopt_existing", "tc_proxy_tc", "tc_proxy_external", "tc_verify", "tc_log_to_api", "tc_log_curl"];
/// The secret inputs, whose values [`redact`] also takes out of any message (defence in
/// depth: what the log shows of the inputs is [`inputs::SHOWN`]'s allow-list).
const SECRETS: &[&str] = &["source_secret_key", "tc_token", "tc_api_secret_key", "api_secret_key", "tc_proxy_password"];
/// The longest exit message ThreatConnect shows.
pub const MESSAGE_MAX: usize = 255;

/// ThreatConnect's job convention: an explicit `job`, the params file in the environment,
/// or ThreatConnect's `--tc_*` arguments.
pub fn is_job(argv: &[String]) -> bool {
    argv.first().is_some_and(|a| a == "job")
        || std::env::var_os("TC_APP_PARAM_FILE").is_some_and(|f| !f.is_empty())
        || argv.iter().any(|a| a.starts_with("--tc_"))
}

/// `text` with every secret input's value and any token in a renewal URL's `expiredToken=`
/// (an error can quote the URL it failed on) replaced by `***`: defence in depth, since no
/// message is meant to hold one.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "***");
    }
    let mut from = 0;
    while let Some(i) = out[from..].find("expiredToken=") {
        let start = from + i + "expiredToken=".len();
        let end = out[start..].find(|c: char| c == '&' || c == ')' || c == ':' || c.is_whitespace()).map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "***");
        from = start + 3;
    }
    out
}

/// The exit message: one line, control characters escaped, cut to [`MESSAGE_MAX`]
/// characters (with an ellipsis, so a cut is visible).
pub fn exit_message(m: &str) -> String {
    let line = escape_controls(&m.replace("\r\n", " ").replace('\n', " ")).into_owned();
    if line.chars().count() <= MESSAGE_MAX {
        return line;
    }
    let mut cut: String = line.chars().take(MESSAGE_MAX - 1).collect();
    cut.push('…');
    cut
}

struct Log {
    level: Level,
    file: Mutex<Option<File>>,
    /// The secret inputs' values, never written out (see [`redact`]).
    secrets: Vec<String>,
}

impl Log {
    fn line(&self, l: Level, m: &str) {
        if l > self.level {
            return;
        }
        let line = format!("{} {} {}", rfc3339(system_clock()), l.as_str(), redact(&escape_controls(m), &self.secrets));
        eprintln!("{line}");
        if let Some(f) = self.file.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// tcex's level names (`trace`, `debug`, `info`, `warning`, `error`, `critical`).
fn level(s: &str) -> Option<Level> {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" | "fatal" => Some(Level::Error),
        other => Level::parse(other),
    }
}

/// The result: exit code and message.
struct Outcome(u8, String);

/// Runs the Job: its inputs, the pull, `message.tc`, the log and the exit code.
pub fn main(argv: &[String]) -> ExitCode {
    // The params file's name and key leave the environment first, so nothing later (a
    // library, a child process) can read the key. Safe to change the environment here:
    // `main` calls this before anything else, and no thread has started yet.
    let (param_file, param_key) = (inputs::take_env("TC_APP_PARAM_FILE"), inputs::take_env("TC_APP_PARAM_KEY"));
    let argv = if argv.first().is_some_and(|a| a == "job") { &argv[1..] } else { argv };
    let inputs = inputs::load(argv, param_file, param_key, BOOLEANS);
    let inputs = match inputs {
        Ok(i) => i,
        Err(e) => {
            // No out path known: message.tc in the working directory, as tcex does then.
            eprintln!("pivot-share job: {e}");
            write_message(None, &format!("Failed: {e}"));
            return ExitCode::from(1);
        }
    };
    let out_path = inputs.text("tc_out_path").map(PathBuf::from);
    let lvl = inputs.text("logging_level").or_else(|| inputs.text("tc_log_level")).and_then(|l| level(&l)).unwrap_or(Level::Info);
    let secrets = SECRETS.iter().filter_map(|k| inputs.text(k)).collect();
    let log = Log { level: lvl, file: Mutex::new(open_log(&inputs)), secrets };
    if let Some(t) = inputs.text("tc_temp_path").filter(|t| std::path::Path::new(t).is_dir()) {
        // As tcex: the job's temp folder for anything temporary.
        std::env::set_var("TMPDIR", t);
    }
    let Outcome(code, message) = run(&inputs, &log);
    log.line(if code == 0 { Level::Info } else { Level::Error }, &format!("exit {code}: {message}"));
    write_message(out_path.as_deref(), &redact(&message, &log.secrets));
    ExitCode::from(code)
}

fn open_log(inputs: &Inputs) -> Option<File> {
    let dir = PathBuf::from(inputs.text("tc_log_path")?);
    let _ = std::fs::create_dir_all(&dir);
    let name = inputs.text("tc_log_file").filter(|n| !n.contains('/')).unwrap_or_else(|| "app.log".into());
    match std::fs::OpenOptions::new().create(true).append(true).open(dir.join(&name)) {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!("pivot-share job: cannot write the log {}: {e}", dir.join(name).display());
            None
        }
    }
}

fn write_message(out_path: Option<&std::path::Path>, message: &str) {
    let file = out_path.map(|p| p.join("message.tc")).unwrap_or_else(|| PathBuf::from("message.tc"));
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = std::fs::write(&file, format!("{}\n", exit_message(message))) {
        eprintln!("pivot-share job: cannot write {}: {e}", file.display());
    }
}

/// Required params, named as the administrator sees them in ThreatConnect.
fn required(inputs: &Inputs, name: &str, label: &str) -> Result<String, Outcome> {
    inputs.text(name).ok_or_else(|| Outcome(1, format!("Failed: the job's \"{label}\" ({name}) is not set.")))
}

fn proxy(inputs: &Inputs) -> Result<Option<Proxy>, Outcome> {
    let Some(host) = inputs.text("tc_proxy_host") else { return Ok(None) };
    let port = inputs
        .text("tc_proxy_port")
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(|| Outcome(1, "Failed: tc_proxy_host is set without a valid tc_proxy_port.".into()))?;
    Ok(Some(Proxy { host, port, user: inputs.text("tc_proxy_username"), password: inputs.text("tc_proxy_password") }))
}

fn run(inputs: &Inputs, log: &Log) -> Outcome {
    match configure(inputs, log) {
        Ok(job) => pull(&job, log),
        Err(o) => o,
    }
}

struct Job {
    source: ApiUser,
    target: ApiUser,
    source_url: String,
    source_org: String,
    owner: String,
    source_instance_id: String,
    also_source_owners: Vec<String>,
    replace_labels: bool,
    adopt_existing: bool,
}

fn configure(inputs: &Inputs, log: &Log) -> Result<Job, Outcome> {
    let owner = required(inputs, "target_owner", "Target Owner")?;
    let source_url = required(inputs, "source_api_url", "Source API URL")?;
    let source_org = required(inputs, "source_org", "Source Organization")?;
    let source_instance_id = required(inputs, "source_instance_id", "Source Instance Id")?;
    let access_id = required(inputs, "source_access_id", "Source Access ID")?;
    let secret = required(inputs, "source_secret_key", "Source Secret Key")?;
    let api_path = inputs.text("tc_api_path").ok_or_else(|| Outcome(1, "Failed: ThreatConnect passed no tc_api_path.".into()))?;
    let proxy = proxy(inputs)?;
    let ca = match inputs.text("source_ca_bundle") {
        Some(v) => Some(
            net::ca_pem_text(&v)
                .and_then(|pem| net::tls_config(&pem).map(|_| pem))
                .map_err(|e| Outcome(1, format!("Failed: Source CA Bundle: {e}.")))?,
        ),
        None => None,
    };
    let source_agent =
        net::agent(ca.as_deref(), proxy.as_ref().filter(|_| inputs.flag("tc_proxy_external"))).map_err(|e| Outcome(1, format!("Failed: {e}.")))?;
    let target_agent = net::agent(None, proxy.as_ref().filter(|_| inputs.flag("tc_proxy_tc"))).map_err(|e| Outcome(1, format!("Failed: {e}.")))?;
    // This ThreatConnect: the job's token (renewed ahead of expiry), else the job's API user.
    let target_creds = match (inputs.text("tc_token"), inputs.text("tc_api_access_id").or_else(|| inputs.text("api_access_id"))) {
        (Some(token), _) => Credentials::Token { token, expires: inputs.text("tc_token_expires").and_then(|e| e.parse::<u64>().ok()) },
        (None, Some(id)) => match inputs.text("tc_api_secret_key").or_else(|| inputs.text("api_secret_key")) {
            Some(key) => Credentials::Hmac { access_id: id, secret_key: SecretKey::new(key) },
            None => return Err(Outcome(1, "Failed: ThreatConnect passed tc_api_access_id without tc_api_secret_key.".into())),
        },
        (None, None) => return Err(Outcome(1, "Failed: ThreatConnect passed no credentials (tc_token or tc_api_access_id).".into())),
    };
    let source = ApiUser::new(&source_url, Credentials::Hmac { access_id: access_id.clone(), secret_key: SecretKey::new(secret) }, source_agent)
        .map_err(|e| Outcome(1, format!("Failed: the Source API URL (source_api_url) {e}.")))?;
    let target = ApiUser::new(&api_path, target_creds, target_agent)
        .map_err(|e| Outcome(1, format!("Failed: ThreatConnect's API path (tc_api_path) {e}.")))?;
    let job = Job {
        source,
        target,
        source_url,
        source_org,
        owner,
        source_instance_id,
        also_source_owners: inputs.list("source_owners"),
        replace_labels: inputs.flag("replace_labels"),
        adopt_existing: inputs.flag("adopt_existing"),
    };
    // What the job was given: values of the allow-listed inputs only.
    log.line(Level::Debug, &format!("job inputs: {}", inputs.shown().join(", ")));
    log.line(
        Level::Info,
        &format!(
            "pulling from {} ({}, instance {}, Access ID {access_id}) into {} of {}",
            job.source_org, job.source_url, job.source_instance_id, job.owner, api_path
        ),
    );
    Ok(job)
}

/// Checks one side's credentials before the pull, so a refusal names the side and the param.
fn check(user: &ApiUser, what: &str, fix: &str) -> Result<(), Outcome> {
    match run_async(user.client().whoami()) {
        Ok(_) => Ok(()),
        Err(e @ (TcError::Auth(_) | TcError::SessionExpired | TcError::Http { status: 401, .. })) => {
            Err(Outcome(1, format!("Failed: {what} refused the credentials ({e}): check {fix}.")))
        }
        Err(e @ (TcError::Network(_) | TcError::Timeout)) => Err(Outcome(1, format!("Failed: cannot reach {what} ({e})."))),
        // Anything else (a proxy answering oddly, a user without whoami): the pull says more.
        Err(_) => Ok(()),
    }
}

fn pull(job: &Job, log: &Log) -> Outcome {
    if let Err(o) = check(&job.source, &format!("the source {}", job.source_url), "Source Access ID and Source Secret Key") {
        return o;
    }
    if let Err(o) = check(&job.target, "this ThreatConnect", "the job's API user or token") {
        return o;
    }
    if job.replace_labels {
        log.line(Level::Info, "security labels already on target items are replaced by the packages' (replace_labels)");
    }
    if job.adopt_existing {
        log.line(Level::Info, "items already in the target that no share import brought are overwritten (adopt_existing)");
    }
    let now = system_clock();
    let opts = PullOptions {
        now,
        elapsed_ms: monotonic_ms,
        run_id: format!("pivot-share job@{} pid {} at {}", host_name(), std::process::id(), rfc3339(now)),
        source_instance_id: job.source_instance_id.clone(),
        also_source_owners: job.also_source_owners.clone(),
        import: ImportOptions {
            imported_at: rfc3339(now),
            trust: sharing::Trust { replace_target_labels: job.replace_labels, adopt_existing: job.adopt_existing, ..Default::default() },
            ..Default::default()
        },
        ..Default::default()
    };
    let lease = watch_lease(&job.target, opts.lease_secs);
    let result = pull_once(&job.source, &job.source_org, &job.target, &job.owner, &opts, &lease, &|l, m| log.line(l, m));
    outcome(job, result)
}

fn outcome(job: &Job, result: Result<PullSummary, ExecError>) -> Outcome {
    match result {
        Ok(s) => {
            let counts = format!(
                "{} group(s) imported, {} unchanged; {} item(s) created, {} updated",
                s.packages_imported, s.packages_skipped, s.items_created, s.items_updated
            );
            // An invalid lease record taken over is said before the details that may be cut.
            let replaced = s.lease_replaced.as_ref().map(|why| format!(" Took over an invalid pull lease record ({why}).")).unwrap_or_default();
            if s.packages_failed == 0 {
                Outcome(0, format!("Pulled {} published group(s) from {} into {}: {counts}.{replaced}", s.packages_seen, job.source_org, job.owner))
            } else {
                let first = s
                    .packages
                    .iter()
                    .find(|p| matches!(p.outcome, sharing::exec::Outcome::Failed))
                    .map(|p| format!(" First: {} {}: {}", p.group_type, p.group_name, p.message))
                    .unwrap_or_default();
                Outcome(
                    3,
                    format!(
                        "Partial failure: {} of {} published group(s) failed (see the log); {counts}.{replaced}{first}",
                        s.packages_failed, s.packages_seen
                    ),
                )
            }
        }
        Err(ExecError::Locked { holder, expires_at }) => Outcome(
            0,
            format!("Skipped: another run ({holder}) holds the pull lease on {} until {}; nothing was imported.", job.owner, rfc3339(expires_at)),
        ),
        Err(e) => Outcome(1, format!("Failed: the pull did not run: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_messages() {
        assert_eq!(exit_message("a\nb\u{202E}c"), "a b\\u{202E}c");
        let long = "x".repeat(300);
        let m = exit_message(&long);
        assert_eq!(m.chars().count(), 255);
        assert!(m.ends_with('…'));
        assert_eq!(exit_message(&"é".repeat(255)).chars().count(), 255, "characters, not bytes");
        assert_eq!(level("WARNING"), Some(Level::Warn));
        assert_eq!(level("critical"), Some(Level::Error));
        assert_eq!(level("trace"), Some(Level::Debug));
        assert_eq!(level("loud"), None);
    }

    #[test]
    fn secrets_are_redacted() {
        let secrets = vec!["s3cret-key".to_string(), "ab".to_string()];
        assert_eq!(redact("key s3cret-key and ab", &secrets), "key *** and ab", "too short to redact safely: ab");
        assert_eq!(
            redact("GET http://h/api/appAuth?expiredToken=API%3A5%3Axyz: Network Error", &[]),
            "GET http://h/api/appAuth?expiredToken=***: Network Error"
        );
        assert_eq!(redact("expiredToken=a&x=1 expiredToken=b", &[]), "expiredToken=***&x=1 expiredToken=***");
    }

    #[test]
    fn job_mode_is_recognised() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(is_job(&v(&["--tc_api_path", "x"])));
        assert!(is_job(&v(&["job"])));
        assert!(!is_job(&v(&["pull", "--once"])));
    }
}

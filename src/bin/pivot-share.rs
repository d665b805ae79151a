//! `pivot-share`: Cross-Intel Sharing from a terminal (publish, import, pull).
//! The same functions as the panel (`pivot::share::exec`), over the native transport.
//! Argument parsing is hand-written (no argument crate: nothing more to compile).

use pivot::escape::{escape_controls, json_escape_controls};
use pivot::share::exec::{self, ImportOptions, ImportReport, Level, PullOptions, PullSummary, Step};
use pivot::share::{check_package_size, PublishOptions, MAX_PACKAGE_BYTES};
use pivot::tc::native::{system_clock, NativeTransport};
use pivot::tc::request::split_api_url;
use pivot::tc::{Client, Credentials, GroupType, SecretKey};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// One line for the terminal, built like `println!` and then passed through
/// `escape_controls`: names and values from a package or the API may carry
/// newlines, terminal escape sequences or U+202E; they are shown as `\u{...}`
/// escapes. The line's own text has no control characters, so only those
/// values change. (Not for a line whose tabs are meant: see `cmd_list`.)
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", escape_controls(&format!($($arg)*)))
    };
}

/// JSON for stdout: control characters as JSON `\uXXXX` escapes, same values.
fn say_json(json: &str) {
    println!("{}", json_escape_controls(json));
}

const HELP: &str = "\
pivot-share: share ThreatConnect groups between instances (Pivot Cross-Intel Sharing)

USAGE
  pivot-share publish --group-type TYPE --group-id ID [source options] [--out FILE]
  pivot-share unpublish --group-id ID [source options]
  pivot-share list [source options] [--json]
  pivot-share import PACKAGE_FILE [target options] [--dry-run] [--json]
  pivot-share pull [source options] [target options] (--once | --daily HH:MM | --weekly DAY HH:MM | --monthly DAY HH:MM)
                   [--json] [--dry-run] [--log-level LEVEL] [notification options]

Every option can also be given by the environment variable shown (the flag wins).
Secret keys are read from the environment or a file only, never from the command
line, and are never printed or logged.

SOURCE (the instance a group is published in)
  --source-api-url URL        PIVOT_SOURCE_API_URL      e.g. https://tc.example/api
  --source-access-id ID       PIVOT_SOURCE_ACCESS_ID    API user Access ID
  (secret key)                PIVOT_SOURCE_SECRET_KEY   API user Secret Key
  --source-secret-file FILE   PIVOT_SOURCE_SECRET_FILE  or: a file holding the Secret Key
  --source-org NAME           PIVOT_SOURCE_ORG          source organization (pull: packages must come
                                                        from it; publish: checked against the group's
                                                        owner when given)
  --instance-id ID            PIVOT_INSTANCE_ID         publish: configured id of the source instance
                                                        (names it in every xid; not its URL)

TARGET (the instance that receives)
  --target-api-url URL        PIVOT_TARGET_API_URL
  --target-access-id ID       PIVOT_TARGET_ACCESS_ID
  (secret key)                PIVOT_TARGET_SECRET_KEY
  --target-secret-file FILE   PIVOT_TARGET_SECRET_FILE
  --target-owner NAME         PIVOT_TARGET_OWNER        owner receiving the data (its attributes, tags
                                                        and labels of shared items are REPLACED)

PUBLISH
  --group-type TYPE           PIVOT_GROUP_TYPE          e.g. Incident, Campaign
  --group-id ID               PIVOT_GROUP_ID
  --labels L1,L2              PIVOT_LABELS              security labels that may leave
                                                        (default TLP:WHITE,TLP:GREEN,TLP:AMBER)
  --exclude-unlabeled         PIVOT_EXCLUDE_UNLABELED   unlabeled items stay home too
  --out FILE                  PIVOT_OUT                 also write the package file

IMPORT / PULL
  --package FILE              PIVOT_PACKAGE             import: the package file (or positional)
  --dry-run                   PIVOT_DRY_RUN             print the plan only, write nothing
  --json                      PIVOT_JSON                print the report / summary as JSON
  --log-level LEVEL           PIVOT_LOG_LEVEL           ERROR, WARN (default), INFO, DEBUG (stderr)
  --once                                                run once and exit (default)
  --daily HH:MM               PIVOT_SCHEDULE=\"daily HH:MM\"   every day (UTC), until stopped
  --weekly DAY HH:MM          PIVOT_SCHEDULE=\"weekly DAY HH:MM\"  DAY mon..sun (UTC)
  --monthly DAY HH:MM         PIVOT_SCHEDULE=\"monthly DAY HH:MM\" DAY 1..31 (last day if shorter)
  --source-instance-id ID     PIVOT_SOURCE_INSTANCE_ID  pull: the source's instance id (publish's
                                                        --instance-id there); other packages are refused
  --source-owners LIST        PIVOT_SOURCE_OWNERS       pull: Communities/Sources of the source whose
                                                        published groups are accepted too (A,B)
  --lease SECONDS             PIVOT_LEASE_SECS          pull lease on the target owner: renewed while the
                                                        run lives, lapses this long after (default 300)

NOTIFICATIONS (pull)
  --notify-email ADDRESS      PIVOT_NOTIFY_EMAIL
  --notify-on WHEN            PIVOT_NOTIFY_ON           success, failure (default) or always
  --attach-log                PIVOT_ATTACH_LOG          attach the run's log
  --smtp-host HOST            PIVOT_SMTP_HOST           default 127.0.0.1 (plain SMTP, no TLS/auth)
  --smtp-port PORT            PIVOT_SMTP_PORT           default 25
  --smtp-from ADDRESS         PIVOT_SMTP_FROM           default pivot-share@localhost

EXIT CODES
  0  everything imported, skipped or planned (publish: stored)
  1  something failed (see the summary)
  2  bad arguments
";

/// (flag, number of values, environment variable)
const OPTIONS: &[(&str, usize, &str)] = &[
    ("source-api-url", 1, "PIVOT_SOURCE_API_URL"),
    ("source-access-id", 1, "PIVOT_SOURCE_ACCESS_ID"),
    ("source-secret-file", 1, "PIVOT_SOURCE_SECRET_FILE"),
    ("source-org", 1, "PIVOT_SOURCE_ORG"),
    ("instance-id", 1, "PIVOT_INSTANCE_ID"),
    ("target-api-url", 1, "PIVOT_TARGET_API_URL"),
    ("target-access-id", 1, "PIVOT_TARGET_ACCESS_ID"),
    ("target-secret-file", 1, "PIVOT_TARGET_SECRET_FILE"),
    ("target-owner", 1, "PIVOT_TARGET_OWNER"),
    ("group-type", 1, "PIVOT_GROUP_TYPE"),
    ("group-id", 1, "PIVOT_GROUP_ID"),
    ("labels", 1, "PIVOT_LABELS"),
    ("exclude-unlabeled", 0, "PIVOT_EXCLUDE_UNLABELED"),
    ("out", 1, "PIVOT_OUT"),
    ("package", 1, "PIVOT_PACKAGE"),
    ("dry-run", 0, "PIVOT_DRY_RUN"),
    ("json", 0, "PIVOT_JSON"),
    ("log-level", 1, "PIVOT_LOG_LEVEL"),
    ("once", 0, ""),
    ("daily", 1, ""),
    ("weekly", 2, ""),
    ("monthly", 2, ""),
    ("lease", 1, "PIVOT_LEASE_SECS"),
    ("source-instance-id", 1, "PIVOT_SOURCE_INSTANCE_ID"),
    ("source-owners", 1, "PIVOT_SOURCE_OWNERS"),
    ("notify-email", 1, "PIVOT_NOTIFY_EMAIL"),
    ("notify-on", 1, "PIVOT_NOTIFY_ON"),
    ("attach-log", 0, "PIVOT_ATTACH_LOG"),
    ("smtp-host", 1, "PIVOT_SMTP_HOST"),
    ("smtp-port", 1, "PIVOT_SMTP_PORT"),
    ("smtp-from", 1, "PIVOT_SMTP_FROM"),
];

/// A usage error: exit code 2.
struct Usage(String);

struct Args {
    command: String,
    values: BTreeMap<&'static str, Vec<String>>,
    positional: Vec<String>,
}

impl Args {
    fn parse(argv: &[String]) -> Result<Args, Usage> {
        let mut it = argv.iter();
        let command = match it.next() {
            Some(c) if !c.starts_with('-') => c.clone(),
            Some(c) => return Err(Usage(format!("expected a command (publish, unpublish, list, import, pull) before {c}"))),
            None => return Err(Usage("no command given (publish, unpublish, list, import, pull)".into())),
        };
        if !["publish", "unpublish", "list", "import", "pull"].contains(&command.as_str()) {
            return Err(Usage(format!("unknown command {command:?} (publish, unpublish, list, import, pull)")));
        }
        let mut values: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let mut positional = Vec::new();
        while let Some(a) = it.next() {
            let Some(flag) = a.strip_prefix("--") else {
                positional.push(a.clone());
                continue;
            };
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            if name.contains("secret-key") || name == "source-secret" || name == "target-secret" {
                return Err(Usage(format!(
                    "--{name}: secret keys are not taken on the command line (other users can see it); use the environment variable or --{}-secret-file",
                    if name.starts_with("target") { "target" } else { "source" }
                )));
            }
            let Some((key, n, _)) = OPTIONS.iter().find(|(k, _, _)| *k == name) else {
                return Err(Usage(format!("unknown option --{name}")));
            };
            let mut vals = Vec::new();
            if let Some(v) = inline {
                if *n != 1 {
                    return Err(Usage(format!("--{name} does not take name=value form")));
                }
                vals.push(v);
            } else {
                for _ in 0..*n {
                    match it.next() {
                        Some(v) if !v.starts_with("--") => vals.push(v.clone()),
                        _ => return Err(Usage(format!("--{name} needs {n} value(s)"))),
                    }
                }
            }
            if values.insert(key, vals).is_some() {
                return Err(Usage(format!("--{name} given twice")));
            }
        }
        Ok(Args { command, values, positional })
    }

    fn env_of(key: &str) -> Option<&'static str> {
        OPTIONS.iter().find(|(k, _, _)| *k == key).map(|(_, _, e)| *e).filter(|e| !e.is_empty())
    }

    /// The flag's value, or its environment variable's.
    fn get(&self, key: &str) -> Option<String> {
        if let Some(v) = self.values.get(key) {
            return v.first().cloned();
        }
        let env = Self::env_of(key)?;
        std::env::var(env).ok().filter(|v| !v.trim().is_empty())
    }

    fn need(&self, key: &str) -> Result<String, Usage> {
        self.get(key).ok_or_else(|| {
            let env = Self::env_of(key).map(|e| format!(" (or {e})")).unwrap_or_default();
            Usage(format!("--{key}{env} is required for {}", self.command))
        })
    }

    fn flag(&self, key: &str) -> bool {
        if self.values.contains_key(key) {
            return true;
        }
        Self::env_of(key)
            .and_then(|e| std::env::var(e).ok())
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    }
}

/// One side's API user, resolved: cheap to clone into the heartbeat and signal threads.
#[derive(Clone)]
struct ApiUser {
    origin: String,
    api_path: String,
    access_id: String,
    secret: SecretKey,
}

impl ApiUser {
    fn client(&self) -> Client<NativeTransport> {
        Client::new(
            NativeTransport::new(&self.origin),
            &self.api_path,
            Credentials::Hmac { access_id: self.access_id.clone(), secret_key: self.secret.clone() },
            Box::new(system_clock),
        )
    }
}

/// An API user client for one side (`source` or `target`).
fn client(args: &Args, side: &str) -> Result<Client<NativeTransport>, Usage> {
    Ok(api_user(args, side)?.client())
}

fn api_user(args: &Args, side: &str) -> Result<ApiUser, Usage> {
    let url = args.need(&format!("{side}-api-url"))?;
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Usage(format!("--{side}-api-url must start with http:// or https://")));
    }
    let access_id = args.need(&format!("{side}-access-id"))?;
    let env = format!("PIVOT_{}_SECRET_KEY", side.to_ascii_uppercase());
    let secret = match args.get(&format!("{side}-secret-file")) {
        Some(path) => {
            let s = std::fs::read_to_string(&path).map_err(|e| Usage(format!("cannot read the {side} secret file {path}: {e}")))?;
            s.trim().to_string()
        }
        None => std::env::var(&env).unwrap_or_default().trim().to_string(),
    };
    if secret.is_empty() {
        return Err(Usage(format!("the {side} Secret Key is missing: set {env} or --{side}-secret-file")));
    }
    let (origin, api_path) = split_api_url(&url);
    Ok(ApiUser { origin, api_path, access_id: access_id.trim().to_string(), secret: SecretKey::new(secret) })
}

/// Milliseconds since the process started, for timing the datastore.
fn monotonic_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64
}

/// Where the pull's lease is while a run holds it. A heartbeat thread renews it every
/// third of its length (so a live run never loses it to a slow batch job), and SIGINT or
/// SIGTERM release it before the process exits, so the next run need not wait for it to
/// lapse. The slot's mutex keeps a renewal from landing after the release.
fn watch_lease(target: &ApiUser, lease_secs: u64) -> std::sync::Arc<std::sync::Mutex<Option<exec::Lease>>> {
    use std::sync::{Arc, Mutex};
    let slot: Arc<Mutex<Option<exec::Lease>>> = Arc::new(Mutex::new(None));
    let (beat, user) = (slot.clone(), target.clone());
    std::thread::spawn(move || {
        let client = user.client();
        loop {
            std::thread::sleep(Duration::from_millis(lease_secs * 1000 / 3));
            let held = beat.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(lease) = held.as_ref() {
                // A lost lease is found by the run itself at its next write.
                let _ = run_async(exec::lease::hold(&client, lease));
            }
        }
    });
    let (stop, user) = (slot.clone(), target.clone());
    match signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let held = stop.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(lease) = held.as_ref() {
                        match run_async(exec::lease::release(&user.client(), lease)) {
                            Ok(()) => eprintln!("pivot-share: stopped by signal {signal}; pull lease released"),
                            Err(e) => eprintln!("pivot-share: stopped by signal {signal}; the pull lease lapses by itself ({e})"),
                        }
                    }
                    std::process::exit(128 + signal);
                }
            });
        }
        Err(e) => eprintln!("pivot-share: cannot watch SIGINT/SIGTERM ({e}); a stopped run's lease lapses by itself"),
    }
    slot
}

fn run_async<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() {
        eprint!("pivot-share: no command given\n\n{HELP}");
        return ExitCode::from(2);
    }
    if argv.iter().any(|a| a == "--help" || a == "-h" || a == "help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let args = match Args::parse(&argv) {
        Ok(a) => a,
        Err(Usage(m)) => return usage(&m),
    };
    let result = match args.command.as_str() {
        "publish" => cmd_publish(&args),
        "unpublish" => cmd_unpublish(&args),
        "list" => cmd_list(&args),
        "import" => cmd_import(&args),
        _ => cmd_pull(&args),
    };
    match result {
        Ok(code) => code,
        Err(Usage(m)) => usage(&m),
    }
}

fn usage(m: &str) -> ExitCode {
    eprintln!("pivot-share: {m}\n(pivot-share --help lists the options)");
    ExitCode::from(2)
}

/// A failure's message names what came from the API or the package: escaped.
fn fail(m: &str) -> ExitCode {
    eprintln!("pivot-share: {}", escape_controls(m));
    ExitCode::from(1)
}

fn no_positional(args: &Args) -> Result<(), Usage> {
    match args.positional.first() {
        Some(p) => Err(Usage(format!("unexpected argument {p:?}"))),
        None => Ok(()),
    }
}

fn group_id(args: &Args) -> Result<u64, Usage> {
    let s = args.need("group-id")?;
    s.trim().parse::<u64>().map_err(|_| Usage(format!("--group-id must be a number, not {s:?}")))
}

// ---------------------------------------------------------------- publish

fn cmd_publish(args: &Args) -> Result<ExitCode, Usage> {
    no_positional(args)?;
    let t = args.need("group-type")?;
    let group_type = GroupType::from_name(&t).ok_or_else(|| Usage(format!("unknown group type {t:?}")))?;
    let id = group_id(args)?;
    let instance_id = args.need("instance-id")?;
    let labels: Vec<String> = args
        .get("labels")
        .unwrap_or_else(|| "TLP:WHITE,TLP:GREEN,TLP:AMBER".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let out = args.get("out");
    let source = client(args, "source")?;
    let opts = PublishOptions {
        instance_id,
        owner: args.get("source-org").unwrap_or_default(),
        api_url: args.get("source-api-url"),
        published_at: exec::rfc3339(system_clock()),
        security_labels_allowed: labels,
        exclude_unlabeled: args.flag("exclude-unlabeled"),
    };
    let (pkg, withheld) = match run_async(exec::publish(&source, group_type, id, &opts)) {
        Ok(x) => x,
        Err(e) => return Ok(fail(&format!("publish failed: {e}"))),
    };
    let bytes = pkg.to_bytes();
    if let Some(path) = &out {
        if let Err(e) = std::fs::write(path, &bytes) {
            return Ok(fail(&format!("the package was published but {path} could not be written: {e}")));
        }
    }
    let h = &pkg.header;
    if args.flag("json") {
        let v = serde_json::json!({"groupId": h.group.id, "groupType": h.group.group_type, "groupName": h.group.name,
            "groupXid": h.group.xid, "contentHash": h.content_hash, "publishedAt": h.published_at,
            "groups": pkg.batch.group.len(), "indicators": pkg.batch.indicator.len(), "bytes": bytes.len(),
            "withheld": withheld, "out": out});
        say_json(&v.to_string());
    } else {
        say!("published {} {} (group {}) from {}", h.group.group_type, h.group.name, h.group.id, h.source.owner);
        say!("  {} group(s), {} indicator(s), {} bytes", pkg.batch.group.len(), pkg.batch.indicator.len(), bytes.len());
        say!("  content hash {}", h.content_hash);
        say!("  stored in the source datastore ({}/{})", exec::PUBLISHED_TYPE, h.group.id);
        if withheld.groups + withheld.indicators + withheld.attributes > 0 {
            say!(
                "  stayed home (security labels): {} group(s), {} indicator(s), {} attribute(s)",
                withheld.groups, withheld.indicators, withheld.attributes
            );
            for i in withheld.items.iter().take(20) {
                say!("    {i}");
            }
        }
        if let Some(p) = &out {
            say!("  package written to {p}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_unpublish(args: &Args) -> Result<ExitCode, Usage> {
    no_positional(args)?;
    let id = group_id(args)?;
    let source = client(args, "source")?;
    match run_async(exec::unpublish(&source, id)) {
        Ok(true) => say!("group {id} unpublished (data already shared elsewhere stays there)"),
        Ok(false) => say!("group {id} was not published"),
        Err(e) => return Ok(fail(&format!("unpublish failed: {e}"))),
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_list(args: &Args) -> Result<ExitCode, Usage> {
    no_positional(args)?;
    let source = client(args, "source")?;
    let list = match run_async(exec::list_published(&source)) {
        Ok(l) => l,
        Err(e) => return Ok(fail(&format!("list failed: {e}"))),
    };
    if args.flag("json") {
        say_json(&serde_json::to_string(&list).unwrap_or_default());
    } else {
        // Tab-separated: each field escaped on its own (a tab in a name cannot shift the columns).
        for r in &list {
            let e = |t: &str| escape_controls(t).into_owned();
            println!(
                "{}\t{}\t{}\t{}\t{}\t{} bytes",
                r.group_id,
                e(&r.group_type),
                e(&r.group_name),
                e(&r.published_at),
                e(&r.content_hash),
                r.size
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- import

fn print_plan(r: &ImportReport) {
    let p = &r.plan;
    say!("plan for {} into {} ({})", r.group_name, p.target_owner, p.content_hash);
    say!("  groups:     {} to create, {} to overwrite", p.groups_to_create.len(), p.groups_to_overwrite.len());
    say!("  indicators: {} to create, {} to overwrite", p.indicators_to_create.len(), p.indicators_to_overwrite.len());
    say!("  batch jobs: {}", p.batch_jobs);
    if !p.labels_to_create.is_empty() {
        say!("  security labels to create: {}", p.labels_to_create.join(", "));
    }
    for m in &p.missing_attribute_types {
        say!("  missing attribute type \"{}\": {} attribute(s) dropped", m.name, m.attributes);
    }
    if !p.associations_to_remove.is_empty() {
        say!("  associations to remove: {}", p.associations_to_remove.len());
        for a in p.associations_to_remove.iter().take(20) {
            say!("    {a}");
        }
    }
    for w in &p.warnings {
        say!("  warning: {w}");
    }
}

fn print_result(r: &ImportReport) {
    for j in &r.jobs {
        say!(
            "batch job {} (id {}): {} group(s), {} indicator(s), {} bytes: {}, {} succeeded, {} error(s)",
            j.index, j.batch_id, j.groups, j.indicators, j.bytes, j.status, j.success_count, j.error_count
        );
        for e in j.errors.iter().take(20) {
            say!("    {e}");
        }
    }
    if r.dissociated > 0 {
        say!("dissociated: {}", r.dissociated);
    }
    for w in &r.warnings {
        say!("warning: {w}");
    }
    if let Some(v) = &r.verification {
        say!(
            "verification (read back from the target): groups {}/{}, indicators {}/{}, associations {}/{}, {} difference(s)",
            v.found_groups, v.expected_groups, v.found_indicators, v.expected_indicators, v.found_associations, v.expected_associations,
            v.differences.len()
        );
        for d in v.differences.iter().take(50) {
            say!("    {d}");
        }
    }
    say!("{}", if r.is_complete() { "import complete".to_string() } else { format!("import incomplete: {}", exec::failure_message(r)) });
}

fn progress_printer() -> impl Fn(Step, usize, usize) {
    let last = RefCell::new((None::<Step>, usize::MAX));
    move |s: Step, d: usize, t: usize| {
        let mut l = last.borrow_mut();
        if l.0 != Some(s) || (d != l.1 && (d == t || s == Step::Batch)) {
            eprintln!("[{}] {d}/{t}", s.label());
            *l = (Some(s), d);
        }
    }
}

fn cmd_import(args: &Args) -> Result<ExitCode, Usage> {
    let path = match (args.get("package"), args.positional.as_slice()) {
        (Some(p), []) => p,
        (None, [p]) => p.clone(),
        (None, []) => return Err(Usage("import needs a package file".into())),
        _ => return Err(Usage("import takes one package file".into())),
    };
    let owner = args.need("target-owner")?;
    let target = client(args, "target")?;
    let bytes = match read_limited(&path) {
        Ok(b) => b,
        Err(e) => return Ok(fail(&e)),
    };
    let opts = ImportOptions { dry_run: args.flag("dry-run"), imported_at: exec::rfc3339(system_clock()), ..Default::default() };
    let json = args.flag("json");
    let progress = progress_printer();
    match run_async(exec::import(&target, &bytes, &owner, &progress, &opts)) {
        Ok(r) => {
            if json {
                say_json(&serde_json::to_string(&r).unwrap_or_default());
            } else {
                print_plan(&r);
                if !r.dry_run {
                    print_result(&r);
                }
            }
            Ok(if r.dry_run || r.is_complete() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Err(e) => Ok(fail(&format!("import failed: {e}"))),
    }
}

/// Reads a file, refusing one over the package limit by its size before
/// reading anything (and, for a pipe, without reading more than the limit).
fn read_limited(path: &str) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if let Ok(meta) = f.metadata() {
        check_package_size(meta.len()).map_err(|e| format!("cannot import {path}: {e}"))?;
    }
    let mut bytes = Vec::new();
    f.take(MAX_PACKAGE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(bytes)
}

// ---------------------------------------------------------------- pull

#[derive(Clone, Copy, Debug, PartialEq)]
enum Schedule {
    Once,
    Daily(u32, u32),
    /// weekday 0 = Sunday
    Weekly(u32, u32, u32),
    Monthly(u32, u32, u32),
}

fn parse_hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

fn parse_weekday(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    days.iter().position(|d| s.len() >= 3 && d.starts_with(&s[..3]) && "sunday monday tuesday wednesday thursday friday saturday".contains(&s)).map(|i| i as u32)
}

fn schedule(args: &Args) -> Result<Schedule, Usage> {
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for k in ["once", "daily", "weekly", "monthly"] {
        if let Some(v) = args.values.get(k) {
            given.push((k.to_string(), v.clone()));
        }
    }
    if given.is_empty() {
        if let Ok(s) = std::env::var("PIVOT_SCHEDULE") {
            let mut parts = s.split_whitespace().map(str::to_string);
            if let Some(k) = parts.next() {
                given.push((k.to_ascii_lowercase(), parts.collect()));
            }
        }
    }
    if given.len() > 1 {
        return Err(Usage("give one schedule: --once, --daily, --weekly or --monthly".into()));
    }
    let Some((kind, v)) = given.pop() else { return Ok(Schedule::Once) };
    let bad = |m: &str| Usage(format!("--{kind}: {m}"));
    let arity = match kind.as_str() {
        "once" => 0,
        "daily" => 1,
        "weekly" | "monthly" => 2,
        _ => return Err(Usage(format!("unknown schedule {kind:?} (once, daily, weekly, monthly)"))),
    };
    if v.len() != arity {
        return Err(bad(&format!("expected {arity} value(s)")));
    }
    let time = |s: &str| parse_hhmm(s).ok_or_else(|| bad(&format!("{s:?} is not a time HH:MM (00:00 to 23:59)")));
    Ok(match kind.as_str() {
        "once" => Schedule::Once,
        "daily" => {
            let (h, m) = time(&v[0])?;
            Schedule::Daily(h, m)
        }
        "weekly" => {
            let d = parse_weekday(&v[0]).ok_or_else(|| bad(&format!("{:?} is not a day of the week (mon..sun)", v[0])))?;
            let (h, m) = time(&v[1])?;
            Schedule::Weekly(d, h, m)
        }
        _ => {
            let d = v[0].trim().parse::<u32>().ok().filter(|d| (1..=31).contains(d)).ok_or_else(|| bad(&format!("{:?} is not a day of the month (1..31)", v[0])))?;
            let (h, m) = time(&v[1])?;
            Schedule::Monthly(d, h, m)
        }
    })
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    (next - days_from_civil(y, m, 1)) as u32
}

/// The first run time strictly after `now` (epoch seconds, UTC).
fn next_run(now: u64, s: Schedule) -> u64 {
    let today = (now / 86_400) as i64;
    let at = |day: i64, h: u32, m: u32| (day * 86_400 + (h * 3600 + m * 60) as i64) as u64;
    match s {
        Schedule::Once => now,
        Schedule::Daily(h, m) => (0..=1).map(|k| at(today + k, h, m)).find(|t| *t > now).unwrap_or(now),
        Schedule::Weekly(wd, h, m) => (0..=7)
            .map(|k| today + k)
            .filter(|d| ((d + 4).rem_euclid(7)) as u32 == wd)
            .map(|d| at(d, h, m))
            .find(|t| *t > now)
            .unwrap_or(now),
        Schedule::Monthly(day, h, m) => {
            let (mut y, mut mo, _) = exec::civil_from_days(today);
            for _ in 0..3 {
                let d = day.min(days_in_month(y, mo));
                let t = at(days_from_civil(y, mo, d), h, m);
                if t > now {
                    return t;
                }
                if mo == 12 {
                    y += 1;
                    mo = 1;
                } else {
                    mo += 1;
                }
            }
            now
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum NotifyOn {
    Success,
    Failure,
    Always,
}

struct Notify {
    to: String,
    on: NotifyOn,
    attach_log: bool,
    host: String,
    port: u16,
    from: String,
}

fn valid_address(a: &str) -> bool {
    let a = a.trim();
    a.contains('@') && !a.chars().any(|c| c.is_control() || c == '<' || c == '>' || c.is_whitespace()) && a.len() < 255
}

fn notify(args: &Args) -> Result<Option<Notify>, Usage> {
    let Some(to) = args.get("notify-email") else {
        for k in ["notify-on", "attach-log", "smtp-host", "smtp-port", "smtp-from"] {
            if args.values.contains_key(k) {
                return Err(Usage(format!("--{k} needs --notify-email")));
            }
        }
        return Ok(None);
    };
    if !valid_address(&to) {
        return Err(Usage(format!("--notify-email: {to:?} is not an email address")));
    }
    let on = match args.get("notify-on").unwrap_or_else(|| "failure".into()).trim().to_ascii_lowercase().as_str() {
        "success" => NotifyOn::Success,
        "failure" => NotifyOn::Failure,
        "always" => NotifyOn::Always,
        other => return Err(Usage(format!("--notify-on: {other:?} is not success, failure or always"))),
    };
    let port = match args.get("smtp-port") {
        Some(p) => p.trim().parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| Usage(format!("--smtp-port: {p:?} is not a port")))?,
        None => 25,
    };
    let from = args.get("smtp-from").unwrap_or_else(|| "pivot-share@localhost".into());
    if !valid_address(&from) {
        return Err(Usage(format!("--smtp-from: {from:?} is not an email address")));
    }
    let host = args.get("smtp-host").unwrap_or_else(|| "127.0.0.1".into());
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) || host.is_empty() {
        return Err(Usage("--smtp-host is not a host name".into()));
    }
    Ok(Some(Notify { to: to.trim().into(), on, attach_log: args.flag("attach-log"), host, port, from: from.trim().into() }))
}

/// The pull's summary (terminal and mail body): one line each, each escaped
/// (group names and messages come from the source).
fn summary_text(s: &PullSummary) -> String {
    let mut lines = vec![format!(
        "pivot-share pull{}: packages seen {}, imported {}, skipped {}, failed {}{}; items created {}, updated {}, failed {}",
        if s.dry_run { " (dry run)" } else { "" },
        s.packages_seen,
        s.packages_imported,
        s.packages_skipped,
        s.packages_failed,
        if s.dry_run { format!(", planned {}", s.packages_planned) } else { String::new() },
        s.items_created,
        s.items_updated,
        s.items_failed
    )];
    for p in &s.packages {
        let outcome = format!("{:?}", p.outcome).to_lowercase();
        lines.push(format!("  {outcome}: {} {} (group {}): {}", p.group_type, p.group_name, p.group_id, p.message));
        if s.dry_run {
            if let Some(r) = &p.report {
                for m in &r.plan.missing_attribute_types {
                    lines.push(format!("    missing attribute type \"{}\": {} attribute(s) dropped", m.name, m.attributes));
                }
                for w in &r.plan.warnings {
                    lines.push(format!("    warning: {w}"));
                }
            }
        }
    }
    let mut out = String::new();
    for l in &lines {
        out.push_str(&escape_controls(l));
        out.push('\n');
    }
    out
}

fn cmd_pull(args: &Args) -> Result<ExitCode, Usage> {
    no_positional(args)?;
    let sched = schedule(args)?;
    let level = match args.get("log-level") {
        Some(l) => Level::parse(&l).ok_or_else(|| Usage(format!("--log-level: {l:?} is not ERROR, WARN, INFO or DEBUG")))?,
        None => Level::Warn,
    };
    let lease_secs = match args.get("lease") {
        Some(t) => t.trim().parse::<u64>().ok().filter(|t| (2..=86_400).contains(t)).ok_or_else(|| Usage(format!("--lease: {t:?} is not a number of seconds from 2 to 86400")))?,
        None => exec::DEFAULT_LEASE_SECS,
    };
    let owner = args.need("target-owner")?;
    let source_org = args.need("source-org")?;
    let source_instance_id = args.need("source-instance-id")?;
    let also_source_owners: Vec<String> =
        args.get("source-owners").map(|l| l.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect()).unwrap_or_default();
    let notify = notify(args)?;
    let source = client(args, "source")?;
    let target_user = api_user(args, "target")?;
    let target = target_user.client();
    let lease = watch_lease(&target_user, lease_secs);
    let json = args.flag("json");
    let dry_run = args.flag("dry-run");
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_string())).unwrap_or_else(|| "host".into());
    let mut first = true;
    loop {
        if sched != Schedule::Once {
            let now = system_clock();
            let at = next_run(now, sched);
            if first {
                eprintln!("pivot-share: next run at {} (UTC)", exec::rfc3339(at));
            }
            while system_clock() < at {
                std::thread::sleep(Duration::from_secs((at - system_clock()).clamp(1, 60)));
            }
        }
        first = false;
        let log_buf = RefCell::new(String::new());
        let log = |l: Level, m: &str| {
            if l <= level {
                // Messages name groups and owners from the source: escaped (terminal, log, mail).
                let line = format!("{} {} {}", exec::rfc3339(system_clock()), l.as_str(), escape_controls(m));
                eprintln!("{line}");
                let mut b = log_buf.borrow_mut();
                b.push_str(&line);
                b.push('\n');
            }
        };
        let now = system_clock();
        let opts = PullOptions {
            dry_run,
            now,
            lease_secs,
            elapsed_ms: monotonic_ms,
            run_id: format!("pivot-share@{host} pid {} at {}", std::process::id(), exec::rfc3339(now)),
            source_instance_id: source_instance_id.clone(),
            also_source_owners: also_source_owners.clone(),
            import: ImportOptions { imported_at: exec::rfc3339(now), ..Default::default() },
            ..Default::default()
        };
        let on_lease = |held: Option<&exec::Lease>| *lease.lock().unwrap_or_else(|p| p.into_inner()) = held.cloned();
        let result = run_async(exec::pull_watched(&source, &source_org, &target, &owner, &opts, &log, &on_lease));
        let (ok, text) = match &result {
            Ok(s) => {
                if json {
                    say_json(&serde_json::to_string(s).unwrap_or_default());
                } else {
                    print!("{}", summary_text(s));
                }
                (s.is_success(), summary_text(s))
            }
            Err(e) => {
                log(Level::Error, &format!("pull did not run: {e}"));
                let t = format!("{}\n", escape_controls(&format!("pivot-share pull did not run: {e}")));
                if json {
                    say_json(&serde_json::json!({"error": e.to_string()}).to_string());
                } else {
                    print!("{t}");
                }
                (false, t)
            }
        };
        let _ = std::io::stdout().flush();
        if let Some(n) = &notify {
            let send = match n.on {
                NotifyOn::Always => true,
                NotifyOn::Success => ok,
                NotifyOn::Failure => !ok,
            };
            if send {
                let subject = format!("pivot-share pull into {owner}: {}", if ok { "success" } else { "FAILED" });
                let log_text = log_buf.borrow().clone();
                let attachment = n.attach_log.then_some(log_text.as_str());
                match send_mail(n, &subject, &text, attachment) {
                    Ok(()) => log(Level::Info, &format!("notification sent to {}", n.to)),
                    Err(e) => {
                        eprintln!("pivot-share: could not send the notification through {}:{}: {e}", n.host, n.port);
                        if sched == Schedule::Once {
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
            }
        }
        if sched == Schedule::Once {
            return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    }
}

// ---------------------------------------------------------------- SMTP

/// Reads one SMTP reply (multi-line: `250-...` until `250 ...`); returns its code.
fn smtp_reply(r: &mut BufReader<TcpStream>) -> Result<u16, String> {
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the SMTP server closed the connection".into());
        }
        if line.len() < 3 {
            return Err(format!("bad SMTP reply {:?}", line.trim_end()));
        }
        let code: u16 = line[..3].parse().map_err(|_| format!("bad SMTP reply {:?}", line.trim_end()))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(code);
        }
    }
}

fn smtp_cmd(w: &mut TcpStream, r: &mut BufReader<TcpStream>, cmd: &str, ok: &[u16]) -> Result<(), String> {
    w.write_all(cmd.as_bytes()).and_then(|_| w.write_all(b"\r\n")).map_err(|e| e.to_string())?;
    let code = smtp_reply(r)?;
    if ok.contains(&code) {
        Ok(())
    } else {
        Err(format!("the SMTP server answered {code} to {}", cmd.split_whitespace().next().unwrap_or("")))
    }
}

fn rfc2822(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let (y, m, d) = exec::civil_from_days(days);
    let wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][((days + 4).rem_euclid(7)) as usize];
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(m - 1) as usize];
    let s = epoch % 86_400;
    format!("{wd}, {d:02} {mon} {y} {:02}:{:02}:{:02} +0000", s / 3600, (s / 60) % 60, s % 60)
}

/// Plain SMTP (no TLS, no auth) to a local relay: EHLO, MAIL, RCPT, DATA, QUIT.
fn send_mail(n: &Notify, subject: &str, body: &str, attachment: Option<&str>) -> Result<(), String> {
    use base64::Engine as _;
    let addr = format!("{}:{}", n.host, n.port);
    let addrs: Vec<_> = std::net::ToSocketAddrs::to_socket_addrs(&addr).map_err(|e| e.to_string())?.collect();
    let sock = addrs.first().ok_or("no address")?;
    let mut w = TcpStream::connect_timeout(sock, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    w.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    w.set_write_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut r = BufReader::new(w.try_clone().map_err(|e| e.to_string())?);
    if smtp_reply(&mut r)? != 220 {
        return Err("the SMTP server did not greet with 220".into());
    }
    if smtp_cmd(&mut w, &mut r, "EHLO pivot-share", &[250]).is_err() {
        smtp_cmd(&mut w, &mut r, "HELO pivot-share", &[250])?;
    }
    smtp_cmd(&mut w, &mut r, &format!("MAIL FROM:<{}>", n.from), &[250])?;
    smtp_cmd(&mut w, &mut r, &format!("RCPT TO:<{}>", n.to), &[250, 251])?;
    smtp_cmd(&mut w, &mut r, "DATA", &[354])?;
    // Escaped, not stripped: the header cannot be split, and nothing is hidden.
    let subject = escape_controls(subject).into_owned();
    // RFC 2047 for names that are not ASCII.
    let subject = if subject.is_ascii() {
        subject
    } else {
        format!("=?utf-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(subject.as_bytes()))
    };
    let mut msg = format!(
        "From: {}\r\nTo: {}\r\nSubject: {subject}\r\nDate: {}\r\nMIME-Version: 1.0\r\n",
        n.from,
        n.to,
        rfc2822(system_clock())
    );
    // No bare CR or LF reaches the server (names from the source end up in the summary).
    let text = body.replace('\r', "").replace('\n', "\r\n");
    match attachment {
        None => msg.push_str(&format!("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n")),
        Some(log) => {
            let boundary = format!("pivot-share-{}", system_clock());
            let b64 = base64::engine::general_purpose::STANDARD.encode(log.as_bytes());
            let lines: Vec<&str> = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
            msg.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
                 --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
                 --{boundary}\r\nContent-Type: text/plain; charset=utf-8; name=\"pivot-share.log\"\r\n\
                 Content-Disposition: attachment; filename=\"pivot-share.log\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
                 --{boundary}--\r\n",
                lines.join("\r\n")
            ));
        }
    }
    // Dot-stuffing: a line starting with "." gets another.
    let stuffed: Vec<String> = msg.split("\r\n").map(|l| if l.starts_with('.') { format!(".{l}") } else { l.to_string() }).collect();
    let mut data = stuffed.join("\r\n");
    if !data.ends_with("\r\n") {
        data.push_str("\r\n");
    }
    w.write_all(data.as_bytes()).map_err(|e| e.to_string())?;
    smtp_cmd(&mut w, &mut r, ".", &[250])?;
    let _ = smtp_cmd(&mut w, &mut r, "QUIT", &[221]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        // 2026-11-25 (a Wednesday) 14:20:33 UTC
        let now = days_from_civil(2026, 11, 25) as u64 * 86_400 + 14 * 3600 + 20 * 60 + 33;
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Daily(15, 0))), "2026-11-25T15:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Daily(2, 0))), "2026-11-26T02:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Weekly(1, 2, 0))), "2026-11-30T02:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Weekly(3, 15, 0))), "2026-11-25T15:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Weekly(3, 14, 0))), "2026-12-02T14:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Monthly(31, 0, 0))), "2026-11-30T00:00:00Z");
        assert_eq!(exec::rfc3339(next_run(now, Schedule::Monthly(1, 0, 0))), "2026-12-01T00:00:00Z");
        assert_eq!(parse_weekday("Monday"), Some(1));
        assert_eq!(parse_weekday("sun"), Some(0));
        assert_eq!(parse_weekday("xyz"), None);
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    }
}

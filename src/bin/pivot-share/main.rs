//! `pivot-share`: Cross-Intel Sharing from a terminal (publish, import, pull) or as a
//! ThreatConnect Job (`job.rs`). The same functions as the panel (`pivot::share::exec`),
//! over the native transport. A thin shell: arguments in `cli.rs` (clap), the schedule in
//! `pivot::share::schedule` (pure), mail in `mail.rs`, TLS and proxies in `net.rs`, the job convention in
//! `job.rs` and `tc_inputs.rs`.

mod cli;
mod job;
mod mail;
mod net;
mod tc_inputs;

use clap::Parser;
use cli::{given, need, Cli, Command, ImportArgs, ListArgs, PublishArgs, PullArgs, UnpublishArgs, Usage};
use net::ApiUser;
use pivot::escape::{escape_controls, json_escape_controls};
use pivot::share::exec::{self, ImportOptions, ImportReport, Level, PullOptions, PullSummary, Step};
use pivot::share::{check_package_size, PublishOptions, MAX_PACKAGE_BYTES};
use pivot::tc::native::system_clock;
use pivot::tc::{Credentials, GroupType, SecretKey};
use pivot::share::schedule::{self, Schedule};
use std::cell::RefCell;
use std::io::{Read, Write};
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

/// One side's API user from its flags and environment (the Secret Key from the
/// environment or a file only).
fn api_user(url: &Option<String>, access_id: &Option<String>, secret_file: &Option<String>, ca_file: &Option<String>, side: &str, command: &str) -> Result<ApiUser, Usage> {
    let upper = side.to_ascii_uppercase();
    let url = need(url, &format!("{side}-api-url"), &format!("PIVOT_{upper}_API_URL"), command)?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Usage(format!("--{side}-api-url must start with http:// or https://")));
    }
    let access_id = need(access_id, &format!("{side}-access-id"), &format!("PIVOT_{upper}_ACCESS_ID"), command)?;
    let env = format!("PIVOT_{upper}_SECRET_KEY");
    let secret = match given(secret_file) {
        Some(path) => {
            let s = std::fs::read_to_string(&path).map_err(|e| Usage(format!("cannot read the {side} secret file {path}: {e}")))?;
            s.trim().to_string()
        }
        None => std::env::var(&env).unwrap_or_default().trim().to_string(),
    };
    if secret.is_empty() {
        return Err(Usage(format!("the {side} Secret Key is missing: set {env} or --{side}-secret-file")));
    }
    let ca = match given(ca_file) {
        Some(f) => Some(net::read_ca(&f).map_err(Usage)?),
        None => None,
    };
    let agent = net::agent(ca.as_deref(), None).map_err(|e| Usage(format!("--{side}-ca-file: {e}")))?;
    Ok(ApiUser::new(&url, Credentials::Hmac { access_id, secret_key: SecretKey::new(secret) }, agent))
}

fn source_user(a: &cli::SourceArgs, command: &str) -> Result<ApiUser, Usage> {
    api_user(&a.source_api_url, &a.source_access_id, &a.source_secret_file, &a.source_ca_file, "source", command)
}

fn target_user(a: &cli::TargetArgs, command: &str) -> Result<ApiUser, Usage> {
    api_user(&a.target_api_url, &a.target_access_id, &a.target_secret_file, &a.target_ca_file, "target", command)
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
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(lease_secs * 1000 / 3));
        let held = beat.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lease) = held.as_ref() {
            // A client per beat: it starts from the newest token (the run may have renewed it).
            // A lost lease is found by the run itself at its next write.
            let _ = run_async(exec::lease::hold(&user.client(), lease));
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
    if job::is_job(&argv) {
        return job::main(&argv);
    }
    if let Err(Usage(m)) = cli::refuse_secret_flags(&argv) {
        return usage(&m);
    }
    let cli = match Cli::try_parse_from(std::iter::once("pivot-share".to_string()).chain(argv)) {
        Ok(c) => c,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message (usage included), without secrets: none are ever flags.
            eprint!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = match &cli.command {
        Command::Publish(a) => cmd_publish(a),
        Command::Unpublish(a) => cmd_unpublish(a),
        Command::List(a) => cmd_list(a),
        Command::Import(a) => cmd_import(a),
        Command::Pull(a) => cmd_pull(a),
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

fn group_id(v: &Option<String>, command: &str) -> Result<u64, Usage> {
    let s = need(v, "group-id", "PIVOT_GROUP_ID", command)?;
    s.parse::<u64>().map_err(|_| Usage(format!("--group-id must be a number, not {s:?}")))
}

// ---------------------------------------------------------------- publish

fn cmd_publish(args: &PublishArgs) -> Result<ExitCode, Usage> {
    let t = need(&args.group_type, "group-type", "PIVOT_GROUP_TYPE", "publish")?;
    let group_type = GroupType::from_name(&t).ok_or_else(|| Usage(format!("unknown group type {t:?}")))?;
    let id = group_id(&args.group_id, "publish")?;
    let instance_id = need(&args.instance_id, "instance-id", "PIVOT_INSTANCE_ID", "publish")?;
    let labels: Vec<String> = given(&args.labels)
        .unwrap_or_else(|| "TLP:WHITE,TLP:GREEN,TLP:AMBER".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let out = given(&args.out);
    let source = source_user(&args.source, "publish")?.client();
    let opts = PublishOptions {
        instance_id,
        owner: given(&args.source_org).unwrap_or_default(),
        api_url: given(&args.source.source_api_url),
        published_at: exec::rfc3339(system_clock()),
        security_labels_allowed: labels,
        exclude_unlabeled: args.exclude_unlabeled,
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
    if args.json {
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

fn cmd_unpublish(args: &UnpublishArgs) -> Result<ExitCode, Usage> {
    let id = group_id(&args.group_id, "unpublish")?;
    let source = source_user(&args.source, "unpublish")?.client();
    match run_async(exec::unpublish(&source, id)) {
        Ok(true) => say!("group {id} unpublished (data already shared elsewhere stays there)"),
        Ok(false) => say!("group {id} was not published"),
        Err(e) => return Ok(fail(&format!("unpublish failed: {e}"))),
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_list(args: &ListArgs) -> Result<ExitCode, Usage> {
    let source = source_user(&args.source, "list")?.client();
    let list = match run_async(exec::list_published(&source)) {
        Ok(l) => l,
        Err(e) => return Ok(fail(&format!("list failed: {e}"))),
    };
    if args.json {
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
    if !p.linked_only.is_empty() {
        say!("  linked only (another package decides their content): {}", p.linked_only.len());
        for n in p.linked_only.iter().take(20) {
            say!("    {n}");
        }
    }
    for n in &p.labels_kept {
        say!("  kept: {n}");
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

fn cmd_import(args: &ImportArgs) -> Result<ExitCode, Usage> {
    let path = match (given(&args.package), args.positional.as_slice()) {
        (Some(p), []) => p,
        (None, [p]) => p.clone(),
        (None, []) => return Err(Usage("import needs a package file".into())),
        _ => return Err(Usage("import takes one package file".into())),
    };
    let owner = need(&args.target.target_owner, "target-owner", "PIVOT_TARGET_OWNER", "import")?;
    let target = target_user(&args.target, "import")?.client();
    let bytes = match read_limited(&path) {
        Ok(b) => b,
        Err(e) => return Ok(fail(&e)),
    };
    let opts = ImportOptions { dry_run: args.dry_run, imported_at: exec::rfc3339(system_clock()), trust: args.trust.into(), ..Default::default() };
    let json = args.json;
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

/// The pull's schedule: one of the flags, else `PIVOT_SCHEDULE`, else once.
fn pull_schedule(p: &PullArgs) -> Result<Schedule, Usage> {
    let mut given: Vec<(&str, Vec<String>)> = Vec::new();
    if p.once {
        given.push(("once", vec![]));
    }
    if let Some(t) = &p.daily {
        given.push(("daily", vec![t.clone()]));
    }
    if let Some(v) = &p.weekly {
        given.push(("weekly", v.clone()));
    }
    if let Some(v) = &p.monthly {
        given.push(("monthly", v.clone()));
    }
    match given.as_slice() {
        [] => match std::env::var("PIVOT_SCHEDULE") {
            Ok(words) => schedule::parse_words(&words).map_err(|e| Usage(format!("PIVOT_SCHEDULE: {e}"))),
            Err(_) => Ok(Schedule::Once),
        },
        [(kind, values)] => schedule::parse(kind, values).map_err(Usage),
        _ => Err(Usage("give one schedule: --once, --daily, --weekly or --monthly".into())),
    }
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

/// The host name, for the run id another run is told when it finds the lease held.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "host".into())
}

/// One pull: the lease watched (heartbeat, release on SIGINT/SIGTERM), `log` told everything.
fn pull_once(
    source: &ApiUser,
    source_org: &str,
    target: &ApiUser,
    owner: &str,
    opts: &PullOptions,
    lease: &std::sync::Arc<std::sync::Mutex<Option<exec::Lease>>>,
    log: &dyn Fn(Level, &str),
) -> Result<PullSummary, exec::ExecError> {
    let on_lease = |held: Option<&exec::Lease>| *lease.lock().unwrap_or_else(|p| p.into_inner()) = held.cloned();
    run_async(exec::pull_watched(&source.client(), source_org, &target.client(), owner, opts, log, &on_lease))
}

fn cmd_pull(args: &PullArgs) -> Result<ExitCode, Usage> {
    let sched = pull_schedule(args)?;
    let level = match given(&args.log_level) {
        Some(l) => Level::parse(&l).ok_or_else(|| Usage(format!("--log-level: {l:?} is not ERROR, WARN, INFO or DEBUG")))?,
        None => Level::Warn,
    };
    let lease_secs = match given(&args.lease) {
        Some(t) => t.parse::<u64>().ok().filter(|t| (2..=86_400).contains(t)).ok_or_else(|| Usage(format!("--lease: {t:?} is not a number of seconds from 2 to 86400")))?,
        None => exec::DEFAULT_LEASE_SECS,
    };
    let owner = need(&args.target.target_owner, "target-owner", "PIVOT_TARGET_OWNER", "pull")?;
    let source_org = need(&args.source_org, "source-org", "PIVOT_SOURCE_ORG", "pull")?;
    let source_instance_id = need(&args.source_instance_id, "source-instance-id", "PIVOT_SOURCE_INSTANCE_ID", "pull")?;
    let also_source_owners: Vec<String> =
        given(&args.source_owners).map(|l| l.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect()).unwrap_or_default();
    let notify = mail::notify(&args.notify)?;
    let source = source_user(&args.source, "pull")?;
    let target = target_user(&args.target, "pull")?;
    let lease = watch_lease(&target, lease_secs);
    let (json, dry_run) = (args.json, args.dry_run);
    let host = host_name();
    let mut first = true;
    loop {
        if sched != Schedule::Once {
            let at = schedule::next_run(system_clock(), sched);
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
            import: ImportOptions { imported_at: exec::rfc3339(now), trust: args.trust.into(), ..Default::default() },
            ..Default::default()
        };
        let result = pull_once(&source, &source_org, &target, &owner, &opts, &lease, &log);
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
        if let Some(n) = notify.as_ref().filter(|n| n.wanted(ok)) {
            let subject = format!("pivot-share pull into {owner}: {}", if ok { "success" } else { "FAILED" });
            let log_text = log_buf.borrow().clone();
            match mail::send(n, &subject, &text, n.attach_log.then_some(log_text.as_str())) {
                Ok(()) => log(Level::Info, &format!("notification sent to {}", n.to)),
                Err(e) => {
                    eprintln!("pivot-share: could not send the notification through {}:{}: {}", n.host, n.port, escape_controls(&e));
                    if sched == Schedule::Once {
                        return Ok(ExitCode::from(1));
                    }
                }
            }
        }
        if sched == Schedule::Once {
            return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    }
}

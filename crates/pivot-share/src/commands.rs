//! The commands: publish, unpublish, list, import, pull, one function each. What they
//! print passes through `escape_controls` (names and values from a package or the API).

use crate::cli::{self, given, need, Cli, Command, ImportArgs, ListArgs, PublishArgs, PullArgs, UnpublishArgs, Usage};
use crate::mail;
use crate::net::{self, ApiUser};
use crate::pull::{host_name, monotonic_ms, pull_once, run_async, watch_lease};
use clap::Parser;
use pivot_text::escape::{escape_controls, json_escape_controls};
use sharing::exec::{self, ImportOptions, Level, PullOptions, Step};
use sharing::schedule::{self, Schedule};
use sharing::{check_package_size, PublishOptions, MAX_PACKAGE_BYTES};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;
use threatconnect::native::system_clock;
use threatconnect::time::rfc3339;
use threatconnect::{Credentials, GroupType, SecretKey};

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
fn api_user(
    url: &Option<String>,
    access_id: &Option<String>,
    secret_file: &Option<String>,
    ca_file: &Option<String>,
    side: &str,
    command: &str,
) -> Result<ApiUser, Usage> {
    let upper = side.to_ascii_uppercase();
    let url = need(url, &format!("{side}-api-url"), &format!("PIVOT_{upper}_API_URL"), command)?;
    // Checked first: no secret file is read for a URL the credentials may not go to.
    net::check_api_url(&url).map_err(|e| Usage(format!("--{side}-api-url (PIVOT_{upper}_API_URL) {e}")))?;
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
    ApiUser::new(&url, Credentials::Hmac { access_id, secret_key: SecretKey::new(secret) }, agent)
        .map_err(|e| Usage(format!("--{side}-api-url (PIVOT_{upper}_API_URL) {e}")))
}

fn source_user(a: &cli::SourceArgs, command: &str) -> Result<ApiUser, Usage> {
    api_user(&a.source_api_url, &a.source_access_id, &a.source_secret_file, &a.source_ca_file, "source", command)
}

fn target_user(a: &cli::TargetArgs, command: &str) -> Result<ApiUser, Usage> {
    api_user(&a.target_api_url, &a.target_access_id, &a.target_secret_file, &a.target_ca_file, "target", command)
}

/// The command line: parse, refuse secrets given as flags, run the command.
pub fn main(argv: Vec<String>) -> ExitCode {
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
        published_at: rfc3339(system_clock()),
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
                withheld.groups,
                withheld.indicators,
                withheld.attributes
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
            println!("{}\t{}\t{}\t{}\t{}\t{} bytes", r.group_id, e(&r.group_type), e(&r.group_name), e(&r.published_at), e(&r.content_hash), r.size);
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- import

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
    let opts = ImportOptions { dry_run: args.dry_run, imported_at: rfc3339(system_clock()), trust: args.trust.into(), ..Default::default() };
    let json = args.json;
    let progress = progress_printer();
    match run_async(exec::import(&target, &bytes, &owner, &progress, &opts)) {
        Ok(r) => {
            if json {
                say_json(&serde_json::to_string(&r).unwrap_or_default());
            } else {
                for line in exec::report_lines(&r) {
                    println!("{line}");
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

fn cmd_pull(args: &PullArgs) -> Result<ExitCode, Usage> {
    let sched = pull_schedule(args)?;
    let level = match given(&args.log_level) {
        Some(l) => Level::parse(&l).ok_or_else(|| Usage(format!("--log-level: {l:?} is not ERROR, WARN, INFO or DEBUG")))?,
        None => Level::Warn,
    };
    let lease_secs = match given(&args.lease) {
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|t| (2..=86_400).contains(t))
            .ok_or_else(|| Usage(format!("--lease: {t:?} is not a number of seconds from 2 to 86400")))?,
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
                eprintln!("pivot-share: next run at {} (UTC)", rfc3339(at));
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
                let line = format!("{} {} {}", rfc3339(system_clock()), l.as_str(), escape_controls(m));
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
            run_id: format!("pivot-share@{host} pid {} at {}", std::process::id(), rfc3339(now)),
            source_instance_id: source_instance_id.clone(),
            also_source_owners: also_source_owners.clone(),
            accept_version_1: args.accept_version_1,
            import: ImportOptions { imported_at: rfc3339(now), trust: args.trust.into(), ..Default::default() },
            ..Default::default()
        };
        let result = pull_once(&source, &source_org, &target, &owner, &opts, &lease, &log);
        let (ok, text) = match &result {
            Ok(s) => {
                if json {
                    say_json(&serde_json::to_string(s).unwrap_or_default());
                }
                let text: String = exec::summary_lines(s).into_iter().map(|l| l + "\n").collect();
                if !json {
                    print!("{text}");
                }
                (s.is_success(), text)
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

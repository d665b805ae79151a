//! Running one pull, for a command and for the Job alike: the lease held by a heartbeat
//! and released on SIGINT or SIGTERM, the pull itself over the native transport.

use crate::net::ApiUser;
use sharing::exec::{self, Level, PullOptions, PullSummary};
use std::time::Duration;

/// Milliseconds since the process started, for timing the datastore.
pub fn monotonic_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_millis() as u64
}

/// Where the pull's lease is while a run holds it. A heartbeat thread renews it every
/// third of its length (so a live run never loses it to a slow batch job), and SIGINT or
/// SIGTERM release it before the process exits, so the next run need not wait for it to
/// lapse. The slot's mutex keeps a renewal from landing after the release.
pub fn watch_lease(target: &ApiUser, lease_secs: u64) -> std::sync::Arc<std::sync::Mutex<Option<exec::Lease>>> {
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
                            Ok(exec::Released::Deleted) => eprintln!("pivot-share: stopped by signal {signal}; pull lease released"),
                            Ok(_) => eprintln!("pivot-share: stopped by signal {signal}; the pull lease was no longer this run's: left as it is"),
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

/// Runs a future to its end on this thread (the native transport's requests run on their own threads).
pub fn run_async<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// The host name, for the run id another run is told when it finds the lease held: printable
/// ASCII only (anything else as `?`, at most 64 characters), as a lease record's run id must be.
pub fn host_name() -> String {
    let name = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "host".into());
    name.chars().take(64).map(|c| if c.is_ascii_graphic() { c } else { '?' }).collect()
}

/// One pull: the lease watched (heartbeat, release on SIGINT/SIGTERM), `log` told everything.
pub fn pull_once(
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

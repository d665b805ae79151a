//! pivot-service: Pivot as a ThreatConnect API Service. ThreatConnect starts it (through the
//! package's `run.py`) with the service arguments; it serves the packaged UI (`ui/` beside
//! `bin/`) and forwards the UI's API calls with each request's own token. See docs/service.md.

mod config;
mod http;
#[path = "../../pivot-share/src/inputs.rs"]
#[allow(dead_code)]
mod inputs;
mod log;
mod mqtt;
mod service;

use std::process::ExitCode;

/// The Boolean inputs (a bare flag on argv is `true`).
const BOOLEANS: &[&str] =
    &["tc_kvstore_tls_enabled", "allowWriteBack", "tc_verify", "tc_log_to_api", "tc_log_curl", "tc_proxy_tc", "tc_proxy_external"];

fn main() -> ExitCode {
    // The params file and its key leave the environment before any thread starts.
    let file = inputs::take_env("TC_APP_PARAM_FILE");
    let key = inputs::take_env("TC_APP_PARAM_KEY");
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let fail = |m: &str| {
        eprintln!("pivot-service: {}", pivot_text::escape::escape_controls(m));
        ExitCode::FAILURE
    };
    let inputs = match inputs::load(&argv, file, key, BOOLEANS) {
        Ok(i) => i,
        Err(e) => return fail(&e),
    };
    let ui_dir = match std::env::current_exe() {
        Ok(exe) => exe.parent().and_then(|bin| bin.parent()).map(|app| app.join("ui")).unwrap_or_else(|| "ui".into()),
        Err(e) => return fail(&format!("cannot find the program's own folder ({e})")),
    };
    let cfg = match config::Config::from_inputs(&inputs, ui_dir) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if let Some(level) = log::Level::parse(&cfg.log_level) {
        log::set_level(level);
    }
    if let Err(e) = log::open_file(&cfg.log_file.path, cfg.log_file.max_bytes, cfg.log_file.backup_count) {
        log::at(log::Level::Warning, &format!("{e}: logging on stderr only"));
    }
    if inputs.flag("tc_proxy_tc") && cfg.proxy.is_none() {
        log::at(
            log::Level::Warning,
            "tc_proxy_tc is on without tc_proxy_host and tc_proxy_port: ThreatConnect's API is called directly, as tcex does",
        );
    }
    if !cfg.ui_dir.join("index.html").is_file() {
        return fail(&format!("the package is incomplete: {} has no index.html", cfg.ui_dir.display()));
    }
    log::at(log::Level::Info, &format!("starting: {cfg:?}"));
    match service::run(cfg) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => fail(&e),
    }
}

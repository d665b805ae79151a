//! `pivot-share`: Cross-Intel Sharing from a terminal (publish, import, pull) or as a
//! ThreatConnect Job. The same functions as the publish and import page
//! (`sharing::exec`), over the native transport.
//!
//! Modules import downwards only: `main` picks the mode; `commands` (one function a
//! command) and `job` (the Job convention) run them; `pull` (one pull with its lease) and
//! `mail` serve both; `net` (API users, CA bundles, proxies), `inputs` (ThreatConnect's job
//! arguments and encrypted params file) and `cli` (the arguments) are the ground floor.

mod cli;
mod commands;
mod inputs;
mod job;
mod mail;
mod net;
mod pull;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if job::is_job(&argv) {
        return job::main(&argv);
    }
    commands::main(argv)
}

//! tc-sandbox: a local ThreatConnect API (v2 + v3) on 127.0.0.1 with SQLite persistence.
//! The command line of the `tc_sandbox` library: prints `listening on http://127.0.0.1:PORT`
//! once it listens, then serves until killed.

use std::io::Write;
use tc_sandbox::{Options, Server, USAGE};

fn main() {
    let options = match Options::from_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tc-sandbox: {}", e);
            std::process::exit(2);
        }
    };
    if options.help {
        println!("{}", USAGE);
        std::process::exit(0);
    }
    let server = match Server::start(&options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tc-sandbox: {}", e);
            std::process::exit(e.exit_code());
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.origin());
        let _ = out.flush();
    }
    // The server runs on its own threads until the process is killed.
    loop {
        std::thread::park();
    }
}

//! tc-sandbox: a local ThreatConnect API (v2 + v3) on 127.0.0.1 with SQLite persistence.

mod assets;
mod assoc;
mod auth;
mod batch;
mod db;
mod faults;
mod http;
mod model;
mod render;
mod server;
mod spaces;
mod tql;
mod util;
mod v2;
mod v3;
mod victims;

use std::io::Write;

pub struct Config {
    pub listen: String,
    pub access_id: String,
    pub secret_key: String,
    pub db: String,
    pub seed: String,
    pub reset: bool,
    pub token_ttl: i64,
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub fault_seed: u64,
}

const USAGE: &str = "usage: tc-sandbox [--listen 127.0.0.1:PORT] [--access-id ID] [--secret-key KEY] [--db PATH] \
[--seed demo|empty] [--reset] [--token-ttl SECONDS] [--latency-ms N] [--jitter-ms N] [--fault-seed N]";

fn parse_args() -> Result<Config, String> {
    let mut c = Config {
        listen: "127.0.0.1:0".into(),
        access_id: "pivot-dev".into(),
        secret_key: "pivot-dev-secret".into(),
        db: "target/sandbox/sandbox.db".into(),
        seed: "demo".into(),
        reset: false,
        token_ttl: 14_400,
        latency_ms: 0,
        jitter_ms: 0,
        fault_seed: 1,
    };
    let mut args = std::env::args().skip(1);
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
            println!("{}", USAGE);
            std::process::exit(0);
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
            "--db" => c.db = val,
            "--seed" => {
                if val != "demo" && val != "empty" {
                    return Err("--seed must be demo or empty".into());
                }
                c.seed = val
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

fn main() {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tc-sandbox: {}", e);
            std::process::exit(2);
        }
    };
    let listen = match cfg.listen.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{}", port),
        None => cfg.listen.clone(),
    };
    let addr: std::net::SocketAddr = match listen.parse() {
        Ok(a) => a,
        Err(_) => {
            eprintln!("tc-sandbox: --listen must be IP:PORT, got {:?}", cfg.listen);
            std::process::exit(2);
        }
    };
    if !addr.ip().is_loopback() {
        eprintln!("tc-sandbox: refusing to listen on non-loopback address {}", addr);
        std::process::exit(2);
    }
    let t = std::time::Instant::now();
    let conn = match db::open(&cfg.db, &cfg.seed, cfg.reset) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tc-sandbox: cannot open database {}: {}", cfg.db, e);
            std::process::exit(1);
        }
    };
    eprintln!("tc-sandbox: database {} ready in {} ms", cfg.db, t.elapsed().as_millis());
    let listener = match std::net::TcpListener::bind(addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tc-sandbox: cannot listen on {}: {}", addr, e);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let app = server::AppInner::new(cfg, conn, port);
    batch::start_worker(app.clone());
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://127.0.0.1:{}", port);
        let _ = out.flush();
    }
    if let Err(e) = server::serve(app, listener) {
        eprintln!("tc-sandbox: cannot serve: {}", e);
        std::process::exit(1);
    }
}

//! tc-sandbox: a local ThreatConnect API (v2 + v3) on 127.0.0.1 with SQLite persistence.
//!
//! The library is the whole sandbox; the `tc-sandbox` binary is [`Options::from_args`],
//! [`Server::start`] and the `listening on http://127.0.0.1:PORT` line. Tests start it in
//! process through `pivot-testing` (crates/testing), which wraps [`Server`] with a temporary
//! database.
//!
//! ```no_run
//! use tc_sandbox::{Options, Request, Seed, Server};
//!
//! let options = Options { db: "/tmp/sandbox-example/sandbox.db".into(), seed: Seed::Empty, ..Options::default() };
//! let server = Server::start(&options).expect("sandbox");
//! // Over HTTP at server.origin(), or in process through the very same handler:
//! let answer = server.handle(Request::new("GET", "/api/v2/owners"));
//! assert_eq!(answer.status, 401); // not signed
//! server.stop(); // the database is closed: a new Server may open it at once
//! ```
#![deny(missing_docs)]

mod app;
mod assets;
mod assoc;
mod auth;
mod batch;
mod db;
mod faults;
mod group_files;
mod http;
mod metadata;
mod metrics;
mod model;
mod occurrences;
mod options;
mod render;
mod server;
mod spaces;
mod tql;
mod updates;
mod util;
mod v2;
mod v3;
mod victims;

pub use http::{Request, Response};
pub use options::{Options, Seed, USAGE};

use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::watch;

/// A running sandbox: the HTTP server on 127.0.0.1 and the batch worker, each on its own thread,
/// over one SQLite database.
///
/// Dropping it (or [`Server::stop`]) stops both and joins their threads, so the database is
/// closed when it returns and a new `Server` can open the same file at once.
pub struct Server {
    app: app::App,
    port: u16,
    runtime: tokio::runtime::Handle,
    stop: Option<watch::Sender<bool>>,
    http: Option<std::thread::JoinHandle<()>>,
    worker: Option<batch::Worker>,
}

/// Why [`Server::start`] failed. `Display` is the message `tc-sandbox` prints after `tc-sandbox: `.
#[derive(Debug)]
pub enum StartError {
    /// `--listen` is not `IP:PORT` (nor `localhost:PORT`); holds the value as given.
    Listen(String),
    /// `--listen` names an address that is not loopback.
    NotLoopback(SocketAddr),
    /// The database cannot be opened, created or seeded.
    Database {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        error: String,
    },
    /// The address cannot be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// The runtime or a thread could not be started.
    Serve(std::io::Error),
}

impl StartError {
    /// The exit code of `tc-sandbox` for this error: 2 for a bad `--listen`, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartError::Listen(_) | StartError::NotLoopback(_) => 2,
            _ => 1,
        }
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Listen(listen) => write!(f, "--listen must be IP:PORT, got {:?}", listen),
            StartError::NotLoopback(addr) => write!(f, "refusing to listen on non-loopback address {}", addr),
            StartError::Database { path, error } => write!(f, "cannot open database {}: {}", path.display(), error),
            StartError::Bind { addr, error } => write!(f, "cannot listen on {}: {}", addr, error),
            StartError::Serve(e) => write!(f, "cannot serve: {}", e),
        }
    }
}

impl std::error::Error for StartError {}

impl Server {
    /// Checks that the listen address is loopback, opens (creating and seeding) the database,
    /// binds, starts the batch worker and the HTTP server, and returns once it listens.
    /// Writes `tc-sandbox: database PATH ready in N ms` to stderr, and the request log after it.
    pub fn start(options: &Options) -> Result<Server, StartError> {
        let listen = match options.listen.strip_prefix("localhost:") {
            Some(port) => format!("127.0.0.1:{}", port),
            None => options.listen.clone(),
        };
        let addr: SocketAddr = listen.parse().map_err(|_| StartError::Listen(options.listen.clone()))?;
        if !addr.ip().is_loopback() {
            return Err(StartError::NotLoopback(addr));
        }
        let t = std::time::Instant::now();
        let conn = db::open(&options.db, options.seed, options.reset)
            .map_err(|e| StartError::Database { path: options.db.clone(), error: e.to_string() })?;
        eprintln!("tc-sandbox: database {} ready in {} ms", options.db.display(), t.elapsed().as_millis());
        let listener = std::net::TcpListener::bind(addr).map_err(|error| StartError::Bind { addr, error })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(StartError::Serve)?;
        listener.set_nonblocking(true).map_err(StartError::Serve)?;
        let listener = {
            let _in_runtime = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(StartError::Serve)?
        };
        let app = app::AppInner::new(options.clone(), conn, port);
        let worker = batch::start_worker(app.clone()).map_err(StartError::Serve)?;
        let (stop, stopped) = watch::channel(false);
        let handle = runtime.handle().clone();
        let served = app.clone();
        let http = std::thread::Builder::new().name("tc-sandbox-http".into()).spawn(move || {
            runtime.block_on(http::serve(listener, stopped, move |rq| server::handle(served.clone(), rq)));
            // Dropping the runtime drops the connections still open and waits for the
            // handlers running on its blocking pool, so nothing holds the database after it.
            drop(runtime);
        });
        let http = match http {
            Ok(t) => t,
            Err(e) => {
                worker.stop();
                return Err(StartError::Serve(e));
            }
        };
        Ok(Server { app, port, runtime: handle, stop: Some(stop), http: Some(http), worker: Some(worker) })
    }

    /// `http://127.0.0.1:PORT`, as the `listening on` line prints it.
    pub fn origin(&self) -> String {
        self.app.base()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The options it was started with.
    pub fn options(&self) -> &Options {
        &self.app.cfg
    }

    /// Answers a request in process, without a socket, through the very code a request over
    /// HTTP takes after hyper has read it: a body over 32 MiB (413), dot-segment resolution,
    /// the request log (stderr and [`Server::requests`]), latency and faults, authentication,
    /// routing. Blocks until the answer is ready; it runs on the server's runtime, so call it
    /// from a plain thread (a test), not from inside an async runtime.
    ///
    /// What hyper does before and after is not here: the request line and headers are not
    /// parsed (a target hyper would refuse with 400, such as one with a space, is handled),
    /// and the answer has no `content-length`/`date` headers and keeps its body on `HEAD`.
    pub fn handle(&self, request: Request) -> Response {
        if request.body.len() > http::MAX_BODY {
            return http::body_error(true);
        }
        self.runtime.block_on(server::handle(self.app.clone(), request))
    }

    /// The request log, oldest first, as `GET /_sandbox/requests` answers it in `data`:
    /// `{method, path, rawPath, query, status, startMs, endMs}` for each `/api` request.
    pub fn requests(&self) -> Vec<Value> {
        self.app.requests()
    }

    /// Empties the request log (`DELETE /_sandbox/requests`).
    pub fn clear_requests(&self) {
        self.app.clear_requests()
    }

    /// The fault configuration, as `GET /_sandbox/faults` answers it in `data`.
    pub fn faults(&self) -> Value {
        self.app.describe_faults()
    }

    /// Configures faults as `POST /_sandbox/faults` with this body does (see the README);
    /// `Err` with the message a 400 would carry.
    pub fn set_faults(&self, faults: Value) -> Result<(), String> {
        self.app.configure_faults(&faults).map(|_| ())
    }

    /// Back to the command-line latency, no rules, v3 on (`DELETE /_sandbox/faults`).
    pub fn clear_faults(&self) {
        self.app.clear_faults()
    }

    /// Stops the HTTP server and the batch worker and joins their threads (as dropping does).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
        if let Some(worker) = self.worker.take() {
            worker.stop();
        }
    }
}

// A test may share one server between threads.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Server>();
};

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
        // `app`, the last handle on the database, is dropped after this.
    }
}

//! Helper servers written in Node (`tests/smtp-server.mjs`, `tests/tls-front.mjs`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::thread;

/// A Node script of the repository's `tests/` folder that prints `listening on PORT` once
/// ready and stops when its standard input closes; killed when dropped.
pub struct NodeServer {
    child: Child,
    /// The port it said it listens on.
    pub port: u16,
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tests/<script>` of the repository with `args`; `Err` (for [`crate::skip`]) when node does not start.
pub fn node_server(script: &str, args: &[&str]) -> Result<NodeServer, String> {
    let mut child = Command::new("node")
        .arg(crate::root().join("tests").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its messages reach the test's stderr through this process: Node makes an inherited
        // stderr non-blocking and, killed, cannot undo it (see the test below).
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("node does not start ({e}): install Node.js 20"))?;
    let (stderr, name) = (child.stderr.take().expect("piped stderr"), script.to_string());
    thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|line| eprintln!("{name}: {line}")));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line).expect("read the listening line");
    let port = line.trim().strip_prefix("listening on ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("{script} said {line:?}"));
    Ok(NodeServer { child, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Node server stopped by its test leaves the test's output as it found it. Node makes an
    /// inherited stderr non-blocking and cannot undo that when it is killed; every later writer to
    /// that pipe (the test harness, cargo, make, `cat` in CI) then fails with EAGAIN when it is full.
    /// Run as this test binary again with its output piped, as CI runs it.
    #[test]
    fn a_stopped_node_server_leaves_the_output_blocking() {
        if std::env::var_os("PIVOT_NODE_PROBE").is_some() {
            drop(node_server("tls-front.mjs", &["9"]).expect("node starts"));
            let blocking = Command::new("python3").args(["-c", "import os, sys; sys.exit(0 if os.get_blocking(2) else 3)"]).status();
            assert!(blocking.expect("python3 runs").success(), "the node server left stderr non-blocking");
            return;
        }
        if Command::new("node").arg("--version").output().is_err() {
            return crate::skip("node does not start: install Node.js 20");
        }
        let probe = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "node::tests::a_stopped_node_server_leaves_the_output_blocking", "--nocapture", "--test-threads=1"])
            .env("PIVOT_NODE_PROBE", "1")
            .output()
            .unwrap();
        assert!(probe.status.success(), "{}", String::from_utf8_lossy(&probe.stderr));
    }
}

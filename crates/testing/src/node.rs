//! Helper servers written in Node (`tests/smtp-server.mjs`, `tests/tls-front.mjs`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

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
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("node does not start ({e}): install Node.js 20"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line).expect("read the listening line");
    let port = line.trim().strip_prefix("listening on ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("{script} said {line:?}"));
    Ok(NodeServer { child, port })
}

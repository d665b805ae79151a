//! The integration tests of `pivot-share`: one binary, one module per way the command is
//! run. The sandboxes run in this process (`pivot_testing::Sandbox`); `pivot-share` runs as
//! a child process against their origins, as an operator or ThreatConnect runs it.
//!
//! Where a new test goes:
//! - It tests one module's logic (the arguments, the params file, the mail's text, the
//!   proxy settings): a unit test beside the code in `src/`, not here.
//! - It runs the binary: here, in the module below for how it is run (the command line,
//!   the Job, mail through a real SMTP server), with `util` for the source/target pair and
//!   the command's environment. A test that cannot run calls `pivot_testing::skip`.
//!
//! Run one module: `cargo test -p pivot-share --test it -- job::`.

/// The command line against two sandboxes and a local SMTP sink: publish, import (dry run and real), pull, republish, skips, refusals, notifications, exit codes, the pull lease with real processes.
mod cli;
/// The Job app as ThreatConnect runs it: `scripts/package-job.sh`'s zip, its `run.py` with tcex's encrypted params file, the proxy, a CA bundle.
mod job;
/// `pull`'s notification through a real SMTP server (`tests/smtp-server.mjs`, Node): STARTTLS, implicit TLS, AUTH, a CA file.
mod mail;
/// What the modules share: the source/target pair, the command's environment, clients, folders under target/tmp.
mod util;

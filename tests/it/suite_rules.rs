//! Rules for the suite itself, so that a green `make test` means what it says:
//! every test reads its data from this project (a clone runs them all without
//! `../shared`), and no test passes by skipping in silence.

use pivot_testing::skip;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Test code and the scripts that run tests: `tests/` (but its fixtures), `crates/` (the sandbox,
/// its tests and the test harness `crates/testing`), `scripts/`, `Makefile`, `.ci/`.
fn test_sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("tests/fixtures") && !p.ends_with("target") {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|x| x == "rs" || x == "mjs" || x == "sh") {
                out.push(p);
            }
        }
    }
    let root = Path::new(ROOT);
    let mut out = vec![root.join("Makefile"), root.join(".ci/run")];
    walk(&root.join("tests"), &mut out);
    walk(&root.join("crates"), &mut out);
    walk(&root.join("scripts"), &mut out);
    assert!(out.len() > 20, "found only {} test sources", out.len());
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(ROOT).unwrap_or(p).display().to_string()
}

#[test]
fn tests_read_only_what_the_project_holds() {
    let mut found = vec![];
    for p in test_sources() {
        for (n, line) in read(&p).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if p.ends_with("suite_rules.rs") {
                continue;
            }
            if code.contains("../shared") || code.contains("shared/fixtures") {
                found.push(format!("{}:{}: {}", rel(&p), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "tests must read fixtures from tests/fixtures, not ../shared:\n{}", found.join("\n"));
    // And what they read is there.
    for (dir, at_least) in [("tests/fixtures/threatconnect-docs", 100), ("tests/fixtures/threatconnect-batch", 11)] {
        let n = std::fs::read_dir(Path::new(ROOT).join(dir)).map(|d| d.count()).unwrap_or(0);
        assert!(n >= at_least, "{dir} holds {n} files, expected at least {at_least}");
    }
}

#[test]
fn no_test_skips_in_silence() {
    let mut found = vec![];
    for p in test_sources() {
        if p.ends_with("testing/src/skip.rs") || p.ends_with("suite_rules.rs") {
            continue;
        }
        for (n, line) in read(&p).lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("//") || (t.starts_with('#') && !t.starts_with("#[")) {
                continue; // comments may name the rule
            }
            // A skip printed by hand, an ignored Rust test, a skipped or todo node test.
            let silent = ["SKIPPED", "#[ignore", ".skip(", "skip: true", ".todo("]
                .iter()
                .any(|s| line.contains(s) && !line.contains("iter().skip(") && !line.contains(".skip(1)"));
            if silent {
                found.push(format!("{}:{}: {}", rel(&p), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "a test that cannot run calls pivot_testing::skip (fails under CI=true):\n{}", found.join("\n"));
}

#[test]
fn make_test_turns_any_skip_into_a_failure() {
    let makefile = read(&Path::new(ROOT).join("Makefile"));
    assert!(makefile.contains("test-native test-browser test-e2e: export CI := true"), "Makefile must run its tests with CI=true");
}

/// `pivot_testing::skip` itself, run as a test would run it (this test binary again, with and
/// without CI=true): a failure under CI, a loud SKIPPED with the reason otherwise.
#[test]
fn a_skip_fails_under_ci_and_is_loud_otherwise() {
    if std::env::var_os("PIVOT_SKIP_PROBE").is_some() {
        skip("probe: this test was asked to skip");
        return;
    }
    let run = |ci: &str| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "suite_rules::a_skip_fails_under_ci_and_is_loud_otherwise", "--nocapture", "--test-threads=1"])
            .env("PIVOT_SKIP_PROBE", "1")
            .env("CI", ci)
            .output()
            .unwrap()
    };
    let under_ci = run("true");
    let err = String::from_utf8_lossy(&under_ci.stderr);
    assert!(!under_ci.status.success() && err.contains("cannot run: probe: this test was asked to skip"), "under CI=true: {err}");
    let outside = run("");
    let err = String::from_utf8_lossy(&outside.stderr);
    assert!(outside.status.success() && err.contains("SKIPPED: probe: this test was asked to skip"), "without CI: {err}");
}

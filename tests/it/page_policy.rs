//! The pages' Content-Security-Policy (index.html, publish-import.html) and how a package pins
//! its API origins into it (scripts/api-origins.sh, run by `make package`). The
//! browser side (the policy holds, nothing violates it) is tests/e2e/app.test.mjs.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PAGES: [&str; 3] = ["index.html", "publish-import.html", "triage.html"];

fn page(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(name)).unwrap()
}

/// The policy's directives, from the one CSP meta tag.
fn policy(html: &str) -> Vec<String> {
    let tag = "<meta http-equiv=\"Content-Security-Policy\" content=\"";
    let start = html.find(tag).expect("a CSP meta tag") + tag.len();
    let content = &html[start..start + html[start..].find('"').unwrap()];
    content.split(';').map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
}

#[test]
fn both_pages_carry_a_strict_policy_before_anything_it_governs() {
    for name in PAGES {
        let html = page(name);
        let head = &html[..html.find("</head>").unwrap()];
        // Right after <meta charset>, before any script, link or base.
        let charset = head.find("<meta charset=\"utf-8\" />").unwrap();
        let csp = head.find("Content-Security-Policy").unwrap();
        let first = ["<script", "<link", "<base"].iter().filter_map(|t| head.find(t)).min().unwrap();
        assert!(charset < csp && csp < first, "{name}: the policy must come first");
        assert_eq!(head.matches("Content-Security-Policy").count(), 1, "{name}");
        let directives = policy(&html);
        for want in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "base-uri 'self'",
            "form-action 'none'",
            "object-src 'none'",
        ] {
            assert!(directives.iter().any(|d| d == want), "{name}: missing `{want}` in {directives:?}");
        }
        for weak in ["unsafe-inline", "unsafe-eval'", "*", "http:", "https:", "nonce-"] {
            assert!(!directives.iter().any(|d| d.contains(weak) && !d.contains("wasm-unsafe-eval")), "{name}: `{weak}` weakens {directives:?}");
        }
        // No inline script or style: every <script> loads a file, no style attribute or element.
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{name}: inline script {tag}");
        }
        assert!(!html.contains("<style") && !html.contains(" style="), "{name}: inline style");
        assert!(!html.contains(" onload=") && !html.contains(" onerror=") && !html.contains(" onclick="), "{name}: inline handler");
    }
    // trunk writes the panels' loader tag from this pattern: a file, never an inline module.
    let trunk = std::fs::read_to_string(Path::new(ROOT).join("Trunk.toml")).unwrap();
    assert!(trunk.contains(r#"pattern_script = '<script type="module" src="{base}boot.js""#), "Trunk.toml pattern_script");
    assert!(trunk.contains("no_autoreload = true"), "trunk serve's reload client is an inline script");
}

fn pin(origins: &str) -> (bool, String, Vec<Vec<String>>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pivot-api-origins-{}", origins.len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in PAGES {
        std::fs::copy(Path::new(ROOT).join(name), dir.join(name)).unwrap();
    }
    let out = Command::new("bash").arg(PathBuf::from(ROOT).join("scripts/api-origins.sh")).arg(&dir).arg(origins).output().unwrap();
    let pages = PAGES.iter().map(|n| policy(&std::fs::read_to_string(dir.join(n)).unwrap())).collect();
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned(), pages)
}

#[test]
fn a_package_pins_exactly_the_origins_it_was_built_with() {
    let (ok, err, pages) = pin("https://api.tc.example:8443 https://tc2.example");
    assert!(ok, "{err}");
    for p in pages {
        let connect: Vec<&String> = p.iter().filter(|d| d.starts_with("connect-src")).collect();
        assert_eq!(connect, ["connect-src 'self' https://api.tc.example:8443 https://tc2.example"]);
    }
    let (ok, _, pages) = pin("");
    assert!(ok);
    assert!(pages.iter().all(|p| p.iter().any(|d| d == "connect-src 'self'")));
    // Only origins: https (http on loopback), no path, no wildcard, nothing that ends the directive.
    for bad in [
        "http://api.tc.example",
        "https://api.tc.example/api",
        "https://*.tc.example",
        "*",
        "'unsafe-inline'",
        "https://a.example;script-src",
        "data:",
    ] {
        let (ok, err, pages) = pin(bad);
        assert!(!ok, "{bad} was accepted");
        assert!(err.contains("is not an origin"), "{bad}: {err}");
        assert!(pages.iter().all(|p| p.iter().any(|d| d == "connect-src 'self'")), "{bad}: a page was changed");
    }
    assert!(pin("http://127.0.0.1:8787").0);
    // The browser's origin has no default port, so one written with it could never match.
    for bad in ["https://api.tc.example:443", "http://127.0.0.1:80"] {
        let (ok, err, _) = pin(bad);
        assert!(!ok && err.contains("leave out the default port"), "{bad}: {err}");
    }
}

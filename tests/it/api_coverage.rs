//! docs/api-coverage.md against the code: every call its table names is a function of the
//! client, and every test it names exists (a Rust `#[test]` function, or an end-to-end test
//! by its title), so a rename in the code cannot leave the table naming what is gone.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the table is checked against.
struct Code {
    /// Every Rust source of the workspace.
    rust: Vec<String>,
    /// The client's sources (`crates/threatconnect/src`), by module name.
    client: Vec<(String, String)>,
    /// The titles of the end-to-end tests (`tests/e2e/*.test.mjs`).
    titles: Vec<String>,
}

impl Code {
    fn of_workspace() -> Code {
        let root = Path::new(ROOT);
        let mut rust = vec![];
        for dir in ["src", "tests", "crates"] {
            rust_files(&root.join(dir), &mut rust);
        }
        let mut client = vec![];
        rust_files(&root.join("crates/threatconnect/src"), &mut client);
        let client = client.into_iter().map(|p| (module_name(&p), read(&p))).collect();
        let mut titles = vec![];
        for e in std::fs::read_dir(root.join("tests/e2e")).unwrap().flatten() {
            if e.file_name().to_string_lossy().ends_with(".test.mjs") {
                titles.extend(read(&e.path()).lines().filter_map(|l| l.trim_start().strip_prefix("test(\"")?.split('"').next().map(String::from)));
            }
        }
        Code { rust: rust.iter().map(|p| read(p)).collect(), client, titles }
    }

    /// A `#[test]` function `name` (a doc comment or other attributes may stand between).
    fn has_test(&self, name: &str) -> bool {
        self.rust.iter().any(|text| {
            let lines: Vec<&str> = text.lines().collect();
            lines.iter().enumerate().filter(|(_, l)| defines(l, name)).any(|(i, _)| {
                let mut above = lines[..i].iter().rev().map(|l| l.trim()).take_while(|l| l.starts_with("#[") || l.starts_with("//"));
                above.any(|l| l == "#[test]" || l == "#[wasm_bindgen_test]")
            })
        })
    }

    /// Whether `path` (`Client::name`, `module::v2::name`, `module::v3::name`, `module::name`)
    /// is a function of the client; an error when there is no such module.
    fn has_call(&self, path: &str) -> Result<bool, String> {
        let parts: Vec<&str> = path.split("::").collect();
        if let ["Client", name] = parts[..] {
            return Ok(self.client.iter().any(|(_, text)| text.lines().any(|l| defines(l, name))));
        }
        let text = self.client.iter().find(|(m, _)| m == parts[0]).map(|(_, t)| t.as_str());
        let text = text.ok_or_else(|| format!("no module {} in crates/threatconnect/src", parts[0]))?;
        match parts[1..] {
            // A builder: in the module's `pub mod v2 {` ... `}` (or v3).
            [version @ ("v2" | "v3"), name] => {
                let start = format!("pub mod {version} {{");
                Ok(text.lines().skip_while(|l| *l != start).take_while(|l| *l != "}").any(|l| defines(l, name)))
            }
            // A function of the module itself (not a method): at the top level.
            [name] => Ok(text.lines().any(|l| !l.starts_with(' ') && defines(l, name))),
            _ => Err("a path this check cannot read".into()),
        }
    }
}

/// Whether `line` declares `fn name`.
fn defines(line: &str, name: &str) -> bool {
    let line = format!(" {line}");
    line.contains(&format!(" fn {name}(")) || line.contains(&format!(" fn {name}<"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let p = e.path();
        if p.is_dir() && !p.ends_with("target") && !p.ends_with("node_modules") {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `owners.rs` is `owners`, `client/mod.rs` is `client`.
fn module_name(p: &Path) -> String {
    let stem = p.file_stem().unwrap().to_string_lossy();
    if stem == "mod" {
        p.parent().unwrap().file_name().unwrap().to_string_lossy().into()
    } else {
        stem.into()
    }
}

/// The cells of a table row; `\|` is a `|` inside a cell.
fn cells(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = row.trim().trim_start_matches('|').trim_end_matches('|').chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut().unwrap().extend(chars.next()),
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

/// The backticked names of a cell, each with the text before it (since the previous one).
fn backticked(cell: &str) -> Vec<(&str, &str)> {
    let parts: Vec<&str> = cell.split('`').collect();
    parts.chunks(2).filter(|c| c.len() == 2).map(|c| (c[0], c[1])).collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every name of the table in `doc` that `code` does not have, one line each.
fn problems(doc: &str, code: &Code) -> Vec<String> {
    let mut rows = doc.lines().filter(|l| l.starts_with('|')).map(cells);
    let Some(header) = rows.next() else { return vec!["no table".into()] };
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(call), Some(test)) = (column("call"), column("live test")) else {
        return vec![format!("the table has no call or live test column: {header:?}")];
    };
    let mut out = vec![];
    for row in rows.filter(|r| !r[0].starts_with("---")) {
        let what = &row[0];
        if row.len() != header.len() {
            out.push(format!("{what}: {} cells, the header has {}", row.len(), header.len()));
            continue;
        }
        // Calls: after `Client::a`, a comma and `b` name Client::b; a snake_case name anywhere
        // else says neither whose it is nor where.
        let mut client = false;
        for (before, name) in backticked(&row[call]) {
            let path = match name.strip_prefix("Client::") {
                Some(_) => name.to_string(),
                None if client && before.trim() == "," && is_name(name) => format!("Client::{name}"),
                None if is_name(name) && !name.contains(|c: char| c.is_ascii_uppercase()) => {
                    out.push(format!("{what}: {name} continues no Client:: (write Client::{name} or module::{name})"));
                    client = false;
                    continue;
                }
                // A type's (`ItemRef::Victim`) or ThreatConnect's word (`runNow`): prose.
                _ if !name.contains("::") || name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                    client = false;
                    continue;
                }
                _ => name.to_string(),
            };
            client = path.starts_with("Client::");
            match code.has_call(&path) {
                Ok(true) => {}
                Ok(false) => out.push(format!("{what}: no fn {} in crates/threatconnect/src ({path})", path.rsplit("::").next().unwrap())),
                Err(e) => out.push(format!("{what}: {e} ({path})")),
            }
        }
        // Tests: `rust_test_name`, "an e2e title" or "the start of one...".
        for (_, name) in backticked(&row[test]) {
            if !is_name(name) || !code.has_test(name) {
                out.push(format!("{what}: no #[test] fn {name} in the workspace"));
            }
        }
        for title in row[test].split('"').skip(1).step_by(2) {
            let found = match title.strip_suffix("...") {
                Some(start) => code.titles.iter().any(|t| t.starts_with(start)),
                None => code.titles.iter().any(|t| t == title),
            };
            if !found {
                out.push(format!("{what}: no e2e test titled \"{title}\" in tests/e2e"));
            }
        }
    }
    out
}

#[test]
fn every_call_and_test_the_api_coverage_table_names_is_in_the_code() {
    let doc = read(&Path::new(ROOT).join("docs/api-coverage.md"));
    let code = Code::of_workspace();
    assert!(code.rust.len() > 50 && code.client.len() > 20 && code.titles.len() > 40, "the sources were not found");
    assert!(doc.lines().filter(|l| l.starts_with("| ")).count() > 20, "the table has gone");
    let found = problems(&doc, &code);
    assert!(found.is_empty(), "docs/api-coverage.md names what the code does not have:\n{}", found.join("\n"));
}

#[test]
fn the_checker_reports_what_a_table_names_and_the_code_lacks() {
    let doc = "\
| capability | call | model | sandbox | live test |
|---|---|---|---|---|
| owners | `Client::owners`, `my_owner` (`runNow`) | `Owner` | `/v2/owners\\|mine` | `owners_are_listed`, `owners_helper`; e2e \"opens on...\" |
| tags | `search_tags`, `tags::v2::add`, `tags::v3::add` with `ItemRef::Victim`; `panels::load`, `nowhere::fn_x` | `Tag` | | e2e \"tags show\" |
";
    let code = Code {
        rust: vec!["#[test]\n/// Doc.\nfn owners_are_listed() {}\nfn owners_helper() {}\n".into()],
        client: vec![
            ("owners".into(), "impl<T: Transport> Client<T> {\n    pub async fn owners(&self) {}\n}\n".into()),
            ("tags".into(), "pub mod v2 {\n    pub fn add() {}\n}\n\npub mod v3 {\n}\n".into()),
            ("panels".into(), "impl Panel {\n    pub fn load() {}\n}\n".into()),
        ],
        titles: vec!["opens on an indicator".into(), "tags show up".into()],
    };
    assert_eq!(
        problems(doc, &code),
        [
            "owners: no fn my_owner in crates/threatconnect/src (Client::my_owner)",
            "owners: no #[test] fn owners_helper in the workspace",
            "tags: search_tags continues no Client:: (write Client::search_tags or module::search_tags)",
            "tags: no fn add in crates/threatconnect/src (tags::v3::add)",
            "tags: no fn load in crates/threatconnect/src (panels::load)",
            "tags: no module nowhere in crates/threatconnect/src (nowhere::fn_x)",
            "tags: no e2e test titled \"tags show\" in tests/e2e",
        ]
    );
}

//! `docs/architecture.md` matches the tree: every module its "Layers" section names exists and
//! every module of the tree is named there; every import of non-test code follows the layers
//! (a module uses modules of its own layer or lower ones, a crate only crates of lower layers);
//! no module imports form a circle; the pure sharing core uses nothing of the client but its
//! models and dates; and no view, no part of the sharing executor and nothing of `pivot-share`
//! builds a request.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The "Layers" section: layer of each crate, and layer of each module per crate.
#[derive(Debug, Default)]
struct Layers {
    crates: BTreeMap<String, u32>,
    modules: BTreeMap<String, BTreeMap<String, u32>>,
}

fn parse_layers(doc: &str) -> Layers {
    let section = doc.split("\n## Layers").nth(1).expect("docs/architecture.md has a \"## Layers\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut layers = Layers::default();
    let mut heading = String::new();
    for line in section.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            heading = h.trim().to_string();
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(layer), Some(names)) = (cells.get(1).and_then(|c| c.parse::<u32>().ok()), cells.get(2)) else { continue };
        for name in names.split(',').map(|n| n.trim().trim_matches('`')).filter(|n| !n.is_empty()) {
            if heading == "crates" {
                layers.crates.insert(name.to_string(), layer);
            } else {
                layers.modules.entry(heading.clone()).or_default().insert(name.to_string(), layer);
            }
        }
    }
    layers
}

/// A workspace crate: its package name, the name code uses for it, and its `src`.
#[derive(Clone, Debug)]
struct Crate {
    name: String,
    lib: String,
    src: PathBuf,
    manifest: String,
}

fn workspace() -> Vec<Crate> {
    let root = Path::new(ROOT);
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = manifest.split("members = [").nth(1).and_then(|m| m.split(']').next()).expect("workspace members");
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| {
            let dir = root.join(m);
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            let name = manifest.lines().find_map(|l| l.strip_prefix("name = \"")).and_then(|l| l.strip_suffix('"')).unwrap().to_string();
            Crate { lib: name.replace('-', "_"), name, src: dir.join("src"), manifest }
        })
        .collect()
}

/// Code without comments and with string literals emptied, so that neither can look like an import.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !b.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"...", r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && b.get(i + 2) == Some(&'\'') {
            i += 3; // a char literal such as '"'
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < b.len() && b[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The non-test part of a module's code: without its `#[cfg(test)] mod ... { ... }` blocks.
fn non_test(text: &str) -> String {
    let code = code_only(text);
    let mut out = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 12..];
        if !after.trim_start().starts_with("mod ") {
            out.push_str("#[cfg(test)]");
            rest = after;
            continue;
        }
        // Skip to the end of the module: its `;` or its closing brace.
        let (mut depth, mut end) = (0usize, after.len());
        for (i, ch) in after.char_indices() {
            match ch {
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Module path of a source file below `src` (`exec/mod.rs` is `exec`); `None` for crate roots,
/// binaries and test modules.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.first().is_some_and(|p| p == "bin") || parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts.iter().any(|p| p == "tests" || p == "test_util") {
        return None;
    }
    Some(parts.join("::"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A module's code, by module path.
fn modules(c: &Crate) -> BTreeMap<String, String> {
    let mut files = Vec::new();
    rust_files(&c.src, &mut files);
    files.iter().filter_map(|f| Some((module_of(&c.src, f)?, std::fs::read_to_string(f).unwrap()))).collect()
}

/// Items the crate root re-exports, by name, with the module each comes from (`pub use a::{X, Y}`).
fn root_reexports(c: &Crate) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for root in ["lib.rs", "main.rs"] {
        let Ok(text) = std::fs::read_to_string(c.src.join(root)) else { continue };
        for stmt in code_only(&text).split(';') {
            let Some(rest) = stmt.trim().strip_prefix("pub use ") else { continue };
            let (module, items) = match rest.split_once("::{") {
                Some((m, items)) => (m.to_string(), items.trim_end_matches('}').split(',').map(|i| i.trim().to_string()).collect::<Vec<_>>()),
                None => match rest.rsplit_once("::") {
                    Some((m, item)) => (m.to_string(), vec![item.trim().to_string()]),
                    None => continue,
                },
            };
            for item in items.into_iter().filter(|i| !i.is_empty()) {
                out.insert(item, module.clone());
            }
        }
    }
    out
}

fn ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every `prefix::a::b::...` path in `code` (prefix a whole word), as its segments.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let needle = format!("{prefix}::");
    let mut from = 0;
    while let Some(at) = code[from..].find(&needle) {
        let at = from + at;
        from = at + needle.len();
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| ident(c) || c == ':') {
            continue;
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c}` (one level of braces).
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let segs: Vec<String> =
                    item.trim().split("::").map(|s| s.trim().trim_matches(|c: char| !ident(c)).to_string()).filter(|s| !s.is_empty()).collect();
                if !segs.is_empty() {
                    out.push(segs);
                }
            }
            continue;
        }
        let end = rest.find(|c: char| !(ident(c) || c == ':')).unwrap_or(rest.len());
        let segs: Vec<String> = rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
        if !segs.is_empty() {
            out.push(segs);
        }
    }
    out
}

/// The longest module (of `known`) that `segs` starts with.
fn longest(known: &BTreeSet<String>, segs: &[String]) -> Option<String> {
    (1..=segs.len()).rev().map(|k| segs[..k].join("::")).find(|m| known.contains(m))
}

/// What each module of a crate uses of the crate's other modules, from non-test code;
/// `pub use` (a re-export) is not a use.
fn module_deps(code: &BTreeMap<String, String>, reexports: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<String> = code.keys().cloned().collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in code {
        let body: String = non_test(text).split(';').filter(|s| !s.trim_start().starts_with("pub use ")).collect::<Vec<_>>().join(";");
        let here: Vec<String> = module.split("::").map(str::to_string).collect();
        let mut add = |d: Option<String>| {
            if let Some(d) = d.filter(|d| d != module) {
                deps.entry(module.clone()).or_default().insert(d);
            }
        };
        for segs in paths_after(&body, "crate") {
            add(longest(&known, &segs)
                .or_else(|| reexports.get(&segs[0]).and_then(|m| longest(&known, &m.split("::").map(str::to_string).collect::<Vec<_>>()))));
        }
        let parent = &here[..here.len() - 1];
        for segs in paths_after(&body, "super") {
            let full: Vec<String> = parent.iter().cloned().chain(segs).collect();
            add(longest(&known, &full).or_else(|| (!parent.is_empty()).then(|| parent.join("::"))));
        }
        for segs in paths_after(&body, "self") {
            let full: Vec<String> = here.iter().cloned().chain(segs).collect();
            add(longest(&known, &full));
        }
        // Its own submodules, named directly (`mod explorer;` ... `explorer::Explorer`).
        for child in body.split("mod ").skip(1).filter_map(|s| s.split(';').next()).filter(|s| s.chars().all(ident)) {
            let full = format!("{module}::{child}");
            if known.contains(&full) && paths_after(&body, child).iter().any(|_| true) {
                add(Some(full));
            }
        }
    }
    deps
}

/// Modules in circles (strongly connected components of more than one module).
fn circles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    /// Tarjan's walk: next index, (index, lowlink) per module, the stack, what is on it.
    type Walk = (usize, BTreeMap<String, (usize, usize)>, Vec<String>, BTreeSet<String>);
    fn visit(v: &str, deps: &BTreeMap<String, BTreeSet<String>>, state: &mut Walk, out: &mut Vec<Vec<String>>) {
        let index = state.0;
        state.0 += 1;
        state.1.insert(v.to_string(), (index, index));
        state.2.push(v.to_string());
        state.3.insert(v.to_string());
        for w in deps.get(v).into_iter().flatten() {
            if !state.1.contains_key(w) {
                visit(w, deps, state, out);
                let low = state.1[w].1.min(state.1[v].1);
                state.1.get_mut(v).unwrap().1 = low;
            } else if state.3.contains(w) {
                let low = state.1[w].0.min(state.1[v].1);
                state.1.get_mut(v).unwrap().1 = low;
            }
        }
        if state.1[v].0 == state.1[v].1 {
            let mut component = Vec::new();
            while let Some(w) = state.2.pop() {
                state.3.remove(&w);
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                out.push(component);
            }
        }
    }
    let mut state = (0, BTreeMap::new(), Vec::new(), BTreeSet::new());
    let mut out = Vec::new();
    for v in deps.keys() {
        if !state.1.contains_key(v) {
            visit(v, deps, &mut state, &mut out);
        }
    }
    out
}

/// What breaks the layering of one crate: unnamed or missing modules, imports from above, circles.
fn check_modules(name: &str, layers: &BTreeMap<String, u32>, code: &BTreeMap<String, String>, reexports: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for m in code.keys().filter(|m| !layers.contains_key(*m)) {
        problems.push(format!("{name}: module {m} is not in docs/architecture.md"));
    }
    for m in layers.keys().filter(|m| !code.contains_key(*m)) {
        problems.push(format!("{name}: docs/architecture.md names {m}, which does not exist"));
    }
    let deps = module_deps(code, reexports);
    for (m, ds) in &deps {
        for d in ds {
            if let (Some(lm), Some(ld)) = (layers.get(m), layers.get(d)) {
                if ld > lm {
                    problems.push(format!("{name}: {m} (layer {lm}) uses {d} (layer {ld}), a higher layer"));
                }
            }
        }
    }
    for c in circles(&deps) {
        problems.push(format!("{name}: modules in a circle: {}", c.join(", ")));
    }
    problems
}

#[test]
fn the_layers_hold_across_the_workspace() {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).unwrap();
    let layers = parse_layers(&doc);
    let crates = workspace();
    let mut problems = Vec::new();
    for c in &crates {
        let Some(layer) = layers.crates.get(&c.name) else {
            problems.push(format!("crate {} is not in docs/architecture.md", c.name));
            continue;
        };
        let code = modules(c);
        match layers.modules.get(&c.name) {
            Some(module_layers) => problems.extend(check_modules(&c.name, module_layers, &code, &root_reexports(c))),
            None => problems.push(format!("docs/architecture.md has no module layers for {}", c.name)),
        }
        // Crates: what the manifest depends on (not dev-dependencies) and what the code names.
        let normal = c.manifest.split("[dev-dependencies]").next().unwrap_or("").split("dev-dependencies]").next().unwrap_or("");
        let sources: String = code.values().map(|t| non_test(t)).collect::<Vec<_>>().join("\n");
        for other in crates.iter().filter(|o| o.name != c.name) {
            let in_manifest = normal.lines().any(|l| l.trim_start().starts_with(&format!("{} =", other.name)));
            let in_code = !paths_after(&sources, &other.lib).is_empty();
            if in_manifest || in_code {
                let theirs = layers.crates.get(&other.name).copied().unwrap_or(u32::MAX);
                if theirs >= *layer {
                    problems.push(format!("crate {} (layer {layer}) depends on {} (layer {theirs}): not a lower layer", c.name, other.name));
                }
            }
        }
    }
    for n in layers.crates.keys().filter(|n| !crates.iter().any(|c| &c.name == *n)) {
        problems.push(format!("docs/architecture.md names crate {n}, which is not in the workspace"));
    }
    assert!(problems.is_empty(), "docs/architecture.md and the tree disagree:\n{}", problems.join("\n"));
}

/// The pure sharing core (its layers 1 to 5) uses nothing of `exec` (checked by the layers)
/// and, of the client, only its models and dates.
#[test]
fn the_sharing_core_is_pure() {
    let crates = workspace();
    let sharing = crates.iter().find(|c| c.name == "sharing").unwrap();
    let mut found = Vec::new();
    for (module, text) in modules(sharing).iter().filter(|(m, _)| !m.starts_with("exec")) {
        for segs in paths_after(&non_test(text), "threatconnect") {
            let allowed = ["types", "time", "GroupType", "IndicatorType"];
            if !allowed.contains(&segs[0].as_str()) {
                found.push(format!("sharing::{module} uses threatconnect::{}", segs.join("::")));
            }
        }
    }
    assert!(found.is_empty(), "the sharing core uses more of the client than its models and dates:\n{}", found.join("\n"));
}

/// Requests are built by the client's typed calls, never by a view, the sharing executor or the
/// command. A request is an `HttpRequest`, made by naming it or one of the `v2`/`v3` builder
/// modules, and sent with the client's raw calls; watched code names none of them.
#[test]
fn no_view_executor_or_command_builds_a_request() {
    const BUILDING: [&str; 11] = ["HttpRequest", "HttpResponse", "ApiPath", "Method", "v2", "v3", "v2_ok", "v2_one", "v2_list", "v3_one", "v3_list"];
    let crates = workspace();
    let mut found = Vec::new();
    for c in &crates {
        for (module, text) in modules(c) {
            let watched =
                (c.name == "pivot" && module.starts_with("ui")) || (c.name == "sharing" && module.starts_with("exec")) || c.name == "pivot-share";
            if !watched {
                continue;
            }
            let code = non_test(&text);
            let words: BTreeSet<&str> = code.split(|ch: char| !ident(ch)).collect();
            for token in BUILDING.iter().filter(|t| words.contains(*t)) {
                found.push(format!("{}::{module} names {token}", c.name));
            }
        }
    }
    assert!(found.is_empty(), "only the client's typed calls build requests:\n{}", found.join("\n"));
}

/// The checks above can fail: an import from a higher layer, a circle, an unnamed module and a
/// named module that is not there are each found in a small made-up crate.
#[test]
fn the_checks_find_what_breaks_the_layers() {
    let layers: BTreeMap<String, u32> = [("low", 1), ("mid", 2), ("high", 3), ("ghost", 1)].into_iter().map(|(m, l)| (m.to_string(), l)).collect();
    let code: BTreeMap<String, String> = [
        ("low", "use crate::high::Thing; // the bug\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::high::Anything; fn t() { {} } }\nfn after_the_tests() {}"),
        ("mid", "use super::low::X;\nuse crate::{high};"),
        ("high", "use crate::mid::Y; pub use crate::low::Z; fn g() { let s = \"crate::low::is_a_string\"; }"),
        ("extra", "fn h() {}\n#[cfg(test)]\nmod tests {}\nfn after() { crate::low::f() }"),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_string(), t.to_string()))
    .collect();
    let problems = check_modules("made-up", &layers, &code, &BTreeMap::new());
    let has = |s: &str| problems.iter().any(|p| p.contains(s));
    assert!(has("low (layer 1) uses high (layer 3)"), "{problems:#?}");
    assert!(has("mid (layer 2) uses high (layer 3)"), "{problems:#?}");
    assert!(has("modules in a circle: high, low, mid"), "{problems:#?}");
    assert!(has("module extra is not in docs/architecture.md"), "{problems:#?}");
    // Code after a test module is code.
    assert!(module_deps(&code, &BTreeMap::new())["extra"].contains("low"));
    assert!(has("names ghost, which does not exist"), "{problems:#?}");
    // Test code, re-exports, comments and strings are not uses.
    assert!(!problems.iter().any(|p| p.contains("Anything") || p.contains("high (layer 3) uses low")), "{problems:#?}");
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

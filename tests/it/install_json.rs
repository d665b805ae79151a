//! install.json follows ThreatConnect's deployment-configuration rules
//! (ThreatConnect's documentation of install.json and of Job apps): the Spaces app's
//! (`install.json`) and the Cross-Intel Sharing Job app's (`job/install.json`).

use pivot::launch::spaces_type_name;
use serde_json::{json, Value};
use threatconnect::types::{BASE_INDICATOR_TYPES, GROUP_TYPES};

const REQUIRED: [(&str, &str); 7] = [
    ("allowOnDemand", "boolean"),
    ("displayName", "string"),
    ("params", "array"),
    ("programLanguage", "string"),
    ("programMain", "string"),
    ("programVersion", "string"),
    ("runtimeLevel", "string"),
];
const OPTIONAL: [&str; 8] =
    ["runtimeContext", "programIcon", "listDelimiter", "minServerVersion", "languageVersion", "apiUserTokenParam", "note", "features"];
const PARAM_TYPES: [&str; 7] = ["Boolean", "Choice", "EditChoice", "KeyValueList", "MultiChoice", "String", "StringMixed"];
const PARAM_FIELDS: [&str; 12] =
    ["name", "label", "type", "encrypt", "hidden", "allowMultiple", "default", "required", "sequence", "validValues", "note", "viewRows"];

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Spaces,
    Job,
}

/// Every rule broken by `config`, in words.
fn violations(config: &Value, crate_version: &str, kind: Kind) -> Vec<String> {
    let mut out = Vec::new();
    let Some(obj) = config.as_object() else { return vec!["install.json is not a JSON object".into()] };
    for (field, ty) in REQUIRED {
        match obj.get(field) {
            None => out.push(format!("{field} is required")),
            Some(v) if json_type(v) != ty => out.push(format!("{field} must be a {ty}")),
            _ => {}
        }
    }
    for key in obj.keys() {
        if !REQUIRED.iter().any(|(f, _)| f == key) && !OPTIONAL.contains(&key.as_str()) {
            out.push(format!("{key} is not an install.json field"));
        }
    }
    let language = obj.get("programLanguage").and_then(Value::as_str).unwrap_or_default();
    let level = obj.get("runtimeLevel").and_then(Value::as_str).unwrap_or_default();
    match kind {
        Kind::Spaces => {
            if language != "NONE" {
                out.push("programLanguage must be NONE for a Spaces app".into());
            }
            if level != "SpaceOrganization" {
                out.push("runtimeLevel must be SpaceOrganization for a Spaces app".into());
            }
        }
        Kind::Job => {
            // ThreatConnect runs Job apps only as Python or Java; Run Now only for those.
            if !["PYTHON", "JAVA"].contains(&language) {
                out.push(format!("programLanguage must be PYTHON or JAVA for a Job app, not {language:?}"));
            }
            if level != "Organization" {
                out.push(format!("runtimeLevel must be Organization for a Job app, not {level:?}"));
            }
            if obj.contains_key("runtimeContext") {
                out.push("runtimeContext is for Spaces apps, not a Job app".into());
            }
        }
    }
    match obj.get("programVersion").and_then(Value::as_str) {
        Some(v) if !is_semver(v) => out.push(format!("programVersion {v} is not semver")),
        Some(v) if v != crate_version => out.push(format!("programVersion {v} differs from Cargo.toml's {crate_version}")),
        _ => {}
    }
    if obj.get("displayName").and_then(Value::as_str).is_some_and(|n| n.trim().is_empty()) {
        out.push("displayName is empty".into());
    }
    let mut names = Vec::new();
    for (i, param) in obj.get("params").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(p) = param.as_object() else {
            out.push(format!("params[{i}] is not an object"));
            continue;
        };
        for key in p.keys() {
            if !PARAM_FIELDS.contains(&key.as_str()) {
                out.push(format!("params[{i}].{key} is not a param field"));
            }
        }
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            out.push(format!("params[{i}] has no name"));
        } else if name.starts_with("tc") {
            out.push(format!("params[{i}] name {name} collides with ThreatConnect's tc* parameters"));
        } else if names.contains(&name) {
            out.push(format!("param {name} is declared twice"));
        }
        names.push(name);
        if p.get("label").and_then(Value::as_str).is_none_or(|l| l.trim().is_empty()) {
            out.push(format!("param {name} has no label"));
        }
        let ty = p.get("type").and_then(Value::as_str).unwrap_or_default();
        if !PARAM_TYPES.contains(&ty) {
            out.push(format!("param {name} has type {ty:?}, not one of {PARAM_TYPES:?}"));
        }
        for flag in ["encrypt", "hidden", "allowMultiple", "required"] {
            if p.get(flag).is_some_and(|v| !v.is_boolean()) {
                out.push(format!("param {name}.{flag} must be a boolean"));
            }
        }
        if p.get("sequence").is_some_and(|v| !v.is_u64()) {
            out.push(format!("param {name}.sequence must be a whole number"));
        }
        if ty == "Boolean" && p.get("default").is_some_and(|d| !matches!(d, Value::Bool(_)) && d != "true" && d != "false") {
            out.push(format!("param {name} is Boolean but its default is not true/false"));
        }
        if matches!(ty, "Choice" | "MultiChoice") && p.get("validValues").and_then(Value::as_array).is_none_or(Vec::is_empty) {
            out.push(format!("param {name} is {ty} without validValues"));
        }
        if ty == "Choice" {
            if let (Some(d), Some(valid)) = (p.get("default"), p.get("validValues").and_then(Value::as_array)) {
                if !valid.contains(d) {
                    out.push(format!("param {name}'s default {d} is not one of its validValues"));
                }
            }
        }
        let secret = ["secret", "password", "key", "token"].iter().any(|w| name.to_ascii_lowercase().contains(w));
        if secret && p.get("encrypt") != Some(&json!(true)) {
            out.push(format!("param {name} holds a secret but is not encrypt: true"));
        }
    }
    if let Some(ctx) = obj.get("runtimeContext") {
        let known: Vec<String> = BASE_INDICATOR_TYPES
            .iter()
            .map(|t| spaces_type_name(t.type_name()))
            .chain(GROUP_TYPES.iter().map(|t| spaces_type_name(t.type_name())))
            .collect();
        match ctx.as_array() {
            None => out.push("runtimeContext must be an array".into()),
            Some(list) => {
                for v in list {
                    if !v.as_str().is_some_and(|s| known.iter().any(|k| k == s)) {
                        out.push(format!("runtimeContext has {v}, not a type Pivot has a panel for"));
                    }
                }
                for k in &known {
                    if !list.iter().any(|v| v == k.as_str()) {
                        out.push(format!("runtimeContext misses {k}, which Pivot has a panel for"));
                    }
                }
            }
        }
    }
    out
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"))
}

fn shipped() -> Value {
    read_json("install.json")
}

fn job() -> Value {
    read_json("job/install.json")
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn shipped_install_json_follows_every_rule() {
    assert_eq!(violations(&shipped(), VERSION, Kind::Spaces), Vec::<String>::new());
}

#[test]
fn declares_the_params_pivot_reads() {
    let config = shipped();
    let params = config["params"].as_array().unwrap();
    let find = |name: &str| params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no param {name}"));
    assert_eq!(find("defaultOwner")["type"], "String");
    assert_eq!(find("allowWriteBack")["type"], "Boolean");
    assert_eq!(config["displayName"], "Pivot");
    assert_eq!(config["programMain"], "ui/index.html");
}

/// A broken configuration: the problem the rules must name, and how to break it.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn the_rules_catch_broken_configurations() {
    let mutations: [Mutation; 9] = [
        ("displayName is required", |c| {
            c.as_object_mut().unwrap().remove("displayName");
        }),
        ("differs from Cargo.toml", |c| c["programVersion"] = json!("9.9.9")),
        ("is not semver", |c| c["programVersion"] = json!("1.0")),
        ("programLanguage must be NONE", |c| c["programLanguage"] = json!("PYTHON")),
        ("runtimeLevel must be SpaceOrganization", |c| c["runtimeLevel"] = json!("Playbook")),
        ("not one of", |c| c["params"][0]["type"] = json!("Text")),
        ("runtimeContext misses Host", |c| c["runtimeContext"].as_array_mut().unwrap().retain(|v| v != "Host")),
        ("not a type Pivot has a panel for", |c| c["runtimeContext"].as_array_mut().unwrap().push(json!("Tag"))),
        ("is not an install.json field", |c| c["colour"] = json!("blue")),
    ];
    for (expected, mutate) in mutations {
        let mut config = shipped();
        mutate(&mut config);
        let found = violations(&config, VERSION, Kind::Spaces);
        assert!(found.iter().any(|v| v.contains(expected)), "{expected}: got {found:?}");
    }
}

#[test]
fn job_install_json_follows_every_rule() {
    assert_eq!(violations(&job(), VERSION, Kind::Job), Vec::<String>::new());
}

/// The params the seed's Cross-Intel Sharing job is configured with (THREATCONNECT.md), by the
/// names `pivot-share`'s job mode reads (src/bin/pivot-share/job.rs), with the runner it names.
#[test]
fn job_declares_what_the_sharing_job_reads() {
    let config = job();
    assert_eq!(config["allowOnDemand"], json!(true), "Run Now");
    assert_eq!(config["programMain"], "run", "tcex's convention: ThreatConnect starts run.py");
    assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/job/run.py")).is_file());
    let params = config["params"].as_array().unwrap();
    let find = |name: &str| params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no param {name}"));
    for (name, label, ty, required) in [
        ("target_owner", "Target Owner", "Choice", true),
        ("source_api_url", "Source API URL", "String", true),
        ("source_org", "Source Organization", "String", true),
        ("source_owners", "Source Communities/Sources to accept", "String", false),
        ("source_instance_id", "Source Instance Id", "String", true),
        ("source_access_id", "Source Access ID", "String", true),
        ("source_secret_key", "Source Secret Key", "String", true),
        ("logging_level", "Logging Level", "Choice", false),
        ("replace_labels", "Replace security labels already on target items", "Boolean", false),
        ("adopt_existing", "Overwrite items that no share import brought", "Boolean", false),
        ("source_ca_bundle", "Source CA Bundle (PEM)", "String", false),
    ] {
        let p = find(name);
        assert_eq!((p["label"].as_str(), p["type"].as_str(), p["required"].as_bool()), (Some(label), Some(ty), Some(required)), "{name}");
    }
    assert_eq!(find("source_secret_key")["encrypt"], json!(true));
    assert_eq!(find("target_owner")["validValues"], json!(["${OWNERS}"]));
    assert_eq!(find("replace_labels")["default"], json!(false), "replacing labels is opt-in");
    assert_eq!(find("adopt_existing")["default"], json!(false), "adopting existing items is opt-in");
    // Every param is read by job mode under the same name.
    let job_rs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/pivot-share/src/job.rs")).unwrap();
    for p in params {
        let name = p["name"].as_str().unwrap();
        assert!(job_rs.contains(&format!("\"{name}\"")), "job.rs never reads {name}");
    }
}

#[test]
fn the_rules_catch_broken_job_configurations() {
    let mutations: [Mutation; 7] = [
        ("programLanguage must be PYTHON or JAVA", |c| c["programLanguage"] = json!("NONE")),
        ("runtimeLevel must be Organization", |c| c["runtimeLevel"] = json!("SpaceOrganization")),
        ("runtimeContext is for Spaces apps", |c| c["runtimeContext"] = json!(["Host"])),
        ("holds a secret but is not encrypt: true", |c| {
            c["params"].as_array_mut().unwrap().iter_mut().find(|p| p["name"] == "source_secret_key").unwrap()["encrypt"] = json!(false)
        }),
        ("is not one of its validValues", |c| {
            c["params"].as_array_mut().unwrap().iter_mut().find(|p| p["name"] == "logging_level").unwrap()["default"] = json!("loud")
        }),
        ("collides with ThreatConnect's tc* parameters", |c| c["params"][0]["name"] = json!("tc_owner")),
        ("differs from Cargo.toml", |c| c["programVersion"] = json!("2.0.0")),
    ];
    for (expected, mutate) in mutations {
        let mut config = job();
        mutate(&mut config);
        let found = violations(&config, VERSION, Kind::Job);
        assert!(found.iter().any(|v| v.contains(expected)), "{expected}: got {found:?}");
    }
}

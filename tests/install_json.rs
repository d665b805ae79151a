//! install.json follows ThreatConnect's deployment-configuration rules
//! (../shared/THREATCONNECT.md, "install.json").

use pivot::spaces::spaces_type_name;
use pivot::tc::types::{BASE_INDICATOR_TYPES, GROUP_TYPES};
use serde_json::{json, Value};

const REQUIRED: [(&str, &str); 7] = [
    ("allowOnDemand", "boolean"),
    ("displayName", "string"),
    ("params", "array"),
    ("programLanguage", "string"),
    ("programMain", "string"),
    ("programVersion", "string"),
    ("runtimeLevel", "string"),
];
const OPTIONAL: [&str; 8] = [
    "runtimeContext", "programIcon", "listDelimiter", "minServerVersion",
    "languageVersion", "apiUserTokenParam", "note", "features",
];
const PARAM_TYPES: [&str; 7] = ["Boolean", "Choice", "EditChoice", "KeyValueList", "MultiChoice", "String", "StringMixed"];
const PARAM_FIELDS: [&str; 12] = [
    "name", "label", "type", "encrypt", "hidden", "allowMultiple", "default",
    "required", "sequence", "validValues", "note", "viewRows",
];

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

/// Every rule broken by `config`, in words.
fn violations(config: &Value, crate_version: &str) -> Vec<String> {
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
    if obj.get("programLanguage") != Some(&json!("NONE")) {
        out.push("programLanguage must be NONE for a Spaces app".into());
    }
    if obj.get("runtimeLevel") != Some(&json!("SpaceOrganization")) {
        out.push("runtimeLevel must be SpaceOrganization for a Spaces app".into());
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

fn shipped() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/install.json")).expect("install.json");
    serde_json::from_str(&text).expect("install.json is valid JSON")
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn shipped_install_json_follows_every_rule() {
    assert_eq!(violations(&shipped(), VERSION), Vec::<String>::new());
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

#[test]
fn the_rules_catch_broken_configurations() {
    let mutations: [(&str, fn(&mut Value)); 9] = [
        ("displayName is required", |c| { c.as_object_mut().unwrap().remove("displayName"); }),
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
        let found = violations(&config, VERSION);
        assert!(found.iter().any(|v| v.contains(expected)), "{expected}: got {found:?}");
    }
}

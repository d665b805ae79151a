//! Indicators (every owner's copy given), their observed values, their associated groups,
//! TLP and security labels as one STIX 2.1 bundle. Pure; docs/stix.md has the mapping table.
//!
//! - Every id is deterministic (UUIDv5): the same items export to the same ids, on any
//!   machine. Observables (SCOs) use STIX's own namespace over their id-contributing
//!   properties, so the same address exported by anyone gets the same id; everything else
//!   uses [`PIVOT_NAMESPACE`] over the owner, type and value or name.
//! - Markings cover every object they cover: an indicator carries its own labels'
//!   markings; its observable, its relationships and its associated groups carry them too
//!   (a group also carries its own labels), so an item labelled TLP:RED never leaves
//!   without the TLP:RED marking on everything exported because of it.
//! - Types STIX has no object for go out as `x-threatconnect-indicator` and
//!   `x-threatconnect-group` objects, defined as STIX 2.1 prefers (section 7.3; section 11
//!   deprecates bare custom objects): each names Pivot's extension definition
//!   ([`EXTENSION_ID`], `extension_type` `new-sdo`), which the bundle carries with its
//!   creator. What cannot be written at all is listed in [`Bundle::omitted`].

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, BTreeSet};
use threatconnect::{Group, GroupType, Indicator, IndicatorType, SecurityLabel};

/// Pivot's UUIDv5 namespace: UUIDv5 of the URL namespace and `https://github.com/pivot/stix`.
pub const PIVOT_NAMESPACE: &str = "7bd09b6d-fe34-5263-9108-65c17f8e666e";
/// STIX 2.1's namespace for deterministic observable ids (section 2.9).
pub const SCO_NAMESPACE: &str = "00abedb4-aa42-466c-9c01-fed23315a9b7";

/// The TLP marking definitions STIX 2.1 predefines (section 7.2.1.4): level, id.
pub const TLP_MARKINGS: [(&str, &str); 4] = [
    ("white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
    ("green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
    ("amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
    ("red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
];

/// Pivot's extension definition for its `x-threatconnect-*` object types: a fixed UUIDv4
/// (an extension definition is one published object, the same in every bundle).
pub const EXTENSION_ID: &str = "extension-definition--2e0f0812-96e9-4651-9457-87fa15569afc";
/// The identity that created [`EXTENSION_ID`]: Pivot itself.
pub const PIVOT_IDENTITY: &str = "identity--2d1487be-521c-4312-9c0f-e60debc3b596";
/// The properties Pivot adds to STIX's own indicator objects (a `toplevel-property-extension`).
const TOPLEVEL_PROPERTIES: [&str; 3] = ["x_threatconnect_rating", "x_threatconnect_false_positives", "x_threatconnect_observations"];
/// When the extension definition was written (its `created` and `modified`).
const EXTENSION_DATE: &str = "2026-12-07T00:00:00.000Z";

/// The extension definition and its creator, as the bundle carries them when it holds a
/// custom object. `schema` is plain text, as section 7.3 allows.
fn extension_objects() -> [Value; 2] {
    [
        json!({"type": "identity", "spec_version": "2.1", "id": PIVOT_IDENTITY, "created": EXTENSION_DATE, "modified": EXTENSION_DATE,
               "name": "Pivot", "identity_class": "system", "description": "Pivot, a ThreatConnect app: exports of ThreatConnect indicators and groups"}),
        json!({"type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID, "created_by_ref": PIVOT_IDENTITY,
               "created": EXTENSION_DATE, "modified": EXTENSION_DATE, "name": "ThreatConnect items STIX has no object for", "version": "1.0.0",
               "description": "ThreatConnect indicators of custom types and groups of types STIX 2.1 has no object for.",
               "extension_types": ["new-sdo", "toplevel-property-extension"],
               "extension_properties": TOPLEVEL_PROPERTIES,
               "schema": "x-threatconnect-indicator: name (the indicator's value as ThreatConnect holds it), x_threatconnect_type (its ThreatConnect indicator type), labels (its tags), created_by_ref (its owner), external_references (its ThreatConnect id and page). On indicator objects, the top-level properties x_threatconnect_rating (the owner's rating, 0 to 5), x_threatconnect_false_positives (false positives reported) and x_threatconnect_observations (observations reported). x-threatconnect-group: name, description, x_threatconnect_group_type (its ThreatConnect group type: Document, Email, Event, Signature, Tactic, Threat), labels, created_by_ref, external_references. Both carry the common properties of STIX 2.1 section 3.2 and object_marking_refs for their TLP and security labels."}),
    ]
}

/// A bundle and what could not go into it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// The STIX 2.1 bundle.
    pub json: Value,
    /// What was left out, each with why (`ASN "ASx": no number`).
    pub omitted: Vec<String>,
}

/// A UUIDv5 (RFC 9562): SHA-1 of the namespace's bytes and the name.
pub fn uuid_v5(namespace: &str, name: &str) -> String {
    let ns: Vec<u8> = namespace
        .bytes()
        .filter(|b| *b != b'-')
        .collect::<Vec<u8>>()
        .chunks(2)
        .filter_map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok()))
        .collect();
    let mut h = Sha1::new();
    h.update(&ns);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn pivot_id(kind: &str, name: &str) -> String {
    format!("{kind}--{}", uuid_v5(PIVOT_NAMESPACE, name))
}

/// A STIX timestamp (`2026-01-02T03:04:05.000Z`, milliseconds as STIX wants for `created`
/// and `modified`) from an RFC 3339 one, or `None`.
pub fn timestamp(rfc3339: &str) -> Option<String> {
    let (secs, nanos) = threatconnect::time::rfc3339_instant(rfc3339)?;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = threatconnect::time::civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, nanos / 1_000_000))
}

/// A STIX pattern string literal: quotes and backslashes escaped (no value can end it).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The observable for a value: its STIX type, its properties (the id-contributing ones),
/// the pattern that matches it. `None` with the reason when there is none.
struct Observable {
    sco: Option<(String, Map<String, Value>)>,
    pattern: String,
}

fn file_hashes(summary: &str) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for h in summary.split(" : ").map(str::trim) {
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let name = match h.len() {
            32 => "MD5",
            40 => "SHA-1",
            64 => "SHA-256",
            _ => continue,
        };
        out.insert(name, h.to_ascii_lowercase());
    }
    out
}

fn observable(t: &IndicatorType, value: &str) -> Result<Option<Observable>, String> {
    let one = |ty: &str, prop: &str, v: Value, pattern: String| -> Result<Option<Observable>, String> {
        let mut m = Map::new();
        m.insert(prop.to_owned(), v);
        Ok(Some(Observable { sco: Some((ty.to_owned(), m)), pattern }))
    };
    match t {
        IndicatorType::Address | IndicatorType::Cidr => {
            let ip = value.split('/').next().unwrap_or("");
            let ty = if ip.parse::<std::net::Ipv4Addr>().is_ok() {
                "ipv4-addr"
            } else if ip.parse::<std::net::Ipv6Addr>().is_ok() {
                "ipv6-addr"
            } else {
                return Err(format!("{t} {value:?}: not an IPv4 or IPv6 address"));
            };
            one(ty, "value", json!(value), format!("[{ty}:value = {}]", lit(value)))
        }
        IndicatorType::Host => one("domain-name", "value", json!(value), format!("[domain-name:value = {}]", lit(value))),
        IndicatorType::Url => one("url", "value", json!(value), format!("[url:value = {}]", lit(value))),
        IndicatorType::EmailAddress => one("email-addr", "value", json!(value), format!("[email-addr:value = {}]", lit(value))),
        IndicatorType::File => {
            let hashes = file_hashes(value);
            if hashes.is_empty() {
                return Err(format!("File {value:?}: no MD5, SHA1 or SHA256"));
            }
            let pattern = hashes.iter().map(|(k, v)| format!("file:hashes.'{k}' = {}", lit(v))).collect::<Vec<_>>().join(" OR ");
            let mut m = Map::new();
            m.insert("hashes".into(), json!(hashes));
            Ok(Some(Observable { sco: Some(("file".into(), m)), pattern: format!("[{pattern}]") }))
        }
        IndicatorType::Asn => {
            let n = value.trim().to_ascii_uppercase();
            let digits = n.strip_prefix("ASN").or_else(|| n.strip_prefix("AS")).unwrap_or(&n);
            let num: u32 = digits.trim().parse().map_err(|_| format!("ASN {value:?}: no number"))?;
            one("autonomous-system", "number", json!(num), format!("[autonomous-system:number = {num}]"))
        }
        IndicatorType::Mutex => one("mutex", "name", json!(value), format!("[mutex:name = {}]", lit(value))),
        IndicatorType::RegistryKey => {
            // ThreatConnect summarises a key as `key : value name : value type`.
            let mut parts = value.split(" : ");
            let key = parts.next().unwrap_or("").trim();
            let name = parts.next().map(str::trim).filter(|s| !s.is_empty());
            let mut pattern = format!("windows-registry-key:key = {}", lit(key));
            if let Some(n) = name {
                pattern = format!("{pattern} AND windows-registry-key:values[*].name = {}", lit(n));
            }
            one("windows-registry-key", "key", json!(key), format!("[{pattern}]"))
        }
        IndicatorType::UserAgent => Ok(Some(Observable {
            sco: None,
            pattern: format!("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {}]", lit(value)),
        })),
        IndicatorType::Custom(_) => Ok(None),
    }
}

/// Canonical JSON (keys sorted, no spaces) as STIX's deterministic ids want (RFC 8785
/// for the strings and integers observables carry).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            let inner: Vec<String> = sorted.iter().map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical(v))).collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// The STIX object type of a group type; `None`: `x-threatconnect-group`.
pub fn group_stix_type(t: GroupType) -> Option<&'static str> {
    Some(match t {
        GroupType::Adversary => "threat-actor",
        GroupType::AttackPattern => "attack-pattern",
        GroupType::Campaign => "campaign",
        GroupType::CourseOfAction => "course-of-action",
        GroupType::Incident => "incident",
        GroupType::IntrusionSet => "intrusion-set",
        GroupType::Malware => "malware",
        GroupType::Report => "report",
        GroupType::Tool => "tool",
        GroupType::Vulnerability => "vulnerability",
        GroupType::Document | GroupType::Email | GroupType::Event | GroupType::Signature | GroupType::Tactic | GroupType::Threat => return None,
    })
}

/// `indicates` where STIX defines it (indicator to attack-pattern, campaign, intrusion-set,
/// malware, threat-actor, tool), `related-to` otherwise.
fn relationship_type(target_type: &str) -> &'static str {
    match target_type {
        "attack-pattern" | "campaign" | "intrusion-set" | "malware" | "threat-actor" | "tool" => "indicates",
        _ => "related-to",
    }
}

/// Collects objects by id, each once, in the order first added, with the markings each carries.
#[derive(Default)]
struct Objects {
    order: Vec<String>,
    by_id: BTreeMap<String, Map<String, Value>>,
    markings: BTreeMap<String, BTreeSet<String>>,
    definitions: BTreeMap<String, Value>,
}

impl Objects {
    fn add(&mut self, id: &str, obj: Map<String, Value>) {
        if !self.by_id.contains_key(id) {
            self.order.push(id.to_owned());
            self.by_id.insert(id.to_owned(), obj);
        }
    }
    fn mark(&mut self, id: &str, refs: &BTreeSet<String>) {
        self.markings.entry(id.to_owned()).or_default().extend(refs.iter().cloned());
    }
    /// The marking definitions for `labels`, added to the bundle; their ids.
    fn label_markings(&mut self, labels: &[SecurityLabel], exported_at: &str) -> BTreeSet<String> {
        let mut refs = BTreeSet::new();
        for l in labels {
            let name = l.name.trim();
            let upper = name.to_ascii_uppercase();
            let tlp = match upper.as_str() {
                "TLP:WHITE" | "TLP:CLEAR" => Some("white"),
                "TLP:GREEN" => Some("green"),
                "TLP:AMBER" | "TLP:AMBER+STRICT" => Some("amber"),
                "TLP:RED" => Some("red"),
                _ => None,
            };
            if let Some(level) = tlp {
                let id = TLP_MARKINGS.iter().find(|(l, _)| *l == level).map(|(_, id)| *id).unwrap_or_default();
                self.definitions.insert(
                    id.to_owned(),
                    json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2017-01-20T00:00:00.000Z",
                           "definition_type": "tlp", "name": format!("TLP:{}", level.to_ascii_uppercase()), "definition": {"tlp": level}}),
                );
                refs.insert(id.to_owned());
                // TLP 2.0's AMBER+STRICT and CLEAR have no STIX 2.1 predefined marking: the
                // nearest TLP marking above, and the label's own name as a statement.
                if upper == "TLP:AMBER+STRICT" || upper == "TLP:CLEAR" {
                    refs.insert(self.statement(l, exported_at));
                }
            } else {
                refs.insert(self.statement(l, exported_at));
            }
        }
        refs
    }
    fn statement(&mut self, l: &SecurityLabel, exported_at: &str) -> String {
        let name = l.name.trim();
        let id = pivot_id("marking-definition", &format!("security-label|{}", name.to_ascii_uppercase()));
        let statement = match l.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => format!("{name}: {d}"),
            None => name.to_owned(),
        };
        let created = l.date_added.as_deref().and_then(timestamp).unwrap_or_else(|| exported_at.to_owned());
        self.definitions.entry(id.clone()).or_insert_with(|| {
            json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": created, "name": name,
                   "definition_type": "statement", "definition": {"statement": statement}})
        });
        id
    }
}

fn common(ty: &str, id: &str, created: &str, modified: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(ty));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id));
    m.insert("created".into(), json!(created));
    m.insert("modified".into(), json!(modified));
    // Pivot's own object types name the extension definition that defines them.
    if ty.starts_with("x-threatconnect-") {
        m.insert("extensions".into(), json!({ EXTENSION_ID: {"extension_type": "new-sdo"} }));
    }
    m
}

fn dates(added: Option<&str>, modified: Option<&str>, exported_at: &str) -> (String, String) {
    let created = added.and_then(timestamp).unwrap_or_else(|| exported_at.to_owned());
    let modified = modified.and_then(timestamp).filter(|m| *m >= created).unwrap_or_else(|| created.clone());
    (created, modified)
}

fn identity(objects: &mut Objects, owner: &str, exported_at: &str) -> String {
    let id = pivot_id("identity", &format!("owner|{owner}"));
    let mut m = common("identity", &id, exported_at, exported_at);
    m.insert("name".into(), json!(owner));
    m.insert("identity_class".into(), json!("organization"));
    objects.add(&id, m);
    id
}

fn external_reference(id: i64, web_link: Option<&str>) -> Value {
    let mut r = json!({"source_name": "ThreatConnect", "external_id": id.to_string()});
    if let Some(url) = web_link.and_then(pivot_text::values::safe_http_link) {
        r["url"] = json!(url);
    }
    r
}

fn group_object(objects: &mut Objects, g: &Group, exported_at: &str) -> String {
    let gt = GroupType::from_name(&g.type_name);
    let stix_type = gt.and_then(group_stix_type).unwrap_or("x-threatconnect-group");
    let id = pivot_id(stix_type, &format!("group|{}|{}|{}", g.owner.name, g.type_name, g.name));
    if objects.by_id.contains_key(&id) {
        return id;
    }
    let (created, modified) = dates(g.date_added.as_deref(), g.last_modified.as_deref(), exported_at);
    let mut m = common(stix_type, &id, &created, &modified);
    m.insert("name".into(), json!(g.name));
    if let Some(d) = g.description.as_deref().filter(|d| !d.is_empty()) {
        m.insert("description".into(), json!(d));
    }
    match stix_type {
        "malware" => {
            m.insert("is_family".into(), json!(true));
        }
        "report" => {
            let published = g.event_date.as_deref().and_then(timestamp).unwrap_or_else(|| created.clone());
            m.insert("published".into(), json!(published));
            m.insert("object_refs".into(), json!([]));
        }
        "x-threatconnect-group" => {
            m.insert("x_threatconnect_group_type".into(), json!(g.type_name));
        }
        _ => {}
    }
    if !g.tags.is_empty() {
        m.insert("labels".into(), json!(g.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()));
    }
    let creator = identity(objects, &g.owner.name, exported_at);
    m.insert("created_by_ref".into(), json!(creator));
    m.insert("external_references".into(), json!([external_reference(g.id, g.web_link.as_deref())]));
    objects.add(&id, m);
    let own = objects.label_markings(&g.security_labels, exported_at);
    objects.mark(&id, &own);
    id
}

/// The bundle for `indicators` (each owner's copy an indicator of its own), with their
/// associated groups. `exported_at` (RFC 3339) stands in where ThreatConnect gave no date.
pub fn bundle(indicators: &[Indicator], exported_at: &str) -> Bundle {
    let exported_at = timestamp(exported_at).unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned());
    let mut objects = Objects::default();
    let mut omitted = Vec::new();
    let mut relationships: Vec<(String, String, &'static str)> = Vec::new();
    for ind in indicators {
        let obs = match observable(&ind.indicator_type, &ind.summary) {
            Ok(o) => o,
            Err(why) => {
                omitted.push(format!("{} (owner {}): {why}", ind.summary, ind.owner.name));
                continue;
            }
        };
        let own = objects.label_markings(&ind.security_labels, &exported_at);
        let (created, modified) = dates(ind.date_added.as_deref(), ind.last_modified.as_deref(), &exported_at);
        let creator = identity(&mut objects, &ind.owner.name, &exported_at);
        let key = format!("{}|{}|{}", ind.owner.name, ind.indicator_type.type_name(), ind.summary);
        let main_id = match &obs {
            Some(o) => {
                let id = pivot_id("indicator", &format!("indicator|{key}"));
                let mut m = common("indicator", &id, &created, &modified);
                m.insert("name".into(), json!(ind.summary));
                m.insert("pattern".into(), json!(o.pattern));
                m.insert("pattern_type".into(), json!("stix"));
                m.insert("valid_from".into(), json!(created));
                if let Some(d) = ind.description.as_deref().filter(|d| !d.is_empty()) {
                    m.insert("description".into(), json!(d));
                }
                if let Some(c) = ind.confidence.filter(|c| c.is_finite()) {
                    m.insert("confidence".into(), json!(c.round().clamp(0.0, 100.0) as u8));
                }
                if let Some(r) = ind.rating.filter(|r| r.is_finite()) {
                    m.insert("x_threatconnect_rating".into(), json!(r));
                }
                if let Some(fp) = ind.false_positive_count {
                    m.insert("x_threatconnect_false_positives".into(), json!(fp));
                }
                if let Some(n) = ind.observation_count {
                    m.insert("x_threatconnect_observations".into(), json!(n));
                }
                if !ind.tags.is_empty() {
                    m.insert("labels".into(), json!(ind.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()));
                }
                m.insert("created_by_ref".into(), json!(creator));
                m.insert("external_references".into(), json!([external_reference(ind.id, ind.web_link.as_deref())]));
                objects.add(&id, m);
                objects.mark(&id, &own);
                if let Some((ty, props)) = &o.sco {
                    let sco_id = format!("{ty}--{}", uuid_v5(SCO_NAMESPACE, &canonical(&Value::Object(props.clone()))));
                    let mut s = Map::new();
                    s.insert("type".into(), json!(ty));
                    s.insert("spec_version".into(), json!("2.1"));
                    s.insert("id".into(), json!(sco_id));
                    s.extend(props.clone());
                    objects.add(&sco_id, s);
                    objects.mark(&sco_id, &own);
                    relationships.push((id.clone(), sco_id, "related-to"));
                }
                id
            }
            None => {
                let id = pivot_id("x-threatconnect-indicator", &format!("indicator|{key}"));
                let mut m = common("x-threatconnect-indicator", &id, &created, &modified);
                m.insert("name".into(), json!(ind.summary));
                m.insert("x_threatconnect_type".into(), json!(ind.indicator_type.type_name()));
                if !ind.tags.is_empty() {
                    m.insert("labels".into(), json!(ind.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()));
                }
                m.insert("created_by_ref".into(), json!(creator));
                m.insert("external_references".into(), json!([external_reference(ind.id, ind.web_link.as_deref())]));
                objects.add(&id, m);
                objects.mark(&id, &own);
                id
            }
        };
        for g in &ind.associated_groups {
            let gid = group_object(&mut objects, g, &exported_at);
            // The group goes out because of this indicator: it carries the indicator's markings.
            objects.mark(&gid, &own);
            let gtype = gid.split("--").next().unwrap_or("").to_owned();
            if gtype == "report" {
                if let Some(refs) = objects.by_id.get_mut(&gid).and_then(|o| o.get_mut("object_refs")).and_then(Value::as_array_mut) {
                    if !refs.contains(&json!(main_id)) {
                        refs.push(json!(main_id));
                    }
                }
            } else {
                relationships.push((main_id.clone(), gid, relationship_type(&gtype)));
            }
        }
    }
    for (src, tgt, rel) in relationships {
        let id = pivot_id("relationship", &format!("relationship|{rel}|{src}|{tgt}"));
        let created = objects.by_id.get(&src).and_then(|o| o.get("created")).cloned().unwrap_or_else(|| json!(exported_at));
        let mut m = common("relationship", &id, "", "");
        m.insert("created".into(), created.clone());
        m.insert("modified".into(), created);
        m.insert("relationship_type".into(), json!(rel));
        m.insert("source_ref".into(), json!(src));
        m.insert("target_ref".into(), json!(tgt));
        let mut refs = objects.markings.get(&src).cloned().unwrap_or_default();
        refs.extend(objects.markings.get(&tgt).cloned().unwrap_or_default());
        objects.add(&id, m);
        objects.mark(&id, &refs);
    }
    let mut out: Vec<Value> = objects.definitions.values().cloned().collect();
    // STIX's own objects carrying Pivot's properties name the extension that defines them.
    for o in objects.by_id.values_mut() {
        if TOPLEVEL_PROPERTIES.iter().any(|p| o.contains_key(*p)) {
            o.insert("extensions".into(), json!({ EXTENSION_ID: {"extension_type": "toplevel-property-extension"} }));
        }
    }
    if objects.by_id.values().any(|o| o.contains_key("extensions")) {
        out.extend(extension_objects());
    }
    for id in &objects.order {
        let mut o = objects.by_id.get(id).cloned().unwrap_or_default();
        if let Some(refs) = objects.markings.get(id).filter(|r| !r.is_empty()) {
            o.insert("object_marking_refs".into(), json!(refs));
        }
        out.push(Value::Object(o));
    }
    let ids: Vec<&str> = out.iter().filter_map(|o| o["id"].as_str()).collect();
    let bundle_id = pivot_id("bundle", &format!("bundle|{}", ids.join("|")));
    Bundle { json: json!({"type": "bundle", "id": bundle_id, "objects": out}), omitted }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_rfc_and_stix_examples() {
        // RFC 9562's namespaces with names whose UUIDv5 Python's uuid.uuid5 gives.
        assert_eq!(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
        assert_eq!(uuid_v5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://github.com/pivot/stix"), PIVOT_NAMESPACE);
        assert_eq!(uuid_v5(SCO_NAMESPACE, r#"{"value":"198.51.100.7"}"#), "12592121-be4c-5a93-a813-5a5af16e50db");
    }

    #[test]
    fn timestamps_are_utc_to_the_millisecond() {
        assert_eq!(timestamp("2026-01-02T03:04:05Z").as_deref(), Some("2026-01-02T03:04:05.000Z"));
        assert_eq!(timestamp("2026-01-02T03:04:05.123456+01:30").as_deref(), Some("2026-01-02T01:34:05.123Z"));
        assert_eq!(timestamp("yesterday"), None);
    }

    fn ind(v: Value) -> Indicator {
        Indicator::read(&v, "x", "").unwrap()
    }

    #[test]
    fn patterns_by_type_and_no_value_escapes_its_literal() {
        let cases = [
            (IndicatorType::Address, "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']"),
            (IndicatorType::Address, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
            (IndicatorType::Cidr, "10.12.0.0/16", "[ipv4-addr:value = '10.12.0.0/16']"),
            (IndicatorType::Host, "evil.example", "[domain-name:value = 'evil.example']"),
            (IndicatorType::Url, "http://a.example/x?q='1'", r"[url:value = 'http://a.example/x?q=\'1\'']"),
            (IndicatorType::EmailAddress, "a@b.example", "[email-addr:value = 'a@b.example']"),
            (
                IndicatorType::File,
                "3B0ADE436DFC128488B98EFFDAC8FC7E : B5FF6F1EB633201AD114392E7797B5A89960F7C3",
                "[file:hashes.'MD5' = '3b0ade436dfc128488b98effdac8fc7e' OR file:hashes.'SHA-1' = 'b5ff6f1eb633201ad114392e7797b5a89960f7c3']",
            ),
            (IndicatorType::Asn, "ASN64525", "[autonomous-system:number = 64525]"),
            (IndicatorType::Mutex, "Global\\DemoBear_0015", r"[mutex:name = 'Global\\DemoBear_0015']"),
            (
                IndicatorType::RegistryKey,
                "HKEY_CURRENT_USER\\Software\\Run2 : updater : REG_SZ",
                r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Run2' AND windows-registry-key:values[*].name = 'updater']",
            ),
            (
                IndicatorType::UserAgent,
                "Mozilla/5.0 (DemoBear 7; rv:97.0)",
                "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/5.0 (DemoBear 7; rv:97.0)']",
            ),
            (IndicatorType::Mutex, "x'] OR [file:name = 'y", r"[mutex:name = 'x\'] OR [file:name = \'y']"),
        ];
        for (t, v, want) in cases {
            assert_eq!(observable(&t, v).unwrap().unwrap().pattern, want, "{t} {v}");
        }
        assert!(observable(&IndicatorType::Asn, "ASx").is_err());
        assert!(observable(&IndicatorType::Custom("Hashtag".into()), "#x").unwrap().is_none());
    }

    fn red_copy() -> Indicator {
        ind(json!({"id": 7, "type": "Host", "summary": "evil.example", "ownerName": "Demo Org", "dateAdded": "2026-01-02T03:04:05Z",
            "confidence": 80, "rating": 4,
            "securityLabels": {"data": [{"name": "TLP:RED"}, {"name": "Internal Only", "description": "Do not share."}]},
            "tags": {"data": [{"name": "C2"}]},
            "associatedGroups": {"data": [
                {"id": 9, "type": "Intrusion Set", "name": "Demo Bear", "ownerName": "Demo Org"},
                {"id": 10, "type": "Report", "name": "Q1 report", "ownerName": "Demo Org", "securityLabels": {"data": [{"name": "TLP:GREEN"}]}},
                {"id": 11, "type": "Event", "name": "Proxy alert", "ownerName": "Demo Org"}]}}))
    }

    #[test]
    fn tlp_red_marks_everything_it_covers() {
        let b = bundle(&[red_copy()], "2026-02-01T00:00:00Z");
        let red = TLP_MARKINGS[3].1;
        let objects = b.json["objects"].as_array().unwrap();
        let red_def = objects.iter().find(|o| o["id"] == red).unwrap();
        assert_eq!(red_def["definition"], json!({"tlp": "red"}));
        let types: Vec<&str> = objects.iter().filter_map(|o| o["type"].as_str()).collect();
        for ty in ["indicator", "domain-name", "intrusion-set", "report", "x-threatconnect-group", "relationship"] {
            assert!(types.contains(&ty), "{ty} in {types:?}");
        }
        // Identities name owners (and Pivot); the extension definition describes Pivot's object
        // types: neither holds anything of the item.
        for o in objects.iter().filter(|o| !matches!(o["type"].as_str(), Some("marking-definition" | "identity" | "extension-definition"))) {
            let refs = o["object_marking_refs"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>()).unwrap_or_default();
            assert!(refs.contains(&red), "{o}");
        }
        let report = objects.iter().find(|o| o["type"] == "report").unwrap();
        let indicator = objects.iter().find(|o| o["type"] == "indicator").unwrap();
        assert_eq!(report["object_refs"], json!([indicator["id"]]));
        assert!(report["object_marking_refs"].as_array().unwrap().contains(&json!(TLP_MARKINGS[1].1)));
        let statement = objects.iter().find(|o| o["definition_type"] == "statement").unwrap();
        assert_eq!(statement["definition"]["statement"], "Internal Only: Do not share.");
        let rel: Vec<(&str, &str)> = objects
            .iter()
            .filter(|o| o["type"] == "relationship")
            .map(|o| (o["relationship_type"].as_str().unwrap(), o["target_ref"].as_str().unwrap().split("--").next().unwrap()))
            .collect();
        assert_eq!(rel, [("related-to", "domain-name"), ("indicates", "intrusion-set"), ("related-to", "x-threatconnect-group")]);
        assert_eq!((indicator["confidence"].clone(), indicator["valid_from"].clone()), (json!(80), json!("2026-01-02T03:04:05.000Z")));
        // Pivot's own properties on STIX's indicator name the extension that defines them.
        assert!(indicator.get("x_threatconnect_rating").is_some(), "{indicator}");
        assert_eq!(indicator["extensions"], json!({ EXTENSION_ID: {"extension_type": "toplevel-property-extension"} }));
    }

    #[test]
    fn ids_are_deterministic_and_observables_shared_across_owners() {
        let org = red_copy();
        let mut community = org.clone();
        community.owner.name = "Demo Community".into();
        community.id = 70;
        community.security_labels.clear();
        let a = bundle(&[org.clone(), community.clone()], "2026-02-01T00:00:00Z");
        let b = bundle(&[org, community], "2026-02-01T00:00:00Z");
        assert_eq!(a, b);
        let objects = a.json["objects"].as_array().unwrap();
        assert_eq!(objects.iter().filter(|o| o["type"] == "indicator").count(), 2);
        let sco: Vec<&Value> = objects.iter().filter(|o| o["type"] == "domain-name").collect();
        assert_eq!(sco.len(), 1);
        // STIX 2.1's deterministic id for this domain name: UUIDv5 of {"value":"evil.example"},
        // as Python's uuid.uuid5 computes it.
        assert_eq!(sco[0]["id"], "domain-name--69228563-c8d2-54ae-aeca-5f4134cb59aa");
        // The shared observable carries the RED marking of the one copy labelled RED.
        assert!(sco[0]["object_marking_refs"].as_array().unwrap().contains(&json!(TLP_MARKINGS[3].1)));
    }

    #[test]
    fn custom_types_and_unreadable_values() {
        let b = bundle(
            &[
                ind(json!({"id": 1, "type": "Hashtag", "summary": "#evil", "ownerName": "Demo Org"})),
                ind(json!({"id": 2, "type": "ASN", "summary": "ASx", "ownerName": "Demo Org"})),
            ],
            "2026-02-01T00:00:00Z",
        );
        let objects = b.json["objects"].as_array().unwrap();
        let custom = objects.iter().find(|o| o["type"] == "x-threatconnect-indicator").unwrap();
        assert_eq!((custom["name"].as_str(), custom["x_threatconnect_type"].as_str()), (Some("#evil"), Some("Hashtag")));
        // Defined as STIX 2.1 section 7.3 prefers: the object names the extension definition
        // (extension_type new-sdo), which the bundle carries, with its creator.
        assert_eq!(custom["extensions"], json!({ EXTENSION_ID: {"extension_type": "new-sdo"} }));
        let def = objects.iter().find(|o| o["id"] == EXTENSION_ID).expect("the extension definition");
        assert_eq!(
            (def["type"].as_str(), def["extension_types"].clone()),
            (Some("extension-definition"), json!(["new-sdo", "toplevel-property-extension"]))
        );
        assert!(objects.iter().any(|o| o["id"] == def["created_by_ref"]));
        assert_eq!(b.omitted, ["ASx (owner Demo Org): ASN \"ASx\": no number"]);
    }
}

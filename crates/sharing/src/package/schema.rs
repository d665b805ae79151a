//! The package format as an allow-list (docs/sharing-format.md, "Schema"): every key each
//! level of a package may carry, its type and its bounds, and the typed batch items read
//! through it. [`super::validate`] refuses a file with any other key, naming its path; the
//! batch jobs and the labels an import creates are written from these types, so a key the
//! schema does not list never reaches ThreatConnect, whatever the model was given.

use crate::error::ShareError;
use serde_json::{json, Map, Number, Value};
use threatconnect::time::is_rfc3339;
use threatconnect::types::GROUP_TYPES;
use threatconnect::IndicatorType;

/// Groups in one package (the published group and its associated groups).
pub const MAX_GROUPS: usize = 10_000;
/// Indicators in one package.
pub const MAX_INDICATORS: usize = 100_000;
/// Top-level `batch.association` entries.
pub const MAX_ASSOCIATIONS: usize = 100_000;
/// Attributes of one item.
pub const MAX_ATTRIBUTES: usize = 1_000;
/// Tags of one item.
pub const MAX_TAGS: usize = 1_000;
/// Security labels of one item or attribute, and names in `securityLabelsAllowed`.
pub const MAX_LABELS: usize = 100;

/// How an object is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// A file from outside: a key the schema does not list, or a value outside its
    /// bounds, is refused with its path.
    File,
    /// The validated model, or what the plan made of it: the schema's keys are read
    /// (types checked), and nothing else is carried on.
    Model,
}

/// A string's bounds, in characters; `line`: no control characters (no line breaks), for
/// the format's own tokens (xids, dates, the hash, colours).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Text {
    pub max: usize,
    pub line: bool,
}

const fn line(max: usize) -> Text {
    Text { max, line: true }
}

const fn text(max: usize) -> Text {
    Text { max, line: false }
}

// Names and values from the source may hold any character (what shows them escapes them);
// only the format's own tokens are one line.
pub(crate) const INSTANCE_ID: Text = text(100);
pub(crate) const OWNER: Text = text(250);
pub(crate) const API_URL: Text = text(2_048);
pub(crate) const XID: Text = line(64);
pub(crate) const CONTENT_HASH: Text = line(71);
pub(crate) const TYPE_NAME: Text = text(100);
pub(crate) const NAME: Text = text(1_000);
pub(crate) const SUMMARY: Text = text(8_192);
pub(crate) const DATE: Text = line(64);
pub(crate) const DESCRIPTION: Text = text(65_536);
pub(crate) const ATTRIBUTE_VALUE: Text = text(65_536);
pub(crate) const ATTRIBUTE_SOURCE: Text = text(2_048);
pub(crate) const TAG_NAME: Text = text(250);
pub(crate) const LABEL_NAME: Text = text(100);
pub(crate) const LABEL_COLOR: Text = line(6);
pub(crate) const LABEL_DESCRIPTION: Text = text(2_000);
const LONG_TEXT: Text = text(1_048_576);

/// The top-level keys; version 2 adds `groupIds`.
pub(crate) const TOP_KEYS: [&str; 10] =
    ["format", "version", "source", "group", "publishedAt", "contentHash", "securityLabelsAllowed", "excludeUnlabeled", "batch", "groupIds"];
pub(crate) const SOURCE_KEYS: [&str; 3] = ["instanceId", "owner", "apiUrl"];
pub(crate) const HEADER_GROUP_KEYS: [&str; 4] = ["id", "type", "name", "xid"];
pub(crate) const BATCH_KEYS: [&str; 3] = ["group", "indicator", "association"];
const GROUP_KEYS: [&str; 7] = ["xid", "type", "name", "attribute", "tag", "securityLabel", "associatedGroupXid"];
const INDICATOR_KEYS: [&str; 10] =
    ["xid", "type", "summary", "description", "rating", "confidence", "attribute", "tag", "securityLabel", "associatedGroups"];
/// Host indicators also carry these.
const HOST_KEYS: [&str; 2] = ["dnsActive", "whoisActive"];
const ATTRIBUTE_KEYS: [&str; 5] = ["type", "value", "displayed", "source", "securityLabel"];
const TAG_KEYS: [&str; 1] = ["name"];
const LABEL_KEYS: [&str; 3] = ["name", "color", "description"];
const GROUP_LINK_KEYS: [&str; 1] = ["groupXid"];
const ASSOCIATION_KEYS: [&str; 2] = ["ref_1", "ref_2"];

/// The value of a per-type group field.
#[derive(Clone, Copy, Debug)]
enum Field {
    /// RFC 3339 date-time.
    Date,
    Str(Text),
    Bool,
}

/// The fields a group of each type may carry beside the common ones (v2 Batch names).
fn group_fields(group_type: &str) -> &'static [(&'static str, Field)] {
    const FILE_NAME: Field = Field::Str(NAME);
    const SHORT: Field = Field::Str(text(100));
    const LINE: Field = Field::Str(text(1_000));
    const LONG: Field = Field::Str(LONG_TEXT);
    const ADDRESSES: Field = Field::Str(text(10_000));
    match group_type {
        "Event" | "Incident" => &[("eventDate", Field::Date), ("status", SHORT)],
        "Campaign" => &[("firstSeen", Field::Date)],
        "Document" => &[("fileName", FILE_NAME), ("malware", Field::Bool), ("password", LINE)],
        "Email" => &[("subject", LINE), ("header", LONG), ("body", LONG), ("to", ADDRESSES), ("from", LINE)],
        "Report" => &[("fileName", FILE_NAME), ("publishDate", Field::Date)],
        "Signature" => &[("fileName", FILE_NAME), ("fileType", SHORT), ("fileText", LONG)],
        _ => &[],
    }
}

/// A value of a per-type group field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Str(String),
    Bool(bool),
}

/// `path.key`, or `path["key"]` for a key that is not a plain name, every character but
/// printable ASCII escaped (`\u{202e}`) and cut at 100 characters: a hostile key never
/// garbles or disguises the message that names it.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.len() <= 100 && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-'));
    if plain {
        return if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    }
    let mut out = format!("{path}[\"");
    for c in key.chars().take(100) {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    if key.chars().nth(100).is_some() {
        out.push('…');
    }
    out.push_str("\"]");
    out
}

pub(crate) fn missing(path: &str) -> ShareError {
    ShareError::MissingField { path: path.to_string() }
}

pub(crate) fn invalid(path: &str, expected: &str) -> ShareError {
    ShareError::InvalidField { path: path.to_string(), expected: expected.to_string() }
}

/// `pivot:` and 32 lowercase hex digits ([`super::derive_xid`]).
pub(crate) fn is_xid(s: &str) -> bool {
    s.strip_prefix("pivot:").is_some_and(|h| h.len() == 32 && h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
}

/// One object of the file or the model, its keys checked against the allow-list of its level.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
    read: Read,
}

impl<'a> Obj<'a> {
    /// `what`: how the error describes the expected object.
    pub fn new(v: &'a Value, path: &'a str, allowed: &[&str], read: Read, what: &str) -> Result<Self, ShareError> {
        let map = v.as_object().ok_or_else(|| invalid(path, what))?;
        if read == Read::File {
            if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
                return Err(ShareError::UnknownKey { path: key_path(path, k) });
            }
        }
        Ok(Self { map, path, read })
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn at(&self, key: &str) -> String {
        key_path(self.path, key)
    }

    fn check(&self, key: &str, s: &str, t: Text) -> Result<(), ShareError> {
        if self.read == Read::Model {
            return Ok(());
        }
        if s.len() > t.max {
            let length = s.chars().count();
            if length > t.max {
                return Err(ShareError::TooLong { path: self.at(key), length, limit: t.max });
            }
        }
        if t.line && s.chars().any(char::is_control) {
            return Err(invalid(&self.at(key), "one line of text (no control characters)"));
        }
        Ok(())
    }

    /// A required non-empty string.
    pub fn req_str(&self, key: &str, t: Text) -> Result<String, ShareError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(missing(&self.at(key))),
            Some(Value::String(s)) if s.trim().is_empty() => Err(invalid(&self.at(key), "a non-empty string")),
            Some(Value::String(s)) => self.check(key, s, t).map(|_| s.clone()),
            Some(_) => Err(invalid(&self.at(key), "a string")),
        }
    }

    /// A required string, possibly empty.
    fn req_text(&self, key: &str, t: Text) -> Result<String, ShareError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(missing(&self.at(key))),
            Some(Value::String(s)) => self.check(key, s, t).map(|_| s.clone()),
            Some(_) => Err(invalid(&self.at(key), "a string")),
        }
    }

    pub fn opt_str(&self, key: &str, t: Text) -> Result<Option<String>, ShareError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => self.check(key, s, t).map(|_| Some(s.clone())),
            Some(_) => Err(invalid(&self.at(key), "a string")),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ShareError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(&self.at(key), "true or false")),
        }
    }

    /// An array of at most `max` elements (in a file).
    pub fn opt_array(&self, key: &str, max: usize) -> Result<Option<&'a [Value]>, ShareError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) if self.read == Read::File && a.len() > max => {
                Err(ShareError::TooMany { path: self.at(key), count: a.len(), limit: max })
            }
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(invalid(&self.at(key), "an array")),
        }
    }

    pub fn req_array(&self, key: &str, max: usize) -> Result<&'a [Value], ShareError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Err(missing(&self.at(key))),
            _ => self.opt_array(key, max).map(Option::unwrap_or_default),
        }
    }

    /// Each element of an optional array read with `f(element, its path)`.
    fn each<T>(&self, key: &str, max: usize, f: impl Fn(&'a Value, &str) -> Result<T, ShareError>) -> Result<Option<Vec<T>>, ShareError> {
        let Some(items) = self.opt_array(key, max)? else { return Ok(None) };
        let base = self.at(key);
        items.iter().enumerate().map(|(j, v)| f(v, &format!("{base}[{j}]"))).collect::<Result<Vec<T>, _>>().map(Some)
    }
}

/// A security label as a package names it: what the batch puts on an item and what an
/// import creates in a target that lacks it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub name: String,
    /// Six hex digits (`FFC000`).
    pub color: Option<String>,
    pub description: Option<String>,
}

impl Label {
    pub(crate) fn read(v: &Value, path: &str, read: Read) -> Result<Self, ShareError> {
        let o = Obj::new(v, path, &LABEL_KEYS, read, "an object {\"name\": ...}")?;
        let color = o.opt_str("color", LABEL_COLOR)?;
        if let (Some(c), Read::File) = (&color, read) {
            if c.len() != 6 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(&o.at("color"), "six hex digits such as FFC000"));
            }
        }
        Ok(Self { name: o.req_str("name", LABEL_NAME)?, color, description: o.opt_str("description", LABEL_DESCRIPTION)? })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        if let Some(c) = &self.color {
            m.insert("color".into(), json!(c));
        }
        if let Some(d) = &self.description {
            m.insert("description".into(), json!(d));
        }
        Value::Object(m)
    }

    /// The body that creates this label in a target (`POST /v3/security/labels`): its
    /// name, colour and description, nothing else the package said about it.
    pub fn create_body(&self) -> Value {
        self.to_value()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub attribute_type: String,
    pub value: String,
    pub displayed: Option<bool>,
    pub source: Option<String>,
    pub security_label: Option<Vec<Label>>,
}

impl Attribute {
    fn read(v: &Value, path: &str, read: Read) -> Result<Self, ShareError> {
        let o = Obj::new(v, path, &ATTRIBUTE_KEYS, read, "an object")?;
        Ok(Self {
            attribute_type: o.req_str("type", TYPE_NAME)?,
            value: o.req_text("value", ATTRIBUTE_VALUE)?,
            displayed: o.opt_bool("displayed")?,
            source: o.opt_str("source", ATTRIBUTE_SOURCE)?,
            security_label: o.each("securityLabel", MAX_LABELS, |l, p| Label::read(l, p, read))?,
        })
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.attribute_type));
        m.insert("value".into(), json!(self.value));
        if let Some(d) = self.displayed {
            m.insert("displayed".into(), json!(d));
        }
        if let Some(s) = &self.source {
            m.insert("source".into(), json!(s));
        }
        if let Some(l) = &self.security_label {
            m.insert("securityLabel".into(), labels_value(l));
        }
        Value::Object(m)
    }
}

fn labels_value(labels: &[Label]) -> Value {
    Value::Array(labels.iter().map(Label::to_value).collect())
}

/// `attribute`, `tag`, `securityLabel` of an item: absent (left as the target has them)
/// or an array (which replaces the target's).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    pub attribute: Option<Vec<Attribute>>,
    pub tag: Option<Vec<String>>,
    pub security_label: Option<Vec<Label>>,
}

impl Metadata {
    fn read(o: &Obj, read: Read) -> Result<Self, ShareError> {
        Ok(Self {
            attribute: o.each("attribute", MAX_ATTRIBUTES, |a, p| Attribute::read(a, p, read))?,
            tag: o.each("tag", MAX_TAGS, |t, p| Obj::new(t, p, &TAG_KEYS, read, "an object {\"name\": ...}")?.req_str("name", TAG_NAME))?,
            security_label: o.each("securityLabel", MAX_LABELS, |l, p| Label::read(l, p, read))?,
        })
    }

    fn write(&self, m: &mut Map<String, Value>) {
        if let Some(a) = &self.attribute {
            m.insert("attribute".into(), Value::Array(a.iter().map(Attribute::to_value).collect()));
        }
        if let Some(t) = &self.tag {
            m.insert("tag".into(), Value::Array(t.iter().map(|n| json!({"name": n})).collect()));
        }
        if let Some(l) = &self.security_label {
            m.insert("securityLabel".into(), labels_value(l));
        }
    }

    /// Every label named on the item and on its attributes.
    pub fn labels(&self) -> impl Iterator<Item = &Label> {
        self.security_label.iter().flatten().chain(self.attribute.iter().flatten().flat_map(|a| a.security_label.iter().flatten()))
    }
}

/// A group's `type`: one of ThreatConnect's group types, spelled as v3 spells it.
pub(crate) fn group_type(o: &Obj) -> Result<String, ShareError> {
    let t = o.req_str("type", TYPE_NAME)?;
    if !GROUP_TYPES.iter().any(|g| g.type_name() == t) {
        let names: Vec<&str> = GROUP_TYPES.iter().map(|g| g.type_name()).collect();
        return Err(invalid(&o.at("type"), &format!("one of the group types {}", names.join(", "))));
    }
    Ok(t)
}

/// A group of `batch.group`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchGroup {
    pub xid: String,
    pub group_type: String,
    pub name: String,
    /// The per-type fields ([`group_fields`]), keys from the schema, never from the file.
    pub(crate) fields: Vec<(&'static str, Scalar)>,
    pub metadata: Metadata,
    /// Group -> group links, by xid of a group of the package.
    pub associated_group_xid: Option<Vec<String>>,
}

impl BatchGroup {
    pub(crate) fn read(v: &Value, path: &str, read: Read) -> Result<Self, ShareError> {
        // The type first: its fields are part of this level's allow-list.
        let first = Obj::new(v, path, &[], Read::Model, "an object")?;
        let group_type = if read == Read::File { group_type(&first)? } else { first.req_str("type", TYPE_NAME)? };
        let per_type = group_fields(&group_type);
        let allowed: Vec<&str> = GROUP_KEYS.iter().copied().chain(per_type.iter().map(|(k, _)| *k)).collect();
        let o = Obj::new(v, path, &allowed, read, "an object")?;
        let xid = o.req_str("xid", XID)?;
        if read == Read::File && !is_xid(&xid) {
            return Err(invalid(&o.at("xid"), "\"pivot:\" followed by 32 lowercase hex digits"));
        }
        let mut fields = Vec::new();
        for (k, f) in per_type {
            let value = match f {
                Field::Bool => o.opt_bool(k)?.map(Scalar::Bool),
                Field::Str(t) => o.opt_str(k, *t)?.map(Scalar::Str),
                Field::Date => {
                    let d = o.opt_str(k, DATE)?;
                    if let (Some(d), Read::File) = (&d, read) {
                        if !is_rfc3339(d) {
                            return Err(invalid(&o.at(k), "an RFC 3339 date-time such as 2026-11-25T14:20:33Z"));
                        }
                    }
                    d.map(Scalar::Str)
                }
            };
            fields.extend(value.map(|v| (*k, v)));
        }
        Ok(Self {
            name: o.req_str("name", NAME)?,
            metadata: Metadata::read(&o, read)?,
            associated_group_xid: o.each("associatedGroupXid", MAX_GROUPS, |x, p| match x {
                Value::String(s) => check_str(s, p, XID, read).map(|_| s.clone()),
                _ => Err(invalid(p, "a string")),
            })?,
            xid,
            group_type,
            fields,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("xid".into(), json!(self.xid));
        m.insert("type".into(), json!(self.group_type));
        m.insert("name".into(), json!(self.name));
        for (k, v) in &self.fields {
            m.insert(
                (*k).into(),
                match v {
                    Scalar::Str(s) => json!(s),
                    Scalar::Bool(b) => json!(b),
                },
            );
        }
        self.metadata.write(&mut m);
        if let Some(x) = &self.associated_group_xid {
            m.insert("associatedGroupXid".into(), json!(x));
        }
        Value::Object(m)
    }
}

/// The bounds of a string that is an array element (no key of its own).
pub(crate) fn check_str(s: &str, path: &str, t: Text, read: Read) -> Result<(), ShareError> {
    if read == Read::Model {
        return Ok(());
    }
    if s.len() > t.max && s.chars().count() > t.max {
        return Err(ShareError::TooLong { path: path.to_string(), length: s.chars().count(), limit: t.max });
    }
    if t.line && s.chars().any(char::is_control) {
        return Err(invalid(path, "one line of text (no control characters)"));
    }
    Ok(())
}

/// An indicator of `batch.indicator`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchIndicator {
    pub xid: String,
    pub indicator_type: String,
    pub summary: String,
    pub description: Option<String>,
    /// 0 to 5, as written (`3` and `3.0` are different bytes).
    pub rating: Option<Number>,
    /// 0 to 100.
    pub confidence: Option<u64>,
    pub dns_active: Option<bool>,
    pub whois_active: Option<bool>,
    pub metadata: Metadata,
    /// Indicator -> group links, by xid of a group of the package.
    pub associated_groups: Option<Vec<String>>,
}

impl BatchIndicator {
    pub(crate) fn read(v: &Value, path: &str, read: Read) -> Result<Self, ShareError> {
        // The type first: a Host's fields are part of this level's allow-list.
        let first = Obj::new(v, path, &[], Read::Model, "an object")?;
        let indicator_type = first.req_str("type", TYPE_NAME)?;
        // A base type in its one batch spelling; any other name is a custom type.
        if let Some(base) = IndicatorType::from_base_name(&indicator_type).filter(|b| read == Read::File && b.type_name() != indicator_type) {
            return Err(invalid(&first.at("type"), &format!("the type's batch name \"{}\"", base.type_name())));
        }
        let host = indicator_type == "Host";
        let allowed: Vec<&str> = INDICATOR_KEYS.iter().chain(HOST_KEYS.iter().filter(|_| host)).copied().collect();
        let o = Obj::new(v, path, &allowed, read, "an object")?;
        o.req_str("type", TYPE_NAME)?; // its bounds
        let xid = o.req_str("xid", XID)?;
        if read == Read::File && !is_xid(&xid) {
            return Err(invalid(&o.at("xid"), "\"pivot:\" followed by 32 lowercase hex digits"));
        }
        let rating = match o.get("rating") {
            None => None,
            Some(Value::Number(n)) if read == Read::Model || n.as_f64().is_some_and(|r| (0.0..=5.0).contains(&r)) => Some(n.clone()),
            Some(_) => return Err(invalid(&o.at("rating"), "a number from 0 to 5")),
        };
        let confidence = match o.get("confidence") {
            None => None,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|c| read == Read::Model || c <= 100) => n.as_u64(),
            Some(_) => return Err(invalid(&o.at("confidence"), "an integer from 0 to 100")),
        };
        Ok(Self {
            summary: o.req_str("summary", SUMMARY)?,
            description: o.opt_str("description", DESCRIPTION)?,
            rating,
            confidence,
            dns_active: o.opt_bool("dnsActive")?,
            whois_active: o.opt_bool("whoisActive")?,
            metadata: Metadata::read(&o, read)?,
            associated_groups: o.each("associatedGroups", MAX_GROUPS, |a, p| {
                Obj::new(a, p, &GROUP_LINK_KEYS, read, "an object {\"groupXid\": ...}")?.req_str("groupXid", XID)
            })?,
            xid,
            indicator_type,
        })
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("xid".into(), json!(self.xid));
        m.insert("type".into(), json!(self.indicator_type));
        m.insert("summary".into(), json!(self.summary));
        if let Some(d) = &self.description {
            m.insert("description".into(), json!(d));
        }
        if let Some(r) = &self.rating {
            m.insert("rating".into(), Value::Number(r.clone()));
        }
        if let Some(c) = self.confidence {
            m.insert("confidence".into(), json!(c));
        }
        if let Some(d) = self.dns_active {
            m.insert("dnsActive".into(), json!(d));
        }
        if let Some(w) = self.whois_active {
            m.insert("whoisActive".into(), json!(w));
        }
        self.metadata.write(&mut m);
        if let Some(g) = &self.associated_groups {
            m.insert("associatedGroups".into(), Value::Array(g.iter().map(|x| json!({"groupXid": x})).collect()));
        }
        Value::Object(m)
    }
}

/// A top-level `batch.association` entry: two items of the package, a group by its
/// xid or an indicator by its summary. Never an id: no package names a target item.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchAssociation {
    pub ref_1: String,
    pub ref_2: String,
}

impl BatchAssociation {
    pub(crate) fn read(v: &Value, path: &str, read: Read) -> Result<Self, ShareError> {
        let o = Obj::new(v, path, &ASSOCIATION_KEYS, read, "an object {\"ref_1\": ..., \"ref_2\": ...}")?;
        Ok(Self { ref_1: o.req_str("ref_1", SUMMARY)?, ref_2: o.req_str("ref_2", SUMMARY)? })
    }

    pub fn to_value(&self) -> Value {
        json!({"ref_1": self.ref_1, "ref_2": self.ref_2})
    }
}

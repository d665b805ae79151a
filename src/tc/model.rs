//! Typed models in ThreatConnect's words. Always-present fields are not
//! optional; everything else is. Each model keeps the object it was read from
//! in `raw`, so nothing the API returned is lost when data is passed on
//! (sharing), including fields Pivot does not know yet.

use super::error::Error;
use super::json::{as_i64, Obj, R};
use super::types::{GroupType, IndicatorType};
use serde_json::Value;

/// The owner an item belongs to. v2 lists give `ownerName`, v2 items
/// `owner: {id, name, type}`, v3 `ownerId` + `ownerName`, v3 tags `owner: "<name>"`.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerRef {
    pub name: String,
    pub id: Option<i64>,
    /// Organization, Community or Source, when given.
    pub kind: Option<String>,
}

impl OwnerRef {
    pub(crate) fn read(o: &Obj) -> R<OwnerRef> {
        match o.get("owner") {
            Some(Value::Object(_)) => {
                let v = o.get("owner").unwrap_or(&Value::Null);
                let p = o.p("owner");
                let oo = Obj::new(v, &p)?;
                Ok(OwnerRef { name: oo.text("name")?, id: oo.opt_i64("id"), kind: oo.opt_text("type") })
            }
            Some(Value::String(s)) => Ok(OwnerRef { name: s.clone(), id: o.opt_i64("ownerId"), kind: None }),
            _ => Ok(OwnerRef { name: o.text("ownerName")?, id: o.opt_i64("ownerId"), kind: None }),
        }
    }
}

/// An indicator (Address, Host, File, URL, custom types...).
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub id: i64,
    pub indicator_type: IndicatorType,
    /// The value as ThreatConnect summarises it (v2 items are summarised from
    /// their type's fields: `ip`, `hostName`, `md5 : sha1 : sha256`...).
    pub summary: String,
    pub owner: OwnerRef,
    pub date_added: Option<String>,
    pub last_modified: Option<String>,
    pub rating: Option<f64>,
    pub confidence: Option<f64>,
    pub threat_assess_rating: Option<f64>,
    pub threat_assess_confidence: Option<f64>,
    pub threat_assess_score: Option<f64>,
    pub description: Option<String>,
    pub web_link: Option<String>,
    pub active: Option<bool>,
    pub private_flag: Option<bool>,
    pub observation_count: Option<i64>,
    pub last_observed: Option<String>,
    pub false_positive_count: Option<i64>,
    pub false_positive_last_reported: Option<String>,
    pub tags: Vec<Tag>,
    pub security_labels: Vec<SecurityLabel>,
    pub attributes: Vec<Attribute>,
    pub associated_groups: Vec<Group>,
    pub associated_indicators: Vec<Indicator>,
    /// Everything ThreatConnect sent for this indicator.
    pub raw: Value,
}

/// v2 single items carry their value in type-specific fields.
const SUMMARY_FIELDS: [&str; 13] = [
    "summary", "ip", "hostName", "address", "text", "AS Number", "Block", "Mutex", "Key Name",
    "User Agent String", "value1", "name", "indicator",
];

/// The indicator type named by a v2 entity key (`host`, `cidrBlock`, `emailAddress`...).
pub fn indicator_type_from_entity(key: &str) -> Option<IndicatorType> {
    if key.is_empty() || key == "indicator" {
        return None;
    }
    IndicatorType::from_base_name(key)
        .or_else(|| IndicatorType::from_base_name(&format!("{key}s")))
        .or_else(|| IndicatorType::from_base_name(&format!("{key}es")))
}

fn file_summary(o: &Obj) -> Option<String> {
    let hashes: Vec<String> = ["md5", "sha1", "sha256"].iter().filter_map(|k| o.opt_text(k)).collect();
    if hashes.is_empty() {
        None
    } else {
        Some(hashes.join(" : "))
    }
}

impl Indicator {
    /// Reads one indicator; `entity` is the v2 key it came under (a type hint
    /// when the object has no `type`), empty for v3.
    pub fn read(v: &Value, path: &str, entity: &str) -> R<Indicator> {
        let o = Obj::new(v, path)?;
        let indicator_type = match o.opt_text("type") {
            Some(t) => IndicatorType::from_base_name(&t).unwrap_or(IndicatorType::Custom(t)),
            None => match indicator_type_from_entity(entity) {
                Some(t) => t,
                None if !entity.is_empty() && entity != "indicator" => IndicatorType::Custom(entity.to_string()),
                None => return Err(Error::decode(&o.p("type"), "missing")),
            },
        };
        let mut summary = SUMMARY_FIELDS.iter().find_map(|k| o.opt_text(k)).or_else(|| file_summary(&o));
        if summary.is_none() && matches!(indicator_type, IndicatorType::Custom(_)) {
            // v2 custom types carry their value under their type's value labels
            // (`value1Label`...: "Hashtag", "AS Number", "Key Name"), which are
            // Title Case, unlike every field of the API itself (lowerCamelCase):
            // `dnsActive: "false"` or `threatAssessRating: "3.00"` is never a value.
            // [`IndicatorTypeDef::value_of`] reads the labels exactly when the type is known.
            summary = o
                .m
                .iter()
                .find(|(k, v)| v.is_string() && k.starts_with(|c: char| c.is_ascii_uppercase()))
                .and_then(|(_, v)| super::json::as_string(v));
        }
        let summary = summary.ok_or_else(|| Error::decode(&o.p("summary"), "missing"))?;
        Ok(Indicator {
            id: o.id("id")?,
            indicator_type,
            summary,
            owner: OwnerRef::read(&o)?,
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            // The owner's own rating and confidence only: ThreatAssess is ThreatConnect's
            // computed score, kept apart (an item the owner never rated has none).
            rating: o.opt_f64("rating"),
            confidence: o.opt_f64("confidence"),
            threat_assess_rating: o.opt_f64("threatAssessRating"),
            threat_assess_confidence: o.opt_f64("threatAssessConfidence"),
            threat_assess_score: o.opt_f64("threatAssessScore"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            active: o.opt_bool("active"),
            private_flag: o.opt_bool("privateFlag"),
            // v3 names the counts `observations`/`falsePositives`, v2 `...Count`.
            observation_count: o.opt_i64("observationCount").or_else(|| o.opt_i64("observations")),
            last_observed: o.opt_text("lastObserved"),
            false_positive_count: o.opt_i64("falsePositiveCount").or_else(|| o.opt_i64("falsePositives")),
            false_positive_last_reported: o
                .opt_text("falsePositiveLastReported")
                .or_else(|| o.opt_text("lastFalsePositive")),
            tags: o.list_either("tags", "tag", Tag::read)?,
            security_labels: o.list_either("securityLabels", "securityLabel", SecurityLabel::read)?,
            attributes: o.list_either("attributes", "attribute", Attribute::read)?,
            associated_groups: o.list("associatedGroups", Group::read)?,
            associated_indicators: o.list("associatedIndicators", Indicator::read)?,
            raw: v.clone(),
        })
    }
}

/// A group (Adversary, Incident, Report... all 16 types, and any newer type by name).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub id: i64,
    /// The type as ThreatConnect wrote it (`Incident`, `Attack Pattern`...).
    pub type_name: String,
    pub name: String,
    pub owner: OwnerRef,
    pub date_added: Option<String>,
    pub last_modified: Option<String>,
    pub event_date: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub web_link: Option<String>,
    pub tags: Vec<Tag>,
    pub security_labels: Vec<SecurityLabel>,
    pub attributes: Vec<Attribute>,
    pub associated_groups: Vec<Group>,
    pub associated_indicators: Vec<Indicator>,
    pub raw: Value,
}

impl Group {
    pub fn read(v: &Value, path: &str, entity: &str) -> R<Group> {
        let o = Obj::new(v, path)?;
        let type_name = match o.opt_text("type") {
            Some(t) => t,
            None => match GroupType::from_name(entity).or_else(|| GroupType::from_name(&format!("{entity}s"))) {
                Some(t) => t.type_name().to_string(),
                None if entity.eq_ignore_ascii_case("adversary") => "Adversary".into(),
                None => return Err(Error::decode(&o.p("type"), "missing")),
            },
        };
        Ok(Group {
            id: o.id("id")?,
            type_name,
            name: o.text("name")?,
            owner: OwnerRef::read(&o)?,
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            event_date: o.opt_text("eventDate"),
            status: o.opt_text("status"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            tags: o.list_either("tags", "tag", Tag::read)?,
            security_labels: o.list_either("securityLabels", "securityLabel", SecurityLabel::read)?,
            attributes: o.list_either("attributes", "attribute", Attribute::read)?,
            associated_groups: o.list("associatedGroups", Group::read)?,
            associated_indicators: o.list("associatedIndicators", Indicator::read)?,
            raw: v.clone(),
        })
    }
    /// The group type, when it is one of the 16 Pivot knows.
    pub fn group_type(&self) -> Option<GroupType> {
        GroupType::from_name(&self.type_name)
    }
}

/// An attribute (Description, Source, custom types...).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub id: i64,
    pub attribute_type: String,
    pub value: String,
    pub date_added: Option<String>,
    pub last_modified: Option<String>,
    pub displayed: Option<bool>,
    pub default: Option<bool>,
    pub security_labels: Vec<SecurityLabel>,
    pub raw: Value,
}

impl Attribute {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Attribute> {
        let o = Obj::new(v, path)?;
        Ok(Attribute {
            id: o.id("id")?,
            attribute_type: o.text("type")?,
            value: o.get("value").and_then(super::json::as_string).unwrap_or_default(),
            date_added: o.opt_text("dateAdded"),
            last_modified: o.opt_text("lastModified"),
            displayed: o.opt_bool("displayed"),
            default: o.opt_bool("default"),
            security_labels: o.list("securityLabels", SecurityLabel::read)?,
            raw: v.clone(),
        })
    }
}

/// A tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Tag {
    pub name: String,
    pub id: Option<i64>,
    pub description: Option<String>,
    pub web_link: Option<String>,
    pub raw: Value,
}

impl Tag {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Tag> {
        let o = Obj::new(v, path)?;
        Ok(Tag {
            name: o.text("name")?,
            id: o.opt_i64("id"),
            description: o.opt_text("description"),
            web_link: o.opt_text("webLink"),
            raw: v.clone(),
        })
    }
}

/// A security label (TLP:AMBER...).
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityLabel {
    pub name: String,
    pub id: Option<i64>,
    pub description: Option<String>,
    pub color: Option<String>,
    pub date_added: Option<String>,
    pub raw: Value,
}

impl SecurityLabel {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<SecurityLabel> {
        let o = Obj::new(v, path)?;
        Ok(SecurityLabel {
            name: o.text("name")?,
            id: o.opt_i64("id"),
            description: o.opt_text("description"),
            color: o.opt_text("color"),
            date_added: o.opt_text("dateAdded"),
            raw: v.clone(),
        })
    }
}

/// An owner (Organization, Community, Source) with what else the API said (v3 permissions...).
#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    pub id: i64,
    pub name: String,
    pub kind: Option<String>,
    pub raw: Value,
}

impl Owner {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Owner> {
        let o = Obj::new(v, path)?;
        Ok(Owner { id: o.id("id")?, name: o.text("name")?, kind: o.opt_text("type"), raw: v.clone() })
    }
}

/// A user (owner members, whoami, v3 `createdBy`).
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub raw: Value,
}

impl User {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<User> {
        let o = Obj::new(v, path)?;
        Ok(User {
            user_name: o.text("userName")?,
            first_name: o.opt_text("firstName"),
            last_name: o.opt_text("lastName"),
            raw: v.clone(),
        })
    }
}

/// A victim.
#[derive(Clone, Debug, PartialEq)]
pub struct Victim {
    pub id: i64,
    pub name: String,
    pub org: Option<String>,
    pub web_link: Option<String>,
    pub raw: Value,
}

impl Victim {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Victim> {
        let o = Obj::new(v, path)?;
        Ok(Victim {
            id: o.id("id")?,
            name: o.text("name")?,
            org: o.opt_text("org"),
            web_link: o.opt_text("webLink"),
            raw: v.clone(),
        })
    }
}

impl Victim {
    /// The assets of a v3 victim read with `fields=assets` (`{"data": [...]}`); none otherwise.
    pub fn assets(&self) -> R<Vec<VictimAsset>> {
        Obj::new(&self.raw, "data")?.list("assets", VictimAsset::read)
    }
}

/// A victim asset (EmailAddress, NetworkAccount, Phone, SocialNetwork, WebSite).
#[derive(Clone, Debug, PartialEq)]
pub struct VictimAsset {
    pub id: i64,
    pub asset_type: String,
    /// `name` in v2 lists; v2 writes and v3 put the value in a type-specific field (`account`, `website`, `address`...).
    pub name: Option<String>,
    pub raw: Value,
}

impl VictimAsset {
    pub fn read(v: &Value, path: &str, entity: &str) -> R<VictimAsset> {
        let o = Obj::new(v, path)?;
        let asset_type = match o.opt_text("type") {
            Some(t) => t,
            None if !entity.is_empty() => entity.to_string(),
            None => return Err(Error::decode(&o.p("type"), "missing")),
        };
        // v2 writes answer with the documented field of the type: `account` (network and
        // social accounts), `webSite`, `address`, and `phoneType` (which carries the number).
        let name = ["name", "address", "phone", "website", "accountName", "phoneNumber", "account", "webSite", "phoneType"]
            .iter()
            .find_map(|k| o.opt_text(k));
        Ok(VictimAsset { id: o.id("id")?, asset_type, name, raw: v.clone() })
    }
}

/// A task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub id: i64,
    pub name: String,
    pub owner: OwnerRef,
    pub status: Option<String>,
    pub due_date: Option<String>,
    pub raw: Value,
}

impl Task {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Task> {
        let o = Obj::new(v, path)?;
        Ok(Task {
            id: o.id("id")?,
            name: o.text("name")?,
            owner: OwnerRef::read(&o)?,
            status: o.opt_text("status"),
            due_date: o.opt_text("dueDate"),
            raw: v.clone(),
        })
    }
}

/// `/observationCount`: `{count, lastObserved, yourCount, yourLastObserved}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservationCount {
    pub count: i64,
    pub last_observed: Option<String>,
    pub your_count: Option<i64>,
    pub your_last_observed: Option<String>,
    pub raw: Value,
}

impl ObservationCount {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<ObservationCount> {
        let o = Obj::new(v, path)?;
        Ok(ObservationCount {
            count: o.opt_i64("count").unwrap_or(0),
            last_observed: o.opt_text("lastObserved"),
            your_count: o.opt_i64("yourCount"),
            your_last_observed: o.opt_text("yourLastObserved"),
            raw: v.clone(),
        })
    }
}

/// A false-positive report (`POST .../falsePositive` answer): `{count, reported}`.
#[derive(Clone, Debug, PartialEq)]
pub struct FalsePositive {
    pub count: i64,
    /// The indicator, when the answer names it (v3 `PUT ...?fields=falsePositives`).
    pub indicator_id: Option<i64>,
    pub summary: Option<String>,
    pub reported_by_user: Option<bool>,
    pub last_reported: Option<String>,
    pub raw: Value,
}

impl FalsePositive {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<FalsePositive> {
        let o = Obj::new(v, path)?;
        Ok(FalsePositive {
            count: o.opt_i64("count").or_else(|| o.opt_i64("falsePositives")).unwrap_or(0),
            indicator_id: o.opt_i64("id"),
            summary: o.opt_text("summary"),
            reported_by_user: o.opt_bool("reported").or_else(|| o.opt_bool("falsePositiveReportedByUser")),
            last_reported: o.opt_text("lastReported").or_else(|| o.opt_text("lastFalsePositive")),
            raw: v.clone(),
        })
    }
}

/// One line of `/v2/indicators/observed`: an indicator's observations (no id there).
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    pub summary: String,
    pub observation_count: i64,
    pub last_observed: Option<String>,
    pub raw: Value,
}

impl Observed {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Observed> {
        let o = Obj::new(v, path)?;
        Ok(Observed {
            summary: o.text("summary")?,
            observation_count: o.opt_i64("observationCount").unwrap_or(0),
            last_observed: o.opt_text("lastObserved"),
            raw: v.clone(),
        })
    }
}

/// An indicator type from `/v2/types/indicatorTypes?includeAdditional=true`,
/// custom types included: their `apiBranch` is the v2 URL branch.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorTypeDef {
    pub name: String,
    pub api_branch: String,
    pub api_entity: String,
    pub custom: bool,
    pub raw: Value,
}

impl IndicatorTypeDef {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<IndicatorTypeDef> {
        let o = Obj::new(v, path)?;
        Ok(IndicatorTypeDef {
            name: o.text("name")?,
            api_branch: o.text("apiBranch")?,
            api_entity: o.opt_text("apiEntity").unwrap_or_default(),
            custom: o.opt_bool("custom").unwrap_or(false),
            raw: v.clone(),
        })
    }
    pub fn indicator_type(&self) -> IndicatorType {
        IndicatorType::from_base_name(&self.name).unwrap_or_else(|| IndicatorType::Custom(self.name.clone()))
    }
    /// Does this definition describe `t`? (Names compared as ThreatConnect's sources spell them.)
    pub fn is(&self, t: &IndicatorType) -> bool {
        match (t, self.indicator_type()) {
            (IndicatorType::Custom(a), IndicatorType::Custom(b)) => a.eq_ignore_ascii_case(&b),
            (a, b) => *a == b,
        }
    }
    /// The value labels (`value1Label`, `value2Label`, `value3Label`), non-empty ones.
    pub fn value_labels(&self) -> Vec<String> {
        (1..=3).filter_map(|k| self.raw.get(format!("value{k}Label")).and_then(super::json::as_string)).filter(|l| !l.is_empty()).collect()
    }
    /// A v2 item's value, read from exactly this type's value labels (joined by ` : `
    /// as ThreatConnect summarises multi-value types).
    pub fn value_of(&self, item: &Value) -> Option<String> {
        let parts: Vec<String> = self.value_labels().iter().filter_map(|l| item.get(l).and_then(super::json::as_string)).filter(|v| !v.is_empty()).collect();
        (!parts.is_empty()).then(|| parts.join(" : "))
    }
}

/// An owner's bulk report configuration (`GET /v2/indicators/bulk?owner=`), answered as
/// `{"bulkStatus": {...}}` (the documented example has no `status`/`data` envelope).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkStatus {
    pub name: String,
    pub csv_enabled: bool,
    pub json_enabled: bool,
    pub next_run: Option<String>,
    pub last_run: Option<String>,
    pub status: Option<String>,
    pub raw: Value,
}

impl BulkStatus {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<BulkStatus> {
        let o = Obj::new(v, path)?;
        Ok(BulkStatus {
            name: o.text("name")?,
            csv_enabled: o.opt_bool("csvEnabled").unwrap_or(false),
            json_enabled: o.opt_bool("jsonEnabled").unwrap_or(false),
            next_run: o.opt_text("nextRun"),
            last_run: o.opt_text("lastRun"),
            status: o.opt_text("status"),
            raw: v.clone(),
        })
    }
}

/// One row of a CSV bulk report: `Type,Value,Rating,Confidence` (`null` when unset).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkCsvRow {
    pub indicator_type: String,
    pub value: String,
    pub rating: Option<f64>,
    pub confidence: Option<f64>,
}

impl BulkCsvRow {
    /// Parses a CSV bulk report: a header naming at least Type and Value, then one row per
    /// indicator; quoted fields (`"a,b"`, `""` for a quote) are read as CSV writes them.
    pub fn parse_report(text: &str) -> R<Vec<BulkCsvRow>> {
        let mut lines = csv_records(text).into_iter();
        let header = lines.next().ok_or_else(|| Error::decode("csv", "empty report"))?;
        let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (t, v) = match (col("Type"), col("Value")) {
            (Some(t), Some(v)) => (t, v),
            _ => return Err(Error::decode("csv", "the header names no Type and Value columns")),
        };
        let (r, c) = (col("Rating"), col("Confidence"));
        let num = |row: &Vec<String>, i: Option<usize>| i.and_then(|i| row.get(i)).and_then(|x| x.trim().parse::<f64>().ok());
        let mut out = Vec::new();
        for (n, row) in lines.enumerate() {
            if row.len() == 1 && row[0].is_empty() {
                continue;
            }
            let get = |i: usize| row.get(i).cloned().ok_or_else(|| Error::decode(&format!("csv[{}]", n + 1), "too few columns"));
            out.push(BulkCsvRow { indicator_type: get(t)?, value: get(v)?, rating: num(&row, r), confidence: num(&row, c) });
        }
        Ok(out)
    }
}

/// Splits CSV text into records of fields (RFC 4180 quoting; CRLF or LF line ends).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        records.push(row);
    }
    records
}

/// An adversary asset (Handle, PhoneNumber, URL). The list of all assets
/// (`bucketAsset`) gives the value in `name`; one type's answers (`adversaryHandle`,
/// `adversaryUrl`...) in the type's own field (`handle`, `phoneNumber`, `url`).
#[derive(Clone, Debug, PartialEq)]
pub struct AdversaryAsset {
    pub id: i64,
    pub asset_type: String,
    pub value: Option<String>,
    pub web_link: Option<String>,
    pub raw: Value,
}

impl AdversaryAsset {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<AdversaryAsset> {
        let o = Obj::new(v, path)?;
        let value = ["name", "handle", "phoneNumber", "url"].iter().find_map(|k| o.opt_text(k));
        Ok(AdversaryAsset { id: o.id("id")?, asset_type: o.text("type")?, value, web_link: o.opt_text("webLink"), raw: v.clone() })
    }
}

/// A file occurrence of a File indicator: where and when the file was seen
/// (v2 `fileOccurrence`, v3 `fileOccurrences: {data: [...]}`).
#[derive(Clone, Debug, PartialEq)]
pub struct FileOccurrence {
    pub id: i64,
    pub file_name: Option<String>,
    pub path: Option<String>,
    pub date: Option<String>,
    pub raw: Value,
}

impl FileOccurrence {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<FileOccurrence> {
        let o = Obj::new(v, path)?;
        Ok(FileOccurrence { id: o.id("id")?, file_name: o.opt_text("fileName"), path: o.opt_text("path"), date: o.opt_text("date"), raw: v.clone() })
    }
    /// The `fileOccurrences` of a v3 indicator read with `fields=fileOccurrences`.
    pub fn of_indicator(v: &Value, path: &str, _entity: &str) -> R<Vec<FileOccurrence>> {
        Obj::new(v, path)?.list("fileOccurrences", FileOccurrence::read)
    }
}

/// An association type from `/v2/types/associationTypes[/{name}]`: a group type, a
/// named (custom) indicator-to-indicator association, or a file action. The
/// documentation sends the booleans as strings (`"custom": "false"`).
#[derive(Clone, Debug, PartialEq)]
pub struct AssociationType {
    pub name: String,
    /// The URL branch: `associations/{apiBranch}` or `actions/{apiBranch}`.
    pub api_branch: Option<String>,
    pub custom: bool,
    pub file_action: bool,
    pub raw: Value,
}

impl AssociationType {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<AssociationType> {
        let o = Obj::new(v, path)?;
        Ok(AssociationType {
            name: o.text("name")?,
            api_branch: o.opt_text("apiBranch"),
            custom: o.opt_bool("custom").unwrap_or(false),
            file_action: o.opt_bool("fileAction").unwrap_or(false),
            raw: v.clone(),
        })
    }
}

/// One DNS resolution: when a host resolved, and the addresses it resolved to
/// (or, from an address, the host that resolved to it).
/// v2 hosts answer `{"dnsResolution":[{"resolutionDate", "addresses":[{"ip",...}]}]}`,
/// v2 addresses answer the hosts themselves (`{"indicator":[{"type":"Host",...}]}`),
/// v3 `fields=dnsResolution` gives `{"data":[{"resolutionDate", "addresses"|"hosts": {"data":[...]}}]}`.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsResolution {
    pub resolution_date: Option<String>,
    /// The other side of the resolution: addresses of a host, hosts of an address.
    pub resolved: Vec<Indicator>,
    pub raw: Value,
}

impl DnsResolution {
    pub fn read(v: &Value, path: &str, entity: &str) -> R<DnsResolution> {
        let o = Obj::new(v, path)?;
        let mut resolved = Vec::new();
        let mut listed = false;
        for (key, item_entity) in [("addresses", "address"), ("hosts", "host")] {
            let Some(list) = o.get(key) else { continue };
            listed = true;
            let (items, base) = match list.get("data") {
                Some(d) if list.is_object() => (d, format!("{}.data", o.p(key))),
                _ => (list, o.p(key)),
            };
            for (i, x) in super::json::one_or_many(items).into_iter().enumerate() {
                resolved.push(Indicator::read(x, &format!("{base}[{i}]"), item_entity)?);
            }
        }
        if !listed {
            // An address's answer lists the hosts themselves.
            let entity = if matches!(entity, "" | "dnsResolution" | "indicator") { "host" } else { entity };
            resolved.push(Indicator::read(v, path, entity)?);
        }
        Ok(DnsResolution { resolution_date: o.opt_text("resolutionDate"), resolved, raw: v.clone() })
    }
}

/// Anything with an id that Pivot keeps as ThreatConnect sent it (adversary
/// assets, file occurrences, attribute types, v3 deleted items...).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: i64,
    pub raw: Value,
}

impl Record {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Record> {
        let o = Obj::new(v, path)?;
        Ok(Record { id: o.id("id")?, raw: v.clone() })
    }
}

/// A batch job's status (`GET /v2/batch/{id}`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStatus {
    pub id: i64,
    /// Created, Queued, Running, Completed.
    pub status: String,
    pub error_count: i64,
    pub success_count: i64,
    pub unprocess_count: i64,
    pub raw: Value,
}

impl BatchStatus {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<BatchStatus> {
        let o = Obj::new(v, path)?;
        Ok(BatchStatus {
            id: o.id("id").or_else(|_| o.id("batchId"))?,
            status: o.text("status")?,
            error_count: o.opt_i64("errorCount").unwrap_or(0),
            success_count: o.opt_i64("successCount").unwrap_or(0),
            unprocess_count: o.opt_i64("unprocessCount").unwrap_or(0),
            raw: v.clone(),
        })
    }
    pub fn is_done(&self) -> bool {
        self.status.eq_ignore_ascii_case("Completed")
    }
}

/// A batch error line (`GET /v2/batch/{id}/errors`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchError {
    pub error_code: Option<String>,
    pub error_message: String,
    pub raw: Value,
}

impl BatchError {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<BatchError> {
        let o = Obj::new(v, path)?;
        Ok(BatchError {
            error_code: o.opt_text("errorCode"),
            error_message: o.opt_text("errorMessage").or_else(|| o.opt_text("errorReason")).unwrap_or_default(),
            raw: v.clone(),
        })
    }
}

/// One observation of an indicator (`{indicator}/observations`): `{count, dateObserved}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub count: i64,
    pub date_observed: Option<String>,
    pub raw: Value,
}

impl Observation {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Observation> {
        let o = Obj::new(v, path)?;
        Ok(Observation { count: o.opt_i64("count").unwrap_or(0), date_observed: o.opt_text("dateObserved"), raw: v.clone() })
    }
}

/// An owner's metrics for one day (`/v2/owners/{id}/metrics`, entity `ownerMetric`).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerMetric {
    pub metric_date: String,
    pub total_indicator: Option<i64>,
    pub total_group: Option<i64>,
    pub total_tag: Option<i64>,
    pub average_indicator_rating: Option<f64>,
    pub average_indicator_confidence: Option<f64>,
    /// Every count (`totalHost`, `totalIncident`...) as ThreatConnect sent it.
    pub raw: Value,
}

impl OwnerMetric {
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<OwnerMetric> {
        let o = Obj::new(v, path)?;
        Ok(OwnerMetric {
            metric_date: o.text("metricDate")?,
            total_indicator: o.opt_i64("totalIndicator"),
            total_group: o.opt_i64("totalGroup"),
            total_tag: o.opt_i64("totalTag"),
            average_indicator_rating: o.opt_f64("averageIndicatorRating"),
            average_indicator_confidence: o.opt_f64("averageIndicatorConfidence"),
            raw: v.clone(),
        })
    }
}

/// An id given as number or string at a path (`{"batchId": "12"}`).
pub fn read_id(v: &Value, path: &str) -> R<i64> {
    as_i64(v).ok_or_else(|| Error::decode(path, "expected a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v2_host_is_summarised_and_typed_from_its_entity() {
        let v = json!({"id": 12345, "owner": {"id": 1, "name": "Example Organization", "type": "Organization"},
            "threatAssessRating": "3.00", "hostName": "example.com", "dnsActive": "false", "newField": [1]});
        let i = Indicator::read(&v, "data.host", "host").unwrap();
        assert_eq!(i.id, 12345);
        assert_eq!(i.indicator_type, IndicatorType::Host);
        assert_eq!(i.summary, "example.com");
        assert_eq!(i.owner, OwnerRef { name: "Example Organization".into(), id: Some(1), kind: Some("Organization".into()) });
        // ThreatAssess is not the owner's rating: this owner gave none.
        assert_eq!((i.rating, i.threat_assess_rating), (None, Some(3.0)));
        assert_eq!(i.raw["newField"], json!([1]));
    }

    #[test]
    fn custom_types_are_kept() {
        let v = json!({"id": "7", "type": "Hashtag", "summary": "#bad", "ownerName": "Org"});
        let i = Indicator::read(&v, "data[0]", "").unwrap();
        assert_eq!(i.indicator_type, IndicatorType::Custom("Hashtag".into()));
        assert_eq!(i.id, 7);
    }

    #[test]
    fn v2_custom_type_value_comes_from_its_own_field() {
        let v = json!({"id": 3, "ownerName": "O", "dateAdded": "2024-01-01", "Hashtag": "#evil", "webLink": "https://x"});
        let i = Indicator::read(&v, "data.hashtag", "hashtag").unwrap();
        assert_eq!((i.indicator_type, i.summary.as_str()), (IndicatorType::Custom("hashtag".into()), "#evil"));
        // API fields given as text sort before the label here ("a" < "z" but after "Z"):
        // none of them is taken for the value.
        let v = json!({"id": 3, "ownerName": "O", "active": "true", "dnsActive": "false", "threatAssessRating": "3.00", "zTag": "#evil"});
        assert!(Indicator::read(&v, "data.hashtag", "hashtag").is_err(), "no Title Case label: no value");
        let v = json!({"id": 3, "ownerName": "O", "active": "true", "privateFlag": "false", "Tag Value": "#evil"});
        assert_eq!(Indicator::read(&v, "data.hashtag", "hashtag").unwrap().summary, "#evil");
    }

    #[test]
    fn indicator_types_keep_custom_branches() {
        let b = json!({"status": "Success", "data": {"resultCount": 2, "indicatorType": [
            {"name": "Host", "custom": "false", "apiBranch": "hosts", "apiEntity": "host"},
            {"name": "Hashtag", "custom": "true", "apiBranch": "hashtags", "apiEntity": "hashtag", "value1Label": "Hashtag"}]}});
        let p = crate::tc::envelope::v2_list(&b, "indicatorType", IndicatorTypeDef::read).unwrap();
        assert_eq!(p.items[0].indicator_type(), IndicatorType::Host);
        assert_eq!((p.items[1].indicator_type(), p.items[1].api_branch.as_str(), p.items[1].custom), (IndicatorType::Custom("Hashtag".into()), "hashtags", true));
        assert_eq!(p.items[1].raw["value1Label"], "Hashtag");
    }

    #[test]
    fn file_hashes_are_joined() {
        let v = json!({"id": 1, "md5": "AA", "sha256": "CC", "ownerName": "O"});
        assert_eq!(Indicator::read(&v, "", "file").unwrap().summary, "AA : CC");
    }

    #[test]
    fn missing_identity_fails_with_path() {
        let v = json!({"id": 1, "summary": "x", "type": "Host"});
        assert_eq!(
            Indicator::read(&v, "data", "").unwrap_err(),
            Error::decode("data.ownerName", "missing")
        );
        let v = json!({"id": 1, "ownerName": "o", "summary": "x"});
        assert_eq!(Group::read(&v, "data.group[0]", "group").unwrap_err(), Error::decode("data.group[0].type", "missing"));
    }

    #[test]
    fn v3_nested_lists_decode() {
        let v = json!({"id": 4, "ownerName": "Demo", "type": "Host", "summary": "a.com",
            "tags": {"data": [{"id": 11, "name": "T"}]},
            "associatedGroups": {"data": [{"id": 12, "ownerName": "Src", "type": "Adversary", "name": "Bad Guy"}]},
            "attributes": {"data": [{"id": 1, "type": "Description", "value": "d",
                "securityLabels": {"data": [{"name": "TLP:AMBER"}]}}]}});
        let i = Indicator::read(&v, "data", "").unwrap();
        assert_eq!(i.tags[0].name, "T");
        assert_eq!(i.associated_groups[0].group_type(), Some(GroupType::Adversary));
        assert_eq!(i.attributes[0].security_labels[0].name, "TLP:AMBER");
        let bad = json!({"id": 4, "ownerName": "Demo", "type": "Host", "summary": "a.com",
            "associatedGroups": {"data": [{"id": 12, "ownerName": "Src", "type": "Adversary"}]}});
        assert_eq!(Indicator::read(&bad, "data", "").unwrap_err(), Error::decode("data.associatedGroups.data[0].name", "missing"));
    }
}

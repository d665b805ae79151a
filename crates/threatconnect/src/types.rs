//! ThreatConnect item types: indicator and group types with their names in
//! v3 (`typeName`), v2 (URL branch) and the Spaces `tcType` parameter; the
//! instance's own indicator types, custom ones included (`/v2/types/indicatorTypes`).

use crate::client::{Client, Transport};
use crate::decode::{as_string, Obj, R};
use crate::error::Error;
use crate::http::HttpRequest;
use serde_json::Value;
use std::fmt;

/// The base indicator types ThreatConnect ships. Custom types are kept by name
/// in [`IndicatorType::Custom`] (the JavaScript SDK silently dropped them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndicatorType {
    /// An IPv4 or IPv6 address.
    Address,
    /// An email address.
    EmailAddress,
    /// A file, by its MD5, SHA1 and SHA256 hashes.
    File,
    /// A host name.
    Host,
    /// A URL.
    Url,
    /// An autonomous system number.
    Asn,
    /// A CIDR block.
    Cidr,
    /// A mutex name.
    Mutex,
    /// A Windows registry key.
    RegistryKey,
    /// An HTTP user agent.
    UserAgent,
    /// A custom indicator type, by its v3 `typeName` (e.g. "Hashtag").
    Custom(String),
}

/// The 16 group types of ThreatConnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupType {
    /// Adversary.
    Adversary,
    /// Attack Pattern.
    AttackPattern,
    /// Campaign.
    Campaign,
    /// Course Of Action.
    CourseOfAction,
    /// Document.
    Document,
    /// Email.
    Email,
    /// Event.
    Event,
    /// Incident.
    Incident,
    /// Intrusion Set.
    IntrusionSet,
    /// Malware.
    Malware,
    /// Report.
    Report,
    /// Signature.
    Signature,
    /// Tactic.
    Tactic,
    /// Threat.
    Threat,
    /// Tool.
    Tool,
    /// Vulnerability.
    Vulnerability,
}

/// The base indicator types, in ThreatConnect's order.
pub const BASE_INDICATOR_TYPES: [IndicatorType; 10] = [
    IndicatorType::Address,
    IndicatorType::EmailAddress,
    IndicatorType::File,
    IndicatorType::Host,
    IndicatorType::Url,
    IndicatorType::Asn,
    IndicatorType::Cidr,
    IndicatorType::Mutex,
    IndicatorType::RegistryKey,
    IndicatorType::UserAgent,
];

/// Every group type, in ThreatConnect's order.
pub const GROUP_TYPES: [GroupType; 16] = [
    GroupType::Adversary,
    GroupType::AttackPattern,
    GroupType::Campaign,
    GroupType::CourseOfAction,
    GroupType::Document,
    GroupType::Email,
    GroupType::Event,
    GroupType::Incident,
    GroupType::IntrusionSet,
    GroupType::Malware,
    GroupType::Report,
    GroupType::Signature,
    GroupType::Tactic,
    GroupType::Threat,
    GroupType::Tool,
    GroupType::Vulnerability,
];

/// Compare type names the way ThreatConnect's sources disagree on them:
/// case, spaces and underscores are ignored ("Registry Key" = "RegistryKey" = "registrykey").
fn fold(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).map(|c| c.to_ascii_lowercase()).collect()
}

impl IndicatorType {
    /// The v3 `typeName` (also used in TQL and batch `type`).
    pub fn type_name(&self) -> &str {
        match self {
            Self::Address => "Address",
            Self::EmailAddress => "EmailAddress",
            Self::File => "File",
            Self::Host => "Host",
            Self::Url => "URL",
            Self::Asn => "ASN",
            Self::Cidr => "CIDR",
            Self::Mutex => "Mutex",
            Self::RegistryKey => "Registry Key",
            Self::UserAgent => "User Agent",
            Self::Custom(name) => name,
        }
    }

    /// The v2 URL branch (`/v2/indicators/{branch}`); custom types have their
    /// own `apiBranch` from `/v2/types/indicatorTypes`, which the caller supplies.
    pub fn v2_branch(&self) -> Option<&'static str> {
        Some(match self {
            Self::Address => "addresses",
            Self::EmailAddress => "emailAddresses",
            Self::File => "files",
            Self::Host => "hosts",
            Self::Url => "urls",
            Self::Asn => "asns",
            Self::Cidr => "cidrBlocks",
            Self::Mutex => "mutexes",
            Self::RegistryKey => "registryKeys",
            Self::UserAgent => "userAgents",
            Self::Custom(_) => return None,
        })
    }

    /// A known base type by any of its spellings (v3 typeName, Spaces tcType,
    /// v2 branch), case-insensitively.
    pub fn from_base_name(name: &str) -> Option<Self> {
        let folded = fold(name);
        BASE_INDICATOR_TYPES.iter().find(|t| fold(t.type_name()) == folded || t.v2_branch().map(fold).as_deref() == Some(folded.as_str())).cloned()
    }
}

impl GroupType {
    /// The v3 `typeName`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Adversary => "Adversary",
            Self::AttackPattern => "Attack Pattern",
            Self::Campaign => "Campaign",
            Self::CourseOfAction => "Course of Action",
            Self::Document => "Document",
            Self::Email => "Email",
            Self::Event => "Event",
            Self::Incident => "Incident",
            Self::IntrusionSet => "Intrusion Set",
            Self::Malware => "Malware",
            Self::Report => "Report",
            Self::Signature => "Signature",
            Self::Tactic => "Tactic",
            Self::Threat => "Threat",
            Self::Tool => "Tool",
            Self::Vulnerability => "Vulnerability",
        }
    }

    /// The v2 URL branch (`/v2/groups/{branch}`).
    pub fn v2_branch(self) -> &'static str {
        match self {
            Self::Adversary => "adversaries",
            Self::AttackPattern => "attackPatterns",
            Self::Campaign => "campaigns",
            Self::CourseOfAction => "coursesOfAction",
            Self::Document => "documents",
            Self::Email => "emails",
            Self::Event => "events",
            Self::Incident => "incidents",
            Self::IntrusionSet => "intrusionSets",
            Self::Malware => "malware",
            Self::Report => "reports",
            Self::Signature => "signatures",
            Self::Tactic => "tactics",
            Self::Threat => "threats",
            Self::Tool => "tools",
            Self::Vulnerability => "vulnerabilities",
        }
    }

    /// A group type by any of its spellings, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        let folded = fold(name);
        GROUP_TYPES.iter().copied().find(|t| fold(t.type_name()) == folded || fold(t.v2_branch()) == folded)
    }
}

impl fmt::Display for IndicatorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

impl fmt::Display for GroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// An indicator type from `/v2/types/indicatorTypes?includeAdditional=true`,
/// custom types included: their `apiBranch` is the v2 URL branch.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorTypeDef {
    /// The type's name (`Host`, `Hashtag`).
    pub name: String,
    /// The v2 URL branch (`hosts`, `hashtags`).
    pub api_branch: String,
    /// The v2 entity key a single item answers under (`host`, `hashtag`).
    pub api_entity: String,
    /// A custom type.
    pub custom: bool,
    /// Everything ThreatConnect sent (value labels, regexes...).
    pub raw: Value,
}

impl IndicatorTypeDef {
    /// Reads one definition.
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
    /// The type it defines.
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
        (1..=3).filter_map(|k| self.raw.get(format!("value{k}Label")).and_then(as_string)).filter(|l| !l.is_empty()).collect()
    }
    /// A v2 item's value, read from exactly this type's value labels (joined by ` : `
    /// as ThreatConnect summarises multi-value types).
    pub fn value_of(&self, item: &Value) -> Option<String> {
        let parts: Vec<String> = self.value_labels().iter().filter_map(|l| item.get(l).and_then(as_string)).filter(|v| !v.is_empty()).collect();
        (!parts.is_empty()).then(|| parts.join(" : "))
    }
}

/// The v2 entity key of the indicator type list.
const ENTITY: &str = "indicatorType";

/// Request builders.
pub mod v2 {
    use super::HttpRequest;

    /// `GET /v2/types/indicatorTypes?includeAdditional=true`: base and custom types with `apiBranch`.
    pub fn indicator_types() -> HttpRequest {
        HttpRequest::get("/v2/types/indicatorTypes").query("includeAdditional", "true")
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/types/indicatorTypes?includeAdditional=true`: base and custom types.
    pub async fn indicator_types(&self) -> Result<Vec<IndicatorTypeDef>, Error> {
        Ok(self.v2_list(v2::indicator_types(), ENTITY, IndicatorTypeDef::read).await?.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_base_indicator_type_is_recognised() {
        for (name, want) in [
            ("Address", IndicatorType::Address),
            ("address", IndicatorType::Address),
            ("addresses", IndicatorType::Address),
            ("EmailAddress", IndicatorType::EmailAddress),
            ("URL", IndicatorType::Url),
            ("Url", IndicatorType::Url),
            ("RegistryKey", IndicatorType::RegistryKey),
            ("Registry Key", IndicatorType::RegistryKey),
            ("User Agent", IndicatorType::UserAgent),
            ("cidrBlocks", IndicatorType::Cidr),
        ] {
            assert_eq!(IndicatorType::from_base_name(name), Some(want), "{name}");
        }
        assert_eq!(IndicatorType::from_base_name("Hashtag"), None);
    }

    #[test]
    fn every_group_type_round_trips_through_its_names() {
        for t in GROUP_TYPES {
            assert_eq!(GroupType::from_name(t.type_name()), Some(t));
            assert_eq!(GroupType::from_name(t.v2_branch()), Some(t));
            assert_eq!(GroupType::from_name(&t.type_name().to_uppercase()), Some(t));
        }
        assert_eq!(GroupType::from_name("Tag"), None);
    }

    #[test]
    fn indicator_types_keep_custom_branches() {
        let b = serde_json::json!({"status": "Success", "data": {"resultCount": 2, "indicatorType": [
            {"name": "Host", "custom": "false", "apiBranch": "hosts", "apiEntity": "host"},
            {"name": "Hashtag", "custom": "true", "apiBranch": "hashtags", "apiEntity": "hashtag", "value1Label": "Hashtag"}]}});
        let p = crate::decode::v2_list(&b, ENTITY, IndicatorTypeDef::read).unwrap();
        assert_eq!(p.items[0].indicator_type(), IndicatorType::Host);
        assert_eq!(
            (p.items[1].indicator_type(), p.items[1].api_branch.as_str(), p.items[1].custom),
            (IndicatorType::Custom("Hashtag".into()), "hashtags", true)
        );
        assert_eq!(p.items[1].raw["value1Label"], "Hashtag");
        assert_eq!(v2::indicator_types().path_and_query(), "/v2/types/indicatorTypes?includeAdditional=true");
    }

    #[test]
    fn indicator_types_name_their_branches_and_value_labels() {
        // GET /v2/types/indicatorTypes, as documented.
        let p = crate::decode::v2_list(&crate::test_util::documented("v2__indicators__retrieve__1").1, ENTITY, IndicatorTypeDef::read).unwrap();
        assert_eq!(p.items.len(), 10);
        let rk = p.items.iter().find(|t| t.name == "Registry Key").unwrap();
        assert_eq!((rk.api_branch.as_str(), rk.api_entity.as_str(), rk.custom), ("registryKeys", "registryKey", true));
        assert_eq!(rk.value_labels(), ["Key Name", "Value Name"]);
        assert!(rk.is(&IndicatorType::RegistryKey));
        let item = serde_json::json!({"Key Name": "HKLM\\Run", "Value Name": "evil", "dnsActive": "false"});
        assert_eq!(rk.value_of(&item).as_deref(), Some("HKLM\\Run : evil"));
        let host = p.items.iter().find(|t| t.name == "Host").unwrap();
        assert_eq!((host.api_branch.as_str(), host.custom), ("hosts", false));
    }
}

//! ThreatConnect item types: indicator and group types with their names in
//! v3 (`typeName`), v2 (URL branch) and the Spaces `tcType` parameter.

use std::fmt;

/// The base indicator types ThreatConnect ships. Custom types are kept by name
/// in [`IndicatorType::Custom`] (the JavaScript SDK silently dropped them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndicatorType {
    Address,
    EmailAddress,
    File,
    Host,
    Url,
    Asn,
    Cidr,
    Mutex,
    RegistryKey,
    UserAgent,
    /// A custom indicator type, by its v3 `typeName` (e.g. "Hashtag").
    Custom(String),
}

/// The 16 group types of ThreatConnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupType {
    Adversary,
    AttackPattern,
    Campaign,
    CourseOfAction,
    Document,
    Email,
    Event,
    Incident,
    IntrusionSet,
    Malware,
    Report,
    Signature,
    Tactic,
    Threat,
    Tool,
    Vulnerability,
}

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
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
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
        BASE_INDICATOR_TYPES.iter().find(|t| {
            fold(t.type_name()) == folded || t.v2_branch().map(fold).as_deref() == Some(folded.as_str())
        }).cloned()
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
        GROUP_TYPES
            .iter()
            .copied()
            .find(|t| fold(t.type_name()) == folded || fold(t.v2_branch()) == folded)
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
}

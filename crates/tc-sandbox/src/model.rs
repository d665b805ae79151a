//! ThreatConnect type tables: indicator and group types with their v2 branch/entity names and value fields.

pub struct IndType {
    pub name: &'static str,
    pub branch: &'static str,
    pub entity: &'static str,
    /// v2/v3 field names for value1..value3.
    pub fields: &'static [&'static str],
    pub custom: bool,
}

pub const IND_TYPES: &[IndType] = &[
    IndType { name: "Address", branch: "addresses", entity: "address", fields: &["ip"], custom: false },
    IndType { name: "EmailAddress", branch: "emailAddresses", entity: "emailAddress", fields: &["address"], custom: false },
    IndType { name: "File", branch: "files", entity: "file", fields: &["md5", "sha1", "sha256"], custom: false },
    IndType { name: "Host", branch: "hosts", entity: "host", fields: &["hostName"], custom: false },
    IndType { name: "URL", branch: "urls", entity: "url", fields: &["text"], custom: false },
    IndType { name: "ASN", branch: "asns", entity: "asn", fields: &["AS Number"], custom: false },
    IndType { name: "CIDR", branch: "cidrBlocks", entity: "cidrBlock", fields: &["Block"], custom: false },
    IndType { name: "Mutex", branch: "mutexes", entity: "mutex", fields: &["Mutex"], custom: false },
    IndType { name: "Registry Key", branch: "registryKeys", entity: "registryKey", fields: &["Key Name", "Value Name", "Value Type"], custom: false },
    IndType { name: "User Agent", branch: "userAgents", entity: "userAgent", fields: &["User Agent String"], custom: false },
    IndType { name: "Hashtag", branch: "hashtags", entity: "hashtag", fields: &["Hashtag"], custom: true },
    // A custom type every ThreatConnect instance has (tcex's v2 threat-intelligence tests use it
    // by name: tests/api/tc/v2/threat_intelligence/test_email_subject_interface.py).
    IndType { name: "Email Subject", branch: "emailSubjects", entity: "emailSubject", fields: &["Subject"], custom: true },
];

pub struct GroupType {
    pub name: &'static str,
    pub branch: &'static str,
    pub entity: &'static str,
}

pub const GROUP_TYPES: &[GroupType] = &[
    GroupType { name: "Adversary", branch: "adversaries", entity: "adversary" },
    GroupType { name: "Attack Pattern", branch: "attackPatterns", entity: "attackPattern" },
    GroupType { name: "Campaign", branch: "campaigns", entity: "campaign" },
    GroupType { name: "Course of Action", branch: "coursesOfAction", entity: "courseOfAction" },
    GroupType { name: "Document", branch: "documents", entity: "document" },
    GroupType { name: "Email", branch: "emails", entity: "email" },
    GroupType { name: "Event", branch: "events", entity: "event" },
    GroupType { name: "Incident", branch: "incidents", entity: "incident" },
    GroupType { name: "Intrusion Set", branch: "intrusionSets", entity: "intrusionSet" },
    GroupType { name: "Malware", branch: "malware", entity: "malware" },
    GroupType { name: "Report", branch: "reports", entity: "report" },
    GroupType { name: "Signature", branch: "signatures", entity: "signature" },
    GroupType { name: "Tactic", branch: "tactics", entity: "tactic" },
    GroupType { name: "Threat", branch: "threats", entity: "threat" },
    GroupType { name: "Tool", branch: "tools", entity: "tool" },
    GroupType { name: "Vulnerability", branch: "vulnerabilities", entity: "vulnerability" },
];

fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase()
}

/// Indicator type by name ("Host", "host", "Registry Key", "RegistryKey", "Url").
pub fn ind_type(name: &str) -> Option<&'static IndType> {
    let n = norm(name);
    IND_TYPES.iter().find(|t| norm(t.name) == n)
}

pub fn ind_branch(branch: &str) -> Option<&'static IndType> {
    IND_TYPES.iter().find(|t| t.branch.eq_ignore_ascii_case(branch))
}

pub fn group_type(name: &str) -> Option<&'static GroupType> {
    let n = norm(name);
    GROUP_TYPES.iter().find(|t| norm(t.name) == n)
}

pub fn group_branch(branch: &str) -> Option<&'static GroupType> {
    GROUP_TYPES.iter().find(|t| t.branch.eq_ignore_ascii_case(branch))
}

/// Splits a summary into value1..3 (File: "md5 : sha1 : sha256" in any order; Registry Key: "key : name : type").
pub fn split_summary(t: &IndType, summary: &str) -> [Option<String>; 3] {
    let mut out: [Option<String>; 3] = [None, None, None];
    if t.name == "File" {
        for part in summary.split(" : ") {
            let p = part.trim().to_ascii_uppercase();
            let slot = match p.len() {
                32 => 0,
                40 => 1,
                64 => 2,
                _ => continue,
            };
            if p.bytes().all(|b| b.is_ascii_hexdigit()) {
                out[slot] = Some(p);
            }
        }
    } else if t.fields.len() > 1 {
        for (i, part) in summary.split(" : ").take(3).enumerate() {
            if !part.trim().is_empty() {
                out[i] = Some(part.trim().to_string());
            }
        }
    } else {
        out[0] = Some(summary.to_string());
    }
    out
}

pub fn join_summary(t: &IndType, v: &[Option<String>; 3]) -> String {
    if t.fields.len() == 1 {
        return v[0].clone().unwrap_or_default();
    }
    v.iter().flatten().cloned().collect::<Vec<_>>().join(" : ")
}

/// Validates a value for a type; returns a reason when it is not acceptable.
pub fn validate(t: &IndType, v: &[Option<String>; 3]) -> Result<(), String> {
    let first = v.iter().flatten().next();
    let Some(first) = first else { return Err(format!("Please enter a valid {}", t.name)) };
    if first.trim().is_empty() || first.len() > 2000 {
        return Err(format!("Please enter a valid {}", t.name));
    }
    match t.name {
        "Address" => {
            let ok = first.parse::<std::net::IpAddr>().is_ok();
            if !ok {
                return Err(format!("Please enter a valid Address: {}", first));
            }
        }
        "Host" if first.contains(' ') || first.contains('/') => {
            return Err(format!("Please enter a valid Host: {}", first));
        }
        "EmailAddress" if !first.contains('@') => {
            return Err(format!("Please enter a valid EmailAddress: {}", first));
        }
        "ASN" if !first.to_ascii_uppercase().starts_with("ASN") => {
            return Err(format!("Please enter a valid ASN: {}", first));
        }
        "CIDR" if !first.contains('/') => {
            return Err(format!("Please enter a valid CIDR: {}", first));
        }
        _ => {}
    }
    Ok(())
}

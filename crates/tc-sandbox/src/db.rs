//! SQLite schema and the deterministic demo seed.

use crate::model::{GROUP_TYPES, IND_TYPES};
use crate::util::Rng;
use rusqlite::{params, Connection, OptionalExtension};

pub const SCHEMA: &str = r#"
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA foreign_keys=OFF;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS owners (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS indicators (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, type TEXT NOT NULL, summary TEXT NOT NULL,
  v1 TEXT, v2 TEXT, v3 TEXT, rating REAL, confidence INTEGER, description TEXT,
  date_added INTEGER NOT NULL, last_modified INTEGER NOT NULL, private_flag INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1, dns_active INTEGER NOT NULL DEFAULT 0, whois_active INTEGER NOT NULL DEFAULT 0,
  xid TEXT, source TEXT, size INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS ind_owner_type_summary ON indicators(owner_id, type, summary);
CREATE INDEX IF NOT EXISTS ind_summary ON indicators(summary);
CREATE INDEX IF NOT EXISTS ind_v1 ON indicators(v1);
CREATE INDEX IF NOT EXISTS ind_v2 ON indicators(v2);
CREATE INDEX IF NOT EXISTS ind_v3 ON indicators(v3);
CREATE TABLE IF NOT EXISTS groups_ (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
  date_added INTEGER NOT NULL, last_modified INTEGER NOT NULL, xid TEXT, event_date INTEGER, status TEXT,
  extra TEXT, published INTEGER);
CREATE INDEX IF NOT EXISTS grp_xid ON groups_(owner_id, xid);
CREATE TABLE IF NOT EXISTS ig (ind INTEGER NOT NULL, grp INTEGER NOT NULL, PRIMARY KEY(ind, grp)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ig_grp ON ig(grp, ind);
CREATE TABLE IF NOT EXISTS gg (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ii (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT, last_used INTEGER);
CREATE TABLE IF NOT EXISTS item_tags (kind TEXT NOT NULL, item INTEGER NOT NULL, tag INTEGER NOT NULL, PRIMARY KEY(kind, item, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_tags_tag ON item_tags(tag);
CREATE TABLE IF NOT EXISTS labels (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT, color TEXT, date_added INTEGER);
CREATE TABLE IF NOT EXISTS item_labels (kind TEXT NOT NULL, item INTEGER NOT NULL, label INTEGER NOT NULL, PRIMARY KEY(kind, item, label)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attribute_types (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT, max_size INTEGER, allow_markdown INTEGER);
CREATE TABLE IF NOT EXISTS attribute_type_mappings (attribute_type INTEGER NOT NULL, item_type TEXT NOT NULL, PRIMARY KEY(attribute_type, item_type)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attributes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, item INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,
  source TEXT, date_added INTEGER NOT NULL, last_modified INTEGER NOT NULL, displayed INTEGER NOT NULL DEFAULT 1,
  pinned INTEGER NOT NULL DEFAULT 0, dflt INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS attr_item ON attributes(kind, item);
CREATE TABLE IF NOT EXISTS observations (id INTEGER PRIMARY KEY AUTOINCREMENT, ind INTEGER NOT NULL, count INTEGER NOT NULL, date INTEGER NOT NULL, mine INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS obs_ind ON observations(ind);
CREATE TABLE IF NOT EXISTS false_positives (id INTEGER PRIMARY KEY AUTOINCREMENT, ind INTEGER NOT NULL, date INTEGER NOT NULL, mine INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fp_ind ON false_positives(ind);
CREATE TABLE IF NOT EXISTS dns (host INTEGER NOT NULL, addr INTEGER NOT NULL, date INTEGER NOT NULL, PRIMARY KEY(host, addr)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dns_addr ON dns(addr);
CREATE TABLE IF NOT EXISTS whois (ind INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS space_state (element TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS space_files (element TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, content_type TEXT NOT NULL, PRIMARY KEY(element, name));
CREATE TABLE IF NOT EXISTS space_jobs (element TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datastore (domain TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY(domain, type, id));
CREATE TABLE IF NOT EXISTS batch (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, settings TEXT NOT NULL, status TEXT NOT NULL, data BLOB,
  error_count INTEGER NOT NULL DEFAULT 0, success_count INTEGER NOT NULL DEFAULT 0, unprocess_count INTEGER NOT NULL DEFAULT 0,
  errors TEXT NOT NULL DEFAULT '[]', created INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS published (id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, date INTEGER NOT NULL, labels TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS group_files (grp INTEGER PRIMARY KEY, data BLOB NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deleted_indicators (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, type TEXT NOT NULL, summary TEXT NOT NULL, date_deleted INTEGER NOT NULL);
"#;

/// Victims, their assets and groups and indicators, and tasks (`victims.rs`).
pub const VICTIMS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS victims (id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS victim_assets (id INTEGER PRIMARY KEY AUTOINCREMENT, victim INTEGER NOT NULL, type TEXT NOT NULL, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS victim_groups (victim INTEGER NOT NULL, grp INTEGER NOT NULL, PRIMARY KEY(victim, grp)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS victim_indicators (victim INTEGER NOT NULL, ind INTEGER NOT NULL, PRIMARY KEY(victim, ind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, date_added INTEGER NOT NULL, fields TEXT NOT NULL);
";

/// Named indicator-to-indicator associations and file actions (`assoc.rs`).
pub const NAMED_LINKS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS named_links (kind TEXT NOT NULL, name TEXT NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY(kind, name, a, b)) WITHOUT ROWID;
";

/// Adversary assets (`assets.rs`).
pub const ADVERSARY_ASSETS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS adversary_assets (id INTEGER PRIMARY KEY AUTOINCREMENT, grp INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL);
";

/// File occurrences of a File indicator (`occurrences.rs`): fileName, path, date (stored as the
/// instant it names, answered in UTC); and its file actions (v3 Indicator Associations, File
/// Actions): file, relationship, indicator. `IF NOT EXISTS`: a database made before either gains it.
pub const FILE_OCCURRENCES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS file_actions (file INTEGER NOT NULL, relationship TEXT NOT NULL, ind INTEGER NOT NULL, PRIMARY KEY(file, relationship, ind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_occurrences (id INTEGER PRIMARY KEY AUTOINCREMENT, ind INTEGER NOT NULL, file_name TEXT, path TEXT, date INTEGER);
CREATE INDEX IF NOT EXISTS file_occ_ind ON file_occurrences(ind);
";

const TABLES: &[&str] = &[
    "meta",
    "owners",
    "indicators",
    "groups_",
    "ig",
    "gg",
    "ii",
    "tags",
    "item_tags",
    "labels",
    "item_labels",
    "attribute_types",
    "attribute_type_mappings",
    "attributes",
    "observations",
    "false_positives",
    "dns",
    "whois",
    "datastore",
    "space_state",
    "space_files",
    "space_jobs",
    "batch",
    "published",
    "tokens",
    "group_files",
    "victims",
    "victim_assets",
    "victim_groups",
    "tasks",
    "named_links",
    "file_occurrences",
    "adversary_assets",
    "victim_indicators",
    "custom_metrics",
    "deleted_indicators",
    "custom_metric_data",
];

/// Custom metrics and their values (`metrics.rs`).
pub const METRICS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS custom_metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS custom_metric_data (metric INTEGER NOT NULL, key TEXT NOT NULL, period INTEGER NOT NULL, value REAL NOT NULL, weight REAL NOT NULL);
";

/// Every schema, in the order `open` applies them.
const SCHEMAS: &[&str] = &[SCHEMA, VICTIMS_SCHEMA, NAMED_LINKS_SCHEMA, ADVERSARY_ASSETS_SCHEMA, FILE_OCCURRENCES_SCHEMA, METRICS_SCHEMA];

/// Ids are never reused: ThreatConnect never gives a deleted item's id to a new one, so a client
/// holding an old id cannot touch a new item. SQLite reuses the largest rowid after its row is
/// deleted unless the table is AUTOINCREMENT (sqlite.org/autoinc.html), which every table with
/// an `id` key is. A database made before that is migrated in place when opened: each such table
/// is copied into its AUTOINCREMENT form, rows and ids kept (the counter starts past the largest
/// id present, so only ids deleted before the migration could come back).
fn migrate_autoincrement(conn: &mut Connection) -> rusqlite::Result<()> {
    let wanted: Vec<(String, String)> = SCHEMAS
        .iter()
        .flat_map(|s| s.split(';'))
        .map(str::trim)
        .filter(|st| st.starts_with("CREATE TABLE") && st.contains("AUTOINCREMENT"))
        .filter_map(|st| {
            let name = st.trim_start_matches("CREATE TABLE IF NOT EXISTS ").split([' ', '(']).next()?.to_string();
            Some((name, st.to_string()))
        })
        .collect();
    let tx = conn.transaction()?;
    let mut migrated = false;
    for (name, create) in wanted {
        let sql: Option<String> =
            tx.query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [&name], |r| r.get(0)).optional()?;
        if sql.is_none_or(|s| s.contains("AUTOINCREMENT")) {
            continue;
        }
        let cols = |t: &str| -> rusqlite::Result<Vec<String>> {
            let mut st = tx.prepare(&format!("PRAGMA table_info({})", t))?;
            let v = st.query_map([], |r| r.get::<_, String>(1))?.collect();
            v
        };
        let old = cols(&name)?;
        tx.execute_batch(&format!("ALTER TABLE {name} RENAME TO {name}__before_autoincrement; {create};"))?;
        let keep: Vec<String> = cols(&name)?.into_iter().filter(|c| old.contains(c)).collect();
        let keep = keep.join(", ");
        tx.execute_batch(&format!(
            "INSERT INTO {name} ({keep}) SELECT {keep} FROM {name}__before_autoincrement; DROP TABLE {name}__before_autoincrement;"
        ))?;
        migrated = true;
    }
    tx.commit()?;
    if migrated {
        // The indexes went with the old tables: made again on the new ones.
        for s in SCHEMAS {
            conn.execute_batch(s)?;
        }
    }
    Ok(())
}

/// Opens (creating when absent) and seeds when the database has never been seeded or `reset` is set.
pub fn open(path: &std::path::Path, seed: crate::Seed, reset: bool) -> rusqlite::Result<Connection> {
    let seed = seed.as_str();
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    for s in SCHEMAS {
        conn.execute_batch(s)?;
    }
    migrate_autoincrement(&mut conn)?;
    let seeded: Option<String> = conn.query_row("SELECT value FROM meta WHERE key='seed'", [], |r| r.get(0)).ok();
    if reset || seeded.is_none() {
        let tx = conn.transaction()?;
        for t in TABLES {
            tx.execute(&format!("DELETE FROM {}", t), [])?;
        }
        seed_base(&tx)?;
        if seed == "demo" {
            seed_demo(&tx)?;
        }
        tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('seed', ?1)", [seed])?;
        tx.commit()?;
    }
    // Which item types each seeded attribute type applies to: written on every open, so a database
    // made before the table existed gains its rows in place (INSERT OR IGNORE: nothing twice).
    let tx = conn.transaction()?;
    for (name, _, _) in ATTR_TYPES {
        let id: Option<i64> = tx.query_row("SELECT id FROM attribute_types WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        if let Some(id) = id {
            for item_type in attribute_type_applies_to(name) {
                tx.execute("INSERT OR IGNORE INTO attribute_type_mappings(attribute_type, item_type) VALUES (?1, ?2)", params![id, item_type])?;
            }
        }
    }
    tx.commit()?;
    Ok(conn)
}

/// 2026-01-01T00:00:00Z
pub const BASE_TS: i64 = 1_767_225_600;

pub const LABELS: &[(&str, &str, &str)] = &[
    ("TLP:WHITE", "FFFFFF", "This security label is used for information that carries minimal or no foreseeable risk of misuse, in accordance with applicable rules and procedures for public release."),
    ("TLP:GREEN", "33FF00", "This security label is used for information that is useful for the awareness of all participating organizations as well as with peers within the broader community or sector."),
    ("TLP:AMBER", "FFC000", "This security label is used for information that requires support to be effectively acted upon, yet carries risks to privacy, reputation, or operations if shared outside of the organizations involved."),
    ("TLP:RED", "FF2B2B", "This security label is used for information that cannot be effectively acted upon by additional parties, and could lead to impacts on a party's privacy, reputation, or operations if misused."),
    ("TLP:AMBER+STRICT", "FFC000", "Information with this label can only be shared with members of an organization."),
];

pub const ATTR_TYPES: &[(&str, &str, i64)] = &[
    ("Description", "A description of the object.", 65_500),
    ("Source", "The source of the object.", 500),
    ("First Seen", "The date the object was first seen.", 50),
    ("Last Seen", "The date the object was last seen.", 50),
    ("Additional Analysis and Context", "Analysis and context for the object.", 65_500),
    ("Attack Vector", "The attack vector used.", 500),
    ("Infrastructure Ownership", "Ownership of the infrastructure.", 50),
    ("Confidence Explanation", "Why this confidence was chosen.", 500),
];

/// The item types an attribute type applies to (v3 `associatedType`, `fields=mapping`):
/// ThreatConnect's type names, every indicator and group type and `Victim`.
///
/// - "Additional Analysis and Context": the types ThreatConnect lists for it in "References -
///   Platform Standard Attributes" (threatconnect-techpartners.atlassian.net, wiki page 300843009,
///   ThreatConnect 6.1): ASN, Address, Adversary, CIDR, Campaign, Email, EmailAddress, Event, File,
///   Host, Incident, Intrusion Set, Mutex, Registry Key, Report, Signature, Threat, URL, User Agent
///   and Victim.
/// - Every other seeded type: every item type. Description and Source are the two every item
///   takes (docs/rest_api/v2/attributes/attributes.rst: `displayed` "is only applicable for Source
///   and Description", on Groups, Indicators, Tasks and Victims alike); for the other five no
///   documented list was found, and the sandbox accepts them on any item, so their mapping says so.
pub fn attribute_type_applies_to(name: &str) -> Vec<&'static str> {
    const ANALYSIS: &[&str] = &[
        "ASN",
        "Address",
        "Adversary",
        "CIDR",
        "Campaign",
        "Email",
        "EmailAddress",
        "Event",
        "File",
        "Host",
        "Incident",
        "Intrusion Set",
        "Mutex",
        "Registry Key",
        "Report",
        "Signature",
        "Threat",
        "URL",
        "User Agent",
        "Victim",
    ];
    if name == "Additional Analysis and Context" {
        return ANALYSIS.to_vec();
    }
    IND_TYPES.iter().map(|t| t.name).chain(GROUP_TYPES.iter().map(|t| t.name)).chain(["Victim"]).collect()
}

fn seed_base(tx: &Connection) -> rusqlite::Result<()> {
    tx.execute_batch(
        "INSERT INTO owners(id, name, type) VALUES (1, 'Demo Org', 'Organization'), (2, 'Common Community', 'Community'), (3, 'Threat Feed', 'Source');",
    )?;
    for (i, (name, color, desc)) in LABELS.iter().enumerate() {
        tx.execute(
            "INSERT INTO labels(id, name, description, color, date_added) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![i as i64 + 1, name, desc, color, 1_472_601_600i64],
        )?;
    }
    for (i, (name, desc, max)) in ATTR_TYPES.iter().enumerate() {
        tx.execute(
            "INSERT INTO attribute_types(id, name, description, max_size, allow_markdown) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![i as i64 + 1, name, desc, max, (i % 2 == 0) as i64],
        )?;
    }
    Ok(())
}

pub const HOSTILE_IMG: &str = "<img src=x onerror=window.__pwned=1>";
pub const HOSTILE_SCRIPT: &str = "<script>window.__pwned=1</script>";

/// Well-known ids (documented in README.md).
pub const RICH_HOST: i64 = 1;
pub const RICH_ADDRESS: i64 = 2;
pub const ODD_URL: i64 = 3;
pub const EMAIL: i64 = 4;
pub const HOSTILE_URL: i64 = 5;
pub const BIG_INDICATOR: i64 = 6;
pub const BIG_GROUP: i64 = 1;
pub const ODD_URL_VALUE: &str = "https://evil.example.net/dl/a b/payload.php?id=42&x=a+b%20c#frag/part";
/// The Document group "Demo Bear Dossier" (fileName dossier.pdf) and the size of its seeded file.
pub const DEMO_DOCUMENT: i64 = 6;
pub const DEMO_DOCUMENT_SIZE: usize = 20_480;

/// The seeded Document's file: exactly `DEMO_DOCUMENT_SIZE` deterministic bytes, `%PDF-1.4` first and
/// `%%EOF` last, comment lines in between (a reader sees an empty PDF; tests see known bytes).
pub fn demo_document_bytes() -> Vec<u8> {
    let tail: &[u8] = b"%%EOF\n";
    let mut v = b"%PDF-1.4\n".to_vec();
    let mut n = 0;
    while v.len() < DEMO_DOCUMENT_SIZE - tail.len() {
        v.extend_from_slice(format!("% Demo Bear Dossier, tc-sandbox demo document, line {:04}\n", n).as_bytes());
        n += 1;
    }
    v.truncate(DEMO_DOCUMENT_SIZE - tail.len() - 1);
    v.push(b'\n');
    v.extend_from_slice(tail);
    v
}

struct Seeder<'a> {
    tx: &'a Connection,
    rng: Rng,
    next_ind: i64,
    next_attr: i64,
}

impl<'a> Seeder<'a> {
    fn date(&mut self) -> i64 {
        BASE_TS - 86_400 * 30 - self.rng.below(86_400 * 400) as i64
    }

    #[allow(clippy::too_many_arguments)]
    fn ind(&mut self, id: Option<i64>, owner: i64, t: &str, vals: [Option<&str>; 3], desc: Option<&str>) -> rusqlite::Result<i64> {
        let id = id.unwrap_or_else(|| {
            let i = self.next_ind;
            self.next_ind += 1;
            i
        });
        let tt = crate::model::ind_type(t).expect("seed type");
        let vv = [vals[0].map(String::from), vals[1].map(String::from), vals[2].map(String::from)];
        let summary = crate::model::join_summary(tt, &vv);
        let added = self.date();
        let modified = added + self.rng.below(86_400 * 20) as i64;
        let rating = (self.rng.below(6)) as f64;
        let conf = self.rng.below(101) as i64;
        let size = if t == "File" { Some(1024 + self.rng.below(900_000) as i64) } else { None };
        self.tx
            .prepare_cached(
                "INSERT INTO indicators(id, owner_id, type, summary, v1, v2, v3, rating, confidence, description, date_added, last_modified, dns_active, whois_active, size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?
            .execute(params![
                id, owner, tt.name, summary, vv[0], vv[1], vv[2],
                if rating == 0.0 { None } else { Some(rating) },
                if conf == 0 { None } else { Some(conf) },
                desc, added, modified, (t == "Host") as i64, (t == "Host" && id % 2 == 1) as i64, size
            ])?;
        Ok(id)
    }

    fn group(&mut self, id: i64, owner: i64, t: &str, name: &str, extra: Option<&str>) -> rusqlite::Result<()> {
        let added = self.date();
        let status = match t {
            "Incident" => Some("Containment Achieved"),
            "Event" => Some("Needs Review"),
            _ => None,
        };
        let event_date = if matches!(t, "Incident" | "Event") { Some(added - 86_400) } else { None };
        self.tx
            .prepare_cached(
                "INSERT INTO groups_(id, owner_id, type, name, date_added, last_modified, event_date, status, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![id, owner, t, name, added, added + 3600, event_date, status, extra])?;
        Ok(())
    }

    fn ig(&mut self, ind: i64, grp: i64) -> rusqlite::Result<()> {
        self.tx.prepare_cached("INSERT OR IGNORE INTO ig(ind, grp) VALUES (?1, ?2)")?.execute([ind, grp])?;
        Ok(())
    }
    fn gg(&mut self, a: i64, b: i64) -> rusqlite::Result<()> {
        let mut st = self.tx.prepare_cached("INSERT OR IGNORE INTO gg(a, b) VALUES (?1, ?2)")?;
        st.execute([a, b])?;
        st.execute([b, a])?;
        Ok(())
    }
    fn ii(&mut self, a: i64, b: i64) -> rusqlite::Result<()> {
        let mut st = self.tx.prepare_cached("INSERT OR IGNORE INTO ii(a, b) VALUES (?1, ?2)")?;
        st.execute([a, b])?;
        st.execute([b, a])?;
        Ok(())
    }
    fn tag(&mut self, kind: &str, item: i64, tag: i64) -> rusqlite::Result<()> {
        self.tx.prepare_cached("INSERT OR IGNORE INTO item_tags(kind, item, tag) VALUES (?1, ?2, ?3)")?.execute(params![kind, item, tag])?;
        Ok(())
    }
    fn label(&mut self, kind: &str, item: i64, label: i64) -> rusqlite::Result<()> {
        self.tx.prepare_cached("INSERT OR IGNORE INTO item_labels(kind, item, label) VALUES (?1, ?2, ?3)")?.execute(params![kind, item, label])?;
        Ok(())
    }
    fn attr(&mut self, kind: &str, item: i64, t: &str, value: &str) -> rusqlite::Result<i64> {
        let id = self.next_attr;
        self.next_attr += 1;
        let d = self.date();
        self.tx
            .prepare_cached(
                "INSERT INTO attributes(id, kind, item, type, value, source, date_added, last_modified, dflt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![id, kind, item, t, value, "Pivot sandbox", d, d, (t == "Description") as i64])?;
        Ok(id)
    }
    fn obs(&mut self, ind: i64, count: i64, mine: bool) -> rusqlite::Result<()> {
        let d = self.date();
        self.tx.prepare_cached("INSERT INTO observations(ind, count, date, mine) VALUES (?1, ?2, ?3, ?4)")?.execute(params![
            ind,
            count,
            d,
            mine as i64
        ])?;
        Ok(())
    }
    fn fp(&mut self, ind: i64, mine: bool) -> rusqlite::Result<()> {
        let d = self.date();
        self.tx.prepare_cached("INSERT INTO false_positives(ind, date, mine) VALUES (?1, ?2, ?3)")?.execute(params![ind, d, mine as i64])?;
        Ok(())
    }
    fn dns(&mut self, host: i64, addr: i64) -> rusqlite::Result<()> {
        let d = self.date();
        self.tx.prepare_cached("INSERT OR IGNORE INTO dns(host, addr, date) VALUES (?1, ?2, ?3)")?.execute(params![host, addr, d])?;
        Ok(())
    }
    fn whois(&mut self, ind: i64, domain: &str) -> rusqlite::Result<()> {
        let created = self.date();
        let data = serde_json::json!({
            "domain": domain,
            "registrar": "Example Registrar, LLC",
            "registrant": "REDACTED FOR PRIVACY",
            "createdDate": crate::util::iso(created),
            "updatedDate": crate::util::iso(created + 86_400 * 90),
            "expiresDate": crate::util::iso(created + 86_400 * 365),
            "nameServers": [format!("ns1.{}", domain), format!("ns2.{}", domain)],
            "raw": format!("Domain Name: {}\nRegistrar: Example Registrar, LLC\n", domain),
        });
        self.tx.prepare_cached("INSERT OR REPLACE INTO whois(ind, data) VALUES (?1, ?2)")?.execute(params![ind, data.to_string()])?;
        Ok(())
    }
}

const TAGS: &[&str] = &[
    "APT Demo Bear",
    "Phishing",
    "Ransomware",
    "C2",
    "Targeted Attack",
    "Nation State",
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    "Malicious Host",
    "Botnet",
    "Credential Theft",
    "Exfiltration",
];

fn seed_demo(tx: &Connection) -> rusqlite::Result<()> {
    let mut s = Seeder { tx, rng: Rng(0x5EED_0001), next_ind: 11, next_attr: 1 };
    for (i, t) in TAGS.iter().enumerate() {
        let desc = if *t == HOSTILE_IMG { Some(HOSTILE_SCRIPT) } else { None };
        tx.execute("INSERT INTO tags(id, name, description, last_used) VALUES (?1, ?2, ?3, ?4)", params![i as i64 + 1, t, desc, BASE_TS - 86_400])?;
    }
    // Well-known indicators.
    s.ind(Some(RICH_HOST), 1, "Host", [Some("bad.example.com"), None, None], Some("Command and control host used by APT Demo Bear."))?;
    s.ind(Some(RICH_ADDRESS), 1, "Address", [Some("203.0.113.66"), None, None], Some("Address that bad.example.com resolves to."))?;
    s.ind(Some(ODD_URL), 1, "URL", [Some(ODD_URL_VALUE), None, None], Some("A URL with / ? # % + and a space in it."))?;
    s.ind(Some(EMAIL), 1, "EmailAddress", [Some("phisher@evil.example.net"), None, None], Some("Sender of the demo phishing wave."))?;
    s.ind(Some(HOSTILE_URL), 1, "URL", [Some("javascript:alert(1)"), None, None], Some(&format!("{} {}", HOSTILE_IMG, HOSTILE_SCRIPT)))?;
    s.ind(Some(BIG_INDICATOR), 1, "Address", [Some("198.51.100.7"), None, None], Some("Scanner seen in 2,000 incidents."))?;
    s.ind(Some(7), 2, "Host", [Some("bad.example.com"), None, None], Some("Community copy of bad.example.com."))?;
    s.ind(Some(8), 3, "Host", [Some("bad.example.com"), None, None], Some("Feed copy of bad.example.com."))?;
    s.ind(
        Some(9),
        1,
        "File",
        [
            Some("F5A2496CF66CB8CFFE66CB1B27D7DEDE"),
            Some("A52B6986D68CDFAC53AA740566CBEADE4452124E"),
            Some("25BDABD23E349F5E5EA7890795B06D15D842BDE1D43135C361E755F748CA05D0"),
        ],
        Some("Dropper."),
    )?;
    s.ind(Some(10), 1, "Hashtag", [Some("#demobear"), None, None], Some("Custom indicator type."))?;

    // Groups: 1 big campaign, 2..=17 one per type, 18 hostile, 19 community, 20 source.
    s.group(BIG_GROUP, 1, "Campaign", "Operation Hivemind", None)?;
    let names = [
        "APT Demo Bear",
        "Spearphishing Attachment",
        "Operation Demo Winter",
        "Block C2 at the proxy",
        "Demo Bear Dossier",
        "Invoice overdue (phish)",
        "Proxy alert 4411",
        "Finance workstation compromise",
        "Demo Bear Intrusion Set",
        "DemoLoader",
        "Q1 Threat Report",
        "DemoLoader YARA",
        "Initial Access",
        "Demo Bear Threat",
        "Cobalt Strike",
        "CVE-2026-0001",
    ];
    for (i, gt) in GROUP_TYPES.iter().enumerate() {
        let extra = match gt.name {
            "Document" => Some(format!(r#"{{"fileName":"dossier.pdf","fileSize":{},"documentType":"PDF"}}"#, DEMO_DOCUMENT_SIZE)),
            "Email" => Some(format!(
                r#"{{"from":"phisher@evil.example.net","to":"cfo@victim.example","subject":"Invoice overdue","body":{:?},"header":"Received: from evil.example.net"}}"#,
                HOSTILE_IMG
            )),
            "Signature" => Some(r#"{"fileName":"demoloader.yar","fileType":"YARA","fileText":"rule DemoLoader { condition: true }"}"#.to_string()),
            "Report" => Some(r#"{"fileName":"q1.pdf","publishDate":"2026-01-15T13:00:00Z"}"#.to_string()),
            _ => None,
        };
        s.group(i as i64 + 2, 1, gt.name, names[i], extra.as_deref())?;
    }
    tx.execute(
        "INSERT INTO group_files(grp, data, updated) VALUES (?1, ?2, ?3)",
        params![DEMO_DOCUMENT, demo_document_bytes(), BASE_TS - 86_400 * 30],
    )?;
    s.group(18, 1, "Incident", HOSTILE_IMG, None)?;
    s.group(19, 2, "Report", "Community Demo Bear Report", None)?;
    s.group(20, 3, "Threat", "Feed: Demo Bear infrastructure", None)?;
    for g in 1..20 {
        s.gg(g, g + 1)?;
    }
    for g in 2..=20i64 {
        s.attr("g", g, "Description", &format!("Group {} in the Demo Bear investigation.", g))?;
        s.tag("g", g, 1 + (g % 5))?;
        s.label("g", g, 1 + (g % 4))?;
    }
    let a = s.attr("g", 18, "Additional Analysis and Context", HOSTILE_SCRIPT)?;
    s.label("a", a, 4)?;
    s.tag("g", 18, 7)?;
    s.tag("g", 18, 8)?;

    // Rich well-known items.
    for (ind, grp) in [(1, 2), (1, 3), (1, 4), (1, 8), (1, 19), (2, 2), (2, 8), (3, 6), (4, 7), (5, 18), (9, 11), (10, 2), (7, 19), (8, 20)] {
        s.ig(ind, grp)?;
    }
    s.ii(1, 2)?;
    s.ii(1, 3)?;
    s.ii(3, 4)?;
    s.ii(9, 1)?;
    for t in [1, 4, 5, 9] {
        s.tag("i", 1, t)?;
    }
    s.tag("i", 2, 4)?;
    s.tag("i", 3, 2)?;
    s.tag("i", 4, 2)?;
    s.tag("i", 5, 7)?;
    s.tag("i", 5, 8)?;
    s.label("i", 1, 3)?;
    s.label("i", 2, 2)?;
    s.label("i", 5, 4)?;
    let a = s.attr("i", 1, "Description", "Beacon every 60 s over HTTPS.")?;
    s.label("a", a, 3)?;
    s.attr("i", 1, "Source", "Proxy logs, finance segment")?;
    s.attr("i", 1, "First Seen", "2025-11-02T13:07:08Z")?;
    s.attr("i", 1, "Attack Vector", "Spearphishing")?;
    s.attr("i", 2, "Infrastructure Ownership", "Adversary Leased")?;
    s.attr("i", 5, "Description", HOSTILE_IMG)?;
    s.attr("i", 5, "Additional Analysis and Context", HOSTILE_SCRIPT)?;
    s.obs(1, 12, true)?;
    s.obs(1, 3, false)?;
    s.obs(2, 4, true)?;
    s.fp(1, false)?;
    s.fp(2, true)?;
    s.dns(1, 2)?;
    s.dns(1, BIG_INDICATOR)?;
    s.whois(1, "bad.example.com")?;

    // Generated indicators: all base types and the custom one.
    let mut hosts = vec![];
    let mut addrs = vec![];
    let mut urls = vec![];
    let words = ["alpha", "bravo", "delta", "kilo", "lima", "oscar", "sierra", "tango", "victor", "zulu"];
    for k in 0..100i64 {
        let w = words[(k % 10) as usize];
        let h = s.ind(None, 1, "Host", [Some(&format!("{}{}.{}-cdn.example", w, k, words[(k / 10 % 10) as usize])), None, None], None)?;
        hosts.push(h);
    }
    for k in 0..80i64 {
        let v = format!("{}.{}", ["192.0.2", "198.51.100", "203.0.113"][(k % 3) as usize], 100 + k);
        addrs.push(s.ind(None, 1, "Address", [Some(&v), None, None], None)?);
    }
    for k in 0..6i64 {
        addrs.push(s.ind(None, 1, "Address", [Some(&format!("2001:db8::{:x}", k + 1)), None, None], None)?);
    }
    for k in 0..60i64 {
        let v = format!("http://{}{}.example/{}/index.php?id={}", words[(k % 10) as usize], k, words[(k / 6 % 10) as usize], k);
        urls.push(s.ind(None, 1, "URL", [Some(&v), None, None], None)?);
    }
    let mut others = vec![];
    for k in 0..40i64 {
        others.push(s.ind(
            None,
            1,
            "EmailAddress",
            [Some(&format!("{}.{}@mail{}.example", words[(k % 10) as usize], k, k % 4)), None, None],
            None,
        )?);
    }
    for _ in 0..60 {
        let (m, h1, h2) = (s.rng.hex(32).to_uppercase(), s.rng.hex(40).to_uppercase(), s.rng.hex(64).to_uppercase());
        let which = s.rng.below(3);
        let vals = match which {
            0 => [Some(m.as_str()), None, None],
            1 => [Some(m.as_str()), Some(h1.as_str()), None],
            _ => [Some(m.as_str()), Some(h1.as_str()), Some(h2.as_str())],
        };
        others.push(s.ind(None, 1, "File", vals, None)?);
    }
    for k in 0..30i64 {
        others.push(s.ind(None, 1, "ASN", [Some(&format!("ASN{}", 64_500 + k)), None, None], None)?);
        others.push(s.ind(None, 1, "CIDR", [Some(&format!("10.{}.0.0/16", k)), None, None], None)?);
        others.push(s.ind(None, 1, "Mutex", [Some(&format!("Global\\DemoBear_{:04}", k)), None, None], None)?);
        others.push(s.ind(
            None,
            1,
            "Registry Key",
            [Some(&format!("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run{}", k)), Some("updater"), Some("REG_SZ")],
            None,
        )?);
        others.push(s.ind(None, 1, "User Agent", [Some(&format!("Mozilla/5.0 (DemoBear {}; rv:{}.0)", k, 90 + k)), None, None], None)?);
    }
    for k in 0..20i64 {
        others.push(s.ind(None, 1, "Hashtag", [Some(&format!("#{}{}", words[(k % 10) as usize], k)), None, None], None)?);
    }
    // Same values in other owners.
    for (k, &h) in hosts.iter().enumerate() {
        if k % 10 == 0 {
            let v: String = tx.query_row("SELECT summary FROM indicators WHERE id=?1", [h], |r| r.get(0))?;
            let c = s.ind(None, 2, "Host", [Some(&v), None, None], None)?;
            s.ig(c, 19)?;
            if k % 20 == 0 {
                let f = s.ind(None, 3, "Host", [Some(&v), None, None], None)?;
                s.ig(f, 20)?;
            }
        }
    }
    // Graph, metadata.
    let all: Vec<i64> = hosts.iter().chain(addrs.iter()).chain(urls.iter()).chain(others.iter()).copied().collect();
    for (k, &id) in all.iter().enumerate() {
        let k = k as i64;
        s.ig(id, 2 + (k % 16))?;
        if k % 7 == 0 {
            s.ig(id, 2 + ((k / 7) % 16))?;
        }
        let ntags = s.rng.below(3);
        for _ in 0..ntags {
            let t = 1 + s.rng.below(TAGS.len() as u64) as i64;
            if t != 7 && t != 8 {
                s.tag("i", id, t)?;
            }
        }
        if k % 4 == 0 {
            s.label("i", id, 1 + (k % 4))?;
        }
        if k % 3 == 0 {
            s.attr("i", id, "Description", &format!("Seen in the Demo Bear investigation (item {}).", k))?;
        }
        if k % 5 == 0 {
            s.attr("i", id, "Source", "Sandbox generator")?;
        }
        if k % 6 == 0 {
            let c = 1 + s.rng.below(20) as i64;
            s.obs(id, c, k % 12 == 0)?;
        }
        if k % 25 == 0 {
            s.fp(id, false)?;
        }
    }
    for k in 0..addrs.len().min(hosts.len()) {
        s.ii(hosts[k], addrs[k])?;
        if k < 40 {
            s.dns(hosts[k], addrs[k])?;
        }
        if k < 20 {
            let d: String = tx.query_row("SELECT summary FROM indicators WHERE id=?1", [hosts[k]], |r| r.get(0))?;
            s.whois(hosts[k], &d)?;
        }
    }
    for k in 0..urls.len() {
        s.ii(urls[k], hosts[k])?;
    }
    // Scale: a group with 10,000 indicators.
    for k in 0..10_000i64 {
        let v = format!("100.{}.{}.{}", 64 + k / 65_536, (k / 256) % 256, k % 256);
        let id = s.ind(None, 1, "Address", [Some(&v), None, None], None)?;
        s.ig(id, BIG_GROUP)?;
    }
    s.ig(1, BIG_GROUP)?;
    // Scale: an indicator in 2,000 groups (ids 21..=2020).
    for k in 0..2_000i64 {
        let gt = &GROUP_TYPES[(k % 16) as usize];
        s.group(21 + k, 1, gt.name, &format!("{} sighting #{}", gt.name, k + 1), None)?;
        s.ig(BIG_INDICATOR, 21 + k)?;
        if k % 100 == 0 {
            s.gg(21 + k, 7)?;
        }
    }
    let _ = IND_TYPES.len();
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_is_fast_and_complete() {
        let t = std::time::Instant::now();
        let conn = super::open(":memory:".as_ref(), crate::Seed::Demo, false).unwrap();
        assert!(t.elapsed().as_secs() < 10);
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM indicators", [], |r| r.get(0)).unwrap();
        assert!(n > 10_500, "{}", n);
        let types: i64 = conn.query_row("SELECT COUNT(DISTINCT type) FROM indicators", [], |r| r.get(0)).unwrap();
        assert_eq!(types, 11);
        let gtypes: i64 = conn.query_row("SELECT COUNT(DISTINCT type) FROM groups_", [], |r| r.get(0)).unwrap();
        assert_eq!(gtypes, 16);
        let big: i64 = conn.query_row("SELECT COUNT(*) FROM ig WHERE grp=1", [], |r| r.get(0)).unwrap();
        assert!(big >= 10_000);
        let bigi: i64 = conn.query_row("SELECT COUNT(*) FROM ig WHERE ind=6", [], |r| r.get(0)).unwrap();
        assert!(bigi >= 2_000);
        let (t, extra): (String, String) =
            conn.query_row("SELECT type, extra FROM groups_ WHERE id = ?1", [super::DEMO_DOCUMENT], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(t, "Document");
        assert!(extra.contains(r#""fileSize":20480"#), "{}", extra);
        let file: Vec<u8> = conn.query_row("SELECT data FROM group_files WHERE grp = ?1", [super::DEMO_DOCUMENT], |r| r.get(0)).unwrap();
        assert_eq!(file, super::demo_document_bytes());
    }

    #[test]
    fn demo_document_has_its_declared_size() {
        let b = super::demo_document_bytes();
        assert_eq!(b.len(), super::DEMO_DOCUMENT_SIZE);
        assert!(b.starts_with(b"%PDF-1.4\n"));
        assert!(b.ends_with(b"\n%%EOF\n"));
        assert_eq!(b, super::demo_document_bytes(), "deterministic");
    }

    /// A database made when ids were plain rowids (the schema without AUTOINCREMENT) is migrated
    /// when opened: its rows, ids and indexes kept, and a deleted id never handed out again.
    #[test]
    fn an_older_database_is_migrated_to_ids_never_reused() {
        use rusqlite::Connection;
        let dir = std::env::temp_dir().join(format!("tc-sandbox-migrate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        {
            let old = Connection::open(&path).unwrap();
            for s in super::SCHEMAS {
                old.execute_batch(&s.replace(" AUTOINCREMENT", "")).unwrap();
            }
            super::seed_base(&old).unwrap();
            old.execute("INSERT INTO meta(key, value) VALUES('seed', 'empty')", []).unwrap();
            for (id, v) in [(5, "a.example"), (7, "b.example")] {
                old.execute(
                    "INSERT INTO indicators(id, owner_id, type, summary, v1, date_added, last_modified) VALUES (?1, 1, 'Host', ?2, ?2, 0, 0)",
                    rusqlite::params![id, v],
                )
                .unwrap();
            }
            // The old schema reuses the largest id once its row is gone: what the migration ends.
            old.execute("DELETE FROM indicators WHERE id = 7", []).unwrap();
            for v in ["c.example", "x.example"] {
                old.execute("INSERT INTO indicators(owner_id, type, summary, v1, date_added, last_modified) VALUES (1, 'Host', ?1, ?1, 0, 0)", [v])
                    .unwrap();
            }
            assert_eq!(old.last_insert_rowid(), 7, "id 7 handed out a second time");
        }
        let conn = super::open(&path, crate::Seed::Empty, false).unwrap();
        let sql: String = conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'indicators'", [], |r| r.get(0)).unwrap();
        assert!(sql.contains("AUTOINCREMENT"), "{sql}");
        let kept: Vec<(i64, String)> = conn
            .prepare("SELECT id, summary FROM indicators ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(kept, [(5, "a.example".to_string()), (6, "c.example".to_string()), (7, "x.example".to_string())]);
        let index: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ind_owner_type_summary'", [], |r| r.get(0)).unwrap();
        assert_eq!(index, 1, "the unique index is made again on the migrated table");
        let owners: i64 = conn.query_row("SELECT COUNT(*) FROM owners", [], |r| r.get(0)).unwrap();
        assert_eq!(owners, 3, "not re-seeded");
        conn.execute("DELETE FROM indicators WHERE id = 7", []).unwrap();
        conn.execute(
            "INSERT INTO indicators(owner_id, type, summary, v1, date_added, last_modified) VALUES (1, 'Host', 'd.example', 'd.example', 0, 0)",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 8);
        drop(conn);
        // A second open finds nothing to migrate.
        let conn = super::open(&path, crate::Seed::Empty, false).unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM indicators", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 3);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_seed_has_no_files() {
        let conn = super::open(":memory:".as_ref(), crate::Seed::Empty, false).unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM group_files", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }
}

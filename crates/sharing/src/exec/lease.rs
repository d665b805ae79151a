//! The pull lease: one run at a time per target owner, in the target's datastore, which has
//! no compare-and-set. Apart from the pull because the import checks it before every write wave.
//!
//! - **Scope**: one record per target owner ([`lease_record_id`]: the owner's name trimmed
//!   and Unicode-lowercased, then hashed), so "Demo Org" and "demo org", one owner to
//!   ThreatConnect, share one lease, and pulls into other owners never wait for each other.
//! - **Record**: `runId`, `owner`, `takenAt` (epoch seconds, written once by the run that
//!   took the lease and never renewed), `renewedAt`, `expiresAt` (epoch seconds). Anyone who
//!   can write the target's datastore can write this record, so it is read as untrusted
//!   input ([`check_record`]): a record that is not an object of exactly these fields with
//!   these types, names another owner, was taken more than [`CLOCK_SKEW_SECS`] in the future
//!   or expires further ahead than this run's lease length plus [`CLOCK_SKEW_SECS`] is
//!   *invalid*: the run says so and takes the lease over as if it were free.
//! - **Acquire** (Fischer's algorithm): read; if another run's valid lease is live, back off
//!   ([`ExecError::Locked`]), unless it was taken more than [`MAX_HELD_PERIODS`] lease
//!   lengths ago ([`ExecError::LeaseStuck`]: a run that stays that long is hung, and the
//!   operator must hear of it). Otherwise write this run's unique id, wait longer than any
//!   read-then-write seen here takes (so every run that also read "free" has landed its own
//!   write by then), read back: the lease is this run's only if the record still names it.
//! - **Hold**: before every batch submission, every dissociation wave and the import record, the
//!   run reads the record again and stops without writing if it is no longer its own or has
//!   expired; otherwise it extends the expiry. `pivot-share` also renews it from a heartbeat.
//! - **Release**: read the record again and delete it only if it still names this run and
//!   has not lapsed; otherwise leave it (it lapses by itself).
//! - **Expire**: a run killed with SIGKILL, or a machine that rebooted, stops renewing; its lease
//!   lapses [`PullOptions::lease_secs`](super::PullOptions) after the last renewal, and the next
//!   run takes it. Nothing is deleted by hand.
//!
//! What remains (docs/sharing-operations.md, "The pull"): a run paused longer than its settle
//! wait between its read and its write (a stopped VM), or whose renewal lands after its lease
//! lapsed and another run took it, can overwrite the other's record; both then find out at
//! their next check and the one whose id the record does not name stops before writing.
//! Release compares and deletes in two requests: a run whose lease lapses between the two (a
//! pause of at least the time its lease had left) or whose clock is behind another's by more
//! than that can delete the lease another run has just taken; that run then finds no record at
//! its next check and stops before writing. And a writer of the target's datastore can always
//! write a valid-looking lease of a run that does not exist: each such record holds pulls off for
//! at most one lease length plus the skew, and one kept alive past [`MAX_HELD_PERIODS`] fails the
//! runs that find it, naming the record.

use super::error::ExecError;
use super::records::{DOMAIN, SMALL_RECORD_BYTES};
use crate::plan::CLOCK_SKEW_SECS;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use threatconnect::time::rfc3339;
use threatconnect::{Client, Transport};

/// Datastore type of pull leases (target instance).
pub const LEASE_TYPE: &str = "pivot-share-lease";
/// A lease lapses this long after its last renewal unless renewed (5 minutes).
pub const DEFAULT_LEASE_SECS: u64 = 300;
/// The shortest wait between writing a lease and reading it back.
pub const MIN_SETTLE_MS: u64 = 500;
/// A lease taken more than this many lease lengths ago (by its `takenAt`) belongs to a hung
/// run: the run that finds it fails, naming it (2 hours at the default length).
pub const MAX_HELD_PERIODS: u64 = 24;
/// The longest run id a lease record may carry (ours are host, process and start time).
const MAX_RUN_ID_CHARS: usize = 256;

/// The owner as the lease knows it: trimmed, Unicode lowercase (ThreatConnect matches owner
/// names case-insensitively, so two spellings are one owner and must be one lease).
pub fn lease_owner_key(target_owner: &str) -> String {
    target_owner.trim().to_lowercase()
}

/// The lease record's id for a target owner: the owner's [`lease_owner_key`] hashed, so any
/// name is one safe path segment and every spelling of one owner is one record.
pub fn lease_record_id(target_owner: &str) -> String {
    let digest = Sha256::digest(lease_owner_key(target_owner).as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("owner-{hex}")
}

/// How the lease record is named in messages: its datastore type and id.
pub fn lease_record_name(target_owner: &str) -> String {
    format!("{LEASE_TYPE}/{}", lease_record_id(target_owner))
}

/// A lease this run holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The datastore record ([`lease_record_id`]).
    pub record_id: String,
    pub target_owner: String,
    /// This run's unique id (host, process, start time).
    pub run_id: String,
    /// Length of the lease after each renewal.
    pub secs: u64,
    /// When this run took the lease (epoch seconds): written with every renewal, never changed.
    pub taken_at: u64,
    /// Why the record this run found was invalid, when it took the lease over from one.
    pub replaced: Option<String>,
}

/// A valid lease record: who holds the lease, since when, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub run_id: String,
    pub taken_at: u64,
    pub expires_at: u64,
}

/// Reads a lease record as untrusted input: an object of exactly `runId`, `owner`,
/// `takenAt`, `renewedAt` and `expiresAt`, of `target_owner`, taken no later than `now` plus
/// [`CLOCK_SKEW_SECS`] and expiring no later than `now` plus `secs` (a lease's length)
/// plus [`CLOCK_SKEW_SECS`]. `Err` says what is wrong, for the run's log.
pub fn check_record(record: &Value, target_owner: &str, now: u64, secs: u64) -> Result<Holder, String> {
    let Some(fields) = record.as_object() else {
        return Err(format!("not a JSON object but {}", kind(record)));
    };
    if let Some(k) = fields.keys().find(|k| !["runId", "owner", "takenAt", "renewedAt", "expiresAt"].contains(&k.as_str())) {
        return Err(format!("unexpected field `{}`", k.escape_debug()));
    }
    let string = |k: &str| match fields.get(k) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(v) => Err(format!("`{k}` is {}, not a string", kind(v))),
        None => Err(format!("`{k}` is missing")),
    };
    let seconds = |k: &str| match fields.get(k) {
        Some(v) => v.as_u64().ok_or_else(|| format!("`{k}` is {}, not whole epoch seconds", kind(v))),
        None => Err(format!("`{k}` is missing")),
    };
    let run_id = string("runId")?;
    // Ours are host, process and start time: printable ASCII, which also keeps a forged one
    // from hiding text in the messages that name it.
    if run_id.trim().is_empty() || run_id.len() > MAX_RUN_ID_CHARS || !run_id.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return Err(format!("`runId` is not a run id (empty, over {MAX_RUN_ID_CHARS} characters, or not printable ASCII)"));
    }
    let owner = string("owner")?;
    if lease_owner_key(owner) != lease_owner_key(target_owner) {
        return Err(format!("it names the owner {:?}, not {:?}", owner, target_owner.trim()));
    }
    string("renewedAt")?;
    let (taken_at, expires_at) = (seconds("takenAt")?, seconds("expiresAt")?);
    if taken_at > now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(format!("`takenAt` {} is in the future (more than {CLOCK_SKEW_SECS} s ahead of this clock)", rfc3339(taken_at)));
    }
    let latest = now.saturating_add(secs).saturating_add(CLOCK_SKEW_SECS);
    if expires_at > latest {
        return Err(format!(
            "`expiresAt` {} is further ahead than a lease can be ({} s of lease and {CLOCK_SKEW_SECS} s of clock skew from now: {})",
            rfc3339(expires_at),
            secs,
            rfc3339(latest)
        ));
    }
    if expires_at < taken_at {
        return Err(format!("`expiresAt` {} is before `takenAt` {}", rfc3339(expires_at), rfc3339(taken_at)));
    }
    Ok(Holder { run_id: run_id.to_string(), taken_at, expires_at })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn record(lease: &Lease, now: u64) -> Value {
    json!({"runId": lease.run_id, "owner": lease.target_owner, "takenAt": lease.taken_at, "renewedAt": rfc3339(now), "expiresAt": now + lease.secs})
}

/// Takes the lease on `target_owner` for `run_id`, or says which run holds it and until when.
/// An invalid record ([`check_record`]) is taken over, the reason kept in [`Lease::replaced`].
/// `elapsed_ms` is a monotonic clock in milliseconds (how long the read and write take);
/// `settle_ms` the least wait before reading back.
pub async fn acquire<T: Transport>(
    client: &Client<T>,
    target_owner: &str,
    run_id: &str,
    secs: u64,
    settle_ms: u64,
    elapsed_ms: &dyn Fn() -> u64,
) -> Result<Lease, ExecError> {
    let mut lease = Lease {
        record_id: lease_record_id(target_owner),
        target_owner: target_owner.trim().to_string(),
        run_id: run_id.to_string(),
        secs,
        taken_at: client.now(),
        replaced: None,
    };
    let started = elapsed_ms();
    if let Some(found) = client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id, SMALL_RECORD_BYTES).await? {
        let now = client.now();
        match check_record(&found, target_owner, now, secs) {
            Err(why) => lease.replaced = Some(why),
            Ok(h) if h.expires_at > now && h.run_id != run_id => {
                if now.saturating_sub(h.taken_at) > MAX_HELD_PERIODS.saturating_mul(secs) {
                    return Err(ExecError::LeaseStuck {
                        record: lease_record_name(target_owner),
                        holder: h.run_id,
                        taken_at: h.taken_at,
                        periods: MAX_HELD_PERIODS,
                    });
                }
                return Err(ExecError::Locked { holder: h.run_id, expires_at: h.expires_at });
            }
            Ok(_) => {}
        }
    }
    lease.taken_at = client.now();
    client.datastore_put(DOMAIN, LEASE_TYPE, &lease.record_id, &record(&lease, lease.taken_at)).await?;
    // Every run that read "free" no later than this one has landed its write once a read
    // and a write have had time to complete again: wait twice what ours took.
    let took = elapsed_ms().saturating_sub(started);
    client.transport().sleep(settle_ms.max(2 * took + 100).min(60_000) as u32).await;
    match client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id, SMALL_RECORD_BYTES).await? {
        Some(r) => match check_record(&r, target_owner, client.now(), secs) {
            Ok(h) if h.run_id == run_id => Ok(lease),
            Ok(h) => Err(ExecError::Locked { holder: h.run_id, expires_at: h.expires_at }),
            // Written over by something that is no lease: not a run to wait for.
            Err(why) => Err(ExecError::LeaseInvalid { record: lease_record_name(target_owner), reason: why }),
        },
        None => Err(ExecError::Invalid("the pull lease could not be written to the target datastore".into())),
    }
}

/// Before a write: the lease must still be this run's and live; then it is extended.
/// `Err(LeaseLost)` means: stop now, write nothing more.
pub async fn hold<T: Transport>(client: &Client<T>, lease: &Lease) -> Result<(), ExecError> {
    let now = client.now();
    match client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id, SMALL_RECORD_BYTES).await? {
        Some(r) => match check_record(&r, &lease.target_owner, now, lease.secs) {
            Ok(h) if h.run_id == lease.run_id && h.expires_at > now => {}
            Ok(h) => return Err(ExecError::LeaseLost { holder: h.run_id, expires_at: h.expires_at }),
            Err(why) => return Err(ExecError::LeaseLost { holder: format!("nobody (an invalid record: {why})"), expires_at: 0 }),
        },
        None => return Err(ExecError::LeaseLost { holder: "nobody".into(), expires_at: 0 }),
    }
    client.datastore_put(DOMAIN, LEASE_TYPE, &lease.record_id, &record(lease, now)).await?;
    Ok(())
}

/// What [`release`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Released {
    /// The record named this run and was live: deleted.
    Deleted,
    /// The record names another run, is invalid or is gone: left alone.
    NotOurs,
    /// The record still names this run but has lapsed: another run may be taking it, so it
    /// is left to that run (or to lapse).
    Lapsed,
}

/// Gives the lease up if it is still this run's and live (at the end of a run, or on
/// SIGINT/SIGTERM): read again and compared just before the delete.
pub async fn release<T: Transport>(client: &Client<T>, lease: &Lease) -> Result<Released, ExecError> {
    let Some(r) = client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id, SMALL_RECORD_BYTES).await? else { return Ok(Released::NotOurs) };
    let now = client.now();
    match check_record(&r, &lease.target_owner, now, lease.secs) {
        Ok(h) if h.run_id == lease.run_id && h.expires_at > now => {
            client.datastore_delete(DOMAIN, LEASE_TYPE, &lease.record_id).await?;
            Ok(Released::Deleted)
        }
        Ok(h) if h.run_id == lease.run_id => Ok(Released::Lapsed),
        _ => Ok(Released::NotOurs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn valid() -> Value {
        json!({"runId": "pivot-share@h pid 1 at x", "owner": "Demo Org", "takenAt": NOW - 10, "renewedAt": "2027-01-15T08:00:00Z", "expiresAt": NOW + 290})
    }

    #[test]
    fn one_owner_in_any_case_is_one_lease() {
        assert_eq!(lease_record_id("Demo Org"), lease_record_id("demo org"));
        assert_eq!(lease_record_id("Demo Org"), lease_record_id("  DEMO ORG "));
        // Unicode lowercase, not ASCII only.
        assert_eq!(lease_record_id("ÉQUIPE Ü"), lease_record_id("équipe ü"));
        assert_ne!(lease_record_id("Demo Org"), lease_record_id("Demo Org 2"));
        // The id is the SHA-256 of "demo org" (printf 'demo org' | sha256sum), first 32 hex digits.
        assert_eq!(lease_record_id("Demo Org"), "owner-b3cf25e304397d7c905726b79855b4cc");
    }

    #[test]
    fn a_valid_record_names_its_holder() {
        let h = check_record(&valid(), "demo org", NOW, 300).unwrap();
        assert_eq!(h, Holder { run_id: "pivot-share@h pid 1 at x".into(), taken_at: NOW - 10, expires_at: NOW + 290 });
        // At the bounds: taken up to the skew ahead, expiring up to lease + skew ahead.
        let mut r = valid();
        r["takenAt"] = json!(NOW + 300);
        r["expiresAt"] = json!(NOW + 600);
        assert!(check_record(&r, "Demo Org", NOW, 300).is_ok());
    }

    #[test]
    fn every_malformed_or_implausible_record_is_invalid_and_says_why() {
        let with = |k: &str, v: Value| {
            let mut r = valid();
            r[k] = v;
            r
        };
        let without = |k: &str| {
            let mut r = valid();
            r.as_object_mut().unwrap().remove(k);
            r
        };
        let cases: Vec<(Value, &str)> = vec![
            (json!("a lease"), "not a JSON object but a string"),
            (json!([valid()]), "not a JSON object but an array"),
            (Value::Null, "not a JSON object but null"),
            (without("takenAt"), "`takenAt` is missing"),
            (without("runId"), "`runId` is missing"),
            (without("owner"), "`owner` is missing"),
            (without("renewedAt"), "`renewedAt` is missing"),
            (without("expiresAt"), "`expiresAt` is missing"),
            (with("expiresAt", json!("253402300799")), "`expiresAt` is a string, not whole epoch seconds"),
            (with("expiresAt", json!(-1)), "`expiresAt` is a number, not whole epoch seconds"),
            (with("expiresAt", json!(1.8e9)), "`expiresAt` is a number, not whole epoch seconds"),
            (with("takenAt", Value::Null), "`takenAt` is null, not whole epoch seconds"),
            (with("runId", json!(7)), "`runId` is a number, not a string"),
            (with("runId", json!(" ")), "`runId` is not a run id"),
            (with("runId", json!("a\u{202E}b")), "`runId` is not a run id"),
            (with("runId", json!("a\nb")), "`runId` is not a run id"),
            (with("runId", json!("x".repeat(257))), "`runId` is not a run id"),
            (with("owner", json!("Other Org")), "it names the owner \"Other Org\", not \"Demo Org\""),
            (with("holder", json!("x")), "unexpected field `holder`"),
            // 9999-12-31T23:59:59Z: a lease that would never lapse.
            (with("expiresAt", json!(253_402_300_799u64)), "`expiresAt` 9999-12-31T23:59:59Z is further ahead than a lease can be"),
            (with("expiresAt", json!(NOW + 601)), "is further ahead than a lease can be (300 s of lease and 300 s of clock skew"),
            (with("takenAt", json!(NOW + 301)), "`takenAt` 2027-01-15T08:05:01Z is in the future"),
        ];
        for (record, want) in cases {
            match check_record(&record, "Demo Org", NOW, 300) {
                Err(why) => assert!(why.contains(want), "{record}: {why:?} does not say {want:?}"),
                Ok(h) => panic!("{record} accepted as {h:?}"),
            }
        }
        let mut backwards = valid();
        backwards["takenAt"] = json!(NOW);
        backwards["expiresAt"] = json!(NOW - 5);
        assert!(check_record(&backwards, "Demo Org", NOW, 300).unwrap_err().contains("is before `takenAt`"));
    }
}

//! The pull lease: one run at a time per target owner, in the target's datastore, which has
//! no compare-and-set. Apart from the pull because the import checks it before every write wave.
//!
//! - **Scope**: one record per target owner ([`lease_record_id`]), so pulls into other owners
//!   never wait for each other.
//! - **Acquire** (Fischer's algorithm): read; if another run's lease is live, back off. Otherwise
//!   write this run's unique id, wait longer than any read-then-write seen here takes (so every
//!   run that also read "free" has landed its own write by then), read back: the lease is this
//!   run's only if the record still names it.
//! - **Hold**: before every batch submission, every dissociation wave and the import record, the
//!   run reads the record again and stops without writing if it is no longer its own or has
//!   expired; otherwise it extends the expiry. `pivot-share` also renews it from a heartbeat.
//! - **Expire**: a run killed with SIGKILL, or a machine that rebooted, stops renewing; its lease
//!   lapses [`PullOptions::lease_secs`](super::PullOptions) after the last renewal, and the next
//!   run takes it. Nothing is deleted by hand.
//!
//! What remains (docs/sharing-operations.md, "The pull"): a run paused longer than its settle wait between its read
//! and its write (a stopped VM), or whose renewal lands after its lease lapsed and another run
//! took it, can overwrite the other's record; both then find out at their next check and the one
//! whose id the record does not name stops before writing.

use super::error::ExecError;
use super::records::DOMAIN;
use crate::json::text;
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

/// The lease record's id for a target owner: the owner's name hashed, so any name is one
/// safe path segment.
pub fn lease_record_id(target_owner: &str) -> String {
    let digest = Sha256::digest(target_owner.trim().as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("owner-{hex}")
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
}

fn holder_of(record: &Value) -> (String, u64) {
    (text(record, "runId").unwrap_or("?").to_string(), record.get("expiresAt").and_then(Value::as_u64).unwrap_or(0))
}

fn record(lease: &Lease, now: u64) -> Value {
    json!({"runId": lease.run_id, "owner": lease.target_owner, "renewedAt": rfc3339(now), "expiresAt": now + lease.secs})
}

/// Takes the lease on `target_owner` for `run_id`, or says which run holds it and until when.
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
    let lease = Lease { record_id: lease_record_id(target_owner), target_owner: target_owner.trim().to_string(), run_id: run_id.to_string(), secs };
    let started = elapsed_ms();
    if let Some(held) = client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id).await? {
        let (holder, expires_at) = holder_of(&held);
        if expires_at > client.now() && holder != run_id {
            return Err(ExecError::Locked { holder, expires_at });
        }
    }
    client.datastore_put(DOMAIN, LEASE_TYPE, &lease.record_id, &record(&lease, client.now())).await?;
    // Every run that read "free" no later than this one has landed its write once a read
    // and a write have had time to complete again: wait twice what ours took.
    let took = elapsed_ms().saturating_sub(started);
    client.transport().sleep(settle_ms.max(2 * took + 100).min(60_000) as u32).await;
    match client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id).await? {
        Some(r) if holder_of(&r).0 == run_id => Ok(lease),
        Some(r) => {
            let (holder, expires_at) = holder_of(&r);
            Err(ExecError::Locked { holder, expires_at })
        }
        None => Err(ExecError::Invalid("the pull lease could not be written to the target datastore".into())),
    }
}

/// Before a write: the lease must still be this run's and live; then it is extended.
/// `Err(LeaseLost)` means: stop now, write nothing more.
pub async fn hold<T: Transport>(client: &Client<T>, lease: &Lease) -> Result<(), ExecError> {
    let now = client.now();
    match client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id).await? {
        Some(r) => {
            let (holder, expires_at) = holder_of(&r);
            if holder != lease.run_id || expires_at <= now {
                return Err(ExecError::LeaseLost { holder, expires_at });
            }
        }
        None => return Err(ExecError::LeaseLost { holder: "nobody".into(), expires_at: 0 }),
    }
    client.datastore_put(DOMAIN, LEASE_TYPE, &lease.record_id, &record(lease, now)).await?;
    Ok(())
}

/// Gives the lease up if it is still this run's (at the end of a run, or on SIGINT/SIGTERM).
pub async fn release<T: Transport>(client: &Client<T>, lease: &Lease) -> Result<(), ExecError> {
    if let Some(r) = client.datastore_get(DOMAIN, LEASE_TYPE, &lease.record_id).await? {
        if holder_of(&r).0 == lease.run_id {
            client.datastore_delete(DOMAIN, LEASE_TYPE, &lease.record_id).await?;
        }
    }
    Ok(())
}

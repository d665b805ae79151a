//! The pull lock in the target's datastore, apart from the pull because tests take and release it on its own.

use super::datastore::{ds_delete, ds_get, ds_put};
use super::time::rfc3339;
use super::{ExecError, LOCK_ID, LOCK_TYPE};
use crate::share::json::text;
use crate::tc::{Client, Transport};
use serde_json::{json, Value};

/// Takes the pull lock in the target's datastore, or says who holds it.
pub async fn acquire_lock<T: Transport>(client: &Client<T>, holder: &str, now: u64, ttl: u64) -> Result<(), ExecError> {
    if let Some(l) = ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        let expires = l.get("expiresAt").and_then(Value::as_u64).unwrap_or(0);
        let by = text(&l, "holder").unwrap_or("?").to_string();
        if expires > now && by != holder {
            return Err(ExecError::Locked { holder: by, expires_at: expires });
        }
    }
    let record = json!({"holder": holder, "acquiredAt": now, "expiresAt": now + ttl, "acquired": rfc3339(now)});
    ds_put(client, LOCK_TYPE, LOCK_ID, &record).await?;
    // The datastore has no compare-and-set: read back, the last writer wins and the other backs off.
    match ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        Some(l) if text(&l, "holder") == Some(holder) => Ok(()),
        Some(l) => Err(ExecError::Locked {
            holder: text(&l, "holder").unwrap_or("?").to_string(),
            expires_at: l.get("expiresAt").and_then(Value::as_u64).unwrap_or(0),
        }),
        None => Err(ExecError::Invalid("the pull lock could not be written to the target datastore".into())),
    }
}

/// Releases the lock if `holder` still holds it.
pub async fn release_lock<T: Transport>(client: &Client<T>, holder: &str) -> Result<(), ExecError> {
    if let Some(l) = ds_get(client, LOCK_TYPE, LOCK_ID).await? {
        if text(&l, "holder") == Some(holder) {
            ds_delete(client, LOCK_TYPE, LOCK_ID).await?;
        }
    }
    Ok(())
}

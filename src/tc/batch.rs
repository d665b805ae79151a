//! Running a v2 batch job: create, upload, poll with backoff, read errors.

use super::client::{Client, Transport};
use super::envelope;
use super::error::Error;
use super::model::{read_id, BatchError, BatchStatus};
use super::v2::{self, entity, BatchConfig};
use serde_json::Value;

/// How a batch job ended.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    pub status: BatchStatus,
    /// Filled when `errorCount > 0`.
    pub errors: Vec<BatchError>,
}

/// Creates the job, uploads `data` (`{"indicator":[...],"group":[...]}`), polls
/// until `Completed` (1 s doubling to 30 s, at most `max_polls` polls) and reads
/// the errors. The create and upload POSTs are never retried (writes).
pub async fn run_batch<T: Transport>(client: &Client<T>, config: &BatchConfig, data: &Value, max_polls: u32) -> Result<BatchOutcome, Error> {
    let upload_check = v2::upload_batch(0, data)?; // refuse before creating a job
    drop(upload_check);
    let created = client.json(v2::create_batch(config)).await?;
    envelope::v2_ok(&created)?;
    let id = read_id(created.get("data").and_then(|d| d.get("batchId")).unwrap_or(&Value::Null), "data.batchId")?;
    // ThreatConnect answers the upload with `202 {"status":"Queued"}`.
    let uploaded = client.json(v2::upload_batch(id, data)?).await?;
    match uploaded.get("status").and_then(Value::as_str) {
        Some(s) if ["Success", "Queued", "Created", "Running", "Completed"].iter().any(|k| k.eq_ignore_ascii_case(s)) => {}
        None => {}
        Some(_) => envelope::v2_ok(&uploaded)?,
    }
    let mut attempt = 0;
    let status = loop {
        let s = client.v2_one(v2::batch_status(id), entity::BATCH_STATUS, BatchStatus::read).await?;
        if s.is_done() {
            break s;
        }
        if attempt >= max_polls {
            return Err(Error::Http {
                status: 202,
                code: None,
                message: format!("batch {id} still {} after {max_polls} checks", s.status),
            });
        }
        client.transport().sleep(v2::batch_poll_delay_ms(attempt)).await;
        attempt += 1;
    };
    let errors = if status.error_count > 0 {
        client.v2_list(v2::batch_errors(id), entity::BATCH_ERROR, BatchError::read).await?.items
    } else {
        Vec::new()
    };
    Ok(BatchOutcome { status, errors })
}

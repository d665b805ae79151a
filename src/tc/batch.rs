//! Running a v2 batch job: create, upload, poll with backoff, read errors.

use super::client::{Client, Transport};
use super::envelope;
use super::error::Error;
use super::model::{read_id, BatchError, BatchStatus};
use super::request::{HttpRequest, PathBuf};
use super::v2::{self, entity, BatchConfig};
use serde_json::Value;

/// How a batch job ended.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    pub status: BatchStatus,
    /// Filled when `errorCount > 0`.
    pub errors: Vec<BatchError>,
}

/// A step of a job, reported to the caller as it happens (progress, logs, and
/// knowing which job id a crashed run left behind).
#[derive(Clone, Debug, PartialEq)]
pub enum BatchStep {
    Created { batch_id: i64 },
    Uploaded { batch_id: i64, bytes: usize },
    Polled { batch_id: i64, status: String },
    Completed { batch_id: i64, errors: usize },
}

/// Creates the job, uploads `data` (`{"indicator":[...],"group":[...]}`), polls
/// until `Completed` (1 s doubling to 30 s, at most `max_polls` polls) and reads
/// the errors. The create and upload POSTs are never retried (writes).
pub async fn run_batch<T: Transport>(client: &Client<T>, config: &BatchConfig, data: &Value, max_polls: u32) -> Result<BatchOutcome, Error> {
    let upload = v2::upload_batch(0, data)?; // refuse before creating a job
    let settings = match v2::create_batch(config).body {
        Some(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        None => Value::Null,
    };
    let bytes = upload.body.unwrap_or_default();
    run_batch_raw(client, &settings, bytes, max_polls, &|_| {}).await
}

/// [`run_batch`] with the job settings as JSON (`POST /v2/batch` body) and the
/// upload as ready bytes (e.g. a share package job), reporting each step.
/// Refuses uploads ThreatConnect would refuse (over 2,000,000 bytes) before creating a job.
pub async fn run_batch_raw<T: Transport>(
    client: &Client<T>,
    settings: &Value,
    payload: Vec<u8>,
    max_polls: u32,
    step: &dyn Fn(BatchStep),
) -> Result<BatchOutcome, Error> {
    if payload.len() > v2::BATCH_MAX_BYTES {
        return Err(Error::Config(format!("a batch file is at most {} bytes ({} given)", v2::BATCH_MAX_BYTES, payload.len())));
    }
    let bytes = payload.len();
    let created = client.json(HttpRequest::post("/v2/batch").json(settings)).await?;
    envelope::v2_ok(&created)?;
    let id = read_id(created.get("data").and_then(|d| d.get("batchId")).unwrap_or(&Value::Null), "data.batchId")?;
    step(BatchStep::Created { batch_id: id });
    // ThreatConnect answers the upload with `202 {"status":"Queued"}`.
    let upload = HttpRequest::post(PathBuf::lit("/v2/batch").id(id).build()).body(payload, "application/octet-stream");
    let uploaded = client.json(upload).await?;
    match uploaded.get("status").and_then(Value::as_str) {
        Some(s) if ["Success", "Queued", "Created", "Running", "Completed"].iter().any(|k| k.eq_ignore_ascii_case(s)) => {}
        None => {}
        Some(_) => envelope::v2_ok(&uploaded)?,
    }
    step(BatchStep::Uploaded { batch_id: id, bytes });
    poll_batch(client, id, max_polls, step).await
}

/// Waits for a submitted job (polls `GET /v2/batch/{id}`, 1 s doubling to 30 s, at most
/// `max_polls` polls) and reads its errors. Also resumes a job an earlier run left
/// running: the job is awaited by its id, never submitted twice.
pub async fn poll_batch<T: Transport>(client: &Client<T>, id: i64, max_polls: u32, step: &dyn Fn(BatchStep)) -> Result<BatchOutcome, Error> {
    let mut attempt = 0;
    let status = loop {
        let s = client.v2_one(v2::batch_status(id), entity::BATCH_STATUS, BatchStatus::read).await?;
        step(BatchStep::Polled { batch_id: id, status: s.status.clone() });
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
    let errors = if status.error_count > 0 { batch_errors(client, id).await? } else { Vec::new() };
    step(BatchStep::Completed { batch_id: id, errors: errors.len() });
    Ok(BatchOutcome { status, errors })
}

/// `GET /v2/batch/{id}/errors`. The documented answer is a plain JSON array of
/// `{code, severity, errorReason, errorMessage}`; 404 means no errors; 400 means
/// the job is still running (asked again a few times, with the poll backoff).
/// A v2 envelope (`{"status":"Success","data":{"batchError":[...]}}`) is read too.
pub async fn batch_errors<T: Transport>(client: &Client<T>, id: i64) -> Result<Vec<BatchError>, Error> {
    let mut attempt = 0;
    loop {
        let resp = client.send(v2::batch_errors(id)).await?;
        match resp.status {
            404 => return Ok(Vec::new()),
            400 if attempt < 5 => {
                client.transport().sleep(v2::batch_poll_delay_ms(attempt)).await;
                attempt += 1;
                continue;
            }
            _ => {}
        }
        let body = envelope::json_body(&resp)?;
        return read_batch_errors(&body);
    }
}

/// The errors answer, as a plain array (documented) or inside a v2 envelope.
pub fn read_batch_errors(body: &Value) -> Result<Vec<BatchError>, Error> {
    let (items, base): (Vec<&Value>, &str) = match body {
        Value::Array(a) => (a.iter().collect(), ""),
        Value::Null => (Vec::new(), ""),
        other => {
            let page = envelope::v2_list(other, entity::BATCH_ERROR, |v, _, _| Ok(v.clone()))?;
            return page.items.iter().enumerate().map(|(i, v)| one_error(v, &format!("data.batchError[{i}]"))).collect();
        }
    };
    items.into_iter().enumerate().map(|(i, v)| one_error(v, &format!("{base}[{i}]"))).collect()
}

fn one_error(v: &Value, path: &str) -> Result<BatchError, Error> {
    let mut e = BatchError::read(v, path, entity::BATCH_ERROR)?;
    if e.error_code.is_none() {
        e.error_code = v.get("code").and_then(Value::as_str).map(str::to_string);
    }
    if let Some(reason) = v.get("errorReason").and_then(Value::as_str) {
        // The reason names the item and the cause; the message is often generic ("Last processed ...").
        if !reason.is_empty() && !e.error_message.contains(reason) {
            e.error_message = if e.error_message.is_empty() { reason.to_string() } else { format!("{reason}: {}", e.error_message) };
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_as_documented_plain_array_and_as_envelope() {
        let plain = json!([{"code": "0x1005", "severity": "Error", "errorReason": "Error (0x1005): Invalid rating", "errorMessage": "Last processed indicator 'x'"}]);
        let e = read_batch_errors(&plain).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].error_code.as_deref(), Some("0x1005"));
        assert!(e[0].error_message.contains("Invalid rating") && e[0].error_message.contains("Last processed"), "{}", e[0].error_message);
        let env = json!({"status": "Success", "data": {"batchError": [{"errorCode": "0x1001", "errorMessage": "Invalid host"}]}});
        let e = read_batch_errors(&env).unwrap();
        assert_eq!((e[0].error_code.as_deref(), e[0].error_message.as_str()), (Some("0x1001"), "Invalid host"));
        assert!(read_batch_errors(&json!([])).unwrap().is_empty());
        assert!(read_batch_errors(&json!(["not an object"])).is_err());
    }
}

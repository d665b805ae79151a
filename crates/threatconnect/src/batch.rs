//! v2 batch jobs: settings, limits, the upload, and running a job to the end
//! (create, upload, poll with backoff, read the errors).

use crate::client::{Client, Transport};
use crate::decode::{self, read_id, Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use serde_json::{json, Value};

const STATUS: &str = "batchStatus";
const ERROR: &str = "batchError";

/// Batch job settings (`POST /v2/batch`). Each write type is its own field
/// (the JavaScript SDK wrote `action` and `attributeWriteType` to one field).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchConfig {
    /// The owner written to.
    pub owner: String,
    /// Stop at the first error.
    pub halt_on_error: bool,
    /// `Create` or `Delete`.
    pub action: String,
    /// `Append`, `Replace`, `Singleton`, `Static`.
    pub attribute_write_type: String,
    /// `Append` or `Replace` tags.
    pub tag_write_type: Option<String>,
    /// `Append` or `Replace` security labels.
    pub security_label_write_type: Option<String>,
}

impl BatchConfig {
    /// A `Create` job into `owner` that replaces attributes.
    pub fn create(owner: &str) -> Self {
        BatchConfig {
            owner: owner.into(),
            halt_on_error: false,
            action: "Create".into(),
            attribute_write_type: "Replace".into(),
            tag_write_type: None,
            security_label_write_type: None,
        }
    }
}

/// The largest upload ThreatConnect accepts (bigger: 400).
pub const MAX_BYTES: usize = 2_000_000;
/// The most indicators in one job.
pub const MAX_INDICATORS: usize = 25_000;

/// How long to wait before poll number `attempt` (0-based): 1 s doubling to 30 s.
pub fn poll_delay_ms(attempt: u32) -> u32 {
    1000u32.saturating_mul(1u32 << attempt.min(5)).min(30_000)
}

/// A batch job's status (`GET /v2/batch/{id}`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStatus {
    /// The job's id.
    pub id: i64,
    /// Created, Queued, Running, Completed.
    pub status: String,
    /// Items that failed.
    pub error_count: i64,
    /// Items written.
    pub success_count: i64,
    /// Items not processed.
    pub unprocess_count: i64,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl BatchStatus {
    /// Reads a status.
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
    /// The job has completed.
    pub fn is_done(&self) -> bool {
        self.status.eq_ignore_ascii_case("Completed")
    }
}

/// A batch error line (`GET /v2/batch/{id}/errors`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchError {
    /// ThreatConnect's error code (`0x1005`).
    pub error_code: Option<String>,
    /// The reason and the message.
    pub error_message: String,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl BatchError {
    /// Reads one error line.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<BatchError> {
        let o = Obj::new(v, path)?;
        Ok(BatchError {
            error_code: o.opt_text("errorCode"),
            error_message: o.opt_text("errorMessage").or_else(|| o.opt_text("errorReason")).unwrap_or_default(),
            raw: v.clone(),
        })
    }
}

/// How a batch job ended.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    /// The final status.
    pub status: BatchStatus,
    /// Filled when `errorCount > 0`.
    pub errors: Vec<BatchError>,
}

/// A step of a job, reported to the caller as it happens (progress, logs, and
/// knowing which job id a crashed run left behind).
#[derive(Clone, Debug, PartialEq)]
pub enum BatchStep {
    /// The job exists (its id is known from here on).
    Created {
        /// The job's id.
        batch_id: i64,
    },
    /// The file is uploaded.
    Uploaded {
        /// The job's id.
        batch_id: i64,
        /// The upload's size.
        bytes: usize,
    },
    /// A poll answered.
    Polled {
        /// The job's id.
        batch_id: i64,
        /// Its status.
        status: String,
    },
    /// The job completed.
    Completed {
        /// The job's id.
        batch_id: i64,
        /// How many error lines it has.
        errors: usize,
    },
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `POST /v2/batch`: a new job with these settings.
    pub fn create(c: &BatchConfig) -> HttpRequest {
        let mut body = json!({"version": "V2", "owner": c.owner, "haltOnError": c.halt_on_error,
            "action": c.action, "attributeWriteType": c.attribute_write_type});
        if let Some(t) = &c.tag_write_type {
            body["tagWriteType"] = json!(t);
        }
        if let Some(t) = &c.security_label_write_type {
            body["securityLabelWriteType"] = json!(t);
        }
        HttpRequest::post("/v2/batch").json(&body)
    }

    /// `POST /v2/batch/{id}` with the JSON file (`{"indicator":[...],"group":[...]}`),
    /// refused here when ThreatConnect would refuse it.
    pub fn upload(batch_id: i64, data: &Value) -> Result<HttpRequest, Error> {
        // A version 1 file is the array of indicators itself; version 2 an object.
        let n = match data {
            Value::Array(a) => a.len(),
            _ => data.get("indicator").and_then(Value::as_array).map_or(0, |a| a.len()),
        };
        if n > MAX_INDICATORS {
            return Err(Error::Config(format!("a batch holds at most {MAX_INDICATORS} indicators ({n} given)")));
        }
        let bytes = data.to_string().into_bytes();
        if bytes.len() > MAX_BYTES {
            return Err(Error::Config(format!("a batch file is at most {MAX_BYTES} bytes ({} given)", bytes.len())));
        }
        Ok(HttpRequest::post(ApiPath::lit("/v2/batch").id(batch_id).build()).body(bytes, "application/octet-stream"))
    }

    /// `GET /v2/batch/{id}`.
    pub fn status(batch_id: i64) -> HttpRequest {
        HttpRequest::get(ApiPath::lit("/v2/batch").id(batch_id).build())
    }

    /// `GET /v2/batch/{id}/errors`.
    pub fn errors(batch_id: i64) -> HttpRequest {
        HttpRequest::get(ApiPath::lit("/v2/batch").id(batch_id).seg("errors").build())
    }
}

impl<T: Transport> Client<T> {
    /// Creates the job, uploads `data` (`{"indicator":[...],"group":[...]}`), polls
    /// until `Completed` (1 s doubling to 30 s, at most `max_polls` polls) and reads
    /// the errors. The create and upload POSTs are never retried (writes).
    pub async fn run_batch(&self, config: &BatchConfig, data: &Value, max_polls: u32) -> Result<BatchOutcome, Error> {
        self.run_batch_reporting(config, data, max_polls, &|_| {}).await
    }

    /// [`run_batch`], reporting each step (the job's id, its upload, each poll's status).
    pub async fn run_batch_reporting(
        &self,
        config: &BatchConfig,
        data: &Value,
        max_polls: u32,
        step: &dyn Fn(BatchStep),
    ) -> Result<BatchOutcome, Error> {
        let upload = v2::upload(0, data)?; // refuse before creating a job
        let settings = match v2::create(config).body {
            Some(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
            None => Value::Null,
        };
        let bytes = upload.body.unwrap_or_default();
        self.run_batch_raw(&settings, bytes, max_polls, step).await
    }

    /// [`run_batch`] with the job settings as JSON (`POST /v2/batch` body) and the
    /// upload as ready bytes (e.g. a share package job), reporting each step.
    /// Refuses uploads ThreatConnect would refuse (over 2,000,000 bytes) before creating a job.
    pub async fn run_batch_raw(&self, settings: &Value, payload: Vec<u8>, max_polls: u32, step: &dyn Fn(BatchStep)) -> Result<BatchOutcome, Error> {
        if payload.len() > MAX_BYTES {
            return Err(Error::Config(format!("a batch file is at most {} bytes ({} given)", MAX_BYTES, payload.len())));
        }
        let bytes = payload.len();
        let created = self.json(HttpRequest::post("/v2/batch").json(settings)).await?;
        decode::v2_ok(&created)?;
        let id = read_id(created.get("data").and_then(|d| d.get("batchId")).unwrap_or(&Value::Null), "data.batchId")?;
        step(BatchStep::Created { batch_id: id });
        // ThreatConnect answers the upload with `202 {"status":"Queued"}`.
        let upload = HttpRequest::post(ApiPath::lit("/v2/batch").id(id).build()).body(payload, "application/octet-stream");
        let uploaded = self.json(upload).await?;
        match uploaded.get("status").and_then(Value::as_str) {
            Some(s) if ["Success", "Queued", "Created", "Running", "Completed"].iter().any(|k| k.eq_ignore_ascii_case(s)) => {}
            None => {}
            Some(_) => decode::v2_ok(&uploaded)?,
        }
        step(BatchStep::Uploaded { batch_id: id, bytes });
        self.poll_batch(id, max_polls, step).await
    }

    /// Waits for a submitted job (polls `GET /v2/batch/{id}`, 1 s doubling to 30 s, at most
    /// `max_polls` polls) and reads its errors. Also resumes a job an earlier run left
    /// running: the job is awaited by its id, never submitted twice.
    pub async fn poll_batch(&self, id: i64, max_polls: u32, step: &dyn Fn(BatchStep)) -> Result<BatchOutcome, Error> {
        let mut attempt = 0;
        let status = loop {
            let s = self.v2_one(v2::status(id), STATUS, BatchStatus::read).await?;
            step(BatchStep::Polled { batch_id: id, status: s.status.clone() });
            if s.is_done() {
                break s;
            }
            if attempt >= max_polls {
                return Err(Error::Http { status: 202, code: None, message: format!("batch {id} still {} after {max_polls} checks", s.status) });
            }
            self.transport().sleep(poll_delay_ms(attempt)).await;
            attempt += 1;
        };
        let errors = if status.error_count > 0 { self.batch_errors(id).await? } else { Vec::new() };
        step(BatchStep::Completed { batch_id: id, errors: errors.len() });
        Ok(BatchOutcome { status, errors })
    }

    /// `GET /v2/batch/{id}/errors`. The documented answer is a plain JSON array of
    /// `{code, severity, errorReason, errorMessage}`; 404 means no errors; 400 means
    /// the job is still running (asked again a few times, with the poll backoff).
    /// A v2 envelope (`{"status":"Success","data":{"batchError":[...]}}`) is read too.
    pub async fn batch_errors(&self, id: i64) -> Result<Vec<BatchError>, Error> {
        let mut attempt = 0;
        loop {
            let resp = self.send(v2::errors(id)).await?;
            match resp.status {
                404 => return Ok(Vec::new()),
                400 if attempt < 5 => {
                    self.transport().sleep(poll_delay_ms(attempt)).await;
                    attempt += 1;
                    continue;
                }
                _ => {}
            }
            let body = decode::json_body(&resp)?;
            return read_batch_errors(&body);
        }
    }
}

/// The errors answer, as a plain array (documented) or inside a v2 envelope.
pub(crate) fn read_batch_errors(body: &Value) -> Result<Vec<BatchError>, Error> {
    let (items, base): (Vec<&Value>, &str) = match body {
        Value::Array(a) => (a.iter().collect(), ""),
        Value::Null => (Vec::new(), ""),
        other => {
            let page = decode::v2_list(other, ERROR, |v, _, _| Ok(v.clone()))?;
            return page.items.iter().enumerate().map(|(i, v)| one_error(v, &format!("data.batchError[{i}]"))).collect();
        }
    };
    items.into_iter().enumerate().map(|(i, v)| one_error(v, &format!("{base}[{i}]"))).collect()
}

fn one_error(v: &Value, path: &str) -> Result<BatchError, Error> {
    let mut e = BatchError::read(v, path, ERROR)?;
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
    use crate::http::Method;
    use crate::test_util::{body, line, ok, run, Scripted};
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

    #[test]
    fn batch_job_shape_limits_and_polling() {
        let mut c = BatchConfig::create("Example Org");
        c.attribute_write_type = "Append".into();
        c.tag_write_type = Some("Replace".into());
        let r = v2::create(&c);
        assert_eq!(line(&r), "POST /v2/batch");
        // action and attributeWriteType are separate fields (the JS SDK overwrote one with the other).
        assert_eq!(
            body(&r),
            json!({"version": "V2", "owner": "Example Org", "haltOnError": false, "action": "Create", "attributeWriteType": "Append", "tagWriteType": "Replace"})
        );
        // The documented batch inputs (tests/fixtures/threatconnect-batch) are accepted as upload bodies.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/threatconnect-batch");
        let entries: Vec<_> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
        assert_eq!(entries.len(), 11, "the 11 documented batch inputs in {}", dir.display());
        for e in entries {
            let data: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            let r = v2::upload(7, &data).unwrap();
            assert_eq!(line(&r), "POST /v2/batch/7");
            assert_eq!(r.header_value("Content-Type"), Some("application/octet-stream"));
            assert_eq!(serde_json::from_slice::<Value>(r.body.as_deref().unwrap()).unwrap(), data);
        }
        let too_many = json!({"indicator": vec![json!({}); 25_001]});
        assert!(matches!(v2::upload(7, &too_many), Err(Error::Config(_))));
        let too_big = json!({"indicator": [{"summary": "x".repeat(2_000_001)}]});
        assert!(matches!(v2::upload(7, &too_big), Err(Error::Config(_))));
        assert_eq!(line(&v2::status(7)), "GET /v2/batch/7");
        assert_eq!(line(&v2::errors(7)), "GET /v2/batch/7/errors");
        let delays: Vec<u32> = (0..8).map(poll_delay_ms).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    }

    #[test]
    fn batch_status_and_errors_decode() {
        let b = json!({"status": "Success", "data": {"batchStatus": {"id": "7", "status": "Completed", "errorCount": 1, "successCount": "10", "unprocessCount": 0}}});
        let s = decode::v2_one(&b, STATUS, BatchStatus::read).unwrap();
        assert!(s.is_done());
        assert_eq!((s.id, s.error_count, s.success_count), (7, 1, 10));
        let b = json!({"status": "Success", "data": {"batchId": 12}});
        assert_eq!(read_id(&b["data"]["batchId"], "data.batchId").unwrap(), 12);
        let b = json!({"status": "Success", "data": {"batchError": [{"errorReason": "bad", "errorMessage": "Invalid host"}]}});
        assert_eq!(decode::v2_list(&b, ERROR, BatchError::read).unwrap().items[0].error_message, "Invalid host");
    }

    #[test]
    fn batch_job_is_created_uploaded_polled_with_backoff_and_errors_read() {
        let t = Scripted::new(|r, n| {
            let b = match (r.method, r.path.as_str()) {
                (Method::Post, "/api/v2/batch") => r#"{"status":"Success","data":{"batchId":"77"}}"#,
                (Method::Post, "/api/v2/batch/77") => r#"{"status":"Queued"}"#,
                (Method::Get, "/api/v2/batch/77") if n < 5 => r#"{"status":"Success","data":{"batchStatus":{"id":77,"status":"Running"}}}"#,
                (Method::Get, "/api/v2/batch/77") => {
                    r#"{"status":"Success","data":{"batchStatus":{"id":77,"status":"Completed","errorCount":1,"successCount":2}}}"#
                }
                (Method::Get, "/api/v2/batch/77/errors") => {
                    r#"{"status":"Success","data":{"batchError":[{"errorCode":"0x1001","errorMessage":"Invalid host"}]}}"#
                }
                other => panic!("unexpected {other:?}"),
            };
            ok(b)
        });
        let c = t.token_client("old", None, 1000);
        let data = json!({"indicator": [{"summary": "bad.example", "type": "Host"}]});
        let out = run(c.run_batch(&BatchConfig::create("Org"), &data, 10)).unwrap();
        assert_eq!((out.status.success_count, out.errors[0].error_message.as_str()), (2, "Invalid host"));
        assert_eq!(*c.transport().sleeps.borrow(), vec![1000, 2000, 4000]);
        assert_eq!(body(&c.transport().sent.borrow()[1]), data);
    }
}

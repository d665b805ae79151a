//! Spaces elements (`/v2/exchange/spaces/{elementId}`): the element's saved state, its
//! files and its job. Not in the REST documentation: ThreatConnect's JavaScript SDK
//! reads and writes them.

use crate::client::{Client, Transport};
use crate::decode;
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use serde_json::Value;
use std::future::Future;

/// v2 request builders.
pub mod v2 {
    use super::*;

    fn element(element_id: &str) -> ApiPath {
        ApiPath::lit("/v2/exchange/spaces").seg(element_id)
    }
    /// `GET /v2/exchange/spaces/{elementId}/state`.
    pub fn state(element_id: &str) -> HttpRequest {
        HttpRequest::get(element(element_id).seg("state").build())
    }
    /// `POST /v2/exchange/spaces/{elementId}/state` with a JSON object.
    pub fn save_state(element_id: &str, state: &Value) -> HttpRequest {
        HttpRequest::post(element(element_id).seg("state").build()).json(state)
    }
    /// `GET /v2/exchange/spaces/{elementId}/file/{name}`.
    pub fn file(element_id: &str, name: &str) -> HttpRequest {
        HttpRequest::get(element(element_id).seg("file").seg(name).build())
    }
    /// `POST /v2/exchange/spaces/{elementId}/file/{name}` with the bytes.
    pub fn save_file(element_id: &str, name: &str, bytes: Vec<u8>, content_type: &str) -> HttpRequest {
        HttpRequest::post(element(element_id).seg("file").seg(name).build()).body(bytes, content_type)
    }
    /// `GET /v2/exchange/spaces/{elementId}/job`.
    pub fn job(element_id: &str) -> HttpRequest {
        HttpRequest::get(element(element_id).seg("job").build())
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/exchange/spaces/{elementId}/state`: the element's saved state (a JSON object;
    /// `{}` when nothing was saved).
    pub async fn space_state(&self, element_id: &str) -> Result<Value, Error> {
        let body = self.json(v2::state(element_id)).await?;
        decode::v2_ok(&body)?;
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        Ok(data.get("state").cloned().unwrap_or(data))
    }
    /// `POST /v2/exchange/spaces/{elementId}/state` with a JSON object.
    pub async fn save_space_state(&self, element_id: &str, state: &Value) -> Result<(), Error> {
        self.v2_ok(v2::save_state(element_id, state)).await
    }
    /// Reads (`save: None`) or saves (`Some(state)`) the element's state, answered by the raw
    /// body of a 2xx answer: for a caller that bounds and reads the answer itself (Pivot's own
    /// element state, hostile input, is size-capped before it is parsed). One call for both, so
    /// the panels' wasm carries one request future for them.
    pub fn space_state_exchange(&self, element_id: &str, save: Option<&Value>) -> impl Future<Output = Result<Vec<u8>, Error>> + '_ {
        let req = match save {
            Some(state) => v2::save_state(element_id, state),
            None => v2::state(element_id),
        };
        self.bytes(req)
    }
    /// `GET /v2/exchange/spaces/{elementId}/file/{name}`: the bytes.
    pub async fn space_file(&self, element_id: &str, name: &str) -> Result<Vec<u8>, Error> {
        self.bytes(v2::file(element_id, name)).await
    }
    /// `POST /v2/exchange/spaces/{elementId}/file/{name}`.
    pub async fn save_space_file(&self, element_id: &str, name: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), Error> {
        self.v2_ok(v2::save_file(element_id, name, bytes, content_type)).await
    }
    /// `GET /v2/exchange/spaces/{elementId}/job`.
    pub async fn space_job(&self, element_id: &str) -> Result<Value, Error> {
        let body = self.json(v2::job(element_id)).await?;
        decode::v2_ok(&body)?;
        Ok(body.get("data").and_then(|d| d.get("job")).cloned().unwrap_or(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::line;
    use serde_json::json;

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::state("42")), "GET /v2/exchange/spaces/42/state");
        assert_eq!(line(&v2::save_state("42", &json!({"a": 1}))), "POST /v2/exchange/spaces/42/state");
        assert_eq!(line(&v2::file("42", "my file.json")), "GET /v2/exchange/spaces/42/file/my%20file.json");
        assert_eq!(line(&v2::save_file("42", "f", vec![1], "application/json")), "POST /v2/exchange/spaces/42/file/f");
        assert_eq!(line(&v2::job("42")), "GET /v2/exchange/spaces/42/job");
    }
}

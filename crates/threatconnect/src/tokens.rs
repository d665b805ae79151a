//! API tokens: minting one with an API user's HMAC credentials (`POST /v3/token/api`,
//! for development tools). Renewing a Spaces token is the client's own business
//! ([`Client::renew`]).

use crate::client::{Client, Transport};
use crate::decode;
use crate::error::Error;
use crate::http::HttpRequest;

/// v3 request builders.
pub mod v3 {
    use super::*;

    /// `POST /v3/token/api` (HMAC only, Exchange Admin): a 4-hour API token.
    pub fn api_token() -> HttpRequest {
        HttpRequest::post("/v3/token/api")
    }
}

impl<T: Transport> Client<T> {
    /// `POST /v3/token/api`: a new API token (the client must sign with HMAC).
    pub async fn api_token(&self) -> Result<String, Error> {
        decode::v3_token(&self.json(v3::api_token()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::line;

    #[test]
    fn request_shape() {
        assert_eq!(line(&v3::api_token()), "POST /v3/token/api");
    }
}

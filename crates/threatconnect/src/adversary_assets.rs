//! Adversary assets (handles, phone numbers, URLs) of Adversary groups (v2).

use crate::client::{Client, Transport};
use crate::decode::{Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest, Method};
use serde_json::Value;

/// The list of every adversary asset (one type's list answers under `adversary{Type}`).
const BUCKET_ASSET: &str = "bucketAsset";

/// An adversary asset (Handle, PhoneNumber, URL). The list of all assets
/// (`bucketAsset`) gives the value in `name`; one type's answers (`adversaryHandle`,
/// `adversaryUrl`...) in the type's own field (`handle`, `phoneNumber`, `url`).
#[derive(Clone, Debug, PartialEq)]
pub struct AdversaryAsset {
    /// The asset's id.
    pub id: i64,
    /// Handle, PhoneNumber or URL.
    pub asset_type: String,
    /// The handle, number or URL.
    pub value: Option<String>,
    /// Its page in ThreatConnect.
    pub web_link: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl AdversaryAsset {
    /// Reads one asset.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<AdversaryAsset> {
        let o = Obj::new(v, path)?;
        let value = ["name", "handle", "phoneNumber", "url"].iter().find_map(|k| o.opt_text(k));
        Ok(AdversaryAsset { id: o.id("id")?, asset_type: o.text("type")?, value, web_link: o.opt_text("webLink"), raw: v.clone() })
    }
}

/// The entity one adversary asset type answers under (`handles` -> `adversaryHandle`), or
/// `None` for a type the documentation does not list (handles, phoneNumbers, urls).
pub fn entity(asset_type: &str) -> Option<&'static str> {
    match asset_type {
        "handles" => Some("adversaryHandle"),
        "phoneNumbers" => Some("adversaryPhoneNumber"),
        "urls" => Some("adversaryUrl"),
        _ => None,
    }
}

/// The entity an adversary asset type answers under; an undocumented type is refused before sending.
fn entity_or_refuse(asset_type: &str) -> Result<&'static str, Error> {
    entity(asset_type).ok_or_else(|| Error::Config(format!("{asset_type} is not an adversary asset type (handles, phoneNumbers, urls)")))
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    fn assets(adversary_id: i64) -> ApiPath {
        ApiPath::lit("/v2/groups/adversaries").id(adversary_id).seg("adversaryAssets")
    }
    /// `GET /v2/groups/adversaries/{id}/adversaryAssets[/{assetType}]`.
    pub fn list(adversary_id: i64, asset_type: Option<&str>) -> HttpRequest {
        let p = assets(adversary_id);
        HttpRequest::get(match asset_type {
            Some(t) => p.seg(t).build(),
            None => p.build(),
        })
    }
    /// `GET|PUT|DELETE /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}` (`body` for PUT).
    pub fn one(method: Method, adversary_id: i64, asset_type: &str, asset_id: i64, body: Option<&Value>) -> HttpRequest {
        let r = HttpRequest::new(method, assets(adversary_id).seg(asset_type).id(asset_id).build());
        match body {
            Some(b) => r.json(b),
            None => r,
        }
    }
    /// `POST /v2/groups/adversaries/{id}/adversaryAssets/{assetType}` with `{handle|phoneNumber|url}`.
    pub fn create(adversary_id: i64, asset_type: &str, body: &Value) -> HttpRequest {
        HttpRequest::post(assets(adversary_id).seg(asset_type).build()).json(body)
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/groups/adversaries/{id}/adversaryAssets[/{assetType}]`.
    pub async fn adversary_assets(&self, adversary_id: i64, asset_type: Option<&str>) -> Result<Vec<AdversaryAsset>, Error> {
        let key = match asset_type {
            Some(t) => entity_or_refuse(t)?,
            None => BUCKET_ASSET,
        };
        Ok(self.v2_list(v2::list(adversary_id, asset_type), key, AdversaryAsset::read).await?.items)
    }
    /// `GET /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64) -> Result<AdversaryAsset, Error> {
        let key = entity_or_refuse(asset_type)?;
        self.v2_one(v2::one(Method::Get, adversary_id, asset_type, asset_id, None), key, AdversaryAsset::read).await
    }
    /// `POST /v2/groups/adversaries/{id}/adversaryAssets/{assetType}` (`{"handle": ...}`, `{"phoneNumber": ...}`, `{"url": ...}`).
    pub async fn create_adversary_asset(&self, adversary_id: i64, asset_type: &str, body: &Value) -> Result<AdversaryAsset, Error> {
        let key = entity_or_refuse(asset_type)?;
        self.v2_one(v2::create(adversary_id, asset_type, body), key, AdversaryAsset::read).await
    }
    /// `PUT /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn update_adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64, body: &Value) -> Result<AdversaryAsset, Error> {
        let key = entity_or_refuse(asset_type)?;
        self.v2_one(v2::one(Method::Put, adversary_id, asset_type, asset_id, Some(body)), key, AdversaryAsset::read).await
    }
    /// `DELETE /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn delete_adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64) -> Result<(), Error> {
        entity_or_refuse(asset_type)?;
        self.v2_ok(v2::one(Method::Delete, adversary_id, asset_type, asset_id, None)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::test_util::{line, run, Scripted};

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::list(4, None)), "GET /v2/groups/adversaries/4/adversaryAssets");
        assert_eq!(line(&v2::list(4, Some("handles"))), "GET /v2/groups/adversaries/4/adversaryAssets/handles");
        assert_eq!(line(&v2::one(Method::Delete, 4, "urls", 9, None)), "DELETE /v2/groups/adversaries/4/adversaryAssets/urls/9");
        assert_eq!(
            line(&v2::create(4, "phoneNumbers", &serde_json::json!({"phoneNumber": "1"}))),
            "POST /v2/groups/adversaries/4/adversaryAssets/phoneNumbers"
        );
    }

    #[test]
    fn an_undocumented_asset_type_is_refused_before_sending() {
        let c = Scripted::client(|_| HttpResponse::new(200, "{}"));
        assert!(matches!(run(c.adversary_asset(4, "emails", 1)), Err(Error::Config(_))));
        assert!(c.transport().sent.borrow().is_empty());
    }
}

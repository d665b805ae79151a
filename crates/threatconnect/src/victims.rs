//! Victims and their assets (email addresses, network accounts, phones, social
//! networks, web sites), v2 and v3.

use crate::client::{Client, Transport};
use crate::decode::{Obj, Page, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use crate::item::ItemRef;
use crate::paging::ListOptions;
use serde_json::Value;

/// The v2 entity key of victims.
pub(crate) const ENTITY: &str = "victim";
const ASSET: &str = "victimAsset";

/// A victim.
#[derive(Clone, Debug, PartialEq)]
pub struct Victim {
    /// The victim's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its organization.
    pub org: Option<String>,
    /// Its page in ThreatConnect.
    pub web_link: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Victim {
    /// Reads one victim.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Victim> {
        let o = Obj::new(v, path)?;
        Ok(Victim { id: o.id("id")?, name: o.text("name")?, org: o.opt_text("org"), web_link: o.opt_text("webLink"), raw: v.clone() })
    }
}

impl Victim {
    /// The assets of a v3 victim read with `fields=assets` (`{"data": [...]}`); none otherwise.
    pub fn assets(&self) -> R<Vec<VictimAsset>> {
        Obj::new(&self.raw, "data")?.list("assets", VictimAsset::read)
    }
}

/// A victim asset (EmailAddress, NetworkAccount, Phone, SocialNetwork, WebSite).
#[derive(Clone, Debug, PartialEq)]
pub struct VictimAsset {
    /// The asset's id.
    pub id: i64,
    /// EmailAddress, NetworkAccount, Phone, SocialNetwork, WebSite.
    pub asset_type: String,
    /// `name` in v2 lists; v2 writes and v3 put the value in a type-specific field (`account`, `website`, `address`...).
    pub name: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl VictimAsset {
    /// Reads one asset; `entity` is the v2 key it came under (its type when it has no `type`).
    pub fn read(v: &Value, path: &str, entity: &str) -> R<VictimAsset> {
        let o = Obj::new(v, path)?;
        let asset_type = match o.opt_text("type") {
            Some(t) => t,
            None if !entity.is_empty() => entity.to_string(),
            None => return Err(Error::decode(&o.p("type"), "missing")),
        };
        // v2 writes answer with the documented field of the type: `account` (network and
        // social accounts), `webSite`, `address`, and `phoneType` (which carries the number).
        let name = ["name", "address", "phone", "website", "accountName", "phoneNumber", "account", "webSite", "phoneType"]
            .iter()
            .find_map(|k| o.opt_text(k));
        Ok(VictimAsset { id: o.id("id")?, asset_type, name, raw: v.clone() })
    }
}

/// The v2 entity key a victim asset of this branch answers under when written
/// (`networkAccounts` -> `victimNetworkAccount`, as documented).
pub fn asset_entity(asset_type: &str) -> Option<&'static str> {
    Some(match asset_type {
        "emailAddresses" => "victimEmailAddress",
        "networkAccounts" => "victimNetworkAccount",
        "phoneNumbers" => "victimPhone",
        "socialNetworks" => "victimSocialNetwork",
        "webSites" => "victimWebSite",
        _ => return None,
    })
}

fn asset_entity_or_refuse(asset_type: &str) -> Result<&'static str, Error> {
    asset_entity(asset_type).ok_or_else(|| {
        Error::Config(format!("{asset_type} is not a victim asset type (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites)"))
    })
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/victims`.
    pub fn list(opts: &ListOptions) -> HttpRequest {
        opts.apply(HttpRequest::get("/v2/victims"))
    }
    /// `POST /v2/victims`.
    pub fn create(owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post("/v2/victims").owner(owner).json(body)
    }
    /// `GET {item}/victimAssets[/{assetType}]` (a victim's, or those associated with a group).
    pub fn assets(item: &ItemRef, asset_type: Option<&str>, opts: &ListOptions) -> HttpRequest {
        let mut p = item.sub("victimAssets");
        if let Some(t) = asset_type {
            p = p.seg(t);
        }
        opts.apply(HttpRequest::get(p.build()))
    }
    /// `POST /v2/victims/{id}/victimAssets/{assetType}` (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites).
    pub fn create_asset(victim_id: i64, asset_type: &str, body: &Value) -> HttpRequest {
        HttpRequest::post(ItemRef::Victim(victim_id).sub("victimAssets").seg(asset_type).build()).json(body)
    }
    /// `PUT /v2/victims/{id}/victimAssets/{assetType}/{assetId}`.
    pub fn update_asset(victim_id: i64, asset_type: &str, asset_id: i64, body: &Value) -> HttpRequest {
        HttpRequest::put(ItemRef::Victim(victim_id).sub("victimAssets").seg(asset_type).id(asset_id).build()).json(body)
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;
    use crate::item::with_fields;

    fn assets_field(with_assets: bool) -> &'static [&'static str] {
        if with_assets {
            &["assets"]
        } else {
            &[]
        }
    }
    /// `GET /v3/victims[?fields=assets]`.
    pub fn list(with_assets: bool) -> HttpRequest {
        with_fields(HttpRequest::get("/v3/victims"), assets_field(with_assets))
    }
    /// `GET /v3/victims/{id}[?fields=assets]`.
    pub fn get(id: i64, with_assets: bool) -> HttpRequest {
        with_fields(HttpRequest::get(ApiPath::lit("/v3/victims").id(id).build()), assets_field(with_assets))
    }
    /// `POST /v3/victims?fields=assets` (name; org, suborg, workLocation, nationality, description;
    /// `assets: {"data": [{type, ...}]}`): answered with the victim and its assets.
    pub fn create(owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post("/v3/victims").owner(owner).json(body).query("fields", "assets")
    }
    /// `PUT /v3/victims/{id}?fields=assets`: the fields given change; `assets` are appended (or `mode`).
    pub fn update(id: i64, body: &Value) -> HttpRequest {
        HttpRequest::put(ApiPath::lit("/v3/victims").id(id).build()).json(body).query("fields", "assets")
    }
    /// `GET /v3/victimAssets[/{id}]`.
    pub fn assets(id: Option<i64>) -> HttpRequest {
        let p = ApiPath::lit("/v3/victimAssets");
        HttpRequest::get(match id {
            Some(id) => p.id(id).build(),
            None => p.build(),
        })
    }
    /// `POST /v3/victimAssets` (`type`, `victimId` and the type's fields: address, addressType,
    /// accountName, networkType, socialNetwork, phone, website).
    pub fn create_asset(body: &Value) -> HttpRequest {
        HttpRequest::post("/v3/victimAssets").json(body)
    }
    /// `PUT /v3/victimAssets/{id}`.
    pub fn update_asset(id: i64, body: &Value) -> HttpRequest {
        HttpRequest::put(ApiPath::lit("/v3/victimAssets").id(id).build()).json(body)
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/victims`: one page of the owner's victims.
    pub async fn victims(&self, opts: &ListOptions) -> Result<Page<Victim>, Error> {
        self.v2_list(v2::list(opts), ENTITY, Victim::read).await
    }
    /// `GET /v2/victims/{id}`.
    pub async fn victim(&self, id: i64) -> Result<Victim, Error> {
        self.v2_one(crate::item::v2::get(&ItemRef::Victim(id), None), ENTITY, Victim::read).await
    }
    /// `POST /v2/victims` with the documented fields (name, description, org, suborg, workLocation, nationality).
    pub async fn create_victim(&self, owner: Option<&str>, body: &Value) -> Result<Victim, Error> {
        self.v2_one(v2::create(owner, body), ENTITY, Victim::read).await
    }
    /// `PUT /v2/victims/{id}`: the fields given change.
    pub async fn update_victim(&self, id: i64, body: &Value) -> Result<Victim, Error> {
        self.v2_one(crate::item::v2::update(&ItemRef::Victim(id), None, body), ENTITY, Victim::read).await
    }
    /// `GET /v2/victims/{id}/victimAssets[/{assetType}]`.
    pub async fn victim_assets(&self, id: i64, asset_type: Option<&str>) -> Result<Vec<VictimAsset>, Error> {
        Ok(self.v2_list(v2::assets(&ItemRef::Victim(id), asset_type, &ListOptions::default()), ASSET, VictimAsset::read).await?.items)
    }
    /// `POST /v2/victims/{id}/victimAssets/{assetType}`: answered as `victim{Type}`.
    pub async fn create_victim_asset(&self, id: i64, asset_type: &str, body: &Value) -> Result<VictimAsset, Error> {
        let key = asset_entity_or_refuse(asset_type)?;
        self.v2_one(v2::create_asset(id, asset_type, body), key, VictimAsset::read).await
    }
    /// `PUT /v2/victims/{id}/victimAssets/{assetType}/{assetId}`.
    pub async fn update_victim_asset(&self, id: i64, asset_type: &str, asset_id: i64, body: &Value) -> Result<VictimAsset, Error> {
        let key = asset_entity_or_refuse(asset_type)?;
        self.v2_one(v2::update_asset(id, asset_type, asset_id, body), key, VictimAsset::read).await
    }
    /// `GET /v3/victims[?fields=assets]`: one page of the owner's victims.
    pub async fn v3_victims(&self, with_assets: bool) -> Result<Page<Victim>, Error> {
        self.v3_list(v3::list(with_assets), Victim::read).await
    }
    /// `GET /v3/victims/{id}[?fields=assets]` (the assets: [`Victim::assets`]).
    pub async fn v3_victim(&self, id: i64, with_assets: bool) -> Result<Victim, Error> {
        self.v3_one(v3::get(id, with_assets), Victim::read).await
    }
    /// `POST /v3/victims?fields=assets`.
    pub async fn v3_create_victim(&self, owner: Option<&str>, body: &Value) -> Result<Victim, Error> {
        self.v3_one(v3::create(owner, body), Victim::read).await
    }
    /// `PUT /v3/victims/{id}?fields=assets`.
    pub async fn v3_update_victim(&self, id: i64, body: &Value) -> Result<Victim, Error> {
        self.v3_one(v3::update(id, body), Victim::read).await
    }
    /// `GET /v3/victimAssets`: one page of the owner's victims' assets.
    pub async fn v3_victim_assets(&self) -> Result<Page<VictimAsset>, Error> {
        self.v3_list(v3::assets(None), VictimAsset::read).await
    }
    /// `GET /v3/victimAssets/{id}`.
    pub async fn v3_victim_asset(&self, id: i64) -> Result<VictimAsset, Error> {
        self.v3_one(v3::assets(Some(id)), VictimAsset::read).await
    }
    /// `POST /v3/victimAssets` with `type`, `victimId` and the type's fields.
    pub async fn v3_create_victim_asset(&self, body: &Value) -> Result<VictimAsset, Error> {
        self.v3_one(v3::create_asset(body), VictimAsset::read).await
    }
    /// `PUT /v3/victimAssets/{id}`.
    pub async fn v3_update_victim_asset(&self, id: i64, body: &Value) -> Result<VictimAsset, Error> {
        self.v3_one(v3::update_asset(id, body), VictimAsset::read).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::line;
    use serde_json::json;

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::list(&ListOptions::default())), "GET /v2/victims");
        assert_eq!(line(&v2::create(None, &json!({"name": "v"}))), "POST /v2/victims");
        assert_eq!(line(&v2::create_asset(1, "emailAddresses", &json!({"address": "a@b"}))), "POST /v2/victims/1/victimAssets/emailAddresses");
        assert_eq!(line(&v2::update_asset(1, "webSites", 4, &json!({"webSite": "x"}))), "PUT /v2/victims/1/victimAssets/webSites/4");
        assert_eq!(line(&v3::get(3, true)), "GET /v3/victims/3?fields=assets");
        assert_eq!(line(&v3::create(Some("O"), &json!({}))), "POST /v3/victims?owner=O&fields=assets");
        assert_eq!(line(&v3::assets(Some(2))), "GET /v3/victimAssets/2");
        assert_eq!(asset_entity("networkAccounts"), Some("victimNetworkAccount"));
        assert_eq!(asset_entity("pagers"), None);
    }
}

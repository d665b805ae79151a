//! Typed calls for what the panels do not load themselves: each sends one
//! request of [`super::v2`] and decodes the documented answer with its model.
//! The panels' wasm keeps only what it calls (the linker drops the rest).

use super::client::{Client, Transport};
use super::envelope::{self, Page};
use super::error::Error;
use super::model::*;
use super::v2::{self, entity, ItemRef, ListOptions};
use super::types::GroupType;
use serde_json::Value;

impl<T: Transport> Client<T> {
    /// `GET /v2/whoami`: the user the credentials belong to.
    pub async fn whoami(&self) -> Result<User, Error> {
        self.v2_one(v2::whoami(), entity::USER, User::read).await
    }
    /// `GET /v2/owners`: every owner this user can see.
    pub async fn owners(&self) -> Result<Vec<Owner>, Error> {
        Ok(self.v2_list(v2::owners(), entity::OWNER, Owner::read).await?.items)
    }
    /// `GET /v2/owners/mine`: the user's own Organization.
    pub async fn my_owner(&self) -> Result<Owner, Error> {
        self.v2_one(v2::my_owner(), entity::OWNER, Owner::read).await
    }
    /// `GET /v2/owners/mine/members`: the users of the Organization.
    pub async fn my_members(&self) -> Result<Vec<User>, Error> {
        Ok(self.v2_list(v2::my_members(), entity::USER, User::read).await?.items)
    }
    /// `GET /v2/owners/{id}/metrics`, or `/v2/owners/metrics` for every owner.
    pub async fn owner_metrics(&self, id: Option<i64>) -> Result<Vec<OwnerMetric>, Error> {
        Ok(self.v2_list(v2::owner_metrics(id), "ownerMetric", OwnerMetric::read).await?.items)
    }
    /// `GET /v2/types/indicatorTypes?includeAdditional=true`: base and custom types.
    pub async fn indicator_types(&self) -> Result<Vec<IndicatorTypeDef>, Error> {
        Ok(self.v2_list(v2::indicator_types(), entity::INDICATOR_TYPE, IndicatorTypeDef::read).await?.items)
    }
    /// `GET /v2/securityLabels/{name}`.
    pub async fn security_label(&self, name: &str) -> Result<SecurityLabel, Error> {
        self.v2_one(v2::all_security_labels(Some(name), None, &ListOptions::default()), entity::SECURITY_LABEL, SecurityLabel::read).await
    }
    /// `GET /v2/tags/{name}`.
    pub async fn tag(&self, name: &str) -> Result<Tag, Error> {
        self.v2_one(v2::all_tags(Some(name), None, &ListOptions::default()), entity::TAG, Tag::read).await
    }
    /// `GET /v2/tags/{name}/indicators[/{branch}]`: one page of the indicators carrying the tag.
    pub async fn tagged_indicators(&self, tag: &str, branch: Option<&str>, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(v2::tagged(tag, "indicators", branch, opts), entity::INDICATOR, Indicator::read).await
    }
    /// `GET /v2/tags/{name}/groups[/{type}]`: one page of the groups carrying the tag.
    pub async fn tagged_groups(&self, tag: &str, group_type: Option<GroupType>, opts: &ListOptions) -> Result<Page<Group>, Error> {
        self.v2_list(v2::tagged(tag, "groups", group_type.map(GroupType::v2_branch), opts), entity::GROUP, Group::read).await
    }
    /// `GET {indicator}/observations`: each observation with its date.
    pub async fn observations(&self, item: &ItemRef, owner: Option<&str>) -> Result<Vec<Observation>, Error> {
        Ok(self.v2_list(v2::observations(item, owner), entity::OBSERVATION, Observation::read).await?.items)
    }
    /// `POST {indicator}/observations` with `{count, dateObserved}` (an ISO date, offsets allowed).
    pub async fn add_observation(&self, item: &ItemRef, count: u32, date_observed: Option<&str>) -> Result<(), Error> {
        self.v2_ok(v2::add_observation(item, count, date_observed)).await
    }
    /// `GET {indicator}/observationCount`.
    pub async fn observation_count(&self, item: &ItemRef, owner: Option<&str>) -> Result<ObservationCount, Error> {
        self.v2_one(v2::observation_count(item, owner), entity::OBSERVATION_COUNT, ObservationCount::read).await
    }
    /// `GET /v2/indicators/observed[?dateObserved=]`.
    pub async fn observed(&self, date_observed: Option<&str>) -> Result<Vec<Observed>, Error> {
        Ok(self.v2_list(v2::observed(date_observed), entity::INDICATOR, Observed::read).await?.items)
    }
    /// `GET {host|address}/dnsResolutions`.
    pub async fn dns_resolutions(&self, item: &ItemRef, owner: Option<&str>) -> Result<Vec<DnsResolution>, Error> {
        Ok(self.v2_list(v2::dns_resolutions(item, owner), "dnsResolution", DnsResolution::read).await?.items)
    }
    /// `GET /v2/exchange/spaces/{elementId}/state`: the element's saved state (a JSON object;
    /// `{}` when nothing was saved). Not in the REST documentation: ThreatConnect's SDK reads it.
    pub async fn space_state(&self, element_id: &str) -> Result<Value, Error> {
        let body = self.json(v2::space_state(element_id)).await?;
        envelope::v2_ok(&body)?;
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        Ok(data.get("state").cloned().unwrap_or(data))
    }
    /// `POST /v2/exchange/spaces/{elementId}/state` with a JSON object.
    pub async fn save_space_state(&self, element_id: &str, state: &Value) -> Result<(), Error> {
        self.v2_ok(v2::save_space_state(element_id, state)).await
    }
    /// `GET /v2/exchange/spaces/{elementId}/file/{name}`: the bytes.
    pub async fn space_file(&self, element_id: &str, name: &str) -> Result<Vec<u8>, Error> {
        self.bytes(v2::space_file(element_id, name)).await
    }
    /// `POST /v2/exchange/spaces/{elementId}/file/{name}`.
    pub async fn save_space_file(&self, element_id: &str, name: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), Error> {
        self.v2_ok(v2::save_space_file(element_id, name, bytes, content_type)).await
    }
    /// `GET /v2/exchange/spaces/{elementId}/job`.
    pub async fn space_job(&self, element_id: &str) -> Result<Value, Error> {
        let body = self.json(v2::space_job(element_id)).await?;
        envelope::v2_ok(&body)?;
        Ok(body.get("data").and_then(|d| d.get("job")).cloned().unwrap_or(Value::Null))
    }
}

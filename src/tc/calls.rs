//! Typed calls for what the panels do not load themselves: each sends one
//! request of [`super::v2`] and decodes the documented answer with its model.
//! The panels' wasm keeps only what it calls (the linker drops the rest).

use super::client::{Client, Transport};
use super::envelope::{self, Page};
use super::error::Error;
use super::model::*;
use super::v2::{self, entity, ItemRef, ListOptions};
use super::v3;
use super::request::Method;
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
    /// `GET /v2/types/associationTypes`: group, named (custom) and file-action association types.
    pub async fn association_types(&self) -> Result<Vec<AssociationType>, Error> {
        Ok(self.v2_list(v2::association_types(None), entity::ASSOCIATION_TYPE, AssociationType::read).await?.items)
    }
    /// `GET /v2/types/associationTypes/{name}`.
    pub async fn association_type(&self, name: &str) -> Result<AssociationType, Error> {
        self.v2_one(v2::association_types(Some(name)), entity::ASSOCIATION_TYPE, AssociationType::read).await
    }
    /// `GET {indicator}/associations/{apiBranch}/indicators`: one page of the indicators a named association links.
    pub async fn named_associated_indicators(&self, item: &ItemRef, association: &str, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(v2::named_associated_indicators(item, association, opts), entity::INDICATOR, Indicator::read).await
    }
    /// `POST {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
    pub async fn associate_named(&self, item: &ItemRef, association: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_named(Method::Post, item, association, target)).await
    }
    /// `DELETE {indicator}/associations/{apiBranch}/indicators/{type}/{value}`.
    pub async fn dissociate_named(&self, item: &ItemRef, association: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_named(Method::Delete, item, association, target)).await
    }
    /// `GET {file}/fileOccurrences`.
    pub async fn file_occurrences(&self, file: &ItemRef) -> Result<Vec<FileOccurrence>, Error> {
        Ok(self.v2_list(v2::file_occurrences(file, None), entity::FILE_OCCURRENCE, FileOccurrence::read).await?.items)
    }
    /// `GET {file}/fileOccurrences/{id}`.
    pub async fn file_occurrence(&self, file: &ItemRef, id: i64) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::file_occurrence(file, id, None), entity::FILE_OCCURRENCE, FileOccurrence::read).await
    }
    /// `POST {file}/fileOccurrences` with `{fileName, path, date}`.
    pub async fn create_file_occurrence(&self, file: &ItemRef, body: &Value) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::create_file_occurrence(file, body), entity::FILE_OCCURRENCE, FileOccurrence::read).await
    }
    /// `PUT {file}/fileOccurrences/{id}`.
    pub async fn update_file_occurrence(&self, file: &ItemRef, id: i64, body: &Value) -> Result<FileOccurrence, Error> {
        self.v2_one(v2::update_file_occurrence(file, id, body), entity::FILE_OCCURRENCE, FileOccurrence::read).await
    }
    /// `GET /v3/indicators/{id}?fields=fileOccurrences`.
    pub async fn v3_file_occurrences(&self, id: i64) -> Result<Vec<FileOccurrence>, Error> {
        self.v3_one(v3::file_occurrences(id), FileOccurrence::of_indicator).await
    }
    /// `PUT /v3/indicators/{id}?fields=fileOccurrences`: adds occurrences, answers all of the file's.
    pub async fn v3_add_file_occurrences(&self, id: i64, occurrences: Vec<Value>) -> Result<Vec<FileOccurrence>, Error> {
        self.v3_one(v3::add_file_occurrences(id, occurrences), FileOccurrence::of_indicator).await
    }
    /// `GET {file}/actions/{action}/indicators`: one page of the indicators the file action relates.
    pub async fn file_action_indicators(&self, file: &ItemRef, action: &str, opts: &ListOptions) -> Result<Page<Indicator>, Error> {
        self.v2_list(v2::file_action_indicators(file, action, opts), entity::INDICATOR, Indicator::read).await
    }
    /// `POST {file}/actions/{action}/indicators/{type}/{value}`.
    pub async fn add_file_action(&self, file: &ItemRef, action: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_file_action(Method::Post, file, action, target)).await
    }
    /// `DELETE {file}/actions/{action}/indicators/{type}/{value}`.
    pub async fn remove_file_action(&self, file: &ItemRef, action: &str, target: &ItemRef) -> Result<(), Error> {
        self.v2_ok(v2::link_file_action(Method::Delete, file, action, target)).await
    }
    /// `GET /v2/groups/adversaries/{id}/adversaryAssets[/{assetType}]`.
    pub async fn adversary_assets(&self, adversary_id: i64, asset_type: Option<&str>) -> Result<Vec<AdversaryAsset>, Error> {
        let key = match asset_type {
            Some(t) => adversary_asset_key(t)?,
            None => entity::BUCKET_ASSET,
        };
        Ok(self.v2_list(v2::adversary_assets(adversary_id, asset_type), key, AdversaryAsset::read).await?.items)
    }
    /// `GET /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64) -> Result<AdversaryAsset, Error> {
        let key = adversary_asset_key(asset_type)?;
        self.v2_one(v2::adversary_asset(Method::Get, adversary_id, asset_type, asset_id, None), key, AdversaryAsset::read).await
    }
    /// `POST /v2/groups/adversaries/{id}/adversaryAssets/{assetType}` (`{"handle": ...}`, `{"phoneNumber": ...}`, `{"url": ...}`).
    pub async fn create_adversary_asset(&self, adversary_id: i64, asset_type: &str, body: &Value) -> Result<AdversaryAsset, Error> {
        let key = adversary_asset_key(asset_type)?;
        self.v2_one(v2::create_adversary_asset(adversary_id, asset_type, body), key, AdversaryAsset::read).await
    }
    /// `PUT /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn update_adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64, body: &Value) -> Result<AdversaryAsset, Error> {
        let key = adversary_asset_key(asset_type)?;
        self.v2_one(v2::adversary_asset(Method::Put, adversary_id, asset_type, asset_id, Some(body)), key, AdversaryAsset::read).await
    }
    /// `DELETE /v2/groups/adversaries/{id}/adversaryAssets/{assetType}/{assetId}`.
    pub async fn delete_adversary_asset(&self, adversary_id: i64, asset_type: &str, asset_id: i64) -> Result<(), Error> {
        adversary_asset_key(asset_type)?;
        self.v2_ok(v2::adversary_asset(Method::Delete, adversary_id, asset_type, asset_id, None)).await
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

    /// `GET /v2/groups/signatures/{id}/download`: the signature itself (its `fileText`, sent as text/plain).
    pub async fn download_signature(&self, id: i64) -> Result<String, Error> {
        let bytes = self.bytes(v2::download(GroupType::Signature, id)).await?;
        String::from_utf8(bytes).map_err(|_| Error::decode("download", "the signature is not UTF-8 text"))
    }
    /// `PUT /v3/indicators/{id}?fields=...`: the write's answer is the indicator with the
    /// expansions asked for (tags, attributes...), decoded as a read.
    pub async fn v3_update_indicator(&self, id: i64, body: &Value, fields: &[&str]) -> Result<Indicator, Error> {
        self.v3_one(v3::update_with_fields(v3::Collection::Indicators, id, body, fields), Indicator::read).await
    }
    /// `PUT /v3/groups/{id}?fields=...`: the same for a group.
    pub async fn v3_update_group(&self, id: i64, body: &Value, fields: &[&str]) -> Result<Group, Error> {
        self.v3_one(v3::update_with_fields(v3::Collection::Groups, id, body, fields), Group::read).await
    }
    /// `POST|PUT /v3/groups/{id}/upload`: a Document's or Report's file; the answer's message
    /// (documented: `{"message": "Upload successful", "status": "Success"}`).
    pub async fn v3_upload(&self, id: i64, bytes: Vec<u8>, filename: Option<&str>, replace: bool) -> Result<String, Error> {
        let body = self.json(v3::upload(id, bytes, filename, replace)).await?;
        if body.get("status").and_then(Value::as_str) != Some("Success") {
            return Err(Error::decode("status", &format!("the upload was not confirmed: {body}")));
        }
        Ok(body.get("message").and_then(Value::as_str).unwrap_or_default().to_string())
    }
    /// `GET /v3/groups/{id}/download`: a Document's or Report's file.
    pub async fn v3_download(&self, id: i64) -> Result<Vec<u8>, Error> {
        self.bytes(v3::download(id)).await
    }
    /// `GET /v2/indicators/bulk?owner=`: the owner's bulk report configuration.
    pub async fn bulk_status(&self, owner: Option<&str>) -> Result<BulkStatus, Error> {
        let body = self.json(v2::bulk_status(owner)).await?;
        envelope::v2_ok(&body)?;
        let v = bare_or_data(&body).get("bulkStatus").ok_or_else(|| Error::decode("bulkStatus", "missing"))?;
        BulkStatus::read(v, "bulkStatus", "bulkStatus")
    }
    /// `GET /v2/indicators/bulk/json?owner=[&runNow=true]`: the owner's indicators with their context.
    pub async fn bulk_json(&self, owner: Option<&str>, run_now: bool) -> Result<Vec<Indicator>, Error> {
        let req = if run_now { v2::bulk_download_now("json", owner) } else { v2::bulk_download("json", owner) };
        let body = self.json(req).await?;
        envelope::v2_ok(&body)?;
        let list = bare_or_data(&body).get("indicator").unwrap_or(&Value::Null);
        crate::tc::json::one_or_many(list).into_iter().enumerate().map(|(i, x)| Indicator::read(x, &format!("indicator[{i}]"), entity::INDICATOR)).collect()
    }
    /// `GET /v2/indicators/bulk/csv?owner=[&runNow=true]`: `Type,Value,Rating,Confidence` rows.
    pub async fn bulk_csv(&self, owner: Option<&str>, run_now: bool) -> Result<Vec<BulkCsvRow>, Error> {
        let req = if run_now { v2::bulk_download_now("csv", owner) } else { v2::bulk_download("csv", owner) };
        let bytes = self.bytes(req).await?;
        BulkCsvRow::parse_report(&String::from_utf8_lossy(&bytes))
    }
    /// `GET /v2/victims`: one page of the owner's victims.
    pub async fn victims(&self, opts: &ListOptions) -> Result<Page<Victim>, Error> {
        self.v2_list(v2::victims(opts), entity::VICTIM, Victim::read).await
    }
    /// `GET /v2/victims/{id}`.
    pub async fn victim(&self, id: i64) -> Result<Victim, Error> {
        self.v2_one(v2::item(&ItemRef::Victim(id), None), entity::VICTIM, Victim::read).await
    }
    /// `POST /v2/victims` with the documented fields (name, description, org, suborg, workLocation, nationality).
    pub async fn create_victim(&self, owner: Option<&str>, body: &Value) -> Result<Victim, Error> {
        self.v2_one(v2::create_victim(owner, body), entity::VICTIM, Victim::read).await
    }
    /// `PUT /v2/victims/{id}`: the fields given change.
    pub async fn update_victim(&self, id: i64, body: &Value) -> Result<Victim, Error> {
        self.v2_one(v2::update_item(&ItemRef::Victim(id), None, body), entity::VICTIM, Victim::read).await
    }
    /// `GET /v2/victims/{id}/victimAssets[/{assetType}]`.
    pub async fn victim_assets(&self, id: i64, asset_type: Option<&str>) -> Result<Vec<VictimAsset>, Error> {
        Ok(self.v2_list(v2::associated_victim_assets(&ItemRef::Victim(id), asset_type, &ListOptions::default()), entity::VICTIM_ASSET, VictimAsset::read).await?.items)
    }
    /// `POST /v2/victims/{id}/victimAssets/{assetType}`: answered as `victim{Type}`.
    pub async fn create_victim_asset(&self, id: i64, asset_type: &str, body: &Value) -> Result<VictimAsset, Error> {
        let key = v2::victim_asset_entity(asset_type).ok_or_else(|| Error::Config(format!("{asset_type} is not a victim asset type (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites)")))?;
        self.v2_one(v2::create_victim_asset(id, asset_type, body), key, VictimAsset::read).await
    }
    /// `PUT /v2/victims/{id}/victimAssets/{assetType}/{assetId}`.
    pub async fn update_victim_asset(&self, id: i64, asset_type: &str, asset_id: i64, body: &Value) -> Result<VictimAsset, Error> {
        let key = v2::victim_asset_entity(asset_type).ok_or_else(|| Error::Config(format!("{asset_type} is not a victim asset type (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites)")))?;
        self.v2_one(v2::update_victim_asset(id, asset_type, asset_id, body), key, VictimAsset::read).await
    }
    /// `GET {item}/victims`: the victims associated with a group or an indicator.
    pub async fn associated_victims(&self, item: &ItemRef) -> Result<Vec<Victim>, Error> {
        Ok(self.v2_list(v2::associated_victims(item, &ListOptions::default()), entity::VICTIM, Victim::read).await?.items)
    }
    /// `GET {item}/victims/{victimId}`: one associated victim (404 when not associated).
    pub async fn associated_victim(&self, item: &ItemRef, victim_id: i64) -> Result<Victim, Error> {
        self.v2_one(v2::associated_item(item, &ItemRef::Victim(victim_id)), entity::VICTIM, Victim::read).await
    }
    /// `GET /v3/victims[?fields=assets]`: one page of the owner's victims.
    pub async fn v3_victims(&self, with_assets: bool) -> Result<Page<Victim>, Error> {
        self.v3_list(v3::victims(with_assets), Victim::read).await
    }
    /// `GET /v3/victims/{id}[?fields=assets]` (the assets: [`Victim::assets`]).
    pub async fn v3_victim(&self, id: i64, with_assets: bool) -> Result<Victim, Error> {
        self.v3_one(v3::victim(id, with_assets), Victim::read).await
    }
    /// `POST /v3/victims?fields=assets`.
    pub async fn v3_create_victim(&self, owner: Option<&str>, body: &Value) -> Result<Victim, Error> {
        self.v3_one(v3::create_victim(owner, body), Victim::read).await
    }
    /// `PUT /v3/victims/{id}?fields=assets`.
    pub async fn v3_update_victim(&self, id: i64, body: &Value) -> Result<Victim, Error> {
        self.v3_one(v3::update_victim(id, body), Victim::read).await
    }
    /// `GET /v3/victimAssets`: one page of the owner's victims' assets.
    pub async fn v3_victim_assets(&self) -> Result<Page<VictimAsset>, Error> {
        self.v3_list(v3::victim_assets(None), VictimAsset::read).await
    }
    /// `GET /v3/victimAssets/{id}`.
    pub async fn v3_victim_asset(&self, id: i64) -> Result<VictimAsset, Error> {
        self.v3_one(v3::victim_assets(Some(id)), VictimAsset::read).await
    }
    /// `POST /v3/victimAssets` with `type`, `victimId` and the type's fields.
    pub async fn v3_create_victim_asset(&self, body: &Value) -> Result<VictimAsset, Error> {
        self.v3_one(v3::create_victim_asset(body), VictimAsset::read).await
    }
    /// `PUT /v3/victimAssets/{id}`.
    pub async fn v3_update_victim_asset(&self, id: i64, body: &Value) -> Result<VictimAsset, Error> {
        self.v3_one(v3::update_victim_asset(id, body), VictimAsset::read).await
    }
    /// `GET /v2/tasks`: one page of the owner's tasks.
    pub async fn tasks(&self, opts: &ListOptions) -> Result<Page<Task>, Error> {
        self.v2_list(v2::tasks(opts), entity::TASK, Task::read).await
    }
    /// `GET /v2/tasks/{id}`.
    pub async fn task(&self, id: i64) -> Result<Task, Error> {
        self.v2_one(v2::item(&ItemRef::Task(id), None), entity::TASK, Task::read).await
    }
    /// `POST /v2/tasks` (name; status, dueDate, assignee, escalated, reminded, overdue).
    pub async fn create_task(&self, owner: Option<&str>, body: &Value) -> Result<Task, Error> {
        self.v2_one(v2::create_task(owner, body), entity::TASK, Task::read).await
    }
    /// `PUT /v2/tasks/{id}`.
    pub async fn update_task(&self, id: i64, body: &Value) -> Result<Task, Error> {
        self.v2_one(v2::update_item(&ItemRef::Task(id), None, body), entity::TASK, Task::read).await
    }
}

/// The entity an adversary asset type answers under; an undocumented type is refused before sending.
fn adversary_asset_key(asset_type: &str) -> Result<&'static str, Error> {
    v2::adversary_asset_entity(asset_type).ok_or_else(|| Error::Config(format!("{asset_type} is not an adversary asset type (handles, phoneNumbers, urls)")))
}

/// The documented bulk answers are bare (`{"bulkStatus": ...}`); an enveloped one has them under `data`.
fn bare_or_data(body: &Value) -> &Value {
    body.get("data").filter(|d| d.is_object()).unwrap_or(body)
}

//! The source side: snapshot a group, store it as its `pivot-share` datastore record, unpublish, list.

use super::datastore::{ds_all, ds_delete, ds_put};
use super::read::{v3_all, with_fields};
use super::{ExecError, ITEM_FIELDS, PUBLISHED_TYPE, RESULT_LIMIT};
use crate::share::json::{self as sj, text};
use crate::share::package::SharePackage;
use crate::share::snapshot::{snapshot_report, PublishOptions, Withheld};
use crate::tc::request::HttpRequest;
use crate::tc::types::GroupType;
use crate::tc::v3::{self, Collection};
use crate::tc::{Client, Transport};
use serde::Serialize;
use serde_json::{json, Value};

/// A published package as listed from the source's datastore.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedRecord {
    /// Datastore id (the source group id).
    pub id: String,
    pub group_id: u64,
    pub group_type: String,
    pub group_name: String,
    pub group_xid: String,
    pub content_hash: String,
    pub published_at: String,
    pub source_instance: String,
    pub source_owner: String,
    /// Size of the package file in bytes.
    pub size: usize,
    /// The package file (canonical JSON), to be validated before use.
    #[serde(skip)]
    pub package: String,
}

/// Reads the group, its associated groups and its indicators (three requests,
/// concurrently; lists follow `next` at `resultLimit=10000`) and builds the package.
/// The owner is the group's (`opts.owner`, when given, must name the same owner). Writes nothing.
pub async fn snapshot_group<T: Transport>(
    client: &Client<T>,
    group_type: GroupType,
    group_id: u64,
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ExecError> {
    let g_req = with_fields(HttpRequest::get(format!("/v3/groups/{group_id}")), &ITEM_FIELDS);
    let tql = format!("hasGroup(id={group_id})");
    let ag_req = with_fields(v3::search(Collection::Groups, &tql, 0, RESULT_LIMIT, false), &ITEM_FIELDS);
    let ai_req = with_fields(v3::search(Collection::Indicators, &tql, 0, RESULT_LIMIT, false), &ITEM_FIELDS);
    let (g, ag, ai) = futures::future::join3(client.json(g_req), v3_all(client, ag_req), v3_all(client, ai_req)).await;
    let g = g?;
    let group = g.get("data").cloned().unwrap_or(Value::Null);
    match text(&group, "type").and_then(GroupType::from_name) {
        Some(t) if t == group_type => {}
        Some(t) => return Err(ExecError::Invalid(format!("group {group_id} is a {t}, not a {group_type}"))),
        None => return Err(ExecError::Invalid(format!("group {group_id}: ThreatConnect sent no group type"))),
    }
    // The owner names the items in every xid: use ThreatConnect's spelling of it.
    let mut o = opts.clone();
    match text(&group, "ownerName") {
        Some(actual) if !o.owner.trim().is_empty() && !actual.eq_ignore_ascii_case(o.owner.trim()) => {
            return Err(ExecError::Invalid(format!("group {group_id} belongs to \"{actual}\", not to \"{}\"", o.owner.trim())));
        }
        Some(actual) => o.owner = actual.to_string(),
        None => {}
    }
    Ok(snapshot_report(&group, &ag?, &ai?, &o)?)
}

/// Stores (or replaces) the package as the group's record in the source's organization datastore.
pub async fn store_published<T: Transport>(client: &Client<T>, pkg: &SharePackage) -> Result<(), ExecError> {
    let h = &pkg.header;
    let bytes = pkg.to_bytes();
    let record = json!({
        "format": crate::share::FORMAT, "version": h.version,
        "groupId": h.group.id, "groupType": h.group.group_type, "groupName": h.group.name, "groupXid": h.group.xid,
        "contentHash": h.content_hash, "publishedAt": h.published_at,
        "sourceInstance": h.source.instance_id, "sourceOwner": h.source.owner,
        "size": bytes.len(),
        "package": String::from_utf8_lossy(&bytes),
    });
    ds_put(client, PUBLISHED_TYPE, &h.group.id.to_string(), &record).await?;
    Ok(())
}

/// Publish: snapshot the group ([`snapshot_group`]) and store the package
/// ([`store_published`]), replacing an earlier publish of the same group. The
/// package is returned for the download; what stayed home for the publish screen.
pub async fn publish<T: Transport>(
    client: &Client<T>,
    group_type: GroupType,
    group_id: u64,
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ExecError> {
    let (pkg, withheld) = snapshot_group(client, group_type, group_id, opts).await?;
    store_published(client, &pkg).await?;
    Ok((pkg, withheld))
}

/// Removes the group's published record (`false`: there was none). Data already
/// imported elsewhere stays there.
pub async fn unpublish<T: Transport>(client: &Client<T>, group_id: u64) -> Result<bool, ExecError> {
    Ok(ds_delete(client, PUBLISHED_TYPE, &group_id.to_string()).await?)
}

/// Every published package of the source's organization datastore.
pub async fn list_published<T: Transport>(client: &Client<T>) -> Result<Vec<PublishedRecord>, ExecError> {
    let records = ds_all(client, PUBLISHED_TYPE, 20).await?;
    Ok(records
        .into_iter()
        .map(|(id, s)| {
            let t = |k: &str| text(&s, k).unwrap_or_default().to_string();
            let package = s.get("package").and_then(Value::as_str).unwrap_or_default().to_string();
            PublishedRecord {
                group_id: sj::id(&s, "groupId").unwrap_or(0),
                group_type: t("groupType"),
                group_name: t("groupName"),
                group_xid: t("groupXid"),
                content_hash: t("contentHash"),
                published_at: t("publishedAt"),
                source_instance: t("sourceInstance"),
                source_owner: t("sourceOwner"),
                size: package.len(),
                package,
                id,
            }
        })
        .collect())
}

//! The source side: snapshot a group, store it as its `pivot-share` datastore record, unpublish, list.

use super::error::ExecError;
use super::records::{
    DOMAIN, HEADS_PAGE, HEADS_TYPE, ITEM_FIELDS, PUBLISHED_RECORD_BYTES, PUBLISHED_TYPE, RECORD_WRAPPING_BYTES, SMALL_RECORD_BYTES,
};
use crate::json::{self as sj, text};
use crate::package::SharePackage;
use crate::snapshot::{snapshot_report, PublishOptions, Withheld};
use serde::Serialize;
use serde_json::{json, Value};
use threatconnect::tql::has_group;
use threatconnect::{Client, Collection, GroupKey, GroupType, Transport};

/// A published package as listed from the source's datastore: its head record (the
/// header's fields, without the package file).
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
}

/// Reads the group, its associated groups and its indicators (three requests,
/// concurrently; every page of a list read at `resultLimit=10000`) and builds the package.
/// The owner is the group's (`opts.owner`, when given, must name the same owner). Writes nothing.
pub async fn snapshot_group<T: Transport>(
    client: &Client<T>,
    group_type: GroupType,
    group_id: u64,
    opts: &PublishOptions,
) -> Result<(SharePackage, Withheld), ExecError> {
    let id = i64::try_from(group_id).map_err(|_| ExecError::Invalid(format!("{group_id} is not a group id")))?;
    let tql = has_group(id);
    let (group, ag, ai) = futures::future::join3(
        client.v3_group_as_sent(&GroupKey::Id(id), &ITEM_FIELDS, None),
        client.v3_search_as_sent(Collection::Groups, &tql, &ITEM_FIELDS, None),
        client.v3_search_as_sent(Collection::Indicators, &tql, &ITEM_FIELDS, None),
    )
    .await;
    let group = group?;
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

/// Stores (or replaces) the package in the source's organization datastore: the package
/// record (the file, under `package`) first, then its small head record, which is what a
/// pull lists; a pull fetches a package only when its head names a content hash it has not
/// imported yet. A head written before its package would point at nothing, so it comes last.
pub async fn store_published<T: Transport>(client: &Client<T>, pkg: &SharePackage) -> Result<(), ExecError> {
    let h = &pkg.header;
    let bytes = pkg.to_bytes();
    let head = json!({
        "format": crate::FORMAT, "version": h.version,
        "groupId": h.group.id, "groupType": h.group.group_type, "groupName": h.group.name, "groupXid": h.group.xid,
        "contentHash": h.content_hash, "publishedAt": h.published_at,
        "sourceInstance": h.source.instance_id, "sourceOwner": h.source.owner,
        "size": bytes.len(),
    });
    let id = h.group.id.to_string();
    let mut record = head.clone();
    record["package"] = json!(String::from_utf8_lossy(&bytes));
    // A record a pull would refuse to read is not stored: publish and pull use one limit.
    let stored = serde_json::to_vec(&record).map(|v| v.len() as u64).unwrap_or(u64::MAX);
    if stored > PUBLISHED_RECORD_BYTES {
        return Err(ExecError::Invalid(format!(
            "this package is too large to publish: stored as a datastore record it takes {stored} bytes, more than the {PUBLISHED_RECORD_BYTES} a pull reads"
        )));
    }
    client.datastore_put(DOMAIN, PUBLISHED_TYPE, &id, &record).await?;
    client.datastore_put(DOMAIN, HEADS_TYPE, &id, &head).await?;
    Ok(())
}

/// The package file of a published group, as stored (`None`: not published). Validate it
/// before use. A record larger than publishing stores ([`PUBLISHED_RECORD_BYTES`]) is
/// refused while it arrives, before it is parsed.
pub async fn published_package<T: Transport>(client: &Client<T>, group_id: u64) -> Result<Option<String>, ExecError> {
    let limit = PUBLISHED_RECORD_BYTES + RECORD_WRAPPING_BYTES;
    let rec = client.datastore_get(DOMAIN, PUBLISHED_TYPE, &group_id.to_string(), limit).await?;
    Ok(rec.and_then(|r| r.get("package").and_then(Value::as_str).map(str::to_string)))
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

/// Removes the group's published records, head first (`false`: there were none). Data
/// already imported elsewhere stays there.
pub async fn unpublish<T: Transport>(client: &Client<T>, group_id: u64) -> Result<bool, ExecError> {
    let id = group_id.to_string();
    let head = client.datastore_delete(DOMAIN, HEADS_TYPE, &id).await?;
    let package = client.datastore_delete(DOMAIN, PUBLISHED_TYPE, &id).await?;
    Ok(head || package)
}

/// Every published package of the source's organization datastore, from the head records
/// (a few hundred bytes each: listing never downloads a package).
pub async fn list_published<T: Transport>(client: &Client<T>) -> Result<Vec<PublishedRecord>, ExecError> {
    let records = client.datastore_all(DOMAIN, HEADS_TYPE, HEADS_PAGE, SMALL_RECORD_BYTES).await?;
    Ok(records
        .into_iter()
        .map(|(id, s)| {
            let t = |k: &str| text(&s, k).unwrap_or_default().to_string();
            PublishedRecord {
                group_id: sj::id(&s, "groupId").unwrap_or(0),
                group_type: t("groupType"),
                group_name: t("groupName"),
                group_xid: t("groupXid"),
                content_hash: t("contentHash"),
                published_at: t("publishedAt"),
                source_instance: t("sourceInstance"),
                source_owner: t("sourceOwner"),
                size: sj::id(&s, "size").unwrap_or(0) as usize,
                id,
            }
        })
        .collect())
}

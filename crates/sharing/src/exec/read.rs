//! Reads shared by publish and import: requests in waves, and an owner's items by xid
//! and by summary (TQL `in (...)` chunks).

use super::records::{ITEM_FIELDS, TQL_CHUNK_CHARS};
use crate::json::text;
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeSet;
use threatconnect::{tql, Client, Collection, Error as TcError, GroupKey, Transport};

/// Runs futures in waves of `n` at a time (all of a wave concurrently), keeping order.
pub(super) async fn in_waves<F: std::future::Future>(futs: Vec<F>, n: usize) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futs.len());
    let mut it = futs.into_iter().peekable();
    while it.peek().is_some() {
        let wave: Vec<F> = it.by_ref().take(n.max(1)).collect();
        out.extend(futures::future::join_all(wave).await);
    }
    out
}

/// What [`read_items`] asks along with each item.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fields {
    /// Security labels only (the plan keeps labels no package put there).
    Labels,
    /// Attributes, tags, labels and associations (the read-back that verification compares).
    All,
}

#[derive(Clone, Copy)]
enum Read {
    Group,
    Indicators,
}

/// Groups (by xid) and indicators (by summary) of `owner`, in concurrent waves.
pub(super) async fn read_items<T: Transport>(
    client: &Client<T>,
    owner: &str,
    xids: &BTreeSet<String>,
    summaries: &BTreeSet<String>,
    fields: Fields,
    concurrency: usize,
    progress: &dyn Fn(usize, usize),
) -> Result<(Vec<Value>, Vec<Value>), TcError> {
    let (group_fields, ind_fields): (&[&str], &[&str]) = match fields {
        Fields::All => (&["attributes", "tags", "securityLabels", "associatedGroups", "associatedIndicators"], &ITEM_FIELDS),
        Fields::Labels => (&["securityLabels"], &["securityLabels"]),
    };
    // Groups one by one, by xid (documented: `GET /v3/groups/{xid}?owner=`; ThreatConnect's
    // TQL has no `xid` keyword); indicators by `summary in (...)` chunks.
    let mut reqs: Vec<(Read, String)> = Vec::new();
    for x in xids {
        reqs.push((Read::Group, x.clone()));
    }
    for q in tql::in_chunks("summary", summaries, TQL_CHUNK_CHARS) {
        reqs.push((Read::Indicators, q));
    }
    let total = reqs.len();
    let done = Cell::new(0usize);
    progress(0, total);
    let futs: Vec<_> = reqs
        .into_iter()
        .map(|(what, key)| {
            let done = &done;
            async move {
                let res = match what {
                    // Not in the target (yet): 404.
                    Read::Group => match client.v3_group_as_sent(&GroupKey::Xid(key), group_fields, Some(owner)).await {
                        Ok(v) => Ok(vec![v]),
                        Err(e) if e.is_not_found() => Ok(vec![]),
                        Err(e) => Err(e),
                    },
                    Read::Indicators => client.v3_search_as_sent(Collection::Indicators, &key, ind_fields, Some(owner)).await,
                };
                done.set(done.get() + 1);
                progress(done.get(), total);
                (what, res)
            }
        })
        .collect();
    let (mut groups, mut inds) = (Vec::new(), Vec::new());
    for (what, res) in in_waves(futs, concurrency).await {
        let items = res?;
        match what {
            Read::Group => groups.extend(items),
            Read::Indicators => inds.extend(items),
        }
    }
    // Only the owner's items (a server ignoring `owner` must not make other owners' items look imported).
    let mine = |v: &Value| text(v, "ownerName").is_none_or(|o| o.eq_ignore_ascii_case(owner));
    groups.retain(mine);
    inds.retain(mine);
    Ok((groups, inds))
}

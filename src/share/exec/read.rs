//! Reads shared by publish and import: v3 lists through `next`, requests in waves, TQL `in (...)` chunks.

use super::{ITEM_FIELDS, RESULT_LIMIT, TQL_CHUNK_CHARS};
use crate::share::json::text;
use crate::tc::request::{HttpRequest, PathBuf};
use crate::tc::v3::{self, Collection};
use crate::tc::{Client, Error as TcError, Transport};
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeSet;

pub(super) fn with_fields(mut r: HttpRequest, fields: &[&str]) -> HttpRequest {
    for f in fields {
        r = r.query("fields", *f);
    }
    r
}

/// Every item of a v3 list, following `next`.
pub(super) async fn v3_all<T: Transport>(client: &Client<T>, first: HttpRequest) -> Result<Vec<Value>, TcError> {
    let mut out = Vec::new();
    let mut req = first;
    loop {
        let body = client.json(req).await?;
        let next = body.get("next").and_then(Value::as_str).map(str::to_string);
        if let Value::Object(mut m) = body {
            match m.remove("data") {
                Some(Value::Array(a)) => out.extend(a),
                Some(Value::Null) | None => {}
                Some(_) => return Err(TcError::Decode { path: "data".into(), message: "expected a list".into() }),
            }
        }
        match next {
            Some(n) => {
                req = v3::follow_next(&n, client.api_path())
                    .ok_or_else(|| TcError::Decode { path: "next".into(), message: format!("not a v3 link: {n}") })?
            }
            None => return Ok(out),
        }
    }
}

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

/// `field in ("a","b",...)` TQL strings, each list at most [`TQL_CHUNK_CHARS`] long.
pub(super) fn tql_in_chunks(field: &str, values: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = 0;
    for v in values {
        let q = v3::tql_string(v);
        if !cur.is_empty() && len + q.len() + 1 > TQL_CHUNK_CHARS {
            out.push(format!("{field} in ({})", cur.join(",")));
            cur.clear();
            len = 0;
        }
        len += q.len() + 1;
        cur.push(q);
    }
    if !cur.is_empty() {
        out.push(format!("{field} in ({})", cur.join(",")));
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
    let mut reqs: Vec<(Read, HttpRequest)> = Vec::new();
    for x in xids {
        reqs.push((Read::Group, with_fields(HttpRequest::get(PathBuf::lit("/v3/groups").seg(x).build()).owner(Some(owner)), group_fields)));
    }
    for tql in tql_in_chunks("summary", summaries) {
        reqs.push((Read::Indicators, with_fields(v3::search(Collection::Indicators, &tql, 0, RESULT_LIMIT, false).owner(Some(owner)), ind_fields)));
    }
    let total = reqs.len();
    let done = Cell::new(0usize);
    progress(0, total);
    let futs: Vec<_> = reqs
        .into_iter()
        .map(|(what, r)| {
            let done = &done;
            async move {
                let res = match what {
                    // Not in the target (yet): 404.
                    Read::Group => match client.json(r).await {
                        Ok(mut v) => Ok(v.get_mut("data").map(Value::take).into_iter().collect()),
                        Err(e) if e.is_not_found() => Ok(vec![]),
                        Err(e) => Err(e),
                    },
                    Read::Indicators => v3_all(client, r).await,
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

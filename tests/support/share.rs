//! Two sandboxes for sharing tests: a demo-seeded source and an empty target, with the
//! options every sharing test starts from.

use super::{hmac_client, start, Sandbox};
use pivot::share::exec::{self, ImportOptions};
use pivot::share::PublishOptions;
use pivot::tc::native::{system_clock, NativeTransport};
use pivot::tc::Client;

/// The organization of the demo seed, and the target owner of the tests.
pub const OWNER: &str = "Demo Org";
/// The source instance id the tests publish with.
pub const INSTANCE: &str = "source-sandbox";

pub fn source(name: &str) -> Sandbox {
    start(name, "demo", "source-id", "source-secret")
}

pub fn target(name: &str) -> Sandbox {
    start(name, "empty", "target-id", "target-secret")
}

/// A source and a target sandbox.
pub fn pair(name: &str) -> (Sandbox, Sandbox) {
    (source(name), target(name))
}

pub fn client(sb: &Sandbox) -> Client<NativeTransport> {
    hmac_client(sb)
}

pub fn opts() -> PublishOptions {
    PublishOptions {
        instance_id: INSTANCE.into(),
        owner: String::new(),
        api_url: None,
        published_at: exec::rfc3339(system_clock()),
        security_labels_allowed: vec!["TLP:WHITE".into(), "TLP:GREEN".into(), "TLP:AMBER".into()],
        exclude_unlabeled: false,
    }
}

pub fn iopts() -> ImportOptions {
    ImportOptions { imported_at: exec::rfc3339(system_clock()), ..Default::default() }
}

/// A group of `owner` by its xid (documented `GET /v3/groups/{xid}?owner=`), with `fields`;
/// `None` when the owner has none.
pub fn group_by_xid(c: &Client<NativeTransport>, owner: &str, xid: &str, fields: &[&str]) -> Option<serde_json::Value> {
    let mut r = pivot::tc::HttpRequest::get(pivot::tc::request::PathBuf::lit("/v3/groups").seg(xid).build()).owner(Some(owner));
    for f in fields {
        r = r.query("fields", *f);
    }
    match super::run(c.json(r)) {
        Ok(v) => Some(v["data"].clone()),
        Err(e) if e.is_not_found() => None,
        Err(e) => panic!("GET group {xid}: {e}"),
    }
}

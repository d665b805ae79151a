//! What the sandbox tests share: a source (demo seed) and a target (empty) sandbox, each in
//! this process with its own credentials and a temporary database removed when it is dropped;
//! a client over HTTP for each; the options every sharing test starts from.

use pivot_testing::{run, Sandbox, Seed};
use serde_json::Value;
use sharing::exec::ImportOptions;
use sharing::PublishOptions;
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::time::rfc3339;
use threatconnect::{Client, Credentials, GroupKey};

/// A client of the sandboxes.
pub type C = Client<NativeTransport>;

/// The organization of the demo seed, and the target owner of the tests.
pub const OWNER: &str = "Demo Org";
/// The source instance id the tests publish with.
pub const INSTANCE: &str = "source-sandbox";

/// A demo-seeded sandbox: the source.
pub fn source() -> Sandbox {
    Sandbox::builder(Seed::Demo).access_id("source-id").secret_key("source-secret").start()
}

/// A sandbox with the three owners only (`Seed::Empty`): the target.
pub fn target() -> Sandbox {
    Sandbox::builder(Seed::Empty).access_id("target-id").secret_key("target-secret").start()
}

/// A source and a target sandbox.
pub fn pair() -> (Sandbox, Sandbox) {
    (source(), target())
}

/// A client over HTTP signing with the sandbox's own HMAC credentials.
pub fn client(sb: &Sandbox) -> C {
    Client::new(NativeTransport::new(&sb.origin()), "/api", Credentials::hmac(sb.access_id(), sb.secret_key()), Box::new(system_clock))
}

/// Publishing from the source instance [`INSTANCE`], TLP:RED staying home.
pub fn opts() -> PublishOptions {
    PublishOptions {
        instance_id: INSTANCE.into(),
        owner: String::new(),
        api_url: None,
        published_at: rfc3339(system_clock()),
        security_labels_allowed: vec!["TLP:WHITE".into(), "TLP:GREEN".into(), "TLP:AMBER".into()],
        exclude_unlabeled: false,
    }
}

/// Importing now, everything else by default.
pub fn iopts() -> ImportOptions {
    ImportOptions { imported_at: rfc3339(system_clock()), ..Default::default() }
}

/// A group of `owner` by its xid (documented `GET /v3/groups/{xid}?owner=`), with `fields`;
/// `None` when the owner has none.
pub fn group_by_xid(c: &C, owner: &str, xid: &str, fields: &[&str]) -> Option<Value> {
    match run(c.v3_group_as_sent(&GroupKey::Xid(xid.into()), fields, Some(owner))) {
        Ok(v) => Some(v),
        Err(e) if e.is_not_found() => None,
        Err(e) => panic!("GET group {xid}: {e}"),
    }
}

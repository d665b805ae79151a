//! What the sandbox tests share.

use pivot_testing::Sandbox;
use threatconnect::native::{system_clock, NativeTransport};
use threatconnect::{Client, Credentials};

/// A client over HTTP signing with the sandbox's own HMAC credentials.
pub fn hmac_client(sb: &Sandbox) -> Client<NativeTransport> {
    Client::new(NativeTransport::new(&sb.origin()), "/api", Credentials::hmac(sb.access_id(), sb.secret_key()), Box::new(system_clock))
}

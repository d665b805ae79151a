//! Built without the native transport or HMAC signing: the modules that need them
//! (`live`, `native_transport`, `sandbox`) are left out, and this says so.

#[test]
fn the_sandbox_and_socket_tests_need_native_and_hmac_auth() {
    pivot_testing::skip(
        "live, native_transport and sandbox need `--features native,hmac-auth` (cargo test -p threatconnect --features native,hmac-auth)",
    );
}

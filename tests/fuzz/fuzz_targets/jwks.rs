//! Any JWKS document is read or refused, never a panic.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    let _ = doorman_oidc::KeySet::from_response(&http::Response::new(body.to_vec()), common::now());
});

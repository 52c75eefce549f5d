//! Any discovery document is accepted or refused, never a panic.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    let _ = doorman_oidc::ProviderMetadata::from_response(&common::metadata_url(), &http::Response::new(body.to_vec()));
});

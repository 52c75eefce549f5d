//! Any text after `Bearer ` is verified or refused as an API's access token, never a panic:
//! the core's strict JWS reading, key choice and claim rules, against a fixed provider.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|token: &str| {
    let _ = doorman_oidc::verify_bearer(
        token,
        "https://api.app.test",
        &common::config(),
        &common::metadata(),
        &common::keys(),
        common::now(),
    );
});

//! Any token-endpoint answer to a refresh, with any status, is read or refused, never a
//! panic: the body as sent (a refused refresh, garbage, a refreshed ID token of any shape).
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let mut response = http::Response::new(body.to_vec());
    if let Ok(status) = http::StatusCode::from_u16(status) {
        *response.status_mut() = status;
    }
    let original = serde_json::json!({
        "iss": "http://idp.test",
        "sub": "alice",
        "aud": "app",
        "auth_time": 1_700_000_000,
    });
    let serde_json::Value::Object(original) = original else {
        return;
    };
    let _ = doorman_oidc::refresh_response(
        &common::config(),
        &common::metadata(),
        &common::keys(),
        &original,
        &response,
        common::now(),
    );
});

//! A session body read from Redis (`session_store = "redis"`): any text is refused by the
//! seal or opened, and any payload sealed under the store's key reads as a session or an
//! error; never a panic.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use doorman_seal::{Purpose, Sealer};

/// The name a stored body is sealed for: `doorman-session-` and its key's 32 hex digits.
const NAME: &str = "doorman-session-000102030405060708090a0b0c0d0e0f";

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    let sealer = Sealer::new(Purpose::StoredSession, b"fuzz secret", &[b"old"])
        .expect("secrets are not empty");
    let now = UNIX_EPOCH + Duration::from_secs(1_795_305_600);
    // What Redis holds, as text: refused unless it is a sealed body.
    if let Ok(text) = std::str::from_utf8(input) {
        if let Ok(payload) = sealer.open(NAME, text, now) {
            let _ = doorman_user::Session::from_bytes(&payload);
        }
    }
    // What a body holds once opened: any payload, sealed as the store seals it.
    if let Ok(sealed) = sealer.seal(NAME, input, now + Duration::from_secs(60), now, [7; 12]) {
        let payload = sealer.open(NAME, &sealed, now).expect("a value just sealed opens");
        if let Ok(session) = doorman_user::Session::from_bytes(&payload) {
            let _ = (session.claims().len(), session.refresh_token(), session.to_bytes());
        }
    }
});

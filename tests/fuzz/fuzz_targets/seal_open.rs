//! Any cookie header given to chunk joining and opening is refused or opened, never a panic.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

libfuzzer_sys::fuzz_target!(|header: &str| {
    let sealer = doorman_seal::Sealer::new(doorman_seal::Purpose::Identity, b"fuzz secret", &[b"old"])
        .expect("secrets are not empty");
    let cookies = header.split(';').filter_map(|pair| pair.trim().split_once('='));
    if let Ok(Some(value)) = doorman_seal::join("doorman_user", cookies) {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_305_600);
        if let Ok(payload) = sealer.open("doorman_user", &value, now) {
            let _ = doorman_user::Identity::from_payload(&payload);
        }
    }
    let _ = sealer.open("doorman_user", header, UNIX_EPOCH);
});

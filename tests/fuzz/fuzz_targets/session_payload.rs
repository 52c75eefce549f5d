//! Any bytes read as a session payload give a user or an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(user) = doorman_user::Identity::from_payload(bytes) {
        let _ = (user.email(), user.to_dict(), user.claim::<Vec<String>>("groups"));
    }
});

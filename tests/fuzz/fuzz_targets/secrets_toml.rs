//! Any text given to the secrets parser yields a configuration or an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = doorman_secrets::AuthConfig::parse(text, doorman_secrets::Origin::Text("fuzz".into()));
});

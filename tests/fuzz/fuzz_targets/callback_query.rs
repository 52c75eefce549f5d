//! Any callback query is checked or refused, never a panic.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|query: &str| {
    let (pending, state) = common::pending();
    let _ = pending.clone().callback(&common::metadata(), query);
    let _ = pending.callback(&common::metadata(), &format!("state={state}&iss=http%3A%2F%2Fidp.test&{query}"));
});

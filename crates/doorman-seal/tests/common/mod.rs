//! Shared helpers of the seal tests: fixed times and secrets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_seal::{Purpose, Sealer};

/// The instant `seconds` after the Unix epoch.
pub(crate) fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The tests' "now": 2026-11-22T00:00:00Z.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) const NOW: u64 = 1_795_305_600;

/// A sealer for `purpose` with the current and previous secrets.
pub(crate) fn sealer(purpose: Purpose, current: &str, previous: &[&str]) -> Sealer {
    let previous: Vec<&[u8]> = previous.iter().map(|s| s.as_bytes()).collect();
    Sealer::new(purpose, current.as_bytes(), &previous).expect("non-empty secrets")
}

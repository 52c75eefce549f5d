//! The criterion settings of every benchmark in the workspace, so that all figures of
//! `cargo xtask bench` are measured alike.

use std::time::Duration;

use criterion::Criterion;

/// Half a second of warm-up, two seconds of measurement, 50 samples.
#[must_use]
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

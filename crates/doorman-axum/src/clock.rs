//! The adapter's clock: the system's in production, a [`VirtualClock`] that tests move by
//! hand.
//!
//! A request reads the time once and hands it down; the provider cache measures the age of
//! what it holds with the clock's monotonic reading, which a virtual clock moves by the same
//! steps as its time, so tests of expiry and retry need no sleep.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Where the adapter's time comes from.
#[derive(Clone, Debug, Default)]
pub(crate) enum Clock {
    /// The system's clocks: `SystemTime::now()` and `Instant::now()`.
    #[default]
    System,
    /// A clock that stands still until a test moves it.
    Virtual(VirtualClock),
}

impl Clock {
    /// The time now.
    #[inline]
    pub(crate) fn now(&self) -> SystemTime {
        match self {
            Self::System => SystemTime::now(),
            Self::Virtual(clock) => clock.now(),
        }
    }

    /// A monotonic reading, for measuring ages.
    pub(crate) fn instant(&self) -> Instant {
        match self {
            Self::System => Instant::now(),
            Self::Virtual(clock) => clock.instant(),
        }
    }

    /// How long ago the monotonic reading `then` was (zero if it is in the future).
    pub(crate) fn since(&self, then: Instant) -> Duration {
        self.instant().saturating_duration_since(then)
    }
}

/// A clock for tests: it reads the time it was started at, plus every
/// [`VirtualClock::advance`] since. Clones share the time.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    start: SystemTime,
    /// The monotonic reading that stands for `start`.
    base: Instant,
    elapsed: Arc<Mutex<Duration>>,
}

impl VirtualClock {
    /// A clock standing at `start`.
    #[must_use]
    pub fn starting_at(start: SystemTime) -> Self {
        Self {
            start,
            base: Instant::now(),
            elapsed: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    /// The time it reads.
    #[must_use]
    pub fn now(&self) -> SystemTime {
        self.start + self.elapsed()
    }

    /// Moves the clock forward by `step`, for every clone.
    pub fn advance(&self, step: Duration) {
        *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner) += step;
    }

    fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn instant(&self) -> Instant {
        self.base + self.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_clock_moves_only_when_told_and_its_clones_with_it() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = VirtualClock::starting_at(start);
        let shared = Clock::Virtual(clock.clone());
        let then = shared.instant();
        assert_eq!(shared.now(), start);
        clock.advance(Duration::from_millis(5_100));
        assert_eq!(shared.now(), start + Duration::from_millis(5_100));
        assert_eq!(shared.since(then), Duration::from_millis(5_100));
        assert_eq!(
            Clock::Virtual(clock).since(then + Duration::from_secs(60)),
            Duration::ZERO
        );
    }
}

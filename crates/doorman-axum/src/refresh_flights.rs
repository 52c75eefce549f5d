//! [`RefreshFlights`]: the refreshes of this process, one per refresh token, so that a
//! refresh token is spent once however many requests of its session arrive together.
//!
//! - **Single flight:** the first request whose session is due leads the refresh; the others
//!   with the same refresh token wait for its outcome (at most [`MAX_WAIT`], then they go on
//!   with the session they have).
//! - **Grace:** a finished refresh is kept for [`GRACE`], so that a request still carrying the
//!   pre-refresh cookie (sent before the browser stored the new one) gets the refreshed
//!   session, never a second use of the rotated refresh token.
//! - **Backoff:** a refresh the provider could not answer is kept until its retry time,
//!   doubling from [`FIRST_RETRY`] to [`LAST_RETRY`], so a provider that is down is not asked
//!   on every request.
//!
//! This is the seam for shared state: flights are named by a keyed hash of the refresh token
//! ([`FlightKey`]), never the token, and the map is the only thing a cross-replica store
//! would replace (a lock and the outcome in Redis instead of this process's memory).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use doorman_seal::TAG_LEN;
use doorman_user::Session;
use tokio::sync::OnceCell;

use crate::error::LoginFailure;

/// A refresh token's name in the map: its keyed hash.
pub(crate) type FlightKey = [u8; TAG_LEN];

/// How long a finished refresh answers requests that still carry the pre-refresh cookie.
pub(crate) const GRACE: Duration = Duration::from_secs(60);

/// How long a request waits for another request's refresh of its session.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(10);

/// The wait before asking again a provider that could not answer a refresh.
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(5);

/// The longest wait between refresh attempts at a provider that keeps failing.
pub(crate) const LAST_RETRY: Duration = Duration::from_secs(60);

/// The most refresh tokens remembered at once; past it, finished ones are dropped first,
/// then new refreshes run without a flight (each request on its own).
pub(crate) const MAX_FLIGHTS: usize = 65_536;

/// How one refresh ended.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// The provider renewed the session.
    Refreshed(Arc<Session>),
    /// The provider refused the refresh token (`invalid_grant`), or its answer broke a rule:
    /// the session is over.
    Ended(LoginFailure),
    /// The provider could not be reached or answered something unusable: the session stays
    /// as it is until it expires, and the refresh is tried again from `retry_at`.
    Unavailable {
        /// When to ask the provider again.
        retry_at: SystemTime,
        /// How many attempts in a row failed.
        failures: u32,
    },
}

impl Outcome {
    /// An unavailable provider after `failures` failed attempts in a row, the last at `now`.
    pub(crate) fn unavailable(failures: u32, now: SystemTime) -> Self {
        let doublings = failures.saturating_sub(1).min(16);
        let wait = FIRST_RETRY.saturating_mul(1 << doublings).min(LAST_RETRY);
        Self::Unavailable {
            retry_at: now + wait,
            failures,
        }
    }

    /// Until when this outcome answers for its refresh token.
    fn valid_until(&self, finished_at: SystemTime) -> SystemTime {
        match self {
            Self::Refreshed(_) | Self::Ended(_) => finished_at + GRACE,
            Self::Unavailable { retry_at, .. } => *retry_at,
        }
    }
}

/// One refresh token's refresh: led by one request, awaited by the others.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    outcome: OnceCell<(Outcome, SystemTime)>,
    /// Failed attempts in a row before this one.
    previous_failures: u32,
}

impl Flight {
    /// The outcome, running `refresh` if no request has (or is running it); a request that
    /// gives up waiting, or whose leader was dropped, runs it itself.
    pub(crate) async fn outcome<F>(&self, refresh: impl FnOnce(u32) -> F) -> Outcome
    where
        F: Future<Output = (Outcome, SystemTime)>,
    {
        let failures = self.previous_failures;
        self.outcome
            .get_or_init(|| refresh(failures))
            .await
            .0
            .clone()
    }

    /// The outcome if the refresh is over.
    fn finished(&self) -> Option<&(Outcome, SystemTime)> {
        self.outcome.get()
    }
}

/// The refreshes of this process, by refresh token.
#[derive(Debug, Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<HashMap<FlightKey, Arc<Flight>>>,
}

impl RefreshFlights {
    /// The flight of `key` at `now`: a finished one that still answers (grace, or a backoff
    /// not yet over), the one in progress, or a new one.
    pub(crate) fn flight(&self, key: FlightKey, now: SystemTime) -> Arc<Flight> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        let previous_failures = match flights.get(&key) {
            Some(flight) => match flight.finished() {
                None => return Arc::clone(flight),
                Some((outcome, at)) if now < outcome.valid_until(*at) => {
                    return Arc::clone(flight);
                }
                Some((Outcome::Unavailable { failures, .. }, _)) => *failures,
                Some(_) => 0,
            },
            None => 0,
        };
        if flights.len() >= MAX_FLIGHTS {
            flights.retain(|_, flight| {
                flight
                    .finished()
                    .is_none_or(|(outcome, at)| now < outcome.valid_until(*at))
            });
        }
        let flight = Arc::new(Flight {
            outcome: OnceCell::new(),
            previous_failures,
        });
        if flights.len() < MAX_FLIGHTS {
            flights.insert(key, Arc::clone(&flight));
        }
        flight
    }

    /// How many refresh tokens are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn ended() -> Outcome {
        Outcome::Ended(LoginFailure::Internal)
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_refresh() {
        let flights = Arc::new(RefreshFlights::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let flights = Arc::clone(&flights);
            let calls = Arc::clone(&calls);
            tasks.push(tokio::spawn(async move {
                let flight = flights.flight([7; TAG_LEN], at(100));
                flight
                    .outcome(|_| async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        (ended(), at(100))
                    })
                    .await
            }));
        }
        for task in tasks {
            assert!(matches!(task.await.expect("task"), Outcome::Ended(_)));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_finished_refresh_answers_for_its_grace_then_a_new_one_starts() {
        let flights = RefreshFlights::default();
        let key = [1; TAG_LEN];
        let first = flights.flight(key, at(100));
        first.outcome(|_| async { (ended(), at(100)) }).await;
        assert!(Arc::ptr_eq(&first, &flights.flight(key, at(159))));
        assert!(!Arc::ptr_eq(&first, &flights.flight(key, at(160))));
    }

    #[tokio::test]
    async fn an_unavailable_provider_is_asked_again_later_and_later() {
        let flights = RefreshFlights::default();
        let key = [2; TAG_LEN];
        let mut now = at(1_000);
        let mut waits = Vec::new();
        for _ in 0..6 {
            let flight = flights.flight(key, now);
            let outcome = flight
                .outcome(|failures| async move { (Outcome::unavailable(failures + 1, now), now) })
                .await;
            let Outcome::Unavailable { retry_at, .. } = outcome else {
                panic!("unavailable");
            };
            let wait = retry_at.duration_since(now).expect("later");
            assert!(
                Arc::ptr_eq(
                    &flight,
                    &flights.flight(key, retry_at - Duration::from_secs(1))
                ),
                "no new attempt before the retry time"
            );
            waits.push(wait.as_secs());
            now = retry_at;
        }
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
    }

    #[tokio::test]
    async fn finished_refreshes_are_dropped_when_the_map_is_full() {
        let flights = RefreshFlights::default();
        for i in 0..MAX_FLIGHTS {
            let mut key = [0; TAG_LEN];
            key[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let flight = flights.flight(key, at(0));
            flight.outcome(|_| async { (ended(), at(0)) }).await;
        }
        assert_eq!(flights.len(), MAX_FLIGHTS);
        let _ = flights.flight([9; TAG_LEN], at(1_000));
        assert_eq!(flights.len(), 1, "the expired ones went, the new one stays");
    }
}

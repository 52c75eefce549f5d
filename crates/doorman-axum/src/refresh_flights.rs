//! [`RefreshFlights`]: the refreshes of this process, one per refresh token, so that a
//! refresh token is spent once however many requests of its session arrive together.
//!
//! - **Single flight:** the first request whose session is due starts the refresh on a task
//!   of its own, so that it finishes (and its outcome is kept) even if that request is
//!   cancelled or gives up; every request with the same refresh token waits for the outcome
//!   at most [`MAX_WAIT`], then goes on with the session it has. A refresh is given
//!   [`DEADLINE`] in all, then counts as the provider's failure.
//! - **Grace:** a finished refresh is kept for [`GRACE`], so that a request still carrying the
//!   pre-refresh cookie (sent before the browser stored the new one) gets the refreshed
//!   session, never a second use of the rotated refresh token.
//! - **Backoff:** a refresh the provider could not answer is kept until its retry time,
//!   doubling from [`FIRST_RETRY`] to [`LAST_RETRY`], so a provider that is down is not asked
//!   on every request.
//!
//! Flights are named by a keyed hash of the refresh token ([`FlightKey`]), never the token;
//! with shared state the same name is the lock and the outcome in Redis that make one
//! refresh serve every replica ([`crate::refresh_lock`]), the flight here running it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use doorman_seal::TAG_LEN;
use doorman_user::Session;
use tokio::sync::Notify;

use crate::error::LoginFailure;

/// A refresh token's name in the map: its keyed hash.
pub(crate) type FlightKey = [u8; TAG_LEN];

/// How long a finished refresh answers requests that still carry the pre-refresh cookie.
pub(crate) const GRACE: Duration = Duration::from_secs(60);

/// How long a request waits for its session's refresh.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(10);

/// How long one refresh may take in all (the token call, keys, userinfo), after which it
/// counts as the provider's failure and backs off.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// The wait before asking again a provider that could not answer a refresh.
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(5);

/// The longest wait between refresh attempts at a provider that keeps failing.
pub(crate) const LAST_RETRY: Duration = Duration::from_secs(60);

/// The most refresh tokens remembered at once; past it, new refreshes run without a shared
/// flight (each request on its own), with a warning.
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

/// One refresh token's refresh: started once, on a task of its own; awaited by every request
/// that carries the token.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    started: AtomicBool,
    outcome: OnceLock<(Outcome, SystemTime)>,
    finished: Notify,
    /// Failed attempts in a row before this one.
    previous_failures: u32,
}

impl Flight {
    /// The outcome, starting `refresh` on a task of its own unless it was started; waits at
    /// most `wait` for it (`None` past that: the refresh goes on without this request).
    /// `refresh` gets the failed attempts in a row so far and returns the outcome and when it
    /// ended; past [`DEADLINE`] the outcome is the provider's failure at `now`.
    pub(crate) async fn outcome<F>(
        self: &Arc<Self>,
        refresh: impl FnOnce(u32) -> F,
        now: SystemTime,
        wait: Duration,
    ) -> Option<Outcome>
    where
        F: Future<Output = (Outcome, SystemTime)> + Send + 'static,
    {
        let finished = self.finished.notified();
        tokio::pin!(finished);
        finished.as_mut().enable();
        if let Some((outcome, _)) = self.outcome.get() {
            return Some(outcome.clone());
        }
        if !self.started.swap(true, Ordering::AcqRel) {
            let flight = Arc::clone(self);
            let failures = self.previous_failures;
            let refresh = refresh(failures);
            tokio::spawn(async move {
                let ended = tokio::time::timeout(DEADLINE, refresh)
                    .await
                    .unwrap_or_else(|_| (Outcome::unavailable(failures + 1, now), now));
                let _ = flight.outcome.set(ended);
                flight.finished.notify_waiters();
            });
        }
        if let Some((outcome, _)) = self.outcome.get() {
            return Some(outcome.clone());
        }
        tokio::time::timeout(wait, finished).await.ok()?;
        self.outcome.get().map(|(outcome, _)| outcome.clone())
    }

    /// The outcome and when it ended, if the refresh is over.
    fn finished(&self) -> Option<&(Outcome, SystemTime)> {
        self.outcome.get()
    }
}

/// The refreshes of this process, by refresh token.
#[derive(Debug, Default)]
pub(crate) struct RefreshFlights {
    flights: Mutex<Flights>,
}

#[derive(Debug, Default)]
struct Flights {
    by_key: HashMap<FlightKey, Arc<Flight>>,
    /// The size at which the finished flights past their time are dropped next.
    prune_at: usize,
    /// When they were last dropped.
    pruned_at: Option<SystemTime>,
}

/// The smallest size at which finished flights are pruned.
const FIRST_PRUNE: usize = 64;

/// How often finished flights past their time are dropped at the least (besides whenever the
/// map doubles), so that a steady stream of refreshes keeps about a minute and ten seconds of
/// them, not up to twice that.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

impl RefreshFlights {
    /// The flight of `key` at `now`: a finished one that still answers (grace, or a backoff
    /// not yet over), the one in progress, or a new one. Finished flights past their time are
    /// dropped whenever the map doubles and at least every [`PRUNE_EVERY`], so it holds about
    /// what the last minute refreshed.
    pub(crate) fn flight(&self, key: FlightKey, now: SystemTime) -> Arc<Flight> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        let previous_failures = match flights.by_key.get(&key) {
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
        let due = flights.pruned_at.is_none_or(|at| now >= at + PRUNE_EVERY);
        let len = flights.by_key.len();
        if len >= flights.prune_at.max(FIRST_PRUNE) || (len >= FIRST_PRUNE && due) {
            flights.by_key.retain(|_, flight| {
                flight
                    .finished()
                    .is_none_or(|(outcome, at)| now < outcome.valid_until(*at))
            });
            flights.prune_at = (flights.by_key.len() * 2).max(FIRST_PRUNE);
            flights.pruned_at = Some(now);
        }
        let flight = Arc::new(Flight {
            previous_failures,
            ..Flight::default()
        });
        if flights.by_key.len() < MAX_FLIGHTS {
            flights.by_key.insert(key, Arc::clone(&flight));
        } else {
            tracing::warn!("too many refreshes in flight; this one is not shared");
        }
        flight
    }

    /// How many refresh tokens are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_key
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn ended() -> Outcome {
        Outcome::Ended(LoginFailure::Internal)
    }

    const WAIT: Duration = Duration::from_secs(5);

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
                    .outcome(
                        |_| async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            (ended(), at(100))
                        },
                        at(100),
                        WAIT,
                    )
                    .await
            }));
        }
        for task in tasks {
            assert!(matches!(task.await.expect("task"), Some(Outcome::Ended(_))));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// The request that started a refresh may be cancelled: the refresh finishes on its own
    /// task, and the next request gets its outcome instead of spending the token again.
    #[tokio::test]
    async fn a_cancelled_request_does_not_cancel_its_refresh() {
        let flights = RefreshFlights::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let flight = flights.flight([3; TAG_LEN], at(100));
        let counted = Arc::clone(&calls);
        let waiting = flight.outcome(
            |_| async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = released.await;
                (ended(), at(100))
            },
            at(100),
            WAIT,
        );
        // Cancelled before the refresh ends.
        assert!(
            tokio::time::timeout(Duration::from_millis(1), waiting)
                .await
                .is_err()
        );
        let _ = release.send(());
        let again = flights.flight([3; TAG_LEN], at(101));
        let counted = Arc::clone(&calls);
        let outcome = again
            .outcome(
                |_| async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    (ended(), at(101))
                },
                at(101),
                WAIT,
            )
            .await;
        assert!(matches!(outcome, Some(Outcome::Ended(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the token was spent once");
    }

    #[tokio::test]
    async fn a_finished_refresh_answers_for_its_grace_then_a_new_one_starts() {
        let flights = RefreshFlights::default();
        let key = [1; TAG_LEN];
        let first = flights.flight(key, at(100));
        first
            .outcome(|_| async { (ended(), at(100)) }, at(100), WAIT)
            .await;
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
                .outcome(
                    |failures| async move { (Outcome::unavailable(failures + 1, now), now) },
                    now,
                    WAIT,
                )
                .await;
            let Some(Outcome::Unavailable { retry_at, .. }) = outcome else {
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
    async fn finished_refreshes_past_their_time_are_dropped_as_the_map_grows() {
        let flights = RefreshFlights::default();
        for i in 0..1_000_u64 {
            let mut key = [0; TAG_LEN];
            key[..8].copy_from_slice(&i.to_le_bytes());
            let flight = flights.flight(key, at(i));
            flight
                .outcome(|_| async move { (ended(), at(i)) }, at(i), WAIT)
                .await;
        }
        assert!(flights.len() < 200, "{} kept", flights.len());
    }

    /// A steady stream of refreshes keeps about its last grace window and ten seconds, the
    /// map never doubling past it: ten refreshes a second for ten minutes.
    #[tokio::test]
    async fn a_steady_stream_keeps_about_a_minute_and_ten_seconds_of_refreshes() {
        let flights = RefreshFlights::default();
        let mut most = 0;
        for i in 0..6_000_u64 {
            let now = UNIX_EPOCH + Duration::from_millis(i * 100);
            let mut key = [0; TAG_LEN];
            key[..8].copy_from_slice(&i.to_le_bytes());
            let flight = flights.flight(key, now);
            flight
                .outcome(|_| async move { (ended(), now) }, now, WAIT)
                .await;
            most = most.max(flights.len());
        }
        let window = (GRACE + PRUNE_EVERY).as_secs() as usize * 10;
        assert!(
            most <= window + 1,
            "{most} kept at most, for a window of {window}"
        );
    }
}

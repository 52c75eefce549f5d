//! One refresh for every replica: with shared state, the replica whose flight
//! ([`crate::refresh_flights`]) starts first takes a short lock in Redis named after the
//! refresh token's keyed hash, refreshes, and publishes the outcome (the refreshed session,
//! sealed, or that the session ended) for [`crate::refresh_flights::GRACE`]; the other
//! replicas' flights wait for it (woken by the published event, looking again every
//! [`POLL`]) and take it, so a rotated refresh token is spent once however many replicas
//! serve the session.
//!
//! The lock holds for `refresh_lock_timeout`: a replica that dies holding it delays the
//! others that long, then one of them takes the lock. A provider that could not answer
//! releases it at once, each replica then backing off on its own. Redis unreachable: each
//! replica refreshes with its own single flight, logged.

use std::sync::Arc;
use std::time::SystemTime;

use doorman_user::Session;

use crate::auth::Auth;
use crate::error::LoginFailure;
use crate::refresh_flights::{FlightKey, GRACE, Outcome};
use crate::shared_state::{Event, SharedState, Unreachable, hex};

/// How often a waiting replica looks for the outcome when no event wakes it.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// The published outcome of a refresh that ended the session.
const ENDED: &str = "ended";

impl Auth {
    /// One refresh of `session` (its flight `flight`) for every replica sharing Redis, or
    /// for this one alone without shared state; the outcome, after `failures` failed
    /// attempts in a row.
    pub(crate) async fn refresh_everywhere(
        &self,
        session: &Arc<Session>,
        flight: &FlightKey,
        now: SystemTime,
        failures: u32,
    ) -> Outcome {
        let Some(shared) = &self.inner.shared else {
            return self.refresh_and_store(session, now, failures).await;
        };
        let name = hex(flight);
        match self
            .refresh_under_lock(shared, session, &name, now, failures)
            .await
        {
            Ok(outcome) => outcome,
            Err(why) => {
                tracing::warn!(%why, "the refresh lock in Redis is unavailable: refreshing with this replica's single flight only");
                self.refresh_and_store(session, now, failures).await
            }
        }
    }

    async fn refresh_under_lock(
        &self,
        shared: &SharedState,
        session: &Arc<Session>,
        name: &str,
        now: SystemTime,
        failures: u32,
    ) -> Result<Outcome, Unreachable> {
        let lock = format!("refresh-lock:{name}");
        let result = format!("refreshed:{name}");
        let timeout = self.inner.refresh_lock_timeout;
        let started = tokio::time::Instant::now();
        loop {
            let published = shared.refresh_published.notified();
            tokio::pin!(published);
            published.as_mut().enable();
            if let Some(outcome) = self
                .published_outcome(shared, session, &result, name)
                .await?
            {
                tracing::info!(outcome = "taken from another replica's refresh");
                return Ok(outcome);
            }
            if shared.set_new(&lock, "1", timeout).await? {
                let outcome = self.refresh_and_store(session, now, failures).await;
                self.publish_outcome(shared, &lock, &result, name, &outcome, now)
                    .await;
                return Ok(outcome);
            }
            // Another replica refreshes: its outcome is published, or its lock ends.
            let _ = tokio::time::timeout(POLL, published).await;
            if started.elapsed() > timeout.saturating_mul(2) {
                tracing::warn!(
                    "no replica finished this session's refresh in time; going on with the session as it is"
                );
                return Ok(Outcome::unavailable(failures + 1, now));
            }
        }
    }

    /// The outcome another replica published at `result`, if any.
    async fn published_outcome(
        &self,
        shared: &SharedState,
        session: &Session,
        result: &str,
        name: &str,
    ) -> Result<Option<Outcome>, Unreachable> {
        let Some(published) = shared.get(result).await? else {
            return Ok(None);
        };
        if published == ENDED {
            return Ok(Some(Outcome::Ended(LoginFailure::SessionExpired {
                provider: session.provider().to_owned(),
            })));
        }
        let now = self.inner.clock.now();
        match shared.open_outcome(name, &published, now) {
            Some(refreshed) => Ok(Some(Outcome::Refreshed(Arc::new(refreshed)))),
            None => {
                tracing::warn!("a published refresh outcome does not open; waiting for another");
                Ok(None)
            }
        }
    }

    /// Publishes `outcome` at `result` for the waiting replicas; a provider that could not
    /// answer publishes nothing and releases `lock`, so that each replica backs off alone.
    async fn publish_outcome(
        &self,
        shared: &SharedState,
        lock: &str,
        result: &str,
        name: &str,
        outcome: &Outcome,
        now: SystemTime,
    ) {
        let published = match outcome {
            Outcome::Refreshed(refreshed) => match shared.seal_outcome(name, refreshed, now) {
                Ok(sealed) => shared.set(result, &sealed, GRACE).await,
                Err(why) => Err(Unreachable(format!("cannot seal the outcome: {why}"))),
            },
            Outcome::Ended(_) => shared.set(result, ENDED, GRACE).await,
            Outcome::Unavailable { .. } => shared.delete(lock).await,
        };
        let told = match outcome {
            Outcome::Unavailable { .. } => Ok(()),
            _ => shared.publish(&Event::Refreshed(name.to_owned())).await,
        };
        if let Err(why) = published.and(told) {
            tracing::warn!(%why, "a refresh's outcome was not published: other replicas wait for the lock to end");
        }
    }

    /// One refresh at the provider; with a session store, the refreshed session is stored
    /// (or an ended one deleted) for every replica.
    async fn refresh_and_store(
        &self,
        session: &Arc<Session>,
        now: SystemTime,
        failures: u32,
    ) -> Outcome {
        let outcome = self.refresh_at_provider(session, now, failures).await;
        let (Some(store), Some(id)) = (&self.inner.store, session.id()) else {
            return outcome;
        };
        match &outcome {
            Outcome::Refreshed(refreshed) => {
                let key = store.key_of(id);
                let stored = self.store_session(key, refreshed, now).await;
                if let Err(why) = stored {
                    tracing::error!(%why, "a refreshed session could not be stored: other replicas keep the old one, whose refresh token is spent");
                } else if let Some(shared) = &self.inner.shared
                    && let Err(why) = shared.publish(&Event::SessionChanged(key)).await
                {
                    tracing::warn!(%why, "other replicas were not told of a refreshed session; they read it afresh when Redis is back");
                }
            }
            Outcome::Ended(_) => {
                self.drop_stored(session).await;
            }
            Outcome::Unavailable { .. } => {}
        }
        outcome
    }
}

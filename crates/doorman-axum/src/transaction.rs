//! The login transaction: what a login in flight keeps in its own sealed cookie (the
//! pending login and the return path), the cookie's name, the bound on logins in flight,
//! and taking it at the callback exactly once.
//!
//! # Invariants
//! - The cookie is named after a keyed hash of the full `state` (`…doorman_tx_<tag>`):
//!   a callback with another or a partial `state` finds no cookie and deletes nothing.
//! - The cookie is deleted, and the transaction marked taken, only once its `state`
//!   matched in full; a transaction is taken once ([`crate::consumed_states`]), before any
//!   call to the provider; with shared state, once across replicas
//!   ([`Auth::first_callback`]).

use std::time::SystemTime;

use doorman_oidc::PendingLogin;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::auth::{Auth, random, unix_seconds};
use crate::consumed_states::TAG_LEN;
use crate::cookies::{self, MAX_TRANSACTIONS, TRANSACTION_LIFETIME};

/// What the login-transaction cookie holds.
#[derive(Serialize, Deserialize)]
pub(crate) struct Transaction {
    #[serde(rename = "l")]
    pub(crate) pending: PendingLogin,
    #[serde(rename = "r")]
    pub(crate) return_to: String,
}

/// Why a callback found no transaction to take.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Untaken {
    /// No cookie of this `state` opened: unknown, expired, or never started here.
    Unknown,
    /// The transaction was taken before: a replayed callback.
    Replayed,
}

/// The first [`TAG_LEN`] bytes of a keyed hash: what names a transaction.
fn short(tag: &[u8; doorman_seal::TAG_LEN]) -> [u8; TAG_LEN] {
    let mut short = [0; TAG_LEN];
    short.copy_from_slice(&tag[..TAG_LEN]);
    short
}

/// How many transaction cookies of a request are looked at when bounding them.
const MAX_EXAMINED: usize = MAX_TRANSACTIONS + cookies::MAX_DELETIONS;

impl Auth {
    /// Seals `transaction` (whose login has `state`) into its cookie, and deletes the oldest
    /// transaction cookies of the request so that at most [`MAX_TRANSACTIONS`] are in flight.
    ///
    /// `None` when no random nonce could be drawn or the transaction does not seal.
    pub(crate) fn start_transaction(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        transaction: &Transaction,
        state: &str,
        now: SystemTime,
    ) -> Option<()> {
        let name = self
            .inner
            .names
            .transaction(&short(&self.inner.state_tags.tag(state.as_bytes())));
        let payload = serde_json::to_vec(transaction).ok()?;
        let sealed = self
            .inner
            .transactions
            .seal(&name, &payload, now + TRANSACTION_LIFETIME, now, random()?)
            .ok()?;
        self.bound_transactions(request, response, now);
        self.inner
            .transaction_scope
            .set(response, &name, &sealed, TRANSACTION_LIFETIME);
        Some(())
    }

    /// Deletes the oldest transaction cookies so that, with a new one, at most
    /// [`MAX_TRANSACTIONS`] logins are in flight; unreadable ones go first. At most
    /// `MAX_EXAMINED` distinct cookies are opened and [`cookies::MAX_DELETIONS`] deleted.
    fn bound_transactions(&self, request: &HeaderMap, response: &mut HeaderMap, now: SystemTime) {
        let mut existing: Vec<(u64, &str)> = Vec::new();
        for (name, value) in cookies::request_cookies(request) {
            if existing.len() == MAX_EXAMINED {
                break;
            }
            if !self.inner.names.is_transaction(name) || existing.iter().any(|(_, n)| *n == name) {
                continue;
            }
            let started = self
                .open_transaction(name, value, now)
                .map_or(0, |t| unix_seconds(t.pending.started_at()) + 1);
            existing.push((started, name));
        }
        if existing.len() < MAX_TRANSACTIONS {
            return;
        }
        existing.sort_unstable();
        let excess = (existing.len() + 1 - MAX_TRANSACTIONS).min(cookies::MAX_DELETIONS);
        for (_, name) in &existing[..excess] {
            self.inner.transaction_scope.delete(response, name);
        }
    }

    fn open_transaction(&self, name: &str, value: &str, now: SystemTime) -> Option<Transaction> {
        let payload = self.inner.transactions.open(name, value, now).ok()?;
        serde_json::from_slice(&payload).ok()
    }

    /// The transaction of a callback's `state`, taken: its cookie is deleted and it is
    /// marked taken, so a replay of the callback finds nothing.
    pub(crate) fn take_transaction(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        state: &str,
        now: SystemTime,
    ) -> Result<Transaction, Untaken> {
        let cookies = cookies::request_cookies(request);
        for tag in self.inner.state_tags.tags(state.as_bytes()) {
            let tag = short(&tag);
            let name = self.inner.names.transaction(&tag);
            let found = cookies
                .iter()
                .filter(|(n, _)| *n == name)
                .take(doorman_seal::MAX_CANDIDATES)
                .find_map(|(_, value)| {
                    self.open_transaction(&name, value, now)
                        .filter(|t| t.pending.has_state(state))
                });
            let Some(transaction) = found else {
                continue;
            };
            let started = unix_seconds(transaction.pending.started_at());
            self.inner.transaction_scope.delete(response, &name);
            return if self
                .inner
                .consumed_states
                .take(tag, started, unix_seconds(now))
            {
                Ok(transaction)
            } else {
                Err(Untaken::Replayed)
            };
        }
        Err(Untaken::Unknown)
    }
}

impl Auth {
    /// Whether no replica has taken the transaction of `state` before: with shared state,
    /// its keyed hash is recorded in Redis for the transaction's lifetime, so that a callback
    /// replayed to another replica is refused before any provider call. Redis unreachable:
    /// this replica's record alone decides, logged.
    pub(crate) async fn first_callback(&self, state: &str) -> bool {
        let Some(shared) = &self.inner.shared else {
            return true;
        };
        let tag = self.inner.state_tags.tag(state.as_bytes());
        let name = format!("state:{}", crate::shared_state::hex(&tag[..16]));
        match shared.set_new(&name, "1", TRANSACTION_LIFETIME).await {
            Ok(first) => first,
            Err(why) => {
                tracing::warn!(%why, "the taken logins in Redis are unreachable: a callback is checked against this replica's only");
                true
            }
        }
    }
}

//! The login-failure cookie: sealed when a login fails, on the response that takes the user
//! back, and read on the page they land on, which shows it once (the layer then deletes it).
//!
//! # Invariants
//! - It holds a [`LoginFailure`] and nothing else: a fixed kind, the provider's name, and
//!   the provider's own text only sanitised and behind an accessor marked untrusted.
//! - It is sealed (with the transactions' key, under its own name), so a planted cookie of
//!   its name does not open and is never shown; the first cookie of the name that opens wins.

use std::time::SystemTime;

use http::HeaderMap;

use crate::auth::{Auth, random};
use crate::cookies::{ERROR_LIFETIME, PageCookies};
use crate::error::LoginFailure;

impl Auth {
    /// Appends the `Set-Cookie` of the login-failure cookie holding `failure`. Nothing when
    /// no random nonce could be drawn: the failure then reaches only the log.
    pub(crate) fn set_failure(
        &self,
        response: &mut HeaderMap,
        failure: &LoginFailure,
        now: SystemTime,
    ) {
        let name = self.inner.names.error.as_str();
        let payload = serde_json::to_vec(failure).unwrap_or_default();
        if let Some(nonce) = random()
            && let Ok(value) =
                self.inner
                    .transactions
                    .seal(name, &payload, now + ERROR_LIFETIME, now, nonce)
        {
            self.inner.scope.set(response, name, &value, ERROR_LIFETIME);
        }
    }

    /// The login failure among a request's cookies of ours, if one opens.
    pub(crate) fn failure(
        &self,
        cookies: &PageCookies<'_>,
        now: SystemTime,
    ) -> Option<LoginFailure> {
        let PageCookies::Several(cookies) = cookies else {
            return None;
        };
        let name = self.inner.names.error.as_str();
        cookies
            .iter()
            .filter(|(n, _)| *n == name)
            .take(doorman_seal::MAX_CANDIDATES)
            .find_map(|(_, value)| {
                let payload = self.inner.transactions.open(name, value, now).ok()?;
                serde_json::from_slice(&payload).ok()
            })
    }
}

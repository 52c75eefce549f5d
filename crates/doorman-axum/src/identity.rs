//! The identity cookie: setting it at login, finding its session on a request (from the
//! memo of opened cookies, or opened and remembered), and the session's logout token.
//!
//! # Invariants
//! - Several cookies of the identity cookie's name (one planted by a sibling domain over
//!   http): each candidate value is tried and the first that opens is used.
//! - A session is written only when it will read back: over [`doorman_user::MAX_SESSION_LEN`]
//!   or too large for [`doorman_seal::MAX_CHUNKS`] cookies, the login fails visibly.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_user::Session;
use http::HeaderMap;

use crate::auth::{Auth, random, unix_seconds};
use crate::cookies;
use crate::error::LoginFailure;

impl Auth {
    pub(crate) fn session(&self, headers: &HeaderMap) -> Option<Arc<Session>> {
        self.session_in(&cookies::request_cookies(headers))
    }

    /// The session of the identity cookie `sealed`, if this process opened it before and it
    /// has not expired: no parsing, no decryption.
    pub(crate) fn cached_session(&self, sealed: &[u8]) -> Option<Arc<Session>> {
        self.inner.sessions.get(sealed, SystemTime::now())
    }

    /// The session in a request's parsed cookies: from the cache of opened cookies, or
    /// opened and then remembered. The first candidate value that opens wins.
    pub(crate) fn session_in(&self, cookies: &[(&str, &str)]) -> Option<Arc<Session>> {
        let now = SystemTime::now();
        let name = self.inner.names.identity.as_str();
        doorman_seal::candidates(name, cookies)
            .into_iter()
            .find_map(|sealed| {
                if let Some(session) = self.inner.sessions.get(sealed.as_bytes(), now) {
                    return Some(session);
                }
                let opened = self
                    .inner
                    .identity
                    .open_with_expiry(name, &sealed, now)
                    .ok()?;
                let session = Arc::new(Session::from_bytes(&opened.payload).ok()?);
                self.inner.sessions.insert(
                    sealed.as_bytes(),
                    Arc::clone(&session),
                    opened.expires_at,
                );
                Some(session)
            })
    }

    /// Seals the session into the identity cookie (chunked when large), deleting chunks of
    /// an earlier, larger value.
    ///
    /// # Errors
    /// The [`LoginFailure`] to show when the session cannot be kept.
    pub(crate) fn set_identity(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        session: &Session,
        now: SystemTime,
    ) -> Result<(), LoginFailure> {
        let name = self.inner.names.identity.as_str();
        // Whole seconds, as the seal stores the expiry: the browser's Max-Age ends with it.
        let lifetime = Duration::from_secs(
            unix_seconds(session.expires_at()).saturating_sub(unix_seconds(now)),
        );
        let too_large = |why: &dyn std::fmt::Display| {
            tracing::error!(%why, "the session is too large; reduce the claims or exposed tokens");
            LoginFailure::SessionTooLarge
        };
        let payload = session.to_bytes().map_err(|e| too_large(&e))?;
        let nonce = random().ok_or_else(|| {
            tracing::error!("the system random generator failed");
            LoginFailure::Internal
        })?;
        let sealed = self
            .inner
            .identity
            .seal(name, &payload, session.expires_at(), now, nonce)
            .map_err(|e| match e {
                doorman_seal::SealError::AlreadyExpired => {
                    // `bounded_by_id_token` with an ID token at the end of its life (within
                    // the verification leeway), or a cookie lifetime of zero.
                    tracing::warn!(
                        "the session would end before it starts: the ID token expires now"
                    );
                    LoginFailure::Rejected {
                        provider: session.provider().to_owned(),
                    }
                }
                other => too_large(&other),
            })?;
        let parts = doorman_seal::split(name, &sealed, self.inner.scope.attributes_len(lifetime))
            .map_err(|e| too_large(&e))?;
        let header_len = doorman_seal::cookie_header_len(&parts);
        if header_len > doorman_seal::PROXY_HEADER_BUDGET / 2 {
            tracing::warn!(
                bytes = header_len,
                "the identity cookie is large; proxies often refuse Cookie headers over 8 KiB"
            );
        }
        let mut stale: Vec<&str> = cookies::request_cookies(request)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| self.inner.names.is_identity(n) && !parts.iter().any(|(p, _)| p == n))
            .collect();
        stale.sort_unstable();
        stale.dedup();
        for stale in stale.into_iter().take(cookies::MAX_DELETIONS) {
            self.inner.scope.delete(response, stale);
        }
        for (name, value) in &parts {
            self.inner.scope.set(response, name, value, lifetime);
        }
        Ok(())
    }

    /// The token the logout form of `session` carries: a keyed hash of who logged in,
    /// with which provider, and when, so a page of another site cannot know it.
    pub(crate) fn logout_token(&self, session: &Session) -> String {
        URL_SAFE_NO_PAD.encode(self.inner.logout_tags.tag(&logout_token_input(session)))
    }

    /// Whether `token` is `session`'s logout token (under the current or a previous secret).
    pub(crate) fn is_logout_token(&self, session: &Session, token: &str) -> bool {
        URL_SAFE_NO_PAD.decode(token).is_ok_and(|tag| {
            self.inner
                .logout_tags
                .verify(&logout_token_input(session), &tag)
        })
    }
}

fn logout_token_input(session: &Session) -> Vec<u8> {
    let sub = session
        .claims()
        .get("sub")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    format!(
        "{}\0{sub}\0{}",
        session.provider(),
        unix_seconds(session.login_at())
    )
    .into_bytes()
}

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
use crate::cookies::{self, PageCookies};
use crate::error::LoginFailure;

impl Auth {
    /// The session of a request's cookies of ours, if the identity cookie opens: from the
    /// memo of opened cookies, or opened and remembered. One memo probe per candidate value;
    /// several cookies of the name are tried in order, the first that opens winning.
    pub(crate) fn session(
        &self,
        cookies: &PageCookies<'_>,
        now: SystemTime,
    ) -> Option<Arc<Session>> {
        let name = self.inner.names.identity.as_str();
        match cookies {
            PageCookies::Nothing => None,
            PageCookies::Identity(value) => {
                if let Some(session) = self.inner.sessions.get(value, now) {
                    return Some(session);
                }
                // A miss: opened as `candidates` takes a lone cookie (the value itself,
                // unless it claims to be the first of several chunks), with no second probe.
                let value = std::str::from_utf8(value).ok()?;
                let sealed = doorman_seal::join(name, [(name, value)]).ok()??;
                self.open_and_remember(&sealed, now)
            }
            PageCookies::Several(cookies) => doorman_seal::candidates(name, cookies)
                .into_iter()
                .find_map(|sealed| {
                    self.inner
                        .sessions
                        .get(sealed.as_bytes(), now)
                        .or_else(|| self.open_and_remember(&sealed, now))
                }),
        }
    }

    /// Opens the sealed value of the identity cookie into its session, and remembers it in
    /// the memo of opened cookies.
    fn open_and_remember(&self, sealed: &str, now: SystemTime) -> Option<Arc<Session>> {
        let name = self.inner.names.identity.as_str();
        let opened = self
            .inner
            .identity
            .open_with_expiry(name, sealed, now)
            .ok()?;
        let session = Arc::new(Session::from_bytes(&opened.payload).ok()?);
        self.inner
            .sessions
            .insert(sealed.as_bytes(), Arc::clone(&session), opened.expires_at);
        Some(session)
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
                    // `bound_to_id_token` with an ID token at the end of its life (within
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

    /// `Set-Cookie`s that delete the identity cookie and each of its chunks the request
    /// carries (at most [`cookies::MAX_DELETIONS`]).
    pub(crate) fn delete_identity(&self, request: &HeaderMap) -> HeaderMap {
        let mut names: Vec<&str> = cookies::request_cookies(request)
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| self.inner.names.is_identity(name))
            .collect();
        names.sort_unstable();
        names.dedup();
        let mut headers = HeaderMap::new();
        for name in names.into_iter().take(cookies::MAX_DELETIONS) {
            self.inner.scope.delete(&mut headers, name);
        }
        headers
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

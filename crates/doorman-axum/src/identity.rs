//! The identity cookie: setting it at login, finding its session on a request (from the
//! memo of opened cookies, or opened and remembered; with a session store, the session it
//! names from this replica's memo or Redis), and the session's logout token.
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
use crate::revocations::Key;
use crate::session_store::{Found, StoreError, StoredSessions};
use crate::shared_state::Event;

/// What a request's identity cookie finds without waiting.
pub(crate) enum Lookup {
    /// Its session.
    Found(Arc<Session>),
    /// No session: no cookie of ours, one that does not open, or a stored session gone.
    Nothing,
    /// A stored session this replica has never seen: fetch it, then look again.
    Unseen(Key),
}

impl Auth {
    /// The session of a request's cookies of ours, if the identity cookie opens: found by
    /// [`Auth::lookup`], a stored session this replica has not seen fetched first (Redis
    /// unreachable: none).
    pub(crate) async fn session_fetched(
        &self,
        cookies: &PageCookies<'_>,
        now: SystemTime,
    ) -> Option<Arc<Session>> {
        let mut lookup = self.lookup(cookies, now);
        if let Lookup::Unseen(key) = lookup {
            self.fetch_stored(key, now).await;
            lookup = self.lookup(cookies, now);
        }
        match lookup {
            Lookup::Found(session) => Some(session),
            Lookup::Nothing | Lookup::Unseen(_) => None,
        }
    }

    /// What a request's cookies of ours find: from the memo of opened cookies, or opened
    /// and remembered. One memo probe per candidate value; several cookies of the name are
    /// tried in order, the first that opens winning.
    pub(crate) fn lookup(&self, cookies: &PageCookies<'_>, now: SystemTime) -> Lookup {
        let name = self.inner.names.identity.as_str();
        match cookies {
            PageCookies::Nothing => Lookup::Nothing,
            PageCookies::Identity(value) => {
                if let Some(store) = &self.inner.store {
                    return self.stored(store, value, now).unwrap_or(Lookup::Nothing);
                }
                if let Some(session) = self.inner.sessions.get(value, now) {
                    return Lookup::Found(session);
                }
                // A miss: opened as `candidates` takes a lone cookie (the value itself,
                // unless it claims to be the first of several chunks), with no second probe.
                let Ok(value) = std::str::from_utf8(value) else {
                    return Lookup::Nothing;
                };
                match doorman_seal::join(name, [(name, value)]) {
                    Ok(Some(sealed)) => self
                        .open_and_remember(&sealed, now)
                        .map_or(Lookup::Nothing, Lookup::Found),
                    _ => Lookup::Nothing,
                }
            }
            PageCookies::Several(cookies) => doorman_seal::candidates(name, cookies)
                .into_iter()
                .find_map(|sealed| match &self.inner.store {
                    Some(store) => self.stored(store, sealed.as_bytes(), now),
                    None => self
                        .inner
                        .sessions
                        .get(sealed.as_bytes(), now)
                        .or_else(|| self.open_and_remember(&sealed, now))
                        .map(Lookup::Found),
                })
                .unwrap_or(Lookup::Nothing),
        }
    }

    /// What a reference cookie's `value` finds in the session store's memos; `None` when it
    /// does not open.
    fn stored(&self, store: &StoredSessions, value: &[u8], now: SystemTime) -> Option<Lookup> {
        let key = match store.opened.get(value, now) {
            Some(key) => key,
            None => {
                let name = self.inner.names.identity.as_str();
                let text = std::str::from_utf8(value).ok()?;
                let (key, expires_at) = store.open_reference(name, text, now)?;
                store.opened.insert(value, key, expires_at);
                key
            }
        };
        Some(match store.find(key, now) {
            Found::Session(session) => Lookup::Found(session),
            Found::Gone => Lookup::Nothing,
            Found::Unseen(key) => Lookup::Unseen(key),
        })
    }

    /// Reads the stored session at `key` from Redis into this replica's memo: the session,
    /// or that it is gone. Redis unreachable: nothing is remembered, so the request reads as
    /// logged out and a later one asks again.
    pub(crate) async fn fetch_stored(&self, key: Key, now: SystemTime) {
        let (Some(store), Some(shared)) = (&self.inner.store, &self.inner.shared) else {
            return;
        };
        match shared.get(&StoredSessions::body_name(key)).await {
            Ok(body) => {
                let session = body
                    .and_then(|sealed| store.open_body(key, &sealed, now))
                    .map(Arc::new);
                store.remember(key, session);
            }
            Err(why) => {
                tracing::warn!(%why, "a session could not be read from the session store; the request reads as logged out");
            }
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

    /// Keeps a new session: in the identity cookie, or in the session store with a reference
    /// in the cookie.
    ///
    /// # Errors
    /// The [`LoginFailure`] to show when the session cannot be kept.
    pub(crate) async fn keep_session(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        session: &Arc<Session>,
        now: SystemTime,
    ) -> Result<(), LoginFailure> {
        let Some(store) = &self.inner.store else {
            return self.set_identity(request, response, session, now);
        };
        let Some(id) = session.id() else {
            tracing::error!("a session without an id cannot be stored");
            return Err(LoginFailure::Internal);
        };
        let key = store.key_of(id);
        self.store_session(key, session, now).await.map_err(|why| {
            tracing::error!(%why, "the session could not be stored; the login fails");
            LoginFailure::Internal
        })?;
        let name = self.inner.names.identity.as_str();
        let nonce = random().ok_or_else(|| {
            tracing::error!("the system random generator failed");
            LoginFailure::Internal
        })?;
        let sealed = store
            .reference(name, id, session.expires_at(), now, nonce)
            .map_err(|e| self.unsealable(session, e))?;
        self.write_identity(request, response, &sealed, session.expires_at(), now)
    }

    /// Writes `session` to the session store at `key` and remembers it here. A new session
    /// is news to no one; a refresh tells the other replicas itself
    /// ([`crate::refresh_lock`]).
    pub(crate) async fn store_session(
        &self,
        key: Key,
        session: &Arc<Session>,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let (Some(store), Some(shared)) = (&self.inner.store, &self.inner.shared) else {
            return Ok(());
        };
        let (sealed, ttl) = store
            .seal_body(key, session, now)
            .map_err(StoreError::Seal)?;
        shared
            .set(&StoredSessions::body_name(key), &sealed, ttl)
            .await
            .map_err(StoreError::Unreachable)?;
        store.remember(key, Some(Arc::clone(session)));
        Ok(())
    }

    /// Deletes `session` from the session store (a logout): every replica finds it gone.
    /// Redis unreachable: gone here, logged, and the others may serve it until Redis is back.
    pub(crate) async fn drop_stored(&self, session: &Session) {
        let (Some(store), Some(shared), Some(id)) =
            (&self.inner.store, &self.inner.shared, session.id())
        else {
            return;
        };
        let key = store.key_of(id);
        store.remember(key, None);
        let deleted = shared.delete(&StoredSessions::body_name(key)).await;
        if let Err(why) = deleted.and(shared.publish(&Event::SessionChanged(key)).await) {
            tracing::error!(%why, "a logged-out session could not be deleted from the session store: other replicas may serve it until Redis is back");
        }
    }

    /// The failure of a session that cannot be sealed.
    fn unsealable(&self, session: &Session, error: doorman_seal::SealError) -> LoginFailure {
        match error {
            doorman_seal::SealError::AlreadyExpired => {
                // `bound_to_id_token` with an ID token at the end of its life (within
                // the verification leeway), or a cookie lifetime of zero.
                tracing::warn!("the session would end before it starts: the ID token expires now");
                LoginFailure::Rejected {
                    provider: session.provider().to_owned(),
                }
            }
            other => {
                tracing::error!(why = %other, "the session is too large; reduce the claims or exposed tokens");
                LoginFailure::SessionTooLarge
            }
        }
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
            .map_err(|e| self.unsealable(session, e))?;
        self.write_identity(request, response, &sealed, session.expires_at(), now)
    }

    /// Writes `sealed` into the identity cookie until `expires_at` (chunked when large),
    /// deleting chunks of an earlier, larger value.
    fn write_identity(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        sealed: &str,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<(), LoginFailure> {
        let name = self.inner.names.identity.as_str();
        // Whole seconds, as the seal stores the expiry: the browser's Max-Age ends with it.
        let lifetime =
            Duration::from_secs(unix_seconds(expires_at).saturating_sub(unix_seconds(now)));
        let too_large = |why: &dyn std::fmt::Display| {
            tracing::error!(%why, "the session is too large; reduce the claims or exposed tokens");
            LoginFailure::SessionTooLarge
        };
        let parts = doorman_seal::split(name, sealed, self.inner.scope.attributes_len(lifetime))
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

//! [`StoredSessions`]: sessions kept in Redis (`session_store = "redis"`), the identity cookie
//! holding only a sealed reference, so that it stays small whatever the claims.
//!
//! - **The cookie** is the session's id, sealed under its own purpose
//!   ([`doorman_seal::Purpose::SessionReference`]): unforgeable, so a guessed id is useless.
//! - **The body** is the session sealed under a key derived from `cookie_secret`
//!   ([`doorman_seal::Purpose::StoredSession`]), bound to its key's name, at
//!   `session:HASH` where `HASH` is a keyed hash of the id: a dump of Redis reveals neither
//!   the sessions nor their ids. It expires with the session.
//! - **The hot path** makes no Redis call once this replica has seen a session: the
//!   reference cookie is memoized as in cookie mode ([`crate::session_cache`]), and the
//!   body in a bounded local memo by key, dropped when another replica publishes that the
//!   session changed (a refresh) or ended (a logout). A replica that has never seen a
//!   session fetches it once; a session known gone is remembered as gone.
//!
//! # Invariants
//! - A body is used only if it opens under the key of its name and its sealed expiry is
//!   after now; anything else in Redis reads as no session.
//! - Redis unreachable: sessions in the memo are served; the others read as logged out,
//!   logged, and not remembered as gone, so they come back with Redis.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use doorman_seal::{Purpose, SealError, Sealer, Tagger};
use doorman_user::Session;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::auth::{random, unix_seconds};
use crate::revocations::Key;
use crate::session_cache::SessionCache;
use crate::shared_state::Unreachable;

/// Bytes counted for each body in the memo on top of the session.
const ENTRY_OVERHEAD: u64 = 128;

/// What the memo knows of a stored session.
type Known = Option<Arc<Session>>;

#[derive(Clone)]
struct ByWeight;

impl Weighter<Key, Known> for ByWeight {
    fn weight(&self, _key: &Key, known: &Known) -> u64 {
        let bytes = known.as_ref().map_or(0, |session| session.memory_size());
        u64::try_from(bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(ENTRY_OVERHEAD)
    }
}

/// What a request's reference finds in this replica's memo.
pub(crate) enum Found {
    /// The session.
    Session(Arc<Session>),
    /// The session is gone (logged out, expired): no session.
    Gone,
    /// Never seen here: fetch it ([`crate::Auth::fetch_stored`]).
    Unseen(Key),
}

/// Sessions in Redis: the sealers of references and bodies, and the local memos.
pub(crate) struct StoredSessions {
    references: Sealer,
    bodies: Sealer,
    names: Tagger,
    /// Reference cookies opened, to their session's key.
    pub(crate) opened: SessionCache<Key>,
    /// Bodies read or written here, by key; `None` for a session known gone.
    known: Option<Cache<Key, Known, ByWeight>>,
}

impl StoredSessions {
    /// A store whose cookies and bodies are sealed under `secret` (the `previous` secrets
    /// still open them), its names tagged by `names`, its memos within `budget` bytes each.
    ///
    /// # Errors
    /// [`SealError::EmptySecret`] when a secret is empty.
    pub(crate) fn new(
        secret: &[u8],
        previous: &[&[u8]],
        names: Tagger,
        budget: usize,
    ) -> Result<Self, SealError> {
        let budget_bytes = u64::try_from(budget).unwrap_or(u64::MAX);
        let known = (budget_bytes > 0).then(|| {
            let estimated = usize::try_from(budget_bytes / 3072)
                .unwrap_or(usize::MAX)
                .max(1);
            Cache::with_weighter(estimated, budget_bytes, ByWeight)
        });
        Ok(Self {
            references: Sealer::new(Purpose::SessionReference, secret, previous)?,
            bodies: Sealer::new(Purpose::StoredSession, secret, previous)?,
            names,
            opened: SessionCache::new(budget),
            known,
        })
    }

    /// The key of the session with `id`: a keyed hash, so Redis never sees the id.
    pub(crate) fn key_of(&self, id: &str) -> Key {
        let tag = self.names.tag(format!("session\0{id}").as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&tag[..16]);
        Key::from_be_bytes(first)
    }

    /// The Redis name of the body at `key`.
    pub(crate) fn body_name(key: Key) -> String {
        format!("session:{key:032x}")
    }

    /// The name a body is sealed for (a cookie-like name: the seal binds it).
    fn seal_name(key: Key) -> String {
        format!("doorman-session-{key:032x}")
    }

    /// The identity cookie's sealed value for the session `id`, until `expires_at`, sealed
    /// with the fresh `nonce`.
    ///
    /// # Errors
    /// Why it cannot be sealed (already expired).
    pub(crate) fn reference(
        &self,
        cookie: &str,
        id: &str,
        expires_at: SystemTime,
        now: SystemTime,
        nonce: [u8; doorman_seal::NONCE_LEN],
    ) -> Result<String, SealError> {
        self.references
            .seal(cookie, id.as_bytes(), expires_at, now, nonce)
    }

    /// The key of the session a reference cookie's `sealed` value names, and until when the
    /// value opens; `None` for a value that does not open.
    pub(crate) fn open_reference(
        &self,
        cookie: &str,
        sealed: &str,
        now: SystemTime,
    ) -> Option<(Key, SystemTime)> {
        let opened = self.references.open_with_expiry(cookie, sealed, now).ok()?;
        let id = std::str::from_utf8(&opened.payload).ok()?;
        Some((self.key_of(id), opened.expires_at))
    }

    /// What the memo knows of the session at `key`, at `now`.
    pub(crate) fn find(&self, key: Key, now: SystemTime) -> Found {
        match self.known.as_ref().and_then(|known| known.get(&key)) {
            Some(Some(session)) if session.expires_at() > now => Found::Session(session),
            Some(_) => Found::Gone,
            None => Found::Unseen(key),
        }
    }

    /// Remembers what Redis holds at `key`.
    pub(crate) fn remember(&self, key: Key, known: Known) {
        if let Some(memo) = &self.known {
            memo.insert(key, known);
        }
    }

    /// Forgets the session at `key` (another replica changed or ended it).
    pub(crate) fn forget(&self, key: Key) {
        if let Some(memo) = &self.known {
            memo.remove(&key);
        }
    }

    /// Forgets every session (events may have been missed while Redis was away).
    pub(crate) fn forget_all(&self) {
        if let Some(memo) = &self.known {
            memo.clear();
        }
    }

    /// The sealed body of `session` at `key`, and how long Redis keeps it.
    ///
    /// # Errors
    /// Why it cannot be sealed (too large, already expired).
    pub(crate) fn seal_body(
        &self,
        key: Key,
        session: &Session,
        now: SystemTime,
    ) -> Result<(String, Duration), String> {
        let sealed = seal_session(&self.bodies, &Self::seal_name(key), session, now)?;
        let ttl = Duration::from_secs(
            unix_seconds(session.expires_at()).saturating_sub(unix_seconds(now)),
        );
        Ok((sealed, ttl))
    }

    /// The session in a body read from Redis at `key`; `None` for one that does not open,
    /// has expired or does not parse (what a dump, a restore or a stranger wrote).
    pub(crate) fn open_body(&self, key: Key, sealed: &str, now: SystemTime) -> Option<Session> {
        open_session(&self.bodies, &Self::seal_name(key), sealed, now)
    }
}

/// `session` sealed by `sealer` for `name`, until the session ends: what Redis is given of a
/// session (a stored body, a published refresh outcome).
///
/// # Errors
/// Why it cannot be sealed (too large, already expired, no randomness).
pub(crate) fn seal_session(
    sealer: &Sealer,
    name: &str,
    session: &Session,
    now: SystemTime,
) -> Result<String, String> {
    let payload = session.to_bytes().map_err(|e| e.to_string())?;
    let nonce = random().ok_or("the system random generator failed")?;
    sealer
        .seal(name, &payload, session.expires_at(), now, nonce)
        .map_err(|e| e.to_string())
}

/// The session `sealed` holds, sealed by `sealer` for `name`; `None` for anything that does
/// not open or parse.
pub(crate) fn open_session(
    sealer: &Sealer,
    name: &str,
    sealed: &str,
    now: SystemTime,
) -> Option<Session> {
    let payload = sealer.open(name, sealed, now).ok()?;
    Session::from_bytes(&payload).ok()
}

/// Why a stored session could not be read or written.
pub(crate) enum StoreError {
    /// Redis did not answer.
    Unreachable(Unreachable),
    /// The session cannot be sealed.
    Seal(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(why) => write!(f, "the session store is unreachable: {why}"),
            Self::Seal(why) => write!(f, "the session cannot be sealed: {why}"),
        }
    }
}

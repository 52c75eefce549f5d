//! [`Revocations`]: sessions ended before their cookie expires — by the user's logout (that
//! session), by "log out everywhere" (every session of the user until now), or by the
//! provider's back-channel logout (the sessions of a provider session `sid`, or of a user) —
//! and the back-channel logout tokens already used (their `jti`), so none is replayed.
//!
//! A cookie-mode session lives in its cookie, so a revocation is a list every request is
//! checked against. The list is this process's: a revocation reaches the other replicas only
//! with shared state (a later issue). Each entry lasts as long as a cookie sealed before it
//! could (the longest `cookie_lifetime` of the providers), then goes. The hot path reads one
//! flag while the list is empty, and after the first revocation looks entries up under a read
//! lock by a 128-bit keyed hash of their parts, without allocating.
//!
//! # Bounds
//! At most [`MAX_ENTRIES`] entries of each kind; expired ones go first, and a revocation that
//! still finds no room is refused (the caller says so) rather than silently dropped.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use doorman_user::Session;

use crate::auth::unix_seconds;

/// The most entries of each kind.
pub(crate) const MAX_ENTRIES: usize = 65_536;

/// The list is full of live entries: the revocation was not recorded.
#[derive(Debug)]
pub(crate) struct Full;

/// Revoked sessions, users and provider sessions, and used logout tokens.
#[derive(Debug)]
pub(crate) struct Revocations {
    /// Whether any session, user or provider session is revoked: all the hot path reads
    /// while none is.
    active: AtomicBool,
    /// How long an entry lasts: as long as a cookie sealed before it could.
    horizon: Duration,
    /// Two randomly keyed hashers: an entry's key is both its hashes.
    hashers: [std::hash::RandomState; 2],
    lists: RwLock<Lists>,
}

/// An entry's key: a 128-bit keyed hash of its parts.
type Key = u128;

#[derive(Debug, Default)]
struct Lists {
    /// One session, by `provider \0 sub \0 id`: until when.
    sessions: HashMap<Key, SystemTime>,
    /// Every session of a user, by `provider \0 sub`: those that began at or before the first
    /// time, until the second.
    users: HashMap<Key, (SystemTime, SystemTime)>,
    /// The sessions of a provider session, by `provider \0 sid`: until when.
    provider_sessions: HashMap<Key, SystemTime>,
    /// Logout tokens used, by `provider \0 jti`: until when they could be replayed.
    used_tokens: HashMap<Key, SystemTime>,
}

/// Inserts `key` → `value` into `map`, first dropping what expired (`until` reads an entry's
/// end); refuses when the map is full of live entries.
fn insert<V>(
    map: &mut HashMap<Key, V>,
    key: Key,
    value: V,
    now: SystemTime,
    until: impl Fn(&V) -> SystemTime,
) -> Result<(), Full> {
    if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
        map.retain(|_, v| until(v) > now);
        if map.len() >= MAX_ENTRIES {
            return Err(Full);
        }
    }
    map.insert(key, value);
    Ok(())
}

impl Revocations {
    /// An empty list whose entries last `horizon`.
    pub(crate) fn new(horizon: Duration) -> Self {
        Self {
            active: AtomicBool::new(false),
            horizon,
            hashers: [std::hash::RandomState::new(), std::hash::RandomState::new()],
            lists: RwLock::new(Lists::default()),
        }
    }

    /// The key of an entry named by `parts` (each hashed with its length, so no two lists of
    /// parts run together).
    fn key(&self, parts: &[&[u8]]) -> Key {
        let [first, second] = self.hashers.each_ref().map(|hasher| {
            let mut state = hasher.build_hasher();
            for part in parts {
                state.write_usize(part.len());
                state.write(part);
            }
            state.finish()
        });
        (u128::from(first) << 64) | u128::from(second)
    }

    /// One session's key: its provider, user and id (a session sealed before ids were given
    /// is named by its login second instead).
    fn session_key(&self, session: &Session, sub: &str) -> Key {
        let provider = session.provider().as_bytes();
        match session.id() {
            Some(id) => self.key(&[provider, sub.as_bytes(), id.as_bytes()]),
            None => {
                let login = unix_seconds(session.login_at()).to_be_bytes();
                self.key(&[provider, sub.as_bytes(), b"login", &login])
            }
        }
    }

    /// Whether `session` was revoked at `now`.
    #[inline]
    pub(crate) fn is_revoked(&self, session: &Session, now: SystemTime) -> bool {
        self.active.load(Ordering::Acquire) && self.lookup(session, now)
    }

    fn lookup(&self, session: &Session, now: SystemTime) -> bool {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        let provider = session.provider();
        let claim = |name| session.claims().get(name).and_then(|v| v.as_str());
        let live = |until: Option<&SystemTime>| until.is_some_and(|until| *until > now);
        if let Some(sub) = claim("sub") {
            if live(lists.sessions.get(&self.session_key(session, sub))) {
                return true;
            }
            if let Some((not_before, until)) = lists
                .users
                .get(&self.key(&[provider.as_bytes(), sub.as_bytes()]))
                && *until > now
                && session.login_at() <= *not_before
            {
                return true;
            }
        }
        claim("sid").is_some_and(|sid| {
            live(
                lists
                    .provider_sessions
                    .get(&self.key(&[provider.as_bytes(), sid.as_bytes()])),
            )
        })
    }

    /// Ends `session` (its user's logout), at `now`.
    pub(crate) fn revoke_session(&self, session: &Session, now: SystemTime) -> Result<(), Full> {
        let Some(sub) = session.claims().get("sub").and_then(|v| v.as_str()) else {
            return Ok(());
        };
        let until = now + self.horizon;
        let key = self.session_key(session, sub);
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        insert(&mut lists.sessions, key, until, now, |v| *v)?;
        self.active.store(true, Ordering::Release);
        Ok(())
    }

    /// Ends every session of `sub` at `provider` that began at or before `now`.
    pub(crate) fn revoke_user(
        &self,
        provider: &str,
        sub: &str,
        now: SystemTime,
    ) -> Result<(), Full> {
        let until = now + self.horizon;
        let key = self.key(&[provider.as_bytes(), sub.as_bytes()]);
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        insert(&mut lists.users, key, (now, until), now, |v| v.1)?;
        self.active.store(true, Ordering::Release);
        Ok(())
    }

    /// Ends the sessions of the provider session `sid` at `provider`.
    pub(crate) fn revoke_provider_session(
        &self,
        provider: &str,
        sid: &str,
        now: SystemTime,
    ) -> Result<(), Full> {
        let until = now + self.horizon;
        let key = self.key(&[provider.as_bytes(), sid.as_bytes()]);
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        insert(&mut lists.provider_sessions, key, until, now, |v| *v)?;
        self.active.store(true, Ordering::Release);
        Ok(())
    }

    /// Whether the logout token `jti` of `provider` was used before (and could still be
    /// replayed at `now`).
    pub(crate) fn was_used(&self, provider: &str, jti: &str, now: SystemTime) -> bool {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        lists
            .used_tokens
            .get(&self.key(&[provider.as_bytes(), jti.as_bytes()]))
            .is_some_and(|until| *until > now)
    }

    /// Records the logout token `jti` of `provider` as used until `until`.
    pub(crate) fn record_use(
        &self,
        provider: &str,
        jti: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<(), Full> {
        let key = self.key(&[provider.as_bytes(), jti.as_bytes()]);
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        insert(&mut lists.used_tokens, key, until, now, |v| *v)
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use doorman_user::ExposedTokens;
    use serde_json::{Map, Value, json};

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn session(sub: &str, sid: &str, login: u64) -> Session {
        let Value::Object(claims) = json!({"sub": sub, "sid": sid}) else {
            unreachable!()
        };
        Session::new(
            "dev",
            claims,
            ExposedTokens::default(),
            at(login),
            at(login + 10_000),
            None,
        )
    }

    #[test]
    fn nothing_is_revoked_until_something_is() {
        let list = Revocations::new(Duration::from_secs(1_000));
        assert!(!list.is_revoked(&session("ada", "s1", 100), at(200)));
        assert!(!list.active.load(Ordering::Acquire));
    }

    #[test]
    fn each_kind_revokes_what_it_names_and_nothing_else() {
        let list = Revocations::new(Duration::from_secs(1_000));
        let ada_1 = session("ada", "s1", 100);
        let ada_2 = session("ada", "s2", 150);
        let bob = session("bob", "s3", 100);
        list.revoke_session(&ada_1, at(200)).expect("room");
        assert!(list.is_revoked(&ada_1, at(201)));
        assert!(
            !list.is_revoked(&ada_2, at(201)),
            "another session of the user"
        );
        assert!(!list.is_revoked(&bob, at(201)));

        let list = Revocations::new(Duration::from_secs(1_000));
        list.revoke_provider_session("dev", "s2", at(200))
            .expect("room");
        assert!(list.is_revoked(&ada_2, at(201)));
        assert!(!list.is_revoked(&ada_1, at(201)));
        let mut other_provider = Map::new();
        other_provider.insert("sid".into(), json!("s2"));
        let elsewhere = Session::new(
            "okta",
            other_provider,
            ExposedTokens::default(),
            at(150),
            at(9_000),
            None,
        );
        assert!(
            !list.is_revoked(&elsewhere, at(201)),
            "the same sid at another provider"
        );

        let list = Revocations::new(Duration::from_secs(1_000));
        list.revoke_user("dev", "ada", at(200)).expect("room");
        assert!(list.is_revoked(&ada_1, at(201)));
        assert!(list.is_revoked(&ada_2, at(201)));
        assert!(!list.is_revoked(&bob, at(201)));
        assert!(
            !list.is_revoked(&session("ada", "s4", 300), at(301)),
            "a login after the revocation"
        );
    }

    #[test]
    fn two_logins_in_one_second_are_two_sessions() {
        let list = Revocations::new(Duration::from_secs(1_000));
        let first = session("ada", "s1", 100).with_id("first");
        let second = session("ada", "s1", 100).with_id("second");
        list.revoke_session(&first, at(100)).expect("room");
        assert!(list.is_revoked(&first, at(100)));
        assert!(!list.is_revoked(&second, at(100)));
    }

    #[test]
    fn entries_end_with_the_horizon() {
        let list = Revocations::new(Duration::from_secs(100));
        let ada = session("ada", "s1", 100);
        list.revoke_session(&ada, at(200)).expect("room");
        assert!(list.is_revoked(&ada, at(299)));
        assert!(!list.is_revoked(&ada, at(300)));
    }

    #[test]
    fn a_logout_token_is_used_once() {
        let list = Revocations::new(Duration::from_secs(100));
        assert!(!list.was_used("dev", "jti-1", at(100)));
        list.record_use("dev", "jti-1", at(500), at(100))
            .expect("room");
        assert!(list.was_used("dev", "jti-1", at(200)), "a replay");
        assert!(
            !list.was_used("okta", "jti-1", at(200)),
            "another provider's"
        );
        assert!(
            !list.was_used("dev", "jti-1", at(500)),
            "remembered until its end only"
        );
    }

    #[test]
    fn a_full_list_refuses_rather_than_forgets() {
        let list = Revocations::new(Duration::from_secs(1_000));
        for i in 0..MAX_ENTRIES {
            list.revoke_user("dev", &i.to_string(), at(100))
                .expect("room");
        }
        assert!(list.revoke_user("dev", "one-more", at(200)).is_err());
        assert!(
            list.revoke_user("dev", "one-more", at(1_100)).is_ok(),
            "after the old ones end"
        );
    }
}

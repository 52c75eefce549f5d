//! [`Revocations`]: sessions ended before their cookie expires — by the user's logout (that
//! session), by "log out everywhere" (every session of the user until now), or by the
//! provider's back-channel logout (the sessions of a provider session `sid`, or of a user) —
//! and the back-channel logout tokens already used (their `jti`), so none is replayed.
//!
//! A cookie-mode session lives in its cookie, so a revocation is a list every request is
//! checked against. This is each process's copy of the list; with shared state
//! ([`crate::shared_state`]) every revocation is also written to Redis and published, and
//! each replica applies the others' ([`Revocations::apply`]). Each entry lasts as long as a
//! cookie sealed before it could (the longest `cookie_lifetime` of the providers), then goes.
//! The hot path reads one flag while the list is empty, and after the first revocation looks
//! entries up under a read lock by a 128-bit keyed hash of their parts (SipHash-1-3 under a
//! key derived from `cookie_secret`, so that every replica names an entry alike and the
//! store holds no `sub` or `sid`), without allocating.
//!
//! # Bounds
//! At most [`MAX_ENTRIES`] entries of each kind; expired ones go first, and a revocation that
//! still finds no room is refused (the caller says so) rather than silently dropped.

use std::collections::HashMap;
use std::hash::Hasher as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use doorman_user::Session;
use siphasher::sip128::{Hasher128 as _, SipHasher13};

use crate::auth::unix_seconds;

/// The most entries of each kind.
pub(crate) const MAX_ENTRIES: usize = 65_536;

/// The list is full of live entries: the revocation was not recorded.
#[derive(Debug)]
pub(crate) struct Full;

/// An entry's key: a 128-bit keyed hash of its parts.
pub(crate) type Key = u128;

/// What one revocation ends, by the keyed hashes of its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Revoked {
    /// One session, by `provider \0 sub \0 id`.
    Session(Key),
    /// Every session of a user (by `provider \0 sub`) that began at or before `not_before`.
    User {
        /// The user's key.
        key: Key,
        /// The latest login ended.
        not_before: SystemTime,
    },
    /// The sessions of a provider session, by `provider \0 sid`.
    ProviderSession(Key),
}

/// A revocation as recorded, and as shared with the other replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Revocation {
    /// What it ends.
    pub(crate) revoked: Revoked,
    /// Until when it must be remembered.
    pub(crate) until: SystemTime,
}

/// Revoked sessions, users and provider sessions, and used logout tokens.
#[derive(Debug)]
pub(crate) struct Revocations {
    /// Whether any session, user or provider session is revoked: all the hot path reads
    /// while none is.
    active: AtomicBool,
    /// How long an entry lasts: as long as a cookie sealed before it could.
    horizon: Duration,
    /// The key of entries' hashes.
    hash_key: [u8; 16],
    lists: RwLock<Lists>,
}

#[derive(Debug, Default)]
struct Lists {
    /// One session: until when.
    sessions: HashMap<Key, SystemTime>,
    /// Every session of a user: those that began at or before the first time, until the
    /// second.
    users: HashMap<Key, (SystemTime, SystemTime)>,
    /// The sessions of a provider session: until when.
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
    /// An empty list whose entries last `horizon`, hashed under `hash_key` (the same on
    /// every replica that shares the list).
    pub(crate) fn new(horizon: Duration, hash_key: [u8; 16]) -> Self {
        Self {
            active: AtomicBool::new(false),
            horizon,
            hash_key,
            lists: RwLock::new(Lists::default()),
        }
    }

    /// The key of an entry named by `parts` (each hashed with its length, so no two lists of
    /// parts run together).
    fn key(&self, parts: &[&[u8]]) -> Key {
        let mut state = SipHasher13::new_with_key(&self.hash_key);
        for part in parts {
            state.write_usize(part.len());
            state.write(part);
        }
        state.finish128().as_u128()
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

    /// Records `revocation` (this process's, or another replica's), at `now`; one already
    /// over is ignored. A user's entry keeps the later of two `not_before`s.
    pub(crate) fn apply(&self, revocation: Revocation, now: SystemTime) -> Result<(), Full> {
        let until = revocation.until;
        if until <= now {
            return Ok(());
        }
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        match revocation.revoked {
            Revoked::Session(key) => insert(&mut lists.sessions, key, until, now, |v| *v)?,
            Revoked::User { key, not_before } => {
                let (not_before, until) = match lists.users.get(&key) {
                    Some((before, end)) => (not_before.max(*before), until.max(*end)),
                    None => (not_before, until),
                };
                insert(&mut lists.users, key, (not_before, until), now, |v| v.1)?;
            }
            Revoked::ProviderSession(key) => {
                insert(&mut lists.provider_sessions, key, until, now, |v| *v)?;
            }
        }
        self.active.store(true, Ordering::Release);
        Ok(())
    }

    /// The revocation that ends `session` (its user's logout) at `now`; `None` for a session
    /// without a `sub`, which no list could name.
    pub(crate) fn of_session(&self, session: &Session, now: SystemTime) -> Option<Revocation> {
        let sub = session.claims().get("sub").and_then(|v| v.as_str())?;
        Some(Revocation {
            revoked: Revoked::Session(self.session_key(session, sub)),
            until: now + self.horizon,
        })
    }

    /// The revocation that ends every session of `sub` at `provider` that began at or before
    /// `now`.
    pub(crate) fn of_user(&self, provider: &str, sub: &str, now: SystemTime) -> Revocation {
        Revocation {
            revoked: Revoked::User {
                key: self.key(&[provider.as_bytes(), sub.as_bytes()]),
                not_before: now,
            },
            until: now + self.horizon,
        }
    }

    /// The revocation that ends the sessions of the provider session `sid` at `provider`.
    pub(crate) fn of_provider_session(
        &self,
        provider: &str,
        sid: &str,
        now: SystemTime,
    ) -> Revocation {
        Revocation {
            revoked: Revoked::ProviderSession(self.key(&[provider.as_bytes(), sid.as_bytes()])),
            until: now + self.horizon,
        }
    }

    /// The key naming the logout token `jti` of `provider`.
    pub(crate) fn token_key(&self, provider: &str, jti: &str) -> Key {
        self.key(&[b"jti", provider.as_bytes(), jti.as_bytes()])
    }

    /// Whether the logout token named `key` was used before (and could still be replayed
    /// at `now`).
    pub(crate) fn was_used(&self, key: Key, now: SystemTime) -> bool {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        lists
            .used_tokens
            .get(&key)
            .is_some_and(|until| *until > now)
    }

    /// Records the logout token named `key` as used until `until`.
    pub(crate) fn record_use(
        &self,
        key: Key,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<(), Full> {
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

    const KEY: [u8; 16] = [7; 16];

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

    fn revoke_session(list: &Revocations, session: &Session, now: SystemTime) {
        let revocation = list.of_session(session, now).expect("a sub");
        list.apply(revocation, now).expect("room");
    }

    #[test]
    fn nothing_is_revoked_until_something_is() {
        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        assert!(!list.is_revoked(&session("ada", "s1", 100), at(200)));
        assert!(!list.active.load(Ordering::Acquire));
    }

    #[test]
    fn each_kind_revokes_what_it_names_and_nothing_else() {
        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        let ada_1 = session("ada", "s1", 100);
        let ada_2 = session("ada", "s2", 150);
        let bob = session("bob", "s3", 100);
        revoke_session(&list, &ada_1, at(200));
        assert!(list.is_revoked(&ada_1, at(201)));
        assert!(
            !list.is_revoked(&ada_2, at(201)),
            "another session of the user"
        );
        assert!(!list.is_revoked(&bob, at(201)));

        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        list.apply(list.of_provider_session("dev", "s2", at(200)), at(200))
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

        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        list.apply(list.of_user("dev", "ada", at(200)), at(200))
            .expect("room");
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
        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        let first = session("ada", "s1", 100).with_id("first");
        let second = session("ada", "s1", 100).with_id("second");
        revoke_session(&list, &first, at(100));
        assert!(list.is_revoked(&first, at(100)));
        assert!(!list.is_revoked(&second, at(100)));
    }

    #[test]
    fn entries_end_with_the_horizon() {
        let list = Revocations::new(Duration::from_secs(100), KEY);
        let ada = session("ada", "s1", 100);
        revoke_session(&list, &ada, at(200));
        assert!(list.is_revoked(&ada, at(299)));
        assert!(!list.is_revoked(&ada, at(300)));
    }

    #[test]
    fn a_logout_token_is_used_once() {
        let list = Revocations::new(Duration::from_secs(100), KEY);
        let jti = list.token_key("dev", "jti-1");
        assert!(!list.was_used(jti, at(100)));
        list.record_use(jti, at(500), at(100)).expect("room");
        assert!(list.was_used(jti, at(200)), "a replay");
        assert!(
            !list.was_used(list.token_key("okta", "jti-1"), at(200)),
            "another provider's"
        );
        assert!(
            !list.was_used(jti, at(500)),
            "remembered until its end only"
        );
    }

    #[test]
    fn a_full_list_refuses_rather_than_forgets() {
        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        for i in 0..MAX_ENTRIES {
            list.apply(list.of_user("dev", &i.to_string(), at(100)), at(100))
                .expect("room");
        }
        assert!(
            list.apply(list.of_user("dev", "one-more", at(200)), at(200))
                .is_err()
        );
        assert!(
            list.apply(list.of_user("dev", "one-more", at(1_100)), at(1_100))
                .is_ok(),
            "after the old ones end"
        );
    }

    #[test]
    fn replicas_with_one_secret_name_entries_alike() {
        let here = Revocations::new(Duration::from_secs(1_000), KEY);
        let there = Revocations::new(Duration::from_secs(1_000), KEY);
        let ada = session("ada", "s1", 100).with_id("one");
        there
            .apply(here.of_session(&ada, at(200)).expect("a sub"), at(200))
            .expect("room");
        assert!(there.is_revoked(&ada, at(201)));
        let elsewhere = Revocations::new(Duration::from_secs(1_000), [8; 16]);
        assert_ne!(
            here.of_user("dev", "ada", at(1)),
            elsewhere.of_user("dev", "ada", at(1)),
            "another secret, other names"
        );
    }

    #[test]
    fn a_user_entry_keeps_the_later_not_before() {
        let list = Revocations::new(Duration::from_secs(1_000), KEY);
        list.apply(list.of_user("dev", "ada", at(300)), at(300))
            .expect("room");
        list.apply(list.of_user("dev", "ada", at(200)), at(300))
            .expect("room");
        assert!(list.is_revoked(&session("ada", "s1", 250), at(301)));
    }

    #[test]
    fn a_revocation_already_over_is_ignored() {
        let list = Revocations::new(Duration::from_secs(100), KEY);
        list.apply(list.of_user("dev", "ada", at(100)), at(500))
            .expect("nothing to record");
        assert!(!list.active.load(Ordering::Acquire));
    }
}

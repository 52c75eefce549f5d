//! [`SessionCache`]: identity cookies this process has already opened, so that a logged-in
//! request costs a hash lookup instead of an AEAD open and a JSON parse. What a value opened
//! to is the session (cookie mode, and verified bearer tokens), or with a session store the
//! stored session's key ([`crate::session_store`]).
//!
//! # Invariants
//! - Only a value that opened is inserted, under the whole sealed value (every chunk
//!   joined): a value that differs in any character misses and is opened (and refused) as
//!   usual. The hash is randomly keyed per process; it covers the value's length and its
//!   last [`HASHED`] bytes, where the seal's authentication tag is (sixteen bytes no one
//!   without the key can choose), since hashing a whole value (often kilobytes) would cost
//!   more than the rest of a lookup. Equality still compares every byte, and only values
//!   that opened are inserted, so a request cannot choose what collides with what.
//! - An entry is served only before the expiry sealed in its value, exactly as
//!   [`doorman_seal::Sealer::open`] would refuse it from that second on.
//! - Memory is bounded by [`crate::AuthOptions::session_cache_size`], in bytes; a size of
//!   zero turns the cache off. It is a memo of a pure function of the cookie, not a session
//!   store: any instance opens any cookie, and losing the cache loses nothing.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::SystemTime;

use doorman_user::Session;
use quick_cache::sync::Cache;
use quick_cache::{Equivalent, Weighter};

/// How many bytes at the end of a sealed value its hash covers: the base64 of the seal's
/// 16-byte tag.
const HASHED: usize = 24;

/// A key of the memo: a whole sealed value.
#[derive(Clone, PartialEq, Eq)]
struct Sealed(Box<[u8]>);

/// A sealed value looked up, borrowed from the request.
struct Probe<'a>(&'a [u8]);

/// Hashes `value`'s length and its last [`HASHED`] bytes (all of a short value).
fn hash_tail<H: Hasher>(value: &[u8], state: &mut H) {
    state.write_usize(value.len());
    state.write(&value[value.len().saturating_sub(HASHED)..]);
}

impl Hash for Sealed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_tail(&self.0, state);
    }
}

impl Hash for Probe<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_tail(self.0, state);
    }
}

impl Equivalent<Sealed> for Probe<'_> {
    fn equivalent(&self, key: &Sealed) -> bool {
        *self.0 == *key.0
    }
}

/// What a sealed value opens to, and the memory it holds.
pub(crate) trait Opened: Clone {
    /// Bytes of memory the value holds.
    fn memory_size(&self) -> usize;
}

impl Opened for Arc<Session> {
    fn memory_size(&self) -> usize {
        Session::memory_size(self)
    }
}

impl Opened for crate::revocations::Key {
    fn memory_size(&self) -> usize {
        size_of::<Self>()
    }
}

/// What a sealed value opened to, and until when that value opens.
#[derive(Clone)]
struct Entry<V> {
    session: V,
    expires_at: SystemTime,
    /// Bytes this entry is counted for: its key, the session's memory
    /// ([`Session::memory_size`], however small the compressed cookie was), and a fixed
    /// overhead.
    weight: u64,
}

#[derive(Clone)]
struct ByWeight;

impl<V> Weighter<Sealed, Entry<V>> for ByWeight {
    fn weight(&self, _key: &Sealed, entry: &Entry<V>) -> u64 {
        entry.weight
    }
}

/// Bytes counted for each entry on top of its key and payload.
const ENTRY_OVERHEAD: u64 = 256;

/// Opened identity cookies, bounded in bytes.
pub(crate) struct SessionCache<V = Arc<Session>> {
    entries: Option<Cache<Sealed, Entry<V>, ByWeight>>,
}

impl<V: Opened> SessionCache<V> {
    /// A cache of at most `budget` bytes; `0` caches nothing.
    pub(crate) fn new(budget: usize) -> Self {
        let budget = u64::try_from(budget).unwrap_or(u64::MAX);
        let entries = (budget > 0).then(|| {
            // A Google-like login weighs about 3 KiB.
            let estimated = usize::try_from(budget / 3072).unwrap_or(usize::MAX).max(1);
            Cache::with_weighter(estimated, budget, ByWeight)
        });
        Self { entries }
    }

    /// What `sealed` opened to, if it was opened before and its sealed expiry is after `now`.
    pub(crate) fn get(&self, sealed: &[u8], now: SystemTime) -> Option<V> {
        let entry = self.entries.as_ref()?.get(&Probe(sealed))?;
        (now < entry.expires_at).then_some(entry.session)
    }

    /// Remembers that `sealed` opened to `session`, valid until `expires_at`.
    pub(crate) fn insert(&self, sealed: &[u8], session: V, expires_at: SystemTime) {
        let Some(entries) = &self.entries else {
            return;
        };
        let bytes = sealed.len().saturating_add(session.memory_size());
        let weight = u64::try_from(bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(ENTRY_OVERHEAD);
        entries.insert(
            Sealed(sealed.into()),
            Entry {
                session,
                expires_at,
                weight,
            },
        );
    }

    /// How many bytes the entries are counted for.
    #[cfg(test)]
    fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use doorman_user::ExposedTokens;
    use proptest::prelude::*;
    use serde_json::Map;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn session(sub: &str) -> Arc<Session> {
        let mut claims = Map::new();
        claims.insert("sub".into(), sub.into());
        Arc::new(Session::new(
            "dev",
            claims,
            ExposedTokens::default(),
            at(1_000),
            at(2_000),
            None,
        ))
    }

    #[test]
    fn an_entry_is_served_until_its_sealed_expiry_only() {
        let cache = SessionCache::<Arc<Session>>::new(1 << 20);
        cache.insert(b"value", session("ada"), at(2_000));
        assert_eq!(cache.get(b"value", at(1_999)), Some(session("ada")));
        assert_eq!(cache.get(b"value", at(2_000)), None);
        assert_eq!(cache.get(b"value", at(2_001)), None);
    }

    #[test]
    fn another_value_misses_even_one_character_apart() {
        let cache = SessionCache::<Arc<Session>>::new(1 << 20);
        cache.insert(b"value", session("ada"), at(2_000));
        for other in ["valuE", "value ", "valu", "", "value\0"] {
            assert_eq!(cache.get(other.as_bytes(), at(1_500)), None, "{other:?}");
        }
    }

    /// Values alike at their end and as long collide in the hash but not in equality.
    #[test]
    fn a_long_value_differing_only_before_its_hashed_tail_misses() {
        let cache = SessionCache::<Arc<Session>>::new(1 << 20);
        let value = format!("{}{}", "b".repeat(100), "c".repeat(HASHED));
        cache.insert(value.as_bytes(), session("ada"), at(2_000));
        let other = value.replacen('b', "x", 1);
        assert_eq!(cache.get(other.as_bytes(), at(1_500)), None);
        assert_eq!(cache.get(value.as_bytes(), at(1_500)), Some(session("ada")));
    }

    /// A small, compressed cookie that opens to a large session is counted for the session.
    #[test]
    fn an_entry_weighs_what_it_holds_not_its_cookie() {
        let cache = SessionCache::<Arc<Session>>::new(64 << 20);
        let mut claims = Map::new();
        claims.insert("x".into(), serde_json::Value::from(vec![1; 10_000]));
        let large = Arc::new(Session::new(
            "dev",
            claims,
            ExposedTokens::default(),
            at(1_000),
            at(2_000),
            None,
        ));
        cache.insert(b"a short sealed value", Arc::clone(&large), at(2_000));
        assert!(
            cache.weight() >= large.memory_size() as u64 && large.memory_size() > 100_000,
            "{}",
            cache.weight()
        );
    }

    #[test]
    fn a_size_of_zero_caches_nothing() {
        let cache = SessionCache::<Arc<Session>>::new(0);
        cache.insert(b"value", session("ada"), at(2_000));
        assert_eq!(cache.get(b"value", at(1_500)), None);
    }

    #[test]
    fn memory_stays_within_the_budget() {
        let budget = 64 * 1024;
        let cache = SessionCache::<Arc<Session>>::new(budget);
        let value = "x".repeat(1_000);
        for i in 0..1_000 {
            cache.insert(format!("{value}{i}").as_bytes(), session("ada"), at(2_000));
            assert!(
                cache.weight() <= budget as u64,
                "after {i}: {}",
                cache.weight()
            );
        }
        assert!(cache.weight() > 0);
    }

    proptest! {
        /// Whatever was inserted and whenever it is asked, a value is served only if it was
        /// inserted, with its own session, before its own expiry.
        #[test]
        fn served_only_what_was_inserted_before_it_expires(
            inserts in proptest::collection::vec(("[a-d]{1,3}", 1_000u64..1_100), 0..20),
            asks in proptest::collection::vec(("[a-d]{1,3}", 990u64..1_110), 1..20),
        ) {
            let cache = SessionCache::<Arc<Session>>::new(1 << 20);
            let mut last = std::collections::HashMap::new();
            for (value, expiry) in &inserts {
                cache.insert(value.as_bytes(), session(value), at(*expiry));
                last.insert(value.clone(), *expiry);
            }
            for (value, now) in &asks {
                match cache.get(value.as_bytes(), at(*now)) {
                    Some(found) => {
                        prop_assert_eq!(found, session(value));
                        prop_assert!(last.get(value).is_some_and(|expiry| *now < *expiry));
                    }
                    None => prop_assert!(last.get(value).is_none_or(|expiry| *now >= *expiry)),
                }
            }
        }
    }
}

//! [`ConsumedStates`]: the login transactions whose callback has been taken, so that a
//! callback is single-use even for a client that kept the transaction cookie.
//!
//! # Invariants
//! - A transaction is taken at most once while its cookie can still open: its tag is
//!   remembered until its lifetime is over, after which its sealed cookie is refused anyway.
//! - Memory is bounded by a count of entries. When full, the entry of the oldest
//!   transaction is dropped and the *horizon* moves to its start: every transaction that
//!   started at or before the horizon is refused from then on, so a dropped entry can never
//!   be replayed. Safety wins over availability: during a sustained flood of more than
//!   [`DEFAULT_CAPACITY`] completed logins per transaction lifetime, the horizon trails the
//!   clock by capacity / rate (about a minute at 1,000 logins a second), and an honest login
//!   slower than that ("please log in again") fails until the flood stops.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Mutex, PoisonError};

/// Bytes of a transaction's tag kept here.
pub(crate) const TAG_LEN: usize = 16;

/// The default number of transactions remembered: about 7 MiB at most, 100 logins a
/// second per process for a transaction's whole 10-minute lifetime.
pub(crate) const DEFAULT_CAPACITY: usize = 65_536;

/// Transactions taken, by the tag of their `state`.
pub(crate) struct ConsumedStates {
    capacity: usize,
    /// How long a transaction lives, in seconds: after that it is forgotten.
    lifetime: u64,
    taken: Mutex<Taken>,
}

#[derive(Default)]
struct Taken {
    tags: HashSet<[u8; TAG_LEN]>,
    /// The same entries, oldest transaction first.
    by_start: BTreeSet<(u64, [u8; TAG_LEN])>,
    /// Transactions started at or before this second are refused.
    horizon: Option<u64>,
}

impl ConsumedStates {
    /// Remembers up to `capacity` transactions (at least one) living `lifetime` seconds.
    pub(crate) fn new(capacity: usize, lifetime: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            lifetime,
            taken: Mutex::new(Taken::default()),
        }
    }

    /// Takes the transaction `tag`, started at `started` (Unix seconds), at `now`: `true`
    /// the first time, `false` when it was taken before or may have been.
    pub(crate) fn take(&self, tag: [u8; TAG_LEN], started: u64, now: u64) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        if taken.horizon.is_some_and(|horizon| started <= horizon) || taken.tags.contains(&tag) {
            return false;
        }
        // Forget transactions whose cookies no longer open (one second of margin for the
        // whole seconds both sides count in).
        while let Some(&(start, old)) = taken.by_start.first() {
            if start.saturating_add(self.lifetime).saturating_add(1) >= now {
                break;
            }
            taken.by_start.pop_first();
            taken.tags.remove(&old);
        }
        while taken.tags.len() >= self.capacity {
            let Some((start, old)) = taken.by_start.pop_first() else {
                break;
            };
            taken.tags.remove(&old);
            taken.horizon = Some(taken.horizon.map_or(start, |h| h.max(start)));
        }
        if taken.horizon.is_some_and(|horizon| started <= horizon) {
            return false;
        }
        taken.tags.insert(tag);
        taken.by_start.insert((started, tag));
        true
    }

    /// How many transactions are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.taken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .tags
            .len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tag(n: u32) -> [u8; TAG_LEN] {
        let mut tag = [0; TAG_LEN];
        tag[..4].copy_from_slice(&n.to_be_bytes());
        tag
    }

    #[test]
    fn a_transaction_is_taken_once() {
        let states = ConsumedStates::new(10, 600);
        assert!(states.take(tag(1), 1_000, 1_001));
        assert!(!states.take(tag(1), 1_000, 1_002));
        assert!(states.take(tag(2), 1_000, 1_002));
    }

    #[test]
    fn expired_transactions_are_forgotten() {
        let states = ConsumedStates::new(10, 600);
        assert!(states.take(tag(1), 1_000, 1_001));
        assert!(states.take(tag(2), 1_700, 1_700));
        assert_eq!(states.len(), 1);
    }

    #[test]
    fn when_full_the_oldest_are_dropped_and_can_never_be_replayed() {
        let states = ConsumedStates::new(3, 600);
        for n in 0..3 {
            assert!(states.take(tag(n), 1_000 + u64::from(n), 1_010));
        }
        assert!(states.take(tag(9), 1_005, 1_010));
        assert_eq!(states.len(), 3);
        assert!(!states.take(tag(0), 1_000, 1_011), "dropped, still refused");
        assert!(
            !states.take(tag(7), 1_000, 1_011),
            "started before the horizon"
        );
        assert!(states.take(tag(8), 1_006, 1_011), "started after it");
    }

    proptest! {
        /// Whatever the capacity and the order: no transaction is ever taken twice within its
        /// lifetime, and the memory bound holds.
        #[test]
        fn no_tag_is_taken_twice(
            capacity in 1usize..8,
            takes in proptest::collection::vec(0u32..12, 1..60),
        ) {
            let states = ConsumedStates::new(capacity, 600);
            let mut taken = HashSet::new();
            for (i, n) in takes.iter().enumerate() {
                // A transaction's start is fixed by its tag.
                let started = 1_000 + u64::from(*n % 5);
                if states.take(tag(*n), started, 1_010 + i as u64) {
                    prop_assert!(taken.insert(*n), "tag {} taken twice", n);
                }
                prop_assert!(states.len() <= capacity);
            }
        }
    }
}

//! `doorman-testkit`: what the workspace's tests and benchmarks share, so that no crate
//! reaches into another's `tests/` or `benches/` folder by path.
//!
//! - [`claims`]: the claim sets of a Google login and of one with many groups, and
//!   token-sized filler.
//! - `bench` (feature `bench`): the criterion settings every benchmark is measured with.
//! - `devidp` (feature `devidp`): the development provider set up for one client, in
//!   process or on a loopback port.
//! - `pair` (feature `pair`): the relying party core and the development provider in one
//!   process, on a virtual clock, exchanging `http` values with no socket.
//! - `strategies` (feature `strategies`): proptest strategies several crates draw from (any
//!   JSON value, for claims).
//! - `browser` (feature `browser`): a client with a cookie jar that follows redirects one at
//!   a time, as a browser does, so each step can be looked at.
//! - `faults` (feature `faults`): a loopback HTTP proxy in front of a provider that forwards
//!   every request, except where a test injects a transport fault (slow, 500, garbage, huge,
//!   truncated, another content type) or stops it listening.
//! - `redis` (feature `redis`): a real `redis-server` started on a free loopback port, which a
//!   test stops and restarts, and a TCP proxy in front of it that breaks the link on demand
//!   (connections refused, replies held, replaced by garbage or cut short).
//!
//! Each feature brings only its module's dependencies. The crate is never published and is
//! only ever a dev-dependency of a published crate (`cargo xtask test`'s `layers` step checks
//! it).

pub mod claims;

#[cfg(feature = "bench")]
pub mod bench;

#[cfg(feature = "browser")]
pub mod browser;

#[cfg(feature = "devidp")]
pub mod devidp;

#[cfg(feature = "faults")]
pub mod faults;

#[cfg(feature = "pair")]
pub mod pair;

#[cfg(feature = "redis")]
pub mod redis;

#[cfg(feature = "strategies")]
pub mod strategies;

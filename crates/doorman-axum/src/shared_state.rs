//! [`SharedState`]: what the replicas of an app share through Redis (`redis_url`): the
//! revocation list, used logout tokens, stored sessions (`session_store = "redis"`), and
//! refreshes (a lock and the outcome); and the events that keep each replica's local copies
//! right, published on one channel.
//!
//! # What Redis holds
//! Every key starts with the app's prefix, `doorman:` and a keyed hash of `cookie_secret`
//! (apps with other secrets never meet). Nothing in it names a user, a session id or a
//! token in the clear: entries are keyed hashes, session bodies and refresh outcomes are
//! sealed with a key derived from `cookie_secret`.
//! - `revoked`: a sorted set of revocations ([`Revocation`]), scored by their end;
//! - `jti:HASH`: a used back-channel logout token, until it could be replayed;
//! - `session:HASH`: a stored session's sealed body, expiring with the session;
//! - `refresh-lock:FLIGHT` and `refreshed:FLIGHT`: a refresh in flight and its outcome;
//! - the channel `events`: [`Event`]s, one per line of text.
//!
//! # Failure
//! Every call is bounded by [`CALL_TIMEOUT`]; a call that fails or times out is the
//! caller's degradation (see `docs/deployment.md`), logged, never a panic. The connection
//! reconnects by itself, and the subscriber reconnects with a backoff, reloading the list
//! and dropping what it may have missed when it is back. A connection whose call timed out
//! or whose reply did not parse is dropped, and the next call connects afresh: bytes that
//! are not RESP would otherwise stay in its buffer and fail every later call, and a peer that
//! went silent would hold every later call until its timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use doorman_seal::{Purpose, Sealer, TAG_LEN, Tagger};
use doorman_user::Session;
use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::Notify;

use crate::auth::{Inner, unix_seconds};
use crate::logging::escaped;
use crate::revocations::{Key, Revocation, Revoked};
use crate::session_store::{open_session, seal_session};

/// The longest a call to Redis may take; past it the call counts as failed.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_millis(500);

/// The first wait before the subscriber connects again, doubled up to [`LAST_RECONNECT`].
const FIRST_RECONNECT: Duration = Duration::from_millis(100);

/// How often a quiet subscription is asked whether it is still alive.
const LIVENESS_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait between the subscriber's attempts to connect.
const LAST_RECONNECT: Duration = Duration::from_secs(2);

/// A call to Redis failed or timed out; the text says which and why, never a value.
#[derive(Debug)]
pub(crate) struct Unreachable(pub(crate) String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one replica tells the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// Sessions were revoked.
    Revoked(Revocation),
    /// A stored session changed (refreshed) or is gone (logged out): drop the copy.
    SessionChanged(Key),
    /// A refresh's outcome is published under its flight's name.
    Refreshed(String),
}

impl Event {
    /// The event as one line of text.
    pub(crate) fn encode(&self) -> String {
        match self {
            Self::Revoked(revocation) => {
                format!(
                    "r {} {}",
                    member(revocation.revoked),
                    unix_seconds(revocation.until)
                )
            }
            Self::SessionChanged(key) => format!("d {key:032x}"),
            Self::Refreshed(flight) => format!("f {flight}"),
        }
    }

    /// The event a line of text holds; `None` for anything else (a line written by another
    /// version, or by whoever else can publish on the channel).
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        let event = match words.next()? {
            "r" => {
                let kind = words.next()?;
                let key = words.next()?;
                let rest: Vec<&str> = words.by_ref().take(3).collect();
                let (member, until) = match (kind, rest.as_slice()) {
                    ("u", [not_before, until]) => (format!("u {key} {not_before}"), *until),
                    ("s" | "p", [until]) => (format!("{kind} {key}"), *until),
                    _ => return None,
                };
                Self::Revoked(Revocation {
                    revoked: parse_member(&member)?,
                    until: at(seconds(until)?)?,
                })
            }
            "d" => Self::SessionChanged(parse_key(words.next()?)?),
            "f" => {
                let flight = words.next()?;
                if flight.len() != 2 * TAG_LEN || !flight.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                Self::Refreshed(flight.to_owned())
            }
            _ => return None,
        };
        words.next().is_none().then_some(event)
    }
}

/// A revocation's member in the sorted set `revoked`: its kind and key (and a user's
/// `not_before`); its score is its end.
fn member(revoked: Revoked) -> String {
    match revoked {
        Revoked::Session(key) => format!("s {key:032x}"),
        Revoked::User { key, not_before } => format!("u {key:032x} {}", unix_seconds(not_before)),
        Revoked::ProviderSession(key) => format!("p {key:032x}"),
    }
}

/// What a member of `revoked` names; `None` for anything else.
fn parse_member(text: &str) -> Option<Revoked> {
    let mut words = text.split(' ');
    let revoked = match (words.next()?, parse_key(words.next()?)?) {
        ("s", key) => Revoked::Session(key),
        ("p", key) => Revoked::ProviderSession(key),
        ("u", key) => Revoked::User {
            key,
            not_before: at(seconds(words.next()?)?)?,
        },
        _ => return None,
    };
    words.next().is_none().then_some(revoked)
}

/// Seconds written as a number is written (digits, no sign, no leading zero).
fn seconds(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// A key written as 32 lowercase hexadecimal digits.
fn parse_key(text: &str) -> Option<Key> {
    (text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| Key::from_str_radix(text, 16).ok())
        .flatten()
}

/// The time `seconds` after the Unix epoch; `None` past what the system's time can hold.
fn at(seconds: u64) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The name a refresh outcome of `flight` is sealed for (the seal binds it).
fn outcome_name(flight: &str) -> String {
    format!("doorman-refreshed-{flight}")
}

/// Milliseconds for a Redis expiry: at least one.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The link to Redis: a reconnecting connection for calls, a subscriber for events.
pub(crate) struct SharedState {
    client: redis::Client,
    /// The connection for calls, made on first use, and its generation: a broken one is
    /// dropped ([`SharedState::drop_if_broken`]) and the next call makes a new one.
    connection: Mutex<(u64, Option<ConnectionManager>)>,
    prefix: String,
    /// Whether the subscriber was started.
    subscribed: AtomicBool,
    /// Whether the last call worked: a change is logged once, not per call.
    reachable: AtomicBool,
    /// Woken on every published refresh outcome: waiting replicas look again.
    pub(crate) refresh_published: Notify,
    /// Seals refresh outcomes published for other replicas.
    outcomes: Sealer,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the URL and its password: never shown.
        f.debug_struct("SharedState")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedState {
    /// The link to the Redis at `url` for the app whose names `names` tags; nothing is
    /// connected until the first call or [`SharedState::subscribe`].
    ///
    /// # Errors
    /// Why the URL cannot be used, without quoting it.
    pub(crate) fn new(url: &str, secret: &[u8], names: &Tagger) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| {
            // The crate's message may quote the URL: only its kind is kept.
            format!("not a Redis URL the client accepts ({:?})", e.kind())
        })?;
        let namespace = names.tag(b"namespace");
        let prefix = format!("doorman:{}:", hex(&namespace[..8]));
        Ok(Self {
            client,
            connection: Mutex::new((0, None)),
            prefix,
            subscribed: AtomicBool::new(false),
            reachable: AtomicBool::new(true),
            refresh_published: Notify::new(),
            outcomes: Sealer::new(Purpose::StoredSession, secret, &[])
                .map_err(|_| "`cookie_secret` is empty".to_owned())?,
        })
    }

    /// A refreshed session, sealed for the other replicas waiting on `flight`.
    pub(crate) fn seal_outcome(
        &self,
        flight: &str,
        session: &Session,
        now: SystemTime,
    ) -> Result<String, String> {
        seal_session(&self.outcomes, &outcome_name(flight), session, now)
    }

    /// The refreshed session another replica published for `flight`; `None` for anything
    /// that does not open or parse.
    pub(crate) fn open_outcome(
        &self,
        flight: &str,
        sealed: &str,
        now: SystemTime,
    ) -> Option<Session> {
        open_session(&self.outcomes, &outcome_name(flight), sealed, now)
    }

    /// The name of a key of this app's.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn channel(&self) -> String {
        self.key("events")
    }

    /// The connection and its generation, made on first use (inside the runtime); it
    /// reconnects by itself after an I/O error.
    fn connection(&self) -> Result<(u64, ConnectionManager), Unreachable> {
        let mut current = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let (generation, Some(connection)) = &*current {
            return Ok((*generation, connection.clone()));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(LAST_RECONNECT);
        let made = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| Unreachable(format!("cannot set up the connection: {:?}", e.kind())))?;
        current.1 = Some(made.clone());
        Ok((current.0, made))
    }

    /// Drops the connection of `generation` when a call on it timed out (`None`) or failed
    /// other than by the server's error reply: the next call connects afresh. Whether it was
    /// broken.
    fn drop_if_broken(&self, generation: u64, failure: Option<&redis::RedisError>) -> bool {
        let broken = failure.is_none_or(is_broken);
        let mut current = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if broken && current.0 == generation {
            *current = (generation.wrapping_add(1), None);
        }
        broken
    }

    /// Runs what `send` sends on a connection, within [`CALL_TIMEOUT`] in all; `what` names
    /// it in errors. A connection found broken at once (the first call after an outage meets
    /// the failure the old connection remembers) is replaced and the call sent once more,
    /// within what is left of the time.
    async fn run<T, F>(
        &self,
        what: &str,
        send: impl Fn(ConnectionManager) -> F,
    ) -> Result<T, Unreachable>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        let mut retried = false;
        loop {
            let (generation, connection) = self.connection()?;
            match tokio::time::timeout_at(deadline, send(connection)).await {
                Ok(Ok(answer)) => {
                    self.note(true);
                    return Ok(answer);
                }
                Ok(Err(e)) => {
                    if !self.drop_if_broken(generation, Some(&e)) {
                        // The server answered, with an error (a key of the wrong type).
                        self.note(true);
                        return Err(Unreachable(format!("{what}: {}", describe(&e))));
                    }
                    if !retried && tokio::time::Instant::now() < deadline {
                        retried = true;
                        continue;
                    }
                    self.note(false);
                    return Err(Unreachable(format!("{what}: {}", describe(&e))));
                }
                Err(_) => {
                    self.drop_if_broken(generation, None);
                    self.note(false);
                    return Err(Unreachable(format!(
                        "{what}: no answer within {CALL_TIMEOUT:?}"
                    )));
                }
            }
        }
    }

    /// Runs `command`, bounded by [`CALL_TIMEOUT`]; `what` names it in errors.
    async fn call<T: redis::FromRedisValue>(
        &self,
        what: &str,
        command: &redis::Cmd,
    ) -> Result<T, Unreachable> {
        self.run(what, |mut connection| async move {
            command.query_async(&mut connection).await
        })
        .await
    }

    /// Runs `pipeline`, bounded by [`CALL_TIMEOUT`].
    async fn call_pipeline(
        &self,
        what: &str,
        pipeline: &redis::Pipeline,
    ) -> Result<(), Unreachable> {
        self.run(what, |mut connection| async move {
            pipeline
                .query_async::<redis::Value>(&mut connection)
                .await
                .map(drop)
        })
        .await
    }

    /// Logs when Redis stops or starts answering.
    fn note(&self, worked: bool) {
        if self.reachable.swap(worked, Ordering::AcqRel) != worked {
            if worked {
                tracing::info!("shared state: Redis answers again");
            } else {
                tracing::warn!("shared state: Redis does not answer; going on with local state");
            }
        }
    }

    /// Records `revocation` in Redis and tells the other replicas.
    pub(crate) async fn publish_revocation(
        &self,
        revocation: Revocation,
        now: SystemTime,
    ) -> Result<(), Unreachable> {
        let mut pipeline = redis::pipe();
        pipeline
            .cmd("ZADD")
            .arg(self.key("revoked"))
            .arg(unix_seconds(revocation.until))
            .arg(member(revocation.revoked))
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(self.key("revoked"))
            .arg("-inf")
            .arg(unix_seconds(now))
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(Event::Revoked(revocation).encode())
            .ignore();
        self.call_pipeline("record a revocation", &pipeline).await
    }

    /// The revocations still live at `now`.
    pub(crate) async fn revocations(
        &self,
        now: SystemTime,
    ) -> Result<Vec<Revocation>, Unreachable> {
        let entries: Vec<(String, u64)> = self
            .call(
                "read the revocations",
                redis::cmd("ZRANGEBYSCORE")
                    .arg(self.key("revoked"))
                    .arg(format!("({}", unix_seconds(now)))
                    .arg("+inf")
                    .arg("WITHSCORES"),
            )
            .await?;
        Ok(entries
            .into_iter()
            .filter_map(|(text, until)| {
                Some(Revocation {
                    revoked: parse_member(&text)?,
                    until: at(until)?,
                })
            })
            .collect())
    }

    /// Records the logout token `key` as used from `now` until `until`: `false` when it was
    /// already.
    pub(crate) async fn use_token(
        &self,
        key: Key,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, Unreachable> {
        let ttl = until.duration_since(now).unwrap_or_default();
        self.set_new(&format!("jti:{key:032x}"), "1", ttl).await
    }

    /// The value at `name`, if any.
    pub(crate) async fn get(&self, name: &str) -> Result<Option<String>, Unreachable> {
        self.call("read", redis::cmd("GET").arg(self.key(name)))
            .await
    }

    /// Sets `name` to `value` for `ttl`.
    pub(crate) async fn set(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), Unreachable> {
        self.call(
            "write",
            redis::cmd("SET")
                .arg(self.key(name))
                .arg(value)
                .arg("PX")
                .arg(millis(ttl)),
        )
        .await
    }

    /// Sets `name` to `value` for `ttl` unless it is set: whether it was.
    pub(crate) async fn set_new(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, Unreachable> {
        let set: Option<String> = self
            .call(
                "set if absent",
                redis::cmd("SET")
                    .arg(self.key(name))
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(set.is_some())
    }

    /// Deletes `name`.
    pub(crate) async fn delete(&self, name: &str) -> Result<(), Unreachable> {
        self.call::<i64>("delete", redis::cmd("DEL").arg(self.key(name)))
            .await
            .map(drop)
    }

    /// Tells the other replicas `event`.
    pub(crate) async fn publish(&self, event: &Event) -> Result<(), Unreachable> {
        self.call::<i64>(
            "publish",
            redis::cmd("PUBLISH")
                .arg(self.channel())
                .arg(event.encode()),
        )
        .await
        .map(drop)
    }

    /// Starts the subscriber (once): it applies the other replicas' events to `inner`'s
    /// local copies until `inner` is dropped, reconnecting when Redis goes away.
    pub(crate) fn subscribe(&self, inner: Weak<Inner>) {
        if self.subscribed.swap(true, Ordering::AcqRel) {
            return;
        }
        let client = self.client.clone();
        let channel = self.channel();
        tokio::spawn(subscriber(client, channel, inner));
    }
}

impl Inner {
    /// Applies another replica's `event` to this replica's copies.
    fn apply_event(&self, event: Event) {
        match event {
            Event::Revoked(revocation) => {
                if self
                    .revocations
                    .apply(revocation, self.clock.now())
                    .is_err()
                {
                    tracing::error!(
                        "another replica's revocation was not recorded: the revocation list is full"
                    );
                }
            }
            Event::SessionChanged(key) => {
                if let Some(store) = &self.store {
                    store.forget(key);
                }
            }
            Event::Refreshed(_) => {
                if let Some(shared) = &self.shared {
                    shared.refresh_published.notify_waiters();
                }
            }
        }
    }

    /// After (re)subscribing: the revocation list reloaded from Redis, and the stored
    /// sessions read afresh (changes may have been missed). How many revocations are live.
    async fn resynchronize(&self) -> Result<usize, Unreachable> {
        if let Some(store) = &self.store {
            store.forget_all();
        }
        let Some(shared) = &self.shared else {
            return Ok(0);
        };
        let now = self.clock.now();
        let revocations = shared.revocations(now).await?;
        let count = revocations.len();
        for revocation in revocations {
            if self.revocations.apply(revocation, now).is_err() {
                tracing::error!(
                    "a revocation reloaded from Redis was not recorded: the revocation list is full"
                );
            }
        }
        Ok(count)
    }
}

/// The subscriber's loop: connect, subscribe, reload, apply events; on loss, wait and again.
async fn subscriber(client: redis::Client, channel: String, inner: Weak<Inner>) {
    let mut wait = FIRST_RECONNECT;
    let mut lost = false;
    loop {
        let connected = tokio::time::timeout(CALL_TIMEOUT, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        match connected {
            Ok(Ok(pubsub)) => {
                let Some(auth) = inner.upgrade() else { return };
                // The first call after an outage may meet the connection's failure from it;
                // that connection is then dropped, and the second call connects afresh.
                let reloaded = match auth.resynchronize().await {
                    Err(_) => auth.resynchronize().await,
                    reloaded => reloaded,
                };
                match reloaded {
                    Ok(count) if lost => tracing::info!(
                        revocations = count,
                        "shared state: subscribed to Redis again; revocations reloaded, stored sessions read afresh"
                    ),
                    Ok(count) => {
                        tracing::info!(revocations = count, "shared state: subscribed to Redis");
                    }
                    Err(why) => {
                        tracing::warn!(%why, "shared state: subscribed, but the revocations could not be reloaded");
                    }
                }
                drop(auth);
                wait = FIRST_RECONNECT;
                let (mut sink, mut messages) = pubsub.split();
                let mut liveness = tokio::time::interval(LIVENESS_INTERVAL);
                liveness.reset();
                loop {
                    let message = tokio::select! {
                        message = messages.next() => message,
                        _ = liveness.tick() => {
                            // A link that went quiet without closing (a partition, a
                            // proxy that holds): asked, it must answer within a call's time.
                            let pong = tokio::time::timeout(CALL_TIMEOUT, sink.ping::<redis::Value>()).await;
                            if matches!(pong, Ok(Ok(_))) {
                                continue;
                            }
                            break;
                        }
                    };
                    let Some(message) = message else { break };
                    let Some(auth) = inner.upgrade() else { return };
                    match std::str::from_utf8(message.get_payload_bytes())
                        .ok()
                        .and_then(Event::decode)
                    {
                        Some(event) => auth.apply_event(event),
                        None => {
                            tracing::warn!("shared state: an event of an unknown form was ignored");
                        }
                    }
                }
                tracing::warn!("shared state: the subscription to Redis was lost; reconnecting");
                lost = true;
            }
            Ok(Err(e)) => {
                if !lost {
                    tracing::warn!(why = %describe(&e), "shared state: cannot subscribe to Redis; retrying");
                }
                lost = true;
            }
            Err(_) => {
                if !lost {
                    tracing::warn!("shared state: Redis did not answer the subscription; retrying");
                }
                lost = true;
            }
        }
        if inner.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LAST_RECONNECT);
    }
}

/// Whether `error` says the connection is broken (no answer read, or one that did not
/// parse), rather than that the server answered with an error.
fn is_broken(error: &redis::RedisError) -> bool {
    matches!(
        error.kind(),
        redis::ErrorKind::Parse | redis::ErrorKind::Io | redis::ErrorKind::Client
    ) || error.is_connection_dropped()
        || error.is_connection_refusal()
}

/// A Redis error without what it may quote of a value: its kind, and its code when the
/// server sent one.
fn describe(error: &redis::RedisError) -> String {
    match error.code() {
        // The code is the server's text: escaped as every untrusted value logged.
        Some(code) => format!("{:?} ({})", error.kind(), escaped(&code)),
        None => format!("{:?}", error.kind()),
    }
}

/// `bytes` in lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_s(seconds: u64) -> SystemTime {
        at(seconds).expect("a time")
    }

    #[test]
    fn events_read_back_as_written() {
        let events = [
            Event::Revoked(Revocation {
                revoked: Revoked::Session(u128::MAX),
                until: at_s(1_000),
            }),
            Event::Revoked(Revocation {
                revoked: Revoked::User {
                    key: 1,
                    not_before: at_s(500),
                },
                until: at_s(1_000),
            }),
            Event::Revoked(Revocation {
                revoked: Revoked::ProviderSession(0xabc),
                until: at_s(7),
            }),
            Event::SessionChanged(42),
            Event::Refreshed("0f".repeat(TAG_LEN)),
        ];
        for event in events {
            assert_eq!(
                Event::decode(&event.encode()),
                Some(event.clone()),
                "{event:?}"
            );
        }
    }

    #[test]
    fn anything_else_is_no_event() {
        let key = "0".repeat(32);
        let refused = [
            String::new(),
            "x".to_owned(),
            "r".to_owned(),
            format!("r s {key}"),
            format!("r s {key} 10 11"),
            format!("r u {key} 10"),
            format!("r q {key} 10"),
            format!("r s {} 10", "0".repeat(31)),
            format!("r s {} 10", "G".repeat(32)),
            format!("r s {} 10", "A".repeat(32)),
            format!("r s {key} -1"),
            format!("r s {key} {}", u64::MAX),
            format!("r u {key} {} 2", u64::MAX),
            format!("r s {key} +1"),
            format!("r s {key} 01"),
            format!("r u {key} 01 2"),
            format!("d {key} extra"),
            "d 12".to_owned(),
            "f 12".to_owned(),
            format!("f {}", "z".repeat(2 * TAG_LEN)),
            format!("r  s {key} 10"),
        ];
        for text in refused {
            assert_eq!(Event::decode(&text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        /// Whatever another client publishes on the channel, reading it never panics, and
        /// what reads as an event is written back as the same text.
        #[test]
        fn any_text_reads_as_an_event_or_none(text in "\\PC{0,80}|[rdfsup0-9a-f ]{0,90}") {
            if let Some(event) = Event::decode(&text) {
                proptest::prop_assert_eq!(event.encode(), text);
            }
        }

        /// Every event reads back as written.
        #[test]
        fn every_event_reads_back(
            kind in 0u8..5,
            key in proptest::prelude::any::<u128>(),
            first in 0u64..=u64::from(u32::MAX) * 1_000,
            second in 0u64..=u64::from(u32::MAX) * 1_000,
            flight in proptest::collection::vec(proptest::prelude::any::<u8>(), TAG_LEN),
        ) {
            let event = match kind {
                0 => Event::Revoked(Revocation { revoked: Revoked::Session(key), until: at_s(first) }),
                1 => Event::Revoked(Revocation {
                    revoked: Revoked::User { key, not_before: at_s(second) },
                    until: at_s(first),
                }),
                2 => Event::Revoked(Revocation { revoked: Revoked::ProviderSession(key), until: at_s(first) }),
                3 => Event::SessionChanged(key),
                _ => Event::Refreshed(hex(&flight)),
            };
            proptest::prop_assert_eq!(Event::decode(&event.encode()), Some(event));
        }
    }

    #[test]
    fn hex_is_lowercase_and_whole() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}

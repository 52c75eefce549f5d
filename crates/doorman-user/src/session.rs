//! [`Session`]: what the identity cookie holds, compact on the wire.
//!
//! ```text
//! {"v":1,"p":"google","c":{...claims, once...},"t":{"i":"<id token>","a":"<access token>"},
//!  "l":<login time>,"e":<expiry>,"x":<the ID token's exp>,
//!  "r":"<refresh token>","ax":<the access token's expiry>,"s":"<the session's id>"}
//! ```
//! Times are Unix seconds. `t` holds only the tokens the configuration exposes, and is left
//! out when it holds none; `x`, `r`, `ax` and `s` are left out when unknown. The refresh token is
//! kept for the adapter to refresh with, inside the sealed cookie; no view of this crate
//! ([`crate::Identity`], [`crate::Tokens`]) hands it to the app, and `Debug` redacts it.
//!
//! A payload whose JSON is longer than [`COMPRESS_ABOVE`] bytes (long `groups` lists) is
//! the byte `0x01` followed by the raw DEFLATE stream, when that is at least a tenth shorter;
//! any other payload is the JSON itself, which starts with `{`.
//! Smaller payloads are not compressed because inflating costs more than everything else a
//! request does with the cookie (measured: 11 µs against 5 µs for a Google claim set), while
//! they fit in one cookie anyway.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::UserError;

/// The payload format version this build writes and reads.
const SESSION_VERSION: u64 = 1;

/// Payloads whose JSON is longer than this are compressed, when that saves a tenth.
const COMPRESS_ABOVE: usize = 2048;

/// The first byte of a DEFLATE-compressed payload.
const DEFLATED: u8 = 0x01;

/// The longest session JSON written or read: 64 KiB, several times a large Entra login
/// (200 groups with both tokens exposed), and a bound on the memory one cookie can take
/// once opened (a compressed cookie of a few hundred bytes can inflate far beyond it).
pub const MAX_SESSION_LEN: usize = 64 * 1024;

/// The tokens a session keeps: only those `expose_tokens` names.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposedTokens {
    /// The ID token, when `expose_tokens` has `"id"`.
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The access token, when `expose_tokens` has `"access"`.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
}

impl ExposedTokens {
    /// Whether no token is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.access.is_none()
    }
}

impl fmt::Debug for ExposedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExposedTokens")
            .field("id", &self.id.as_ref().map(|_| "REDACTED"))
            .field("access", &self.access.as_ref().map(|_| "REDACTED"))
            .finish()
    }
}

/// The logged-in session: sealed into the identity cookie, read on every request.
///
/// It implements neither `Serialize` nor `Deserialize`: its only wire form is the sealed
/// payload of [`Session::to_bytes`] (through a private mirror of its fields), so an app that hands a
/// session to serde cannot send its refresh token anywhere.
#[derive(Clone, PartialEq)]
pub struct Session {
    version: u64,
    provider: String,
    claims: Map<String, Value>,
    tokens: ExposedTokens,
    login_at: u64,
    expires_at: u64,
    id_token_expires_at: Option<u64>,
    refresh_token: Option<String>,
    access_expires_at: Option<u64>,
    id: Option<String>,
}

/// The payload's JSON form of [`Session`], known to this module only.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Session")]
struct Wire {
    #[serde(rename = "v")]
    version: u64,
    #[serde(rename = "p")]
    provider: String,
    #[serde(rename = "c")]
    claims: Map<String, Value>,
    #[serde(rename = "t", default, skip_serializing_if = "ExposedTokens::is_empty")]
    tokens: ExposedTokens,
    #[serde(rename = "l")]
    login_at: u64,
    #[serde(rename = "e")]
    expires_at: u64,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    id_token_expires_at: Option<u64>,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(rename = "ax", default, skip_serializing_if = "Option::is_none")]
    access_expires_at: Option<u64>,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn instant(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Bytes an allocation costs beyond what it asked for (allocator bookkeeping, rounding).
const ALLOCATION_OVERHEAD: usize = 16;

/// Bytes a map entry costs beyond its key and value (tree nodes, spare slots).
const MAP_ENTRY_OVERHEAD: usize = 48;

fn string_size(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        s.len() + ALLOCATION_OVERHEAD
    }
}

fn map_size(map: &Map<String, Value>) -> usize {
    map.iter()
        .map(|(k, v)| MAP_ENTRY_OVERHEAD + size_of::<String>() + string_size(k) + value_size(v))
        .sum()
}

/// The memory of a JSON value: its own slot and what it owns. The recursion is bounded by
/// `serde_json`'s nesting limit on what it parses.
fn value_size(value: &Value) -> usize {
    size_of::<Value>()
        + match value {
            Value::String(s) => string_size(s),
            Value::Array(items) => {
                ALLOCATION_OVERHEAD + items.iter().map(value_size).sum::<usize>()
            }
            Value::Object(map) => ALLOCATION_OVERHEAD + map_size(map),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
}

impl Session {
    /// A session for a verified login with `provider`: its claims (kept once), the exposed
    /// tokens only, when it started and ends, and the ID token's own `exp`.
    #[must_use]
    pub fn new(
        provider: impl Into<String>,
        claims: Map<String, Value>,
        tokens: ExposedTokens,
        login_at: SystemTime,
        expires_at: SystemTime,
        id_token_expires_at: Option<SystemTime>,
    ) -> Self {
        Self {
            version: SESSION_VERSION,
            provider: provider.into(),
            claims,
            tokens,
            login_at: seconds(login_at),
            expires_at: seconds(expires_at),
            id_token_expires_at: id_token_expires_at.map(seconds),
            refresh_token: None,
            access_expires_at: None,
            id: None,
        }
    }

    /// This session, named `id`: random, given at login, kept through refreshes, so that one
    /// session can be told from another login of the same user in the same second.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The session's id, when it was given one (sessions sealed before ids were given have
    /// none).
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// This session, able to be refreshed: the provider's `refresh_token` (kept sealed, never
    /// shown to the app) and when the access token expires (`expires_in`, or the access
    /// token's own `exp`), either unknown as `None`.
    #[must_use]
    pub fn with_refresh(
        mut self,
        refresh_token: Option<String>,
        access_expires_at: Option<SystemTime>,
    ) -> Self {
        self.refresh_token = refresh_token;
        self.access_expires_at = access_expires_at.map(seconds);
        self
    }

    /// The session after a refresh at `now`: the same provider and login time, the refreshed
    /// claims and exposed tokens, the new refresh token (or the old one, when the provider
    /// sent none), the new access-token and ID-token expiries, ending at `expires_at`.
    #[must_use]
    pub fn refreshed(&self, refreshed: Refreshed, expires_at: SystemTime) -> Self {
        Self {
            version: SESSION_VERSION,
            provider: self.provider.clone(),
            claims: refreshed.claims,
            tokens: refreshed.tokens,
            login_at: self.login_at,
            expires_at: seconds(expires_at),
            id_token_expires_at: refreshed
                .id_token_expires_at
                .map(seconds)
                .or(self.id_token_expires_at),
            refresh_token: refreshed
                .refresh_token
                .or_else(|| self.refresh_token.clone()),
            access_expires_at: refreshed.access_expires_at.map(seconds),
            id: self.id.clone(),
        }
    }

    /// The payload's bytes, to be sealed.
    ///
    /// # Errors
    /// [`UserError::TooLarge`] when the session's JSON is longer than [`MAX_SESSION_LEN`]:
    /// it would not be read back, so it is not written.
    pub fn to_bytes(&self) -> Result<Vec<u8>, UserError> {
        // Serializing string keys and JSON values cannot fail; an empty payload would be
        // refused when read, never taken for a session.
        let mut json = Vec::new();
        if Wire::serialize(self, &mut serde_json::Serializer::new(&mut json)).is_err() {
            json.clear();
        }
        if json.len() > MAX_SESSION_LEN {
            return Err(UserError::TooLarge { len: json.len() });
        }
        if json.len() <= COMPRESS_ABOVE {
            return Ok(json);
        }
        let deflated = miniz_oxide::deflate::compress_to_vec(&json, 6);
        if (deflated.len() + 1) * 10 < json.len() * 9 {
            let mut payload = Vec::with_capacity(deflated.len() + 1);
            payload.push(DEFLATED);
            payload.extend_from_slice(&deflated);
            Ok(payload)
        } else {
            Ok(json)
        }
    }

    /// Reads a payload written by [`Session::to_bytes`].
    ///
    /// # Errors
    /// [`UserError::Malformed`], [`UserError::Inflate`], [`UserError::TooLarge`] or
    /// [`UserError::UnsupportedVersion`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, UserError> {
        let inflated;
        let json = match bytes.split_first() {
            Some((&DEFLATED, deflated)) => {
                inflated =
                    miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, MAX_SESSION_LEN)
                        .map_err(|_| UserError::Inflate)?;
                &inflated[..]
            }
            _ => bytes,
        };
        if json.len() > MAX_SESSION_LEN {
            return Err(UserError::TooLarge { len: json.len() });
        }
        let mut reader = serde_json::Deserializer::from_slice(json);
        let session = Wire::deserialize(&mut reader).map_err(UserError::Malformed)?;
        reader.end().map_err(UserError::Malformed)?;
        if session.version != SESSION_VERSION {
            return Err(UserError::UnsupportedVersion(session.version));
        }
        Ok(session)
    }

    /// About how many bytes of memory this session takes once parsed: what a cache of
    /// opened sessions weighs an entry by. Counted from what is held (every JSON value,
    /// string and map entry), not from the cookie, whose compressed size says nothing of it:
    /// `[1,1,1,...]` takes sixteen times its JSON.
    #[must_use]
    pub fn memory_size(&self) -> usize {
        let tokens = self.tokens.id.as_ref().map_or(0, String::capacity)
            + self.tokens.access.as_ref().map_or(0, String::capacity)
            + self.refresh_token.as_ref().map_or(0, String::capacity);
        size_of::<Self>() + self.provider.capacity() + tokens + map_size(&self.claims)
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The claims.
    #[must_use]
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The exposed tokens.
    #[must_use]
    pub fn tokens(&self) -> &ExposedTokens {
        &self.tokens
    }

    /// When the user logged in.
    #[must_use]
    pub fn login_at(&self) -> SystemTime {
        instant(self.login_at)
    }

    /// When the session ends.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        instant(self.expires_at)
    }

    /// The ID token's own `exp`, when known.
    #[must_use]
    pub fn id_token_expires_at(&self) -> Option<SystemTime> {
        self.id_token_expires_at.map(instant)
    }

    /// The provider's refresh token, for the adapter's refresh request only: never show it,
    /// log it or put it in a response.
    #[must_use]
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// When the access token expires, when known.
    #[must_use]
    pub fn access_expires_at(&self) -> Option<SystemTime> {
        self.access_expires_at.map(instant)
    }

    /// [`Session::access_expires_at`] in Unix seconds, as stored.
    pub(crate) fn access_expires_at_seconds(&self) -> Option<u64> {
        self.access_expires_at
    }

    /// Whether a refresh is due at `now`: there is a refresh token and the access token
    /// expires within `margin` (or has expired).
    #[must_use]
    #[inline]
    pub fn refresh_due(&self, now: SystemTime, margin: Duration) -> bool {
        match (&self.refresh_token, self.access_expires_at) {
            (Some(_), Some(expiry)) => now
                .checked_add(margin)
                .is_none_or(|soon| soon >= instant(expiry)),
            _ => false,
        }
    }
}

/// What a refresh brought, for [`Session::refreshed`].
#[derive(Clone)]
#[non_exhaustive]
pub struct Refreshed {
    /// The claims after the refresh (the refreshed ID token's, with userinfo's), or the old
    /// ones when the provider sent no ID token.
    pub claims: Map<String, Value>,
    /// The exposed tokens after the refresh.
    pub tokens: ExposedTokens,
    /// A rotated refresh token; `None` keeps the old one.
    pub refresh_token: Option<String>,
    /// When the new access token expires.
    pub access_expires_at: Option<SystemTime>,
    /// The new ID token's `exp`; `None` keeps the old one.
    pub id_token_expires_at: Option<SystemTime>,
}

impl Refreshed {
    /// What a refresh brought: the claims and exposed tokens after it, the provider's rotated
    /// refresh token (`None` keeps the old one), and the new access token's and ID token's
    /// expiries, when known.
    #[must_use]
    pub fn new(
        claims: Map<String, Value>,
        tokens: ExposedTokens,
        refresh_token: Option<String>,
        access_expires_at: Option<SystemTime>,
        id_token_expires_at: Option<SystemTime>,
    ) -> Self {
        Self {
            claims,
            tokens,
            refresh_token,
            access_expires_at,
            id_token_expires_at,
        }
    }
}

impl fmt::Debug for Refreshed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refreshed")
            .field("claims", &self.claims)
            .field("tokens", &self.tokens)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .field("access_expires_at", &self.access_expires_at)
            .field("id_token_expires_at", &self.id_token_expires_at)
            .finish()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("provider", &self.provider)
            .field("claims", &self.claims)
            .field("tokens", &self.tokens)
            .field("login_at", &self.login_at)
            .field("expires_at", &self.expires_at)
            .field("id_token_expires_at", &self.id_token_expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .field("access_expires_at", &self.access_expires_at)
            .finish()
    }
}

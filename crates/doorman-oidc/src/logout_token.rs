//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the provider tells the app,
//! server to server, that a user's session at the provider ended. [`verify_logout_token`]
//! checks the logout token the provider posts (§2.4, §2.6) and gives a [`LogoutRequest`]: the
//! session (`sid`) or the user (`sub`) to log out. Only verification creates one.
//!
//! The rules, each refused with [`LogoutTokenError`] naming it:
//! - a compact JWS read as strictly as an ID token, signed with a key of the provider's set by
//!   one of its algorithms (never `none`, never an HMAC: a logout token is the provider's own
//!   statement, not keyed by a secret the app holds); no `crit`; a `typ`, when present, of
//!   `logout+jwt` or `JWT`;
//! - `iss` the provider's issuer (with its documented exceptions, as for ID tokens), checked
//!   before the signature too, so another provider's token never touches this one's keys;
//!   `aud` holding the client id;
//! - `iat` present, not in the future and at most [`MAX_LOGOUT_TOKEN_AGE`] old; `exp`, which
//!   the specification makes optional, not past when present (both with the client's leeway);
//! - `jti` present (the adapter refuses one seen before: a replay);
//! - `events` an object holding the back-channel logout event, as an object;
//! - `sid` or `sub` present, as strings;
//! - **no** `nonce`, so that an ID token can never pass for a logout token.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openidconnect::core::CoreJwsSigningAlgorithm;
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::issuer;
use crate::keys::KeySet;
use crate::verify::{self, Jws};

/// The event a logout token carries (Back-Channel Logout 1.0 §2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Keys fetched at least this long ago are fetched again when a logout token names a key the
/// set does not hold: tokens naming made-up keys cannot make the app fetch keys on every post.
pub const LOGOUT_KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The oldest logout token accepted, by its `iat`: a token older than this is refused as
/// stale (§2.6 lets the app choose).
pub const MAX_LOGOUT_TOKEN_AGE: Duration = Duration::from_secs(300);

/// Why a logout token was refused. Messages name the rule, never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutTokenError {
    /// Not a compact JWS with a JSON header and claims, or a claim of the wrong type.
    Malformed(String),
    /// Unsigned, signed with an HMAC, or with an algorithm the provider does not list.
    Algorithm,
    /// A `typ` that is not a logout token's.
    Type,
    /// No key of the provider's set fits its `kid` and `alg`: the keys may need fetching
    /// again.
    UnknownKey,
    /// The signature does not verify, or the header asks for extensions (`crit`).
    Signature,
    /// `iss` is not the provider's.
    Issuer,
    /// `aud` does not hold the client id.
    Audience,
    /// `iat` is missing, in the future, or older than [`MAX_LOGOUT_TOKEN_AGE`].
    IssuedAt,
    /// `exp` has passed.
    Expired,
    /// `jti` is missing or empty.
    MissingJti,
    /// `events` is missing or does not hold the back-channel logout event as an object.
    Events,
    /// Neither `sid` nor `sub`.
    NoSessionOrSubject,
    /// A `nonce`, which a logout token must not have.
    Nonce,
}

impl fmt::Display for LogoutTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(reason) => write!(f, "the logout token is malformed: {reason}"),
            Self::Algorithm => f.write_str(
                "the logout token is not signed with one of the provider's asymmetric algorithms",
            ),
            Self::Type => f.write_str("the logout token's `typ` is not `logout+jwt`"),
            Self::UnknownKey => {
                f.write_str("no key of the provider's key set fits the logout token")
            }
            Self::Signature => f.write_str("the logout token's signature does not verify"),
            Self::Issuer => f.write_str("the logout token's `iss` is not the provider's"),
            Self::Audience => f.write_str("the logout token's `aud` does not hold the client id"),
            Self::IssuedAt => f.write_str(
                "the logout token's `iat` is missing, in the future or more than five minutes old",
            ),
            Self::Expired => f.write_str("the logout token has expired"),
            Self::MissingJti => f.write_str("the logout token has no `jti`"),
            Self::Events => f.write_str(
                "the logout token's `events` does not hold the back-channel logout event",
            ),
            Self::NoSessionOrSubject => f.write_str("the logout token has neither `sid` nor `sub`"),
            Self::Nonce => f.write_str("the logout token has a `nonce`, which it must not"),
        }
    }
}

impl std::error::Error for LogoutTokenError {}

/// A verified logout request: log out the session `sid`, or every session of `sub`, at the
/// provider it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutRequest {
    provider: String,
    sid: Option<String>,
    sub: Option<String>,
    jti: String,
    replayable_until: SystemTime,
}

impl LogoutRequest {
    /// The provider's name, from the secrets file.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The provider's session id (`sid`), when given: log out the sessions of that login.
    #[must_use]
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The user (`sub`), when given: without a `sid`, log out every session of the user.
    #[must_use]
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The token's `jti`, which must not be seen again.
    #[must_use]
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// Until when the token could be replayed (its `iat` plus [`MAX_LOGOUT_TOKEN_AGE`], with
    /// the leeway: the `iat` rule refuses it afterwards): how long its `jti` must be
    /// remembered.
    #[must_use]
    pub fn replayable_until(&self) -> SystemTime {
        self.replayable_until
    }
}

/// The outcome of [`verify_logout_token`].
#[derive(Debug)]
#[non_exhaustive]
pub enum LogoutVerification {
    /// Every rule holds.
    Verified(LogoutRequest),
    /// No key of the set fits the token, and the set is at least
    /// [`LOGOUT_KEY_REFRESH_INTERVAL`] old: fetch the keys again and verify once more.
    NeedFreshKeys,
}

/// Verifies the logout token `raw` posted by the provider of `config` at `now`.
///
/// # Errors
/// The [`LogoutTokenError`] of the first rule broken.
pub fn verify_logout_token(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    raw: &str,
    now: SystemTime,
) -> Result<LogoutVerification, LogoutTokenError> {
    let jws = Jws::parse(raw).map_err(|e| LogoutTokenError::Malformed(short(&e)))?;
    let alg = &jws.header.alg;
    if *alg == CoreJwsSigningAlgorithm::None
        || matches!(
            alg,
            CoreJwsSigningAlgorithm::HmacSha256
                | CoreJwsSigningAlgorithm::HmacSha384
                | CoreJwsSigningAlgorithm::HmacSha512
        )
        || !metadata.signing_algorithms.contains(alg)
    {
        return Err(LogoutTokenError::Algorithm);
    }
    if jws.header.crit.is_some() {
        return Err(LogoutTokenError::Signature);
    }
    if let Some(typ) = &jws.header.typ {
        let typ = typ.as_str().unwrap_or_default();
        if !(typ.eq_ignore_ascii_case("logout+jwt") || typ.eq_ignore_ascii_case("JWT")) {
            return Err(LogoutTokenError::Type);
        }
    }
    // The issuer first, unverified: a token of another provider is told apart without
    // touching this one's keys (and never makes it fetch them); checked again below with the
    // signing key's own issuer.
    let claims = &jws.claims;
    let iss = text(claims, "iss")?.ok_or(LogoutTokenError::Issuer)?;
    let tid = claims.get("tid").and_then(Value::as_str);
    let issued_by = |key_issuer| {
        issuer::accepts(
            &metadata.issuer,
            key_issuer,
            iss,
            tid,
            &config.allowed_tenants,
        )
        .map_err(|_| LogoutTokenError::Issuer)
    };
    issued_by(None)?;
    let key = match verify::signing_key(keys, &jws) {
        Ok(key) => key,
        Err(Error::NoMatchingKey) => {
            let age = now.duration_since(keys.fetched_at()).unwrap_or_default();
            return if age >= LOGOUT_KEY_REFRESH_INTERVAL {
                Ok(LogoutVerification::NeedFreshKeys)
            } else {
                Err(LogoutTokenError::UnknownKey)
            };
        }
        Err(_) => return Err(LogoutTokenError::UnknownKey),
    };
    verify::check_signature(key, &jws).map_err(|_| LogoutTokenError::Signature)?;
    issued_by(key.issuer())?;
    if !audiences(claims).contains(&config.client_id.as_str()) {
        return Err(LogoutTokenError::Audience);
    }
    let replayable_until = check_times(config, claims, now)?;
    let jti = text(claims, "jti")?
        .filter(|jti| !jti.is_empty())
        .ok_or(LogoutTokenError::MissingJti)?;
    let event = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.get(BACKCHANNEL_LOGOUT_EVENT));
    if !event.is_some_and(Value::is_object) {
        return Err(LogoutTokenError::Events);
    }
    if claims.contains_key("nonce") {
        return Err(LogoutTokenError::Nonce);
    }
    let sid = text(claims, "sid")?.map(str::to_owned);
    let sub = text(claims, "sub")?.map(str::to_owned);
    if sid.is_none() && sub.is_none() {
        return Err(LogoutTokenError::NoSessionOrSubject);
    }
    Ok(LogoutVerification::Verified(LogoutRequest {
        provider: config.provider.clone(),
        sid,
        sub,
        jti: jti.to_owned(),
        replayable_until,
    }))
}

/// `iat` recent and not in the future, `exp` (when present) not past; returns until when the
/// token could be replayed.
fn check_times(
    config: &ClientConfig,
    claims: &Map<String, Value>,
    now: SystemTime,
) -> Result<SystemTime, LogoutTokenError> {
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let leeway = config.leeway.as_secs_f64();
    let iat = verify::seconds_claim(claims, "iat").map_err(|_| LogoutTokenError::IssuedAt)?;
    let max_age = MAX_LOGOUT_TOKEN_AGE.as_secs_f64();
    if iat > now_s + leeway || iat < now_s - leeway - max_age {
        return Err(LogoutTokenError::IssuedAt);
    }
    // Past this, the `iat` rule refuses the token whatever its `exp`.
    let until = iat + max_age + leeway;
    if claims.contains_key("exp") {
        let exp = verify::seconds_claim(claims, "exp").map_err(|_| LogoutTokenError::Expired)?;
        if exp <= now_s - leeway {
            return Err(LogoutTokenError::Expired);
        }
    }
    Ok(UNIX_EPOCH + Duration::from_secs_f64(until.clamp(0.0, 1e12)))
}

/// A string claim, `None` when absent.
fn text<'c>(
    claims: &'c Map<String, Value>,
    name: &str,
) -> Result<Option<&'c str>, LogoutTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(LogoutTokenError::Malformed(format!(
            "`{name}` is not a string"
        ))),
    }
}

/// `aud` as a list, whether it is a string or an array.
fn audiences(claims: &Map<String, Value>) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The core's reason, for [`LogoutTokenError::Malformed`].
fn short(error: &Error) -> String {
    error.to_string()
}

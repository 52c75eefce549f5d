//! Bearer access tokens for the app's own API (RFC 6750, JWT access tokens as RFC 9068 and
//! the providers shape them): [`verify_bearer`] and [`VerifiedBearer`], which only
//! verification creates.
//!
//! The token is read as strictly as an ID token (`verify.rs`: three canonical base64url
//! segments, a JOSE header, claims kept as sent) and checked against the provider's key set:
//! - the header: `alg` among the provider's asymmetric algorithms (`none` and HMAC never: a
//!   bearer is never keyed by a secret, and a public key is no HMAC secret); no `crit`; a
//!   `typ`, when present, of an access token (`JWT`, `at+jwt`), so an ID token or a logout
//!   token that names its type is not taken for one;
//! - the signature, by the one key of the set that fits its `kid` and `alg`;
//! - `iss` exactly the provider's issuer (or what its documented exceptions allow, as for ID
//!   tokens: Entra's tenant template with `allowed_tenants`);
//! - `aud`, a string or a list, holding the configured API audience;
//! - `exp` required and in the future, `nbf` and `iat` not in the future, with the client's
//!   leeway; `sub` present.
//!
//! An unknown `kid` asks for the keys again ([`BearerVerification::NeedFreshKeys`]) only when
//! the set is at least [`BEARER_KEY_REFRESH_INTERVAL`] old, so tokens naming made-up keys
//! cannot make the app fetch the key set on every request.

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

/// Keys fetched at least this long ago are fetched again when a bearer token names a key the
/// set does not hold.
pub const BEARER_KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Why a bearer token was refused. Messages name the rule, never the token or its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerError {
    /// Not a compact JWS of three canonical base64url segments with a JOSE header and a JSON
    /// object of claims: an opaque token, or garbage.
    Malformed,
    /// The header's `typ` names something other than an access token (an ID token, a logout
    /// token), its claims are an ID token's or a logout token's (`nonce`, `at_hash`, `c_hash`,
    /// `events`, Keycloak's `typ: ID`), or `crit` asks for extensions doorman does not
    /// understand.
    NotAnAccessToken,
    /// `alg: none`: unsigned.
    Unsigned,
    /// An algorithm outside the allow-list: HMAC, or one the provider does not list.
    DisallowedAlgorithm,
    /// No key of the provider's set has the token's `kid` and algorithm.
    NoMatchingKey,
    /// No `kid`, and several keys of the set fit its algorithm.
    AmbiguousKey,
    /// The key that fits cannot be used (an RSA key under 2048 bits).
    UnusableKey,
    /// The signature does not verify.
    InvalidSignature,
    /// `iss` is not the provider's issuer, or its tenant is not allowed.
    InvalidIssuer,
    /// `aud` does not hold the API audience.
    InvalidAudience,
    /// `exp` has passed (with the leeway).
    Expired,
    /// `nbf` or `iat` lies in the future (beyond the leeway).
    NotYetValid,
    /// A required claim (`iss`, `aud`, `exp`, `sub`) is missing or of the wrong type.
    MissingClaim {
        /// The claim.
        claim: &'static str,
    },
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "bearer token: not a signed JWT (an opaque or malformed token)",
            Self::NotAnAccessToken => {
                "bearer token: it is not an access token (its header or its claims say so)"
            }
            Self::Unsigned => "bearer token: `alg: none` (unsigned) is refused",
            Self::DisallowedAlgorithm => {
                "bearer token: its algorithm is not among the provider's signature algorithms"
            }
            Self::NoMatchingKey => {
                "bearer token: no key of the provider's JWKS matches its `kid` and `alg`"
            }
            Self::AmbiguousKey => {
                "bearer token: no `kid`, and several keys of the provider's JWKS could match"
            }
            Self::UnusableKey => "bearer token: the provider's signing key cannot be used",
            Self::InvalidSignature => "bearer token: the signature does not verify",
            Self::InvalidIssuer => "bearer token: `iss` is not the provider's issuer",
            Self::InvalidAudience => "bearer token: `aud` does not hold the API audience",
            Self::Expired => "bearer token: `exp` has passed",
            Self::NotYetValid => "bearer token: `nbf` or `iat` is in the future",
            Self::MissingClaim { claim } => {
                return write!(f, "bearer token: required claim `{claim}` is missing");
            }
        })
    }
}

impl std::error::Error for BearerError {}

/// A bearer token that passed every check: its claims, as sent, and its expiry.
#[derive(Clone)]
pub struct VerifiedBearer {
    claims: Map<String, Value>,
    expires_at: SystemTime,
}

impl VerifiedBearer {
    /// Every claim of the token.
    #[must_use]
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The token's `exp`: until when it may be used (and remembered).
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Consumes it into its claims.
    #[must_use]
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }
}

impl fmt::Debug for VerifiedBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedBearer")
            .field("claims", &self.claims)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What verifying a bearer token came to, short of a refusal.
#[derive(Debug)]
#[non_exhaustive]
pub enum BearerVerification {
    /// Every check passed.
    Verified(VerifiedBearer),
    /// The token names a key the set does not hold, and the set is old enough to be fetched
    /// again: fetch the JWKS and verify once more with the fresh set.
    NeedFreshKeys,
}

/// Verifies `token` (the text after `Bearer `) as an access token for the API whose audience
/// is `audience`, issued by the provider of `metadata` and signed by a key of `keys`, at `now`
/// with `config`'s leeway and allowed tenants.
///
/// # Errors
/// The [`BearerError`] of the first rule the token breaks.
pub fn verify_bearer(
    token: &str,
    audience: &str,
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    now: SystemTime,
) -> Result<BearerVerification, BearerError> {
    let jws = Jws::parse(token).map_err(|_| BearerError::Malformed)?;
    let alg = &jws.header.alg;
    if *alg == CoreJwsSigningAlgorithm::None {
        return Err(BearerError::Unsigned);
    }
    if jws.header.crit.is_some() || !is_access_token_type(jws.header.typ.as_ref()) {
        return Err(BearerError::NotAnAccessToken);
    }
    if is_hmac(alg) || !metadata.signing_algorithms.contains(alg) {
        return Err(BearerError::DisallowedAlgorithm);
    }
    let key = match verify::signing_key(keys, &jws) {
        Ok(key) => key,
        Err(Error::NoMatchingKey) => {
            let age = now.duration_since(keys.fetched_at()).unwrap_or_default();
            return if age >= BEARER_KEY_REFRESH_INTERVAL {
                Ok(BearerVerification::NeedFreshKeys)
            } else {
                Err(BearerError::NoMatchingKey)
            };
        }
        Err(_) => return Err(BearerError::AmbiguousKey),
    };
    verify::check_signature(key, &jws).map_err(|e| match e {
        Error::UnusableKey { .. } => BearerError::UnusableKey,
        _ => BearerError::InvalidSignature,
    })?;
    let claims = jws.claims;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(BearerError::MissingClaim { claim: "iss" })?;
    let tid = claims.get("tid").and_then(Value::as_str);
    issuer::accepts(
        &metadata.issuer,
        key.issuer(),
        iss,
        tid,
        &config.allowed_tenants,
    )
    .map_err(|_| BearerError::InvalidIssuer)?;
    check_audience(&claims, audience)?;
    // An ID token (or a logout token) whose audience is the API's, where an app set
    // `api_audience` to its client id: its claims give it away when its header does not.
    if ["nonce", "at_hash", "c_hash", "events"]
        .iter()
        .any(|claim| claims.contains_key(*claim))
        || claims.get("typ").and_then(Value::as_str) == Some("ID")
    {
        return Err(BearerError::NotAnAccessToken);
    }
    let expires_at = check_times(&claims, config.leeway, now)?;
    if !claims.get("sub").is_some_and(Value::is_string) {
        return Err(BearerError::MissingClaim { claim: "sub" });
    }
    Ok(BearerVerification::Verified(VerifiedBearer {
        claims,
        expires_at,
    }))
}

/// Whether a header's `typ` (absent, or a media type compared without case and without an
/// `application/` prefix, RFC 7515 §4.1.9) is one access tokens carry.
fn is_access_token_type(typ: Option<&Value>) -> bool {
    let Some(typ) = typ else {
        return true;
    };
    let Some(typ) = typ.as_str() else {
        return false;
    };
    let typ = typ.to_ascii_lowercase();
    let typ = typ.strip_prefix("application/").unwrap_or(&typ);
    matches!(typ, "jwt" | "at+jwt")
}

fn is_hmac(alg: &CoreJwsSigningAlgorithm) -> bool {
    matches!(
        alg,
        CoreJwsSigningAlgorithm::HmacSha256
            | CoreJwsSigningAlgorithm::HmacSha384
            | CoreJwsSigningAlgorithm::HmacSha512
    )
}

/// `aud`: a string, or a list of strings, holding `audience` exactly.
fn check_audience(claims: &Map<String, Value>, audience: &str) -> Result<(), BearerError> {
    let holds = match claims.get("aud") {
        Some(Value::String(one)) => one == audience,
        Some(Value::Array(many)) if many.iter().all(Value::is_string) => {
            many.iter().any(|a| a.as_str() == Some(audience))
        }
        _ => return Err(BearerError::MissingClaim { claim: "aud" }),
    };
    if holds {
        Ok(())
    } else {
        Err(BearerError::InvalidAudience)
    }
}

/// `exp` required and in the future; `nbf` and `iat`, when present, not in the future; all
/// with `leeway`. Returns `exp`.
fn check_times(
    claims: &Map<String, Value>,
    leeway: Duration,
    now: SystemTime,
) -> Result<SystemTime, BearerError> {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let leeway = leeway.as_secs_f64();
    let exp = verify::seconds_claim(claims, "exp")
        .ok()
        .filter(|exp| exp.is_finite() && *exp >= 0.0)
        .ok_or(BearerError::MissingClaim { claim: "exp" })?;
    if exp <= now - leeway {
        return Err(BearerError::Expired);
    }
    for name in ["nbf", "iat"] {
        match claims.get(name) {
            None | Some(Value::Null) => {}
            Some(_) => {
                let at =
                    verify::seconds_claim(claims, name).map_err(|_| BearerError::NotYetValid)?;
                if at.is_nan() || at > now + leeway {
                    return Err(BearerError::NotYetValid);
                }
            }
        }
    }
    let expires_at = Duration::try_from_secs_f64(exp)
        .ok()
        .and_then(|exp| UNIX_EPOCH.checked_add(exp))
        .ok_or(BearerError::MissingClaim { claim: "exp" })?;
    Ok(expires_at)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn access_token_types_pass_and_others_do_not() {
        for typ in [
            None,
            Some(json!("JWT")),
            Some(json!("at+jwt")),
            Some(json!("application/AT+JWT")),
        ] {
            assert!(is_access_token_type(typ.as_ref()), "{typ:?}");
        }
        for typ in [
            json!("logout+jwt"),
            json!("id_token+jwt"),
            json!(1),
            json!(["JWT"]),
        ] {
            assert!(!is_access_token_type(Some(&typ)), "{typ}");
        }
    }

    #[test]
    fn the_audience_is_exact_in_a_string_or_a_list() {
        let aud = |value: Value| {
            let mut claims = Map::new();
            claims.insert("aud".to_owned(), value);
            check_audience(&claims, "api://app")
        };
        assert_eq!(aud(json!("api://app")), Ok(()));
        assert_eq!(aud(json!(["other", "api://app"])), Ok(()));
        assert_eq!(aud(json!("api://app/")), Err(BearerError::InvalidAudience));
        assert_eq!(aud(json!("API://app")), Err(BearerError::InvalidAudience));
        assert_eq!(aud(json!([])), Err(BearerError::InvalidAudience));
        for malformed in [json!(1), json!(["api://app", 1]), json!(null)] {
            assert_eq!(
                aud(malformed),
                Err(BearerError::MissingClaim { claim: "aud" })
            );
        }
    }

    #[test]
    fn times_are_checked_with_the_leeway() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let leeway = Duration::from_secs(60);
        let times = |claims: Value| {
            let Value::Object(claims) = claims else {
                unreachable!("an object")
            };
            check_times(&claims, leeway, now)
        };
        assert_eq!(
            times(json!({"exp": 1_000_100})),
            Ok(UNIX_EPOCH + Duration::from_secs(1_000_100))
        );
        assert!(times(json!({"exp": 999_950})).is_ok(), "within the leeway");
        assert_eq!(times(json!({"exp": 999_940})), Err(BearerError::Expired));
        assert_eq!(
            times(json!({})),
            Err(BearerError::MissingClaim { claim: "exp" })
        );
        assert_eq!(
            times(json!({"exp": "1000100"})),
            Err(BearerError::MissingClaim { claim: "exp" })
        );
        assert_eq!(
            times(json!({"exp": 1e300})),
            Err(BearerError::MissingClaim { claim: "exp" })
        );
        assert!(times(json!({"exp": 1_000_100, "nbf": 1_000_050, "iat": 1_000_050})).is_ok());
        assert_eq!(
            times(json!({"exp": 1_000_100, "nbf": 1_000_061})),
            Err(BearerError::NotYetValid)
        );
        assert_eq!(
            times(json!({"exp": 1_000_100, "iat": "soon"})),
            Err(BearerError::NotYetValid)
        );
    }
}

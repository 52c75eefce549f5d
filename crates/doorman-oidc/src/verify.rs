//! ID-token verification with `openidconnect`, and [`VerifiedLogin`], which only
//! verification creates.
//!
//! Each segment of the compact JWS must be canonical base64url without padding (RFC 7515
//! §2 and §3.1) before the token is parsed: `openidconnect` decodes with trailing bits
//! allowed, so a signature whose last character differs only in its unused low bits would
//! otherwise verify, making a verified token malleable.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{JsonWebKey, SignatureVerificationError};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::issuer;
use crate::jwk::ProviderKey;
use crate::keys::KeySet;

/// What the `nonce` claim must be.
#[derive(Clone, Copy)]
pub(crate) enum NonceRule<'a> {
    /// Present and equal (a login).
    Equals(&'a str),
    /// Not checked (a refreshed ID token, Core §12.2).
    NotChecked,
}

/// The JOSE header members verification reads (RFC 7515 §4.1).
#[derive(Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: CoreJwsSigningAlgorithm,
    pub(crate) kid: Option<String>,
    /// Extensions the token says must be understood: doorman understands none.
    pub(crate) crit: Option<Value>,
    /// The media type of the whole token (`JWT`, `at+jwt`, ...), read by bearer verification.
    pub(crate) typ: Option<Value>,
}

/// A compact JWS, split and decoded, not yet trusted.
pub(crate) struct Jws<'a> {
    pub(crate) header: Header,
    pub(crate) claims: Map<String, Value>,
    /// `header.payload` as sent: what the signature covers.
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits and decodes a compact JWS: exactly three segments of canonical base64url
    /// without padding (RFC 7515 §2, §3.1: a segment whose unused low bits are set, or that is
    /// padded, is refused, so a token is never malleable), a JSON header and a JSON object
    /// of claims. Claims are kept as sent: no claim's type fails here.
    pub(crate) fn parse(raw: &'a str) -> Result<Self, Error> {
        let malformed = |reason: String| Error::MalformedIdToken { reason };
        let mut segments = raw.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            let count = raw.split('.').count();
            return Err(malformed(format!("found {count} segments (expected 3)")));
        };
        // Only which segment and what kind of problem: messages may quote token content.
        let decode = |segment: &str, name: &str| {
            URL_SAFE_NO_PAD.decode(segment).map_err(|_| {
                malformed(format!(
                    "the {name} is not canonical base64url without padding"
                ))
            })
        };
        let signing_input = &raw[..header.len() + 1 + payload.len()];
        let header_bytes = decode(header, "header")?;
        let payload_bytes = decode(payload, "payload")?;
        let signature = decode(signature, "signature")?;
        let header: Header = serde_json::from_slice(&header_bytes).map_err(|e| {
            malformed(format!(
                "the header is not a JOSE header ({})",
                e.classify_name()
            ))
        })?;
        let claims: Map<String, Value> = serde_json::from_slice(&payload_bytes)
            .map_err(|_| malformed("the claims are not a JSON object".to_owned()))?;
        Ok(Self {
            header,
            claims,
            signing_input,
            signature,
        })
    }
}

/// A short name for the kind of JSON error, never quoting the input.
trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "a missing or unknown member",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// Verifies a compact ID token and returns its claims, as sent.
///
/// The signature is checked with the provider's keys (or the client secret for HS*), under
/// the algorithms the provider advertises; then the claims the rules need, and only those,
/// are read strictly: `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `sub` (OpenID Connect
/// Core §3.1.3.7). Any other claim, of any JSON type, is kept as it came.
pub(crate) fn id_token(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    raw: &str,
    nonce: NonceRule<'_>,
    now: SystemTime,
) -> Result<Map<String, Value>, Error> {
    let jws = Jws::parse(raw)?;
    let key = verify_signature(config, metadata, keys, &jws)?;
    let claims = jws.claims;
    check_issuer(config, metadata, key.as_ref(), &claims)?;
    check_audience(config, &claims)?;
    check_times(config, &claims, now)?;
    check_nonce(nonce, &claims)?;
    if !claims.get("sub").is_some_and(Value::is_string) {
        return Err(Error::MissingClaim {
            claim: "sub".to_owned(),
        });
    }
    Ok(claims)
}

/// Checks the signature; returns the provider key that made it (`None` for HS*, keyed by
/// the client secret).
fn verify_signature(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    jws: &Jws<'_>,
) -> Result<Option<ProviderKey>, Error> {
    let alg = &jws.header.alg;
    if *alg == CoreJwsSigningAlgorithm::None {
        return Err(Error::UnsignedIdToken);
    }
    if jws.header.crit.is_some() {
        return Err(Error::MalformedIdToken {
            reason: "the header has `crit` extensions doorman does not understand".to_owned(),
        });
    }
    if !metadata.signing_algorithms.contains(alg) {
        return Err(Error::DisallowedAlgorithm {
            detail: format!("{} is not among the provider's algorithms", alg_name(alg)),
        });
    }
    if matches!(
        alg,
        CoreJwsSigningAlgorithm::HmacSha256
            | CoreJwsSigningAlgorithm::HmacSha384
            | CoreJwsSigningAlgorithm::HmacSha512
    ) {
        // HS* only ever under the client secret, never under a key of the set, and never
        // without one (a `private_key_jwt` client has none: an empty key would verify a
        // token anyone can make).
        if config.client_secret.is_empty() {
            return Err(Error::UnusableKey {
                detail: "an HMAC-signed ID token, and the client has no secret".to_owned(),
            });
        }
        check_signature(
            &ProviderKey::new_symmetric(config.client_secret.as_bytes().to_vec()),
            jws,
        )?;
        return Ok(None);
    }
    let key = signing_key(keys, jws)?;
    check_signature(key, jws)?;
    Ok(Some(key.clone()))
}

/// The one key of the set that may have signed `jws`: its `kid` (when it names one) and a
/// type and algorithm that fit `alg`.
pub(crate) fn signing_key<'k>(keys: &'k KeySet, jws: &Jws<'_>) -> Result<&'k ProviderKey, Error> {
    let alg = &jws.header.alg;
    let kid = jws.header.kid.as_deref();
    let mut candidates = keys
        .keys
        .keys()
        .iter()
        .filter(|key| kid.is_none_or(|kid| key.key_id().is_some_and(|id| id.as_str() == kid)))
        .filter(|key| key.can_check(alg));
    let key = candidates.next().ok_or(Error::NoMatchingKey)?;
    if candidates.next().is_some() {
        return Err(Error::AmbiguousKey);
    }
    Ok(key)
}

/// Checks `jws`'s signature with `key`.
pub(crate) fn check_signature(key: &ProviderKey, jws: &Jws<'_>) -> Result<(), Error> {
    key.verify_signature(
        &jws.header.alg,
        jws.signing_input.as_bytes(),
        &jws.signature,
    )
    .map_err(|e| match e {
        SignatureVerificationError::InvalidKey(detail) => Error::UnusableKey { detail },
        _ => Error::InvalidSignature,
    })
}

pub(crate) fn alg_name(alg: &CoreJwsSigningAlgorithm) -> String {
    serde_json::to_value(alg)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "the algorithm".to_owned())
}

fn string_claim<'c>(claims: &'c Map<String, Value>, name: &str) -> Result<&'c str, Error> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(Error::MissingClaim {
            claim: name.to_owned(),
        }),
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(Error::MalformedIdToken {
            reason: format!("`{name}` is not a string"),
        }),
    }
}

/// `iss` (Core §3.1.3.7 step 2): the provider's issuer exactly, or what its documented
/// exceptions allow ([`issuer::accepts`]).
fn check_issuer(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    key: Option<&ProviderKey>,
    claims: &Map<String, Value>,
) -> Result<(), Error> {
    let iss = string_claim(claims, "iss")?;
    let tid = claims.get("tid").and_then(Value::as_str);
    issuer::accepts(
        &metadata.issuer,
        key.and_then(ProviderKey::issuer),
        iss,
        tid,
        &config.allowed_tenants,
    )
}

/// `aud` and `azp` (Core §3.1.3.7 steps 3 to 5): `aud` holds the client id; another
/// audience passes only when `azp` is the client id or the audience is trusted by
/// configuration; an `azp` is the client id.
fn check_audience(config: &ClientConfig, claims: &Map<String, Value>) -> Result<(), Error> {
    let audiences: Vec<&str> = match claims.get("aud") {
        None | Some(Value::Null) => {
            return Err(Error::MissingClaim {
                claim: "aud".to_owned(),
            });
        }
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|a| a.as_str())
            .collect::<Option<_>>()
            .ok_or_else(|| Error::MalformedIdToken {
                reason: "`aud` is not a string or a list of strings".to_owned(),
            })?,
        Some(_) => {
            return Err(Error::MalformedIdToken {
                reason: "`aud` is not a string or a list of strings".to_owned(),
            });
        }
    };
    if audiences.is_empty() {
        return Err(Error::MissingClaim {
            claim: "aud".to_owned(),
        });
    }
    let client_id = config.client_id.as_str();
    if !audiences.contains(&client_id) {
        return Err(Error::InvalidAudience {
            detail: "the client id is not among the audiences".to_owned(),
        });
    }
    let azp = match claims.get("azp") {
        None | Some(Value::Null) => None,
        Some(Value::String(azp)) => Some(azp.as_str()),
        Some(_) => {
            return Err(Error::InvalidAuthorizedParty {
                detail: "`azp` is not a string".to_owned(),
            });
        }
    };
    if let Some(azp) = azp
        && azp != client_id
    {
        return Err(Error::InvalidAuthorizedParty {
            detail: format!("`{}` is not the client id", azp.escape_debug()),
        });
    }
    let untrusted = audiences
        .iter()
        .filter(|a| **a != client_id && !config.trusted_audiences.iter().any(|t| t == *a))
        .count();
    if untrusted > 0 && azp.is_none() {
        return Err(Error::InvalidAuthorizedParty {
            detail: "several audiences and no `azp`".to_owned(),
        });
    }
    Ok(())
}

/// Seconds since the epoch of a numeric claim (an integer or, leniently, a float).
pub(crate) fn seconds_claim(claims: &Map<String, Value>, name: &str) -> Result<f64, Error> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(Error::MissingClaim {
            claim: name.to_owned(),
        }),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| Error::MalformedIdToken {
            reason: format!("`{name}` is not a number of seconds"),
        }),
        Some(_) => Err(Error::MalformedIdToken {
            reason: format!("`{name}` is not a number of seconds"),
        }),
    }
}

/// `exp` in the future and `iat` not in it, both with the configured leeway.
fn check_times(
    config: &ClientConfig,
    claims: &Map<String, Value>,
    now: SystemTime,
) -> Result<(), Error> {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let leeway = config.leeway.as_secs_f64();
    let exp = seconds_claim(claims, "exp")?;
    if exp <= now - leeway {
        return Err(Error::Expired);
    }
    let iat = seconds_claim(claims, "iat")?;
    if iat > now + leeway {
        return Err(Error::IssuedInFuture);
    }
    Ok(())
}

fn check_nonce(rule: NonceRule<'_>, claims: &Map<String, Value>) -> Result<(), Error> {
    let NonceRule::Equals(expected) = rule else {
        return Ok(());
    };
    match claims.get("nonce").and_then(Value::as_str) {
        None => Err(Error::InvalidNonce {
            detail: "missing".to_owned(),
        }),
        Some(found) if crate::login::same_secret(found, expected) => Ok(()),
        Some(_) => Err(Error::InvalidNonce {
            detail: "mismatch".to_owned(),
        }),
    }
}

/// A verified login: the ID token passed every check. Only verification creates one.
#[derive(Clone)]
pub struct VerifiedLogin {
    provider: String,
    claims: Map<String, Value>,
    id_token: String,
    access_token: String,
    refresh_token: Option<String>,
    access_token_expires_at: Option<SystemTime>,
}

impl VerifiedLogin {
    pub(crate) fn new(
        provider: String,
        claims: Map<String, Value>,
        id_token: String,
        access_token: String,
        refresh_token: Option<String>,
        access_token_expires_at: Option<SystemTime>,
    ) -> Self {
        Self {
            provider,
            claims,
            id_token,
            access_token,
            refresh_token,
            access_token_expires_at,
        }
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Every claim of the ID token (and of userinfo, once merged).
    #[must_use]
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The verified `sub`.
    #[must_use]
    pub fn subject(&self) -> &str {
        self.claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The ID token's `exp`.
    #[must_use]
    pub fn id_token_expires_at(&self) -> Option<SystemTime> {
        let exp = self.claims.get("exp")?.as_u64()?;
        Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(exp))
    }

    /// The ID token, compact.
    #[must_use]
    pub fn id_token(&self) -> &str {
        &self.id_token
    }

    /// The access token.
    #[must_use]
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The refresh token, when the provider issued one.
    #[must_use]
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// When the access token expires, when the provider said.
    #[must_use]
    pub fn access_token_expires_at(&self) -> Option<SystemTime> {
        self.access_token_expires_at
    }

    /// Consumes the login into its claims.
    #[must_use]
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }

    pub(crate) fn claims_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.claims
    }
}

impl fmt::Debug for VerifiedLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedLogin")
            .field("provider", &self.provider)
            .field("claims", &self.claims)
            .field("id_token", &"REDACTED")
            .field("access_token", &"REDACTED")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use base64::alphabet::URL_SAFE;
    use base64::engine::GeneralPurpose;
    use base64::engine::general_purpose::NO_PAD;

    use super::*;

    /// The engine `openidconnect` 4 decodes JWS segments with (`core::base64_url_safe_no_pad`).
    const LENIENT: GeneralPurpose =
        GeneralPurpose::new(&URL_SAFE, NO_PAD.with_decode_allow_trailing_bits(true));

    #[test]
    fn the_strict_engine_refuses_trailing_bits_and_padding_the_lenient_one_accepts_bits() {
        // One byte: two characters, the second carrying 4 unused bits ("AQ" is canonical).
        assert_eq!(URL_SAFE_NO_PAD.decode("AQ"), Ok(vec![1]));
        assert_eq!(LENIENT.decode("AR"), Ok(vec![1]));
        assert!(URL_SAFE_NO_PAD.decode("AR").is_err());
        // Two bytes: three characters, the third carrying 2 unused bits.
        assert_eq!(URL_SAFE_NO_PAD.decode("AQE"), Ok(vec![1, 1]));
        assert_eq!(LENIENT.decode("AQF"), Ok(vec![1, 1]));
        assert!(URL_SAFE_NO_PAD.decode("AQF").is_err());
        // Padding, the standard alphabet and an impossible length.
        for refused in ["AQ==", "AQE=", "+/8", "A"] {
            assert!(URL_SAFE_NO_PAD.decode(refused).is_err(), "{refused}");
        }
        assert_eq!(URL_SAFE_NO_PAD.decode(""), Ok(vec![]));
    }

    /// `{"alg":"RS256"}` and `{}`, base64url.
    const HEADER: &str = "eyJhbGciOiJSUzI1NiJ9";
    const EMPTY: &str = "e30";

    #[test]
    fn only_three_canonical_segments_pass() {
        assert!(Jws::parse(&format!("{HEADER}.{EMPTY}.AQ")).is_ok());
        assert!(
            Jws::parse(&format!("{HEADER}.{EMPTY}.")).is_ok(),
            "an empty signature"
        );
        for (raw, segment) in [
            (format!("{HEADER}x.{EMPTY}.AQ"), "header"),
            (format!("{HEADER}.e31.AQ"), "payload"),
            (format!("{HEADER}.{EMPTY}.AR"), "signature"),
            (format!("{HEADER}.{EMPTY}.AQ=="), "signature"),
            (format!("{HEADER}.{EMPTY}.A"), "signature"),
            (format!("{HEADER}.{EMPTY}.+w"), "signature"),
        ] {
            match Jws::parse(&raw) {
                Err(Error::MalformedIdToken { reason }) => {
                    assert!(reason.contains(segment), "{raw}: {reason}");
                }
                Err(other) => panic!("{raw}: {other:?}"),
                Ok(_) => panic!("{raw}: accepted"),
            }
        }
        for raw in ["", "e30", "e30.e30", "e30.e30.AQ.AQ", "....", "e30.e30.AQ"] {
            assert!(
                matches!(Jws::parse(raw), Err(Error::MalformedIdToken { .. })),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn the_signing_input_is_the_first_two_segments_as_sent() {
        let raw = format!("{HEADER}.{EMPTY}.AQ");
        let jws = Jws::parse(&raw).expect("parses");
        assert_eq!(jws.signing_input, format!("{HEADER}.{EMPTY}"));
        assert_eq!(jws.signature, [1]);
    }
}

//! ID-token verification with `openidconnect`, and [`VerifiedLogin`], which only
//! verification creates.
//!
//! Each segment of the compact JWS must be canonical base64url without padding (RFC 7515
//! §2 and §3.1) before the token is parsed: `openidconnect` decodes with trailing bits
//! allowed, so a signature whose last character differs only in its unused low bits would
//! otherwise verify, making a verified token malleable.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, ClaimsVerificationError, ClientId, ClientSecret, IdTokenVerifier, IssuerUrl,
    Nonce, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::jwk::ProviderKey;
use crate::keys::KeySet;

/// Every claim the standard set does not name (`groups`, `hd`, ...), kept as JSON.
#[derive(Debug, Deserialize, Serialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl AdditionalClaims for OtherClaims {}

type IdToken = openidconnect::IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// What the `nonce` claim must be.
#[derive(Clone, Copy)]
pub(crate) enum NonceRule<'a> {
    /// Present and equal (a login).
    Equals(&'a str),
    /// Not checked (a refreshed ID token, Core §12.2).
    NotChecked,
}

const IAT_IN_FUTURE: &str = "iat is in the future";

/// Verifies a compact ID token and returns its claims.
pub(crate) fn id_token(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    raw: &str,
    nonce: NonceRule<'_>,
    now: SystemTime,
) -> Result<Map<String, Value>, Error> {
    check_canonical_segments(raw)?;
    let token: IdToken = raw
        .parse()
        .map_err(|e: serde_json::Error| parse_error(&e))?;
    let now = DateTime::<Utc>::from(now);
    let leeway = TimeDelta::from_std(config.leeway).unwrap_or(TimeDelta::zero());
    let issuer = IssuerUrl::new(metadata.issuer.clone()).map_err(|_| Error::InvalidIssuer {
        detail: "the provider's issuer is not a URL".to_owned(),
    })?;
    let verifier = IdTokenVerifier::<ProviderKey>::new_confidential_client(
        ClientId::new(config.client_id.clone()),
        ClientSecret::new(config.client_secret.clone()),
        issuer,
        keys.keys.clone(),
    )
    .set_allowed_algs(metadata.signing_algorithms.clone())
    .set_time_fn(move || now - leeway)
    .set_issue_time_verifier_fn(move |iat| {
        if iat > now + leeway {
            Err(IAT_IN_FUTURE.to_owned())
        } else {
            Ok(())
        }
    })
    .set_other_audience_verifier_fn(|_| false);
    let claims = match nonce {
        NonceRule::Equals(expected) => token.claims(&verifier, &Nonce::new(expected.to_owned())),
        NonceRule::NotChecked => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
    }
    .map_err(claims_error)?;

    // Core §3.1.3.7 steps 4 and 5, which `openidconnect` leaves to the client.
    let audiences = claims.audiences();
    match claims.authorized_party() {
        Some(azp) if azp.as_str() != config.client_id => {
            return Err(Error::InvalidAuthorizedParty {
                detail: format!("`{}` is not the client id", azp.as_str()),
            });
        }
        None if audiences.len() > 1 => {
            return Err(Error::InvalidAuthorizedParty {
                detail: "several audiences and no `azp`".to_owned(),
            });
        }
        _ => {}
    }
    match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::MalformedIdToken {
            reason: "claims do not form an object".to_owned(),
        }),
    }
}

/// The names of a compact JWS's segments, in order.
const SEGMENTS: [&str; 3] = ["header", "payload", "signature"];

/// Refuses a compact JWS unless it has exactly three segments, each canonical base64url
/// without padding: the strict engine refuses `=`, characters outside the URL-safe
/// alphabet, an impossible length and non-zero trailing bits. An empty segment decodes (the
/// empty signature of `alg: none`, refused later as [`Error::UnsignedIdToken`]).
fn check_canonical_segments(raw: &str) -> Result<(), Error> {
    let count = raw.split('.').count();
    if count != SEGMENTS.len() {
        return Err(Error::MalformedIdToken {
            reason: format!("found {count} segments (expected 3)"),
        });
    }
    let mut scratch = Vec::with_capacity(raw.len());
    for (segment, name) in raw.split('.').zip(SEGMENTS) {
        scratch.clear();
        URL_SAFE_NO_PAD
            .decode_vec(segment, &mut scratch)
            .map_err(|_| Error::MalformedIdToken {
                // Only which segment: the decoder's message may quote token content.
                reason: format!("the {name} is not canonical base64url without padding"),
            })?;
    }
    Ok(())
}

fn parse_error(error: &serde_json::Error) -> Error {
    let message = error.to_string();
    if let Some((claim, _)) = message
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
    {
        return Error::MissingClaim {
            claim: claim.to_owned(),
        };
    }
    // Only the kind of problem: the message may quote token content.
    let kind = message.split(':').next().unwrap_or("unreadable").trim();
    Error::MalformedIdToken {
        reason: kind.chars().take(80).collect(),
    }
}

fn claims_error(error: ClaimsVerificationError) -> Error {
    match error {
        ClaimsVerificationError::Expired(detail) if detail == IAT_IN_FUTURE => {
            Error::IssuedInFuture
        }
        ClaimsVerificationError::Expired(_) => Error::Expired,
        // `openidconnect` reads an absent `aud` as an empty list.
        ClaimsVerificationError::InvalidAudience(detail)
            if detail.starts_with("missing") || detail.ends_with("(found audiences: )") =>
        {
            Error::MissingClaim {
                claim: "aud".to_owned(),
            }
        }
        ClaimsVerificationError::InvalidAudience(detail) => Error::InvalidAudience { detail },
        ClaimsVerificationError::InvalidIssuer(detail) if detail.starts_with("missing") => {
            Error::MissingClaim {
                claim: "iss".to_owned(),
            }
        }
        ClaimsVerificationError::InvalidIssuer(detail) => Error::InvalidIssuer { detail },
        ClaimsVerificationError::InvalidNonce(detail) => Error::InvalidNonce {
            detail: if detail.contains("missing") {
                "missing"
            } else {
                "mismatch"
            }
            .to_owned(),
        },
        ClaimsVerificationError::SignatureVerification(e) => match e {
            SignatureVerificationError::NoSignature => Error::UnsignedIdToken,
            SignatureVerificationError::DisallowedAlg(detail)
            | SignatureVerificationError::UnsupportedAlg(detail) => {
                Error::DisallowedAlgorithm { detail }
            }
            SignatureVerificationError::NoMatchingKey => Error::NoMatchingKey,
            SignatureVerificationError::AmbiguousKeyId(_) => Error::AmbiguousKey,
            SignatureVerificationError::InvalidKey(detail) => Error::UnusableKey { detail },
            _ => Error::InvalidSignature,
        },
        other => Error::MalformedIdToken {
            reason: other.to_string().chars().take(120).collect(),
        },
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

    #[test]
    fn only_three_canonical_segments_pass() {
        assert_eq!(check_canonical_segments("e30.e30.AQ"), Ok(()));
        assert_eq!(check_canonical_segments("e30.e30."), Ok(()), "alg none");
        for (raw, segment) in [
            ("e31.e30.AQ", "header"),
            ("e30.e31.AQ", "payload"),
            ("e30.e30.AR", "signature"),
            ("e30.e30.AQ==", "signature"),
            ("e30.e30.A", "signature"),
            ("e30.e30.+w", "signature"),
        ] {
            match check_canonical_segments(raw) {
                Err(Error::MalformedIdToken { reason }) => {
                    assert!(reason.contains(segment), "{raw}: {reason}");
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        for raw in ["", "e30", "e30.e30", "e30.e30.AQ.AQ", "...."] {
            assert!(
                matches!(
                    check_canonical_segments(raw),
                    Err(Error::MalformedIdToken { .. })
                ),
                "{raw:?}"
            );
        }
    }
}

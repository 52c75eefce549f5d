//! ID-token verification with `openidconnect`, and [`VerifiedLogin`], which only
//! verification creates.

use std::fmt;
use std::time::SystemTime;

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

//! Refresh: the refresh-token request, and the Core §12.2 checks on a refreshed ID token.

use std::time::SystemTime;

use http::{Request, Response};
use serde_json::{Map, Value};

use crate::client_key::AssertionEntropy;
use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::keys::KeySet;
use crate::token::{TokenResponse, authenticated_post};
use crate::verify::{self, NonceRule, VerifiedLogin};

/// The refresh request for `refresh_token` at `now`, with the client's authentication
/// (`entropy` makes a `private_key_jwt` assertion; other methods ignore it).
#[must_use]
pub fn refresh_request(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    refresh_token: &str,
    now: SystemTime,
    entropy: &AssertionEntropy,
) -> Request<Vec<u8>> {
    authenticated_post(
        config,
        metadata,
        vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
        now,
        Some(entropy),
    )
}

/// Reads a refresh response for a session whose original claims are `original`.
///
/// A refreshed ID token, when present, is verified like a login's (without `nonce`), and its
/// `iss`, `sub`, `aud` and `azp` must equal the original's (an `azp` absent at login absent
/// now), its `auth_time` too when both state one, and a `nonce`, when it has one, the login's
/// (Core §12.2). Without one, the original claims are kept.
///
/// # Errors
/// Any token-endpoint or ID-token rule of [`Error`], and [`Error::RefreshIdentityChanged`].
pub fn refresh_response(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    keys: &KeySet,
    original: &Map<String, Value>,
    response: &Response<Vec<u8>>,
    now: SystemTime,
) -> Result<VerifiedLogin, Error> {
    let tokens = TokenResponse::read("token", response)?;
    let access_expires_at = tokens.access_expiry().at(now);
    let (claims, id_token) = match tokens.id_token {
        Some(raw) => {
            let claims =
                verify::id_token(config, metadata, keys, &raw, NonceRule::NotChecked, now)?;
            for claim in ["iss", "sub"] {
                if claims.get(claim) != original.get(claim) {
                    return Err(Error::RefreshIdentityChanged { claim });
                }
            }
            if audiences(&claims) != audiences(original) {
                return Err(Error::RefreshIdentityChanged { claim: "aud" });
            }
            // `azp` as at login, or absent if it was (Core §12.2).
            if claims.get("azp") != original.get("azp") {
                return Err(Error::RefreshIdentityChanged { claim: "azp" });
            }
            // A `nonce` need not be there; if it is, it is the login's.
            if claims.contains_key("nonce") && claims.get("nonce") != original.get("nonce") {
                return Err(Error::RefreshIdentityChanged { claim: "nonce" });
            }
            // The original authentication's time, if the provider states it either time.
            if let (Some(new), Some(old)) = (claims.get("auth_time"), original.get("auth_time"))
                && new != old
            {
                return Err(Error::RefreshIdentityChanged { claim: "auth_time" });
            }
            (claims, raw)
        }
        None => (original.clone(), String::new()),
    };
    Ok(VerifiedLogin::new(
        config.provider.clone(),
        claims,
        id_token,
        tokens.access_token,
        tokens.refresh_token,
        access_expires_at,
    ))
}

/// `aud` as a sorted list, whether it is a string or an array.
fn audiences(claims: &Map<String, Value>) -> Vec<String> {
    let mut list: Vec<String> = match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    list.sort();
    list
}

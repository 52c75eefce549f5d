//! Client authentication at the token endpoint: `client_secret_basic`, `client_secret_post`,
//! and `private_key_jwt` (RFC 7523 §3), whose RS256 assertions [`crate::signing`] verifies.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::DecodePublicKey as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::{DevIdp, param, unix};
use crate::config::RegisteredClient;
use crate::signing;

/// The client authentication methods the provider's own metadata lists.
pub(super) const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
];

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How far ahead of the provider's clock an assertion's `iat` may be.
const IAT_SKEW_SECS: u64 = 60;

/// How a client authenticated at the token endpoint, by its name in
/// `token_endpoint_auth_methods_supported`.
pub(super) fn auth_method(
    params: &[(String, String)],
    authorization: Option<&str>,
) -> &'static str {
    if param(params, "client_assertion_type") == Some(JWT_BEARER) {
        "private_key_jwt"
    } else if authorization.is_some_and(|a| a.starts_with("Basic ")) {
        "client_secret_basic"
    } else if param(params, "client_secret").is_some() {
        "client_secret_post"
    } else {
        "none"
    }
}

/// The client id and secret a request presents: HTTP Basic (each half form-urlencoded, RFC
/// 6749 §2.3.1) when the `Authorization` header has it, else the form's `client_id` and
/// `client_secret`; `None` when malformed or missing.
pub(super) fn credentials(
    authorization: Option<&str>,
    params: &[(String, String)],
) -> Option<(String, String)> {
    match authorization.and_then(|a| a.strip_prefix("Basic ")) {
        Some(encoded) => {
            let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
            let (id, secret) = decoded.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        }
        None => {
            let get = |name: &str| param(params, name).map(str::to_owned);
            Some((get("client_id")?, get("client_secret")?))
        }
    }
}

/// Whether `secret` is `client`'s, compared through their SHA-256 digests.
pub(super) fn secret_matches(client: &RegisteredClient, secret: &str) -> bool {
    Sha256::digest(client.client_secret.as_bytes()) == Sha256::digest(secret.as_bytes())
}

/// Whether the JWT claim `aud` names `audience`: as a string, or in an array of strings.
fn audience_holds(aud: &Value, audience: &str) -> bool {
    match aud {
        Value::String(aud) => aud == audience,
        Value::Array(auds) => {
            auds.iter().all(Value::is_string) && auds.iter().any(|a| a == audience)
        }
        _ => false,
    }
}

/// An RSA public key in PEM: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
fn rsa_public_key(pem: &str) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .ok()
}

impl DevIdp {
    /// The client a token request authenticates as, by a secret or an assertion.
    pub(super) fn authenticate(
        &self,
        params: &[(String, String)],
        authorization: Option<&str>,
        endpoint: &str,
        now: SystemTime,
    ) -> Option<RegisteredClient> {
        if param(params, "client_assertion_type") == Some(JWT_BEARER) {
            return self.authenticate_assertion(params, endpoint, now);
        }
        let (id, secret) = credentials(authorization, params)?;
        let client = self.client(&id)?;
        secret_matches(client, &secret).then(|| client.clone())
    }

    /// `private_key_jwt` (RFC 7523 §3): an RS256 assertion by the client's registered key,
    /// `iss` and `sub` the client id (and the `client_id` parameter, when sent), `aud` this
    /// token endpoint, unexpired and not issued in the future (on the provider's clock,
    /// which tests may set), its `jti` never seen before.
    fn authenticate_assertion(
        &self,
        params: &[(String, String)],
        endpoint: &str,
        now: SystemTime,
    ) -> Option<RegisteredClient> {
        let assertion = param(params, "client_assertion")?;
        let unverified = signing::unverified_claims(assertion)?;
        let client_id = unverified.get("iss")?.as_str()?;
        let (_, public_pem) = self
            .config
            .client_public_keys
            .iter()
            .find(|(id, _)| id == client_id)?;
        let key = rsa_public_key(public_pem)?;
        let claims = signing::verified_rs256_claims(assertion, &key)?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("iss") != Some(client_id)
            || text("sub") != Some(client_id)
            || !audience_holds(claims.get("aud")?, endpoint)
        {
            return None;
        }
        let now = unix(now);
        let exp = claims.get("exp")?.as_u64()?;
        let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
        if exp <= now || iat > now + IAT_SKEW_SECS {
            return None;
        }
        if param(params, "client_id").is_some_and(|id| id != client_id) {
            return None;
        }
        let jti = claims.get("jti")?.as_str()?.to_owned();
        if !self.state().assertion_ids.insert(jti) {
            return None;
        }
        self.client(client_id).cloned()
    }
}

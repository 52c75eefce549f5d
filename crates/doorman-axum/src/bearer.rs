//! API clients: a request with `Authorization: Bearer <JWT>`, when a provider has an
//! `api_audience`, is the user the token says, once the token verifies against that
//! provider's keys (`doorman_oidc::verify_bearer`, with one key refetch on an unknown `kid`)
//! and passes its allow-lists.
//!
//! # Invariants
//! - The bearer wins over cookies: a request that carries both is the token's user, or is
//!   refused with the token; a cookie never stands in for a refused token.
//! - A verified token is remembered, keyed by its whole text, until its `exp`, in a memo
//!   bounded in bytes like the one of opened cookies ([`crate::AuthOptions::session_cache_size`]):
//!   only tokens that verified and passed the allow-lists go in, so a request cannot choose
//!   what collides with what, and a repeated request costs a hash lookup.
//! - A token that is opaque, malformed or refused by any rule is a `401` with
//!   `WWW-Authenticate: Bearer error="invalid_token"`; a verified token whose user the
//!   allow-lists refuse is a `403`; a provider that cannot be reached is a `503`. Never a
//!   redirect, never the token in a log line.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorman_oidc::{BearerError, BearerVerification, verify_bearer};
use doorman_user::{ExposedTokens, Session};
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::logging::escaped;
use crate::provider::ProviderRuntime;
use crate::refusal;

/// Why a bearer token does not make a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BearerRefusal {
    /// Opaque, malformed, or refused by a rule of verification.
    Invalid,
    /// Verified, but its user is not on the provider's allow-lists.
    NotAllowed,
    /// The provider's metadata or keys cannot be had now.
    Unavailable,
}

impl IntoResponse for BearerRefusal {
    fn into_response(self) -> Response {
        match self {
            Self::Invalid => {
                let mut response =
                    refusal::json(StatusCode::UNAUTHORIZED, &json!({"error": "invalid_token"}));
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#),
                );
                response
            }
            Self::NotAllowed => {
                refusal::json(StatusCode::FORBIDDEN, &json!({"error": "not_allowed"}))
            }
            Self::Unavailable => {
                let mut response = refusal::json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &json!({"error": "temporarily_unavailable"}),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
        }
    }
}

impl Auth {
    /// The token of the request's `Authorization: Bearer` header (the scheme in any case,
    /// then spaces), when bearer tokens are on (some provider has an `api_audience`); an
    /// empty token is still one, and is refused. Another scheme is no bearer.
    pub(crate) fn bearer_token<'h>(&self, headers: &'h HeaderMap) -> Option<&'h [u8]> {
        if !self.inner.bearer_tokens {
            return None;
        }
        let value = headers.get(header::AUTHORIZATION)?.as_bytes();
        let (scheme, rest) = value.split_at_checked(6)?;
        if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first().is_some_and(|b| *b != b' ') {
            return None;
        }
        Some(rest.trim_ascii())
    }

    /// The session of a token verified before, until its `exp`.
    pub(crate) fn remembered_bearer(&self, token: &[u8], now: SystemTime) -> Option<Arc<Session>> {
        self.inner.bearers.get(token, now)
    }

    /// Verifies `token` against each provider with an `api_audience`, in the configuration's
    /// order, and makes its session; remembered until the token's `exp`.
    pub(crate) async fn bearer_session(
        &self,
        token: &[u8],
        now: SystemTime,
    ) -> Result<Arc<Session>, BearerRefusal> {
        let token = std::str::from_utf8(token).map_err(|_| {
            tracing::info!(outcome = "bearer refused", rule = %BearerError::Malformed);
            BearerRefusal::Invalid
        })?;
        let mut unavailable = false;
        let mut refused = Vec::new();
        for provider in &self.inner.providers {
            let Some(audience) = &provider.policy.api_audience else {
                continue;
            };
            match self.verify_with(provider, token, audience, now).await {
                Ok(session) => {
                    self.admit(&session)
                        .map_err(|_| BearerRefusal::NotAllowed)?;
                    let session = Arc::new(session);
                    self.inner.bearers.insert(
                        token.as_bytes(),
                        Arc::clone(&session),
                        session.expires_at(),
                    );
                    return Ok(session);
                }
                Err(None) => unavailable = true,
                Err(Some(rule)) => refused.push(rule),
            }
        }
        for rule in &refused {
            tracing::info!(outcome = "bearer refused", rule = %rule);
        }
        if unavailable && !refused.contains(&BearerError::Malformed) {
            Err(BearerRefusal::Unavailable)
        } else {
            Err(BearerRefusal::Invalid)
        }
    }

    /// `token` verified with `provider`'s keys (fetched again once for an unknown `kid`), as
    /// a session; the rule it broke, or `None` when the provider cannot be reached.
    async fn verify_with(
        &self,
        provider: &Arc<ProviderRuntime>,
        token: &str,
        audience: &str,
        now: SystemTime,
    ) -> Result<Session, Option<BearerError>> {
        let http = &self.inner.http;
        let unavailable = |why: String| {
            tracing::warn!(provider = %provider.name, why = %escaped(&why), "bearer token not verified: provider unavailable");
            None
        };
        let ready = provider.ready(http).await.map_err(unavailable)?;
        let verify = |keys| {
            verify_bearer(
                token,
                audience,
                &provider.client,
                &ready.metadata,
                keys,
                now,
            )
        };
        let verified = match verify(&ready.keys).map_err(Some)? {
            BearerVerification::Verified(verified) => verified,
            BearerVerification::NeedFreshKeys => {
                let keys = provider
                    .refresh_keys(http, &ready.keys)
                    .await
                    .map_err(unavailable)?;
                match verify(&keys).map_err(Some)? {
                    BearerVerification::Verified(verified) => verified,
                    _ => return Err(Some(BearerError::NoMatchingKey)),
                }
            }
            _ => return Err(Some(BearerError::NoMatchingKey)),
        };
        let expires_at = verified.expires_at();
        let claims = verified.into_claims();
        let issued_at = claims
            .get("iat")
            .and_then(Value::as_u64)
            .map_or(now, |iat| UNIX_EPOCH + Duration::from_secs(iat));
        let tokens = ExposedTokens {
            id: None,
            access: Some(token.to_owned()),
        };
        Ok(
            Session::new(&provider.name, claims, tokens, issued_at, expires_at, None)
                .with_refresh(None, Some(expires_at)),
        )
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    #[tokio::test]
    async fn each_refusal_answers_json_without_a_redirect() {
        for (refusal, status, error) in [
            (BearerRefusal::Invalid, 401, "invalid_token"),
            (BearerRefusal::NotAllowed, 403, "not_allowed"),
            (BearerRefusal::Unavailable, 503, "temporarily_unavailable"),
        ] {
            let response = refusal.into_response();
            assert_eq!(response.status(), status);
            assert!(!response.headers().contains_key(header::LOCATION));
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
            let body = to_bytes(response.into_body(), 1024).await.expect("body");
            let body: Value = serde_json::from_slice(&body).expect("json");
            assert_eq!(body["error"], error);
        }
        assert_eq!(
            BearerRefusal::Invalid.into_response().headers()[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
    }
}

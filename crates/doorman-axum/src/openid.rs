//! The callback of an OpenID provider: the code redeemed, the ID token verified (with one
//! refetch of the keys for an unknown `kid`), userinfo read when asked for, the session built.
//!
//! A plain OAuth 2.0 provider's callback is [`crate::oauth2`]'s.

use std::sync::Arc;
use std::time::SystemTime;

use doorman_oidc::{Error as OidcError, PendingLogin, Verification};
use doorman_user::{ExposedTokens, Session};

use crate::auth::Auth;
use crate::error::LoginFailure;
use crate::logging::escaped;
use crate::provider::ProviderRuntime;

impl Auth {
    /// Checks the callback, redeems the code, verifies the identity, reads userinfo.
    pub(crate) async fn complete_openid(
        &self,
        provider: &Arc<ProviderRuntime>,
        pending: PendingLogin,
        query: &str,
        now: SystemTime,
    ) -> Result<Session, LoginFailure> {
        let name = provider.name.as_str();
        let unavailable = || LoginFailure::ProviderUnavailable {
            provider: name.to_owned(),
        };
        let rejected = |e: &OidcError| {
            tracing::warn!(outcome = "rejected", rule = %escaped(e));
            LoginFailure::from_oidc(e, name)
        };
        let http = &self.inner.http;
        let ready = provider.ready(http).await.map_err(|why| {
            tracing::warn!(outcome = "provider unavailable", why = %escaped(&why));
            unavailable()
        })?;
        let exchange = pending
            .callback(&ready.metadata, query)
            .map_err(|e| rejected(&e))?;
        let response = http
            .send(exchange.token_request(&provider.client, &ready.metadata))
            .await
            .map_err(|why| {
                tracing::warn!(outcome = "token endpoint unreachable", why = %escaped(&why));
                unavailable()
            })?;
        let tokens = exchange
            .token_response(&response)
            .map_err(|e| rejected(&e))?;
        let login = match tokens
            .verify(&provider.client, &ready.metadata, &ready.keys, now)
            .map_err(|e| rejected(&e))?
        {
            Verification::Verified(login) => login,
            Verification::NeedFreshKeys(tokens) => {
                let keys = provider
                    .refresh_keys(http, &ready.keys)
                    .await
                    .map_err(|why| {
                        tracing::warn!(outcome = "jwks unreachable", why = %escaped(&why));
                        unavailable()
                    })?;
                match tokens
                    .verify(&provider.client, &ready.metadata, &keys, now)
                    .map_err(|e| rejected(&e))?
                {
                    Verification::Verified(login) => login,
                    Verification::NeedFreshKeys(_) => {
                        return Err(rejected(&OidcError::NoMatchingKey));
                    }
                }
            }
        };
        let login = match doorman_oidc::userinfo_request(&ready.metadata, &login) {
            Some(request) if provider.policy.call_userinfo => {
                let response = http.send(request).await.map_err(|why| {
                    tracing::warn!(outcome = "userinfo unreachable", why = %escaped(&why));
                    unavailable()
                })?;
                login.with_userinfo(&response).map_err(|e| rejected(&e))?
            }
            _ => login,
        };
        let tokens = ExposedTokens {
            id: self.inner.expose.id.then(|| login.id_token().to_owned()),
            access: self
                .inner
                .expose
                .access
                .then(|| login.access_token().to_owned()),
        };
        let id_token_expires_at = login.id_token_expires_at();
        let mut expires_at = now + provider.policy.cookie_lifetime;
        if provider.policy.bound_to_id_token
            && let Some(exp) = id_token_expires_at
        {
            expires_at = expires_at.min(exp);
        }
        let refresh_token = login.refresh_token().map(str::to_owned);
        let access_expires_at = login.access_token_expires_at();
        Ok(Session::new(
            name,
            login.into_claims(),
            tokens,
            now,
            expires_at,
            id_token_expires_at,
        )
        .with_refresh(refresh_token, access_expires_at))
    }
}

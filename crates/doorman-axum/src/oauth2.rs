//! The callback of a plain OAuth 2.0 provider (GitHub): the code redeemed, the user asked
//! for (and their addresses, when the user API leaves the email out), the session built.
//!
//! The same transaction, the same single-use `state`, the same [`Session`] and the same
//! [`LoginFailure`]s as an OpenID login; no ID token to verify or expose, so the session's
//! `tokens` hold at most the access token, and its lifetime is the cookie lifetime.

use std::sync::Arc;
use std::time::SystemTime;

use doorman_oidc::{Error as OidcError, OAuth2Endpoints, PendingLogin, UserLookup};
use doorman_user::{ExposedTokens, Session};

use crate::auth::Auth;
use crate::error::LoginFailure;
use crate::http_client::CallError;
use crate::logging::escaped;
use crate::provider::ProviderRuntime;

impl Auth {
    /// Checks the callback, redeems the code, and reads the user from the provider's API.
    pub(crate) async fn complete_oauth2(
        &self,
        provider: &Arc<ProviderRuntime>,
        endpoints: &OAuth2Endpoints,
        pending: PendingLogin,
        query: &str,
        now: SystemTime,
    ) -> Result<Session, LoginFailure> {
        let name = provider.name.as_str();
        let unavailable = |step: &str, why: &CallError| {
            tracing::warn!(outcome = "provider unreachable", step, why = %escaped(why));
            LoginFailure::ProviderUnavailable {
                provider: name.to_owned(),
            }
        };
        let rejected = |e: &OidcError| {
            tracing::warn!(outcome = "rejected", rule = %escaped(e));
            LoginFailure::from_oidc(e, name)
        };
        let http = &self.inner.http;
        let exchange = pending.oauth2_callback(query).map_err(|e| rejected(&e))?;
        let response = http
            .send(exchange.token_request(&provider.client, endpoints))
            .await
            .map_err(|why| unavailable("token", &why))?;
        let granted = exchange
            .token_response(&response, now)
            .map_err(|e| rejected(&e))?;
        let response = http
            .send(granted.user_request(endpoints))
            .await
            .map_err(|why| unavailable("user", &why))?;
        let identity = match granted
            .user_response(endpoints, &response)
            .map_err(|e| rejected(&e))?
        {
            UserLookup::Found(identity) => identity,
            UserLookup::NeedEmails(lookup) => {
                let response = http
                    .send(lookup.emails_request())
                    .await
                    .map_err(|why| unavailable("emails", &why))?;
                lookup
                    .emails_response(&response)
                    .map_err(|e| rejected(&e))?
            }
        };
        tracing::info!(
            assurance = "plain OAuth 2.0, no signed ID token",
            "user read from the provider's API"
        );
        let tokens = ExposedTokens {
            id: None,
            access: self
                .inner
                .expose
                .access
                .then(|| identity.access_token().to_owned()),
        };
        Ok(Session::new(
            name,
            identity.into_claims(),
            tokens,
            now,
            now + provider.policy.cookie_lifetime,
            None,
        ))
    }
}

//! Logout: who may ask for it (the app's own pages), what it clears (every cookie of ours
//! the request carries), and where the browser goes next (the provider's logout endpoint,
//! or home).
//!
//! The logout form's token, which proves the request came from a page showing the session,
//! is the identity cookie's ([`crate::identity`]). The provider's back-channel logout tokens
//! are verified here against the provider that issued them; what they end is
//! [`crate::revocations`]'s.

use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, header};
use doorman_user::Session;
use serde_json::Value;
use url::Url;

use crate::auth::{Auth, random, url_safe};
use crate::cookies;
use crate::logging::escaped;
use crate::revocations::{Full, Key, Revocation};

impl Auth {
    /// Whether a request comes from the app's own pages: its `Origin` is the app's, or,
    /// without an `Origin` or with `Origin: null` (what a browser sends from a page whose
    /// referrer policy is `no-referrer`), the browser's fetch metadata says `same-origin`.
    pub(crate) fn is_same_origin(&self, headers: &HeaderMap) -> bool {
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        match header(header::ORIGIN.as_str()) {
            Some(origin) if origin != "null" => origin == self.inner.origin,
            _ => header("sec-fetch-site") == Some("same-origin"),
        }
    }

    /// `Set-Cookie`s that delete every cookie of ours the request carries, at most
    /// [`cookies::MAX_DELETIONS`], the identity cookie's first.
    pub(crate) fn delete_all(&self, request: &HeaderMap) -> HeaderMap {
        let names = &self.inner.names;
        let mut ours: Vec<(u8, &str)> = cookies::request_cookies(request)
            .into_iter()
            .filter_map(|(name, _)| {
                if names.is_identity(name) {
                    Some((0, name))
                } else if name == names.error {
                    Some((1, name))
                } else if names.is_transaction(name) {
                    Some((2, name))
                } else {
                    None
                }
            })
            .collect();
        ours.sort_unstable();
        ours.dedup();
        let mut headers = HeaderMap::new();
        for (kind, name) in ours.into_iter().take(cookies::MAX_DELETIONS) {
            let scope = if kind == 2 {
                &self.inner.transaction_scope
            } else {
                &self.inner.scope
            };
            scope.delete(&mut headers, name);
        }
        headers
    }

    /// Where the browser goes after `session` was cleared: the provider's logout endpoint,
    /// coming back to [`Auth::post_logout_redirect_uri`]; `None` to stay local (a plain
    /// OAuth 2.0 provider, a provider without one, or one that cannot be reached).
    pub(crate) async fn provider_logout(&self, session: &Session) -> Option<Url> {
        let provider = self.provider(session.provider())?;
        if provider.oauth2().is_some() {
            // A plain OAuth 2.0 provider has no logout endpoint.
            return None;
        }
        let ready = provider.ready(&self.inner.http).await.ok()?;
        let back = Url::parse(&self.post_logout_redirect_uri()).ok()?;
        let state = random::<16>()?;
        let overrides = provider
            .policy
            .logout_params
            .resolve(|claim| claim_text(session, claim));
        doorman_oidc::logout_url(
            &provider.client,
            &ready.metadata,
            session.tokens().id.as_deref(),
            &back,
            &url_safe(&state),
            &overrides,
        )
    }
}

impl Auth {
    /// Records `revocation` here and, with shared state, in Redis for every replica (in the
    /// background: a Redis that does not answer is logged, the revocation then holds on this
    /// replica only, and the others learn of it only if it is made again).
    pub(crate) fn revoke(&self, revocation: Revocation, now: SystemTime) -> Result<(), Full> {
        self.inner.revocations.apply(revocation, now)?;
        if self.inner.shared.is_some() && tokio::runtime::Handle::try_current().is_ok() {
            let auth = self.clone();
            tokio::spawn(async move {
                let Some(shared) = &auth.inner.shared else {
                    return;
                };
                if let Err(why) = shared.publish_revocation(revocation, now).await {
                    tracing::error!(%why, "a revocation may not have reached the other replicas (Redis did not confirm it): it holds on this one");
                }
            });
        } else if self.inner.shared.is_some() {
            tracing::error!(
                "a revocation outside a runtime was not propagated to the other replicas"
            );
        }
        Ok(())
    }

    /// Whether the back-channel logout token named `jti` is used for the first time: never
    /// seen on this replica, nor (with shared state) on any other, where it is now recorded
    /// until `until`. Redis unreachable: this replica's record alone decides, logged.
    pub(crate) async fn first_use(&self, jti: Key, until: SystemTime, now: SystemTime) -> bool {
        if self.inner.revocations.was_used(jti, now) {
            return false;
        }
        let Some(shared) = &self.inner.shared else {
            return true;
        };
        match shared.use_token(jti, until, now).await {
            Ok(first) => first,
            Err(why) => {
                tracing::warn!(%why, "the logout tokens' replay cache in Redis is unreachable: checked against this replica's only");
                true
            }
        }
    }

    /// Ends `session` (its user's logout) on every replica: its stored body deleted with a
    /// session store, else its entry in the revocation list.
    pub(crate) async fn end_session(&self, session: &Session, now: SystemTime) {
        if self.inner.store.is_some() {
            self.drop_stored(session).await;
            return;
        }
        let Some(revocation) = self.inner.revocations.of_session(session, now) else {
            return;
        };
        if self.revoke(revocation, now).is_err() {
            tracing::error!(
                "the revocation list is full: a copy of this session's cookie stays valid until it expires"
            );
        }
    }

    /// Ends every session of `session`'s user (its `sub` at its provider) that began until
    /// `now`: [`Auth::logout_everywhere`] and its route.
    pub(crate) fn end_every_session(
        &self,
        session: &Session,
        now: SystemTime,
    ) -> Result<(), crate::error::AuthError> {
        let Some(sub) = session.claims().get("sub").and_then(Value::as_str) else {
            return Ok(());
        };
        let revocation = self.inner.revocations.of_user(session.provider(), sub, now);
        self.revoke(revocation, now)
            .map_err(|_| crate::error::AuthError::RevocationListFull)?;
        tracing::info!(
            provider = session.provider(),
            "every session of a user ended"
        );
        Ok(())
    }

    /// The verified logout request of the back-channel logout token `raw`, from the OpenID
    /// provider whose issuer it names (its keys fetched again once for an unknown `kid`, when
    /// a minute old); the refusal's reason otherwise.
    pub(crate) async fn verify_logout_token(
        &self,
        raw: &str,
        now: SystemTime,
    ) -> Result<doorman_oidc::LogoutRequest, String> {
        use doorman_oidc::{LogoutTokenError, LogoutVerification};
        let http = &self.inner.http;
        let mut audience = None;
        let mut unreachable = None;
        for provider in self.inner.providers.iter().filter(|p| p.oauth2().is_none()) {
            let Ok(ready) = provider.ready(http).await else {
                // Its metadata or keys cannot be fetched: it may be the issuer.
                unreachable.get_or_insert_with(|| provider.name.clone());
                continue;
            };
            let verify = |keys| {
                doorman_oidc::verify_logout_token(&provider.client, &ready.metadata, keys, raw, now)
            };
            let verified = match verify(&ready.keys) {
                Ok(LogoutVerification::NeedFreshKeys) => {
                    match provider.refresh_keys(http, &ready.keys).await {
                        Ok(keys) => verify(&keys),
                        Err(why) => {
                            tracing::warn!(provider = %provider.name, why = %escaped(&why), "keys unreachable for a logout token");
                            return Err("the provider's keys cannot be fetched".to_owned());
                        }
                    }
                }
                other => other,
            };
            match verified {
                Ok(LogoutVerification::Verified(request)) => return Ok(request),
                Ok(_) => return Err(LogoutTokenError::UnknownKey.to_string()),
                // Another provider's token: the next provider may have issued it.
                Err(LogoutTokenError::Issuer) => {}
                // Another client's of a shared issuer: the next may be it; if none is, this
                // is the answer.
                Err(error @ LogoutTokenError::Audience) => audience = Some(error.to_string()),
                Err(error) => return Err(error.to_string()),
            }
        }
        Err(audience
            .or_else(|| {
                unreachable.map(|name| {
                    format!("the metadata or keys of provider `{name}` cannot be fetched to check the logout token")
                })
            })
            .unwrap_or_else(|| "no configured provider issued the logout token".to_owned()))
    }
}

/// The text of `session`'s claim `name` for a `logout_params` placeholder: a string as it
/// is, a number or a boolean as JSON writes it; anything else (absent, null, a list, an
/// object) fills nothing, and the parameter is dropped.
fn claim_text(session: &Session, name: &str) -> Option<String> {
    match session.claims().get(name)? {
        Value::String(text) => Some(text.clone()),
        number @ Value::Number(_) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

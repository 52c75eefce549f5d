//! Refresh: a session whose access token is about to expire is renewed with its refresh
//! token before the handler sees it ([`Auth::refreshed`]), once per refresh token however
//! many requests ask ([`crate::refresh_flights`]).
//!
//! With shared state, one replica refreshes for all ([`crate::refresh_lock`]).
//!
//! The provider's answer is checked by the core (Core §12.2: the same `iss`, `sub` and `aud`,
//! a valid signature, no nonce needed); a refusal of the refresh token (`invalid_grant`) or of
//! its answer ends the session with a [`LoginFailure::SessionExpired`] or
//! [`LoginFailure::Rejected`] the app can show; a provider that is down or answers garbage
//! leaves the session as it is, its access token reported expired once it is
//! ([`doorman_user::Tokens::is_expired`]), and is asked again later.

use std::sync::Arc;
use std::time::SystemTime;

use doorman_oidc::{Error as OidcError, VerifiedLogin};
use doorman_user::{ExposedTokens, Refreshed, Session};
use http::HeaderMap;
use tracing::Instrument as _;

use crate::auth::{Auth, random};
use crate::error::LoginFailure;
use crate::logging::escaped;
use crate::provider::ProviderRuntime;
use crate::refresh_flights::{MAX_WAIT, Outcome};

/// What a request goes on with after its session's refresh. Its `Debug` leaves out the
/// cookies, which carry the session.
pub(crate) struct AfterRefresh {
    /// The session: refreshed, the one it had (provider unavailable), or none (ended).
    pub(crate) session: Option<Arc<Session>>,
    /// Why the session ended, for the app to show.
    pub(crate) failure: Option<LoginFailure>,
    /// The response's `Set-Cookie`s: the refreshed identity cookie, or its deletion.
    pub(crate) set_cookies: HeaderMap,
}

impl std::fmt::Debug for AfterRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfterRefresh")
            .field("session", &self.session)
            .field("failure", &self.failure)
            .field("set_cookies", &self.set_cookies.len())
            .finish()
    }
}

impl AfterRefresh {
    fn kept(session: Arc<Session>) -> Self {
        Self {
            session: Some(session),
            failure: None,
            set_cookies: HeaderMap::new(),
        }
    }
}

impl Auth {
    /// Whether `session` is due for a refresh at `now`: it has a refresh token, and its
    /// access token expires within its provider's `refresh_margin`.
    pub(crate) fn refresh_due(&self, session: &Session, now: SystemTime) -> bool {
        session.refresh_token().is_some()
            && self
                .provider(session.provider())
                .is_some_and(|provider| session.refresh_due(now, provider.policy.refresh_margin))
    }

    /// `session` refreshed at its provider, or what remains of it, with the cookies the
    /// response must carry. Requests of one session share one refresh; one that waits more
    /// than [`MAX_WAIT`] goes on with the session it has.
    pub(crate) async fn refreshed(
        &self,
        session: Arc<Session>,
        request: &HeaderMap,
        now: SystemTime,
    ) -> AfterRefresh {
        let Some(token) = session.refresh_token() else {
            return AfterRefresh::kept(session);
        };
        let key = self.inner.refresh_tags.tag(token.as_bytes());
        let flight = self.inner.refresh_flights.flight(key, now);
        let auth = self.clone();
        let leader_session = Arc::clone(&session);
        let refresh = move |failures| async move {
            let outcome = auth
                .refresh_everywhere(&leader_session, &key, now, failures)
                .await;
            (outcome, auth.inner.clock.now())
        };
        let Some(outcome) = flight.outcome(refresh, now, MAX_WAIT).await else {
            tracing::warn!(
                provider = session.provider(),
                "a refresh of this session takes long; going on with the session as it is"
            );
            return AfterRefresh::kept(session);
        };
        match outcome {
            Outcome::Refreshed(refreshed) => {
                // With a session store the cookie names the session, whose body was stored:
                // this replica's memo takes the refreshed one, and the cookie stays.
                if let (Some(store), Some(id)) = (&self.inner.store, refreshed.id()) {
                    store.remember(store.key_of(id), Some(Arc::clone(&refreshed)));
                    return AfterRefresh::kept(refreshed);
                }
                let mut set_cookies = HeaderMap::new();
                match self.set_identity(request, &mut set_cookies, &refreshed, now) {
                    Ok(()) => AfterRefresh {
                        session: Some(refreshed),
                        failure: None,
                        set_cookies,
                    },
                    Err(failure) => self.ended(request, failure),
                }
            }
            Outcome::Ended(failure) => self.ended(request, failure),
            Outcome::Unavailable { .. } => AfterRefresh::kept(session),
        }
    }

    /// The session is over: its identity cookies are deleted and `failure` is shown.
    fn ended(&self, request: &HeaderMap, failure: LoginFailure) -> AfterRefresh {
        AfterRefresh {
            session: None,
            failure: Some(failure),
            set_cookies: self.delete_identity(request),
        }
    }

    /// One refresh of `session` at its provider, after `failures` failed attempts in a row,
    /// in a `doorman.refresh` span.
    pub(crate) async fn refresh_at_provider(
        &self,
        session: &Session,
        now: SystemTime,
        failures: u32,
    ) -> Outcome {
        let span = tracing::info_span!("doorman.refresh", provider = session.provider());
        self.refresh_once(session, now, failures)
            .instrument(span)
            .await
    }

    async fn refresh_once(&self, session: &Session, now: SystemTime, failures: u32) -> Outcome {
        let name = session.provider();
        let expired = || {
            Outcome::Ended(LoginFailure::SessionExpired {
                provider: name.to_owned(),
            })
        };
        let unavailable = |step: &str, why: &dyn std::fmt::Display| {
            tracing::warn!(outcome = "provider unavailable; session kept", step, why = %escaped(&why.to_string()));
            Outcome::unavailable(failures + 1, now)
        };
        let (Some(provider), Some(token)) = (self.provider(name), session.refresh_token()) else {
            tracing::info!(outcome = "ended: the provider is no longer configured");
            return expired();
        };
        let http = &self.inner.http;
        let ready = match provider.ready(http).await {
            Ok(ready) => ready,
            Err(why) => return unavailable("metadata", &why),
        };
        let Some(entropy) = random::<32>() else {
            return unavailable("randomness", &"the system random generator failed");
        };
        let request =
            doorman_oidc::refresh_request(&provider.client, &ready.metadata, token, now, &entropy);
        let response = match http.send(request).await {
            Ok(response) => response,
            Err(why) => return unavailable("token", &why),
        };
        let read = |keys| {
            doorman_oidc::refresh_response(
                &provider.client,
                &ready.metadata,
                keys,
                session.claims(),
                &response,
                now,
            )
        };
        let verified = match read(&ready.keys) {
            Err(OidcError::NoMatchingKey) => match provider.refresh_keys(http, &ready.keys).await {
                Ok(keys) => read(&keys),
                Err(why) => return unavailable("keys", &why),
            },
            other => other,
        };
        let login = match verified {
            Ok(login) => login,
            Err(error) => return self.refused(provider, &error, now, failures),
        };
        let new_id_token = !login.id_token().is_empty();
        // The token endpoint has answered: its tokens are kept whatever follows (a refresh
        // token it rotated is the only one left), and userinfo that cannot be reached leaves
        // the ID token's claims as they are.
        let login = match doorman_oidc::userinfo_request(&ready.metadata, &login) {
            Some(request) if new_id_token && provider.policy.call_userinfo => {
                match http.send(request).await {
                    Ok(response) => match login.clone().with_userinfo(&response) {
                        Ok(login) => login,
                        Err(error) => return self.refused(provider, &error, now, failures),
                    },
                    Err(why) => {
                        tracing::warn!(step = "userinfo", why = %escaped(&why.to_string()), "refreshed without userinfo's claims");
                        login
                    }
                }
            }
            _ => login,
        };
        // The lifetime counts from the login; bound to the ID token, the session ends with
        // the newest one, so each refresh can carry it further.
        let mut expires_at = session.expires_at();
        if provider.policy.bound_to_id_token
            && let Some(exp) = login.id_token_expires_at()
        {
            expires_at = (session.login_at() + provider.policy.cookie_lifetime).min(exp);
        }
        if expires_at <= now {
            tracing::info!(outcome = "ended: the session's own lifetime is over");
            return expired();
        }
        let refreshed = session.refreshed(
            self.refreshed_parts(session, login, new_id_token),
            expires_at,
        );
        // The allow-lists hold for every renewal: a user who left the allowed groups (or
        // whose address changed) is logged out, not kept in for the session's life.
        if let Err(failure) = self.admit(&refreshed) {
            tracing::info!(outcome = "ended: no longer allowed");
            return Outcome::Ended(failure);
        }
        tracing::info!(outcome = "refreshed");
        Outcome::Refreshed(Arc::new(refreshed))
    }

    /// What the verified refresh brings into the session: claims, the exposed tokens (the old
    /// ID token when no new one came), the rotated refresh token and the new expiries.
    fn refreshed_parts(
        &self,
        session: &Session,
        login: VerifiedLogin,
        new_id_token: bool,
    ) -> Refreshed {
        let expose = self.inner.expose;
        let id_token_expires_at = login.id_token_expires_at().filter(|_| new_id_token);
        let tokens = ExposedTokens {
            id: expose.id.then(|| {
                if new_id_token {
                    login.id_token().to_owned()
                } else {
                    session.tokens().id.clone().unwrap_or_default()
                }
            }),
            access: expose.access.then(|| login.access_token().to_owned()),
        };
        let refresh_token = login.refresh_token().map(str::to_owned);
        let access_expires_at = login.access_token_expires_at();
        Refreshed::new(
            login.into_claims(),
            tokens,
            refresh_token,
            access_expires_at,
            id_token_expires_at,
        )
    }

    /// The outcome of a refresh the core refused with `error`: `invalid_grant` ends the
    /// session (the refresh token is revoked, spent or expired); a broken rule of the answer
    /// ends it too; any other refusal of the token endpoint, or an unusable answer, is the
    /// provider's trouble and keeps it.
    fn refused(
        &self,
        provider: &ProviderRuntime,
        error: &OidcError,
        now: SystemTime,
        failures: u32,
    ) -> Outcome {
        let name = provider.name.clone();
        match error {
            OidcError::TokenEndpoint { error, .. } if error == "invalid_grant" => {
                tracing::info!(outcome = "ended: the refresh token was refused (invalid_grant)");
                Outcome::Ended(LoginFailure::SessionExpired { provider: name })
            }
            OidcError::TokenEndpoint { .. }
            | OidcError::HttpStatus { .. }
            | OidcError::InvalidJson { .. }
            | OidcError::MissingTokenField { .. }
            | OidcError::UnsupportedTokenType { .. } => {
                tracing::warn!(outcome = "provider answer unusable; session kept", why = %escaped(error));
                Outcome::unavailable(failures + 1, now)
            }
            _ => {
                tracing::warn!(outcome = "ended: the refreshed answer was refused", why = %escaped(error));
                Outcome::Ended(LoginFailure::Rejected { provider: name })
            }
        }
    }
}

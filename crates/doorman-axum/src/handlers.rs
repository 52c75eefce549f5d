//! The routes: login, the callback, logout, and the return from the provider's logout.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use doorman_oidc::{Error as OidcError, LoginEntropy, PendingLogin, Verification};
use doorman_user::{ExposedTokens, Session};
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

use crate::auth::{Auth, random};
use crate::cookies::{self, TRANSACTION_LIFETIME};
use crate::error::LoginFailure;
use crate::return_to::safe_return_to;

/// What the login-transaction cookie holds.
#[derive(Serialize, Deserialize)]
struct Transaction {
    #[serde(rename = "l")]
    pending: PendingLogin,
    #[serde(rename = "r")]
    return_to: String,
}

fn redirect(location: &str, headers: HeaderMap) -> Response {
    let mut response = (StatusCode::SEE_OTHER, headers).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn url_safe(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Auth {
    /// Sets the login-failure cookie and redirects to `return_to`.
    fn fail(&self, failure: &LoginFailure, return_to: &str, mut headers: HeaderMap) -> Response {
        let now = SystemTime::now();
        let payload = serde_json::to_vec(failure).unwrap_or_default();
        if let Some(nonce) = random()
            && let Ok(value) = self.inner.transactions.seal(
                cookies::LOGIN_ERROR,
                &payload,
                now + cookies::ERROR_LIFETIME,
                now,
                nonce,
            )
        {
            self.inner.scope.set(
                &mut headers,
                cookies::LOGIN_ERROR,
                &value,
                cookies::ERROR_LIFETIME,
            );
        }
        redirect(return_to, headers)
    }
}

/// `GET {base}/auth/login?provider=NAME&return_to=PATH`.
pub(crate) async fn login(
    State(auth): State<Auth>,
    Query(params): Query<HashMap<String, String>>,
    request_headers: HeaderMap,
) -> Response {
    let name = params
        .get("provider")
        .map_or(doorman_secrets::DEFAULT_PROVIDER, String::as_str)
        .to_owned();
    let span = tracing::info_span!("doorman.login", provider = %name);
    async move {
        let Some(provider) = auth.provider(&name) else {
            tracing::info!(outcome = "unknown provider");
            let message = doorman_secrets::Error::UnknownProvider {
                provider: name.clone(),
            }
            .to_string();
            return (StatusCode::BAD_REQUEST, message).into_response();
        };
        let home = auth.home();
        let return_to = safe_return_to(params.get("return_to").map(String::as_str), &home);
        let ready = match provider.ready(&auth.inner.http).await {
            Ok(ready) => ready,
            Err(why) => {
                tracing::warn!(outcome = "provider unavailable", %why);
                let failure = LoginFailure::ProviderUnavailable {
                    provider: name.clone(),
                };
                return auth.fail(&failure, &return_to, HeaderMap::new());
            }
        };
        let (Some(state), Some(nonce), Some(pkce_verifier)) = (random(), random(), random()) else {
            tracing::error!(outcome = "no randomness");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the system random generator failed",
            )
                .into_response();
        };
        let now = SystemTime::now();
        let entropy = LoginEntropy {
            state,
            nonce,
            pkce_verifier,
        };
        let (url, pending) = doorman_oidc::begin(&provider.client, &ready.metadata, &entropy, now);
        let cookie_name = cookies::transaction_name(&url_safe(&state));
        let transaction = Transaction { pending, return_to };
        let payload = serde_json::to_vec(&transaction).unwrap_or_default();
        let mut headers = HeaderMap::new();
        let Some(seal_nonce) = random() else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the system random generator failed",
            )
                .into_response();
        };
        let Ok(sealed) = auth.inner.transactions.seal(
            &cookie_name,
            &payload,
            now + TRANSACTION_LIFETIME,
            now,
            seal_nonce,
        ) else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot seal the login transaction",
            )
                .into_response();
        };
        auth.bound_transactions(&request_headers, &mut headers, now);
        auth.inner
            .transaction_scope
            .set(&mut headers, &cookie_name, &sealed, TRANSACTION_LIFETIME);
        tracing::info!(outcome = "redirected to the provider");
        redirect(url.as_str(), headers)
    }
    .instrument(span)
    .await
}

impl Auth {
    /// Deletes the oldest transaction cookies so that, with the new one, at most
    /// [`cookies::MAX_TRANSACTIONS`] logins are in flight; unreadable ones go first.
    fn bound_transactions(&self, request: &HeaderMap, response: &mut HeaderMap, now: SystemTime) {
        let mut existing: Vec<(u64, &str)> = cookies::request_cookies(request)
            .into_iter()
            .filter(|(name, _)| name.starts_with(cookies::TRANSACTION_PREFIX))
            .map(|(name, value)| {
                let started = self
                    .inner
                    .transactions
                    .open(name, value, now)
                    .ok()
                    .and_then(|p| serde_json::from_slice::<Transaction>(&p).ok())
                    .map_or(0, |t| {
                        t.pending
                            .started_at()
                            .duration_since(SystemTime::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs() + 1)
                    });
                (started, name)
            })
            .collect();
        if existing.len() < cookies::MAX_TRANSACTIONS {
            return;
        }
        existing.sort_unstable();
        for (_, name) in existing
            .iter()
            .take(existing.len() + 1 - cookies::MAX_TRANSACTIONS)
        {
            self.inner.transaction_scope.delete(response, name);
        }
    }
}

fn failure_of(error: &OidcError, provider: &str) -> LoginFailure {
    match error {
        OidcError::AuthorizationDenied { error, description } => LoginFailure::Denied {
            error: error.clone(),
            description: description.clone(),
        },
        OidcError::StateMismatch | OidcError::MissingState => LoginFailure::UnknownOrExpiredLogin,
        OidcError::HttpStatus { .. } => LoginFailure::ProviderUnavailable {
            provider: provider.to_owned(),
        },
        _ => LoginFailure::Rejected {
            provider: provider.to_owned(),
        },
    }
}

/// The callback at `redirect_uri`'s path.
pub(crate) async fn callback(
    State(auth): State<Auth>,
    uri: Uri,
    request_headers: HeaderMap,
) -> Response {
    let span = tracing::info_span!("doorman.callback", provider = tracing::field::Empty);
    let mut response = async {
        let query = uri.query().unwrap_or_default();
        let home = auth.home();
        let mut headers = HeaderMap::new();
        let state = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned());
        let now = SystemTime::now();
        let transaction = state.as_deref().and_then(|state| {
            let name = cookies::transaction_name(state);
            let cookies = cookies::request_cookies(&request_headers);
            let (_, value) = cookies.iter().find(|(n, _)| *n == name)?;
            let payload = auth.inner.transactions.open(&name, value, now).ok()?;
            auth.inner.transaction_scope.delete(&mut headers, &name);
            serde_json::from_slice::<Transaction>(&payload).ok()
        });
        let Some(transaction) = transaction else {
            tracing::warn!(outcome = "unknown, replayed or expired login");
            return auth.fail(&LoginFailure::UnknownOrExpiredLogin, &home, headers);
        };
        let name = transaction.pending.provider().to_owned();
        tracing::Span::current().record("provider", name.as_str());
        let return_to = transaction.return_to;
        match auth.complete(&name, transaction.pending, query, now).await {
            Ok(session) => {
                auth.set_identity(&request_headers, &mut headers, &session, now);
                auth.inner.scope.delete(&mut headers, cookies::LOGIN_ERROR);
                tracing::info!(outcome = "logged in");
                redirect(&return_to, headers)
            }
            Err(failure) => auth.fail(&failure, &return_to, headers),
        }
    }
    .instrument(span)
    .await;
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

impl Auth {
    /// Checks the callback, redeems the code, verifies the identity, reads userinfo.
    async fn complete(
        &self,
        name: &str,
        pending: PendingLogin,
        query: &str,
        now: SystemTime,
    ) -> Result<Session, LoginFailure> {
        let unavailable = || LoginFailure::ProviderUnavailable {
            provider: name.to_owned(),
        };
        let rejected = |e: &OidcError| {
            tracing::warn!(outcome = "rejected", rule = %e);
            failure_of(e, name)
        };
        let provider = self
            .provider(name)
            .ok_or(LoginFailure::UnknownOrExpiredLogin)?;
        let ready = provider.ready(&self.inner.http).await.map_err(|why| {
            tracing::warn!(outcome = "provider unavailable", %why);
            unavailable()
        })?;
        let exchange = pending
            .callback(&ready.metadata, query)
            .map_err(|e| rejected(&e))?;
        let response = self
            .inner
            .http
            .send(exchange.token_request(&provider.client, &ready.metadata))
            .await
            .map_err(|why| {
                tracing::warn!(outcome = "token endpoint unreachable", %why);
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
                    .refresh_keys(&self.inner.http, &ready.keys)
                    .await
                    .map_err(|why| {
                        tracing::warn!(outcome = "jwks unreachable", %why);
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
            Some(request) if self.inner.options.call_userinfo => {
                let response = self.inner.http.send(request).await.map_err(|why| {
                    tracing::warn!(outcome = "userinfo unreachable", %why);
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
        let mut expires_at = now + self.cookie_lifetime();
        if self.inner.options.bound_by_id_token
            && let Some(exp) = id_token_expires_at
        {
            expires_at = expires_at.min(exp);
        }
        Ok(Session::new(
            name,
            login.into_claims(),
            tokens,
            now,
            expires_at,
            id_token_expires_at,
        ))
    }

    /// Seals the session into the identity cookie (chunked when large), deleting chunks of
    /// an earlier, larger value.
    fn set_identity(
        &self,
        request: &HeaderMap,
        response: &mut HeaderMap,
        session: &Session,
        now: SystemTime,
    ) {
        // Whole seconds, as the seal stores the expiry: the browser's Max-Age ends with it.
        let unix = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        };
        let lifetime =
            std::time::Duration::from_secs(unix(session.expires_at()).saturating_sub(unix(now)));
        let Some(nonce) = random() else {
            return;
        };
        let Ok(sealed) = self.inner.identity.seal(
            cookies::IDENTITY,
            &session.to_bytes(),
            session.expires_at(),
            now,
            nonce,
        ) else {
            tracing::error!("cannot seal the session");
            return;
        };
        let Ok(parts) = doorman_seal::split(
            cookies::IDENTITY,
            &sealed,
            self.inner.scope.attributes_len(lifetime),
        ) else {
            tracing::error!(
                "the session is too large for cookies; reduce the claims or exposed tokens"
            );
            return;
        };
        let header_len = doorman_seal::cookie_header_len(&parts);
        if header_len > doorman_seal::PROXY_HEADER_BUDGET / 2 {
            tracing::warn!(
                bytes = header_len,
                "the identity cookie is large; proxies often refuse Cookie headers over 8 KiB"
            );
        }
        for (name, _) in cookies::request_cookies(request) {
            if doorman_seal::is_part_of(cookies::IDENTITY, name)
                && !parts.iter().any(|(n, _)| n == name)
            {
                self.inner.scope.delete(response, name);
            }
        }
        for (name, value) in &parts {
            self.inner.scope.set(response, name, value, lifetime);
        }
    }
}

/// `POST {base}/auth/logout`: same-origin only.
pub(crate) async fn logout(State(auth): State<Auth>, request_headers: HeaderMap) -> Response {
    let span = tracing::info_span!("doorman.logout", provider = tracing::field::Empty);
    async move {
        let origin = request_headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let fetch_site = request_headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        let same_origin = match origin {
            Some(origin) => origin == auth.inner.origin,
            None => fetch_site == Some("same-origin"),
        };
        if !same_origin {
            tracing::warn!(outcome = "refused: not same-origin");
            return (
                StatusCode::FORBIDDEN,
                "logout must come from the app's own pages",
            )
                .into_response();
        }
        let session = auth.session(&request_headers);
        let mut headers = HeaderMap::new();
        for (name, _) in cookies::request_cookies(&request_headers) {
            if doorman_seal::is_part_of(cookies::IDENTITY, name) || name == cookies::LOGIN_ERROR {
                auth.inner.scope.delete(&mut headers, name);
            } else if name.starts_with(cookies::TRANSACTION_PREFIX) {
                auth.inner.transaction_scope.delete(&mut headers, name);
            }
        }
        let home = auth.home();
        let Some(session) = session else {
            tracing::info!(outcome = "logged out (no session)");
            return redirect(&home, headers);
        };
        tracing::Span::current().record("provider", session.provider());
        let target = match auth.provider(session.provider()) {
            Some(provider) => match (
                provider.ready(&auth.inner.http).await,
                url::Url::parse(&auth.post_logout_redirect_uri()),
                random::<16>(),
            ) {
                (Ok(ready), Ok(back), Some(state)) => doorman_oidc::logout_url(
                    &provider.client,
                    &ready.metadata,
                    session.tokens().id.as_deref(),
                    &back,
                    &url_safe(&state),
                ),
                _ => None,
            },
            None => None,
        };
        match target {
            Some(url) => {
                tracing::info!(outcome = "logged out; to the provider's end_session_endpoint");
                redirect(url.as_str(), headers)
            }
            None => {
                tracing::info!(outcome = "logged out locally");
                redirect(&home, headers)
            }
        }
    }
    .instrument(span)
    .await
}

/// `GET {base}/auth/logout`: a page that posts the logout form (what [`crate::logout`] returns).
pub(crate) async fn logout_page(State(auth): State<Auth>) -> Response {
    logout_form(&auth.path("/auth/logout")).into_response()
}

/// A page that logs out at once with a same-origin `POST`, with a button when scripts are off.
pub(crate) fn logout_form(action: &str) -> Html<String> {
    let action = html_escape(action);
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Logging out</title></head><body>
<form id="doorman-logout" method="post" action="{action}"><button type="submit">Log out</button></form>
<script>document.getElementById("doorman-logout").submit()</script></body></html>"#
    ))
}

/// `GET {base}/auth/logged-out`: where the provider returns after logout.
pub(crate) async fn logged_out(State(auth): State<Auth>) -> Response {
    redirect(&auth.home(), HeaderMap::new())
}

pub(crate) fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

//! The routes: login, the callback, logout, and the return from the provider's logout.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use doorman_oidc::{Error as OidcError, LoginEntropy, PendingLogin, Verification};
use doorman_user::{ExposedTokens, Session};
use tracing::Instrument as _;

use crate::auth::{Auth, random};
use crate::cookies;
use crate::error::LoginFailure;
use crate::html::{self, TOKEN_FIELD};
use crate::logging::escaped;
use crate::return_to::safe_return_to;
use crate::transaction::{Transaction, Untaken};

fn redirect(location: &str, headers: HeaderMap) -> Response {
    let mut response = (StatusCode::SEE_OTHER, headers).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn url_safe(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Auth {
    /// Sets the login-failure cookie and redirects to `return_to`.
    fn fail(&self, failure: &LoginFailure, return_to: &str, mut headers: HeaderMap) -> Response {
        let now = SystemTime::now();
        let name = self.inner.names.error.as_str();
        let payload = serde_json::to_vec(failure).unwrap_or_default();
        if let Some(nonce) = random()
            && let Ok(value) = self.inner.transactions.seal(
                name,
                &payload,
                now + cookies::ERROR_LIFETIME,
                now,
                nonce,
            )
        {
            self.inner
                .scope
                .set(&mut headers, name, &value, cookies::ERROR_LIFETIME);
        }
        redirect(return_to, headers)
    }
}

fn no_randomness() -> Response {
    tracing::error!(outcome = "no randomness");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the system random generator failed",
    )
        .into_response()
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
    let span = tracing::info_span!("doorman.login", provider = %escaped(&name));
    async move {
        let Some(provider) = auth.provider(&name) else {
            tracing::info!(outcome = "unknown provider");
            // Streamlit's message, with the requested name escaped and cut short.
            let message = doorman_secrets::Error::UnknownProvider {
                provider: name
                    .chars()
                    .take(64)
                    .collect::<String>()
                    .escape_debug()
                    .to_string(),
            }
            .to_string();
            let mut response = (StatusCode::BAD_REQUEST, message).into_response();
            response.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            return response;
        };
        let home = auth.home();
        let return_to = safe_return_to(params.get("return_to").map(String::as_str), &home);
        let (Some(state), Some(nonce), Some(pkce_verifier), Some(client_assertion)) =
            (random(), random(), random(), random())
        else {
            return no_randomness();
        };
        let now = SystemTime::now();
        let entropy = LoginEntropy {
            state,
            nonce,
            pkce_verifier,
            client_assertion,
        };
        let (url, pending) = match provider.begin(&auth.inner.http, &entropy, now).await {
            Ok(begun) => begun,
            Err(why) => {
                tracing::warn!(outcome = "provider unavailable", why = %escaped(&why));
                let failure = LoginFailure::ProviderUnavailable {
                    provider: name.clone(),
                };
                return auth.fail(&failure, &return_to, HeaderMap::new());
            }
        };
        let transaction = Transaction { pending, return_to };
        let mut headers = HeaderMap::new();
        if auth
            .start_transaction(
                &request_headers,
                &mut headers,
                &transaction,
                &url_safe(&state),
                now,
            )
            .is_none()
        {
            return no_randomness();
        }
        tracing::info!(outcome = "redirected to the provider");
        redirect(url.as_str(), headers)
    }
    .instrument(span)
    .await
}

pub(crate) fn failure_of(error: &OidcError, provider: &str) -> LoginFailure {
    match error {
        OidcError::AuthorizationDenied { error, description } => {
            LoginFailure::denied(error, description.as_deref())
        }
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
        let now = SystemTime::now();
        let state = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned());
        let taken = match &state {
            Some(state) => auth.take_transaction(&request_headers, &mut headers, state, now),
            None => Err(Untaken::Unknown),
        };
        let transaction = match taken {
            Ok(transaction) => transaction,
            Err(Untaken::Replayed) => {
                tracing::warn!(outcome = "replayed callback refused");
                return auth.fail(&LoginFailure::UnknownOrExpiredLogin, &home, headers);
            }
            Err(Untaken::Unknown) => {
                tracing::warn!(outcome = "unknown or expired login");
                return auth.fail(&LoginFailure::UnknownOrExpiredLogin, &home, headers);
            }
        };
        let name = transaction.pending.provider().to_owned();
        tracing::Span::current().record("provider", name.as_str());
        let return_to = transaction.return_to;
        let logged_in = match auth.complete(&name, transaction.pending, query, now).await {
            Ok(session) => auth.set_identity(&request_headers, &mut headers, &session, now),
            Err(failure) => Err(failure),
        };
        match logged_in {
            Ok(()) => {
                auth.inner
                    .scope
                    .delete(&mut headers, &auth.inner.names.error);
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
            tracing::warn!(outcome = "rejected", rule = %escaped(e));
            failure_of(e, name)
        };
        let provider = self
            .provider(name)
            .ok_or(LoginFailure::UnknownOrExpiredLogin)?;
        if let Some(endpoints) = provider.oauth2() {
            return self
                .complete_oauth2(provider, endpoints, pending, query, now)
                .await;
        }
        let ready = provider.ready(&self.inner.http).await.map_err(|why| {
            tracing::warn!(outcome = "provider unavailable", why = %escaped(&why));
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
                    .refresh_keys(&self.inner.http, &ready.keys)
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
            Some(request) if self.inner.options.call_userinfo => {
                let response = self.inner.http.send(request).await.map_err(|why| {
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

    /// Whether a request comes from the app's own pages: its `Origin` is the app's, or,
    /// without an `Origin` or with `Origin: null` (what a browser sends from a page whose
    /// referrer policy is `no-referrer`), the browser's fetch metadata says `same-origin`.
    fn is_same_origin(&self, headers: &HeaderMap) -> bool {
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
    fn delete_all(&self, request: &HeaderMap) -> HeaderMap {
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
}

/// `POST {base}/auth/logout`: from the app's own pages only, with the session's logout
/// token when there is a session.
pub(crate) async fn logout(
    State(auth): State<Auth>,
    request_headers: HeaderMap,
    body: Bytes,
) -> Response {
    let span = tracing::info_span!("doorman.logout", provider = tracing::field::Empty);
    async move {
        if !auth.is_same_origin(&request_headers) {
            tracing::warn!(outcome = "refused: not same-origin");
            return (
                StatusCode::FORBIDDEN,
                "logout must come from the app's own pages",
            )
                .into_response();
        }
        let session = auth.session(&request_headers);
        if let Some(session) = &session {
            let token = url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == TOKEN_FIELD)
                .map(|(_, v)| v);
            if !token.is_some_and(|t| auth.is_logout_token(session, &t)) {
                tracing::warn!(outcome = "refused: no valid logout token");
                return (
                    StatusCode::FORBIDDEN,
                    "logout must come from the app's own logout form",
                )
                    .into_response();
            }
        }
        let headers = auth.delete_all(&request_headers);
        let home = auth.home();
        let Some(session) = session else {
            tracing::info!(outcome = "logged out (no session)");
            return redirect(&home, headers);
        };
        tracing::Span::current().record("provider", session.provider());
        let target = match auth.provider(session.provider()) {
            // A plain OAuth 2.0 provider has no logout endpoint: logout is local.
            Some(provider) if provider.oauth2().is_some() => None,
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

/// `GET {base}/auth/logout` (where [`crate::logout`] leads): the logout form, submitted at
/// once only when the browser says the request came from the app's own pages
/// (`Sec-Fetch-Site: same-origin`); anywhere else a plain button the user must click.
/// The page may not be framed, so the button cannot be clicked through another site.
pub(crate) async fn logout_page(State(auth): State<Auth>, request_headers: HeaderMap) -> Response {
    let token = auth
        .session(&request_headers)
        .map(|session| auth.logout_token(&session))
        .unwrap_or_default();
    let same_origin = request_headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    let mut response =
        html::logout_page(&auth.path("/auth/logout"), &token, same_origin).into_response();
    no_store(&mut response);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `GET {base}/auth/logged-out`: where the provider returns after logout.
pub(crate) async fn logged_out(State(auth): State<Auth>) -> Response {
    redirect(&auth.home(), HeaderMap::new())
}

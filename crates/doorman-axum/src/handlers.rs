//! The routes: login, the callback, logout and its page, the return from the provider's
//! logout, and the manual refresh and its page. Each reads the clock once; the work is in the
//! module of its concept.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use doorman_oidc::LoginEntropy;
use tracing::Instrument as _;

use crate::auth::{Auth, random, url_safe};
use crate::cookies::page_cookies;
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

/// Sets the login-failure cookie and redirects to `return_to`.
fn fail(
    auth: &Auth,
    failure: &LoginFailure,
    return_to: &str,
    mut headers: HeaderMap,
    now: SystemTime,
) -> Response {
    auth.set_failure(&mut headers, failure, now);
    redirect(return_to, headers)
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
        let now = auth.inner.clock.now();
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
                return fail(&auth, &failure, &return_to, HeaderMap::new(), now);
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
        let now = auth.inner.clock.now();
        let state = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned());
        let taken = match &state {
            Some(state) => auth.take_transaction(&request_headers, &mut headers, state, now),
            None => Err(Untaken::Unknown),
        };
        // Taken here; with shared state, taken nowhere else before.
        let taken = match (taken, &state) {
            (Ok(_), Some(state)) if !auth.first_callback(state).await => {
                tracing::warn!("the login was taken on another replica");
                Err(Untaken::Replayed)
            }
            (taken, _) => taken,
        };
        let transaction = match taken {
            Ok(transaction) => transaction,
            Err(untaken) => {
                let outcome = match untaken {
                    Untaken::Replayed => "replayed callback refused",
                    Untaken::Unknown => "unknown or expired login",
                };
                tracing::warn!(outcome);
                return fail(
                    &auth,
                    &LoginFailure::UnknownOrExpiredLogin,
                    &home,
                    headers,
                    now,
                );
            }
        };
        let name = transaction.pending.provider().to_owned();
        tracing::Span::current().record("provider", name.as_str());
        let return_to = transaction.return_to;
        let completed = match auth.provider(&name) {
            None => Err(LoginFailure::UnknownOrExpiredLogin),
            Some(provider) => match provider.oauth2() {
                Some(endpoints) => {
                    auth.complete_oauth2(provider, endpoints, transaction.pending, query, now)
                        .await
                }
                None => {
                    auth.complete_openid(provider, transaction.pending, query, now)
                        .await
                }
            },
        };
        // Each login's session gets an id of its own, kept through refreshes: what its
        // logout revokes.
        let completed = completed.map(|session| match random::<16>() {
            Some(id) => session.with_id(url_safe(&id)),
            None => session,
        });
        let admitted = completed.and_then(|session| auth.admit(&session).map(|()| session));
        let logged_in = match admitted {
            Ok(session) => {
                auth.keep_session(
                    &request_headers,
                    &mut headers,
                    &std::sync::Arc::new(session),
                    now,
                )
                .await
            }
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
            Err(failure) => fail(&auth, &failure, &return_to, headers, now),
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

/// `POST {base}/auth/logout`: from the app's own pages only, with the session's logout
/// token when there is a session.
pub(crate) async fn logout(
    State(auth): State<Auth>,
    request_headers: HeaderMap,
    body: Bytes,
) -> Response {
    let span = tracing::info_span!("doorman.logout", provider = tracing::field::Empty);
    async move {
        let now = auth.inner.clock.now();
        let session = match logout_request(&auth, &request_headers, &body, now).await {
            Ok(session) => session,
            Err(why) => return (StatusCode::FORBIDDEN, why).into_response(),
        };
        let headers = auth.delete_all(&request_headers);
        let home = auth.home();
        let Some(session) = session else {
            tracing::info!(outcome = "logged out (no session)");
            return redirect(&home, headers);
        };
        // A copy of the cookie (another tab's, a stolen one) no longer opens this session,
        // on any replica.
        auth.end_session(&session, now).await;
        tracing::Span::current().record("provider", session.provider());
        let target = auth.provider_logout(&session).await;
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

/// A logout's checks, shared by logout and log out everywhere: the request comes from the
/// app's own pages and, when there is a session, carries the session's logout token. The
/// session (if any), or why the request is refused (a `403`).
async fn logout_request(
    auth: &Auth,
    request_headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<Option<std::sync::Arc<doorman_user::Session>>, &'static str> {
    if !auth.is_same_origin(request_headers) {
        tracing::warn!(outcome = "refused: not same-origin");
        return Err("logout must come from the app's own pages");
    }
    let session = auth
        .session_fetched(&page_cookies(request_headers, &auth.inner.names), now)
        .await;
    if let Some(session) = &session {
        let token = url::form_urlencoded::parse(body)
            .find(|(k, _)| k == TOKEN_FIELD)
            .map(|(_, v)| v);
        if !token.is_some_and(|t| auth.is_logout_token(session, &t)) {
            tracing::warn!(outcome = "refused: no valid logout token");
            return Err("logout must come from the app's own logout form");
        }
    }
    Ok(session)
}

/// `GET {base}/auth/logout` (where [`crate::logout()`] leads): the logout form, submitted at
/// once only when the browser says the request came from the app's own pages
/// (`Sec-Fetch-Site: same-origin`); anywhere else a plain button the user must click.
/// The page may not be framed, so the button cannot be clicked through another site.
pub(crate) async fn logout_page(State(auth): State<Auth>, request_headers: HeaderMap) -> Response {
    let cookies = page_cookies(&request_headers, &auth.inner.names);
    let token = auth
        .session_fetched(&cookies, auth.inner.clock.now())
        .await
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

/// `POST {base}/auth/refresh`: renews the session at once (not waiting for its access token
/// to near its expiry), from the app's own pages only, and returns to the form's `return_to`.
/// A session the provider will not renew ends, with its failure shown there.
pub(crate) async fn refresh(
    State(auth): State<Auth>,
    request_headers: HeaderMap,
    body: Bytes,
) -> Response {
    let span = tracing::info_span!("doorman.manual_refresh");
    async move {
        if !auth.is_same_origin(&request_headers) {
            tracing::warn!(outcome = "refused: not same-origin");
            return (
                StatusCode::FORBIDDEN,
                "a refresh must come from the app's own pages",
            )
                .into_response();
        }
        let home = auth.home();
        let written = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == html::RETURN_TO_FIELD)
            .map(|(_, v)| v.into_owned());
        let return_to = safe_return_to(written.as_deref(), &home);
        let now = auth.inner.clock.now();
        let Some(session) = auth
            .session_fetched(&page_cookies(&request_headers, &auth.inner.names), now)
            .await
            .filter(|session| !auth.inner.revocations.is_revoked(session, now))
        else {
            tracing::info!(outcome = "nothing to refresh: no session");
            return redirect(&return_to, auth.delete_identity(&request_headers));
        };
        if session.refresh_token().is_none() {
            tracing::info!(outcome = "nothing to refresh: the provider gave no refresh token");
            return redirect(&return_to, HeaderMap::new());
        }
        let after = auth.refreshed(session, &request_headers, now).await;
        match after.failure {
            Some(failure) => fail(&auth, &failure, &return_to, after.set_cookies, now),
            None => redirect(&return_to, after.set_cookies),
        }
    }
    .instrument(span)
    .await
}

/// `GET {base}/auth/refresh?return_to=PATH` (where [`crate::refresh()`] leads): the refresh
/// form, submitted at once only from the app's own pages, as the logout page is.
pub(crate) async fn refresh_page(
    State(auth): State<Auth>,
    Query(params): Query<HashMap<String, String>>,
    request_headers: HeaderMap,
) -> Response {
    let return_to = safe_return_to(params.get("return_to").map(String::as_str), &auth.home());
    let same_origin = request_headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    let mut response =
        html::refresh_page(&auth.path("/auth/refresh"), &return_to, same_origin).into_response();
    no_store(&mut response);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `POST {base}/auth/logout-everywhere`: ends every session of the user who asks (their
/// other browsers and devices), as logout does this one: from the app's own pages, with the
/// session's logout token; then logs out here too.
pub(crate) async fn logout_everywhere(
    State(auth): State<Auth>,
    request_headers: HeaderMap,
    body: Bytes,
) -> Response {
    let span = tracing::info_span!("doorman.logout_everywhere");
    async move {
        let now = auth.inner.clock.now();
        let session = match logout_request(&auth, &request_headers, &body, now).await {
            Ok(session) => session,
            Err(why) => return (StatusCode::FORBIDDEN, why).into_response(),
        };
        let headers = auth.delete_all(&request_headers);
        if let Some(session) = session
            && auth.end_every_session(&session, now).is_err()
        {
            tracing::error!(outcome = "refused: the revocation list is full");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the sessions could not be ended; please try again later",
            )
                .into_response();
        }
        redirect(&auth.home(), headers)
    }
    .instrument(span)
    .await
}

/// `POST {base}/auth/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0 §2.5): the
/// provider's `logout_token`, verified by the core ([`doorman_oidc::verify_logout_token`])
/// against the provider it names, used once; then the provider session (`sid`), or every
/// session of the user (`sub`), ends. `200`, or `400` with the OAuth error body; never cached.
pub(crate) async fn backchannel_logout(State(auth): State<Auth>, body: Bytes) -> Response {
    let span = tracing::info_span!(
        "doorman.backchannel_logout",
        provider = tracing::field::Empty
    );
    let mut response = async move {
        let token = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.into_owned());
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return invalid_logout_request("no logout_token");
        };
        let now = auth.inner.clock.now();
        let request = match auth.verify_logout_token(&token, now).await {
            Ok(request) => request,
            Err(why) => {
                tracing::warn!(outcome = "refused", why = %escaped(&why));
                return invalid_logout_request(&why);
            }
        };
        tracing::Span::current().record("provider", request.provider());
        let revocations = &auth.inner.revocations;
        let jti = revocations.token_key(request.provider(), request.jti());
        if !auth.first_use(jti, request.replayable_until(), now).await {
            tracing::warn!(outcome = "refused: a logout token used before");
            return invalid_logout_request("the logout token was used before");
        }
        // The core refuses a token with neither: one of the two is there.
        let revocation = match (request.sid(), request.sub()) {
            (Some(sid), _) => revocations.of_provider_session(request.provider(), sid, now),
            (None, sub) => revocations.of_user(request.provider(), sub.unwrap_or_default(), now),
        };
        let recorded = auth
            .revoke(revocation, now)
            .and_then(|()| revocations.record_use(jti, request.replayable_until(), now));
        if recorded.is_err() {
            tracing::error!(outcome = "refused: the revocation list is full");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the revocation list is full",
            )
                .into_response();
        }
        tracing::info!(outcome = "logged out by the provider");
        StatusCode::OK.into_response()
    }
    .instrument(span)
    .await;
    no_store(&mut response);
    response
}

/// `400` with `{"error": "invalid_request", "error_description": why}`.
fn invalid_logout_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({
            "error": "invalid_request",
            "error_description": why,
        })),
    )
        .into_response()
}

//! [`Guard`]: the layer of [`Auth::require_login`] and [`Auth::require_group`], which lets
//! through only logged-in users (and members of a group), so a router of protected routes
//! needs no check in its handlers.
//!
//! # Answers
//! - Logged in (by the identity cookie, or by a bearer token when an `api_audience` is set)
//!   and, for a group guard, in the group: the inner service, which finds the user already
//!   read (the [`crate::User`] extractor takes it from the request's scope: no second look-up).
//! - Not logged in, a browser's navigation ([`crate::navigation`]): `303 See Other` to the
//!   login with the default provider (the first configured when every provider is named, or
//!   the one [`Guard::login_with`] names), coming back to the requested path and query.
//! - Not logged in, anything else: `401` with `{"error": "login_required", "login_url": ...}`
//!   and `WWW-Authenticate` (a `Cookie` challenge naming the login, and `Bearer` when bearer
//!   tokens are on), never a redirect a script cannot follow.
//! - Logged in outside the group: `403`, a page for a navigation and JSON otherwise.
//! - A bearer token that does not verify: `401` with `WWW-Authenticate: Bearer
//!   error="invalid_token"` ([`crate::bearer`]).
//!
//! A session due for a refresh is refreshed before the guard decides, as the extractor would:
//! a session the provider ends is anonymous; so is a revoked one (logged out elsewhere), whose
//! cookie the answer deletes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorman_user::Session;
use serde_json::json;
use tower::{Layer, Service, ServiceExt as _};

use crate::allow::{self, Groups};
use crate::auth::Auth;
use crate::cookies::{PageCookies, page_cookies};
use crate::identity::Lookup;
use crate::layer::{AuthService, RequestScope};
use crate::navigation::is_navigation;
use crate::refusal;
use crate::revocations::Key;

/// A layer that lets through only logged-in users, and for [`Auth::require_group`] only
/// members of a group: apply it to a router of protected routes. It serves them as
/// [`Auth::layer`] does, so the protected router is merged next to the app's layered routes
/// (merged inside them, it works the same, at the cost of a second layer).
///
/// ```rust,no_run
/// # fn app(auth: doorman_axum::Auth) -> axum::Router {
/// use axum::{Router, routing::get};
/// let private = Router::new()
///     .route("/private", get(|| async { "only for logged-in users" }))
///     .layer(auth.require_login());
/// Router::new()
///     .route("/", get(|| async { "public" }))
///     .merge(auth.routes())
///     .layer(auth.layer())
///     .merge(private)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Guard {
    auth: Auth,
    /// The provider an anonymous browser is sent to; `None`: the default one.
    provider: Option<String>,
    /// The group a user must be in; `None`: any logged-in user.
    group: Option<String>,
}

impl Guard {
    pub(crate) fn new(auth: Auth, group: Option<String>) -> Self {
        Self {
            auth,
            provider: None,
            group,
        }
    }

    /// Sends anonymous browsers to log in with `provider` rather than the default provider
    /// (and names it in the `login_url` of a `401`). A name the configuration lacks is
    /// logged at once; the login route then answers it with Streamlit's message.
    #[must_use]
    pub fn login_with(mut self, provider: &str) -> Self {
        if self.auth.provider(provider).is_none() {
            tracing::warn!(
                provider = %crate::logging::escaped(&provider),
                "require_login().login_with names a provider the secrets do not configure"
            );
        }
        self.provider = Some(provider.to_owned());
        self
    }
}

/// The guard serves its routes as [`Auth::layer`] does (the [`crate::User`] extractor,
/// [`crate::login()`], [`crate::logout()`] work in them), with the check right inside: no
/// layer of the router between the two, so a guarded route costs what an unguarded one does
/// and the check.
impl<S> Layer<S> for Guard {
    type Service = AuthService<GuardService<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService::new(
            GuardService {
                inner,
                guard: Arc::new(self.clone()),
            },
            self.auth.clone(),
        )
    }
}

/// The service [`Guard`] wraps around protected routes.
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    guard: Arc<Guard>,
}

/// What the guard can tell without waiting.
enum Judged {
    /// Through to the inner service.
    Through,
    /// Answered here.
    Refused(Response),
    /// A bearer token never seen: to verify first.
    Bearer(SystemTime),
    /// A session due for a refresh: to refresh first.
    Refresh(Arc<Session>, SystemTime),
    /// A stored session this replica has never seen: to fetch first.
    Fetch(Key, SystemTime),
}

impl Guard {
    /// The verdict on a request, from the memo of opened cookies and verified tokens, with the
    /// request's scope when a layer serves one (where a session let through is left for the
    /// extractor, and a refresh's cookies go).
    /// A stored session is fetched first unless it was (`fetched`).
    fn judge(
        &self,
        headers: &HeaderMap,
        here: &str,
        scope: Option<&RequestScope>,
        fetched: bool,
    ) -> Judged {
        let auth = &self.auth;
        if let Some(token) = auth.bearer_token(headers) {
            let now = auth.inner.clock.now();
            return match auth.remembered_bearer(token, now) {
                Some(session) => self.decide(session, headers, scope),
                None => Judged::Bearer(now),
            };
        }
        let cookies = page_cookies(headers, &auth.inner.names);
        if matches!(cookies, PageCookies::Nothing) {
            return Judged::Refused(self.anonymous(headers, here));
        }
        let now = auth.inner.clock.now();
        let session = match auth.lookup(&cookies, now) {
            Lookup::Found(session) => session,
            Lookup::Unseen(key) if !fetched => return Judged::Fetch(key, now),
            Lookup::Unseen(_) | Lookup::Nothing => {
                return Judged::Refused(self.anonymous(headers, here));
            }
        };
        // A revoked session (logged out elsewhere) is anonymous, its cookie deleted.
        if auth.inner.revocations.is_revoked(&session, now) {
            let mut response = self.anonymous(headers, here);
            response.headers_mut().extend(auth.delete_identity(headers));
            return Judged::Refused(response);
        }
        if scope.is_some()
            && session.refresh_due(now, auth.inner.widest_refresh_margin)
            && auth.refresh_due(&session, now)
        {
            return Judged::Refresh(session, now);
        }
        // Several cookies may carry a login failure to show: the extractor reads them again.
        let scope = scope.filter(|_| matches!(cookies, PageCookies::Identity(_)));
        self.decide(session, headers, scope)
    }

    /// Through for a user the guard admits (left in `scope` for the extractor), else `403`.
    fn decide(
        &self,
        session: Arc<Session>,
        headers: &HeaderMap,
        scope: Option<&RequestScope>,
    ) -> Judged {
        if !self.admits(&session) {
            return Judged::Refused(forbidden(headers));
        }
        if let Some(scope) = scope {
            scope.resolve(session);
        }
        Judged::Through
    }

    /// Whether `session`'s user is in the guard's group (any user, for `require_login`).
    fn admits(&self, session: &Session) -> bool {
        let Some(group) = &self.group else {
            return true;
        };
        let path = self.auth.groups_claim(session.provider());
        match allow::groups(session.claims(), path) {
            Groups::Listed(groups) => groups.contains(&group.as_str()),
            Groups::Overage => {
                tracing::warn!(
                    provider = session.provider(),
                    "require_group: the provider did not list the user's groups (groups overage); refused"
                );
                false
            }
            Groups::Missing => false,
        }
    }

    /// The answer to a request without a user: to the login for a navigation, `401` else.
    fn anonymous(&self, headers: &HeaderMap, here: &str) -> Response {
        // The default provider, or the first one when every provider is named.
        let provider = self.provider.as_deref().or_else(|| {
            let first = self.auth.inner.providers.first()?;
            (first.name != doorman_secrets::DEFAULT_PROVIDER).then_some(first.name.as_str())
        });
        let login_url = self.auth.login_url(provider, Some(here));
        let mut response = if is_navigation(headers) {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&login_url) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        } else {
            let mut response = refusal::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "login_required", "login_url": login_url}),
            );
            let origin = &self.auth.inner.origin;
            let challenge = format!(
                "Cookie realm=\"{origin}\", form-action=\"{}\"",
                login_url.replace('"', "%22")
            );
            if let Ok(challenge) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .append(header::WWW_AUTHENTICATE, challenge);
            }
            if self.auth.inner.bearer_tokens
                && let Ok(challenge) = HeaderValue::from_str(&format!("Bearer realm=\"{origin}\""))
            {
                response
                    .headers_mut()
                    .append(header::WWW_AUTHENTICATE, challenge);
            }
            response
        };
        response.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Authorization, Accept, Sec-Fetch-Mode"),
        );
        response
    }
}

/// `403`: a page for a navigation, JSON otherwise.
fn forbidden(headers: &HeaderMap) -> Response {
    if is_navigation(headers) {
        refusal::forbidden_page()
    } else {
        refusal::json(StatusCode::FORBIDDEN, &json!({"error": "forbidden"}))
    }
}

/// The path and query of `request`, where a login comes back to.
fn here<B>(request: &Request<B>) -> &str {
    request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str())
}

type Boxed<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let guard = &self.guard;
        let judged = RequestScope::with_current(|scope| {
            guard.judge(request.headers(), here(&request), scope, false)
        });
        let state = match judged {
            Judged::Through => State::Through {
                inner: self.inner.call(request),
            },
            Judged::Refused(response) => State::Refused {
                response: Some(response),
            },
            Judged::Bearer(now) => State::Later {
                future: Box::pin(bearer_then(
                    Arc::clone(guard),
                    self.inner.clone(),
                    request,
                    now,
                )),
            },
            Judged::Refresh(session, now) => State::Later {
                future: Box::pin(refresh_then(
                    Arc::clone(guard),
                    self.inner.clone(),
                    request,
                    session,
                    now,
                )),
            },
            Judged::Fetch(key, now) => State::Later {
                future: Box::pin(fetch_then(
                    Arc::clone(guard),
                    self.inner.clone(),
                    request,
                    key,
                    now,
                )),
            },
        };
        GuardFuture { state }
    }
}

/// Verifies the request's bearer token, then decides.
async fn bearer_then<S, B>(
    guard: Arc<Guard>,
    inner: S,
    request: Request<B>,
    now: SystemTime,
) -> Result<Response, S::Error>
where
    S: Service<Request<B>, Response = Response>,
{
    let token = guard
        .auth
        .bearer_token(request.headers())
        .unwrap_or_default();
    match guard.auth.bearer_session(token, now).await {
        Ok(session) => through_or_refused(&guard, inner, request, session).await,
        Err(refusal) => Ok(refusal.into_response()),
    }
}

/// Fetches the stored session from Redis into this replica's memo, then judges again.
async fn fetch_then<S, B>(
    guard: Arc<Guard>,
    inner: S,
    request: Request<B>,
    key: Key,
    now: SystemTime,
) -> Result<Response, S::Error>
where
    S: Service<Request<B>, Response = Response>,
{
    guard.auth.fetch_stored(key, now).await;
    let judged = RequestScope::with_current(|scope| {
        guard.judge(request.headers(), here(&request), scope, true)
    });
    match judged {
        Judged::Through => inner.oneshot(request).await,
        Judged::Refused(response) => Ok(response),
        Judged::Refresh(session, now) => {
            Box::pin(refresh_then(guard, inner, request, session, now)).await
        }
        // Neither comes after a fetch: a bearer token is judged before cookies, and a
        // fetched session is found or not.
        Judged::Bearer(_) | Judged::Fetch(..) => {
            Ok(guard.anonymous(request.headers(), here(&request)))
        }
    }
}

/// Refreshes the session (its cookies going to the response), then decides.
async fn refresh_then<S, B>(
    guard: Arc<Guard>,
    inner: S,
    request: Request<B>,
    session: Arc<Session>,
    now: SystemTime,
) -> Result<Response, S::Error>
where
    S: Service<Request<B>, Response = Response>,
{
    let after = guard.auth.refreshed(session, request.headers(), now).await;
    RequestScope::with_current(|scope| {
        if let Some(scope) = scope {
            scope.set_cookies(after.set_cookies);
        }
    });
    match after.session {
        Some(session) => through_or_refused(&guard, inner, request, session).await,
        None => Ok(guard.anonymous(request.headers(), here(&request))),
    }
}

/// The inner service for a user the guard admits (left in the scope for the extractor), a
/// `403` for another.
async fn through_or_refused<S, B>(
    guard: &Guard,
    inner: S,
    request: Request<B>,
    session: Arc<Session>,
) -> Result<Response, S::Error>
where
    S: Service<Request<B>, Response = Response>,
{
    if !guard.admits(&session) {
        return Ok(forbidden(request.headers()));
    }
    RequestScope::with_current(|scope| {
        if let Some(scope) = scope {
            scope.resolve(session);
        }
    });
    inner.oneshot(request).await
}

pin_project_lite::pin_project! {
    /// The response future of [`GuardService`].
    pub struct GuardFuture<F, E> {
        #[pin]
        state: State<F, E>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F, E> {
        Through { #[pin] inner: F },
        Refused { response: Option<Response> },
        Later { future: Boxed<E> },
    }
}

impl<F, E> fmt::Debug for GuardFuture<F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardFuture").finish_non_exhaustive()
    }
}

impl<F, E> Future for GuardFuture<F, E>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Through { inner } => inner.poll(cx),
            StateProjection::Refused { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_default()))
            }
            StateProjection::Later { future } => future.as_mut().poll(cx),
        }
    }
}

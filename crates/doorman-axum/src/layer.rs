//! [`AuthLayer`]: makes the [`crate::Auth`] reachable from extractors, turns [`crate::login()`],
//! [`crate::logout()`] and [`crate::refresh()`] into redirects, adds the cookies of a session
//! refreshed on the way, and clears a login failure once it was shown.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::uri::PathAndQuery;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorman_user::Session;
use tower::{Layer, Service};

use crate::auth::Auth;

/// `st.login()`: a response that starts a login with the provider (`None`: the default
/// one), coming back to the page that returned it.
#[derive(Clone, Debug)]
pub struct Login {
    provider: Option<String>,
}

/// `st.logout()`: a response that leads to the logout page, which logs out at once when
/// the request came from the app's own pages and asks for a click otherwise.
#[derive(Clone, Debug)]
pub struct Logout {
    _private: (),
}

/// A response that renews the session at the provider now (as `st.user.refresh()` is
/// specified), through the refresh page, coming back to the page that returned it.
#[derive(Clone, Debug)]
pub struct Refresh {
    _private: (),
}

/// Renews the session now, not waiting for its access token to near its expiry. Return it
/// from a handler. Sessions are refreshed on their own before their access token expires;
/// this is for when the app knows the claims changed (a new group, a new name).
#[must_use]
pub fn refresh() -> Refresh {
    Refresh { _private: () }
}

impl IntoResponse for Refresh {
    fn into_response(self) -> Response {
        rewritten_by_the_layer(self)
    }
}

/// Starts a login, like `st.login(provider)`. Return it from a handler.
#[must_use]
pub fn login(provider: Option<&str>) -> Login {
    Login {
        provider: provider.map(str::to_owned),
    }
}

/// Logs out, like `st.logout()`. Return it from a handler.
#[must_use]
pub fn logout() -> Logout {
    Logout { _private: () }
}

/// A response the layer rewrites: what a handler asked for rides in its extensions, and
/// without the layer it stays a loud 500.
fn rewritten_by_the_layer<T: Clone + Send + Sync + 'static>(intent: T) -> Response {
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        "doorman: add `.layer(auth.layer())` to the router to use login() and logout()",
    )
        .into_response();
    response.extensions_mut().insert(intent);
    response
}

impl IntoResponse for Login {
    fn into_response(self) -> Response {
        rewritten_by_the_layer(self)
    }
}

impl IntoResponse for Logout {
    fn into_response(self) -> Response {
        rewritten_by_the_layer(self)
    }
}

/// What the layer keeps for each request while it is served: the [`Auth`], the request's
/// URI (where a [`Login`] comes back to), and whether the [`crate::User`] extractor handed
/// out a login failure, so that the layer clears the failure cookie on that response: a
/// failure is shown once.
///
/// It lives in the layer's response future, not in the request's extensions: the extractor
/// finds it in a scoped thread-local that the future sets only while it polls the handler
/// (where axum runs extractors), which costs neither an allocation nor an extension insert.
pub(crate) struct RequestScope {
    pub(crate) auth: Auth,
    failure_shown: Cell<bool>,
    /// `Set-Cookie`s the extractor asks the response to carry (a refreshed session's); boxed,
    /// so that every request's future stays small.
    set_cookies: Cell<Option<Box<HeaderMap>>>,
    /// The request's path and query, where a [`Login`] comes back to: a cheap clone (a
    /// server's request bytes are shared).
    here: Option<PathAndQuery>,
    /// The session a guard in front of the handler already read (refreshed, or verified from
    /// a bearer token): the extractor takes it as is.
    resolved: Cell<Option<Arc<Session>>>,
}

impl std::fmt::Debug for RequestScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestScope")
            .field("auth", &self.auth)
            .field("failure_shown", &self.failure_shown)
            .field("here", &self.here)
            .finish_non_exhaustive()
    }
}

scoped_tls::scoped_thread_local!(static CURRENT: RequestScope);

impl RequestScope {
    /// Runs `f` with the scope of the request whose handler is being polled on this
    /// thread, if a layer serves one.
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Self>) -> R) -> R {
        if CURRENT.is_set() {
            CURRENT.with(|scope| f(Some(scope)))
        } else {
            f(None)
        }
    }

    /// Records that this request's login failure was handed out, so the response clears it.
    pub(crate) fn failure_shown(&self) {
        self.failure_shown.set(true);
    }

    /// Leaves `session`, read (and refreshed or verified) by a guard, for the extractor.
    pub(crate) fn resolve(&self, session: Arc<Session>) {
        self.resolved.set(Some(session));
    }

    /// The session a guard left, if any.
    pub(crate) fn resolved(&self) -> Option<Arc<Session>> {
        let resolved = self.resolved.take();
        self.resolved.set(resolved.clone());
        resolved
    }

    /// Adds `headers`' `Set-Cookie`s to the response.
    pub(crate) fn set_cookies(&self, headers: HeaderMap) {
        let merged = match self.set_cookies.take() {
            Some(mut earlier) => {
                // Appended, not extended: `extend` would replace the earlier `Set-Cookie`s.
                for value in headers.get_all(header::SET_COOKIE) {
                    earlier.append(header::SET_COOKIE, value.clone());
                }
                earlier
            }
            None => Box::new(headers),
        };
        self.set_cookies.set(Some(merged));
    }
}

/// The layer that serves [`crate::Auth`] to the app's handlers.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    pub(crate) auth: Auth,
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Auth,
}

impl<S> AuthService<S> {
    /// `inner` served as [`AuthLayer`] serves it (the layer of a guard builds one).
    pub(crate) fn new(inner: S, auth: Auth) -> Self {
        Self { inner, auth }
    }
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let scope = RequestScope {
            auth: self.auth.clone(),
            failure_shown: Cell::new(false),
            set_cookies: Cell::new(None),
            here: request.uri().path_and_query().cloned(),
            resolved: Cell::new(None),
        };
        // A guard called right here (not through a router's route) finds the scope too.
        let inner = CURRENT.set(&scope, || self.inner.call(request));
        ResponseFuture { inner, scope }
    }
}

pin_project_lite::pin_project! {
    /// The response of [`AuthService`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        scope: RequestScope,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let mut response = match CURRENT.set(this.scope, || inner.poll(cx)) {
            Poll::Ready(Ok(response)) => response,
            other => return other,
        };
        let extensions = response.extensions_mut();
        let location = if extensions.is_empty() {
            None
        } else if let Some(Login { provider }) = extensions.remove::<Login>() {
            let here = this.scope.here.as_ref().map_or("/", PathAndQuery::as_str);
            Some(this.scope.auth.login_url(provider.as_deref(), Some(here)))
        } else if extensions.remove::<Logout>().is_some() {
            Some(this.scope.auth.path("/auth/logout"))
        } else if extensions.remove::<Refresh>().is_some() {
            let here = this.scope.here.as_ref().map_or("/", PathAndQuery::as_str);
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", here)
                .finish();
            Some(format!("{}?{query}", this.scope.auth.path("/auth/refresh")))
        } else {
            None
        };
        if let Some(location) = location {
            response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
        }
        if let Some(set_cookies) = this.scope.set_cookies.take() {
            let headers = response.headers_mut();
            for value in set_cookies.get_all(header::SET_COOKIE) {
                headers.append(header::SET_COOKIE, value.clone());
            }
        }
        if this.scope.failure_shown.get() {
            let inner = &this.scope.auth.inner;
            let sets_failure = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .any(|v| v.as_bytes().starts_with(inner.names.error.as_bytes()));
            if !sets_failure {
                inner
                    .scope
                    .delete(response.headers_mut(), &inner.names.error);
            }
        }
        Poll::Ready(Ok(response))
    }
}

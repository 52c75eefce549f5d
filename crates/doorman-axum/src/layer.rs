//! [`AuthLayer`]: makes the [`crate::Auth`] reachable from extractors, turns [`crate::login()`]
//! and [`crate::logout()`] into redirects, and clears a login failure once it was shown.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
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

/// What the layer attaches to each request: the [`Auth`], the request's URI (where a
/// [`Login`] comes back to), and a flag the [`crate::User`] extractor sets when it hands out
/// a login failure, so that the layer clears the failure cookie on that response: a failure
/// is shown once.
///
/// One allocation per request, shared by the layer, the extractor and the `User`: the
/// `Auth`'s reference count, which every worker thread touches, changes once per request.
#[derive(Debug)]
pub(crate) struct RequestScope {
    pub(crate) auth: Auth,
    pub(crate) failure_shown: AtomicBool,
    /// A cheap clone (a server's request bytes are shared), read only for a [`Login`].
    here: Uri,
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

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // One small allocation per request, cheaper than looking for the failure cookie in
        // the `Cookie` header here.
        let scope = Arc::new(RequestScope {
            auth: self.auth.clone(),
            failure_shown: AtomicBool::new(false),
            here: request.uri().clone(),
        });
        request.extensions_mut().insert(Arc::clone(&scope));
        ResponseFuture {
            inner: self.inner.call(request),
            scope,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of [`AuthService`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        scope: Arc<RequestScope>,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.poll(cx) {
            Poll::Ready(Ok(response)) => response,
            other => return other,
        };
        let extensions = response.extensions_mut();
        let location = if let Some(Login { provider }) = extensions.remove::<Login>() {
            let here = this.scope.here.path_and_query().map_or("/", |p| p.as_str());
            Some(this.scope.auth.login_url(provider.as_deref(), Some(here)))
        } else if extensions.remove::<Logout>().is_some() {
            Some(this.scope.auth.path("/auth/logout"))
        } else {
            None
        };
        if let Some(location) = location {
            response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
        }
        if this.scope.failure_shown.load(Ordering::Relaxed) {
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

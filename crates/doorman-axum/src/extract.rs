//! The [`User`] extractor: the current user, anonymous when not logged in, and what a page
//! needs to offer login or logout.

use std::ops::Deref;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use doorman_user::{Identity, Session};

use crate::allow::{self, Groups};
use crate::auth::Auth;
use crate::cookies::{PageCookies, page_cookies};
use crate::error::LoginFailure;
use crate::html;
use crate::identity::Lookup;
use crate::layer::RequestScope;
use crate::revocations::Key;

/// The current user (Streamlit's `st.user`): read-only, anonymous when not logged in.
///
/// It dereferences to the request's [`Identity`] (`is_logged_in()`, `email()`,
/// `claim::<T>()`, `to_dict()`, ...), as axum's own extractors (`Json`, `State`,
/// `Extension`) dereference to what they extracted, so `user.email()` reads like
/// `st.user.email`; its own methods, whose names `Identity` does not use, are what needs
/// the request: the login failure waiting to be shown and the URLs of login and logout.
///
/// It is extracted under [`crate::Auth::layer`]: in a handler of a router the layer wraps, or
/// in middleware inside it that awaits its inner service in place (as axum's `from_fn` does).
/// Anywhere else, or in a task spawned away from the request, it is a 500 that says so.
#[derive(Clone, Debug)]
pub struct User {
    identity: Identity,
    failure: Option<LoginFailure>,
    auth: Auth,
}

impl Deref for User {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.identity
    }
}

impl User {
    /// The identity, without the login helpers.
    #[must_use]
    pub fn into_inner(self) -> Identity {
        self.identity
    }

    /// Why the last login failed, once, on the page the user came back to.
    #[must_use]
    pub fn login_failure(&self) -> Option<&LoginFailure> {
        self.failure.as_ref()
    }

    /// The URL that starts a login with `provider` (`None`: the default provider) and comes
    /// back to `return_to`.
    #[must_use]
    pub fn login_url(&self, provider: Option<&str>, return_to: Option<&str>) -> String {
        self.auth.login_url(provider, return_to)
    }

    /// The configured providers' names, default first.
    #[must_use]
    pub fn providers(&self) -> Vec<&str> {
        self.auth.provider_names()
    }

    /// An HTML link that starts a login with `provider`.
    #[must_use]
    pub fn login_button(&self, label: &str, provider: Option<&str>) -> String {
        html::login_link(&self.login_url(provider, None), label)
    }

    /// An HTML form that logs out: a same-origin `POST` carrying this session's logout
    /// token, so no other site can submit it. Empty when no one is logged in.
    #[must_use]
    pub fn logout_button(&self, label: &str) -> String {
        let Some(session) = self.identity.session() else {
            return String::new();
        };
        let auth = &self.auth;
        html::logout_form(
            &auth.path("/auth/logout"),
            &auth.logout_token(session),
            label,
        )
    }
}

impl User {
    /// An HTML form that ends every session of this user (their other browsers and
    /// devices) and this one: a same-origin `POST` to `{base}/auth/logout-everywhere` carrying
    /// this session's logout token. Empty when no one is logged in.
    #[must_use]
    pub fn logout_everywhere_button(&self, label: &str) -> String {
        let Some(session) = self.identity.session() else {
            return String::new();
        };
        html::logout_form(
            &self.auth.path("/auth/logout-everywhere"),
            &self.auth.logout_token(session),
            label,
        )
    }

    /// An HTML form that renews the session at the provider now (a same-origin `POST` to
    /// `{base}/auth/refresh`), coming back to `return_to`. Empty when no one is logged in.
    #[must_use]
    pub fn refresh_button(&self, label: &str, return_to: &str) -> String {
        if !self.identity.is_logged_in() {
            return String::new();
        }
        html::refresh_form(&self.auth.path("/auth/refresh"), return_to, label)
    }
}

impl User {
    /// The user's groups: the string, or the strings of the list, at their provider's
    /// `groups_claim` (`groups` unless configured; a dotted path such as `realm_access.roles`
    /// reads nested claims). Empty when anonymous, when the claim is missing, and when the
    /// provider left the groups out for too many (Entra's groups overage).
    #[must_use]
    pub fn groups(&self) -> Vec<&str> {
        let Some(session) = self.identity.session() else {
            return Vec::new();
        };
        let path = self.auth.groups_claim(session.provider());
        match allow::groups(session.claims(), path) {
            Groups::Listed(groups) => groups,
            Groups::Overage | Groups::Missing => Vec::new(),
        }
    }

    /// Whether `group` is one of [`User::groups`], exactly as the provider writes it.
    #[must_use]
    pub fn in_group(&self, group: &str) -> bool {
        self.groups().contains(&group)
    }
}

/// What the extractor can tell without waiting.
enum Start {
    /// The user.
    Ready(User),
    /// The user of a session due for a refresh, the session and when it was read.
    Refresh(User, Arc<Session>, SystemTime),
    /// A bearer token never seen, to verify.
    Bearer(Auth, SystemTime),
    /// A stored session this replica has never seen, to fetch before reading again.
    Fetch(Auth, Key, SystemTime),
}

/// What the cookies of a request tell.
enum Read {
    /// The user, and its session with the time it was read at when a refresh is due.
    User(User, Option<(Arc<Session>, SystemTime)>),
    /// A stored session this replica has never seen, and when it was asked for.
    Unseen(Key, SystemTime),
}

/// The extractor's answer outside the layer.
fn outside_the_layer() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "doorman: the User extractor runs only under `auth.layer()`: add `.layer(auth.layer())` to the router, and extract in the handler's own task",
    )
        .into_response()
}

/// The user of a request: a guard in front of the handler may have read it already; else a
/// bearer token (when bearer tokens are on, it wins over cookies), else the cookies.
///
/// Refused (as `Response`) only for a bearer token that does not make a user (`401`, `403`
/// or `503`, see [`crate::Auth::require_login`]), and outside [`crate::Auth::layer`] (`500`).
impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut start =
            RequestScope::with_current(|scope| scope.map(|scope| Self::start(parts, scope, false)))
                .ok_or_else(outside_the_layer)?;
        if let Start::Fetch(auth, key, now) = start {
            // Boxed, as the other rare paths: read from Redis once, then from the memo.
            Box::pin(auth.fetch_stored(key, now)).await;
            start = RequestScope::with_current(|scope| {
                scope.map(|scope| Self::start(parts, scope, true))
            })
            .ok_or_else(outside_the_layer)?;
        }
        match start {
            Start::Ready(user) => Ok(user),
            // Fetched once: a session still unseen (Redis unreachable) read as logged out.
            Start::Fetch(auth, ..) => Ok(Self {
                identity: Identity::anonymous(),
                failure: None,
                auth,
            }),
            // Boxed: the rare paths' state stays out of every request's future.
            Start::Refresh(user, session, now) => {
                Ok(Box::pin(user.refreshed(session, &parts.headers, now)).await)
            }
            Start::Bearer(auth, now) => {
                let token = auth.bearer_token(&parts.headers).unwrap_or_default();
                let session = Box::pin(auth.bearer_session(token, now))
                    .await
                    .map_err(IntoResponse::into_response)?;
                Ok(Self {
                    identity: Identity::logged_in(session),
                    failure: None,
                    auth,
                })
            }
        }
    }
}

impl User {
    /// The user of the request when it needs no waiting: the session a guard left, a bearer
    /// token verified before, or the cookies (and whether their session is due for a refresh,
    /// or, unless `fetched`, is a stored session to fetch first).
    fn start(parts: &Parts, scope: &RequestScope, fetched: bool) -> Start {
        let auth = &scope.auth;
        if let Some(session) = scope.resolved() {
            return Start::Ready(Self {
                identity: Identity::logged_in(session),
                failure: None,
                auth: auth.clone(),
            });
        }
        if let Some(token) = auth.bearer_token(&parts.headers) {
            let now = auth.inner.clock.now();
            return match auth.remembered_bearer(token, now) {
                Some(session) => Start::Ready(Self {
                    identity: Identity::logged_in(session),
                    failure: None,
                    auth: auth.clone(),
                }),
                None => Start::Bearer(auth.clone(), now),
            };
        }
        match Self::read(parts, scope, fetched) {
            Read::User(user, None) => Start::Ready(user),
            Read::User(user, Some((session, now))) => Start::Refresh(user, session, now),
            Read::Unseen(key, now) => Start::Fetch(auth.clone(), key, now),
        }
    }

    /// The user of the request whose headers are `parts`, served under `scope`, and its
    /// session with the time it was read at when a refresh is due; or, unless `fetched`, the
    /// key of a stored session this replica has never seen.
    fn read(parts: &Parts, scope: &RequestScope, fetched: bool) -> Read {
        let auth = &scope.auth;
        // One pass over the `Cookie` header; the clock is read only when a cookie of ours
        // is there, and each candidate value is looked up once in the memo of opened cookies.
        let cookies = page_cookies(&parts.headers, &auth.inner.names);
        let (lookup, now) = match cookies {
            PageCookies::Nothing => (Lookup::Nothing, None),
            ref some => {
                let now = auth.inner.clock.now();
                (auth.lookup(some, now), Some(now))
            }
        };
        let session = match (lookup, now) {
            (Lookup::Found(session), _) => Some(session),
            (Lookup::Unseen(key), Some(now)) if !fetched => return Read::Unseen(key, now),
            _ => None,
        };
        let failure = match (&cookies, now) {
            (PageCookies::Several(_), Some(now)) => auth.failure(&cookies, now),
            _ => None,
        };
        if failure.is_some() {
            scope.failure_shown();
        }
        // A revoked session (logged out elsewhere) reads as logged out, its cookie deleted.
        let session = match (session, now) {
            (Some(session), Some(now)) if auth.inner.revocations.is_revoked(&session, now) => {
                scope.set_cookies(auth.delete_identity(&parts.headers));
                None
            }
            (session, _) => session,
        };
        let due = match (&session, now) {
            // The widest margin first: one comparison for a session not due anywhere.
            (Some(session), Some(now))
                if session.refresh_due(now, auth.inner.widest_refresh_margin)
                    && auth.refresh_due(session, now) =>
            {
                Some((Arc::clone(session), now))
            }
            _ => None,
        };
        let identity = session.map_or_else(Identity::anonymous, Identity::logged_in);
        let user = Self {
            identity,
            failure,
            auth: auth.clone(),
        };
        Read::User(user, due)
    }

    /// This user after its session's refresh: renewed, kept, or ended with a failure to show;
    /// the response carries the new cookie, or the old one's deletion.
    async fn refreshed(
        mut self,
        session: Arc<Session>,
        request: &HeaderMap,
        now: SystemTime,
    ) -> Self {
        let after = self.auth.refreshed(session, request, now).await;
        RequestScope::with_current(|scope| {
            if let Some(scope) = scope {
                scope.set_cookies(after.set_cookies);
            }
        });
        self.identity = after
            .session
            .map_or_else(Identity::anonymous, Identity::logged_in);
        if after.failure.is_some() {
            self.failure = after.failure;
        }
        self
    }
}

//! The [`User`] extractor: the current user, anonymous when not logged in, and what a page
//! needs to offer login or logout.

use std::ops::Deref;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use doorman_user::{Identity, Session};

use crate::auth::Auth;
use crate::cookies::{PageCookies, page_cookies};
use crate::error::LoginFailure;
use crate::html;
use crate::layer::RequestScope;

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

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (user, due) = RequestScope::with_current(|scope| {
            let scope = scope.ok_or((
                StatusCode::INTERNAL_SERVER_ERROR,
                "doorman: the User extractor runs only under `auth.layer()`: add `.layer(auth.layer())` to the router, and extract in the handler's own task",
            ))?;
            Ok(Self::read(parts, scope))
        })?;
        match due {
            None => Ok(user),
            // Boxed: the rare path's state stays out of every request's future.
            Some((session, now)) => {
                Ok(Box::pin(user.refreshed(session, &parts.headers, now)).await)
            }
        }
    }
}

impl User {
    /// The user of the request whose headers are `parts`, served under `scope`, and its
    /// session with the time it was read at when a refresh is due.
    fn read(parts: &Parts, scope: &RequestScope) -> (Self, Option<(Arc<Session>, SystemTime)>) {
        let auth = &scope.auth;
        // One pass over the `Cookie` header; the clock is read only when a cookie of ours
        // is there, and each candidate value is looked up once in the memo of opened cookies.
        let cookies = page_cookies(&parts.headers, &auth.inner.names);
        let (session, failure, now) = match cookies {
            PageCookies::Nothing => (None, None, None),
            identity @ PageCookies::Identity(_) => {
                let now = auth.inner.clock.now();
                (auth.session(&identity, now), None, Some(now))
            }
            several @ PageCookies::Several(_) => {
                let now = auth.inner.clock.now();
                (
                    auth.session(&several, now),
                    auth.failure(&several, now),
                    Some(now),
                )
            }
        };
        if failure.is_some() {
            scope.failure_shown();
        }
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
        (user, due)
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

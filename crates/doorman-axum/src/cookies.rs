//! Our cookies: their names, reading them from a request, writing and deleting them.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::HeaderMap;
use http::header::{COOKIE, HeaderValue, SET_COOKIE};

/// The identity cookie (and its chunks `doorman_user_1`, ...).
pub(crate) const IDENTITY: &str = "doorman_user";
/// The login-transaction cookies' prefix: `doorman_tx_` and the start of the `state`.
pub(crate) const TRANSACTION_PREFIX: &str = "doorman_tx_";
/// The login-failure cookie, read once on the page the user returns to.
pub(crate) const LOGIN_ERROR: &str = "doorman_error";
/// At most this many logins may be in flight in one browser.
pub(crate) const MAX_TRANSACTIONS: usize = 5;
/// How long a login may take at the provider.
pub(crate) const TRANSACTION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long a login failure waits to be shown.
pub(crate) const ERROR_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The name of the transaction cookie for a login whose `state` is `state`.
pub(crate) fn transaction_name(state: &str) -> String {
    let prefix: String = state
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("{TRANSACTION_PREFIX}{prefix}")
}

/// The request's cookies as `(name, value)` pairs, borrowed from its headers.
pub(crate) fn request_cookies(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| {
            Cookie::split_parse(header)
                .filter_map(Result::ok)
                .filter_map(|c| match (c.name_raw(), c.value_raw()) {
                    (Some(name), Some(value)) => Some((name, value)),
                    _ => None,
                })
        })
        .collect()
}

/// Where and how our cookies are set.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub(crate) path: String,
    pub(crate) secure: bool,
}

impl Scope {
    /// `; Path=...; HttpOnly; SameSite=Lax[; Secure]; Max-Age=...`'s length, for chunking.
    pub(crate) fn attributes_len(&self, max_age: Duration) -> usize {
        let probe = self.build("x", "", Some(max_age)).to_string();
        probe.len() - "x=".len()
    }

    fn build<'c>(&self, name: &'c str, value: &'c str, max_age: Option<Duration>) -> Cookie<'c> {
        let mut builder = Cookie::build((name, value))
            .path(self.path.clone())
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure);
        if let Some(max_age) = max_age {
            let seconds = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
            builder = builder.max_age(cookie::time::Duration::seconds(seconds));
        }
        builder.build()
    }

    /// Appends a `Set-Cookie` that sets `name`.
    pub(crate) fn set(&self, headers: &mut HeaderMap, name: &str, value: &str, max_age: Duration) {
        let cookie = self.build(name, value, Some(max_age)).to_string();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }

    /// Appends a `Set-Cookie` that deletes `name`.
    pub(crate) fn delete(&self, headers: &mut HeaderMap, name: &str) {
        self.set(headers, name, "", Duration::ZERO);
    }
}

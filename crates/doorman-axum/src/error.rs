//! [`AuthError`]: why an [`crate::Auth`] could not be built, and [`LoginFailure`]: why a
//! login failed, as the app sees it on the next page.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why the authentication setup was refused at start.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The secrets file was refused (Streamlit's messages).
    Secrets(doorman_secrets::Error),
    /// `redirect_uri` cannot be resolved to a URL with the configured port.
    RedirectUri(String),
    /// A cookie secret is empty.
    CookieSecret,
    /// The base path is not `/`-prefixed or holds characters a cookie path cannot.
    BasePath(String),
    /// The HTTP client could not be built.
    HttpClient(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secrets(e) => e.fmt(f),
            Self::RedirectUri(why) => write!(f, "`redirect_uri` cannot be used: {why}"),
            Self::CookieSecret => f.write_str("`cookie_secret` must not be empty"),
            Self::BasePath(why) => write!(f, "invalid base path: {why}"),
            Self::HttpClient(why) => write!(f, "cannot build the HTTP client: {why}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Secrets(e) => Some(e),
            _ => None,
        }
    }
}

impl From<doorman_secrets::Error> for AuthError {
    fn from(e: doorman_secrets::Error) -> Self {
        Self::Secrets(e)
    }
}

/// Why a login failed: what the app can show on the page the user returns to.
///
/// Details (which rule, which claim) go to the log; this value holds nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LoginFailure {
    /// The provider refused the login, or the user cancelled (`error=access_denied`).
    Denied {
        /// The provider's `error` code.
        error: String,
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The callback matched no login in progress: unknown, replayed or expired `state`,
    /// or the login-transaction cookie is gone.
    UnknownOrExpiredLogin,
    /// The provider could not be reached, or answered with something unusable.
    ProviderUnavailable {
        /// The provider's name.
        provider: String,
    },
    /// The provider's answer broke a rule of the protocol (a bad ID token, a wrong issuer...).
    Rejected {
        /// The provider's name.
        provider: String,
    },
}

impl fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Denied { error, description } => {
                write!(f, "the login was refused ({error})")?;
                if let Some(description) = description {
                    write!(f, ": {description}")?;
                }
                Ok(())
            }
            Self::UnknownOrExpiredLogin => {
                f.write_str("the login expired or was already used; please log in again")
            }
            Self::ProviderUnavailable { provider } => {
                write!(
                    f,
                    "the login provider `{provider}` is unavailable; please try again later"
                )
            }
            Self::Rejected { provider } => write!(
                f,
                "the answer of the login provider `{provider}` was refused; please try again"
            ),
        }
    }
}

impl std::error::Error for LoginFailure {}

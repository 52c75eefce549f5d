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
    /// The list of revoked sessions holds its most live entries: the revocation was not
    /// recorded.
    RevocationListFull,
    /// `redis_url` cannot be used (the reason never quotes the URL, which may hold a
    /// password).
    SharedState(String),
    /// A provider's settings cannot be used (its private key, its client authentication).
    Provider {
        /// The provider's name.
        provider: String,
        /// Why, never quoting a secret.
        reason: String,
    },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secrets(e) => e.fmt(f),
            Self::RedirectUri(why) => write!(f, "`redirect_uri` cannot be used: {why}"),
            Self::CookieSecret => f.write_str("`cookie_secret` must not be empty"),
            Self::BasePath(why) => write!(f, "invalid base path: {why}"),
            Self::HttpClient(why) => write!(f, "cannot build the HTTP client: {why}"),
            Self::RevocationListFull => {
                f.write_str("the list of revoked sessions is full; the revocation was not recorded")
            }
            Self::SharedState(why) => write!(f, "`redis_url` cannot be used: {why}"),
            Self::Provider { provider, reason } => {
                write!(f, "provider `{provider}` cannot be used: {reason}")
            }
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
/// [`LoginFailure::message`] (and `Display`) is a fixed sentence per kind, safe to show
/// as is: it never contains text from the provider or the request. Details (which rule,
/// which claim) go to the log; this value holds nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LoginFailure {
    /// The provider refused the login, or the user cancelled (`error=access_denied`).
    ///
    /// Both fields are the provider's own text, untrusted: control and invisible
    /// formatting characters are removed and the length is capped, but markup is not
    /// escaped. Escape them before putting them in a page ([`crate::escape_html`]).
    Denied {
        /// The provider's `error` code (untrusted).
        error: String,
        /// The provider's `error_description`, if any (untrusted).
        description: Option<String>,
    },
    /// The callback matched no login in progress: unknown, replayed or expired `state`,
    /// or the login-transaction cookie is gone.
    UnknownOrExpiredLogin,
    /// The provider could not be reached, or answered with something unusable.
    ProviderUnavailable {
        /// The provider's name, from the secrets file.
        provider: String,
    },
    /// The provider's answer broke a rule of the protocol (a bad ID token, a wrong issuer...).
    Rejected {
        /// The provider's name, from the secrets file.
        provider: String,
    },
    /// The session ended: the provider refused to renew it (its refresh token was revoked,
    /// already used or expired), or its lifetime is over. The user logs in again.
    SessionExpired {
        /// The provider's name, from the secrets file.
        provider: String,
    },
    /// The provider logged the user in, but the app's allow-lists (`allowed_emails`,
    /// `allowed_domains`, `allowed_groups`) do not let them in: no session was made.
    NotAllowed {
        /// The provider's name, from the secrets file.
        provider: String,
    },
    /// `allowed_groups` is set, and the provider did not list the user's groups but named
    /// where to fetch them (Microsoft Entra ID's groups overage, for users in more than 200
    /// groups): membership cannot be told, so no session was made. Emit group ids as app
    /// roles or filter the groups claim to the app's groups at the provider.
    GroupsOverage {
        /// The provider's name, from the secrets file.
        provider: String,
    },
    /// The login succeeded but its session is too large to keep in cookies (claims or
    /// exposed tokens over the size limit).
    SessionTooLarge,
    /// The server could not complete the login (its random generator failed, or the
    /// session store could not be reached).
    Internal,
}

/// The most characters of provider text a [`LoginFailure::Denied`] keeps.
const MAX_PROVIDER_TEXT: usize = 200;

/// `text` without control or invisible formatting characters (bidi overrides, zero-width
/// characters), cut to [`MAX_PROVIDER_TEXT`] characters.
fn sanitized(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !(c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}'))
        })
        .take(MAX_PROVIDER_TEXT)
        .collect()
}

impl LoginFailure {
    /// A refusal by the provider, its text sanitized (see [`LoginFailure::Denied`]).
    pub(crate) fn denied(error: &str, description: Option<&str>) -> Self {
        Self::Denied {
            error: sanitized(error),
            description: description.map(sanitized),
        }
    }

    /// What the app is shown when the core refused a login at `provider` with `error`.
    pub(crate) fn from_oidc(error: &doorman_oidc::Error, provider: &str) -> Self {
        use doorman_oidc::Error;
        match error {
            Error::AuthorizationDenied { error, description } => {
                Self::denied(error, description.as_deref())
            }
            Error::StateMismatch | Error::MissingState => Self::UnknownOrExpiredLogin,
            // The provider's trouble, as a refresh also takes it: an error status, or an
            // answer that is not the JSON document expected.
            Error::HttpStatus { .. } | Error::InvalidJson { .. } => Self::ProviderUnavailable {
                provider: provider.to_owned(),
            },
            _ => Self::Rejected {
                provider: provider.to_owned(),
            },
        }
    }

    /// A fixed sentence for the user, safe to show as is (no provider or request text).
    #[must_use]
    pub fn message(&self) -> &'static str {
        match self {
            Self::Denied { error, .. } => match error.as_str() {
                "access_denied" => "the login was cancelled or refused",
                "login_required" | "interaction_required" | "consent_required" => {
                    "the login provider needs you to sign in again"
                }
                "temporarily_unavailable" | "server_error" => {
                    "the login provider is unavailable; please try again later"
                }
                _ => "the login provider refused the login",
            },
            Self::UnknownOrExpiredLogin => {
                "the login expired or was already used; please log in again"
            }
            Self::ProviderUnavailable { .. } => {
                "the login provider is unavailable; please try again later"
            }
            Self::Rejected { .. } => "the login provider's answer was refused; please try again",
            Self::SessionExpired { .. } => "your session has expired; please log in again",
            Self::NotAllowed { .. } => "your account is not allowed to use this app",
            Self::GroupsOverage { .. } => {
                "the login provider did not list your groups, so this app cannot let you in; please contact the app's administrator"
            }
            Self::SessionTooLarge => {
                "your account has too much profile data to keep a session; please contact the app's administrator"
            }
            Self::Internal => "the login could not be completed; please try again",
        }
    }

    /// The provider's `error` code and `error_description` for a [`LoginFailure::Denied`]:
    /// untrusted text, escape it before showing it.
    #[must_use]
    pub fn untrusted_provider_text(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Self::Denied { error, description } => Some((error, description.as_deref())),
            _ => None,
        }
    }
}

impl fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for LoginFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_text_loses_control_and_invisible_characters_and_is_capped() {
        let failure = LoginFailure::denied(
            "access_denied\r\nSet-Cookie: x",
            Some("<b>\u{1b}[31mred\u{202E}txt\u{200B}</b>"),
        );
        assert_eq!(
            failure.untrusted_provider_text(),
            Some(("access_deniedSet-Cookie: x", Some("<b>[31mredtxt</b>")))
        );
        let long = LoginFailure::denied(&"x".repeat(5_000), None);
        assert_eq!(
            long.untrusted_provider_text().map(|(e, _)| e.len()),
            Some(MAX_PROVIDER_TEXT)
        );
    }

    #[test]
    fn the_message_never_holds_provider_text() {
        let failure = LoginFailure::denied("<script>alert(1)</script>", Some("<img src=x>"));
        assert_eq!(failure.to_string(), "the login provider refused the login");
        assert_eq!(
            LoginFailure::denied("access_denied", Some("<img src=x>")).to_string(),
            "the login was cancelled or refused"
        );
    }
}

//! [`AuthOptions`]: what the secrets file does not say.

use std::time::Duration;

use doorman_secrets::Secret;

/// Streamlit's identity cookie lifetime: 30 days.
const DEFAULT_COOKIE_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// The default memory budget of the cache of opened identity cookies: 16 MiB, about 5,000
/// Google-like logins.
const DEFAULT_SESSION_CACHE_SIZE: usize = 16 * 1024 * 1024;

/// Settings beyond the secrets file, with Streamlit's defaults.
///
/// Its `Debug` shows how many previous cookie secrets there are, never their values.
#[derive(Clone, Debug)]
pub struct AuthOptions {
    pub(crate) base_path: String,
    pub(crate) port: u16,
    pub(crate) cookie_lifetime: Duration,
    pub(crate) bound_by_id_token: bool,
    /// Held as [`Secret`]s: redacted in `Debug`, wiped on drop.
    pub(crate) previous_cookie_secrets: Vec<Secret>,
    pub(crate) call_userinfo: bool,
    pub(crate) session_cache_size: usize,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            base_path: String::new(),
            port: doorman_secrets::RedirectUri::DEFAULT_PORT,
            cookie_lifetime: DEFAULT_COOKIE_LIFETIME,
            bound_by_id_token: false,
            previous_cookie_secrets: Vec::new(),
            call_userinfo: true,
            session_cache_size: DEFAULT_SESSION_CACHE_SIZE,
        }
    }
}

impl AuthOptions {
    /// The app's base path, such as `/dashboard` (Streamlit's `server.baseUrlPath`): routes
    /// are mounted under it and cookies are scoped to it.
    #[must_use]
    pub fn base_path(mut self, base_path: &str) -> Self {
        self.base_path = base_path.trim_end_matches('/').to_owned();
        self
    }

    /// The port that replaces `{port}` in `redirect_uri` (default 8501, Streamlit's).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a login lasts (default 30 days, Streamlit's).
    #[must_use]
    pub fn cookie_lifetime(mut self, lifetime: Duration) -> Self {
        self.cookie_lifetime = lifetime;
        self
    }

    /// Ends a login when the provider's ID token expires, if that is sooner.
    #[must_use]
    pub fn bounded_by_id_token(mut self, bounded: bool) -> Self {
        self.bound_by_id_token = bounded;
        self
    }

    /// Previous cookie secrets, newest first: cookies sealed with them still open, so
    /// rotating `cookie_secret` keeps users logged in.
    #[must_use]
    pub fn previous_cookie_secrets(mut self, secrets: Vec<String>) -> Self {
        self.previous_cookie_secrets = secrets.into_iter().map(Secret::new).collect();
        self
    }

    /// Whether a login calls the provider's userinfo endpoint (default: yes, when it has one).
    /// A plain OAuth 2.0 provider's user API is always called: it is where the user comes from.
    #[must_use]
    pub fn call_userinfo(mut self, call: bool) -> Self {
        self.call_userinfo = call;
        self
    }

    /// The memory budget, in bytes, for identity cookies already opened (default 16 MiB,
    /// about 5,000 Google-like logins; `0` turns the cache off). A cookie seen before then
    /// costs a hash lookup instead of an AEAD open and a JSON parse. It is a memo, not a
    /// session store: each entry is served only for the exact cookie value and only until
    /// the expiry sealed in it.
    #[must_use]
    pub fn session_cache_size(mut self, bytes: usize) -> Self {
        self.session_cache_size = bytes;
        self
    }
}

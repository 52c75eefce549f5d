//! [`AuthOptions`]: what the code says, over the secrets file.

use std::time::Duration;

use doorman_secrets::Secret;

/// The default memory budget of the cache of opened identity cookies: 16 MiB, about 5,000
/// Google-like logins.
pub(crate) const DEFAULT_SESSION_CACHE_SIZE: usize = 16 * 1024 * 1024;

/// Settings given in code. Each one the secrets file also has (`base_path`,
/// `cookie_lifetime`, `bound_to_id_token`, `previous_cookie_secrets`, `call_userinfo`) wins
/// over the file when set here, for every provider; left unset, the file's value holds, else
/// doorman's default (Streamlit's where it has one). [`crate::Auth::settings`] shows what
/// each setting ended up as and where it came from.
///
/// The default says nothing in code. Its `Debug` shows how many previous cookie secrets
/// there are, never their values.
#[derive(Clone, Debug, Default)]
pub struct AuthOptions {
    pub(crate) base_path: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) cookie_lifetime: Option<Duration>,
    pub(crate) bound_to_id_token: Option<bool>,
    /// Held as [`Secret`]s: redacted in `Debug`, wiped on drop.
    pub(crate) previous_cookie_secrets: Option<Vec<Secret>>,
    pub(crate) call_userinfo: Option<bool>,
    pub(crate) session_cache_size: Option<usize>,
    pub(crate) provider_timeout: Option<Duration>,
}

impl AuthOptions {
    /// The app's base path, such as `/dashboard` (Streamlit's `server.baseUrlPath`; the
    /// secrets key `base_path`): routes are mounted under it and cookies are scoped to it.
    #[must_use]
    pub fn base_path(mut self, base_path: &str) -> Self {
        self.base_path = Some(base_path.to_owned());
        self
    }

    /// The port that replaces `{port}` in `redirect_uri` (default 8501, Streamlit's).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How long a login lasts (the secrets key `cookie_lifetime`; default 30 days,
    /// Streamlit's).
    #[must_use]
    pub fn cookie_lifetime(mut self, lifetime: Duration) -> Self {
        self.cookie_lifetime = Some(lifetime);
        self
    }

    /// Ends a login when the provider's ID token expires, if that is sooner (the secrets key
    /// `bound_to_id_token`; default: no).
    #[must_use]
    pub fn bound_to_id_token(mut self, bound: bool) -> Self {
        self.bound_to_id_token = Some(bound);
        self
    }

    /// Previous cookie secrets, newest first (the secrets key `previous_cookie_secrets`):
    /// cookies sealed with them still open, so rotating `cookie_secret` keeps users logged in.
    #[must_use]
    pub fn previous_cookie_secrets(mut self, secrets: Vec<String>) -> Self {
        self.previous_cookie_secrets = Some(secrets.into_iter().map(Secret::new).collect());
        self
    }

    /// Whether a login calls the provider's userinfo endpoint (the secrets key
    /// `call_userinfo`; default: yes, when it has one). A plain OAuth 2.0 provider's user API
    /// is always called: it is where the user comes from.
    #[must_use]
    pub fn call_userinfo(mut self, call: bool) -> Self {
        self.call_userinfo = Some(call);
        self
    }

    /// The memory budget, in bytes, for identity cookies already opened (default 16 MiB,
    /// about 5,000 Google-like logins; `0` turns the cache off). A cookie seen before then
    /// costs a hash lookup instead of an AEAD open and a JSON parse. It is a memo, not a
    /// session store: each entry is served only for the exact cookie value and only until
    /// the expiry sealed in it.
    #[must_use]
    pub fn session_cache_size(mut self, bytes: usize) -> Self {
        self.session_cache_size = Some(bytes);
        self
    }

    /// How long one call to a provider (its metadata, keys, token, userinfo or refresh
    /// endpoint) may take in all, connecting and reading the answer included (default 10 s;
    /// connecting alone gets at most 5 s of it). A call past it counts as the provider being
    /// down: a login fails with [`crate::LoginFailure::ProviderUnavailable`], a refresh keeps
    /// the session and is tried again later, so no request waits on a provider for longer.
    /// Code only (it is no secrets-file key); [`crate::Auth::new`] refuses zero.
    #[must_use]
    pub fn provider_timeout(mut self, timeout: Duration) -> Self {
        self.provider_timeout = Some(timeout);
        self
    }
}

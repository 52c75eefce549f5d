//! What [`Auth::discover`](crate::Auth::discover) found, per provider: the report
//! `doorman check --discover` prints.

use url::Url;

/// What [`Auth::discover`](crate::Auth::discover) found for one provider, or why it was
/// refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscoveryReport {
    /// The provider's name (`default` for the one at the top of `[auth]`).
    pub name: String,
    /// What the provider turned out to be, or why its metadata or keys were refused (the
    /// message the log has too).
    pub outcome: Result<Discovered, String>,
}

/// What a provider turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discovered {
    /// An OpenID provider whose metadata and keys were fetched and accepted.
    #[non_exhaustive]
    OpenId {
        /// The issuer, as the metadata states it and ID tokens must.
        issuer: String,
        /// How many usable signing keys its key set holds.
        signing_keys: usize,
        /// Whether logins use PKCE (S256): unless the provider lists methods without S256.
        pkce: bool,
        /// Whether logout reaches the provider (it has an `end_session_endpoint`); if not,
        /// logout is local.
        logout_at_provider: bool,
    },
    /// A plain OAuth 2.0 provider (GitHub): nothing to discover, no signed ID token, so
    /// lower assurance than OpenID Connect; logout is local.
    #[non_exhaustive]
    PlainOAuth2 {
        /// The user API, which says who the access token's user is.
        user_api: Url,
        /// The emails API, asked when the user's email is private.
        emails_api: Option<Url>,
    },
}

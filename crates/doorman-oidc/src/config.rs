//! [`ClientConfig`]: what the relying party knows about itself for one provider.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::client_key::ClientKey;

#[cfg(doc)]
use crate::discovery::ProviderMetadata;

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenAuthMethod {
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A JWT signed with the app's private key (RFC 7523 §2.2): see
    /// [`ClientConfig::with_private_key`].
    PrivateKeyJwt,
}

impl TokenAuthMethod {
    /// The method's name in `token_endpoint_auth_methods_supported`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// The default leeway for `exp` and `iat`: clocks of the provider and the app may differ.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Streamlit's default `scope`, which [`ClientConfig::new`] asks for.
pub const DEFAULT_SCOPE: &str = "openid profile email";

/// Streamlit's default `prompt`, which [`ClientConfig::new`] sends.
pub const DEFAULT_PROMPT: &str = "select_account";

/// Parameters doorman sets itself on every login, from the login's own state and the client's
/// identity (in the authorization request, or in the token request): no configuration sets
/// them, and [`ClientConfig::with_extra_params`] drops them. doorman-secrets refuses each of
/// them in `client_kwargs`, naming the key (doorman-axum's `tests/agreement.rs` checks that
/// its list is this one).
pub const RESERVED_PARAMS: [&str; 8] = [
    "response_type",
    "client_id",
    "client_secret",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_verifier",
];

/// Authorization parameters with a setting of their own, which
/// [`ClientConfig::with_extra_params`] drops too: `scope` ([`ClientConfig::with_scope`],
/// [`ClientConfig::with_oauth2_scope`]), `prompt` ([`ClientConfig::with_prompt`]) and
/// `code_challenge_method` (always `S256`). Unlike [`RESERVED_PARAMS`], Streamlit's files
/// may name them in `client_kwargs`: doorman-secrets reads `scope` and `prompt` into their
/// settings and ignores `code_challenge_method` with a warning.
pub const SETTING_PARAMS: [&str; 3] = ["scope", "prompt", "code_challenge_method"];

/// The client's side of one provider: id, secret, where the browser comes back, what to ask for.
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) provider: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uri: Url,
    /// `None`: what the provider's metadata lists ([`ProviderMetadata::auth_method`]).
    pub(crate) auth_method: Option<TokenAuthMethod>,
    pub(crate) scope: String,
    pub(crate) prompt: Option<String>,
    pub(crate) extra_params: Vec<(String, String)>,
    pub(crate) leeway: Duration,
    /// Audiences besides the client id an ID token may hold without `azp`.
    pub(crate) trusted_audiences: Vec<String>,
    /// Entra tenant ids allowed to log in; empty: any.
    pub(crate) allowed_tenants: Vec<String>,
    /// The app's private key, for `private_key_jwt`.
    pub(crate) private_key: Option<ClientKey>,
}

impl ClientConfig {
    /// A client with Streamlit's defaults: `scope` [`DEFAULT_SCOPE`], `prompt`
    /// [`DEFAULT_PROMPT`], the client authentication the provider lists, a leeway of 60
    /// seconds for `exp` and `iat`.
    #[must_use]
    pub fn new(
        provider: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: Url,
    ) -> Self {
        Self {
            provider: provider.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri,
            auth_method: None,
            scope: DEFAULT_SCOPE.to_owned(),
            prompt: Some(DEFAULT_PROMPT.to_owned()),
            extra_params: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            trusted_audiences: Vec::new(),
            allowed_tenants: Vec::new(),
            private_key: None,
        }
    }

    /// Sets the token endpoint authentication method; `None` (the default) follows the
    /// provider's metadata ([`ProviderMetadata::auth_method`]).
    #[must_use]
    pub fn with_auth_method(mut self, method: Option<TokenAuthMethod>) -> Self {
        self.auth_method = method;
        self
    }

    /// Sets an OpenID provider's `scope`. OpenID Connect needs `openid` in it (Core §3.1.2.1),
    /// so when it is missing it is added in front: `email` is sent as `openid email`.
    ///
    /// doorman-secrets owns the rule for configured scopes: it refuses an OpenID provider's
    /// `scope` without `openid`, naming the key, and the adapter passes only validated scopes
    /// here, so for them nothing is added. The addition serves a [`ClientConfig`] built by hand.
    /// A plain OAuth 2.0 provider's scope, which has no `openid`, is set with
    /// [`ClientConfig::with_oauth2_scope`].
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        let scope = scope.into();
        self.scope = if scope.split_ascii_whitespace().any(|s| s == "openid") {
            scope
        } else {
            format!("openid {scope}").trim_end().to_owned()
        };
        self
    }

    /// Sets `scope` exactly as given, for a plain OAuth 2.0 provider ([`crate::begin_oauth2`]):
    /// `openid` is not added, and an empty scope sends no `scope` parameter.
    #[must_use]
    pub fn with_oauth2_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Sets `prompt`; `None` sends none.
    #[must_use]
    pub fn with_prompt(mut self, prompt: Option<String>) -> Self {
        self.prompt = prompt;
        self
    }

    /// Adds authorization parameters (`audience`, `acr_values`, ...). Parameters doorman sets
    /// itself ([`RESERVED_PARAMS`]) and those with a setting of their own
    /// ([`SETTING_PARAMS`]) are dropped here.
    #[must_use]
    pub fn with_extra_params(mut self, params: Vec<(String, String)>) -> Self {
        self.extra_params = params
            .into_iter()
            .filter(|(k, _)| {
                !RESERVED_PARAMS.contains(&k.as_str()) && !SETTING_PARAMS.contains(&k.as_str())
            })
            .collect();
        self
    }

    /// Audiences an ID token may hold besides the client id, even without `azp` naming
    /// the client (OpenID Connect Core §3.1.3.7 step 3: audiences the client trusts).
    #[must_use]
    pub fn with_trusted_audiences(mut self, audiences: Vec<String>) -> Self {
        self.trusted_audiences = audiences;
        self
    }

    /// Entra tenant ids allowed to log in (the ID token's `tid`); empty allows any.
    #[must_use]
    pub fn with_allowed_tenants(mut self, tenants: Vec<String>) -> Self {
        self.allowed_tenants = tenants;
        self
    }

    /// The app's private key: the client authenticates with `private_key_jwt` when that is
    /// the configured method, or when none is configured and the provider lists it.
    #[must_use]
    pub fn with_private_key(mut self, key: ClientKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// `client_id`.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The redirect URI, sent in the authorization and token requests alike.
    #[must_use]
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &"REDACTED")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("auth_method", &self.auth_method)
            .field("scope", &self.scope)
            .field("prompt", &self.prompt)
            .field("extra_params", &self.extra_params)
            .field("leeway", &self.leeway)
            .field("trusted_audiences", &self.trusted_audiences)
            .field("allowed_tenants", &self.allowed_tenants)
            .field("private_key", &self.private_key)
            .finish()
    }
}

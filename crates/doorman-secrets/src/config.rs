//! The validated configuration: [`AuthConfig`], its [`Provider`]s and their settings.

use url::Url;

use crate::error::{Error, Warning};
use crate::location::Origin;
use crate::secret::Secret;

/// The name Streamlit gives the provider configured at the top of `[auth]`.
pub const DEFAULT_PROVIDER: &str = "default";

/// Streamlit's default `scope`.
pub const DEFAULT_SCOPE: &str = "openid profile email";

/// Streamlit's default `prompt`.
pub const DEFAULT_PROMPT: &str = "select_account";

/// The validated `[auth]` section.
///
/// Built only by parsing ([`AuthConfig::parse`], [`AuthConfig::load`],
/// [`AuthConfig::load_default`]), so every value in it has been checked.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub(crate) origin: Origin,
    pub(crate) redirect_uri: RedirectUri,
    pub(crate) cookie_secret: Secret,
    pub(crate) expose_tokens: ExposeTokens,
    pub(crate) providers: Vec<Provider>,
    pub(crate) warnings: Vec<Warning>,
}

impl AuthConfig {
    /// The file (or text) the `[auth]` section came from.
    #[must_use]
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// `redirect_uri`: where the provider sends the browser back.
    #[must_use]
    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    /// `cookie_secret`: the secret every cookie key is derived from.
    #[must_use]
    pub fn cookie_secret(&self) -> &Secret {
        &self.cookie_secret
    }

    /// `expose_tokens`: which tokens the app may read.
    #[must_use]
    pub fn expose_tokens(&self) -> ExposeTokens {
        self.expose_tokens
    }

    /// Every configured provider: the default one first (when configured), then the
    /// named ones in file order.
    #[must_use]
    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    /// The provider `name`, or the default provider for `None` (as `st.login()` with no argument).
    ///
    /// # Errors
    /// [`Error::UnknownProvider`], with Streamlit's message, when it is not configured.
    pub fn provider(&self, name: Option<&str>) -> Result<&Provider, Error> {
        let name = name.unwrap_or(DEFAULT_PROVIDER);
        self.providers
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::UnknownProvider {
                provider: name.to_owned(),
            })
    }

    /// What loaded but deserves a look (a weak `cookie_secret`, unknown keys, ...).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

/// `redirect_uri`, which may hold Streamlit's `{port}` placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUri {
    pub(crate) template: String,
}

impl RedirectUri {
    /// Streamlit's default server port, used when `{port}` must be resolved without one.
    pub const DEFAULT_PORT: u16 = 8501;

    /// The value as written, `{port}` included.
    #[must_use]
    pub fn as_template(&self) -> &str {
        &self.template
    }

    /// Whether the value contains the `{port}` placeholder.
    #[must_use]
    pub fn has_port_placeholder(&self) -> bool {
        self.template.contains(PORT_PLACEHOLDER)
    }

    /// The URL with `{port}` replaced by `port`.
    ///
    /// # Errors
    /// Never for a loaded configuration: the template was validated with a port in place.
    /// The `Result` guards against a port that makes the URL invalid.
    pub fn resolve(&self, port: u16) -> Result<Url, url::ParseError> {
        Url::parse(&self.template.replace(PORT_PLACEHOLDER, &port.to_string()))
    }
}

pub(crate) const PORT_PLACEHOLDER: &str = "{port}";

/// `expose_tokens`: which of the provider's tokens the app may read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExposeTokens {
    /// `"id"`: the ID token.
    pub id: bool,
    /// `"access"`: the access token.
    pub access: bool,
}

/// One OpenID provider: a named `[auth.NAME]` section or the default provider.
#[derive(Clone, Debug)]
pub struct Provider {
    pub(crate) name: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) server_metadata_url: Url,
    pub(crate) client_kwargs: ClientKwargs,
}

impl Provider {
    /// The provider's name: the `NAME` of `[auth.NAME]`, or `default`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the default provider (`st.login()` with no argument).
    #[must_use]
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT_PROVIDER
    }

    /// `client_id`.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `client_secret`.
    #[must_use]
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// `server_metadata_url`: the provider's discovery document.
    #[must_use]
    pub fn server_metadata_url(&self) -> &Url {
        &self.server_metadata_url
    }

    /// `client_kwargs`, with Streamlit's defaults filled in.
    #[must_use]
    pub fn client_kwargs(&self) -> &ClientKwargs {
        &self.client_kwargs
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the form-encoded id and secret (Streamlit's and the specification's default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

impl TokenEndpointAuthMethod {
    /// The registered name, as in discovery metadata.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }
}

/// `client_kwargs`: authorization parameters and client settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKwargs {
    pub(crate) scope: String,
    pub(crate) prompt: Option<String>,
    pub(crate) token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub(crate) extra: Vec<(String, String)>,
}

impl Default for ClientKwargs {
    fn default() -> Self {
        Self {
            scope: DEFAULT_SCOPE.to_owned(),
            prompt: Some(DEFAULT_PROMPT.to_owned()),
            token_endpoint_auth_method: TokenEndpointAuthMethod::default(),
            extra: Vec::new(),
        }
    }
}

impl ClientKwargs {
    /// `scope`, `openid profile email` unless configured; always contains `openid`.
    #[must_use]
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// `prompt`, `select_account` unless configured; `None` when configured as `""`.
    #[must_use]
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// `token_endpoint_auth_method`, `client_secret_basic` unless configured.
    #[must_use]
    pub fn token_endpoint_auth_method(&self) -> TokenEndpointAuthMethod {
        self.token_endpoint_auth_method
    }

    /// Every other authorization parameter (`audience`, `acr_values`, `login_hint`, `hd`, ...),
    /// in file order. Streamlit drops most of these; doorman sends them all.
    #[must_use]
    pub fn extra_params(&self) -> &[(String, String)] {
        &self.extra
    }
}

//! The validated configuration: [`AuthConfig`], its [`Provider`]s and their settings.

use std::time::Duration;

use url::Url;

use crate::error::{Error, Warning};
use crate::location::Origin;
use crate::secret::Secret;
use crate::settings::{LogoutParams, SessionStore, Setting, Source};

/// The name Streamlit gives the provider configured at the top of `[auth]`.
pub const DEFAULT_PROVIDER: &str = "default";

/// Streamlit's default `scope`. doorman-oidc has the same constant for a client it builds
/// alone; this crate depends on no other doorman crate, so doorman-axum's `tests/agreement.rs`
/// checks that the two agree.
pub const DEFAULT_SCOPE: &str = "openid profile email";

/// Streamlit's default `prompt`, kept equal to doorman-oidc's as [`DEFAULT_SCOPE`] is.
pub const DEFAULT_PROMPT: &str = "select_account";

/// Parameters doorman sets itself on every login, which `client_kwargs` cannot give: each is
/// refused, naming the key ([`Error::ReservedParameter`]). This is doorman-oidc's
/// `RESERVED_PARAMS`, which drops them; doorman-axum's `tests/agreement.rs` checks that the
/// lists are the same. `scope` and `prompt` are read into [`ClientKwargs`], and
/// `code_challenge_method` is ignored with a warning (PKCE is always S256).
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
    pub(crate) base_path: Setting<String>,
    pub(crate) previous_cookie_secrets: Setting<Vec<Secret>>,
    pub(crate) redis_url: Option<Setting<Secret>>,
    pub(crate) session_store: Setting<SessionStore>,
    pub(crate) refresh_lock_timeout: Setting<Duration>,
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

    /// `base_path`: the app's base path (Streamlit's `server.baseUrlPath`), without its
    /// trailing `/`; `""` (the default) for the root.
    #[must_use]
    pub fn base_path(&self) -> &Setting<String> {
        &self.base_path
    }

    /// `previous_cookie_secrets`: secrets cookies were sealed with before `cookie_secret`,
    /// newest first, which still open them; none by default.
    #[must_use]
    pub fn previous_cookie_secrets(&self) -> &Setting<Vec<Secret>> {
        &self.previous_cookie_secrets
    }

    /// `redis_url`: the shared state's Redis, if any (held as a Secret: its password is never
    /// printed). Checked at load to be `redis://` or `rediss://` with a host, an optional
    /// port and an optional database number, and no query or fragment.
    #[must_use]
    pub fn redis_url(&self) -> Option<&Setting<Secret>> {
        self.redis_url.as_ref()
    }

    /// `session_store`: where session bodies live; `cookie` by default. `redis` comes with a
    /// [`redis_url`](Self::redis_url): a file that sets it without one is refused.
    #[must_use]
    pub fn session_store(&self) -> &Setting<SessionStore> {
        &self.session_store
    }

    /// `refresh_lock_timeout`: how long one replica holds a session's refresh lock, and so how
    /// long the others wait for its result; [`DEFAULT_REFRESH_LOCK_TIMEOUT`] by default, at
    /// most [`MAX_REFRESH_LOCK_TIMEOUT`].
    ///
    /// [`DEFAULT_REFRESH_LOCK_TIMEOUT`]: crate::DEFAULT_REFRESH_LOCK_TIMEOUT
    /// [`MAX_REFRESH_LOCK_TIMEOUT`]: crate::MAX_REFRESH_LOCK_TIMEOUT
    #[must_use]
    pub fn refresh_lock_timeout(&self) -> &Setting<Duration> {
        &self.refresh_lock_timeout
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

/// One provider: a named `[auth.NAME]` section or the default provider.
///
/// doorman's own keys (`trusted_audiences`, `allowed_tenants`, `token_endpoint_auth_method`,
/// `private_key`, `private_key_file`, `private_key_id`) may also sit in the shared `[auth]`
/// section; a provider's own value wins over the shared one.
#[derive(Clone, Debug)]
pub struct Provider {
    pub(crate) name: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<Secret>,
    pub(crate) endpoints: Endpoints,
    pub(crate) client_kwargs: ClientKwargs,
    /// Where `token_endpoint_auth_method` was set (the value is in `client_kwargs`).
    pub(crate) method_source: Source,
    pub(crate) trusted_audiences: Setting<Vec<String>>,
    pub(crate) allowed_tenants: Setting<Vec<String>>,
    pub(crate) private_key: Option<Setting<Secret>>,
    pub(crate) private_key_id: Option<Setting<String>>,
    pub(crate) cookie_lifetime: Setting<Duration>,
    pub(crate) refresh_margin: Setting<Duration>,
    pub(crate) bound_to_id_token: Setting<bool>,
    pub(crate) call_userinfo: Setting<bool>,
    pub(crate) logout_params: Setting<LogoutParams>,
    pub(crate) allowed_emails: Setting<Vec<String>>,
    pub(crate) allowed_domains: Setting<Vec<String>>,
    pub(crate) allowed_groups: Setting<Vec<String>>,
    pub(crate) groups_claim: Setting<String>,
    pub(crate) api_audience: Option<Setting<String>>,
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

    /// `client_secret`: always there unless `token_endpoint_auth_method` is `private_key_jwt`,
    /// where it may be left out.
    #[must_use]
    pub fn client_secret(&self) -> Option<&Secret> {
        self.client_secret.as_ref()
    }

    /// Where the provider's endpoints come from: discovery, or fixed plain OAuth 2.0 URLs.
    #[must_use]
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// `server_metadata_url`: the discovery document of an OpenID provider; `None` for a
    /// plain OAuth 2.0 provider.
    #[must_use]
    pub fn server_metadata_url(&self) -> Option<&Url> {
        match &self.endpoints {
            Endpoints::Discovery {
                server_metadata_url,
            } => Some(server_metadata_url),
            Endpoints::OAuth2 { .. } => None,
        }
    }

    /// `client_kwargs`, with Streamlit's defaults filled in.
    #[must_use]
    pub fn client_kwargs(&self) -> &ClientKwargs {
        &self.client_kwargs
    }

    /// `trusted_audiences`: ID-token audiences accepted besides the client id; empty unless
    /// configured.
    #[must_use]
    pub fn trusted_audiences(&self) -> &[String] {
        self.trusted_audiences.value()
    }

    /// `allowed_tenants`: the Entra tenant ids (GUIDs, lowercase) whose users may log in;
    /// empty means any tenant.
    #[must_use]
    pub fn allowed_tenants(&self) -> &[String] {
        self.allowed_tenants.value()
    }

    /// The PEM text of `private_key`, or of the file named by `private_key_file`: the key
    /// that signs client assertions for `private_key_jwt` (RFC 7523). Only checked to hold a
    /// `-----BEGIN ... PRIVATE KEY-----` block; the key itself is not parsed here.
    #[must_use]
    pub fn private_key(&self) -> Option<&Secret> {
        self.private_key.as_ref().map(Setting::value)
    }

    /// `private_key_id`: the `kid` to put in client assertions.
    #[must_use]
    pub fn private_key_id(&self) -> Option<&str> {
        self.private_key_id
            .as_ref()
            .map(|setting| setting.value().as_str())
    }

    /// `cookie_lifetime`: how long a login with this provider lasts (30 days by default,
    /// Streamlit's), the provider's own value, else `[auth]`'s.
    #[must_use]
    pub fn cookie_lifetime(&self) -> &Setting<Duration> {
        &self.cookie_lifetime
    }

    /// `refresh_margin`: how long before its access token expires a session with a refresh
    /// token is refreshed (a minute by default).
    #[must_use]
    pub fn refresh_margin(&self) -> &Setting<Duration> {
        &self.refresh_margin
    }

    /// `bound_to_id_token`: whether a login ends when the ID token expires, if that is
    /// sooner (no by default).
    #[must_use]
    pub fn bound_to_id_token(&self) -> &Setting<bool> {
        &self.bound_to_id_token
    }

    /// `call_userinfo`: whether a login calls the provider's userinfo endpoint (yes by
    /// default, when it has one).
    #[must_use]
    pub fn call_userinfo(&self) -> &Setting<bool> {
        &self.call_userinfo
    }

    /// `logout_params`: parameters set on, or dropped from, the provider's logout URL.
    #[must_use]
    pub fn logout_params(&self) -> &Setting<LogoutParams> {
        &self.logout_params
    }

    /// `allowed_emails`: the addresses (ASCII letters lowercased) that may log in; empty
    /// unless configured. With `allowed_domains`, an address passes by either.
    #[must_use]
    pub fn allowed_emails(&self) -> &Setting<Vec<String>> {
        &self.allowed_emails
    }

    /// `allowed_domains`: the email domains (ASCII letters lowercased, matched exactly) whose
    /// verified addresses may log in; empty unless configured.
    #[must_use]
    pub fn allowed_domains(&self) -> &Setting<Vec<String>> {
        &self.allowed_domains
    }

    /// `allowed_groups`: the groups (as the provider writes them) whose members may log in;
    /// empty unless configured.
    #[must_use]
    pub fn allowed_groups(&self) -> &Setting<Vec<String>> {
        &self.allowed_groups
    }

    /// `groups_claim`: the claim, or dotted path into nested claims (`realm_access.roles`),
    /// holding the user's groups; `groups` unless configured.
    #[must_use]
    pub fn groups_claim(&self) -> &Setting<String> {
        &self.groups_claim
    }

    /// `api_audience`: the audience of access tokens for the app's API; when set, requests
    /// with `Authorization: Bearer <JWT>` are verified against this provider's keys.
    #[must_use]
    pub fn api_audience(&self) -> Option<&Setting<String>> {
        self.api_audience.as_ref()
    }

    /// Every doorman setting of this provider, its value as text (secrets redacted) and where
    /// it came from, for display (`doorman check`).
    #[must_use]
    pub fn settings(&self) -> Vec<SettingLine> {
        let list = |items: &[String]| format!("{items:?}");
        let anyone = |items: &[String]| {
            if items.is_empty() {
                "[] (anyone)".to_owned()
            } else {
                list(items)
            }
        };
        let mut lines = vec![
            SettingLine::of("cookie_lifetime", &self.cookie_lifetime, |d| {
                crate::settings::format_duration(*d)
            }),
            SettingLine::of("refresh_margin", &self.refresh_margin, |d| {
                crate::settings::format_duration(*d)
            }),
            SettingLine::of(
                "bound_to_id_token",
                &self.bound_to_id_token,
                bool::to_string,
            ),
            SettingLine::of("call_userinfo", &self.call_userinfo, bool::to_string),
            SettingLine::of(
                "logout_params",
                &self.logout_params,
                LogoutParams::to_string,
            ),
            SettingLine::of("trusted_audiences", &self.trusted_audiences, |v| list(v)),
            SettingLine::of("allowed_tenants", &self.allowed_tenants, |v| list(v)),
            SettingLine::of("allowed_emails", &self.allowed_emails, |v| anyone(v)),
            SettingLine::of("allowed_domains", &self.allowed_domains, |v| anyone(v)),
            SettingLine::of("allowed_groups", &self.allowed_groups, |v| anyone(v)),
            SettingLine::of("groups_claim", &self.groups_claim, String::clone),
            SettingLine {
                key: "token_endpoint_auth_method",
                value: self.client_kwargs.token_endpoint_auth_method.map_or_else(
                    || "from the provider's metadata".to_owned(),
                    |m| m.as_str().to_owned(),
                ),
                source: self.method_source.clone(),
            },
        ];
        if let Some(key) = &self.private_key {
            lines.push(SettingLine::of("private_key", key, |_| {
                "REDACTED".to_owned()
            }));
        }
        if let Some(id) = &self.private_key_id {
            lines.push(SettingLine::of("private_key_id", id, String::clone));
        }
        if let Some(audience) = &self.api_audience {
            lines.push(SettingLine::of("api_audience", audience, String::clone));
        }
        lines
    }
}

/// One effective setting as text, for display: never a secret's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingLine {
    /// The key, such as `cookie_lifetime`.
    pub key: &'static str,
    /// The value as text; `REDACTED` for a secret.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

impl SettingLine {
    /// The line of `setting`, its value shown by `show`.
    #[must_use]
    pub fn of<T>(key: &'static str, setting: &Setting<T>, show: impl Fn(&T) -> String) -> Self {
        Self {
            key,
            value: show(setting.value()),
            source: setting.source().clone(),
        }
    }
}

impl AuthConfig {
    /// The app-wide doorman settings, as [`Provider::settings`] gives a provider's.
    /// `redis_url` shows only its scheme (`rediss:// (REDACTED)`): its password is a secret,
    /// and the rest of it is not worth the risk of printing one written in the wrong place.
    #[must_use]
    pub fn settings(&self) -> Vec<SettingLine> {
        let redis_url = match &self.redis_url {
            Some(url) => SettingLine::of("redis_url", url, |url| {
                // Validated at load: the text before the first `:` is the scheme.
                let scheme = url.expose().split(':').next().unwrap_or_default();
                format!("{}:// (REDACTED)", scheme.to_ascii_lowercase())
            }),
            None => SettingLine {
                key: "redis_url",
                value: "none (state is local to each process)".to_owned(),
                source: Source::Default,
            },
        };
        vec![
            SettingLine::of("base_path", &self.base_path, |path| {
                if path.is_empty() {
                    "/".to_owned()
                } else {
                    path.clone()
                }
            }),
            SettingLine::of(
                "previous_cookie_secrets",
                &self.previous_cookie_secrets,
                |secrets| format!("{} (REDACTED)", secrets.len()),
            ),
            redis_url,
            SettingLine::of("session_store", &self.session_store, |store| {
                store.as_str().to_owned()
            }),
            SettingLine::of("refresh_lock_timeout", &self.refresh_lock_timeout, |d| {
                crate::settings::format_duration(*d)
            }),
        ]
    }
}

/// Where a provider's authorization, token and userinfo endpoints come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "one per provider, built once at load"
)]
pub enum Endpoints {
    /// An OpenID provider: the endpoints are in its discovery document.
    #[non_exhaustive]
    Discovery {
        /// `server_metadata_url`: the discovery document.
        server_metadata_url: Url,
    },
    /// A plain OAuth 2.0 provider (no discovery, no ID token; GitHub is one): the identity comes
    /// from the userinfo API, so a login carries no signed statement from the provider.
    /// Given by Authlib's keys `authorize_url`, `access_token_url` and `userinfo_endpoint`,
    /// or by `provider_preset`, whose URLs any of those keys override.
    #[non_exhaustive]
    OAuth2 {
        /// `authorize_url`: where the browser is sent to log in.
        authorize_url: Url,
        /// `access_token_url`: where the code is exchanged for an access token.
        access_token_url: Url,
        /// `userinfo_endpoint`: the API that returns the user.
        userinfo_url: Url,
        /// The API that lists the user's email addresses, for providers whose user API may
        /// leave the email out (GitHub: `userinfo_endpoint` + `/emails`).
        emails_url: Option<Url>,
        /// The `provider_preset` the endpoints started from, if any.
        preset: Option<Preset>,
    },
}

/// `provider_preset`: a known plain OAuth 2.0 provider whose endpoints and scope doorman fills in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preset {
    /// `"github"`: GitHub's OAuth apps (and GitHub apps acting for a user).
    GitHub,
}

impl Preset {
    /// The value of `provider_preset` that selects it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GitHub => "github",
        }
    }

    /// The `scope` used when `client_kwargs` gives none.
    #[must_use]
    pub fn default_scope(self) -> &'static str {
        match self {
            Self::GitHub => "read:user user:email",
        }
    }

    pub(crate) const ALL: [Self; 1] = [Self::GitHub];

    /// `authorize_url`, `access_token_url` and `userinfo_endpoint`, in that order.
    pub(crate) fn urls(self) -> [&'static str; 3] {
        match self {
            Self::GitHub => [
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            ],
        }
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the form-encoded id and secret (Streamlit's and the specification's default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A JWT signed with the provider's `private_key` (RFC 7523), no client secret.
    PrivateKeyJwt,
}

impl TokenEndpointAuthMethod {
    /// The registered name, as in discovery metadata.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    pub(crate) const ALL: [Self; 3] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
    ];
}

/// `client_kwargs`: authorization parameters and client settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKwargs {
    pub(crate) scope: String,
    pub(crate) prompt: Option<String>,
    pub(crate) token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    pub(crate) extra: Vec<(String, String)>,
}

impl Default for ClientKwargs {
    fn default() -> Self {
        Self {
            scope: DEFAULT_SCOPE.to_owned(),
            prompt: Some(DEFAULT_PROMPT.to_owned()),
            token_endpoint_auth_method: None,
            extra: Vec::new(),
        }
    }
}

impl ClientKwargs {
    /// `scope`. For an OpenID provider `openid profile email` unless configured, and always
    /// containing `openid`; for a plain OAuth 2.0 provider the preset's scope unless configured,
    /// or empty (no `scope` parameter) without a preset.
    #[must_use]
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// `prompt`, `select_account` unless configured; `None` when configured as `""`.
    #[must_use]
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// `token_endpoint_auth_method`, from `client_kwargs`, the provider's section or the shared
    /// `[auth]` section; `None` when not configured: follow the provider's metadata.
    #[must_use]
    pub fn token_endpoint_auth_method(&self) -> Option<TokenEndpointAuthMethod> {
        self.token_endpoint_auth_method
    }

    /// Every other authorization parameter (`audience`, `acr_values`, `login_hint`, `hd`, ...),
    /// in file order. Streamlit drops most of these; doorman sends them all.
    #[must_use]
    pub fn extra_params(&self) -> &[(String, String)] {
        &self.extra
    }
}

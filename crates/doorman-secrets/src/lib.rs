//! `doorman-secrets` reads the `[auth]` section of Streamlit's `.streamlit/secrets.toml`,
//! unchanged, and validates all of it when it is loaded.
//!
//! ```text
//!   secrets.toml text / file paths ──► AuthConfig::parse / load / load_default
//!                                       │
//!                                       ├─► AuthConfig { redirect_uri, cookie_secret,
//!                                       │                expose_tokens, providers, warnings }
//!                                       └─► Error (Streamlit's wording + file:line:column, key path)
//! ```
//!
//! The schema is Streamlit's: `redirect_uri` (with its `{port}` placeholder), `cookie_secret`
//! and `expose_tokens` are shared; the default provider's `client_id`, `client_secret`,
//! `server_metadata_url` and `client_kwargs` sit at the top of `[auth]` (or in
//! `[auth.default]`); named providers live in `[auth.NAME]`.
//!
//! Where Streamlit has an error message, the message is Streamlit's; doorman also refuses
//! what Streamlit lets through (relative URLs, unknown `expose_tokens` values, empty
//! secrets, a `scope` without `openid`, `client_kwargs` giving a parameter doorman sets
//! itself, [`RESERVED_PARAMS`]) and warns about a weak `cookie_secret`.
//! Provider names with underscores are accepted: Streamlit refuses them only because of
//! how it stores login state.
//!
//! doorman's own provider keys, which Streamlit does not read, may sit in a provider's
//! section or in the shared `[auth]` section (a provider's own value wins):
//!
//! | key | value |
//! |---|---|
//! | `trusted_audiences` | ID-token audiences accepted besides the client id |
//! | `allowed_tenants` | Entra tenant ids (GUIDs) whose users may log in; none: any tenant |
//! | `token_endpoint_auth_method` | `client_secret_basic`, `client_secret_post` or `private_key_jwt`, as in `client_kwargs` (not both); unset: follow the provider's metadata |
//! | `private_key` / `private_key_file` | PEM text, or a file relative to the secrets file, that signs `private_key_jwt` assertions (RFC 7523); `client_secret` may then be left out |
//! | `private_key_id` | the `kid` of those assertions (a provider with its own key does not take the shared one) |
//!
//! doorman's app-wide keys stand in `[auth]` only, and are refused in a provider's section:
//! `base_path`, `previous_cookie_secrets`, and the shared state's `redis_url`,
//! `session_store` ([`SessionStore`]; `"redis"` needs `redis_url`) and
//! `refresh_lock_timeout` (at most [`MAX_REFRESH_LOCK_TIMEOUT`]).
//!
//! A plain OAuth 2.0 provider (no discovery, no ID token) gives, instead of
//! `server_metadata_url`, Authlib's `authorize_url`, `access_token_url` and
//! `userinfo_endpoint`, or `provider_preset = "github"`, whose URLs and `scope` those keys
//! override; see [`Endpoints`]. Its `scope` need not contain `openid`.
//!
//! ```
//! use doorman_secrets::{AuthConfig, Origin};
//!
//! let config = AuthConfig::parse(
//!     r#"
//!     [auth]
//!     redirect_uri = "http://localhost:8501/oauth2callback"
//!     cookie_secret = "a-long-random-string-of-at-least-32-bytes"
//!     client_id = "xxx"
//!     client_secret = "xxx"
//!     server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
//!     "#,
//!     Origin::Text("example".into()),
//! )?;
//! let google = config.provider(None)?;
//! assert_eq!(google.client_kwargs().scope(), "openid profile email");
//! assert_eq!(google.client_kwargs().prompt(), Some("select_account"));
//! # Ok::<(), doorman_secrets::Error>(())
//! ```
//!
//! # IO
//! The crate reads only the files it is asked to: [`AuthConfig::load`] takes paths,
//! [`AuthConfig::load_default`] follows Streamlit's lookup or [`SECRETS_FILES_ENV`], and a
//! `private_key_file` is read while its section is parsed: a relative path from the folder of
//! the secrets file ([`Origin::File`]), or from the working directory ([`Origin::Text`]).
//!
//! # Security
//! `client_secret`, `cookie_secret`, `previous_cookie_secrets`, the private key and
//! `redis_url` (whose password is a secret) are held in [`Secret`], whose `Debug`
//! prints `REDACTED`, which has no `Serialize`, and which is overwritten with zeros when
//! dropped; file text (secrets file and key file) is wiped after parsing too. Error messages
//! name keys, places and key files, never values of secret keys.

mod config;
mod error;
mod files;
mod location;
mod parse;
mod refresh_scope;
mod secret;
mod settings;

pub use config::{
    AuthConfig, ClientKwargs, DEFAULT_PROMPT, DEFAULT_PROVIDER, DEFAULT_SCOPE, Endpoints,
    ExposeTokens, Preset, Provider, RESERVED_PARAMS, RedirectUri, SettingLine,
    TokenEndpointAuthMethod,
};
pub use error::{Error, Warning, WarningKind};
pub use files::{SECRETS_FILES_ENV, default_search_paths, paths_from_env_value};
pub use location::{Location, Origin};
pub use secret::Secret;
pub use settings::{
    DEFAULT_COOKIE_LIFETIME, DEFAULT_GROUPS_CLAIM, DEFAULT_REFRESH_LOCK_TIMEOUT,
    DEFAULT_REFRESH_MARGIN, LogoutParam, LogoutParams, MAX_COOKIE_LIFETIME,
    MAX_REFRESH_LOCK_TIMEOUT, SessionStore, Setting, Source, Template, format_duration,
    parse_base_path,
};

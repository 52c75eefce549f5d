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
//! secrets, a `scope` without `openid`) and warns about a weak `cookie_secret`.
//! Provider names with underscores are accepted: Streamlit refuses them only because of
//! how it stores login state.
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
//! [`AuthConfig::load_default`] follows Streamlit's lookup or [`SECRETS_FILES_ENV`].
//!
//! # Security
//! `client_secret` and `cookie_secret` are held in [`Secret`], whose `Debug` prints
//! `REDACTED`, which has no `Serialize`, and which is overwritten with zeros when dropped;
//! file text is wiped after parsing too. Error messages name keys and places, never values
//! of secret keys.

#![warn(clippy::unwrap_used)]

mod config;
mod error;
mod files;
mod location;
mod parse;
mod secret;

pub use config::{
    AuthConfig, ClientKwargs, DEFAULT_PROMPT, DEFAULT_PROVIDER, DEFAULT_SCOPE, ExposeTokens,
    Provider, RedirectUri, TokenEndpointAuthMethod,
};
pub use error::{Error, Warning, WarningKind};
pub use files::{SECRETS_FILES_ENV, default_search_paths, paths_from_env_value};
pub use location::{Location, Origin};
pub use secret::Secret;
pub use url::Url;

//! doorman: Streamlit-style OpenID Connect login for Rust web apps.
//!
//! A Streamlit app adds login with an `[auth]` section in `.streamlit/secrets.toml` and
//! `st.login()`, `st.user`, `st.logout()`. doorman reads the same file, unchanged.
//!
//! This facade re-exports the crates that exist so far:
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`secrets`] | `doorman-secrets` | parse and validate the `[auth]` section, Streamlit's file lookup |
//! | [`seal`] | `doorman-seal` | seal cookie values: AEAD, keys per purpose, rotation, expiry inside, chunking |
//! | [`user`] | `doorman-user` | the session payload and the read-only `User` / `Tokens` views |
//!
//! ```
//! use doorman::secrets::{AuthConfig, Origin};
//!
//! let config = AuthConfig::parse(
//!     r#"
//!     [auth]
//!     redirect_uri = "http://localhost:8501/oauth2callback"
//!     cookie_secret = "a-long-random-string-of-at-least-32-bytes"
//!     [auth.google]
//!     client_id = "xxx"
//!     client_secret = "xxx"
//!     server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
//!     "#,
//!     Origin::Text("example".into()),
//! )?;
//! assert_eq!(config.provider(Some("google"))?.client_id(), "xxx");
//! # Ok::<(), doorman::secrets::Error>(())
//! ```
//!
//! # Security
//! Secret values are held in [`secrets::Secret`], which never prints and is wiped on drop;
//! cookies are encrypted and authenticated, not merely signed.

#![warn(clippy::unwrap_used)]

pub use doorman_seal as seal;
pub use doorman_secrets as secrets;
pub use doorman_user as user;
pub use doorman_user::{Tokens, User};

//! doorman: Streamlit-style OpenID Connect login for axum apps.
//!
//! A Streamlit app adds login with an `[auth]` section in `.streamlit/secrets.toml` and
//! `st.login()`, `st.user`, `st.logout()`. doorman reads the same file, unchanged, and gives
//! an axum app the same three things: [`login`], the [`User`] extractor, and [`logout`].
//!
//! ```no_run
//! use axum::{Router, response::{Html, IntoResponse, Response}, routing::get};
//!
//! async fn home(user: doorman::User) -> Response {
//!     if !user.is_logged_in() {
//!         return doorman::login(None).into_response(); // st.login()
//!     }
//!     // Claims are the user's own text: escape them in HTML.
//!     let name = doorman::escape_html(user.name().unwrap_or("there"));
//!     Html(format!("Hello, {name}!")).into_response()
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = doorman::Auth::from_default_secrets().await?; // validates now
//! let app = Router::new()
//!     .route("/", get(home))
//!     .merge(auth.routes())
//!     .layer(auth.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8501").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | (root) | `doorman-axum` | [`Auth`], its routes and layer ([`AuthLayer`], whose service is [`AuthService`]), [`User`], [`login`], [`logout`], route guards ([`Guard`]: `auth.require_login()`, `auth.require_group(..)`) |
//! | [`secrets`] | `doorman-secrets` | parse and validate the `[auth]` section, Streamlit's file lookup |
//! | [`oidc`] | `doorman-oidc` | the OpenID Connect relying party as a sans-IO state machine |
//! | [`seal`] | `doorman-seal` | seal cookie values: AEAD, keys per purpose, rotation, expiry inside, chunking |
//! | [`user`] | `doorman-user` | the session payload and the read-only views [`user::Identity`] (what [`User`] dereferences to) and [`Tokens`] |
//!
//! # Security
//! Secret values are held in [`secrets::Secret`], which never prints and is wiped on drop;
//! cookies are encrypted and authenticated, not merely signed; see `docs/` for the model.

pub use doorman_axum::{
    Auth, AuthError, AuthLayer, AuthOptions, AuthService, Discovered, DiscoveryReport,
    EffectiveSetting, Guard, GuardFuture, GuardService, Login, LoginFailure, Logout, Refresh,
    ResponseFuture, User, escape_html, login, logout, refresh,
};
pub use doorman_oidc as oidc;
pub use doorman_seal as seal;
pub use doorman_secrets as secrets;
pub use doorman_user as user;
pub use doorman_user::Tokens;

/// The README's examples, compiled as doctests so the README stays true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The getting-started guide's examples, compiled as doctests.
#[doc = include_str!("../../../docs/getting-started.md")]
#[cfg(doctest)]
pub struct GettingStartedDoctests;

/// The migration guide's examples, compiled as doctests.
#[doc = include_str!("../../../docs/migrating-from-streamlit.md")]
#[cfg(doctest)]
pub struct MigrationDoctests;

/// The guide to protecting routes (guards, allow-lists, bearer tokens, WebSockets), its
/// examples compiled as doctests.
#[doc = include_str!("../../../docs/protect-routes.md")]
#[cfg(doctest)]
pub struct ProtectRoutesDoctests;

/// The deployment guide's examples, compiled as doctests.
#[doc = include_str!("../../../docs/deployment.md")]
#[cfg(doctest)]
pub struct DeploymentDoctests;

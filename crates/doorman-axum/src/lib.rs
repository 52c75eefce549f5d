//! `doorman-axum` is the axum adapter of doorman, and the only crate of the relying party
//! that does IO: the routes, the layer, the [`User`] extractor, the HTTP client, and the
//! per-provider cache of metadata and keys.
//!
//! ```text
//!   secrets ─► Auth::new / Auth::from_default_secrets
//!   auth.routes()  ─► GET {base}/auth/login?provider=&return_to=   GET <redirect_uri path>
//!                     POST {base}/auth/logout (same-origin)        GET {base}/auth/logged-out
//!   auth.layer()   ─► User extractor, login() / logout() responses, login failures shown once
//!   per request    ─► open one cookie (or find it already opened), build the view:
//!                     no network, no signature check
//! ```
//!
//! A cookie opened once is kept in a bounded in-memory memo ([`AuthOptions::session_cache_size`]),
//! keyed by its whole value and served only until the expiry sealed in it: repeated
//! requests cost a hash lookup. Nothing is shared between instances and nothing is needed
//! from the memo; any instance opens any cookie.
//!
//! # Security
//! - Cookies are sealed (AES-256-GCM-SIV), `HttpOnly`, `SameSite=Lax`, scoped to the base
//!   path, `Secure` when `redirect_uri` is https; the expiry is inside the seal.
//! - The origin and the redirect URI come from the configuration, never from `Host` or
//!   `X-Forwarded-*`; `return_to` must be a same-origin path; logout must be a same-origin
//!   `POST`.
//! - Login failures reach the app as a [`LoginFailure`] without details; details go to the
//!   log, and no client secret, cookie secret, token, code or PKCE verifier is ever logged.
//! - Provider calls: rustls, timeouts, redirects not followed, responses capped at 1 MiB.
//! - A plain OAuth 2.0 provider (GitHub, `provider_preset = "github"`) logs in with the same
//!   transaction, `state`, PKCE, session and failures, but its user is what its API answers
//!   for the access token, with no signed ID token: lower assurance than OpenID Connect.
//!   Logout with it is local.

mod allow;
mod auth;
mod bearer;
mod clock;
mod consumed_states;
mod cookies;
mod discovery;
mod error;
mod extract;
mod failure;
mod guard;
mod handlers;
mod html;
mod http_client;
mod identity;
mod layer;
mod logging;
mod logout;
mod navigation;
mod oauth2;
mod openid;
mod options;
mod provider;
mod refresh;
mod refresh_flights;
mod refresh_lock;
mod refusal;
mod return_to;
mod revocations;
mod session_cache;
mod session_store;
mod settings;
mod shared_state;
#[doc(hidden)]
pub mod testing;
mod transaction;

pub use auth::Auth;
pub use discovery::{Discovered, DiscoveryReport};
pub use error::{AuthError, LoginFailure};
pub use extract::User;
pub use guard::{Guard, GuardFuture, GuardService};
pub use html::escape_html;
pub use layer::{
    AuthLayer, AuthService, Login, Logout, Refresh, ResponseFuture, login, logout, refresh,
};
pub use options::AuthOptions;
pub use settings::EffectiveSetting;

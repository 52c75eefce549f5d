//! `doorman-devidp` is a small OpenID provider for development and tests: the built-in
//! provider of `doorman demo`, and the peer the relying party is tested against.
//!
//! ```text
//!   http::Request<Vec<u8>>, now ──► DevIdp::handle ──► http::Response<Vec<u8>>
//!   (in-process tests call it directly; `serve` puts it behind a loopback socket)
//! ```
//!
//! It serves discovery, JWKS, authorize (a page to pick a test user, or auto-approval),
//! token (client authentication, PKCE S256, single-use codes that expire after a minute),
//! userinfo and end-session (registered post-logout URIs only). It signs with fixed test
//! keys or keys generated at start.
//!
//! It refreshes as Entra ID, Okta and Auth0 do: a refresh token only for a login whose scope
//! asked for `offline_access` (with every persona too); a refresh answers a new access token,
//! a new ID token (same `iss`, `sub`, `aud` and `auth_time`, no `nonce`) and a new refresh
//! token, the one used being spent; a spent one presented again revokes every refresh token
//! of its login ([`DevIdp::refresh_grants`] and [`DevIdp::revoked_families`] count both).
//! Access tokens last an hour, or what [`DevIdpConfig::with_access_token_lifetime`] says.
//!
//! A [`Persona`] makes it take on a real provider's shapes (Google, Entra ID, Okta, Auth0,
//! Keycloak, Cognito, Apple, ZITADEL, GitLab): the metadata, endpoint paths, key set, client
//! authentication, ID-token and userinfo claims the real one has, on its own loopback origin.
//! [`Persona::GitHub`] makes it a plain OAuth 2.0 provider instead, answering as GitHub's
//! OAuth app endpoints and user API do: no discovery, no keys, no ID token.
//!
//! It logs users out over the back channel (Back-Channel Logout 1.0): a client registers
//! loopback URIs ([`DevIdpConfig::with_backchannel_logout_uri`]); when a user's session ends
//! at the provider (its end-session endpoint, for the session its `id_token_hint` names, or
//! [`DevIdp::end_user_session`]), a logout token carrying the session's `sid` is queued for
//! each of them. [`serve`]'s server posts it as a form (a few seconds' timeout, one retry)
//! and records what the app answered ([`DevIdp::backchannel_deliveries`]); in process, a
//! test takes it ([`DevIdp::take_backchannel_deliveries`]) and posts it itself.
//!
//! [`Misbehavior`] switches make it break one rule at a time (a wrong `iss`, a missing
//! `sub`, a bad signature, a rotated key, a failing endpoint...), one per conformance case,
//! so every rejection rule of the relying party has a real peer to be tested against.
//!
//! # Security
//! It is for development only: it binds to loopback and refuses any other address, sends
//! logout tokens to loopback URIs only, its test keys are public, and it authenticates
//! nobody.

mod config;
mod keys;
mod misbehavior;
mod page;
mod persona;
mod provider;
mod serve;
mod signing;

pub use config::{DevIdpConfig, RegisteredClient, TestUser};
pub use keys::{Algorithm, KeyError, SigningKey, test_keys};
pub use misbehavior::{Endpoint, Misbehavior};
pub use persona::Persona;
pub use provider::{BackchannelDelivery, DeliveryOutcome, DeliveryRecord, DevIdp, RecordedRequest};
pub use serve::{Running, ServeError, serve};

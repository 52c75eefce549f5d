//! `doorman-oidc` is the OpenID Connect relying party as a pure state machine, in the manner
//! of quinn-proto and rustls: it does no IO, reads no clock and draws no randomness.
//!
//! ```text
//!   metadata URL ─► discovery_request ─► (adapter sends) ─► ProviderMetadata::from_response
//!   metadata     ─► jwks_request      ─► (adapter sends) ─► KeySet::from_response
//!   begin(config, metadata, entropy, now) ─► authorization URL + PendingLogin
//!   PendingLogin::callback(query) ─► CodeExchange ─► token_request ─► (adapter sends)
//!   CodeExchange::token_response ─► TokensReceived ─► verify(keys, now)
//!       ─► Verified(VerifiedLogin) | NeedFreshKeys(TokensReceived) (fetch the JWKS, verify again)
//!   userinfo_request / VerifiedLogin::with_userinfo; refresh_request / refresh_response; logout_url
//!   verify_bearer(token, api audience, config, metadata, keys, now)
//!       ─► Verified(VerifiedBearer) | NeedFreshKeys (fetch the JWKS, verify again) | BearerError
//!
//!   plain OAuth 2.0 (GitHub): begin_oauth2(config, OAuth2Endpoints, entropy, now)
//!       ─► PendingLogin::oauth2_callback ─► OAuth2CodeExchange ─► AccessGranted
//!       ─► user_request / user_response ─► OAuth2Identity | EmailLookup ─► OAuth2Identity
//! ```
//!
//! Inputs are values the adapter received (a query string, an `http::Response<Vec<u8>>`);
//! outputs are values it acts on (a URL, an `http::Request<Vec<u8>>`). States are types
//! consumed by value, and a [`VerifiedLogin`] can only come out of verification.
//!
//! ID tokens: the compact JWS is split and strictly decoded here; RSA and ECDSA signatures
//! are checked by `ring` (about five times faster than `openidconnect`'s own RSA path, with
//! the public numbers decoded once per JWKS), HMAC and EdDSA by `openidconnect`'s key types;
//! then the claims the rules need (`iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `sub`) are
//! read strictly, Core §3.1.3.7 step by step, and every other claim is kept as sent, of any
//! JSON type (Auth0's ISO-string `updated_at`, Apple's string booleans): claims are data, not
//! a schema (`openidconnect`'s typed standard claims would refuse such tokens whole). The
//! crate also keeps the rules `openidconnect` leaves to clients (RFC 9207 `iss`, PKCE
//! policy, exact discovery issuer, the key refresh on an unknown `kid`) and maps every
//! failure to one [`Error`] variant per rule.
//!
//! Issuers are exact, with the exceptions the providers document, each by its exact shape
//! (`issuer.rs`): Entra ID's multi-tenant template and personal-account metadata, Google's
//! legacy `accounts.google.com`. Extra audiences pass when `azp` is the client id or when the
//! configuration trusts them; `allowed_tenants` limits Entra logins by `tid`.

//! # Choices
//! - `alg: none` is refused, always, even where a provider registers it.
//! - Each segment of an ID token must be canonical base64url without padding (RFC 7515):
//!   another encoding of the same bytes, such as a last character with non-zero unused
//!   bits, is refused ([`Error::MalformedIdToken`]), so a verified token is not malleable.
//! - An ID token without `kid` verifies when exactly one key of the set fits its algorithm;
//!   with several, it is refused as ambiguous ([`Error::AmbiguousKey`]).
//! - HS256/384/512 are keyed only by the client secret, never by a key of the JWKS.
//! - RSA keys under 2048 bits are refused ([`Error::UnusableKey`], RFC 7518 §3.3).
//! - PKCE S256 is sent unless the provider lists PKCE methods without S256.
//! - A plain OAuth 2.0 provider's user is an [`OAuth2Identity`], never a [`VerifiedLogin`]:
//!   no signed ID token stands behind it, so it is of lower assurance (`oauth2.rs`).
//!
//! # Security
//! `Debug` of every state redacts `state`, `nonce`, the PKCE verifier, the code, the
//! client secret and tokens; [`Error`] messages hold none of them.

mod bearer;
mod client_key;
mod config;
mod discovery;
mod error;
mod http_util;
mod issuer;
mod jwk;
mod keys;
mod login;
mod logout;
mod logout_token;
mod oauth2;
mod refresh;
mod token;
mod userinfo;
mod verify;

pub use bearer::{
    BEARER_KEY_REFRESH_INTERVAL, BearerError, BearerVerification, VerifiedBearer, verify_bearer,
};
pub use client_key::{AssertionEntropy, ClientKey};
pub use config::{
    ClientConfig, DEFAULT_PROMPT, DEFAULT_SCOPE, RESERVED_PARAMS, SETTING_PARAMS, TokenAuthMethod,
};
pub use discovery::{ProviderMetadata, discovery_request};
pub use error::Error;
pub use keys::{KEY_REFRESH_INTERVAL, KeySet, jwks_request};
pub use login::{CodeExchange, LoginEntropy, PendingLogin, TokensReceived, Verification, begin};
pub use logout::logout_url;
pub use logout_token::{
    BACKCHANNEL_LOGOUT_EVENT, LOGOUT_KEY_REFRESH_INTERVAL, LogoutRequest, LogoutTokenError,
    LogoutVerification, MAX_LOGOUT_TOKEN_AGE, verify_logout_token,
};
pub use oauth2::{
    AccessGranted, EmailLookup, OAuth2CodeExchange, OAuth2Endpoints, OAuth2Identity, UserApi,
    UserLookup, begin_oauth2,
};
pub use refresh::{refresh_request, refresh_response};
pub use userinfo::userinfo_request;
pub use verify::VerifiedLogin;

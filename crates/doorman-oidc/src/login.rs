//! The login, as states consumed by value:
//!
//! ```text
//! begin(config, metadata, entropy, now) ─► (authorization URL, PendingLogin)
//! PendingLogin::callback(query)          ─► CodeExchange        (state, iss, error checks)
//! CodeExchange::token_request()          ─► http::Request       (sent by the adapter)
//! CodeExchange::token_response(response) ─► TokensReceived      (OAuth checks)
//! TokensReceived::verify(keys, now)      ─► Verified(VerifiedLogin) | NeedFreshKeys(TokensReceived)
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Request, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::client_key::AssertionEntropy;
use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::http_util;
use crate::keys::KeySet;
use crate::token::{AccessExpiry, TokenResponse, authenticated_post};
use crate::verify::{self, VerifiedLogin};

/// The fresh randomness one login needs, drawn by the caller from a cryptographic generator.
#[derive(Clone)]
pub struct LoginEntropy {
    /// Bytes of the `state` parameter.
    pub state: [u8; 32],
    /// Bytes of the `nonce`.
    pub nonce: [u8; 32],
    /// Bytes of the PKCE verifier.
    pub pkce_verifier: [u8; 32],
    /// Bytes for a `private_key_jwt` client assertion at the token endpoint (its `jti` and
    /// blinding); kept only when the client uses a private key.
    pub client_assertion: AssertionEntropy,
}

impl fmt::Debug for LoginEntropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginEntropy(REDACTED)")
    }
}

/// A login in flight: what the callback is checked against. The adapter seals it into the
/// short-lived login-transaction cookie.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    #[serde(rename = "p")]
    provider: String,
    #[serde(rename = "i")]
    issuer: String,
    #[serde(rename = "s")]
    state: String,
    /// `None` for a plain OAuth 2.0 provider, which has no ID token to carry it.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pkce_verifier: Option<String>,
    #[serde(rename = "t")]
    started_at: u64,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    client_assertion: Option<String>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("issuer", &self.issuer)
            .field("state", &"REDACTED")
            .field("nonce", &self.nonce.as_ref().map(|_| "REDACTED"))
            .field(
                "pkce_verifier",
                &self.pkce_verifier.as_ref().map(|_| "REDACTED"),
            )
            .field("started_at", &self.started_at)
            .finish()
    }
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The authorization URL to send the browser to, and the pending login to keep.
#[must_use = "the pending login must be kept to check the callback"]
pub fn begin(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    entropy: &LoginEntropy,
    now: SystemTime,
) -> (Url, PendingLogin) {
    let state = URL_SAFE_NO_PAD.encode(entropy.state);
    let nonce = URL_SAFE_NO_PAD.encode(entropy.nonce);
    let pkce_verifier = metadata
        .use_pkce
        .then(|| URL_SAFE_NO_PAD.encode(entropy.pkce_verifier));
    let challenge = pkce_verifier
        .as_ref()
        .map(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("scope", &config.scope),
        ("state", &state),
        ("nonce", &nonce),
    ];
    if let Some(challenge) = &challenge {
        params.push(("code_challenge", challenge));
        params.push(("code_challenge_method", "S256"));
    }
    if let Some(prompt) = &config.prompt {
        params.push(("prompt", prompt));
    }
    params.extend(
        config
            .extra_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let url = http_util::with_query(metadata.authorization_endpoint.clone(), &params);
    let pending = PendingLogin {
        provider: config.provider.clone(),
        issuer: metadata.issuer.clone(),
        state,
        nonce: Some(nonce),
        pkce_verifier,
        started_at: seconds(now),
        client_assertion: config
            .private_key
            .is_some()
            .then(|| URL_SAFE_NO_PAD.encode(entropy.client_assertion)),
    };
    (url, pending)
}

/// Compares two strings in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

impl PendingLogin {
    /// The provider this login is for.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// When the login began.
    #[must_use]
    pub fn started_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.started_at)
    }

    /// Whether `state` is this login's (for finding the transaction among several).
    #[must_use]
    pub fn has_state(&self, state: &str) -> bool {
        same_secret(&self.state, state)
    }

    /// Checks the callback's query string (without `?`): RFC 9207 `iss`, `state`, `error`,
    /// then `code`.
    ///
    /// # Errors
    /// [`Error::MalformedCallback`], [`Error::CallbackIssuerMismatch`],
    /// [`Error::CallbackIssuerMissing`], [`Error::MissingState`], [`Error::StateMismatch`],
    /// [`Error::AuthorizationDenied`], [`Error::MissingCode`].
    /// [`Error::LoginKindMismatch`] for a login begun with [`crate::begin_oauth2`].
    pub fn callback(self, metadata: &ProviderMetadata, query: &str) -> Result<CodeExchange, Error> {
        if self.nonce.is_none() {
            return Err(Error::LoginKindMismatch);
        }
        let params = CallbackParams::parse(query)?;
        match &params.iss {
            Some(iss) if *iss != self.issuer => {
                return Err(Error::CallbackIssuerMismatch {
                    expected: self.issuer,
                    found: iss.clone(),
                });
            }
            None if metadata.iss_parameter_supported => return Err(Error::CallbackIssuerMissing),
            _ => {}
        }
        self.exchange(params)
    }

    /// The checks every callback shares, after the issuer's: `state`, `error`, then `code`.
    fn exchange(self, params: CallbackParams) -> Result<CodeExchange, Error> {
        let state = params.state.ok_or(Error::MissingState)?;
        if !self.has_state(&state) {
            return Err(Error::StateMismatch);
        }
        if let Some(error) = params.error {
            return Err(Error::AuthorizationDenied {
                error,
                description: params.error_description,
            });
        }
        let code = params.code.ok_or(Error::MissingCode)?;
        Ok(CodeExchange {
            pending: self,
            code,
        })
    }

    /// This login as one with a plain OAuth 2.0 provider: no issuer and no nonce.
    pub(crate) fn into_plain_oauth2(mut self) -> Self {
        self.issuer = String::new();
        self.nonce = None;
        self
    }

    /// Checks a plain OAuth 2.0 provider's callback: `state`, `error`, then `code`, as for
    /// an OpenID provider; an `iss` parameter is not compared (there is no issuer to compare
    /// it with).
    pub(crate) fn plain_oauth2_callback(self, query: &str) -> Result<CodeExchange, Error> {
        if self.nonce.is_some() {
            return Err(Error::LoginKindMismatch);
        }
        self.exchange(CallbackParams::parse(query)?)
    }
}

/// The parameters of an authorization response.
#[derive(Default)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl CallbackParams {
    /// Parses the query; a parameter given twice is refused (RFC 6749 §3.1).
    fn parse(query: &str) -> Result<Self, Error> {
        let mut params = Self::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "iss" => &mut params.iss,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(Error::MalformedCallback);
            }
        }
        Ok(params)
    }
}

/// A checked callback: the code to redeem at the token endpoint.
pub struct CodeExchange {
    pending: PendingLogin,
    code: String,
}

impl fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeExchange")
            .field("pending", &self.pending)
            .field("code", &"REDACTED")
            .finish()
    }
}

impl CodeExchange {
    /// The login this code belongs to, by value.
    pub(crate) fn into_pending(self) -> PendingLogin {
        self.pending
    }

    /// The token request: the code, the same `redirect_uri`, the PKCE verifier, and the
    /// client's authentication.
    #[must_use]
    pub fn token_request(
        &self,
        config: &ClientConfig,
        metadata: &ProviderMetadata,
    ) -> Request<Vec<u8>> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", self.code.as_str()),
            ("redirect_uri", config.redirect_uri.as_str()),
        ];
        if let Some(verifier) = &self.pending.pkce_verifier {
            form.push(("code_verifier", verifier));
        }
        let entropy = self
            .pending
            .client_assertion
            .as_deref()
            .and_then(|e| URL_SAFE_NO_PAD.decode(e).ok())
            .and_then(|e| AssertionEntropy::try_from(e.as_slice()).ok());
        authenticated_post(
            config,
            metadata,
            form,
            self.pending.started_at(),
            entropy.as_ref(),
        )
    }

    /// Reads the token endpoint's response.
    ///
    /// # Errors
    /// [`Error::TokenEndpoint`], [`Error::HttpStatus`], [`Error::InvalidJson`],
    /// [`Error::UnsupportedTokenType`], [`Error::MissingTokenField`].
    pub fn token_response(self, response: &Response<Vec<u8>>) -> Result<TokensReceived, Error> {
        let tokens = TokenResponse::read("token", response)?;
        let access_expiry = tokens.access_expiry();
        let id_token = tokens
            .id_token
            .ok_or(Error::MissingTokenField { field: "id_token" })?;
        Ok(TokensReceived {
            pending: self.pending,
            id_token,
            access_token: tokens.access_token,
            access_expiry,
            refresh_token: tokens.refresh_token,
        })
    }
}

/// Tokens received and not yet verified.
pub struct TokensReceived {
    pending: PendingLogin,
    id_token: String,
    access_token: String,
    refresh_token: Option<String>,
    access_expiry: AccessExpiry,
}

impl fmt::Debug for TokensReceived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokensReceived")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// The outcome of verifying the ID token.
#[derive(Debug)]
pub enum Verification {
    /// The identity is verified.
    Verified(VerifiedLogin),
    /// The ID token names a key the set does not hold, and the set may be refreshed: fetch
    /// the JWKS again and call [`TokensReceived::verify`] once more.
    NeedFreshKeys(TokensReceived),
}

impl TokensReceived {
    /// Verifies the ID token (signature under the allowed algorithms, `iss`, `aud`, `azp`,
    /// `exp`, `iat`, `nonce`, `sub`) against the provider's keys at `now`.
    ///
    /// # Errors
    /// Any ID-token rule of [`Error`].
    pub fn verify(
        self,
        config: &ClientConfig,
        metadata: &ProviderMetadata,
        keys: &KeySet,
        now: SystemTime,
    ) -> Result<Verification, Error> {
        let claims = match verify::id_token(
            config,
            metadata,
            keys,
            &self.id_token,
            verify::NonceRule::Equals(
                self.pending
                    .nonce
                    .as_deref()
                    .ok_or(Error::LoginKindMismatch)?,
            ),
            now,
        ) {
            Ok(claims) => claims,
            Err(Error::NoMatchingKey) if keys.may_refresh(self.pending.started_at(), now) => {
                return Ok(Verification::NeedFreshKeys(self));
            }
            Err(e) => return Err(e),
        };
        Ok(Verification::Verified(VerifiedLogin::new(
            self.pending.provider,
            claims,
            self.id_token,
            self.access_token,
            self.refresh_token,
            self.access_expiry.at(now),
        )))
    }
}

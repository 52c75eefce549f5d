//! The token endpoint, shared by the login ([`crate::CodeExchange`]), the refresh
//! ([`crate::refresh_request`]) and plain OAuth 2.0 ([`crate::OAuth2CodeExchange`]): the
//! client's authentication on the request, and the OAuth checks on the answer.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::{Request, Response, header};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client_key::AssertionEntropy;
use crate::config::{ClientConfig, TokenAuthMethod};
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::http_util;

/// Adds client authentication to a token-endpoint form: the configured method, or the one
/// the provider's metadata lists (`private_key_jwt` first for a client with a private key).
/// A client assertion is issued at `issued_at` with `entropy`; without entropy (or a key)
/// none is sent, and the provider refuses the request.
pub(crate) fn authenticated_post<'a>(
    config: &'a ClientConfig,
    metadata: &ProviderMetadata,
    form: Vec<(&'a str, &'a str)>,
    issued_at: SystemTime,
    entropy: Option<&AssertionEntropy>,
) -> Request<Vec<u8>> {
    let endpoint = &metadata.token_endpoint;
    let method = config.auth_method.unwrap_or(
        if config.private_key.is_some() && metadata.lists_private_key_jwt {
            TokenAuthMethod::PrivateKeyJwt
        } else {
            metadata.auth_method
        },
    );
    let assertion = match (method, &config.private_key, entropy) {
        (TokenAuthMethod::PrivateKeyJwt, Some(key), Some(entropy)) => {
            Some(key.assertion(&config.client_id, endpoint.as_str(), issued_at, entropy))
        }
        _ => None,
    };
    // The same fields, borrowed for as long as the assertion lives.
    let mut form: Vec<(&str, &str)> = form;
    if let Some(assertion) = &assertion {
        form.push(("client_id", &config.client_id));
        form.push((
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ));
        form.push(("client_assertion", assertion));
    }
    if method == TokenAuthMethod::ClientSecretPost {
        form.push(("client_id", &config.client_id));
        form.push(("client_secret", &config.client_secret));
    }
    let mut request = http_util::post_form(endpoint, &form);
    if method == TokenAuthMethod::ClientSecretBasic {
        // RFC 6749 §2.3.1: form-encode id and secret, then base64 "id:secret".
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = format!(
            "{}:{}",
            encode(&config.client_id),
            encode(&config.client_secret)
        );
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        if let Ok(mut value) = http::HeaderValue::from_str(&value) {
            value.set_sensitive(true);
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
    }
    request
}

/// `expires_in` as a number, or as a string as some providers send it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Seconds>,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

/// An OAuth error body (RFC 6749 §5.2).
#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// A token endpoint's successful answer, checked.
/// When an access token expires, as a token response says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AccessExpiry {
    /// `expires_in`: this long after the response.
    In(Duration),
    /// The access token's own `exp`.
    At(SystemTime),
    /// Neither.
    Unknown,
}

impl AccessExpiry {
    /// The expiry, for a response received at `now`.
    pub(crate) fn at(self, now: SystemTime) -> Option<SystemTime> {
        match self {
            Self::In(lifetime) => now.checked_add(lifetime),
            Self::At(at) => Some(at),
            Self::Unknown => None,
        }
    }
}

pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) id_token: Option<String>,
    pub(crate) expires_in: Option<Duration>,
}

impl TokenResponse {
    /// Reads a token endpoint's answer: an error status is an OAuth refusal (or a bare HTTP
    /// status); then `token_type` must be Bearer and an `access_token` must be there.
    pub(crate) fn read(
        endpoint: &'static str,
        response: &Response<Vec<u8>>,
    ) -> Result<Self, Error> {
        if !response.status().is_success() {
            return Err(
                match serde_json::from_slice::<OAuthError>(response.body()) {
                    Ok(e) => Error::TokenEndpoint {
                        error: e.error,
                        description: e.error_description,
                    },
                    Err(_) => Error::HttpStatus {
                        endpoint,
                        status: response.status().as_u16(),
                    },
                },
            );
        }
        let raw: RawTokenResponse = http_util::json_body(endpoint, response)?;
        let token_type = raw.token_type.ok_or(Error::MissingTokenField {
            field: "token_type",
        })?;
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::UnsupportedTokenType { found: token_type });
        }
        let access_token = raw.access_token.ok_or(Error::MissingTokenField {
            field: "access_token",
        })?;
        let expires_in = match raw.expires_in {
            Some(Seconds::Number(n)) => Some(Duration::from_secs(n)),
            Some(Seconds::Text(text)) => text.trim().parse().ok().map(Duration::from_secs),
            None => None,
        };
        Ok(Self {
            access_token,
            refresh_token: raw.refresh_token,
            id_token: raw.id_token,
            expires_in,
        })
    }

    /// When the access token expires: `expires_in` after the response, or, when the
    /// response leaves `expires_in` out, the access token's own `exp` if it is a JWT. That
    /// `exp` is read, not verified: it only says when to refresh, and the token is never
    /// trusted for it.
    pub(crate) fn access_expiry(&self) -> AccessExpiry {
        if let Some(lifetime) = self.expires_in {
            return AccessExpiry::In(lifetime);
        }
        let mut segments = self.access_token.split('.');
        let (Some(_), Some(payload), Some(_), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return AccessExpiry::Unknown;
        };
        let exp = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
            .and_then(|claims| claims.get("exp")?.as_u64());
        match exp {
            Some(exp) => AccessExpiry::At(SystemTime::UNIX_EPOCH + Duration::from_secs(exp)),
            None => AccessExpiry::Unknown,
        }
    }

    /// Reads a plain OAuth 2.0 provider's token answer, which may be form-encoded, and may
    /// carry an OAuth refusal with status 200 (GitHub does both); then as [`Self::read`].
    pub(crate) fn read_plain_oauth2(response: &Response<Vec<u8>>) -> Result<Self, Error> {
        let is_form = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        let body = if is_form {
            let mut members = Map::new();
            for (key, value) in url::form_urlencoded::parse(response.body()) {
                members
                    .entry(key.into_owned())
                    .or_insert(Value::String(value.into_owned()));
            }
            serde_json::to_vec(&members).unwrap_or_default()
        } else {
            response.body().clone()
        };
        if response.status().is_success()
            && let Ok(refusal) = serde_json::from_slice::<OAuthError>(&body)
        {
            return Err(Error::TokenEndpoint {
                error: refusal.error,
                description: refusal.error_description,
            });
        }
        let mut normalized = Response::new(body);
        *normalized.status_mut() = response.status();
        Self::read("token", &normalized)
    }
}

//! Plain OAuth 2.0 providers (GitHub first): no discovery, no keys, no ID token. The identity
//! is what the provider's user API answers, so a login here is of lower assurance than an
//! OpenID Connect one, and comes out as [`OAuth2Identity`], never as a [`VerifiedLogin`].
//!
//! ```text
//! OAuth2Endpoints::new(authorize, token, user)[.with_emails_url(..)][.with_user_api(..)]
//! begin_oauth2(config, endpoints, entropy, now) ─► (authorization URL, PendingLogin)
//! PendingLogin::oauth2_callback(query)          ─► OAuth2CodeExchange (state, error checks)
//! OAuth2CodeExchange::token_request(..)         ─► http::Request       (sent by the adapter)
//! OAuth2CodeExchange::token_response(response)  ─► AccessGranted       (OAuth checks)
//! AccessGranted::user_request(endpoints)        ─► http::Request
//! AccessGranted::user_response(endpoints, resp) ─► Found(OAuth2Identity) | NeedEmails(EmailLookup)
//! EmailLookup::emails_request()                 ─► http::Request
//! EmailLookup::emails_response(response)        ─► OAuth2Identity
//! ```
//!
//! What is shared with OpenID Connect, by the same code: `state` (single use, compared in
//! constant time), PKCE S256 on every login, the callback's `error` and `code` rules, the
//! token request (the same `redirect_uri`, the verifier, the client authentication) and the
//! token response's OAuth checks (`token_type` Bearer, an `access_token`, error bodies).
//! What is not there: a nonce (nothing would carry it back), RFC 9207 `iss` (there is no
//! issuer to compare it with; an `iss` on the callback is ignored), ID-token verification.
//!
//! # Why lower assurance
//! An OpenID provider signs a statement naming the user, the client and the time (the ID
//! token), checked here with the provider's keys. A plain OAuth 2.0 provider only grants an
//! access token, and the user is whoever its API answers for that token, over TLS, at the
//! configured URL. Nothing binds that answer to this client or this login beyond the code
//! exchange itself, and a misconfigured user URL is believed.
//!
//! # Choices
//! - `scope` is sent exactly as configured (GitHub's preset: `read:user user:email`); no
//!   `openid` is added, and an empty scope sends none.
//! - `prompt` is sent as configured, Streamlit's default `select_account` included: GitHub
//!   documents `prompt=select_account` (its account picker), and since logout at GitHub is
//!   local only, it is what lets the next login choose another account. `prompt = ""` sends none.
//! - The token request asks for JSON (`Accept: application/json`: GitHub answers
//!   form-encoded otherwise); a form-encoded answer is read too. An `error` in a successful
//!   answer (GitHub answers errors with status 200) is a [`Error::TokenEndpoint`].
//! - Client authentication is the configured method, else `client_secret_post` for GitHub
//!   (the form its documentation gives) and `client_secret_basic` (RFC 6749's default) for
//!   any other provider.
//! - API requests carry `Authorization: Bearer`, a `User-Agent` (GitHub's API refuses
//!   requests without one), and for GitHub `Accept: application/vnd.github+json` and its
//!   API version header.
//! - GitHub's user becomes the claims `sub` (the numeric `id` as a string), `name` (or the
//!   `login` when the user has set no name), `preferred_username` (the `login`), `picture`
//!   (`avatar_url`), `profile` (`html_url`), and `email` with `email_verified`. A public
//!   email is one the user picked among their verified addresses (`email_verified: true`);
//!   when it is private (`null`), the emails API gives the address that is both primary and
//!   verified, and with none, the claims have no `email` and `email_verified: false`. The
//!   rest of GitHub's user object (URLs, counters) is left out of the session.
//! - Any other provider's user object is kept as sent, and the same claims are filled in
//!   from it: `sub` (its `sub`, else its `id`), `preferred_username` (`login`), `name` (or the
//!   login), `picture` (`avatar_url`), and `email_verified` as sent when there is an email,
//!   else `false`.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, Request, Response, header};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{ClientConfig, TokenAuthMethod};
use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::http_util;
use crate::login::{CodeExchange, LoginEntropy, PendingLogin};
use crate::token::TokenResponse;
#[cfg(doc)]
use crate::verify::VerifiedLogin;

/// The `User-Agent` of API requests: GitHub's API refuses requests without one.
const USER_AGENT: &str = concat!("doorman/", env!("CARGO_PKG_VERSION"));

/// GitHub's REST API media type.
const GITHUB_JSON: &str = "application/vnd.github+json";

/// The GitHub REST API version the claims are read from.
const GITHUB_API_VERSION: &str = "2022-11-28";

/// Which user API a plain OAuth 2.0 provider has: how its user is asked for and read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserApi {
    /// An API answering the user as a JSON object: kept as sent, with `sub`, `name`,
    /// `preferred_username`, `picture` and `email_verified` filled in from it.
    #[default]
    Generic,
    /// GitHub's REST API (`/user`, `/user/emails`), on github.com or GitHub Enterprise Server.
    GitHub,
}

/// A plain OAuth 2.0 provider's endpoints, as configured (there is no discovery).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuth2Endpoints {
    authorize_url: Url,
    access_token_url: Url,
    userinfo_url: Url,
    emails_url: Option<Url>,
    api: UserApi,
}

impl OAuth2Endpoints {
    /// The authorization endpoint, the token endpoint and the user API, of a
    /// [`UserApi::Generic`] provider without an emails API.
    #[must_use]
    pub fn new(authorize_url: Url, access_token_url: Url, userinfo_url: Url) -> Self {
        Self {
            authorize_url,
            access_token_url,
            userinfo_url,
            emails_url: None,
            api: UserApi::Generic,
        }
    }

    /// The API that lists the user's addresses, asked when the user API gives no email
    /// (GitHub: `/user/emails`); `None`: not asked.
    #[must_use]
    pub fn with_emails_url(mut self, emails_url: Option<Url>) -> Self {
        self.emails_url = emails_url;
        self
    }

    /// Which user API the provider has.
    #[must_use]
    pub fn with_user_api(mut self, api: UserApi) -> Self {
        self.api = api;
        self
    }

    /// `authorize_url`: where the browser is sent to log in.
    #[must_use]
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// `access_token_url`: where the code is redeemed.
    #[must_use]
    pub fn access_token_url(&self) -> &Url {
        &self.access_token_url
    }

    /// The user API.
    #[must_use]
    pub fn userinfo_url(&self) -> &Url {
        &self.userinfo_url
    }

    /// The emails API, if any.
    #[must_use]
    pub fn emails_url(&self) -> Option<&Url> {
        self.emails_url.as_ref()
    }

    /// Which user API the provider has.
    #[must_use]
    pub fn user_api(&self) -> UserApi {
        self.api
    }

    /// How the client authenticates at the token endpoint when the configuration does not
    /// say: `client_secret_post` for GitHub (the form its documentation gives), else
    /// `client_secret_basic` (RFC 6749 §2.3.1).
    #[must_use]
    pub fn auth_method(&self) -> TokenAuthMethod {
        match self.api {
            UserApi::GitHub => TokenAuthMethod::ClientSecretPost,
            UserApi::Generic => TokenAuthMethod::ClientSecretBasic,
        }
    }

    /// The endpoints in the shape the login and token-request code reads: PKCE always, no
    /// RFC 9207 `iss`, no ID-token algorithm and no key set (`jwks_uri` is never fetched).
    fn as_metadata(&self) -> ProviderMetadata {
        ProviderMetadata {
            issuer: String::new(),
            authorization_endpoint: self.authorize_url.clone(),
            token_endpoint: self.access_token_url.clone(),
            userinfo_endpoint: Some(self.userinfo_url.clone()),
            jwks_uri: self.access_token_url.clone(),
            end_session_endpoint: None,
            logout: None,
            signing_algorithms: Vec::new(),
            use_pkce: true,
            iss_parameter_supported: false,
            auth_method: self.auth_method(),
            lists_private_key_jwt: false,
        }
    }
}

/// The authorization URL of a plain OAuth 2.0 provider, and the pending login to keep:
/// `state` and PKCE S256 always, no nonce, the configured `scope` (none when empty), `prompt`
/// and extra parameters.
#[must_use = "the pending login must be kept to check the callback"]
pub fn begin_oauth2(
    config: &ClientConfig,
    endpoints: &OAuth2Endpoints,
    entropy: &LoginEntropy,
    now: SystemTime,
) -> (Url, PendingLogin) {
    let (_, pending) = crate::login::begin(config, &endpoints.as_metadata(), entropy, now);
    let state = URL_SAFE_NO_PAD.encode(entropy.state);
    let verifier = URL_SAFE_NO_PAD.encode(entropy.pkce_verifier);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", config.redirect_uri.as_str()),
    ];
    if !config.scope.trim().is_empty() {
        params.push(("scope", &config.scope));
    }
    params.extend([
        ("state", state.as_str()),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    if let Some(prompt) = &config.prompt {
        params.push(("prompt", prompt));
    }
    params.extend(
        config
            .extra_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let url = http_util::with_query(endpoints.authorize_url.clone(), &params);
    (url, pending.into_plain_oauth2())
}

impl PendingLogin {
    /// Checks a plain OAuth 2.0 provider's callback query (without `?`): `state`, `error`,
    /// then `code`, as [`PendingLogin::callback`] does; an `iss` parameter is ignored.
    ///
    /// # Errors
    /// [`Error::LoginKindMismatch`] for a login begun with [`crate::begin`],
    /// [`Error::MalformedCallback`], [`Error::MissingState`], [`Error::StateMismatch`],
    /// [`Error::AuthorizationDenied`], [`Error::MissingCode`].
    pub fn oauth2_callback(self, query: &str) -> Result<OAuth2CodeExchange, Error> {
        Ok(OAuth2CodeExchange {
            exchange: self.plain_oauth2_callback(query)?,
        })
    }
}

/// A checked callback of a plain OAuth 2.0 provider: the code to redeem.
#[derive(Debug)]
pub struct OAuth2CodeExchange {
    exchange: CodeExchange,
}

impl OAuth2CodeExchange {
    /// The token request, as for an OpenID provider: the code, the same `redirect_uri`, the
    /// PKCE verifier, the client's authentication ([`OAuth2Endpoints::auth_method`] unless
    /// configured), and `Accept: application/json`.
    #[must_use]
    pub fn token_request(
        &self,
        config: &ClientConfig,
        endpoints: &OAuth2Endpoints,
    ) -> Request<Vec<u8>> {
        let mut request = self
            .exchange
            .token_request(config, &endpoints.as_metadata());
        request
            .headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        request
    }

    /// Reads the token endpoint's answer (JSON, or form-encoded): an `error` member is a
    /// refusal whatever the status; then `token_type` must be Bearer and an `access_token`
    /// usable in a header must be there. An ID token, if any, is not used.
    ///
    /// # Errors
    /// [`Error::TokenEndpoint`], [`Error::HttpStatus`], [`Error::InvalidJson`],
    /// [`Error::UnsupportedTokenType`], [`Error::MissingTokenField`],
    /// [`Error::UnusableAccessToken`].
    pub fn token_response(
        self,
        response: &Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<AccessGranted, Error> {
        let tokens = TokenResponse::read_plain_oauth2(response)?;
        if tokens.access_token.is_empty() || bearer(&tokens.access_token).is_none() {
            return Err(Error::UnusableAccessToken);
        }
        let access_token_expires_at = tokens.access_expiry().at(now);
        Ok(AccessGranted {
            provider: self.exchange.into_pending().provider().to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            access_token_expires_at,
        })
    }
}

/// `Authorization: Bearer <token>`, marked sensitive; `None` when a header cannot hold it.
fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A `GET` of a provider API with the access token, as `api` wants it.
fn api_request(url: &Url, api: UserApi, access_token: &str) -> Request<Vec<u8>> {
    let mut request = http_util::get_json(url);
    let headers = request.headers_mut();
    if let Some(value) = bearer(access_token) {
        headers.insert(header::AUTHORIZATION, value);
    }
    headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    if api == UserApi::GitHub {
        headers.insert(header::ACCEPT, HeaderValue::from_static(GITHUB_JSON));
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(GITHUB_API_VERSION),
        );
    }
    request
}

/// An access token granted by a plain OAuth 2.0 provider: the user is not known yet.
pub struct AccessGranted {
    provider: String,
    access_token: String,
    refresh_token: Option<String>,
    access_token_expires_at: Option<SystemTime>,
}

impl fmt::Debug for AccessGranted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessGranted")
            .field("provider", &self.provider)
            .field("access_token", &"REDACTED")
            .finish_non_exhaustive()
    }
}

/// What the user API's answer gave.
#[derive(Debug)]
pub enum UserLookup {
    /// The user, with an email or with none to look for.
    Found(OAuth2Identity),
    /// The user has no email in the user API and the provider has an emails API: send
    /// [`EmailLookup::emails_request`] and read its answer.
    NeedEmails(EmailLookup),
}

impl AccessGranted {
    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The user request: a `GET` of the user API with the access token in the
    /// `Authorization` header (never the query).
    #[must_use]
    pub fn user_request(&self, endpoints: &OAuth2Endpoints) -> Request<Vec<u8>> {
        api_request(&endpoints.userinfo_url, endpoints.api, &self.access_token)
    }

    /// Reads the user API's answer into claims (see the module's choices).
    ///
    /// # Errors
    /// [`Error::HttpStatus`], [`Error::InvalidJson`] (not a JSON object),
    /// [`Error::MissingUserId`].
    pub fn user_response(
        self,
        endpoints: &OAuth2Endpoints,
        response: &Response<Vec<u8>>,
    ) -> Result<UserLookup, Error> {
        let user: Map<String, Value> = http_util::json_body("user", response)?;
        let claims = user_claims(endpoints.api, user)?;
        if claims.contains_key("email") {
            return Ok(UserLookup::Found(self.into_identity(claims)));
        }
        match &endpoints.emails_url {
            Some(url) => Ok(UserLookup::NeedEmails(EmailLookup {
                url: url.clone(),
                api: endpoints.api,
                granted: self,
                claims,
            })),
            None => Ok(UserLookup::Found(self.into_identity(without_email(claims)))),
        }
    }

    fn into_identity(self, claims: Map<String, Value>) -> OAuth2Identity {
        OAuth2Identity {
            provider: self.provider,
            claims,
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            access_token_expires_at: self.access_token_expires_at,
        }
    }
}

/// A non-empty string member.
fn text<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The user's identifier: `sub` when a string, else `id` (an integer, or a non-empty string).
fn subject(user: &Map<String, Value>) -> Result<String, Error> {
    if let Some(sub) = text(user, "sub") {
        return Ok(sub.to_owned());
    }
    match user.get("id") {
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(Error::MissingUserId),
    }
}

/// The claims of a user object (see the module's choices). An `email` is kept only when it
/// is a non-empty string.
fn user_claims(api: UserApi, user: Map<String, Value>) -> Result<Map<String, Value>, Error> {
    let sub = subject(&user)?;
    let login = text(&user, "login").map(str::to_owned);
    let name = text(&user, "name")
        .map(str::to_owned)
        .or_else(|| login.clone());
    let picture = text(&user, "avatar_url").map(str::to_owned);
    let email = text(&user, "email").map(str::to_owned);
    let mut claims = match api {
        UserApi::GitHub => {
            let mut claims = Map::new();
            if let Some(profile) = text(&user, "html_url") {
                claims.insert("profile".into(), Value::String(profile.to_owned()));
            }
            if email.is_some() {
                // GitHub offers only verified addresses as the public email.
                claims.insert("email_verified".into(), Value::Bool(true));
            }
            claims
        }
        UserApi::Generic => {
            let mut claims = user;
            if email.is_none() {
                claims.remove("email");
            }
            claims.entry("email_verified").or_insert(Value::Bool(false));
            claims
        }
    };
    claims.insert("sub".into(), Value::String(sub));
    let mut fill = |claim: &str, value: Option<String>| {
        if let Some(value) = value
            && text(&claims, claim).is_none()
        {
            claims.insert(claim.to_owned(), Value::String(value));
        }
    };
    fill("preferred_username", login);
    fill("name", name);
    fill("picture", picture);
    fill("email", email);
    Ok(claims)
}

/// The claims of a user whose email was not found: no `email`, `email_verified: false`.
fn without_email(mut claims: Map<String, Value>) -> Map<String, Value> {
    claims.remove("email");
    claims.insert("email_verified".into(), Value::Bool(false));
    claims
}

/// A user whose email is to be looked for in the emails API.
pub struct EmailLookup {
    url: Url,
    api: UserApi,
    granted: AccessGranted,
    claims: Map<String, Value>,
}

impl fmt::Debug for EmailLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailLookup")
            .field("url", &self.url.as_str())
            .field("granted", &self.granted)
            .field("claims", &self.claims)
            .finish()
    }
}

/// One address of the emails API (GitHub: `email`, `primary`, `verified`, `visibility`).
#[derive(Deserialize)]
struct Address {
    email: Option<String>,
    #[serde(default)]
    primary: Option<bool>,
    #[serde(default)]
    verified: Option<bool>,
}

impl EmailLookup {
    /// The emails request: a `GET` of the emails API with the access token.
    #[must_use]
    pub fn emails_request(&self) -> Request<Vec<u8>> {
        api_request(&self.url, self.api, &self.granted.access_token)
    }

    /// Reads the emails API's answer: the address that is both primary and verified becomes
    /// `email` with `email_verified: true`; with none, the identity has no `email` and
    /// `email_verified: false`. Entries of another shape are passed over.
    ///
    /// # Errors
    /// [`Error::HttpStatus`], [`Error::InvalidJson`] (not a JSON list).
    pub fn emails_response(self, response: &Response<Vec<u8>>) -> Result<OAuth2Identity, Error> {
        let listed: Vec<Value> = http_util::json_body("emails", response)?;
        let found = listed
            .into_iter()
            .filter_map(|entry| serde_json::from_value::<Address>(entry).ok())
            .filter(|a| a.primary == Some(true) && a.verified == Some(true))
            .find_map(|a| a.email.filter(|email| !email.trim().is_empty()));
        let claims = match found {
            Some(email) => {
                let mut claims = self.claims;
                claims.insert("email".into(), Value::String(email));
                claims.insert("email_verified".into(), Value::Bool(true));
                claims
            }
            None => without_email(self.claims),
        };
        Ok(self.granted.into_identity(claims))
    }
}

/// A user of a plain OAuth 2.0 provider: what its user API answered for an access token
/// redeemed from this login's code.
///
/// Lower assurance than a [`VerifiedLogin`]: no signed ID token stands behind these
/// claims, only the provider's API answering over TLS at the configured URL.
#[derive(Clone)]
pub struct OAuth2Identity {
    provider: String,
    claims: Map<String, Value>,
    access_token: String,
    refresh_token: Option<String>,
    access_token_expires_at: Option<SystemTime>,
}

impl OAuth2Identity {
    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The claims mapped from the user API (and the emails API).
    #[must_use]
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// `sub`: the user's id at the provider, as a string.
    #[must_use]
    pub fn subject(&self) -> &str {
        self.claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The access token (opaque).
    #[must_use]
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The refresh token, when the provider issued one (GitHub apps with expiring tokens).
    #[must_use]
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// When the access token expires, when the provider said.
    #[must_use]
    pub fn access_token_expires_at(&self) -> Option<SystemTime> {
        self.access_token_expires_at
    }

    /// Consumes the identity into its claims.
    #[must_use]
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }
}

impl fmt::Debug for OAuth2Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Identity")
            .field("provider", &self.provider)
            .field("claims", &self.claims)
            .field("access_token", &"REDACTED")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn github_users_map_to_the_standard_claims() {
        let claims = user_claims(
            UserApi::GitHub,
            object(json!({
                "login": "octocat", "id": 583231, "name": null, "email": null,
                "avatar_url": "https://avatars.example/u/583231", "html_url": "https://github.com/octocat",
                "followers_url": "https://api.github.com/users/octocat/followers", "public_repos": 8,
            })),
        )
        .expect("claims");
        assert_eq!(
            Value::Object(claims),
            json!({
                "sub": "583231", "name": "octocat", "preferred_username": "octocat",
                "picture": "https://avatars.example/u/583231", "profile": "https://github.com/octocat",
            })
        );
    }

    #[test]
    fn ids_are_integers_or_non_empty_strings() {
        for (user, expected) in [
            (json!({"id": 1}), Ok("1".to_owned())),
            (json!({"id": -7}), Ok("-7".to_owned())),
            (json!({"id": "abc"}), Ok("abc".to_owned())),
            (json!({"sub": "s", "id": 2}), Ok("s".to_owned())),
            (json!({"id": 1.5}), Err(Error::MissingUserId)),
            (json!({"id": ""}), Err(Error::MissingUserId)),
            (json!({"id": null}), Err(Error::MissingUserId)),
            (json!({"id": [1]}), Err(Error::MissingUserId)),
            (json!({}), Err(Error::MissingUserId)),
        ] {
            assert_eq!(subject(&object(user.clone())), expected, "{user}");
        }
    }

    #[test]
    fn generic_users_are_kept_as_sent_with_the_claims_filled_in() {
        let claims = user_claims(
            UserApi::Generic,
            object(json!({"id": 9, "login": "x", "email": "", "locale": "fr"})),
        )
        .expect("claims");
        assert_eq!(
            Value::Object(claims),
            json!({"id": 9, "login": "x", "locale": "fr", "email_verified": false,
                   "sub": "9", "preferred_username": "x", "name": "x"})
        );
    }
}

//! [`DevIdp`]: the provider as a function from request to response, at a given time.
//!
//! The loopback server (`serve`) and the in-process tests call the same [`DevIdp::handle`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{Method, Request, Response, StatusCode, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{DevIdpConfig, RegisteredClient, TestUser};
use crate::github::{self, GitHub};
use crate::keys::{SigningKey, short_rsa_test_key, test_keys};
use crate::misbehavior::{Endpoint, Misbehavior};
use crate::page;
use crate::persona::{Persona, Shape, Stamp, TENANT_PLACEHOLDER};

/// How long a code may wait to be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// How long ID and access tokens last.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The client authentication methods the provider's own metadata lists.
const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
];

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A request the provider received, for tests to assert on. Secret values are kept only
/// in memory, never logged.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The path below the issuer, such as `/token`; with a persona, the whole path (its
    /// endpoints need not be below its issuer), such as `/oauth2/token`.
    pub path: String,
    /// Query and form parameters, in order.
    pub params: Vec<(String, String)>,
    /// The `Authorization` header's scheme (`Basic`, `Bearer`), when present.
    pub auth_scheme: Option<String>,
}

impl RecordedRequest {
    /// The value of parameter `name`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a request asks for, once its path is routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Discovery,
    Jwks,
    Authorize,
    Decide,
    Token,
    Userinfo,
    EndSession,
    /// A route of [`Persona::GitHub`].
    GitHub(github::Route),
}

impl Route {
    /// The endpoint misbehaviors name this route by, if any.
    fn endpoint(self) -> Option<Endpoint> {
        match self {
            Self::Discovery => Some(Endpoint::Discovery),
            Self::Jwks => Some(Endpoint::Jwks),
            Self::Token => Some(Endpoint::Token),
            Self::Userinfo => Some(Endpoint::Userinfo),
            Self::Authorize | Self::Decide | Self::EndSession => None,
            Self::GitHub(route) => route.endpoint(),
        }
    }
}

/// How a client authenticated at the token endpoint, by its name in
/// `token_endpoint_auth_methods_supported`.
fn auth_method(params: &[(String, String)], authorization: Option<&str>) -> &'static str {
    if param(params, "client_assertion_type") == Some(JWT_BEARER) {
        "private_key_jwt"
    } else if authorization.is_some_and(|a| a.starts_with("Basic ")) {
        "client_secret_basic"
    } else if param(params, "client_secret").is_some() {
        "client_secret_post"
    } else {
        "none"
    }
}

/// The left half of `text`'s SHA-256, base64url: `at_hash` and `c_hash` for RS256.
fn half_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// What an ID token is issued for.
struct Issue<'a> {
    client: &'a RegisteredClient,
    user: &'a TestUser,
    nonce: Option<&'a str>,
    /// The code redeemed, for `c_hash`; `None` on refresh.
    code: Option<&'a str>,
    access_token: &'a str,
    now: SystemTime,
}

struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    user: TestUser,
    nonce: Option<String>,
    challenge: Option<String>,
    issued_at: SystemTime,
}

struct TokenGrant {
    client_id: String,
    user: TestUser,
}

struct State {
    keys: Vec<SigningKey>,
    active: usize,
    ec: SigningKey,
    misbehaviors: Vec<Misbehavior>,
    codes: HashMap<String, CodeGrant>,
    access_tokens: HashMap<String, TokenGrant>,
    refresh_tokens: HashMap<String, TokenGrant>,
    id_tokens: HashMap<String, String>,
    requests: Vec<RecordedRequest>,
    /// The `jti`s of client assertions already used: an assertion is single-use.
    assertion_ids: std::collections::HashSet<String>,
}

/// The development provider.
pub struct DevIdp {
    config: DevIdpConfig,
    state: Mutex<State>,
    github: GitHub,
}

type Reply = Response<Vec<u8>>;

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn json_reply(status: StatusCode, body: &Value) -> Reply {
    reply(status, "application/json", body.to_string())
}

fn html_reply(status: StatusCode, body: String) -> Reply {
    reply(status, "text/html; charset=utf-8", body)
}

fn redirect(location: &Url) -> Reply {
    let mut response = reply(StatusCode::FOUND, "text/plain", Vec::new());
    if let Ok(value) = header::HeaderValue::from_str(location.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    json_reply(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    // The development provider's tokens protect nothing; a failed draw still gives unique zeros
    // only once, and the next request fails to redeem them.
    let _ = getrandom::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `kid` under which the JWKS lists `kid`'s RSA key for PS256 too.
fn pss_kid(kid: &str) -> String {
    format!("{kid}-pss")
}

/// A listed RSA key's public JWK, listed again for PS256 ([`Misbehavior::SignPs256`]).
fn pss_jwk(mut jwk: Value) -> Value {
    if let Value::Object(map) = &mut jwk {
        let kid = map.get("kid").and_then(Value::as_str).unwrap_or_default();
        map.insert("kid".to_owned(), Value::String(pss_kid(kid)));
        map.insert("alg".to_owned(), Value::String("PS256".to_owned()));
    }
    jwk
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl DevIdp {
    /// A provider signing with the fixed test keys (`rsa-a` active).
    #[must_use]
    pub fn new(config: DevIdpConfig) -> Self {
        let (keys, ec) = test_keys();
        Self::with_keys(config, keys, ec)
    }

    /// A provider signing with the given RSA keys (the first active) and EC key; with no RSA
    /// key given, the fixed test keys sign.
    #[must_use]
    pub fn with_keys(config: DevIdpConfig, keys: Vec<SigningKey>, ec: SigningKey) -> Self {
        let keys = if keys.is_empty() { test_keys().0 } else { keys };
        Self {
            config,
            state: Mutex::new(State {
                keys,
                active: 0,
                ec,
                misbehaviors: Vec::new(),
                codes: HashMap::new(),
                access_tokens: HashMap::new(),
                refresh_tokens: HashMap::new(),
                id_tokens: HashMap::new(),
                requests: Vec::new(),
                assertion_ids: std::collections::HashSet::new(),
            }),
            github: GitHub::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-written in a way that
        // matters to a development provider; keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DevIdpConfig {
        &self.config
    }

    /// Turns a misbehavior on.
    pub fn misbehave(&self, misbehavior: Misbehavior) {
        self.state().misbehaviors.push(misbehavior);
    }

    /// Turns every misbehavior off.
    pub fn behave(&self) {
        self.state().misbehaviors.clear();
    }

    /// Rotates to the next RSA key: it signs from now on, and the JWKS shows only it.
    pub fn rotate_keys(&self) {
        let mut state = self.state();
        state.active = (state.active + 1) % state.keys.len().max(1);
        let kid = state
            .keys
            .get(state.active)
            .map(|k| k.kid.clone())
            .unwrap_or_default();
        tracing::info!(%kid, "devidp rotated its signing key");
    }

    /// The requests received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// The requests received so far to `path`.
    #[must_use]
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The delay the loopback server adds before answering a request to `path` (the whole
    /// path, as requested).
    #[must_use]
    pub fn delay_for(&self, path: &str) -> Option<Duration> {
        let endpoint = self.route(path).1.and_then(Route::endpoint)?;
        self.state().misbehaviors.iter().find_map(|m| match m {
            Misbehavior::Slow(e, delay) if *e == endpoint => Some(*delay),
            _ => None,
        })
    }

    fn is(&self, misbehavior: &Misbehavior) -> bool {
        self.state().misbehaviors.contains(misbehavior)
    }

    fn shape(&self) -> Option<&'static Shape> {
        self.config.persona.and_then(Persona::shape)
    }

    /// The path a request to `full_path` is recorded under, and its route. Without a persona
    /// the endpoints are below the issuer's path; a persona's are where the real provider has
    /// them.
    fn route(&self, full_path: &str) -> (String, Option<Route>) {
        if self.config.persona == Some(Persona::GitHub) {
            return (
                full_path.to_owned(),
                github::Route::of(full_path).map(Route::GitHub),
            );
        }
        let Some(shape) = self.shape() else {
            let issuer_path = self.config.issuer.path().trim_end_matches('/');
            let path = full_path.strip_prefix(issuer_path).unwrap_or(full_path);
            let route = match path {
                "/.well-known/openid-configuration" => Some(Route::Discovery),
                "/jwks" => Some(Route::Jwks),
                "/authorize" => Some(Route::Authorize),
                "/authorize/decide" => Some(Route::Decide),
                "/token" => Some(Route::Token),
                "/userinfo" => Some(Route::Userinfo),
                "/end_session" => Some(Route::EndSession),
                _ => None,
            };
            return (path.to_owned(), route);
        };
        let decide = format!("{}/decide", shape.authorization);
        let routes = [
            (Some(shape.metadata), Route::Discovery),
            (Some(shape.jwks), Route::Jwks),
            (Some(shape.authorization), Route::Authorize),
            (Some(decide.as_str()), Route::Decide),
            (Some(shape.token), Route::Token),
            (shape.userinfo, Route::Userinfo),
            (shape.end_session, Route::EndSession),
        ];
        let route = routes
            .into_iter()
            .find(|(path, _)| *path == Some(full_path))
            .map(|(_, route)| route);
        (full_path.to_owned(), route)
    }

    /// Answers one request at time `now`.
    pub fn handle(&self, request: &Request<Vec<u8>>, now: SystemTime) -> Response<Vec<u8>> {
        let (path, route) = self.route(request.uri().path());
        let mut params: Vec<(String, String)> = request
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        if request.method() == Method::POST {
            params.extend(url::form_urlencoded::parse(request.body()).into_owned());
        }
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.state().requests.push(RecordedRequest {
            path: path.clone(),
            params: params.clone(),
            auth_scheme: authorization
                .as_deref()
                .and_then(|a| a.split_whitespace().next())
                .map(str::to_owned),
        });
        if let Some(endpoint) = route.and_then(Route::endpoint)
            && self.is(&Misbehavior::Failing(endpoint))
        {
            tracing::info!(%path, "devidp fails on purpose");
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "failing on purpose",
            );
        }
        let Some(route) = route else {
            return reply(StatusCode::NOT_FOUND, "text/plain", "not found");
        };
        match (request.method().clone(), route) {
            (_, Route::GitHub(route)) => {
                self.github
                    .handle(&self.config, route, request, &params, now)
            }
            (Method::GET, Route::Discovery) => self.discovery(),
            (Method::GET, Route::Jwks) => self.jwks(),
            (Method::GET, Route::Authorize) => self.authorize(&params, now),
            (Method::GET, Route::Decide) => {
                self.decide(&params, param(&params, "user").unwrap_or_default(), now)
            }
            (Method::POST, Route::Token) => {
                let endpoint = format!(
                    "{}{path}",
                    self.config.issuer.origin().ascii_serialization()
                );
                self.token(&params, authorization.as_deref(), &endpoint, now)
            }
            (Method::GET | Method::POST, Route::Userinfo) => {
                self.userinfo(authorization.as_deref())
            }
            (Method::GET, Route::EndSession) => self.end_session(&params),
            _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.issuer_str())
    }

    /// The development provider's own metadata.
    fn own_discovery(&self) -> Value {
        json!({
            "issuer": self.config.issuer_str(),
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "userinfo_endpoint": self.url("/userinfo"),
            "jwks_uri": self.url("/jwks"),
            "end_session_endpoint": self.url("/end_session"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256", "HS256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": ["sub", "name", "given_name", "family_name", "email", "email_verified"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "grant_types_supported": ["authorization_code", "refresh_token"],
        })
    }

    fn discovery(&self) -> Reply {
        let mut doc = match self.config.persona {
            None => self.own_discovery(),
            Some(persona) => persona.discovery(&self.config.origin()),
        };
        if let Value::Object(map) = &mut doc {
            if self.is(&Misbehavior::DiscoveryIssuerMismatch) {
                let issuer = self.config.issuer_str();
                map.insert(
                    "issuer".into(),
                    json!(format!("{}/other", issuer.trim_end_matches('/'))),
                );
            }
            if self.is(&Misbehavior::UnadvertisedAlgorithm) {
                map.insert(
                    "id_token_signing_alg_values_supported".into(),
                    json!(["RS256"]),
                );
            }
            if self.is(&Misbehavior::PkceNotAdvertised) {
                map.remove("code_challenge_methods_supported");
            }
            if self.is(&Misbehavior::PkcePlainOnly) {
                map.insert("code_challenge_methods_supported".into(), json!(["plain"]));
            }
            if self.is(&Misbehavior::IssParameterNotAdvertised) {
                map.remove("authorization_response_iss_parameter_supported");
            }
        }
        tracing::info!("devidp served discovery");
        json_reply(StatusCode::OK, &doc)
    }

    /// The id a key is listed and named under: its own, with the persona's suffix.
    fn kid_of(&self, key: &SigningKey) -> String {
        let suffix = self.shape().map_or("", |shape| shape.keys.kid_suffix);
        format!("{}{suffix}", key.kid)
    }

    fn jwks(&self) -> Reply {
        let state = self.state();
        let on = |m: &Misbehavior| state.misbehaviors.contains(m);
        let active = &state.keys[state.active];
        let origin = self.config.origin();
        let shape = self.shape();
        // A signing key's public JWK, as the persona (if any) lists its keys.
        let public = |key: &SigningKey, with_kid: bool| match shape {
            None => key.public_jwk(with_kid),
            Some(shape) => shape.keys.signing(key.public_jwk(with_kid), &origin),
        };
        let mut keys: Vec<Value> = if on(&Misbehavior::ShortRsaKey) {
            vec![public(&short_rsa_test_key(), true)]
        } else if on(&Misbehavior::KidAbsentSingleKey) {
            vec![public(active, false)]
        } else if on(&Misbehavior::KidAbsentMultipleKeys) {
            state.keys.iter().map(|k| public(k, false)).collect()
        } else if let Some(shape) = shape {
            let mut keys = vec![public(active, true)];
            let next = (state.active + 1) % state.keys.len().max(1);
            if let Some(next) = state.keys.get(next) {
                keys.extend(shape.keys.beside(next.public_jwk(true), &origin));
            }
            // A persona lists an EC key only to sign with it on purpose.
            if on(&Misbehavior::SignEs256) || on(&Misbehavior::UnadvertisedAlgorithm) {
                keys.push(public(&state.ec, true));
            }
            keys
        } else {
            vec![active.public_jwk(true), state.ec.public_jwk(true)]
        };
        if on(&Misbehavior::SignPs256) {
            keys.push(pss_jwk(public(active, true)));
        }
        if on(&Misbehavior::UnparseableKeyInJwks) {
            keys.insert(
                0,
                json!({"kty": "AKP", "kid": "pq-1", "alg": "ML-DSA-44", "pub": "AAAA"}),
            );
            keys.insert(
                1,
                json!({"kty": "RSA", "kid": "broken", "n": 42, "e": "AQAB"}),
            );
            keys.push(
                json!({"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"}),
            );
        }
        drop(state);
        tracing::info!(keys = keys.len(), "devidp served its JWKS");
        json_reply(StatusCode::OK, &json!({ "keys": keys }))
    }

    fn client(&self, client_id: &str) -> Option<&RegisteredClient> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    /// The page refusing a request whose client is unknown or whose redirect URI is not
    /// registered for it (never a redirect to an unregistered URI); `None` when both are fine.
    fn refusal(&self, client_id: &str, redirect_uri: &str) -> Option<Reply> {
        let (title, text) = match self.client(client_id) {
            None => (
                "Unknown client",
                "This client is not registered at the development provider.",
            ),
            Some(client) if !client.redirect_uris.iter().any(|r| r == redirect_uri) => (
                "Unregistered redirect URI",
                "The redirect_uri is not registered for this client.",
            ),
            Some(_) => return None,
        };
        Some(html_reply(
            StatusCode::BAD_REQUEST,
            page::message(title, text),
        ))
    }

    fn authorize(&self, params: &[(String, String)], now: SystemTime) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").unwrap_or_default();
        let redirect_uri = get("redirect_uri").unwrap_or_default();
        if let Some(refusal) = self.refusal(client_id, redirect_uri) {
            return refusal;
        }
        if get("response_type") != Some("code")
            || !get("scope")
                .unwrap_or_default()
                .split(' ')
                .any(|s| s == "openid")
        {
            return self.error_redirect(
                redirect_uri,
                get("state"),
                "invalid_request",
                "response_type=code and scope openid are required",
            );
        }
        if self.config.auto_approve {
            let hint = get("login_hint");
            let user = self
                .config
                .users
                .iter()
                .find(|u| {
                    Some(u.sub.as_str()) == hint
                        || u.claims.get("email").and_then(Value::as_str) == hint
                })
                .or_else(|| self.config.users.first())
                .map(|u| u.sub.clone())
                .unwrap_or_default();
            return self.decide(params, &user, now);
        }
        let hidden: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "user")
            .cloned()
            .collect();
        tracing::info!(client = client_id, "devidp shows its login page");
        // The form goes to the decide route, next to the authorization endpoint.
        let authorization = self
            .shape()
            .map_or("/authorize", |shape| shape.authorization);
        let action = format!(
            "{}/decide",
            authorization.rsplit('/').next().unwrap_or_default()
        );
        html_reply(
            StatusCode::OK,
            page::login(client_id, &self.config.users, &hidden, &action),
        )
    }

    fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &str,
        description: &str,
    ) -> Reply {
        let Ok(mut url) = Url::parse(redirect_uri) else {
            return html_reply(
                StatusCode::BAD_REQUEST,
                page::message("Bad redirect URI", "The redirect_uri is not a URL."),
            );
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("error", error)
                .append_pair("error_description", description);
            if let Some(state) = state {
                query.append_pair("state", state);
            }
            if let Some(iss) = self.iss_parameter() {
                query.append_pair("iss", &iss);
            }
        }
        redirect(&url)
    }

    /// The callback's RFC 9207 `iss`: always the provider's own, a persona's only when the
    /// real provider advertises it.
    fn iss_parameter(&self) -> Option<String> {
        let advertised = self.shape().is_none_or(|shape| shape.iss_parameter);
        if self.is(&Misbehavior::IssParameterMissing)
            || self.is(&Misbehavior::IssParameterNotAdvertised)
        {
            None
        } else if self.is(&Misbehavior::IssParameterWrong) {
            Some("https://evil.example".to_owned())
        } else {
            advertised.then(|| self.config.issuer_str())
        }
    }

    fn decide(&self, params: &[(String, String)], user: &str, now: SystemTime) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").unwrap_or_default();
        let redirect_uri = get("redirect_uri").unwrap_or_default();
        if let Some(refusal) = self.refusal(client_id, redirect_uri) {
            return refusal;
        }
        let Some(user) = self.config.users.iter().find(|u| u.sub == user) else {
            tracing::info!(client = client_id, "devidp: the user denied the login");
            return self.error_redirect(
                redirect_uri,
                get("state"),
                "access_denied",
                "The user denied the request",
            );
        };
        let challenge = match (get("code_challenge"), get("code_challenge_method")) {
            (Some(c), Some("S256") | None) => Some(c.to_owned()),
            (Some(_), Some(_)) => {
                return self.error_redirect(
                    redirect_uri,
                    get("state"),
                    "invalid_request",
                    "only S256 PKCE is supported",
                );
            }
            (None, _) => None,
        };
        let code = random_token();
        self.state().codes.insert(
            code.clone(),
            CodeGrant {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                user: user.clone(),
                nonce: get("nonce").map(str::to_owned),
                challenge,
                issued_at: now,
            },
        );
        let Ok(mut url) = Url::parse(redirect_uri) else {
            return html_reply(
                StatusCode::BAD_REQUEST,
                page::message("Bad redirect URI", "The redirect_uri is not a URL."),
            );
        };
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("code", &code);
            if let Some(state) = get("state") {
                query.append_pair("state", state);
            }
            if let Some(iss) = self.iss_parameter() {
                query.append_pair("iss", &iss);
            }
        }
        tracing::info!(client = client_id, user = %user.sub, "devidp approved a login");
        redirect(&url)
    }

    fn authenticate(
        &self,
        params: &[(String, String)],
        authorization: Option<&str>,
        endpoint: &str,
        now: SystemTime,
    ) -> Option<RegisteredClient> {
        if param(params, "client_assertion_type") == Some(JWT_BEARER) {
            return self.authenticate_assertion(params, endpoint, now);
        }
        let (id, secret) = match authorization.and_then(|a| a.strip_prefix("Basic ")) {
            Some(encoded) => {
                let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
                let (id, secret) = decoded.split_once(':')?;
                let decode = |s: &str| {
                    url::form_urlencoded::parse(format!("x={s}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                };
                (decode(id)?, decode(secret)?)
            }
            None => {
                let get = |name: &str| param(params, name).map(str::to_owned);
                (get("client_id")?, get("client_secret")?)
            }
        };
        let client = self.client(&id)?;
        let same =
            Sha256::digest(client.client_secret.as_bytes()) == Sha256::digest(secret.as_bytes());
        same.then(|| client.clone())
    }

    /// `private_key_jwt` (RFC 7523 §3): an RS256 assertion by the client's registered key,
    /// `iss` and `sub` the client id (and the `client_id` parameter, when sent), `aud` this
    /// token endpoint, unexpired, its `jti` never seen before.
    fn authenticate_assertion(
        &self,
        params: &[(String, String)],
        endpoint: &str,
        now: SystemTime,
    ) -> Option<RegisteredClient> {
        let assertion = param(params, "client_assertion")?;
        let unverified: Value = jsonwebtoken::dangerous::insecure_decode::<Value>(assertion)
            .ok()?
            .claims;
        let client_id = unverified.get("iss")?.as_str()?;
        let (_, public_pem) = self
            .config
            .client_public_keys
            .iter()
            .find(|(id, _)| id == client_id)?;
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes()).ok()?;
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.set_audience(&[endpoint]);
        validation.set_issuer(&[client_id]);
        validation.sub = Some(client_id.to_owned());
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        // Times against this provider's clock, which tests may set.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
            .ok()?
            .claims;
        let now = unix(now);
        let exp = claims.get("exp")?.as_u64()?;
        let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
        if exp <= now || iat > now + 60 {
            return None;
        }
        if param(params, "client_id").is_some_and(|id| id != client_id) {
            return None;
        }
        let jti = claims.get("jti")?.as_str()?.to_owned();
        if !self.state().assertion_ids.insert(jti) {
            return None;
        }
        self.client(client_id).cloned()
    }

    fn token(
        &self,
        params: &[(String, String)],
        authorization: Option<&str>,
        endpoint: &str,
        now: SystemTime,
    ) -> Reply {
        if self.is(&Misbehavior::TokenEndpointError) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "refused on purpose",
            );
        }
        if self.is(&Misbehavior::TokenEndpointGarbage) {
            return reply(
                StatusCode::OK,
                "text/html",
                "<html>not a token response</html>",
            );
        }
        let method = auth_method(params, authorization);
        let listed = self
            .shape()
            .map_or(AUTH_METHODS, |shape| shape.auth_methods);
        if !listed.contains(&method) {
            tracing::info!(
                method,
                "devidp refused a token request: an unlisted client authentication"
            );
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                &format!("{method} is not a client authentication method of this provider"),
            );
        }
        let Some(client) = self.authenticate(params, authorization, endpoint, now) else {
            tracing::info!("devidp refused a token request: client authentication failed");
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
        };
        let get = |name: &str| param(params, name);
        match get("grant_type") {
            Some("authorization_code") => {
                let code = get("code").unwrap_or_default();
                let Some(grant) = self.state().codes.remove(code) else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "unknown or used code",
                    );
                };
                if now.duration_since(grant.issued_at).unwrap_or_default() > CODE_LIFETIME {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired code");
                }
                if grant.client_id != client.client_id
                    || Some(grant.redirect_uri.as_str()) != get("redirect_uri")
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "client or redirect_uri mismatch",
                    );
                }
                if let Some(challenge) = &grant.challenge {
                    let verified = get("code_verifier").is_some_and(|v| {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == *challenge
                    });
                    if !verified {
                        return oauth_error(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            "PKCE verification failed",
                        );
                    }
                }
                tracing::info!(client = %client.client_id, user = %grant.user.sub, "devidp redeemed a code");
                self.issue_tokens(
                    &client,
                    &grant.user,
                    grant.nonce.as_deref(),
                    Some(code),
                    now,
                )
            }
            Some("refresh_token") => {
                let token = get("refresh_token").unwrap_or_default();
                let Some(grant) = self.state().refresh_tokens.remove(token) else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "unknown refresh token",
                    );
                };
                if grant.client_id != client.client_id {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "client mismatch",
                    );
                }
                tracing::info!(client = %client.client_id, user = %grant.user.sub, "devidp refreshed tokens");
                self.issue_tokens(&client, &grant.user, None, None, now)
            }
            _ => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "authorization_code or refresh_token",
            ),
        }
    }

    fn issue_tokens(
        &self,
        client: &RegisteredClient,
        user: &TestUser,
        nonce: Option<&str>,
        code: Option<&str>,
        now: SystemTime,
    ) -> Reply {
        if self.is(&Misbehavior::RotateKeyBeforeSigning) {
            self.rotate_keys();
            self.state()
                .misbehaviors
                .retain(|m| *m != Misbehavior::RotateKeyBeforeSigning);
        }
        let access_token = random_token();
        let id_token = self.id_token(&Issue {
            client,
            user,
            nonce,
            code,
            access_token: &access_token,
            now,
        });
        let refresh_token = random_token();
        {
            let mut state = self.state();
            let grant = || TokenGrant {
                client_id: client.client_id.clone(),
                user: user.clone(),
            };
            state.access_tokens.insert(access_token.clone(), grant());
            state.refresh_tokens.insert(refresh_token.clone(), grant());
            state
                .id_tokens
                .insert(id_token.clone(), client.client_id.clone());
        }
        let token_type = if self.is(&Misbehavior::TokenTypeNotBearer) {
            "mac"
        } else {
            "Bearer"
        };
        let expires_in = if self.is(&Misbehavior::ExpiresInAsString) {
            json!(TOKEN_LIFETIME.as_secs().to_string())
        } else {
            json!(TOKEN_LIFETIME.as_secs())
        };
        json_reply(
            StatusCode::OK,
            &json!({
                "access_token": access_token,
                "token_type": token_type,
                "expires_in": expires_in,
                "refresh_token": refresh_token,
                "id_token": id_token,
                "scope": "openid profile email",
            }),
        )
    }

    /// The `iss` of `user`'s tokens: the issuer, with the user's `tid` put into Entra's
    /// tenant template.
    fn token_issuer(&self, user: &TestUser) -> String {
        let issuer = self.config.issuer_str();
        match user.claims.get("tid").and_then(Value::as_str) {
            Some(tid) if issuer.contains(TENANT_PLACEHOLDER) => {
                issuer.replace(TENANT_PLACEHOLDER, tid)
            }
            _ => issuer,
        }
    }

    /// Adds a persona's stamps to `claims`.
    fn stamp(claims: &mut Map<String, Value>, stamps: &[Stamp], issue: &Issue<'_>) {
        let now_s = unix(issue.now);
        for stamp in stamps {
            let (name, value) = match stamp {
                Stamp::Azp => ("azp", json!(issue.client.client_id)),
                Stamp::AlsoAudience(other) => ("aud", json!([issue.client.client_id, other])),
                Stamp::AtHash => ("at_hash", json!(half_hash(issue.access_token))),
                Stamp::CHash => match issue.code {
                    Some(code) => ("c_hash", json!(half_hash(code))),
                    None => continue,
                },
                Stamp::AuthTime => ("auth_time", json!(now_s)),
                Stamp::NotBefore => ("nbf", json!(now_s)),
                Stamp::Fresh(name, prefix) => (*name, json!(format!("{prefix}{}", random_token()))),
                Stamp::Text(name, text) => (*name, json!(text)),
                Stamp::Number(name, number) => (*name, json!(number)),
                Stamp::Flag(name, flag) => (*name, json!(flag)),
                Stamp::Texts(name, texts) => (*name, json!(texts)),
            };
            claims.insert(name.to_owned(), value);
        }
    }

    fn id_token(&self, issue: &Issue<'_>) -> String {
        let Issue {
            client,
            user,
            nonce,
            now,
            ..
        } = *issue;
        let now_s = unix(now);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.token_issuer(user)));
        claims.insert("sub".into(), json!(user.sub));
        claims.insert("aud".into(), json!(client.client_id));
        claims.insert("exp".into(), json!(now_s + TOKEN_LIFETIME.as_secs()));
        claims.insert("iat".into(), json!(now_s));
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        match self.shape() {
            None => {
                claims.insert("auth_time".into(), json!(now_s));
            }
            Some(shape) => Self::stamp(&mut claims, shape.stamps, issue),
        }
        for (k, v) in &user.claims {
            claims.insert(k.clone(), v.clone());
        }
        let on = |m: Misbehavior| self.is(&m);
        if on(Misbehavior::WrongIssuer) {
            claims.insert("iss".into(), json!("https://evil.example"));
        }
        if on(Misbehavior::WrongAudience) {
            claims.insert("aud".into(), json!("someone-else"));
        }
        if on(Misbehavior::ExtraAudienceWithoutAzp) {
            claims.insert(
                "aud".into(),
                json!([client.client_id, "untrusted-audience"]),
            );
        }
        if on(Misbehavior::WrongAuthorizedParty) {
            claims.insert("azp".into(), json!("someone-else"));
        }
        if on(Misbehavior::WrongNonce) {
            claims.insert("nonce".into(), json!("not-the-nonce-you-sent"));
        }
        if on(Misbehavior::Expired) {
            claims.insert("exp".into(), json!(now_s.saturating_sub(3600)));
            claims.insert("iat".into(), json!(now_s.saturating_sub(7200)));
        }
        if on(Misbehavior::IssuedInFuture) {
            claims.insert("iat".into(), json!(now_s + 3600));
        }
        for (switch, claim) in [
            (Misbehavior::MissingSubject, "sub"),
            (Misbehavior::MissingIssuedAt, "iat"),
            (Misbehavior::MissingAudience, "aud"),
            (Misbehavior::MissingNonce, "nonce"),
        ] {
            if on(switch) {
                claims.remove(claim);
            }
        }
        self.sign(&Value::Object(claims), client)
    }

    fn sign(&self, claims: &Value, client: &RegisteredClient) -> String {
        let state = self.state();
        let active = state.keys[state.active].clone();
        let ec = state.ec.clone();
        let switches = state.misbehaviors.clone();
        drop(state);
        let on = |m: &Misbehavior| switches.contains(m);
        if on(&Misbehavior::AlgNone) {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            return format!("{header}.{payload}.");
        }
        let (mut header, key) =
            if on(&Misbehavior::SignEs256) || on(&Misbehavior::UnadvertisedAlgorithm) {
                (Header::new(Algorithm::ES256), ec.encoding.clone())
            } else if on(&Misbehavior::SignPs256) {
                (Header::new(Algorithm::PS256), active.encoding.clone())
            } else if on(&Misbehavior::ShortRsaKey) {
                (Header::new(Algorithm::RS256), short_rsa_test_key().encoding)
            } else if on(&Misbehavior::SignHs256) {
                (
                    Header::new(Algorithm::HS256),
                    EncodingKey::from_secret(client.client_secret.as_bytes()),
                )
            } else if on(&Misbehavior::Hs256SignedWithPublicKey) {
                let public = active.public_jwk(true).to_string();
                (
                    Header::new(Algorithm::HS256),
                    EncodingKey::from_secret(public.as_bytes()),
                )
            } else {
                (Header::new(Algorithm::RS256), active.encoding.clone())
            };
        header.kid = match header.alg {
            Algorithm::ES256 => Some(self.kid_of(&ec)),
            Algorithm::HS256 if on(&Misbehavior::Hs256SignedWithPublicKey) => {
                Some(self.kid_of(&active))
            }
            Algorithm::HS256 => None,
            Algorithm::PS256 => Some(pss_kid(&self.kid_of(&active))),
            _ if on(&Misbehavior::ShortRsaKey) => Some(self.kid_of(&short_rsa_test_key())),
            _ => Some(self.kid_of(&active)),
        };
        if on(&Misbehavior::KidAbsentSingleKey) || on(&Misbehavior::KidAbsentMultipleKeys) {
            header.kid = None;
        }
        let token = match jsonwebtoken::encode(&header, claims, &key) {
            Ok(token) => token,
            Err(e) => {
                tracing::error!(error = %e, "devidp could not sign an ID token");
                return String::new();
            }
        };
        if on(&Misbehavior::BadSignature) {
            return alter_signature(&token);
        }
        token
    }

    fn userinfo(&self, authorization: Option<&str>) -> Reply {
        let token = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or_default();
        let state = self.state();
        let Some(grant) = state.access_tokens.get(token) else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "unknown access token",
            );
        };
        let mut claims = grant.user.claims.clone();
        for omitted in self.shape().map_or(&[][..], |shape| shape.userinfo_omits) {
            claims.remove(*omitted);
        }
        let sub = if state
            .misbehaviors
            .contains(&Misbehavior::UserinfoOtherSubject)
        {
            "someone-else".to_owned()
        } else {
            grant.user.sub.clone()
        };
        drop(state);
        claims.insert("sub".into(), json!(sub));
        tracing::info!("devidp served userinfo");
        json_reply(StatusCode::OK, &Value::Object(claims))
    }

    fn end_session(&self, params: &[(String, String)]) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").map(str::to_owned).or_else(|| {
            let hint = get("id_token_hint")?;
            self.state().id_tokens.get(hint).cloned()
        });
        let client = client_id.as_deref().and_then(|id| self.client(id));
        match (client, get("post_logout_redirect_uri")) {
            (Some(client), Some(target))
                if client.post_logout_redirect_uris.iter().any(|u| u == target) =>
            {
                let Ok(mut url) = Url::parse(target) else {
                    return html_reply(
                        StatusCode::BAD_REQUEST,
                        page::message("Bad URI", "post_logout_redirect_uri is not a URL."),
                    );
                };
                if let Some(state) = get("state") {
                    url.query_pairs_mut().append_pair("state", state);
                }
                tracing::info!(client = %client.client_id, "devidp logged a user out");
                redirect(&url)
            }
            (_, Some(_)) => html_reply(
                StatusCode::BAD_REQUEST,
                page::message(
                    "Unregistered post-logout URI",
                    "post_logout_redirect_uri is not registered for this client.",
                ),
            ),
            (_, None) => html_reply(
                StatusCode::OK,
                page::message(
                    "Logged out",
                    "You are logged out of the development provider.",
                ),
            ),
        }
    }
}

/// The value of parameter `name`, the first if it is given twice.
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Changes one character in the middle of a compact JWS's signature.
fn alter_signature(token: &str) -> String {
    let Some(dot) = token.rfind('.') else {
        return token.to_owned();
    };
    let mut bytes = token.as_bytes().to_vec();
    let index = dot + 1 + (bytes.len() - dot - 1) / 2;
    if let Some(byte) = bytes.get_mut(index) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap_or_default()
}

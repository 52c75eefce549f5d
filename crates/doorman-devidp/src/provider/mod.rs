//! [`DevIdp`]: the provider as a function from request to response, at a given time.
//!
//! The loopback server (`serve`) and the in-process tests call the same [`DevIdp::handle`].
//! This module holds the shared state and routes each request; one file per endpoint family
//! answers it:
//!
//! - `metadata`: discovery and the JWKS;
//! - `authorize`: the authorization endpoint, its login page and the user's decision;
//! - `token`: the token endpoint's grants, `refresh`: its refresh-token grant, the refresh
//!   tokens' families and their reuse detection, `client_auth`: how clients authenticate there;
//! - `userinfo`, `end_session`;
//! - `backchannel`: the logout tokens a user's ended session sends to clients' back-channel
//!   logout URIs, waiting for the loopback server (or a test) to deliver them, and what came
//!   of each;
//! - `github`: [`crate::Persona::GitHub`]'s OAuth app endpoints and user API;
//! - `reply`: the responses they answer with.
//!
//! [`crate::signing`] makes the ID tokens.

mod access_token;
mod authorize;
mod backchannel;
mod client_auth;
mod end_session;
mod github;
mod metadata;
mod refresh;
mod reply;
mod token;
mod userinfo;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, Request, Response, StatusCode, header};
use serde_json::{Map, Value};

use crate::config::{DevIdpConfig, RegisteredClient, TestUser};
use crate::keys::{SigningKey, test_keys};
use crate::misbehavior::{Endpoint, Misbehavior, Switches};
use crate::persona::{Persona, Shape};
use backchannel::Backchannel;
pub use backchannel::{BackchannelDelivery, DeliveryOutcome, DeliveryRecord};
pub(crate) use backchannel::{LOCALHOST, is_loopback_uri};
use github::GitHub;
use refresh::RefreshTokens;
use reply::reply;

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
        param(&self.params, name)
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

/// A code the authorization endpoint issued, waiting to be redeemed.
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    user: TestUser,
    nonce: Option<String>,
    challenge: Option<String>,
    /// When the user approved the login: its ID tokens' `auth_time`.
    issued_at: SystemTime,
    /// Whether the scope asked for `offline_access`: only then is a refresh token issued.
    offline: bool,
}

/// A user's login at a client, which tokens are issued for: who, and when they authenticated.
#[derive(Clone)]
struct Login {
    client_id: String,
    user: TestUser,
    auth_time: SystemTime,
}

/// What an access token was issued for, and until when userinfo takes it.
struct AccessGrant {
    user: TestUser,
    expires_at: SystemTime,
}

struct State {
    keys: Vec<SigningKey>,
    active: usize,
    ec: SigningKey,
    misbehaviors: Vec<Misbehavior>,
    codes: HashMap<String, CodeGrant>,
    access_tokens: HashMap<String, AccessGrant>,
    refresh_tokens: RefreshTokens,
    /// The login each ID token was issued for, for `end_session`'s `id_token_hint`.
    id_tokens: HashMap<String, Login>,
    /// The logins whose session has not ended at the provider, by their `sid`: those a
    /// back-channel logout token is sent for when it ends.
    sessions: BTreeMap<String, Login>,
    /// Logout tokens waiting to be delivered, and what came of those that were.
    backchannel: Backchannel,
    requests: Vec<RecordedRequest>,
    /// The `jti`s of client assertions already used: an assertion is single-use.
    assertion_ids: HashSet<String>,
    /// Claims changed for a user since the configuration (a new group, a new name), by
    /// `sub`: the ID tokens and userinfo answers issued from now on carry them.
    claim_updates: HashMap<String, Map<String, Value>>,
}

/// The development provider.
pub struct DevIdp {
    config: DevIdpConfig,
    state: Mutex<State>,
    github: GitHub,
    /// Woken when a logout token waits to be delivered: the loopback server's deliverer
    /// waits on it (a permit is kept when nothing waits yet).
    backchannel_queued: tokio::sync::Notify,
}

impl std::fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIdp")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// 24 random bytes, base64url: a code or a token.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 24];
    // The development provider's tokens protect nothing; a failed draw still gives unique zeros
    // only once, and the next request fails to redeem them.
    let _ = getrandom::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `time` in seconds since the Unix epoch.
pub(crate) fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The value of parameter `name`, the first if it is given twice.
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
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
                refresh_tokens: RefreshTokens::default(),
                id_tokens: HashMap::new(),
                sessions: BTreeMap::new(),
                backchannel: Backchannel::default(),
                requests: Vec::new(),
                assertion_ids: HashSet::new(),
                claim_updates: HashMap::new(),
            }),
            github: GitHub::default(),
            backchannel_queued: tokio::sync::Notify::new(),
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

    /// Changes the user `sub`'s claims from now on, as a directory does when a user joins a
    /// group or is renamed: each claim of `claims` is set (or replaced) in the ID tokens and
    /// userinfo answers issued afterwards, refreshed ones included.
    pub fn update_user_claims(&self, sub: &str, claims: Map<String, Value>) {
        self.state()
            .claim_updates
            .entry(sub.to_owned())
            .or_default()
            .extend(claims);
    }

    /// The keys tokens are signed with now: the active RSA key and the EC key.
    pub(crate) fn signing_keys(&self) -> crate::signing::Keys {
        let state = self.state();
        crate::signing::Keys {
            active: state.keys[state.active].clone(),
            ec: state.ec.clone(),
        }
    }

    /// `user` with the claims changed for it since the configuration.
    pub(crate) fn updated_user(&self, user: &TestUser) -> Option<TestUser> {
        let state = self.state();
        let updates = state.claim_updates.get(&user.sub)?;
        let mut updated = user.clone();
        updated
            .claims
            .extend(updates.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(updated)
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

    /// How many refresh-token grants succeeded: each answered with new tokens.
    #[must_use]
    pub fn refresh_grants(&self) -> usize {
        self.state().refresh_tokens.grants()
    }

    /// How many logins' refresh-token families were revoked because a refresh token already
    /// used was presented again: each family counts once, however often its tokens come back.
    #[must_use]
    pub fn revoked_families(&self) -> usize {
        self.state().refresh_tokens.revoked_families()
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

    fn shape(&self) -> Option<&'static Shape> {
        self.config.persona.and_then(Persona::shape)
    }

    fn client(&self, client_id: &str) -> Option<&RegisteredClient> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
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
        // One lock: record the request, and take the one snapshot of the switches it sees.
        let switches = {
            let mut state = self.state();
            state.requests.push(RecordedRequest {
                path: path.clone(),
                params: params.clone(),
                auth_scheme: authorization
                    .as_deref()
                    .and_then(|a| a.split_whitespace().next())
                    .map(str::to_owned),
            });
            Switches::new(state.misbehaviors.clone())
        };
        if let Some(endpoint) = route.and_then(Route::endpoint)
            && switches.on(&Misbehavior::Failing(endpoint))
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
            (Method::GET, Route::Discovery) => self.discovery(&switches),
            (Method::GET, Route::Jwks) => self.jwks(&switches),
            (Method::GET, Route::Authorize) => self.authorize(&params, now, &switches),
            (Method::GET, Route::Decide) => self.decide(
                &params,
                param(&params, "user").unwrap_or_default(),
                now,
                &switches,
            ),
            (Method::POST, Route::Token) => {
                let endpoint = format!("{}{path}", self.config.origin());
                self.token(&params, authorization.as_deref(), &endpoint, now, &switches)
            }
            (Method::GET | Method::POST, Route::Userinfo) => {
                self.userinfo(authorization.as_deref(), now, &switches)
            }
            (Method::GET, Route::EndSession) => self.end_session(&params, now),
            _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found"),
        }
    }
}

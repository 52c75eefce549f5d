//! [`Auth`]: the one value built from the secrets; it owns the keys, the providers, the
//! clock and the transport of provider calls, and hands out the routes and the layer.
//! Every public method of `Auth` is here.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::routing::{get, post};
use base64::Engine as _;
use doorman_oidc::{ClientConfig, ClientKey, OAuth2Endpoints, TokenAuthMethod, UserApi};
use doorman_seal::{Purpose, Sealer, TagPurpose, Tagger};
use doorman_secrets::{
    AuthConfig, Endpoints, ExposeTokens, Preset, Provider, Secret, SessionStore,
    TokenEndpointAuthMethod,
};
use http::HeaderMap;
use url::Url;

use crate::clock::Clock;
use crate::consumed_states::{self, ConsumedStates};
use crate::cookies::{CookieScope, Names, TRANSACTION_LIFETIME, page_cookies};
use crate::discovery::{Discovered, DiscoveryReport};
use crate::error::{AuthError, LoginFailure};
use crate::guard::Guard;
use crate::handlers;
use crate::http_client::{HttpClient, Transport};
use crate::layer::AuthLayer;
use crate::options::AuthOptions;
use crate::provider::{self, ProviderRuntime};
use crate::refresh_flights::RefreshFlights;
use crate::revocations::Revocations;
use crate::session_cache::SessionCache;
use crate::session_store::StoredSessions;
use crate::settings::{self, EffectiveSetting, Resolved};
use crate::shared_state::SharedState;

/// Login, the current user and logout for an axum app, from Streamlit's `[auth]` section.
///
/// Cheap to clone: it is a handle to shared state.
#[derive(Clone)]
pub struct Auth {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) providers: Vec<Arc<ProviderRuntime>>,
    pub(crate) identity: Sealer,
    pub(crate) transactions: Sealer,
    pub(crate) expose: ExposeTokens,
    /// Where provider calls go: the network, or in tests a provider in process.
    pub(crate) http: Transport,
    /// Read once per request.
    pub(crate) clock: Clock,
    /// Keyed hashes of `state`s: transaction cookie names, consumed states.
    pub(crate) state_tags: Tagger,
    /// Keyed hashes of sessions: logout form tokens.
    pub(crate) logout_tags: Tagger,
    /// Keyed hashes of refresh tokens: the names of refreshes in flight.
    pub(crate) refresh_tags: Tagger,
    /// The refreshes of this process, by refresh token.
    pub(crate) refresh_flights: RefreshFlights,
    /// The largest of the providers' `refresh_margin`s: a session not due by it is not due.
    pub(crate) widest_refresh_margin: Duration,
    /// Sessions ended before their cookie expires, and used back-channel logout tokens.
    pub(crate) revocations: Revocations,
    /// Redis, shared by the app's replicas (`redis_url`), if configured.
    pub(crate) shared: Option<SharedState>,
    /// Sessions kept in Redis (`session_store = "redis"`), if so configured.
    pub(crate) store: Option<StoredSessions>,
    /// How long a replica holds a session's refresh lock in Redis.
    pub(crate) refresh_lock_timeout: Duration,
    /// Where the identity and login-failure cookies go.
    pub(crate) scope: CookieScope,
    /// Where the login-transaction cookies go (a path both login and callback see).
    pub(crate) transaction_scope: CookieScope,
    pub(crate) names: Names,
    pub(crate) consumed_states: ConsumedStates,
    pub(crate) base_path: String,
    pub(crate) callback_path: String,
    pub(crate) origin: String,
    /// Every effective setting and where it came from, for [`Auth::settings`].
    pub(crate) settings: Vec<EffectiveSetting>,
    pub(crate) sessions: SessionCache,
    /// Whether some provider has an `api_audience`: `Authorization: Bearer` is read.
    pub(crate) bearer_tokens: bool,
    /// Bearer tokens verified, until their `exp`.
    pub(crate) bearers: SessionCache,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field(
                "providers",
                &self
                    .inner
                    .providers
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("origin", &self.inner.origin)
            .field("base_path", &self.inner.base_path)
            .field("callback_path", &self.inner.callback_path)
            .finish_non_exhaustive()
    }
}

/// The OpenID client of `provider`: its id and secret (none for a `private_key_jwt` client),
/// its private key, its client authentication (none configured: what the provider's metadata
/// lists), scope, prompt, extra parameters, trusted audiences and allowed tenants. A plain
/// OAuth 2.0 provider's scope is taken as configured, without `openid`.
fn client_config(provider: &Provider, redirect_uri: &Url) -> Result<ClientConfig, AuthError> {
    let refuse = |reason: String| AuthError::Provider {
        provider: provider.name().to_owned(),
        reason,
    };
    let kwargs = provider.client_kwargs();
    let method = match kwargs.token_endpoint_auth_method() {
        None => None,
        Some(TokenEndpointAuthMethod::ClientSecretBasic) => {
            Some(TokenAuthMethod::ClientSecretBasic)
        }
        Some(TokenEndpointAuthMethod::ClientSecretPost) => Some(TokenAuthMethod::ClientSecretPost),
        Some(TokenEndpointAuthMethod::PrivateKeyJwt) => Some(TokenAuthMethod::PrivateKeyJwt),
        Some(other) => {
            return Err(refuse(format!(
                "`token_endpoint_auth_method = \"{}\"` is not supported",
                other.as_str()
            )));
        }
    };
    let mut client = ClientConfig::new(
        provider.name(),
        provider.client_id(),
        provider.client_secret().map_or("", Secret::expose),
        redirect_uri.clone(),
    )
    .with_prompt(kwargs.prompt().map(str::to_owned))
    .with_extra_params(kwargs.extra_params().to_vec())
    .with_auth_method(method)
    .with_trusted_audiences(provider.trusted_audiences().to_vec())
    .with_allowed_tenants(provider.allowed_tenants().to_vec());
    client = match provider.server_metadata_url() {
        Some(_) => client.with_scope(kwargs.scope()),
        None => client.with_oauth2_scope(kwargs.scope()),
    };
    if let Some(pem) = provider.private_key() {
        let key = ClientKey::from_pem(pem.expose(), provider.private_key_id().map(str::to_owned))
            .map_err(|e| refuse(e.to_string()))?;
        client = client.with_private_key(key);
    }
    Ok(client)
}

/// Where `provider`'s endpoints come from: its discovery document, or the plain OAuth 2.0
/// URLs (GitHub's user API with `provider_preset = "github"`). `None` for a kind this
/// version does not know.
fn endpoints(provider: &Provider) -> Option<provider::Endpoints> {
    match provider.endpoints() {
        Endpoints::Discovery {
            server_metadata_url,
            ..
        } => Some(provider::Endpoints::Discovery(server_metadata_url.clone())),
        Endpoints::OAuth2 {
            authorize_url,
            access_token_url,
            userinfo_url,
            emails_url,
            preset,
            ..
        } => {
            let api = match preset {
                Some(Preset::GitHub) => UserApi::GitHub,
                _ => UserApi::Generic,
            };
            Some(provider::Endpoints::OAuth2(Box::new(
                OAuth2Endpoints::new(
                    authorize_url.clone(),
                    access_token_url.clone(),
                    userinfo_url.clone(),
                )
                .with_emails_url(emails_url.clone())
                .with_user_api(api),
            )))
        }
        _ => None,
    }
}

/// The longest common `/`-separated prefix of two paths, for cookies both routes must see.
fn common_path(a: &str, b: &str) -> String {
    let common: Vec<&str> = a
        .split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect();
    let joined = common.join("/");
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

impl Auth {
    /// Loads the secrets as Streamlit does (`~/.streamlit/secrets.toml`, then
    /// `./.streamlit/secrets.toml`, or `DOORMAN_SECRETS_FILES`), validates them, and starts
    /// fetching every provider's metadata in the background.
    ///
    /// # Errors
    /// [`AuthError::Secrets`] with Streamlit's messages, or another [`AuthError`].
    pub async fn from_default_secrets() -> Result<Self, AuthError> {
        let config = AuthConfig::load_default()?;
        let auth = Self::new(&config, AuthOptions::default())?;
        auth.warm_up();
        Ok(auth)
    }

    /// Builds from a loaded configuration and options. Nothing is fetched yet: call
    /// [`Auth::warm_up`], or let the first login fetch.
    ///
    /// # Errors
    /// [`AuthError`] when `redirect_uri`, the base path or the HTTP client cannot be used.
    pub fn new(config: &AuthConfig, options: AuthOptions) -> Result<Self, AuthError> {
        let http = Transport::Network(HttpClient::new(&options)?);
        Self::build(config, options, Clock::System, http)
    }

    /// [`Auth::new`] with the clock and the transport given: the system's and the network
    /// in production, a virtual clock and a provider in process in tests
    /// ([`crate::testing`]).
    pub(crate) fn build(
        config: &AuthConfig,
        options: AuthOptions,
        clock: Clock,
        http: Transport,
    ) -> Result<Self, AuthError> {
        for warning in config.warnings() {
            tracing::warn!(%warning, "secrets");
        }
        let Resolved {
            app,
            policies,
            report,
        } = settings::resolve(config, &options)?;
        let redirect_uri = config
            .redirect_uri()
            .resolve(app.port)
            .map_err(|e| AuthError::RedirectUri(e.to_string()))?;
        let base_path = app.base_path;
        let previous: Vec<&[u8]> = app
            .previous_cookie_secrets
            .iter()
            .map(|secret| secret.expose().as_bytes())
            .collect();
        let secret = config.cookie_secret().expose().as_bytes();
        let identity = Sealer::new(Purpose::Identity, secret, &previous)
            .map_err(|_| AuthError::CookieSecret)?;
        let transactions = Sealer::new(Purpose::LoginTransaction, secret, &previous)
            .map_err(|_| AuthError::CookieSecret)?;
        let state_tags = Tagger::new(TagPurpose::LoginState, secret, &previous)
            .map_err(|_| AuthError::CookieSecret)?;
        let logout_tags = Tagger::new(TagPurpose::LogoutForm, secret, &previous)
            .map_err(|_| AuthError::CookieSecret)?;
        let refresh_tags = Tagger::new(TagPurpose::RefreshFlight, secret, &[])
            .map_err(|_| AuthError::CookieSecret)?;
        let shared_names = || {
            Tagger::new(TagPurpose::SharedState, secret, &[]).map_err(|_| AuthError::CookieSecret)
        };
        let shared = match config.redis_url() {
            Some(url) => Some(
                SharedState::new(url.value().expose(), secret, &shared_names()?)
                    .map_err(AuthError::SharedState)?,
            ),
            None => None,
        };
        let store = match config.session_store().value() {
            SessionStore::Redis if shared.is_some() => Some(
                StoredSessions::new(secret, &previous, shared_names()?, app.session_cache_size)
                    .map_err(|_| AuthError::CookieSecret)?,
            ),
            SessionStore::Redis => {
                return Err(AuthError::SharedState(
                    "`session_store = \"redis\"` needs `redis_url`".to_owned(),
                ));
            }
            _ => None,
        };
        let revocation_hash_key = {
            let tag = shared_names()?.tag(b"revocation-hash-key");
            let mut key = [0u8; 16];
            key.copy_from_slice(&tag[..16]);
            key
        };
        let mut providers = Vec::with_capacity(config.providers().len());
        for (provider, policy) in config.providers().iter().zip(policies) {
            let Some(endpoints) = endpoints(provider) else {
                tracing::warn!(
                    provider = provider.name(),
                    "provider left out: its kind of endpoints is not supported"
                );
                continue;
            };
            if let provider::Endpoints::OAuth2(_) = &endpoints {
                tracing::info!(
                    provider = provider.name(),
                    "plain OAuth 2.0 provider: no signed ID token, the user is what its API answers (lower assurance than OpenID Connect)"
                );
            }
            providers.push(Arc::new(ProviderRuntime::new(
                provider.name().to_owned(),
                client_config(provider, &redirect_uri)?,
                endpoints,
                policy,
                clock.clone(),
            )));
        }
        let widest_refresh_margin = providers
            .iter()
            .map(|provider| provider.policy.refresh_margin)
            .max()
            .unwrap_or_default();
        let longest_lifetime = providers
            .iter()
            .map(|provider| provider.policy.cookie_lifetime)
            .max()
            .unwrap_or_default();
        let bearer_tokens = providers
            .iter()
            .any(|provider| provider.policy.api_audience.is_some());
        let secure = redirect_uri.scheme() == "https";
        let cookie_path = if base_path.is_empty() {
            "/".to_owned()
        } else {
            base_path.clone()
        };
        let callback_path = redirect_uri.path().to_owned();
        let transaction_scope = CookieScope::new(common_path(&cookie_path, &callback_path), secure);
        let scope = CookieScope::new(cookie_path, secure);
        let names = Names::new(&base_path, secure);
        let auth = Self {
            inner: Arc::new(Inner {
                providers,
                identity,
                transactions,
                expose: config.expose_tokens(),
                http,
                clock,
                state_tags,
                logout_tags,
                refresh_tags,
                refresh_flights: RefreshFlights::default(),
                widest_refresh_margin,
                revocations: Revocations::new(longest_lifetime, revocation_hash_key),
                shared,
                store,
                refresh_lock_timeout: *config.refresh_lock_timeout().value(),
                scope,
                transaction_scope,
                names,
                consumed_states: ConsumedStates::new(
                    consumed_states::DEFAULT_CAPACITY,
                    TRANSACTION_LIFETIME.as_secs(),
                ),
                origin: redirect_uri.origin().ascii_serialization(),
                base_path,
                callback_path,
                sessions: SessionCache::new(app.session_cache_size),
                bearer_tokens,
                bearers: SessionCache::new(if bearer_tokens {
                    app.session_cache_size
                } else {
                    0
                }),
                settings: report,
            }),
        };
        // Inside a runtime (as under `#[tokio::main]`) the subscriber starts now; otherwise
        // at `warm_up`, `routes` or the first request that reads a session.
        if tokio::runtime::Handle::try_current().is_ok() {
            auth.start_shared_state();
        }
        Ok(auth)
    }

    /// Starts following the other replicas' events (once), when Redis is configured.
    pub(crate) fn start_shared_state(&self) {
        if let Some(shared) = &self.inner.shared {
            shared.subscribe(Arc::downgrade(&self.inner));
        }
    }

    /// Every effective setting, app-wide then each provider's, with where it came from: the
    /// code ([`AuthOptions`]), the secrets file (file, line, column and key), or the default.
    /// Secret values are redacted. An app may log them at start-up; the demo prints them.
    #[must_use]
    pub fn settings(&self) -> &[EffectiveSetting] {
        &self.inner.settings
    }

    /// Ends every session of `user` in this app (every session of its `sub` from its
    /// provider) that began until now: the user's other browsers and devices are logged out
    /// at their next request. It does not log out at the provider. Without `redis_url` it holds
    /// in this process only; with it, every replica refuses those sessions within
    /// milliseconds. `user.logout_everywhere_button(label)` is the same from a page.
    ///
    /// # Errors
    /// [`AuthError::RevocationListFull`] when the list holds its most live entries.
    pub fn logout_everywhere(&self, user: &crate::User) -> Result<(), AuthError> {
        match user.session() {
            Some(session) => self.end_every_session(session, self.inner.clock.now()),
            None => Ok(()),
        }
    }

    /// Starts fetching every provider's metadata and keys in the background. A provider that
    /// is down is logged and retried at its first login; the others are unaffected.
    pub fn warm_up(&self) {
        self.start_shared_state();
        for provider in self.inner.providers.iter().filter(|p| p.oauth2().is_none()) {
            let provider = Arc::clone(provider);
            let http = self.inner.http.clone();
            tokio::spawn(async move {
                let _ = provider.ready(&http).await;
            });
        }
    }

    /// The routes to merge into the app: login, the callback at `redirect_uri`'s path,
    /// logout (of this session, or everywhere), the return from the provider's logout, the
    /// manual refresh, and the provider's back-channel logout.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        if tokio::runtime::Handle::try_current().is_ok() {
            self.start_shared_state();
        }
        Router::new()
            .route(&self.path("/auth/login"), get(handlers::login))
            .route(&self.inner.callback_path, get(handlers::callback))
            .route(
                &self.path("/auth/logout"),
                get(handlers::logout_page).post(handlers::logout),
            )
            .route(&self.path("/auth/logged-out"), get(handlers::logged_out))
            .route(
                &self.path("/auth/refresh"),
                get(handlers::refresh_page).post(handlers::refresh),
            )
            .route(
                &self.path("/auth/logout-everywhere"),
                post(handlers::logout_everywhere),
            )
            .route(
                &self.path("/auth/backchannel-logout"),
                post(handlers::backchannel_logout),
            )
            .with_state(self.clone())
    }

    /// The layer that lets handlers use [`crate::User`], [`crate::login()`] and
    /// [`crate::logout()`].
    #[must_use]
    pub fn layer(&self) -> AuthLayer {
        AuthLayer { auth: self.clone() }
    }

    /// A layer for a router of protected routes: logged-in users (by cookie, or by bearer
    /// token when an `api_audience` is set) go through; a browser's navigation without a user
    /// is sent to log in with the default provider ([`Guard::login_with`] names another),
    /// coming back to the requested page; any other request without a user (`fetch`, XHR, an
    /// API client, a WebSocket upgrade) gets `401` and JSON naming the login URL. The layer
    /// serves the protected routes as [`Auth::layer`] does, and hands the user it reads to the
    /// [`crate::User`] extractor without a second look-up: merge the protected router next to
    /// the app's layered routes (see [`Guard`]).
    #[must_use]
    pub fn require_login(&self) -> Guard {
        Guard::new(self.clone(), None)
    }

    /// [`Auth::require_login`], and the user must be in `group`: one of the groups at the
    /// provider's `groups_claim` (`groups` unless configured). A logged-in user outside it
    /// gets `403` (a page for a navigation, JSON otherwise).
    #[must_use]
    pub fn require_group(&self, group: &str) -> Guard {
        Guard::new(self.clone(), Some(group.to_owned()))
    }

    /// Fetches every provider's metadata and keys now (or takes them from the cache) and
    /// says, per provider in the configuration's order, what was found or why it was
    /// refused: what `doorman check --discover` prints. A plain OAuth 2.0 provider has
    /// nothing to fetch.
    pub async fn discover(&self) -> Vec<DiscoveryReport> {
        let mut reports = Vec::with_capacity(self.inner.providers.len());
        for provider in &self.inner.providers {
            let outcome = if let Some(endpoints) = provider.oauth2() {
                Ok(Discovered::PlainOAuth2 {
                    user_api: endpoints.userinfo_url().clone(),
                    emails_api: endpoints.emails_url().cloned(),
                })
            } else {
                provider
                    .ready(&self.inner.http)
                    .await
                    .map(|ready| Discovered::OpenId {
                        issuer: ready.metadata.issuer().to_owned(),
                        signing_keys: ready.keys.len(),
                        pkce: ready.metadata.uses_pkce(),
                        logout_at_provider: ready.metadata.logs_out_at_the_provider(),
                    })
            };
            reports.push(DiscoveryReport {
                name: provider.name.clone(),
                outcome,
            });
        }
        reports
    }

    /// The configured providers' names, default first.
    #[must_use]
    pub fn provider_names(&self) -> Vec<&str> {
        self.inner
            .providers
            .iter()
            .map(|p| p.name.as_str())
            .collect()
    }

    pub(crate) fn provider(&self, name: &str) -> Option<&Arc<ProviderRuntime>> {
        self.inner.providers.iter().find(|p| p.name == name)
    }

    /// The app's base path, `/` when none.
    pub(crate) fn home(&self) -> String {
        format!("{}/", self.inner.base_path)
    }

    /// The path of a route of ours, under the base path.
    pub(crate) fn path(&self, route: &str) -> String {
        format!("{}{route}", self.inner.base_path)
    }

    /// The URL the provider returns to after logout; register it at the provider.
    #[must_use]
    pub fn post_logout_redirect_uri(&self) -> String {
        format!("{}{}", self.inner.origin, self.path("/auth/logged-out"))
    }

    /// The login failure waiting to be shown, if any, without marking it shown (the
    /// [`crate::User`] extractor does that); for [`crate::testing::login_failure`].
    pub(crate) fn login_failure(&self, headers: &HeaderMap) -> Option<LoginFailure> {
        let cookies = page_cookies(headers, &self.inner.names);
        self.failure(&cookies, self.inner.clock.now())
    }

    /// The URL that starts a login with `provider` and comes back to `return_to`.
    pub(crate) fn login_url(&self, provider: Option<&str>, return_to: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(provider) = provider {
            query.append_pair("provider", provider);
        }
        if let Some(return_to) = return_to {
            query.append_pair("return_to", return_to);
        }
        let query = query.finish();
        let path = self.path("/auth/login");
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }
}

/// Whole seconds since the Unix epoch (0 before it).
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `bytes` in base64url without padding, as `state` and other random values travel.
pub(crate) fn url_safe(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Fresh random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes)
}

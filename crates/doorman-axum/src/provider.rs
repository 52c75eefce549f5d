//! One provider at run time: its client settings and its cached metadata and keys.
//!
//! A plain OAuth 2.0 provider (GitHub) has no metadata or keys: its endpoints are
//! configured, and nothing is fetched or cached for it.
//!
//! The cache is filled on first use (and warmed at start, without blocking it). A request
//! that finds metadata and keys uses them at once, even when they are due for a refresh,
//! which then runs in the background; only a provider never reached makes a login wait,
//! and a failure is remembered for [`RETRY_AFTER`] so an unreachable provider fails fast.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use doorman_oidc::{
    ClientConfig, KeySet, LoginEntropy, OAuth2Endpoints, PendingLogin, ProviderMetadata,
};
use url::Url;

use crate::clock::Clock;
use crate::http_client::Transport;
use crate::logging::escaped;
use crate::settings::LoginPolicy;

/// How long metadata and keys are used before a background refresh.
pub(crate) const CACHE_LIFETIME: Duration = Duration::from_secs(3600);
/// How long a failure to reach the provider is remembered before trying again.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(5);

/// What a login needs from the provider.
#[derive(Clone)]
pub(crate) struct Ready {
    pub(crate) metadata: ProviderMetadata,
    pub(crate) keys: KeySet,
}

#[derive(Default)]
struct Cache {
    ready: Option<(Ready, Instant)>,
    failure: Option<(String, Instant)>,
    /// When fetching the keys again (for an unknown `kid`) last failed: for [`RETRY_AFTER`],
    /// tokens naming unknown keys are refused without another fetch.
    keys_failure: Option<Instant>,
    refreshing: bool,
}

/// Where a provider's endpoints come from.
pub(crate) enum Endpoints {
    /// An OpenID provider: its discovery document (and then its keys), fetched and cached.
    Discovery(Url),
    /// A plain OAuth 2.0 provider: configured endpoints, nothing to fetch.
    OAuth2(Box<OAuth2Endpoints>),
}

/// A provider and its cache.
pub(crate) struct ProviderRuntime {
    pub(crate) name: String,
    pub(crate) client: ClientConfig,
    pub(crate) endpoints: Endpoints,
    /// What its logins last, call and send at logout.
    pub(crate) policy: LoginPolicy,
    cache: RwLock<Cache>,
    fetch: tokio::sync::Mutex<()>,
    /// The adapter's clock: when keys were fetched, how old the cache and a failure are.
    clock: Clock,
}

impl ProviderRuntime {
    pub(crate) fn new(
        name: String,
        client: ClientConfig,
        endpoints: Endpoints,
        policy: LoginPolicy,
        clock: Clock,
    ) -> Self {
        Self {
            name,
            client,
            endpoints,
            policy,
            cache: RwLock::new(Cache::default()),
            fetch: tokio::sync::Mutex::new(()),
            clock,
        }
    }

    /// A plain OAuth 2.0 provider's endpoints; `None` for an OpenID provider.
    pub(crate) fn oauth2(&self) -> Option<&OAuth2Endpoints> {
        match &self.endpoints {
            Endpoints::OAuth2(endpoints) => Some(endpoints.as_ref()),
            Endpoints::Discovery(_) => None,
        }
    }

    /// Starts a login: the authorization URL and the pending login, after fetching the
    /// metadata of an OpenID provider (from the cache when there).
    ///
    /// The login begins once its metadata and keys are in hand: at `now`, or when they
    /// arrived if they had to be fetched. A key set fetched for the login then predates it, so
    /// that an ID token signed with a key the provider rotated in meanwhile makes the callback
    /// fetch the keys again (`KeySet::may_refresh` compares whole seconds).
    pub(crate) async fn begin(
        self: &Arc<Self>,
        http: &Transport,
        entropy: &LoginEntropy,
        now: SystemTime,
    ) -> Result<(Url, PendingLogin), String> {
        if let Endpoints::OAuth2(endpoints) = &self.endpoints {
            return Ok(doorman_oidc::begin_oauth2(
                &self.client,
                endpoints,
                entropy,
                now,
            ));
        }
        let ready = self.ready(http).await?;
        let begun = now.max(self.clock.now());
        Ok(doorman_oidc::begin(
            &self.client,
            &ready.metadata,
            entropy,
            begun,
        ))
    }

    fn cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cache_mut(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        self.cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Metadata and keys, from the cache when there, fetched otherwise. A plain OAuth 2.0
    /// provider has none: an error at once, with no request and nothing logged.
    pub(crate) async fn ready(self: &Arc<Self>, http: &Transport) -> Result<Ready, String> {
        if self.oauth2().is_some() {
            return Err("a plain OAuth 2.0 provider has no metadata or keys".to_owned());
        }
        if let Some(ready) = self.cached(http) {
            return Ok(ready);
        }
        let _guard = self.fetch.lock().await;
        if let Some(ready) = self.cached(http) {
            return Ok(ready);
        }
        if let Some((why, at)) = &self.cache().failure
            && self.clock.since(*at) < RETRY_AFTER
        {
            return Err(why.clone());
        }
        self.fetch_all(http).await
    }

    /// The cached value; when it is old, a background refresh is started.
    fn cached(self: &Arc<Self>, http: &Transport) -> Option<Ready> {
        let (ready, stale) = {
            let cache = self.cache();
            let (ready, at) = cache.ready.as_ref()?;
            (
                ready.clone(),
                self.clock.since(*at) >= CACHE_LIFETIME && !cache.refreshing,
            )
        };
        if stale {
            self.cache_mut().refreshing = true;
            let this = Arc::clone(self);
            let http = http.clone();
            tokio::spawn(async move {
                let _guard = this.fetch.lock().await;
                if let Err(why) = this.fetch_all(&http).await {
                    tracing::warn!(provider = %this.name, why = %escaped(&why), "background refresh of provider metadata failed; keeping the cached copy");
                }
                this.cache_mut().refreshing = false;
            });
        }
        Some(ready)
    }

    async fn fetch_all(&self, http: &Transport) -> Result<Ready, String> {
        let Endpoints::Discovery(metadata_url) = &self.endpoints else {
            // Never cached as a failure: there is nothing to fetch.
            return Err("a plain OAuth 2.0 provider has no metadata or keys".to_owned());
        };
        let result = async {
            let response = http
                .send(doorman_oidc::discovery_request(metadata_url))
                .await
                .map_err(|e| format!("discovery: {e}"))?;
            let metadata = ProviderMetadata::from_response(metadata_url, &response)
                .map_err(|e| e.to_string())?;
            let keys = self.fetch_keys(http, &metadata).await?;
            Ok::<_, String>(Ready { metadata, keys })
        }
        .await;
        let mut cache = self.cache_mut();
        match &result {
            Ok(ready) => {
                cache.ready = Some((ready.clone(), self.clock.instant()));
                cache.failure = None;
                tracing::info!(provider = %self.name, "provider metadata and keys loaded");
            }
            Err(why) => {
                cache.failure = Some((why.clone(), self.clock.instant()));
                tracing::warn!(provider = %self.name, why = %escaped(&why), "provider unavailable");
            }
        }
        result
    }

    async fn fetch_keys(
        &self,
        http: &Transport,
        metadata: &ProviderMetadata,
    ) -> Result<KeySet, String> {
        let response = http
            .send(doorman_oidc::jwks_request(metadata))
            .await
            .map_err(|e| format!("jwks: {e}"))?;
        KeySet::from_response(&response, self.clock.now()).map_err(|e| e.to_string())
    }

    /// Fetches the keys again after an unknown `kid`, unless another request just did, or a
    /// fetch failed less than [`RETRY_AFTER`] ago (so tokens naming made-up keys cannot make
    /// the app ask a failing provider on every request).
    pub(crate) async fn refresh_keys(
        &self,
        http: &Transport,
        seen: &KeySet,
    ) -> Result<KeySet, String> {
        let _guard = self.fetch.lock().await;
        if let Some((ready, _)) = &self.cache().ready
            && ready.keys.fetched_at() > seen.fetched_at()
        {
            return Ok(ready.keys.clone());
        }
        if let Some(at) = self.cache().keys_failure
            && self.clock.since(at) < RETRY_AFTER
        {
            return Err("the keys could not be fetched a moment ago".to_owned());
        }
        let metadata = match &self.cache().ready {
            Some((ready, _)) => ready.metadata.clone(),
            None => return Err("no metadata".to_owned()),
        };
        let keys = match self.fetch_keys(http, &metadata).await {
            Ok(keys) => keys,
            Err(why) => {
                self.cache_mut().keys_failure = Some(self.clock.instant());
                return Err(why);
            }
        };
        if let Some((ready, _)) = &mut self.cache_mut().ready {
            ready.keys = keys.clone();
        }
        tracing::info!(provider = %self.name, "provider keys refreshed after an unknown kid");
        Ok(keys)
    }
}

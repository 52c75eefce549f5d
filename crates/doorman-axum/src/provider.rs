//! One provider at run time: its client settings and its cached metadata and keys.
//!
//! The cache is filled on first use (and warmed at start, without blocking it). A request
//! that finds metadata and keys uses them at once, even when they are due for a refresh,
//! which then runs in the background; only a provider never reached makes a login wait,
//! and a failure is remembered for [`RETRY_AFTER`] so an unreachable provider fails fast.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use doorman_oidc::{ClientConfig, KeySet, ProviderMetadata};
use url::Url;

use crate::http_client::HttpClient;
use crate::logging::escaped;

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
    refreshing: bool,
}

/// A provider and its cache.
pub(crate) struct ProviderRuntime {
    pub(crate) name: String,
    pub(crate) client: ClientConfig,
    pub(crate) metadata_url: Url,
    cache: RwLock<Cache>,
    fetch: tokio::sync::Mutex<()>,
}

impl ProviderRuntime {
    pub(crate) fn new(name: String, client: ClientConfig, metadata_url: Url) -> Self {
        Self {
            name,
            client,
            metadata_url,
            cache: RwLock::new(Cache::default()),
            fetch: tokio::sync::Mutex::new(()),
        }
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

    /// Metadata and keys, from the cache when there, fetched otherwise.
    pub(crate) async fn ready(self: &Arc<Self>, http: &HttpClient) -> Result<Ready, String> {
        if let Some(ready) = self.cached(http) {
            return Ok(ready);
        }
        let _guard = self.fetch.lock().await;
        if let Some(ready) = self.cached(http) {
            return Ok(ready);
        }
        if let Some((why, at)) = &self.cache().failure
            && at.elapsed() < RETRY_AFTER
        {
            return Err(why.clone());
        }
        self.fetch_all(http).await
    }

    /// The cached value; when it is old, a background refresh is started.
    fn cached(self: &Arc<Self>, http: &HttpClient) -> Option<Ready> {
        let (ready, stale) = {
            let cache = self.cache();
            let (ready, at) = cache.ready.as_ref()?;
            (
                ready.clone(),
                at.elapsed() >= CACHE_LIFETIME && !cache.refreshing,
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

    async fn fetch_all(&self, http: &HttpClient) -> Result<Ready, String> {
        let result = async {
            let response = http
                .send(doorman_oidc::discovery_request(&self.metadata_url))
                .await
                .map_err(|e| format!("discovery: {e}"))?;
            let metadata = ProviderMetadata::from_response(&self.metadata_url, &response)
                .map_err(|e| e.to_string())?;
            let keys = self.fetch_keys(http, &metadata).await?;
            Ok::<_, String>(Ready { metadata, keys })
        }
        .await;
        let mut cache = self.cache_mut();
        match &result {
            Ok(ready) => {
                cache.ready = Some((ready.clone(), Instant::now()));
                cache.failure = None;
                tracing::info!(provider = %self.name, "provider metadata and keys loaded");
            }
            Err(why) => {
                cache.failure = Some((why.clone(), Instant::now()));
                tracing::warn!(provider = %self.name, why = %escaped(&why), "provider unavailable");
            }
        }
        result
    }

    async fn fetch_keys(
        &self,
        http: &HttpClient,
        metadata: &ProviderMetadata,
    ) -> Result<KeySet, String> {
        let response = http
            .send(doorman_oidc::jwks_request(metadata))
            .await
            .map_err(|e| format!("jwks: {e}"))?;
        KeySet::from_response(&response, SystemTime::now()).map_err(|e| e.to_string())
    }

    /// Fetches the keys again after an unknown `kid`, unless another request just did.
    pub(crate) async fn refresh_keys(
        &self,
        http: &HttpClient,
        seen: &KeySet,
    ) -> Result<KeySet, String> {
        let _guard = self.fetch.lock().await;
        if let Some((ready, _)) = &self.cache().ready
            && ready.keys.fetched_at() > seen.fetched_at()
        {
            return Ok(ready.keys.clone());
        }
        let metadata = match &self.cache().ready {
            Some((ready, _)) => ready.metadata.clone(),
            None => return Err("no metadata".to_owned()),
        };
        let keys = self.fetch_keys(http, &metadata).await?;
        if let Some((ready, _)) = &mut self.cache_mut().ready {
            ready.keys = keys.clone();
        }
        tracing::info!(provider = %self.name, "provider keys refreshed after an unknown kid");
        Ok(keys)
    }
}

//! The pair harness: the relying party core and the development provider, in one process,
//! on a virtual clock, exchanging `http` values with no socket.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_devidp::{DevIdp, DevIdpConfig, Misbehavior};
use doorman_oidc::{
    ClientConfig, ClientKey, Error, KeySet, LoginEntropy, PendingLogin, ProviderMetadata,
    TokenAuthMethod, Verification, VerifiedLogin,
};
use http::{Request, Response};
use url::Url;

use crate::devidp::ForClient;

/// The provider's issuer: no socket is behind it.
pub const ISSUER: &str = "http://idp.test";
/// The client's id, with characters that need form-encoding in HTTP Basic.
pub const CLIENT_ID: &str = "doorman app:1";
/// The client's secret, with characters that need form-encoding in HTTP Basic.
pub const CLIENT_SECRET: &str = "s3cret/+:%&=value";
/// The redirect URI.
pub const REDIRECT_URI: &str = "http://app.test/oauth2callback";

/// A relying party and a provider, and the time they share.
pub struct Pair {
    /// The provider, to switch misbehaviors and read what it received.
    pub idp: DevIdp,
    /// The relying party's client configuration.
    pub config: ClientConfig,
    /// The time both sides read: 2026-11-22T00:00:00Z at first, moved on by [`Pair::advance`].
    pub now: SystemTime,
    counter: u8,
}

/// What a login that went through the callback produced.
#[derive(Debug)]
pub struct Outcome {
    /// The verified login (with userinfo when the provider has an endpoint), or the error.
    pub result: Result<VerifiedLogin, Error>,
    /// How many times the keys were fetched again because the ID token named an unknown one.
    pub jwks_fetches: usize,
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("issuer", &ISSUER)
            .field("config", &self.config)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Default for Pair {
    fn default() -> Self {
        Self::new()
    }
}

impl Pair {
    /// A pair whose client follows the provider's metadata for its authentication.
    pub fn new() -> Self {
        Self::build(None, serde_json::Map::new())
    }

    /// A pair whose client authenticates with `method` at the token endpoint.
    pub fn with_method(method: TokenAuthMethod) -> Self {
        Self::build(Some(method), serde_json::Map::new())
    }

    /// A pair whose user has these claims besides the standard ones, in the ID token and
    /// from userinfo alike.
    pub fn with_user_claims(claims: serde_json::Map<String, serde_json::Value>) -> Self {
        Self::build(None, claims)
    }

    /// A pair whose client holds `key` (for `private_key_jwt`), its public half `public_pem`
    /// registered at the provider; `secret` is the client's secret (a `private_key_jwt`
    /// client may have none: `""`).
    pub fn with_client_key(
        key: ClientKey,
        public_pem: &str,
        method: Option<TokenAuthMethod>,
        secret: &str,
    ) -> Self {
        let mut pair = Self::build(method, serde_json::Map::new());
        pair.config = ClientConfig::new(
            "dev",
            CLIENT_ID,
            secret,
            Url::parse(REDIRECT_URI).expect("redirect"),
        )
        .with_auth_method(method)
        .with_private_key(key);
        pair.idp = DevIdp::new(
            pair.idp
                .config()
                .clone()
                .with_client_public_key(CLIENT_ID, public_pem),
        );
        pair
    }

    fn build(
        method: Option<TokenAuthMethod>,
        claims: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let mut idp_config = DevIdpConfig::new(Url::parse(ISSUER).expect("issuer"))
            .for_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
            .with_post_logout_redirect_uri("http://app.test/");
        idp_config.users[0].claims.extend(claims);
        let config = ClientConfig::new(
            "dev",
            CLIENT_ID,
            CLIENT_SECRET,
            Url::parse(REDIRECT_URI).expect("redirect"),
        )
        .with_auth_method(method);
        Self {
            idp: DevIdp::new(idp_config),
            config,
            now: UNIX_EPOCH + Duration::from_secs(1_795_305_600),
            counter: 0,
        }
    }

    /// Makes the provider break one rule from now on.
    pub fn misbehave(&self, misbehavior: Misbehavior) -> &Self {
        self.idp.misbehave(misbehavior);
        self
    }

    /// Moves the shared clock on by `seconds`.
    pub fn advance(&mut self, seconds: u64) {
        self.now += Duration::from_secs(seconds);
    }

    /// What the provider answers to `request` now.
    pub fn send(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        self.idp.handle(request, self.now)
    }

    /// The provider's discovery URL.
    pub fn metadata_url() -> Url {
        Url::parse(&format!("{ISSUER}/.well-known/openid-configuration")).expect("url")
    }

    /// Discovery: the provider's metadata, as the core reads it.
    pub fn discover(&self) -> Result<ProviderMetadata, Error> {
        let url = Self::metadata_url();
        ProviderMetadata::from_response(&url, &self.send(&doorman_oidc::discovery_request(&url)))
    }

    /// The provider's key set, fetched now.
    pub fn keys(&self, metadata: &ProviderMetadata) -> KeySet {
        KeySet::from_response(&self.send(&doorman_oidc::jwks_request(metadata)), self.now)
            .expect("JWKS")
    }

    /// Fresh randomness for the next login: different for each login of the pair, the same
    /// from run to run.
    pub fn entropy(&mut self) -> LoginEntropy {
        self.counter = self.counter.wrapping_add(1);
        entropy(self.counter)
    }

    /// Starts a login and follows the provider's redirect: the pending login and the
    /// callback's query string.
    pub fn authorize(&mut self, metadata: &ProviderMetadata) -> (PendingLogin, Url, String) {
        let entropy = self.entropy();
        let (url, pending) = doorman_oidc::begin(&self.config, metadata, &entropy, self.now);
        let query = redirect_query(&self.send(&get(&url)));
        (pending, url, query)
    }

    /// A whole login with fresh discovery and keys: authorize, callback, token, verify
    /// (refreshing keys once when asked), userinfo.
    pub fn login(&mut self) -> Outcome {
        let metadata = self.discover().expect("discovery");
        let keys = self.keys(&metadata);
        self.login_with(&metadata, &keys)
    }

    /// A whole login with the metadata and keys given (warm caches).
    pub fn login_with(&mut self, metadata: &ProviderMetadata, keys: &KeySet) -> Outcome {
        let (pending, _, query) = self.authorize(metadata);
        self.advance(3);
        self.finish(metadata, keys, pending, &query)
    }

    /// The rest of a login from the callback's `query`: callback checks, token request,
    /// verification (refreshing keys once when asked), userinfo.
    pub fn finish(
        &mut self,
        metadata: &ProviderMetadata,
        keys: &KeySet,
        pending: PendingLogin,
        query: &str,
    ) -> Outcome {
        let mut jwks_fetches = 0;
        let result = (|| {
            let exchange = pending.callback(metadata, query)?;
            let response = self.send(&exchange.token_request(&self.config, metadata));
            let tokens = exchange.token_response(&response)?;
            let login = match tokens.verify(&self.config, metadata, keys, self.now)? {
                Verification::Verified(login) => login,
                Verification::NeedFreshKeys(tokens) => {
                    jwks_fetches += 1;
                    let fresh = self.keys(metadata);
                    match tokens.verify(&self.config, metadata, &fresh, self.now)? {
                        Verification::Verified(login) => login,
                        Verification::NeedFreshKeys(_) => return Err(Error::NoMatchingKey),
                    }
                }
            };
            match doorman_oidc::userinfo_request(metadata, &login) {
                Some(request) => login.with_userinfo(&self.send(&request)),
                None => Ok(login),
            }
        })();
        Outcome {
            result,
            jwks_fetches,
        }
    }

    /// How many userinfo requests the provider received.
    pub fn userinfo_calls(&self) -> usize {
        self.idp.requests_to("/userinfo").len()
    }
}

/// A `GET` request for a URL.
pub fn get(url: &Url) -> Request<Vec<u8>> {
    Request::get(url.as_str())
        .body(Vec::new())
        .expect("request")
}

/// The query of the URL `response` redirects to: what a provider hands the app's callback.
///
/// # Panics
/// When `response` has no `Location` that is a URL.
#[must_use]
pub fn redirect_query(response: &Response<Vec<u8>>) -> String {
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("the provider redirects back");
    let back = Url::parse(location).expect("a URL");
    back.query().unwrap_or_default().to_owned()
}

/// Login randomness derived from `seed`: the same for the same seed, different for each.
#[must_use]
pub fn entropy(seed: u8) -> LoginEntropy {
    LoginEntropy {
        state: [seed; 32],
        nonce: [seed ^ 0x55; 32],
        pkce_verifier: [seed ^ 0xAA; 32],
        client_assertion: [seed ^ 0x33; 32],
    }
}

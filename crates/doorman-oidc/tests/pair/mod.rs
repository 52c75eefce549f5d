//! The pair harness: the relying party core and the development provider, in one process,
//! on a virtual clock, exchanging `http` values with no socket.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_devidp::{DevIdp, DevIdpConfig, Misbehavior, RegisteredClient};
use doorman_oidc::{
    ClientConfig, ClientKey, Error, KeySet, LoginEntropy, PendingLogin, ProviderMetadata,
    TokenAuthMethod, Verification, VerifiedLogin,
};
use http::{Request, Response};
use url::Url;

/// The provider's issuer: no socket is behind it.
pub(crate) const ISSUER: &str = "http://idp.test";
/// The client's id, with characters that need form-encoding in HTTP Basic.
pub(crate) const CLIENT_ID: &str = "doorman app:1";
/// The client's secret, with characters that need form-encoding in HTTP Basic.
pub(crate) const CLIENT_SECRET: &str = "s3cret/+:%&=value";
/// The redirect URI.
pub(crate) const REDIRECT_URI: &str = "http://app.test/oauth2callback";

/// A relying party and a provider, and the time they share.
pub(crate) struct Pair {
    pub(crate) idp: DevIdp,
    pub(crate) config: ClientConfig,
    pub(crate) now: SystemTime,
    counter: u8,
}

/// What a login that went through the callback produced.
pub(crate) struct Outcome {
    pub(crate) result: Result<VerifiedLogin, Error>,
    pub(crate) jwks_fetches: usize,
}

impl Pair {
    /// A pair whose client follows the provider's metadata for its authentication.
    pub(crate) fn new() -> Self {
        Self::build(None, serde_json::Map::new())
    }

    pub(crate) fn with_method(method: TokenAuthMethod) -> Self {
        Self::build(Some(method), serde_json::Map::new())
    }

    /// A pair whose user has these claims besides the standard ones, in the ID token and
    /// from userinfo alike.
    pub(crate) fn with_user_claims(claims: serde_json::Map<String, serde_json::Value>) -> Self {
        Self::build(None, claims)
    }

    /// A pair whose client holds `key` (for `private_key_jwt`), its public half `public_pem`
    /// registered at the provider; `secret` is the client's secret (a `private_key_jwt`
    /// client may have none: `""`).
    pub(crate) fn with_client_key(
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
            .with_client(RegisteredClient {
                client_id: CLIENT_ID.to_owned(),
                client_secret: CLIENT_SECRET.to_owned(),
                redirect_uris: vec![REDIRECT_URI.to_owned()],
                post_logout_redirect_uris: vec!["http://app.test/".to_owned()],
            })
            .auto_approving();
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

    pub(crate) fn misbehave(&self, misbehavior: Misbehavior) -> &Self {
        self.idp.misbehave(misbehavior);
        self
    }

    pub(crate) fn advance(&mut self, seconds: u64) {
        self.now += Duration::from_secs(seconds);
    }

    pub(crate) fn send(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        self.idp.handle(request, self.now)
    }

    pub(crate) fn metadata_url() -> Url {
        Url::parse(&format!("{ISSUER}/.well-known/openid-configuration")).expect("url")
    }

    pub(crate) fn discover(&self) -> Result<ProviderMetadata, Error> {
        let url = Self::metadata_url();
        ProviderMetadata::from_response(&url, &self.send(&doorman_oidc::discovery_request(&url)))
    }

    pub(crate) fn keys(&self, metadata: &ProviderMetadata) -> KeySet {
        KeySet::from_response(&self.send(&doorman_oidc::jwks_request(metadata)), self.now)
            .expect("JWKS")
    }

    pub(crate) fn entropy(&mut self) -> LoginEntropy {
        self.counter = self.counter.wrapping_add(1);
        LoginEntropy {
            state: [self.counter; 32],
            nonce: [self.counter ^ 0x55; 32],
            pkce_verifier: [self.counter ^ 0xAA; 32],
            client_assertion: [self.counter ^ 0x33; 32],
        }
    }

    /// Starts a login and follows the provider's redirect: the pending login and the
    /// callback's query string.
    pub(crate) fn authorize(&mut self, metadata: &ProviderMetadata) -> (PendingLogin, Url, String) {
        let entropy = self.entropy();
        let (url, pending) = doorman_oidc::begin(&self.config, metadata, &entropy, self.now);
        let response = self.send(&get(&url));
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("the provider redirects back");
        let back = Url::parse(location).expect("a URL");
        (pending, url, back.query().unwrap_or_default().to_owned())
    }

    /// A whole login with fresh discovery and keys: authorize, callback, token, verify
    /// (refreshing keys once when asked), userinfo.
    pub(crate) fn login(&mut self) -> Outcome {
        let metadata = self.discover().expect("discovery");
        let keys = self.keys(&metadata);
        self.login_with(&metadata, &keys)
    }

    pub(crate) fn login_with(&mut self, metadata: &ProviderMetadata, keys: &KeySet) -> Outcome {
        let (pending, _, query) = self.authorize(metadata);
        self.advance(3);
        self.finish(metadata, keys, pending, &query)
    }

    pub(crate) fn finish(
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

    pub(crate) fn userinfo_calls(&self) -> usize {
        self.idp.requests_to("/userinfo").len()
    }
}

/// A `GET` request for a URL.
pub(crate) fn get(url: &Url) -> Request<Vec<u8>> {
    Request::get(url.as_str())
        .body(Vec::new())
        .expect("request")
}

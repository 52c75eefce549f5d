//! A fixed provider for the OIDC fuzz targets: metadata, a key set of one P-256 key, a
//! client, a pending login; each built once, so that an execution spends its time on the
//! input.

#![allow(dead_code, reason = "each fuzz target uses part of it")]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_oidc::{ClientConfig, KeySet, LoginEntropy, PendingLogin, ProviderMetadata};

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

pub fn metadata_url() -> url::Url {
    url::Url::parse("http://idp.test/.well-known/openid-configuration").expect("url")
}

pub fn metadata() -> &'static ProviderMetadata {
    static METADATA: OnceLock<ProviderMetadata> = OnceLock::new();
    METADATA.get_or_init(|| {
    let doc = r#"{"issuer":"http://idp.test","authorization_endpoint":"http://idp.test/authorize",
        "token_endpoint":"http://idp.test/token","userinfo_endpoint":"http://idp.test/userinfo",
        "jwks_uri":"http://idp.test/jwks","id_token_signing_alg_values_supported":["RS256","ES256","HS256"],
        "authorization_response_iss_parameter_supported":true}"#;
    ProviderMetadata::from_response(&metadata_url(), &http::Response::new(doc.as_bytes().to_vec())).expect("metadata")
    })
}

pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
    let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"sig"}]}"#;
    KeySet::from_response(&http::Response::new(jwks.as_bytes().to_vec()), now()).expect("jwks")
    })
}

pub fn config() -> &'static ClientConfig {
    static CONFIG: OnceLock<ClientConfig> = OnceLock::new();
    CONFIG.get_or_init(|| ClientConfig::new("fuzz", "client", "secret", url::Url::parse("http://app.test/cb").expect("url")))
}

/// A pending login and its state parameter.
pub fn pending() -> (PendingLogin, String) {
    static PENDING: OnceLock<(PendingLogin, String)> = OnceLock::new();
    PENDING.get_or_init(|| {
    let entropy = LoginEntropy { state: [1; 32], nonce: [2; 32], pkce_verifier: [3; 32], client_assertion: [4; 32] };
    let (url, pending) = doorman_oidc::begin(config(), metadata(), &entropy, now());
    let state = url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state");
    (pending, state)
    }).clone()
}

//! Client authentication at the token endpoint: what the metadata lists when nothing is
//! configured, and `private_key_jwt` (RFC 7523) with the app's own RSA key, against the
//! development provider, which checks every assertion (signature, `iss`, `sub`, `aud`,
//! `exp`, a `jti` used once).

use doorman_oidc::{ClientKey, Error, TokenAuthMethod};
use doorman_testkit::pair::{CLIENT_ID, CLIENT_SECRET, Pair};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};

/// The app's key: a committed test key of the development provider (it signs nothing
/// outside tests).
const CLIENT_KEY: &str = include_str!("../../doorman-devidp/keys/rsa-c.pem");

fn public_pem(private_pem: &str) -> String {
    RsaPrivateKey::from_pkcs8_pem(private_pem)
        .expect("test key")
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .expect("public PEM")
}

/// A pair whose client holds `CLIENT_KEY`, registered at the provider, with `method`.
fn pair_with_key(method: Option<TokenAuthMethod>) -> Pair {
    let key = ClientKey::from_pem(CLIENT_KEY, Some("app-key-1".to_owned())).expect("client key");
    Pair::with_client_key(key, &public_pem(CLIENT_KEY), method, CLIENT_SECRET)
}

#[test]
fn private_key_jwt_logs_in_without_sending_the_secret() {
    for method in [Some(TokenAuthMethod::PrivateKeyJwt), None] {
        let mut pair = pair_with_key(method);
        let outcome = pair.login();
        assert!(
            outcome.result.is_ok(),
            "{method:?}: {:?}",
            outcome.result.err()
        );
        let token = &pair.idp.requests_to("/token")[0];
        assert_eq!(token.auth_scheme, None, "no Basic header");
        assert_eq!(token.param("client_secret"), None);
        assert_eq!(token.param("client_id"), Some(CLIENT_ID));
        assert_eq!(
            token.param("client_assertion_type"),
            Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        );
        let assertion = token.param("client_assertion").expect("assertion");
        let header = jws_header(assertion);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "app-key-1");
    }
}

fn jws_header(jwt: &str) -> serde_json::Value {
    use base64::Engine as _;
    let header = jwt.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn without_a_key_the_metadata_decides_and_private_key_jwt_is_never_chosen() {
    let mut pair = Pair::new();
    assert!(pair.login().result.is_ok());
    let token = &pair.idp.requests_to("/token")[0];
    assert_eq!(token.auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(token.param("client_assertion"), None);
}

#[test]
fn a_provider_that_does_not_know_the_key_refuses_the_login() {
    let key = ClientKey::from_pem(CLIENT_KEY, None).expect("client key");
    let other = include_str!("../../doorman-devidp/keys/rsa-b.pem");
    let mut pair = Pair::with_client_key(
        key,
        &public_pem(other),
        Some(TokenAuthMethod::PrivateKeyJwt),
        CLIENT_SECRET,
    );
    assert!(
        matches!(pair.login().result, Err(Error::TokenEndpoint { .. })),
        "an assertion under another key is invalid_client"
    );
}

#[test]
fn unusable_client_keys_are_refused_with_the_reason_and_never_printed() {
    for (pem, why) in [
        ("not a key", "not an unencrypted RSA private key"),
        (
            include_str!("../../doorman-devidp/keys/ec-p256.pem"),
            "not an unencrypted RSA private key",
        ),
        (
            include_str!("../../doorman-devidp/keys/rsa-1024.pem"),
            "1024 bits",
        ),
    ] {
        match ClientKey::from_pem(pem, None) {
            Err(Error::UnusableClientKey { reason }) => assert!(reason.contains(why), "{reason}"),
            other => panic!("{why}: {other:?}"),
        }
    }
    let key = ClientKey::from_pem(CLIENT_KEY, None).expect("client key");
    let shown = format!("{key:?}");
    assert!(
        shown.contains("REDACTED") && !shown.contains("MII"),
        "{shown}"
    );
}

/// A client without a secret (it authenticates with its key) never verifies an HMAC-signed
/// ID token: the empty secret would be a key anyone has.
#[test]
fn a_client_without_a_secret_refuses_hmac_id_tokens() {
    let key = ClientKey::from_pem(CLIENT_KEY, None).expect("client key");
    let mut pair = Pair::with_client_key(
        key,
        &public_pem(CLIENT_KEY),
        Some(TokenAuthMethod::PrivateKeyJwt),
        "",
    );
    pair.misbehave(doorman_devidp::Misbehavior::SignHs256);
    assert!(
        matches!(pair.login().result, Err(Error::UnusableKey { .. })),
        "refused"
    );
}

#[test]
fn login_entropy_never_shows_its_bytes() {
    let entropy = doorman_oidc::LoginEntropy {
        state: [7; 32],
        nonce: [8; 32],
        pkce_verifier: [9; 32],
        client_assertion: [10; 32],
    };
    assert_eq!(format!("{entropy:?}"), "LoginEntropy(REDACTED)");
}

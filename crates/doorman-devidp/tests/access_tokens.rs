//! JWT access tokens for an app's API: opaque strings unless an API audience is configured,
//! then RFC 9068 JWTs from the token endpoint and from `issue_access_token`, bent by the
//! misbehaviors.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_devidp::{DevIdp, DevIdpConfig, Misbehavior, RegisteredClient};
use serde_json::Value;
use url::Url;

fn idp(audience: Option<&str>) -> DevIdp {
    let config = DevIdpConfig::new(Url::parse("http://idp.test").expect("url")).with_client(
        RegisteredClient {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec!["http://app.test/cb".into()],
            post_logout_redirect_uris: Vec::new(),
        },
    );
    DevIdp::new(match audience {
        Some(audience) => config.with_jwt_access_tokens(audience),
        None => config,
    })
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

/// A compact JWS's header and claims.
fn decoded(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut json = || -> Value {
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(parts.next().expect("a segment"))
                .expect("base64url"),
        )
        .expect("json")
    };
    (json(), json())
}

#[test]
fn without_an_api_audience_there_is_no_jwt_to_issue() {
    assert_eq!(idp(None).issue_access_token("ada", now()), None);
}

#[test]
fn an_access_token_is_an_at_jwt_for_the_api() {
    let idp = idp(Some("https://api.app.test"));
    let token = idp.issue_access_token("ada", now()).expect("a token");
    let (header, claims) = decoded(&token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "rsa-a");
    assert_eq!(claims["iss"], "http://idp.test");
    assert_eq!(claims["aud"], "https://api.app.test");
    assert_eq!(claims["sub"], "ada");
    assert_eq!(claims["client_id"], "app");
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["exp"], 1_795_305_600 + 3600);
    assert_eq!(idp.issue_access_token("nobody", now()), None);
}

#[test]
fn misbehaviors_bend_access_tokens_as_they_bend_id_tokens() {
    let idp = idp(Some("https://api.app.test"));
    idp.misbehave(Misbehavior::WrongAudience);
    idp.misbehave(Misbehavior::AlgNone);
    let token = idp.issue_access_token("ada", now()).expect("a token");
    let (header, claims) = decoded(&token);
    assert_eq!(header["alg"], "none");
    assert_eq!(claims["aud"], "someone-else");
    assert!(token.ends_with('.'), "no signature");
}

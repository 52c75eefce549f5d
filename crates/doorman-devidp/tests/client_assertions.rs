//! `private_key_jwt` at the token endpoint (RFC 7523 §3): the provider takes an assertion
//! only when every check passes (an RS256 signature by the client's registered key, `iss`
//! and `sub` the client, the `client_id` parameter the same, `aud` this token endpoint,
//! unexpired, `iat` at most a minute ahead, its `jti` never used), and refuses it when any
//! one fails.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient};
use http::{Request, Response, StatusCode};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::signature::{SignatureEncoding as _, Signer as _};
use serde_json::{Value, json};
use url::Url;

const REDIRECT: &str = "http://app.test/cb";
const ENDPOINT: &str = "http://idp.test/token";
const CLIENT_KEY: &str = include_str!("../keys/rsa-b.pem");
const OTHER_KEY: &str = include_str!("../keys/rsa-c.pem");
const NOW: u64 = 1_795_305_600;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn private(pem: &str) -> rsa::RsaPrivateKey {
    rsa::RsaPrivateKey::from_pkcs8_pem(pem).expect("committed key")
}

fn idp() -> DevIdp {
    let public = private(CLIENT_KEY)
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("public PEM");
    let config = DevIdpConfig::new(Url::parse("http://idp.test").expect("url"))
        .with_client(RegisteredClient {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: Vec::new(),
        })
        .with_client_public_key("app", &public)
        .auto_approving();
    DevIdp::new(config)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn code(idp: &DevIdp) -> String {
    let response = idp.handle(
        &Request::get(format!(
            "http://idp.test/authorize?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=st",
            urlencode(REDIRECT)
        ))
        .body(Vec::new())
        .expect("req"),
        now(),
    );
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    back.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

/// A compact JWS with `header` and `claims`, signed RS256 by `key`.
fn assertion(header: &Value, claims: &Value, key: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature =
        rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private(key)).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

fn valid_claims(jti: &str) -> Value {
    json!({
        "iss": "app",
        "sub": "app",
        "aud": ENDPOINT,
        "jti": jti,
        "iat": NOW,
        "exp": NOW + 300,
    })
}

fn rs256() -> Value {
    json!({"alg": "RS256", "typ": "JWT"})
}

/// Redeems a fresh code, authenticating with `assertion` and the `client_id` parameter.
fn redeem(idp: &DevIdp, assertion: &str, client_id: Option<&str>) -> Response<Vec<u8>> {
    let mut form = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_assertion_type={}&client_assertion={assertion}",
        code(idp),
        urlencode(REDIRECT),
        urlencode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
    );
    if let Some(id) = client_id {
        form.push_str(&format!("&client_id={id}"));
    }
    idp.handle(
        &Request::post(ENDPOINT)
            .body(form.into_bytes())
            .expect("req"),
        now(),
    )
}

fn accepted(response: &Response<Vec<u8>>) -> bool {
    match response.status() {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => {
            let body: Value = serde_json::from_slice(response.body()).expect("json");
            assert_eq!(body["error"], "invalid_client");
            false
        }
        other => panic!("unexpected status {other}"),
    }
}

#[test]
fn a_valid_assertion_is_accepted_with_or_without_the_client_id_parameter() {
    let idp = idp();
    let one = assertion(&rs256(), &valid_claims("one"), CLIENT_KEY);
    assert!(accepted(&redeem(&idp, &one, Some("app"))));
    let two = assertion(&rs256(), &valid_claims("two"), CLIENT_KEY);
    assert!(accepted(&redeem(&idp, &two, None)));
}

#[test]
fn an_audience_list_holding_the_token_endpoint_is_accepted() {
    let mut claims = valid_claims("aud-list");
    claims["aud"] = json!(["https://elsewhere.example", ENDPOINT]);
    assert!(accepted(&redeem(
        &idp(),
        &assertion(&rs256(), &claims, CLIENT_KEY),
        Some("app")
    )));
}

#[test]
fn an_iat_a_minute_ahead_is_accepted_and_one_beyond_refused() {
    let idp = idp();
    let mut claims = valid_claims("iat-60");
    claims["iat"] = json!(NOW + 60);
    assert!(accepted(&redeem(
        &idp,
        &assertion(&rs256(), &claims, CLIENT_KEY),
        None
    )));
    let mut claims = valid_claims("iat-61");
    claims["iat"] = json!(NOW + 61);
    assert!(!accepted(&redeem(
        &idp,
        &assertion(&rs256(), &claims, CLIENT_KEY),
        None
    )));
}

#[test]
fn a_used_jti_is_refused() {
    let idp = idp();
    let once = assertion(&rs256(), &valid_claims("once"), CLIENT_KEY);
    assert!(accepted(&redeem(&idp, &once, None)));
    assert!(!accepted(&redeem(&idp, &once, None)), "replayed");
}

#[test]
fn each_broken_rule_is_refused() {
    let idp = idp();
    let with = |name: &str, value: Value| {
        let mut claims = valid_claims(&format!("broken-{name}-{value}"));
        claims[name] = value;
        claims
    };
    let without = |name: &str| {
        let mut claims = valid_claims(&format!("without-{name}"));
        claims.as_object_mut().expect("object").remove(name);
        claims
    };
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "signed by another key",
            assertion(&rs256(), &valid_claims("other-key"), OTHER_KEY),
            None,
        ),
        (
            "a header naming another alg",
            assertion(
                &json!({"alg": "RS384", "typ": "JWT"}),
                &valid_claims("rs384"),
                CLIENT_KEY,
            ),
            None,
        ),
        (
            "a signature altered",
            {
                let token = assertion(&rs256(), &valid_claims("altered"), CLIENT_KEY);
                let (input, signature) = token.rsplit_once('.').expect("jws");
                let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("b64");
                bytes[10] ^= 1;
                format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
            },
            None,
        ),
        (
            "alg none",
            {
                let token = assertion(&rs256(), &valid_claims("none"), CLIENT_KEY);
                let (_, claims) = token.split_once('.').expect("jws");
                let (claims, _) = claims.split_once('.').expect("jws");
                format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#))
            },
            None,
        ),
        (
            "an unknown issuer",
            assertion(&rs256(), &with("iss", json!("stranger")), CLIENT_KEY),
            None,
        ),
        (
            "another subject",
            assertion(&rs256(), &with("sub", json!("someone")), CLIENT_KEY),
            None,
        ),
        (
            "no subject",
            assertion(&rs256(), &without("sub"), CLIENT_KEY),
            None,
        ),
        (
            "another audience",
            assertion(
                &rs256(),
                &with("aud", json!("http://idp.test/other")),
                CLIENT_KEY,
            ),
            None,
        ),
        (
            "an audience list without the endpoint",
            assertion(
                &rs256(),
                &with("aud", json!(["http://idp.test/other"])),
                CLIENT_KEY,
            ),
            None,
        ),
        (
            "no audience",
            assertion(&rs256(), &without("aud"), CLIENT_KEY),
            None,
        ),
        (
            "expired now",
            assertion(&rs256(), &with("exp", json!(NOW)), CLIENT_KEY),
            None,
        ),
        (
            "no exp",
            assertion(&rs256(), &without("exp"), CLIENT_KEY),
            None,
        ),
        (
            "no jti",
            assertion(&rs256(), &without("jti"), CLIENT_KEY),
            None,
        ),
        (
            "another client_id parameter",
            assertion(&rs256(), &valid_claims("param"), CLIENT_KEY),
            Some("intruder"),
        ),
        ("not a JWS", "not.a.jws".to_owned(), None),
    ];
    for (case, token, client_id) in cases {
        assert!(!accepted(&redeem(&idp, &token, client_id)), "{case}");
    }
}

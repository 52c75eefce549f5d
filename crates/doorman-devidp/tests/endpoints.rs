//! The development provider's endpoints, called in-process: what it accepts and refuses.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient, ServeError};
use http::{Request, Response, StatusCode};
use serde_json::Value;
use sha2::Digest as _;
use url::Url;

const REDIRECT: &str = "http://app.test/cb";

fn idp(auto: bool) -> DevIdp {
    let mut config = DevIdpConfig::new(Url::parse("http://idp.test").expect("url")).with_client(
        RegisteredClient {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec!["http://app.test/bye".into()],
        },
    );
    if auto {
        config = config.auto_approving();
    }
    DevIdp::new(config)
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

fn get(idp: &DevIdp, path_and_query: &str) -> Response<Vec<u8>> {
    idp.handle(
        &Request::get(format!("http://idp.test{path_and_query}"))
            .body(Vec::new())
            .expect("req"),
        now(),
    )
}

fn post(idp: &DevIdp, path: &str, form: &str, basic: Option<&str>) -> Response<Vec<u8>> {
    let mut builder = Request::post(format!("http://idp.test{path}"));
    if let Some(credentials) = basic {
        builder = builder.header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            ),
        );
    }
    idp.handle(&builder.body(form.as_bytes().to_vec()).expect("req"), now())
}

fn location(response: &Response<Vec<u8>>) -> Url {
    Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url")
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn authorize_query(challenge: Option<&str>) -> String {
    let mut query = format!(
        "/authorize?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=st&nonce=n",
        urlencode(REDIRECT)
    );
    if let Some(c) = challenge {
        query.push_str(&format!("&code_challenge={c}&code_challenge_method=S256"));
    }
    query
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn code(idp: &DevIdp, challenge: Option<&str>) -> String {
    let response = get(idp, &authorize_query(challenge));
    assert_eq!(response.status(), StatusCode::FOUND);
    param(&location(&response), "code").expect("code")
}

#[test]
fn the_fixed_test_keys_load() {
    let (rsa, ec) = doorman_devidp::test_keys();
    assert_eq!(rsa.len(), 3);
    assert_eq!(ec.kid(), "ec-p256");
}

#[test]
fn discovery_points_at_its_own_endpoints() {
    let response = get(&idp(false), "/.well-known/openid-configuration");
    let doc: Value = serde_json::from_slice(response.body()).expect("json");
    assert_eq!(doc["issuer"], "http://idp.test");
    assert_eq!(doc["token_endpoint"], "http://idp.test/token");
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
}

#[test]
fn the_login_page_offers_the_test_users_and_escapes_input() {
    let response = get(
        &idp(false),
        &format!("{}&login_hint=%3Cscript%3E", authorize_query(None)),
    );
    let page = String::from_utf8(response.body().clone()).expect("utf-8");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(page.contains("Ada Lovelace") && page.contains("Alan Turing"));
    assert!(!page.contains("<script>"), "hidden fields are escaped");
}

#[test]
fn deny_answers_access_denied_with_state_and_iss() {
    let response = get(
        &idp(false),
        &format!("/authorize/decide?user=&{}", &authorize_query(None)[11..]),
    );
    let back = location(&response);
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("st"));
    assert_eq!(param(&back, "iss").as_deref(), Some("http://idp.test"));
}

#[test]
fn unknown_clients_and_unregistered_redirects_get_a_page_not_a_redirect() {
    let idp = idp(true);
    let response = get(
        &idp,
        "/authorize?response_type=code&client_id=nope&redirect_uri=http%3A%2F%2Fevil.example%2F&scope=openid",
    );
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = get(
        &idp,
        "/authorize?response_type=code&client_id=app&redirect_uri=http%3A%2F%2Fevil.example%2F&scope=openid",
    );
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[test]
fn codes_are_single_use_and_need_client_authentication() {
    let idp = idp(true);
    let code = code(&idp, None);
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}",
        urlencode(REDIRECT)
    );
    assert_eq!(
        post(&idp, "/token", &form, Some("app:wrong")).status(),
        StatusCode::UNAUTHORIZED
    );
    let first = post(&idp, "/token", &form, Some("app:secret"));
    assert_eq!(first.status(), StatusCode::OK);
    let second = post(&idp, "/token", &form, Some("app:secret"));
    assert_eq!(
        second.status(),
        StatusCode::BAD_REQUEST,
        "a code is redeemed once"
    );
}

#[test]
fn pkce_is_verified() {
    let idp = idp(true);
    let verifier = "a-verifier-of-at-least-forty-three-characters-long";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let form = |code: &str, v: &str| {
        format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={v}",
            urlencode(REDIRECT)
        )
    };
    let wrong = code(&idp, Some(&challenge));
    assert_eq!(
        post(&idp, "/token", &form(&wrong, "other"), Some("app:secret")).status(),
        StatusCode::BAD_REQUEST
    );
    let right = code(&idp, Some(&challenge));
    assert_eq!(
        post(&idp, "/token", &form(&right, verifier), Some("app:secret")).status(),
        StatusCode::OK
    );
}

#[test]
fn the_redirect_uri_must_match_at_the_token_endpoint() {
    let idp = idp(true);
    let code = code(&idp, None);
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2Fapp.test%2Fother"
    );
    assert_eq!(
        post(&idp, "/token", &form, Some("app:secret")).status(),
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn end_session_returns_only_to_registered_uris() {
    let idp = idp(true);
    let ok = get(
        &idp,
        "/end_session?client_id=app&post_logout_redirect_uri=http%3A%2F%2Fapp.test%2Fbye&state=s1",
    );
    assert_eq!(location(&ok).as_str(), "http://app.test/bye?state=s1");
    let refused = get(
        &idp,
        "/end_session?client_id=app&post_logout_redirect_uri=http%3A%2F%2Fevil.example%2F",
    );
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = get(&idp, "/end_session");
    assert_eq!(page.status(), StatusCode::OK);
}

#[test]
fn serve_refuses_an_address_other_than_loopback() {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = runtime.enter();
    let result = doorman_devidp::serve(listener, std::sync::Arc::new(idp(false)));
    assert!(matches!(result, Err(ServeError::NotLoopback(_))));
}

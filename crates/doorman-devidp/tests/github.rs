//! The GitHub persona, called in-process: GitHub's OAuth app endpoints and user API as GitHub
//! answers them (no discovery, no keys, no ID token; form-encoded token answers unless JSON
//! is asked for; errors with status 200; an API that wants a `User-Agent`), with one user
//! whose email is public and one whose email is private.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use doorman_devidp::{DevIdp, DevIdpConfig, Endpoint, Misbehavior, Persona, RegisteredClient};
use http::{Request, Response, StatusCode};
use serde_json::{Value, json};
use sha2::Digest as _;
use url::Url;

const ORIGIN: &str = "http://idp.test";
const REDIRECT: &str = "http://app.test/oauth2callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn config() -> DevIdpConfig {
    DevIdpConfig::new(Url::parse(ORIGIN).expect("url"))
        .with_client(RegisteredClient {
            client_id: "Iv1.app".into(),
            client_secret: "gh-secret".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: Vec::new(),
        })
        .with_persona(Persona::GitHub)
}

fn idp() -> DevIdp {
    DevIdp::new(config().auto_approving())
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

fn send(idp: &DevIdp, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    idp.handle(&request, now())
}

fn get(idp: &DevIdp, path_and_query: &str) -> Response<Vec<u8>> {
    send(
        idp,
        Request::get(format!("{ORIGIN}{path_and_query}"))
            .body(Vec::new())
            .expect("request"),
    )
}

fn location(response: &Response<Vec<u8>>) -> Url {
    Url::parse(
        response.headers()["location"]
            .to_str()
            .expect("ascii location"),
    )
    .expect("a URL")
}

fn query(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn json_of(response: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).expect("JSON")
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()))
}

/// Authorizes as `login` (auto-approval) with GitHub's scope and S256 PKCE; returns the code.
fn authorized(idp: &DevIdp, login: &str, scope: &str) -> String {
    let authorize = Url::parse_with_params(
        &format!("{ORIGIN}/login/oauth/authorize"),
        &[
            ("client_id", "Iv1.app"),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st-1"),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "S256"),
            ("login", login),
        ],
    )
    .expect("url");
    let response = get(
        idp,
        &format!(
            "/login/oauth/authorize?{}",
            authorize.query().unwrap_or_default()
        ),
    );
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = location(&response);
    assert_eq!(back.as_str().split('?').next(), Some(REDIRECT));
    let pairs = query(&back);
    assert_eq!(value(&pairs, "state"), Some("st-1"));
    assert_eq!(value(&pairs, "iss"), None, "GitHub sends no RFC 9207 iss");
    value(&pairs, "code").expect("a code").to_owned()
}

/// A token request with the client's id and secret in the form.
fn token_request(code: &str, verifier: &str, accept: Option<&str>) -> Request<Vec<u8>> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", "Iv1.app"),
            ("client_secret", "gh-secret"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .finish();
    let mut request = Request::post(format!("{ORIGIN}/login/oauth/access_token"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.body(body.into_bytes()).expect("request")
}

/// A token for `login` with GitHub's scope, asked for as JSON.
fn token_for(idp: &DevIdp, login: &str, scope: &str) -> String {
    let code = authorized(idp, login, scope);
    let response = send(
        idp,
        token_request(&code, VERIFIER, Some("application/json")),
    );
    json_of(&response)["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

fn api(idp: &DevIdp, path: &str, token: Option<&str>, user_agent: bool) -> Response<Vec<u8>> {
    let mut request =
        Request::get(format!("{ORIGIN}{path}")).header("accept", "application/vnd.github+json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if user_agent {
        request = request.header("user-agent", "doorman-test");
    }
    send(idp, request.body(Vec::new()).expect("request"))
}

#[test]
fn there_is_no_discovery_document_no_key_set_and_no_oidc_endpoint() {
    let idp = idp();
    for path in [
        "/.well-known/openid-configuration",
        "/jwks",
        "/authorize",
        "/token",
        "/userinfo",
        "/login/oauth/.well-known/openid-configuration",
    ] {
        assert_eq!(get(&idp, path).status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert!(Persona::GitHub.is_plain_oauth2());
    assert_eq!(Persona::GitHub.metadata_path(), None);
    assert!(!Persona::ALL.contains(&Persona::GitHub));
    assert!(Persona::ALL.iter().all(|p| !p.is_plain_oauth2()));
}

#[test]
fn the_token_answer_is_form_encoded_unless_json_is_asked_for() {
    let idp = idp();
    let code = authorized(&idp, "adalovelace", "read:user user:email");
    let form = send(&idp, token_request(&code, VERIFIER, None));
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/x-www-form-urlencoded")
    );
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(form.body())
        .into_owned()
        .collect();
    let token = value(&pairs, "access_token").expect("a token");
    assert!(token.starts_with("gho_") && token.len() == 40, "{token}");
    assert!(token[4..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(value(&pairs, "token_type"), Some("bearer"));
    assert_eq!(value(&pairs, "scope"), Some("read:user,user:email"));

    let code = authorized(&idp, "adalovelace", "read:user user:email");
    let json = send(
        &idp,
        token_request(&code, VERIFIER, Some("application/json")),
    );
    assert!(
        json.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let body = json_of(&json);
    let mut members: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["access_token", "scope", "token_type"],
        "no ID token, no expiry, no refresh"
    );
    assert_eq!(body["token_type"], "bearer");
}

#[test]
fn token_errors_come_with_status_200() {
    let idp = idp();
    let code = authorized(&idp, "adalovelace", "read:user");
    let mut wrong_secret = token_request(&code, VERIFIER, Some("application/json"));
    *wrong_secret.body_mut() = String::from_utf8_lossy(wrong_secret.body())
        .replace("gh-secret", "nope")
        .into_bytes();
    let response = send(&idp, wrong_secret);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(&response)["error"], "incorrect_client_credentials");

    let wrong_verifier = send(
        &idp,
        token_request(
            &code,
            "another-verifier-of-43-characters-xxxxxxxxx",
            Some("application/json"),
        ),
    );
    assert_eq!(wrong_verifier.status(), StatusCode::OK);
    assert_eq!(json_of(&wrong_verifier)["error"], "bad_verification_code");

    let code = authorized(&idp, "alan-turing", "read:user user:email");
    let first = send(
        &idp,
        token_request(&code, VERIFIER, Some("application/json")),
    );
    assert!(json_of(&first)["access_token"].is_string());
    let replayed = send(&idp, token_request(&code, VERIFIER, None));
    assert_eq!(replayed.status(), StatusCode::OK);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(replayed.body())
        .into_owned()
        .collect();
    assert_eq!(
        value(&pairs, "error"),
        Some("bad_verification_code"),
        "single use, form-encoded"
    );
}

#[test]
fn http_basic_client_authentication_works_too() {
    let idp = idp();
    let code = authorized(&idp, "adalovelace", "read:user");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("code", code.as_str()), ("code_verifier", VERIFIER)])
        .finish();
    let request = Request::post(format!("{ORIGIN}/login/oauth/access_token"))
        .header("accept", "application/json")
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode("Iv1.app:gh-secret")),
        )
        .body(body.into_bytes())
        .expect("request");
    assert!(json_of(&send(&idp, request))["access_token"].is_string());
}

#[test]
fn only_s256_pkce_is_accepted() {
    let idp = idp();
    let response = get(
        &idp,
        &format!(
            "/login/oauth/authorize?client_id=Iv1.app&redirect_uri={}&state=s&code_challenge={VERIFIER}&code_challenge_method=plain",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        ),
    );
    let pairs = query(&location(&response));
    assert_eq!(value(&pairs, "error"), Some("invalid_request"));
    assert_eq!(value(&pairs, "state"), Some("s"));
}

#[test]
fn unknown_clients_and_unregistered_redirects_are_refused_without_a_redirect() {
    let idp = idp();
    let unknown = get(&idp, "/login/oauth/authorize?client_id=nobody&state=s");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers().get("location").is_none());
    let elsewhere = get(
        &idp,
        "/login/oauth/authorize?client_id=Iv1.app&state=s&redirect_uri=http%3A%2F%2Fevil.example%2Fcb",
    );
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);
    assert!(elsewhere.headers().get("location").is_none());
}

#[test]
fn a_denial_comes_back_as_access_denied_with_the_state() {
    let idp = DevIdp::new(config());
    let page = get(
        &idp,
        &format!(
            "/login/oauth/authorize?client_id=Iv1.app&state=st-9&scope=read%3Auser&redirect_uri={}",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        ),
    );
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(page.body()).into_owned();
    assert!(
        html.contains("Ada Lovelace") && html.contains("alan-turing"),
        "{html}"
    );
    assert!(html.contains(r#"action="authorize/decide""#));
    let denied = get(
        &idp,
        &format!(
            "/login/oauth/authorize/decide?client_id=Iv1.app&state=st-9&user=&redirect_uri={}",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        ),
    );
    let pairs = query(&location(&denied));
    assert_eq!(value(&pairs, "error"), Some("access_denied"));
    assert_eq!(value(&pairs, "state"), Some("st-9"));
    assert_eq!(value(&pairs, "code"), None);
}

#[test]
fn the_user_api_wants_a_user_agent_and_a_known_token() {
    let idp = idp();
    let token = token_for(&idp, "adalovelace", "read:user user:email");
    let no_agent = api(&idp, "/user", Some(&token), false);
    assert_eq!(no_agent.status(), StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(no_agent.body()).contains("User-Agent"));
    let anonymous = api(&idp, "/user", None, true);
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(&anonymous)["message"], "Requires authentication");
    let forged = api(&idp, "/user", Some("gho_forged"), true);
    assert_eq!(json_of(&forged)["message"], "Bad credentials");
    let old_scheme = send(
        &idp,
        Request::get(format!("{ORIGIN}/user"))
            .header("authorization", format!("token {token}"))
            .header("user-agent", "x")
            .body(Vec::new())
            .expect("request"),
    );
    assert_eq!(
        old_scheme.status(),
        StatusCode::OK,
        "GitHub's `token` scheme"
    );
}

#[test]
fn the_public_email_user_and_the_private_email_user() {
    let idp = idp();
    let ada = api(
        &idp,
        "/user",
        Some(&token_for(&idp, "adalovelace", "read:user user:email")),
        true,
    );
    assert_eq!(ada.status(), StatusCode::OK);
    assert_eq!(ada.headers()["x-oauth-scopes"], "read:user, user:email");
    let ada = json_of(&ada);
    assert_eq!(ada["id"], json!(58_312_810), "a number, not a string");
    assert_eq!(ada["login"], "adalovelace");
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(
        ada["avatar_url"],
        "https://avatars.githubusercontent.com/u/58312810?v=4"
    );
    assert!(
        ada.get("emails").is_none(),
        "the emails list is not in /user"
    );
    assert!(ada.get("sub").is_none(), "GitHub's user has no `sub`");

    let token = token_for(&idp, "alan-turing", "read:user user:email");
    let alan = json_of(&api(&idp, "/user", Some(&token), true));
    assert_eq!(alan["id"], json!(91_219_120));
    assert_eq!(alan["name"], Value::Null);
    assert_eq!(alan["email"], Value::Null, "a private email");
    let emails = json_of(&api(&idp, "/user/emails", Some(&token), true));
    let primary: Vec<&Value> = emails
        .as_array()
        .expect("a list")
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(
        primary,
        [
            &json!({"email": "alan@example.com", "primary": true, "verified": true, "visibility": "private"})
        ]
    );
    for entry in emails.as_array().expect("a list") {
        let keys: Vec<&str> = entry
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["email", "primary", "verified", "visibility"]);
    }
}

#[test]
fn the_emails_api_needs_the_user_email_scope() {
    let idp = idp();
    let token = token_for(&idp, "alan-turing", "read:user");
    let response = api(&idp, "/user/emails", Some(&token), true);
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_of(&response)["message"], "Not Found");
    let token = token_for(&idp, "alan-turing", "user");
    assert_eq!(
        api(&idp, "/user/emails", Some(&token), true).status(),
        StatusCode::OK
    );
}

#[test]
fn codes_expire_after_ten_minutes() {
    let idp = idp();
    let code = authorized(&idp, "adalovelace", "read:user");
    let late = idp.handle(
        &token_request(&code, VERIFIER, Some("application/json")),
        now() + Duration::from_secs(601),
    );
    assert_eq!(json_of(&late)["error"], "bad_verification_code");
}

#[test]
fn failing_switches_name_the_token_endpoint_and_the_user_api() {
    let idp = idp();
    let token = token_for(&idp, "adalovelace", "read:user user:email");
    idp.misbehave(Misbehavior::Failing(Endpoint::Userinfo));
    for path in ["/user", "/user/emails"] {
        assert_eq!(
            api(&idp, path, Some(&token), true).status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}"
        );
    }
    idp.behave();
    idp.misbehave(Misbehavior::Failing(Endpoint::Token));
    let code = authorized(&idp, "adalovelace", "read:user");
    let response = send(
        &idp,
        token_request(&code, VERIFIER, Some("application/json")),
    );
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        idp.requests_to("/login/oauth/access_token").len(),
        2,
        "recorded under GitHub's own path"
    );
}

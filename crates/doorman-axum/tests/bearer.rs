//! API clients with `Authorization: Bearer <JWT>`, in process on virtual time, against the
//! development provider issuing JWT access tokens for the app's `api_audience`: a valid token
//! is a logged-in user (through `require_login` and the bare extractor alike) whose
//! `tokens().access` is the bearer; every broken rule, opaque and malformed tokens are `401`
//! with `WWW-Authenticate: Bearer error="invalid_token"`, never a redirect; an unknown `kid`
//! fetches the keys once; a token is verified once, then remembered until its `exp`; the
//! bearer wins over a cookie; allow-lists apply; without an `api_audience` the header is
//! ignored; and no token string makes a request panic.

mod app;

use std::time::Duration;

use app::{Response, Setup, TestApp};
use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman_axum::{Auth, User};
use doorman_devidp::{Endpoint, Misbehavior};
use proptest::prelude::*;
use serde_json::{Value, json};

const API: &str = "https://api.app.test";

fn routes(auth: &Auth) -> Router {
    Router::new()
        .route(
            "/api/me",
            get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
        )
        .layer(auth.require_login())
}

async fn app_with(extra_secrets: &str) -> TestApp {
    TestApp::with(Setup {
        jwt_access_tokens: Some(API),
        extra_secrets: extra_secrets.to_owned(),
        routes: Some(routes),
        ..Setup::default()
    })
    .await
}

async fn app() -> TestApp {
    app_with(&format!("api_audience = \"{API}\"\n")).await
}

/// A token for Ada, as the provider issues it now.
fn token(app: &TestApp) -> String {
    app.idp()
        .issue_access_token("ada", app.clock.now())
        .expect("a token")
}

/// `GET path` from an API client (no cookie jar) sending `Authorization: Bearer token`.
async fn bearer_get(app: &TestApp, path: &str, token: &str) -> Response {
    app.bare()
        .get(app.url(path))
        .header("authorization", format!("Bearer {token}"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("answer")
}

fn assert_invalid_token(response: Response, what: &str) {
    assert_eq!(response.status(), 401, "{what}");
    assert!(!response.headers().contains_key("location"), "{what}");
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#,
        "{what}"
    );
    assert_eq!(
        response.json().expect("json"),
        json!({"error": "invalid_token"}),
        "{what}"
    );
}

#[tokio::test]
async fn a_valid_token_is_its_user_through_the_guard_and_the_extractor() {
    let app = app().await;
    let token = token(&app);
    for path in ["/api/me", "/user.json"] {
        let response = bearer_get(&app, path, &token).await;
        assert_eq!(response.status(), 200, "{path}");
        let me = response.json().expect("json");
        assert_eq!(me["is_logged_in"], true, "{path}");
        assert_eq!(me["provider"], "dev");
        assert_eq!(me["sub"], "ada");
        assert_eq!(me["email"], "ada@example.com");
        assert_eq!(
            me["tokens"]["access"],
            token.as_str(),
            "tokens().access is the bearer"
        );
        assert!(me["tokens"].get("id").is_none());
    }
    // The scheme in any case, spaces after it.
    let response = app
        .bare()
        .get(app.url("/api/me"))
        .header("authorization", format!("bearer   {token}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn each_broken_rule_is_an_invalid_token() {
    let cases = [
        Misbehavior::Expired,
        Misbehavior::WrongAudience,
        Misbehavior::WrongIssuer,
        Misbehavior::AlgNone,
        Misbehavior::Hs256SignedWithPublicKey,
        Misbehavior::BadSignature,
        Misbehavior::IssuedInFuture,
        Misbehavior::MissingSubject,
    ];
    for misbehavior in cases {
        let app = app().await;
        app.idp().misbehave(misbehavior.clone());
        let token = token(&app);
        app.idp().behave();
        for path in ["/api/me", "/user.json"] {
            assert_invalid_token(
                bearer_get(&app, path, &token).await,
                &format!("{misbehavior:?} at {path}"),
            );
        }
    }
}

#[tokio::test]
async fn a_token_for_another_api_is_an_invalid_token() {
    let app = app_with("api_audience = \"https://another.api.test\"\n").await;
    assert_invalid_token(bearer_get(&app, "/api/me", &token(&app)).await, "wrong aud");
}

#[tokio::test]
async fn opaque_and_malformed_tokens_are_invalid_never_a_panic_or_a_redirect() {
    let app = app().await;
    let valid = token(&app);
    for garbage in [
        "gho_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
        "2YotnFZFEjr1zCsicMWpAA".to_owned(),
        "a.b.c".to_owned(),
        "....".to_owned(),
        valid[..valid.len() - 3].to_owned(),
        format!("{valid}.{valid}"),
        "é".to_owned(),
    ] {
        assert_invalid_token(bearer_get(&app, "/api/me", &garbage).await, &garbage);
    }
    // `Bearer` and nothing after it.
    let empty = app
        .bare()
        .get(app.url("/api/me"))
        .header("authorization", "Bearer")
        .send()
        .await
        .expect("answer");
    assert_invalid_token(empty, "empty");
    // Another scheme is no bearer: the request is anonymous.
    let basic = app
        .bare()
        .get(app.url("/api/me"))
        .header("authorization", "Basic YWRhOnNlY3JldA==")
        .header("accept", "application/json")
        .send()
        .await
        .expect("answer");
    assert_eq!(basic.status(), 401);
    assert_eq!(basic.json().expect("json")["error"], "login_required");
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_keys_once() {
    let app = app().await;
    assert_eq!(
        bearer_get(&app, "/api/me", &token(&app)).await.status(),
        200
    );
    let fetched = app.idp().requests_to("/jwks").len();
    assert_eq!(fetched, 1);
    app.idp().rotate_keys();
    app.clock.advance(Duration::from_secs(61));
    let rotated = token(&app);
    assert_eq!(bearer_get(&app, "/api/me", &rotated).await.status(), 200);
    assert_eq!(app.idp().requests_to("/jwks").len(), 2, "one refetch");
    // A key no set holds: refused, and the keys just fetched are not fetched again.
    let mut parts = rotated.splitn(2, '.');
    let _ = parts.next();
    let header = base64_url(br#"{"typ":"at+jwt","alg":"RS256","kid":"made-up"}"#);
    let made_up = format!("{header}.{}", parts.next().expect("the rest"));
    assert_invalid_token(bearer_get(&app, "/api/me", &made_up).await, "made-up kid");
    assert_eq!(app.idp().requests_to("/jwks").len(), 2, "no second refetch");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_token_is_verified_once_and_remembered_until_its_exp() {
    let app = app().await;
    let token = token(&app);
    assert_eq!(bearer_get(&app, "/api/me", &token).await.status(), 200);
    // The provider's keys are now unreachable: a remembered token needs none of them.
    app.idp().misbehave(Misbehavior::Failing(Endpoint::Jwks));
    let requests = app.idp().requests().len();
    for _ in 0..3 {
        assert_eq!(bearer_get(&app, "/api/me", &token).await.status(), 200);
    }
    assert_eq!(app.idp().requests().len(), requests, "no provider call");
    // An hour later (and the minute of leeway), the token has expired.
    app.clock.advance(Duration::from_secs(3600 + 61));
    assert_invalid_token(bearer_get(&app, "/api/me", &token).await, "expired");
}

#[tokio::test]
async fn the_bearer_wins_over_a_cookie() {
    let app = app().await;
    app.login("provider=dev").await;
    let cookie = app
        .client
        .cookie_header(&url::Url::parse(&app.url("/")).expect("url"))
        .expect("a session cookie");
    let alan = app
        .idp()
        .issue_access_token("alan", app.clock.now())
        .expect("a token");
    let as_alan = app
        .bare()
        .get(app.url("/api/me"))
        .header("cookie", &cookie)
        .header("authorization", format!("Bearer {alan}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(as_alan.json().expect("json")["sub"], "alan");
    let refused = app
        .bare()
        .get(app.url("/user.json"))
        .header("cookie", &cookie)
        .header("authorization", "Bearer not-a-jwt")
        .send()
        .await
        .expect("answer");
    assert_invalid_token(refused, "an invalid bearer with a valid cookie");
}

#[tokio::test]
async fn allow_lists_apply_to_bearer_users() {
    let app = app_with(&format!(
        "api_audience = \"{API}\"\nallowed_emails = [\"alan@example.com\"]\n"
    ))
    .await;
    let response = bearer_get(&app, "/api/me", &token(&app)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.json().expect("json"),
        json!({"error": "not_allowed"})
    );
}

#[tokio::test]
async fn without_an_api_audience_the_header_is_not_read() {
    let app = app_with("").await;
    let response = bearer_get(&app, "/api/me", &token(&app)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.json().expect("json")["error"], "login_required");
    let anonymous = bearer_get(&app, "/user.json", &token(&app)).await;
    assert_eq!(anonymous.json().expect("json")["is_logged_in"], false);
}

#[tokio::test]
async fn a_provider_down_is_a_503_for_a_token_never_seen() {
    let app = app().await;
    app.idp()
        .misbehave(Misbehavior::Failing(Endpoint::Discovery));
    let response = bearer_get(&app, "/api/me", &token(&app)).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_token_string_makes_a_request_panic(token in "[ -~]{0,300}") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let status = runtime.block_on(async {
            let app = app().await;
            bearer_get(&app, "/api/me", token.trim()).await.status()
        });
        prop_assert!(status == 401, "{status}");
    }
}

/// While the provider's key set cannot be fetched, tokens naming unknown keys do not make the
/// app ask for it on every request: one failed fetch, then a pause before the next.
#[tokio::test]
async fn a_failing_key_set_is_not_asked_again_at_once() {
    let app = app().await;
    assert_eq!(
        bearer_get(&app, "/api/me", &token(&app)).await.status(),
        200
    );
    app.idp().rotate_keys();
    app.idp().misbehave(Misbehavior::Failing(Endpoint::Jwks));
    app.clock.advance(Duration::from_secs(61));
    let rotated = token(&app);
    for _ in 0..5 {
        assert_ne!(bearer_get(&app, "/api/me", &rotated).await.status(), 200);
    }
    assert_eq!(
        app.idp().requests_to("/jwks").len(),
        2,
        "the first fetch and one failed refetch"
    );
    app.idp().behave();
    app.clock.advance(Duration::from_secs(6));
    assert_eq!(bearer_get(&app, "/api/me", &rotated).await.status(), 200);
}

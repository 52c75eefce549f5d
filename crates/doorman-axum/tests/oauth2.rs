//! Plain OAuth 2.0 through the real router: the development provider plays GitHub
//! (`Persona::GitHub`: no discovery, no keys, no ID token), the app is configured with
//! `provider_preset = "github"` and the URL keys pointing at the persona (explicit keys win
//! over the preset's), and a full login ends with the same session as an OpenID one:
//! `/user.json` shows the claims mapped from GitHub's user (and its emails API for a
//! private email), the access token when exposed, and no ID token. A denial and a replayed
//! callback reach the app as the same `LoginFailure`s.

mod app;

use app::{Setup, TestApp, callback_with, failure_after, location, sets_identity, start_login};
use doorman_axum::{Discovered, LoginFailure};
use doorman_devidp::{Persona, RecordedRequest};
use serde_json::{Value, json};

fn github(extra_secrets: &str) -> Setup {
    Setup {
        persona: Some(Persona::GitHub),
        extra_secrets: extra_secrets.to_owned(),
        ..Setup::default()
    }
}

/// A full login with the GitHub persona: the app and what `/user.json` shows.
async fn logged_in(extra_secrets: &str) -> (TestApp, Value) {
    let app = TestApp::with(github(extra_secrets)).await;
    let (visited, last) = app.login("provider=dev&return_to=/reports").await;
    let page = last.text().expect("text");
    let user = app.user_json().await;
    if user["is_logged_in"] != true {
        panic!(
            "not logged in ({}); ended on {page:?} after {visited:?}",
            app.failure().await
        );
    }
    assert_eq!(page, "reports", "back where the user was");
    assert!(
        visited.iter().all(|u| !u.contains("iss=")),
        "no RFC 9207 iss: {visited:?}"
    );
    (app, user)
}

/// The one request made to `path` at the provider.
fn only(app: &TestApp, path: &str) -> RecordedRequest {
    let requests = app.idp().requests_to(path);
    assert_eq!(requests.len(), 1, "{path}: {requests:?}");
    requests[0].clone()
}

/// The claims the app sees, without the access token (fresh per login).
fn claims(user: &Value) -> Value {
    let mut claims = user.clone();
    if let Some(map) = claims.as_object_mut() {
        map.remove("tokens");
    }
    claims
}

#[tokio::test]
async fn the_public_email_user_logs_in_through_github_s_user_api() {
    let (app, user) = logged_in("").await;
    assert_eq!(
        claims(&user),
        json!({
            "is_logged_in": true,
            "provider": "dev",
            "sub": "58312810",
            "email": "ada@example.com",
            "email_verified": true,
            "name": "Ada Lovelace",
            "preferred_username": "adalovelace",
            "picture": "https://avatars.githubusercontent.com/u/58312810?v=4",
            "profile": "https://github.com/adalovelace",
        })
    );
    let tokens = user["tokens"].as_object().expect("tokens");
    assert!(
        tokens["access"]
            .as_str()
            .is_some_and(|t| t.starts_with("gho_"))
    );
    assert!(
        tokens.get("id").is_none(),
        "there is no ID token: {tokens:?}"
    );

    let authorize = only(&app, "/login/oauth/authorize");
    assert_eq!(authorize.param("scope"), Some("read:user user:email"));
    assert_eq!(authorize.param("code_challenge_method"), Some("S256"));
    assert_eq!(authorize.param("prompt"), Some("select_account"));
    assert_eq!(authorize.param("nonce"), None);
    let token = only(&app, "/login/oauth/access_token");
    assert_eq!(token.auth_scheme, None, "GitHub's preset posts the secret");
    assert!(token.param("client_secret").is_some());
    assert!(token.param("code_verifier").is_some());
    assert_eq!(only(&app, "/user").auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(app.idp().requests_to("/user/emails").len(), 0);
    assert!(
        app.idp()
            .requests()
            .iter()
            .all(|r| !r.path.contains("well-known") && !r.path.contains("jwks")),
        "nothing to discover"
    );
}

#[tokio::test]
async fn the_private_email_user_gets_the_primary_verified_address() {
    let (app, user) = logged_in("client_kwargs = { login = \"alan-turing\" }\n").await;
    assert_eq!(
        claims(&user),
        json!({
            "is_logged_in": true,
            "provider": "dev",
            "sub": "91219120",
            "email": "alan@example.com",
            "email_verified": true,
            "name": "alan-turing",
            "preferred_username": "alan-turing",
            "picture": "https://avatars.githubusercontent.com/u/91219120?v=4",
            "profile": "https://github.com/alan-turing",
        })
    );
    assert_eq!(
        only(&app, "/login/oauth/authorize").param("login"),
        Some("alan-turing"),
        "client_kwargs are sent"
    );
    assert_eq!(
        only(&app, "/login/oauth/authorize").param("scope"),
        Some("read:user user:email"),
        "the preset's scope, with client_kwargs that set none"
    );
    assert_eq!(
        only(&app, "/user/emails").auth_scheme.as_deref(),
        Some("Bearer")
    );
}

#[tokio::test]
async fn no_token_is_exposed_unless_asked_and_logout_is_local() {
    let app = TestApp::with(Setup {
        expose: "[]",
        ..github("")
    })
    .await;
    app.login("provider=dev").await;
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["tokens"], json!({}));
    let logout = app.logout().await;
    assert_eq!(logout.status(), 303);
    assert_eq!(
        logout.headers()["location"],
        "/",
        "no provider logout endpoint"
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

#[tokio::test]
async fn a_denial_at_github_reaches_the_app_as_a_login_failure() {
    let app = TestApp::with(github("")).await;
    let (tx, authorize) = start_login(&app, "provider=dev&return_to=/reports").await;
    // The user clicks "Deny" on the provider's page: its decide route with no user.
    let mut deny = url::Url::parse(&authorize).expect("url");
    deny.set_path("/login/oauth/authorize/decide");
    deny.query_pairs_mut().append_pair("user", "");
    let back = location(&app.bare().get(deny).send().await.expect("deny"));
    assert!(back.contains("error=access_denied"), "{back}");
    let response = callback_with(&app, &back, &tx).await;
    assert_eq!(response.headers()["location"], "/reports");
    assert!(!sets_identity(&response));
    assert_eq!(
        failure_after(&app, &response),
        Some(LoginFailure::Denied {
            error: "access_denied".into(),
            description: Some("The user has denied your application access.".into()),
        })
    );
    assert_eq!(app.idp().requests_to("/login/oauth/access_token").len(), 0);
}

#[tokio::test]
async fn a_replayed_callback_is_refused_before_any_provider_call() {
    let app = TestApp::with(github("")).await;
    let (tx, authorize) = start_login(&app, "provider=dev&return_to=/reports").await;
    let url = location(&app.bare().get(&authorize).send().await.expect("authorize"));
    assert!(sets_identity(&callback_with(&app, &url, &tx).await));
    for _ in 0..3 {
        let replay = callback_with(&app, &url, &tx).await;
        assert!(!sets_identity(&replay));
        assert_eq!(
            failure_after(&app, &replay),
            Some(LoginFailure::UnknownOrExpiredLogin)
        );
    }
    assert_eq!(app.idp().requests_to("/login/oauth/access_token").len(), 1);
    assert_eq!(app.idp().requests_to("/user").len(), 1);
}

#[tokio::test]
async fn a_refused_code_and_a_failing_user_api_are_login_failures() {
    use doorman_devidp::{Endpoint, Misbehavior};
    let app = TestApp::with(github("")).await;
    app.idp()
        .misbehave(Misbehavior::Failing(Endpoint::Userinfo));
    app.login("provider=dev").await;
    assert_eq!(
        app.failure().await,
        r#"ProviderUnavailable { provider: "dev" }"#
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
    app.idp().behave();

    // A code GitHub refuses (here: one someone else redeemed first) is Rejected: GitHub
    // answers with status 200 and an `error`.
    let (tx, authorize) = start_login(&app, "provider=dev&return_to=/reports").await;
    let url = location(&app.bare().get(&authorize).send().await.expect("authorize"));
    let code = url::Url::parse(&url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let form = [
        ("client_id", "app"),
        ("client_secret", app::CLIENT_SECRET),
        ("code", code.as_str()),
    ];
    app.bare()
        .post(format!("http://{}/login/oauth/access_token", app.idp.addr))
        .form(&form)
        .send()
        .await
        .expect("steal the code");
    let response = callback_with(&app, &url, &tx).await;
    assert!(!sets_identity(&response));
    assert_eq!(
        failure_after(&app, &response),
        Some(LoginFailure::Rejected {
            provider: "dev".into()
        })
    );
}

#[tokio::test]
async fn discover_reports_a_plain_oauth2_provider_and_fetches_nothing() {
    let app = TestApp::with(github("")).await;
    let found = app.auth.discover().await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "dev");
    match found[0].outcome.as_ref().expect("nothing to fail") {
        Discovered::PlainOAuth2 { user_api, .. } => {
            assert_eq!(user_api.as_str(), format!("http://{}/user", app::IDP));
        }
        other => panic!("a plain OAuth 2.0 provider reported as {other:?}"),
    }
    assert!(app.idp().requests().is_empty(), "no request made");
}

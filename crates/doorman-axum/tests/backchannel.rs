//! Sessions ended before their cookie expires, through the adapter: the provider's
//! back-channel logout (by its session `sid`, or every session of a user), "log out
//! everywhere", and a logout that a copy of the cookie does not survive.

mod app;

use std::time::Duration;

use app::{Browser, Setup, TestApp, set_cookies};
use doorman_devidp::Misbehavior;
use serde_json::Value;

/// Logs `browser` in at `app` and returns what the app sees of the user.
async fn log_in(app: &TestApp, browser: &Browser) -> Value {
    browser.follow(&app.url("/auth/login?provider=dev")).await;
    let user = app.user_json_of(browser).await;
    assert_eq!(user["is_logged_in"], true);
    user
}

/// Posts `token` to the back-channel logout route, as the provider's server would.
async fn post_logout_token(app: &TestApp, token: &str) -> app::Response {
    app.bare()
        .post(app.url("/auth/backchannel-logout"))
        .form(&[("logout_token", token)])
        .send()
        .await
        .expect("post")
}

/// A logout token from the provider for `user` (its `sid` when `by_session`).
fn logout_token(app: &TestApp, user: &Value, by_session: bool) -> String {
    let sid = by_session.then(|| user["sid"].as_str().expect("a sid claim"));
    app.idp()
        .logout_token(
            "app",
            user["sub"].as_str().expect("sub"),
            sid,
            app.clock.now(),
        )
        .expect("a registered client and user")
}

#[tokio::test]
async fn the_providers_logout_of_a_session_ends_it_and_only_it() {
    let app = TestApp::start().await;
    let here = log_in(&app, &app.client).await;
    app.clock.advance(Duration::from_secs(1));
    let elsewhere = app.browser();
    let other = log_in(&app, &elsewhere).await;
    assert_ne!(here["sid"], other["sid"], "two provider sessions");

    let response = post_logout_token(&app, &logout_token(&app, &here, true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");

    let after = app.get("/user.json").await;
    assert!(
        set_cookies(&after)
            .iter()
            .any(|c| c.starts_with("doorman_user=;") && c.contains("Max-Age=0")),
        "the ended session's cookie is deleted"
    );
    assert_eq!(after.json().expect("json")["is_logged_in"], false);
    assert_eq!(
        app.user_json_of(&elsewhere).await["is_logged_in"],
        true,
        "the other provider session lives on"
    );
}

#[tokio::test]
async fn the_providers_logout_of_a_user_ends_every_session_of_the_user() {
    let app = TestApp::start().await;
    let here = log_in(&app, &app.client).await;
    app.clock.advance(Duration::from_secs(1));
    let elsewhere = app.browser();
    log_in(&app, &elsewhere).await;
    let response = post_logout_token(&app, &logout_token(&app, &here, false)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.user_json().await["is_logged_in"], false);
    assert_eq!(app.user_json_of(&elsewhere).await["is_logged_in"], false);
    app.clock.advance(Duration::from_secs(1));
    log_in(&app, &app.client).await;
}

#[tokio::test]
async fn a_logout_token_is_used_once() {
    let app = TestApp::start().await;
    let user = log_in(&app, &app.client).await;
    let token = logout_token(&app, &user, true);
    assert_eq!(post_logout_token(&app, &token).await.status(), 200);
    let replayed = post_logout_token(&app, &token).await;
    assert_eq!(replayed.status(), 400);
    let body: Value = replayed.json().expect("json");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "the logout token was used before"
    );
}

/// Every rule of Back-Channel Logout 1.0 §2.6 broken: `400` with the rule, and the user is
/// still logged in.
#[tokio::test]
async fn each_refused_logout_token_is_a_400_naming_the_rule_and_logs_no_one_out() {
    let cases = [
        (
            Misbehavior::WrongIssuer,
            "no configured provider issued the logout token",
        ),
        (Misbehavior::WrongAudience, "`aud`"),
        (Misbehavior::Expired, "`iat`"),
        (Misbehavior::IssuedInFuture, "`iat`"),
        (Misbehavior::BadSignature, "signature"),
        (Misbehavior::AlgNone, "asymmetric algorithms"),
        (
            Misbehavior::Hs256SignedWithPublicKey,
            "asymmetric algorithms",
        ),
        (Misbehavior::LogoutTokenWithNonce, "`nonce`"),
        (Misbehavior::LogoutTokenWithoutEvents, "`events`"),
        (
            Misbehavior::LogoutTokenWithoutSidOrSub,
            "neither `sid` nor `sub`",
        ),
        (Misbehavior::LogoutTokenWithoutJti, "`jti`"),
        (Misbehavior::LogoutTokenWrongType, "`typ`"),
    ];
    for (misbehavior, rule) in cases {
        let app = TestApp::start().await;
        let user = log_in(&app, &app.client).await;
        app.idp().misbehave(misbehavior.clone());
        let response = post_logout_token(&app, &logout_token(&app, &user, true)).await;
        assert_eq!(response.status(), 400, "{misbehavior:?}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().expect("json");
        assert_eq!(body["error"], "invalid_request", "{misbehavior:?}");
        let description = body["error_description"].as_str().expect("description");
        assert!(description.contains(rule), "{misbehavior:?}: {description}");
        app.idp().behave();
        assert_eq!(
            app.user_json().await["is_logged_in"],
            true,
            "{misbehavior:?}"
        );
    }
}

#[tokio::test]
async fn garbage_and_a_missing_token_are_400s() {
    let app = TestApp::start().await;
    for body in [
        &[][..],
        &[("logout_token", "")][..],
        &[("logout_token", "not.a.jwt")][..],
    ] {
        let response = app
            .bare()
            .post(app.url("/auth/backchannel-logout"))
            .form(body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 400, "{body:?}");
    }
}

#[tokio::test]
async fn log_out_everywhere_ends_the_users_other_sessions_from_the_apps_own_pages() {
    let app = TestApp::start().await;
    log_in(&app, &app.client).await;
    app.clock.advance(Duration::from_secs(1));
    let elsewhere = app.browser();
    log_in(&app, &elsewhere).await;
    let token = app.logout_token().await;
    let refused = app
        .client
        .post(app.url("/auth/logout-everywhere"))
        .header("origin", "https://evil.example")
        .form(&[("doorman_logout", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403);
    let without_token = app
        .client
        .post(app.url("/auth/logout-everywhere"))
        .header("origin", format!("http://{}", app.addr))
        .send()
        .await
        .expect("post");
    assert_eq!(without_token.status(), 403);
    assert_eq!(app.user_json_of(&elsewhere).await["is_logged_in"], true);
    let done = app
        .client
        .post(app.url("/auth/logout-everywhere"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("doorman_logout", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(done.status(), 303);
    assert_eq!(app.user_json().await["is_logged_in"], false);
    assert_eq!(app.user_json_of(&elsewhere).await["is_logged_in"], false);
}

#[tokio::test]
async fn a_copy_of_the_cookie_does_not_survive_its_logout() {
    let app = TestApp::start().await;
    log_in(&app, &app.client).await;
    let url = url::Url::parse(&app.url("/user.json")).expect("url");
    let copy = app.client.cookie_header(&url).expect("cookies");
    assert_eq!(app.seen_with_cookie(&copy).await["is_logged_in"], true);
    assert_eq!(app.logout().await.status(), 303);
    assert_eq!(app.seen_with_cookie(&copy).await["is_logged_in"], false);
}

/// The revocation list is this process's own, and outlives no cookie: an entry ends with
/// the longest cookie lifetime.
#[tokio::test]
async fn a_revocation_lasts_as_long_as_the_cookies_it_refuses() {
    let app = TestApp::with(Setup {
        shared_secrets: "cookie_lifetime = \"1h\"".into(),
        ..Setup::default()
    })
    .await;
    log_in(&app, &app.client).await;
    let url = url::Url::parse(&app.url("/user.json")).expect("url");
    let copy = app.client.cookie_header(&url).expect("cookies");
    app.logout().await;
    app.clock.advance(Duration::from_secs(3_599));
    assert_eq!(app.seen_with_cookie(&copy).await["is_logged_in"], false);
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(
        app.seen_with_cookie(&copy).await["is_logged_in"],
        false,
        "the cookie itself expired with the revocation"
    );
}

/// A logout and a new login in the same second: the new session is not the one revoked.
#[tokio::test]
async fn logging_in_again_at_once_after_a_logout_works() {
    let app = TestApp::start().await;
    log_in(&app, &app.client).await;
    assert_eq!(app.logout().await.status(), 303);
    log_in(&app, &app.client).await;
}

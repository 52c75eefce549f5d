//! Token refresh through the adapter, on a virtual clock, against the development provider
//! (refresh tokens with `offline_access`, rotated on every use, a spent one revoking its
//! family): a session is renewed before its access token expires, once however many requests
//! ask, and ends visibly when the provider will not renew it.

mod app;

use std::time::Duration;

use app::{Setup, TestApp, set_cookies};
use doorman_devidp::Misbehavior;
use serde_json::Value;

/// Access tokens of five minutes; sessions renewed in their last minute.
const LIFETIME: Duration = Duration::from_secs(300);

fn refreshing() -> Setup {
    Setup {
        extra_secrets: "client_kwargs = { scope = \"openid profile email offline_access\" }".into(),
        access_token_lifetime: Some(LIFETIME),
        ..Setup::default()
    }
}

async fn logged_in(setup: Setup) -> (TestApp, Value) {
    let app = TestApp::with(setup).await;
    app.login("provider=dev").await;
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true);
    (app, user)
}

/// The `Cookie` header `app`'s browser sends now: what a second tab would send.
fn identity_cookie(app: &TestApp) -> String {
    let url = url::Url::parse(&app.url("/user.json")).expect("url");
    app.client
        .cookie_header(&url)
        .expect("the browser's cookies")
}

#[tokio::test]
async fn a_session_is_renewed_in_the_last_minute_of_its_access_token_not_before() {
    let (app, before) = logged_in(refreshing()).await;
    app.clock.advance(Duration::from_secs(200));
    assert_eq!(
        app.user_json().await["tokens"]["access"],
        before["tokens"]["access"]
    );
    assert_eq!(app.idp().refresh_grants(), 0, "not due yet");
    app.clock.advance(Duration::from_secs(45));
    let after = app.user_json().await;
    assert_eq!(app.idp().refresh_grants(), 1);
    assert_eq!(after["is_logged_in"], true);
    assert_ne!(after["tokens"]["access"], before["tokens"]["access"]);
    assert_ne!(
        after["tokens"]["id"], before["tokens"]["id"],
        "a new ID token"
    );
    assert!(
        after["tokens"]["expires_at"].as_u64() > before["tokens"]["expires_at"].as_u64(),
        "{after}"
    );
    assert_ne!(
        after["iat"], before["iat"],
        "the claims are the new ID token's"
    );
    assert_eq!(after["sub"], before["sub"]);
    let spent = app
        .idp()
        .requests_to("/token")
        .into_iter()
        .find_map(|r| r.param("refresh_token").map(str::to_owned))
        .expect("the refresh request");
    assert!(
        !after.to_string().contains(&spent),
        "the refresh token is never shown"
    );
}

#[tokio::test]
async fn rotated_refresh_tokens_keep_a_session_alive_for_hours() {
    let (app, _) = logged_in(refreshing()).await;
    for round in 1..=12 {
        app.clock.advance(Duration::from_secs(250));
        let user = app.user_json().await;
        assert_eq!(user["is_logged_in"], true, "round {round}");
        assert_eq!(app.idp().refresh_grants(), round);
    }
    assert_eq!(
        app.idp().revoked_families(),
        0,
        "no refresh token was used twice"
    );
}

#[tokio::test]
async fn a_provider_that_does_not_rotate_keeps_the_old_refresh_token_working() {
    let (app, _) = logged_in(refreshing()).await;
    app.idp()
        .misbehave(Misbehavior::RefreshWithoutNewRefreshToken);
    for round in 1..=3 {
        app.clock.advance(Duration::from_secs(250));
        assert_eq!(app.user_json().await["is_logged_in"], true, "round {round}");
        assert_eq!(app.idp().refresh_grants(), round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_requests_spend_the_refresh_token_once() {
    let (app, _) = logged_in(refreshing()).await;
    let cookie = identity_cookie(&app);
    app.clock.advance(Duration::from_secs(250));
    let browser = app.bare();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let request = browser.get(app.url("/user.json")).header("cookie", &cookie);
        requests.spawn(async move { request.send().await.expect("request") });
    }
    let mut renewed = 0;
    while let Some(response) = requests.join_next().await {
        let response = response.expect("task");
        renewed += usize::from(
            set_cookies(&response)
                .iter()
                .any(|c| c.starts_with("doorman_user=") && !c.starts_with("doorman_user=;")),
        );
        let user: Value = response.json().expect("json");
        assert_eq!(user["is_logged_in"], true);
    }
    assert_eq!(
        app.idp().refresh_grants(),
        1,
        "one token call for fifty requests"
    );
    assert_eq!(renewed, 50, "each response carries the renewed cookie");
    assert_eq!(app.idp().revoked_families(), 0);
}

#[tokio::test]
async fn the_pre_refresh_cookie_within_the_grace_window_gets_the_refreshed_session() {
    let (app, _) = logged_in(refreshing()).await;
    let old_cookie = identity_cookie(&app);
    app.clock.advance(Duration::from_secs(250));
    let renewed = app.user_json().await;
    assert_eq!(app.idp().refresh_grants(), 1);
    app.clock.advance(Duration::from_secs(30));
    let late = app.seen_with_cookie(&old_cookie).await;
    assert_eq!(late["tokens"]["access"], renewed["tokens"]["access"]);
    assert_eq!(
        app.idp().refresh_grants(),
        1,
        "no second use of the spent token"
    );
    assert_eq!(app.idp().revoked_families(), 0);
}

#[tokio::test]
async fn a_refused_refresh_token_ends_the_session_visibly() {
    let (app, _) = logged_in(refreshing()).await;
    app.idp().misbehave(Misbehavior::RefreshInvalidGrant);
    app.clock.advance(Duration::from_secs(250));
    let response = app.get("/failure").await;
    assert!(
        set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("doorman_user=;") && c.contains("Max-Age=0")),
        "the identity cookie is deleted: {:?}",
        set_cookies(&response)
    );
    assert_eq!(
        response.text().expect("text"),
        r#"SessionExpired { provider: "dev" }"#
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

/// Each Core §12.2 rule a refreshed ID token breaks ends the session with a visible failure.
#[tokio::test]
async fn a_refreshed_answer_breaking_core_12_2_ends_the_session() {
    for case in [
        Misbehavior::RefreshOtherSubject,
        Misbehavior::RefreshOtherIssuer,
        Misbehavior::RefreshAuthTimeChanged,
    ] {
        let (app, _) = logged_in(refreshing()).await;
        app.idp().misbehave(case.clone());
        app.clock.advance(Duration::from_secs(250));
        assert_eq!(
            app.failure().await,
            r#"Rejected { provider: "dev" }"#,
            "{case:?}"
        );
        assert_eq!(app.user_json().await["is_logged_in"], false, "{case:?}");
    }
}

#[tokio::test]
async fn a_refresh_without_an_id_token_keeps_the_claims_and_renews_the_access_token() {
    let (app, before) = logged_in(refreshing()).await;
    app.idp().misbehave(Misbehavior::RefreshWithoutIdToken);
    app.clock.advance(Duration::from_secs(250));
    let after = app.user_json().await;
    assert_eq!(app.idp().refresh_grants(), 1);
    assert_ne!(after["tokens"]["access"], before["tokens"]["access"]);
    assert_eq!(after["tokens"]["id"], before["tokens"]["id"]);
    assert_eq!(after["iat"], before["iat"]);
}

/// A provider that is down keeps the session, asks again only after a backoff, and once the
/// access token has expired says so instead of presenting it as fresh.
#[tokio::test]
async fn a_provider_that_is_down_keeps_the_session_and_reports_expired_tokens() {
    for case in [Misbehavior::RefreshServerError, Misbehavior::RefreshGarbage] {
        let (app, before) = logged_in(refreshing()).await;
        app.idp().misbehave(case.clone());
        app.clock.advance(Duration::from_secs(250));
        let kept = app.user_json().await;
        assert_eq!(kept["is_logged_in"], true, "{case:?}");
        assert_eq!(kept["tokens"]["access"], before["tokens"]["access"]);
        let attempts = app.idp().requests_to("/token").len();
        app.clock.advance(Duration::from_secs(2));
        app.user_json().await;
        assert_eq!(
            app.idp().requests_to("/token").len(),
            attempts,
            "{case:?}: no new attempt within the backoff"
        );
        app.clock.advance(Duration::from_secs(60));
        let expired = app.user_json().await;
        assert_eq!(
            expired["is_logged_in"], true,
            "{case:?}: the session lives on"
        );
        let expires_at = expired["tokens"]["expires_at"].as_u64().expect("expiry");
        let now = app
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        assert!(expires_at <= now, "{case:?}: reported as expired");
        assert!(
            app.idp().requests_to("/token").len() > attempts,
            "{case:?}: asked again after the backoff"
        );
        app.idp().behave();
        app.clock.advance(Duration::from_secs(120));
        let back = app.user_json().await;
        assert_ne!(
            back["tokens"]["access"], before["tokens"]["access"],
            "{case:?}"
        );
    }
}

#[tokio::test]
async fn a_manual_refresh_is_same_origin_only_and_returns_where_asked() {
    let (app, before) = logged_in(refreshing()).await;
    let refused = app
        .client
        .post(app.url("/auth/refresh"))
        .header("origin", "https://evil.example")
        .form(&[("return_to", "/reports")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403);
    assert_eq!(app.idp().refresh_grants(), 0);
    let renewed = app
        .client
        .post(app.url("/auth/refresh"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("return_to", "/reports")])
        .send()
        .await
        .expect("post");
    assert_eq!(renewed.status(), 303);
    assert_eq!(renewed.headers()["location"], "/reports");
    assert_eq!(app.idp().refresh_grants(), 1, "not due, renewed on request");
    let after = app.user_json().await;
    assert_ne!(after["tokens"]["access"], before["tokens"]["access"]);
    let elsewhere = app
        .client
        .post(app.url("/auth/refresh"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("return_to", "https://evil.example/")])
        .send()
        .await
        .expect("post");
    assert_eq!(
        elsewhere.headers()["location"],
        "/",
        "an unsafe return is home"
    );
}

#[tokio::test]
async fn the_refresh_intent_leads_to_the_page_that_renews_from_the_apps_own_pages() {
    let (app, _) = logged_in(refreshing()).await;
    let response = app.get("/renew?tab=2").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/auth/refresh?return_to=%2Frenew%3Ftab%3D2"
    );
    let page = |site: &'static str| {
        app.client
            .get(app.url("/auth/refresh?return_to=%2Freports"))
            .header("sec-fetch-site", site)
            .send()
    };
    let own = page("same-origin").await.expect("page");
    let own_text = own.text().expect("text");
    assert!(own_text.contains(".submit()"), "{own_text}");
    assert!(own_text.contains(r#"value="/reports""#), "{own_text}");
    let other = page("cross-site").await.expect("page");
    assert_eq!(other.headers()["x-frame-options"], "DENY");
    assert!(!other.text().expect("text").contains("<script"));
}

#[tokio::test]
async fn without_offline_access_there_is_nothing_to_refresh() {
    let (app, before) = logged_in(Setup {
        access_token_lifetime: Some(LIFETIME),
        ..Setup::default()
    })
    .await;
    app.clock.advance(Duration::from_secs(400));
    let after = app.user_json().await;
    assert_eq!(
        after["is_logged_in"], true,
        "the session outlives its access token"
    );
    assert_eq!(after["tokens"]["access"], before["tokens"]["access"]);
    assert_eq!(app.idp().requests_to("/token").len(), 1, "the login's only");
}

/// Bound to the ID token, a session that refreshes lives on with each new ID token, up to
/// its lifetime from the login.
#[tokio::test]
async fn a_session_bound_to_the_id_token_lives_on_with_each_refreshed_one() {
    let (app, _) = logged_in(Setup {
        extra_secrets: "client_kwargs = { scope = \"openid profile email offline_access\" }\nbound_to_id_token = true\ncookie_lifetime = \"2h\""
            .into(),
        access_token_lifetime: Some(LIFETIME),
        ..Setup::default()
    })
    .await;
    // The first ID token lives an hour: well past it, the session lives on.
    for round in 1..=20 {
        app.clock.advance(Duration::from_secs(250));
        assert_eq!(app.user_json().await["is_logged_in"], true, "round {round}");
    }
    // Past the two hours of `cookie_lifetime`, counted from the login, it ends.
    for _ in 0..10 {
        app.clock.advance(Duration::from_secs(250));
        app.user_json().await;
    }
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

/// The allow-lists hold for every renewal: a user the directory takes out of the allowed
/// group is logged out at the next refresh, with the refusal shown.
#[tokio::test]
async fn a_user_no_longer_allowed_is_logged_out_at_the_next_refresh() {
    let app = TestApp::with(Setup {
        extra_secrets: "client_kwargs = { scope = \"openid profile email offline_access\" }".into(),
        access_token_lifetime: Some(LIFETIME),
        groups: 1,
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    let user = app.user_json().await;
    let group = user["groups"][0].as_str().expect("a group").to_owned();
    let allowed = TestApp::with(Setup {
        extra_secrets: format!(
            "client_kwargs = {{ scope = \"openid profile email offline_access\" }}\nallowed_groups = [\"{group}\"]"
        ),
        access_token_lifetime: Some(LIFETIME),
        groups: 1,
        ..Setup::default()
    })
    .await;
    allowed.login("provider=dev").await;
    let sub = allowed.user_json().await["sub"]
        .as_str()
        .expect("sub")
        .to_owned();
    allowed.clock.advance(Duration::from_secs(250));
    assert_eq!(
        allowed.user_json().await["is_logged_in"],
        true,
        "still in the group"
    );
    let mut left = serde_json::Map::new();
    left.insert("groups".into(), serde_json::json!([]));
    allowed.idp().update_user_claims(&sub, left);
    allowed.clock.advance(Duration::from_secs(250));
    let failure = allowed.failure().await;
    assert!(failure.starts_with("NotAllowed"), "{failure}");
    assert_eq!(allowed.user_json().await["is_logged_in"], false);
}

//! Login, the identity cookie, other tabs, logout, return paths, failures: through the real
//! router and a browser's cookie jar, against the development provider, in process and on
//! virtual time.

mod app;

use app::{Setup, TestApp, set_cookies, through_provider};
use doorman_devidp::{Endpoint, Misbehavior};
use serde_json::json;

#[tokio::test]
async fn a_full_login_logs_in_and_the_app_sees_streamlits_keys() {
    let app = TestApp::start().await;
    assert_eq!(app.user_json().await, json!({"is_logged_in": false}));
    let (visited, last) = app.login("provider=dev&return_to=/reports").await;
    assert_eq!(last.text().expect("text"), "reports");
    let authorize = url::Url::parse(&visited[1]).expect("url");
    let params: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "app");
    assert_eq!(params["scope"], "openid profile email");
    assert_eq!(params["prompt"], "select_account");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params.contains_key("state") && params.contains_key("nonce"));
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["provider"], "dev");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["sub"], "ada");
    assert!(
        user["tokens"]["id"]
            .as_str()
            .is_some_and(|t| t.starts_with("ey"))
    );
    assert!(user["tokens"]["access"].is_string());
    assert_eq!(app.idp().requests_to("/userinfo").len(), 1);
}

#[tokio::test]
async fn another_tab_with_the_same_jar_is_logged_in() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let other_tab = app.client.clone();
    assert_eq!(app.user_json_of(&other_tab).await["is_logged_in"], true);
    let stranger = app.browser();
    assert_eq!(app.user_json_of(&stranger).await["is_logged_in"], false);
}

#[tokio::test]
async fn only_exposed_tokens_are_kept() {
    let app = TestApp::with(Setup {
        expose: "\"id\"",
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    let user = app.user_json().await;
    assert!(user["tokens"]["id"].is_string());
    assert!(user["tokens"].get("access").is_none());
}

#[tokio::test]
async fn the_callback_sets_the_identity_cookie_deletes_the_transaction_and_forbids_caching() {
    let app = TestApp::start().await;
    let login = app.get("/auth/login?provider=dev").await;
    let tx = set_cookies(&login);
    assert_eq!(tx.len(), 1);
    assert!(tx[0].starts_with("doorman_tx_"), "{tx:?}");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let response = through_provider(&app.client, &login).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let cookies = set_cookies(&response);
    let identity = cookies
        .iter()
        .find(|c| c.starts_with("doorman_user="))
        .expect("identity cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(identity.contains(attribute), "{identity}");
    }
    assert!(!identity.contains("Secure"), "http redirect_uri: no Secure");
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("doorman_tx_") && c.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn replaying_the_callback_is_refused_and_the_app_sees_why() {
    let app = TestApp::start().await;
    let (visited, _) = app.login("provider=dev").await;
    let callback = visited
        .iter()
        .find(|u| u.contains("/oauth2callback"))
        .expect("callback")
        .clone();
    let fresh = app.browser();
    let (_, _) = fresh.follow(&callback).await;
    let failure = fresh
        .get(app.url("/failure"))
        .send()
        .await
        .expect("get")
        .text()
        .expect("text");
    assert_eq!(failure, "UnknownOrExpiredLogin");
    let (_, _) = app.follow(&callback).await;
    assert_eq!(app.failure().await, "UnknownOrExpiredLogin");
    assert_eq!(
        app.idp().requests_to("/token").len(),
        1,
        "the replay redeems nothing"
    );
}

#[tokio::test]
async fn a_login_failure_is_shown_once() {
    let app = TestApp::start().await;
    app.idp().misbehave(Misbehavior::WrongIssuer);
    app.login("provider=dev").await;
    assert_eq!(app.failure().await, "Rejected { provider: \"dev\" }");
    assert_eq!(app.failure().await, "none", "cleared once shown");
}

/// The layer's per-request scope is there on every poll, not only the first.
#[tokio::test]
async fn a_login_failure_read_after_a_wait_is_shown_once() {
    let app = TestApp::start().await;
    app.idp().misbehave(Misbehavior::WrongIssuer);
    app.login("provider=dev").await;
    for expected in ["Rejected { provider: \"dev\" }", "none"] {
        let page = app.get("/failure-after-a-wait").await;
        assert_eq!(page.text().expect("text"), expected);
    }
}

/// Without the layer, what needs it is a loud 500 that says how to add it.
#[tokio::test]
async fn without_the_layer_user_login_and_logout_answer_500_naming_it() {
    use axum::response::IntoResponse;
    use tower::ServiceExt as _;
    let router = axum::Router::new()
        .route(
            "/user",
            axum::routing::get(|user: doorman_axum::User| async move {
                user.is_logged_in().to_string()
            }),
        )
        .route(
            "/login",
            axum::routing::get(|| async { doorman_axum::login(None).into_response() }),
        )
        .route(
            "/logout",
            axum::routing::get(|| async { doorman_axum::logout().into_response() }),
        );
    for path in ["/user", "/login", "/logout"] {
        let request = http::Request::get(path)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), 500, "{path}");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(".layer(auth.layer())"), "{path}: {text}");
    }
}

#[tokio::test]
async fn access_denied_reaches_the_app_and_sets_no_identity() {
    let app = TestApp::start().await;
    let login = app.get("/auth/login?provider=dev&return_to=/reports").await;
    let authorize =
        url::Url::parse(login.headers()["location"].to_str().expect("ascii")).expect("url");
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("state")
        .1
        .into_owned();
    let iss = format!("http://{}", app.idp.addr);
    let callback = url::Url::parse_with_params(
        &app.url("/oauth2callback"),
        &[
            ("error", "access_denied"),
            ("error_description", "The user said no"),
            ("state", &state),
            ("iss", &iss),
        ],
    )
    .expect("url");
    let response = app.client.get(callback).send().await.expect("callback");
    assert_eq!(
        response.headers()["location"],
        "/reports",
        "back where the user was"
    );
    assert!(
        !set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("doorman_user="))
    );
    assert_eq!(
        app.failure().await,
        "Denied { error: \"access_denied\", description: Some(\"The user said no\") }"
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

#[tokio::test]
async fn two_parallel_logins_in_one_browser_both_complete() {
    let app = TestApp::start().await;
    let first = app.get("/auth/login?provider=dev&return_to=/reports").await;
    let second = app.get("/auth/login?provider=dev").await;
    let second_done = through_provider(&app.client, &second).await;
    assert_eq!(second_done.headers()["location"], "/");
    let first_done = through_provider(&app.client, &first).await;
    assert_eq!(first_done.headers()["location"], "/reports");
    assert_eq!(app.failure().await, "none");
    assert_eq!(app.user_json().await["is_logged_in"], true);
}

#[tokio::test]
async fn return_to_keeps_same_origin_paths_and_refuses_the_rest() {
    let app = TestApp::start().await;
    for (return_to, expected) in [
        ("/reports?x=1", "/reports?x=1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("%2F%5Cevil.example", "/"),
        ("https:%2F%2Fevil.example", "/"),
    ] {
        let (visited, _) = app
            .login(&format!("provider=dev&return_to={return_to}"))
            .await;
        let last = url::Url::parse(visited.last().expect("visited")).expect("url");
        let path = match last.query() {
            Some(q) => format!("{}?{q}", last.path()),
            None => last.path().to_owned(),
        };
        assert_eq!(last.host_str(), Some(app::APP), "{return_to}");
        assert_eq!(path, expected, "{return_to}");
    }
}

#[tokio::test]
async fn an_unknown_provider_is_a_clear_400() {
    let app = TestApp::start().await;
    let response = app.get("/auth/login?provider=nope").await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let text = response.text().expect("text");
    assert!(text.contains("\"nope\""), "{text}");
}

#[tokio::test]
async fn no_provider_means_the_default_provider() {
    let app = TestApp::with(Setup {
        extra_secrets: String::new(),
        ..Setup::default()
    })
    .await;
    // This configuration has only `dev`; st.login() without a name asks for `default`.
    let response = app.get("/auth/login").await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .expect("text")
            .contains("default authentication provider")
    );
}

#[tokio::test]
async fn login_and_logout_can_be_returned_from_handlers() {
    let app = TestApp::start().await;
    let response = app.get("/start").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().expect("ascii");
    assert!(
        location.starts_with("/auth/login?provider=dev&return_to=%2Fstart"),
        "{location}"
    );
    // logout() leads to the logout page, which decides whether to submit itself.
    let bye = app.get("/bye").await;
    assert_eq!(bye.status(), 303);
    assert_eq!(bye.headers()["location"], "/auth/logout");
}

#[tokio::test]
async fn logout_clears_every_cookie_and_goes_to_the_providers_end_session() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let response = app.logout().await;
    assert_eq!(response.status(), 303);
    let cleared = set_cookies(&response);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("doorman_user=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let location =
        url::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    assert_eq!(location.path(), "/end_session");
    let params: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], "app");
    assert!(params["id_token_hint"].starts_with("ey"));
    assert_eq!(
        params["post_logout_redirect_uri"],
        format!("http://{}/auth/logged-out", app.addr)
    );
    assert!(params.contains_key("state"));
    let (visited, last) = app.follow(location.as_str()).await;
    assert!(
        visited.iter().any(|u| u.contains("/auth/logged-out")),
        "{visited:?}"
    );
    assert_eq!(last.text().expect("text"), "home");
    assert_eq!(app.user_json().await, json!({"is_logged_in": false}));
    assert_eq!(app.idp().requests_to("/end_session").len(), 1);
}

#[tokio::test]
async fn logout_cannot_be_triggered_cross_site() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    for origin in [Some("https://evil.example"), None] {
        let mut request = app.client.post(app.url("/auth/logout"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("post");
        assert_eq!(response.status(), 403, "{origin:?}");
    }
    let cross_site_fetch = app
        .client
        .post(app.url("/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site_fetch.status(), 403);
    assert_eq!(
        app.user_json().await["is_logged_in"],
        true,
        "still logged in"
    );
}

#[tokio::test]
async fn a_provider_down_at_login_is_reported_not_hung() {
    let app = TestApp::start().await;
    app.idp()
        .misbehave(Misbehavior::Failing(Endpoint::Discovery));
    let started = std::time::Instant::now();
    let (_, _) = app.login("provider=dev&return_to=/reports").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert_eq!(
        app.failure().await,
        "ProviderUnavailable { provider: \"dev\" }"
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

#[tokio::test]
async fn logins_in_flight_are_bounded_oldest_first() {
    let app = TestApp::start().await;
    let mut first_name = String::new();
    for i in 0..5 {
        let response = app.get("/auth/login?provider=dev").await;
        let cookies = set_cookies(&response);
        assert!(
            cookies.iter().all(|c| !c.contains("Max-Age=0")),
            "login {i} deletes nothing"
        );
        if i == 0 {
            first_name = cookies[0].split('=').next().expect("name").to_owned();
        }
        app.clock.advance(std::time::Duration::from_millis(1_100));
    }
    let sixth = app.get("/auth/login?provider=dev").await;
    let cookies = set_cookies(&sixth);
    let deleted: Vec<&String> = cookies.iter().filter(|c| c.contains("Max-Age=0")).collect();
    assert_eq!(deleted.len(), 1, "{cookies:?}");
    assert!(
        deleted[0].starts_with(&format!("{first_name}=;")),
        "the oldest goes: {deleted:?}"
    );
}

#[tokio::test]
async fn host_and_forwarded_headers_never_change_the_redirect_uri_or_origin() {
    let app = TestApp::start().await;
    let response = app
        .client
        .get(app.url("/auth/login?provider=dev"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("login");
    let authorize =
        url::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    let redirect_uri = authorize
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .expect("redirect_uri")
        .1
        .into_owned();
    assert_eq!(redirect_uri, format!("http://{}/oauth2callback", app.addr));
    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .header("origin", "https://evil.example")
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 403);
}

//! The security promises of `docs/security.md`, each tried as an attacker would, through
//! the real router: cross-site logout, cookie tossing, provider text, replayed and partial
//! callbacks, oversized sessions, `Set-Cookie` amplification, return-path tricks, secrets
//! in `Debug`.

mod app;

use app::{
    Setup, TestApp, callback_with, cookie_pair, failure_after, location, set_cookies,
    sets_identity, start_login,
};
use doorman_axum::{AuthOptions, LoginFailure};
use http::HeaderMap;
use serde_json::json;

/// The callback URL the provider sends the browser back to.
async fn approve(app: &TestApp, authorize: &str) -> String {
    location(&app.bare().get(authorize).send().await.expect("authorize"))
}

#[tokio::test]
async fn the_logout_page_submits_itself_only_for_the_apps_own_pages() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    for (fetch_site, submits) in [
        (Some("same-origin"), true),
        (Some("cross-site"), false),
        (Some("same-site"), false),
        (Some("none"), false),
        (None, false),
    ] {
        let mut request = app.client.get(app.url("/auth/logout"));
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.expect("page");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        assert_eq!(
            response.headers()["content-security-policy"],
            "frame-ancestors 'none'"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
        let page = response.text().expect("text");
        assert_eq!(page.contains("<script"), submits, "{fetch_site:?}: {page}");
        assert!(page.contains(r#"name="doorman_logout" value=""#), "{page}");
        assert_eq!(
            app.user_json().await["is_logged_in"],
            true,
            "{fetch_site:?}"
        );
    }
}

#[tokio::test]
async fn a_logout_post_without_the_sessions_token_does_not_log_out() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let other = TestApp::with(Setup {
        cookie_secret: "another-apps-cookie-secret-0123456789".to_owned(),
        ..Setup::default()
    })
    .await;
    other.login("provider=dev").await;
    let foreign_token = other.logout_token().await;
    let origin = format!("http://{}", app.addr);
    for body in [
        vec![],
        vec![("doorman_logout", "")],
        vec![("doorman_logout", "forged")],
        vec![("doorman_logout", foreign_token.as_str())],
    ] {
        let response = app
            .client
            .post(app.url("/auth/logout"))
            .header("origin", &origin)
            .form(&body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 403, "{body:?}");
        assert!(set_cookies(&response).is_empty());
        assert_eq!(app.user_json().await["is_logged_in"], true, "{body:?}");
    }
    // `Origin: null` (a page with `Referrer-Policy: no-referrer`) counts as no `Origin`:
    // only the browser's fetch metadata decides.
    let token = app.logout_token().await;
    for (fetch_site, status) in [("cross-site", 403), ("same-origin", 303)] {
        let response = app
            .client
            .post(app.url("/auth/logout"))
            .header("origin", "null")
            .header("sec-fetch-site", fetch_site)
            .form(&[("doorman_logout", token.as_str())])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), status, "{fetch_site}");
    }
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

#[tokio::test]
async fn planted_cookies_of_our_names_neither_lock_out_nor_show() {
    let app = TestApp::start().await;
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let done = callback_with(&app, &approve(&app, &authorize).await, &tx).await;
    let identity = set_cookies(&done)
        .iter()
        .find(|c| c.starts_with("doorman_user="))
        .map(|c| cookie_pair(c))
        .expect("identity");
    for planted in [
        format!("doorman_user=garbage; {identity}"),
        format!("{identity}; doorman_user=garbage"),
        format!("doorman_user=2.garbage; doorman_user_1=x; {identity}"),
        format!("{identity}; doorman_error=planted-text; doorman_error="),
    ] {
        let seen = app.seen_with_cookie(&planted).await;
        assert_eq!(seen["is_logged_in"], true, "{planted}");
        let mut headers = HeaderMap::new();
        headers.insert("cookie", planted.parse().expect("header"));
        assert_eq!(
            doorman_axum::testing::login_failure(&app.auth, &headers),
            None,
            "{planted}"
        );
    }
    // A junk identity cookie the app cannot delete (another domain's) does not stop a
    // fresh login: the new cookie is the one that opens.
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let done = callback_with(
        &app,
        &approve(&app, &authorize).await,
        &format!("doorman_user=junk; {tx}"),
    )
    .await;
    let fresh = set_cookies(&done)
        .iter()
        .find(|c| c.starts_with("doorman_user="))
        .map(|c| cookie_pair(c))
        .expect("identity");
    let seen = app
        .seen_with_cookie(&format!("doorman_user=junk; {fresh}"))
        .await;
    assert_eq!(seen["is_logged_in"], true);
}

#[tokio::test]
async fn provider_text_reaches_the_app_sanitised_and_never_in_the_message() {
    let app = TestApp::start().await;
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let state = url::Url::parse(&authorize)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let mut url = url::Url::parse(&app.url("/oauth2callback")).expect("url");
    let issuer = app
        .idp()
        .config()
        .issuer
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    url.query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("iss", &issuer)
        .append_pair("error", "access_denied")
        .append_pair(
            "error_description",
            "<script>alert(1)</script>\r\nlogged in user=admin\u{1b}[2J\u{202e}",
        );
    let response = callback_with(&app, url.as_str(), &tx).await;
    let failure = failure_after(&app, &response).expect("a failure");
    assert_eq!(failure.to_string(), "the login was cancelled or refused");
    let (error, description) = failure.untrusted_provider_text().expect("provider text");
    assert_eq!(error, "access_denied");
    assert_eq!(
        description,
        Some("<script>alert(1)</script>logged in user=admin[2J")
    );
    assert!(!sets_identity(&response));
}

#[tokio::test]
async fn a_replayed_callback_is_refused_before_any_provider_call() {
    let app = TestApp::start().await;
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let url = approve(&app, &authorize).await;
    assert!(sets_identity(&callback_with(&app, &url, &tx).await));
    for _ in 0..5 {
        let replay = callback_with(&app, &url, &tx).await;
        assert!(!sets_identity(&replay));
        assert_eq!(
            failure_after(&app, &replay),
            Some(LoginFailure::UnknownOrExpiredLogin)
        );
    }
    assert_eq!(app.idp().requests_to("/token").len(), 1);
}

#[tokio::test]
async fn a_partial_state_neither_finds_nor_cancels_the_login() {
    let app = TestApp::start().await;
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let url = approve(&app, &authorize).await;
    let mut parsed = url::Url::parse(&url).expect("url");
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    for cut in [12, 1, 0] {
        parsed
            .query_pairs_mut()
            .clear()
            .extend_pairs(pairs.iter().map(|(k, v)| {
                if k == "state" {
                    (k.as_str(), &v[..cut])
                } else {
                    (k.as_str(), v.as_str())
                }
            }));
        let response = callback_with(&app, parsed.as_str(), &tx).await;
        assert!(
            !set_cookies(&response)
                .iter()
                .any(|c| c.starts_with("doorman_tx_")),
            "state cut to {cut}: {:?}",
            set_cookies(&response)
        );
        assert!(!sets_identity(&response));
    }
    assert_eq!(app.idp().requests_to("/token").len(), 0);
    assert!(
        sets_identity(&callback_with(&app, &url, &tx).await),
        "the real callback still works"
    );
}

#[tokio::test]
async fn a_session_over_the_size_limit_is_a_visible_login_failure() {
    let app = TestApp::with(Setup {
        groups: 2_000,
        ..Setup::default()
    })
    .await;
    let (visited, _) = app.login("provider=dev&return_to=/reports").await;
    assert!(visited.last().expect("visited").ends_with("/reports"));
    assert_eq!(app.failure().await, "SessionTooLarge");
    assert_eq!(app.user_json().await, json!({"is_logged_in": false}));
}

#[tokio::test]
async fn a_request_stuffed_with_our_cookies_gets_a_bounded_response() {
    let app = TestApp::start().await;
    let mut cookie: Vec<String> = (0..2_000)
        .map(|i| format!("doorman_tx_{:0>22}=x", i))
        .collect();
    cookie.extend((1..1_000).map(|i| format!("doorman_user_{i}=x")));
    cookie.push("doorman_user=x; doorman_error=x".to_owned());
    let cookie = cookie.join("; ");
    let login = app
        .bare()
        .get(app.url("/auth/login?provider=dev"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 303);
    assert!(
        set_cookies(&login).len() <= 17,
        "{}",
        set_cookies(&login).len()
    );
    let logout = app
        .bare()
        .post(app.url("/auth/logout"))
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    let cleared = set_cookies(&logout);
    assert!((3..=16).contains(&cleared.len()), "{}", cleared.len());
    assert!(cleared[0].starts_with("doorman_user="), "identity first");
}

#[tokio::test]
async fn return_to_tricks_land_on_the_app_and_long_ones_fall_back() {
    let app = TestApp::start().await;
    for (return_to, lands_on) in [
        ("/.//evil.example", "/"),
        ("/%2e%2e//evil.example", "/"),
        ("/reports?x=\"<b>'", "/reports?x=%22%3Cb%3E%27"),
        ("/Zoë", "/Zo%C3%AB"),
    ] {
        let (tx, authorize) = start_login(
            &app,
            &format!(
                "provider=dev&return_to={}",
                url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
            ),
        )
        .await;
        let done = callback_with(&app, &approve(&app, &authorize).await, &tx).await;
        assert_eq!(location(&done), lands_on, "{return_to}");
    }
    let long = format!("/{}", "a".repeat(2_000));
    let login = app
        .bare()
        .get(app.url(&format!("/auth/login?provider=dev&return_to={long}")))
        .send()
        .await
        .expect("login");
    for line in set_cookies(&login) {
        assert!(line.len() < 4_096, "{} bytes", line.len());
    }
    let (tx, authorize) = start_login(&app, &format!("provider=dev&return_to={long}")).await;
    let done = callback_with(&app, &approve(&app, &authorize).await, &tx).await;
    assert_eq!(location(&done), "/");
    assert!(sets_identity(&done));
}

#[test]
fn auth_options_debug_shows_no_previous_cookie_secret() {
    let options =
        AuthOptions::default().previous_cookie_secrets(vec!["old-secret-4f1c9a".to_owned()]);
    let debug = format!("{options:?}");
    assert!(!debug.contains("old-secret-4f1c9a"), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}

/// A session that would end before it starts (a lifetime of zero here; in real life an ID
/// token at the end of its life with `bounded_by_id_token`) is a login failure that says the
/// provider's answer was refused, never "too much profile data" and never a silent redirect.
#[tokio::test]
async fn a_session_that_would_already_be_over_is_refused_visibly() {
    let app = TestApp::with(Setup {
        options: AuthOptions::default().cookie_lifetime(std::time::Duration::ZERO),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    assert_eq!(app.failure().await, r#"Rejected { provider: "dev" }"#);
    assert_eq!(app.user_json().await, json!({"is_logged_in": false}));
}

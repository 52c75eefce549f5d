//! doorman's own keys of the secrets file, through the adapter: each changes what a login
//! does, a provider's own value wins over the shared one, and code wins over both.

mod app;

use std::collections::HashMap;
use std::time::Duration;

use app::{Response, Setup, TestApp, set_cookies, through_provider};
use doorman_axum::AuthOptions;
use doorman_secrets::Source;

/// The callback's response of a whole login in a fresh browser, with its `Set-Cookie`s.
async fn login_response(app: &TestApp) -> Response {
    let browser = app.browser();
    let login = browser
        .get(app.url("/auth/login?provider=dev"))
        .send()
        .await
        .expect("login");
    through_provider(&browser, &login).await
}

/// The `Max-Age` of the identity cookie a login sets.
async fn identity_max_age(app: &TestApp) -> u64 {
    let response = login_response(app).await;
    let cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("doorman_user="))
        .expect("an identity cookie");
    cookie
        .split("; ")
        .find_map(|attribute| attribute.strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .expect("seconds")
}

#[tokio::test]
async fn cookie_lifetime_sets_max_age_and_the_sealed_expiry() {
    let app = TestApp::with(Setup {
        shared_secrets: "cookie_lifetime = \"2h\"".into(),
        ..Setup::default()
    })
    .await;
    assert_eq!(identity_max_age(&app).await, 7_200);
    app.login("provider=dev").await;
    app.clock.advance(Duration::from_secs(7_199));
    assert_eq!(app.user_json().await["is_logged_in"], true);
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(
        app.user_json().await["is_logged_in"],
        false,
        "the sealed expiry is the lifetime's"
    );
}

#[tokio::test]
async fn a_providers_own_lifetime_wins_over_the_shared_one_and_code_over_both() {
    let setup = || Setup {
        shared_secrets: "cookie_lifetime = \"2h\"".into(),
        extra_secrets: "cookie_lifetime = 3600".into(),
        ..Setup::default()
    };
    let app = TestApp::with(setup()).await;
    assert_eq!(identity_max_age(&app).await, 3_600);
    let lifetime = app
        .auth
        .settings()
        .iter()
        .find(|s| s.provider.as_deref() == Some("dev") && s.line.key == "cookie_lifetime")
        .expect("reported");
    assert_eq!(lifetime.line.value, "1h");
    assert!(
        matches!(&lifetime.line.source, Source::File(at) if at.key_path == "auth.dev.cookie_lifetime"),
        "{lifetime:?}"
    );

    let coded = TestApp::with(Setup {
        options: AuthOptions::default().cookie_lifetime(Duration::from_secs(600)),
        ..setup()
    })
    .await;
    assert_eq!(identity_max_age(&coded).await, 600);
    let lifetime = coded
        .auth
        .settings()
        .iter()
        .find(|s| s.line.key == "cookie_lifetime")
        .expect("reported");
    assert_eq!(
        (lifetime.line.value.as_str(), &lifetime.line.source),
        ("10m", &Source::Code)
    );
}

#[tokio::test]
async fn bound_to_id_token_ends_the_login_with_the_id_token() {
    let app = TestApp::with(Setup {
        extra_secrets: "bound_to_id_token = true".into(),
        ..Setup::default()
    })
    .await;
    // The development provider's ID tokens live an hour; the login would last 30 days.
    let max_age = identity_max_age(&app).await;
    assert!((3_500..=3_600).contains(&max_age), "{max_age}");
}

#[tokio::test]
async fn call_userinfo_false_makes_no_userinfo_call() {
    for (secrets, calls) in [("", 1), ("call_userinfo = false", 0)] {
        let app = TestApp::with(Setup {
            extra_secrets: secrets.into(),
            ..Setup::default()
        })
        .await;
        app.login("provider=dev").await;
        assert_eq!(app.user_json().await["is_logged_in"], true, "{secrets}");
        assert_eq!(app.idp().requests_to("/userinfo").len(), calls, "{secrets}");
    }
}

#[tokio::test]
async fn a_previous_secret_in_the_file_keeps_an_old_cookie_valid() {
    let old = TestApp::start().await;
    let response = login_response(&old).await;
    let header: Vec<String> = set_cookies(&response)
        .into_iter()
        .filter(|c| c.starts_with("doorman_user"))
        .map(|c| c.split(';').next().expect("pair").to_owned())
        .collect();
    let header = header.join("; ");
    let rotated = |shared: &str| Setup {
        cookie_secret: "a-brand-new-cookie-secret-of-32-bytes!".into(),
        shared_secrets: shared.to_owned(),
        ..Setup::default()
    };
    let kept = TestApp::with(rotated(&format!(
        "previous_cookie_secrets = [\"{}\"]",
        app::COOKIE_SECRET
    )))
    .await;
    assert_eq!(kept.seen_with_cookie(&header).await["is_logged_in"], true);
    let dropped = TestApp::with(rotated("")).await;
    assert_eq!(
        dropped.seen_with_cookie(&header).await["is_logged_in"],
        false
    );
}

#[tokio::test]
async fn logout_params_reach_the_end_session_url_with_claims_filled_in() {
    let app = TestApp::with(Setup {
        shared_secrets: "logout_params = { logout_hint = \"{email}\", id_token_hint = \"\", ui_locales = \"{no_such_claim}\", audience = \"app-{sub}\" }".into(),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    let user = app.user_json().await;
    let response = app.logout().await;
    assert_eq!(response.status(), 303);
    let location =
        url::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    assert_eq!(location.path(), "/end_session");
    let params: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(
        params["logout_hint"],
        user["email"].as_str().expect("email")
    );
    assert_eq!(
        params["audience"],
        format!("app-{}", user["sub"].as_str().expect("sub"))
    );
    assert!(!params.contains_key("id_token_hint"), "dropped: {params:?}");
    assert!(
        !params.contains_key("ui_locales"),
        "no such claim: {params:?}"
    );
    assert_eq!(params["client_id"], "app", "doorman's own stay");
}

#[tokio::test]
async fn a_providers_logout_params_replace_the_shared_table() {
    let app = TestApp::with(Setup {
        shared_secrets: "logout_params = { logout_hint = \"{email}\" }".into(),
        extra_secrets: "logout_params = { ui_locales = \"fr\" }".into(),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    let response = app.logout().await;
    let location =
        url::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    let params: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(params.get("ui_locales").map(String::as_str), Some("fr"));
    assert!(!params.contains_key("logout_hint"), "{params:?}");
}

#[tokio::test]
async fn base_path_from_the_file_mounts_the_routes_and_scopes_the_cookies() {
    let app = TestApp::with(Setup {
        base_path: "/dash".into(),
        base_path_in_file: true,
        ..Setup::default()
    })
    .await;
    let response = login_response(&app).await;
    assert!(
        set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("doorman_user=") && c.contains("Path=/dash")),
        "{:?}",
        set_cookies(&response)
    );
    app.login("provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);
    let base_path = app
        .auth
        .settings()
        .iter()
        .find(|s| s.provider.is_none() && s.line.key == "base_path")
        .expect("reported");
    assert_eq!(base_path.line.value, "/dash");
    assert!(matches!(base_path.line.source, Source::File(_)));
}

/// The report shows every setting and never a secret: previous cookie secrets are counted.
#[tokio::test]
async fn settings_report_every_key_without_secret_values() {
    let app = TestApp::with(Setup {
        shared_secrets: "previous_cookie_secrets = [\"old-secret-91c2\", \"older-secret-0d7e\"]"
            .into(),
        ..Setup::default()
    })
    .await;
    let report = format!("{:?}", app.auth.settings());
    for key in [
        "base_path",
        "previous_cookie_secrets",
        "port",
        "session_cache_size",
        "cookie_lifetime",
        "bound_to_id_token",
        "call_userinfo",
        "logout_params",
        "trusted_audiences",
        "allowed_tenants",
        "token_endpoint_auth_method",
    ] {
        assert!(
            report.contains(&format!("key: \"{key}\"")),
            "{key}: {report}"
        );
    }
    assert!(report.contains("2 (REDACTED)"), "{report}");
    for secret in ["old-secret-91c2", "older-secret-0d7e", app::CLIENT_SECRET] {
        assert!(!report.contains(secret), "{report}");
    }
}

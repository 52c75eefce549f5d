//! The adapter honours the core's rules (each conformance case end to end: no identity, no
//! userinfo call), caches provider metadata, scopes and rotates cookies, and keeps working
//! when one provider is broken.

mod app;

use std::time::Duration;

use app::{Setup, TestApp, set_cookies, through_provider};
use doorman_axum::AuthOptions;
use doorman_devidp::{Endpoint, Misbehavior};

#[tokio::test]
async fn every_rejected_login_leaves_the_user_logged_out_without_userinfo() {
    let cases = [
        Misbehavior::WrongIssuer,
        Misbehavior::WrongAudience,
        Misbehavior::ExtraAudienceWithoutAzp,
        Misbehavior::WrongAuthorizedParty,
        Misbehavior::WrongNonce,
        Misbehavior::MissingSubject,
        Misbehavior::MissingIssuedAt,
        Misbehavior::MissingAudience,
        Misbehavior::MissingNonce,
        Misbehavior::Expired,
        Misbehavior::IssuedInFuture,
        Misbehavior::BadSignature,
        Misbehavior::AlgNone,
        Misbehavior::Hs256SignedWithPublicKey,
        Misbehavior::UnadvertisedAlgorithm,
        Misbehavior::KidAbsentMultipleKeys,
        Misbehavior::IssParameterWrong,
        Misbehavior::IssParameterMissing,
        Misbehavior::TokenEndpointError,
        Misbehavior::TokenEndpointGarbage,
        Misbehavior::TokenTypeNotBearer,
        Misbehavior::UserinfoOtherSubject,
        Misbehavior::ShortRsaKey,
    ];
    for case in cases {
        let app = TestApp::start().await;
        app.idp().misbehave(case.clone());
        let (visited, _) = app.login("provider=dev&return_to=/failure").await;
        let callback = visited
            .iter()
            .position(|u| u.contains("/oauth2callback"))
            .expect("callback");
        assert_eq!(visited.len(), callback + 2, "{case:?}: back to the app");
        assert_eq!(app.user_json().await["is_logged_in"], false, "{case:?}");
        let userinfo_calls = app.idp().requests_to("/userinfo").len();
        let expected = usize::from(case == Misbehavior::UserinfoOtherSubject);
        assert_eq!(userinfo_calls, expected, "{case:?}");
    }
}

#[tokio::test]
async fn accepted_variants_log_in_through_the_adapter() {
    for case in [
        Misbehavior::KidAbsentSingleKey,
        Misbehavior::UnparseableKeyInJwks,
        Misbehavior::SignEs256,
        Misbehavior::SignHs256,
        Misbehavior::SignPs256,
        Misbehavior::IssParameterNotAdvertised,
        Misbehavior::PkceNotAdvertised,
        Misbehavior::ExpiresInAsString,
    ] {
        let app = TestApp::start().await;
        app.idp().misbehave(case.clone());
        app.login("provider=dev").await;
        assert_eq!(app.user_json().await["is_logged_in"], true, "{case:?}");
    }
}

#[tokio::test]
async fn after_warm_up_a_login_makes_no_discovery_request() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let discovery = app
        .idp()
        .requests_to("/.well-known/openid-configuration")
        .len();
    let jwks = app.idp().requests_to("/jwks").len();
    app.login("provider=dev").await;
    assert_eq!(
        app.idp()
            .requests_to("/.well-known/openid-configuration")
            .len(),
        discovery
    );
    assert_eq!(app.idp().requests_to("/jwks").len(), jwks);
}

/// Metadata and keys are used for an hour, then still used at once while a background
/// fetch refreshes them.
#[tokio::test]
async fn metadata_an_hour_old_is_used_at_once_and_refreshed_in_the_background() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let fetched = || {
        app.idp()
            .requests_to("/.well-known/openid-configuration")
            .len()
    };
    let before = fetched();
    app.clock.advance(Duration::from_secs(3_599));
    app.login("provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(fetched(), before, "not due yet");
    app.clock.advance(Duration::from_secs(1));
    let response = app.get("/auth/login?provider=dev").await;
    assert_eq!(response.status(), 303, "the cached copy is used at once");
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(fetched(), before + 1, "refreshed in the background");
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_with_one_jwks_fetch() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    app.idp().rotate_keys();
    let jwks = app.idp().requests_to("/jwks").len();
    let fresh = app.browser();
    let (_, _) = fresh.follow(&app.url("/auth/login?provider=dev")).await;
    let user = app.user_json_of(&fresh).await;
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(app.idp().requests_to("/jwks").len(), jwks + 1);
}

#[tokio::test]
async fn the_provider_going_down_after_warm_up_still_lets_logins_start() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    app.idp()
        .misbehave(Misbehavior::Failing(Endpoint::Discovery));
    app.idp().misbehave(Misbehavior::Failing(Endpoint::Jwks));
    let response = app.get("/auth/login?provider=dev").await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .expect("ascii")
            .contains("/authorize?")
    );
}

#[tokio::test]
async fn one_broken_provider_does_not_stop_the_others_and_recovers() {
    // A provider where nothing answers: the app starts, its logins fail clearly, `dev` works.
    // (Over the network, with a closed port: tests/network.rs.)
    let app = TestApp::with(Setup {
        extra_secrets: "\n[auth.broken]\nclient_id = \"x\"\nclient_secret = \"y\"\nserver_metadata_url = \"http://down.test/.well-known/openid-configuration\"\n".to_owned(),
        ..Setup::default()
    })
    .await;
    app.auth.warm_up();
    let started = std::time::Instant::now();
    app.login("provider=broken&return_to=/failure").await;
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert_eq!(app.user_json().await["is_logged_in"], false);
    app.login("provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);

    // A provider with invalid metadata (issuer mismatch) recovers once it is fixed.
    let other = TestApp::start().await;
    other.idp().misbehave(Misbehavior::DiscoveryIssuerMismatch);
    other.login("provider=dev&return_to=/failure").await;
    assert_eq!(other.user_json().await["is_logged_in"], false);
    other.idp().behave();
    other.clock.advance(Duration::from_millis(4_900));
    other.login("provider=dev&return_to=/failure").await;
    assert_eq!(
        other.user_json().await["is_logged_in"],
        false,
        "the failure is remembered for five seconds"
    );
    other.clock.advance(Duration::from_millis(200));
    other.login("provider=dev").await;
    assert_eq!(
        other.user_json().await["is_logged_in"],
        true,
        "recovered by itself"
    );
}

/// Over https every name carries the `__Host-` prefix the browser enforces against cookie
/// tossing (`Secure`, `Path=/`, no `Domain`); under a base path the name, not the path, tells
/// apps apart.
#[tokio::test]
async fn cookies_are_secure_and_prefixed_with_an_https_redirect_uri() {
    for base_path in ["", "/dash"] {
        let app = TestApp::with(Setup {
            https_redirect: true,
            base_path: base_path.into(),
            ..Setup::default()
        })
        .await;
        let response = app.get("/auth/login?provider=dev").await;
        let cookies = set_cookies(&response);
        let tx = cookies
            .iter()
            .find(|c| c.starts_with("__Host-doorman_") && c.contains("tx_"))
            .unwrap_or_else(|| panic!("a __Host- transaction cookie in {cookies:?}"));
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/;"] {
            assert!(tx.contains(attribute), "{attribute} in {tx}");
        }
        assert!(!tx.contains("Domain"), "{tx}");
        assert_eq!(
            tx.starts_with("__Host-doorman_tx_"),
            base_path.is_empty(),
            "a base path gets names of its own: {tx}"
        );
    }
}

#[tokio::test]
async fn with_a_base_path_routes_and_the_identity_cookie_live_under_it() {
    let app = TestApp::with(Setup {
        base_path: "/dash".into(),
        ..Setup::default()
    })
    .await;
    let (visited, last) = app.login("provider=dev").await;
    assert!(
        visited.last().expect("last").ends_with("/dash/"),
        "{visited:?}"
    );
    assert_eq!(last.text().expect("text"), "home");
    assert_eq!(app.user_json().await["is_logged_in"], true);
    let logout = app.logout().await;
    let cleared = set_cookies(&logout);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("doorman_user=;") && c.contains("Path=/dash")),
        "{cleared:?}"
    );
}

#[tokio::test]
async fn rotating_the_cookie_secret_keeps_users_logged_in() {
    let app = TestApp::start().await;
    app.login("provider=dev").await;
    let cookie = app.get("/user.json").await;
    assert!(cookie.status().is_success());
    let jar_header = identity_cookie_header(&app).await;
    let rotated = TestApp::with(Setup {
        cookie_secret: "a-brand-new-cookie-secret-of-32-bytes!".into(),
        options: AuthOptions::default().previous_cookie_secrets(vec![app::COOKIE_SECRET.into()]),
        ..Setup::default()
    })
    .await;
    let seen = rotated.seen_with_cookie(&jar_header).await;
    assert_eq!(
        seen["is_logged_in"], true,
        "the previous secret still opens it"
    );
    let removed = TestApp::with(Setup {
        cookie_secret: "a-brand-new-cookie-secret-of-32-bytes!".into(),
        ..Setup::default()
    })
    .await;
    let seen = removed.seen_with_cookie(&jar_header).await;
    assert_eq!(
        seen["is_logged_in"], false,
        "a removed secret no longer opens it"
    );
}

/// The identity cookie as a `Cookie` header, read back from a login's `Set-Cookie`.
async fn identity_cookie_header(app: &TestApp) -> String {
    let fresh = app.browser();
    let login = fresh
        .get(app.url("/auth/login?provider=dev"))
        .send()
        .await
        .expect("login");
    let response = through_provider(&fresh, &login).await;
    set_cookies(&response)
        .iter()
        .filter(|c| c.starts_with("doorman_user"))
        .map(|c| c.split(';').next().expect("pair").to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn tampered_and_foreign_identity_cookies_read_as_logged_out() {
    let app = TestApp::start().await;
    let header = identity_cookie_header(&app).await;
    let value = header.strip_prefix("doorman_user=").expect("value");
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("doorman_user={}", String::from_utf8(bytes).expect("ascii"));
    let renamed = format!("doorman_error={value}");
    // The valid cookie, twice: opened, then served from the memo of opened cookies, which
    // must not serve anything but that exact value.
    for _ in 0..2 {
        let seen = app.seen_with_cookie(&header).await;
        assert_eq!(seen["is_logged_in"], true);
    }
    for cookie in [tampered, renamed, "doorman_user=garbage".to_owned()] {
        let seen = app.seen_with_cookie(&cookie).await;
        assert_eq!(seen["is_logged_in"], false, "{cookie:.40}");
    }
}

#[tokio::test]
async fn an_expired_identity_cookie_reads_as_logged_out() {
    let app = TestApp::with(Setup {
        options: AuthOptions::default().cookie_lifetime(Duration::from_secs(3)),
        ..Setup::default()
    })
    .await;
    let header = identity_cookie_header(&app).await;
    // Opened, and so remembered, before it expires: the memo must not outlive the seal.
    let seen = app.seen_with_cookie(&header).await;
    assert_eq!(seen["is_logged_in"], true);
    app.clock.advance(Duration::from_millis(2_900));
    let seen = app.seen_with_cookie(&header).await;
    assert_eq!(seen["is_logged_in"], true, "served before its expiry");
    app.clock.advance(Duration::from_millis(200));
    let seen = app.seen_with_cookie(&header).await;
    assert_eq!(seen["is_logged_in"], false);
}

#[tokio::test]
async fn a_large_claim_set_is_chunked_under_4096_bytes_per_cookie_and_read_back() {
    // 150 groups, in the claims and again inside the exposed ID token.
    let app = TestApp::with(Setup {
        groups: 150,
        ..Setup::default()
    })
    .await;
    let fresh = app.browser();
    let login = fresh
        .get(app.url("/auth/login?provider=dev"))
        .send()
        .await
        .expect("login");
    let response = through_provider(&fresh, &login).await;
    let identity: Vec<String> = set_cookies(&response)
        .into_iter()
        .filter(|c| c.starts_with("doorman_user"))
        .collect();
    assert!(identity.len() > 1, "chunked: {}", identity.len());
    assert!(identity.iter().any(|c| c.starts_with("doorman_user_1=")));
    for line in &identity {
        assert!(line.len() <= 4096, "{} bytes", line.len());
    }
    let user = app.user_json_of(&fresh).await;
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["groups"].as_array().map(Vec::len), Some(150));
}

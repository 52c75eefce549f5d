//! The production path, over real sockets and on the system clock: `Auth::new` (the network
//! client: rustls, timeouts, no redirects, 1 MiB cap), the app on a loopback port, the
//! development provider on another, and a browser with a real cookie jar. The other tests
//! run the same router in process and on virtual time (`tests/app`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, Endpoint, Misbehavior, RegisteredClient};
use doorman_secrets::{AuthConfig, Origin};
use serde_json::Value;

const CLIENT_SECRET: &str = "client-secret-4a7f9e";

/// The app on a loopback port with doorman's routes and layer, the development provider
/// on another, and `extra_secrets` appended to the secrets file.
struct Served {
    origin: String,
    idp: doorman_devidp::Running,
    auth: Auth,
    browser: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
}

impl Served {
    async fn start(extra_secrets: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let idp_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind idp");
        let issuer = format!("http://{}", idp_listener.local_addr().expect("idp addr"));
        let idp_config = DevIdpConfig::new(url::Url::parse(&issuer).expect("issuer"))
            .with_client(RegisteredClient {
                client_id: "app".into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![format!("{origin}/oauth2callback")],
                post_logout_redirect_uris: vec![format!("{origin}/auth/logged-out")],
            })
            .auto_approving();
        let metadata_url = idp_config.metadata_url();
        let idp = doorman_devidp::serve(idp_listener, Arc::new(DevIdp::new(idp_config)))
            .expect("serve idp");
        let secrets = format!(
            "[auth]\nredirect_uri = \"{origin}/oauth2callback\"\ncookie_secret = \"cookie-secret-0123456789abcdef0123456789\"\n\n[auth.dev]\nclient_id = \"app\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"{metadata_url}\"\n{extra_secrets}"
        );
        let config = AuthConfig::parse(&secrets, Origin::Text("test".into())).expect("secrets");
        let auth = Auth::new(&config, AuthOptions::default()).expect("auth");
        let app = Router::new()
            .route("/", get(|| async { "home" }))
            .route(
                "/user.json",
                get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
            )
            .merge(auth.routes())
            .layer(auth.layer());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            origin,
            idp,
            auth,
            browser,
            _server: server,
        }
    }

    /// Follows redirects one by one from `path`; the last URL and its response's text.
    async fn follow(&self, path: &str) -> (String, String) {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.origin)).expect("url");
        for _ in 0..10 {
            let response = self.browser.get(url.clone()).send().await.expect("request");
            if !response.status().is_redirection() {
                return (url.to_string(), response.text().await.expect("text"));
            }
            let location = response.headers()["location"].to_str().expect("ascii");
            url = url.join(location).expect("location");
        }
        panic!("redirect loop at {url}");
    }

    async fn user_json(&self) -> Value {
        let (_, text) = self.follow("/user.json").await;
        serde_json::from_str(&text).expect("json")
    }
}

#[tokio::test]
async fn a_full_login_goes_over_the_network_to_the_provider() {
    let app = Served::start("").await;
    let (last, page) = app.follow("/auth/login?provider=dev").await;
    assert_eq!((last, page.as_str()), (format!("{}/", app.origin), "home"));
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true, "{user}");
    assert_eq!(user["email"], "ada@example.com");
    for path in [
        "/.well-known/openid-configuration",
        "/jwks",
        "/token",
        "/userinfo",
    ] {
        assert_eq!(app.idp.idp.requests_to(path).len(), 1, "{path}");
    }
}

#[tokio::test]
async fn a_provider_on_a_closed_port_fails_fast_and_the_others_still_work() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = closed.local_addr().expect("addr");
    drop(closed);
    let app = Served::start(&format!(
        "\n[auth.broken]\nclient_id = \"x\"\nclient_secret = \"y\"\nserver_metadata_url = \"http://{dead}/.well-known/openid-configuration\"\n"
    ))
    .await;
    app.auth.warm_up();
    let started = Instant::now();
    app.follow("/auth/login?provider=broken").await;
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert_eq!(app.user_json().await["is_logged_in"], false);
    app.follow("/auth/login?provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);
}

#[tokio::test]
async fn a_provider_answering_500_is_reported_not_hung() {
    let app = Served::start("").await;
    app.idp
        .idp
        .misbehave(Misbehavior::Failing(Endpoint::Discovery));
    let started = Instant::now();
    let (last, _) = app.follow("/auth/login?provider=dev").await;
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(last, format!("{}/", app.origin), "back home, logged out");
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

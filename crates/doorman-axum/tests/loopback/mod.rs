//! The harness of the tests that go over real sockets, on the system clock: `Auth::new`
//! (the network client), the app on a loopback port, the development provider on another,
//! and a browser with a real cookie jar (`reqwest`).

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::sync::Arc;

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient};
use doorman_secrets::{AuthConfig, Origin};
use serde_json::Value;

pub(crate) const COOKIE_SECRET: &str = "cookie-secret-0123456789abcdef0123456789";

pub(crate) const CLIENT_SECRET: &str = "client-secret-4a7f9e";

/// The app on a loopback port with doorman's routes and layer, the development provider
/// on another, and `extra_secrets` appended to the secrets file.
pub(crate) struct Served {
    pub(crate) origin: String,
    pub(crate) idp: doorman_devidp::Running,
    pub(crate) auth: Auth,
    pub(crate) browser: reqwest::Client,
    /// The browser's cookie jar.
    jar: Arc<reqwest::cookie::Jar>,
    _server: tokio::task::JoinHandle<()>,
}

impl Served {
    pub(crate) async fn start(extra_secrets: &str) -> Self {
        Self::start_with(extra_secrets, |_| Router::new()).await
    }

    /// [`Served::start`], with more routes of the app under its layer.
    pub(crate) async fn start_with(extra_secrets: &str, routes: fn(&Auth) -> Router) -> Self {
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
            "[auth]\nredirect_uri = \"{origin}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nexpose_tokens = [\"id\", \"access\"]\n\n[auth.dev]\nclient_id = \"app\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"{metadata_url}\"\n{extra_secrets}"
        );
        let config = AuthConfig::parse(&secrets, Origin::Text("test".into())).expect("secrets");
        let auth = Auth::new(&config, AuthOptions::default()).expect("auth");
        let app = Router::new()
            .route("/", get(|| async { "home" }))
            .route(
                "/user.json",
                get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
            )
            .merge(routes(&auth))
            .merge(auth.routes())
            .layer(auth.layer());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let browser = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            origin,
            idp,
            auth,
            browser,
            jar,
            _server: server,
        }
    }

    /// The `Cookie` header the browser sends to the app.
    pub(crate) fn browser_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let url = reqwest::Url::parse(&self.origin).expect("url");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok().map(str::to_owned)
    }

    /// Follows redirects one by one from `path`; the last URL and its response's text.
    pub(crate) async fn follow(&self, path: &str) -> (String, String) {
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

    pub(crate) async fn user_json(&self) -> Value {
        let (_, text) = self.follow("/user.json").await;
        serde_json::from_str(&text).expect("json")
    }

    /// A click on the logout button: the token from the logout page, then a same-origin
    /// `POST` with it.
    pub(crate) async fn logout(&self) -> reqwest::Response {
        let page = self
            .browser
            .get(format!("{}/auth/logout", self.origin))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("logout page")
            .text()
            .await
            .expect("text");
        let field = r#"name="doorman_logout" value=""#;
        let start = page.find(field).expect("token field") + field.len();
        let token = &page[start..start + page[start..].find('"').expect("end")];
        self.browser
            .post(format!("{}/auth/logout", self.origin))
            .header("origin", &self.origin)
            .form(&[("doorman_logout", token)])
            .send()
            .await
            .expect("logout")
    }
}

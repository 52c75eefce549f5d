//! The test harness: a real app on a loopback port, the development provider on another,
//! and a client with a real cookie jar that follows redirects one by one.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, Persona, RegisteredClient};
use doorman_secrets::{AuthConfig, Origin};
use reqwest::StatusCode;
use serde_json::Value;

pub(crate) const CLIENT_SECRET: &str = "client-secret-4a7f9e";
pub(crate) const COOKIE_SECRET: &str = "cookie-secret-0123456789abcdef0123456789";

/// How to set the app up.
pub(crate) struct Setup {
    pub(crate) base_path: String,
    pub(crate) expose: &'static str,
    pub(crate) extra_secrets: String,
    pub(crate) cookie_secret: String,
    pub(crate) options: AuthOptions,
    pub(crate) https_redirect: bool,
    /// How many `groups` the test user has (Entra-style GUIDs).
    pub(crate) groups: usize,
    /// The real provider the development provider takes the shapes of; the app is pointed
    /// at the persona's metadata URL, or for the plain OAuth 2.0 [`Persona::GitHub`] given
    /// `provider_preset = "github"` with the URL keys pointing at the persona.
    pub(crate) persona: Option<Persona>,
    /// The app's public key (SPKI PEM), registered at the provider for `private_key_jwt`.
    pub(crate) client_public_key: Option<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            base_path: String::new(),
            expose: "[\"id\", \"access\"]",
            extra_secrets: String::new(),
            cookie_secret: COOKIE_SECRET.to_owned(),
            options: AuthOptions::default(),
            https_redirect: false,
            groups: 0,
            persona: None,
            client_public_key: None,
        }
    }
}

pub(crate) struct TestApp {
    pub(crate) addr: SocketAddr,
    pub(crate) idp: doorman_devidp::Running,
    pub(crate) auth: Auth,
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    _server: tokio::task::JoinHandle<()>,
}

async fn failure(user: User) -> String {
    user.login_failure()
        .map_or_else(|| "none".to_owned(), |f| format!("{f:?}"))
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub(crate) async fn start() -> Self {
        Self::with(Setup::default()).await
    }

    pub(crate) async fn with(setup: Setup) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let origin = format!("http://{addr}");
        let callback = format!("{origin}{}/oauth2callback", setup.base_path);
        let idp_config = DevIdpConfig::new(url::Url::parse("http://127.0.0.1/").expect("url"));
        let idp_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind idp");
        let idp_addr = idp_listener.local_addr().expect("idp addr");
        let idp_config = DevIdpConfig {
            issuer: url::Url::parse(&format!("http://{idp_addr}")).expect("issuer"),
            ..idp_config
        }
        .with_client(RegisteredClient {
            client_id: "app".into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![callback.clone()],
            post_logout_redirect_uris: vec![format!("{origin}{}/auth/logged-out", setup.base_path)],
        })
        .auto_approving();
        let mut idp_config = match setup.persona {
            Some(persona) => idp_config.with_persona(persona),
            None => idp_config,
        };
        if let Some(public_pem) = &setup.client_public_key {
            idp_config = idp_config.with_client_public_key("app", public_pem);
        }
        let metadata_url = idp_config.metadata_url();
        if setup.groups > 0 {
            let groups: Vec<Value> = (0..setup.groups)
                .map(|i| {
                    Value::String(format!(
                        "{i:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                        i * 31 % 65_536,
                        i * 7 % 4096,
                        i * 13 % 4096,
                        i * 7_919_017
                    ))
                })
                .collect();
            idp_config.users[0]
                .claims
                .insert("groups".into(), Value::Array(groups));
        }
        let idp = doorman_devidp::serve(idp_listener, Arc::new(DevIdp::new(idp_config)))
            .expect("serve idp");
        let redirect_uri = if setup.https_redirect {
            format!("https://app.example{}/oauth2callback", setup.base_path)
        } else {
            callback
        };
        let endpoints = match setup.persona {
            Some(persona) if persona.is_plain_oauth2() => {
                let origin = format!("http://{idp_addr}");
                format!(
                    "provider_preset = \"github\"\nauthorize_url = \"{origin}/login/oauth/authorize\"\naccess_token_url = \"{origin}/login/oauth/access_token\"\nuserinfo_endpoint = \"{origin}/user\""
                )
            }
            _ => format!("server_metadata_url = \"{metadata_url}\""),
        };
        let secrets = format!(
            "[auth]\nredirect_uri = \"{redirect_uri}\"\ncookie_secret = \"{}\"\nexpose_tokens = {}\n\n[auth.dev]\nclient_id = \"app\"\nclient_secret = \"{CLIENT_SECRET}\"\n{endpoints}\n{}",
            setup.cookie_secret, setup.expose, setup.extra_secrets
        );
        let config = AuthConfig::parse(&secrets, Origin::Text("test".into())).expect("secrets");
        let auth = Auth::new(&config, setup.options.base_path(&setup.base_path)).expect("auth");
        let app = Router::new()
            .route(&format!("{}/", setup.base_path), get(|| async { "home" }))
            .route(
                &format!("{}/reports", setup.base_path),
                get(|| async { "reports" }),
            )
            .route(
                &format!("{}/user.json", setup.base_path),
                get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
            )
            .route(&format!("{}/failure", setup.base_path), get(failure))
            .route(
                &format!("{}/start", setup.base_path),
                get(|| async { doorman_axum::login(Some("dev")).into_response() }),
            )
            .route(
                &format!("{}/bye", setup.base_path),
                get(|| async { doorman_axum::logout().into_response() }),
            )
            .merge(auth.routes())
            .layer(auth.layer());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            idp,
            auth,
            client: client(),
            base: format!("{origin}{}", setup.base_path),
            _server: server,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("get")
    }

    /// Follows redirects from `start`, with this app's jar; the URLs visited and the last response.
    pub(crate) async fn follow(&self, start: &str) -> (Vec<String>, reqwest::Response) {
        follow(&self.client, start).await
    }

    /// A whole login with `provider`, returning where the app sent the browser at the end.
    pub(crate) async fn login(&self, query: &str) -> (Vec<String>, reqwest::Response) {
        self.follow(&self.url(&format!("/auth/login?{query}")))
            .await
    }

    pub(crate) async fn user_json(&self) -> Value {
        self.user_json_of(&self.client).await
    }

    /// What the app sees for a browser with another cookie jar.
    pub(crate) async fn user_json_of(&self, client: &reqwest::Client) -> Value {
        client
            .get(self.url("/user.json"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    pub(crate) async fn failure(&self) -> String {
        self.get("/failure").await.text().await.expect("text")
    }

    pub(crate) fn idp(&self) -> &DevIdp {
        &self.idp.idp
    }

    /// The logout token in the logout page this browser is shown.
    pub(crate) async fn logout_token(&self) -> String {
        let page = self
            .client
            .get(self.url("/auth/logout"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("logout page")
            .text()
            .await
            .expect("text");
        let start = page
            .find(r#"name="doorman_logout" value=""#)
            .expect("token field")
            + r#"name="doorman_logout" value=""#.len();
        page[start..start + page[start..].find('"').expect("end")].to_owned()
    }

    /// A click on the logout button: a same-origin `POST` with the session's token.
    pub(crate) async fn logout(&self) -> reqwest::Response {
        let token = self.logout_token().await;
        self.client
            .post(self.url("/auth/logout"))
            .header("origin", format!("http://{}", self.addr))
            .form(&[("doorman_logout", token)])
            .send()
            .await
            .expect("logout")
    }
}

/// Takes a login response (a redirect to the provider) through the provider and returns
/// the callback's response, not followed.
pub(crate) async fn through_provider(
    client: &reqwest::Client,
    login: &reqwest::Response,
) -> reqwest::Response {
    let authorize = login.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let at_idp = client.get(&authorize).send().await.expect("idp");
    let callback = at_idp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    client.get(&callback).send().await.expect("callback")
}

/// What the app at `url` sees with `cookie` as the whole `Cookie` header.
pub(crate) async fn seen_with_cookie(url: &str, cookie: &str) -> Value {
    reqwest::Client::new()
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// Follows redirects one at a time with `client`.
pub(crate) async fn follow(
    client: &reqwest::Client,
    start: &str,
) -> (Vec<String>, reqwest::Response) {
    let mut url = reqwest::Url::parse(start).expect("url");
    let mut visited = vec![url.to_string()];
    loop {
        let response = client.get(url.clone()).send().await.expect("request");
        if !response.status().is_redirection() {
            return (visited, response);
        }
        let location = response.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        url = url.join(&location).expect("location");
        visited.push(url.to_string());
        assert!(visited.len() < 10, "redirect loop: {visited:?}");
    }
}

/// The `Set-Cookie` lines of a response.
pub(crate) fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect()
}

pub(crate) fn is_ok(response: &reqwest::Response) -> bool {
    response.status() == StatusCode::OK
}

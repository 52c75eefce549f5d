//! The rig of the fault matrix, all on loopback and the system clock: the development
//! provider behind a fault-injecting proxy (`doorman_testkit::faults`), whose address is the
//! issuer; the app built by `Auth::new` (the production network client, with a short
//! `provider_timeout`) on a port of its own; and a browser with a cookie jar that follows no
//! redirect by itself, so each step's response can be looked at.

#![allow(dead_code, reason = "each test file uses part of the rig")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient, Running};
use doorman_secrets::{AuthConfig, Origin};
use doorman_testkit::faults::FaultProxy;
use serde_json::{Value, json};

/// How long one provider call may take in the rig's apps (`AuthOptions::provider_timeout`).
pub(crate) const PROVIDER_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) const METADATA: &str = "/.well-known/openid-configuration";
pub(crate) const JWKS: &str = "/jwks";
pub(crate) const TOKEN: &str = "/token";
pub(crate) const USERINFO: &str = "/userinfo";

const COOKIE_SECRET: &str = "fault-matrix-cookie-secret-0123456789abcdef";
const CLIENT_ID: &str = "app";
const CLIENT_SECRET: &str = "fault-matrix-client-secret";
/// The identity cookie's name over http, and its chunks' prefix.
const IDENTITY_COOKIE: &str = "doorman_user";
/// Where the browser asks to come back to after a login.
pub(crate) const RETURN_TO: &str = "/?from=login";

/// The development provider behind the proxy, and the app in front of both.
pub(crate) struct Rig {
    pub(crate) proxy: FaultProxy,
    pub(crate) idp: Running,
    pub(crate) app: App,
    /// The app's secrets file, for another app built from the same secrets.
    secrets: String,
}

/// Access tokens of the rig's provider: ten minutes, so a session always has a valid one.
const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// What a rig's app asks for besides a login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sessions {
    /// Sessions without a refresh token.
    Plain,
    /// Sessions with a refresh token (`offline_access`) that are due for a refresh at every
    /// request (`refresh_margin` longer than the access token lives), while their access
    /// token is still valid.
    AlwaysDue,
}

impl Rig {
    pub(crate) async fn start(sessions: Sessions) -> Self {
        let proxy = FaultProxy::start().await.expect("the fault proxy listens");
        let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the app");
        let origin = format!("http://{}", app_listener.local_addr().expect("app addr"));
        let issuer = url::Url::parse(&proxy.url()).expect("issuer");
        let idp = serve_provider(&issuer, &origin, Vec::new());
        proxy.forward_to(idp.addr);
        let metadata_url = format!("{}{METADATA}", proxy.url());
        let refresh = match sessions {
            Sessions::Plain => "",
            Sessions::AlwaysDue => {
                "client_kwargs = { scope = \"openid profile email offline_access\" }\nrefresh_margin = \"15m\"\n"
            }
        };
        let secrets = format!(
            "[auth]\nredirect_uri = \"{origin}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n\n[auth.dev]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"{metadata_url}\"\n{refresh}"
        );
        let app = App::serve(app_listener, &secrets).await;
        Self {
            proxy,
            idp,
            app,
            secrets,
        }
    }

    /// Another app built from the same secrets, on another port, nothing fetched yet: the
    /// app as it is after a restart (or another replica).
    pub(crate) async fn another_app(&self) -> App {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind another app");
        App::serve(listener, &self.secrets).await
    }

    /// The app stopped and built again from the same secrets on the same port.
    pub(crate) async fn restart_app(&mut self) {
        let addr = self.app.addr;
        self.app.stop().await;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind the app's port again");
        self.app = App::serve(listener, &self.secrets).await;
    }

    /// The provider restarted with `keys` (the first signs), behind the same proxy: the same
    /// issuer, none of its codes or tokens.
    pub(crate) fn restart_provider(&mut self, keys: Vec<doorman_devidp::SigningKey>) {
        let issuer = url::Url::parse(&self.proxy.url()).expect("issuer");
        let restarted = serve_provider(&issuer, &self.app.origin, keys);
        self.proxy.forward_to(restarted.addr);
        self.idp = restarted;
    }

    /// A back-channel logout token from the provider for `user`'s provider session.
    pub(crate) fn logout_token(&self, user: &Value) -> String {
        let sub = user["sub"].as_str().expect("the user's sub");
        let sid = user["sid"].as_str().expect("the user's sid");
        self.idp
            .idp
            .logout_token(CLIENT_ID, sub, Some(sid), std::time::SystemTime::now())
            .expect("a logout token for the app's client and user")
    }
}

/// The development provider for the app at `origin`, announcing `issuer`, on a free loopback
/// port; signing with `keys` (the first active) or the fixed test keys.
fn serve_provider(
    issuer: &url::Url,
    origin: &str,
    keys: Vec<doorman_devidp::SigningKey>,
) -> Running {
    let config = DevIdpConfig::new(issuer.clone())
        .with_client(RegisteredClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("{origin}/oauth2callback")],
            post_logout_redirect_uris: Vec::new(),
        })
        .with_access_token_lifetime(ACCESS_TOKEN_LIFETIME)
        .auto_approving();
    let (_, ec) = doorman_devidp::test_keys();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the provider");
    doorman_devidp::serve(listener, Arc::new(DevIdp::with_keys(config, keys, ec)))
        .expect("the provider serves on loopback")
}

/// An app on loopback: doorman's routes and layer, and a page (`/`) that shows the user and
/// the login failure waiting to be shown, as JSON.
pub(crate) struct App {
    pub(crate) origin: String,
    pub(crate) auth: Auth,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl App {
    async fn serve(listener: tokio::net::TcpListener, secrets: &str) -> Self {
        let addr = listener.local_addr().expect("app addr");
        let config = AuthConfig::parse(secrets, Origin::Text("fault matrix".into()))
            .expect("the rig's secrets");
        let auth = Auth::new(
            &config,
            AuthOptions::default().provider_timeout(PROVIDER_TIMEOUT),
        )
        .expect("Auth::new");
        let app = Router::new()
            .route("/", get(page))
            .merge(auth.routes())
            .layer(auth.layer());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            origin: format!("http://{addr}"),
            auth,
            addr,
            server,
        }
    }

    /// Stops listening (its connections were never kept: the browser keeps none).
    async fn stop(&self) {
        self.server.abort();
        while !self.server.is_finished() {
            tokio::task::yield_now().await;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

async fn page(user: User) -> Json<Value> {
    Json(json!({
        "user": Value::Object(user.to_dict()),
        "failure": user.login_failure().map(|failure| failure.message()),
    }))
}

/// What the app's page showed.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) logged_in: bool,
    /// The login failure shown, its fixed message.
    pub(crate) failure: Option<String>,
    /// `User::to_dict`.
    pub(crate) user: Value,
    /// Whether the page's response set or deleted the identity cookie.
    pub(crate) identity_cookie: IdentityCookie,
}

/// What a response did to the identity cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdentityCookie {
    Untouched,
    Set,
    Deleted,
}

/// What `response`'s `Set-Cookie`s do to the identity cookie (or its chunks).
pub(crate) fn identity_cookie(response: &reqwest::Response) -> IdentityCookie {
    let mut outcome = IdentityCookie::Untouched;
    for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
        let value = value.to_str().expect("an ASCII Set-Cookie");
        let (name, rest) = value.split_once('=').unwrap_or((value, ""));
        if !name.starts_with(IDENTITY_COOKIE) {
            continue;
        }
        let cookie_value = rest.split(';').next().unwrap_or_default();
        if cookie_value.is_empty() {
            if outcome == IdentityCookie::Untouched {
                outcome = IdentityCookie::Deleted;
            }
        } else {
            outcome = IdentityCookie::Set;
        }
    }
    outcome
}

/// A browser: a cookie jar, no redirect followed by itself, no connection kept.
pub(crate) struct Browser {
    client: reqwest::Client,
}

impl Browser {
    pub(crate) fn new() -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("a browser");
        Self { client }
    }

    pub(crate) async fn get(&self, url: &str) -> reqwest::Response {
        self.client
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
    }

    /// `app`'s page, as this browser sees it now.
    pub(crate) async fn page(&self, app: &App) -> Page {
        let response = self.get(&app.url("/")).await;
        assert_eq!(response.status(), 200, "the app's page answers");
        let identity_cookie = identity_cookie(&response);
        let shown: Value = response.json().await.expect("the page's JSON");
        Page {
            logged_in: shown["user"]["is_logged_in"] == true,
            failure: shown["failure"].as_str().map(str::to_owned),
            user: shown["user"].clone(),
            identity_cookie,
        }
    }

    /// `GET /auth/login` at `app`, coming back to [`RETURN_TO`]: the app's response, not
    /// followed.
    pub(crate) async fn start_login(&self, app: &App) -> reqwest::Response {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider", "dev")
            .append_pair("return_to", RETURN_TO)
            .finish();
        self.get(&app.url(&format!("/auth/login?{query}"))).await
    }

    /// From the app's redirect to the provider, through the provider (which approves at
    /// once): the callback URL the provider sends the browser to.
    pub(crate) async fn through_provider(&self, login: &reqwest::Response) -> String {
        let at_provider = self.get(&location(login)).await;
        location(&at_provider)
    }

    /// A whole login at `app`; panics unless it ends logged in.
    pub(crate) async fn log_in(&self, app: &App) -> Value {
        let login = self.start_login(app).await;
        let callback = self.through_provider(&login).await;
        let done = self.get(&callback).await;
        assert_eq!(
            identity_cookie(&done),
            IdentityCookie::Set,
            "the login sets the identity cookie"
        );
        let page = self.page(app).await;
        assert!(page.logged_in, "logged in: {page:?}");
        page.user
    }
}

/// Where `response` sends the browser.
pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| {
            panic!(
                "{} from {} sends the browser nowhere",
                response.status(),
                response.url()
            )
        })
        .to_str()
        .expect("an ASCII Location")
        .to_owned()
}

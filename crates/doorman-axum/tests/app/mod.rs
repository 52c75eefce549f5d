//! The test harness, in process and on virtual time: the app's router, the development
//! provider answering through `DevIdp::handle`, and browsers with cookie jars that send
//! requests to either (`tower::ServiceExt::oneshot` for the app) and follow redirects one by
//! one. One [`VirtualClock`] is the time of the app, the provider and the test, which moves
//! it by hand: no socket, no sleep.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use doorman_axum::testing::VirtualClock;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, Persona, RegisteredClient};
use doorman_secrets::{AuthConfig, Origin};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt as _;
use url::Url;

pub(crate) const CLIENT_SECRET: &str = "client-secret-4a7f9e";
pub(crate) const COOKIE_SECRET: &str = "cookie-secret-0123456789abcdef0123456789";

/// Where the app answers.
pub(crate) const APP: &str = "app.test";
/// Where the development provider answers.
pub(crate) const IDP: &str = "idp.test";

/// When every test starts: 2027-01-15, a fixed time.
pub(crate) fn start_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// How to set the app up.
pub(crate) struct Setup {
    pub(crate) base_path: String,
    pub(crate) expose: &'static str,
    /// Written at the end of the `[auth.dev]` section (more sections may follow).
    pub(crate) extra_secrets: String,
    /// Written in the shared `[auth]` section.
    pub(crate) shared_secrets: String,
    /// The base path given in the secrets file (`base_path`) rather than in code.
    pub(crate) base_path_in_file: bool,
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
    /// How long the provider's access tokens last; `None`: its default (an hour).
    pub(crate) access_token_lifetime: Option<Duration>,
    /// The provider issues JWT access tokens for this API audience.
    pub(crate) jwt_access_tokens: Option<&'static str>,
    /// More routes of the app, under its layer (guarded routers).
    pub(crate) routes: Option<fn(&Auth) -> Router>,
    /// Claims the test user (Ada) has besides her own, or instead of them.
    pub(crate) user_claims: serde_json::Map<String, Value>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            base_path: String::new(),
            expose: "[\"id\", \"access\"]",
            extra_secrets: String::new(),
            shared_secrets: String::new(),
            base_path_in_file: false,
            cookie_secret: COOKIE_SECRET.to_owned(),
            options: AuthOptions::default(),
            https_redirect: false,
            groups: 0,
            persona: None,
            client_public_key: None,
            access_token_lifetime: None,
            jwt_access_tokens: None,
            routes: None,
            user_claims: serde_json::Map::new(),
        }
    }
}

/// The development provider of a test and its address.
pub(crate) struct Provider {
    pub(crate) addr: &'static str,
    pub(crate) idp: Arc<DevIdp>,
}

/// What a browser can reach: the app and the provider, at one time.
struct World {
    router: Router,
    idp: Arc<DevIdp>,
    clock: VirtualClock,
}

pub(crate) struct TestApp {
    /// The app's host, as in its URLs.
    pub(crate) addr: &'static str,
    pub(crate) idp: Provider,
    pub(crate) auth: Auth,
    pub(crate) clock: VirtualClock,
    /// A browser with a cookie jar.
    pub(crate) client: Browser,
    pub(crate) base: String,
    world: Arc<World>,
    /// What built the app, for [`TestApp::replica`].
    config: AuthConfig,
    options: AuthOptions,
    routes: Option<fn(&Auth) -> Router>,
    base_path: String,
}

async fn failure(user: User) -> String {
    user.login_failure()
        .map_or_else(|| "none".to_owned(), |f| format!("{f:?}"))
}

impl TestApp {
    pub(crate) async fn start() -> Self {
        Self::with(Setup::default()).await
    }

    pub(crate) async fn with(setup: Setup) -> Self {
        let origin = format!("http://{APP}");
        let callback = format!("{origin}{}/oauth2callback", setup.base_path);
        let idp_origin = format!("http://{IDP}");
        let idp_config = DevIdpConfig::new(Url::parse(&idp_origin).expect("issuer"))
            .with_client(RegisteredClient {
                client_id: "app".into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![callback.clone()],
                post_logout_redirect_uris: vec![format!(
                    "{origin}{}/auth/logged-out",
                    setup.base_path
                )],
            })
            .auto_approving();
        let mut idp_config = match setup.persona {
            Some(persona) => idp_config.with_persona(persona),
            None => idp_config,
        };
        if let Some(lifetime) = setup.access_token_lifetime {
            idp_config = idp_config.with_access_token_lifetime(lifetime);
        }
        if let Some(audience) = setup.jwt_access_tokens {
            idp_config = idp_config.with_jwt_access_tokens(audience);
        }
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
        idp_config.users[0].claims.extend(setup.user_claims);
        let idp = Arc::new(DevIdp::new(idp_config));
        let redirect_uri = if setup.https_redirect {
            format!("https://app.example{}/oauth2callback", setup.base_path)
        } else {
            callback
        };
        let endpoints = match setup.persona {
            Some(persona) if persona.is_plain_oauth2() => format!(
                "provider_preset = \"github\"\nauthorize_url = \"{idp_origin}/login/oauth/authorize\"\naccess_token_url = \"{idp_origin}/login/oauth/access_token\"\nuserinfo_endpoint = \"{idp_origin}/user\""
            ),
            _ => format!("server_metadata_url = \"{metadata_url}\""),
        };
        let (shared_base_path, options) = if setup.base_path_in_file {
            (
                format!("base_path = \"{}\"\n", setup.base_path),
                setup.options,
            )
        } else {
            (String::new(), setup.options.base_path(&setup.base_path))
        };
        let secrets = format!(
            "[auth]\nredirect_uri = \"{redirect_uri}\"\ncookie_secret = \"{}\"\nexpose_tokens = {}\n{shared_base_path}{}\n\n[auth.dev]\nclient_id = \"app\"\nclient_secret = \"{CLIENT_SECRET}\"\n{endpoints}\n{}",
            setup.cookie_secret, setup.expose, setup.shared_secrets, setup.extra_secrets
        );
        let config = AuthConfig::parse(&secrets, Origin::Text("test".into())).expect("secrets");
        let options_kept = options.clone();
        let clock = VirtualClock::starting_at(start_time());
        let provider = Arc::clone(&idp);
        let auth = doorman_axum::testing::in_process_auth(
            &config,
            options,
            &clock,
            move |request, now| {
                (request.uri().authority().map(|a| a.as_str()) == Some(IDP))
                    .then(|| provider.handle(request, now))
            },
        )
        .expect("auth");
        let base = setup.base_path;
        let router = app_router(&auth, &base, setup.routes);
        let world = Arc::new(World {
            router,
            idp: Arc::clone(&idp),
            clock: clock.clone(),
        });
        Self {
            addr: APP,
            idp: Provider { addr: IDP, idp },
            auth,
            clock,
            client: Browser::new(&world, true),
            base: format!("{origin}{base}"),
            world,
            config,
            options: options_kept,
            routes: setup.routes,
            base_path: base,
        }
    }

    /// Another replica of the app: another `Auth` built from the same secrets and options
    /// (sharing only what they configure, such as a Redis), with the same provider and clock;
    /// its `client` is the same browser as this app's (one cookie jar), as behind a load
    /// balancer.
    pub(crate) fn replica(&self) -> Self {
        let provider = Arc::clone(&self.idp.idp);
        let auth = doorman_axum::testing::in_process_auth(
            &self.config,
            self.options.clone(),
            &self.clock,
            move |request, now| {
                (request.uri().authority().map(|a| a.as_str()) == Some(IDP))
                    .then(|| provider.handle(request, now))
            },
        )
        .expect("auth");
        let router = app_router(&auth, &self.base_path, self.routes);
        let world = Arc::new(World {
            router,
            idp: Arc::clone(&self.idp.idp),
            clock: self.clock.clone(),
        });
        Self {
            addr: self.addr,
            idp: Provider {
                addr: self.idp.addr,
                idp: Arc::clone(&self.idp.idp),
            },
            auth,
            clock: self.clock.clone(),
            client: self.client.at_world(&world),
            base: self.base.clone(),
            world,
            config: self.config.clone(),
            options: self.options.clone(),
            routes: self.routes,
            base_path: self.base_path.clone(),
        }
    }

    /// Another browser, with a cookie jar of its own.
    pub(crate) fn browser(&self) -> Browser {
        Browser::new(&self.world, true)
    }

    /// A browser without a cookie jar: every cookie is sent by hand.
    pub(crate) fn bare(&self) -> Browser {
        Browser::new(&self.world, false)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("get")
    }

    /// Follows redirects from `start`, with this app's jar; the URLs visited and the last response.
    pub(crate) async fn follow(&self, start: &str) -> (Vec<String>, Response) {
        self.client.follow(start).await
    }

    /// A whole login with `provider`, returning where the app sent the browser at the end.
    pub(crate) async fn login(&self, query: &str) -> (Vec<String>, Response) {
        self.follow(&self.url(&format!("/auth/login?{query}")))
            .await
    }

    pub(crate) async fn user_json(&self) -> Value {
        self.user_json_of(&self.client).await
    }

    /// What the app sees for a browser with another cookie jar.
    pub(crate) async fn user_json_of(&self, browser: &Browser) -> Value {
        browser
            .get(self.url("/user.json"))
            .send()
            .await
            .expect("get")
            .json()
            .expect("json")
    }

    /// What the app's `/user.json` shows with `cookie` as the whole `Cookie` header.
    pub(crate) async fn seen_with_cookie(&self, cookie: &str) -> Value {
        self.bare()
            .get(self.url("/user.json"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("get")
            .json()
            .expect("json")
    }

    pub(crate) async fn failure(&self) -> String {
        self.get("/failure").await.text().expect("text")
    }

    pub(crate) fn idp(&self) -> &DevIdp {
        &self.idp.idp
    }

    /// The logout token in the logout page this app's browser is shown.
    pub(crate) async fn logout_token(&self) -> String {
        self.logout_token_of(&self.client).await
    }

    /// The logout token in the logout page `browser` is shown.
    pub(crate) async fn logout_token_of(&self, browser: &Browser) -> String {
        let page = browser
            .get(self.url("/auth/logout"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("logout page")
            .text()
            .expect("text");
        let field = r#"name="doorman_logout" value=""#;
        let start = page.find(field).expect("token field") + field.len();
        page[start..start + page[start..].find('"').expect("end")].to_owned()
    }

    /// A click on `browser`'s "log out everywhere" button: a same-origin `POST` with its
    /// session's token; the response, a redirect.
    pub(crate) async fn log_out_everywhere(&self, browser: &Browser) -> Response {
        let token = self.logout_token_of(browser).await;
        let response = browser
            .post(self.url("/auth/logout-everywhere"))
            .header("origin", format!("http://{}", self.addr))
            .form(&[("doorman_logout", token)])
            .send()
            .await
            .expect("logout everywhere");
        assert!(response.status().is_redirection(), "{}", response.status());
        response
    }

    /// A click on the logout button: a same-origin `POST` with the session's token.
    pub(crate) async fn logout(&self) -> Response {
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

/// The test app's routes, under `base`, with `routes` merged and `auth`'s layer.
fn app_router(auth: &Auth, base: &str, routes: Option<fn(&Auth) -> Router>) -> Router {
    Router::new()
        .route(&format!("{base}/"), get(|| async { "home" }))
        .route(&format!("{base}/reports"), get(|| async { "reports" }))
        .route(
            &format!("{base}/user.json"),
            get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
        )
        .route(&format!("{base}/failure"), get(failure))
        .route(
            &format!("{base}/renew"),
            get(|| async { doorman_axum::refresh().into_response() }),
        )
        .route(
            &format!("{base}/failure-after-a-wait"),
            // The handler, and so its extractor, first polled after the layer's first poll.
            get(failure).layer(axum::middleware::from_fn(
                |request, next: axum::middleware::Next| async move {
                    tokio::task::yield_now().await;
                    next.run(request).await
                },
            )),
        )
        .route(
            &format!("{base}/start"),
            get(|| async { doorman_axum::login(Some("dev")).into_response() }),
        )
        .route(
            &format!("{base}/bye"),
            get(|| async { doorman_axum::logout().into_response() }),
        )
        .merge(routes.map_or_else(Router::new, |routes| routes(auth)))
        .merge(auth.routes())
        .layer(auth.layer())
}

/// A cookie a browser keeps.
struct Kept {
    host: String,
    name: String,
    value: String,
    path: String,
    secure: bool,
}

/// A browser: it sends requests to the app or the provider of its world, with the cookies
/// of its jar (if it has one) that match, and keeps the cookies answers set. Clones share
/// the jar, as tabs do.
#[derive(Clone)]
pub(crate) struct Browser {
    world: Arc<World>,
    jar: Option<Arc<Mutex<Vec<Kept>>>>,
}

impl Browser {
    fn new(world: &Arc<World>, jar: bool) -> Self {
        Self {
            world: Arc::clone(world),
            jar: jar.then(Arc::default),
        }
    }

    /// This browser (its cookie jar) sending its requests to another app of the same host,
    /// another replica.
    fn at_world(&self, world: &Arc<World>) -> Self {
        Self {
            world: Arc::clone(world),
            jar: self.jar.clone(),
        }
    }

    /// This browser sending its requests to `app`, a replica of the app it knows.
    pub(crate) fn at(&self, app: &TestApp) -> Self {
        self.at_world(&app.world)
    }

    pub(crate) fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url.as_ref())
    }

    pub(crate) fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url.as_ref())
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        RequestBuilder {
            browser: self.clone(),
            method,
            url: Url::parse(url).expect("url"),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }

    /// Follows redirects one at a time from `start`: the URLs visited and the last response.
    pub(crate) async fn follow(&self, start: &str) -> (Vec<String>, Response) {
        let mut url = Url::parse(start).expect("url");
        let mut visited = vec![url.to_string()];
        loop {
            let response = self.get(url.as_str()).send().await.expect("request");
            if !response.status().is_redirection() {
                return (visited, response);
            }
            url = url.join(&location(&response)).expect("location");
            visited.push(url.to_string());
            assert!(visited.len() < 10, "redirect loop: {visited:?}");
        }
    }

    /// The `Cookie` header this browser sends to `url`.
    pub(crate) fn cookie_header(&self, url: &Url) -> Option<String> {
        let jar = self
            .jar
            .as_ref()?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let host = url.host_str().unwrap_or_default();
        let path = url.path();
        let mut matching: Vec<&Kept> = jar
            .iter()
            .filter(|c| c.host == host && (!c.secure || url.scheme() == "https"))
            .filter(|c| {
                path == c.path
                    || path.starts_with(&c.path)
                        && (c.path.ends_with('/') || path[c.path.len()..].starts_with('/'))
            })
            .collect();
        // Longer paths first, then the earlier set (RFC 6265 §5.4).
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let pairs: Vec<String> = matching
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Keeps the cookies `response` sets for `url`, and forgets those it deletes.
    fn keep(&self, url: &Url, response: &Response) {
        let Some(jar) = &self.jar else {
            return;
        };
        let mut jar = jar.lock().unwrap_or_else(PoisonError::into_inner);
        let host = url.host_str().unwrap_or_default().to_owned();
        for line in set_cookies(response) {
            let cookie = cookie::Cookie::parse(line).expect("a Set-Cookie line");
            let path = cookie.path().map_or_else(
                || match url.path().rfind('/') {
                    Some(0) | None => "/".to_owned(),
                    Some(at) => url.path()[..at].to_owned(),
                },
                str::to_owned,
            );
            jar.retain(|c| !(c.host == host && c.name == cookie.name() && c.path == path));
            if cookie
                .max_age()
                .is_none_or(|age| age > cookie::time::Duration::ZERO)
            {
                jar.push(Kept {
                    host: host.clone(),
                    name: cookie.name().to_owned(),
                    value: cookie.value().to_owned(),
                    path,
                    secure: cookie.secure().unwrap_or(false),
                });
            }
        }
    }
}

/// A request a [`Browser`] is about to send.
pub(crate) struct RequestBuilder {
    browser: Browser,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RequestBuilder {
    pub(crate) fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value.as_ref()).expect("header value"),
        );
        self
    }

    /// A form body, URL-encoded.
    pub(crate) fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            form.append_pair(name.as_ref(), value.as_ref());
        }
        self.body = form.finish().into_bytes();
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// Sends it to the app or the provider, at the world's time. An error when nothing
    /// answers at the URL's host.
    pub(crate) async fn send(self) -> Result<Response, String> {
        let Self {
            browser,
            method,
            url,
            mut headers,
            body,
        } = self;
        let host = url.host_str().unwrap_or_default();
        if !headers.contains_key(header::HOST) {
            headers.insert(header::HOST, HeaderValue::from_str(host).expect("host"));
        }
        if !headers.contains_key(header::COOKIE)
            && let Some(cookie) = browser.cookie_header(&url)
        {
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(&cookie).expect("cookie"),
            );
        }
        let mut request = http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .body(body)
            .expect("request");
        *request.headers_mut() = headers;
        let world = &browser.world;
        let response = match host {
            APP => {
                let response = world
                    .router
                    .clone()
                    .oneshot(request.map(Body::from))
                    .await
                    .unwrap_or_else(|e| match e {});
                let (parts, body) = response.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .map_err(|e| e.to_string())?;
                Response {
                    status: parts.status,
                    headers: parts.headers,
                    body: body.to_vec(),
                }
            }
            IDP => {
                let (parts, body) = world.idp.handle(&request, world.clock.now()).into_parts();
                Response {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                }
            }
            other => return Err(format!("nothing answers at {other}")),
        };
        browser.keep(&url, &response);
        Ok(response)
    }
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Response {
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(crate) fn text(self) -> Result<String, std::string::FromUtf8Error> {
        String::from_utf8(self.body)
    }

    pub(crate) fn json(self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// Takes a login response (a redirect to the provider) through the provider and returns
/// the callback's response, not followed.
pub(crate) async fn through_provider(browser: &Browser, login: &Response) -> Response {
    let at_idp = browser.get(location(login)).send().await.expect("idp");
    browser
        .get(location(&at_idp))
        .send()
        .await
        .expect("callback")
}

/// A response's `Location`.
pub(crate) fn location(response: &Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The `Set-Cookie` lines of a response.
pub(crate) fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect()
}

/// `name=value` of a `Set-Cookie` line.
pub(crate) fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("pair").to_owned()
}

/// A login started without a jar (`/auth/login?{query}`): its transaction cookie
/// (`name=value`) and the URL of the provider's authorization endpoint.
pub(crate) async fn start_login(app: &TestApp, query: &str) -> (String, String) {
    let response = app
        .bare()
        .get(app.url(&format!("/auth/login?{query}")))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303);
    let tx = set_cookies(&response)
        .iter()
        .find(|c| c.starts_with("doorman_tx_"))
        .map(|c| cookie_pair(c))
        .expect("transaction cookie");
    (tx, location(&response))
}

/// A callback at `url` from a browser without a jar, sending `cookie`.
pub(crate) async fn callback_with(app: &TestApp, url: &str, cookie: &str) -> Response {
    app.bare()
        .get(url)
        .header("cookie", cookie)
        .send()
        .await
        .expect("callback")
}

/// The login failure a browser holding these `Set-Cookie`s would be shown.
pub(crate) fn failure_after(
    app: &TestApp,
    response: &Response,
) -> Option<doorman_axum::LoginFailure> {
    let cookie = set_cookies(response)
        .iter()
        .filter(|c| c.starts_with("doorman_error=") && !c.contains("Max-Age=0"))
        .map(|c| cookie_pair(c))
        .collect::<Vec<_>>()
        .join("; ");
    let mut headers = HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("header"));
    doorman_axum::testing::login_failure(&app.auth, &headers)
}

/// Whether a response sets the identity cookie (not merely deletes it).
pub(crate) fn sets_identity(response: &Response) -> bool {
    set_cookies(response)
        .iter()
        .any(|c| c.starts_with("doorman_user=") && !c.contains("Max-Age=0"))
}

pub(crate) fn is_ok(response: &Response) -> bool {
    response.status() == StatusCode::OK
}

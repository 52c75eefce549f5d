//! Back-channel logout end to end, over real sockets and on the system clock: the development
//! provider on a loopback port posts its logout token to the app's
//! `/auth/backchannel-logout` (registered at the provider) when the user's session ends there,
//! and the app (`Auth::new`, on another loopback port) logs the user out.

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DeliveryRecord, DevIdpConfig, Running};
use doorman_secrets::{AuthConfig, Origin};
use doorman_testkit::browser;
use doorman_testkit::devidp::{ForClient, serve_on_loopback};
use serde_json::{Value, json};

const COOKIE_SECRET: &str = "cookie-secret-0123456789abcdef0123456789";

const CLIENT_SECRET: &str = "client-secret-4a7f9e";

/// How long a test waits for the provider to deliver a logout token.
const DELIVERY_WAIT: Duration = Duration::from_secs(15);

/// The app on a loopback port, and the provider on another with the app's back-channel
/// logout URI registered for its client.
struct Served {
    origin: String,
    idp: Running,
    _server: tokio::task::JoinHandle<()>,
}

impl Served {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the app");
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("the app's address")
        );
        let idp = serve_on_loopback(|issuer| {
            DevIdpConfig::new(issuer)
                .for_client("app", CLIENT_SECRET, &format!("{origin}/oauth2callback"))
                .with_post_logout_redirect_uri(&format!("{origin}/auth/logged-out"))
                .with_backchannel_logout_uri("app", &format!("{origin}/auth/backchannel-logout"))
        });
        // `expose_tokens = ["id"]`: the session keeps its ID token, which the app's logout
        // sends as `id_token_hint`, naming the session the provider ends.
        let secrets = format!(
            "[auth]\nredirect_uri = \"{origin}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nexpose_tokens = [\"id\"]\n\n[auth.dev]\nclient_id = \"app\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"{}\"\n",
            idp.idp.config().metadata_url()
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
        Self {
            origin,
            idp,
            _server: server,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// What the app sees of `browser`'s user.
    async fn user_json(&self, browser: &reqwest::Client) -> Value {
        let (_, response) = browser::follow(browser, &self.url("/user.json")).await;
        response.json().await.expect("json")
    }

    /// Logs `browser` in through the provider: what the app then sees of the user.
    async fn log_in(&self, browser: &reqwest::Client) -> Value {
        let (visited, home) = browser::follow(browser, &self.url("/auth/login?provider=dev")).await;
        assert_eq!(home.text().await.expect("text"), "home", "{visited:?}");
        let user = self.user_json(browser).await;
        assert_eq!(user["is_logged_in"], true, "{user}");
        user
    }

    /// The one delivery the provider makes, once it is made.
    async fn the_delivery(&self) -> DeliveryRecord {
        let records = self
            .idp
            .wait_for_backchannel_deliveries(1, DELIVERY_WAIT)
            .await;
        let [record] = records.as_slice() else {
            panic!("one delivery: {records:?}");
        };
        record.clone()
    }
}

#[tokio::test]
async fn a_session_ended_at_the_provider_logs_the_app_out_through_the_back_channel() {
    let app = Served::start().await;
    let browser = browser::client();
    let user = app.log_in(&browser).await;

    let queued = app.idp.idp.end_user_session("ada", None, SystemTime::now());
    assert_eq!(queued, 1);
    let delivery = app.the_delivery().await;
    assert_eq!(delivery.uri, app.url("/auth/backchannel-logout"));
    assert_eq!(delivery.status(), Some(200), "{delivery:?}");
    assert_eq!(delivery.claims["sid"], user["sid"]);

    let after = app.user_json(&browser).await;
    assert_eq!(after["is_logged_in"], false, "{after}");
}

#[tokio::test]
async fn the_apps_logout_at_the_provider_comes_back_to_it_as_a_back_channel_logout() {
    let app = Served::start().await;
    let browser = browser::client();
    let user = app.log_in(&browser).await;

    // A click on the logout button: the page's token, then a same-origin POST, which sends
    // the browser to the provider's end-session endpoint and back.
    let page = browser
        .get(app.url("/auth/logout"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("the logout page")
        .text()
        .await
        .expect("text");
    let field = r#"name="doorman_logout" value=""#;
    let start = page.find(field).expect("the token field") + field.len();
    let token = &page[start..start + page[start..].find('"').expect("its end")];
    let logout = browser
        .post(app.url("/auth/logout"))
        .header("origin", &app.origin)
        .form(&[("doorman_logout", token)])
        .send()
        .await
        .expect("logout");
    let at_provider = browser::location(&logout);
    assert!(
        at_provider.starts_with(&format!("http://{}/end_session?", app.idp.addr)),
        "{at_provider}"
    );
    let (visited, _) = browser::follow(&browser, &at_provider).await;
    assert!(
        visited
            .iter()
            .any(|url| url.starts_with(&app.url("/auth/logged-out"))),
        "{visited:?}"
    );

    let delivery = app.the_delivery().await;
    assert_eq!(
        (delivery.status(), &delivery.claims["sid"]),
        (Some(200), &user["sid"]),
        "{delivery:?}"
    );
    assert_eq!(
        delivery.claims["events"],
        json!({ "http://schemas.openid.net/event/backchannel-logout": {} })
    );
    assert_eq!(app.user_json(&browser).await["is_logged_in"], false);
}

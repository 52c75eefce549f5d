//! WebSocket connections over a real socket: the `User` extractor works on an upgrade request, so a
//! client that opens `/ws` with the session cookie receives its user; `require_login`
//! answers an anonymous upgrade `401`, never a redirect.

mod loopback;

use axum::Router;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use doorman_axum::{Auth, User};
use loopback::Served;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Error};

/// `/ws`: sends the user's `to_dict()` (as `/user.json` serves it) once and closes.
fn routes(auth: &Auth) -> Router {
    Router::new()
        .route(
            "/ws",
            get(|user: User, upgrade: WebSocketUpgrade| async move {
                let body = Value::Object(user.to_dict()).to_string();
                upgrade.on_upgrade(|mut socket| async move {
                    let _ = socket.send(Message::Text(body.into())).await;
                    let _ = socket.send(Message::Close(None)).await;
                })
            }),
        )
        .route(
            "/ws/private",
            get(|user: User, upgrade: WebSocketUpgrade| async move {
                let email = user.email().unwrap_or_default().to_owned();
                upgrade.on_upgrade(|mut socket| async move {
                    let _ = socket.send(Message::Text(email.into())).await;
                })
            })
            .layer(auth.require_login()),
        )
}

/// Opens `path` as a WebSocket with `cookie`; the first text message, or the refusal.
async fn first_message(
    app: &Served,
    path: &str,
    cookie: Option<&str>,
) -> Result<String, Response<Option<Vec<u8>>>> {
    let url = format!("{}{path}", app.origin.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut socket, _)) => {
            use futures_util::StreamExt as _;
            loop {
                match socket.next().await.expect("a message").expect("read") {
                    tungstenite::Message::Text(text) => return Ok(text.to_string()),
                    _ => continue,
                }
            }
        }
        Err(Error::Http(response)) => Err(*response),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_with_the_session_cookie_receives_its_user() {
    let app = Served::start_with("", routes).await;
    app.follow("/auth/login?provider=dev").await;
    let cookie = app.browser_cookie().expect("the session cookie");
    let user: Value = serde_json::from_str(
        &first_message(&app, "/ws", Some(&cookie))
            .await
            .expect("open"),
    )
    .expect("json");
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(
        first_message(&app, "/ws/private", Some(&cookie))
            .await
            .expect("open"),
        "ada@example.com"
    );
    let anonymous: Value =
        serde_json::from_str(&first_message(&app, "/ws", None).await.expect("open")).expect("json");
    assert_eq!(anonymous["is_logged_in"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_upgrade_to_a_guarded_route_is_401() {
    let app = Served::start_with("", routes).await;
    let refused = first_message(&app, "/ws/private", None)
        .await
        .expect_err("refused");
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().get("location").is_none());
    let body: Value =
        serde_json::from_slice(refused.body().as_deref().unwrap_or_default()).expect("json");
    assert_eq!(body["error"], "login_required");
}

//! The peer of the load run: an axum app protected by `axum-oidc` (a published crate) with
//! its in-memory session store, serving the same `/user.json` as doorman's demo app.
//!
//! `doorman-load-peer --port P --issuer URL --client-id ID --client-secret S` serves, logs
//! itself in against the development provider (which approves at once), prints
//! `COOKIE name=value` for its session and `READY`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::error_handling::HandleErrorLayer;
use axum::http::Uri;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use axum::Router;
use axum_oidc::error::MiddlewareError;
use axum_oidc::{EmptyAdditionalClaims, OidcAuthLayer, OidcClaims, OidcLoginLayer};
use serde_json::{json, Value};
use tower::ServiceBuilder;
use tower_sessions::cookie::SameSite;
use tower_sessions::{MemoryStore, SessionManagerLayer};

async fn user_json(claims: OidcClaims<EmptyAdditionalClaims>) -> Json<Value> {
    Json(json!({
        "is_logged_in": true,
        "sub": claims.subject().as_str(),
        "email": claims.email().map(|e| e.as_str()),
        "name": claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        "provider": "dev",
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut options = HashMap::new();
    while let (Some(key), Some(value)) = (args.next(), args.next()) {
        options.insert(key.trim_start_matches("--").to_owned(), value);
    }
    let port: u16 = options["port"].parse()?;
    let base = format!("http://127.0.0.1:{port}");

    let sessions = SessionManagerLayer::new(MemoryStore::default())
        .with_secure(false)
        .with_same_site(SameSite::Lax);
    let login = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|e: MiddlewareError| async { e.into_response() }))
        .layer(OidcLoginLayer::<EmptyAdditionalClaims>::new());
    let auth = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|e: MiddlewareError| async { e.into_response() }))
        .layer(
            OidcAuthLayer::<EmptyAdditionalClaims>::discover_client(
                Uri::from_maybe_shared(base.clone())?,
                options["issuer"].clone(),
                options["client-id"].clone(),
                Some(options["client-secret"].clone()),
                vec!["email".to_owned(), "profile".to_owned()],
            )
            .await?,
        );
    let app = Router::new()
        .route("/user.json", get(user_json))
        .layer(login)
        .layer(auth)
        .layer(sessions);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(Arc::clone(&jar)).build()?;
    let response = client.get(format!("{base}/user.json")).send().await?;
    let body = response.text().await?;
    let url: reqwest::Url = base.parse()?;
    let cookie = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).ok_or("no session cookie")?;
    if !body.contains("\"is_logged_in\":true") {
        return Err(format!("the peer did not log in: {body}").into());
    }
    println!("COOKIE {}", cookie.to_str()?);
    println!("READY");
    std::future::pending::<()>().await;
    Ok(())
}

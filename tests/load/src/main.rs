//! The processes of `cargo xtask bench`'s load run, each on a loopback port:
//!
//! - `doorman-load app --port P --groups N --layer on|off`: `/user.json` behind doorman's
//!   layer (the user read from a sealed identity cookie and serialized as it is), or the
//!   same JSON, prebuilt, without it. It
//!   prints `COOKIE name=value` (a valid identity cookie for a Google-like login with `N`
//!   groups) and `READY`.
//! - `doorman-load idp --port P --client-id ID --client-secret S --redirect-uri URI`: the
//!   development provider, approving at once, for the peer app; prints `READY`.

#![allow(
    clippy::print_stdout,
    reason = "the orchestrator reads the lines it prints"
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman::seal::{Purpose, Sealer};
use doorman::secrets::{AuthConfig, Origin};
use doorman::user::{ExposedTokens, Session};
use doorman::{Auth, AuthOptions, User};
use doorman_testkit::claims;
use doorman_testkit::devidp::ForClient as _;
use serde_json::{Map, Value};

const COOKIE_SECRET: &str = "load-run-cookie-secret-0123456789abcdef";

fn args() -> (String, HashMap<String, String>) {
    let mut all = std::env::args().skip(1);
    let mode = all.next().unwrap_or_default();
    let mut map = HashMap::new();
    while let (Some(key), Some(value)) = (all.next(), all.next()) {
        map.insert(key.trim_start_matches("--").to_owned(), value);
    }
    (mode, map)
}

/// Google's claims, plus `groups` GUIDs as Entra ID sends them: the claim sets of the tests
/// and benchmarks, one definition for all figures.
fn claims(groups: usize) -> Map<String, Value> {
    if groups == 0 {
        claims::google_claims()
    } else {
        claims::claims_with_groups(groups)
    }
}

/// A prebuilt JSON value, serialized without copying it.
struct SharedJson(Arc<Value>);

impl serde::Serialize for SharedJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

async fn app(options: &HashMap<String, String>) -> Result<(), String> {
    let port: u16 = options
        .get("port")
        .and_then(|p| p.parse().ok())
        .ok_or("--port")?;
    let groups: usize = options
        .get("groups")
        .and_then(|g| g.parse().ok())
        .unwrap_or(0);
    let with_layer = options.get("layer").is_none_or(|l| l == "on");
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:{port}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n\n[auth.google]\nclient_id = \"load\"\nclient_secret = \"load-secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n"
    );
    let config =
        AuthConfig::parse(&secrets, Origin::Text("load run".into())).map_err(|e| e.to_string())?;
    let auth = Auth::new(&config, AuthOptions::default().port(port)).map_err(|e| e.to_string())?;
    let now = SystemTime::now();
    let expires = now + Duration::from_secs(30 * 86_400);
    let session = Session::new(
        "google",
        claims(groups),
        ExposedTokens::default(),
        now,
        expires,
        None,
    );
    let sealer =
        Sealer::new(Purpose::Identity, COOKIE_SECRET.as_bytes(), &[]).map_err(|e| e.to_string())?;
    let mut nonce = [0u8; doorman::seal::NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
    let sealed = sealer
        .seal(
            "doorman_user",
            &session.to_bytes().expect("a session within the limit"),
            expires,
            now,
            nonce,
        )
        .map_err(|e| e.to_string())?;
    let cookies = doorman::seal::split("doorman_user", &sealed, 60).map_err(|e| e.to_string())?;
    let header: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
    println!("COOKIE {}", header.join("; "));

    let router = if with_layer {
        Router::new()
            .route(
                "/user.json",
                get(|user: User| async move { Json(user.into_inner()) }),
            )
            .merge(auth.routes())
            .layer(auth.layer())
    } else {
        // The same JSON, prebuilt and shared: axum's per-request clone of the handler copies
        // a pointer, and the response serializes it in place.
        let same = Arc::new(Value::Object(
            doorman::user::Identity::logged_in(session).to_dict(),
        ));
        Router::new().route(
            "/user.json",
            get(move || {
                let body = SharedJson(Arc::clone(&same));
                async move { Json(body) }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    println!("READY");
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}

async fn idp(options: &HashMap<String, String>) -> Result<(), String> {
    let port: u16 = options
        .get("port")
        .and_then(|p| p.parse().ok())
        .ok_or("--port")?;
    let get = |key: &str| options.get(key).cloned().ok_or(format!("--{key}"));
    let issuer = url::Url::parse(&format!("http://127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    let config = doorman_devidp::DevIdpConfig::new(issuer).for_client(
        &get("client-id")?,
        &get("client-secret")?,
        &get("redirect-uri")?,
    );
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let _running = doorman_devidp::serve(listener, Arc::new(doorman_devidp::DevIdp::new(config)))
        .map_err(|e| e.to_string())?;
    println!("READY");
    std::future::pending::<()>().await;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (mode, options) = args();
    let result = match mode.as_str() {
        "app" => app(&options).await,
        "idp" => idp(&options).await,
        _ => Err("usage: doorman-load app|idp --port P ...".to_owned()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            println!("ERROR {why}");
            std::process::ExitCode::FAILURE
        }
    }
}

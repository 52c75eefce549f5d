//! The processes of `cargo xtask bench`'s load run, each on a loopback port:
//!
//! - `doorman-load app --port P --groups N --layer on|off`: `/user.json` behind doorman's
//!   layer (the user read from a sealed identity cookie and serialized as it is), or the
//!   same JSON, prebuilt, without it. It
//!   prints `COOKIE name=value` (a valid identity cookie for a Google-like login with `N`
//!   groups) and `READY`.
//! - `doorman-load app --port P --groups N --layer on|off --redis URL`: the same with shared
//!   state on that Redis (`redis_url`), sessions still in their cookies.
//! - `doorman-load app --port P --groups N --layer on|off --redis URL --store on`: sessions
//!   in Redis (`session_store = "redis"`). The session is made by a real login at the
//!   development provider, served in process (a stored session cannot be sealed by hand);
//!   with `--layer off`, the login is made on another port and `P` serves the JSON that
//!   login's `/user.json` showed, prebuilt.
//! - `doorman-load propagation --redis URL --rounds N`: two replicas of the app (two `Auth`
//!   values sharing that Redis, each on a port), and N sessions each logged out everywhere on
//!   the first (`Auth::logout_everywhere`) while the second is asked, over HTTP, until it
//!   refuses the session: prints `PROPAGATION p50_us p99_us max_us`.
//! - `doorman-load mixed …` and `doorman-load replica …`: the mixed load ([`mixed`]).
//! - `doorman-load idp --port P --client-id ID --client-secret S --redirect-uri URI`: the
//!   development provider, approving at once, for the peer app; prints `READY`.

#![allow(
    clippy::print_stdout,
    reason = "the orchestrator reads the lines it prints"
)]

mod mixed;

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
use mixed::free_port;
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
    let redis = options.get("redis").map(String::as_str);
    if options.get("store").is_some_and(|s| s == "on") {
        let redis = redis.ok_or("--store on needs --redis URL")?;
        return stored(port, groups, with_layer, redis).await;
    }
    let shared = redis.map_or_else(String::new, |url| format!("redis_url = \"{url}\"\n"));
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:{port}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n{shared}\n[auth.google]\nclient_id = \"load\"\nclient_secret = \"load-secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n"
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

/// The app with its sessions in Redis: a real login at a development provider served here,
/// whose user has the claims of [`claims()`]; then `/user.json` on `port`, behind the layer or
/// (`with_layer` false) as that login's JSON, prebuilt.
async fn stored(port: u16, groups: usize, with_layer: bool, redis: &str) -> Result<(), String> {
    let login_port = if with_layer { port } else { free_port()? };
    let app = format!("http://127.0.0.1:{login_port}");
    let provider = doorman_testkit::devidp::serve_on_loopback(|issuer| {
        let mut config = doorman_devidp::DevIdpConfig::new(issuer).for_client(
            "load",
            "load-secret",
            &format!("{app}/oauth2callback"),
        );
        if let Some(user) = config.users.first_mut() {
            // The profile claims; the provider writes the token's own (`iss`, `aud`, ...).
            user.claims = claims(groups)
                .into_iter()
                .filter(|(name, _)| {
                    !matches!(
                        name.as_str(),
                        "iss" | "azp" | "aud" | "sub" | "at_hash" | "nonce" | "iat" | "exp"
                    )
                })
                .collect();
        }
        config
    });
    let secrets = format!(
        "[auth]\nredirect_uri = \"{app}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nredis_url = \"{redis}\"\nsession_store = \"redis\"\n\n[auth.google]\nclient_id = \"load\"\nclient_secret = \"load-secret\"\nserver_metadata_url = \"http://{}/.well-known/openid-configuration\"\n",
        provider.addr
    );
    let config =
        AuthConfig::parse(&secrets, Origin::Text("load run".into())).map_err(|e| e.to_string())?;
    let auth =
        Auth::new(&config, AuthOptions::default().port(login_port)).map_err(|e| e.to_string())?;
    let router = Router::new()
        .route(
            "/user.json",
            get(|user: User| async move { Json(user.into_inner()) }),
        )
        .merge(auth.routes())
        .layer(auth.layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", login_port))
        .await
        .map_err(|e| e.to_string())?;
    let serving = tokio::spawn(async move { axum::serve(listener, router).await });

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .map_err(|e| e.to_string())?;
    client
        .get(format!("{app}/auth/login?provider=google"))
        .send()
        .await
        .map_err(|e| format!("the login: {e}"))?;
    let user: Value = client
        .get(format!("{app}/user.json"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if user["is_logged_in"] != true {
        return Err(format!("the login did not log in: {user}"));
    }
    let url = url::Url::parse(&app).map_err(|e| e.to_string())?;
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &url)
        .and_then(|header| header.to_str().ok().map(str::to_owned))
        .ok_or("no cookie after the login")?;
    println!("COOKIE {cookie}");
    if with_layer {
        println!("READY");
        return serving
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string());
    }
    serving.abort();
    let same = Arc::new(user);
    let router = Router::new().route(
        "/user.json",
        get(move || {
            let body = SharedJson(Arc::clone(&same));
            async move { Json(body) }
        }),
    );
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

/// How long, at most, a replica may take to refuse a revoked session before the run fails.
const PROPAGATION_PATIENCE: Duration = Duration::from_secs(5);

/// Revocation propagation between two replicas sharing Redis (cookie mode): how long after
/// `logout_everywhere` on the first the second refuses the session, over `rounds` sessions.
async fn propagation(options: &HashMap<String, String>) -> Result<(), String> {
    let redis = options.get("redis").ok_or("--redis URL")?;
    let rounds: usize = options
        .get("rounds")
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let (port_a, port_b) = (free_port()?, free_port()?);
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:{port_a}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nredis_url = \"{redis}\"\n\n[auth.google]\nclient_id = \"load\"\nclient_secret = \"load-secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n"
    );
    let config =
        AuthConfig::parse(&secrets, Origin::Text("load run".into())).map_err(|e| e.to_string())?;
    let mut replicas = Vec::new();
    for port in [port_a, port_b] {
        let auth =
            Auth::new(&config, AuthOptions::default().port(port)).map_err(|e| e.to_string())?;
        let revoking = auth.clone();
        let router = Router::new()
            .route(
                "/user.json",
                get(|user: User| async move { Json(user.into_inner()) }),
            )
            .route(
                "/revoke",
                get(move |user: User| {
                    let auth = revoking.clone();
                    async move { auth.logout_everywhere(&user).is_ok().to_string() }
                }),
            )
            .layer(auth.layer());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move { axum::serve(listener, router).await });
        replicas.push(auth);
    }
    // Both subscribers are up before the first revocation.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = reqwest::Client::new();
    let sealer =
        Sealer::new(Purpose::Identity, COOKIE_SECRET.as_bytes(), &[]).map_err(|e| e.to_string())?;
    let mut took = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let now = SystemTime::now();
        let expires = now + Duration::from_secs(3_600);
        let mut claims = claims(0);
        claims.insert("sub".into(), Value::from(format!("load-user-{round}")));
        let session = Session::new(
            "google",
            claims,
            ExposedTokens::default(),
            now,
            expires,
            None,
        );
        let mut nonce = [0u8; doorman::seal::NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let sealed = sealer
            .seal(
                "doorman_user",
                &session.to_bytes().map_err(|e| e.to_string())?,
                expires,
                now,
                nonce,
            )
            .map_err(|e| e.to_string())?;
        let cookie = format!("doorman_user={sealed}");
        let seen = |port: u16, path: &'static str| {
            client
                .get(format!("http://127.0.0.1:{port}{path}"))
                .header("cookie", cookie.clone())
                .send()
        };
        let logged_in = |body: &str| body.contains("\"is_logged_in\":true");
        let body = seen(port_b, "/user.json")
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if !logged_in(&body) {
            return Err(format!("replica B does not see the session: {body}"));
        }
        let started = std::time::Instant::now();
        let revoked = seen(port_a, "/revoke")
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if revoked != "true" {
            return Err(format!("replica A did not revoke: {revoked}"));
        }
        loop {
            let body = seen(port_b, "/user.json")
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            if !logged_in(&body) {
                break;
            }
            if started.elapsed() > PROPAGATION_PATIENCE {
                return Err(format!(
                    "replica B still serves a session revoked {PROPAGATION_PATIENCE:?} ago"
                ));
            }
        }
        took.push(started.elapsed());
    }
    took.sort_unstable();
    let at = |q: f64| {
        let index = ((took.len() as f64 - 1.0) * q).round() as usize;
        took.get(index).map_or(0, |d| d.as_micros())
    };
    println!("PROPAGATION {} {} {}", at(0.5), at(0.99), at(1.0));
    drop(replicas);
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (mode, options) = args();
    let result = match mode.as_str() {
        "app" => app(&options).await,
        "idp" => idp(&options).await,
        "propagation" => propagation(&options).await,
        "mixed" => mixed::mixed(&options).await,
        "replica" => mixed::replica(&options).await,
        _ => Err("usage: doorman-load app|idp|propagation --port P ...".to_owned()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            println!("ERROR {why}");
            std::process::ExitCode::FAILURE
        }
    }
}

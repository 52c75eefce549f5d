//! `doorman demo`: the demo app, against the built-in development provider or a secrets file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use doorman::secrets::{AuthConfig, Origin};
use doorman::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient, SigningKey};

/// What `doorman demo` was asked for.
pub(crate) struct DemoArgs {
    pub(crate) secrets: Option<PathBuf>,
    pub(crate) addr: SocketAddr,
}

pub(crate) fn run(args: &DemoArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            crate::say_err(&format!("error: cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            crate::say_err(&format!("error: {message}"));
            ExitCode::FAILURE
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts the development provider on a free loopback port, registers the demo as its
/// client, and returns the secrets text that points at it (and the running provider).
fn built_in_provider(app: SocketAddr) -> Result<(String, doorman_devidp::Running), String> {
    let idp_listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    let idp_addr = idp_listener.local_addr().map_err(|e| e.to_string())?;
    let issuer = url::Url::parse(&format!("http://{idp_addr}")).map_err(|e| e.to_string())?;
    let mut secret = [0u8; 32];
    let mut cookie_secret = [0u8; 32];
    getrandom_fill(&mut secret)?;
    getrandom_fill(&mut cookie_secret)?;
    let client_secret = hex(&secret);
    let app_origin = format!("http://{app}");
    let config = DevIdpConfig::new(issuer.clone()).with_client(RegisteredClient {
        client_id: "doorman-demo".to_owned(),
        client_secret: client_secret.clone(),
        redirect_uris: vec![format!("{app_origin}/oauth2callback")],
        post_logout_redirect_uris: vec![format!("{app_origin}/auth/logged-out")],
    });
    let key = SigningKey::generate_rsa("demo-1").map_err(|e| e.to_string())?;
    let (_, ec) = doorman_devidp::test_keys();
    let idp = Arc::new(DevIdp::with_keys(config, vec![key], ec));
    let running = doorman_devidp::serve(idp_listener, idp).map_err(|e| e.to_string())?;
    let secrets = format!(
        "[auth]\nredirect_uri = \"{app_origin}/oauth2callback\"\ncookie_secret = \"{}\"\nexpose_tokens = [\"id\", \"access\"]\n\n[auth.devidp]\nclient_id = \"doorman-demo\"\nclient_secret = \"{client_secret}\"\nserver_metadata_url = \"{}/.well-known/openid-configuration\"\n",
        hex(&cookie_secret),
        issuer.as_str().trim_end_matches('/'),
    );
    Ok((secrets, running))
}

fn getrandom_fill(bytes: &mut [u8]) -> Result<(), String> {
    getrandom::fill(bytes).map_err(|e| format!("the system random generator failed: {e}"))
}

async fn serve(args: &DemoArgs) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (config, _provider) = match &args.secrets {
        Some(path) => (
            AuthConfig::load(std::slice::from_ref(path)).map_err(|e| e.to_string())?,
            None,
        ),
        None => {
            if !addr.ip().is_loopback() {
                return Err("without --secrets the demo uses the development provider, which serves loopback only: use a 127.0.0.1 address".to_owned());
            }
            let (text, running) = built_in_provider(addr)?;
            tracing::info!(provider = %running.addr, "built-in development provider started");
            let config = AuthConfig::parse(
                &text,
                Origin::Text("the built-in development provider".to_owned()),
            )
            .map_err(|e| e.to_string())?;
            (config, Some(running))
        }
    };
    let auth =
        Auth::new(&config, AuthOptions::default().port(addr.port())).map_err(|e| e.to_string())?;
    auth.warm_up();
    let app = Router::new()
        .route("/", get(home))
        .route("/user.json", get(user_json))
        .merge(auth.routes())
        .layer(auth.layer());
    let shown = if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    };
    crate::say(&format!(
        "doorman demo: open {shown}/ in your browser (Ctrl-C stops it)"
    ));
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}\
a.doorman-login,button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.55rem 1rem;border:1px solid #555;border-radius:.4rem;background:#f4f4f4;color:#111;text-decoration:none;font-size:1rem;cursor:pointer}\
.error{padding:.7rem 1rem;border-left:4px solid #b00;background:#fff2f2}table{border-collapse:collapse;width:100%}\
td{border-bottom:1px solid #ddd;padding:.35rem;vertical-align:top;font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}";

async fn home(user: User) -> Response {
    let mut body = String::from("<h1>doorman demo</h1>");
    if let Some(failure) = user.login_failure() {
        body.push_str(&format!(
            r#"<p class="error" id="login-error">Login failed: {}</p>"#,
            escape(&failure.to_string())
        ));
    }
    if user.is_logged_in() {
        let name = user.name().or(user.email()).unwrap_or("there");
        body.push_str(&format!(r#"<p id="greeting">Hello, <strong>{}</strong>! You are logged in with <code>{}</code>.</p>"#,
            escape(name), escape(user.provider().unwrap_or_default())));
        if let Some(email) = user.email() {
            body.push_str(&format!(
                r#"<p>Email: <span id="email">{}</span></p>"#,
                escape(email)
            ));
        }
        body.push_str(&user.logout_button("Log out"));
        body.push_str("<h2>Claims</h2><table>");
        for (name, value) in user.claims() {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(name),
                escape(&value.to_string())
            ));
        }
        body.push_str(
            r#"</table><p><a href="/user.json">/user.json</a> is what the app sees.</p>"#,
        );
    } else {
        body.push_str(r#"<p id="greeting">You are not logged in.</p>"#);
        for provider in user.providers() {
            body.push_str(&user.login_button(&format!("Log in with {provider}"), Some(provider)));
        }
    }
    Html(format!(r#"<!doctype html><html><head><meta charset="utf-8"><title>doorman demo</title><style>{STYLE}</style></head><body>{body}</body></html>"#)).into_response()
}

async fn user_json(user: User) -> Json<serde_json::Map<String, serde_json::Value>> {
    Json(user.to_dict())
}

//! `doorman demo`: the demo app, against the built-in development provider or a secrets file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONNECTION};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use doorman::secrets::{AuthConfig, Origin};
use doorman::{Auth, AuthOptions, User, escape_html};
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient, SigningKey};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

/// How long a connection has to send a request's headers: counted from when it is accepted,
/// and again from the end of each response on a keep-alive connection. hyper's header-read
/// timeout restarts when a connection goes idle, so this is the idle timeout as well: a
/// connection that sends nothing, sends its headers slowly, or sits idle between requests
/// is closed after it.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request may take once its headers are in: reading its body and answering.
/// A request still running after it is answered `408 Request Timeout`, its body is dropped
/// and the connection is closed, so a body that trickles cannot hold a connection open.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The time limits on every connection the demo serves.
#[derive(Clone, Copy, Debug)]
struct ConnectionTimeouts {
    /// See [`HEADER_READ_TIMEOUT`].
    header_read: Duration,
    /// See [`REQUEST_TIMEOUT`].
    request: Duration,
}

impl ConnectionTimeouts {
    /// The limits `doorman demo` serves with.
    const DEMO: Self = Self {
        header_read: HEADER_READ_TIMEOUT,
        request: REQUEST_TIMEOUT,
    };
}

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
/// How long the built-in provider's access tokens last: short, so that a refresh shows.
const DEMO_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(120);

/// The audience of the built-in provider's access tokens (JWTs), which `/api/me` takes as
/// bearer tokens: `curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:8501/api/me`.
const DEMO_API_AUDIENCE: &str = "doorman-demo-api";

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
    // Access tokens of two minutes, so that the demo shows a session renewing itself.
    let config = DevIdpConfig::new(issuer.clone())
        .with_access_token_lifetime(DEMO_ACCESS_TOKEN_LIFETIME)
        .with_jwt_access_tokens(DEMO_API_AUDIENCE)
        .with_client(RegisteredClient {
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
        "[auth]\nredirect_uri = \"{app_origin}/oauth2callback\"\ncookie_secret = \"{}\"\nexpose_tokens = [\"id\", \"access\"]\ncookie_lifetime = \"12h\"\nlogout_params = {{ logout_hint = \"{{email}}\" }}\n\n[auth.devidp]\nclient_id = \"doorman-demo\"\nclient_secret = \"{client_secret}\"\nserver_metadata_url = \"{}/.well-known/openid-configuration\"\nclient_kwargs = {{ scope = \"openid profile email offline_access\" }}\napi_audience = \"{DEMO_API_AUDIENCE}\"\n",
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
    crate::say(&settings_report(&auth));
    let private = Router::new()
        .route("/private", get(private))
        .route("/api/me", get(user_json))
        .layer(auth.require_login());
    let app = Router::new()
        .route("/", get(home))
        .route("/user.json", get(user_json))
        .route("/ws", get(websocket))
        .merge(auth.routes())
        .layer(auth.layer())
        .merge(private);
    let shown = if addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", addr.port())
    } else {
        format!("http://{addr}")
    };
    crate::say(&format!(
        "doorman demo: open {shown}/ in your browser (Ctrl-C stops it)"
    ));
    serve_connections(listener, app, ConnectionTimeouts::DEMO).await;
    Ok(())
}

/// Every effective setting, one per line, with where it came from (code, the secrets file,
/// or the default): what the app runs with.
fn settings_report(auth: &Auth) -> String {
    let mut out = String::from("doorman demo: settings (value, then where it came from):");
    for setting in auth.settings() {
        let scope = setting
            .provider
            .as_ref()
            .map_or(String::new(), |provider| format!("{provider}."));
        let line = &setting.line;
        out.push_str(&format!(
            "\n  {scope}{} = {} ({})",
            line.key, line.value, line.source
        ));
    }
    out
}

/// Accepts connections on `listener` forever and serves `app` on each over HTTP/1.1, within
/// `timeouts`. (`axum::serve` sets no timer, so its connections have no time limit at all.)
async fn serve_connections(
    mut listener: tokio::net::TcpListener,
    app: Router,
    timeouts: ConnectionTimeouts,
) {
    let app = app.layer(axum::middleware::from_fn_with_state(
        timeouts.request,
        answer_within,
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    loop {
        // axum's accept: retries, and waits a second after an error such as too many open files.
        let (stream, peer) = axum::serve::Listener::accept(&mut listener).await;
        let connection = http
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()))
            .with_upgrades();
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection closed");
            }
        });
    }
}

/// Runs the rest of the app on `request`, or answers `408 Request Timeout` (and closes the
/// connection) when that takes longer than `limit`.
async fn answer_within(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::info!(after = ?limit, "request timed out");
            (
                StatusCode::REQUEST_TIMEOUT,
                [(CONNECTION, "close")],
                "the request took too long\n",
            )
                .into_response()
        }
    }
}

/// `Cache-Control: no-store`, for pages that show the user's claims or tokens.
const NO_STORE: [(axum::http::HeaderName, &str); 1] = [(CACHE_CONTROL, "no-store")];

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}\
a.doorman-login,button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.55rem 1rem;border:1px solid #555;border-radius:.4rem;background:#f4f4f4;color:#111;text-decoration:none;font-size:1rem;cursor:pointer}\
.error{padding:.7rem 1rem;border-left:4px solid #b00;background:#fff2f2}table{border-collapse:collapse;width:100%}\
td{border-bottom:1px solid #ddd;padding:.35rem;vertical-align:top;font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}";

async fn home(user: User) -> Response {
    let mut body = String::from("<h1>doorman demo</h1>");
    if let Some(failure) = user.login_failure() {
        body.push_str(&format!(
            r#"<p class="error" id="login-error">Login failed: {}</p>"#,
            escape_html(failure.message())
        ));
    }
    if user.is_logged_in() {
        let name = user.name().or(user.email()).unwrap_or("there");
        body.push_str(&format!(r#"<p id="greeting">Hello, <strong>{}</strong>! You are logged in with <code>{}</code>.</p>"#,
            escape_html(name), escape_html(user.provider().unwrap_or_default())));
        if let Some(email) = user.email() {
            body.push_str(&format!(
                r#"<p>Email: <span id="email">{}</span></p>"#,
                escape_html(email)
            ));
        }
        body.push_str(&user.logout_button("Log out"));
        if let Some(expires_at) = user.tokens().expires_at() {
            let left = expires_at
                .duration_since(SystemTime::now())
                .map_or(0, |d| d.as_secs());
            let unix = expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            body.push_str(&format!(
                r#"<p>The access token expires at <span id="expires-at">{unix}</span> (Unix time, in {left} s); the session renews itself at the provider a minute before, on the next request.</p>"#
            ));
            body.push_str(&user.refresh_button("Renew now", "/"));
        }
        body.push_str("<h2>Claims</h2><table>");
        for (name, value) in user.claims() {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape_html(name),
                escape_html(&value.to_string())
            ));
        }
        body.push_str(
            r#"</table><p><a href="/user.json">/user.json</a> is what the app sees.</p>"#,
        );
        body.push_str(GUARDED);
    } else {
        body.push_str(r#"<p id="greeting">You are not logged in.</p>"#);
        for provider in user.providers() {
            body.push_str(&user.login_button(&format!("Log in with {provider}"), Some(provider)));
        }
        body.push_str(GUARDED);
    }
    (NO_STORE, Html(format!(r#"<!doctype html><html><head><meta charset="utf-8"><title>doorman demo</title><style>{STYLE}</style></head><body>{body}</body></html>"#))).into_response()
}

async fn user_json(user: User) -> Response {
    (NO_STORE, Json(user.to_dict())).into_response()
}

/// The guarded routes, as the home page lists them.
const GUARDED: &str = r#"<h2>Guarded routes</h2><ul>
<li><a href="/private">/private</a>: a page behind <code>require_login()</code> (logged out, it sends you to log in and back)</li>
<li><a href="/api/me">/api/me</a>: JSON behind <code>require_login()</code> (logged out, a script or curl gets <code>401</code>; an access token of the built-in provider works as <code>Authorization: Bearer</code>)</li>
<li><code>/ws</code>: a WebSocket that sends what <code>/user.json</code> shows, once, and closes</li></ul>"#;

/// `/private`: a page only logged-in users reach.
async fn private(user: User) -> Response {
    let name = user.name().or(user.email()).unwrap_or("there");
    (NO_STORE, Html(format!(r#"<!doctype html><html><head><meta charset="utf-8"><title>Private</title><style>{STYLE}</style></head><body><h1>Private</h1><p id="private">Only logged-in users see this page, {}.</p><p><a href="/">Home</a></p></body></html>"#, escape_html(name)))).into_response()
}

/// `/ws`: sends the user's `/user.json` body once, then closes.
async fn websocket(user: User, upgrade: WebSocketUpgrade) -> Response {
    let body = serde_json::Value::Object(user.to_dict()).to_string();
    upgrade.on_upgrade(|mut socket| async move {
        let _ = socket.send(Message::Text(body.into())).await;
        let _ = socket.send(Message::Close(None)).await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The demo's own keys show with where they came from, next to the defaults and the
    /// code's port.
    #[tokio::test]
    async fn the_demo_prints_every_setting_and_where_it_came_from() {
        let app: SocketAddr = "127.0.0.1:8501".parse().expect("address");
        let (text, _running) = built_in_provider(app).expect("provider");
        let config = AuthConfig::parse(&text, Origin::Text("demo".to_owned())).expect("secrets");
        let auth = Auth::new(&config, AuthOptions::default().port(8501)).expect("auth");
        let report = settings_report(&auth);
        for expected in [
            "\n  port = 8501 (code)",
            "\n  base_path = / (default)",
            "\n  devidp.cookie_lifetime = 12h (demo:5:19)",
            "\n  devidp.logout_params = { logout_hint = \"{email}\" } (demo:6:17)",
            "\n  devidp.call_userinfo = true (default)",
        ] {
            assert!(report.contains(expected), "{expected:?} in {report}");
        }
    }

    /// A request whose body arrives a byte at a time, never finishing, is answered 408 once
    /// the request timeout passes, and its connection is closed. Short limits keep it quick.
    #[tokio::test]
    async fn a_request_whose_body_trickles_is_answered_408_and_its_connection_closed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let app = Router::new().route("/echo", post(|body: String| async move { body }));
        let timeouts = ConnectionTimeouts {
            header_read: Duration::from_secs(5),
            request: Duration::from_millis(500),
        };
        let server = tokio::spawn(serve_connections(listener, app, timeouts));

        let connection = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut reader, mut writer) = connection.into_split();
        writer
            .write_all(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
            .await
            .expect("send the head");
        let trickle = tokio::spawn(async move {
            while writer.write_all(b"x").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut answer))
            .await
            .expect("the connection is closed while its body still trickles");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 408 "),
            "{answer} (read: {read:?})"
        );
        trickle.abort();
        server.abort();
    }
}

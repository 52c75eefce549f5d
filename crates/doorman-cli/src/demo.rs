//! `doorman demo`: the demo app, against the built-in development provider or a secrets file.

use std::net::{IpAddr, SocketAddr};
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
use doorman::{Auth, AuthOptions, EffectiveSetting, User, escape_html};
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
    /// With the built-in provider: the Redis the two replicas share (`redis_url`, with
    /// `session_store = "redis"`).
    pub(crate) redis: Option<String>,
    pub(crate) addr: SocketAddr,
}

/// One replica the demo serves, as its home page describes it.
#[derive(Clone, Debug)]
struct Replica {
    /// 1 for the replica on `--addr`, 2 for the one on the next port.
    number: usize,
    /// How many replicas this process serves.
    count: usize,
    /// The port it listens on.
    port: u16,
    /// Where its sessions live, from its `Auth`'s settings.
    sessions: String,
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

/// How long the built-in provider's access tokens last: short, so that a refresh shows.
const DEMO_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(120);

/// The audience of the built-in provider's access tokens (JWTs), which `/api/me` takes as
/// bearer tokens: `curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:8501/api/me`.
const DEMO_API_AUDIENCE: &str = "doorman-demo-api";

/// The demo's client id at the built-in provider.
const DEMO_CLIENT_ID: &str = "doorman-demo";

/// `http://ADDR`, the origin of an app listening on `addr`.
fn origin(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// `text` as a TOML basic string, quotes included: a value given on the command line cannot
/// end the string early or add keys.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Starts the development provider on a free loopback port, registers every replica of the
/// demo (`replicas`, all on one host) as its client (their callbacks, logout returns and
/// back-channel logout routes), and returns the secrets text that points
/// at it (and the running provider). With `redis`, the secrets share state there and keep
/// sessions in it.
fn built_in_provider(
    replicas: &[SocketAddr],
    redis: Option<&str>,
) -> Result<(String, doorman_devidp::Running), String> {
    let first = replicas
        .first()
        .ok_or("the demo serves at least one replica")?;
    let idp_listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| format!("cannot listen for the built-in provider: {e}"))?;
    let idp_addr = idp_listener.local_addr().map_err(|e| e.to_string())?;
    let issuer = url::Url::parse(&format!("http://{idp_addr}")).map_err(|e| e.to_string())?;
    let mut secret = [0u8; 32];
    let mut cookie_secret = [0u8; 32];
    getrandom_fill(&mut secret)?;
    getrandom_fill(&mut cookie_secret)?;
    let client_secret = hex(&secret);
    // Every replica's callback and logout return; each `Auth` fills `{port}` with its own.
    let origins: Vec<String> = replicas.iter().copied().map(origin).collect();
    let host = match first.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip @ IpAddr::V4(_) => ip.to_string(),
    };
    let redirect_uri = format!("http://{host}:{{port}}/oauth2callback");
    // Access tokens of two minutes, so that the demo shows a session renewing itself.
    let config = DevIdpConfig::new(issuer.clone())
        .with_access_token_lifetime(DEMO_ACCESS_TOKEN_LIFETIME)
        .with_jwt_access_tokens(DEMO_API_AUDIENCE)
        .with_client(RegisteredClient {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: client_secret.clone(),
            redirect_uris: origins
                .iter()
                .map(|origin| format!("{origin}/oauth2callback"))
                .collect(),
            post_logout_redirect_uris: origins
                .iter()
                .map(|origin| format!("{origin}/auth/logged-out"))
                .collect(),
        });
    // Each replica's back-channel logout route: logging out goes to the provider's
    // end-session endpoint, which posts a logout token back to every replica.
    let config = origins.iter().fold(config, |config, origin| {
        config.with_backchannel_logout_uri(
            DEMO_CLIENT_ID,
            &format!("{origin}/auth/backchannel-logout"),
        )
    });
    let key = SigningKey::generate_rsa("demo-1").map_err(|e| e.to_string())?;
    let (_, ec) = doorman_devidp::test_keys();
    let idp = Arc::new(DevIdp::with_keys(config, vec![key], ec));
    let running = doorman_devidp::serve(idp_listener, idp).map_err(|e| e.to_string())?;
    let shared_state = redis.map_or(String::new(), |url| {
        format!(
            "redis_url = {}\nsession_store = \"redis\"\n",
            toml_string(url)
        )
    });
    let secrets = format!(
        "[auth]\nredirect_uri = \"{redirect_uri}\"\ncookie_secret = \"{}\"\nexpose_tokens = [\"id\", \"access\"]\ncookie_lifetime = \"12h\"\nlogout_params = {{ logout_hint = \"{{email}}\" }}\n{shared_state}\n[auth.devidp]\nclient_id = \"{DEMO_CLIENT_ID}\"\nclient_secret = \"{client_secret}\"\nserver_metadata_url = \"{}/.well-known/openid-configuration\"\nclient_kwargs = {{ scope = \"openid profile email offline_access\" }}\napi_audience = \"{DEMO_API_AUDIENCE}\"\n",
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
    let mut listeners = vec![(listener, addr)];
    if args.redis.is_some() {
        listeners.push(second_replica_listener(addr).await?);
    }
    let addrs: Vec<SocketAddr> = listeners.iter().map(|(_, addr)| *addr).collect();
    let (config, _provider) = match &args.secrets {
        Some(path) => (
            AuthConfig::load(std::slice::from_ref(path)).map_err(|e| e.to_string())?,
            None,
        ),
        None => {
            if !addr.ip().is_loopback() {
                return Err("without --secrets the demo uses the development provider, which serves loopback only: use a 127.0.0.1 address".to_owned());
            }
            let (text, running) = built_in_provider(&addrs, args.redis.as_deref())?;
            tracing::info!(provider = %running.addr, "built-in development provider started");
            let config = AuthConfig::parse(
                &text,
                Origin::Text("the built-in development provider".to_owned()),
            )
            .map_err(|e| match args.redis {
                // The only value in these secrets given on the command line.
                Some(_) => format!("--redis: {e}"),
                None => e.to_string(),
            })?;
            (config, Some(running))
        }
    };
    if let Some(redis) = &args.redis {
        warn_when_redis_does_not_answer(redis).await;
    }
    let count = listeners.len();
    let mut replicas = Vec::with_capacity(count);
    for (index, (listener, addr)) in listeners.into_iter().enumerate() {
        let auth = Auth::new(&config, AuthOptions::default().port(addr.port()))
            .map_err(|e| e.to_string())?;
        auth.warm_up();
        if index == 0 {
            crate::say(&settings_report(&auth));
        }
        let replica = Replica {
            number: index + 1,
            count,
            port: addr.port(),
            sessions: where_sessions_live(auth.settings()),
        };
        replicas.push((listener, app(&auth, replica)));
    }
    let shown: Vec<String> = addrs
        .iter()
        .map(|addr| {
            if addr.ip().is_unspecified() {
                format!("http://127.0.0.1:{}/", addr.port())
            } else {
                format!("{}/", origin(*addr))
            }
        })
        .collect();
    match shown.as_slice() {
        [one] => crate::say(&format!(
            "doorman demo: open {one} in your browser (Ctrl-C stops it)"
        )),
        [first, second] => crate::say(&format!(
            "doorman demo: two replicas sharing sessions in Redis: open {first} (replica 1) and {second} (replica 2) in your browser (Ctrl-C stops it)"
        )),
        _ => {}
    }
    let mut serving = tokio::task::JoinSet::new();
    for (listener, app) in replicas {
        serving.spawn(serve_connections(listener, app, ConnectionTimeouts::DEMO));
    }
    // The replicas serve until the process stops.
    while serving.join_next().await.is_some() {}
    Ok(())
}

/// How long the demo waits for `--redis`'s server to accept a connection at start.
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Says on standard error when nothing accepts connections at `redis`'s host and port: the
/// demo still starts (the replicas reconnect by themselves), but logins fail until Redis runs.
async fn warn_when_redis_does_not_answer(redis: &str) {
    // Validated as a Redis URL when the secrets were parsed.
    let Some((host, port)) = url::Url::parse(redis)
        .ok()
        .and_then(|url| Some((url.host_str()?.to_owned(), url.port().unwrap_or(6379))))
    else {
        return;
    };
    let connecting = tokio::net::TcpStream::connect((host.as_str(), port));
    let problem = match tokio::time::timeout(REDIS_CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(_)) => return,
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {REDIS_CONNECT_TIMEOUT:?}"),
    };
    crate::say_err(&format!(
        "doorman demo: warning: --redis: nothing accepts connections at {host}:{port} ({problem}); logins fail until Redis runs there"
    ));
}

/// Listens on the port after `first`'s, on the same address, for the second replica.
async fn second_replica_listener(
    first: SocketAddr,
) -> Result<(tokio::net::TcpListener, SocketAddr), String> {
    let port = first.port().checked_add(1).ok_or_else(|| {
        format!("--redis serves a second replica on the port after {first}, and there is none: give --addr a lower port")
    })?;
    let second = SocketAddr::new(first.ip(), port);
    let listener = tokio::net::TcpListener::bind(second).await.map_err(|e| {
        format!("--redis serves a second replica on the port after --addr's, and {second} is not free ({e}): give --addr another port")
    })?;
    Ok((listener, second))
}

/// The demo's routes for one replica, around its `auth`.
fn app(auth: &Auth, replica: Replica) -> Router {
    let private = Router::new()
        .route("/private", get(private))
        .route("/api/me", get(user_json))
        .layer(auth.require_login());
    Router::new()
        .route("/", get(home))
        .route("/user.json", get(user_json))
        .route("/ws", get(websocket))
        .merge(auth.routes())
        .with_state(Arc::new(replica))
        .layer(auth.layer())
        .merge(private)
}

/// Where the sessions of an app with these `settings` live, in words: the effective
/// `session_store`, and whether ended sessions are shared through Redis.
fn where_sessions_live(settings: &[EffectiveSetting]) -> String {
    let app_wide = |key: &str| {
        settings
            .iter()
            .find(|setting| setting.provider.is_none() && setting.line.key == key)
            .map(|setting| setting.line.value.as_str())
    };
    let shared = app_wide("redis_url").is_some_and(|url| url.starts_with("redis"));
    match app_wide("session_store") {
        Some("redis") => "sessions in Redis (session_store = redis)".to_owned(),
        Some(store) if shared => {
            format!(
                "sessions in their cookies (session_store = {store}), ended sessions shared through Redis"
            )
        }
        Some(store) => format!("sessions in their cookies (session_store = {store})"),
        None => "sessions in their cookies".to_owned(),
    }
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
form.doorman-logout{display:inline}a.doorman-login,button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.55rem 1rem;border:1px solid #555;border-radius:.4rem;background:#f4f4f4;color:#111;text-decoration:none;font-size:1rem;cursor:pointer}\
.error{padding:.7rem 1rem;border-left:4px solid #b00;background:#fff2f2}table{border-collapse:collapse;width:100%}\
td{border-bottom:1px solid #ddd;padding:.35rem;vertical-align:top;font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}";

async fn home(State(replica): State<Arc<Replica>>, user: User) -> Response {
    let mut body = String::from("<h1>doorman demo</h1>");
    body.push_str(&format!(
        r#"<p id="replica">Served by replica {} of {} (port {}); {}.</p>"#,
        replica.number,
        replica.count,
        replica.port,
        escape_html(&replica.sessions)
    ));
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
        // "Log out" first: the browser test clicks the first logout form.
        body.push_str(&user.logout_button("Log out"));
        body.push_str(&user.logout_everywhere_button("Log out everywhere"));
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
        let (text, _running) = built_in_provider(&[app], None).expect("provider");
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
        assert_eq!(
            where_sessions_live(auth.settings()),
            "sessions in their cookies (session_store = cookie)"
        );
    }

    /// With `--redis`, the generated secrets keep sessions in that Redis, and each replica's
    /// `redirect_uri` is its own port's. The `Auth`s are built outside the runtime, so they
    /// never call the Redis named here (the tests call only a Redis they start).
    #[test]
    fn with_redis_the_built_in_secrets_keep_sessions_in_redis_on_each_replicas_port() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let replicas: [SocketAddr; 2] =
            ["127.0.0.1:8501", "127.0.0.1:8502"].map(|addr| addr.parse().expect("address"));
        let (text, _running) = runtime
            .block_on(async { built_in_provider(&replicas, Some("redis://127.0.0.1:6390/0")) })
            .expect("provider");
        let config = AuthConfig::parse(&text, Origin::Text("demo".to_owned())).expect("secrets");
        for (replica, port) in replicas.iter().zip(["8501", "8502"]) {
            let auth =
                Auth::new(&config, AuthOptions::default().port(replica.port())).expect("auth");
            let report = settings_report(&auth);
            for expected in [
                format!("\n  port = {port} (code)"),
                "\n  redis_url = redis:// (REDACTED) (demo:7:13)".to_owned(),
                "\n  session_store = redis (demo:8:17)".to_owned(),
            ] {
                assert!(report.contains(&expected), "{expected:?} in {report}");
            }
            assert_eq!(
                where_sessions_live(auth.settings()),
                "sessions in Redis (session_store = redis)"
            );
        }
        assert!(
            text.contains("redirect_uri = \"http://127.0.0.1:{port}/oauth2callback\""),
            "{text}"
        );
    }

    /// Each replica's back-channel logout route is registered at the built-in provider,
    /// which then advertises back-channel logout.
    #[tokio::test]
    async fn every_replica_registers_its_back_channel_logout_route_at_the_built_in_provider() {
        let replicas: [SocketAddr; 2] =
            ["127.0.0.1:8501", "127.0.0.1:8502"].map(|addr| addr.parse().expect("address"));
        for (serving, expected) in [
            (
                &replicas[..1],
                vec!["http://127.0.0.1:8501/auth/backchannel-logout"],
            ),
            (
                &replicas[..],
                vec![
                    "http://127.0.0.1:8501/auth/backchannel-logout",
                    "http://127.0.0.1:8502/auth/backchannel-logout",
                ],
            ),
        ] {
            let (_, running) = built_in_provider(serving, None).expect("provider");
            let registered: Vec<(&str, &str)> = running
                .idp
                .config()
                .backchannel_logout_uris
                .iter()
                .map(|(client, uri)| (client.as_str(), uri.as_str()))
                .collect();
            let expected: Vec<(&str, &str)> = expected
                .into_iter()
                .map(|uri| (DEMO_CLIENT_ID, uri))
                .collect();
            assert_eq!(registered, expected);
        }
    }

    /// A value from the command line stays one TOML string, whatever it holds.
    #[test]
    fn a_command_line_value_cannot_end_its_toml_string_early() {
        for value in [
            "redis://127.0.0.1:6379/0",
            "redis://x\"\nsession_store = \"cookie",
            "a\\\"b\u{7}",
        ] {
            let text = format!("value = {}\n", toml_string(value));
            let table: toml::Table = text.parse().expect("one TOML string");
            assert_eq!(table.len(), 1, "{text}");
            assert_eq!(table["value"].as_str(), Some(value), "{text}");
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

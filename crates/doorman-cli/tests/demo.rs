//! `doorman demo` with no secrets: it starts the built-in provider and a login works, as
//! the README promises; pages showing the user are not cached; and connections that send
//! nothing, stop halfway through a request or sit idle are closed; logging out comes back
//! to the demo as the provider's back-channel logout. With `--redis`, two replicas share
//! sessions and "Log out everywhere" on one logs the user out on the other (and a Redis that
//! is not running, or a taken second port, is said); with `--secrets`, a file keeping
//! sessions in Redis works.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use doorman_devidp::DevIdpConfig;
use doorman_testkit::browser::{self, location, through_provider};
use doorman_testkit::devidp::{ForClient, serve_on_loopback};
use doorman_testkit::redis::RedisServer;
use reqwest::cookie::{CookieStore, Jar};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The demo's header-read timeout (`HEADER_READ_TIMEOUT` in `src/demo.rs`), which is also
/// its idle timeout.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How much later than [`HEADER_READ_TIMEOUT`] a closed connection may be noticed on a
/// loaded machine.
const MARGIN: Duration = Duration::from_secs(10);

/// How long another replica may take to learn of a logout before the test gives up (it
/// takes milliseconds; this is not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(5);

/// A running `doorman demo`, and what it has printed so far.
struct Demo {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Demo {
    /// What the demo printed on standard output so far: the settings report and the URLs.
    fn stdout(&self) -> String {
        self.stdout
            .lock()
            .map(|out| out.clone())
            .unwrap_or_default()
    }

    /// Both outputs, for a failure's message.
    fn output(&self) -> String {
        let stderr = self
            .stderr
            .lock()
            .map(|err| err.clone())
            .unwrap_or_default();
        format!("stdout:\n{}\nstderr:\n{stderr}", self.stdout())
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `from` to its end into a string shared with the test.
fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let collected = Arc::new(Mutex::new(String::new()));
    let into = Arc::clone(&collected);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(read @ 1..) = from.read(&mut chunk) {
            if let Ok(mut text) = into.lock() {
                text.push_str(&String::from_utf8_lossy(&chunk[..read]));
            }
        }
    });
    collected
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A free loopback port whose next port is free too, for `--redis`'s two replicas.
fn two_free_ports() -> u16 {
    for _ in 0..100 {
        let port = free_port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free consecutive loopback ports in 100 tries");
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Starts `doorman demo` on a free loopback port and waits until it serves its home page.
async fn start_demo() -> (Demo, SocketAddr) {
    let addr = loopback(free_port());
    let demo = start_demo_with(&["--addr", &addr.to_string()], &[addr]).await;
    (demo, addr)
}

/// Starts `doorman demo` with `args`, collecting what it prints.
fn start_demo_process(args: &[&str]) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_doorman"))
        .arg("demo")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the demo");
    let stdout = collect(child.stdout.take().expect("the demo's stdout"));
    let stderr = collect(child.stderr.take().expect("the demo's stderr"));
    Demo {
        child,
        stdout,
        stderr,
    }
}

/// Starts `doorman demo` with `args` and waits until each of `serving` answers its home page
/// and the demo has printed where to open it.
async fn start_demo_with(args: &[&str], serving: &[SocketAddr]) -> Demo {
    let mut demo = start_demo_process(args);
    let started = Instant::now();
    for addr in serving {
        while reqwest::get(format!("http://{addr}/")).await.is_err() {
            let exited = demo.child.try_wait().ok().flatten();
            assert!(
                exited.is_none() && started.elapsed() < Duration::from_secs(30),
                "the demo did not serve {addr} ({exited:?}): {}",
                demo.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    while !demo.stdout().contains("doorman demo: ") || !demo.stdout().contains("open ") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the demo did not say where to open it: {}",
            demo.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    demo
}

/// A browser's client with its cookie jar kept apart, to read and copy its cookies.
fn client_with_jar() -> (reqwest::Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::clone(&jar))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    (client, jar)
}

/// The `Cookie` header `jar` sends to `base`, and the identity cookie's `name=value` in it.
fn cookies_for(jar: &Jar, base: &str) -> (String, String) {
    let url = reqwest::Url::parse(base).expect("a URL");
    let header = jar.cookies(&url).expect("cookies for the app");
    let header = header.to_str().expect("ASCII cookies").to_owned();
    let identity = header
        .split("; ")
        .find(|cookie| cookie.starts_with("doorman_user="))
        .unwrap_or_else(|| panic!("no identity cookie in {header}"))
        .to_owned();
    (header, identity)
}

/// `/user.json` at `base` as a request carrying exactly `cookies` sees it: another copy of
/// the same cookies, which no logout response can clear.
async fn user_with_cookies(base: &str, cookies: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{base}/user.json"))
        .header("cookie", cookies)
        .send()
        .await
        .expect("/user.json")
        .json()
        .await
        .expect("JSON")
}

/// Logs in at `base` through the built-in provider as Ada, as a browser would.
async fn log_in_as_ada(client: &reqwest::Client, base: &str) {
    let login = client
        .get(format!("{base}/auth/login?provider=devidp"))
        .send()
        .await
        .expect("login");
    let authorize = location(&login);
    let decide = authorize.replacen("/authorize?", "/authorize/decide?user=ada&", 1);
    let at_idp = client.get(&decide).send().await.expect("decide");
    let back = client
        .get(location(&at_idp))
        .send()
        .await
        .expect("callback");
    assert_eq!(location(&back), "/");
}

/// The logout token in `page`'s form posting to `action`.
fn form_token(page: &str, action: &str) -> String {
    let form = page
        .find(&format!(r#"action="{action}""#))
        .unwrap_or_else(|| panic!("no form to {action} in {page}"));
    let field = r#"name="doorman_logout" value=""#;
    let start = form + page[form..].find(field).expect("the token field") + field.len();
    let end = start + page[start..].find('"').expect("the token's end");
    page[start..end].to_owned()
}

async fn text(client: &reqwest::Client, url: &str) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("a page")
        .text()
        .await
        .expect("text")
}

/// Reads from `connection` until the server closes it (end of stream, or a reset) and
/// returns what the server sent; fails if it is still open after the header-read timeout
/// and the margin.
async fn read_until_closed_by_the_server(connection: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(
        HEADER_READ_TIMEOUT + MARGIN,
        connection.read_to_end(&mut received),
    )
    .await;
    assert!(
        read.is_ok(),
        "the server left the connection open for {:?}",
        HEADER_READ_TIMEOUT + MARGIN
    );
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn the_demo_serves_a_working_login_with_the_built_in_provider() {
    let (demo, addr) = start_demo().await;
    let base = format!("http://{addr}");
    let client = browser::client();
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(home.contains("You are not logged in."), "{home}");
    assert!(home.contains("/auth/login?provider=devidp"), "{home}");

    let login = client
        .get(format!("{base}/auth/login?provider=devidp"))
        .send()
        .await
        .expect("login");
    let authorize = location(&login);
    let page = client
        .get(&authorize)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("Ada Lovelace"),
        "the provider's page offers test users"
    );
    let decide = authorize.replacen("/authorize?", "/authorize/decide?user=ada&", 1);
    let at_idp = client.get(&decide).send().await.expect("decide");
    let callback = location(&at_idp);
    let back = client.get(&callback).send().await.expect("callback");
    assert_eq!(location(&back), "/");

    let user_json = client
        .get(format!("{base}/user.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(
        user_json.headers()["cache-control"],
        "no-store",
        "/user.json holds the tokens"
    );
    let user: serde_json::Value = user_json.json().await.expect("json");
    assert_eq!(user["is_logged_in"], true);
    assert_eq!(user["provider"], "devidp");
    assert_eq!(user["email"], "ada@example.com");
    assert!(user["tokens"]["id"].is_string());
    let home = client.get(format!("{base}/")).send().await.expect("home");
    assert_eq!(home.headers()["cache-control"], "no-store");
    let home = home.text().await.expect("text");
    assert!(
        home.contains("Ada Lovelace") && home.contains("Log out"),
        "{home}"
    );

    // The built-in provider's access tokens last two minutes and come with a refresh token:
    // the page shows when the access token expires, and its Renew button renews it now.
    let shown = |page: &str| -> u64 {
        let start =
            page.find(r#"id="expires-at">"#).expect("expires-at") + r#"id="expires-at">"#.len();
        page[start..start + page[start..].find('<').expect("end")]
            .parse()
            .expect("Unix seconds")
    };
    let before = shown(&home);
    assert!(home.contains("Renew now"), "{home}");
    // Expiries are whole seconds: let one pass so the renewed one is later.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let renewed = client
        .post(format!("{base}/auth/refresh"))
        .header("origin", &base)
        .form(&[("return_to", "/")])
        .send()
        .await
        .expect("renew");
    assert_eq!(location(&renewed), "/");
    let after: serde_json::Value = client
        .get(format!("{base}/user.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_ne!(
        after["tokens"]["access"], user["tokens"]["access"],
        "a new access token"
    );
    let home = client.get(format!("{base}/")).send().await.expect("home");
    assert!(shown(&home.text().await.expect("text")) > before);
    drop(demo);
}

#[tokio::test]
async fn user_json_and_the_home_page_are_marked_no_store() {
    let (demo, addr) = start_demo().await;
    for path in ["/user.json", "/"] {
        let response = reqwest::get(format!("http://{addr}{path}"))
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    drop(demo);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let (demo, addr) = start_demo().await;
    let mut connection = TcpStream::connect(addr).await.expect("connect");
    let received = read_until_closed_by_the_server(&mut connection).await;
    assert_eq!(received, "", "no request, no answer");
    drop(demo);
}

#[tokio::test]
async fn a_connection_that_stops_halfway_through_the_request_line_is_closed_after_the_header_timeout()
 {
    let (demo, addr) = start_demo().await;
    let mut connection = TcpStream::connect(addr).await.expect("connect");
    connection
        .write_all(b"GET /user.js")
        .await
        .expect("send half a request line");
    let received = read_until_closed_by_the_server(&mut connection).await;
    assert!(
        !received.starts_with("HTTP/1.1 200"),
        "half a request is not answered: {received}"
    );
    drop(demo);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let (demo, addr) = start_demo().await;
    let mut connection = TcpStream::connect(addr).await.expect("connect");
    connection
        .write_all(format!("GET /user.json HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("send a request");
    let received = read_until_closed_by_the_server(&mut connection).await;
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(
        !received.to_ascii_lowercase().contains("connection: close"),
        "the answer keeps the connection alive; the idle timeout closes it: {received}"
    );
    drop(demo);
}

/// Logging out with the home page's button goes to the built-in provider's end-session
/// endpoint, whose back-channel logout token then reaches the demo, which accepts it.
#[tokio::test]
async fn logging_out_comes_back_to_the_demo_as_the_providers_back_channel_logout() {
    let (demo, addr) = start_demo().await;
    let base = format!("http://{addr}");
    let (client, _jar) = client_with_jar();
    log_in_as_ada(&client, &base).await;
    let home = text(&client, &format!("{base}/")).await;
    let token = form_token(&home, "/auth/logout");
    let logout = client
        .post(format!("{base}/auth/logout"))
        .header("origin", &base)
        .form(&[("doorman_logout", token.as_str())])
        .send()
        .await
        .expect("log out");
    let at_provider = location(&logout);
    assert!(at_provider.contains("/end_session?"), "{at_provider}");
    browser::follow(&client, &at_provider).await;
    let started = Instant::now();
    for expected in [
        "devidp delivered a back-channel logout token",
        "logged out by the provider",
    ] {
        while !demo.output().contains(expected) {
            assert!(
                started.elapsed() < PATIENCE,
                "{expected:?} in {}",
                demo.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(demo);
}

#[tokio::test]
async fn with_redis_the_demo_serves_two_replicas_that_share_sessions_and_log_out_everywhere() {
    let redis = RedisServer::start();
    let port = two_free_ports();
    let (one, two) = (loopback(port), loopback(port + 1));
    let demo = start_demo_with(
        &["--addr", &one.to_string(), "--redis", &redis.url()],
        &[one, two],
    )
    .await;
    let printed = demo.stdout();
    for expected in [
        format!("open http://{one}/ (replica 1) and http://{two}/ (replica 2)"),
        "\n  session_store = redis (".to_owned(),
        "\n  redis_url = redis:// (REDACTED) (".to_owned(),
    ] {
        assert!(printed.contains(&expected), "{expected:?} in {printed}");
    }
    assert!(!printed.contains(&redis.url()), "{printed}");
    let (base_one, base_two) = (format!("http://{one}"), format!("http://{two}"));

    // Each replica says which it is, and where sessions live.
    let (client, jar) = client_with_jar();
    for (base, number, port) in [(&base_one, 1, one.port()), (&base_two, 2, two.port())] {
        let home = text(&client, &format!("{base}/")).await;
        for expected in [
            format!("replica {number} of 2 (port {port})"),
            "sessions in Redis (session_store = redis)".to_owned(),
        ] {
            assert!(home.contains(&expected), "{expected:?} in {home}");
        }
    }
    // Each replica's logins come back to it: both are registered at the built-in provider.
    let login_at_two = browser::client()
        .get(format!("{base_two}/auth/login?provider=devidp"))
        .send()
        .await
        .expect("login");
    let callback_two = format!("redirect_uri=http%3A%2F%2F127.0.0.1%3A{}%2F", two.port());
    assert!(
        location(&login_at_two).contains(&callback_two),
        "{}",
        location(&login_at_two)
    );

    // Logged in on replica 1, the browser is logged in on replica 2: cookies are per host.
    log_in_as_ada(&client, &base_one).await;
    let on_two: serde_json::Value = client
        .get(format!("{base_two}/user.json"))
        .send()
        .await
        .expect("/user.json")
        .json()
        .await
        .expect("JSON");
    assert_eq!(on_two["is_logged_in"], true, "{on_two}");
    assert_eq!(on_two["email"], "ada@example.com", "{on_two}");
    let (kept, identity) = cookies_for(&jar, &base_two);
    assert!(
        identity.len() < 200,
        "the identity cookie is {} bytes: {identity}",
        identity.len()
    );
    assert_eq!(
        user_with_cookies(&base_two, &kept).await["is_logged_in"],
        true
    );

    // "Log out everywhere" on replica 1, with the page's own form: replica 2 refuses the
    // session, even from a copy of the cookies kept from before.
    let home = text(&client, &format!("{base_one}/")).await;
    let log_out = home.find(">Log out</button>").expect("Log out");
    let everywhere = home
        .find(">Log out everywhere</button>")
        .unwrap_or_else(|| panic!("no Log out everywhere in {home}"));
    assert!(log_out < everywhere, "Log out comes first: {home}");
    let token = form_token(&home, "/auth/logout-everywhere");
    let response = client
        .post(format!("{base_one}/auth/logout-everywhere"))
        .header("origin", &base_one)
        .form(&[("doorman_logout", token.as_str())])
        .send()
        .await
        .expect("log out everywhere");
    assert!(response.status().is_redirection(), "{}", response.status());
    let started = Instant::now();
    while user_with_cookies(&base_two, &kept).await["is_logged_in"] != false {
        assert!(
            started.elapsed() < PATIENCE,
            "replica 2 still serves the session: {}",
            demo.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(demo);
}

#[tokio::test]
async fn the_demo_with_a_secrets_file_keeps_sessions_in_redis() {
    let redis = RedisServer::start();
    let addr = loopback(free_port());
    let redirect_uri = format!("http://{addr}/oauth2callback");
    let provider = serve_on_loopback(|issuer| {
        DevIdpConfig::new(issuer).for_client("demo-app", "demo-client-secret", &redirect_uri)
    });
    let file = std::env::temp_dir().join(format!(
        "doorman-demo-redis-{}-{}.toml",
        std::process::id(),
        addr.port()
    ));
    std::fs::write(
        &file,
        format!(
            "[auth]\nredirect_uri = \"{redirect_uri}\"\ncookie_secret = \"a-cookie-secret-for-the-demo-test-0123456789\"\nredis_url = \"{}\"\nsession_store = \"redis\"\n\n[auth.dev]\nclient_id = \"demo-app\"\nclient_secret = \"demo-client-secret\"\nserver_metadata_url = \"http://{}/.well-known/openid-configuration\"\n",
            redis.url(),
            provider.addr
        ),
    )
    .expect("write the secrets file");
    let demo = start_demo_with(
        &[
            "--addr",
            &addr.to_string(),
            "--secrets",
            file.to_str().expect("a UTF-8 path"),
        ],
        &[addr],
    )
    .await;
    let _ = std::fs::remove_file(&file);
    let printed = demo.stdout();
    for expected in [
        "\n  session_store = redis (",
        "\n  redis_url = redis:// (REDACTED) (",
        "open http://",
    ] {
        assert!(printed.contains(expected), "{expected:?} in {printed}");
    }

    let base = format!("http://{addr}");
    let (client, jar) = client_with_jar();
    let login = client
        .get(format!("{base}/auth/login?provider=dev"))
        .send()
        .await
        .expect("login");
    let callback = through_provider(&client, &login).await;
    assert_eq!(location(&callback), "/", "{}", demo.output());
    let user: serde_json::Value = client
        .get(format!("{base}/user.json"))
        .send()
        .await
        .expect("/user.json")
        .json()
        .await
        .expect("JSON");
    assert_eq!(user["is_logged_in"], true, "{user}");
    let (_, identity) = cookies_for(&jar, &base);
    assert!(
        identity.len() < 200,
        "a stored session's cookie is a reference: {} bytes",
        identity.len()
    );
    let home = text(&client, &format!("{base}/")).await;
    for expected in [
        "replica 1 of 1",
        "sessions in Redis (session_store = redis)",
        "Log out everywhere",
    ] {
        assert!(home.contains(expected), "{expected:?} in {home}");
    }
    drop(demo);
}

/// Runs `doorman demo` with `args`, expecting it to stop by itself within 30 seconds (it is
/// killed then): its exit code and standard error.
fn demo_that_exits(args: &[&str]) -> (Option<i32>, String) {
    let mut demo = start_demo_process(args);
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = demo.child.try_wait() {
            // The readers see the end of the pipes once the process is gone.
            std::thread::sleep(Duration::from_millis(200));
            let stderr = demo
                .stderr
                .lock()
                .map(|err| err.clone())
                .unwrap_or_default();
            return (status.code(), stderr);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the demo kept running: {}",
            demo.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn redis_and_secrets_together_are_refused_naming_both() {
    let (code, stderr) = demo_that_exits(&[
        "--redis",
        "redis://127.0.0.1:6379/0",
        "--secrets",
        "secrets.toml",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--redis") && stderr.contains("--secrets") && stderr.contains("redis_url"),
        "{stderr}"
    );
}

#[tokio::test]
async fn with_redis_not_running_the_demo_starts_and_says_so() {
    let port = two_free_ports();
    let (one, two) = (loopback(port), loopback(port + 1));
    let nowhere = format!("redis://127.0.0.1:{}/0", free_port());
    let demo = start_demo_with(
        &["--addr", &one.to_string(), "--redis", &nowhere],
        &[one, two],
    )
    .await;
    let warned = "warning: --redis: nothing accepts connections at 127.0.0.1:";
    let started = Instant::now();
    while !demo.output().contains(warned) {
        assert!(started.elapsed() < PATIENCE, "{}", demo.output());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(demo);
}

#[test]
fn with_redis_a_taken_next_port_is_refused_naming_it() {
    let port = two_free_ports();
    let taken = std::net::TcpListener::bind(loopback(port + 1)).expect("take the next port");
    let (code, stderr) = demo_that_exits(&[
        "--addr",
        &loopback(port).to_string(),
        "--redis",
        "redis://127.0.0.1:6379/0",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{} is not free", port + 1)),
        "{stderr}"
    );
    drop(taken);
}

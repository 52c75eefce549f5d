//! `doorman demo` with no secrets: it starts the built-in provider and a login works, as
//! the README promises; pages showing the user are not cached; and connections that send
//! nothing, stop halfway through a request or sit idle are closed.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use doorman_testkit::browser::{self, location};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The demo's header-read timeout (`HEADER_READ_TIMEOUT` in `src/demo.rs`), which is also
/// its idle timeout.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How much later than [`HEADER_READ_TIMEOUT`] a closed connection may be noticed on a
/// loaded machine.
const MARGIN: Duration = Duration::from_secs(10);

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `doorman demo` on a free loopback port and waits until it serves its home page.
async fn start_demo() -> (Demo, SocketAddr) {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_doorman"))
            .args(["demo", "--addr", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the demo"),
    );
    let started = Instant::now();
    while reqwest::get(format!("http://{addr}/")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the demo did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (demo, addr)
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

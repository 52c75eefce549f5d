//! A captured log of a whole run (login, a rejected login, logout), at every level and
//! from every crate, holds no client secret, cookie secret, token, code or PKCE verifier,
//! and no line forged by a request or a provider. The run goes over real sockets, so that
//! the network client's and the server's own logs are in it too.

mod loopback;

use std::io::Write;
use std::sync::{Arc, Mutex};

use doorman_devidp::Misbehavior;
use loopback::{CLIENT_SECRET, COOKIE_SECRET, Served};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_logs_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    // Refresh tokens asked for, and a margin longer than the access token lives: the next
    // request after the login is renewed.
    let app = Served::start(
        "client_kwargs = { scope = \"openid profile email offline_access\" }\nrefresh_margin = \"2h\"\n",
    )
    .await;
    app.follow("/auth/login?provider=dev").await;
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true, "{user}");
    assert_eq!(
        app.idp.idp.refresh_grants(),
        1,
        "the run includes a refresh"
    );
    app.logout().await;
    app.idp.idp.misbehave(Misbehavior::WrongNonce);
    app.follow("/auth/login?provider=dev").await;
    app.idp.idp.behave();
    // A provider name that tries to forge a log line and clear the terminal.
    let forged = "x\nINFO doorman: logged in user=admin\u{1b}[2J";
    let response = app
        .browser
        .get(format!(
            "{}/auth/login?provider={}",
            app.origin,
            url::form_urlencoded::byte_serialize(forged.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 400);

    let token_request = &app.idp.idp.requests_to("/token")[0];
    let refresh_request = app
        .idp
        .idp
        .requests_to("/token")
        .into_iter()
        .find(|r| r.param("grant_type") == Some("refresh_token"))
        .expect("a refresh request");
    let secrets = [
        ("client secret", CLIENT_SECRET.to_owned()),
        ("cookie secret", COOKIE_SECRET.to_owned()),
        (
            "code",
            token_request.param("code").expect("code").to_owned(),
        ),
        (
            "PKCE verifier",
            token_request
                .param("code_verifier")
                .expect("verifier")
                .to_owned(),
        ),
        (
            "ID token",
            user["tokens"]["id"].as_str().expect("id token").to_owned(),
        ),
        (
            "refresh token",
            refresh_request
                .param("refresh_token")
                .expect("refresh token")
                .to_owned(),
        ),
        (
            "access token",
            user["tokens"]["access"]
                .as_str()
                .expect("access token")
                .to_owned(),
        ),
    ];
    let log = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(log.contains("doorman.callback"), "the run was captured");
    assert!(log.contains("logged in"));
    assert!(log.contains("doorman.refresh"), "the refresh was captured");
    for (what, value) in secrets {
        assert!(!log.contains(&value), "the log holds the {what}");
    }
    assert!(
        !log.lines()
            .any(|line| line.starts_with("INFO doorman: logged in user=admin")),
        "a forged line: {log}"
    );
    assert!(!log.contains('\u{1b}'), "a terminal escape reached the log");
    assert!(
        log.contains(r"x\nINFO doorman"),
        "the name is logged escaped"
    );
}

//! The production path, over real sockets and on the system clock: `Auth::new` (the network
//! client: rustls, timeouts, no redirects, 1 MiB cap), the app on a loopback port, the
//! development provider on another, and a browser with a real cookie jar. The other tests
//! run the same router in process and on virtual time (`tests/app`).

mod loopback;

use std::time::{Duration, Instant};

use doorman_devidp::{Endpoint, Misbehavior};
use loopback::Served;

#[tokio::test]
async fn a_full_login_goes_over_the_network_to_the_provider() {
    let app = Served::start("").await;
    let (last, page) = app.follow("/auth/login?provider=dev").await;
    assert_eq!((last, page.as_str()), (format!("{}/", app.origin), "home"));
    let user = app.user_json().await;
    assert_eq!(user["is_logged_in"], true, "{user}");
    assert_eq!(user["email"], "ada@example.com");
    for path in [
        "/.well-known/openid-configuration",
        "/jwks",
        "/token",
        "/userinfo",
    ] {
        assert_eq!(app.idp.idp.requests_to(path).len(), 1, "{path}");
    }
}

#[tokio::test]
async fn a_provider_on_a_closed_port_fails_fast_and_the_others_still_work() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = closed.local_addr().expect("addr");
    drop(closed);
    let app = Served::start(&format!(
        "\n[auth.broken]\nclient_id = \"x\"\nclient_secret = \"y\"\nserver_metadata_url = \"http://{dead}/.well-known/openid-configuration\"\n"
    ))
    .await;
    app.auth.warm_up();
    let started = Instant::now();
    app.follow("/auth/login?provider=broken").await;
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert_eq!(app.user_json().await["is_logged_in"], false);
    app.follow("/auth/login?provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);
}

#[tokio::test]
async fn a_provider_answering_500_is_reported_not_hung() {
    let app = Served::start("").await;
    app.idp
        .idp
        .misbehave(Misbehavior::Failing(Endpoint::Discovery));
    let started = Instant::now();
    let (last, _) = app.follow("/auth/login?provider=dev").await;
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(last, format!("{}/", app.origin), "back home, logged out");
    assert_eq!(app.user_json().await["is_logged_in"], false);
}

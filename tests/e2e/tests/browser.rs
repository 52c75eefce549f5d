//! doorman against `oidc-provider` in headless Chromium, driven over WebDriver: log in on
//! the provider's form, come back to the page, see the email; a second tab is logged in;
//! cookie attributes as the browser stores them; logout at the app and at the provider.

use std::process::{Command, Stdio};
use std::time::Duration;

use doorman_e2e::{Demo, Provider, Variant, free_port, secrets, wait_until_up};
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(profile: &std::path::Path) -> (Driver, fantoccini::Client) {
    let port = free_port();
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is needed for the browser tests (Debian: chromium-driver)"),
    );
    wait_until_up(&format!("http://127.0.0.1:{port}/status")).await;
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1200,900", format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // chromedriver is on loopback: plain HTTP, no TLS stack needed.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    (driver, client)
}

/// The element at `css`, once it is there (at most 15 seconds).
async fn element(client: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn text_of(client: &fantoccini::Client, css: &str) -> String {
    element(client, css).await.text().await.expect("text")
}

async fn click(client: &fantoccini::Client, css: &str) {
    element(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn sign_in_at_the_provider(client: &fantoccini::Client, login: &str) {
    let field = element(client, "input[name=login]").await;
    field.send_keys(login).await.expect("type login");
    element(client, "input[name=password]")
        .await
        .send_keys("any-password")
        .await
        .expect("type password");
    click(client, "button[type=submit]").await;
}

#[tokio::test]
async fn login_second_tab_cookies_and_logout_in_chromium() {
    let app_port = free_port();
    let origin = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&origin, Variant::Basic).await;
    let demo = Demo::start(
        app_port,
        &secrets(app_port, provider.port, "doorman-basic", false),
    )
    .await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let profile = root.join(format!("chromium-profile-{app_port}"));
    std::fs::create_dir_all(&profile).expect("profile dir");
    // Chromium writes its DevTools port under the canonical path chromedriver must read.
    let root = std::fs::canonicalize(&root).expect("canonical path");
    let profile = std::fs::canonicalize(&profile).expect("canonical path");
    let (_driver, client) = browser(&profile).await;

    // Log in from the demo's page; come back to it and see the email.
    client
        .goto(&format!("{}/", demo.origin))
        .await
        .expect("open the demo");
    assert_eq!(
        text_of(&client, "#greeting").await,
        "You are not logged in."
    );
    click(&client, "a.doorman-login").await;
    sign_in_at_the_provider(&client, "alice").await;
    assert_eq!(text_of(&client, "#email").await, "alice@example.com");
    assert_eq!(
        client.current_url().await.expect("url").as_str(),
        format!("{}/", demo.origin)
    );
    let screenshot = client.screenshot().await.expect("screenshot");
    std::fs::write(root.join("logged-in.png"), screenshot).expect("save the screenshot");

    // Cookie attributes as the browser stores them; nothing of ours readable from JavaScript.
    let cookies = client.get_all_cookies().await.expect("cookies");
    let identity = cookies
        .iter()
        .find(|c| c.name() == "doorman_user")
        .expect("identity cookie");
    assert_eq!(identity.http_only(), Some(true));
    assert_eq!(identity.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(identity.path(), Some("/"));
    assert_ne!(
        identity.secure(),
        Some(true),
        "plain-http redirect_uri: not Secure"
    );
    let readable = client
        .execute("return document.cookie", vec![])
        .await
        .expect("script");
    assert!(
        !readable.as_str().unwrap_or_default().contains("doorman"),
        "{readable}"
    );

    // A second tab is logged in.
    let first = client.window().await.expect("window");
    let second = client.new_window(true).await.expect("new tab");
    client
        .switch_to_window(second.handle)
        .await
        .expect("switch");
    client
        .goto(&format!("{}/", demo.origin))
        .await
        .expect("open in the new tab");
    assert_eq!(text_of(&client, "#email").await, "alice@example.com");
    client.close_window().await.expect("close the tab");
    client.switch_to_window(first).await.expect("back");

    // Log out: at the app, then confirm at the provider, and back to the app.
    client
        .goto(&format!("{}/", demo.origin))
        .await
        .expect("home");
    click(&client, "form.doorman-logout button").await;
    click(&client, "button[name=logout]").await;
    assert_eq!(
        text_of(&client, "#greeting").await,
        "You are not logged in."
    );
    assert!(
        client
            .get_all_cookies()
            .await
            .expect("cookies")
            .iter()
            .all(|c| c.name() != "doorman_user")
    );

    // Logged out at the provider too: a new login asks for credentials again.
    click(&client, "a.doorman-login").await;
    // Credentials are asked again.
    element(&client, "input[name=login]").await;
    client.close().await.expect("close the browser");
    drop(provider);
}

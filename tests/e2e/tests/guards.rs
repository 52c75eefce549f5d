//! The demo's guarded routes against `oidc-provider`, in headless Chromium and as curl sees
//! them: logged out, a navigation to `/private` goes to the provider's login and comes back
//! to `/private`, while a `fetch("/api/me")` gets `401` JSON naming the login URL (no
//! redirect followed to the provider); logged in, both answer; a client without the browser's
//! cookie gets `303`/`401`, and with it `200`.

use std::process::{Command, Stdio};
use std::time::Duration;

use doorman_e2e::{Demo, Provider, Variant, free_port, secrets, wait_until_up};
use fantoccini::{ClientBuilder, Locator};
use serde_json::{Value, json};

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
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    (driver, client)
}

async fn element(client: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn sign_in_at_the_provider(client: &fantoccini::Client, login: &str) {
    element(client, "input[name=login]")
        .await
        .send_keys(login)
        .await
        .expect("type login");
    element(client, "input[name=password]")
        .await
        .send_keys("any-password")
        .await
        .expect("type password");
    element(client, "button[type=submit]")
        .await
        .click()
        .await
        .expect("submit");
}

/// What a `fetch(path)` of the page's script gets: its status, whether it was redirected,
/// and its body as JSON.
async fn fetch(client: &fantoccini::Client, path: &str) -> Value {
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async (response) => {
            let body = null;
            try { body = await response.json(); } catch (e) {}
            done({status: response.status, redirected: response.redirected, body});
        }, (error) => done({error: String(error)}));
    "#;
    client
        .execute_async(script, vec![json!(path)])
        .await
        .expect("fetch")
}

/// A client that follows no redirect and keeps no cookie, as curl.
fn curl() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn guarded_pages_and_apis_in_chromium_and_for_curl() {
    let app_port = free_port();
    let app = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&app, Variant::Basic).await;
    let demo = Demo::start(
        app_port,
        &secrets(app_port, provider.port, "doorman-basic", false),
    )
    .await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let profile = root.join(format!("chromium-profile-{app_port}"));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let profile = std::fs::canonicalize(&profile).expect("canonical path");
    let (_driver, client) = browser(&profile).await;

    // Logged out, as curl: the page is a 303 to the login, the API a 401 with JSON.
    let page = curl()
        .get(format!("{app}/private?tab=2"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/auth/login?provider=op&return_to=%2Fprivate%3Ftab%3D2"
    );
    let api = curl()
        .get(format!("{app}/api/me"))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 401);
    assert!(api.headers().contains_key("www-authenticate"));
    assert_eq!(
        api.json::<Value>().await.expect("json"),
        json!({"error": "login_required", "login_url": "/auth/login?provider=op&return_to=%2Fapi%2Fme"})
    );

    // Logged out, in Chromium: a script's fetch gets the 401, not the provider's page.
    client.goto(&format!("{app}/")).await.expect("home");
    let fetched = fetch(&client, "/api/me").await;
    assert_eq!(fetched["status"], 401, "{fetched}");
    assert_eq!(fetched["redirected"], false, "{fetched}");
    assert_eq!(fetched["body"]["error"], "login_required", "{fetched}");

    // A navigation to the page goes to the provider's login and comes back to it.
    client
        .goto(&format!("{app}/private?tab=2"))
        .await
        .expect("private");
    sign_in_at_the_provider(&client, "alice").await;
    element(&client, "#private").await;
    assert_eq!(
        client.current_url().await.expect("url").as_str(),
        format!("{app}/private?tab=2")
    );

    // Logged in: the script's fetch gets the user.
    let fetched = fetch(&client, "/api/me").await;
    assert_eq!(fetched["status"], 200, "{fetched}");
    assert_eq!(fetched["body"]["email"], "alice@example.com", "{fetched}");

    // Logged in, as curl with the browser's cookie: both answer.
    let cookie = client
        .get_all_cookies()
        .await
        .expect("cookies")
        .iter()
        .filter(|c| c.name().starts_with("doorman_user"))
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let page = curl()
        .get(format!("{app}/private"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("text")
            .contains("Only logged-in users")
    );
    let me = curl()
        .get(format!("{app}/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("api");
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<Value>().await.expect("json")["email"],
        "alice@example.com"
    );
    client.close().await.expect("close the browser");
    drop(demo);
    drop(provider);
}

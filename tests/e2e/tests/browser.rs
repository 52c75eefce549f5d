//! doorman against `oidc-provider` in headless Chromium, driven over WebDriver: log in on
//! the provider's form, come back to the page, see the email; a second tab is logged in;
//! cookie attributes as the browser stores them; logout at the app and at the provider.
//! Another site cannot log the user out: not by sending the browser to the logout page, nor
//! by posting a form to it, nor by an image, a `no-cors` fetch or a frame; the app's own
//! logout button can. A session renews itself with the provider's refresh token, and on the
//! demo's Renew button.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
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

/// A whole HTML page around `body`.
fn page(body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>another site</title></head><body>{body}</body></html>"
    )
}

/// Another site on loopback, serving fixed pages by path from a thread per connection. The
/// app is at `http://127.0.0.1:PORT`; this site is reached as `http://localhost:PORT`: another
/// host, so another site to the browser, which sends the app no `SameSite=Lax` cookie from
/// its subresources and forms. It records the `Sec-Fetch-Site` of each request it gets, and
/// serves until the test process ends.
struct OtherSite {
    origin: String,
    fetch_sites: Arc<Mutex<Vec<(String, String)>>>,
}

impl OtherSite {
    fn start(pages: Vec<(&'static str, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the other site");
        let port = listener.local_addr().expect("its address").port();
        let pages = Arc::new(pages);
        let fetch_sites = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&fetch_sites);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let pages = Arc::clone(&pages);
                let recorded = Arc::clone(&recorded);
                std::thread::spawn(move || answer(stream, &pages, &recorded));
            }
        });
        Self {
            origin: format!("http://localhost:{port}"),
            fetch_sites,
        }
    }

    /// The `Sec-Fetch-Site` of the requests for `path` so far.
    fn fetch_sites_of(&self, path: &str) -> Vec<String> {
        self.fetch_sites
            .lock()
            .expect("the record")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, site)| site.clone())
            .collect()
    }
}

/// Reads one request from `stream` and answers it with its page, or 404.
fn answer(
    mut stream: TcpStream,
    pages: &[(&'static str, String)],
    fetch_sites: &Mutex<Vec<(String, String)>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split(' ').nth(1).unwrap_or_default().to_owned();
    let fetch_site = request
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("sec-fetch-site"))
        .map_or_else(String::new, |(_, value)| value.trim().to_owned());
    fetch_sites
        .lock()
        .expect("the record")
        .push((path.clone(), fetch_site));
    let response = match pages.iter().find(|(p, _)| *p == path) {
        Some((_, body)) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
        }
    };
    let _ = stream.write_all(response.as_bytes());
}

/// The pages from which another site tries to log the user out of the app at `app`. Those
/// that cannot be watched from WebDriver write how it went into `#outcome` when done.
fn attempts_to_log_out(app: &str) -> Vec<(&'static str, String)> {
    let logout = format!("{app}/auth/logout");
    let outcome = "<p id=\"outcome\"></p><script>function done(what) { document.getElementById(\"outcome\").textContent = what }</script>";
    vec![
        ("/", page("<p id=\"other-site\">another site</p>")),
        (
            "/navigate",
            page(&format!("<script>location.href = \"{logout}\"</script>")),
        ),
        (
            "/form",
            page(&format!(
                "<form method=\"post\" action=\"{logout}\"></form><script>document.forms[0].submit()</script>"
            )),
        ),
        (
            "/form-with-made-up-token",
            page(&format!(
                "<form method=\"post\" action=\"{logout}\"><input type=\"hidden\" name=\"doorman_logout\" value=\"made-up\"></form><script>document.forms[0].submit()</script>"
            )),
        ),
        (
            "/img",
            page(&format!(
                "{outcome}<img src=\"{logout}\" onload=\"done('loaded')\" onerror=\"done('error')\">"
            )),
        ),
        (
            "/fetch",
            page(&format!(
                "{outcome}<script>fetch(\"{logout}\", {{method: \"POST\", mode: \"no-cors\", credentials: \"include\"}}).then(r => done(\"response \" + r.type + \" \" + r.status), e => done(\"error \" + e))</script>"
            )),
        ),
        (
            "/frame",
            page(&format!(
                "{outcome}<iframe src=\"{logout}\" onload=\"done('loaded')\"></iframe>"
            )),
        ),
    ]
}

/// Opens the app's home page and asserts that alice is still logged in there, `after` what.
async fn assert_still_logged_in(client: &fantoccini::Client, app: &str, after: &str) {
    client
        .goto(&format!("{app}/"))
        .await
        .expect("open the demo");
    let greeting = text_of(client, "#greeting").await;
    assert!(
        greeting.starts_with("Hello"),
        "logged out after {after}: {greeting}"
    );
    assert_eq!(
        text_of(client, "#email").await,
        "alice@example.com",
        "after {after}"
    );
}

/// The element of the current page whose text holds `text`, once it is there.
async fn element_saying(client: &fantoccini::Client, text: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(&format!("//body[contains(., \"{text}\")]")))
        .await
        .unwrap_or_else(|e| panic!("a page saying {text:?}: {e}"))
}

/// Opens `path` of the other site and waits for its `#outcome`.
async fn outcome_of(client: &fantoccini::Client, other: &OtherSite, path: &str) -> String {
    client
        .goto(&format!("{}{path}", other.origin))
        .await
        .unwrap_or_else(|e| panic!("open {path} of the other site: {e}"));
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(
            "//p[@id=\"outcome\" and string-length(.) > 0]",
        ))
        .await
        .unwrap_or_else(|e| panic!("the outcome of {path}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Opens the demo at `app` and logs in as alice at the provider; back on the demo's page,
/// her email shows.
async fn log_in_as_alice(client: &fantoccini::Client, app: &str) {
    client
        .goto(&format!("{app}/"))
        .await
        .expect("open the demo");
    click(client, "a.doorman-login").await;
    sign_in_at_the_provider(client, "alice").await;
    assert_eq!(text_of(client, "#email").await, "alice@example.com");
}

/// The demo logged-out in Chromium, its provider, and a page of another site.
struct CrossSite {
    app: String,
    other: OtherSite,
    client: fantoccini::Client,
    _provider: Provider,
    _demo: Demo,
    _driver: Driver,
}

impl CrossSite {
    async fn start() -> Self {
        let app_port = free_port();
        let app = format!("http://127.0.0.1:{app_port}");
        let provider = Provider::start(&app, Variant::Basic).await;
        let demo = Demo::start(
            app_port,
            &secrets(app_port, provider.port, "doorman-basic", false),
        )
        .await;
        let other = OtherSite::start(attempts_to_log_out(&app));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
        let profile = root.join(format!("chromium-profile-{app_port}"));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let profile = std::fs::canonicalize(&profile).expect("canonical path");
        let (driver, client) = browser(&profile).await;
        Self {
            app,
            other,
            client,
            _provider: provider,
            _demo: demo,
            _driver: driver,
        }
    }
}

#[tokio::test]
async fn another_site_cannot_log_the_user_out_and_the_logout_button_can() {
    let CrossSite {
        app,
        other,
        client,
        _provider,
        _demo,
        _driver,
    } = CrossSite::start().await;

    log_in_as_alice(&client, &app).await;

    // From the app's page to the other one: the browser calls it another site.
    client
        .execute(&format!("location.href = \"{}/\"", other.origin), vec![])
        .await
        .expect("script");
    element(&client, "#other-site").await;
    assert_eq!(other.fetch_sites_of("/"), ["cross-site"]);

    // a. A top-level navigation to the logout page shows the button and waits for a click.
    // (The `Lax` cookie goes with it, so the page holds the session's token; the other site
    // cannot read it.)
    let logout_page = url::Url::parse(&format!("{app}/auth/logout")).expect("url");
    client
        .goto(&format!("{}/navigate", other.origin))
        .await
        .expect("open /navigate of the other site");
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_url(&logout_page)
        .await
        .expect("at the logout page");
    element(&client, "form.doorman-logout button").await;
    let source = client.source().await.expect("source");
    assert!(!source.contains("<script"), "{source}");
    // Nothing happening cannot be polled: a short settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        client.current_url().await.expect("url"),
        logout_page,
        "the logout page went on by itself"
    );
    assert_still_logged_in(&client, &app, "a navigation from another site").await;

    // b. A form posted to the logout route by the other site's script, with and without a
    // made-up token: refused for its origin.
    for path in ["/form", "/form-with-made-up-token"] {
        client
            .goto(&format!("{}{path}", other.origin))
            .await
            .unwrap_or_else(|e| panic!("open {path} of the other site: {e}"));
        client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_url(&logout_page)
            .await
            .unwrap_or_else(|e| panic!("{path} posted: {e}"));
        element_saying(&client, "logout must come from the app's own pages").await;
        assert_still_logged_in(&client, &app, &format!("the form of {path}")).await;
    }

    // c. An image of the logout route: not an image, and no logout.
    assert_eq!(outcome_of(&client, &other, "/img").await, "error");
    assert_still_logged_in(&client, &app, "an image").await;

    // d. A no-cors POST: an opaque answer, and no logout.
    assert_eq!(
        outcome_of(&client, &other, "/fetch").await,
        "response opaque 0"
    );
    assert_still_logged_in(&client, &app, "a no-cors fetch").await;

    // The logout page does not show in another site's frame.
    assert_eq!(outcome_of(&client, &other, "/frame").await, "loaded");
    let frame = client
        .find(Locator::Css("iframe"))
        .await
        .expect("the frame");
    frame.enter_frame().await.expect("into the frame");
    assert!(
        client
            .find(Locator::Css("form.doorman-logout"))
            .await
            .is_err(),
        "the logout form shows in another site's frame"
    );
    client.enter_parent_frame().await.expect("out of the frame");
    assert_still_logged_in(&client, &app, "a frame").await;

    // The app's own logout button logs out, after the provider's confirmation.
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
    client.close().await.expect("close the browser");
}

/// Clicks the provider's logout confirmation, which must come after `what`; if it does not,
/// panics with the page the browser shows instead.
async fn confirm_logout_at_the_provider_after(client: &fantoccini::Client, what: &str) {
    let confirm = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("button[name=logout]"))
        .await;
    let Ok(confirm) = confirm else {
        let url = client.current_url().await.expect("url");
        let body = text_of(client, "body").await;
        panic!("no logout confirmation at the provider after {what}: {url} says {body:?}");
    };
    confirm.click().await.expect("confirm the logout");
    assert_eq!(
        text_of(client, "#greeting").await,
        "You are not logged in.",
        "after {what}"
    );
}

#[tokio::test]
async fn the_logout_page_logs_out_by_itself_from_the_app_and_on_a_click_from_another_site() {
    let CrossSite {
        app,
        other,
        client,
        _provider,
        _demo,
        _driver,
    } = CrossSite::start().await;

    // From the app's own page, the logout page submits itself.
    log_in_as_alice(&client, &app).await;
    client
        .execute("location.href = \"/auth/logout\"", vec![])
        .await
        .expect("script");
    confirm_logout_at_the_provider_after(&client, "the logout page opened from the app").await;

    // Sent there by another site, it logs out when its button is clicked.
    log_in_as_alice(&client, &app).await;
    client
        .goto(&format!("{}/navigate", other.origin))
        .await
        .expect("open /navigate of the other site");
    click(&client, "form.doorman-logout button").await;
    confirm_logout_at_the_provider_after(&client, "a click on the logout page").await;
    client.close().await.expect("close the browser");
}

/// The number on the demo's page at `#expires-at`: when the access token expires.
async fn expires_at_shown(client: &fantoccini::Client) -> u64 {
    text_of(client, "#expires-at")
        .await
        .parse()
        .expect("Unix seconds")
}

/// The `#expires-at` of the page once it shows one later than `before` (at most 15 seconds):
/// a reload or a click's form post replaces the page under the old element.
async fn expires_at_after(client: &fantoccini::Client, before: u64) -> u64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(element) = client.find(Locator::Css("#expires-at")).await
            && let Ok(text) = element.text().await
            && let Ok(shown) = text.parse::<u64>()
            && shown > before
        {
            return shown;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no #expires-at after {before}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// With refresh tokens and 8-second access tokens, the session renews itself on a page load
/// once its access token nears expiry, and at once with the demo's Renew button.
#[tokio::test]
async fn a_session_renews_itself_and_on_the_renew_button_in_chromium() {
    let app_port = free_port();
    let app = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&app, Variant::Refresh).await;
    let secrets = format!(
        "{}refresh_margin = \"5s\"\n",
        secrets(app_port, provider.port, "doorman-basic", false)
    );
    let _demo = Demo::start(app_port, &secrets).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let profile = root.join(format!("chromium-profile-{app_port}"));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let profile = std::fs::canonicalize(&profile).expect("canonical path");
    let (_driver, client) = browser(&profile).await;
    log_in_as_alice(&client, &app).await;
    let first = expires_at_shown(&client).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    client.refresh().await.expect("reload");
    let renewed = expires_at_after(&client, first).await;
    assert!(
        renewed > first,
        "renewed on the page load: {renewed} after {first}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    click(&client, "form.doorman-refresh button").await;
    let clicked = expires_at_after(&client, renewed).await;
    assert!(
        clicked > renewed,
        "renewed on the button: {clicked} after {renewed}"
    );
    assert_eq!(text_of(&client, "#email").await, "alice@example.com");
    let refreshes = provider
        .requests_to("/token")
        .await
        .into_iter()
        .filter(|r| r["params"]["grant_type"] == "refresh_token" && r["status"] == 200)
        .count();
    // The page load's and the button's (one more if a slow machine put the first page
    // within the margin already).
    assert!(refreshes >= 2, "{refreshes} refresh grants");
}

/// oidc-provider with back-channel logout, in Chromium: alice logs in to the demo, then signs
/// out at the provider's own page (not through the app); the provider posts its logout
/// token to the app, and the demo's page, reloaded with the cookie the browser still holds,
/// shows her logged out.
#[tokio::test]
async fn signing_out_at_the_provider_logs_out_of_the_app_in_chromium() {
    let app_port = free_port();
    let app = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&app, Variant::Backchannel).await;
    let _demo = Demo::start(
        app_port,
        &secrets(app_port, provider.port, "doorman-basic", false),
    )
    .await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    let profile = root.join(format!("chromium-profile-{app_port}"));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let profile = std::fs::canonicalize(&profile).expect("canonical path");
    let (_driver, client) = browser(&profile).await;
    log_in_as_alice(&client, &app).await;

    client
        .goto(&format!("http://127.0.0.1:{}/session/end", provider.port))
        .await
        .expect("the provider's logout page");
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("button[name=logout]"))
        .await
        .expect("the provider's logout confirmation")
        .click()
        .await
        .expect("confirm the logout");
    // The click returns before the provider has answered it: wait for its delivery.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let delivered = loop {
        let delivered = provider.requests_to("__backchannel").await;
        if !delivered.is_empty() || std::time::Instant::now() > deadline {
            break delivered;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(delivered[0]["status"], 200, "{delivered:#?}");

    client
        .goto(&format!("{app}/"))
        .await
        .expect("the demo again");
    assert_eq!(
        text_of(&client, "#greeting").await,
        "You are not logged in.",
        "logged out through the back channel"
    );
    client.close().await.expect("close the browser");
}

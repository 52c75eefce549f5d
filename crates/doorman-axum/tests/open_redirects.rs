//! The open-redirect corpus (`tests/data/open-redirects/payloads.txt`, over a thousand
//! `return_to` payloads in families: encoded slashes, scheme-relative references, controls
//! and whitespace, look-alikes, userinfo, absolute URLs, dot segments, long values, CRLF,
//! smuggled URLs, IP hosts, `;` and `?`) against every route that takes a return path: a
//! whole login, the manual refresh (`POST /auth/refresh`) and its page
//! (`GET /auth/refresh?return_to=…`). Every payload must end on the app's own origin at a
//! path from its root, the legitimate ones exactly where the corpus says, and no payload may
//! put a CR or LF into a response header. Logout takes no return path; the corpus is sent to
//! it only to show that nothing in it steers where logout ends.
//!
//! Each test runs the whole corpus as data and fails once, listing every failing payload.

mod app;

use app::{APP, Browser, IDP, Response, Setup, TestApp, location, set_cookies};
use url::Url;

/// The app's origin, where every payload must land.
const ORIGIN: &str = "http://app.test";

/// One payload of the corpus.
struct Payload {
    /// Its line in the corpus file, for the failure message.
    line: usize,
    family: String,
    /// As it stands after `return_to=` in a query string or form body.
    wire: String,
    /// For a legitimate path, exactly where it must land.
    lands_on: Option<String>,
}

impl Payload {
    /// The parameters the app reads from `return_to={wire}`: usually one `return_to`, but a
    /// payload may smuggle a second parameter after an `&`.
    fn parameters(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(format!("return_to={}", self.wire).as_bytes())
            .into_owned()
            .collect()
    }

    /// The parameters as a query string (after `prefix`), encoded afresh: the app reads the
    /// same values as from the wire form.
    fn query(&self, prefix: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(prefix);
        query.extend_pairs(self.parameters());
        query.finish()
    }

    fn describe(&self) -> String {
        let wire: String = self.wire.chars().take(80).collect();
        let cut = if wire.len() < self.wire.len() {
            "…"
        } else {
            ""
        };
        format!("line {} ({}): {wire}{cut}", self.line, self.family)
    }
}

/// The corpus, read and checked for form: payloads hold only printable ASCII without spaces
/// or `#`, so every control character, CR, LF and look-alike is percent-encoded in the file.
fn corpus() -> Vec<Payload> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/open-redirects/payloads.txt");
    let text = std::fs::read_to_string(&path).expect("the open-redirect corpus");
    let mut family = String::new();
    let mut payloads = Vec::new();
    for (at, line) in text.lines().enumerate() {
        let line_number = at + 1;
        if let Some(name) = line.strip_prefix("## ") {
            name.clone_into(&mut family);
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (wire, lands_on) = match line.strip_prefix("+ ") {
            Some(legitimate) => {
                let (wire, lands_on) = legitimate
                    .split_once(" -> ")
                    .unwrap_or_else(|| panic!("line {line_number}: `+ PAYLOAD -> LANDING`"));
                (wire, Some(lands_on.to_owned()))
            }
            None => (line, None),
        };
        assert!(
            wire.bytes().all(|b| b.is_ascii_graphic() && b != b'#'),
            "line {line_number}: a payload is printable ASCII without spaces or `#`: {wire:?}"
        );
        payloads.push(Payload {
            line: line_number,
            family: family.clone(),
            wire: wire.to_owned(),
            lands_on,
        });
    }
    assert!(payloads.len() >= 500, "{} payloads", payloads.len());
    payloads
}

/// Why `location` (a `Location` or a form's return path) is not a path on the app's own
/// origin, if it is not.
fn off_the_app(location: &str) -> Option<String> {
    if !location.bytes().all(|b| b.is_ascii_graphic()) {
        // Browsers drop tabs and newlines anywhere in a URL, and trim spaces and controls.
        return Some(format!(
            "holds a space, control or non-ASCII byte: {location:?}"
        ));
    }
    if !location.starts_with('/') || location.starts_with("//") || location.starts_with("/\\") {
        return Some(format!("is not a path from the root: {location:?}"));
    }
    let base = Url::parse(&format!("{ORIGIN}/oauth2callback")).expect("origin");
    match base.join(location) {
        Ok(url)
            if url.scheme() == "http"
                && url.host_str() == Some(APP)
                && url.port().is_none()
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            None
        }
        Ok(url) => Some(format!("resolves off the app: {url}")),
        Err(why) => Some(format!("does not resolve ({why}): {location:?}")),
    }
}

/// Why `location` is not where `payload` must land, if it is not.
fn wrong_landing(payload: &Payload, location: &str) -> Option<String> {
    if let Some(why) = off_the_app(location) {
        return Some(why);
    }
    match &payload.lands_on {
        Some(expected) if expected != location => {
            Some(format!("landed on {location:?}, not {expected:?}"))
        }
        _ => None,
    }
}

/// Why `response`'s headers show a header injection, if they do: a CR or LF in a value, a
/// header the corpus tries to add, or a second `Location`.
fn injected_headers(response: &Response) -> Option<String> {
    let headers = response.headers();
    if let Some((name, _)) = headers
        .iter()
        .find(|(_, value)| value.as_bytes().iter().any(|b| matches!(b, b'\r' | b'\n')))
    {
        return Some(format!("a CR or LF in the {name} header"));
    }
    if headers.contains_key("x-injected") || headers.contains_key("refresh") {
        return Some("an injected header".to_owned());
    }
    if headers.get_all("location").iter().count() > 1 {
        return Some("two Location headers".to_owned());
    }
    set_cookies(response)
        .iter()
        .any(|line| line.starts_with("doorman_injected"))
        .then(|| "an injected Set-Cookie".to_owned())
}

/// Collects the payloads a route fails, then fails once listing them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn note(&mut self, payload: &Payload, why: Option<String>) {
        if let Some(why) = why {
            self.0.push(format!("{}\n    {why}", payload.describe()));
        }
    }

    fn assert_none(self, route: &str, tried: usize) {
        assert!(
            self.0.is_empty(),
            "{} of {tried} payloads failed against {route}:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// Where [`follow`] ended.
struct Ended {
    url: Url,
    status: http::StatusCode,
    /// The last `Location` the app answered.
    from_the_app: Option<String>,
}

/// Follows redirects from `start` as a browser does, stopping (with the reason) at the first
/// host that is neither the app nor the provider or at a header injection.
async fn follow(browser: &Browser, start: Url) -> Result<Ended, String> {
    let mut url = start;
    let mut from_the_app = None;
    for _ in 0..10 {
        let response = browser.get(url.as_str()).send().await?;
        if let Some(why) = injected_headers(&response) {
            return Err(format!("{why} at {url}"));
        }
        if !response.status().is_redirection() {
            return Ok(Ended {
                url,
                status: response.status(),
                from_the_app,
            });
        }
        let Some(next) = response.headers().get("location") else {
            return Err(format!("a redirect without a Location at {url}"));
        };
        let next = next
            .to_str()
            .map_err(|_| format!("a Location that is not ASCII at {url}"))?
            .to_owned();
        if url.host_str() == Some(APP) {
            from_the_app = Some(next.clone());
        }
        url = url
            .join(&next)
            .map_err(|why| format!("Location {next:?} does not resolve: {why}"))?;
        if url.scheme() != "http" || !matches!(url.host_str(), Some(APP | IDP)) {
            return Err(format!("redirected off the app, to {url}"));
        }
    }
    Err(format!("a redirect loop, at {url}"))
}

#[tokio::test]
async fn every_corpus_payload_lands_on_the_app_after_a_whole_login() {
    let app = TestApp::start().await;
    let corpus = corpus();
    let mut failures = Failures::default();
    for payload in &corpus {
        let start = Url::parse(&app.url(&format!(
            "/auth/login?{}",
            payload.query(&[("provider", "dev")])
        )))
        .expect("login URL");
        let why = match follow(&app.browser(), start.clone()).await {
            Err(why) => Some(why),
            Ok(Ended { url, .. }) if url.host_str() != Some(APP) => Some(format!("ended at {url}")),
            // Refused at the login start (a smuggled `provider=` naming no provider).
            Ok(Ended {
                url,
                status,
                from_the_app: None,
            }) if url == start && status.is_client_error() && payload.lands_on.is_none() => None,
            Ok(Ended {
                from_the_app: None,
                status,
                ..
            }) => Some(format!("the app answered {status} without a redirect")),
            Ok(Ended {
                from_the_app: Some(landing),
                ..
            }) => wrong_landing(payload, &landing),
        };
        failures.note(payload, why);
    }
    failures.assert_none("a whole login", corpus.len());
}

#[tokio::test]
async fn every_corpus_payload_returns_to_the_app_from_a_manual_refresh() {
    let app = TestApp::with(Setup {
        extra_secrets: "client_kwargs = { scope = \"openid profile email offline_access\" }".into(),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    let corpus = corpus();
    let mut failures = Failures::default();
    for payload in &corpus {
        let response = app
            .client
            .post(app.url("/auth/refresh"))
            .header("origin", ORIGIN)
            .form(&payload.parameters())
            .send()
            .await
            .expect("refresh");
        let why = injected_headers(&response).or_else(|| {
            if response.status() == 303 && response.headers().contains_key("location") {
                wrong_landing(payload, &location(&response))
            } else {
                Some(format!("answered {} without a Location", response.status()))
            }
        });
        failures.note(payload, why);
    }
    failures.assert_none("POST /auth/refresh", corpus.len());
    assert_eq!(
        app.user_json().await["is_logged_in"],
        true,
        "the session was renewed throughout"
    );
}

#[tokio::test]
async fn every_corpus_payload_is_a_safe_return_path_in_the_refresh_page() {
    const FIELD: &str = r#"name="return_to" value=""#;
    let app = TestApp::start().await;
    let corpus = corpus();
    let mut failures = Failures::default();
    for payload in &corpus {
        let response = app
            .client
            .get(app.url(&format!("/auth/refresh?{}", payload.query(&[]))))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("refresh page");
        let why = injected_headers(&response).or_else(|| {
            let page = response.text().expect("text");
            let fields: Vec<&str> = page
                .match_indices(FIELD)
                .map(|(at, _)| {
                    let value = &page[at + FIELD.len()..];
                    &value[..value.find('"').unwrap_or(value.len())]
                })
                .collect();
            match fields[..] {
                [value] => wrong_landing(payload, &unescape_html(value)),
                _ => Some(format!("{} return_to fields in the page", fields.len())),
            }
        });
        failures.note(payload, why);
    }
    failures.assert_none("GET /auth/refresh", corpus.len());
}

/// Logout has no return path: `POST /auth/logout` (and the page before it, and
/// `/auth/logged-out` after the provider) always ends at the base path, through the
/// provider's `end_session_endpoint` when there is a session (`handlers.rs` `logout`). No
/// return path is invented here; the corpus is sent in the query and the form only to show
/// that none of it is read.
#[tokio::test]
async fn logout_reads_no_return_path_so_every_corpus_payload_ends_at_home() {
    let app = TestApp::start().await;
    let corpus = corpus();
    let mut failures = Failures::default();
    for payload in &corpus {
        let browser = app.browser();
        let why = match logged_out_with(&app, &browser, payload).await {
            Err(why) => Some(why),
            Ok(Ended { url, .. }) if url.as_str() != format!("{ORIGIN}/") => {
                Some(format!("ended at {url}, not the base path"))
            }
            Ok(_) => None,
        };
        failures.note(payload, why);
    }
    failures.assert_none("POST /auth/logout", corpus.len());
}

/// Logs `browser` in, then out with `payload` in the logout request's query and form;
/// where the logout ends.
async fn logged_out_with(
    app: &TestApp,
    browser: &Browser,
    payload: &Payload,
) -> Result<Ended, String> {
    let login = Url::parse(&app.url("/auth/login?provider=dev")).expect("url");
    follow(browser, login).await?;
    let page = browser
        .get(app.url("/auth/logout"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await?
        .text()
        .map_err(|e| e.to_string())?;
    const TOKEN: &str = r#"name="doorman_logout" value=""#;
    let start = page.find(TOKEN).ok_or("no logout token")? + TOKEN.len();
    let token = &page[start..start + page[start..].find('"').ok_or("no token end")?];
    let mut form = payload.parameters();
    form.push(("doorman_logout".to_owned(), token.to_owned()));
    let response = browser
        .post(app.url(&format!("/auth/logout?{}", payload.query(&[]))))
        .header("origin", ORIGIN)
        .form(&form)
        .send()
        .await?;
    if let Some(why) = injected_headers(&response) {
        return Err(why);
    }
    if response.status() != 303 {
        return Err(format!("logout answered {}", response.status()));
    }
    let to_the_provider = Url::parse(&location(&response)).map_err(|e| e.to_string())?;
    if to_the_provider.host_str() != Some(IDP) {
        return Err(format!("logout went to {to_the_provider}"));
    }
    follow(browser, to_the_provider).await
}

/// The text of an attribute value escaped by the app's pages.
fn unescape_html(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

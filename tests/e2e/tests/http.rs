//! doorman against `oidc-provider` over plain HTTP with a cookie jar, for both client
//! configurations (`client_secret_basic`, `client_secret_post`) and both provider
//! configurations, asserting what the provider received.

use doorman_e2e::{Demo, Provider, Variant, free_port, secrets};
use doorman_testkit::browser::{self, location};
use serde_json::Value;

/// The value of attribute `name` of the first tag in `html` that holds `marker`.
fn attribute_near(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let form_start = html[..at].rfind("<form")?;
    let tag = &html[form_start..];
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].replace("&amp;", "&"))
}

/// Browses from `start` as a user would: follows redirects, signs in as `login` on the
/// provider's page, gives consent when asked. Returns the URLs visited and the last page.
async fn browse(client: &reqwest::Client, start: &str, login: &str) -> (Vec<String>, String) {
    let mut url = reqwest::Url::parse(start).expect("url");
    let mut visited = vec![url.to_string()];
    let mut form: Option<Vec<(String, String)>> = None;
    for _ in 0..20 {
        let response = match form.take() {
            Some(fields) => client.post(url.clone()).form(&fields).send().await,
            None => client.get(url.clone()).send().await,
        }
        .expect("request");
        if response.status().is_redirection() {
            url = url.join(&location(&response)).expect("location");
            visited.push(url.to_string());
            continue;
        }
        let page = response.text().await.expect("text");
        let prompt = if page.contains("name=\"prompt\" value=\"login\"") {
            "login"
        } else if page.contains("name=\"prompt\" value=\"consent\"") {
            "consent"
        } else {
            return (visited, page);
        };
        let marker = format!("name=\"prompt\" value=\"{prompt}\"");
        let action = attribute_near(&page, &marker, "action").expect("form action");
        url = url.join(&action).expect("action");
        visited.push(format!("POST {url} ({prompt})"));
        let mut fields = vec![("prompt".to_owned(), prompt.to_owned())];
        if prompt == "login" {
            fields.push(("login".to_owned(), login.to_owned()));
            fields.push(("password".to_owned(), "any-password".to_owned()));
        }
        form = Some(fields);
    }
    panic!("too many steps: {visited:?}");
}

async fn login_and_check(variant: Variant, client_id: &str, post: bool) {
    let app_port = free_port();
    let origin = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&origin, variant).await;
    let demo = Demo::start(app_port, &secrets(app_port, provider.port, client_id, post)).await;
    let client = browser::client();
    let (visited, page) = browse(
        &client,
        &format!(
            "{}/auth/login?provider=op&return_to=/user.json",
            demo.origin
        ),
        "alice",
    )
    .await;
    let user: Value =
        serde_json::from_str(&page).unwrap_or_else(|_| panic!("{visited:#?}\n{page}"));
    assert_eq!(user["is_logged_in"], true, "{visited:#?}");
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["name"], "Test alice");
    assert_eq!(user["provider"], "op");
    assert!(
        visited.last().expect("visited").ends_with("/user.json"),
        "back where the login started"
    );
    if variant == Variant::Pkce {
        assert!(
            visited.iter().any(|v| v.contains("(consent)")),
            "the consent screen was shown"
        );
    }

    let authorize = &provider.requests_to("/auth").await[0]["params"];
    assert_eq!(authorize["response_type"], "code");
    assert_eq!(authorize["client_id"], client_id);
    assert_eq!(
        authorize["redirect_uri"],
        format!("{origin}/oauth2callback")
    );
    assert_eq!(authorize["scope"], "openid profile email");
    assert_eq!(authorize["prompt"], "select_account");
    assert_eq!(authorize["code_challenge_method"], "S256");
    for name in ["state", "nonce", "code_challenge"] {
        assert!(
            authorize[name].as_str().is_some_and(|v| v.len() == 43),
            "{name}: {authorize}"
        );
    }
    let token = &provider.requests_to("/token").await[0];
    assert_eq!(token["status"], 200, "{token}");
    assert_eq!(token["params"]["grant_type"], "authorization_code");
    assert_eq!(
        token["params"]["redirect_uri"],
        format!("{origin}/oauth2callback")
    );
    assert!(token["params"]["code_verifier"].is_string());
    let body_keys: Vec<&str> = token["body_keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if post {
        assert!(body_keys.contains(&"client_secret"), "{token}");
        assert!(token["auth_scheme"].is_null(), "{token}");
    } else {
        assert_eq!(token["auth_scheme"], "Basic", "{token}");
        assert!(!body_keys.contains(&"client_secret"), "{token}");
    }
    let userinfo = provider.requests_to("/me").await;
    assert_eq!(userinfo.len(), 1);
    assert_eq!(userinfo[0]["auth_scheme"], "Bearer");

    // Logout: at the app, with the token of the home page's logout form (refused without
    // it), then at the provider, and back.
    let without_token = client
        .post(format!("{}/auth/logout", demo.origin))
        .header("origin", &demo.origin)
        .send()
        .await
        .expect("logout without the token");
    assert_eq!(without_token.status(), 403);
    let home = client
        .get(format!("{}/", demo.origin))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    let token = home
        .split("name=\"doorman_logout\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the home page's logout form: {home}"));
    let logout = client
        .post(format!("{}/auth/logout", demo.origin))
        .header("origin", &demo.origin)
        .form(&[("doorman_logout", token)])
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    let end_session = reqwest::Url::parse(&location(&logout)).expect("url");
    let params: std::collections::HashMap<String, String> =
        end_session.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], client_id);
    assert_eq!(
        params["post_logout_redirect_uri"],
        format!("{origin}/auth/logged-out")
    );
    assert!(params["id_token_hint"].starts_with("ey"));
    let page = client
        .get(end_session)
        .send()
        .await
        .expect("end session")
        .text()
        .await
        .expect("text");
    let action = attribute_near(&page, "name=\"xsrf\"", "action").expect("logout form");
    let xsrf = attribute_near(&page, "name=\"xsrf\"", "value").unwrap_or_default();
    let xsrf = page
        .split("name=\"xsrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map_or(xsrf, str::to_owned);
    let confirm_url = reqwest::Url::parse(&format!("http://127.0.0.1:{}/", provider.port))
        .expect("url")
        .join(&action)
        .expect("action");
    let confirmed = client
        .post(confirm_url)
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    let back = location(&confirmed);
    assert!(
        back.starts_with(&format!("{origin}/auth/logged-out")),
        "{back}"
    );
    let (_, home) = browse(&client, &back, "alice").await;
    assert!(home.contains("You are not logged in."), "{home}");
    let user: Value = client
        .get(format!("{}/user.json", demo.origin))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(user["is_logged_in"], false);
}

#[tokio::test]
async fn client_secret_basic_against_oidc_provider() {
    login_and_check(Variant::Basic, "doorman-basic", false).await;
}

#[tokio::test]
async fn client_secret_post_against_oidc_provider() {
    login_and_check(Variant::Basic, "doorman-post", true).await;
}

#[tokio::test]
async fn pkce_required_and_consent_shown() {
    login_and_check(Variant::Pkce, "doorman-basic", false).await;
}

/// oidc-provider issues refresh tokens, rotated on every use, with access tokens of 8
/// seconds: the demo (renewing 5 seconds before expiry) keeps the session alive past two
/// access tokens, each renewal a `refresh_token` grant at the provider and a new access token
/// in the app.
#[tokio::test]
async fn a_session_outlives_its_access_tokens_through_refresh() {
    let app_port = free_port();
    let origin = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&origin, Variant::Refresh).await;
    let secrets = format!(
        "{}refresh_margin = \"5s\"\n",
        secrets(app_port, provider.port, "doorman-basic", false)
    );
    let demo = Demo::start(app_port, &secrets).await;
    let client = browser::client();
    let (visited, page) = browse(
        &client,
        &format!(
            "{}/auth/login?provider=op&return_to=/user.json",
            demo.origin
        ),
        "alice",
    )
    .await;
    let user: Value =
        serde_json::from_str(&page).unwrap_or_else(|_| panic!("{visited:#?}\n{page}"));
    assert_eq!(user["is_logged_in"], true, "{visited:#?}");
    let mut access = user["tokens"]["access"].clone();
    let mut expires_at = user["tokens"]["expires_at"].as_u64().expect("expires_at");
    for round in 1..=2 {
        tokio::time::sleep(std::time::Duration::from_secs(4)).await;
        let user: Value = client
            .get(format!("{}/user.json", demo.origin))
            .send()
            .await
            .expect("user.json")
            .json()
            .await
            .expect("json");
        assert_eq!(user["is_logged_in"], true, "round {round}: {user}");
        assert_ne!(
            user["tokens"]["access"], access,
            "round {round}: a new access token"
        );
        let renewed = user["tokens"]["expires_at"].as_u64().expect("expires_at");
        assert!(
            renewed > expires_at,
            "round {round}: {renewed} after {expires_at}"
        );
        access = user["tokens"]["access"].clone();
        expires_at = renewed;
        let refreshes = provider
            .requests_to("/token")
            .await
            .into_iter()
            .filter(|r| r["params"]["grant_type"] == "refresh_token" && r["status"] == 200)
            .count();
        // At least one grant per renewal; one more if the machine was slow enough for the
        // first page after the login to fall within the margin already.
        assert!(
            refreshes >= round,
            "round {round}: {refreshes} refresh grants"
        );
    }
}

/// oidc-provider with back-channel logout: the user signs out at the provider (not through
/// the app); the provider posts a logout token to the app, which verifies it and ends the
/// session, so the app's next request is logged out.
#[tokio::test]
async fn signing_out_at_the_provider_logs_out_of_the_app_through_the_back_channel() {
    let app_port = free_port();
    let origin = format!("http://127.0.0.1:{app_port}");
    let provider = Provider::start(&origin, Variant::Backchannel).await;
    let demo = Demo::start(
        app_port,
        &secrets(app_port, provider.port, "doorman-basic", false),
    )
    .await;
    let client = browser::client();
    let (visited, page) = browse(
        &client,
        &format!(
            "{}/auth/login?provider=op&return_to=/user.json",
            demo.origin
        ),
        "alice",
    )
    .await;
    let user: Value =
        serde_json::from_str(&page).unwrap_or_else(|_| panic!("{visited:#?}\n{page}"));
    assert_eq!(user["is_logged_in"], true, "{visited:#?}");
    assert!(user["sid"].is_string(), "the provider's session id: {user}");

    // Sign out at the provider's own logout page.
    let end = format!("http://127.0.0.1:{}/session/end", provider.port);
    let page = client
        .get(&end)
        .send()
        .await
        .expect("end")
        .text()
        .await
        .expect("text");
    let action = attribute_near(&page, "name=\"xsrf\"", "action").expect("the logout form");
    let xsrf = {
        let marker = "name=\"xsrf\" value=\"";
        let start = page.find(marker).expect("xsrf") + marker.len();
        page[start..start + page[start..].find('"').expect("end")].to_owned()
    };
    let confirm = reqwest::Url::parse(&end)
        .expect("url")
        .join(&action)
        .expect("action");
    client
        .post(confirm)
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .expect("confirm");
    let delivered = provider.requests_to("__backchannel").await;
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(
        delivered[0]["status"], 200,
        "the app accepted the logout token: {delivered:#?}"
    );

    // The provider delivers the logout token before it answers the confirmation.
    let seen: Value = client
        .get(format!("{}/user.json", demo.origin))
        .send()
        .await
        .expect("user.json")
        .json()
        .await
        .expect("json");
    assert_eq!(
        seen["is_logged_in"], false,
        "logged out through the back channel"
    );
}

//! Guards, in process on virtual time: `require_login` lets logged-in users through and hands
//! the user to the extractor; without a user, every branch of the navigation rule with the
//! header sets browsers and clients really send (a navigation is sent to log in and comes back,
//! anything else gets `401` JSON and never a redirect); `require_group` answers `403` outside the
//! group; `login_with` names the provider; `User::groups` and `in_group` read the configured claim.

mod app;

use app::{Setup, TestApp, location};
use axum::Router;
use axum::response::{Html, Json};
use axum::routing::{get, post};
use doorman_axum::{Auth, User};
use serde_json::{Value, json};

/// The first of the groups `Setup::groups` gives the test user.
const FIRST_GROUP: &str = "00000000-0000-4000-a000-000000000000";

/// Chromium's `Accept` for a page.
const PAGE: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

fn routes(auth: &Auth) -> Router {
    let private = Router::new()
        .route(
            "/private",
            get(|user: User| async move {
                Html(format!(
                    "<p>private page of {}</p>",
                    doorman_axum::escape_html(user.email().unwrap_or_default())
                ))
            })
            .post(|| async { "posted" }),
        )
        .route(
            "/api/me",
            get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
        )
        .route(
            "/ws",
            get(|user: User| async move { user.email().unwrap_or_default().to_owned() }),
        )
        .layer(auth.require_login());
    let members = Router::new()
        .route(
            "/members",
            get(|user: User| async move {
                Json(json!({"groups": user.groups(), "in_first": user.in_group(FIRST_GROUP)}))
            }),
        )
        .layer(auth.require_group(FIRST_GROUP));
    let admins = Router::new()
        .route("/admin", get(|| async { "admin" }))
        .layer(auth.require_group("admins"));
    let named = Router::new()
        .route("/dev-only", get(|| async { "dev" }))
        .layer(auth.require_login().login_with("dev"));
    let open = Router::new().route(
        "/groups",
        get(|user: User| async move {
            Json(json!({"groups": user.groups(), "admin": user.in_group("admins")}))
        }),
    );
    Router::new()
        .merge(private)
        .merge(members)
        .merge(admins)
        .merge(named)
        .merge(open)
        .route("/form", post(|| async { "not guarded" }))
}

/// What sends a request, its method, its headers, and whether it is a navigation.
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    bool,
);

async fn app() -> TestApp {
    TestApp::with(Setup {
        routes: Some(routes),
        groups: 3,
        ..Setup::default()
    })
    .await
}

#[tokio::test]
async fn without_a_user_a_navigation_goes_to_the_login_and_anything_else_gets_401() {
    let app = app().await;
    // The secrets name their one provider `dev`: the guard sends browsers to it.
    let login = "/auth/login?provider=dev&return_to=%2Fprivate%3Ftab%3D2";
    let cases: [Case; 10] = [
        (
            "Chromium: a link",
            "GET",
            &[
                ("accept", PAGE),
                ("sec-fetch-mode", "navigate"),
                ("sec-fetch-dest", "document"),
                ("sec-fetch-site", "same-origin"),
            ],
            true,
        ),
        (
            "Chromium: a form post",
            "POST",
            &[
                ("accept", PAGE),
                ("sec-fetch-mode", "navigate"),
                ("sec-fetch-dest", "document"),
                ("origin", "http://app.test"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            true,
        ),
        (
            "Chromium: fetch()",
            "GET",
            &[
                ("accept", "*/*"),
                ("sec-fetch-mode", "cors"),
                ("sec-fetch-dest", "empty"),
                ("sec-fetch-site", "same-origin"),
            ],
            false,
        ),
        (
            "Chromium: fetch() with Accept: application/json",
            "GET",
            &[
                ("accept", "application/json"),
                ("sec-fetch-mode", "cors"),
                ("sec-fetch-dest", "empty"),
            ],
            false,
        ),
        (
            "Chromium: XMLHttpRequest",
            "GET",
            &[
                ("accept", "*/*"),
                ("sec-fetch-mode", "cors"),
                ("sec-fetch-dest", "empty"),
                ("x-requested-with", "XMLHttpRequest"),
            ],
            false,
        ),
        (
            "Chromium: a WebSocket upgrade",
            "GET",
            &[
                ("upgrade", "websocket"),
                ("connection", "Upgrade"),
                ("sec-websocket-version", "13"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("sec-fetch-mode", "websocket"),
            ],
            false,
        ),
        (
            "curl",
            "GET",
            &[("accept", "*/*"), ("user-agent", "curl/8.5.0")],
            false,
        ),
        (
            "an API client",
            "GET",
            &[("accept", "application/json")],
            false,
        ),
        (
            "a browser without fetch metadata",
            "GET",
            &[(
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )],
            true,
        ),
        ("no headers at all", "GET", &[], false),
    ];
    for (what, method, headers, navigation) in cases {
        let url = app.url("/private?tab=2");
        let mut request = if method == "POST" {
            app.bare().post(&url)
        } else {
            app.bare().get(&url)
        };
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
        if navigation {
            assert_eq!(response.status(), 303, "{what}");
            assert_eq!(location(&response), login, "{what}");
        } else {
            assert_eq!(response.status(), 401, "{what}");
            assert!(!response.headers().contains_key("location"), "{what}");
            let challenges: Vec<&str> = response
                .headers()
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.to_str().expect("ascii"))
                .collect();
            assert_eq!(
                challenges,
                [format!(
                    "Cookie realm=\"http://app.test\", form-action=\"{login}\""
                )],
                "{what}"
            );
            let body = response.json().expect("json");
            assert_eq!(
                body,
                json!({"error": "login_required", "login_url": login}),
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn the_navigation_comes_back_to_the_page_after_login() {
    let app = app().await;
    let first = app
        .client
        .get(app.url("/private?tab=2"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("page");
    assert_eq!(first.status(), 303);
    let (visited, response) = app.client.follow(&app.url(&location(&first))).await;
    assert_eq!(response.status(), 200, "{visited:?}");
    assert_eq!(
        visited.last().map(String::as_str),
        Some("http://app.test/private?tab=2")
    );
    assert_eq!(
        response.text().expect("text"),
        "<p>private page of ada@example.com</p>"
    );
}

#[tokio::test]
async fn a_logged_in_user_goes_through_and_the_handler_reads_them() {
    let app = app().await;
    app.login("provider=dev").await;
    let me = app
        .client
        .get(app.url("/api/me"))
        .header("accept", "application/json")
        .header("sec-fetch-mode", "cors")
        .send()
        .await
        .expect("api");
    assert_eq!(me.status(), 200);
    let me = me.json().expect("json");
    assert_eq!(me["is_logged_in"], true);
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["provider"], "dev");
    let page = app.get("/private").await;
    assert_eq!(page.status(), 200);
    let posted = app
        .client
        .post(app.url("/private"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("post");
    assert_eq!(posted.text().expect("text"), "posted");
}

#[tokio::test]
async fn a_session_that_no_longer_opens_is_anonymous_to_the_guard() {
    let app = app().await;
    let response = app
        .bare()
        .get(app.url("/api/me"))
        .header("cookie", "doorman_user=not-a-sealed-value")
        .send()
        .await
        .expect("api");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_group_guard_lets_members_in_and_answers_others_403_page_or_json() {
    let app = app().await;
    // Anonymous: as `require_login`.
    let anonymous = app
        .bare()
        .get(app.url("/admin"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("admin");
    assert_eq!(anonymous.status(), 401);
    let navigation = app
        .bare()
        .get(app.url("/admin"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("admin");
    assert_eq!(navigation.status(), 303);
    app.login("provider=dev").await;
    let members = app.get("/members").await;
    assert_eq!(members.status(), 200);
    let members = members.json().expect("json");
    assert_eq!(members["in_first"], true);
    assert_eq!(members["groups"].as_array().map(Vec::len), Some(3));
    let page = app
        .client
        .get(app.url("/admin"))
        .header("sec-fetch-mode", "navigate")
        .header("accept", PAGE)
        .send()
        .await
        .expect("admin");
    assert_eq!(page.status(), 403);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let api = app
        .client
        .get(app.url("/admin"))
        .header("sec-fetch-mode", "cors")
        .send()
        .await
        .expect("admin");
    assert_eq!(api.status(), 403);
    assert_eq!(api.json().expect("json"), json!({"error": "forbidden"}));
}

#[tokio::test]
async fn login_with_names_the_provider() {
    let app = app().await;
    let response = app
        .bare()
        .get(app.url("/dev-only"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("answer");
    assert_eq!(
        location(&response),
        "/auth/login?provider=dev&return_to=%2Fdev-only"
    );
}

#[tokio::test]
async fn groups_are_read_at_the_configured_claim() {
    let mut user_claims = serde_json::Map::new();
    user_claims.insert(
        "realm_access".into(),
        json!({"roles": ["admins", "offline_access"]}),
    );
    let app = TestApp::with(Setup {
        routes: Some(routes),
        user_claims,
        extra_secrets: "groups_claim = \"realm_access.roles\"\n".into(),
        ..Setup::default()
    })
    .await;
    let anonymous = app.get("/groups").await.json().expect("json");
    assert_eq!(anonymous, json!({"groups": [], "admin": false}));
    app.login("provider=dev").await;
    let groups = app.get("/groups").await.json().expect("json");
    assert_eq!(
        groups,
        json!({"groups": ["admins", "offline_access"], "admin": true})
    );
    assert_eq!(app.get("/admin").await.status(), 200);
}

#[tokio::test]
async fn a_guard_outside_the_layer_still_decides() {
    let app = TestApp::with(Setup {
        routes: Some(|auth| {
            // The guard wraps the layer here: it has no request scope and reads the cookie itself.
            Router::new()
                .route(
                    "/outer",
                    get(|user: User| async move { user.email().unwrap_or_default().to_owned() }),
                )
                .layer(auth.layer())
                .layer(auth.require_login())
        }),
        ..Setup::default()
    })
    .await;
    let anonymous = app
        .bare()
        .get(app.url("/outer"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("answer");
    assert_eq!(anonymous.status(), 401);
    app.login("provider=dev").await;
    let response = app.get("/outer").await;
    assert_eq!(response.text().expect("text"), "ada@example.com");
}

#[tokio::test]
async fn a_session_logged_out_elsewhere_is_anonymous_to_the_guard() {
    let app = app().await;
    app.login("provider=dev").await;
    let copied = app
        .client
        .cookie_header(&url::Url::parse(&app.url("/")).expect("url"))
        .expect("the session cookie");
    app.logout().await;
    let response = app
        .bare()
        .get(app.url("/api/me"))
        .header("cookie", &copied)
        .header("accept", "application/json")
        .send()
        .await
        .expect("api");
    assert_eq!(response.status(), 401);
    assert!(
        app::set_cookies(&response)
            .iter()
            .any(|c| c.starts_with("doorman_user=") && c.contains("Max-Age=0")),
        "the copied cookie is deleted"
    );
}

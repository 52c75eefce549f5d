//! Real providers' shapes, one login each: the development provider takes on a persona
//! (Google, Entra ID, Okta, Auth0, Keycloak, Cognito, Apple, ZITADEL, GitLab), the app is
//! pointed at the persona's metadata URL with no client authentication configured, and a
//! full login through the real router ends logged in, `/user.json` showing the claims as
//! the provider sent them.

mod app;

use app::{Setup, TestApp};
use doorman_devidp::{Persona, RecordedRequest};
use serde_json::{Value, json};

/// A full login against `persona`: the app, what `/user.json` shows once logged in, and the
/// URLs the browser went through.
async fn logged_in(persona: Persona) -> (TestApp, Value, Vec<String>) {
    let app = TestApp::with(Setup {
        persona: Some(persona),
        ..Setup::default()
    })
    .await;
    let (visited, last) = app.login("provider=dev&return_to=/reports").await;
    let page = last.text().expect("text");
    let user = app.user_json().await;
    if user["is_logged_in"] != true {
        panic!(
            "{persona:?}: not logged in ({}); ended on {page:?} after {visited:?}",
            app.failure().await
        );
    }
    assert_eq!(page, "reports", "{persona:?}");
    assert_eq!(user["provider"], "dev");
    (app, user, visited)
}

/// Checks `user` holds each JSON pointer's value, exactly as sent, and lacks each claim.
fn holds(user: &Value, claims: &[(&str, Value)], lacks: &[&str]) {
    for (pointer, value) in claims {
        assert_eq!(user.pointer(pointer), Some(value), "{pointer} in {user}");
    }
    for claim in lacks {
        assert!(user.get(claim).is_none(), "{claim} in {user}");
    }
}

/// The one request made to `path` at the provider.
fn only(app: &TestApp, path: &str) -> RecordedRequest {
    let requests = app.idp().requests_to(path);
    assert_eq!(requests.len(), 1, "{path}: {requests:?}");
    requests[0].clone()
}

fn origin(app: &TestApp) -> String {
    format!("http://{}", app.idp.addr)
}

#[tokio::test]
async fn google_logs_in() {
    let (app, user, _) = logged_in(Persona::Google).await;
    holds(
        &user,
        &[
            ("/iss", json!(origin(&app))),
            ("/sub", json!("110248495921238986420")),
            ("/azp", json!("app")),
            ("/email_verified", json!(true)),
            ("/given_name", json!("Ada")),
        ],
        &["auth_time"],
    );
    assert_eq!(only(&app, "/token").auth_scheme.as_deref(), Some("Basic"));
    only(&app, "/v1/userinfo");
}

#[tokio::test]
async fn entra_common_logs_in_with_the_tenant_of_the_token() {
    let (app, user, _) = logged_in(Persona::EntraCommon).await;
    let tid = "5b7c1a3e-9d2f-4e8a-b6c4-0f1e2d3c4b5a";
    holds(
        &user,
        &[
            ("/iss", json!(format!("{}/{tid}/v2.0", origin(&app)))),
            ("/tid", json!(tid)),
            ("/oid", json!("2d8f5a1c-3b4e-4f6a-9c7d-1e2f3a4b5c6d")),
            ("/ver", json!("2.0")),
            ("/sub", json!("AAAAAAAAAAAAAAAAAAAAAOq7MNdNHXxyO6RvuUCn3Aw")),
        ],
        &["email_verified"],
    );
    let authorize = only(&app, "/common/oauth2/v2.0/authorize");
    assert_eq!(
        authorize.param("code_challenge_method"),
        Some("S256"),
        "PKCE is sent though Entra does not advertise it"
    );
    only(&app, "/oidc/userinfo");
}

#[tokio::test]
async fn entra_consumers_logs_in_with_the_personal_account_tenant() {
    let (app, user, _) = logged_in(Persona::EntraConsumers).await;
    let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    holds(
        &user,
        &[
            ("/iss", json!(format!("{}/{tid}/v2.0", origin(&app)))),
            ("/tid", json!(tid)),
            ("/oid", json!("00000000-0000-0000-7b21-9e4c3a5d6f18")),
        ],
        &["email_verified"],
    );
    only(&app, "/consumers/oauth2/v2.0/token");
}

#[tokio::test]
async fn okta_custom_authorization_server_logs_in() {
    let (app, user, _) = logged_in(Persona::OktaCustom).await;
    holds(
        &user,
        &[
            ("/iss", json!(format!("{}/oauth2/default", origin(&app)))),
            ("/sub", json!("00u9dr3kx1LmQa7Bz5d7")),
            ("/ver", json!(1)),
            ("/amr", json!(["pwd"])),
        ],
        &["azp"],
    );
    only(&app, "/oauth2/default/v1/token");
}

#[tokio::test]
async fn auth0_logs_in_with_its_trailing_slash_and_iso_updated_at() {
    let (app, user, _) = logged_in(Persona::Auth0).await;
    holds(
        &user,
        &[
            ("/iss", json!(format!("{}/", origin(&app)))),
            ("/sub", json!("auth0|65f1c2d3e4a5b6c7d8e9f0a1")),
            ("/updated_at", json!("2026-06-13T13:48:21.609Z")),
            ("/nickname", json!("ada")),
        ],
        &[],
    );
    only(&app, "/oauth/token");
}

#[tokio::test]
async fn keycloak_logs_in_with_rfc_9207_iss_and_an_encryption_key_beside() {
    let (app, user, visited) = logged_in(Persona::Keycloak).await;
    let issuer = format!("{}/realms/doorman", origin(&app));
    holds(
        &user,
        &[
            ("/iss", json!(issuer)),
            ("/typ", json!("ID")),
            ("/azp", json!("app")),
            ("/email_verified", json!(false)),
            ("/realm_access/roles/3", json!("admin")),
        ],
        &[],
    );
    let callback = visited
        .iter()
        .find(|u| u.contains("/oauth2callback"))
        .expect("callback");
    let iss = url::Url::parse(callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "iss")
        .map(|(_, v)| v.into_owned());
    assert_eq!(iss, Some(issuer), "RFC 9207 iss on the callback");
    only(&app, "/realms/doorman/protocol/openid-connect/userinfo");
}

#[tokio::test]
async fn cognito_logs_in_with_its_prefixed_claims_as_strings() {
    let (app, user, _) = logged_in(Persona::Cognito).await;
    holds(
        &user,
        &[
            ("/iss", json!(format!("{}/us-east-1_example", origin(&app)))),
            ("/token_use", json!("id")),
            ("/cognito:username", json!("ada")),
            ("/cognito:groups", json!(["admins", "engineering"])),
            ("/custom:employee_id", json!("1815")),
            ("/custom:is_admin", json!("true")),
        ],
        &[],
    );
    only(&app, "/oauth2/token");
    only(&app, "/oauth2/userInfo");
}

#[tokio::test]
async fn apple_logs_in_with_client_secret_post_and_string_booleans() {
    let (app, user, _) = logged_in(Persona::Apple).await;
    holds(
        &user,
        &[
            ("/iss", json!(origin(&app))),
            ("/email_verified", json!("true")),
            ("/is_private_email", json!("true")),
            ("/nonce_supported", json!(true)),
        ],
        &["name"],
    );
    let token = only(&app, "/auth/token");
    assert_eq!(token.auth_scheme, None, "no Basic header");
    assert!(
        token.param("client_secret").is_some(),
        "the secret is posted"
    );
    assert!(
        app.idp()
            .requests()
            .iter()
            .all(|r| !r.path.contains("userinfo")),
        "Apple has no userinfo"
    );
}

#[tokio::test]
async fn zitadel_logs_in_with_the_project_among_the_audiences() {
    let (app, user, _) = logged_in(Persona::Zitadel).await;
    holds(
        &user,
        &[
            ("/iss", json!(origin(&app))),
            ("/aud", json!(["app", "294851601827201537"])),
            ("/azp", json!("app")),
            ("/updated_at", json!(1_764_521_810)),
        ],
        &[],
    );
    only(&app, "/oauth/v2/token");
}

#[tokio::test]
async fn gitlab_logs_in_with_its_groups() {
    let (app, user, _) = logged_in(Persona::GitLab).await;
    holds(
        &user,
        &[
            ("/iss", json!(origin(&app))),
            ("/sub", json!("4217345")),
            ("/groups", json!(["doorman-rs", "doorman-rs/core"])),
            ("/groups_direct", json!(["doorman-rs/core"])),
        ],
        &[],
    );
    only(&app, "/oauth/token");
}

/// `allowed_tenants` in the secrets file: the persona's tenant logs in when listed, and a
/// login from a tenant not listed is refused at the callback, with no identity cookie.
#[tokio::test]
async fn allowed_tenants_from_the_secrets_file_limit_entra_logins() {
    let tid = "5b7c1a3e-9d2f-4e8a-b6c4-0f1e2d3c4b5a";
    for (allowed, logs_in) in [(tid, true), ("00000000-0000-0000-0000-000000000001", false)] {
        let app = TestApp::with(Setup {
            persona: Some(Persona::EntraCommon),
            extra_secrets: format!("allowed_tenants = [\"{allowed}\"]\n"),
            ..Setup::default()
        })
        .await;
        app.login("provider=dev").await;
        let failure = app.failure().await;
        assert_eq!(app.user_json().await["is_logged_in"], logs_in, "{allowed}");
        if logs_in {
            assert_eq!(failure, "none");
        } else {
            assert_eq!(failure, r#"Rejected { provider: "dev" }"#);
            assert_eq!(app.idp().requests_to("/oidc/userinfo").len(), 0);
        }
    }
}

/// Logout where each provider documents it: Cognito's `/logout` (no `end_session_endpoint`),
/// RP-Initiated Logout where published (Okta), and local only where there is neither (Google).
#[tokio::test]
async fn logout_goes_where_each_provider_documents_it() {
    for (persona, expected) in [
        (
            Persona::Cognito,
            Some(("/logout", vec!["client_id", "logout_uri"])),
        ),
        (
            Persona::OktaCustom,
            Some((
                "/oauth2/default/v1/logout",
                vec![
                    "id_token_hint",
                    "client_id",
                    "post_logout_redirect_uri",
                    "state",
                ],
            )),
        ),
        (Persona::Google, None),
    ] {
        let (app, _, _) = logged_in(persona).await;
        let response = app.logout().await;
        assert_eq!(response.status(), 303, "{persona:?}");
        let location = url::Url::parse(&app.url("/"))
            .expect("url")
            .join(response.headers()["location"].to_str().expect("ascii"))
            .expect("location");
        match &expected {
            Some((path, params)) => {
                assert_eq!(
                    location.origin().ascii_serialization(),
                    origin(&app),
                    "{persona:?}"
                );
                assert_eq!(location.path(), *path, "{persona:?}");
                let names: Vec<String> = location
                    .query_pairs()
                    .map(|(k, _)| k.into_owned())
                    .collect();
                assert_eq!(&names, params, "{persona:?}");
                let back = location
                    .query_pairs()
                    .find(|(k, _)| k == "logout_uri" || k == "post_logout_redirect_uri")
                    .map(|(_, v)| v.into_owned());
                assert_eq!(back, Some(format!("http://{}/auth/logged-out", app.addr)));
            }
            None => assert_eq!(location.path(), "/", "{persona:?}: local logout"),
        }
        assert_eq!(app.user_json().await["is_logged_in"], false, "{persona:?}");
    }
}

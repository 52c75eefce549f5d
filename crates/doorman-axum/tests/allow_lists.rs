//! Allow-lists, through whole logins against the development provider: each key alone and
//! combined, a provider's own list over the shared one, an unverified address refused by
//! domain and by address, ASCII-only case folding, and the groups of real providers' claim
//! shapes (`tests/data/providers/`: Keycloak's nested roles, Cognito's `cognito:groups`,
//! Okta's `groups`, Auth0's namespaced claim, Entra's groups overage). A refused user gets no
//! identity cookie and a `LoginFailure` the app can show, and the log names the rule, never
//! the address. Cases are data: (secrets, the user's claims, the outcome).

mod app;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use app::{Setup, TestApp, failure_after, sets_identity, start_login};
use doorman_axum::LoginFailure;
use serde_json::{Map, Value, json};

/// What a login comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    In,
    NotAllowed,
    Overage,
}

/// The claims a real provider's capture holds, by name, from `tests/data/providers/`.
fn captured(file: &str, names: &[&str]) -> Map<String, Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/providers")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("a provider capture");
    let whole: Value = serde_json::from_str(&text).expect("json");
    let claims = whole.get("payload").unwrap_or(&whole);
    names
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), claims.get(*name)?.clone())))
        .collect()
}

fn claims(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Logs in (Ada, `ada@example.com`, verified, unless `user_claims` say otherwise) with the
/// provider's section ending in `secrets` and the shared section holding `shared`.
async fn log_in(shared: &str, secrets: &str, user_claims: Map<String, Value>) -> Outcome {
    let app = TestApp::with(Setup {
        shared_secrets: shared.to_owned(),
        extra_secrets: secrets.to_owned(),
        user_claims,
        ..Setup::default()
    })
    .await;
    let (tx, authorize) = start_login(&app, "provider=dev").await;
    let at_idp = app.bare().get(&authorize).send().await.expect("idp");
    let callback = app::callback_with(&app, &app::location(&at_idp), &tx).await;
    let failure = failure_after(&app, &callback);
    match failure {
        None => {
            assert!(sets_identity(&callback), "in, with a cookie");
            Outcome::In
        }
        Some(failure) => {
            assert!(
                !sets_identity(&callback),
                "refused, yet a cookie: {failure:?}"
            );
            assert_eq!(app::location(&callback), "/", "back where the login began");
            match failure {
                LoginFailure::NotAllowed { provider } => {
                    assert_eq!(provider, "dev");
                    Outcome::NotAllowed
                }
                LoginFailure::GroupsOverage { provider } => {
                    assert_eq!(provider, "dev");
                    Outcome::Overage
                }
                other => panic!("another failure: {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn each_list_alone_and_combined() {
    let unverified = claims(json!({"email_verified": false}));
    let apple_unverified = claims(json!({"email_verified": "false"}));
    let staff = claims(json!({"groups": ["staff", "sales"]}));
    let cases: Vec<(&str, &str, Map<String, Value>, Outcome)> = vec![
        ("", "", Map::new(), Outcome::In),
        (
            "",
            "allowed_emails = [\"ada@example.com\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "",
            "allowed_emails = [\"ADA@Example.COM\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "",
            "allowed_emails = [\"alan@example.com\"]",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_emails = [\"ada@example.com\"]",
            unverified.clone(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"example.com\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "",
            "allowed_domains = [\"EXAMPLE.com\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "",
            "allowed_domains = [\"other.example\"]",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"com\"]",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"mail.example.com\"]",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"example.com\"]",
            unverified,
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"example.com\"]",
            apple_unverified,
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_domains = [\"example.com\"]",
            claims(json!({"email": "ada@example.com.evil.test"})),
            Outcome::NotAllowed,
        ),
        (
            "",
            // The Kelvin sign lowercases to `k` in Unicode; doorman folds ASCII only.
            "allowed_emails = [\"kim@example.com\"]",
            claims(json!({"email": "\u{212A}im@example.com"})),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_emails = [\"ada@example.com\"]",
            claims(json!({"email": null})),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_emails = [\"boss@partner.example\"]\nallowed_domains = [\"example.com\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "",
            "allowed_groups = [\"staff\"]",
            staff.clone(),
            Outcome::In,
        ),
        (
            "",
            "allowed_groups = [\"Staff\"]",
            staff.clone(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_groups = [\"admins\"]",
            staff.clone(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_groups = [\"staff\"]",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_groups = [\"staff\"]\nallowed_domains = [\"example.com\"]",
            staff.clone(),
            Outcome::In,
        ),
        (
            "",
            "allowed_groups = [\"staff\"]\nallowed_domains = [\"other.example\"]",
            staff.clone(),
            Outcome::NotAllowed,
        ),
        (
            "",
            "allowed_groups = [\"admins\"]\nallowed_domains = [\"example.com\"]",
            staff.clone(),
            Outcome::NotAllowed,
        ),
        // Shared in [auth], and a provider's own list over the shared one.
        (
            "allowed_domains = [\"example.com\"]",
            "",
            Map::new(),
            Outcome::In,
        ),
        (
            "allowed_domains = [\"other.example\"]",
            "",
            Map::new(),
            Outcome::NotAllowed,
        ),
        (
            "allowed_domains = [\"other.example\"]",
            "allowed_domains = [\"example.com\"]",
            Map::new(),
            Outcome::In,
        ),
        (
            "allowed_groups = [\"staff\"]",
            "allowed_groups = [\"admins\"]",
            staff,
            Outcome::NotAllowed,
        ),
    ];
    for (shared, secrets, user, outcome) in cases {
        assert_eq!(
            log_in(shared, secrets, user.clone()).await,
            outcome,
            "shared {shared:?}, provider {secrets:?}, user {user:?}"
        );
    }
}

#[tokio::test]
async fn real_providers_claim_shapes() {
    let keycloak = captured(
        "keycloak.id_token_claims.json",
        &["resource_access", "groups", "email_verified", "email"],
    );
    let entra_overage = captured(
        "entra-groups-overage.id_token_claims.json",
        &["_claim_names", "_claim_sources"],
    );
    let cases: Vec<(&str, Map<String, Value>, Outcome)> = vec![
        // Keycloak: client roles nested under the client id; its groups mapper's list.
        (
            "groups_claim = \"resource_access.live-key2.roles\"\nallowed_groups = [\"GeoserverAdministrator\"]",
            keycloak.clone(),
            Outcome::In,
        ),
        (
            "allowed_groups = [\"offline_access\"]",
            keycloak.clone(),
            Outcome::In,
        ),
        (
            "groups_claim = \"resource_access.live-key2.roles\"\nallowed_groups = [\"realm-admin\"]",
            keycloak.clone(),
            Outcome::NotAllowed,
        ),
        // The capture's address is unverified (`email_verified: false`): no domain lets it in.
        (
            "allowed_domains = [\"geocat.net\"]",
            keycloak,
            Outcome::NotAllowed,
        ),
        // Keycloak's realm roles (the `roles` mapper added to the ID token).
        (
            "groups_claim = \"realm_access.roles\"\nallowed_groups = [\"admin\"]",
            claims(json!({"realm_access": {"roles": ["admin", "default-roles-acme"]}})),
            Outcome::In,
        ),
        // Cognito: `cognito:groups`, a claim name with a colon.
        (
            "groups_claim = \"cognito:groups\"\nallowed_groups = [\"sales\"]",
            claims(json!({"cognito:groups": ["sales"], "cognito:username": "janedoe"})),
            Outcome::In,
        ),
        // Okta: `groups`, the default.
        (
            "allowed_groups = [\"Everyone\"]",
            claims(json!({"groups": ["Everyone", "Admins"]})),
            Outcome::In,
        ),
        // Auth0: a namespaced claim, dots and all, matched whole.
        (
            "groups_claim = \"https://example.com/roles\"\nallowed_groups = [\"editor\"]",
            claims(json!({"https://example.com/roles": ["editor"]})),
            Outcome::In,
        ),
        // A lone string is one group.
        (
            "groups_claim = \"role\"\nallowed_groups = [\"admin\"]",
            claims(json!({"role": "admin"})),
            Outcome::In,
        ),
        // Entra ID over 200 groups: no list, a source to fetch it from.
        (
            "allowed_groups = [\"5e0b2b0e-0000-4000-8000-000000000001\"]",
            entra_overage.clone(),
            Outcome::Overage,
        ),
        // Without `allowed_groups`, the overage is no reason to refuse.
        ("", entra_overage, Outcome::In),
    ];
    for (secrets, user, outcome) in cases {
        assert_eq!(log_in("", secrets, user).await, outcome, "{secrets:?}");
    }
}

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

#[tokio::test]
async fn a_refusal_is_logged_with_the_rule_and_the_sub_never_the_address() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Tests on other threads may have met the log's call sites first, with no subscriber,
    // and cached that no one listens: asked again now, this thread's subscriber is counted.
    tracing::callsite::rebuild_interest_cache();
    let outcome = log_in("", "allowed_domains = [\"other.example\"]", Map::new()).await;
    assert_eq!(outcome, Outcome::NotAllowed);
    let log = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8");
    let line = log
        .lines()
        .find(|line| line.contains("not allowed"))
        .unwrap_or_else(|| panic!("no refusal line in:\n{log}"));
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("allowed_emails/allowed_domains"), "{line}");
    assert!(line.contains("sub=ada"), "{line}");
    assert!(!log.contains("ada@example.com"), "{log}");
}

#[tokio::test]
async fn the_app_shows_the_refusal_and_no_one_is_logged_in() {
    let app = TestApp::with(Setup {
        extra_secrets: "allowed_emails = [\"alan@example.com\"]\n".into(),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    assert_eq!(
        app.failure().await,
        format!(
            "{:?}",
            LoginFailure::NotAllowed {
                provider: "dev".into()
            }
        )
    );
    assert_eq!(
        LoginFailure::NotAllowed {
            provider: "dev".into()
        }
        .to_string(),
        "your account is not allowed to use this app"
    );
    assert_eq!(app.user_json().await["is_logged_in"], false);
    assert!(
        LoginFailure::GroupsOverage {
            provider: "dev".into()
        }
        .to_string()
        .contains("did not list your groups")
    );
}

//! The keys that say who may log in and which API tokens count (`allowed_emails`,
//! `allowed_domains`, `allowed_groups`, `groups_claim`, `api_audience`): the forms each
//! accepts and the value each gives, a provider's own value over the shared one, the
//! defaults, and how `doorman check` shows them.
//!
//! Refusals are data: `tests/refusals/{allowed-emails,allowed-domains,allowed-groups,
//! groups-claim,api-audience}-*.toml`, each beside its whole message (`messages.rs`); so is
//! the shared `api_audience` a plain OAuth 2.0 provider is left without
//! (`tests/fixtures/api-audience-shared-with-github.toml`).

use std::path::Path;

use doorman_secrets::{AuthConfig, DEFAULT_GROUPS_CLAIM, Origin, Provider, Setting, Source};

/// Lines 1 to 3.
const SHARED: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n";
/// Three lines of provider keys.
const OKTA: &str = "client_id = \"id\"\nclient_secret = \"shh\"\nserver_metadata_url = \"https://dev-1.okta.com/.well-known/openid-configuration\"\n";

fn load(text: &str) -> AuthConfig {
    AuthConfig::parse(text, Origin::Text("t".into())).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Where a setting was written, as `key_path@line:column`; `default` for none.
fn written<T>(setting: &Setting<T>) -> String {
    match setting.source() {
        Source::File(at) => format!("{}@{}:{}", at.key_path, at.line, at.column),
        other => other.to_string(),
    }
}

fn provider<'c>(config: &'c AuthConfig, name: &str) -> &'c Provider {
    config.provider(Some(name)).expect("configured")
}

#[test]
fn nothing_set_lets_anyone_in_and_reads_groups_from_groups() {
    let config = load(&format!("{SHARED}{OKTA}"));
    let provider = config.provider(None).expect("default");
    for list in [
        provider.allowed_emails(),
        provider.allowed_domains(),
        provider.allowed_groups(),
    ] {
        assert!(list.value().is_empty());
        assert_eq!(*list.source(), Source::Default);
    }
    assert_eq!(provider.groups_claim().value(), DEFAULT_GROUPS_CLAIM);
    assert_eq!(DEFAULT_GROUPS_CLAIM, "groups");
    assert!(provider.api_audience().is_none());
    assert!(
        !provider
            .settings()
            .iter()
            .any(|line| line.key == "api_audience"),
        "no api_audience line when none is set"
    );
}

#[test]
fn addresses_and_domains_keep_their_case_only_beyond_ascii() {
    let config = load(&format!(
        "{SHARED}{OKTA}allowed_emails = [\"Ada@Example.com\", \"zoë@EXAMPLE.org\"]\nallowed_domains = [\"Example.COM\"]\nallowed_groups = [\"Admins\", \"b7c1e0d2-0000-4000-8000-000000000001\"]\ngroups_claim = \"realm_access.roles\"\napi_audience = \"api://Dashboard\"\n"
    ));
    let provider = config.provider(None).expect("default");
    assert_eq!(
        provider.allowed_emails().value(),
        &["ada@example.com", "zoë@example.org"]
    );
    assert_eq!(provider.allowed_domains().value(), &["example.com"]);
    assert_eq!(
        provider.allowed_groups().value(),
        &["Admins", "b7c1e0d2-0000-4000-8000-000000000001"],
        "group names are the provider's, case and all"
    );
    assert_eq!(provider.groups_claim().value(), "realm_access.roles");
    let audience = provider.api_audience().expect("set");
    assert_eq!(audience.value(), "api://Dashboard", "an audience is exact");
    assert_eq!(written(audience), "auth.api_audience@11:16");
    assert_eq!(
        written(provider.allowed_emails()),
        "auth.allowed_emails@7:18"
    );
}

#[test]
fn a_providers_own_list_replaces_the_shared_one() {
    let config = load(&format!(
        "{SHARED}allowed_domains = [\"example.com\"]\ngroups_claim = \"roles\"\napi_audience = \"api://shared\"\n[auth.okta]\n{OKTA}allowed_domains = [\"partner.example\"]\n[auth.keycloak]\n{OKTA}groups_claim = \"realm_access.roles\"\nallowed_groups = [\"staff\"]\napi_audience = \"account\"\n"
    ));
    let okta = provider(&config, "okta");
    assert_eq!(okta.allowed_domains().value(), &["partner.example"]);
    assert_eq!(
        written(okta.allowed_domains()),
        "auth.okta.allowed_domains@11:19"
    );
    assert_eq!(okta.groups_claim().value(), "roles");
    assert_eq!(written(okta.groups_claim()), "auth.groups_claim@5:16");
    assert_eq!(
        okta.api_audience().map(Setting::value).map(String::as_str),
        Some("api://shared")
    );
    let keycloak = provider(&config, "keycloak");
    assert_eq!(keycloak.allowed_domains().value(), &["example.com"]);
    assert_eq!(keycloak.groups_claim().value(), "realm_access.roles");
    assert_eq!(keycloak.allowed_groups().value(), &["staff"]);
    assert_eq!(
        keycloak
            .api_audience()
            .map(Setting::value)
            .map(String::as_str),
        Some("account")
    );
}

#[test]
fn doorman_check_shows_each_rule_and_where_it_came_from() {
    let config = load(&format!(
        "{SHARED}[auth.okta]\n{OKTA}allowed_emails = [\"ada@example.com\"]\nallowed_groups = [\"admins\"]\napi_audience = \"api://default\"\n"
    ));
    let shown: Vec<String> = provider(&config, "okta")
        .settings()
        .into_iter()
        .filter(|line| {
            matches!(
                line.key,
                "allowed_emails"
                    | "allowed_domains"
                    | "allowed_groups"
                    | "groups_claim"
                    | "api_audience"
            )
        })
        .map(|line| format!("{} = {} ({})", line.key, line.value, line.source))
        .collect();
    assert_eq!(
        shown,
        [
            "allowed_emails = [\"ada@example.com\"] (t:8:18)",
            "allowed_domains = [] (anyone) (default)",
            "allowed_groups = [\"admins\"] (t:9:18)",
            "groups_claim = groups (default)",
            "api_audience = api://default (t:10:16)",
        ]
    );
}

#[test]
fn a_shared_api_audience_is_every_openid_providers_but_not_githubs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/api-audience-shared-with-github.toml");
    let config = AuthConfig::load(&[path.as_path()]).expect("loads");
    assert!(provider(&config, "okta").api_audience().is_some());
    assert!(provider(&config, "github").api_audience().is_none());
}

#[test]
fn the_fixture_with_every_key_gives_the_access_rules() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/own-keys-everywhere.toml");
    let config = AuthConfig::load(&[path.as_path()]).expect("loads");
    let default = config.provider(None).expect("default");
    assert_eq!(default.allowed_domains().value(), &["example.com"]);
    assert_eq!(default.allowed_emails().value(), &["partner@other.example"]);
    let entra = provider(&config, "entra");
    assert_eq!(entra.allowed_domains().value(), &["example.com"], "shared");
    assert_eq!(
        entra.allowed_groups().value(),
        &["5e0b2b0e-8c1a-4f5e-9d2b-3c4a5b6c7d8e"]
    );
    assert!(entra.api_audience().is_some());
    let cognito = provider(&config, "cognito");
    assert_eq!(cognito.groups_claim().value(), "cognito:groups");
    assert_eq!(cognito.allowed_groups().value(), &["sales"]);
}

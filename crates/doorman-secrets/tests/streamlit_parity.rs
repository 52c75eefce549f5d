//! Every secrets example of Streamlit's documentation loads, and every failure Streamlit
//! reports is reported with Streamlit's words, plus the file, line, column and key.

use std::path::{Path, PathBuf};

use doorman_secrets::{AuthConfig, Error, ExposeTokens, Origin};

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir)
        .join(name)
}

fn load(name: &str) -> AuthConfig {
    AuthConfig::load(&[fixture("fixtures", name)]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn failure(name: &str) -> Error {
    match AuthConfig::load(&[fixture("failures", name)]) {
        Ok(config) => panic!("{name} loaded: {config:?}"),
        Err(e) => e,
    }
}

fn names(config: &AuthConfig) -> Vec<&str> {
    config.providers().iter().map(|p| p.name()).collect()
}

#[test]
fn google_as_the_default_provider() {
    let config = load("google-default.toml");
    assert_eq!(names(&config), ["default"]);
    let google = config.provider(None).unwrap();
    assert!(google.is_default());
    assert_eq!(google.client_id(), "xxx");
    assert_eq!(google.client_secret().map(|s| s.expose()), Some("xxx"));
    assert_eq!(
        google.server_metadata_url().map(|u| u.as_str()),
        Some("https://accounts.google.com/.well-known/openid-configuration")
    );
    assert_eq!(google.client_kwargs().scope(), "openid profile email");
    assert_eq!(google.client_kwargs().prompt(), Some("select_account"));
    assert_eq!(
        config.redirect_uri().as_template(),
        "http://localhost:8501/oauth2callback"
    );
    assert_eq!(config.cookie_secret().expose(), "xxx");
    assert_eq!(config.expose_tokens(), ExposeTokens::default());
}

#[test]
fn microsoft_as_a_named_provider() {
    let config = load("microsoft-named.toml");
    assert_eq!(names(&config), ["microsoft"]);
    assert!(config.provider(Some("microsoft")).is_ok());
}

#[test]
fn okta_and_microsoft_in_file_order() {
    assert_eq!(
        names(&load("okta-and-microsoft.toml")),
        ["microsoft", "okta"]
    );
}

#[test]
fn auth0_with_prompt_login() {
    let config = load("auth0-prompt-login.toml");
    let auth0 = config.provider(Some("auth0")).unwrap();
    assert_eq!(auth0.client_kwargs().prompt(), Some("login"));
    assert_eq!(auth0.client_kwargs().scope(), "openid profile email");
    assert!(auth0.client_kwargs().extra_params().is_empty());
}

#[test]
fn expose_tokens_as_a_string() {
    let config = load("expose-id-string.toml");
    assert_eq!(
        config.expose_tokens(),
        ExposeTokens {
            id: true,
            access: false
        }
    );
}

#[test]
fn expose_tokens_as_a_list_with_two_providers() {
    let config = load("expose-list-two-providers.toml");
    assert_eq!(names(&config), ["google", "microsoft"]);
    assert_eq!(
        config.expose_tokens(),
        ExposeTokens {
            id: true,
            access: true
        }
    );
}

#[test]
fn the_short_example_secrets_draw_a_weak_secret_warning() {
    let config = load("google-default.toml");
    let warnings: Vec<String> = config.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("`auth.cookie_secret` is 3 bytes long"));
    assert!(
        warnings[0].ends_with("google-default.toml:3:17)"),
        "{}",
        warnings[0]
    );
}

#[test]
fn placeholders_from_the_docs_load_with_a_warning() {
    let config = load("okta-and-microsoft.toml");
    let placeholders = config
        .warnings()
        .iter()
        .filter(|w| w.to_string().contains("placeholder"))
        .count();
    assert_eq!(placeholders, 2);
}

#[test]
fn no_auth_section() {
    let e = failure("no-auth.toml");
    let message = e.to_string();
    assert!(
        message.starts_with(
            "To use authentication features you need to configure credentials for at least one authentication provider in `.streamlit/secrets.toml`. (searched: "
        ),
        "{message}"
    );
    assert!(message.contains("no-auth.toml"));
}

#[test]
fn missing_redirect_uri() {
    let e = failure("missing-redirect-uri.toml");
    assert!(matches!(
        e,
        Error::MissingKey {
            key: "redirect_uri",
            ..
        }
    ));
    let message = e.to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` are missing the \"redirect_uri\" key. Please check your configuration. ("
    ), "{message}");
    assert!(
        message.ends_with("missing-redirect-uri.toml:1:1, key `auth.redirect_uri`)"),
        "{message}"
    );
}

#[test]
fn missing_cookie_secret() {
    let message = failure("missing-cookie-secret.toml").to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` are missing the \"cookie_secret\" key. Please check your configuration. ("
    ), "{message}");
    assert!(
        message.ends_with(", key `auth.cookie_secret`)"),
        "{message}"
    );
}

#[test]
fn default_provider_missing_keys() {
    let message = failure("default-missing-keys.toml").to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` for the default authentication provider are missing the following keys: ['client_secret', 'server_metadata_url']. Please check your configuration. ("
    ), "{message}");
}

#[test]
fn no_provider_at_all_is_the_default_provider_missing_every_key() {
    let message = failure("no-provider.toml").to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` for the default authentication provider are missing the following keys: ['client_id', 'client_secret', 'server_metadata_url']. Please check your configuration."
    ), "{message}");
}

#[test]
fn named_provider_missing_keys() {
    let e = failure("named-missing-keys.toml");
    let message = e.to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` for the authentication provider \"google\" are missing the following keys: ['client_secret', 'server_metadata_url']. Please check your configuration. ("
    ), "{message}");
    let Error::ProviderMissingKeys { at, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!((at.line, at.key_path.as_str()), (5, "auth.google"));
}

#[test]
fn provider_not_a_table() {
    let message = failure("provider-not-table.toml").to_string();
    assert!(message.starts_with(
        "Authentication credentials in `.streamlit/secrets.toml` for the authentication provider \"google\" must be valid TOML. Please check your configuration. ("
    ), "{message}");
    assert!(message.contains("provider-not-table.toml:5:"), "{message}");
}

#[test]
fn unknown_provider_at_login() {
    let config = load("microsoft-named.toml");
    assert_eq!(
        config.provider(Some("google")).unwrap_err().to_string(),
        "Authentication credentials in `.streamlit/secrets.toml` are missing for the authentication provider \"google\". Please check your configuration."
    );
    assert_eq!(
        config.provider(None).unwrap_err().to_string(),
        "Authentication credentials in `.streamlit/secrets.toml` are missing for the default authentication provider. Please check your configuration."
    );
}

#[test]
fn text_origin_names_the_label() {
    let e = AuthConfig::parse(
        "[auth]\ncookie_secret = \"x\"\n",
        Origin::Text("inline".into()),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("(inline:1:1, key `auth.redirect_uri`)"),
        "{e}"
    );
}

#[test]
fn doorman_keys_do_not_change_which_sections_are_providers() {
    // Streamlit makes a default provider only from the top-level `client_*` keys and
    // `server_metadata_url`: doorman's shared keys beside them make none. `[auth.github]`
    // holds `client_id`, a provider key for Streamlit too.
    let config = AuthConfig::parse(
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"xxx\"\ntrusted_audiences = [\"api\"]\nallowed_tenants = []\ntoken_endpoint_auth_method = \"client_secret_post\"\n[auth.google]\nclient_id = \"xxx\"\nclient_secret = \"xxx\"\nserver_metadata_url = \"https://accounts.google.com/.well-known/openid-configuration\"\n[auth.github]\nclient_id = \"xxx\"\nclient_secret = \"xxx\"\nprovider_preset = \"github\"\n",
        Origin::Text("t".into()),
    )
    .unwrap();
    assert_eq!(names(&config), ["google", "github"]);
    assert!(config.provider(None).is_err());
    assert_eq!(
        config.provider(Some("google")).unwrap().trusted_audiences(),
        ["api"]
    );
}

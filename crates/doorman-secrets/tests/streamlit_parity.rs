//! Every secrets example of Streamlit's documentation loads, with the values Streamlit gives
//! it. Its warnings, and every failure Streamlit reports (with Streamlit's words, plus the
//! file, line, column and key), are data: `tests/fixtures/*.toml` and `tests/failures/*.toml`
//! each beside its whole expected text, checked by `messages.rs`.

use std::path::{Path, PathBuf};

use doorman_secrets::{AuthConfig, ExposeTokens, Origin};

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir)
        .join(name)
}

fn load(name: &str) -> AuthConfig {
    AuthConfig::load(&[fixture("fixtures", name)]).unwrap_or_else(|e| panic!("{name}: {e}"))
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
    assert_eq!(
        e.to_string(),
        "Authentication credentials in `.streamlit/secrets.toml` are missing the \"redirect_uri\" key. Please check your configuration. (inline:1:1, key `auth.redirect_uri`)"
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

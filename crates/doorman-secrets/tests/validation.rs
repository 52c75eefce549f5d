//! What doorman refuses or warns about beyond Streamlit: each rule with a test that shows it.

use doorman_secrets::{AuthConfig, Error, Origin, TokenEndpointAuthMethod, WarningKind};

const SHARED: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n";
const GOOGLE: &str = "client_id = \"id\"\nclient_secret = \"shh\"\nserver_metadata_url = \"https://accounts.google.com/.well-known/openid-configuration\"\n";

fn parse(text: &str) -> Result<AuthConfig, Error> {
    AuthConfig::parse(text, Origin::Text("t".into()))
}

fn with_default(extra_top: &str) -> String {
    format!("{SHARED}{GOOGLE}{extra_top}")
}

fn refused(text: &str) -> Error {
    parse(text).expect_err("should be refused")
}

fn key_of(e: &Error) -> String {
    match e {
        Error::WrongType { at, .. }
        | Error::Empty { at }
        | Error::InvalidUrl { at, .. }
        | Error::InvalidExposeTokens { at }
        | Error::ReservedParameter { at }
        | Error::ScopeWithoutOpenid { at }
        | Error::UnsupportedValue { at, .. }
        | Error::InvalidProviderName { at, .. }
        | Error::MissingKey { at, .. } => at.key_path.clone(),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn relative_redirect_uri_is_refused() {
    let e = refused(&format!(
        "[auth]\nredirect_uri = \"/oauth2callback\"\ncookie_secret = \"x\"\n{GOOGLE}"
    ));
    assert!(matches!(e, Error::InvalidUrl { .. }), "{e:?}");
    assert_eq!(key_of(&e), "auth.redirect_uri");
    assert!(e.to_string().contains("(t:2:16)"), "{e}");
}

#[test]
fn non_http_urls_are_refused() {
    for url in [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ] {
        let e = refused(&format!(
            "[auth]\nredirect_uri = \"{url}\"\ncookie_secret = \"x\"\n{GOOGLE}"
        ));
        assert!(matches!(e, Error::InvalidUrl { .. }), "{url}: {e:?}");
    }
    let e = refused(&format!(
        "{SHARED}client_id = \"a\"\nclient_secret = \"b\"\nserver_metadata_url = \"accounts.google.com\"\n"
    ));
    assert_eq!(key_of(&e), "auth.server_metadata_url");
}

#[test]
fn urls_with_credentials_or_fragments_are_refused() {
    for url in [
        "https://user:pw@example.com/cb",
        "https://example.com/cb#frag",
    ] {
        let e = refused(&format!(
            "[auth]\nredirect_uri = \"{url}\"\ncookie_secret = \"x\"\n{GOOGLE}"
        ));
        assert!(matches!(e, Error::InvalidUrl { .. }), "{url}: {e:?}");
    }
}

#[test]
fn port_placeholder_is_resolved() {
    let config = parse(&format!(
        "[auth]\nredirect_uri = \"http://localhost:{{port}}/oauth2callback\"\ncookie_secret = \"x\"\n{GOOGLE}"
    ))
    .unwrap();
    assert!(config.redirect_uri().has_port_placeholder());
    assert_eq!(
        config.redirect_uri().resolve(8502).unwrap().as_str(),
        "http://localhost:8502/oauth2callback"
    );
}

#[test]
fn expose_tokens_other_values_are_refused() {
    let e = refused(&with_default("expose_tokens = [\"id\", \"refresh\"]\n"));
    assert!(matches!(e, Error::InvalidExposeTokens { .. }));
    assert!(
        e.to_string().starts_with(
            "Invalid expose_tokens configuration. Only 'id' and 'access' are allowed. (t:7:"
        ),
        "{e}"
    );
}

#[test]
fn expose_tokens_of_the_wrong_type_are_refused() {
    for value in ["1", "true", "{ id = true }", "[1]"] {
        let e = refused(&with_default(&format!("expose_tokens = {value}\n")));
        assert!(matches!(e, Error::WrongType { .. }), "{value}: {e:?}");
        assert_eq!(key_of(&e), "auth.expose_tokens");
    }
}

#[test]
fn empty_secrets_are_refused() {
    let e = refused(&format!(
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"\"\n{GOOGLE}"
    ));
    assert!(matches!(e, Error::Empty { .. }));
    assert_eq!(key_of(&e), "auth.cookie_secret");
    let e = refused(&format!(
        "{SHARED}[auth.google]\nclient_id = \"a\"\nclient_secret = \"\"\nserver_metadata_url = \"https://a.example/\"\n"
    ));
    assert_eq!(key_of(&e), "auth.google.client_secret");
}

#[test]
fn values_of_the_wrong_type_are_refused() {
    let e = refused(&format!(
        "[auth]\nredirect_uri = 8501\ncookie_secret = \"x\"\n{GOOGLE}"
    ));
    assert!(matches!(
        e,
        Error::WrongType {
            expected: "a string",
            ..
        }
    ));
    let e = refused(&format!(
        "{SHARED}[auth.google]\nclient_id = [\"a\"]\nclient_secret = \"b\"\nserver_metadata_url = \"https://a.example/\"\n"
    ));
    assert_eq!(key_of(&e), "auth.google.client_id");
    let e = refused("auth = 3\n");
    assert_eq!(key_of(&e), "auth");
}

#[test]
fn client_kwargs_must_be_a_table_of_scalars() {
    let e = refused(&with_default("client_kwargs = \"prompt=login\"\n"));
    assert_eq!(key_of(&e), "auth.client_kwargs");
    let e = refused(&with_default("client_kwargs = { acr_values = [\"a\"] }\n"));
    assert_eq!(key_of(&e), "auth.client_kwargs.acr_values");
}

#[test]
fn client_kwargs_extra_parameters_are_kept_in_order() {
    let config = parse(&format!(
        "{SHARED}[auth.auth0]\n{GOOGLE}client_kwargs = {{ audience = \"https://api\", max_age = 3600, prompt = \"login\", hd = \"example.com\" }}\n"
    ))
    .unwrap();
    let kwargs = config.provider(Some("auth0")).unwrap().client_kwargs();
    assert_eq!(kwargs.prompt(), Some("login"));
    let extra: Vec<(&str, &str)> = kwargs
        .extra_params()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        extra,
        [
            ("audience", "https://api"),
            ("max_age", "3600"),
            ("hd", "example.com")
        ]
    );
}

#[test]
fn empty_prompt_sends_none() {
    let config = parse(&with_default("client_kwargs = { prompt = \"\" }\n")).unwrap();
    assert_eq!(
        config.provider(None).unwrap().client_kwargs().prompt(),
        None
    );
}

#[test]
fn scope_without_openid_is_refused() {
    let e = refused(&with_default(
        "client_kwargs = { scope = \"profile email\" }\n",
    ));
    assert!(matches!(e, Error::ScopeWithoutOpenid { .. }));
    assert_eq!(key_of(&e), "auth.client_kwargs.scope");
    let config = parse(&with_default(
        "client_kwargs = { scope = \"openid groups\" }\n",
    ))
    .unwrap();
    assert_eq!(
        config.provider(None).unwrap().client_kwargs().scope(),
        "openid groups"
    );
}

#[test]
fn reserved_parameters_are_refused() {
    for key in [
        "state",
        "nonce",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "client_id",
    ] {
        let e = refused(&with_default(&format!(
            "client_kwargs = {{ {key} = \"x\" }}\n"
        )));
        assert!(matches!(e, Error::ReservedParameter { .. }), "{key}: {e:?}");
        assert_eq!(key_of(&e), format!("auth.client_kwargs.{key}"));
    }
}

#[test]
fn token_endpoint_auth_method_is_honoured_and_checked() {
    let config = parse(&with_default(
        "client_kwargs = { token_endpoint_auth_method = \"client_secret_post\" }\n",
    ))
    .unwrap();
    let kwargs = config.provider(None).unwrap().client_kwargs();
    assert_eq!(
        kwargs.token_endpoint_auth_method(),
        TokenEndpointAuthMethod::ClientSecretPost
    );
    assert!(kwargs.extra_params().is_empty());
    let e = refused(&with_default(
        "client_kwargs = { token_endpoint_auth_method = \"private_key_jwt\" }\n",
    ));
    assert!(matches!(e, Error::UnsupportedValue { .. }));
}

#[test]
fn provider_names_with_underscores_are_accepted_with_a_warning() {
    let config = parse(&format!("{SHARED}[auth.my_idp]\n{GOOGLE}")).unwrap();
    assert!(config.provider(Some("my_idp")).is_ok());
    assert!(
        config
            .warnings()
            .iter()
            .any(|w| w.kind == WarningKind::UnderscoreInProviderName)
    );
}

#[test]
fn provider_names_outside_the_url_safe_set_are_refused() {
    let e = refused(&format!("{SHARED}[auth.\"my idp\"]\n{GOOGLE}"));
    assert!(matches!(e, Error::InvalidProviderName { .. }), "{e:?}");
}

#[test]
fn auth_default_section_is_the_default_provider() {
    let config = parse(&format!(
        "{SHARED}client_id = \"top\"\n[auth.okta]\n{GOOGLE}[auth.default]\n{GOOGLE}"
    ))
    .unwrap();
    let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    assert_eq!(names, ["default", "okta"]);
    assert_eq!(config.provider(None).unwrap().client_id(), "id");
    assert!(
        config
            .warnings()
            .iter()
            .any(|w| w.kind == WarningKind::ShadowedByDefaultSection
                && w.at.key_path == "auth.client_id")
    );
}

#[test]
fn unknown_and_authlib_keys_warn() {
    let config = parse(&format!(
        "{SHARED}redirect_url = \"typo\"\n[auth.google]\n{GOOGLE}authorize_params = {{ a = \"b\" }}\nexpose_tokens = \"id\"\nclient_kwargs = {{ timeout = 10, code_challenge_method = \"S256\" }}\n"
    ))
    .unwrap();
    let kinds: Vec<(&str, WarningKind)> = config
        .warnings()
        .iter()
        .map(|w| (w.at.key_path.as_str(), w.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("auth.redirect_url", WarningKind::UnknownKey),
            (
                "auth.google.authorize_params",
                WarningKind::UnsupportedAuthlibKey
            ),
            (
                "auth.google.expose_tokens",
                WarningKind::ExposeTokensInProvider
            ),
            (
                "auth.google.client_kwargs.timeout",
                WarningKind::IgnoredClientSetting
            ),
            (
                "auth.google.client_kwargs.code_challenge_method",
                WarningKind::PkceAlwaysS256
            ),
        ]
    );
}

#[test]
fn a_strong_secret_draws_no_warning() {
    assert!(parse(&with_default("")).unwrap().warnings().is_empty());
}

#[test]
fn syntax_errors_name_line_and_column() {
    let e = refused("[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \n");
    let Error::Syntax { at, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(at.line, 3);
    assert!(e.to_string().starts_with("invalid TOML (t:3:"), "{e}");
}

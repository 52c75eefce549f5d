//! Secret values never reach `Debug` output or error messages.

use doorman_secrets::{AuthConfig, Origin, Secret};

const CLIENT_SECRET: &str = "client-secret-value-4f1c";
const COOKIE_SECRET: &str = "cookie-secret-value-9a7e";

#[test]
fn secret_debug_and_display_are_redacted() {
    let secret = Secret::new(CLIENT_SECRET);
    assert_eq!(format!("{secret:?}"), "REDACTED");
    assert_eq!(format!("{secret}"), "REDACTED");
    assert_eq!(secret.expose(), CLIENT_SECRET);
}

#[test]
fn config_debug_shows_no_secret() {
    let config = AuthConfig::parse(
        &format!(
            "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nclient_id = \"id\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"https://a.example/\"\n"
        ),
        Origin::Text("t".into()),
    )
    .unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(CLIENT_SECRET), "{debug}");
    assert!(!debug.contains(COOKIE_SECRET), "{debug}");
    assert!(debug.contains("REDACTED"));
    for warning in config.warnings() {
        assert!(!warning.to_string().contains(COOKIE_SECRET));
    }
}

#[test]
fn errors_show_no_secret() {
    let texts = [
        format!(
            "[auth]\ncookie_secret = \"{COOKIE_SECRET}\"\nclient_secret = \"{CLIENT_SECRET}\"\n"
        ),
        format!(
            "[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \"{COOKIE_SECRET}\"\nclient_secret = \"{CLIENT_SECRET}\"\n"
        ),
        format!(
            "[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \"{COOKIE_SECRET}\" oops\n"
        ),
        format!("[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \"{COOKIE_SECRET}\\q\"\n"),
        format!("[auth]\nredirect_uri = \"{CLIENT_SECRET}\"\ncookie_secret = \"x\"\n"),
    ];
    for text in texts {
        let e = AuthConfig::parse(&text, Origin::Text("t".into())).unwrap_err();
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains(COOKIE_SECRET), "{shown}");
            assert!(!shown.contains(CLIENT_SECRET), "{shown}");
        }
    }
}

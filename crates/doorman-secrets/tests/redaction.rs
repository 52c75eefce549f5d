//! Secret values (client and cookie secrets, private keys, the password of `redis_url`)
//! never reach `Debug` output, error messages or the settings report.

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

const KEY_MATERIAL: &str = "private-key-material-7d3b";

fn private_key_pem() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{KEY_MATERIAL}\n-----END PRIVATE KEY-----\n")
}

fn key_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secrets-redaction");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write key file");
    path
}

fn shows_no_key(shown: &str) {
    assert!(!shown.contains(KEY_MATERIAL), "{shown}");
}

fn signing_provider(key_lines: &str) -> String {
    format!(
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n[auth.logingov]\nclient_id = \"id\"\nserver_metadata_url = \"https://a.example/\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\n{key_lines}"
    )
}

#[test]
fn config_debug_shows_no_private_key() {
    let file = key_file("client.pem", &private_key_pem());
    for key_lines in [
        format!("private_key = {:?}\n", private_key_pem()),
        format!("private_key_file = {:?}\n", file.display().to_string()),
    ] {
        let config = AuthConfig::parse(&signing_provider(&key_lines), Origin::Text("t".into()))
            .unwrap_or_else(|e| panic!("{e}"));
        let provider = config.provider(Some("logingov")).unwrap();
        assert!(
            provider
                .private_key()
                .unwrap()
                .expose()
                .contains(KEY_MATERIAL)
        );
        shows_no_key(&format!("{config:?}"));
        shows_no_key(&format!("{provider:?}"));
        shows_no_key(&format!("{:?}", provider.private_key()));
    }
    // Unused, it draws a warning that does not show it either.
    let config = AuthConfig::parse(
        &format!(
            "[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \"{COOKIE_SECRET}\"\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://a.example/\"\nprivate_key = {:?}\n",
            private_key_pem()
        ),
        Origin::Text("t".into()),
    )
    .unwrap();
    assert!(!config.warnings().is_empty());
    for warning in config.warnings() {
        shows_no_key(&warning.to_string());
        shows_no_key(&format!("{warning:?}"));
    }
}

#[test]
fn errors_show_no_private_key() {
    let pem = private_key_pem();
    let not_a_key =
        format!("-----BEGIN PUBLIC KEY-----\n{KEY_MATERIAL}\n-----END PUBLIC KEY-----\n");
    let encrypted = format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{KEY_MATERIAL}\n-----END ENCRYPTED PRIVATE KEY-----\n"
    );
    let bad_file = key_file("public.pem", &not_a_key);
    let texts = [
        // The key is valid, something else is not.
        signing_provider(&format!("private_key = {pem:?}\nprivate_key_id = 3\n")),
        signing_provider(&format!(
            "private_key = {pem:?}\nclient_kwargs = {{ token_endpoint_auth_method = \"client_secret_post\" }}\n"
        )),
        signing_provider(&format!(
            "private_key = {pem:?}\nprivate_key_file = \"k.pem\"\n"
        )),
        format!("[auth]\ncookie_secret = \"x\"\nprivate_key = {pem:?}\n"),
        // The key itself is refused.
        signing_provider(&format!("private_key = {not_a_key:?}\n")),
        signing_provider(&format!("private_key = {encrypted:?}\n")),
        signing_provider(&format!("private_key = {KEY_MATERIAL:?}\n")),
        signing_provider(&format!("private_key = [{pem:?}]\n")),
        // The key in the wrong key (PEM text is never taken for a path), or a file that holds
        // no private key.
        signing_provider(&format!("private_key_file = {pem:?}\n")),
        signing_provider(&format!(
            "private_key_file = {:?}\n",
            bad_file.display().to_string()
        )),
        // The TOML around the key is broken.
        signing_provider(&format!("private_key = {pem:?} oops\n")),
        signing_provider(&format!("private_key = \"{KEY_MATERIAL}\\q\"\n")),
        signing_provider(&format!("private_key = \"\"\"\n{pem}")),
    ];
    for text in texts {
        let e = AuthConfig::parse(&text, Origin::Text("t".into())).unwrap_err();
        shows_no_key(&e.to_string());
        shows_no_key(&format!("{e:?}"));
    }
}

const REDIS_PASSWORD: &str = "hunter2-redis-password";

fn with_redis_url(url: &str) -> String {
    format!(
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nclient_id = \"id\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"https://a.example/\"\nredis_url = {url}\nsession_store = \"redis\"\n"
    )
}

fn shows_no_redis_password(shown: &str) {
    assert!(!shown.contains(REDIS_PASSWORD), "{shown}");
}

#[test]
fn config_debug_and_settings_report_show_no_redis_password() {
    let url = format!("rediss://default:{REDIS_PASSWORD}@redis.internal:6380/2");
    let config = AuthConfig::parse(
        &with_redis_url(&format!("{url:?}")),
        Origin::Text("t".into()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let redis_url = config.redis_url().expect("redis_url is set");
    assert_eq!(redis_url.value().expose(), url);
    shows_no_redis_password(&format!("{config:?}"));
    shows_no_redis_password(&format!("{redis_url:?}"));
    let report = config
        .settings()
        .into_iter()
        .map(|line| format!("{} = {} ({})", line.key, line.value, line.source))
        .collect::<Vec<_>>()
        .join("\n");
    shows_no_redis_password(&report);
    assert!(
        report.contains("redis_url = rediss:// (REDACTED) (t:7:13)"),
        "{report}"
    );
    // Only the scheme: not the user, the host or the database either.
    assert!(!report.contains("redis.internal"), "{report}");
    assert!(!report.contains("default:"), "{report}");
}

#[test]
fn errors_show_no_redis_password() {
    let texts = [
        // The URL is refused.
        format!("\"https://default:{REDIS_PASSWORD}@redis.internal:6379/0\""),
        format!("\"redis://default:{REDIS_PASSWORD}@/0\""),
        format!("\"redis://default:{REDIS_PASSWORD}@redis.internal:99999/0\""),
        format!("\"redis://default:{REDIS_PASSWORD}@redis.internal:6379/sessions\""),
        format!("\"redis://default:{REDIS_PASSWORD}@redis.internal:6379/0?protocol=resp3\""),
        format!("\"redis://default:{REDIS_PASSWORD}@redis.internal:6379/0#x\""),
        format!("\"redis://default:{REDIS_PASSWORD}@red is.internal/0\""),
        format!("\"{REDIS_PASSWORD}\""),
        format!("[\"redis://default:{REDIS_PASSWORD}@redis.internal:6379/0\"]"),
        // The TOML around it is broken.
        format!("\"redis://default:{REDIS_PASSWORD}@redis.internal:6379/0\" oops"),
        format!("\"redis://default:{REDIS_PASSWORD}\\q@redis.internal:6379/0\""),
    ];
    for text in texts {
        let e =
            AuthConfig::parse(&with_redis_url(&text), Origin::Text("t".into())).expect_err(&text);
        shows_no_redis_password(&e.to_string());
        shows_no_redis_password(&format!("{e:?}"));
    }
    // A valid URL in the wrong place.
    let e = AuthConfig::parse(
        &format!(
            "[auth]\nredirect_uri = \"http://x/cb\"\ncookie_secret = \"{COOKIE_SECRET}\"\n[auth.okta]\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://a.example/\"\nredis_url = \"redis://:{REDIS_PASSWORD}@redis.internal/0\"\n"
        ),
        Origin::Text("t".into()),
    )
    .unwrap_err();
    shows_no_redis_password(&e.to_string());
    shows_no_redis_password(&format!("{e:?}"));
}

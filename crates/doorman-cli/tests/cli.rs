//! `doorman check` and `doorman secret`, run as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn doorman(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doorman"))
        .args(args)
        .env_remove("DOORMAN_SECRETS_FILES")
        .output()
        .expect("run doorman")
}

fn secrets_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../doorman-secrets/tests")
        .join(kind)
}

fn check(kind: &str, name: &str) -> (i32, String, String) {
    let path = secrets_dir(kind).join(name);
    let out = doorman(&["check", path.to_str().expect("a UTF-8 path")]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8(out.stderr).expect("UTF-8 output"),
    )
}

#[test]
fn check_accepts_every_documented_example_and_lists_its_providers() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "google-default.toml",
            &["default (st.login() with no argument)"],
        ),
        ("microsoft-named.toml", &["microsoft"]),
        ("okta-and-microsoft.toml", &["microsoft", "okta"]),
        ("auth0-prompt-login.toml", &["auth0"]),
        (
            "expose-id-string.toml",
            &["default (st.login() with no argument)"],
        ),
        ("expose-list-two-providers.toml", &["google", "microsoft"]),
    ];
    for (file, providers) in cases {
        let (code, stdout, stderr) = check("fixtures", file);
        assert_eq!(code, 0, "{file}: {stderr}");
        let listed: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("  - "))
            .collect();
        assert_eq!(listed, providers, "{file}:\n{stdout}");
        assert!(stdout.contains("redirect_uri: http://localhost:8501/oauth2callback"));
        assert!(
            stdout.contains("`auth.cookie_secret` is 3 bytes long"),
            "{stdout}"
        );
    }
}

#[test]
fn check_prints_scopes_prompt_extra_parameters_and_exposed_tokens() {
    let (_, stdout, _) = check("fixtures", "auth0-prompt-login.toml");
    assert!(stdout.contains("      prompt: login\n"), "{stdout}");
    assert!(
        stdout.contains("      scope: openid profile email\n"),
        "{stdout}"
    );
    let (_, stdout, _) = check("fixtures", "expose-list-two-providers.toml");
    assert!(stdout.contains("expose_tokens: id, access\n"), "{stdout}");
    let (_, stdout, _) = check("fixtures", "expose-id-string.toml");
    assert!(stdout.contains("expose_tokens: id\n"), "{stdout}");
}

#[test]
fn check_never_prints_a_secret() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-secret");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secrets.toml");
    std::fs::write(
        &path,
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"cookie-secret-d2b1\"\nclient_id = \"visible-id\"\nclient_secret = \"client-secret-77e0\"\nserver_metadata_url = \"https://a.example/\"\n",
    )
    .unwrap();
    let out = doorman(&["check", path.to_str().unwrap()]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(all.contains("visible-id"));
    assert!(!all.contains("cookie-secret-d2b1"), "{all}");
    assert!(!all.contains("client-secret-77e0"), "{all}");
}

/// Every effective setting, with the file, line and column it came from, or `default`; the
/// previous cookie secrets counted, never shown.
#[test]
fn check_prints_every_setting_and_where_it_came_from() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-settings");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secrets.toml");
    std::fs::write(
        &path,
        "[auth]\nredirect_uri = \"http://localhost:8501/dash/oauth2callback\"\ncookie_secret = \"cookie-secret-0123456789abcdef0123\"\ncookie_lifetime = \"12h\"\nprevious_cookie_secrets = [\"old-secret-5e1f\"]\nbase_path = \"/dash/\"\nlogout_params = { logout_hint = \"{login_hint}\" }\n\n[auth.entra]\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://login.example/.well-known/openid-configuration\"\ncookie_lifetime = 3600\ncall_userinfo = false\nbound_to_id_token = true\n\n[auth.okta]\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://okta.example/.well-known/openid-configuration\"\n",
    )
    .unwrap();
    let out = doorman(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let file = path.display();
    for expected in [
        format!("  base_path = /dash ({file}:6:13)\n"),
        format!("  previous_cookie_secrets = 1 (REDACTED) ({file}:5:27)\n"),
        // A provider's own value wins over the shared one.
        format!("        cookie_lifetime = 1h ({file}:13:19)\n"),
        format!("        call_userinfo = false ({file}:14:17)\n"),
        format!("        bound_to_id_token = true ({file}:15:21)\n"),
        // The shared value, where the provider says nothing.
        format!("        cookie_lifetime = 12h ({file}:4:19)\n"),
        format!("        logout_params = {{ logout_hint = \"{{login_hint}}\" }} ({file}:7:17)\n"),
        "        call_userinfo = true (default)\n".to_owned(),
        "        refresh_margin = 1m (default)\n".to_owned(),
        "        token_endpoint_auth_method = from the provider's metadata (default)\n".to_owned(),
    ] {
        assert!(stdout.contains(&expected), "{expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("old-secret-5e1f"), "{stdout}");
}

#[test]
fn check_rejects_each_streamlit_failure_with_its_message() {
    let cases = [
        (
            "no-auth.toml",
            "error: To use authentication features you need to configure credentials for at least one authentication provider in `.streamlit/secrets.toml`.",
        ),
        (
            "missing-redirect-uri.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` are missing the \"redirect_uri\" key. Please check your configuration.",
        ),
        (
            "missing-cookie-secret.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` are missing the \"cookie_secret\" key. Please check your configuration.",
        ),
        (
            "default-missing-keys.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` for the default authentication provider are missing the following keys: ['client_secret', 'server_metadata_url']. Please check your configuration.",
        ),
        (
            "no-provider.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` for the default authentication provider are missing the following keys: ['client_id', 'client_secret', 'server_metadata_url']. Please check your configuration.",
        ),
        (
            "named-missing-keys.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` for the authentication provider \"google\" are missing the following keys: ['client_secret', 'server_metadata_url']. Please check your configuration.",
        ),
        (
            "provider-not-table.toml",
            "error: Authentication credentials in `.streamlit/secrets.toml` for the authentication provider \"google\" must be valid TOML. Please check your configuration.",
        ),
    ];
    for (file, message) in cases {
        let (code, stdout, stderr) = check("failures", file);
        assert_eq!(code, 1, "{file}: {stdout}");
        assert!(stderr.starts_with(message), "{file}:\n{stderr}");
        assert!(
            stderr.contains(file),
            "{file}: the message names the file:\n{stderr}"
        );
    }
}

#[test]
fn check_without_files_uses_the_environment_variable() {
    let path = secrets_dir("fixtures").join("microsoft-named.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_doorman"))
        .arg("check")
        .env("DOORMAN_SECRETS_FILES", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("  - microsoft"));
}

#[test]
fn check_without_files_follows_streamlits_lookup() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-lookup");
    let (home, app) = (root.join("home"), root.join("app"));
    for dir in [&home, &app] {
        std::fs::create_dir_all(dir.join(".streamlit")).unwrap();
    }
    std::fs::copy(
        secrets_dir("fixtures").join("google-default.toml"),
        home.join(".streamlit/secrets.toml"),
    )
    .unwrap();
    std::fs::copy(
        secrets_dir("fixtures").join("okta-and-microsoft.toml"),
        app.join(".streamlit/secrets.toml"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_doorman"))
        .arg("check")
        .env_remove("DOORMAN_SECRETS_FILES")
        .env("HOME", &home)
        .current_dir(&app)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("  - okta"),
        "the working directory's file wins:\n{stdout}"
    );
    assert!(!stdout.contains("  - default"), "{stdout}");
}

#[test]
fn secret_prints_64_fresh_hex_characters() {
    let first = String::from_utf8(doorman(&["secret"]).stdout).unwrap();
    let second = String::from_utf8(doorman(&["secret"]).stdout).unwrap();
    let first = first.trim_end();
    assert_eq!(first.len(), 64);
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(first, second.trim_end());
}

#[test]
fn unknown_commands_are_refused_with_usage() {
    let out = doorman(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: doorman"));
}

#[tokio::test]
async fn check_discover_fetches_each_provider_and_fails_on_a_broken_one() {
    let idp = doorman_testkit::devidp::serve_on_loopback(doorman_devidp::DevIdpConfig::new);
    let idp_addr = idp.addr;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = closed.local_addr().expect("addr");
    drop(closed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-discover");
    std::fs::create_dir_all(&dir).expect("dir");
    let secrets = |extra: &str| {
        format!(
            "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n\n[auth.dev]\nclient_id = \"a\"\nclient_secret = \"b\"\nserver_metadata_url = \"http://{idp_addr}/.well-known/openid-configuration\"\n{extra}"
        )
    };
    let good = dir.join("good.toml");
    std::fs::write(&good, secrets("")).expect("write");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        secrets(&format!("\n[auth.down]\nclient_id = \"a\"\nclient_secret = \"b\"\nserver_metadata_url = \"http://{dead}/.well-known/openid-configuration\"\n")),
    )
    .expect("write");
    let run = |file: PathBuf| {
        tokio::task::spawn_blocking(move || {
            doorman(&["check", "--discover", file.to_str().expect("utf-8")])
        })
    };
    let out = run(good).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("  - dev: ok: issuer http://{idp_addr}, 2 signing key(s), PKCE S256, logout at the provider yes")), "{stdout}");
    let out = run(bad).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("  - dev: ok:"), "{stdout}");
    assert!(stdout.contains("  - down: FAILED: discovery:"), "{stdout}");
}

#[test]
fn check_says_a_plain_oauth2_provider_is_lower_assurance_and_discover_fetches_nothing() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-github");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("secrets.toml");
    std::fs::write(
        &path,
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n\n[auth.google]\nclient_id = \"g\"\nclient_secret = \"g-secret-31\"\nserver_metadata_url = \"https://accounts.google.com/.well-known/openid-configuration\"\n\n[auth.github]\nclient_id = \"Iv1.8a61f9b3a7aba766\"\nclient_secret = \"gh-secret-5c\"\nprovider_preset = \"github\"\n",
    )
    .expect("write");
    let out = doorman(&["check", path.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    let github = &stdout[stdout.find("  - github").expect("the github provider")..];
    for line in [
        "      endpoints: plain OAuth 2.0 (provider_preset = \"github\")\n",
        "      authorize_url: https://github.com/login/oauth/authorize\n",
        "      access_token_url: https://github.com/login/oauth/access_token\n",
        "      userinfo_endpoint: https://api.github.com/user\n",
        "      emails: https://api.github.com/user/emails (asked when the user's email is private)\n",
        "      assurance: plain OAuth 2.0 with no signed ID token: lower assurance than OpenID Connect",
        "      scope: read:user user:email\n",
    ] {
        assert!(github.contains(line), "{line:?} in:\n{stdout}");
    }
    let google = &stdout
        [stdout.find("  - google").expect("google")..stdout.find("  - github").expect("github")];
    assert!(!google.contains("assurance"), "{google}");
    assert!(!stdout.contains("gh-secret-5c"), "{stdout}");

    // Only the plain OAuth 2.0 provider, so that `--discover` needs no network.
    let only = dir.join("only-github.toml");
    std::fs::write(
        &only,
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n\n[auth.github]\nclient_id = \"Iv1.8a61f9b3a7aba766\"\nclient_secret = \"gh-secret-5c\"\nprovider_preset = \"github\"\n",
    )
    .expect("write");
    let out = doorman(&["check", "--discover", only.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("  - github: ok: plain OAuth 2.0, nothing to discover: no signed ID token, lower assurance than OpenID Connect; user https://api.github.com/user, emails https://api.github.com/user/emails, logout local"),
        "{stdout}"
    );
}

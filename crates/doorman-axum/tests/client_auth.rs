//! `private_key_jwt` from the secrets file: the app signs a client assertion with its own key
//! (`private_key_file`, or `private_key` inline), the provider checks it, and the client
//! secret never travels; a key that cannot be used stops `Auth::new` with a clear error.

mod app;

use app::{Setup, TestApp};
use doorman_axum::{Auth, AuthError, AuthOptions};
use doorman_secrets::{AuthConfig, Origin};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};

/// The app's key: a committed test key of the development provider.
const KEY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../doorman-devidp/keys/rsa-c.pem"
);

fn public_pem() -> String {
    let pem = std::fs::read_to_string(KEY_FILE).expect("test key");
    RsaPrivateKey::from_pkcs8_pem(&pem)
        .expect("test key")
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .expect("public PEM")
}

#[tokio::test]
async fn a_login_authenticates_with_the_apps_key_and_never_sends_the_secret() {
    let app = TestApp::with(Setup {
        client_public_key: Some(public_pem()),
        extra_secrets: format!(
            "token_endpoint_auth_method = \"private_key_jwt\"\nprivate_key_file = \"{KEY_FILE}\"\nprivate_key_id = \"app-key-1\"\n"
        ),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    assert_eq!(app.user_json().await["is_logged_in"], true);
    let token = &app.idp().requests_to("/token")[0];
    assert_eq!(token.auth_scheme, None);
    assert_eq!(token.param("client_secret"), None);
    assert!(token.param("client_assertion").is_some());
}

#[test]
fn a_key_that_cannot_be_used_stops_the_start_with_the_reason() {
    let short = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../doorman-devidp/keys/rsa-1024.pem"
    );
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"{}\"\n\n[auth.dev]\nclient_id = \"app\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\nprivate_key_file = \"{short}\"\n",
        app::COOKIE_SECRET
    );
    let config = AuthConfig::parse(&secrets, Origin::Text("test".into())).expect("secrets");
    match Auth::new(&config, AuthOptions::default()) {
        Err(AuthError::Provider { provider, reason }) => {
            assert_eq!(provider, "dev");
            assert!(reason.contains("1024 bits"), "{reason}");
            assert!(!reason.contains("PRIVATE KEY"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

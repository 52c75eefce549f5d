//! What doorman refuses or warns about beyond Streamlit: each rule with a test that shows it.
//! Refusals whose point is the message are data: `tests/refusals/*.toml`, each beside its
//! whole expected message, checked by `messages.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use doorman_secrets::{
    AuthConfig, Endpoints, Error, Origin, Preset, TokenEndpointAuthMethod, WarningKind,
};

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
        | Error::MissingKey { at, .. }
        | Error::ConflictingKeys { at, .. }
        | Error::IncompleteOAuth2Endpoints { at, .. }
        | Error::InvalidTenant { at, .. }
        | Error::MissingPrivateKey { at, .. }
        | Error::InvalidPrivateKey { at, .. }
        | Error::ReadPrivateKey { at, .. } => at.key_path.clone(),
        other => panic!("unexpected {other:?}"),
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
fn a_scope_with_openid_is_kept() {
    // Without `openid`, it is refused: refusals/scope-without-openid.toml.
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
        "response_type",
        "client_id",
        "client_secret",
        "redirect_uri",
        "state",
        "nonce",
        "code_challenge",
        "code_verifier",
    ] {
        let e = refused(&with_default(&format!(
            "client_kwargs = {{ {key} = \"x\" }}\n"
        )));
        assert!(matches!(e, Error::ReservedParameter { .. }), "{key}: {e:?}");
        assert_eq!(key_of(&e), format!("auth.client_kwargs.{key}"));
        assert_eq!(
            e.to_string(),
            format!(
                "`auth.client_kwargs.{key}` is set by doorman on every login and cannot be configured (t:7:19)"
            )
        );
    }
}

#[test]
fn token_endpoint_auth_method_is_honoured() {
    let config = parse(&with_default(
        "client_kwargs = { token_endpoint_auth_method = \"client_secret_post\" }\n",
    ))
    .unwrap();
    let kwargs = config.provider(None).unwrap().client_kwargs();
    assert_eq!(
        kwargs.token_endpoint_auth_method(),
        Some(TokenEndpointAuthMethod::ClientSecretPost)
    );
    assert!(kwargs.extra_params().is_empty());
    // Other values are refused: refusals/auth-method-*.toml.
}

#[test]
fn token_endpoint_auth_method_is_none_unless_configured() {
    let config = parse(&with_default("")).unwrap();
    let kwargs = config.provider(None).unwrap().client_kwargs();
    assert_eq!(kwargs.token_endpoint_auth_method(), None);
}

#[test]
fn token_endpoint_auth_method_in_a_section_is_shared_and_overridden() {
    let config = parse(&format!(
        "{SHARED}token_endpoint_auth_method = \"client_secret_post\"\n[auth.okta]\n{GOOGLE}[auth.google]\n{GOOGLE}token_endpoint_auth_method = \"client_secret_basic\"\n[auth.auth0]\n{GOOGLE}client_kwargs = {{ token_endpoint_auth_method = \"client_secret_basic\" }}\n"
    ))
    .unwrap();
    let method = |name| {
        config
            .provider(Some(name))
            .unwrap()
            .client_kwargs()
            .token_endpoint_auth_method()
    };
    assert_eq!(
        method("okta"),
        Some(TokenEndpointAuthMethod::ClientSecretPost)
    );
    assert_eq!(
        method("google"),
        Some(TokenEndpointAuthMethod::ClientSecretBasic)
    );
    assert_eq!(
        method("auth0"),
        Some(TokenEndpointAuthMethod::ClientSecretBasic)
    );
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBB9ZJBRv5c+example+only+not+a+key+0000\n-----END PRIVATE KEY-----\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("secrets-validation")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A provider that signs client assertions: no `client_secret`.
fn private_key_jwt_provider(key_lines: &str) -> String {
    format!(
        "{SHARED}[auth.logingov]\nclient_id = \"urn:gov:gsa:openidconnect.profiles:sp:sso:agency:app\"\nserver_metadata_url = \"https://idp.int.identitysandbox.gov/.well-known/openid-configuration\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\n{key_lines}"
    )
}

#[test]
fn private_key_jwt_with_an_inline_key_needs_no_client_secret() {
    let config = parse(&private_key_jwt_provider(&format!(
        "private_key = \"\"\"\n{PEM}\"\"\"\nprivate_key_id = \"key-1\"\n"
    )))
    .unwrap();
    let provider = config.provider(Some("logingov")).unwrap();
    assert!(provider.client_secret().is_none());
    assert_eq!(
        provider.client_kwargs().token_endpoint_auth_method(),
        Some(TokenEndpointAuthMethod::PrivateKeyJwt)
    );
    assert_eq!(provider.private_key().map(|k| k.expose()), Some(PEM));
    assert_eq!(provider.private_key_id(), Some("key-1"));
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    // The same in client_kwargs.
    let config = parse(&format!(
        "{SHARED}[auth.logingov]\nclient_id = \"a\"\nserver_metadata_url = \"https://a.example/\"\nclient_kwargs = {{ token_endpoint_auth_method = \"private_key_jwt\" }}\nprivate_key = {PEM:?}\n"
    ))
    .unwrap();
    assert!(
        config
            .provider(Some("logingov"))
            .unwrap()
            .client_secret()
            .is_none()
    );
}

#[test]
fn private_key_file_is_read_relative_to_the_secrets_file() {
    let dir = scratch("relative");
    fs::create_dir_all(dir.join("keys")).unwrap();
    fs::write(dir.join("keys").join("client.pem"), PEM).unwrap();
    let secrets = dir.join("secrets.toml");
    fs::write(
        &secrets,
        private_key_jwt_provider("private_key_file = \"keys/client.pem\"\n"),
    )
    .unwrap();
    let config = AuthConfig::load(&[&secrets]).unwrap();
    let provider = config.provider(Some("logingov")).unwrap();
    assert_eq!(provider.private_key().map(|k| k.expose()), Some(PEM));
    assert_eq!(provider.private_key_id(), None);
    // An absolute path is used as it is, from text as from a file.
    let absolute = dir.join("keys").join("client.pem");
    let config = parse(&private_key_jwt_provider(&format!(
        "private_key_file = {:?}\n",
        absolute.display().to_string()
    )))
    .unwrap();
    assert!(
        config
            .provider(Some("logingov"))
            .unwrap()
            .private_key()
            .is_some()
    );
}

#[test]
fn an_unreadable_private_key_file_names_the_key_and_the_path() {
    let dir = scratch("unreadable");
    let secrets = dir.join("secrets.toml");
    fs::write(
        &secrets,
        private_key_jwt_provider("private_key_file = \"missing.pem\"\n"),
    )
    .unwrap();
    let e = AuthConfig::load(&[&secrets]).unwrap_err();
    let Error::ReadPrivateKey { at, path, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(at.key_path, "auth.logingov.private_key_file");
    assert_eq!(path, &dir.join("missing.pem"));
    // The operating system's words differ between systems: they are the source's.
    let source = std::error::Error::source(&e).expect("the IO error");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read `auth.logingov.private_key_file` {}: {source} ({}:8:20)",
            dir.join("missing.pem").display(),
            secrets.display()
        )
    );
    // A folder is not a key file either.
    fs::create_dir_all(dir.join("keys")).unwrap();
    fs::write(
        &secrets,
        private_key_jwt_provider("private_key_file = \"keys\"\n"),
    )
    .unwrap();
    let e = AuthConfig::load(&[&secrets]).unwrap_err();
    assert!(matches!(e, Error::ReadPrivateKey { .. }), "{e:?}");
}

#[test]
fn a_private_key_file_must_hold_a_pem_private_key() {
    let dir = scratch("not-pem");
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "der.key",
            &[0x30, 0x82, 0x04, 0xa4, 0xff, 0xfe],
            "it is not text; convert a DER key to PEM",
        ),
        (
            "cert.pem",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "it holds a PEM block, but no complete private key",
        ),
        (
            "empty.pem",
            b"",
            "it holds no -----BEGIN ... PRIVATE KEY----- block",
        ),
        (
            "big.pem",
            &[b'A'; 70 * 1024],
            "the file is larger than 64 KiB",
        ),
    ];
    for (name, bytes, reason) in cases {
        fs::write(dir.join(name), bytes).unwrap();
        let e = parse(&private_key_jwt_provider(&format!(
            "private_key_file = {:?}\n",
            dir.join(name).display().to_string()
        )))
        .unwrap_err();
        let Error::InvalidPrivateKey { at, path, .. } = &e else {
            panic!("{name}: {e:?}")
        };
        assert_eq!(at.key_path, "auth.logingov.private_key_file");
        assert_eq!(path.as_deref(), Some(dir.join(name).as_path()));
        assert_eq!(
            e.to_string(),
            format!(
                "`auth.logingov.private_key_file` ({}) must hold a PEM private key (-----BEGIN PRIVATE KEY-----): {reason} (t:8:20)",
                dir.join(name).display()
            )
        );
    }
}

#[test]
fn private_key_text_in_a_traditional_pem_label_is_accepted() {
    // Text that holds no PEM private key is refused: refusals/private-key-*.toml.
    for label in ["RSA PRIVATE KEY", "EC PRIVATE KEY"] {
        let text = format!("-----BEGIN {label}-----\nMIIE\n-----END {label}-----\n");
        assert!(
            parse(&private_key_jwt_provider(&format!(
                "private_key = {text:?}\n"
            )))
            .is_ok()
        );
    }
}

#[test]
fn a_private_key_without_private_key_jwt_loads_with_a_warning() {
    let config = parse(&with_default(&format!("private_key = {PEM:?}\n"))).unwrap();
    let provider = config.provider(None).unwrap();
    assert!(provider.private_key().is_some());
    assert_eq!(provider.client_kwargs().token_endpoint_auth_method(), None);
    let warnings: Vec<(&str, &WarningKind)> = config
        .warnings()
        .iter()
        .map(|w| (w.at.key_path.as_str(), &w.kind))
        .collect();
    assert_eq!(
        warnings,
        [("auth.private_key", &WarningKind::PrivateKeyUnused)]
    );
    // Without private_key_jwt, client_secret is required as in Streamlit:
    // refusals/private-key-without-client-secret.toml.
}

#[test]
fn a_shared_private_key_serves_every_provider_that_signs() {
    let config = parse(&format!(
        "{SHARED}private_key = {PEM:?}\nprivate_key_id = \"shared-kid\"\n[auth.okta]\n{GOOGLE}\n[auth.logingov]\nclient_id = \"a\"\nserver_metadata_url = \"https://a.example/\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\n[auth.other]\nclient_id = \"b\"\nserver_metadata_url = \"https://b.example/\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\nprivate_key = \"-----BEGIN EC PRIVATE KEY-----\\nMHcC\\n-----END EC PRIVATE KEY-----\"\n"
    ))
    .unwrap();
    let logingov = config.provider(Some("logingov")).unwrap();
    assert_eq!(logingov.private_key().map(|k| k.expose()), Some(PEM));
    assert_eq!(logingov.private_key_id(), Some("shared-kid"));
    // A provider with its own key does not take the shared kid, which names the shared key.
    let other = config.provider(Some("other")).unwrap();
    assert!(
        other
            .private_key()
            .unwrap()
            .expose()
            .contains("EC PRIVATE KEY")
    );
    assert_eq!(other.private_key_id(), None);
    // The shared key is used by logingov: no warning.
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

#[test]
fn trusted_audiences_are_shared_and_overridden() {
    let config = parse(&format!(
        "{SHARED}{GOOGLE}trusted_audiences = [\"project-1\", \"https://api.example\"]\n[auth.zitadel]\n{GOOGLE}trusted_audiences = [\"project-2\"]\n[auth.none]\n{GOOGLE}trusted_audiences = []\n"
    ))
    .unwrap();
    assert_eq!(
        config.provider(None).unwrap().trusted_audiences(),
        ["project-1", "https://api.example"]
    );
    assert_eq!(
        config
            .provider(Some("zitadel"))
            .unwrap()
            .trusted_audiences(),
        ["project-2"]
    );
    assert!(
        config
            .provider(Some("none"))
            .unwrap()
            .trusted_audiences()
            .is_empty()
    );
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let config = parse(&format!("{SHARED}[auth.okta]\n{GOOGLE}")).unwrap();
    assert!(
        config
            .provider(Some("okta"))
            .unwrap()
            .trusted_audiences()
            .is_empty()
    );
}

#[test]
fn allowed_tenants_are_guids() {
    let config = parse(&format!(
        "{SHARED}[auth.entra]\n{GOOGLE}allowed_tenants = [\"72f988bf-86f1-41af-91ab-2d7cd011db47\", \"9188040D-6C67-4C5B-B112-36A304B66DAD\"]\n"
    ))
    .unwrap();
    assert_eq!(
        config.provider(Some("entra")).unwrap().allowed_tenants(),
        [
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "9188040d-6c67-4c5b-b112-36a304b66dad"
        ]
    );
    let config = parse(&with_default("")).unwrap();
    assert!(config.provider(None).unwrap().allowed_tenants().is_empty());
    // Shared in `[auth]` and overridden per provider.
    let config = parse(&format!(
        "{SHARED}allowed_tenants = [\"72f988bf-86f1-41af-91ab-2d7cd011db47\"]\n[auth.a]\n{GOOGLE}[auth.b]\n{GOOGLE}allowed_tenants = []\n"
    ))
    .unwrap();
    assert_eq!(
        config.provider(Some("a")).unwrap().allowed_tenants().len(),
        1
    );
    assert!(
        config
            .provider(Some("b"))
            .unwrap()
            .allowed_tenants()
            .is_empty()
    );
}

#[test]
fn allowed_tenants_other_than_guids_are_refused() {
    for value in [
        "common",
        "organizations",
        "contoso.onmicrosoft.com",
        "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
        "72f988bf86f141af91ab2d7cd011db47",
        "72f988bf-86f1-41af-91ab-2d7cd011db4",
        "72f988bf-86f1-41af-91ab-2d7cd011db47-",
        "72f988bg-86f1-41af-91ab-2d7cd011db47",
        " 72f988bf-86f1-41af-91ab-2d7cd011db47",
    ] {
        let e = refused(&format!(
            "{SHARED}[auth.entra]\n{GOOGLE}allowed_tenants = [\"72f988bf-86f1-41af-91ab-2d7cd011db47\", {value:?}]\n"
        ));
        let Error::InvalidTenant { at, value: given } = &e else {
            panic!("{value}: {e:?}")
        };
        assert_eq!(at.key_path, "auth.entra.allowed_tenants[1]");
        assert_eq!(given, value);
        assert_eq!((at.line, at.column), (8, 60), "{value}");
        assert_eq!(
            e.to_string(),
            format!(
                "`auth.entra.allowed_tenants[1]` must be an Entra tenant id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47 (not a domain name, `common` or `organizations`), but is {value:?} (t:8:60)"
            )
        );
    }
    // Not a list: refusals/allowed-tenants-table.toml.
}

#[test]
fn the_github_preset_fills_endpoints_and_scope() {
    let config = parse(&format!(
        "{SHARED}[auth.github]\nclient_id = \"Iv1.x\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\n"
    ))
    .unwrap();
    let github = config.provider(Some("github")).unwrap();
    let Endpoints::OAuth2 {
        authorize_url,
        access_token_url,
        userinfo_url,
        emails_url,
        preset,
        ..
    } = github.endpoints()
    else {
        panic!("not OAuth 2.0")
    };
    assert_eq!(
        authorize_url.as_str(),
        "https://github.com/login/oauth/authorize"
    );
    assert_eq!(
        access_token_url.as_str(),
        "https://github.com/login/oauth/access_token"
    );
    assert_eq!(userinfo_url.as_str(), "https://api.github.com/user");
    assert_eq!(
        emails_url.as_ref().map(|u| u.as_str()),
        Some("https://api.github.com/user/emails")
    );
    assert_eq!(*preset, Some(Preset::GitHub));
    assert_eq!(github.server_metadata_url(), None);
    assert_eq!(github.client_kwargs().scope(), "read:user user:email");
    assert_eq!(github.client_kwargs().prompt(), Some("select_account"));
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

#[test]
fn a_plain_oauth2_scope_need_not_contain_openid() {
    let config = parse(&format!(
        "{SHARED}[auth.github]\nclient_id = \"a\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\nclient_kwargs = {{ scope = \"read:user\" }}\n"
    ))
    .unwrap();
    assert_eq!(
        config
            .provider(Some("github"))
            .unwrap()
            .client_kwargs()
            .scope(),
        "read:user"
    );
    // An OpenID provider still needs it: refusals/scope-without-openid-named-provider.toml.
}

#[test]
fn explicit_endpoint_keys_override_the_preset() {
    let config = parse(&format!(
        "{SHARED}[auth.ghe]\nclient_id = \"a\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\nauthorize_url = \"https://ghe.example/login/oauth/authorize\"\naccess_token_url = \"https://ghe.example/login/oauth/access_token\"\nuserinfo_endpoint = \"https://ghe.example/api/v3/user\"\n"
    ))
    .unwrap();
    let Endpoints::OAuth2 {
        authorize_url,
        access_token_url,
        userinfo_url,
        emails_url,
        preset,
        ..
    } = config.provider(Some("ghe")).unwrap().endpoints()
    else {
        panic!("not OAuth 2.0")
    };
    assert_eq!(authorize_url.host_str(), Some("ghe.example"));
    assert_eq!(access_token_url.path(), "/login/oauth/access_token");
    assert_eq!(userinfo_url.as_str(), "https://ghe.example/api/v3/user");
    // The emails API stays beside the user API.
    assert_eq!(
        emails_url.as_ref().map(|u| u.as_str()),
        Some("https://ghe.example/api/v3/user/emails")
    );
    assert_eq!(*preset, Some(Preset::GitHub));
    // Overriding one URL keeps the preset's others.
    let config = parse(&format!(
        "{SHARED}[auth.github]\nclient_id = \"a\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\nuserinfo_endpoint = \"http://127.0.0.1:8080/user\"\n"
    ))
    .unwrap();
    let Endpoints::OAuth2 {
        authorize_url,
        userinfo_url,
        ..
    } = config.provider(Some("github")).unwrap().endpoints()
    else {
        panic!("not OAuth 2.0")
    };
    assert_eq!(
        authorize_url.as_str(),
        "https://github.com/login/oauth/authorize"
    );
    assert_eq!(userinfo_url.as_str(), "http://127.0.0.1:8080/user");
}

#[test]
fn authlib_endpoint_keys_make_a_plain_oauth2_provider() {
    let config = parse(&format!(
        "{SHARED}[auth.forge]\nclient_id = \"a\"\nclient_secret = \"s\"\nauthorize_url = \"https://forge.example/oauth/authorize\"\naccess_token_url = \"https://forge.example/oauth/token\"\nuserinfo_endpoint = \"https://forge.example/api/user\"\nclient_kwargs = {{ scope = \"user\" }}\n"
    ))
    .unwrap();
    let forge = config.provider(Some("forge")).unwrap();
    let Endpoints::OAuth2 {
        emails_url, preset, ..
    } = forge.endpoints()
    else {
        panic!("not OAuth 2.0")
    };
    assert_eq!((emails_url, preset), (&None, &None));
    assert_eq!(forge.client_kwargs().scope(), "user");
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    // Without a preset or a configured scope, no scope is sent.
    let config = parse(&format!(
        "{SHARED}[auth.forge]\nclient_id = \"a\"\nclient_secret = \"s\"\nauthorize_url = \"https://forge.example/oauth/authorize\"\naccess_token_url = \"https://forge.example/oauth/token\"\nuserinfo_endpoint = \"https://forge.example/api/user\"\n"
    ))
    .unwrap();
    let forge = config.provider(Some("forge")).unwrap();
    assert_eq!(forge.client_kwargs().scope(), "");
    assert_eq!(forge.server_metadata_url(), None);
}

#[test]
fn endpoint_keys_next_to_server_metadata_url_are_ignored_with_a_warning() {
    let config = parse(&format!(
        "{SHARED}[auth.okta]\n{GOOGLE}authorize_url = \"https://a.example/authorize\"\nuserinfo_endpoint = \"https://a.example/userinfo\"\n"
    ))
    .unwrap();
    let okta = config.provider(Some("okta")).unwrap();
    assert!(matches!(okta.endpoints(), Endpoints::Discovery { .. }));
    let warnings: Vec<(&str, &WarningKind)> = config
        .warnings()
        .iter()
        .map(|w| (w.at.key_path.as_str(), &w.kind))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                "auth.okta.authorize_url",
                &WarningKind::UnsupportedAuthlibKey
            ),
            (
                "auth.okta.userinfo_endpoint",
                &WarningKind::UnsupportedAuthlibKey
            )
        ]
    );
}

#[test]
fn the_default_provider_may_be_a_preset() {
    let config = parse(&format!(
        "{SHARED}client_id = \"a\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\n"
    ))
    .unwrap();
    let default = config.provider(None).unwrap();
    assert!(matches!(
        default.endpoints(),
        Endpoints::OAuth2 {
            preset: Some(Preset::GitHub),
            ..
        }
    ));
    // Endpoint keys alone at the top make no default provider (Streamlit ignores them there).
    let config = parse(&format!(
        "{SHARED}authorize_url = \"https://a.example/authorize\"\n[auth.okta]\n{GOOGLE}"
    ))
    .unwrap();
    assert!(config.provider(None).is_err());
    assert_eq!(
        config.warnings()[0].kind,
        WarningKind::UnsupportedAuthlibKey
    );
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
            (
                "auth.redirect_url",
                WarningKind::UnknownKey {
                    did_you_mean: Some("redirect_uri")
                }
            ),
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

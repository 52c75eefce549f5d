//! The shape of what the relying party sends, refresh (Core §12.2), logout, and redaction.

use doorman_devidp::Misbehavior;
use doorman_oidc::{ClientConfig, Error, Verification};
use doorman_testkit::pair::{CLIENT_ID, CLIENT_SECRET, Pair, REDIRECT_URI, get};
use url::Url;

fn params(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

fn value<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn authorization_request_has_state_nonce_pkce_and_streamlits_defaults() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let (_, url, _) = pair.authorize(&metadata);
    let p = params(&url);
    assert_eq!(url.path(), "/authorize");
    assert_eq!(value(&p, "response_type"), Some("code"));
    assert_eq!(value(&p, "client_id"), Some(CLIENT_ID));
    assert_eq!(value(&p, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(value(&p, "scope"), Some("openid profile email"));
    assert_eq!(value(&p, "prompt"), Some("select_account"));
    assert_eq!(value(&p, "code_challenge_method"), Some("S256"));
    for name in ["state", "nonce", "code_challenge"] {
        assert_eq!(
            value(&p, name).map(str::len),
            Some(43),
            "{name}: 256 bits, base64url"
        );
    }
    assert!(!url.as_str().contains(CLIENT_SECRET));
}

#[test]
fn state_nonce_and_verifier_are_fresh_per_login() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let (_, first, _) = pair.authorize(&metadata);
    let (_, second, _) = pair.authorize(&metadata);
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(
            value(&params(&first), name),
            value(&params(&second), name),
            "{name}"
        );
    }
}

#[test]
fn pkce_challenge_is_s256_of_the_verifier_sent_later() {
    let mut pair = Pair::new();
    pair.login().result.expect("login");
    let authorize = &pair.idp.requests_to("/authorize")[0];
    let token = &pair.idp.requests_to("/token")[0];
    use base64::Engine as _;
    use sha2::Digest as _;
    let verifier = token.param("code_verifier").expect("verifier");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(authorize.param("code_challenge"), Some(challenge.as_str()));
}

#[test]
fn client_kwargs_parameters_are_sent_and_can_change_the_defaults() {
    let mut pair = Pair::new();
    pair.config = ClientConfig::new(
        "dev",
        CLIENT_ID,
        CLIENT_SECRET,
        Url::parse(REDIRECT_URI).expect("url"),
    )
    .with_scope("openid groups")
    .with_prompt(Some("login".into()))
    .with_extra_params(vec![
        ("audience".into(), "https://api.example".into()),
        ("acr_values".into(), "mfa".into()),
        ("state".into(), "ignored: doorman sets it".into()),
    ]);
    let metadata = pair.discover().expect("discovery");
    let (_, url, _) = pair.authorize(&metadata);
    let p = params(&url);
    assert_eq!(value(&p, "scope"), Some("openid groups"));
    assert_eq!(value(&p, "prompt"), Some("login"));
    assert_eq!(value(&p, "audience"), Some("https://api.example"));
    assert_eq!(value(&p, "acr_values"), Some("mfa"));
    assert_eq!(p.iter().filter(|(k, _)| k == "state").count(), 1);
}

#[test]
fn a_scope_without_openid_gets_it() {
    let config = ClientConfig::new("p", "c", "s", Url::parse(REDIRECT_URI).expect("url"))
        .with_scope("email");
    assert!(format!("{config:?}").contains("openid email"));
}

#[test]
fn userinfo_uses_the_bearer_header_only() {
    let mut pair = Pair::new();
    pair.login().result.expect("login");
    let userinfo = &pair.idp.requests_to("/userinfo")[0];
    assert_eq!(userinfo.auth_scheme.as_deref(), Some("Bearer"));
    assert!(userinfo.params.is_empty(), "no token in the query");
}

#[test]
fn refresh_keeps_the_identity_and_checks_it() {
    let mut pair = Pair::new();
    pair.config = pair
        .config
        .clone()
        .with_scope("openid profile email offline_access");
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let login = pair.login_with(&metadata, &keys).result.expect("login");
    let refresh_token = login.refresh_token().expect("refresh token").to_owned();
    pair.advance(600);
    let request =
        doorman_oidc::refresh_request(&pair.config, &metadata, &refresh_token, pair.now, &[9; 32]);
    let response = pair.send(&request);
    let refreshed = doorman_oidc::refresh_response(
        &pair.config,
        &metadata,
        &keys,
        login.claims(),
        &response,
        pair.now,
    )
    .expect("refresh");
    assert_eq!(refreshed.subject(), "ada");
    assert_ne!(refreshed.access_token(), login.access_token());
    let sent = &pair.idp.requests_to("/token")[1];
    assert_eq!(sent.param("grant_type"), Some("refresh_token"));
}

#[test]
fn a_refreshed_id_token_for_another_subject_is_refused() {
    let mut pair = Pair::new();
    pair.config = pair
        .config
        .clone()
        .with_scope("openid profile email offline_access");
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let login = pair.login_with(&metadata, &keys).result.expect("login");
    let mut original = login.claims().clone();
    original.insert("sub".into(), "alan".into());
    let request = doorman_oidc::refresh_request(
        &pair.config,
        &metadata,
        login.refresh_token().expect("rt"),
        pair.now,
        &[9; 32],
    );
    let response = pair.send(&request);
    let result = doorman_oidc::refresh_response(
        &pair.config,
        &metadata,
        &keys,
        &original,
        &response,
        pair.now,
    );
    assert_eq!(
        result.err(),
        Some(Error::RefreshIdentityChanged { claim: "sub" })
    );
}

#[test]
fn a_refreshed_id_token_from_another_issuer_is_refused() {
    let mut pair = Pair::new();
    pair.config = pair
        .config
        .clone()
        .with_scope("openid profile email offline_access");
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let login = pair.login_with(&metadata, &keys).result.expect("login");
    pair.misbehave(Misbehavior::WrongIssuer);
    let request = doorman_oidc::refresh_request(
        &pair.config,
        &metadata,
        login.refresh_token().expect("rt"),
        pair.now,
        &[9; 32],
    );
    let response = pair.send(&request);
    let result = doorman_oidc::refresh_response(
        &pair.config,
        &metadata,
        &keys,
        login.claims(),
        &response,
        pair.now,
    );
    assert!(matches!(result, Err(Error::InvalidIssuer { .. })));
}

#[test]
fn logout_url_has_hint_client_return_and_state() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let login = pair.login().result.expect("login");
    let back = Url::parse("http://app.test/").expect("url");
    let url = doorman_oidc::logout_url(
        &pair.config,
        &metadata,
        Some(login.id_token()),
        &back,
        "xyz",
        &[],
    )
    .expect("end_session_endpoint");
    let p = params(&url);
    assert_eq!(url.path(), "/end_session");
    assert_eq!(value(&p, "id_token_hint"), Some(login.id_token()));
    assert_eq!(value(&p, "client_id"), Some(CLIENT_ID));
    assert_eq!(
        value(&p, "post_logout_redirect_uri"),
        Some("http://app.test/")
    );
    assert_eq!(value(&p, "state"), Some("xyz"));
    let response = pair.send(&get(&url));
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()[http::header::LOCATION]
            .to_str()
            .expect("ascii"),
        "http://app.test/?state=xyz"
    );
}

#[test]
fn debug_output_holds_no_secret() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let exchange = pending
        .clone()
        .callback(&metadata, &query)
        .expect("callback");
    let code = query
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .expect("code")
        .to_owned();
    let request = exchange.token_request(&pair.config, &metadata);
    let verifier = url::form_urlencoded::parse(request.body())
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.into_owned())
        .expect("verifier");
    let tokens = exchange
        .token_response(&pair.send(&request))
        .expect("tokens");
    let tokens_debug = format!("{tokens:?}");
    let Verification::Verified(login) = tokens
        .verify(&pair.config, &metadata, &keys, pair.now)
        .expect("verify")
    else {
        panic!("keys are fresh");
    };
    let shown = [
        format!("{:?}", pair.config),
        format!("{pending:?}"),
        tokens_debug,
        format!("{login:?}"),
        format!("{:?}", pending.callback(&metadata, &query)),
    ];
    for text in shown {
        for secret in [
            CLIENT_SECRET,
            code.as_str(),
            verifier.as_str(),
            login.access_token(),
            login.id_token(),
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

fn metadata_response(issuer: &str) -> http::Response<Vec<u8>> {
    let doc = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": "https://tenant.example/authorize",
        "token_endpoint": "https://tenant.example/oauth/token",
        "jwks_uri": "https://tenant.example/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    http::Response::new(doc.to_string().into_bytes())
}

#[test]
fn discovery_issuer_must_match_the_metadata_url_exactly_but_for_one_trailing_slash() {
    let url = Url::parse("https://tenant.example/.well-known/openid-configuration").expect("url");
    for issuer in ["https://tenant.example", "https://tenant.example/"] {
        let metadata =
            doorman_oidc::ProviderMetadata::from_response(&url, &metadata_response(issuer));
        assert_eq!(metadata.expect(issuer).issuer(), issuer);
    }
    for issuer in [
        "https://tenant.example//",
        "https://tenant.example/other",
        "https://TENANT.example",
        "http://tenant.example",
    ] {
        let metadata =
            doorman_oidc::ProviderMetadata::from_response(&url, &metadata_response(issuer));
        assert!(
            matches!(metadata, Err(Error::IssuerMismatch { .. })),
            "{issuer}"
        );
    }
    let with_path = Url::parse("https://idp.example/realms/demo/.well-known/openid-configuration")
        .expect("url");
    let metadata = doorman_oidc::ProviderMetadata::from_response(
        &with_path,
        &metadata_response("https://idp.example/realms/demo"),
    );
    assert!(metadata.is_ok());
}

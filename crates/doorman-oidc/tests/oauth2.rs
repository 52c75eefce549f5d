//! Plain OAuth 2.0 logins (GitHub first) against the development provider's GitHub persona,
//! in process on a virtual clock: what the core sends (state and PKCE always, no nonce, the
//! configured scope, JSON asked for, the API's headers), what it makes of GitHub's answers
//! (the public-email user, the private-email user and the emails API), and one typed error
//! per refusal; no input makes it panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_devidp::{DevIdp, DevIdpConfig, Endpoint, Misbehavior, Persona};
use doorman_oidc::{
    AccessGranted, ClientConfig, Error, LoginEntropy, OAuth2CodeExchange, OAuth2Endpoints,
    OAuth2Identity, PendingLogin, TokenAuthMethod, UserApi, UserLookup,
};
use doorman_testkit::devidp::ForClient as _;
use doorman_testkit::pair::{entropy, get, redirect_query};
use http::{Request, Response, StatusCode, header};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Digest as _;
use url::Url;

const ORIGIN: &str = "http://github.test";
const CLIENT_ID: &str = "Iv1.8a61f9b3a7aba766";
const CLIENT_SECRET: &str = "gh-s3cret/+:%&=";
const REDIRECT_URI: &str = "http://app.test/oauth2callback";
const GITHUB_SCOPE: &str = "read:user user:email";

fn url(path: &str) -> Url {
    Url::parse(&format!("{ORIGIN}{path}")).expect("url")
}

/// GitHub's endpoints on the persona's origin, as `provider_preset = "github"` with the URL
/// keys pointing there configures them.
fn github() -> OAuth2Endpoints {
    OAuth2Endpoints::new(
        url("/login/oauth/authorize"),
        url("/login/oauth/access_token"),
        url("/user"),
    )
    .with_emails_url(Some(url("/user/emails")))
    .with_user_api(UserApi::GitHub)
}

/// The client and the GitHub persona, and the time they share.
struct GitHubPair {
    idp: DevIdp,
    config: ClientConfig,
    endpoints: OAuth2Endpoints,
    now: SystemTime,
    counter: u8,
}

impl GitHubPair {
    fn new() -> Self {
        Self::with_idp(DevIdpConfig::new(Url::parse(ORIGIN).expect("origin")))
    }

    /// A pair whose provider starts from `idp` (its users may be changed before).
    fn with_idp(idp: DevIdpConfig) -> Self {
        let idp = idp.for_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);
        let idp = match idp.persona {
            Some(_) => idp,
            None => idp.with_persona(Persona::GitHub),
        };
        Self {
            idp: DevIdp::new(idp),
            config: ClientConfig::new(
                "github",
                CLIENT_ID,
                CLIENT_SECRET,
                Url::parse(REDIRECT_URI).expect("redirect"),
            )
            .with_oauth2_scope(GITHUB_SCOPE),
            endpoints: github(),
            now: UNIX_EPOCH + Duration::from_secs(1_795_305_600),
            counter: 0,
        }
    }

    fn send(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        self.idp.handle(request, self.now)
    }

    fn entropy(&mut self) -> LoginEntropy {
        self.counter = self.counter.wrapping_add(1);
        entropy(self.counter)
    }

    /// Starts a login (for the GitHub user `login`) and follows the provider's redirect: the
    /// pending login, the authorization URL and the callback's query.
    fn authorize(&mut self, login: &str) -> (PendingLogin, Url, String) {
        let entropy = self.entropy();
        let (mut url, pending) =
            doorman_oidc::begin_oauth2(&self.config, &self.endpoints, &entropy, self.now);
        url.query_pairs_mut().append_pair("login", login);
        let query = redirect_query(&self.send(&get(&url)));
        (pending, url, query)
    }

    /// Authorizes and checks the callback.
    fn exchange(&mut self, login: &str) -> OAuth2CodeExchange {
        let (pending, _, query) = self.authorize(login);
        pending.oauth2_callback(&query).expect("callback")
    }

    /// Authorizes, checks the callback and redeems the code.
    fn granted(&mut self, login: &str) -> Result<AccessGranted, Error> {
        let exchange = self.exchange(login);
        let response = self.send(&exchange.token_request(&self.config, &self.endpoints));
        exchange.token_response(&response, self.now)
    }

    /// A whole login: the identity, and how many emails requests it made.
    fn login(&mut self, login: &str) -> Result<(OAuth2Identity, usize), Error> {
        let granted = self.granted(login)?;
        let response = self.send(&granted.user_request(&self.endpoints));
        match granted.user_response(&self.endpoints, &response)? {
            UserLookup::Found(identity) => Ok((identity, 0)),
            UserLookup::NeedEmails(lookup) => {
                let response = self.send(&lookup.emails_request());
                Ok((lookup.emails_response(&response)?, 1))
            }
        }
    }
}

fn params(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

fn value<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn header_of<'r>(request: &'r Request<Vec<u8>>, name: &str) -> Option<&'r str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn form_of(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.body())
        .into_owned()
        .collect()
}

/// A response with `status`, `content_type` and `body`.
fn response(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(body.as_bytes().to_vec());
    *response.status_mut() = StatusCode::from_u16(status).expect("status");
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_str(content_type).expect("header"),
    );
    response
}

#[test]
fn the_authorization_request_has_state_and_pkce_and_no_nonce_or_openid() {
    let mut pair = GitHubPair::new();
    let (_, url, _) = pair.authorize("adalovelace");
    assert_eq!(url.path(), "/login/oauth/authorize");
    let p = params(&url);
    assert_eq!(value(&p, "response_type"), Some("code"));
    assert_eq!(value(&p, "client_id"), Some(CLIENT_ID));
    assert_eq!(value(&p, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(
        value(&p, "scope"),
        Some("read:user user:email"),
        "no openid added"
    );
    assert_eq!(value(&p, "code_challenge_method"), Some("S256"));
    assert_eq!(value(&p, "state").map(str::len), Some(43));
    assert_eq!(value(&p, "code_challenge").map(str::len), Some(43));
    assert_eq!(value(&p, "nonce"), None);
    assert_eq!(
        value(&p, "prompt"),
        Some("select_account"),
        "Streamlit's default, which GitHub documents (its account picker)"
    );
    assert!(!url.as_str().contains("s3cret"));
}

#[test]
fn prompt_scope_and_extra_parameters_are_sent_as_configured() {
    let mut pair = GitHubPair::new();
    pair.config = pair
        .config
        .clone()
        .with_oauth2_scope("")
        .with_prompt(None)
        .with_extra_params(vec![
            ("allow_signup".to_owned(), "false".to_owned()),
            ("state".to_owned(), "forced".to_owned()),
            ("nonce".to_owned(), "forced".to_owned()),
        ]);
    let (_, url, _) = pair.authorize("adalovelace");
    let p = params(&url);
    assert_eq!(value(&p, "scope"), None, "an empty scope sends none");
    assert_eq!(value(&p, "prompt"), None);
    assert_eq!(value(&p, "allow_signup"), Some("false"));
    assert_eq!(p.iter().filter(|(k, _)| k == "state").count(), 1);
    assert_ne!(value(&p, "state"), Some("forced"));
    assert_eq!(
        value(&p, "nonce"),
        None,
        "a reserved parameter is not taken"
    );
}

#[test]
fn state_and_verifier_are_fresh_per_login_and_the_verifier_matches_the_challenge() {
    let mut pair = GitHubPair::new();
    let (_, first, _) = pair.authorize("adalovelace");
    let (_, second, _) = pair.authorize("adalovelace");
    for name in ["state", "code_challenge"] {
        assert_ne!(
            value(&params(&first), name),
            value(&params(&second), name),
            "{name}"
        );
    }
    let exchange = pair.exchange("adalovelace");
    let request = exchange.token_request(&pair.config, &pair.endpoints);
    let verifier = value(&form_of(&request), "code_verifier")
        .expect("the verifier")
        .to_owned();
    let authorize = pair.idp.requests_to("/login/oauth/authorize");
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        authorize.last().and_then(|r| r.param("code_challenge")),
        Some(challenge.as_str())
    );
}

#[test]
fn the_token_request_asks_for_json_and_posts_the_client_secret_for_github() {
    let mut pair = GitHubPair::new();
    let exchange = pair.exchange("adalovelace");
    let request = exchange.token_request(&pair.config, &pair.endpoints);
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().path(), "/login/oauth/access_token");
    assert_eq!(header_of(&request, "accept"), Some("application/json"));
    assert_eq!(
        header_of(&request, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header_of(&request, "authorization"), None);
    let form = form_of(&request);
    assert_eq!(value(&form, "grant_type"), Some("authorization_code"));
    assert_eq!(value(&form, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(value(&form, "client_id"), Some(CLIENT_ID));
    assert_eq!(value(&form, "client_secret"), Some(CLIENT_SECRET));
    assert!(value(&form, "code").is_some() && value(&form, "code_verifier").is_some());
    assert_eq!(
        pair.endpoints.auth_method(),
        TokenAuthMethod::ClientSecretPost
    );
}

#[test]
fn a_configured_method_wins_and_other_providers_default_to_basic() {
    let mut pair = GitHubPair::new();
    pair.config = pair
        .config
        .clone()
        .with_auth_method(Some(TokenAuthMethod::ClientSecretBasic));
    let exchange = pair.exchange("adalovelace");
    let request = exchange.token_request(&pair.config, &pair.endpoints);
    assert!(header_of(&request, "authorization").is_some_and(|a| a.starts_with("Basic ")));
    assert_eq!(value(&form_of(&request), "client_secret"), None);
    let response = pair.send(&request);
    assert!(
        exchange.token_response(&response, pair.now).is_ok(),
        "GitHub takes Basic too"
    );

    let generic = OAuth2Endpoints::new(url("/a"), url("/t"), url("/u"));
    assert_eq!(generic.user_api(), UserApi::Generic);
    assert_eq!(generic.auth_method(), TokenAuthMethod::ClientSecretBasic);
    assert_eq!(generic.emails_url(), None);
}

#[test]
fn the_public_email_user_logs_in_without_the_emails_api() {
    let mut pair = GitHubPair::new();
    let (identity, emails_requests) = pair.login("adalovelace").expect("login");
    assert_eq!(emails_requests, 0);
    assert_eq!(pair.idp.requests_to("/user/emails").len(), 0);
    assert_eq!(identity.provider(), "github");
    assert_eq!(identity.subject(), "58312810");
    assert_eq!(
        Value::Object(identity.claims().clone()),
        json!({
            "sub": "58312810",
            "name": "Ada Lovelace",
            "preferred_username": "adalovelace",
            "picture": "https://avatars.githubusercontent.com/u/58312810?v=4",
            "profile": "https://github.com/adalovelace",
            "email": "ada@example.com",
            "email_verified": true,
        })
    );
    assert!(identity.access_token().starts_with("gho_"));
    assert_eq!(identity.refresh_token(), None);
    assert_eq!(identity.access_token_expires_at(), None);
}

#[test]
fn the_private_email_user_gets_the_primary_verified_address_from_the_emails_api() {
    let mut pair = GitHubPair::new();
    let (identity, emails_requests) = pair.login("alan-turing").expect("login");
    assert_eq!(emails_requests, 1);
    assert_eq!(
        Value::Object(identity.into_claims()),
        json!({
            "sub": "91219120",
            "name": "alan-turing",
            "preferred_username": "alan-turing",
            "picture": "https://avatars.githubusercontent.com/u/91219120?v=4",
            "profile": "https://github.com/alan-turing",
            "email": "alan@example.com",
            "email_verified": true,
        })
    );
}

#[test]
fn api_requests_carry_the_bearer_token_a_user_agent_and_githubs_media_type() {
    let mut pair = GitHubPair::new();
    let granted = pair.granted("alan-turing").expect("token");
    let user = granted.user_request(&pair.endpoints);
    assert_eq!(user.method(), http::Method::GET);
    assert_eq!(user.uri().to_string(), format!("{ORIGIN}/user"));
    assert!(header_of(&user, "authorization").is_some_and(|a| a.starts_with("Bearer gho_")));
    assert!(user.headers()["authorization"].is_sensitive());
    assert!(header_of(&user, "user-agent").is_some_and(|ua| ua.starts_with("doorman/")));
    assert_eq!(
        header_of(&user, "accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(header_of(&user, "x-github-api-version"), Some("2022-11-28"));
    let response = pair.send(&user);
    let UserLookup::NeedEmails(lookup) = granted
        .user_response(&pair.endpoints, &response)
        .expect("user")
    else {
        panic!("Alan's email is private");
    };
    let emails = lookup.emails_request();
    assert_eq!(emails.uri().to_string(), format!("{ORIGIN}/user/emails"));
    for name in [
        "authorization",
        "user-agent",
        "accept",
        "x-github-api-version",
    ] {
        assert_eq!(
            header_of(&emails, name),
            header_of(&user, name),
            "{name} as for /user"
        );
    }
    let generic = OAuth2Endpoints::new(url("/a"), url("/t"), url("/u"));
    let granted = pair.granted("adalovelace").expect("token");
    let request = granted.user_request(&generic);
    assert_eq!(header_of(&request, "accept"), Some("application/json"));
    assert_eq!(header_of(&request, "x-github-api-version"), None);
    assert!(header_of(&request, "user-agent").is_some());
}

/// Alan's emails with no address both primary and verified.
fn alan_without_a_verified_primary() -> DevIdpConfig {
    let mut idp =
        DevIdpConfig::new(Url::parse(ORIGIN).expect("origin")).with_persona(Persona::GitHub);
    idp.users[1].claims.insert(
        "emails".into(),
        json!([
            {"email": "alan@example.com", "primary": true, "verified": false, "visibility": "private"},
            {"email": "alan@bletchley.example", "primary": false, "verified": true, "visibility": null},
        ]),
    );
    idp
}

#[test]
fn no_primary_verified_address_means_no_email_and_email_verified_false() {
    let mut pair = GitHubPair::with_idp(alan_without_a_verified_primary());
    let (identity, _) = pair.login("alan-turing").expect("login");
    assert_eq!(identity.claims().get("email"), None);
    assert_eq!(identity.claims()["email_verified"], json!(false));
    assert_eq!(identity.subject(), "91219120");
}

#[test]
fn without_an_emails_api_a_private_email_is_simply_absent() {
    let mut pair = GitHubPair::new();
    pair.endpoints = github().with_emails_url(None);
    let (identity, emails_requests) = pair.login("alan-turing").expect("login");
    assert_eq!(emails_requests, 0);
    assert_eq!(identity.claims().get("email"), None);
    assert_eq!(identity.claims()["email_verified"], json!(false));
}

#[test]
fn a_form_encoded_token_answer_is_read_too() {
    let mut pair = GitHubPair::new();
    let exchange = pair.exchange("adalovelace");
    let mut request = exchange.token_request(&pair.config, &pair.endpoints);
    request.headers_mut().remove(header::ACCEPT);
    let answer = pair.send(&request);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/x-www-form-urlencoded")
    );
    let granted = exchange.token_response(&answer, pair.now).expect("read");
    assert_eq!(granted.provider(), "github");
    let user = pair.send(&granted.user_request(&pair.endpoints));
    assert_eq!(user.status(), StatusCode::OK, "the token works");
}

#[test]
fn a_replayed_code_is_refused_with_githubs_error_sent_with_status_200() {
    let mut pair = GitHubPair::new();
    let exchange = pair.exchange("adalovelace");
    let request = exchange.token_request(&pair.config, &pair.endpoints);
    let first = pair.send(&request);
    let second = pair.send(&request);
    assert_eq!(second.status(), StatusCode::OK);
    assert!(exchange.token_response(&first, pair.now).is_ok());
    let exchange = pair.exchange("adalovelace");
    let Err(Error::TokenEndpoint { error, description }) =
        exchange.token_response(&second, pair.now)
    else {
        panic!("a refusal");
    };
    assert_eq!(error, "bad_verification_code");
    assert_eq!(
        description.as_deref(),
        Some("The code passed is incorrect or expired.")
    );
}

#[test]
fn a_wrong_client_secret_is_refused() {
    let mut pair = GitHubPair::new();
    pair.config = ClientConfig::new(
        "github",
        CLIENT_ID,
        "not-the-secret",
        Url::parse(REDIRECT_URI).expect("redirect"),
    )
    .with_oauth2_scope(GITHUB_SCOPE);
    let Err(Error::TokenEndpoint { error, .. }) = pair.granted("adalovelace") else {
        panic!("a refusal");
    };
    assert_eq!(error, "incorrect_client_credentials");
}

#[test]
fn token_answers_that_break_a_rule_are_refused_one_typed_error_each() {
    let mut pair = GitHubPair::new();
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    for (answer, expected) in [
        (
            response(
                200,
                form,
                "error=redirect_uri_mismatch&error_description=nope",
            ),
            Error::TokenEndpoint {
                error: "redirect_uri_mismatch".into(),
                description: Some("nope".into()),
            },
        ),
        (
            response(400, json, r#"{"error":"invalid_grant"}"#),
            Error::TokenEndpoint {
                error: "invalid_grant".into(),
                description: None,
            },
        ),
        (
            response(502, "text/html", "<html>bad gateway</html>"),
            Error::HttpStatus {
                endpoint: "token",
                status: 502,
            },
        ),
        (
            response(200, json, r#"{"access_token":"gho_x","token_type":"mac"}"#),
            Error::UnsupportedTokenType {
                found: "mac".into(),
            },
        ),
        (
            response(200, json, r#"{"access_token":"gho_x"}"#),
            Error::MissingTokenField {
                field: "token_type",
            },
        ),
        (
            response(200, json, r#"{"token_type":"bearer","scope":""}"#),
            Error::MissingTokenField {
                field: "access_token",
            },
        ),
        (
            response(200, json, r#"{"access_token":"","token_type":"bearer"}"#),
            Error::UnusableAccessToken,
        ),
        (
            response(
                200,
                json,
                r#"{"access_token":"a\nb","token_type":"bearer"}"#,
            ),
            Error::UnusableAccessToken,
        ),
        (
            response(200, form, "access_token=gho_%0Dx&token_type=bearer"),
            Error::UnusableAccessToken,
        ),
    ] {
        let exchange = pair.exchange("adalovelace");
        assert_eq!(
            exchange.token_response(&answer, pair.now).map(|_| ()),
            Err(expected)
        );
    }
    let exchange = pair.exchange("adalovelace");
    assert!(matches!(
        exchange.token_response(&response(200, "text/html", "<html>"), pair.now),
        Err(Error::InvalidJson {
            endpoint: "token",
            ..
        })
    ));
}

#[test]
fn an_expiring_token_and_a_refresh_token_are_kept_and_an_id_token_is_not_used() {
    let mut pair = GitHubPair::new();
    let exchange = pair.exchange("adalovelace");
    let answer = response(
        200,
        "application/json",
        r#"{"access_token":"ghu_x","token_type":"bearer","expires_in":28800,"refresh_token":"ghr_y","refresh_token_expires_in":15897600,"id_token":"not.a.jwt"}"#,
    );
    let granted = exchange.token_response(&answer, pair.now).expect("read");
    let user = response(
        200,
        "application/json",
        r#"{"id": 1, "login": "x", "email": "x@example.com"}"#,
    );
    let UserLookup::Found(identity) = granted.user_response(&pair.endpoints, &user).expect("user")
    else {
        panic!("the email is public");
    };
    assert_eq!(identity.refresh_token(), Some("ghr_y"));
    assert_eq!(
        identity.access_token_expires_at(),
        Some(pair.now + Duration::from_secs(28_800))
    );
}

#[test]
fn callbacks_are_checked_as_for_openid_providers_and_iss_is_ignored() {
    let mut pair = GitHubPair::new();
    let (pending, _, query) = pair.authorize("adalovelace");
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    for (query, expected) in [
        ("code=c".to_owned(), Error::MissingState),
        ("code=c&state=other".to_owned(), Error::StateMismatch),
        (format!("state={state}"), Error::MissingCode),
        (
            format!("code=a&code=b&state={state}"),
            Error::MalformedCallback,
        ),
        (
            format!(
                "error=access_denied&error_description=The+user+has+denied+your+application+access.&state={state}"
            ),
            Error::AuthorizationDenied {
                error: "access_denied".into(),
                description: Some("The user has denied your application access.".into()),
            },
        ),
        (
            "error=access_denied&state=forged".to_owned(),
            Error::StateMismatch,
        ),
    ] {
        assert_eq!(
            pending.clone().oauth2_callback(&query).map(|_| ()),
            Err(expected),
            "{query}"
        );
    }
    let with_iss = format!("{query}&iss=https%3A%2F%2Fevil.example");
    assert!(
        pending.oauth2_callback(&with_iss).is_ok(),
        "no issuer to compare an iss with"
    );
}

#[test]
fn a_login_cannot_cross_between_openid_connect_and_plain_oauth2() {
    let mut pair = GitHubPair::new();
    let (pending, _, query) = pair.authorize("adalovelace");
    let oidc = oidc_metadata();
    assert_eq!(
        pending.callback(&oidc, &query).map(|_| ()),
        Err(Error::LoginKindMismatch)
    );
    let entropy = pair.entropy();
    let (_, oidc_pending) = doorman_oidc::begin(&pair.config, &oidc, &entropy, pair.now);
    let state = URL_SAFE_NO_PAD.encode(entropy.state);
    assert_eq!(
        oidc_pending
            .oauth2_callback(&format!("code=c&state={state}"))
            .map(|_| ()),
        Err(Error::LoginKindMismatch)
    );
}

/// The development provider's own OpenID metadata.
fn oidc_metadata() -> doorman_oidc::ProviderMetadata {
    let idp = DevIdp::new(DevIdpConfig::new(
        Url::parse("http://idp.test").expect("url"),
    ));
    let metadata_url = Url::parse(&idp.config().metadata_url()).expect("url");
    let answer = idp.handle(&get(&metadata_url), SystemTime::now());
    doorman_oidc::ProviderMetadata::from_response(&metadata_url, &answer).expect("metadata")
}

#[test]
fn user_and_emails_api_failures_are_typed() {
    let mut pair = GitHubPair::new();
    pair.idp.misbehave(Misbehavior::Failing(Endpoint::Userinfo));
    assert_eq!(
        pair.login("adalovelace").map(|_| ()),
        Err(Error::HttpStatus {
            endpoint: "user",
            status: 500
        })
    );
    pair.idp.behave();
    let granted = pair.granted("alan-turing").expect("token");
    let user = pair.send(&granted.user_request(&pair.endpoints));
    let UserLookup::NeedEmails(lookup) =
        granted.user_response(&pair.endpoints, &user).expect("user")
    else {
        panic!("Alan's email is private");
    };
    pair.idp.misbehave(Misbehavior::Failing(Endpoint::Userinfo));
    let answer = pair.send(&lookup.emails_request());
    assert_eq!(
        lookup.emails_response(&answer).map(|_| ()),
        Err(Error::HttpStatus {
            endpoint: "emails",
            status: 500
        })
    );
}

#[test]
fn a_token_without_the_email_scope_cannot_list_emails() {
    let mut pair = GitHubPair::new();
    pair.config = pair.config.clone().with_oauth2_scope("read:user");
    assert_eq!(
        pair.login("alan-turing").map(|_| ()),
        Err(Error::HttpStatus {
            endpoint: "emails",
            status: 404
        }),
        "GitHub answers 404 to a token without user:email"
    );
}

#[test]
fn user_and_emails_answers_of_the_wrong_shape_are_refused() {
    let mut pair = GitHubPair::new();
    let json = "application/json";
    for (user, expected) in [
        (r#"{"login": "x"}"#, Some(Error::MissingUserId)),
        (r#"{"id": 1.5, "login": "x"}"#, Some(Error::MissingUserId)),
        (r#"{"id": "", "login": "x"}"#, Some(Error::MissingUserId)),
        (r#"[{"id": 1}]"#, None),
        ("not json", None),
    ] {
        let granted = pair.granted("adalovelace").expect("token");
        let result = granted.user_response(&pair.endpoints, &response(200, json, user));
        match expected {
            Some(expected) => assert_eq!(result.map(|_| ()), Err(expected), "{user}"),
            None => assert!(
                matches!(
                    result,
                    Err(Error::InvalidJson {
                        endpoint: "user",
                        ..
                    })
                ),
                "{user}"
            ),
        }
    }
    let granted = pair.granted("alan-turing").expect("token");
    let user = pair.send(&granted.user_request(&pair.endpoints));
    let Ok(UserLookup::NeedEmails(lookup)) = granted.user_response(&pair.endpoints, &user) else {
        panic!("Alan's email is private");
    };
    assert!(matches!(
        lookup.emails_response(&response(200, json, r#"{"email": "a@b.c"}"#)),
        Err(Error::InvalidJson {
            endpoint: "emails",
            ..
        })
    ));
}

#[test]
fn odd_entries_in_the_emails_list_are_passed_over() {
    let mut pair = GitHubPair::new();
    let granted = pair.granted("alan-turing").expect("token");
    let user = pair.send(&granted.user_request(&pair.endpoints));
    let Ok(UserLookup::NeedEmails(lookup)) = granted.user_response(&pair.endpoints, &user) else {
        panic!("Alan's email is private");
    };
    let listed = r#"[7, null, {"email": 3, "primary": true, "verified": true},
        {"email": "", "primary": true, "verified": true},
        {"email": "x@example.com", "primary": "true", "verified": true},
        {"email": "alan@example.com", "primary": true, "verified": true}]"#;
    let identity = lookup
        .emails_response(&response(200, "application/json", listed))
        .expect("identity");
    assert_eq!(identity.claims()["email"], "alan@example.com");
    assert_eq!(identity.claims()["email_verified"], true);
}

#[test]
fn a_generic_provider_keeps_its_user_as_sent_with_the_claims_filled_in() {
    let mut pair = GitHubPair::new();
    pair.endpoints = OAuth2Endpoints::new(
        url("/login/oauth/authorize"),
        url("/login/oauth/access_token"),
        url("/user"),
    );
    pair.config = pair
        .config
        .clone()
        .with_auth_method(Some(TokenAuthMethod::ClientSecretPost));
    let (identity, _) = pair.login("adalovelace").expect("login");
    let claims = identity.claims();
    assert_eq!(claims["sub"], "58312810");
    assert_eq!(claims["id"], 58_312_810, "kept as sent");
    assert_eq!(claims["login"], "adalovelace");
    assert_eq!(claims["preferred_username"], "adalovelace");
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["email_verified"], false, "not stated: not verified");
    assert_eq!(
        claims["picture"],
        "https://avatars.githubusercontent.com/u/58312810?v=4"
    );
}

#[test]
fn debug_output_redacts_tokens_and_secrets() {
    let mut pair = GitHubPair::new();
    let granted = pair.granted("alan-turing").expect("token");
    let user = pair.send(&granted.user_request(&pair.endpoints));
    let token = header_of(&granted.user_request(&pair.endpoints), "authorization")
        .expect("bearer")
        .trim_start_matches("Bearer ")
        .to_owned();
    let granted_debug = format!("{granted:?}");
    let lookup = match granted.user_response(&pair.endpoints, &user).expect("user") {
        UserLookup::NeedEmails(lookup) => lookup,
        UserLookup::Found(_) => panic!("Alan's email is private"),
    };
    let lookup_debug = format!("{lookup:?}");
    let answer = pair.send(&lookup.emails_request());
    let identity = lookup.emails_response(&answer).expect("identity");
    let exchange = pair.exchange("adalovelace");
    for debug in [
        granted_debug,
        lookup_debug,
        format!("{identity:?}"),
        format!("{exchange:?}"),
        format!("{:?}", pair.endpoints),
    ] {
        assert!(!debug.contains(&token), "{debug}");
        assert!(!debug.contains(CLIENT_SECRET), "{debug}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No callback query, token answer, user or emails answer makes the plain OAuth 2.0 path panic.
    #[test]
    fn no_input_panics(
        query in ".{0,200}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        status in 100u16..600,
        form in any::<bool>(),
    ) {
        let mut pair = GitHubPair::new();
        let (pending, _, _) = pair.authorize("adalovelace");
        let _ = pending.oauth2_callback(&query);
        let mut answer = Response::new(body);
        *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        if form {
            answer.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        let _ = pair.exchange("adalovelace").token_response(&answer, pair.now);
        if let Ok(granted) = pair.granted("alan-turing") {
            let _ = granted.user_response(&pair.endpoints, &answer);
        }
        if let Ok(granted) = pair.granted("alan-turing") {
            let user = pair.send(&granted.user_request(&pair.endpoints));
            if let Ok(UserLookup::NeedEmails(lookup)) = granted.user_response(&pair.endpoints, &user) {
                let _ = lookup.emails_response(&answer);
            }
        }
    }
}

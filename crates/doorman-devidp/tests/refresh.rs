//! Token refresh, called in-process on a virtual clock: refresh tokens only for
//! `offline_access`, rotated on every use, a spent one revoking its login's family; the
//! access-token lifetime; the `Refresh…` misbehaviors' answers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use doorman_devidp::{DevIdp, DevIdpConfig, Misbehavior};
use doorman_testkit::devidp::ForClient as _;
use http::{Request, Response, StatusCode};
use serde_json::Value;
use url::Url;

const REDIRECT: &str = "http://app.test/cb";
const OFFLINE: &str = "openid profile email offline_access";

/// The login's time: 2026-11-22T00:00:00Z.
fn login_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

fn idp() -> DevIdp {
    DevIdp::new(config())
}

fn config() -> DevIdpConfig {
    DevIdpConfig::new(Url::parse("http://idp.test").expect("url"))
        .for_client("app", "secret", REDIRECT)
        .for_client("other", "secret", REDIRECT)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A POST to `/token` authenticated as `client` with HTTP Basic, at `now`.
fn token_request(idp: &DevIdp, client: &str, form: &str, now: SystemTime) -> Response<Vec<u8>> {
    let request = Request::post("http://idp.test/token")
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{client}:secret"))),
        )
        .body(form.as_bytes().to_vec())
        .expect("request");
    idp.handle(&request, now)
}

fn json(response: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).expect("a JSON body")
}

/// The token response of a login of client `app` asking for `scope`, at the login's time.
fn login(idp: &DevIdp, scope: &str) -> Value {
    let query = format!(
        "/authorize?response_type=code&client_id=app&redirect_uri={}&scope={}&state=st&nonce=n",
        urlencode(REDIRECT),
        urlencode(scope)
    );
    let request = Request::get(format!("http://idp.test{query}"))
        .body(Vec::new())
        .expect("request");
    let response = idp.handle(&request, login_time());
    let location =
        Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("a redirect");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}",
        urlencode(REDIRECT)
    );
    let response = token_request(idp, "app", &form, login_time());
    assert_eq!(response.status(), StatusCode::OK);
    json(&response)
}

/// The refresh of `token` by client `app`, `after` seconds past the login.
fn refresh(idp: &DevIdp, token: &Value, after: u64) -> Response<Vec<u8>> {
    refresh_as(idp, "app", token, after)
}

fn refresh_as(idp: &DevIdp, client: &str, token: &Value, after: u64) -> Response<Vec<u8>> {
    let token = token.as_str().expect("a refresh token");
    let form = format!(
        "grant_type=refresh_token&refresh_token={}",
        urlencode(token)
    );
    token_request(
        idp,
        client,
        &form,
        login_time() + Duration::from_secs(after),
    )
}

/// An ID token's claims, not verified.
fn claims(id_token: &Value) -> Value {
    let token = id_token.as_str().expect("an ID token");
    let payload = token.split('.').nth(1).expect("a compact JWS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn refused_invalid_grant(response: &Response<Vec<u8>>) -> bool {
    response.status() == StatusCode::BAD_REQUEST && json(response)["error"] == "invalid_grant"
}

#[test]
fn discovery_advertises_offline_access_and_the_refresh_grant() {
    let request = Request::get("http://idp.test/.well-known/openid-configuration")
        .body(Vec::new())
        .expect("request");
    let doc = json(&idp().handle(&request, login_time()));
    assert!(
        doc["scopes_supported"]
            .as_array()
            .expect("a list")
            .contains(&"offline_access".into())
    );
    assert!(
        doc["grant_types_supported"]
            .as_array()
            .expect("a list")
            .contains(&"refresh_token".into())
    );
}

#[test]
fn a_refresh_token_only_when_offline_access_is_asked_for() {
    let idp = idp();
    let offline = login(&idp, OFFLINE);
    assert!(offline["refresh_token"].is_string());
    assert_eq!(offline["scope"], OFFLINE);
    let online = login(&idp, "openid profile email");
    assert!(online.get("refresh_token").is_none(), "{online}");
    assert_eq!(online["scope"], "openid profile email");
    assert!(online["id_token"].is_string() && online["access_token"].is_string());
}

#[test]
fn a_refresh_answers_new_tokens_for_the_same_identity() {
    let idp = idp();
    let login = login(&idp, OFFLINE);
    let response = refresh(&idp, &login["refresh_token"], 600);
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed = json(&response);
    for token in ["access_token", "refresh_token", "id_token"] {
        assert!(refreshed[token].is_string(), "{token}");
        assert_ne!(refreshed[token], login[token], "a new {token}");
    }
    assert_eq!(refreshed["expires_in"], 3600);
    assert_eq!(refreshed["scope"], OFFLINE);
    let (before, after) = (claims(&login["id_token"]), claims(&refreshed["id_token"]));
    for claim in ["iss", "sub", "aud", "auth_time"] {
        assert_eq!(after[claim], before[claim], "{claim}");
    }
    assert_eq!(before["nonce"], "n");
    assert!(after.get("nonce").is_none(), "no nonce on refresh");
    assert_eq!(after["iat"], before["iat"].as_u64().expect("iat") + 600);
    assert_eq!(idp.refresh_grants(), 1);
}

#[test]
fn each_refresh_rotates_the_refresh_token() {
    let idp = idp();
    let mut token = login(&idp, OFFLINE)["refresh_token"].clone();
    let mut seen = vec![token.clone()];
    for round in 1..=3 {
        let refreshed = json(&refresh(&idp, &token, round * 60));
        token = refreshed["refresh_token"].clone();
        assert!(!seen.contains(&token), "round {round}: a new refresh token");
        seen.push(token.clone());
    }
    assert_eq!(idp.refresh_grants(), 3);
    assert_eq!(idp.revoked_families(), 0);
}

#[test]
fn a_spent_refresh_token_presented_again_revokes_its_login_family() {
    let idp = idp();
    let first = login(&idp, OFFLINE)["refresh_token"].clone();
    let bystander = login(&idp, OFFLINE)["refresh_token"].clone();
    let second = json(&refresh(&idp, &first, 60))["refresh_token"].clone();
    assert!(refused_invalid_grant(&refresh(&idp, &first, 120)), "reuse");
    assert_eq!(idp.revoked_families(), 1);
    assert!(
        refused_invalid_grant(&refresh(&idp, &second, 180)),
        "the newer token of the family is revoked too"
    );
    assert_eq!(idp.revoked_families(), 1, "a family counts once");
    assert_eq!(
        refresh(&idp, &bystander, 240).status(),
        StatusCode::OK,
        "another login's family is untouched"
    );
    assert_eq!(idp.refresh_grants(), 2);
}

#[test]
fn unknown_tokens_and_other_clients_are_refused_without_revoking() {
    let idp = idp();
    let token = login(&idp, OFFLINE)["refresh_token"].clone();
    assert!(refused_invalid_grant(&refresh(&idp, &"made-up".into(), 60)));
    assert!(refused_invalid_grant(&refresh_as(
        &idp, "other", &token, 60
    )));
    assert_eq!(idp.revoked_families(), 0);
    assert_eq!(
        refresh(&idp, &token, 120).status(),
        StatusCode::OK,
        "still valid for its own client"
    );
}

#[test]
fn the_access_token_lifetime_is_configured_in_seconds() {
    let idp = DevIdp::new(config().with_access_token_lifetime(Duration::from_millis(300_900)));
    let login = login(&idp, OFFLINE);
    assert_eq!(login["expires_in"], 300);
    let refreshed = json(&refresh(&idp, &login["refresh_token"], 250));
    assert_eq!(refreshed["expires_in"], 300);
    let userinfo = |token: &Value, after: u64| {
        let request = Request::get("http://idp.test/userinfo")
            .header(
                "authorization",
                format!("Bearer {}", token.as_str().expect("a token")),
            )
            .body(Vec::new())
            .expect("request");
        idp.handle(&request, login_time() + Duration::from_secs(after))
            .status()
    };
    assert_eq!(userinfo(&login["access_token"], 299), StatusCode::OK);
    assert_eq!(
        userinfo(&login["access_token"], 300),
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    assert_eq!(
        userinfo(&refreshed["access_token"], 300),
        StatusCode::OK,
        "the refreshed token lasts from the refresh"
    );
    assert_eq!(
        userinfo(&refreshed["access_token"], 550),
        StatusCode::UNAUTHORIZED
    );
}

/// A `Refresh…` misbehavior: how the refresh is answered (given the login's token response),
/// and whether the refresh token used is still valid afterwards.
struct Case {
    misbehavior: Misbehavior,
    answer: fn(&Response<Vec<u8>>, &Value),
    token_still_valid: bool,
}

/// The refreshed ID token's `claim`, and the login's.
fn claim_pair(response: &Response<Vec<u8>>, login: &Value, claim: &str) -> (Value, Value) {
    assert_eq!(response.status(), StatusCode::OK);
    (
        claims(&json(response)["id_token"])[claim].clone(),
        claims(&login["id_token"])[claim].clone(),
    )
}

const CASES: &[Case] = &[
    Case {
        misbehavior: Misbehavior::RefreshInvalidGrant,
        answer: |response, _| assert!(refused_invalid_grant(response)),
        token_still_valid: true,
    },
    Case {
        misbehavior: Misbehavior::RefreshGarbage,
        answer: |response, _| {
            assert_eq!(response.status(), StatusCode::OK);
            assert!(serde_json::from_slice::<Value>(response.body()).is_err());
        },
        token_still_valid: true,
    },
    Case {
        misbehavior: Misbehavior::RefreshServerError,
        answer: |response, _| {
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        },
        token_still_valid: true,
    },
    Case {
        misbehavior: Misbehavior::RefreshOtherSubject,
        answer: |response, login| {
            let (refreshed, original) = claim_pair(response, login, "sub");
            assert_eq!(
                (refreshed.as_str(), original.as_str()),
                (Some("someone-else"), Some("ada"))
            );
        },
        token_still_valid: false,
    },
    Case {
        misbehavior: Misbehavior::RefreshOtherIssuer,
        answer: |response, login| {
            let (refreshed, original) = claim_pair(response, login, "iss");
            assert_eq!(original, "http://idp.test");
            assert_ne!(refreshed, original);
        },
        token_still_valid: false,
    },
    Case {
        misbehavior: Misbehavior::RefreshWithoutIdToken,
        answer: |response, _| {
            let body = json(response);
            assert!(body.get("id_token").is_none(), "{body}");
            assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
        },
        token_still_valid: false,
    },
    Case {
        misbehavior: Misbehavior::RefreshWithoutNewRefreshToken,
        answer: |response, _| {
            let body = json(response);
            assert!(body.get("refresh_token").is_none(), "{body}");
            assert!(body["access_token"].is_string() && body["id_token"].is_string());
        },
        token_still_valid: true,
    },
    Case {
        misbehavior: Misbehavior::RefreshAuthTimeChanged,
        answer: |response, login| {
            let (refreshed, original) = claim_pair(response, login, "auth_time");
            assert!(original.is_u64());
            assert_ne!(refreshed, original);
        },
        token_still_valid: false,
    },
];

#[test]
fn each_refresh_misbehavior_bends_the_refresh_only() {
    for case in CASES {
        let idp = idp();
        idp.misbehave(case.misbehavior.clone());
        let login = login(&idp, OFFLINE);
        let claims = claims(&login["id_token"]);
        assert_eq!(
            (&claims["sub"], &claims["iss"]),
            (&"ada".into(), &"http://idp.test".into()),
            "{:?}: the login is as usual",
            case.misbehavior
        );
        assert!(login["refresh_token"].is_string(), "{:?}", case.misbehavior);
        let response = refresh(&idp, &login["refresh_token"], 60);
        (case.answer)(&response, &login);
        idp.behave();
        let again = refresh(&idp, &login["refresh_token"], 120);
        assert_eq!(
            again.status() == StatusCode::OK,
            case.token_still_valid,
            "{:?}: is the refresh token used still valid?",
            case.misbehavior
        );
    }
}

#[test]
fn the_auth_time_changes_even_when_the_clock_has_not_moved() {
    let idp = idp();
    idp.misbehave(Misbehavior::RefreshAuthTimeChanged);
    let login = login(&idp, OFFLINE);
    let (refreshed, original) = claim_pair(
        &refresh(&idp, &login["refresh_token"], 0),
        &login,
        "auth_time",
    );
    assert_eq!(refreshed, original.as_u64().expect("auth_time") + 1);
}

//! Back-channel logout tokens the provider sends when a user's session ends: queued by the
//! end-session endpoint and `end_user_session` for each back-channel logout URI of the
//! client, verified by the relying party core, bent by the misbehaviors; posted by the
//! loopback server to a loopback app, with one retry, and what the app answered recorded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode};
use doorman_devidp::{
    DeliveryOutcome, DeliveryRecord, DevIdp, DevIdpConfig, Misbehavior, RegisteredClient,
};
use doorman_oidc::{LogoutTokenError, LogoutVerification, verify_logout_token};
use doorman_testkit::devidp::ForClient;
use doorman_testkit::pair::{self, CLIENT_ID, Pair};
use http::Request;
use serde_json::{Value, json};
use url::Url;

/// The back-channel logout URI of the pair's client: on loopback, and never served in
/// process.
const BACKCHANNEL_URI: &str = "http://127.0.0.1:8501/auth/backchannel-logout";

/// The event every logout token names (Back-Channel Logout 1.0 §2.4).
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A pair whose provider was configured further by `configure`.
fn pair_with(configure: impl FnOnce(DevIdpConfig) -> DevIdpConfig) -> Pair {
    let mut pair = Pair::new();
    pair.idp = DevIdp::new(configure(pair.idp.config().clone()));
    pair
}

/// A pair whose client registered [`BACKCHANNEL_URI`].
fn pair_with_backchannel_uri() -> Pair {
    pair_with(|config| config.with_backchannel_logout_uri(CLIENT_ID, BACKCHANNEL_URI))
}

/// Logs the pair's user in: the ID token and its `sid`.
fn log_in(pair: &mut Pair) -> (String, String) {
    let login = pair.login().result.expect("login");
    let sid = login.claims()["sid"].as_str().expect("a sid").to_owned();
    (login.id_token().to_owned(), sid)
}

/// Logs out at the provider's end-session endpoint with `id_token_hint`, back to the pair's
/// registered post-logout URI: the status.
fn end_session(pair: &Pair, id_token: &str) -> u16 {
    let mut url = Url::parse(&format!("{}/end_session", pair::ISSUER)).expect("url");
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("client_id", CLIENT_ID)
        .append_pair("post_logout_redirect_uri", "http://app.test/")
        .append_pair("state", "st");
    pair.send(&pair::get(&url)).status().as_u16()
}

/// The verdict of the relying party core on `token`, at the pair's time.
fn verdict(pair: &Pair, token: &str) -> Result<LogoutVerification, LogoutTokenError> {
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    verify_logout_token(&pair.config, &metadata, &keys, token, pair.now)
}

#[test]
fn a_logout_at_the_end_session_endpoint_queues_a_token_that_verifies_with_the_sessions_sid() {
    let mut pair = pair_with_backchannel_uri();
    let (id_token, sid) = log_in(&mut pair);
    assert_eq!(end_session(&pair, &id_token), 302);

    let deliveries = pair.idp.take_backchannel_deliveries();
    let [delivery] = deliveries.as_slice() else {
        panic!("one delivery: {deliveries:?}");
    };
    assert_eq!(delivery.uri, BACKCHANNEL_URI);
    assert_eq!(delivery.client_id, CLIENT_ID);
    let claims = delivery.claims();
    assert_eq!(claims["sid"], json!(sid));
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    assert!(!claims.contains_key("nonce"), "{claims:?}");
    let Ok(LogoutVerification::Verified(request)) = verdict(&pair, &delivery.logout_token) else {
        panic!("the core verifies the delivered token");
    };
    assert_eq!(request.sid(), Some(sid.as_str()));

    let sent = delivery.request().expect("a request");
    assert_eq!(sent.method(), "POST");
    assert_eq!(sent.uri(), BACKCHANNEL_URI);
    assert_eq!(
        sent.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(sent.body())
        .into_owned()
        .collect();
    assert_eq!(
        form,
        [("logout_token".to_owned(), delivery.logout_token.clone())]
    );

    assert!(pair.idp.take_backchannel_deliveries().is_empty(), "taken");
    assert_eq!(end_session(&pair, &id_token), 302);
    assert!(
        pair.idp.take_backchannel_deliveries().is_empty(),
        "a session ends once"
    );
    assert!(
        pair.idp.backchannel_deliveries().is_empty(),
        "nothing delivered in process"
    );
}

#[test]
fn no_token_is_queued_for_a_client_without_a_uri_nor_for_a_logout_naming_no_id_token() {
    // Another client registered a URI; the user's session was at the pair's client.
    let mut pair = pair_with(|config| {
        config
            .with_client(RegisteredClient {
                client_id: "other".to_owned(),
                client_secret: "other-secret".to_owned(),
                redirect_uris: vec!["http://other.test/cb".to_owned()],
                post_logout_redirect_uris: Vec::new(),
            })
            .with_backchannel_logout_uri("other", BACKCHANNEL_URI)
    });
    let (id_token, _) = log_in(&mut pair);
    assert_eq!(end_session(&pair, &id_token), 302);
    assert!(pair.idp.take_backchannel_deliveries().is_empty());

    let mut pair = pair_with_backchannel_uri();
    log_in(&mut pair);
    let anonymous = Url::parse(&format!(
        "{}/end_session?client_id={CLIENT_ID}",
        pair::ISSUER
    ))
    .expect("url");
    assert_eq!(pair.send(&pair::get(&anonymous)).status(), 200);
    assert!(
        pair.idp.take_backchannel_deliveries().is_empty(),
        "whose session ended is unknown"
    );
    assert!(pair.idp.backchannel_deliveries().is_empty());
}

#[test]
fn a_refused_logout_ends_no_session() {
    let mut pair = pair_with_backchannel_uri();
    let (id_token, _) = log_in(&mut pair);
    let mut url = Url::parse(&format!("{}/end_session", pair::ISSUER)).expect("url");
    url.query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://evil.test/");
    assert_eq!(pair.send(&pair::get(&url)).status(), 400);
    assert!(pair.idp.take_backchannel_deliveries().is_empty());
}

#[test]
fn ending_a_users_sessions_queues_one_token_per_session_and_uri() {
    let mut pair = pair_with(|config| {
        config
            .with_backchannel_logout_uri(CLIENT_ID, BACKCHANNEL_URI)
            .with_backchannel_logout_uri(CLIENT_ID, "http://localhost:8502/auth/backchannel-logout")
    });
    let (_, first) = log_in(&mut pair);
    let (_, second) = log_in(&mut pair);
    assert_ne!(first, second, "two logins a few seconds apart");
    let sub = pair.idp.config().users[0].sub.clone();

    assert_eq!(pair.idp.end_user_session(&sub, Some(&first), pair.now), 2);
    let sids: Vec<Value> = pair
        .idp
        .take_backchannel_deliveries()
        .iter()
        .map(|delivery| delivery.claims()["sid"].clone())
        .collect();
    assert_eq!(sids, [json!(first), json!(first)], "one token per URI");

    assert_eq!(pair.idp.end_user_session(&sub, None, pair.now), 2);
    let deliveries = pair.idp.take_backchannel_deliveries();
    assert!(
        deliveries
            .iter()
            .all(|d| d.claims()["sid"] == json!(second)),
        "only the session left: {deliveries:?}"
    );
    assert_eq!(pair.idp.end_user_session(&sub, None, pair.now), 0);
    assert_eq!(pair.idp.end_user_session("nobody", None, pair.now), 0);
}

#[test]
fn only_loopback_uris_are_delivered_to_and_a_refusal_is_recorded() {
    let cases = [
        ("http://127.0.0.1:8501/auth/backchannel-logout", true),
        ("http://127.3.2.1:8501/logout", true),
        ("http://[::1]:8501/logout", true),
        ("http://localhost:8501/logout", true),
        ("https://LOCALHOST/logout", true),
        ("http://app.test/auth/backchannel-logout", false),
        ("http://10.0.0.1:8501/logout", false),
        ("http://127.0.0.1.nip.io/logout", false),
        ("http://localhost.example.com/logout", false),
        ("ftp://127.0.0.1/logout", false),
        ("not a uri", false),
    ];
    for (uri, delivered) in cases {
        let mut pair = pair_with(|config| config.with_backchannel_logout_uri(CLIENT_ID, uri));
        let (id_token, _) = log_in(&mut pair);
        assert_eq!(end_session(&pair, &id_token), 302, "{uri}");
        let queued = pair.idp.take_backchannel_deliveries();
        let records = pair.idp.backchannel_deliveries();
        if delivered {
            assert_eq!(queued.len(), 1, "{uri}");
            assert!(records.is_empty(), "{uri}: {records:?}");
        } else {
            assert!(queued.is_empty(), "{uri}: {queued:?}");
            let [record] = records.as_slice() else {
                panic!("{uri}: one record: {records:?}");
            };
            assert_eq!(
                (record.uri.as_str(), record.attempts, &record.outcome),
                (uri, 0, &DeliveryOutcome::NotLoopback)
            );
            assert!(record.claims.contains_key("sid"), "{uri}: {record:?}");
        }
    }
}

#[test]
fn the_metadata_advertises_backchannel_logout_once_a_client_registered_a_uri() {
    let advertised = |pair: &Pair| -> Vec<Value> {
        let response = pair.send(&pair::get(&Pair::metadata_url()));
        let doc: Value = serde_json::from_slice(response.body()).expect("json");
        [
            "backchannel_logout_supported",
            "backchannel_logout_session_supported",
        ]
        .map(|field| doc[field].clone())
        .to_vec()
    };
    assert_eq!(advertised(&Pair::new()), [Value::Null, Value::Null]);
    assert_eq!(
        advertised(&pair_with_backchannel_uri()),
        [json!(true), json!(true)]
    );
}

/// A misbehavior that is on bends the delivered token as it bends `logout_token`'s, and the
/// core refuses it by the rule broken.
#[test]
fn a_misbehavior_bends_the_delivered_tokens_too() {
    let cases = [
        (Misbehavior::LogoutTokenWithNonce, LogoutTokenError::Nonce),
        (
            Misbehavior::LogoutTokenWithoutEvents,
            LogoutTokenError::Events,
        ),
        (Misbehavior::WrongAudience, LogoutTokenError::Audience),
        (Misbehavior::BadSignature, LogoutTokenError::Signature),
        (Misbehavior::Expired, LogoutTokenError::IssuedAt),
        (
            Misbehavior::LogoutTokenWithoutSidOrSub,
            LogoutTokenError::NoSessionOrSubject,
        ),
    ];
    for (misbehavior, expected) in cases {
        let mut pair = pair_with_backchannel_uri();
        let (id_token, _) = log_in(&mut pair);
        pair.misbehave(misbehavior.clone());
        assert_eq!(end_session(&pair, &id_token), 302, "{misbehavior:?}");
        let deliveries = pair.idp.take_backchannel_deliveries();
        let [delivery] = deliveries.as_slice() else {
            panic!("{misbehavior:?}: one delivery: {deliveries:?}");
        };
        pair.idp.behave();
        let refused = verdict(&pair, &delivery.logout_token);
        assert_eq!(refused.err(), Some(expected), "{misbehavior:?}");
    }
}

// The loopback server's deliveries.

/// The requests an app received at its back-channel logout route: `Content-Type` and body.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// An app on a free loopback port whose back-channel logout route answers `answers` in turn
/// (the last one again once they run out): its route's URI and what it received.
async fn app_answering(answers: Vec<(StatusCode, &'static str)>) -> (String, Received) {
    let received: Received = Arc::default();
    let seen = Arc::clone(&received);
    let answers = Arc::new(Mutex::new(answers));
    let route = axum::routing::post(move |headers: HeaderMap, body: String| {
        let seen = Arc::clone(&seen);
        let answers = Arc::clone(&answers);
        async move {
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            seen.lock().expect("lock").push((content_type, body));
            let mut answers = answers.lock().expect("lock");
            if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0]
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route("/auth/backchannel-logout", route);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/auth/backchannel-logout"), received)
}

/// The provider served on a free loopback port, its client `app` with `uri` registered.
fn served(uri: &str) -> doorman_devidp::Running {
    doorman_testkit::devidp::serve_on_loopback(|issuer| {
        DevIdpConfig::new(issuer)
            .for_client("app", "app-secret", "http://127.0.0.1:8501/oauth2callback")
            .with_backchannel_logout_uri("app", uri)
    })
}

fn now() -> SystemTime {
    SystemTime::now()
}

/// Logs Ada in at the served provider, in process (authorize, then the token endpoint), so
/// that the provider has a session of hers to end: its `sid`.
fn log_in_at(idp: &DevIdp) -> String {
    let redirect = "http://127.0.0.1:8501/oauth2callback";
    let mut authorize = Url::parse("http://127.0.0.1/authorize").expect("url");
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", "app")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "openid")
        .append_pair("state", "st")
        .append_pair("nonce", "n");
    let approved = idp.handle(&pair::get(&authorize), now());
    let back = Url::parse(approved.headers()["location"].to_str().expect("ascii")).expect("url");
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("redirect_uri", redirect)
        .append_pair("client_id", "app")
        .append_pair("client_secret", "app-secret")
        .finish();
    let token = idp.handle(
        &Request::post("http://127.0.0.1/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .expect("request"),
        now(),
    );
    let body: Value = serde_json::from_slice(token.body()).expect("json");
    let id_token = body["id_token"].as_str().expect("an ID token");
    let payload = id_token.split('.').nth(1).expect("a payload");
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64"),
    )
    .expect("claims");
    claims["sid"].as_str().expect("a sid").to_owned()
}

/// Ends Ada's session at `running`, and waits for `count` delivery records.
async fn end_adas_session(running: &doorman_devidp::Running, count: usize) -> Vec<DeliveryRecord> {
    log_in_at(&running.idp);
    assert_eq!(running.idp.end_user_session("ada", None, now()), count);
    running
        .wait_for_backchannel_deliveries(count, Duration::from_secs(15))
        .await
}

#[tokio::test]
async fn the_server_posts_the_token_as_a_form_and_records_the_apps_answer() {
    let (uri, received) = app_answering(vec![(StatusCode::OK, "")]).await;
    let running = served(&uri);
    let sid = log_in_at(&running.idp);
    assert_eq!(running.idp.end_user_session("ada", Some(&sid), now()), 1);
    let records = running
        .wait_for_backchannel_deliveries(1, Duration::from_secs(15))
        .await;
    let [record] = records.as_slice() else {
        panic!("one record: {records:?}");
    };
    assert_eq!(
        (record.uri.as_str(), record.status(), record.attempts),
        (uri.as_str(), Some(200), 1)
    );
    assert_eq!(record.claims["sid"], json!(sid));
    assert_eq!(record.claims["events"], json!({ EVENT: {} }));
    let received = received.lock().expect("lock").clone();
    let [(content_type, body)] = received.as_slice() else {
        panic!("one request: {received:?}");
    };
    assert_eq!(content_type, "application/x-www-form-urlencoded");
    let token = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .expect("a logout_token field");
    assert_eq!(token.split('.').count(), 3, "a compact JWS");
    assert!(
        running.idp.take_backchannel_deliveries().is_empty(),
        "the server took it"
    );
}

#[tokio::test]
async fn a_refusal_is_recorded_with_its_oauth_error_and_not_retried() {
    let refusal =
        r#"{"error":"invalid_request","error_description":"the logout token was used before"}"#;
    let (uri, received) = app_answering(vec![(StatusCode::BAD_REQUEST, refusal)]).await;
    let running = served(&uri);
    let records = end_adas_session(&running, 1).await;
    let [record] = records.as_slice() else {
        panic!("one record: {records:?}");
    };
    assert_eq!(record.attempts, 1);
    assert_eq!(
        record.outcome,
        DeliveryOutcome::Answered {
            status: 400,
            body: refusal.to_owned()
        }
    );
    assert_eq!(received.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_5xx_is_retried_once() {
    let cases = [
        (
            vec![(StatusCode::SERVICE_UNAVAILABLE, ""), (StatusCode::OK, "")],
            200,
        ),
        (vec![(StatusCode::INTERNAL_SERVER_ERROR, "still down")], 500),
    ];
    for (answers, last) in cases {
        let (uri, received) = app_answering(answers).await;
        let running = served(&uri);
        let records = end_adas_session(&running, 1).await;
        let [record] = records.as_slice() else {
            panic!("one record: {records:?}");
        };
        assert_eq!((record.status(), record.attempts), (Some(last), 2));
        assert_eq!(received.lock().expect("lock").len(), 2, "never a third");
    }
}

#[tokio::test]
async fn an_app_that_is_not_listening_is_recorded_as_unanswered_after_one_retry() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr: SocketAddr = closed.local_addr().expect("addr");
    drop(closed);
    let running = served(&format!("http://{addr}/auth/backchannel-logout"));
    let records = end_adas_session(&running, 1).await;
    let [record] = records.as_slice() else {
        panic!("one record: {records:?}");
    };
    assert_eq!(record.attempts, 2);
    let DeliveryOutcome::Unanswered(why) = &record.outcome else {
        panic!("unanswered: {record:?}");
    };
    assert!(!why.is_empty());
}

#[test]
fn a_provider_nobody_logged_in_at_has_no_session_to_end() {
    // A provider nobody logged in at has no session to end, whenever it is asked.
    let idp = DevIdp::new(
        DevIdpConfig::new(Url::parse(pair::ISSUER).expect("url"))
            .with_backchannel_logout_uri("app", BACKCHANNEL_URI),
    );
    assert_eq!(idp.end_user_session("ada", None, UNIX_EPOCH), 0);
    assert!(idp.take_backchannel_deliveries().is_empty());
}

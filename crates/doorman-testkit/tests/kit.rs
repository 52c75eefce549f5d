//! The testkit's own pieces against the development provider: a provider set up for a
//! client approves a login and sends the browser back to the client's redirect URI, which
//! the redirect-following helpers walk; the pair logs in in process; the fault proxy passes
//! the provider's answers on, breaks the faulted path's, and refuses connections when stopped.

use std::time::SystemTime;

use doorman_devidp::DevIdpConfig;
use doorman_oidc::{ClientConfig, ProviderMetadata};
use doorman_testkit::browser::{client, follow, location};
use doorman_testkit::devidp::{ForClient as _, serve_on_loopback};
use doorman_testkit::faults::{Fault, FaultProxy};
use doorman_testkit::pair::{self, Pair, entropy, get};
use url::Url;

#[test]
fn for_client_registers_one_client_and_approves_at_once() {
    let config = DevIdpConfig::new(Url::parse("http://idp.test").expect("url"))
        .for_client("app", "secret", "http://app.test/cb")
        .with_post_logout_redirect_uri("http://app.test/");
    assert!(config.auto_approve);
    let [client] = config.clients.as_slice() else {
        panic!("one client: {:?}", config.clients.len());
    };
    assert_eq!(client.client_id, "app");
    assert_eq!(client.client_secret, "secret");
    assert_eq!(client.redirect_uris, ["http://app.test/cb"]);
    assert_eq!(client.post_logout_redirect_uris, ["http://app.test/"]);
}

#[tokio::test]
async fn a_login_at_a_provider_on_loopback_is_followed_back_to_the_redirect_uri() {
    let mut redirect_uri = String::new();
    let idp = serve_on_loopback(|issuer| {
        // The provider's own metadata stands in for the app: a page that answers 200.
        redirect_uri = format!("{issuer}.well-known/openid-configuration");
        DevIdpConfig::new(issuer).for_client("app", "secret", &redirect_uri)
    });
    let metadata_url = Url::parse(&idp.idp.config().metadata_url()).expect("url");
    let now = SystemTime::now();
    let metadata =
        ProviderMetadata::from_response(&metadata_url, &idp.idp.handle(&get(&metadata_url), now))
            .expect("metadata");
    let config = ClientConfig::new(
        "dev",
        "app",
        "secret",
        Url::parse(&redirect_uri).expect("url"),
    );
    let (authorize, _pending) = doorman_oidc::begin(&config, &metadata, &entropy(1), now);

    let (visited, response) = follow(&client(), authorize.as_str()).await;
    assert_eq!(response.status(), 200, "{visited:?}");
    assert_eq!(visited.len(), 2, "{visited:?}");
    assert_eq!(visited[0], authorize.as_str());
    assert!(
        visited[1].starts_with(&format!("{redirect_uri}?code=")),
        "{visited:?}"
    );

    let again = client()
        .get(authorize.as_str())
        .send()
        .await
        .expect("authorize");
    assert!(
        location(&again).starts_with(&format!("{redirect_uri}?code=")),
        "{}",
        location(&again)
    );
}

#[test]
fn the_pair_logs_in_in_process_and_hands_the_callback_its_query() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let (_, _, query) = pair.authorize(&metadata);
    assert!(query.starts_with("code="), "{query}");
    let outcome = pair.login();
    assert!(outcome.result.is_ok(), "{:?}", outcome.result.err());
    assert_eq!(outcome.jwks_fetches, 0);
    assert_eq!(pair.userinfo_calls(), 1);
    assert_eq!(pair::CLIENT_ID, pair.config.client_id());
}

#[tokio::test]
async fn the_fault_proxy_forwards_breaks_the_faulted_path_and_refuses_when_stopped() {
    let proxy = FaultProxy::start().await.expect("the proxy listens");
    let idp = serve_on_loopback(DevIdpConfig::new);
    proxy.forward_to(idp.addr);
    let http = client();
    let metadata = format!("{}/.well-known/openid-configuration", proxy.url());
    let jwks = format!("{}/jwks", proxy.url());
    let status = |url: &str| {
        let request = http.get(url).send();
        async move { request.await.map(|response| response.status().as_u16()) }
    };
    assert_eq!(status(&jwks).await.expect("forwarded"), 200);

    proxy.inject("/jwks", Fault::ServerError);
    assert_eq!(
        status(&jwks).await.expect("answered"),
        500,
        "the faulted path"
    );
    assert_eq!(status(&metadata).await.expect("answered"), 200, "any other");
    proxy.inject("/jwks", Fault::Truncated);
    let truncated = http.get(&jwks).send().await.expect("headers");
    assert!(truncated.bytes().await.is_err(), "the body breaks off");
    assert_eq!(proxy.hits("/jwks"), 2);
    proxy.heal();
    assert_eq!(status(&jwks).await.expect("healed"), 200);

    proxy.stop().await;
    let refused = status(&jwks).await.expect_err("stopped");
    assert!(refused.is_connect(), "refused: {refused}");
    proxy.restart().await.expect("listens again");
    assert_eq!(status(&jwks).await.expect("restarted"), 200);

    proxy.stop_after("/.well-known/openid-configuration");
    assert_eq!(status(&metadata).await.expect("answered, then down"), 200);
    assert!(!proxy.is_listening());
    let refused = status(&jwks).await.expect_err("down after the metadata");
    assert!(refused.is_connect(), "refused: {refused}");
}

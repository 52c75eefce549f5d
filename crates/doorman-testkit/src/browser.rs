//! A browser's part in a login, over real HTTP: a client with a cookie jar that does not
//! follow redirects by itself, so each step can be looked at, and helpers that follow them
//! one at a time.

use reqwest::{Client, Response, Url};

/// A client with a cookie jar that does not follow redirects.
///
/// # Panics
/// When reqwest cannot build a client.
#[must_use]
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// Where `response` sends the browser: its `Location` header, as sent (possibly relative).
///
/// # Panics
/// When `response` has no `Location`, or one that is not ASCII.
#[must_use]
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| {
            panic!(
                "{} {} sends the browser nowhere",
                response.status(),
                response.url()
            )
        })
        .to_str()
        .expect("an ASCII Location")
        .to_owned()
}

/// Follows redirects from `start` one at a time with `client`: the URLs visited (`start`
/// first) and the first response that is not a redirect.
///
/// # Panics
/// When a request fails, a `Location` is not a URL, or there are ten redirects.
pub async fn follow(client: &Client, start: &str) -> (Vec<String>, Response) {
    let mut url = Url::parse(start).expect("a URL to start from");
    let mut visited = vec![url.to_string()];
    loop {
        let response = client.get(url.clone()).send().await.expect("a response");
        if !response.status().is_redirection() {
            return (visited, response);
        }
        url = url.join(&location(&response)).expect("a Location URL");
        visited.push(url.to_string());
        assert!(visited.len() < 10, "redirect loop: {visited:?}");
    }
}

/// Takes `login` (the app's redirect to an auto-approving provider) through the provider,
/// and returns the app's callback response, not followed.
///
/// # Panics
/// When a step is not a redirect or a request fails.
pub async fn through_provider(client: &Client, login: &Response) -> Response {
    let at_provider = client
        .get(location(login))
        .send()
        .await
        .expect("the provider answers");
    client
        .get(location(&at_provider))
        .send()
        .await
        .expect("the callback answers")
}

//! The HTTP client for provider calls: rustls, timeouts, no redirects, a cap on body size.

use std::time::Duration;

use crate::error::AuthError;

/// The largest provider response read.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// How long a provider call may take in all.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a provider call failed, without the response's content.
#[derive(Debug)]
pub(crate) struct CallError(pub(crate) String);

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sends the request values the core builds.
#[derive(Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub(crate) fn new() -> Result<Self, AuthError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("doorman/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::HttpClient(e.to_string()))?;
        Ok(Self { client })
    }

    /// Sends one request and reads at most [`MAX_RESPONSE_BYTES`] of the answer.
    pub(crate) async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, CallError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| CallError(format!("bad request: {e}")))?;
        let url = request.url().clone();
        let mut response = self.client.execute(request).await.map_err(|e| {
            CallError(format!(
                "{} {}: {}",
                url.host_str().unwrap_or("?"),
                url.path(),
                describe(&e)
            ))
        })?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| CallError(format!("reading {}: {}", url.path(), describe(&e))))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(CallError(format!(
                    "{} answered more than {MAX_RESPONSE_BYTES} bytes",
                    url.path()
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(body);
        *out.status_mut() = status;
        *out.headers_mut() = response.headers().clone();
        Ok(out)
    }
}

fn describe(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}

//! Provider calls: [`Transport`] sends the requests the core builds, in production with
//! [`HttpClient`] (rustls, timeouts, no redirects, a cap on body size), in tests to a
//! provider answering in process on the adapter's virtual clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::error::AuthError;
use crate::options::AuthOptions;

/// The largest provider response read.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// How long a provider call may take in all, unless [`AuthOptions::provider_timeout`] says.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take, at most: never longer than the whole call may.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a provider call failed, without the response's content.
#[derive(Debug)]
pub(crate) struct CallError(pub(crate) String);

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A provider answering in process: the response to a request at a time, or `None` when
/// nothing answers at its address (a test's `DevIdp::handle`).
pub(crate) type Answer =
    dyn Fn(&http::Request<Vec<u8>>, SystemTime) -> Option<http::Response<Vec<u8>>> + Send + Sync;

/// Where provider calls go.
#[derive(Clone)]
pub(crate) enum Transport {
    /// Over the network: production.
    Network(HttpClient),
    /// To a provider in the same process, at the adapter's (virtual) time: tests only
    /// ([`crate::testing`]).
    InProcess {
        /// The provider.
        answer: Arc<Answer>,
        /// The adapter's clock, so that both sides of a test share one time.
        clock: Clock,
    },
}

impl Transport {
    /// Sends one request; at most [`MAX_RESPONSE_BYTES`] of the answer are read.
    pub(crate) async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, CallError> {
        match self {
            Self::Network(client) => client.send(request).await,
            Self::InProcess { answer, clock } => {
                let response = answer(&request, clock.now()).ok_or_else(|| {
                    CallError(format!(
                        "{} {}: connection failed",
                        request.uri().host().unwrap_or("?"),
                        request.uri().path()
                    ))
                })?;
                if response.body().len() > MAX_RESPONSE_BYTES {
                    return Err(CallError(format!(
                        "{} answered more than {MAX_RESPONSE_BYTES} bytes",
                        request.uri().path()
                    )));
                }
                Ok(response)
            }
        }
    }
}

/// Sends the request values the core builds over the network.
#[derive(Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    /// The client of `options`: its [`AuthOptions::provider_timeout`], else
    /// [`REQUEST_TIMEOUT`], for each call in all.
    pub(crate) fn new(options: &AuthOptions) -> Result<Self, AuthError> {
        let timeout = options.provider_timeout.unwrap_or(REQUEST_TIMEOUT);
        if timeout.is_zero() {
            return Err(AuthError::HttpClient(
                "`provider_timeout` must be more than zero".to_owned(),
            ));
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
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
        // An answer that announces more than the cap is refused before a byte of it is read.
        if response
            .content_length()
            .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
        {
            return Err(CallError(format!(
                "{} announced more than {MAX_RESPONSE_BYTES} bytes",
                url.path()
            )));
        }
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
    } else if error.is_body() || error.is_decode() {
        "the answer broke off before its end"
    } else {
        "request failed"
    }
}

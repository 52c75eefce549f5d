//! The loopback server: the same [`DevIdp::handle`] behind a socket, for the demo and for
//! tests that go through a real HTTP client; and its deliverer, which posts the back-channel
//! logout tokens the provider queues to the clients' loopback URIs (reqwest: a form `POST`,
//! a few seconds' timeout, one retry at most) and records what each app answered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::response::Response;

use crate::provider::{BackchannelDelivery, DeliveryOutcome, DeliveryRecord, DevIdp};
use crate::provider::{LOCALHOST, is_loopback_uri};

/// The largest request body the server reads.
const MAX_BODY: usize = 64 * 1024;

/// How long the deliverer waits for an app to answer a logout token, per attempt.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the deliverer waits before its one retry, after no answer or a `5xx`.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// The most of an app's answer to a logout token that is kept.
const MAX_ANSWER: usize = 16 * 1024;

/// How often [`Running::wait_for_backchannel_deliveries`] looks at the records.
const DELIVERY_POLL: Duration = Duration::from_millis(20);

/// Why the server could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The address is not a loopback address: the development provider refuses to be reachable
    /// from another machine.
    NotLoopback(SocketAddr),
    /// Binding failed.
    Bind(std::io::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoopback(addr) => write!(
                f,
                "the development provider binds to loopback only, not {addr}"
            ),
            Self::Bind(e) => write!(f, "cannot bind the development provider: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// A running provider: its address, and a handle to stop it.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The provider, to switch misbehaviors and read recorded requests.
    pub idp: Arc<DevIdp>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Posts the logout tokens the provider queues; stopped with the server.
    deliverer: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.deliverer.abort();
    }
}

impl Running {
    /// The records of the back-channel logout deliveries ([`DevIdp::backchannel_deliveries`])
    /// once there are `count` of them, or as they are when `within` has passed: deliveries
    /// happen after the request or call that ended the session returns.
    pub async fn wait_for_backchannel_deliveries(
        &self,
        count: usize,
        within: Duration,
    ) -> Vec<DeliveryRecord> {
        let deadline = Instant::now() + within;
        loop {
            let records = self.idp.backchannel_deliveries();
            if records.len() >= count || Instant::now() >= deadline {
                return records;
            }
            tokio::time::sleep(DELIVERY_POLL).await;
        }
    }
}

/// Binds `listener` (which must be on loopback) and serves `idp` until the returned handle
/// is dropped; meanwhile it posts the back-channel logout tokens `idp` queues
/// ([`DevIdp::end_user_session`]) to their loopback URIs and records the answers.
///
/// # Errors
/// [`ServeError::NotLoopback`] for any other address; [`ServeError::Bind`].
pub fn serve(listener: std::net::TcpListener, idp: Arc<DevIdp>) -> Result<Running, ServeError> {
    let addr = listener.local_addr().map_err(ServeError::Bind)?;
    if !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr));
    }
    listener.set_nonblocking(true).map_err(ServeError::Bind)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Bind)?;
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&idp));
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "development provider stopped");
        }
    });
    let deliverer = tokio::spawn(deliver_logout_tokens(Arc::clone(&idp)));
    tracing::info!(%addr, "development provider listening");
    Ok(Running {
        addr,
        idp,
        shutdown: Some(shutdown),
        deliverer,
    })
}

async fn answer(State(idp): State<Arc<DevIdp>>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.unwrap_or_default().to_vec();
    let request = http::Request::from_parts(parts, body);
    if let Some(delay) = idp.delay_for(request.uri().path()) {
        tokio::time::sleep(delay).await;
    }
    let response = idp.handle(&request, SystemTime::now());
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::from(body))
}

/// Posts each logout token `idp` queues, as it is queued, each on its own task, and records
/// what came of it.
async fn deliver_logout_tokens(idp: Arc<DevIdp>) {
    // `localhost` goes to loopback whatever the system's resolver says (the port is the
    // URI's); no proxy and no redirect takes a token anywhere else.
    let localhost = LOCALHOST.map(|ip| SocketAddr::new(ip, 0));
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .resolve_to_addrs("localhost", &localhost)
        .build()
        .map_err(|e| format!("the provider's HTTP client cannot be built: {e}"));
    loop {
        idp.backchannel_queued().await;
        for delivery in idp.take_backchannel_deliveries() {
            let idp = Arc::clone(&idp);
            let client = client.clone();
            tokio::spawn(async move {
                let (attempts, outcome) = match &client {
                    Ok(client) => post_logout_token(client, &delivery).await,
                    Err(why) => (0, DeliveryOutcome::Unanswered(why.clone())),
                };
                match &outcome {
                    DeliveryOutcome::Answered { status, .. } => tracing::info!(
                        client = %delivery.client_id,
                        uri = %delivery.uri,
                        status,
                        attempts,
                        "devidp delivered a back-channel logout token"
                    ),
                    other => tracing::warn!(
                        client = %delivery.client_id,
                        uri = %delivery.uri,
                        outcome = ?other,
                        attempts,
                        "devidp could not deliver a back-channel logout token"
                    ),
                }
                idp.record_delivery(&delivery, attempts, outcome);
            });
        }
    }
}

/// Posts `delivery` (a second time after [`RETRY_PAUSE`] when the first attempt had no
/// answer or a `5xx`): how many attempts it took, and the last one's outcome.
async fn post_logout_token(
    client: &reqwest::Client,
    delivery: &BackchannelDelivery,
) -> (u8, DeliveryOutcome) {
    // Checked when it was queued; checked again, as this is what keeps the provider on
    // loopback.
    if !is_loopback_uri(&delivery.uri) {
        return (0, DeliveryOutcome::NotLoopback);
    }
    let mut why = String::new();
    for attempt in 1..=2u8 {
        if attempt > 1 {
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        let sent = client
            .post(delivery.uri.as_str())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(delivery.form_body())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = read_capped(response).await;
                if status < 500 || attempt == 2 {
                    return (attempt, DeliveryOutcome::Answered { status, body });
                }
            }
            Err(e) => why = describe(&e),
        }
    }
    (2, DeliveryOutcome::Unanswered(why))
}

/// The first [`MAX_ANSWER`] bytes of `response`'s body, as text; what arrived before an
/// error.
async fn read_capped(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ANSWER {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(MAX_ANSWER);
    String::from_utf8_lossy(&body).into_owned()
}

/// Why a delivery got no answer: a timeout, or the error and its causes.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s", DELIVERY_TIMEOUT.as_secs());
    }
    let mut why = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        why.push_str(": ");
        why.push_str(&cause.to_string());
        source = cause.source();
    }
    why
}

//! The loopback server: the same [`DevIdp::handle`] behind a socket, for the demo and for
//! tests that go through a real HTTP client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::response::Response;

use crate::provider::DevIdp;

/// The largest request body the server reads.
const MAX_BODY: usize = 64 * 1024;

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
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Binds `listener` (which must be on loopback) and serves `idp` until the returned handle
/// is dropped.
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
    tracing::info!(%addr, "development provider listening");
    Ok(Running {
        addr,
        idp,
        shutdown: Some(shutdown),
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

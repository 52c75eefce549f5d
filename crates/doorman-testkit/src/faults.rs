//! A fault-injecting HTTP/1.1 proxy for loopback tests: it stands where a provider's issuer
//! URL points, forwards every request to the provider behind it, and, on the paths a test
//! names, breaks the answer on the way back as a network or a failing server would.
//!
//! The proxy changes no protocol content: a [`Fault`] is a transport fault (the answer held
//! back, a `500` in its place, its body replaced by bytes that are no document, padded past a
//! client's cap, cut short or stalled halfway, or labelled with another content type).
//! "Down" is the proxy not listening at all, so a client's connection is refused:
//! [`FaultProxy::stop`] now, or [`FaultProxy::stop_after`] a given path was answered (for a
//! call that follows another in the same client operation, such as the keys after the
//! metadata); [`FaultProxy::restart`] listens again on the same port.
//!
//! Every answer carries `Connection: close`, so no client keeps a connection the proxy could
//! not refuse later: a stopped proxy refuses every next request.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The largest request head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body the proxy reads.
const MAX_BODY: usize = 1024 * 1024;

/// What the proxy does to the answer of a path, instead of passing it on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The answer is held back this long before its first byte, then sent whole.
    Slow(Duration),
    /// The answer's headers and half its body at once, the rest only after this long.
    Stalled(Duration),
    /// `500 Internal Server Error` with a short text body, instead of the answer.
    ServerError,
    /// The answer's status and headers, with a body of bytes that are neither JSON nor a JWT.
    Garbage,
    /// The answer's own document followed by spaces up to `len` bytes in all: still the same
    /// JSON, only too big for a client that caps what it reads; with its `Content-Length` when
    /// `announced`, else without one, ended by the connection's close (so a client can only
    /// tell by counting).
    Huge {
        /// The body's length.
        len: usize,
        /// Whether the headers say how long it is.
        announced: bool,
    },
    /// The answer's headers with the body's full `Content-Length`, half the body, then the
    /// connection closed.
    Truncated,
    /// The answer with this `Content-Type` instead of its own.
    ContentType(&'static str),
}

/// A proxy on a free loopback port; see the module's documentation. Stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Where the proxy listens, and listens again after a restart.
    addr: SocketAddr,
    client: reqwest::Client,
    upstream: Mutex<Option<SocketAddr>>,
    faults: Mutex<HashMap<String, Fault>>,
    /// How many requests to each path were faulted (or, for `stop_after`, answered and then
    /// followed by the stop).
    hits: Mutex<HashMap<String, usize>>,
    stop_after: Mutex<Option<String>>,
    /// The accept loop, while listening.
    listening: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FaultProxy {
    /// Listens on a free loopback port. Nothing is forwarded (a `502` answers) until
    /// [`FaultProxy::forward_to`]. Call it inside a tokio runtime.
    ///
    /// # Errors
    /// When no loopback port can be bound, or no HTTP client built.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .map_err(io::Error::other)?;
        let shared = Arc::new(Shared {
            addr: listener.local_addr()?,
            client,
            upstream: Mutex::new(None),
            faults: Mutex::new(HashMap::new()),
            hits: Mutex::new(HashMap::new()),
            stop_after: Mutex::new(None),
            listening: Mutex::new(None),
        });
        Shared::listen(&shared, listener);
        Ok(Self { shared })
    }

    /// Where the proxy listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT`: the issuer a provider behind the proxy announces.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Forwards from now on to the server at `upstream` (a provider restarted elsewhere, say).
    pub fn forward_to(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = Some(upstream);
    }

    /// Breaks every later answer to `path` (the request's path, without its query) with
    /// `fault`, until [`FaultProxy::heal`].
    pub fn inject(&self, path: &str, fault: Fault) {
        lock(&self.shared.faults).insert(path.to_owned(), fault);
    }

    /// Passes every answer on again, and forgets a pending [`FaultProxy::stop_after`].
    pub fn heal(&self) {
        lock(&self.shared.faults).clear();
        *lock(&self.shared.stop_after) = None;
    }

    /// How many requests to `path` met their fault (or the stop they triggered).
    #[must_use]
    pub fn hits(&self, path: &str) -> usize {
        lock(&self.shared.hits).get(path).copied().unwrap_or(0)
    }

    /// Stops listening: every connection from now on is refused, until
    /// [`FaultProxy::restart`].
    pub async fn stop(&self) {
        self.shared.stop().await;
    }

    /// Answers the next request to `path`, but stops listening before that answer leaves, so
    /// whatever the client asks next is refused.
    pub fn stop_after(&self, path: &str) {
        *lock(&self.shared.stop_after) = Some(path.to_owned());
    }

    /// Whether the proxy is listening.
    #[must_use]
    pub fn is_listening(&self) -> bool {
        lock(&self.shared.listening).is_some()
    }

    /// Listens again on the same port (nothing if it listens).
    ///
    /// # Errors
    /// When the port cannot be bound again.
    pub async fn restart(&self) -> io::Result<()> {
        if self.is_listening() {
            return Ok(());
        }
        let listener = TcpListener::bind(self.shared.addr).await?;
        Shared::listen(&self.shared, listener);
        Ok(())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(accepting) = lock(&self.shared.listening).take() {
            accepting.abort();
        }
    }
}

/// A request as read from the client.
struct Request {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }
}

/// An answer to send back.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
            body: text.as_bytes().to_vec(),
        }
    }

    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The status line and headers, declaring `content_length` bytes of body (none: the body
    /// ends when the connection closes).
    fn head(&self, content_length: Option<usize>) -> Vec<u8> {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("Unknown");
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(length) = content_length {
            head.push_str(&format!("content-length: {length}\r\n"));
        }
        head.push_str("connection: close\r\n\r\n");
        head.into_bytes()
    }
}

/// Headers the proxy sets itself, never passed on.
fn hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "host",
    ]
    .iter()
    .any(|hop| name.eq_ignore_ascii_case(hop))
}

impl Shared {
    fn listen(shared: &Arc<Self>, listener: TcpListener) {
        let this = Arc::clone(shared);
        let accepting = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let this = Arc::clone(&this);
                        tokio::spawn(async move { this.serve(stream).await });
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        *lock(&shared.listening) = Some(accepting);
    }

    async fn stop(&self) {
        let accepting = lock(&self.listening).take();
        if let Some(accepting) = accepting {
            accepting.abort();
            // Once the loop is dropped, so is its listener: the port refuses from here on.
            let _ = accepting.await;
        }
    }

    /// One connection: one request, one answer, then closed.
    async fn serve(self: Arc<Self>, mut stream: TcpStream) {
        let Ok(Some(request)) = read_request(&mut stream).await else {
            return;
        };
        let path = request.path().to_owned();
        let fault = lock(&self.faults).get(&path).cloned();
        let answer = self.forward(&request).await;
        let stops = {
            let mut stop_after = lock(&self.stop_after);
            let stops = stop_after.as_deref() == Some(path.as_str());
            if stops {
                *stop_after = None;
            }
            stops
        };
        if fault.is_some() || stops {
            *lock(&self.hits).entry(path).or_default() += 1;
        }
        if stops {
            self.stop().await;
        }
        let _ = send(&mut stream, answer, fault).await;
    }

    /// The upstream server's answer to `request`, or a `502` saying why there is none.
    async fn forward(&self, request: &Request) -> Answer {
        let Some(upstream) = *lock(&self.upstream) else {
            return Answer::text(502, "the fault proxy forwards nowhere yet");
        };
        let Ok(method) = reqwest::Method::from_bytes(request.method.as_bytes()) else {
            return Answer::text(400, "not an HTTP method");
        };
        let mut outgoing = self
            .client
            .request(method, format!("http://{upstream}{}", request.target))
            .body(request.body.clone());
        for (name, value) in &request.headers {
            if !hop_by_hop(name) {
                outgoing = outgoing.header(name.as_str(), value.as_str());
            }
        }
        let Ok(response) = outgoing.send().await else {
            return Answer::text(502, "the server behind the fault proxy did not answer");
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| !hop_by_hop(name.as_str()))
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect();
        match response.bytes().await {
            Ok(body) => Answer {
                status,
                headers,
                body: body.to_vec(),
            },
            Err(_) => Answer::text(502, "the server behind the fault proxy broke off"),
        }
    }
}

/// Reads one request: its head up to [`MAX_HEAD`], then its `Content-Length` of body up to
/// [`MAX_BODY`]. `None` when the client closed before a whole request.
async fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut buffer = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD {
            return Err(io::Error::other("request head too large"));
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target)) = (request_line.next(), request_line.next()) else {
        return Err(io::Error::other("no request line"));
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Ok(Some(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    }))
}

/// Sends `answer`, broken by `fault` when there is one, and closes the connection.
async fn send(stream: &mut TcpStream, mut answer: Answer, fault: Option<Fault>) -> io::Result<()> {
    let bytes = match fault {
        None => [answer.head(Some(answer.body.len())), answer.body].concat(),
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            [answer.head(Some(answer.body.len())), answer.body].concat()
        }
        Some(Fault::Stalled(delay)) => {
            let half = answer.body.len() / 2;
            stream
                .write_all(&answer.head(Some(answer.body.len())))
                .await?;
            stream.write_all(&answer.body[..half]).await?;
            stream.flush().await?;
            tokio::time::sleep(delay).await;
            answer.body[half..].to_vec()
        }
        Some(Fault::ServerError) => {
            let error = Answer::text(500, "injected fault: internal server error");
            [error.head(Some(error.body.len())), error.body].concat()
        }
        Some(Fault::Garbage) => {
            let garbage = b"\x00\xff<html>\x7f{\"not\": json".to_vec();
            [answer.head(Some(garbage.len())), garbage].concat()
        }
        Some(Fault::Huge { len, announced }) => {
            let mut body = std::mem::take(&mut answer.body);
            let padding = len.saturating_sub(body.len());
            body.extend(std::iter::repeat_n(b' ', padding));
            [answer.head(announced.then_some(body.len())), body].concat()
        }
        Some(Fault::Truncated) => {
            let half = answer.body.len() / 2;
            [
                answer.head(Some(answer.body.len())),
                answer.body[..half].to_vec(),
            ]
            .concat()
        }
        Some(Fault::ContentType(content_type)) => {
            answer.set_header("content-type", content_type);
            [answer.head(Some(answer.body.len())), answer.body].concat()
        }
    };
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

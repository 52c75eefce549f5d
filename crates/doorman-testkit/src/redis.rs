//! [`RedisServer`]: a real `redis-server` (Debian's, which `.ci/run` and `cargo xtask test`
//! install) started by a test on a free loopback port, in a temporary folder of its own, with
//! nothing saved to disk; stopped, restarted on the same port, and killed when dropped. A
//! test never talks to a Redis it did not start.
//!
//! [`RedisFaultProxy`]: a TCP proxy on a free loopback port in front of such a server, whose
//! [`Link`] a test switches to break the connection as a network or a failing peer would:
//! connections refused and cut, replies held back, replaced by bytes that are not RESP, or
//! cut in half with the connection closed. It forwards bytes and never reads the protocol.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a started server may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` this test started.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free loopback port.
    ///
    /// # Panics
    /// When `redis-server` is missing (`apt-get install redis-server`, which
    /// `cargo xtask test` does) or does not listen within ten seconds.
    #[must_use]
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("a free loopback port");
        let dir = std::env::temp_dir().join(format!("doorman-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the server's folder");
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.restart();
        server
    }

    /// The URL an app is given: `redis://127.0.0.1:PORT/0`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Stops the server (killed, as a crash would): its data is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty (stopping it first if it runs).
    ///
    /// # Panics
    /// As [`RedisServer::start`].
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server runs (apt-get install redis-server; cargo xtask test installs it)",
            );
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect_timeout(&self.addr(), Duration::from_millis(100)).is_err() {
            assert!(
                started.elapsed() < START_TIMEOUT,
                "redis-server did not listen on {} within {START_TIMEOUT:?}",
                self.addr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a [`RedisFaultProxy`] does with the link between a client and the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// Bytes pass both ways, and replies held back before are let through first.
    Pass,
    /// Down: nothing listens (connections are refused) and open connections are closed.
    Refused,
    /// Slow: requests reach the server, its replies are held back until the link passes again.
    Held,
    /// Each reply is replaced by bytes that are not RESP; the connection stays open.
    Garbage,
    /// The first half of the next reply, then the connection closed.
    Truncated,
}

/// The bytes a [`Link::Garbage`] proxy sends instead of a reply: no RESP type starts with a
/// zero byte.
const GARBAGE: &[u8] = b"\x00\xffgarbage, not a reply\x7f\r\n";

/// A TCP proxy in front of a [`RedisServer`]; see the module's documentation. A client is
/// given [`RedisFaultProxy::url`] instead of the server's. Stops when dropped.
#[derive(Debug)]
pub struct RedisFaultProxy {
    shared: Arc<ProxyShared>,
}

#[derive(Debug)]
struct ProxyShared {
    addr: SocketAddr,
    upstream: SocketAddr,
    link: watch::Sender<Link>,
    /// How many replies were held, replaced or cut.
    met: AtomicUsize,
    /// The accept loop, while listening.
    listening: Mutex<Option<JoinHandle<()>>>,
}

impl RedisFaultProxy {
    /// Listens on a free loopback port, passing bytes to and from `server`. Call it inside a
    /// tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    #[must_use]
    pub fn start(server: &RedisServer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(ProxyShared {
            addr,
            upstream: server.addr(),
            link: watch::Sender::new(Link::Pass),
            met: AtomicUsize::new(0),
            listening: Mutex::new(None),
        });
        ProxyShared::listen(&shared, listener);
        Self { shared }
    }

    /// The URL a client is given: `redis://127.0.0.1:PORT/0`, the proxy's port.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://{}/0", self.shared.addr)
    }

    /// Switches the link: from now on, on every connection and every new one.
    ///
    /// # Panics
    /// When the proxy's port cannot be bound again after [`Link::Refused`].
    pub fn set(&self, link: Link) {
        self.shared.link.send_replace(link);
        let mut listening = self.shared.accepting();
        match (link, listening.is_some()) {
            (Link::Refused, true) => {
                if let Some(accepting) = listening.take() {
                    // Aborted, the loop drops its listener: the port refuses from here on.
                    accepting.abort();
                }
            }
            (Link::Refused, false) | (_, true) => {}
            (_, false) => {
                drop(listening);
                let listener = TcpListener::bind(self.shared.addr).expect("the proxy's port");
                ProxyShared::listen(&self.shared, listener);
            }
        }
    }

    /// How many replies were held back, replaced or cut: whether the fault was met.
    #[must_use]
    pub fn met(&self) -> usize {
        self.shared.met.load(Ordering::Acquire)
    }
}

impl Drop for RedisFaultProxy {
    fn drop(&mut self) {
        self.shared.link.send_replace(Link::Refused);
        let accepting = self.shared.accepting().take();
        if let Some(accepting) = accepting {
            accepting.abort();
        }
    }
}

impl ProxyShared {
    /// The accept loop, while listening.
    fn accepting(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        self.listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn listen(shared: &Arc<Self>, listener: TcpListener) {
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        let this = Arc::clone(shared);
        let accepting = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((client, _)) => {
                        let this = Arc::clone(&this);
                        tokio::spawn(async move { this.serve(client).await });
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        *shared.accepting() = Some(accepting);
    }

    /// One connection, until either side closes or the link is refused.
    async fn serve(self: Arc<Self>, client: tokio::net::TcpStream) {
        let Ok(server) = tokio::net::TcpStream::connect(self.upstream).await else {
            return;
        };
        let (mut client_reads, mut client_writes) = client.into_split();
        let (mut server_reads, mut server_writes) = server.into_split();
        let mut link = self.link.subscribe();
        let requests = async {
            // Requests always reach the server: a held link holds only its replies.
            let _ = tokio::io::copy(&mut client_reads, &mut server_writes).await;
        };
        let replies = async {
            let mut held = Vec::new();
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                let now = *link.borrow_and_update();
                match now {
                    Link::Refused => return,
                    Link::Pass if !held.is_empty() => {
                        if client_writes.write_all(&held).await.is_err() {
                            return;
                        }
                        held.clear();
                    }
                    _ => {}
                }
                let read = tokio::select! {
                    read = server_reads.read(&mut chunk) => read,
                    changed = link.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        continue;
                    }
                };
                let Ok(read @ 1..) = read else { return };
                let reply = &chunk[..read];
                let now = *link.borrow();
                let sent = match now {
                    Link::Refused => return,
                    Link::Pass => client_writes.write_all(reply).await,
                    Link::Held => {
                        self.met.fetch_add(1, Ordering::AcqRel);
                        held.extend_from_slice(reply);
                        Ok(())
                    }
                    Link::Garbage => {
                        self.met.fetch_add(1, Ordering::AcqRel);
                        client_writes.write_all(GARBAGE).await
                    }
                    Link::Truncated => {
                        self.met.fetch_add(1, Ordering::AcqRel);
                        let _ = client_writes.write_all(&reply[..reply.len() / 2]).await;
                        return;
                    }
                };
                if sent.is_err() {
                    return;
                }
            }
        };
        // Whichever ends first closes both sides.
        tokio::select! {
            () = requests => {}
            () = replies => {}
        }
    }
}

//! [`RedisServer`]: a real `redis-server` (Debian's, which `.ci/run` and `cargo xtask test`
//! install) started by a test on a free loopback port, in a temporary folder of its own, with
//! nothing saved to disk; stopped, restarted on the same port, and killed when dropped. A
//! test never talks to a Redis it did not start.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

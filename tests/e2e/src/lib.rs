//! The end-to-end harness: `oidc-provider` and `doorman demo` as real processes on free
//! loopback ports, stopped when dropped. The tests' HTTP client, which follows redirects one
//! at a time, is `doorman_testkit::browser`'s.
//!
//! The tests need `node` (with `npm ci` run in `tests/e2e/provider`), Debian's `chromium`
//! and `chromium-driver`, and the `doorman` binary; `cargo xtask test` provides them all, and
//! says what to install when something is missing.

#![allow(clippy::print_stderr, reason = "a harness reports what it starts")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when dropped.
#[derive(Debug)]
pub struct Process {
    child: Child,
    what: &'static str,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("e2e: stopped {}", self.what);
    }
}

/// A free loopback port.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `doorman` binary: `DOORMAN_BIN`, or the workspace's debug build.
#[must_use]
pub fn doorman_bin() -> PathBuf {
    let path = std::env::var_os("DOORMAN_BIN").map_or_else(
        || workspace_root().join("target/debug/doorman"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p doorman-cli` (cargo xtask test does)",
        path.display()
    );
    path
}

/// Waits until `url` answers, or panics after 30 seconds.
pub async fn wait_until_up(url: &str) {
    let started = Instant::now();
    while reqwest::get(url).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{url} did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Which `oidc-provider` configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Consent without a screen.
    Basic,
    /// PKCE required, consent screen shown.
    Pkce,
    /// As `Basic`, with access tokens of 8 seconds and a rotating refresh token on every
    /// code grant.
    Refresh,
    /// As `Basic`, with back-channel logout to the app's `/auth/backchannel-logout`.
    Backchannel,
}

/// A running `oidc-provider`.
#[derive(Debug)]
pub struct Provider {
    _process: Process,
    /// Its port.
    pub port: u16,
}

impl Provider {
    /// Starts `oidc-provider` for an app at `app_origin`.
    pub async fn start(app_origin: &str, variant: Variant) -> Self {
        let port = free_port();
        let dir = workspace_root().join("tests/e2e/provider");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "run `npm ci` in tests/e2e/provider (cargo xtask test does)"
        );
        let child = Command::new("node")
            .arg("server.mjs")
            .args(["--port", &port.to_string(), "--app", app_origin])
            .args([
                "--variant",
                match variant {
                    Variant::Basic => "basic",
                    Variant::Pkce => "pkce",
                    Variant::Refresh => "refresh",
                    Variant::Backchannel => "backchannel",
                },
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node is needed for the end-to-end tests");
        let process = Process {
            child,
            what: "oidc-provider",
        };
        wait_until_up(&format!(
            "http://127.0.0.1:{port}/.well-known/openid-configuration"
        ))
        .await;
        eprintln!("e2e: oidc-provider ({variant:?}) on port {port}");
        Self {
            _process: process,
            port,
        }
    }

    /// What the provider received.
    pub async fn requests(&self) -> Vec<serde_json::Value> {
        reqwest::get(format!("http://127.0.0.1:{}/__e2e/requests", self.port))
            .await
            .expect("requests")
            .json()
            .await
            .expect("json")
    }

    /// The requests it received to `path`.
    pub async fn requests_to(&self, path: &str) -> Vec<serde_json::Value> {
        self.requests()
            .await
            .into_iter()
            .filter(|r| r["path"] == path)
            .collect()
    }
}

/// A running `doorman demo --secrets FILE`.
#[derive(Debug)]
pub struct Demo {
    _process: Process,
    /// The app's origin, `http://127.0.0.1:PORT`.
    pub origin: String,
}

/// The secrets file a Streamlit user would write for this provider.
#[must_use]
pub fn secrets(app_port: u16, provider_port: u16, client_id: &str, post: bool) -> String {
    let kwargs = if post {
        "client_kwargs = { token_endpoint_auth_method = \"client_secret_post\" }\n"
    } else {
        ""
    };
    format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:{app_port}/oauth2callback\"\ncookie_secret = \"e2e-cookie-secret-0123456789abcdef0123\"\nexpose_tokens = [\"id\", \"access\"]\n\n[auth.op]\nclient_id = \"{client_id}\"\nclient_secret = \"{client_id}-secret\"\nserver_metadata_url = \"http://127.0.0.1:{provider_port}/.well-known/openid-configuration\"\n{kwargs}"
    )
}

impl Demo {
    /// Starts the demo on `port` with `secrets` written to a file; its log goes to
    /// `target/e2e/demo-PORT/demo.log`.
    pub async fn start(port: u16, secrets: &str) -> Self {
        let dir = workspace_root()
            .join("target/e2e")
            .join(format!("demo-{port}"));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let file = dir.join("secrets.toml");
        std::fs::write(&file, secrets).expect("secrets file");
        let log = std::fs::File::create(dir.join("demo.log")).expect("log file");
        let child = Command::new(doorman_bin())
            .arg("demo")
            .arg("--secrets")
            .arg(&file)
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start doorman demo");
        let process = Process {
            child,
            what: "doorman demo",
        };
        let origin = format!("http://127.0.0.1:{port}");
        wait_until_up(&format!("{origin}/user.json")).await;
        eprintln!("e2e: doorman demo on port {port}");
        Self {
            _process: process,
            origin,
        }
    }
}

//! The mixed load (issue 19): two replicas of an app, each its own process sharing one Redis
//! with sessions stored there, the development provider served here, and virtual users that
//! each keep a cookie jar and, for the run's length, read `/user.json` (80%), log in again
//! (5%), renew their session at the provider (10%) or log out (5%), each request on either
//! replica at random. Every response is checked; the provider's token calls are counted
//! against one per login and per refresh; the replicas' memory is read every ten seconds.
//!
//! - `doorman-load replica --port P --redis URL --issuer URL`: one replica; prints `READY`.
//! - `doorman-load mixed --redis URL --seconds S --users N`: the run; prints its Markdown
//!   section, each line prefixed `MD `, and `ERROR …` lines for what went wrong.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use doorman::secrets::{AuthConfig, Origin};
use doorman::{Auth, AuthOptions, User};
use doorman_testkit::devidp::ForClient as _;
use serde_json::Value;

/// The client the replicas are at the provider.
const CLIENT_ID: &str = "mixed";
const CLIENT_SECRET: &str = "mixed-secret";
const COOKIE_SECRET: &str = "mixed-load-cookie-secret-0123456789abcdef";

/// The operations, and how many in a hundred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Read,
    Login,
    Refresh,
    Logout,
}

impl Op {
    const ALL: [Self; 4] = [Self::Read, Self::Login, Self::Refresh, Self::Logout];

    fn share(self) -> u64 {
        match self {
            Self::Read => 80,
            Self::Login => 5,
            Self::Refresh => 10,
            Self::Logout => 5,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Read => "logged-in request (`GET /user.json`)",
            Self::Login => "login (through the provider, 3 redirects)",
            Self::Refresh => "refresh (`POST /auth/refresh`)",
            Self::Logout => "logout (the logout page, then `POST /auth/logout`)",
        }
    }

    /// The operation for a draw in `0..100`.
    fn drawn(draw: u64) -> Self {
        let mut bound = 0;
        for op in Self::ALL {
            bound += op.share();
            if draw < bound {
                return op;
            }
        }
        Self::Read
    }
}

/// One replica: serves the app until killed.
pub(crate) async fn replica(options: &HashMap<String, String>) -> Result<(), String> {
    let port: u16 = options
        .get("port")
        .and_then(|p| p.parse().ok())
        .ok_or("--port")?;
    let redis = options.get("redis").ok_or("--redis URL")?;
    let issuer = options.get("issuer").ok_or("--issuer URL")?;
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:{{port}}/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\nredis_url = \"{redis}\"\nsession_store = \"redis\"\n\n[auth.dev]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nserver_metadata_url = \"{issuer}/.well-known/openid-configuration\"\nclient_kwargs = {{ scope = \"openid profile email offline_access\" }}\n"
    );
    let config = AuthConfig::parse(&secrets, Origin::Text("mixed load".into()))
        .map_err(|e| e.to_string())?;
    let auth = Auth::new(&config, AuthOptions::default().port(port)).map_err(|e| e.to_string())?;
    auth.warm_up();
    let router = Router::new()
        .route("/", get(|| async { "home" }))
        .route(
            "/user.json",
            get(|user: User| async move { Json(user.into_inner()) }),
        )
        .merge(auth.routes())
        .layer(auth.layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    println!("READY");
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}

/// A replica process, killed when dropped.
struct ReplicaProcess {
    child: Child,
    port: u16,
}

impl Drop for ReplicaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ReplicaProcess {
    fn start(port: u16, redis: &str, issuer: &str) -> Result<Self, String> {
        let program = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(program)
            .args(["replica", "--port", &port.to_string(), "--redis", redis])
            .args(["--issuer", issuer])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start a replica: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let replica = Self { child, port };
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if line == "READY" {
                return Ok(replica);
            }
            if let Some(why) = line.strip_prefix("ERROR ") {
                return Err(format!("a replica: {why}"));
            }
        }
        Err("a replica stopped before it was ready".to_owned())
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0)
    }
}

/// What the virtual users did and saw.
#[derive(Default)]
struct Tally {
    done: HashMap<Op, u64>,
    latencies: HashMap<Op, Vec<Duration>>,
    errors: Vec<String>,
    error_count: u64,
}

/// A virtual user: a cookie jar (shared by a client that follows redirects and one that does
/// not), whether it is logged in, and its draws.
struct VirtualUser {
    follows: reqwest::Client,
    stays: reqwest::Client,
    logged_in: bool,
    state: u64,
}

impl VirtualUser {
    fn new(seed: u64) -> Result<Self, String> {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = |redirects| {
            reqwest::Client::builder()
                .cookie_provider(Arc::clone(&jar))
                .redirect(redirects)
                .build()
                .map_err(|e| e.to_string())
        };
        Ok(Self {
            follows: client(reqwest::redirect::Policy::limited(10))?,
            stays: client(reqwest::redirect::Policy::none())?,
            logged_in: false,
            state: seed | 1,
        })
    }

    /// The next pseudo-random number (xorshift: a load generator's draws, not a secret).
    fn draw(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// Runs `op` at `origin`; `Err` says what was not as expected.
    async fn run(&mut self, op: Op, origin: &str) -> Result<(), String> {
        match op {
            Op::Login => {
                let home = self
                    .follows
                    .get(format!("{origin}/auth/login?provider=dev"))
                    .send()
                    .await
                    .map_err(|e| format!("login: {e}"))?;
                expect(home.status().as_u16() == 200, "login did not end home")?;
                self.logged_in = true;
            }
            Op::Read => {
                let user: Value = self
                    .follows
                    .get(format!("{origin}/user.json"))
                    .send()
                    .await
                    .map_err(|e| format!("read: {e}"))?
                    .json()
                    .await
                    .map_err(|e| format!("read: {e}"))?;
                expect(
                    user["is_logged_in"] == self.logged_in,
                    &format!(
                        "read: logged in {}, expected {}",
                        user["is_logged_in"], self.logged_in
                    ),
                )?;
            }
            Op::Refresh => {
                let home = self
                    .follows
                    .post(format!("{origin}/auth/refresh"))
                    .header("origin", origin)
                    .form(&[("return_to", "/")])
                    .send()
                    .await
                    .map_err(|e| format!("refresh: {e}"))?;
                expect(home.status().as_u16() == 200, "refresh did not end home")?;
            }
            Op::Logout => {
                let page = self
                    .follows
                    .get(format!("{origin}/auth/logout"))
                    .header("sec-fetch-site", "same-origin")
                    .send()
                    .await
                    .map_err(|e| format!("logout page: {e}"))?
                    .text()
                    .await
                    .map_err(|e| format!("logout page: {e}"))?;
                let field = r#"name="doorman_logout" value=""#;
                let start = page.find(field).ok_or("logout page without a token")? + field.len();
                let end = page[start..].find('"').ok_or("logout token unterminated")?;
                let token = page[start..start + end].to_owned();
                // The redirect to the provider's logout is not followed: the provider's own
                // pages are not the app's load. The response's deletions empty the jar.
                let response = self
                    .stays
                    .post(format!("{origin}/auth/logout"))
                    .header("origin", origin)
                    .form(&[("doorman_logout", token)])
                    .send()
                    .await
                    .map_err(|e| format!("logout: {e}"))?;
                expect(response.status().as_u16() == 303, "logout did not redirect")?;
                self.logged_in = false;
            }
        }
        Ok(())
    }
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// The run: the provider here, two replica processes, `users` virtual users for `seconds`.
pub(crate) async fn mixed(options: &HashMap<String, String>) -> Result<(), String> {
    let redis = options.get("redis").ok_or("--redis URL")?.clone();
    let seconds: u64 = options
        .get("seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let users: u64 = options
        .get("users")
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let warm_up: u64 = options
        .get("warm-up")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let ports = [free_port()?, free_port()?];
    let provider = doorman_testkit::devidp::serve_on_loopback(|issuer| {
        let mut config = doorman_devidp::DevIdpConfig::new(issuer).for_client(
            CLIENT_ID,
            CLIENT_SECRET,
            &format!("http://127.0.0.1:{}/oauth2callback", ports[0]),
        );
        for port in ports {
            config = config
                .with_post_logout_redirect_uri(&format!("http://127.0.0.1:{port}/auth/logged-out"));
        }
        if let Some(client) = config.clients.last_mut() {
            client
                .redirect_uris
                .push(format!("http://127.0.0.1:{}/oauth2callback", ports[1]));
        }
        config
    });
    let issuer = format!("http://{}", provider.addr);
    let replicas = [
        ReplicaProcess::start(ports[0], &redis, &issuer)?,
        ReplicaProcess::start(ports[1], &redis, &issuer)?,
    ];
    let origins: Arc<[String; 2]> = Arc::new([replicas[0].origin(), replicas[1].origin()]);
    let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(warm_up + seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for user in 0..users {
        let origins = Arc::clone(&origins);
        let tally = Arc::clone(&tally);
        tasks.spawn(async move {
            let mut virtual_user = match VirtualUser::new(0x9E37_79B9_7F4A_7C15 ^ (user + 1)) {
                Ok(virtual_user) => virtual_user,
                Err(why) => {
                    let mut tally = tally
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    tally.error_count += 1;
                    tally.errors.push(why);
                    return;
                }
            };
            while Instant::now() < deadline {
                let drawn = Op::drawn(virtual_user.draw() % 100);
                // A user logged out logs in first; one logged in does what was drawn.
                let op = if virtual_user.logged_in {
                    drawn
                } else {
                    Op::Login
                };
                let origin = &origins[usize::from(virtual_user.draw() % 2 == 1)];
                let began = Instant::now();
                let outcome = virtual_user.run(op, origin).await;
                let took = began.elapsed();
                let mut tally = tally
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                *tally.done.entry(op).or_default() += 1;
                tally.latencies.entry(op).or_default().push(took);
                if let Err(why) = outcome {
                    tally.error_count += 1;
                    if tally.errors.len() < 10 {
                        tally.errors.push(format!("{op:?} at {origin}: {why}"));
                    }
                }
            }
        });
    }
    // The replicas' memory every ten seconds, while the users run.
    let mut memory = Vec::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(10));
    ticks.reset();
    while !tasks.is_empty() {
        tokio::select! {
            _ = tasks.join_next() => {}
            _ = ticks.tick() => {
                let at = started.elapsed().as_secs();
                memory.push((at, replicas[0].rss_kib(), replicas[1].rss_kib()));
            }
        }
    }
    let elapsed = started.elapsed();
    let tally = std::mem::take(
        &mut *tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let count = |op| tally.done.get(&op).copied().unwrap_or(0);
    let token_calls = provider.idp.requests_to("/token").len() as u64;
    let expected = count(Op::Login) + count(Op::Refresh);
    report(
        &tally,
        elapsed,
        users,
        warm_up,
        &memory,
        token_calls,
        expected,
    );
    for error in &tally.errors {
        println!("ERROR {error}");
    }
    if token_calls > expected {
        println!(
            "ERROR {token_calls} token calls for {expected} logins and refreshes: a token spent twice"
        );
    }
    Ok(())
}

/// Prints the run's Markdown section, each line prefixed `MD `.
fn report(
    tally: &Tally,
    elapsed: Duration,
    users: u64,
    warm_up: u64,
    memory: &[(u64, u64, u64)],
    token_calls: u64,
    expected: u64,
) {
    let total: u64 = tally.done.values().sum();
    let seconds = elapsed.as_secs_f64();
    let mut lines = vec![
        "## Mixed load".to_owned(),
        String::new(),
        format!(
            "Two replicas of an app (release builds, each its own process) sharing one `redis-server` on loopback with `session_store = \"redis\"`, the development provider, and {users} virtual users, each with its own cookie jar, for {seconds:.0} s ({warm_up} s of warm-up, in which the replicas' memos fill and the refreshes kept for their minute of grace reach their steady number, then the minute the memory is judged on; the table counts both): each draws its next step (80% a logged-in request, 5% a new login, 10% a refresh at the provider, 5% a logout; a user logged out logs in first) and a replica at random, and every response is checked."
        ),
        String::new(),
        "| step | done | per second | p50 | p99 |".to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    let mut all = Vec::new();
    for op in Op::ALL {
        let mut taken = tally.latencies.get(&op).cloned().unwrap_or_default();
        taken.sort_unstable();
        all.extend(taken.iter().copied());
        let done = tally.done.get(&op).copied().unwrap_or(0);
        lines.push(format!(
            "| {} | {done} | {:.0} | {} | {} |",
            op.name(),
            done as f64 / seconds,
            quantile(&taken, 0.5),
            quantile(&taken, 0.99)
        ));
    }
    all.sort_unstable();
    lines.push(format!(
        "| all | {total} | {:.0} | {} | {} |",
        total as f64 / seconds,
        quantile(&all, 0.5),
        quantile(&all, 0.99)
    ));
    lines.push(String::new());
    let verdict = match token_calls.cmp(&expected) {
        std::cmp::Ordering::Equal => "they match".to_owned(),
        // A replica whose memo still held a session from before another replica renewed it
        // asks with the spent refresh token, and is answered by the published outcome.
        std::cmp::Ordering::Less => format!(
            "{} refreshes were answered by the outcome another replica had just published, never a token spent twice",
            expected - token_calls
        ),
        std::cmp::Ordering::Greater => "MORE CALLS THAN LOGINS AND REFRESHES".to_owned(),
    };
    lines.push(format!(
        "Errors (a response not as expected): **{}**. Token-endpoint calls at the provider: **{token_calls}**, for {expected} logins and refreshes (at most one each): {verdict}.",
        tally.error_count
    ));
    lines.push(String::new());
    let resident: Vec<String> = memory
        .iter()
        .map(|(at, a, b)| {
            format!(
                "{at} s: {:.1} / {:.1} MiB",
                *a as f64 / 1024.0,
                *b as f64 / 1024.0
            )
        })
        .collect();
    lines.push(format!(
        "Resident memory of the two replicas every ten seconds: {}.",
        resident.join("; ")
    ));
    let at = |second: u64| memory.iter().find(|(at, ..)| *at >= second).copied();
    if let (Some((_, a0, b0)), Some((_, a1, b1))) = (at(warm_up), memory.last().copied()) {
        let change =
            |before: u64, after: u64| 100.0 * (after as f64 - before as f64) / before.max(1) as f64;
        lines.push(String::new());
        lines.push(format!(
            "Over the measured minute (from {warm_up} s to the end) the replicas' resident memory changed by **{:+.1}%** and **{:+.1}%**.",
            change(a0, a1),
            change(b0, b1)
        ));
    }
    for line in lines {
        println!("MD {line}");
    }
}

/// The `q` quantile of sorted `values`, in milliseconds.
fn quantile(values: &[Duration], q: f64) -> String {
    if values.is_empty() {
        return "–".to_owned();
    }
    let index = ((values.len() as f64 - 1.0) * q).round() as usize;
    format!(
        "{:.2} ms",
        values[index.min(values.len() - 1)].as_secs_f64() * 1000.0
    )
}

/// A free loopback port.
pub(crate) fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

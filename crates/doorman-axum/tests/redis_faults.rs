//! The Redis rows of the fault matrix (issue 19, `docs/reliability.md`'s "Shared state
//! (Redis)"): for each step that calls Redis and each fault a TCP peer can have, the outcome
//! is the degradation `docs/deployment.md` documents ("When Redis is down") or a clear
//! failure: no panic, no request waiting past the call timeout, no identity cookie set by a
//! failed login, no session lost that should live, and the step working again once the fault
//! is cleared.
//!
//! Two replicas (two apps built from one secrets file, behind one browser) share a real
//! `redis-server`; each reaches it through its own `RedisFaultProxy`, the link a test breaks
//! (connections refused, replies held, replaced by bytes that are not RESP, or cut in half).
//! Faults that are data (a 2 MiB value, a key of the wrong type) are written into the server
//! itself. The cells are data: the `matrix!` table below makes one test per cell, and
//! `the_reliability_doc_holds_the_redis_rows_as_tested` holds the documentation's tables to
//! it.

mod app;
mod matrix_doc;

use std::cell::Cell as Counter;
use std::fmt;
use std::time::{Duration, Instant};

use matrix_doc::DocumentedCell;

use app::{Browser, Setup, TestApp, location, sets_identity};
use doorman_testkit::redis::{Link, RedisFaultProxy, RedisServer};
use redis::aio::MultiplexedConnection;
use serde_json::Value;

/// The app's bound on one Redis call (`shared_state::CALL_TIMEOUT`).
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// How much longer than its Redis calls' timeouts a faulted step may take (in-process
/// requests, a login's signature checks, a loaded machine): a "did not hang" guard.
const SLACK: Duration = Duration::from_secs(2);
/// How long a test waits for something that should happen (a replica reconnecting after
/// its backoff of at most 2 s, an event arriving) before failing.
const PATIENCE: Duration = Duration::from_secs(6);
/// How long a test waits to see that an event did not arrive: on loopback one arrives in
/// milliseconds, and a failing call gives up within [`CALL_TIMEOUT`].
const QUIET: Duration = Duration::from_millis(700);
/// The size of a huge value.
const HUGE: usize = 2 * 1024 * 1024;

/// A step of the app's that calls Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Store mode: a request of a session this replica never saw reads its body (`GET`).
    Read,
    /// Store mode: a login keeps its session in Redis (the taken login's `SET NX`, the
    /// body's `SET`, then `PUBLISH`).
    WriteLogin,
    /// Cookie mode: log out everywhere records the revocation (`ZADD` and `PUBLISH`, in the
    /// background).
    WriteRevocation,
    /// Cookie mode: the other replica's subscription, which carries revocations and session
    /// changes, and reloads the revocation list whenever it (re)subscribes.
    Subscription,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Read => "Redis read",
            Self::WriteLogin => "Redis write: login",
            Self::WriteRevocation => "Redis write: revocation",
            Self::Subscription => "Redis pub/sub",
        }
    }

    /// Whether sessions live in Redis for this step.
    fn stored(self) -> bool {
        matches!(self, Self::Read | Self::WriteLogin)
    }

    /// How many Redis calls the step makes one after another: its bound is that many
    /// [`CALL_TIMEOUT`]s and [`SLACK`].
    fn calls(self) -> u32 {
        match self {
            Self::Read | Self::Subscription => 1,
            Self::WriteLogin => 3,
            // In the background: the answer waits for none.
            Self::WriteRevocation => 0,
        }
    }
}

/// A fault of the Redis peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Nothing listens: connections are refused, open ones closed.
    Down,
    /// Replies held back past the call timeout (until the fault is cleared).
    Slow,
    /// Replies replaced by bytes that are not RESP.
    Garbage,
    /// Half a reply, then the connection closed.
    Truncated,
    /// A 2 MiB value where the step reads or writes its data.
    Huge,
    /// The step's key holds a list: Redis answers `WRONGTYPE`.
    WrongType,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Slow => "slow",
            Self::Garbage => "garbage",
            Self::Truncated => "truncated",
            Self::Huge => "huge",
            Self::WrongType => "wrong type",
        }
    }

    /// The link's fault; `None` for a fault of the data.
    fn link(self) -> Option<Link> {
        match self {
            Self::Down => Some(Link::Refused),
            Self::Slow => Some(Link::Held),
            Self::Garbage => Some(Link::Garbage),
            Self::Truncated => Some(Link::Truncated),
            Self::Huge | Self::WrongType => None,
        }
    }
}

/// What a cell's step ends in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Read: the replica that never saw the session serves it as logged out (the other
    /// serves it from its memo); once the fault is cleared, it serves the session.
    LoggedOutUntilCleared,
    /// Read: the body does not open, so the session reads as logged out there and is
    /// remembered as gone on that replica (the other serves it from its memo); a new login
    /// is read everywhere.
    LoggedOutAsGone,
    /// Read: the fault does no harm: the session is served.
    SessionServed,
    /// Write, login: `Internal` shown, no identity cookie, logged out; once the fault is
    /// cleared, a login works and is read on the other replica.
    LoginFails,
    /// The fault does no harm: the login is kept and read on the other replica.
    LoginWorks,
    /// Write, revocation: refused at once on its replica; the other, never told, serves the
    /// session; once the fault is cleared, a new revocation reaches it.
    NotPropagated,
    /// Write, revocation: the commands reached Redis before their answer broke, so the other
    /// replica refuses the session too; later revocations reach it as well.
    ReachedRedis,
    /// Write, revocation: the fault does no harm: recorded and published.
    Propagated,
    /// Write, revocation: `ZADD` refused (`WRONGTYPE`) but `PUBLISH` done in the same
    /// pipeline: the other replica refuses the session, the list does not hold it.
    PublishedNotRecorded,
    /// Pub/sub: the other replica misses the revocation while its link is broken, and refuses
    /// the session once the fault is cleared (it resubscribes and reloads the list, or the
    /// held message arrives); later revocations reach it as they are made.
    MissedThenCaughtUp,
    /// Pub/sub: the fault does no harm to the events: the revocation reaches the other
    /// replica, and later ones too.
    EventsArrive,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LoggedOutUntilCleared => {
                "the unseen session reads as logged out (the other replica serves it); served once cleared"
            }
            Self::LoggedOutAsGone => {
                "the unseen session reads as logged out, remembered as gone there (the body does not open); the other replica serves it; new logins work"
            }
            Self::LoginFails => {
                "login fails: `Internal` shown, no identity cookie; logins work once cleared"
            }
            Self::SessionServed => "goes through: the session is served",
            Self::LoginWorks => "goes through: logged in, read on the other replica",
            Self::NotPropagated => {
                "refused on its replica at once; not propagated (the other serves the session); later revocations propagate once cleared"
            }
            Self::ReachedRedis => {
                "propagated: the commands reached Redis before the answer broke (the replica logs it as not propagated)"
            }
            Self::Propagated => "goes through: recorded in the list and published",
            Self::PublishedNotRecorded => {
                "published but not recorded (`ZADD` refused, `PUBLISH` done; logged as not propagated): a replica reloading the list later misses it"
            }
            Self::MissedThenCaughtUp => {
                "missed while broken; refused once cleared (resubscribed, the list reloaded); later revocations arrive"
            }
            Self::EventsArrive => "goes through: the revocation and later ones arrive",
        })
    }
}

impl Outcome {
    /// The outcome in a few words, for the documentation's grid.
    fn short(self) -> &'static str {
        match self {
            Self::LoggedOutUntilCleared => "logged out until cleared",
            Self::LoggedOutAsGone => "logged out, as gone",
            Self::LoginFails => "fails: Internal",
            Self::SessionServed | Self::LoginWorks | Self::EventsArrive => "goes through",
            Self::NotPropagated => "not propagated",
            Self::ReachedRedis => "propagated",
            Self::Propagated => "goes through",
            Self::PublishedNotRecorded => "published, not recorded",
            Self::MissedThenCaughtUp => "missed, caught up",
        }
    }
}

/// One cell of the matrix.
#[derive(Clone, Copy, Debug)]
struct Cell {
    test: &'static str,
    step: Step,
    fault: Fault,
    outcome: Outcome,
}

/// The matrix: each line a cell, `test: Step, Fault => Outcome`; each makes a test of that
/// name, and `cells()` lists them all for the documentation check.
macro_rules! matrix {
    ($($test:ident: $step:ident, $fault:ident => $outcome:ident;)*) => {
        /// Every cell, in the order of the documentation's table.
        fn cells() -> Vec<Cell> {
            vec![$(Cell {
                test: stringify!($test),
                step: Step::$step,
                fault: Fault::$fault,
                outcome: Outcome::$outcome,
            }),*]
        }

        $(
            #[tokio::test]
            async fn $test() {
                let cell = cells()
                    .into_iter()
                    .find(|cell| cell.test == stringify!($test))
                    .expect("the cell is in the table");
                check(cell).await;
            }
        )*
    };
}

matrix! {
    redis_read_down: Read, Down => LoggedOutUntilCleared;
    redis_read_slow: Read, Slow => LoggedOutUntilCleared;
    redis_read_garbage: Read, Garbage => LoggedOutUntilCleared;
    redis_read_truncated: Read, Truncated => LoggedOutUntilCleared;
    redis_read_huge: Read, Huge => LoggedOutAsGone;
    redis_read_wrong_type: Read, WrongType => LoggedOutUntilCleared;

    redis_write_login_down: WriteLogin, Down => LoginFails;
    redis_write_login_slow: WriteLogin, Slow => LoginFails;
    redis_write_login_garbage: WriteLogin, Garbage => LoginFails;
    redis_write_login_truncated: WriteLogin, Truncated => LoginFails;
    redis_write_login_huge: WriteLogin, Huge => LoginWorks;
    redis_write_login_wrong_type: WriteLogin, WrongType => LoginWorks;

    redis_write_revocation_down: WriteRevocation, Down => NotPropagated;
    redis_write_revocation_slow: WriteRevocation, Slow => ReachedRedis;
    redis_write_revocation_garbage: WriteRevocation, Garbage => ReachedRedis;
    redis_write_revocation_truncated: WriteRevocation, Truncated => ReachedRedis;
    redis_write_revocation_huge: WriteRevocation, Huge => Propagated;
    redis_write_revocation_wrong_type: WriteRevocation, WrongType => PublishedNotRecorded;

    redis_pubsub_down: Subscription, Down => MissedThenCaughtUp;
    redis_pubsub_slow: Subscription, Slow => MissedThenCaughtUp;
    redis_pubsub_garbage: Subscription, Garbage => MissedThenCaughtUp;
    redis_pubsub_truncated: Subscription, Truncated => MissedThenCaughtUp;
    redis_pubsub_huge: Subscription, Huge => EventsArrive;
    redis_pubsub_wrong_type: Subscription, WrongType => EventsArrive;
}

thread_local! {
    /// Panics on this thread: a cell's app runs on its test's thread (a current-thread
    /// runtime), so a panic in a background task, which tokio catches, counts here too.
    static PANICS: Counter<usize> = const { Counter::new(0) };
}

/// Counts every panic on its thread, then reports it as usual.
fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|count| count.set(count.get() + 1));
            report(info);
        }));
    });
}

/// Two replicas, each reaching the Redis they share through a link of its own.
struct Rig {
    redis: RedisServer,
    /// Replica A's link: broken by the write cells.
    link_a: RedisFaultProxy,
    /// Replica B's link: broken by the read and pub/sub cells.
    link_b: RedisFaultProxy,
    a: TestApp,
    b: TestApp,
    stored: bool,
}

fn setup(link: &RedisFaultProxy, stored: bool) -> Setup {
    let store = if stored {
        "session_store = \"redis\"\n"
    } else {
        ""
    };
    Setup {
        shared_secrets: format!("redis_url = \"{}\"\n{store}", link.url()),
        ..Setup::default()
    }
}

impl Rig {
    async fn start(stored: bool) -> Self {
        let redis = RedisServer::start();
        let link_a = RedisFaultProxy::start(&redis);
        let link_b = RedisFaultProxy::start(&redis);
        let a = TestApp::with(setup(&link_a, stored)).await;
        let b = TestApp::with(setup(&link_b, stored)).await;
        let rig = Self {
            redis,
            link_a,
            link_b,
            a,
            b,
            stored,
        };
        rig.settled(2).await;
        rig
    }

    /// Replica B started again (a replica started while the fault is on).
    async fn restart_b(&mut self) {
        self.b = TestApp::with(setup(&self.link_b, self.stored)).await;
        self.settled(3).await;
    }

    /// Waits until `subscribers` connections listen on the app's channel, and a moment more
    /// for their subscribers to reload the list (which drops the memo of stored sessions): a
    /// cell starts once both replicas follow the events.
    async fn settled(&self, subscribers: i64) {
        let mut data = self.data().await;
        let started = Instant::now();
        while listening(&mut data).await < subscribers {
            assert!(
                started.elapsed() < PATIENCE,
                "the replicas never subscribed"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// A connection of the test's own, straight to the server.
    async fn data(&self) -> MultiplexedConnection {
        redis::Client::open(self.redis.url())
            .expect("client")
            .get_multiplexed_async_connection()
            .await
            .expect("connect")
    }

    /// The app's keys in Redis.
    async fn keys(&self) -> Vec<String> {
        redis::cmd("KEYS")
            .arg("doorman:*")
            .query_async(&mut self.data().await)
            .await
            .expect("keys")
    }

    /// The name of the app's key `name` (`doorman:<16 hex>:name`), from a key it wrote.
    async fn key(&self, name: &str) -> String {
        let keys = self.keys().await;
        let any = keys.first().expect("the app wrote a key");
        let prefix_len = "doorman:".len() + 16 + 1;
        format!("{}{name}", &any[..prefix_len])
    }

    /// Both replicas' clocks moved on a second: logins after a revocation of their user are
    /// later than it.
    fn tick(&self) {
        self.a.clock.advance(Duration::from_secs(1));
        self.b.clock.advance(Duration::from_secs(1));
    }
}

/// Redis commands of the test's own.
async fn run(connection: &mut MultiplexedConnection, command: &redis::Cmd) {
    command
        .query_async::<redis::Value>(connection)
        .await
        .expect("a command of the test's");
}

fn logged_in(user: &Value) -> bool {
    user["is_logged_in"] == true
}

/// A whole login on `app` by `browser`, each response looked at: whether any set the
/// identity cookie, what the page shows as the failure, and whether the browser is logged
/// in at the end.
async fn login(app: &TestApp, browser: &Browser) -> Login {
    let mut url = url::Url::parse(&app.url("/auth/login?provider=dev")).expect("url");
    let mut identity_set = false;
    for _ in 0..10 {
        let response = browser.get(url.as_str()).send().await.expect("request");
        identity_set |= sets_identity(&response);
        if !response.status().is_redirection() {
            break;
        }
        url = url.join(&location(&response)).expect("location");
    }
    let failure = browser
        .get(app.url("/failure"))
        .send()
        .await
        .expect("failure")
        .text()
        .expect("text");
    Login {
        identity_set,
        failure,
        logged_in: logged_in(&app.user_json_of(browser).await),
    }
}

/// What a login came to.
#[derive(Debug)]
struct Login {
    identity_set: bool,
    failure: String,
    logged_in: bool,
}

/// A new browser logged in on `app`, as it should be.
async fn logged_in_browser(app: &TestApp) -> Browser {
    let browser = app.browser();
    let login = login(app, &browser).await;
    assert!(
        login.logged_in && login.identity_set,
        "a login without a fault: {login:?}"
    );
    browser
}

/// The browser's `Cookie` header at `app`: a copy of its session, as another tab has.
fn cookie_of(app: &TestApp, browser: &Browser) -> String {
    browser
        .cookie_header(&url::Url::parse(&app.url("/")).expect("url"))
        .expect("cookies")
}

/// Log out everywhere on `app` by `browser`: a same-origin `POST` with its logout token.
async fn logout_everywhere(app: &TestApp, browser: &Browser) {
    app.log_out_everywhere(browser).await;
}

/// Waits until `app` sees `cookie` as `wanted` says, at most [`PATIENCE`]: whether it did.
async fn comes_to(app: &TestApp, cookie: &str, wanted: fn(&Value) -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if wanted(&app.seen_with_cookie(cookie).await) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Whether `app` still sees `cookie` as logged in after [`QUIET`].
async fn still_logged_in_after_a_while(app: &TestApp, cookie: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < QUIET {
        if !logged_in(&app.seen_with_cookie(cookie).await) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Runs `cell`'s step with its fault, and checks what it ends in, that it did not hang,
/// that nothing panicked, that the fault was met, and that the step works once it is cleared.
async fn check(cell: Cell) {
    count_panics();
    let name = format!("{} × {}", cell.step.name(), cell.fault.name());
    let mut rig = Rig::start(cell.step.stored()).await;
    let (seen, took) = match cell.step {
        Step::Read => read(&rig, cell.fault).await,
        Step::WriteLogin => write_login(&rig, cell.fault).await,
        Step::WriteRevocation => write_revocation(&rig, cell.fault).await,
        Step::Subscription => subscription(&mut rig, cell.fault).await,
    };
    assert_eq!(seen, cell.outcome, "{name}");
    let bound = CALL_TIMEOUT * cell.step.calls() + SLACK;
    assert!(took < bound, "{name}: took {took:?}, past {bound:?}");
    if let Some(link) = cell.fault.link() {
        let faulted = match cell.step {
            Step::Read | Step::Subscription => &rig.link_b,
            Step::WriteLogin | Step::WriteRevocation => &rig.link_a,
        };
        assert!(
            link == Link::Refused || faulted.met() > 0,
            "{name}: no reply met the fault"
        );
    }
    assert_eq!(PANICS.with(Counter::get), 0, "{name}: something panicked");
}

/// Clears the link's fault, or the data's (`clear`).
fn heal(rig: &Rig) {
    rig.link_a.set(Link::Pass);
    rig.link_b.set(Link::Pass);
}

/// Store mode: A's login, read on B (which never saw it) with the fault on.
async fn read(rig: &Rig, fault: Fault) -> (Outcome, Duration) {
    let user = logged_in_browser(&rig.a).await;
    let cookie = cookie_of(&rig.a, &user);
    let keys = rig.keys().await;
    let body_key = keys
        .iter()
        .find(|key| key.contains(":session:"))
        .expect("the session's key")
        .clone();
    let mut data = rig.data().await;
    let body: String = redis::cmd("GET")
        .arg(&body_key)
        .query_async(&mut data)
        .await
        .expect("the body");
    match fault.link() {
        Some(link) => rig.link_b.set(link),
        None => spoil(&mut data, &body_key, fault).await,
    }
    let started = Instant::now();
    let on_b = rig.b.seen_with_cookie(&cookie).await;
    let took = started.elapsed();
    assert!(
        logged_in(&rig.a.seen_with_cookie(&cookie).await),
        "the replica that saw the session serves it"
    );
    if logged_in(&on_b) {
        return (Outcome::SessionServed, took);
    }
    heal(rig);
    run(&mut data, redis::cmd("DEL").arg(&body_key)).await;
    run(&mut data, redis::cmd("SET").arg(&body_key).arg(&body)).await;
    if comes_to(&rig.b, &cookie, logged_in).await {
        return (Outcome::LoggedOutUntilCleared, took);
    }
    // Remembered as gone: a new login is read everywhere.
    let newcomer = logged_in_browser(&rig.a).await;
    assert!(
        comes_to(&rig.b, &cookie_of(&rig.a, &newcomer), logged_in).await,
        "a new login is read on the other replica"
    );
    (Outcome::LoggedOutAsGone, took)
}

/// Writes the fault's data at `key`: a 2 MiB value, or a list.
async fn spoil(data: &mut MultiplexedConnection, key: &str, fault: Fault) {
    run(data, redis::cmd("DEL").arg(key)).await;
    match fault {
        Fault::Huge => run(data, redis::cmd("SET").arg(key).arg(vec![b'x'; HUGE])).await,
        Fault::WrongType => run(data, redis::cmd("RPUSH").arg(key).arg("a").arg("b")).await,
        link => unreachable!("{link:?} is a fault of the link"),
    }
}

/// Store mode: a login on A with the fault on; for a fault of the data, every key of the
/// app's (an earlier login's session and taken login) spoiled first, since a login writes
/// new keys.
async fn write_login(rig: &Rig, fault: Fault) -> (Outcome, Duration) {
    match fault.link() {
        Some(link) => rig.link_a.set(link),
        None => {
            logged_in_browser(&rig.a).await;
            let mut data = rig.data().await;
            for key in rig.keys().await {
                spoil(&mut data, &key, fault).await;
            }
        }
    }
    let newcomer = rig.a.browser();
    let started = Instant::now();
    let first = login(&rig.a, &newcomer).await;
    let took = started.elapsed();
    if first.logged_in {
        assert!(first.identity_set, "{first:?}");
        assert_eq!(first.failure, "none");
        assert!(
            comes_to(&rig.b, &cookie_of(&rig.a, &newcomer), logged_in).await,
            "the login is read on the other replica"
        );
        return (Outcome::LoginWorks, took);
    }
    assert!(
        !first.identity_set,
        "a failed login set the identity cookie"
    );
    assert_eq!(first.failure, "Internal", "the failure is shown");
    heal(rig);
    let started = Instant::now();
    loop {
        let again = rig.a.browser();
        if login(&rig.a, &again).await.logged_in {
            assert!(
                comes_to(&rig.b, &cookie_of(&rig.a, &again), logged_in).await,
                "a login once cleared is read on the other replica"
            );
            break;
        }
        assert!(started.elapsed() < PATIENCE, "logins do not work again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (Outcome::LoginFails, took)
}

/// Cookie mode: log out everywhere on A with the fault on, B serving the session.
async fn write_revocation(rig: &Rig, fault: Fault) -> (Outcome, Duration) {
    let user = logged_in_browser(&rig.a).await;
    let cookie = cookie_of(&rig.a, &user);
    assert!(logged_in(&rig.b.seen_with_cookie(&cookie).await));
    let revoked = rig.key("revoked").await;
    let mut data = rig.data().await;
    match fault {
        Fault::Huge => {
            // A 2 MiB member, live for an hour, in the revocation list.
            let until = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs()
                + 3600;
            run(
                &mut data,
                redis::cmd("ZADD")
                    .arg(&revoked)
                    .arg(until)
                    .arg(vec![b'x'; HUGE]),
            )
            .await;
        }
        Fault::WrongType => spoil(&mut data, &revoked, fault).await,
        link => rig.link_a.set(link.link().expect("a fault of the link")),
    }
    let started = Instant::now();
    logout_everywhere(&rig.a, &user).await;
    let took = started.elapsed();
    assert!(
        !logged_in(&rig.a.seen_with_cookie(&cookie).await),
        "refused at once on its replica"
    );
    let propagated = !still_logged_in_after_a_while(&rig.b, &cookie).await;
    let recorded = recorded_users(&mut data, &revoked).await > 0;
    let answer_broke = rig.link_a.met() > 0;
    heal(rig);
    run(&mut data, redis::cmd("DEL").arg(&revoked)).await;
    revocation_arrives(rig).await;
    let outcome = match (propagated, recorded, answer_broke) {
        (false, _, _) => Outcome::NotPropagated,
        (true, false, _) => Outcome::PublishedNotRecorded,
        (true, true, true) => Outcome::ReachedRedis,
        (true, true, false) => Outcome::Propagated,
    };
    (outcome, took)
}

/// A new login on A, served on B, logged out everywhere on A: B refuses it (within
/// [`PATIENCE`], retried while A's connection comes back).
async fn revocation_arrives(rig: &Rig) {
    rig.tick();
    let started = Instant::now();
    loop {
        let later = logged_in_browser(&rig.a).await;
        let cookie = cookie_of(&rig.a, &later);
        assert!(logged_in(&rig.b.seen_with_cookie(&cookie).await));
        logout_everywhere(&rig.a, &later).await;
        if comes_to(&rig.b, &cookie, |user| !logged_in(user)).await {
            return;
        }
        assert!(
            started.elapsed() < 2 * PATIENCE,
            "revocations do not reach the other replica again"
        );
        rig.tick();
    }
}

/// Cookie mode: B's subscription with the fault on while A logs its user out everywhere.
async fn subscription(rig: &mut Rig, fault: Fault) -> (Outcome, Duration) {
    let user = logged_in_browser(&rig.a).await;
    let cookie = cookie_of(&rig.a, &user);
    let mut data = rig.data().await;
    let revoked = rig.key("revoked").await;
    match fault {
        Fault::Huge => {
            // A 2 MiB message on the channel, before the revocation.
            run(
                &mut data,
                redis::cmd("PUBLISH")
                    .arg(rig.key("events").await)
                    .arg(vec![b'x'; HUGE]),
            )
            .await;
        }
        Fault::WrongType => {
            // B started while the list cannot be reloaded.
            spoil(&mut data, &revoked, fault).await;
            rig.restart_b().await;
        }
        link => rig.link_b.set(link.link().expect("a fault of the link")),
    }
    assert!(logged_in(&rig.b.seen_with_cookie(&cookie).await));
    let started = Instant::now();
    logout_everywhere(&rig.a, &user).await;
    let took = started.elapsed();
    let arrived = !still_logged_in_after_a_while(&rig.b, &cookie).await;
    heal(rig);
    if fault == Fault::WrongType {
        run(&mut data, redis::cmd("DEL").arg(&revoked)).await;
    }
    if arrived {
        revocation_arrives(rig).await;
        return (Outcome::EventsArrive, took);
    }
    assert!(
        comes_to(&rig.b, &cookie, |user| !logged_in(user)).await,
        "the missed revocation is refused once cleared"
    );
    revocation_arrives(rig).await;
    (Outcome::MissedThenCaughtUp, took)
}

/// How many users' revocations the list `revoked` holds; none when it is no sorted set.
async fn recorded_users(data: &mut MultiplexedConnection, revoked: &str) -> usize {
    let kind: String = redis::cmd("TYPE")
        .arg(revoked)
        .query_async(data)
        .await
        .expect("type");
    if kind != "zset" {
        return 0;
    }
    let members: Vec<Vec<u8>> = redis::cmd("ZRANGE")
        .arg(revoked)
        .arg(0)
        .arg(-1)
        .query_async(data)
        .await
        .expect("zrange");
    members.iter().filter(|m| m.starts_with(b"u ")).count()
}

/// How many connections listen on the app's channel.
async fn listening(data: &mut MultiplexedConnection) -> i64 {
    let channels: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .arg("doorman:*")
        .query_async(data)
        .await
        .expect("pubsub channels");
    let Some(channel) = channels.first() else {
        return 0;
    };
    let counts: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(data)
        .await
        .expect("pubsub numsub");
    counts.1
}

const STEPS: [Step; 4] = [
    Step::Read,
    Step::WriteLogin,
    Step::WriteRevocation,
    Step::Subscription,
];

const FAULTS: [Fault; 6] = [
    Fault::Down,
    Fault::Slow,
    Fault::Garbage,
    Fault::Truncated,
    Fault::Huge,
    Fault::WrongType,
];

/// The tables of `docs/reliability.md` for this matrix, as the cells make them.
fn documented_tables(cells: &[Cell]) -> String {
    let documented: Vec<DocumentedCell> = cells
        .iter()
        .map(|cell| DocumentedCell {
            step: cell.step.name(),
            fault: cell.fault.name(),
            short: cell.outcome.short(),
            described: cell.outcome.to_string(),
            test: cell.test,
        })
        .collect();
    matrix_doc::tables(
        "Redis step",
        "redis_faults.rs",
        &STEPS.map(Step::name),
        &FAULTS.map(Fault::name),
        &documented,
    )
}

/// `docs/reliability.md` shows the Redis rows as tested: its tables are the ones the cells
/// make, so neither can change without the other.
#[test]
fn the_reliability_doc_holds_the_redis_rows_as_tested() {
    let cells = cells();
    assert_eq!(
        cells.len(),
        STEPS.len() * FAULTS.len(),
        "one cell per step and fault"
    );
    matrix_doc::assert_documented("the Redis rows", &documented_tables(&cells));
}

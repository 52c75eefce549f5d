//! Shared state on a real `redis-server` this test starts: two replicas of the app (two
//! `Auth` values from one secrets file, one provider, one clock) behind one browser, in
//! cookie mode with `redis_url` and in store mode (`session_store = "redis"`): sessions seen
//! everywhere, revocations and back-channel logouts refused everywhere, one refresh for
//! every replica, small cookies whatever the claims, nothing readable in Redis, and the
//! degradation when Redis stops and its recovery when it is back.

mod app;

use std::time::{Duration, Instant};

use app::{Browser, Setup, TestApp, callback_with, location, sets_identity, start_login};
use doorman_testkit::redis::RedisServer;
use serde_json::Value;

/// Access tokens of five minutes; sessions renewed in their last minute.
const ACCESS_LIFETIME: Duration = Duration::from_secs(300);

/// How long a test waits for an event to reach the other replica before failing.
const PATIENCE: Duration = Duration::from_secs(5);

/// Where sessions live.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Cookie,
    Store,
}

const MODES: [Mode; 2] = [Mode::Cookie, Mode::Store];

fn setup(redis: &RedisServer, mode: Mode) -> Setup {
    let store = match mode {
        Mode::Cookie => "",
        Mode::Store => "session_store = \"redis\"\n",
    };
    Setup {
        shared_secrets: format!("redis_url = \"{}\"\n{store}", redis.url()),
        extra_secrets: "client_kwargs = { scope = \"openid profile email offline_access\" }".into(),
        access_token_lifetime: Some(ACCESS_LIFETIME),
        ..Setup::default()
    }
}

/// Two replicas sharing `redis`, the browser logged in on the first.
async fn two_replicas(redis: &RedisServer, mode: Mode) -> (TestApp, TestApp) {
    let a = TestApp::with(setup(redis, mode)).await;
    let b = a.replica();
    a.login("provider=dev").await;
    assert_eq!(a.user_json().await["is_logged_in"], true, "{mode:?}");
    (a, b)
}

/// Asks `app` as `browser` until `wanted` says yes, at most [`PATIENCE`]; how long it took.
async fn until(app: &TestApp, browser: &Browser, wanted: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if wanted(&app.user_json_of(browser).await) {
            return started.elapsed();
        }
        assert!(started.elapsed() < PATIENCE, "not seen within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn logged_out(user: &Value) -> bool {
    user["is_logged_in"] == false
}

#[tokio::test]
async fn a_login_on_one_replica_is_a_session_on_the_other() {
    for mode in MODES {
        let redis = RedisServer::start();
        let (a, b) = two_replicas(&redis, mode).await;
        let calls = a.idp().requests().len();
        let on_b = b.user_json().await;
        assert_eq!(on_b["is_logged_in"], true, "{mode:?}");
        assert_eq!(on_b["sub"], a.user_json().await["sub"], "{mode:?}");
        assert_eq!(
            a.idp().requests().len(),
            calls,
            "no provider call: {mode:?}"
        );
    }
}

#[tokio::test]
async fn a_stored_session_is_a_small_cookie_and_nothing_readable_in_redis() {
    let mut sizes = Vec::new();
    for mode in MODES {
        let redis = RedisServer::start();
        let app = TestApp::with(Setup {
            groups: 150,
            ..setup(&redis, mode)
        })
        .await;
        app.login("provider=dev").await;
        let user = app.user_json().await;
        assert_eq!(user["is_logged_in"], true);
        let url = url::Url::parse(&app.url("/user.json")).expect("url");
        let cookie = app.client.cookie_header(&url).expect("cookies");
        sizes.push((mode, cookie.len()));
        if let Mode::Store = mode {
            assert!(cookie.len() < 200, "{} bytes: {cookie}", cookie.len());
            let dump = dump(&redis).await;
            let sub = user["sub"].as_str().expect("sub");
            let email = user["email"].as_str().expect("email");
            for secret in [sub, email, "groups", "access", "refresh"] {
                assert!(!dump.contains(secret), "Redis shows {secret:?}");
            }
        }
    }
    // The figures of the closing note: `cargo test ... -- --nocapture`.
    eprintln!("identity cookie with 150 groups: {sizes:?}");
    assert!(sizes[0].1 > 4 * sizes[1].1, "{sizes:?}");
}

#[tokio::test]
async fn a_stored_body_moved_to_another_sessions_key_does_not_open() {
    let redis = RedisServer::start();
    let a = TestApp::with(setup(&redis, Mode::Store)).await;
    a.login("provider=dev").await;
    let other = a.browser();
    a.clock.advance(Duration::from_secs(1));
    other.follow(&a.url("/auth/login?provider=dev")).await;
    let client = redis::Client::open(redis.url()).expect("client");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*:session:*")
        .query_async(&mut connection)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 2, "{keys:?}");
    let first: String = redis::cmd("GET")
        .arg(&keys[0])
        .query_async(&mut connection)
        .await
        .expect("get");
    let () = redis::cmd("SET")
        .arg(&keys[1])
        .arg(&first)
        .query_async(&mut connection)
        .await
        .expect("set");
    // A replica that has seen neither reads both from Redis: the moved body opens for no one.
    let b = a.replica();
    let both = [
        b.user_json_of(&a.client.at(&b)).await["is_logged_in"] == true,
        b.user_json_of(&other.at(&b)).await["is_logged_in"] == true,
    ];
    assert_eq!(
        both.iter().filter(|in_| **in_).count(),
        1,
        "only the session whose key holds its own body: {both:?}"
    );
}

#[tokio::test]
async fn the_redis_password_shows_nowhere() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    // Nothing listens there: every call fails, and says so in the log.
    let password = "pa55-w0rd-never-shown";
    let app = TestApp::with(Setup {
        shared_secrets: format!(
            "redis_url = \"redis://doorman:{password}@127.0.0.1:9/0\"\nsession_store = \"redis\"\n"
        ),
        ..Setup::default()
    })
    .await;
    app.login("provider=dev").await;
    assert_eq!(
        app.user_json().await["is_logged_in"],
        false,
        "nowhere to keep it"
    );
    let shown = format!(
        "{:?}\n{:?}\n{}",
        app.auth,
        app.auth.settings(),
        String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8")
    );
    assert!(
        shown.contains("session store"),
        "the failure is logged: {shown}"
    );
    assert!(!shown.contains(password), "{shown}");
}

#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every key and value in `redis`, as text.
async fn dump(redis: &RedisServer) -> String {
    let client = redis::Client::open(redis.url()).expect("client");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .expect("keys");
    let mut text = String::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .expect("type");
        let value: Vec<String> = match kind.as_str() {
            "string" => vec![
                redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .expect("get"),
            ],
            "zset" => redis::cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(&mut connection)
                .await
                .expect("zrange"),
            _ => Vec::new(),
        };
        text.push_str(&format!("{key} {value:?}\n"));
    }
    text
}

#[tokio::test]
async fn a_logout_on_one_replica_ends_the_session_on_the_other() {
    for mode in MODES {
        let redis = RedisServer::start();
        let (a, b) = two_replicas(&redis, mode).await;
        // A copy of the cookie kept before logging out, as another tab or a thief has.
        let kept = a
            .client
            .cookie_header(&url::Url::parse(&a.url("/")).expect("url"))
            .expect("cookies");
        assert_eq!(b.seen_with_cookie(&kept).await["is_logged_in"], true);
        a.logout().await;
        let started = Instant::now();
        while !logged_out(&b.seen_with_cookie(&kept).await) {
            assert!(
                started.elapsed() < PATIENCE,
                "{mode:?}: still logged in on B"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        eprintln!(
            "{mode:?}: logout seen on the other replica after {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn logout_everywhere_and_the_providers_logout_are_refused_on_every_replica() {
    for mode in MODES {
        let redis = RedisServer::start();
        let (a, b) = two_replicas(&redis, mode).await;
        // Another device, logged in on B.
        let phone = b.browser();
        phone.follow(&b.url("/auth/login?provider=dev")).await;
        assert_eq!(b.user_json_of(&phone).await["is_logged_in"], true);
        a.log_out_everywhere(&a.client).await;
        let took = until(&b, &phone, logged_out).await;
        eprintln!("{mode:?}: log out everywhere refused on the other replica after {took:?}");

        // The provider's back-channel logout of a session, posted to A, ends it on B; the
        // same token posted again to B is a replay.
        b.clock.advance(Duration::from_secs(1));
        let tablet = b.browser();
        tablet.follow(&b.url("/auth/login?provider=dev")).await;
        let user = b.user_json_of(&tablet).await;
        assert_eq!(user["is_logged_in"], true);
        let logout_token = a
            .idp()
            .logout_token(
                "app",
                user["sub"].as_str().expect("sub"),
                Some(user["sid"].as_str().expect("sid")),
                a.clock.now(),
            )
            .expect("a logout token");
        let posted = |app: &TestApp| {
            app.bare()
                .post(app.url("/auth/backchannel-logout"))
                .form(&[("logout_token", logout_token.clone())])
                .send()
        };
        assert_eq!(posted(&a).await.expect("post").status(), 200, "{mode:?}");
        until(&b, &tablet, logged_out).await;
        let replayed = posted(&b).await.expect("post");
        assert_eq!(
            replayed.status(),
            400,
            "{mode:?}: a replay on another replica"
        );
        assert!(
            replayed
                .text()
                .expect("text")
                .contains("the logout token was used before")
        );
    }
}

#[tokio::test]
async fn a_callback_replayed_to_another_replica_is_refused_before_any_provider_call() {
    let redis = RedisServer::start();
    let a = TestApp::with(setup(&redis, Mode::Cookie)).await;
    let b = a.replica();
    let (tx, authorize) = start_login(&a, "provider=dev").await;
    let callback = location(&a.bare().get(authorize).send().await.expect("authorize"));
    assert!(sets_identity(&callback_with(&a, &callback, &tx).await));
    let replayed = callback_with(&b, &callback, &tx).await;
    assert!(!sets_identity(&replayed));
    assert_eq!(
        a.idp().requests_to("/token").len(),
        1,
        "the replay never reached the token endpoint"
    );
}

#[tokio::test]
async fn concurrent_requests_on_two_replicas_at_refresh_time_make_one_token_call() {
    for mode in MODES {
        let redis = RedisServer::start();
        let (a, b) = two_replicas(&redis, mode).await;
        let grants = a.idp().refresh_grants();
        a.clock.advance(ACCESS_LIFETIME - Duration::from_secs(30));
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..100 {
            let replica = if i % 2 == 0 { &a } else { &b };
            let browser = replica.client.clone();
            let url = replica.url("/user.json");
            requests.spawn(async move { browser.get(url).send().await.expect("get") });
        }
        let mut logged_in = 0;
        while let Some(response) = requests.join_next().await {
            let response = response.expect("task");
            let user: Value = response.json().expect("json");
            logged_in += usize::from(user["is_logged_in"] == true);
        }
        assert_eq!(logged_in, 100, "{mode:?}");
        assert_eq!(
            a.idp().refresh_grants() - grants,
            1,
            "{mode:?}: one token call for a hundred requests over two replicas"
        );
        assert_eq!(
            a.idp().revoked_families(),
            0,
            "{mode:?}: no spent token reused"
        );
        // Both replicas now serve the refreshed session.
        let on_a = a.user_json().await;
        let on_b = b.user_json().await;
        assert_eq!(
            on_a["tokens"]["access"], on_b["tokens"]["access"],
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn redis_stopped_degrades_as_documented_and_recovers_when_it_is_back() {
    for mode in MODES {
        let mut redis = RedisServer::start();
        let (a, b) = two_replicas(&redis, mode).await;
        assert_eq!(b.user_json().await["is_logged_in"], true, "seen on B");
        let stranger = a.browser();
        stranger.follow(&a.url("/auth/login?provider=dev")).await;
        let leaving = a.browser();
        leaving.follow(&a.url("/auth/login?provider=dev")).await;
        assert_eq!(b.user_json_of(&leaving.at(&b)).await["is_logged_in"], true);
        redis.stop();

        // Sessions seen on a replica are served; in cookie mode every session is.
        assert_eq!(a.user_json().await["is_logged_in"], true, "{mode:?}");
        assert_eq!(b.user_json().await["is_logged_in"], true, "{mode:?}");
        let unseen_on_b = b.user_json_of(&stranger.at(&b)).await["is_logged_in"] == true;
        match mode {
            Mode::Cookie => assert!(unseen_on_b, "a cookie holds its session"),
            Mode::Store => assert!(!unseen_on_b, "an unseen stored session reads as logged out"),
        }
        // A login fails visibly in store mode (nowhere to keep it), and works in cookie mode.
        let newcomer = a.browser();
        newcomer.follow(&a.url("/auth/login?provider=dev")).await;
        let failure = newcomer
            .get(a.url("/failure"))
            .send()
            .await
            .expect("failure");
        let failure = failure.text().expect("text");
        let newcomer_in = a.user_json_of(&newcomer).await["is_logged_in"] == true;
        assert_eq!(newcomer_in, matches!(mode, Mode::Cookie), "{mode:?}");
        match mode {
            Mode::Cookie => assert_eq!(failure, "none"),
            Mode::Store => assert_eq!(failure, "Internal", "shown, not a silent logout"),
        }

        // A logout is recorded on its replica alone: refused there at once, while the other
        // replica, not told, goes on serving the session it has.
        let kept = leaving
            .cookie_header(&url::Url::parse(&a.url("/")).expect("url"))
            .expect("cookies");
        let token = a.logout_token_of(&leaving).await;
        leaving
            .post(a.url("/auth/logout"))
            .header("origin", format!("http://{}", a.addr))
            .form(&[("doorman_logout", token)])
            .send()
            .await
            .expect("logout");
        assert_eq!(
            a.seen_with_cookie(&kept).await["is_logged_in"],
            false,
            "{mode:?}"
        );
        let on_b = b.seen_with_cookie(&kept).await;
        assert_eq!(on_b["is_logged_in"], true, "{mode:?}: not propagated to B");

        // A refresh goes on with each replica's own single flight: sessions are renewed.
        a.clock.advance(ACCESS_LIFETIME - Duration::from_secs(30));
        let grants = a.idp().refresh_grants();
        assert_eq!(a.user_json().await["is_logged_in"], true, "{mode:?}");
        assert_eq!(
            a.idp().refresh_grants(),
            grants + 1,
            "{mode:?}: renewed on A"
        );

        // Back: the replicas reconnect by themselves.
        redis.restart();
        let started = Instant::now();
        loop {
            let fresh = a.browser();
            fresh.follow(&a.url("/auth/login?provider=dev")).await;
            if b.user_json_of(&fresh.at(&b)).await["is_logged_in"] == true {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "{mode:?}: no recovery");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Restarted empty: stored sessions are gone; a revocation made before still holds on
        // the replica that made it.
        match mode {
            Mode::Cookie => assert_eq!(a.user_json().await["is_logged_in"], true),
            // Once A's subscriber is back (within its backoff), it reads sessions afresh.
            Mode::Store => {
                until(&a, &a.client, logged_out).await;
            }
        }
        assert_eq!(
            a.seen_with_cookie(&kept).await["is_logged_in"],
            false,
            "{mode:?}"
        );
        // And revocations propagate again.
        let victim = a.browser();
        victim.follow(&a.url("/auth/login?provider=dev")).await;
        assert_eq!(
            b.user_json_of(&victim.at(&b)).await["is_logged_in"],
            true,
            "{mode:?}"
        );
        a.log_out_everywhere(&victim).await;
        until(&b, &victim.at(&b), logged_out).await;
    }
}

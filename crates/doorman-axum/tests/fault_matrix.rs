//! The fault matrix of the provider steps (issue 19, `docs/reliability.md`'s "Fault matrix"):
//! for each step that calls the provider and each transport fault, the outcome is a clear
//! failure the user sees or the documented degradation: no panic, no request waiting past
//! the provider timeout, no identity cookie set by a failed login, no session lost that should
//! have lived. Then the restarts: of the app in the middle of a login, and of the provider
//! with new keys.
//!
//! Everything goes over loopback sockets, on the system clock: the app built by `Auth::new`
//! (the production network client, with `AuthOptions::provider_timeout` of one second), and
//! the development provider behind `doorman_testkit::faults`'s proxy, which forwards every
//! call except the faulted step's. The cells are data: the `matrix!` table below makes one
//! test per cell, and `the_reliability_doc_shows_every_cell` holds the documentation's table
//! to it.

mod fault_rig;
mod matrix_doc;

use std::fmt;
use std::time::{Duration, Instant};

use matrix_doc::DocumentedCell;

use doorman_testkit::faults;
use fault_rig::{
    Browser, IdentityCookie, JWKS, METADATA, PROVIDER_TIMEOUT, RETURN_TO, Rig, Sessions, TOKEN,
    USERINFO, identity_cookie, location,
};

/// A step of the app's that calls the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// The metadata fetched at start (`Auth::discover`, what `warm_up` and
    /// `doorman check --discover` do).
    Discovery,
    /// The key set fetched at start, after the metadata.
    Keys,
    /// `/auth/login` with nothing cached: the metadata fetched for the login.
    LoginStart,
    /// The callback's code redeemed at the token endpoint.
    Token,
    /// The callback's key set fetched again: the ID token is signed with a key the app has
    /// not seen (the provider rotated its key during the login).
    KeysAgain,
    /// The callback's userinfo call, after the token endpoint answered.
    Userinfo,
    /// A session due for a refresh (its access token still valid) renewed at the token
    /// endpoint when a page reads the user.
    Refresh,
    /// A back-channel logout token checked by an app that has not fetched the provider's keys
    /// yet (just restarted): the key set fetched to check it.
    BackchannelLogout,
}

impl Step {
    /// The provider path the step's call goes to: where the fault is.
    fn path(self) -> &'static str {
        match self {
            Self::Discovery | Self::LoginStart => METADATA,
            Self::Keys | Self::KeysAgain | Self::BackchannelLogout => JWKS,
            Self::Token | Self::Refresh => TOKEN,
            Self::Userinfo => USERINFO,
        }
    }

    /// The call the app makes right before the step's in the same operation, if any: "down"
    /// stops the provider once that one is answered.
    fn follows(self) -> Option<&'static str> {
        match self {
            Self::Keys | Self::BackchannelLogout => Some(METADATA),
            Self::KeysAgain | Self::Userinfo => Some(TOKEN),
            Self::Discovery | Self::LoginStart | Self::Token | Self::Refresh => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Keys => "keys",
            Self::LoginStart => "login start",
            Self::Token => "token",
            Self::KeysAgain => "keys again",
            Self::Userinfo => "userinfo",
            Self::Refresh => "refresh",
            Self::BackchannelLogout => "back-channel logout",
        }
    }
}

/// A transport fault at the step's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Nothing listens: the connection is refused.
    Down,
    /// No answer before the provider timeout.
    Slow,
    /// The headers and half the body at once, the rest not before the provider timeout.
    Stalled,
    /// `500 Internal Server Error`.
    ServerError,
    /// `200` and a body that is no JSON.
    Garbage,
    /// The real document padded to 2 MiB, over the client's 1 MiB cap, with no
    /// `Content-Length`: the client can only tell by counting.
    Huge,
    /// A `Content-Length` larger than what is sent, then the connection closed.
    Truncated,
    /// The real document labelled `text/html`.
    WrongContentType,
}

/// What the proxy holds a slow answer (or the rest of a stalled body) for: well past the provider timeout and the slack a
/// call is given over it, so a call that did not time out shows.
const SLOW_HOLD: Duration = Duration::from_secs(5);
/// How much longer than the provider timeout a faulted step may take (loopback calls, a
/// login's signature checks, a loaded machine).
const SLACK: Duration = Duration::from_secs(2);
/// The size of a huge answer.
const HUGE: usize = 2 * 1024 * 1024;

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Slow => "slow",
            Self::Stalled => "stalled body",
            Self::ServerError => "500",
            Self::Garbage => "garbage",
            Self::Huge => "huge",
            Self::Truncated => "truncated",
            Self::WrongContentType => "wrong content type",
        }
    }

    /// The proxy's fault; `None` for down, which is the proxy stopped.
    fn injected(self) -> Option<faults::Fault> {
        match self {
            Self::Down => None,
            Self::Slow => Some(faults::Fault::Slow(SLOW_HOLD)),
            Self::Stalled => Some(faults::Fault::Stalled(SLOW_HOLD)),
            Self::ServerError => Some(faults::Fault::ServerError),
            Self::Garbage => Some(faults::Fault::Garbage),
            Self::Huge => Some(faults::Fault::Huge {
                len: HUGE,
                announced: false,
            }),
            Self::Truncated => Some(faults::Fault::Truncated),
            Self::WrongContentType => Some(faults::Fault::ContentType("text/html; charset=utf-8")),
        }
    }
}

/// The login failure the user is shown, by its fixed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    /// `LoginFailure::ProviderUnavailable`.
    ProviderUnavailable,
    /// `LoginFailure::Rejected`.
    Rejected,
}

impl Shown {
    fn message(self) -> &'static str {
        match self {
            Self::ProviderUnavailable => {
                "the login provider is unavailable; please try again later"
            }
            Self::Rejected => "the login provider's answer was refused; please try again",
        }
    }

    fn of(message: &str) -> Option<Self> {
        [Self::ProviderUnavailable, Self::Rejected]
            .into_iter()
            .find(|shown| shown.message() == message)
    }
}

/// What a cell's step ends in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// `Auth::discover` reports the provider unusable, the reason holding this text; the
    /// app's pages still serve.
    Reported(&'static str),
    /// The login ends back on the page it started from, logged out, with no identity cookie
    /// set, and this failure shown there.
    LoginFails(Shown),
    /// The fault does no harm: the step goes through (the metadata or keys are accepted, the
    /// login completes, the session is refreshed, the logout token ends its session).
    Tolerated,
    /// The session is kept as it was: still logged in, no cookie set or deleted, nothing
    /// shown; the refresh is tried again later.
    SessionKept,
    /// The back-channel logout is answered `400` (the provider may send it again); the
    /// session lives on.
    LogoutRefused,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reported(why) => write!(f, "reported: \"…{why}…\""),
            Self::LoginFails(Shown::ProviderUnavailable) => {
                f.write_str("login fails: `ProviderUnavailable` shown, no identity cookie")
            }
            Self::LoginFails(Shown::Rejected) => {
                f.write_str("login fails: `Rejected` shown, no identity cookie")
            }
            Self::Tolerated => f.write_str("goes through"),
            Self::SessionKept => f.write_str("session kept, refresh retried later"),
            Self::LogoutRefused => f.write_str("`400`, the session lives on"),
        }
    }
}

impl Outcome {
    /// The outcome of `step`, in a sentence for the documentation's list.
    fn described(&self, step: Step) -> String {
        match (self, step) {
            (Self::Tolerated, Step::Discovery | Step::Keys) => {
                "goes through: the document is read as JSON whatever its type".to_owned()
            }
            (
                Self::Tolerated,
                Step::LoginStart | Step::Token | Step::KeysAgain | Step::Userinfo,
            ) => "goes through: logged in".to_owned(),
            (Self::Tolerated, Step::Refresh) => "goes through: the session refreshed".to_owned(),
            (Self::Tolerated, Step::BackchannelLogout) => {
                "goes through: `200`, the session ended".to_owned()
            }
            (outcome, _) => outcome.to_string(),
        }
    }

    /// The outcome in a word or two, for the documentation's grid.
    fn short(&self) -> &'static str {
        match self {
            Self::Reported(_) => "reported",
            Self::LoginFails(Shown::ProviderUnavailable) => "fails: unavailable",
            Self::LoginFails(Shown::Rejected) => "fails: rejected",
            Self::Tolerated => "goes through",
            Self::SessionKept => "session kept",
            Self::LogoutRefused => "400, session kept",
        }
    }
}

/// What a cell's step was seen to end in: an [`Outcome`] with the words it had.
#[derive(Debug)]
enum Seen {
    Reported(String),
    LoginFails(Option<Shown>),
    Tolerated,
    SessionKept,
    LogoutRefused,
}

impl Seen {
    fn is(&self, expected: &Outcome) -> bool {
        match (self, expected) {
            (Self::Reported(why), Outcome::Reported(part)) => why.contains(part),
            (Self::LoginFails(shown), Outcome::LoginFails(expected)) => *shown == Some(*expected),
            (Self::Tolerated, Outcome::Tolerated)
            | (Self::SessionKept, Outcome::SessionKept)
            | (Self::LogoutRefused, Outcome::LogoutRefused) => true,
            _ => false,
        }
    }
}

/// One cell of the matrix.
#[derive(Clone, Debug)]
struct Cell {
    test: &'static str,
    step: Step,
    fault: Fault,
    outcome: Outcome,
}

/// The matrix: each line a cell, `test: Step, Fault => Outcome`; each makes a test of that
/// name, and [`CELLS`] lists them all for the documentation check.
macro_rules! matrix {
    ($($test:ident: $step:ident, $fault:ident => $outcome:expr;)*) => {
        /// Every cell, in the order of the documentation's table.
        fn cells() -> Vec<Cell> {
            use Outcome::*;
            use Shown::*;
            vec![$(Cell {
                test: stringify!($test),
                step: Step::$step,
                fault: Fault::$fault,
                outcome: $outcome,
            }),*]
        }

        $(
            #[tokio::test]
            async fn $test() {
                let cell = cells()
                    .into_iter()
                    .find(|cell| cell.test == stringify!($test))
                    .expect("the cell is in the table");
                check(&cell).await;
            }
        )*
    };
}

matrix! {
    discovery_down: Discovery, Down => Reported("connection failed");
    discovery_slow: Discovery, Slow => Reported("timed out");
    discovery_stalled: Discovery, Stalled => Reported("timed out");
    discovery_500: Discovery, ServerError => Reported("500");
    discovery_garbage: Discovery, Garbage => Reported("not JSON");
    discovery_huge: Discovery, Huge => Reported("answered more than 1048576 bytes");
    discovery_truncated: Discovery, Truncated => Reported("broke off before its end");
    discovery_wrong_content_type: Discovery, WrongContentType => Tolerated;

    keys_down: Keys, Down => Reported("connection failed");
    keys_slow: Keys, Slow => Reported("timed out");
    keys_stalled: Keys, Stalled => Reported("timed out");
    keys_500: Keys, ServerError => Reported("500");
    keys_garbage: Keys, Garbage => Reported("not JSON");
    keys_huge: Keys, Huge => Reported("answered more than 1048576 bytes");
    keys_truncated: Keys, Truncated => Reported("broke off before its end");
    keys_wrong_content_type: Keys, WrongContentType => Tolerated;

    login_start_down: LoginStart, Down => LoginFails(ProviderUnavailable);
    login_start_slow: LoginStart, Slow => LoginFails(ProviderUnavailable);
    login_start_stalled: LoginStart, Stalled => LoginFails(ProviderUnavailable);
    login_start_500: LoginStart, ServerError => LoginFails(ProviderUnavailable);
    login_start_garbage: LoginStart, Garbage => LoginFails(ProviderUnavailable);
    login_start_huge: LoginStart, Huge => LoginFails(ProviderUnavailable);
    login_start_truncated: LoginStart, Truncated => LoginFails(ProviderUnavailable);
    login_start_wrong_content_type: LoginStart, WrongContentType => Tolerated;

    token_down: Token, Down => LoginFails(ProviderUnavailable);
    token_slow: Token, Slow => LoginFails(ProviderUnavailable);
    token_stalled: Token, Stalled => LoginFails(ProviderUnavailable);
    token_500: Token, ServerError => LoginFails(ProviderUnavailable);
    token_garbage: Token, Garbage => LoginFails(ProviderUnavailable);
    token_huge: Token, Huge => LoginFails(ProviderUnavailable);
    token_truncated: Token, Truncated => LoginFails(ProviderUnavailable);
    token_wrong_content_type: Token, WrongContentType => Tolerated;

    keys_again_down: KeysAgain, Down => LoginFails(ProviderUnavailable);
    keys_again_slow: KeysAgain, Slow => LoginFails(ProviderUnavailable);
    keys_again_stalled: KeysAgain, Stalled => LoginFails(ProviderUnavailable);
    keys_again_500: KeysAgain, ServerError => LoginFails(ProviderUnavailable);
    keys_again_garbage: KeysAgain, Garbage => LoginFails(ProviderUnavailable);
    keys_again_huge: KeysAgain, Huge => LoginFails(ProviderUnavailable);
    keys_again_truncated: KeysAgain, Truncated => LoginFails(ProviderUnavailable);
    keys_again_wrong_content_type: KeysAgain, WrongContentType => Tolerated;

    userinfo_down: Userinfo, Down => LoginFails(ProviderUnavailable);
    userinfo_slow: Userinfo, Slow => LoginFails(ProviderUnavailable);
    userinfo_stalled: Userinfo, Stalled => LoginFails(ProviderUnavailable);
    userinfo_500: Userinfo, ServerError => LoginFails(ProviderUnavailable);
    userinfo_garbage: Userinfo, Garbage => LoginFails(ProviderUnavailable);
    userinfo_huge: Userinfo, Huge => LoginFails(ProviderUnavailable);
    userinfo_truncated: Userinfo, Truncated => LoginFails(ProviderUnavailable);
    userinfo_wrong_content_type: Userinfo, WrongContentType => Tolerated;

    refresh_down: Refresh, Down => SessionKept;
    refresh_slow: Refresh, Slow => SessionKept;
    refresh_stalled: Refresh, Stalled => SessionKept;
    refresh_500: Refresh, ServerError => SessionKept;
    refresh_garbage: Refresh, Garbage => SessionKept;
    refresh_huge: Refresh, Huge => SessionKept;
    refresh_truncated: Refresh, Truncated => SessionKept;
    refresh_wrong_content_type: Refresh, WrongContentType => Tolerated;

    backchannel_logout_down: BackchannelLogout, Down => LogoutRefused;
    backchannel_logout_slow: BackchannelLogout, Slow => LogoutRefused;
    backchannel_logout_stalled: BackchannelLogout, Stalled => LogoutRefused;
    backchannel_logout_500: BackchannelLogout, ServerError => LogoutRefused;
    backchannel_logout_garbage: BackchannelLogout, Garbage => LogoutRefused;
    backchannel_logout_huge: BackchannelLogout, Huge => LogoutRefused;
    backchannel_logout_truncated: BackchannelLogout, Truncated => LogoutRefused;
    backchannel_logout_wrong_content_type: BackchannelLogout, WrongContentType => Tolerated;
}

/// Turns `cell`'s fault on: the proxy stopped now (down, for a step that is the first call of
/// its operation), stopped once the call before the step's is answered (down, otherwise), or
/// breaking the step's answers.
async fn inject(rig: &Rig, cell: &Cell) {
    match (cell.fault.injected(), cell.step.follows()) {
        (Some(fault), _) => rig.proxy.inject(cell.step.path(), fault),
        (None, Some(before)) => rig.proxy.stop_after(before),
        (None, None) => rig.proxy.stop().await,
    }
}

/// Runs `cell`'s step with its fault and checks what it ends in, how long it took, and that
/// the fault was met.
async fn check(cell: &Cell) {
    let sessions = match cell.step {
        Step::Refresh => Sessions::AlwaysDue,
        _ => Sessions::Plain,
    };
    let rig = Rig::start(sessions).await;
    let (seen, took) = match cell.step {
        Step::Discovery | Step::Keys => discover(&rig, cell).await,
        Step::LoginStart => login_start(&rig, cell).await,
        Step::Token | Step::KeysAgain | Step::Userinfo => callback(&rig, cell).await,
        Step::Refresh => refresh(&rig, cell).await,
        Step::BackchannelLogout => backchannel_logout(&rig, cell).await,
    };
    let name = format!("{} × {}", cell.step.name(), cell.fault.name());
    assert!(
        seen.is(&cell.outcome),
        "{name}: expected {}, saw {seen:?}",
        cell.outcome
    );
    assert!(
        took < PROVIDER_TIMEOUT + SLACK,
        "{name}: took {took:?}, past the provider timeout ({PROVIDER_TIMEOUT:?}) and {SLACK:?}"
    );
    if matches!(cell.fault, Fault::Slow | Fault::Stalled) {
        assert!(
            took >= PROVIDER_TIMEOUT,
            "{name}: took {took:?}, less than the provider timeout: the call did not wait for it"
        );
    }
    match cell.step.follows() {
        _ if cell.fault != Fault::Down => assert!(
            rig.proxy.hits(cell.step.path()) > 0,
            "{name}: the step never called {}",
            cell.step.path()
        ),
        Some(before) => assert!(
            rig.proxy.hits(before) > 0 && !rig.proxy.is_listening(),
            "{name}: the provider never went down after {before}"
        ),
        None => assert!(!rig.proxy.is_listening(), "{name}: the provider is up"),
    }
}

/// `Auth::discover` with the fault on; then the app's page, which must still serve.
async fn discover(rig: &Rig, cell: &Cell) -> (Seen, Duration) {
    inject(rig, cell).await;
    let started = Instant::now();
    let reports = rig.app.auth.discover().await;
    let took = started.elapsed();
    let seen = match &reports[..] {
        [report] => match &report.outcome {
            Ok(_) => Seen::Tolerated,
            Err(why) => Seen::Reported(why.clone()),
        },
        other => panic!("one provider, one report: {other:?}"),
    };
    let page = Browser::new().page(&rig.app).await;
    assert!(!page.logged_in, "nobody logged in: {page:?}");
    (seen, took)
}

/// `/auth/login` with nothing cached and the fault on.
async fn login_start(rig: &Rig, cell: &Cell) -> (Seen, Duration) {
    let browser = Browser::new();
    inject(rig, cell).await;
    let started = Instant::now();
    let login = browser.start_login(&rig.app).await;
    let took = started.elapsed();
    assert_eq!(login.status(), 303, "the login start redirects");
    assert_eq!(
        identity_cookie(&login),
        IdentityCookie::Untouched,
        "a login start sets no identity cookie"
    );
    if location(&login).starts_with(&rig.proxy.url()) {
        // Sent on to the provider: the login goes on, with the faulted answer taken.
        let callback = browser.through_provider(&login).await;
        let done = browser.get(&callback).await;
        return (login_ended(&browser, rig, &done).await, took);
    }
    (login_ended(&browser, rig, &login).await, took)
}

/// The callback, with the fault on at its token call, its second fetch of the keys (the
/// provider rotated its key after the login started) or its userinfo call.
async fn callback(rig: &Rig, cell: &Cell) -> (Seen, Duration) {
    let browser = Browser::new();
    let login = browser.start_login(&rig.app).await;
    if cell.step == Step::KeysAgain {
        rig.idp.idp.rotate_keys();
    }
    let callback = browser.through_provider(&login).await;
    inject(rig, cell).await;
    let started = Instant::now();
    let done = browser.get(&callback).await;
    let took = started.elapsed();
    (login_ended(&browser, rig, &done).await, took)
}

/// How a login ended, from the app's last response of it (`ended`) and the page the browser
/// is sent to: logged in with the identity cookie set, or sent back to [`RETURN_TO`] with no
/// identity cookie, logged out, a failure shown.
async fn login_ended(browser: &Browser, rig: &Rig, ended: &reqwest::Response) -> Seen {
    assert_eq!(ended.status(), 303, "the login's end redirects");
    assert_eq!(location(ended), RETURN_TO, "back where the login started");
    let page = browser.page(&rig.app).await;
    match identity_cookie(ended) {
        IdentityCookie::Set => {
            assert!(page.logged_in, "the identity cookie opens: {page:?}");
            assert_eq!(
                page.failure, None,
                "a login that went through shows nothing"
            );
            Seen::Tolerated
        }
        IdentityCookie::Untouched | IdentityCookie::Deleted => {
            assert!(!page.logged_in, "a failed login logs nobody in: {page:?}");
            let shown = page.failure.as_deref().map(|message| {
                Shown::of(message).unwrap_or_else(|| panic!("an unexpected failure: {message}"))
            });
            Seen::LoginFails(shown)
        }
    }
}

/// A page read with a session due for a refresh (its access token valid for minutes yet),
/// with the fault on at the refresh's token call.
async fn refresh(rig: &Rig, cell: &Cell) -> (Seen, Duration) {
    let browser = Browser::new();
    let before = browser.log_in(&rig.app).await;
    inject(rig, cell).await;
    let started = Instant::now();
    let page = browser.page(&rig.app).await;
    let took = started.elapsed();
    assert!(
        page.logged_in,
        "a refresh that fails at the provider keeps the session while its access token is valid: {page:?}"
    );
    assert_eq!(page.failure, None, "nothing to show: {page:?}");
    assert_eq!(page.user["sub"], before["sub"], "the same user");
    let seen = match page.identity_cookie {
        IdentityCookie::Untouched => Seen::SessionKept,
        IdentityCookie::Set => Seen::Tolerated,
        IdentityCookie::Deleted => panic!("the session's cookie was deleted: {page:?}"),
    };
    (seen, took)
}

/// A back-channel logout token for a logged-in user, posted to the app right after a
/// restart (nothing fetched yet), with the fault on at the key set it fetches to check it.
async fn backchannel_logout(rig: &Rig, cell: &Cell) -> (Seen, Duration) {
    let browser = Browser::new();
    let user = browser.log_in(&rig.app).await;
    let restarted = rig.another_app().await;
    let token = rig.logout_token(&user);
    inject(rig, cell).await;
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .post(restarted.url("/auth/backchannel-logout"))
        .form(&[("logout_token", token.as_str())])
        .send()
        .await
        .expect("the back-channel logout answers");
    let took = started.elapsed();
    let status = answer.status();
    let body = answer.text().await.expect("the answer's body");
    let page = browser.page(&restarted).await;
    let seen = match status.as_u16() {
        200 => {
            assert!(
                !page.logged_in,
                "a logout token that checks out ends the session"
            );
            Seen::Tolerated
        }
        400 => {
            assert!(
                body.contains("invalid_request"),
                "an OAuth error body: {body}"
            );
            assert!(
                page.logged_in,
                "a logout token that cannot be checked ends nothing: {page:?}"
            );
            Seen::LogoutRefused
        }
        other => panic!("the back-channel logout answered {other}: {body}"),
    };
    (seen, took)
}

/// The app restarted between a login's start and its callback (a deploy, a crash): a new
/// `Auth` built from the same secrets, on the same port, opens the login transaction the old
/// one sealed and completes the login.
#[tokio::test]
async fn an_app_restarted_between_login_start_and_callback_completes_the_login() {
    let mut rig = Rig::start(Sessions::Plain).await;
    let browser = Browser::new();
    let login = browser.start_login(&rig.app).await;
    let callback = browser.through_provider(&login).await;
    rig.restart_app().await;
    let done = browser.get(&callback).await;
    assert_eq!(
        identity_cookie(&done),
        IdentityCookie::Set,
        "the restarted app logs the user in"
    );
    assert_eq!(location(&done), RETURN_TO, "back where the login started");
    let page = browser.page(&rig.app).await;
    assert!(page.logged_in, "logged in at the restarted app: {page:?}");
    assert_eq!(
        rig.idp.idp.requests_to(METADATA).len(),
        2,
        "the restarted app fetched the metadata for itself"
    );
}

/// The provider restarted with new signing keys (and none of its old state): the next login's
/// ID token names a key the app has not seen, so the app fetches the keys once more and the
/// login succeeds; a session from before is the app's own cookie and stays.
#[tokio::test]
async fn a_provider_restarted_with_new_keys_has_them_fetched_by_the_next_login() {
    let mut rig = Rig::start(Sessions::Plain).await;
    let before = Browser::new();
    before.log_in(&rig.app).await;
    let (mut keys, _) = doorman_devidp::test_keys();
    // `rsa-b` signs from now on, and the key set lists it alone.
    keys.rotate_left(1);
    rig.restart_provider(keys);
    let after = Browser::new();
    after.log_in(&rig.app).await;
    assert_eq!(
        rig.idp.idp.requests_to(JWKS).len(),
        1,
        "the login fetched the restarted provider's keys once"
    );
    assert!(
        before.page(&rig.app).await.logged_in,
        "the session from before the provider's restart lives on"
    );
}

/// How long a provider that could not be reached is remembered (`provider.rs`'s
/// `RETRY_AFTER`), and how long a failed refresh waits before the next (`refresh_flights.rs`'s
/// `FIRST_RETRY`): both 5 s.
const REMEMBERED_DOWN: Duration = Duration::from_secs(5);

/// The provider down, then back: a login fails fast while the failure is remembered (no call
/// to the provider) and succeeds after; a session whose refresh found it down lives on, and is
/// refreshed at the next try after the backoff.
#[tokio::test]
async fn a_provider_back_after_being_down_serves_logins_and_refreshes_again() {
    let (login_rig, refresh_rig) =
        tokio::join!(Rig::start(Sessions::Plain), Rig::start(Sessions::AlwaysDue));
    let (logins, refreshes) = (Browser::new(), Browser::new());
    refreshes.log_in(&refresh_rig.app).await;
    login_rig.proxy.stop().await;
    refresh_rig.proxy.stop().await;
    let failed = logins.start_login(&login_rig.app).await;
    assert_eq!(location(&failed), RETURN_TO, "the login is refused at once");
    let kept = refreshes.page(&refresh_rig.app).await;
    assert!(
        kept.logged_in && kept.identity_cookie == IdentityCookie::Untouched,
        "the session lives on while the provider is down: {kept:?}"
    );
    let down_since = Instant::now();
    login_rig
        .proxy
        .restart()
        .await
        .expect("the provider is back");
    refresh_rig
        .proxy
        .restart()
        .await
        .expect("the provider is back");

    let early = logins.start_login(&login_rig.app).await;
    assert_eq!(
        location(&early),
        RETURN_TO,
        "within {REMEMBERED_DOWN:?} the failure is remembered"
    );
    assert_eq!(
        login_rig.idp.idp.requests_to(METADATA).len(),
        0,
        "and the provider is not asked"
    );
    let page = logins.page(&login_rig.app).await;
    assert_eq!(
        page.failure.as_deref(),
        Some(Shown::ProviderUnavailable.message())
    );

    tokio::time::sleep(
        REMEMBERED_DOWN.saturating_sub(down_since.elapsed()) + Duration::from_millis(200),
    )
    .await;
    let user = logins.log_in(&login_rig.app).await;
    assert_eq!(user["is_logged_in"], true);
    let refreshed = refreshes.page(&refresh_rig.app).await;
    assert!(refreshed.logged_in, "still logged in: {refreshed:?}");
    assert_eq!(
        refreshed.identity_cookie,
        IdentityCookie::Set,
        "the session is refreshed once the backoff is over"
    );
}

/// `AuthOptions::provider_timeout` of zero would fail every provider call: refused at start,
/// naming the option.
#[test]
fn a_zero_provider_timeout_is_refused_at_start() {
    let secrets = "[auth]\nredirect_uri = \"http://127.0.0.1:8501/oauth2callback\"\ncookie_secret = \"fault-matrix-cookie-secret-0123456789abcdef\"\nclient_id = \"app\"\nclient_secret = \"secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n";
    let config = doorman_secrets::AuthConfig::parse(
        secrets,
        doorman_secrets::Origin::Text("zero timeout".into()),
    )
    .expect("secrets");
    let refused = doorman_axum::Auth::new(
        &config,
        doorman_axum::AuthOptions::default().provider_timeout(Duration::ZERO),
    )
    .expect_err("a zero provider timeout is refused");
    assert!(
        refused
            .to_string()
            .contains("`provider_timeout` must be more than zero"),
        "{refused}"
    );
}

const STEPS: [Step; 8] = [
    Step::Discovery,
    Step::Keys,
    Step::LoginStart,
    Step::Token,
    Step::KeysAgain,
    Step::Userinfo,
    Step::Refresh,
    Step::BackchannelLogout,
];

const FAULTS: [Fault; 8] = [
    Fault::Down,
    Fault::Slow,
    Fault::Stalled,
    Fault::ServerError,
    Fault::Garbage,
    Fault::Huge,
    Fault::Truncated,
    Fault::WrongContentType,
];

/// The tables of `docs/reliability.md` for this matrix, as the cells make them.
fn documented_tables(cells: &[Cell]) -> String {
    let documented: Vec<DocumentedCell> = cells
        .iter()
        .map(|cell| DocumentedCell {
            step: cell.step.name(),
            fault: cell.fault.name(),
            short: cell.outcome.short(),
            described: cell.outcome.described(cell.step),
            test: cell.test,
        })
        .collect();
    matrix_doc::tables(
        "step",
        "fault_matrix.rs",
        &STEPS.map(Step::name),
        &FAULTS.map(Fault::name),
        &documented,
    )
}

/// `docs/reliability.md` shows the matrix as tested: its tables are the ones the cells make,
/// so neither can change without the other.
#[test]
fn the_reliability_doc_holds_the_fault_matrix_as_tested() {
    let cells = cells();
    assert_eq!(
        cells.len(),
        STEPS.len() * FAULTS.len(),
        "one cell per step and fault"
    );
    matrix_doc::assert_documented("the fault matrix", &documented_tables(&cells));
}

/// An answer whose `Content-Length` is over the cap is refused from its headers, before its
/// body is read (the matrix's huge answers announce no length, so the cap is counted).
#[tokio::test]
async fn an_answer_announcing_more_than_the_cap_is_refused_unread() {
    let rig = Rig::start(Sessions::Plain).await;
    rig.proxy.inject(
        METADATA,
        faults::Fault::Huge {
            len: HUGE,
            announced: true,
        },
    );
    let reports = rig.app.auth.discover().await;
    let refused = reports
        .first()
        .and_then(|report| report.outcome.as_ref().err())
        .expect("the metadata is refused");
    assert!(
        refused.contains("announced more than 1048576 bytes"),
        "{refused}"
    );
    assert_eq!(rig.proxy.hits(METADATA), 1, "the huge answer was sent");
}

/// A login whose start fetched the keys (nothing cached yet) and whose ID token is signed
/// with a key the provider rotated in meanwhile gets the keys again, even when that first
/// fetch ended in the second after the one the login began in: a login begins once its
/// metadata and keys are in hand, and the rule for fetching again compares whole seconds.
/// (Found by `keys_again_*` on a loaded machine, where the fetch sometimes crossed a second.)
#[tokio::test]
async fn a_key_rotated_in_during_a_login_is_fetched_again_when_the_first_fetch_crossed_a_second() {
    let rig = Rig::start(Sessions::Plain).await;
    // The login start reads the clock at about x.8 s; its key fetch is held 400 ms, to end
    // after (x+1).0 s.
    rig.proxy
        .inject(JWKS, faults::Fault::Slow(Duration::from_millis(400)));
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .subsec_millis();
    tokio::time::sleep(Duration::from_millis(u64::from(
        (1_800 - into_second) % 1_000,
    )))
    .await;
    let browser = Browser::new();
    let login = browser.start_login(&rig.app).await;
    assert_eq!(rig.proxy.hits(JWKS), 1, "the login start fetched the keys");
    rig.proxy.heal();
    rig.idp.idp.rotate_keys();
    let callback = browser.through_provider(&login).await;
    let done = browser.get(&callback).await;
    let page = browser.page(&rig.app).await;
    assert_eq!(
        identity_cookie(&done),
        IdentityCookie::Set,
        "logged in with the rotated key: {page:?}"
    );
    assert_eq!(
        rig.idp.idp.requests_to(JWKS).len(),
        2,
        "the keys were fetched again for the rotated key"
    );
}

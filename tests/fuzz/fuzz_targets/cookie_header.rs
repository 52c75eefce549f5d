//! Any `Cookie` header, alone or after a valid identity cookie, through the adapter's layer
//! and `User` extractor (the byte-level split, the fast path for a sole identity cookie, the
//! memo of opened cookies, chunk joining, opening): an answer, never a panic, and never a
//! logged-in user unless the header holds the valid cookie unchanged.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, header};
use tower::ServiceExt;

const SECRET: &str = "fuzz-cookie-secret-0123456789abcdef";

struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: Router,
    valid: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _entered = runtime.enter();
        let secrets = format!(
            "[auth]\nredirect_uri = \"http://127.0.0.1:8501/oauth2callback\"\ncookie_secret = \"{SECRET}\"\n\n[auth.dev]\nclient_id = \"fuzz\"\nclient_secret = \"fuzz-secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n"
        );
        let config = doorman_secrets::AuthConfig::parse(&secrets, doorman_secrets::Origin::Text("fuzz".into()))
            .expect("secrets");
        let auth = doorman_axum::Auth::new(&config, doorman_axum::AuthOptions::default()).expect("auth");
        let router = Router::new()
            .route(
                "/",
                get(|user: doorman_axum::User| async move { if user.is_logged_in() { "in" } else { "out" } }),
            )
            .layer(auth.layer());
        let now = SystemTime::now();
        let expires = now + Duration::from_secs(3600);
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), "ada".into());
        let session = doorman_user::Session::new("dev", claims, Default::default(), now, expires, None);
        let sealer = doorman_seal::Sealer::new(doorman_seal::Purpose::Identity, SECRET.as_bytes(), &[])
            .expect("sealer");
        let valid = sealer
            .seal("doorman_user", &session.to_bytes().expect("a session within the limit"), expires, now, [7; 12])
            .expect("seal");
        Fixture { runtime, router, valid }
    })
}

fn answer(fixture: &Fixture, cookie: &[u8]) -> Option<bool> {
    let request = Request::get("/").header(header::COOKIE, cookie).body(Body::empty()).ok()?;
    let response = fixture
        .runtime
        .block_on(fixture.router.clone().oneshot(request))
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), 200);
    let body = fixture.runtime.block_on(axum::body::to_bytes(response.into_body(), 16)).expect("body");
    Some(&body[..] == b"in")
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    if let Some(logged_in) = answer(fixture, data) {
        // Without the valid value in it, no header logs anyone in.
        let holds_valid = data.windows(fixture.valid.len()).any(|w| w == fixture.valid.as_bytes());
        assert!(holds_valid || !logged_in, "logged in by {:?}", String::from_utf8_lossy(data));
    }
    // The same bytes after the valid cookie: opened from the memo or not, never a panic.
    let mut after = format!("doorman_user={}; ", fixture.valid).into_bytes();
    after.extend_from_slice(data);
    let _ = answer(fixture, &after);
});

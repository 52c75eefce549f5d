//! A logged-in request through the router, in process (no sockets): `GET /user.json` behind
//! doorman's layer, the user read from a sealed identity cookie, next to the same app
//! without the layer serving the same JSON. The ratio is what doorman adds to a request
//! before any network cost.
//!
//! Both routers run as an app's do: with axum's default features (`matched-path`,
//! `original-uri`, which the dev-dependency turns on), made ready with `with_state(())`
//! as `axum::serve` makes them, on requests whose URI bytes are shared as hyper's are.
//!
//! Two pairs: the user serialized as it is (`Json(user.into_inner())`) against a prebuilt
//! JSON value serialized in place; and Streamlit's `to_dict()` (a copy of the claims)
//! against a copy of the prebuilt value. The first also with a refreshable session (a refresh
//! token kept, no refresh due), whose extra cost is the check that no refresh is due.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::response::{Json, Response};
use axum::routing::get;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use doorman_axum::testing::{VirtualClock, in_process_auth};
use doorman_axum::{Auth, AuthOptions, User};
use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient};
use doorman_seal::{Purpose, Sealer};
use doorman_secrets::{AuthConfig, Origin};
use doorman_testkit::claims;
use doorman_user::{ExposedTokens, Session};
use http::{Request, Uri, header};
use serde_json::{Map, Value};
use tower::{Service, ServiceExt};

const COOKIE_SECRET: &str = "bench-cookie-secret-0123456789abcdef";

fn auth() -> Auth {
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:8501/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n\n[auth.google]\nclient_id = \"bench\"\nclient_secret = \"bench-secret\"\nserver_metadata_url = \"http://127.0.0.1:9/.well-known/openid-configuration\"\n"
    );
    let config = AuthConfig::parse(&secrets, Origin::Text("bench".into())).expect("secrets");
    Auth::new(&config, AuthOptions::default()).expect("auth")
}

/// The audience of the bearer benchmark's API.
const API: &str = "https://api.bench.test";

/// An `Auth` that takes bearer tokens for [`API`] from the development provider (answering in
/// process), and a token of its, valid for an hour.
fn bearer_auth() -> (Auth, String) {
    let now = SystemTime::now();
    let idp = Arc::new(DevIdp::new(
        DevIdpConfig::new(url::Url::parse("http://idp.bench").expect("issuer"))
            .with_client(RegisteredClient {
                client_id: "bench".into(),
                client_secret: "bench-secret".into(),
                redirect_uris: vec!["http://127.0.0.1:8501/oauth2callback".into()],
                post_logout_redirect_uris: Vec::new(),
            })
            .with_jwt_access_tokens(API),
    ));
    let token = idp.issue_access_token("ada", now).expect("a token");
    let secrets = format!(
        "[auth]\nredirect_uri = \"http://127.0.0.1:8501/oauth2callback\"\ncookie_secret = \"{COOKIE_SECRET}\"\n\n[auth.dev]\nclient_id = \"bench\"\nclient_secret = \"bench-secret\"\nserver_metadata_url = \"http://idp.bench/.well-known/openid-configuration\"\napi_audience = \"{API}\"\n"
    );
    let config = AuthConfig::parse(&secrets, Origin::Text("bench".into())).expect("secrets");
    let auth = in_process_auth(
        &config,
        AuthOptions::default(),
        &VirtualClock::starting_at(now),
        move |request, at| Some(idp.handle(request, at)),
    )
    .expect("auth");
    (auth, token)
}

/// A valid identity cookie header for `claims`, and the JSON the app serves for it.
/// `refreshable`: the session holds a refresh token, its access token far from its expiry
/// (an app that asks for `offline_access`, on a request where no refresh is due).
fn cookie(claims: Map<String, Value>, refreshable: bool) -> (String, Value) {
    let now = SystemTime::now();
    let expires = now + Duration::from_secs(30 * 86_400);
    let mut session = Session::new(
        "google",
        claims,
        ExposedTokens::default(),
        now,
        expires,
        None,
    );
    if refreshable {
        session = session.with_refresh(
            Some("bench-refresh-token".to_owned()),
            Some(now + Duration::from_secs(3_600)),
        );
    }
    let sealer = Sealer::new(Purpose::Identity, COOKIE_SECRET.as_bytes(), &[]).expect("secret");
    let sealed = sealer
        .seal(
            "doorman_user",
            &session.to_bytes().expect("a session within the limit"),
            expires,
            now,
            [9; 12],
        )
        .expect("seal");
    let chunks = doorman_seal::split("doorman_user", &sealed, 60).expect("split");
    let header: Vec<String> = chunks.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let json = Value::Object(doorman_user::Identity::logged_in(session).to_dict());
    (header.join("; "), json)
}

/// A request for `uri`, whose bytes are shared as a server's are (hyper's URIs point into
/// the buffer the request was read into), so that a clone of it does not copy them.
fn request(uri: &Uri, cookie: &str) -> Request<Body> {
    Request::get(uri.clone())
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

/// A prebuilt JSON value, serialized without copying it.
struct SharedJson(Arc<Value>);

impl serde::Serialize for SharedJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[inline(never)]
fn serve(
    runtime: &tokio::runtime::Runtime,
    router: &mut Router,
    request: Request<Body>,
) -> Response {
    runtime.block_on(async {
        let ready: &mut Router = ServiceExt::<Request<Body>>::ready(router)
            .await
            .unwrap_or_else(|e: Infallible| match e {});
        ready
            .call(request)
            .await
            .unwrap_or_else(|e: Infallible| match e {})
    })
}

fn logged_in_request(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _entered = runtime.enter();
    let auth = auth();
    let mut group = c.benchmark_group("request");
    for (name, claims) in [
        ("google", claims::google_claims()),
        ("groups_100", claims::claims_with_groups(100)),
    ] {
        let (refreshable, _) = cookie(claims.clone(), true);
        let (cookie, json) = cookie(claims, false);
        let guarded = Router::new()
            .route(
                "/private.json",
                get(|user: User| async move { Json(user.into_inner()) }),
            )
            .layer(auth.require_login());
        let mut with_layer = Router::new()
            .route(
                "/user.json",
                get(|user: User| async move { Json(user.into_inner()) }),
            )
            .route(
                "/user-dict.json",
                get(|user: User| async move { Json(Value::Object(user.to_dict())) }),
            )
            .merge(auth.routes())
            .layer(auth.layer())
            .merge(guarded)
            .with_state(());
        for path in ["/user.json", "/user-dict.json", "/private.json"] {
            let uri: Uri = path.parse().expect("a path");
            let response = serve(&runtime, &mut with_layer, request(&uri, &cookie));
            assert_eq!(response.status(), 200);
        }
        // Shared, so that axum's per-request clone of a handler copies a pointer.
        let json = Arc::new(json);
        let cloned = Arc::clone(&json);
        let mut without_layer = Router::new()
            .route(
                "/user.json",
                get(move || {
                    let body = SharedJson(Arc::clone(&json));
                    async move { Json(body) }
                }),
            )
            .route(
                "/user-dict.json",
                get(move || {
                    let body = Value::clone(&cloned);
                    async move { Json(body) }
                }),
            )
            .with_state(());
        for (id, layered, path, cookie) in [
            ("doorman", true, "/user.json", &cookie),
            ("doorman_require_login", true, "/private.json", &cookie),
            ("doorman_refreshable", true, "/user.json", &refreshable),
            ("without_layer", false, "/user.json", &cookie),
            ("doorman_to_dict", true, "/user-dict.json", &cookie),
            ("without_layer_cloned", false, "/user-dict.json", &cookie),
        ] {
            let router = if layered {
                &mut with_layer
            } else {
                &mut without_layer
            };
            let uri: Uri = path.parse().expect("a path");
            group.bench_with_input(BenchmarkId::new(id, name), cookie, |b, cookie| {
                b.iter(|| serve(&runtime, router, request(&uri, cookie)));
            });
        }
    }
    bearer_request(&runtime, &mut group);
    group.finish();
}

/// An API client's request with a bearer token verified before, against the same JSON
/// served without the layer.
fn bearer_request(
    runtime: &tokio::runtime::Runtime,
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    let (auth, token) = bearer_auth();
    let bearer = format!("Bearer {token}");
    let mut with_layer = Router::new()
        .route(
            "/user.json",
            get(|user: User| async move { Json(user.into_inner()) }),
        )
        .layer(auth.layer())
        .with_state(());
    let uri: Uri = "/user.json".parse().expect("a path");
    let with_bearer = || {
        Request::get(uri.clone())
            .header(header::AUTHORIZATION, &bearer)
            .body(Body::empty())
            .expect("request")
    };
    // Verified once here; every request after is the memo's.
    let first = serve(runtime, &mut with_layer, with_bearer());
    assert_eq!(first.status(), 200);
    let body = runtime
        .block_on(axum::body::to_bytes(first.into_body(), usize::MAX))
        .expect("body");
    let json: Arc<Value> = Arc::new(serde_json::from_slice(&body).expect("json"));
    let mut without_layer = Router::new()
        .route(
            "/user.json",
            get(move || {
                let body = SharedJson(Arc::clone(&json));
                async move { Json(body) }
            }),
        )
        .with_state(());
    group.bench_function("doorman_bearer/token", |b| {
        b.iter(|| serve(runtime, &mut with_layer, with_bearer()));
    });
    group.bench_function("without_layer_bearer/token", |b| {
        b.iter(|| serve(runtime, &mut without_layer, with_bearer()));
    });
}

criterion_group! { name = benches; config = doorman_testkit::bench::config(); targets = logged_in_request }
criterion_main!(benches);

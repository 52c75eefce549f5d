//! The sealed identity cookie fits in one cookie for a typical login, with tokens exposed,
//! and with 100 groups, where it is no larger than Streamlit's.
//!
//! Streamlit's figures for the same claims, computed with its cookie format (itsdangerous:
//! the claims plus `origin`, `is_logged_in` and `provider`, zlib when shorter, base64url,
//! timestamp and HMAC-SHA1 signature; research: streamlit-auth.md §4.4), as `Cookie` header
//! bytes: `_streamlit_user` 564 B; with tokens exposed, `_streamlit_user_tokens` adds
//! 1459 B. Sizes are deterministic, so they are asserted; speed is `cargo xtask bench`'s.

use std::time::{Duration, UNIX_EPOCH};

use doorman_seal::{Purpose, Sealer, cookie_header_len, split};
use doorman_testkit::claims::{access_token, claims_with_groups, google_claims, id_token};
use doorman_user::{ExposedTokens, Session};
use serde_json::{Map, Value};

const ATTRIBUTES: &str = "; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000";

fn cookie_bytes(claims: Map<String, Value>, tokens: ExposedTokens) -> (usize, usize) {
    refreshable_cookie_bytes(claims, tokens, None)
}

/// [`cookie_bytes`] for a session that also keeps `refresh_token`.
fn refreshable_cookie_bytes(
    claims: Map<String, Value>,
    tokens: ExposedTokens,
    refresh_token: Option<String>,
) -> (usize, usize) {
    let now = UNIX_EPOCH + Duration::from_secs(1_795_305_600);
    let session = Session::new(
        "google",
        claims,
        tokens,
        now,
        now + Duration::from_secs(30 * 86_400),
        Some(now + Duration::from_secs(3600)),
    )
    .with_refresh(refresh_token, Some(now + Duration::from_secs(3600)));
    let sealer =
        Sealer::new(Purpose::Identity, b"0123456789abcdef0123456789abcdef", &[]).expect("a secret");
    let value = sealer
        .seal(
            "doorman_user",
            &session.to_bytes().expect("a session within the limit"),
            session.expires_at(),
            now,
            [1; 12],
        )
        .expect("sealed");
    let cookies = split("doorman_user", &value, ATTRIBUTES.len()).expect("split");
    (cookie_header_len(&cookies), cookies.len())
}

/// Streamlit's `_streamlit_user` for [`google_claims`].
const STREAMLIT_USER: usize = 564;
/// Streamlit's `_streamlit_user_tokens` for [`id_token`] and [`access_token`].
const STREAMLIT_TOKENS: usize = 1459;

/// Streamlit's `_streamlit_user` for [`claims_with_groups`]`(100)`.
const STREAMLIT_USER_100_GROUPS: usize = 3658;

#[test]
fn google_claims_fit_in_one_small_cookie() {
    let (bytes, cookies) = cookie_bytes(google_claims(), ExposedTokens::default());
    // Not compressed, to keep requests fast: larger than Streamlit's compressed 564 B.
    println!(
        "google claims, no tokens: {bytes} B in {cookies} cookie(s); Streamlit {STREAMLIT_USER} B"
    );
    assert_eq!(cookies, 1);
    assert!(bytes < 1024, "{bytes}");
}

#[test]
fn exposed_tokens_add_only_their_own_size() {
    let (without, _) = cookie_bytes(google_claims(), ExposedTokens::default());
    let tokens = ExposedTokens {
        id: Some(id_token()),
        access: Some(access_token()),
    };
    let token_bytes = id_token().len() + access_token().len();
    let (with, cookies) = cookie_bytes(google_claims(), tokens);
    println!(
        "google claims, id + access tokens: {with} B in {cookies} cookie(s); tokens are {token_bytes} B; Streamlit {} B",
        STREAMLIT_USER + 2 + STREAMLIT_TOKENS
    );
    // Base64 grows the tokens by a third; nothing else is added.
    assert!(
        with - without <= token_bytes * 4 / 3 + 64,
        "{with} - {without}"
    );
    // Uncompressed, the tokens' base64 is encoded once more; Streamlit's zlib wins that back
    // but needs a second cookie. One cookie here, whatever the tokens.
    assert_eq!(cookies, 1);
}

#[test]
fn a_hundred_groups_stay_in_one_cookie_under_the_proxy_budget() {
    let (bytes, cookies) = cookie_bytes(claims_with_groups(100), ExposedTokens::default());
    println!(
        "google claims + 100 groups: {bytes} B in {cookies} cookie(s); Streamlit {STREAMLIT_USER_100_GROUPS} B"
    );
    assert_eq!(cookies, 1);
    assert!(bytes <= STREAMLIT_USER_100_GROUPS, "{bytes}");
}

/// An Entra login at its largest that still works: 150 group ids, both tokens exposed and an
/// Entra-sized refresh token (opaque, about 1.8 KB) take several cookies, within the proxies'
/// 8 KiB header budget and the ten-cookie bound; the adapter warns past 4 KiB.
#[test]
fn an_entra_sized_refreshable_session_is_chunked_within_the_header_budget() {
    // Entra's refresh tokens are opaque base64 of about 1.8 KB (research: providers/entra).
    let refresh_token: String = (0..1_800)
        .map(|i| {
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                    [(i * 37 + i / 7) % 64],
            )
        })
        .collect();
    let tokens = ExposedTokens {
        id: Some(id_token()),
        access: Some(access_token()),
    };
    let (without, _) = refreshable_cookie_bytes(claims_with_groups(150), tokens.clone(), None);
    let (bytes, cookies) =
        refreshable_cookie_bytes(claims_with_groups(150), tokens, Some(refresh_token));
    println!("150 groups, both tokens, an Entra refresh token: {bytes} B in {cookies} cookie(s)");
    assert!(
        cookies > 1 && cookies <= doorman_seal::MAX_CHUNKS,
        "{cookies}"
    );
    assert!(bytes <= doorman_seal::PROXY_HEADER_BUDGET, "{bytes}");
    assert!(bytes > without, "the refresh token is kept in the cookie");
}

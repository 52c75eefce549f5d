//! The claim sets of the tests, benchmarks and load run: a Google-like login, and one with
//! many groups, as Entra ID sends them; and filler of the size of real tokens.

use serde_json::{Map, Value, json};

/// The claims of a Google ID token, as Streamlit's `st.user` shows them.
#[must_use]
pub fn google_claims() -> Map<String, Value> {
    let claims = json!({
        "iss": "https://accounts.google.com",
        "azp": "1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
        "aud": "1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
        "sub": "110169484474386276334",
        "email": "ada.lovelace@example.com",
        "email_verified": true,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "nonce": "Qm9vdHN0cmFwcGVkTm9uY2U",
        "name": "Ada Lovelace",
        "picture": "https://lh3.googleusercontent.com/a/ACg8ocJ0ZQ2x6w2ejqT1H5nQbq1XjLJkq3s9s=s96-c",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "iat": 1_795_305_600,
        "exp": 1_795_309_200
    });
    claims.as_object().cloned().unwrap_or_default()
}

/// The Google claims plus `count` group ids: GUIDs as Entra ID sends them, their hex digits
/// drawn from a fixed-seed generator so they compress like real ones.
#[must_use]
pub fn claims_with_groups(count: usize) -> Map<String, Value> {
    let mut claims = google_claims();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut hex = |digits: usize| -> String {
        (0..digits)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(b"0123456789abcdef"[usize::try_from(state >> 60).unwrap_or(0)])
            })
            .collect()
    };
    let groups: Vec<Value> = (0..count)
        .map(|_| {
            Value::String(format!(
                "{}-{}-4{}-a{}-{}",
                hex(8),
                hex(4),
                hex(3),
                hex(3),
                hex(12)
            ))
        })
        .collect();
    claims.insert("groups".to_owned(), Value::Array(groups));
    claims
}

/// `len` base64url characters from a fixed-seed generator: token-like, incompressible.
fn base64_filler(len: usize, seed: u64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(ALPHABET[usize::try_from(state >> 58).unwrap_or(0)])
        })
        .collect()
}

/// A compact JWS of the size Google's ID tokens have (about 1 KiB); content is filler.
#[must_use]
pub fn id_token() -> String {
    format!(
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyIsInR5cCI6IkpXVCJ9.{}.{}",
        base64_filler(640, 1),
        base64_filler(342, 2)
    )
}

/// An access token of the size Google's have.
#[must_use]
pub fn access_token() -> String {
    format!("ya29.{}", base64_filler(250, 3))
}

//! Any text is verified or refused as a back-channel logout token, never a panic: as the whole
//! token (the strict JWS reading, the algorithm and `typ` rules, the key choice, with a key set
//! fresh and one old enough to be fetched again), and as the claims of a token the fixed
//! provider signed (every claim rule past the signature). A verified request names a session
//! or a user.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_oidc::{LogoutVerification, verify_logout_token};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

/// The provider's signing key: RFC 7517's example P-256 key (appendix A.2), whose public
/// half is `common::keys()`'s key `k`.
const PRIVATE_D: &str = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE";
const PUBLIC_X: &str = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
const PUBLIC_Y: &str = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM";

struct Signer {
    key: EcdsaKeyPair,
    random: SystemRandom,
}

fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let random = SystemRandom::new();
        let d = URL_SAFE_NO_PAD.decode(PRIVATE_D).expect("d");
        let mut point = vec![4];
        point.extend(URL_SAFE_NO_PAD.decode(PUBLIC_X).expect("x"));
        point.extend(URL_SAFE_NO_PAD.decode(PUBLIC_Y).expect("y"));
        let key = EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &d, &point, &random)
            .expect("RFC 7517's key pair");
        Signer { key, random }
    })
}

/// A compact JWS of `claims` (as bytes, whatever they hold) signed ES256 with key `k`.
fn signed(claims: &str) -> Option<String> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","kid":"k","typ":"logout+jwt"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
    let signer = signer();
    let signature = signer.key.sign(&signer.random, input.as_bytes()).ok()?;
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref())))
}

/// Verifies `token` `later` after the keys were fetched.
fn check(token: &str, later: Duration) {
    let outcome = verify_logout_token(common::config(), common::metadata(), common::keys(), token, common::now() + later);
    if let Ok(LogoutVerification::Verified(request)) = outcome {
        assert!(request.sid().is_some() || request.sub().is_some(), "verified without sid or sub: {token}");
    }
}

libfuzzer_sys::fuzz_target!(|text: &str| {
    check(text, Duration::ZERO);
    check(text, Duration::from_secs(61));
    if let Some(token) = signed(text) {
        check(&token, Duration::ZERO);
    }
});

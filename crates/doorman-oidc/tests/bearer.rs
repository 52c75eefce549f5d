//! Bearer access tokens, verified against the development provider's metadata and keys, on
//! the pair's clock: each rule has a case the provider breaks it in (tests as data), the
//! unknown `kid` asks for the keys once, and no string makes verification panic or verify
//! when one character of a valid token changed.

use doorman_devidp::{DevIdp, Misbehavior};
use doorman_oidc::{
    BEARER_KEY_REFRESH_INTERVAL, BearerError, BearerVerification, KeySet, ProviderMetadata,
    verify_bearer,
};
use doorman_testkit::pair::Pair;
use proptest::prelude::*;

const API: &str = "https://api.app.test";

/// A pair whose provider issues JWT access tokens for [`API`], after `misbehaviors`.
fn pair(misbehaviors: &[Misbehavior]) -> Pair {
    let mut pair = Pair::new();
    pair.idp = DevIdp::new(pair.idp.config().clone().with_jwt_access_tokens(API));
    for misbehavior in misbehaviors {
        pair.misbehave(misbehavior.clone());
    }
    pair
}

fn provider(pair: &Pair) -> (ProviderMetadata, KeySet) {
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    (metadata, keys)
}

fn token(pair: &Pair) -> String {
    pair.idp
        .issue_access_token("ada", pair.now)
        .expect("an access token")
}

fn verify(pair: &Pair, token: &str, audience: &str) -> Result<BearerVerification, BearerError> {
    let (metadata, keys) = provider(pair);
    verify_bearer(token, audience, &pair.config, &metadata, &keys, pair.now)
}

#[test]
fn a_valid_token_gives_its_claims_and_expiry() {
    let pair = pair(&[]);
    let token = token(&pair);
    let Ok(BearerVerification::Verified(verified)) = verify(&pair, &token, API) else {
        panic!("refused");
    };
    assert_eq!(verified.claims()["sub"], "ada");
    assert_eq!(verified.claims()["email"], "ada@example.com");
    assert_eq!(
        verified.expires_at(),
        pair.now + std::time::Duration::from_secs(3600)
    );
    assert!(!format!("{verified:?}").contains(&token));
}

#[test]
fn each_rule_refuses_the_token_that_breaks_it() {
    // (what the provider does, the audience the API expects, the refusal)
    let cases: Vec<(Vec<Misbehavior>, &str, BearerError)> = vec![
        (vec![Misbehavior::Expired], API, BearerError::Expired),
        (
            vec![Misbehavior::WrongAudience],
            API,
            BearerError::InvalidAudience,
        ),
        (
            vec![],
            "https://another.api.test",
            BearerError::InvalidAudience,
        ),
        (
            vec![Misbehavior::WrongIssuer],
            API,
            BearerError::InvalidIssuer,
        ),
        (vec![Misbehavior::AlgNone], API, BearerError::Unsigned),
        (
            vec![Misbehavior::Hs256SignedWithPublicKey],
            API,
            BearerError::DisallowedAlgorithm,
        ),
        (
            vec![Misbehavior::UnadvertisedAlgorithm],
            API,
            BearerError::DisallowedAlgorithm,
        ),
        (
            vec![Misbehavior::BadSignature],
            API,
            BearerError::InvalidSignature,
        ),
        (
            vec![Misbehavior::IssuedInFuture],
            API,
            BearerError::NotYetValid,
        ),
        (
            vec![Misbehavior::MissingSubject],
            API,
            BearerError::MissingClaim { claim: "sub" },
        ),
        (
            vec![Misbehavior::ShortRsaKey],
            API,
            BearerError::UnusableKey,
        ),
        (
            vec![Misbehavior::KidAbsentMultipleKeys],
            API,
            BearerError::AmbiguousKey,
        ),
    ];
    for (misbehaviors, audience, refusal) in cases {
        let pair = pair(&misbehaviors);
        let token = token(&pair);
        assert_eq!(
            verify(&pair, &token, audience).err(),
            Some(refusal.clone()),
            "{misbehaviors:?}"
        );
        assert!(!refusal.to_string().contains(&token));
    }
}

#[test]
fn an_id_token_is_no_access_token_for_the_api() {
    let mut pair = pair(&[]);
    let outcome = pair.login();
    let login = outcome.result.expect("login");
    assert_eq!(
        verify(&pair, login.id_token(), API).err(),
        Some(BearerError::InvalidAudience),
        "its audience is the client"
    );
    // An app whose API audience is its own client id: the ID token's claims give it away.
    let client_id = pair.config.client_id().to_owned();
    assert_eq!(
        verify(&pair, login.id_token(), &client_id).err(),
        Some(BearerError::NotAnAccessToken)
    );
}

#[test]
fn opaque_and_malformed_tokens_are_refused_as_malformed() {
    let pair = pair(&[]);
    let valid = token(&pair);
    let header = valid.split('.').next().expect("a header").to_owned();
    for garbage in [
        String::new(),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
        "2YotnFZFEjr1zCsicMWpAA".to_owned(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        "....".to_owned(),
        format!("{header}.e30"),
        format!("{header}.bm90IGpzb24.AQ"),
        format!("{valid}="),
        valid.replace('.', ". "),
    ] {
        assert_eq!(
            verify(&pair, &garbage, API).err(),
            Some(BearerError::Malformed),
            "{garbage:?}"
        );
    }
}

#[test]
fn an_unknown_kid_asks_for_the_keys_once_and_only_when_they_are_not_new() {
    let mut pair = pair(&[]);
    let (metadata, old_keys) = provider(&pair);
    pair.idp.rotate_keys();
    let first = token(&pair);
    // Keys fetched this very minute: a made-up `kid` cannot make the app fetch them again.
    assert_eq!(
        verify_bearer(&first, API, &pair.config, &metadata, &old_keys, pair.now).err(),
        Some(BearerError::NoMatchingKey)
    );
    pair.advance(BEARER_KEY_REFRESH_INTERVAL.as_secs());
    let rotated = token(&pair);
    assert!(matches!(
        verify_bearer(&rotated, API, &pair.config, &metadata, &old_keys, pair.now),
        Ok(BearerVerification::NeedFreshKeys)
    ));
    let fresh = pair.keys(&metadata);
    assert!(matches!(
        verify_bearer(&rotated, API, &pair.config, &metadata, &fresh, pair.now),
        Ok(BearerVerification::Verified(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_string_makes_verification_panic(token in any::<String>()) {
        let pair = pair(&[]);
        let (metadata, keys) = provider(&pair);
        let verified = verify_bearer(&token, API, &pair.config, &metadata, &keys, pair.now);
        prop_assert!(verified.is_err());
    }

    #[test]
    fn one_character_changed_is_refused(at in any::<prop::sample::Index>(), to in "[A-Za-z0-9_.=-]") {
        let pair = pair(&[]);
        let token = token(&pair);
        let at = at.index(token.len());
        let mut changed = token.clone();
        changed.replace_range(at..=at, &to);
        prop_assume!(changed != token);
        let (metadata, keys) = provider(&pair);
        let verified = verify_bearer(&changed, API, &pair.config, &metadata, &keys, pair.now);
        prop_assert!(!matches!(verified, Ok(BearerVerification::Verified(_))));
    }
}

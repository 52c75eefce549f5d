//! Back-channel logout tokens from the development provider, verified by the core: one that
//! keeps every rule passes; each rule broken is refused, naming the rule.

use doorman_devidp::Misbehavior;
use doorman_oidc::{LogoutTokenError, LogoutVerification, verify_logout_token};
use doorman_testkit::pair::Pair;

/// The pair's client id and first user, as the development provider registers them.
fn client_and_user(pair: &Pair) -> (String, String) {
    let user = pair.idp.config().users[0].sub.clone();
    (pair.config.client_id().to_owned(), user)
}

/// The verdict on a logout token the provider issues now, with `misbehavior` on.
fn verdict(
    misbehavior: Option<Misbehavior>,
    sid: Option<&str>,
) -> Result<LogoutVerification, LogoutTokenError> {
    let pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    if let Some(misbehavior) = misbehavior {
        pair.misbehave(misbehavior);
    }
    let (client, user) = client_and_user(&pair);
    let token = pair
        .idp
        .logout_token(&client, &user, sid, pair.now)
        .expect("a registered client and user");
    verify_logout_token(&pair.config, &metadata, &keys, &token, pair.now)
}

#[test]
fn a_logout_token_keeping_every_rule_names_the_session_and_the_user() {
    let Ok(LogoutVerification::Verified(request)) = verdict(None, Some("session-1")) else {
        panic!("verified");
    };
    assert_eq!(request.sid(), Some("session-1"));
    assert!(request.sub().is_some());
    assert!(!request.jti().is_empty());
    let Ok(LogoutVerification::Verified(request)) = verdict(None, None) else {
        panic!("verified");
    };
    assert_eq!(request.sid(), None, "a logout of every session of the user");
}

#[test]
fn each_rule_broken_is_refused_by_name() {
    let cases = [
        (Misbehavior::WrongIssuer, LogoutTokenError::Issuer),
        (Misbehavior::WrongAudience, LogoutTokenError::Audience),
        (Misbehavior::Expired, LogoutTokenError::IssuedAt),
        (Misbehavior::IssuedInFuture, LogoutTokenError::IssuedAt),
        (Misbehavior::BadSignature, LogoutTokenError::Signature),
        (Misbehavior::AlgNone, LogoutTokenError::Algorithm),
        (
            Misbehavior::Hs256SignedWithPublicKey,
            LogoutTokenError::Algorithm,
        ),
        (Misbehavior::LogoutTokenWithNonce, LogoutTokenError::Nonce),
        (
            Misbehavior::LogoutTokenWithoutEvents,
            LogoutTokenError::Events,
        ),
        (
            Misbehavior::LogoutTokenWithoutSidOrSub,
            LogoutTokenError::NoSessionOrSubject,
        ),
        (
            Misbehavior::LogoutTokenWithoutJti,
            LogoutTokenError::MissingJti,
        ),
        (Misbehavior::LogoutTokenWrongType, LogoutTokenError::Type),
    ];
    for (misbehavior, expected) in cases {
        let refused = verdict(Some(misbehavior.clone()), Some("session-1"));
        assert_eq!(refused.err(), Some(expected), "{misbehavior:?}");
    }
}

#[test]
fn an_id_token_is_never_taken_for_a_logout_token() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let login = pair.login().result.expect("login");
    let refused = verify_logout_token(&pair.config, &metadata, &keys, login.id_token(), pair.now);
    assert!(
        matches!(
            refused,
            Err(LogoutTokenError::Events | LogoutTokenError::Nonce | LogoutTokenError::MissingJti)
        ),
        "{refused:?}"
    );
}

#[test]
fn garbage_is_refused_as_malformed_never_a_panic() {
    let pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    for garbage in [
        "",
        "a.b",
        "a.b.c",
        "...",
        "eyJhbGciOiJub25lIn0.e30.",
        "x".repeat(10_000).as_str(),
    ] {
        let refused = verify_logout_token(&pair.config, &metadata, &keys, garbage, pair.now);
        assert!(
            matches!(
                refused,
                Err(LogoutTokenError::Malformed(_) | LogoutTokenError::Algorithm)
            ),
            "{garbage:.20}: {refused:?}"
        );
    }
}

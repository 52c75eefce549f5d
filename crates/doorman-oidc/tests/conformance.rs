//! Every case of the relying-party conformance list (research: conformance.md §8), each a
//! named test against the development provider, asserting accept or the specific rejection.
//! A rejected login never reaches the userinfo endpoint.

use doorman_devidp::{Endpoint, Misbehavior};
use doorman_oidc::{Error, TokenAuthMethod};
use doorman_testkit::pair::{CLIENT_ID, CLIENT_SECRET, Pair, REDIRECT_URI};

fn accepted(misbehaviors: &[Misbehavior]) -> Pair {
    let mut pair = Pair::new();
    for m in misbehaviors {
        pair.misbehave(m.clone());
    }
    let outcome = pair.login();
    let login = outcome
        .result
        .unwrap_or_else(|e| panic!("{misbehaviors:?}: {e}"));
    assert_eq!(login.subject(), "ada");
    assert_eq!(
        pair.userinfo_calls(),
        1,
        "userinfo is called after a valid ID token"
    );
    pair
}

fn rejected(misbehavior: Misbehavior) -> Error {
    let mut pair = Pair::new();
    pair.misbehave(misbehavior.clone());
    let outcome = pair.login();
    let error = match outcome.result {
        Ok(login) => panic!("{misbehavior:?} accepted: {login:?}"),
        Err(e) => e,
    };
    assert_eq!(
        pair.userinfo_calls(),
        0,
        "{misbehavior:?}: no userinfo call after a rejection"
    );
    error
}

// Must accept.

#[test]
fn happy_path_rs256_with_kid() {
    let pair = accepted(&[]);
    let token = pair.idp.requests_to("/token");
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].param("grant_type"), Some("authorization_code"));
    assert_eq!(token[0].param("redirect_uri"), Some(REDIRECT_URI));
    assert!(token[0].param("code_verifier").is_some());
    assert_eq!(token[0].auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(
        token[0].param("client_secret"),
        None,
        "basic sends no secret in the body"
    );
}

#[test]
fn claims_from_id_token_and_userinfo() {
    let mut pair = Pair::new();
    let login = pair.login().result.expect("login");
    let claims = login.claims();
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["name"], "Ada Lovelace");
    assert_eq!(claims["iss"], "http://idp.test");
    assert!(claims.contains_key("nonce"));
}

#[test]
fn kid_absent_with_a_single_key() {
    accepted(&[Misbehavior::KidAbsentSingleKey]);
}

#[test]
fn unknown_kid_triggers_one_refresh_key_rotated_before_first_token() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    pair.advance(10);
    pair.misbehave(Misbehavior::RotateKeyBeforeSigning);
    let outcome = pair.login_with(&metadata, &keys);
    assert!(outcome.result.is_ok(), "{:?}", outcome.result.err());
    assert_eq!(outcome.jwks_fetches, 1);
}

#[test]
fn key_rotated_between_two_logins() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let first = pair.login_with(&metadata, &keys);
    assert!(first.result.is_ok());
    assert_eq!(first.jwks_fetches, 0);
    pair.idp.rotate_keys();
    pair.advance(60);
    let second = pair.login_with(&metadata, &keys);
    assert!(second.result.is_ok(), "{:?}", second.result.err());
    assert_eq!(second.jwks_fetches, 1, "the cached set is refreshed once");
    assert_eq!(pair.idp.requests_to("/jwks").len(), 2);
}

#[test]
fn unparseable_keys_in_the_jwks_are_ignored() {
    accepted(&[Misbehavior::UnparseableKeyInJwks]);
}

#[test]
fn client_secret_basic_form_encodes_id_and_secret() {
    // The id and secret hold ':', '/', '+', '%', '&', '=': the provider decodes them per
    // RFC 6749 §2.3.1 and would refuse a wrong encoding.
    assert!(CLIENT_ID.contains(':') && CLIENT_SECRET.contains('%'));
    accepted(&[]);
}

#[test]
fn client_secret_post_when_configured() {
    let mut pair = Pair::with_method(TokenAuthMethod::ClientSecretPost);
    pair.login().result.expect("login");
    let token = &pair.idp.requests_to("/token")[0];
    assert_eq!(token.param("client_id"), Some(CLIENT_ID));
    assert_eq!(token.param("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(token.auth_scheme, None);
}

#[test]
fn iss_parameter_present_and_correct() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    assert!(metadata.iss_parameter_supported());
    let (_, _, query) = pair.authorize(&metadata);
    assert!(query.contains("iss=http%3A%2F%2Fidp.test"), "{query}");
    accepted(&[]);
}

#[test]
fn iss_parameter_absent_when_not_advertised() {
    accepted(&[Misbehavior::IssParameterNotAdvertised]);
}

#[test]
fn provider_not_advertising_pkce_still_gets_s256() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::PkceNotAdvertised);
    let metadata = pair.discover().expect("discovery");
    let (_, url, _) = pair.authorize(&metadata);
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(params.contains(&("code_challenge_method".into(), "S256".into())));
    accepted(&[Misbehavior::PkceNotAdvertised]);
}

#[test]
fn provider_with_plain_pkce_only_gets_no_pkce_and_login_works() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::PkcePlainOnly);
    let metadata = pair.discover().expect("discovery");
    let (_, url, _) = pair.authorize(&metadata);
    assert!(!url.query_pairs().any(|(k, _)| k == "code_challenge"));
    accepted(&[Misbehavior::PkcePlainOnly]);
}

#[test]
fn es256_signed_id_token() {
    accepted(&[Misbehavior::SignEs256]);
}

#[test]
fn hs256_keyed_by_the_client_secret() {
    accepted(&[Misbehavior::SignHs256]);
}

#[test]
fn ps256_signed_id_token() {
    accepted(&[Misbehavior::SignPs256]);
}

#[test]
fn expires_in_as_a_string_is_tolerated() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::ExpiresInAsString);
    let login = pair.login().result.expect("login");
    assert!(login.access_token_expires_at().is_some());
}

// Must reject.

#[test]
fn wrong_iss() {
    assert!(matches!(
        rejected(Misbehavior::WrongIssuer),
        Error::InvalidIssuer { .. }
    ));
}

#[test]
fn missing_sub() {
    assert_eq!(
        rejected(Misbehavior::MissingSubject),
        Error::MissingClaim {
            claim: "sub".into()
        }
    );
}

#[test]
fn wrong_aud() {
    assert!(matches!(
        rejected(Misbehavior::WrongAudience),
        Error::InvalidAudience { .. }
    ));
}

#[test]
fn missing_aud() {
    assert_eq!(
        rejected(Misbehavior::MissingAudience),
        Error::MissingClaim {
            claim: "aud".into()
        }
    );
}

#[test]
fn extra_untrusted_aud_without_azp() {
    assert!(matches!(
        rejected(Misbehavior::ExtraAudienceWithoutAzp),
        Error::InvalidAudience { .. } | Error::InvalidAuthorizedParty { .. }
    ));
}

#[test]
fn wrong_azp() {
    assert!(matches!(
        rejected(Misbehavior::WrongAuthorizedParty),
        Error::InvalidAuthorizedParty { .. }
    ));
}

#[test]
fn missing_iat() {
    assert_eq!(
        rejected(Misbehavior::MissingIssuedAt),
        Error::MissingClaim {
            claim: "iat".into()
        }
    );
}

#[test]
fn iat_in_the_future() {
    assert_eq!(rejected(Misbehavior::IssuedInFuture), Error::IssuedInFuture);
}

#[test]
fn expired_exp() {
    assert_eq!(rejected(Misbehavior::Expired), Error::Expired);
}

#[test]
fn bad_rs256_signature() {
    assert_eq!(rejected(Misbehavior::BadSignature), Error::InvalidSignature);
}

#[test]
fn bad_es256_signature() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::SignEs256);
    pair.misbehave(Misbehavior::BadSignature);
    assert_eq!(pair.login().result.err(), Some(Error::InvalidSignature));
    assert_eq!(pair.userinfo_calls(), 0);
}

#[test]
fn bad_hs256_signature() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::SignHs256);
    pair.misbehave(Misbehavior::BadSignature);
    assert_eq!(pair.login().result.err(), Some(Error::InvalidSignature));
}

#[test]
fn bad_ps256_signature() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::SignPs256);
    pair.misbehave(Misbehavior::BadSignature);
    assert_eq!(pair.login().result.err(), Some(Error::InvalidSignature));
    assert_eq!(pair.userinfo_calls(), 0);
}

#[test]
fn rsa_key_under_2048_bits() {
    match rejected(Misbehavior::ShortRsaKey) {
        Error::UnusableKey { detail } => {
            assert!(detail.contains("1024 bits"), "{detail}");
            assert!(detail.contains("RFC 7518 §3.3"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn hs256_signed_with_the_public_key() {
    assert_eq!(
        rejected(Misbehavior::Hs256SignedWithPublicKey),
        Error::InvalidSignature
    );
}

#[test]
fn alg_none() {
    assert_eq!(rejected(Misbehavior::AlgNone), Error::UnsignedIdToken);
}

#[test]
fn algorithm_not_advertised() {
    assert!(matches!(
        rejected(Misbehavior::UnadvertisedAlgorithm),
        Error::DisallowedAlgorithm { .. }
    ));
}

#[test]
fn kid_absent_with_several_keys_is_refused_as_ambiguous() {
    assert_eq!(
        rejected(Misbehavior::KidAbsentMultipleKeys),
        Error::AmbiguousKey
    );
}

#[test]
fn nonce_mismatch() {
    assert_eq!(
        rejected(Misbehavior::WrongNonce),
        Error::InvalidNonce {
            detail: "mismatch".into()
        }
    );
}

#[test]
fn nonce_missing_when_one_was_sent() {
    assert_eq!(
        rejected(Misbehavior::MissingNonce),
        Error::InvalidNonce {
            detail: "missing".into()
        }
    );
}

#[test]
fn userinfo_sub_differs() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::UserinfoOtherSubject);
    assert_eq!(
        pair.login().result.err(),
        Some(Error::UserinfoSubjectMismatch)
    );
}

#[test]
fn discovery_issuer_mismatch_refuses_the_provider() {
    let pair = Pair::new();
    pair.misbehave(Misbehavior::DiscoveryIssuerMismatch);
    assert!(matches!(pair.discover(), Err(Error::IssuerMismatch { .. })));
    assert!(pair.idp.requests_to("/authorize").is_empty());
}

#[test]
fn unknown_state() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, _) = pair.authorize(&metadata);
    let (_, _, other_query) = pair.authorize(&metadata);
    let outcome = pair.finish(&metadata, &keys, pending, &other_query);
    assert_eq!(outcome.result.err(), Some(Error::StateMismatch));
    assert!(
        pair.idp.requests_to("/token").is_empty(),
        "no code is redeemed"
    );
}

#[test]
fn missing_state() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let without_state: String = query
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .collect::<Vec<_>>()
        .join("&");
    let outcome = pair.finish(&metadata, &keys, pending, &without_state);
    assert_eq!(outcome.result.err(), Some(Error::MissingState));
}

#[test]
fn reused_state_cannot_redeem_twice() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let first = pair.finish(&metadata, &keys, pending.clone(), &query);
    assert!(first.result.is_ok());
    // The adapter deletes the transaction after first use; a replayed callback that still
    // carried it would present a used code, which the provider refuses.
    let replay = pair.finish(&metadata, &keys, pending, &query);
    assert!(
        matches!(replay.result, Err(Error::TokenEndpoint { ref error, .. }) if error == "invalid_grant")
    );
}

#[test]
fn duplicated_parameters_are_refused() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let doubled = format!("{query}&code=injected");
    let outcome = pair.finish(&metadata, &keys, pending, &doubled);
    assert_eq!(outcome.result.err(), Some(Error::MalformedCallback));
}

#[test]
fn iss_parameter_mismatch() {
    assert!(matches!(
        rejected(Misbehavior::IssParameterWrong),
        Error::CallbackIssuerMismatch { .. }
    ));
}

#[test]
fn iss_parameter_missing_when_advertised() {
    assert_eq!(
        rejected(Misbehavior::IssParameterMissing),
        Error::CallbackIssuerMissing
    );
}

#[test]
fn error_response_is_shown_and_nothing_redeemed() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let state = query
        .split('&')
        .find_map(|p| p.strip_prefix("state="))
        .expect("state")
        .to_owned();
    let denied = format!(
        "error=access_denied&error_description=User+said+no&state={state}&iss=http%3A%2F%2Fidp.test"
    );
    let outcome = pair.finish(&metadata, &keys, pending, &denied);
    assert_eq!(
        outcome.result.err(),
        Some(Error::AuthorizationDenied {
            error: "access_denied".into(),
            description: Some("User said no".into())
        })
    );
    assert!(pair.idp.requests_to("/token").is_empty());
}

#[test]
fn token_endpoint_error() {
    assert!(matches!(
        rejected(Misbehavior::TokenEndpointError),
        Error::TokenEndpoint { ref error, .. } if error == "invalid_grant"
    ));
}

#[test]
fn token_endpoint_garbage() {
    assert!(matches!(
        rejected(Misbehavior::TokenEndpointGarbage),
        Error::InvalidJson {
            endpoint: "token",
            ..
        }
    ));
}

#[test]
fn token_type_not_bearer() {
    assert_eq!(
        rejected(Misbehavior::TokenTypeNotBearer),
        Error::UnsupportedTokenType {
            found: "mac".into()
        }
    );
}

#[test]
fn failing_token_endpoint() {
    assert_eq!(
        rejected(Misbehavior::Failing(Endpoint::Token)),
        Error::HttpStatus {
            endpoint: "token",
            status: 500
        }
    );
}

#[test]
fn failing_discovery() {
    let pair = Pair::new();
    pair.misbehave(Misbehavior::Failing(Endpoint::Discovery));
    assert_eq!(
        pair.discover().err(),
        Some(Error::HttpStatus {
            endpoint: "discovery",
            status: 500
        })
    );
}

#[test]
fn failing_userinfo() {
    let mut pair = Pair::new();
    pair.misbehave(Misbehavior::Failing(Endpoint::Userinfo));
    assert_eq!(
        pair.login().result.err(),
        Some(Error::HttpStatus {
            endpoint: "userinfo",
            status: 500
        })
    );
}

#[test]
fn a_code_redeemed_too_late_is_refused_by_the_provider() {
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    pair.advance(120);
    let outcome = pair.finish(&metadata, &keys, pending, &query);
    assert!(matches!(outcome.result, Err(Error::TokenEndpoint { .. })));
}

//! Properties: no callback query and no token response makes the core panic, any
//! tampering with a valid ID token is refused, and no claim outside the rules, of any JSON
//! type, fails a valid one. The seeds in `properties.proptest-regressions`
//! replay two past failures, each also a named test below: a non-canonical base64url
//! encoding of the same signature, which verified, and `RS256` turned into `HS256` by one
//! character, which panicked on the signature's length.

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::{NO_PAD, URL_SAFE_NO_PAD};
use doorman_devidp::Misbehavior;
use doorman_oidc::{Error, Verification};
use doorman_testkit::pair::Pair;
use proptest::prelude::*;

fn setup() -> (Pair, doorman_oidc::ProviderMetadata, doorman_oidc::KeySet) {
    let pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    (pair, metadata, keys)
}

/// The engine `openidconnect` 4 decodes JWS segments with: trailing bits allowed.
const LENIENT: GeneralPurpose =
    GeneralPurpose::new(&URL_SAFE, NO_PAD.with_decode_allow_trailing_bits(true));

/// The URL-safe base64 characters, each a candidate last character.
const URL_SAFE_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Logs in up to the token response, puts `tamper(id_token)` in place of the ID token and
/// verifies it.
fn verify_tampered(
    misbehavior: Option<Misbehavior>,
    tamper: impl FnOnce(&str) -> String,
) -> Result<Verification, Error> {
    let mut pair = Pair::new();
    if let Some(misbehavior) = misbehavior {
        // Before discovery and the JWKS, which list the keys it signs with.
        pair.misbehave(misbehavior);
    }
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let (pending, _, query) = pair.authorize(&metadata);
    let exchange = pending.callback(&metadata, &query).expect("callback");
    let response = pair.send(&exchange.token_request(&pair.config, &metadata));
    let mut body: serde_json::Value = serde_json::from_slice(response.body()).expect("json");
    let token = body["id_token"].as_str().expect("id_token").to_owned();
    body["id_token"] = serde_json::Value::String(tamper(&token));
    let forged = http::Response::new(body.to_string().into_bytes());
    let tokens = exchange
        .token_response(&forged)
        .expect("still a token response");
    tokens.verify(&pair.config, &metadata, &keys, pair.now)
}

/// Every other last character of `segment` that a lenient decoder reads as the same bytes.
fn same_bytes_variants(segment: &str) -> Vec<String> {
    let (head, last) = segment.split_at(segment.len() - 1);
    let bytes = LENIENT.decode(segment).expect("a base64url segment");
    URL_SAFE_CHARS
        .chars()
        .filter(|c| c.to_string() != last)
        .map(|c| format!("{head}{c}"))
        .filter(|variant| LENIENT.decode(variant).as_deref() == Ok(&bytes[..]))
        .collect()
}

/// The regression case of the seed in `properties.proptest-regressions`: the RS256
/// signature's last character `A`, replaced by `B`, decoded to the same bytes leniently.
/// Every such variant of the signature's last character, whatever that character is (the
/// seed's `A` was the signature's before ID tokens carried a `sid`), of every signing
/// algorithm, is refused as malformed, never verified.
#[test]
fn a_non_canonical_signature_ending_is_refused() {
    for misbehavior in [
        None,
        Some(Misbehavior::SignPs256),
        Some(Misbehavior::SignEs256),
    ] {
        let (valid, variants) = {
            let mut variants = Vec::new();
            let valid = verify_tampered(misbehavior.clone(), |token| {
                let (signing_input, signature) = token.rsplit_once('.').expect("three segments");
                variants = same_bytes_variants(signature)
                    .into_iter()
                    .map(|s| format!("{signing_input}.{s}"))
                    .collect();
                token.to_owned()
            });
            (valid, variants)
        };
        assert!(
            matches!(valid, Ok(Verification::Verified(_))),
            "{misbehavior:?}: the untampered token verifies: {valid:?}"
        );
        // 256- and 64-byte signatures end in a character with 4 unused bits: 15 variants.
        assert_eq!(variants.len(), 15, "{misbehavior:?}");
        for variant in variants {
            match verify_tampered(misbehavior.clone(), |_| variant.clone()) {
                Err(Error::MalformedIdToken { reason }) => {
                    assert!(reason.contains("signature"), "{reason}");
                }
                other => panic!("{misbehavior:?}: a non-canonical signature gave {other:?}"),
            }
        }
    }
}

/// A non-canonical or padded header or payload is refused as malformed too, before its
/// signature is looked at.
#[test]
fn non_canonical_or_padded_segments_are_refused() {
    let (valid, token) = {
        let mut token = String::new();
        let valid = verify_tampered(None, |t| {
            token = t.to_owned();
            t.to_owned()
        });
        (valid, token)
    };
    assert!(matches!(valid, Ok(Verification::Verified(_))), "{valid:?}");
    let segments: Vec<&str> = token.split('.').collect();
    let mut forgeries = Vec::new();
    for (i, name) in ["header", "payload", "signature"].into_iter().enumerate() {
        let mut padded = segments.clone();
        let with_padding = format!(
            "{}{}",
            segments[i],
            "=".repeat((4 - segments[i].len() % 4) % 4)
        );
        padded[i] = &with_padding;
        if with_padding != segments[i] {
            forgeries.push((padded.join("."), name));
        }
        for variant in same_bytes_variants(segments[i]) {
            let mut changed = segments.clone();
            changed[i] = &variant;
            forgeries.push((changed.join("."), name));
        }
    }
    assert!(
        forgeries.iter().any(|(_, name)| *name != "signature"),
        "the harness's header or payload ends in unused bits"
    );
    for (forged, name) in forgeries {
        match verify_tampered(None, |_| forged.clone()) {
            Err(Error::MalformedIdToken { reason }) => {
                assert!(reason.contains(name), "{name}: {reason}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// The regression case of the second seed in `properties.proptest-regressions`: one
/// character of the header turns `"alg":"RS256"` into `"alg":"HS256"` (advertised), so the
/// 256-byte RSA signature reaches the HMAC check, which must refuse it, not panic.
#[test]
fn an_hmac_algorithm_over_an_rsa_signature_is_refused_without_panic() {
    let result = verify_tampered(None, |token| {
        let (header, rest) = token.split_once('.').expect("three segments");
        let json = URL_SAFE_NO_PAD.decode(header).expect("a canonical header");
        let json = String::from_utf8(json).expect("UTF-8");
        assert!(json.contains(r#""alg":"RS256""#), "{json}");
        let forged = json.replace(r#""alg":"RS256""#, r#""alg":"HS256""#);
        format!("{}.{rest}", URL_SAFE_NO_PAD.encode(forged))
    });
    match result {
        Err(Error::InvalidSignature) => {}
        other => panic!("an HS256 header over an RSA signature gave {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_callback_query_is_handled_without_panic(query in "\\PC{0,200}", suffix in "(&(code|state|iss|error)=[A-Za-z0-9%+]{0,20}){0,4}") {
        let (mut pair, metadata, _) = setup();
        let (pending, _, real) = pair.authorize(&metadata);
        let _ = pending.clone().callback(&metadata, &query);
        let _ = pending.callback(&metadata, &format!("{real}{suffix}"));
    }

    #[test]
    fn any_token_response_is_handled_without_panic(body in proptest::collection::vec(any::<u8>(), 0..400), status in prop::sample::select(vec![200u16, 400, 401, 500]), json_like in "\\{(\"(access_token|token_type|id_token|expires_in|error)\":(\"[ -~]{0,30}\"|[0-9]{1,5}|null),?){0,5}\\}") {
        let (mut pair, metadata, keys) = setup();
        for bytes in [body, json_like.into_bytes()] {
            let (pending, _, query) = pair.authorize(&metadata);
            let exchange = pending.callback(&metadata, &query).expect("callback");
            let mut response = http::Response::new(bytes);
            *response.status_mut() = http::StatusCode::from_u16(status).expect("status");
            if let Ok(tokens) = exchange.token_response(&response) {
                let _ = tokens.verify(&pair.config, &metadata, &keys, pair.now);
            }
        }
    }

    #[test]
    fn any_tampered_id_token_is_refused(index in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_.=-]") {
        let (mut pair, metadata, keys) = setup();
        let (pending, _, query) = pair.authorize(&metadata);
        let exchange = pending.callback(&metadata, &query).expect("callback");
        let response = pair.send(&exchange.token_request(&pair.config, &metadata));
        let mut body: serde_json::Value = serde_json::from_slice(response.body()).expect("json");
        let token = body["id_token"].as_str().expect("id_token").to_owned();
        let i = index.index(token.len());
        prop_assume!(token[i..=i] != replacement);
        let tampered = format!("{}{}{}", &token[..i], replacement, &token[i + 1..]);
        body["id_token"] = serde_json::Value::String(tampered);
        let forged = http::Response::new(body.to_string().into_bytes());
        let tokens = exchange.token_response(&forged).expect("still a token response");
        match tokens.verify(&pair.config, &metadata, &keys, pair.now) {
            Ok(Verification::Verified(_)) => prop_assert!(false, "tampered token accepted at {}", i),
            Ok(Verification::NeedFreshKeys(_)) | Err(_) => {}
        }
    }
}

/// The claims the ID-token rules read, typed and strict; every other one is data.
const RULE_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "nonce",
    "auth_time",
];

proptest! {
    /// A claim outside the rules, standard (`updated_at`, `email_verified`, `picture`,
    /// `address`...) or not, of any JSON type, never fails a valid token, and reaches the app
    /// as it was sent.
    #[test]
    fn any_claim_outside_the_rules_of_any_type_never_fails_a_valid_token(
        name in prop_oneof![
            "[a-z_:]{1,12}",
            Just("updated_at".to_owned()),
            Just("email_verified".to_owned()),
            Just("phone_number_verified".to_owned()),
            Just("picture".to_owned()),
            Just("address".to_owned()),
            Just("locale".to_owned()),
            Just("name".to_owned()),
            Just("email".to_owned()),
            Just("birthdate".to_owned()),
            Just("zoneinfo".to_owned()),
        ],
        value in doorman_testkit::strategies::any_json(3, 16),
    ) {
        prop_assume!(!RULE_CLAIMS.contains(&name.as_str()));
        let mut claims = serde_json::Map::new();
        claims.insert(name.clone(), value.clone());
        let mut pair = Pair::with_user_claims(claims);
        let login = pair.login().result.expect("a valid token");
        prop_assert_eq!(login.claims().get(&name), Some(&value));
    }
}

/// The shapes real providers send that typed claims refuse: Auth0's ISO-8601 `updated_at`,
/// Apple's string booleans, a Cognito `custom:` attribute.
#[test]
fn real_providers_claim_shapes_log_in_as_sent() {
    let claims = serde_json::json!({
        "updated_at": "2026-04-12T09:41:07.532Z",
        "email_verified": "true",
        "is_private_email": "false",
        "custom:tier": "7",
        "sub_legacy": 12,
    });
    let mut pair = Pair::with_user_claims(claims.as_object().cloned().expect("object"));
    let login = pair.login().result.expect("logs in");
    for (name, value) in claims.as_object().expect("object") {
        assert_eq!(login.claims().get(name), Some(value), "{name}");
    }
}

//! The `Identity` and `Tokens` views: Streamlit's keys, typed getters, no panics, no token leaks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_testkit::claims::{claims_with_groups, google_claims};
use doorman_user::{ExposedTokens, Identity, MAX_SESSION_LEN, Session, UserError};
use serde_json::{Value, json};

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn session(tokens: ExposedTokens) -> Session {
    Session::new(
        "google",
        google_claims(),
        tokens,
        at(1_795_305_600),
        at(1_797_897_600),
        Some(at(1_795_309_200)),
    )
}

fn both_tokens() -> ExposedTokens {
    ExposedTokens {
        id: Some("id-token-value-1f2e".to_owned()),
        access: Some("access-token-value-3d4c".to_owned()),
    }
}

#[test]
fn anonymous_is_logged_out_with_streamlits_dict() {
    let user = Identity::anonymous();
    assert!(!user.is_logged_in());
    assert_eq!(
        Value::Object(user.to_dict()),
        json!({"is_logged_in": false})
    );
    assert_eq!(user.email(), None);
    assert_eq!(user.provider(), None);
    assert!(user.tokens().is_empty());
    assert_eq!(user.claims().count(), 0);
    assert_eq!(user.claim::<Vec<String>>("groups").unwrap(), None);
}

#[test]
fn to_dict_has_exactly_streamlits_keys() {
    let user = Identity::logged_in(session(both_tokens()));
    let dict = user.to_dict();
    let mut expected: Vec<String> = google_claims().keys().cloned().collect();
    expected.extend(["is_logged_in", "provider", "tokens"].map(str::to_owned));
    let mut keys: Vec<String> = dict.keys().cloned().collect();
    keys.sort();
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(dict["is_logged_in"], json!(true));
    assert_eq!(dict["provider"], json!("google"));
    assert_eq!(
        dict["tokens"],
        json!({"id": "id-token-value-1f2e", "access": "access-token-value-3d4c"})
    );
}

#[test]
fn tokens_are_empty_when_none_is_exposed() {
    let user = Identity::logged_in(session(ExposedTokens::default()));
    assert_eq!(user.to_dict()["tokens"], json!({}));
    assert_eq!(user.tokens().id(), None);
}

#[test]
fn only_the_exposed_token_is_there() {
    let user = Identity::logged_in(session(ExposedTokens {
        id: Some("i".to_owned()),
        access: None,
    }));
    assert_eq!(user.tokens().id(), Some("i"));
    assert_eq!(user.tokens().access(), None);
}

#[test]
fn typed_getters_read_standard_claims() {
    let user = Identity::logged_in(session(ExposedTokens::default()));
    assert_eq!(user.sub(), Some("110169484474386276334"));
    assert_eq!(user.email(), Some("ada.lovelace@example.com"));
    assert_eq!(user.email_verified(), Some(true));
    assert_eq!(user.name(), Some("Ada Lovelace"));
    assert_eq!(user.given_name(), Some("Ada"));
    assert_eq!(user.family_name(), Some("Lovelace"));
    assert!(user.picture().is_some_and(|p| p.starts_with("https://")));
    assert_eq!(user.issuer(), Some("https://accounts.google.com"));
    assert_eq!(user.preferred_username(), None);
    assert_eq!(user.provider(), Some("google"));
    assert_eq!(user.get("iat"), Some(&json!(1_795_305_600)));
    assert_eq!(user.login_at(), Some(at(1_795_305_600)));
}

#[test]
fn email_verified_as_a_string_is_read() {
    let mut claims = google_claims();
    claims.insert("email_verified".to_owned(), json!("false"));
    let user = Identity::logged_in(Session::new(
        "cognito",
        claims,
        ExposedTokens::default(),
        at(1),
        at(2),
        None,
    ));
    assert_eq!(user.email_verified(), Some(false));
}

/// `updated_at` as seconds (the standard), as a float, or as Auth0's ISO-8601 string; as
/// anything else it is kept in `to_dict()` and reads as absent.
#[test]
fn updated_at_is_read_from_seconds_or_an_iso_string() {
    for (value, expected) in [
        (json!(1_776_000_000), Some(at(1_776_000_000))),
        (
            json!(1_776_000_000.5),
            Some(at(1_776_000_000) + Duration::from_millis(500)),
        ),
        (
            json!("2026-04-12T09:41:07.532Z"),
            Some(at(1_775_986_867) + Duration::from_millis(532)),
        ),
        (json!("2026-04-12T11:41:07+02:00"), Some(at(1_775_986_867))),
        (json!("yesterday"), None),
        (json!(-5), None),
        (json!(true), None),
    ] {
        let user = Identity::logged_in(with_claims(json!({"sub": "1", "updated_at": value})));
        assert_eq!(user.updated_at(), expected, "{value}");
        assert_eq!(user.to_dict()["updated_at"], value, "kept as sent");
    }
}

#[test]
fn claim_deserializes_any_type_or_says_why_not() {
    let user = Identity::logged_in(Session::new(
        "entra",
        claims_with_groups(3),
        ExposedTokens::default(),
        at(1),
        at(2),
        None,
    ));
    let groups: Vec<String> = user.claim("groups").unwrap().unwrap();
    assert_eq!(groups.len(), 3);
    let e = user.claim::<u64>("groups").unwrap_err();
    assert!(matches!(e, UserError::ClaimType { ref claim, .. } if claim == "groups"));
    assert!(e.to_string().starts_with("claim `groups` has another type"));
    assert_eq!(user.name(), Some("Ada Lovelace"));
    assert_eq!(user.claim::<String>("absent").unwrap(), None);
}

#[test]
fn a_claim_of_another_type_reads_as_none_in_typed_getters() {
    let mut claims = google_claims();
    claims.insert("email".to_owned(), json!(["not", "a", "string"]));
    let user = Identity::logged_in(Session::new(
        "x",
        claims,
        ExposedTokens::default(),
        at(1),
        at(2),
        None,
    ));
    assert_eq!(user.email(), None);
    assert!(user.get("email").is_some());
}

#[test]
fn debug_and_serialize_never_show_tokens() {
    let user = Identity::logged_in(session(both_tokens()));
    let shown = [
        format!("{user:?}"),
        format!("{:?}", user.tokens()),
        format!("{:?}", user.session()),
        serde_json::to_string(&user).unwrap(),
        serde_json::to_string(&user.tokens()).unwrap(),
    ];
    for text in shown {
        assert!(!text.contains("id-token-value-1f2e"), "{text}");
        assert!(!text.contains("access-token-value-3d4c"), "{text}");
    }
    let serialized: Value = serde_json::to_value(&user).unwrap();
    assert_eq!(
        serialized["tokens"],
        json!({"id": "REDACTED", "access": "REDACTED"})
    );
    assert_eq!(serialized["email"], json!("ada.lovelace@example.com"));
}

#[test]
fn reserved_keys_win_over_claims_of_the_same_name() {
    let mut claims = google_claims();
    claims.insert("provider".to_owned(), json!("spoofed"));
    claims.insert("is_logged_in".to_owned(), json!(false));
    let user = Identity::logged_in(Session::new(
        "google",
        claims,
        ExposedTokens::default(),
        at(1),
        at(2),
        None,
    ));
    let dict = user.to_dict();
    assert_eq!(dict["provider"], json!("google"));
    assert_eq!(dict["is_logged_in"], json!(true));
    let serialized = serde_json::to_value(&user).unwrap();
    assert_eq!(serialized["provider"], json!("google"));
}

#[test]
fn payloads_of_another_version_or_shape_are_refused() {
    assert!(matches!(
        Identity::from_payload(br#"{"v":2,"p":"g","c":{},"l":1,"e":2}"#),
        Err(UserError::UnsupportedVersion(2))
    ));
    for bad in [
        &b""[..],
        b"null",
        b"{}",
        b"[1]",
        br#"{"v":1,"p":3,"c":{},"l":1,"e":2}"#,
    ] {
        assert!(matches!(
            Identity::from_payload(bad),
            Err(UserError::Malformed(_))
        ));
    }
    assert!(matches!(
        Identity::from_payload(b"\x01not deflate"),
        Err(UserError::Inflate)
    ));
}

#[test]
fn large_claim_sets_are_compressed_and_read_back() {
    let session = Session::new(
        "entra",
        claims_with_groups(100),
        ExposedTokens::default(),
        at(1),
        at(2),
        None,
    );
    let json = serde_json::to_vec(&serde_json::json!({"c": claims_with_groups(100)})).unwrap();
    let bytes = session.to_bytes().unwrap();
    assert_eq!(bytes[0], 0x01);
    assert!(
        bytes.len() < json.len() * 3 / 4,
        "{} vs {}",
        bytes.len(),
        json.len()
    );
    assert_eq!(Session::from_bytes(&bytes).unwrap(), session);
}

#[test]
fn the_wire_format_is_compact_and_stable() {
    let s = Session::new(
        "g",
        json!({"sub": "1"}).as_object().cloned().unwrap(),
        ExposedTokens {
            id: Some("t".into()),
            access: None,
        },
        at(10),
        at(20),
        Some(at(15)),
    );
    assert_eq!(
        String::from_utf8(s.to_bytes().unwrap()).unwrap(),
        r#"{"v":1,"p":"g","c":{"sub":"1"},"t":{"i":"t"},"l":10,"e":20,"x":15}"#
    );
    let bare = Session::new(
        "g",
        serde_json::Map::new(),
        ExposedTokens::default(),
        at(10),
        at(20),
        None,
    );
    assert_eq!(
        String::from_utf8(bare.to_bytes().unwrap()).unwrap(),
        r#"{"v":1,"p":"g","c":{},"l":10,"e":20}"#
    );
}

/// A session of provider `g` with `claims` and no tokens.
fn with_claims(claims: Value) -> Session {
    let claims = claims.as_object().cloned().expect("a JSON object");
    Session::new("g", claims, ExposedTokens::default(), at(1), at(2), None)
}

/// A session whose JSON is over the limit is neither written nor read, however well it
/// compresses: a cookie of a few hundred bytes must not open to hundreds of kilobytes.
#[test]
fn sessions_over_the_size_limit_are_neither_written_nor_read() {
    let with_name = |len: usize| with_claims(json!({"sub": "1", "name": "a".repeat(len)}));
    let within = with_name(MAX_SESSION_LEN - 100).to_bytes().unwrap();
    assert_eq!(within[0], 0x01, "compressed");
    assert!(within.len() < 1024, "{} bytes", within.len());
    let read = Session::from_bytes(&within).unwrap();
    assert!(
        read.memory_size() > MAX_SESSION_LEN,
        "{}",
        read.memory_size()
    );
    assert!(matches!(
        with_name(MAX_SESSION_LEN).to_bytes(),
        Err(UserError::TooLarge { .. })
    ));
    // A payload made elsewhere: compressed or not, over the limit is refused.
    let json = format!(
        r#"{{"v":1,"p":"g","c":{{"name":"{}"}},"l":1,"e":2}}"#,
        "a".repeat(MAX_SESSION_LEN)
    );
    assert!(matches!(
        Session::from_bytes(json.as_bytes()),
        Err(UserError::TooLarge { .. })
    ));
    let mut deflated = vec![0x01];
    deflated.extend(miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6));
    assert!(deflated.len() < 1024);
    assert!(Session::from_bytes(&deflated).is_err());
}

/// What a session weighs in memory follows what it holds, not its JSON or its cookie:
/// many small values weigh far more than their text.
#[test]
fn memory_size_counts_what_is_held() {
    let ones = with_claims(json!({"sub": "1", "x": vec![1; 20_000]}));
    let bytes = ones.to_bytes().unwrap();
    assert!(bytes.len() < 1024, "a small cookie: {}", bytes.len());
    let read = Session::from_bytes(&bytes).unwrap();
    let value_slot = size_of::<Value>();
    assert!(
        read.memory_size() >= 20_000 * value_slot,
        "{}",
        read.memory_size()
    );
    let google = session(ExposedTokens::default());
    let json_len = google.to_bytes().unwrap().len();
    assert!(
        (json_len..json_len * 8).contains(&google.memory_size()),
        "{} for {json_len} bytes of JSON",
        google.memory_size()
    );
}

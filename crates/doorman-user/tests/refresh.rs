//! A session that refreshes: it keeps the refresh token sealed and out of every view, knows
//! when its access token expires, and a refresh replaces what the provider renewed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_user::{ExposedTokens, Identity, Refreshed, Session};
use serde_json::{Map, Value, json};

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn claims(name: &str) -> Map<String, Value> {
    let Value::Object(map) = json!({"sub": "ada", "iss": "https://idp.example", "name": name})
    else {
        unreachable!()
    };
    map
}

const REFRESH: &str = "refresh-token-7c1e0b";

fn session() -> Session {
    Session::new(
        "dev",
        claims("Ada"),
        ExposedTokens {
            id: None,
            access: Some("access-1".into()),
        },
        at(1_000),
        at(100_000),
        Some(at(4_600)),
    )
    .with_refresh(Some(REFRESH.into()), Some(at(4_600)))
}

#[test]
fn the_refresh_token_is_kept_sealed_and_out_of_every_view() {
    let session = session();
    let bytes = session.to_bytes().expect("within the limit");
    let read = Session::from_bytes(&bytes).expect("reads back");
    assert_eq!(read.refresh_token(), Some(REFRESH));
    assert_eq!(read, session);
    let identity = Identity::logged_in(read);
    let shown = [
        format!("{session:?}"),
        format!("{identity:?}"),
        format!("{:?}", identity.tokens()),
        serde_json::to_string(&identity).expect("json"),
        Value::Object(identity.to_dict()).to_string(),
        Value::Object(identity.tokens().to_dict()).to_string(),
    ];
    for text in shown {
        assert!(!text.contains(REFRESH), "{text}");
    }
}

#[test]
fn a_refresh_is_due_within_the_margin_of_the_access_tokens_expiry() {
    let session = session();
    let margin = Duration::from_secs(60);
    for (now, due) in [
        (1_000, false),
        (4_539, false),
        (4_540, true),
        (4_600, true),
        (9_000, true),
    ] {
        assert_eq!(session.refresh_due(at(now), margin), due, "{now}");
    }
    let without_refresh_token = session.clone().with_refresh(None, Some(at(4_600)));
    assert!(!without_refresh_token.refresh_due(at(9_000), margin));
    let without_expiry = session.with_refresh(Some(REFRESH.into()), None);
    assert!(!without_expiry.refresh_due(at(9_000), margin));
}

#[test]
fn a_refresh_replaces_what_the_provider_renewed_and_keeps_the_rest() {
    let old = session();
    let tokens = ExposedTokens {
        id: None,
        access: Some("access-2".into()),
    };
    let rotated = old.refreshed(
        Refreshed::new(
            claims("Ada Lovelace"),
            tokens.clone(),
            Some("refresh-2".into()),
            Some(at(8_200)),
            Some(at(8_200)),
        ),
        old.expires_at(),
    );
    assert_eq!(rotated.claims()["name"], "Ada Lovelace");
    assert_eq!(rotated.tokens(), &tokens);
    assert_eq!(rotated.refresh_token(), Some("refresh-2"));
    assert_eq!(rotated.access_expires_at(), Some(at(8_200)));
    assert_eq!(rotated.id_token_expires_at(), Some(at(8_200)));
    assert_eq!(rotated.login_at(), old.login_at(), "the login time stays");
    assert_eq!(rotated.provider(), "dev");
    let kept = old.refreshed(
        Refreshed::new(claims("Ada"), tokens, None, Some(at(8_200)), None),
        old.expires_at(),
    );
    assert_eq!(
        kept.refresh_token(),
        Some(REFRESH),
        "no rotation keeps the old one"
    );
    assert_eq!(kept.id_token_expires_at(), old.id_token_expires_at());
    let identity = Identity::logged_in(kept);
    assert_eq!(identity.tokens().expires_at(), Some(at(8_200)));
    assert!(!identity.tokens().is_expired(at(8_199)));
    assert!(identity.tokens().is_expired(at(8_200)));
    assert_eq!(identity.tokens().to_dict()["expires_at"], 8_200);
}

/// `Session` has no serde impls of its own: the only way to its JSON is the sealed payload,
/// so an app cannot serialize a session (and its refresh token) by mistake. Checked at
/// compile time: the probe's inherent constant exists only for a `Serialize` type.
#[test]
fn a_session_cannot_be_handed_to_serde() {
    trait NotSerialize {
        const SERIALIZES: bool = false;
    }
    impl<T> NotSerialize for T {}
    struct Probe<T>(std::marker::PhantomData<T>);
    impl<T: serde::Serialize> Probe<T> {
        #[allow(dead_code)]
        const SERIALIZES: bool = true;
    }
    const {
        assert!(!Probe::<Session>::SERIALIZES);
    };
    const {
        assert!(
            Probe::<ExposedTokens>::SERIALIZES,
            "the probe sees a Serialize impl"
        );
    };
}

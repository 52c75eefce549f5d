//! Properties: any claim set survives payload → seal → open → payload, and the views never
//! panic on any JSON claims object.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use doorman_seal::{Purpose, Sealer};
use doorman_user::{ExposedTokens, Identity, Session};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn claims() -> impl Strategy<Value = Map<String, Value>> {
    (
        proptest::collection::btree_map(
            "\\PC{0,16}",
            doorman_testkit::strategies::any_json(4, 64),
            0..16,
        ),
        proptest::collection::vec("[a-z0-9-]{36}", 0..200),
    )
        .prop_map(|(claims, groups)| {
            let mut map: Map<String, Value> = claims.into_iter().collect();
            if !groups.is_empty() {
                map.insert("groups".to_owned(), Value::from(groups));
            }
            map
        })
}

fn tokens() -> impl Strategy<Value = ExposedTokens> {
    (
        proptest::option::of("[A-Za-z0-9._-]{1,200}"),
        proptest::option::of("[A-Za-z0-9._-]{1,200}"),
    )
        .prop_map(|(id, access)| ExposedTokens { id, access })
}

proptest! {
    #[test]
    fn a_session_survives_seal_and_open(claims in claims(), tokens in tokens(), provider in "[a-z0-9_-]{1,12}", nonce in any::<[u8; 12]>()) {
        let session = Session::new(provider, claims, tokens, at(1_000), at(2_000), Some(at(1_500)));
        let sealer = Sealer::new(Purpose::Identity, b"secret", &[]).unwrap();
        let value = sealer.seal("doorman_user", &session.to_bytes().expect("a session within the limit"), at(2_000), at(1_000), nonce).unwrap();
        let opened = sealer.open("doorman_user", &value, at(1_999)).unwrap();
        let back = Session::from_bytes(&opened).unwrap();
        prop_assert_eq!(&back, &session);
        let user = Identity::logged_in(back);
        prop_assert_eq!(user.to_dict().len() >= 3, true);
    }

    #[test]
    fn views_never_panic_on_any_claims(claims in claims(), tokens in tokens(), name in "\\PC{0,16}") {
        let user = Identity::logged_in(Session::new("p", claims, tokens, at(1), at(2), None));
        let _ = (user.sub(), user.email(), user.email_verified(), user.name(), user.given_name(),
                 user.family_name(), user.picture(), user.preferred_username(), user.locale(),
                 user.issuer(), user.get(&name), user.claims().count(), user.tokens().to_dict());
        let _ = user.claim::<Vec<String>>(&name);
        let _ = user.claim::<u64>(&name);
        let _ = user.claim::<Value>(&name);
        let _ = serde_json::to_string(&user).unwrap();
        let _ = format!("{user:?}");
        let _ = user.to_dict();
    }

    #[test]
    fn any_bytes_never_panic_the_payload_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Identity::from_payload(&bytes);
    }
}

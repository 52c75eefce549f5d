//! Each refusal rule of the seal, shown refusing, and rotation.

mod common;

use common::{NOW, at, sealer};
use doorman_seal::{Purpose, SealError, Sealer, Unsealed};

const NAME: &str = "doorman_user";

fn sealed(s: &Sealer, payload: &[u8]) -> String {
    s.seal(NAME, payload, at(NOW + 60), at(NOW), [9; 12])
        .expect("seal")
}

#[test]
fn wrong_cookie_name_is_refused() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    let value = sealed(&s, b"payload");
    assert_eq!(
        s.open("doorman_user_1", &value, at(NOW)),
        Err(Unsealed::Forged)
    );
}

#[test]
fn another_purpose_is_refused() {
    let identity = sealer(Purpose::Identity, "secret", &[]);
    let transaction = sealer(Purpose::LoginTransaction, "secret", &[]);
    let value = sealed(&transaction, b"payload");
    assert_eq!(identity.open(NAME, &value, at(NOW)), Err(Unsealed::Forged));
}

#[test]
fn expiry_boundary_is_exact() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    let value = sealed(&s, b"p");
    assert_eq!(s.open(NAME, &value, at(NOW + 59)).as_deref(), Ok(&b"p"[..]));
    assert_eq!(s.open(NAME, &value, at(NOW + 60)), Err(Unsealed::Expired));
    assert_eq!(s.open(NAME, &value, at(NOW + 61)), Err(Unsealed::Expired));
}

#[test]
fn open_with_expiry_tells_the_sealed_expiry_in_whole_seconds() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    let expires = at(NOW + 60) + std::time::Duration::from_millis(700);
    let value = s.seal(NAME, b"p", expires, at(NOW), [9; 12]).expect("seal");
    let opened = s.open_with_expiry(NAME, &value, at(NOW)).expect("open");
    assert_eq!(opened.payload, b"p");
    assert_eq!(opened.expires_at, at(NOW + 60));
    assert_eq!(
        s.open_with_expiry(NAME, &value, at(NOW + 60)),
        Err(Unsealed::Expired)
    );
    assert!(
        !format!("{opened:?}").contains("112"),
        "no payload bytes in Debug"
    );
}

#[test]
fn sealing_an_already_expired_value_is_refused() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    assert_eq!(
        s.seal(NAME, b"p", at(NOW), at(NOW), [0; 12]),
        Err(SealError::AlreadyExpired)
    );
}

#[test]
fn invalid_cookie_names_are_refused() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    for name in ["", "a b", "a;b", "a=b", "é"] {
        assert_eq!(
            s.seal(name, b"p", at(NOW + 1), at(NOW), [0; 12]),
            Err(SealError::InvalidCookieName),
            "{name:?}"
        );
    }
}

#[test]
fn empty_secrets_are_refused() {
    assert_eq!(
        Sealer::new(Purpose::Identity, b"", &[]).err(),
        Some(SealError::EmptySecret)
    );
    assert_eq!(
        Sealer::new(Purpose::Identity, b"ok", &[b""]).err(),
        Some(SealError::EmptySecret)
    );
}

#[test]
fn rotation_opens_values_of_previous_secrets() {
    let old = sealer(Purpose::Identity, "old secret", &[]);
    let value = sealed(&old, b"still logged in");
    let rotated = sealer(Purpose::Identity, "new secret", &["old secret"]);
    assert_eq!(
        rotated.open(NAME, &value, at(NOW)).as_deref(),
        Ok(&b"still logged in"[..])
    );
    let resealed = sealed(&rotated, b"x");
    assert_eq!(
        sealer(Purpose::Identity, "new secret", &[])
            .open(NAME, &resealed, at(NOW))
            .as_deref(),
        Ok(&b"x"[..]),
        "new values are sealed with the current secret"
    );
}

#[test]
fn a_removed_secret_no_longer_opens() {
    let old = sealer(Purpose::Identity, "old secret", &[]);
    let value = sealed(&old, b"p");
    let removed = sealer(Purpose::Identity, "new secret", &["other"]);
    assert_eq!(
        removed.open(NAME, &value, at(NOW)),
        Err(Unsealed::UnknownKey)
    );
}

#[test]
fn malformed_values_are_refused() {
    let s = sealer(Purpose::Identity, "secret", &[]);
    for value in ["", "not base64!", "AQ", "AQID", &"A".repeat(70_000)] {
        assert_eq!(
            s.open(NAME, value, at(NOW)),
            Err(Unsealed::Malformed),
            "{value:.20}"
        );
    }
}

#[test]
fn only_the_canonical_base64url_encoding_opens() {
    use base64::Engine as _;
    use base64::alphabet::URL_SAFE;
    use base64::engine::GeneralPurpose;
    use base64::engine::general_purpose::NO_PAD;
    // A decoder that ignores the unused low bits of the last character.
    const LENIENT: GeneralPurpose =
        GeneralPurpose::new(&URL_SAFE, NO_PAD.with_decode_allow_trailing_bits(true));
    const CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let s = sealer(Purpose::Identity, "secret", &[]);
    // 41 + 0 bytes end in a character with 2 unused bits, 41 + 2 bytes in one with 4.
    for (payload, unused_bits) in [(&b""[..], 2), (&b"pp"[..], 4)] {
        let value = sealed(&s, payload);
        assert_eq!(s.open(NAME, &value, at(NOW)).as_deref(), Ok(payload));
        let bytes = LENIENT.decode(&value).expect("base64url");
        let (head, last) = value.split_at(value.len() - 1);
        let variants: Vec<String> = CHARS
            .chars()
            .filter(|c| c.to_string() != last)
            .map(|c| format!("{head}{c}"))
            .filter(|variant| LENIENT.decode(variant).as_deref() == Ok(&bytes[..]))
            .collect();
        assert_eq!(variants.len(), (1 << unused_bits) - 1, "{payload:?}");
        // The same bytes, so authentication would pass: strict decoding is the rule.
        for variant in variants
            .iter()
            .chain(&[format!("{value}="), format!("{value}==")])
        {
            assert_eq!(
                s.open(NAME, variant, at(NOW)),
                Err(Unsealed::Malformed),
                "{variant}"
            );
        }
    }
}

#[test]
fn another_format_version_is_refused() {
    use base64::Engine as _;
    let s = sealer(Purpose::Identity, "secret", &[]);
    let mut raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed(&s, b"p"))
        .expect("base64");
    raw[0] = 2;
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    assert_eq!(
        s.open(NAME, &value, at(NOW)),
        Err(Unsealed::UnsupportedVersion)
    );
}

#[test]
fn debug_shows_no_key_material() {
    let s = sealer(Purpose::Identity, "super-secret-value", &[]);
    let debug = format!("{s:?}");
    assert_eq!(debug, "Sealer { purpose: Identity, keys: 1, .. }");
}

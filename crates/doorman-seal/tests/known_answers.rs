//! Known-answer vectors pin the sealed format: the same inputs give the same bytes, and the
//! bytes decode, by the format's description alone, with the bare primitives.

mod common;

use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{at, sealer};
use doorman_seal::Purpose;
use hkdf::Hkdf;
use serde_json::Value;
use sha2::Sha256;

struct Vector {
    purpose: Purpose,
    label: &'static [u8],
    secret: String,
    name: String,
    payload: Vec<u8>,
    nonce: [u8; 12],
    now: u64,
    expires: u64,
    sealed: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("vectors.json");
    let list: Vec<Value> = serde_json::from_str(text).expect("vectors.json is JSON");
    list.iter()
        .map(|v| {
            let (purpose, label): (Purpose, &[u8]) = match v["purpose"].as_str() {
                Some("identity") => (Purpose::Identity, b"doorman-seal/v1 identity"),
                Some("login-transaction") => (
                    Purpose::LoginTransaction,
                    b"doorman-seal/v1 login-transaction",
                ),
                other => panic!("unknown purpose {other:?}"),
            };
            let byte = u8::try_from(v["nonce_byte"].as_u64().expect("nonce_byte")).expect("a byte");
            Vector {
                purpose,
                label,
                secret: v["secret"].as_str().expect("secret").to_owned(),
                name: v["name"].as_str().expect("name").to_owned(),
                payload: v["payload_utf8"]
                    .as_str()
                    .expect("payload")
                    .as_bytes()
                    .to_vec(),
                nonce: [byte; 12],
                now: v["now"].as_u64().expect("now"),
                expires: v["expires"].as_u64().expect("expires"),
                sealed: v["sealed"].as_str().expect("sealed").to_owned(),
            }
        })
        .collect()
}

#[test]
fn sealing_reproduces_each_vector() {
    for v in vectors() {
        let sealed = sealer(v.purpose, &v.secret, &[])
            .seal(&v.name, &v.payload, at(v.expires), at(v.now), v.nonce)
            .expect("seal");
        assert_eq!(sealed, v.sealed, "{}", v.name);
    }
}

#[test]
fn opening_each_vector_gives_its_payload() {
    for v in vectors() {
        let opened = sealer(v.purpose, &v.secret, &[])
            .open(&v.name, &v.sealed, at(v.now))
            .expect("open");
        assert_eq!(opened, v.payload);
    }
}

#[test]
fn each_vector_decodes_by_the_documented_format() {
    for v in vectors() {
        let raw = URL_SAFE_NO_PAD
            .decode(&v.sealed)
            .expect("base64url without padding");
        let hkdf = Hkdf::<Sha256>::new(Some(b"doorman-seal/v1"), v.secret.as_bytes());
        let mut key_id = [0u8; 4];
        hkdf.expand(b"doorman-seal/v1 key-id", &mut key_id)
            .expect("hkdf");
        let mut key = [0u8; 32];
        hkdf.expand(v.label, &mut key).expect("hkdf");

        assert_eq!(raw[0], 1, "format version");
        assert_eq!(raw[1..5], key_id, "key id");
        assert_eq!(raw[5..17], v.nonce, "nonce");
        let mut aad = vec![1u8];
        aad.extend_from_slice(&key_id);
        aad.extend_from_slice(&u16::try_from(v.name.len()).expect("short").to_be_bytes());
        aad.extend_from_slice(v.name.as_bytes());
        let plaintext = Aes256GcmSiv::new((&key).into())
            .decrypt(
                Nonce::from_slice(&raw[5..17]),
                Payload {
                    msg: &raw[17..],
                    aad: &aad,
                },
            )
            .expect("authentic");
        assert_eq!(
            plaintext[..8],
            v.expires.to_be_bytes(),
            "expiry, big-endian seconds"
        );
        assert_eq!(plaintext[8..], v.payload[..]);
        assert_eq!(raw.len(), doorman_seal::OVERHEAD + v.payload.len());
    }
}

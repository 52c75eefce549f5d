//! Cookie → `Identity` (open the sealed cookie, read the session) for a Google claim set and
//! one with 100 groups, next to the floor: the bare AEAD open of the same ciphertext plus
//! the bare JSON parse of the same claims.

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use doorman_seal::{Purpose, Sealer};
use doorman_testkit::claims;
use doorman_user::{ExposedTokens, Identity, Session};
use serde_json::{Map, Value};

fn cookie_to_user(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_795_305_600);
    let expires = now + Duration::from_secs(30 * 86_400);
    let sealer =
        Sealer::new(Purpose::Identity, b"0123456789abcdef0123456789abcdef", &[]).expect("secret");
    let floor_cipher = Aes256GcmSiv::new(&[7u8; 32].into());
    let cases: [(&str, Map<String, Value>); 2] = [
        ("google", claims::google_claims()),
        ("groups_100", claims::claims_with_groups(100)),
    ];
    let mut group = c.benchmark_group("user");
    for (name, claims) in cases {
        let session = Session::new(
            "google",
            claims,
            ExposedTokens::default(),
            now,
            expires,
            None,
        );
        let payload = session.to_bytes().expect("a session within the limit");
        let cookie = sealer
            .seal("doorman_user", &payload, expires, now, [1; 12])
            .expect("seal");
        group.bench_with_input(BenchmarkId::new("cookie_to_user", name), &cookie, |b, v| {
            b.iter(|| {
                let opened = sealer
                    .open("doorman_user", black_box(v), now)
                    .expect("open");
                Identity::from_payload(&opened).expect("session")
            });
        });
        let json = serde_json::to_vec(&session_json(&session)).expect("json");
        let nonce = [1u8; 12];
        let ciphertext = floor_cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &payload,
                    aad: b"doorman_user",
                },
            )
            .expect("encrypt");
        group.bench_with_input(
            BenchmarkId::new("floor_aead_open_json_parse", name),
            &(),
            |b, ()| {
                b.iter(|| {
                    let opened = floor_cipher
                        .decrypt(
                            Nonce::from_slice(&nonce),
                            Payload {
                                msg: black_box(&ciphertext),
                                aad: b"doorman_user",
                            },
                        )
                        .expect("decrypt");
                    let value: Value = serde_json::from_slice(black_box(&json)).expect("json");
                    (opened, value)
                });
            },
        );
    }
    group.finish();
}

/// The session as plain JSON: what a parse of "the same claims" reads.
fn session_json(session: &Session) -> Value {
    serde_json::json!({"p": session.provider(), "c": session.claims()})
}

criterion_group! { name = benches; config = doorman_testkit::bench::config(); targets = cookie_to_user }
criterion_main!(benches);

//! `seal` and `open` for 200 B, 1 KiB and 4 KiB payloads, next to their floor: the bare
//! AES-256-GCM-SIV open of the same ciphertext under an already-derived key.

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use doorman_seal::{Purpose, Sealer};

fn seal_and_open(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_795_305_600);
    let expires = now + Duration::from_secs(3600);
    let sealer =
        Sealer::new(Purpose::Identity, b"0123456789abcdef0123456789abcdef", &[]).expect("secret");
    let floor_cipher = Aes256GcmSiv::new(&[7u8; 32].into());
    let mut group = c.benchmark_group("seal");
    for size in [200usize, 1024, 4096] {
        let payload = vec![0x5au8; size];
        group.bench_with_input(BenchmarkId::new("seal", size), &payload, |b, p| {
            b.iter(|| sealer.seal("doorman_user", black_box(p), expires, now, [1; 12]));
        });
        let value = sealer
            .seal("doorman_user", &payload, expires, now, [1; 12])
            .expect("seal");
        group.bench_with_input(BenchmarkId::new("open", size), &value, |b, v| {
            b.iter(|| sealer.open("doorman_user", black_box(v), now));
        });
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
            BenchmarkId::new("floor_aead_open", size),
            &ciphertext,
            |b, ct| {
                b.iter(|| {
                    floor_cipher.decrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: black_box(ct),
                            aad: b"doorman_user",
                        },
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group! { name = benches; config = doorman_testkit::bench::config(); targets = seal_and_open }
criterion_main!(benches);

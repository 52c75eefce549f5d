//! The relying party's own cost, with the provider's round trips taken out: building an
//! authorization URL, verifying an ID token (RS256, ES256), and processing a whole callback
//! with warm caches (state check, token-response parsing, ID-token verification).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use doorman_devidp::Misbehavior;
use doorman_oidc::{LoginEntropy, Verification};
use doorman_testkit::pair::Pair;

fn oidc(c: &mut Criterion) {
    let mut group = c.benchmark_group("oidc");
    let mut pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    let entropy = LoginEntropy {
        state: [1; 32],
        nonce: [2; 32],
        pkce_verifier: [3; 32],
        client_assertion: [4; 32],
    };
    group.bench_function("authorization_url", |b| {
        b.iter(|| doorman_oidc::begin(&pair.config, &metadata, black_box(&entropy), pair.now));
    });

    for (name, misbehavior) in [("rs256", None), ("es256", Some(Misbehavior::SignEs256))] {
        if let Some(m) = misbehavior {
            pair.misbehave(m);
        }
        let (pending, _, query) = pair.authorize(&metadata);
        let exchange = pending
            .clone()
            .callback(&metadata, &query)
            .expect("callback");
        let response = pair.send(&exchange.token_request(&pair.config, &metadata));
        group.bench_function(format!("verify_id_token/{name}"), |b| {
            b.iter_batched(
                || {
                    pending
                        .clone()
                        .callback(&metadata, &query)
                        .and_then(|e| e.token_response(&response))
                        .expect("tokens")
                },
                |tokens| match tokens.verify(&pair.config, &metadata, &keys, pair.now) {
                    Ok(Verification::Verified(login)) => login,
                    other => panic!("{other:?}"),
                },
                BatchSize::SmallInput,
            );
        });
        if name == "rs256" {
            group.bench_function("callback_warm_caches", |b| {
                b.iter(|| {
                    let tokens = pending
                        .clone()
                        .callback(&metadata, black_box(&query))
                        .and_then(|e| e.token_response(&response))
                        .expect("tokens");
                    match tokens.verify(&pair.config, &metadata, &keys, pair.now) {
                        Ok(Verification::Verified(login)) => login,
                        other => panic!("{other:?}"),
                    }
                });
            });
        }
        pair.idp.behave();
    }
    group.finish();
}

criterion_group! { name = benches; config = doorman_testkit::bench::config(); targets = oidc }
criterion_main!(benches);

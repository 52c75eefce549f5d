//! Properties: no callback query and no token response makes the core panic, and any
//! tampering with a valid ID token is refused.

mod pair;

use doorman_oidc::Verification;
use pair::Pair;
use proptest::prelude::*;

fn setup() -> (Pair, doorman_oidc::ProviderMetadata, doorman_oidc::KeySet) {
    let pair = Pair::new();
    let metadata = pair.discover().expect("discovery");
    let keys = pair.keys(&metadata);
    (pair, metadata, keys)
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

//! Any ID token in a token response is verified or refused, never a panic.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|token: &str| {
    let (pending, state) = common::pending();
    let metadata = common::metadata();
    let Ok(exchange) = pending.callback(&metadata, &format!("code=c&state={state}&iss=http%3A%2F%2Fidp.test")) else {
        return;
    };
    let body = serde_json_string(token);
    let response = http::Response::new(format!(r#"{{"access_token":"a","token_type":"Bearer","id_token":{body}}}"#).into_bytes());
    if let Ok(tokens) = exchange.token_response(&response) {
        let _ = tokens.verify(&common::config(), &metadata, &common::keys(), common::now());
    }
});

fn serde_json_string(text: &str) -> String {
    let escaped: String = text.chars().flat_map(|c| match c {
        '"' => vec!['\\', '"'],
        '\\' => vec!['\\', '\\'],
        c if c.is_control() => format!("\\u{:04x}", c as u32).chars().collect(),
        c => vec![c],
    }).collect();
    format!("\"{escaped}\"")
}

//! The answers of a refused request: JSON for API clients (`{"error": ...}`), a small page
//! for a browser, never cached and never echoing the request.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

/// `status` with `body` as JSON, not to be cached (it depends on who asks).
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response();
    no_store(&mut response);
    response
}

/// `403` with a page saying the user may not see this one.
pub(crate) fn forbidden_page() -> Response {
    let mut response = (
        StatusCode::FORBIDDEN,
        Html(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Not allowed</title></head><body>
<p>Your account is not allowed to see this page.</p></body></html>"#,
        ),
    )
        .into_response();
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

//! The responses the provider's own endpoints answer with: every one `no-store`; JSON,
//! HTML pages, redirects, and OAuth errors (RFC 6749 §5.2).

use http::{Response, StatusCode, header};
use serde_json::{Value, json};
use url::Url;

/// A response of the provider.
pub(super) type Reply = Response<Vec<u8>>;

pub(super) fn reply(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Vec<u8>>,
) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

pub(super) fn json_reply(status: StatusCode, body: &Value) -> Reply {
    reply(status, "application/json", body.to_string())
}

pub(super) fn html_reply(status: StatusCode, body: String) -> Reply {
    reply(status, "text/html; charset=utf-8", body)
}

pub(super) fn redirect(location: &Url) -> Reply {
    let mut response = reply(StatusCode::FOUND, "text/plain", Vec::new());
    if let Ok(value) = header::HeaderValue::from_str(location.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    json_reply(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

//! Building request values and reading response values: no sockets here.

use http::{Request, Response, header};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::Error;

/// A `GET` for a JSON document.
pub(crate) fn get_json(url: &Url) -> Request<Vec<u8>> {
    let mut request = Request::new(Vec::new());
    *request.method_mut() = http::Method::GET;
    *request.uri_mut() = url.as_str().parse().unwrap_or_default();
    request.headers_mut().insert(
        header::ACCEPT,
        header::HeaderValue::from_static("application/json"),
    );
    request
}

/// A form `POST`.
pub(crate) fn post_form(url: &Url, form: &[(&str, &str)]) -> Request<Vec<u8>> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
        .into_bytes();
    let mut request = Request::new(body);
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = url.as_str().parse().unwrap_or_default();
    let headers = request.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(
        header::ACCEPT,
        header::HeaderValue::from_static("application/json"),
    );
    request
}

/// Parses a successful JSON response, or says why not.
pub(crate) fn json_body<T: DeserializeOwned>(
    endpoint: &'static str,
    response: &Response<Vec<u8>>,
) -> Result<T, Error> {
    if !response.status().is_success() {
        return Err(Error::HttpStatus {
            endpoint,
            status: response.status().as_u16(),
        });
    }
    serde_json::from_slice(response.body()).map_err(|e| Error::InvalidJson {
        endpoint,
        reason: classify(&e),
    })
}

/// A serde error's kind and place, without any of the document's text.
pub(crate) fn classify(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "unexpected shape",
        serde_json::error::Category::Eof => "truncated",
    };
    let message = error.to_string();
    match message.split_once("missing field `") {
        Some((_, rest)) => format!(
            "missing field `{}",
            rest.split_once('`').map_or(rest, |(f, _)| f).to_owned() + "`"
        ),
        None => format!("{kind} at line {} column {}", error.line(), error.column()),
    }
}

/// Appends query parameters to a URL, keeping the ones it already has.
pub(crate) fn with_query(mut url: Url, params: &[(&str, &str)]) -> Url {
    url.query_pairs_mut().extend_pairs(params);
    url
}

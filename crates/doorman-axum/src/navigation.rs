//! Whether a request is a browser's navigation (a page the user asked for, which may be sent
//! to log in) or anything else (a `fetch`, an XHR, an API client, a WebSocket upgrade, which
//! must get a status it can read, never a login page).
//!
//! # Rule
//! - `Sec-Fetch-Mode` decides when the browser sends it (every current browser does over
//!   https and on localhost): `navigate` is a navigation, anything else (`cors`, `no-cors`,
//!   `same-origin`, `websocket`) is not.
//! - Without fetch metadata (an older browser, a plain-http origin that is not localhost, a
//!   command-line client), a request is a navigation when its `Accept` prefers HTML: `text/html`
//!   or `application/xhtml+xml` with a quality no explicit other type beats (wildcards do not
//!   count, so curl's `*/*` is not a navigation).
//! - A WebSocket upgrade, or `X-Requested-With: XMLHttpRequest` (jQuery's mark), is never one.

use axum::http::{HeaderMap, header};

/// Whether the request whose headers are `headers` is a browser's navigation.
pub(crate) fn is_navigation(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::UPGRADE)
        || headers
            .get("x-requested-with")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"xmlhttprequest"))
    {
        return false;
    }
    if let Some(mode) = headers.get("sec-fetch-mode") {
        return mode.as_bytes().eq_ignore_ascii_case(b"navigate");
    }
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(prefers_html)
}

/// Whether an `Accept` value ranks HTML first: an HTML type with a positive quality, and no
/// explicit non-HTML type with a higher one.
fn prefers_html(accept: &str) -> bool {
    let mut html = 0.0_f32;
    let mut other = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|param| {
                let param = param.trim();
                // Parameter names are case-insensitive (RFC 9110 §5.6.6).
                param
                    .get(..2)
                    .filter(|name| name.eq_ignore_ascii_case("q="))
                    .map(|_| &param[2..])
            })
            .find_map(|q| q.trim().parse::<f32>().ok())
            .filter(|q| (0.0..=1.0).contains(q))
            .unwrap_or(1.0);
        if media.eq_ignore_ascii_case("text/html")
            || media.eq_ignore_ascii_case("application/xhtml+xml")
        {
            html = html.max(quality);
        } else if !media.ends_with("/*") {
            other = other.max(quality);
        }
    }
    html > 0.0 && html >= other
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_bytes(name.as_bytes()).expect("name"),
                    HeaderValue::from_str(value).expect("value"),
                )
            })
            .collect()
    }

    /// Chromium's `Accept` for a page.
    const CHROMIUM_PAGE: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

    /// What sends a request, its headers, and whether it is a navigation.
    type Case = (&'static str, &'static [(&'static str, &'static str)], bool);

    #[test]
    fn real_header_sets_are_told_apart() {
        let cases: [Case; 14] = [
            (
                "Chromium: a link or the address bar",
                &[
                    ("accept", CHROMIUM_PAGE),
                    ("sec-fetch-mode", "navigate"),
                    ("sec-fetch-dest", "document"),
                    ("sec-fetch-site", "none"),
                    ("upgrade-insecure-requests", "1"),
                ],
                true,
            ),
            (
                "Chromium: a form post",
                &[
                    ("accept", CHROMIUM_PAGE),
                    ("sec-fetch-mode", "navigate"),
                    ("sec-fetch-dest", "document"),
                    ("sec-fetch-site", "same-origin"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                true,
            ),
            (
                "Chromium: fetch()",
                &[
                    ("accept", "*/*"),
                    ("sec-fetch-mode", "cors"),
                    ("sec-fetch-dest", "empty"),
                    ("sec-fetch-site", "same-origin"),
                ],
                false,
            ),
            (
                "Chromium: fetch() asking for HTML",
                &[
                    ("accept", "text/html"),
                    ("sec-fetch-mode", "cors"),
                    ("sec-fetch-dest", "empty"),
                ],
                false,
            ),
            (
                "Chromium: XMLHttpRequest",
                &[
                    ("accept", "*/*"),
                    ("sec-fetch-mode", "cors"),
                    ("sec-fetch-dest", "empty"),
                    ("sec-fetch-site", "same-origin"),
                ],
                false,
            ),
            (
                "Chromium: an iframe",
                &[
                    ("accept", CHROMIUM_PAGE),
                    ("sec-fetch-mode", "navigate"),
                    ("sec-fetch-dest", "iframe"),
                ],
                true,
            ),
            (
                "Chromium: an image",
                &[
                    (
                        "accept",
                        "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
                    ),
                    ("sec-fetch-mode", "no-cors"),
                    ("sec-fetch-dest", "image"),
                ],
                false,
            ),
            (
                "Chromium: a WebSocket",
                &[
                    ("upgrade", "websocket"),
                    ("connection", "Upgrade"),
                    ("sec-websocket-version", "13"),
                    ("sec-fetch-mode", "websocket"),
                    ("sec-fetch-dest", "websocket"),
                ],
                false,
            ),
            (
                "curl",
                &[("accept", "*/*"), ("user-agent", "curl/8.5.0")],
                false,
            ),
            (
                "an API client asking for JSON",
                &[("accept", "application/json")],
                false,
            ),
            ("nothing at all", &[], false),
            (
                "a browser without fetch metadata",
                &[(
                    "accept",
                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                )],
                true,
            ),
            (
                "jQuery without fetch metadata",
                &[
                    ("accept", "text/html, */*; q=0.01"),
                    ("x-requested-with", "XMLHttpRequest"),
                ],
                false,
            ),
            (
                "HTML only as a fallback to JSON",
                &[("accept", "application/json, text/html;q=0.5")],
                false,
            ),
        ];
        for (what, pairs, navigation) in cases {
            assert_eq!(is_navigation(&headers(pairs)), navigation, "{what}");
        }
    }

    #[test]
    fn qualities_rank_html() {
        assert!(prefers_html("text/html;q=0.9, application/json;q=0.8"));
        assert!(prefers_html("TEXT/HTML"));
        assert!(!prefers_html("text/html;q=0"));
        assert!(
            !prefers_html("text/html;Q=0"),
            "parameter names without case"
        );
        assert!(!prefers_html("text/*"));
        assert!(prefers_html("application/json;q=0.5, text/html;q=nonsense"));
        assert!(!prefers_html(""));
    }
}

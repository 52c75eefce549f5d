//! Our cookies: their names, reading them from a request, writing and deleting them.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::HeaderMap;
use http::header::{COOKIE, HeaderValue, SET_COOKIE};

/// The identity cookie (and its chunks `doorman_user_1`, ...).
pub(crate) const IDENTITY: &str = "doorman_user";
/// The login-transaction cookies' prefix: `doorman_tx_` and the start of the `state`.
pub(crate) const TRANSACTION_PREFIX: &str = "doorman_tx_";
/// The login-failure cookie, read once on the page the user returns to.
pub(crate) const LOGIN_ERROR: &str = "doorman_error";
/// At most this many logins may be in flight in one browser.
pub(crate) const MAX_TRANSACTIONS: usize = 5;
/// How long a login may take at the provider.
pub(crate) const TRANSACTION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long a login failure waits to be shown.
pub(crate) const ERROR_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The name of the transaction cookie for a login whose `state` is `state`.
pub(crate) fn transaction_name(state: &str) -> String {
    let prefix: String = state
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("{TRANSACTION_PREFIX}{prefix}")
}

/// The `name=value` pairs of a request's `Cookie` headers, as bytes.
///
/// A `Cookie` header is pairs joined by `; ` (RFC 6265 §4.2.1, §5.4): split at each `;`,
/// trimmed of spaces and tabs, and cut at the first `=`; a pair without `=` or with an empty
/// name is skipped. Values are taken as sent (no quotes removed, nothing decoded).
pub(crate) fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&[u8], &[u8])> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|header| Split {
            rest: Some(header.as_bytes()),
        })
        .filter_map(|pair| {
            let at = memchr::memchr(b'=', pair)?;
            let name = trim(&pair[..at]);
            (!name.is_empty()).then(|| (name, trim(&pair[at + 1..])))
        })
}

/// The pieces of a header between `;`s, found with `memchr`.
struct Split<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b';', rest) {
            Some(at) => {
                self.rest = Some(&rest[at + 1..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |at| at + 1);
    &bytes[start..end]
}

/// The request's cookies as `(name, value)` strings, borrowed from its headers ([`pairs`]
/// that are UTF-8; ours are ASCII).
pub(crate) fn request_cookies(headers: &HeaderMap) -> Vec<(&str, &str)> {
    // Room for a typical request's cookies without growing.
    let mut cookies = Vec::with_capacity(8);
    cookies.extend(pairs(headers).filter_map(|(name, value)| {
        Some((
            std::str::from_utf8(name).ok()?,
            std::str::from_utf8(value).ok()?,
        ))
    }));
    cookies
}

/// The value of the identity cookie when it is the request's only cookie of doorman's
/// (no chunks, no login failure, no login in flight): the common case, which the
/// [`crate::User`] extractor serves from the cache of opened cookies without more parsing.
pub(crate) fn sole_identity(headers: &HeaderMap) -> Option<&[u8]> {
    let mut identity = None;
    for (name, value) in pairs(headers) {
        if name == IDENTITY.as_bytes() {
            if identity.replace(value).is_some() {
                return None;
            }
        } else if name.starts_with(OURS) {
            return None;
        }
    }
    identity
}

/// The prefix of every cookie name of doorman's.
const OURS: &[u8] = b"doorman_";

/// Where and how our cookies are set.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub(crate) path: String,
    pub(crate) secure: bool,
}

impl Scope {
    /// `; Path=...; HttpOnly; SameSite=Lax[; Secure]; Max-Age=...`'s length, for chunking.
    pub(crate) fn attributes_len(&self, max_age: Duration) -> usize {
        let probe = self.build("x", "", Some(max_age)).to_string();
        probe.len() - "x=".len()
    }

    fn build<'c>(&self, name: &'c str, value: &'c str, max_age: Option<Duration>) -> Cookie<'c> {
        let mut builder = Cookie::build((name, value))
            .path(self.path.clone())
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure);
        if let Some(max_age) = max_age {
            let seconds = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
            builder = builder.max_age(cookie::time::Duration::seconds(seconds));
        }
        builder.build()
    }

    /// Appends a `Set-Cookie` that sets `name`.
    pub(crate) fn set(&self, headers: &mut HeaderMap, name: &str, value: &str, max_age: Duration) {
        let cookie = self.build(name, value, Some(max_age)).to_string();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }

    /// Appends a `Set-Cookie` that deletes `name`.
    pub(crate) fn delete(&self, headers: &mut HeaderMap, name: &str) {
        self.set(headers, name, "", Duration::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                COOKIE,
                HeaderValue::from_bytes(value).expect("header value"),
            );
        }
        headers
    }

    #[test]
    fn pairs_are_split_trimmed_and_cut_at_the_first_equals_sign() {
        let h = headers(&[b"a=1; doorman_user=AbC-_9;b = 2 ;\tc=x=y; =nameless; novalue; d="]);
        assert_eq!(
            request_cookies(&h),
            [
                ("a", "1"),
                ("doorman_user", "AbC-_9"),
                ("b", "2"),
                ("c", "x=y"),
                ("d", "")
            ]
        );
    }

    #[test]
    fn every_cookie_header_is_read_and_a_non_utf8_one_skipped() {
        let h = headers(&[b"a=1", b"b=\xff", b"c=3"]);
        assert_eq!(request_cookies(&h), [("a", "1"), ("c", "3")]);
        assert!(request_cookies(&HeaderMap::new()).is_empty());
    }

    #[test]
    fn the_sole_identity_cookie_is_found_only_when_no_other_of_ours_is_there() {
        let sole = |value: &[u8]| sole_identity(&headers(&[value])).map(<[u8]>::to_vec);
        assert_eq!(sole(b"a=1; doorman_user=v; b=2"), Some(b"v".to_vec()));
        for other in [
            &b"doorman_user=v; doorman_user=w"[..],
            b"doorman_user=2.v; doorman_user_1=w",
            b"doorman_user=v; doorman_error=e",
            b"doorman_tx_abc=t; doorman_user=v",
            b"a=1",
        ] {
            assert_eq!(sole(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    proptest! {
        /// Any header: no panic, and every pair is a non-empty name without `;` or `=` and
        /// a value without `;`, neither with surrounding blanks.
        #[test]
        fn any_header_gives_well_formed_pairs(bytes in proptest::collection::vec(0x20u8..0x7f, 0..200)) {
            let Ok(value) = HeaderValue::from_bytes(&bytes) else { return Ok(()) };
            let mut h = HeaderMap::new();
            h.insert(COOKIE, value);
            // The fast path agrees with the full parse.
            let all = request_cookies(&h);
            let ours: Vec<_> = all.iter().filter(|(n, _)| n.starts_with("doorman_")).collect();
            let expected = match ours.as_slice() {
                [(name, value)] if *name == IDENTITY => Some(value.as_bytes()),
                _ => None,
            };
            prop_assert_eq!(sole_identity(&h), expected);
            for (name, value) in request_cookies(&h) {
                prop_assert!(!name.is_empty());
                prop_assert!(!name.contains([';', '=']));
                prop_assert!(!value.contains(';'));
                for part in [name, value] {
                    prop_assert_eq!(part, part.trim_matches([' ', '\t']));
                }
            }
        }
    }
}

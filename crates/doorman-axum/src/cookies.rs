//! Our cookies: their names, reading them from a request, writing and deleting them.
//!
//! # Names and cookie tossing
//! A sibling subdomain can set cookies for the app's host. With an https `redirect_uri`,
//! every name carries the `__Host-` prefix, which the browser enforces: the cookie is
//! `Secure`, has `Path=/` and no `Domain`, so no other host can set or overwrite it. (The
//! weaker `__Secure-` prefix would allow a sibling's `Domain` cookie.) An app under a base
//! path gets names of its own instead of a `Path`: `__Host-doorman_<hash of the base path>_user`.
//! Over plain http (development) no prefix is possible, so a sibling can plant cookies under
//! our names: the reader tries several cookies of a name and keeps the first that opens, so
//! a junk cookie does not hide the app's own in the common cases, but a sibling can still
//! plant a valid cookie of its own or enough junk to crowd the app's out: production needs
//! https.

use std::time::Duration;

use cookie::{Cookie, SameSite};

use crate::consumed_states::TAG_LEN;
use http::HeaderMap;
use http::header::{COOKIE, HeaderValue, SET_COOKIE};

/// The identity cookie's base name (its chunks are `…doorman_user_1`, ...).
const IDENTITY: &str = "doorman_user";
/// The login-transaction cookies' base prefix: then a keyed hash of the `state`.
const TRANSACTION_PREFIX: &str = "doorman_tx_";
/// The login-failure cookie's base name, read once on the page the user returns to.
const LOGIN_ERROR: &str = "doorman_error";
/// The base prefix of every cookie name of doorman's.
const OURS: &str = "doorman_";
/// At most this many logins may be in flight in one browser.
pub(crate) const MAX_TRANSACTIONS: usize = 5;
/// At most this many cookies of ours are deleted in one response: a request stuffed with
/// cookies of our names never makes a response many times its size.
pub(crate) const MAX_DELETIONS: usize = 16;
/// How long a login may take at the provider.
pub(crate) const TRANSACTION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long a login failure waits to be shown.
pub(crate) const ERROR_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The names of our cookies.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    /// The identity cookie.
    pub(crate) identity: String,
    /// The login-failure cookie.
    pub(crate) error: String,
    /// The start of every login-transaction cookie's name.
    pub(crate) transaction_prefix: String,
    /// The start of every name of ours (`doorman_`, `__Host-doorman_`, ...).
    pub(crate) ours: String,
}

impl Names {
    /// The names for an app under `base_path` (empty for none): `__Host-` names over https,
    /// with a hash of the base path in them when there is one; plain names over http, where
    /// the cookies' `Path` keeps apps apart.
    pub(crate) fn new(base_path: &str, secure: bool) -> Self {
        let ours = match (secure, base_path) {
            (false, _) => OURS.to_owned(),
            (true, "") => format!("__Host-{OURS}"),
            (true, base_path) => {
                use sha2::Digest as _;
                let digest = sha2::Sha256::digest(base_path.as_bytes());
                let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
                format!("__Host-{OURS}{hash}_")
            }
        };
        Self {
            identity: format!("{ours}{}", &IDENTITY[OURS.len()..]),
            error: format!("{ours}{}", &LOGIN_ERROR[OURS.len()..]),
            transaction_prefix: format!("{ours}{}", &TRANSACTION_PREFIX[OURS.len()..]),
            ours,
        }
    }

    /// The transaction cookie's name for a login whose `state` has the (short) keyed hash
    /// `tag`.
    pub(crate) fn transaction(&self, tag: &[u8; TAG_LEN]) -> String {
        use base64::Engine as _;
        format!(
            "{}{}",
            self.transaction_prefix,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Whether `name` is a login-transaction cookie's name of ours (the prefix and a tag).
    pub(crate) fn is_transaction(&self, name: &str) -> bool {
        name.strip_prefix(self.transaction_prefix.as_str())
            .is_some_and(|tag| {
                tag.len() == (TAG_LEN * 8).div_ceil(6)
                    && tag
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    }

    /// Whether `name` is the identity cookie or one of its chunks.
    pub(crate) fn is_identity(&self, name: &str) -> bool {
        doorman_seal::is_part_of(&self.identity, name)
    }
}

/// The `name=value` pairs of a request's `Cookie` headers, as bytes.
///
/// A `Cookie` header is pairs joined by `; ` (RFC 6265 §4.2.1, §5.4): split at each `;`,
/// trimmed of spaces and tabs, and cut at the first `=`; a pair without `=` or with an empty
/// name is skipped. Values are taken as sent (no quotes removed, nothing decoded).
pub(crate) fn pairs(headers: &HeaderMap) -> Pairs<'_> {
    Pairs {
        headers: headers.get_all(COOKIE).iter(),
        rest: &[],
    }
}

/// The iterator of [`pairs`]: each header split at its `;`s, found with `memchr`.
pub(crate) struct Pairs<'h> {
    headers: http::header::ValueIter<'h, HeaderValue>,
    /// What is left of the current header.
    rest: &'h [u8],
}

impl<'h> Iterator for Pairs<'h> {
    type Item = (&'h [u8], &'h [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                self.rest = self.headers.next()?.as_bytes();
            }
            let piece = match memchr::memchr(b';', self.rest) {
                Some(at) => {
                    let piece = &self.rest[..at];
                    self.rest = &self.rest[at + 1..];
                    piece
                }
                None => std::mem::take(&mut self.rest),
            };
            let Some(at) = memchr::memchr(b'=', piece) else {
                continue;
            };
            let name = trim(&piece[..at]);
            if !name.is_empty() {
                return Some((name, trim(&piece[at + 1..])));
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

/// A request's cookies of ours that a page reads (the identity cookie, its chunks, the login
/// failure; logins in flight do not matter to a page), in the order sent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PageCookies<'h> {
    /// None of them.
    Nothing,
    /// The identity cookie alone, once: the common case, found without allocating or
    /// checking the value's UTF-8 (the memo of opened cookies is keyed by bytes).
    Identity(&'h [u8]),
    /// Anything else: every one of them that is UTF-8, as `(name, value)`.
    Several(Vec<(&'h str, &'h str)>),
}

/// The cookies of ours a page reads, from one pass over the `Cookie` headers: what
/// [`request_cookies`] holds of them.
pub(crate) fn page_cookies<'h>(headers: &'h HeaderMap, names: &'h Names) -> PageCookies<'h> {
    fn push<'h>(cookies: &mut Vec<(&'h str, &'h str)>, name: &'h [u8], value: &'h [u8]) {
        if let (Ok(name), Ok(value)) = (std::str::from_utf8(name), std::str::from_utf8(value)) {
            cookies.push((name, value));
        }
    }
    let identity = names.identity.as_bytes();
    let mut found = PageCookies::Nothing;
    for (name, value) in pairs(headers) {
        if !name.starts_with(names.ours.as_bytes())
            || name.starts_with(names.transaction_prefix.as_bytes())
        {
            continue;
        }
        match &mut found {
            PageCookies::Several(cookies) => push(cookies, name, value),
            PageCookies::Nothing if name == identity => found = PageCookies::Identity(value),
            PageCookies::Nothing => {
                let mut cookies = Vec::new();
                push(&mut cookies, name, value);
                found = PageCookies::Several(cookies);
            }
            PageCookies::Identity(first) => {
                let mut cookies = Vec::new();
                push(&mut cookies, identity, first);
                push(&mut cookies, name, value);
                found = PageCookies::Several(cookies);
            }
        }
    }
    found
}

/// Where and how a group of our cookies is set: path and `Secure`.
#[derive(Clone, Debug)]
pub(crate) struct CookieScope {
    path: String,
    secure: bool,
}

impl CookieScope {
    /// Cookies on `path` over http; over https (`secure`) on `/`, as their `__Host-` names
    /// require ([`Names::new`] keeps apps under different base paths apart).
    pub(crate) fn new(path: String, secure: bool) -> Self {
        let path = if secure { "/".to_owned() } else { path };
        Self { path, secure }
    }

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

    fn plain_names() -> Names {
        Names::new("", false)
    }

    #[test]
    fn over_https_every_name_is_host_prefixed_and_base_paths_get_names_of_their_own() {
        let root = Names::new("", true);
        assert_eq!(root.identity, "__Host-doorman_user");
        assert_eq!(root.error, "__Host-doorman_error");
        assert_eq!(root.transaction_prefix, "__Host-doorman_tx_");
        let app = Names::new("/app", true);
        let other = Names::new("/other", true);
        assert!(app.identity.starts_with("__Host-doorman_") && app.identity.ends_with("_user"));
        assert!(app.transaction_prefix.starts_with(&app.ours));
        assert_ne!(app.identity, other.identity);
        assert_ne!(app.identity, root.identity);
        assert_eq!(plain_names().identity, "doorman_user");
        assert_eq!(
            Names::new("/app", false).identity,
            "doorman_user",
            "over http the Path keeps apps apart"
        );
        let mut h = HeaderMap::new();
        let minute = Duration::from_secs(60);
        CookieScope::new("/app".to_owned(), true).set(&mut h, &app.identity, "v", minute);
        CookieScope::new("/app".to_owned(), false).set(&mut h, "doorman_user", "v", minute);
        let lines: Vec<_> = h.get_all(SET_COOKIE).iter().collect();
        let https = lines[0].to_str().expect("ascii");
        assert!(
            https.contains("; Secure") && https.contains("Path=/;"),
            "{https}"
        );
        assert!(!https.contains("Domain"), "{https}");
        assert!(lines[1].to_str().expect("ascii").contains("Path=/app"));
    }

    #[test]
    fn transaction_names_are_the_prefix_and_a_tag() {
        let names = plain_names();
        let name = names.transaction(&[7; TAG_LEN]);
        assert!(names.is_transaction(&name), "{name}");
        for other in [
            "doorman_tx_",
            "doorman_tx_short",
            "doorman_user",
            "x_doorman_tx_BwcHBwcHBwcHBwcHBwcHBw",
        ] {
            assert!(!names.is_transaction(other), "{other}");
        }
    }

    #[test]
    fn the_identity_cookie_alone_is_told_apart_from_several_cookies_of_ours() {
        let names = plain_names();
        let page = |value: &'static [u8]| {
            let h = headers(&[value]);
            match page_cookies(&h, &names) {
                PageCookies::Nothing => "nothing".to_owned(),
                PageCookies::Identity(value) => {
                    format!("identity {}", String::from_utf8_lossy(value))
                }
                PageCookies::Several(cookies) => format!("several {cookies:?}"),
            }
        };
        assert_eq!(page(b"a=1; doorman_user=v; b=2"), "identity v");
        assert_eq!(
            page(b"doorman_tx_abc=t; doorman_user=v"),
            "identity v",
            "logins in flight do not matter to a page"
        );
        assert_eq!(page(b"a=1; doorman_tx_abc=t"), "nothing");
        assert_eq!(
            page(b"doorman_user=v; doorman_user=w"),
            r#"several [("doorman_user", "v"), ("doorman_user", "w")]"#
        );
        assert_eq!(
            page(b"doorman_user=2.v; x=1; doorman_user_1=w"),
            r#"several [("doorman_user", "2.v"), ("doorman_user_1", "w")]"#
        );
        assert_eq!(
            page(b"doorman_error=e; doorman_user=v"),
            r#"several [("doorman_error", "e"), ("doorman_user", "v")]"#
        );
    }

    proptest! {
        /// Any header: no panic, and every pair is a non-empty name without `;` or `=` and
        /// a value without `;`, neither with surrounding blanks.
        #[test]
        fn any_header_gives_well_formed_pairs(bytes in proptest::collection::vec(0x20u8..0x7f, 0..200)) {
            let Ok(value) = HeaderValue::from_bytes(&bytes) else { return Ok(()) };
            let mut h = HeaderMap::new();
            h.insert(COOKIE, value);
            // The one pass agrees with the full parse: the cookies of ours a page reads,
            // in order, and the identity cookie alone told apart.
            let all = request_cookies(&h);
            let ours: Vec<(&str, &str)> = all
                .iter()
                .copied()
                .filter(|(n, _)| n.starts_with("doorman_") && !n.starts_with("doorman_tx_"))
                .collect();
            let expected = match ours.as_slice() {
                [] => PageCookies::Nothing,
                [(name, value)] if *name == "doorman_user" => PageCookies::Identity(value.as_bytes()),
                _ => PageCookies::Several(ours.clone()),
            };
            let names = plain_names();
            prop_assert_eq!(page_cookies(&h, &names), expected);
            for (name, value) in request_cookies(&h) {
                prop_assert!(!name.is_empty());
                prop_assert!(!name.contains([';', '=']));
                prop_assert!(!value.contains(';'));
                for part in [name, value] {
                    prop_assert_eq!(part, part.trim_matches([' ', '\t']));
                }
            }
        }

        /// Headers made of our names (and others): the one pass finds exactly the cookies of
        /// ours a page reads, in order.
        #[test]
        fn a_page_finds_its_cookies_among_any_others(
            cookies in proptest::collection::vec(
                (
                    prop_oneof![
                        Just("doorman_user"), Just("doorman_user_1"), Just("doorman_error"),
                        Just("doorman_tx_abc"), Just("doorman_userx"), Just("a"), Just(" doorman_user "),
                    ],
                    "[a-c.=]{0,3}",
                ),
                0..6,
            ),
        ) {
            let header: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
            let h = headers(&[header.join(";").as_bytes()]);
            let ours: Vec<(&str, &str)> = cookies
                .iter()
                .map(|(n, v)| (n.trim(), v.as_str()))
                .filter(|(n, _)| n.starts_with("doorman_") && !n.starts_with("doorman_tx_"))
                .collect();
            let expected = match ours.as_slice() {
                [] => PageCookies::Nothing,
                [(name, value)] if *name == "doorman_user" => PageCookies::Identity(value.as_bytes()),
                _ => PageCookies::Several(ours.clone()),
            };
            let names = plain_names();
            prop_assert_eq!(page_cookies(&h, &names), expected);
        }
    }
}

//! `return_to`: only same-origin relative paths, so login can never redirect off-site.
//!
//! A candidate is refused (and the base path used instead) unless it is a path that starts
//! with exactly one `/`, holds no backslash, control character, whitespace, dot segment
//! (`.`, `..`, or their `%2e` spellings) or malformed `%` escape; what is kept is
//! percent-encoded where a URL may not hold a character as is (non-ASCII, `"<>'` and the
//! like), and refused when longer than [`MAX_RETURN_TO_LEN`] once encoded, so the login
//! transaction's cookie always fits in what browsers keep.

use percent_encoding::{AsciiSet, utf8_percent_encode};

/// The longest `return_to` kept, in bytes once percent-encoded.
pub(crate) const MAX_RETURN_TO_LEN: usize = 1024;

/// What is percent-encoded in a kept path (non-ASCII always is): the characters a URL may
/// not hold as is, quotes and angle brackets above all, wherever they could be echoed into
/// markup. Controls and whitespace never get here: such a path is refused.
const ENCODED: &AsciiSet = &AsciiSet::EMPTY
    .add(b'"')
    .add(b'\'')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// `candidate` when it is a safe same-origin path (percent-encoded), else `fallback`.
///
/// The query has already been percent-decoded once, so encoded variants of what is
/// refused (`%2F%2F`, `%5C`) stay encoded and harmless.
pub(crate) fn safe_return_to(candidate: Option<&str>, fallback: &str) -> String {
    candidate
        .filter(|path| is_safe(path))
        .map(|path| utf8_percent_encode(path, ENCODED).to_string())
        .filter(|encoded| encoded.len() <= MAX_RETURN_TO_LEN)
        .unwrap_or_else(|| fallback.to_owned())
}

fn is_safe(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && escapes_are_well_formed(path)
        && !has_dot_segment(path)
}

/// Whether every `%` starts a two-hex-digit escape.
fn escapes_are_well_formed(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().all(|(at, &b)| {
        b != b'%'
            || bytes
                .get(at + 1..at + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Whether the path part (before `?` or `#`) has a `.` or `..` segment, however spelled:
/// browsers and servers normalise them, so `/.//evil.example` can become `//evil.example`.
fn has_dot_segment(path: &str) -> bool {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    path[..end].split('/').any(|segment| {
        let dots = segment.to_ascii_lowercase().replace("%2e", ".");
        dots == "." || dots == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_RETURN_TO_LEN, safe_return_to};

    #[test]
    fn same_origin_paths_are_kept() {
        for path in [
            "/",
            "/reports?id=3#top",
            "/a/b/c",
            "/%2F%2Fencoded-but-harmless",
            "/a.b/..c/d..?q=../x",
            "/search?q=a%20b&x=1",
        ] {
            assert_eq!(safe_return_to(Some(path), "/"), path);
        }
    }

    #[test]
    fn characters_a_url_may_not_hold_are_encoded() {
        for (path, encoded) in [
            ("/Zoë", "/Zo%C3%AB"),
            (r#"/a"b'c<d>e"#, "/a%22b%27c%3Cd%3Ee"),
            ("/／／evil", "/%EF%BC%8F%EF%BC%8Fevil"),
            ("/x?q={1}|^", "/x?q=%7B1%7D%7C%5E"),
        ] {
            assert_eq!(safe_return_to(Some(path), "/"), encoded, "{path}");
        }
    }

    #[test]
    fn anything_else_falls_back() {
        let long = format!("/{}", "a".repeat(MAX_RETURN_TO_LEN));
        let long_once_encoded = format!("/{}", "é".repeat(MAX_RETURN_TO_LEN / 5));
        for path in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/\tx",
            "/ok\r\nSet-Cookie: x=y",
            "",
            "/.//evil.example",
            "/./",
            "/a/../..//evil.example",
            "/%2e%2e//evil.example",
            "/.%2E/x",
            "/%zz",
            "/50%",
            "／／evil.example",
            &long,
            &long_once_encoded,
        ] {
            assert_eq!(safe_return_to(Some(path), "/base/"), "/base/", "{path:?}");
        }
        assert_eq!(safe_return_to(None, "/base/"), "/base/");
    }
}

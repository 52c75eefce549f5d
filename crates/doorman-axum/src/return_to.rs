//! `return_to`: only same-origin relative paths, so login can never redirect off-site.

/// `candidate` when it is a safe same-origin path, else `fallback`.
///
/// Refused: anything not starting with one `/` (`//evil.example`, `https://...`), any
/// backslash (browsers read `/\evil` as `//evil`), control characters and whitespace.
/// The query has already been percent-decoded, so encoded variants are refused too.
pub(crate) fn safe_return_to(candidate: Option<&str>, fallback: &str) -> String {
    match candidate {
        Some(path) if is_safe(path) => path.to_owned(),
        _ => fallback.to_owned(),
    }
}

fn is_safe(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && path.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn same_origin_paths_are_kept() {
        for path in [
            "/",
            "/reports?id=3#top",
            "/a/b/c",
            "/%2F%2Fencoded-but-harmless",
        ] {
            assert_eq!(safe_return_to(Some(path), "/"), path);
        }
    }

    #[test]
    fn anything_else_falls_back() {
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
        ] {
            assert_eq!(safe_return_to(Some(path), "/base/"), "/base/", "{path:?}");
        }
        assert_eq!(safe_return_to(None, "/base/"), "/base/");
    }
}

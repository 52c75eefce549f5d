//! Log hygiene: values from a request or a provider are logged escaped.

use std::fmt::Display;

/// The most characters of one untrusted value a log line holds.
const MAX_LOGGED_CHARS: usize = 200;

/// `value` as the log may show it: escaped (`\n`, `\u{1b}`, bidi controls), so a newline or
/// a terminal escape in a provider's answer or a request cannot forge or hide a log line,
/// and cut to [`MAX_LOGGED_CHARS`] characters (then `…`), so one request cannot write a
/// line of hundreds of kilobytes.
pub(crate) fn escaped(value: &impl Display) -> String {
    let text = value.to_string();
    let mut escaped: String = text
        .chars()
        .take(MAX_LOGGED_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_LOGGED_CHARS).is_some() {
        escaped.push('…');
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn long_values_are_cut() {
        let logged = escaped(&"x".repeat(100_000));
        assert_eq!(logged.chars().count(), super::MAX_LOGGED_CHARS + 1);
        assert!(logged.ends_with('…'));
    }

    #[test]
    fn newlines_and_escapes_are_escaped() {
        assert_eq!(
            escaped(&"a\nINFO b\u{1b}[2J\u{202e}"),
            r"a\nINFO b\u{1b}[2J\u{202e}"
        );
    }
}

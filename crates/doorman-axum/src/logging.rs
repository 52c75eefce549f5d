//! Log hygiene: values from a request or a provider are logged escaped.

use std::fmt::Display;

/// `value` as the log may show it: escaped (`\n`, `\u{1b}`, bidi controls), so a newline or
/// a terminal escape in a provider's answer or a request cannot forge or hide a log line.
pub(crate) fn escaped(value: &impl Display) -> String {
    value.to_string().escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn newlines_and_escapes_are_escaped() {
        assert_eq!(
            escaped(&"a\nINFO b\u{1b}[2J\u{202e}"),
            r"a\nINFO b\u{1b}[2J\u{202e}"
        );
    }
}

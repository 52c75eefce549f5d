//! Where a value came from: the file (or text label), line, column and key path.

use std::fmt;
use std::path::PathBuf;

/// The source of a secrets text: a file, or a label for text given directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file that was read.
    File(PathBuf),
    /// Text handed to the parser, named by the caller (for example `"<env>"`).
    Text(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Text(label) => f.write_str(label),
        }
    }
}

/// A place in a secrets file: origin, 1-based line and column, and the dotted key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file or text the value came from.
    pub origin: Origin,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The dotted key path, such as `auth.google.client_id`.
    pub key_path: String,
}

impl Location {
    /// The location of byte `offset` of `text`.
    pub(crate) fn at(origin: &Origin, text: &str, offset: usize, key_path: String) -> Self {
        let offset = floor_char_boundary(text, offset);
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Self {
            origin: origin.clone(),
            line,
            column,
            key_path,
        }
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

//! [`Secret`]: a string that never prints and is wiped when dropped.

use std::fmt;

use zeroize::Zeroizing;

/// A secret string from the secrets file (`client_secret`, `cookie_secret`).
///
/// Its `Debug` and `Display` print `REDACTED`, it has no `Serialize`, and its
/// memory is overwritten with zeros when it is dropped.
/// Read it with [`Secret::expose`], only where the value is really needed.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret text. Call it only where the value is sent or keyed.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length of the secret in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

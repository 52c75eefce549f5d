//! [`UserError`]: a session payload that cannot be read, or a claim of another type.

use std::fmt;

/// Why a session payload or a claim could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum UserError {
    /// The payload is not a session of this format.
    Malformed(serde_json::Error),
    /// The payload is marked compressed but does not inflate (or inflates past the bound).
    Inflate,
    /// The session's JSON is longer than [`crate::MAX_SESSION_LEN`].
    TooLarge {
        /// The JSON's length in bytes.
        len: usize,
    },
    /// The payload's version is not one this build reads.
    UnsupportedVersion(u64),
    /// A claim exists but does not deserialize into the type asked for.
    ClaimType {
        /// The claim's name.
        claim: String,
        /// What serde said.
        source: serde_json::Error,
    },
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed session payload: {e}"),
            Self::Inflate => f.write_str("malformed compressed session payload"),
            Self::TooLarge { len } => write!(
                f,
                "the session is {len} bytes of JSON, over the limit of {} bytes",
                crate::MAX_SESSION_LEN
            ),
            Self::UnsupportedVersion(v) => write!(f, "unsupported session payload version {v}"),
            Self::ClaimType { claim, source } => {
                write!(f, "claim `{claim}` has another type: {source}")
            }
        }
    }
}

impl std::error::Error for UserError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Malformed(e) | Self::ClaimType { source: e, .. } => Some(e),
            Self::UnsupportedVersion(_) | Self::Inflate | Self::TooLarge { .. } => None,
        }
    }
}

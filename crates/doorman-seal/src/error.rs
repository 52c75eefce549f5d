//! [`Unsealed`]: why a value was refused, and [`SealError`]: why a value could not be sealed.

use std::fmt;

/// Why a sealed value was refused.
///
/// The adapter treats every variant the same way (the cookie is absent) and sends none of
/// them to the client; the variants exist for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsealed {
    /// Not canonical base64url without padding (`=` or non-zero unused bits in the last
    /// character are refused), or too short or too long to be a sealed value.
    Malformed,
    /// A format version this build does not read.
    UnsupportedVersion,
    /// Sealed under a key id that is in neither the current nor a previous secret.
    UnknownKey,
    /// Authentication failed: altered, sealed for another cookie name or purpose, or forged.
    Forged,
    /// Authentic, but its expiry has passed.
    Expired,
    /// A chunked value with a chunk missing, extra, duplicated or a bad chunk count.
    BrokenChunks,
}

impl fmt::Display for Unsealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "sealed value refused: malformed",
            Self::UnsupportedVersion => "sealed value refused: unsupported format version",
            Self::UnknownKey => "sealed value refused: sealed with a secret no longer configured",
            Self::Forged => "sealed value refused: authentication failed",
            Self::Expired => "sealed value refused: expired",
            Self::BrokenChunks => "sealed value refused: inconsistent chunks",
        })
    }
}

impl std::error::Error for Unsealed {}

/// Why a value could not be sealed or a key ring built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// A secret given to the key ring is empty.
    EmptySecret,
    /// The expiry is not after `now`: the value would be refused at once.
    AlreadyExpired,
    /// The sealed value needs more cookies than [`crate::MAX_CHUNKS`].
    TooLarge,
    /// The cookie name is empty or holds characters a cookie name cannot have.
    InvalidCookieName,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptySecret => "a cookie secret must not be empty",
            Self::AlreadyExpired => "the expiry must be after now",
            Self::TooLarge => "the sealed value needs more cookies than allowed",
            Self::InvalidCookieName => "invalid cookie name",
        })
    }
}

impl std::error::Error for SealError {}

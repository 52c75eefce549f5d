//! [`Tagger`]: a keyed hash (HMAC-SHA256 under a key derived from each `cookie_secret`) for
//! values that must be unforgeable and stable but need no secrecy: a login transaction's
//! cookie name from its `state`, the logout form's token from its session.

use std::fmt;

use hkdf::Hkdf;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::SealError;

/// The HKDF salt of tags: never the sealing keys' salt, so a tag key is never a sealing key.
const SALT: &[u8] = b"doorman-tag/v1";

/// Bytes in a tag key: SHA-256's block size, HMAC's natural key length.
const KEY_LEN: usize = 64;

/// Bytes in a tag.
pub const TAG_LEN: usize = 32;

/// What a tag is for. Each purpose has its own key, so a tag made for one never passes
/// as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagPurpose {
    /// Names a login transaction (its cookie and its entry among consumed states) after
    /// its `state`.
    LoginState,
    /// The token a logout form carries, tied to the session it logs out.
    LogoutForm,
    /// Names a refresh in flight after the refresh token it spends, so that concurrent
    /// requests of one session share it without the token itself being a key.
    RefreshFlight,
    /// Names what a shared store (Redis) holds: the app's key prefix, a stored session after
    /// its id, the hash key of revocation entries; the store never sees an id or a `sub`.
    SharedState,
}

impl TagPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::LoginState => b"doorman-tag/v1 login-state",
            Self::LogoutForm => b"doorman-tag/v1 logout-form",
            Self::RefreshFlight => b"doorman-tag/v1 refresh-flight",
            Self::SharedState => b"doorman-tag/v1 shared-state",
        }
    }
}

/// Tag keys for one purpose: the current secret's first, then the previous secrets'.
pub struct Tagger {
    purpose: TagPurpose,
    keys: Vec<Zeroizing<[u8; KEY_LEN]>>,
}

impl Tagger {
    /// Derives the tag keys for `purpose` from the current secret and the previous ones
    /// (newest first).
    ///
    /// # Errors
    /// [`SealError::EmptySecret`] when any secret is empty.
    pub fn new(purpose: TagPurpose, current: &[u8], previous: &[&[u8]]) -> Result<Self, SealError> {
        let keys = std::iter::once(current)
            .chain(previous.iter().copied())
            .map(|secret| {
                if secret.is_empty() {
                    return Err(SealError::EmptySecret);
                }
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                // 64 bytes is far below HKDF-SHA256's limit, so expand cannot fail.
                Hkdf::<Sha256>::new(Some(SALT), secret)
                    .expand(purpose.label(), key.as_mut())
                    .map_err(|_| SealError::EmptySecret)?;
                Ok(key)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { purpose, keys })
    }

    /// The tag of `data` under the current secret: what to write.
    #[must_use]
    pub fn tag(&self, data: &[u8]) -> [u8; TAG_LEN] {
        tag_with(&self.keys[0], data)
    }

    /// The tags of `data` under every secret, current first: what to accept.
    pub fn tags(&self, data: &[u8]) -> impl Iterator<Item = [u8; TAG_LEN]> {
        self.keys.iter().map(move |key| tag_with(key, data))
    }

    /// Whether `tag` is the tag of `data` under any secret, compared in constant time.
    #[must_use]
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        self.keys.iter().any(|key| {
            let mut mac = hmac_of(key);
            mac.update(data);
            mac.verify_slice(tag).is_ok()
        })
    }
}

fn hmac_of(key: &[u8; KEY_LEN]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new(key.into())
}

fn tag_with(key: &[u8; KEY_LEN], data: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = hmac_of(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

impl fmt::Debug for Tagger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tagger")
            .field("purpose", &self.purpose)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_verifies_under_its_own_purpose_and_secrets_only() {
        let old = Tagger::new(TagPurpose::LoginState, b"old secret", &[]).expect("keys");
        let rotated =
            Tagger::new(TagPurpose::LoginState, b"new secret", &[b"old secret"]).expect("keys");
        let other = Tagger::new(TagPurpose::LogoutForm, b"old secret", &[]).expect("keys");
        let tag = old.tag(b"state");
        assert!(old.verify(b"state", &tag));
        assert!(rotated.verify(b"state", &tag), "a previous secret's tag");
        assert_eq!(rotated.tags(b"state").nth(1), Some(tag));
        assert!(!other.verify(b"state", &tag), "another purpose");
        assert!(!old.verify(b"stat", &tag), "other data");
        assert!(!old.verify(b"state", &tag[..16]), "a truncated tag");
        assert!(Tagger::new(TagPurpose::LoginState, b"", &[]).is_err());
    }
}

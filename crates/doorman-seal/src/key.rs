//! Keys: HKDF-SHA256 from each `cookie_secret`, one key per [`Purpose`], and a key id per secret.

use std::fmt;

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::KeyInit;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::SealError;

/// Bytes in a key id.
pub(crate) const KEY_ID_LEN: usize = 4;

/// The HKDF salt: names the scheme and its version, so keys never collide with another use.
const SALT: &[u8] = b"doorman-seal/v1";

/// What a sealed value is for. Each purpose has its own key, so a value sealed for one
/// purpose never opens as another, even under the same secret and cookie name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// The logged-in user's session.
    Identity,
    /// A login in flight: state, nonce, PKCE verifier, return path.
    LoginTransaction,
    /// The identity cookie of a session kept in a shared store: only the session's id.
    SessionReference,
    /// A session's body kept in a shared store (Redis), or a refresh's outcome published
    /// there: whoever reads the store learns nothing from it.
    StoredSession,
}

impl Purpose {
    /// The HKDF `info` label of the purpose.
    fn label(self) -> &'static [u8] {
        match self {
            Self::Identity => b"doorman-seal/v1 identity",
            Self::LoginTransaction => b"doorman-seal/v1 login-transaction",
            Self::SessionReference => b"doorman-seal/v1 session-reference",
            Self::StoredSession => b"doorman-seal/v1 stored-session",
        }
    }
}

/// One secret's key for one purpose, expanded once (the AES key schedule is wiped on drop).
pub(crate) struct Key {
    pub(crate) id: [u8; KEY_ID_LEN],
    pub(crate) cipher: Aes256GcmSiv,
}

impl Key {
    fn derive(secret: &[u8], purpose: Purpose) -> Result<Self, SealError> {
        if secret.is_empty() {
            return Err(SealError::EmptySecret);
        }
        let hkdf = Hkdf::<Sha256>::new(Some(SALT), secret);
        let mut id = [0u8; KEY_ID_LEN];
        let mut bytes = Zeroizing::new([0u8; 32]);
        // Both lengths are far below HKDF-SHA256's limit of 8160 bytes, so expand cannot fail.
        hkdf.expand(b"doorman-seal/v1 key-id", &mut id)
            .map_err(|_| SealError::EmptySecret)?;
        hkdf.expand(purpose.label(), bytes.as_mut())
            .map_err(|_| SealError::EmptySecret)?;
        Ok(Self {
            id,
            cipher: Aes256GcmSiv::new(bytes.as_ref().into()),
        })
    }
}

/// The keys for one purpose: the current secret's first, then the previous secrets'.
///
/// Seal with the current key; open with any key whose id matches.
pub struct Sealer {
    pub(crate) purpose: Purpose,
    pub(crate) keys: Vec<Key>,
}

impl Sealer {
    /// Derives the keys for `purpose` from the current secret and the previous ones
    /// (newest first), for rotation: values sealed under a previous secret still open;
    /// values sealed under a secret no longer listed do not.
    ///
    /// # Errors
    /// [`SealError::EmptySecret`] when any secret is empty.
    pub fn new(purpose: Purpose, current: &[u8], previous: &[&[u8]]) -> Result<Self, SealError> {
        let keys = std::iter::once(current)
            .chain(previous.iter().copied())
            .map(|secret| Key::derive(secret, purpose))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { purpose, keys })
    }

    pub(crate) fn current(&self) -> &Key {
        &self.keys[0]
    }

    pub(crate) fn keys_with_id(&self, id: [u8; KEY_ID_LEN]) -> impl Iterator<Item = &Key> {
        self.keys.iter().filter(move |key| key.id == id)
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("purpose", &self.purpose)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

//! The sealed format, version 1.
//!
//! ```text
//! value      = base64url-nopad( version | key_id | nonce | ciphertext )
//! version    = 0x01                                   1 byte
//! key_id     = HKDF(secret, "key-id")                 4 bytes
//! nonce      = fresh random                          12 bytes
//! ciphertext = AES-256-GCM-SIV(key, nonce, expires | payload, aad)      8 + n + 16 bytes
//! expires    = Unix seconds, big-endian u64: refused at and after this second
//! aad        = version | key_id | len(name) as u16 BE | name
//! ```
//!
//! `open` decodes strictly: only the canonical encoding of a sealed value opens; padding or
//! non-zero unused bits in the last character make it [`Unsealed::Malformed`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm_siv::aead::AeadInPlace;
use aes_gcm_siv::{Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{SealError, Unsealed};
use crate::key::{KEY_ID_LEN, Sealer};

/// The format version this build writes and reads.
const FORMAT_VERSION: u8 = 1;

/// Bytes of fresh randomness each [`Sealer::seal`] needs: the AES-GCM-SIV nonce.
pub const NONCE_LEN: usize = 12;

const TAG_LEN: usize = 16;
const EXPIRY_LEN: usize = 8;
const HEADER_LEN: usize = 1 + KEY_ID_LEN;
const MIN_RAW_LEN: usize = HEADER_LEN + NONCE_LEN + EXPIRY_LEN + TAG_LEN;

/// The longest value `open` looks at, in characters: well above any cookie set.
const MAX_SEALED_LEN: usize = 64 * 1024;

/// Bytes a sealed value adds to its payload before base64 (header, nonce, expiry, tag).
pub const OVERHEAD: usize = MIN_RAW_LEN;

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn aad(key_id: [u8; KEY_ID_LEN], name: &str) -> Vec<u8> {
    let name = name.as_bytes();
    let mut aad = Vec::with_capacity(HEADER_LEN + 2 + name.len());
    aad.push(FORMAT_VERSION);
    aad.extend_from_slice(&key_id);
    // Cookie names are short; a longer name is cut in the length only, never in the bytes.
    aad.extend_from_slice(&u16::try_from(name.len()).unwrap_or(u16::MAX).to_be_bytes());
    aad.extend_from_slice(name);
    aad
}

impl Sealer {
    /// Seals `payload` for the cookie `name`, valid until `expires_at` (whole seconds:
    /// refused from the second `expires_at` falls in).
    ///
    /// `nonce` must be [`NONCE_LEN`] fresh bytes from a cryptographic random generator;
    /// the crate has none of its own.
    ///
    /// # Errors
    /// [`SealError::AlreadyExpired`] when `expires_at` is not after `now`;
    /// [`SealError::InvalidCookieName`] for an empty name or one with separators.
    pub fn seal(
        &self,
        name: &str,
        payload: &[u8],
        expires_at: SystemTime,
        now: SystemTime,
        nonce: [u8; NONCE_LEN],
    ) -> Result<String, SealError> {
        if !is_cookie_name(name) {
            return Err(SealError::InvalidCookieName);
        }
        let expires = unix_seconds(expires_at);
        if expires <= unix_seconds(now) {
            return Err(SealError::AlreadyExpired);
        }
        let key = self.current();
        let body_start = HEADER_LEN + NONCE_LEN;
        let mut raw = Vec::with_capacity(MIN_RAW_LEN + payload.len());
        raw.push(FORMAT_VERSION);
        raw.extend_from_slice(&key.id);
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&expires.to_be_bytes());
        raw.extend_from_slice(payload);
        let tag = key
            .cipher
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &aad(key.id, name),
                &mut raw[body_start..],
            )
            .map_err(|_| SealError::TooLarge)?;
        raw.extend_from_slice(&tag);
        Ok(URL_SAFE_NO_PAD.encode(raw))
    }

    /// Opens a value sealed for the cookie `name` with any key of this sealer, refusing it
    /// from its expiry on.
    ///
    /// # Errors
    /// An [`Unsealed`] saying why; callers treat every one as "no cookie".
    pub fn open(&self, name: &str, value: &str, now: SystemTime) -> Result<Vec<u8>, Unsealed> {
        self.open_with_expiry(name, value, now)
            .map(|opened| opened.payload)
    }

    /// As [`Sealer::open`], also returning the expiry sealed with the payload, for callers
    /// that keep opened values and must stop using them when the value expires.
    ///
    /// # Errors
    /// An [`Unsealed`] saying why; callers treat every one as "no cookie".
    pub fn open_with_expiry(
        &self,
        name: &str,
        value: &str,
        now: SystemTime,
    ) -> Result<Opened, Unsealed> {
        if value.len() > MAX_SEALED_LEN {
            return Err(Unsealed::Malformed);
        }
        let mut raw = URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| Unsealed::Malformed)?;
        if raw.len() < MIN_RAW_LEN {
            return Err(Unsealed::Malformed);
        }
        if raw[0] != FORMAT_VERSION {
            return Err(Unsealed::UnsupportedVersion);
        }
        let mut key_id = [0u8; KEY_ID_LEN];
        key_id.copy_from_slice(&raw[1..HEADER_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&raw[HEADER_LEN..HEADER_LEN + NONCE_LEN]);
        let tag_start = raw.len() - TAG_LEN;
        let tag = Tag::clone_from_slice(&raw[tag_start..]);
        let aad = aad(key_id, name);
        let body = HEADER_LEN + NONCE_LEN..tag_start;
        let candidates: Vec<_> = self.keys_with_id(key_id).collect();
        if candidates.is_empty() {
            return Err(Unsealed::UnknownKey);
        }
        // Two secrets share a key id only by a 1-in-2^32 chance; only then is the
        // ciphertext kept aside to try the next key.
        let ciphertext = (candidates.len() > 1).then(|| raw[body.clone()].to_vec());
        let opened = candidates.iter().any(|key| {
            if let Some(ciphertext) = &ciphertext {
                raw[body.clone()].copy_from_slice(ciphertext);
            }
            key.cipher
                .decrypt_in_place_detached(
                    Nonce::from_slice(&nonce),
                    &aad,
                    &mut raw[body.clone()],
                    &tag,
                )
                .is_ok()
        });
        if !opened {
            return Err(Unsealed::Forged);
        }
        let mut expiry = [0u8; EXPIRY_LEN];
        expiry.copy_from_slice(&raw[body.start..body.start + EXPIRY_LEN]);
        let expires = u64::from_be_bytes(expiry);
        if unix_seconds(now) >= expires {
            return Err(Unsealed::Expired);
        }
        raw.truncate(tag_start);
        raw.drain(..body.start + EXPIRY_LEN);
        Ok(Opened {
            payload: raw,
            expires_at: UNIX_EPOCH + Duration::from_secs(expires),
        })
    }
}

/// An opened value: the payload, and the second from which the sealed value is refused.
#[derive(Clone, PartialEq, Eq)]
pub struct Opened {
    /// The payload, as sealed.
    pub payload: Vec<u8>,
    /// The sealed expiry: [`Sealer::open`] refuses the value from this instant on.
    pub expires_at: SystemTime,
}

/// Shows the expiry and the payload's length only: a payload may be a secret.
impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("payload_len", &self.payload.len())
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A cookie name: RFC 6265 token characters, not empty.
pub(crate) fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'(' | b')'
                        | b'<'
                        | b'>'
                        | b'@'
                        | b','
                        | b';'
                        | b':'
                        | b'\\'
                        | b'"'
                        | b'/'
                        | b'['
                        | b']'
                        | b'?'
                        | b'='
                        | b'{'
                        | b'}'
                )
        })
}

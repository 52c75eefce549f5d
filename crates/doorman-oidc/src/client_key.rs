//! [`ClientKey`]: the app's own private key, for `private_key_jwt` client authentication
//! (RFC 7523 §2.2, OpenID Connect Core §9): instead of a shared secret, the client proves
//! itself with a short-lived JWT it signs. Login.gov requires it; Okta, Entra ID and Keycloak
//! offer it.
//!
//! RSA keys of at least 2048 bits, signed with RS256 (PKCS#1 v1.5, SHA-256) by the `rsa`
//! crate. Signing is blinded with a generator seeded from the caller's random bytes, so the
//! crate still draws no randomness of its own.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng as _;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use rsa::traits::PublicKeyParts as _;
use serde_json::json;
use sha2::Sha256;

use crate::error::Error;
use crate::jwk::MIN_RSA_BITS;

/// How long a client assertion is valid after it is made: long enough for a login's whole
/// transaction (ten minutes) and clock skew, far under the hour providers accept at most.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Random bytes for one client assertion: its `jti`, and the seed of the signature's
/// blinding.
pub type AssertionEntropy = [u8; 32];

/// The app's private key for `private_key_jwt`, and the `kid` to name it by.
#[derive(Clone)]
pub struct ClientKey {
    key: RsaPrivateKey,
    kid: Option<String>,
}

impl ClientKey {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`), RSA of at least 2048 bits; `kid` is put in the assertions' header.
    ///
    /// # Errors
    /// [`Error::UnusableClientKey`] naming why, never quoting the key.
    pub fn from_pem(pem: &str, kid: Option<String>) -> Result<Self, Error> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| Error::UnusableClientKey {
                reason: "not an unencrypted RSA private key in PEM (PKCS#8 or PKCS#1)".to_owned(),
            })?;
        let bits = key.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(Error::UnusableClientKey {
                reason: format!("an RSA key of {bits} bits; at least {MIN_RSA_BITS} are required"),
            });
        }
        Ok(Self { key, kid })
    }

    /// The `kid` assertions name.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// A client assertion (RFC 7523 §3): `iss` and `sub` the client id, `aud` the token
    /// endpoint, a `jti` from `entropy`, issued at `issued_at` and valid for
    /// [`ASSERTION_LIFETIME`].
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        issued_at: SystemTime,
        entropy: &AssertionEntropy,
    ) -> String {
        let iat = issued_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.kid {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": token_endpoint,
            "jti": URL_SAFE_NO_PAD.encode(&entropy[..16]),
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME.as_secs(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut blinding = ChaCha20Rng::from_seed(*entropy);
        let signature = SigningKey::<Sha256>::new(self.key.clone())
            .sign_with_rng(&mut blinding, signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("key", &"REDACTED")
            .field("bits", &(self.key.size() * 8))
            .field("kid", &self.kid)
            .finish()
    }
}

//! Signing keys: fixed test keys, or RSA keys generated at start.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::Value;

/// One signing key: its id, algorithm, private half and public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub(crate) kid: String,
    pub(crate) algorithm: Algorithm,
    pub(crate) encoding: EncodingKey,
    pub(crate) jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Why a key could not be loaded or made.
#[derive(Debug)]
pub struct KeyError(String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "signing key: {}", self.0)
    }
}

impl std::error::Error for KeyError {}

impl SigningKey {
    /// A key from a PEM private key (RSA for RS256, P-256 for ES256).
    ///
    /// # Errors
    /// When the PEM does not hold a key of that algorithm.
    pub fn from_pem(kid: &str, algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let encoding = match algorithm {
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
            _ => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| KeyError(e.to_string()))?;
        let mut jwk = serde_json::to_value(
            Jwk::from_encoding_key(&encoding, algorithm).map_err(|e| KeyError(e.to_string()))?,
        )
        .map_err(|e| KeyError(e.to_string()))?;
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".to_owned(), Value::String(kid.to_owned()));
            map.insert("use".to_owned(), Value::String("sig".to_owned()));
        }
        Ok(Self {
            kid: kid.to_owned(),
            algorithm,
            encoding,
            jwk,
        })
    }

    /// A fresh RSA 2048 key for RS256.
    ///
    /// # Errors
    /// When key generation fails.
    pub fn generate_rsa(kid: &str) -> Result<Self, KeyError> {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .map_err(|e| KeyError(e.to_string()))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError(e.to_string()))?;
        Self::from_pem(kid, Algorithm::RS256, pem.as_bytes())
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, without `kid` when `with_kid` is false.
    pub(crate) fn public_jwk(&self, with_kid: bool) -> Value {
        let mut jwk = self.jwk.clone();
        if let (false, Value::Object(map)) = (with_kid, &mut jwk) {
            map.remove("kid");
        }
        jwk
    }
}

/// A 1024-bit RSA key, too short for RS256 (RFC 7518 §3.3), for [`crate::Misbehavior::ShortRsaKey`].
#[allow(clippy::expect_used, reason = "a committed key, checked by tests")]
pub(crate) fn short_rsa_test_key() -> SigningKey {
    SigningKey::from_pem(
        "rsa-1024",
        Algorithm::RS256,
        include_bytes!("../keys/rsa-1024.pem"),
    )
    .expect("committed RSA key")
}

/// The fixed test keys: three RSA keys (`rsa-a`, `rsa-b`, `rsa-c`) and one P-256 key (`ec-p256`).
///
/// # Panics
/// Never: the committed PEM files are valid keys, which the crate's tests check.
#[must_use]
#[allow(clippy::expect_used, reason = "committed keys, checked by tests")]
pub fn test_keys() -> (Vec<SigningKey>, SigningKey) {
    let rsa = [
        ("rsa-a", &include_bytes!("../keys/rsa-a.pem")[..]),
        ("rsa-b", &include_bytes!("../keys/rsa-b.pem")[..]),
        ("rsa-c", &include_bytes!("../keys/rsa-c.pem")[..]),
    ]
    .into_iter()
    .map(|(kid, pem)| SigningKey::from_pem(kid, Algorithm::RS256, pem).expect("committed RSA key"))
    .collect();
    let ec = SigningKey::from_pem(
        "ec-p256",
        Algorithm::ES256,
        include_bytes!("../keys/ec-p256.pem"),
    )
    .expect("committed EC key");
    (rsa, ec)
}

//! Signing keys: fixed test keys, or RSA keys generated at start. [`crate::signing`] signs
//! with them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::pkcs8::DecodePrivateKey as _;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};

/// The JWS algorithm a key is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (the provider also signs PS256 with an RSA key, on
    /// purpose).
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl Algorithm {
    /// The name JWS headers and JWKs give it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }
}

/// A key's private half.
#[derive(Clone)]
pub(crate) enum Private {
    Rsa(Box<RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

/// One signing key: its id, private half and public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub(crate) kid: String,
    pub(crate) private: Private,
    pub(crate) jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// Why a key could not be loaded or made, or could not sign.
#[derive(Debug)]
pub struct KeyError(String);

impl KeyError {
    pub(crate) fn new(reason: impl std::fmt::Display) -> Self {
        Self(reason.to_string())
    }
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "signing key: {}", self.0)
    }
}

impl std::error::Error for KeyError {}

impl SigningKey {
    /// A key from a PEM private key: RSA (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA
    /// PRIVATE KEY`) for [`Algorithm::Rs256`], P-256 (PKCS#8) for [`Algorithm::Es256`].
    ///
    /// # Errors
    /// When the PEM does not hold a key of that algorithm.
    pub fn from_pem(kid: &str, algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let pem = std::str::from_utf8(pem).map_err(KeyError::new)?;
        let private = match algorithm {
            Algorithm::Rs256 => Private::Rsa(Box::new(
                RsaPrivateKey::from_pkcs8_pem(pem)
                    .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
                    .map_err(KeyError::new)?,
            )),
            Algorithm::Es256 => {
                Private::P256(p256::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(KeyError::new)?)
            }
        };
        Ok(Self::new(kid, private))
    }

    /// A fresh RSA 2048 key for RS256.
    ///
    /// # Errors
    /// When key generation fails.
    pub fn generate_rsa(kid: &str) -> Result<Self, KeyError> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(KeyError::new)?;
        Ok(Self::new(kid, Private::Rsa(Box::new(key))))
    }

    /// The key named `kid`, with its public JWK: `kty`, the public parameters, `alg`, `kid`
    /// and `use`.
    fn new(kid: &str, private: Private) -> Self {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let mut jwk = match &private {
            Private::Rsa(key) => json!({
                "kty": "RSA",
                "n": b64(&key.n().to_bytes_be()),
                "e": b64(&key.e().to_bytes_be()),
            }),
            Private::P256(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": point.x().map(|x| b64(x)).unwrap_or_default(),
                    "y": point.y().map(|y| b64(y)).unwrap_or_default(),
                })
            }
        };
        let mut key = Self {
            kid: kid.to_owned(),
            private,
            jwk: Value::Null,
        };
        if let Value::Object(map) = &mut jwk {
            map.insert("alg".to_owned(), json!(key.algorithm().name()));
            map.insert("kid".to_owned(), json!(kid));
            map.insert("use".to_owned(), json!("sig"));
        }
        key.jwk = jwk;
        key
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm the key is made for.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self.private {
            Private::Rsa(_) => Algorithm::Rs256,
            Private::P256(_) => Algorithm::Es256,
        }
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
        Algorithm::Rs256,
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
    .map(|(kid, pem)| SigningKey::from_pem(kid, Algorithm::Rs256, pem).expect("committed RSA key"))
    .collect();
    let ec = SigningKey::from_pem(
        "ec-p256",
        Algorithm::Es256,
        include_bytes!("../keys/ec-p256.pem"),
    )
    .expect("committed EC key");
    (rsa, ec)
}

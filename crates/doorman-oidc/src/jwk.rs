//! [`ProviderKey`]: one key of a provider's JWKS. `openidconnect` selects keys and checks
//! HMAC and EdDSA signatures with it as usual; RSA and ECDSA signatures are checked by
//! `ring`, whose RSA verification is about ten times faster than the `rsa` crate's.
//!
//! The key's public numbers are decoded once, when the JWKS is read, not per token.
//!
//! An HMAC signature whose length is not the MAC's is refused here, before
//! `openidconnect`'s HMAC check, which converts it to a fixed-size array with a `From` that
//! panics on any other length.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreJsonWebKey, CoreJsonWebKeyType, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, JwsSigningAlgorithm as _,
    SignatureVerificationError,
};
use ring::signature::{self, RsaPublicKeyComponents};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3 and §3.5).
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// A key of the provider's JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProviderKey {
    core: CoreJsonWebKey,
    public: Option<PublicNumbers>,
    /// The issuer the key set says the key signs for (Entra's per-key `issuer`).
    issuer: Option<String>,
}

/// The public numbers `ring` verifies with, decoded from the JWK.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PublicNumbers {
    /// `n` and `e`, big-endian, without leading zero bytes.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// The uncompressed point `04 | x | y` of a P-256 or P-384 key.
    Ec { curve: Curve, point: Vec<u8> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

impl Curve {
    fn coordinate_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

/// The members of a JWK this module reads itself; the rest is `openidconnect`'s.
#[derive(Deserialize)]
struct Members {
    kty: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
    issuer: Option<String>,
}

fn unsigned(encoded: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    let first = bytes.iter().position(|&b| b != 0)?;
    Some(bytes[first..].to_vec())
}

impl PublicNumbers {
    /// The numbers of an RSA or EC key, or `None` for other keys and broken members.
    fn of(members: &Members) -> Option<Self> {
        match members.kty.as_deref()? {
            "RSA" => Some(Self::Rsa {
                n: unsigned(members.n.as_deref()?)?,
                e: unsigned(members.e.as_deref()?)?,
            }),
            "EC" => {
                let curve = match members.crv.as_deref()? {
                    "P-256" => Curve::P256,
                    "P-384" => Curve::P384,
                    _ => return None,
                };
                let x = URL_SAFE_NO_PAD.decode(members.x.as_deref()?).ok()?;
                let y = URL_SAFE_NO_PAD.decode(members.y.as_deref()?).ok()?;
                let len = curve.coordinate_len();
                if x.len() != len || y.len() != len {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Some(Self::Ec { curve, point })
            }
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for ProviderKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let core = CoreJsonWebKey::deserialize(&value).map_err(serde::de::Error::custom)?;
        let members = Members::deserialize(&value).ok();
        let public = members.as_ref().and_then(PublicNumbers::of);
        let issuer = members.and_then(|m| m.issuer);
        Ok(Self {
            core,
            public,
            issuer,
        })
    }
}

impl Serialize for ProviderKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.core.serialize(serializer)
    }
}

impl ProviderKey {
    /// Whether this key may check a signature made with `alg`: a signing key (or one of no
    /// stated use) of the algorithm's key type, and of that algorithm if the key names one.
    /// Encryption keys and keys of other types are passed over, never an error.
    pub(crate) fn can_check(&self, alg: &CoreJwsSigningAlgorithm) -> bool {
        check_compatible(self, alg).is_ok()
    }

    /// The issuer the key set says this key signs for, if it says.
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
}

/// Whether `key` may check a signature made with `alg`: a signing key of the algorithm's
/// type, and of that algorithm if the key names one.
fn check_compatible(
    key: &ProviderKey,
    alg: &CoreJwsSigningAlgorithm,
) -> Result<(), SignatureVerificationError> {
    let refuse = |why: &str| Err(SignatureVerificationError::InvalidKey(why.to_owned()));
    if key
        .key_use()
        .is_some_and(|u| *u != CoreJsonWebKeyUse::Signature)
    {
        return refuse("key usage not permitted for digital signatures");
    }
    if alg.key_type().as_ref() != Some(key.key_type()) {
        return refuse("key type does not match signature algorithm");
    }
    match key.signing_alg() {
        JsonWebKeyAlgorithm::Unspecified => Ok(()),
        JsonWebKeyAlgorithm::Algorithm(named) if named == alg => Ok(()),
        JsonWebKeyAlgorithm::Algorithm(_) => refuse("incompatible key algorithm"),
        JsonWebKeyAlgorithm::Unsupported => refuse("key algorithm is not a signing algorithm"),
    }
}

/// The length of an HS256, HS384 or HS512 MAC, in bytes; `None` for other algorithms.
fn mac_len(alg: &CoreJwsSigningAlgorithm) -> Option<usize> {
    match alg {
        CoreJwsSigningAlgorithm::HmacSha256 => Some(32),
        CoreJwsSigningAlgorithm::HmacSha384 => Some(48),
        CoreJwsSigningAlgorithm::HmacSha512 => Some(64),
        _ => None,
    }
}

fn rsa_verify(
    n: &[u8],
    e: &[u8],
    params: &'static signature::RsaParameters,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureVerificationError> {
    // `n` has no leading zero byte: its bits are those below its first byte's top one.
    let bits = n.first().map_or(0, |first| {
        (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize)
    });
    if bits < MIN_RSA_BITS {
        return Err(SignatureVerificationError::InvalidKey(format!(
            "RSA key of {bits} bits; at least {MIN_RSA_BITS} are required (RFC 7518 §3.3)"
        )));
    }
    RsaPublicKeyComponents { n, e }
        .verify(params, message, signature)
        .map_err(|_| SignatureVerificationError::CryptoError("bad signature".to_owned()))
}

impl JsonWebKey for ProviderKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = CoreJwsSigningAlgorithm;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        self.core.key_id()
    }

    fn key_type(&self) -> &CoreJsonWebKeyType {
        self.core.key_type()
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        self.core.key_use()
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&CoreJwsSigningAlgorithm> {
        self.core.signing_alg()
    }

    fn new_symmetric(key: Vec<u8>) -> Self {
        Self {
            core: CoreJsonWebKey::new_symmetric(key),
            public: None,
            issuer: None,
        }
    }

    fn verify_signature(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        use CoreJwsSigningAlgorithm as Alg;
        let rsa_params: Option<&'static signature::RsaParameters> = match alg {
            Alg::RsaSsaPkcs1V15Sha256 => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
            Alg::RsaSsaPkcs1V15Sha384 => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
            Alg::RsaSsaPkcs1V15Sha512 => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
            Alg::RsaSsaPssSha256 => Some(&signature::RSA_PSS_2048_8192_SHA256),
            Alg::RsaSsaPssSha384 => Some(&signature::RSA_PSS_2048_8192_SHA384),
            Alg::RsaSsaPssSha512 => Some(&signature::RSA_PSS_2048_8192_SHA512),
            _ => None,
        };
        let ec_params: Option<(Curve, &'static signature::EcdsaVerificationAlgorithm)> = match alg {
            Alg::EcdsaP256Sha256 => Some((Curve::P256, &signature::ECDSA_P256_SHA256_FIXED)),
            Alg::EcdsaP384Sha384 => Some((Curve::P384, &signature::ECDSA_P384_SHA384_FIXED)),
            _ => None,
        };
        if rsa_params.is_none() && ec_params.is_none() {
            if mac_len(alg).is_some_and(|len| signature.len() != len) {
                return Err(SignatureVerificationError::CryptoError(
                    "HMAC of the wrong length".to_owned(),
                ));
            }
            // HMAC (keyed by the client secret) and EdDSA: `openidconnect`'s own checks.
            return self.core.verify_signature(alg, message, signature);
        }
        check_compatible(self, alg)?;
        let unreadable = || SignatureVerificationError::InvalidKey("unreadable key".to_owned());
        match (&self.public, rsa_params, ec_params) {
            (Some(PublicNumbers::Rsa { n, e }), Some(params), _) => {
                rsa_verify(n, e, params, message, signature)
            }
            (Some(PublicNumbers::Ec { curve, point }), _, Some((wanted, params))) => {
                if curve != &wanted {
                    return Err(SignatureVerificationError::InvalidKey(
                        "key curve does not match signature algorithm".to_owned(),
                    ));
                }
                signature::UnparsedPublicKey::new(params, point)
                    .verify(message, signature)
                    .map_err(|_| {
                        SignatureVerificationError::CryptoError("bad signature".to_owned())
                    })
            }
            _ => Err(unreadable()),
        }
    }

    fn hash_bytes(&self, bytes: &[u8], alg: &CoreJwsSigningAlgorithm) -> Result<Vec<u8>, String> {
        self.core.hash_bytes(bytes, alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(json: &Value) -> ProviderKey {
        serde_json::from_value(json.clone()).expect("a JWK")
    }

    #[test]
    fn rsa_numbers_lose_leading_zeros() {
        let k = key(&serde_json::json!({"kty": "RSA", "n": "AAEC", "e": "AQAB"}));
        assert_eq!(
            k.public,
            Some(PublicNumbers::Rsa {
                n: vec![1, 2],
                e: vec![1, 0, 1]
            })
        );
    }

    #[test]
    fn broken_members_leave_no_numbers_but_keep_the_key() {
        for json in [
            serde_json::json!({"kty": "RSA", "n": "!!", "e": "AQAB"}),
            serde_json::json!({"kty": "RSA", "e": "AQAB"}),
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AQAB", "y": "AQAB"}),
            serde_json::json!({"kty": "EC", "crv": "P-521", "x": "AQAB", "y": "AQAB"}),
            serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "AQAB"}),
        ] {
            let k = key(&json);
            assert_eq!(k.public, None, "{json}");
            let refused = k.verify_signature(
                &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                b"message",
                b"signature",
            );
            assert!(refused.is_err(), "{json}");
        }
    }

    #[test]
    fn a_short_rsa_key_is_refused_by_its_size() {
        let n = URL_SAFE_NO_PAD.encode([0xC5u8; 128]);
        let k = key(&serde_json::json!({"kty": "RSA", "n": n, "e": "AQAB"}));
        match k.verify_signature(
            &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            b"message",
            &[0u8; 128],
        ) {
            Err(SignatureVerificationError::InvalidKey(why)) => {
                assert!(why.contains("1024 bits"), "{why}");
                assert!(why.contains("RFC 7518"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_key_is_used_only_for_its_own_type_use_and_algorithm() {
        let n = URL_SAFE_NO_PAD.encode([0xC5u8; 256]);
        for (json, alg, why) in [
            (
                serde_json::json!({"kty": "RSA", "use": "enc", "n": n, "e": "AQAB"}),
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                "usage",
            ),
            (
                serde_json::json!({"kty": "RSA", "alg": "PS256", "n": n, "e": "AQAB"}),
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                "incompatible key algorithm",
            ),
            (
                serde_json::json!({"kty": "RSA", "n": n, "e": "AQAB"}),
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                "key type",
            ),
        ] {
            match key(&json).verify_signature(&alg, b"message", &[0u8; 256]) {
                Err(SignatureVerificationError::InvalidKey(detail)) => {
                    assert!(detail.contains(why), "{detail}");
                }
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_hmac_of_the_wrong_length_is_refused_without_panic() {
        let k = ProviderKey::new_symmetric(b"a client secret".to_vec());
        for (alg, len) in [
            (CoreJwsSigningAlgorithm::HmacSha256, 32),
            (CoreJwsSigningAlgorithm::HmacSha384, 48),
            (CoreJwsSigningAlgorithm::HmacSha512, 64),
        ] {
            for wrong in [0, 1, len - 1, len + 1, 64 + 1, 256] {
                match k.verify_signature(&alg, b"message", &vec![0u8; wrong]) {
                    Err(SignatureVerificationError::CryptoError(detail)) => {
                        assert!(detail.contains("length"), "{alg:?} {wrong}: {detail}");
                    }
                    other => panic!("{alg:?} {wrong}: {other:?}"),
                }
            }
            // The right length reaches the MAC check, which refuses a wrong MAC.
            assert!(matches!(
                k.verify_signature(&alg, b"message", &vec![0u8; len]),
                Err(SignatureVerificationError::CryptoError(detail)) if !detail.contains("length")
            ));
        }
    }

    #[test]
    fn a_p384_key_does_not_check_es256() {
        let coordinate = URL_SAFE_NO_PAD.encode([7u8; 48]);
        let k = key(&serde_json::json!({
            "kty": "EC", "crv": "P-384", "x": coordinate, "y": coordinate
        }));
        match k.verify_signature(&CoreJwsSigningAlgorithm::EcdsaP256Sha256, b"m", &[0u8; 64]) {
            Err(SignatureVerificationError::InvalidKey(detail)) => {
                assert!(detail.contains("curve"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}

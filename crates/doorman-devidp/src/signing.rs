//! ID tokens and JWS, next to the keys they are signed with ([`crate::keys`]).
//!
//! - An ID token's claims: the provider's own or a persona's stamps, then the
//!   claim-breaking [`Misbehavior`]s.
//! - The key, `alg` and `kid` each signing misbehavior picks.
//! - The compact JWS, `base64url(header).base64url(claims).base64url(signature)`, signed
//!   RS256 and PS256 with `rsa`, ES256 with `p256`, HS256 with `hmac`.
//! - The RS256 check of `private_key_jwt` client assertions.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use rsa::rand_core::OsRng;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Verifier as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::config::{RegisteredClient, TestUser};
use crate::keys::{KeyError, Private, SigningKey, short_rsa_test_key};
use crate::misbehavior::{Misbehavior, Switches};
use crate::persona::{Shape, Stamp};
use crate::provider::{random_token, unix};

/// How long ID tokens last.
const ID_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// What an ID token is issued for, and as whom.
pub(crate) struct Issue<'a> {
    /// Its `iss`.
    pub(crate) issuer: String,
    /// The persona's shape, whose stamps the token carries and whose `kid` suffix it names
    /// its key with; `None`: the provider's own claims.
    pub(crate) shape: Option<&'static Shape>,
    pub(crate) client: &'a RegisteredClient,
    pub(crate) user: &'a TestUser,
    pub(crate) nonce: Option<&'a str>,
    /// The code redeemed, for `c_hash`; `None` on refresh.
    pub(crate) code: Option<&'a str>,
    pub(crate) access_token: &'a str,
    /// When the user authenticated: `auth_time`, the same on refresh.
    pub(crate) auth_time: SystemTime,
    pub(crate) now: SystemTime,
}

/// The keys an ID token may be signed with: the active RSA key and the EC key.
pub(crate) struct Keys {
    pub(crate) active: SigningKey,
    pub(crate) ec: SigningKey,
}

/// A signed ID token; an empty string (logged) if the key cannot sign.
pub(crate) fn id_token(issue: &Issue<'_>, keys: &Keys, switches: &Switches) -> String {
    let claims = claims(issue, switches);
    sign(&Value::Object(claims), "JWT", issue, keys, switches)
}

/// A signed JWT access token for the API of `audience` (RFC 9068: `typ` `at+jwt`, `iss`,
/// `sub`, `aud`, `client_id`, `exp`, `iat`, `jti`, `scope`, and the user's claims, as Keycloak
/// and Auth0 add them), valid for `lifetime`, bent by the same claim and signing misbehaviors
/// as an ID token; an empty string (logged) if the key cannot sign.
pub(crate) fn access_token(
    issue: &Issue<'_>,
    audience: &str,
    lifetime: Duration,
    keys: &Keys,
    switches: &Switches,
) -> String {
    let now_s = unix(issue.now);
    let mut claims = Map::new();
    for (k, v) in &issue.user.claims {
        claims.insert(k.clone(), v.clone());
    }
    claims.insert("iss".into(), json!(issue.issuer));
    claims.insert("sub".into(), json!(issue.user.sub));
    claims.insert("aud".into(), json!(audience));
    claims.insert("client_id".into(), json!(issue.client.client_id));
    claims.insert("exp".into(), json!(now_s + lifetime.as_secs()));
    claims.insert("iat".into(), json!(now_s));
    claims.insert("jti".into(), json!(random_token()));
    claims.insert("scope".into(), json!("openid profile email"));
    let on = |m: Misbehavior| switches.on(&m);
    if on(Misbehavior::WrongIssuer) {
        claims.insert("iss".into(), json!("https://evil.example"));
    }
    if on(Misbehavior::WrongAudience) {
        claims.insert("aud".into(), json!("someone-else"));
    }
    if on(Misbehavior::Expired) {
        claims.insert("exp".into(), json!(now_s.saturating_sub(3600)));
        claims.insert("iat".into(), json!(now_s.saturating_sub(7200)));
    }
    if on(Misbehavior::IssuedInFuture) {
        claims.insert("iat".into(), json!(now_s + 3600));
    }
    if on(Misbehavior::MissingSubject) {
        claims.remove("sub");
    }
    sign(&Value::Object(claims), "at+jwt", issue, keys, switches)
}

/// The provider's session id (`sid`) of `sub`'s login at `auth_time` to `client_id`: the same
/// in every ID token of that login, refreshed ones included.
pub(crate) fn session_id(client_id: &str, sub: &str, auth_time: SystemTime) -> String {
    let digest = Sha256::digest(format!("{client_id}\0{sub}\0{}", unix(auth_time)));
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A signed back-channel logout token (Back-Channel Logout 1.0 §2.4: `typ` `logout+jwt`,
/// `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sid` and/or `sub`, never a `nonce`), bent by
/// the claim, signing and logout-token misbehaviors; an empty string (logged) if the key
/// cannot sign.
pub(crate) fn logout_token(
    issue: &Issue<'_>,
    sid: Option<&str>,
    keys: &Keys,
    switches: &Switches,
) -> String {
    let now_s = unix(issue.now);
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(issue.issuer));
    claims.insert("sub".into(), json!(issue.user.sub));
    claims.insert("aud".into(), json!(issue.client.client_id));
    claims.insert("iat".into(), json!(now_s));
    claims.insert("exp".into(), json!(now_s + 120));
    claims.insert("jti".into(), json!(random_token()));
    claims.insert(
        "events".into(),
        json!({ "http://schemas.openid.net/event/backchannel-logout": {} }),
    );
    if let Some(sid) = sid {
        claims.insert("sid".into(), json!(sid));
    }
    let on = |m: Misbehavior| switches.on(&m);
    if on(Misbehavior::WrongIssuer) {
        claims.insert("iss".into(), json!("https://evil.example"));
    }
    if on(Misbehavior::WrongAudience) {
        claims.insert("aud".into(), json!("someone-else"));
    }
    if on(Misbehavior::Expired) {
        claims.insert("exp".into(), json!(now_s.saturating_sub(3600)));
        claims.insert("iat".into(), json!(now_s.saturating_sub(7200)));
    }
    if on(Misbehavior::IssuedInFuture) {
        claims.insert("iat".into(), json!(now_s + 3600));
    }
    if on(Misbehavior::LogoutTokenWithNonce) {
        claims.insert("nonce".into(), json!("a-nonce"));
    }
    if on(Misbehavior::LogoutTokenWithoutEvents) {
        claims.remove("events");
    }
    if on(Misbehavior::LogoutTokenWithoutSidOrSub) {
        claims.remove("sid");
        claims.remove("sub");
    }
    if on(Misbehavior::LogoutTokenWithoutJti) {
        claims.remove("jti");
    }
    let typ = if on(Misbehavior::LogoutTokenWrongType) {
        "id_token+jwt"
    } else {
        "logout+jwt"
    };
    sign(&Value::Object(claims), typ, issue, keys, switches)
}

/// The id a key is listed and named under: its own, with the persona's suffix.
fn listed_kid(key: &SigningKey, shape: Option<&Shape>) -> String {
    let suffix = shape.map_or("", |shape| shape.keys.kid_suffix);
    format!("{}{suffix}", key.kid)
}

/// The `kid` under which the JWKS lists `kid`'s RSA key for PS256 too.
pub(crate) fn pss_kid(kid: &str) -> String {
    format!("{kid}-pss")
}

/// A listed RSA key's public JWK, listed again for PS256 ([`Misbehavior::SignPs256`]).
pub(crate) fn pss_jwk(mut jwk: Value) -> Value {
    if let Value::Object(map) = &mut jwk {
        let kid = map.get("kid").and_then(Value::as_str).unwrap_or_default();
        map.insert("kid".to_owned(), Value::String(pss_kid(kid)));
        map.insert("alg".to_owned(), Value::String("PS256".to_owned()));
    }
    jwk
}

/// The left half of `text`'s SHA-256, base64url: `at_hash` and `c_hash` for RS256.
fn half_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// Adds a persona's stamps to `claims`.
fn stamp(claims: &mut Map<String, Value>, stamps: &[Stamp], issue: &Issue<'_>) {
    let now_s = unix(issue.now);
    for stamp in stamps {
        let (name, value) = match stamp {
            Stamp::Azp => ("azp", json!(issue.client.client_id)),
            Stamp::AlsoAudience(other) => ("aud", json!([issue.client.client_id, other])),
            Stamp::AtHash => ("at_hash", json!(half_hash(issue.access_token))),
            Stamp::CHash => match issue.code {
                Some(code) => ("c_hash", json!(half_hash(code))),
                None => continue,
            },
            Stamp::AuthTime => ("auth_time", json!(unix(issue.auth_time))),
            Stamp::NotBefore => ("nbf", json!(now_s)),
            Stamp::Fresh(name, prefix) => (*name, json!(format!("{prefix}{}", random_token()))),
            Stamp::Text(name, text) => (*name, json!(text)),
            Stamp::Number(name, number) => (*name, json!(number)),
            Stamp::Flag(name, flag) => (*name, json!(flag)),
            Stamp::Texts(name, texts) => (*name, json!(texts)),
        };
        claims.insert(name.to_owned(), value);
    }
}

/// The ID token's claims, with the claim-breaking misbehaviors applied.
fn claims(issue: &Issue<'_>, switches: &Switches) -> Map<String, Value> {
    let Issue {
        client,
        user,
        nonce,
        now,
        ..
    } = *issue;
    let now_s = unix(now);
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(issue.issuer));
    claims.insert("sub".into(), json!(user.sub));
    claims.insert("aud".into(), json!(client.client_id));
    claims.insert("exp".into(), json!(now_s + ID_TOKEN_LIFETIME.as_secs()));
    claims.insert("iat".into(), json!(now_s));
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    match issue.shape {
        None => {
            claims.insert("auth_time".into(), json!(unix(issue.auth_time)));
            // The provider's session of this login, for back-channel logout.
            claims.insert(
                "sid".into(),
                json!(session_id(&client.client_id, &user.sub, issue.auth_time)),
            );
        }
        Some(shape) => stamp(&mut claims, shape.stamps, issue),
    }
    for (k, v) in &user.claims {
        claims.insert(k.clone(), v.clone());
    }
    let on = |m: Misbehavior| switches.on(&m);
    if on(Misbehavior::WrongIssuer) {
        claims.insert("iss".into(), json!("https://evil.example"));
    }
    if on(Misbehavior::WrongAudience) {
        claims.insert("aud".into(), json!("someone-else"));
    }
    if on(Misbehavior::ExtraAudienceWithoutAzp) {
        claims.insert(
            "aud".into(),
            json!([client.client_id, "untrusted-audience"]),
        );
    }
    if on(Misbehavior::WrongAuthorizedParty) {
        claims.insert("azp".into(), json!("someone-else"));
    }
    if on(Misbehavior::WrongNonce) {
        claims.insert("nonce".into(), json!("not-the-nonce-you-sent"));
    }
    if on(Misbehavior::Expired) {
        claims.insert("exp".into(), json!(now_s.saturating_sub(3600)));
        claims.insert("iat".into(), json!(now_s.saturating_sub(7200)));
    }
    if on(Misbehavior::IssuedInFuture) {
        claims.insert("iat".into(), json!(now_s + 3600));
    }
    for (switch, claim) in [
        (Misbehavior::MissingSubject, "sub"),
        (Misbehavior::MissingIssuedAt, "iat"),
        (Misbehavior::MissingAudience, "aud"),
        (Misbehavior::MissingNonce, "nonce"),
    ] {
        if on(switch) {
            claims.remove(claim);
        }
    }
    claims
}

/// Signs `claims` as a JWS of type `typ` with the key, `alg` and `kid` the switches pick.
fn sign(
    claims: &Value,
    typ: &'static str,
    issue: &Issue<'_>,
    keys: &Keys,
    switches: &Switches,
) -> String {
    let on = |m: Misbehavior| switches.on(&m);
    if on(Misbehavior::AlgNone) {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"{typ}"}}"#));
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        return format!("{header}.{payload}.");
    }
    let kid_of = |key: &SigningKey| listed_kid(key, issue.shape);
    let (active, ec) = (&keys.active, &keys.ec);
    let short;
    let public;
    let (jws, kid) = if on(Misbehavior::SignEs256) || on(Misbehavior::UnadvertisedAlgorithm) {
        (Jws::Es256(ec), Some(kid_of(ec)))
    } else if on(Misbehavior::SignPs256) {
        (Jws::Ps256(active), Some(pss_kid(&kid_of(active))))
    } else if on(Misbehavior::ShortRsaKey) {
        short = short_rsa_test_key();
        (Jws::Rs256(&short), Some(kid_of(&short)))
    } else if on(Misbehavior::SignHs256) {
        (Jws::Hs256(issue.client.client_secret.as_bytes()), None)
    } else if on(Misbehavior::Hs256SignedWithPublicKey) {
        public = active.public_jwk(true).to_string();
        (Jws::Hs256(public.as_bytes()), Some(kid_of(active)))
    } else {
        (Jws::Rs256(active), Some(kid_of(active)))
    };
    let kid = kid.filter(|_| {
        !on(Misbehavior::KidAbsentSingleKey) && !on(Misbehavior::KidAbsentMultipleKeys)
    });
    match compact(&jws, typ, kid.as_deref(), claims) {
        Ok(token) if on(Misbehavior::BadSignature) => alter_signature(&token),
        Ok(token) => token,
        Err(e) => {
            tracing::error!(error = %e, typ, "devidp could not sign a token");
            String::new()
        }
    }
}

/// A JWS algorithm and the key it signs with.
enum Jws<'k> {
    Rs256(&'k SigningKey),
    Ps256(&'k SigningKey),
    Es256(&'k SigningKey),
    Hs256(&'k [u8]),
}

/// A JWS header, its members in the order JWT libraries write them.
#[derive(Serialize)]
struct Header<'a> {
    typ: &'static str,
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

impl Jws<'_> {
    fn alg(&self) -> &'static str {
        match self {
            Self::Rs256(_) => "RS256",
            Self::Ps256(_) => "PS256",
            Self::Es256(_) => "ES256",
            Self::Hs256(_) => "HS256",
        }
    }

    /// The signature of `input`. RSA signing is blinded with the system's randomness.
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rsa = |key: &SigningKey| match &key.private {
            Private::Rsa(rsa) => Ok(RsaPrivateKey::clone(rsa)),
            Private::P256(_) => Err(KeyError::new(format!(
                "{} is not an RSA key: it cannot sign {}",
                key.kid,
                self.alg()
            ))),
        };
        match self {
            Self::Rs256(key) => rsa::pkcs1v15::SigningKey::<Sha256>::new(rsa(key)?)
                .try_sign_with_rng(&mut OsRng, input)
                .map(|signature| signature.to_vec())
                .map_err(KeyError::new),
            Self::Ps256(key) => rsa::pss::BlindedSigningKey::<Sha256>::new(rsa(key)?)
                .try_sign_with_rng(&mut OsRng, input)
                .map(|signature| signature.to_vec())
                .map_err(KeyError::new),
            Self::Es256(key) => {
                let Private::P256(ec) = &key.private else {
                    return Err(KeyError::new(format!(
                        "{} is not a P-256 key: it cannot sign ES256",
                        key.kid
                    )));
                };
                let signature: p256::ecdsa::Signature =
                    p256::ecdsa::signature::Signer::try_sign(ec, input).map_err(KeyError::new)?;
                Ok(signature.to_bytes().to_vec())
            }
            Self::Hs256(secret) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(KeyError::new)?;
                mac.update(input);
                Ok(mac.finalize().into_bytes().to_vec())
            }
        }
    }
}

/// A compact JWS: `base64url(header).base64url(claims).base64url(signature)`.
fn compact(
    jws: &Jws<'_>,
    typ: &'static str,
    kid: Option<&str>,
    claims: &Value,
) -> Result<String, KeyError> {
    let header = Header {
        typ,
        alg: jws.alg(),
        kid,
    };
    let header = serde_json::to_vec(&header).map_err(KeyError::new)?;
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = jws.sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Changes one character in the middle of a compact JWS's signature.
fn alter_signature(token: &str) -> String {
    let Some(dot) = token.rfind('.') else {
        return token.to_owned();
    };
    let mut bytes = token.as_bytes().to_vec();
    let index = dot + 1 + (bytes.len() - dot - 1) / 2;
    if let Some(byte) = bytes.get_mut(index) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// A compact JWS taken apart: its header and claims (JSON), its signature, and the signing
/// input (`header.claims`, as sent); `None` unless it is three base64url parts.
struct Parts<'t> {
    header: Value,
    claims: Value,
    signature: Vec<u8>,
    input: &'t str,
}

fn split(token: &str) -> Option<Parts<'_>> {
    let (input, signature) = token.rsplit_once('.')?;
    let (header, claims) = input.split_once('.')?;
    let json = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    Some(Parts {
        header: json(header)?,
        claims: json(claims)?,
        signature: URL_SAFE_NO_PAD.decode(signature).ok()?,
        input,
    })
}

/// A compact JWS's claims, NOT verified: to find the key that should verify it.
pub(crate) fn unverified_claims(token: &str) -> Option<Value> {
    split(token).map(|parts| parts.claims)
}

/// A compact JWS's claims, when its header names RS256 and `key` verifies its signature.
pub(crate) fn verified_rs256_claims(token: &str, key: &RsaPublicKey) -> Option<Value> {
    let parts = split(token)?;
    if parts.header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return None;
    }
    let signature = rsa::pkcs1v15::Signature::try_from(parts.signature.as_slice()).ok()?;
    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone())
        .verify(parts.input.as_bytes(), &signature)
        .ok()?;
    Some(parts.claims)
}

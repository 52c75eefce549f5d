//! [`Misbehavior`]: switches that make the provider break one rule, one per conformance case;
//! [`Switches`], the snapshot of them one request sees.

use std::time::Duration;

/// An endpoint of the provider, for failures and delays: on the provider's own path, or on
/// the path a [`crate::Persona`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/.well-known/openid-configuration`.
    Discovery,
    /// `/jwks`.
    Jwks,
    /// `/token`.
    Token,
    /// `/userinfo`.
    Userinfo,
}

/// One way to misbehave. Several can be on at once.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehavior {
    /// ID token `iss` is another issuer.
    WrongIssuer,
    /// ID token `aud` is another client.
    WrongAudience,
    /// ID token `aud` holds the client and an untrusted audience, with no `azp`.
    ExtraAudienceWithoutAzp,
    /// ID token `azp` is another client.
    WrongAuthorizedParty,
    /// ID token `nonce` is not the one sent.
    WrongNonce,
    /// ID token without `sub`.
    MissingSubject,
    /// ID token without `iat`.
    MissingIssuedAt,
    /// ID token without `aud`.
    MissingAudience,
    /// ID token without `nonce`.
    MissingNonce,
    /// ID token whose `exp` has passed.
    Expired,
    /// ID token whose `iat` is an hour ahead.
    IssuedInFuture,
    /// ID token whose signature is altered.
    BadSignature,
    /// ID token with `alg: none`.
    AlgNone,
    /// ID token signed HS256 with the provider's public key as the secret.
    Hs256SignedWithPublicKey,
    /// ID token signed with ES256 while the metadata advertises RS256 only.
    UnadvertisedAlgorithm,
    /// ID token signed ES256 (advertised): a valid case.
    SignEs256,
    /// ID token signed HS256 with the client secret (advertised): a valid case.
    SignHs256,
    /// ID token signed PS256 (RSA-PSS, advertised) with an RSA key the JWKS lists for PS256:
    /// a valid case.
    SignPs256,
    /// ID token signed RS256 with a 1024-bit RSA key, the only key of the JWKS: below the
    /// 2048 bits RFC 7518 §3.3 requires.
    ShortRsaKey,
    /// ID token without `kid`; the JWKS holds the one signing key, without `kid`.
    KidAbsentSingleKey,
    /// ID token without `kid`; the JWKS holds several RSA keys, without `kid`.
    KidAbsentMultipleKeys,
    /// Rotate to the next key right before signing the next ID token.
    RotateKeyBeforeSigning,
    /// The JWKS also holds keys no client can use (unknown `kty`, broken RSA).
    UnparseableKeyInJwks,
    /// Userinfo answers with another `sub`.
    UserinfoOtherSubject,
    /// Discovery's `issuer` is not the provider's URL.
    DiscoveryIssuerMismatch,
    /// Discovery lists no `code_challenge_methods_supported`.
    PkceNotAdvertised,
    /// Discovery lists only `plain` PKCE.
    PkcePlainOnly,
    /// The callback's `iss` is another issuer.
    IssParameterWrong,
    /// The callback has no `iss`, though the metadata advertises it.
    IssParameterMissing,
    /// The metadata does not advertise `iss`, and the callback has none.
    IssParameterNotAdvertised,
    /// The token endpoint answers `invalid_grant`.
    TokenEndpointError,
    /// The token endpoint answers 200 with a body that is not JSON.
    TokenEndpointGarbage,
    /// The token response's `token_type` is `mac`.
    TokenTypeNotBearer,
    /// The token response's `expires_in` is a string (a quirk clients must tolerate).
    ExpiresInAsString,
    /// An endpoint answers 500.
    Failing(Endpoint),
    /// An endpoint answers after a delay (the loopback server waits; `handle` does not).
    /// `Slow(Endpoint::Token, ..)` turned on after a login delays its refreshes.
    Slow(Endpoint, Duration),
    /// A refresh answers 400 `invalid_grant`; the refresh token is left as it was.
    RefreshInvalidGrant,
    /// A refresh answers 200 with a body that is not JSON; the refresh token is left as it
    /// was.
    RefreshGarbage,
    /// A refresh answers 500; the refresh token is left as it was.
    RefreshServerError,
    /// A refresh's ID token has another `sub` than the login's.
    RefreshOtherSubject,
    /// A refresh's ID token has another `iss` than the login's.
    RefreshOtherIssuer,
    /// A refresh answers without an ID token (OpenID Connect Core §12.2 allows it).
    RefreshWithoutIdToken,
    /// A refresh answers without a new refresh token, and the one used stays valid, as at a
    /// provider that does not rotate them.
    RefreshWithoutNewRefreshToken,
    /// A refresh's ID token has another `auth_time` than the login's: the refresh's time, or
    /// a second after the login if the clock has not moved (only where ID tokens carry
    /// `auth_time`: the provider's own do, and some personas').
    RefreshAuthTimeChanged,
    /// A back-channel logout token carries a `nonce`, as an ID token would.
    LogoutTokenWithNonce,
    /// A back-channel logout token has no `events` claim.
    LogoutTokenWithoutEvents,
    /// A back-channel logout token has neither `sid` nor `sub`.
    LogoutTokenWithoutSidOrSub,
    /// A back-channel logout token has no `jti`.
    LogoutTokenWithoutJti,
    /// A back-channel logout token names the type of an ID token (`typ: id_token+jwt`).
    LogoutTokenWrongType,
}

/// The switches that were on when a request arrived: [`crate::DevIdp::handle`] takes this one
/// snapshot at its start and passes it down, so a request sees one set of switches and locks
/// the provider's state for it once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Switches(Vec<Misbehavior>);

impl Switches {
    /// A snapshot of `on`.
    pub(crate) fn new(on: Vec<Misbehavior>) -> Self {
        Self(on)
    }

    /// Whether `misbehavior` is on.
    pub(crate) fn on(&self, misbehavior: &Misbehavior) -> bool {
        self.0.contains(misbehavior)
    }
}

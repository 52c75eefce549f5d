//! [`Error`]: every rule the relying party enforces, one variant each.
//!
//! Messages name the rule and the claim or parameter; they never hold a secret, a token, a
//! code or a verifier.

use std::fmt;

/// Why a step of the login was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A provider answered with an HTTP status other than success.
    HttpStatus {
        /// Which request: `discovery`, `jwks`, `token`, `userinfo`, or a plain OAuth 2.0
        /// provider's `user` and `emails`.
        endpoint: &'static str,
        /// The status code.
        status: u16,
    },
    /// A provider's answer is not the JSON document expected.
    InvalidJson {
        /// Which request.
        endpoint: &'static str,
        /// What the parser said (never the document itself).
        reason: String,
    },
    /// Discovery: the metadata's `issuer` is not exactly the issuer the metadata URL implies.
    IssuerMismatch {
        /// The issuer implied by `server_metadata_url`.
        expected: String,
        /// The metadata's `issuer`.
        found: String,
    },
    /// Discovery: the metadata allows no signing algorithm doorman accepts.
    NoUsableAlgorithm,
    /// The callback query could not be parsed.
    MalformedCallback,
    /// The callback has no `state`.
    MissingState,
    /// The callback's `state` is not the one of this login transaction.
    StateMismatch,
    /// The provider answered the authorization request with an error (`error=`).
    AuthorizationDenied {
        /// The `error` code, such as `access_denied`.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// RFC 9207: the callback's `iss` differs from the provider's issuer.
    CallbackIssuerMismatch {
        /// The provider's issuer.
        expected: String,
        /// The `iss` received.
        found: String,
    },
    /// RFC 9207: the provider advertises `iss` in responses, and the callback has none.
    CallbackIssuerMissing,
    /// The callback has neither `code` nor `error`.
    MissingCode,
    /// The token endpoint answered with an OAuth error.
    TokenEndpoint {
        /// The `error` code, such as `invalid_grant`.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The token response's `token_type` is not `Bearer`.
    UnsupportedTokenType {
        /// The `token_type` received.
        found: String,
    },
    /// The token response lacks a required field (`access_token`, `id_token`).
    MissingTokenField {
        /// The field.
        field: &'static str,
    },
    /// The ID token is not a well-formed JWS (three segments, each canonical base64url
    /// without padding), or a claim has the wrong type.
    MalformedIdToken {
        /// What was wrong, from the parser.
        reason: String,
    },
    /// The ID token lacks a required claim (`iss`, `sub`, `aud`, `exp`, `iat`).
    MissingClaim {
        /// The claim.
        claim: String,
    },
    /// The ID token's `iss` is not the provider's issuer.
    InvalidIssuer {
        /// Details, naming expected and found values.
        detail: String,
    },
    /// The ID token's tenant (`tid`) is not among the configured `allowed_tenants`.
    TenantNotAllowed {
        /// The token's tenant id (empty when it has none).
        tenant: String,
    },
    /// The ID token's `aud` lacks `client_id`, or holds an audience that is not trusted.
    InvalidAudience {
        /// Details.
        detail: String,
    },
    /// `azp` is missing where several audiences are present, or is not `client_id`.
    InvalidAuthorizedParty {
        /// Details.
        detail: String,
    },
    /// The ID token has expired (`exp`, with the configured leeway).
    Expired,
    /// The ID token's `iat` lies in the future beyond the leeway.
    IssuedInFuture,
    /// The ID token's `nonce` is missing or not the one sent.
    InvalidNonce {
        /// `missing` or `mismatch`.
        detail: String,
    },
    /// The ID token is unsigned (`alg: none`).
    UnsignedIdToken,
    /// The ID token's algorithm is not in the allow-list from the metadata.
    DisallowedAlgorithm {
        /// Details.
        detail: String,
    },
    /// The ID token's signature does not verify.
    InvalidSignature,
    /// No key of the provider's set can verify the ID token (unknown `kid` after a refresh).
    NoMatchingKey,
    /// The key that should verify the ID token cannot be used: an RSA key under 2048 bits
    /// (RFC 7518 §3.3), or unreadable public numbers.
    UnusableKey {
        /// Why, naming the rule.
        detail: String,
    },
    /// The app's own private key for `private_key_jwt` cannot be used.
    UnusableClientKey {
        /// Why (never the key itself).
        reason: String,
    },
    /// Several keys could verify an ID token that names none (`kid` absent): refused as ambiguous.
    AmbiguousKey,
    /// Userinfo: the response's `sub` differs from the ID token's.
    UserinfoSubjectMismatch,
    /// A refreshed ID token's `iss`, `sub`, `aud`, `azp`, `auth_time` or `nonce` differs from
    /// the original (Core §12.2).
    RefreshIdentityChanged {
        /// The claim that changed.
        claim: &'static str,
    },
    /// The provider has no endpoint needed for this step.
    MissingEndpoint {
        /// The metadata field, such as `userinfo_endpoint`.
        field: &'static str,
    },
    /// The login was begun for the other kind of provider (OpenID Connect or plain OAuth 2.0):
    /// the provider's configuration changed while the login was in flight.
    LoginKindMismatch,
    /// Plain OAuth 2.0: the access token cannot be sent in an `Authorization` header (empty,
    /// or characters a header cannot hold).
    UnusableAccessToken,
    /// Plain OAuth 2.0: the user API's answer has no usable `id` (an integer or a non-empty
    /// string) nor `sub`, so the user cannot be told apart from another.
    MissingUserId,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HttpStatus { endpoint, status } => {
                write!(f, "{endpoint} request answered with HTTP status {status}")
            }
            Self::InvalidJson { endpoint, reason } => {
                write!(f, "{endpoint} response is not valid: {reason}")
            }
            Self::IssuerMismatch { expected, found } => write!(
                f,
                "discovery: metadata issuer `{found}` is not `{expected}` (OpenID Discovery §4.3 requires an exact match)"
            ),
            Self::NoUsableAlgorithm => f.write_str(
                "discovery: id_token_signing_alg_values_supported holds no algorithm doorman accepts",
            ),
            Self::MalformedCallback => f.write_str("callback: the query string is malformed"),
            Self::MissingState => f.write_str("callback: `state` is missing"),
            Self::StateMismatch => {
                f.write_str("callback: `state` does not match this login (unknown, replayed or forged)")
            }
            Self::AuthorizationDenied { error, description } => {
                write!(f, "the provider refused the login: {error}")?;
                if let Some(description) = description {
                    write!(f, " ({description})")?;
                }
                Ok(())
            }
            Self::CallbackIssuerMismatch { expected, found } => write!(
                f,
                "callback: `iss` is `{found}`, not `{expected}` (RFC 9207 mix-up defence)"
            ),
            Self::CallbackIssuerMissing => f.write_str(
                "callback: `iss` is missing although the provider advertises it (RFC 9207)",
            ),
            Self::MissingCode => f.write_str("callback: neither `code` nor `error` is present"),
            Self::TokenEndpoint { error, description } => {
                write!(f, "token endpoint refused the code: {error}")?;
                if let Some(description) = description {
                    write!(f, " ({description})")?;
                }
                Ok(())
            }
            Self::UnsupportedTokenType { found } => {
                write!(f, "token response: token_type `{found}` is not Bearer")
            }
            Self::MissingTokenField { field } => write!(f, "token response: `{field}` is missing"),
            Self::MalformedIdToken { reason } => write!(f, "ID token is malformed: {reason}"),
            Self::MissingClaim { claim } => write!(f, "ID token: required claim `{claim}` is missing"),
            Self::InvalidIssuer { detail } => write!(f, "ID token: `iss` is invalid: {detail}"),
            Self::TenantNotAllowed { tenant } if tenant.is_empty() => {
                f.write_str("ID token: no tenant id (`tid`), and `allowed_tenants` is set")
            }
            Self::TenantNotAllowed { tenant } => write!(
                f,
                "ID token: tenant `{}` is not in `allowed_tenants`",
                tenant.escape_debug()
            ),
            Self::InvalidAudience { detail } => write!(f, "ID token: `aud` is invalid: {detail}"),
            Self::InvalidAuthorizedParty { detail } => {
                write!(f, "ID token: `azp` is invalid: {detail}")
            }
            Self::Expired => f.write_str("ID token: `exp` has passed"),
            Self::IssuedInFuture => f.write_str("ID token: `iat` is in the future"),
            Self::InvalidNonce { detail } => write!(f, "ID token: `nonce` is invalid: {detail}"),
            Self::UnsignedIdToken => f.write_str("ID token: `alg: none` (unsigned) is refused"),
            Self::DisallowedAlgorithm { detail } => {
                write!(f, "ID token: signing algorithm refused: {detail}")
            }
            Self::InvalidSignature => f.write_str("ID token: the signature does not verify"),
            Self::UnusableClientKey { reason } => {
                write!(f, "the client's private key cannot be used: {reason}")
            }
            Self::UnusableKey { detail } => {
                write!(f, "ID token: the provider's signing key cannot be used: {detail}")
            }
            Self::NoMatchingKey => {
                f.write_str("ID token: no key of the provider's JWKS matches its `kid` and `alg`")
            }
            Self::AmbiguousKey => f.write_str(
                "ID token: no `kid`, and several keys of the provider's JWKS could match; refused as ambiguous",
            ),
            Self::UserinfoSubjectMismatch => {
                f.write_str("userinfo: `sub` differs from the ID token's `sub`")
            }
            Self::RefreshIdentityChanged { claim } => write!(
                f,
                "refreshed ID token: `{claim}` differs from the original (Core §12.2)"
            ),
            Self::MissingEndpoint { field } => write!(f, "provider metadata has no `{field}`"),
            Self::LoginKindMismatch => f.write_str(
                "the login was begun for another kind of provider (OpenID Connect or plain OAuth 2.0)",
            ),
            Self::UnusableAccessToken => f.write_str(
                "token response: the access token cannot be sent in an Authorization header",
            ),
            Self::MissingUserId => f.write_str(
                "user API: the user has no `id` (an integer or a non-empty string) and no `sub`",
            ),
        }
    }
}

impl std::error::Error for Error {}

//! Discovery: the request for a provider's metadata, and [`ProviderMetadata`], which exists
//! only once its `issuer` matched exactly.

use http::{Request, Response};
use openidconnect::core::CoreJwsSigningAlgorithm;
use serde::Deserialize;
use url::Url;

use crate::config::TokenAuthMethod;
use crate::error::Error;
use crate::http_util;
use crate::issuer;
use crate::logout::ProviderLogout;

const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// The signing algorithms doorman accepts for ID tokens (`none` never).
const ACCEPTED_ALGORITHMS: [CoreJwsSigningAlgorithm; 12] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
    CoreJwsSigningAlgorithm::HmacSha256,
    CoreJwsSigningAlgorithm::HmacSha384,
    CoreJwsSigningAlgorithm::HmacSha512,
];

/// The request for the metadata at `server_metadata_url`.
#[must_use]
pub fn discovery_request(server_metadata_url: &Url) -> Request<Vec<u8>> {
    http_util::get_json(server_metadata_url)
}

/// The issuer a metadata URL implies: the URL without `/.well-known/openid-configuration`
/// (OpenID Discovery §4). `None` when the URL does not end that way.
#[must_use]
fn implied_issuer(server_metadata_url: &Url) -> Option<String> {
    let mut url = server_metadata_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.as_str().strip_suffix(WELL_KNOWN).map(str::to_owned)
}

#[derive(Deserialize)]
struct RawMetadata {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Option<Url>,
    userinfo_endpoint: Option<Url>,
    jwks_uri: Url,
    end_session_endpoint: Option<Url>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<serde_json::Value>,
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
    token_endpoint_auth_methods_supported: Option<Vec<serde_json::Value>>,
}

fn auth_method_of(listed: Option<&[serde_json::Value]>) -> TokenAuthMethod {
    let lists = |method: TokenAuthMethod| {
        listed.is_some_and(|methods| methods.iter().any(|m| m.as_str() == Some(method.as_str())))
    };
    if listed.is_none() || lists(TokenAuthMethod::ClientSecretBasic) {
        TokenAuthMethod::ClientSecretBasic
    } else if lists(TokenAuthMethod::ClientSecretPost) {
        TokenAuthMethod::ClientSecretPost
    } else {
        TokenAuthMethod::ClientSecretBasic
    }
}

/// A provider's metadata, checked: its `issuer` is exactly the one the metadata URL implies.
#[derive(Clone, Debug)]
pub struct ProviderMetadata {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: Url,
    pub(crate) token_endpoint: Url,
    pub(crate) userinfo_endpoint: Option<Url>,
    pub(crate) jwks_uri: Url,
    pub(crate) end_session_endpoint: Option<Url>,
    /// Where the provider ends its session: `end_session_endpoint`, or a documented one.
    pub(crate) logout: Option<ProviderLogout>,
    pub(crate) signing_algorithms: Vec<CoreJwsSigningAlgorithm>,
    pub(crate) use_pkce: bool,
    pub(crate) iss_parameter_supported: bool,
    pub(crate) auth_method: TokenAuthMethod,
    /// Whether `token_endpoint_auth_methods_supported` lists `private_key_jwt`.
    pub(crate) lists_private_key_jwt: bool,
}

impl ProviderMetadata {
    /// Reads and checks the discovery response for `server_metadata_url`.
    ///
    /// # Errors
    /// [`Error::HttpStatus`], [`Error::InvalidJson`] (missing endpoints included),
    /// [`Error::IssuerMismatch`], [`Error::NoUsableAlgorithm`], [`Error::MissingEndpoint`].
    pub fn from_response(
        server_metadata_url: &Url,
        response: &Response<Vec<u8>>,
    ) -> Result<Self, Error> {
        let raw: RawMetadata = http_util::json_body("discovery", response)?;
        match implied_issuer(server_metadata_url) {
            // Entra's documented multi-tenant and personal-account metadata.
            _ if issuer::is_entra_exception(server_metadata_url, &raw.issuer) => {}
            // Discovery §4: a terminating `/` of the issuer is dropped before
            // `/.well-known/openid-configuration` is appended (Auth0's issuers end with one).
            Some(expected) if expected != raw.issuer && format!("{expected}/") != raw.issuer => {
                return Err(Error::IssuerMismatch {
                    expected,
                    found: raw.issuer,
                });
            }
            Some(_) => {}
            // A metadata URL of another shape implies no issuer; the issuer must at least be
            // served from the same origin.
            None => {
                let same_origin = Url::parse(&raw.issuer)
                    .is_ok_and(|issuer| issuer.origin() == server_metadata_url.origin());
                if !same_origin {
                    return Err(Error::IssuerMismatch {
                        expected: server_metadata_url.origin().ascii_serialization(),
                        found: raw.issuer,
                    });
                }
            }
        }
        // RS256 is the default when the metadata names none (Discovery §3).
        let advertised: Vec<CoreJwsSigningAlgorithm> =
            if raw.id_token_signing_alg_values_supported.is_empty() {
                vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]
            } else {
                raw.id_token_signing_alg_values_supported
                    .into_iter()
                    .filter_map(|v| serde_json::from_value(v).ok())
                    .collect()
            };
        let signing_algorithms: Vec<CoreJwsSigningAlgorithm> = advertised
            .into_iter()
            .filter(|alg| ACCEPTED_ALGORITHMS.contains(alg))
            .collect();
        if signing_algorithms.is_empty() {
            return Err(Error::NoUsableAlgorithm);
        }
        let token_endpoint = raw.token_endpoint.ok_or(Error::MissingEndpoint {
            field: "token_endpoint",
        })?;
        // PKCE with S256 always, unless the provider lists methods and S256 is not one.
        let use_pkce = raw
            .code_challenge_methods_supported
            .is_none_or(|methods| methods.iter().any(|m| m == "S256"));
        let logout = ProviderLogout::of(
            &raw.issuer,
            &raw.authorization_endpoint,
            &token_endpoint,
            raw.end_session_endpoint.as_ref(),
        );
        Ok(Self {
            issuer: raw.issuer,
            authorization_endpoint: raw.authorization_endpoint,
            token_endpoint,
            userinfo_endpoint: raw.userinfo_endpoint,
            jwks_uri: raw.jwks_uri,
            logout,
            end_session_endpoint: raw.end_session_endpoint,
            signing_algorithms,
            use_pkce,
            iss_parameter_supported: raw.authorization_response_iss_parameter_supported,
            auth_method: auth_method_of(raw.token_endpoint_auth_methods_supported.as_deref()),
            lists_private_key_jwt: raw.token_endpoint_auth_methods_supported.is_some_and(|m| {
                m.iter()
                    .any(|m| m.as_str() == Some(TokenAuthMethod::PrivateKeyJwt.as_str()))
            }),
        })
    }

    /// The provider's issuer identifier.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `jwks_uri`: where the provider's keys are.
    #[must_use]
    pub fn jwks_uri(&self) -> &Url {
        &self.jwks_uri
    }

    /// Whether logout ends the session at the provider too: an `end_session_endpoint`, or a
    /// provider's documented logout endpoint (Cognito, Auth0's legacy one).
    #[must_use]
    pub fn logs_out_at_the_provider(&self) -> bool {
        self.logout.is_some()
    }

    /// `end_session_endpoint`, for RP-initiated logout.
    #[must_use]
    pub fn end_session_endpoint(&self) -> Option<&Url> {
        self.end_session_endpoint.as_ref()
    }

    /// `userinfo_endpoint`.
    #[must_use]
    pub fn userinfo_endpoint(&self) -> Option<&Url> {
        self.userinfo_endpoint.as_ref()
    }

    /// Whether logins send PKCE (S256).
    #[must_use]
    pub fn uses_pkce(&self) -> bool {
        self.use_pkce
    }

    /// How a client with a secret authenticates at the token endpoint when the configuration
    /// does not say: `client_secret_basic` when the metadata lists it or lists nothing (its
    /// default, Discovery §3), else `client_secret_post` when listed (Apple lists only that);
    /// a list with neither keeps `client_secret_basic`, and the provider's refusal says why.
    /// A client with a private key uses `private_key_jwt` wherever it is listed.
    #[must_use]
    pub fn auth_method(&self) -> TokenAuthMethod {
        self.auth_method
    }

    /// Whether the provider advertises the RFC 9207 `iss` response parameter.
    #[must_use]
    pub fn iss_parameter_supported(&self) -> bool {
        self.iss_parameter_supported
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn client_authentication_follows_what_the_metadata_lists() {
        use TokenAuthMethod::{ClientSecretBasic as Basic, ClientSecretPost as Post};
        for (listed, expected) in [
            (None, Basic),
            (
                Some(json!(["client_secret_basic", "client_secret_post"])),
                Basic,
            ),
            (
                Some(json!(["client_secret_post", "client_secret_basic"])),
                Basic,
            ),
            (Some(json!(["client_secret_post"])), Post),
            (Some(json!(["client_secret_post", "private_key_jwt"])), Post),
            (Some(json!(["private_key_jwt"])), Basic),
            (Some(json!([])), Basic),
            (Some(json!([7, null])), Basic),
        ] {
            let listed = listed.map(|v| v.as_array().cloned().unwrap_or_default());
            assert_eq!(auth_method_of(listed.as_deref()), expected, "{listed:?}");
        }
    }
}

//! Logout at the provider: OpenID RP-Initiated Logout 1.0 at the `end_session_endpoint`, and
//! the documented endpoints of providers that publish none, each recognised by its exact
//! metadata shape:
//! - Amazon Cognito (issuer `…/{region}_{pool}`, endpoints under `/oauth2/` on the user
//!   pool's domain): `GET {domain}/logout?client_id=…&logout_uri=…`;
//! - Auth0 tenants without RP-Initiated Logout enabled (issuer ending with `/`, the token
//!   endpoint at `/oauth/token`): `GET {issuer}v2/logout?client_id=…&returnTo=…`.
//!
//! Any other provider without one (Google, GitLab, Apple...) logs out locally.

use url::Url;

use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::http_util;

/// Where and how a provider ends its session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProviderLogout {
    /// OpenID RP-Initiated Logout 1.0.
    EndSession(Url),
    /// Amazon Cognito's `/logout`.
    Cognito(Url),
    /// Auth0's legacy `/v2/logout`.
    Auth0Legacy(Url),
}

impl ProviderLogout {
    /// The logout endpoint of a provider's metadata, or `None` when it has none doorman knows.
    pub(crate) fn of(
        issuer: &str,
        authorization_endpoint: &Url,
        token_endpoint: &Url,
        end_session_endpoint: Option<&Url>,
    ) -> Option<Self> {
        if let Some(endpoint) = end_session_endpoint {
            return Some(Self::EndSession(endpoint.clone()));
        }
        let pool = issuer.rsplit('/').next().unwrap_or_default();
        if authorization_endpoint.path() == "/oauth2/authorize"
            && token_endpoint.path() == "/oauth2/token"
            && is_cognito_pool_id(pool)
        {
            return authorization_endpoint
                .join("/logout")
                .ok()
                .map(Self::Cognito);
        }
        if issuer.ends_with('/')
            && token_endpoint.path() == "/oauth/token"
            && authorization_endpoint.path() == "/authorize"
        {
            return Url::parse(issuer)
                .and_then(|issuer| issuer.join("v2/logout"))
                .ok()
                .map(Self::Auth0Legacy);
        }
        None
    }
}

/// Whether `text` is a Cognito user pool id: `{region}_{id}`, as `eu-west-1_AbCdEfGhI`.
fn is_cognito_pool_id(text: &str) -> bool {
    let Some((region, id)) = text.split_once('_') else {
        return false;
    };
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() == 3
        && parts[..2]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[2].bytes().all(|b| b.is_ascii_digit())
        && !parts[2].is_empty()
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The logout URL at the provider: for RP-Initiated Logout, `id_token_hint` when known,
/// `client_id`, `post_logout_redirect_uri` and `state`, added to the endpoint's own query;
/// for Cognito, `client_id` and `logout_uri`; for Auth0's legacy endpoint, `client_id` and
/// `returnTo`. `None` when the provider has no logout doorman knows: logout is local.
///
/// `overrides` (the app's `logout_params`, already filled in) then set a parameter, replacing
/// doorman's value of the same name, or with `None` drop it.
#[must_use]
pub fn logout_url(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    id_token_hint: Option<&str>,
    post_logout_redirect_uri: &Url,
    state: &str,
    overrides: &[(String, Option<String>)],
) -> Option<Url> {
    let back = post_logout_redirect_uri.as_str();
    let client_id = config.client_id.as_str();
    let (endpoint, params) = match metadata.logout.clone()? {
        ProviderLogout::EndSession(endpoint) => {
            let mut params: Vec<(&str, &str)> = Vec::new();
            if let Some(hint) = id_token_hint {
                params.push(("id_token_hint", hint));
            }
            params.extend([
                ("client_id", client_id),
                ("post_logout_redirect_uri", back),
                ("state", state),
            ]);
            (endpoint, params)
        }
        ProviderLogout::Cognito(endpoint) => (
            endpoint,
            vec![("client_id", client_id), ("logout_uri", back)],
        ),
        ProviderLogout::Auth0Legacy(endpoint) => {
            (endpoint, vec![("client_id", client_id), ("returnTo", back)])
        }
    };
    let mut params: Vec<(&str, &str)> = params;
    for (name, value) in overrides {
        params.retain(|(param, _)| param != name);
        if let Some(value) = value {
            params.push((name, value));
        }
    }
    Some(http_util::with_query(endpoint, &params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn providers_without_an_end_session_endpoint_are_recognised_by_their_exact_shape() {
        let cognito = ProviderLogout::of(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_4OqDoWVrZ",
            &url("https://pool.auth.us-east-1.amazoncognito.com/oauth2/authorize"),
            &url("https://pool.auth.us-east-1.amazoncognito.com/oauth2/token"),
            None,
        );
        assert_eq!(
            cognito,
            Some(ProviderLogout::Cognito(url(
                "https://pool.auth.us-east-1.amazoncognito.com/logout"
            )))
        );
        let auth0 = ProviderLogout::of(
            "https://common.auth0.com/",
            &url("https://common.auth0.com/authorize"),
            &url("https://common.auth0.com/oauth/token"),
            None,
        );
        assert_eq!(
            auth0,
            Some(ProviderLogout::Auth0Legacy(url(
                "https://common.auth0.com/v2/logout"
            )))
        );
        for (issuer, authorize, token) in [
            (
                "https://accounts.google.com",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
            ),
            (
                "https://gitlab.com",
                "https://gitlab.com/oauth/authorize",
                "https://gitlab.com/oauth/token",
            ),
            (
                "https://idp.example/pool_1",
                "https://idp.example/oauth2/authorize",
                "https://idp.example/oauth2/token",
            ),
            (
                "https://idp.example",
                "https://idp.example/authorize",
                "https://idp.example/oauth/token",
            ),
        ] {
            assert_eq!(
                ProviderLogout::of(issuer, &url(authorize), &url(token), None),
                None,
                "{issuer}"
            );
        }
        let listed = url("https://idp.example/logout");
        assert_eq!(
            ProviderLogout::of(
                "https://common.auth0.com/",
                &url("https://common.auth0.com/authorize"),
                &url("https://common.auth0.com/oauth/token"),
                Some(&listed)
            ),
            Some(ProviderLogout::EndSession(listed)),
            "a published endpoint always wins"
        );
    }
}

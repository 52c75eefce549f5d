//! RP-initiated logout: the URL of the provider's `end_session_endpoint`.

use url::Url;

use crate::config::ClientConfig;
use crate::discovery::ProviderMetadata;
use crate::http_util;

/// The logout URL (OpenID RP-Initiated Logout 1.0): `id_token_hint` when known, `client_id`,
/// `post_logout_redirect_uri` and `state`, added to the endpoint's own query.
/// `None` when the provider has no `end_session_endpoint`.
#[must_use]
pub fn logout_url(
    config: &ClientConfig,
    metadata: &ProviderMetadata,
    id_token_hint: Option<&str>,
    post_logout_redirect_uri: &Url,
    state: &str,
) -> Option<Url> {
    let endpoint = metadata.end_session_endpoint.clone()?;
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(hint) = id_token_hint {
        params.push(("id_token_hint", hint));
    }
    params.push(("client_id", &config.client_id));
    params.push((
        "post_logout_redirect_uri",
        post_logout_redirect_uri.as_str(),
    ));
    params.push(("state", state));
    Some(http_util::with_query(endpoint, &params))
}

//! Whether a provider will issue the refresh token an app expects: most issue one only when
//! asked (`offline_access` in the scope; Google: `access_type = "offline"`), and an app that
//! expects refresh without asking gets sessions whose access token dies after an hour.
//!
//! An app says it expects refresh by setting `refresh_margin` (shared or for the provider);
//! a Streamlit file that merely exposes the access token, and never refreshed in Streamlit,
//! draws no warning. The provider is recognised by its `server_metadata_url`'s host.

use url::Url;

use crate::config::Provider;
use crate::settings::Source;

/// What a provider needs to be asked for a refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefreshAsk {
    /// `offline_access` in `client_kwargs.scope` (Entra, Okta, Auth0, and the specification).
    OfflineAccessScope,
    /// `access_type = "offline"` in `client_kwargs` (Google).
    GoogleOfflineAccessType,
}

impl RefreshAsk {
    /// What to write, for the warning.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            Self::OfflineAccessScope => {
                "add `offline_access` to `client_kwargs.scope` (\"openid profile email offline_access\")"
            }
            Self::GoogleOfflineAccessType => {
                "add `access_type = \"offline\"` (and `prompt = \"consent\"`) to `client_kwargs`"
            }
        }
    }
}

/// What `provider` still needs to be asked for a refresh token the app expects; `None` when
/// it is asked already, when the app expects none, or for a plain OAuth 2.0 provider.
pub(crate) fn missing_refresh_ask(provider: &Provider) -> Option<RefreshAsk> {
    let metadata_url = provider.server_metadata_url()?;
    if !matches!(provider.refresh_margin().source(), Source::File(_)) {
        return None;
    }
    let kwargs = provider.client_kwargs();
    let ask = ask_of(metadata_url)?;
    let asked = match ask {
        RefreshAsk::OfflineAccessScope => kwargs
            .scope()
            .split_ascii_whitespace()
            .any(|scope| scope == "offline_access"),
        RefreshAsk::GoogleOfflineAccessType => kwargs
            .extra_params()
            .iter()
            .any(|(name, value)| name == "access_type" && value == "offline"),
    };
    (!asked).then_some(ask)
}

/// How the provider at `metadata_url` is asked for a refresh token; `None` for those that
/// issue one with every code grant (Amazon Cognito, Keycloak, GitLab).
fn ask_of(metadata_url: &Url) -> Option<RefreshAsk> {
    let host = metadata_url.host_str().unwrap_or_default();
    if host == "accounts.google.com" {
        Some(RefreshAsk::GoogleOfflineAccessType)
    } else if host.starts_with("cognito-idp.")
        || host == "gitlab.com"
        || metadata_url.path().contains("/realms/")
    {
        None
    } else {
        Some(RefreshAsk::OfflineAccessScope)
    }
}

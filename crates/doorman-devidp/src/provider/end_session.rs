//! The end-session endpoint (RP-Initiated Logout): back to a registered post-logout URI with
//! the `state`, an error page for an unregistered one, or a "logged out" page.

use http::StatusCode;
use url::Url;

use super::reply::{Reply, html_reply, redirect};
use super::{DevIdp, param};
use crate::page;

impl DevIdp {
    pub(super) fn end_session(&self, params: &[(String, String)]) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").map(str::to_owned).or_else(|| {
            let hint = get("id_token_hint")?;
            self.state().id_tokens.get(hint).cloned()
        });
        let client = client_id.as_deref().and_then(|id| self.client(id));
        match (client, get("post_logout_redirect_uri")) {
            (Some(client), Some(target))
                if client.post_logout_redirect_uris.iter().any(|u| u == target) =>
            {
                let Ok(mut url) = Url::parse(target) else {
                    return html_reply(
                        StatusCode::BAD_REQUEST,
                        page::message("Bad URI", "post_logout_redirect_uri is not a URL."),
                    );
                };
                if let Some(state) = get("state") {
                    url.query_pairs_mut().append_pair("state", state);
                }
                tracing::info!(client = %client.client_id, "devidp logged a user out");
                redirect(&url)
            }
            (_, Some(_)) => html_reply(
                StatusCode::BAD_REQUEST,
                page::message(
                    "Unregistered post-logout URI",
                    "post_logout_redirect_uri is not registered for this client.",
                ),
            ),
            (_, None) => html_reply(
                StatusCode::OK,
                page::message(
                    "Logged out",
                    "You are logged out of the development provider.",
                ),
            ),
        }
    }
}

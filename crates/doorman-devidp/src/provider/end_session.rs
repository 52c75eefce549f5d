//! The end-session endpoint (RP-Initiated Logout): back to a registered post-logout URI with
//! the `state`, an error page for an unregistered one, or a "logged out" page. A logout it
//! accepts ends the provider session its `id_token_hint` names, which queues a back-channel
//! logout token for each of the client's back-channel logout URIs (`backchannel`).

use std::time::SystemTime;

use http::StatusCode;
use url::Url;

use super::reply::{Reply, html_reply, redirect};
use super::{DevIdp, Login, param};
use crate::page;
use crate::signing;

impl DevIdp {
    pub(super) fn end_session(&self, params: &[(String, String)], now: SystemTime) -> Reply {
        let get = |name: &str| param(params, name);
        let hinted: Option<Login> =
            get("id_token_hint").and_then(|hint| self.state().id_tokens.get(hint).cloned());
        let client_id = get("client_id")
            .map(str::to_owned)
            .or_else(|| hinted.as_ref().map(|login| login.client_id.clone()));
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
                self.end_hinted_session(hinted.as_ref(), now);
                redirect(&url)
            }
            (_, Some(_)) => html_reply(
                StatusCode::BAD_REQUEST,
                page::message(
                    "Unregistered post-logout URI",
                    "post_logout_redirect_uri is not registered for this client.",
                ),
            ),
            (_, None) => {
                self.end_hinted_session(hinted.as_ref(), now);
                html_reply(
                    StatusCode::OK,
                    page::message(
                        "Logged out",
                        "You are logged out of the development provider.",
                    ),
                )
            }
        }
    }

    /// Ends the provider session of the login an `id_token_hint` named (its `sid`); without
    /// a hint the provider cannot tell whose session ends, and sends no logout token.
    fn end_hinted_session(&self, hinted: Option<&Login>, now: SystemTime) {
        let Some(login) = hinted else {
            tracing::info!("devidp ended no session: the logout named no ID token it issued");
            return;
        };
        let sid = signing::session_id(&login.client_id, &login.user.sub, login.auth_time);
        self.end_user_session(&login.user.sub, Some(&sid), now);
    }
}

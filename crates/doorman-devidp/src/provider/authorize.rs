//! The authorization endpoint: checks the client and redirect URI, then shows the login page
//! (or approves at once, with `auto_approve`); the page's decision, on the `decide` route
//! beside it, sends the browser back with a code (PKCE S256 and `offline_access` recorded) or
//! `access_denied`, with the RFC 9207 `iss` as the misbehaviors leave it.

use std::time::SystemTime;

use http::StatusCode;
use serde_json::Value;
use url::Url;

use super::reply::{Reply, html_reply, redirect};
use super::{CodeGrant, DevIdp, param, random_token};
use crate::misbehavior::{Misbehavior, Switches};
use crate::page;

/// Whether the request's `scope` holds `scope`.
fn asks_for(params: &[(String, String)], scope: &str) -> bool {
    param(params, "scope")
        .unwrap_or_default()
        .split(' ')
        .any(|s| s == scope)
}

impl DevIdp {
    /// The page refusing a request whose client is unknown or whose redirect URI is not
    /// registered for it (never a redirect to an unregistered URI); `None` when both are fine.
    fn refusal(&self, client_id: &str, redirect_uri: &str) -> Option<Reply> {
        let (title, text) = match self.client(client_id) {
            None => (
                "Unknown client",
                "This client is not registered at the development provider.",
            ),
            Some(client) if !client.redirect_uris.iter().any(|r| r == redirect_uri) => (
                "Unregistered redirect URI",
                "The redirect_uri is not registered for this client.",
            ),
            Some(_) => return None,
        };
        Some(html_reply(
            StatusCode::BAD_REQUEST,
            page::message(title, text),
        ))
    }

    pub(super) fn authorize(
        &self,
        params: &[(String, String)],
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").unwrap_or_default();
        let redirect_uri = get("redirect_uri").unwrap_or_default();
        if let Some(refusal) = self.refusal(client_id, redirect_uri) {
            return refusal;
        }
        if get("response_type") != Some("code") || !asks_for(params, "openid") {
            return self.error_redirect(
                redirect_uri,
                get("state"),
                "invalid_request",
                "response_type=code and scope openid are required",
                switches,
            );
        }
        if self.config.auto_approve {
            let hint = get("login_hint");
            let user = self
                .config
                .users
                .iter()
                .find(|u| {
                    Some(u.sub.as_str()) == hint
                        || u.claims.get("email").and_then(Value::as_str) == hint
                })
                .or_else(|| self.config.users.first())
                .map(|u| u.sub.clone())
                .unwrap_or_default();
            return self.decide(params, &user, now, switches);
        }
        let hidden: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "user")
            .cloned()
            .collect();
        tracing::info!(client = client_id, "devidp shows its login page");
        // The form goes to the decide route, next to the authorization endpoint.
        let authorization = self
            .shape()
            .map_or("/authorize", |shape| shape.authorization);
        let action = format!(
            "{}/decide",
            authorization.rsplit('/').next().unwrap_or_default()
        );
        html_reply(
            StatusCode::OK,
            page::login(client_id, &self.config.users, &hidden, &action),
        )
    }

    fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &str,
        description: &str,
        switches: &Switches,
    ) -> Reply {
        let Ok(mut url) = Url::parse(redirect_uri) else {
            return html_reply(
                StatusCode::BAD_REQUEST,
                page::message("Bad redirect URI", "The redirect_uri is not a URL."),
            );
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("error", error)
                .append_pair("error_description", description);
            if let Some(state) = state {
                query.append_pair("state", state);
            }
            if let Some(iss) = self.iss_parameter(switches) {
                query.append_pair("iss", &iss);
            }
        }
        redirect(&url)
    }

    /// The callback's RFC 9207 `iss`: always the provider's own, a persona's only when the
    /// real provider advertises it.
    fn iss_parameter(&self, switches: &Switches) -> Option<String> {
        let advertised = self.shape().is_none_or(|shape| shape.iss_parameter);
        if switches.on(&Misbehavior::IssParameterMissing)
            || switches.on(&Misbehavior::IssParameterNotAdvertised)
        {
            None
        } else if switches.on(&Misbehavior::IssParameterWrong) {
            Some("https://evil.example".to_owned())
        } else {
            advertised.then(|| self.config.issuer_str())
        }
    }

    /// The login page's decision: `user` is the test user picked, empty when denied.
    pub(super) fn decide(
        &self,
        params: &[(String, String)],
        user: &str,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        let get = |name: &str| param(params, name);
        let client_id = get("client_id").unwrap_or_default();
        let redirect_uri = get("redirect_uri").unwrap_or_default();
        if let Some(refusal) = self.refusal(client_id, redirect_uri) {
            return refusal;
        }
        let Some(user) = self.config.users.iter().find(|u| u.sub == user) else {
            tracing::info!(client = client_id, "devidp: the user denied the login");
            return self.error_redirect(
                redirect_uri,
                get("state"),
                "access_denied",
                "The user denied the request",
                switches,
            );
        };
        let challenge = match (get("code_challenge"), get("code_challenge_method")) {
            (Some(c), Some("S256") | None) => Some(c.to_owned()),
            (Some(_), Some(_)) => {
                return self.error_redirect(
                    redirect_uri,
                    get("state"),
                    "invalid_request",
                    "only S256 PKCE is supported",
                    switches,
                );
            }
            (None, _) => None,
        };
        let code = random_token();
        self.state().codes.insert(
            code.clone(),
            CodeGrant {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                user: user.clone(),
                nonce: get("nonce").map(str::to_owned),
                challenge,
                issued_at: now,
                offline: asks_for(params, "offline_access"),
            },
        );
        let Ok(mut url) = Url::parse(redirect_uri) else {
            return html_reply(
                StatusCode::BAD_REQUEST,
                page::message("Bad redirect URI", "The redirect_uri is not a URL."),
            );
        };
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("code", &code);
            if let Some(state) = get("state") {
                query.append_pair("state", state);
            }
            if let Some(iss) = self.iss_parameter(switches) {
                query.append_pair("iss", &iss);
            }
        }
        tracing::info!(client = client_id, user = %user.sub, "devidp approved a login");
        redirect(&url)
    }
}

//! The token endpoint: authenticates the client by a method the provider lists, redeems a
//! code (single-use, a minute to live, PKCE S256) or a refresh token, and issues an access
//! token, a refresh token and an ID token ([`crate::signing`]), as the misbehaviors bend them.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::client_auth::{AUTH_METHODS, auth_method};
use super::reply::{Reply, json_reply, oauth_error, reply};
use super::{DevIdp, TokenGrant, param, random_token};
use crate::config::{RegisteredClient, TestUser};
use crate::misbehavior::{Misbehavior, Switches};
use crate::signing::{self, Issue, Keys, TOKEN_LIFETIME};

/// How long a code may wait to be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// Whether `verifier` is the PKCE S256 verifier of `challenge`.
pub(super) fn s256_verifies(challenge: &str, verifier: Option<&str>) -> bool {
    verifier.is_some_and(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == challenge)
}

impl DevIdp {
    pub(super) fn token(
        &self,
        params: &[(String, String)],
        authorization: Option<&str>,
        endpoint: &str,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        if switches.on(&Misbehavior::TokenEndpointError) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "refused on purpose",
            );
        }
        if switches.on(&Misbehavior::TokenEndpointGarbage) {
            return reply(
                StatusCode::OK,
                "text/html",
                "<html>not a token response</html>",
            );
        }
        let method = auth_method(params, authorization);
        let listed = self
            .shape()
            .map_or(AUTH_METHODS, |shape| shape.auth_methods);
        if !listed.contains(&method) {
            tracing::info!(
                method,
                "devidp refused a token request: an unlisted client authentication"
            );
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                &format!("{method} is not a client authentication method of this provider"),
            );
        }
        let Some(client) = self.authenticate(params, authorization, endpoint, now) else {
            tracing::info!("devidp refused a token request: client authentication failed");
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            );
        };
        let get = |name: &str| param(params, name);
        match get("grant_type") {
            Some("authorization_code") => {
                let code = get("code").unwrap_or_default();
                let Some(grant) = self.state().codes.remove(code) else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "unknown or used code",
                    );
                };
                if now.duration_since(grant.issued_at).unwrap_or_default() > CODE_LIFETIME {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "expired code");
                }
                if grant.client_id != client.client_id
                    || Some(grant.redirect_uri.as_str()) != get("redirect_uri")
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "client or redirect_uri mismatch",
                    );
                }
                if let Some(challenge) = &grant.challenge
                    && !s256_verifies(challenge, get("code_verifier"))
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "PKCE verification failed",
                    );
                }
                tracing::info!(client = %client.client_id, user = %grant.user.sub, "devidp redeemed a code");
                self.issue_tokens(
                    &client,
                    &grant.user,
                    grant.nonce.as_deref(),
                    Some(code),
                    now,
                    switches,
                )
            }
            Some("refresh_token") => {
                let token = get("refresh_token").unwrap_or_default();
                let Some(grant) = self.state().refresh_tokens.remove(token) else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "unknown refresh token",
                    );
                };
                if grant.client_id != client.client_id {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "client mismatch",
                    );
                }
                tracing::info!(client = %client.client_id, user = %grant.user.sub, "devidp refreshed tokens");
                self.issue_tokens(&client, &grant.user, None, None, now, switches)
            }
            _ => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "authorization_code or refresh_token",
            ),
        }
    }

    fn issue_tokens(
        &self,
        client: &RegisteredClient,
        user: &TestUser,
        nonce: Option<&str>,
        code: Option<&str>,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        if switches.on(&Misbehavior::RotateKeyBeforeSigning) {
            self.rotate_keys();
            self.state()
                .misbehaviors
                .retain(|m| *m != Misbehavior::RotateKeyBeforeSigning);
        }
        let access_token = random_token();
        let keys = {
            let state = self.state();
            Keys {
                active: state.keys[state.active].clone(),
                ec: state.ec.clone(),
            }
        };
        let issue = Issue {
            issuer: self.config.token_issuer(user),
            shape: self.shape(),
            client,
            user,
            nonce,
            code,
            access_token: &access_token,
            now,
        };
        let id_token = signing::id_token(&issue, &keys, switches);
        let refresh_token = random_token();
        {
            let mut state = self.state();
            let grant = || TokenGrant {
                client_id: client.client_id.clone(),
                user: user.clone(),
            };
            state.access_tokens.insert(access_token.clone(), grant());
            state.refresh_tokens.insert(refresh_token.clone(), grant());
            state
                .id_tokens
                .insert(id_token.clone(), client.client_id.clone());
        }
        let token_type = if switches.on(&Misbehavior::TokenTypeNotBearer) {
            "mac"
        } else {
            "Bearer"
        };
        let expires_in = if switches.on(&Misbehavior::ExpiresInAsString) {
            json!(TOKEN_LIFETIME.as_secs().to_string())
        } else {
            json!(TOKEN_LIFETIME.as_secs())
        };
        json_reply(
            StatusCode::OK,
            &json!({
                "access_token": access_token,
                "token_type": token_type,
                "expires_in": expires_in,
                "refresh_token": refresh_token,
                "id_token": id_token,
                "scope": "openid profile email",
            }),
        )
    }
}

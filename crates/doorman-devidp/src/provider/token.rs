//! The token endpoint: authenticates the client by a method the provider lists, redeems a
//! code (single-use, a minute to live, PKCE S256) or a refresh token (`refresh`), and issues
//! an access token, an ID token ([`crate::signing`]) and, when the login asked for
//! `offline_access`, a refresh token, as the misbehaviors bend them (the `Refresh…` ones a
//! refresh's answer only).

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::client_auth::{AUTH_METHODS, auth_method};
use super::refresh::Family;
use super::reply::{Reply, json_reply, oauth_error, reply};
use super::{AccessGrant, DevIdp, Login, param, random_token};
use crate::config::{RegisteredClient, TestUser};
use crate::misbehavior::{Misbehavior, Switches};
use crate::signing::{self, Issue};

/// How long a code may wait to be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// The `scope` every token response grants; `offline_access` is added when the login has a
/// refresh-token family.
const SCOPE: &str = "openid profile email";

/// The `sub` of a refresh's ID token with [`Misbehavior::RefreshOtherSubject`].
const OTHER_SUBJECT: &str = "someone-else";

/// The `iss` of a refresh's ID token with [`Misbehavior::RefreshOtherIssuer`].
const OTHER_ISSUER: &str = "https://evil.example";

/// What tokens are issued on.
pub(super) enum Redeemed<'a> {
    /// A code: the login's `nonce`, the code for `c_hash`, and the family of the refresh
    /// tokens to issue, when the login asked for `offline_access`.
    Code {
        code: &'a str,
        nonce: Option<&'a str>,
        family: Option<Family>,
    },
    /// A refresh token of `family`.
    Refresh { family: Family },
}

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
                let family = grant
                    .offline
                    .then(|| self.state().refresh_tokens.new_family());
                tracing::info!(client = %client.client_id, user = %grant.user.sub, offline = grant.offline, "devidp redeemed a code");
                let login = Login {
                    client_id: grant.client_id,
                    user: grant.user,
                    auth_time: grant.issued_at,
                };
                let redeemed = Redeemed::Code {
                    code,
                    nonce: grant.nonce.as_deref(),
                    family,
                };
                self.issue_tokens(&client, &login, &redeemed, now, switches)
            }
            Some("refresh_token") => self.refresh(
                &client,
                get("refresh_token").unwrap_or_default(),
                now,
                switches,
            ),
            _ => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "authorization_code or refresh_token",
            ),
        }
    }

    /// The token response for `login`, on what was `redeemed`.
    pub(super) fn issue_tokens(
        &self,
        client: &RegisteredClient,
        login: &Login,
        redeemed: &Redeemed<'_>,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        if switches.on(&Misbehavior::RotateKeyBeforeSigning) {
            self.rotate_keys();
            self.state()
                .misbehaviors
                .retain(|m| *m != Misbehavior::RotateKeyBeforeSigning);
        }
        let family = match *redeemed {
            Redeemed::Code { family, .. } => family,
            Redeemed::Refresh { family } => Some(family),
        };
        let access_token = match &self.config.api_audience {
            Some(audience) => self.jwt_access_token(client, &login.user, audience, now, switches),
            None => random_token(),
        };
        let id_token = self.id_token(client, login, redeemed, &access_token, now, switches);
        let refresh_token = family
            .filter(|_| !redeemed.bent(&Misbehavior::RefreshWithoutNewRefreshToken, switches))
            .map(|family| (random_token(), family));
        let lifetime = self.config.access_token_lifetime.as_secs();
        {
            let mut state = self.state();
            state.access_tokens.insert(
                access_token.clone(),
                AccessGrant {
                    user: login.user.clone(),
                    expires_at: now + Duration::from_secs(lifetime),
                },
            );
            if let Some((token, family)) = &refresh_token {
                state
                    .refresh_tokens
                    .insert(token.clone(), login.clone(), *family);
            }
            if let Some(id_token) = &id_token {
                state.id_tokens.insert(id_token.clone(), login.clone());
            }
            if matches!(redeemed, Redeemed::Code { .. }) {
                let sid = signing::session_id(&login.client_id, &login.user.sub, login.auth_time);
                state.sessions.insert(sid, login.clone());
            }
        }
        let token_type = if switches.on(&Misbehavior::TokenTypeNotBearer) {
            "mac"
        } else {
            "Bearer"
        };
        let expires_in = if switches.on(&Misbehavior::ExpiresInAsString) {
            json!(lifetime.to_string())
        } else {
            json!(lifetime)
        };
        let scope = if family.is_some() {
            format!("{SCOPE} offline_access")
        } else {
            SCOPE.to_owned()
        };
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        body.insert("token_type".into(), json!(token_type));
        body.insert("expires_in".into(), expires_in);
        if let Some((token, _)) = refresh_token {
            body.insert("refresh_token".into(), json!(token));
        }
        if let Some(id_token) = id_token {
            body.insert("id_token".into(), json!(id_token));
        }
        body.insert("scope".into(), json!(scope));
        json_reply(StatusCode::OK, &Value::Object(body))
    }

    /// The ID token issued with `access_token` for `login`; a refresh's has no `nonce` and
    /// keeps the login's `auth_time`, as the `Refresh…` misbehaviors leave them.
    fn id_token(
        &self,
        client: &RegisteredClient,
        login: &Login,
        redeemed: &Redeemed<'_>,
        access_token: &str,
        now: SystemTime,
        switches: &Switches,
    ) -> Option<String> {
        let bent = |m: Misbehavior| redeemed.bent(&m, switches);
        if bent(Misbehavior::RefreshWithoutIdToken) {
            return None;
        }
        let (code, nonce) = match *redeemed {
            Redeemed::Code { code, nonce, .. } => (Some(code), nonce),
            Redeemed::Refresh { .. } => (None, None),
        };
        let other;
        let updated = self.updated_user(&login.user);
        let current = updated.as_ref().unwrap_or(&login.user);
        let user = if bent(Misbehavior::RefreshOtherSubject) {
            other = TestUser {
                sub: OTHER_SUBJECT.to_owned(),
                claims: current.claims.clone(),
            };
            &other
        } else {
            current
        };
        let issuer = if bent(Misbehavior::RefreshOtherIssuer) {
            OTHER_ISSUER.to_owned()
        } else {
            self.config.token_issuer(&login.user)
        };
        let auth_time = if bent(Misbehavior::RefreshAuthTimeChanged) {
            now.max(login.auth_time + Duration::from_secs(1))
        } else {
            login.auth_time
        };
        let keys = self.signing_keys();
        let issue = Issue {
            issuer,
            shape: self.shape(),
            client,
            user,
            nonce,
            code,
            access_token,
            auth_time,
            now,
        };
        Some(signing::id_token(&issue, &keys, switches))
    }
}

impl Redeemed<'_> {
    /// Whether `misbehavior`, one of the `Refresh…` ones, bends this answer: it is on, and
    /// this is a refresh.
    fn bent(&self, misbehavior: &Misbehavior, switches: &Switches) -> bool {
        matches!(self, Self::Refresh { .. }) && switches.on(misbehavior)
    }
}

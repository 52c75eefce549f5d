//! [`crate::Persona::GitHub`]: GitHub's OAuth app endpoints and the two API calls a login
//! makes, as GitHub documents and answers them.
//!
//! - `GET /login/oauth/authorize`: `client_id`, `redirect_uri` (registered; the first
//!   registered one when left out), `scope`, `state`, `code_challenge` with
//!   `code_challenge_method=S256` (the only method GitHub accepts), `login` (a user hint),
//!   `prompt`. A login page, or auto-approval; a denial redirects with `error=access_denied`.
//!   No `iss` on the callback.
//! - `POST /login/oauth/access_token`: the client's id and secret in the form (GitHub's
//!   documented way) or HTTP Basic; `code`, `redirect_uri`, `code_verifier`. Errors come with
//!   status 200 (`incorrect_client_credentials`, `redirect_uri_mismatch`,
//!   `bad_verification_code`). The answer is JSON when `Accept` names `application/json`,
//!   form-encoded otherwise. The token is opaque (`gho_` and 36 characters), `token_type`
//!   `bearer`, `scope` comma-separated; no ID token, no refresh token, no expiry.
//! - `GET /user` and `GET /user/emails`: `Authorization: Bearer` (or `token`) and a
//!   `User-Agent`, as GitHub's API requires: 401 without a known token, 403 without a
//!   `User-Agent`; `/user/emails` needs the `user:email` or `user` scope (404 otherwise).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use http::{Method, Request, Response, StatusCode, header};
use serde_json::{Map, Value, json};
use url::Url;

use super::client_auth::{credentials, secret_matches};
use super::param;
use super::token::s256_verifies;
use crate::config::{DevIdpConfig, RegisteredClient, TestUser};
use crate::misbehavior::Endpoint;
use crate::page;

/// How long a code may wait to be redeemed (GitHub: ten minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Where GitHub's documentation explains each API refusal.
const DOCS: &str = "https://docs.github.com/rest";

/// A path of the GitHub persona.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Authorize,
    Decide,
    AccessToken,
    User,
    Emails,
}

impl Route {
    /// The route of `path`, if it is one of GitHub's.
    pub(crate) fn of(path: &str) -> Option<Self> {
        match path {
            "/login/oauth/authorize" => Some(Self::Authorize),
            "/login/oauth/authorize/decide" => Some(Self::Decide),
            "/login/oauth/access_token" => Some(Self::AccessToken),
            "/user" => Some(Self::User),
            "/user/emails" => Some(Self::Emails),
            _ => None,
        }
    }

    /// The endpoint misbehaviors name this route by: the token endpoint, and the user API
    /// (`/user` and `/user/emails`) as [`Endpoint::Userinfo`].
    pub(crate) fn endpoint(self) -> Option<Endpoint> {
        match self {
            Self::AccessToken => Some(Endpoint::Token),
            Self::User | Self::Emails => Some(Endpoint::Userinfo),
            Self::Authorize | Self::Decide => None,
        }
    }
}

struct Code {
    client_id: String,
    redirect_uri: String,
    user: TestUser,
    challenge: Option<String>,
    scopes: Vec<String>,
    issued_at: SystemTime,
}

struct Grant {
    user: TestUser,
    scopes: Vec<String>,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, Code>,
    tokens: HashMap<String, Grant>,
}

/// The GitHub persona's codes and tokens.
#[derive(Default)]
pub(crate) struct GitHub {
    state: Mutex<State>,
}

type Reply = Response<Vec<u8>>;

/// A response as GitHub sends it: unlike the provider's own (`super::reply`), without
/// `Cache-Control: no-store`.
fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    response
}

fn api_json(status: StatusCode, body: &Value) -> Reply {
    reply(status, "application/json; charset=utf-8", body.to_string())
}

/// An API refusal as GitHub words it.
fn api_error(status: StatusCode, message: &str) -> Reply {
    api_json(
        status,
        &json!({"message": message, "documentation_url": DOCS, "status": status.as_str()}),
    )
}

fn html(status: StatusCode, title: &str, text: &str) -> Reply {
    reply(
        status,
        "text/html; charset=utf-8",
        page::message(title, text),
    )
}

fn redirect(location: &Url) -> Reply {
    let mut response = reply(StatusCode::FOUND, "text/html; charset=utf-8", Vec::new());
    if let Ok(value) = header::HeaderValue::from_str(location.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `bytes` random bytes, as lowercase hexadecimal.
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // The development provider's codes protect nothing (see `super::random_token`).
    let _ = getrandom::fill(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// An opaque user access token in GitHub's form: `gho_` and 36 letters and digits.
fn access_token() -> String {
    let mut buffer = [0u8; 36];
    let _ = getrandom::fill(&mut buffer);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = buffer
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("gho_{body}")
}

fn header_str(request: &Request<Vec<u8>>, name: header::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Why an authorization request is refused with a page, never a redirect.
enum Refusal {
    UnknownClient,
    UnregisteredRedirect,
}

impl Refusal {
    fn page(self) -> Reply {
        match self {
            Self::UnknownClient => html(
                StatusCode::NOT_FOUND,
                "Not Found",
                "No OAuth app has this client_id.",
            ),
            Self::UnregisteredRedirect => html(
                StatusCode::BAD_REQUEST,
                "Redirect URI mismatch",
                "The redirect_uri is not associated with this application.",
            ),
        }
    }
}

impl GitHub {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answers a request to one of GitHub's routes.
    pub(crate) fn handle(
        &self,
        config: &DevIdpConfig,
        route: Route,
        request: &Request<Vec<u8>>,
        params: &[(String, String)],
        now: SystemTime,
    ) -> Reply {
        match (request.method().clone(), route) {
            (Method::GET, Route::Authorize) => self.authorize(config, params, now),
            (Method::GET, Route::Decide) => self.decide(
                config,
                params,
                param(params, "user").unwrap_or_default(),
                now,
            ),
            (Method::POST, Route::AccessToken) => self.access_token(config, request, params, now),
            (Method::GET, Route::User) => self.api(request, false),
            (Method::GET, Route::Emails) => self.api(request, true),
            _ => api_error(StatusCode::NOT_FOUND, "Not Found"),
        }
    }

    /// The client and the redirect URI of an authorization request, or why it is refused.
    fn client_and_redirect<'c>(
        config: &'c DevIdpConfig,
        params: &[(String, String)],
    ) -> Result<(&'c RegisteredClient, String), Refusal> {
        let client_id = param(params, "client_id").unwrap_or_default();
        let Some(client) = config.clients.iter().find(|c| c.client_id == client_id) else {
            return Err(Refusal::UnknownClient);
        };
        let redirect_uri = match param(params, "redirect_uri") {
            Some(given) if client.redirect_uris.iter().any(|r| r == given) => given.to_owned(),
            None if !client.redirect_uris.is_empty() => client.redirect_uris[0].clone(),
            _ => return Err(Refusal::UnregisteredRedirect),
        };
        Ok((client, redirect_uri))
    }

    fn authorize(
        &self,
        config: &DevIdpConfig,
        params: &[(String, String)],
        now: SystemTime,
    ) -> Reply {
        let (client, _) = match Self::client_and_redirect(config, params) {
            Ok(found) => found,
            Err(refusal) => return refusal.page(),
        };
        if config.auto_approve {
            let hint = param(params, "login");
            let user = config
                .users
                .iter()
                .find(|u| hint.is_some() && u.claims.get("login").and_then(Value::as_str) == hint)
                .or_else(|| config.users.first())
                .map(|u| u.sub.clone())
                .unwrap_or_default();
            return self.decide(config, params, &user, now);
        }
        let hidden: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "user")
            .cloned()
            .collect();
        tracing::info!(client = %client.client_id, "devidp (GitHub) shows its login page");
        reply(
            StatusCode::OK,
            "text/html; charset=utf-8",
            page::login(
                &client.client_id,
                &config.users,
                &hidden,
                "authorize/decide",
            ),
        )
    }

    /// Sends the browser back with `pairs` and the request's `state`.
    fn back(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Reply {
        let Ok(mut url) = Url::parse(redirect_uri) else {
            return html(
                StatusCode::BAD_REQUEST,
                "Bad redirect URI",
                "The redirect_uri is not a URL.",
            );
        };
        {
            let mut query = url.query_pairs_mut();
            query.extend_pairs(pairs);
            if let Some(state) = state {
                query.append_pair("state", state);
            }
        }
        redirect(&url)
    }

    fn decide(
        &self,
        config: &DevIdpConfig,
        params: &[(String, String)],
        user: &str,
        now: SystemTime,
    ) -> Reply {
        let (client, redirect_uri) = match Self::client_and_redirect(config, params) {
            Ok(found) => found,
            Err(refusal) => return refusal.page(),
        };
        let state = param(params, "state");
        let Some(user) = config.users.iter().find(|u| u.sub == user) else {
            tracing::info!(client = %client.client_id, "devidp (GitHub): the user denied the login");
            return Self::back(
                &redirect_uri,
                &[
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "The user has denied your application access.",
                    ),
                    (
                        "error_uri",
                        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
                    ),
                ],
                state,
            );
        };
        let challenge = match (
            param(params, "code_challenge"),
            param(params, "code_challenge_method"),
        ) {
            (Some(challenge), Some("S256")) => Some(challenge.to_owned()),
            (None, _) => None,
            (Some(_), _) => {
                return Self::back(
                    &redirect_uri,
                    &[
                        ("error", "invalid_request"),
                        (
                            "error_description",
                            "Only the S256 code challenge method is accepted.",
                        ),
                    ],
                    state,
                );
            }
        };
        let scopes: Vec<String> = param(params, "scope")
            .unwrap_or_default()
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let code = random_hex(10);
        self.state().codes.insert(
            code.clone(),
            Code {
                client_id: client.client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                user: user.clone(),
                challenge,
                scopes,
                issued_at: now,
            },
        );
        tracing::info!(client = %client.client_id, user = %user.sub, "devidp (GitHub) approved a login");
        Self::back(&redirect_uri, &[("code", &code)], state)
    }

    /// The client the request authenticates as: its id and secret in the form, or HTTP Basic.
    fn client<'c>(
        config: &'c DevIdpConfig,
        request: &Request<Vec<u8>>,
        params: &[(String, String)],
    ) -> Option<&'c RegisteredClient> {
        let (id, secret) = credentials(header_str(request, header::AUTHORIZATION), params)?;
        let client = config.clients.iter().find(|c| c.client_id == id)?;
        secret_matches(client, &secret).then_some(client)
    }

    fn access_token(
        &self,
        config: &DevIdpConfig,
        request: &Request<Vec<u8>>,
        params: &[(String, String)],
        now: SystemTime,
    ) -> Reply {
        let json = header_str(request, header::ACCEPT)
            .is_some_and(|accept| accept.contains("application/json"));
        let answer = |pairs: &[(&str, &str)]| {
            if json {
                let members: Map<String, Value> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
                    .collect();
                api_json(StatusCode::OK, &Value::Object(members))
            } else {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                reply(
                    StatusCode::OK,
                    "application/x-www-form-urlencoded; charset=utf-8",
                    body,
                )
            }
        };
        let refuse = |error: &str, description: &str| {
            tracing::info!(error, "devidp (GitHub) refused a token request");
            answer(&[
                ("error", error),
                ("error_description", description),
                (
                    "error_uri",
                    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
                ),
            ])
        };
        let Some(client) = Self::client(config, request, params) else {
            return refuse(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            );
        };
        let code = param(params, "code").unwrap_or_default();
        let Some(grant) = self.state().codes.remove(code) else {
            return refuse(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            );
        };
        if now.duration_since(grant.issued_at).unwrap_or_default() > CODE_LIFETIME
            || grant.client_id != client.client_id
        {
            return refuse(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            );
        }
        if param(params, "redirect_uri").is_some_and(|r| r != grant.redirect_uri) {
            return refuse(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            );
        }
        if let Some(challenge) = &grant.challenge
            && !s256_verifies(challenge, param(params, "code_verifier"))
        {
            // GitHub's exact wording for a failed PKCE check is not documented.
            return refuse(
                "bad_verification_code",
                "The code_verifier does not match the code_challenge.",
            );
        }
        let token = access_token();
        let scope = grant.scopes.join(",");
        self.state().tokens.insert(
            token.clone(),
            Grant {
                user: grant.user,
                scopes: grant.scopes,
            },
        );
        tracing::info!(client = %client.client_id, "devidp (GitHub) issued an access token");
        answer(&[
            ("access_token", &token),
            ("token_type", "bearer"),
            ("scope", &scope),
        ])
    }

    /// `/user` or, with `emails`, `/user/emails`.
    fn api(&self, request: &Request<Vec<u8>>, emails: bool) -> Reply {
        if header_str(request, header::USER_AGENT).is_none_or(|ua| ua.trim().is_empty()) {
            return reply(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.\n",
            );
        }
        let Some(token) = header_str(request, header::AUTHORIZATION).and_then(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("token "))
        }) else {
            return api_error(StatusCode::UNAUTHORIZED, "Requires authentication");
        };
        let state = self.state();
        let Some(grant) = state.tokens.get(token.trim()) else {
            return api_error(StatusCode::UNAUTHORIZED, "Bad credentials");
        };
        let mut claims = grant.user.claims.clone();
        let listed = claims.remove("emails").unwrap_or_else(|| json!([]));
        let scopes = grant.scopes.join(", ");
        let may_list = grant
            .scopes
            .iter()
            .any(|s| s == "user:email" || s == "user");
        drop(state);
        let mut response = if !emails {
            tracing::info!("devidp (GitHub) served /user");
            api_json(StatusCode::OK, &Value::Object(claims))
        } else if may_list {
            tracing::info!("devidp (GitHub) served /user/emails");
            api_json(StatusCode::OK, &listed)
        } else {
            return api_error(StatusCode::NOT_FOUND, "Not Found");
        };
        if let Ok(value) = header::HeaderValue::from_str(&scopes) {
            response.headers_mut().insert("x-oauth-scopes", value);
        }
        response
    }
}

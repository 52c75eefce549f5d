//! What the provider knows: its issuer, its clients (and where their back-channel logout
//! tokens go), its test users, the real provider whose shapes it takes on, if any, and how
//! long its access tokens last.

use std::time::Duration;

use serde_json::{Map, Value, json};
use url::Url;

use crate::persona::{Persona, TENANT_PLACEHOLDER};

/// A client registered at the provider.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret` (a test secret: this provider protects nothing).
    pub client_secret: String,
    /// The redirect URIs it may use, compared exactly.
    pub redirect_uris: Vec<String>,
    /// The URIs `end_session` may send the browser back to, compared exactly.
    pub post_logout_redirect_uris: Vec<String>,
}

/// A test user: a `sub` and the claims released with it.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// The user's `sub`.
    pub sub: String,
    /// Profile and email claims (`name`, `email`, ...), and any other (`groups`).
    pub claims: Map<String, Value>,
}

impl TestUser {
    /// A user with a name and a verified email, as Google releases them.
    #[must_use]
    pub fn new(sub: &str, name: &str, email: &str) -> Self {
        let (given, family) = name.split_once(' ').unwrap_or((name, ""));
        let claims = json!({
            "name": name,
            "given_name": given,
            "family_name": family,
            "email": email,
            "email_verified": true,
        });
        Self {
            sub: sub.to_owned(),
            claims: claims.as_object().cloned().unwrap_or_default(),
        }
    }

    /// The user's display name, for the login page: `name`, else GitHub's `login`, else `sub`.
    pub(crate) fn display_name(&self) -> &str {
        ["name", "login"]
            .into_iter()
            .find_map(|claim| self.claims.get(claim).and_then(Value::as_str))
            .unwrap_or(&self.sub)
    }
}

/// How long access tokens last unless [`DevIdpConfig::with_access_token_lifetime`] says
/// otherwise: an hour, as most providers have it.
const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The provider's configuration.
#[derive(Clone, Debug)]
pub struct DevIdpConfig {
    /// The issuer: the provider's base URL.
    pub issuer: Url,
    /// Registered clients.
    pub clients: Vec<RegisteredClient>,
    /// Test users, offered on the login page.
    pub users: Vec<TestUser>,
    /// Approve every authorization request at once, as the user named by `login_hint`
    /// (or the first user): for tests that have no browser.
    pub auto_approve: bool,
    /// A real provider's shapes to take on, on the origin of `issuer` (whose path is then
    /// unused); `None`: the development provider's own shapes.
    pub persona: Option<Persona>,
    /// Clients that authenticate with `private_key_jwt`: the client id and its RSA public key
    /// in PEM, which checks their assertions.
    pub client_public_keys: Vec<(String, String)>,
    /// How long an access token lasts, in whole seconds (a fraction is dropped): the token
    /// response's `expires_in`, and when userinfo stops taking the token. An hour unless set.
    /// ID tokens last an hour whatever it is.
    pub access_token_lifetime: Duration,
    /// The audience of the app's API: when set, access tokens are JWTs for it (RFC 9068,
    /// signed with the active key) instead of opaque strings.
    pub api_audience: Option<String>,
    /// Clients' back-channel logout URIs (Back-Channel Logout 1.0 §2.2
    /// `backchannel_logout_uri`, with `backchannel_logout_session_required`: each token
    /// carries the session's `sid`): the client id and a URI. A client may have several,
    /// one per replica of an app that shares no state; each gets its own token.
    pub backchannel_logout_uris: Vec<(String, String)>,
}

impl DevIdpConfig {
    /// A configuration with two test users, Ada and Alan, and no client yet.
    #[must_use]
    pub fn new(issuer: Url) -> Self {
        Self {
            issuer,
            clients: Vec::new(),
            users: vec![
                TestUser::new("ada", "Ada Lovelace", "ada@example.com"),
                TestUser::new("alan", "Alan Turing", "alan@example.com"),
            ],
            auto_approve: false,
            persona: None,
            client_public_keys: Vec::new(),
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            api_audience: None,
            backchannel_logout_uris: Vec::new(),
        }
    }

    /// Takes on `persona`'s shapes: its metadata, endpoints, keys, tokens and client
    /// authentication, on the origin of `issuer`. The persona's test users replace the
    /// current ones.
    #[must_use]
    pub fn with_persona(mut self, persona: Persona) -> Self {
        self.persona = Some(persona);
        self.users = persona.users();
        self
    }

    /// Lets client `client_id` authenticate with `private_key_jwt`, its assertions checked
    /// with the RSA public key `public_pem` (SPKI PEM).
    #[must_use]
    pub fn with_client_public_key(mut self, client_id: &str, public_pem: &str) -> Self {
        self.client_public_keys
            .push((client_id.to_owned(), public_pem.to_owned()));
        self
    }

    /// Registers `uri` as a back-channel logout URI of client `client_id` (Back-Channel
    /// Logout 1.0 §2.2, sessions required: each logout token carries `sid`). When a user's
    /// session ends at the provider (its end-session endpoint, or
    /// [`crate::DevIdp::end_user_session`]), a logout token for each of the user's logins at
    /// the client is posted there: by the loopback server ([`crate::serve`]), or by a test
    /// that takes it ([`crate::DevIdp::take_backchannel_deliveries`]). Only a loopback URI
    /// (`127.0.0.0/8`, `[::1]`, `localhost`) is delivered to; another is recorded as refused.
    /// Several calls register several URIs.
    #[must_use]
    pub fn with_backchannel_logout_uri(mut self, client_id: &str, uri: &str) -> Self {
        self.backchannel_logout_uris
            .push((client_id.to_owned(), uri.to_owned()));
        self
    }

    /// The back-channel logout URIs registered for `client_id`, in order.
    pub(crate) fn backchannel_logout_uris_of<'a>(
        &'a self,
        client_id: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.backchannel_logout_uris
            .iter()
            .filter(move |(client, _)| client == client_id)
            .map(|(_, uri)| uri.as_str())
    }

    /// Adds a client.
    #[must_use]
    pub fn with_client(mut self, client: RegisteredClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Issues access tokens that last `lifetime`, in whole seconds (a fraction is dropped):
    /// short ones let a test see the relying party refresh before they expire.
    #[must_use]
    pub fn with_access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Issues access tokens as JWTs for the API of `audience` (RFC 9068), as Auth0, Okta's
    /// custom authorization servers, Keycloak and Entra ID do for an API: what an app's
    /// `api_audience` verifies.
    #[must_use]
    pub fn with_jwt_access_tokens(mut self, audience: &str) -> Self {
        self.api_audience = Some(audience.to_owned());
        self
    }

    /// Approves every request at once.
    #[must_use]
    pub fn auto_approving(mut self) -> Self {
        self.auto_approve = true;
        self
    }

    /// The issuer the metadata announces: `issuer` without a trailing slash, as it appears
    /// in `iss`; with a persona, the persona's issuer exactly as the real provider writes it
    /// (Auth0's ends with `/`; Entra's multi-tenant one is a `{tenantid}` template, which each
    /// token's `iss` fills with its `tid`); the bare origin for [`Persona::GitHub`], which
    /// has no issuer.
    #[must_use]
    pub fn issuer_str(&self) -> String {
        match self.persona.map(Persona::shape) {
            None => self.issuer.as_str().trim_end_matches('/').to_owned(),
            Some(Some(shape)) => format!("{}{}", self.origin(), shape.issuer),
            Some(None) => self.origin(),
        }
    }

    /// The URL of the metadata document: `{issuer}/.well-known/openid-configuration`, or the
    /// persona's metadata path on the provider's origin. [`Persona::GitHub`] serves none:
    /// its URL is where one would be, and answers 404.
    #[must_use]
    pub fn metadata_url(&self) -> String {
        match self.persona {
            None => format!("{}/.well-known/openid-configuration", self.issuer_str()),
            Some(persona) => format!(
                "{}{}",
                self.origin(),
                persona
                    .metadata_path()
                    .unwrap_or("/.well-known/openid-configuration")
            ),
        }
    }

    /// The `iss` of `user`'s tokens: the issuer, with the user's `tid` put into Entra's
    /// tenant template.
    pub(crate) fn token_issuer(&self, user: &TestUser) -> String {
        let issuer = self.issuer_str();
        match user.claims.get("tid").and_then(Value::as_str) {
            Some(tid) if issuer.contains(TENANT_PLACEHOLDER) => {
                issuer.replace(TENANT_PLACEHOLDER, tid)
            }
            _ => issuer,
        }
    }

    /// The provider's origin, `scheme://host[:port]`: where a persona's paths are served.
    pub(crate) fn origin(&self) -> String {
        self.issuer.origin().ascii_serialization()
    }
}

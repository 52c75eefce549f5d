//! What the provider knows: its issuer, its clients, its test users.

use serde_json::{Map, Value, json};
use url::Url;

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

    /// The user's display name, for the login page.
    pub(crate) fn display_name(&self) -> &str {
        self.claims
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&self.sub)
    }
}

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
        }
    }

    /// Adds a client.
    #[must_use]
    pub fn with_client(mut self, client: RegisteredClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Approves every request at once.
    #[must_use]
    pub fn auto_approving(mut self) -> Self {
        self.auto_approve = true;
        self
    }

    /// The issuer as a string without a trailing slash, as it appears in `iss`.
    #[must_use]
    pub fn issuer_str(&self) -> String {
        self.issuer.as_str().trim_end_matches('/').to_owned()
    }
}

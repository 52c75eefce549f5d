//! JWT access tokens for an app's API (RFC 9068), issued by the token endpoint when the
//! configuration names an API audience, and by hand for tests of bearer verification.

use std::time::{Duration, SystemTime};

use super::DevIdp;
use crate::config::{RegisteredClient, TestUser};
use crate::misbehavior::Switches;
use crate::signing::{self, Issue};

impl DevIdp {
    /// A JWT access token for `audience`, for `user` through `client`, issued at `now` and
    /// lasting the configured access-token lifetime, as `switches` bend it.
    pub(super) fn jwt_access_token(
        &self,
        client: &RegisteredClient,
        user: &TestUser,
        audience: &str,
        now: SystemTime,
        switches: &Switches,
    ) -> String {
        let keys = self.signing_keys();
        let issue = Issue {
            issuer: self.config.token_issuer(user),
            shape: self.shape(),
            client,
            user,
            nonce: None,
            code: None,
            access_token: "",
            auth_time: now,
            now,
        };
        signing::access_token(
            &issue,
            audience,
            Duration::from_secs(self.config.access_token_lifetime.as_secs()),
            &keys,
            switches,
        )
    }

    /// A JWT access token for the configured API audience, as the token endpoint would issue
    /// it to the first client for the user `sub`, at `now`, bent by the misbehaviors that are
    /// on (the claim ones: a wrong `iss` or `aud`, expired, issued in the future, no `sub`;
    /// the signing ones: `alg: none`, HS256 keyed by the public key, ES256, a bad signature,
    /// no `kid`). `None` without an API audience, a client or that user.
    #[must_use]
    pub fn issue_access_token(&self, sub: &str, now: SystemTime) -> Option<String> {
        let audience = self.config.api_audience.as_deref()?;
        let client = self.config.clients.first()?;
        let user = self.config.users.iter().find(|user| user.sub == sub)?;
        let switches = Switches::new(self.state().misbehaviors.clone());
        Some(self.jwt_access_token(client, user, audience, now, &switches))
    }
}

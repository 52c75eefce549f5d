//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the logout token the provider
//! posts to a client's `backchannel_logout_uri` when a user's session ends at the provider.
//! In process, a test delivers it itself, as the provider's server would.

use std::time::SystemTime;

use super::DevIdp;
use crate::misbehavior::Switches;
use crate::signing::{self, Issue};

impl DevIdp {
    /// The logout token for the session `sid` of the user `sub` at the client `client_id`
    /// (`None` for `sid`: every session of the user), issued at `now`, bent by the
    /// misbehaviors that are on (the claim ones: a wrong `iss` or `aud`, expired, issued in
    /// the future; the signing ones: `alg: none`, HS256 keyed by the public key, a bad
    /// signature; the `LogoutToken…` ones). `None` for an unknown client or user.
    #[must_use]
    pub fn logout_token(
        &self,
        client_id: &str,
        sub: &str,
        sid: Option<&str>,
        now: SystemTime,
    ) -> Option<String> {
        let client = self
            .config
            .clients
            .iter()
            .find(|client| client.client_id == client_id)?;
        let user = self.config.users.iter().find(|user| user.sub == sub)?;
        let switches = Switches::new(self.state().misbehaviors.clone());
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
        tracing::info!(
            client = client_id,
            user = sub,
            "devidp issued a back-channel logout token"
        );
        Some(signing::logout_token(&issue, sid, &keys, &switches))
    }
}

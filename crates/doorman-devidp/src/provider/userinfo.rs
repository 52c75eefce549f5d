//! The userinfo endpoint: the claims of the access token's user (until the token expires),
//! less those a persona's userinfo leaves out, with `sub` as
//! [`crate::Misbehavior::UserinfoOtherSubject`] leaves it.

use std::time::SystemTime;

use http::StatusCode;
use serde_json::{Value, json};

use super::DevIdp;
use super::reply::{Reply, json_reply, oauth_error};
use crate::misbehavior::{Misbehavior, Switches};

impl DevIdp {
    pub(super) fn userinfo(
        &self,
        authorization: Option<&str>,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        let token = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or_default();
        let state = self.state();
        let Some(grant) = state.access_tokens.get(token) else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "unknown access token",
            );
        };
        if now >= grant.expires_at {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "expired access token",
            );
        }
        let mut claims = grant.user.claims.clone();
        if let Some(updates) = state.claim_updates.get(&grant.user.sub) {
            claims.extend(updates.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let sub = if switches.on(&Misbehavior::UserinfoOtherSubject) {
            "someone-else".to_owned()
        } else {
            grant.user.sub.clone()
        };
        drop(state);
        for omitted in self.shape().map_or(&[][..], |shape| shape.userinfo_omits) {
            claims.remove(*omitted);
        }
        claims.insert("sub".into(), json!(sub));
        tracing::info!("devidp served userinfo");
        json_reply(StatusCode::OK, &Value::Object(claims))
    }
}

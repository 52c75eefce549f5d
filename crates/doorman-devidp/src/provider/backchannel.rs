//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the logout token the provider
//! posts to a client's `backchannel_logout_uri` when a user's session ends at the provider.
//!
//! Ending a session ([`DevIdp::end_user_session`], or the end-session endpoint) stays
//! sans-IO: it queues one [`BackchannelDelivery`] per back-channel logout URI of the client
//! the session was at. The loopback server ([`crate::serve`]) posts them and records what the
//! app answered ([`DeliveryRecord`]); in process, a test takes them
//! ([`DevIdp::take_backchannel_deliveries`]) and posts them itself.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, Request, header};
use serde_json::{Map, Value};
use url::{Host, Url};

use super::DevIdp;
use crate::misbehavior::Switches;
use crate::signing::{self, Issue};

/// A logout token waiting to be posted to a client's back-channel logout URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackchannelDelivery {
    /// The client the token is for (its `aud`).
    pub client_id: String,
    /// Where it goes: a back-channel logout URI registered for the client, on loopback.
    pub uri: String,
    /// The signed logout token.
    pub logout_token: String,
}

impl BackchannelDelivery {
    /// The body of the `POST`: `logout_token=…`, form-encoded (Back-Channel Logout 1.0 §2.5).
    #[must_use]
    pub fn form_body(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("logout_token", &self.logout_token)
            .finish()
    }

    /// The request the provider's server sends: `POST {uri}`, `Content-Type:
    /// application/x-www-form-urlencoded`, [`BackchannelDelivery::form_body`].
    ///
    /// # Errors
    /// When `uri` is not a URI `http` takes.
    pub fn request(&self) -> Result<Request<Vec<u8>>, http::Error> {
        Request::builder()
            .method(Method::POST)
            .uri(self.uri.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(self.form_body().into_bytes())
    }

    /// The logout token's claims, as the provider signed them (bent by any misbehavior that
    /// was on); empty if its payload is not a JSON object (never, from this provider).
    #[must_use]
    pub fn claims(&self) -> Map<String, Value> {
        self.logout_token
            .split('.')
            .nth(1)
            .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default()
    }
}

/// What came of one logout token the provider meant to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The app answered: `200` once it ended the session, `400` with an OAuth error body
    /// (`{"error": "invalid_request", ...}`) when it refused the token.
    Answered {
        /// The status.
        status: u16,
        /// The body, as text.
        body: String,
    },
    /// Not sent: the URI is not a loopback URL, and the development provider reaches
    /// loopback only.
    NotLoopback,
    /// Sent, and no answer came (within the timeout, on either attempt): why the last
    /// attempt failed.
    Unanswered(String),
}

/// A logout token's delivery, as the provider recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The client the token was for.
    pub client_id: String,
    /// The back-channel logout URI it was meant for.
    pub uri: String,
    /// The token's claims ([`BackchannelDelivery::claims`]).
    pub claims: Map<String, Value>,
    /// How many times it was posted: 0 when refused, 2 after a retry.
    pub attempts: u8,
    /// What came of it.
    pub outcome: DeliveryOutcome,
}

impl DeliveryRecord {
    /// The app's answer's status, when it answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self.outcome {
            DeliveryOutcome::Answered { status, .. } => Some(status),
            DeliveryOutcome::NotLoopback | DeliveryOutcome::Unanswered(_) => None,
        }
    }
}

/// The logout tokens waiting to be delivered, and what came of those that were.
#[derive(Default)]
pub(super) struct Backchannel {
    pending: Vec<BackchannelDelivery>,
    records: Vec<DeliveryRecord>,
}

/// Whether `uri` is an `http` or `https` URL on loopback: a loopback address, or
/// `localhost`.
pub(crate) fn is_loopback_uri(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        }
}

/// Where `localhost` is delivered to, whatever the system's resolver says: loopback.
pub(crate) const LOCALHOST: [std::net::IpAddr; 2] = [
    std::net::IpAddr::V4(Ipv4Addr::LOCALHOST),
    std::net::IpAddr::V6(Ipv6Addr::LOCALHOST),
];

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

    /// Ends the user `sub`'s session `sid` at the provider (`None`: every session of the
    /// user), as a logout at the provider does, at `now`: for each of those logins, a logout
    /// token (with its `sid` and `sub`, bent by the misbehaviors that are on) is queued for
    /// every back-channel logout URI of the client it was at. A URI that is not on loopback
    /// is recorded as refused instead ([`DeliveryOutcome::NotLoopback`]). Returns how many
    /// tokens were queued; a session already ended, or a client with no such URI, queues none.
    ///
    /// The loopback server delivers what is queued; in process, take it with
    /// [`DevIdp::take_backchannel_deliveries`].
    pub fn end_user_session(&self, sub: &str, sid: Option<&str>, now: SystemTime) -> usize {
        let ended: Vec<(String, String)> = {
            let mut state = self.state();
            let sids: Vec<String> = state
                .sessions
                .iter()
                .filter(|(session, login)| {
                    login.user.sub == sub && sid.is_none_or(|sid| sid == session.as_str())
                })
                .map(|(session, _)| session.clone())
                .collect();
            sids.into_iter()
                .filter_map(|session| {
                    let login = state.sessions.remove(&session)?;
                    Some((session, login.client_id))
                })
                .collect()
        };
        tracing::info!(
            user = sub,
            sessions = ended.len(),
            "devidp ended a user's session"
        );
        let mut queued = Vec::new();
        let mut refused = Vec::new();
        for (session, client_id) in &ended {
            for uri in self.config.backchannel_logout_uris_of(client_id) {
                let Some(logout_token) = self.logout_token(client_id, sub, Some(session), now)
                else {
                    continue;
                };
                let delivery = BackchannelDelivery {
                    client_id: client_id.clone(),
                    uri: uri.to_owned(),
                    logout_token,
                };
                if is_loopback_uri(uri) {
                    queued.push(delivery);
                } else {
                    tracing::warn!(
                        client = %client_id,
                        uri,
                        "devidp delivers back-channel logout tokens to loopback only: not sent"
                    );
                    refused.push(record(&delivery, 0, DeliveryOutcome::NotLoopback));
                }
            }
        }
        let count = queued.len();
        {
            let mut state = self.state();
            state.backchannel.pending.extend(queued);
            state.backchannel.records.extend(refused);
        }
        if count > 0 {
            self.backchannel_queued.notify_one();
        }
        count
    }

    /// Takes the logout tokens waiting to be delivered: a test in process posts them itself.
    /// When the provider is served ([`crate::serve`]), its server takes and posts them.
    #[must_use]
    pub fn take_backchannel_deliveries(&self) -> Vec<BackchannelDelivery> {
        std::mem::take(&mut self.state().backchannel.pending)
    }

    /// What came of each logout token the provider delivered, or refused to deliver, so far:
    /// in the order they ended.
    #[must_use]
    pub fn backchannel_deliveries(&self) -> Vec<DeliveryRecord> {
        self.state().backchannel.records.clone()
    }

    /// Records what came of `delivery`, posted `attempts` times.
    pub(crate) fn record_delivery(
        &self,
        delivery: &BackchannelDelivery,
        attempts: u8,
        outcome: DeliveryOutcome,
    ) {
        let record = record(delivery, attempts, outcome);
        self.state().backchannel.records.push(record);
    }

    /// Waits until a logout token is queued (at once if one was queued since the last wait).
    pub(crate) async fn backchannel_queued(&self) {
        self.backchannel_queued.notified().await;
    }
}

/// The record of `delivery`.
fn record(
    delivery: &BackchannelDelivery,
    attempts: u8,
    outcome: DeliveryOutcome,
) -> DeliveryRecord {
    DeliveryRecord {
        client_id: delivery.client_id.clone(),
        uri: delivery.uri.clone(),
        claims: delivery.claims(),
        attempts,
        outcome,
    }
}

//! The refresh-token grant, as Auth0 and Okta answer it: a login's refresh tokens form a
//! family (issued only when its scope asked for `offline_access`); each token is single-use,
//! rotated on every refresh; presenting a spent one again revokes its whole family. The
//! `Refresh…` misbehaviors that refuse a refresh are applied here, those that bend its answer
//! in `token`.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use http::StatusCode;

use super::reply::{Reply, oauth_error, reply};
use super::token::Redeemed;
use super::{DevIdp, Login};
use crate::config::RegisteredClient;
use crate::misbehavior::{Misbehavior, Switches};

/// The refresh tokens of one login, numbered from 0 in the order of the logins that asked
/// for `offline_access`.
pub(super) type Family = u64;

/// A live refresh token: the login it refreshes, and its family.
struct RefreshGrant {
    login: Login,
    family: Family,
}

/// Why a refresh token was refused.
enum Refused {
    /// Never issued (or issued by another provider).
    Unknown,
    /// Issued to another client; it stays valid.
    OtherClient,
    /// Already used, or revoked with its family: the family is revoked (again); `revoked`
    /// live tokens went with it now.
    Spent { family: Family, revoked: usize },
}

/// Every refresh token the provider issued: the live ones, the spent ones (used or revoked)
/// and their families, and how many grants succeeded.
#[derive(Default)]
pub(super) struct RefreshTokens {
    live: HashMap<String, RefreshGrant>,
    spent: HashMap<String, Family>,
    revoked: HashSet<Family>,
    families: Family,
    grants: usize,
}

impl RefreshTokens {
    /// A family for a new login's refresh tokens.
    pub(super) fn new_family(&mut self) -> Family {
        self.families += 1;
        self.families - 1
    }

    /// Makes `token` a live refresh token of `family`, for `login`.
    pub(super) fn insert(&mut self, token: String, login: Login, family: Family) {
        self.live.insert(token, RefreshGrant { login, family });
    }

    /// The login `token` refreshes, when `client_id` may use it; with `rotate`, the token is
    /// spent. A spent token revokes its family.
    fn redeem(
        &mut self,
        token: &str,
        client_id: &str,
        rotate: bool,
    ) -> Result<(Login, Family), Refused> {
        if let Some(&family) = self.spent.get(token) {
            let revoked = self.revoke(family);
            return Err(Refused::Spent { family, revoked });
        }
        let grant = self.live.get(token).ok_or(Refused::Unknown)?;
        if grant.login.client_id != client_id {
            return Err(Refused::OtherClient);
        }
        let (login, family) = (grant.login.clone(), grant.family);
        if rotate {
            self.live.remove(token);
            self.spent.insert(token.to_owned(), family);
        }
        self.grants += 1;
        Ok((login, family))
    }

    /// Spends every live token of `family`; how many there were.
    fn revoke(&mut self, family: Family) -> usize {
        self.revoked.insert(family);
        let mut revoked = Vec::new();
        self.live.retain(|token, grant| {
            let keep = grant.family != family;
            if !keep {
                revoked.push(token.clone());
            }
            keep
        });
        let count = revoked.len();
        self.spent
            .extend(revoked.into_iter().map(|token| (token, family)));
        count
    }

    /// How many refresh-token grants succeeded.
    pub(super) fn grants(&self) -> usize {
        self.grants
    }

    /// How many families were revoked.
    pub(super) fn revoked_families(&self) -> usize {
        self.revoked.len()
    }
}

impl DevIdp {
    /// The refresh-token grant of `token`, for the authenticated `client`.
    pub(super) fn refresh(
        &self,
        client: &RegisteredClient,
        token: &str,
        now: SystemTime,
        switches: &Switches,
    ) -> Reply {
        let client_id = client.client_id.as_str();
        if switches.on(&Misbehavior::RefreshServerError) {
            tracing::info!(client = client_id, "devidp fails a refresh on purpose");
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "failing on purpose",
            );
        }
        if switches.on(&Misbehavior::RefreshInvalidGrant) {
            tracing::info!(client = client_id, "devidp refuses a refresh on purpose");
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "refused on purpose",
            );
        }
        if switches.on(&Misbehavior::RefreshGarbage) {
            tracing::info!(
                client = client_id,
                "devidp answers a refresh with garbage on purpose"
            );
            return reply(
                StatusCode::OK,
                "text/html",
                "<html>not a token response</html>",
            );
        }
        let rotate = !switches.on(&Misbehavior::RefreshWithoutNewRefreshToken);
        let redeemed = self.state().refresh_tokens.redeem(token, client_id, rotate);
        match redeemed {
            Ok((login, family)) => {
                tracing::info!(client = client_id, user = %login.user.sub, family, rotate, "devidp refreshed tokens");
                self.issue_tokens(client, &login, &Redeemed::Refresh { family }, now, switches)
            }
            Err(Refused::Unknown) => {
                tracing::info!(
                    client = client_id,
                    "devidp refused an unknown refresh token"
                );
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown refresh token",
                )
            }
            Err(Refused::OtherClient) => {
                tracing::info!(
                    client = client_id,
                    "devidp refused a refresh token issued to another client"
                );
                oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "client mismatch")
            }
            Err(Refused::Spent { family, revoked }) => {
                tracing::info!(
                    client = client_id,
                    family,
                    revoked,
                    "devidp refused a refresh token already used or revoked, and revoked its login's refresh tokens"
                );
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "refresh token already used or revoked: every refresh token of this login is revoked",
                )
            }
        }
    }
}

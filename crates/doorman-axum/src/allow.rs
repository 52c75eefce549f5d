//! Who may log in: a provider's allow-lists (`allowed_emails`, `allowed_domains`,
//! `allowed_groups`), applied to a login's claims at the callback and to a bearer token's,
//! and a user's groups read at the configured `groups_claim` path.
//!
//! # Rules
//! - With `allowed_emails` or `allowed_domains`, the `email` claim must be listed, or be at a
//!   listed domain (exactly: a subdomain is another domain); either list passes it. An address
//!   the provider marks unverified (`email_verified` false, as a boolean or Apple's string)
//!   never passes. Only ASCII letters compare without case, so no Unicode case mapping
//!   makes one address pass for another.
//! - With `allowed_groups`, one of the user's groups must be listed, as the provider writes it;
//!   with email lists too, both must pass.
//! - Groups are the string, or the strings of the list, at the `groups_claim` path: a claim
//!   name (matched whole first, for names holding dots such as Auth0's
//!   `https://example.com/roles`), or a dotted path into nested objects (`realm_access.roles`).
//!   Entra's groups overage (`_claim_names` naming the claim instead of the claim, or
//!   `hasgroups`) is told apart from "in no group": the provider did not list the groups.

use serde_json::{Map, Value};

use crate::auth::Auth;
use crate::error::LoginFailure;
use crate::logging::escaped;
use doorman_secrets::Provider;
use doorman_user::Session;

/// One provider's allow-lists and where its users' groups are.
#[derive(Clone, Debug)]
pub(crate) struct AccessRules {
    /// Addresses, ASCII letters lowercased.
    emails: Vec<String>,
    /// Domains, ASCII letters lowercased.
    domains: Vec<String>,
    groups: Vec<String>,
    /// The path of the groups claim.
    pub(crate) groups_claim: String,
}

/// Why a user's claims did not pass a provider's allow-lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The address is not listed, not at a listed domain, unverified, or missing.
    Email,
    /// The user is in none of the listed groups.
    Groups,
    /// The provider did not list the user's groups (Entra's overage).
    GroupsOverage,
}

impl Refusal {
    /// The rule, as the log names it.
    fn rule(self) -> &'static str {
        match self {
            Self::Email => "allowed_emails/allowed_domains",
            Self::Groups => "allowed_groups",
            Self::GroupsOverage => {
                "allowed_groups (groups overage: the provider did not list the groups)"
            }
        }
    }

    /// What the app is shown for a login with `provider` refused so.
    pub(crate) fn failure(self, provider: &str) -> LoginFailure {
        let provider = provider.to_owned();
        match self {
            Self::Email | Self::Groups => LoginFailure::NotAllowed { provider },
            Self::GroupsOverage => LoginFailure::GroupsOverage { provider },
        }
    }
}

/// A user's groups as the claims hold them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Groups<'c> {
    /// The strings at the path (a lone string is one group).
    Listed(Vec<&'c str>),
    /// The provider named a source for the claim instead of listing it (Entra's overage).
    Overage,
    /// Nothing at the path.
    Missing,
}

impl AccessRules {
    /// The rules of `provider`'s configuration.
    pub(crate) fn of(provider: &Provider) -> Self {
        Self {
            emails: provider.allowed_emails().value().clone(),
            domains: provider.allowed_domains().value().clone(),
            groups: provider.allowed_groups().value().clone(),
            groups_claim: provider.groups_claim().value().clone(),
        }
    }

    /// Whether `claims` pass every list that is set.
    pub(crate) fn check(&self, claims: &Map<String, Value>) -> Result<(), Refusal> {
        let email_rules = !self.emails.is_empty() || !self.domains.is_empty();
        if email_rules && !self.email_passes(claims) {
            return Err(Refusal::Email);
        }
        if self.groups.is_empty() {
            return Ok(());
        }
        match groups(claims, &self.groups_claim) {
            Groups::Listed(listed) if listed.iter().any(|g| self.groups.iter().any(|a| a == g)) => {
                Ok(())
            }
            Groups::Overage => Err(Refusal::GroupsOverage),
            Groups::Listed(_) | Groups::Missing => Err(Refusal::Groups),
        }
    }

    fn email_passes(&self, claims: &Map<String, Value>) -> bool {
        let Some(email) = claims.get("email").and_then(Value::as_str) else {
            return false;
        };
        if email_verified(claims) == Some(false) {
            return false;
        }
        let email = email.to_ascii_lowercase();
        let domain = email.rsplit_once('@').map(|(_, domain)| domain);
        self.emails.contains(&email) || domain.is_some_and(|d| self.domains.iter().any(|a| a == d))
    }
}

/// `email_verified`, a boolean or (Apple) the string `"true"`/`"false"`; `None` otherwise.
fn email_verified(claims: &Map<String, Value>) -> Option<bool> {
    match claims.get("email_verified")? {
        Value::Bool(verified) => Some(*verified),
        Value::String(text) => match text.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The user's groups at `path` in `claims`.
pub(crate) fn groups<'c>(claims: &'c Map<String, Value>, path: &str) -> Groups<'c> {
    match at_path(claims, path) {
        Some(Value::String(one)) => Groups::Listed(vec![one.as_str()]),
        Some(Value::Array(items)) => {
            Groups::Listed(items.iter().filter_map(Value::as_str).collect())
        }
        Some(_) | None if is_overage(claims, path) => Groups::Overage,
        Some(_) | None => Groups::Missing,
    }
}

/// The value at `path`: the whole path as a claim name first, then each split at a `.` (the
/// longest head first) into a nested object.
fn at_path<'c>(claims: &'c Map<String, Value>, path: &str) -> Option<&'c Value> {
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    path.rmatch_indices('.')
        .find_map(|(at, _)| match claims.get(&path[..at]) {
            Some(Value::Object(inner)) => at_path(inner, &path[at + 1..]),
            _ => None,
        })
}

/// Whether the provider left the groups out for too many (Entra: `_claim_names` naming the
/// claim, or `hasgroups: true` in the implicit flow).
fn is_overage(claims: &Map<String, Value>, path: &str) -> bool {
    let named = claims
        .get("_claim_names")
        .and_then(Value::as_object)
        .is_some_and(|names| names.contains_key(path));
    named || claims.get("hasgroups").and_then(Value::as_bool) == Some(true)
}

impl Auth {
    /// Whether the login `session` passes its provider's allow-lists; logged at info level when
    /// not, with the user's `sub` and the rule, never the address.
    pub(crate) fn admit(&self, session: &Session) -> Result<(), LoginFailure> {
        let Some(provider) = self.provider(session.provider()) else {
            return Err(LoginFailure::UnknownOrExpiredLogin);
        };
        provider
            .policy
            .access
            .check(session.claims())
            .map_err(|refusal| {
                let sub = session
                    .claims()
                    .get("sub")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                tracing::info!(
                    outcome = "not allowed",
                    rule = refusal.rule(),
                    sub = %escaped(&sub),
                    "refused by the allow-lists"
                );
                refusal.failure(&provider.name)
            })
    }

    /// The groups claim path of the provider called `name` (the default path for one no longer
    /// configured).
    pub(crate) fn groups_claim(&self, name: &str) -> &str {
        self.provider(name)
            .map_or(doorman_secrets::DEFAULT_GROUPS_CLAIM, |provider| {
                provider.policy.access.groups_claim.as_str()
            })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn paths_find_names_with_dots_whole_and_nested_objects_step_by_step() {
        let keycloak = claims(json!({"realm_access": {"roles": ["admin", "user"]}}));
        assert_eq!(
            groups(&keycloak, "realm_access.roles"),
            Groups::Listed(vec!["admin", "user"])
        );
        let auth0 = claims(json!({"https://example.com/roles": ["editor"]}));
        assert_eq!(
            groups(&auth0, "https://example.com/roles"),
            Groups::Listed(vec!["editor"])
        );
        let client_roles = claims(json!({"resource_access": {"live-key2": {"roles": ["A"]}}}));
        assert_eq!(
            groups(&client_roles, "resource_access.live-key2.roles"),
            Groups::Listed(vec!["A"])
        );
        let one = claims(json!({"role": "admin", "n": 3, "o": {"x": 1}}));
        assert_eq!(groups(&one, "role"), Groups::Listed(vec!["admin"]));
        assert_eq!(groups(&one, "n"), Groups::Missing);
        assert_eq!(groups(&one, "o.y"), Groups::Missing);
        assert_eq!(groups(&one, "role.x"), Groups::Missing);
    }

    #[test]
    fn the_overage_is_no_empty_list() {
        let overage = claims(json!({"_claim_names": {"groups": "src1"}}));
        assert_eq!(groups(&overage, "groups"), Groups::Overage);
        assert_eq!(groups(&overage, "roles"), Groups::Missing);
        let implicit = claims(json!({"hasgroups": true}));
        assert_eq!(groups(&implicit, "groups"), Groups::Overage);
    }
}

//! [`Identity`] and [`Tokens`]: read-only views of the session, Streamlit's `st.user`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::error::UserError;
use crate::session::Session;

/// Who the current user is: logged in with a session, or anonymous. Read-only.
///
/// In an axum app, `doorman::User` (the extractor) dereferences to it.
///
/// Missing claims give `None`, never a panic. Cheap to clone: the session is shared.
#[derive(Clone, Default, PartialEq)]
pub struct Identity {
    session: Option<Arc<Session>>,
}

impl Identity {
    /// The user who is not logged in.
    #[must_use]
    pub fn anonymous() -> Self {
        Self { session: None }
    }

    /// The user of a session opened from the identity cookie (a `Session`, or one already
    /// shared in an `Arc`).
    #[must_use]
    pub fn logged_in(session: impl Into<Arc<Session>>) -> Self {
        Self {
            session: Some(session.into()),
        }
    }

    /// Reads a session payload (the opened identity cookie) into a logged-in user.
    ///
    /// # Errors
    /// As [`Session::from_bytes`].
    pub fn from_payload(payload: &[u8]) -> Result<Self, UserError> {
        Session::from_bytes(payload).map(Self::logged_in)
    }

    /// `st.user.is_logged_in`.
    #[must_use]
    pub fn is_logged_in(&self) -> bool {
        self.session.is_some()
    }

    /// The session, when logged in.
    #[must_use]
    pub fn session(&self) -> Option<&Session> {
        self.session.as_deref()
    }

    /// The provider the user logged in with (`st.user.provider`).
    #[must_use]
    pub fn provider(&self) -> Option<&str> {
        self.session.as_deref().map(Session::provider)
    }

    /// The claim `name`, as JSON (`st.user["name"]`).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.session.as_ref()?.claims().get(name)
    }

    /// The claim `name` deserialized as `T`, such as `Vec<String>` for `groups`.
    ///
    /// # Errors
    /// [`UserError::ClaimType`] when the claim exists with another shape.
    pub fn claim<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, UserError> {
        self.get(name)
            .map(|value| {
                T::deserialize(value).map_err(|source| UserError::ClaimType {
                    claim: name.to_owned(),
                    source,
                })
            })
            .transpose()
    }

    fn str_claim(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_str()
    }

    /// `sub`: the provider's stable identifier of the user.
    #[must_use]
    pub fn sub(&self) -> Option<&str> {
        self.str_claim("sub")
    }

    /// `email`.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.str_claim("email")
    }

    /// `email_verified`, also when a provider sends it as the string `"true"`/`"false"`.
    #[must_use]
    pub fn email_verified(&self) -> Option<bool> {
        match self.get("email_verified")? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// `updated_at`: when the profile last changed, from seconds since the epoch or, as
    /// Auth0 sends it, an ISO-8601 (RFC 3339) string.
    #[must_use]
    pub fn updated_at(&self) -> Option<SystemTime> {
        match self.get("updated_at")? {
            Value::Number(n) => {
                let seconds = n.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
                UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(seconds).ok()?)
            }
            Value::String(s) => {
                let at =
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()?;
                let nanos = u64::try_from(at.unix_timestamp_nanos()).ok()?;
                UNIX_EPOCH.checked_add(Duration::from_nanos(nanos))
            }
            _ => None,
        }
    }

    /// `name`: the full name.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.str_claim("name")
    }

    /// `given_name`.
    #[must_use]
    pub fn given_name(&self) -> Option<&str> {
        self.str_claim("given_name")
    }

    /// `family_name`.
    #[must_use]
    pub fn family_name(&self) -> Option<&str> {
        self.str_claim("family_name")
    }

    /// `picture`: a URL of the user's picture.
    #[must_use]
    pub fn picture(&self) -> Option<&str> {
        self.str_claim("picture")
    }

    /// `preferred_username`.
    #[must_use]
    pub fn preferred_username(&self) -> Option<&str> {
        self.str_claim("preferred_username")
    }

    /// `locale`.
    #[must_use]
    pub fn locale(&self) -> Option<&str> {
        self.str_claim("locale")
    }

    /// `iss`: the provider's issuer identifier.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.str_claim("iss")
    }

    /// Every claim, in the order the session holds them.
    pub fn claims(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.session
            .iter()
            .flat_map(|s| s.claims().iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// The exposed tokens (`st.user.tokens`): empty when anonymous or none is exposed.
    #[must_use]
    pub fn tokens(&self) -> Tokens<'_> {
        let session = self.session.as_deref();
        let tokens = session.map(Session::tokens);
        Tokens {
            id: tokens.and_then(|t| t.id.as_deref()),
            access: tokens.and_then(|t| t.access.as_deref()),
            expires_at: session.and_then(Session::access_expires_at_seconds),
        }
    }

    /// When the user logged in.
    #[must_use]
    pub fn login_at(&self) -> Option<SystemTime> {
        self.session.as_deref().map(Session::login_at)
    }

    /// `st.user.to_dict()`: `is_logged_in`, every claim, `provider` and `tokens` (with the
    /// exposed token values). Anonymous: `{"is_logged_in": false}`.
    ///
    /// `is_logged_in`, `provider` and `tokens` win over claims of the same name, as in Streamlit.
    #[must_use]
    pub fn to_dict(&self) -> Map<String, Value> {
        let Some(session) = &self.session else {
            let mut dict = Map::new();
            dict.insert("is_logged_in".to_owned(), Value::Bool(false));
            return dict;
        };
        // A clone of the whole map copies its tree as is, faster than inserting one by one.
        let mut dict = session.claims().clone();
        dict.insert("is_logged_in".to_owned(), Value::Bool(true));
        dict.insert(
            "provider".to_owned(),
            Value::String(session.provider().to_owned()),
        );
        dict.insert("tokens".to_owned(), Value::Object(self.tokens().to_dict()));
        dict
    }
}

/// `Serialize` writes the keys of [`Identity::to_dict`] with token values replaced by `REDACTED`.
impl Serialize for Identity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(session) = &self.session {
            for (key, value) in session.claims() {
                if !matches!(key.as_str(), "is_logged_in" | "provider" | "tokens") {
                    map.serialize_entry(key, value)?;
                }
            }
            map.serialize_entry("is_logged_in", &true)?;
            map.serialize_entry("provider", session.provider())?;
            map.serialize_entry("tokens", &self.tokens())?;
        } else {
            map.serialize_entry("is_logged_in", &false)?;
        }
        map.end()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.session {
            None => f.write_str("Identity(anonymous)"),
            Some(session) => f
                .debug_struct("Identity")
                .field("provider", &session.provider())
                .field("claims", session.claims())
                .field("tokens", &self.tokens())
                .finish(),
        }
    }
}

/// The exposed tokens (`st.user.tokens`): read-only; `Debug` and `Serialize` redact values.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens<'a> {
    id: Option<&'a str>,
    access: Option<&'a str>,
    /// In Unix seconds, as the session keeps it.
    expires_at: Option<u64>,
}

impl<'a> Tokens<'a> {
    /// The ID token (`st.user.tokens["id"]`), when exposed.
    #[must_use]
    pub fn id(&self) -> Option<&'a str> {
        self.id
    }

    /// The access token (`st.user.tokens["access"]`), when exposed.
    #[must_use]
    pub fn access(&self) -> Option<&'a str> {
        self.access
    }

    /// Whether no token is exposed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.access.is_none()
    }

    /// When the access token expires, when the provider said (`expires_in`, or the token's
    /// own `exp`). A session that refreshes gets a later one after each refresh.
    #[must_use]
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
            .map(|seconds| UNIX_EPOCH + Duration::from_secs(seconds))
    }

    /// Whether the access token has expired at `now` (its refresh failed or is not possible):
    /// an API would refuse it. `false` when its expiry is unknown.
    #[must_use]
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at().is_some_and(|expiry| now >= expiry)
    }

    /// `st.user.tokens.to_dict()`: `id` and `access`, with values, for those exposed, and
    /// with the access token its `expires_at` (Unix seconds), when known.
    #[must_use]
    pub fn to_dict(&self) -> Map<String, Value> {
        let mut dict: Map<String, Value> = [("id", self.id), ("access", self.access)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), Value::String(v?.to_owned()))))
            .collect();
        if let Some(seconds) = self.exposed_expiry() {
            dict.insert("expires_at".to_owned(), Value::from(seconds));
        }
        dict
    }

    /// The access token's expiry in Unix seconds, shown only with the access token.
    fn exposed_expiry(&self) -> Option<u64> {
        self.access.and(self.expires_at)
    }
}

impl Serialize for Tokens<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in [("id", self.id), ("access", self.access)] {
            if value.is_some() {
                map.serialize_entry(key, "REDACTED")?;
            }
        }
        if let Some(seconds) = self.exposed_expiry() {
            map.serialize_entry("expires_at", &seconds)?;
        }
        map.end()
    }
}

impl fmt::Debug for Tokens<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("id", &self.id.map(|_| "REDACTED"))
            .field("access", &self.access.map(|_| "REDACTED"))
            .field("expires_at", &self.expires_at())
            .finish()
    }
}

//! The provider's signing keys: the JWKS request and [`KeySet`], which remembers when it was
//! fetched so an unknown `kid` triggers at most one refresh per login.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Request, Response};
use openidconnect::JsonWebKeySet;

use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::http_util;
use crate::jwk::ProviderKey;

/// Keys fetched longer ago than this may be refreshed on an unknown `kid`, whenever the
/// login began.
pub const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The request for the provider's JWKS.
#[must_use]
pub fn jwks_request(metadata: &ProviderMetadata) -> Request<Vec<u8>> {
    http_util::get_json(&metadata.jwks_uri)
}

/// A provider's JSON Web Key Set and when it was fetched. Keys doorman cannot use (unknown
/// `kty`, encryption keys, malformed entries) are skipped, as RFC 7517 §5 asks.
#[derive(Clone, Debug)]
pub struct KeySet {
    pub(crate) keys: JsonWebKeySet<ProviderKey>,
    pub(crate) fetched_at: SystemTime,
}

impl KeySet {
    /// Reads a JWKS response fetched at `now`.
    ///
    /// # Errors
    /// [`Error::HttpStatus`] or [`Error::InvalidJson`].
    pub fn from_response(response: &Response<Vec<u8>>, now: SystemTime) -> Result<Self, Error> {
        let keys: JsonWebKeySet<ProviderKey> = http_util::json_body("jwks", response)?;
        Ok(Self {
            keys,
            fetched_at: now,
        })
    }

    /// When the set was fetched.
    #[must_use]
    pub fn fetched_at(&self) -> SystemTime {
        self.fetched_at
    }

    /// How many usable keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.keys().len()
    }

    /// Whether the set holds no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.keys().is_empty()
    }

    /// Whether an unknown `kid` in a login begun at `login_started` justifies a refresh:
    /// the set was fetched no later than the second the login began, or is older than
    /// [`KEY_REFRESH_INTERVAL`].
    #[must_use]
    pub fn may_refresh(&self, login_started: SystemTime, now: SystemTime) -> bool {
        // A login's start is kept in whole seconds: keys fetched within that second may
        // predate it too.
        let seconds = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        seconds(self.fetched_at) <= seconds(login_started)
            || now
                .duration_since(self.fetched_at)
                .is_ok_and(|age| age >= KEY_REFRESH_INTERVAL)
    }
}

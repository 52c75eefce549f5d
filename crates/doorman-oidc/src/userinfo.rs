//! Userinfo: a bearer-authenticated request, and a response whose `sub` must be the ID token's.

use http::{Request, Response};
use serde_json::{Map, Value};

use crate::discovery::ProviderMetadata;
use crate::error::Error;
use crate::http_util;
use crate::verify::VerifiedLogin;

/// The userinfo request, the access token in the `Authorization` header (never the query).
/// `None` when the provider has no userinfo endpoint.
#[must_use]
pub fn userinfo_request(
    metadata: &ProviderMetadata,
    login: &VerifiedLogin,
) -> Option<Request<Vec<u8>>> {
    let endpoint = metadata.userinfo_endpoint.as_ref()?;
    let mut request = http_util::get_json(endpoint);
    let mut value =
        http::HeaderValue::from_str(&format!("Bearer {}", login.access_token())).ok()?;
    value.set_sensitive(true);
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, value);
    Some(request)
}

impl VerifiedLogin {
    /// Adds the userinfo claims the ID token does not have, after checking that userinfo's
    /// `sub` is the ID token's. ID-token claims are never overwritten.
    ///
    /// # Errors
    /// [`Error::UserinfoSubjectMismatch`], [`Error::HttpStatus`], [`Error::InvalidJson`].
    pub fn with_userinfo(mut self, response: &Response<Vec<u8>>) -> Result<Self, Error> {
        let claims: Map<String, Value> = http_util::json_body("userinfo", response)?;
        if claims.get("sub").and_then(Value::as_str) != Some(self.subject()) {
            return Err(Error::UserinfoSubjectMismatch);
        }
        let merged = self.claims_mut();
        for (key, value) in claims {
            merged.entry(key).or_insert(value);
        }
        Ok(self)
    }
}

//! What the provider publishes about itself: the discovery document (its own, or a
//! persona's; back-channel logout advertised once a client registered a URI for it) and the
//! JWKS, each bent by the misbehaviors that break them.

use http::StatusCode;
use serde_json::{Value, json};

use super::DevIdp;
use super::client_auth::AUTH_METHODS;
use super::reply::{Reply, json_reply};
use crate::keys::{SigningKey, short_rsa_test_key};
use crate::misbehavior::{Misbehavior, Switches};
use crate::signing::pss_jwk;

impl DevIdp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.issuer_str())
    }

    /// The development provider's own metadata.
    fn own_discovery(&self) -> Value {
        json!({
            "issuer": self.config.issuer_str(),
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "userinfo_endpoint": self.url("/userinfo"),
            "jwks_uri": self.url("/jwks"),
            "end_session_endpoint": self.url("/end_session"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256", "HS256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": ["sub", "name", "given_name", "family_name", "email", "email_verified"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "grant_types_supported": ["authorization_code", "refresh_token"],
        })
    }

    pub(super) fn discovery(&self, switches: &Switches) -> Reply {
        let mut doc = match self.config.persona {
            None => self.own_discovery(),
            Some(persona) => persona.discovery(&self.config.origin()),
        };
        if let Value::Object(map) = &mut doc {
            // Back-Channel Logout 1.0 §2.1, once a client registered a URI (sessions
            // required: each token carries `sid`).
            if !self.config.backchannel_logout_uris.is_empty() {
                map.insert("backchannel_logout_supported".into(), json!(true));
                map.insert("backchannel_logout_session_supported".into(), json!(true));
            }
            if switches.on(&Misbehavior::DiscoveryIssuerMismatch) {
                let issuer = self.config.issuer_str();
                map.insert(
                    "issuer".into(),
                    json!(format!("{}/other", issuer.trim_end_matches('/'))),
                );
            }
            if switches.on(&Misbehavior::UnadvertisedAlgorithm) {
                map.insert(
                    "id_token_signing_alg_values_supported".into(),
                    json!(["RS256"]),
                );
            }
            if switches.on(&Misbehavior::PkceNotAdvertised) {
                map.remove("code_challenge_methods_supported");
            }
            if switches.on(&Misbehavior::PkcePlainOnly) {
                map.insert("code_challenge_methods_supported".into(), json!(["plain"]));
            }
            if switches.on(&Misbehavior::IssParameterNotAdvertised) {
                map.remove("authorization_response_iss_parameter_supported");
            }
        }
        tracing::info!("devidp served discovery");
        json_reply(StatusCode::OK, &doc)
    }

    pub(super) fn jwks(&self, switches: &Switches) -> Reply {
        let on = |m: &Misbehavior| switches.on(m);
        let state = self.state();
        let active = &state.keys[state.active];
        let origin = self.config.origin();
        let shape = self.shape();
        // A signing key's public JWK, as the persona (if any) lists its keys.
        let public = |key: &SigningKey, with_kid: bool| match shape {
            None => key.public_jwk(with_kid),
            Some(shape) => shape.keys.signing(key.public_jwk(with_kid), &origin),
        };
        let mut keys: Vec<Value> = if on(&Misbehavior::ShortRsaKey) {
            vec![public(&short_rsa_test_key(), true)]
        } else if on(&Misbehavior::KidAbsentSingleKey) {
            vec![public(active, false)]
        } else if on(&Misbehavior::KidAbsentMultipleKeys) {
            state.keys.iter().map(|k| public(k, false)).collect()
        } else if let Some(shape) = shape {
            let mut keys = vec![public(active, true)];
            let next = (state.active + 1) % state.keys.len().max(1);
            if let Some(next) = state.keys.get(next) {
                keys.extend(shape.keys.beside(next.public_jwk(true), &origin));
            }
            // A persona lists an EC key only to sign with it on purpose.
            if on(&Misbehavior::SignEs256) || on(&Misbehavior::UnadvertisedAlgorithm) {
                keys.push(public(&state.ec, true));
            }
            keys
        } else {
            vec![active.public_jwk(true), state.ec.public_jwk(true)]
        };
        if on(&Misbehavior::SignPs256) {
            keys.push(pss_jwk(public(active, true)));
        }
        drop(state);
        if on(&Misbehavior::UnparseableKeyInJwks) {
            keys.insert(
                0,
                json!({"kty": "AKP", "kid": "pq-1", "alg": "ML-DSA-44", "pub": "AAAA"}),
            );
            keys.insert(
                1,
                json!({"kty": "RSA", "kid": "broken", "n": 42, "e": "AQAB"}),
            );
            keys.push(
                json!({"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"}),
            );
        }
        tracing::info!(keys = keys.len(), "devidp served its JWKS");
        json_reply(StatusCode::OK, &json!({ "keys": keys }))
    }
}

//! `doorman-user` holds the session payload that is sealed into the identity cookie, and
//! the read-only views an app reads it through: [`Identity`] (Streamlit's `st.user`) and
//! [`Tokens`] (`st.user.tokens`).
//!
//! ```text
//!   verified login ──► Session::new ──► to_bytes ──► (doorman-seal) ──► cookie
//!   cookie ──► (doorman-seal) ──► Identity::from_payload ──► is_logged_in, email(), claim::<T>(), to_dict()
//! ```
//!
//! ```
//! use doorman_user::{ExposedTokens, Identity, Session};
//! use serde_json::json;
//! use std::time::{Duration, SystemTime};
//!
//! let now = SystemTime::now();
//! let claims = json!({"sub": "42", "email": "ada@example.com", "groups": ["admins"]});
//! let session = Session::new("google", claims.as_object().unwrap().clone(),
//!     ExposedTokens::default(), now, now + Duration::from_secs(3600), None);
//! let user = Identity::from_payload(&session.to_bytes()?)?;
//! assert!(user.is_logged_in());
//! assert_eq!(user.email(), Some("ada@example.com"));
//! assert_eq!(user.claim::<Vec<String>>("groups")?, Some(vec!["admins".to_owned()]));
//! assert_eq!(user.get("missing"), None);
//! assert!(!Identity::anonymous().is_logged_in());
//! # Ok::<(), doorman_user::UserError>(())
//! ```
//!
//! # Size
//! Only the tokens `expose_tokens` names are kept (Streamlit stores the access token even
//! when it is not exposed), in the same cookie as the claims. Payloads above 2 KiB of
//! JSON, such as long `groups` lists, are DEFLATE-compressed (when that saves a tenth);
//! smaller ones are not, to keep every request's cost near the floor of the AEAD and the
//! JSON parse. A session's JSON is at most [`MAX_SESSION_LEN`] bytes, written or read, so
//! a small compressed cookie never opens to an unbounded amount of memory.
//!
//! # IO
//! None: times are arguments, the crate reads no clock.
//!
//! # Security
//! The views have no setters. `Debug` of [`Session`], [`Identity`] and [`Tokens`], and
//! `Serialize` of [`Identity`] and [`Tokens`], never show token values; only
//! [`Identity::to_dict`] and [`Tokens::id`]/[`Tokens::access`] hand them out, on request.

mod error;
mod identity;
mod session;

pub use error::UserError;
pub use identity::{Identity, Tokens};
pub use session::{ExposedTokens, MAX_SESSION_LEN, Refreshed, Session};

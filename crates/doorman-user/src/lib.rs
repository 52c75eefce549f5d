//! `doorman-user` holds the session payload that is sealed into the identity cookie, and
//! the read-only views an app reads it through: [`User`] (Streamlit's `st.user`) and
//! [`Tokens`] (`st.user.tokens`).
//!
//! ```text
//!   verified login ──► Session::new ──► to_bytes ──► (doorman-seal) ──► cookie
//!   cookie ──► (doorman-seal) ──► User::from_payload ──► is_logged_in, email(), claim::<T>(), to_dict()
//! ```
//!
//! ```
//! use doorman_user::{ExposedTokens, Session, User};
//! use serde_json::json;
//! use std::time::{Duration, SystemTime};
//!
//! let now = SystemTime::now();
//! let claims = json!({"sub": "42", "email": "ada@example.com", "groups": ["admins"]});
//! let session = Session::new("google", claims.as_object().unwrap().clone(),
//!     ExposedTokens::default(), now, now + Duration::from_secs(3600), None);
//! let user = User::from_payload(&session.to_bytes()?)?;
//! assert!(user.is_logged_in());
//! assert_eq!(user.email(), Some("ada@example.com"));
//! assert_eq!(user.claim::<Vec<String>>("groups")?, Some(vec!["admins".to_owned()]));
//! assert_eq!(user.get("missing"), None);
//! assert!(!User::anonymous().is_logged_in());
//! # Ok::<(), doorman_user::UserError>(())
//! ```
//!
//! # Size
//! Only the tokens `expose_tokens` names are kept (Streamlit stores the access token even
//! when it is not exposed), in the same cookie as the claims. Payloads above
//! [`COMPRESS_ABOVE`] bytes of JSON, such as long `groups` lists, are DEFLATE-compressed;
//! smaller ones are not, to keep every request's cost near the floor of the AEAD and the
//! JSON parse. A session's JSON is at most [`MAX_SESSION_LEN`] bytes, written or read, so
//! a small compressed cookie never opens to an unbounded amount of memory.
//!
//! # IO
//! None: times are arguments, the crate reads no clock.
//!
//! # Security
//! The views have no setters. `Debug` of [`Session`], [`User`] and [`Tokens`], and
//! `Serialize` of [`User`] and [`Tokens`], never show token values; only
//! [`User::to_dict`] and [`Tokens::id`]/[`Tokens::access`] hand them out, on request.

mod error;
mod session;
mod user;

pub use error::UserError;
pub use session::{COMPRESS_ABOVE, ExposedTokens, MAX_SESSION_LEN, SESSION_VERSION, Session};
pub use user::{Tokens, User};

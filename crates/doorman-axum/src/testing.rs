//! For tests only, and hidden from the documentation: an [`Auth`] on a [`VirtualClock`]
//! whose provider calls are answered in process, so that a test drives the router with
//! `tower::ServiceExt::oneshot`, moves time by hand and opens no socket.
//!
//! Nothing here belongs in an app: the clock stands still until a test moves it, and no
//! provider call leaves the process. An app builds its `Auth` with [`Auth::new`] or
//! [`Auth::from_default_secrets`].

use std::sync::Arc;
use std::time::SystemTime;

use doorman_secrets::AuthConfig;

use crate::clock::Clock;
use crate::http_client::Transport;
use crate::{Auth, AuthError, AuthOptions, LoginFailure};

pub use crate::clock::VirtualClock;

/// An [`Auth`] whose time is `clock`'s and whose provider calls are answered by
/// `provider`, in process, at that time: the response to a request, or `None` when nothing
/// answers at its address (the call then fails as an unreachable provider does). Typically
/// `DevIdp::handle` for requests to the development provider's address.
///
/// # Errors
/// What [`Auth::new`] refuses.
pub fn in_process_auth(
    config: &AuthConfig,
    options: AuthOptions,
    clock: &VirtualClock,
    provider: impl Fn(&http::Request<Vec<u8>>, SystemTime) -> Option<http::Response<Vec<u8>>>
    + Send
    + Sync
    + 'static,
) -> Result<Auth, AuthError> {
    let clock = Clock::Virtual(clock.clone());
    let http = Transport::InProcess {
        answer: Arc::new(provider),
        clock: clock.clone(),
    };
    Auth::build(config, options, clock, http)
}

/// The login failure a browser sending these request headers would be shown, without
/// marking it shown: what the [`crate::User`] extractor would find in them.
#[must_use]
pub fn login_failure(auth: &Auth, headers: &http::HeaderMap) -> Option<LoginFailure> {
    auth.login_failure(headers)
}

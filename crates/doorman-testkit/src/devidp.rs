//! The development provider set up for one client, as an app's tests need it: registered,
//! approving at once, in process or on a free loopback port.

use std::sync::Arc;

use doorman_devidp::{DevIdp, DevIdpConfig, RegisteredClient, Running};
use url::Url;

/// A development provider's configuration, set up for an app's client.
pub trait ForClient {
    /// Registers the client `client_id` with `client_secret` and one `redirect_uri` (no
    /// post-logout URI yet), and approves every authorization request at once, as the user
    /// named by `login_hint` or the first one: the provider an app's tests log in at.
    #[must_use]
    fn for_client(self, client_id: &str, client_secret: &str, redirect_uri: &str) -> Self;

    /// Registers `uri` as a post-logout redirect URI of the client registered last.
    #[must_use]
    fn with_post_logout_redirect_uri(self, uri: &str) -> Self;
}

impl ForClient for DevIdpConfig {
    fn for_client(self, client_id: &str, client_secret: &str, redirect_uri: &str) -> Self {
        self.with_client(RegisteredClient {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uris: vec![redirect_uri.to_owned()],
            post_logout_redirect_uris: Vec::new(),
        })
        .auto_approving()
    }

    fn with_post_logout_redirect_uri(mut self, uri: &str) -> Self {
        if let Some(client) = self.clients.last_mut() {
            client.post_logout_redirect_uris.push(uri.to_owned());
        }
        self
    }
}

/// Serves, on a free loopback port, the configuration `configure` makes for the issuer
/// `http://127.0.0.1:PORT`, until the handle is dropped. Call it inside a tokio runtime.
///
/// # Panics
/// When no loopback port can be bound.
pub fn serve_on_loopback(configure: impl FnOnce(Url) -> DevIdpConfig) -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let addr = listener.local_addr().expect("the port's address");
    let issuer = Url::parse(&format!("http://{addr}")).expect("an issuer");
    doorman_devidp::serve(listener, Arc::new(DevIdp::new(configure(issuer))))
        .expect("the development provider serves on loopback")
}

//! doorman-secrets depends on no other doorman crate, so it keeps its own copy of rules the
//! core (doorman-oidc) holds too; the adapter depends on both, and here checks that they agree:
//!
//! - the parameters doorman sets itself: the secrets crate refuses exactly the core's
//!   `RESERVED_PARAMS`, each with a message naming the key, and the parameters with a setting
//!   of their own (the core's `SETTING_PARAMS`) never become extra parameters, which the core
//!   would drop without a word;
//! - Streamlit's defaults, `scope` and `prompt`;
//! - `openid` in an OpenID provider's `scope`: the secrets crate refuses a scope without it,
//!   so the scopes the adapter passes to `ClientConfig::with_scope` reach the core unchanged.

use std::collections::BTreeSet;

use doorman_secrets::{AuthConfig, Error, Origin, WarningKind};
use url::Url;

const SECRETS: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\nclient_id = \"id\"\nclient_secret = \"shh\"\nserver_metadata_url = \"https://accounts.google.com/.well-known/openid-configuration\"\n";

/// The secrets file with `more` at the end of `[auth]` (line 7).
fn parse(more: &str) -> Result<AuthConfig, Error> {
    AuthConfig::parse(&format!("{SECRETS}{more}"), Origin::Text("t".into()))
}

fn set<'a>(list: &[&'a str]) -> BTreeSet<&'a str> {
    let set: BTreeSet<&str> = list.iter().copied().collect();
    assert_eq!(set.len(), list.len(), "a name twice in {list:?}");
    set
}

#[test]
fn the_secrets_crate_refuses_the_parameters_the_core_reserves() {
    assert_eq!(
        set(&doorman_secrets::RESERVED_PARAMS),
        set(&doorman_oidc::RESERVED_PARAMS)
    );
    for key in doorman_oidc::RESERVED_PARAMS {
        let e = parse(&format!("client_kwargs = {{ {key} = \"x\" }}\n"))
            .expect_err(&format!("client_kwargs.{key} is refused"));
        assert!(matches!(e, Error::ReservedParameter { .. }), "{key}: {e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "`auth.client_kwargs.{key}` is set by doorman on every login and cannot be configured (t:7:19)"
            )
        );
    }
}

#[test]
fn parameters_with_a_setting_of_their_own_are_never_extra_parameters() {
    assert!(set(&doorman_oidc::SETTING_PARAMS).is_disjoint(&set(&doorman_oidc::RESERVED_PARAMS)));
    for key in doorman_oidc::SETTING_PARAMS {
        let value = if key == "scope" { "openid groups" } else { "x" };
        let config = parse(&format!("client_kwargs = {{ {key} = \"{value}\" }}\n"))
            .unwrap_or_else(|e| panic!("client_kwargs.{key}: {e}"));
        let kwargs = config
            .provider(None)
            .expect("the default provider")
            .client_kwargs();
        assert!(
            kwargs.extra_params().iter().all(|(name, _)| name != key),
            "{key} became an extra parameter: {:?}",
            kwargs.extra_params()
        );
        let read = match key {
            "scope" => kwargs.scope() == value,
            "prompt" => kwargs.prompt() == Some(value),
            "code_challenge_method" => config.warnings().iter().any(|w| {
                w.kind == WarningKind::PkceAlwaysS256
                    && w.at.key_path == "auth.client_kwargs.code_challenge_method"
            }),
            other => panic!("{other}: say here what the secrets crate does with it"),
        };
        assert!(read, "client_kwargs.{key} is neither read nor warned about");
    }
}

#[test]
fn streamlits_defaults_agree() {
    assert_eq!(doorman_secrets::DEFAULT_SCOPE, doorman_oidc::DEFAULT_SCOPE);
    assert_eq!(
        doorman_secrets::DEFAULT_PROMPT,
        doorman_oidc::DEFAULT_PROMPT
    );
    let config = parse("").expect("the file loads");
    let kwargs = config
        .provider(None)
        .expect("the default provider")
        .client_kwargs();
    assert_eq!(kwargs.scope(), doorman_oidc::DEFAULT_SCOPE);
    assert_eq!(kwargs.prompt(), Some(doorman_oidc::DEFAULT_PROMPT));
}

#[test]
fn a_validated_openid_scope_reaches_the_core_unchanged() {
    for scope in ["openid", "groups openid", "openid profile email groups"] {
        let config = parse(&format!("client_kwargs = {{ scope = \"{scope}\" }}\n"))
            .unwrap_or_else(|e| panic!("{scope}: {e}"));
        let kwargs = config
            .provider(None)
            .expect("the default provider")
            .client_kwargs();
        let redirect_uri = Url::parse("http://localhost:8501/oauth2callback").expect("a URL");
        let client = doorman_oidc::ClientConfig::new("default", "id", "shh", redirect_uri)
            .with_scope(kwargs.scope());
        assert!(
            format!("{client:?}").contains(&format!("scope: {scope:?},")),
            "{scope}: {client:?}"
        );
    }
    // Without `openid`, the secrets crate refuses it; the core would have added it.
    let e = parse("client_kwargs = { scope = \"profile email\" }\n").expect_err("refused");
    assert!(matches!(e, Error::ScopeWithoutOpenid { .. }), "{e:?}");
}

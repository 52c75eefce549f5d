//! One file serves both: a secrets file using every key of doorman's own, shared in `[auth]`
//! and per provider (`tests/fixtures/own-keys-everywhere.toml`), loads in doorman without an
//! error or a warning, and passes a model of Streamlit 1.67's own rules, written here from its
//! source: which providers it sees (`generate_default_provider_section` in `auth_util.py`,
//! `_looks_like_provider_section` in `starlette_auth_routes.py`), what `st.login()` checks
//! (`validate_auth_credentials`), and what Authlib's registry reads of a provider's section
//! (`_AuthlibConfig` and Authlib's `OAUTH_CLIENT_PARAMS`). doorman's own key names are none of
//! the keys Streamlit or Authlib read, and `docs/configuration.md` documents exactly them.

use std::path::Path;

use doorman_secrets::AuthConfig;
use toml::{Table, Value};

/// The keys doorman reads that Streamlit does not (besides the plain OAuth 2.0 provider keys,
/// which are Authlib's own names with Authlib's meaning).
const OWN_KEYS: [&str; 21] = [
    "cookie_lifetime",
    "refresh_margin",
    "previous_cookie_secrets",
    "bound_to_id_token",
    "call_userinfo",
    "base_path",
    "logout_params",
    "trusted_audiences",
    "allowed_tenants",
    "token_endpoint_auth_method",
    "private_key",
    "private_key_file",
    "private_key_id",
    "allowed_emails",
    "allowed_domains",
    "allowed_groups",
    "groups_claim",
    "api_audience",
    "redis_url",
    "session_store",
    "refresh_lock_timeout",
];

/// Streamlit 1.67's handling of `[auth]`, as its source has it.
mod streamlit {
    use toml::{Table, Value};

    /// The keys `[auth]` itself holds for Streamlit.
    pub(crate) const SHARED_KEYS: [&str; 3] = ["redirect_uri", "cookie_secret", "expose_tokens"];

    /// `_looks_like_provider_section`: a nested table holding one of these is a provider
    /// section for Authlib.
    pub(crate) const PROVIDER_KEYS: [&str; 6] = [
        "client_id",
        "client_secret",
        "server_metadata_url",
        "authorize_url",
        "api_base_url",
        "request_token_url",
    ];

    /// Authlib's `OAUTH_CLIENT_PARAMS` (`authlib/integrations/base_client/registry.py`): the
    /// only keys of a provider's section that `OAuth.register(name)` reads from the config.
    pub(crate) const OAUTH_CLIENT_PARAMS: [&str; 13] = [
        "client_id",
        "client_secret",
        "request_token_url",
        "request_token_params",
        "access_token_url",
        "access_token_params",
        "refresh_token_url",
        "refresh_token_params",
        "authorize_url",
        "authorize_params",
        "api_base_url",
        "client_kwargs",
        "server_metadata_url",
    ];

    /// `validate_auth_credentials`' required keys of a provider, in its order.
    const REQUIRED: [&str; 3] = ["client_id", "client_secret", "server_metadata_url"];

    pub(crate) fn looks_like_provider_section(section: &Table) -> bool {
        PROVIDER_KEYS.iter().any(|key| section.contains_key(*key))
    }

    /// Python's truth of a value.
    fn truthy(value: &Value) -> bool {
        match value {
            Value::String(s) => !s.is_empty(),
            Value::Integer(i) => *i != 0,
            Value::Float(x) => *x != 0.0,
            Value::Boolean(b) => *b,
            Value::Array(items) => !items.is_empty(),
            Value::Table(table) => !table.is_empty(),
            Value::Datetime(_) => true,
        }
    }

    /// `generate_default_provider_section`: the truthy top-level keys of the default provider,
    /// and no others.
    pub(crate) fn default_provider_section(auth: &Table) -> Table {
        [
            "client_id",
            "client_secret",
            "server_metadata_url",
            "client_kwargs",
            "expose_tokens",
        ]
        .into_iter()
        .filter_map(|key| {
            auth.get(key)
                .filter(|value| truthy(value))
                .map(|value| (key.to_owned(), value.clone()))
        })
        .collect()
    }

    /// The providers an app can log in with: `default` when `[auth]` makes one, then every
    /// table Authlib takes for a provider section, in file order.
    pub(crate) fn providers(auth: &Table) -> Vec<String> {
        let mut names = Vec::new();
        if !auth.contains_key("default") && !default_provider_section(auth).is_empty() {
            names.push("default".to_owned());
        }
        for (name, value) in auth {
            if let Value::Table(section) = value
                && looks_like_provider_section(section)
            {
                names.push(name.clone());
            }
        }
        names
    }

    /// `validate_auth_credentials(provider)`, which `st.login(provider)` runs: `Ok`, or
    /// Streamlit's message (without its line breaks).
    pub(crate) fn validate_auth_credentials(auth: &Table, provider: &str) -> Result<(), String> {
        const FILE: &str = "`.streamlit/secrets.toml`";
        for key in ["redirect_uri", "cookie_secret"] {
            if !auth.contains_key(key) {
                return Err(format!(
                    "Authentication credentials in {FILE} are missing the \"{key}\" key. Please check your configuration."
                ));
            }
        }
        if provider.contains('_') {
            return Err(format!(
                "Auth provider name \"{provider}\" contains an underscore. Please use a provider name without underscores."
            ));
        }
        let section = match auth.get(provider) {
            Some(section) => section.clone(),
            None if provider == "default" => Value::Table(default_provider_section(auth)),
            None => {
                return Err(format!(
                    "Authentication credentials in {FILE} are missing for the authentication provider \"{provider}\". Please check your configuration."
                ));
            }
        };
        let Value::Table(section) = section else {
            return Err(format!(
                "Authentication credentials in {FILE} for the authentication provider \"{provider}\" must be valid TOML. Please check your configuration."
            ));
        };
        let missing: Vec<&str> = REQUIRED
            .into_iter()
            .filter(|key| !section.contains_key(*key))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        // Python's repr of the list.
        let missing: Vec<String> = missing.iter().map(|key| format!("'{key}'")).collect();
        Err(format!(
            "Authentication credentials in {FILE} for the authentication provider \"{provider}\" are missing the following keys: [{}]. Please check your configuration.",
            missing.join(", ")
        ))
    }

    /// What Authlib's registry reads for `provider` (`_create_oauth_client`, then
    /// `_AuthlibConfig.get("{NAME}_{PARAM}")` for each of [`OAUTH_CLIENT_PARAMS`]): only the
    /// sections that look like provider sections are consulted.
    pub(crate) fn authlib_reads(auth: &Table, provider: &str) -> Vec<(&'static str, Value)> {
        let mut config = auth.clone();
        let own = config
            .get(provider)
            .and_then(Value::as_table)
            .is_some_and(|section| !section.is_empty());
        if !own && provider == "default" {
            config.insert(
                "default".to_owned(),
                Value::Table(default_provider_section(auth)),
            );
        }
        let sections: Vec<(String, &Table)> = config
            .iter()
            .filter_map(|(name, value)| match value {
                Value::Table(section) if looks_like_provider_section(section) => {
                    Some((name.to_lowercase(), section))
                }
                _ => None,
            })
            .collect();
        OAUTH_CLIENT_PARAMS
            .into_iter()
            .filter_map(|param| {
                let flat = format!("{provider}_{param}").to_uppercase();
                if let Some(value) = config.get(&flat) {
                    return Some((param, value.clone()));
                }
                let (name, param_name) = flat.split_once('_')?;
                let (_, section) = sections
                    .iter()
                    .find(|(section_name, _)| *section_name == name.to_lowercase())?;
                section
                    .get(&param_name.to_lowercase())
                    .map(|value| (param, value.clone()))
            })
            .collect()
    }
}

fn every_key_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/own-keys-everywhere.toml")
}

/// The `[auth]` table of the file, as Streamlit's secrets hold it.
fn auth_table() -> Table {
    let text = std::fs::read_to_string(every_key_path()).expect("read the file");
    let mut document: Table = toml::from_str(&text).expect("valid TOML");
    match document.remove("auth") {
        Some(Value::Table(auth)) => auth,
        other => panic!("no [auth] table: {other:?}"),
    }
}

fn doorman_config() -> AuthConfig {
    AuthConfig::load(&[every_key_path()]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_file_uses_every_own_key_and_loads_in_doorman_without_a_warning() {
    let config = doorman_config();
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    let auth = auth_table();
    let sections: Vec<&Table> = auth.values().filter_map(Value::as_table).collect();
    for key in OWN_KEYS {
        let shared = auth.contains_key(key);
        let per_provider = sections.iter().any(|section| section.contains_key(key));
        assert!(shared || per_provider, "{key} is not in the file");
    }
    // `logout_params` both ways: in [auth], and as a provider's own table.
    assert!(auth.contains_key("logout_params"));
    assert!(
        sections
            .iter()
            .any(|section| section.get("logout_params").is_some_and(Value::is_table))
    );
}

#[test]
fn streamlit_sees_the_same_providers_and_accepts_each() {
    let auth = auth_table();
    let seen = streamlit::providers(&auth);
    let config = doorman_config();
    let loaded: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    assert_eq!(seen, loaded);
    for provider in &seen {
        assert_eq!(
            streamlit::validate_auth_credentials(&auth, provider),
            Ok(()),
            "{provider}"
        );
    }
    // The shared `logout_params` table is no provider to either.
    assert!(!seen.iter().any(|name| name == "logout_params"));
}

#[test]
fn authlib_reads_none_of_doormans_keys_and_the_same_client() {
    let auth = auth_table();
    let config = doorman_config();
    for provider in config.providers() {
        let read = streamlit::authlib_reads(&auth, provider.name());
        let keys: Vec<&str> = read.iter().map(|(key, _)| *key).collect();
        for key in &keys {
            assert!(
                !OWN_KEYS.contains(key),
                "{}: Authlib reads {key}",
                provider.name()
            );
        }
        let value = |key: &str| -> Option<&str> {
            read.iter()
                .find(|(read_key, _)| *read_key == key)
                .and_then(|(_, value)| value.as_str())
        };
        assert_eq!(value("client_id"), Some(provider.client_id()));
        assert_eq!(
            value("client_secret"),
            provider.client_secret().map(|s| s.expose())
        );
        assert_eq!(
            value("server_metadata_url"),
            provider.server_metadata_url().map(|url| url.as_str())
        );
    }
}

#[test]
fn the_model_refuses_what_streamlit_refuses() {
    // The model is only worth its agreement if it refuses too.
    let auth: Table = toml::from_str(
        "redirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"x\"\n[my_idp]\nclient_id = \"a\"\n[okta]\nclient_id = \"a\"\n[list]\nclient_id = \"a\"\n",
    )
    .expect("valid TOML");
    assert!(
        streamlit::validate_auth_credentials(&auth, "my_idp")
            .unwrap_err()
            .contains("contains an underscore")
    );
    assert_eq!(
        streamlit::validate_auth_credentials(&auth, "okta"),
        Err("Authentication credentials in `.streamlit/secrets.toml` for the authentication provider \"okta\" are missing the following keys: ['client_secret', 'server_metadata_url']. Please check your configuration.".to_owned())
    );
    assert!(
        streamlit::validate_auth_credentials(&auth, "default")
            .unwrap_err()
            .contains("missing the following keys")
    );
    let no_secret: Table = toml::from_str("redirect_uri = \"http://x/cb\"\n").expect("valid");
    assert!(
        streamlit::validate_auth_credentials(&no_secret, "default")
            .unwrap_err()
            .contains("\"cookie_secret\"")
    );
    let not_a_table: Table =
        toml::from_str("redirect_uri = \"http://x/cb\"\ncookie_secret = \"x\"\nokta = [1]\n")
            .expect("valid");
    assert!(
        streamlit::validate_auth_credentials(&not_a_table, "okta")
            .unwrap_err()
            .contains("must be valid TOML")
    );
    // A table without a provider key is no provider section; the top-level keys make `default`
    // only when truthy.
    let auth: Table = toml::from_str(
        "client_id = \"\"\nclient_kwargs = {}\n[theme]\ncolor = \"blue\"\n[okta]\nclient_secret = \"s\"\n",
    )
    .expect("valid TOML");
    assert_eq!(streamlit::providers(&auth), ["okta"]);
}

#[test]
fn no_own_key_is_a_key_streamlit_or_authlib_reads() {
    let read_by_them: Vec<&str> = streamlit::SHARED_KEYS
        .into_iter()
        .chain(streamlit::PROVIDER_KEYS)
        .chain(streamlit::OAUTH_CLIENT_PARAMS)
        // Authlib's key for the userinfo URL, which doorman reads with Authlib's meaning.
        .chain(["userinfo_endpoint"])
        .collect();
    for key in OWN_KEYS {
        assert!(!read_by_them.contains(&key), "{key}");
    }
}

#[test]
fn the_docs_list_exactly_the_own_keys() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let text = std::fs::read_to_string(&docs).expect("read docs/configuration.md");
    let section = text
        .split("\n### ")
        .find(|section| section.starts_with("doorman's own keys"))
        .expect("a \"doorman's own keys\" section");
    // Each row of its table names its keys in backticks in the first cell.
    let mut documented: Vec<&str> = section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| line.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    documented.sort_unstable();
    let mut own = OWN_KEYS.to_vec();
    own.sort_unstable();
    assert_eq!(documented, own);
}

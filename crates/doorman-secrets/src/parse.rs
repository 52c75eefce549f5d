//! Walks the parsed TOML of one file's `[auth]` section into an [`AuthConfig`].
//!
//! Validation happens here, at load time, for every provider: Streamlit checks only the
//! provider passed to `st.login()`, and only when it is called.

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;
use zeroize::Zeroizing;

use crate::config::{
    AuthConfig, ClientKwargs, DEFAULT_PROVIDER, DEFAULT_SCOPE, Endpoints, ExposeTokens,
    PORT_PLACEHOLDER, Preset, Provider, RESERVED_PARAMS, RedirectUri, TokenEndpointAuthMethod,
};
use crate::error::{Error, Warning, WarningKind};
use crate::location::{Location, Origin};
use crate::refresh_scope;
use crate::secret::Secret;
use crate::settings::{
    self, COOKIE_DURATION, DEFAULT_COOKIE_LIFETIME, DEFAULT_REFRESH_LOCK_TIMEOUT,
    DEFAULT_REFRESH_MARGIN, DurationLimit, LOCK_DURATION, LogoutParam, LogoutParams, Placement,
    SessionStore, Setting, Source, Template, own_key,
};

/// The keys of a provider section that Streamlit requires, in its order.
const PROVIDER_KEYS: [&str; 3] = ["client_id", "client_secret", "server_metadata_url"];

/// Keys at the top of `[auth]` that configure the default provider: Streamlit's four, and
/// doorman's `provider_preset`.
const DEFAULT_PROVIDER_KEYS: [&str; 5] = [
    "client_id",
    "client_secret",
    "server_metadata_url",
    "client_kwargs",
    "provider_preset",
];

/// Authlib's keys for the endpoints of a plain OAuth 2.0 provider, in this order everywhere.
const OAUTH2_URL_KEYS: [&str; 3] = ["authorize_url", "access_token_url", "userinfo_endpoint"];

/// Keys whose presence makes a table under `[auth]` a provider, as Streamlit's
/// `_looks_like_provider_section` decides, with doorman's own `provider_preset` and the rest
/// of Authlib's plain OAuth 2.0 URL keys.
const PROVIDER_MARKERS: [&str; 9] = [
    "client_id",
    "client_secret",
    "server_metadata_url",
    "authorize_url",
    "api_base_url",
    "request_token_url",
    "access_token_url",
    "userinfo_endpoint",
    "provider_preset",
];

/// Keys of a provider section that are not [`PROVIDER_MARKERS`]: a table holding one of them
/// (or nothing) looks like a provider that lacks its keys.
const PROVIDER_ONLY_KEYS: [&str; 2] = ["client_kwargs", "expose_tokens"];

/// Streamlit's keys of `[auth]`, for "did you mean" next to doorman's own.
const STREAMLIT_KEYS: [&str; 11] = [
    "redirect_uri",
    "cookie_secret",
    "expose_tokens",
    "client_id",
    "client_secret",
    "server_metadata_url",
    "client_kwargs",
    "provider_preset",
    "authorize_url",
    "access_token_url",
    "userinfo_endpoint",
];

/// Keys Streamlit forwards to Authlib's registry that doorman has no use for.
const AUTHLIB_KEYS: [&str; 6] = [
    "authorize_params",
    "access_token_params",
    "api_base_url",
    "request_token_url",
    "request_token_params",
    "client_auth_method",
];

/// Authlib and httpx client settings Streamlit users put in `client_kwargs`.
const CLIENT_SETTINGS: [&str; 10] = [
    "timeout",
    "verify",
    "proxy",
    "proxies",
    "headers",
    "follow_redirects",
    "trust_env",
    "cert",
    "http2",
    "token_placement",
];

/// Below this many bytes a `cookie_secret` draws a warning.
pub(crate) const STRONG_SECRET_BYTES: usize = 32;

/// The largest `private_key_file` read; a PEM RSA key of 8192 bits is under 7 KiB.
const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

const AUTH_METHODS: &str = "\"client_secret_basic\", \"client_secret_post\", \"private_key_jwt\"";

type Value<'i> = Spanned<DeValue<'i>>;
type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Value<'i>);

/// Whether the parsed document has an `[auth]` entry.
pub(crate) fn has_auth(document: &DeTable<'_>) -> bool {
    document.iter().any(|(key, _)| key.get_ref() == "auth")
}

/// Parses TOML text, mapping a syntax error to [`Error::Syntax`].
pub(crate) fn parse_document<'i>(
    text: &'i str,
    origin: &Origin,
) -> Result<Spanned<DeTable<'i>>, Error> {
    DeTable::parse(text).map_err(|e| Error::Syntax {
        at: Location::at(origin, text, e.span().map_or(0, |s| s.start), String::new()),
        message: e.message().trim().to_owned(),
    })
}

/// Builds the configuration from a document that has an `[auth]` entry.
pub(crate) fn auth_config(
    text: &str,
    origin: Origin,
    document: &DeTable<'_>,
) -> Result<AuthConfig, Error> {
    let mut cx = Context {
        text,
        origin: &origin,
        warnings: Vec::new(),
        key_uses: Vec::new(),
    };
    let Some((_, auth)) = document.iter().find(|(key, _)| key.get_ref() == "auth") else {
        return Err(Error::NotConfigured {
            searched: vec![origin.clone()],
        });
    };
    let DeValue::Table(auth_table) = auth.get_ref() else {
        return Err(Error::WrongType {
            at: cx.at(auth.span(), "auth"),
            expected: "a table",
        });
    };
    let auth_span = auth.span();
    let sections = Sections::split(&mut cx, auth_table)?;

    let redirect_uri = match sections.redirect_uri {
        Some(value) => cx.redirect_uri(value)?,
        None => {
            return Err(Error::MissingKey {
                at: cx.at(auth_span, "auth.redirect_uri"),
                key: "redirect_uri",
            });
        }
    };
    let cookie_secret = match sections.cookie_secret {
        Some(value) => cx.cookie_secret(value)?,
        None => {
            return Err(Error::MissingKey {
                at: cx.at(auth_span, "auth.cookie_secret"),
                key: "cookie_secret",
            });
        }
    };
    let expose_tokens = match sections.expose_tokens {
        Some(value) => cx.expose_tokens(value)?,
        None => ExposeTokens::default(),
    };

    let shared = cx.doorman_keys("auth", &sections.shared)?;
    if let Some(key) = &shared.private_key {
        cx.key_uses.push((key.at.clone(), false));
    }

    let mut providers = Vec::new();
    let explicit_default = sections
        .named
        .iter()
        .any(|(name, _)| name.get_ref() == DEFAULT_PROVIDER);
    if explicit_default {
        for (key, _) in &sections.top_level_client {
            cx.warn(
                key.span(),
                format!("auth.{}", key.get_ref()),
                WarningKind::ShadowedByDefaultSection,
            );
        }
    } else if sections.defines_default {
        providers.push(cx.provider(
            DEFAULT_PROVIDER,
            "auth",
            auth_span.clone(),
            &sections.top_level_client,
            &shared,
            true,
        )?);
    } else {
        // Only endpoint keys at the top: Streamlit ignores them there, and so does doorman.
        for (key, _) in &sections.top_level_client {
            cx.warn(
                key.span(),
                format!("auth.{}", key.get_ref()),
                WarningKind::UnsupportedAuthlibKey,
            );
        }
    }
    for (name, value) in &sections.named {
        providers.push(cx.named_provider(name, value, &shared)?);
    }
    cx.warn_unused_private_keys();
    for provider in &providers {
        if let Some(ask) = refresh_scope::missing_refresh_ask(provider) {
            let path = if provider.is_default() {
                "auth.client_kwargs".to_owned()
            } else {
                format!("auth.{}.client_kwargs", provider.name())
            };
            let at = match provider.refresh_margin().source() {
                Source::File(at) => at.clone(),
                _ => Location::at(&origin, text, auth_span.start, path),
            };
            cx.warnings.push(Warning {
                at,
                kind: WarningKind::RefreshNotAsked {
                    provider: provider.name().to_owned(),
                    advice: ask.advice(),
                },
            });
        }
    }
    if providers.is_empty() {
        return Err(Error::ProviderMissingKeys {
            at: cx.at(auth_span, "auth"),
            provider: DEFAULT_PROVIDER.to_owned(),
            keys: PROVIDER_KEYS.to_vec(),
        });
    }
    if explicit_default {
        // `[auth.default]` is the default provider wherever it stands in the file.
        providers.sort_by_key(|p| !p.is_default());
    }

    let session_store = shared
        .session_store
        .unwrap_or_else(|| Setting::default_value(SessionStore::Cookie));
    if let (SessionStore::Redis, Source::File(at), None) = (
        session_store.value(),
        session_store.source(),
        &shared.redis_url,
    ) {
        return Err(Error::SessionStoreWithoutRedis { at: at.clone() });
    }

    let warnings = cx.warnings;
    Ok(AuthConfig {
        origin,
        redirect_uri,
        cookie_secret,
        expose_tokens,
        base_path: shared
            .base_path
            .unwrap_or_else(|| Setting::default_value(String::new())),
        previous_cookie_secrets: shared
            .previous_cookie_secrets
            .unwrap_or_else(|| Setting::default_value(Vec::new())),
        redis_url: shared.redis_url,
        session_store,
        refresh_lock_timeout: shared
            .refresh_lock_timeout
            .unwrap_or_else(|| Setting::default_value(DEFAULT_REFRESH_LOCK_TIMEOUT)),
        providers,
        warnings,
    })
}

/// The entries of `[auth]`, sorted by role.
struct Sections<'a, 'i> {
    redirect_uri: Option<&'a Value<'i>>,
    cookie_secret: Option<&'a Value<'i>>,
    expose_tokens: Option<&'a Value<'i>>,
    /// The default provider's keys, endpoint keys included.
    top_level_client: Vec<Entry<'a, 'i>>,
    /// Whether a key of [`DEFAULT_PROVIDER_KEYS`] is at the top, making a default provider.
    defines_default: bool,
    /// doorman's own keys that every provider inherits.
    shared: Vec<Entry<'a, 'i>>,
    named: Vec<Entry<'a, 'i>>,
}

impl<'a, 'i> Sections<'a, 'i> {
    fn split(cx: &mut Context<'_>, auth: &'a DeTable<'i>) -> Result<Self, Error> {
        let mut sections = Sections {
            redirect_uri: None,
            cookie_secret: None,
            expose_tokens: None,
            top_level_client: Vec::new(),
            defines_default: false,
            shared: Vec::new(),
            named: Vec::new(),
        };
        for (key, value) in auth {
            match key.get_ref().as_ref() {
                "redirect_uri" => sections.redirect_uri = Some(value),
                "cookie_secret" => sections.cookie_secret = Some(value),
                "expose_tokens" => sections.expose_tokens = Some(value),
                name if DEFAULT_PROVIDER_KEYS.contains(&name) => {
                    sections.top_level_client.push((key, value));
                    sections.defines_default = true;
                }
                name if OAUTH2_URL_KEYS.contains(&name) => {
                    sections.top_level_client.push((key, value));
                }
                name if own_key(name).is_some() => sections.shared.push((key, value)),
                name => match value.get_ref() {
                    // Streamlit's rule: a table is a provider when it holds a provider key.
                    // One that holds only other provider-section keys, or nothing, is taken
                    // for a provider too, so that it is refused for what it lacks.
                    DeValue::Table(table)
                        if table.is_empty()
                            || table.iter().any(|(key, _)| {
                                let key = key.get_ref().as_ref();
                                PROVIDER_MARKERS.contains(&key)
                                    || PROVIDER_ONLY_KEYS.contains(&key)
                                    || own_key(key).is_some()
                                    || AUTHLIB_KEYS.contains(&key)
                            }) =>
                    {
                        sections.named.push((key, value));
                    }
                    DeValue::Table(_) => {
                        // A near miss of a table key of doorman's (`logout_param`) is a typo.
                        let own: Vec<&'static str> =
                            settings::OWN_KEYS.iter().map(|key| key.name).collect();
                        match settings::did_you_mean(name, &own) {
                            Some(known) => cx.warn(
                                key.span(),
                                format!("auth.{name}"),
                                WarningKind::UnknownKey {
                                    did_you_mean: Some(known),
                                },
                            ),
                            None => cx.warn(
                                key.span(),
                                format!("auth.{name}"),
                                WarningKind::NotAProvider,
                            ),
                        }
                    }
                    DeValue::Array(items)
                        if items
                            .iter()
                            .any(|item| matches!(item.get_ref(), DeValue::Table(_))) =>
                    {
                        return Err(Error::ProviderNotTable {
                            at: cx.at(key.span(), &format!("auth.{name}")),
                            provider: name.to_owned(),
                        });
                    }
                    _ if AUTHLIB_KEYS.contains(&name) => cx.warn(
                        key.span(),
                        format!("auth.{name}"),
                        WarningKind::UnsupportedAuthlibKey,
                    ),
                    _ => cx.warn_unknown(key.span(), format!("auth.{name}"), name),
                },
            }
        }
        Ok(sections)
    }
}

struct Context<'t> {
    text: &'t str,
    origin: &'t Origin,
    warnings: Vec<Warning>,
    /// Where each provider's private key was written, and whether that provider signs with it.
    key_uses: Vec<(Location, bool)>,
}

/// doorman's own keys of one section, validated, each with where it was written.
#[derive(Default)]
struct DoormanKeys {
    trusted_audiences: Option<Setting<Vec<String>>>,
    allowed_tenants: Option<Setting<Vec<String>>>,
    method: Option<(TokenEndpointAuthMethod, Location)>,
    private_key: Option<PrivateKey>,
    private_key_id: Option<Setting<String>>,
    cookie_lifetime: Option<Setting<Duration>>,
    refresh_margin: Option<Setting<Duration>>,
    bound_to_id_token: Option<Setting<bool>>,
    call_userinfo: Option<Setting<bool>>,
    logout_params: Option<Setting<LogoutParams>>,
    allowed_emails: Option<Setting<Vec<String>>>,
    allowed_domains: Option<Setting<Vec<String>>>,
    allowed_groups: Option<Setting<Vec<String>>>,
    groups_claim: Option<Setting<String>>,
    api_audience: Option<Setting<String>>,
    /// App-wide: read from `[auth]` only.
    previous_cookie_secrets: Option<Setting<Vec<Secret>>>,
    /// App-wide: read from `[auth]` only.
    base_path: Option<Setting<String>>,
    /// App-wide: read from `[auth]` only.
    redis_url: Option<Setting<Secret>>,
    /// App-wide: read from `[auth]` only.
    session_store: Option<Setting<SessionStore>>,
    /// App-wide: read from `[auth]` only.
    refresh_lock_timeout: Option<Setting<Duration>>,
}

/// A private key's PEM text and where it was configured.
#[derive(Clone)]
struct PrivateKey {
    pem: Secret,
    at: Location,
}

impl Context<'_> {
    fn at(&self, span: Range<usize>, key_path: &str) -> Location {
        Location::at(self.origin, self.text, span.start, key_path.to_owned())
    }

    fn warn(&mut self, span: Range<usize>, key_path: String, kind: WarningKind) {
        let at = Location::at(self.origin, self.text, span.start, key_path);
        self.warnings.push(Warning { at, kind });
    }

    /// Warns about a key doorman does not know, suggesting the known key it is nearest.
    fn warn_unknown(&mut self, span: Range<usize>, key_path: String, name: &str) {
        let known: Vec<&'static str> = STREAMLIT_KEYS
            .into_iter()
            .chain(settings::OWN_KEYS.iter().map(|key| key.name))
            .collect();
        let did_you_mean = settings::did_you_mean(name, &known);
        self.warn(span, key_path, WarningKind::UnknownKey { did_you_mean });
    }

    fn string(&self, value: &Value<'_>, key_path: &str) -> Result<String, Error> {
        self.string_or(value, key_path, "a string")
    }

    /// A non-empty string; anything else is refused as not being `expected`.
    fn string_or(
        &self,
        value: &Value<'_>,
        key_path: &str,
        expected: &'static str,
    ) -> Result<String, Error> {
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => Err(Error::Empty {
                at: self.at(value.span(), key_path),
            }),
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected,
            }),
        }
    }

    fn url(
        &mut self,
        value: &Value<'_>,
        key_path: &str,
        port_placeholder: bool,
    ) -> Result<Url, Error> {
        let mut resolved = self.string(value, key_path)?;
        if port_placeholder {
            resolved = resolved.replace(PORT_PLACEHOLDER, &RedirectUri::DEFAULT_PORT.to_string());
        }
        let url = absolute_http_url(&resolved).map_err(|reason| Error::InvalidUrl {
            at: self.at(value.span(), key_path),
            reason,
        })?;
        if resolved.contains('{') && resolved.contains('}') {
            self.warn(
                value.span(),
                key_path.to_owned(),
                WarningKind::PlaceholderInUrl,
            );
        }
        Ok(url)
    }

    fn redirect_uri(&mut self, value: &Value<'_>) -> Result<RedirectUri, Error> {
        self.url(value, "auth.redirect_uri", true)?;
        Ok(RedirectUri {
            template: self.string(value, "auth.redirect_uri")?,
        })
    }

    fn cookie_secret(&mut self, value: &Value<'_>) -> Result<Secret, Error> {
        let secret = Secret::new(self.string(value, "auth.cookie_secret")?);
        if secret.len() < STRONG_SECRET_BYTES {
            self.warn(
                value.span(),
                "auth.cookie_secret".to_owned(),
                WarningKind::WeakCookieSecret { len: secret.len() },
            );
        }
        Ok(secret)
    }

    fn expose_tokens(&self, value: &Value<'_>) -> Result<ExposeTokens, Error> {
        const EXPECTED: &str = "\"id\", \"access\" or a list of them";
        let key_path = "auth.expose_tokens";
        let items: Vec<&Value<'_>> = match value.get_ref() {
            DeValue::String(_) => vec![value],
            DeValue::Array(items) => items.iter().collect(),
            _ => {
                return Err(Error::WrongType {
                    at: self.at(value.span(), key_path),
                    expected: EXPECTED,
                });
            }
        };
        let mut tokens = ExposeTokens::default();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) if s == "id" => tokens.id = true,
                DeValue::String(s) if s == "access" => tokens.access = true,
                DeValue::String(_) => {
                    return Err(Error::InvalidExposeTokens {
                        at: self.at(item.span(), key_path),
                    });
                }
                _ => {
                    return Err(Error::WrongType {
                        at: self.at(item.span(), key_path),
                        expected: EXPECTED,
                    });
                }
            }
        }
        Ok(tokens)
    }

    fn named_provider(
        &mut self,
        name: &Spanned<Cow<'_, str>>,
        value: &Value<'_>,
        shared: &DoormanKeys,
    ) -> Result<Provider, Error> {
        let name_str = name.get_ref().as_ref();
        let path = format!("auth.{name_str}");
        let valid_name = !name_str.is_empty()
            && name_str
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid_name {
            return Err(Error::InvalidProviderName {
                at: self.at(name.span(), &path),
                provider: name_str.to_owned(),
            });
        }
        if name_str.contains('_') {
            self.warn(
                name.span(),
                path.clone(),
                WarningKind::UnderscoreInProviderName,
            );
        }
        let DeValue::Table(table) = value.get_ref() else {
            return Err(Error::ProviderNotTable {
                at: self.at(value.span(), &path),
                provider: name_str.to_owned(),
            });
        };
        let entries: Vec<Entry<'_, '_>> = table.iter().collect();
        self.provider(name_str, &path, value.span(), &entries, shared, false)
    }

    /// One provider from its section's entries (for the default provider: the top of
    /// `[auth]`, `top_level`) and the shared keys of `[auth]`.
    fn provider(
        &mut self,
        name: &str,
        path: &str,
        span: Range<usize>,
        entries: &[Entry<'_, '_>],
        shared: &DoormanKeys,
        top_level: bool,
    ) -> Result<Provider, Error> {
        let mut client_id = None;
        let mut client_secret = None;
        let mut metadata_url = None;
        let mut kwargs_value = None;
        let mut preset_value = None;
        let mut oauth2_urls: [Option<(&Value<'_>, String)>; 3] = [None, None, None];
        let mut own = Vec::new();
        let discovery = entries
            .iter()
            .any(|(key, _)| key.get_ref() == "server_metadata_url");
        for &(key, value) in entries {
            let key_path = format!("{path}.{}", key.get_ref());
            match key.get_ref().as_ref() {
                "client_id" => client_id = Some((value, key_path)),
                "client_secret" => client_secret = Some((value, key_path)),
                "server_metadata_url" => metadata_url = Some((value, key_path)),
                "client_kwargs" => kwargs_value = Some((value, key_path)),
                "provider_preset" => preset_value = Some((value, key_path)),
                other if OAUTH2_URL_KEYS.contains(&other) => {
                    if discovery {
                        // Authlib's overrides of discovered endpoints; doorman uses discovery.
                        self.warn(key.span(), key_path, WarningKind::UnsupportedAuthlibKey);
                    } else if let Some(i) = OAUTH2_URL_KEYS.iter().position(|k| *k == other) {
                        oauth2_urls[i] = Some((value, key_path));
                    }
                }
                other if own_key(other).is_some_and(|own| own.placement == Placement::App) => {
                    return Err(Error::AppWideKey {
                        at: self.at(key.span(), &key_path),
                    });
                }
                other if own_key(other).is_some() => own.push((key, value)),
                "expose_tokens" => {
                    self.warn(key.span(), key_path, WarningKind::ExposeTokensInProvider);
                }
                other if AUTHLIB_KEYS.contains(&other) => {
                    self.warn(key.span(), key_path, WarningKind::UnsupportedAuthlibKey);
                }
                _ => {
                    let name = key.get_ref().as_ref();
                    self.warn_unknown(key.span(), key_path.clone(), name);
                }
            }
        }

        // Streamlit's check comes first; `private_key_jwt` makes `client_secret` optional and
        // plain OAuth 2.0 keys stand in for `server_metadata_url`.
        let kwargs_method_value =
            kwargs_value
                .as_ref()
                .and_then(|(value, _)| match value.get_ref() {
                    DeValue::Table(table) => table
                        .iter()
                        .find(|(key, _)| key.get_ref() == "token_endpoint_auth_method")
                        .map(|(_, value)| value),
                    _ => None,
                });
        let own_method_value = own
            .iter()
            .find(|(key, _)| key.get_ref() == "token_endpoint_auth_method")
            .map(|(_, value)| *value);
        let private_key_jwt = if own_method_value.is_some() || kwargs_method_value.is_some() {
            own_method_value.into_iter().chain(kwargs_method_value).any(
                |value| matches!(value.get_ref(), DeValue::String(s) if s == "private_key_jwt"),
            )
        } else {
            shared
                .method
                .as_ref()
                .is_some_and(|(method, _)| *method == TokenEndpointAuthMethod::PrivateKeyJwt)
        };
        let oauth2 = preset_value.is_some() || oauth2_urls.iter().any(Option::is_some);
        let missing: Vec<&'static str> = PROVIDER_KEYS
            .iter()
            .zip([
                client_id.is_none(),
                client_secret.is_none() && !private_key_jwt,
                metadata_url.is_none() && !oauth2,
            ])
            .filter_map(|(key, missing)| missing.then_some(*key))
            .collect();
        let (Some(client_id), true) = (client_id, missing.is_empty()) else {
            return Err(Error::ProviderMissingKeys {
                at: self.at(span, path),
                provider: name.to_owned(),
                keys: missing,
            });
        };

        if let (Some((_, metadata_path)), Some((value, preset_path))) =
            (&metadata_url, &preset_value)
        {
            return Err(Error::ConflictingKeys {
                at: self.at(value.span(), preset_path),
                other: metadata_path.clone(),
            });
        }
        let preset = match &preset_value {
            Some((value, key_path)) => Some(self.preset(value, key_path)?),
            None => None,
        };
        let default_scope = match (&metadata_url, preset) {
            (Some(_), _) => DEFAULT_SCOPE,
            (None, Some(preset)) => preset.default_scope(),
            (None, None) => "",
        };
        let (mut client_kwargs, kwargs_method_at) = match kwargs_value {
            Some((value, key_path)) => {
                self.client_kwargs(value, &key_path, metadata_url.is_some(), default_scope)?
            }
            None => (
                ClientKwargs {
                    scope: default_scope.to_owned(),
                    ..ClientKwargs::default()
                },
                None,
            ),
        };
        let client_id = self.string(client_id.0, &client_id.1)?;
        let client_secret = match client_secret {
            Some((value, key_path)) => Some(Secret::new(self.string(value, &key_path)?)),
            None => None,
        };
        let endpoints = match metadata_url {
            Some((value, key_path)) => Endpoints::Discovery {
                server_metadata_url: self.url(value, &key_path, false)?,
            },
            None => self.oauth2_endpoints(path, span, &oauth2_urls, preset)?,
        };

        let own = self.doorman_keys(path, &own)?;
        let api_audience = match (own.api_audience.clone(), &endpoints) {
            (Some(setting), Endpoints::OAuth2 { .. }) => {
                return Err(self.api_audience_without_keys(&setting, name));
            }
            // The shared key is the default provider's own when it is defined in `[auth]`.
            (None, Endpoints::OAuth2 { .. }) => match &shared.api_audience {
                Some(setting) if top_level => {
                    return Err(self.api_audience_without_keys(setting, name));
                }
                _ => None,
            },
            (own_audience, _) => own_audience.or_else(|| shared.api_audience.clone()),
        };
        let kwargs_method = client_kwargs
            .token_endpoint_auth_method
            .zip(kwargs_method_at);
        let method = match (own.method, kwargs_method) {
            (Some((_, own_at)), Some((_, kwargs_at))) => {
                return Err(Error::ConflictingKeys {
                    at: kwargs_at,
                    other: own_at.key_path,
                });
            }
            (Some(method), None) | (None, Some(method)) => {
                if let (true, Some((_, shared_at))) = (top_level, &shared.method) {
                    // Both in `[auth]`: the shared key and the default provider's client_kwargs.
                    return Err(Error::ConflictingKeys {
                        at: method.1,
                        other: shared_at.key_path.clone(),
                    });
                }
                Some(method)
            }
            (None, None) => shared.method.clone(),
        };
        client_kwargs.token_endpoint_auth_method = method.as_ref().map(|(method, _)| *method);

        let method_source = method
            .as_ref()
            .map_or(Source::Default, |(_, at)| Source::File(at.clone()));
        let (private_key, private_key_id) = match own.private_key {
            // A provider's own key does not take the shared `kid`, which names another key.
            Some(key) => (Some(key), own.private_key_id),
            None => (
                shared.private_key.clone(),
                own.private_key_id.or_else(|| shared.private_key_id.clone()),
            ),
        };
        let signs = matches!(method, Some((TokenEndpointAuthMethod::PrivateKeyJwt, _)));
        match (&private_key, method) {
            (None, Some((TokenEndpointAuthMethod::PrivateKeyJwt, at))) => {
                return Err(Error::MissingPrivateKey {
                    at,
                    provider: name.to_owned(),
                });
            }
            (Some(key), _) => self.key_uses.push((key.at.clone(), signs)),
            _ => {}
        }

        Ok(Provider {
            name: name.to_owned(),
            client_id,
            client_secret,
            endpoints,
            client_kwargs,
            method_source,
            trusted_audiences: pick(own.trusted_audiences, &shared.trusted_audiences, Vec::new()),
            allowed_tenants: pick(own.allowed_tenants, &shared.allowed_tenants, Vec::new()),
            private_key: private_key.map(|key| Setting::new(key.pem, Source::File(key.at))),
            private_key_id,
            cookie_lifetime: pick(
                own.cookie_lifetime,
                &shared.cookie_lifetime,
                DEFAULT_COOKIE_LIFETIME,
            ),
            refresh_margin: pick(
                own.refresh_margin,
                &shared.refresh_margin,
                DEFAULT_REFRESH_MARGIN,
            ),
            bound_to_id_token: pick(own.bound_to_id_token, &shared.bound_to_id_token, false),
            call_userinfo: pick(own.call_userinfo, &shared.call_userinfo, true),
            logout_params: pick(
                own.logout_params,
                &shared.logout_params,
                LogoutParams::default(),
            ),
            allowed_emails: pick(own.allowed_emails, &shared.allowed_emails, Vec::new()),
            allowed_domains: pick(own.allowed_domains, &shared.allowed_domains, Vec::new()),
            allowed_groups: pick(own.allowed_groups, &shared.allowed_groups, Vec::new()),
            groups_claim: pick(
                own.groups_claim,
                &shared.groups_claim,
                settings::DEFAULT_GROUPS_CLAIM.to_owned(),
            ),
            api_audience,
        })
    }

    /// The refusal of `api_audience` (`setting`) for the plain OAuth 2.0 provider `name`.
    fn api_audience_without_keys(&self, setting: &Setting<String>, name: &str) -> Error {
        let at = match setting.source() {
            Source::File(at) => at.clone(),
            _ => self.at(0..0, "auth"),
        };
        Error::ApiAudienceWithoutKeys {
            at,
            provider: name.to_owned(),
        }
    }

    /// The endpoints of a plain OAuth 2.0 provider: each URL key, else the preset's URL.
    fn oauth2_endpoints(
        &mut self,
        path: &str,
        span: Range<usize>,
        urls: &[Option<(&Value<'_>, String)>; 3],
        preset: Option<Preset>,
    ) -> Result<Endpoints, Error> {
        let mut resolved = Vec::with_capacity(3);
        let mut missing = Vec::new();
        for (i, (given, key)) in urls.iter().zip(OAUTH2_URL_KEYS).enumerate() {
            match (given, preset) {
                (Some((value, key_path)), _) => resolved.push(self.url(value, key_path, false)?),
                (None, Some(preset)) => {
                    resolved.push(Url::parse(preset.urls()[i]).expect("preset URLs are valid"));
                }
                (None, None) => missing.push(key),
            }
        }
        let [authorize_url, access_token_url, userinfo_url] = <[Url; 3]>::try_from(resolved)
            .map_err(|_| Error::IncompleteOAuth2Endpoints {
                at: self.at(span, path),
                missing,
            })?;
        let emails_url = match preset {
            Some(Preset::GitHub) => beside(&userinfo_url, "emails"),
            None => None,
        };
        Ok(Endpoints::OAuth2 {
            authorize_url,
            access_token_url,
            userinfo_url,
            emails_url,
            preset,
        })
    }

    fn preset(&self, value: &Value<'_>, key_path: &str) -> Result<Preset, Error> {
        let text = self.string(value, key_path)?;
        Preset::ALL
            .into_iter()
            .find(|preset| preset.as_str() == text)
            .ok_or_else(|| Error::UnsupportedValue {
                at: self.at(value.span(), key_path),
                accepted: "\"github\"",
            })
    }

    /// doorman's own provider keys of one section (`[auth]` or `[auth.NAME]`).
    fn doorman_keys(
        &mut self,
        path: &str,
        entries: &[Entry<'_, '_>],
    ) -> Result<DoormanKeys, Error> {
        let mut keys = DoormanKeys::default();
        let mut inline = None;
        let mut file = None;
        for &(key, value) in entries {
            let key_path = format!("{path}.{}", key.get_ref());
            let source = Source::File(self.at(value.span(), &key_path));
            match key.get_ref().as_ref() {
                "trusted_audiences" => {
                    let items = self.string_list(value, &key_path)?;
                    keys.trusted_audiences = Some(Setting::new(
                        items.into_iter().map(|(item, _)| item).collect(),
                        source,
                    ));
                }
                "cookie_lifetime" => {
                    keys.cookie_lifetime = Some(Setting::new(
                        self.duration(value, &key_path, COOKIE_DURATION)?,
                        source,
                    ));
                }
                "refresh_margin" => {
                    keys.refresh_margin = Some(Setting::new(
                        self.duration(value, &key_path, COOKIE_DURATION)?,
                        source,
                    ));
                }
                "bound_to_id_token" => {
                    keys.bound_to_id_token =
                        Some(Setting::new(self.boolean(value, &key_path)?, source));
                }
                "call_userinfo" => {
                    keys.call_userinfo =
                        Some(Setting::new(self.boolean(value, &key_path)?, source));
                }
                "logout_params" => {
                    keys.logout_params =
                        Some(Setting::new(self.logout_params(value, &key_path)?, source));
                }
                "previous_cookie_secrets" => {
                    let secrets = self.secret_list(value, &key_path)?;
                    keys.previous_cookie_secrets = Some(Setting::new(secrets, source));
                }
                "base_path" => {
                    let written = match value.get_ref() {
                        DeValue::String(s) => s.to_string(),
                        _ => {
                            return Err(Error::WrongType {
                                at: self.at(value.span(), &key_path),
                                expected: "a string, such as \"/dashboard\"",
                            });
                        }
                    };
                    let base_path = settings::parse_base_path(&written).map_err(|reason| {
                        Error::InvalidBasePath {
                            at: self.at(value.span(), &key_path),
                            reason,
                        }
                    })?;
                    keys.base_path = Some(Setting::new(base_path, source));
                }
                "redis_url" => {
                    let url = Secret::new(self.string_or(
                        value,
                        &key_path,
                        "a string such as \"redis://redis.internal:6379/0\"",
                    )?);
                    settings::redis_url(url.expose()).map_err(|reason| Error::InvalidRedisUrl {
                        at: self.at(value.span(), &key_path),
                        reason,
                    })?;
                    keys.redis_url = Some(Setting::new(url, source));
                }
                "session_store" => {
                    let text = self.string_or(value, &key_path, "\"cookie\" or \"redis\"")?;
                    let store = SessionStore::ALL
                        .into_iter()
                        .find(|store| store.as_str() == text)
                        .ok_or_else(|| Error::UnsupportedValue {
                            at: self.at(value.span(), &key_path),
                            accepted: "\"cookie\", \"redis\"",
                        })?;
                    keys.session_store = Some(Setting::new(store, source));
                }
                "refresh_lock_timeout" => {
                    let timeout = self.duration(value, &key_path, LOCK_DURATION)?;
                    keys.refresh_lock_timeout = Some(Setting::new(timeout, source));
                }
                "allowed_tenants" => {
                    let mut tenants = Vec::new();
                    for (item, at) in self.string_list(value, &key_path)? {
                        if !is_guid(&item) {
                            return Err(Error::InvalidTenant { at, value: item });
                        }
                        tenants.push(item.to_ascii_lowercase());
                    }
                    keys.allowed_tenants = Some(Setting::new(tenants, source));
                }
                "allowed_emails" => {
                    let emails = self.allow_list(value, &key_path, settings::allowed_email)?;
                    keys.allowed_emails = Some(Setting::new(emails, source));
                }
                "allowed_domains" => {
                    let domains = self.allow_list(value, &key_path, settings::allowed_domain)?;
                    keys.allowed_domains = Some(Setting::new(domains, source));
                }
                "allowed_groups" => {
                    let groups = self.allow_list(value, &key_path, |group| Ok(group.to_owned()))?;
                    keys.allowed_groups = Some(Setting::new(groups, source));
                }
                "groups_claim" => {
                    let path = self.string(value, &key_path)?;
                    let path = settings::groups_claim(&path).map_err(|reason| {
                        Error::InvalidAccessRule {
                            at: self.at(value.span(), &key_path),
                            reason,
                        }
                    })?;
                    keys.groups_claim = Some(Setting::new(path, source));
                }
                "api_audience" => {
                    keys.api_audience = Some(Setting::new(self.string(value, &key_path)?, source));
                }
                "token_endpoint_auth_method" => {
                    let text = self.string(value, &key_path)?;
                    let method = self.auth_method(&text, value, &key_path)?;
                    keys.method = Some((method, self.at(value.span(), &key_path)));
                }
                "private_key" => inline = Some((value, key_path)),
                "private_key_file" => file = Some((value, key_path)),
                "private_key_id" => {
                    keys.private_key_id =
                        Some(Setting::new(self.string(value, &key_path)?, source));
                }
                _ => {}
            }
        }
        keys.private_key = match (inline, file) {
            (Some((_, inline_path)), Some((value, file_path))) => {
                return Err(Error::ConflictingKeys {
                    at: self.at(value.span(), &file_path),
                    other: inline_path,
                });
            }
            (Some((value, key_path)), None) => {
                let pem = Secret::new(self.string(value, &key_path)?);
                let at = self.at(value.span(), &key_path);
                if let Err(reason) = pem_private_key(pem.expose()) {
                    return Err(Error::InvalidPrivateKey {
                        at,
                        path: None,
                        reason,
                    });
                }
                Some(PrivateKey { pem, at })
            }
            (None, Some((value, key_path))) => Some(self.private_key_file(value, &key_path)?),
            (None, None) => None,
        };
        Ok(keys)
    }

    /// Reads the file named by `private_key_file`, relative to the secrets file's folder.
    fn private_key_file(&self, value: &Value<'_>, key_path: &str) -> Result<PrivateKey, Error> {
        let written = Zeroizing::new(self.string(value, key_path)?);
        let at = self.at(value.span(), key_path);
        let invalid = |path: Option<PathBuf>, reason| Error::InvalidPrivateKey {
            at: at.clone(),
            path,
            reason,
        };
        if written.contains("-----") || written.contains('\n') {
            // Never echo it: this is the key itself, not a path.
            return Err(invalid(
                None,
                "it holds PEM text, not a path; put the text in `private_key` instead",
            ));
        }
        let path = match self.origin {
            Origin::File(file) => file.parent().map_or_else(
                || PathBuf::from(written.as_str()),
                |dir| dir.join(written.as_str()),
            ),
            Origin::Text(_) => PathBuf::from(written.as_str()),
        };
        let bytes = read_limited(&path).map_err(|source| Error::ReadPrivateKey {
            at: at.clone(),
            path: path.clone(),
            source,
        })?;
        if bytes.len() > MAX_KEY_FILE_BYTES {
            return Err(invalid(Some(path), "the file is larger than 64 KiB"));
        }
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Err(invalid(
                Some(path),
                "it is not text; convert a DER key to PEM",
            ));
        };
        if let Err(reason) = pem_private_key(text) {
            return Err(invalid(Some(path), reason));
        }
        Ok(PrivateKey {
            pem: Secret::new(text),
            at,
        })
    }

    fn boolean(&self, value: &Value<'_>, key_path: &str) -> Result<bool, Error> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "true or false",
            }),
        }
    }

    /// A duration (`cookie_lifetime`, `refresh_margin`, `refresh_lock_timeout`): whole
    /// seconds, or a number and a unit (`"30d"`), positive and within `limit`.
    fn duration(
        &self,
        value: &Value<'_>,
        key_path: &str,
        limit: DurationLimit,
    ) -> Result<Duration, Error> {
        let invalid = |reason| Error::InvalidDuration {
            at: self.at(value.span(), key_path),
            reason,
        };
        match value.get_ref() {
            DeValue::String(text) => settings::duration(text, limit).map_err(invalid),
            DeValue::Integer(integer) => {
                let seconds = i64::from_str_radix(integer.as_str(), integer.radix())
                    .map_err(|_| invalid("the number is too large"))?;
                let seconds =
                    u64::try_from(seconds).map_err(|_| invalid("it must be longer than zero"))?;
                settings::seconds(seconds, limit).map_err(invalid)
            }
            _ => Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "a duration such as \"30d\", \"12h\", \"90m\" or \"10s\", or whole seconds",
            }),
        }
    }

    /// `previous_cookie_secrets`: a list of non-empty secrets, newest first.
    fn secret_list(&self, value: &Value<'_>, key_path: &str) -> Result<Vec<Secret>, Error> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "a list of strings, newest first",
            });
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| Ok(Secret::new(self.string(item, &format!("{key_path}[{i}]"))?)))
            .collect()
    }

    /// `logout_params`: a table of parameter names to templates (`""` drops the parameter).
    fn logout_params(&self, value: &Value<'_>, key_path: &str) -> Result<LogoutParams, Error> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "a table, such as { logout_hint = \"{login_hint}\" }",
            });
        };
        let mut params = Vec::new();
        for (name, param) in table {
            if name.get_ref().is_empty() {
                return Err(Error::Empty {
                    at: self.at(name.span(), &format!("{key_path}.\"\"")),
                });
            }
            let param_path = format!("{key_path}.{}", name.get_ref());
            let param = match param.get_ref() {
                DeValue::String(text) if text.is_empty() => LogoutParam::Drop,
                DeValue::String(text) => {
                    LogoutParam::Set(Template::parse(text).map_err(|reason| {
                        Error::InvalidTemplate {
                            at: self.at(param.span(), &param_path),
                            reason,
                        }
                    })?)
                }
                _ => {
                    return Err(Error::WrongType {
                        at: self.at(param.span(), &param_path),
                        expected: "a string (\"\" drops the parameter)",
                    });
                }
            };
            params.push((name.get_ref().to_string(), param));
        }
        Ok(LogoutParams { params })
    }

    /// An allow-list: a non-empty list of strings, each checked and normalized by `entry`.
    fn allow_list(
        &self,
        value: &Value<'_>,
        key_path: &str,
        entry: impl Fn(&str) -> Result<String, &'static str>,
    ) -> Result<Vec<String>, Error> {
        let items = self.string_list(value, key_path)?;
        if items.is_empty() {
            return Err(Error::InvalidAccessRule {
                at: self.at(value.span(), key_path),
                reason: "an empty list lets no one in; leave the key out to let everyone in",
            });
        }
        items
            .into_iter()
            .map(|(item, at)| {
                entry(&item).map_err(|reason| Error::InvalidAccessRule { at, reason })
            })
            .collect()
    }

    /// A list of non-empty strings, each with its location (key path ending in `[i]`).
    fn string_list(
        &self,
        value: &Value<'_>,
        key_path: &str,
    ) -> Result<Vec<(String, Location)>, Error> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "a list of strings",
            });
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let item_path = format!("{key_path}[{i}]");
                let text = self.string(item, &item_path)?;
                Ok((text, self.at(item.span(), &item_path)))
            })
            .collect()
    }

    fn auth_method(
        &self,
        text: &str,
        value: &Value<'_>,
        key_path: &str,
    ) -> Result<TokenEndpointAuthMethod, Error> {
        TokenEndpointAuthMethod::ALL
            .into_iter()
            .find(|method| method.as_str() == text)
            .ok_or_else(|| Error::UnsupportedValue {
                at: self.at(value.span(), key_path),
                accepted: AUTH_METHODS,
            })
    }

    /// Warns once for each private key that no provider signs with.
    fn warn_unused_private_keys(&mut self) {
        let uses = std::mem::take(&mut self.key_uses);
        for (i, (at, _)) in uses.iter().enumerate() {
            let first = uses.iter().position(|(other, _)| other == at) == Some(i);
            if first && !uses.iter().any(|(other, signs)| other == at && *signs) {
                self.warnings.push(Warning {
                    at: at.clone(),
                    kind: WarningKind::PrivateKeyUnused,
                });
            }
        }
    }

    /// `client_kwargs`, and where its `token_endpoint_auth_method` was set. `openid`: whether
    /// `scope` must contain `openid` (OpenID providers).
    fn client_kwargs(
        &mut self,
        value: &Value<'_>,
        path: &str,
        openid: bool,
        default_scope: &str,
    ) -> Result<(ClientKwargs, Option<Location>), Error> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(Error::WrongType {
                at: self.at(value.span(), path),
                expected: "a table, such as { prompt = \"login\" }",
            });
        };
        let mut kwargs = ClientKwargs {
            scope: default_scope.to_owned(),
            ..ClientKwargs::default()
        };
        let mut method_at = None;
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let key_path = format!("{path}.{name}");
            let text = match value.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.to_string(),
                DeValue::Float(x) => x.to_string(),
                DeValue::Boolean(b) => b.to_string(),
                _ if CLIENT_SETTINGS.contains(&name) => String::new(),
                _ => {
                    return Err(Error::WrongType {
                        at: self.at(value.span(), &key_path),
                        expected: "a string, number or boolean",
                    });
                }
            };
            match name {
                "scope" => {
                    if openid && !text.split_ascii_whitespace().any(|s| s == "openid") {
                        return Err(Error::ScopeWithoutOpenid {
                            at: self.at(value.span(), &key_path),
                        });
                    }
                    kwargs.scope = text;
                }
                "prompt" => kwargs.prompt = (!text.is_empty()).then_some(text),
                "token_endpoint_auth_method" => {
                    kwargs.token_endpoint_auth_method =
                        Some(self.auth_method(&text, value, &key_path)?);
                    method_at = Some(self.at(value.span(), &key_path));
                }
                "code_challenge_method" => {
                    self.warn(key.span(), key_path, WarningKind::PkceAlwaysS256);
                }
                reserved if RESERVED_PARAMS.contains(&reserved) => {
                    return Err(Error::ReservedParameter {
                        at: self.at(key.span(), &key_path),
                    });
                }
                setting if CLIENT_SETTINGS.contains(&setting) => {
                    self.warn(key.span(), key_path, WarningKind::IgnoredClientSetting);
                }
                _ => kwargs.extra.push((name.to_owned(), text)),
            }
        }
        Ok((kwargs, method_at))
    }
}

/// A provider's own value of a setting, else the shared one of `[auth]`, else `default`.
fn pick<T: Clone>(own: Option<Setting<T>>, shared: &Option<Setting<T>>, default: T) -> Setting<T> {
    own.or_else(|| shared.clone())
        .unwrap_or_else(|| Setting::default_value(default))
}

/// Whether `text` is a GUID: 8-4-4-4-12 hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks that `text` holds a `-----BEGIN <label>-----` block whose label ends in
/// `PRIVATE KEY`, with its `-----END <label>-----`. The key itself is not parsed. The reason
/// for a refusal never quotes the text.
fn pem_private_key(text: &str) -> Result<(), &'static str> {
    const BEGIN: &str = "-----BEGIN ";
    let mut rest = text;
    let mut other_block = false;
    let mut encrypted = false;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        rest = &after[label_end + 5..];
        if !label.bytes().all(|b| b.is_ascii_uppercase() || b == b' ') {
            continue;
        }
        if label == "ENCRYPTED PRIVATE KEY" {
            encrypted = true;
        } else if label.ends_with("PRIVATE KEY") && rest.contains(&format!("-----END {label}-----"))
        {
            return Ok(());
        } else {
            other_block = true;
        }
    }
    Err(if encrypted {
        "the key is encrypted; doorman needs it unencrypted (openssl pkcs8 -nocrypt)"
    } else if other_block {
        "it holds a PEM block, but no complete private key"
    } else {
        "it holds no -----BEGIN ... PRIVATE KEY----- block"
    })
}

/// Reads at most one byte more than [`MAX_KEY_FILE_BYTES`] into memory that is wiped on drop.
fn read_limited(path: &Path) -> io::Result<Zeroizing<Vec<u8>>> {
    let limit = MAX_KEY_FILE_BYTES + 1;
    // The capacity covers the limit, so the buffer is never reallocated (and never copied
    // to memory that is not wiped).
    let mut bytes = Zeroizing::new(Vec::with_capacity(limit));
    std::fs::File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `url` with `segment` appended to its path (GitHub's `/user` → `/user/emails`).
fn beside(url: &Url, segment: &str) -> Option<Url> {
    let mut url = url.clone();
    url.path_segments_mut().ok()?.pop_if_empty().push(segment);
    Some(url)
}

/// Checks that `text` is an absolute `http(s)` URL with a host, no credentials and no fragment.
fn absolute_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme is `{}`", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it must not contain credentials".to_owned());
    }
    if url.fragment().is_some() {
        return Err("it must not contain a fragment".to_owned());
    }
    Ok(url)
}

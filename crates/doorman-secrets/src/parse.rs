//! Walks the parsed TOML of one file's `[auth]` section into an [`AuthConfig`].
//!
//! Validation happens here, at load time, for every provider: Streamlit checks only the
//! provider passed to `st.login()`, and only when it is called.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::config::{
    AuthConfig, ClientKwargs, DEFAULT_PROVIDER, ExposeTokens, PORT_PLACEHOLDER, Provider,
    RedirectUri, TokenEndpointAuthMethod,
};
use crate::error::{Error, Warning, WarningKind};
use crate::location::{Location, Origin};
use crate::secret::Secret;

/// The keys of a provider section that Streamlit requires, in its order.
const PROVIDER_KEYS: [&str; 3] = ["client_id", "client_secret", "server_metadata_url"];

/// Keys Streamlit forwards to Authlib's registry that doorman has no use for.
const AUTHLIB_KEYS: [&str; 8] = [
    "authorize_url",
    "authorize_params",
    "access_token_url",
    "access_token_params",
    "api_base_url",
    "request_token_url",
    "request_token_params",
    "client_auth_method",
];

/// Authorization parameters doorman sets itself on every login.
const RESERVED_PARAMS: [&str; 7] = [
    "response_type",
    "client_id",
    "client_secret",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
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

type Value<'i> = Spanned<DeValue<'i>>;

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
    } else if !sections.top_level_client.is_empty() {
        providers.push(cx.provider(
            DEFAULT_PROVIDER,
            "auth",
            auth_span.clone(),
            sections.top_level_client.iter().map(|(k, v)| (*k, *v)),
        )?);
    }
    for (name, value) in &sections.named {
        providers.push(cx.named_provider(name, value)?);
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

    let warnings = cx.warnings;
    Ok(AuthConfig {
        origin,
        redirect_uri,
        cookie_secret,
        expose_tokens,
        providers,
        warnings,
    })
}

/// The entries of `[auth]`, sorted by role.
struct Sections<'a, 'i> {
    redirect_uri: Option<&'a Value<'i>>,
    cookie_secret: Option<&'a Value<'i>>,
    expose_tokens: Option<&'a Value<'i>>,
    top_level_client: Vec<(&'a Spanned<std::borrow::Cow<'i, str>>, &'a Value<'i>)>,
    named: Vec<(&'a Spanned<std::borrow::Cow<'i, str>>, &'a Value<'i>)>,
}

impl<'a, 'i> Sections<'a, 'i> {
    fn split(cx: &mut Context<'_>, auth: &'a DeTable<'i>) -> Result<Self, Error> {
        let mut sections = Sections {
            redirect_uri: None,
            cookie_secret: None,
            expose_tokens: None,
            top_level_client: Vec::new(),
            named: Vec::new(),
        };
        for (key, value) in auth {
            match key.get_ref().as_ref() {
                "redirect_uri" => sections.redirect_uri = Some(value),
                "cookie_secret" => sections.cookie_secret = Some(value),
                "expose_tokens" => sections.expose_tokens = Some(value),
                "client_id" | "client_secret" | "server_metadata_url" | "client_kwargs" => {
                    sections.top_level_client.push((key, value));
                }
                name => match value.get_ref() {
                    DeValue::Table(_) => sections.named.push((key, value)),
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
                    _ => cx.warn(key.span(), format!("auth.{name}"), WarningKind::UnknownKey),
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
}

impl Context<'_> {
    fn at(&self, span: Range<usize>, key_path: &str) -> Location {
        Location::at(self.origin, self.text, span.start, key_path.to_owned())
    }

    fn warn(&mut self, span: Range<usize>, key_path: String, kind: WarningKind) {
        let at = Location::at(self.origin, self.text, span.start, key_path);
        self.warnings.push(Warning { at, kind });
    }

    fn string(&self, value: &Value<'_>, key_path: &str) -> Result<String, Error> {
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => Err(Error::Empty {
                at: self.at(value.span(), key_path),
            }),
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(Error::WrongType {
                at: self.at(value.span(), key_path),
                expected: "a string",
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
        name: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Value<'_>,
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
        self.provider(name_str, &path, value.span(), table.iter())
    }

    fn provider<'a, 'i: 'a>(
        &mut self,
        name: &str,
        path: &str,
        span: Range<usize>,
        entries: impl Iterator<Item = (&'a Spanned<std::borrow::Cow<'i, str>>, &'a Value<'i>)>,
    ) -> Result<Provider, Error> {
        let mut client_id = None;
        let mut client_secret = None;
        let mut metadata_url = None;
        let mut client_kwargs = ClientKwargs::default();
        let mut kwargs_value = None;
        for (key, value) in entries {
            let key_path = format!("{path}.{}", key.get_ref());
            match key.get_ref().as_ref() {
                "client_id" => client_id = Some((value, key_path)),
                "client_secret" => client_secret = Some((value, key_path)),
                "server_metadata_url" => metadata_url = Some((value, key_path)),
                "client_kwargs" => kwargs_value = Some((value, key_path)),
                "expose_tokens" => {
                    self.warn(key.span(), key_path, WarningKind::ExposeTokensInProvider);
                }
                other if AUTHLIB_KEYS.contains(&other) => {
                    self.warn(key.span(), key_path, WarningKind::UnsupportedAuthlibKey);
                }
                _ => self.warn(key.span(), key_path, WarningKind::UnknownKey),
            }
        }
        let missing: Vec<&'static str> = PROVIDER_KEYS
            .iter()
            .zip([
                client_id.is_none(),
                client_secret.is_none(),
                metadata_url.is_none(),
            ])
            .filter_map(|(key, missing)| missing.then_some(*key))
            .collect();
        let (Some(client_id), Some(client_secret), Some(metadata_url)) =
            (client_id, client_secret, metadata_url)
        else {
            return Err(Error::ProviderMissingKeys {
                at: self.at(span, path),
                provider: name.to_owned(),
                keys: missing,
            });
        };
        if let Some((value, key_path)) = kwargs_value {
            client_kwargs = self.client_kwargs(value, &key_path)?;
        }
        Ok(Provider {
            name: name.to_owned(),
            client_id: self.string(client_id.0, &client_id.1)?,
            client_secret: Secret::new(self.string(client_secret.0, &client_secret.1)?),
            server_metadata_url: self.url(metadata_url.0, &metadata_url.1, false)?,
            client_kwargs,
        })
    }

    fn client_kwargs(&mut self, value: &Value<'_>, path: &str) -> Result<ClientKwargs, Error> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(Error::WrongType {
                at: self.at(value.span(), path),
                expected: "a table, such as { prompt = \"login\" }",
            });
        };
        let mut kwargs = ClientKwargs::default();
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
                    if !text.split_ascii_whitespace().any(|s| s == "openid") {
                        return Err(Error::ScopeWithoutOpenid {
                            at: self.at(value.span(), &key_path),
                        });
                    }
                    kwargs.scope = text;
                }
                "prompt" => kwargs.prompt = (!text.is_empty()).then_some(text),
                "token_endpoint_auth_method" => {
                    kwargs.token_endpoint_auth_method = match text.as_str() {
                        "client_secret_basic" => TokenEndpointAuthMethod::ClientSecretBasic,
                        "client_secret_post" => TokenEndpointAuthMethod::ClientSecretPost,
                        _ => {
                            return Err(Error::UnsupportedValue {
                                at: self.at(value.span(), &key_path),
                                accepted: "\"client_secret_basic\", \"client_secret_post\"",
                            });
                        }
                    }
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
        Ok(kwargs)
    }
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

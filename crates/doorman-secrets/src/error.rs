//! [`Error`]: why a secrets file was refused, and [`Warning`]: what loads but deserves a look.
//!
//! Where Streamlit has a message for a failure, the message is Streamlit's own wording
//! (without the stray indentation of its triple-quoted strings), followed by where it was found.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::location::{Location, Origin};

const FILE: &str = "`.streamlit/secrets.toml`";

/// Why a secrets file, or a provider lookup in it, was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file that was named explicitly could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The text is not valid TOML.
    Syntax {
        /// Where the parser stopped.
        at: Location,
        /// The TOML parser's message.
        message: String,
    },
    /// No `[auth]` section was found in any of the files searched (Streamlit's first message).
    NotConfigured {
        /// The files that were looked for, in order.
        searched: Vec<Origin>,
    },
    /// A required shared key of `[auth]` is missing (`redirect_uri` or `cookie_secret`).
    MissingKey {
        /// The `[auth]` table.
        at: Location,
        /// The missing key.
        key: &'static str,
    },
    /// A provider section lacks required keys.
    ProviderMissingKeys {
        /// The provider's table (or `[auth]` for the default provider).
        at: Location,
        /// The provider, `default` for the unnamed one.
        provider: String,
        /// The missing keys, in Streamlit's order.
        keys: Vec<&'static str>,
    },
    /// A provider entry under `[auth]` is not a table.
    ProviderNotTable {
        /// The entry.
        at: Location,
        /// Its name.
        provider: String,
    },
    /// A provider name that cannot be used in URLs and cookie names.
    InvalidProviderName {
        /// The provider's table.
        at: Location,
        /// The name as written.
        provider: String,
    },
    /// A value has the wrong TOML type.
    WrongType {
        /// The value.
        at: Location,
        /// What the key takes.
        expected: &'static str,
    },
    /// A value that must not be empty is empty.
    Empty {
        /// The value.
        at: Location,
    },
    /// A URL is not an absolute `http` or `https` URL.
    InvalidUrl {
        /// The value.
        at: Location,
        /// Why it was refused.
        reason: String,
    },
    /// `expose_tokens` names something other than `id` and `access`.
    InvalidExposeTokens {
        /// The offending value.
        at: Location,
    },
    /// `client_kwargs` sets a parameter that doorman sets itself on every login
    /// ([`crate::RESERVED_PARAMS`]).
    ReservedParameter {
        /// The parameter.
        at: Location,
    },
    /// `client_kwargs.scope` lacks `openid`, so no identity could ever be returned.
    ScopeWithoutOpenid {
        /// The scope value.
        at: Location,
    },
    /// A value outside the set the key accepts.
    UnsupportedValue {
        /// The value.
        at: Location,
        /// The values the key accepts.
        accepted: &'static str,
    },
    /// Two keys that say the same thing, or contradict each other, are both given:
    /// `token_endpoint_auth_method` in a section and in its `client_kwargs`, `private_key`
    /// and `private_key_file`, `provider_preset` and `server_metadata_url`.
    ConflictingKeys {
        /// One of the two.
        at: Location,
        /// The key path of the other one.
        other: String,
    },
    /// A plain OAuth 2.0 provider gives some of `authorize_url`, `access_token_url` and
    /// `userinfo_endpoint` but not all, and no `provider_preset` fills the rest.
    IncompleteOAuth2Endpoints {
        /// The provider's table: `auth.NAME`, or `auth` for the default provider.
        at: Location,
        /// The keys that are missing, in that order.
        missing: Vec<&'static str>,
    },
    /// An `allowed_tenants` entry is not an Entra tenant id (a GUID).
    InvalidTenant {
        /// The entry, its key path ending in its position such as `[0]`.
        at: Location,
        /// The entry as written (a tenant id is not a secret).
        value: String,
    },
    /// `token_endpoint_auth_method` is `private_key_jwt`, but no private key is configured.
    MissingPrivateKey {
        /// Where `private_key_jwt` was set.
        at: Location,
        /// The provider that needs the key.
        provider: String,
    },
    /// `private_key` or the file named by `private_key_file` holds no usable PEM private key.
    InvalidPrivateKey {
        /// The key.
        at: Location,
        /// The file, for `private_key_file`.
        path: Option<PathBuf>,
        /// Why it was refused; never a part of the key.
        reason: &'static str,
    },
    /// The file named by `private_key_file` could not be read.
    ReadPrivateKey {
        /// The key.
        at: Location,
        /// The file, resolved against the secrets file's folder.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A duration (`cookie_lifetime`, `refresh_margin`, `refresh_lock_timeout`) that is not
    /// positive, in a known unit, and at most its key's longest (400 days; 5 minutes for
    /// `refresh_lock_timeout`).
    InvalidDuration {
        /// The value.
        at: Location,
        /// Why.
        reason: &'static str,
    },
    /// `base_path` is not a plain absolute path.
    InvalidBasePath {
        /// The value.
        at: Location,
        /// Why.
        reason: &'static str,
    },
    /// A `logout_params` value whose `{claim}` placeholders are malformed.
    InvalidTemplate {
        /// The value.
        at: Location,
        /// Why.
        reason: &'static str,
    },
    /// An allow-list (`allowed_emails`, `allowed_domains`, `allowed_groups`) or its
    /// `groups_claim` that cannot be used: an empty list, or an entry of the wrong shape.
    InvalidAccessRule {
        /// The list or the entry, its key path ending in its position such as `[0]`.
        at: Location,
        /// Why, never quoting the value.
        reason: &'static str,
    },
    /// `api_audience` for a plain OAuth 2.0 provider, which has no keys to verify tokens with.
    ApiAudienceWithoutKeys {
        /// The key.
        at: Location,
        /// The provider, `default` for the unnamed one.
        provider: String,
    },
    /// One of doorman's app-wide keys (`base_path`, `previous_cookie_secrets`, `redis_url`,
    /// `session_store`, `refresh_lock_timeout`) in a provider's section.
    AppWideKey {
        /// The key.
        at: Location,
    },
    /// `redis_url` is not a Redis URL doorman can use: `redis://` or `rediss://`, a host, an
    /// optional port and database number, no query or fragment.
    InvalidRedisUrl {
        /// The value.
        at: Location,
        /// Why, never quoting the URL (it may hold a password).
        reason: &'static str,
    },
    /// `session_store = "redis"` without `redis_url`: the sessions would have nowhere to live.
    SessionStoreWithoutRedis {
        /// `session_store`.
        at: Location,
    },
    /// A provider was asked for that the configuration does not have.
    UnknownProvider {
        /// The name asked for, `default` for the unnamed provider.
        provider: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => {
                write!(f, "cannot read secrets file {}: {source}", path.display())
            }
            Self::Syntax { at, message } => write!(f, "invalid TOML ({at}): {message}"),
            Self::NotConfigured { searched } => {
                write!(
                    f,
                    "To use authentication features you need to configure credentials for at least one authentication provider in {FILE}. (searched: "
                )?;
                if searched.is_empty() {
                    f.write_str("no files")?;
                }
                for (i, origin) in searched.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{origin}")?;
                }
                f.write_str(")")
            }
            Self::MissingKey { at, key } => write!(
                f,
                "Authentication credentials in {FILE} are missing the \"{key}\" key. Please check your configuration. ({at}, key `{}`)",
                at.key_path
            ),
            Self::ProviderMissingKeys { at, provider, keys } => {
                let list = keys
                    .iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "Authentication credentials in {FILE} for {} are missing the following keys: [{list}]. Please check your configuration. ({at}, key `{}`)",
                    provider_phrase(provider),
                    at.key_path
                )
            }
            Self::ProviderNotTable { at, provider } => write!(
                f,
                "Authentication credentials in {FILE} for the authentication provider \"{provider}\" must be valid TOML. Please check your configuration. ({at}, key `{}`)",
                at.key_path
            ),
            Self::InvalidProviderName { at, provider } => write!(
                f,
                "auth provider name \"{provider}\" may contain only ASCII letters, digits, '-', '_' and '.' ({at})"
            ),
            Self::WrongType { at, expected } => {
                write!(f, "`{}` must be {expected} ({at})", at.key_path)
            }
            Self::Empty { at } => write!(f, "`{}` must not be empty ({at})", at.key_path),
            Self::InvalidUrl { at, reason } => write!(
                f,
                "`{}` must be an absolute http or https URL: {reason} ({at})",
                at.key_path
            ),
            Self::InvalidExposeTokens { at } => write!(
                f,
                "Invalid expose_tokens configuration. Only 'id' and 'access' are allowed. ({at}, key `{}`)",
                at.key_path
            ),
            Self::ReservedParameter { at } => write!(
                f,
                "`{}` is set by doorman on every login and cannot be configured ({at})",
                at.key_path
            ),
            Self::ScopeWithoutOpenid { at } => write!(
                f,
                "`{}` must include `openid`, or the provider returns no identity ({at})",
                at.key_path
            ),
            Self::UnsupportedValue { at, accepted } => {
                write!(f, "`{}` must be one of {accepted} ({at})", at.key_path)
            }
            Self::ConflictingKeys { at, other } => write!(
                f,
                "`{}` and `{other}` cannot both be given; keep one ({at})",
                at.key_path
            ),
            Self::IncompleteOAuth2Endpoints { at, missing } => {
                let list = missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "{} lacks {list}: a plain OAuth2 provider needs `authorize_url`, `access_token_url` and `userinfo_endpoint` together, or a `provider_preset`; an OpenID provider needs `server_metadata_url` ({at}, key `{}`)",
                    capitalized(&provider_phrase(
                        at.key_path
                            .strip_prefix("auth.")
                            .unwrap_or(crate::DEFAULT_PROVIDER)
                    )),
                    at.key_path
                )
            }
            Self::InvalidTenant { at, value } => write!(
                f,
                "`{}` must be an Entra tenant id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47 (not a domain name, `common` or `organizations`), but is {value:?} ({at})",
                at.key_path
            ),
            Self::MissingPrivateKey { at, provider } => write!(
                f,
                "`{}` is `private_key_jwt`, which needs `private_key` or `private_key_file` for {} ({at})",
                at.key_path,
                provider_phrase(provider)
            ),
            Self::InvalidPrivateKey { at, path, reason } => {
                write!(f, "`{}`", at.key_path)?;
                if let Some(path) = path {
                    write!(f, " ({})", path.display())?;
                }
                write!(
                    f,
                    " must hold a PEM private key (-----BEGIN PRIVATE KEY-----): {reason} ({at})"
                )
            }
            Self::ReadPrivateKey { at, path, source } => write!(
                f,
                "cannot read `{}` {}: {source} ({at})",
                at.key_path,
                path.display()
            ),
            Self::InvalidDuration { at, reason } => write!(
                f,
                "`{}` must be a duration such as \"30d\", \"12h\", \"90m\" or \"10s\", or whole seconds: {reason} ({at})",
                at.key_path
            ),
            Self::InvalidBasePath { at, reason } => write!(
                f,
                "`{}` must be the app's path, such as \"/dashboard\": {reason} ({at})",
                at.key_path
            ),
            Self::InvalidTemplate { at, reason } => write!(
                f,
                "`{}` must be text with {{claim}} placeholders, such as \"{{login_hint}}\": {reason} ({at})",
                at.key_path
            ),
            Self::InvalidAccessRule { at, reason } => {
                write!(f, "`{}` cannot be used: {reason} ({at})", at.key_path)
            }
            Self::ApiAudienceWithoutKeys { at, provider } => write!(
                f,
                "`{}` needs an OpenID provider, whose keys verify the API's tokens, and {} is plain OAuth 2.0 ({at})",
                at.key_path,
                provider_phrase(provider)
            ),
            Self::AppWideKey { at } => {
                let key = at.key_path.rsplit('.').next().unwrap_or_default();
                write!(
                    f,
                    "`{}` is one setting for the whole app: write `{key}` in the [auth] section ({at})",
                    at.key_path
                )
            }
            Self::InvalidRedisUrl { at, reason } => write!(
                f,
                "`{}` must be a Redis URL, redis://[user:password@]host[:port][/db] or rediss://... for TLS: {reason} ({at})",
                at.key_path
            ),
            Self::SessionStoreWithoutRedis { at } => write!(
                f,
                "`{}` is \"redis\", which needs `auth.redis_url`: add the Redis that holds the sessions, or use \"cookie\" ({at})",
                at.key_path
            ),
            Self::UnknownProvider { provider } if provider == crate::DEFAULT_PROVIDER => write!(
                f,
                "Authentication credentials in {FILE} are missing for the default authentication provider. Please check your configuration."
            ),
            Self::UnknownProvider { provider } => write!(
                f,
                "Authentication credentials in {FILE} are missing for the authentication provider \"{provider}\". Please check your configuration."
            ),
        }
    }
}

fn provider_phrase(provider: &str) -> String {
    if provider == crate::DEFAULT_PROVIDER {
        "the default authentication provider".to_owned()
    } else {
        format!("the authentication provider \"{provider}\"")
    }
}

fn capitalized(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } | Self::ReadPrivateKey { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Something that loads but deserves the author's attention; `doorman check` prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where it was found.
    pub at: Location,
    /// What it is.
    pub kind: WarningKind,
}

/// The kinds of [`Warning`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// `cookie_secret` is shorter than 32 bytes.
    WeakCookieSecret {
        /// Its length in bytes.
        len: usize,
    },
    /// A key doorman does not know; it is ignored.
    UnknownKey {
        /// The known key it is nearest to, if it looks like a typo of one.
        did_you_mean: Option<&'static str>,
    },
    /// A table under `[auth]` that holds no provider key (`client_id`, `client_secret`,
    /// `server_metadata_url`, ...): not a provider, ignored as Streamlit ignores it.
    NotAProvider,
    /// A key Streamlit passes to Authlib that doorman does not use; it is ignored.
    UnsupportedAuthlibKey,
    /// An Authlib HTTP-client setting in `client_kwargs`; it is ignored.
    IgnoredClientSetting,
    /// `client_kwargs.code_challenge_method`: doorman always uses PKCE with S256.
    PkceAlwaysS256,
    /// `expose_tokens` in a provider section, where Streamlit ignores it; doorman ignores it too.
    ExposeTokensInProvider,
    /// Top-level `client_*` keys next to an `[auth.default]` table, which wins.
    ShadowedByDefaultSection,
    /// A provider name with an underscore: doorman accepts it, Streamlit refuses it.
    UnderscoreInProviderName,
    /// A URL that still holds a documentation placeholder such as `{tenant}`.
    PlaceholderInUrl,
    /// The app expects refresh (it sets `refresh_margin`) but does not ask the provider for a
    /// refresh token, which most issue only when asked.
    RefreshNotAsked {
        /// The provider.
        provider: String,
        /// What to add.
        advice: &'static str,
    },
    /// `private_key` or `private_key_file` that no provider uses: a private key is used only
    /// with `token_endpoint_auth_method = "private_key_jwt"`.
    PrivateKeyUnused,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.at.key_path;
        match &self.kind {
            WarningKind::WeakCookieSecret { len } => write!(
                f,
                "`{key}` is {len} bytes long; use at least 32 random bytes (`doorman secret` prints one)"
            ),
            WarningKind::UnknownKey { did_you_mean: None } => {
                write!(f, "`{key}` is not a key doorman knows; it is ignored")
            }
            WarningKind::UnknownKey {
                did_you_mean: Some(known),
            } => write!(
                f,
                "`{key}` is not a key doorman knows; it is ignored (did you mean `{known}`?)"
            ),
            WarningKind::NotAProvider => write!(
                f,
                "`{key}` holds none of client_id, client_secret, server_metadata_url, authorize_url: it is not a provider, and is ignored"
            ),
            WarningKind::UnsupportedAuthlibKey => write!(
                f,
                "`{key}` is an Authlib setting doorman does not use; it is ignored"
            ),
            WarningKind::IgnoredClientSetting => write!(
                f,
                "`{key}` is an Authlib HTTP-client setting; doorman ignores it"
            ),
            WarningKind::PkceAlwaysS256 => {
                write!(f, "`{key}` is ignored: doorman always uses PKCE with S256")
            }
            WarningKind::ExposeTokensInProvider => write!(
                f,
                "`{key}` is ignored: expose_tokens belongs in the [auth] section"
            ),
            WarningKind::ShadowedByDefaultSection => write!(
                f,
                "`{key}` is ignored because an [auth.default] section exists"
            ),
            WarningKind::UnderscoreInProviderName => write!(
                f,
                "`{key}`: doorman accepts underscores in provider names, Streamlit refuses them"
            ),
            WarningKind::PlaceholderInUrl => write!(
                f,
                "`{key}` still contains a placeholder such as {{tenant}}; replace it with your value"
            ),
            WarningKind::RefreshNotAsked { provider, advice } => write!(
                f,
                "provider `{provider}` will likely issue no refresh token, so its sessions cannot outlive their access token (an hour, often): {advice}"
            ),
            WarningKind::PrivateKeyUnused => write!(
                f,
                "`{key}` is not used: a private key is used only with token_endpoint_auth_method = \"private_key_jwt\""
            ),
        }?;
        write!(f, " ({})", self.at)
    }
}

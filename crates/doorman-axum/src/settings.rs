//! The effective settings: the secrets file's doorman keys with the code's [`AuthOptions`]
//! over them, app-wide and per provider, each with where it came from
//! ([`crate::Auth::settings`]).

use std::time::Duration;

use doorman_secrets::{
    AuthConfig, LogoutParams, Provider, RedirectUri, Secret, Setting, SettingLine, Source,
    format_duration,
};

use crate::allow::AccessRules;
use crate::error::AuthError;
use crate::options::{AuthOptions, DEFAULT_SESSION_CACHE_SIZE};

/// One effective setting: app-wide (`provider` is `None`) or one provider's.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EffectiveSetting {
    /// The provider it applies to; `None` for the whole app.
    pub provider: Option<String>,
    /// The key, its value as text (secrets redacted) and where it came from.
    pub line: SettingLine,
}

/// What a provider's logins last, what they call, and what its logout URL carries.
#[derive(Clone, Debug)]
pub(crate) struct LoginPolicy {
    pub(crate) cookie_lifetime: Duration,
    pub(crate) refresh_margin: Duration,
    pub(crate) bound_to_id_token: bool,
    pub(crate) call_userinfo: bool,
    pub(crate) logout_params: LogoutParams,
    /// Who may log in, and where the users' groups are.
    pub(crate) access: AccessRules,
    /// The audience of bearer tokens for the app's API this provider's keys verify.
    pub(crate) api_audience: Option<String>,
}

/// The app-wide settings, resolved.
pub(crate) struct AppSettings {
    pub(crate) base_path: String,
    pub(crate) port: u16,
    pub(crate) previous_cookie_secrets: Vec<Secret>,
    pub(crate) session_cache_size: usize,
}

/// The code's value when it gives one, else the file's (or the default).
fn over<T: Clone>(code: Option<&T>, file: &Setting<T>) -> Setting<T> {
    code.map_or_else(
        || file.clone(),
        |value| Setting::new(value.clone(), Source::Code),
    )
}

/// The code's value when it gives one, else `default`.
fn code_or_default<T: Clone>(code: Option<&T>, default: T) -> Setting<T> {
    match code {
        Some(value) => Setting::new(value.clone(), Source::Code),
        None => Setting::new(default, Source::Default),
    }
}

/// Every effective setting of `config` under `options`, and the resolved values the
/// adapter runs with.
pub(crate) struct Resolved {
    pub(crate) app: AppSettings,
    pub(crate) policies: Vec<LoginPolicy>,
    pub(crate) report: Vec<EffectiveSetting>,
}

/// Merges the code's options over the file's settings.
///
/// # Errors
/// [`AuthError::BasePath`] when the code's base path cannot be one.
pub(crate) fn resolve(config: &AuthConfig, options: &AuthOptions) -> Result<Resolved, AuthError> {
    let code_base_path = match &options.base_path {
        Some(written) => Some(
            doorman_secrets::parse_base_path(written)
                .map_err(|reason| AuthError::BasePath(reason.to_owned()))?,
        ),
        None => None,
    };
    let base_path = over(code_base_path.as_ref(), config.base_path());
    let previous = over(
        options.previous_cookie_secrets.as_ref(),
        config.previous_cookie_secrets(),
    );
    let port = code_or_default(options.port.as_ref(), RedirectUri::DEFAULT_PORT);
    let cache = code_or_default(
        options.session_cache_size.as_ref(),
        DEFAULT_SESSION_CACHE_SIZE,
    );
    let app = |line| EffectiveSetting {
        provider: None,
        line,
    };
    let mut report = vec![
        app(SettingLine::of("base_path", &base_path, |path| {
            if path.is_empty() {
                "/".to_owned()
            } else {
                path.clone()
            }
        })),
        app(SettingLine::of(
            "previous_cookie_secrets",
            &previous,
            |secrets| format!("{} (REDACTED)", secrets.len()),
        )),
        app(SettingLine::of("port", &port, u16::to_string)),
        app(SettingLine::of("session_cache_size", &cache, |bytes| {
            format!("{bytes} bytes")
        })),
    ];
    // The shared state's settings come from the file alone.
    report.extend(
        config
            .settings()
            .into_iter()
            .filter(|line| {
                matches!(
                    line.key,
                    "redis_url" | "session_store" | "refresh_lock_timeout"
                )
            })
            .map(app),
    );
    let mut policies = Vec::with_capacity(config.providers().len());
    for provider in config.providers() {
        let (policy, lines) = policy(provider, options);
        policies.push(policy);
        report.extend(lines.into_iter().map(|line| EffectiveSetting {
            provider: Some(provider.name().to_owned()),
            line,
        }));
    }
    Ok(Resolved {
        app: AppSettings {
            base_path: base_path.into_value(),
            port: port.into_value(),
            previous_cookie_secrets: previous.into_value(),
            session_cache_size: cache.into_value(),
        },
        policies,
        report,
    })
}

/// One provider's login policy, and its report lines.
fn policy(provider: &Provider, options: &AuthOptions) -> (LoginPolicy, Vec<SettingLine>) {
    let lifetime = over(options.cookie_lifetime.as_ref(), provider.cookie_lifetime());
    let bound = over(
        options.bound_to_id_token.as_ref(),
        provider.bound_to_id_token(),
    );
    let userinfo = over(options.call_userinfo.as_ref(), provider.call_userinfo());
    let overridden = [
        SettingLine::of("cookie_lifetime", &lifetime, |d| format_duration(*d)),
        SettingLine::of("bound_to_id_token", &bound, bool::to_string),
        SettingLine::of("call_userinfo", &userinfo, bool::to_string),
    ];
    let lines = provider
        .settings()
        .into_iter()
        .map(|line| {
            overridden
                .iter()
                .find(|o| o.key == line.key)
                .cloned()
                .unwrap_or(line)
        })
        .collect();
    let policy = LoginPolicy {
        cookie_lifetime: lifetime.into_value(),
        refresh_margin: *provider.refresh_margin().value(),
        bound_to_id_token: bound.into_value(),
        call_userinfo: userinfo.into_value(),
        logout_params: provider.logout_params().value().clone(),
        access: AccessRules::of(provider),
        api_audience: provider.api_audience().map(|a| a.value().clone()),
    };
    (policy, lines)
}

//! `doorman check`: load the secrets as the library does and print what it found.

use std::path::PathBuf;
use std::process::ExitCode;

use doorman::Discovered;
use doorman::secrets::{AuthConfig, Endpoints, Provider, SettingLine};

pub(crate) fn run(files: &[PathBuf], discover: bool) -> ExitCode {
    let loaded = if files.is_empty() {
        AuthConfig::load_default()
    } else {
        AuthConfig::load(files)
    };
    match loaded {
        Ok(config) => {
            crate::say(&report(&config));
            if discover {
                return discover_providers(&config);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::say_err(&format!("error: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// `--discover`: fetches every provider's metadata and keys; exit 1 when one is refused.
fn discover_providers(config: &AuthConfig) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            crate::say_err(&format!("error: cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let reports = runtime.block_on(async {
        let auth = doorman::Auth::new(config, doorman::AuthOptions::default())?;
        Ok::<_, doorman::AuthError>(auth.discover().await)
    });
    let reports = match reports {
        Ok(reports) => reports,
        Err(e) => {
            crate::say_err(&format!("error: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    crate::say("discovery:");
    for report in reports {
        let name = &report.name;
        match &report.outcome {
            Ok(found) => crate::say(&format!("  - {name}: ok: {}", discovered(found))),
            Err(why) => {
                failed = true;
                crate::say(&format!("  - {name}: FAILED: {why}"));
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One provider's line of `--discover`, after `ok: `.
fn discovered(found: &Discovered) -> String {
    match found {
        Discovered::OpenId {
            issuer,
            signing_keys,
            pkce,
            logout_at_provider,
            ..
        } => format!(
            "issuer {issuer}, {signing_keys} signing key(s), PKCE {}, logout at the provider {}",
            if *pkce { "S256" } else { "off" },
            if *logout_at_provider { "yes" } else { "no" },
        ),
        Discovered::PlainOAuth2 {
            user_api,
            emails_api,
            ..
        } => format!(
            "plain OAuth 2.0, nothing to discover: no signed ID token, lower assurance than OpenID Connect; user {user_api}{}, logout local",
            emails_api
                .as_ref()
                .map_or(String::new(), |url| format!(", emails {url}"))
        ),
        _ => "found a kind of provider this version cannot describe".to_owned(),
    }
}

/// The report of a loaded configuration: never a secret value.
fn report(config: &AuthConfig) -> String {
    let mut out = format!("secrets: {}\n", config.origin());
    out.push_str(&format!(
        "redirect_uri: {}\n",
        config.redirect_uri().as_template()
    ));
    let exposed = config.expose_tokens();
    let tokens: Vec<&str> = [(exposed.id, "id"), (exposed.access, "access")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    out.push_str(&format!(
        "expose_tokens: {}\n",
        if tokens.is_empty() {
            "none".to_owned()
        } else {
            tokens.join(", ")
        }
    ));
    out.push_str("settings:\n");
    for line in config.settings() {
        out.push_str(&setting_line("  ", &line));
    }
    out.push_str(&format!("providers ({}):\n", config.providers().len()));
    for provider in config.providers() {
        out.push_str(&provider_lines(provider));
    }
    if config.warnings().is_empty() {
        out.push_str("warnings: none");
    } else {
        out.push_str(&format!("warnings ({}):", config.warnings().len()));
        for warning in config.warnings() {
            out.push_str(&format!("\n  ! {warning}"));
        }
    }
    out
}

fn provider_lines(provider: &Provider) -> String {
    let kwargs = provider.client_kwargs();
    let mut out = format!(
        "  - {}{}\n",
        provider.name(),
        if provider.is_default() {
            " (st.login() with no argument)"
        } else {
            ""
        }
    );
    out.push_str(&format!("      client_id: {}\n", provider.client_id()));
    match provider.endpoints() {
        Endpoints::Discovery {
            server_metadata_url,
            ..
        } => out.push_str(&format!(
            "      server_metadata_url: {server_metadata_url}\n"
        )),
        Endpoints::OAuth2 {
            authorize_url,
            access_token_url,
            userinfo_url,
            emails_url,
            preset,
            ..
        } => {
            out.push_str(&format!(
                "      endpoints: plain OAuth 2.0{}\n",
                preset.map_or(String::new(), |p| format!(
                    " (provider_preset = \"{}\")",
                    p.as_str()
                ))
            ));
            out.push_str(&format!("      authorize_url: {authorize_url}\n"));
            out.push_str(&format!("      access_token_url: {access_token_url}\n"));
            out.push_str(&format!("      userinfo_endpoint: {userinfo_url}\n"));
            if let Some(emails_url) = emails_url {
                out.push_str(&format!(
                    "      emails: {emails_url} (asked when the user's email is private)\n"
                ));
            }
            out.push_str(
                "      assurance: plain OAuth 2.0 with no signed ID token: lower assurance than OpenID Connect (the user is whatever the provider's API answers for the access token); logout is local\n",
            );
        }
        _ => out.push_str("      endpoints: of a kind this version cannot use\n"),
    }
    out.push_str(&format!("      scope: {}\n", kwargs.scope()));
    out.push_str(&format!(
        "      prompt: {}\n",
        kwargs.prompt().unwrap_or("(none)")
    ));
    if !kwargs.extra_params().is_empty() {
        let extra: Vec<String> = kwargs
            .extra_params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!("      extra parameters: {}\n", extra.join(", ")));
    }
    out.push_str("      settings:\n");
    for line in provider.settings() {
        out.push_str(&setting_line("        ", &line));
    }
    out
}

/// `key = value (where it came from)`: the file, line and column of the key, or `default`.
fn setting_line(indent: &str, line: &SettingLine) -> String {
    format!("{indent}{} = {} ({})\n", line.key, line.value, line.source)
}

//! `doorman check`: load the secrets as the library does and print what it found.

use std::path::PathBuf;
use std::process::ExitCode;

use doorman::secrets::{AuthConfig, Provider};

pub(crate) fn run(files: &[PathBuf]) -> ExitCode {
    let loaded = if files.is_empty() {
        AuthConfig::load_default()
    } else {
        AuthConfig::load(files)
    };
    match loaded {
        Ok(config) => {
            crate::say(&report(&config));
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::say_err(&format!("error: {e}"));
            ExitCode::FAILURE
        }
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
    out.push_str(&format!(
        "      server_metadata_url: {}\n",
        provider.server_metadata_url()
    ));
    out.push_str(&format!("      scope: {}\n", kwargs.scope()));
    out.push_str(&format!(
        "      prompt: {}\n",
        kwargs.prompt().unwrap_or("(none)")
    ));
    out.push_str(&format!(
        "      token_endpoint_auth_method: {}\n",
        kwargs.token_endpoint_auth_method().as_str()
    ));
    if !kwargs.extra_params().is_empty() {
        let extra: Vec<String> = kwargs
            .extra_params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!("      extra parameters: {}\n", extra.join(", ")));
    }
    out
}

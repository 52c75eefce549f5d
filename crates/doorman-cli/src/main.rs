//! The `doorman` command.
//!
//! - `doorman demo [--secrets FILE | --redis URL] [--addr ADDR]`: the demo app, with the
//!   built-in development provider when no secrets file is given; with `--redis`, two replicas
//!   of it sharing sessions through that Redis.
//! - `doorman check [--discover] [FILE...]`: load the secrets as the library does and print
//!   what it found; `--discover` also fetches every provider's metadata and keys.
//! - `doorman secret`: print a fresh random `cookie_secret`.

mod check;
mod demo;
mod secret;

use std::process::ExitCode;

const USAGE: &str = "usage: doorman <command>

commands:
  demo [--secrets FILE | --redis URL] [--addr 127.0.0.1:8501]
                    the demo app; without --secrets, against the built-in development provider;
                    --redis redis://127.0.0.1:6379/0 serves two replicas (--addr's port and the
                    next) sharing sessions in that Redis (with --secrets, the file says where Redis is)
  check [--discover] [FILE...]
                    load and validate secrets (default: Streamlit's lookup, or $DOORMAN_SECRETS_FILES);
                    --discover also fetches every provider's metadata and keys
  secret            print a fresh random cookie_secret";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            say_err(&message);
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let command = match parser.next().map_err(|e| e.to_string())? {
        Some(Value(command)) => command.string().map_err(|e| e.to_string())?,
        Some(Short('h') | Long("help")) | None => {
            say(USAGE);
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(format!("{}\n\n{USAGE}", other.unexpected())),
    };
    match command.as_str() {
        "check" => {
            let mut files = Vec::new();
            let mut discover = false;
            while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
                match arg {
                    Long("discover") => discover = true,
                    Value(file) => files.push(std::path::PathBuf::from(file)),
                    other => return Err(other.unexpected().to_string()),
                }
            }
            Ok(check::run(&files, discover))
        }
        "demo" => {
            let mut args = demo::DemoArgs {
                secrets: None,
                redis: None,
                addr: std::net::SocketAddr::from(([127, 0, 0, 1], 8501)),
            };
            while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
                match arg {
                    Long("secrets") => {
                        args.secrets = Some(parser.value().map_err(|e| e.to_string())?.into());
                    }
                    Long("redis") => {
                        let value = parser.value().map_err(|e| e.to_string())?;
                        args.redis = Some(value.string().map_err(|e| e.to_string())?);
                    }
                    Long("addr") => {
                        let value = parser.value().map_err(|e| e.to_string())?;
                        let text = value.string().map_err(|e| e.to_string())?;
                        args.addr = text.parse().map_err(|_| {
                            format!("--addr `{text}` is not an address such as 127.0.0.1:8501")
                        })?;
                    }
                    other => return Err(other.unexpected().to_string()),
                }
            }
            if args.secrets.is_some() && args.redis.is_some() {
                return Err("--redis and --secrets do not go together: --redis configures the built-in development provider's demo; with --secrets, give redis_url and session_store = \"redis\" in the file's [auth]".to_owned());
            }
            Ok(demo::run(&args))
        }
        "secret" => {
            if let Some(arg) = parser.next().map_err(|e| e.to_string())? {
                return Err(arg.unexpected().to_string());
            }
            secret::run()
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// Prints a line to standard output.
#[allow(clippy::print_stdout)]
fn say(text: &str) {
    println!("{text}");
}

/// Prints a line to standard error.
#[allow(clippy::print_stderr)]
fn say_err(text: &str) {
    eprintln!("{text}");
}

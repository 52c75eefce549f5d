//! The end-to-end step: `oidc-provider` from npm and Debian's Chromium, driven by
//! `tests/e2e`. A missing tool is installed from Debian first (`tools.rs`); one that cannot
//! be fails the step with the command that installs it; it never passes silently.

use std::path::Path;
use std::process::Command;

use crate::tools::{self, Tool};

/// What the end-to-end tests need (Node 20 or later), and the Debian package of each.
const NEEDS: [Tool; 4] = [
    Tool {
        program: "node",
        package: "nodejs",
    },
    Tool {
        program: "npm",
        package: "npm",
    },
    Tool {
        program: "chromium",
        package: "chromium",
    },
    Tool {
        program: "chromedriver",
        package: "chromium-driver",
    },
];

fn run(
    root: &Path,
    program: &str,
    args: &[&str],
    dir: &str,
    env: &[(&str, &str)],
) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .current_dir(root.join(dir))
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` exited with {status}",
            args.join(" ")
        ))
    }
}

/// Installs what is missing of Node and Chromium, then the provider's pinned packages;
/// builds the `doorman` binary; runs the tests.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    tools::ensure("e2e", &NEEDS)?;
    run(
        root,
        "npm",
        &["ci", "--no-audit", "--no-fund", "--loglevel=error"],
        "tests/e2e/provider",
        &[],
    )?;
    run(
        root,
        "cargo",
        &["build", "--locked", "--quiet", "-p", "doorman-cli"],
        ".",
        &[],
    )?;
    let doorman = root.join("target/debug/doorman");
    let doorman = doorman.to_string_lossy();
    run(
        root,
        "cargo",
        &["test", "--locked", "-p", "doorman-e2e"],
        ".",
        &[("DOORMAN_BIN", doorman.as_ref())],
    )?;
    Ok(
        "oidc-provider over HTTP and in Chromium; screenshot in target/e2e/logged-in.png"
            .to_owned(),
    )
}

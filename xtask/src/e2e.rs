//! The end-to-end step: `oidc-provider` from npm and Debian's Chromium, driven by
//! `tests/e2e`. When a tool is missing it fails and says what to install; it never passes
//! silently.

use std::path::Path;
use std::process::Command;

/// What the end-to-end tests need, and how to get each on Debian.
const NEEDS: [(&str, &str); 4] = [
    ("node", "apt-get install nodejs (Node 20 or later)"),
    ("npm", "apt-get install npm"),
    ("chromium", "apt-get install chromium"),
    ("chromedriver", "apt-get install chromium-driver"),
];

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

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

/// Installs the provider's pinned packages, builds the `doorman` binary, runs the tests.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let missing: Vec<String> = NEEDS
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(program, install)| format!("`{program}` is missing: {install}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the end-to-end tests need node and Chromium (see README, Testing):\n  {}",
            missing.join("\n  ")
        ));
    }
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

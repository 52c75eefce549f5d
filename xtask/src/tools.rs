//! System tools some steps need (Node and Chromium for the end-to-end tests, valgrind and
//! wrk for the benchmarks), installed from Debian when missing, as `.ci/run` does: the
//! README's two commands do all the set-up. A tool still missing afterwards fails the step
//! with the command that installs it; nothing is skipped silently.

use std::process::Command;

use crate::steps::say;

/// A program a step runs, and the Debian package that provides it.
pub(crate) struct Tool {
    pub(crate) program: &'static str,
    pub(crate) package: &'static str,
}

/// Whether `program` is an executable file on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Installs the Debian packages of the `tools` missing from `PATH` (`apt-get`, through
/// `sudo` when not root), for the step named `step`; `Err` says what is still missing and how
/// to install it.
pub(crate) fn ensure(step: &str, tools: &[Tool]) -> Result<(), String> {
    let missing = |tools: &[Tool]| -> Vec<&'static str> {
        tools
            .iter()
            .filter(|t| !on_path(t.program))
            .map(|t| t.package)
            .collect()
    };
    let packages = missing(tools);
    if packages.is_empty() {
        return Ok(());
    }
    say(&format!(
        "xtask: {step}: installing Debian's {}",
        packages.join(", ")
    ));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt_get = |args: &[&str]| {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&packages);
    // An install that fails is reported below by what is still missing.
    let _ = apt_get(&["update", "-qq"]) && apt_get(&install);
    let still = missing(tools);
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{step} needs Debian's {} and could not install them: apt-get install {}",
            still.join(", "),
            still.join(" ")
        ))
    }
}

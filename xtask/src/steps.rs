//! The steps of `cargo xtask test`, each a command or an in-process check.
//!
//! A later check (end-to-end, browser) is one more [`Step`] in [`test_plan`].

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::{api, e2e, fuzz, layers, package, tidy};

/// What a step does.
enum Action {
    /// Run a program with arguments and extra environment.
    Run {
        program: &'static str,
        args: Vec<&'static str>,
        env: Vec<(&'static str, &'static str)>,
    },
    /// Run a check inside xtask; `Err` holds the findings.
    Check(fn(&Path) -> Result<String, String>),
}

/// One named step.
pub(crate) struct Step {
    name: &'static str,
    action: Action,
}

impl Step {
    fn cargo(name: &'static str, args: &[&'static str]) -> Self {
        Self {
            name,
            action: Action::Run {
                program: "cargo",
                args: args.to_vec(),
                env: Vec::new(),
            },
        }
    }

    fn with_env(mut self, key: &'static str, value: &'static str) -> Self {
        if let Action::Run { env, .. } = &mut self.action {
            env.push((key, value));
        }
        self
    }

    /// The tidy check.
    pub(crate) fn tidy() -> Self {
        Self {
            name: "tidy",
            action: Action::Check(tidy::check),
        }
    }

    /// `cargo xtask api`: the public API snapshots rewritten from the sources.
    pub(crate) fn api_update() -> Self {
        Self {
            name: "api",
            action: Action::Check(api::update),
        }
    }
}

/// Everything CI checks, in order.
pub(crate) fn test_plan() -> Vec<Step> {
    vec![
        Step::cargo("fmt", &["fmt", "--all", "--check"]),
        Step::cargo(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ],
        ),
        Step {
            name: "redis",
            action: Action::Check(redis_server),
        },
        Step::cargo(
            "test",
            &[
                "test",
                "--workspace",
                "--locked",
                "--exclude",
                "doorman-e2e",
            ],
        ),
        Step::cargo(
            "doc",
            &["doc", "--workspace", "--no-deps", "--locked", "--quiet"],
        )
        .with_env("RUSTDOCFLAGS", "-D warnings"),
        Step::tidy(),
        Step {
            name: "api",
            action: Action::Check(api::check),
        },
        Step {
            name: "layers",
            action: Action::Check(layers::check),
        },
        Step {
            name: "package",
            action: Action::Check(package::check),
        },
        Step {
            name: "fuzz",
            action: Action::Check(fuzz::check),
        },
        Step {
            name: "e2e",
            action: Action::Check(e2e::check),
        },
    ]
}

/// The shared-state tests start Debian's `redis-server` on free loopback ports: installed
/// here when missing, as `.ci/run` does.
fn redis_server(_root: &Path) -> Result<String, String> {
    crate::tools::ensure(
        "test (shared state on Redis)",
        &[crate::tools::Tool {
            program: "redis-server",
            package: "redis-server",
        }],
    )?;
    Ok("redis-server on PATH".to_owned())
}

/// Prints a line for the person running xtask.
#[allow(clippy::print_stderr)]
pub(crate) fn say(line: &str) {
    eprintln!("{line}");
}

/// Runs the steps in order, stopping at the first failure.
pub(crate) fn run(plan: &[Step]) -> ExitCode {
    let root = workspace_root();
    let mut summary = Vec::new();
    for step in plan {
        let started = Instant::now();
        say(&format!("xtask: {} ...", step.name));
        let outcome = match &step.action {
            Action::Run { program, args, env } => {
                let status = Command::new(program)
                    .args(args)
                    .envs(env.iter().copied())
                    .current_dir(&root)
                    .status();
                match status {
                    Ok(status) if status.success() => Ok(String::new()),
                    Ok(status) => Err(format!(
                        "`{program} {}` exited with {status}",
                        args.join(" ")
                    )),
                    Err(e) => Err(format!("cannot run `{program}`: {e}")),
                }
            }
            Action::Check(check) => check(&root),
        };
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Ok(detail) => {
                let detail = if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                };
                let line = format!("xtask: {} ok ({seconds:.1}s){detail}", step.name);
                say(&line);
                summary.push(line);
            }
            Err(why) => {
                say(&format!(
                    "xtask: {} FAILED ({seconds:.1}s): {why}",
                    step.name
                ));
                for line in &summary {
                    say(line);
                }
                return ExitCode::FAILURE;
            }
        }
    }
    say("xtask: summary");
    for line in &summary {
        say(line);
    }
    ExitCode::SUCCESS
}

/// The workspace's root folder.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

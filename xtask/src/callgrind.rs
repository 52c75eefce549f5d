//! Instructions per in-process request, counted by `valgrind --tool=callgrind`: the same
//! figure on every run of the same binary, where the timings of a shared machine drift.
//!
//! It runs `doorman-axum`'s `request` benchmark under callgrind, one benchmark at a time,
//! and divides the instructions spent inside the benchmark's `serve` function by its calls.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::steps::say;
use crate::tools::{self, Tool};

/// Pairs of benchmarks: with doorman, and the same request without the layer.
const PAIRS: [(&str, &str, &str); 7] = [
    (
        "Google claims, `Json(user)`",
        "doorman/google",
        "without_layer/google",
    ),
    (
        "Google claims, `Json(user)` behind `require_login()` (against the same request without the guard)",
        "doorman_require_login/google",
        "doorman/google",
    ),
    (
        "A bearer token verified before (the memo's path), `Json(user)`",
        "doorman_bearer/token",
        "without_layer_bearer/token",
    ),
    (
        "Google claims, a refreshable session (no refresh due), `Json(user)`",
        "doorman_refreshable/google",
        "without_layer/google",
    ),
    (
        "Google claims + 100 groups, `Json(user)`",
        "doorman/groups_100",
        "without_layer/groups_100",
    ),
    (
        "Google claims, `Json(user.to_dict())`",
        "doorman_to_dict/google",
        "without_layer_cloned/google",
    ),
    (
        "Google claims + 100 groups, `Json(user.to_dict())`",
        "doorman_to_dict/groups_100",
        "without_layer_cloned/groups_100",
    ),
];

/// The function of the benchmark that serves one request.
const SERVE: &str = "request::serve";

/// The Markdown table of instructions per request, or why it could not be made.
pub(crate) fn run(root: &Path) -> Result<String, String> {
    tools::ensure(
        "bench (instruction counts)",
        &[Tool {
            program: "valgrind",
            package: "valgrind",
        }],
    )?;
    let executable = bench_executable(root)?;
    let out_dir = root.join("target/callgrind");
    fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let mut table = String::from(
        "| request | instructions with doorman | without the layer | ratio |\n|---|---|---|---|\n",
    );
    for (what, with, without) in PAIRS {
        let with_count = per_request(&executable, &out_dir, with)?;
        let without_count = per_request(&executable, &out_dir, without)?;
        let _ = writeln!(
            table,
            "| {what} | {with_count:.0} | {without_count:.0} | {:.2}× |",
            with_count / without_count
        );
    }
    Ok(table)
}

/// Builds the `request` benchmark and returns its executable, as cargo names it.
fn bench_executable(root: &Path) -> Result<PathBuf, String> {
    let output = Command::new("cargo")
        .args([
            "bench",
            "--locked",
            "-p",
            "doorman-axum",
            "--bench",
            "request",
            "--no-run",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let text = String::from_utf8_lossy(&output.stderr);
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("Executable benches/request.rs ("))
        .find_map(|rest| rest.strip_suffix(')'))
        .map(|path| root.join(path))
        .ok_or_else(|| format!("cannot find the request benchmark's executable in:\n{text}"))
}

/// Instructions per call of [`SERVE`] while the benchmark `id` runs under callgrind.
fn per_request(executable: &Path, out_dir: &Path, id: &str) -> Result<f64, String> {
    say(&format!("xtask: bench: callgrind request/{id}"));
    let out_file = out_dir.join(format!("{}.out", id.replace('/', "-")));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(executable)
        .args(["--bench", "--profile-time", "1", &format!("^request/{id}$")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !status.success() {
        return Err(format!("valgrind failed on request/{id}"));
    }
    let profile = fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
    let (calls, instructions) = calls_into(&profile, SERVE)
        .ok_or_else(|| format!("no calls of {SERVE} in {}", out_file.display()))?;
    Ok(instructions as f64 / calls as f64)
}

/// The calls into `function` recorded in a callgrind profile, and the instructions spent
/// inside them (inclusive).
///
/// Callgrind names a function once, as `cfn=(7) name`, and then by number, `cfn=(7)`; each
/// call site is a `cfn=` line, then `calls=COUNT ...`, then `POSITION COST`.
fn calls_into(profile: &str, function: &str) -> Option<(u64, u64)> {
    let mut id = None;
    let (mut calls, mut instructions) = (0u64, 0u64);
    let mut lines = profile.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line
            .strip_prefix("cfn=")
            .or_else(|| line.strip_prefix("fn="))
        else {
            continue;
        };
        let (number, name) = match rest.split_once(' ') {
            Some((number, name)) => (number, Some(name)),
            None => (rest, None),
        };
        if id.is_none() && name == Some(function) {
            id = Some(number.to_owned());
        }
        if !line.starts_with("cfn=") || id.as_deref() != Some(number) {
            continue;
        }
        let count = lines.next()?.strip_prefix("calls=")?;
        calls += count.split_whitespace().next()?.parse::<u64>().ok()?;
        instructions += lines
            .next()?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()?;
    }
    (calls > 0).then_some((calls, instructions))
}

#[cfg(test)]
mod tests {
    use super::calls_into;

    #[test]
    fn calls_and_inclusive_costs_are_summed_over_call_sites() {
        let profile = "fn=(1) main\n0 5\ncfn=(2) request::serve\ncalls=3 10\n12 3000\ncfn=(3) other\ncalls=1 4\n13 70\nfn=(4) loop\ncfn=(2)\ncalls=2 10\n20 2000\n";
        assert_eq!(calls_into(profile, "request::serve"), Some((5, 5000)));
        assert_eq!(calls_into(profile, "missing"), None);
    }
}

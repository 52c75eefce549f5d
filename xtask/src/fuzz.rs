//! `cargo xtask fuzz`: the fuzz targets of `tests/fuzz`, built on the stable toolchain and run
//! under libFuzzer, one after the other.
//!
//! No nightly and no `cargo-fuzz` are needed: xtask builds the targets with `cargo build` and
//! the instrumentation flags `cargo fuzz build` gives rustc ([`COVERAGE_FLAGS`]), all stable,
//! into a target folder of their own (`tests/fuzz/target`, so the workspace's build is never
//! instrumented), then runs each binary with libFuzzer's own flags. The targets are the
//! `[[bin]]` entries of `tests/fuzz/Cargo.toml`: adding one is a file in
//! `tests/fuzz/fuzz_targets/`, its entry, and its seeds in `tests/fuzz/corpus/<target>/`.
//!
//! A run reads the committed seeds and writes what it finds to a scratch corpus,
//! `tests/fuzz/target/corpus/<target>/`; `--merge` minimizes both into the committed seeds.
//! A crash leaves its input in `tests/fuzz/artifacts/<target>/`, is printed with the command
//! that reproduces it, and fails the command.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::steps::say;
use crate::tools::{self, Tool};

/// The fuzz crate, outside the workspace.
const FUZZ_DIR: &str = "tests/fuzz";
/// Its manifest, whose `[[bin]]` entries are the targets.
const MANIFEST: &str = "tests/fuzz/Cargo.toml";
/// The committed seeds, one folder per target.
const SEEDS: &str = "tests/fuzz/corpus";
/// What a run finds: its new inputs (scratch) and the binaries, never committed.
const TARGET_DIR: &str = "tests/fuzz/target";
/// Where a crashing input is left, one folder per target.
const ARTIFACTS: &str = "tests/fuzz/artifacts";

/// How long `cargo xtask fuzz` runs each target by default.
const DEFAULT_SECONDS: u64 = 60;
/// How long the `fuzz` step of `cargo xtask test` runs each target.
const CI_SECONDS: u64 = 8;
/// An input that takes longer than this is a finding (libFuzzer's `-timeout`).
const INPUT_TIMEOUT_SECONDS: u64 = 30;

/// The rustc flags `cargo fuzz build` passes by default on Linux (cargo-fuzz's
/// `src/project.rs`, checked against its February 2026 source), but the sanitizer and
/// [`RELEASE_FLAGS`]: libFuzzer's coverage counters, comparison tracing and stack depth,
/// `cfg(fuzzing)`, no branch folding, debug assertions (and with them overflow checks, named
/// here too). Every one is a stable flag.
const COVERAGE_FLAGS: [&str; 10] = [
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg=fuzzing",
    "-Cllvm-args=-simplifycfg-branch-fold-threshold=0",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
    "-Cdebug-assertions",
    "-Coverflow-checks",
];

/// What `cargo fuzz build` adds in release mode: one codegen unit, so that the coverage pass
/// does not stop inlining across units.
const RELEASE_FLAGS: [&str; 1] = ["-Ccodegen-units=1"];

/// libFuzzer's C++ sources are compiled by `libfuzzer-sys`'s build script.
const NEEDS: [Tool; 1] = [Tool {
    program: "c++",
    package: "g++",
}];

const USAGE: &str =
    "usage: cargo xtask fuzz [--seconds N] [--runs N] [--quick] [--merge] [--address-sanitizer] [TARGET...]

  --seconds N          run each target N seconds (default 60)
  --runs N             stop a target after N executions (whichever limit comes first)
  --quick              build unoptimized, without debug info: under half the release build's
                       time, runs about a tenth as fast (the fuzz step of xtask test)
  --merge              run nothing; minimize the committed seeds and the scratch corpus into
                       tests/fuzz/corpus/<target>/
  --address-sanitizer  build with AddressSanitizer (RUSTC_BOOTSTRAP=1 on stable; its own
                       target folder)
  TARGET               the targets to run (default: every [[bin]] of tests/fuzz/Cargo.toml)";

/// What `cargo xtask fuzz` was asked for.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    seconds: u64,
    runs: Option<u64>,
    quick: bool,
    merge: bool,
    address_sanitizer: bool,
    targets: Vec<String>,
}

/// `cargo xtask fuzz ARGS`.
pub(crate) fn run(root: &Path, args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        say(USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(why) => {
            say(&format!("xtask fuzz: {why}\n\n{USAGE}"));
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let outcome = if options.merge {
        merge_all(root, &options)
    } else {
        fuzz_all(root, &options).map(|outcomes| summary(&outcomes))
    };
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(detail) => {
            say(&format!("xtask fuzz: ok ({seconds:.0}s): {detail}"));
            ExitCode::SUCCESS
        }
        Err(why) => {
            say(&format!("xtask fuzz: FAILED ({seconds:.0}s): {why}"));
            ExitCode::FAILURE
        }
    }
}

/// The `fuzz` step of `cargo xtask test`: every target for [`CI_SECONDS`], built `--quick`,
/// failing on any finding.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let options = Options {
        seconds: CI_SECONDS,
        runs: None,
        quick: true,
        merge: false,
        address_sanitizer: false,
        targets: Vec::new(),
    };
    fuzz_all(root, &options).map(|outcomes| summary(&outcomes))
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        seconds: DEFAULT_SECONDS,
        runs: None,
        quick: false,
        merge: false,
        address_sanitizer: false,
        targets: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => options.seconds = number(arg, args.next())?,
            "--runs" => options.runs = Some(number(arg, args.next())?),
            "--quick" => options.quick = true,
            "--merge" => options.merge = true,
            "--address-sanitizer" => options.address_sanitizer = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            target => options.targets.push(target.to_owned()),
        }
    }
    Ok(options)
}

/// The positive whole number after `flag`.
fn number(flag: &str, value: Option<&String>) -> Result<u64, String> {
    let value = value.ok_or_else(|| format!("`{flag}` needs a number"))?;
    match value.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{flag}` needs a positive whole number, not `{value}`"
        )),
    }
}

/// The names of the `[[bin]]` entries of a Cargo manifest's text.
fn bin_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(value) = line.strip_prefix("name").map(str::trim_start)
            && let Some(value) = value.strip_prefix('=')
        {
            names.push(value.trim().trim_matches('"').to_owned());
        }
    }
    names
}

/// Every target of `tests/fuzz/Cargo.toml`; a file of `fuzz_targets/` holding a
/// `fuzz_target!` without an entry there is an error, not a target silently left out.
fn all_targets(root: &Path) -> Result<Vec<String>, String> {
    let manifest = root.join(MANIFEST);
    let text = fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let names = bin_names(&text);
    let sources = root.join(FUZZ_DIR).join("fuzz_targets");
    let entries =
        fs::read_dir(&sources).map_err(|e| format!("cannot list {}: {e}", sources.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let is_target = fs::read_to_string(&path).is_ok_and(|t| t.contains("fuzz_target!"));
        if is_target && !names.iter().any(|n| n == stem) {
            return Err(format!(
                "{} has a fuzz target but {MANIFEST} has no [[bin]] named `{stem}`",
                path.display()
            ));
        }
    }
    if names.is_empty() {
        return Err(format!("{MANIFEST} has no [[bin]] entry"));
    }
    Ok(names)
}

/// The targets asked for (all when none is named), each checked to exist.
fn selected(root: &Path, asked: &[String]) -> Result<Vec<String>, String> {
    let all = all_targets(root)?;
    if asked.is_empty() {
        return Ok(all);
    }
    match asked.iter().find(|name| !all.contains(name)) {
        Some(unknown) => Err(format!(
            "no fuzz target `{unknown}`; the targets are {}",
            all.join(", ")
        )),
        None => Ok(asked.to_vec()),
    }
}

/// The triple rustc builds for by default: cargo-fuzz names it with `--target` so that the
/// instrumentation flags reach the targets' code but not build scripts and proc macros.
fn host_triple() -> Result<String, String> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run `rustc -vV`: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "`rustc -vV` names no host triple".to_owned())
}

/// The target folder of a build with or without the address sanitizer.
fn target_dir(root: &Path, address_sanitizer: bool) -> PathBuf {
    let dir = root.join(TARGET_DIR);
    if address_sanitizer {
        dir.join("asan")
    } else {
        dir
    }
}

/// Builds `targets` with the instrumentation flags, in release mode or `quick`; returns the
/// folder of their binaries.
fn build(root: &Path, targets: &[String], options: &Options) -> Result<PathBuf, String> {
    tools::ensure("fuzz", &NEEDS)?;
    let triple = host_triple()?;
    let target_dir = target_dir(root, options.address_sanitizer);
    let mut rustflags = COVERAGE_FLAGS.join(" ");
    let (profile, profile_args): (&str, &[&str]) = if options.quick {
        (
            "debug",
            &[
                "--config",
                "profile.dev.opt-level=0",
                "--config",
                "profile.dev.debug=false",
            ],
        )
    } else {
        rustflags.push(' ');
        rustflags.push_str(&RELEASE_FLAGS.join(" "));
        (
            "release",
            &[
                "--release",
                "--config",
                "profile.release.debug=\"line-tables-only\"",
            ],
        )
    };
    if options.address_sanitizer {
        rustflags.push_str(" -Zsanitizer=address");
    }
    // As cargo-fuzz does, the caller's own flags come last and win.
    if let Ok(own) = std::env::var("RUSTFLAGS") {
        rustflags.push(' ');
        rustflags.push_str(&own);
    }
    let mut command = Command::new("cargo");
    command
        .args(["build", "--quiet", "--manifest-path", MANIFEST])
        .args(["--target", &triple])
        .args(profile_args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", &rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    for target in targets {
        command.args(["--bin", target]);
    }
    if options.address_sanitizer {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run `cargo build` for {MANIFEST}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the fuzz targets failed ({status}): cargo build --manifest-path {MANIFEST} --target {triple} {}, RUSTFLAGS=\"{rustflags}\"",
            profile_args.join(" ")
        ));
    }
    Ok(target_dir.join(triple).join(profile))
}

/// What one target's run gave.
struct Outcome {
    target: String,
    executions: u64,
    per_second: u64,
    corpus: u64,
    /// The inputs it left in `tests/fuzz/artifacts/<target>/`.
    findings: Vec<PathBuf>,
}

/// Builds and runs the targets of `options` one after the other; `Err` names every finding.
fn fuzz_all(root: &Path, options: &Options) -> Result<Vec<Outcome>, String> {
    let targets = selected(root, &options.targets)?;
    let started = Instant::now();
    let bins = build(root, &targets, options)?;
    say(&format!(
        "xtask fuzz: built {} targets ({:.0}s); {} s each{}",
        targets.len(),
        started.elapsed().as_secs_f64(),
        options.seconds,
        options.runs.map_or_else(String::new, |runs| format!(
            " or {} executions",
            thousands(runs)
        ))
    ));
    let mut outcomes = Vec::new();
    for target in &targets {
        let outcome = fuzz_one(root, &bins, target, options)?;
        say(&format!(
            "xtask fuzz: {target:<18} {:>13} executions {:>9}/s  corpus {:>5}  crashes {}",
            thousands(outcome.executions),
            thousands(outcome.per_second),
            outcome.corpus,
            outcome.findings.len()
        ));
        for finding in &outcome.findings {
            let input = relative(root, finding);
            say(&format!(
                "xtask fuzz: {target}: crashing input {input}\n  reproduce: {} {input}\n  or, with cargo-fuzz on nightly: cargo +nightly fuzz run --fuzz-dir {FUZZ_DIR} {target} {input}",
                relative(root, &bins.join(target)),
            ));
        }
        outcomes.push(outcome);
    }
    let crashed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.findings.is_empty())
        .map(|o| format!("{} ({})", o.target, o.findings.len()))
        .collect();
    if crashed.is_empty() {
        Ok(outcomes)
    } else {
        Err(format!(
            "crashing inputs found in {}: see {ARTIFACTS}/",
            crashed.join(", ")
        ))
    }
}

/// One line for every run together.
fn summary(outcomes: &[Outcome]) -> String {
    let executions: u64 = outcomes.iter().map(|o| o.executions).sum();
    format!(
        "{} targets, {} executions, no crash",
        outcomes.len(),
        thousands(executions)
    )
}

/// Runs one target for the time (and executions) of `options`, the scratch corpus first
/// (where libFuzzer writes new inputs), the committed seeds after it.
fn fuzz_one(root: &Path, bins: &Path, target: &str, options: &Options) -> Result<Outcome, String> {
    let scratch = root.join(TARGET_DIR).join("corpus").join(target);
    let seeds = root.join(SEEDS).join(target);
    let artifacts = root.join(ARTIFACTS).join(target);
    let logs = root.join(TARGET_DIR).join("logs");
    for dir in [&scratch, &seeds, &artifacts, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let before = files(&artifacts);
    let log_path = logs.join(format!("{target}.log"));
    let log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut command = Command::new(bins.join(target));
    command
        .arg(format!("-max_total_time={}", options.seconds))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args([&scratch, &seeds])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(runs) = options.runs {
        command.arg(format!("-runs={runs}"));
    }
    if options.address_sanitizer {
        command.env("ASAN_OPTIONS", "detect_odr_violation=0");
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run the fuzz target {target}: {e}"))?;
    let text = fs::read_to_string(&log_path)
        .map_err(|e| format!("cannot read {}: {e}", log_path.display()))?;
    let findings: Vec<PathBuf> = files(&artifacts)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    if !status.success() && findings.is_empty() {
        return Err(format!(
            "the fuzz target {target} exited with {status} and left no input; its log, {}, ends:\n{}",
            relative(root, &log_path),
            tail(&text, 20)
        ));
    }
    if !findings.is_empty() {
        say(&format!(
            "xtask fuzz: {target}: the log ({}) ends:\n{}",
            relative(root, &log_path),
            tail(&text, 30)
        ));
    }
    let stats = Stats::read(&text);
    Ok(Outcome {
        target: target.to_owned(),
        executions: stats.executions,
        per_second: stats.per_second,
        corpus: stats.corpus,
        findings,
    })
}

/// The figures libFuzzer prints at the end of a run.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    /// `stat::number_of_executed_units`.
    executions: u64,
    /// `stat::average_exec_per_sec`.
    per_second: u64,
    /// The `corp:` count of the last status line: inputs kept for their coverage.
    corpus: u64,
}

impl Stats {
    fn read(log: &str) -> Self {
        let stat = |name: &str| {
            log.lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim_start_matches(':').trim().parse().ok())
                .unwrap_or(0)
        };
        let corpus = log
            .lines()
            .rev()
            .find_map(|line| line.split_once(" corp: "))
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Self {
            executions: stat("stat::number_of_executed_units"),
            per_second: stat("stat::average_exec_per_sec"),
            corpus,
        }
    }
}

/// `--merge`: for each target, the committed seeds and the scratch corpus minimized by
/// libFuzzer (`-merge=1`: the smallest inputs that keep every feature) into the seeds.
fn merge_all(root: &Path, options: &Options) -> Result<String, String> {
    let targets = selected(root, &options.targets)?;
    let bins = build(root, &targets, options)?;
    let mut total = 0;
    for target in &targets {
        let seeds = root.join(SEEDS).join(target);
        let scratch = root.join(TARGET_DIR).join("corpus").join(target);
        let merged = root.join(TARGET_DIR).join("merge").join(target);
        let artifacts = root.join(ARTIFACTS).join(target);
        let _ = fs::remove_dir_all(&merged);
        for dir in [&seeds, &scratch, &merged, &artifacts] {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let before = files(&seeds).len();
        let output = Command::new(bins.join(target))
            .arg("-merge=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args([&merged, &seeds, &scratch])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run the fuzz target {target}: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "merging {target}'s corpus failed ({}); the seeds are unchanged:\n{}",
                output.status,
                tail(&String::from_utf8_lossy(&output.stderr), 20)
            ));
        }
        for old in files(&seeds) {
            fs::remove_file(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
        }
        let kept = files(&merged);
        for input in &kept {
            let to = seeds.join(input.file_name().unwrap_or_default());
            fs::copy(input, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
        }
        say(&format!(
            "xtask fuzz: {target:<18} seeds {before} -> {} (with {} scratch inputs)",
            kept.len(),
            files(&scratch).len()
        ));
        total += kept.len();
    }
    Ok(format!(
        "{} targets, {total} seeds in {SEEDS}/; commit them",
        targets.len()
    ))
}

/// The files directly in `dir`, sorted; none when it cannot be read.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// `path` relative to the workspace root when it is inside it.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The last `lines` lines of `text`, indented.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `n` with a comma between thousands: `12,345,678`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Options, Stats, bin_names, parse_args, thousands};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_targets_are_the_bin_entries() {
        let manifest = "[package]\nname = \"doorman-fuzz\"\n\n[dependencies]\nname = \"not-a-bin\"\n\n[[bin]]\nname = \"secrets_toml\"\npath = \"fuzz_targets/secrets_toml.rs\"\n\n[[bin]]\npath = \"fuzz_targets/jwks.rs\"\nname=\"jwks\"\n";
        assert_eq!(bin_names(manifest), ["secrets_toml", "jwks"]);
    }

    #[test]
    fn the_options_are_read() {
        assert_eq!(
            parse_args(&args(&[
                "--seconds",
                "5",
                "jwks",
                "--runs",
                "100",
                "discovery"
            ])),
            Ok(Options {
                seconds: 5,
                runs: Some(100),
                quick: false,
                merge: false,
                address_sanitizer: false,
                targets: vec!["jwks".to_owned(), "discovery".to_owned()],
            })
        );
        assert_eq!(
            parse_args(&args(&["--seconds"])),
            Err("`--seconds` needs a number".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--seconds", "0"])),
            Err("`--seconds` needs a positive whole number, not `0`".to_owned())
        );
        assert_eq!(
            parse_args(&args(&["--jobs", "2"])),
            Err("unknown option `--jobs`".to_owned())
        );
    }

    #[test]
    fn the_final_stats_are_read() {
        let log = "#1048576\tpulse  cov: 900 ft: 2000 corp: 120/3Kb exec/s: 90000 rss: 50Mb\n#1234567\tDONE   cov: 910 ft: 2100 corp: 125/3301b lim: 4096 exec/s: 88183 rss: 51Mb\nDone 1234567 runs in 14 second(s)\nstat::number_of_executed_units: 1234567\nstat::average_exec_per_sec:     88183\nstat::new_units_added:          40\n";
        assert_eq!(
            Stats::read(log),
            Stats {
                executions: 1_234_567,
                per_second: 88_183,
                corpus: 125,
            }
        );
        assert_eq!(Stats::read("garbage"), Stats::default());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}

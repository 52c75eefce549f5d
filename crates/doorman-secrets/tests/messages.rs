//! Messages as data: every secrets file under `tests/failures`, `tests/refusals` and
//! `tests/fixtures` sits next to what loading it gives, whole, in a sibling `.expected` file
//! (`NAME.toml` + `NAME.expected`), and one loop compares the two.
//!
//! - `failures/`: what Streamlit refuses, refused with Streamlit's words plus the file, line,
//!   column and key (loaded as `AuthConfig::load` reads a file).
//! - `refusals/`: what doorman refuses beyond Streamlit, in doorman's own words (parsed as
//!   `AuthConfig::parse` reads text).
//! - `fixtures/`: files that load, with their warnings in order: the secrets examples of
//!   Streamlit's documentation, and files using doorman's own keys (every one of them, a
//!   shared `logout_params` table, a table that is not a provider, near misses of known keys).
//!
//! An `.expected` file holds `refused: <Error variant>` and the message, or `loaded` and each
//! warning as `warning: <WarningKind>` and its message. Paths are relative to the crate.
//!
//! When a message changes on purpose, rewrite the `.expected` files and review the diff:
//!
//! ```text
//! UPDATE_EXPECT=1 cargo test -p doorman-secrets --test messages
//! ```
//!
//! A file under `failures/` or `refusals/` that loads fails even then.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use doorman_secrets::{AuthConfig, Error, Origin};

/// What the files of a folder must do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Refused,
    Loaded,
}

#[test]
fn streamlit_failures_are_refused_with_streamlits_words() {
    check("failures", Outcome::Refused, |path| {
        AuthConfig::load(&[path])
    });
}

#[test]
fn doorman_refusals_name_the_key_and_the_place() {
    check("refusals", Outcome::Refused, |path| {
        let text = fs::read_to_string(path).expect("read the case");
        AuthConfig::parse(&text, Origin::File(path.to_owned()))
    });
}

#[test]
fn streamlit_examples_load_with_their_warnings() {
    check("fixtures", Outcome::Loaded, |path| {
        AuthConfig::load(&[path])
    });
}

/// Loads every `.toml` of `tests/<dir>` and compares what it gives with its `.expected`
/// file; with `UPDATE_EXPECT` set, writes the `.expected` files instead.
fn check(dir: &str, outcome: Outcome, load: impl Fn(&Path) -> Result<AuthConfig, Error>) {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = crate_dir.join("tests").join(dir);
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| !v.is_empty());
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("read the folder of cases")
        .map(|entry| entry.expect("read a folder entry").path())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &cases {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => {}
            Some("expected") => {
                if !path.with_extension("toml").exists() {
                    failures.push(format!("{name}: no .toml beside it"));
                }
                continue;
            }
            _ => {
                failures.push(format!("{name}: neither .toml nor .expected"));
                continue;
            }
        }
        checked += 1;
        let result = load(path);
        if (outcome == Outcome::Refused) != result.is_err() {
            failures.push(format!(
                "{name}: should be {}, is {}",
                describe(outcome),
                render(&result, crate_dir)
            ));
            continue;
        }
        let actual = render(&result, crate_dir);
        let expected_path = path.with_extension("expected");
        if update {
            if fs::read_to_string(&expected_path).ok().as_deref() != Some(actual.as_str()) {
                fs::write(&expected_path, &actual).expect("write the .expected file");
            }
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{name}: differs\n--- expected\n{expected}+++ actual\n{actual}"
            )),
            Err(e) => failures.push(format!(
                "{name}: no .expected file ({e})\n+++ actual\n{actual}"
            )),
        }
    }
    assert!(checked > 0, "no cases in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} cases in {} fail (UPDATE_EXPECT=1 rewrites the .expected files):\n\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n\n")
    );
}

fn describe(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Refused => "refused",
        Outcome::Loaded => "loaded",
    }
}

/// What loading gave, as the `.expected` file holds it.
fn render(result: &Result<AuthConfig, Error>, crate_dir: &Path) -> String {
    let mut text = String::new();
    match result {
        Err(e) => {
            let _ = writeln!(text, "refused: {}", variant(&format!("{e:?}")));
            let _ = writeln!(text, "{e}");
        }
        Ok(config) => {
            text.push_str("loaded\n");
            for warning in config.warnings() {
                let _ = writeln!(text, "warning: {:?}", warning.kind);
                let _ = writeln!(text, "{warning}");
            }
        }
    }
    text.replace(&format!("{}/", crate_dir.display()), "")
}

/// The variant name at the start of a derived `Debug`.
fn variant(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    &debug[..end]
}

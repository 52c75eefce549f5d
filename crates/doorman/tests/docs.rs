//! Every secrets example in the README and `docs/` loads through the secrets parser, so the
//! guides cannot drift from what doorman accepts. (Their Rust examples are doctests of this
//! crate.)

use std::path::{Path, PathBuf};

use doorman::secrets::{AuthConfig, Origin};

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The fenced `toml` blocks of a Markdown text, with the line each starts on.
fn toml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```toml") => {
                current = Some((number + 1, String::new()));
            }
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, block)) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_secrets_example_in_the_docs_loads() {
    let mut checked = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (line, block) in toml_blocks(&text) {
            let place = format!("{}:{line}", file.display());
            if block.contains("[auth]") {
                if let Err(e) = AuthConfig::parse(&block, Origin::Text(place.clone())) {
                    panic!("{place}: {e}");
                }
            } else {
                toml::from_str::<toml::Table>(&block).unwrap_or_else(|e| panic!("{place}: {e}"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples found");
}

#[test]
fn the_docs_link_targets_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable");
        for target in text
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
        {
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let base = file.parent().expect("a folder");
            let path = base.join(target.split('#').next().unwrap_or(target));
            assert!(
                path.exists() || root.join(target).exists(),
                "{}: broken link {target}",
                file.display()
            );
        }
    }
}

/// Every `.rs` file of the workspace's crates and test harnesses.
fn rust_sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("a folder")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with("node_modules") {
                rust_sources(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The security model's "tested by" column names tests that exist: a promise whose test
/// is renamed or removed fails here instead of going stale.
#[test]
fn every_test_the_security_model_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model = std::fs::read_to_string(root.join("docs/security.md")).expect("security.md");
    let mut sources = Vec::new();
    for dir in ["crates", "tests"] {
        rust_sources(&root.join(dir), &mut sources);
    }
    let code: String = sources
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    let mut checked = 0;
    for row in model.lines().filter(|l| l.starts_with("| ")) {
        let Some(tested_by) = row.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        for name in tested_by.split('`').skip(1).step_by(2) {
            let is_test_name = name.contains('_')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
            if is_test_name {
                assert!(
                    code.contains(&format!("fn {name}(")),
                    "docs/security.md names `{name}`, which no test defines"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "only {checked} test names found");
}

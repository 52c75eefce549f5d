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

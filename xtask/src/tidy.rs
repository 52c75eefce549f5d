//! The tidy check: house rules that neither rustc nor clippy enforce.
//!
//! Every Rust file opens with a `//!` module doc, and no file holds an `ignore` or
//! `should_panic` test attribute, nor a `dbg`, `todo` or `unimplemented` macro call.
//! Each published library crate's section of `docs/architecture.md` has an
//! `**API boundary:**` line naming exactly the documented public items at the crate's root
//! (those of its `api/<crate>.txt` snapshot but the `#[doc(hidden)]` ones).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::api;

/// The code map whose `**API boundary:**` lines are checked.
const ARCHITECTURE: &str = "docs/architecture.md";
const BOUNDARY: &str = "**API boundary:**";

/// The banned patterns, spelled so this file does not match itself.
const BANNED: [(&str, &str); 5] = [
    ("#[", "ignore"),
    ("#[", "should_panic"),
    ("dbg", "!("),
    ("todo", "!("),
    ("unimplemented", "!("),
];

/// Checks every `.rs` file under the workspace's `crates/`, `xtask/` and `tests/`.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests"] {
        collect_rust_files(&root.join(dir), &mut files);
    }
    let mut findings = Vec::new();
    for file in &files {
        let Ok(text) = fs::read_to_string(file) else {
            findings.push(format!("{}: unreadable", file.display()));
            continue;
        };
        findings.extend(
            check_file(&text)
                .into_iter()
                .map(|f| format!("{}: {f}", file.display())),
        );
    }
    let crates = api::library_crates(root);
    findings.extend(api_boundaries(root, &crates)?);
    if findings.is_empty() {
        Ok(format!(
            "{} files, {} API boundaries",
            files.len(),
            crates.len()
        ))
    } else {
        Err(format!("\n  {}", findings.join("\n  ")))
    }
}

/// The findings for one file's text.
fn check_file(text: &str) -> Vec<String> {
    let mut findings = Vec::new();
    let first_code = text.lines().map(str::trim).find(|l| !l.is_empty());
    if !first_code.is_some_and(|l| l.starts_with("//!")) {
        findings.push("does not open with a `//!` module doc".to_owned());
    }
    for (number, line) in text.lines().enumerate() {
        for (head, tail) in BANNED {
            let pattern = format!("{head}{tail}");
            if line.contains(&pattern) {
                findings.push(format!("line {}: `{pattern}` is not allowed", number + 1));
            }
        }
    }
    findings
}

/// The findings of every published library crate's `**API boundary:**` line.
fn api_boundaries(root: &Path, crates: &[(&str, PathBuf)]) -> Result<Vec<String>, String> {
    let path = root.join(ARCHITECTURE);
    let doc = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut findings = Vec::new();
    for (krate, lib) in crates {
        let items = api::crate_items(root, lib)?;
        let exported: Vec<&str> = items
            .iter()
            .filter(|item| !item.hidden)
            .map(|item| item.name.as_str())
            .collect();
        findings.extend(
            boundary_findings(&doc, krate, &exported)
                .into_iter()
                .map(|f| format!("{ARCHITECTURE}: {f}")),
        );
    }
    Ok(findings)
}

/// What is wrong with `krate`'s `**API boundary:**` line in `doc`: missing, naming an item
/// the crate does not export, or leaving one out. A name is what a backquoted span starts
/// with, before `::` or `(`: `` `Sealer::{new, seal}` `` names `Sealer`.
fn boundary_findings(doc: &str, krate: &str, exported: &[&str]) -> Vec<String> {
    let heading = format!("### `crates/{krate}`");
    let section = doc
        .lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("### "));
    let lines: Vec<&str> = section.filter(|l| l.starts_with(BOUNDARY)).collect();
    let line = match lines.as_slice() {
        [line] => line,
        [] => return vec![format!("{krate} has no `{BOUNDARY}` line under {heading}")],
        _ => return vec![format!("{krate} has {} `{BOUNDARY}` lines", lines.len())],
    };
    let named: BTreeSet<&str> = line
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|span| {
            let end = span.find(['(', ':']).unwrap_or(span.len());
            span[..end].trim()
        })
        .collect();
    let exported: BTreeSet<&str> = exported.iter().copied().collect();
    let mut findings = Vec::new();
    for name in named.difference(&exported) {
        findings.push(format!(
            "{krate}'s `{BOUNDARY}` line names `{name}`, which is not a public item at its root"
        ));
    }
    for name in exported.difference(&named) {
        findings.push(format!(
            "{krate}'s `{BOUNDARY}` line leaves out `{name}` (api/{krate}.txt)"
        ));
    }
    findings
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(
                name.to_str(),
                Some("target" | "node_modules" | "corpus" | "artifacts")
            ) {
                collect_rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{boundary_findings, check_file};

    const DOC: &str = "## Code map\n\n### `crates/doorman-seal`\n\nSeals.\n**API boundary:** `Sealer::{new, seal}`, `split()`, `Purpose`.\n\n### `crates/doorman-user`\n\nViews.\n";

    #[test]
    fn a_boundary_line_naming_exactly_the_exports_passes() {
        assert!(boundary_findings(DOC, "doorman-seal", &["Purpose", "Sealer", "split"]).is_empty());
    }

    #[test]
    fn names_too_many_or_too_few_and_a_missing_line_are_found() {
        assert_eq!(
            boundary_findings(DOC, "doorman-seal", &["Sealer", "split", "join"]),
            [
                "doorman-seal's `**API boundary:**` line names `Purpose`, which is not a public item at its root",
                "doorman-seal's `**API boundary:**` line leaves out `join` (api/doorman-seal.txt)",
            ]
        );
        assert_eq!(
            boundary_findings(DOC, "doorman-user", &["Identity"]),
            ["doorman-user has no `**API boundary:**` line under ### `crates/doorman-user`"]
        );
    }

    #[test]
    fn a_module_doc_passes() {
        assert!(check_file("//! A module.\nfn f() {}\n").is_empty());
    }

    #[test]
    fn a_missing_module_doc_is_found() {
        assert_eq!(check_file("fn f() {}\n").len(), 1);
    }

    #[test]
    fn banned_patterns_are_found_with_their_line() {
        let text = format!(
            "//! Doc.\n{}{}\nfn f() {{ {}{}1); }}\n",
            "#[", "ignore]", "dbg", "!("
        );
        let findings = check_file(&text);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[0].starts_with("line 2"));
        assert!(findings[1].starts_with("line 3"));
    }

    #[test]
    fn the_workspace_is_tidy() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Err(findings) = super::check(&root) {
            panic!("tidy findings: {findings}");
        }
    }
}

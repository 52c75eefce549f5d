//! The tidy check: house rules that neither rustc nor clippy enforce.
//!
//! Every Rust file opens with a `//!` module doc, and no file holds an `ignore` or
//! `should_panic` test attribute, nor a `dbg`, `todo` or `unimplemented` macro call.

use std::fs;
use std::path::{Path, PathBuf};

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
    if findings.is_empty() {
        Ok(format!("{} files", files.len()))
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
    use super::check_file;

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

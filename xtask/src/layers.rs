//! The layering check: the core crates depend on no runtime, HTTP client or web framework.
//!
//! It reads `cargo tree` for each core crate's normal dependencies.

use std::path::Path;
use std::process::Command;

/// Core crates and the crates none of them may pull in.
const CORE: [&str; 3] = ["doorman-secrets", "doorman-seal", "doorman-user"];
const FORBIDDEN: [&str; 7] = ["tokio", "hyper", "reqwest", "axum", "http", "tower", "mio"];

/// Checks every core crate's dependency tree.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let mut findings = Vec::new();
    for krate in CORE {
        let output = Command::new("cargo")
            .args([
                "tree", "--quiet", "--locked", "-e", "normal", "--prefix", "none", "-p", krate,
            ])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo tree: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo tree -p {krate} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let tree = String::from_utf8_lossy(&output.stdout);
        findings.extend(
            forbidden_in(&tree)
                .into_iter()
                .map(|dep| format!("{krate} depends on {dep}")),
        );
    }
    if findings.is_empty() {
        Ok(format!("{} core crates", CORE.len()))
    } else {
        Err(findings.join("; "))
    }
}

/// The forbidden crate names in a `cargo tree --prefix none` listing.
fn forbidden_in(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::forbidden_in;

    #[test]
    fn forbidden_crates_are_found_by_exact_name() {
        let tree = "doorman-seal v0.1.0\nhttp v1.3.0\nhttparse v1.0\ntokio v1.0 (*)\n";
        assert_eq!(forbidden_in(tree), ["http", "tokio"]);
    }

    #[test]
    fn a_clean_tree_has_no_findings() {
        assert!(forbidden_in("doorman-seal v0.1.0\naes v0.8.4\n").is_empty());
    }
}

//! The layering check: the core crates depend on no runtime, HTTP client or web framework.
//!
//! It reads `cargo tree` for each core crate's normal dependencies.

use std::path::Path;
use std::process::Command;

/// Core crates and the crates each may not pull in: no runtime, socket, HTTP client or web
/// framework anywhere; no `http` either, except in `doorman-oidc`, whose values are
/// `http::Request` and `http::Response`.
const CORE: [(&str, &[&str]); 4] = [
    ("doorman-secrets", &FORBIDDEN_WITH_HTTP),
    ("doorman-seal", &FORBIDDEN_WITH_HTTP),
    ("doorman-user", &FORBIDDEN_WITH_HTTP),
    ("doorman-oidc", &FORBIDDEN),
];
const FORBIDDEN: [&str; 8] = [
    "tokio", "hyper", "reqwest", "axum", "tower", "mio", "ureq", "curl",
];
const FORBIDDEN_WITH_HTTP: [&str; 9] = [
    "tokio", "hyper", "reqwest", "axum", "tower", "mio", "ureq", "curl", "http",
];

/// Checks every core crate's dependency tree.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let mut findings = Vec::new();
    for (krate, forbidden) in CORE {
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
            forbidden_in(&tree, forbidden)
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
fn forbidden_in(tree: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| forbidden.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::{FORBIDDEN, FORBIDDEN_WITH_HTTP, forbidden_in};

    #[test]
    fn forbidden_crates_are_found_by_exact_name() {
        let tree = "doorman-seal v0.1.0\nhttp v1.3.0\nhttparse v1.0\ntokio v1.0 (*)\n";
        assert_eq!(forbidden_in(tree, &FORBIDDEN_WITH_HTTP), ["http", "tokio"]);
        assert_eq!(forbidden_in(tree, &FORBIDDEN), ["tokio"]);
    }

    #[test]
    fn a_clean_tree_has_no_findings() {
        assert!(forbidden_in("doorman-seal v0.1.0\naes v0.8.4\n", &FORBIDDEN_WITH_HTTP).is_empty());
    }
}

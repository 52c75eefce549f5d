//! The layering check: the core crates depend on no runtime, HTTP client or web framework,
//! and no published crate depends on `doorman-testkit` but as a dev-dependency.
//!
//! It reads `cargo tree` for each core crate's normal dependencies, and for the crates that
//! depend on the testkit by a normal edge.

use std::path::Path;
use std::process::Command;

use crate::package::PUBLISHED;

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

/// `cargo tree` with `args` and a `--prefix none` listing of normal dependencies.
fn tree(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("cargo")
        .args([
            "tree", "--quiet", "--locked", "-e", "normal", "--prefix", "none",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Checks every core crate's dependency tree, and who depends on the testkit.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let mut findings = Vec::new();
    for (krate, forbidden) in CORE {
        let tree = tree(root, &["-p", krate])?;
        findings.extend(
            forbidden_in(&tree, forbidden)
                .into_iter()
                .map(|dep| format!("{krate} depends on {dep}")),
        );
    }
    // Every crate with a normal path to the testkit, the testkit first.
    let dependents = tree(root, &["--workspace", "--invert", "doorman-testkit"])?;
    findings.extend(
        forbidden_in(&dependents, &PUBLISHED)
            .into_iter()
            .map(|krate| format!("{krate} depends on doorman-testkit (a dev-dependency only)")),
    );
    if findings.is_empty() {
        Ok(format!(
            "{} core crates; the testkit a dev-dependency of the published crates",
            CORE.len()
        ))
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

//! The package step: every crate a user depends on packages cleanly and says what it is to
//! crates.io (a readme, one to five keywords, categories); every other workspace member says
//! `publish = false`.
//!
//! `cargo package --no-verify` builds the `.crate` files in `target/package` and resolves
//! each one's dependencies against the registry (the workspace's own unpublished crates
//! resolve together, since cargo 1.90), which checks the manifests and the contents.
//! The verify build of each packaged crate is left out: it would build the whole
//! dependency tree again outside the workspace's profiles (minutes on two cores), and the
//! same sources are built and tested by the steps before. `--allow-dirty`: the step runs
//! before a change is committed.

use std::fs;
use std::path::Path;
use std::process::Command;

/// The crates a user depends on, in dependency order.
pub(crate) const PUBLISHED: [&str; 8] = [
    "doorman-secrets",
    "doorman-seal",
    "doorman-user",
    "doorman-oidc",
    "doorman-devidp",
    "doorman-axum",
    "doorman",
    "doorman-cli",
];

/// Checks the workspace members' manifests, then packages the published crates.
pub(crate) fn check(root: &Path) -> Result<String, String> {
    let mut findings = Vec::new();
    let mut published = 0;
    for manifest in members(root) {
        let text =
            fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let Some(name) = value_of(&text, "name") else {
            findings.push(format!("{}: no package name", manifest.display()));
            continue;
        };
        let finding = |what: &str| format!("{name} ({}): {what}", manifest.display());
        let unpublished = text.lines().any(|l| l.trim() == "publish = false");
        match (PUBLISHED.contains(&name), unpublished) {
            (true, true) => findings.push(finding("says publish = false but users depend on it")),
            (false, false) => findings.push(finding(
                "is not in xtask's list of published crates: add it there or say publish = false",
            )),
            (false, true) => {}
            (true, false) => {
                published += 1;
                findings.extend(metadata_findings(&text).into_iter().map(|f| finding(&f)));
            }
        }
    }
    if published != PUBLISHED.len() {
        findings.push(format!(
            "{published} of the {} published crates found under crates/",
            PUBLISHED.len()
        ));
    }
    if !findings.is_empty() {
        return Err(findings.join("; "));
    }
    let mut args = vec!["package", "--no-verify", "--locked", "--allow-dirty"];
    for krate in PUBLISHED {
        args.extend(["-p", krate]);
    }
    let output = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || stderr.contains("warning:") {
        return Err(format!("`cargo {}`:\n{stderr}", args.join(" ")));
    }
    Ok(format!("{} crates in target/package", PUBLISHED.len()))
}

/// The manifests of the workspace's members: `crates/*`, `xtask`, `tests/e2e`, `tests/load`.
fn members(root: &Path) -> Vec<std::path::PathBuf> {
    let mut manifests: Vec<_> = fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("Cargo.toml"))
        .filter(|path| path.is_file())
        .collect();
    manifests.sort();
    manifests
        .extend(["xtask", "tests/e2e", "tests/load"].map(|dir| root.join(dir).join("Cargo.toml")));
    manifests
}

/// The string value of `key = "..."` in a manifest's `[package]` table.
fn value_of<'t>(manifest: &'t str, key: &str) -> Option<&'t str> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[package]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"'))
        })
}

/// What a published crate's manifest lacks for crates.io: `readme`, one to five
/// `keywords`, `categories`.
fn metadata_findings(manifest: &str) -> Vec<String> {
    let mut findings = Vec::new();
    let has = |key: &str| {
        manifest.lines().any(|l| {
            l.split_once(['=', '.'])
                .is_some_and(|(k, _)| k.trim() == key)
        })
    };
    if !has("readme") {
        findings.push("no readme".to_owned());
    }
    if !has("categories") {
        findings.push("no categories".to_owned());
    }
    match value_of(manifest, "keywords") {
        None => findings.push("no keywords".to_owned()),
        Some(list) => {
            let count = list.split(',').filter(|k| !k.trim().is_empty()).count();
            if !(1..=5).contains(&count) {
                findings.push(format!(
                    "{count} keywords: crates.io takes one to five, on one line"
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::{metadata_findings, value_of};

    const COMPLETE: &str = "[package]\nname = \"doorman-seal\"\nreadme.workspace = true\nkeywords = [\"cookie\", \"aead\"]\ncategories = [\"cryptography\"]\n\n[dependencies]\nname = \"not this\"\n";

    #[test]
    fn the_package_table_is_read() {
        assert_eq!(value_of(COMPLETE, "name"), Some("doorman-seal"));
        assert_eq!(value_of(COMPLETE, "missing"), None);
    }

    #[test]
    fn a_complete_manifest_has_no_findings() {
        assert!(metadata_findings(COMPLETE).is_empty());
    }

    #[test]
    fn missing_metadata_and_too_many_keywords_are_found() {
        let bare =
            "[package]\nname = \"x\"\nkeywords = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]\n";
        assert_eq!(
            metadata_findings(bare),
            [
                "no readme",
                "no categories",
                "6 keywords: crates.io takes one to five, on one line"
            ]
        );
    }
}

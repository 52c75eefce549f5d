//! The public API snapshot: for each published library crate, the public items at its root,
//! one a line, committed in `api/<crate>.txt`.
//!
//! The `api` step of `cargo xtask test` reads them again from the sources and fails when
//! they differ from the snapshot, so that every change of a crate's public API is a visible
//! diff in review; `cargo xtask api` (or `UPDATE_API=1 cargo xtask test`) rewrites the
//! snapshot. The tidy check holds `docs/architecture.md`'s **API boundary:** lines to the
//! same items.
//!
//! The reading is plain text, std only: the root-level `pub use`, `pub mod` and `pub fn`,
//! `struct`, `enum`, `trait`, `const`, `static`, `type` of `src/lib.rs`, each re-export
//! followed to its definition in the crate's module files or in another workspace crate.
//! A line is the item's declaration up to its body, whitespace collapsed:
//! `fn split(name: &str, ...) -> Result<...>`, `const NONCE_LEN: usize`,
//! `#[non_exhaustive] enum Error`. Items under `#[cfg(test)]` or `#[cfg(doctest)]` are left
//! out; `#[doc(hidden)]` ones are kept, marked. It sees no method, field or variant: those
//! change without the snapshot noticing.

use std::fs;
use std::path::{Path, PathBuf};

use crate::package::PUBLISHED;

/// Where the snapshots live, under the workspace root.
const DIR: &str = "api";

/// The environment variable that makes the `api` step rewrite the snapshots.
const UPDATE_ENV: &str = "UPDATE_API";

/// One public item at a crate's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// The name it is exported under.
    pub(crate) name: String,
    /// `fn`, `struct`, `mod`, ... (`use` for a re-export from outside the workspace).
    kind: String,
    /// Its line in the snapshot.
    line: String,
    /// `#[doc(hidden)]`: public, but not in the documentation.
    pub(crate) hidden: bool,
}

/// The published crates with a library: `(name, src/lib.rs)`.
pub(crate) fn library_crates(root: &Path) -> Vec<(&'static str, PathBuf)> {
    PUBLISHED
        .iter()
        .map(|krate| (*krate, root.join("crates").join(krate).join("src/lib.rs")))
        .filter(|(_, lib)| lib.is_file())
        .collect()
}

/// The public items at the root of the crate whose `lib.rs` is `lib`, in snapshot order.
pub(crate) fn crate_items(root: &Path, lib: &Path) -> Result<Vec<Item>, String> {
    let text = read(lib)?;
    let mut items = Vec::new();
    for export in root_exports(&text) {
        let mut resolved = match &export.what {
            Export::Use(path, name) => {
                let found = resolve(root, lib, path, 0)?;
                found.item(name)
            }
            Export::Mod(name) => Item {
                name: name.clone(),
                kind: "mod".to_owned(),
                line: format!("mod {name}"),
                hidden: false,
            },
            Export::Defined(name, line) => definition(&text, *line, name)
                .map(|found| found.item(name))
                .ok_or_else(|| format!("{}: cannot read `{name}`", lib.display()))?,
        };
        let mut prefix = String::new();
        for attribute in &export.attributes {
            prefix.push_str(attribute);
            prefix.push(' ');
        }
        resolved.hidden = export.attributes.iter().any(|a| a == "#[doc(hidden)]");
        resolved.line = format!("{prefix}{}", resolved.line);
        items.push(resolved);
    }
    items.sort_by(|a, b| (rank(&a.kind), &a.name).cmp(&(rank(&b.kind), &b.name)));
    Ok(items)
}

/// The snapshot file's text for one crate.
fn render(krate: &str, items: &[Item]) -> String {
    let mut out = format!(
        "# The public items at the root of {krate}, as `cargo xtask api` reads them from its src/lib.rs.\n# Rewrite with `cargo xtask api` (or UPDATE_API=1 cargo xtask test) and commit the diff.\n"
    );
    for item in items {
        out.push_str(&item.line);
        out.push('\n');
    }
    out
}

/// The `api` step: every snapshot matches its crate's sources (rewritten first when
/// `UPDATE_API=1`).
pub(crate) fn check(root: &Path) -> Result<String, String> {
    if std::env::var_os(UPDATE_ENV).is_some_and(|v| v == "1") {
        return update(root);
    }
    let mut findings = Vec::new();
    let crates = library_crates(root);
    for (krate, lib) in &crates {
        let items = crate_items(root, lib)?;
        let expected = render(krate, &items);
        let path = snapshot_path(root, krate);
        let committed = fs::read_to_string(&path).unwrap_or_default();
        if committed != expected {
            findings.push(format!(
                "{krate}'s public API differs from {}:{}",
                path.strip_prefix(root).unwrap_or(&path).display(),
                diff(&committed, &expected)
            ));
        }
    }
    findings.extend(stale_snapshots(root, &crates));
    if findings.is_empty() {
        Ok(format!("{} crates match {DIR}/", crates.len()))
    } else {
        Err(format!(
            "\n  {}\n  If the change is meant, run `cargo xtask api` and commit {DIR}/.",
            findings.join("\n  ")
        ))
    }
}

/// `cargo xtask api`: rewrites every snapshot from the sources.
pub(crate) fn update(root: &Path) -> Result<String, String> {
    let crates = library_crates(root);
    let dir = root.join(DIR);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut changed = Vec::new();
    for (krate, lib) in &crates {
        let expected = render(krate, &crate_items(root, lib)?);
        let path = snapshot_path(root, krate);
        if fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            fs::write(&path, expected).map_err(|e| format!("{}: {e}", path.display()))?;
            changed.push(*krate);
        }
    }
    let stale = stale_snapshots(root, &crates);
    if !stale.is_empty() {
        return Err(stale.join("; "));
    }
    Ok(if changed.is_empty() {
        format!("{} snapshots already current", crates.len())
    } else {
        format!("rewrote {DIR}/ for {}", changed.join(", "))
    })
}

fn snapshot_path(root: &Path, krate: &str) -> PathBuf {
    root.join(DIR).join(format!("{krate}.txt"))
}

/// Snapshot files of no published library crate.
fn stale_snapshots(root: &Path, crates: &[(&str, PathBuf)]) -> Vec<String> {
    let mut findings = Vec::new();
    for entry in fs::read_dir(root.join(DIR)).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let known = name
            .strip_suffix(".txt")
            .is_some_and(|krate| crates.iter().any(|(k, _)| *k == krate));
        if !known {
            findings.push(format!(
                "{DIR}/{name} is the snapshot of no published library crate: delete it"
            ));
        }
    }
    findings
}

/// The lines only in the snapshot (`-`) and only in the sources (`+`).
fn diff(committed: &str, expected: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = expected.lines().collect();
    let mut out = String::new();
    for line in old.iter().filter(|l| !new.contains(l)) {
        out.push_str(&format!("\n    - {line}"));
    }
    for line in new.iter().filter(|l| !old.contains(l)) {
        out.push_str(&format!("\n    + {line}"));
    }
    if out.is_empty() {
        out.push_str(" the same lines in another order");
    }
    out
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The snapshot order of kinds: modules first, functions last.
fn rank(kind: &str) -> usize {
    const ORDER: [&str; 10] = [
        "mod", "use", "const", "static", "type", "trait", "struct", "enum", "union", "fn",
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// A public item of `lib.rs`, with the attributes the snapshot shows.
#[derive(Debug, PartialEq, Eq)]
struct RootExport {
    what: Export,
    /// `#[doc(hidden)]`, `#[cfg(...)]`.
    attributes: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
enum Export {
    /// `pub use path` under `name`.
    Use(Vec<String>, String),
    /// `pub mod name`.
    Mod(String),
    /// An item defined in `lib.rs` itself, at this line.
    Defined(String, usize),
}

/// The public items at the root of a `lib.rs`: top-level lines only, comments skipped.
fn root_exports(text: &str) -> Vec<RootExport> {
    let lines: Vec<&str> = text.lines().collect();
    let mut exports = Vec::new();
    let mut attributes: Vec<String> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        index += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") || line.starts_with(char::is_whitespace)
        {
            continue;
        }
        if trimmed.starts_with("#![") {
            continue;
        }
        if trimmed.starts_with("#[") {
            attributes.push(trimmed.to_owned());
            continue;
        }
        let kept = std::mem::take(&mut attributes);
        let Some(rest) = line.strip_prefix("pub ") else {
            continue;
        };
        if kept
            .iter()
            .any(|a| a == "#[cfg(test)]" || a == "#[cfg(doctest)]")
        {
            continue;
        }
        let shown: Vec<String> = kept
            .into_iter()
            .filter(|a| a == "#[doc(hidden)]" || a.starts_with("#[cfg("))
            .collect();
        if let Some(tree) = rest.strip_prefix("use ") {
            let mut statement = tree.to_owned();
            while !statement.contains(';') && index < lines.len() {
                statement.push(' ');
                statement.push_str(lines[index].trim());
                index += 1;
            }
            let statement = statement.split(';').next().unwrap_or_default();
            for (path, name) in use_tree(statement) {
                exports.push(RootExport {
                    what: Export::Use(path, name),
                    attributes: shown.clone(),
                });
            }
        } else if let Some(module) = rest.strip_prefix("mod ") {
            exports.push(RootExport {
                what: Export::Mod(identifier(module).to_owned()),
                attributes: shown,
            });
        } else if let Some((_, name)) = declared(line) {
            exports.push(RootExport {
                what: Export::Defined(name.to_owned(), index - 1),
                attributes: shown,
            });
        }
    }
    exports
}

/// The paths and exported names of a use tree: `a::{b, c::{d as e}}` gives
/// `(a::b, b)` and `(a::c::d, e)`; a glob keeps its `*` as the name.
fn use_tree(tree: &str) -> Vec<(Vec<String>, String)> {
    let spaced = tree
        .replace("::", " :: ")
        .replace('{', " { ")
        .replace('}', " } ")
        .replace(',', " , ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut out = Vec::new();
    let mut position = 0;
    parse_tree(&tokens, &mut position, &mut Vec::new(), &mut out);
    out
}

fn parse_tree(
    tokens: &[&str],
    position: &mut usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    let depth = prefix.len();
    loop {
        match tokens.get(*position) {
            Some(&"{") => {
                *position += 1;
                loop {
                    parse_tree(tokens, position, prefix, out);
                    match tokens.get(*position) {
                        Some(&",") => {
                            *position += 1;
                            if tokens.get(*position) == Some(&"}") {
                                *position += 1;
                                break;
                            }
                        }
                        Some(&"}") => {
                            *position += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                prefix.truncate(depth);
                return;
            }
            Some(segment) => {
                prefix.push((*segment).to_owned());
                *position += 1;
                if tokens.get(*position) == Some(&"::") {
                    *position += 1;
                    continue;
                }
                let mut name = prefix.last().cloned().unwrap_or_default();
                if tokens.get(*position) == Some(&"as") {
                    name = tokens
                        .get(*position + 1)
                        .copied()
                        .unwrap_or_default()
                        .to_owned();
                    *position += 2;
                }
                if name == "self" {
                    prefix.pop();
                    name = prefix.last().cloned().unwrap_or_default();
                }
                out.push((prefix.clone(), name));
                prefix.truncate(depth);
                return;
            }
            None => {
                prefix.truncate(depth);
                return;
            }
        }
    }
}

/// The leading identifier of `text`.
fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The kind and name a `pub` declaration line declares: `pub fn f(` gives `("fn", "f")`,
/// `pub const fn g(` gives `("fn", "g")`, `pub const N: usize` gives `("const", "N")`.
fn declared(line: &str) -> Option<(&'static str, &str)> {
    let mut rest = line.trim_start().strip_prefix("pub ")?;
    for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
        if let Some(after) = rest.strip_prefix(qualifier)
            && after.contains("fn ")
        {
            rest = after;
        }
    }
    for kind in [
        "fn", "struct", "enum", "trait", "const", "static", "type", "union", "mod",
    ] {
        if let Some(after) = rest.strip_prefix(kind).and_then(|r| r.strip_prefix(' ')) {
            let after = after.strip_prefix("mut ").unwrap_or(after);
            return Some((kind, identifier(after))).filter(|(_, name)| !name.is_empty());
        }
    }
    None
}

/// What a path names.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// A declaration: its kind and snapshot line.
    Declaration { kind: &'static str, line: String },
    /// A module or a workspace crate, by the path it was found at.
    Module(String),
    /// An item of a crate outside the workspace.
    Outside(String),
}

impl Found {
    fn item(self, name: &str) -> Item {
        let (kind, line) = match self {
            Self::Declaration { kind, line } => (kind.to_owned(), line),
            Self::Module(path) if path == name => ("mod".to_owned(), format!("mod {name}")),
            Self::Module(path) => ("mod".to_owned(), format!("mod {name} (= {path})")),
            Self::Outside(path) => ("use".to_owned(), format!("use {name} (= {path})")),
        };
        Item {
            name: name.to_owned(),
            kind,
            line,
            hidden: false,
        }
    }
}

/// The module file of a workspace crate named as in code (`doorman_seal`), if it is one.
fn workspace_crate(root: &Path, ident: &str) -> Option<PathBuf> {
    let lib = root
        .join("crates")
        .join(ident.replace('_', "-"))
        .join("src/lib.rs");
    lib.is_file().then_some(lib)
}

/// The file of module `name` inside the module whose file is `module`.
fn child_module(module: &Path, name: &str) -> Option<PathBuf> {
    let is_dir_module = module
        .file_name()
        .is_some_and(|f| f == "lib.rs" || f == "mod.rs");
    let dir = if is_dir_module {
        module.parent()?.to_path_buf()
    } else {
        module.with_extension("")
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// What `path`, written in the module whose file is `module`, names.
fn resolve(root: &Path, module: &Path, path: &[String], depth: usize) -> Result<Found, String> {
    let joined = path.join("::");
    if depth > 16 {
        return Err(format!("`{joined}`: re-exports nested too deep"));
    }
    let Some((first, rest)) = path.split_first() else {
        return Err("an empty path".to_owned());
    };
    let (mut file, rest) = match first.as_str() {
        "crate" => (crate_root(module)?, rest),
        "self" => (module.to_path_buf(), rest),
        name => {
            if let Some(lib) = workspace_crate(root, name) {
                (lib, rest)
            } else if let Some(child) = child_module(module, name) {
                (child, rest)
            } else if let Some(found) = find_in(root, module, name, depth)? {
                if rest.is_empty() {
                    return Ok(found);
                }
                return Err(format!("`{joined}`: a path through an item"));
            } else {
                return Ok(Found::Outside(joined));
            }
        }
    };
    let Some((last, modules)) = rest.split_last() else {
        return Ok(Found::Module(joined));
    };
    for name in modules {
        file = child_module(&file, name)
            .ok_or_else(|| format!("`{joined}`: no module `{name}` next to {}", file.display()))?;
    }
    if let Some(found) = find_in(root, &file, last, depth)? {
        return Ok(found);
    }
    if child_module(&file, last).is_some() {
        return Ok(Found::Module(joined));
    }
    Err(format!(
        "`{joined}`: no public `{last}` in {}",
        file.display()
    ))
}

/// The `src/lib.rs` above a module file.
fn crate_root(module: &Path) -> Result<PathBuf, String> {
    module
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|n| n == "src"))
        .map(|src| src.join("lib.rs"))
        .ok_or_else(|| format!("{}: not under a src/ folder", module.display()))
}

/// The public item `name` of the module whose file is `file`: declared there, or
/// re-exported from elsewhere.
fn find_in(root: &Path, file: &Path, name: &str, depth: usize) -> Result<Option<Found>, String> {
    let text = read(file)?;
    let declarations: Vec<(usize, bool)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| declared(l).is_some_and(|(_, n)| n == name))
        .map(|(index, l)| (index, !l.starts_with(char::is_whitespace)))
        .collect();
    // A top-level declaration, else a re-export, else a declaration nested in a macro such
    // as `pin_project!`.
    if let Some((index, _)) = declarations.iter().find(|(_, top_level)| *top_level) {
        return Ok(definition(&text, *index, name));
    }
    for export in root_exports(&text) {
        if let Export::Use(path, exported) = export.what
            && exported == name
        {
            return resolve(root, file, &path, depth + 1).map(Some);
        }
    }
    Ok(declarations
        .first()
        .and_then(|(index, _)| definition(&text, *index, name)))
}

/// The declaration at line `index` of `text`: kind and normalized head, with
/// `#[non_exhaustive]` when it has it.
fn definition(text: &str, index: usize, name: &str) -> Option<Found> {
    let lines: Vec<&str> = text.lines().collect();
    let (kind, declared_name) = declared(lines.get(index)?)?;
    if declared_name != name {
        return None;
    }
    if kind == "mod" {
        return Some(Found::Module(name.to_owned()));
    }
    let mut source = String::new();
    let mut line = None;
    for text in &lines[index..] {
        source.push_str(text.trim());
        source.push(' ');
        line = head(&source, kind);
        if line.is_some() {
            break;
        }
    }
    let line = line.unwrap_or_else(|| normalize(&source));
    let mut line = line.strip_prefix("pub ").unwrap_or(&line).to_owned();
    // Its doc comment and attributes: back to a blank line or the end of what precedes.
    let non_exhaustive = lines[..index]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| !l.is_empty() && (l.starts_with("//") || !l.ends_with([';', '{', '}'])))
        .any(|l| l == "#[non_exhaustive]");
    if non_exhaustive {
        line = format!("#[non_exhaustive] {line}");
    }
    Some(Found::Declaration { kind, line })
}

/// A declaration up to its body (or, for `const` and `static`, its value), whitespace
/// collapsed; a type alias keeps what it stands for. `None` while `source` holds no end.
fn head(source: &str, kind: &str) -> Option<String> {
    let mut depth = 0_i32;
    for (at, c) in source.char_indices() {
        let ends = depth == 0
            && match c {
                '{' | ';' => true,
                '(' => matches!(kind, "struct" | "union"),
                '=' => matches!(kind, "const" | "static"),
                _ => false,
            };
        if ends {
            let mut head = normalize(&source[..at]);
            if matches!(kind, "struct" | "enum" | "trait" | "union")
                && let Some(at) = head.find(" where ")
            {
                head.truncate(at);
            }
            return Some(head);
        }
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `source` with whitespace collapsed and no space or trailing comma inside brackets.
fn normalize(source: &str) -> String {
    let mut head = source.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (",)", ")"),
        (", >", ">"),
        (",>", ">"),
        (" ,", ","),
    ] {
        while head.contains(from) {
            head = head.replace(from, to);
        }
    }
    head.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::{Export, declared, diff, head, root_exports, use_tree};

    fn paths(tree: &str) -> Vec<String> {
        use_tree(tree)
            .into_iter()
            .map(|(path, name)| format!("{} as {name}", path.join("::")))
            .collect()
    }

    #[test]
    fn use_trees_give_each_path_and_name() {
        assert_eq!(paths("auth::Auth"), ["auth::Auth as Auth"]);
        assert_eq!(paths("doorman_oidc as oidc"), ["doorman_oidc as oidc"]);
        assert_eq!(
            paths("a::{B, c::{D, e as F}, }"),
            ["a::B as B", "a::c::D as D", "a::c::e as F"]
        );
        assert_eq!(paths("a::{self, B}"), ["a as a", "a::B as B"]);
    }

    #[test]
    fn declarations_give_kind_and_name() {
        assert_eq!(declared("pub fn split(name: &str)"), Some(("fn", "split")));
        assert_eq!(declared("pub const fn n() -> u8"), Some(("fn", "n")));
        assert_eq!(declared("pub async fn go()"), Some(("fn", "go")));
        assert_eq!(declared("pub const N: usize = 1;"), Some(("const", "N")));
        assert_eq!(declared("    pub struct F<T> {"), Some(("struct", "F")));
        assert_eq!(declared("pub(crate) fn hidden()"), None);
        assert_eq!(declared("pub use a::B;"), None);
    }

    #[test]
    fn heads_stop_at_the_body_and_collapse_whitespace() {
        let fn_head = "pub fn split( name: &str,\n limit: usize, ) -> Result<[u8; 4], E> { body }";
        assert_eq!(
            head(fn_head, "fn").as_deref(),
            Some("pub fn split(name: &str, limit: usize) -> Result<[u8; 4], E>")
        );
        assert_eq!(
            head("pub const N: [u8; 2] = [1, 2];", "const").as_deref(),
            Some("pub const N: [u8; 2]")
        );
        assert_eq!(
            head("pub type Entropy = [u8; 32];", "type").as_deref(),
            Some("pub type Entropy = [u8; 32]")
        );
        assert_eq!(
            head("pub struct KeyError(String);", "struct").as_deref(),
            Some("pub struct KeyError")
        );
        assert_eq!(
            head(
                "pub struct Service<S> where S: Clone { inner: S }",
                "struct"
            )
            .as_deref(),
            Some("pub struct Service<S>")
        );
        assert_eq!(head("pub fn split(name: &str,", "fn"), None);
    }

    #[test]
    fn only_public_root_items_outside_tests_count() {
        let lib = "//! Doc.\nmod private;\npub use a::{B,\n    C};\n#[doc(hidden)]\npub mod testing;\n#[cfg(doctest)]\npub struct Readme;\npub fn f() {}\nimpl X {\n    pub fn method() {}\n}\n";
        let exports = root_exports(lib);
        let names: Vec<String> = exports
            .iter()
            .map(|e| match &e.what {
                Export::Use(_, name) | Export::Mod(name) | Export::Defined(name, _) => name.clone(),
            })
            .collect();
        assert_eq!(names, ["B", "C", "testing", "f"]);
        assert_eq!(exports[2].attributes, ["#[doc(hidden)]"]);
    }

    #[test]
    fn a_diff_shows_what_went_and_what_came() {
        assert_eq!(diff("a\nb\n", "a\nc\n"), "\n    - b\n    + c");
    }

    #[test]
    fn the_snapshots_match_the_sources() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Err(findings) = super::check(&root) {
            panic!("api snapshot: {findings}");
        }
    }
}

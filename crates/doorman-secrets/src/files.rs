//! Which files are read, in which order, and how their `[auth]` sections combine.
//!
//! Streamlit reads `~/.streamlit/secrets.toml`, then `./.streamlit/secrets.toml`; a later
//! file's `[auth]` replaces an earlier one wholesale. Deployments can name the files in
//! [`SECRETS_FILES_ENV`] instead.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::AuthConfig;
use crate::error::Error;
use crate::location::Origin;
use crate::parse;

/// The environment variable that names the secrets files, separated like `PATH`.
///
/// When it is set, only those files are read, and each must exist.
pub const SECRETS_FILES_ENV: &str = "DOORMAN_SECRETS_FILES";

/// Streamlit's lookup: `HOME/.streamlit/secrets.toml`, then `CWD/.streamlit/secrets.toml`.
#[must_use]
pub fn default_search_paths(home: Option<&Path>, cwd: &Path) -> Vec<PathBuf> {
    let relative = Path::new(".streamlit").join("secrets.toml");
    let mut paths: Vec<PathBuf> = home.map(|home| home.join(&relative)).into_iter().collect();
    let local = cwd.join(&relative);
    if !paths.contains(&local) {
        paths.push(local);
    }
    paths
}

/// The files named by a [`SECRETS_FILES_ENV`] value.
#[must_use]
pub fn paths_from_env_value(value: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(value)
        .filter(|p| !p.as_os_str().is_empty())
        .collect()
}

impl AuthConfig {
    /// Parses the `[auth]` section of a secrets text. `origin` names it in messages.
    ///
    /// # Errors
    /// Any [`Error`] but [`Error::Read`]: the text is not TOML, has no `[auth]`, or a key is
    /// missing or invalid.
    pub fn parse(text: &str, origin: Origin) -> Result<Self, Error> {
        let document = parse::parse_document(text, &origin)?;
        parse::auth_config(text, origin, document.get_ref())
    }

    /// Reads the files in order; each must exist. The last one with an `[auth]` section wins.
    ///
    /// # Errors
    /// [`Error::Read`] for a file that cannot be read, [`Error::Syntax`] for any file that is
    /// not TOML, [`Error::NotConfigured`] when none has `[auth]`, and any validation error of
    /// the winning section.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Self, Error> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        load_from(&paths, false)
    }

    /// Loads from the files named in [`SECRETS_FILES_ENV`] when it is set (each must exist),
    /// else from Streamlit's lookup order (missing files are skipped).
    ///
    /// # Errors
    /// As [`AuthConfig::load`].
    pub fn load_default() -> Result<Self, Error> {
        if let Some(value) = std::env::var_os(SECRETS_FILES_ENV) {
            return load_from(&paths_from_env_value(&value), false);
        }
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from);
        let cwd = std::env::current_dir().map_err(|source| Error::Read {
            path: PathBuf::from("."),
            source,
        })?;
        load_from(&default_search_paths(home.as_deref(), &cwd), true)
    }
}

fn load_from(paths: &[PathBuf], skip_missing: bool) -> Result<AuthConfig, Error> {
    let mut winner: Option<(Zeroizing<String>, Origin)> = None;
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if skip_missing && e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(Error::Read {
                    path: path.clone(),
                    source,
                });
            }
        };
        let origin = Origin::File(path.clone());
        let has_auth = parse::has_auth(parse::parse_document(&text, &origin)?.get_ref());
        if has_auth {
            winner = Some((text, origin));
        }
    }
    match winner {
        Some((text, origin)) => AuthConfig::parse(&text, origin),
        None => Err(Error::NotConfigured {
            searched: paths.iter().cloned().map(Origin::File).collect(),
        }),
    }
}

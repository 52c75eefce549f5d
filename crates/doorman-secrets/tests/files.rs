//! Streamlit's file lookup order, the wholesale replacement of `[auth]`, and explicit paths.

use std::fs;
use std::path::{Path, PathBuf};

use doorman_secrets::{AuthConfig, Error, default_search_paths, paths_from_env_value};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("secrets-files")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write scratch file");
    path
}

const HOME_AUTH: &str = "[auth]\nredirect_uri = \"http://home/cb\"\ncookie_secret = \"home\"\n[auth.google]\nclient_id = \"g\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://g.example/\"\n";
const LOCAL_AUTH: &str = "[auth]\nredirect_uri = \"http://local/cb\"\ncookie_secret = \"local\"\n[auth.okta]\nclient_id = \"o\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://o.example/\"\n";

#[test]
fn lookup_order_is_home_then_working_directory() {
    let paths = default_search_paths(Some(Path::new("/home/me")), Path::new("/srv/app"));
    assert_eq!(
        paths,
        [
            PathBuf::from("/home/me/.streamlit/secrets.toml"),
            PathBuf::from("/srv/app/.streamlit/secrets.toml")
        ]
    );
    let same = default_search_paths(Some(Path::new("/home/me")), Path::new("/home/me"));
    assert_eq!(same.len(), 1);
    assert_eq!(default_search_paths(None, Path::new("/srv")).len(), 1);
}

#[test]
fn a_later_auth_section_replaces_the_earlier_one_wholesale() {
    let dir = scratch("replace");
    let home = write(&dir, "home.toml", HOME_AUTH);
    let local = write(&dir, "local.toml", LOCAL_AUTH);
    let config = AuthConfig::load(&[&home, &local]).unwrap();
    let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    assert_eq!(names, ["okta"], "no deep merge of providers");
    assert_eq!(config.redirect_uri().as_template(), "http://local/cb");
    assert_eq!(config.origin().to_string(), local.display().to_string());
}

#[test]
fn a_later_file_without_auth_keeps_the_earlier_section() {
    let dir = scratch("keep");
    let home = write(&dir, "home.toml", HOME_AUTH);
    let local = write(&dir, "local.toml", "[connections]\nx = 1\n");
    let config = AuthConfig::load(&[&home, &local]).unwrap();
    assert_eq!(config.providers()[0].name(), "google");
}

#[test]
fn a_replaced_section_is_not_validated() {
    let dir = scratch("replaced-invalid");
    let home = write(&dir, "home.toml", "[auth]\nredirect_uri = \"relative\"\n");
    let local = write(&dir, "local.toml", LOCAL_AUTH);
    assert!(AuthConfig::load(&[&home, &local]).is_ok());
}

#[test]
fn a_syntax_error_in_any_file_is_reported() {
    let dir = scratch("syntax");
    let home = write(&dir, "home.toml", "[auth\n");
    let local = write(&dir, "local.toml", LOCAL_AUTH);
    let e = AuthConfig::load(&[&home, &local]).unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
    assert!(e.to_string().contains("home.toml:1:"), "{e}");
}

#[test]
fn an_explicit_missing_file_is_an_error() {
    let dir = scratch("missing");
    let e = AuthConfig::load(&[dir.join("nope.toml")]).unwrap_err();
    assert!(matches!(e, Error::Read { .. }));
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

#[test]
fn no_auth_anywhere_lists_what_was_searched() {
    let dir = scratch("none");
    let a = write(&dir, "a.toml", "x = 1\n");
    let e = AuthConfig::load(&[&a]).unwrap_err();
    assert!(matches!(e, Error::NotConfigured { .. }));
    assert!(e.to_string().contains("a.toml"));
}

#[test]
fn the_environment_variable_names_files_like_path() {
    let value = std::env::join_paths(["/etc/app/secrets.toml", "/run/secrets/auth.toml"]).unwrap();
    assert_eq!(
        paths_from_env_value(&value),
        [
            PathBuf::from("/etc/app/secrets.toml"),
            PathBuf::from("/run/secrets/auth.toml")
        ]
    );
}

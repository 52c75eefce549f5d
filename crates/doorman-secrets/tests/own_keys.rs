//! doorman's own keys (`cookie_lifetime`, `previous_cookie_secrets`, `bound_to_id_token`,
//! `call_userinfo`, `base_path`, `logout_params`, `redis_url`, `session_store`,
//! `refresh_lock_timeout`): the forms each accepts and the value each
//! gives, where an effective value comes from (the provider's own key, the shared one of
//! `[auth]`, or the default), how `logout_params` fills its templates, which tables under
//! `[auth]` are providers, the "did you mean" of a near miss, and that the settings shown for
//! display never hold a secret.
//!
//! Refusals are data: `tests/refusals/{cookie-lifetime,previous-cookie-secrets,base-path,
//! logout-params,bound-to-id-token,call-userinfo,provider,redis-url,session-store,
//! refresh-lock-timeout}-*.toml`, each beside its whole
//! message, checked by `messages.rs`; so are the files that load with warnings
//! (`tests/fixtures/{own-keys-everywhere,logout-params-shared,not-a-provider,near-miss-typos}`).

use std::path::Path;
use std::time::Duration;

use doorman_secrets::{
    AuthConfig, DEFAULT_COOKIE_LIFETIME, DEFAULT_REFRESH_LOCK_TIMEOUT, Error, LogoutParam,
    LogoutParams, MAX_COOKIE_LIFETIME, MAX_REFRESH_LOCK_TIMEOUT, Origin, Provider, SessionStore,
    Setting, SettingLine, Source, WarningKind, parse_base_path,
};

/// Lines 1 to 3.
const SHARED: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n";
/// Three lines of provider keys.
const GOOGLE: &str = "client_id = \"id\"\nclient_secret = \"shh\"\nserver_metadata_url = \"https://accounts.google.com/.well-known/openid-configuration\"\n";

fn parse(text: &str) -> Result<AuthConfig, Error> {
    AuthConfig::parse(text, Origin::Text("t".into()))
}

fn load(text: &str) -> AuthConfig {
    parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A default provider (lines 4 to 6) and `line` on line 7 of `[auth]`.
fn in_auth(line: &str) -> AuthConfig {
    load(&format!("{SHARED}{GOOGLE}{line}\n"))
}

/// A provider `[auth.okta]` (line 4, its keys on lines 5 to 7) and `line` on line 8 of it.
fn in_okta(line: &str) -> AuthConfig {
    load(&format!("{SHARED}[auth.okta]\n{GOOGLE}{line}\n"))
}

fn okta(config: &AuthConfig) -> &Provider {
    config.provider(Some("okta")).expect("okta is configured")
}

/// Where a setting was written, as `key_path@line:column`; `default` for none.
fn written<T>(setting: &Setting<T>) -> String {
    match setting.source() {
        Source::File(at) => format!("{}@{}:{}", at.key_path, at.line, at.column),
        other => other.to_string(),
    }
}

fn no_warnings(config: &AuthConfig) {
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

fn fixture(name: &str) -> AuthConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    AuthConfig::load(&[&path]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn cookie_lifetime_takes_one_unit_or_whole_seconds() {
    // (as written, seconds, as `doorman check` shows it)
    let cases = [
        ("\"1s\"", 1, "1s"),
        ("\"90s\"", 90, "90s"),
        ("\"90m\"", 5_400, "90m"),
        ("\"12h\"", 43_200, "12h"),
        ("\"30d\"", 2_592_000, "30d"),
        ("\"2w\"", 1_209_600, "2w"),
        ("\"400d\"", 34_560_000, "400d"),
        ("\"57w\"", 34_473_600, "57w"),
        ("3600", 3_600, "1h"),
        ("1_209_600", 1_209_600, "2w"),
        ("34560000", 34_560_000, "400d"),
    ];
    for (value, seconds, shown) in cases {
        let expected = Duration::from_secs(seconds);
        let config = in_auth(&format!("cookie_lifetime = {value}"));
        no_warnings(&config);
        let lifetime = config.provider(None).unwrap().cookie_lifetime();
        assert_eq!(*lifetime.value(), expected, "{value}");
        assert_eq!(written(lifetime), "auth.cookie_lifetime@7:19", "{value}");
        let line = setting_line(config.provider(None).unwrap(), "cookie_lifetime");
        assert_eq!(line.value, shown, "{value}");

        let config = in_okta(&format!("cookie_lifetime = {value}"));
        let lifetime = okta(&config).cookie_lifetime();
        assert_eq!(*lifetime.value(), expected, "{value}");
        assert_eq!(
            written(lifetime),
            "auth.okta.cookie_lifetime@8:19",
            "{value}"
        );
    }
    assert_eq!(MAX_COOKIE_LIFETIME, Duration::from_secs(400 * 86_400));
    // Zero, negative, over 400 days, other units, other types: refusals/cookie-lifetime-*.toml.
}

#[test]
fn the_booleans_take_true_and_false() {
    for key in ["bound_to_id_token", "call_userinfo"] {
        let column = key.len() + 4;
        for value in [true, false] {
            let get = |provider: &Provider| -> Setting<bool> {
                match key {
                    "bound_to_id_token" => provider.bound_to_id_token().clone(),
                    _ => provider.call_userinfo().clone(),
                }
            };
            let config = in_auth(&format!("{key} = {value}"));
            no_warnings(&config);
            let setting = get(config.provider(None).unwrap());
            assert_eq!(*setting.value(), value, "{key}");
            assert_eq!(written(&setting), format!("auth.{key}@7:{column}"));

            let config = in_okta(&format!("{key} = {value}"));
            let setting = get(okta(&config));
            assert_eq!(*setting.value(), value, "{key}");
            assert_eq!(written(&setting), format!("auth.okta.{key}@8:{column}"));
        }
    }
    // As strings or numbers: refusals/{bound-to-id-token,call-userinfo}-*.toml.
}

#[test]
fn base_path_is_kept_without_its_trailing_slash() {
    // (as written, the value, as `doorman check` shows it)
    let cases = [
        ("", "", "/"),
        ("/", "", "/"),
        ("/dashboard", "/dashboard", "/dashboard"),
        ("/dashboard/", "/dashboard", "/dashboard"),
        ("/apps/sales", "/apps/sales", "/apps/sales"),
        ("/apps/sales/", "/apps/sales", "/apps/sales"),
        ("/v1.2/a-b_c~d", "/v1.2/a-b_c~d", "/v1.2/a-b_c~d"),
    ];
    for (value, expected, shown) in cases {
        let config = in_auth(&format!("base_path = {value:?}"));
        no_warnings(&config);
        assert_eq!(config.base_path().value(), expected, "{value:?}");
        // The rule the adapter applies to `AuthOptions::base_path` is the same.
        assert_eq!(parse_base_path(value).as_deref(), Ok(expected), "{value:?}");
        assert_eq!(written(config.base_path()), "auth.base_path@7:13");
        let line = config
            .settings()
            .into_iter()
            .find(|line| line.key == "base_path")
            .expect("a base_path line");
        assert_eq!(line.value, shown, "{value:?}");
    }
    // Relative, `..`, `?`, ...; or in a provider's section: refusals/base-path-*.toml.
}

#[test]
fn previous_cookie_secrets_are_kept_newest_first() {
    let cases: [&[&str]; 3] = [
        &[],
        &["last-years-secret"],
        &["newer-secret", "older-secret"],
    ];
    for secrets in cases {
        let list: Vec<String> = secrets.iter().map(|s| format!("{s:?}")).collect();
        let config = in_auth(&format!("previous_cookie_secrets = [{}]", list.join(", ")));
        no_warnings(&config);
        let previous = config.previous_cookie_secrets();
        let exposed: Vec<&str> = previous.value().iter().map(|s| s.expose()).collect();
        assert_eq!(exposed, secrets);
        assert_eq!(written(previous), "auth.previous_cookie_secrets@7:27");
    }
    // Not a list, an empty or non-string entry, or in a provider's section:
    // refusals/previous-cookie-secrets-*.toml.
}

#[test]
fn every_duration_key_takes_seconds_with_or_without_a_unit() {
    // (key, as written, seconds)
    let cases = [
        ("cookie_lifetime", "\"15s\"", 15),
        ("cookie_lifetime", "15", 15),
        ("refresh_margin", "\"45s\"", 45),
        ("refresh_margin", "45", 45),
        ("refresh_lock_timeout", "\"15s\"", 15),
        ("refresh_lock_timeout", "15", 15),
    ];
    for (key, value, seconds) in cases {
        // (`refresh_margin` draws the warning that Google is not asked for a refresh token.)
        let config = in_auth(&format!("{key} = {value}"));
        let provider = config.provider(None).unwrap();
        let setting = match key {
            "cookie_lifetime" => provider.cookie_lifetime(),
            "refresh_margin" => provider.refresh_margin(),
            _ => config.refresh_lock_timeout(),
        };
        assert_eq!(
            *setting.value(),
            Duration::from_secs(seconds),
            "{key} = {value}"
        );
    }
}

#[test]
fn refresh_lock_timeout_is_above_zero_and_at_most_5_minutes() {
    // (as written, seconds, as `doorman check` shows it)
    let cases = [
        ("\"1s\"", 1, "1s"),
        ("\"10s\"", 10, "10s"),
        ("\"90s\"", 90, "90s"),
        ("\"2m\"", 120, "2m"),
        ("\"5m\"", 300, "5m"),
        ("\"300s\"", 300, "5m"),
        ("30", 30, "30s"),
        ("300", 300, "5m"),
    ];
    for (value, seconds, shown) in cases {
        let config = in_auth(&format!("refresh_lock_timeout = {value}"));
        no_warnings(&config);
        let timeout = config.refresh_lock_timeout();
        assert_eq!(*timeout.value(), Duration::from_secs(seconds), "{value}");
        assert_eq!(
            written(timeout),
            "auth.refresh_lock_timeout@7:24",
            "{value}"
        );
        assert_eq!(app_setting(&config, "refresh_lock_timeout").value, shown);
    }
    assert_eq!(MAX_REFRESH_LOCK_TIMEOUT, Duration::from_secs(300));
    // Zero, over 5 minutes, other units, or in a provider's section:
    // refusals/refresh-lock-timeout-*.toml.
}

#[test]
fn redis_url_is_kept_as_written_and_shown_as_its_scheme() {
    // (as written, as `doorman check` shows it)
    let cases = [
        ("redis://localhost", "redis:// (REDACTED)"),
        ("redis://127.0.0.1:6379", "redis:// (REDACTED)"),
        ("redis://redis.internal:6379/", "redis:// (REDACTED)"),
        ("redis://redis.internal:6379/0", "redis:// (REDACTED)"),
        ("redis://:s3cret@redis.internal/15", "redis:// (REDACTED)"),
        ("redis://default:s3cret@[::1]:6379/2", "redis:// (REDACTED)"),
        (
            "rediss://app:s%40cret@redis.example.com:6380/1",
            "rediss:// (REDACTED)",
        ),
        ("REDISS://Redis.Example.com", "rediss:// (REDACTED)"),
    ];
    for (url, shown) in cases {
        let config = in_auth(&format!("redis_url = {url:?}"));
        no_warnings(&config);
        let setting = config.redis_url().expect("redis_url is set");
        assert_eq!(setting.value().expose(), url);
        assert_eq!(written(setting), "auth.redis_url@7:13");
        assert_eq!(app_setting(&config, "redis_url").value, shown, "{url}");
        // Redis alone does not move the sessions: that is `session_store`.
        assert_eq!(*config.session_store().value(), SessionStore::Cookie);
    }
    // Other schemes, no host, a database that is not a number, a query or a fragment, or in a
    // provider's section: refusals/redis-url-*.toml.
}

#[test]
fn session_store_is_cookie_or_redis_with_a_redis_url() {
    for (lines, store) in [
        ("session_store = \"cookie\"", SessionStore::Cookie),
        (
            "session_store = \"cookie\"\nredis_url = \"redis://localhost\"",
            SessionStore::Cookie,
        ),
        (
            "session_store = \"redis\"\nredis_url = \"redis://localhost\"",
            SessionStore::Redis,
        ),
        (
            "redis_url = \"redis://localhost\"\nsession_store = \"redis\"",
            SessionStore::Redis,
        ),
    ] {
        let config = in_auth(lines);
        no_warnings(&config);
        let setting = config.session_store();
        assert_eq!(*setting.value(), store, "{lines}");
        let line = if lines.starts_with("session_store") {
            7
        } else {
            8
        };
        assert_eq!(written(setting), format!("auth.session_store@{line}:17"));
        assert_eq!(app_setting(&config, "session_store").value, store.as_str());
    }
    assert_eq!(SessionStore::Cookie.as_str(), "cookie");
    assert_eq!(SessionStore::Redis.as_str(), "redis");
    // Another value, `redis` without `redis_url`, or in a provider's section:
    // refusals/session-store-*.toml.
}

fn app_setting(config: &AuthConfig, key: &str) -> SettingLine {
    config
        .settings()
        .into_iter()
        .find(|line| line.key == key)
        .unwrap_or_else(|| panic!("no {key} line"))
}

#[test]
fn logout_params_are_templates_or_drops_in_file_order() {
    let config = in_auth(
        "logout_params = { logout_hint = \"{login_hint}\", client_id = \"\", logout_uri = \"https://app.example/bye\", greeting = \"bye {given_name} {family_name}!\", tenant = \"{https://example.com/tenant}\" }",
    );
    no_warnings(&config);
    let params = config.provider(None).unwrap().logout_params();
    assert_eq!(written(params), "auth.logout_params@7:17");
    // (name, as written, the claims it names; None: dropped)
    type Read<'a> = (&'a str, Option<(&'a str, Vec<&'a str>)>);
    let read: Vec<Read<'_>> = params
        .value()
        .params()
        .iter()
        .map(|(name, param)| {
            let param = match param {
                LogoutParam::Drop => None,
                LogoutParam::Set(template) => {
                    Some((template.as_str(), template.claims().collect()))
                }
            };
            (name.as_str(), param)
        })
        .collect();
    assert_eq!(
        read,
        [
            ("logout_hint", Some(("{login_hint}", vec!["login_hint"]))),
            ("client_id", None),
            ("logout_uri", Some(("https://app.example/bye", vec![]))),
            (
                "greeting",
                Some((
                    "bye {given_name} {family_name}!",
                    vec!["given_name", "family_name"]
                ))
            ),
            (
                "tenant",
                Some((
                    "{https://example.com/tenant}",
                    vec!["https://example.com/tenant"]
                ))
            ),
        ]
    );
    // The same as a table of its own.
    let config = load(&format!(
        "{SHARED}{GOOGLE}[auth.logout_params]\nlogout_hint = \"{{login_hint}}\"\n"
    ));
    no_warnings(&config);
    let params = config.provider(None).unwrap().logout_params();
    assert_eq!(params.value().params().len(), 1);
    assert_eq!(
        params.value().to_string(),
        "{ logout_hint = \"{login_hint}\" }"
    );
    // Malformed templates, values other than strings, empty names:
    // refusals/logout-params-*.toml.
}

/// Each logout parameter's name and value; `None`: dropped.
type Resolved = Vec<(String, Option<String>)>;

/// `params` (as written in `{ ... }`) resolved with `claims`.
fn resolved(params: &str, claims: &[(&str, &str)]) -> Resolved {
    let config = in_auth(&format!("logout_params = {params}"));
    let provider = config.provider(None).expect("the default provider");
    provider.logout_params().value().resolve(|name| {
        claims
            .iter()
            .find(|(claim, _)| *claim == name)
            .map(|(_, value)| (*value).to_owned())
    })
}

#[test]
fn logout_params_fill_claims_and_drop_what_they_cannot() {
    let alice = [
        ("login_hint", "O.CiQ3ZjA"),
        ("sub", "248289761001"),
        ("tid", "72f988bf"),
        ("https://example.com/tenant", "acme"),
    ];
    let set = |name: &str, value: &str| (name.to_owned(), Some(value.to_owned()));
    let drop = |name: &str| (name.to_owned(), None);
    let cases: Vec<(&str, &str, Resolved)> = vec![
        (
            "Entra: the login hint claim",
            "{ logout_hint = \"{login_hint}\" }",
            vec![set("logout_hint", "O.CiQ3ZjA")],
        ),
        (
            "several claims and text",
            "{ who = \"{sub}@{tid}\" }",
            vec![set("who", "248289761001@72f988bf")],
        ),
        (
            "a claim named by a URL",
            "{ tenant = \"{https://example.com/tenant}\" }",
            vec![set("tenant", "acme")],
        ),
        (
            "a missing claim drops the parameter",
            "{ logout_hint = \"{login_hint}\", hd = \"{hd}\", who = \"{sub} in {org}\" }",
            vec![set("logout_hint", "O.CiQ3ZjA"), drop("hd"), drop("who")],
        ),
        (
            "\"\" drops the parameter",
            "{ id_token_hint = \"\", client_id = \"\" }",
            vec![drop("id_token_hint"), drop("client_id")],
        ),
        (
            "Cognito: rename post_logout_redirect_uri to logout_uri",
            "{ logout_uri = \"https://app.example/auth/logged-out\", post_logout_redirect_uri = \"\" }",
            vec![
                set("logout_uri", "https://app.example/auth/logged-out"),
                drop("post_logout_redirect_uri"),
            ],
        ),
        ("none", "{}", vec![]),
    ];
    for (case, params, expected) in cases {
        assert_eq!(resolved(params, &alice), expected, "{case}");
    }
    // With no claims at all, only literal text survives.
    assert_eq!(
        resolved("{ a = \"{sub}\", b = \"plain\", c = \"\" }", &[]),
        [drop("a"), set("b", "plain"), drop("c")]
    );
}

/// A file with every per-provider key shared in `[auth]` (lines 4 to 7), overridden by
/// `[auth.okta]` (lines 12 to 15), inherited by `[auth.auth0]`.
const OVERRIDE: &str = "[auth]
redirect_uri = \"http://localhost:8501/oauth2callback\"
cookie_secret = \"0123456789abcdef0123456789abcdef\"
cookie_lifetime = \"12h\"
bound_to_id_token = true
call_userinfo = false
logout_params = { logout_hint = \"{login_hint}\" }
[auth.okta]
client_id = \"id\"
client_secret = \"shh\"
server_metadata_url = \"https://dev-123456.okta.com/.well-known/openid-configuration\"
cookie_lifetime = \"30m\"
bound_to_id_token = false
call_userinfo = true
logout_params = { client_id = \"\" }
[auth.auth0]
client_id = \"id\"
client_secret = \"shh\"
server_metadata_url = \"https://example.us.auth0.com/.well-known/openid-configuration\"
";

#[test]
fn a_providers_own_value_wins_and_the_others_keep_the_shared_one() {
    let config = load(OVERRIDE);
    no_warnings(&config);
    let auth0 = config.provider(Some("auth0")).unwrap();
    // (provider, lifetime, bound, userinfo, logout parameter names, where each was written)
    let cases = [
        (
            okta(&config),
            1_800,
            false,
            true,
            vec!["client_id"],
            [
                "auth.okta.cookie_lifetime@12:19",
                "auth.okta.bound_to_id_token@13:21",
                "auth.okta.call_userinfo@14:17",
                "auth.okta.logout_params@15:17",
            ],
        ),
        (
            auth0,
            43_200,
            true,
            false,
            vec!["logout_hint"],
            [
                "auth.cookie_lifetime@4:19",
                "auth.bound_to_id_token@5:21",
                "auth.call_userinfo@6:17",
                "auth.logout_params@7:17",
            ],
        ),
    ];
    for (provider, seconds, bound, userinfo, params, sources) in cases {
        let name = provider.name();
        assert_eq!(
            *provider.cookie_lifetime().value(),
            Duration::from_secs(seconds),
            "{name}"
        );
        assert_eq!(*provider.bound_to_id_token().value(), bound, "{name}");
        assert_eq!(*provider.call_userinfo().value(), userinfo, "{name}");
        // A provider's logout_params replace the shared table wholesale: okta has no
        // logout_hint.
        let names: Vec<&str> = provider
            .logout_params()
            .value()
            .params()
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(names, params, "{name}");
        assert_eq!(
            [
                written(provider.cookie_lifetime()),
                written(provider.bound_to_id_token()),
                written(provider.call_userinfo()),
                written(provider.logout_params()),
            ],
            sources,
            "{name}"
        );
    }
    // An empty table is a value too: it drops the shared parameters for that provider.
    let config = load(&format!(
        "{SHARED}logout_params = {{ logout_hint = \"{{login_hint}}\" }}\n[auth.okta]\n{GOOGLE}logout_params = {{}}\n"
    ));
    let params = okta(&config).logout_params();
    assert!(params.value().is_empty());
    assert_eq!(written(params), "auth.okta.logout_params@9:17");
}

#[test]
fn nothing_set_gives_the_defaults() {
    let config = in_auth("");
    let provider = config.provider(None).unwrap();
    assert_eq!(*provider.cookie_lifetime().value(), DEFAULT_COOKIE_LIFETIME);
    assert_eq!(DEFAULT_COOKIE_LIFETIME, Duration::from_secs(30 * 86_400));
    assert!(!provider.bound_to_id_token().value());
    assert!(provider.call_userinfo().value());
    assert_eq!(*provider.logout_params().value(), LogoutParams::default());
    assert_eq!(config.base_path().value(), "");
    assert!(config.previous_cookie_secrets().value().is_empty());
    assert!(config.redis_url().is_none());
    assert_eq!(*config.session_store().value(), SessionStore::Cookie);
    assert_eq!(
        *config.refresh_lock_timeout().value(),
        DEFAULT_REFRESH_LOCK_TIMEOUT
    );
    assert_eq!(DEFAULT_REFRESH_LOCK_TIMEOUT, Duration::from_secs(10));
    for source in [
        provider.cookie_lifetime().source(),
        provider.bound_to_id_token().source(),
        provider.call_userinfo().source(),
        provider.logout_params().source(),
        config.base_path().source(),
        config.previous_cookie_secrets().source(),
        config.session_store().source(),
        config.refresh_lock_timeout().source(),
    ] {
        assert_eq!(*source, Source::Default);
    }
    // As `doorman check` shows them.
    let lines = |lines: Vec<SettingLine>| -> Vec<(&'static str, String, String)> {
        lines
            .into_iter()
            .map(|line| (line.key, line.value, line.source.to_string()))
            .collect()
    };
    let default = |key, value: &str| (key, value.to_owned(), "default".to_owned());
    assert_eq!(
        lines(provider.settings()),
        [
            default("cookie_lifetime", "30d"),
            default("refresh_margin", "1m"),
            default("bound_to_id_token", "false"),
            default("call_userinfo", "true"),
            default("logout_params", "{}"),
            default("trusted_audiences", "[]"),
            default("allowed_tenants", "[]"),
            default("allowed_emails", "[] (anyone)"),
            default("allowed_domains", "[] (anyone)"),
            default("allowed_groups", "[] (anyone)"),
            default("groups_claim", "groups"),
            default("token_endpoint_auth_method", "from the provider's metadata"),
        ]
    );
    assert_eq!(
        lines(config.settings()),
        [
            default("base_path", "/"),
            default("previous_cookie_secrets", "0 (REDACTED)"),
            default("redis_url", "none (state is local to each process)"),
            default("session_store", "cookie"),
            default("refresh_lock_timeout", "10s"),
        ]
    );
}

fn setting_line(provider: &Provider, key: &str) -> SettingLine {
    provider
        .settings()
        .into_iter()
        .find(|line| line.key == key)
        .unwrap_or_else(|| panic!("no {key} line"))
}

#[test]
fn settings_show_each_value_and_where_it_was_written() {
    let config = load(OVERRIDE);
    let shown = |provider: &Provider| -> Vec<(&'static str, String, String)> {
        provider
            .settings()
            .into_iter()
            .take(5)
            .map(|line| (line.key, line.value, line.source.to_string()))
            .collect()
    };
    let line = |key, value: &str, at: &str| (key, value.to_owned(), at.to_owned());
    assert_eq!(
        shown(okta(&config)),
        [
            line("cookie_lifetime", "30m", "t:12:19"),
            line("refresh_margin", "1m", "default"),
            line("bound_to_id_token", "false", "t:13:21"),
            line("call_userinfo", "true", "t:14:17"),
            line("logout_params", "{ client_id = \"\" }", "t:15:17"),
        ]
    );
    assert_eq!(
        shown(config.provider(Some("auth0")).unwrap()),
        [
            line("cookie_lifetime", "12h", "t:4:19"),
            line("refresh_margin", "1m", "default"),
            line("bound_to_id_token", "true", "t:5:21"),
            line("call_userinfo", "false", "t:6:17"),
            line(
                "logout_params",
                "{ logout_hint = \"{login_hint}\" }",
                "t:7:17"
            ),
        ]
    );
}

const PREVIOUS_NEWER: &str = "previous-secret-newer-7c1d9a";
const PREVIOUS_OLDER: &str = "previous-secret-older-2f8e4b";
const KEY_MATERIAL: &str = "private-key-material-5a0c3e";

#[test]
fn settings_and_debug_never_show_a_secret() {
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{KEY_MATERIAL}\n-----END PRIVATE KEY-----\n");
    let config = load(&format!(
        "{SHARED}previous_cookie_secrets = [{PREVIOUS_NEWER:?}, {PREVIOUS_OLDER:?}]\nprivate_key = {pem:?}\nprivate_key_id = \"kid-1\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\nbase_path = \"/apps\"\n[auth.logingov]\nclient_id = \"urn:gov:gsa:openidconnect.profiles:sp:sso:agency:app\"\nserver_metadata_url = \"https://idp.int.identitysandbox.gov/.well-known/openid-configuration\"\n[auth.okta]\n{GOOGLE}token_endpoint_auth_method = \"client_secret_basic\"\n"
    ));
    // The secrets are there, for the code that needs them.
    let previous: Vec<&str> = config
        .previous_cookie_secrets()
        .value()
        .iter()
        .map(|s| s.expose())
        .collect();
    assert_eq!(previous, [PREVIOUS_NEWER, PREVIOUS_OLDER]);
    let logingov = config.provider(Some("logingov")).unwrap();
    assert!(
        logingov
            .private_key()
            .unwrap()
            .expose()
            .contains(KEY_MATERIAL)
    );

    let secrets = [
        PREVIOUS_NEWER,
        PREVIOUS_OLDER,
        KEY_MATERIAL,
        "0123456789abcdef0123456789abcdef",
        "shh",
    ];
    let shows_none = |shown: &str| {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    };
    let mut lines = config.settings();
    for provider in config.providers() {
        lines.extend(provider.settings());
    }
    for line in &lines {
        shows_none(&line.value);
        shows_none(&line.source.to_string());
        shows_none(&format!("{line:?}"));
    }
    let value_of = |key: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|line| line.key == key)
            .map(|line| line.value.as_str())
            .collect()
    };
    assert_eq!(value_of("previous_cookie_secrets"), ["2 (REDACTED)"]);
    assert_eq!(value_of("private_key"), ["REDACTED", "REDACTED"]);
    assert_eq!(value_of("private_key_id"), ["kid-1", "kid-1"]);
    assert_eq!(value_of("base_path"), ["/apps"]);
    shows_none(&format!("{config:?}"));
    shows_none(&format!("{:?}", config.previous_cookie_secrets()));
    shows_none(&format!("{logingov:?}"));
    for warning in config.warnings() {
        shows_none(&warning.to_string());
    }
}

#[test]
fn a_table_under_auth_is_a_provider_only_with_a_provider_key() {
    enum Outcome {
        /// Loads; the providers, and the warnings as (key path, kind).
        Loads(
            &'static [&'static str],
            &'static [(&'static str, WarningKind)],
        ),
        /// Refused as a provider that lacks these keys.
        LacksKeys(&'static str, &'static [&'static str]),
    }
    use Outcome::{LacksKeys, Loads};
    const ALL: &[&str] = &["client_id", "client_secret", "server_metadata_url"];
    let cases: [(&str, &str, Outcome); 11] = [
        (
            "a table of other settings",
            "[auth.branding]\ncolor = \"blue\"\n",
            Loads(
                &["default"],
                &[("auth.branding", WarningKind::NotAProvider)],
            ),
        ),
        (
            "an inline table of other settings",
            "theme = { color = \"blue\" }\n",
            Loads(&["default"], &[("auth.theme", WarningKind::NotAProvider)]),
        ),
        (
            "logout_params as a table is the setting",
            "[auth.logout_params]\nlogout_hint = \"{login_hint}\"\n",
            Loads(&["default"], &[]),
        ),
        (
            "client_id makes a provider",
            "[auth.okta]\nclient_id = \"a\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://a.example/\"\n",
            Loads(&["default", "okta"], &[]),
        ),
        (
            "provider_preset makes a provider",
            "[auth.github]\nclient_id = \"a\"\nclient_secret = \"s\"\nprovider_preset = \"github\"\n",
            Loads(&["default", "github"], &[]),
        ),
        (
            "an empty table",
            "[auth.google]\n",
            LacksKeys("google", ALL),
        ),
        (
            "only client_kwargs",
            "[auth.google]\nclient_kwargs = { prompt = \"login\" }\n",
            LacksKeys("google", ALL),
        ),
        (
            "only expose_tokens",
            "[auth.google]\nexpose_tokens = \"id\"\n",
            LacksKeys("google", ALL),
        ),
        (
            "only doorman's own keys",
            "[auth.google]\ncookie_lifetime = \"1d\"\n",
            LacksKeys("google", ALL),
        ),
        (
            "only an Authlib key",
            "[auth.google]\nauthorize_params = { hd = \"example.com\" }\n",
            LacksKeys("google", ALL),
        ),
        (
            "api_base_url, one of Streamlit's provider keys",
            "[auth.custom]\napi_base_url = \"https://api.example/\"\nclient_id = \"a\"\n",
            LacksKeys("custom", &["client_secret", "server_metadata_url"]),
        ),
    ];
    for (case, table, outcome) in cases {
        let text = format!("{SHARED}{GOOGLE}{table}");
        match (parse(&text), outcome) {
            (Ok(config), Loads(providers, warnings)) => {
                let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
                assert_eq!(names, providers, "{case}");
                let found: Vec<(&str, WarningKind)> = config
                    .warnings()
                    .iter()
                    .filter(|w| w.kind != WarningKind::UnsupportedAuthlibKey)
                    .map(|w| (w.at.key_path.as_str(), w.kind.clone()))
                    .collect();
                assert_eq!(found, warnings, "{case}");
            }
            (Err(Error::ProviderMissingKeys { provider, keys, .. }), LacksKeys(name, missing)) => {
                assert_eq!(
                    (provider.as_str(), keys.as_slice()),
                    (name, missing),
                    "{case}"
                );
            }
            (result, _) => panic!("{case}: {:?}", result.map(|c| c.warnings().to_vec())),
        }
    }
}

#[test]
fn a_near_miss_of_a_known_key_names_it() {
    // (the section's header, or "" for [auth]; the key; the suggestion)
    let cases = [
        ("", "cookie_lifetim", Some("cookie_lifetime")),
        ("", "cookie_lifetimes", Some("cookie_lifetime")),
        (
            "",
            "previous_cookie_secret",
            Some("previous_cookie_secrets"),
        ),
        ("", "basepath", Some("base_path")),
        ("", "base_paht", Some("base_path")),
        ("", "bound_to_idtoken", Some("bound_to_id_token")),
        ("", "redirect_url", Some("redirect_uri")),
        ("", "cookie_secrte", Some("cookie_secret")),
        ("", "theme", None),
        ("", "lifetime", None),
        ("[auth.okta]\n", "call_user_info", Some("call_userinfo")),
        ("[auth.okta]\n", "logout_param", Some("logout_params")),
        (
            "[auth.okta]\n",
            "trusted_audience",
            Some("trusted_audiences"),
        ),
        ("[auth.okta]\n", "allowed_tenant", Some("allowed_tenants")),
        ("[auth.okta]\n", "client_secrets", Some("client_secret")),
        ("[auth.okta]\n", "colour", None),
    ];
    for (section, key, suggestion) in cases {
        let text = if section.is_empty() {
            format!("{SHARED}{GOOGLE}{key} = \"x\"\n")
        } else {
            format!("{SHARED}{section}{GOOGLE}{key} = \"x\"\n")
        };
        let config = load(&text);
        let path = if section.is_empty() {
            format!("auth.{key}")
        } else {
            format!("auth.okta.{key}")
        };
        let warnings: Vec<(&str, &WarningKind)> = config
            .warnings()
            .iter()
            .map(|w| (w.at.key_path.as_str(), &w.kind))
            .collect();
        assert_eq!(
            warnings,
            [(
                path.as_str(),
                &WarningKind::UnknownKey {
                    did_you_mean: suggestion
                }
            )],
            "{key}"
        );
    }
}

#[test]
fn the_fixture_with_every_key_gives_its_values() {
    let config = fixture("own-keys-everywhere.toml");
    no_warnings(&config);
    assert_eq!(config.base_path().value(), "/apps/sales");
    assert_eq!(config.previous_cookie_secrets().value().len(), 2);
    let redis_url = config.redis_url().expect("redis_url is set");
    assert_eq!(
        redis_url.value().expose(),
        "rediss://doorman:4f9c1e7b2a6d8e0f3a5b7c9d@redis.example.internal:6380/0"
    );
    assert_eq!(written(redis_url), "auth.redis_url@8:13");
    assert_eq!(*config.session_store().value(), SessionStore::Redis);
    assert_eq!(
        *config.refresh_lock_timeout().value(),
        Duration::from_secs(15)
    );
    assert_eq!(
        config
            .settings()
            .into_iter()
            .map(|line| (line.key, line.value))
            .collect::<Vec<_>>(),
        [
            ("base_path", "/apps/sales".to_owned()),
            ("previous_cookie_secrets", "2 (REDACTED)".to_owned()),
            ("redis_url", "rediss:// (REDACTED)".to_owned()),
            ("session_store", "redis".to_owned()),
            ("refresh_lock_timeout", "15s".to_owned()),
        ]
    );
    let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        ["default", "entra", "cognito", "logingov", "zitadel"]
    );
    const HINT: &str = "{ logout_hint = \"{login_hint}\" }";
    // (provider, lifetime, bound, userinfo, logout parameters and token endpoint
    // authentication as `doorman check` shows them)
    let cases = [
        ("default", 43_200, true, false, HINT, "client_secret_post"),
        ("entra", 28_800, false, false, HINT, "client_secret_basic"),
        (
            "cognito",
            1_209_600,
            true,
            true,
            "{ logout_uri = \"https://dash.example.com/apps/sales/auth/logged-out\", post_logout_redirect_uri = \"\", id_token_hint = \"\" }",
            "client_secret_post",
        ),
        ("logingov", 43_200, true, false, "{}", "private_key_jwt"),
        ("zitadel", 43_200, true, false, HINT, "private_key_jwt"),
    ];
    for (name, seconds, bound, userinfo, params, method) in cases {
        let provider = config.provider(Some(name)).unwrap();
        assert_eq!(
            *provider.cookie_lifetime().value(),
            Duration::from_secs(seconds),
            "{name}"
        );
        assert_eq!(*provider.bound_to_id_token().value(), bound, "{name}");
        assert_eq!(*provider.call_userinfo().value(), userinfo, "{name}");
        assert_eq!(
            provider.logout_params().value().to_string(),
            params,
            "{name}"
        );
        assert_eq!(
            setting_line(provider, "token_endpoint_auth_method").value,
            method
        );
    }
    let cognito = config.provider(Some("cognito")).unwrap();
    assert!(cognito.trusted_audiences().is_empty());
    assert_eq!(
        config.provider(None).unwrap().trusted_audiences(),
        ["https://api.example.com"]
    );
    // A [auth.NAME.logout_params] table is found at its header.
    assert_eq!(
        written(cognito.logout_params()),
        "auth.cognito.logout_params@46:1"
    );
    let logingov = config.provider(Some("logingov")).unwrap();
    assert!(logingov.private_key().is_some());
    assert_eq!(logingov.private_key_id(), Some("logingov-key-1"));
    let zitadel = config.provider(Some("zitadel")).unwrap();
    assert!(zitadel.private_key().is_some());
    assert_eq!(zitadel.private_key_id(), None);
}

#[test]
fn shared_logout_params_are_no_provider() {
    let config = fixture("logout-params-shared.toml");
    no_warnings(&config);
    let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
    assert_eq!(names, ["microsoft", "okta"]);
    for provider in config.providers() {
        let resolved = provider
            .logout_params()
            .value()
            .resolve(|claim| (claim == "login_hint").then(|| "hint".to_owned()));
        assert_eq!(
            resolved,
            [
                ("logout_hint".to_owned(), Some("hint".to_owned())),
                ("state".to_owned(), None)
            ]
        );
    }
}

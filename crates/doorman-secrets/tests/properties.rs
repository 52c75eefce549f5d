//! Properties of the parser: it never panics, it reads back what a valid file says (doorman's
//! own keys included, shared in `[auth]` and overridden per provider, and the app-wide ones), a
//! missing required key is always named, `allowed_tenants` takes GUIDs and nothing else, and
//! a refused `redis_url` never shows its password.

use std::time::Duration;

use doorman_secrets::{
    AuthConfig, DEFAULT_COOKIE_LIFETIME, DEFAULT_REFRESH_LOCK_TIMEOUT, Error, LogoutParam,
    MAX_COOKIE_LIFETIME, MAX_REFRESH_LOCK_TIMEOUT, Origin, SessionStore, Source,
};
use proptest::prelude::*;

/// A generated, valid configuration, and how to render it as a secrets file.
#[derive(Clone, Debug)]
struct Model {
    redirect_uri: String,
    cookie_secret: String,
    expose: Vec<&'static str>,
    default: Option<ProviderModel>,
    named: Vec<(String, ProviderModel)>,
    /// doorman's per-provider keys in `[auth]`, shared by every provider.
    shared: OwnModel,
    /// `base_path` as written, and the value it gives.
    base_path: Option<(String, String)>,
    previous_cookie_secrets: Option<Vec<String>>,
    redis_url: Option<String>,
    /// Never `redis` without `redis_url`.
    session_store: Option<SessionStore>,
    /// `refresh_lock_timeout` as written, and the duration it gives.
    refresh_lock_timeout: Option<(String, Duration)>,
}

#[derive(Clone, Debug)]
struct ProviderModel {
    client_id: String,
    client_secret: String,
    metadata_url: String,
    prompt: Option<String>,
    extra: Vec<(String, String)>,
    /// doorman's per-provider keys in the provider's own section (never for the default
    /// provider, whose keys at the top of `[auth]` are the shared ones).
    own: OwnModel,
}

/// doorman's keys that a provider may have of its own or share from `[auth]`.
#[derive(Clone, Debug, Default)]
struct OwnModel {
    /// `cookie_lifetime` as written (`"30d"` or `3600`), and the duration it gives.
    cookie_lifetime: Option<(String, Duration)>,
    bound_to_id_token: Option<bool>,
    call_userinfo: Option<bool>,
    logout_params: Option<Vec<(String, ParamModel)>>,
}

/// One `logout_params` value: `""`, or literal text and claims.
#[derive(Clone, Debug)]
enum ParamModel {
    Drop,
    Template(Vec<PartModel>),
}

#[derive(Clone, Debug)]
enum PartModel {
    Text(String),
    Claim(String),
}

impl ParamModel {
    fn written(&self) -> String {
        match self {
            Self::Drop => String::new(),
            Self::Template(parts) => parts
                .iter()
                .map(|part| match part {
                    PartModel::Text(text) => text.clone(),
                    PartModel::Claim(name) => format!("{{{name}}}"),
                })
                .collect(),
        }
    }

    /// The value when every claim is known and `claim` gives `<name>`.
    fn filled(&self) -> Option<String> {
        match self {
            Self::Drop => None,
            Self::Template(parts) => Some(
                parts
                    .iter()
                    .map(|part| match part {
                        PartModel::Text(text) => text.clone(),
                        PartModel::Claim(name) => format!("<{name}>"),
                    })
                    .collect(),
            ),
        }
    }

    fn claims(&self) -> Vec<&str> {
        match self {
            Self::Drop => Vec::new(),
            Self::Template(parts) => parts
                .iter()
                .filter_map(|part| match part {
                    PartModel::Claim(name) => Some(name.as_str()),
                    PartModel::Text(_) => None,
                })
                .collect(),
        }
    }
}

impl OwnModel {
    fn render(&self, out: &mut String) {
        if let Some((written, _)) = &self.cookie_lifetime {
            out.push_str(&format!("cookie_lifetime = {written}\n"));
        }
        if let Some(value) = self.bound_to_id_token {
            out.push_str(&format!("bound_to_id_token = {value}\n"));
        }
        if let Some(value) = self.call_userinfo {
            out.push_str(&format!("call_userinfo = {value}\n"));
        }
        if let Some(params) = &self.logout_params {
            let items: Vec<String> = params
                .iter()
                .map(|(name, param)| format!("{} = {}", quote(name), quote(&param.written())))
                .collect();
            out.push_str(&format!("logout_params = {{ {} }}\n", items.join(", ")));
        }
    }

    /// Checks that `parsed` holds this section's values where it has them, else `shared`'s,
    /// else the defaults, each from the key path it came from.
    fn check(&self, shared: &OwnModel, section: &str, parsed: &doorman_secrets::Provider) {
        /// The value in force, and the section it was written in (`None`: the default).
        fn pick<'a, T>(
            own: &'a Option<T>,
            shared: &'a Option<T>,
            section: &'a str,
        ) -> (Option<&'a T>, Option<&'a str>) {
            match (own, shared) {
                (Some(own), _) => (Some(own), Some(section)),
                (None, Some(shared)) => (Some(shared), Some("auth")),
                (None, None) => (None, None),
            }
        }
        fn from(source: &Source, section: Option<&str>, key: &str) {
            match (source, section) {
                (Source::Default, None) => {}
                (Source::File(at), Some(section)) => {
                    assert_eq!(at.key_path, format!("{section}.{key}"));
                }
                other => panic!("{key}: {other:?}"),
            }
        }
        let (lifetime, at) = pick(&self.cookie_lifetime, &shared.cookie_lifetime, section);
        assert_eq!(
            *parsed.cookie_lifetime().value(),
            lifetime.map_or(DEFAULT_COOKIE_LIFETIME, |(_, d)| *d)
        );
        from(parsed.cookie_lifetime().source(), at, "cookie_lifetime");
        let (bound, at) = pick(&self.bound_to_id_token, &shared.bound_to_id_token, section);
        assert_eq!(
            *parsed.bound_to_id_token().value(),
            bound.copied().unwrap_or(false)
        );
        from(parsed.bound_to_id_token().source(), at, "bound_to_id_token");
        let (userinfo, at) = pick(&self.call_userinfo, &shared.call_userinfo, section);
        assert_eq!(
            *parsed.call_userinfo().value(),
            userinfo.copied().unwrap_or(true)
        );
        from(parsed.call_userinfo().source(), at, "call_userinfo");
        let (params, at) = pick(&self.logout_params, &shared.logout_params, section);
        from(parsed.logout_params().source(), at, "logout_params");
        let expected = params.map(Vec::as_slice).unwrap_or_default();
        let got = parsed.logout_params().value();
        assert_eq!(got.params().len(), expected.len());
        for ((name, param), (expected_name, model)) in got.params().iter().zip(expected) {
            assert_eq!(name, expected_name);
            match (param, model) {
                (LogoutParam::Drop, ParamModel::Drop) => {}
                (LogoutParam::Set(template), ParamModel::Template(_)) => {
                    assert_eq!(template.as_str(), model.written());
                    assert_eq!(template.claims().collect::<Vec<_>>(), model.claims());
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // Every claim known: each parameter filled; none known: only literal text is left.
        let filled = got.resolve(|claim| Some(format!("<{claim}>")));
        let expected_filled: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(name, model)| (name.clone(), model.filled()))
            .collect();
        assert_eq!(filled, expected_filled);
        let unknown = got.resolve(|_| None);
        let expected_unknown: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(name, model)| {
                let literal = model.claims().is_empty();
                (name.clone(), model.filled().filter(|_| literal))
            })
            .collect();
        assert_eq!(unknown, expected_unknown);
    }
}

/// TOML basic-string escaping, enough for any generated text.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl ProviderModel {
    fn render(&self, out: &mut String) {
        out.push_str(&format!("client_id = {}\n", quote(&self.client_id)));
        out.push_str(&format!("client_secret = {}\n", quote(&self.client_secret)));
        out.push_str(&format!(
            "server_metadata_url = {}\n",
            quote(&self.metadata_url)
        ));
        let mut kwargs: Vec<String> = Vec::new();
        if let Some(prompt) = &self.prompt {
            kwargs.push(format!("prompt = {}", quote(prompt)));
        }
        for (k, v) in &self.extra {
            kwargs.push(format!("{k} = {}", quote(v)));
        }
        if !kwargs.is_empty() {
            out.push_str(&format!("client_kwargs = {{ {} }}\n", kwargs.join(", ")));
        }
        self.own.render(out);
    }

    fn check(&self, parsed: &doorman_secrets::Provider) {
        assert_eq!(parsed.client_id(), self.client_id);
        assert_eq!(
            parsed.client_secret().map(|s| s.expose()),
            Some(self.client_secret.as_str())
        );
        assert_eq!(
            parsed.server_metadata_url().map(|u| u.as_str()),
            Some(self.metadata_url.as_str())
        );
        let kwargs = parsed.client_kwargs();
        assert_eq!(
            kwargs.prompt(),
            self.prompt.as_deref().or(Some("select_account"))
        );
        assert_eq!(kwargs.extra_params(), self.extra.as_slice());
    }
}

impl Model {
    fn render(&self) -> String {
        let mut out = String::from("[auth]\n");
        out.push_str(&format!("redirect_uri = {}\n", quote(&self.redirect_uri)));
        out.push_str(&format!("cookie_secret = {}\n", quote(&self.cookie_secret)));
        if !self.expose.is_empty() {
            let items: Vec<String> = self.expose.iter().map(|t| quote(t)).collect();
            out.push_str(&format!("expose_tokens = [{}]\n", items.join(", ")));
        }
        if let Some((written, _)) = &self.base_path {
            out.push_str(&format!("base_path = {}\n", quote(written)));
        }
        if let Some(secrets) = &self.previous_cookie_secrets {
            let items: Vec<String> = secrets.iter().map(|s| quote(s)).collect();
            out.push_str(&format!(
                "previous_cookie_secrets = [{}]\n",
                items.join(", ")
            ));
        }
        if let Some(url) = &self.redis_url {
            out.push_str(&format!("redis_url = {}\n", quote(url)));
        }
        if let Some(store) = self.session_store {
            out.push_str(&format!("session_store = {}\n", quote(store.as_str())));
        }
        if let Some((written, _)) = &self.refresh_lock_timeout {
            out.push_str(&format!("refresh_lock_timeout = {written}\n"));
        }
        self.shared.render(&mut out);
        if let Some(default) = &self.default {
            default.render(&mut out);
        }
        for (name, provider) in &self.named {
            out.push_str(&format!("\n[auth.{name}]\n"));
            provider.render(&mut out);
        }
        out
    }
}

fn secret_text() -> impl Strategy<Value = String> {
    "[^\u{0}]{1,40}"
}

fn url() -> impl Strategy<Value = String> {
    (
        "(http|https)",
        "[a-z][a-z0-9]{0,10}(\\.[a-z]{2,5}){0,2}",
        "(/[a-z0-9][a-z0-9_.-]{0,8}){0,3}",
    )
        .prop_map(|(scheme, host, path)| {
            format!(
                "{scheme}://{host}{}",
                if path.is_empty() { "/".into() } else { path }
            )
        })
}

/// A lifetime in one of the units, or as whole seconds: as written, and its duration.
fn cookie_lifetime() -> impl Strategy<Value = (String, Duration)> {
    let max = MAX_COOKIE_LIFETIME.as_secs();
    prop_oneof![
        (1..=max).prop_map(|seconds| (seconds.to_string(), Duration::from_secs(seconds))),
        (
            prop::sample::select(vec![
                ("s", 1),
                ("m", 60),
                ("h", 3_600),
                ("d", 86_400),
                ("w", 7 * 86_400)
            ]),
            any::<prop::sample::Index>(),
        )
            .prop_map(move |((unit, scale), pick)| {
                let count = 1 + pick.index((max / scale) as usize) as u64;
                (
                    format!("\"{count}{unit}\""),
                    Duration::from_secs(count * scale),
                )
            }),
    ]
}

/// A `redis_url`: either scheme, credentials or not, a name or an address, a port or not,
/// a database number or not.
fn redis_url() -> impl Strategy<Value = String> {
    (
        "rediss?",
        proptest::option::of((
            "([a-z][a-z0-9_-]{0,8})?",
            proptest::option::of("([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-F]{2}){1,24}"),
        )),
        prop_oneof![
            "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
            "(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}",
            Just("[::1]".to_owned()),
        ],
        proptest::option::of(0..=u16::MAX),
        prop_oneof![
            Just(String::new()),
            Just("/".to_owned()),
            (0..=u32::MAX).prop_map(|db| format!("/{db}"))
        ],
    )
        .prop_map(|(scheme, credentials, host, port, database)| {
            let credentials = match credentials {
                None => String::new(),
                Some((user, None)) => format!("{user}@"),
                Some((user, Some(password))) => format!("{user}:{password}@"),
            };
            let port = port.map_or(String::new(), |port| format!(":{port}"));
            format!("{scheme}://{credentials}{host}{port}{database}")
        })
}

/// A `refresh_lock_timeout` in seconds or minutes, or as whole seconds: as written, and its
/// duration.
fn refresh_lock_timeout() -> impl Strategy<Value = (String, Duration)> {
    let max = MAX_REFRESH_LOCK_TIMEOUT.as_secs();
    prop_oneof![
        (1..=max).prop_map(|seconds| (seconds.to_string(), Duration::from_secs(seconds))),
        (1..=max).prop_map(|seconds| (format!("\"{seconds}s\""), Duration::from_secs(seconds))),
        (1..=max / 60)
            .prop_map(|minutes| (format!("\"{minutes}m\""), Duration::from_secs(minutes * 60))),
    ]
}

/// A base path as written (with or without a trailing `/`; `""` or `"/"` for the root),
/// and the value it gives.
fn base_path() -> impl Strategy<Value = (String, String)> {
    (
        proptest::collection::vec(
            "[A-Za-z0-9._~-]{1,9}".prop_filter("a real segment", |s| s != "." && s != ".."),
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(segments, trailing)| {
            let path: String = segments.iter().map(|s| format!("/{s}")).collect();
            let written = match (path.is_empty(), trailing) {
                (true, false) => String::new(),
                (true, true) => "/".to_owned(),
                (false, trailing) => format!("{path}{}", if trailing { "/" } else { "" }),
            };
            (written, path)
        })
}

fn param() -> impl Strategy<Value = ParamModel> {
    prop_oneof![
        1 => Just(ParamModel::Drop),
        4 => proptest::collection::vec(
            prop_oneof![
                "[^{}\u{0}]{1,10}".prop_map(PartModel::Text),
                "[A-Za-z0-9_:./-]{1,12}".prop_map(PartModel::Claim),
                "[A-Za-z][A-Za-z0-9 _]{0,8}[A-Za-z]".prop_map(PartModel::Claim),
            ],
            1..4,
        )
        .prop_map(ParamModel::Template),
    ]
}

fn own() -> impl Strategy<Value = OwnModel> {
    (
        proptest::option::of(cookie_lifetime()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::collection::vec(
            (
                "(logout_hint|client_id|id_token_hint|post_logout_redirect_uri|logout_uri|redirect_uri|state|[a-z][a-z0-9_.-]{0,10})",
                param(),
            ),
            0..4,
        )),
    )
        .prop_map(
            |(cookie_lifetime, bound_to_id_token, call_userinfo, logout_params)| {
                let logout_params = logout_params.map(|params| {
                    let mut seen = std::collections::HashSet::new();
                    params
                        .into_iter()
                        .filter(|(name, _)| seen.insert(name.clone()))
                        .collect()
                });
                OwnModel {
                    cookie_lifetime,
                    bound_to_id_token,
                    call_userinfo,
                    logout_params,
                }
            },
        )
}

fn provider() -> impl Strategy<Value = ProviderModel> {
    (
        "[A-Za-z0-9._-]{1,30}",
        secret_text(),
        url(),
        proptest::option::of("[a-z_]{1,12}"),
        proptest::collection::vec(
            (
                "(audience|acr_values|hd|login_hint|max_age|domain_hint)",
                "[ -~]{0,20}",
            ),
            0..3,
        ),
        own(),
    )
        .prop_map(
            |(client_id, client_secret, metadata_url, prompt, extra, own)| {
                let mut seen = std::collections::HashSet::new();
                let extra = extra
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .collect();
                ProviderModel {
                    client_id,
                    client_secret,
                    metadata_url,
                    prompt,
                    extra,
                    own,
                }
            },
        )
}

fn model() -> impl Strategy<Value = Model> {
    (
        url(),
        secret_text(),
        proptest::sample::subsequence(vec!["id", "access"], 0..=2),
        proptest::option::of(provider()),
        proptest::collection::vec(("[a-z][a-z0-9-]{0,10}", provider()), 0..4),
        own(),
        proptest::option::of(base_path()),
        proptest::option::of(proptest::collection::vec(secret_text(), 0..3)),
        (
            proptest::option::of(redis_url()),
            proptest::option::of(prop::sample::select(vec![
                SessionStore::Cookie,
                SessionStore::Redis,
            ])),
            proptest::option::of(refresh_lock_timeout()),
        ),
    )
        .prop_filter_map(
            "needs a provider",
            |(
                redirect_uri,
                cookie_secret,
                expose,
                default,
                named,
                shared,
                base_path,
                previous_cookie_secrets,
                (redis_url, session_store, refresh_lock_timeout),
            )| {
                // `redis` needs `redis_url`: without one, the model says `cookie`.
                let session_store = session_store.map(|store| match (store, &redis_url) {
                    (SessionStore::Redis, None) => SessionStore::Cookie,
                    (store, _) => store,
                });
                // The default provider's own keys are the shared ones at the top of [auth].
                let default = default.map(|default| ProviderModel {
                    own: OwnModel::default(),
                    ..default
                });
                let mut seen = std::collections::HashSet::new();
                let named: Vec<_> = named
                    .into_iter()
                    .filter(|(n, _)| n != "default" && seen.insert(n.clone()))
                    .collect();
                (default.is_some() || !named.is_empty()).then_some(Model {
                    redirect_uri,
                    cookie_secret,
                    expose,
                    default,
                    named,
                    shared,
                    base_path,
                    previous_cookie_secrets,
                    redis_url,
                    session_store,
                    refresh_lock_timeout,
                })
            },
        )
}

fn parse(text: &str) -> Result<AuthConfig, Error> {
    AuthConfig::parse(text, Origin::Text("prop".into()))
}

const ONE_PROVIDER: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n[auth.entra]\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration\"\n";

/// `ONE_PROVIDER` as the default provider, so that what follows is in `[auth]`.
const ONE_PROVIDER_AT_THE_TOP: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://login.example/.well-known/openid-configuration\"\n";

/// A GUID in any mix of letter cases.
fn guid() -> impl Strategy<Value = String> {
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
}

fn is_guid_shaped(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

proptest! {
    #[test]
    fn any_text_never_panics(text in "\\PC*") {
        let _ = parse(&text);
    }

    #[test]
    fn any_toml_shaped_text_never_panics(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("[auth]".to_owned()),
                "\\[auth\\.[a-z_\"]{0,6}\\]",
                "\\[\\[auth\\.[a-z]{0,4}\\]\\]",
                "(redirect_uri|cookie_secret|client_id|client_secret|server_metadata_url|expose_tokens|client_kwargs|scope|prompt) = (\"[^\"\\\\]{0,12}\"|[0-9]{1,3}|true|\\[\"id\"\\]|\\{ ?[a-z]{1,5} = \"[a-z]{0,5}\" ?\\})",
                // doorman's own keys (not `private_key_file`, which would read files).
                "(trusted_audiences|allowed_tenants|token_endpoint_auth_method|private_key|private_key_id|provider_preset|authorize_url|access_token_url|userinfo_endpoint) = (\"[^\"\\\\]{0,12}\"|\"private_key_jwt\"|\"github\"|\"https://a.example/\"|\"-----BEGIN PRIVATE KEY-----x-----END PRIVATE KEY-----\"|[0-9]{1,3}|\\[(\"[0-9a-f-]{0,36}\", ?){0,2}\\]|\\{ ?[a-z]{1,5} = \"[a-z]{0,5}\" ?\\})",
                // doorman's settings: lifetimes, booleans, base paths, secret lists, logout templates.
                "(cookie_lifetime|previous_cookie_secrets|bound_to_id_token|call_userinfo|base_path|logout_params) = (\"[^\"\\\\]{0,12}\"|\"[0-9]{1,4}[smhdwy]?\"|-?[0-9]{1,9}|true|\\[(\"[a-z{}]{0,5}\", ?){0,2}\\]|\\{ ?[a-z]{0,5} = (\"[a-z{} ]{0,6}\"|0) ?\\})",
                // The shared-state keys: Redis URLs, stores, lock timeouts.
                "(redis_url|session_store|refresh_lock_timeout) = (\"[^\"\\\\]{0,12}\"|\"rediss?:[a-z0-9:@/?#.\\[\\]%-]{0,24}\"|\"cookie\"|\"redis\"|\"[0-9]{1,4}[smhdwy]?\"|-?[0-9]{1,9}|true|\\[\"redis://h\"\\])",
                "\\PC{0,20}",
            ],
            0..12,
        )
    ) {
        let _ = parse(&lines.join("\n"));
    }

    #[test]
    fn a_valid_configuration_survives_render_and_parse(model in model()) {
        let text = model.render();
        let config = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        prop_assert_eq!(config.redirect_uri().as_template(), model.redirect_uri.as_str());
        prop_assert_eq!(config.cookie_secret().expose(), model.cookie_secret.as_str());
        prop_assert_eq!(config.expose_tokens().id, model.expose.contains(&"id"));
        prop_assert_eq!(config.expose_tokens().access, model.expose.contains(&"access"));
        let mut expected_names: Vec<&str> = model.default.iter().map(|_| "default").collect();
        expected_names.extend(model.named.iter().map(|(n, _)| n.as_str()));
        let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
        prop_assert_eq!(names, expected_names);
        if let Some(default) = &model.default {
            default.check(config.provider(None).unwrap());
            default.own.check(&model.shared, "auth", config.provider(None).unwrap());
        }
        for (name, provider) in &model.named {
            provider.check(config.provider(Some(name)).unwrap());
            provider.own.check(&model.shared, &format!("auth.{name}"), config.provider(Some(name)).unwrap());
        }
        prop_assert_eq!(
            config.base_path().value().as_str(),
            model.base_path.as_ref().map_or("", |(_, path)| path.as_str())
        );
        prop_assert_eq!(
            matches!(config.base_path().source(), Source::File(_)),
            model.base_path.is_some()
        );
        let previous: Vec<&str> = config
            .previous_cookie_secrets()
            .value()
            .iter()
            .map(|s| s.expose())
            .collect();
        let expected: Vec<&str> = model
            .previous_cookie_secrets
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        prop_assert_eq!(previous, expected);
        prop_assert_eq!(
            config.redis_url().map(|url| url.value().expose()),
            model.redis_url.as_deref()
        );
        prop_assert_eq!(
            *config.session_store().value(),
            model.session_store.unwrap_or(SessionStore::Cookie)
        );
        prop_assert_eq!(
            matches!(config.session_store().source(), Source::File(_)),
            model.session_store.is_some()
        );
        prop_assert_eq!(
            *config.refresh_lock_timeout().value(),
            model.refresh_lock_timeout.as_ref().map_or(DEFAULT_REFRESH_LOCK_TIMEOUT, |(_, timeout)| *timeout)
        );
        for (setting, written) in [
            (config.redis_url().map(|url| url.source()), model.redis_url.is_some()),
            (Some(config.refresh_lock_timeout().source()), model.refresh_lock_timeout.is_some()),
        ] {
            prop_assert_eq!(matches!(setting, Some(Source::File(_))), written);
        }
        // The report shows the URL's scheme alone.
        if let Some(url) = &model.redis_url {
            let line = config.settings().into_iter().find(|line| line.key == "redis_url").unwrap();
            let scheme = url.split(':').next().unwrap_or_default();
            prop_assert_eq!(line.value, format!("{scheme}:// (REDACTED)"));
        }
        prop_assert!(config.warnings().iter().all(|w| matches!(w.kind, doorman_secrets::WarningKind::WeakCookieSecret { .. })), "{:?}\n{}", config.warnings(), text);
    }

    #[test]
    fn removing_a_required_key_names_it(model in model(), pick in any::<prop::sample::Index>()) {
        let text = model.render();
        let required: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| {
                ["redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"]
                    .into_iter()
                    .find(|key| line.starts_with(&format!("{key} = ")))
                    .map(|key| (i, key))
            })
            .collect();
        let (line, key) = required[pick.index(required.len())];
        let without: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != line)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        match parse(&without) {
            Err(Error::MissingKey { key: missing, .. }) => prop_assert_eq!(missing, key),
            Err(Error::ProviderMissingKeys { keys, .. }) => prop_assert_eq!(keys, vec![key]),
            other => prop_assert!(false, "removing {} gave {:?}", key, other),
        }
    }

    #[test]
    fn a_refused_redis_url_never_shows_its_password(
        password in "[A-Za-z0-9]{16,24}",
        before in "[a-z:/.\\[\\]@-]{0,12}",
        after in "[a-z0-9:/.?#%@ -]{0,16}",
    ) {
        let text = format!("{ONE_PROVIDER_AT_THE_TOP}redis_url = {}\nsession_store = \"redis\"\n", quote(&format!("{before}:{password}@{after}")));
        if let Err(e) = parse(&text) {
            prop_assert!(!e.to_string().contains(&password), "{}", e);
            prop_assert!(!format!("{e:?}").contains(&password), "{:?}", e);
        }
    }

    #[test]
    fn guid_tenant_lists_round_trip(tenants in proptest::collection::vec(guid(), 0..5)) {
        let text = format!("{ONE_PROVIDER}allowed_tenants = {}\n", toml_list(&tenants));
        let config = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let lowercase: Vec<String> = tenants.iter().map(|t| t.to_ascii_lowercase()).collect();
        prop_assert_eq!(config.provider(Some("entra")).unwrap().allowed_tenants(), lowercase.as_slice());
    }

    #[test]
    fn any_other_tenant_is_refused_at_its_position(
        before in proptest::collection::vec(guid(), 0..3),
        other in prop_oneof!["\\PC{1,40}", "[0-9a-fA-F-]{1,40}", guid().prop_map(|g| format!("{{{g}}}"))],
    ) {
        prop_assume!(!is_guid_shaped(&other));
        let mut tenants = before.clone();
        tenants.push(other.clone());
        let text = format!("{ONE_PROVIDER}allowed_tenants = {}\n", toml_list(&tenants));
        match parse(&text) {
            Err(Error::InvalidTenant { at, value }) => {
                prop_assert_eq!(at.key_path, format!("auth.entra.allowed_tenants[{}]", before.len()));
                prop_assert_eq!(value, other);
            }
            result => prop_assert!(false, "{:?} gave {:?}", other, result.map(|_| ())),
        }
    }

    #[test]
    fn trusted_audience_lists_round_trip(audiences in proptest::collection::vec("[^\u{0}]{1,30}", 0..5)) {
        let text = format!("{ONE_PROVIDER}trusted_audiences = {}\n", toml_list(&audiences));
        let config = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        prop_assert_eq!(config.provider(Some("entra")).unwrap().trusted_audiences(), audiences.as_slice());
    }
}

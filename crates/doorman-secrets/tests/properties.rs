//! Properties of the parser: it never panics, it reads back what a valid file says, a
//! missing required key is always named, and `allowed_tenants` takes GUIDs and nothing else.

use doorman_secrets::{AuthConfig, Error, Origin};
use proptest::prelude::*;

/// A generated, valid configuration, and how to render it as a secrets file.
#[derive(Clone, Debug)]
struct Model {
    redirect_uri: String,
    cookie_secret: String,
    expose: Vec<&'static str>,
    default: Option<ProviderModel>,
    named: Vec<(String, ProviderModel)>,
}

#[derive(Clone, Debug)]
struct ProviderModel {
    client_id: String,
    client_secret: String,
    metadata_url: String,
    prompt: Option<String>,
    extra: Vec<(String, String)>,
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
    )
        .prop_map(|(client_id, client_secret, metadata_url, prompt, extra)| {
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
            }
        })
}

fn model() -> impl Strategy<Value = Model> {
    (
        url(),
        secret_text(),
        proptest::sample::subsequence(vec!["id", "access"], 0..=2),
        proptest::option::of(provider()),
        proptest::collection::vec(("[a-z][a-z0-9-]{0,10}", provider()), 0..4),
    )
        .prop_filter_map(
            "needs a provider",
            |(redirect_uri, cookie_secret, expose, default, named)| {
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
                })
            },
        )
}

fn parse(text: &str) -> Result<AuthConfig, Error> {
    AuthConfig::parse(text, Origin::Text("prop".into()))
}

const ONE_PROVIDER: &str = "[auth]\nredirect_uri = \"http://localhost:8501/oauth2callback\"\ncookie_secret = \"0123456789abcdef0123456789abcdef\"\n[auth.entra]\nclient_id = \"id\"\nclient_secret = \"s\"\nserver_metadata_url = \"https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration\"\n";

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
        }
        for (name, provider) in &model.named {
            provider.check(config.provider(Some(name)).unwrap());
        }
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

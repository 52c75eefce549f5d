//! Logout URLs at the provider, from real metadata: RP-Initiated Logout where the provider
//! publishes an `end_session_endpoint`, Cognito's and Auth0's documented endpoints where it
//! does not, and none (local logout) for the rest.

use std::collections::HashMap;

use doorman_oidc::{ClientConfig, ProviderMetadata};
use url::Url;

fn metadata(file: &str, metadata_url: &str) -> ProviderMetadata {
    let path = format!(
        "{}/../../tests/data/providers/{file}.discovery.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let body = std::fs::read(&path).expect("fixture");
    let url = Url::parse(metadata_url).expect("url");
    ProviderMetadata::from_response(&url, &http::Response::new(body)).expect("accepted")
}

/// The logout URL for `file`'s provider, as the endpoint and its query.
fn logout(file: &str, metadata_url: &str) -> Option<(String, HashMap<String, String>)> {
    logout_with(file, metadata_url, &[])
}

/// [`logout`] with the app's `logout_params`, filled in.
fn logout_with(
    file: &str,
    metadata_url: &str,
    overrides: &[(String, Option<String>)],
) -> Option<(String, HashMap<String, String>)> {
    let config = ClientConfig::new(
        "p",
        "client-1",
        "secret",
        Url::parse("https://app.example/oauth2callback").expect("url"),
    );
    let back = Url::parse("https://app.example/auth/logged-out").expect("url");
    let url = doorman_oidc::logout_url(
        &config,
        &metadata(file, metadata_url),
        Some("id.token.hint"),
        &back,
        "st",
        overrides,
    )?;
    let query = url.query_pairs().into_owned().collect();
    let mut endpoint = url;
    endpoint.set_query(None);
    Some((endpoint.to_string(), query))
}

#[test]
fn each_provider_logs_out_where_it_documents() {
    let pairs = |list: &[(&str, &str)]| -> HashMap<String, String> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let back = "https://app.example/auth/logged-out";
    for (file, metadata_url, expected) in [
        (
            "cognito",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_4OqDoWVrZ/.well-known/openid-configuration",
            Some((
                "https://auth-groovycalamari.auth.us-east-1.amazoncognito.com/logout",
                pairs(&[("client_id", "client-1"), ("logout_uri", back)]),
            )),
        ),
        (
            "auth0-2022-tenant",
            "https://common.auth0.com/.well-known/openid-configuration",
            Some((
                "https://common.auth0.com/v2/logout",
                pairs(&[("client_id", "client-1"), ("returnTo", back)]),
            )),
        ),
        (
            "auth0",
            "https://sanand.us.auth0.com/.well-known/openid-configuration",
            Some((
                "https://sanand.us.auth0.com/oidc/logout",
                pairs(&[
                    ("id_token_hint", "id.token.hint"),
                    ("client_id", "client-1"),
                    ("post_logout_redirect_uri", back),
                    ("state", "st"),
                ]),
            )),
        ),
        (
            "google",
            "https://accounts.google.com/.well-known/openid-configuration",
            None,
        ),
        (
            "gitlab",
            "https://gitlab.com/.well-known/openid-configuration",
            None,
        ),
        (
            "apple",
            "https://appleid.apple.com/.well-known/openid-configuration",
            None,
        ),
    ] {
        let found = logout(file, metadata_url);
        let expected = expected.map(|(endpoint, query)| (endpoint.to_owned(), query));
        assert_eq!(found, expected, "{file}");
    }
}

/// `logout_params` filled in: set (`Some`) or dropped (`None`).
type Overrides = Vec<(String, Option<String>)>;

/// `logout_params`: a parameter is added, one of doorman's replaced, one dropped; the rest stay.
#[test]
fn logout_params_set_replace_and_drop_parameters() {
    let owned = |list: &[(&str, Option<&str>)]| -> Overrides {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
            .collect()
    };
    /// A provider's fixture and metadata URL, the overrides, and the query they give.
    type Case<'a> = (&'a str, &'a str, Overrides, &'a [(&'a str, &'a str)]);
    let cases: [Case<'_>; 3] = [
        (
            // Entra's logout_hint, from the session's login_hint claim.
            "entra-common",
            "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
            owned(&[("logout_hint", Some("O.CiQ")), ("id_token_hint", None)]),
            &[
                ("client_id", "client-1"),
                (
                    "post_logout_redirect_uri",
                    "https://app.example/auth/logged-out",
                ),
                ("state", "st"),
                ("logout_hint", "O.CiQ"),
            ],
        ),
        (
            // Cognito's other form: `redirect_uri` (with `response_type`) instead of `logout_uri`.
            "cognito",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_4OqDoWVrZ/.well-known/openid-configuration",
            owned(&[
                ("logout_uri", None),
                ("redirect_uri", Some("https://app.example/")),
                ("response_type", Some("code")),
            ]),
            &[
                ("client_id", "client-1"),
                ("redirect_uri", "https://app.example/"),
                ("response_type", "code"),
            ],
        ),
        (
            // A value of doorman's replaced.
            "auth0-2022-tenant",
            "https://common.auth0.com/.well-known/openid-configuration",
            owned(&[("returnTo", Some("https://app.example/bye"))]),
            &[
                ("client_id", "client-1"),
                ("returnTo", "https://app.example/bye"),
            ],
        ),
    ];
    for (file, metadata_url, overrides, expected) in cases {
        let (_, query) = logout_with(file, metadata_url, &overrides).expect(file);
        let expected: HashMap<String, String> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(query, expected, "{file}");
    }
}

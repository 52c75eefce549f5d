//! Real providers' published documents as fixtures, read from `tests/data/providers/` (its
//! README names each file's provider, metadata URL, provenance and source), tests as data:
//! - every discovery document, read under its provider's real metadata URL, is accepted
//!   with what doorman derives from it (issuer, client authentication, PKCE, logout,
//!   RFC 9207 `iss`), or refused on purpose for the reason its row gives; a document
//!   announcing another issuer than its URL implies stays refused;
//! - every key set loads with the keys the provider signs with (encryption keys skipped,
//!   never an error), and each is the key picked for its `kid`;
//! - every real ID-token claim shape logs in through the pair harness and comes back as sent.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use doorman_oidc::{
    ClientConfig, Error, KeySet, LoginEntropy, ProviderMetadata, TokenAuthMethod, Verification,
};
use doorman_testkit::pair::Pair;
use http::{Response, header};
use serde_json::{Map, Value, json};
use url::Url;

use doorman_oidc::TokenAuthMethod::{ClientSecretBasic as Basic, ClientSecretPost as Post};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/providers")
}

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(file))
        .unwrap_or_else(|e| panic!("fixture {file} is readable: {e}"))
}

fn fixture_json(file: &str) -> Value {
    serde_json::from_slice(&fixture(file)).unwrap_or_else(|e| panic!("{file} is JSON: {e}"))
}

/// The response a provider sends for a JSON document: 200, `application/json`.
fn json_response(body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .expect("a response")
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("{text} is a URL: {e}"))
}

/// What doorman makes of a discovery document when its metadata is accepted.
struct Derived {
    issuer: &'static str,
    auth_method: TokenAuthMethod,
    pkce: bool,
    end_session: bool,
    iss_parameter: bool,
}

enum Outcome {
    Accepted(Derived),
    /// Refused on purpose with [`Error::IssuerMismatch`], for this reason.
    RefusedIssuerMismatch {
        reason: &'static str,
    },
}

/// A discovery document and the metadata URL its provider publishes it at.
struct DiscoveryRow {
    file: &'static str,
    url: &'static str,
    outcome: Outcome,
}

const DISCOVERY: &[DiscoveryRow] = &[
    DiscoveryRow {
        file: "google.discovery.json",
        url: "https://accounts.google.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://accounts.google.com",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    // Entra's multi-tenant metadata announces the `{tenantid}` template (issuer.rs).
    DiscoveryRow {
        file: "entra-common.discovery.json",
        url: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "entra-organizations.discovery.json",
        url: "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // `consumers` announces the personal-account tenant's fixed issuer.
    DiscoveryRow {
        file: "entra-consumers.discovery.json",
        url: "https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "entra-tenant.discovery.json",
        url: "https://login.microsoftonline.com/12345678-1234-1234-1234-123456789012/v2.0/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://login.microsoftonline.com/12345678-1234-1234-1234-123456789012/v2.0",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "okta-custom-as.discovery.json",
        url: "https://dev-92899796.okta.com/oauth2/default/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://dev-92899796.okta.com/oauth2/default",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "okta-org-as.discovery.json",
        url: "https://common.okta.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://common.okta.com",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // Auth0's issuers end with `/`, dropped before `/.well-known/…` (Discovery §4).
    DiscoveryRow {
        file: "auth0.discovery.json",
        url: "https://sanand.us.auth0.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://sanand.us.auth0.com/",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // A 2022 tenant: the end-session endpoint was an opt-in toggle then.
    DiscoveryRow {
        file: "auth0-2022-tenant.discovery.json",
        url: "https://common.auth0.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://common.auth0.com/",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    // The only document here advertising RFC 9207's `iss` response parameter.
    DiscoveryRow {
        file: "keycloak.discovery.json",
        url: "https://keycloak-eudi.netcompany-intrasoft.com/realms/pid-issuer-realm/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://keycloak-eudi.netcompany-intrasoft.com/realms/pid-issuer-realm",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: true,
        }),
    },
    DiscoveryRow {
        file: "keycloak-localhost-2022.discovery.json",
        url: "http://localhost:8080/realms/master/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "http://localhost:8080/realms/master",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // The issuer's host (cognito-idp) is not the endpoints' (amazoncognito.com).
    DiscoveryRow {
        file: "cognito.discovery.json",
        url: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_4OqDoWVrZ/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_4OqDoWVrZ",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "gitlab.discovery.json",
        url: "https://gitlab.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://gitlab.com",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "salesforce.discovery.json",
        url: "https://login.salesforce.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://login.salesforce.com",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "pingone.discovery.json",
        url: "https://auth-staging.pingone.com/11c22fc5-11ab-111a-811e-1149b4b917e9/as/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://auth-staging.pingone.com/11c22fc5-11ab-111a-811e-1149b4b917e9/as",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "onelogin.discovery.json",
        url: "https://common.onelogin.com/oidc/2/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://common.onelogin.com/oidc/2",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // See `zitadel_is_refused_only_for_its_placeholder_host_in_capitals`.
    DiscoveryRow {
        file: "zitadel.discovery.json",
        url: "https://ZITADEL_ISSUER.zitadel.cloud/.well-known/openid-configuration",
        outcome: Outcome::RefusedIssuerMismatch {
            reason: "the reconstructed fixture's placeholder host is in capitals; a URL's host \
                     is always lowercase, and issuers are compared byte for byte",
        },
    },
    // The per-application issuer ends with `/`.
    DiscoveryRow {
        file: "authentik.discovery.json",
        url: "https://authentik.company/application/o/my-app/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://authentik.company/application/o/my-app/",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    // Apple lists only client_secret_post.
    DiscoveryRow {
        file: "apple.discovery.json",
        url: "https://appleid.apple.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://appleid.apple.com",
            auth_method: Post,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    // Login.gov lists only private_key_jwt, which doorman does not do: basic, and the
    // provider's refusal says why. Its issuer ends with `/`.
    DiscoveryRow {
        file: "login-gov-sandbox.discovery.json",
        url: "https://idp.int.identitysandbox.gov/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://idp.int.identitysandbox.gov/",
            auth_method: Basic,
            pkce: true,
            end_session: true,
            iss_parameter: false,
        }),
    },
    DiscoveryRow {
        file: "yahoo.discovery.json",
        url: "https://api.login.yahoo.com/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://api.login.yahoo.com",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
    // No token endpoint auth methods listed: client_secret_basic, the default.
    DiscoveryRow {
        file: "line.discovery.json",
        url: "https://access.line.me/.well-known/openid-configuration",
        outcome: Outcome::Accepted(Derived {
            issuer: "https://access.line.me",
            auth_method: Basic,
            pkce: true,
            end_session: false,
            iss_parameter: false,
        }),
    },
];

fn discover(file: &str, metadata_url: &str) -> Result<ProviderMetadata, Error> {
    ProviderMetadata::from_response(&url(metadata_url), &json_response(fixture(file)))
}

/// The accepted metadata of a discovery document of the table.
fn metadata_of(file: &str) -> ProviderMetadata {
    let row = DISCOVERY
        .iter()
        .find(|row| row.file == file)
        .unwrap_or_else(|| panic!("{file} is a row of DISCOVERY"));
    discover(row.file, row.url).unwrap_or_else(|e| panic!("{file} is accepted: {e}"))
}

#[test]
fn every_discovery_document_is_accepted_under_its_real_metadata_url_or_refused_on_purpose() {
    for row in DISCOVERY {
        let document = fixture_json(row.file);
        let discovered = discover(row.file, row.url);
        match &row.outcome {
            Outcome::Accepted(derived) => {
                let metadata =
                    discovered.unwrap_or_else(|e| panic!("{} under {}: {e}", row.file, row.url));
                assert_eq!(metadata.issuer(), derived.issuer, "{}", row.file);
                assert_eq!(
                    Some(metadata.issuer()),
                    document["issuer"].as_str(),
                    "{}: the issuer as announced",
                    row.file
                );
                assert_eq!(metadata.auth_method(), derived.auth_method, "{}", row.file);
                assert_eq!(metadata.uses_pkce(), derived.pkce, "{}", row.file);
                assert_eq!(
                    metadata.end_session_endpoint().is_some(),
                    derived.end_session,
                    "{}: end_session_endpoint",
                    row.file
                );
                assert_eq!(
                    metadata.iss_parameter_supported(),
                    derived.iss_parameter,
                    "{}: authorization_response_iss_parameter_supported",
                    row.file
                );
                // Endpoints are the provider's own, wherever they are hosted.
                assert_eq!(
                    Some(metadata.jwks_uri().as_str()),
                    document["jwks_uri"].as_str(),
                    "{}: jwks_uri",
                    row.file
                );
                assert_eq!(
                    metadata.userinfo_endpoint().map(Url::as_str),
                    document["userinfo_endpoint"].as_str(),
                    "{}: userinfo_endpoint",
                    row.file
                );
                assert_eq!(
                    metadata.end_session_endpoint().map(Url::as_str),
                    document["end_session_endpoint"].as_str(),
                    "{}: end_session_endpoint",
                    row.file
                );
            }
            Outcome::RefusedIssuerMismatch { reason } => match discovered {
                Err(Error::IssuerMismatch { found, .. }) => {
                    assert_eq!(
                        Some(found.as_str()),
                        document["issuer"].as_str(),
                        "{}",
                        row.file
                    );
                }
                other => panic!("{} must be refused ({reason}): {other:?}", row.file),
            },
        }
    }
}

#[test]
fn zitadel_is_refused_only_for_its_placeholder_host_in_capitals() {
    let file = "zitadel.discovery.json";
    let metadata_url = "https://ZITADEL_ISSUER.zitadel.cloud/.well-known/openid-configuration";
    // The URL's host is lowercased when parsed; the announced issuer keeps its capitals.
    assert_eq!(
        url(metadata_url).host_str(),
        Some("zitadel_issuer.zitadel.cloud")
    );
    match discover(file, metadata_url) {
        Err(Error::IssuerMismatch { expected, found }) => {
            assert_eq!(expected, "https://zitadel_issuer.zitadel.cloud");
            assert_eq!(found, "https://ZITADEL_ISSUER.zitadel.cloud");
        }
        other => panic!("refused for the issuer: {other:?}"),
    }
    // Real ZITADEL instances' hosts are lowercase: the document with its placeholder host in
    // lowercase is accepted, so the case is all that is refused.
    let text = String::from_utf8(fixture(file)).expect("UTF-8");
    let lowercase = text.replace("ZITADEL_ISSUER", "zitadel_issuer");
    let metadata = ProviderMetadata::from_response(
        &url(&metadata_url.replace("ZITADEL_ISSUER", "zitadel_issuer")),
        &json_response(lowercase.into_bytes()),
    )
    .expect("the lowercase host is accepted");
    assert_eq!(metadata.issuer(), "https://zitadel_issuer.zitadel.cloud");
    assert_eq!(metadata.auth_method(), Basic, "`none` is listed first");
    assert!(metadata.uses_pkce());
    assert!(metadata.end_session_endpoint().is_some());
    assert!(!metadata.iss_parameter_supported());
}

#[test]
fn a_document_announcing_another_issuer_than_its_metadata_url_implies_is_still_refused() {
    const TENANT_URL: &str = "https://login.microsoftonline.com/12345678-1234-1234-1234-123456789012/v2.0/.well-known/openid-configuration";
    const COMMON_URL: &str =
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration";
    for (file, metadata_url, why) in [
        (
            "entra-common.discovery.json",
            TENANT_URL,
            "the tenant template under a single tenant's URL",
        ),
        (
            "entra-common.discovery.json",
            "https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration",
            "the tenant template under consumers",
        ),
        (
            "entra-common.discovery.json",
            "https://login.microsoftonline.us/common/v2.0/.well-known/openid-configuration",
            "the template of another cloud's origin",
        ),
        (
            "entra-tenant.discovery.json",
            COMMON_URL,
            "one tenant's issuer under common",
        ),
        (
            "entra-consumers.discovery.json",
            "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
            "the personal-account tenant under organizations",
        ),
        (
            "google.discovery.json",
            "https://accounts.google.co.uk/.well-known/openid-configuration",
            "Google's issuer under another host",
        ),
        (
            "google.discovery.json",
            "http://accounts.google.com/.well-known/openid-configuration",
            "Google's issuer under another scheme",
        ),
        (
            "okta-org-as.discovery.json",
            "https://common.okta.com/oauth2/default/.well-known/openid-configuration",
            "the org authorization server under a custom one's URL",
        ),
        (
            "okta-custom-as.discovery.json",
            "https://dev-92899796.okta.com/.well-known/openid-configuration",
            "a custom authorization server under the org's URL",
        ),
        (
            "auth0.discovery.json",
            "https://sanand.eu.auth0.com/.well-known/openid-configuration",
            "an Auth0 tenant under another region",
        ),
        (
            "keycloak.discovery.json",
            "https://keycloak-eudi.netcompany-intrasoft.com/realms/master/.well-known/openid-configuration",
            "a Keycloak realm under another realm",
        ),
        (
            "cognito.discovery.json",
            "https://auth-groovycalamari.auth.us-east-1.amazoncognito.com/.well-known/openid-configuration",
            "Cognito's issuer under its endpoints' host",
        ),
        (
            "authentik.discovery.json",
            "https://authentik.company/application/o/other-app/.well-known/openid-configuration",
            "an authentik application under another application's URL",
        ),
        (
            "login-gov-sandbox.discovery.json",
            "https://secure.login.gov/.well-known/openid-configuration",
            "the Login.gov sandbox under production",
        ),
    ] {
        let announced = fixture_json(file)["issuer"]
            .as_str()
            .expect("an issuer")
            .to_owned();
        match discover(file, metadata_url) {
            Err(Error::IssuerMismatch { found, .. }) => assert_eq!(found, announced, "{why}"),
            other => panic!("{why}: {file} under {metadata_url} must be refused: {other:?}"),
        }
    }
}

/// What the key set must do with a `kid` when an ID token names it.
#[derive(Debug, PartialEq)]
enum Picked {
    /// The key is picked and its numbers are used: a made-up signature is refused as
    /// [`Error::InvalidSignature`].
    AndChecksTheSignature,
    /// The key is picked and refused for its size ([`Error::UnusableKey`], RFC 7518 §3.3).
    ButRefusedAsUnder2048Bits,
    /// No key of the set may check it: the login asks for fresh keys.
    NoneSoKeysAreRefetched,
}

/// A key set, the discovery document of the same provider, how many keys load, and what
/// happens to tokens naming these `kid`s with these algorithms.
struct KeySetRow {
    file: &'static str,
    discovery: &'static str,
    keys: usize,
    probes: &'static [(&'static str, &'static str, Picked)],
}

const KEY_SETS: &[KeySetRow] = &[
    KeySetRow {
        file: "google.jwks.json",
        discovery: "google.discovery.json",
        keys: 2,
        probes: &[
            (
                "73e25f9789119c7875d58087a78ac23f5ef2eda3",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "c88d809f4db943df53da7accfd47764d05ba391f",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    // No `alg` on Entra's keys; each has its own `issuer` (two are the personal-account
    // tenant's).
    KeySetRow {
        file: "entra-common.jwks.json",
        discovery: "entra-common.discovery.json",
        keys: 7,
        probes: &[
            (
                "Mc7l3Iz93g7uwgNeEmmw_WYGPko",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "8IIDH6M8c3cXoeojKme8Jvqsr2Y",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    KeySetRow {
        file: "entra-organizations.jwks.json",
        discovery: "entra-organizations.discovery.json",
        keys: 6,
        probes: &[
            (
                "Fdkuxg4kKVKOWUdliHLR1HArDmg",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            // A personal-account key of `common`: not in this set.
            (
                "8IIDH6M8c3cXoeojKme8Jvqsr2Y",
                "RS256",
                Picked::NoneSoKeysAreRefetched,
            ),
        ],
    },
    KeySetRow {
        file: "okta-custom-as.jwks.json",
        discovery: "okta-custom-as.discovery.json",
        keys: 2,
        probes: &[(
            "74NNGdtD-kCjuokYDTUhm9UT7ItciF9KWD1SDVKreo4",
            "RS256",
            Picked::AndChecksTheSignature,
        )],
    },
    KeySetRow {
        file: "okta-org-as.jwks.json",
        discovery: "okta-org-as.discovery.json",
        keys: 2,
        probes: &[
            (
                "sljES1Bh0VMGwUpPfFunCVAzvLRdea7WluQfeV6zWTQ",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            // The custom authorization server's key does not sign for the org's.
            (
                "74NNGdtD-kCjuokYDTUhm9UT7ItciF9KWD1SDVKreo4",
                "RS256",
                Picked::NoneSoKeysAreRefetched,
            ),
        ],
    },
    // The 2022 capture of common.auth0.com: an old base64 thumbprint `kid` and a short one.
    KeySetRow {
        file: "auth0.jwks.json",
        discovery: "auth0-2022-tenant.discovery.json",
        keys: 2,
        probes: &[
            (
                "QjYxQ0U1QTVCMzk4RTJFNEIxMERGN0NBOUVBQTk1NDEzRTcwNTVBMg",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "Lk-5NnjByFf99cg0nxMdi",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    // A signing key and a `use: enc` RSA-OAEP key, which is skipped, never an error.
    KeySetRow {
        file: "keycloak.jwks.json",
        discovery: "keycloak-localhost-2022.discovery.json",
        keys: 1,
        probes: &[
            (
                "nB0vgzwAcgJmjXwQZSzBMNkhoCaH4fvSwx5GC8Jq93c",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "Q2O_f0Z7hVL1WUxKQbChyWK_FzQK-qRZh4Kg9mxxt_I",
                "RS256",
                Picked::NoneSoKeysAreRefetched,
            ),
        ],
    },
    // `kid`s with `+ / =`.
    KeySetRow {
        file: "cognito.jwks.json",
        discovery: "cognito.discovery.json",
        keys: 2,
        probes: &[
            (
                "vyVQH7UMjwYboVvyFf+zd4KHZfgc+RtmU/A2vHhgITI=",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "fUyIG0h6R5HFGfHDV8uebcRXldQ09dCZXbFKf6zy1rs=",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    // One 4096-bit key and one 2048-bit key.
    KeySetRow {
        file: "gitlab.jwks.json",
        discovery: "gitlab.discovery.json",
        keys: 2,
        probes: &[
            (
                "kewiQq9jiC84CvSsJYOB-N6A8WFLSV20Mb-y7IlWDSQ",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    // No `alg` on the key: any RSA algorithm the provider lists may use it.
    KeySetRow {
        file: "onelogin.jwks.json",
        discovery: "onelogin.discovery.json",
        keys: 1,
        probes: &[
            (
                "JRcO4nxs5jgc8YdN7I2hLO4V_ql1bdoiMXmcYgHm4Hs",
                "RS256",
                Picked::AndChecksTheSignature,
            ),
            (
                "JRcO4nxs5jgc8YdN7I2hLO4V_ql1bdoiMXmcYgHm4Hs",
                "PS256",
                Picked::AndChecksTheSignature,
            ),
        ],
    },
    KeySetRow {
        file: "apple.jwks.json",
        discovery: "apple.discovery.json",
        keys: 3,
        probes: &[
            ("FftONTxoEg", "RS256", Picked::AndChecksTheSignature),
            ("T8tIJ1zSrO", "RS256", Picked::AndChecksTheSignature),
            ("pggnQeNCOU", "RS256", Picked::AndChecksTheSignature),
        ],
    },
    // An EC P-256 key and three RSA keys of 1024 bits (129-byte `n` with a leading zero):
    // all four load, and only ES256 tokens can verify; RS256 tokens are refused by the
    // key's size, which names the reason, rather than dropped as an unknown `kid`.
    KeySetRow {
        file: "yahoo.jwks.json",
        discovery: "yahoo.discovery.json",
        keys: 4,
        probes: &[
            (
                "3466d51f7dd0c780565688c183921816c45889ad",
                "ES256",
                Picked::AndChecksTheSignature,
            ),
            ("0", "RS256", Picked::ButRefusedAsUnder2048Bits),
            ("4", "RS256", Picked::ButRefusedAsUnder2048Bits),
            (
                "6ff94cdad11e7c3ac08dc9ec3c44844b87e364f7",
                "RS256",
                Picked::ButRefusedAsUnder2048Bits,
            ),
        ],
    },
];

/// The moment of every key-set test: keys fetched then, logins begun then.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_305_600)
}

/// A login to `metadata` at [`now`] whose token endpoint answers with `id_token`, verified
/// with `keys`.
fn verify_with(
    metadata: &ProviderMetadata,
    keys: &KeySet,
    id_token: &str,
) -> Result<Verification, Error> {
    let config = ClientConfig::new(
        "fixture",
        "a-client",
        "a-client-secret",
        url("https://app.example/oauth2callback"),
    );
    let entropy = LoginEntropy {
        state: [1; 32],
        nonce: [2; 32],
        pkce_verifier: [3; 32],
        client_assertion: [4; 32],
    };
    let (authorization, pending) = doorman_oidc::begin(&config, metadata, &entropy, now());
    let state = authorization
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("a state");
    let mut callback = url::form_urlencoded::Serializer::new(String::new());
    callback
        .append_pair("code", "a-code")
        .append_pair("state", &state);
    if metadata.iss_parameter_supported() {
        callback.append_pair("iss", metadata.issuer());
    }
    let exchange = pending.callback(metadata, &callback.finish())?;
    let tokens = json!({
        "access_token": "an-access-token",
        "token_type": "Bearer",
        "id_token": id_token,
    });
    let received = exchange.token_response(&json_response(tokens.to_string().into_bytes()))?;
    received.verify(&config, metadata, keys, now())
}

/// A compact JWS naming `kid` and `alg`, with a made-up signature of the right size for
/// the algorithm's family.
fn token_naming(kid: &str, alg: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "kid": kid }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(b"{}");
    let signature_len = if alg.starts_with("ES") { 64 } else { 256 };
    let signature = URL_SAFE_NO_PAD.encode(vec![0x5A; signature_len]);
    format!("{header}.{payload}.{signature}")
}

#[test]
fn every_key_set_loads_its_signing_keys_and_picks_each_by_its_kid() {
    for row in KEY_SETS {
        let keys = KeySet::from_response(&json_response(fixture(row.file)), now())
            .unwrap_or_else(|e| panic!("{} loads: {e}", row.file));
        assert_eq!(keys.len(), row.keys, "{}: usable keys", row.file);
        // Every key loads but encryption keys (Keycloak's RSA-OAEP one).
        let listed = fixture_json(row.file)["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter(|key| key["use"] != "enc")
            .count();
        assert_eq!(row.keys, listed, "{}: keys less encryption keys", row.file);
        let metadata = metadata_of(row.discovery);
        for (kid, alg, expected) in row.probes {
            let picked = match verify_with(&metadata, &keys, &token_naming(kid, alg)) {
                Err(Error::InvalidSignature) => Picked::AndChecksTheSignature,
                Err(Error::UnusableKey { detail }) if detail.contains("1024 bits") => {
                    Picked::ButRefusedAsUnder2048Bits
                }
                Ok(Verification::NeedFreshKeys(_)) => Picked::NoneSoKeysAreRefetched,
                other => panic!("{}: {kid} with {alg}: {other:?}", row.file),
            };
            assert_eq!(&picked, expected, "{}: {kid} with {alg}", row.file);
        }
    }
}

/// The claims the rules own: the development provider sets them itself, and a login checks
/// them (Core §3.1.3.7).
const RULE_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "nonce",
    "auth_time",
];

/// The keys a fixture adds to say where it comes from.
const ANNOTATIONS: [&str; 3] = ["_provenance", "_source", "notes"];

/// A real ID-token payload in a claims fixture (by JSON pointer), and claims it is kept for.
struct ClaimShapeRow {
    file: &'static str,
    payload: &'static str,
    shows: &'static [&'static str],
}

const CLAIM_SHAPES: &[ClaimShapeRow] = &[
    // String booleans.
    ClaimShapeRow {
        file: "apple.id_token_claims.json",
        payload: "/payload",
        shows: &["email_verified", "is_private_email", "nonce_supported"],
    },
    // An ISO-8601 `updated_at`.
    ClaimShapeRow {
        file: "auth0.id_token_claims.json",
        payload: "/payload",
        shows: &["updated_at", "at_hash"],
    },
    ClaimShapeRow {
        file: "cognito.id_token_claims.json",
        payload: "/payload",
        shows: &["cognito:username", "token_use", "origin_jti"],
    },
    // One personal account in two app registrations: `tid` and `oid`.
    ClaimShapeRow {
        file: "entra-consumers.id_token_claims.json",
        payload: "/app1",
        shows: &["tid", "oid", "ver", "nbf", "aio"],
    },
    ClaimShapeRow {
        file: "entra-consumers.id_token_claims.json",
        payload: "/app2",
        shows: &["tid", "oid"],
    },
    // Groups overage: `_claim_names` and `_claim_sources` instead of `groups`.
    ClaimShapeRow {
        file: "entra-groups-overage.id_token_claims.json",
        payload: "",
        shows: &["_claim_names", "_claim_sources"],
    },
    ClaimShapeRow {
        file: "google.id_token_claims.json",
        payload: "/example_2019/payload",
        shows: &["email_verified", "at_hash", "jti", "picture"],
    },
    ClaimShapeRow {
        file: "google.id_token_claims.json",
        payload: "/example_2023/payload",
        shows: &["email_verified", "at_hash"],
    },
    // Nested roles, group names, `typ: ID`, `email_verified: false` with an email.
    ClaimShapeRow {
        file: "keycloak.id_token_claims.json",
        payload: "/payload",
        shows: &[
            "resource_access",
            "groups",
            "typ",
            "email_verified",
            "address",
        ],
    },
    // The ID token of the recorded response (the access token's payload is not one).
    ClaimShapeRow {
        file: "okta-custom-as.id_token_claims.json",
        payload: "/id_token/payload",
        shows: &["ver", "amr", "idp", "jti"],
    },
];

#[test]
fn every_real_id_token_claim_shape_logs_in_and_comes_back_as_sent() {
    for row in CLAIM_SHAPES {
        let document = fixture_json(row.file);
        let mut claims: Map<String, Value> = document
            .pointer(row.payload)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{}: {} is an object", row.file, row.payload))
            .clone();
        for name in RULE_CLAIMS.iter().chain(&ANNOTATIONS) {
            claims.remove(*name);
        }
        for name in row.shows {
            assert!(
                claims.contains_key(*name),
                "{} {}: {name} is sent",
                row.file,
                row.payload
            );
        }
        let mut pair = Pair::with_user_claims(claims.clone());
        let login = pair
            .login()
            .result
            .unwrap_or_else(|e| panic!("{} {} logs in: {e}", row.file, row.payload));
        for (name, value) in &claims {
            assert_eq!(
                login.claims().get(name),
                Some(value),
                "{} {}: {name}",
                row.file,
                row.payload
            );
        }
    }
}

/// Fixtures that are no row of the tables above, and why.
const NOT_A_ROW: &[(&str, &str)] = &[(
    "google.userinfo.json",
    "a userinfo response, not a discovery document, key set or ID token",
)];

#[test]
fn every_fixture_of_the_folder_is_a_row_or_says_why_not() {
    let mut covered: Vec<&str> = DISCOVERY
        .iter()
        .map(|row| row.file)
        .chain(KEY_SETS.iter().map(|row| row.file))
        .chain(CLAIM_SHAPES.iter().map(|row| row.file))
        .chain(NOT_A_ROW.iter().map(|(file, _)| *file))
        .collect();
    covered.sort_unstable();
    covered.dedup();
    let mut present: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("the fixtures folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .into_string()
                .expect("a UTF-8 name")
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    present.sort_unstable();
    assert_eq!(present, covered);
}

//! Personas, called in-process: each serves the real provider's discovery shape, key set and
//! claims on its own origin, refuses the client authentication the real one does not list,
//! and signs ID tokens its key set verifies. The shapes are compared with the real documents
//! in `tests/data/providers/`.

use std::path::Path;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use doorman_devidp::{DevIdp, DevIdpConfig, Misbehavior, Persona, RegisteredClient};
use http::{Request, Response, StatusCode};
use rsa::signature::Verifier as _;
use serde_json::{Value, json};
use sha2::Digest as _;
use url::Url;

const ORIGIN: &str = "http://idp.test";
const REDIRECT: &str = "http://app.test/cb";

fn idp(persona: Persona) -> DevIdp {
    let config = DevIdpConfig::new(Url::parse(ORIGIN).expect("url"))
        .with_client(RegisteredClient {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: Vec::new(),
        })
        .auto_approving()
        .with_persona(persona);
    DevIdp::new(config)
}

fn get(idp: &DevIdp, url: &str, bearer: Option<&str>) -> Response<Vec<u8>> {
    let mut request = Request::get(url);
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    idp.handle(&request.body(Vec::new()).expect("req"), SystemTime::now())
}

fn json_of(response: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).expect("json")
}

fn discovery(idp: &DevIdp) -> Value {
    let response = get(idp, &idp.config().metadata_url(), None);
    assert_eq!(response.status(), StatusCode::OK);
    json_of(&response)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// How a token request authenticates the client.
#[derive(Clone, Copy, Debug)]
enum Auth {
    Basic,
    Post,
    None,
}

impl Auth {
    fn name(self) -> &'static str {
        match self {
            Self::Basic => "client_secret_basic",
            Self::Post => "client_secret_post",
            Self::None => "none",
        }
    }
}

/// A code for `app` from the persona's authorization endpoint, with S256 PKCE.
fn code(idp: &DevIdp, doc: &Value, verifier: &str) -> String {
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let url = format!(
        "{}?response_type=code&client_id=app&redirect_uri={}&scope=openid%20profile%20email&state=st&nonce=n-1&code_challenge={challenge}&code_challenge_method=S256",
        doc["authorization_endpoint"]
            .as_str()
            .expect("authorization_endpoint"),
        urlencode(REDIRECT)
    );
    let response = get(idp, &url, None);
    assert_eq!(response.status(), StatusCode::FOUND);
    let back = Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    back.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

/// Redeems a fresh code at the persona's token endpoint, authenticating with `auth`.
fn token(idp: &DevIdp, auth: Auth) -> Response<Vec<u8>> {
    let doc = discovery(idp);
    let verifier = "a-verifier-of-at-least-forty-three-characters-long";
    let code = code(idp, &doc, verifier);
    let mut form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}",
        urlencode(REDIRECT)
    );
    let mut request = Request::post(
        doc["token_endpoint"]
            .as_str()
            .expect("token_endpoint")
            .to_owned(),
    );
    match auth {
        Auth::Basic => {
            request = request.header(
                "authorization",
                format!("Basic {}", STANDARD.encode("app:secret")),
            );
        }
        Auth::Post => form.push_str("&client_id=app&client_secret=secret"),
        Auth::None => form.push_str("&client_id=app"),
    }
    idp.handle(
        &request.body(form.into_bytes()).expect("req"),
        SystemTime::now(),
    )
}

/// The claims of the ID token in a token response, once verified with the persona's own
/// key set: the key its `kid` names, RS256, `aud` holding `app`, `iss` as given, unexpired.
fn verified_claims(idp: &DevIdp, response: &Response<Vec<u8>>, iss: &str) -> Value {
    let id_token = json_of(response)["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned();
    let (input, signature) = id_token.rsplit_once('.').expect("a compact JWS");
    let (header, claims) = input.split_once('.').expect("a compact JWS");
    let decode = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
    };
    let (header, claims) = (decode(header), decode(claims));
    assert_eq!(header["alg"], "RS256");
    let kid = header["kid"].as_str().expect("kid");
    let jwks = json_of(&get(
        idp,
        discovery(idp)["jwks_uri"].as_str().expect("jwks_uri"),
        None,
    ));
    let listed = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("the signing key is listed");
    assert_eq!(listed["use"], "sig");
    assert_eq!(listed["kty"], "RSA");
    let number = |name: &str| {
        rsa::BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD
                .decode(listed[name].as_str().expect("RSA parameter"))
                .expect("base64url"),
        )
    };
    let key = rsa::RsaPublicKey::new(number("n"), number("e")).expect("RSA key");
    let signature = rsa::pkcs1v15::Signature::try_from(
        URL_SAFE_NO_PAD
            .decode(signature)
            .expect("base64url")
            .as_slice(),
    )
    .expect("signature");
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key)
        .verify(input.as_bytes(), &signature)
        .expect("verifies");
    let aud = &claims["aud"];
    assert!(
        aud == "app" || aud.as_array().is_some_and(|a| a.iter().any(|a| a == "app")),
        "aud holds app: {aud}"
    );
    assert_eq!(claims["iss"], iss);
    let now = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(claims["exp"].as_u64().expect("exp") > now, "unexpired");
    claims
}

/// A fact of a persona's discovery document, as the real provider's has it.
enum Fact {
    /// `issuer` is the origin followed by this.
    Issuer(&'static str),
    /// The member is a URL on the origin with this path.
    Path(&'static str, &'static str),
    /// The member is absent.
    Absent(&'static str),
    /// The member is this list, in this order.
    List(&'static str, &'static [&'static str]),
    /// The member is `true`.
    True(&'static str),
}

#[test]
fn each_persona_announces_the_real_shape() {
    use Fact::{Absent, Issuer, List, Path, True};
    let cases: [(Persona, &str, &[Fact]); 10] = [
        (
            Persona::Google,
            "/.well-known/openid-configuration",
            &[
                Issuer(""),
                Path("authorization_endpoint", "/o/oauth2/v2/auth"),
                Path("token_endpoint", "/token"),
                Path("userinfo_endpoint", "/v1/userinfo"),
                Path("jwks_uri", "/oauth2/v3/certs"),
                Absent("end_session_endpoint"),
                List("id_token_signing_alg_values_supported", &["RS256"]),
                List(
                    "token_endpoint_auth_methods_supported",
                    &["client_secret_post", "client_secret_basic"],
                ),
                List("code_challenge_methods_supported", &["plain", "S256"]),
                Absent("authorization_response_iss_parameter_supported"),
            ],
        ),
        (
            Persona::EntraCommon,
            "/common/v2.0/.well-known/openid-configuration",
            &[
                Issuer("/{tenantid}/v2.0"),
                Path("authorization_endpoint", "/common/oauth2/v2.0/authorize"),
                Path("token_endpoint", "/common/oauth2/v2.0/token"),
                Path("userinfo_endpoint", "/oidc/userinfo"),
                Path("jwks_uri", "/common/discovery/v2.0/keys"),
                Path("end_session_endpoint", "/common/oauth2/v2.0/logout"),
                List("id_token_signing_alg_values_supported", &["RS256"]),
                List(
                    "token_endpoint_auth_methods_supported",
                    &[
                        "client_secret_post",
                        "private_key_jwt",
                        "client_secret_basic",
                    ],
                ),
                Absent("code_challenge_methods_supported"),
                List("subject_types_supported", &["pairwise"]),
            ],
        ),
        (
            Persona::EntraConsumers,
            "/consumers/v2.0/.well-known/openid-configuration",
            &[
                Issuer("/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
                Path("authorization_endpoint", "/consumers/oauth2/v2.0/authorize"),
                Path("jwks_uri", "/consumers/discovery/v2.0/keys"),
                Path("userinfo_endpoint", "/oidc/userinfo"),
                Absent("code_challenge_methods_supported"),
            ],
        ),
        (
            Persona::OktaCustom,
            "/oauth2/default/.well-known/openid-configuration",
            &[
                Issuer("/oauth2/default"),
                Path("authorization_endpoint", "/oauth2/default/v1/authorize"),
                Path("token_endpoint", "/oauth2/default/v1/token"),
                Path("jwks_uri", "/oauth2/default/v1/keys"),
                Path("end_session_endpoint", "/oauth2/default/v1/logout"),
                List(
                    "token_endpoint_auth_methods_supported",
                    &[
                        "client_secret_basic",
                        "client_secret_post",
                        "client_secret_jwt",
                        "private_key_jwt",
                        "none",
                    ],
                ),
                List("code_challenge_methods_supported", &["S256"]),
            ],
        ),
        (
            Persona::Auth0,
            "/.well-known/openid-configuration",
            &[
                Issuer("/"),
                Path("token_endpoint", "/oauth/token"),
                Path("jwks_uri", "/.well-known/jwks.json"),
                Path("end_session_endpoint", "/oidc/logout"),
                List(
                    "id_token_signing_alg_values_supported",
                    &["HS256", "RS256", "PS256"],
                ),
                List("code_challenge_methods_supported", &["S256", "plain"]),
            ],
        ),
        (
            Persona::Keycloak,
            "/realms/doorman/.well-known/openid-configuration",
            &[
                Issuer("/realms/doorman"),
                Path(
                    "authorization_endpoint",
                    "/realms/doorman/protocol/openid-connect/auth",
                ),
                Path("jwks_uri", "/realms/doorman/protocol/openid-connect/certs"),
                True("authorization_response_iss_parameter_supported"),
                List(
                    "id_token_signing_alg_values_supported",
                    &[
                        "PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384",
                        "ES512", "PS256", "PS512", "RS512",
                    ],
                ),
                List(
                    "token_endpoint_auth_methods_supported",
                    &[
                        "private_key_jwt",
                        "client_secret_basic",
                        "client_secret_post",
                        "tls_client_auth",
                        "client_secret_jwt",
                    ],
                ),
            ],
        ),
        (
            Persona::Cognito,
            "/us-east-1_example/.well-known/openid-configuration",
            &[
                Issuer("/us-east-1_example"),
                Path("authorization_endpoint", "/oauth2/authorize"),
                Path("token_endpoint", "/oauth2/token"),
                Path("userinfo_endpoint", "/oauth2/userInfo"),
                Path("jwks_uri", "/us-east-1_example/.well-known/jwks.json"),
                Absent("end_session_endpoint"),
                Absent("code_challenge_methods_supported"),
            ],
        ),
        (
            Persona::Apple,
            "/.well-known/openid-configuration",
            &[
                Issuer(""),
                Path("token_endpoint", "/auth/token"),
                Path("jwks_uri", "/auth/keys"),
                Absent("userinfo_endpoint"),
                Absent("end_session_endpoint"),
                Absent("code_challenge_methods_supported"),
                List(
                    "token_endpoint_auth_methods_supported",
                    &["client_secret_post"],
                ),
            ],
        ),
        (
            Persona::Zitadel,
            "/.well-known/openid-configuration",
            &[
                Issuer(""),
                Path("userinfo_endpoint", "/oidc/v1/userinfo"),
                Path("end_session_endpoint", "/oidc/v1/end_session"),
                List(
                    "token_endpoint_auth_methods_supported",
                    &[
                        "none",
                        "client_secret_basic",
                        "client_secret_post",
                        "private_key_jwt",
                    ],
                ),
            ],
        ),
        (
            Persona::GitLab,
            "/.well-known/openid-configuration",
            &[
                Issuer(""),
                Path("jwks_uri", "/oauth/discovery/keys"),
                Absent("end_session_endpoint"),
                List("code_challenge_methods_supported", &["plain", "S256"]),
            ],
        ),
    ];
    assert_eq!(cases.len(), Persona::ALL.len());
    for (persona, metadata_path, facts) in cases {
        let idp = idp(persona);
        assert_eq!(
            idp.config().metadata_url(),
            format!("{ORIGIN}{metadata_path}"),
            "{persona:?}"
        );
        let doc = discovery(&idp);
        for fact in facts {
            match fact {
                Issuer(path) => assert_eq!(doc["issuer"], format!("{ORIGIN}{path}"), "{persona:?}"),
                Path(member, path) => {
                    assert_eq!(
                        doc[member],
                        format!("{ORIGIN}{path}"),
                        "{persona:?} {member}"
                    );
                }
                Absent(member) => assert!(doc.get(member).is_none(), "{persona:?} {member}"),
                List(member, list) => assert_eq!(doc[member], json!(list), "{persona:?} {member}"),
                True(member) => assert_eq!(doc[member], true, "{persona:?} {member}"),
            }
        }
    }
}

fn fixture(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/providers");
    let bytes = std::fs::read(path.join(file))
        .unwrap_or_else(|e| panic!("fixture {file} is readable: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{file} is JSON: {e}"))
}

/// A URL of a real document as the persona serves it: on the persona's origin, the path
/// with the real realm or pool name replaced by the persona's (`from`, `to`).
fn on_origin(value: &Value, (from, to): (&str, &str)) -> Value {
    let Some(url) = value.as_str() else {
        return Value::Null;
    };
    let path = url.split_once("://").map_or("", |(_, rest)| {
        rest.find('/').map_or("", |slash| &rest[slash..])
    });
    json!(format!("{ORIGIN}{}", path.replace(from, to)))
}

/// A persona and the real documents its shapes come from.
struct Capture {
    persona: Persona,
    /// The real discovery document's file name, without `.discovery.json`.
    discovery: &'static str,
    /// The real key set's, without `.jwks.json` (none captured for ZITADEL; `common`'s
    /// holds the personal-account keys of `consumers`).
    jwks: Option<&'static str>,
    /// The real document its scopes come from.
    scopes: &'static str,
    /// The real realm or pool name in paths, and the persona's.
    rename: (&'static str, &'static str),
}

const CAPTURES: [Capture; 10] = [
    Capture {
        persona: Persona::Google,
        discovery: "google",
        jwks: Some("google"),
        scopes: "google",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::EntraCommon,
        discovery: "entra-common",
        jwks: Some("entra-common"),
        scopes: "entra-common",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::EntraConsumers,
        discovery: "entra-consumers",
        jwks: Some("entra-common"),
        scopes: "entra-consumers",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::OktaCustom,
        discovery: "okta-custom-as",
        jwks: Some("okta-custom-as"),
        scopes: "okta-custom-as",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::Auth0,
        discovery: "auth0",
        jwks: Some("auth0"),
        scopes: "auth0",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::Keycloak,
        discovery: "keycloak",
        jwks: Some("keycloak"),
        scopes: "keycloak-localhost-2022",
        rename: ("pid-issuer-realm", "doorman"),
    },
    Capture {
        persona: Persona::Cognito,
        discovery: "cognito",
        jwks: Some("cognito"),
        scopes: "cognito",
        rename: ("us-east-1_4OqDoWVrZ", "us-east-1_example"),
    },
    Capture {
        persona: Persona::Apple,
        discovery: "apple",
        jwks: Some("apple"),
        scopes: "apple",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::Zitadel,
        discovery: "zitadel",
        jwks: None,
        scopes: "zitadel",
        rename: ("", ""),
    },
    Capture {
        persona: Persona::GitLab,
        discovery: "gitlab",
        jwks: Some("gitlab"),
        scopes: "gitlab",
        rename: ("", ""),
    },
];

#[test]
fn discovery_documents_have_the_captured_shapes() {
    for Capture {
        persona,
        discovery: real,
        scopes,
        rename,
        ..
    } in CAPTURES
    {
        let served = discovery(&idp(persona));
        let real = fixture(&format!("{real}.discovery.json"));
        for member in [
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "end_session_endpoint",
        ] {
            assert_eq!(
                served.get(member).cloned().unwrap_or(Value::Null),
                on_origin(&real[member], rename),
                "{persona:?} {member}"
            );
        }
        for member in [
            "id_token_signing_alg_values_supported",
            "token_endpoint_auth_methods_supported",
            "code_challenge_methods_supported",
            "authorization_response_iss_parameter_supported",
            "response_types_supported",
            "subject_types_supported",
        ] {
            assert_eq!(served.get(member), real.get(member), "{persona:?} {member}");
        }
        assert_eq!(
            served["scopes_supported"],
            fixture(&format!("{scopes}.discovery.json"))["scopes_supported"],
            "{persona:?}"
        );
    }
}

/// What a key looks like, its numbers and id aside: type, use, `alg`, and its issuer's path.
fn key_shape(key: &Value) -> Value {
    json!([
        key["kty"],
        key["use"],
        key.get("alg"),
        key.get("issuer").map(|issuer| on_origin(issuer, ("", "")))
    ])
}

#[test]
fn key_sets_have_the_captured_shapes() {
    for Capture { persona, jwks, .. } in CAPTURES {
        let Some(real) = jwks else { continue };
        let idp = idp(persona);
        let jwks_uri = discovery(&idp)["jwks_uri"].clone();
        let served = json_of(&get(&idp, jwks_uri.as_str().expect("jwks_uri"), None));
        let real = fixture(&format!("{real}.jwks.json"));
        let real_shapes: Vec<Value> = real["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(key_shape)
            .collect();
        for key in served["keys"].as_array().expect("keys") {
            let shape = key_shape(key);
            assert!(
                real_shapes.contains(&shape),
                "{persona:?}: {shape} is not among {real_shapes:?}"
            );
        }
    }
}

#[test]
fn every_url_is_on_the_own_origin_and_every_endpoint_answers() {
    for persona in Persona::ALL {
        let idp = idp(persona);
        let doc = discovery(&idp);
        for (member, value) in doc.as_object().expect("object") {
            if let Some(url) = value.as_str().filter(|v| v.starts_with("http")) {
                assert!(url.starts_with(ORIGIN), "{persona:?} {member}: {url}");
            }
        }
        // The metadata URL implies the issuer (Discovery §4), but for Entra's documented shapes.
        let issuer = doc["issuer"].as_str().expect("issuer");
        if !matches!(persona, Persona::EntraCommon | Persona::EntraConsumers) {
            assert_eq!(
                idp.config().metadata_url(),
                format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                ),
                "{persona:?}"
            );
        }
        assert_eq!(issuer, idp.config().issuer_str(), "{persona:?}");
        let jwks = get(&idp, doc["jwks_uri"].as_str().expect("jwks_uri"), None);
        assert_eq!(jwks.status(), StatusCode::OK, "{persona:?}");
        // The own paths of the development provider are not served.
        assert_eq!(
            get(&idp, &format!("{ORIGIN}/jwks"), None).status(),
            StatusCode::NOT_FOUND,
            "{persona:?}"
        );
    }
}

#[test]
fn key_sets_are_shaped_like_the_real_ones() {
    for persona in Persona::ALL {
        let idp = idp(persona);
        let doc = discovery(&idp);
        let jwks = json_of(&get(
            &idp,
            doc["jwks_uri"].as_str().expect("jwks_uri"),
            None,
        ));
        let keys = jwks["keys"].as_array().expect("keys");
        let signing: Vec<&Value> = keys.iter().filter(|k| k["use"] == "sig").collect();
        assert!(!signing.is_empty(), "{persona:?}");
        assert!(
            keys.iter().all(|k| k["kty"] == "RSA"),
            "{persona:?}: RSA only, no EC key"
        );
        match persona {
            Persona::EntraCommon => {
                assert!(keys.iter().all(|k| k.get("alg").is_none()), "no alg");
                assert_eq!(keys[0]["issuer"], format!("{ORIGIN}/{{tenantid}}/v2.0"));
                assert_eq!(
                    keys[1]["issuer"],
                    format!("{ORIGIN}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
                );
            }
            Persona::EntraConsumers => {
                assert!(keys.iter().all(|k| k.get("alg").is_none()), "no alg");
                assert_eq!(
                    keys[0]["issuer"],
                    format!("{ORIGIN}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
                );
            }
            Persona::Keycloak => {
                let enc: Vec<&Value> = keys.iter().filter(|k| k["use"] == "enc").collect();
                assert_eq!(enc.len(), 1);
                assert_eq!(enc[0]["alg"], "RSA-OAEP");
                assert_ne!(enc[0]["kid"], signing[0]["kid"]);
            }
            Persona::Cognito => {
                let kid = signing[0]["kid"].as_str().expect("kid");
                assert!(['+', '/', '='].iter().all(|c| kid.contains(*c)), "{kid}");
            }
            _ => assert!(signing.iter().all(|k| k["alg"] == "RS256"), "{persona:?}"),
        }
    }
}

#[test]
fn the_token_endpoint_accepts_only_the_listed_client_authentication() {
    for persona in Persona::ALL {
        let listed = discovery(&idp(persona))["token_endpoint_auth_methods_supported"].clone();
        for auth in [Auth::Basic, Auth::Post, Auth::None] {
            let response = token(&idp(persona), auth);
            let is_listed = listed
                .as_array()
                .expect("list")
                .iter()
                .any(|m| m == auth.name());
            // `none` is listed for public clients; `app` is confidential and must authenticate.
            let expected = if is_listed && !matches!(auth, Auth::None) {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(response.status(), expected, "{persona:?} {auth:?}");
            if expected == StatusCode::UNAUTHORIZED {
                assert_eq!(json_of(&response)["error"], "invalid_client");
            }
        }
    }
}

#[test]
fn apple_refuses_client_secret_basic_and_says_why() {
    let response = token(&idp(Persona::Apple), Auth::Basic);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(&response);
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("client_secret_basic")),
        "{body}"
    );
}

/// What a persona's ID token or userinfo holds (JSON pointers and values) and lacks.
struct Claims {
    holds: Vec<(&'static str, Value)>,
    lacks: &'static [&'static str],
}

impl Claims {
    fn check(&self, persona: Persona, claims: &Value) {
        for (pointer, value) in &self.holds {
            assert_eq!(
                claims.pointer(pointer),
                Some(value),
                "{persona:?} {pointer}"
            );
        }
        for claim in self.lacks {
            assert!(claims.get(claim).is_none(), "{persona:?} {claim}");
        }
    }
}

#[test]
fn id_tokens_verify_with_the_key_set_and_have_the_real_claim_shapes() {
    let tenant_iss = |tid: &str| format!("{ORIGIN}/{tid}/v2.0");
    let consumers = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let cases: [(Persona, String, Claims); 10] = [
        (
            Persona::Google,
            ORIGIN.to_owned(),
            Claims {
                holds: vec![("/azp", json!("app")), ("/email_verified", json!(true))],
                lacks: &["auth_time"],
            },
        ),
        (
            Persona::EntraCommon,
            tenant_iss("5b7c1a3e-9d2f-4e8a-b6c4-0f1e2d3c4b5a"),
            Claims {
                holds: vec![
                    ("/tid", json!("5b7c1a3e-9d2f-4e8a-b6c4-0f1e2d3c4b5a")),
                    ("/oid", json!("2d8f5a1c-3b4e-4f6a-9c7d-1e2f3a4b5c6d")),
                    ("/ver", json!("2.0")),
                ],
                lacks: &["email_verified", "azp"],
            },
        ),
        (
            Persona::EntraConsumers,
            tenant_iss(consumers),
            Claims {
                holds: vec![("/tid", json!(consumers))],
                lacks: &["email_verified"],
            },
        ),
        (
            Persona::OktaCustom,
            format!("{ORIGIN}/oauth2/default"),
            Claims {
                holds: vec![("/ver", json!(1)), ("/amr", json!(["pwd"]))],
                lacks: &["azp", "email_verified"],
            },
        ),
        (
            Persona::Auth0,
            format!("{ORIGIN}/"),
            Claims {
                holds: vec![
                    ("/sub", json!("auth0|65f1c2d3e4a5b6c7d8e9f0a1")),
                    ("/updated_at", json!("2026-06-13T13:48:21.609Z")),
                ],
                lacks: &["azp"],
            },
        ),
        (
            Persona::Keycloak,
            format!("{ORIGIN}/realms/doorman"),
            Claims {
                holds: vec![
                    ("/typ", json!("ID")),
                    ("/azp", json!("app")),
                    ("/email_verified", json!(false)),
                    ("/realm_access/roles/3", json!("admin")),
                ],
                lacks: &[],
            },
        ),
        (
            Persona::Cognito,
            format!("{ORIGIN}/us-east-1_example"),
            Claims {
                holds: vec![
                    ("/token_use", json!("id")),
                    ("/cognito:username", json!("ada")),
                    ("/cognito:groups", json!(["admins", "engineering"])),
                    ("/custom:employee_id", json!("1815")),
                    ("/custom:is_admin", json!("true")),
                ],
                lacks: &[],
            },
        ),
        (
            Persona::Apple,
            ORIGIN.to_owned(),
            Claims {
                holds: vec![
                    ("/email_verified", json!("true")),
                    ("/is_private_email", json!("true")),
                    ("/nonce_supported", json!(true)),
                ],
                lacks: &["name", "azp"],
            },
        ),
        (
            Persona::Zitadel,
            ORIGIN.to_owned(),
            Claims {
                holds: vec![
                    ("/aud", json!(["app", "294851601827201537"])),
                    ("/azp", json!("app")),
                    ("/updated_at", json!(1_764_521_810)),
                ],
                lacks: &[],
            },
        ),
        (
            Persona::GitLab,
            ORIGIN.to_owned(),
            Claims {
                holds: vec![("/groups", json!(["doorman-rs", "doorman-rs/core"]))],
                lacks: &["azp"],
            },
        ),
    ];
    for (persona, iss, shape) in cases {
        let idp = idp(persona);
        let method = if persona == Persona::Apple {
            Auth::Post
        } else {
            Auth::Basic
        };
        let response = token(&idp, method);
        assert_eq!(response.status(), StatusCode::OK, "{persona:?}");
        let claims = verified_claims(&idp, &response, &iss);
        assert_eq!(claims["nonce"], "n-1", "{persona:?}");
        shape.check(persona, &claims);
        if let Some(at_hash) = claims.get("at_hash") {
            let access_token = json_of(&response)["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned();
            let digest = sha2::Sha256::digest(access_token.as_bytes());
            assert_eq!(at_hash, &json!(URL_SAFE_NO_PAD.encode(&digest[..16])));
        }
    }
}

/// The JSON type of a claim.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn id_tokens_have_the_claims_of_the_captured_ones_with_their_types() {
    // Each persona, a real decoded ID token (file and pointer to its payload), and the real
    // claims it leaves out.
    let cases: [(Persona, &str, &str, &[&str]); 8] = [
        (
            Persona::Google,
            "google.id_token_claims.json",
            "/example_2023/payload",
            &[],
        ),
        (
            Persona::EntraCommon,
            "entra-consumers.id_token_claims.json",
            "/app1",
            &["aio"],
        ),
        (
            Persona::EntraConsumers,
            "entra-consumers.id_token_claims.json",
            "/app1",
            &["aio"],
        ),
        (
            Persona::OktaCustom,
            "okta-custom-as.id_token_claims.json",
            "/id_token/payload",
            &[],
        ),
        (
            Persona::Auth0,
            "auth0.id_token_claims.json",
            "/payload",
            &["locale"],
        ),
        (
            Persona::Keycloak,
            "keycloak.id_token_claims.json",
            "/payload",
            &[
                "session_state",
                "upn",
                "resource_access",
                "address",
                "groups",
            ],
        ),
        (
            Persona::Cognito,
            "cognito.id_token_claims.json",
            "/payload",
            &[],
        ),
        (
            Persona::Apple,
            "apple.id_token_claims.json",
            "/payload",
            &[],
        ),
    ];
    for (persona, file, pointer, left_out) in cases {
        let idp = idp(persona);
        let method = if persona == Persona::Apple {
            Auth::Post
        } else {
            Auth::Basic
        };
        let id_token = json_of(&token(&idp, method))["id_token"]
            .as_str()
            .expect("id_token")
            .to_owned();
        let payload = id_token.split('.').nth(1).expect("payload");
        let served: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64"))
                .expect("json");
        let real = fixture(file);
        let real = real
            .pointer(pointer)
            .and_then(Value::as_object)
            .expect("payload");
        for (claim, value) in real {
            match served.get(claim) {
                Some(ours) => assert_eq!(kind(ours), kind(value), "{persona:?} {claim}"),
                None => assert!(
                    left_out.contains(&claim.as_str()),
                    "{persona:?} lacks {claim}"
                ),
            }
        }
    }
}

#[test]
fn userinfo_is_where_the_real_one_is_and_leaves_out_what_it_does() {
    let cases: [(Persona, Claims); 3] = [
        (
            Persona::EntraCommon,
            Claims {
                holds: vec![("/email", json!("ada@example.com"))],
                lacks: &["tid", "oid", "email_verified"],
            },
        ),
        (
            Persona::Auth0,
            Claims {
                holds: vec![("/updated_at", json!("2026-06-13T13:48:21.609Z"))],
                lacks: &[],
            },
        ),
        (
            Persona::Cognito,
            Claims {
                holds: vec![("/cognito:groups", json!(["admins", "engineering"]))],
                lacks: &[],
            },
        ),
    ];
    for (persona, shape) in cases {
        let idp = idp(persona);
        let access_token = json_of(&token(&idp, Auth::Basic))["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        let url = discovery(&idp)["userinfo_endpoint"]
            .as_str()
            .expect("userinfo_endpoint")
            .to_owned();
        let response = get(&idp, &url, Some(&access_token));
        assert_eq!(response.status(), StatusCode::OK, "{persona:?}");
        let claims = json_of(&response);
        assert_eq!(claims["sub"], idp.config().users[0].sub.as_str());
        shape.check(persona, &claims);
    }
}

#[test]
fn apple_has_no_userinfo_and_no_logout() {
    let idp = idp(Persona::Apple);
    for path in ["/userinfo", "/end_session", "/auth/userinfo"] {
        assert_eq!(
            get(&idp, &format!("{ORIGIN}{path}"), None).status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[test]
fn rfc_9207_iss_comes_back_only_where_advertised() {
    for persona in Persona::ALL {
        let idp = idp(persona);
        let doc = discovery(&idp);
        let url = format!(
            "{}?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=st",
            doc["authorization_endpoint"]
                .as_str()
                .expect("authorization_endpoint"),
            urlencode(REDIRECT)
        );
        let back = get(&idp, &url, None).headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let iss = Url::parse(&back)
            .expect("url")
            .query_pairs()
            .find(|(k, _)| k == "iss")
            .map(|(_, v)| v.into_owned());
        let advertised = doc["authorization_response_iss_parameter_supported"] == true;
        assert_eq!(
            iss.as_deref(),
            advertised.then_some(doc["issuer"].as_str().expect("issuer")),
            "{persona:?}"
        );
    }
}

#[test]
fn the_login_page_posts_next_to_the_authorization_endpoint() {
    let config = DevIdpConfig::new(Url::parse(ORIGIN).expect("url"))
        .with_client(RegisteredClient {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: Vec::new(),
        })
        .with_persona(Persona::Google);
    let idp = DevIdp::new(config);
    let query = format!(
        "response_type=code&client_id=app&redirect_uri={}&scope=openid&state=st",
        urlencode(REDIRECT)
    );
    let page = get(&idp, &format!("{ORIGIN}/o/oauth2/v2/auth?{query}"), None);
    let html = String::from_utf8(page.body().clone()).expect("utf-8");
    assert!(html.contains(r#"action="auth/decide""#), "{html}");
    let sub = &idp.config().users[1].sub;
    let decided = get(
        &idp,
        &format!("{ORIGIN}/o/oauth2/v2/auth/decide?user={sub}&{query}"),
        None,
    );
    assert_eq!(decided.status(), StatusCode::FOUND);
    assert!(
        decided.headers()["location"]
            .to_str()
            .expect("ascii")
            .contains("code=")
    );
}

#[test]
fn misbehaviors_still_apply_to_a_persona() {
    let idp = idp(Persona::Auth0);
    idp.misbehave(Misbehavior::DiscoveryIssuerMismatch);
    idp.misbehave(Misbehavior::PkceNotAdvertised);
    let doc = discovery(&idp);
    assert_eq!(doc["issuer"], format!("{ORIGIN}/other"));
    assert!(doc.get("code_challenge_methods_supported").is_none());
    idp.behave();
    idp.misbehave(Misbehavior::WrongIssuer);
    let response = token(&idp, Auth::Basic);
    let id_token = json_of(&response)["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned();
    let payload = id_token.split('.').nth(1).expect("payload");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json");
    assert_eq!(claims["iss"], "https://evil.example");
}

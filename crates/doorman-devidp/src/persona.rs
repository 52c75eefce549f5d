//! [`Persona`]: a real provider's shapes, for the development provider to take on.
//!
//! A persona says where the metadata is and what it announces (the issuer's form, trailing
//! slash included; endpoints on the real paths, which are not the issuer's; the real
//! algorithm, client-authentication, PKCE and RFC 9207 lists; logout or none), how the key
//! set looks (keys without `alg`, an encryption key beside the signing key, odd key ids,
//! Entra's per-key issuer), and how ID tokens and userinfo carry the user (claim names and
//! JSON types as the provider sends them). Each shape is taken from the captured discovery
//! documents, key sets and decoded ID tokens in `tests/data/providers/`, whose README gives
//! their sources; every URL is on the development provider's own loopback origin, and the
//! keys are its test keys.
//!
//! [`Persona::GitHub`] is a plain OAuth 2.0 provider: no discovery, no keys, no ID token; its
//! endpoints are in `github.rs`.

use serde_json::{Map, Value, json};

use crate::config::TestUser;

/// Where Entra's multi-tenant issuer template puts the tenant id.
pub(crate) const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The tenant of Microsoft personal accounts.
const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// A real provider whose shapes the development provider takes on
/// ([`crate::DevIdpConfig::with_persona`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Persona {
    /// Google: issuer the bare origin; endpoints on Google's paths (`/o/oauth2/v2/auth`,
    /// `/token`, `/v1/userinfo`, `/oauth2/v3/certs`); no `end_session_endpoint`; `plain` and
    /// `S256` PKCE; `azp` and `at_hash` in ID tokens.
    Google,
    /// Microsoft Entra ID's multi-tenant `common` metadata
    /// (`/common/v2.0/.well-known/openid-configuration`): the issuer announced as the literal
    /// template `{origin}/{tenantid}/v2.0`, each token's `iss` with its own `tid` put in;
    /// keys without `alg` and with a per-key `issuer` (a personal-account key beside the
    /// tenant one); PKCE not advertised though accepted; userinfo on `/oidc/userinfo`, which
    /// leaves `tid`, `oid` and `groups` out; no `email_verified`. Ada is a work account,
    /// Alan a personal one.
    EntraCommon,
    /// Microsoft Entra ID's `consumers` metadata
    /// (`/consumers/v2.0/.well-known/openid-configuration`): the personal-account tenant's
    /// fixed issuer, `{origin}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`; otherwise as
    /// [`Persona::EntraCommon`].
    EntraConsumers,
    /// Okta's custom authorization server `default`: issuer `{origin}/oauth2/default`,
    /// endpoints under `/oauth2/default/v1/`; `S256` PKCE; `sub` an Okta user id, `ver`,
    /// `amr`, `idp`, `jti` and `at_hash` in ID tokens.
    OktaCustom,
    /// Auth0: the issuer ends with `/`; HS256 listed first among the ID-token algorithms
    /// (tokens are RS256); `sub` is `connection|id` (`auth0|…`, `google-oauth2|…`);
    /// `updated_at` an ISO-8601 string.
    Auth0,
    /// Keycloak: issuer `{origin}/realms/doorman`, endpoints under
    /// `/realms/doorman/protocol/openid-connect/`; RFC 9207 `iss` advertised and sent; a
    /// `use: enc` RSA-OAEP key beside the signing key; `typ: "ID"`, `azp` and
    /// `realm_access.roles` in ID tokens; Ada's `email_verified` is `false`.
    Keycloak,
    /// Amazon Cognito: issuer `{origin}/us-east-1_example` (the user pool), authorize, token
    /// and userinfo under `/oauth2/` (the hosted domain's paths); key ids with `+`, `/` and
    /// `=`; no PKCE advertised, no `end_session_endpoint`; `token_use`, `cognito:username`,
    /// `cognito:groups` and string `custom:` attributes in ID tokens.
    Cognito,
    /// Sign in with Apple: only `client_secret_post` listed, and the token endpoint refuses
    /// any other client authentication; no userinfo and no `end_session_endpoint`;
    /// `email_verified` and `is_private_email` as the strings `"true"`/`"false"`; no name.
    Apple,
    /// ZITADEL: `none` first among the client-authentication methods; ID tokens with `aud`
    /// the client id and the project id, and `azp` the client id; a numeric `updated_at`.
    Zitadel,
    /// GitLab.com: endpoints under `/oauth/`; no `end_session_endpoint`; API scopes listed
    /// among the OpenID ones; `groups`, `groups_direct` and `sub_legacy` claims.
    GitLab,
    /// GitHub, a plain OAuth 2.0 provider: no discovery document, no key set, no ID token.
    /// `/login/oauth/authorize` (`state`, S256 PKCE only, any `scope`, `login` as the user
    /// hint; a denial comes back as `error=access_denied`), `/login/oauth/access_token`
    /// (the client's id and secret in the form or HTTP Basic; an opaque `gho_` token; the
    /// answer form-encoded unless the request accepts `application/json`, errors such as
    /// `bad_verification_code` with status 200), and the API: `/user` and `/user/emails`,
    /// which need `Authorization: Bearer` (or `token`) and a `User-Agent` (403 without one);
    /// `/user/emails` needs the `user:email` or `user` scope (404 without). Ada has a public
    /// email; Alan has no name and a private email (`email: null`), his primary verified
    /// address only in `/user/emails`. A user's `emails` claim is what `/user/emails` lists
    /// and is left out of `/user`.
    GitHub,
}

/// What a persona's metadata announces and where it serves each endpoint: paths on the
/// provider's origin.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The metadata document's path.
    pub(crate) metadata: &'static str,
    /// The issuer after the origin (empty: the origin itself); may hold
    /// [`TENANT_PLACEHOLDER`].
    pub(crate) issuer: &'static str,
    pub(crate) authorization: &'static str,
    pub(crate) token: &'static str,
    pub(crate) userinfo: Option<&'static str>,
    pub(crate) jwks: &'static str,
    pub(crate) end_session: Option<&'static str>,
    pub(crate) response_types: &'static [&'static str],
    pub(crate) subject_types: &'static [&'static str],
    pub(crate) scopes: &'static [&'static str],
    /// `id_token_signing_alg_values_supported`, in the provider's order.
    pub(crate) algorithms: &'static [&'static str],
    /// `token_endpoint_auth_methods_supported`, in the provider's order; the token endpoint
    /// refuses the methods it does not list.
    pub(crate) auth_methods: &'static [&'static str],
    /// `code_challenge_methods_supported`; `None`: not advertised (S256 is still accepted).
    pub(crate) pkce: Option<&'static [&'static str]>,
    /// RFC 9207: `authorization_response_iss_parameter_supported`, and `iss` on callbacks.
    pub(crate) iss_parameter: bool,
    pub(crate) keys: KeyShape,
    /// ID-token claims besides `iss`, `sub`, `aud`, `exp`, `iat`, `nonce` and the user's.
    pub(crate) stamps: &'static [Stamp],
    /// User claims that userinfo leaves out.
    pub(crate) userinfo_omits: &'static [&'static str],
}

/// How a persona's key set lists its keys.
#[derive(Debug)]
pub(crate) struct KeyShape {
    /// Whether keys name their `alg` (Entra's do not).
    pub(crate) alg: bool,
    /// Appended to each key's id (Cognito's ids are base64 with `+`, `/` and `=`).
    pub(crate) kid_suffix: &'static str,
    /// The issuer each signing key names, after the origin (Entra's per-key `issuer`).
    pub(crate) issuer: Option<&'static str>,
    /// Another key listed beside the signing key; it signs nothing.
    pub(crate) beside: Option<Beside>,
}

/// A key listed beside the signing key, made from the next test key.
#[derive(Debug)]
pub(crate) struct Beside {
    /// Appended to the key's id after [`KeyShape::kid_suffix`].
    pub(crate) kid_suffix: &'static str,
    /// `use`.
    pub(crate) key_use: &'static str,
    /// `alg`, or none.
    pub(crate) alg: Option<&'static str>,
    /// `issuer` after the origin, or none.
    pub(crate) issuer: Option<&'static str>,
}

/// A claim a persona's ID tokens carry besides the user's own.
#[derive(Debug)]
pub(crate) enum Stamp {
    /// `azp`: the client id.
    Azp,
    /// `aud` as a list: the client id and this audience (ZITADEL's project id).
    AlsoAudience(&'static str),
    /// `at_hash`: the left half of the access token's SHA-256, base64url.
    AtHash,
    /// `c_hash`: the left half of the code's SHA-256, base64url (when a code was redeemed).
    CHash,
    /// `auth_time`: when the user authenticated (a refresh keeps the login's).
    AuthTime,
    /// `nbf`: now.
    NotBefore,
    /// A fresh unique id after a prefix (`jti`).
    Fresh(&'static str, &'static str),
    /// A fixed string.
    Text(&'static str, &'static str),
    /// A fixed number.
    Number(&'static str, i64),
    /// A fixed boolean.
    Flag(&'static str, bool),
    /// A fixed list of strings.
    Texts(&'static str, &'static [&'static str]),
}

const SIGNING: KeyShape = KeyShape {
    alg: true,
    kid_suffix: "",
    issuer: None,
    beside: None,
};

const ENTRA_COMMON_ISSUER: &str = "/{tenantid}/v2.0";
const ENTRA_CONSUMERS_ISSUER: &str = "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
const ENTRA_RESPONSE_TYPES: &[&str] = &["code", "id_token", "code id_token", "id_token token"];
const ENTRA_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
const ENTRA_AUTH_METHODS: &[&str] = &[
    "client_secret_post",
    "private_key_jwt",
    "client_secret_basic",
];
const ENTRA_STAMPS: &[Stamp] = &[Stamp::NotBefore, Stamp::Text("ver", "2.0")];
const ENTRA_USERINFO_OMITS: &[&str] = &["tid", "oid", "groups"];

const GOOGLE: Shape = Shape {
    metadata: "/.well-known/openid-configuration",
    issuer: "",
    authorization: "/o/oauth2/v2/auth",
    token: "/token",
    userinfo: Some("/v1/userinfo"),
    jwks: "/oauth2/v3/certs",
    end_session: None,
    response_types: &[
        "code",
        "token",
        "id_token",
        "code token",
        "code id_token",
        "token id_token",
        "code token id_token",
        "none",
    ],
    subject_types: &["public"],
    scopes: &["openid", "email", "profile"],
    algorithms: &["RS256"],
    auth_methods: &["client_secret_post", "client_secret_basic"],
    pkce: Some(&["plain", "S256"]),
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[Stamp::Azp, Stamp::AtHash],
    userinfo_omits: &[],
};

const ENTRA_COMMON: Shape = Shape {
    metadata: "/common/v2.0/.well-known/openid-configuration",
    issuer: ENTRA_COMMON_ISSUER,
    authorization: "/common/oauth2/v2.0/authorize",
    token: "/common/oauth2/v2.0/token",
    userinfo: Some("/oidc/userinfo"),
    jwks: "/common/discovery/v2.0/keys",
    end_session: Some("/common/oauth2/v2.0/logout"),
    response_types: ENTRA_RESPONSE_TYPES,
    subject_types: &["pairwise"],
    scopes: ENTRA_SCOPES,
    algorithms: &["RS256"],
    auth_methods: ENTRA_AUTH_METHODS,
    pkce: None,
    iss_parameter: false,
    keys: KeyShape {
        alg: false,
        kid_suffix: "",
        issuer: Some(ENTRA_COMMON_ISSUER),
        beside: Some(Beside {
            kid_suffix: "-msa",
            key_use: "sig",
            alg: None,
            issuer: Some(ENTRA_CONSUMERS_ISSUER),
        }),
    },
    stamps: ENTRA_STAMPS,
    userinfo_omits: ENTRA_USERINFO_OMITS,
};

const ENTRA_CONSUMERS: Shape = Shape {
    metadata: "/consumers/v2.0/.well-known/openid-configuration",
    issuer: ENTRA_CONSUMERS_ISSUER,
    authorization: "/consumers/oauth2/v2.0/authorize",
    token: "/consumers/oauth2/v2.0/token",
    userinfo: Some("/oidc/userinfo"),
    jwks: "/consumers/discovery/v2.0/keys",
    end_session: Some("/consumers/oauth2/v2.0/logout"),
    response_types: ENTRA_RESPONSE_TYPES,
    subject_types: &["pairwise"],
    scopes: ENTRA_SCOPES,
    algorithms: &["RS256"],
    auth_methods: ENTRA_AUTH_METHODS,
    pkce: None,
    iss_parameter: false,
    keys: KeyShape {
        alg: false,
        kid_suffix: "",
        issuer: Some(ENTRA_CONSUMERS_ISSUER),
        beside: None,
    },
    stamps: ENTRA_STAMPS,
    userinfo_omits: ENTRA_USERINFO_OMITS,
};

const OKTA_CUSTOM: Shape = Shape {
    metadata: "/oauth2/default/.well-known/openid-configuration",
    issuer: "/oauth2/default",
    authorization: "/oauth2/default/v1/authorize",
    token: "/oauth2/default/v1/token",
    userinfo: Some("/oauth2/default/v1/userinfo"),
    jwks: "/oauth2/default/v1/keys",
    end_session: Some("/oauth2/default/v1/logout"),
    response_types: &[
        "code",
        "id_token",
        "code id_token",
        "code token",
        "id_token token",
        "code id_token token",
    ],
    subject_types: &["public"],
    scopes: &[
        "openid",
        "profile",
        "email",
        "address",
        "phone",
        "offline_access",
        "device_sso",
    ],
    algorithms: &["RS256"],
    auth_methods: &[
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "none",
    ],
    pkce: Some(&["S256"]),
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[
        Stamp::Number("ver", 1),
        Stamp::Fresh("jti", "ID."),
        Stamp::Texts("amr", &["pwd"]),
        Stamp::Text("idp", "00o9dr3kv0HjKe6Ax5d7"),
        Stamp::AuthTime,
        Stamp::AtHash,
    ],
    userinfo_omits: &[],
};

const AUTH0: Shape = Shape {
    metadata: "/.well-known/openid-configuration",
    issuer: "/",
    authorization: "/authorize",
    token: "/oauth/token",
    userinfo: Some("/userinfo"),
    jwks: "/.well-known/jwks.json",
    end_session: Some("/oidc/logout"),
    response_types: &[
        "code",
        "token",
        "id_token",
        "code token",
        "code id_token",
        "token id_token",
        "code token id_token",
    ],
    subject_types: &["public"],
    scopes: &[
        "openid",
        "profile",
        "offline_access",
        "name",
        "given_name",
        "family_name",
        "nickname",
        "email",
        "email_verified",
        "picture",
        "created_at",
        "identities",
        "phone",
        "address",
    ],
    algorithms: &["HS256", "RS256", "PS256"],
    auth_methods: &[
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ],
    pkce: Some(&["S256", "plain"]),
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[Stamp::AtHash],
    userinfo_omits: &[],
};

const KEYCLOAK: Shape = Shape {
    metadata: "/realms/doorman/.well-known/openid-configuration",
    issuer: "/realms/doorman",
    authorization: "/realms/doorman/protocol/openid-connect/auth",
    token: "/realms/doorman/protocol/openid-connect/token",
    userinfo: Some("/realms/doorman/protocol/openid-connect/userinfo"),
    jwks: "/realms/doorman/protocol/openid-connect/certs",
    end_session: Some("/realms/doorman/protocol/openid-connect/logout"),
    response_types: &[
        "code",
        "none",
        "id_token",
        "token",
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
    ],
    subject_types: &["public", "pairwise"],
    scopes: &[
        "openid",
        "phone",
        "acr",
        "microprofile-jwt",
        "email",
        "profile",
        "web-origins",
        "offline_access",
        "address",
        "roles",
    ],
    algorithms: &[
        "PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256",
        "PS512", "RS512",
    ],
    auth_methods: &[
        "private_key_jwt",
        "client_secret_basic",
        "client_secret_post",
        "tls_client_auth",
        "client_secret_jwt",
    ],
    pkce: Some(&["plain", "S256"]),
    iss_parameter: true,
    keys: KeyShape {
        alg: true,
        kid_suffix: "",
        issuer: None,
        beside: Some(Beside {
            kid_suffix: "-enc",
            key_use: "enc",
            alg: Some("RSA-OAEP"),
            issuer: None,
        }),
    },
    stamps: &[
        Stamp::AuthTime,
        Stamp::Fresh("jti", ""),
        Stamp::Text("typ", "ID"),
        Stamp::Azp,
        Stamp::Fresh("sid", ""),
        Stamp::AtHash,
        Stamp::Text("acr", "1"),
    ],
    userinfo_omits: &[],
};

const COGNITO: Shape = Shape {
    metadata: "/us-east-1_example/.well-known/openid-configuration",
    issuer: "/us-east-1_example",
    authorization: "/oauth2/authorize",
    token: "/oauth2/token",
    userinfo: Some("/oauth2/userInfo"),
    jwks: "/us-east-1_example/.well-known/jwks.json",
    end_session: None,
    response_types: &["code", "token"],
    subject_types: &["public"],
    scopes: &["openid", "email", "phone", "profile"],
    algorithms: &["RS256"],
    auth_methods: &["client_secret_basic", "client_secret_post"],
    pkce: None,
    iss_parameter: false,
    keys: KeyShape {
        alg: true,
        kid_suffix: "+Ff/zd4KHZfgc+RtmU/A2vHhgITI=",
        issuer: None,
        beside: None,
    },
    stamps: &[
        Stamp::Text("token_use", "id"),
        Stamp::AuthTime,
        Stamp::Fresh("jti", ""),
        Stamp::Fresh("origin_jti", ""),
    ],
    userinfo_omits: &[],
};

const APPLE: Shape = Shape {
    metadata: "/.well-known/openid-configuration",
    issuer: "",
    authorization: "/auth/authorize",
    token: "/auth/token",
    userinfo: None,
    jwks: "/auth/keys",
    end_session: None,
    response_types: &["code"],
    subject_types: &["pairwise"],
    scopes: &["openid", "email", "name"],
    algorithms: &["RS256"],
    auth_methods: &["client_secret_post"],
    pkce: None,
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[
        Stamp::CHash,
        Stamp::AuthTime,
        Stamp::Flag("nonce_supported", true),
    ],
    userinfo_omits: &[],
};

const ZITADEL: Shape = Shape {
    metadata: "/.well-known/openid-configuration",
    issuer: "",
    authorization: "/oauth/v2/authorize",
    token: "/oauth/v2/token",
    userinfo: Some("/oidc/v1/userinfo"),
    jwks: "/oauth/v2/keys",
    end_session: Some("/oidc/v1/end_session"),
    response_types: &["code", "id_token", "id_token token"],
    subject_types: &["public"],
    scopes: &[
        "openid",
        "profile",
        "email",
        "phone",
        "address",
        "offline_access",
    ],
    algorithms: &["RS256"],
    auth_methods: &[
        "none",
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ],
    pkce: Some(&["S256"]),
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[
        Stamp::AlsoAudience("294851601827201537"),
        Stamp::Azp,
        Stamp::AuthTime,
        Stamp::Texts("amr", &["pwd"]),
        Stamp::AtHash,
    ],
    userinfo_omits: &[],
};

const GITLAB: Shape = Shape {
    metadata: "/.well-known/openid-configuration",
    issuer: "",
    authorization: "/oauth/authorize",
    token: "/oauth/token",
    userinfo: Some("/oauth/userinfo"),
    jwks: "/oauth/discovery/keys",
    end_session: None,
    response_types: &["code"],
    subject_types: &["public"],
    scopes: &[
        "api",
        "read_api",
        "read_user",
        "create_runner",
        "manage_runner",
        "k8s_proxy",
        "read_repository",
        "write_repository",
        "read_registry",
        "write_registry",
        "read_observability",
        "write_observability",
        "ai_features",
        "sudo",
        "admin_mode",
        "read_service_ping",
        "openid",
        "profile",
        "email",
        "ai_workflows",
    ],
    algorithms: &["RS256"],
    auth_methods: &["client_secret_basic", "client_secret_post"],
    pkce: Some(&["plain", "S256"]),
    iss_parameter: false,
    keys: SIGNING,
    stamps: &[Stamp::AuthTime],
    userinfo_omits: &[],
};

/// A test user from a JSON object of claims.
fn user(sub: &str, claims: &Value) -> TestUser {
    TestUser {
        sub: sub.to_owned(),
        claims: claims.as_object().cloned().unwrap_or_default(),
    }
}

/// A GitHub user as `/user` answers it (the fields of GitHub's "authenticated user" object,
/// the URL templates shortened), with `emails`: what `/user/emails` lists.
fn github_user(
    id: u64,
    login: &str,
    name: Option<&str>,
    email: Option<&str>,
    emails: &Value,
) -> TestUser {
    let api = "https://api.github.com/users";
    user(
        &id.to_string(),
        &json!({
            "login": login,
            "id": id,
            "node_id": format!("MDQ6VXNlcj{id}"),
            "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
            "gravatar_id": "",
            "url": format!("{api}/{login}"),
            "html_url": format!("https://github.com/{login}"),
            "repos_url": format!("{api}/{login}/repos"),
            "type": "User",
            "user_view_type": "public",
            "site_admin": false,
            "name": name,
            "company": null,
            "blog": "",
            "location": null,
            "email": email,
            "hireable": null,
            "bio": null,
            "twitter_username": null,
            "public_repos": 12,
            "public_gists": 1,
            "followers": 34,
            "following": 5,
            "created_at": "2019-11-26T10:12:43Z",
            "updated_at": "2026-05-02T08:41:07Z",
            "emails": emails,
        }),
    )
}

impl Persona {
    /// Every OpenID Connect persona, for tests that go through them all ([`Persona::GitHub`],
    /// a plain OAuth 2.0 provider with no discovery, keys or ID tokens, is not among them).
    pub const ALL: [Self; 10] = [
        Self::Google,
        Self::EntraCommon,
        Self::EntraConsumers,
        Self::OktaCustom,
        Self::Auth0,
        Self::Keycloak,
        Self::Cognito,
        Self::Apple,
        Self::Zitadel,
        Self::GitLab,
    ];

    /// An OpenID persona's shape; `None` for the plain OAuth 2.0 [`Persona::GitHub`].
    pub(crate) fn shape(self) -> Option<&'static Shape> {
        Some(match self {
            Self::Google => &GOOGLE,
            Self::EntraCommon => &ENTRA_COMMON,
            Self::EntraConsumers => &ENTRA_CONSUMERS,
            Self::OktaCustom => &OKTA_CUSTOM,
            Self::Auth0 => &AUTH0,
            Self::Keycloak => &KEYCLOAK,
            Self::Cognito => &COGNITO,
            Self::Apple => &APPLE,
            Self::Zitadel => &ZITADEL,
            Self::GitLab => &GITLAB,
            Self::GitHub => return None,
        })
    }

    /// The path of the persona's metadata document on the provider's origin; `None` for
    /// [`Persona::GitHub`], which has none.
    #[must_use]
    pub fn metadata_path(self) -> Option<&'static str> {
        self.shape().map(|shape| shape.metadata)
    }

    /// Whether the persona is a plain OAuth 2.0 provider (no discovery, no ID token).
    #[must_use]
    pub fn is_plain_oauth2(self) -> bool {
        self.shape().is_none()
    }

    /// The persona's two test users, Ada and Alan, with the claims the real provider sends
    /// (names and types as it sends them).
    #[must_use]
    pub fn users(self) -> Vec<TestUser> {
        match self {
            Self::Google => vec![
                user(
                    "110248495921238986420",
                    &json!({
                        "email": "ada@example.com",
                        "email_verified": true,
                        "name": "Ada Lovelace",
                        "picture": "https://lh3.googleusercontent.com/a/ACg8ocAda=s96-c",
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                    }),
                ),
                user(
                    "117234098712345098765",
                    &json!({
                        "email": "alan@example.com",
                        "email_verified": true,
                        "name": "Alan Turing",
                        "given_name": "Alan",
                        "family_name": "Turing",
                    }),
                ),
            ],
            Self::EntraCommon => vec![
                user(
                    "AAAAAAAAAAAAAAAAAAAAAOq7MNdNHXxyO6RvuUCn3Aw",
                    &json!({
                        "name": "Ada Lovelace",
                        "preferred_username": "ada@example.com",
                        "email": "ada@example.com",
                        "oid": "2d8f5a1c-3b4e-4f6a-9c7d-1e2f3a4b5c6d",
                        "tid": "5b7c1a3e-9d2f-4e8a-b6c4-0f1e2d3c4b5a",
                    }),
                ),
                user(
                    "AAAAAAAAAAAAAAAAAAAAAHc2Vn8sKpQ4w-Jd1rXeZoA",
                    &json!({
                        "name": "Alan Turing",
                        "preferred_username": "alan@example.com",
                        "email": "alan@example.com",
                        "oid": "00000000-0000-0000-5a3e-8c7d6b5a4f3e",
                        "tid": CONSUMERS_TENANT,
                    }),
                ),
            ],
            Self::EntraConsumers => vec![
                user(
                    "AAAAAAAAAAAAAAAAAAAAAFq3Xk9dWzR2c_Lm0pTnYbE",
                    &json!({
                        "name": "Ada Lovelace",
                        "preferred_username": "ada@example.com",
                        "email": "ada@example.com",
                        "oid": "00000000-0000-0000-7b21-9e4c3a5d6f18",
                        "tid": CONSUMERS_TENANT,
                    }),
                ),
                user(
                    "AAAAAAAAAAAAAAAAAAAAAHc2Vn8sKpQ4w-Jd1rXeZoA",
                    &json!({
                        "name": "Alan Turing",
                        "preferred_username": "alan@example.com",
                        "email": "alan@example.com",
                        "oid": "00000000-0000-0000-5a3e-8c7d6b5a4f3e",
                        "tid": CONSUMERS_TENANT,
                    }),
                ),
            ],
            Self::OktaCustom => vec![
                user(
                    "00u9dr3kx1LmQa7Bz5d7",
                    &json!({
                        "name": "Ada Lovelace",
                        "email": "ada@example.com",
                        "preferred_username": "ada@example.com",
                    }),
                ),
                user(
                    "00u9dr3ky2NpRb8Cy5d7",
                    &json!({
                        "name": "Alan Turing",
                        "email": "alan@example.com",
                        "preferred_username": "alan@example.com",
                    }),
                ),
            ],
            Self::Auth0 => vec![
                user(
                    "auth0|65f1c2d3e4a5b6c7d8e9f0a1",
                    &json!({
                        "name": "Ada Lovelace",
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "nickname": "ada",
                        "picture": "https://s.gravatar.com/avatar/ada.png",
                        "updated_at": "2026-06-13T13:48:21.609Z",
                        "email": "ada@example.com",
                        "email_verified": true,
                    }),
                ),
                user(
                    "google-oauth2|117234098712345098765",
                    &json!({
                        "name": "Alan Turing",
                        "given_name": "Alan",
                        "family_name": "Turing",
                        "nickname": "alan.turing",
                        "locale": "en-GB",
                        "updated_at": "2026-06-12T09:02:11.000Z",
                        "email": "alan@example.com",
                        "email_verified": true,
                    }),
                ),
            ],
            Self::Keycloak => vec![
                user(
                    "5e2b7c1a-0d94-4f3e-8a6b-1c7d2e9f4a80",
                    &json!({
                        "email_verified": false,
                        "name": "Ada Lovelace",
                        "preferred_username": "ada",
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "email": "ada@example.com",
                        "realm_access": {
                            "roles": ["default-roles-doorman", "offline_access", "uma_authorization", "admin"],
                        },
                    }),
                ),
                user(
                    "3f0a8c52-71d4-4b9e-a6f1-2c5d8e7b9a03",
                    &json!({
                        "email_verified": true,
                        "name": "Alan Turing",
                        "preferred_username": "alan",
                        "given_name": "Alan",
                        "family_name": "Turing",
                        "email": "alan@example.com",
                        "realm_access": {
                            "roles": ["default-roles-doorman", "offline_access", "uma_authorization"],
                        },
                    }),
                ),
            ],
            Self::Cognito => vec![
                user(
                    "6c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    &json!({
                        "email_verified": true,
                        "cognito:username": "ada",
                        "cognito:groups": ["admins", "engineering"],
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "email": "ada@example.com",
                        "custom:department": "Engineering",
                        "custom:employee_id": "1815",
                        "custom:is_admin": "true",
                    }),
                ),
                user(
                    "0e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170",
                    &json!({
                        "email_verified": true,
                        "cognito:username": "alan",
                        "cognito:groups": ["engineering"],
                        "given_name": "Alan",
                        "family_name": "Turing",
                        "email": "alan@example.com",
                        "custom:department": "Cryptanalysis",
                        "custom:employee_id": "1912",
                        "custom:is_admin": "false",
                    }),
                ),
            ],
            Self::Apple => vec![
                user(
                    "001815.9f2e6c1b4a7d4e3f8b0c5a6d7e8f9a0b.1210",
                    &json!({
                        "email": "x7k2m9q4pd@privaterelay.appleid.com",
                        "email_verified": "true",
                        "is_private_email": "true",
                    }),
                ),
                user(
                    "001912.4b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d.0623",
                    &json!({
                        "email": "alan@example.com",
                        "email_verified": "true",
                        "is_private_email": "false",
                    }),
                ),
            ],
            Self::Zitadel => vec![
                user(
                    "294851627391485953",
                    &json!({
                        "name": "Ada Lovelace",
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "locale": "en",
                        "updated_at": 1_764_521_810,
                        "preferred_username": "ada@doorman.zitadel.cloud",
                        "email": "ada@example.com",
                        "email_verified": true,
                    }),
                ),
                user(
                    "294851627391485954",
                    &json!({
                        "name": "Alan Turing",
                        "given_name": "Alan",
                        "family_name": "Turing",
                        "locale": "en",
                        "updated_at": 1_764_521_811,
                        "preferred_username": "alan@doorman.zitadel.cloud",
                        "email": "alan@example.com",
                        "email_verified": true,
                    }),
                ),
            ],
            Self::GitLab => vec![
                user(
                    "4217345",
                    &json!({
                        "sub_legacy": "2ebd9b9ae2b1c0d6f8f4a8a3a0c6b0f5e0d7f2a8c4b1e9d3f6a2c8b5e1d4f7a9",
                        "name": "Ada Lovelace",
                        "nickname": "ada",
                        "preferred_username": "ada",
                        "email": "ada@example.com",
                        "email_verified": true,
                        "profile": "https://gitlab.com/ada",
                        "picture": "https://gitlab.com/uploads/-/system/user/avatar/4217345/avatar.png",
                        "groups": ["doorman-rs", "doorman-rs/core"],
                        "groups_direct": ["doorman-rs/core"],
                    }),
                ),
                user(
                    "4217346",
                    &json!({
                        "sub_legacy": "7c1f3e5a9b2d4c6e8a0f1b3d5e7c9a2b4d6f8e0a1c3b5d7f9e2a4c6b8d0f1e3a",
                        "name": "Alan Turing",
                        "nickname": "alan",
                        "preferred_username": "alan",
                        "email": "alan@example.com",
                        "email_verified": true,
                        "profile": "https://gitlab.com/alan",
                        "groups": ["doorman-rs"],
                        "groups_direct": ["doorman-rs"],
                    }),
                ),
            ],
            Self::GitHub => vec![
                github_user(
                    58_312_810,
                    "adalovelace",
                    Some("Ada Lovelace"),
                    Some("ada@example.com"),
                    &json!([
                        {"email": "ada@example.com", "primary": true, "verified": true, "visibility": "public"},
                        {"email": "58312810+adalovelace@users.noreply.github.com", "primary": false, "verified": true, "visibility": null},
                    ]),
                ),
                github_user(
                    91_219_120,
                    "alan-turing",
                    None,
                    None,
                    &json!([
                        {"email": "alan.turing@bletchley.example", "primary": false, "verified": false, "visibility": null},
                        {"email": "alan@example.com", "primary": true, "verified": true, "visibility": "private"},
                        {"email": "91219120+alan-turing@users.noreply.github.com", "primary": false, "verified": true, "visibility": null},
                    ]),
                ),
            ],
        }
    }

    /// The persona's metadata document, every URL on `origin`.
    pub(crate) fn discovery(self, origin: &str) -> Value {
        let Some(shape) = self.shape() else {
            return Value::Null;
        };
        let url = |path: &str| Value::String(format!("{origin}{path}"));
        let mut doc = Map::new();
        doc.insert("issuer".into(), url(shape.issuer));
        doc.insert("authorization_endpoint".into(), url(shape.authorization));
        doc.insert("token_endpoint".into(), url(shape.token));
        if let Some(userinfo) = shape.userinfo {
            doc.insert("userinfo_endpoint".into(), url(userinfo));
        }
        doc.insert("jwks_uri".into(), url(shape.jwks));
        if let Some(end_session) = shape.end_session {
            doc.insert("end_session_endpoint".into(), url(end_session));
        }
        for (name, list) in [
            ("response_types_supported", shape.response_types),
            ("subject_types_supported", shape.subject_types),
            ("scopes_supported", shape.scopes),
            ("id_token_signing_alg_values_supported", shape.algorithms),
            ("token_endpoint_auth_methods_supported", shape.auth_methods),
        ] {
            doc.insert(name.into(), json!(list));
        }
        if let Some(methods) = shape.pkce {
            doc.insert("code_challenge_methods_supported".into(), json!(methods));
        }
        if shape.iss_parameter {
            doc.insert(
                "authorization_response_iss_parameter_supported".into(),
                Value::Bool(true),
            );
        }
        Value::Object(doc)
    }
}

impl KeyShape {
    /// A signing key's public JWK as the persona lists it: its id with the suffix, without
    /// `alg` if the persona's keys have none, with the persona's per-key `issuer`.
    pub(crate) fn signing(&self, mut jwk: Value, origin: &str) -> Value {
        if let Value::Object(map) = &mut jwk {
            self.shape_members(map, self.issuer, origin);
            if !self.alg {
                map.remove("alg");
            }
        }
        jwk
    }

    /// The key listed beside the signing key, made from `jwk` (another key's public JWK).
    pub(crate) fn beside(&self, mut jwk: Value, origin: &str) -> Option<Value> {
        let beside = self.beside.as_ref()?;
        if let Value::Object(map) = &mut jwk {
            self.shape_members(map, beside.issuer, origin);
            if let Some(Value::String(kid)) = map.get_mut("kid") {
                kid.push_str(beside.kid_suffix);
            }
            map.insert("use".into(), Value::String(beside.key_use.to_owned()));
            match beside.alg {
                Some(alg) => map.insert("alg".into(), Value::String(alg.to_owned())),
                None => map.remove("alg"),
            };
        }
        Some(jwk)
    }

    fn shape_members(&self, map: &mut Map<String, Value>, issuer: Option<&str>, origin: &str) {
        if let Some(Value::String(kid)) = map.get_mut("kid") {
            kid.push_str(self.kid_suffix);
        }
        if let Some(issuer) = issuer {
            map.insert("issuer".into(), Value::String(format!("{origin}{issuer}")));
        }
    }
}

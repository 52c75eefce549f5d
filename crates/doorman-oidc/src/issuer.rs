//! Issuers as providers really publish them: which issuer a metadata URL may announce, and
//! which `iss` an ID token may then carry. The rule is exact equality; the exceptions are
//! the ones the providers document, each recognised by its exact shape, never a loosening
//! for everyone:
//! - Microsoft Entra ID's multi-tenant metadata (`…/common/v2.0/…`, `…/organizations/v2.0/…`)
//!   announces the template `{origin}/{tenantid}/v2.0`; a token's `iss` must be the template
//!   with the token's own `tid` put in (and so must the signing key's `issuer`, where the key
//!   set gives one).
//! - Entra's `…/consumers/v2.0/…` metadata announces the personal-account tenant's fixed
//!   issuer, `{origin}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`.
//! - Google documents `accounts.google.com` (no scheme) as a legacy `iss` of the issuer
//!   `https://accounts.google.com`, and of no other.
//!
//! `allowed_tenants`, when configured, limits every provider's logins to tokens whose `tid`
//! is listed.

use url::Url;

use crate::error::Error;

/// Where Entra's multi-tenant issuer template puts the tenant id.
pub(crate) const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The tenant of Microsoft personal accounts, the issuer of Entra's `consumers` metadata.
const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Google's issuer, and the legacy `iss` it documents for it.
const GOOGLE: &str = "https://accounts.google.com";
const GOOGLE_LEGACY: &str = "accounts.google.com";

/// Whether `issuer`, announced by the metadata at `server_metadata_url`, is one of Entra's
/// documented shapes for that URL: the tenant template under `common` or `organizations`,
/// the personal-account tenant under `consumers`, on the metadata URL's own origin.
pub(crate) fn is_entra_exception(server_metadata_url: &Url, issuer: &str) -> bool {
    let origin = server_metadata_url.origin().ascii_serialization();
    let tenant = match server_metadata_url.path() {
        "/common/v2.0/.well-known/openid-configuration"
        | "/organizations/v2.0/.well-known/openid-configuration" => TENANT_PLACEHOLDER,
        "/consumers/v2.0/.well-known/openid-configuration" => CONSUMERS_TENANT,
        _ => return false,
    };
    issuer == format!("{origin}/{tenant}/v2.0")
}

/// Whether `text` is a tenant id: a GUID, 8-4-4-4-12 hexadecimal digits.
fn is_tenant_id(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks an ID token's `iss` (and `tid`) against the provider's `issuer`, the signing key's
/// own `issuer` where the key set names one, and the allowed tenants.
pub(crate) fn accepts(
    issuer: &str,
    key_issuer: Option<&str>,
    iss: &str,
    tid: Option<&str>,
    allowed_tenants: &[String],
) -> Result<(), Error> {
    let refuse = |why: &str| {
        Err(Error::InvalidIssuer {
            detail: format!("`{}` {why}", iss.escape_debug()),
        })
    };
    let tid = tid.filter(|tid| is_tenant_id(tid));
    if issuer.contains(TENANT_PLACEHOLDER) {
        let Some(tid) = tid else {
            return refuse("comes with no tenant id (`tid`) for the provider's tenant template");
        };
        if iss != issuer.replace(TENANT_PLACEHOLDER, tid) {
            return refuse("is not the provider's issuer for the token's tenant");
        }
    } else if iss != issuer && !(issuer == GOOGLE && iss == GOOGLE_LEGACY) {
        return refuse("is not the provider's issuer");
    }
    if let Some(key_issuer) = key_issuer {
        let key_issuer = match tid {
            Some(tid) => key_issuer.replace(TENANT_PLACEHOLDER, tid),
            None => key_issuer.to_owned(),
        };
        if !key_issuer.contains(TENANT_PLACEHOLDER) && key_issuer != iss {
            return refuse("is not the issuer of the key that signed the token");
        }
    }
    if !allowed_tenants.is_empty()
        && !tid.is_some_and(|tid| allowed_tenants.iter().any(|t| t.eq_ignore_ascii_case(tid)))
    {
        return Err(Error::TenantNotAllowed {
            tenant: tid.unwrap_or_default().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    fn entra(tenant: &str) -> String {
        format!("https://login.microsoftonline.com/{tenant}/v2.0")
    }

    #[test]
    fn entra_shapes_are_recognised_on_their_own_urls_only() {
        let url = |path: &str| {
            Url::parse(&format!("https://login.microsoftonline.com{path}")).expect("url")
        };
        let common = url("/common/v2.0/.well-known/openid-configuration");
        let organizations = url("/organizations/v2.0/.well-known/openid-configuration");
        let consumers = url("/consumers/v2.0/.well-known/openid-configuration");
        let tenant = url(&format!("/{TENANT}/v2.0/.well-known/openid-configuration"));
        assert!(is_entra_exception(&common, TEMPLATE));
        assert!(is_entra_exception(&organizations, TEMPLATE));
        assert!(is_entra_exception(&consumers, &entra(CONSUMERS_TENANT)));
        for (url, issuer) in [
            (&tenant, TEMPLATE.to_owned()),
            (&common, entra(TENANT)),
            (&consumers, TEMPLATE.to_owned()),
            (&common, "https://evil.example/{tenantid}/v2.0".to_owned()),
            (&organizations, entra(CONSUMERS_TENANT)),
        ] {
            assert!(
                !is_entra_exception(url, &issuer),
                "{url} announcing {issuer}"
            );
        }
    }

    #[test]
    fn a_templated_issuer_takes_the_tokens_own_tenant() {
        assert_eq!(
            accepts(TEMPLATE, None, &entra(TENANT), Some(TENANT), &[]),
            Ok(())
        );
        assert_eq!(
            accepts(TEMPLATE, Some(TEMPLATE), &entra(TENANT), Some(TENANT), &[]),
            Ok(())
        );
        let other = "00000000-0000-0000-0000-000000000001";
        for (iss, tid) in [
            (entra(TENANT), Some(other)),
            (entra(TENANT), None),
            (entra("common"), Some("common")),
            (TEMPLATE.to_owned(), Some(TENANT)),
            (format!("{}/", entra(TENANT)), Some(TENANT)),
        ] {
            assert!(
                matches!(
                    accepts(TEMPLATE, None, &iss, tid, &[]),
                    Err(Error::InvalidIssuer { .. })
                ),
                "{iss} with tid {tid:?}"
            );
        }
        // A key whose own issuer is another tenant's cannot sign for this one.
        assert!(
            accepts(
                TEMPLATE,
                Some(&entra(CONSUMERS_TENANT)),
                &entra(TENANT),
                Some(TENANT),
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn allowed_tenants_limit_who_logs_in() {
        let allowed = vec![TENANT.to_uppercase()];
        assert_eq!(
            accepts(TEMPLATE, None, &entra(TENANT), Some(TENANT), &allowed),
            Ok(())
        );
        let other = "00000000-0000-0000-0000-000000000001";
        assert_eq!(
            accepts(TEMPLATE, None, &entra(other), Some(other), &allowed),
            Err(Error::TenantNotAllowed {
                tenant: other.to_owned()
            })
        );
        assert!(matches!(
            accepts(
                "https://idp.example",
                None,
                "https://idp.example",
                None,
                &allowed
            ),
            Err(Error::TenantNotAllowed { .. })
        ));
    }

    #[test]
    fn googles_legacy_issuer_is_google_only() {
        assert_eq!(accepts(GOOGLE, None, GOOGLE_LEGACY, None, &[]), Ok(()));
        assert_eq!(accepts(GOOGLE, None, GOOGLE, None, &[]), Ok(()));
        assert!(accepts("https://idp.example", None, "idp.example", None, &[]).is_err());
        assert!(
            accepts(
                "https://accounts.google.com/",
                None,
                GOOGLE_LEGACY,
                None,
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn tenant_ids_are_guids() {
        assert!(is_tenant_id(TENANT));
        for not in [
            "common",
            "",
            "72f988bf-86f1-41af-91ab",
            "72f988bf86f141af91ab2d7cd011db47",
            "72f988bg-86f1-41af-91ab-2d7cd011db47",
        ] {
            assert!(!is_tenant_id(not), "{not}");
        }
    }
}

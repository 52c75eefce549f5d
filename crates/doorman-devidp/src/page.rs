//! The provider's HTML pages: pick a test user, or see that you are logged out.

use crate::config::TestUser;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.4rem}button{display:block;width:100%;margin:.5rem 0;padding:.7rem;font-size:1rem;border:1px solid #888;border-radius:.4rem;background:#f6f6f6;cursor:pointer}\
button.deny{background:#fff;color:#a00;border-color:#a00}small{color:#666}";

/// The login page: one button per test user, and a button to refuse; the form goes to
/// `action` (relative to the authorization endpoint).
pub(crate) fn login(
    client_id: &str,
    users: &[TestUser],
    hidden: &[(String, String)],
    action: &str,
) -> String {
    let fields: String = hidden
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    let buttons: String = users
        .iter()
        .map(|u| {
            format!(
                r#"<button name="user" value="{}">{} <small>{}</small></button>"#,
                escape(&u.sub),
                escape(u.display_name()),
                escape(
                    u.claims
                        .get("email")
                        .and_then(|e| e.as_str())
                        .unwrap_or_default()
                )
            )
        })
        .collect();
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>doorman development provider</title><style>{STYLE}</style></head>
<body><h1>Sign in to <code>{}</code></h1><p>doorman's development provider. Pick a test user:</p>
<form method="get" action="{}">{fields}{buttons}<button class="deny" name="user" value="">Deny</button></form></body></html>"#,
        escape(client_id),
        escape(action)
    )
}

/// A page with a message, for logout and refused requests.
pub(crate) fn message(title: &str, text: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{0}</title><style>{STYLE}</style></head><body><h1>{0}</h1><p>{1}</p></body></html>"#,
        escape(title),
        escape(text)
    )
}

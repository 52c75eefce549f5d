//! The little HTML doorman writes: escaping, the login link, the logout form and page.
//!
//! Every value placed in HTML goes through [`escape_html`]; nothing here takes markup
//! from a caller.

use axum::response::Html;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe inside an element and inside a
/// quoted attribute. Use it for anything a user or a provider wrote (a name, an email, a
/// provider's error text) that a page shows.
#[must_use]
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A link that starts a login.
pub(crate) fn login_link(href: &str, label: &str) -> String {
    format!(
        r#"<a class="doorman-login" href="{}">{}</a>"#,
        escape_html(href),
        escape_html(label)
    )
}

/// The name of the logout form's token field.
pub(crate) const TOKEN_FIELD: &str = "doorman_logout";

/// A form that logs out with a same-origin `POST` carrying the session's logout token.
pub(crate) fn logout_form(action: &str, token: &str, label: &str) -> String {
    format!(
        r#"<form class="doorman-logout" method="post" action="{}"><input type="hidden" name="{TOKEN_FIELD}" value="{}"><button type="submit">{}</button></form>"#,
        escape_html(action),
        escape_html(token),
        escape_html(label)
    )
}

/// The page at `GET {base}/auth/logout`: the logout form, submitted at once by script only
/// when the browser says the request came from the app's own pages (`auto_submit`), else
/// a plain button the user must click.
pub(crate) fn logout_page(action: &str, token: &str, auto_submit: bool) -> Html<String> {
    let form = logout_form(action, token, "Log out");
    post_page(
        "Log out",
        "Log out of this app?",
        &form,
        "doorman-logout",
        auto_submit,
    )
}

/// The name of the refresh form's return path field.
pub(crate) const RETURN_TO_FIELD: &str = "return_to";

/// A form that renews the session with a same-origin `POST` and comes back to `return_to`.
pub(crate) fn refresh_form(action: &str, return_to: &str, label: &str) -> String {
    format!(
        r#"<form class="doorman-refresh" method="post" action="{}"><input type="hidden" name="{RETURN_TO_FIELD}" value="{}"><button type="submit">{}</button></form>"#,
        escape_html(action),
        escape_html(return_to),
        escape_html(label)
    )
}

/// The page at `GET {base}/auth/refresh`: a form that renews the session with a same-origin
/// `POST` and comes back to `return_to`, submitted as the logout page's is.
pub(crate) fn refresh_page(action: &str, return_to: &str, auto_submit: bool) -> Html<String> {
    let form = refresh_form(action, return_to, "Renew the session");
    post_page(
        "Renew the session",
        "Renew your session with the login provider?",
        &form,
        "doorman-refresh",
        auto_submit,
    )
}

/// A page holding one form of class `class`, which a script submits at once when
/// `auto_submit`; the referrer stays on the app's origin.
fn post_page(
    title: &str,
    question: &str,
    form: &str,
    class: &str,
    auto_submit: bool,
) -> Html<String> {
    let script = if auto_submit {
        format!(r#"<script>document.querySelector("form.{class}").submit()</script>"#)
    } else {
        String::new()
    };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="same-origin"><title>{title}</title></head><body>
<p>{question}</p>{form}{script}</body></html>"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("Zoë"), "Zoë");
    }

    #[test]
    fn the_refresh_page_escapes_its_return_path_and_submits_itself_only_when_told() {
        let quiet = refresh_page("/auth/refresh", "/a?b=\"<x>", false).0;
        assert!(!quiet.contains("<script"), "{quiet}");
        assert!(quiet.contains(r#"value="/a?b=&quot;&lt;x&gt;""#), "{quiet}");
        assert!(
            refresh_page("/auth/refresh", "/", true)
                .0
                .contains(".submit()")
        );
    }

    #[test]
    fn the_page_submits_itself_only_when_told() {
        let quiet = logout_page("/auth/logout", "t", false).0;
        assert!(!quiet.contains("<script"), "{quiet}");
        assert!(
            quiet.contains(r#"name="doorman_logout" value="t""#),
            "{quiet}"
        );
        assert!(
            logout_page("/auth/logout", "t", true)
                .0
                .contains(".submit()")
        );
    }
}

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
    let script = if auto_submit {
        r#"<script>document.querySelector("form.doorman-logout").submit()</script>"#
    } else {
        ""
    };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="same-origin"><title>Log out</title></head><body>
<p>Log out of this app?</p>{form}{script}</body></html>"#
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

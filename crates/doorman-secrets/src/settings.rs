//! doorman's own keys in `[auth]` and `[auth.NAME]`: the one list of their names and where
//! they may stand ([`OWN_KEYS`]), the values they take ([`Setting`], [`LogoutParams`],
//! [`SessionStore`], durations, base paths, Redis URLs), and where each effective value came
//! from ([`Source`]).
//!
//! Streamlit (through Authlib) reads only the keys it knows, so these keep one file serving
//! both; none of them is an Authlib key with another meaning.

use std::fmt;
use std::time::Duration;

use url::Url;
use zeroize::Zeroizing;

use crate::location::Location;

/// Where one of doorman's own keys may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Only in the shared `[auth]` section: it is one per app.
    App,
    /// In `[auth]` for every provider, or in `[auth.NAME]` for that provider (which wins).
    AppOrProvider,
}

/// One of doorman's own keys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OwnKey {
    pub(crate) name: &'static str,
    pub(crate) placement: Placement,
}

const fn key(name: &'static str, placement: Placement) -> OwnKey {
    OwnKey { name, placement }
}

/// Every key doorman reads that Streamlit does not, besides the plain OAuth 2.0 provider
/// keys (`provider_preset` and Authlib's own URL keys).
pub(crate) const OWN_KEYS: [OwnKey; 21] = [
    key("cookie_lifetime", Placement::AppOrProvider),
    key("refresh_margin", Placement::AppOrProvider),
    key("previous_cookie_secrets", Placement::App),
    key("bound_to_id_token", Placement::AppOrProvider),
    key("call_userinfo", Placement::AppOrProvider),
    key("base_path", Placement::App),
    key("logout_params", Placement::AppOrProvider),
    key("trusted_audiences", Placement::AppOrProvider),
    key("allowed_tenants", Placement::AppOrProvider),
    key("token_endpoint_auth_method", Placement::AppOrProvider),
    key("private_key", Placement::AppOrProvider),
    key("private_key_file", Placement::AppOrProvider),
    key("private_key_id", Placement::AppOrProvider),
    key("allowed_emails", Placement::AppOrProvider),
    key("allowed_domains", Placement::AppOrProvider),
    key("allowed_groups", Placement::AppOrProvider),
    key("groups_claim", Placement::AppOrProvider),
    key("api_audience", Placement::AppOrProvider),
    key("redis_url", Placement::App),
    key("session_store", Placement::App),
    key("refresh_lock_timeout", Placement::App),
];

/// The claim `groups_claim` names unless it is set: `groups`, as Okta, Entra ID and GitLab
/// send it.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";

/// The own key called `name`, if there is one.
pub(crate) fn own_key(name: &str) -> Option<OwnKey> {
    OWN_KEYS.iter().copied().find(|key| key.name == name)
}

/// Streamlit's identity cookie lifetime, doorman's default: 30 days.
pub const DEFAULT_COOKIE_LIFETIME: Duration = Duration::from_secs(30 * 86_400);

/// How long before the access token expires a session is refreshed, by default: a minute.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The longest `cookie_lifetime`: browsers cap a cookie's lifetime at 400 days (RFC 6265bis),
/// so a longer one would end sooner than the session sealed in it says.
pub const MAX_COOKIE_LIFETIME: Duration = Duration::from_secs(400 * 86_400);

/// The default `refresh_lock_timeout`: 10 s.
pub const DEFAULT_REFRESH_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `refresh_lock_timeout`: 5 minutes. Every other replica waits that long for a
/// refresh whose replica died holding the lock, so a longer lock would stall refreshes.
pub const MAX_REFRESH_LOCK_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The bounds of one duration key, and why its longest value is the longest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DurationLimit {
    max: Duration,
    too_long: &'static str,
}

/// `cookie_lifetime` and `refresh_margin`: at most [`MAX_COOKIE_LIFETIME`].
pub(crate) const COOKIE_DURATION: DurationLimit = DurationLimit {
    max: MAX_COOKIE_LIFETIME,
    too_long: "it must be at most 400 days: browsers keep no cookie longer",
};

/// `refresh_lock_timeout`: at most [`MAX_REFRESH_LOCK_TIMEOUT`].
pub(crate) const LOCK_DURATION: DurationLimit = DurationLimit {
    max: MAX_REFRESH_LOCK_TIMEOUT,
    too_long: "it must be at most 5 minutes (\"5m\"): the other replicas wait for the lock, and a longer one would stall their refreshes",
};

/// Where session bodies live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStore {
    /// In the sealed identity cookie (the default): stateless.
    Cookie,
    /// In Redis (`redis_url`); the cookie holds only a sealed reference.
    Redis,
}

impl SessionStore {
    /// The value of `session_store` that selects it: `"cookie"` or `"redis"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Redis => "redis",
        }
    }

    pub(crate) const ALL: [Self; 2] = [Self::Cookie, Self::Redis];
}

/// Checks a `redis_url`: `redis://` or `rediss://` (TLS), a host, an optional port, an
/// optional database number as the path, no query and no fragment. The reason of a refusal
/// never quotes the text, which may hold a password.
pub(crate) fn redis_url(text: &str) -> Result<(), &'static str> {
    let url = Url::parse(text).map_err(|error| match error {
        url::ParseError::RelativeUrlWithoutBase => {
            "it is not a URL: write redis://host:6379/0 or rediss://host:6380/0"
        }
        url::ParseError::EmptyHost => "it has no host",
        url::ParseError::InvalidPort => "the port must be a number from 0 to 65535",
        url::ParseError::IdnaError
        | url::ParseError::InvalidIpv4Address
        | url::ParseError::InvalidIpv6Address
        | url::ParseError::InvalidDomainCharacter => "the host is not a valid name or address",
        _ => "it is not a valid URL",
    })?;
    // A `Url` keeps its own copy of the text, password included: wipe it when done.
    let checked = check_redis_url(&url);
    drop(Zeroizing::new(String::from(url)));
    checked
}

fn check_redis_url(url: &Url) -> Result<(), &'static str> {
    if !matches!(url.scheme(), "redis" | "rediss") {
        return Err("the scheme must be redis:// or rediss:// (Redis over TLS)");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host");
    }
    let database = url.path().strip_prefix('/').unwrap_or(url.path());
    if !database.is_empty()
        && (!database.bytes().all(|b| b.is_ascii_digit()) || database.parse::<u32>().is_err())
    {
        return Err("the path must be empty or a database number, such as /0");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it must not have a query (`?`) or a fragment (`#`)");
    }
    Ok(())
}

/// Where an effective setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Nobody set it: doorman's default (Streamlit's where Streamlit has one).
    Default,
    /// A key of the secrets file, at this place.
    File(Location),
    /// The application's code (`doorman_axum::AuthOptions`), which wins over the file. This
    /// crate never produces it; the adapter does when it merges the two.
    Code,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(at) => write!(f, "{at}"),
            Self::Code => f.write_str("code"),
        }
    }
}

/// A setting's effective value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    value: T,
    source: Source,
}

impl<T> Setting<T> {
    /// `value`, with where it came from.
    #[must_use]
    pub fn new(value: T, source: Source) -> Self {
        Self { value, source }
    }

    /// The value, doorman's default when nothing set it.
    #[must_use]
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Where the value came from.
    #[must_use]
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The value, given up.
    #[must_use]
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> Setting<T> {
    pub(crate) fn default_value(value: T) -> Self {
        Self::new(value, Source::Default)
    }
}

/// Parses a duration written as whole seconds (`3600`) or a number and one unit (`"90s"`,
/// `"90m"`, `"12h"`, `"30d"`, `"2w"`): positive, at most `limit`'s longest.
pub(crate) fn duration(text: &str, limit: DurationLimit) -> Result<Duration, &'static str> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err("write a whole number and a unit, such as \"30d\", \"12h\" or \"90m\"");
    }
    let scale: u64 = match unit.trim() {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err("the unit must be one of s, m, h, d, w (as in \"30d\")"),
    };
    let count: u64 = digits.parse().map_err(|_| "the number is too large")?;
    seconds(
        count.checked_mul(scale).ok_or("the number is too large")?,
        limit,
    )
}

/// A duration of `seconds`: positive, at most `limit`'s longest.
pub(crate) fn seconds(seconds: u64, limit: DurationLimit) -> Result<Duration, &'static str> {
    let lifetime = Duration::from_secs(seconds);
    if lifetime.is_zero() {
        Err("it must be longer than zero")
    } else if lifetime > limit.max {
        Err(limit.too_long)
    } else {
        Ok(lifetime)
    }
}

/// Renders a duration in the largest unit that divides it (`"30d"`, `"90m"`).
#[must_use]
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    for (unit, scale) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds != 0 && seconds.is_multiple_of(scale) {
            return format!("{}{unit}", seconds / scale);
        }
    }
    format!("{seconds}s")
}

/// Checks a base path (Streamlit's `server.baseUrlPath`) and returns it without its
/// trailing `/`: `""` for the root. The reason of a refusal never quotes the text.
///
/// # Errors
/// Why the path cannot be an app's base path: not starting with `/`, holding `?`, `#`, `;`,
/// `\`, `%`, spaces or controls, or empty, `.` or `..` segments.
pub fn parse_base_path(text: &str) -> Result<String, &'static str> {
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() && text.len() <= 1 {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') || text.starts_with("//") {
        return Err("it must start with one `/`, such as \"/dashboard\"");
    }
    if !trimmed.is_ascii() {
        return Err("it must be ASCII: browsers send other characters percent-encoded");
    }
    if trimmed.chars().any(|c| {
        matches!(c, '?' | '#' | ';' | '\\' | '%' | '{' | '}' | '*' | ':')
            || c.is_whitespace()
            || c.is_control()
    }) {
        return Err(
            "it must be a plain path: no `?`, `#`, `;`, `\\`, `%`, `{`, `}`, `*`, `:`, spaces or controls",
        );
    }
    if trimmed[1..]
        .split('/')
        .any(|segment| matches!(segment, "" | "." | ".."))
    {
        return Err("it must not contain empty, `.` or `..` segments");
    }
    Ok(trimmed.to_owned())
}

/// Checks an `allowed_emails` entry and returns it with its ASCII letters lowercased (the
/// comparison ignores ASCII case only: other characters must match exactly, so that no
/// Unicode case mapping, such as the Kelvin sign's to `k`, makes one address pass for another).
pub(crate) fn allowed_email(text: &str) -> Result<String, &'static str> {
    let (local, domain) = text
        .rsplit_once('@')
        .ok_or("an address needs an `@`, such as \"ada@example.com\"")?;
    if local.is_empty() || local.contains('@') {
        return Err("an address has one `@` and text before it, such as \"ada@example.com\"");
    }
    allowed_domain(domain)
        .map_err(|_| "the part after `@` must be a domain, such as example.com")?;
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an address holds no spaces or control characters");
    }
    Ok(text.to_ascii_lowercase())
}

/// Checks an `allowed_domains` entry, a domain matched exactly, and returns it with its ASCII
/// letters lowercased.
pub(crate) fn allowed_domain(text: &str) -> Result<String, &'static str> {
    if text.starts_with('@') {
        return Err("write the domain without `@`, such as \"example.com\"");
    }
    if text.contains('*') {
        return Err("domains match exactly: list each one, wildcards are not supported");
    }
    if text.contains(['@', '/', ':', '?', '#'])
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("a domain is a bare name such as \"example.com\", not an address or a URL");
    }
    if text.split('.').any(str::is_empty) {
        return Err("a domain has no empty labels: no leading, trailing or doubled `.`");
    }
    Ok(text.to_ascii_lowercase())
}

/// Checks `groups_claim`: a claim name, or a dotted path into nested claims
/// (`realm_access.roles`), with no empty step.
pub(crate) fn groups_claim(text: &str) -> Result<String, &'static str> {
    if text.split('.').any(str::is_empty) {
        return Err(
            "a claim name or a dotted path such as \"realm_access.roles\": no leading, trailing or doubled `.`",
        );
    }
    Ok(text.to_owned())
}

/// `logout_params`: extra query parameters of the provider's logout URL, as Streamlit
/// specifies them: each sets a parameter (adding it or replacing doorman's value), its value
/// a template whose `{claim}` placeholders are filled from the session's claims; an empty
/// value drops the parameter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogoutParams {
    pub(crate) params: Vec<(String, LogoutParam)>,
}

impl LogoutParams {
    /// The parameters, in file order.
    #[must_use]
    pub fn params(&self) -> &[(String, LogoutParam)] {
        &self.params
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Each parameter with its value filled in by `claim` (a claim's text by name): `Some`
    /// to set, `None` to drop. A parameter whose template names a claim `claim` does not know
    /// is dropped: a logout URL never carries an unfilled placeholder.
    pub fn resolve(&self, claim: impl Fn(&str) -> Option<String>) -> Vec<(String, Option<String>)> {
        self.params
            .iter()
            .map(|(name, param)| (name.clone(), param.fill(&claim)))
            .collect()
    }
}

impl fmt::Display for LogoutParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, param)) in self.params.iter().enumerate() {
            let separator = if i == 0 { " " } else { ", " };
            write!(f, "{separator}{name} = {:?}", param.as_written())?;
        }
        f.write_str(if self.params.is_empty() { "}" } else { " }" })
    }
}

/// One parameter of [`LogoutParams`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoutParam {
    /// `name = ""`: the parameter is not sent, even if doorman would send it.
    Drop,
    /// `name = "text {claim} text"`: sent with the placeholders filled in.
    Set(Template),
}

impl LogoutParam {
    fn fill(&self, claim: &impl Fn(&str) -> Option<String>) -> Option<String> {
        match self {
            Self::Drop => None,
            Self::Set(template) => template.fill(claim),
        }
    }

    fn as_written(&self) -> &str {
        match self {
            Self::Drop => "",
            Self::Set(template) => &template.written,
        }
    }
}

/// A value with `{claim}` placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    written: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Claim(String),
}

impl Template {
    /// Parses `text`: literal text and `{claim}` placeholders, where a claim's name is any
    /// non-empty text without braces or spaces at its ends. A lone `{` or `}`, an empty `{}`
    /// or a nested `{` is refused, with the reason.
    pub(crate) fn parse(text: &str) -> Result<Self, &'static str> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Text(rest.to_owned()));
                    break;
                }
                Some(at) if rest.as_bytes()[at] == b'}' => {
                    return Err("a `}` closes no `{`: write placeholders as {claim}");
                }
                Some(at) => {
                    if at > 0 {
                        parts.push(Part::Text(rest[..at].to_owned()));
                    }
                    let after = &rest[at + 1..];
                    let Some(end) = after.find(['{', '}']) else {
                        return Err("a `{` is not closed: write placeholders as {claim}");
                    };
                    if after.as_bytes()[end] == b'{' {
                        return Err("placeholders cannot nest: write them as {claim}");
                    }
                    let name = &after[..end];
                    if name.trim().is_empty() {
                        return Err("a placeholder names no claim: write it as {claim}");
                    }
                    if name.trim() != name {
                        return Err("a placeholder's claim name has spaces at its ends");
                    }
                    parts.push(Part::Claim(name.to_owned()));
                    rest = &after[end + 1..];
                }
            }
        }
        Ok(Self {
            written: text.to_owned(),
            parts,
        })
    }

    /// The template as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// The claims it names, in order.
    pub fn claims(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Claim(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    fn fill(&self, claim: &impl Fn(&str) -> Option<String>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Claim(name) => out.push_str(&claim(name)?),
            }
        }
        Some(out)
    }
}

/// The known key nearest to `unknown` (a typo's likely meaning), if one is near enough: at
/// most two edits, and fewer than a third of its length.
pub(crate) fn did_you_mean(unknown: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|candidate| (edit_distance(unknown, candidate), *candidate))
        .filter(|(distance, candidate)| {
            *distance > 0 && *distance <= 2 && *distance * 3 < candidate.len()
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two short ASCII-ish strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_each_unit() {
        for (text, seconds) in [
            ("90s", 90),
            ("90m", 5_400),
            ("12h", 43_200),
            ("30d", 2_592_000),
            ("2w", 1_209_600),
            ("400d", 34_560_000),
            ("45", 45),
        ] {
            assert_eq!(
                duration(text, COOKIE_DURATION),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
    }

    #[test]
    fn durations_refused_with_their_reason() {
        for (text, reason) in [
            ("0d", "longer than zero"),
            ("0", "longer than zero"),
            ("401d", "400 days"),
            ("30y", "unit"),
            ("30 days", "unit"),
            ("d", "whole number"),
            ("", "whole number"),
            ("-5m", "whole number"),
            ("1.5h", "unit"),
            ("99999999999999999999d", "too large"),
            ("999999999999999w", "too large"),
        ] {
            let refused = duration(text, COOKIE_DURATION).expect_err(text);
            assert!(refused.contains(reason), "{text}: {refused}");
        }
    }

    #[test]
    fn a_duration_renders_in_its_largest_unit_and_parses_back() {
        for seconds in [1, 59, 60, 90, 3_600, 5_400, 86_400, 2_592_000, 1_209_600] {
            let rendered = format_duration(Duration::from_secs(seconds));
            assert_eq!(
                duration(&rendered, COOKIE_DURATION),
                Ok(Duration::from_secs(seconds)),
                "{rendered}"
            );
        }
        assert_eq!(format_duration(Duration::from_secs(2_592_000)), "30d");
    }

    #[test]
    fn base_paths_normalized_or_refused() {
        for (text, expected) in [("", ""), ("/", ""), ("/dash", "/dash"), ("/a/b/", "/a/b")] {
            assert_eq!(parse_base_path(text).as_deref(), Ok(expected), "{text}");
        }
        for text in [
            "dash", "/a?b", "/a#b", "/a b", "/a//b", "/a/../b", "/./a", "/a;b", "/%2e",
        ] {
            assert!(parse_base_path(text).is_err(), "{text}");
        }
    }

    #[test]
    fn allow_list_entries_are_normalized_or_refused_with_their_reason() {
        assert_eq!(
            allowed_email("Ada@Example.COM"),
            Ok("ada@example.com".to_owned())
        );
        assert_eq!(
            allowed_email("K\u{212A}@example.com"),
            Ok("k\u{212A}@example.com".to_owned()),
            "only ASCII letters are folded"
        );
        for (text, reason) in [
            ("ada", "needs an `@`"),
            ("@example.com", "text before it"),
            ("a@b@example.com", "one `@`"),
            ("ada@", "must be a domain"),
            ("ada@*.example.com", "must be a domain"),
            ("ada @example.com", "no spaces"),
        ] {
            let refused = allowed_email(text).expect_err(text);
            assert!(refused.contains(reason), "{text}: {refused}");
        }
        assert_eq!(allowed_domain("Example.COM"), Ok("example.com".to_owned()));
        for (text, reason) in [
            ("@example.com", "without `@`"),
            ("*.example.com", "wildcards"),
            ("https://example.com", "not an address or a URL"),
            ("ada@example.com", "not an address or a URL"),
            (".example.com", "empty labels"),
            ("example..com", "empty labels"),
            ("example.com.", "empty labels"),
        ] {
            let refused = allowed_domain(text).expect_err(text);
            assert!(refused.contains(reason), "{text}: {refused}");
        }
        for path in [
            "groups",
            "realm_access.roles",
            "cognito:groups",
            "https://x/roles",
        ] {
            assert_eq!(groups_claim(path).as_deref(), Ok(path));
        }
        for path in [".roles", "realm_access.", "a..b"] {
            assert!(groups_claim(path).is_err(), "{path}");
        }
    }

    #[test]
    fn templates_fill_their_claims_and_drop_what_they_cannot() {
        let template = Template::parse("{login_hint}").expect("parses");
        let claims = |name: &str| (name == "login_hint").then(|| "O.CiQ".to_owned());
        assert_eq!(template.fill(&claims), Some("O.CiQ".to_owned()));
        let mixed = Template::parse("user-{sub}@{tid}").expect("parses");
        assert_eq!(mixed.claims().collect::<Vec<_>>(), ["sub", "tid"]);
        assert_eq!(
            mixed.fill(&claims),
            None,
            "a missing claim drops the parameter"
        );
        let plain = Template::parse("https://app.example/bye").expect("parses");
        assert_eq!(
            plain.fill(&claims).as_deref(),
            Some("https://app.example/bye")
        );
        let url_claim = Template::parse("{https://example.com/roles}").expect("parses");
        assert_eq!(
            url_claim.claims().collect::<Vec<_>>(),
            ["https://example.com/roles"]
        );
    }

    #[test]
    fn malformed_templates_are_refused() {
        for text in [
            "{", "}", "{}", "{ }", "a{b", "a}b", "{a{b}}", "{ sub}", "{sub }",
        ] {
            assert!(Template::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn near_misses_of_known_keys_are_suggested() {
        let known = [
            "cookie_lifetime",
            "base_path",
            "call_userinfo",
            "redirect_uri",
        ];
        assert_eq!(
            did_you_mean("cookie_lifetim", &known),
            Some("cookie_lifetime")
        );
        assert_eq!(did_you_mean("redirect_url", &known), Some("redirect_uri"));
        assert_eq!(did_you_mean("basepath", &known), Some("base_path"));
        assert_eq!(
            did_you_mean("call_user_info", &known),
            Some("call_userinfo")
        );
        assert_eq!(did_you_mean("theme", &known), None);
        assert_eq!(
            did_you_mean("base_path", &known),
            None,
            "a known key is no miss"
        );
    }
}

//! Engine URLs and the certificate-auth user header.
//!
//! Grammar (enigma.js sense-utilities):
//! `ws[s]://host[:port][/<proxy-prefix>]/app/<appId|engineData>[/identity/<id>][/ttl/<sec>][?query]`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the unreserved characters `A–Z a–z 0–9 - . _ ~` is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one URL component (a path segment or a query value).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_component(&mut out, s);
    out
}

/// Appends `s` percent-encoded as one URL component (see `encode_component`) to `out`: a link
/// is built in one string, with no string per part (an export builds one per object).
pub fn push_component(out: &mut String, s: &str) {
    out.extend(utf8_percent_encode(s, COMPONENT));
}

/// Optional parts of an engine URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlParts {
    /// `/identity/<id>`: a separate session for the same user and app.
    pub identity: Option<String>,
    /// `/ttl/<seconds>`: keep the session this long after the socket closes.
    pub ttl: Option<u32>,
    /// Query parameters (name, value), encoded here.
    pub query: Vec<(String, String)>,
}

/// The socket URL for `app_id` (None: `engineData`, a session with no app) under `base`, which is
/// `wss://host[:port][/prefix]` with or without a trailing slash.
pub fn app_url(base: &str, app_id: Option<&str>, parts: &UrlParts) -> String {
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/app").unwrap_or(base);
    let mut url = format!(
        "{base}/app/{}",
        app_id
            .map(encode_component)
            .unwrap_or_else(|| "engineData".to_string())
    );
    if let Some(id) = &parts.identity {
        url.push_str("/identity/");
        url.push_str(&encode_component(id));
    }
    if let Some(ttl) = parts.ttl {
        url.push_str(&format!("/ttl/{ttl}"));
    }
    for (i, (k, v)) in parts.query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&encode_component(k));
        url.push('=');
        url.push_str(&encode_component(v));
    }
    url
}

/// The https base for REST calls next to the engine: `wss://host[:port][/prefix]` →
/// `https://host[:port][/prefix]` (the port is kept: REST goes to the same proxy or tenant).
pub fn rest_base(engine_url: &str) -> String {
    let base = engine_url.trim_end_matches('/');
    let base = base.strip_suffix("/app").unwrap_or(base);
    if let Some(rest) = base.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = base.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        base.to_string()
    }
}

/// `X-Qlik-User: UserDirectory=<dir>; UserId=<id>`, both values URL-encoded UTF-8 (Qlik help,
/// "X-Qlik-User header").
pub fn qlik_user_header(user_directory: &str, user_id: &str) -> String {
    format!(
        "UserDirectory={}; UserId={}",
        encode_component(user_directory),
        encode_component(user_id)
    )
}

/// Parses an `X-Qlik-User` value back into (directory, id), decoding both.
pub fn parse_qlik_user_header(value: &str) -> Option<(String, String)> {
    let mut dir = None;
    let mut id = None;
    for part in value.split(';') {
        let (k, v) = part.trim().split_once('=')?;
        let v = percent_encoding::percent_decode_str(v.trim())
            .decode_utf8()
            .ok()?
            .into_owned();
        match k.trim().to_ascii_lowercase().as_str() {
            "userdirectory" => dir = Some(v),
            "userid" => id = Some(v),
            _ => {}
        }
    }
    Some((dir?, id?))
}

/// The URL for logs, errors and reports: user info (`user:password@`), the fragment and every
/// query value whose name says it carries a secret (`carries_secret`) become `***`; other
/// values stay readable (`resourceType=app&limit=100`), so an error still says what was asked.
pub fn redact(url: &str) -> String {
    let url = &*redact_user_info(url);
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if carries_secret(k) => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    let mut out = format!("{base}?{}", parts.join("&"));
    if fragment.is_some() {
        // A fragment can hold an OAuth token (`#access_token=`): never shown.
        out.push_str("#***");
    }
    out
}

/// Parts of a query parameter's name that mean its value is a credential: keys (`xrfkey`,
/// `api_key`), tokens (`qlik-csrf-token`, `access_token`), tickets (`qlikTicket`), CSRF / XRF
/// values, passwords, secrets, JWTs, signatures, sessions, cookies, auth, credentials, SAML
/// assertions.
const SECRET_NAME_PARTS: &[&str] = &[
    "key",
    "token",
    "ticket",
    "csrf",
    "xrf",
    "password",
    "passwd",
    "secret",
    "jwt",
    "signature",
    "session",
    "cookie",
    "auth",
    "credential",
    "assertion",
    "saml",
];

/// Whole names that are credentials but too short to look for inside other names (`code` is
/// an OAuth authorization code; `sig` a signed URL's signature).
const SECRET_NAMES: &[&str] = &["code", "sig", "pwd", "pass", "otp", "nonce"];

/// Whether a query parameter named `name` (percent-encoded or not, any case or separator)
/// carries a secret. Unknown names that contain none of the parts are shown.
pub fn carries_secret(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    let folded: String = decoded
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAME_PARTS.iter().any(|p| folded.contains(p)) || SECRET_NAMES.contains(&folded.as_str())
}

fn redact_user_info(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(i) = url.find("://") else {
        return url.into();
    };
    let rest = &url[i + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://***@{}", &url[..i], &rest[at + 1..]).into(),
        None => url.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_values_that_carry_secrets_and_keeps_the_rest() {
        assert_eq!(
            redact("wss://h/app/x?qlik-csrf-token=abc&a=1"),
            "wss://h/app/x?qlik-csrf-token=***&a=1"
        );
        assert_eq!(redact("wss://h/app/x"), "wss://h/app/x");
        assert_eq!(
            redact("wss://u:s3cret@h:4747/app/x?t=1"),
            "wss://***@h:4747/app/x?t=1"
        );
        // What a Qlik Cloud error shows: the list it asked for, readable.
        assert_eq!(
            redact("https://t.eu.qlikcloud.com/api/v1/items?resourceType=app&limit=100&next=abc"),
            "https://t.eu.qlikcloud.com/api/v1/items?resourceType=app&limit=100&next=abc"
        );
        assert_eq!(
            redact("https://h/x?a=1#access_token=zz"),
            "https://h/x?a=1#***"
        );
        assert_eq!(redact("https://h/x?flag&b=2"), "https://h/x?flag&b=2");
    }

    #[test]
    fn every_kind_of_credential_in_a_query_is_redacted() {
        for name in [
            "xrfkey",
            "Xrfkey",
            "api_key",
            "apiKey",
            "access_token",
            "qlik-csrf-token",
            "QlikTicket",
            "ticket",
            "password",
            "pwd",
            "client_secret",
            "jwt",
            "X-Amz-Signature",
            "sig",
            "code",
            "X-Qlik-Session",
            "authorization",
            "SAMLResponse",
            "qlik%2Dcsrf%2Dtoken",
        ] {
            let url = format!("https://h/p?{name}=s3cr3t-value&limit=5");
            let shown = redact(&url);
            assert!(
                !shown.contains("s3cr3t-value") && shown.ends_with("&limit=5"),
                "{name}: {shown}"
            );
        }
        for name in [
            "resourceType",
            "limit",
            "next",
            "spaceId",
            "sort",
            "qDocName",
            "mode",
        ] {
            assert!(!carries_secret(name), "{name} is not a secret");
        }
    }

    #[test]
    fn invalid_url_errors_keep_no_token_even_in_debug() {
        let e = crate::engine::EngineError::invalid_url(
            "wss://u:pw-secret@h/x?token=tok-secret&limit=5",
            "bad",
        );
        let dbg = format!("{e:?} {e}");
        assert!(
            !dbg.contains("pw-secret") && !dbg.contains("tok-secret"),
            "{dbg}"
        );
        assert!(dbg.contains("limit=5"), "{dbg}");
    }

    #[test]
    fn rest_base_keeps_host_port_and_prefix() {
        assert_eq!(rest_base("wss://h:9443/jwt/"), "https://h:9443/jwt");
        assert_eq!(
            rest_base("wss://t.eu.qlikcloud.com"),
            "https://t.eu.qlikcloud.com"
        );
        assert_eq!(rest_base("ws://h/hdr/app"), "http://h/hdr");
    }

    #[test]
    fn builds_urls() {
        let p = UrlParts::default();
        assert_eq!(
            app_url("wss://h:4747", None, &p),
            "wss://h:4747/app/engineData"
        );
        assert_eq!(
            app_url("wss://h/jwt/", Some("a b&c"), &p),
            "wss://h/jwt/app/a%20b%26c"
        );
        let p = UrlParts {
            identity: Some("x".into()),
            ttl: Some(30),
            query: vec![("qlik-csrf-token".into(), "t/+=".into())],
        };
        assert_eq!(
            app_url("wss://h/app/", Some("id"), &p),
            "wss://h/app/id/identity/x/ttl/30?qlik-csrf-token=t%2F%2B%3D"
        );
    }

    #[test]
    fn user_header_round_trips() {
        let h = qlik_user_header("INTERNAL", "sa_engine");
        assert_eq!(h, "UserDirectory=INTERNAL; UserId=sa_engine");
        let h = qlik_user_header("CORP", "jöhn doe;x");
        assert_eq!(
            parse_qlik_user_header(&h).unwrap(),
            ("CORP".into(), "jöhn doe;x".into())
        );
        assert!(parse_qlik_user_header("nonsense").is_none());
    }
}

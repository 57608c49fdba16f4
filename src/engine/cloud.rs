//! Qlik Cloud REST next to the engine: the JWT session login, the CSRF token for cookie
//! sessions, and the paged lists (apps come from `/api/v1/items?resourceType=app`, not from
//! GetDocList; the app id is the item's `resourceId`). Every call reuses the engine transport,
//! so failures are typed the same way and every wait is bounded; an HTTP 429 is waited out as
//! `Retry-After` asks, within a bound (`rate_limit`). A refused credential is never an empty
//! list: a 401/403, a redirect to a sign-in page, or a reply that is not the API's JSON fails.

use serde::Serialize;
use serde_json::Value;

use super::cookie::{self, Cookie};
use super::error::EngineError;
use super::http::HttpResponse;
use super::rate_limit;
use super::transport::ConnectOptions;
use super::url::redact;

/// Items per page asked for (the API's maximum is 100).
pub const PAGE_LIMIT: u32 = 100;
/// A bound on pages followed, so a server that keeps sending `next` cannot hold us forever.
const MAX_PAGES: usize = 10_000;

/// What to tell the user when Qlik Cloud refuses the credential (401/403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudCredential {
    ApiKey,
    JwtSession,
}

impl CloudCredential {
    /// What the credential is, in a sentence.
    fn noun(self) -> &'static str {
        match self {
            CloudCredential::ApiKey => "the API key",
            CloudCredential::JwtSession => "the JWT session",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            CloudCredential::ApiKey => {
                "Qlik Cloud did not accept the API key: it is wrong, expired or revoked, or API keys are disabled on the tenant; create a new key (Profile settings → API keys) and store it again"
            }
            CloudCredential::JwtSession => {
                "Qlik Cloud did not accept the JWT session: check the JWT identity provider on the tenant (issuer, key id, public key) and the token's claims (sub, subType, name, email, email_verified, aud = qlik.api/login/jwt-session, a unique jti)"
            }
        }
    }
}

/// An app as the items API lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CloudItem {
    /// The app GUID (`resourceId`), what the engine URL and OpenDoc take.
    pub resource_id: String,
    /// The item id (not the app id).
    pub item_id: String,
    pub name: String,
    pub description: String,
    /// "" for a personal app.
    pub space_id: String,
    pub owner_id: String,
    pub published: bool,
    pub last_reload_time: String,
    #[serde(skip)]
    pub raw: Value,
}

impl CloudItem {
    pub fn from_json(v: &Value) -> Option<CloudItem> {
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let resource_id = s("/resourceId");
        if resource_id.is_empty() {
            return None;
        }
        let reload = s("/resourceReloadEndTime");
        Some(CloudItem {
            item_id: s("/id"),
            name: s("/name"),
            description: s("/description"),
            space_id: s("/spaceId"),
            owner_id: s("/ownerId"),
            published: v
                .pointer("/resourceAttributes/published")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_reload_time: if reload.is_empty() {
                s("/resourceAttributes/lastReloadTime")
            } else {
                reload
            },
            resource_id,
            raw: v.clone(),
        })
    }
}

fn refused(what: String, resp: &HttpResponse, credential: CloudCredential) -> EngineError {
    let mut detail = resp.error_detail();
    let fix = match resp.status {
        401 | 403 => credential.fix().to_string(),
        300..=399 => {
            // A browser's way in: the tenant (or a gateway) sends a client it does not know
            // to its sign-in page.
            if let Some(l) = resp.header("location") {
                detail = format!("redirect to {}", redact(l));
            }
            format!(
                "a redirect to a sign-in page means {} was not accepted. {}",
                credential.noun(),
                credential.fix()
            )
        }
        404 => "no such endpoint: check that the engine URL names a Qlik Cloud tenant (wss://<tenant>.<region>.qlikcloud.com)".to_string(),
        _ => "see Qlik Cloud's status page, and retry".to_string(),
    };
    EngineError::HttpRefused {
        what,
        status: resp.status,
        detail,
        fix,
    }
}

/// A 2xx reply that is not the API's JSON (`found` says what it is): a sign-in page or a
/// proxy in between answered for the tenant. It must fail, never read as an empty list.
fn not_the_api(
    what: String,
    resp: &HttpResponse,
    found: &str,
    credential: CloudCredential,
) -> EngineError {
    EngineError::HttpRefused {
        what,
        status: resp.status,
        detail: found.to_string(),
        fix: format!(
            "that is not the Qlik Cloud API's answer: a sign-in page, or a proxy or gateway between here and the tenant, answered instead. Check that the engine URL names the tenant (wss://<tenant>.<region>.qlikcloud.com) and that nothing in between intercepts HTTPS; a sign-in page means {} was not accepted: {}",
            credential.noun(),
            credential.fix()
        ),
    }
}

/// The JSON body of a 2xx API reply; anything else (an HTML page, text) is `not_the_api`.
fn api_json(
    what: impl Fn() -> String,
    resp: &HttpResponse,
    credential: CloudCredential,
) -> Result<Value, EngineError> {
    let content_type = resp.header("content-type").unwrap_or("");
    let found = if content_type.to_ascii_lowercase().contains("html") {
        format!("an HTML page ({content_type}), not JSON")
    } else {
        match serde_json::from_slice::<Value>(&resp.body) {
            Ok(v) => return Ok(v),
            Err(_) if content_type.is_empty() => "a body that is not JSON".to_string(),
            Err(_) => format!("a {content_type} body that is not JSON"),
        }
    };
    Err(not_the_api(what(), resp, &found, credential))
}

/// A refused engine socket on Qlik Cloud (401/403 on the upgrade, or closed before the
/// greeting), said as the credential's problem; other errors pass through.
pub fn socket_refusal(e: EngineError, credential: CloudCredential) -> EngineError {
    let how = match &e {
        EngineError::UpgradeRejected {
            status: status @ (401 | 403),
            ..
        } => format!("HTTP {status} on the WebSocket upgrade"),
        EngineError::ClosedBeforeGreeting { close } => {
            format!("the socket was upgraded, then closed without the engine greeting{close}")
        }
        _ => return e,
    };
    EngineError::CloudSocketRefused {
        how,
        fix: format!(
            "the tenant did not accept {} for the engine. {}; if it works for the app list (`qlik-tui apps`), check that the user may open this app (its space roles)",
            credential.noun(),
            credential.fix()
        ),
    }
}

/// `POST <base>/login/jwt-session` with `Authorization: Bearer <jwt>` in `opts`; returns the
/// session cookies the tenant sets.
pub async fn jwt_session(opts: &ConnectOptions, base: &str) -> Result<Vec<Cookie>, EngineError> {
    let mut req = opts.clone();
    req.url = format!("{}/login/jwt-session", base.trim_end_matches('/'));
    let what = || format!("the JWT login ({})", redact(&req.url));
    let resp = rate_limit::request(&req, "POST", what).await?;
    if !(200..300).contains(&resp.status) {
        return Err(refused(what(), &resp, CloudCredential::JwtSession));
    }
    let jar = cookie::from_set_cookie(resp.header_all("set-cookie"));
    if jar.is_empty() {
        return Err(EngineError::HttpRefused {
            what: format!("the JWT login ({})", redact(&req.url)),
            status: resp.status,
            detail: "no session cookie in the reply".into(),
            fix: "the tenant did not open a session; check that JWT authorization is enabled on the tenant's JWT identity provider".into(),
        });
    }
    Ok(jar)
}

/// `GET <base>/api/v1/csrf-token` on a cookie session: the token a cookie session's socket and
/// state-changing calls must carry. None when the tenant has no such endpoint.
pub async fn csrf_token(opts: &ConnectOptions, base: &str) -> Result<Option<String>, EngineError> {
    let mut req = opts.clone();
    req.url = format!("{}/api/v1/csrf-token", base.trim_end_matches('/'));
    let what = || format!("the CSRF token endpoint ({})", redact(&req.url));
    let resp = rate_limit::request(&req, "GET", what).await?;
    match resp.status {
        200..=299 => Ok(resp
            .header("qlik-csrf-token")
            .filter(|t| !t.is_empty())
            .map(str::to_string)),
        404 => Ok(None),
        _ => Err(refused(what(), &resp, CloudCredential::JwtSession)),
    }
}

/// Every element of `data` over all pages of `<base><path>`, following `links.next.href`.
/// A next link to another origin is refused: the credential must not leave the tenant.
pub async fn get_all(
    opts: &ConnectOptions,
    base: &str,
    path: &str,
    credential: CloudCredential,
) -> Result<Vec<Value>, EngineError> {
    let base_url =
        url::Url::parse(base).map_err(|e| EngineError::invalid_url(base, e.to_string()))?;
    let mut next = Some(format!("{}{path}", base.trim_end_matches('/')));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while let Some(url) = next.take() {
        if !seen.insert(url.clone()) || seen.len() > MAX_PAGES {
            return Err(EngineError::Protocol(format!(
                "the paged list at {} does not end (a next link repeats or there are over {MAX_PAGES} pages)",
                redact(&url)
            )));
        }
        let mut req = opts.clone();
        req.url = url.clone();
        let what = || format!("the Qlik Cloud API ({})", redact(&url));
        let resp = rate_limit::request(&req, "GET", what).await?;
        if resp.status != 200 {
            return Err(refused(what(), &resp, credential));
        }
        let page = api_json(what, &resp, credential)?;
        let data = page.get("data").and_then(Value::as_array).ok_or_else(|| {
            not_the_api(
                what(),
                &resp,
                "JSON without the API's 'data' list",
                credential,
            )
        })?;
        out.extend(data.iter().cloned());
        if let Some(href) = page.pointer("/links/next/href").and_then(Value::as_str) {
            let joined = base_url
                .join(href)
                .map_err(|e| EngineError::Protocol(format!("the next link is not a URL: {e}")))?;
            if joined.origin() != base_url.origin() {
                return Err(EngineError::Protocol(format!(
                    "the next link points to another host ({}); not following it with the tenant's credential",
                    joined.origin().ascii_serialization()
                )));
            }
            next = Some(joined.to_string());
        }
    }
    Ok(out)
}

/// Every app the credential may see, over all pages.
pub async fn list_apps(
    opts: &ConnectOptions,
    base: &str,
    credential: CloudCredential,
) -> Result<Vec<CloudItem>, EngineError> {
    let items = get_all(
        opts,
        base,
        &format!("/api/v1/items?resourceType=app&limit={PAGE_LIMIT}"),
        credential,
    )
    .await?;
    // Every app item has a resourceId: a list whose entries lack it is some other answer.
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            CloudItem::from_json(v).ok_or_else(|| {
                EngineError::Protocol(format!(
                    "entry {i} of the Qlik Cloud items list has no resourceId, so it is not an app item: the reply is not the items API's"
                ))
            })
        })
        .collect()
}

/// (id, name) of every space the credential may see.
pub async fn list_spaces(
    opts: &ConnectOptions,
    base: &str,
    credential: CloudCredential,
) -> Result<Vec<(String, String)>, EngineError> {
    let spaces = get_all(
        opts,
        base,
        &format!("/api/v1/spaces?limit={PAGE_LIMIT}"),
        credential,
    )
    .await?;
    Ok(spaces
        .iter()
        .filter_map(|s| {
            Some((
                s.get("id")?.as_str()?.to_string(),
                s.get("name")?.as_str()?.to_string(),
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_map_to_apps_by_resource_id() {
        let v = json!({"id": "item1", "resourceId": "app-guid", "name": "Sales",
            "spaceId": "", "ownerId": "u1", "resourceReloadEndTime": "2026-01-01T00:00:00Z",
            "resourceAttributes": {"published": true}});
        let i = CloudItem::from_json(&v).unwrap();
        assert_eq!(i.resource_id, "app-guid");
        assert_eq!(i.item_id, "item1");
        assert!(i.published);
        assert_eq!(i.last_reload_time, "2026-01-01T00:00:00Z");
        assert!(CloudItem::from_json(&json!({"id": "x"})).is_none());
    }

    fn reply(content_type: &str, body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn only_json_is_the_apis_answer() {
        let what = || "the Qlik Cloud API (https://t/api/v1/items)".to_string();
        let key = CloudCredential::ApiKey;
        let v = api_json(what, &reply("application/json", r#"{"data":[]}"#), key).unwrap();
        assert_eq!(v, json!({"data": []}));
        for (content_type, body, found) in [
            (
                "text/html; charset=utf-8",
                "<html>Sign in</html>",
                "an HTML page",
            ),
            // A sign-in page labelled as JSON is still not JSON.
            ("application/json", "<html>Sign in</html>", "not JSON"),
            ("", "Sign in", "not JSON"),
        ] {
            let e = api_json(what, &reply(content_type, body), key).unwrap_err();
            let text = e.to_string();
            assert!(
                matches!(e, EngineError::HttpRefused { status: 200, .. }),
                "{text}"
            );
            assert!(
                text.contains(found) && text.contains("sign-in page"),
                "{text}"
            );
            assert!(text.contains("did not accept the API key"), "{text}");
        }
    }

    #[test]
    fn a_refused_socket_on_qlik_cloud_names_the_credential() {
        let e = socket_refusal(
            EngineError::UpgradeRejected {
                status: 403,
                location: None,
                body: String::new(),
            },
            CloudCredential::JwtSession,
        );
        let text = e.to_string();
        assert!(
            matches!(e, EngineError::CloudSocketRefused { .. }),
            "{text}"
        );
        assert!(
            text.contains("HTTP 403") && text.contains("JWT session"),
            "{text}"
        );
        let e = socket_refusal(
            EngineError::ClosedBeforeGreeting {
                close: String::new(),
            },
            CloudCredential::ApiKey,
        );
        assert!(e.to_string().contains("without the engine greeting"), "{e}");
        // Anything else is not the credential's problem and passes through.
        let e = socket_refusal(
            EngineError::UpgradeRejected {
                status: 503,
                location: None,
                body: String::new(),
            },
            CloudCredential::ApiKey,
        );
        assert!(matches!(
            e,
            EngineError::UpgradeRejected { status: 503, .. }
        ));
    }
}

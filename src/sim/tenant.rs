//! A Qlik Cloud tenant on the simulator's root path: API keys and JWT sessions
//! (`POST /login/jwt-session` → `_session` cookie, `GET /api/v1/csrf-token`), and the paged
//! REST lists the client reads apps from (`/api/v1/items?resourceType=app`, `/api/v1/spaces`,
//! `limit` and an opaque `next` cursor in `links.next.href`). Engine sockets at `/app/<id>`
//! take the API key as a bearer, or the session cookie with `?qlik-csrf-token=`. With a rate
//! limit on, REST calls get HTTP 429 with `Retry-After` (seconds or an HTTP-date).

use std::time::{Duration, SystemTime};

use http::request::Parts;
use serde_json::{Value, json};

use super::auth::{Rejection, User};
use super::authmodes::{AuthState, CloudTenant, RateLimit, bearer, header, query_param};
use super::data::Site;
use super::server::{HttpResponse, respond};
use crate::engine::jwt;
use crate::engine::proxy::CSRF_QUERY;

/// The tenant's session cookie.
pub const SESSION_COOKIE: &str = "_session";
use crate::engine::jwt::CLOUD_AUDIENCE as JWT_AUDIENCE;
/// The API's largest page.
const MAX_LIMIT: u32 = 100;
const REALM: &str = "";

fn json_error(status: u16, code: &str, title: &str) -> HttpResponse {
    respond(
        status,
        "application/json",
        json!({"errors": [{"code": code, "title": title, "status": status.to_string()}]})
            .to_string(),
    )
}

fn from_rejection(r: Rejection) -> HttpResponse {
    json_error(r.status, &format!("HTTP-{}", r.status), &r.body)
}

/// Answers the tenant's REST routes; None for paths it does not own.
pub fn rest(
    parts: &Parts,
    cloud: &CloudTenant,
    state: &AuthState,
    site: &Site,
) -> Option<HttpResponse> {
    let path = parts.uri.path().trim_end_matches('/');
    let method = parts.method.as_str();
    let owned = path.starts_with("/api/") || path.starts_with("/login/");
    if owned && cloud.sign_in_page {
        return Some(respond(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method=\"post\" action=\"/login\"><input name=\"username\"><input name=\"password\" type=\"password\"></form></body></html>",
        ));
    }
    if owned
        && let Some(limit) = &cloud.rate_limit
        && state.over_rate_limit(limit)
    {
        return Some(too_many_requests(limit));
    }
    Some(match (method, path) {
        ("POST", "/login/jwt-session") => jwt_session(parts, cloud, state),
        ("GET", "/api/v1/csrf-token") => match state.find(parts, SESSION_COOKIE, REALM) {
            Some(s) => {
                let mut r = respond(204, "text/plain", "");
                if let Ok(v) = http::HeaderValue::from_str(&s.csrf_token) {
                    r.headers_mut().insert("qlik-csrf-token", v);
                }
                r
            }
            None => json_error(401, "HTTP-401", "Unauthorized: no session"),
        },
        ("GET", "/api/v1/items") => match rest_user(parts, cloud, state) {
            Ok(_) => items(parts, cloud, site),
            Err(r) => from_rejection(r),
        },
        ("GET", "/api/v1/spaces") => match rest_user(parts, cloud, state) {
            Ok(_) => spaces(parts, cloud, site),
            Err(r) => from_rejection(r),
        },
        _ if owned => json_error(404, "HTTP-404", "Not Found"),
        _ => return None,
    })
}

/// HTTP 429 with the `Retry-After` the limit asks for (RFC 9110 §10.2.3: delay-seconds or an
/// HTTP-date), as Qlik Cloud answers a user over the tenant's rate limit.
fn too_many_requests(limit: &RateLimit) -> HttpResponse {
    let mut r = json_error(429, "HTTP-429", "Too Many Requests");
    let value = if limit.as_http_date {
        httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(limit.retry_after_secs))
    } else {
        limit.retry_after_secs.to_string()
    };
    if let Ok(v) = http::HeaderValue::from_str(&value) {
        r.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    r
}

/// The user of an API key, if the key is one of the tenant's.
fn api_key_user(cloud: &CloudTenant, key: &str) -> Option<User> {
    cloud
        .api_keys
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, sub)| User::new("", sub))
}

/// REST: an API key bearer, or the session cookie.
fn rest_user(parts: &Parts, cloud: &CloudTenant, state: &AuthState) -> Result<User, Rejection> {
    if let Some(key) = bearer(parts) {
        return api_key_user(cloud, key)
            .ok_or_else(|| Rejection::new(401, "Unauthorized: invalid API key"));
    }
    state
        .find(parts, SESSION_COOKIE, REALM)
        .map(|s| s.user)
        .ok_or_else(|| Rejection::new(401, "Unauthorized"))
}

fn jwt_session(parts: &Parts, cloud: &CloudTenant, state: &AuthState) -> HttpResponse {
    let Some(idp) = &cloud.jwt else {
        return json_error(401, "HTTP-401", "JWT authorization is not enabled");
    };
    let Some(token) = bearer(parts) else {
        return json_error(401, "HTTP-401", "Unauthorized: no Bearer token");
    };
    let der = match jwt::rsa_public_key_der(&idp.public_key_pem) {
        Ok(d) => d,
        Err(e) => return json_error(500, "HTTP-500", &format!("tenant misconfigured: {e}")),
    };
    let claims = match jwt::verify_rs256(token, &der, SystemTime::now()) {
        Ok(c) => c,
        Err(e) => return json_error(401, "HTTP-401", &e.to_string()),
    };
    let text = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
    if text("aud") != JWT_AUDIENCE {
        return json_error(
            401,
            "HTTP-401",
            "the token's aud is not qlik.api/login/jwt-session",
        );
    }
    if let Some(iss) = &idp.issuer
        && text("iss") != iss
    {
        return json_error(
            401,
            "HTTP-401",
            "the token's issuer is not the identity provider's",
        );
    }
    if text("sub").is_empty() {
        return json_error(401, "HTTP-401", "the token has no sub claim");
    }
    let (cookie, _) = state.open(User::new("", text("sub")), REALM);
    let mut r = respond(200, "application/json", "{}");
    let h = r.headers_mut();
    for c in [
        format!("{SESSION_COOKIE}={cookie}; path=/; secure; httponly; samesite=none"),
        format!(
            "{SESSION_COOKIE}.sig={}; path=/; secure; httponly",
            cookie.chars().take(8).collect::<String>()
        ),
    ] {
        if let Ok(v) = http::HeaderValue::from_str(&c) {
            h.append(http::header::SET_COOKIE, v);
        }
    }
    r
}

/// `limit` (capped) and the `next` cursor (an offset) of a list request.
/// A bad one is a 400 with the reason.
fn page_of(parts: &Parts, cloud: &CloudTenant) -> Result<(usize, usize), &'static str> {
    let limit = match query_param(parts, "limit") {
        None => cloud.default_limit,
        Some(l) => match l.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err("limit must be 1..100"),
        },
    };
    let limit = limit.min(cloud.max_page.max(1)) as usize;
    let offset = match query_param(parts, "next") {
        None => 0,
        Some(n) => n.parse::<usize>().map_err(|_| "invalid next cursor")?,
    };
    Ok((limit, offset))
}

/// `{data, links}` for one page of `all`, links absolute on the request's host.
fn paged(
    parts: &Parts,
    all: Vec<Value>,
    limit: usize,
    offset: usize,
    extra_query: &str,
) -> HttpResponse {
    let host = header(parts, "host").unwrap_or("localhost");
    let path = parts.uri.path();
    let href = |off: usize| {
        let mut q = format!("{extra_query}limit={limit}");
        if off > 0 {
            q.push_str(&format!("&next={off}"));
        }
        format!("https://{host}{path}?{q}")
    };
    let data: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    let mut links = json!({"self": {"href": href(offset)}});
    if offset + limit < all.len() {
        links["next"] = json!({"href": href(offset + limit)});
    }
    respond(
        200,
        "application/json",
        json!({"data": data, "links": links}).to_string(),
    )
}

fn items(parts: &Parts, cloud: &CloudTenant, site: &Site) -> HttpResponse {
    let (limit, offset) = match page_of(parts, cloud) {
        Ok(p) => p,
        Err(why) => return json_error(400, "HTTP-400", why),
    };
    let kind = query_param(parts, "resourceType");
    let all: Vec<Value> = if kind.as_deref().is_none_or(|k| k == "app") {
        site.apps
            .iter()
            .map(|a| {
                let m = &a.meta;
                json!({
                    "id": format!("item-{}", m.id),
                    "name": m.title,
                    "description": m.description,
                    "resourceType": "app",
                    "resourceId": m.id,
                    "spaceId": m.stream.clone().unwrap_or_default(),
                    "ownerId": m.owner.user_id,
                    "resourceAttributes": {"published": m.published(), "lastReloadTime": m.last_reload_time},
                    "resourceReloadEndTime": m.last_reload_time,
                    "createdAt": m.created_date,
                    "updatedAt": m.modified_date,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let extra = kind
        .map(|k| format!("resourceType={k}&"))
        .unwrap_or_default();
    paged(parts, all, limit, offset, &extra)
}

fn spaces(parts: &Parts, cloud: &CloudTenant, site: &Site) -> HttpResponse {
    let (limit, offset) = match page_of(parts, cloud) {
        Ok(p) => p,
        Err(why) => return json_error(400, "HTTP-400", why),
    };
    let all = site
        .streams
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "type": "managed"}))
        .collect();
    paged(parts, all, limit, offset, "")
}

/// Who opens a socket on the tenant: an API key bearer, or the session cookie with its CSRF
/// token (Qlik Cloud answers 403 `CSRF-TOKEN-2` without it).
pub fn authenticate(
    parts: &Parts,
    cloud: &CloudTenant,
    state: &AuthState,
) -> Result<User, Rejection> {
    if let Some(key) = bearer(parts) {
        return api_key_user(cloud, key)
            .ok_or_else(|| Rejection::new(401, "Unauthorized: invalid API key"));
    }
    let session = state
        .find(parts, SESSION_COOKIE, REALM)
        .ok_or_else(|| Rejection::new(401, "Unauthorized: no API key and no session cookie"))?;
    match query_param(parts, CSRF_QUERY) {
        Some(t) if t == session.csrf_token => Ok(session.user),
        _ => Err(Rejection::new(
            403,
            "{\"code\":\"CSRF-TOKEN-2\",\"title\":\"CSRF token missing or invalid\"}",
        )),
    }
}

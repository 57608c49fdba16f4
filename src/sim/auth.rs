//! Who is asking, and for what: the route table of the simulator's one port and the "who is the
//! user" decision of the engine port.
//!
//! This is QSEoW direct (engine port 4747): a client certificate chaining to the root (the
//! server drops a connection without one before it gets here); the user is named by
//! `X-Qlik-User`. The other modes (virtual proxies, a Qlik Cloud tenant) are `authmodes`, asked
//! first by the server.

use http::request::Parts;
use percent_encoding::percent_decode_str;

/// A user as the engine names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub directory: String,
    pub id: String,
}

impl User {
    pub fn new(directory: &str, id: &str) -> Self {
        User {
            directory: directory.to_string(),
            id: id.to_string(),
        }
    }

    /// `DIRECTORY\id`, as access lists in the site data spell a user.
    pub fn key(&self) -> String {
        format!("{}\\{}", self.directory, self.id)
    }

    /// What GetAuthenticatedUser returns on QSEoW.
    pub fn engine_name(&self) -> String {
        format!("UserDirectory={}; UserId={}", self.directory, self.id)
    }
}

/// Where a WebSocket asks to go: `[/<prefix>]/app/<appId|engineData>[/identity/<x>][/ttl/<s>]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SocketTarget {
    /// The virtual proxy prefix ("" for the engine port).
    pub prefix: String,
    /// The app in the URL (None for `engineData` or nothing).
    pub app: Option<String>,
    pub identity: Option<String>,
    pub ttl: Option<u32>,
}

/// The route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A WebSocket upgrade to an engine session.
    EngineSocket(SocketTarget),
    /// `GET /qrs/about` (the repository's build info).
    QrsAbout,
    /// Anything else: 404.
    NotFound,
}

/// Why a request is refused before anything else happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Rejection {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Rejection {
            status,
            body: body.into(),
            headers: vec![],
        }
    }
}

/// Reads `X-Qlik-User: UserDirectory=<dir>; UserId=<id>` as the engine does (engine-api.md §1:
/// both values URL-encoded UTF-8, keys case-insensitive, parts separated by `;`). The
/// simulator's own reading, so a client that writes the header wrongly is caught here.
fn user_from_header(value: &str) -> Option<(String, String)> {
    let (mut dir, mut id) = (None, None);
    for part in value.split(';') {
        let (key, raw) = part.trim().split_once('=')?;
        let decoded = percent_decode_str(raw.trim())
            .decode_utf8()
            .ok()?
            .into_owned();
        if key.trim().eq_ignore_ascii_case("UserDirectory") {
            dir = Some(decoded);
        } else if key.trim().eq_ignore_ascii_case("UserId") {
            id = Some(decoded);
        }
    }
    Some((dir?, id?))
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// Routes a request by method and path. Upgrades go to the engine; plain GETs to REST routes.
pub fn route(parts: &Parts) -> Route {
    let path = parts.uri.path();
    if is_upgrade(parts) {
        return match socket_target(path) {
            Some(t) => Route::EngineSocket(t),
            None => Route::NotFound,
        };
    }
    if parts.method == http::Method::GET && path.trim_end_matches('/') == "/qrs/about" {
        return Route::QrsAbout;
    }
    Route::NotFound
}

/// True for a WebSocket upgrade request.
pub fn is_upgrade(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Parses an engine socket path. `None` when it is not one.
pub fn socket_target(path: &str) -> Option<SocketTarget> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let app_pos = segs.iter().position(|s| *s == "app")?;
    let mut t = SocketTarget {
        prefix: segs[..app_pos].join("/"),
        ..Default::default()
    };
    let mut rest = segs[app_pos + 1..].iter();
    if let Some(app) = rest.next() {
        let app = decode(app);
        if app != "engineData" {
            t.app = Some(app);
        }
    }
    while let Some(key) = rest.next() {
        let value = rest.next()?;
        match *key {
            "identity" => t.identity = Some(decode(value)),
            "ttl" => t.ttl = Some(value.parse().ok()?),
            _ => return None,
        }
    }
    Some(t)
}

/// Decides who the user is. The certificate was already checked by TLS; the engine port then
/// trusts `X-Qlik-User` (and answers 403 without it, before any upgrade).
pub fn authenticate(parts: &Parts) -> Result<User, Rejection> {
    let header = parts
        .headers
        .get("x-qlik-user")
        .ok_or_else(|| Rejection::new(403, "Forbidden: the X-Qlik-User header is missing"))?;
    let value = header
        .to_str()
        .map_err(|_| Rejection::new(403, "Forbidden: the X-Qlik-User header is not text"))?;
    let (dir, id) = user_from_header(value).ok_or_else(|| {
        Rejection::new(
            403,
            "Forbidden: X-Qlik-User must be 'UserDirectory=<dir>; UserId=<id>'",
        )
    })?;
    if dir.is_empty() || id.is_empty() {
        return Err(Rejection::new(
            403,
            "Forbidden: X-Qlik-User names no user directory or user id",
        ));
    }
    Ok(User::new(&dir, &id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn parses_socket_paths() {
        assert_eq!(
            socket_target("/app/engineData").unwrap(),
            SocketTarget::default()
        );
        let t = socket_target("/jwt/app/a%20b/identity/x/ttl/30").unwrap();
        assert_eq!(t.prefix, "jwt");
        assert_eq!(t.app.as_deref(), Some("a b"));
        assert_eq!(t.identity.as_deref(), Some("x"));
        assert_eq!(t.ttl, Some(30));
        assert_eq!(socket_target("/app/").unwrap(), SocketTarget::default());
        assert!(socket_target("/hub").is_none());
        assert!(socket_target("/app/x/ttl/soon").is_none());
    }

    #[test]
    fn routes_upgrades_and_rest() {
        let up = [("upgrade", "websocket"), ("connection", "upgrade")];
        assert!(matches!(
            route(&parts("GET", "/app/x", &up)),
            Route::EngineSocket(_)
        ));
        assert_eq!(
            route(&parts("GET", "/qrs/about?xrfkey=abc", &[])),
            Route::QrsAbout
        );
        assert_eq!(route(&parts("GET", "/app/x", &[])), Route::NotFound);
        assert_eq!(route(&parts("POST", "/qrs/about", &[])), Route::NotFound);
    }

    #[test]
    fn the_user_comes_from_the_header() {
        let p = parts(
            "GET",
            "/app/",
            &[("X-Qlik-User", "UserDirectory=CORP; UserId=j%C3%B6rg")],
        );
        assert_eq!(authenticate(&p).unwrap(), User::new("CORP", "jörg"));
        let e = authenticate(&parts("GET", "/app/", &[])).unwrap_err();
        assert_eq!(e.status, 403);
        let e = authenticate(&parts("GET", "/app/", &[("X-Qlik-User", "bob")])).unwrap_err();
        assert_eq!(e.status, 403);
    }
}

//! The repository's `GET /qrs/about`, on the same mutual-TLS port: `X-Qlik-User` required, and
//! the `xrfkey` query value must equal the `X-Qlik-Xrfkey` header (Qlik's CSRF guard), else 403.

use http::request::Parts;
use serde_json::json;

use super::auth;
use super::server::{HttpResponse, Shared, respond};

/// The `xrfkey` query parameter, if any.
fn query_xrfkey(parts: &Parts) -> Option<String> {
    let q = parts.uri.query()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("xrfkey"))
        .map(|(_, v)| v.into_owned())
}

/// Checks the Xrfkey pair; the error text says what is wrong.
pub fn check_xrfkey(parts: &Parts) -> Result<(), String> {
    let query = query_xrfkey(parts).ok_or("the xrfkey query parameter is missing")?;
    let header = parts
        .headers
        .get("x-qlik-xrfkey")
        .and_then(|v| v.to_str().ok())
        .ok_or("the X-Qlik-Xrfkey header is missing")?;
    if query.len() != 16 || query != header {
        return Err("the xrfkey query parameter and the X-Qlik-Xrfkey header differ".into());
    }
    Ok(())
}

pub fn about(parts: &Parts, shared: &Shared) -> HttpResponse {
    if let Err(rej) = auth::authenticate(parts) {
        return respond(rej.status, "text/plain", rej.body);
    }
    if let Err(why) = check_xrfkey(parts) {
        return respond(403, "text/plain", format!("Forbidden: {why}"));
    }
    let e = &shared.site.engine;
    let body = json!({
        "buildVersion": e.build_version,
        "buildDate": e.build_date,
        "databaseProvider": "Devart.Data.PostgreSql",
        "nodeType": 1,
        "sharedPersistence": true,
        "requiresBootstrap": false,
        "singleNodeOnly": false,
        "schemaPath": "About",
    });
    respond(200, "application/json; charset=utf-8", body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, header: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        if let Some(h) = header {
            b = b.header("X-Qlik-Xrfkey", h);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn xrfkey_must_match() {
        let k = "abcdefghij012345";
        assert!(check_xrfkey(&parts(&format!("/qrs/about?xrfkey={k}"), Some(k))).is_ok());
        assert!(check_xrfkey(&parts(&format!("/qrs/about?xrfkey={k}"), None)).is_err());
        assert!(check_xrfkey(&parts("/qrs/about", Some(k))).is_err());
        assert!(
            check_xrfkey(&parts(
                &format!("/qrs/about?xrfkey={k}"),
                Some("0000000000000000")
            ))
            .is_err()
        );
    }
}
